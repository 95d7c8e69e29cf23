//! The globals a constant pickle names. Unpickling calls what a pickle names (`GLOBAL`,
//! `STACK_GLOBAL`, `INST`) with arguments it builds, so a pickle kept as a bytes literal is
//! code written in another notation: it is read here, opcode by opcode, for the names it
//! imports, which the walker reports where the pickle is loaded (as constant code is read for
//! what it calls).
//!
//! The reading errs toward "not known": an opcode it does not know, arguments that run past
//! the end, a stack or memo that does not hold what an opcode takes, a `STACK_GLOBAL` whose
//! names are not strings the pickle pushed, or an extension code (`EXT1`, resolved by the
//! `copyreg` registry at run time) make the whole pickle unknown. Nothing in it is executed or
//! decoded beyond the strings the names are built from.

use rustc_hash::FxHashMap;

/// The most globals kept; a pickle naming more is unknown.
const MAX_GLOBALS: usize = 64;
/// The most opcodes read; a longer pickle is unknown.
const MAX_OPS: usize = 100_000;

/// What the reader keeps of a stack item.
#[derive(Clone)]
enum Item {
    Mark,
    /// A string (a name `STACK_GLOBAL` may take).
    Text(String),
    Other,
}

/// The globals (`module.name`, with Python 2 module names mapped as Python 3 unpickles them)
/// a pickle names, in order, up to its `STOP`; `None` when the pickle cannot be read whole.
pub(crate) fn globals(data: &[u8]) -> Option<Vec<String>> {
    let mut r = Reader { data, at: 0 };
    let mut stack: Vec<Item> = Vec::new();
    let mut memo: FxHashMap<u64, Item> = FxHashMap::default();
    let mut out: Vec<String> = Vec::new();
    for _ in 0..MAX_OPS {
        let op = r.byte()?;
        match op {
            b'.' => return Some(out),
            b'(' => stack.push(Item::Mark),
            b'0' => {
                stack.pop()?;
            }
            b'2' => {
                let top = stack.last()?.clone();
                stack.push(top);
            }
            b'1' => pop_mark(&mut stack)?,
            // Scalars, pushed.
            b'F' | b'I' | b'L' => {
                r.line()?;
                stack.push(Item::Other);
            }
            b'J' => push_skip(&mut r, &mut stack, 4)?,
            b'K' => push_skip(&mut r, &mut stack, 1)?,
            b'M' => push_skip(&mut r, &mut stack, 2)?,
            b'G' => push_skip(&mut r, &mut stack, 8)?,
            0x8a => {
                let n = usize::from(r.byte()?);
                push_skip(&mut r, &mut stack, n)?;
            }
            0x8b => {
                let n = r.len4()?;
                push_skip(&mut r, &mut stack, n)?;
            }
            b'N' | 0x88 | 0x89 | b']' | b')' | b'}' | 0x8f | 0x97 => stack.push(Item::Other),
            // Strings: text a name may be built from.
            b'S' => {
                let line = r.line()?;
                stack.push(quoted(line).map_or(Item::Other, Item::Text));
            }
            b'V' => {
                let line = r.line()?;
                stack.push(text(line));
            }
            b'T' => {
                let n = r.len4()?;
                stack.push(text(r.take(n)?));
            }
            b'U' | 0x8c => {
                let n = usize::from(r.byte()?);
                stack.push(text(r.take(n)?));
            }
            b'X' => {
                let n = r.len4()?;
                stack.push(text(r.take(n)?));
            }
            0x8d => {
                let n = r.len8()?;
                stack.push(text(r.take(n)?));
            }
            // Bytes.
            b'B' => {
                let n = r.len4()?;
                push_skip(&mut r, &mut stack, n)?;
            }
            b'C' => {
                let n = usize::from(r.byte()?);
                push_skip(&mut r, &mut stack, n)?;
            }
            0x8e | 0x96 => {
                let n = r.len8()?;
                push_skip(&mut r, &mut stack, n)?;
            }
            // One item in, one out.
            0x98 | b'Q' => {
                stack.pop()?;
                stack.push(Item::Other);
            }
            b'P' => {
                r.line()?;
                stack.push(Item::Other);
            }
            // Containers.
            b'a' => {
                stack.pop()?;
                top(&stack)?;
            }
            b's' => {
                stack.pop()?;
                stack.pop()?;
                top(&stack)?;
            }
            b'e' | b'u' | 0x90 => {
                pop_mark(&mut stack)?;
                top(&stack)?;
            }
            b't' | b'd' | b'l' | 0x91 | b'o' => {
                pop_mark(&mut stack)?;
                stack.push(Item::Other);
            }
            0x85 => pop_push(&mut stack, 1)?,
            0x86 | b'R' | 0x81 => pop_push(&mut stack, 2)?,
            0x87 | 0x92 => pop_push(&mut stack, 3)?,
            b'b' => {
                stack.pop()?;
                top(&stack)?;
            }
            // The memo.
            b'p' => {
                let key = decimal(r.line()?)?;
                memo.insert(key, stack.last()?.clone());
            }
            b'q' => {
                let key = u64::from(r.byte()?);
                memo.insert(key, stack.last()?.clone());
            }
            b'r' => {
                let key = u64::try_from(r.len4()?).ok()?;
                memo.insert(key, stack.last()?.clone());
            }
            0x94 => {
                let key = u64::try_from(memo.len()).ok()?;
                memo.insert(key, stack.last()?.clone());
            }
            b'g' => {
                let key = decimal(r.line()?)?;
                stack.push(memo.get(&key)?.clone());
            }
            b'h' => {
                let key = u64::from(r.byte()?);
                stack.push(memo.get(&key)?.clone());
            }
            b'j' => {
                let key = u64::try_from(r.len4()?).ok()?;
                stack.push(memo.get(&key)?.clone());
            }
            // Globals.
            b'c' => {
                let module = std::str::from_utf8(r.line()?).ok()?;
                let name = std::str::from_utf8(r.line()?).ok()?;
                out.push(qualified(module, name));
                stack.push(Item::Other);
            }
            b'i' => {
                let module = std::str::from_utf8(r.line()?).ok()?;
                let name = std::str::from_utf8(r.line()?).ok()?;
                out.push(qualified(module, name));
                pop_mark(&mut stack)?;
                stack.push(Item::Other);
            }
            0x93 => {
                let (Item::Text(name), Item::Text(module)) = (stack.pop()?, stack.pop()?) else {
                    return None;
                };
                out.push(qualified(&module, &name));
                stack.push(Item::Other);
            }
            // Framing and protocol.
            0x80 => {
                r.byte()?;
            }
            0x95 => {
                r.len8()?;
            }
            _ => return None,
        }
        if out.len() > MAX_GLOBALS {
            return None;
        }
    }
    None
}

