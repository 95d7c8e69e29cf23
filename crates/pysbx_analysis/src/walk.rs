//! The one pass over a module: resolves names, folds constants and collects rule hits at every
//! node, whatever the number of rules.
//!
//! Expressions are evaluated bottom-up: each returns what it may refer to (qualified names),
//! the constant it folds to, and its pending string candidates. A string candidate waits for
//! its parent's verdict: if the parent folds to a string too, the parent is the candidate
//! (`"ev" + "al"` is matched once, as `eval`); otherwise the candidate is matched as it is.
//!
//! Function and lambda bodies are read after the scope that defines them, so that they see
//! every binding of the names they use (`def f(): os.system(...)` before `import os`).
//! Recursion is depth-capped (code nested deeper than CPython can compile is refused) and runs
//! on a growable stack.

use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::LazyLock;
use std::time::Instant;

use ruff_python_ast::name::Name;
use ruff_python_ast::{
    self as ast, ConversionFlag, Expr, ExprContext, FStringPart, InterpolatedStringElement, Number,
    Pattern, Stmt,
};
use ruff_text_size::{Ranged, TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use crate::compile::{
    COMMAND_ORIGIN, Compiled, FILE_ORIGIN, KEYSTROKE_ORIGIN, OWN_SOURCE_ORIGIN, URL_ORIGIN,
};
use crate::fold::{self, Budget, CallArgs, MAX_SEQ_LEN};
use crate::glob::{NameTable, nfkc};
use crate::matchers::{
    self, Frame, Hit, Site, assign, attribute, call, handler, import, reference, store, string,
};
use crate::scope::{LateWrite, MODULE, ScopeKind, Scopes};
use crate::spelled::Spelled;
use crate::spread::{self, Spread};
use crate::value::{
    ArgumentOrigin, Bin, Const, Interner, LoadedView, QName, SeqKind, Text, Value, ValueSet,
};

/// Where the walker stands, as the matchers see it: built from the walker's fields one by one,
/// so that other fields stay free to be borrowed mutably beside it (the raw findings a
/// settlement pushes, the string memo an oracle fills).
macro_rules! site {
    ($walker:expr) => {
        Site {
            frames: &$walker.frames,
            file_name: $walker.file_name,
            entry_name: $walker.entry_name,
            build_backend: $walker.build_backend,
        }
    };
}

/// Nesting (statements, expressions, patterns) beyond which a file is refused. CPython 3.11
/// fails to compile expressions nested about 3000 deep, so no runnable code is refused.
pub(crate) const MAX_DEPTH: u32 = 4000;
/// Stack left before a recursive step moves to a fresh stack segment. Checked every
/// [`GROW_EVERY`] levels, so it covers that many levels of the largest (unoptimized) frames.
const RED_ZONE: usize = 512 * 1024;
/// The size of each fresh stack segment.
const STACK_SEGMENT: usize = 4 * 1024 * 1024;
/// How many nesting levels pass between two stack checks.
const GROW_EVERY: u32 = 8;
/// How many nodes (statements, expressions, patterns) are read between two deadline checks:
/// reading 1024 nodes takes well under a millisecond, reading the clock is not free.
const DEADLINE_EVERY: u32 = 1024;

/// Callees the engine treats specially (dynamic imports, namespace accessors, attribute
/// lookups by name); other calls skip the special-case dispatch. (Foldable functions are
/// folded after it, when every argument folds.)
static SPECIAL_CALLEES: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    [
        "builtins.__import__",
        "builtins.type",
        "importlib.__import__",
        "importlib.import_module",
        "string.Formatter().get_field",
        "string.Formatter().format",
        "string.Formatter().vformat",
        "unittest.mock._get_target",
        "mock.mock._get_target",
        "unittest.mock._dot_lookup",
        "mock.mock._dot_lookup",
        "pickle.Unpickler().find_class",
        "pickle._Unpickler().find_class",
        "_pickle.Unpickler().find_class",
        "dill.Unpickler().find_class",
        "pickle.Unpickler.find_class",
        "pickle._Unpickler.find_class",
        "importlib.util.module_from_spec",
        "importlib._bootstrap._load",
        "importlib.metadata.EntryPoint",
        "importlib_metadata.EntryPoint",
        "pkg_resources.EntryPoint.parse",
        "functools.reduce",
        "builtins.globals",
        "builtins.locals",
        "builtins.vars",
        "operator.attrgetter",
        "operator.methodcaller",
        "builtins.map",
        "functools.partial",
    ]
    .into_iter()
    .chain(NAME_RESOLVERS.iter().map(|(n, ..)| *n))
    .chain(NAME_LOOKUP_CLASSES.iter().copied())
    .chain(SPEC_MAKERS.iter().map(|(n, ..)| *n))
    .chain(attribute::GETATTR_LIKE.iter().copied())
    .chain(SAVES_DOWNLOAD.iter().map(|(n, ..)| *n))
    .chain(["builtins.open", "io.open", "os.open"])
    .chain(FILE_OPENERS.iter().copied())
    .chain(FILE_COPIERS.iter().copied())
    .chain(ARCHIVE_OPENERS.iter().map(|(n, _)| *n))
    .chain(["shutil.make_archive"])
    .chain(DATA_WRITERS.iter().map(|(n, ..)| *n))
    .chain(CAPTURES_TO_FILE.iter().map(|(n, ..)| *n))
    .chain(RUNS_FILES.iter().copied())
    .collect()
});

/// Callees that run a file named in their first argument: a command line (`os.system("python3
/// stage.py")`) or the path itself (`runpy.run_path(p)`). Python code the file was written
/// with is read where they run it (see [`Walker::run_written_code`]); argument vectors are
/// looked at where they are written (see [`Walker::sequence`]).
const RUNS_FILES: &[&str] = &[
    "os.system",
    "os.popen",
    "subprocess.Popen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "runpy.run_path",
];

/// The most files written with constant code a file's walk remembers.
const MAX_WRITTEN_CODE: usize = 8;

/// A call that writes data to a file other than by a `write` method (see
/// [`Walker::note_saved`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Writer {
    /// `shutil.copyfileobj(src, dst)`: what it reads from its first argument.
    CopyFileObj,
    /// `os.write(fd, data)`: its second argument, to a descriptor `os.open` gave.
    Descriptor,
    /// Anything else.
    Other,
}

/// Functions that save what they download to the path they are given (position, keyword):
/// the path then holds a download, for `derived_from` (`urlretrieve(url, p)`, then
/// `os.chmod(p, 0o755)`; see [`Walker::note_saved`]).
const SAVES_DOWNLOAD: &[(&str, usize, &str)] = &[
    ("urllib.request.urlretrieve", 1, "filename"),
    ("urllib.urlretrieve", 1, "filename"),
    ("wget.download", 1, "out"),
];

/// Functions that save what they are given to a path (name, the path's position and keyword,
/// the data's position and keyword): a followed value written so is in the file (see
/// `Walker::note_data_written`).
const DATA_WRITERS: &[(&str, usize, &str, usize, &str)] = &[
    ("cv2.imwrite", 0, "filename", 1, "img"),
    ("imageio.imwrite", 0, "uri", 1, "im"),
    ("imageio.v2.imwrite", 0, "uri", 1, "im"),
    ("imageio.v3.imwrite", 0, "uri", 1, "image"),
    ("scipy.io.wavfile.write", 0, "filename", 2, "data"),
    ("soundfile.write", 0, "file", 1, "data"),
    ("numpy.save", 0, "file", 1, "arr"),
];

/// Captures that write what they capture to a path they are given (name, the path's position
/// and keyword), where a `derived_from` test follows the capture itself.
const CAPTURES_TO_FILE: &[(&str, usize, &str)] =
    &[("pyautogui.screenshot", 0, "imageFilename"), ("pyscreeze.screenshot", 0, "imageFilename")];

/// A call that writes, copies or opens a file by its path, as the look-up of special callees
/// tells it (see `Walker::note_data_written`, `Walker::opened_file_holds`).
#[derive(Clone)]
enum FileCall {
    /// One of [`DATA_WRITERS`].
    Writes(&'static (&'static str, usize, &'static str, usize, &'static str)),
    /// One of [`CAPTURES_TO_FILE`]: the capture, the path's position and keyword.
    Captures(QName, usize, &'static str),
    /// One of [`FILE_COPIERS`]; `one_file` for `shutil.copyfile`, which copies no directory.
    Copies { one_file: bool },
    /// One of [`FILE_OPENERS`].
    Opens,
}

/// The path an opening function is given: first, or by keyword (`open(file=...)`,
/// `codecs.open(filename=...)`, `sqlite3.connect(database=...)`).
fn opened_path<'e, 'a>(pos: &'e [Eval<'a>], kws: &'e [(Name, Eval<'a>)]) -> Option<&'e Eval<'a>> {
    pos.first().or_else(|| {
        kws.iter()
            .find(|(k, _)| matches!(k.as_str(), "file" | "filename" | "database"))
            .map(|(_, e)| e)
    })
}

/// What a path's value says the file there holds: the origins a download or a capture saved
/// there gave it (see `Walker::saved_in`), not a directory's own (`q/`), and not the
/// environment or a variable a path was made from (its text is not the file's:
/// `os.path.join("/home", os.environ["USER"])`). A secret's variable is no part of a path, so
/// its origin there is the secret written to the file (`f.write(os.environ["GITHUB_TOKEN"])`
/// into the path, then the path read back).
fn path_holds<'v>(vals: &'v ValueSet<'_>) -> impl Iterator<Item = QName> + 'v {
    vals.alts().iter().filter_map(|v| match v {
        Value::From(q)
            if (!q.starts_with("os.environ") || secret_variable_origin(q)) && !q.ends_with('/') =>
        {
            Some(q.clone())
        }
        _ => None,
    })
}

/// Whether an origin is an environment variable named as a secret is (`os.environ.
/// GITHUB_TOKEN`, `os.environ.AWS_SECRET_ACCESS_KEY`, `os.environ.TWINE_PASSWORD`).
fn secret_variable_origin(q: &str) -> bool {
    q.strip_prefix("os.environ.").is_some_and(|name| {
        ["TOKEN", "KEY", "PASSWORD", "SECRET"].iter().any(|w| name.contains(w))
            || name.ends_with("_PAT")
    })
}

/// Calls that open an archive by its path or a file object (name, the path's keyword; the path
/// is first, the mode second): one opened for writing holds the files written into it (see
/// [`OpenForWriting`]).
const ARCHIVE_OPENERS: &[(&str, &str)] = &[
    ("zipfile.ZipFile", "file"),
    ("zipfile.PyZipFile", "file"),
    ("tarfile.open", "name"),
    ("tarfile.TarFile", "name"),
    ("tarfile.TarFile.open", "name"),
];

/// Functions that copy a file to another path (the source first, then the destination).
const FILE_COPIERS: &[&str] = &["shutil.copyfile", "shutil.copy", "shutil.copy2", "shutil.move"];

/// Methods that save their object's content to a path they are given (name, the path's
/// position and keyword): an image's `save(fp)`, `mss`'s `shot(output=...)`.
const SAVING_METHODS: &[(&str, usize, &str)] = &[("save", 0, "fp"), ("shot", usize::MAX, "output")];

/// The functions that unpickle a file or bytes they are given.
const PICKLE_LOADS: &[&str] = &[
    "pickle.load",
    "pickle.loads",
    "_pickle.load",
    "_pickle.loads",
    "cPickle.load",
    "cPickle.loads",
    "dill.load",
    "dill.loads",
    "cloudpickle.load",
    "cloudpickle.loads",
];

/// The unpicklers, which read the file they are given.
const PICKLE_UNPICKLERS: &[&str] = &[
    "pickle.Unpickler",
    "pickle._Unpickler",
    "_pickle.Unpickler",
    "cPickle.Unpickler",
    "dill.Unpickler",
];

/// The functions that unpickle the file at a path they are given, or a file object (an
/// in-memory buffer too).
const PICKLE_PATH_READERS: &[&str] = &["joblib.load", "pandas.read_pickle", "numpy.load"];

/// The calls a fresh temporary path or file of a function may be handed when a pickle read
/// from it is a round trip (see [`crate::roundtrip::temp_file`]): pickle writers and
/// readers, and removal.
const TEMP_FILE_USERS: &[&str] = &[
    "joblib.dump",
    "joblib.load",
    "pandas.to_pickle",
    "pandas.read_pickle",
    "numpy.save",
    "numpy.savez",
    "numpy.savez_compressed",
    "numpy.load",
    "os.remove",
    "os.unlink",
    "os.path.exists",
];

/// The path classes whose objects `/` joins (see [`Walker::path_start`]).
const PATH_CLASSES: &[&str] = &[
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
    "pathlib.WindowsPath",
    "pathlib.PurePosixPath",
    "pathlib.PureWindowsPath",
];

/// What makes and builds such paths (see [`crate::roundtrip::temp_file`]).
const TEMP_MAKERS: &[&str] = &[
    "tempfile.mktemp",
    "tempfile.mkdtemp",
    "tempfile.NamedTemporaryFile",
    "tempfile.TemporaryDirectory",
];
const PATH_BUILDERS: &[&str] = &[
    "os.path.join",
    "posixpath.join",
    "builtins.str",
    "os.fspath",
    "pathlib.Path",
    "pathlib.PurePath",
    "pathlib.PosixPath",
];

/// The functions and classes that write a pickle of an object to the file they are given,
/// with the module whose `dumps` returns the same bytes.
const PICKLE_WRITERS: &[(&str, &str)] = &[
    ("pickle.dump", "pickle"),
    ("pickle.Pickler", "pickle"),
    ("pickle._Pickler", "pickle"),
    ("_pickle.dump", "_pickle"),
    ("_pickle.Pickler", "_pickle"),
    ("cPickle.dump", "cPickle"),
    ("cPickle.Pickler", "cPickle"),
    ("dill.dump", "dill"),
    ("dill.Pickler", "dill"),
    ("cloudpickle.dump", "cloudpickle"),
    ("cloudpickle.Pickler", "cloudpickle"),
];

/// The method a call names, with the text of the path its receiver stands for, when known
/// (see [`Walker::note_saved`]).
struct MethodOn<'x> {
    name: Option<&'x Name>,
    path: Option<&'x str>,
}

/// A constant path a download was saved to, the call that downloaded it, and whether the
/// path is a directory (see [`Walker::note_saved`]).
pub(crate) type SavedFile = (Rc<str>, QName, bool);

/// The most constant paths remembered as holding a download (see [`Walker::note_saved`]).
const MAX_SAVED: usize = 32;

/// Functions that import the object a dotted name (`os.system`, or `os:system` where they
/// take it) names and return it, with where the name is given (position, keyword).
const NAME_RESOLVERS: &[(&str, usize, &str)] = &[
    ("pydoc.locate", 0, "path"),
    ("pydoc.safeimport", 0, "path"),
    ("pkgutil.resolve_name", 0, "name"),
    ("unittest.mock._importer", 0, "target"),
    ("mock.mock._importer", 0, "target"),
    ("logging.config._resolve", 0, "name"),
    ("zope.dottedname.resolve.resolve", 0, "name"),
    ("werkzeug.utils.import_string", 0, "import_name"),
    ("django.utils.module_loading.import_string", 0, "dotted_path"),
    ("twisted.python.reflect.namedAny", 0, "name"),
    ("twisted.python.reflect.namedObject", 0, "name"),
    ("twisted.python.reflect.namedModule", 0, "name"),
    ("kombu.utils.imports.symbol_by_name", 0, "name"),
    ("celery.utils.imports.symbol_by_name", 0, "name"),
    ("hydra.utils.get_method", 0, "path"),
    ("hydra.utils.get_class", 0, "path"),
    ("hydra.utils.get_object", 0, "path"),
];

/// Where a name resolver of [`NAME_RESOLVERS`] takes the name.
fn resolver_argument(callee: &str) -> Option<(usize, &'static str)> {
    NAME_RESOLVERS.iter().find(|(n, ..)| *n == callee).map(|(_, at, kw)| (*at, *kw))
}

/// Functions and classes that make a spec or loader of a module by its name (position,
/// keyword): loading it gives that module (see [`Value::Loader`]).
const SPEC_MAKERS: &[(&str, usize, &str)] = &[
    ("importlib.util.find_spec", 0, "name"),
    ("importlib.machinery.PathFinder.find_spec", 0, "fullname"),
    ("importlib.util.spec_from_loader", 0, "name"),
    ("importlib.machinery.ModuleSpec", 0, "name"),
    ("importlib.find_loader", 0, "name"),
    ("pkgutil.get_loader", 0, "module_or_name"),
    ("pkgutil.find_loader", 0, "fullname"),
    ("importlib.machinery.SourceFileLoader", 0, "fullname"),
    ("importlib.machinery.SourcelessFileLoader", 0, "fullname"),
    ("importlib.machinery.ExtensionFileLoader", 0, "name"),
];

/// Where a spec maker of [`SPEC_MAKERS`] takes the module's name.
fn spec_argument(callee: &str) -> Option<(usize, &'static str)> {
    SPEC_MAKERS.iter().find(|(n, ..)| *n == callee).map(|(_, at, kw)| (*at, *kw))
}

/// What loading a spec, loader or entry point gives (`module_from_spec(spec)`,
/// `loader.load_module()`, `entry_point.load()`): the objects the [`Value::Loader`]s among
/// `vals` name.
fn loaded<'a>(vals: &ValueSet<'a>) -> ValueSet<'a> {
    let mut out = ValueSet::default();
    for alt in vals.alts() {
        if let Value::Loader(q) = alt {
            out.push(Value::Qual(q.clone()));
        }
    }
    out
}

/// One step of a format field's path: `.name`, `[3]` or `[key]`.
#[derive(Debug, PartialEq, Eq)]
enum FieldPart<'s> {
    Attr(&'s str),
    Index(usize),
    Key(&'s str),
}

/// The field names of a format string's replacement fields (`"{0.x} {{ {k[a]!r:>{w}}"` has
/// `0.x`, `k[a]` and `w`), at most 32; `{{` and `}}` are literal braces.
fn format_fields(fmt: &str) -> SmallVec<[&str; 4]> {
    let mut out: SmallVec<[&str; 4]> = SmallVec::new();
    let bytes = fmt.as_bytes();
    let mut i = 0;
    // How deep in a field's format spec (`{0:{1}}` nests one field in another).
    let mut nested = 0u32;
    while i < bytes.len() && out.len() < 32 {
        match bytes[i] {
            b'{' if nested == 0 && bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'}' if nested == 0 => i += 1,
            b'}' => {
                nested -= 1;
                i += 1;
            }
            b'{' => {
                // The field name runs to `!`, `:` or `}`, but not inside brackets.
                let start = i + 1;
                let mut j = start;
                let mut in_brackets = false;
                while j < bytes.len() {
                    match bytes[j] {
                        b'[' => in_brackets = true,
                        b']' => in_brackets = false,
                        b'!' | b':' | b'}' if !in_brackets => break,
                        _ => {}
                    }
                    j += 1;
                }
                if let Some(name) = fmt.get(start..j) {
                    out.push(name);
                }
                nested += 1;
                // A conversion and spec follow; their nested fields are read in turn.
                while j < bytes.len() && !matches!(bytes[j], b'}' | b'{') {
                    j += 1;
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether a format string has a replacement field whose name has an attribute or item path
/// (`{0.x}`, `{k[a]}`): a scan without building anything, as most format strings have none.
fn has_field_path(fmt: &str) -> bool {
    let mut in_field = false;
    for b in fmt.bytes() {
        match b {
            b'{' => in_field = !in_field,
            b'}' | b'!' | b':' => in_field = false,
            b'.' | b'[' if in_field => return true,
            _ => {}
        }
    }
    false
}

/// The path of a field name after its first part (`.modules[os].system`), or `None` when it
/// is not one Python accepts.
fn field_path(path: &str) -> Option<SmallVec<[FieldPart<'_>; 4]>> {
    let mut out: SmallVec<[FieldPart<'_>; 4]> = SmallVec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if out.len() >= 16 {
            return None;
        }
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let name = &after[..end];
            if name.is_empty() {
                return None;
            }
            out.push(FieldPart::Attr(name));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            let key = &after[..end];
            if key.is_empty() {
                return None;
            }
            out.push(match key.parse::<usize>() {
                Ok(i) if key.bytes().all(|b| b.is_ascii_digit()) => FieldPart::Index(i),
                _ => FieldPart::Key(key),
            });
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

/// The method resolution order of a builtin class, by qualified name (`builtins.bool`:
/// `builtins.bool`, `builtins.int`, `builtins.object`), for the classes a literal can be of and
/// a few more; `None` for any other name.
fn builtin_mro(qual: &str) -> Option<SmallVec<[&str; 3]>> {
    const OBJECT: &str = "builtins.object";
    let mro = match qual.strip_prefix("builtins.")? {
        "object" => smallvec::smallvec![OBJECT],
        "bool" => smallvec::smallvec![qual, "builtins.int", OBJECT],
        "str" | "bytes" | "bytearray" | "int" | "float" | "complex" | "tuple" | "list" | "dict"
        | "set" | "frozenset" | "type" | "NoneType" => smallvec::smallvec![qual, OBJECT],
        _ => return None,
    };
    Some(mro)
}

/// The items a value may be a display of (`(sys,)`): by position, each any of the displays'.
fn seq_items<'a>(vals: &ValueSet<'a>) -> Vec<ValueSet<'a>> {
    let mut out: Vec<ValueSet<'a>> = Vec::new();
    for alt in vals.alts() {
        if let Value::Seq(items) = alt {
            for (i, item) in items.iter().enumerate() {
                match out.get_mut(i) {
                    Some(have) => have.union(item),
                    None => out.push(item.clone()),
                }
            }
        }
    }
    out
}

/// The entries a value may be a dict display of (`{"mod": sys}`).
fn dict_entries<'a>(vals: &ValueSet<'a>) -> Vec<(Rc<str>, ValueSet<'a>)> {
    let mut out = Vec::new();
    for alt in vals.alts() {
        if let Value::Dict(entries) = alt {
            out.extend(entries.iter().cloned());
        }
    }
    out
}

/// Whether a qualified name is the loaded modules' dict (`sys.modules`).
fn is_modules_dict(q: &str) -> bool {
    matches!(q, "sys.modules" | "sys.modules.__dict__")
}

/// The view of the loaded modules a method of `sys.modules` (or of a copy) gives.
fn modules_view(recv: &ValueSet<'_>, method: &str) -> Option<LoadedView> {
    let view = match method {
        "values" => LoadedView::Values,
        "items" => LoadedView::Items,
        "keys" | "copy" => LoadedView::Keys,
        _ => return None,
    };
    recv.alts()
        .iter()
        .any(|v| match v {
            Value::Qual(q) => is_modules_dict(q),
            Value::Loaded(LoadedView::Keys) => true,
            _ => false,
        })
        .then_some(view)
}

/// Whether an item is a loaded module or name still to be narrowed (see
/// `Walker::narrow_loaded`), alone or in a pair of `items()`.
fn is_loaded_item(v: &Value<'_>) -> bool {
    match v {
        Value::AnyModule | Value::AnyModuleName => true,
        Value::Seq(parts) => parts
            .iter()
            .any(|p| p.alts().iter().any(|a| matches!(a, Value::AnyModule | Value::AnyModuleName))),
        _ => false,
    }
}

/// The names a loop or comprehension target binds (`m`, `(name, m)`).
fn target_names(target: &Expr, out: &mut Vec<Name>) {
    match target {
        Expr::Name(n) => out.push(key(&n.id)),
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            for e in elts.iter().take(8) {
                target_names(e, out);
            }
        }
        _ => {}
    }
}

/// The conditions of a loop body's `if`, `elif`, `while` and `assert` statements, at any
/// depth short of a nested function or class (at most 64).
fn collect_tests<'a>(body: &'a [Stmt], out: &mut Vec<&'a Expr>) {
    for s in body {
        if out.len() >= 64 {
            return;
        }
        match s {
            Stmt::If(i) => {
                out.push(&i.test);
                collect_tests(&i.body, out);
                for clause in &i.elif_else_clauses {
                    if let Some(t) = &clause.test {
                        out.push(t);
                    }
                    collect_tests(&clause.body, out);
                }
            }
            Stmt::While(w) => {
                out.push(&w.test);
                collect_tests(&w.body, out);
            }
            Stmt::Assert(a) => out.push(&a.test),
            Stmt::For(f) => collect_tests(&f.body, out),
            Stmt::With(w) => collect_tests(&w.body, out),
            Stmt::Try(t) => {
                collect_tests(&t.body, out);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    collect_tests(&h.body, out);
                }
                collect_tests(&t.orelse, out);
                collect_tests(&t.finalbody, out);
            }
            _ => {}
        }
    }
}

/// Whether `e` names one of a loop's `targets` as a loaded module or its name: the target
/// itself, its `__name__` (read or by `getattr`), or its `__spec__.name`.
fn names_loaded_module(e: &Expr, targets: &[Name]) -> bool {
    let is_target = |e: &Expr| matches!(e, Expr::Name(n) if targets.contains(&key(&n.id)));
    match e {
        Expr::Attribute(a) if a.attr.id.as_str() == "__name__" => is_target(&a.value),
        Expr::Attribute(a) if a.attr.id.as_str() == "name" => matches!(
            &*a.value,
            Expr::Attribute(spec) if spec.attr.id.as_str() == "__spec__" && is_target(&spec.value)
        ),
        Expr::Call(c) => {
            matches!(&*c.func, Expr::Name(f) if f.id.as_str() == "getattr")
                && c.arguments.args.first().is_some_and(is_target)
                && matches!(c.arguments.args.get(1), Some(Expr::StringLiteral(s)) if string_text(s).as_str() == "__name__")
        }
        other => is_target(other),
    }
}

/// Library classes whose objects look objects up by name: `string.Formatter().get_field`
/// follows an attribute path, an unpickler's `find_class` imports a module's object.
const NAME_LOOKUP_CLASSES: &[&str] = &[
    "string.Formatter",
    "pickle.Unpickler",
    "pickle._Unpickler",
    "_pickle.Unpickler",
    "dill.Unpickler",
];

/// The value of a path constant of the `os` modules (or of the `string` module), by its
/// resolved name.
fn module_constant(q: &str) -> Option<&'static str> {
    Some(match q {
        "os.sep" | "os.path.sep" | "posixpath.sep" | "posix.sep" => "/",
        "ntpath.sep" => "\\",
        "os.extsep" | "os.path.extsep" | "posixpath.extsep" | "ntpath.extsep" => ".",
        "os.curdir" | "os.path.curdir" | "posixpath.curdir" => ".",
        "os.pardir" | "os.path.pardir" | "posixpath.pardir" => "..",
        _ => return string_constant(q),
    })
}

/// The value of one of Windows' process-creation flags, by its resolved name: `subprocess`
/// defines them on Windows only, as do `win32process` and `win32con`.
fn process_creation_flag(q: &str) -> Option<i64> {
    let (module, name) = q.rsplit_once('.')?;
    if !matches!(module, "subprocess" | "win32process" | "win32con" | "_winapi") {
        return None;
    }
    Some(match name {
        "CREATE_NO_WINDOW" => 0x0800_0000,
        "DETACHED_PROCESS" => 0x0000_0008,
        "CREATE_NEW_PROCESS_GROUP" => 0x0000_0200,
        "CREATE_NEW_CONSOLE" => 0x0000_0010,
        "CREATE_BREAKAWAY_FROM_JOB" => 0x0100_0000,
        _ => return None,
    })
}

/// The value of a constant of the `string` module, by its resolved name (the alphabets a
/// translation table is written with: `str.maketrans(string.ascii_lowercase, ...)`).
fn string_constant(q: &str) -> Option<&'static str> {
    Some(match q {
        "string.ascii_lowercase" => "abcdefghijklmnopqrstuvwxyz",
        "string.ascii_uppercase" => "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "string.ascii_letters" => "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "string.digits" => "0123456789",
        "string.hexdigits" => "0123456789abcdefABCDEF",
        "string.octdigits" => "01234567",
        "string.punctuation" => "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        "string.whitespace" => " \t\n\r\x0b\x0c",
        "string.printable" => {
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c"
        }
        _ => return None,
    })
}

/// Keys a dict the walker follows keeps by name; more go under [`ANY_KEY`].
const MAX_DICT_ENTRIES: usize = 32;
/// The key under which a followed dict keeps the values of keys past [`MAX_DICT_ENTRIES`]:
/// what any key it does not name may hold.
const ANY_KEY: &str = "*";

/// A finding before positions and messages are computed.
#[derive(Debug)]
pub(crate) struct Raw {
    pub(crate) rule: u32,
    pub(crate) range: TextRange,
    pub(crate) subject: QName,
    /// The callee's range, when the node is a call.
    pub(crate) callee: Option<TextRange>,
}

/// A string candidate waiting for its parent's verdict, with the node's other hits delayed
/// so that every rule is evaluated once per node with all its hits.
#[derive(Debug)]
struct Cand {
    range: TextRange,
    callee: Option<TextRange>,
    delayed: Vec<Hit>,
}

/// A candidate from inside a constant tuple or list, which keeps a copy of its text.
#[derive(Debug)]
struct Carried<'a> {
    cand: Cand,
    text: Const<'a>,
}

/// The string candidates of an expression that wait for its parent's verdict: its own, and
/// those carried up from inside a constant tuple or list.
#[derive(Debug)]
struct Pending<'a> {
    cand: Option<Cand>,
    carried: Vec<Carried<'a>>,
}

impl<'a> Pending<'a> {
    /// `None` when there is nothing to wait for, as at most nodes.
    fn boxed(cand: Option<Cand>, carried: Vec<Carried<'a>>) -> Option<Box<Self>> {
        (cand.is_some() || !carried.is_empty()).then(|| Box::new(Self { cand, carried }))
    }
}

/// What an expression evaluates to. It is returned and dropped at every node, so what few
/// nodes have (pending string candidates) is boxed: an empty one costs a null test.
#[derive(Debug, Default)]
pub(crate) struct Eval<'a> {
    vals: ValueSet<'a>,
    fold: Option<Const<'a>>,
    pending: Option<Box<Pending<'a>>>,
}

impl<'a> Eval<'a> {
    fn unknown() -> Self {
        Self { vals: ValueSet::unknown(), ..Self::default() }
    }

    fn of(vals: ValueSet<'a>) -> Self {
        Self { vals, ..Self::default() }
    }

    /// The value a name bound to this expression holds.
    fn binding(&self) -> ValueSet<'a> {
        let mut out = self.vals.clone();
        if let Some(c) = &self.fold {
            // A list or dict of immutable items is followed through the name (see
            // `Walker::escape`); one holding lists, or an iterator, is not a constant.
            if c.bindable() {
                let origins = out;
                out = ValueSet::one(Value::Const(c.clone().share()));
                // A call folded to the constant keeps where it came from (see
                // `Walker::call`): `code = b64decode("...")` is still decoded in `exec(code)`.
                for v in origins.alts() {
                    if let Value::Returned(q) | Value::From(q) = v {
                        out.push(Value::ConstFrom(q.clone()));
                    }
                }
            }
        }
        if out.is_empty() { ValueSet::unknown() } else { out }
    }
}

/// How a parent treats a child's string candidates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// The parent is not a string constant: the child's candidates are matched.
    Flush,
    /// The parent folds to a string: it is the candidate; the child's are dropped.
    Supersede,
    /// The parent folds to a tuple or list: the candidates wait for the next verdict.
    Carry,
}

fn verdict_for(fold: Option<&Const<'_>>) -> Verdict {
    match fold {
        Some(c) if c.is_text() => Verdict::Supersede,
        Some(Const::Seq(..)) => Verdict::Carry,
        _ => Verdict::Flush,
    }
}

/// Why a body already walked may be walked again for a call (see `Walker::hand_arguments`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rewalk {
    /// For any reason: a function of the file called by name.
    Any,
    /// For a value `derived_from` follows only: a method.
    ForFollowed,
}

/// A function whose body is still to be walked (see `Walker::function_called_here`).
struct Unwalked<'a> {
    def: &'a ast::StmtFunctionDef,
    /// The scope its `def` is in.
    outer: u32,
    depth: u32,
    origin: Option<TextRange>,
    given: Vec<(Name, ValueSet<'a>)>,
    /// Where the first call that runs it in a context the rules test was made (at import
    /// time, in a method of a class a rule names): its body is walked there.
    site: Option<Vec<Frame<'a>>>,
    walked: bool,
    /// Walked a second time, for a site or arguments met after its first walk.
    rewalked: bool,
    /// How many times it was walked again for a value `derived_from` follows that a call
    /// handed it (see `Walker::hand_arguments`).
    followed_rewalks: u8,
    /// Walked again for a path a call handed it that names many files or the home directory
    /// (see `Walker::hand_arguments`).
    rewalked_for_paths: bool,
    /// The frames its body is walked in where no site says otherwise.
    frames: Vec<Frame<'a>>,
    /// Whether its body calls its first parameter (see `crate::decorators`), once asked: a
    /// decorator is asked at every function it decorates.
    runs_argument: Option<bool>,
}

enum Body<'a> {
    Function(&'a ast::StmtFunctionDef),
    Lambda(&'a ast::ExprLambda),
}

struct Deferred<'a> {
    body: Body<'a>,
    scope: u32,
    frames: Vec<Frame<'a>>,
    depth: u32,
    /// The call that ran the body's code when it came from a constant code string.
    origin: Option<TextRange>,
    /// What parameters may be besides what a caller passes: their defaults, and for a lambda
    /// called where it is written (`(lambda m: m.system(c))(os)`) the arguments of that call.
    given: Vec<(Name, ValueSet<'a>)>,
}

/// The most frames a function's body is walked in when a call reaches it from another body's
/// walk (see [`bounded_frames`]).
const MAX_CALL_FRAMES: usize = 32;

/// `frames` with calls from function to function past [`MAX_CALL_FRAMES`] left out of the
/// middle: each function of a chain `f1 -> f2 -> ... -> fN` called at import time is walked in
/// its callers' frames, and keeping them all made a file of N one-line functions cost memory
/// and time in N squared (100,000 of them, a 3.5 MB file, took a whole machine's memory). The
/// outermost frames (the context a rule tests: an install command's method, a class's bases)
/// and the innermost stay, as does every frame that is not a function's, a lambda's or a
/// call's (the import-time marks, classes, asserts).
fn bounded_frames(mut frames: Vec<Frame<'_>>) -> Vec<Frame<'_>> {
    const OUTER: usize = MAX_CALL_FRAMES / 2;
    let mut i = OUTER;
    while frames.len() > MAX_CALL_FRAMES && i < frames.len() - OUTER / 2 {
        if matches!(frames[i], Frame::Function(_) | Frame::Lambda | Frame::Call(..)) {
            frames.remove(i);
        } else {
            i += 1;
        }
    }
    frames
}

/// The most names of the package's other modules one entry file's import-time calls keep
/// (see `Walker::note_entry_calls`).
const MAX_ENTRY_CALLS: usize = 64;

/// The name an entry call gives a module's own body (`_helpers.<module>`): a `setup.py` that
/// imports a module beside it (`import _helpers`) or runs it (`runpy.run_path("build.py")`)
/// runs that module's module-level code at install time (see
/// `Walker::note_module_run_at_install`).
pub(crate) const MODULE_BODY: &str = "<module>";

/// The most distinct texts a file's loops over long constant tables are judged by the rules
/// (see `Walker::telling_text`); past them, a table's items are kept in their order.
const MAX_TELLING_TEXTS: usize = 4096;

/// The most entries of a dict display folded (with those `**` spreads): translation tables
/// and format maps are small, data tables are not worth the copy.
const MAX_DICT_DISPLAY: usize = 256;

/// The most strings an `if` test's frame keeps (see `Walker::tested_strings`).
const MAX_TESTED_STRINGS: usize = 32;

/// The most strings of a folded comprehension matched as string candidates of their own.
const MAX_FOLDED_ITEMS: usize = 64;

/// The most constant code strings read per file.
const EMBEDDED_MAX: u32 = 256;
/// The most bytes of constant code read per file.
const EMBEDDED_BYTES_MAX: usize = 1024 * 1024;
/// How deep constant code strings are read inside one another (`exec("exec('...')")`).
const EMBEDDED_DEPTH_MAX: u32 = 4;

/// Code strings parsed during a reading: `exec("...")` of a constant is read in place, and
/// its syntax tree must live as long as the file's.
pub(crate) type EmbeddedArena =
    typed_arena::Arena<ruff_python_parser::Parsed<ruff_python_ast::ModModule>>;

/// What was stored on one attribute of one plain name (see `Walker::attr_slots`).
struct AttrSlot<'a> {
    /// The class the code is in, or the module.
    owner: u32,
    name: Name,
    vals: ValueSet<'a>,
}

/// The constant text of an f-string being read: all of it while every field folds, and the
/// runs of constant text between the fields that do not (kept only when string rules will
/// read them).
struct FText {
    whole: Option<String>,
    runs: Vec<String>,
    run: String,
    keep_runs: bool,
    /// A field holding a path's text was run through (see [`FText::path`]).
    through_path: bool,
    /// A field that does not fold ended a run (see [`FText::computed`]).
    broken: bool,
}

impl FText {
    fn new(keep_runs: bool) -> Self {
        Self {
            whole: Some(String::new()),
            runs: Vec::new(),
            run: String::new(),
            keep_runs,
            through_path: false,
            broken: false,
        }
    }

    fn constant(&mut self, text: &str) {
        if let Some(w) = &mut self.whole {
            // Past the size of a folded constant the whole does not fold.
            if w.len() + text.len() > fold::MAX_CONST_LEN {
                self.whole = None;
            } else {
                w.push_str(text);
            }
        }
        if self.keep_runs {
            // A run longer than a folded constant may be goes on as a new run.
            if self.run.len() + text.len() > fold::MAX_CONST_LEN {
                self.end_run();
            }
            if text.len() <= fold::MAX_CONST_LEN {
                self.run.push_str(text);
            }
        }
    }

    fn computed(&mut self) {
        self.whole = None;
        self.broken = true;
        self.end_run();
    }

    /// A field holding a path whose text is known though it does not fold (`f"curl -F
    /// f=@{key} {url}"` after `key = os.path.expanduser("~/.ssh/id_rsa")`): the string does
    /// not fold, but its run of constant text goes on through the path's text, so that the
    /// string rules read the command line as the shell gets it.
    fn path(&mut self, text: &str) {
        self.whole = None;
        self.through_path = true;
        if self.keep_runs {
            if self.run.len() + text.len() > fold::MAX_CONST_LEN {
                self.end_run();
            }
            if text.len() <= fold::MAX_CONST_LEN {
                self.run.push_str(text);
            }
        }
    }

    fn end_run(&mut self) {
        if self.keep_runs && !self.run.is_empty() {
            self.runs.push(std::mem::take(&mut self.run));
        }
    }
}

/// The state of one reading of one file.
pub(crate) struct Walker<'a, 'c> {
    c: &'c Compiled,
    file_name: &'c str,
    /// What the file's string literals spell (for `encoded` argument tests), shared by the
    /// file's readings.
    spelled: &'c Spelled<'a>,
    /// Whether some rule tests `module_level` in this file (see `Walker::tested_context`).
    import_time_tested: bool,
    /// The file is an in-tree build backend (see `AnalyzeOptions::build_backend`).
    pub(crate) build_backend: bool,
    /// The module's command classes no installer runs (see `crate::commands`).
    pub(crate) unrun_commands: &'c [String],
    /// The file's tests of `sys.argv` against a maintainer's command say when their bodies
    /// run (see `crate::commands::argv_tests_hold`).
    pub(crate) argv_tests_hold: bool,
    /// In a function's body: the names that hold one of its parameters (but a method's
    /// receiver) as it was given, or a view of it, for `assign: {parameter: true}` leaves:
    /// a buffer the interpreter lends a method (`readinto(self, b)`) kept past the call.
    lent: SmallVec<[Name; 2]>,
    /// The names the function's body declares `global` or `nonlocal`: given a parameter,
    /// they keep it past the call.
    lent_globals: SmallVec<[Name; 2]>,
    /// An assignment's value is a parameter of the function (see `lent`).
    assigning_lent: bool,
    /// The entry file whose import-time calls run [`Self::entry_functions`] (see
    /// `AnalyzeOptions::called_by_entry`).
    entry_name: Option<&'c str>,
    /// The module-level functions and classes of this file an entry file calls at import
    /// time, and the methods it calls on those classes' objects (`Beacon.send`).
    entry_functions: &'c [String],
    /// Whether calls made at import time to the package's other modules are kept (the file is
    /// an entry file some rule's `module_level` test names, or runs for one).
    records_entry_calls: bool,
    /// What calls made at import time reach in the package's other modules (see
    /// `FileAnalysis::entry_calls`).
    pub(crate) entry_calls: Vec<QName>,
    /// Some rule that an entry file's call can change here met one of its leaves (see
    /// `FileAnalysis::entry_sensitive`).
    pub(crate) entry_leaf_met: bool,
    /// The file imports a module of its own package by a relative import.
    pub(crate) relative_import: bool,
    scopes: Scopes<'a>,
    scope: u32,
    frames: Vec<Frame<'a>>,
    deferred: VecDeque<Deferred<'a>>,
    /// The functions whose bodies are still to be walked, by name: the scope of each `def`,
    /// the function's own scope, and what callers gave its parameters so far.
    functions: FxHashMap<Name, SmallVec<[Unwalked<'a>; 1]>>,
    /// A bit per function name of `functions` (see [`name_bit`]).
    function_bits: u64,
    /// How deep helper calls are being folded (see [`Walker::helper_result`]), and how many
    /// more the file may fold.
    helper_depth: u32,
    helper_calls_left: u32,
    /// Lambdas bound to a name by a plain assignment (`_d = lambda s: b64decode(s)`), with
    /// the scope the assignment is in: folded when called as helpers are.
    named_lambdas: FxHashMap<Name, SmallVec<[(&'a ast::ExprLambda, u32); 1]>>,
    interner: Interner,
    hits: Vec<Hit>,
    pub(crate) raw: Vec<Raw>,
    depth: u32,
    pub(crate) max_depth: u32,
    pub(crate) too_deep: Option<TextSize>,
    /// Set when the deadline passed, at the node being read then.
    pub(crate) timed_out: Option<TextSize>,
    /// Where the file passed [`crate::MAX_FINDINGS_PER_FILE`] findings.
    pub(crate) too_many: Option<TextSize>,
    deadline: Option<Instant>,
    /// Nodes left before the next deadline check.
    until_check: u32,
    budget: Budget,
    strings: bool,
    string_cache: FxHashMap<&'a str, string::Memo>,
    /// The reference and call leaves of each qualified name met in the file.
    reference_memo: crate::glob::NameMemo,
    call_memo: crate::glob::NameMemo,
    /// Whether each call result's name is a class of `instance_classes`.
    instance_memo: crate::glob::NameMemo,
    /// Where constant code strings are parsed to be read in place.
    embedded: &'a EmbeddedArena,
    /// Constant code strings read so far, and their bytes.
    embedded_count: u32,
    embedded_bytes: usize,
    /// How deep in constant code strings the reader is.
    embedded_depth: u32,
    /// What was stored on attributes of plain names (`self.sock = socket.socket()`,
    /// `c.x = os`), keyed by the class the code is in (the module outside classes), the
    /// name and the attribute: a later `self.sock` in any method of that class may be it.
    /// Looked up by the attribute first, since most attribute reads find nothing there.
    attr_slots: FxHashMap<Name, SmallVec<[AttrSlot<'a>; 1]>>,
    /// The scope [`Self::slot_owner`] last answered for, and its answer.
    owner_of_scope: std::cell::Cell<(u32, u32)>,
    /// Set just before reading the left operand of `x / "part"` or `x + "part"` when that
    /// operand is itself the same operator (see [`Self::constant_end`]).
    end_left: bool,
    /// The constant end an inner operator hands to the one around it, with its part count.
    end_of_left: Option<(String, u32)>,
    /// The whole text of an f-string or of `"text" + path` that runs through a path's text
    /// (`f"f=@{key}"`), by the expression's range: an item of an argument vector (see
    /// [`Self::argv_with_paths`]). Kept while string rules run, for the few that do, and for
    /// the file's own code only (code read from a string has ranges of its own).
    path_words: FxHashMap<TextRange, String>,
    /// The command line of a list or tuple display an item of which is a path's text, the
    /// others left out where they are not known (`["curl", "-F", f"f=@{key}", url]`), by the
    /// display's range, for the call it is handed to (see [`Self::argv_with_paths`]).
    argv_paths: FxHashMap<TextRange, String>,
    /// While the value of `name = <text built of parts>` is read: each string candidate settled,
    /// with the rules that matched it there (see [`Self::name_texts`]).
    capture: Option<Vec<CarriedText>>,
    /// The string candidates of the text a name of a scope was last given, where that text
    /// did not fold (`q = data + ".example.net"`, `q = f"{data}.example.net"`): matched again
    /// where the name is an argument of a call, for the rules that did not match them where
    /// they were written (a string rule limited to a call's arguments, such as DNS
    /// exfiltration's resolver calls, sees the name built first).
    name_texts: FxHashMap<(u32, Name), Rc<[CarriedText]>>,
    /// What the first iterable of the comprehension read last carries for `derived_from`
    /// tests (see [`ValueSet::passed_on`]): what the comprehension makes is built from it
    /// (`{k: v for k, v in os.environ.items()}`).
    comp_source: ValueSet<'a>,
    /// While reading a constant code string: the call that runs it, where its findings are
    /// reported (their own positions are inside the string).
    origin: Option<TextRange>,
    /// The start of a name its parent only reads in place (joins, copies, iterates, indexes,
    /// changes with a list or dict method): a list or dict it holds is not handed on there
    /// (see [`Self::escape`]).
    reading: Option<TextSize>,
    /// The names (with their scopes) that may hold a list or dict constant: what a call of
    /// the file's own code may change (see [`Self::drop_mutables`]).
    mutables: Vec<(u32, Name)>,
    /// The value an assignment stores into a subscript (`d["k"] = v`), for the subscript.
    store_value: Option<Option<Const<'a>>>,
    /// Where a function of the file is named as the value stored into an exception hook
    /// (`sys.excepthook = _report`): Python calls it only when an exception is not caught,
    /// so the name is not a call made where the store is (see [`is_exception_hook`]).
    hook_value: Option<TextSize>,
    /// Folding a comprehension's element: names other than its targets are looked up (the
    /// element runs where it is written, unlike a lambda's body).
    free_names: bool,
    /// The start of a dict display whose parent uses its constant (a name bound to it, an
    /// operand of `%`, an argument of a foldable call or of a constant's method, `**`, an
    /// indexed or called-on display): only such displays are folded.
    dict_wanted: Option<TextSize>,
    /// Whether a rule tells each text apart (see [`Self::telling_text`]), for the texts
    /// asked so far: a table of thousands of constants looped over in many functions is
    /// judged once (at most [`MAX_TELLING_TEXTS`] texts a file).
    telling: std::cell::RefCell<FxHashMap<Rc<str>, bool>>,
    /// Constant paths a download was saved to, with the call that downloaded it: an argument
    /// that folds to one (or an argument vector holding one) is derived from that call (see
    /// [`Self::note_saved`]). A directory (a clone, an extracted archive) is marked as one:
    /// the paths inside it hold the download, not the directory's own name.
    saved: Vec<SavedFile>,
    /// How many of [`Self::saved`] were known when the module's level had been read (those
    /// after were saved by functions).
    saved_by_module_level: usize,
    /// Parameters of the file's functions whose file came to hold something (see
    /// [`Self::saved_in`]): the function, the parameter's position and name, and the origin. A
    /// call of the function by its name makes the path or the name it hands there hold it
    /// too (`def zip_keys(out): ZipFile(out, "w").write(key)`, then `zip_keys(p)` and
    /// `open(p, "rb")`).
    saved_parameters: Vec<SavedParameter>,
    /// The file last opened for writing (see [`OpenForWriting`]): a `write` of a download in
    /// its scope saves the download there.
    writing: Option<OpenForWriting>,
    /// Files written with constant text, by path (a constant) or by a name of a scope, with
    /// that text: Python code run from such a file is read where it is run, as `exec` of
    /// constant code is (see [`Self::run_written_code`]).
    written_code: Vec<WrittenCode>,
    /// The body of the function being walked, for what it does with the dicts it hands on as
    /// `**name` (see [`crate::spread`]).
    spread_body: Option<SpreadBody<'a>>,
    /// The method whose body is being read, by its scope, and the name of its first
    /// parameter (`self`): what the object's class inherits from a base defined elsewhere is
    /// read through that name (see `Walker::inherited_from_outer_base`).
    method_receiver: Option<(u32, Name)>,
    /// The module's statements, and the keywords its calls give each name, read once where
    /// a wrapper hands on its own `**kwargs` (see [`spread::FileCalls`]).
    module_body: &'a [Stmt],
    /// Whether the examples of the file's docstrings were read, where a doctest runner runs
    /// them (see [`Self::read_doctest_examples`]); set from the start for the sandbox's gate,
    /// whose guard judges each example as it runs.
    pub(crate) doctests_read: bool,
    file_calls: Option<spread::FileCalls>,
    /// While a function's body is walked (where a `derived_from` test may follow what a call
    /// returns): the origins its `return`s and `yield`s carry that only the walk computes
    /// (see [`walk_computed_origin`]), which the function's name is given once the body is
    /// walked (see [`Self::note_walked_returns`]).
    walked_returns: Option<ValueSet<'a>>,
}

/// A file written with constant text (see [`Walker::note_saved`]).
struct WrittenCode {
    scope: u32,
    path: Option<Rc<str>>,
    name: Option<Name>,
    code: Rc<str>,
}

/// A function body being walked, and what it does with the dicts it hands on as `**name`.
struct SpreadBody<'a> {
    scope: u32,
    body: &'a [Stmt],
    /// The function's name: the keywords the file's calls of it give are keys of its
    /// `**kwargs` (see [`spread::FileCalls`]).
    function: &'a Name,
    /// The function's own `**` parameter.
    kwarg: Option<Name>,
    /// The function's parameters (a buffer of the body is not one of them, see
    /// [`crate::roundtrip`]).
    parameters: &'a ast::Parameters,
    /// The function's decorators (a pytest fixture's temporary directories, see
    /// [`crate::roundtrip::temp_file`]).
    decorators: &'a [ast::Decorator],
    /// Names already classified.
    known: Vec<(Name, Option<Spread>)>,
}

/// The most names followed at once while they hold a list or dict (see
/// `Walker::mutables`); past it, a name bound to a list holds nothing known.
const MAX_MUTABLES: usize = 64;

/// Decorators that hand the function they decorate on to be run (at the interpreter's exit).
const RUNNING_DECORATORS: &[&str] = &["atexit.register"];

/// Which parameters of a chat bot's handler receive what its users send.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Receives {
    /// The first: the message, update or event (`def h(m)`, `async def on_message(message)`).
    First,
    /// Every one after the first (the context): a command's words (`async def sh(ctx, *,
    /// arg)`).
    AfterFirst,
}

/// Decorators (their value, called or not) that register a function as a chat bot's handler
/// of what anyone writing to the bot sends: Telegram (pyTelegramBotAPI, aiogram, Pyrogram,
/// Telethon) and Discord bots. A handler that runs what it receives makes the chat a
/// command-and-control channel, as a request handler of a server does (see
/// [`receive_messages`]). The rules know these registrars only through
/// [`CHAT_MESSAGE_ORIGIN`], which `execute-downloaded-content` names among what is received
/// over the network: this list is the one place that says which decorators they are.
const CHAT_HANDLERS: &[(&str, Receives)] = &[
    ("telebot.TeleBot().message_handler", Receives::First),
    ("telebot.TeleBot().edited_message_handler", Receives::First),
    ("telebot.TeleBot().channel_post_handler", Receives::First),
    ("telebot.async_telebot.AsyncTeleBot().message_handler", Receives::First),
    ("telebot.async_telebot.AsyncTeleBot().channel_post_handler", Receives::First),
    ("aiogram.Dispatcher().message_handler", Receives::First),
    ("aiogram.Dispatcher().channel_post_handler", Receives::First),
    ("aiogram.Dispatcher().message", Receives::First),
    ("aiogram.Router().message", Receives::First),
    ("pyrogram.Client().on_message", Receives::AfterFirst),
    ("telethon.TelegramClient().on", Receives::First),
    ("telethon.sync.TelegramClient().on", Receives::First),
    ("discord.Client().event", Receives::First),
    ("discord.ext.commands.Bot().event", Receives::First),
    ("discord.ext.commands.Bot().command", Receives::AfterFirst),
    ("discord.ext.commands.Bot().hybrid_command", Receives::AfterFirst),
];

/// Calls that register a keyboard listener's callbacks: the callee, the position of the
/// callback it takes by position, and the keywords it takes callbacks by (see
/// `Walker::keyboard_callbacks`).
const KEY_LISTENERS: &[(&str, Option<usize>, &[&str])] = &[
    ("pynput.keyboard.Listener", Some(0), &["on_press", "on_release"]),
    ("keyboard.on_press", Some(0), &["callback"]),
    ("keyboard.on_release", Some(0), &["callback"]),
    ("keyboard.hook", Some(0), &["callback"]),
    ("keyboard.on_press_key", Some(1), &["callback"]),
    ("keyboard.on_release_key", Some(1), &["callback"]),
];

/// The origin of what a chat bot's users send its handlers (see [`CHAT_HANDLERS`]), for
/// `derived_from` tests: a dotted name, as a rule's pattern must be, under a module name no
/// package uses.
const CHAT_MESSAGE_ORIGIN: &str = "__chat_bot__.message";

/// The parameters of a chat bot's handler that receive what the bot's users send (see
/// [`CHAT_HANDLERS`]) hold `origin` ([`CHAT_MESSAGE_ORIGIN`]). A method's `self` is passed
/// over.
fn receive_messages<'a>(
    p: &'a ast::Parameters,
    origin: &QName,
    receives: Receives,
    in_class: bool,
    given: &mut Vec<(Name, ValueSet<'a>)>,
) {
    let skip = usize::from(in_class) + usize::from(receives == Receives::AfterFirst);
    let positional = p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs);
    let mut names: SmallVec<[Name; 4]> = match receives {
        Receives::First => {
            positional.skip(skip).take(1).map(|pd| key(&pd.parameter.name.id)).collect()
        }
        Receives::AfterFirst => {
            positional.skip(skip).map(|pd| key(&pd.parameter.name.id)).collect()
        }
    };
    if receives == Receives::AfterFirst
        && let Some(v) = &p.vararg
    {
        names.push(key(&v.name.id));
    }
    for name in names {
        given.push((name, ValueSet::one(Value::From(origin.clone()))));
    }
}

/// Which parameters receive what is sent, where a decorator's value is the registrar of a
/// chat bot's handlers (see [`CHAT_HANDLERS`]).
fn chat_handler(vals: &ValueSet<'_>) -> Option<Receives> {
    vals.alts().iter().find_map(|v| match v {
        Value::Qual(q) | Value::Returned(q) => {
            CHAT_HANDLERS.iter().find(|(name, _)| *name == &**q).map(|(_, r)| *r)
        }
        _ => None,
    })
}

/// Methods that put their arguments into the list, set or dict they are called on (see
/// `Walker::carry_into`).
const FILLING_METHODS: &[&str] =
    &["append", "appendleft", "extend", "extendleft", "insert", "add", "update", "setdefault"];

/// What a list or set filled by `method` with `args` holds that a loop over it takes as a
/// path: each path of known text put in (`append`, `add`, `appendleft`, the item of
/// `insert`) as a listing's entries of that text, and the entries of a listing it is extended
/// with (`found.extend(glob.glob(pattern))`). None when it gets no such path.
fn listed_items<'a>(method: &str, args: &[Eval<'a>]) -> Option<ValueSet<'a>> {
    let (item, whole) = match (method, args) {
        ("append" | "add" | "appendleft", [item]) | ("insert", [_, item]) => (item, false),
        ("extend" | "update", [items]) => (items, true),
        _ => return None,
    };
    let mut out = ValueSet::default();
    for alt in item.vals.alts() {
        match alt {
            Value::Path(t) if !whole => out.push(Value::Entries(t.clone())),
            Value::Entries(_) if whole => out.push(alt.clone()),
            _ => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Methods of a list or dict that read it or change it in place: a name holding one is read
/// in place as their receiver (see `Walker::mutate`).
const CONTAINER_METHODS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "reverse",
    "sort",
    "clear",
    "copy",
    "index",
    "count",
    "get",
    "keys",
    "values",
    "items",
    "update",
    "setdefault",
    "pop",
    "popitem",
    "remove",
];

/// The foldable calls and [`READING_CALLS`]: a list or dict name given to them is read in
/// place.
static READING_CALLEES: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| fold::FOLDABLE_CALLS.iter().chain(READING_CALLS).copied().collect());

/// Calls that only read their arguments where they stand (copy, measure, iterate, join them)
/// besides the foldable ones: a list or dict name given to them is not handed on.
const READING_CALLS: &[&str] = &[
    "builtins.set",
    "builtins.frozenset",
    "builtins.sum",
    "builtins.min",
    "builtins.max",
    "builtins.any",
    "builtins.all",
    "builtins.map",
    "builtins.print",
    "builtins.isinstance",
];

/// NFKC-normalizes an identifier as CPython does (the parser already does; this keeps the
/// engine correct whatever the parser version).
fn key(id: &Name) -> Name {
    if id.is_ascii() { id.clone() } else { Name::from(nfkc(id)) }
}

/// A string literal's text. An implicit concatenation is joined here rather than by `to_str`,
/// which caches the join in the tree: a tree held in a region is never dropped, so the cache
/// would leak.
fn string_text<'a>(s: &'a ast::ExprStringLiteral) -> Text<'a> {
    if s.value.is_implicit_concatenated() {
        Text::Joined(s.value.iter().map(|part| &*part.value).collect::<String>().into())
    } else {
        Text::Borrowed(s.value.to_str())
    }
}

/// A bytes literal's value, borrowed from the tree when it is one part.
fn bytes_value<'a>(b: &'a ast::ExprBytesLiteral) -> Bin<'a> {
    match std::borrow::Cow::from(&b.value) {
        std::borrow::Cow::Borrowed(x) => Bin::Borrowed(x),
        std::borrow::Cow::Owned(x) => Bin::Owned(x),
    }
}

/// [`key`] without a copy for ASCII identifiers, for lookups.
fn key_str(id: &Name) -> std::borrow::Cow<'_, str> {
    crate::glob::identifier(id)
}

/// How many entries a file's per-file tables are made with, from its length: about the
/// median per kilobyte over the reference corpus (7 bound names, 2 distinct string literals,
/// 2 qualified names), so that a typical file's tables are made once rather than grown and
/// rehashed insertion by insertion (1.4% of a scan's instructions went to rehashing), and a
/// large file's at most [`MAX_EXPECTED`] entries ahead.
struct ExpectedSizes {
    slots: usize,
    literals: usize,
    names: usize,
}

/// The most entries a table is made with ahead of use.
const MAX_EXPECTED: usize = 16 * 1024;

impl ExpectedSizes {
    fn of(source_len: usize) -> Self {
        let per_kb = |n: usize| (source_len / 1024).saturating_mul(n).min(MAX_EXPECTED);
        Self { slots: per_kb(7), literals: per_kb(2), names: per_kb(2) }
    }
}

impl<'a, 'c> Walker<'a, 'c> {
    pub(crate) fn new(
        c: &'c Compiled,
        file_name: &'c str,
        src: &'a str,
        spelled: &'c Spelled<'a>,
        seeds: Vec<LateWrite<'a>>,
        deadline: Option<Instant>,
        embedded: &'a EmbeddedArena,
    ) -> Self {
        let expected = ExpectedSizes::of(src.len());
        // Some rule tests `module_level` here (a rule without a `file` filter: in every file),
        // and the file is one that some rule names (an entry file).
        let (mut import_time_tested, mut records_entry_calls) = (false, false);
        for files in &c.module_level_files {
            match files {
                None => import_time_tested = true,
                Some(t) if t.matches(file_name) => {
                    import_time_tested = true;
                    records_entry_calls = true;
                }
                Some(_) => {}
            }
        }
        Self {
            c,
            file_name,
            import_time_tested,
            build_backend: false,
            unrun_commands: &[],
            argv_tests_hold: false,
            lent: SmallVec::new(),
            lent_globals: SmallVec::new(),
            assigning_lent: false,
            entry_name: None,
            entry_functions: &[],
            records_entry_calls,
            entry_calls: Vec::new(),
            entry_leaf_met: false,
            relative_import: false,
            scopes: Scopes::with_seeds(seeds, expected.slots),
            scope: MODULE,
            frames: Vec::new(),
            deferred: VecDeque::new(),
            functions: FxHashMap::default(),
            function_bits: 0,
            helper_depth: 0,
            helper_calls_left: MAX_HELPER_CALLS,
            named_lambdas: FxHashMap::default(),
            interner: Interner::with_capacity(expected.names),
            hits: Vec::new(),
            raw: Vec::new(),
            depth: 0,
            max_depth: 0,
            too_deep: None,
            timed_out: None,
            too_many: None,
            deadline,
            until_check: DEADLINE_EVERY,
            budget: Budget::for_source(src.len()),
            spelled,
            strings: !c.string_regexes.is_empty(),
            string_cache: FxHashMap::with_capacity_and_hasher(
                expected.literals,
                Default::default(),
            ),
            reference_memo: crate::glob::NameMemo::default(),
            call_memo: crate::glob::NameMemo::default(),
            instance_memo: crate::glob::NameMemo::default(),
            embedded,
            embedded_count: 0,
            embedded_bytes: 0,
            embedded_depth: 0,
            attr_slots: FxHashMap::default(),
            owner_of_scope: std::cell::Cell::new((MODULE, MODULE)),
            end_left: false,
            end_of_left: None,
            path_words: FxHashMap::default(),
            argv_paths: FxHashMap::default(),
            comp_source: ValueSet::default(),
            capture: None,
            name_texts: FxHashMap::default(),
            origin: None,
            reading: None,
            mutables: Vec::new(),
            store_value: None,
            hook_value: None,
            free_names: false,
            dict_wanted: None,
            telling: std::cell::RefCell::default(),
            saved: Vec::new(),
            saved_by_module_level: 0,
            saved_parameters: Vec::new(),
            writing: None,
            written_code: Vec::new(),
            spread_body: None,
            method_receiver: None,
            module_body: &[],
            doctests_read: false,
            file_calls: None,
            walked_returns: None,
        }
    }

    /// Reads the file as a module of a package whose entry file `entry_name` calls its
    /// module-level `functions` (classes, `Class.method`s) at import time: their bodies run at
    /// import time there.
    pub(crate) fn called_by_entry(&mut self, entry_name: &'c str, functions: &'c [String]) {
        self.entry_name = Some(entry_name);
        self.entry_functions = functions;
        // The module's own body run by the entry file (imported or run by a `setup.py`): its
        // module level is the entry file's import time.
        if functions.iter().any(|f| f == MODULE_BODY) {
            self.frames.push(Frame::CalledByEntry);
        }
        // The entry file is one some rule's `module_level` test names by its `file` filter
        // (its import-time calls were kept only then), so the module is tested at import time
        // and what it calls there is followed on, as in the entry file.
        self.import_time_tested = true;
        self.records_entry_calls = true;
    }

    /// Keeps what a call made at import time in an entry file may run in the package's other
    /// modules: what the callee names (`.core.run` after `from .core import run`,
    /// `pkg.core.run`, `.core.Beacon().send`), and the package's functions handed to it
    /// (`Thread(target=run)`, `atexit.register(run)`). The scan finds which of them are in
    /// modules it reads.
    fn note_entry_calls(
        &mut self,
        callee: &Eval<'a>,
        method_of: Option<(&Eval<'a>, &Name)>,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) {
        let handed = pos.iter().chain(kws.iter().map(|(_, e)| e)).flat_map(|e| e.vals.quals());
        let relative = handed.filter(|q| q.starts_with('.'));
        let named = callee.vals.quals().filter(|q| !q.starts_with("builtins."));
        let mut met: SmallVec<[QName; 4]> = named.chain(relative).cloned().collect();
        // A method of an object a class of the package made (`Beacon().send()`, `b.send()`
        // after `b = Beacon()`): `.core.Beacon().send`, as rules name instances' methods.
        if let Some((recv, method)) = method_of {
            for v in recv.vals.alts() {
                if let Value::Returned(q) = v
                    && !q.starts_with("builtins.")
                {
                    met.push(self.interner.intern(&format!("{q}().{method}")));
                }
            }
        }
        for q in met {
            if self.entry_calls.len() >= MAX_ENTRY_CALLS {
                return;
            }
            if !self.entry_calls.contains(&q) {
                self.entry_calls.push(q);
            }
        }
    }

    /// Whether the code being walked runs when `setup.py` does, at its module level: in
    /// `setup.py` itself, or in a module it imports or runs (read for it, see
    /// [`Self::called_by_entry`]).
    fn at_install_module_level(&self) -> bool {
        self.records_entry_calls
            && self.at_import()
            && (self.file_name == "setup.py"
                || (self.entry_name == Some("setup.py")
                    && self.frames.first().is_some_and(|f| matches!(f, Frame::CalledByEntry))))
    }

    /// A module that `setup.py` imports (`import _helpers`, `from _helpers import x`) or runs
    /// by its path (`runpy.run_path("build_config.py")`) has its own module-level code run at
    /// install time: kept as an entry call of that module's body ([`MODULE_BODY`]), which a
    /// scan reads again as code `setup.py` runs, when the module is one of the files it reads
    /// (a module beside `setup.py`, or under its `src/`).
    fn note_module_run_at_install(&mut self, module: &str) {
        if module.is_empty()
            || self.entry_calls.len() >= MAX_ENTRY_CALLS
            || !module
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        {
            return;
        }
        let q = self.interner.intern(&format!("{module}.{MODULE_BODY}"));
        if !self.entry_calls.contains(&q) {
            self.entry_calls.push(q);
        }
    }

    /// Reads the module, then every function and lambda body.
    ///
    /// The module's level is read before the functions it calls, and a function before those
    /// defined after it: a download a function saves to a known path (`_fetch()` writing
    /// `/tmp/.agent`) is not known to the code read before it (`os.chmod("/tmp/.agent",
    /// 0o755)` at the module's level, `from . import _plugin`, or `_run()` defined above
    /// `_fetch()`). Those paths are kept ([`Self::saved_by_functions`]) and the file is read
    /// again knowing them from its start (see `Analyzer::read`), as it is for a global a
    /// function binds.
    pub(crate) fn module(&mut self, body: &'a [Stmt]) {
        self.module_body = body;
        self.body(body);
        self.finish_scope(MODULE);
        self.saved_by_module_level = self.saved.len();
        self.walk_deferred();
    }

    /// Paths a download was saved to by the functions of an earlier reading of the file,
    /// known from the start of this one (see [`Self::module`]).
    pub(crate) fn know_saved(&mut self, saved: Vec<SavedFile>) {
        self.saved = saved;
    }

    /// Constant paths the functions' bodies saved a download to, not known when the module's
    /// level was read: another reading starts with them (see [`Self::module`]).
    pub(crate) fn saved_by_functions(&self) -> &[SavedFile] {
        self.saved.get(self.saved_by_module_level..).unwrap_or_default()
    }

    /// Walks the bodies of functions and lambdas met so far, and those met on the way.
    fn walk_deferred(&mut self) {
        while let Some(d) = self.deferred.pop_front() {
            if self.stopped() {
                break;
            }
            self.frames = d.frames;
            self.scope = d.scope;
            self.depth = d.depth;
            self.origin = d.origin;
            match d.body {
                Body::Function(f) => {
                    let mut given = d.given;
                    if let Some(list) = self.functions.get_mut(&f.name.id)
                        && let Some(p) = list.iter_mut().find(|p| std::ptr::eq(p.def, f))
                    {
                        p.walked = true;
                        given.extend(p.given.iter().cloned());
                        if let Some(site) = &p.site {
                            self.frames = Self::frames_called_from(site, f);
                        }
                    }
                    self.spread_body = Some(SpreadBody {
                        scope: d.scope,
                        body: &f.body,
                        function: &f.name.id,
                        kwarg: f.parameters.kwarg.as_ref().map(|k| key(&k.name.id)),
                        parameters: &f.parameters,
                        decorators: &f.decorator_list,
                        known: Vec::new(),
                    });
                    // A mixin's method runs as a method of the classes that derive from it:
                    // inside their bases too (`class I(_Hook, install)`).
                    if let Some(class) = self.scopes.parent(d.scope)
                        && self.scopes.kind(class) == ScopeKind::Class
                        && !self.scopes.adopted(class).is_empty()
                    {
                        let adopted = Rc::from(self.scopes.adopted(class));
                        self.frames.push(Frame::Class(adopted));
                    }
                    self.method_receiver = self
                        .scopes
                        .parent(d.scope)
                        .filter(|p| self.scopes.kind(*p) == ScopeKind::Class)
                        .filter(|_| {
                            !matches!(decorated(f), Some(Decorated::Static | Decorated::Class))
                        })
                        .and_then(|_| {
                            let p = &f.parameters;
                            p.posonlyargs.iter().chain(&p.args).next()
                        })
                        .map(|first| (d.scope, key(&first.parameter.name.id)));
                    self.bind_parameters(&f.parameters, given);
                    self.lend_parameters(&f.parameters, &f.name.id);
                    self.walked_returns = self.c.needs_returned.then(ValueSet::default);
                    self.body(&f.body);
                    self.note_walked_returns(f, d.scope);
                    self.lent.clear();
                    self.lent_globals.clear();
                    self.spread_body = None;
                    self.method_receiver = None;
                }
                Body::Lambda(l) => {
                    if let Some(p) = &l.parameters {
                        self.bind_parameters(p, d.given);
                    }
                    let mut e = self.expr(&l.body);
                    self.flush(&mut e);
                }
            }
            self.finish_scope(d.scope);
        }
    }

    /// A returned or yielded value: evaluated, and what it carries that only the walk computes
    /// kept while a function's body is walked (see [`Self::walked_returns`]).
    fn returned_value(&mut self, v: &'a Expr) {
        let mut ev = self.expr(v);
        self.flush(&mut ev);
        if self.walked_returns.is_none() {
            return;
        }
        // A path whose file a rule follows, or a list of such paths (`return found` after
        // `found.append(os.path.join(root, name))`): a caller that opens it opens that file.
        for alt in ev.vals.alts() {
            if let Value::Path(t) | Value::Entries(t) = alt
                && self.follows_file_at(t)
                && let Some(found) = &mut self.walked_returns
            {
                found.push(alt.clone());
            }
        }
        // The origins only the walk computes are only ever `Value::From`s (the walk makes them
        // so), kept as they are or as the items of a display (`[key]`, `{"key": key}`), which
        // `ValueSet::passed_on` looks into one level deep.
        let Some(found) = &mut self.walked_returns else { return };
        let mut keep = |vals: &ValueSet<'a>| {
            for alt in vals.alts() {
                if let Value::From(q) = alt
                    && walk_computed_origin(q)
                {
                    found.push(alt.clone());
                }
            }
        };
        keep(&ev.vals);
        for alt in ev.vals.alts() {
            match alt {
                Value::Seq(items) => items.iter().for_each(&mut keep),
                Value::Dict(entries) => entries.iter().for_each(|(_, v)| keep(v)),
                _ => {}
            }
        }
    }

    /// After the walk of function `f`'s body (its scope `scope`): what its `return`s and
    /// `yield`s carried that only the walk computes (a secrets file read at a path the body
    /// built, a token a command printed) is what calling the function gives, as for the
    /// summaries read at its `def` (see `Self::returns_derived`). A file read at a path a
    /// caller handed a parameter (`read(os.path.expanduser("~/.aws/credentials"))`, or a
    /// directory it lists, `find_tokens(appdata + "\\discord")`) is what a call gives only
    /// where it hands that path (see [`Value::YieldsAt`]): the body is walked once with what
    /// every caller gave, and `read("README.md")` sent is not the secret another call read.
    /// The `def`'s scope was read already, so the name gets it as a late write: the file is
    /// read again knowing it (`data=read()` at the module's level, or in a function walked
    /// before), and once a reading knows it, nothing new is written.
    fn note_walked_returns(&mut self, f: &'a ast::StmtFunctionDef, scope: u32) {
        let Some(found) = self.walked_returns.take() else { return };
        if found.is_empty() || !f.decorator_list.is_empty() {
            return;
        }
        let Some(outer) = self.scopes.parent(scope) else { return };
        // The path texts callers gave the parameters.
        let mut handed: Vec<Rc<str>> = Vec::new();
        if let Some(p) =
            self.functions.get(&f.name.id).and_then(|l| l.iter().find(|p| std::ptr::eq(p.def, f)))
        {
            for (_, vals) in &p.given {
                for alt in vals.alts() {
                    let text = match alt {
                        Value::Path(t) => &**t,
                        Value::Const(c) => match c.as_str() {
                            Some(t) if !t.is_empty() => t,
                            _ => continue,
                        },
                        _ => continue,
                    };
                    let text: Rc<str> = slashed(text).into();
                    if !handed.contains(&text) {
                        handed.push(text);
                    }
                }
            }
        }
        let mut fixed = ValueSet::default();
        let mut by_argument: Vec<ArgumentOrigin> = Vec::new();
        for alt in found.alts() {
            let q = match alt {
                Value::From(q) => q,
                // A returned path of a followed file: what a call gives wherever it was made,
                // unless the path was built from a parameter that several texts were handed.
                Value::Path(t) | Value::Entries(t) => {
                    let t = slashed(t);
                    let from_argument = handed.iter().any(|h| t.starts_with(&**h));
                    if !from_argument || handed.len() == 1 {
                        fixed.push(alt.clone());
                    }
                    continue;
                }
                _ => continue,
            };
            let path = q.strip_prefix(FILE_ORIGIN).unwrap_or_default();
            // The longest text handed that the path starts with: the path was made from it.
            let from_argument = handed
                .iter()
                .filter(|t| !path.is_empty() && path.starts_with(&***t))
                .max_by_key(|t| t.len());
            match from_argument {
                Some(t) => by_argument.push(ArgumentOrigin { path: t.clone(), origin: q.clone() }),
                None => fixed.push(alt.clone()),
            }
        }
        let name = key(&f.name.id);
        let known = self.scopes.lookup(outer, &name, &mut self.interner);
        let knows_fixed = |alt: &Value<'a>| {
            known.alts().iter().any(|k| {
                matches!(k, Value::Yields(y) if y.alts().iter().any(|v| match (v, alt) {
                    (Value::From(o), Value::From(q)) => o == q,
                    (Value::Path(o), Value::Path(t)) | (Value::Entries(o), Value::Entries(t)) => {
                        o == t
                    }
                    _ => false,
                }))
            })
        };
        let knows_argument = |a: &ArgumentOrigin| {
            known.alts().iter().any(|k| matches!(k, Value::YieldsAt(y) if y.contains(a)))
        };
        let mut add = ValueSet::default();
        if fixed.alts().iter().any(|v| !knows_fixed(v)) {
            add.push(Value::Yields(Rc::new(fixed)));
        }
        if by_argument.iter().any(|a| !knows_argument(a)) {
            add.push(Value::YieldsAt(by_argument.into()));
        }
        if !add.is_empty() {
            self.scopes.add_to(outer, &name, &add);
        }
    }

    /// Bindings made to already-read scopes, to seed another reading.
    pub(crate) fn take_late(&mut self) -> Vec<LateWrite<'a>> {
        self.scopes.take_late()
    }

    // ----- hits and verdicts -------------------------------------------------------------

    /// Notes whether a hit since `from` is of a rule an entry file's import-time call could
    /// change here (see `FileAnalysis::entry_sensitive`).
    fn note_entry_leaves(&mut self, from: usize) {
        if !self.entry_leaf_met {
            let entry = |h: &Hit| self.c.entry_leaves.get(h.leaf as usize) == Some(&true);
            self.entry_leaf_met = self.hits.get(from..).is_some_and(|h| h.iter().any(entry));
        }
    }

    /// Evaluates the hits pushed since `from` as the hits of the node at `range`.
    fn settle(&mut self, range: TextRange, callee: Option<TextRange>, from: usize) {
        if self.hits.len() > from {
            self.note_entry_leaves(from);
            let site = site!(self);
            let raw = &mut self.raw;
            let (range, callee) = match self.origin {
                Some(origin) => (origin, None),
                None => (range, callee),
            };
            matchers::evaluate(self.c, &self.hits[from..], &site, |rule, subject| {
                raw.push(Raw { rule, range, subject: subject.clone(), callee });
            });
        }
        self.hits.truncate(from);
    }

    /// Settles a candidate: with `text`, every string rule is evaluated against it too.
    fn settle_cand(&mut self, cand: Cand, text: Option<&Const<'a>>) {
        self.settle_cand_except(cand, text, &[]);
    }

    /// [`Self::settle_cand`], leaving out the rules of `done` (already reported for the text
    /// where it was written).
    fn settle_cand_except(&mut self, cand: Cand, text: Option<&Const<'a>>, done: &[u32]) {
        let from = self.hits.len();
        self.hits.extend(cand.delayed);
        let latin;
        let (text, literal): (&str, Option<&'a str>) = match text {
            Some(Const::Str(Text::Borrowed(s))) => (s, Some(*s)),
            Some(Const::Str(t)) => (t.as_str(), None),
            Some(Const::Bytes(b)) => {
                latin = string::latin1(b.as_bytes());
                (latin.as_str(), None)
            }
            _ => {
                self.settle(cand.range, cand.callee, from);
                return;
            }
        };
        // No string rule holds on a string this short (or this short and ASCII) unless another
        // leaf of it matched here.
        let alone_here = self.hits.len() == from;
        if alone_here
            && (text.len() < self.c.string_min_any
                || (text.len() < self.c.string_min_ascii && text.is_ascii()))
        {
            return;
        }
        if !alone_here {
            self.note_entry_leaves(from);
        }
        // The same literal recurs often within a file: its regexes run once.
        let mut fresh = string::Memo::default();
        let memo = match literal {
            Some(l) => self.string_cache.entry(l).or_default(),
            None => &mut fresh,
        };
        let alone = self.hits.len() == from;
        let wants_capture = self.origin.is_none()
            && self.capture.as_ref().is_some_and(|captured| {
                captured.len() < MAX_CARRIED_TEXTS && text.len() <= MAX_CARRIED_TEXT_LEN
            });
        // A literal met again with no other hit at its node: no string rule held the first
        // time nor can now, and a name keeps it only if some regex admits it (known then).
        if alone && memo.nothing {
            match (wants_capture, memo.admits) {
                (false, _) | (true, Some(false)) => return,
                (true, Some(true)) => {
                    if let Some(captured) = &mut self.capture {
                        captured.push(CarriedText {
                            text: Rc::from(text),
                            done: SmallVec::from_slice(done),
                        });
                    }
                    return;
                }
                (true, None) => {}
            }
        }
        let mut found: SmallVec<[(u32, Option<QName>); 2]> = SmallVec::new();
        let carried = {
            let site = site!(self);
            let mut oracle = string::Lazy::new(self.c, text, memo);
            let evaluated = matchers::evaluate_with(
                self.c,
                &self.hits[from..],
                &site,
                Some(&mut oracle),
                |rule, subject| {
                    if !done.contains(&rule) {
                        found.push((rule, subject.cloned()));
                    }
                },
            );
            // Kept for a name only when it holds a literal factor of some string regex: a
            // text with none matches no gated regex wherever it is used.
            let admits = wants_capture.then(|| oracle.admits_any());
            if alone && !evaluated {
                oracle.memo.nothing = true;
                if admits.is_some() {
                    oracle.memo.admits = admits;
                }
            }
            admits == Some(true)
        };
        if carried && let Some(captured) = &mut self.capture {
            // What was reported for the text where it was first written stays reported.
            captured.push(CarriedText {
                text: Rc::from(text),
                done: done.iter().copied().chain(found.iter().map(|(rule, _)| *rule)).collect(),
            });
        }
        if !found.is_empty() {
            let text_subject = string::subject(text, &mut self.interner);
            let (range, callee) = match self.origin {
                Some(origin) => (origin, None),
                None => (cand.range, cand.callee),
            };
            for (rule, subject) in found {
                self.raw.push(Raw {
                    rule,
                    range,
                    subject: subject.unwrap_or_else(|| text_subject.clone()),
                    callee,
                });
            }
        }
        self.hits.truncate(from);
    }

    /// The node is outermost: its candidates are matched.
    fn flush(&mut self, e: &mut Eval<'a>) {
        let Some(pending) = e.pending.take() else { return };
        let Pending { cand, carried } = *pending;
        if let Some(cand) = cand {
            let text = e.fold.take();
            self.settle_cand(cand, text.as_ref());
            e.fold = text;
        }
        for carried in carried {
            self.settle_cand(carried.cand, Some(&carried.text));
        }
    }

    fn supersede(&mut self, e: &mut Eval<'a>) {
        let Some(pending) = e.pending.take() else { return };
        let Pending { cand, carried } = *pending;
        if let Some(cand) = cand {
            self.settle_cand(cand, None);
        }
        for carried in carried {
            self.settle_cand(carried.cand, None);
        }
    }

    fn carry(e: &mut Eval<'a>, into: &mut Vec<Carried<'a>>) {
        let Some(pending) = e.pending.take() else { return };
        let Pending { cand, mut carried } = *pending;
        if let Some(cand) = cand {
            match &e.fold {
                Some(text) => into.push(Carried { cand, text: text.clone() }),
                None => into.push(Carried { cand, text: Const::None }),
            }
        }
        into.append(&mut carried);
    }

    fn verdict(&mut self, v: Verdict, e: &mut Eval<'a>, carried: &mut Vec<Carried<'a>>) {
        match v {
            Verdict::Flush => self.flush(e),
            Verdict::Supersede => self.supersede(e),
            Verdict::Carry => Self::carry(e, carried),
        }
    }

    /// Finishes an expression node: its own hits (pushed since `from`) are settled now, or
    /// delayed when the node is a string candidate.
    fn finish(
        &mut self,
        range: TextRange,
        callee: Option<TextRange>,
        from: usize,
        vals: ValueSet<'a>,
        fold: Option<Const<'a>>,
        carried: Vec<Carried<'a>>,
    ) -> Eval<'a> {
        let is_text = fold.as_ref().is_some_and(Const::is_text);
        let cand = if self.strings && is_text {
            // `split_off` at 0 would reallocate `hits`; most candidates have no hits.
            let delayed =
                if self.hits.len() > from { self.hits.split_off(from) } else { Vec::new() };
            Some(Cand { range, callee, delayed })
        } else {
            self.settle(range, callee, from);
            None
        };
        let vals = if vals.is_empty() { ValueSet::unknown() } else { vals };
        Eval { vals, fold, pending: Pending::boxed(cand, carried) }
    }

    fn value(&mut self, e: &'a Expr) {
        let mut ev = self.expr(e);
        self.flush(&mut ev);
    }

    /// Evaluates an expression its parent only reads in place (copies, joins, iterates,
    /// indexes, measures): a name there keeps the list or dict it holds, which anywhere else
    /// is handed on (see [`Self::escape`]).
    fn expr_reading(&mut self, e: &'a Expr) -> Eval<'a> {
        if let Expr::Name(n) = e {
            self.reading = Some(n.range.start());
        }
        let ev = self.expr(e);
        self.reading = None;
        ev
    }

    /// Evaluates an expression whose parent uses its constant if it is a dict display (see
    /// [`Self::dict_wanted`]).
    fn expr_dict(&mut self, e: &'a Expr) -> Eval<'a> {
        if let Expr::Dict(d) = e {
            self.dict_wanted = Some(d.range.start());
        }
        self.expr(e)
    }

    /// [`Self::expr_reading`], its candidates matched.
    fn value_reading(&mut self, e: &'a Expr) {
        let mut ev = self.expr_reading(e);
        self.flush(&mut ev);
    }

    /// Binds `name` in the current scope, following a list or dict it holds (within
    /// [`MAX_MUTABLES`] names; past it the name holds nothing known).
    fn bind_name(&mut self, name: &Name, vals: ValueSet<'a>) {
        self.bind_name_as(name, vals, false);
    }

    /// [`Self::bind_name`] of what the name held, grown in place (see `Scopes::bind_grown`).
    fn bind_name_as(&mut self, name: &Name, vals: ValueSet<'a>, grown: bool) {
        if !self.name_texts.is_empty() {
            self.name_texts.remove(&(self.scope, name.clone()));
        }
        let vals = if vals.alts().iter().any(Value::is_mutable_const) {
            self.follow_mutable(self.scope, name, vals)
        } else {
            vals
        };
        if grown {
            self.scopes.bind_grown(self.scope, name, vals);
        } else {
            self.scopes.bind(self.scope, name, vals);
        }
    }

    /// Notes that `name` of `scope` may hold the list or dict among `vals`, or makes it
    /// unknown when too many are followed.
    fn follow_mutable(&mut self, scope: u32, name: &Name, vals: ValueSet<'a>) -> ValueSet<'a> {
        if !vals.alts().iter().any(Value::is_mutable_const) {
            return vals;
        }
        if self.mutables.iter().any(|(s, n)| *s == scope && n == name) {
            return vals;
        }
        if self.mutables.len() >= MAX_MUTABLES {
            return vals.without_mutables();
        }
        self.mutables.push((scope, name.clone()));
        vals
    }

    /// A list or dict held by a name is handed on where it is read other than in place
    /// (passed to a call, aliased, returned, stored, read from a function run at another
    /// time): whatever it holds from then on is not followed.
    fn escape(&mut self, owner: u32, name: &str) {
        self.scopes.drop_mutable(owner, name);
    }

    /// A scope read to its end: the lists and dicts its names hold are no longer followed
    /// (a read from another scope hands them on in any case).
    fn finish_scope(&mut self, scope: u32) {
        self.scopes.finish(scope);
        if !self.mutables.is_empty() {
            self.mutables.retain(|(s, _)| *s != scope);
        }
    }

    /// Code of the file may run (a call of something not known to be the standard library's):
    /// it may change any list or dict a name holds.
    fn drop_mutables(&mut self) {
        for (scope, name) in std::mem::take(&mut self.mutables) {
            self.scopes.drop_mutable(scope, &name);
        }
    }

    /// Whether a read in the current scope of a name bound in `owner` happens where the
    /// binding is followed: in `owner` itself, or in comprehensions written in it (which run
    /// at once).
    fn reads_in_place(&self, owner: u32) -> bool {
        let mut s = self.scope;
        while s != owner {
            if self.scopes.kind(s) != ScopeKind::Comprehension {
                return false;
            }
            match self.scopes.parent(s) {
                Some(p) => s = p,
                None => return false,
            }
        }
        true
    }

    /// `name.method(args)` on a name holding a list or dict, read in place: the method's
    /// change is applied to the name's value (a new binding, so that a change made on one
    /// path of a branch leaves both values); a change not followed (unknown arguments,
    /// `pop`, a change from a comprehension, which may run many times) makes it unknown.
    /// Files that come to hold a download: the path a function that saves its download is
    /// given (`urlretrieve(url, p)`), and the file last opened for writing in this scope when
    /// a download is written to an object (`with open(p, "wb") as f: f.write(r.content)`).
    /// A constant path is remembered as such; a name not bound to a constant gets the
    /// download among its values, for `derived_from` (`os.chmod(p, 0o755)`,
    /// `subprocess.Popen([p])`).
    fn note_saved(
        &mut self,
        c: &'a ast::ExprCall,
        saving: Option<(QName, usize, &'static str, bool)>,
        on: MethodOn<'_>,
        writer: Writer,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) {
        let MethodOn { name: method, path: recv_path } = on;
        // `f.write(data)`, `shutil.copyfileobj(response, f)`, which writes what it reads
        // from its first argument to the file object of its second, or `os.write(fd, data)`
        // to a descriptor `os.open` gave.
        let written = match pos {
            [data] if method.is_some_and(|m| m.as_str() == "write") => Some(data),
            [data, _, ..] if writer == Writer::CopyFileObj => Some(data),
            [_, data] if writer == Writer::Descriptor => Some(data),
            _ => None,
        };
        // The file object itself holds what is written to it (`tmp.write(r.content)` on a
        // `tempfile.NamedTemporaryFile(delete=False)`): its `name` then leads to the download
        // (`os.chmod(tmp.name, 0o755)`, `subprocess.Popen([tmp.name])`).
        if method.is_some_and(|m| m.as_str() == "write")
            && let Expr::Attribute(a) = &*c.func
            && let Expr::Name(n) = &*a.value
            && let Some(data) = written
            && let Some(q) = self.written_download(&data.vals)
        {
            self.saved_to(None, Some(key(&n.id)), q);
        }
        if let Some(w) = &self.writing
            && w.scope == self.scope
            && w.archive
        {
            let (path, name, parent) = (w.at.0.clone(), w.at.1.clone(), w.parent.clone());
            if let Some(origin) = self.archived(c, method, pos, kws) {
                self.saved_file(path, name, parent, origin);
                return;
            }
        } else if let Some(w) = &self.writing
            && w.scope == self.scope
            && let Some(data) = written
        {
            let (path, name, parent) = (w.at.0.clone(), w.at.1.clone(), w.parent.clone());
            if let Some(code) = data.fold.as_ref().and_then(constant_text) {
                self.wrote_code(path.clone(), name.clone(), code);
            }
            if let Some(q) = self.written_download(&data.vals) {
                self.saved_file(path, name, parent, q);
                return;
            }
        }
        if method.is_some_and(|m| m.as_str() == "write_text")
            && let Expr::Attribute(a) = &*c.func
            && let Expr::Name(n) = &*a.value
            && let [data] = pos
            && let Some(code) = data.fold.as_ref().and_then(constant_text)
        {
            self.wrote_code(None, Some(key(&n.id)), code);
        }
        // `p.write_bytes(r.content)`: pathlib's writes of a download to the file a name stands
        // for (`p = Path(tmp) / "x.exe"`), and to the path it stands for when its text is known
        // (`(Path(__file__).parent / "extras.py").write_text(r.text)`, then `from . import
        // extras`).
        if method.is_some_and(|m| matches!(m.as_str(), "write_bytes" | "write_text"))
            && let Expr::Attribute(a) = &*c.func
            && let [data] = pos
            && let Some(q) = self.written_download(&data.vals)
        {
            if let Some(path) = recv_path {
                self.saved_to(Some(Rc::from(path)), None, q.clone());
            }
            if let Expr::Name(n) = &*a.value {
                self.saved_to(None, Some(key(&n.id)), q);
            }
            return;
        }
        let Some((q, at, kw, opens)) = saving else { return };
        let archive = ARCHIVE_OPENERS.iter().any(|(n, _)| *n == &*q);
        // `tarfile.open(fileobj=buf, mode="w:gz")`: an archive written to a file object.
        let Some((path, name)) = path_argument(c, pos, kws, at, kw)
            .or_else(|| if archive { path_argument(c, pos, kws, 2, "fileobj") } else { None })
        else {
            return;
        };
        let parent = call_argument(c, pos, kws, at, kw).and_then(|(_, node)| parent_name(node?));
        if opens {
            if opens_for_writing(&q, c, pos, kws) {
                self.writing =
                    Some(OpenForWriting { scope: self.scope, at: (path, name), parent, archive });
            }
        } else {
            self.saved_file(path, name, parent, q);
        }
    }

    /// What a write into an archive open for writing puts in it (see [`OpenForWriting`]), when
    /// a rule follows it: the file at the path `write(path)` (a zip's) or `add(path)` (a
    /// tar's) is given, or what a file a download or a capture was saved to holds; for `add`,
    /// also the files of a directory (it adds them all); the data `writestr(name, data)` is
    /// given; what the file object `addfile(info, f)` is given reads.
    fn archived(
        &mut self,
        c: &'a ast::ExprCall,
        method: Option<&Name>,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<QName> {
        let (at, kw) = match method?.as_str() {
            "write" => (0, "filename"),
            "add" => (0, "name"),
            "writestr" => (1, "data"),
            "addfile" => (1, "fileobj"),
            _ => return None,
        };
        let (given, _) = call_argument(c, pos, kws, at, kw)?;
        if at == 1 {
            return self.written_download(&given.vals);
        }
        self.followed_file_origin(given)
            .or_else(|| path_holds(&given.vals).find(|q| self.c.derived_origins.matches(q)))
            .or_else(|| if kw == "name" { self.followed_origin_at(given, true) } else { None })
            .or_else(|| self.saved_in_directory(given, kw == "name"))
    }

    /// What a file saved inside a directory holds, when a rule follows it: the loot a stealer
    /// wrote into its working directory (`open(os.path.join(loot, "passwords.txt"), "w")`),
    /// then archived with the directory. `given` is the directory (`shutil.make_archive`'s,
    /// a tar's `add` of a directory, where `whole`), or a path of an entry of it that a walk of
    /// the directory made (`z.write(os.path.join(root, name))` over `os.walk(loot)`: the
    /// directory before its first part with a wildcard), or the saved file's own path; a name
    /// bound to a directory a followed file was saved in holds `q/` (see
    /// [`Self::saved_file`]).
    fn saved_in_directory(&mut self, given: &Eval<'a>, whole: bool) -> Option<QName> {
        let derived = &self.c.derived_origins;
        if let Some(q) = given.vals.alts().iter().find_map(|v| match v {
            Value::From(q) => q.strip_suffix('/').filter(|q| derived.matches(q)),
            _ => None,
        }) {
            let q = q.to_string();
            return Some(self.interner.intern(&q));
        }
        let followed = |q: &QName| self.c.derived_origins.matches(q);
        if self.saved.is_empty() {
            return None;
        }
        let mut origin = None;
        let found = |path: &str| {
            let path = slashed(path);
            // An entry a walk made (`loot/**/*`, `loot/?`): the directory before its first
            // part not known.
            let (dir, inside) = match path.find(['*', '?']) {
                Some(at) => match path[..at].rfind('/') {
                    Some(slash) => (&path[..slash], true),
                    None => return false,
                },
                None => (path.trim_end_matches('/'), whole),
            };
            if dir.is_empty() {
                return false;
            }
            origin = self.saved.iter().find_map(|(p, q, _)| {
                let held = match slashed(p).strip_prefix(dir) {
                    Some("") => !inside,
                    Some(rest) => inside && rest.len() > 1 && rest.starts_with('/'),
                    None => false,
                };
                (held && followed(q)).then(|| q.clone())
            });
            origin.is_some()
        };
        any_path_text(given, found);
        origin
    }

    /// What the archive `shutil.make_archive(base, format, root_dir, base_dir)` makes holds, when
    /// a rule follows it: the files of the directory it archives (`root_dir`, else `base_dir`).
    fn made_archive(
        &mut self,
        c: &'a ast::ExprCall,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<QName> {
        let (dir, _) = call_argument(c, pos, kws, 2, "root_dir")
            .or_else(|| call_argument(c, pos, kws, 3, "base_dir"))?;
        let origin =
            self.followed_origin_at(dir, true).or_else(|| self.saved_in_directory(dir, true))?;
        // The archive is written beside its base name, with the format's ending: a constant
        // path opened later (`open(loot + ".zip", "rb")`) reads it too.
        let base = call_argument(c, pos, kws, 0, "base_name").and_then(|(base, _)| {
            base.fold.as_ref().and_then(Const::as_str).or_else(|| one_path_text(&base.vals))
        });
        let ending = call_argument(c, pos, kws, 1, "format")
            .and_then(|(format, _)| format.fold.as_ref().and_then(Const::as_str))
            .and_then(|format| match format {
                "zip" => Some(".zip"),
                "tar" => Some(".tar"),
                "gztar" => Some(".tar.gz"),
                "bztar" => Some(".tar.bz2"),
                "xztar" => Some(".tar.xz"),
                _ => None,
            });
        if let (Some(base), Some(ending)) = (base, ending) {
            let path = Rc::from(format!("{base}{ending}"));
            self.saved_to(Some(path), None, origin.clone());
        }
        Some(origin)
    }

    /// Files that come to hold a followed value written by a call that saves what it is given
    /// to a path: `cv2.imwrite(p, frame)`, `scipy.io.wavfile.write(p, rate, audio)` (see
    /// [`DATA_WRITERS`]), a copy of a file a rule follows or that holds such a value
    /// (`shutil.copyfile(login_data, "db")`: [`FILE_COPIERS`]), an object's own `save(p)`
    /// (`ImageGrab.grab().save(p)`, `mss`'s `shot(output=p)`: [`SAVING_METHODS`]), or a
    /// capture that writes its picture itself (`pyautogui.screenshot(p)`:
    /// [`CAPTURES_TO_FILE`]). The path then holds it, as one a download was saved to does (see
    /// [`Self::note_saved`]): a file opened there later reads it (`open(p, "rb")`, sent as a
    /// request's file).
    fn note_data_written(
        &mut self,
        c: &'a ast::ExprCall,
        file_call: Option<FileCall>,
        method: Option<&Name>,
        recv: Option<&Eval<'a>>,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) {
        let saved: Option<(QName, usize, &'static str)> = match file_call {
            Some(FileCall::Writes(&(_, at, kw, data_at, data_kw))) => {
                call_argument(c, pos, kws, data_at, data_kw)
                    .and_then(|(data, _)| self.written_download(&data.vals))
                    .map(|origin| (origin, at, kw))
            }
            Some(FileCall::Captures(q, at, kw)) => {
                self.c.derived_origins.matches(&q).then_some((q, at, kw))
            }
            // `shutil.copyfile(src, dst)`: the copy holds what the original does, the content
            // of a file a rule follows (a browser's `Login Data`, copied before it is read),
            // or, for `copyfile` alone, what was saved there: the others copy or move
            // directories too, and a directory a repository was cloned in is the download
            // only for the paths inside it (see `Self::saved_directory`).
            Some(FileCall::Copies { one_file }) => {
                call_argument(c, pos, kws, 0, "src").and_then(|(src, _)| {
                    self.followed_file_origin(src)
                        .or_else(|| if one_file { path_holds(&src.vals).next() } else { None })
                        .map(|origin| (origin, 1, "dst"))
                })
            }
            Some(FileCall::Opens) | None => None,
        };
        // An object's own `save(p)` or `shot(output=p)` of a followed object.
        let saved = saved.or_else(|| {
            let &(_, at, kw) =
                method.and_then(|m| SAVING_METHODS.iter().find(|(n, ..)| *n == m.as_str()))?;
            recv.and_then(|r| self.written_download(&r.vals)).map(|origin| (origin, at, kw))
        });
        let Some((origin, at, kw)) = saved else { return };
        let Some((path, name)) = path_argument(c, pos, kws, at, kw) else { return };
        let parent = call_argument(c, pos, kws, at, kw).and_then(|(_, node)| parent_name(node?));
        self.saved_file(path, name, parent, origin);
    }

    /// What a file opened for reading gives carries what its path holds (a file a download
    /// or a capture was saved to, see [`Self::note_saved`]): `open(p, "rb")` then sent, or
    /// read and run. A path made from an environment variable is not that variable's text.
    fn opened_file_holds(
        &self,
        c: &'a ast::ExprCall,
        callee: &Eval<'a>,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
        vals: &mut ValueSet<'a>,
    ) {
        if callee.vals.quals().any(|q| opens_for_writing(q, c, pos, kws)) {
            return;
        }
        let Some(path) = opened_path(pos, kws) else { return };
        for q in path_holds(&path.vals) {
            if self.c.derived_origins.matches(&q) {
                vals.push(Value::From(q));
            }
        }
    }

    /// An archive holding a download extracted to a directory: `extractall(d)` or
    /// `extract(member, d)` of an archive read from one (`zipfile.ZipFile(io.BytesIO(
    /// r.content))`, `tarfile.open(p)` of a file a download was saved to), or
    /// `shutil.unpack_archive(p, d)` of a saved download. The directory then holds the
    /// download, as a file it was saved to does (`sys.path.append(d)`, see
    /// [`Self::note_saved`]).
    fn note_extracted(
        &mut self,
        c: &'a ast::ExprCall,
        method: Option<&Name>,
        recv: Option<&Eval<'a>>,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) {
        let (source, at, kw) = match method.map(Name::as_str) {
            None => (pos.first().map(|e| &e.vals), 1, "extract_dir"),
            Some("extractall") => (recv.map(|r| &r.vals), 0, "path"),
            Some(_) => (recv.map(|r| &r.vals), 1, "path"),
        };
        let Some(q) = source.and_then(|v| self.written_download(v)) else { return };
        if let Some((path, name)) = path_argument(c, pos, kws, at, kw) {
            self.saved_directory(path, name, q);
        }
    }

    /// `functools.partial` of a resolver with its arguments bound (`bound`, past the
    /// function): `partial(getattr, os)` reaches an attribute of `os` when called with its
    /// name, and `partial(getattr, os, "system")` and `partial(importlib.import_module, "os")`
    /// (or `__import__`) give, when called, what the call would. `None` for anything else.
    fn bound_resolver(&mut self, f: &ValueSet<'a>, bound: &[Eval<'a>]) -> Option<Value<'a>> {
        let to = |n: &str| f.quals().any(|q| &**q == n);
        let name = |i: usize| bound.get(i).and_then(|e| e.fold.as_ref()).and_then(Const::as_str);
        if to("builtins.getattr") {
            return match bound {
                [obj] if obj.vals.refers() => Some(Value::AttrOf(Rc::new(obj.vals.clone()))),
                [obj, _] => {
                    let attr = name(1)?;
                    let reached = self.reach_attribute(&obj.vals, attr);
                    reached.refers().then(|| Value::Yields(Rc::new(reached)))
                }
                _ => None,
            };
        }
        let by_module = to("importlib.import_module");
        if (by_module || to("builtins.__import__")) && bound.len() == 1 {
            let m = name(0)?;
            import::hits(self.c, m, &mut self.interner, &mut self.hits);
            let module = if by_module { m } else { m.split('.').next().unwrap_or_default() };
            if !module.is_empty() {
                let module = ValueSet::qual(self.interner.intern(module));
                return Some(Value::Yields(Rc::new(module)));
            }
        }
        None
    }

    /// Remembers that a file was written with constant text (see [`Self::run_written_code`]).
    fn wrote_code(&mut self, path: Option<Rc<str>>, name: Option<Name>, code: Rc<str>) {
        if (path.is_some() || name.is_some()) && self.written_code.len() < MAX_WRITTEN_CODE {
            self.written_code.push(WrittenCode { scope: self.scope, path, name, code });
        }
    }

    /// The constant code a file was written with, when `arg` names it: a constant path, or a
    /// name of the current scope the file was opened by. Taken: a file is read once.
    fn take_written_code(&mut self, arg: Option<&Expr>, path: Option<&str>) -> Option<Rc<str>> {
        let scope = self.scope;
        let at = self.written_code.iter().position(|w| {
            path.is_some_and(|p| w.path.as_deref() == Some(p))
                || matches!(arg, Some(Expr::Name(n))
                    if w.scope == scope && w.name.as_ref().is_some_and(|m| *m == key(&n.id)))
        })?;
        Some(self.written_code.swap_remove(at).code)
    }

    /// A file written with constant Python code, then run (`runpy.run_path(p)`, `os.system(
    /// "python3 stage.py")`, `subprocess.run("python stage.py", shell=True)`): its code is
    /// read where it is run, as `exec` of constant code is, so that what it does is reported
    /// at the call. A command line runs it when its first word is a Python interpreter and a
    /// later word is the path.
    fn run_written_code(
        &mut self,
        q: &str,
        first: Option<&Expr>,
        arg: Option<&Eval<'a>>,
        call: TextRange,
    ) {
        let text = arg.and_then(|e| e.fold.as_ref()).and_then(Const::as_str);
        let code = if q == "runpy.run_path" {
            self.take_written_code(first, text)
        } else {
            let Some(line) = text else { return };
            let mut words = command_words(line);
            if !words.next().is_some_and(is_python_interpreter) {
                return;
            }
            words.find_map(|w| self.take_written_code(None, Some(w)))
        };
        if let Some(code) = code {
            self.read_code_string(&code, call);
        }
    }

    /// Remembers that a file holds what a call of `q` downloaded (see [`Self::note_saved`]).
    fn saved_to(&mut self, path: Option<Rc<str>>, name: Option<Name>, q: QName) {
        self.saved_in(path, name, q, false);
    }

    /// An import of a module of the code's own directory whose file a download was saved to
    /// (`urlretrieve(url, os.path.join(os.path.dirname(__file__), "_plugin.py"))`, then `from
    /// . import _plugin`, `import pkg._plugin` or `importlib.import_module("pkg._plugin")`):
    /// the import runs the download. Matched at `at` as `importlib.import_module` given the
    /// download, which `derived_from` follows. The module's last part names the file (`X.py`,
    /// a package `X/`, or `X/__init__.py`) beside the running module's own (`./`, see
    /// `crate::paths::MODULE_FILE`). An import statement's finding names the module it imports,
    /// after `statement` (`"."` for a relative import); a call's names the function called.
    fn import_of_saved(&mut self, module: &str, at: TextRange, statement: Option<&str>) {
        if self.saved.is_empty() {
            return;
        }
        let Some(last) = module.rsplit('.').next().filter(|l| !l.is_empty()) else { return };
        let q = self.saved.iter().find_map(|(p, q, dir)| {
            let rest = p.strip_prefix("./")?;
            let named = rest.strip_suffix(".py") == Some(last)
                || rest.strip_suffix("/__init__.py") == Some(last)
                || (*dir && rest.trim_end_matches('/') == last);
            named.then(|| q.clone())
        });
        let Some(q) = q else { return };
        let from = self.hits.len();
        let callee = ValueSet::qual(self.interner.intern("importlib.import_module"));
        let download = ValueSet::one(Value::From(q));
        let name = Const::Str(Text::Shared(Rc::from(module)));
        let pos = [Some(&name)];
        let refs = [&download];
        let args = CallArgs { pos_refs: &refs, ..CallArgs::positional(&pos) };
        call::hits(self.c, &callee, &args, &mut self.call_memo, &mut self.hits);
        let reported = self.raw.len();
        self.settle(at, None, from);
        if let Some(prefix) = statement
            && self.raw.len() > reported
        {
            let subject = self.interner.intern(&format!("{prefix}{module}"));
            for r in &mut self.raw[reported..] {
                r.subject = subject.clone();
            }
        }
    }

    /// The text a name is bound to, when it is one constant string here.
    fn constant_text_of(&mut self, n: &ast::ExprName) -> Option<Rc<str>> {
        let vals = self.scopes.lookup(self.scope, &n.id, &mut self.interner);
        match vals.alts() {
            [Value::Const(c)] => c.as_str().map(Rc::from),
            _ => None,
        }
    }

    /// A file a download was saved to (see [`Self::saved_to`]); when its path was made inside
    /// a directory a name is bound to (`os.path.join(d, "stage.py")`, `d / "stage.py"`), that
    /// directory holds the download too: `sys.path.insert(0, d)` then imports it.
    fn saved_file(
        &mut self,
        path: Option<Rc<str>>,
        name: Option<Name>,
        parent: Option<Name>,
        q: QName,
    ) {
        self.saved_to(path, name, q.clone());
        if let Some(d) = parent {
            self.saved_directory(None, Some(d), q);
        }
    }

    /// Remembers that a directory holds what a call of `q` downloaded: a repository `git
    /// clone` fetched, an archive extracted there. The paths inside it hold the download
    /// (`os.path.join(d, "run.py")`, `d / "run.py"`), and so does the directory where imports
    /// look (`sys.path.insert(0, d)`); the directory's own name elsewhere does not (`["git",
    /// "-C", d, "pull"]`, `shutil.rmtree(d)`): a name bound to it gets the origin `q` followed
    /// by `/`, which no rule follows, and a path made inside it gets `q` (see
    /// [`Self::inside_directory`]).
    fn saved_directory(&mut self, path: Option<Rc<str>>, name: Option<Name>, q: QName) {
        let path = path.map(|p| match p.trim_end_matches('/') {
            "" => Rc::from("/"),
            t if t.len() < p.len() => Rc::from(t),
            _ => p,
        });
        let q = if path.is_some() { q } else { self.interner.intern(&format!("{q}/")) };
        self.saved_in(path, name, q, true);
    }

    fn saved_in(&mut self, path: Option<Rc<str>>, name: Option<Name>, q: QName, directory: bool) {
        if let Some(p) = path {
            if self.saved.len() < MAX_SAVED && !self.saved.iter().any(|(s, ..)| *s == p) {
                self.saved.push((p, q, directory));
            }
        } else if let Some(n) = name
            && self.scopes.owner(self.scope, &n) == Some(self.scope)
        {
            self.note_saved_parameter(&n, &q, directory);
            let mut vals = self.scopes.lookup(self.scope, &n, &mut self.interner);
            if !vals.alts().iter().any(Value::is_mutable_const) {
                vals.push(Value::From(q));
                self.scopes.bind(self.scope, &n, vals);
            }
        }
    }

    /// A parameter of the function being walked that came to hold `q` (see
    /// [`Self::saved_parameters`]).
    fn note_saved_parameter(&mut self, n: &Name, q: &QName, directory: bool) {
        let Some(body) = &self.spread_body else { return };
        if body.scope != self.scope || self.saved_parameters.len() >= MAX_SAVED {
            return;
        }
        let p = body.parameters;
        let Some(at) =
            p.posonlyargs.iter().chain(&p.args).position(|a| key(&a.parameter.name.id) == *n)
        else {
            return;
        };
        let entry = SavedParameter {
            function: body.function.clone(),
            at,
            name: n.clone(),
            origin: q.clone(),
            directory,
        };
        if !self.saved_parameters.contains(&entry) {
            self.saved_parameters.push(entry);
        }
    }

    /// A call of a function of the file by its name that hands a path or a name to a parameter
    /// whose file the function filled (see [`Self::saved_parameters`]): the caller's path or
    /// name holds the same.
    fn saved_through_parameters(
        &mut self,
        function: &Name,
        c: &'a ast::ExprCall,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) {
        let filled: SmallVec<[SavedParameter; 2]> =
            self.saved_parameters.iter().filter(|p| p.function == *function).cloned().collect();
        for p in filled {
            if let Some((path, name)) = path_argument(c, pos, kws, p.at, p.name.as_str()) {
                self.saved_in(path, name, p.origin, p.directory);
            }
        }
    }

    /// A path made inside a directory a download was saved in (`os.path.join(d, "run.py")`,
    /// `d / "run.py"`) holds the download: the origin `q/` a name bound to the directory has
    /// (see [`Self::saved_directory`]) gives `q`.
    fn inside_directory(&mut self, vals: &mut ValueSet<'a>) {
        let inside: SmallVec<[QName; 1]> = vals
            .alts()
            .iter()
            .filter_map(|v| match v {
                Value::From(q) => q.strip_suffix('/').map(|q| self.interner.intern(q)),
                _ => None,
            })
            .collect();
        for q in inside {
            vals.push(Value::From(q));
        }
    }

    /// An argument that folds to a path a download was saved to, or to an argument vector
    /// holding one, is derived from the call that downloaded it.
    ///
    /// A command line holding the path as one of its words counts too (`os.system("python
    /// stage2.py")`, `subprocess.call("chmod +x '/tmp/x' && /tmp/x", shell=True)`): the
    /// shell runs the file.
    ///
    /// An argument vector written as a display that does not fold as a whole (`[sys.executable,
    /// "/tmp/stage.py"]`, `[sys.executable, p]` with `p` bound to the path) is read item by
    /// item: an item written as a string, or a name bound to one constant string.
    ///
    /// With `directory`, a directory a download was saved in counts as the download (the
    /// argument of a call that puts a directory where imports look).
    fn mark_saved(&mut self, e: &mut Eval<'a>, written: Option<&Expr>, directory: bool) {
        if self.saved.is_empty() && !directory {
            return;
        }
        // A name bound to a saved directory, put where imports look.
        if directory {
            self.inside_directory(&mut e.vals);
        }
        let all = &self.saved;
        let hit = |s: &str| {
            // A saved file by its path; a saved directory by a path inside it, or by its own
            // where imports look.
            let saved = |w: &str| {
                all.iter()
                    .find(|(p, _, dir)| {
                        if &**p == w {
                            !dir || directory
                        } else if let Some(d) = p.strip_suffix(crate::paths::UNKNOWN_PART)
                            && d.ends_with('/')
                        {
                            // Some entry of a directory (a helper given several names, see
                            // `written_beside_unknown`): which holds what is not known, so
                            // each entry read back may hold it.
                            w.strip_prefix(d).is_some_and(|name| {
                                !name.is_empty() && !name.contains(['/', '*', '?'])
                            })
                        } else {
                            *dir && w.strip_prefix(&**p).is_some_and(|rest| {
                                rest.starts_with('/') || p.ends_with('/') && !rest.is_empty()
                            })
                        }
                    })
                    .map(|(_, q, _)| q.clone())
            };
            saved(s)
                .or_else(|| command_words(s).filter(|w| w.len() < s.len()).find_map(saved))
                .or_else(|| {
                    let s = s.trim_end_matches('/');
                    let s = if s.is_empty() { "/" } else { s };
                    directory
                        .then(|| all.iter().find(|(p, ..)| parent_dir(p) == Some(s)))
                        .flatten()
                        .map(|(_, q, _)| q.clone())
                })
        };

        let mut q = match &e.fold {
            Some(Const::Seq(_, items)) => items.iter().find_map(|i| i.as_str().and_then(hit)),
            Some(c) => c.as_str().and_then(hit),
            // A path text, or a parameter a call of the file handed a saved path.
            None => {
                one_path_text(&e.vals).and_then(hit).or_else(|| handed_paths(&e.vals).find_map(hit))
            }
        };
        if q.is_none()
            && e.fold.is_none()
            && let Some(
                Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }),
            ) = written
        {
            let mut texts: Vec<Rc<str>> = Vec::new();
            for item in elts.iter().take(64) {
                match item {
                    Expr::StringLiteral(lit) => texts.push(Rc::from(lit.value.to_str())),
                    Expr::Name(n) => {
                        let vals = self.scopes.lookup(self.scope, &n.id, &mut self.interner);
                        if let [Value::Const(c)] = vals.alts()
                            && let Some(t) = c.as_str()
                        {
                            texts.push(Rc::from(t));
                        } else if let Some(t) = one_path_text(&vals) {
                            texts.push(Rc::from(t));
                        }
                    }
                    _ => {}
                }
            }
            q = texts.iter().find_map(|t| hit(t));
        }
        if let Some(q) = q {
            e.vals.push(Value::From(q));
        }
    }

    fn mutate(
        &mut self,
        n: &ast::ExprName,
        method: &str,
        recv: &Const<'a>,
        args: &CallArgs<'_, 'a>,
    ) {
        let name = key(&n.id);
        let Some(owner) = self.scopes.owner(self.scope, &name) else { return };
        let changed: Option<Option<Const<'a>>> = match method {
            "copy" | "index" | "count" | "get" | "keys" | "values" | "items" => return,
            _ if owner != self.scope || args.starred() => None,
            _ => Some(fold::mutate(recv, method, args, &mut self.budget)),
        };
        match changed {
            Some(Some(new)) if new.bindable() => {
                let vals = ValueSet::one(Value::Const(new.share()));
                let vals = self.follow_mutable(owner, &name, vals);
                self.scopes.bind(owner, &name, vals);
            }
            _ => self.escape(owner, &name),
        }
    }

    // ----- statements ----------------------------------------------------------------------

    fn body(&mut self, stmts: &'a [Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    /// Whether reading stopped (past the deadline, or too many findings). Code nested too
    /// deep stops nothing but the reading of that subtree (see [`Self::too_deep_at`]).
    fn stopped(&self) -> bool {
        self.timed_out.is_some() || self.too_many.is_some()
    }

    /// Records the first place code nests past [`MAX_DEPTH`]; the subtree there is not read,
    /// the rest of the module is (a file that nests one expression that deep to hide the
    /// calls beside it hides nothing).
    fn too_deep_at(&mut self, at: TextSize) {
        if self.too_deep.is_none() {
            self.too_deep = Some(at);
        }
    }

    /// Counts one node; every [`DEADLINE_EVERY`] nodes, stops reading when the deadline passed
    /// (recording the node's start, asked for only then).
    fn tick(&mut self, at: impl FnOnce() -> TextSize) -> bool {
        let Some(deadline) = self.deadline else { return false };
        self.until_check -= 1;
        if self.until_check == 0 {
            self.until_check = DEADLINE_EVERY;
            if Instant::now() >= deadline {
                self.timed_out = Some(at());
                return true;
            }
        }
        false
    }

    fn stmt(&mut self, s: &'a Stmt) {
        if self.stopped() || self.tick(|| s.start()) {
            return;
        }
        if self.raw.len() > crate::MAX_FINDINGS_PER_FILE {
            self.too_many = Some(s.start());
            return;
        }
        if self.depth >= MAX_DEPTH {
            self.too_deep_at(s.start());
            return;
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        if self.depth.is_multiple_of(GROW_EVERY) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.stmt_kind(s));
        } else {
            self.stmt_kind(s);
        }
        self.depth -= 1;
    }

    fn in_branch(&mut self, f: impl FnOnce(&mut Self)) {
        let scope = self.scope;
        self.scopes.enter_branch(scope);
        f(self);
        self.scopes.leave_branch(scope);
    }

    #[expect(clippy::too_many_lines, reason = "one arm per statement kind reads best")]
    fn stmt_kind(&mut self, s: &'a Stmt) {
        match s {
            Stmt::FunctionDef(f) => {
                // `@atexit.register` hands the function on to be run at exit: where that is
                // done at import time, the body runs then, as `atexit.register(f)` does.
                // So does a decorator of the file whose body calls what it is given
                // (`def run_now(fn): fn()`, or a lambda written as the decorator, `@lambda f:
                // f()`), as `run_now(f)` written out would.
                // A module's own `__getattr__` (PEP 562) runs at the first look-up of a name
                // the module lacks, which its importers make as they import it (`from pkg
                // import x`, `pkg.x`): its body is read as run at import time.
                // So do the hooks of a `conftest.py` (`pytest_configure`, ...), which pytest
                // calls as soon as it has imported the file.
                let mut registered = self.scope == MODULE
                    && (f.name.id.as_str() == "__getattr__"
                        || (self.file_name == "conftest.py"
                            && f.name.id.as_str().starts_with("pytest_")));
                let mut handles_messages = None;
                for d in &f.decorator_list {
                    let mut ev = self.expr(&d.expression);
                    registered |= ev.vals.quals().any(|q| RUNNING_DECORATORS.contains(&&**q));
                    if handles_messages.is_none() {
                        handles_messages = chat_handler(&ev.vals);
                    }
                    registered |= match &d.expression {
                        Expr::Name(n) if self.function_bits & name_bit(&n.id) != 0 => {
                            self.calls_its_argument(&n.id)
                        }
                        // `@lambda f: f()`: the lambda written as the decorator.
                        Expr::Lambda(l) => crate::decorators::lambda_calls_its_argument(l),
                        _ => false,
                    };
                    self.flush(&mut ev);
                }
                if let Some(tp) = &f.type_params {
                    self.type_params(tp);
                }
                let mut given = self.parameter_defaults(&f.parameters);
                if let Some(receives) = handles_messages {
                    let in_class = self.scopes.kind(self.scope) == ScopeKind::Class;
                    let origin = self.interner.intern(CHAT_MESSAGE_ORIGIN);
                    receive_messages(&f.parameters, &origin, receives, in_class, &mut given);
                }
                if let Some(r) = &f.returns {
                    self.annotation(r);
                }
                let scope = self.scopes.push(ScopeKind::Function, Some(self.scope));
                let mut frames = self.frames.clone();
                frames.push(Frame::Function(key(&f.name.id)));
                self.function_bits |= name_bit(&f.name.id);
                // A function an entry file of the package calls at import time is walked
                // there (see `Self::called_by_entry`).
                let site = (self.scope == MODULE
                    && self.entry_functions.iter().any(|n| n.as_str() == f.name.id.as_str()))
                .then(|| vec![Frame::CalledByEntry, Frame::CalledAtImport]);
                self.functions.entry(f.name.id.clone()).or_default().push(Unwalked {
                    def: f,
                    outer: self.scope,
                    depth: self.depth,
                    origin: self.origin,
                    // The defaults, and later what callers give (kept here for a second walk).
                    given,
                    site,
                    walked: false,
                    rewalked: false,
                    followed_rewalks: 0,
                    rewalked_for_paths: false,
                    frames: frames.clone(),
                    runs_argument: None,
                });
                self.deferred.push_back(Deferred {
                    body: Body::Function(f),
                    scope,
                    frames,
                    depth: self.depth,
                    origin: self.origin,
                    given: Vec::new(),
                });
                // A function without parameters or decorators whose body only returns what
                // folds gives that constant on every call, as such a lambda does
                // (`def name(): return "sys" + "tem"`, then `getattr(os, name())`).
                let gives = match returned_at_end(f) {
                    Some((v, before))
                        if f.parameters.is_empty() && before.iter().all(is_docstring) =>
                    {
                        self.fold_pure(v, &[], 0)
                    }
                    _ => None,
                };
                let vals = match gives {
                    Some(c) => ValueSet::one(Value::Gives(Rc::new(c.share()))),
                    None => match self.returned_module(f) {
                        Some((returned, Decorated::Property)) => {
                            ValueSet::one(Value::Descriptor(Rc::new(returned)))
                        }
                        Some((returned, _)) => ValueSet::one(Value::Yields(Rc::new(returned))),
                        None => match self.returns_derived(f) {
                            Some(returned) => ValueSet::one(Value::Yields(Rc::new(returned))),
                            None => ValueSet::unknown(),
                        },
                    },
                };
                self.scopes.bind(self.scope, &key(&f.name.id), vals);
                if registered {
                    self.function_called_here(&f.name.id, &[], &[]);
                }
            }
            Stmt::ClassDef(cdef) => {
                // Decorators of the standard library that hand back the class they are given
                // (`@dataclass`, `@dataclass(frozen=True)`, `@total_ordering`) leave it the
                // class its statement made; any other may replace it.
                let mut undecorated = true;
                for d in &cdef.decorator_list {
                    let mut ev = self.expr(&d.expression);
                    undecorated &= ev.vals.surely(|v| {
                        matches!(v, Value::Qual(q) | Value::Returned(q)
                            if CLASS_KEEPING_DECORATORS.contains(&&**q))
                    });
                    self.flush(&mut ev);
                }
                if let Some(tp) = &cdef.type_params {
                    self.type_params(tp);
                }
                let mut bases: Vec<QName> = Vec::new();
                let mut own_bases: Vec<u32> = Vec::new();
                // Made by `type` or a metaclass of the standard library that returns the class
                // it makes, with nothing of the program's in between (see `Value::Class`): no
                // decorator but the ones above, no type parameter, no keyword but such a
                // `metaclass=`, no unpacked base.
                let mut plain = undecorated && cdef.type_params.is_none();
                if let Some(args) = &cdef.arguments {
                    plain &= args.keywords.iter().all(|k| {
                        k.arg.as_ref().is_some_and(|a| a.id.as_str() == "metaclass")
                            && matches!(&k.value, Expr::Attribute(_) | Expr::Name(_))
                    });
                    for a in &args.args {
                        let mut e = self.expr(a);
                        plain &= !matches!(a, Expr::Starred(_)) && plain_base(&e.vals);
                        bases.extend(e.vals.quals().cloned());
                        for v in e.vals.alts() {
                            if let Value::Class { scope, .. } = v {
                                own_bases.push(*scope);
                            }
                        }
                        self.flush(&mut e);
                    }
                    // The class's keywords (but `metaclass`) are handed to the bases'
                    // `__init_subclass__` (`class Job(Plugin, backend="os")`).
                    let mut hook: SmallVec<[(Name, Eval<'a>); 2]> = SmallVec::new();
                    let mut metaclasses: SmallVec<[u32; 1]> = SmallVec::new();
                    for k in &args.keywords {
                        let mut ev = self.expr(&k.value);
                        self.flush(&mut ev);
                        if let Some(id) = &k.arg
                            && id.id.as_str() != "metaclass"
                        {
                            hook.push((key(&id.id), ev));
                        } else {
                            plain &= ev.vals.surely(|v| {
                                matches!(v, Value::Qual(q) if CLASS_KEEPING_METACLASSES.contains(&&**q))
                            });
                            for v in ev.vals.alts() {
                                if let Value::Class { scope, .. } = v {
                                    metaclasses.push(*scope);
                                }
                            }
                        }
                    }
                    // The bases' `__init_subclass__` runs as the class is made (with its
                    // keywords), and so do a metaclass of the file's `__prepare__`, `__new__`
                    // and `__init__`: at import time where the class statement is.
                    let init_subclass = Name::new_static("__init_subclass__");
                    for base in &own_bases {
                        self.method_called_here(*base, true, &init_subclass, &[], &hook, true);
                    }
                    for meta in metaclasses {
                        self.implicit_methods(meta, &["__prepare__", "__new__", "__init__"]);
                    }
                }
                let scope = self.scopes.push(ScopeKind::Class, Some(self.scope));
                // An exception class (`class NetrcParseError(Exception)`): its arguments, where
                // it is called, are a message (see `Frame::Call`).
                if bases.iter().any(|q| is_builtin_exception(q))
                    || own_bases.iter().any(|b| self.scopes.is_exception(*b))
                {
                    self.scopes.mark_exception(scope);
                }
                // A class of the file among the bases (a mixin) has its methods run as this
                // class's: they are read inside these bases too (see `Scopes::adopt`).
                if !bases.is_empty() {
                    for b in &own_bases {
                        self.scopes.adopt(*b, &bases);
                    }
                }
                let no_own_bases = own_bases.is_empty();
                self.scopes.set_bases(scope, own_bases);
                // A base defined elsewhere whose objects' attributes a rule names: `self.spawn`
                // in a subclass of setuptools' `install` is that class's `spawn`.
                let outer: Vec<QName> = bases
                    .iter()
                    .filter(|q| {
                        !self.c.instance_classes.leaves(q, &mut self.instance_memo).is_empty()
                    })
                    .cloned()
                    .collect();
                if !outer.is_empty() {
                    self.scopes.set_outer_bases(scope, outer);
                }
                // The class's name stands for its bases when it is called (see
                // `Value::Subclass`), and for itself (see `Value::Class`) unless a decorator
                // may have replaced it.
                let mut class = ValueSet::default();
                if undecorated {
                    class.push(Value::Class { scope, plain });
                }
                if !plain {
                    for b in bases.iter().take(crate::value::MAX_ALTERNATIVES - 1) {
                        class.push(Value::Subclass(b.clone()));
                    }
                }
                if class.alts().is_empty() {
                    class = ValueSet::unknown();
                }
                // A maintainer's command that no installer runs (`UploadCommand` registered
                // as `upload` alone) is an ordinary class to the install-time rules.
                let unrun = self.scope == MODULE
                    && no_own_bases
                    && !bases.is_empty()
                    && bases.iter().all(|b| crate::commands::PLAIN_COMMAND_BASES.contains(&&**b))
                    && self.unrun_commands.iter().any(|c| c.as_str() == cdef.name.id.as_str());
                self.frames.push(Frame::Class(if unrun {
                    Rc::from(Vec::new())
                } else {
                    Rc::from(bases)
                }));
                let saved = std::mem::replace(&mut self.scope, scope);
                self.body(&cdef.body);
                self.self_stores(scope, &cdef.body);
                self.finish_scope(scope);
                self.scope = saved;
                self.frames.pop();
                // A class an entry file of the package calls at import time (`from .core
                // import Beacon` then `Beacon()`): what making an object runs, runs there.
                // A method called on such an object comes as `Beacon.send`.
                let class_name = cdef.name.id.as_str();
                let mut made = false;
                let mut methods: SmallVec<[Name; 2]> = SmallVec::new();
                if self.scope == MODULE {
                    for n in self.entry_functions {
                        match n.strip_prefix(class_name) {
                            Some("") => made = true,
                            Some(rest) => {
                                if let Some(m) = rest.strip_prefix('.') {
                                    made = true;
                                    methods.push(Name::new(m));
                                }
                            }
                            None => {}
                        }
                    }
                }
                if made {
                    let chain = self.scopes.class_chain(scope);
                    for name in ["__init__", "__new__"] {
                        self.method_called_at_import(&Name::new_static(name), &chain, true);
                    }
                    for name in &methods {
                        self.method_called_at_import(name, &chain, true);
                    }
                }
                self.scopes.bind(self.scope, &key(&cdef.name.id), class);
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.returned_value(v);
                }
            }
            Stmt::Delete(d) => {
                for t in &d.targets {
                    match t {
                        Expr::Name(n) => self.scopes.delete(self.scope, &key(&n.id)),
                        other => self.value(other),
                    }
                }
            }
            Stmt::TypeAlias(t) => {
                if let Some(tp) = &t.type_params {
                    self.type_params(tp);
                }
                self.value(&t.value);
                if let Expr::Name(n) = &*t.name {
                    self.scopes.bind(self.scope, &key(&n.id), ValueSet::unknown());
                }
            }
            Stmt::Assign(a) => {
                let carries = matches!(a.targets.as_slice(), [Expr::Name(_)])
                    && self.c.needs_call_frames
                    && builds_text(&a.value);
                if carries {
                    self.capture = Some(Vec::new());
                }
                if let Expr::Name(n) = &*a.value
                    && a.targets.iter().any(is_exception_hook)
                {
                    self.hook_value = Some(n.range.start());
                }
                let mut v = self.expr_dict(&a.value);
                self.hook_value = None;
                self.flush(&mut v);
                let captured = if carries { self.capture.take() } else { None };
                self.assigning_lent = self.is_lent(&a.value);
                for t in &a.targets {
                    self.assign(t, Some(&v));
                }
                self.assigning_lent = false;
                if let (Some(captured), [Expr::Name(n)]) = (captured, a.targets.as_slice())
                    && !captured.is_empty()
                    && v.fold.is_none()
                {
                    self.name_texts.insert((self.scope, key(&n.id)), captured.into());
                }
                if let Expr::Lambda(l) = &*a.value {
                    for t in &a.targets {
                        if let Expr::Name(n) = t {
                            self.function_bits |= name_bit(&n.id);
                            let at = (l, self.scope);
                            self.named_lambdas.entry(key(&n.id)).or_default().push(at);
                        }
                    }
                }
            }
            Stmt::AugAssign(a) => {
                let mut v = self.expr(&a.value);
                self.flush(&mut v);
                match &*a.target {
                    Expr::Name(n) => {
                        let name = key(&n.id);
                        let cur = self.scopes.lookup(self.scope, &name, &mut self.interner);
                        let mut left = cur.single_const().cloned();
                        // `path += "\\Local Storage\\leveldb"`, `p /= "id_rsa"`: the path
                        // text run on or joined, as `path + ...` and `p / ...` make it.
                        let made = match a.op {
                            _ if left.is_some() => ValueSet::default(),
                            ast::Operator::Add => {
                                let mut made = ValueSet::default();
                                for path in crate::paths::concat(&cur, v.fold.as_ref(), &v.vals) {
                                    made.push(path);
                                }
                                made
                            }
                            ast::Operator::Div => {
                                crate::paths::divided(&cur, v.fold.as_ref(), &v.vals)
                            }
                            _ => ValueSet::default(),
                        };
                        let mut right = v.fold.take();
                        let folded = fold::binop(a.op, &mut left, &mut right, &mut self.budget);
                        let mut vals = match folded {
                            Some(c) if c.bindable() => ValueSet::one(Value::Const(c.share())),
                            _ if !made.is_empty() => made,
                            _ => ValueSet::unknown(),
                        };
                        // `parts += [socket.gethostname()]`, `body += env_text`: what either
                        // side carried for `derived_from` tests, the name still carries.
                        if !self.c.derived_origins.is_empty() {
                            for side in [&cur, &v.vals] {
                                if side.alts().iter().any(Value::may_carry) {
                                    vals.union(&side.passed_on(&self.c.derived_origins));
                                }
                            }
                        }
                        self.bind_name_as(&name, vals, true);
                    }
                    other => self.value(other),
                }
            }
            Stmt::AnnAssign(a) => {
                self.annotation(&a.annotation);
                if let Some(v) = &a.value {
                    let mut ev = self.expr_dict(v);
                    self.flush(&mut ev);
                    self.assign(&a.target, Some(&ev));
                } else if !matches!(&*a.target, Expr::Name(_)) {
                    self.value(&a.target);
                }
            }
            Stmt::For(f) => {
                let mut iter = self.expr_reading(&f.iter);
                self.flush(&mut iter);
                // An item of what a followed call returned (`for k, v in
                // os.environ.items()`) is reached from it, as a copy of it is.
                let mut each = self.elements(&iter).or_else(|| {
                    let carried = iter.vals.passed_on(&self.c.derived_origins);
                    (!carried.is_empty()).then_some(carried)
                });
                // `for m in sys.modules.values(): if m.__name__ == "posix": ...`
                if let Some(items) = &mut each
                    && items.alts().iter().any(is_loaded_item)
                {
                    let mut targets = Vec::new();
                    target_names(&f.target, &mut targets);
                    let mut tests = Vec::new();
                    collect_tests(&f.body, &mut tests);
                    *items = self.narrow_loaded(items, &targets, &tests);
                }
                // A name the loop binds holds an item in the body, whatever it held before (a
                // binding made in a branch only adds to what a name holds): what it held comes
                // back after the loop, which may not have run.
                let mut replaced = None;
                if let (Expr::Name(n), Some(items)) = (&*f.target, &mut each) {
                    let name = key(&n.id);
                    if let Some(before) = self.scopes.replaceable(self.scope, &name) {
                        self.scopes.bind(self.scope, &name, std::mem::take(items));
                        replaced = Some((name, before));
                    }
                }
                // So do the names of a tuple target (`for root, _, files in os.walk(d)`), each
                // its part of the item: a second loop's `root` is not also the first's.
                let mut replaced_parts = Vec::new();
                if replaced.is_none()
                    && let Expr::Tuple(ast::ExprTuple { elts, .. })
                    | Expr::List(ast::ExprList { elts, .. }) = &*f.target
                    && let Some(items) = &each
                {
                    replaced_parts = self.replace_loop_names(elts, items);
                }
                self.in_branch(|w| {
                    match (&*f.target, each) {
                        _ if replaced.is_some() || !replaced_parts.is_empty() => {}
                        (Expr::Name(n), Some(each)) => w.scopes.bind(w.scope, &key(&n.id), each),
                        (_, each) => w.assign(&f.target, each.map(Eval::of).as_ref()),
                    }
                    w.body(&f.body);
                    w.body(&f.orelse);
                    if let Some((name, before)) = replaced {
                        w.scopes.bind(w.scope, &name, before.unwrap_or_else(ValueSet::unbound));
                    }
                    for (name, before) in replaced_parts {
                        w.scopes.bind(w.scope, &name, before.unwrap_or_else(ValueSet::unbound));
                    }
                });
            }
            Stmt::While(wh) => {
                self.value_reading(&wh.test);
                let endless = always_true(&wh.test);
                self.in_branch(|w| {
                    if endless {
                        w.frames.push(Frame::EndlessLoop);
                    }
                    w.body(&wh.body);
                    if endless {
                        w.frames.pop();
                    }
                    w.body(&wh.orelse);
                });
            }
            Stmt::If(i) => {
                self.value_reading(&i.test);
                self.in_branch(|w| {
                    w.argv_guarded(&i.test, |w| w.tested_body(&i.test, &i.body));
                    for clause in &i.elif_else_clauses {
                        if let Some(t) = &clause.test {
                            w.value_reading(t);
                            w.argv_guarded(t, |w| w.tested_body(t, &clause.body));
                        } else if i.elif_else_clauses.len() == 1
                            && w.argv_tests_hold
                            && crate::commands::is_negated_maintainer_argv_test(&i.test)
                        {
                            // `if sys.argv[-1] != "publish": ... else: <the shortcut>`.
                            w.frames.push(Frame::MaintainerCommand);
                            w.body(&clause.body);
                            w.frames.pop();
                        } else {
                            w.body(&clause.body);
                        }
                    }
                });
            }
            Stmt::With(wi) => {
                for item in &wi.items {
                    let mut context = self.expr(&item.context_expr);
                    self.flush(&mut context);
                    // An object of a class of the file as the context manager: its
                    // `__enter__` and `__exit__` run here.
                    for alt in context.vals.alts() {
                        if let Value::Instance(scope) = alt {
                            self.implicit_methods(*scope, &["__enter__", "__exit__"]);
                        }
                    }
                    if let Some(v) = &item.optional_vars {
                        // What `__enter__` gives is not known, but for `derived_from` it
                        // comes from the context manager (`with socket.socket() as s`).
                        let mut entered = context.vals.derived(&self.c.derived_origins);
                        // A context manager that hands back what it wraps
                        // (`with contextlib.nullcontext(os) as m`), or itself (`with
                        // os.scandir(d) as it`, a listing, see `crate::paths`).
                        if context.vals.refers()
                            || context.vals.alts().iter().any(|v| matches!(v, Value::Entries(_)))
                        {
                            entered.union(&context.vals);
                        }
                        // An object of a library's class a pattern names methods of: its
                        // `__enter__` gives the object itself, as a connection's, a session's
                        // or a client's does (`with smtplib.SMTP(host) as s: s.sendmail(...)`
                        // is `smtplib.SMTP().sendmail`).
                        for alt in context.vals.alts() {
                            if let Value::Returned(q) = alt
                                && !self
                                    .c
                                    .instance_classes
                                    .leaves(q, &mut self.instance_memo)
                                    .is_empty()
                            {
                                entered.push(alt.clone());
                            }
                        }
                        if entered.is_empty() {
                            self.assign(v, None);
                        } else {
                            self.assign(v, Some(&Eval::of(entered)));
                        }
                    }
                }
                self.body(&wi.body);
            }
            Stmt::Match(m) => {
                let mut subject = self.expr(&m.subject);
                self.flush(&mut subject);
                self.in_branch(|w| {
                    for case in &m.cases {
                        w.pattern(&case.pattern);
                        // `case m:` and `case ... as m` bind the subject itself.
                        if let Pattern::MatchAs(ast::PatternMatchAs { name: Some(n), .. }) =
                            &case.pattern
                            && subject.vals.is_interesting()
                        {
                            w.bind_name(&key(&n.id), subject.binding());
                        }
                        // `case object(system=run):` binds `run` to the subject's attribute.
                        if subject.vals.is_interesting() {
                            w.class_pattern_captures(&case.pattern, &subject.vals);
                        }
                        if let Some(g) = &case.guard {
                            w.value(g);
                        }
                        w.body(&case.body);
                    }
                });
            }
            Stmt::Raise(r) => {
                if let Some(e) = &r.exc {
                    self.value(e);
                }
                if let Some(c) = &r.cause {
                    self.value(c);
                }
            }
            Stmt::Try(t) => {
                self.in_branch(|w| {
                    w.body(&t.body);
                    for h in &t.handlers {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        let caught = h.type_.as_ref().map(|ty| {
                            let mut ev = w.expr(ty);
                            w.flush(&mut ev);
                            ev.vals
                        });
                        w.handler_clause(h, caught.as_ref());
                        if let Some(n) = &h.name {
                            w.scopes.bind(w.scope, &key(&n.id), ValueSet::unknown());
                        }
                        w.body(&h.body);
                    }
                    w.body(&t.orelse);
                });
                self.body(&t.finalbody);
            }
            Stmt::Assert(a) => {
                self.frames.push(Frame::Assert);
                self.value(&a.test);
                self.frames.pop();
                if let Some(m) = &a.msg {
                    self.value(m);
                }
            }
            Stmt::Import(i) => {
                let installing = self.at_install_module_level();
                for alias in &i.names {
                    let module = key(&alias.name.id);
                    if installing {
                        self.note_module_run_at_install(&module);
                    }
                    self.import_of_saved(&module, alias.range, Some(""));
                    let module = crate::modules::canonical(&module);
                    let from = self.hits.len();
                    import::hits(self.c, &module, &mut self.interner, &mut self.hits);
                    self.settle(alias.range, None, from);
                    let (bound, target) = import_binding(alias);
                    let q = self.interner.intern(&target);
                    self.scopes.bind(self.scope, &bound, ValueSet::qual(q));
                }
            }
            Stmt::ImportFrom(i) => self.import_from(i),
            Stmt::Global(g) => {
                for n in &g.names {
                    self.scopes.declare_global(self.scope, &key(&n.id));
                    if !self.lent.is_empty() {
                        self.lent_globals.push(key(&n.id));
                    }
                }
            }
            Stmt::Nonlocal(n) => {
                for name in &n.names {
                    self.scopes.declare_nonlocal(self.scope, &key(&name.id));
                    if !self.lent.is_empty() {
                        self.lent_globals.push(key(&name.id));
                    }
                }
            }
            // A bare string statement (a docstring) is documentation, never data: string rules
            // do not read it. Code that runs one (`exec(__doc__)`) is reported where it runs.
            Stmt::Expr(e) if crate::spelled::stands_alone(s) => {
                let mut ev = self.expr(&e.value);
                self.supersede(&mut ev);
            }
            Stmt::Expr(e) => {
                self.kept_in_container(&e.value);
                self.value(&e.value);
            }
            Stmt::Pass(_) | Stmt::Break(_) | Stmt::Continue(_) | Stmt::IpyEscapeCommand(_) => {}
        }
    }

    fn import_from(&mut self, i: &'a ast::StmtImportFrom) {
        // `from pip._vendor.requests import post`, `from six.moves.urllib.request import
        // urlopen`: the module under its own name (see `crate::modules`).
        let module = i.module.as_ref().map(|m| key(&m.id)).unwrap_or_default();
        if i.level == 0 && self.at_install_module_level() {
            self.note_module_run_at_install(&module);
        }
        let module =
            if i.level == 0 { Name::new(crate::modules::canonical(&module)) } else { module };
        if i.level > 0 {
            self.relative_import = true;
            // Relative imports name the package's own modules: bound, never matched.
            let dots = ".".repeat(usize::try_from(i.level.min(64)).unwrap_or(1));
            // `from . import _plugin`, `from ._plugin import run`: a module beside this one.
            if i.level == 1 {
                if module.is_empty() {
                    for alias in &i.names {
                        self.import_of_saved(&alias.name.id, alias.range, Some("."));
                    }
                } else {
                    self.import_of_saved(&module, i.range, Some("."));
                }
            }
            for alias in &i.names {
                let name = key(&alias.name.id);
                if &*name == "*" {
                    continue;
                }
                let local = if module.is_empty() {
                    format!("{dots}{name}")
                } else {
                    format!("{dots}{module}.{name}")
                };
                let q = self.interner.intern(&local);
                let bound = alias.asname.as_ref().map_or_else(|| name.clone(), |a| key(&a.id));
                self.scopes.bind(self.scope, &bound, ValueSet::qual(q));
            }
            return;
        }
        self.import_of_saved(&module, i.range, Some(""));
        for alias in &i.names {
            let name = key(&alias.name.id);
            // `from pkg import _plugin`: the module `pkg._plugin`, when it is one.
            if &*name != "*" && !self.saved.is_empty() {
                self.import_of_saved(&format!("{module}.{name}"), alias.range, Some(""));
            }
            let from = self.hits.len();
            if &*name == "*" {
                import::hits(self.c, &module, &mut self.interner, &mut self.hits);
                self.settle(alias.range, None, from);
                let q = self.interner.intern(&module);
                // The star import may rebind any name bound before it: to the builtin again
                // (`exec = print` then `from builtins import *`), or to the module's own.
                if matches!(&*module, "builtins" | "__builtin__") {
                    self.scopes.weaken_all(self.scope);
                } else {
                    self.scopes.star_over_bound(self.scope, &q, &mut self.interner);
                }
                self.scopes.add_star(self.scope, q);
                continue;
            }
            let full = format!("{module}.{name}");
            let full = crate::modules::canonical(&full);
            import::hits(self.c, &full, &mut self.interner, &mut self.hits);
            self.settle(alias.range, None, from);
            let (bound, q) = self.imported_from_binding(&module, alias);
            // `from string import ascii_lowercase`, `from os import sep`: the constant.
            let vals = match (module_constant(&q), process_creation_flag(&q)) {
                (Some(c), _) => ValueSet::one(Value::Const(Const::Str(Text::Borrowed(c)))),
                (None, Some(flag)) => ValueSet::one(Value::Const(Const::Int(flag))),
                (None, None) => ValueSet::qual(q),
            };
            self.scopes.bind(self.scope, &bound, vals);
        }
    }

    /// What `from module import name [as bound]` binds (an absolute import): the local name
    /// and what it refers to, through `join` as an attribute (`from subprocess import os`
    /// binds the module `os`).
    fn imported_from_binding(&mut self, module: &str, alias: &ast::Alias) -> (Name, QName) {
        let name = key(&alias.name.id);
        let q = self.interner.join(module, &name).unwrap_or_else(|| {
            let full = format!("{module}.{name}");
            self.interner.intern(&full)
        });
        (imported_name(alias), q)
    }

    fn type_params(&mut self, tp: &'a ast::TypeParams) {
        for p in &tp.type_params {
            match p {
                ast::TypeParam::TypeVar(t) => {
                    if let Some(b) = &t.bound {
                        self.value(b);
                    }
                    if let Some(d) = &t.default {
                        self.value(d);
                    }
                }
                ast::TypeParam::TypeVarTuple(t) => {
                    if let Some(d) = &t.default {
                        self.value(d);
                    }
                }
                ast::TypeParam::ParamSpec(t) => {
                    if let Some(d) = &t.default {
                        self.value(d);
                    }
                }
            }
        }
    }

    /// An annotation made only of names, attributes, subscripts, `|` unions, tuples and
    /// literals names a type: nothing in it is called or used (`libc: ctypes.CDLL`), so it is
    /// not read. One that computes anything (a call, a lambda, a comprehension...) runs when
    /// the definition does, and is read like any expression.
    fn annotation(&mut self, a: &'a Expr) {
        if !names_a_type(a) {
            self.value(a);
        }
    }

    /// Defaults and annotations are evaluated where the function is defined.
    /// Walks a signature's annotations and defaults, and gives the defaults that are known
    /// (`def f(m=os, n="sys" + "tem")`): what those parameters may be.
    fn parameter_defaults(&mut self, p: &'a ast::Parameters) -> Vec<(Name, ValueSet<'a>)> {
        let mut given = Vec::new();
        for pd in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            if let Some(a) = &pd.parameter.annotation {
                self.annotation(a);
            }
            if let Some(d) = &pd.default {
                let mut ev = self.expr(d);
                self.flush(&mut ev);
                self.given(&key_str(&pd.parameter.name.id), ev.fold.as_ref(), pd.parameter.range);
                // As for a caller's arguments (see `give_arguments`): what refers, a string,
                // or a path whose text is known (`path=os.path.expanduser("~/.netrc")`).
                if ev.vals.refers()
                    || matches!(ev.fold, Some(Const::Str(_)))
                    || ev.vals.alts().iter().any(|v| matches!(v, Value::Path(_)))
                {
                    given.push((key(&pd.parameter.name.id), ev.binding()));
                }
            }
        }
        for v in [&p.vararg, &p.kwarg].into_iter().flatten() {
            if let Some(a) = &v.annotation {
                self.annotation(a);
            }
        }
        given
    }

    /// A lambda called where it is written (`(lambda m: m.system(c))(os)`): its parameters
    /// may be the call's arguments, given to the body's walk (still to come: bodies are walked
    /// once their enclosing scope is complete).
    fn lambda_called_here(
        &mut self,
        l: &'a ast::ExprLambda,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) {
        let Some(p) = &l.parameters else { return };
        let Some(d) = self
            .deferred
            .iter_mut()
            .rev()
            .find(|d| matches!(d.body, Body::Lambda(x) if std::ptr::eq(x, l)))
        else {
            return;
        };
        Self::give_arguments(&mut d.given, p, 0, pos, kws, &self.c.derived_origins);
    }

    /// The keys the dict `name` may hold, where it is handed on as `**name` in the
    /// function body being walked (see [`crate::spread`]); `None` when not known.
    fn spread_of(&mut self, name: &Name) -> Option<Spread> {
        let sb = self.spread_body.as_mut()?;
        if sb.scope != self.scope {
            return None;
        }
        let name = key(name);
        if let Some((_, known)) = sb.known.iter().find(|(n, _)| *n == name) {
            return known.clone();
        }
        let kwarg = sb.kwarg.as_ref() == Some(&name);
        // `dict(cwd=c)` is a display of its keywords only where `dict` is the builtin.
        let dict = self.scopes.lookup(sb.scope, "dict", &mut self.interner);
        let builtin_dict = !dict.unbound
            && dict.surely(|v| matches!(v, Value::Qual(q) if &**q == "builtins.dict"));
        let vars = self.scopes.lookup(sb.scope, "vars", &mut self.interner);
        let builtin_vars = !vars.unbound
            && vars.surely(|v| matches!(v, Value::Qual(q) if &**q == "builtins.vars"));
        let mut spread = spread::classify(sb.body, &name, kwarg, builtin_dict, builtin_vars);
        if kwarg && let Some(own) = spread.take() {
            let calls =
                self.file_calls.get_or_insert_with(|| spread::FileCalls::read(self.module_body));
            spread = calls.feed(&key(sb.function), own);
        }
        sb.known.push((name, spread.clone()));
        spread
    }

    /// Where `arg` (`buf`, `buf.getvalue()` or `buf.getbuffer()`) reads an in-memory buffer
    /// that the function body being walked made empty (`buf = io.BytesIO()`) and handed only
    /// to pickle writers and readers: the `dumps` whose result it holds (see
    /// [`crate::roundtrip`]). `None` anywhere else.
    fn pickle_buffer(&mut self, arg: &'a Expr) -> Option<QName> {
        let sb = self.spread_body.as_ref()?;
        if sb.scope != self.scope {
            return None;
        }
        let name = match arg {
            Expr::Name(n) => &n.id,
            Expr::Call(c) if c.arguments.is_empty() => match &*c.func {
                Expr::Attribute(a) if matches!(a.attr.id.as_str(), "getvalue" | "getbuffer") => {
                    match &*a.value {
                        Expr::Name(n) => &n.id,
                        _ => return None,
                    }
                }
                _ => return None,
            },
            _ => return None,
        };
        let name = key(name);
        let is_parameter = sb.parameters.iter().any(|p| key(&p.as_parameter().name.id) == name);
        if is_parameter {
            return None;
        }
        let buffer = crate::roundtrip::pickle_buffer(sb.body, &name)?;
        for maker in &buffer.makers {
            let q = self.plain_name(maker)?;
            if !matches!(&*q, "io.BytesIO" | "_io.BytesIO") {
                return None;
            }
        }
        self.round_trip_dumps(&buffer.handed_to, PICKLE_PATH_READERS)
    }

    /// The `dumps` whose result a buffer or file holds when every call it was handed to is a
    /// pickle writer (the last one's module: `pickle`, `dill`...), a pickle reader, or one of
    /// `also`; `None` when one is anything else, or not surely known.
    fn round_trip_dumps(&mut self, handed_to: &[&Expr], also: &[&str]) -> Option<QName> {
        let mut dumps = "pickle";
        for callee in handed_to {
            let q = self.plain_name(callee)?;
            if let Some((_, module)) = PICKLE_WRITERS.iter().find(|(w, _)| **w == *q) {
                dumps = module;
            } else if !PICKLE_LOADS.contains(&&*q)
                && !PICKLE_UNPICKLERS.contains(&&*q)
                && !also.contains(&&*q)
            {
                return None;
            }
        }
        Some(self.interner.intern(&format!("{dumps}.dumps")))
    }

    /// Refers to the globals a constant pickle names, at the call loading it.
    #[cold]
    fn constant_pickle(&mut self, data: &[u8]) {
        for global in crate::pickles::globals(data).unwrap_or_default() {
            let vals = ValueSet::one(Value::Qual(self.interner.intern(&global)));
            reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
        }
    }

    /// Where `arg` reads a file at a fresh temporary path that the function body being walked
    /// made (`tempfile`, or pytest's `tmp_path` and `tmpdir` in a test or fixture) and wrote
    /// only with pickle writers: the `dumps` whose result the file holds (see
    /// [`crate::roundtrip::temp_file`]). `None` anywhere else.
    fn temp_file(&mut self, arg: &'a Expr) -> Option<QName> {
        let sb = self.spread_body.as_ref()?;
        if sb.scope != self.scope {
            return None;
        }
        // pytest collects `test*` functions and gives fixtures (`@pytest.fixture`) theirs.
        let fixtures = sb.function.starts_with("test")
            || sb.decorators.iter().any(|d| {
                let f = match &d.expression {
                    Expr::Call(c) => &*c.func,
                    other => other,
                };
                matches!(f, Expr::Attribute(a) if a.attr.id.as_str() == "fixture")
                    || matches!(f, Expr::Name(n) if n.id.as_str() == "fixture")
            });
        let files = crate::roundtrip::temp_file(sb.body, sb.parameters, fixtures, arg)?;
        for maker in &files.makers {
            let q = self.plain_name(maker)?;
            if !TEMP_MAKERS.contains(&&*q) {
                return None;
            }
        }
        for builder in &files.builders {
            let q = self.plain_name(builder)?;
            if !PATH_BUILDERS.contains(&&*q) {
                return None;
            }
        }
        for opener in &files.openers {
            let q = self.plain_name(opener)?;
            if !matches!(&*q, "builtins.open" | "io.open") {
                return None;
            }
        }
        self.round_trip_dumps(&files.handed_to, TEMP_FILE_USERS)
    }

    /// The qualified name a plain name or attribute path surely stands for where the walk is
    /// (`pickle.dump` after `import pickle`, `BytesIO` after `from io import BytesIO`).
    fn plain_name(&mut self, e: &Expr) -> Option<QName> {
        match e {
            Expr::Name(n) => {
                let vals = self.scopes.lookup(self.scope, &key(&n.id), &mut self.interner);
                match vals.alts() {
                    [Value::Qual(q)] if !vals.unbound => Some(q.clone()),
                    _ => None,
                }
            }
            Expr::Attribute(a) => {
                let base = self.plain_name(&a.value)?;
                Some(self.interner.intern(&format!("{base}.{}", key_str(&a.attr.id))))
            }
            _ => None,
        }
    }

    /// A function of the file called by its name (`call(os, "system")` after `def call(mod,
    /// name)`) before its body was walked: its parameters may be the call's arguments. Every
    /// function of that name whose `def` the calling scope can see is given them (which of
    /// them the name is bound to is not followed; giving more values only adds what a
    /// parameter may be).
    fn function_called_here(&mut self, name: &Name, pos: &[Eval<'a>], kws: &[(Name, Eval<'a>)]) {
        // Most calls are of builtins and imported names: ruled out by a bit before hashing.
        if self.function_bits & name_bit(name) == 0 || !self.functions.contains_key(name) {
            return;
        }
        let scope = self.scope;
        self.hand_arguments(name, pos, kws, Rewalk::Any, |scopes, p| {
            scopes.sees(scope, p.outer, None).then_some(0)
        });
    }

    /// A method of a class of the file called through an object of the class (`obj.set(os)`,
    /// `self.set(os)` in another method, `Runner(os)` for `__init__`) or through the class
    /// (`Runner.set(obj, os)`): its parameters may be the call's arguments, past `self` where
    /// the call binds it. The method is looked up in the class and the file's classes it
    /// derives from.
    /// Only arguments that refer (a module, a function) or hold a value `derived_from`
    /// follows are given, but with `strings`, which
    /// a class's keywords for `__init_subclass__` are (`backend="os"`): calls between
    /// methods passing strings are many.
    fn method_called_here(
        &mut self,
        class: u32,
        through_instance: bool,
        name: &Name,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
        strings: bool,
    ) {
        // Methods are not walked in a caller's context, so a call giving nothing worth it is
        // nothing, unless it runs at import time (`Beacon().send()` at a `setup.py`'s top
        // level): the method's body then runs at import time too.
        let origins = &self.c.derived_origins;
        let worth = |e: &Eval<'a>| {
            e.vals.refers()
                || (strings && matches!(e.fold, Some(Const::Str(_))))
                || argument_is_followed(e, origins)
        };
        let at_import = self.at_import();
        // The name tests first: most method calls are of no function of the file, and asking
        // whether an argument is followed looks its origins up.
        if self.function_bits & name_bit(name) == 0
            || !self.functions.contains_key(name)
            || !(at_import || pos.iter().chain(kws.iter().map(|(_, e)| e)).any(worth))
        {
            return;
        }
        let chain = self.scopes.class_chain(class);
        if at_import {
            self.method_called_at_import(name, &chain, false);
        }
        self.hand_arguments(name, pos, kws, Rewalk::ForFollowed, |_, p| {
            if !chain.contains(&p.outer) {
                return None;
            }
            Some(match decorated(p.def) {
                Some(Decorated::Static) => 0,
                Some(Decorated::Class) => 1,
                _ if through_instance => 1,
                _ => 0,
            })
        });
    }

    /// Methods Python runs by itself on an object of class scope `class` (or on the class, for
    /// a metaclass's), given nothing the walker follows: `__enter__` and `__exit__` of a
    /// `with`, `__del__`, a metaclass's `__new__`. Only where that happens at import time does
    /// it change anything (see [`Self::method_called_here`]).
    fn implicit_methods(&mut self, class: u32, names: &[&'static str]) {
        if !self.at_import() {
            return;
        }
        for name in names {
            self.method_called_here(class, true, &Name::new_static(name), &[], &[], false);
        }
    }

    /// A method of a class in `chain` (a class and its bases of the file) called at import
    /// time, not walked yet: its body is walked at import time, in its own class's frames
    /// (so that a command class's method keeps its class), as a function called there is.
    fn method_called_at_import(&mut self, name: &Name, chain: &[u32], by_entry: bool) {
        // Called from code an entry file runs, it runs for that entry file too.
        let by_entry = by_entry
            || (self.entry_name.is_some()
                && self.frames.iter().any(|f| matches!(f, Frame::CalledByEntry)));
        let Some(list) = self.functions.get_mut(name) else { return };
        for p in list.iter_mut() {
            if p.walked || p.site.is_some() || !chain.contains(&p.outer) {
                continue;
            }
            // The frames of its `def` without its own function frame: walked in
            // `frames_called_from` it gets that frame back, followed by the import-time mark.
            let mut site = p.frames.clone();
            site.pop();
            if by_entry {
                site.insert(0, Frame::CalledByEntry);
            }
            site.push(Frame::CalledAtImport);
            p.site = Some(site);
        }
    }

    /// Gives a call's arguments to the functions of that name `which` accepts (with how many
    /// leading parameters the call binds itself), and walks again, once for each reason
    /// `rewalk` allows, a body already walked when the call hands it a module or function,
    /// reaches it in a tested context, hands it a value `derived_from` follows or a path of
    /// many files. (Methods are walked again for a followed value only: calls between
    /// methods are many, and walking a method again for each argument that refers cost more
    /// than it found.)
    fn hand_arguments(
        &mut self,
        name: &Name,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
        rewalk: Rewalk,
        which: impl Fn(&Scopes<'a>, &Unwalked<'a>) -> Option<usize>,
    ) {
        let followed_only = rewalk == Rewalk::ForFollowed;
        let rewalk = rewalk == Rewalk::Any;
        // The caller's context is looked at only for a function that has no site yet (never
        // for a method, which is walked again for a followed value only, in its own context).
        let unsited =
            rewalk && self.functions.get(name).is_some_and(|l| l.iter().any(|p| p.site.is_none()));
        let here = if unsited { self.tested_context() } else { None };
        let Some(list) = self.functions.get_mut(name) else { return };
        for p in list.iter_mut() {
            let Some(skip) = which(&self.scopes, p) else { continue };
            // A module or function handed to a body already walked (`run(os, "system")`
            // inside a function defined after `run`) has it walked again, once, with it.
            // So does a value `derived_from` follows (`send(dict(os.environ))`), once more of
            // its own: that walk, in the function's own context, does not take the place of
            // the one a caller's context (a site) asks for.
            let origins = &self.c.derived_origins;
            let args = || pos.iter().chain(kws.iter().map(|(_, e)| e));
            let refers = args().any(|e| e.vals.refers());
            let again_for_arguments = rewalk && p.walked && refers;
            // Again for each call that hands it a followed value it was not given yet (a
            // helper handed a harmless text, then a token, then a key file), a few times.
            let again_for_followed = (rewalk || followed_only)
                && p.walked
                && !refers
                && p.followed_rewalks < MAX_FOLLOWED_REWALKS
                && args().any(|e| argument_is_followed(e, origins))
                && (p.followed_rewalks == 0 || hands_new_origin(&p.given, args(), origins));
            // So does a path that names every file of a walk or a listing, or one in the home
            // directory (`encrypt(os.path.join(root, name))` in a loop over `os.walk(home)`,
            // with `encrypt` defined above): what the body opens, writes or removes there is
            // judged at that path.
            let again_for_paths = rewalk
                && p.walked
                && !refers
                && !again_for_followed
                && !p.rewalked_for_paths
                && args().any(|e| e.vals.alts().iter().any(names_many_or_home));
            if !p.walked || again_for_arguments || again_for_followed || again_for_paths {
                Self::give_arguments(&mut p.given, &p.def.parameters, skip, pos, kws, origins);
            }
            let new_site = matches!((&p.site, &here), (None, Some(_)));
            if new_site {
                p.site.clone_from(&here);
            }
            let again = if rewalk && p.walked && !p.rewalked && (new_site || again_for_arguments) {
                p.rewalked = true;
                true
            } else if again_for_followed {
                p.followed_rewalks += 1;
                true
            } else if again_for_paths {
                p.rewalked_for_paths = true;
                true
            } else {
                false
            };
            if again {
                // Its body was walked before this call was met (a helper defined above the
                // class whose method calls it, or above the function that hands it a
                // module): walked again, in the caller's context and with its arguments.
                let scope = self.scopes.push(ScopeKind::Function, Some(p.outer));
                self.deferred.push_back(Deferred {
                    body: Body::Function(p.def),
                    scope,
                    frames: p.frames.clone(),
                    depth: p.depth,
                    origin: p.origin,
                    given: Vec::new(),
                });
            }
        }
    }

    /// The methods of the file's classes a call reaches: `__init__` of a class called, a
    /// method called on an object of a class or on the class, and `self.name(...)` in a method
    /// of a class that defines `name`.
    fn methods_called_here(
        &mut self,
        callee: &Eval<'a>,
        recv: Option<&Eval<'a>>,
        method: Option<&Name>,
        func: &Expr,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) {
        if self.functions.is_empty() {
            return;
        }
        let init = Name::new_static("__init__");
        for alt in callee.vals.alts() {
            match alt {
                // Making an object runs `__new__` and `__init__` with the call's arguments,
                // and later `__del__`.
                Value::Class { scope, .. } => {
                    self.method_called_here(*scope, true, &init, pos, kws, false);
                    let new = Name::new_static("__new__");
                    self.method_called_here(*scope, true, &new, pos, kws, false);
                    self.implicit_methods(*scope, &["__del__"]);
                }
                // Calling an object runs its class's `__call__`.
                Value::Instance(scope) => {
                    let call = Name::new_static("__call__");
                    self.method_called_here(*scope, true, &call, pos, kws, false);
                }
                _ => {}
            }
        }
        let (Some(recv), Some(method)) = (recv, method) else { return };
        let mut through_object = false;
        for alt in recv.vals.alts() {
            match alt {
                Value::Instance(scope) => {
                    through_object = true;
                    self.method_called_here(*scope, true, method, pos, kws, false);
                }
                Value::Class { scope, .. } => {
                    through_object = true;
                    self.method_called_here(*scope, false, method, pos, kws, false);
                }
                _ => {}
            }
        }
        // `self.set(os)` in a method: the object is the class's, as for `self.x` reads.
        if !through_object
            && let Expr::Attribute(a) = func
            && matches!(&*a.value, Expr::Name(_))
        {
            self.own_method_called(method, pos, kws);
        }
    }

    /// `self.name(...)` in a method (or `self.name` handed on to be called): the method of
    /// the class whose attributes `self.x` reads name, given the arguments.
    fn own_method_called(&mut self, name: &Name, pos: &[Eval<'a>], kws: &[(Name, Eval<'a>)]) {
        if self.scope == MODULE {
            return;
        }
        let owner = self.slot_owner();
        if owner != MODULE {
            self.method_called_here(owner, true, name, pos, kws, false);
        }
    }

    /// Whether the node being walked runs at import time and some rule tests that (see
    /// `matchers::runs_at_import`).
    fn at_import(&self) -> bool {
        self.import_time_tested && crate::matchers::runs_at_import(&self.frames)
    }

    /// The frames of the node being walked, when they make a context some rule tests: at
    /// import time (for `module_level`), or in a method of a class a `class_base` names.
    /// Without the calls whose arguments the node is in: a body called is in none of them.
    fn tested_context(&self) -> Option<Vec<Frame<'a>>> {
        let at_import = self.at_import();
        let in_class = !self.c.context_classes.is_empty()
            && self.frames.iter().any(|f| match f {
                Frame::Class(bases) => bases.iter().any(|b| self.c.context_classes.matches(b)),
                _ => false,
            });
        (at_import || in_class).then(|| {
            let mut frames: Vec<Frame<'a>> =
                self.frames.iter().filter(|f| !matches!(f, Frame::Call(..))).cloned().collect();
            if at_import {
                frames.push(Frame::CalledAtImport);
            }
            bounded_frames(frames)
        })
    }

    /// The frames a function's body is walked in when a call in a tested context reaches it.
    fn frames_called_from(site: &[Frame<'a>], f: &ast::StmtFunctionDef) -> Vec<Frame<'a>> {
        let at_import = matches!(site.last(), Some(Frame::CalledAtImport));
        let mut frames: Vec<Frame<'a>> =
            site.iter().filter(|f| !matches!(f, Frame::CalledAtImport)).cloned().collect();
        frames.push(Frame::Function(key(&f.name.id)));
        if at_import {
            frames.push(Frame::CalledAtImport);
        }
        bounded_frames(frames)
    }

    /// The names an `import` statement binds and what each is bound to (a relative import
    /// binds nothing here).
    fn bound_by_import(&mut self, s: &Stmt, out: &mut SmallVec<[(Name, QName); 2]>) {
        match s {
            Stmt::Import(i) => {
                for alias in &i.names {
                    let (bound, target) = import_binding(alias);
                    out.push((bound, self.interner.intern(&target)));
                }
            }
            Stmt::ImportFrom(i) if i.level == 0 => {
                if let Some(module) = &i.module {
                    let module = crate::modules::canonical(&key(&module.id)).into_owned();
                    for alias in &i.names {
                        out.push(self.imported_from_binding(&module, alias));
                    }
                }
            }
            _ => {}
        }
    }

    /// The module (or an object of one) a function or method returns with its last
    /// statement, read without walking the body: a name the body imports at its top level
    /// (`def impl(self): import os; return os`), a name of an enclosing scope the body does
    /// not bind, `__import__` or `importlib.import_module` of a name that folds, an entry of
    /// `sys.modules`, and attributes of those. Decorators other than `staticmethod`,
    /// `classmethod`, `property` and the `functools` caches may return anything, so a function
    /// with one gives nothing known; a `property` gives its value where it is read.
    fn returned_module(
        &mut self,
        f: &'a ast::StmtFunctionDef,
    ) -> Option<(ValueSet<'a>, Decorated)> {
        let decorated = decorated(f)?;
        if f.is_async {
            return None;
        }
        let (Stmt::Return(ast::StmtReturn { value: Some(value), .. }), before) =
            f.body.split_last()?
        else {
            return None;
        };
        let mut imported: SmallVec<[(Name, QName); 2]> = SmallVec::new();
        for s in before {
            self.bound_by_import(s, &mut imported);
        }
        let quals = self.quiet_module(value, f, &imported, 0);
        if quals.is_empty() {
            return None;
        }
        let mut out = ValueSet::default();
        for q in quals {
            out.push(Value::Qual(q));
        }
        Some((out, decorated))
    }

    /// The modules and objects of modules `e` may be in the body of `f`, read without walking
    /// (see [`Self::returned_module`]); empty when it may be anything else.
    fn quiet_module(
        &mut self,
        e: &'a Expr,
        f: &ast::StmtFunctionDef,
        imported: &[(Name, QName)],
        depth: u32,
    ) -> SmallVec<[QName; 2]> {
        let mut out: SmallVec<[QName; 2]> = SmallVec::new();
        if depth > 16 {
            return out;
        }
        match e {
            Expr::Name(n) => {
                let name = key(&n.id);
                if let Some((_, q)) = imported.iter().rev().find(|(b, _)| *b == name) {
                    out.push(q.clone());
                    return out;
                }
                // Free in the body: looked up where the function is defined, past the class
                // bodies a method does not see (and only then looked for among the body's
                // own bindings, the longer search).
                let mut scope = self.scope;
                while self.scopes.kind(scope) == ScopeKind::Class {
                    match self.scopes.parent(scope) {
                        Some(p) => scope = p,
                        None => break,
                    }
                }
                let found = self.scopes.lookup(scope, &name, &mut self.interner);
                if found.quals().next().is_some() && !binds_locally(f, &name) {
                    out.extend(found.quals().take(crate::value::MAX_ALTERNATIVES).cloned());
                }
            }
            Expr::Attribute(a) => {
                for base in self.quiet_module(&a.value, f, imported, depth + 1) {
                    if let Some(q) = self.interner.join(&base, &a.attr.id) {
                        out.push(q);
                    }
                }
            }
            Expr::Call(c) => {
                let Some(arg) = c.arguments.args.first() else { return out };
                // Known by the name written before anything is looked up: most calls are of
                // other functions.
                let written = match &*c.func {
                    Expr::Name(n) => n.id.as_str(),
                    Expr::Attribute(a) => a.attr.id.as_str(),
                    _ => return out,
                };
                if !matches!(written, "__import__" | "import_module") {
                    return out;
                }
                let callee = self.quiet_module(&c.func, f, imported, depth + 1);
                if !callee.iter().any(|q| {
                    matches!(
                        &**q,
                        "builtins.__import__" | "importlib.__import__" | "importlib.import_module"
                    )
                }) {
                    return out;
                }
                let Some(Const::Str(named)) = self.fold_pure(arg, &[], 0) else {
                    return out;
                };
                let named = named.as_str();
                if !is_dotted_name(named) || named.len() > crate::value::MAX_QUAL_LEN {
                    return out;
                }
                for q in callee {
                    match &*q {
                        "builtins.__import__" | "importlib.__import__" => {
                            let top = named.split('.').next().unwrap_or(named);
                            out.push(self.interner.intern(top));
                        }
                        "importlib.import_module" => out.push(self.interner.intern(named)),
                        _ => {}
                    }
                }
            }
            Expr::Subscript(s) => {
                if !matches!(&*s.value, Expr::Attribute(a) if a.attr.id.as_str() == "modules") {
                    return out;
                }
                let base = self.quiet_module(&s.value, f, imported, depth + 1);
                if base.iter().any(|q| &**q == "sys.modules")
                    && let Some(Const::Str(named)) = self.fold_pure(&s.slice, &[], 0)
                    && is_dotted_name(named.as_str())
                    && named.as_str().len() <= crate::value::MAX_QUAL_LEN
                {
                    out.push(self.interner.intern(named.as_str()));
                }
            }
            _ => {}
        }
        out
    }

    /// What the methods of class scope `class` store on their object at the top level of a
    /// method's body that is a module read without walking (see [`Self::quiet_module`]): a
    /// name the method imports (`import os` then `self.mod = os`), `__import__` or
    /// `import_module` of a name that folds, an entry of `sys.modules`. Known to every method
    /// before any is walked, so a method written before the one that stores reads it too.
    fn self_stores(&mut self, class: u32, body: &'a [Stmt]) {
        for s in body {
            let Stmt::FunctionDef(f) = s else { continue };
            if decorated(f) == Some(Decorated::Static) {
                continue;
            }
            let p = &f.parameters;
            let Some(first) = p.posonlyargs.iter().chain(&p.args).next() else { continue };
            let this = key(&first.parameter.name.id);
            let mut imported: SmallVec<[(Name, QName); 2]> = SmallVec::new();
            for st in &f.body {
                match st {
                    Stmt::Import(_) | Stmt::ImportFrom(_) => {
                        self.bound_by_import(st, &mut imported);
                    }
                    Stmt::Assign(a) => {
                        for t in &a.targets {
                            if let Expr::Attribute(at) = t
                                && let Expr::Name(n) = &*at.value
                                && key(&n.id) == this
                                && match &*a.value {
                                    Expr::Name(v) => imported.iter().any(|(b, _)| *b == v.id),
                                    Expr::Call(_) | Expr::Subscript(_) => true,
                                    _ => false,
                                }
                            {
                                let quals = self.quiet_module(&a.value, f, &imported, 0);
                                if quals.is_empty() {
                                    continue;
                                }
                                let mut vals = ValueSet::default();
                                for q in quals {
                                    vals.push(Value::Qual(q));
                                }
                                self.add_attr_slot(class, this.clone(), key(&at.attr.id), &vals);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// What a call of `f` gives when its last statement returns something reached from a
    /// call of a function `derived_from` tests follow (`def fetch(u): return
    /// urlopen(u).read()`), or returns a local name given such a value at the top level of its
    /// body, or something reached from it (`s = socket.socket(); s.connect(a); return s`,
    /// `r = urlopen(u); return r.read()`): a value derived from that call,
    /// as if the caller had made it. The callee is resolved where `f` is defined (imports at
    /// module level), without walking.
    fn returns_derived(&mut self, f: &ast::StmtFunctionDef) -> Option<ValueSet<'a>> {
        if !self.c.needs_returned {
            return None;
        }
        let Some((value, before)) = returned_at_end(f) else { return self.yields_carried(f) };
        if let Some(found) = self.chain_derived(Locals::Def(f), value) {
            return Some(found);
        }
        // `s = socket.socket(); s.connect(addr); return s` (or `return s.makefile()`): a local
        // name the body gives such a value at its top level before returning it or something
        // reached from it (one path is enough for `derived_from`).
        let mut root: &Expr = value;
        for _ in 0..64 {
            root = match root {
                Expr::Attribute(a) => &a.value,
                Expr::Subscript(s) => &s.value,
                Expr::Call(c) => &c.func,
                _ => break,
            };
        }
        let Expr::Name(n) = root else { return self.returns_carried(f, value) };
        if is_parameter(&f.parameters, &n.id) {
            return None;
        }
        let is = |id: &Name| key(id) == key(&n.id);
        for st in before.iter().rev() {
            if let Stmt::Assign(a) = st
                && let [Expr::Name(t)] = a.targets.as_slice()
                && is(&t.id)
                && let Some(found) = self.chain_derived(Locals::Def(f), &a.value)
            {
                return Some(found);
            }
        }
        self.returns_carried(f, value)
    }

    /// What a function's returned value carries from a followed call made in its body, read
    /// without walking it: a display, text or encoding the `return` builds of one (`return
    /// {"host": socket.gethostname()}`, `return f"{getuser()}@{node()}"`), or a local name the
    /// body fills with one anywhere, in branches and loops too (`out[key] = getuser()`,
    /// `parts.append(node())`, `info = {...}`). Biased toward flagging, as `derived_from` is:
    /// one such value is enough, whatever the body does with the name after it.
    fn returns_carried(&mut self, f: &ast::StmtFunctionDef, value: &Expr) -> Option<ValueSet<'a>> {
        if let Some(found) = self.carried_by(Locals::Def(f), value, 0) {
            return Some(found);
        }
        let Expr::Name(n) = value else { return None };
        let mut filled: Vec<&Expr> = Vec::new();
        let mut budget = MAX_FILLING_STATEMENTS;
        filling_values(&f.body, &key(&n.id), &mut filled, &mut budget);
        if let Some(found) = filled.iter().find_map(|e| self.carried_by(Locals::Def(f), e, 0)) {
            return Some(found);
        }
        // Filled with values made of a loop's target over one (`for item in
        // collection.get_all_items(): out.append({"secret": item.get_secret()})`), as a
        // generator's items are (see `yields_carried`).
        if filled.is_empty() {
            return None;
        }
        let mut found = GeneratorItems::default();
        let mut budget = MAX_FILLING_STATEMENTS;
        generator_items(&f.body, &mut found, &mut budget);
        filled.into_iter().find_map(|item| self.carried_by_loop_target(f, item, &found.loops))
    }

    /// What `item`, made of the target of one of `loops` (`for item in coll.get_all_items()`),
    /// carries from that loop's iterable.
    fn carried_by_loop_target(
        &mut self,
        f: &ast::StmtFunctionDef,
        item: &Expr,
        loops: &[(&Expr, &Expr)],
    ) -> Option<ValueSet<'a>> {
        let names = NamesIn::of(item);
        for (target, iter) in loops {
            if NamesIn::of(target).iter().any(|b| names.contains(b))
                && let Some(carried) = self.carried_by(Locals::Def(f), iter, 0)
            {
                return Some(carried);
            }
        }
        None
    }

    /// What a generator function's items carry from a followed call, read without walking it:
    /// a `yield` of something [`Self::carried_by`] finds (`yield {"host": gethostname()}`),
    /// `yield from` one, or a `yield` of a value made of a loop's target over one (`for k, v in
    /// os.environ.items(): yield f"{k}={v}".encode()`). Iterating its call gives them (`for rec
    /// in records(): sock.sendall(rec)`). Undecorated, `async` or not.
    fn yields_carried(&mut self, f: &ast::StmtFunctionDef) -> Option<ValueSet<'a>> {
        if !f.decorator_list.is_empty() {
            return None;
        }
        let mut found = GeneratorItems::default();
        let mut budget = MAX_FILLING_STATEMENTS;
        generator_items(&f.body, &mut found, &mut budget);
        for from in found.delegated {
            if let Some(carried) = self.carried_by(Locals::Def(f), from, 0) {
                return Some(carried);
            }
        }
        for item in found.yielded {
            if let Some(carried) = self.carried_by(Locals::Def(f), item, 0) {
                return Some(carried);
            }
            if let Some(carried) = self.carried_by_loop_target(f, item, &found.loops) {
                return Some(carried);
            }
        }
        None
    }

    /// What `e`, written in `f`, carries from a followed call, as the walker would find it:
    /// a chain rooted at such a call, or a display, f-string, `+` or `%`, copy or encoding
    /// ([`COPYING_CALLS`], [`ENCODING_CALLS`], a constant's `join` or `format`) made of one.
    fn carried_by(&mut self, f: Locals<'_>, e: &Expr, depth: u8) -> Option<ValueSet<'a>> {
        if depth > 8 {
            return None;
        }
        match e {
            Expr::Call(c) => self.chain_derived(f, e).or_else(|| {
                let copies = match &*c.func {
                    Expr::Attribute(m) if matches!(m.attr.id.as_str(), "join" | "format") => {
                        matches!(&*m.value, Expr::StringLiteral(_) | Expr::BytesLiteral(_))
                    }
                    func => self.quiet_quals(func).iter().any(|q| passes_arguments_on(q)),
                };
                if copies {
                    self.carried_by_any(f, spread::argument_values(&c.arguments), depth)
                } else if let Expr::Attribute(m) = &*c.func {
                    // A method of a value that carries one (`json.dumps(env).encode()`), as
                    // what is reached from a followed value by a method call is.
                    self.carried_by(f, &m.value, depth + 1)
                } else {
                    None
                }
            }),
            Expr::Attribute(_) => self.chain_derived(f, e).or_else(|| self.origin_object(f, e)),
            Expr::Name(n) if !f.binds(&n.id) => self.origin_object(f, e),
            Expr::Subscript(_) => self.chain_derived(f, e),
            Expr::Dict(d) => self.carried_by_any(f, d.items.iter().map(|item| &item.value), depth),
            Expr::List(l) => self.carried_by_any(f, &l.elts, depth),
            Expr::Tuple(t) => self.carried_by_any(f, &t.elts, depth),
            Expr::Set(t) => self.carried_by_any(f, &t.elts, depth),
            // A comprehension over one (`{k: v for k, v in os.environ.items() if ...}`): what
            // it iterates, or what each item is made of.
            Expr::DictComp(d) => self.carried_by_any(
                f,
                d.generators.iter().map(|g| &g.iter).chain(d.key.as_deref()).chain([&*d.value]),
                depth,
            ),
            Expr::ListComp(l) => {
                self.carried_by_any(f, l.generators.iter().map(|g| &g.iter).chain([&*l.elt]), depth)
            }
            Expr::SetComp(l) => {
                self.carried_by_any(f, l.generators.iter().map(|g| &g.iter).chain([&*l.elt]), depth)
            }
            Expr::Generator(l) => {
                self.carried_by_any(f, l.generators.iter().map(|g| &g.iter).chain([&*l.elt]), depth)
            }
            Expr::BinOp(b) => self.carried_by_any(f, [&*b.left, &*b.right], depth),
            Expr::FString(fs) => {
                let mut parts: Vec<&Expr> = Vec::new();
                for part in fs.value.iter() {
                    if let FStringPart::FString(f) = part {
                        for el in f.elements.iter() {
                            if let InterpolatedStringElement::Interpolation(i) = el {
                                parts.push(&i.expression);
                            }
                        }
                    }
                }
                self.carried_by_any(f, parts, depth)
            }
            _ => None,
        }
    }

    /// An object a `derived_from` test names itself, which no call made (`os.environ`,
    /// `environ` imported from `os`), written in `f` but not one of its own names: it is
    /// carried as [`ValueSet::passed_on`] carries it where the walker meets it.
    fn origin_object(&mut self, f: Locals<'_>, e: &Expr) -> Option<ValueSet<'a>> {
        let mut root = e;
        while let Expr::Attribute(a) = root {
            root = &a.value;
        }
        if let Expr::Name(n) = root
            && f.binds(&n.id)
        {
            let q = self.locally_imported(f, e).filter(|q| self.c.derived_origins.matches(q))?;
            return Some(ValueSet::one(Value::From(q)));
        }
        let q = self.quiet_quals(e).into_iter().find(|q| self.c.derived_origins.matches(q))?;
        Some(ValueSet::one(Value::From(q)))
    }

    /// The qualified name of a dotted expression (`urllib.request.urlopen`, `environ`) whose
    /// root the function `f` binds only by imports at the top level of its body (`import
    /// urllib.request`, `from os import environ`): a module loaded late, inside the function
    /// that uses it, as the module-level import would give it. `None` when the name is also a
    /// parameter or bound otherwise, or the expression is no dotted name.
    fn locally_imported(&mut self, f: Locals<'_>, e: &Expr) -> Option<QName> {
        let Locals::Def(def) = f else { return None };
        let mut attrs: SmallVec<[&str; 4]> = SmallVec::new();
        let mut root = e;
        while let Expr::Attribute(a) = root {
            attrs.push(a.attr.id.as_str());
            root = &a.value;
        }
        let Expr::Name(n) = root else { return None };
        if is_parameter(&def.parameters, &n.id) {
            return None;
        }
        let name = key(&n.id);
        let mut target: Option<QName> = None;
        for st in &def.body {
            let mut bound: SmallVec<[(Name, QName); 2]> = SmallVec::new();
            match st {
                Stmt::Import(_) | Stmt::ImportFrom(_) => self.bound_by_import(st, &mut bound),
                Stmt::Assign(a)
                    if a.targets
                        .iter()
                        .any(|t| matches!(t, Expr::Name(t) if key(&t.id) == name)) =>
                {
                    return None;
                }
                Stmt::FunctionDef(d) if key(&d.name.id) == name => return None,
                _ => {}
            }
            for (b, q) in bound {
                if b == name {
                    // Two different imports of one name: which is meant depends on the path.
                    if target.as_ref().is_some_and(|t| t.as_ref() != q.as_ref()) {
                        return None;
                    }
                    target = Some(q);
                }
            }
        }
        let mut full = target?.to_string();
        for attr in attrs.iter().rev() {
            full.push('.');
            full.push_str(attr);
        }
        Some(self.interner.intern(&full))
    }

    /// The first of `parts` that [`Self::carried_by`] finds something in.
    fn carried_by_any<'e>(
        &mut self,
        f: Locals<'_>,
        parts: impl IntoIterator<Item = &'e Expr>,
        depth: u8,
    ) -> Option<ValueSet<'a>> {
        // Every part's, not the first found: `{"h": gethostname(), "keys": {... os.environ
        // ...}}` carries the host's name and the environment, which different rules test.
        let mut out: Option<ValueSet<'a>> = None;
        for p in parts {
            if let Some(found) = self.carried_by(f, p, depth + 1) {
                match &mut out {
                    Some(all) => all.union(&found),
                    None => out = Some(found),
                }
            }
        }
        out
    }

    /// The origin of a chain of calls, attributes and subscripts (`net.open(a).read()`) rooted
    /// at a call of a function `derived_from` tests follow, resolved where `f` is defined.
    fn chain_derived(&mut self, f: Locals<'_>, value: &Expr) -> Option<ValueSet<'a>> {
        // Bounded, as a chain of calls and attributes may be as long as a file.
        let mut e: &Expr = value;
        for _ in 0..64 {
            e = match e {
                Expr::Attribute(a) => &a.value,
                Expr::Subscript(s) => &s.value,
                Expr::Call(c) => {
                    // A name the function binds itself (a parameter, a local) is not the
                    // module-level one `quiet_quals` would find.
                    let mut root: &Expr = &c.func;
                    while let Expr::Attribute(a) = root {
                        root = &a.value;
                    }
                    let own = match root {
                        Expr::Name(n) => f.binds(&n.id),
                        // `__import__("base64").b64decode(...)`: a module named by a literal.
                        Expr::Call(_) => false,
                        _ => true,
                    };
                    if !own
                        && let Some(q) = self
                            .quiet_quals(&c.func)
                            .into_iter()
                            .find(|q| self.c.derived_origins.matches(q))
                    {
                        return Some(ValueSet::one(Value::From(q)));
                    }
                    // A module the function imports itself (`import urllib.request` or `from
                    // urllib.request import urlopen` in its body, to load it late).
                    if own
                        && let Some(q) = self.locally_imported(f, &c.func)
                        && self.c.derived_origins.matches(&q)
                    {
                        return Some(ValueSet::one(Value::From(q)));
                    }
                    // A lambda the function binds to a local and calls (`unz = lambda b:
                    // zlib.decompress(b)`, then `return unz(b64d(s)).decode()`): what its body
                    // gives.
                    if own
                        && let Expr::Name(n) = &*c.func
                        && let Some(l) = f.local_lambda(&n.id)
                    {
                        return self.carried_by(Locals::Lambda(l), &l.body, 1);
                    }
                    &c.func
                }
                _ => return None,
            };
        }
        None
    }

    /// The names a dotted expression (`requests.get`, `urlopen`) resolves to in the current
    /// scope, read without walking it (nothing is reported).
    ///
    /// The chain may start at an import call with a literal name (`__import__("base64").
    /// b64decode`, `importlib.import_module("os").system`): the module it gives.
    fn quiet_quals(&mut self, e: &Expr) -> SmallVec<[QName; 2]> {
        self.quiet_quals_from(e, true)
    }

    fn quiet_quals_from(&mut self, e: &Expr, import_call: bool) -> SmallVec<[QName; 2]> {
        // Iterative and bounded: a chain of 50,000 attributes is a file's to write.
        const MAX_PARTS: usize = 16;
        let mut attrs: SmallVec<[&str; 4]> = SmallVec::new();
        let mut e = e;
        while let Expr::Attribute(a) = e {
            if attrs.len() == MAX_PARTS {
                return SmallVec::new();
            }
            attrs.push(&a.attr.id);
            e = &a.value;
        }
        let mut quals: SmallVec<[QName; 2]> = match e {
            Expr::Name(n) => {
                self.scopes.lookup(self.scope, &n.id, &mut self.interner).quals().cloned().collect()
            }
            Expr::Call(c)
                if import_call
                    && c.arguments.keywords.is_empty()
                    && let [Expr::StringLiteral(m)] = &*c.arguments.args =>
            {
                let module = m.value.to_str();
                let mut out = SmallVec::new();
                for q in self.quiet_quals_from(&c.func, false) {
                    let name = match &*q {
                        "builtins.__import__" => module.split('.').next().unwrap_or_default(),
                        "importlib.import_module" => module,
                        _ => continue,
                    };
                    if !name.is_empty() && name.len() <= crate::value::MAX_QUAL_LEN {
                        out.push(self.interner.intern(name));
                    }
                }
                out
            }
            _ => return SmallVec::new(),
        };
        for attr in attrs.iter().rev() {
            quals = quals.iter().filter_map(|b| self.interner.join(b, attr)).collect();
        }
        quals
    }

    /// What `type(arg)` surely is when `arg` is a function of the file (a lambda, or a name
    /// only ever bound by undecorated `def`s or to lambdas): `types.FunctionType`, and
    /// `types.CodeType` for its `__code__`.
    fn type_of_function(&self, arg: &Expr) -> Option<&'static str> {
        let (e, made) = match arg {
            Expr::Attribute(a) if a.attr.id.as_str() == "__code__" => (&*a.value, "types.CodeType"),
            e => (e, "types.FunctionType"),
        };
        let function = match e {
            Expr::Lambda(_) => true,
            Expr::Name(n) => {
                let defs = self.functions.get(&n.id);
                let lambdas = self.named_lambdas.get(&n.id);
                (defs.is_some_and(|d| !d.is_empty()) || lambdas.is_some_and(|l| !l.is_empty()))
                    && defs.is_none_or(|d| d.iter().all(|u| u.def.decorator_list.is_empty()))
            }
            _ => false,
        };
        function.then_some(made)
    }

    /// Whether the callee is `type`: called with three arguments, it makes a class.
    fn makes_a_class(callee: &Eval<'a>) -> bool {
        callee.vals.quals().any(|q| matches!(&**q, "builtins.type"))
    }

    /// What a call of a function of the file gives when its body is one `return` of an
    /// expression (a docstring allowed first) and every argument is a constant: the expression
    /// folded with the parameters bound to them. Decoding helpers hide commands, URLs and
    /// module names this way (`def _d(s): return b64decode(s).decode()`, then
    /// `os.system(_d("..."))`). The helper's body is read on its own as well, so nothing
    /// found while folding it here is reported; helpers calling helpers are folded
    /// [`MAX_HELPER_DEPTH`] deep, and a file folds at most [`MAX_HELPER_CALLS`] calls.
    ///
    /// Besides the constant, the names the result refers to: a helper that imports the module
    /// it is given (`def imp(m): return __import__(m)`, then `imp("subprocess").check_output`)
    /// gives that module, as the import written out would.
    fn helper_result(
        &mut self,
        name: &Name,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<HelperResult<'a>> {
        if self.function_bits & name_bit(name) == 0 || !self.may_fold_helper(pos, kws) {
            return None;
        }
        // The one definition of the name visible here (a `def` or a lambda bound to it), not
        // shadowed by a name of a scope in between (a parameter called like it).
        let defs = self
            .functions
            .get(name)
            .into_iter()
            .flatten()
            .map(|p| (HelperBody::Def(p.def), p.outer));
        let lambdas = self
            .named_lambdas
            .get(name)
            .into_iter()
            .flatten()
            .map(|&(l, outer)| (HelperBody::Lambda(l), outer));
        let mut found = None;
        for (body, outer) in defs.chain(lambdas) {
            if self.scopes.sees(self.scope, outer, Some(name)) {
                if found.is_some() {
                    return None;
                }
                found = Some((body, outer));
            }
        }
        let (body, outer) = found?;
        let (params, ret): (&'a ast::Parameters, &'a Expr) = match body {
            HelperBody::Def(def) => {
                if def.type_params.is_some() {
                    return None;
                }
                let (ret, before) = returned_at_end(def)?;
                if !before.iter().all(is_docstring) || before.len() > 1 {
                    return None;
                }
                (&def.parameters, ret)
            }
            HelperBody::Lambda(l) => (l.parameters.as_deref()?, &l.body),
        };
        self.fold_helper_body(params, ret, outer, pos, kws)
    }

    /// Whether a helper called with these arguments may be folded: every argument a constant,
    /// and the depth and the file's count of folded calls not spent.
    fn may_fold_helper(&self, pos: &[Eval<'a>], kws: &[(Name, Eval<'a>)]) -> bool {
        !(self.helper_depth >= MAX_HELPER_DEPTH
            || self.helper_calls_left == 0
            || (pos.is_empty() && kws.is_empty())
            || pos.iter().chain(kws.iter().map(|(_, e)| e)).any(|e| !may_bind_helper_argument(e)))
    }

    /// `map(lambda x: ..., items)` with one iterable: the lambda's parameter is given the
    /// items for the walk of its body (an item may be a secrets file's path that the body
    /// opens), and what its body gives for each item that is one of a few constants, for
    /// `derived_from` tests, is what each element of the map carries (the file's content,
    /// posted later). `None` where nothing is carried.
    fn mapped_lambda(
        &mut self,
        c: &'a ast::ExprCall,
        callee: &Eval<'a>,
        pos: &[Eval<'a>],
    ) -> Option<ValueSet<'a>> {
        let (Some(Expr::Lambda(l)), [_, items]) = (c.arguments.args.first(), pos) else {
            return None;
        };
        if c.arguments.args.len() != 2
            || !c.arguments.keywords.is_empty()
            || !callee.vals.quals().any(|q| &**q == "builtins.map")
        {
            return None;
        }
        let each = self.elements(items)?;
        let item = Eval::of(each.clone());
        self.lambda_called_here(l, std::slice::from_ref(&item), &[]);
        if !self.c.needs_returned {
            return None;
        }
        let mut carried = ValueSet::default();
        for alt in each.alts() {
            let Value::Const(constant) = alt else { continue };
            let one = Eval { fold: Some(constant.clone()), ..Eval::of(ValueSet::one(alt.clone())) };
            if let Some(result) = self.lambda_result(l, std::slice::from_ref(&one), &[]) {
                carried.union(&result.derived);
            }
        }
        carried.is_interesting().then_some(carried)
    }

    /// A lambda written where it is called (`(lambda m: __import__(m))("subprocess")`): what
    /// it gives, as for a named helper (see [`Self::helper_result`]).
    fn lambda_result(
        &mut self,
        l: &'a ast::ExprLambda,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<HelperResult<'a>> {
        let params = l.parameters.as_deref()?;
        if !self.may_fold_helper(pos, kws) {
            return None;
        }
        self.fold_helper_body(params, &l.body, self.scope, pos, kws)
    }

    /// `ret` folded with `params` bound to the constant arguments, in a scope below `outer`.
    fn fold_helper_body(
        &mut self,
        params: &'a ast::Parameters,
        ret: &'a Expr,
        outer: u32,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<HelperResult<'a>> {
        if params.kwarg.is_some() {
            return None;
        }
        let positional: SmallVec<[&ast::ParameterWithDefault; 4]> =
            params.posonlyargs.iter().chain(&params.args).collect();
        // `def _s(*codes)`: the arguments past the named ones are the tuple `codes`.
        let rest = match &params.vararg {
            Some(v) => {
                let items: Vec<Const<'a>> =
                    pos.iter().skip(positional.len()).filter_map(|e| e.fold.clone()).collect();
                Some((key(&v.name.id), fold::seq(SeqKind::Tuple, items)))
            }
            None if pos.len() > positional.len() => return None,
            None => None,
        };
        let mut bound: SmallVec<[(Name, &Eval<'a>); 4]> = SmallVec::new();
        for (pd, ev) in positional.iter().zip(pos) {
            bound.push((key(&pd.parameter.name.id), ev));
        }
        for (k, ev) in kws {
            let known = positional
                .iter()
                .copied()
                .chain(&params.kwonlyargs)
                .any(|pd| key(&pd.parameter.name.id) == *k);
            if !known || bound.iter().any(|(n, _)| n == k) {
                return None;
            }
            bound.push((k.clone(), ev));
        }
        // A parameter left out takes its default, folded here only when it is a literal.
        let mut defaults: SmallVec<[(Name, &'a Expr); 2]> = SmallVec::new();
        for pd in positional.iter().copied().chain(&params.kwonlyargs) {
            let n = key(&pd.parameter.name.id);
            if bound.iter().any(|(b, _)| *b == n) {
                continue;
            }
            match pd.default.as_deref() {
                Some(
                    d @ (Expr::StringLiteral(_)
                    | Expr::BytesLiteral(_)
                    | Expr::NumberLiteral(_)
                    | Expr::BooleanLiteral(_)
                    | Expr::NoneLiteral(_)),
                ) => defaults.push((n, d)),
                _ => return None,
            }
        }
        self.helper_calls_left -= 1;
        // Reading the expression again costs about its length: charged to the file's folding
        // budget, so that many calls of a long helper stay linear in the file's size.
        if !self.budget.take(ret.range().len().to_usize()) {
            return None;
        }
        let (hits_from, raw_from, deferred_from) =
            (self.hits.len(), self.raw.len(), self.deferred.len());
        let caller = self.scope;
        let scope = self.scopes.push(ScopeKind::Function, Some(outer));
        let mut values: SmallVec<[(Name, ValueSet<'a>); 4]> = SmallVec::new();
        for (n, ev) in &bound {
            if let Some(v) = helper_argument(ev) {
                values.push((n.clone(), ValueSet::one(v)));
            }
        }
        if let Some((n, tuple)) = rest {
            values.push((n, ValueSet::one(Value::Const(tuple.share()))));
        }
        self.scope = scope;
        for (n, d) in defaults {
            let ev = self.expr(d);
            values.push((n, ev.binding()));
        }
        for (n, vals) in values {
            self.scopes.bind(scope, &n, vals);
        }
        self.helper_depth += 1;
        let mut ev = self.expr(ret);
        self.helper_depth -= 1;
        // What the result carries for `derived_from` tests from the arguments it was given
        // (`def read(p): return open(p).read()` called with a secrets file's path).
        let derived = if self.c.needs_returned {
            ev.vals.derived(&self.c.derived_origins)
        } else {
            ValueSet::default()
        };
        let out = HelperResult {
            fold: ev.fold.take(),
            refers: ev.vals.quals().cloned().collect(),
            derived,
        };
        drop(ev);
        self.hits.truncate(hits_from);
        self.raw.truncate(raw_from);
        self.deferred.truncate(deferred_from);
        self.scopes.finish(scope);
        self.scope = caller;
        Some(out)
    }

    /// What a call of a function of the file named `name` may return by calling its first
    /// argument (`def try_call(func, *args): try: return func(*args)`, then
    /// `try_call(os.uname)`): the names the argument refers to that some `derived_from` test
    /// follows. Read syntactically (see `crate::decorators`), once per definition.
    fn invoked_argument(&mut self, name: &Name, pos: &[Eval<'a>]) -> SmallVec<[QName; 2]> {
        let mut out = SmallVec::new();
        if !self.c.needs_returned || self.function_bits & name_bit(name) == 0 {
            return out;
        }
        let Some(first) = pos.first() else { return out };
        out.extend(first.vals.quals().filter(|q| self.c.derived_origins.matches(q)).cloned());
        if out.is_empty() {
            return out;
        }
        if !self.calls_its_argument(name) {
            out.clear();
        }
        out
    }

    /// Whether a function of the file named `name` calls its first parameter (see
    /// `crate::decorators`), asked once per definition: a decorator is asked at every function
    /// it decorates, an invoker at every call.
    fn calls_its_argument(&mut self, name: &Name) -> bool {
        self.functions.get_mut(name).is_some_and(|defs| {
            defs.iter_mut().any(|p| {
                *p.runs_argument.get_or_insert_with(|| crate::decorators::calls_its_argument(p.def))
            })
        })
    }

    /// Adds a call's arguments to what the parameters they meet may be.
    /// `skip` leading positional parameters are bound by the call itself (`self` of a method
    /// called through an object).
    fn give_arguments(
        given: &mut Vec<(Name, ValueSet<'a>)>,
        p: &ast::Parameters,
        skip: usize,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
        origins: &NameTable,
    ) {
        // Bounded: a function called from many places keeps what the first calls gave.
        const MAX_GIVEN: usize = 64;
        // What a parameter's uses can make something of: what refers (a module, a function),
        // a string (an attribute or module name), a value `derived_from` follows (what the
        // body sends or runs) and a path whose text is known (what the body walks, opens or
        // removes: see `paths::text_of`); not numbers, `None` or the unknown.
        let worth = |ev: &Eval<'a>| {
            ev.vals.refers()
                || matches!(ev.fold, Some(Const::Str(_)))
                || argument_is_followed(ev, origins)
                || ev.vals.alts().iter().any(|v| matches!(v, Value::Path(_) | Value::Entries(_)))
        };
        let positional = p.posonlyargs.iter().chain(&p.args).skip(skip);
        for (pd, ev) in positional.zip(pos) {
            if given.len() < MAX_GIVEN && worth(ev) {
                given.push((key(&pd.parameter.name.id), ev.binding()));
            }
        }
        for (name, ev) in kws {
            if given.len() < MAX_GIVEN && worth(ev) {
                given.push((name.clone(), ev.binding()));
            }
        }
        // `def run(*a)` called `run(os, cmd)`: `a` is the tuple of the positional arguments
        // past the named ones; `**kw` the dict of the keywords no parameter takes.
        let named = (p.posonlyargs.len() + p.args.len()).saturating_sub(skip);
        if let Some(rest) = &p.vararg
            && pos.len() > named
            && pos[named..].iter().any(|e| e.vals.refers())
            && given.len() < MAX_GIVEN
        {
            let items: Vec<ValueSet<'a>> = pos[named..].iter().map(Eval::binding).collect();
            given.push((key(&rest.name.id), ValueSet::one(Value::Seq(items.into()))));
        }
        if let Some(rest) = &p.kwarg
            && given.len() < MAX_GIVEN
        {
            let params: Vec<&str> = p
                .posonlyargs
                .iter()
                .chain(&p.args)
                .chain(&p.kwonlyargs)
                .map(|pd| pd.parameter.name.id.as_str())
                .collect();
            let entries: Vec<(Rc<str>, ValueSet<'a>)> = kws
                .iter()
                .filter(|(k, _)| !params.contains(&k.as_str()))
                .map(|(k, e)| (Rc::from(k.as_str()), e.binding()))
                .collect();
            if entries.iter().any(|(_, v)| v.refers()) {
                given.push((key(&rest.name.id), ValueSet::one(Value::Dict(entries.into()))));
            }
        }
    }

    /// Binds a body's parameters: to anything a caller may pass, and to what `given` knows
    /// they may be (defaults, a lambda's arguments where it is called).
    fn bind_parameters(&mut self, p: &'a ast::Parameters, given: Vec<(Name, ValueSet<'a>)>) {
        let scope = self.scope;
        for pd in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            let name = key(&pd.parameter.name.id);
            let mut vals = ValueSet::unknown();
            for (_, v) in given.iter().filter(|(n, _)| *n == name) {
                for alt in v.alts() {
                    // A value that is itself reported where it was written (`eval` given as
                    // an argument, `version=ssl.PROTOCOL_TLSv1`) is not reported again at
                    // each use of the parameter; what is reached from it is (`m.system`).
                    if alt.refers() {
                        let mut scratch = Vec::new();
                        let one = ValueSet::one(alt.clone());
                        reference::hits(self.c, &one, &mut self.reference_memo, &mut scratch);
                        if !scratch.is_empty() {
                            continue;
                        }
                    }
                    vals.push(alt.clone());
                }
            }
            self.scopes.bind(scope, &name, vals);
        }
        for v in [&p.vararg, &p.kwarg].into_iter().flatten() {
            let name = key(&v.name.id);
            let mut vals = ValueSet::unknown();
            for (_, given_vals) in given.iter().filter(|(n, _)| *n == name) {
                vals.union(given_vals);
            }
            self.scopes.bind(scope, &name, vals);
        }
    }

    /// The `handler:` leaves of an `except` clause catching `caught` (`None`: a bare
    /// `except:`), settled at the clause.
    fn handler_clause(
        &mut self,
        h: &'a ast::ExceptHandlerExceptHandler,
        caught: Option<&ValueSet<'a>>,
    ) {
        if self.c.handlers.is_empty() {
            return;
        }
        let from = self.hits.len();
        handler::hits(self.c, caught, &h.body, &mut self.interner, &mut self.hits);
        self.settle(h.range, None, from);
    }

    /// The `assign:` leaves of a name (a variable, an attribute, a dictionary key, a
    /// parameter) given a value, settled at `range`.
    fn given(&mut self, name: &str, value: Option<&Const<'a>>, range: TextRange) {
        if self.c.assigns.is_empty() {
            return;
        }
        let from = self.hits.len();
        assign::hits(self.c, name, value, false, &mut self.interner, &mut self.hits);
        self.settle(range, None, from);
    }

    /// Starts the lent names of a function's body (see `Self::lent`): its parameters but a
    /// method's receiver (the walker's `method_receiver`), where a rule asks about the
    /// function `name` (see `Compiled::kept_parameter_functions`).
    fn lend_parameters(&mut self, p: &'a ast::Parameters, name: &str) {
        self.lent.clear();
        self.lent_globals.clear();
        if !self.c.kept_parameters
            || !(self.c.kept_parameters_anywhere || self.c.kept_parameter_functions.matches(name))
        {
            return;
        }
        let receiver = self.method_receiver.as_ref().map(|(_, n)| n.clone());
        for pd in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
            let name = key(&pd.parameter.name.id);
            if receiver.as_ref() != Some(&name) {
                self.lent.push(name);
            }
        }
    }

    /// Whether `e` is a lent name (see `Self::lent`) or a view of one: a slice, a
    /// `memoryview` of it, its `cast` or `toreadonly`.
    fn is_lent(&self, e: &Expr) -> bool {
        if self.lent.is_empty() {
            return false;
        }
        match e {
            Expr::Name(n) => self.lent.contains(&key(&n.id)),
            Expr::Subscript(s) => self.is_lent(&s.value),
            Expr::Call(c) => match &*c.func {
                Expr::Name(f) if f.id.as_str() == "memoryview" => {
                    c.arguments.args.first().is_some_and(|a| self.is_lent(a))
                }
                Expr::Attribute(a) if matches!(a.attr.id.as_str(), "cast" | "toreadonly") => {
                    self.is_lent(&a.value)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The `assign: {parameter: true}` leaves of a parameter kept past the call under `name`.
    fn kept(&mut self, name: &str, range: TextRange) {
        let from = self.hits.len();
        assign::hits(self.c, name, None, true, &mut self.interner, &mut self.hits);
        self.settle(range, None, from);
    }

    /// A lent name put in a container (`kept.append(b)`, `insert`, `add`, `extend`,
    /// `appendleft`, `setdefault`, `put`): kept past the call under the container's name.
    fn kept_in_container(&mut self, e: &'a Expr) {
        if self.lent.is_empty() {
            return;
        }
        if let Expr::Call(c) = e
            && let Expr::Attribute(a) = &*c.func
            && matches!(
                a.attr.id.as_str(),
                "append" | "insert" | "add" | "extend" | "appendleft" | "setdefault" | "put"
            )
            && c.arguments
                .args
                .iter()
                .chain(c.arguments.keywords.iter().map(|k| &k.value))
                .any(|x| self.is_lent(x))
        {
            self.kept(&container_name(&a.value), c.range());
        }
    }

    /// Binds an assignment target to what `value` evaluates to (unknown when `None`).
    fn assign(&mut self, target: &'a Expr, value: Option<&Eval<'a>>) {
        let fold = value.and_then(|v| v.fold.as_ref());
        if self.assigning_lent {
            match target {
                Expr::Name(n) if self.lent_globals.contains(&key(&n.id)) => {
                    self.kept(&key_str(&n.id), n.range);
                }
                // A local name given it holds it too, as a view of it does.
                Expr::Name(n) => self.lent.push(key(&n.id)),
                Expr::Attribute(a) => self.kept(&key_str(&a.attr.id), a.attr.range),
                Expr::Subscript(s) => self.kept(&container_name(&s.value), s.range),
                _ => {}
            }
        }
        match target {
            Expr::Name(n) => {
                self.given(&key_str(&n.id), fold, n.range);
                let vals = value.map_or_else(ValueSet::unknown, Eval::binding);
                self.bind_name(&key(&n.id), vals);
            }
            Expr::Attribute(a) => {
                self.given(&key_str(&a.attr.id), fold, a.attr.range);
                self.value(target);
                if let (Some(v), Expr::Name(owner)) = (value, &*a.value) {
                    self.store_attr_slot(owner, &a.attr.id, &v.vals);
                }
            }
            Expr::Subscript(s) => {
                if let Expr::StringLiteral(k) = &*s.slice {
                    let k = string_text(k);
                    self.given(k.as_str(), fold, s.range);
                    // `d["proc"] = subprocess`: an entry of the dict `d` names.
                    if let (Some(v), Expr::Name(owner)) = (value, &*s.value)
                        && v.vals.refers()
                    {
                        self.add_entries(owner, vec![(Rc::from(k.as_str()), v.vals.clone())]);
                    }
                }
                self.store_value = Some(fold.cloned());
                self.value(target);
                self.store_value = None;
                // `out["host"] = socket.gethostname()`, `out[key] = ...` in a loop: the dict
                // `out` names carries what `derived_from` tests follow into its entries (after
                // the store, which may have let go of what the name held).
                if let Some(v) = value {
                    self.carry_into_target(&s.value, &v.vals);
                }
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
                let parts = value.and_then(|v| Self::unpack(v, elts.len()));
                // Unpacking a call's result (`conn, addr = s.accept()`): each part is derived
                // from it.
                let derived = match (&parts, value) {
                    (None, Some(v)) => v.vals.derived(&self.c.derived_origins),
                    _ => ValueSet::default(),
                };
                for (i, elt) in elts.iter().enumerate() {
                    let part = parts.as_ref().and_then(|p| p.get(i));
                    let part = part.or((!derived.is_empty()).then_some(&derived));
                    match (part, elt) {
                        (Some(part), Expr::Name(n)) => {
                            self.given(&key_str(&n.id), part.single_const(), n.range);
                            self.bind_name(&key(&n.id), part.clone());
                        }
                        // `(_, m), = [(1, os)]`: a nested target takes its part apart.
                        (Some(part), Expr::Tuple(_) | Expr::List(_)) => {
                            self.assign(elt, Some(&Eval::of(part.clone())));
                        }
                        _ => self.assign(elt, None),
                    }
                }
            }
            Expr::Starred(s) => self.assign(&s.value, None),
            other => self.value(other),
        }
    }

    /// The values a `for` target takes over a literal sequence of a few scalars
    /// (`for name in ("urllib3", "idna")`): one of those constants, as after a branch; over a
    /// display of things that refer (`for m in (os, subprocess)`), any of them.
    fn elements(&self, v: &Eval<'a>) -> Option<ValueSet<'a>> {
        let Some(Const::Seq(_, items)) = &v.fold else {
            let mut set = ValueSet::default();
            for alt in v.vals.alts() {
                match alt {
                    Value::Seq(items) => items.iter().for_each(|i| set.union(i)),
                    // A loaded module or its name, narrowed by what the loop compares it with
                    // (see `Walker::narrow_loaded`).
                    Value::Loaded(LoadedView::Values) => set.push(Value::AnyModule),
                    Value::Loaded(LoadedView::Keys) => set.push(Value::AnyModuleName),
                    Value::Qual(q) if is_modules_dict(q) => set.push(Value::AnyModuleName),
                    Value::Loaded(LoadedView::Items) => set.push(Value::Seq(Rc::from([
                        ValueSet::one(Value::AnyModuleName),
                        ValueSet::one(Value::AnyModule),
                    ]))),
                    // A directory's entries (`os.walk("/")`, `Path.home().rglob("*")`).
                    Value::Entries(_) | Value::Walk(_) => set.push(crate::paths::element(alt)?),
                    // A list of paths filled in place (`found = []`, then `found.append(path)`,
                    // see `Walker::add_listed`): it may hold what is not known too.
                    Value::Unknown
                        if v.vals.alts().iter().any(|a| matches!(a, Value::Entries(_))) =>
                    {
                        set.push(Value::Unknown);
                    }
                    // What a call returned, beside a listing: kept for `derived_from` tests,
                    // which do not follow it into its items.
                    Value::Returned(_)
                        if v.vals
                            .alts()
                            .iter()
                            .any(|a| matches!(a, Value::Entries(_) | Value::Walk(_))) => {}
                    _ => return None,
                }
            }
            return set.is_interesting().then_some(set);
        };
        // Scalars, and tuples of scalars (`for name, path in PATHS.items()`), taken apart by
        // the target as a display is.
        let scalar = |c: &Const<'_>| !matches!(c, Const::Seq(..) | Const::Opaque) && c.is_frozen();
        let item_ok = |c: &Const<'_>| match c {
            Const::Seq(SeqKind::Tuple, parts) => parts.iter().all(scalar),
            other => scalar(other),
        };
        if items.is_empty() || !items.iter().all(item_ok) {
            return None;
        }
        let value = |c: &Const<'a>| match c {
            Const::Seq(SeqKind::Tuple, parts) => Value::Seq(
                parts.iter().map(|p| ValueSet::one(Value::Const(p.clone().share()))).collect(),
            ),
            other => Value::Const(other.clone().share()),
        };
        let mut set = ValueSet::default();
        if items.len() <= crate::value::MAX_ALTERNATIVES {
            for c in items.iter() {
                set.push(value(c));
            }
            return Some(set);
        }
        // More items than a set keeps: the ones some rule can tell apart first, then the
        // others in order, and an unknown for those left out (the name is not one of a few
        // constants: `getattr(obj, name)` is still computed). Padding a list of paths with
        // harmless entries (a stealer's thirteen credential files, its dozens of browser
        // profiles) must not push out the one a rule names.
        let telling = |c: &Const<'_>| match c {
            Const::Seq(_, parts) => {
                parts.iter().any(|p| p.as_str().is_some_and(|t| self.telling_text(t)))
            }
            other => other.as_str().is_some_and(|t| self.telling_text(t)),
        };
        let keep = crate::value::MAX_ALTERNATIVES - 1;
        let mut chosen: SmallVec<[usize; 8]> = items
            .iter()
            .enumerate()
            .filter(|(_, c)| telling(c))
            .map(|(i, _)| i)
            .take(keep)
            .collect();
        let told = chosen.clone();
        for i in (0..items.len()).filter(|i| !told.contains(i)) {
            if chosen.len() == keep {
                break;
            }
            chosen.push(i);
        }
        for i in chosen {
            set.push(value(&items[i]));
        }
        set.push(Value::Unknown);
        Some(set)
    }

    /// Whether a rule can tell `text` apart from other text: as a file's path (as written, or
    /// under the home directory) it names a file whose content a `derived_from` test follows
    /// (`.cargo/credentials.toml`), or a rule reports it as a string where it is (a
    /// credential path's `.ssh/id_rsa`, a webhook's address).
    fn telling_text(&self, text: &str) -> bool {
        if let Some(&known) = self.telling.borrow().get(text) {
            return known;
        }
        if self.telling.borrow().len() >= MAX_TELLING_TEXTS {
            return false;
        }
        let told = self.tells_apart(text);
        self.telling.borrow_mut().insert(Rc::from(text), told);
        told
    }

    /// Whether a `derived_from` test follows the file at a path of text `text` (as written,
    /// or under the home directory), or some file a listing of that text gives.
    fn follows_file_at(&self, text: &str) -> bool {
        let origins = &self.c.derived_origins;
        let relative = text.trim_start_matches(['/', '\\']);
        origins.matches(&format!("{FILE_ORIGIN}{text}"))
            || origins.matches(&format!("{FILE_ORIGIN}~/{relative}"))
    }

    /// [`Self::telling_text`], asked of the rules.
    fn tells_apart(&self, text: &str) -> bool {
        if self.follows_file_at(text) {
            return true;
        }
        if text.len() < self.c.string_min_any
            || (text.len() < self.c.string_min_ascii && text.is_ascii())
        {
            return false;
        }
        let site = site!(self);
        let mut memo = string::Memo::default();
        let mut oracle = string::Lazy::new(self.c, text, &mut memo);
        let mut reported = false;
        matchers::evaluate_with(self.c, &[], &site, Some(&mut oracle), |_, _| reported = true);
        reported
    }

    /// Binds each plain name of a loop's tuple target to its part of the items, replacing what
    /// it held, when every name can be replaced so (see `Scopes::replaceable`): the names and
    /// what they held before, to bind again after the loop (which may not have run). Empty,
    /// binding nothing, otherwise.
    fn replace_loop_names(
        &mut self,
        targets: &[Expr],
        items: &ValueSet<'a>,
    ) -> Vec<(Name, Option<ValueSet<'a>>)> {
        let names: Option<Vec<Name>> = targets
            .iter()
            .map(|t| match t {
                Expr::Name(n) => Some(key(&n.id)),
                _ => None,
            })
            .collect();
        let Some(names) = names else { return Vec::new() };
        let Some(parts) = Self::unpack(&Eval::of(items.clone()), names.len()) else {
            return Vec::new();
        };
        let mut before = Vec::with_capacity(names.len());
        for name in &names {
            match self.scopes.replaceable(self.scope, name) {
                Some(held) => before.push(held),
                None => return Vec::new(),
            }
        }
        for (name, part) in names.iter().zip(parts) {
            self.scopes.bind(self.scope, name, part);
        }
        names.into_iter().zip(before).collect()
    }

    /// The element values of a tuple or list value being unpacked into `n` targets.
    fn unpack(v: &Eval<'a>, n: usize) -> Option<Vec<ValueSet<'a>>> {
        if let Some(Const::Seq(_, items)) = &v.fold
            && items.len() == n
        {
            return Some(
                items.iter().map(|c| ValueSet::one(Value::Const(c.clone().share()))).collect(),
            );
        }
        if let [Value::Seq(items)] = v.vals.alts()
            && items.len() == n
        {
            return Some(items.to_vec());
        }
        // Each of several displays of that length (`for i, m in enumerate([os, sys])`): a part
        // is any of theirs; beside something not known (a loop over more tuples than a set
        // keeps), it may be anything else too.
        let alts = v.vals.alts();
        let unknown = |a: &Value<'_>| matches!(a, Value::Unknown);
        if alts.len() > 1
            && alts.iter().any(|a| !unknown(a))
            && alts.iter().all(|a| unknown(a) || matches!(a, Value::Seq(items) if items.len() == n))
        {
            let mut parts = vec![ValueSet::default(); n];
            for a in alts {
                match a {
                    Value::Seq(items) => {
                        for (part, item) in parts.iter_mut().zip(items.iter()) {
                            part.union(item);
                        }
                    }
                    _ => parts.iter_mut().for_each(|part| part.push(Value::Unknown)),
                }
            }
            return Some(parts);
        }
        None
    }

    /// Binds a name in the scope a walrus assigns to (comprehensions assign outward).
    fn bind_walrus(&mut self, name: &Name, vals: ValueSet<'a>) {
        let mut scope = self.scope;
        while self.scopes.kind(scope) == ScopeKind::Comprehension {
            match self.scopes.parent(scope) {
                Some(p) => scope = p,
                None => break,
            }
        }
        let vals = self.follow_mutable(scope, name, vals);
        self.scopes.bind(scope, name, vals);
    }

    /// The object a dotted name or `module:attribute` names, importing its module as the
    /// resolvers that take such names do (`pydoc.locate`, `pkgutil.resolve_name`, entry
    /// points, `logging.config`'s factories).
    fn resolve_named(&mut self, named: &str) -> Option<QName> {
        let (module, dotted) = match named.split_once(':') {
            Some((module, rest)) => (module, format!("{module}.{rest}")),
            None => (named.rsplit_once('.').map_or(named, |(m, _)| m), named.to_string()),
        };
        if module.is_empty() || dotted.ends_with('.') || dotted.len() > crate::value::MAX_QUAL_LEN {
            return None;
        }
        import::hits(self.c, module, &mut self.interner, &mut self.hits);
        Some(self.interner.intern(&dotted))
    }

    /// The factory a `logging.config` dictionary's entry names (`{"()": "subprocess.Popen",
    /// "args": [...]}`), called as `dictConfig` calls it: with the entry's other keys as
    /// keyword arguments. Matched at the factory's name.
    fn factory_called(
        &mut self,
        object: QName,
        at: TextRange,
        kwargs: &[(Rc<str>, Option<Const<'a>>, ValueSet<'a>)],
    ) {
        let callee = ValueSet::qual(object);
        let kw: SmallVec<[(&str, Option<&Const<'a>>); 4]> =
            kwargs.iter().map(|(k, fold, _)| (&**k, fold.as_ref())).collect();
        let kw_refs: SmallVec<[&ValueSet<'a>; 4]> = kwargs.iter().map(|(.., v)| v).collect();
        let args = CallArgs { kw: &kw, kw_refs: &kw_refs, ..CallArgs::positional(&[]) };
        let from = self.hits.len();
        call::hits(self.c, &callee, &args, &mut self.call_memo, &mut self.hits);
        self.settle(at, None, from);
    }

    /// What the items of `map(f, ...)` may be when `f` looks objects up by name: `map(getattr,
    /// [subprocess], ["Popen"])` gives `subprocess.Popen`, `map(__import__, ["os", "re"])` the
    /// modules (each item any of them: the order is not kept). `None` for other functions.
    fn mapped(&mut self, pos: &[Eval<'a>]) -> Option<ValueSet<'a>> {
        let [f, rest @ ..] = pos else { return None };
        let names = |e: &Eval<'a>| -> Vec<String> {
            self.elements(e)
                .map(|set| {
                    set.alts()
                        .iter()
                        .filter_map(|v| match v {
                            Value::Const(c) => c.as_str().map(str::to_string),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut out = ValueSet::default();
        if f.vals.quals().any(|q| &**q == "builtins.getattr") {
            let [objects, attrs] = rest else { return None };
            let objects = self.elements(objects)?;
            for name in names(attrs) {
                out.union(&self.reach_attribute(&objects, &name));
            }
        } else if f
            .vals
            .quals()
            .any(|q| matches!(&**q, "builtins.__import__" | "importlib.import_module"))
        {
            let [modules] = rest else { return None };
            let whole = f.vals.quals().any(|q| &**q == "importlib.import_module");
            for m in names(modules).into_iter().filter(|m| is_dotted_name(m)) {
                import::hits(self.c, &m, &mut self.interner, &mut self.hits);
                let bound = if whole { m.as_str() } else { m.split('.').next().unwrap_or(&m) };
                out.push(Value::Qual(self.interner.intern(bound)));
            }
        } else {
            return None;
        }
        out.is_interesting().then_some(out)
    }

    /// Entries put in the dict a name holds (by item assignment, `update` or `setdefault`):
    /// the name may now also be a dict with them, as a display would be.
    ///
    /// The entries join the dict's earlier ones (a key put twice keeps both values); past
    /// [`MAX_DICT_ENTRIES`] keys, values go under [`ANY_KEY`], which every missing key reads,
    /// so padding a dict with entries does not hide the one that matters.
    fn add_entries(&mut self, owner: &ast::ExprName, entries: Vec<(Rc<str>, ValueSet<'a>)>) {
        if entries.is_empty() {
            return;
        }
        let before = self.scopes.lookup(self.scope, &key_str(&owner.id), &mut self.interner);
        // A constant dict it held is not followed once it holds what refers.
        let before = before.without_mutables();
        let mut merged: Vec<(Rc<str>, ValueSet<'a>)> = Vec::new();
        let mut vals = ValueSet::default();
        for alt in before.alts() {
            match alt {
                Value::Dict(old) if merged.is_empty() => merged.extend(old.iter().cloned()),
                other => vals.push(other.clone()),
            }
        }
        for (k, v) in entries {
            let at = merged.iter().position(|(m, _)| *m == k).or_else(|| {
                (merged.len() >= MAX_DICT_ENTRIES)
                    .then(|| merged.iter().position(|(m, _)| &**m == ANY_KEY))
                    .flatten()
            });
            match at {
                Some(i) => merged[i].1.union(&v),
                None if merged.len() < MAX_DICT_ENTRIES => merged.push((k, v)),
                None => merged.push((Rc::from(ANY_KEY), v)),
            }
        }
        vals.push(Value::Dict(merged.into()));
        self.scopes.bind(self.scope, &key(&owner.id), vals);
    }

    /// [`Self::carry_into`] for a container written as a name (`out[k] = v`), or as an
    /// attribute of one (`self.data[k] = v`, `self.parts.append(v)`): what the attribute
    /// holds in the class's methods (see [`Self::store_attr_slot`]) carries it then.
    fn carry_into_target(&mut self, container: &Expr, value: &ValueSet<'a>) {
        match container {
            Expr::Name(owner) => self.carry_into(owner, value),
            Expr::Attribute(a) if !self.c.derived_origins.is_empty() => {
                let Expr::Name(owner) = &*a.value else { return };
                let carried = value.passed_on(&self.c.derived_origins);
                if !carried.is_empty() {
                    self.store_attr_slot(owner, &a.attr.id, &carried);
                }
            }
            _ => {}
        }
    }

    /// `owner[key] = value`, `owner.append(value)`: what `value` carries for `derived_from`
    /// tests (a followed call's result, `os.environ`) is added to what the name `owner` holds,
    /// as a display built of it carries it (`{"h": socket.gethostname()}`), so that sending
    /// the container (`requests.post(url, json=owner)`) is read as sending what it holds.
    /// Nothing is done for a value that carries nothing.
    fn carry_into(&mut self, owner: &ast::ExprName, value: &ValueSet<'a>) {
        if self.c.derived_origins.is_empty() {
            return;
        }
        let carried = value.passed_on(&self.c.derived_origins);
        if carried.is_empty() {
            return;
        }
        self.add_to_container(owner, &carried);
    }

    /// A function of the file registered as a keyboard listener's callback
    /// (`pynput.keyboard.Listener(on_press=record)`, `keyboard.on_press(record)`, see
    /// [`KEY_LISTENERS`]): its first parameter receives each key pressed, which has the origin
    /// [`KEYSTROKE_ORIGIN`] for `derived_from` tests (a keylogger's buffer sent away).
    fn keyboard_callbacks(&mut self, c: &'a ast::ExprCall, callee: &Eval<'a>) {
        if !self.c.follows_keys || self.functions.is_empty() {
            return;
        }
        let Some((_, position, keywords)) =
            callee.vals.quals().find_map(|q| KEY_LISTENERS.iter().find(|(name, ..)| *name == &**q))
        else {
            return;
        };
        let positional = position.and_then(|at| c.arguments.args.get(at));
        let named = c
            .arguments
            .keywords
            .iter()
            .filter(|k| k.arg.as_ref().is_some_and(|a| keywords.contains(&a.as_str())))
            .map(|k| &k.value);
        // A function by its name, or a method of the class by `self.on_press` in another of
        // its methods (a keylogger written as a class).
        let callbacks: SmallVec<[(Name, bool); 2]> = positional
            .into_iter()
            .chain(named)
            .filter_map(|e| match e {
                Expr::Name(n) => Some((key(&n.id), false)),
                Expr::Attribute(a) if matches!(&*a.value, Expr::Name(_)) => {
                    Some((key(&a.attr.id), true))
                }
                _ => None,
            })
            .collect();
        if callbacks.is_empty() {
            return;
        }
        let origin = self.interner.intern(KEYSTROKE_ORIGIN);
        let key_pressed = [Eval::of(ValueSet::one(Value::From(origin)))];
        for (name, method) in &callbacks {
            if *method {
                self.own_method_called(name, &key_pressed, &[]);
            } else {
                self.function_called_here(name, &key_pressed, &[]);
            }
        }
    }

    /// `found.append(os.path.join(root, name))`: a list filled with paths of known text is
    /// iterated as a listing of them is (see [`listed_items`]), so that a file a loop over
    /// `found` opens is known to be one of those paths, as when the loop that found them opens
    /// it. The list's other values are kept: iterating it may also give what they hold.
    fn add_listed(&mut self, owner: &ast::ExprName, listed: ValueSet<'a>) {
        self.add_to_container(owner, &listed);
    }

    /// Adds `added` to what the container a name holds is known to hold.
    fn add_to_container(&mut self, owner: &ast::ExprName, added: &ValueSet<'a>) {
        let name = key(&owner.id);
        // A container of an enclosing scope or of the module, filled from a function
        // (`info["host"] = ...` in a helper, the dict sent at module level): the object that
        // scope's name holds is the one changed, so it is that binding that carries the value.
        if let Some(scope) = self.scopes.owner(self.scope, &name)
            && scope != self.scope
        {
            self.scopes.add_to(scope, &name, added);
            return;
        }
        let mut vals = self.scopes.lookup(self.scope, &key_str(&owner.id), &mut self.interner);
        vals.union(added);
        self.scopes.bind(self.scope, &name, vals);
    }

    /// The names a class pattern's keywords capture (`case object(system=run)`): each is the
    /// subject's attribute of that keyword, read as `subject.system` is.
    /// Alternatives (`A(...) | B(...)`) and a pattern bound as a whole (`A(...) as m`) are
    /// looked through; a capture may carry a sub-pattern (`system=_ as run`).
    fn class_pattern_captures(&mut self, p: &'a Pattern, subject: &ValueSet<'a>) {
        let c = match p {
            Pattern::MatchClass(c) => c,
            Pattern::MatchOr(o) => {
                for alt in &o.patterns {
                    self.class_pattern_captures(alt, subject);
                }
                return;
            }
            Pattern::MatchAs(ast::PatternMatchAs { pattern: Some(inner), .. }) => {
                return self.class_pattern_captures(inner, subject);
            }
            _ => return,
        };
        for k in &c.arguments.keywords {
            if let Pattern::MatchAs(ast::PatternMatchAs { name: Some(n), .. }) = &k.pattern {
                let attr = key(&k.attr.id);
                let from = self.hits.len();
                let vals = self.reach_attribute(subject, &attr);
                reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
                self.settle(k.range, None, from);
                self.scopes.bind(self.scope, &key(&n.id), vals);
            }
        }
    }

    fn pattern(&mut self, p: &'a Pattern) {
        if self.stopped() || self.tick(|| p.start()) {
            return;
        }
        if self.depth >= MAX_DEPTH {
            self.too_deep_at(p.start());
            return;
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        if self.depth.is_multiple_of(GROW_EVERY) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.pattern_kind(p));
        } else {
            self.pattern_kind(p);
        }
        self.depth -= 1;
    }

    fn pattern_kind(&mut self, p: &'a Pattern) {
        let scope = self.scope;
        match p {
            Pattern::MatchValue(v) => self.value(&v.value),
            Pattern::MatchSingleton(_) => {}
            Pattern::MatchSequence(s) => {
                for q in &s.patterns {
                    self.pattern(q);
                }
            }
            Pattern::MatchMapping(m) => {
                for k in &m.keys {
                    self.value(k);
                }
                for q in &m.patterns {
                    self.pattern(q);
                }
                if let Some(rest) = &m.rest {
                    self.scopes.bind(scope, &key(&rest.id), ValueSet::unknown());
                }
            }
            Pattern::MatchClass(c) => {
                self.value(&c.cls);
                for q in &c.arguments.patterns {
                    self.pattern(q);
                }
                for k in &c.arguments.keywords {
                    self.pattern(&k.pattern);
                }
            }
            Pattern::MatchStar(s) => {
                if let Some(n) = &s.name {
                    self.scopes.bind(scope, &key(&n.id), ValueSet::unknown());
                }
            }
            Pattern::MatchAs(a) => {
                if let Some(q) = &a.pattern {
                    self.pattern(q);
                }
                if let Some(n) = &a.name {
                    self.scopes.bind(scope, &key(&n.id), ValueSet::unknown());
                }
            }
            Pattern::MatchOr(o) => {
                for q in &o.patterns {
                    self.pattern(q);
                }
            }
        }
    }

    // ----- expressions ---------------------------------------------------------------------

    pub(crate) fn expr(&mut self, e: &'a Expr) -> Eval<'a> {
        self.expr_at(e, false)
    }

    /// Evaluates an expression; as the callee of a call, its own reference hits belong to the
    /// call node (`exec(x)` is one node where `call` and `reference` rules meet).
    fn expr_at(&mut self, e: &'a Expr, callee: bool) -> Eval<'a> {
        if self.stopped() || self.tick(|| e.start()) {
            return Eval::unknown();
        }
        if self.depth >= MAX_DEPTH {
            self.too_deep_at(e.start());
            return Eval::unknown();
        }
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
        let out = if self.depth.is_multiple_of(GROW_EVERY) {
            stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.expr_kind(e, callee))
        } else {
            self.expr_kind(e, callee)
        };
        self.depth -= 1;
        out
    }

    #[expect(clippy::too_many_lines, reason = "one arm per expression kind reads best")]
    fn expr_kind(&mut self, e: &'a Expr, callee: bool) -> Eval<'a> {
        match e {
            Expr::Name(n) => self.name(n, callee),
            Expr::Attribute(a) => {
                let mut recv = self.expr(&a.value);
                let out = self.attribute_node(a, &recv, !callee);
                self.flush(&mut recv);
                out
            }
            Expr::Subscript(s) => self.subscript(s, callee),
            Expr::Call(c) => self.call(c, callee),
            Expr::BinOp(b)
                if matches!(b.op, ast::Operator::Div | ast::Operator::Add) && self.strings =>
            {
                self.constant_end(b)
            }
            Expr::BinOp(b) => {
                // An operator makes a new value: a list or dict operand is only read.
                let mut l = self.expr_reading(&b.left);
                if b.op == ast::Operator::Mod {
                    // `"%(name)s" % {...}`.
                    if let Expr::Dict(d) = &*b.right {
                        self.dict_wanted = Some(d.range.start());
                    }
                }
                let mut r = self.expr_reading(&b.right);
                if b.op == ast::Operator::Mod && self.strings && r.fold.is_none() {
                    self.percent_path_runs(b, l.fold.as_ref(), &r);
                }
                let fold = fold::binop(b.op, &mut l.fold, &mut r.fold, &mut self.budget);
                let passed = match b.op {
                    ast::Operator::Mod => self.text_of([&l.vals, &r.vals]),
                    ast::Operator::Add => self.sum_of(&l, &r),
                    _ => ValueSet::default(),
                };
                let v = verdict_for(fold.as_ref());
                let mut carried = Vec::new();
                self.verdict(v, &mut l, &mut carried);
                self.verdict(v, &mut r, &mut carried);
                let from = self.hits.len();
                self.finish(b.range, None, from, passed, fold, carried)
            }
            Expr::UnaryOp(u) => {
                let mut o = self.expr(&u.operand);
                let fold = match (u.op, &o.fold) {
                    (ast::UnaryOp::USub, Some(Const::Int(i))) => i.checked_neg().map(Const::Int),
                    (ast::UnaryOp::USub, Some(Const::Big(n))) => {
                        Some(Const::Big(Rc::new(n.negated())))
                    }
                    (ast::UnaryOp::USub, Some(Const::Float(f))) => Some(Const::Float(-f)),
                    (ast::UnaryOp::UAdd, Some(c @ (Const::Int(_) | Const::Float(_)))) => {
                        Some(c.clone())
                    }
                    (ast::UnaryOp::Invert, Some(Const::Int(i))) => Some(Const::Int(!i)),
                    (ast::UnaryOp::Not, Some(Const::Bool(b))) => Some(Const::Bool(!b)),
                    _ => None,
                };
                self.flush(&mut o);
                Eval { fold, ..Eval::unknown() }
            }
            Expr::BoolOp(b) => {
                let mut vals = ValueSet::default();
                // What the operation gives when its operands fold far enough to tell
                // (`shutil.which("ncat") or shutil.which("nc")` is `"ncat"`).
                let mut fold = BoolFold::Open;
                for v in &b.values {
                    let mut ev = self.expr(v);
                    vals.union(&ev.vals);
                    fold = fold.next(b.op, ev.fold.as_ref());
                    self.flush(&mut ev);
                }
                let from = self.hits.len();
                if !callee {
                    reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
                }
                // The value goes with the expression (to a name, an argument vector), not as a
                // string candidate of its own: the operand it is already is one.
                let mut made = self.finish(b.range, None, from, vals, None, Vec::new());
                made.fold = fold.result();
                made
            }
            Expr::If(i) => {
                self.value(&i.test);
                let mut body = self.expr(&i.body);
                let mut orelse = self.expr(&i.orelse);
                let mut vals = body.vals.clone();
                vals.union(&orelse.vals);
                self.flush(&mut body);
                self.flush(&mut orelse);
                let from = self.hits.len();
                if !callee {
                    reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
                }
                self.finish(i.range, None, from, vals, None, Vec::new())
            }
            Expr::Named(n) => {
                let value = self.expr(&n.value);
                match &*n.target {
                    Expr::Name(t) => self.bind_walrus(&key(&t.id), value.binding()),
                    other => self.value(other),
                }
                value
            }
            Expr::Compare(c) => {
                self.value_reading(&c.left);
                for x in &c.comparators {
                    self.value_reading(x);
                }
                Eval::unknown()
            }
            Expr::Lambda(l) => {
                let given = match &l.parameters {
                    Some(p) => self.parameter_defaults(p),
                    None => Vec::new(),
                };
                // A body without parameters that folds gives that constant on every call
                // (`(lambda: "sys" + "tem")()`, a wrapper obfuscators use); the body itself is
                // walked later, with the enclosing scope complete. (With parameters, a name in
                // the body could be one of them, shadowing what the enclosing scope binds.)
                let gives = match &l.parameters {
                    Some(p) if !p.is_empty() => None,
                    _ => self.fold_pure(&l.body, &[], 0),
                };
                // A body that gives what a followed call returned (`lambda s:
                // __import__("zlib").decompress(b64decode(s))`): its call gives that, for
                // `derived_from` tests, as a `def` returning it does.
                let yields = if gives.is_none() && self.c.needs_returned {
                    self.carried_by(Locals::Lambda(l), &l.body, 0)
                } else {
                    None
                };
                let scope = self.scopes.push(ScopeKind::Function, Some(self.scope));
                let mut frames = self.frames.clone();
                frames.push(Frame::Lambda);
                // A lambda made at import time is called there as a rule (a sort key, a
                // callback handed on, a list of steps run in a loop): its body runs then too.
                if self.at_import() {
                    frames.push(Frame::CalledAtImport);
                }
                self.deferred.push_back(Deferred {
                    body: Body::Lambda(l),
                    scope,
                    frames,
                    depth: self.depth,
                    origin: self.origin,
                    given,
                });
                match (gives, yields) {
                    (Some(c), _) => Eval::of(ValueSet::one(Value::Gives(Rc::new(c.share())))),
                    (None, Some(given)) => Eval::of(ValueSet::one(Value::Yields(Rc::new(given)))),
                    (None, None) => Eval::unknown(),
                }
            }
            Expr::Dict(d) => {
                let mut entries: Vec<(Rc<str>, ValueSet<'a>)> = Vec::new();
                // What its values carry for `derived_from` tests: the dict is built of them
                // (`{"env": env}`, `{**os.environ}`).
                let mut passed = ValueSet::default();
                let mut keyed = d.items.len() <= 32;
                // The constant dict, while every key and value folds to something immutable
                // (`**` of a folded dict included).
                let wanted = self.dict_wanted.take() == Some(d.range.start());
                let mut pairs: Option<Vec<(Const<'a>, Const<'a>)>> =
                    (wanted && d.items.len() <= MAX_DICT_DISPLAY).then(Vec::new);
                // An entry of a `logging.config` dictionary naming a factory (`"()"`) or a
                // handler's class: its other keys are kept, the factory is called with them.
                let mut factory: Option<FactoryEntry<'a>> =
                    names_factory(d).then(FactoryEntry::default);
                for item in &d.items {
                    let mut key_fold = None;
                    let key = match &item.key {
                        Some(k) => {
                            let mut ev = self.expr(k);
                            let key = ev.fold.as_ref().and_then(Const::as_str).map(Rc::from);
                            self.flush(&mut ev);
                            key_fold = ev.fold.take();
                            key
                        }
                        None => None,
                    };
                    let mut ev = if item.key.is_none() {
                        // `{**d}` copies `d`: it keeps no hold on it.
                        if wanted && let Expr::Dict(inner) = &item.value {
                            self.dict_wanted = Some(inner.range.start());
                        }
                        self.expr_reading(&item.value)
                    } else {
                        self.expr(&item.value)
                    };
                    // `{"()": "subprocess.Popen", ...}` and `{"class": ...}`: the objects
                    // `logging.config` imports and calls with the entry's other keys.
                    if let (Some("()" | "class"), Some(named)) =
                        (key.as_deref(), ev.fold.as_ref().and_then(Const::as_str))
                        && is_dotted_name(named)
                        && named.contains('.')
                    {
                        let from = self.hits.len();
                        let named = named.to_string();
                        if let Some(object) = self.resolve_named(&named) {
                            reference::hits(
                                self.c,
                                &ValueSet::one(Value::Qual(object.clone())),
                                &mut self.reference_memo,
                                &mut self.hits,
                            );
                            if let Some(f) = &mut factory
                                && f.callee.is_none()
                            {
                                f.callee = Some((object, item.value.range()));
                            }
                        }
                        self.settle(item.value.range(), None, from);
                    } else if let (Some(f), Some(k)) = (&mut factory, key.as_deref())
                        && is_factory_keyword(k)
                        && f.kwargs.len() < MAX_FACTORY_KEYWORDS
                    {
                        f.kwargs.push((Rc::from(k), ev.fold.clone(), ev.vals.clone()));
                    }
                    match key {
                        Some(k) if keyed => entries.push((k, ev.vals.clone())),
                        _ => keyed = false,
                    }
                    passed.union(&self.text_of([&ev.vals]));
                    self.flush(&mut ev);
                    if let Some(p) = &mut pairs {
                        match (key_fold, ev.fold.take(), &item.key) {
                            // Flat dicts only: one holding lists or dicts (a data table) is
                            // not worth its copies, and a name never holds it.
                            (Some(k), Some(v), Some(_)) if v.is_frozen() => p.push((k, v)),
                            (None, Some(Const::Dict(items)), None) => {
                                p.extend(items.iter().cloned());
                            }
                            _ => pairs = None,
                        }
                    }
                }
                if let Some(FactoryEntry { callee: Some((object, at)), kwargs }) = factory {
                    self.factory_called(object, at, &kwargs);
                }
                let fold = pairs
                    .filter(|p| p.len() <= MAX_DICT_DISPLAY && self.budget.take(p.len()))
                    .and_then(fold::dict);
                // Kept when an entry refers to something, or is a path (a grabber's table of
                // stores, `{"Discord": roaming + "\\discord", ...}`, looped over by `values()`
                // or `items()`).
                let mut vals = if keyed
                    && entries
                        .iter()
                        .any(|(_, v)| v.refers() || !crate::paths::texts_of(v).is_empty())
                {
                    ValueSet::one(Value::Dict(entries.into()))
                } else {
                    ValueSet::unknown()
                };
                if !passed.is_empty() {
                    vals.union(&passed);
                }
                Eval { vals, fold, ..Eval::default() }
            }
            Expr::Set(s) => {
                // Not folded (a set has no order), but what its elements refer to is kept for a
                // loop over it (`for m in {os}`).
                let mut items = Vec::new();
                for x in &s.elts {
                    let mut ev = self.expr(x);
                    self.flush(&mut ev);
                    items.push(ev.binding());
                }
                if items.len() <= 32 && items.iter().any(ValueSet::refers) {
                    Eval::of(ValueSet::one(Value::Seq(items.into())))
                } else {
                    Eval::unknown()
                }
            }
            Expr::List(ast::ExprList { elts, range, .. }) => {
                self.sequence(elts, SeqKind::List, *range)
            }
            Expr::Tuple(ast::ExprTuple { elts, range, .. }) => {
                self.sequence(elts, SeqKind::Tuple, *range)
            }
            Expr::ListComp(c) => {
                let (fold, passed) = self.comprehension_of(&c.generators, &c.elt);
                let pending = self.folded_items(c.range, fold.as_ref());
                self.built_from_source(Eval { fold, pending, ..Self::display_of(passed) })
            }
            Expr::SetComp(c) => {
                let (_, passed) = self.comprehension_of(&c.generators, &c.elt);
                self.built_from_source(Self::display_of(passed))
            }
            Expr::Generator(c) => {
                // Folded as the list it yields: `"".join(chr(c) for c in (...))` joins it.
                let (fold, passed) = self.comprehension_of(&c.generators, &c.elt);
                let pending = self.folded_items(c.range, fold.as_ref());
                self.built_from_source(Eval { fold, pending, ..Self::display_of(passed) })
            }
            Expr::DictComp(c) => {
                let fold = match &c.key {
                    Some(k) => self.comprehension(&c.generators, &[k, &c.value], None),
                    None => {
                        self.comprehension(&c.generators, &[&c.value], None);
                        None
                    }
                };
                self.built_from_source(Eval { fold, ..Eval::unknown() })
            }
            Expr::Await(a) => {
                // What awaiting a call gives stands for the call's result, as the library's
                // own documentation names it: `p = await asyncio.create_subprocess_exec(...)`
                // is the process (`p.communicate` is `asyncio.create_subprocess_exec()
                // .communicate`), `r = await session.get(url)` the response, and what is
                // reached from a followed call stays so for `derived_from` (`reader, writer =
                // await asyncio.open_connection(...)`, then `await reader.readline()`). A
                // coroutine function of the file already gives what it returns.
                let mut ev = self.expr(&a.value);
                self.flush(&mut ev);
                if ev.vals.is_empty() { Eval::unknown() } else { Eval::of(ev.vals) }
            }
            Expr::Yield(y) => {
                if let Some(v) = &y.value {
                    self.returned_value(v);
                }
                Eval::unknown()
            }
            Expr::YieldFrom(y) => {
                self.returned_value(&y.value);
                Eval::unknown()
            }
            Expr::Starred(s) => {
                self.value(&s.value);
                Eval::unknown()
            }
            Expr::Slice(s) => {
                for part in [&s.lower, &s.upper, &s.step].into_iter().flatten() {
                    self.value(part);
                }
                Eval::unknown()
            }
            Expr::FString(f) => self.fstring(f),
            Expr::TString(t) => {
                for part in t.value.iter() {
                    self.interpolations(&part.elements, &mut FText::new(false), &mut Vec::new());
                }
                Eval::unknown()
            }
            Expr::StringLiteral(s) => {
                let fold = Some(Const::Str(string_text(s)));
                let from = self.hits.len();
                self.finish(s.range, None, from, ValueSet::unknown(), fold, Vec::new())
            }
            Expr::BytesLiteral(b) => {
                let from = self.hits.len();
                self.finish(
                    b.range,
                    None,
                    from,
                    ValueSet::unknown(),
                    Some(Const::Bytes(bytes_value(b))),
                    Vec::new(),
                )
            }
            Expr::NumberLiteral(n) => {
                let fold = match &n.value {
                    Number::Int(i) => i.as_i64().map_or_else(|| big_literal(i), Const::Int),
                    Number::Float(f) => Const::Float(*f),
                    Number::Complex { .. } => Const::Opaque,
                };
                Eval { fold: Some(fold), ..Eval::unknown() }
            }
            Expr::BooleanLiteral(b) => Eval { fold: Some(Const::Bool(b.value)), ..Eval::unknown() },
            Expr::NoneLiteral(_) => Eval { fold: Some(Const::None), ..Eval::unknown() },
            Expr::EllipsisLiteral(_) => Eval { fold: Some(Const::Opaque), ..Eval::unknown() },
            Expr::IpyEscapeCommand(_) => Eval::unknown(),
        }
    }

    /// `obj.<name>` reached by a name the engine knows rather than written (a resolver's
    /// argument, a pattern's keyword, a format field): the attribute rules are tested on it
    /// as if written, and what it holds is given back.
    fn reach_attribute(&mut self, obj: &ValueSet<'a>, name: &str) -> ValueSet<'a> {
        attribute::hits(
            self.c,
            name,
            attribute::Receiver::Known(obj),
            &mut self.interner,
            &mut self.hits,
        );
        self.attr_vals(obj, name)
    }

    /// Whether `e` is a lambda that only hands its two parameters to the builtin `getattr`
    /// (`lambda o, n: getattr(o, n)`): given to `functools.reduce`, it walks a chain of names
    /// as `getattr` itself does.
    fn getattr_lambda(&mut self, e: &Expr) -> bool {
        let Expr::Lambda(l) = e else { return false };
        let Some(p) = l.parameters.as_deref() else { return false };
        let params: SmallVec<[&ast::ParameterWithDefault; 2]> =
            p.posonlyargs.iter().chain(&p.args).collect();
        let Expr::Call(call) = &*l.body else { return false };
        let (Expr::Name(f), [Expr::Name(obj), Expr::Name(attr)], [a, b]) =
            (&*call.func, &*call.arguments.args, params.as_slice())
        else {
            return false;
        };
        if !call.arguments.keywords.is_empty()
            || p.vararg.is_some()
            || key(&obj.id) != key(&a.parameter.name.id)
            || key(&attr.id) != key(&b.parameter.name.id)
        {
            return false;
        }
        let callee = key_str(&f.id);
        if params.iter().any(|pd| key_str(&pd.parameter.name.id) == callee) {
            return false;
        }
        let found = self.scopes.lookup(self.scope, &callee, &mut self.interner);
        !found.alts().is_empty()
            && found
                .alts()
                .iter()
                .all(|v| matches!(v, Value::Qual(q) if &**q == "builtins.getattr"))
    }

    fn name(&mut self, n: &'a ast::ExprName, callee: bool) -> Eval<'a> {
        if n.ctx != ExprContext::Load {
            return Eval::unknown();
        }
        let name = key_str(&n.id);
        let mut found = self.scopes.lookup(self.scope, &name, &mut self.interner);
        let reading = self.reading.take() == Some(n.range.start());
        // A list or dict the name holds: kept where it is read in place, in the scope that
        // follows it; anywhere else it is handed on, and not followed from then on. Its
        // value is only ever the fold: the alternatives handed on never hold it.
        let mut fold = None;
        if found.alts().iter().any(Value::is_mutable_const) {
            let owner = self.scopes.owner(self.scope, &name);
            let in_place = reading && owner.is_some_and(|o| self.reads_in_place(o));
            if in_place {
                fold = found.single_const().cloned();
            } else if let Some(o) = owner {
                // A module's list of strings read in a function (`CMD = ["ssh", "-R", ...]`,
                // then `subprocess.Popen(CMD)` in `def start()`), or its dict of strings
                // (`PATHS = {"Discord": ..., "Chrome": ...}`, then `PATHS.items()`): what the
                // module bound is what the function most likely reads, since few programs
                // change such a table. Handed on all the same.
                if o == MODULE
                    && self.scopes.kind(self.scope) == ScopeKind::Function
                    && let Some(c) = found.single_const()
                    && (c.is_string_list() || c.is_string_table())
                {
                    fold = Some(c.clone());
                }
                self.escape(o, &name);
            }
            found = found.without_mutables();
        }
        let fold = fold.or_else(|| found.single_const().cloned());
        // A path a join of the module made, read in a function (`open(os.path.join(SSH_DIR,
        // name))` in `def steal()`): by the time the function runs the name may hold another
        // value, so it is not surely what the join returned. The rules that leave a join's
        // path to the strings it is made of, reported where the join is written, then see the
        // read in the function: the act, in another place than the constant.
        if fold.is_none()
            && found.alts().iter().any(|v| matches!(v, Value::Path(_)))
            && self.scopes.kind(self.scope) == ScopeKind::Function
            && self.scopes.owner(self.scope, &name) == Some(MODULE)
        {
            found.push(Value::Unknown);
        }
        // A name surely bound to one of a few constants (a `for` over a literal tuple, or a
        // constant on every path of `if` statements) stays a set of constants: `__import__`,
        // `import_module` and `getattr` then reach each one, and `computed` tests see it as
        // known (`literal` tests, which need one value, do not).
        // A name that may be a constant or something else (a parameter with a default) keeps
        // its constants too: `getattr` and the import calls reach each of them.
        let vals = if fold.is_some() {
            let mut vals = ValueSet::unknown();
            // Where a folded call's constant came from (most constants have no origin).
            if found.alts().len() > 1 {
                vals.union(&found.const_origins());
            }
            vals
        } else {
            found
        };
        let from = self.hits.len();
        if !callee {
            reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
            let hook = self.hook_value == Some(n.range.start());
            // A function of the file handed on where a rule's context holds (`atexit.register
            // (_post)`, `Thread(target=_post)` at the top of `setup.py`, a step list in a
            // command's `run`) runs there as a call would.
            if !self.functions.is_empty()
                && (self.at_import()
                    || (!self.c.context_classes.is_empty()
                        && self.frames.iter().any(|f| matches!(f, Frame::Class(_)))))
                && !hook
                && self.function_bits & name_bit(&n.id) != 0
                && self.functions.contains_key(&n.id)
            {
                self.function_called_here(&n.id, &[], &[]);
            }
        }
        self.settle(n.range, None, from);
        Eval { vals, fold, ..Eval::default() }
    }

    /// The string candidates a name given as an argument of this call carries from the text
    /// it was built as (see [`Self::name_texts`]), matched at the name, inside the call.
    fn carried_texts_at(&mut self, c: &'a ast::ExprCall) {
        let args = spread::argument_values(&c.arguments);
        for arg in args {
            let Expr::Name(n) = arg else { continue };
            let Some(texts) = self.name_texts.get(&(self.scope, key(&n.id))).cloned() else {
                continue;
            };
            for carried in texts.iter() {
                let cand = Cand { range: n.range, callee: None, delayed: Vec::new() };
                let text = Const::Str(Text::Owned(carried.text.to_string()));
                self.settle_cand_except(cand, Some(&text), &carried.done);
            }
        }
    }

    /// The followed call a value written to a file came from (the file then holds a download),
    /// unless the value may be an encoding of it (see [`is_encoding`]).
    fn written_download(&self, data: &ValueSet<'a>) -> Option<QName> {
        if is_encoding(data) {
            return None;
        }
        data.alts().iter().find_map(|v| match v.derived(&self.c.derived_origins) {
            Some(Value::From(q)) => Some(q),
            _ => None,
        })
    }

    /// The origin `os.environ` when some `derived_from` test follows it (see
    /// [`ValueSet::passed_on`]).
    fn environment_origin(&mut self) -> Option<QName> {
        self.c.derived_origins.matches("os.environ").then(|| self.interner.intern("os.environ"))
    }

    /// The origin of the environment variable `name` read by that name (`os.environ["X"]`,
    /// `os.getenv("X")`), `os.environ.X`, where a `derived_from` test names it: a secret a CI
    /// runner or a cloud keeps there is followed as a credential is (`stored-secret-
    /// exfiltration`), while one variable is not the whole environment.
    fn environment_variable_origin(&mut self, name: &str) -> Option<QName> {
        if name.is_empty()
            || name.len() > 128
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return None;
        }
        let origin = format!("os.environ.{name}");
        self.c.derived_origins.matches(&origin).then(|| self.interner.intern(&origin))
    }

    /// The origin of what a call that opens or reads a file gives, `file.PATH`, where the
    /// path's text is known and a `derived_from` test names it: the opening functions'
    /// first argument (`open`, `io.open`, `codecs.open`, `aiofiles.open`) or the path a
    /// `pathlib` method reads (`read_text`, `read_bytes`, `open`).
    fn file_origin(
        &mut self,
        quals: &[QName],
        method: Option<&Name>,
        recv: Option<&Eval<'a>>,
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<QName> {
        let given = if quals.iter().any(|q| FILE_OPENERS.contains(&&**q)) {
            opened_path(pos, kws)?
        } else if method.is_some_and(|m| matches!(m.as_str(), "read_text" | "read_bytes" | "open"))
        {
            recv?
        } else {
            return None;
        };
        self.followed_file_origin(given)
    }

    /// The origin `file.PATH` (or `file.::own::PATH` for the project's own code) of what the
    /// file at a path holds, where its text is known and a `derived_from` test follows it. A
    /// name bound to several paths (an entry whose name a test pinned to one of a few, see
    /// `crate::paths::pinned`) may be any of them: the first a rule follows.
    fn followed_file_origin(&mut self, given: &Eval<'a>) -> Option<QName> {
        self.followed_origin_at(given, false)
    }

    /// As [`Self::followed_file_origin`], of the files of a directory at a path (`path/?`, some
    /// entry of it, see [`crate::paths::UNKNOWN_PART`]) where `inside`: what an archive of the
    /// directory holds.
    fn followed_origin_at(&mut self, given: &Eval<'a>, inside: bool) -> Option<QName> {
        let mut origin = None;
        let found = |path: &str| {
            let slashed = slashed(path);
            let path = &*slashed;
            let entry;
            let path = if inside {
                entry = format!("{}/{}", path.trim_end_matches('/'), crate::paths::UNKNOWN_PART);
                &*entry
            } else {
                path
            };
            let text = match own_source_path(path) {
                Some(own) => format!("{OWN_SOURCE_ORIGIN}{own}"),
                None => format!("{FILE_ORIGIN}{path}"),
            };
            let followed = self.c.derived_origins.matches(&text);
            if followed {
                origin = Some(text);
            }
            followed
        };
        any_path_text(given, found);
        Some(self.interner.intern(&origin?))
    }

    /// The origin of what a process started by a call that hands its output back prints,
    /// `command.LINE`, where the command line is known and a `derived_from` test names it:
    /// the program's base name and its words, one space apart (`["/usr/bin/gh", "auth",
    /// "token"]` and `"gh  auth token"` are both `command.gh auth token`).
    fn command_origin(
        &mut self,
        quals: &[QName],
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<QName> {
        let line = if quals.iter().any(|q| {
            matches!(
                &**q,
                "asyncio.create_subprocess_exec" | "asyncio.subprocess.create_subprocess_exec"
            )
        }) {
            // The words are its positional arguments.
            let words: Vec<&Const<'a>> =
                pos.iter().map(|e| e.fold.as_ref()).collect::<Option<_>>()?;
            crate::matchers::call::command_line(words)?
        } else {
            self.command_line_given(quals, pos, kws)?
        };
        // Each command of the line a shell runs (`cd /tmp && gh auth token`, `sh -c "gh auth
        // token"`), the first a rule follows.
        let origin = shell_commands(&line).into_iter().find_map(|command| {
            let (program, rest) = command.split_once(' ').unwrap_or((command, ""));
            let program = program.rsplit(['/', '\\']).next().unwrap_or(program);
            let program = program.strip_suffix(".exe").unwrap_or(program);
            let origin = if rest.is_empty() {
                format!("{COMMAND_ORIGIN}{program}")
            } else {
                format!("{COMMAND_ORIGIN}{program} {rest}")
            };
            self.c.derived_origins.matches(&origin).then_some(origin)
        })?;
        Some(self.interner.intern(&origin))
    }

    /// The origin of what a request reads, `url.ADDRESS`, where a `derived_from` test names
    /// it: the address a reading call is given first (`requests.get`, `urlopen`, `httpx.get`,
    /// a session's `get`), folded, or its literal start where the rest is computed (`"http://
    /// host/path/" + name`, an f-string), then `FORMAT_HOLE` for the rest.
    fn url_origin(
        &mut self,
        quals: &[QName],
        c: &'a ast::ExprCall,
        pos: &[Eval<'a>],
    ) -> Option<QName> {
        // A request object made for a known address (`urlopen(Request(url, headers=...))`,
        // the way a metadata service's required header is sent with `urllib`) holds the
        // address apart, under a name no `derived_from` test matches: the object is not what
        // the address serves, and is not reported as sent where it is opened.
        let makes_request = quals.iter().any(|q| REQUEST_MAKERS.contains(&&**q));
        if !makes_request && !quals.iter().any(|q| URL_READERS.contains(&&**q)) {
            return None;
        }
        if !makes_request
            && let Some(made) = pos.first()?.vals.alts().iter().find_map(|v| match v {
                Value::From(origin) => origin.strip_prefix(REQUEST_ORIGIN),
                _ => None,
            })
        {
            let made = made.to_string();
            return Some(self.interner.intern(&made));
        }
        let address = match pos.first()?.fold.as_ref() {
            Some(Const::Str(text)) => text.as_str().to_string(),
            Some(_) => return None,
            None => {
                // The leftmost operand of a chain of `+` (`"http://host/" + a + b`).
                let mut written = c.arguments.args.first()?;
                while let Expr::BinOp(b) = written
                    && b.op == ast::Operator::Add
                {
                    written = &b.left;
                }
                let start = crate::matchers::call::constant_start(written)?;
                if start.is_empty() {
                    return None;
                }
                format!("{start}{FORMAT_HOLE}")
            }
        };
        let origin = format!("{URL_ORIGIN}{address}");
        if !self.c.derived_origins.matches(&origin) {
            return None;
        }
        Some(if makes_request {
            self.interner.intern(&format!("{REQUEST_ORIGIN}{origin}"))
        } else {
            self.interner.intern(&origin)
        })
    }

    /// The command line an output-giving process call runs, when its argument folds to a
    /// string (words one space apart) or a list of strings (see `command_origin`).
    fn command_line_given(
        &self,
        quals: &[QName],
        pos: &[Eval<'a>],
        kws: &[(Name, Eval<'a>)],
    ) -> Option<String> {
        let keyword = quals.iter().find_map(|q| {
            OUTPUT_RUNNERS.iter().find(|(runner, _)| *runner == &**q).map(|(_, k)| *k)
        })?;
        let given =
            pos.first().or_else(|| kws.iter().find(|(k, _)| k == keyword).map(|(_, e)| e))?;
        Some(match given.fold.as_ref()? {
            Const::Str(text) => text.as_str().split_whitespace().collect::<Vec<_>>().join(" "),
            Const::Seq(_, items) => crate::matchers::call::command_line(items.iter())?,
            _ => return None,
        })
    }

    /// A comprehension's value, with what its first iterable carries for `derived_from` tests
    /// (see [`Self::comp_source`]) when that is anything.
    fn built_from_source(&mut self, mut ev: Eval<'a>) -> Eval<'a> {
        let source = std::mem::take(&mut self.comp_source);
        if !source.is_empty() {
            ev.vals.union(&source);
        }
        ev
    }

    /// A path object made of string literals (`Path(".git")`, `PurePath("repo", ".git")`) that
    /// starts a `/` chain: its parts begin the chain's constant end, so `Path(".git") /
    /// "hooks"` is matched as `.git/hooks`.
    #[cold]
    fn path_start(&mut self, left: &'a Expr) -> Option<(String, u32)> {
        let Expr::Call(c) = left else { return None };
        let args = &c.arguments;
        if !args.keywords.is_empty()
            || args.args.is_empty()
            || !args.args.iter().all(|a| matches!(a, Expr::StringLiteral(_)))
        {
            return None;
        }
        let q = self.plain_name(&c.func)?;
        if !PATH_CLASSES.contains(&&*q) {
            return None;
        }
        let mut text = String::new();
        for (i, a) in args.args.iter().enumerate() {
            let Expr::StringLiteral(lit) = a else { return None };
            let part = lit.value.to_str();
            if i == 0 {
                text.push_str(part.trim_end_matches(['/', '\\']));
            } else {
                push_path_part(&mut text, part);
            }
        }
        (text.len() <= fold::MAX_CONST_LEN)
            .then(|| (text, u32::try_from(args.args.len()).unwrap_or(u32::MAX)))
    }

    /// A method of a path object whose text is known, called (`p.unlink()`,
    /// `p.write_bytes(data)`): the call rules see `pathlib.Path.unlink(p)`, the path first.
    #[cold]
    fn path_method_hits(&mut self, m: &Name, recv: &ValueSet<'a>, args: &CallArgs<'_, 'a>) {
        if !matches!(
            m.as_str(),
            "unlink"
                | "rmdir"
                | "write_bytes"
                | "write_text"
                | "read_bytes"
                | "read_text"
                | "open"
                | "rename"
                | "replace"
                | "touch"
                | "chmod"
                | "symlink_to"
                | "hardlink_to"
        ) {
            return;
        }
        let callee = ValueSet::qual(self.interner.intern(&format!("pathlib.Path.{m}")));
        let mut pos: SmallVec<[Option<&Const<'a>>; 4]> = SmallVec::new();
        pos.push(None);
        pos.extend(args.pos.iter().copied());
        let mut refs: SmallVec<[&ValueSet<'a>; 4]> = SmallVec::new();
        refs.push(recv);
        refs.extend(args.pos_refs.iter().copied());
        let shifted = CallArgs {
            pos: &pos,
            kw: args.kw,
            star_at: args.star_at.map(|s| s + 1),
            double_star: args.double_star,
            spread: args.spread,
            pos_refs: &refs,
            kw_refs: args.kw_refs,
            nodes: None,
            spelled: args.spelled,
            nodes_in_file: false,
        };
        call::hits(self.c, &callee, &shifted, &mut self.call_memo, &mut self.hits);
    }

    /// `a / b` and `a + b` whose right operand is a constant string, after a computed start:
    /// the constant end of such a chain is a string candidate of its own, matched by the string
    /// rules as `os.path.join`'s constant end is (see `call`), where each part alone was matched
    /// before. `/` is a path join (a string divides nothing else): `Path.home() / ".aws" /
    /// "credentials"` gives `/.aws/credentials`; `+` a concatenation: `home + "/." + "s" +
    /// "sh/"` gives `/.ssh/`. The candidate is settled at the outermost operator of the chain,
    /// when it holds at least two constant parts.
    fn constant_end(&mut self, b: &'a ast::ExprBinOp) -> Eval<'a> {
        let outermost = !std::mem::take(&mut self.end_left);
        let left_chains = matches!(&*b.left, Expr::BinOp(inner) if inner.op == b.op);
        self.end_left = left_chains;
        let mut l = self.expr_reading(&b.left);
        // The inner operator took the flag as it started, unless the reading stopped before it.
        self.end_left = false;
        let left_end = if left_chains {
            self.end_of_left.take()
        } else if b.op == ast::Operator::Div && matches!(&*b.left, Expr::Call(_)) {
            self.path_start(&b.left)
        } else {
            None
        };
        let mut r = self.expr_reading(&b.right);
        let fold = fold::binop(b.op, &mut l.fold, &mut r.fold, &mut self.budget);
        let passed = match b.op {
            ast::Operator::Add => self.sum_of(&l, &r),
            // `Path.home() / ".ssh"`: a path whose text is known (see `crate::paths`); and a
            // path joined from a followed value, as `os.path.join` of it is
            // (`importlib.resources.files(pkg) / "api.py"`).
            ast::Operator::Div => {
                let mut passed = crate::paths::divided(&l.vals, r.fold.as_ref(), &r.vals);
                if !self.c.derived_origins.is_empty() {
                    passed.union(&l.vals.passed_on(&self.c.derived_origins));
                    passed.union(&r.vals.passed_on(&self.c.derived_origins));
                    // A path inside a directory a download was saved in (`d / "run.py"`).
                    self.inside_directory(&mut passed);
                }
                passed
            }
            _ => ValueSet::default(),
        };
        // Built only where it can be used: handed out, or at the outermost operator of a chain
        // (a lone `name + "text"` has one part, already a candidate of its own).
        let wanted = !outermost || left_end.is_some();
        // A path whose text is known run on with `+` (`"curl -F f=@" + key`, `key` bound to
        // `os.path.expanduser("~/.ssh/id_rsa")`) is part of the chain's text too, as a field
        // of an f-string is (see `FText::path`): the string rules read the command with it.
        let added_path = match (&fold, b.op) {
            (None, ast::Operator::Add) if r.fold.is_none() => one_path_text(&r.vals),
            _ => None,
        };
        let end = match (&fold, &l.fold, r.fold.as_ref().and_then(Const::as_str), added_path) {
            (None, None, Some(part), _) if wanted => {
                let (mut text, parts) = left_end.unwrap_or_default();
                if b.op == ast::Operator::Div {
                    push_path_part(&mut text, part);
                } else {
                    text.push_str(part);
                }
                (text.len() <= fold::MAX_CONST_LEN).then_some((text, parts + 1))
            }
            (None, Some(start), None, Some(path)) => start.as_str().and_then(|start| {
                let text = format!("{start}{path}");
                if outermost && !left_chains && self.embedded_depth == 0 {
                    // `"f=@" + key`: the whole text (see `Self::path_words`).
                    self.path_words.insert(b.range, text.clone());
                }
                (text.len() <= fold::MAX_CONST_LEN).then_some((text, 2))
            }),
            (None, None, None, Some(path)) => left_end.and_then(|(mut text, parts)| {
                text.push_str(path);
                (text.len() <= fold::MAX_CONST_LEN).then_some((text, parts + 1))
            }),
            _ => None,
        };
        let v = verdict_for(fold.as_ref());
        let mut carried = Vec::new();
        self.verdict(v, &mut l, &mut carried);
        self.verdict(v, &mut r, &mut carried);
        match end {
            Some((text, parts)) if outermost && parts >= 2 => {
                let cand = Cand { range: b.range, callee: None, delayed: Vec::new() };
                self.settle_cand(cand, Some(&Const::Str(Text::Owned(text))));
            }
            Some(e) if !outermost => self.end_of_left = Some(e),
            _ => {}
        }
        let from = self.hits.len();
        self.finish(b.range, None, from, passed, fold, carried)
    }

    /// What `l + r` carries: as [`Self::text_of`] for `derived_from`, and a path's text run on
    /// (`root + "/" + name`, see [`crate::paths::concat`]).
    fn sum_of(&self, l: &Eval<'a>, r: &Eval<'a>) -> ValueSet<'a> {
        let mut out = self.text_of([&l.vals, &r.vals]);
        for path in crate::paths::concat(&l.vals, r.fold.as_ref(), &r.vals) {
            out.push(path);
        }
        out
    }

    /// What a text made of these parts (`f"{env}"`, `"%s" % env`, `"e=" + data`) carries for
    /// `derived_from` tests: what each part passes on (see [`ValueSet::passed_on`]).
    fn text_of<'v>(&self, parts: impl IntoIterator<Item = &'v ValueSet<'a>>) -> ValueSet<'a>
    where
        'a: 'v,
    {
        let mut out = ValueSet::default();
        if self.c.needs_returned {
            for p in parts {
                if !p.is_empty() {
                    out.union(&p.passed_on(&self.c.derived_origins));
                }
            }
        }
        out
    }

    /// The class whose methods share `self.x` (the nearest enclosing class), or the module.
    /// Remembered for the scope being read, which asks it at every attribute.
    fn slot_owner(&self) -> u32 {
        let (for_scope, owner) = self.owner_of_scope.get();
        if for_scope == self.scope {
            return owner;
        }
        let owner = self.find_slot_owner();
        self.owner_of_scope.set((self.scope, owner));
        owner
    }

    fn find_slot_owner(&self) -> u32 {
        let mut scope = self.scope;
        loop {
            if self.scopes.kind(scope) == ScopeKind::Class {
                return scope;
            }
            match self.scopes.parent(scope) {
                Some(p) => scope = p,
                None => return MODULE,
            }
        }
    }

    /// Remembers what `owner.attr = value` stored, when it refers to something (a module, a
    /// function, a followed call result): code is read in order, so `__init__` storing
    /// `self.sock` is seen before the methods that use it.
    fn store_attr_slot(&mut self, name: &ast::ExprName, attr: &Name, vals: &ValueSet<'a>) {
        let owner = self.slot_owner();
        self.add_attr_slot(owner, key(&name.id), key(attr), vals);
    }

    /// Adds to what `name.attr` may hold in the methods of class scope `owner` (the module
    /// outside classes).
    fn add_attr_slot(&mut self, owner: u32, name: Name, attr: Name, vals: &ValueSet<'a>) {
        let kept = vals.referring();
        if kept.is_empty() {
            return;
        }
        self.scopes.mark_stored(owner);
        let slots = self.attr_slots.entry(attr).or_default();
        match slots.iter_mut().find(|s| s.owner == owner && s.name == name) {
            Some(slot) => slot.vals.union(&kept),
            None => slots.push(AttrSlot { owner, name, vals: kept }),
        }
    }

    /// What was stored on `name.attr` earlier in the file (see [`Self::store_attr_slot`]).
    fn attr_slot(&self, name: &ast::ExprName, attr: &str) -> Option<&ValueSet<'a>> {
        let slots = self.attr_slots.get(attr)?;
        let owner = self.slot_owner();
        let name = key_str(&name.id);
        slots.iter().find(|s| s.owner == owner && s.name.as_str() == name).map(|s| &s.vals)
    }

    /// What reading `attr` on class scope `class` or one of its instances gives: what the
    /// class's body, or a base's of the file, bound to that name (a descriptor's value in
    /// place of the descriptor), and what the class's methods stored on that attribute of
    /// `holder` (`self` for an object of the class, the name read in a method). Empty when
    /// nothing worth keeping is known.
    fn class_member(&self, class: u32, attr: &str, holder: &str) -> ValueSet<'a> {
        let mut out = ValueSet::default();
        if self.scopes.bases(class).is_empty() {
            self.own_member(class, attr, holder, &mut out);
        } else {
            for c in self.scopes.class_chain(class) {
                self.own_member(c, attr, holder, &mut out);
            }
        }
        out
    }

    /// [`Self::class_member`] of one class, without its bases.
    fn own_member(&self, class: u32, attr: &str, holder: &str, out: &mut ValueSet<'a>) {
        if let Some(v) = self.scopes.class_attribute(class, attr) {
            for alt in v.alts() {
                match alt {
                    Value::Descriptor(given) => out.union(given),
                    // An object of a class whose `__get__` returns a module gives it.
                    Value::Instance(d) => match self.dunder_get(*d) {
                        Some(given) => out.union(&given),
                        None => out.push(alt.clone()),
                    },
                    other => out.push(other.clone()),
                }
            }
        }
        if self.scopes.stored(class)
            && let Some(slots) = self.attr_slots.get(attr)
        {
            for s in slots.iter().filter(|s| s.owner == class && s.name.as_str() == holder) {
                out.union(&s.vals);
            }
        }
    }

    /// What the `__get__` of class scope `class` (or a base's) returns, when it is known to
    /// return a module.
    fn dunder_get(&self, class: u32) -> Option<ValueSet<'a>> {
        self.scopes.class_chain(class).into_iter().find_map(|c| {
            let v = self.scopes.class_attribute(c, "__get__")?;
            v.alts().iter().find_map(|alt| match alt {
                Value::Yields(given) => Some((**given).clone()),
                _ => None,
            })
        })
    }

    /// `self.<attr>` of an object of class scope `class` that neither the class nor a base of
    /// the file defines, where a base defined elsewhere is one whose objects' attributes a
    /// rule names: that base's attribute (`self.spawn(...)` in a subclass of setuptools'
    /// `install` is `setuptools.command.install.install().spawn`). A method the class or a
    /// base of the file defines under that name overrides it, and is not the base's.
    fn inherited_from_outer_base(&mut self, class: u32, attr: &str, out: &mut ValueSet<'a>) {
        let chain = self.scopes.class_chain(class);
        if chain.iter().any(|c| self.scopes.binds(*c, attr)) {
            return;
        }
        for c in chain {
            for base in self.scopes.outer_bases(c).to_vec() {
                let instance = format!("{base}().{attr}");
                if instance.len() <= crate::value::MAX_QUAL_LEN {
                    out.push(Value::Qual(self.interner.intern(&instance)));
                }
            }
        }
    }

    /// What `obj.<attr>` holds, `obj` being an expression's values and what it folds to: as
    /// [`Self::attr_vals`], and a literal's `__class__` is its builtin class (`().__class__` is
    /// `builtins.tuple`), the first step of a walk up to `object` (see `builtin_mro`).
    fn attr_of(
        &mut self,
        vals: &ValueSet<'a>,
        fold: Option<&Const<'a>>,
        attr: &str,
    ) -> ValueSet<'a> {
        if attr == "__class__"
            && let Some(class) = fold.and_then(Const::builtin_class)
        {
            return ValueSet::one(Value::Qual(self.interner.intern(class)));
        }
        self.attr_vals(vals, attr)
    }

    /// What `base.attr` refers to.
    fn attr_vals(&mut self, base: &ValueSet<'a>, attr: &str) -> ValueSet<'a> {
        let mut out = ValueSet::default();
        for alt in base.alts() {
            match alt {
                Value::Class { scope, .. } | Value::Instance(scope) => {
                    // A method read off an object or class of the file at import time runs
                    // there (a property's getter, a bound method handed on: `Thread(
                    // target=Beacon().send)`), as a function of the file named there does.
                    if self.function_bits & name_bit(attr) != 0 && self.at_import() {
                        let through_instance = matches!(alt, Value::Instance(_));
                        self.method_called_here(
                            *scope,
                            through_instance,
                            &Name::new(attr),
                            &[],
                            &[],
                            false,
                        );
                    }
                    let member = if self.scopes.has_members(*scope) {
                        self.class_member(*scope, attr, "self")
                    } else {
                        ValueSet::default()
                    };
                    if member.is_empty() {
                        out.push(Value::Unknown);
                    } else {
                        out.union(&member);
                    }
                }
                // `tuple.__base__`, `str.__mro__[-1]`, `int.__bases__[0]`: a builtin class's
                // bases, up to `object`, whose `__subclasses__()` lists every class loaded.
                Value::Qual(q)
                    if let Some(mro) = matches!(attr, "__base__" | "__bases__" | "__mro__")
                        .then(|| builtin_mro(q))
                        .flatten() =>
                {
                    let class = |this: &mut Self, name: &str| {
                        ValueSet::one(Value::Qual(this.interner.intern(name)))
                    };
                    match attr {
                        "__base__" => match mro.get(1) {
                            Some(base) => out.union(&class(self, base)),
                            None => out.push(Value::Unknown),
                        },
                        "__bases__" => {
                            let bases: Vec<ValueSet<'a>> =
                                mro.get(1).map(|base| class(self, base)).into_iter().collect();
                            out.push(Value::Seq(Rc::from(bases)));
                        }
                        _ => {
                            let all: Vec<ValueSet<'a>> =
                                mro.iter().map(|name| class(self, name)).collect();
                            out.push(Value::Seq(Rc::from(all)));
                        }
                    }
                }
                // `entry.path` of an entry `os.scandir` listed (see `crate::paths`).
                Value::Path(_) if attr == "path" => out.push(alt.clone()),
                // `Path(__file__).parent`: the directory of a path whose text is known.
                Value::Path(t) if attr == "parent" => match crate::paths::parent(t) {
                    Some(dir) if dir.len() <= crate::fold::MAX_CONST_LEN => {
                        out.push(Value::Path(Rc::from(dir)));
                    }
                    _ => out.push(Value::Unknown),
                },
                // `spec.loader` names the module its spec does.
                Value::Loader(_) if attr == "loader" => out.push(alt.clone()),
                // `f.__call__` is `f`.
                Value::Qual(_) | Value::Partial(_) if attr == "__call__" => out.push(alt.clone()),
                // A function of a module written in C is bound to its module: `print.__self__`
                // is `builtins`, `os.system.__self__` the `posix` module `os` re-exports.
                Value::Qual(q) if attr == "__self__" => {
                    if let Some((module, _)) = q.rsplit_once('.') {
                        out.push(Value::Qual(self.interner.intern(module)));
                    }
                    out.push(Value::Unknown);
                }
                Value::Qual(q) => match self.interner.join(q, attr) {
                    Some(j) => out.push(Value::Qual(j)),
                    None => out.push(Value::Unknown),
                },
                // `app.run` after `app = flask.Flask(...)`, when a pattern names
                // `flask.Flask().run`: an attribute of the class's instances.
                Value::Returned(q)
                    if !self.c.instance_classes.leaves(q, &mut self.instance_memo).is_empty() =>
                {
                    let instance = format!("{q}().{attr}");
                    if instance.len() <= crate::value::MAX_QUAL_LEN {
                        out.push(Value::Qual(self.interner.intern(&instance)));
                    }
                    out.push(alt.derived(&self.c.derived_origins).unwrap_or(Value::Unknown));
                }
                // The file's own module: its attributes are its globals.
                Value::ThisModule => {
                    match attr {
                        "__dict__" => out.push(Value::Globals),
                        "__builtins__" => {}
                        _ => out.union(&self.scopes.module_entry(attr, &mut self.interner)),
                    }
                    out.push(Value::Unknown);
                }
                // `s.fileno` after `s = socket.socket()`: still the socket's, for
                // `derived_from`.
                other => out.push(other.derived(&self.c.derived_origins).unwrap_or(Value::Unknown)),
            }
        }
        // Attributes that reach the builtins or a module's globals from any object:
        // `frame.f_builtins`, `func.__globals__`, `module.__builtins__`.
        match attr {
            "f_builtins" | "__builtins__" => {
                out.push(Value::Qual(self.interner.intern("builtins")))
            }
            "__globals__" | "f_globals" => out.push(Value::Globals),
            _ => {}
        }
        if out.is_empty() { ValueSet::unknown() } else { out }
    }

    /// What `base[key]` refers to for a string key: a namespace dictionary's entry.
    fn item_vals(&mut self, base: &ValueSet<'a>, key: &str) -> ValueSet<'a> {
        let mut out = ValueSet::default();
        for alt in base.alts() {
            match alt {
                Value::Qual(q) => {
                    if let Some(owner) = q.strip_suffix(".__dict__") {
                        if let Some(j) = self.interner.join(owner, key) {
                            out.push(Value::Qual(j));
                        }
                    } else if &**q == "builtins" {
                        // `__builtins__` is the builtins module or its dictionary.
                        if let Some(j) = self.interner.join("builtins", key) {
                            out.push(Value::Qual(j));
                        }
                    } else if &**q == "sys.modules"
                        && key.len() <= crate::value::MAX_QUAL_LEN
                        && is_dotted_name(key)
                    {
                        out.push(Value::Qual(self.interner.intern(key)));
                    } else if &**q == "os.environ"
                        && let Some(dir) = crate::paths::known_directory(key)
                    {
                        // The home directory, or another a variable names, as
                        // `os.getenv("HOME")` is (see `crate::paths::known_directory`).
                        out.push(Value::Path(Rc::from(dir)));
                        if let Some(origin) = self.environment_variable_origin(key) {
                            out.push(Value::From(origin));
                        }
                    } else if &**q == "os.environ"
                        && let Some(origin) = self.environment_variable_origin(key)
                    {
                        out.push(Value::From(origin));
                    } else {
                        out.push(Value::Unknown);
                    }
                }
                Value::Dict(entries) => match entries
                    .iter()
                    .find(|(k, _)| &**k == key)
                    .or_else(|| entries.iter().find(|(k, _)| &**k == ANY_KEY))
                {
                    Some((_, v)) => out.union(v),
                    None => out.push(Value::Unknown),
                },
                Value::Globals => {
                    if key == "__builtins__" {
                        out.push(Value::Qual(self.interner.intern("builtins")));
                    } else {
                        out.union(&self.scopes.module_entry(key, &mut self.interner));
                    }
                }
                _ => out.push(Value::Unknown),
            }
        }
        if out.is_empty() { ValueSet::unknown() } else { out }
    }

    fn attribute_node(
        &mut self,
        a: &'a ast::ExprAttribute,
        recv: &Eval<'a>,
        refs: bool,
    ) -> Eval<'a> {
        let attr = key_str(&a.attr.id);
        let from = self.hits.len();
        attribute::hits_in(
            self.c,
            &attr,
            attribute::Receiver::Known(&recv.vals),
            a.ctx != ExprContext::Load,
            &mut self.interner,
            &mut self.hits,
        );
        // A class of the file read directly (`Sink.parts`), whose attribute bound once to an
        // immutable constant in its body folds. Not through an instance or `self`: a method
        // may change it on the object (a state machine's `self.state`), and a subclass
        // elsewhere give it another value.
        let class_read = !recv.vals.is_empty()
            && recv.vals.alts().iter().all(|v| matches!(v, Value::Class { .. }));
        let vals = if a.ctx == ExprContext::Load {
            let mut vals = self.attr_of(&recv.vals, recv.fold.as_ref(), &attr);
            if let Expr::Name(owner_name) = &*a.value {
                // `self.call` in a method, after `call = subprocess.check_output` in the class
                // body: a class attribute read through an instance (or the class), or what a
                // method of the class (or a base) stored on that name's attribute.
                let owner = self.slot_owner();
                if self.scope != MODULE && owner != MODULE {
                    let mut member = if self.scopes.has_members(owner) {
                        self.class_member(owner, &attr, &key_str(&owner_name.id))
                    } else {
                        ValueSet::default()
                    };
                    if member.is_empty()
                        && self.method_receiver.as_ref().is_some_and(|(scope, this)| {
                            *scope == self.scope && *this == owner_name.id
                        })
                    {
                        self.inherited_from_outer_base(owner, &attr, &mut member);
                    }
                    vals.union(&member);
                } else if !self.attr_slots.is_empty()
                    && let Some(stored) = self.attr_slot(owner_name, &attr)
                {
                    vals.union(stored);
                }
            }
            if refs {
                reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
            }
            vals
        } else {
            // `sys.modules[__name__].exec = f`: the module's binding replaced or removed.
            if recv.vals.may_be_this_module() {
                self.scopes.weaken_module(&attr);
            }
            // `builtins.print = f`, `del builtins.open`: the object replaced or removed.
            if !self.c.stores.is_empty() {
                let target = self.attr_vals(&recv.vals, &attr);
                store::hits(self.c, &target, &mut self.hits);
            }
            ValueSet::unknown()
        };
        self.settle(a.range, None, from);
        // `len.__module__` is `"builtins"`: the name of the module that defines the object
        // (taken from its resolved name, so `os.system.__module__` gives `"os"` where Python
        // says `"posix"`: either is a key of `sys.modules` for the same functions).
        let fold = if a.ctx != ExprContext::Load {
            None
        } else if &*attr == "__module__" {
            recv.vals
                .quals()
                .find_map(|q| q.rsplit_once('.').map(|(m, _)| m.to_string()))
                .map(|module| Const::Str(Text::Owned(module)))
        } else {
            // The path separators as constants (`os.sep`: `"/"` here; the rules read both
            // separators), so that `f"{home}{os.sep}.aws{os.sep}credentials"` folds as
            // `home + "/.aws/credentials"` does.
            // Looked up only for those attribute names: this runs at every attribute read.
            // The alphabets of the `string` module likewise.
            matches!(
                &*attr,
                "sep"
                    | "extsep"
                    | "curdir"
                    | "pardir"
                    | "ascii_lowercase"
                    | "ascii_uppercase"
                    | "ascii_letters"
                    | "digits"
                    | "hexdigits"
                    | "octdigits"
                    | "punctuation"
                    | "whitespace"
                    | "printable"
            )
            .then(|| vals.quals().find_map(|q| module_constant(q)))
            .flatten()
            .map(|c| Const::Str(Text::Borrowed(c)))
            .or_else(|| {
                // Windows' process-creation flags, which exist only there: folded, so that
                // `CREATE_NO_WINDOW | DETACHED_PROCESS` is a number the rules can compare.
                (attr.starts_with("CREATE_") || &*attr == "DETACHED_PROCESS")
                    .then(|| vals.quals().find_map(|q| process_creation_flag(q)))
                    .flatten()
                    .map(Const::Int)
            })
            // A class's attribute surely bound to one immutable constant (`parts = ("https://
            // disc", "ord.com/...")` in the class body, read as `Sink.parts`), as a name so
            // bound folds.
            .or_else(|| {
                class_read
                    .then(|| vals.single_const().filter(|c| !c.is_mutable()).cloned())
                    .flatten()
            })
        };
        Eval { vals, fold, ..Eval::default() }
    }

    fn subscript(&mut self, s: &'a ast::ExprSubscript, callee: bool) -> Eval<'a> {
        // Indexing reads the container in place; storing into it or deleting from it changes
        // it, which is followed below.
        if let Expr::Dict(d) = &*s.value {
            self.dict_wanted = Some(d.range.start());
        }
        let mut base = self.expr_reading(&s.value);
        let mut parts: SmallVec<[Eval<'a>; 3]> = SmallVec::new();
        let mut fold = None;
        let mut vals = ValueSet::unknown();
        let mut string_key: Option<String> = None;
        // Whether that key is text the folder made (`ns["sy" + "stem"]`).
        let mut key_made = false;
        // The key of an item (not a slice), folded.
        let mut item_key: Option<Const<'a>> = None;
        match &*s.slice {
            Expr::Slice(sl) => {
                let mut bounds = [None, None, None];
                let mut all_known = true;
                for (i, part) in [&sl.lower, &sl.upper, &sl.step].into_iter().enumerate() {
                    if let Some(p) = part {
                        let ev = self.expr(p);
                        match &ev.fold {
                            Some(Const::Int(v)) => bounds[i] = Some(*v),
                            Some(Const::None) => {}
                            _ => all_known = false,
                        }
                        parts.push(ev);
                    }
                }
                if all_known && let Some(b) = &base.fold {
                    fold = fold::slice(b, bounds[0], bounds[1], bounds[2], &mut self.budget);
                }
            }
            other => {
                let k = self.expr(other);
                if s.ctx == ExprContext::Load
                    && let (Some(b), Some(kf)) = (&base.fold, &k.fold)
                {
                    fold = fold::item(b, kf);
                }
                if s.ctx != ExprContext::Load {
                    item_key.clone_from(&k.fold);
                }
                match &k.fold {
                    Some(Const::Str(t)) => {
                        string_key = Some(t.as_str().to_string());
                        key_made = k.fold.as_ref().is_some_and(Const::is_made_text);
                        vals = self.item_vals(&base.vals, t.as_str());
                    }
                    Some(c) => {
                        if let Some(i) = c.as_int() {
                            // The item of each display the base may be (`a[0]` of a `*a`
                            // that callers fill), and the unknown where it may be anything.
                            let mut items_at = ValueSet::default();
                            for alt in base.vals.alts() {
                                let Value::Seq(items) = alt else {
                                    items_at.push(Value::Unknown);
                                    continue;
                                };
                                let at = if i < 0 {
                                    i + i64::try_from(items.len()).unwrap_or(0)
                                } else {
                                    i
                                };
                                match usize::try_from(at).ok().and_then(|at| items.get(at)) {
                                    Some(item) => items_at.union(item),
                                    None => items_at.push(Value::Unknown),
                                }
                            }
                            if items_at.is_interesting() {
                                vals = items_at;
                            }
                        }
                    }
                    // `sys.modules[__name__]`: the file's own module.
                    None if is_this_module_entry(&base.vals, &k.vals) => {
                        vals = ValueSet::one(Value::ThisModule);
                    }
                    // A key that is one of a few constants (`name` compared with "os" and
                    // "posix" in a loop over `sys.modules`): each entry.
                    None if k.vals.constant_choices() => {
                        let mut each = ValueSet::default();
                        for alt in k.vals.alts() {
                            if let Value::Const(Const::Str(t)) = alt {
                                each.union(&self.item_vals(&base.vals, t.as_str()));
                            }
                        }
                        if each.is_interesting() {
                            vals = each;
                        }
                    }
                    // `os.environ[k]` with `k` taken from the environment itself (`for k in
                    // os.environ`): its variables one by one, a copy of it as the loop goes.
                    None if base.vals.quals().any(|q| &**q == "os.environ")
                        && k.vals.alts().iter().any(|v| {
                            matches!(v, Value::From(q) | Value::Returned(q) if q.starts_with("os.environ"))
                        }) =>
                    {
                        if let Some(origin) = self.environment_origin() {
                            vals = ValueSet::one(Value::From(origin));
                        }
                    }
                    None => {}
                }
                parts.push(k);
            }
        }
        // plumbum's local machine indexed by a program (`local["curl"]`, `local[path]`) is
        // that program's command, as `plumbum.cmd.curl` is: calling it runs the program. A
        // command indexed by arguments (`local["ls"]["-l"]`) is the same command, bound.
        if s.ctx == ExprContext::Load {
            if let Some(command) =
                base.vals.quals().find(|q| q.starts_with("plumbum.cmd.")).cloned()
            {
                vals.push(Value::Qual(command));
            } else if !matches!(&*s.slice, Expr::Slice(_))
                && base.vals.quals().any(|q| PLUMBUM_MACHINES.contains(&&**q))
            {
                let program = string_key.as_deref().and_then(program_identifier);
                let command = self
                    .interner
                    .intern(&format!("plumbum.cmd.{}", program.unwrap_or("__getitem__")));
                vals.push(Value::Qual(command));
            }
        }
        let v = verdict_for(fold.as_ref());
        let mut carried = Vec::new();
        self.verdict(v, &mut base, &mut carried);
        for p in &mut parts {
            self.verdict(v, p, &mut carried);
        }
        let from = self.hits.len();
        // A dict the file made itself (a display, or a name that surely holds one) is keyed by
        // strings of its own: `state["__globals__"] = ...` (cloudpickle's) names no attribute,
        // where `vars(f)["__globals__"]` or `x.__dict__["__globals__"]` reads one.
        let own_dict = matches!(base.fold, Some(Const::Dict(_)))
            || base.vals.surely(|v| matches!(v, Value::Dict(_) | Value::Const(Const::Dict(_))));
        if let Some(k) = &string_key
            && !own_dict
        {
            attribute::hits_named(
                self.c,
                k,
                attribute::Receiver::Unknown,
                s.ctx != ExprContext::Load,
                key_made,
                &mut self.interner,
                &mut self.hits,
            );
        }
        if s.ctx == ExprContext::Load {
            if !callee {
                reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
            }
            // An item of a call's result (`s.accept()[0]`): derived from it.
            vals.union(&base.vals.derived(&self.c.derived_origins));
            // A slice of an origin that is an object, not a call (`self.path[1:]` in a request
            // handler): a piece of it. One item of it (`os.environ["HOME"]`) is not.
            if matches!(&*s.slice, Expr::Slice(_)) && !self.c.derived_origins.is_empty() {
                for q in base.vals.quals() {
                    if self.c.derived_origins.matches(q) {
                        vals.push(Value::From(q.clone()));
                    }
                }
            }
        } else {
            // `d["k"] = "v"`, `del parts[0]` on a name holding a list or dict: the change is
            // followed as a method's is (see `mutate`).
            let stored = self.store_value.take();
            if let (Expr::Name(n), Some(container)) = (&*s.value, &base.fold)
                && container.is_mutable()
            {
                let name = key(&n.id);
                if let Some(owner) = self.scopes.owner(self.scope, &name) {
                    let value = match (s.ctx, stored) {
                        (ExprContext::Del, _) => Some(None),
                        (_, Some(Some(v))) if v.is_frozen() => Some(Some(v)),
                        _ => None,
                    };
                    let changed = match (value, &item_key) {
                        (Some(value), Some(k)) if owner == self.scope && k.hashable() => {
                            fold::store_item(container, k, value.as_ref(), &mut self.budget)
                        }
                        _ => None,
                    };
                    match changed {
                        Some(new) => {
                            let vals = ValueSet::one(Value::Const(new.share()));
                            let vals = self.follow_mutable(owner, &name, vals);
                            self.scopes.bind(owner, &name, vals);
                        }
                        None => {
                            self.escape(owner, &name);
                            // A dict of the file's own given an item it does not fold (a
                            // call's result) is still its own dict, its content unknown: its
                            // string keys stay keys (see `own_dict` above).
                            if matches!(container, Const::Dict(_))
                                && owner == self.scope
                                && string_key.is_some()
                                && s.ctx == ExprContext::Store
                            {
                                self.scopes.bind(
                                    owner,
                                    &name,
                                    ValueSet::one(Value::Dict(Rc::from(Vec::new()))),
                                );
                            }
                        }
                    }
                }
            }
            // `__builtins__["print"] = f`, `vars(builtins)["open"] = g`, `sys.modules["os"] = m`:
            // a namespace's entry replaced or removed (a dictionary of the file's own is not
            // a namespace).
            // `del globals()["exec"]`, `globals()[name] = x`: the module's binding may be
            // gone or replaced (a computed key may be any name).
            if base.vals.alts().iter().any(|v| matches!(v, Value::Globals)) {
                match &string_key {
                    Some(k) => self.scopes.weaken_module(k),
                    None => self.scopes.weaken_all(MODULE),
                }
            }
            if let Some(k) = &string_key
                && !self.c.stores.is_empty()
            {
                let mut namespaces = ValueSet::default();
                for q in base.vals.quals() {
                    namespaces.push(Value::Qual(q.clone()));
                }
                let target = self.item_vals(&namespaces, k);
                store::hits(self.c, &target, &mut self.hits);
            }
            vals = ValueSet::unknown();
        }
        self.finish(s.range, None, from, vals, fold, carried)
    }

    /// A display whose items are words (strings, paths whose text is known, f-strings and
    /// `"text" + path` running through one, see `Self::path_words`), the first a string, at
    /// least one a path's: its command line, with the items not known shown as `ARGV_HOLE`,
    /// kept for the call it may be the argument vector of (see [`Self::argv_with_paths`]).
    fn note_argv_paths(&mut self, elts: &[Expr], evals: &[Eval<'a>], range: TextRange) {
        // A program's name written first, as a vector that runs one starts: most displays
        // (of names, of numbers) are passed over at once.
        if evals.first().and_then(|e| e.fold.as_ref()).and_then(Const::as_str).is_none() {
            return;
        }
        let mut through_path = false;
        let mut words: SmallVec<[&str; 8]> = SmallVec::new();
        for (x, ev) in elts.iter().zip(evals) {
            let word = if let Some(text) = ev.fold.as_ref().and_then(Const::as_str) {
                text
            } else if let Some(text) = self
                .path_words
                .get(&x.range())
                .map(String::as_str)
                .or_else(|| one_path_text(&ev.vals))
            {
                through_path = true;
                text
            } else {
                ARGV_HOLE
            };
            if !shell_word(word) {
                return;
            }
            words.push(word);
        }
        if through_path {
            let line = words.join(" ");
            if line.len() <= fold::MAX_CONST_LEN {
                self.argv_paths.insert(range, line);
            }
        }
    }

    /// The command line of a call's argument vector kept by [`Self::note_argv_paths`]
    /// (`subprocess.run(["curl", "-F", f"f=@{key}", url])`): a string candidate at the call, as
    /// a vector that folds is (see `argv_command_line`).
    fn argv_with_paths(&self, quals: &[QName], c: &ast::ExprCall) -> Option<String> {
        if self.argv_paths.is_empty() || self.embedded_depth > 0 {
            return None;
        }
        let (at, name) = quals.iter().find_map(|q| argv_slot(q))?;
        let argv = c.arguments.args.get(at).or_else(|| {
            c.arguments
                .keywords
                .iter()
                .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == name))
                .map(|k| &k.value)
        })?;
        self.argv_paths.get(&argv.range()).cloned()
    }

    fn sequence(&mut self, elts: &'a [Expr], kind: SeqKind, range: TextRange) -> Eval<'a> {
        let mut evals: Vec<Eval<'a>> = Vec::with_capacity(elts.len().min(64));
        let mut foldable = elts.len() <= MAX_SEQ_LEN;
        for x in elts {
            if let Expr::Starred(s) = x {
                self.value(&s.value);
                foldable = false;
                evals.push(Eval::unknown());
                continue;
            }
            let ev = self.expr(x);
            foldable &= ev.fold.is_some();
            evals.push(ev);
        }
        // `[sys.executable, "-c", CODE]`: a command line running Python code, read in place
        // as `exec` of constant code is (what it runs is reported at the list).
        if let Some(code) = python_c_code(&evals) {
            self.read_code_string(&code, range);
        }
        // `[sys.executable, p]` after `p` was written with constant code: that code runs.
        if !self.written_code.is_empty() && evals.first().is_some_and(runs_python) {
            for (x, ev) in elts.iter().zip(&evals).skip(1) {
                let path = ev.fold.as_ref().and_then(Const::as_str);
                if let Some(code) = self.take_written_code(Some(x), path) {
                    self.read_code_string(&code, range);
                }
            }
        }
        if !foldable && self.strings && self.embedded_depth == 0 && (2..=32).contains(&evals.len())
        {
            self.note_argv_paths(elts, &evals, range);
        }
        let refers = evals.iter().any(|e| e.vals.is_interesting()) && evals.len() <= 32;
        let vals = if refers {
            ValueSet::one(Value::Seq(
                evals.iter().map(|e| e.vals.clone()).collect::<Vec<_>>().into(),
            ))
        } else {
            ValueSet::unknown()
        };
        let mut carried = Vec::new();
        let fold = if foldable {
            let mut items = Vec::with_capacity(evals.len());
            for ev in &mut evals {
                Self::carry(ev, &mut carried);
                if let Some(c) = ev.fold.take() {
                    items.push(c);
                }
            }
            Some(fold::seq(kind, items))
        } else {
            for ev in &mut evals {
                self.flush(ev);
            }
            None
        };
        Eval { vals, fold, pending: Pending::boxed(None, carried) }
    }

    /// Walks a comprehension. One with a single `for` over a constant sequence, no condition,
    /// and an element that folds for every item (`chr(c ^ 7) for c in (...)`, a character-code
    /// loader) is also folded, to the list of its elements; the others give `None`.
    fn comprehension(
        &mut self,
        generators: &'a [ast::Comprehension],
        elts: &[&'a Expr],
        yielded: Option<&mut Option<ValueSet<'a>>>,
    ) -> Option<Const<'a>> {
        let Some(first) = generators.first() else {
            for e in elts {
                self.value(e);
            }
            return None;
        };
        let mut iter = self.expr_reading(&first.iter);
        // Flushing settles the iterable's own string candidates and leaves its fold in place.
        self.flush(&mut iter);
        let source = if self.c.needs_returned {
            iter.vals.passed_on(&self.c.derived_origins)
        } else {
            ValueSet::default()
        };
        let mut each = self.elements(&iter);
        let mut yielded = yielded;
        let items = iter.fold.take();
        let scope = self.scopes.push(ScopeKind::Comprehension, Some(self.scope));
        let saved = std::mem::replace(&mut self.scope, scope);
        for (i, g) in generators.iter().enumerate() {
            if i > 0 {
                let mut iter = self.expr_reading(&g.iter);
                self.flush(&mut iter);
                each = self.elements(&iter);
            }
            // `m for m in sys.modules.values() if m.__name__ == "os"`
            if let Some(items) = &mut each
                && items.alts().iter().any(is_loaded_item)
            {
                let mut targets = Vec::new();
                target_names(&g.target, &mut targets);
                let tests: Vec<&Expr> = g.ifs.iter().collect();
                *items = self.narrow_loaded(items, &targets, &tests);
            }
            if i == 0
                && let (Some(out), Some(items)) = (yielded.take(), &each)
            {
                *out = Some(items.clone());
            }
            self.assign(&g.target, each.take().map(Eval::of).as_ref());
            for cond in &g.ifs {
                self.value(cond);
                // What follows the condition sees the names it pins down (`f for f in files
                // if f == ".env"`); the comprehension's scope ends with it.
                let mut narrowed = Vec::new();
                self.narrowings(cond, &mut narrowed, 0);
                for (name, vals) in narrowed {
                    self.scopes.narrow(self.scope, &name, vals);
                }
            }
        }
        // What the elements carry for `derived_from` tests is part of what is built
        // (`{k: os.getenv(k) for k in KEYS}`).
        let mut source = source;
        for e in elts {
            let mut ev = self.expr(e);
            self.flush(&mut ev);
            if self.c.needs_returned && ev.vals.alts().iter().any(Value::may_carry) {
                source.union(&ev.vals.passed_on(&self.c.derived_origins));
            }
        }
        let fold = match (generators, items) {
            ([only], Some(items)) if only.ifs.is_empty() && !only.is_async => {
                // The element runs here and now: the names it reads besides the targets are
                // the ones bound here.
                let saved_free = std::mem::replace(&mut self.free_names, true);
                let fold = self.fold_elements(&[], &first.target, &items, elts);
                self.free_names = saved_free;
                fold
            }
            _ => None,
        };
        self.finish_scope(scope);
        self.scope = saved;
        // Set last: a comprehension nested in this one's parts has set it for itself.
        self.comp_source = source;
        fold
    }

    /// What the attribute and item paths of a format string's fields reach
    /// (`"{0.modules[os].system}"` with `sys` for `{0}`: `os.system`), given the arguments
    /// by position and by name. Fields without a path reach nothing: only a path reads an
    /// attribute.
    fn format_reaches(
        &mut self,
        fmt: &str,
        positional: &[ValueSet<'a>],
        named: &[(Rc<str>, ValueSet<'a>)],
    ) -> ValueSet<'a> {
        let mut out = ValueSet::default();
        let mut auto = 0;
        for field in format_fields(fmt) {
            let reached = self.field_reaches(field, &mut auto, positional, named);
            out.union(&reached);
        }
        out
    }

    /// What one field name's path reaches (`0.modules[os].system`, `mod.modules[os]`), its
    /// attributes matched as `getattr` with their names is; empty without a path. `auto` is
    /// the next automatic field number.
    fn field_reaches(
        &mut self,
        field: &str,
        auto: &mut usize,
        positional: &[ValueSet<'a>],
        named: &[(Rc<str>, ValueSet<'a>)],
    ) -> ValueSet<'a> {
        let split = field.find(['.', '[']).unwrap_or(field.len());
        let (root, path) = field.split_at(split);
        let start = if root.is_empty() {
            *auto += 1;
            positional.get(*auto - 1)
        } else if let Ok(i) = root.parse::<usize>() {
            positional.get(i)
        } else {
            named.iter().find(|(k, _)| &**k == root).map(|(_, v)| v)
        };
        let (Some(start), Some(parts)) = (start, field_path(path)) else {
            return ValueSet::default();
        };
        if parts.is_empty() {
            return ValueSet::default();
        }
        let mut cur = start.clone();
        for part in parts {
            cur = match part {
                FieldPart::Attr(name) => self.reach_attribute(&cur, name),
                FieldPart::Index(i) => {
                    let mut items = ValueSet::default();
                    for alt in cur.alts() {
                        match alt {
                            Value::Seq(seq) => match seq.get(i) {
                                Some(item) => items.union(item),
                                None => items.push(Value::Unknown),
                            },
                            _ => items.push(Value::Unknown),
                        }
                    }
                    items
                }
                FieldPart::Key(k) => self.item_vals(&cur, k),
            };
        }
        cur
    }

    /// A loop's items over `sys.modules` (see [`Value::AnyModule`]) narrowed by the tests
    /// that compare the loop's names with constants (`m.__name__ == "posix"`, `getattr(m,
    /// "__name__", "") in ("posix", "nt")`, `name != "os"` for `for name, m in
    /// sys.modules.items()`): each module or name of those constants (at most eight), and
    /// nothing known when no test names one.
    fn narrow_loaded(
        &mut self,
        items: &ValueSet<'a>,
        targets: &[Name],
        tests: &[&'a Expr],
    ) -> ValueSet<'a> {
        let mut names: SmallVec<[String; 8]> = SmallVec::new();
        for t in tests {
            self.compared_names(t, targets, &mut names, 0);
        }
        let mut modules = ValueSet::default();
        let mut keys = ValueSet::default();
        for n in &names {
            if is_dotted_name(n) && n.len() <= crate::value::MAX_QUAL_LEN {
                modules.push(Value::Qual(self.interner.intern(n)));
                // A literal's text (the test wrote it), not one the folder made.
                keys.push(Value::Const(Const::Str(Text::Joined(Rc::from(n.as_str())))));
            }
        }
        if modules.is_empty() {
            modules = ValueSet::unknown();
            keys = ValueSet::unknown();
        }
        let mut out = ValueSet::default();
        for alt in items.alts() {
            match alt {
                Value::AnyModule => out.union(&modules),
                Value::AnyModuleName => out.union(&keys),
                Value::Seq(parts) if parts.iter().any(|p| p.alts().iter().any(is_loaded_item)) => {
                    let parts: Vec<ValueSet<'a>> = parts
                        .iter()
                        .map(|p| {
                            let mut q = ValueSet::default();
                            for a in p.alts() {
                                match a {
                                    Value::AnyModule => q.union(&modules),
                                    Value::AnyModuleName => q.union(&keys),
                                    other => q.push(other.clone()),
                                }
                            }
                            q
                        })
                        .collect();
                    out.push(Value::Seq(parts.into()));
                }
                other => out.push(other.clone()),
            }
        }
        out
    }

    /// Walks the body of an `if` (or `elif`) under a frame of the strings its test compares
    /// something with (see [`Frame::Tested`]), where a rule asks for them.
    /// Walks a branch with `walk`, in a [`Frame::MaintainerCommand`] where its test holds only
    /// when the command line names a maintainer's command (`if sys.argv[-1] == "publish":`):
    /// the setup.py shortcut a maintainer runs by hand, not the installer.
    fn argv_guarded(&mut self, test: &'a Expr, walk: impl FnOnce(&mut Self)) {
        if self.argv_tests_hold && crate::commands::is_maintainer_argv_test(test) {
            self.frames.push(Frame::MaintainerCommand);
            walk(self);
            self.frames.pop();
        } else {
            walk(self);
        }
    }

    fn tested_body(&mut self, test: &'a Expr, body: &'a [Stmt]) {
        let mut narrowed = Vec::new();
        self.narrowings(test, &mut narrowed, 0);
        let mut widen = Vec::new();
        for (name, vals) in narrowed {
            let kept = vals.alts().len();
            if let Some(before) = self.scopes.narrow(self.scope, &name, vals) {
                widen.push((name, before, kept));
            }
        }
        let mut texts: Vec<String> = Vec::new();
        if self.c.needs_tested {
            self.tested_strings(test, &mut texts, 0);
        }
        if texts.is_empty() {
            self.body(body);
        } else {
            self.frames.push(Frame::Tested(Rc::from(texts)));
            self.body(body);
            self.frames.pop();
        }
        for (name, before, kept) in widen.into_iter().rev() {
            self.scopes.widen(self.scope, &name, before, kept);
        }
    }

    /// The listed names an `if` test pins down for its body (see `crate::paths`): a name a
    /// listing gave (`*` of `os.walk`'s or `os.listdir`'s names, the entries `d/*` of
    /// `scandir`, `iterdir` or `rglob`) compared with a constant (`if name == ".env":`, `if
    /// name in ("id_rsa", "id_ed25519"):`, an entry's `.name`) is that name in the body, and
    /// one tested by `endswith` (`if name.endswith(".env"):`) a name with that ending: a
    /// stealer's walk that picks the files it wants by name reads those files, not any.
    /// Under `and` each side holds; under `or` the name is any of what the sides pin, when
    /// every side pins that one name (`name == ".env" or name == "id_rsa"`); `not`, `!=` and
    /// `not in` pin nothing.
    fn narrowings(&mut self, test: &'a Expr, out: &mut Vec<(Name, ValueSet<'a>)>, depth: u32) {
        if depth > 8 || out.len() >= 4 {
            return;
        }
        match test {
            Expr::BoolOp(b) if b.op == ast::BoolOp::And => {
                for v in &b.values {
                    self.narrowings(v, out, depth + 1);
                }
            }
            Expr::BoolOp(b) => {
                let mut any: Option<(Name, ValueSet<'a>)> = None;
                for v in &b.values {
                    let mut side = Vec::new();
                    self.narrowings(v, &mut side, depth + 1);
                    let [(name, vals)] = side.as_slice() else { return };
                    match &mut any {
                        None => any = Some((name.clone(), vals.clone())),
                        Some((pinned, held)) if pinned == name => held.union(vals),
                        Some(_) => return,
                    }
                }
                out.extend(any);
            }
            // `"id_rsa" in name`: a name holding the text, the text itself among them.
            Expr::Compare(c)
                if c.ops.len() == 1
                    && c.ops[0] == ast::CmpOp::In
                    && let Some(part) = self.constant_text_part(&c.left)
                    && let Some((name, listed)) = self.listed_name(&c.comparators[0]) =>
            {
                let Some(mut vals) = crate::paths::pinned(&listed, std::slice::from_ref(&part))
                else {
                    return;
                };
                let Some(holding) = crate::paths::ending(&listed, &format!("{part}*")) else {
                    return;
                };
                vals.union(&holding);
                out.push((name, vals));
            }
            Expr::Compare(c) if c.ops.len() == 1 => {
                let (op, right) = (c.ops[0], &c.comparators[0]);
                let sides: &[(&'a Expr, &'a Expr)] = match op {
                    ast::CmpOp::Eq => &[(&c.left, right), (right, &c.left)],
                    ast::CmpOp::In => &[(&c.left, right)],
                    _ => &[],
                };
                for &(target, constant) in sides {
                    let Some((name, listed)) = self.listed_name(target) else { continue };
                    let names = self.constant_strings(constant);
                    if names.is_empty() || names.iter().any(|n| !crate::paths::plain_part(n)) {
                        continue;
                    }
                    if let Some(vals) = crate::paths::pinned(&listed, &names) {
                        out.push((name, vals));
                    }
                    break;
                }
            }
            Expr::Call(call)
                if call.arguments.keywords.is_empty()
                    && call.arguments.args.len() == 1
                    && let Expr::Attribute(a) = &*call.func
                    && a.attr.as_str() == "endswith" =>
            {
                let Some((name, listed)) = self.listed_name(&a.value) else { return };
                // One ending, or a tuple of them (`n.endswith((".env", ".pem"))`): a name of
                // each.
                let endings = self.constant_strings(&call.arguments.args[0]);
                if endings.is_empty() || !endings.iter().all(|e| crate::paths::plain_part(e)) {
                    return;
                }
                let mut vals = ValueSet::default();
                for ending in &endings {
                    let Some(named) = crate::paths::ending(&listed, ending) else { return };
                    vals.union(&named);
                }
                out.push((name, vals));
            }
            _ => {}
        }
    }

    /// The one string `e` folds to, when it can be a part of a path (see
    /// `crate::paths::plain_part`).
    fn constant_text_part(&mut self, e: &'a Expr) -> Option<String> {
        match self.constant_strings(e).as_slice() {
            [part] if crate::paths::plain_part(part) => Some(part.clone()),
            _ => None,
        }
    }

    /// The name an `if` test reads (`name`, or `entry.name` of an entry), when what it holds
    /// now is one listed name (see [`crate::paths::listed`]): the name as scopes key it, and
    /// that path text.
    fn listed_name(&mut self, e: &'a Expr) -> Option<(Name, Rc<str>)> {
        // Tested in lower case (`name.lower() == "id_rsa"`, `".env" in name.casefold()`): the
        // name is what it is compared with, in some case.
        let e = match e {
            Expr::Call(c)
                if c.arguments.is_empty()
                    && let Expr::Attribute(a) = &*c.func
                    && matches!(a.attr.as_str(), "lower" | "casefold") =>
            {
                &*a.value
            }
            _ => e,
        };
        let (name, attribute) = match e {
            Expr::Name(n) => (n, false),
            Expr::Attribute(a) if a.attr.as_str() == "name" => match &*a.value {
                Expr::Name(n) => (n, true),
                _ => return None,
            },
            _ => return None,
        };
        let vals = self.scopes.lookup(self.scope, &key_str(&name.id), &mut self.interner);
        let [Value::Path(text)] = vals.alts() else { return None };
        // `entry.name` is an entry's last part: only an entry of a listed directory has one.
        if !crate::paths::listed(text) || (attribute && !text.contains('/')) {
            return None;
        }
        Some((key(&name.id), text.clone()))
    }

    /// The constant strings a test compares something with: `==` and `in` (either side) of a
    /// string, a display of strings or a name holding one, under `and` and `or`; at most
    /// [`MAX_TESTED_STRINGS`]. Not under `not`: `if not name == "clamd":` runs its body where
    /// the name is another, as `!=` does.
    fn tested_strings(&mut self, test: &'a Expr, out: &mut Vec<String>, depth: u32) {
        if depth > 16 || out.len() >= MAX_TESTED_STRINGS {
            return;
        }
        match test {
            Expr::BoolOp(b) => {
                for v in &b.values {
                    self.tested_strings(v, out, depth + 1);
                }
            }
            Expr::Compare(c) => {
                let mut left: &'a Expr = &c.left;
                for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
                    if matches!(op, ast::CmpOp::Eq | ast::CmpOp::In) {
                        for side in [left, right] {
                            for text in self.constant_strings(side) {
                                if out.len() < MAX_TESTED_STRINGS {
                                    out.push(text);
                                }
                            }
                        }
                    }
                    left = right;
                }
            }
            _ => {}
        }
    }

    /// Adds to `names` the constant strings a test compares one of `targets` (or its
    /// `__name__`) with: `==`, `!=`, `in` and `not in` of a string or a display of strings,
    /// under `and`, `or` and `not`.
    fn compared_names(
        &mut self,
        test: &'a Expr,
        targets: &[Name],
        names: &mut SmallVec<[String; 8]>,
        depth: u32,
    ) {
        if depth > 16 || names.len() >= 8 {
            return;
        }
        match test {
            Expr::BoolOp(b) => {
                for v in &b.values {
                    self.compared_names(v, targets, names, depth + 1);
                }
            }
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::Not => {
                self.compared_names(&u.operand, targets, names, depth + 1);
            }
            Expr::Compare(c) => {
                let mut left: &'a Expr = &c.left;
                for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
                    use ast::CmpOp;
                    if matches!(op, CmpOp::Eq | CmpOp::NotEq | CmpOp::In | CmpOp::NotIn) {
                        let other = if names_loaded_module(left, targets) {
                            Some(right)
                        } else if names_loaded_module(right, targets)
                            && matches!(op, CmpOp::Eq | CmpOp::NotEq)
                        {
                            Some(left)
                        } else {
                            None
                        };
                        if let Some(other) = other {
                            for n in self.constant_strings(other) {
                                if names.len() < 8 && !names.contains(&n) {
                                    names.push(n);
                                }
                            }
                        }
                    }
                    left = right;
                }
            }
            _ => {}
        }
    }

    /// The strings an expression folds to: one, or those of a display of them.
    fn constant_strings(&mut self, e: &'a Expr) -> Vec<String> {
        let folded = match e {
            Expr::Set(set) => {
                return set
                    .elts
                    .iter()
                    .take(8)
                    .filter_map(|x| match self.fold_pure(x, &[], 0) {
                        Some(Const::Str(t)) => Some(t.into_string()),
                        _ => None,
                    })
                    .collect();
            }
            Expr::Name(n) => self
                .scopes
                .lookup(self.scope, &key_str(&n.id), &mut self.interner)
                .single_const()
                .cloned(),
            other => self.fold_pure(other, &[], 0),
        };
        match folded {
            Some(Const::Str(t)) => vec![t.into_string()],
            Some(Const::Seq(_, items)) => {
                items.iter().take(8).filter_map(|c| c.as_str().map(str::to_string)).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Walks a list, set or generator comprehension: its fold, and, where it yields its
    /// items unchanged (`x for x in [os]`, one `for` with no condition), what they may be, for
    /// `next(x for x in [os])` to reach `os`.
    fn comprehension_of(
        &mut self,
        generators: &'a [ast::Comprehension],
        elt: &'a Expr,
    ) -> (Option<Const<'a>>, Option<ValueSet<'a>>) {
        // A condition only leaves out some of the items: those yielded are any of them.
        let unchanged = matches!(
            (generators, elt),
            ([only], Expr::Name(e)) if matches!(&only.target, Expr::Name(t) if t.id == e.id)
        );
        let mut yielded = None;
        let fold = self.comprehension(generators, &[elt], unchanged.then_some(&mut yielded));
        (fold, yielded)
    }

    /// The strings a comprehension folds to, as string candidates at the comprehension
    /// (`[s.translate(table) for s in (...)]` makes strings no literal holds), waiting for the
    /// parent's verdict as a display's items do. At most [`MAX_FOLDED_ITEMS`] of them.
    fn folded_items(&self, range: TextRange, fold: Option<&Const<'a>>) -> Option<Box<Pending<'a>>> {
        let Some(Const::Seq(_, items)) = fold else { return None };
        if !self.strings || items.len() > MAX_FOLDED_ITEMS {
            return None;
        }
        let carried: Vec<Carried<'a>> = items
            .iter()
            .filter(|i| i.is_text())
            .map(|text| Carried {
                cand: Cand { range, callee: None, delayed: Vec::new() },
                text: text.clone(),
            })
            .collect();
        Pending::boxed(None, carried)
    }

    /// An expression whose value is a display of the given elements, or unknown.
    fn display_of(items: Option<ValueSet<'a>>) -> Eval<'a> {
        match items {
            Some(items) if items.refers() => Eval::of(ValueSet::one(Value::Seq(Rc::from([items])))),
            _ => Eval::unknown(),
        }
    }

    /// The elements of `[elt for target in items]` (or the pairs of `{key: value for target in
    /// items}`, when `elts` is two), when `items` is a constant to iterate and the element folds
    /// for each item; a tuple target takes each item apart (`for i, c in enumerate(...)`).
    fn fold_elements(
        &mut self,
        env: &[(&'a str, Const<'a>)],
        target: &'a Expr,
        items: &Const<'a>,
        elts: &[&'a Expr],
    ) -> Option<Const<'a>> {
        let items = fold::iterate(items)?;
        let mut scope_env: Vec<(&'a str, Const<'a>)> = env.to_vec();
        let outer = scope_env.len();
        let mut out = Vec::with_capacity(items.len());
        let mut pairs = Vec::new();
        for item in items {
            scope_env.truncate(outer);
            bind_target(target, item, &mut scope_env)?;
            match elts {
                [elt] => out.push(self.fold_pure(elt, &scope_env, 0)?),
                [k, v] => {
                    let k = self.fold_pure(k, &scope_env, 0)?;
                    pairs.push((k, self.fold_pure(v, &scope_env, 0)?));
                }
                _ => return None,
            }
        }
        match elts {
            [_] => Some(fold::seq(SeqKind::List, out)),
            _ => fold::dict(pairs),
        }
    }

    /// Folds an expression of literals, the names `env` binds (a comprehension's targets),
    /// operators, subscripts, method calls on constants and calls of the builtins the folder
    /// knows, without walking it again (it was walked once, for its findings). Other names
    /// fold only in a comprehension's element ([`Self::free_names`]), which runs where it is
    /// written. Each node folded costs one unit of the file's budget: a comprehension nested
    /// in another's element is folded once per outer item, and without the charge three
    /// such levels over 4,096 items would take billions of steps.
    fn fold_pure(
        &mut self,
        e: &'a Expr,
        env: &[(&'a str, Const<'a>)],
        depth: u32,
    ) -> Option<Const<'a>> {
        if depth > 16 || !self.budget.take(1) {
            return None;
        }
        let sub = |this: &mut Self, x: &'a Expr| this.fold_pure(x, env, depth + 1);
        let bound = |name: &str| env.iter().rev().find(|(t, _)| *t == name).map(|(_, v)| v);
        match e {
            Expr::Name(n) => match bound(n.id.as_str()) {
                Some(v) => Some(v.clone()),
                None if self.free_names => {
                    let found = self.scopes.lookup(self.scope, &key_str(&n.id), &mut self.interner);
                    found.single_const().cloned()
                }
                None => None,
            },
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => Some(i.as_i64().map_or_else(|| big_literal(i), Const::Int)),
                _ => None,
            },
            Expr::StringLiteral(s) => Some(Const::Str(string_text(s))),
            Expr::BytesLiteral(b) => Some(Const::Bytes(bytes_value(b))),
            Expr::BooleanLiteral(b) => Some(Const::Bool(b.value)),
            Expr::NoneLiteral(_) => Some(Const::None),
            Expr::BinOp(b) => {
                let mut l = sub(self, &b.left);
                let mut r = sub(self, &b.right);
                fold::binop(b.op, &mut l, &mut r, &mut self.budget)
            }
            Expr::UnaryOp(u) => match (u.op, sub(self, &u.operand)?) {
                (ast::UnaryOp::USub, Const::Int(i)) => i.checked_neg().map(Const::Int),
                (ast::UnaryOp::USub, Const::Big(n)) => Some(Const::Big(Rc::new(n.negated()))),
                (ast::UnaryOp::UAdd, Const::Int(i)) => Some(Const::Int(i)),
                (ast::UnaryOp::Invert, Const::Int(i)) => Some(Const::Int(!i)),
                _ => None,
            },
            Expr::Subscript(x) => {
                let value = sub(self, &x.value)?;
                match &*x.slice {
                    Expr::Slice(sl) => {
                        let mut bounds = [None, None, None];
                        for (i, part) in [&sl.lower, &sl.upper, &sl.step].into_iter().enumerate() {
                            if let Some(p) = part {
                                match sub(self, p)? {
                                    Const::None => {}
                                    c => bounds[i] = Some(c.as_int()?),
                                }
                            }
                        }
                        fold::slice(&value, bounds[0], bounds[1], bounds[2], &mut self.budget)
                    }
                    index => {
                        let key = sub(self, index)?;
                        fold::item(&value, &key)
                    }
                }
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. })
                if elts.len() <= MAX_SEQ_LEN =>
            {
                let kind = if matches!(e, Expr::Tuple(_)) { SeqKind::Tuple } else { SeqKind::List };
                let mut items = Vec::with_capacity(elts.len());
                for x in elts {
                    items.push(sub(self, x)?);
                }
                Some(fold::seq(kind, items))
            }
            // A comprehension inside: its element may use its own targets and the outer ones.
            Expr::ListComp(ast::ExprListComp { elt, generators, .. })
            | Expr::Generator(ast::ExprGenerator { elt, generators, .. }) => {
                let [only] = &generators[..] else { return None };
                if !only.ifs.is_empty() || only.is_async {
                    return None;
                }
                let items = sub(self, &only.iter)?;
                self.fold_elements(env, &only.target, &items, &[elt])
            }
            Expr::Call(c) if c.arguments.keywords.is_empty() => {
                let mut args = Vec::with_capacity(c.arguments.args.len());
                for a in &c.arguments.args {
                    args.push(sub(self, a)?);
                }
                let pos: Vec<Option<&Const<'a>>> = args.iter().map(Some).collect();
                let call_args = CallArgs::positional(&pos);
                match &*c.func {
                    Expr::Attribute(a) => {
                        let recv = sub(self, &a.value)?;
                        fold::method(&recv, a.attr.as_str(), &call_args, &mut self.budget)
                    }
                    Expr::Name(n) if bound(n.id.as_str()).is_none() => {
                        let found =
                            self.scopes.lookup(self.scope, &key_str(&n.id), &mut self.interner);
                        let mut quals = found.quals();
                        let name = quals.next()?.to_string();
                        if quals.next().is_some() || !fold::FOLDABLE_CALLS.contains(&name.as_str())
                        {
                            return None;
                        }
                        fold::call(&name, &call_args, &mut self.budget)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A format template filled in (`fill`, given the positional and keyword arguments)
    /// with the arguments that fold and the paths whose text is known, the others left out:
    /// each run of the text it makes with a path in it is a string candidate at `range`, as an
    /// f-string's run through a path field is (see `FText::path`), so that the string rules
    /// read a command line as the shell gets it (`"curl -F f=@%s %s" % (key, url)`).
    fn settle_path_runs(
        &mut self,
        range: TextRange,
        positional: &[Option<Filled<'a>>],
        named: &[(&str, Option<Filled<'a>>)],
        fill: impl FnOnce(
            &[Option<&Const<'a>>],
            &[(&str, Option<&Const<'a>>)],
            &mut fold::Budget,
        ) -> Option<Const<'a>>,
    ) {
        let hole = Const::Str(Text::Borrowed(FORMAT_HOLE));
        let owned: Vec<Const<'a>> =
            positional.iter().map(|f| Filled::text(f.as_ref(), &hole)).collect();
        let owned_kw: Vec<Const<'a>> =
            named.iter().map(|(_, f)| Filled::text(f.as_ref(), &hole)).collect();
        let pos: Vec<Option<&Const<'a>>> = owned.iter().map(Some).collect();
        let kw: Vec<(&str, Option<&Const<'a>>)> =
            named.iter().zip(&owned_kw).map(|((k, _), c)| (*k, Some(c))).collect();
        let Some(Const::Str(made)) = fill(&pos, &kw, &mut self.budget) else { return };
        let paths: Vec<&str> = positional
            .iter()
            .chain(named.iter().map(|(_, f)| f))
            .filter_map(|f| match f {
                Some(Filled::Path(p)) => Some(p.as_str()),
                _ => None,
            })
            .collect();
        let runs: Vec<String> = made
            .as_str()
            .split(FORMAT_HOLE)
            .filter(|run| run.len() <= fold::MAX_CONST_LEN && paths.iter().any(|p| run.contains(p)))
            .map(str::to_string)
            .collect();
        for run in runs {
            let cand = Cand { range, callee: None, delayed: Vec::new() };
            self.settle_cand(cand, Some(&Const::Str(Text::Owned(run))));
        }
    }

    /// `template % key` and `template % (key, url)` with a path whose text is known among the
    /// values (see [`Self::settle_path_runs`]): a tuple display's items are read from its
    /// written strings and the paths its evaluation kept.
    fn percent_path_runs(
        &mut self,
        b: &'a ast::ExprBinOp,
        template: Option<&Const<'a>>,
        r: &Eval<'a>,
    ) {
        let Some(template) = template.filter(|t| t.as_str().is_some()) else { return };
        // Most `%` (a log line's) has no path among its values: looked at without copying.
        let kept = match (&*b.right, r.vals.alts()) {
            (Expr::Tuple(t), [Value::Seq(items)]) if items.len() == t.elts.len() => Some(items),
            _ => None,
        };
        let any_path = match (&*b.right, kept) {
            (Expr::Tuple(_), Some(items)) => items.iter().any(|v| one_path_text(v).is_some()),
            (Expr::Tuple(_), None) => false,
            _ => one_path_text(&r.vals).is_some(),
        };
        if !any_path {
            return;
        }
        let items: Vec<Option<Filled<'a>>> = match &*b.right {
            Expr::Tuple(t) => t
                .elts
                .iter()
                .enumerate()
                .map(|(i, e)| match e {
                    Expr::StringLiteral(lit) => {
                        Some(Filled::Const(Const::Str(Text::Borrowed(lit.value.to_str()))))
                    }
                    _ => {
                        kept.and_then(|k| one_path_text(&k[i])).map(|p| Filled::Path(p.to_string()))
                    }
                })
                .collect(),
            _ => vec![one_path_text(&r.vals).map(|p| Filled::Path(p.to_string()))],
        };
        let tuple = matches!(&*b.right, Expr::Tuple(_));
        let template = template.clone();
        self.settle_path_runs(b.range, &items, &[], |pos, _, budget| {
            let values: Vec<Const<'a>> = pos.iter().map(|c| c.cloned()).collect::<Option<_>>()?;
            let mut right = if tuple {
                Some(fold::seq(SeqKind::Tuple, values))
            } else {
                values.into_iter().next()
            };
            fold::binop(ast::Operator::Mod, &mut Some(template), &mut right, budget)
        });
    }

    fn fstring(&mut self, f: &'a ast::ExprFString) -> Eval<'a> {
        let mut text = FText::new(self.strings);
        let mut children: Vec<Eval<'a>> = Vec::new();
        for part in f.value.iter() {
            match part {
                FStringPart::Literal(lit) => text.constant(&lit.value),
                FStringPart::FString(fs) => {
                    self.interpolations(&fs.elements, &mut text, &mut children);
                }
            }
        }
        let FText { whole, mut runs, run, through_path, broken, .. } = text;
        let fold =
            whole.filter(|t| t.len() <= fold::MAX_CONST_LEN).map(|t| Const::Str(Text::Owned(t)));
        let mut passed = self.text_of(children.iter().map(|c| &c.vals));
        if fold.is_none() {
            for path in fstring_path(f, &children) {
                passed.push(path);
            }
        }
        let v = verdict_for(fold.as_ref());
        let mut carried = Vec::new();
        for c in &mut children {
            self.verdict(v, c, &mut carried);
        }
        // An f-string that does not fold: each run of constant text between its computed
        // fields (literal parts and fields that fold) is a string candidate, as the literals
        // of a concatenation are (`f"{home}/.{shell}_history"` with `shell = "bash"` gives
        // `/.bash_history`).
        if fold.is_none() {
            runs.push(run);
            // Constant text and path fields alone: the f-string's whole text is known.
            if through_path
                && !broken
                && self.embedded_depth == 0
                && let [whole] = &runs[..]
            {
                self.path_words.insert(f.range, whole.clone());
            }
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                let cand = Cand { range: f.range, callee: None, delayed: Vec::new() };
                self.settle_cand(cand, Some(&Const::Str(Text::Owned(run))));
            }
        }
        let from = self.hits.len();
        self.finish(f.range, None, from, passed, fold, carried)
    }

    /// Evaluates the interpolations of an f-string (or t-string) part, adding its constant
    /// text to `text` (see [`FText`]).
    fn interpolations(
        &mut self,
        elements: &'a [InterpolatedStringElement],
        text: &mut FText,
        children: &mut Vec<Eval<'a>>,
    ) {
        for el in elements {
            match el {
                InterpolatedStringElement::Literal(l) => text.constant(&l.value),
                InterpolatedStringElement::Interpolation(i) => {
                    let ev = self.expr_reading(&i.expression);
                    // The format spec, with its own fields folded (`{x:>{width}}`).
                    let spec = match &i.format_spec {
                        Some(spec) => {
                            let mut inner = FText::new(false);
                            self.interpolations(&spec.elements, &mut inner, children);
                            inner.whole
                        }
                        None => Some(String::new()),
                    };
                    let conversion = match i.conversion {
                        ConversionFlag::None => None,
                        ConversionFlag::Str => Some('s'),
                        ConversionFlag::Repr => Some('r'),
                        ConversionFlag::Ascii => Some('a'),
                    };
                    // `f"{x=}"` shows the expression's text and, without a conversion or a
                    // spec, the value's repr.
                    let conversion = match (&i.debug_text, conversion, &i.format_spec) {
                        (Some(_), None, None) => Some('r'),
                        (_, c, _) => c,
                    };
                    let formatted = match (ev.fold.as_ref(), spec) {
                        // A plain field: the value's `str`.
                        (Some(value), Some(spec))
                            if spec.is_empty() && matches!(conversion, None | Some('s')) =>
                        {
                            fold::to_str(value)
                        }
                        (Some(value), Some(spec)) => crate::format::convert(value, conversion)
                            .and_then(|v| crate::format::format_value(&v, &spec))
                            .filter(|s| self.budget.take(s.len()))
                            .map(Text::Owned),
                        _ => None,
                    };
                    let path = match (&formatted, conversion, &i.format_spec) {
                        (None, None | Some('s'), None) => one_path_text(&ev.vals),
                        _ => None,
                    };
                    match (formatted, path) {
                        (Some(s), _) => {
                            if let Some(debug) = &i.debug_text {
                                text.constant(debug.as_str());
                            }
                            text.constant(s.as_str());
                        }
                        (None, Some(p)) if i.debug_text.is_none() => text.path(p),
                        _ => text.computed(),
                    }
                    children.push(ev);
                }
            }
        }
    }

    #[expect(clippy::too_many_lines, reason = "the special callees are listed in one place")]
    fn call(&mut self, c: &'a ast::ExprCall, as_callee: bool) -> Eval<'a> {
        let (mut callee, mut recv, method) = match &*c.func {
            Expr::Attribute(a) => {
                // `parts.append(x)`, `d.get(k)`: a list's or dict's own methods read it in
                // place (a change they make is followed below).
                let mut recv = if !self.mutables.is_empty()
                    && matches!(&*a.value, Expr::Name(_))
                    && CONTAINER_METHODS.contains(&a.attr.id.as_str())
                {
                    self.expr_reading(&a.value)
                } else {
                    // `{...}.get(k)`, `{...}.values()`.
                    self.expr_dict(&a.value)
                };
                // `Path(p).read_bytes()` of a path something was saved to reads what it holds,
                // as `open(p)` does (see `Self::mark_saved`).
                if !self.saved.is_empty()
                    && matches!(a.attr.id.as_str(), "read_bytes" | "read_text")
                {
                    self.mark_saved(&mut recv, None, false);
                }
                let callee = self.attribute_node(a, &recv, false);
                (callee, Some(recv), Some(key(&a.attr.id)))
            }
            f => (self.expr_at(f, true), None, None),
        };
        self.flush(&mut callee);
        // Calls that only read their arguments where they stand: the foldable functions,
        // a few more builtins, and the methods of a constant string or bytes (`"".join`).
        // Only a bare name is read differently, so the test is made only where one is given
        // and names may hold lists.
        let reads_args = !self.mutables.is_empty()
            && spread::argument_values(&c.arguments).any(
                |a| matches!(a, Expr::Name(n) if self.mutables.iter().any(|(_, m)| *m == n.id)),
            )
            && (recv.as_ref().is_some_and(|r| {
                matches!(r.fold, Some(Const::Str(_) | Const::Bytes(_) | Const::Int(_)))
                    || r.vals.constant_choices()
            }) || callee.vals.quals().any(|q| READING_CALLEES.contains(&**q))
                // A helper of the file, folded with the list as it is here (`_build(DATA)`,
                // `def _build(d): return "".join(chr(c ^ 42) for c in d)`); the call may
                // change it, so the names are no longer followed after it (see below).
                || matches!(&*c.func, Expr::Name(f)
                    if self.function_bits & name_bit(&f.id) != 0 && self.functions.contains_key(&f.id)));
        // A dict display given to a function that folds, or to a constant's method
        // (`.format_map({...})`, `str.maketrans({...})`), is folded.
        let folds_dicts = spread::argument_values(&c.arguments).any(|a| matches!(a, Expr::Dict(_)))
            && (recv.as_ref().is_some_and(|r| r.fold.is_some() || r.vals.constant_choices())
                || callee.vals.quals().any(|q| READING_CALLEES.contains(&**q)));
        // The receiver is a list or dict a name holds, read in place.
        let container = match (&recv, &*c.func) {
            (Some(r), Expr::Attribute(a)) if matches!(&*a.value, Expr::Name(_)) => {
                r.fold.as_ref().filter(|f| f.is_mutable()).cloned()
            }
            _ => None,
        };
        // A class of the file on a resolved base is called as the base, but it may override
        // any method of it (`class Name(str)` with an `__rmod__`): what it makes is not folded.
        let made_by_subclass = callee.vals.alts().iter().any(|v| matches!(v, Value::Subclass(_)));
        callee.vals.instantiate_subclasses();
        let frame = self.c.needs_call_frames;
        if frame {
            // The method's name only where an `argument_of` pattern names methods.
            let by_name = if self.c.argument_of_methods { method.clone() } else { None };
            let mut vals = callee.vals.clone();
            // An exception class of the file is called as the builtin exception it derives
            // from, for the rules that read a message (`argument_of: builtins.*Exception`).
            if vals.alts().iter().any(
                |v| matches!(v, Value::Class { scope, .. } if self.scopes.is_exception(*scope)),
            ) {
                vals.push(Value::Qual(self.interner.intern("builtins.Exception")));
            }
            self.frames.push(Frame::Call(vals, by_name));
            if !self.name_texts.is_empty() {
                self.carried_texts_at(c);
            }
        }
        // `isinstance(x, T)`/`issubclass`, and `hasattr(socket.socket, "sendmsg")` (joblib at
        // import), whose object is only asked whether it has an attribute: one pass over the
        // callee's names, for the two-argument calls alone.
        let (mut type_test, mut attribute_test) = (false, false);
        if c.arguments.args.len() == 2 {
            for q in callee.vals.quals() {
                match &**q {
                    "builtins.isinstance" | "builtins.issubclass" => type_test = true,
                    "builtins.hasattr" => attribute_test = true,
                    _ => {}
                }
            }
        }
        let mut pos: SmallVec<[Eval<'a>; 4]> = SmallVec::new();
        let mut star_at = None;
        // A `*x` of a folded sequence was spread into its items (positions no longer match
        // the arguments as written).
        let mut spread = false;
        for (i, arg) in c.arguments.args.iter().enumerate() {
            if let Expr::Starred(s) = arg {
                // `*parts` copies the items into the call's arguments.
                let mut ev = self.expr_reading(&s.value);
                self.flush(&mut ev);
                match ev.fold.as_ref().and_then(fold::iterate) {
                    Some(items) if star_at.is_none() && items.len() <= 64 => {
                        spread = true;
                        for item in items {
                            pos.push(Eval { fold: Some(item), ..Eval::unknown() });
                        }
                    }
                    _ => {
                        star_at.get_or_insert(pos.len());
                        // The items of a followed value (`*shlex.split(downloaded)`) carry what
                        // it carries, for the `derived_from` tests at the star and after it.
                        let carried = if self.c.needs_returned {
                            ev.vals.passed_on(&self.c.derived_origins)
                        } else {
                            ValueSet::default()
                        };
                        if carried.is_empty() {
                            pos.push(Eval::unknown());
                        } else {
                            pos.push(Eval::of(carried));
                        }
                    }
                }
            } else if i == 2 && !self.c.context_classes.is_empty() && Self::makes_a_class(&callee) {
                // `type(name, bases, namespace)` makes a class: what its namespace defines
                // (`{"run": lambda self: ...}`) is in a class of those bases.
                let bases: Vec<QName> = match pos.get(1).map(|b| b.vals.alts()) {
                    Some([Value::Seq(items)]) => {
                        items.iter().flat_map(|v| v.quals().cloned()).collect()
                    }
                    _ => Vec::new(),
                };
                let class = !bases.is_empty();
                if class {
                    self.frames.push(Frame::Class(Rc::from(bases)));
                }
                pos.push(self.expr(arg));
                if class {
                    self.frames.pop();
                }
            } else if (i == 1 && type_test && names_a_type(arg))
                || (i == 0 && attribute_test && names_a_plain_object(arg))
            {
                // `isinstance(lib, ctypes.CDLL)`: the class is compared with, not called or
                // used, as in an annotation (see `Self::annotation`); `hasattr(X, name)` only
                // tells whether `X` has the attribute.
                pos.push(Eval::unknown());
            } else if reads_args {
                pos.push(self.expr_reading(arg));
            } else if folds_dicts {
                pos.push(self.expr_dict(arg));
            } else {
                pos.push(self.expr(arg));
            }
        }
        let mut kws: SmallVec<[(Name, Eval<'a>); 2]> = SmallVec::new();
        let mut double_star = false;
        // The name handed on as the one `**` dict (with more than one `**`, not followed):
        // what its keys may be is read below, where a rule may test the call.
        let mut spread_name: Option<&'a Name> = None;
        let mut kw_spreads = 0u32;
        for k in &c.arguments.keywords {
            match &k.arg {
                Some(id) => {
                    let ev = if reads_args {
                        self.expr_reading(&k.value)
                    } else if folds_dicts {
                        self.expr_dict(&k.value)
                    } else {
                        self.expr(&k.value)
                    };
                    kws.push((key(&id.id), ev));
                }
                None => {
                    // `**d` of a folded dict with string keys: its entries are keywords (the
                    // call gets a copy of them).
                    if let Expr::Dict(d) = &k.value {
                        self.dict_wanted = Some(d.range.start());
                    }
                    let mut ev = self.expr_reading(&k.value);
                    self.flush(&mut ev);
                    match ev.fold.take() {
                        Some(Const::Dict(entries))
                            if entries.len() <= 64
                                && entries.iter().all(|(k, _)| k.as_str().is_some()) =>
                        {
                            for (k, v) in entries.iter() {
                                let name = Name::new(k.as_str().unwrap_or_default());
                                kws.push((name, Eval { fold: Some(v.clone()), ..Eval::unknown() }));
                            }
                        }
                        _ => {
                            double_star = true;
                            kw_spreads += 1;
                            spread_name = match &k.value {
                                Expr::Name(n) if kw_spreads == 1 => Some(&n.id),
                                _ => None,
                            };
                        }
                    }
                }
            }
        }
        if self.records_entry_calls && self.at_import() {
            self.note_entry_calls(&callee, recv.as_ref().zip(method.as_ref()), &pos, &kws);
            // `runpy.run_path("build_config.py")` (or `os.path.join(here, "build_config.py")`)
            // in `setup.py`: that file's module level runs at install time.
            if callee.vals.quals().any(|q| &**q == "runpy.run_path")
                && self.at_install_module_level()
                && let Some(module) = run_path_module(c, pos.first())
            {
                self.note_module_run_at_install(&module);
            }
            // `exec(open(os.path.join(here, "pkg", "version.py")).read())`: the project's own
            // file, run at install time (its module level read so, see the rules that spare
            // the `exec` itself).
            if callee.vals.quals().any(|q| CODE_RUNNERS.contains(&&**q))
                && self.at_install_module_level()
                && let Some(first) = pos.first()
            {
                let modules: SmallVec<[String; 1]> = first
                    .vals
                    .alts()
                    .iter()
                    .filter_map(|v| match v {
                        Value::From(q) => q.strip_prefix(OWN_SOURCE_ORIGIN),
                        _ => None,
                    })
                    .filter_map(|own| own.strip_suffix(".py"))
                    .map(|stem| stem.replace('/', "."))
                    .collect();
                for module in modules {
                    self.note_module_run_at_install(&module);
                }
            }
        }
        let mut helper = None;
        let mut invoked = SmallVec::<[QName; 2]>::new();
        match &*c.func {
            Expr::Lambda(l) => {
                self.lambda_called_here(l, &pos, &kws);
                helper = self.lambda_result(l, &pos, &kws);
            }
            Expr::Name(n) => {
                self.function_called_here(&n.id, &pos, &kws);
                if !self.saved_parameters.is_empty() {
                    self.saved_through_parameters(&n.id, c, &pos, &kws);
                }
                helper = self.helper_result(&n.id, &pos, &kws);
                invoked = self.invoked_argument(&n.id, &pos);
            }
            // The module's own namespace looked up by a name written in the file
            // (`globals()["_beacon"]()`): that function of the file, called.
            Expr::Subscript(s)
                if let Expr::Call(ns) = &*s.value
                    && let Expr::Name(f) = &*ns.func
                    && matches!(f.id.as_str(), "globals" | "vars" | "locals")
                    && ns.arguments.is_empty()
                    && let Expr::StringLiteral(k) = &*s.slice =>
            {
                let name = Name::new(k.value.to_str());
                self.function_called_here(&name, &pos, &kws);
            }
            _ => {}
        }
        let HelperResult { fold: helper_fold, refers: helper_refers, derived: mut helper_derived } =
            helper.unwrap_or_default();
        // `map(lambda rel: open(home + rel).read(), FILES)`: the lambda is called with each
        // item, as a comprehension's element is read (see `Self::mapped_lambda`).
        if let Some(each) = self.mapped_lambda(c, &callee, &pos) {
            helper_derived.push(Value::Seq(Rc::from([each])));
        }
        self.methods_called_here(&callee, recv.as_ref(), method.as_ref(), &c.func, &pos, &kws);
        // `d.update(proc=subprocess)`, `d.update({"proc": subprocess})` and
        // `d.setdefault("proc", subprocess)` put entries in the dict `d` names.
        if let (Some(m), Expr::Attribute(a)) = (&method, &*c.func)
            && let Expr::Name(owner) = &*a.value
            && matches!(m.as_str(), "update" | "setdefault")
        {
            let mut entries: Vec<(Rc<str>, ValueSet<'a>)> = Vec::new();
            if m.as_str() == "update" {
                for (k, e) in &kws {
                    if e.vals.refers() {
                        entries.push((Rc::from(k.as_str()), e.vals.clone()));
                    }
                }
                if let [given] = pos.as_slice() {
                    for alt in given.vals.alts() {
                        if let Value::Dict(d) = alt {
                            entries.extend(d.iter().cloned());
                        }
                    }
                }
            } else if let [k, v] = pos.as_slice()
                && let Some(k) = k.fold.as_ref().and_then(Const::as_str)
                && v.vals.refers()
            {
                entries.push((Rc::from(k), v.vals.clone()));
            }
            self.add_entries(owner, entries);
        }
        self.keyboard_callbacks(c, &callee);
        // `parts.append(socket.gethostname())`, `seen.add(...)`, `d.update(env)`: the
        // container `parts` names carries what the argument carries (see `Self::carry_into`).
        if let (Some(m), Expr::Attribute(a)) = (&method, &*c.func)
            && FILLING_METHODS.contains(&m.as_str())
        {
            for e in pos.iter().chain(kws.iter().map(|(_, e)| e)) {
                self.carry_into_target(&a.value, &e.vals);
            }
            if let Expr::Name(owner) = &*a.value
                && let Some(listed) = listed_items(m.as_str(), &pos)
            {
                self.add_listed(owner, listed);
            }
        }
        // An in-memory file written with a followed value (`buf.write(frame)` on an
        // `io.BytesIO()`), or an image saved into one (`ImageGrab.grab().save(buf, "PNG")`),
        // holds it: sending `buf.getvalue()` sends the picture.
        if !self.c.derived_origins.is_empty()
            && let (Some(m), Expr::Attribute(a)) = (&method, &*c.func)
        {
            match m.as_str() {
                "write" | "writelines"
                    if recv.as_ref().is_some_and(|r| {
                        r.vals.quals().any(|q| IN_MEMORY_FILES.contains(&&**q))
                    }) =>
                {
                    for e in &pos {
                        self.carry_into_target(&a.value, &e.vals);
                    }
                }
                "save" => {
                    if let (Some(r), Some(target)) = (recv.as_ref(), c.arguments.args.first()) {
                        self.carry_into_target(target, &r.vals);
                    }
                }
                _ => {}
            }
        }
        // An argument naming a file a download was saved to holds the download.
        // A directory put where imports look holds the downloads saved in it
        // (`sys.path.insert(0, "/tmp")` after `/tmp/stage.py` was written with one).
        let import_dir = self.c.needs_returned
            && callee
                .vals
                .quals()
                .any(|q| matches!(&**q, "sys.path.insert" | "sys.path.append" | "site.addsitedir"));
        // A process call that saves a download (`["curl", "-sLo", "/tmp/u", URL]`, `["git",
        // "clone", URL, d]`), read once here; its own arguments do not run the file, also when
        // the function is walked once more (see `Self::module`).
        let argv_saved = if self.c.needs_returned {
            argv_download(callee.vals.quals(), c, &pos, &kws, |n| self.constant_text_of(n))
        } else {
            None
        };
        // A file opened for writing is written, not read: its path does not hold the download
        // it will (the reading that knows the path from its start meets that `open` too).
        let writes_file = !self.saved.is_empty()
            && callee.vals.quals().any(|q| opens_for_writing(q, c, &pos, &kws));
        if (!self.saved.is_empty() || import_dir) && argv_saved.is_none() && !writes_file {
            for (i, e) in pos.iter_mut().enumerate() {
                let written = if star_at.is_none() { c.arguments.args.get(i) } else { None };
                self.mark_saved(e, written, import_dir);
            }
            for (_, e) in &mut kws {
                self.mark_saved(e, None, import_dir);
            }
        }
        // `pickle.load(buf)` of an in-memory buffer the function filled only with pickle
        // dumps: what `pickle.dumps` returned (see `crate::roundtrip`).
        if self.spread_body.is_some()
            && !spread
            && star_at.is_none()
            && callee
                .vals
                .quals()
                .any(|q| PICKLE_LOADS.contains(&&**q) || PICKLE_PATH_READERS.contains(&&**q))
        {
            let given = match c.arguments.args.first() {
                Some(a) => Some((a, pos.first_mut())),
                None => c
                    .arguments
                    .keywords
                    .iter()
                    .find(|k| {
                        k.arg.as_ref().is_some_and(|n| {
                            matches!(
                                n.as_str(),
                                "file" | "data" | "filename" | "filepath_or_buffer"
                            )
                        })
                    })
                    .map(|k| {
                        let name = k.arg.as_ref().map(|n| key(&n.id));
                        (
                            &k.value,
                            kws.iter_mut().find(|(n, _)| Some(n) == name.as_ref()).map(|(_, e)| e),
                        )
                    }),
            };
            if let Some((arg, Some(ev))) = given
                && let Some(dumps) = self.pickle_buffer(arg).or_else(|| self.temp_file(arg))
            {
                ev.vals = ValueSet::one(Value::Returned(dumps));
            }
        }
        // What the keys of the `**` dict may be, where the body says: read only for a callee
        // some call leaf names (the file's calls are read once for a wrapper's `**kwargs`).
        let kw_spread = match spread_name {
            Some(n)
                if call::may_hit(self.c, &callee.vals, !kws.is_empty(), &mut self.call_memo) =>
            {
                self.spread_of(n)
            }
            _ => None,
        };
        let from = self.hits.len();
        // A pickle kept as a bytes literal names what unpickling it calls: its globals are
        // referred to where it is loaded (see `crate::pickles`).
        if let Some(Const::Bytes(data)) = pos.first().and_then(|e| e.fold.as_ref())
            && !spread
            && callee.vals.quals().any(|q| q.ends_with("loads") && PICKLE_LOADS.contains(&&**q))
        {
            self.constant_pickle(data.as_bytes());
        }
        // A call that saves a download to a path, or opens a file (see `note_saved`).
        let mut saving: Option<(QName, usize, &'static str, bool)> = None;
        // A call that writes, copies or opens a file by its path (see `note_data_written`,
        // `opened_file_holds`), told apart in the look-up of special callees below.
        let mut file_call: Option<FileCall> = None;
        // Constant code past the limits of reading it in place (nested deeper than they
        // allow, or past the file's count or bytes) is code the engine cannot see: to the
        // rules it is not constant (`exec-builtin`, not `exec-constant-code`). Packers nest
        // dozens of `exec(decode(...))` levels for this.
        let code_unread = match pos.first().and_then(|e| e.fold.as_ref()) {
            Some(Const::Str(code)) => self.past_code_limits(code.as_str().len()),
            Some(Const::Bytes(code)) => self.past_code_limits(code.as_bytes().len()),
            _ => false,
        } && callee.vals.quals().any(|q| CODE_RUNNERS.contains(&&**q));
        // How many last positional arguments a path join's matched end is made of: their own
        // texts are parts of it, not candidates of their own (`os.path.join(home, ".ssh",
        // "config")` names `/.ssh/config`, a file without a secret, not `.ssh`).
        let mut joined_parts = 0;
        let (vals, fold, join_tail) = {
            let pos_c: SmallVec<[Option<&Const<'a>>; 4]> = pos
                .iter()
                .enumerate()
                .map(|(i, e)| if i == 0 && code_unread { None } else { e.fold.as_ref() })
                .collect();
            let kw_c: SmallVec<[(&str, Option<&Const<'a>>); 2]> =
                kws.iter().map(|(k, e)| (k.as_str(), e.fold.as_ref())).collect();
            let pos_r: SmallVec<[&ValueSet<'a>; 4]> = pos.iter().map(|e| &e.vals).collect();
            let kw_r: SmallVec<[&ValueSet<'a>; 2]> = kws.iter().map(|(_, e)| &e.vals).collect();
            // Held apart from `self`, which the matching below borrows mutably.
            let spelled = self.spelled;
            let args = CallArgs {
                pos: &pos_c,
                kw: &kw_c,
                star_at,
                double_star,
                spread: kw_spread.as_ref(),
                pos_refs: &pos_r,
                kw_refs: &kw_r,
                nodes: (!spread).then_some(&c.arguments),
                spelled: Some(spelled),
                nodes_in_file: self.embedded_depth == 0,
            };
            // A list's or dict's own method changes it in place: followed.
            if let (Some(container), Some(m), Expr::Attribute(a)) = (&container, &method, &*c.func)
                && let Expr::Name(n) = &*a.value
            {
                self.mutate(n, m.as_str(), container, &args);
            }

            call::hits(self.c, &callee.vals, &args, &mut self.call_memo, &mut self.hits);
            // `p.unlink()` of a path whose text is known is `pathlib.Path.unlink(p)`; so is
            // `p.chmod(mode)` of a name a download was written to (`p.write_bytes(r.content)`
            // under a computed directory), which `derived_from` follows from it.
            if let (Some(m), Some(r)) = (&method, &recv)
                && r.vals.alts().iter().any(|v| {
                    matches!(v, Value::Path(_))
                        || (m.as_str() == "chmod" && matches!(v, Value::From(_)))
                })
            {
                self.path_method_hits(m, &r.vals, &args);
            }
            reference::hits(self.c, &callee.vals, &mut self.reference_memo, &mut self.hits);
            // Calling `functools.partial(f, ...)` calls `f` with arguments bound earlier.
            let mut partial = ValueSet::default();
            // `functools.partial(getattr, os)("system")` is `getattr(os, "system")`.
            let mut attr_of = ValueSet::default();
            for alt in callee.vals.alts() {
                match alt {
                    Value::Partial(inner) => partial.union(inner),
                    Value::AttrOf(obj) => match pos.first().and_then(|e| e.fold.as_ref()) {
                        Some(Const::Str(name)) if pos.len() == 1 && kws.is_empty() => {
                            let reached = self.reach_attribute(obj, name.as_str());
                            attr_of.union(&reached);
                        }
                        // A name not known: `getattr` called with it.
                        _ => partial.push(Value::Qual(self.interner.intern("builtins.getattr"))),
                    },
                    // `operator.methodcaller("system", "id")(os)` reaches `os.system` and calls
                    // it with arguments given earlier (not followed: unknown here).
                    Value::Caller(name) if pos.len() == 1 && kws.is_empty() => {
                        let method = self.attr_vals(&pos[0].vals.clone(), name);
                        reference::hits(self.c, &method, &mut self.reference_memo, &mut self.hits);
                        partial.union(&method);
                    }
                    _ => {}
                }
            }
            if !partial.is_empty() {
                let unknown = CallArgs {
                    pos: &[],
                    kw: &[],
                    star_at: Some(0),
                    double_star: true,
                    spread: None,
                    pos_refs: &[],
                    kw_refs: &[],
                    nodes: None,
                    spelled: None,
                    nodes_in_file: false,
                };
                call::hits(self.c, &partial, &unknown, &mut self.call_memo, &mut self.hits);
            }
            let mut vals = attr_of;
            // A function that gives one constant, called.
            let mut fold: Option<Const<'a>> = match callee.vals.alts() {
                [Value::Gives(c)] => Some((**c).clone()),
                _ => helper_fold,
            };
            // A helper of the file folded with constant arguments: what its result refers to
            // (`imp("subprocess")` of `def imp(m): return __import__(m)` is `subprocess`).
            for q in helper_refers {
                vals.push(Value::Qual(q));
            }
            vals.union(&helper_derived);
            // A function of the file that returns a module it imports, called.
            for alt in callee.vals.alts() {
                match alt {
                    Value::Yields(module) => vals.union(module),
                    Value::YieldsAt(by_argument) => {
                        for a in by_argument.iter().filter(|a| hands_path(a, &pos, &kws)) {
                            vals.push(Value::From(a.origin.clone()));
                        }
                    }
                    _ => {}
                }
            }
            // `operator.attrgetter("a.b")(obj)` is `obj.a.b`.
            for alt in callee.vals.alts() {
                if let Value::Getter(path) = alt
                    && pos.len() == 1
                    && kws.is_empty()
                {
                    let mut reached = pos[0].vals.clone();
                    for part in path.split('.') {
                        reached = self.attr_vals(&reached, part);
                    }
                    vals.union(&reached);
                }
            }
            let quals: SmallVec<[QName; 2]> = callee.vals.quals().cloned().collect();
            let str_arg = |i: usize, kw: &str| -> Option<String> {
                let v = pos_c
                    .get(i)
                    .copied()
                    .flatten()
                    .or_else(|| kw_c.iter().find(|(k, _)| *k == kw).and_then(|(_, v)| *v));
                v.and_then(Const::as_str).map(str::to_string)
            };
            // The strings an argument may be, when it is one of a few constants or a
            // parameter with a default (`def f(n="sys" + "tem")`): each is looked up as if
            // written, so that a dangerous one is found whatever else the argument may be.
            let str_choices = |i: usize, kw: &str| -> Vec<String> {
                let refs = pos_r.get(i).copied().or_else(|| {
                    kws.iter().position(|(k, _)| k == kw).and_then(|j| kw_r.get(j).copied())
                });
                match refs {
                    Some(set) if set.alts().len() > 1 => set
                        .alts()
                        .iter()
                        .filter_map(|v| match v {
                            Value::Const(c) => c.as_str().map(str::to_string),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                }
            };
            for q in &quals {
                if !SPECIAL_CALLEES.contains(&**q) {
                    continue;
                }
                match &**q {
                    "builtins.open" | "io.open" => {
                        saving = Some((q.clone(), 0, "file", true));
                        file_call = Some(FileCall::Opens);
                    }
                    _ if FILE_OPENERS.contains(&&**q) => file_call = Some(FileCall::Opens),
                    _ if let Some(&(_, kw)) = ARCHIVE_OPENERS.iter().find(|(n, _)| *n == &**q) => {
                        saving = Some((q.clone(), 0, kw, true));
                    }
                    // The archive `make_archive` returns the path of holds the files of the
                    // directory it is given: `open(p, "rb")` of it reads them.
                    "shutil.make_archive" => {
                        if let Some(origin) = self.made_archive(c, &pos, &kws) {
                            vals.push(Value::From(origin));
                        }
                    }
                    _ if FILE_COPIERS.contains(&&**q) => {
                        file_call = Some(FileCall::Copies { one_file: &**q == "shutil.copyfile" });
                    }
                    _ if let Some(w) = DATA_WRITERS.iter().find(|(n, ..)| *n == &**q) => {
                        file_call = Some(FileCall::Writes(w));
                    }
                    _ if let Some(&(_, at, kw)) =
                        CAPTURES_TO_FILE.iter().find(|(n, ..)| *n == &**q) =>
                    {
                        file_call = Some(FileCall::Captures(q.clone(), at, kw));
                    }
                    "os.open" => saving = Some((q.clone(), 0, "path", true)),
                    _ if RUNS_FILES.contains(&&**q) && !self.written_code.is_empty() => {
                        let first = c.arguments.args.first();
                        self.run_written_code(q, first, pos.first(), c.range());
                    }
                    _ if let Some(&(_, at, kw)) =
                        SAVES_DOWNLOAD.iter().find(|(n, ..)| *n == &**q) =>
                    {
                        saving = Some((q.clone(), at, kw, false));
                    }
                    "builtins.__import__" | "importlib.__import__" => {
                        for m in str_arg(0, "name").into_iter().chain(str_choices(0, "name")) {
                            self.import_of_saved(&m, c.range(), None);
                            import::hits(self.c, &m, &mut self.interner, &mut self.hits);
                            let fromlist = pos.get(3).or_else(|| {
                                kws.iter().find(|(k, _)| k == "fromlist").map(|(_, e)| e)
                            });
                            let whole = fromlist.is_some_and(|e| match &e.fold {
                                Some(Const::Seq(_, items)) => !items.is_empty(),
                                Some(Const::None) => false,
                                _ => true,
                            });
                            let canonical = crate::modules::canonical(&m);
                            let bound = if whole {
                                &*canonical
                            } else {
                                m.split('.').next().unwrap_or_default()
                            };
                            if !bound.is_empty() {
                                vals.push(Value::Qual(self.interner.intern(bound)));
                            }
                        }
                    }
                    // `type(f)` of a function of the file is `types.FunctionType`, and
                    // `type(f.__code__)` is `types.CodeType`: the `types` module's own way of
                    // naming them, and a way to build a function without naming either.
                    "builtins.type" => {
                        if let ([arg], true, None) =
                            (c.arguments.args.as_ref(), kws.is_empty(), star_at)
                            && let Some(made) = self.type_of_function(arg)
                        {
                            vals.push(Value::Qual(self.interner.intern(made)));
                        }
                    }
                    "importlib.import_module" => {
                        for m in str_arg(0, "name").into_iter().chain(str_choices(0, "name")) {
                            self.import_of_saved(&m, c.range(), None);
                            let m = crate::modules::canonical(&m);
                            import::hits(self.c, &m, &mut self.interner, &mut self.hits);
                            vals.push(Value::Qual(self.interner.intern(&m)));
                        }
                        // `import_module(__name__)`: the file's own module.
                        if pos.first().is_some_and(|e| names_this_module(&e.vals)) {
                            vals.push(Value::ThisModule);
                        }
                    }
                    // `functools.reduce(getattr, ("path", "os", "system"), os)` walks the names
                    // from the start object, as `os.path.os.system` would.
                    "functools.reduce" => {
                        let by_getattr = pos
                            .first()
                            .is_some_and(|f| f.vals.quals().any(|q| &**q == "builtins.getattr"))
                            || (star_at.is_none()
                                && c.arguments
                                    .args
                                    .first()
                                    .is_some_and(|f| self.getattr_lambda(f)));
                        if let (true, [_, names, start], true) =
                            (by_getattr, pos.as_slice(), kws.is_empty())
                            && let Some(Const::Seq(_, parts)) = &names.fold
                            && parts.len() <= 16
                        {
                            let mut reached = start.vals.clone();
                            for part in parts.iter() {
                                let Some(name) = part.as_str() else {
                                    reached = ValueSet::unknown();
                                    break;
                                };
                                reached = self.reach_attribute(&reached, name);
                            }
                            vals.union(&reached);
                        }
                    }
                    // Names resolved to the object they name, importing what they must:
                    // `pydoc.locate("os.system")`, `pkgutil.resolve_name("subprocess:Popen")`.
                    // `pydoc.locate("os.system")`, `pkgutil.resolve_name("subprocess:Popen")`
                    // and the others of `NAME_RESOLVERS`.
                    name if resolver_argument(name).is_some() => {
                        let (at, kw) = resolver_argument(name).unwrap_or((0, ""));
                        for named in str_arg(at, kw).into_iter().chain(str_choices(at, kw)) {
                            if let Some(object) = self.resolve_named(&named) {
                                vals.push(Value::Qual(object));
                            }
                        }
                    }
                    // `string.Formatter().get_field("0.modules[os].system", (sys,), {})` gives
                    // the object the path reaches and the field's first part;
                    // `.format(fmt, ...)` and `.vformat(fmt, args, kwargs)` read the fields'
                    // paths as `str.format` does.
                    "string.Formatter().get_field" => {
                        if let Some(field) = str_arg(0, "field_name") {
                            let positional =
                                pos.get(1).map(|e| seq_items(&e.vals)).unwrap_or_default();
                            let named =
                                pos.get(2).map(|e| dict_entries(&e.vals)).unwrap_or_default();
                            let reached = self.field_reaches(&field, &mut 0, &positional, &named);
                            reference::hits(
                                self.c,
                                &reached,
                                &mut self.reference_memo,
                                &mut self.hits,
                            );
                            if reached.is_interesting() {
                                vals.push(Value::Seq(Rc::from([reached, ValueSet::unknown()])));
                            }
                        }
                    }
                    "string.Formatter().format" | "string.Formatter().vformat" => {
                        if let Some(fmt) = str_arg(0, "format_string") {
                            let (positional, named) = if &**q == "string.Formatter().format" {
                                let named: Vec<(Rc<str>, ValueSet<'a>)> = kws
                                    .iter()
                                    .map(|(k, e)| (Rc::from(k.as_str()), e.vals.clone()))
                                    .collect();
                                (pos.iter().skip(1).map(|e| e.vals.clone()).collect(), named)
                            } else {
                                (
                                    pos.get(1).map(|e| seq_items(&e.vals)).unwrap_or_default(),
                                    pos.get(2).map(|e| dict_entries(&e.vals)).unwrap_or_default(),
                                )
                            };
                            let reached = self.format_reaches(&fmt, &positional, &named);
                            reference::hits(
                                self.c,
                                &reached,
                                &mut self.reference_memo,
                                &mut self.hits,
                            );
                        }
                    }
                    // An object of a library class whose methods look objects up by name
                    // (`string.Formatter()`, `pickle.Unpickler(f)`): known by the class's
                    // name, as `string.Formatter()`, so that its methods are
                    // `string.Formatter().get_field`.
                    name if NAME_LOOKUP_CLASSES.contains(&name) => {
                        let made = self.interner.intern(&format!("{name}()"));
                        vals.push(Value::Qual(made));
                    }
                    // `mock._get_target("os.system")` gives a function that imports `os`,
                    // and the attribute's name.
                    "unittest.mock._get_target" | "mock.mock._get_target" => {
                        if let Some(target) = str_arg(0, "target")
                            && let Some((module, attribute)) = target.rsplit_once('.')
                            && let Some(module) = self.resolve_named(module)
                        {
                            let getter =
                                ValueSet::one(Value::Yields(Rc::new(ValueSet::qual(module))));
                            let attribute = Const::Str(Text::Owned(attribute.into())).share();
                            let attribute = ValueSet::one(Value::Const(attribute));
                            vals.push(Value::Seq(Rc::from([getter, attribute])));
                        }
                    }
                    // `mock._dot_lookup(thing, "system", "os.system")` is `thing.system`.
                    "unittest.mock._dot_lookup" | "mock.mock._dot_lookup" => {
                        if let (Some(thing), Some(comp)) = (pos.first(), str_arg(1, "comp")) {
                            let v = self.reach_attribute(&thing.vals, &comp);
                            vals.union(&v);
                        }
                    }
                    // An unpickler's `find_class(module, name)` imports the module and gives
                    // the object (called through the class, the unpickler comes first).
                    name if name.ends_with(".find_class") => {
                        let at = usize::from(!name.ends_with("().find_class"));
                        if let (Some(module), Some(object)) =
                            (str_arg(at, "module"), str_arg(at + 1, "name"))
                            && let Some(found) = self.resolve_named(&format!("{module}:{object}"))
                        {
                            vals.push(Value::Qual(found));
                        }
                    }
                    // A spec or loader of a module by its name (`find_spec("os")`,
                    // `SourceFileLoader("os", path)`): what loading it gives is that module.
                    name if spec_argument(name).is_some() => {
                        let (at, kw) = spec_argument(name).unwrap_or((0, ""));
                        for m in str_arg(at, kw).into_iter().chain(str_choices(at, kw)) {
                            if is_dotted_name(&m) && m.len() <= crate::value::MAX_QUAL_LEN {
                                vals.push(Value::Loader(self.interner.intern(&m)));
                            }
                        }
                    }
                    "importlib.util.module_from_spec" | "importlib._bootstrap._load" => {
                        if let Some(spec) = pos.first() {
                            vals.union(&loaded(&spec.vals));
                        }
                    }
                    // An entry point names an object its `load()` imports and returns
                    // (`EntryPoint(name, "os:system", group)`, `EntryPoint.parse("x = os:system")`):
                    // the object is referred to where the entry point is made.
                    "importlib.metadata.EntryPoint"
                    | "importlib_metadata.EntryPoint"
                    | "pkg_resources.EntryPoint.parse" => {
                        let named = if &**q == "pkg_resources.EntryPoint.parse" {
                            str_arg(0, "src").and_then(|src| {
                                let value = src.split_once('=')?.1;
                                Some(value.split('[').next().unwrap_or(value).trim().to_string())
                            })
                        } else {
                            str_arg(1, "value")
                        };
                        if let Some(object) = named.and_then(|n| self.resolve_named(&n)) {
                            reference::hits(
                                self.c,
                                &ValueSet::one(Value::Qual(object.clone())),
                                &mut self.reference_memo,
                                &mut self.hits,
                            );
                            // What its `load()` gives.
                            vals.push(Value::Loader(object));
                        }
                    }
                    "builtins.globals" => vals.push(Value::Globals),
                    "builtins.locals" if self.scope == MODULE => vals.push(Value::Globals),
                    "builtins.vars" => match pos.first() {
                        None if kws.is_empty() && self.scope == MODULE => vals.push(Value::Globals),
                        Some(obj) => {
                            let v = self.attr_vals(&obj.vals.clone(), "__dict__");
                            vals.union(&v);
                        }
                        None => {}
                    },
                    "operator.attrgetter" => {
                        if let ([Some(Const::Str(path))], true) = (pos_c.as_slice(), kws.is_empty())
                        {
                            vals.push(Value::Getter(self.interner.intern(path.as_str())));
                        }
                        for arg in pos_c.iter().flatten() {
                            if let Some(path) = arg.as_str() {
                                for part in path.split('.') {
                                    attribute::hits(
                                        self.c,
                                        part,
                                        attribute::Receiver::Unknown,
                                        &mut self.interner,
                                        &mut self.hits,
                                    );
                                }
                            }
                        }
                    }
                    "operator.methodcaller" => {
                        if let Some(n) = str_arg(0, "name") {
                            attribute::hits(
                                self.c,
                                &n,
                                attribute::Receiver::Unknown,
                                &mut self.interner,
                                &mut self.hits,
                            );
                            vals.push(Value::Caller(self.interner.intern(&n)));
                        }
                    }
                    "functools.partial" => {
                        if let Some(f) = pos.first()
                            && f.vals.refers()
                        {
                            // A resolver with its arguments bound is a known call; any other
                            // function is called with arguments the engine does not know.
                            let f = f.vals.clone();
                            let bound = if kws.is_empty() {
                                self.bound_resolver(&f, &pos[1..])
                            } else {
                                None
                            };
                            vals.push(bound.unwrap_or_else(|| Value::Partial(Rc::new(f))));
                        }
                    }
                    "builtins.map" => {
                        let chr = pos
                            .first()
                            .is_some_and(|f| f.vals.quals().any(|q| &**q == "builtins.chr"));
                        if chr
                            && pos.len() == 2
                            && let Some(items) = &pos[1].fold
                        {
                            fold = fold::map_chr(items);
                        }
                        if let Some(each) = self.mapped(&pos) {
                            vals.push(Value::Seq(Rc::from([each])));
                        }
                    }
                    name if attribute::GETATTR_LIKE.contains(&name) => {
                        // The name as given (the choices of a name are literals' text).
                        let made = pos_c.get(1).copied().flatten().is_some_and(Const::is_made_text);
                        let given = str_arg(1, "name").map(|n| (n, made));
                        let choices = str_choices(1, "name").into_iter().map(|n| (n, false));
                        for (n, made) in given.into_iter().chain(choices) {
                            let receiver = match pos.first() {
                                Some(obj) => attribute::Receiver::Known(&obj.vals),
                                None => attribute::Receiver::Unknown,
                            };
                            attribute::hits_named(
                                self.c,
                                &n,
                                receiver,
                                false,
                                made,
                                &mut self.interner,
                                &mut self.hits,
                            );
                            if matches!(
                                name,
                                "builtins.getattr"
                                    | "inspect.getattr_static"
                                    | "builtins.object.__getattribute__"
                                    | "builtins.type.__getattribute__"
                            ) && let Some(obj) = pos.first()
                            {
                                let v = self.attr_of(&obj.vals, obj.fold.as_ref(), &n);
                                vals.union(&v);
                            }
                            let sets = matches!(
                                name,
                                "builtins.setattr"
                                    | "builtins.delattr"
                                    | "builtins.object.__setattr__"
                                    | "builtins.object.__delattr__"
                            );
                            // `setattr(sys.modules[__name__], "exec", f)`: the module's
                            // binding replaced or removed.
                            if sets && pos.first().is_some_and(|obj| obj.vals.may_be_this_module())
                            {
                                self.scopes.weaken_module(&n);
                            }
                            if sets
                                && !self.c.stores.is_empty()
                                && let Some(obj) = pos.first()
                            {
                                let target = self.attr_vals(&obj.vals.clone(), &n);
                                store::hits(self.c, &target, &mut self.hits);
                            }
                        }
                    }
                    _ => {}
                }
            }
            // A foldable function (`chr`, `base64.b64decode`, `urljoin`...) of arguments that
            // all fold.
            if fold.is_none()
                && !made_by_subclass
                && !args.starred()
                && pos_c.iter().all(Option::is_some)
                && kw_c.iter().all(|(_, v)| v.is_some())
            {
                for q in &quals {
                    fold = fold::call(q, &args, &mut self.budget);
                    if fold.is_some() {
                        break;
                    }
                }
            }
            // `typing.cast(T, value)` is `value` at run time: a checker's annotation, not a
            // call that changes what it is given (`LoadLibrary(cast(str, find_library("c")))`,
            // `cast(str, "rm -rf /")`).
            if let ([_, given], true) = (pos.as_slice(), kws.is_empty())
                && quals.iter().any(|q| matches!(&**q, "typing.cast" | "typing_extensions.cast"))
            {
                vals.union(&given.vals);
                if fold.is_none() {
                    fold.clone_from(&given.fold);
                }
            }
            // Calls that hand back what they were given (`contextlib.nullcontext(os)`, entered
            // by `with ... as m`), or the elements of a display (`next(iter([os]))`).
            if let ([only], true) = (pos.as_slice(), kws.is_empty()) {
                for q in &quals {
                    match &**q {
                        "contextlib.nullcontext" | "contextlib.closing" | "weakref.proxy"
                            if only.vals.refers() =>
                        {
                            vals.union(&only.vals);
                        }
                        // `weakref.ref(os)()` is `os`.
                        "weakref.ref" if only.vals.refers() => {
                            vals.push(Value::Yields(Rc::new(only.vals.clone())));
                        }
                        // The module an object was defined in: `inspect.getmodule(os.path.join)`
                        // is `os.path` (whose `os` is `os`); a module is its own.
                        "inspect.getmodule" => {
                            for q in only.vals.quals() {
                                let module = q.rsplit_once('.').map_or(&**q, |(m, _)| m);
                                vals.push(Value::Qual(self.interner.intern(module)));
                            }
                        }
                        "builtins.iter" | "builtins.list" | "builtins.tuple"
                        | "builtins.reversed" | "builtins.sorted"
                            if only.vals.alts().iter().any(|v| matches!(v, Value::Seq(_))) =>
                        {
                            vals.union(&only.vals);
                        }
                        // `list(sys.modules.values())`, `dict(sys.modules)`: the same view.
                        "builtins.iter" | "builtins.list" | "builtins.tuple"
                        | "builtins.reversed" | "builtins.sorted" | "builtins.set"
                        | "builtins.dict" | "builtins.frozenset" => {
                            for alt in only.vals.alts() {
                                match alt {
                                    Value::Loaded(_) => vals.push(alt.clone()),
                                    Value::Qual(q) if is_modules_dict(q) => {
                                        vals.push(Value::Loaded(LoadedView::Keys));
                                    }
                                    _ => {}
                                }
                            }
                        }
                        "builtins.next" => {
                            if let Some(each) = self.elements(&Eval::of(only.vals.clone())) {
                                vals.union(&each);
                            }
                        }
                        // `enumerate([os])`: pairs of an unknown count and each element.
                        "builtins.enumerate" => {
                            if let Some(each) = self.elements(&Eval::of(only.vals.clone())) {
                                let pairs: Vec<ValueSet<'a>> = each
                                    .alts()
                                    .iter()
                                    .map(|e| {
                                        ValueSet::one(Value::Seq(Rc::from([
                                            ValueSet::unknown(),
                                            ValueSet::one(e.clone()),
                                        ])))
                                    })
                                    .collect();
                                vals.push(Value::Seq(pairs.into()));
                            }
                        }
                        _ => {}
                    }
                }
            }
            // `filter(pred, [os, re])` keeps some of the items, any of them as far as is known.
            if let ([_, items], true) = (pos.as_slice(), kws.is_empty())
                && quals.iter().any(|q| matches!(&**q, "builtins.filter" | "itertools.filterfalse"))
            {
                if items.vals.alts().iter().any(|v| matches!(v, Value::Seq(_))) {
                    vals.union(&items.vals);
                }
                // `filter(lambda m: m.__name__ == "posix", sys.modules.values())`: the modules
                // the predicate compares names with.
                if let Some(Expr::Lambda(l)) = c.arguments.args.first()
                    && let Some(p) = &l.parameters
                    && let Some(first) = p.posonlyargs.iter().chain(&p.args).next()
                    && let Some(each) = self.elements(items)
                    && each.alts().iter().any(is_loaded_item)
                {
                    let targets = [key(&first.parameter.name.id)];
                    let each = self.narrow_loaded(&each, &targets, &[&l.body]);
                    if each.refers() {
                        vals.push(Value::Seq(Rc::from([each])));
                    }
                }
            }
            // `d.values()` and `d.items()` of a dict display that holds paths: a sequence of its
            // values, or of `(key, value)` pairs, for a `for` loop to take apart.
            if let (Some(m), Some(r)) = (&method, &recv)
                && pos.is_empty()
                && matches!(m.as_str(), "values" | "items")
            {
                for alt in r.vals.alts() {
                    if let Value::Dict(d) = alt
                        && d.iter().any(|(_, v)| !crate::paths::texts_of(v).is_empty())
                    {
                        let items: Vec<ValueSet<'a>> = d
                            .iter()
                            .map(|(k, v)| match m.as_str() {
                                "values" => v.clone(),
                                _ => ValueSet::one(Value::Seq(Rc::from([
                                    ValueSet::one(Value::Const(Const::Str(Text::Shared(
                                        k.clone(),
                                    )))),
                                    v.clone(),
                                ]))),
                            })
                            .collect();
                        vals.push(Value::Seq(items.into()));
                    }
                }
            }
            // `dict(run=os.system)`: as the display `{"run": os.system}`.
            if pos.is_empty()
                && !kws.is_empty()
                && kws.len() <= 32
                && quals.iter().any(|q| &**q == "builtins.dict")
                && kws.iter().any(|(_, e)| e.vals.refers())
            {
                let entries: Vec<(Rc<str>, ValueSet<'a>)> =
                    kws.iter().map(|(k, e)| (Rc::from(k.as_str()), e.vals.clone())).collect();
                vals.push(Value::Dict(entries.into()));
            }
            if let (Some(m), Some(r)) = (&method, &recv) {
                let m = m.as_str();
                if attribute::DUNDER_LOOKUPS.contains(&m) {
                    let named = (0..2).find_map(|i| {
                        pos_c
                            .get(i)
                            .copied()
                            .flatten()
                            .and_then(Const::as_str)
                            .map(|s| (i, s.to_string()))
                    });
                    if let Some((i, n)) = named {
                        let owner = if i == 1 { pos[0].vals.clone() } else { r.vals.clone() };
                        let v = self.reach_attribute(&owner, &n);
                        vals.union(&v);
                    }
                }
                // `globals().pop("exec")`, `globals().clear()`: the module's bindings change
                // without an assignment (a name shadowing a builtin may be gone).
                if r.vals.alts().iter().any(|v| matches!(v, Value::Globals)) {
                    match (m, str_arg(0, "key")) {
                        ("pop" | "__delitem__" | "__setitem__" | "setdefault", Some(k)) => {
                            self.scopes.weaken_module(&k);
                        }
                        ("get" | "__getitem__" | "copy" | "items" | "keys" | "values", _) => {}
                        _ => self.scopes.weaken_all(MODULE),
                    }
                }
                // `sys.modules.values()`, `.items()`, `.keys()`, `.copy()`: a view of the
                // loaded modules.
                if pos.is_empty()
                    && kws.is_empty()
                    && let Some(view) = modules_view(&r.vals, m)
                {
                    vals.push(Value::Loaded(view));
                }
                // `spec.loader.load_module()`, `entry_point.load()`: the module or object
                // the spec, loader or entry point names.
                if matches!(m, "load_module" | "load" | "resolve") {
                    vals.union(&loaded(&r.vals));
                }
                // `{"a": os}.values()`: a display of the dict's values.
                if m == "values" && pos.is_empty() && kws.is_empty() {
                    for alt in r.vals.alts() {
                        if let Value::Dict(entries) = alt {
                            let items: Vec<ValueSet<'a>> =
                                entries.iter().map(|(_, v)| v.clone()).collect();
                            vals.push(Value::Seq(items.into()));
                        }
                    }
                }
                // `"{0.modules[os].system}".format(sys)`: what the fields' paths reach.
                if matches!(m, "format" | "format_map")
                    && let Some(Const::Str(fmt)) = &r.fold
                    && has_field_path(fmt.as_str())
                {
                    let fmt = fmt.as_str().to_string();
                    let (positional, named) = if m == "format" {
                        let named: Vec<(Rc<str>, ValueSet<'a>)> = kws
                            .iter()
                            .map(|(k, e)| (Rc::from(k.as_str()), e.vals.clone()))
                            .collect();
                        (pos.iter().map(|e| e.vals.clone()).collect(), named)
                    } else {
                        (Vec::new(), pos.first().map(|e| dict_entries(&e.vals)).unwrap_or_default())
                    };
                    let reached = self.format_reaches(&fmt, &positional, &named);
                    reference::hits(self.c, &reached, &mut self.reference_memo, &mut self.hits);
                }
                if matches!(m, "get" | "__getitem__" | "pop" | "setdefault")
                    && let Some(k) = str_arg(0, "key")
                {
                    let v = self.item_vals(&r.vals.clone(), &k);
                    if v.is_interesting() {
                        vals.union(&v);
                    }
                }
                // `sys.modules.get(__name__)`: the file's own module.
                if matches!(m, "get" | "__getitem__")
                    && pos.first().is_some_and(|e| is_this_module_entry(&r.vals, &e.vals))
                {
                    vals.push(Value::ThisModule);
                }
                if fold.is_none()
                    && let Some(rf) = &r.fold
                {
                    fold = fold::method(rf, m, &args, &mut self.budget);
                }
            }
            if !vals.is_empty() && !as_callee {
                reference::hits(self.c, &vals, &mut self.reference_memo, &mut self.hits);
            }
            if quals.iter().any(|q| CODE_RUNNERS.contains(&&**q)) {
                // `exec` takes bytes too (as UTF-8 source). `compile` names its source, and
                // `timeit` its statement and the setup it runs first.
                let timeit = quals.iter().any(|q| q.starts_with("timeit."));
                let arg = |i: usize, kw: &str| {
                    pos_c
                        .get(i)
                        .copied()
                        .flatten()
                        .or_else(|| kw_c.iter().find(|(k, _)| *k == kw).and_then(|(_, v)| *v))
                };
                let first = arg(0, if timeit { "stmt" } else { "source" });
                let setup = if timeit { arg(1, "setup") } else { None };
                for code in setup.into_iter().chain(first).filter_map(constant_text) {
                    self.read_code_string(&code, c.range());
                }
            }
            if quals.iter().any(|q| DOCTEST_RUNNERS.contains(&&**q)) {
                self.read_doctest_examples(pos_c.first().copied().flatten(), c.range());
            }
            // What the call returned, for `returned_by` and `derived_from` tests; only a result
            // the engine knows nothing else about (a module from `import_module` is not a
            // round trip's data).
            if self.c.needs_returned && vals.is_empty() && fold.is_none() {
                for q in &quals {
                    vals.push(Value::Returned(q.clone()));
                }
                // A method of a call's result, called (`s.accept()`): derived from it. (A
                // callee that resolves to a name is a function of a module, not a method,
                // unless the name is of a class's instances, `socket.socket().fileno`, which
                // a rule naming one makes of every attribute of that class's objects.)
                if quals.is_empty() || quals.iter().any(|q| q.contains("().")) {
                    vals.union(&callee.vals.derived(&self.c.derived_origins));
                }
            } else if self.c.needs_returned && vals.is_empty() && fold.is_some() {
                // A result folded to a constant keeps where it came from when a `derived_from`
                // test names its function: `zlib.decompress(b64decode(BLOB))` is code decoded
                // from a blob, though its text is known (and read in place by `exec`).
                for q in quals.iter().filter(|q| self.c.derived_origins.matches(q)) {
                    vals.push(Value::Returned(q.clone()));
                }
                // A method of such a constant folded too (`b64decode("...").decode()`) is
                // still what the call gave.
                if method.is_some()
                    && let Some(r) = &recv
                    && r.fold.is_some()
                {
                    for v in r.vals.alts() {
                        if matches!(v, Value::Returned(q) if self.c.derived_origins.matches(q)) {
                            vals.push(v.clone());
                        }
                    }
                }
            } else if self.c.needs_returned && !vals.is_empty() && fold.is_none() {
                // A result the engine knows as something else (the module a spec of
                // `find_spec("requests")` loads) is still what the call gave, where a
                // `derived_from` test names the function (`find_spec(...).origin`, the file).
                for q in quals.iter().filter(|q| self.c.derived_origins.matches(q)) {
                    vals.push(Value::Returned(q.clone()));
                }
            }
            // A function of the file that calls what it is given (`try_call(os.uname)`,
            // `def safe(fn, *a): try: return fn(*a) ...`) may give what that returns.
            for q in invoked {
                vals.push(Value::Returned(q));
            }
            // A variable of the environment read by name.
            if self.c.needs_returned
                && let Some(k) = pos.first()
                && quals.iter().any(|q| ENVIRONMENT_READERS.contains(&&**q))
            {
                let origin = match &k.fold {
                    // Several variables, by a name that holds one of a few constants
                    // (`os.getenv(k)` for `k` of a constant tuple, in a loop or a
                    // comprehension): a part of the environment, chosen, as a copy of it is.
                    None if k.vals.constant_choices() => self.environment_origin(),
                    // One, by a constant name (`os.getenv("GITHUB_TOKEN")`), where a
                    // `derived_from` test names it (`os.environ.GITHUB_TOKEN`).
                    Some(Const::Str(name)) => self.environment_variable_origin(name.as_str()),
                    _ => None,
                };
                if let Some(origin) = origin {
                    vals.push(Value::From(origin));
                }
            }
            // A file read at a path whose text is known (`open(".env").read()`,
            // `(Path.home() / ".aws" / "credentials").read_text()`): what it holds has the
            // origin `file.PATH`, where a `derived_from` test names it.
            if self.c.follows_files
                && let Some(origin) =
                    self.file_origin(&quals, method.as_ref(), recv.as_ref(), &pos, &kws)
            {
                vals.push(Value::From(origin));
            }
            // What a command whose line is known printed (`check_output(["gh", "auth",
            // "token"])`): the origin `command.LINE`, where a `derived_from` test names it.
            if self.c.follows_commands
                && let Some(origin) = self.command_origin(&quals, &pos, &kws)
            {
                vals.push(Value::From(origin));
            }
            // A Windows system library loaded by its name (`ctypes.WinDLL("user32")`,
            // `ctypes.windll.LoadLibrary("kernel32.dll")`) is the library `ctypes.windll`
            // names, whose functions the rules name (`ctypes.windll.user32.SetWindowsHookExW`).
            if let Some(library) = pos.first().and_then(|e| e.fold.as_ref()).and_then(Const::as_str)
                && quals.iter().any(|q| LIBRARY_LOADERS.contains(&&**q))
                && let Some(library) = windows_system_library(library)
            {
                let q = self.interner.intern(&format!("ctypes.windll.{library}"));
                vals.push(Value::Qual(q));
            }
            // What a request to a known address read (`requests.get("http://169.254.169.254/
            // latest/meta-data/iam/security-credentials/" + role)`): the origin `url.ADDRESS`.
            if self.c.follows_urls
                && let Some(origin) = self.url_origin(&quals, c, &pos)
            {
                vals.push(Value::From(origin));
            }
            // A copy, a text or an encoding of a followed value is still derived from it
            // (`payload = json.dumps(dict(os.environ))`, `sep.join(lines)`, `fmt.format(env)`).
            if self.c.needs_returned
                && pos.iter().any(|e| e.vals.alts().iter().any(Value::may_carry))
                && (quals.iter().any(|q| passes_arguments_on(q))
                    || (method.as_ref().is_some_and(|m| matches!(m.as_str(), "join" | "format"))
                        && recv.as_ref().is_some_and(|r| {
                            matches!(r.fold, Some(Const::Str(_) | Const::Bytes(_)))
                        })))
            {
                for e in &pos {
                    vals.union(&e.vals.passed_on(&self.c.derived_origins));
                }
                // A path joined inside a directory a download was saved in.
                if pos.len() > 1
                    && quals
                        .iter()
                        .any(|q| matches!(&**q, "os.path.join" | "posixpath.join" | "ntpath.join"))
                {
                    self.inside_directory(&mut vals);
                }
            }
            // `dict(host=socket.gethostname())`: a dict's keywords are its entries.
            if self.c.needs_returned
                && kws.iter().any(|(_, e)| e.vals.alts().iter().any(Value::may_carry))
                && quals.iter().any(|q| matches!(&**q, "builtins.dict" | "collections.OrderedDict"))
            {
                for (_, e) in &kws {
                    vals.union(&e.vals.passed_on(&self.c.derived_origins));
                }
            }
            // `tarfile.open(fileobj=io.BytesIO(r.content))`: the archive read from a file
            // object given by keyword.
            if self.c.needs_returned
                && quals.iter().any(|q| q.starts_with("tarfile.") && DECODING_CALLS.contains(&&**q))
            {
                for (_, e) in kws.iter().filter(|(k, _)| matches!(k.as_str(), "name" | "fileobj")) {
                    vals.union(&e.vals.passed_on(&self.c.derived_origins));
                }
            }
            // An object of a class of the file, made by calling it.
            for alt in callee.vals.alts() {
                if let Value::Class { scope, .. } = alt {
                    vals.push(Value::Instance(*scope));
                }
            }
            // A path whose text is known (`os.path.join("/etc", "hosts")`, `Path.home()`), for
            // the `matches` argument test (see `crate::paths`).
            if fold.is_none() && star_at.is_none() {
                for made in path_made(&quals, method.as_ref(), recv.as_ref(), &pos) {
                    vals.push(made);
                }
            }
            // `os.path.join(home, ".aws", "credentials")`: the constant parts after the last
            // computed one (all of them if none is computed) are a path's end, matched by the
            // string rules as `/.aws/credentials` (the whole call does not fold, so they were
            // only seen one by one).
            // `path.joinpath(".aws", "credentials")` likewise, its receiver the computed part.
            let joinpath = method.as_ref().is_some_and(|m| m.as_str() == "joinpath");
            let join_tail = (fold.is_none()
                && self.strings
                && star_at.is_none()
                && kws.is_empty()
                && (joinpath
                    || quals.iter().any(|q| {
                        matches!(&**q, "os.path.join" | "posixpath.join" | "ntpath.join")
                    })))
            .then(|| {
                let tail: Vec<&str> =
                    pos_c.iter().rev().map_while(|c| c.and_then(Const::as_str)).collect();
                // Parts all written as strings do not fold either (the separator is the
                // platform's): a path that starts at the root, the home directory, a drive
                // or a variable (`os.path.join("/etc", "cron.d", "x")`) is matched whole, as
                // `/etc/cron.d/x`, where no one part names the file. A relative one is joined
                // to something else later, where its end is matched.
                let computed_before = tail.len() < pos_c.len() || joinpath;
                let rooted = || {
                    tail.last().is_some_and(|first| {
                        first.starts_with(['/', '\\', '~', '%', '$'])
                            || first.as_bytes().get(1) == Some(&b':')
                    })
                };
                (tail.len() >= 2 && (computed_before || rooted())).then(|| {
                    joined_parts = tail.len();
                    let mut parts = tail.iter().rev();
                    let mut path = String::new();
                    if !computed_before && let Some(first) = parts.next() {
                        path.push_str(first.trim_end_matches(['/', '\\']));
                    }
                    for part in parts {
                        push_path_part(&mut path, part);
                    }
                    path
                })
            })
            .flatten();
            // `os.sep.join([home, ".aws", "credentials"])`: a separator joining a display whose
            // last parts are written as strings, as `os.path.join` above; a dot joins the labels
            // of a host name the same way (`".".join([data, "example", "net"])` ends with
            // `.example.net`).
            let separator = recv.as_ref().and_then(|r| r.fold.as_ref()).and_then(Const::as_str);
            let dotted = separator == Some(".");
            let sep_join = (join_tail.is_none()
                && fold.is_none()
                && self.strings
                && method.as_ref().is_some_and(|m| m.as_str() == "join")
                && separator.is_some_and(|sep| sep == "/" || sep == "\\" || sep == "."))
            .then(|| {
                let (
                    Some(
                        Expr::List(ast::ExprList { elts, .. })
                        | Expr::Tuple(ast::ExprTuple { elts, .. }),
                    ),
                    1,
                ) = (c.arguments.args.first(), c.arguments.args.len())
                else {
                    return None;
                };
                let tail: Vec<String> = elts
                    .iter()
                    .rev()
                    .map_while(|e| match e {
                        Expr::StringLiteral(s) => Some(string_text(s).as_str().to_string()),
                        _ => None,
                    })
                    .collect();
                (tail.len() >= 2 && tail.len() < elts.len()).then(|| {
                    tail.iter().rev().fold(String::new(), |mut path, part| {
                        if dotted {
                            path.push('.');
                            path.push_str(part);
                        } else {
                            push_path_part(&mut path, part);
                        }
                        path
                    })
                })
            })
            .flatten();
            // `"{}.{}".format(data, DOMAIN)`: the text after the last argument that does not
            // fold, when arguments that fold are part of it, is a constant end, as that of
            // `data + "." + DOMAIN` is (the template's own end is a candidate already).
            let format_end = (join_tail.is_none()
                && sep_join.is_none()
                && fold.is_none()
                && self.strings
                && star_at.is_none()
                && !double_star
                && method.as_ref().is_some_and(|m| m.as_str() == "format")
                && pos_c.iter().any(Option::is_none))
            .then(|| {
                let template = recv.as_ref()?.fold.as_ref()?;
                let own_end = template.as_str()?.rsplit('}').next().unwrap_or_default();
                let hole = Const::Str(Text::Borrowed(FORMAT_HOLE));
                let holed: SmallVec<[Option<&Const<'a>>; 4]> =
                    pos_c.iter().map(|c| c.or(Some(&hole))).collect();
                let args = CallArgs { pos: &holed, ..args };
                let Some(Const::Str(made)) =
                    fold::method(template, "format", &args, &mut self.budget)
                else {
                    return None;
                };
                let (_, end) = made.as_str().rsplit_once(FORMAT_HOLE)?;
                (end.len() > own_end.len() && end.len() <= fold::MAX_CONST_LEN)
                    .then(|| end.to_string())
            })
            .flatten();
            let command_line = if self.strings {
                argv_command_line(&quals, &pos_c, &kw_c).or_else(|| self.argv_with_paths(&quals, c))
            } else {
                None
            };
            // A file opened for reading gives what its path holds (told by the look-up above).
            if self.c.needs_returned && matches!(file_call, Some(FileCall::Opens)) {
                self.opened_file_holds(c, &callee, &pos, &kws, &mut vals);
            }
            (vals, fold, join_tail.or(sep_join).or(format_end).or(command_line))
        };
        // `"curl -F f=@{} {}".format(key, url)` after `key = os.path.expanduser(
        // "~/.ssh/id_rsa")`: the command line as the shell gets it (see `Self::settle_path_runs`),
        // settled once this call's own frame is gone, where `print(...)` is what it is given to.
        let format_paths = (fold.is_none()
            && self.strings
            && star_at.is_none()
            && !double_star
            && method.as_ref().is_some_and(|m| m.as_str() == "format"))
        .then(|| {
            let template = recv.as_ref()?.fold.as_ref().filter(|t| t.as_str().is_some())?;
            // Most templates are filled with no path: nothing is copied for them.
            let with_path = |e: &Eval<'a>| e.fold.is_none() && one_path_text(&e.vals).is_some();
            if !pos.iter().chain(kws.iter().map(|(_, e)| e)).any(with_path) {
                return None;
            }
            let positional: Vec<Option<Filled<'a>>> = pos.iter().map(Filled::of).collect();
            let named: Vec<(String, Option<Filled<'a>>)> =
                kws.iter().map(|(k, e)| (k.as_str().to_string(), Filled::of(e))).collect();
            Some((template.clone(), positional, named))
        })
        .flatten();
        // pathlib's `write_bytes`/`write_text` of a download (see `note_saved`).
        let path_write =
            || method.as_ref().is_some_and(|m| matches!(m.as_str(), "write_bytes" | "write_text"));
        let object_write = || method.as_ref().is_some_and(|m| m.as_str() == "write");
        if self.c.needs_returned
            && (saving.is_some() || self.writing.is_some() || path_write() || object_write())
        {
            let writer = if callee.vals.quals().any(|q| &**q == "shutil.copyfileobj") {
                Writer::CopyFileObj
            } else if callee.vals.quals().any(|q| &**q == "os.write") {
                Writer::Descriptor
            } else {
                Writer::Other
            };
            // The receiver's path text is read for pathlib's writes alone (not for every
            // `f.write(...)`), and copied only when a download is saved there.
            let on = MethodOn {
                name: method.as_ref(),
                path: recv.as_ref().filter(|_| path_write()).and_then(|r| one_path_text(&r.vals)),
            };
            self.note_saved(c, saving, on, writer, &pos, &kws);
        }
        if self.c.needs_returned {
            self.note_data_written(c, file_call, method.as_ref(), recv.as_ref(), &pos, &kws);
        }
        // `subprocess.run(["curl", "-sLo", "/tmp/u", url])`: a transfer tool's output file
        // holds a download, as `urlretrieve(url, p)`'s does, and so does the directory `git
        // clone` fetched a repository into (see `argv_download`).
        if let Some((tool, (path, name))) = argv_saved {
            let q = self.interner.intern(tool);
            if matches!(tool, "curl" | "wget") {
                self.saved_to(path, name, q);
            } else {
                self.saved_directory(path, name, q);
            }
        }
        // `ftp.retrbinary("RETR agent", f.write)` in a function that opened `f` for writing:
        // the transfer's blocks go to the file through its own `write`, so the file holds a
        // download as it does after `f.write(r.content)` (see `note_saved`).
        if self.c.needs_returned
            && let Some(w) = &self.writing
            && w.scope == self.scope
            && !w.archive
            && callee.vals.quals().any(|q| is_ftp_transfer(q))
            && call_argument(c, &pos, &kws, 1, "callback").and_then(|(_, node)| node).is_some_and(
                |node| matches!(node, Expr::Attribute(a) if a.attr.as_str() == "write"),
            )
        {
            let (path, name, parent) = (w.at.0.clone(), w.at.1.clone(), w.parent.clone());
            let q = self.interner.intern("ftplib.FTP");
            self.saved_file(path, name, parent, q);
        }
        // An archive holding a download extracted to a directory (see `note_extracted`).
        if self.c.needs_returned {
            let unpacks = callee.vals.quals().any(|q| &**q == "shutil.unpack_archive");
            let extracts =
                method.as_ref().filter(|m| matches!(m.as_str(), "extractall" | "extract"));
            if unpacks || extracts.is_some() {
                self.note_extracted(c, extracts.filter(|_| !unpacks), recv.as_ref(), &pos, &kws);
            }
        }
        // A call that may run the file's own code (a function or class of the file, a method
        // of an object not known, code run by `exec`) may change any list or dict a name
        // holds; a function of a module, or a method of a constant, does not.
        if !self.mutables.is_empty() {
            let of_a_module = !callee.vals.alts().is_empty()
                && callee.vals.alts().iter().all(|v| match v {
                    Value::Qual(q) => !q.starts_with('.') && !CODE_RUNNERS.contains(&&**q),
                    Value::Gives(_) => true,
                    _ => false,
                });
            let of_a_constant =
                recv.as_ref().is_some_and(|r| r.fold.is_some() || r.vals.constant_choices());
            if !of_a_module && !of_a_constant {
                self.drop_mutables();
            }
        }
        if let Some(tail) = join_tail {
            let cand = Cand { range: c.range(), callee: None, delayed: Vec::new() };
            self.settle_cand(cand, Some(&Const::Str(Text::Owned(tail))));
        }
        let v = verdict_for(fold.as_ref());
        let mut carried = Vec::new();
        let first_joined = pos.len().saturating_sub(joined_parts);
        for (i, e) in pos.iter_mut().enumerate() {
            let v = if joined_parts > 0 && i >= first_joined { Verdict::Supersede } else { v };
            self.verdict(v, e, &mut carried);
        }
        for (_, e) in &mut kws {
            self.verdict(v, e, &mut carried);
        }
        if frame {
            self.frames.pop();
        }
        if let Some((template, positional, named)) = format_paths {
            let named: Vec<(&str, Option<Filled<'a>>)> =
                named.iter().map(|(k, f)| (k.as_str(), f.clone())).collect();
            self.settle_path_runs(c.range(), &positional, &named, |pos, kw, budget| {
                let args = CallArgs { kw, ..CallArgs::positional(pos) };
                fold::method(&template, "format", &args, budget)
            });
        }
        if let Some(r) = &mut recv {
            self.verdict(v, r, &mut carried);
        }
        self.finish(c.range(), Some(c.func.range()), from, vals, fold, carried)
    }
}

/// Binds a comprehension's target to one item: a name takes it, a tuple or list of targets
/// takes it apart (`for i, c in enumerate(...)`). `None` when the item does not fit.
fn bind_target<'a>(
    target: &'a Expr,
    item: Const<'a>,
    env: &mut Vec<(&'a str, Const<'a>)>,
) -> Option<()> {
    match target {
        Expr::Name(n) => env.push((n.id.as_str(), item)),
        Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. }) => {
            let parts = fold::iterate(&item)?;
            if parts.len() != elts.len() {
                return None;
            }
            for (t, part) in elts.iter().zip(parts) {
                bind_target(t, part, env)?;
            }
        }
        _ => return None,
    }
    Some(())
}

/// One of 64 bits for a name, from its first and last bytes and its length: a set of names'
/// bits rules out most names that are not among them without hashing.
fn name_bit(name: &str) -> u64 {
    let b = name.as_bytes();
    let (first, last) = (b.first().copied().unwrap_or(0), b.last().copied().unwrap_or(0));
    1 << ((usize::from(first) * 7 + usize::from(last) * 3 + b.len()) & 63)
}

/// Whether a value is a path whose text names every file of a walk or a listing (`*`) or lies
/// in the home directory (`~`), or a list of such paths (see `Walker::add_listed`): what a
/// helper does at such a path is what the rules about destruction and credentials judge.
fn names_many_or_home(v: &Value<'_>) -> bool {
    matches!(v, Value::Path(t) | Value::Entries(t) if t.starts_with('~') || t.contains('*'))
}

/// How many times a function's body is walked again for followed values its calls hand it
/// (see `Walker::hand_arguments`).
const MAX_FOLLOWED_REWALKS: u8 = 4;

/// Whether a call's arguments carry a followed origin that none of what the function was
/// given before carries: a walk with them may find what the walks before did not.
fn hands_new_origin<'e, 'a: 'e>(
    given: &[(Name, ValueSet<'a>)],
    mut args: impl Iterator<Item = &'e Eval<'a>>,
    origins: &NameTable,
) -> bool {
    let known: Vec<ValueSet<'a>> = given.iter().map(|(_, v)| v.passed_on(origins)).collect();
    args.any(|e| {
        e.vals.passed_on(origins).alts().iter().any(|o| match o {
            Value::From(q) => !known
                .iter()
                .any(|k| k.alts().iter().any(|v| matches!(v, Value::From(w) if w == q))),
            _ => false,
        })
    })
}

/// Whether an argument holds a value a `derived_from` test follows (see [`Value::derived`]).
fn argument_is_followed(ev: &Eval<'_>, origins: &NameTable) -> bool {
    ev.vals.carries_derived() || ev.vals.alts().iter().any(|v| v.derived(origins).is_some())
}

/// The function whose body an expression is read in, without walking it (see
/// [`Walker::carried_by`]): what its own names are.
#[derive(Clone, Copy)]
enum Locals<'x> {
    Def(&'x ast::StmtFunctionDef),
    /// A lambda's names are its parameters.
    Lambda(&'x ast::ExprLambda),
}

impl<'x> Locals<'x> {
    /// The lambda a `def`'s body binds `name` to by a plain assignment at its top level, when
    /// that is the body's only binding of the name (`b64d = lambda s: b64decode(s)`).
    fn local_lambda(self, name: &Name) -> Option<&'x ast::ExprLambda> {
        let Locals::Def(f) = self else { return None };
        if is_parameter(&f.parameters, name) {
            return None;
        }
        let mut found = None;
        for st in &f.body {
            if let Stmt::Assign(a) = st
                && a.targets.iter().any(|t| matches!(t, Expr::Name(t) if t.id == *name))
            {
                match (&*a.value, found) {
                    (Expr::Lambda(l), None) if a.targets.len() == 1 => found = Some(l),
                    _ => return None,
                }
            }
        }
        found
    }

    /// Whether the function binds `name` itself (a parameter, a local), so that it is not the
    /// enclosing scope's.
    fn binds(self, name: &Name) -> bool {
        match self {
            Locals::Def(f) => binds_locally(f, name),
            Locals::Lambda(l) => l.parameters.as_ref().is_some_and(|p| is_parameter(p, name)),
        }
    }
}

/// Whether `name` is one of the parameters (`*args` and `**kwargs` included).
fn is_parameter(p: &ast::Parameters, name: &Name) -> bool {
    let name = key(name);
    let is = |id: &Name| key(id) == name;
    p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs).any(|a| is(&a.parameter.name.id))
        || p.vararg.as_ref().is_some_and(|a| is(&a.name.id))
        || p.kwarg.as_ref().is_some_and(|a| is(&a.name.id))
}

/// Whether `name` is a parameter of `f` or bound by an assignment, import or definition at
/// the top level of its body (a shallow look: enough to tell a parameter named `urlopen`
/// from the module-level import). Names compared as Python reads identifiers.
fn binds_locally(f: &ast::StmtFunctionDef, name: &Name) -> bool {
    let parameter = is_parameter(&f.parameters, name);
    let name = key(name);
    let is = |id: &Name| key(id) == name;
    parameter
        || f.body.iter().any(|s| match s {
            Stmt::Assign(a) => a.targets.iter().any(|t| matches!(t, Expr::Name(n) if is(&n.id))),
            Stmt::Import(i) => i.names.iter().any(|al| import_binding(al).0 == name),
            Stmt::ImportFrom(i) => i.names.iter().any(|al| imported_name(al) == name),
            Stmt::FunctionDef(d) => is(&d.name.id),
            _ => false,
        })
}

/// The most statements of a function's body [`filling_values`] reads.
const MAX_FILLING_STATEMENTS: usize = 256;

/// Whether a call with these arguments hands the function a path an origin of its returned
/// value was read at (see [`Value::YieldsAt`]): an argument of that text. (Which parameter it
/// meets is not worked out: a method's receiver moves the positions.)
fn hands_path<'a>(a: &ArgumentOrigin, pos: &[Eval<'a>], kws: &[(Name, Eval<'a>)]) -> bool {
    let same = |t: &str| *slashed(t) == *a.path;
    pos.iter().chain(kws.iter().map(|(_, e)| e)).any(|e| {
        match e.fold.as_ref().and_then(Const::as_str) {
            Some(t) => same(t),
            None => e.vals.alts().iter().any(|v| matches!(v, Value::Path(t) if same(t))),
        }
    })
}

/// Whether an origin is one that only a walk computes, from texts it folds or paths it
/// follows (a file's, a command's, a request's address'), which the summaries read at a
/// `def` do not find (see `Walker::note_walked_returns`).
fn walk_computed_origin(q: &str) -> bool {
    q.starts_with(FILE_ORIGIN) || q.starts_with(COMMAND_ORIGIN) || q.starts_with(URL_ORIGIN)
}

/// The values `stmts` put into the name `name` (see `Walker::returns_carried`): assigned to
/// it or to an item of it, augmented, or given to one of its [`FILLING_METHODS`]; branches,
/// loops, `with` and `try` bodies are read, nested functions and classes are not. At most
/// `budget` statements are read.
fn filling_values<'e>(stmts: &'e [Stmt], name: &Name, out: &mut Vec<&'e Expr>, budget: &mut usize) {
    let is = |e: &Expr| match e {
        Expr::Name(n) => key(&n.id) == *name,
        Expr::Subscript(sub) => matches!(&*sub.value, Expr::Name(n) if key(&n.id) == *name),
        _ => false,
    };
    each_statement(stmts, budget, &mut |st| match st {
        Stmt::Assign(a) if a.targets.iter().any(is) => out.push(&a.value),
        Stmt::AugAssign(a) if is(&a.target) => out.push(&a.value),
        Stmt::AnnAssign(a) if is(&a.target) => out.extend(a.value.as_deref()),
        Stmt::Expr(ast::StmtExpr { value, .. }) => {
            if let Expr::Call(c) = &**value
                && let Expr::Attribute(m) = &*c.func
                && matches!(&*m.value, Expr::Name(n) if key(&n.id) == *name)
                && FILLING_METHODS.contains(&m.attr.id.as_str())
            {
                out.extend(spread::argument_values(&c.arguments));
            }
        }
        _ => {}
    });
}

/// Calls `visit` on each statement of `stmts` and, through branches, loops, `with` and `try`,
/// of the bodies they hold, in source order; not inside nested functions or classes, whose
/// statements are their own. At most `budget` statements in all.
fn each_statement<'e>(stmts: &'e [Stmt], budget: &mut usize, visit: &mut impl FnMut(&'e Stmt)) {
    for st in stmts {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        visit(st);
        match st {
            Stmt::If(i) => {
                each_statement(&i.body, budget, visit);
                for clause in &i.elif_else_clauses {
                    each_statement(&clause.body, budget, visit);
                }
            }
            Stmt::For(ast::StmtFor { body, orelse, .. })
            | Stmt::While(ast::StmtWhile { body, orelse, .. }) => {
                each_statement(body, budget, visit);
                each_statement(orelse, budget, visit);
            }
            Stmt::With(w) => each_statement(&w.body, budget, visit),
            Stmt::Try(t) => {
                each_statement(&t.body, budget, visit);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    each_statement(&h.body, budget, visit);
                }
                each_statement(&t.orelse, budget, visit);
                each_statement(&t.finalbody, budget, visit);
            }
            _ => {}
        }
    }
}

/// What a generator function's body yields, read without walking it (see
/// `Walker::yields_carried`).
#[derive(Default)]
struct GeneratorItems<'e> {
    /// The values of its `yield` expressions.
    yielded: Vec<&'e Expr>,
    /// The iterables of its `yield from` expressions.
    delegated: Vec<&'e Expr>,
    /// The targets and iterables of its `for` loops.
    loops: Vec<(&'e Expr, &'e Expr)>,
}

/// Gathers the `yield`s written as statements (`yield x`, `y = yield x`) and the `for` loops of
/// a body, in branches, loops, `with` and `try` too, not in nested functions or classes (whose
/// `yield`s are their own); at most `budget` statements.
fn generator_items<'e>(stmts: &'e [Stmt], out: &mut GeneratorItems<'e>, budget: &mut usize) {
    let item = |e: &'e Expr, out: &mut GeneratorItems<'e>| match e {
        Expr::Yield(y) => out.yielded.extend(y.value.as_deref()),
        Expr::YieldFrom(y) => out.delegated.push(&y.value),
        Expr::Await(a) => {
            if let Expr::Yield(y) = &*a.value {
                out.yielded.extend(y.value.as_deref());
            }
        }
        _ => {}
    };
    each_statement(stmts, budget, &mut |st| match st {
        Stmt::Expr(e) => item(&e.value, out),
        Stmt::Assign(a) => item(&a.value, out),
        Stmt::AnnAssign(a) => {
            if let Some(v) = &a.value {
                item(v, out);
            }
        }
        Stmt::For(l) => out.loops.push((&l.target, &l.iter)),
        _ => {}
    });
}

/// The names an expression reads or binds (`k` and `v` of `f"{k}={v}".encode()`).
#[derive(Default)]
struct NamesIn {
    names: SmallVec<[Name; 4]>,
}

impl NamesIn {
    fn of(e: &Expr) -> SmallVec<[Name; 4]> {
        use ruff_python_ast::visitor::Visitor as _;
        let mut found = Self::default();
        found.visit_expr(e);
        found.names
    }
}

impl<'x> ruff_python_ast::visitor::Visitor<'x> for NamesIn {
    fn visit_expr(&mut self, expr: &'x Expr) {
        if let Expr::Name(n) = expr {
            if self.names.len() < 64 {
                self.names.push(key(&n.id));
            }
        } else {
            ruff_python_ast::visitor::walk_expr(self, expr);
        }
    }
}

/// What `import module [as bound]` binds: the local name and the module it refers to
/// (`import os.path` binds `os` to `os`, `import os.path as p` binds `p` to `os.path`), both
/// normalized as Python reads identifiers.
fn import_binding(alias: &ast::Alias) -> (Name, Name) {
    let module = key(&alias.name.id);
    match &alias.asname {
        // `import pip._vendor.requests as r`: `r` is `requests`.
        Some(asname) => (key(&asname.id), Name::new(crate::modules::canonical(&module))),
        None => {
            let top = Name::new(module.split('.').next().unwrap_or_default());
            (top.clone(), top)
        }
    }
}

/// The local name `from module import name [as bound]` binds, normalized.
fn imported_name(alias: &ast::Alias) -> Name {
    key(&alias.asname.as_ref().unwrap_or(&alias.name).id)
}

/// What a plain function (no decorator, not `async`) returns at the end of its body, and the
/// statements before that `return`: the shape the engine reads a call's result from (a
/// constant it gives, a module it imports, a download it hands back).
fn returned_at_end(f: &ast::StmtFunctionDef) -> Option<(&Expr, &[Stmt])> {
    if !f.decorator_list.is_empty() || f.is_async {
        return None;
    }
    match f.body.split_last()? {
        (Stmt::Return(ast::StmtReturn { value: Some(value), .. }), before) => Some((value, before)),
        _ => None,
    }
}

/// How a function's decorators (among the few the engine knows) hand it out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Decorated {
    /// Undecorated, or a `functools` cache: called, it runs the body.
    Plain,
    /// `staticmethod`: called through a class or an instance without `self`.
    Static,
    /// `classmethod`: called with the class first.
    Class,
    /// `property` or `cached_property`: its getter runs where the attribute is read.
    Property,
}

/// What `f`'s decorators make of it, when each is one the engine knows (by the name it is
/// written with: `staticmethod`, `classmethod`, `property`, `cached_property`, `cache`,
/// `lru_cache`, possibly called or reached as an attribute: `functools.lru_cache(None)`);
/// `None` for any other decorator, which may return anything.
fn decorated(f: &ast::StmtFunctionDef) -> Option<Decorated> {
    let mut out = Decorated::Plain;
    for d in &f.decorator_list {
        let mut e = &d.expression;
        if let Expr::Call(c) = e {
            e = &c.func;
        }
        let name = match e {
            Expr::Name(n) => n.id.as_str(),
            Expr::Attribute(a) => a.attr.id.as_str(),
            _ => return None,
        };
        match name {
            "staticmethod" => out = Decorated::Static,
            "classmethod" => out = Decorated::Class,
            "property" | "cached_property" => out = Decorated::Property,
            "cache" | "lru_cache" => {}
            _ => return None,
        }
    }
    Some(out)
}

/// Whether a statement is a lone string (a docstring).
fn is_docstring(s: &Stmt) -> bool {
    matches!(s, Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_)))
}

/// What a call of a helper of the file gives (see [`Walker::helper_result`]): the constant, and
/// the names the result refers to.
#[derive(Default)]
struct HelperResult<'a> {
    fold: Option<Const<'a>>,
    refers: SmallVec<[QName; 2]>,
    /// What the result carries for `derived_from` tests.
    derived: ValueSet<'a>,
}

/// The name a container is known by, for `assign` leaves: `kept` for `kept` or `self.kept`,
/// `*` for anything else (`f()[0]`).
fn container_name(e: &Expr) -> String {
    match e {
        Expr::Name(n) => key_str(&n.id).to_string(),
        Expr::Attribute(a) => key_str(&a.attr.id).to_string(),
        _ => "*".to_string(),
    }
}

/// Whether [`helper_argument`] binds `e`, asked without copying the constant: every call of a
/// function of the file with arguments asks it.
fn may_bind_helper_argument(e: &Eval<'_>) -> bool {
    e.fold.is_some() || crate::paths::text_of(&e.vals).is_some()
}

/// What a helper's parameter is bound to when a call is folded through it (see
/// [`Walker::helper_result`]): a constant argument, or a path whose text is known (`read(
/// os.path.expanduser("~/.aws/credentials"))`, for what the helper opens there); `None` for
/// any other argument, which leaves the call unfolded.
fn helper_argument<'a>(e: &Eval<'a>) -> Option<Value<'a>> {
    match &e.fold {
        Some(c) => Some(Value::Const(c.clone().share())),
        None => crate::paths::text_of(&e.vals).map(|t| Value::Path(Rc::from(t))),
    }
}

/// A helper a call may be folded through: a `def` whose body is one `return`, or a lambda.
#[derive(Clone, Copy)]
enum HelperBody<'a> {
    Def(&'a ast::StmtFunctionDef),
    Lambda(&'a ast::ExprLambda),
}

/// How deep calls of the file's helpers are folded inside one another.
const MAX_HELPER_DEPTH: u32 = 3;
/// How many helper calls one file may fold (each reads the helper's expression again).
const MAX_HELPER_CALLS: u32 = 256;

/// Process calls that take a program and its arguments as a list, and where the list is.
const ARGV_CALLEES: &[(&str, usize, &str)] = &[
    ("subprocess.Popen", 0, "args"),
    ("subprocess.run", 0, "args"),
    ("subprocess.call", 0, "args"),
    ("subprocess.check_call", 0, "args"),
    ("subprocess.check_output", 0, "args"),
    ("os.execv", 1, "argv"),
    ("os.execve", 1, "argv"),
    ("os.execvp", 1, "args"),
    ("os.execvpe", 1, "args"),
    ("os.spawnv", 2, "args"),
    ("os.spawnve", 2, "args"),
    ("os.spawnvp", 2, "args"),
    ("os.spawnvpe", 2, "args"),
    ("os.posix_spawn", 1, "argv"),
    ("os.posix_spawnp", 1, "argv"),
    ("pty.spawn", 0, "argv"),
];

/// The command line a process call's constant argument list makes, matched by the string rules
/// as a shell command is (`["certutil", "-urlcache", "-f", URL, out]`, `["mshta", URL]`: each
/// word alone matches nothing). Only a list of plain words: an item with a space is a command
/// of its own (`["sh", "-c", "curl ... | sh"]`), already matched where it is written.
/// `asyncio.create_subprocess_exec` takes the words as its positional arguments.
/// Where the argument vector of a call of `callee` is: its position and keyword name (see
/// [`ARGV_CALLEES`]).
fn argv_slot(callee: &str) -> Option<(usize, &'static str)> {
    ARGV_CALLEES.iter().find(|(c, ..)| *c == callee).map(|&(_, at, name)| (at, name))
}

/// Whether `word` is one word of a command line as a shell would read it back: not empty,
/// without white space.
fn shell_word(word: &str) -> bool {
    !word.is_empty() && !word.contains(char::is_whitespace)
}

fn argv_command_line(
    quals: &[QName],
    pos: &[Option<&Const<'_>>],
    kw: &[(&str, Option<&Const<'_>>)],
) -> Option<String> {
    let words: Vec<&Const<'_>> = quals.iter().find_map(|q| {
        // Most calls are of none of these: ruled out by the first byte, then the module.
        if !matches!(q.as_bytes().first(), Some(b's' | b'o' | b'p' | b'a'))
            || !["subprocess.", "os.", "pty.", "asyncio."].iter().any(|m| q.starts_with(m))
        {
            return None;
        }
        if matches!(
            &**q,
            "asyncio.create_subprocess_exec" | "asyncio.subprocess.create_subprocess_exec"
        ) {
            return pos.iter().copied().collect::<Option<Vec<_>>>();
        }
        let (at, name) = argv_slot(q)?;
        let list = pos
            .get(at)
            .copied()
            .flatten()
            .or_else(|| kw.iter().find(|(k, _)| *k == name).and_then(|(_, v)| *v))?;
        let Const::Seq(_, items) = list else { return None };
        Some(items.iter().collect())
    })?;
    if words.len() < 2 || !words.iter().all(|w| w.as_str().is_some_and(shell_word)) {
        return None;
    }
    crate::matchers::call::command_line(words)
}

/// A method of an `ftplib` client that hands what it receives to a callback
/// (`retrbinary(cmd, callback)`, `retrlines(cmd, callback)`).
fn is_ftp_transfer(q: &str) -> bool {
    ["ftplib.FTP().", "ftplib.FTP_TLS()."].iter().any(|client| {
        q.strip_prefix(client).is_some_and(|m| matches!(m, "retrbinary" | "retrlines"))
    })
}

/// Where a download was saved: a constant path, or a name of the scope bound to a path.
type SavedAt = (Option<Rc<str>>, Option<Name>);

/// A parameter of a function of the file whose file (or directory) came to hold what the
/// origin gave (see `Walker::saved_parameters`).
#[derive(Clone, PartialEq)]
struct SavedParameter {
    function: Name,
    /// Its position among the positional parameters, and its name (for a keyword argument).
    at: usize,
    name: Name,
    origin: QName,
    directory: bool,
}

/// The file last opened for writing in a scope (see `Walker::note_saved`): its path argument
/// (a constant, a name), the name of the directory its path was made in, and whether it is an
/// archive (`zipfile.ZipFile(p, "w")`, `tarfile.open(p, "w:gz")`), whose `write(path)` and
/// `add(path)` put the file at `path` in it rather than the text they are given.
struct OpenForWriting {
    scope: u32,
    at: SavedAt,
    parent: Option<Name>,
    archive: bool,
}

/// One item of a process call's argument vector, as [`argv_download`] reads it: a known
/// word, a name of the caller's (a path not known as text, which the download is bound to),
/// or anything else.
#[derive(Clone, Copy)]
enum ArgvItem<'e> {
    Word(&'e str),
    Name(&'e ast::ExprName),
    Other,
}

impl<'e> ArgvItem<'e> {
    fn word(self) -> Option<&'e str> {
        match self {
            Self::Word(w) => Some(w),
            _ => None,
        }
    }
}

/// Where a tool started with an argument vector saves what it downloads, and the tool (the
/// origin `derived_from` tests name): the output file of `curl` or `wget`, the directory of
/// a repository `git clone`, `hg clone` or `svn checkout`/`export` fetched. The vector is a
/// constant, or a display whose program and options are written as strings (or names bound
/// to one) and whose path may be a name (`["git", "clone", URL, d]` with `d =
/// tempfile.mkdtemp()`): the download is then bound to that name. The address is the
/// program's own: written, or a name bound to a constant (`resolve`); one the caller passes
/// in (`template_url`, a tool's argument, as cookiecutter clones a template the user names)
/// is the user's choice, not a stage the package hides. `None` for anything else.
fn argv_download<'q, 'a>(
    mut quals: impl Iterator<Item = &'q QName>,
    c: &'a ast::ExprCall,
    pos: &[Eval<'a>],
    kws: &[(Name, Eval<'a>)],
    mut resolve: impl FnMut(&ast::ExprName) -> Option<Rc<str>>,
) -> Option<(&'static str, SavedAt)> {
    let (_, at, name) = quals.find_map(|q| ARGV_CALLEES.iter().find(|(c, ..)| *c == &**q))?;
    let (list, node) = call_argument(c, pos, kws, *at, name)?;
    let resolved: Vec<Option<Rc<str>>>;
    let items: Vec<ArgvItem<'_>> = match (&list.fold, node) {
        (Some(Const::Seq(_, items)), _) => {
            items.iter().map(|i| i.as_str().map_or(ArgvItem::Other, ArgvItem::Word)).collect()
        }
        (None, Some(Expr::List(ast::ExprList { elts, .. })))
        | (None, Some(Expr::Tuple(ast::ExprTuple { elts, .. }))) => {
            resolved = elts
                .iter()
                .map(|e| match e {
                    Expr::Name(n) => resolve(n),
                    _ => None,
                })
                .collect();
            elts.iter()
                .zip(&resolved)
                .map(|(e, text)| match (e, text) {
                    (Expr::StringLiteral(s), _) => ArgvItem::Word(s.value.to_str()),
                    (Expr::Name(_), Some(t)) => ArgvItem::Word(t),
                    (Expr::Name(n), None) => ArgvItem::Name(n),
                    _ => ArgvItem::Other,
                })
                .collect()
        }
        _ => return None,
    };
    let (program, rest) = items.split_first()?;
    let program = program.word()?;
    let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let base = base.strip_suffix(".exe").unwrap_or(base).to_ascii_lowercase();
    let address_written = || rest.iter().any(|i| i.word().is_some_and(|w| w.contains("://")));
    let (tool, target) = match base.as_str() {
        "curl" if address_written() => ("curl", transfer_output(rest, 'o', "--output")?),
        "wget" if address_written() => ("wget", transfer_output(rest, 'O', "--output-document")?),
        "git" => ("git", clone_directory(rest, &["clone"], GIT_CLONE_VALUED)?),
        "hg" => ("hg", clone_directory(rest, &["clone"], HG_CLONE_VALUED)?),
        "svn" => ("svn", clone_directory(rest, &["checkout", "co", "export"], SVN_VALUED)?),
        _ => return None,
    };
    match target {
        ArgvItem::Word(p) => Some((tool, (Some(Rc::from(p)), None))),
        ArgvItem::Name(n) => Some((tool, (None, Some(key(&n.id))))),
        ArgvItem::Other => None,
    }
}

/// The output file of a transfer tool's arguments: curl's `-o PATH`, `--output PATH`,
/// `--output=PATH` and short options ending in `o` (`-sSLo PATH`, `-oPATH`), wget's `-O PATH`,
/// `--output-document PATH` (or `=PATH`) and short options ending in `O` (`-qO PATH`).
/// Standard output (`-`) is no file.
fn transfer_output<'e>(rest: &[ArgvItem<'e>], short: char, long: &str) -> Option<ArgvItem<'e>> {
    let mut items = rest.iter().copied();
    while let Some(item) = items.next() {
        // An operand not written as a string (the address, `url`) is passed over.
        let Some(w) = item.word() else { continue };
        let path = if w == long {
            items.next()
        } else if let Some(p) = w.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
            Some(ArgvItem::Word(p))
        } else if let Some(flags) = w.strip_prefix('-').filter(|f| !f.starts_with('-')) {
            if flags.ends_with(short) {
                items.next()
            } else {
                flags.strip_prefix(short).map(ArgvItem::Word)
            }
        } else {
            None
        };
        match path {
            Some(ArgvItem::Word(p)) if p.is_empty() || p == "-" => {}
            Some(p) => return Some(p),
            None => {}
        }
    }
    None
}

/// git's options of `clone` that take a value as the next item (`--depth 1`, `-b main`).
const GIT_CLONE_VALUED: &[&str] = &[
    "-b",
    "--branch",
    "-o",
    "--origin",
    "--depth",
    "--reference",
    "--reference-if-able",
    "-c",
    "--config",
    "-j",
    "--jobs",
    "--filter",
    "--separate-git-dir",
    "--template",
    "-u",
    "--upload-pack",
    "--shallow-since",
    "--shallow-exclude",
    "--server-option",
    "--bundle-uri",
    "--revision",
];
/// Mercurial's options of `clone` that take a value.
const HG_CLONE_VALUED: &[&str] =
    &["-r", "--rev", "-b", "--branch", "-u", "--updaterev", "-e", "--ssh", "--remotecmd"];
/// Subversion's options of `checkout`/`export` that take a value.
const SVN_VALUED: &[&str] = &[
    "-r",
    "--revision",
    "--depth",
    "--username",
    "--password",
    "--config-dir",
    "--config-option",
    "--native-eol",
];

/// The directory a version-control tool's command fetches a repository into: after the
/// command (the first word not an option; git's global options `-C DIR` and `-c KEY=VALUE`
/// are skipped), the second operand, or, with one operand, the last part of its address
/// without `.git` (the directory `git clone URL` makes in the working directory). `None` when
/// the command is another, or an item before the directory is not known.
fn clone_directory<'e>(
    rest: &[ArgvItem<'e>],
    commands: &[&str],
    valued: &[&str],
) -> Option<ArgvItem<'e>> {
    let mut items = rest.iter().copied();
    loop {
        let w = items.next()?.word()?;
        if matches!(w, "-C" | "-c" | "-R" | "--repository" | "--cwd" | "--config") {
            items.next()?;
        } else if !w.starts_with('-') {
            if !commands.contains(&w) {
                return None;
            }
            break;
        }
    }
    let mut operands: Vec<ArgvItem<'e>> = Vec::new();
    while let Some(item) = items.next() {
        match item.word() {
            Some("--") => operands.extend(items.by_ref()),
            Some(w) if w.starts_with('-') && w.len() > 1 => {
                if valued.contains(&w) {
                    items.next()?;
                }
            }
            _ => operands.push(item),
        }
    }
    // The repository's address is known: written, or a name bound to a constant.
    operands.first()?.word()?;
    match operands.as_slice() {
        [_, dir, ..] => Some(*dir),
        [repo] => {
            let url = repo.word()?;
            let last = url.trim_end_matches(['/', '\\']).rsplit(['/', '\\', ':']).next()?;
            let dir = last.strip_suffix(".git").unwrap_or(last);
            (!dir.is_empty() && dir != "." && dir != "..").then_some(ArgvItem::Word(dir))
        }
        [] => None,
    }
}

/// Whether an annotation only names a type (see `Walker::annotation`).
/// Whether a base keeps a class statement plain (see [`Value::Class`]): it is, on every
/// path, a plain class of the file, a class of the builtins (their metaclass is `type`) or a
/// base of the standard library whose metaclass returns the class it makes (`abc.ABC`,
/// `enum.Enum`, `typing.Protocol`). Any other base may bring a metaclass whose `__new__`
/// returns what it likes.
fn plain_base(vals: &ValueSet<'_>) -> bool {
    vals.surely(|v| match v {
        Value::Class { plain, .. } => *plain,
        Value::Qual(q) => q.strip_prefix("builtins.").map_or_else(
            || CLASS_KEEPING_BASES.contains(&&**q),
            |name| BUILTIN_BASES.contains(&name) || is_builtin_exception(q),
        ),
        _ => false,
    })
}

/// Whether `q` is an exception class of the builtins (`builtins.ValueError`), by name: the
/// builtins' own, not any name that ends like one.
fn is_builtin_exception(q: &str) -> bool {
    q.strip_prefix("builtins.").is_some_and(crate::builtins::is_exception)
}

/// Classes of the builtins a class statement may derive from (exceptions aside: every one of
/// `crate::builtins::is_exception` is one too).
const BUILTIN_BASES: &[&str] = &[
    "object",
    "int",
    "float",
    "complex",
    "str",
    "bytes",
    "bytearray",
    "list",
    "tuple",
    "dict",
    "set",
    "frozenset",
    "property",
    "BaseException",
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "StopIteration",
    "StopAsyncIteration",
];

/// Bases of the standard library whose metaclass (`abc.ABCMeta`, `enum.EnumType`, typing's
/// protocol metaclass) returns the class it was asked to make.
const CLASS_KEEPING_BASES: &[&str] = &[
    "abc.ABC",
    "enum.Enum",
    "enum.IntEnum",
    "enum.StrEnum",
    "enum.Flag",
    "enum.IntFlag",
    "typing.Protocol",
    "typing.Generic",
    "collections.abc.Iterable",
    "collections.abc.Iterator",
    "collections.abc.Mapping",
    "collections.abc.MutableMapping",
    "collections.abc.Sequence",
    "collections.abc.MutableSequence",
    "collections.abc.Set",
    "collections.abc.MutableSet",
    "collections.abc.Callable",
    "collections.abc.Hashable",
    "collections.abc.Sized",
    "collections.abc.Container",
];

/// Metaclasses of the standard library that return the class they are asked to make.
const CLASS_KEEPING_METACLASSES: &[&str] =
    &["builtins.type", "abc.ABCMeta", "enum.EnumType", "enum.EnumMeta"];

/// Class decorators of the standard library that hand back the class they are given (or, for
/// `dataclass(slots=True)`, a class made anew from the same statement's namespace), called or
/// not.
const CLASS_KEEPING_DECORATORS: &[&str] = &[
    "dataclasses.dataclass",
    "functools.total_ordering",
    "typing.final",
    "typing.runtime_checkable",
    "typing.dataclass_transform",
    "enum.unique",
    "enum.verify",
];

/// Whether `e` only names an object through plain attributes and subscripts by a constant or
/// a name (`socket.socket`, `sys.modules[__name__]`): no call, no dunder and no frame's, traceback's,
/// generator's or cell's attribute, which the gate hands to the guard or stubs wherever they
/// are read (see `hasattr` in `Walker::call`).
fn names_a_plain_object(e: &Expr) -> bool {
    match e {
        Expr::Name(_) => true,
        Expr::Attribute(a) => {
            let attr = a.attr.id.as_str();
            let internal = attr.starts_with("__")
                || attr == "cell_contents"
                || ["f_", "tb_", "gi_", "cr_", "ag_"].iter().any(|p| attr.starts_with(p));
            !internal && names_a_plain_object(&a.value)
        }
        Expr::Subscript(s) => {
            names_a_plain_object(&s.value)
                && matches!(
                    &*s.slice,
                    Expr::StringLiteral(_) | Expr::NumberLiteral(_) | Expr::Name(_)
                )
        }
        _ => false,
    }
}

fn names_a_type(e: &Expr) -> bool {
    match e {
        Expr::Name(_)
        | Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NoneLiteral(_)
        | Expr::EllipsisLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_) => true,
        Expr::Attribute(a) => names_a_type(&a.value),
        Expr::Subscript(s) => names_a_type(&s.value) && names_a_type(&s.slice),
        Expr::Tuple(t) => t.elts.iter().all(names_a_type),
        Expr::List(l) => l.elts.iter().all(names_a_type),
        Expr::BinOp(b) => {
            b.op == ast::Operator::BitOr && names_a_type(&b.left) && names_a_type(&b.right)
        }
        _ => false,
    }
}

/// The path values a call makes (see [`crate::paths`]): a path-building function or a
/// path object's method given parts whose texts are all known. A part that is one of a few
/// constants (`for d in ("Documents", "Desktop")`) makes one path for each, up to
/// [`crate::value::MAX_ALTERNATIVES`] in all.
fn path_made<'a>(
    quals: &[QName],
    method: Option<&Name>,
    recv: Option<&Eval<'a>>,
    pos: &[Eval<'a>],
) -> SmallVec<[Value<'a>; 1]> {
    let mut out = SmallVec::new();
    if let (Some(m), Some(r)) = (method, recv)
        && let Some(text) = crate::paths::text_of(&r.vals)
    {
        let Some(choices) = path_part_choices(pos, false) else { return out };
        out.extend(
            choices.iter().filter_map(|parts| crate::paths::method(text, m.as_str(), parts)),
        );
        return out;
    }
    let [q] = quals else { return out };
    if !(q.starts_with("os.")
        || q.starts_with("pathlib.")
        || q.starts_with("posixpath.")
        || q.starts_with("glob.")
        || &**q == "builtins.str"
        || &**q == "tempfile.gettempdir")
    {
        return out;
    }
    let texts: SmallVec<[Option<&str>; 2]> =
        pos.iter().map(|e| e.fold.as_ref().and_then(Const::as_str)).collect();
    if let Some(home) = crate::paths::home(q, &texts) {
        out.push(home);
        return out;
    }
    if let [_, default] = pos
        && let Some(text) = crate::paths::known(default.fold.as_ref(), &default.vals)
        && let Some(path) = crate::paths::environment_default(q, text)
    {
        out.push(path);
        return out;
    }
    let Some(choices) = path_part_choices(pos, crate::paths::joins(q)) else { return out };
    out.extend(choices.iter().filter_map(|parts| crate::paths::call(q, parts)));
    out
}

/// Combinations of a call's argument texts (see [`path_part_choices`]).
type PathChoices<'e> = SmallVec<[SmallVec<[&'e str; 4]>; 1]>;

/// Each combination of the texts a call's positional arguments may be (their folded string,
/// their path text, or each of a few string constants a name holds); `None` when one is not
/// known or the combinations are too many.
///
/// With `joined`, a part after the first that is not known is [`crate::paths::UNKNOWN_PART`]:
/// `os.path.join(ssh_dir, name)` is some file in `~/.ssh`, whatever `name` is.
fn path_part_choices<'e>(pos: &'e [Eval<'_>], joined: bool) -> Option<PathChoices<'e>> {
    // One combination inline: most calls have no argument with several texts.
    let mut combos: PathChoices<'e> = smallvec::smallvec![SmallVec::new()];
    for (i, e) in pos.iter().enumerate() {
        let texts: SmallVec<[&'e str; 4]> = match crate::paths::known(e.fold.as_ref(), &e.vals) {
            Some(t) => smallvec::smallvec![t],
            // A path of several texts (a loop's name over a table of paths): each.
            None if e.fold.is_none() && crate::paths::texts_of(&e.vals).len() > 1 => {
                crate::paths::texts_of(&e.vals).into_iter().collect()
            }
            // Each of a few constants; after the first part, also one of some constants or
            // something else (a loop over more constants than a set keeps), a part not known.
            None if e.fold.is_none()
                && crate::paths::names_constant_parts(&e.vals, joined && i > 0) =>
            {
                e.vals.alts().iter().map(crate::paths::constant_part).collect::<Option<_>>()?
            }
            // A name a test pinned under `or` (`*.env` or `id_rsa`): each.
            None if e.fold.is_none() && i > 0 && crate::paths::pinned_name_choices(&e.vals) => {
                e.vals.alts().iter().map(crate::paths::pinned_name_part).collect::<Option<_>>()?
            }
            None if joined && i > 0 && crate::paths::unknown_part(e.fold.as_ref(), &e.vals) => {
                smallvec::smallvec![crate::paths::UNKNOWN_PART]
            }
            None => return None,
        };
        if combos.len() * texts.len() > crate::value::MAX_ALTERNATIVES {
            return None;
        }
        combos = combos
            .iter()
            .flat_map(|c| {
                texts.iter().map(move |t| {
                    let mut next = c.clone();
                    next.push(*t);
                    next
                })
            })
            .collect();
    }
    Some(combos)
}

/// The path text an f-string that does not fold makes when it starts with a field holding a
/// path text and its other fields are known texts or path texts (`f"{root}/{name}"` in a walk,
/// `f"{os.getenv('APPDATA')}\\discord"`): the pieces run together as `+` runs them (see
/// [`crate::paths::concat`]). A field of several texts (a loop's name over a table of paths,
/// a name pinned under `or`) makes a path for each, at most `MAX_ALTERNATIVES` in all.
/// `children` are the fields' values in order; a field with a conversion, a spec or `=`
/// makes none.
fn fstring_path<'a>(f: &ast::ExprFString, children: &[Eval<'a>]) -> SmallVec<[Value<'a>; 1]> {
    let none = SmallVec::new;
    // The texts made so far: one, or one for each name a field after the first may be (see
    // `crate::paths::later_parts`), at most `MAX_ALTERNATIVES`.
    let mut texts: SmallVec<[String; 1]> = smallvec::smallvec![String::new()];
    let mut fields = children.iter();
    let mut starts_with_path = false;
    for part in f.value.iter() {
        let elements = match part {
            FStringPart::Literal(lit) => {
                texts.iter_mut().for_each(|t| t.push_str(&lit.value));
                continue;
            }
            FStringPart::FString(fs) => &fs.elements,
        };
        for el in elements {
            // Text before any path field: no path text can come of it.
            if !starts_with_path && !texts[0].is_empty() {
                return none();
            }
            match el {
                InterpolatedStringElement::Literal(l) => {
                    texts.iter_mut().for_each(|t| t.push_str(&l.value));
                }
                InterpolatedStringElement::Interpolation(i) => {
                    if i.format_spec.is_some()
                        || i.debug_text.is_some()
                        || i.conversion != ConversionFlag::None
                    {
                        return none();
                    }
                    let Some(field) = fields.next() else { return none() };
                    let parts = match field.fold.as_ref() {
                        Some(c) => match c.as_str() {
                            Some(t) => smallvec::smallvec![t],
                            None => return none(),
                        },
                        None if texts[0].is_empty() => {
                            // One path text, or each of several.
                            let paths = crate::paths::texts_of(&field.vals);
                            if paths.is_empty() {
                                return none();
                            }
                            starts_with_path = true;
                            paths
                        }
                        None => match crate::paths::later_parts(None, &field.vals) {
                            Some(parts) => parts,
                            None => return none(),
                        },
                    };
                    if texts.len() * parts.len() > crate::value::MAX_ALTERNATIVES {
                        return none();
                    }
                    texts = texts
                        .iter()
                        .flat_map(|t| parts.iter().map(move |p| format!("{t}{p}")))
                        .collect();
                    if texts.iter().any(|t| t.len() > fold::MAX_CONST_LEN) {
                        return none();
                    }
                }
            }
        }
    }
    if !starts_with_path {
        return none();
    }
    texts.into_iter().filter_map(crate::paths::path).collect()
}

/// Appends one constant part of a joined path (`os.path.join`'s arguments, the right operands
/// of `Path / "part"`) as `/part`, its own leading and trailing separators dropped.
fn push_path_part(path: &mut String, part: &str) {
    path.push('/');
    path.push_str(part.trim_matches(['/', '\\']));
}

/// Whether a call of `open`, `io.open`, `os.open` or an archive opener (`q`, see
/// [`ARCHIVE_OPENERS`]) opens its file for writing: a mode that folds to one with `w`, `a` or
/// `x` (an archive's: that starts with one); for `os.open`, flags that do not fold to
/// read-only ones (the `os.O_*` constants need not fold).
fn opens_for_writing<'a>(
    q: &str,
    c: &'a ast::ExprCall,
    pos: &[Eval<'a>],
    kws: &[(Name, Eval<'a>)],
) -> bool {
    match q {
        "os.open" => {
            match call_argument(c, pos, kws, 1, "flags").and_then(|(f, _)| f.fold.as_ref()) {
                Some(flags) => flags.as_int().is_some_and(|f| f & 3 != 0),
                None => true,
            }
        }
        "builtins.open" | "io.open" => call_argument(c, pos, kws, 1, "mode")
            .and_then(|(m, _)| m.fold.as_ref()?.as_str().map(|m| m.contains(['w', 'a', 'x'])))
            .unwrap_or(false),
        // An archive's mode starts with what it does (`"w:gz"`; `"r:xz"` reads).
        _ if ARCHIVE_OPENERS.iter().any(|(n, _)| *n == q) => call_argument(c, pos, kws, 1, "mode")
            .and_then(|(m, _)| m.fold.as_ref()?.as_str().map(|m| m.starts_with(['w', 'a', 'x'])))
            .unwrap_or(false),
        _ => false,
    }
}

/// The argument of a call at position `at` or keyword `kw`, with the expression written for
/// it when it is written as one (not spread from `*args` or `**kwargs`).
fn call_argument<'e, 'a>(
    c: &'a ast::ExprCall,
    pos: &'e [Eval<'a>],
    kws: &'e [(Name, Eval<'a>)],
    at: usize,
    kw: &str,
) -> Option<(&'e Eval<'a>, Option<&'a Expr>)> {
    let e = pos.get(at).or_else(|| kws.iter().find(|(n, _)| n == kw).map(|(_, e)| e))?;
    let node = c.arguments.args.get(at).or_else(|| {
        c.arguments
            .keywords
            .iter()
            .find(|w| w.arg.as_ref().is_some_and(|a| a == kw))
            .map(|w| &w.value)
    });
    Some((e, node))
}

/// A path argument of a call (see [`call_argument`]) as a file a download is saved to: the
/// constant path it folds to, or else the name it is written as (see `Walker::saved_to`).
fn path_argument<'a>(
    c: &'a ast::ExprCall,
    pos: &[Eval<'a>],
    kws: &[(Name, Eval<'a>)],
    at: usize,
    kw: &str,
) -> Option<(Option<Rc<str>>, Option<Name>)> {
    let (e, node) = call_argument(c, pos, kws, at, kw)?;
    // A constant, or a path whose text is known and names one file (`os.path.expanduser(
    // "~/.local/bin/.svc")`, not a listing's `*`).
    let path: Option<Rc<str>> = e
        .fold
        .as_ref()
        .and_then(Const::as_str)
        .or_else(|| one_path_text(&e.vals))
        .or_else(|| handed_paths(&e.vals).next())
        .or_else(|| written_beside_unknown(&e.vals))
        .map(Rc::from);
    // The name it is written as, unless it is a constant: a file written with code is found
    // again by either (see `Walker::take_written_code`).
    let name = match node {
        Some(Expr::Name(n)) if e.fold.is_none() => Some(key(&n.id)),
        _ => None,
    };
    Some((path, name))
}

/// The file a path of several texts writes where all but one name some entry not known
/// (`os.path.join(loot, name)` in a helper whose parameter `name` a call of the file handed
/// `"key.txt"`, beside what it is not known to hold: `loot/key.txt` and `loot/?`): that one,
/// as [`handed_paths`] takes a constant handed beside the unknown. Where calls handed several
/// names, the entry not known (`loot/?`), when every text is in its directory: the helper's
/// parameters hold what all its calls gave, so which file holds what is not known, but the
/// directory holds it all (an archive of it holds what any was given).
fn written_beside_unknown<'v>(vals: &'v ValueSet<'_>) -> Option<&'v str> {
    let texts = crate::paths::texts_of(vals);
    let unknown = texts.iter().find(|t| {
        t.strip_suffix(crate::paths::UNKNOWN_PART)
            .is_some_and(|dir| dir.ends_with('/') && !dir.contains(['*', '?']))
    })?;
    let dir = &unknown[..unknown.len() - 1];
    let mut files = texts.iter().filter(|t| !t.contains(['*', '?']));
    let first = files.next();
    let one_more = files.next().is_some();
    let all_inside = texts.iter().all(|t| {
        t.strip_prefix(dir).is_some_and(|name| !name.is_empty() && !name.contains(['/', '*']))
    });
    match first {
        _ if !all_inside => None,
        Some(file) if !one_more => Some(*file),
        _ => Some(*unknown),
    }
}

/// The paths a parameter is handed by calls of the file (`def grab(out)` called as
/// `grab("/tmp/k.zip")`: string constants beside what is not known); none for a value that is
/// one of several constants only (a loop over a table), whose name is followed instead (see
/// `Walker::saved_in`).
fn handed_paths<'v>(vals: &'v ValueSet<'_>) -> impl Iterator<Item = &'v str> {
    let handed = vals.constants_beside_unknown();
    vals.alts().iter().filter(move |_| handed).filter_map(|v| match v {
        Value::Const(c) => c.as_str().filter(|t| !t.is_empty()),
        _ => None,
    })
}

/// The module a script `runpy.run_path` runs names, relative to the running file's directory:
/// `build_config` of `"build_config.py"` or of `os.path.join(here, "build_config.py")` (the
/// directory part computed), `tools.gen` of `"tools/gen.py"`. `None` for another path (an
/// absolute one, one leaving the directory, one not ending in `.py`).
fn run_path_module(c: &ast::ExprCall, first: Option<&Eval<'_>>) -> Option<String> {
    let written = match first.and_then(|e| e.fold.as_ref()).and_then(Const::as_str) {
        Some(path) => path.to_string(),
        None => match c.arguments.args.first()? {
            Expr::Call(join) if matches!(&*join.func, Expr::Attribute(a) if a.attr.as_str() == "join") => {
                match join.arguments.args.last()? {
                    Expr::StringLiteral(s) => s.value.to_str().to_string(),
                    _ => return None,
                }
            }
            _ => return None,
        },
    };
    let path = written.strip_prefix("./").unwrap_or(&written);
    let stem = path.strip_suffix(".py")?;
    let parts: Vec<&str> = stem.split(['/', '\\']).collect();
    parts
        .iter()
        .all(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains(':'))
        .then(|| parts.join("."))
}

/// A Python source file of the project's own, as its path's text names it: relative to the
/// running file's directory (`./pkg/version.py`, `version.py`), with no `..`, no part computed
/// (a hole), ending in `.py`. The path without its `./`.
fn own_source_path(path: &str) -> Option<&str> {
    let own = path.strip_prefix("./").unwrap_or(path);
    let relative = !own.is_empty()
        && !own.starts_with(['/', '\\', '~', '$', '%', '.'])
        && own.as_bytes().get(1) != Some(&b':');
    (relative
        && own.ends_with(".py")
        && !own.contains(FORMAT_HOLE)
        && !own.contains(['\u{FFFD}', '\\'])
        && own.split('/').all(|part| !part.is_empty() && part != "." && part != ".."))
    .then_some(own)
}

/// The loaders of `ctypes` that open a library by its name.
const LIBRARY_LOADERS: &[&str] = &[
    "ctypes.WinDLL",
    "ctypes.CDLL",
    "ctypes.OleDLL",
    "ctypes.windll.LoadLibrary",
    "ctypes.cdll.LoadLibrary",
    "ctypes.oledll.LoadLibrary",
];

/// The Windows system library a name given to a loader opens, lower case without `.dll`
/// (`"User32.dll"` is `user32`), when it is one of those whose functions the rules name.
fn windows_system_library(name: &str) -> Option<&'static str> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_ascii_lowercase();
    let base = base.strip_suffix(".dll").unwrap_or(&base);
    [
        "user32", "kernel32", "advapi32", "ntdll", "crypt32", "shell32", "ws2_32", "wininet",
        "psapi", "gdi32",
    ]
    .into_iter()
    .find(|l| *l == base)
}

/// Whether `test` holds for the path an argument is: the string it folds to, or else some
/// path text or string it may be (see [`crate::paths::any_text_or_string`]).
fn any_path_text(given: &Eval<'_>, mut test: impl FnMut(&str) -> bool) -> bool {
    match given.fold.as_ref().and_then(Const::as_str) {
        Some(path) => test(path),
        None => crate::paths::any_text_or_string(&given.vals, test),
    }
}

/// A path with Windows' separator (`local + "\\Google\\Chrome\\User Data\\Default\\Login
/// Data"`) read as `/`, which the rules' paths are written with.
fn slashed(path: &str) -> std::borrow::Cow<'_, str> {
    if path.contains('\\') { path.replace('\\', "/").into() } else { path.into() }
}

/// The text of a path a value set stands for, when it names one file: no listing's `*` or
/// `?` in it (see `crate::paths`).
fn one_path_text<'v>(vals: &'v ValueSet<'_>) -> Option<&'v str> {
    crate::paths::text_of(vals).filter(|t| !t.contains(['*', '?']))
}

/// The name of the directory a path is made inside: `d` of `os.path.join(d, "x.py")` (any
/// function named `join` given the name first, as `os.path` and its flavours are) or of `d /
/// "x.py"`.
fn parent_name(path: &Expr) -> Option<Name> {
    let first = match path {
        Expr::Call(c) if c.arguments.args.len() > 1 => match &*c.func {
            Expr::Attribute(a) if a.attr.as_str() == "join" => c.arguments.args.first(),
            _ => None,
        },
        Expr::BinOp(b) if b.op == ast::Operator::Div => Some(&*b.left),
        _ => None,
    }?;
    match first {
        Expr::Name(n) => Some(key(&n.id)),
        _ => None,
    }
}

/// Whether a call of `q` gives back what its positional arguments carry for `derived_from`
/// tests: a copy or text of them ([`COPYING_CALLS`]) or an encoding ([`ENCODING_CALLS`]).
fn passes_arguments_on(q: &str) -> bool {
    COPYING_CALLS.contains(&q) || ENCODING_CALLS.contains(&q) || DECODING_CALLS.contains(&q)
}

/// Callees whose result is a decoding of their positional arguments: what a download decodes
/// to is still the download (`pickle.loads(b64decode(response.content))`), and code to run
/// as much as the download was.
const DECODING_CALLS: &[&str] = &[
    "base64.b64decode",
    "base64.b32decode",
    "base64.b16decode",
    "base64.b85decode",
    "base64.a85decode",
    "base64.urlsafe_b64decode",
    "base64.standard_b64decode",
    "base64.decodebytes",
    "binascii.a2b_base64",
    "binascii.a2b_hex",
    "binascii.unhexlify",
    "codecs.decode",
    "zlib.decompress",
    "gzip.decompress",
    "bz2.decompress",
    "lzma.decompress",
    // An archive read from it: its members are the download's (`zipfile.ZipFile(
    // io.BytesIO(r.content))`, then `extractall(d)`).
    "zipfile.ZipFile",
    "tarfile.open",
    "tarfile.TarFile",
    "tarfile.TarFile.open",
    // An image read from it: its pixels are the download's (a payload hidden in the pixels
    // of a picture the program fetched, decoded bit by bit and run).
    "PIL.Image.open",
    "PIL.Image.frombytes",
    "imageio.imread",
    "imageio.v2.imread",
    "imageio.v3.imread",
    "cv2.imdecode",
    // A number or a character made of it: a payload decoded bit by bit or byte by byte
    // (`int(bits[i:i + 8], 2)`, `chr(b)`).
    "builtins.int",
    "builtins.chr",
];

/// Callees whose result is a copy or a text of their positional arguments: what they return
/// still carries what `derived_from` tests follow (`dict(os.environ)`, `str(data)`).
const COPYING_CALLS: &[&str] = &[
    "builtins.dict",
    "builtins.str",
    "builtins.repr",
    "builtins.list",
    "builtins.tuple",
    "builtins.sorted",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.format",
    "copy.copy",
    "copy.deepcopy",
    "collections.OrderedDict",
    // The words of a command line (`shlex.split(ws.recv())` run as an argument vector).
    "shlex.split",
    // A buffer holding it (`io.BytesIO(data)`, a file object to upload).
    "io.BytesIO",
    "io.StringIO",
    // A path joined from it (`os.path.join(site.getsitepackages()[0], "pkg")`).
    "os.path.join",
    "posixpath.join",
    "ntpath.join",
    // A URL's parts and its query read (`parse_qs(urlparse(self.path).query)["c"]` in a
    // request handler).
    "urllib.parse.urlparse",
    "urllib.parse.urlsplit",
    "urllib.parse.parse_qs",
    "urllib.parse.parse_qsl",
    "urllib.parse.unquote",
    "urllib.parse.unquote_plus",
    "urllib.parse.unquote_to_bytes",
    // Pieces of it a regular expression finds, or it with pieces replaced (the tokens a
    // stealer picks out of a chat client's store: `re.findall(TOKEN, data)`).
    "re.findall",
    "re.finditer",
    "re.search",
    "re.match",
    "re.fullmatch",
    "re.sub",
    "re.split",
    "re.compile().findall",
    "re.compile().finditer",
    "re.compile().search",
    "re.compile().match",
    "re.compile().fullmatch",
    "re.compile().sub",
    "re.compile().split",
];

/// The in-memory files a program fills to send or keep what it wrote (see `Walker::call`).
const IN_MEMORY_FILES: &[&str] = &["io.BytesIO()", "io.StringIO()"];

/// Callees whose result is an encoding of their positional arguments: it carries the data
/// (`json.dumps(env)` leaks the environment), but not code to run; a file written with one
/// holds no download (see `Walker::note_saved`).
const ENCODING_CALLS: &[&str] = &[
    "json.dumps",
    "pprint.pformat",
    "pickle.dumps",
    "marshal.dumps",
    "base64.b64encode",
    "base64.b32encode",
    "base64.b16encode",
    "base64.b85encode",
    "base64.a85encode",
    "base64.urlsafe_b64encode",
    "base64.standard_b64encode",
    "base64.encodebytes",
    "binascii.hexlify",
    "binascii.b2a_hex",
    "binascii.b2a_base64",
    "codecs.encode",
    "zlib.compress",
    "gzip.compress",
    "bz2.compress",
    "lzma.compress",
    "urllib.parse.urlencode",
    "urllib.parse.quote",
    "urllib.parse.quote_plus",
    "yaml.dump",
    "yaml.safe_dump",
    // A picture encoded (`cv2.imencode(".jpg", frame)`, `mss.tools.to_png(shot.rgb, ...)`).
    "cv2.imencode",
    "mss.tools.to_png",
];

/// What an argument that does not fold stands for while a format template is filled in to
/// find its constant end: a character no template of a host name, a path or a command holds.
const FORMAT_HOLE: &str = "\u{1}";

/// What an item of an argument vector that is not known stands for in its command line (see
/// `Walker::note_argv_paths`): shown in a finding's text, and one word to the rules.
const ARGV_HOLE: &str = "\u{2026}";

/// What a field of a format template is filled in with while its command line is read (see
/// `Walker::settle_path_runs`): a constant argument, or the text of a path that does not fold.
#[derive(Clone)]
enum Filled<'a> {
    Const(Const<'a>),
    Path(String),
}

impl<'a> Filled<'a> {
    /// An argument's constant, or else its path's text.
    fn of(e: &Eval<'a>) -> Option<Self> {
        match &e.fold {
            Some(c) => Some(Filled::Const(c.clone())),
            None => one_path_text(&e.vals).map(|p| Filled::Path(p.to_string())),
        }
    }

    /// The text filled in: the constant, the path's text, or `hole` for an argument neither.
    fn text(f: Option<&Self>, hole: &Const<'a>) -> Const<'a> {
        match f {
            Some(Filled::Const(c)) => c.clone(),
            Some(Filled::Path(p)) => Const::Str(Text::Owned(p.clone())),
            None => hole.clone(),
        }
    }
}

/// A string candidate of the text a name was given, and the rules that matched it there.
#[derive(Clone, Debug)]
struct CarriedText {
    text: Rc<str>,
    done: SmallVec<[u32; 2]>,
}

/// At most this many candidates are carried by a name, each at most this long: a text built
/// of parts is a host name, a path or a command, not a document.
const MAX_CARRIED_TEXTS: usize = 8;
const MAX_CARRIED_TEXT_LEN: usize = 512;

/// Whether an assignment target is an exception hook (`sys.excepthook`,
/// `threading.excepthook`, `sys.unraisablehook`): what is stored there runs only when an
/// exception is not caught, not where it is stored.
fn is_exception_hook(target: &Expr) -> bool {
    matches!(target, Expr::Attribute(a)
        if matches!(a.attr.id.as_str(), "excepthook" | "unraisablehook")
            && matches!(&*a.value, Expr::Name(m) if matches!(m.id.as_str(), "sys" | "threading")))
}

/// Whether an expression builds a text of parts that may not fold (`data + ".example.net"`,
/// `"%s.example.net" % data`, an f-string, `"{}.{}".format(data, domain)`, `".".join(...)`).
fn builds_text(e: &Expr) -> bool {
    match e {
        Expr::BinOp(b) => matches!(b.op, ast::Operator::Add | ast::Operator::Mod),
        Expr::FString(_) => true,
        Expr::Call(c) => matches!(&*c.func, Expr::Attribute(a)
            if matches!(a.attr.id.as_str(), "format" | "join" | "format_map")),
        _ => false,
    }
}

/// The functions that open a file named by their first argument (`file=`), for the origin of
/// what it holds (see `Walker::file_origin`).
const FILE_OPENERS: &[&str] =
    &["builtins.open", "io.open", "codecs.open", "aiofiles.open", "sqlite3.connect"];

/// The commands a command line runs, words one space apart: the line, the script a shell is
/// given (`sh -c SCRIPT`, `bash -lc SCRIPT`, `cmd /c SCRIPT`, `powershell -Command SCRIPT`),
/// and each command of a list or pipeline (`a && b`, `a; b`, `a | b`), quotes dropped.
fn shell_commands(line: &str) -> Vec<&str> {
    let mut commands = vec![line];
    let mut words = line.splitn(3, ' ');
    let (program, flag, rest) = (words.next(), words.next(), words.next());
    let shell = program.map(|p| {
        let p = p.rsplit(['/', '\\']).next().unwrap_or(p);
        p.strip_suffix(".exe").unwrap_or(p).to_ascii_lowercase()
    });
    let script = match (shell.as_deref(), flag, rest) {
        (Some("sh" | "bash" | "zsh" | "dash" | "ksh"), Some(f), Some(r))
            if f.starts_with('-') && f.ends_with('c') =>
        {
            Some(r)
        }
        (Some("cmd"), Some(f), Some(r)) if f.eq_ignore_ascii_case("/c") => Some(r),
        (Some("powershell" | "pwsh"), Some(f), Some(r))
            if f.eq_ignore_ascii_case("-c") || f.eq_ignore_ascii_case("-command") =>
        {
            Some(r)
        }
        _ => None,
    };
    let script = script.unwrap_or(line).trim_matches(['"', '\'']);
    if script.contains(['&', ';', '|']) || script.len() != line.len() {
        commands.extend(
            script
                .split(['&', ';', '|'])
                .map(|c| c.trim().trim_matches(['"', '\'', '(', ')']).trim())
                .filter(|c| !c.is_empty()),
        );
    }
    commands
}

/// The calls that read what an address serves, given the address first (see
/// `Walker::url_origin`).
const URL_READERS: &[&str] = &[
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.api.get",
    "requests.Session().get",
    "httpx.get",
    "httpx.Client().get",
    "urllib.request.urlopen",
    "urllib2.urlopen",
    "urllib.urlopen",
];

/// The calls that make a request object for an address given first, which a URL reader then
/// opens (see `Walker::url_origin`).
const REQUEST_MAKERS: &[&str] = &["urllib.request.Request", "urllib2.Request"];

/// The start of the name under which a request object holds the origin of its address
/// (`request.url.http://...`): a name no `derived_from` test matches.
const REQUEST_ORIGIN: &str = "request.";

/// The calls that start a process whose output the program may read, and the keyword of the
/// command they run (see `Walker::command_origin`): what they return, or an attribute or a
/// method of it (`run(...).stdout`, `Popen(...).communicate()`), holds what it printed.
const OUTPUT_RUNNERS: &[(&str, &str)] = &[
    ("subprocess.check_output", "args"),
    ("subprocess.run", "args"),
    ("subprocess.Popen", "args"),
    ("subprocess.getoutput", "cmd"),
    ("subprocess.getstatusoutput", "cmd"),
    ("os.popen", "cmd"),
    ("commands.getoutput", "cmd"),
    ("asyncio.create_subprocess_shell", "cmd"),
    ("asyncio.subprocess.create_subprocess_shell", "cmd"),
    ("pexpect.run", "command"),
];

/// Callees that read one variable of the environment by its name.
const ENVIRONMENT_READERS: &[&str] =
    &["os.getenv", "os.getenvb", "os.environ.get", "os.environb.get"];

/// Whether a value may be what an encoder returned (`json.dumps(r.json())`, kept in a name or
/// not): written to a file, it is a report of a download, not the download.
fn is_encoding(vals: &ValueSet<'_>) -> bool {
    vals.alts().iter().any(|v| matches!(v, Value::Returned(q) if ENCODING_CALLS.contains(&&**q)))
}

/// Callees whose first argument is Python source they run or compile.
const CODE_RUNNERS: &[&str] = &[
    "builtins.exec",
    "builtins.eval",
    "builtins.compile",
    // They compile and run their first argument too (`cProfile.run("main()")`).
    "pdb.run",
    "pdb.runeval",
    "pdb.runctx",
    "cProfile.run",
    "cProfile.runctx",
    "profile.run",
    "profile.runctx",
    "timeit.timeit",
    "timeit.repeat",
    "timeit.Timer",
    // The same methods of their objects (what a call of the class returns, see
    // `instance_classes`; PSB112 names them).
    "pdb.Pdb().run",
    "pdb.Pdb().runeval",
    "pdb.Pdb().runctx",
    "bdb.Bdb().run",
    "bdb.Bdb().runeval",
    "bdb.Bdb().runctx",
    "cProfile.Profile().run",
    "cProfile.Profile().runctx",
    "profile.Profile().run",
    "profile.Profile().runctx",
    "trace.Trace().run",
    "trace.Trace().runctx",
];

/// Callees that run the `>>>` examples of docstrings as code: the module's
/// (`doctest.testmod()`), an object's (`run_docstring_examples(f, globs)`), or a string's
/// given as the object.
const DOCTEST_RUNNERS: &[&str] = &[
    "doctest.testmod",
    "doctest.run_docstring_examples",
    "doctest.DocTestSuite",
    // What a finder gives (`DocTestFinder().find(obj)`) runs when a runner runs it.
    "doctest.DocTestRunner().run",
];

/// The classes whose objects' methods the engine itself treats as code runners
/// (`pdb.Pdb().run`, `doctest.DocTestRunner().run`): their objects are followed wherever call
/// results are kept, whether or not a rule names the method.
pub(crate) fn code_runner_classes() -> impl Iterator<Item = &'static str> {
    CODE_RUNNERS
        .iter()
        .chain(DOCTEST_RUNNERS)
        .filter_map(|name| name.split_once("().").map(|(class, _)| class))
}

/// The classes whose objects' methods copy or pick out pieces of what they are given
/// (`re.compile(rx).findall(data)`, see [`COPYING_CALLS`]): their objects are followed as
/// the code runners' are, so that the pieces stay derived from the data.
pub(crate) fn copying_classes() -> impl Iterator<Item = &'static str> {
    COPYING_CALLS.iter().filter_map(|name| name.split_once("().").map(|(class, _)| class))
}

/// The classes whose objects' methods register a chat bot's handlers (`telebot.TeleBot`,
/// `discord.Client`; see [`CHAT_HANDLERS`]): their objects are followed as the code runners'
/// are, since no rule names the registrars themselves.
pub(crate) fn chat_bot_classes() -> impl Iterator<Item = &'static str> {
    CHAT_HANDLERS.iter().filter_map(|(name, _)| name.split_once("().").map(|(class, _)| class))
}

impl<'a> Walker<'a, '_> {
    /// Reads the doctest examples a doctest runner at `call` runs, in place, as constant code
    /// given to `exec` is read: those of a constant string given as the object
    /// (`run_docstring_examples(">>> ...", {})`), or else those of every docstring of the
    /// file, once per file (the object is most often one of the file's functions, or the
    /// module itself; reading them all is the bias toward flagging). Doctest runs them with
    /// the module's globals, so what an example calls is reported by its own rules, at the
    /// call.
    fn read_doctest_examples(&mut self, object: Option<&Const<'_>>, call: TextRange) {
        let examples = match object.and_then(constant_text) {
            Some(text) => crate::doctest::examples_of(&text),
            None if !self.doctests_read => {
                self.doctests_read = true;
                crate::doctest::examples_of_module(self.module_body)
            }
            None => return,
        };
        for example in examples {
            self.read_code_string(&example, call);
        }
    }

    /// Whether a constant code string of `len` bytes is past what the file may read in place:
    /// nested too deep, or past the file's count or bytes of such strings.
    fn past_code_limits(&self, len: usize) -> bool {
        self.embedded_count >= EMBEDDED_MAX
            || self.embedded_bytes + len > EMBEDDED_BYTES_MAX
            || self.embedded_depth >= EMBEDDED_DEPTH_MAX
    }

    /// Reads a constant code string in place, as the code `exec`/`eval`/`compile` would run,
    /// in the current scope (which is where `exec` runs it), reporting its findings at `call`.
    /// Bounded per file in count, bytes and depth; code that does not parse is not read.
    fn read_code_string(&mut self, code: &str, call: TextRange) {
        if self.past_code_limits(code.len())
            || !matches!(crate::guard::plan(code, None), crate::guard::Plan::Parse { .. })
        {
            return;
        }
        self.embedded_count += 1;
        self.embedded_bytes += code.len();
        let Ok(parsed) = ruff_python_parser::parse_module(code) else { return };
        if crate::guard::too_deep_token(parsed.tokens()).is_some() {
            return;
        }
        let parsed: &'a _ = self.embedded.alloc(parsed);
        let outer = self.origin;
        self.origin = Some(outer.unwrap_or(call));
        self.embedded_depth += 1;
        // The code runs when the call runs, not inside its arguments: a decoder it calls is
        // no argument of the `exec` (`inside: {call: ...}` filters see no call frame).
        let frames = self.frames.clone();
        self.frames.retain(|f| !matches!(f, Frame::Call(..)));
        self.body(&parsed.syntax().body);
        self.frames = frames;
        self.embedded_depth -= 1;
        self.origin = outer;
    }
}

/// Whether an argument vector's first item is a Python interpreter: `sys.executable`, or a
/// constant named `python`, `python3.11`, `py`...
fn runs_python(first: &Eval<'_>) -> bool {
    first.vals.is_interpreter()
        || first.fold.as_ref().and_then(Const::as_str).is_some_and(is_python_interpreter)
}

/// Whether a path names a Python interpreter (`python`, `/usr/bin/python3.11`, `py.exe`).
fn is_python_interpreter(path: &str) -> bool {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    base == "py"
        || base
            .strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The words of a command line as the shell splits them, roughly: at blanks, quotes, `;`,
/// `&`, `|` and parentheses (`chmod +x '/tmp/x' && /tmp/x` holds `/tmp/x`).
fn command_words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '&' | '|' | '(' | ')'))
        .filter(|w| !w.is_empty())
}

/// The directory a `/`-separated path is in (`/tmp` of `/tmp/stage.py`, `/` of `/x`).
fn parent_dir(path: &str) -> Option<&str> {
    let (dir, _) = path.trim_end_matches('/').rsplit_once('/')?;
    Some(if dir.is_empty() { "/" } else { dir })
}

/// The text of a constant a file may be written with, or code given to `exec` (a string, or
/// bytes in UTF-8).
fn constant_text(c: &Const<'_>) -> Option<Rc<str>> {
    match c {
        Const::Str(t) => Some(Rc::from(t.as_str())),
        Const::Bytes(b) => std::str::from_utf8(b.as_bytes()).ok().map(Rc::from),
        _ => None,
    }
}

/// The code of an argument vector that runs Python with `-c`: the first item is the
/// interpreter (`sys.executable`, or a constant named `python`, `python3.11`, `py`...), then
/// constant options up to `-c` and the code.
fn python_c_code(items: &[Eval<'_>]) -> Option<String> {
    // Every list and tuple display is asked: most are ruled out by their second item, which a
    // command line running `-c` makes a constant option.
    if !items.get(1)?.fold.as_ref()?.as_str()?.starts_with('-') {
        return None;
    }
    let first = items.first()?;
    let interpreter = runs_python(first);
    if !interpreter {
        return None;
    }
    for (i, item) in items.iter().enumerate().skip(1) {
        let arg = item.fold.as_ref()?.as_str()?;
        let flags = arg.strip_prefix('-').filter(|f| !f.is_empty() && !f.starts_with('-'))?;
        // `-c`, or short flags ending with it (`-Ic`): the code is the next item.
        if flags.ends_with('c') && flags.chars().all(|c| c.is_ascii_alphabetic()) {
            return items.get(i + 1)?.fold.as_ref()?.as_str().map(str::to_string);
        }
    }
    None
}

/// Whether a value is the module's `__name__` (unbound in the file, it resolves to the
/// builtins' name of the same spelling): the key of the file's own module in `sys.modules`.
fn names_this_module(vals: &ValueSet<'_>) -> bool {
    vals.quals().any(|q| &**q == "builtins.__name__")
}

/// Whether `namespace[key]` is the file's own module: `sys.modules[__name__]`.
fn is_this_module_entry(namespace: &ValueSet<'_>, key: &ValueSet<'_>) -> bool {
    names_this_module(key) && namespace.quals().any(|q| &**q == "sys.modules")
}

/// The factory an entry of a `logging.config` dictionary names, with where, and the entry's
/// other keys (see [`Walker::factory_called`]).
#[derive(Default)]
struct FactoryEntry<'a> {
    callee: Option<(QName, TextRange)>,
    kwargs: Vec<(Rc<str>, Option<Const<'a>>, ValueSet<'a>)>,
}

/// The most keys of a factory's entry given to it as keyword arguments.
const MAX_FACTORY_KEYWORDS: usize = 16;

/// Whether a dict display names a factory by the `"()"` or `"class"` key `logging.config`
/// calls (read before its values, which are kept only then).
fn names_factory(d: &ast::ExprDict) -> bool {
    d.items.len() <= 32
        && d.items.iter().any(|item| {
            matches!(&item.key, Some(Expr::StringLiteral(k)) if matches!(k.value.to_str(), "()" | "class"))
        })
}

/// Whether a key of a factory's entry is given to it as a keyword argument: an identifier,
/// apart from those `logging.config` takes for itself (a handler's `formatter`, `level` and
/// `filters`, the properties `.`).
fn is_factory_keyword(k: &str) -> bool {
    !matches!(k, "formatter" | "level" | "filters" | "class")
        && k.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// plumbum's machine for this host, whose items are commands (`local["ls"]`).
const PLUMBUM_MACHINES: &[&str] = &["plumbum.local", "plumbum.machines.local.local"];

/// A program's name as one part of a dotted name (`/usr/bin/curl.exe` gives `curl`), or
/// `None` when it is not an identifier (`/tmp/.x`).
fn program_identifier(program: &str) -> Option<&str> {
    let file = program.rsplit(['/', '\\']).next()?;
    let stem = file.strip_suffix(".exe").unwrap_or(file);
    let mut chars = stem.chars();
    let first = chars.next()?;
    ((first.is_alphabetic() || first == '_') && chars.all(|c| c.is_alphanumeric() || c == '_'))
        .then_some(stem)
}

fn is_dotted_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
}

/// The value of `a or b or ...` (`and`), operand by operand: `or` gives its first true operand,
/// or its last; `and` its first false one, or its last. An operand that does not fold ends
/// what can be told, unless the value was already given.
enum BoolFold<'a> {
    /// No operand yet, or every one so far passed on to the next.
    Open,
    /// The last operand read, which passes on (its value is the result if it is the last).
    Last(Const<'a>),
    /// The operation's value, whatever follows.
    Given(Const<'a>),
    /// Not known.
    Unknown,
}

impl<'a> BoolFold<'a> {
    /// The state after `operand` (its fold), copied only when it may be the value: every
    /// `and` and `or` of a file passes here, and most settle on their first operand.
    fn next(self, op: ast::BoolOp, operand: Option<&Const<'a>>) -> Self {
        if self.is_settled() {
            return self;
        }
        let Some(c) = operand else { return Self::Unknown };
        match (op, c.truthy()) {
            (ast::BoolOp::Or, Some(true)) | (ast::BoolOp::And, Some(false)) => {
                Self::Given(c.clone())
            }
            (_, Some(_)) => Self::Last(c.clone()),
            (_, None) => Self::Unknown,
        }
    }

    fn is_settled(&self) -> bool {
        matches!(self, Self::Given(_) | Self::Unknown)
    }

    fn result(self) -> Option<Const<'a>> {
        match self {
            Self::Given(c) | Self::Last(c) => Some(c),
            Self::Open | Self::Unknown => None,
        }
    }
}

/// Whether a loop's test is a constant true as written (`True`, a non-zero integer): a loop
/// that only a `break`, a `return` or an error ends.
fn always_true(test: &Expr) -> bool {
    match test {
        Expr::BooleanLiteral(b) => b.value,
        Expr::NumberLiteral(n) => n.value.as_int().is_some_and(|i| i.as_u64() != Some(0)),
        _ => false,
    }
}

/// An integer literal past 64 bits: its digits, converted when a fold needs them (see
/// [`crate::bigint`]).
#[cold]
fn big_literal(i: &ast::Int) -> Const<'static> {
    crate::bigint::BigInt::from_literal(&i.to_string())
        .map_or(Const::Opaque, |n| Const::Big(Rc::new(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_a_repository_is_fetched_into() {
        let dir = |words: &[&str], commands: &[&str], valued: &[&str]| {
            let items: Vec<ArgvItem<'_>> = words.iter().map(|w| ArgvItem::Word(w)).collect();
            clone_directory(&items, commands, valued).and_then(ArgvItem::word).map(str::to_string)
        };
        let git = |words: &[&str]| dir(words, &["clone"], GIT_CLONE_VALUED);
        assert_eq!(git(&["clone", "https://h/r.git", "/tmp/r"]).as_deref(), Some("/tmp/r"));
        assert_eq!(git(&["clone", "--depth", "1", "-b", "v2", "u", "d"]).as_deref(), Some("d"));
        assert_eq!(git(&["-C", "/srv", "clone", "-q", "u", "d"]).as_deref(), Some("d"));
        assert_eq!(git(&["clone", "--", "u", "-d"]).as_deref(), Some("-d"));
        // Without a directory: the repository's name, as git makes it.
        assert_eq!(git(&["clone", "https://h/org/tools.git"]).as_deref(), Some("tools"));
        assert_eq!(git(&["clone", "git@h:org/tools.git/"]).as_deref(), Some("tools"));
        // Another command, or nothing to fetch.
        assert_eq!(git(&["log", "-1", "/tmp/r"]), None);
        assert_eq!(git(&["clone"]), None);
        let svn = |words: &[&str]| dir(words, &["checkout", "co", "export"], SVN_VALUED);
        assert_eq!(svn(&["co", "-r", "5", "https://h/trunk", "w"]).as_deref(), Some("w"));
        assert_eq!(svn(&["export", "https://h/trunk"]).as_deref(), Some("trunk"));
        // A directory not written as a word is the name it is bound to.
        let items = [ArgvItem::Word("clone"), ArgvItem::Word("u"), ArgvItem::Other];
        assert!(matches!(clone_directory(&items, &["clone"], &[]), Some(ArgvItem::Other)));
        // An address not known (the caller's argument) is the caller's choice.
        let items = [ArgvItem::Word("clone"), ArgvItem::Other, ArgvItem::Word("d")];
        assert!(clone_directory(&items, &["clone"], &[]).is_none());
    }

    #[test]
    fn the_module_a_script_run_by_its_path_names() {
        let module = |src: &str| {
            let parsed = ruff_python_parser::parse_module(src).expect("parses");
            let stmt = parsed.syntax().body.first().cloned().expect("a statement");
            let Stmt::Expr(e) = stmt else { panic!("an expression") };
            let Expr::Call(c) = *e.value else { panic!("a call") };
            let fold = match c.arguments.args.first() {
                Some(Expr::StringLiteral(s)) => {
                    Some(Const::Str(Text::Owned(s.value.to_str().to_string())))
                }
                _ => None,
            };
            let first = Eval { fold, ..Eval::default() };
            run_path_module(&c, Some(&first))
        };
        assert_eq!(module("run_path('build_config.py')").as_deref(), Some("build_config"));
        assert_eq!(module("run_path('./tools/gen.py')").as_deref(), Some("tools.gen"));
        assert_eq!(module("run_path(os.path.join(here, 'b.py'))").as_deref(), Some("b"));
        assert_eq!(module("run_path('/etc/x.py')"), None);
        assert_eq!(module("run_path('../x.py')"), None);
        assert_eq!(module("run_path('x.txt')"), None);
        assert_eq!(module("run_path(p)"), None);
    }

    #[test]
    fn a_python_file_of_the_projects_own() {
        assert_eq!(own_source_path("./pkg/__version__.py"), Some("pkg/__version__.py"));
        assert_eq!(own_source_path("version.py"), Some("version.py"));
        for other in [
            "./../shared/build.py",
            "pkg/../../x.py",
            "/etc/x.py",
            "~/.config/build.py",
            "$HOME/x.py",
            "C:/x.py",
            "./.hidden.py",
            "./pkg/data.txt",
            "./pkg//x.py",
            "./",
        ] {
            assert_eq!(own_source_path(other), None, "{other}");
        }
        let holed = format!("./{FORMAT_HOLE}.py");
        assert_eq!(own_source_path(&holed), None);
    }

    #[test]
    fn the_file_a_transfer_tool_writes() {
        let out = |words: &[&str], short, long| {
            let items: Vec<ArgvItem<'_>> = words.iter().map(|w| ArgvItem::Word(w)).collect();
            transfer_output(&items, short, long).and_then(ArgvItem::word).map(str::to_string)
        };
        assert_eq!(out(&["-sSLo", "/tmp/u", "U"], 'o', "--output").as_deref(), Some("/tmp/u"));
        assert_eq!(out(&["U", "--output=/tmp/u"], 'o', "--output").as_deref(), Some("/tmp/u"));
        assert_eq!(out(&["-o/tmp/u", "U"], 'o', "--output").as_deref(), Some("/tmp/u"));
        assert_eq!(out(&["-qO", "-", "U"], 'O', "--output-document"), None);
        assert_eq!(out(&["-s", "U"], 'o', "--output"), None);
        // The address may be a name: it is passed over.
        let items = [ArgvItem::Other, ArgvItem::Word("-o"), ArgvItem::Word("/tmp/x")];
        assert_eq!(
            transfer_output(&items, 'o', "--output").and_then(ArgvItem::word),
            Some("/tmp/x")
        );
    }

    #[test]
    fn the_commands_a_command_line_runs() {
        assert_eq!(shell_commands("gh auth token"), ["gh auth token"]);
        assert_eq!(
            shell_commands("cd /tmp && gh auth token"),
            ["cd /tmp && gh auth token", "cd /tmp", "gh auth token"]
        );
        assert_eq!(
            shell_commands("bash -lc \"gh auth token | base64\""),
            ["bash -lc \"gh auth token | base64\"", "gh auth token", "base64"]
        );
        assert_eq!(
            shell_commands("cmd /c az account get-access-token"),
            ["cmd /c az account get-access-token", "az account get-access-token"]
        );
        assert_eq!(shell_commands("git log -1"), ["git log -1"]);
    }

    #[test]
    fn a_boolean_operation_gives_the_operand_python_would() {
        use ast::BoolOp::{And, Or};
        let s = |t: &str| Some(Const::Str(Text::Owned(t.to_string())));
        let fold = |op, operands: Vec<Option<Const<'static>>>| {
            let mut f = BoolFold::Open;
            for o in &operands {
                f = f.next(op, o.as_ref());
            }
            f.result().and_then(|c| c.as_str().map(str::to_string))
        };
        assert_eq!(fold(Or, vec![s("ncat"), s("nc")]).as_deref(), Some("ncat"));
        assert_eq!(fold(Or, vec![s(""), s("nc")]).as_deref(), Some("nc"));
        assert_eq!(fold(And, vec![s("git"), s("x")]).as_deref(), Some("x"));
        assert_eq!(fold(And, vec![s(""), None]).as_deref(), Some(""));
        // An operand that does not fold before the value is known: not known.
        assert_eq!(fold(Or, vec![None, s("nc")]), None);
        assert_eq!(fold(Or, vec![s(""), None]), None);
        // Once given, what follows does not matter.
        assert_eq!(fold(Or, vec![s("a"), None]).as_deref(), Some("a"));
    }

    #[test]
    fn a_long_chain_of_calls_keeps_its_ends_and_every_mark() {
        let function = |i: usize| Frame::Function(Name::from(format!("f{i}")));
        let mut frames = vec![Frame::CalledByEntry, Frame::Class(Rc::from(Vec::<QName>::new()))];
        frames.extend((0..1000).map(function));
        frames.push(Frame::Assert);
        frames.extend((1000..2000).map(function));
        frames.push(Frame::CalledAtImport);
        let kept = bounded_frames(frames);
        assert!(kept.len() <= MAX_CALL_FRAMES, "{}", kept.len());
        let name = |f: &Frame<'_>| match f {
            Frame::Function(n) => Some(n.to_string()),
            _ => None,
        };
        // The outermost functions and the innermost one stay, in order.
        assert_eq!(name(&kept[2]).as_deref(), Some("f0"));
        assert_eq!(kept.iter().rev().find_map(name).as_deref(), Some("f1999"));
        // The marks stay wherever they were: the entry's and import time's at the ends, the
        // assert from the middle.
        assert!(matches!(kept[0], Frame::CalledByEntry));
        assert!(matches!(kept[1], Frame::Class(_)));
        assert!(matches!(kept.last(), Some(Frame::CalledAtImport)));
        assert!(kept.iter().any(|f| matches!(f, Frame::Assert)));
        assert!(crate::matchers::runs_at_import(&kept));
        // A short chain is left as it is.
        let short: Vec<Frame<'_>> = (0..10).map(function).collect();
        assert_eq!(bounded_frames(short).len(), 10);
    }

    #[test]
    fn a_path_written_beside_an_unknown_entry_is_its_one_file_or_the_entry() {
        let set = |texts: &[&str]| {
            let mut v = ValueSet::default();
            for t in texts {
                v.push(Value::Path(Rc::from(*t)));
            }
            v
        };
        let one = set(&["/t/loot/?", "/t/loot/key.txt"]);
        assert_eq!(written_beside_unknown(&one), Some("/t/loot/key.txt"));
        let several = set(&["/t/loot/?", "/t/loot/a.txt", "/t/loot/b.txt"]);
        assert_eq!(written_beside_unknown(&several), Some("/t/loot/?"));
        assert_eq!(written_beside_unknown(&set(&["/t/loot/?"])), Some("/t/loot/?"));
        // Not one directory, a listing's entries, or no entry not known: no file.
        assert_eq!(written_beside_unknown(&set(&["/t/loot/?", "/u/key.txt"])), None);
        assert_eq!(written_beside_unknown(&set(&["/t/loot/?", "/t/loot/*"])), None);
        assert_eq!(written_beside_unknown(&set(&["/t/a.txt", "/t/b.txt"])), None);
        assert_eq!(written_beside_unknown(&set(&["/t/**/?"])), None);
    }

    #[test]
    fn builtin_exceptions_are_the_builtins_own() {
        for q in ["builtins.ValueError", "builtins.KeyboardInterrupt", "builtins.StopIteration"] {
            assert!(is_builtin_exception(q), "{q}");
        }
        // A name that only ends like one, or one that is not the builtins'.
        for q in ["builtins.PayloadError", "builtins.RunException", "app.ValueError", "ValueError"]
        {
            assert!(!is_builtin_exception(q), "{q}");
        }
    }

    #[test]
    fn format_fields_skip_escaped_braces_and_read_nested_specs() {
        let fields = format_fields("{0.modules[os].system} {{literal}} {k[a:b]!r:>{w}} {}");
        assert_eq!(fields.as_slice(), ["0.modules[os].system", "k[a:b]", "w", ""]);
        assert!(format_fields("{{0.x}}").is_empty());
    }

    #[test]
    fn field_paths_are_found_without_parsing() {
        assert!(has_field_path("{0.modules[os].system}"));
        assert!(has_field_path("{:>{w.x}}"));
        assert!(!has_field_path("{}. {:.2f} {{0.x}} {k!r}."));
    }

    #[test]
    fn field_paths_take_attributes_indexes_and_keys() {
        let path = field_path(".modules[os].system[0]").unwrap_or_default();
        assert_eq!(
            path.as_slice(),
            [
                FieldPart::Attr("modules"),
                FieldPart::Key("os"),
                FieldPart::Attr("system"),
                FieldPart::Index(0)
            ]
        );
        assert!(field_path("").is_some_and(|p| p.is_empty()));
        assert!(field_path(".").is_none());
        assert!(field_path("[os").is_none());
        assert!(field_path("x").is_none());
    }
}
