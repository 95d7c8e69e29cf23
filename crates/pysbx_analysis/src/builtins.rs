//! The names CPython's `builtins` module provides (`dir(builtins)`, 3.11 and later). An unbound
//! name in this list resolves to `builtins.<name>`, module dunders such as `__loader__` and
//! `__spec__` included (every module defines its own, but rules name them this way).

/// Sorted, to keep the list easy to check against `dir(builtins)`.
const BUILTINS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "False",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "None",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "True",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "__build_class__",
    "__debug__",
    "__doc__",
    "__import__",
    "__loader__",
    "__name__",
    "__package__",
    "__spec__",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

static INDEX: std::sync::LazyLock<rustc_hash::FxHashMap<&'static str, usize>> =
    std::sync::LazyLock::new(|| BUILTINS.iter().enumerate().map(|(i, n)| (*n, i)).collect());

/// The position of `name` among the builtins, when it is one.
pub(crate) fn index(name: &str) -> Option<usize> {
    INDEX.get(name).copied()
}

/// The builtins' exception classes whose names do not end like one (see [`is_exception`]).
const EXCEPTIONS_NAMED_OTHERWISE: &[&str] = &[
    "BaseExceptionGroup",
    "ExceptionGroup",
    "KeyboardInterrupt",
    "StopAsyncIteration",
    "StopIteration",
];

/// Whether `name` is one of the builtins' exception classes (`ValueError`): a builtin named
/// like one (`...Error`, `...Exception`, `...Warning`, `...Exit`) or one of the few named
/// otherwise; a name that only ends like one (`PayloadError`) is not a builtin.
pub(crate) fn is_exception(name: &str) -> bool {
    index(name).is_some()
        && (["Error", "Exception", "Warning", "Exit"].iter().any(|end| name.ends_with(end))
            || EXCEPTIONS_NAMED_OTHERWISE.contains(&name))
}

/// Whether `name` is a builtin.
#[cfg(test)]
fn is_builtin(name: &str) -> bool {
    index(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_complete_for_the_dangerous_ones() {
        assert!(BUILTINS.windows(2).all(|w| w[0] < w[1]), "BUILTINS must stay sorted");
        for name in ["eval", "exec", "compile", "__import__", "open", "getattr", "globals", "vars"]
        {
            assert!(is_builtin(name), "{name}");
        }
        assert!(is_builtin("__loader__"));
        assert!(!is_builtin("os"));
    }

    #[test]
    fn exceptions_are_the_builtins_own() {
        // CPython 3.11's exception classes among the builtins that are named otherwise.
        for name in EXCEPTIONS_NAMED_OTHERWISE {
            assert!(is_builtin(name) && is_exception(name), "{name}");
        }
        for name in ["ValueError", "BaseException", "SystemExit", "UserWarning"] {
            assert!(is_exception(name), "{name}");
        }
        for name in ["PayloadError", "RunException", "eval", "NotImplemented", "Ellipsis"] {
            assert!(!is_exception(name), "{name}");
        }
    }
}