struct Reader<'d> {
    data: &'d [u8],
    at: usize,
}

impl<'d> Reader<'d> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&'d [u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.data.get(self.at..end)?;
        self.at = end;
        Some(s)
    }

    /// Up to the next newline, which is skipped.
    fn line(&mut self) -> Option<&'d [u8]> {
        let rest = self.data.get(self.at..)?;
        let n = memchr::memchr(b'\n', rest)?;
        self.at += n + 1;
        Some(&rest[..n])
    }

    fn len4(&mut self) -> Option<usize> {
        let b = self.take(4)?;
        usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
    }

    fn len8(&mut self) -> Option<usize> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        usize::try_from(u64::from_le_bytes(a)).ok()
    }
}

fn push_skip(r: &mut Reader<'_>, stack: &mut Vec<Item>, n: usize) -> Option<()> {
    r.take(n)?;
    stack.push(Item::Other);
    Some(())
}

fn pop_push(stack: &mut Vec<Item>, n: usize) -> Option<()> {
    for _ in 0..n {
        stack.pop()?;
    }
    stack.push(Item::Other);
    Some(())
}

fn top(stack: &[Item]) -> Option<()> {
    matches!(stack.last()?, Item::Other | Item::Text(_)).then_some(())
}

/// Pops up to and including the topmost mark.
fn pop_mark(stack: &mut Vec<Item>) -> Option<()> {
    let at = stack.iter().rposition(|i| matches!(i, Item::Mark))?;
    stack.truncate(at);
    Some(())
}

fn text(b: &[u8]) -> Item {
    std::str::from_utf8(b).map_or(Item::Other, |s| Item::Text(s.to_string()))
}

/// The string of a protocol 0 `STRING` argument (`'os'`): only plain quoted ASCII without
/// escapes is read as a name.
fn quoted(line: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(line).ok()?;
    let inner = s
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|t| t.strip_suffix('"')))?;
    (!inner.contains('\\')).then(|| inner.to_string())
}

fn decimal(line: &[u8]) -> Option<u64> {
    std::str::from_utf8(line).ok()?.trim().parse().ok()
}

/// `module.name`, with the Python 2 module names Python 3's unpickler maps (`fix_imports`).
fn qualified(module: &str, name: &str) -> String {
    let module = match module {
        "__builtin__" | "exceptions" => "builtins",
        "copy_reg" => "copyreg",
        "cPickle" => "pickle",
        "commands" => "subprocess",
        "UserDict" | "UserList" | "UserString" => "collections",
        "urllib2" => "urllib.request",
        "httplib" => "http.client",
        other => other,
    };
    format!("{module}.{name}")
}

/// Modules whose globals reach the process, the interpreter, files or the network, or
/// combine other callables (`operator.attrgetter`, `functools.partial`): a pickle naming any
/// name in them, or any dunder name, does something beyond rebuilding data.
const REACHING: &[&str] = &[
    "os",
    "posix",
    "nt",
    "posixpath",
    "ntpath",
    "sys",
    "subprocess",
    "builtins",
    "importlib",
    "ctypes",
    "pty",
    "shutil",
    "runpy",
    "operator",
    "functools",
    "itertools",
    "types",
    "code",
    "codeop",
    "pickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "marshal",
    "shelve",
    "io",
    "_io",
    "codecs",
    "socket",
    "ssl",
    "urllib",
    "http",
    "requests",
    "webbrowser",
    "pydoc",
    "pkgutil",
    "platform",
    "multiprocessing",
    "threading",
    "_thread",
    "asyncio",
    "signal",
    "tempfile",
    "glob",
    "pathlib",
    "zipimport",
    "inspect",
    "gc",
    "timeit",
    "pdb",
    "bdb",
    "trace",
    "profile",
    "cProfile",
    "ftplib",
    "smtplib",
    "telnetlib",
    "imaplib",
    "poplib",
    "fcntl",
    "resource",
    "mmap",
    "select",
    "sqlite3",
    "xmlrpc",
    "logging",
    "distutils",
    "setuptools",
    "pip",
    "site",
    "sysconfig",
    "compileall",
    "py_compile",
    "zipfile",
    "tarfile",
    "copy",
    "ast",
    "dis",
    "cffi",
    "_posixsubprocess",
    "_winapi",
    "msvcrt",
    "winreg",
    "numpy.testing",
    "numpy.f2py",
    "numpy.distutils",
];

/// The builtins a pickle of plain data names: constructors of values.
const PLAIN_BUILTINS: &[&str] = &[
    "builtins.set",
    "builtins.frozenset",
    "builtins.bytearray",
    "builtins.bytes",
    "builtins.complex",
    "builtins.slice",
    "builtins.object",
    "builtins.list",
    "builtins.dict",
    "builtins.tuple",
    "builtins.int",
    "builtins.float",
    "builtins.str",
    "builtins.bool",
    "builtins.range",
];

/// Whether a global (as [`globals`] gives it) only rebuilds data: not a name in a module of
/// [`REACHING`] (the builtins' value constructors aside) nor a dunder name.
pub(crate) fn plain(global: &str) -> bool {
    if PLAIN_BUILTINS.contains(&global) || global == "copyreg._reconstructor" {
        return true;
    }
    let mut prefix_end = 0;
    for (i, part) in global.split('.').enumerate() {
        if part.is_empty() || part.starts_with("__") {
            return false;
        }
        prefix_end += part.len() + usize::from(i > 0);
        let prefix = &global[..prefix_end];
        if REACHING.contains(&part) || REACHING.contains(&prefix) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_0_globals_are_read() {
        let p = b"cnumpy\ndtype\np0\n(S'M8'\np1\nI0\nI1\ntp2\nRp3\n(I4\nS'<'\np4\nNNNI-1\nI-1\nI0\n((dp5\n(S'D'\np6\nI7\nI1\nI1\ntp7\ntp8\ntp9\nb.";
        assert_eq!(globals(p), Some(vec!["numpy.dtype".to_string()]));
        let p = b"cos\nsystem\n(S'id'\ntR.";
        assert_eq!(globals(p), Some(vec!["os.system".to_string()]));
        assert!(!plain("os.system"));
        let p = b"c__builtin__\neval\n(S'1'\ntR.";
        assert_eq!(globals(p), Some(vec!["builtins.eval".to_string()]));
        assert!(!plain("builtins.eval"));
        assert!(plain("builtins.set"));
    }

    #[test]
    fn protocol_4_stack_globals_are_read() {
        // pickle.dumps(sympy Pow), protocol 4, with memoized names.
        let p = b"\x80\x04\x95^\x00\x00\x00\x00\x00\x00\x00\x8c\x10sympy.core.power\x94\x8c\x03Pow\x94\x93\x94\x8c\x12sympy.core.numbers\x94\x8c\x07Integer\x94\x93\x94K\x02\x85\x94R\x94}\x94bh\x03\x8c\x04Half\x94\x93\x94)R\x94}\x94b\x86\x94R\x94}\x94b.";
        assert_eq!(
            globals(p),
            Some(vec![
                "sympy.core.power.Pow".to_string(),
                "sympy.core.numbers.Integer".to_string(),
                "sympy.core.numbers.Half".to_string(),
            ])
        );
        // A name reached through another module's attribute is not plain.
        assert!(!plain("posixpath.os.system"));
        assert!(!plain("json.os.system"));
        assert!(!plain("numpy.testing.runstring"));
        assert!(!plain("mod.__globals__"));
        assert!(plain("numpy.core.multiarray._reconstruct"));
    }

    #[test]
    fn any_bytes_are_read_without_panicking() {
        // xorshift: the same inputs on every run, biased toward opcodes with arguments.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let ops = b"(.02a1FIJKMGLNVSTUXBCPQRbcdeghijlopqrstu}])\x80\x85\x86\x87\x8a\x8b\x8c\x8d\x8e\x93\x94\x95\x96";
        for _ in 0..20_000 {
            let len = usize::try_from(next() % 48).unwrap_or(0);
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    let i = usize::try_from(r % 64).unwrap_or(0);
                    if r & 64 == 0 { ops[i % ops.len()] } else { (r >> 8) as u8 }
                })
                .collect();
            let _ = globals(&data);
        }
    }

    #[test]
    fn what_cannot_be_read_is_unknown() {
        assert_eq!(globals(b"\x80\x02\x82\x01."), None, "an extension code");
        assert_eq!(globals(b"cos\nsystem"), None, "no STOP");
        assert_eq!(globals(b"\x8c\x02os\x94K\x01\x93."), None, "a name that is not a string");
        assert_eq!(globals(b"0."), None, "an empty stack");
        assert_eq!(globals(b"h\x05."), None, "a memo entry never put");
        assert_eq!(globals(b"X\xff\xff\xff\xff."), None, "a length past the end");
    }
}
