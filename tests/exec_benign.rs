//! Benign programs run unchanged: the same standard output, standard error and exit status as
//! plain `python3` running the same file.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

use crate::exec_support::{
    GENERATOR_PACKAGE, Scratch, TREE_PACKAGE, python, run, stderr, stdout, venv_with_installed,
};

/// Runs `code` with plain python and with pysbx, each started in the script's directory (for
/// python a copy of it, since the program may change it; for pysbx the directory itself, which
/// the sandbox shows copy-on-write), and compares everything.
/// `err` without pysbx's lines for what the gate found in the script and the modules beside it
/// (what it reports): pysbx's, not the program's. Only those are left out.
/// pysbx writes them as the program starts, on the same standard error: one may land after a
/// prompt the program wrote without a newline (`Password: `), so a note is taken out wherever
/// it starts, up to its own newline, and the program's text around it is kept as it was.
fn without_own_findings(err: &str, script: &std::path::Path) -> String {
    // The gate's notes on the script and on the modules beside it that it imports.
    let dir = script.parent().unwrap_or(script);
    let own = format!("pysbx: {}/", dir.display());
    let mut out = String::with_capacity(err.len());
    let mut rest = err;
    while let Some(at) = rest.find(&own) {
        let note_end = rest[at..].find('\n').map_or(rest.len(), |n| at + n + 1);
        let note = &rest[at..note_end];
        out.push_str(&rest[..at]);
        if !note.contains(": gate [PSB") {
            out.push_str(note);
        }
        rest = &rest[note_end..];
    }
    out.push_str(rest);
    out
}

/// Runs the program under `python3` (in a directory of its own, with the same files) and under
/// `pysbx exec`: its path, then both outputs.
fn beside_python(
    name: &str,
    code: impl AsRef<[u8]>,
    args: &[&str],
    files: &[(&str, &str)],
) -> (std::path::PathBuf, std::process::Output, std::process::Output) {
    let s = Scratch::new();
    let script = s.write_bytes(&format!("{name}.py"), code.as_ref());
    for (f, content) in files {
        s.write(f, content);
    }
    let plain_cwd = tempfile::tempdir().expect("test setup");
    std::fs::write(plain_cwd.path().join(format!("{name}.py")), code.as_ref()).expect("test setup");
    for (f, content) in files {
        let path = plain_cwd.path().join(f);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("test setup");
        }
        std::fs::write(path, content).expect("test setup");
    }
    // Its temporary files go where they are removed with the test, as the sandbox's are.
    let plain_tmp = tempfile::tempdir().expect("test setup");
    let plain = Command::new(python())
        .arg(&script)
        .args(args)
        .current_dir(plain_cwd.path())
        .env_clear()
        .env("LANG", "C.UTF-8")
        .env("TMPDIR", plain_tmp.path())
        .stdin(Stdio::null())
        .output()
        .expect("test setup");
    let sandboxed = run(s.exec().arg(&script).arg("--").args(args));
    (script, plain, sandboxed)
}

/// Plain `python3` with `args` in `dir`, with the clean environment the sandbox gives.
fn python_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(python())
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("LANG", "C.UTF-8")
        .output()
        .expect("test setup")
}

fn same_as_python(name: &str, code: impl AsRef<[u8]>, args: &[&str], files: &[(&str, &str)]) {
    let (script, plain, sandboxed) = beside_python(name, code, args, files);
    // Paths of the working directory differ by design; the programs below print none.
    assert_eq!(
        stdout(&sandboxed),
        stdout(&plain),
        "{name}: stdout differs; stderr:\n{}",
        stderr(&sandboxed)
    );
    assert_eq!(
        without_own_findings(&stderr(&sandboxed), &script),
        stderr(&plain),
        "{name}: stderr differs"
    );
    assert_eq!(sandboxed.status.code(), plain.status.code(), "{name}: exit status differs");
    assert!(!stdout(&plain).is_empty() || !stderr(&plain).is_empty(), "{name} printed nothing");
}

#[test]
fn own_findings_are_taken_out_wherever_they_land() {
    let script = std::path::Path::new("/s/p.py");
    let note =
        "pysbx: /s/p.py:16: gate [PSB504] `os.open` writes, moves or copies files; reported\n";
    let err =
        format!("{note}Warning: echoed.\nPassword: {note}after\npysbx: /s/p.py:3: violation\n");
    assert_eq!(
        without_own_findings(&err, script),
        "Warning: echoed.\nPassword: after\npysbx: /s/p.py:3: violation\n"
    );
}

/// A command's stdout and stderr read from one pipe, as `2>&1 | tee log` reads them.
fn through_one_pipe(cmd: &mut Command) -> (std::process::ExitStatus, String) {
    let (mut reader, writer) = std::io::pipe().expect("test setup");
    cmd.stdin(Stdio::null()).stdout(writer.try_clone().expect("test setup")).stderr(writer);
    let mut child = cmd.spawn().expect("test setup");
    // The parent's copies of the writing end go with the command, so the read ends.
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let mut text = String::new();
    std::io::Read::read_to_string(&mut reader, &mut text).expect("test setup");
    (child.wait().expect("test setup"), text)
}

/// The interpreter flushes what the program printed before it shows an exception nobody
/// caught, or a `SystemExit`'s message, so with both streams in one pipe the program's lines
/// come first; the sandbox keeps that order, and the text itself, exit status included.
#[test]
fn printed_lines_come_before_an_uncaught_exception_as_under_python() {
    let printing = "import sys\nprint('before')\nsys.stderr.write('warned\\n')\nprint('after')\n";
    let ends = [
        ("def fail(x):\n    return 1 / x\nfail(0)\n", 1, "ZeroDivisionError: division by zero\n"),
        ("raise SystemExit('fatal: no input')\n", 1, "after\nfatal: no input\n"),
        ("raise KeyboardInterrupt\n", 130, "KeyboardInterrupt\n"),
    ];
    for (end, status, last) in ends {
        let s = Scratch::new();
        let script = s.write("ordered.py", &format!("{printing}{end}"));
        let plain_cwd = tempfile::tempdir().expect("test setup");
        let plain = through_one_pipe(
            Command::new(python())
                .arg(&script)
                .current_dir(plain_cwd.path())
                .env_clear()
                .env("LANG", "C.UTF-8"),
        );
        let sandboxed = through_one_pipe(s.exec().arg(&script));
        // A shell's view of the status: python dies of SIGINT, pysbx exits with 130 for it
        // (see sandbox.md).
        let shown = |s: std::process::ExitStatus| s.code().or(s.signal().map(|n| 128 + n));
        assert_eq!(shown(plain.0), Some(status), "{}", plain.1);
        assert!(plain.1.starts_with("warned\nbefore\nafter\n"), "{}", plain.1);
        assert!(plain.1.ends_with(last), "{}", plain.1);
        assert_eq!(shown(sandboxed.0), Some(status), "{}", sandboxed.1);
        assert_eq!(sandboxed.1, plain.1);
    }
}

#[test]
fn stdlib_heavy() {
    let code = r#"
import json, re, collections, datetime, hashlib, itertools, functools, decimal, fractions
import statistics, textwrap, string, heapq, bisect, dataclasses, enum, typing, csv, io, base64
@dataclasses.dataclass
class P:
    x: int
    y: int = 2
class Color(enum.Enum):
    RED = 1
Point = collections.namedtuple("Point", "a b")
print(json.dumps({"p": dataclasses.asdict(P(1)), "c": Color.RED.name, "n": Point(1, 2)._asdict()}, sort_keys=True))
print(re.sub(r"(\d+)", lambda m: str(int(m.group(1)) * 2), "a1 b22 c333"))
print(hashlib.sha256(b"pysbx").hexdigest())
print(list(itertools.islice(itertools.count(7, 3), 5)), functools.reduce(lambda a, b: a * b, range(1, 10)))
print(decimal.Decimal("1.1") + decimal.Decimal("2.2"), fractions.Fraction(3, 9), statistics.mean([1, 2, 3, 4]))
print(datetime.date(2024, 2, 29).isoformat(), textwrap.fill("word " * 20, 30))
buf = io.StringIO()
csv.writer(buf).writerows([[1, "a"], [2, "b"]])
print(buf.getvalue().strip(), base64.b64encode(b"x" * 10).decode())
print(heapq.nsmallest(3, [5, 1, 4, 2, 3]), bisect.bisect([1, 3, 5], 4), string.ascii_lowercase[:5])
print(typing.get_type_hints(P))
"#;
    same_as_python("stdlib", code, &[], &[]);
}

#[test]
fn a_plugin_registry_of_its_own_classes() {
    // The program's own plain classes list their subclasses; the rule reports the walk only
    // where the class could be anything (a parameter, a class it imports), and the sandbox's
    // gate hands those to the guard's checked walk.
    let code = r#"
class Exporter:
    def export(self, rows):
        raise NotImplementedError
class CsvExporter(Exporter):
    def export(self, rows):
        return "\n".join(",".join(map(str, r)) for r in rows)
class TsvExporter(Exporter, object):
    def export(self, rows):
        return "\n".join("\t".join(map(str, r)) for r in rows)
class PipeExporter(CsvExporter):
    def export(self, rows):
        return super().export(rows).replace(",", "|")
registry = {c.__name__: c for c in Exporter.__subclasses__()}
print(sorted(registry), [c.__name__ for c in CsvExporter.__subclasses__()])
for name in sorted(registry):
    print(name, registry[name]().export([[1, 2], [3, 4]]).splitlines())
"#;
    same_as_python("registry", code, &[], &[]);
    // Abstract bases, dataclasses, enums and `metaclass=ABCMeta`: the standard library makes
    // these classes as written, so their registries are the program's own too.
    let code = r#"
import abc, dataclasses, enum
class Codec(abc.ABC):
    @abc.abstractmethod
    def encode(self, text): ...
class Upper(Codec):
    def encode(self, text):
        return text.upper()
class Lower(Codec):
    def encode(self, text):
        return text.lower()
@dataclasses.dataclass
class Event:
    name: str
@dataclasses.dataclass
class Click(Event):
    x: int = 0
class Handler(metaclass=abc.ABCMeta):
    pass
class Printer(Handler):
    pass
class Level(enum.IntEnum):
    LOW = 1
print(sorted(c.__name__ for c in Codec.__subclasses__()))
print([c().encode("Ab") for c in Codec.__subclasses__()])
print([c.__name__ for c in Event.__subclasses__()], [c.__name__ for c in Handler.__subclasses__()])
print(Level.__subclasses__())
"#;
    same_as_python("stdlib_registry", code, &[], &[]);
    // The recursive helper reads `__subclasses__` of a parameter, which could be any class:
    // the guard's checked walk gives this class's subclasses and refuses `object`'s, and the
    // program sees the refusal where it calls the helper.
    let s = Scratch::new();
    let script = s.write(
        "walk.py",
        "class A:\n    pass\nclass B(A):\n    pass\ndef subs(c):\n    return c.__subclasses__()\n\
         print(A.__subclasses__(), subs(A))\ntry:\n    subs(object)\nexcept PermissionError as e:\n    print('refused', 'PSB701' in str(e))\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(
        stdout(&out),
        "[<class '__main__.B'>] [<class '__main__.B'>]\nrefused True\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn modules_loaded_from_files_by_path() {
    // Plugins loaded by path (`spec_from_file_location`, `module_from_spec`, `exec_module`)
    // run as under Python, through the import gate as imported modules do: a plugin's
    // `os.system` meets the gate's stub under the default policy. A directory that exists
    // already fails `mkdir` with FileExistsError, as under Python.
    let plugin_loader = r#"
import importlib.util, os, pathlib
here = pathlib.Path(__file__).parent
loaded = []
for path in sorted((here / "plugins").glob("*.py")):
    spec = importlib.util.spec_from_file_location("plugins." + path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    loaded.append((path.stem, mod.run(2)))
print(loaded)
try:
    os.mkdir(here / "plugins")
except FileExistsError:
    print("exists")
"#;
    same_as_python(
        "plugin_loader",
        plugin_loader,
        &[],
        &[
            ("plugins/alpha.py", "def run(x):\n    return x * 10\n"),
            ("plugins/beta.py", "def run(x):\n    return x + 1\n"),
        ],
    );
    let s = Scratch::new();
    s.write("plugins/alpha.py", "def run(x):\n    return x * 10\n");
    s.write(
        "plugins/shell.py",
        "import os\ndef run(x):\n    try:\n        return os.system('true')\n    except PermissionError:\n        return 'refused'\n",
    );
    let script = s.write("loader.py", plugin_loader);
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "[('alpha', 20), ('shell', 'refused')]\nexists\n", "{}", stderr(&out));
    assert!(stderr(&out).contains("shell.py:4: gate [PSB"), "{}", stderr(&out));
}

#[test]
fn signature_checks_on_a_functions_code() {
    // numpy's dispatch decorator compares each implementation's arguments with its
    // dispatcher's through `__code__` at import, and `jinja2` keeps its own functions' code in
    // a set: a program that does either runs as under Python.
    let program = r#"
INTERNAL = set()

def internal(f):
    INTERNAL.add(f.__code__.co_name)
    return f

@internal
def _args(f):
    code = f.__code__
    return code.co_varnames[:code.co_argcount], f.__defaults__

def with_dispatcher(dispatcher):
    def decorator(impl):
        if _args(impl) != _args(dispatcher):
            raise RuntimeError("%s differs from its dispatcher" % impl.__code__.co_name)
        return impl
    return decorator

@with_dispatcher(lambda a, axis=None: (a,))
def total(a, axis=None):
    return sum(a)

print(total([1, 2, 3]), INTERNAL)
try:
    @with_dispatcher(lambda a: (a,))
    def mean(a, axis=None):
        return sum(a) / len(a)
except RuntimeError as e:
    print("mismatch:", e)
"#;
    same_as_python("signatures", program, &[], &[]);
}

#[test]
fn a_class_walks_its_own_subclasses() {
    // matplotlib fills its artists' docstrings at import from the subclasses of `Artist`,
    // found by a helper that walks `cls.__subclasses__()` of its parameter: the gate hands the
    // walk to the guard's checked one, which gives any class's subclasses but the roots'.
    let program = r#"
class Artist:
    pass
class Line(Artist):
    pass
class Dashed(Line):
    pass
class Text(Artist):
    pass

def recursive_subclasses(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from recursive_subclasses(sub)

print(sorted(c.__name__ for c in recursive_subclasses(Artist)))
print([c.__name__ for c in Line.__subclasses__()], Dashed.__subclasses__())
"#;
    same_as_python("subclass_walk", program, &[], &[]);
}

#[test]
fn a_lazy_importer_reads_its_callers_globals_and_syntax_tree() {
    // anyio installs its lazy importer in the globals of the module that calls it
    // (`sys._getframe(1).f_globals`) and reads that module's syntax tree (`compile(...,
    // ast.PyCF_ONLY_AST)`): the gate hands both to the guard, which gives the globals of a
    // frame of the program's and parses with `ast.parse`.
    let program = r#"
import ast, sys

def install():
    module_globals = sys._getframe(1).f_globals
    module_globals["INSTALLED_IN"] = module_globals["__name__"]
    with open(module_globals["__file__"]) as f:
        tree = compile(f.read(), module_globals["__file__"], "exec", ast.PyCF_ONLY_AST)
    return sorted(n.name for n in tree.body if isinstance(n, ast.FunctionDef))

def helper():
    pass

print(install(), INSTALLED_IN, sys._getframe().f_globals is globals())
"#;
    same_as_python("lazy_importer", program, &[], &[]);
}

#[test]
fn creating_what_exists_fails_as_under_python() {
    // `mkdir`, `symlink` and `link` onto a path that exists fail with FileExistsError, also
    // where the program may not write (its own script's directory): code that catches that
    // error goes on as under Python.
    let code = r#"
import os
me = os.path.abspath(__file__)
for label, make in (("mkdir", lambda: os.mkdir(os.path.dirname(me))),
                    ("symlink", lambda: os.symlink("elsewhere", me)),
                    ("link", lambda: os.link(me, me))):
    try:
        make()
        print(label, "made")
    except FileExistsError:
        print(label, "exists")
"#;
    same_as_python("exists", code, &[], &[]);
    // Where the program may write, the guard's checks still come first: a symlink to a place
    // outside the policy is refused even onto a name that exists (were the name removed by
    // another thread before the call, the link would be made).
    let s = Scratch::new();
    let script = s.write(
        "link.py",
        "import os\nopen('there.txt', 'w').close()\ntry:\n    os.symlink('/etc/shadow', 'there.txt')\n\
         except FileExistsError:\n    print('exists')\nexcept PermissionError:\n    print('refused')\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "refused\n", "{}", stderr(&out));
}

#[test]
fn string_annotations_are_evaluated() {
    // `from __future__ import annotations` makes every annotation a string, which
    // `typing.get_type_hints`, `functools.singledispatch` and `inspect.get_annotations` evaluate:
    // type expressions call nothing and run under the default policy.
    let code = r#"
from __future__ import annotations
import functools, inspect, typing
@functools.singledispatch
def describe(x):
    return "object"
@describe.register
def _(x: int):
    return "int"
@describe.register
def _(x: list[str] | None):
    return "list"
class Point:
    x: int
    tags: dict[str, typing.Optional[tuple[int, ...]]]
    hook: typing.Callable[[int], str]
    mode: typing.Literal["a", "b"]
def f(a: Point, b: "list[Point]") -> None:
    pass
print(describe(1), describe([]), describe("s"))
print(typing.get_type_hints(Point))
print(typing.get_type_hints(f), inspect.get_annotations(f, eval_str=True))
"#;
    same_as_python("annotations", code, &[], &[]);
}

#[test]
fn threads() {
    let code = "import threading, queue\nq = queue.Queue()\ndef work(i):\n    q.put(i * i)\nts = [threading.Thread(target=work, args=(i,)) for i in range(8)]\nfor t in ts: t.start()\nfor t in ts: t.join()\nprint(sorted(q.get() for _ in range(8)))\n";
    same_as_python("threads", code, &[], &[]);
}

#[test]
fn tempfile_use() {
    let code = "import tempfile, os\nwith tempfile.TemporaryDirectory() as d:\n    p = os.path.join(d, 'x.txt')\n    open(p, 'w').write('hello tmp')\n    print(open(p).read())\nwith tempfile.NamedTemporaryFile('w+') as f:\n    f.write('named')\n    f.seek(0)\n    print(f.read())\n";
    same_as_python("tmp", code, &[], &[]);
}

#[test]
fn tracebacks() {
    let code = "def inner(x):\n    return 1 / x\ndef outer():\n    return inner(0)\nprint('before')\nouter()\n";
    same_as_python("tb", code, &[], &[]);
}

#[test]
fn logging_to_stderr() {
    let code = "import logging\nlogging.basicConfig(level=logging.INFO, format='%(levelname)s:%(name)s:%(message)s')\nlog = logging.getLogger('app')\nlog.info('started')\nlog.warning('careful %d', 3)\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('failed')\n";
    same_as_python("logging_demo", code, &[], &[]);
}

#[test]
fn writes_in_working_directory() {
    let code = "import os, json\nwith open('out.json', 'w') as f:\n    json.dump({'a': 1}, f)\nos.mkdir('sub')\nopen('sub/x', 'w').write('y')\nos.rename('sub/x', 'sub/z')\nprint(open('out.json').read(), sorted(os.listdir('.')), os.listdir('sub'))\n";
    same_as_python("writes", code, &[], &[]);
}

#[test]
fn reads_files_beside_the_script() {
    let code = "import os\nhere = os.path.dirname(os.path.abspath(__file__))\nprint(open(os.path.join(here, 'data.txt')).read().upper())\nimport helper\nprint(helper.twice(21))\n";
    same_as_python(
        "beside",
        code,
        &[],
        &[("data.txt", "some data\n"), ("helper.py", "def twice(x):\n    return 2 * x\n")],
    );
}

#[test]
fn argparse_and_exit_status() {
    let code = "import argparse, sys\np = argparse.ArgumentParser(prog='tool')\np.add_argument('--n', type=int, default=1)\np.add_argument('words', nargs='*')\na = p.parse_args()\nprint(a.n, a.words, sys.argv[1:], sys.orig_argv[2:])\nsys.exit(a.n)\n";
    same_as_python("argparse_demo", code, &["--n", "3", "x", "y"], &[]);
}

/// A library that imports a few modules by looping over their names (as requests' `packages`
/// module does) passes the gate unchanged: the names are constants, each checked like an
/// import. (The gate still reports `__import__` and `sys.modules` as audit markers on standard
/// error, so only the program's output and status are compared.)
#[test]
fn imports_by_constant_names_in_a_loop() {
    let s = Scratch::new();
    s.write(
        "compat.py",
        "import sys\nfor package in ('json', 'csv'):\n    locals()[package] = __import__(package)\n    \
         sys.modules['compat.' + package] = sys.modules[package]\n",
    );
    let script =
        s.write("main.py", "import compat\nprint(compat.json.dumps([1]), compat.csv.QUOTE_ALL)\n");
    let plain = Command::new(python())
        .arg(&script)
        .env_clear()
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .expect("test setup");
    let sandboxed = run(s.exec().arg(&script));
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{}", stderr(&sandboxed));
    assert_eq!(stdout(&plain), "[1] 1\n");
    assert_eq!(sandboxed.status.code(), Some(0), "{}", stderr(&sandboxed));
    assert!(!stderr(&sandboxed).contains("PSB802"), "{}", stderr(&sandboxed));
}

#[test]
fn imports_by_names_known_only_at_run_time() {
    // `__import__` of a name computed at run time (six's moved modules, plugin lists read from a
    // file) runs under the default policy: the module goes through the import gate like any
    // other, so what the policy refuses is refused by module, and what the program calls on a
    // module it imported so meets the guard as usual.
    let lazy = r#"
import pathlib
names = (pathlib.Path(__file__).parent / "wanted.txt").read_text().split()
mods = [__import__(n) for n in names]
print([m.__name__ for m in mods], mods[0].dumps({"a": 1}))
"#;
    same_as_python("lazy", lazy, &[], &[("wanted.txt", "json collections.abc\n")]);
    let s = Scratch::new();
    s.write("wanted.txt", "ctypes os\n");
    let script = s.write(
        "main.py",
        r#"
import pathlib
names = (pathlib.Path(__file__).parent / "wanted.txt").read_text().split()
for n in names:
    try:
        m = __import__(n)
        print("imported", n)
    except ImportError as e:
        print("refused", n, type(e).__name__)
try:
    __import__(names[1]).system("true")
    print("ran")
except PermissionError:
    print("refused system")
"#,
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(
        stdout(&out),
        "refused ctypes ImportRefused\nimported os\nrefused system\n",
        "{}",
        stderr(&out)
    );
    // The guard refused what the policy refuses; the gate stubbed nothing (a stub of the
    // computed `__import__` would have refused `os` too).
    assert!(stderr(&out).contains("importing ctypes is not allowed"), "{}", stderr(&out));
    assert!(stderr(&out).contains("os.system is not allowed"), "{}", stderr(&out));
}

#[test]
fn a_refused_import_takes_the_programs_fallback_for_a_missing_module() {
    // colorama's start: `ctypes.WinDLL` is missing on Linux (AttributeError), and under the
    // default policy `ctypes` is a module the program may not have (ImportError): either way
    // the handler runs. A blocked object in its place raised PermissionError at `from ctypes
    // import ...`, past the handler, and every program importing colorama (jedi, IPython's
    // completer) ended there.
    same_as_python(
        "fallback",
        r#"
import contextlib
try:
    import ctypes
    from ctypes import LibraryLoader
    windll = LibraryLoader(ctypes.WinDLL)
except (AttributeError, ImportError):
    windll = None
print("windll", windll)
try:
    import _ctypes as native
    native.FUNCFLAG_CDECL
except Exception:
    native = None
print("done")
"#,
        &[],
        &[],
    );
    // Raised past the handler, the refusal ends the run as a violation.
    let s = Scratch::new();
    let script = s.write(
        "again.py",
        "try:\n    import ctypes\nexcept ModuleNotFoundError:\n    print('missing')\n    raise\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "missing\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(stderr(&out).contains("PysbxBlockedImport: PSB301"), "{}", stderr(&out));
}

#[test]
fn a_script_in_a_dos_code_page() {
    // cp437, the DOS console's code page: `\x82` is `é`, `\xe1` is `ß`; Python reads the file in
    // it, and so must the gate.
    same_as_python(
        "dos",
        b"# -*- coding: cp437 -*-\nname = 'caf\x82 Stra\xe1e'\nprint(name, len(name), ascii(name))\n"
            .as_slice(),
        &[],
        &[],
    );
}

/// Packages read their own version from installed metadata at import (`importlib.metadata`),
/// which asks the import system's path finder, the one the import gate stands in for.
#[test]
fn installed_package_metadata() {
    let code = r#"
import importlib.metadata as md
names = sorted({d.metadata["Name"].lower() for d in md.distributions() if d.metadata["Name"]})
print(len(names) > 0, names[:5])
first = names[0]
print(first, md.version(first) == md.distribution(first).version)
"#;
    // The comparison proves something only where plain Python finds packages.
    let plain = Command::new(python()).args(["-c", code]).output().expect("test setup");
    assert!(stdout(&plain).starts_with("True ["), "{}{}", stdout(&plain), stderr(&plain));
    same_as_python("installed_package_metadata", code, &[], &[]);
}

/// Python puts the directory of a script's real path first on `sys.path`: a script run through
/// a link imports the modules beside its target.
#[test]
fn a_linked_script_imports_beside_its_target() {
    let s = Scratch::new();
    s.write("real/sib.py", "VALUE = 41\n");
    let target = s.write("real/main.py", "import sib\nprint('ok', sib.VALUE + 1)\n");
    std::fs::create_dir_all(s.path().join("bin")).expect("test setup");
    let link = s.path().join("bin/main.py");
    std::os::unix::fs::symlink(&target, &link).expect("test setup");
    let plain = Command::new(python()).arg(&link).output().expect("test setup");
    let sandboxed = run(s.exec().arg(&link));
    assert_eq!(stdout(&plain), "ok 42\n", "{}", stderr(&plain));
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{}", stderr(&sandboxed));
    assert_eq!(sandboxed.status.code(), Some(0));
}

/// A module Python cannot parse raises Python's SyntaxError on import, not a refusal: code
/// that catches it (optional plugins, version probes) keeps working. (The traceback of an
/// uncaught one also shows the import system's frames, which Python trims.)
#[test]
fn an_unparsable_module_raises_syntax_error() {
    let s = Scratch::new();
    s.write("broken_plugin.py", "x = 1\ny = (2,\n");
    let code = "try:\n    import broken_plugin\nexcept SyntaxError as e:\n    print('skipped', type(e).__name__, e.msg, e.lineno)\nimport broken_plugin\n";
    let script = s.write("uses_plugin.py", code);
    let plain = Command::new(python()).arg(&script).output().expect("test setup");
    let sandboxed = run(s.exec().arg(&script));
    assert_eq!(stdout(&plain), "skipped SyntaxError '(' was never closed 2\n");
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{}", stderr(&sandboxed));
    assert_eq!(sandboxed.status.code(), plain.status.code());
    let tail = |text: String| text.lines().rev().take(4).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(tail(stderr(&sandboxed)), tail(stderr(&plain)));
}

/// Code that looks its own user up in the password database (`pwd.getpwuid(os.getuid())`,
/// `getpass.getuser()` when USER and LOGNAME are unset) finds an entry, as it does under
/// plain Python: the sandbox uid has none of its own.
#[test]
fn the_own_user_has_a_password_entry() {
    let code = r#"
import getpass, os, pwd
me = pwd.getpwuid(os.getuid())
print(me.pw_uid == os.getuid(), me.pw_gid == os.getgid(), bool(me.pw_name))
print(pwd.getpwnam(me.pw_name).pw_uid == os.getuid())
print(any(e.pw_uid == os.getuid() for e in pwd.getpwall()))
for name in ("USER", "LOGNAME", "LNAME", "USERNAME"):
    os.environ.pop(name, None)
print(getpass.getuser() == me.pw_name)
unused = next(u for u in range(2**31 - 2, 2**31 - 100, -1) if u != os.getuid())
try:
    pwd.getpwuid(unused)
except KeyError:
    print("no entry for others")
import grp
mine = grp.getgrgid(os.getgid())
print(mine.gr_gid == os.getgid(), grp.getgrnam(mine.gr_name).gr_gid == os.getgid(),
      any(e.gr_gid == os.getgid() for e in grp.getgrall()))
# Root owns the interpreter's files (`Path(os.__file__).owner()`).
print(pwd.getpwuid(0).pw_name, grp.getgrgid(0).gr_name)
"#;
    let plain = Command::new(python()).args(["-c", code]).output().expect("test setup");
    assert_eq!(
        stdout(&plain),
        "True True True\nTrue\nTrue\nTrue\nno entry for others\nTrue True True\nroot root\n",
        "{}",
        stderr(&plain)
    );
    same_as_python("the_own_user_has_a_password_entry", code, &[], &[]);
    // And the entry is the sandbox's own account, whose home is the working directory.
    let s = Scratch::new();
    let out = run(s.exec().args([
        "-c",
        "import os, pwd; e = pwd.getpwuid(os.getuid()); print(e.pw_name, e.pw_dir == os.environ['HOME'] == os.getcwd())",
    ]));
    assert_eq!(stdout(&out), "pysbx True\n", "{}", stderr(&out));
}

/// A program that signals itself ends as under python when the signal's default action ends
/// a process (were the interpreter its pid namespace's init, the kernel would shield it: stage
/// B stays behind as that init), and goes on when it handles or ignores the signal: also a
/// signal raised from C, which no facade of the guard's sees (`os.abort()`, a thread's
/// `signal.pthread_kill`).
#[test]
fn a_signal_the_program_sends_itself() {
    let cases = [
        ("os.kill(os.getpid(), signal.SIGTERM)", Some(15)),
        ("signal.raise_signal(signal.SIGUSR1)", Some(10)),
        ("os.kill(os.getpid(), signal.SIGKILL)", Some(9)),
        (
            "signal.signal(signal.SIGTERM, lambda *a: print('handled')); os.kill(os.getpid(), signal.SIGTERM)",
            None,
        ),
        (
            "signal.signal(signal.SIGUSR2, signal.SIG_IGN); signal.raise_signal(signal.SIGUSR2)",
            None,
        ),
        ("os.kill(os.getpid(), signal.SIGCHLD)", None),
        ("os.abort()", Some(6)),
        (
            "signal.pthread_kill(__import__('threading').main_thread().ident, signal.SIGUSR1)",
            Some(10),
        ),
        (
            "__import__('threading').Thread(target=signal.pthread_kill, args=(__import__('threading').main_thread().ident, signal.SIGTERM)).start(); __import__('time').sleep(2)",
            Some(15),
        ),
    ];
    for (call, ends_by) in cases {
        let code =
            format!("import os, signal\nprint('before', flush=True)\n{call}\nprint('after')\n");
        ends_as_under_python(call, &code, ends_by);
    }
}

/// Runs `code` (`-c`) with plain python, which `ends_by` that signal or by none, and with
/// pysbx, whose output must be the same and whose exit status is 128 + the signal (what a
/// shell shows for it) or python's own.
fn ends_as_under_python(call: &str, code: &str, ends_by: Option<i32>) {
    use std::os::unix::process::ExitStatusExt;
    let plain = Command::new(python()).args(["-c", code]).output().expect("test setup");
    assert_eq!(plain.status.signal(), ends_by, "{call}: plain python");
    let s = Scratch::new();
    let sandboxed = run(s.exec().args(["-c", code]));
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{call}: {}", stderr(&sandboxed));
    let expected = ends_by.map_or(plain.status.code(), |n| Some(128 + n));
    assert_eq!(sandboxed.status.code(), expected, "{call}: {}", stderr(&sandboxed));
}

/// A timer's signal with the default action ends the program as under Python (the kernel
/// would drop it for the namespace's init, were the interpreter that): `signal.alarm` as a
/// watchdog, also after the program resets SIG_DFL; a handler of the program's still runs.
#[test]
fn a_timer_signal_with_the_default_action() {
    let cases = [
        ("signal.alarm(1)", Some(14)),
        (
            "print(signal.signal(signal.SIGALRM, signal.SIG_DFL), signal.getsignal(signal.SIGALRM), flush=True); signal.alarm(1)",
            Some(14),
        ),
        ("signal.setitimer(signal.ITIMER_REAL, 0.2)", Some(14)),
        ("signal.signal(signal.SIGALRM, lambda *a: print('handled')); signal.alarm(1)", None),
    ];
    for (call, ends_by) in cases {
        let code = format!(
            "import signal, time\nprint('before', flush=True)\n{call}\ntime.sleep(3)\nprint('after')\n"
        );
        ends_as_under_python(call, &code, ends_by);
    }
}

/// A program Python cannot parse fails as under python: Python's own SyntaxError (parsed, not
/// run, by the interpreter in the sandbox) and exit status 1, for a file and for `-c`; what
/// the static gate refuses for what the code does is still refused before it runs.
#[test]
fn an_unparsable_program_raises_syntax_error() {
    same_as_python("unparsable_program", "print('never')\nx = (1,\n", &[], &[]);
    same_as_python("unparsable_indent", "def f():\nreturn 1\n", &[], &[]);
    let code = "print('never')\nx = [1,\n";
    let plain = Command::new(python()).args(["-c", code]).output().expect("test setup");
    let s = Scratch::new();
    let sandboxed = run(s.exec().args(["-c", code]));
    assert_eq!(plain.status.code(), Some(1));
    assert_eq!(sandboxed.status.code(), Some(1), "{}", stderr(&sandboxed));
    assert_eq!(stdout(&sandboxed), "");
    assert_eq!(stderr(&sandboxed), stderr(&plain));
}

/// Temporary directories are private to their owner (`mktemp -d`, `tempfile`: mode 700), and a
/// umask of 077 makes files 600. A script kept in one still imports the modules beside it,
/// reads its own file and data beside it, and its tracebacks show their source lines: pysbx as
/// root lends the script's directory to the sandbox uid (read-only).
#[test]
fn a_script_in_a_private_directory() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("test setup");
    let private = |p: &std::path::Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("test setup");
    };
    private(dir.path(), 0o700);
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("test setup");
        private(&p, 0o600);
        p
    };
    write("helper.py", "def twice(x):\n    return 2 * x\n");
    write("data.txt", "forty-two\n");
    let script = write(
        "main.py",
        "import os, helper\nhere = os.path.dirname(os.path.abspath(__file__))\nprint(helper.twice(21), open(os.path.join(here, 'data.txt')).read().strip())\nprint(open(__file__).readline().strip())\nimport warnings\nwarnings.warn('careful')\ndef fail():\n    raise ValueError('bad')\nfail()\n",
    );
    let plain =
        Command::new(python()).arg(&script).env("LANG", "C.UTF-8").output().expect("test setup");
    assert_eq!(stdout(&plain), "42 forty-two\nimport os, helper\n", "{}", stderr(&plain));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
    cmd.args(["exec", "--no-config", "--python"]).arg(python()).arg(&script).env("LANG", "C.UTF-8");
    let sandboxed = run(cmd.stdin(Stdio::null()));
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{}", stderr(&sandboxed));
    // The warning and the traceback quote their source lines, as under plain Python.
    assert_eq!(stderr(&sandboxed), stderr(&plain));
    assert!(stderr(&plain).contains("    raise ValueError('bad')\n"), "{}", stderr(&plain));
    assert_eq!(sandboxed.status.code(), Some(1));
}

/// A program tidies its own files: deletes, renames, links and changes the permissions of what
/// it made in its working directory and TMPDIR (the sandbox confines these calls by path, so
/// the gate leaves them in place).
#[test]
fn housekeeping_of_its_own_files() {
    let code = r#"
import os, shutil, stat, tempfile
os.makedirs("build/sub", exist_ok=True)
with open("build/sub/a.txt", "w") as f:
    f.write("x")
os.chmod("build/sub/a.txt", 0o600)
print(oct(stat.S_IMODE(os.stat("build/sub/a.txt").st_mode)))
os.symlink("sub/a.txt", "build/link")
print(os.readlink("build/link"), open("build/link").read())
os.rename("build/sub/a.txt", "build/sub/b.txt")
os.unlink("build/link")
os.remove("build/sub/b.txt")
shutil.rmtree("build")
fd, path = tempfile.mkstemp()
os.close(fd)
os.truncate(path, 0)
os.remove(path)
print(os.path.exists("build"), os.path.exists(path))
"#;
    same_as_python("housekeeping", code, &[], &[]);
}

/// Stack walks show the program's frames only, as under python3: not the loader's nor the
/// runner's beneath them (`print_stack`, `extract_stack`, `format_stack`, logging's
/// `stack_info`, a thread's own stack).
#[test]
fn stack_walks_end_at_the_program() {
    let code = r#"
import logging, sys, threading, traceback
logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(message)s")
def inner():
    traceback.print_stack(file=sys.stdout)
    print([fs.name for fs in traceback.extract_stack()])
    print("".join(traceback.format_stack()).count("File "))
    logging.warning("with stack", stack_info=True)
inner()
t = threading.Thread(target=lambda: print([fs.name for fs in traceback.extract_stack()][-1:]))
t.start()
t.join()
traceback.print_stack()
"#;
    same_as_python("stack_walks", code, &[], &[]);
}

/// Files named `*.pyc` in the run's own TMPDIR are plain data to write, read and copy (a tree
/// with `__pycache__` copied with `shutil.copytree`): nothing there outlives the run or can be
/// imported without its source.
#[test]
fn compiled_file_names_in_the_private_temp_dir_are_data() {
    let code = r#"
import os, shutil, tempfile
d = tempfile.mkdtemp()
os.makedirs(os.path.join(d, "pkg", "__pycache__"))
with open(os.path.join(d, "pkg", "__pycache__", "m.cpython-311.pyc"), "wb") as f:
    f.write(b"not really compiled")
with open(os.path.join(d, "pkg", "m.py"), "w") as f:
    f.write("X = 1")
shutil.copytree(os.path.join(d, "pkg"), os.path.join(d, "copy"))
print(open(os.path.join(d, "copy", "__pycache__", "m.cpython-311.pyc"), "rb").read())
print(sorted(os.listdir(os.path.join(d, "copy", "__pycache__"))))
shutil.rmtree(d)
"#;
    same_as_python("pyc_data", code, &[], &[]);
}

/// A directory shipped beside the script is renamed in the working directory (its copy-on-write
/// view): overlayfs refuses that (EXDEV) unless it may record the rename in its upper layer.
#[test]
fn a_directory_beside_the_script_can_be_renamed() {
    let code = r#"
import os
os.rename("shipped", "moved")
print(sorted(os.listdir("moved")), os.path.exists("shipped"), open("moved/sub/x.txt").read())
os.rename("moved", "shipped")
print(sorted(os.listdir("shipped/sub")))
"#;
    same_as_python("rename_dir", code, &[], &[("shipped/sub/x.txt", "x"), ("shipped/y.txt", "y")]);
}

/// `multiprocessing`'s locks, events and semaphores live in `/dev/shm`: the sandbox has a
/// private one, so they work under the default policy (which runs no process), while the
/// host's `/dev/shm` stays out of sight and untouched.
#[test]
fn semaphores_in_a_private_dev_shm() {
    let marker =
        std::path::Path::new("/dev/shm").join(format!("pysbx-test-{}", std::process::id()));
    std::fs::write(&marker, "host").expect("test setup");
    let code = format!(
        r#"
import multiprocessing as mp, os
lock = mp.Lock()
with lock:
    sem = mp.BoundedSemaphore(2)
    sem.acquire(); sem.release()
    done = mp.Event(); done.set()
    print("event set:", done.is_set())
print("host file visible:", os.path.exists({marker:?}))
try:
    open("/dev/shm/planted", "w").write("x")
except PermissionError:
    pass
"#,
        marker = marker.display().to_string()
    );
    let s = Scratch::new();
    let script = s.write("shm.py", &code);
    let out = run(s.exec().arg(&script));
    let _ = std::fs::remove_file(&marker);
    assert_eq!(stdout(&out), "event set: True\nhost file visible: False\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !std::path::Path::new("/dev/shm/planted").exists(),
        "a file reached the host's /dev/shm"
    );
}

/// With processes granted, the standard library's process pools run as under plain Python:
/// their tasks, results and exceptions travel as pickles naming the pools' own helpers.
#[test]
fn process_pools_with_processes_granted() {
    let code = r#"
import multiprocessing as mp, functools
from concurrent.futures import ProcessPoolExecutor
def sq(x): return x * x
def add(a, b): return a + b
def boom(x): raise ValueError(x)
if __name__ == "__main__":
    with mp.Pool(2) as p:
        print(p.map(sq, range(6)), p.starmap(add, [(1, 2), (3, 4)]), p.apply(functools.partial(add, 1), (2,)))
        try:
            p.apply(boom, (7,))
        except ValueError as e:
            print("ValueError", e)
    with ProcessPoolExecutor(2) as ex:
        print(list(ex.map(sq, range(4))), ex.submit(add, 2, 3).result())
    q = mp.Queue()
    w = mp.Process(target=q.put, args=("from a child",))
    w.start(); print(q.get()); w.join(); print(w.exitcode)
    from multiprocessing import shared_memory
    shm = shared_memory.SharedMemory(create=True, size=16)
    shm.buf[:5] = b"hello"
    other = shared_memory.SharedMemory(shm.name)
    print(bytes(other.buf[:5]))
    other.close(); shm.close(); shm.unlink()
"#;
    let s = Scratch::new();
    let script = s.write("pools.py", code);
    let policy = s.write("policy.yaml", "process: true\nlimits: {wall_s: 20}\n");
    let plain = Command::new(python()).arg(&script).output().expect("test setup");
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&script));
    assert_eq!(
        stdout(&plain),
        "[0, 1, 4, 9, 16, 25] [3, 7] 3\nValueError 7\n[0, 1, 4, 9] 5\nfrom a child\n0\nb'hello'\n"
    );
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A pool's task names a built-in or a `math` function (`pool.map(len, rows)`,
/// `partial(max, 2)`, `ex.map(math.sqrt, xs)`): each computes on the values the pickle holds,
/// and was refused as a global no pickle may name.
#[test]
fn process_pools_mapping_built_in_and_math_functions() {
    let code = r#"
import math, functools, multiprocessing, concurrent.futures as cf
if __name__ == "__main__":
    rows = [[1, 2], [3], [], [4, 5, 6]]
    with multiprocessing.Pool(2) as pool:
        print(pool.map(len, rows), pool.map(sum, rows), pool.map(math.sqrt, [4, 9]))
        print(pool.map(functools.partial(max, 2), [1, 5]), pool.starmap(divmod, [(7, 2), (9, 4)]))
    with cf.ProcessPoolExecutor(2) as ex:
        print(list(ex.map(abs, [-1, 2, -3])), list(ex.map(sorted, ["cba", "fed"])))
"#;
    let s = Scratch::new();
    let script = s.write("pool_builtins.py", code);
    let policy = s.write("policy.yaml", "process: true\nlimits: {wall_s: 20}\n");
    let plain = Command::new(python()).arg(&script).output().expect("test setup");
    assert_eq!(
        stdout(&plain),
        "[2, 1, 0, 3] [3, 3, 0, 15] [2.0, 3.0]\n[2, 5] [(3, 1), (2, 1)]\n\
         [1, 2, 3] [['a', 'b', 'c'], ['d', 'e', 'f']]\n"
    );
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&script));
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Debian 12's interpreter (Python 3.11.2, which `--python /usr/bin/python3.11` runs, as does a
/// child that cannot enter the home directory of another interpreter) pickles an enumeration's
/// member as `getattr(its class, its name)`, and a member made by `_convert_` (`signal.SIGTERM`)
/// by its global name: a round trip of the program's own enumerations and of the standard
/// library's was refused there, though it ran under later releases.
#[test]
fn pickles_of_enumerations_under_debians_python_3_11_2() {
    const DEBIAN_PYTHON: &str = "/usr/bin/python3.11";
    assert!(
        std::path::Path::new(DEBIAN_PYTHON).exists(),
        "{DEBIAN_PYTHON} is missing: .ci/run installs Debian's python3.11"
    );
    let code = r#"
import enum, http, pickle, re, signal, socket, sys
class Kind(enum.Enum):
    A = 1
class Perm(enum.Flag):
    R = 4
    W = 2
class Level(enum.IntEnum):
    LOW = 1
class Color(enum.StrEnum):
    RED = "red"
values = [Kind.A, Perm.R, Perm.R | Perm.W, Perm(0), Level.LOW, Color.RED, http.HTTPStatus.OK,
          re.IGNORECASE, re.I | re.M, signal.SIGTERM, socket.AF_INET, socket.SOCK_STREAM]
for proto in range(pickle.HIGHEST_PROTOCOL + 1):
    back = pickle.loads(pickle.dumps(values, proto))
    print(proto, all(b is v for b, v in zip(back, values)), len(back))
print(sys.version_info[:2], repr(back[2]), repr(back[9]))
"#;
    let s = Scratch::new();
    let script = s.write("enum_pickles.py", code);
    let plain = Command::new(DEBIAN_PYTHON).arg(&script).output().expect("test setup");
    assert!(
        stdout(&plain).ends_with("(3, 11) <Perm.R|W: 6> <Signals.SIGTERM: 15>\n"),
        "{}{}",
        stdout(&plain),
        stderr(&plain)
    );
    let version = Command::new(DEBIAN_PYTHON)
        .args(["-c", "import enum; print(enum.Enum.__reduce_ex__.__code__.co_names)"])
        .output()
        .expect("test setup");
    // The case this test is for; a later Debian interpreter that no longer pickles through
    // `getattr` still runs the round trip below.
    eprintln!("Debian's Enum.__reduce_ex__ names {}", stdout(&version));
    let debian = std::path::Path::new(DEBIAN_PYTHON);
    let out = run(s.exec_with(debian).arg(&script));
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A pickle naming `getattr` itself is still refused there.
    let blob = s.write(
        "getattr_pickle.py",
        "import pickle\ntry:\n    pickle.loads(b'\\x80\\x04\\x8c\\x08builtins\\x8c\\x07getattr\\x93.')\n    \
         print('LOADED')\nexcept PermissionError:\n    print('refused')\n",
    );
    let out = run(s.exec_with(debian).arg("--no-gate").arg(&blob));
    assert_eq!(stdout(&out), "refused\n", "{}", stderr(&out));
}

/// A forked child shares the guard's channel with its parent: a child importing a module (a
/// request to the gate, and its answer) while the parent imports too interleaved their records
/// and handed one process the other's answer (the import failed with a broken pipe, or the run
/// ended as a channel written out of step). The processes take turns on it.
#[test]
fn forked_children_and_their_parent_import_at_once() {
    let s = Scratch::new();
    for i in 0..16 {
        let body: String =
            (0..2000).map(|j| format!("def f{j}(a):\n    return a + {j}\n")).collect();
        s.write(&format!("mods/m{i}.py"), &format!("X = {i}\n{body}"));
    }
    let script = s.write(
        "forkimp.py",
        r#"
import importlib, multiprocessing, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "mods"))
def work(i):
    return importlib.import_module(f"m{i}").X
if __name__ == "__main__":
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pending = pool.map_async(work, range(8))
        mine = [importlib.import_module(f"m{i}").X for i in range(8, 16)]
        print(sorted(pending.get(timeout=60)), mine)
"#,
    );
    let policy = s.write("policy.yaml", "process: true\n");
    let plain = Command::new(python()).arg(&script).output().expect("test setup");
    assert_eq!(stdout(&plain), "[0, 1, 2, 3, 4, 5, 6, 7] [8, 9, 10, 11, 12, 13, 14, 15]\n");
    for _ in 0..3 {
        let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
        assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
}

/// A program that replaces itself (`os.execv`) with processes granted runs as under Python: the
/// guard's channel stays open across the exec, and ends with the process that replaced it (an
/// end while the program ran is read as the program's hand on it).
#[test]
fn a_program_replacing_itself_runs_as_under_python() {
    let s = Scratch::new();
    let script = s.write(
        "replace.py",
        "import os\nprint('before', flush=True)\nos.execv('/bin/echo', ['echo', 'after'])\n",
    );
    let policy = s.write("policy.yaml", "process: true\n");
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&script));
    assert_eq!(stdout(&out), "before\nafter\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("violation"), "{}", stderr(&out));
}

/// Timers, schedulers, conditions and a connected socket pair within the process (which event
/// loops and worker threads use to wake each other; it reaches nothing outside).
#[test]
fn timers_and_a_socket_pair() {
    let code = r#"
import threading, time, sched, socket
ev = threading.Event(); out = []
t = threading.Timer(0.05, lambda: (out.append("timer"), ev.set())); t.start(); ev.wait(5); print(out)
s = sched.scheduler(time.monotonic, time.sleep); s.enter(0.01, 1, lambda: print("sched")); s.run()
cond = threading.Condition(threading.RLock())
with cond:
    cond.notify_all()
a, b = socket.socketpair()
a.sendall(b"wake"); print(b.recv(4)); a.close(); b.close()
local = threading.local(); local.x = 1; print(local.x, threading.current_thread().name)
"#;
    same_as_python("timers", code, &[], &[]);
}

/// A program caches its own results with `pickle` and copies objects through it: the gate
/// leaves unpickling in place (the guard checks every global a pickle names), and the plain
/// values of the standard library's and the operators' functions unpickle.
#[test]
fn pickle_caches_of_its_own_data() {
    let code = r#"
import pickle, os, datetime, collections
class Result:
    def __init__(self, n, when):
        self.n, self.when = n, when
    def __repr__(self):
        return f"Result({self.n}, {self.when})"
cache = "results.pkl"
if not os.path.exists(cache):
    with open(cache, "wb") as f:
        pickle.dump([Result(i, datetime.date(2024, 1, i + 1)) for i in range(3)], f)
with open(cache, "rb") as f:
    print(pickle.load(f))
copy = pickle.loads(pickle.dumps(collections.OrderedDict(a=[1, 2], b={"c": 3})))
print(copy, type(copy).__name__)
import argparse, email.message, os, re, statistics, time, types
message = email.message.Message()
message["Subject"] = "hi"
for value in (re.compile("a+", re.I), re.IGNORECASE, types.SimpleNamespace(a=1),
              argparse.Namespace(b=2), ..., NotImplemented, statistics.NormalDist(1, 2),
              time.gmtime(0), os.stat_result(range(10))):
    print(pickle.loads(pickle.dumps(value)))
print(pickle.loads(pickle.dumps(message))["Subject"])
# The operators' functions (dask pickles them and reads them back).
import operator
print([pickle.loads(pickle.dumps(f))(6, 3) for f in (operator.add, operator.sub, operator.mul,
                                                     operator.truediv, operator.eq, operator.pow)])
"#;
    same_as_python("pickle_cache", code, &[], &[]);
}

/// Libraries find their caller's module with `sys._getframe(1)` inside `except
/// (AttributeError, ValueError)` (as `collections.namedtuple`, `enum` and `typing_extensions`
/// do), falling back to a default where an interpreter has no frames. The gate stubs frame
/// access, and its stub raises a `ValueError` too: the fallback is taken and the import works.
#[test]
fn caller_frame_lookups_take_their_fallback() {
    let s = Scratch::new();
    s.write(
        "registry.py",
        "import sys\ndef caller_module(default='__main__'):\n    try:\n        return sys._getframe(2).f_globals.get('__name__', default)\n    except (AttributeError, ValueError):\n        return default\ndef register(name):\n    return (caller_module(), name)\nENTRY = register('built-in')\n",
    );
    let script = s.write(
        "main.py",
        "import registry\nprint(registry.register('plugin'), registry.ENTRY[1])\n",
    );
    let plain = Command::new(python()).arg(&script).output().expect("test setup");
    assert_eq!(stdout(&plain), "('__main__', 'plugin') built-in\n", "{}", stderr(&plain));
    let sandboxed = run(s.exec().arg(&script));
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{}", stderr(&sandboxed));
    assert_eq!(sandboxed.status.code(), Some(0));
}

/// As with `python3`, everything after the script is the program's (options included), a `--`
/// after the script is dropped, and `sys.argv[0]` is the script as it was named.
#[test]
fn arguments_after_the_script_are_the_programs() {
    let s = Scratch::new();
    s.write("args.py", "import sys\nprint(sys.argv)\n");
    let plain = |args: &[&str]| {
        let out = Command::new(python()).arg("args.py").args(args).current_dir(s.path()).output();
        stdout(&out.expect("test setup"))
    };
    let sandboxed = |args: &[&str]| {
        let out = run(s.exec().arg("args.py").args(args));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let args = ["-v", "--policy", "x.yaml", "two words"];
    assert_eq!(plain(&args), "['args.py', '-v', '--policy', 'x.yaml', 'two words']\n");
    assert_eq!(sandboxed(&args), plain(&args));
    assert_eq!(sandboxed(&["--", "-v", "--", "x"]), plain(&["-v", "--", "x"]));
    let code = run(s.exec().args(["-c", "import sys; print(sys.argv)", "a", "-b"]));
    assert_eq!(stdout(&code), "['-c', 'a', '-b']\n", "{}", stderr(&code));
}

/// Started in the script's directory, the program reads the files there by relative paths as
/// under Python, and what it writes or deletes there stays in the sandbox: the host's files
/// are unchanged afterwards (the working directory is a copy-on-write view).
#[test]
fn the_directory_it_was_started_in_is_seen_through() {
    use std::os::unix::fs::PermissionsExt;
    let code = "import os\nprint(open('data.txt').read().strip(), sorted(os.listdir('.')))\nwith open('data.txt', 'a') as f:\n    f.write('more\\n')\nopen('out.txt', 'w').write('new')\nos.remove('old.txt')\nprint(open('data.txt').read().split(), sorted(os.listdir('.')))\n";
    let make = || {
        let dir = tempfile::tempdir().expect("test setup");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("test setup");
        for (name, text) in [("data.txt", "first\n"), ("old.txt", "old\n"), ("main.py", code)] {
            let p = dir.path().join(name);
            std::fs::write(&p, text).expect("test setup");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                .expect("test setup");
        }
        dir
    };
    let plain_dir = make();
    let plain = Command::new(python())
        .arg("main.py")
        .current_dir(plain_dir.path())
        .output()
        .expect("test setup");
    let expected = "first ['data.txt', 'main.py', 'old.txt']\n['first', 'more'] ['data.txt', 'main.py', 'out.txt']\n";
    assert_eq!(stdout(&plain), expected, "{}", stderr(&plain));
    let dir = make();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
    cmd.args(["exec", "--no-config", "--python"]).arg(python()).arg("main.py");
    let out = run(cmd.current_dir(dir.path()).stdin(Stdio::null()));
    assert_eq!(stdout(&out), expected, "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(dir.path().join("data.txt")).expect("kept"), "first\n");
    assert!(dir.path().join("old.txt").exists(), "a host file was deleted");
    assert!(!dir.path().join("out.txt").exists(), "a file reached the host");
}

#[test]
fn tracers_profilers_and_signal_handlers_of_its_own() {
    // The guard installs these behind its trampolines (they never see the guard's frames);
    // to the program they behave as under Python: the pure-Python profiler sees matched calls
    // and returns, `getsignal` answers the handler that was set, and the handler gets a frame.
    // (The C profiler, cProfile, is refused: `the_c_profiler_is_refused_and_profile_runs`.)
    // (`threading.settrace`, which the gate stubs, is in exec_guard_state.rs; doctest, which
    // saves and restores the tracer, in `doctest_runs_the_examples_of_docstrings_the_gate_read`.)
    let code = r#"
import profile, signal, sys
def add(a, b):
    return a + b
print(sys.gettrace(), sys.getprofile())
p = profile.Profile(); print(p.runcall(add, 2, 3)); p.create_stats(); print(any(k[2] == "add" for k in p.stats))
print(sys.getprofile())
seen = []
def handler(signum, frame):
    seen.append((signum, type(frame).__name__))
previous = signal.signal(signal.SIGUSR1, handler)
print(previous, signal.getsignal(signal.SIGUSR1) is handler)
signal.raise_signal(signal.SIGUSR1)
print(seen, signal.signal(signal.SIGUSR1, signal.SIG_DFL) is handler)
"#;
    same_as_python("tracers", code, &[], &[]);
}

#[test]
fn doctest_runs_the_examples_of_docstrings_the_gate_read() {
    // doctest compiles and runs the examples of docstrings: text the gate read as strings.
    // Those of the program's own docstrings and of a module it imports run under `code:
    // false` as under Python (a failing one reported as failed, the tracer that doctest saves
    // and restores put back), by `testmod`, `run_docstring_examples` and in verbose mode.
    let code = r#"
import doctest, sys, helper
def add(a, b):
    """
    >>> add(1, 2)
    3
    >>> for i in range(2):
    ...     print(add(i, i))
    0
    2
    >>> add(2, 2)  # wrong on purpose: reported as failed
    5
    """
    return a + b
class Counter:
    """
    >>> c = Counter(); c.bump(); c.bump(); c.n
    2
    """
    def __init__(self):
        self.n = 0
    def bump(self):
        """
        >>> Counter().bump()
        1
        """
        self.n += 1
        return self.n
print(doctest.testmod())
print(doctest.testmod(helper, verbose=True))
doctest.run_docstring_examples(add, {"add": add})
print(sys.gettrace())
"#;
    let helper = "\"\"\"\n>>> twice(4)\n8\n\"\"\"\ndef twice(x):\n    \"\"\"\n    >>> twice('a')\n    'aa'\n    \"\"\"\n    return 2 * x\n";
    same_as_python("doc", code, &[], &[("helper.py", helper)]);
}

#[test]
fn doctest_examples_the_gate_did_not_read_are_code_made_at_run_time() {
    // A docstring set at run time, an example the gate would change (a process started) and
    // one built around a real example's text are the program's run-time code: refused under
    // `code: false` (doctest reports each as failed), so is every example under `--no-gate`,
    // when no gate reads code; with `code: true` the run-time one runs.
    let code = r#"
import doctest
def shown():
    """
    >>> print("real example")
    real example
    """
def runtime():
    pass
runtime.__doc__ = ">>> print('PWN' + '42')\n"
def changed():
    """
    >>> import os; os.system("echo PWN" + "42")
    0
    """
built = doctest.DocTestParser().get_doctest(
    '>>> print("real example")\nreal example\n>>> print("PWN" + "4" + "2")\n', {}, "built", "x.py", 0)
for f in (shown, runtime, changed):
    doctest.run_docstring_examples(f, {})
doctest.DocTestRunner().run(built)
print("end")
"#;
    let s = Scratch::new();
    let script = s.write("doc.py", code);
    let out = run(s.exec().arg(&script));
    let text = stdout(&out);
    assert!(!text.contains("PWN42"), "{text}{}", stderr(&out));
    assert_eq!(text.matches("PolicyViolation").count(), 3, "{text}");
    // The real example ran, alone and in the built test: no failure is reported for it.
    assert!(!text.contains("Failed example:\n    print(\"real example\")"), "{text}");
    assert!(text.ends_with("end\n"), "{text}");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "violation [code] running a doctest example that is not one of a docstring the gate \
             read, or that the gate would change, in DocTestRunner.__run"
        ),
        "{}",
        stderr(&out)
    );
    let out = run(s.exec().arg("--no-gate").arg(&script));
    assert_eq!(stdout(&out).matches("PolicyViolation").count(), 5, "{}", stdout(&out));
    let policy = s.write("code.yaml", "code: true\n");
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    assert!(text.contains("PWN42"), "{text}{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn timeit_runs_the_programs_constant_statements() {
    // A benchmark script times constant statements and setups (by position and keyword, with
    // `globals=`, a multi-line statement, a callable with a string setup, through a helper
    // whose caller spells the string, from an imported module): each runs under `code: false`
    // as under Python. Timings differ from run to run, so only their kind is printed.
    let code = r#"
import timeit, helper
def f(n):
    return sum(range(n))
def bench(stmt, **kw):
    return timeit.timeit(stmt, number=50, **kw)
print(bench("f(10)", setup="from __main__ import f") > 0)
print(timeit.timeit(stmt="f(10)", globals=globals(), number=5) > 0)
print(timeit.Timer("x.append(1)", "x = []").timeit(3) > 0)
print(len(timeit.Timer("""for i in range(3):
    i * 2""").repeat(2, 2)))
print(timeit.timeit(lambda: f(3), setup="y = 2", number=3) > 0)
print(len(timeit.repeat("sorted(data)", setup="data = list(range(50))[::-1]", repeat=3, number=10)))
print(helper.time_join() > 0)
"#;
    let helper = "import timeit\ndef time_join():\n    return timeit.timeit(\"'-'.join(map(str, range(20)))\", number=20)\n";
    same_as_python("bench", code, &[], &[("helper.py", helper)]);
}

#[test]
fn the_profilers_and_tracer_run_the_programs_constant_statements_as_under_python() {
    // `profile.run("main()")`, the profiler's or the tracer's `runctx` with the program's
    // namespaces, and the debugger's base class running a statement and an expression: each
    // string is a constant of the program's that the gate reads as its code, and runs under
    // `code: false` as under Python. Timings differ from run to run, so only call counts and
    // results are printed. (The C profiler, cProfile, is refused.)
    let code = r#"
import bdb, io, profile, pstats, trace
def work(n):
    return sum(i * i for i in range(n))
def counts(prof):
    stats = pstats.Stats(prof, stream=io.StringIO()).stats
    return sorted((key[2], value[0]) for key, value in stats.items() if key[2] == "work")
prof = profile.Profile()
prof.runctx("result = work(10)", globals(), locals())
print(result, counts(prof))
old = profile.Profile()
old.runctx("work(5); work(6)", {"work": work}, {})
print(counts(old))
profile.run("work(3)", "profile.out")
import os
print(os.path.getsize("profile.out") > 0)
tracer = trace.Trace(count=1, trace=0)
tracer.runctx("work(4)", globals(), {})
print(sorted(n for (f, n), c in tracer.results().counts.items() if f.endswith("bench.py")))
class Quiet(bdb.Bdb):
    def user_line(self, frame):
        pass
Quiet().run("total = work(7)", globals())
print(total, Quiet().runeval("work(2) + 1", globals()))
"#;
    same_as_python("bench", code, &[], &[]);
}

#[test]
fn eval_of_data_runs_as_under_python() {
    // `eval` of text read at run time that is data, literals and the operators between them (a
    // calculator's input, a value's `repr` read back, a list written to a file), evaluates as
    // under Python, errors included; so does a constant kept in a name, and a module's own
    // function named `eval`.
    let code = r#"
import calc
for line in open("exprs.txt"):
    line = line.rstrip("\n")
    try:
        print(repr(line), "=", repr(eval(line)))
    except (ArithmeticError, SyntaxError, TypeError, KeyError, IndexError) as e:
        print(repr(line), "->", type(e).__name__)
def copy(value):
    return eval(repr(value))
for v in ([1, "a", {2: (3.5, None)}], {"k": {b"x", -4}}, 1e300, -0.0, 10**40, "q\n'"):
    assert copy(v) == v and type(copy(v)) is type(v), v
print(eval(repr([1, 2]), {}), eval(repr(3), {"__builtins__": {}}, {}))
EXPR = "len('abc') + 1"
print(eval(EXPR))
print(calc.eval("2 + 2"))
lines = open("exprs.txt").read().split("\n")[:3]
print(eval.__name__, list(map(eval, lines)), sorted(["3", "1", "2"], key=eval))
"#;
    let exprs = "2 * (3 + 4)\n10 / 4\n7 // -2 % 5\n1 / 0\n2 +\n-3 ** 2\n\"a\" * 3 + 'b'\n\
        [*[1, 2], *'ab']\n{**{1: 2}, 3: 4}\n'abc'[::-1]\nnot 0 and 5 or 6\n1 if 2 > 1 > 0 else 3\n\
        (1, 2) < (1, 3) != (0,)\n3 in [1, 2] or 'b' not in 'abc'\n\tf'{1+1:>4}|{\"x\"!r}'\n\
        0x1F | 0b101 ^ ~7 & 12 << 1 >> 2\n(1+2j) * 2j\n'%s-%d' % ('a', 3)\n[1] + (2,)\n\
        {1: 2}[3]\n[][0]\n2 ** -1\n";
    let calc = "def eval(text):\n    return 'own eval of ' + text\n";
    same_as_python("calculator", code, &[], &[("exprs.txt", exprs), ("calc.py", calc)]);
}

#[test]
fn constant_code_compiled_then_run_runs_as_under_python() {
    // `compile` of a constant string, by position or keyword, in `exec` and `eval` mode, run
    // later by `exec` or `eval` (in another function, with other globals, in a loop), and an
    // `exec` of a constant kept in a name: as under Python.
    let code = r#"
SRC = "def double(x):\n    return 2 * x\n"
ns = {}
exec(compile(SRC, "<gen>", "exec"), ns)
print(ns["double"](21))
squares = [compile("i * i", "<sq>", "eval") for _ in range(3)]
print([eval(c, {"i": n}) for n, c in enumerate(squares)])
code = compile(source=SRC, filename="<kw>", mode="exec")
exec(code)
print(double(4), code.co_filename, type(code).__name__)
def run():
    exec(code, globals())
    local = {}
    exec(compile(b"y = 7", "<y>", "exec"), {}, local)
    return local
print(run())
STATEMENT = "total = sum(range(10))"
exec(STATEMENT)
print(total)
try:
    compile("x = (", "<broken>", "exec")
except SyntaxError as e:
    print("SyntaxError", e.lineno)
# A file name of one character is the interpreter's shared string object.
short = compile("print('short', 1)", "s", "exec")
exec(short)
print(short.co_filename, short.co_filename == "s")
"#;
    same_as_python("compiled", code, &[], &[]);
}

#[test]
fn asyncio_signal_handlers_run_as_under_python() {
    // `loop.add_signal_handler` sets a wakeup descriptor, which the guard keeps from the
    // interpreter and writes the signal's number to itself, as the handler is about to run.
    let code = r#"
import asyncio, os, signal

async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    got = []
    def on_signal(name):
        got.append(name)
        stop.set()
    loop.add_signal_handler(signal.SIGUSR1, on_signal, "USR1")
    loop.add_signal_handler(signal.SIGTERM, on_signal, "TERM")
    for sig in (signal.SIGUSR1, signal.SIGTERM):
        loop.call_later(0.05, os.kill, os.getpid(), sig)
        await asyncio.wait_for(stop.wait(), 5)
        stop.clear()
    loop.remove_signal_handler(signal.SIGUSR1)
    print("handled", got)
    print("a descriptor was set:", signal.set_wakeup_fd(-1) > 2)
    try:
        signal.set_wakeup_fd(os.open(os.devnull, os.O_WRONLY))
    except ValueError as e:
        print("ValueError", "non-blocking" in str(e))

asyncio.run(main())
"#;
    same_as_python("asyncio_signals", code, &[], &[]);
}

#[test]
fn an_uncaught_error_in_code_run_by_exec_shows_python_s_frames() {
    // `exec` and `eval` are functions of C under Python: no frame of theirs shows. Where the
    // gate hands them to the guard's facades, an uncaught error's traceback leaves the
    // facade's frame out too: the program's line, then the line of the code it ran.
    let code = "exec(compile('1 / 0', '<made>', 'exec'))\n";
    let (_, plain, sandboxed) = beside_python("exec_error", code, &[], &[]);
    let err = stderr(&sandboxed);
    let frames = |text: &str| -> Vec<String> {
        text.lines().filter(|l| l.trim_start().starts_with("File ")).map(str::to_string).collect()
    };
    assert!(!err.contains("<pysbx-guard>"), "{err}");
    assert_eq!(frames(&err), frames(&stderr(&plain)), "{err}");
    assert!(err.contains("ZeroDivisionError: division by zero"), "{err}");
    assert_eq!(sandboxed.status.code(), plain.status.code(), "{err}");
}

#[test]
fn code_an_installed_package_generates_runs_as_under_python() {
    // An installed package's generated `__init__` and `__repr__`, its rebuilt class with the
    // `__class__` cells fixed, its copy of a function, its recompiled function, and text it
    // runs: as under the environment's Python, where the gate would leave the text unchanged.
    let s = Scratch::new();
    let interpreter = venv_with_installed(&s, &[("genlib/__init__.py", GENERATOR_PACKAGE)]);
    let script = s.write(
        "uses_genlib.py",
        r#"
import genlib
P = genlib.make_class("P", ["x", "y"])
print(P(1, [2]), P("a", None).y)
class A:
    def who(self):
        return __class__ is type(self), __class__.__name__
B = genlib.rebuilt(A)
print(B().who(), B is not A)
def add(a, b=2):
    return a + b
g = genlib.copied(add, "g")
print(g.__name__, g(1), g(1, 1))
def h(x):
    return x
print(genlib.tripled(h)(2))
print(genlib.run_text("y = 6 * 7")["y"])
print(genlib.all_of(bool, str)(3), genlib.evaluate("sum(range(4))"), len(genlib.KNOWN_BUILTINS))
print(genlib.has_globals(add), genlib.has_globals(3), genlib.set_contents(genlib.Box(), 5))
"#,
    );
    let plain =
        Command::new(&interpreter).arg(&script).current_dir(s.path()).output().expect("test setup");
    let out = run(s.exec_with(&interpreter).arg(&script));
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(
        stdout(&plain),
        "P(1, [2]) None\n(True, 'A') True\ng 3 2\n6\n42\n3 6 2\nTrue False 5\n",
        "{}",
        stderr(&plain)
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The same from `-c` code, which goes by the name `exec` gives a string (`<string>`).
    let code = "import genlib\nprint(genlib.run_text('y = 5')['y'], genlib.all_of(abs)(-2))";
    let out = run(s.exec_with(&interpreter).arg("-c").arg(code));
    assert_eq!(stdout(&out), "5 2\n", "{}", stderr(&out));
}

#[test]
fn popular_code_generating_packages_run_as_under_python() {
    // attrs (slotted classes fix their methods' `__class__` cells), pydantic, jinja2 (a
    // template compiled to Python), networkx (decorators compiled on first call) and mpmath,
    // as installed in the interpreter's site-packages (`.ci/run` installs them).
    let code = r#"
import attrs, jinja2, networkx, mpmath
from pydantic import BaseModel
@attrs.define
class P:
    x: int
    y: int = 0
    def total(self):
        return self.x + self.y
@attrs.frozen
class Q:
    a: str
print(P(1), P(1, 2).total(), Q("z"), attrs.asdict(P(2, 3)))
class User(BaseModel):
    id: int
    name: str = "anon"
print(User(id="3").model_dump_json())
print(jinja2.Template("Hello {{ name }}!{% for i in xs %} {{ i }}{% endfor %}").render(name="W", xs=[1, 2]))
print(networkx.shortest_path(networkx.path_graph(5), 0, 4))
mpmath.mp.dps = 20
print(mpmath.sqrt(2))
"#;
    // Compared on standard output and exit status: the gate's notes on the packages' own
    // findings go to standard error.
    let (_, plain, out) = beside_python("generators", code, &[], &[]);
    assert_eq!(plain.status.code(), Some(0), "the packages import: {}", stderr(&plain));
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Syntax trees an installed package compiles (see `TREE_PACKAGE`) run as under Python: the
/// tree is written out as text, which the gate vets as code of that package's module, and the
/// code made from it gets back the names source cannot spell (a function's and its
/// parameters', a captured parameter's), so that a builder is found under its own name.
#[test]
fn syntax_trees_an_installed_package_compiles_run_as_under_python() {
    let s = Scratch::new();
    let interpreter = venv_with_installed(&s, &[("treelib/__init__.py", TREE_PACKAGE)]);
    let script = s.write(
        "uses_trees.py",
        r#"
import ast, treelib
class Converter:
    def conv(self, value):
        return str(value).upper()
build = treelib.builder(["a", "b"])
print(build.__name__, build.__qualname__, build.__code__.co_varnames, build(Converter(), "x", 3))
print(treelib.closure())
print(treelib.expression("[i * 2 for i in range(3)]"), treelib.parse_only("x = 1"))
print(treelib.run_tree(ast.parse("def f(y):\n    return y + 1\nz = f(1)"))["z"])
"#,
    );
    let plain =
        Command::new(&interpreter).arg(&script).current_dir(s.path()).output().expect("test setup");
    assert_eq!(
        stdout(&plain),
        "<builder:'a/b'> <builder:'a/b'> ('.self', 'a', 'b') /X/3\n\
         (42, ('.x',), ('.x', 'inner'), 'outer.<locals>.inner')\n[0, 2, 4] True\n2\n",
        "{}",
        stderr(&plain)
    );
    let out = run(s.exec_with(&interpreter).arg(&script));
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// Runs a program of installed packages under python3 and under `pysbx exec`: python3's
/// standard output must be `expected` (the packages are installed and do what the test says),
/// and pysbx's standard output must be python3's, with status 0. Standard error is not
/// compared: it holds the gate's notes on the packages' own findings.
fn packages_run_as_under_python(name: &str, code: &str, expected: &str, installed: &str) {
    let (_, plain, out) = beside_python(name, code, &[], &[]);
    assert_eq!(stdout(&plain), expected, "{installed} installed: {}", stderr(&plain));
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// numpy's arrays, scalars, dtypes, masked arrays and random generators' states pickled and
/// read back (by `pickle`, and `np.save` of an object array read with `allow_pickle`): their
/// pickles name numpy's own reconstructors, which the guard lets through once it has checked
/// they are numpy's (`.ci/run` installs numpy).
#[test]
fn numpy_arrays_pickled_and_read_back_as_under_python() {
    let code = r#"
import pickle
import numpy as np
values = [np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2)[::2], np.float64(2.5),
          np.int32(7), np.dtype([("a", "<i4"), ("b", "<f8")]), np.array(["x", "yz"]),
          np.datetime64("2020-01-02"), np.ma.masked_array([1, 2, 3], [0, 1, 0])]
for protocol in (2, 4, 5):
    back = pickle.loads(pickle.dumps(values, protocol=protocol))
    print(protocol, [str(v) for v in back] == [str(v) for v in values])
state = np.random.RandomState(3)
copy = pickle.loads(pickle.dumps(state))
print(state.randint(0, 100, 3).tolist() == copy.randint(0, 100, 3).tolist())
with open("arrays.pkl", "wb") as f:
    pickle.dump({"a": np.ones(3)}, f)
with open("arrays.pkl", "rb") as f:
    print(pickle.load(f)["a"].sum())
np.save("objects.npy", np.array([{"k": 1}, [2]], dtype=object), allow_pickle=True)
print(np.load("objects.npy", allow_pickle=True).tolist())
"#;
    packages_run_as_under_python(
        "numpypickles",
        code,
        "2 True\n4 True\n5 True\nTrue\n3.0\n[{'k': 1}, [2]]\n",
        "numpy is",
    );
}

/// A Flask application runs as under Python under the default policy: werkzeug compiles each
/// route's URL builders from a syntax tree, and jinja2 compiles templates from text (`.ci/run`
/// installs flask).
#[test]
fn a_flask_application_runs_as_under_python() {
    let code = r#"
from flask import Flask, abort, redirect, render_template_string, request, url_for
app = Flask(__name__)
@app.route("/hi/<name>")
def hi(name):
    return render_template_string(
        "<p>{{ n|upper }} {{ url_for('hi', name=n) }}</p>{% for i in r %}{{ i }}{% endfor %}",
        n=name, r=range(3))
@app.route("/post", methods=["POST"])
def post():
    return {"got": request.form["a"], "args": request.args.to_dict()}
@app.route("/go")
def go():
    return redirect(url_for("hi", name="z", extra=1))
@app.route("/nope/<int:x>")
def nope(x):
    abort(403)
@app.errorhandler(403)
def forbidden(e):
    return "forbidden", 403
client = app.test_client()
print(client.get("/hi/ann").data)
print(client.post("/post?q=1", data={"a": "b"}).json)
r = client.get("/go")
print(r.status_code, r.headers["Location"])
r = client.get("/nope/3")
print(r.status_code, r.data, client.get("/missing").status_code)
"#;
    packages_run_as_under_python(
        "flaskapp",
        code,
        "b'<p>ANN /hi/ann</p>012'\n{'args': {'q': '1'}, 'got': 'b'}\n302 /hi/z?extra=1\n\
         403 b'forbidden' 404\n",
        "flask is",
    );
}

/// A FastAPI application called through its test client runs as under Python: the client is an
/// `httpx.Client` over an in-process transport, which making sends nothing (`.ci/run` installs
/// fastapi and httpx).
#[test]
fn a_fastapi_application_runs_under_its_test_client_as_under_python() {
    let code = r#"
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from pydantic import BaseModel
app = FastAPI()
class Item(BaseModel):
    name: str
    price: float
@app.get("/items/{item_id}")
def read(item_id: int, q: str | None = None):
    if item_id > 10:
        raise HTTPException(404, "nope")
    return {"id": item_id, "q": q}
@app.post("/items")
def create(item: Item):
    return {"total": item.price * 2}
client = TestClient(app)
print(client.get("/items/3?q=x").json(), client.get("/items/30").status_code)
print(client.post("/items", json={"name": "a", "price": 2.5}).json())
print(client.post("/items", json={"name": "a"}).status_code)
"#;
    packages_run_as_under_python(
        "fastapiapp",
        code,
        "{'id': 3, 'q': 'x'} 404\n{'total': 5.0}\n422\n",
        "fastapi and httpx are",
    );
}

/// babel formats dates, numbers and plurals as under Python: its locale data are pickles of its
/// own classes, which it reads back from its own directory (`.ci/run` installs babel).
#[test]
fn babel_formats_with_its_locale_data_as_under_python() {
    let code = r#"
import datetime
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.plural import PluralRule
day = datetime.datetime(2024, 1, 2, 3, 4)
print(format_date(day, locale="de_DE"), format_date(day, format="full", locale="fr_FR"))
print(format_datetime(day, locale="en_US"), format_currency(1234.5, "EUR", locale="de_DE"))
print(format_decimal(1234567.891, locale="en_IN"), Locale.parse("ja_JP").get_display_name("en"))
print(Locale("ru").plural_form(3), PluralRule({"one": "n is 1"})(1))
"#;
    let (_, plain, out) = beside_python("babelfmt", code, &[], &[]);
    assert_eq!(plain.status.code(), Some(0), "babel is installed: {}", stderr(&plain));
    assert!(stdout(&plain).starts_with("02.01.2024 mardi 2 janvier 2024\n"), "{}", stdout(&plain));
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// joblib runs and caches as under Python: its import names the socket class without making a
/// socket (`hasattr(socket.socket, "sendmsg")`, a pickling helper registered for it), imports
/// POSIX shared memory for its workers' clean-up, and asks `hasattr(func, "func_globals")`
/// for Python 2's sake (`.ci/run` installs joblib).
#[test]
fn joblib_runs_and_caches_as_under_python() {
    let code = r#"
from joblib import Memory, Parallel, delayed
print(Parallel(n_jobs=1)(delayed(pow)(i, 2) for i in range(4)))
memory = Memory("cache", verbose=0)
calls = []
@memory.cache
def square(x):
    calls.append(x)
    return x * x
print(square(3), square(3), square(4), calls)
"#;
    packages_run_as_under_python("joblibrun", code, "[0, 1, 4, 9]\n9 9 16 [3, 4]\n", "joblib is");
}

/// An exception raised in a jinja2 template reaches the program as under Python: jinja2
/// re-raises it through code it compiles at the template's line and renames after the
/// template's block (`code.replace(co_name=...)`), walking the traceback's entries past the
/// guard's own. Caught by its class (a `StrictUndefined` name, a syntax error with its line),
/// its traceback's last entry the template's, and uncaught with the same traceback and status.
#[test]
fn template_errors_of_jinja2_reach_the_program_as_under_python() {
    let code = r#"
import traceback, jinja2
env = jinja2.Environment(undefined=jinja2.StrictUndefined, loader=jinja2.DictLoader({
    "base.html": "a\n{% block body %}{% endblock %}",
    "page.html": "{% extends 'base.html' %}{% block body %}\n{{ items[5] }}{% endblock %}",
    "div.html": "line one\n{{ 1 / n }}"}))
try:
    env.from_string("Hello {{ user.name }}!\n{{ missing }}").render(user={"name": "ann"})
except jinja2.UndefinedError as e:
    print("caught", e)
try:
    env.from_string("{% if %}")
except jinja2.TemplateSyntaxError as e:
    print("syntax", e.lineno, e.message)
try:
    env.get_template("div.html").render(n=0)
except ZeroDivisionError as e:
    last = traceback.extract_tb(e.__traceback__)[-1]
    print("division", last.filename, last.lineno, last.name)
print(env.get_template("page.html").render(items=[1, 2]))
"#;
    let (script, plain, out) = beside_python("templates", code, &[], &[]);
    assert_eq!(
        stdout(&plain),
        "caught 'missing' is undefined\nsyntax 1 Expected an expression, got 'end of statement \
         block'\ndivision <template> 2 top-level template code\n",
        "{}",
        stderr(&plain)
    );
    assert!(
        stderr(&plain).ends_with(
            "  File \"<template>\", line 2, in block 'body'\n\
             jinja2.exceptions.UndefinedError: list object has no element 5\n"
        ),
        "{}",
        stderr(&plain)
    );
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    // The gate's notes on jinja2's own findings aside (a stub's line, and the count of those
    // left in place), the same traceback.
    let shown: String = stderr(&out)
        .lines()
        .filter(|l| {
            !(l.starts_with("pysbx: ") && l.contains(": gate [")
                || l.starts_with("pysbx: the gate reported "))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without_own_findings(&shown, &script), stderr(&plain));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn scripts_run_by_path_with_runpy_run_as_under_python() {
    // `runpy.run_path` of a helper script beside the program (its `__name__`, with a given
    // run name, as a `pathlib.Path`) and of one the program
    // writes, then `runpy.run_module` of a module on the path: as under Python.
    let code = r#"
import os, pathlib, runpy, sys
here = os.path.dirname(os.path.abspath(__file__))
ns = runpy.run_path(os.path.join(here, "helper.py"))
print(ns["RESULT"], ns["__name__"])
ns = runpy.run_path(os.path.join(here, "helper.py"), init_globals={"SEED": 5}, run_name="__main__")
print(ns["RESULT"], ns["SEEN"])
print(runpy.run_path(pathlib.Path(here) / "settings.py")["DEBUG"])
with open("written.py", "w") as f:
    f.write("VALUE = [n * n for n in range(4)]\n")
print(runpy.run_path("written.py")["VALUE"])
sys.path.insert(0, here)
print(runpy.run_module("helper")["RESULT"])
try:
    runpy.run_path(os.path.join(here, "broken.py"))
except SyntaxError as e:
    print("SyntaxError", e.lineno)
"#;
    same_as_python(
        "run_by_path",
        code,
        &[],
        &[
            (
                "helper.py",
                "RESULT = 6 * 7\nSEEN = globals().get(\"SEED\")\nprint(\"helper as\", __name__)\n",
            ),
            ("settings.py", "DEBUG = True\n"),
            ("broken.py", "x = 1\ny = (\n"),
        ],
    );
}

#[test]
fn calls_handed_to_the_guard_keep_the_lines_after_them_where_they_were() {
    // A call written over several lines that the gate hands to the guard (`eval` of run-time
    // text, a caller's globals, a frame's attribute) keeps every later line at its number: the
    // traceback of an error raised below names the line Python names.
    let code = r#"
import sys
text = "1 + 2"
print(eval(
    text,
    {},
))
print(sys._getframe(
    0
).f_globals["__name__"])
def f():
    return (sys._getframe()
            .f_back)
print(f() is not None)
raise ValueError("raised on line 15")
"#;
    same_as_python("lines_kept", code, &[], &[]);
}

#[test]
fn frames_of_the_programs_own_stack_read_as_under_python() {
    // A logging helper naming its caller, a debugging aid printing a caller's local, a line
    // number read a few lines after the frame was taken, `inspect.stack()` with its source
    // lines, a traceback walked by hand, a generator's frame and `traceback.print_stack` of a
    // frame: each reads as under Python (the frames handed out are snapshots, see sandbox.md).
    let code = r#"
import inspect, sys, traceback
def who():
    return inspect.currentframe().f_back.f_code.co_name
def caller():
    return sys._getframe(1).f_code.co_name
def here():
    f = inspect.currentframe()
    info = inspect.getframeinfo(f)
    return f.f_code.co_name, f.f_lineno, info.function, info.lineno, info.code_context
def debug(name):
    print(name, "=", inspect.currentframe().f_back.f_locals[name])
def stack_names():
    return [(fi.function, fi.lineno, fi.code_context[0].strip() if fi.code_context else None)
            for fi in inspect.stack()]
def main():
    x = 42
    print(who(), caller(), here())
    debug("x")
    print(stack_names())
    print(len(inspect.stack(0)), inspect.stack(context=0)[0].function)
    try:
        1 / 0
    except ZeroDivisionError:
        tb = sys.exc_info()[2]
        while tb:
            print(tb.tb_frame.f_code.co_name, tb.tb_lineno, sorted(tb.tb_frame.f_locals))
            tb = tb.tb_next
        print([(fi.function, fi.lineno) for fi in inspect.trace()])
        print([fi.frame.f_code.co_name for fi in inspect.getinnerframes(sys.exc_info()[2], 0)])
    def gen():
        yield 1
    g = gen()
    print(g.gi_frame.f_code.co_name, g.gi_frame.f_back, g.gi_frame.f_lineno)
    next(g)
    async def co():
        pass
    async def agen():
        yield 1
    c, a = co(), agen()
    print(c.cr_frame.f_code.co_name, a.ag_frame.f_code.co_name, sorted(c.cr_frame.f_locals))
    c.close()
    print(sorted(k for k in sys._getframe().f_locals if not k.startswith("_")))
    print(sys._getframe().f_globals is globals(), sys._getframe(1).f_code.co_name)
    traceback.print_stack(sys._getframe(), file=sys.stdout)
    print(inspect.getouterframes(inspect.currentframe())[1].function)
    try:
        sys._getframe(50)
    except ValueError as e:
        print("ValueError", e)
main()
print(inspect.currentframe().f_back, inspect.currentframe().f_locals is globals())
from inspect import currentframe, getframeinfo, stack as frames_here
from sys import _getframe as frame_at
def where():
    info = getframeinfo(currentframe().f_back)
    return info.function, info.lineno, frame_at(1).f_code.co_name, frames_here()[1].function
print(where())
# The module of a caller's frame, found from its code's file (a frame has no `__module__`).
def caller_module():
    return inspect.getmodule(inspect.stack()[1][0]).__name__
print(caller_module(), inspect.getmodule(inspect.currentframe()).__name__)
print(hasattr(inspect.currentframe(), "__module__"))
"#;
    same_as_python("frames", code, &[], &[]);
}

/// The interpreter prints an exception no code caught in a thread, in a finalizer or handed to
/// `sys.excepthook` in C, parsing each line it shows for the `^^^` marks: a `compile` the guard
/// took for the program's own (three violations in the middle of the traceback, the marks
/// lost, and the program killed under `on_violation: kill`).
#[test]
fn exceptions_nobody_caught_print_as_under_python() {
    let code = "import sys, threading, weakref\n\
        def work():\n    d = {}\n    return d['key'] + 1\n\
        t = threading.Thread(target=work, name='worker')\nt.start()\nt.join()\n\
        class C:\n    pass\n\
        weakref.finalize(C, lambda: 1 / 0)\n\
        try:\n    [][1]\nexcept IndexError:\n    sys.excepthook(*sys.exc_info())\n\
        print('went on')\n";
    same_as_python("uncaught_printed", code, &[], &[]);
    // A finalizer's exception too (its message names the method's address, which differs
    // from run to run).
    let code = format!(
        "{code}class D:\n    def __del__(self):\n        raise ValueError('in del')\nD()\n"
    );
    let s = Scratch::new();
    let script = s.write("uncaught.py", &code);
    let policy = s.write("kill.yaml", "on_violation: kill\n");
    let out = crate::exec_support::run(s.exec().arg("--policy").arg(&policy).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("violation"), "{}", stderr(&out));
    assert!(stderr(&out).contains("ValueError: in del"), "{}", stderr(&out));
}

/// `mimetypes` reads the system's table (`/etc/mime.types`) at its first look-up.
#[test]
fn mime_types_are_looked_up() {
    same_as_python(
        "mimetypes",
        "import mimetypes\nprint(mimetypes.guess_type('report.pdf'), mimetypes.guess_extension('text/html'))\n",
        &[],
        &[],
    );
}

/// Standard output and error sent to one file (`2>&1`, a terminal) keep the order the
/// program wrote them in, as under python3: pysbx forwarded them through two pipes, and the
/// lines came out in blocks, in a different order from run to run.
#[test]
fn output_and_errors_to_one_file_keep_their_order() {
    use std::io::Read;
    let s = Scratch::new();
    let script = s.write(
        "interleave.py",
        "import sys\nfor i in range(200):\n    print('out', i, flush=True)\n    print('err', i, file=sys.stderr, flush=True)\n",
    );
    let both = |mut cmd: Command| {
        let (mut reader, writer) = std::io::pipe().expect("test setup");
        cmd.stdout(writer.try_clone().expect("test setup")).stderr(writer);
        let mut child = cmd.spawn().expect("test setup");
        drop(cmd);
        let mut text = String::new();
        reader.read_to_string(&mut text).expect("test setup");
        child.wait().expect("test setup");
        text
    };
    let mut plain = Command::new(python());
    plain.arg(&script).current_dir(s.path()).stdin(Stdio::null());
    let mut sandboxed = s.exec();
    sandboxed.arg(&script);
    let expected = both(plain);
    assert!(expected.starts_with("out 0\nerr 0\nout 1\nerr 1\n"), "{expected}");
    assert_eq!(both(sandboxed), expected);
}

/// `__main__` holds what the interpreter gives it: empty `__annotations__`, `__cached__`, and
/// the loader a script is run by (`__loader__.get_source(__name__)` reads the script).
#[test]
fn the_main_module_has_what_python_gives_it() {
    same_as_python(
        "main_globals",
        "print(sorted(k for k in globals() if k.startswith('__')))\nprint(type(__loader__).__name__, __cached__, __annotations__, __spec__)\nprint(__loader__.get_source(__name__).splitlines()[0][:12])\n",
        &[],
        &[],
    );
}

/// A program probing for optional files outside the policy (layered configuration in `/etc`,
/// `/opt`) gets Python's own FileNotFoundError for what does not exist, not a violation:
/// existence shows through `os.path.exists` anyway, and nothing can be made there.
#[test]
fn missing_files_outside_the_policy_are_not_found() {
    let code = "import json, os\n\
        print(os.path.exists('/etc/pysbx-no-such-tool/config.json'))\n\
        for path in ('/etc/pysbx-no-such-tool/config.json', '/etc/pysbx-no-such-file.json', '/opt/pysbx-no-such-dir/x'):\n    \
            try:\n        with open(path) as f:\n            print(json.load(f))\n    \
            except FileNotFoundError as e:\n        print('not found', e.filename)\n\
        try:\n    os.listdir('/opt/pysbx-no-such-dir')\nexcept FileNotFoundError:\n    print('no directory')\n";
    same_as_python("missing_optional_files", code, &[], &[]);
}

/// pysbx's own lines during a run (a violation's) are written whole: `eprintln!` wrote
/// `pysbx: ` and the rest apart, and the program's output to the same file landed between
/// them (16 torn lines in 10 runs of 20 events), which breaks `grep '^pysbx: '`.
#[test]
fn pysbx_lines_are_never_torn_by_the_programs_output() {
    use std::io::Read;
    let s = Scratch::new();
    let script = s.write(
        "torn.py",
        "import sys\nfor i in range(50):\n    try:\n        open('/etc/hostname')\n    except PermissionError:\n        pass\n    sys.stderr.write(f'program line {i}\\n')\n    sys.stderr.flush()\n",
    );
    for _ in 0..5 {
        let (mut reader, writer) = std::io::pipe().expect("test setup");
        let mut cmd = s.exec();
        cmd.arg(&script).stdout(writer.try_clone().expect("test setup")).stderr(writer);
        let mut child = cmd.spawn().expect("test setup");
        drop(cmd);
        let mut text = String::new();
        reader.read_to_string(&mut text).expect("test setup");
        child.wait().expect("test setup");
        assert_eq!(text.matches("violation [fs.read]").count(), 50, "{text}");
        for line in text.lines() {
            let whole = line.starts_with("program line ")
                || (line.starts_with("pysbx: ") && !line.contains("program line"));
            assert!(whole, "a torn line: {line:?}\n{text}");
        }
    }
}

/// The program runs beneath the loader's and the runner's frames, which counted against the
/// recursion limit: the deepest recursion that worked was three calls shallower than under
/// Python. The interpreter's limit is now that much higher than the one the program sets and
/// reads.
#[test]
fn recursion_goes_as_deep_as_under_python() {
    let code = "import sys\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\nok = 0\nfor n in range(990, 1000):\n    try:\n        f(n)\n        ok = n\n    except RecursionError:\n        break\nprint(sys.getrecursionlimit(), ok)\nsys.setrecursionlimit(2000)\nprint(sys.getrecursionlimit())\n";
    same_as_python("recursion_depth", code, &[], &[]);
}

/// Signals a program sends itself through its process group (`os.kill(0, sig)`,
/// `os.killpg(os.getpgrp(), sig)`) end it as under Python: as its pid namespace's init the
/// kernel would leave it alive, and a group led by the init is number 1 there, which `killpg`
/// makes `kill(-1, sig)`, sparing the caller (the interpreter leads a group of its own). A
/// signal it blocks stays pending for the handler it installs before unblocking, where the
/// run used to end at once.
#[test]
fn signals_to_the_programs_own_group_and_blocked_ones_act_as_under_python() {
    use std::os::unix::process::CommandExt;
    let s = Scratch::new();
    for (name, call) in [
        ("kill0", "os.kill(0, signal.SIGTERM)"),
        ("killpg", "os.killpg(os.getpgrp(), signal.SIGTERM)"),
    ] {
        let script = s.write(
            &format!("{name}.py"),
            &format!("import os, signal\n{call}\nprint('still running')\n"),
        );
        // Python in a process group of its own: the signal must not reach the test.
        let plain =
            Command::new(python()).arg(&script).process_group(0).output().expect("test setup");
        assert_eq!(plain.status.code(), None, "{name}: python3 ends by the signal");
        let out = run(s.exec().arg(&script));
        assert_eq!(out.status.code(), Some(143), "{name}: {}{}", stdout(&out), stderr(&out));
        assert!(stdout(&out).is_empty(), "{name}: {}", stdout(&out));
    }
    let code = "import os, signal\n\
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})\n\
        os.kill(os.getpid(), signal.SIGUSR2)\n\
        print('pending', signal.SIGUSR2 in signal.sigpending())\n\
        signal.signal(signal.SIGUSR2, lambda *a: print('handled'))\n\
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR2})\n\
        print('done')\n";
    same_as_python("blocked_signal", code, &[], &[]);
}

/// `/dev/stdin`, `/dev/stdout` and `/dev/stderr` (a tool's `-o /dev/stdout`) open as under
/// Python: the guard took the pipe behind one for a path outside the policy, and the kernel
/// refused to reopen a pipe owned by root (pysbx's, or a shell's `|`) to the sandbox uid.
#[test]
fn the_standard_streams_open_by_their_dev_names() {
    use std::io::Write;
    let s = Scratch::new();
    let script = s.write(
        "streams.py",
        "with open('/dev/stdout', 'w') as out:\n    out.write('to stdout\\n')\nwith open('/dev/stderr', 'w') as err:\n    err.write('to stderr\\n')\nprint(sum(1 for _ in open('/dev/stdin')))\n",
    );
    let feed = |mut cmd: Command| {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("test setup");
        child.stdin.take().expect("test setup").write_all(b"a\nb\nc\n").expect("test setup");
        child.wait_with_output().expect("test setup")
    };
    let mut plain = Command::new(python());
    plain.arg(&script).current_dir(s.path());
    let plain = feed(plain);
    let mut sandboxed = s.exec();
    sandboxed.arg(&script);
    let sandboxed = feed(sandboxed);
    assert_eq!(stdout(&plain), "to stdout\n3\n", "{}", stderr(&plain));
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{}", stderr(&sandboxed));
    assert_eq!(without_own_findings(&stderr(&sandboxed), &script), stderr(&plain));
    assert_eq!(sandboxed.status.code(), Some(0));
}

/// Removing or renaming a symbolic link acts on the link, not on where it leads: the guard
/// judged `os.remove` of a link to `/usr/lib` as a change of `/usr/lib`, and refused it.
#[test]
fn links_are_removed_and_renamed_as_links() {
    let code = "import os\nos.symlink('/usr/lib', 'lnk')\nos.rename('lnk', 'lnk2')\nprint(os.readlink('lnk2'))\nos.remove('lnk2')\nprint(os.path.lexists('lnk2'))\n";
    same_as_python("links_as_links", code, &[], &[]);
}

/// A SQLite database is a file SQLite opens and makes with calls of its own (no `open` event):
/// `sqlite3.connect` is judged as a write of it.
#[test]
fn sqlite_databases_are_judged_as_files() {
    let s = Scratch::new();
    let script = s.write(
        "db.py",
        "import os, sqlite3, tempfile\nprint(sqlite3.connect(':memory:').execute('select 1').fetchone())\nsqlite3.connect(os.path.join(tempfile.gettempdir(), 'a.db')).execute('create table t (x)')\nprint('made')\ntry:\n    sqlite3.connect('/dev/shm/x.db')\n    print('MADE IN SHM')\nexcept PermissionError:\n    print('refused')\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "(1,)\nmade\nrefused\n", "{}", stderr(&out));
}

/// Arguments reach `sys.argv` as Python decodes them, bytes that are not UTF-8 as surrogate
/// escapes (they were replaced by U+FFFD), so `os.fsencode` gives back the bytes given.
#[test]
fn arguments_that_are_not_utf8_keep_their_bytes() {
    use std::os::unix::ffi::OsStrExt;
    let s = Scratch::new();
    let script = s.write(
        "argv.py",
        "import os, sys\nprint([os.fsencode(a) for a in sys.argv[1:]], sys.argv[2])\n",
    );
    let odd = std::ffi::OsStr::from_bytes(b"\xff\xfe-x");
    let plain = Command::new(python())
        .arg(&script)
        .arg(odd)
        .arg("é")
        .env_clear()
        .env("LANG", "C.UTF-8")
        .output()
        .expect("test setup");
    let sandboxed = run(s.exec().arg(&script).arg("--").arg(odd).arg("é"));
    assert_eq!(stdout(&plain), "[b'\\xff\\xfe-x', b'\\xc3\\xa9'] é\n", "{}", stderr(&plain));
    assert_eq!(stdout(&sandboxed), stdout(&plain), "{}", stderr(&sandboxed));
}

/// A signal the program sends itself, caught by a handler installed in C (`faulthandler`),
/// is delivered to that handler: the program goes on (the guard emulated the signal's
/// default action, which ended it, since `signal.getsignal` does not know such handlers).
#[test]
fn signals_caught_in_c_do_not_end_the_program() {
    let code = "import faulthandler, os, signal, tempfile\nprint('before', flush=True)\nwith tempfile.TemporaryFile() as log:\n    faulthandler.register(signal.SIGUSR1, file=log)\n    os.kill(os.getpid(), signal.SIGUSR1)\n    faulthandler.unregister(signal.SIGUSR1)\n    log.seek(0)\n    print('dumped', b'most recent call first' in log.read())\nprint('after')\n";
    same_as_python("faulthandler_signal", code, &[], &[]);
}

/// `ast.parse` and `symtable.symtable` with the file's own (absolute) name make a tree, not
/// code: linters and metrics tools do it.
#[test]
fn parsing_a_file_by_its_own_name_is_not_compiling_it() {
    let code = "import ast, symtable\nsource = open(__file__).read()\ntree = ast.parse(source, filename=__file__)\nprint(type(tree).__name__, len(tree.body))\nprint(symtable.symtable(source, __file__, 'exec').get_type())\n";
    same_as_python("parse_by_name", code, &[], &[]);
}

/// A named pipe in the private temporary directory works as under Python (the system-call
/// filter refused every `mknodat`); device nodes stay refused.
#[test]
fn named_pipes_are_made_where_the_program_writes() {
    let code = "import os, tempfile, threading\npath = os.path.join(tempfile.mkdtemp(), 'fifo')\nos.mkfifo(path)\ndef write():\n    with open(path, 'w') as w:\n        w.write('through the pipe\\n')\nt = threading.Thread(target=write)\nt.start()\nwith open(path) as r:\n    print(r.read(), end='')\nt.join()\nprint(os.path.exists(path))\n";
    same_as_python("fifo", code, &[], &[]);
}

/// Garbage left at the end is collected as under python3, and its finalizers may import:
/// an object in a reference cycle whose `__del__` imports a module, and a coroutine never
/// awaited held in a cycle (its warning imports `tracemalloc`). Once the interpreter is
/// finalizing no thread starts, and the guard's checks that need one waited out the wall-clock
/// limit; a program that turned collection off leaves its cycles to the modules' teardown.
#[test]
fn finalizers_at_the_end_of_the_run_may_import() {
    same_as_python(
        "finalizers_at_exit",
        r#"import sys
class Importing:
    def __del__(self):
        import colorsys
        print("finalizer imported", colorsys.__name__, file=sys.stderr)
c = Importing(); c.me = c; del c
async def handle():
    pass
class Holder:
    pass
h = Holder(); h.me = h; h.coro = handle(); del h
print("end")
"#,
        &[],
        &[],
    );
    same_as_python(
        "finalizers_at_exit_gc_off",
        "import gc
gc.disable()
class C:
    def __del__(self):
        print('finalized')
c = C(); c.me = c; del c
print('end', gc.isenabled())
",
        &[],
        &[],
    );
}

/// The guard holds the garbage collector off while it works, and a signal that arrives then
/// waits for it: finalizers (of cycles, by reference count), weak reference callbacks,
/// `gc.callbacks`, the program's own `gc.enable`/`gc.disable`, generators resumed from
/// finalizers and signal handlers behave as under python3.
#[test]
fn collector_finalizers_generators_and_signals() {
    same_as_python(
        "collector",
        r#"import gc, itertools, signal, sys, time, weakref

# Finalizers of garbage cycles, collected by the interpreter's own thresholds and at the end.
class Node:
    finalized = 0
    def __del__(self):
        Node.finalized += 1
for _ in range(5000):
    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
gc.collect()
print("cycles finalized", Node.finalized)

# A finalizer run by reference counting, a weak reference's callback, gc.callbacks.
log = []
class Counted:
    def __del__(self):
        log.append("del")
c = Counted()
del c
class Plain:
    pass
o = Plain()
w = weakref.ref(o, lambda ref: log.append("callback"))
del o
phases = []
def watch(phase, info):
    phases.append(phase)
gc.callbacks.append(watch)
gc.collect()
gc.callbacks.remove(watch)
print(log, sorted(set(phases)))

# The program's own gc.enable and gc.disable, with audited calls in between.
states = [gc.isenabled()]
gc.disable()
states.append(gc.isenabled())
with open(__file__) as f:
    f.readline()
states.append(gc.isenabled())
gc.enable()
states.append(gc.isenabled())
print("enabled", states)

# Generators: plain, doing I/O, delegating, closed early, and resumed from finalizers while
# audited calls run.
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
print(list(itertools.islice(fib(), 15)))
def lines():
    for _ in range(3):
        with open(__file__) as f:
            yield len(f.readline())
def delegate():
    yield from lines()
    return "done"
print(list(delegate()))
closed = []
def guarded():
    try:
        yield 1
        yield 2
    finally:
        closed.append(True)
g = guarded()
next(g)
g.close()
print("closed", closed)
def counter():
    n = 0
    while True:
        n += 1
        yield n
count = counter()
next(count)
class Resumer:
    def __del__(self):
        next(count)
gc.set_threshold(1, 1, 1)
for i in range(300):
    a, b = Resumer(), Resumer()
    a.other, b.other = b, a
    del a, b
    try:
        open("missing-%d.txt" % i)
    except OSError:
        pass
gc.set_threshold(700, 10, 10)
gc.collect()
print("resumed", next(count) - 1)

# Coroutines driven by hand.
async def double(x):
    return 2 * x
async def total():
    return sum([await double(i) for i in range(5)])
co = total()
try:
    co.send(None)
except StopIteration as stop:
    print("coroutine", stop.value)

# Signals arriving while audited calls run: every one handled, in order.
hits = []
signal.signal(signal.SIGALRM, lambda signum, frame: hits.append(signum))
signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
deadline = time.monotonic() + 10
while len(hits) < 30 and time.monotonic() < deadline:
    try:
        open("missing.txt")
    except OSError:
        pass
signal.setitimer(signal.ITIMER_REAL, 0)
print("signals", len(hits) >= 30, set(hits) == {signal.SIGALRM})

# A handler that raises ends a loop of audited calls, as under python3.
class Stop(Exception):
    pass
def stop(signum, frame):
    raise Stop
signal.signal(signal.SIGALRM, stop)
try:
    signal.setitimer(signal.ITIMER_REAL, 0.02)
    while True:
        try:
            open("missing.txt")
        except OSError:
            pass
except Stop:
    print("stopped")
# and one that only sets a flag ends a loop that makes no audited call at all.
fired = []
signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(1))
signal.setitimer(signal.ITIMER_REAL, 0.02)
while not fired:
    pass
print("fired")

# A handler's exception nobody catches: its traceback as python3 shows it, from the frame the
# signal landed in straight to the handler's.
signal.signal(signal.SIGALRM, stop)
signal.setitimer(signal.ITIMER_REAL, 0.01)
while True:
    pass
"#,
        &[],
        &[],
    );
}

#[test]
fn a_handlers_exception_leaves_wherever_its_signal_lands() {
    // A timer's handler raises into a loop of audited calls (the audit hook's entry) and of
    // calls through the guard's facades (a sealed entry), many times over: the exception
    // leaves the loop every time, wherever in the guard's entries the signal lands, as under
    // python3. A deadline counts a lost one instead of looping on to the CPU limit.
    same_as_python(
        "handler_lands",
        r#"import signal, time

class Stop(Exception):
    pass
def stop(signum, frame):
    raise Stop
signal.signal(signal.SIGALRM, stop)

def audited():
    try:
        open("missing.txt")
    except OSError:
        pass
def through_a_facade():
    signal.getsignal(signal.SIGALRM)

for name, call in (("audited", audited), ("facade", through_a_facade)):
    lost = 0
    for i in range(300):
        # The timer is set inside the `try`: on a loaded machine its signal may land as soon
        # as `setitimer` returns.
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.002 + (i % 5) * 0.0003)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                call()
            lost += 1
        except Stop:
            pass
    print(name, "lost", lost)
"#,
        &[],
        &[],
    );
}

#[test]
fn a_watchdog_interrupts_the_main_thread() {
    // A watchdog thread stops the main thread's loop of audited calls with
    // `_thread.interrupt_main()` (and `os.kill` of SIGINT): `KeyboardInterrupt` each time,
    // SIGINT's handler is Python's own, and automatic collection goes on running.
    same_as_python(
        "watchdog",
        r#"import _thread, gc, os, signal, threading, time

def collections_running():
    before = gc.get_stats()[0]["collections"]
    class Cycle:
        pass
    for _ in range(5000):
        a = Cycle()
        a.self = a
    return gc.get_stats()[0]["collections"] > before

print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)
caught = stuck = 0
for rnd in range(60):
    go = threading.Event()
    def watchdog():
        go.wait()
        time.sleep(0.0003 * (rnd % 5))
        if rnd % 3:
            _thread.interrupt_main()
        else:
            os.kill(os.getpid(), signal.SIGINT)
    t = threading.Thread(target=watchdog)
    t.start()
    try:
        go.set()
        while True:
            try:
                with open(__file__) as f:
                    f.readline()
            except OSError:
                pass
    except KeyboardInterrupt as e:
        caught += 1
        if type(e) is not KeyboardInterrupt or e.args:
            print("unexpected", repr(e))
        if not collections_running():
            stuck += 1
    t.join()
print("caught", caught, "stuck", stuck, gc.isenabled(), collections_running())
print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)

# A handler of the program's, then Python's own again.
def handler(signum, frame):
    raise RuntimeError("handled %d" % signum)
previous = signal.signal(signal.SIGINT, handler)
print(previous is signal.default_int_handler, signal.getsignal(signal.SIGINT) is handler)
try:
    _thread.interrupt_main()
    while True:
        with open(__file__) as f:
            f.readline()
except RuntimeError as e:
    print(e)
signal.signal(signal.SIGINT, signal.default_int_handler)
try:
    _thread.interrupt_main()
    time.sleep(1)
except KeyboardInterrupt:
    print("interrupted")
signal.signal(signal.SIGINT, signal.SIG_IGN)
_thread.interrupt_main()
print("ignored", signal.getsignal(signal.SIGINT))
"#,
        &[],
        &[],
    );
}

#[test]
fn a_daemon_changes_to_the_root_directory() {
    // The usual daemon start: leave the directory it was started in, then work by absolute
    // paths; relative paths now resolve against `/`.
    let code = "import os\nos.chdir('/')\nprint(os.getcwd())\nos.chdir(b'/')\nprint(os.getcwdb())\nprint(os.path.isdir('usr'))\n";
    same_as_python("daemon_root", code, &[], &[]);
}

/// A program without a terminal asks for a password: `getpass` tries the controlling terminal
/// (`/dev/tty`), which the sandbox, in a session of its own, does not have, and falls back to
/// standard input. The guard refused the open as a read outside the policy and reported a
/// violation on standard error; the kernel's answer to a process without a terminal is ENXIO.
/// The plain run leaves its terminal with `os.setsid` (refused in the sandbox, which has none).
#[test]
fn a_password_prompt_without_a_terminal() {
    let code = r#"
import getpass, os, sys, warnings
try:
    os.setsid()
except OSError:
    pass
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        secret = getpass.getpass("Password: ")
    except EOFError:
        secret = None
print("no input" if secret is None else secret, [w.category.__name__ for w in caught])
for flags in (os.O_RDWR | os.O_NOCTTY, os.O_RDONLY):
    try:
        os.close(os.open("/dev/tty", flags))
    except OSError as e:
        print(type(e).__name__, e.errno, e.strerror, e.filename)
try:
    open("/dev/tty", "w")
except OSError as e:
    print(type(e).__name__, e.errno, e.filename)
"#;
    same_as_python("password_prompt", code, &[], &[]);
}

/// A cache of results holding the standard library's enumerations (an HTTP status, a signal,
/// a socket family, a `pstats` sort key) is loaded back: the guard's pickle check refused every
/// enumeration outside `enum` and `re`, though building a member only looks its value up.
#[test]
fn pickles_of_the_standard_librarys_enumerations() {
    let code = r#"
import http, pickle, pstats, signal, socket, ssl, uuid
values = [http.HTTPStatus.NOT_FOUND, signal.Signals.SIGTERM, socket.AddressFamily.AF_INET,
          pstats.SortKey.CUMULATIVE, ssl.Options.OP_NO_TICKET, uuid.SafeUUID.safe]
for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
    back = pickle.loads(pickle.dumps(values, protocol=proto))
    print(proto, back == values, [repr(v) for v in back])
"#;
    same_as_python("stdlib_enums", code, &[], &[]);
}

/// A program prints where it runs: `platform.platform()` asks `uname -p` for the processor in a
/// process (caught by `platform`, which answers without it). Refused under `process: false`, as
/// every process is, but the guard also reported a violation the program never committed.
#[test]
fn platform_probes_of_the_system() {
    let code = r#"
import platform, sys
summary = platform.platform()
uname = platform.uname()
print(summary.startswith(uname.system), uname.system, uname.machine, platform.python_version())
print(platform.python_implementation(), platform.system() == sys.platform.capitalize())
"#;
    same_as_python("platform_probes", code, &[], &[]);
}

/// The machine's size and load read from `/proc` and `/sys` (psutil's `virtual_memory()`,
/// `boot_time()` and `cpu_count()`, BLAS libraries sizing their thread pools): the same figures
/// `os.sysconf` and `os.getloadavg` give through system calls; other host files stay refused.
#[test]
fn the_machines_size_and_load_are_read_as_under_python() {
    let code = r#"
import os
def first(path):
    with open(path) as f:
        return f.readline().split()[0]
print(first("/proc/meminfo"), first("/proc/stat"), first("/proc/cpuinfo"))
with open("/proc/meminfo") as f:
    total = int(f.readline().split()[1]) * 1024
print(total == os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
with open("/proc/uptime") as f:
    print(float(f.read().split()[0]) > 0)
with open("/proc/loadavg") as f:
    print(len(f.read().split()))
with open("/sys/devices/system/cpu/online") as f:
    print(f.read().strip() == ("0" if os.cpu_count() == 1 else "0-%d" % (os.cpu_count() - 1)))
"#;
    same_as_python("machine_size", code, &[], &[]);
    let s = Scratch::new();
    let script = s.write(
        "machine_size_other_files.py",
        r#"
for path in ("/proc/version", "/proc/modules", "/proc/sys/kernel/random/boot_id",
             "/sys/devices/system/cpu/vulnerabilities/meltdown", "/sys/class/net"):
    try:
        open(path).read()
        print("read", path)
    except OSError as e:
        print("refused", path, type(e).__name__)
"#,
    );
    let out = run(s.exec().arg(&script));
    assert!(out.status.success(), "stderr: {}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        !printed.contains("read "),
        "a host file beyond the machine's size was read:\n{printed}"
    );
    assert_eq!(printed.matches("refused ").count(), 5, "{printed}");
}

/// Threads pass framed messages over a socket pair of sequenced packets (`SOCK_SEQPACKET`,
/// message boundaries kept): the kernel filter allowed only stream pairs without network,
/// though a sequenced-packet pair is as connected as a stream one (its ends reach each other
/// only).
#[test]
fn a_sequenced_packet_socket_pair() {
    let code = r#"
import json, socket, threading
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
def worker():
    while msg := b.recv(65536):
        req = json.loads(msg)
        b.send(json.dumps({"id": req["id"], "sum": sum(req["xs"])}).encode())
    b.close()
t = threading.Thread(target=worker)
t.start()
for i in range(3):
    a.send(json.dumps({"id": i, "xs": list(range(i + 3))}).encode())
    print(a.recv(65536))
a.shutdown(socket.SHUT_WR)
t.join()
a.close()
c, d = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK)
c.send(b"one")
c.send(b"two")
print(d.recv(10), d.recv(10), d.type)
"#;
    same_as_python("seqpacket_pair", code, &[], &[]);
}

/// A cache written by an earlier run holds enumerations of standard-library modules this
/// program never imports (an HTTP status, a `pstats` sort key, a plist format, a `py_compile`
/// mode, a TLS version): the unpickler imports the module after the guard's check, which
/// accepted an enumeration only once its module was loaded.
#[test]
fn pickles_of_enumerations_whose_module_is_not_loaded() {
    let code = r#"
import pickle
# Made with `pickle.dumps` (protocols 2 to 5) by another program.
blobs = """
800263687474700a485454505374617475730a71004d94018571015271022e
8003637073746174730a536f72744b65790a7100580a00000063756d756c617469766571018571025271032e
80049522000000000000008c08706c6973746c6962948c0b506c697374466f726d61749493944b02859452942e
8005952c000000000000008c0a70795f636f6d70696c65948c13507963496e76616c69646174696f6e4d6f64659493944b02859452942e
8004951d000000000000008c0373736c948c0a544c5356657273696f6e9493944d0303859452942e
""".split()
for blob in blobs:
    value = pickle.loads(bytes.fromhex(blob))
    print(type(value).__module__, repr(value))
"#;
    same_as_python("stdlib_enums_unloaded", code, &[], &[]);
}

/// A clean-up removes files that may be there (`contextlib.suppress(FileNotFoundError)`), also
/// outside the places the program may write: where there is nothing to remove, the call fails
/// with FileNotFoundError as under Python, not with a refusal.
#[test]
fn removing_what_is_not_there_fails_as_under_python() {
    let code = r#"
import contextlib, os, shutil
for label, call in (("remove", lambda: os.remove("/nonexistent-pysbx/app.pid")),
                    ("unlink", lambda: os.unlink("/tmp/pysbx-no-such.lock")),
                    ("rmdir", lambda: os.rmdir("/nonexistent-pysbx/cache")),
                    ("rename", lambda: os.rename("/nonexistent-pysbx/a", "b")),
                    ("replace", lambda: os.replace("/nonexistent-pysbx/a", "/nonexistent-pysbx/b")),
                    ("rmtree", lambda: shutil.rmtree("/nonexistent-pysbx/build"))):
    try:
        call()
        print(label, "done")
    except FileNotFoundError as e:
        print(label, "FileNotFoundError", e.filename)
with contextlib.suppress(FileNotFoundError):
    os.remove("/nonexistent-pysbx/app.pid")
shutil.rmtree("/nonexistent-pysbx/build", ignore_errors=True)
print("cleaned")
"#;
    same_as_python("remove_absent", code, &[], &[]);
    // What is there is still refused where the program may not write: the script itself.
    let s = Scratch::new();
    let script = s.write(
        "rm.py",
        "import os\ntry:\n    os.remove(os.path.abspath(__file__))\nexcept FileNotFoundError:\n    print('absent')\n\
         except PermissionError:\n    print('refused', os.path.exists(__file__))\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "refused True\n", "{}", stderr(&out));
    assert!(script.exists());
}

/// A script that works from its own directory, wherever it is started from, enters it first
/// (`os.chdir(os.path.dirname(os.path.abspath(__file__)))`) and then reads and writes files by
/// relative paths. Started in that directory, the working directory shows it copy-on-write,
/// but the directory by its own path is read-only: the writes were refused. `os.chdir` into it
/// enters the working directory.
#[test]
fn entering_the_scripts_own_directory() {
    let code = r#"
import contextlib, os, tempfile
here = os.path.dirname(os.path.abspath(__file__))
os.chdir(here)
with open("data/numbers.txt") as f:
    nums = sorted(int(x) for x in f)
os.makedirs("out", exist_ok=True)
with open("out/sorted.txt", "w") as f:
    f.write(" ".join(map(str, nums)))
print(open("out/sorted.txt").read(), sorted(os.listdir("out")), os.path.exists("data/numbers.txt"))
with contextlib.chdir(tempfile.gettempdir()):
    print(os.path.exists("out"))
print(os.path.exists("out/sorted.txt"))
os.chdir(os.path.join(here, "data"))
print(sorted(os.listdir(".")))
os.chdir(os.fsencode(here))
print(os.path.isdir("out"))
"#;
    same_as_python("enter_own_dir", code, &[], &[("data/numbers.txt", "3\n1\n2\n")]);
    // What the policy does not let the program read is still refused.
    let s = Scratch::new();
    let script = s.write(
        "cd.py",
        "import os\ntry:\n    os.chdir('/root')\n    print('entered')\nexcept PermissionError:\n    print('refused')\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "refused\n", "{}", stderr(&out));
}

/// A program may lower its own resource limits, as test suites (no core files) and scripts
/// that cap their own memory do; raising one the policy does not pin (the stack) stays
/// refused, through `resource.setrlimit` and `resource.prlimit` alike.
#[test]
fn a_program_lowers_its_own_resource_limits() {
    let code = r#"
import resource
def lower(res, value):
    soft, hard = resource.getrlimit(res)
    new = value if soft == resource.RLIM_INFINITY else min(soft, value)
    resource.setrlimit(res, (new, hard))
    return resource.getrlimit(res)[0] == new
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
print("core", resource.getrlimit(resource.RLIMIT_CORE))
for name, value in (("AS", 1 << 30), ("DATA", 256 << 20), ("NOFILE", 128), ("CPU", 5), ("FSIZE", 1 << 20)):
    print(name, lower(getattr(resource, "RLIMIT_" + name), value))
resource.prlimit(0, resource.RLIMIT_NOFILE, (100, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
print("prlimit", resource.prlimit(0, resource.RLIMIT_NOFILE)[0])
with open("big.bin", "wb") as f:
    try:
        f.write(b"x" * (2 << 20))
        f.flush()
    except OSError as e:
        print("file size", e.errno)
"#;
    same_as_python("rlimits", code, &[], &[]);
    // The stack is not among the limits the policy sets: raising it (to the hard limit the
    // kernel would allow) is refused by both roads, and no hard limit rises (the kernel).
    let s = Scratch::new();
    let script = s.write(
        "raise.py",
        r#"
import resource
INF = resource.RLIM_INFINITY
for label, call in (("setrlimit", lambda: resource.setrlimit(resource.RLIMIT_STACK, (INF, INF))),
                    ("prlimit", lambda: resource.prlimit(0, resource.RLIMIT_STACK, (INF, INF))),
                    ("hard", lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096)))):
    try:
        call()
        print(label, "changed")
    except PermissionError:
        print(label, "refused")
    except ValueError:
        print(label, "kernel")
print(resource.getrlimit(resource.RLIMIT_STACK)[0] != INF, resource.getrlimit(resource.RLIMIT_NOFILE))
"#,
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(
        stdout(&out),
        "setrlimit refused\nprlimit refused\nhard kernel\nTrue (256, 256)\n",
        "{}",
        stderr(&out)
    );
}

/// Calls relative to a directory descriptor are judged against that directory, not the
/// working directory: a file of the script's directory named `etc/passwd` opened through a
/// descriptor of that directory (by `open` with an opener; from `/`, by `os.open` and with a
/// bytes path), its listing by descriptor, `os.fwalk` of it, and `shutil.rmtree` of a tree in
/// the temporary directory holding `etc/passwd` (both work through descriptors) run as under
/// Python.
#[test]
fn paths_relative_to_a_directory_descriptor_work() {
    let code = r#"
import os, shutil, tempfile
here = os.path.dirname(os.path.abspath(__file__))
tree = tempfile.mkdtemp()
d = os.open(here, os.O_RDONLY | os.O_DIRECTORY)
# `open` judges its name against the working directory too (its audit event names no opener).
with open("etc/passwd", opener=lambda p, fl: os.open(p, fl, dir_fd=d)) as fh:
    print(fh.read().strip())
os.chdir("/")
f = os.open("etc/passwd", os.O_RDONLY, dir_fd=d)
print(os.read(f, 100).decode().strip())
os.close(f)
f = os.open(b"etc/passwd", os.O_RDONLY, dir_fd=d)
print(len(os.read(f, 100)))
os.close(f)
print(sorted(os.listdir(d)))
print(sorted(n for _, _, files, _ in os.fwalk(here) for n in files))
os.makedirs(os.path.join(tree, "etc", "ssl"))
with open(os.path.join(tree, "etc", "passwd"), "w") as fh:
    fh.write("x")
shutil.rmtree(tree)
print("removed", not os.path.exists(tree))
"#;
    let s = Scratch::new();
    s.write("etc/passwd", "dir_fd notes\n");
    let script = s.write("walk.py", code);
    let out = run(s.exec().arg(&script));
    assert_eq!(
        stdout(&out),
        "dir_fd notes\ndir_fd notes\n13\n['etc', 'walk.py']\n['passwd', 'walk.py']\nremoved True\n",
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("violation"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A stubbed module's use ends the run as the stub's refusal, and nothing else: showing the
/// traceback parses the stub's frames, whose columns lie past the import line they name (a
/// blank segment, which compiles to nothing), and that parse is the printer's, not the
/// program's code made at run time.
#[test]
fn a_stubbed_module_used_ends_with_its_own_refusal_only() {
    let s = Scratch::new();
    let script =
        s.write("stubbed.py", "import ctypes, math\nprint(ctypes.sizeof(ctypes.c_int), math.pi)\n");
    let out = run(s.exec().arg(&script));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(122), "{err}");
    assert!(err.contains("PysbxBlocked: PSB301"), "{err}");
    assert!(!err.contains("[code]"), "the printer's parse was judged as the program's: {err}");
    assert!(!err.contains("code made at run time"), "{err}");
}

/// A module that keeps a process function as a default or an alias (botocore's
/// `popen=subprocess.Popen`, `_system = os.system`) imports under the default policy: the gate
/// puts a blocked object where the reference was, and only a use of it raises, naming the
/// rule and the line.
#[test]
fn a_process_function_held_as_a_default_imports_and_raises_at_use() {
    let s = Scratch::new();
    s.write(
        "provider.py",
        "import os, subprocess\n\
         _system = os.system\n\
         class ProcessProvider:\n\
         \x20   def __init__(self, command, popen=subprocess.Popen):\n\
         \x20       self.command, self._popen = command, popen\n\
         \x20   def load(self):\n\
         \x20       return self._popen(self.command)\n\
         def shell(line):\n\
         \x20   return _system(line)\n",
    );
    let script = s.write(
        "main.py",
        "import provider\n\
         print('imported')\n\
         for use in (lambda: provider.ProcessProvider(['echo', 'PWN']).load(),\n\
         \x20           lambda: provider.shell('echo PWN')):\n\
         \x20   try:\n\
         \x20       use()\n\
         \x20       print('ran')\n\
         \x20   except PermissionError as e:\n\
         \x20       print(type(e).__name__, str(e).split(' blocked')[0])\n",
    );
    let out = run(s.exec().arg(&script));
    let err = stderr(&out);
    assert_eq!(
        stdout(&out),
        "imported\nPysbxBlocked PSB203 (subprocess-call)\nPysbxBlocked PSB201 (os-system)\n",
        "{err}"
    );
    assert!(!stdout(&out).contains("PWN") && !err.contains("PWN\n"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

#[test]
fn a_program_handling_being_offline_takes_its_fallback_as_on_a_machine_with_no_network() {
    // A machine with no network fails a lookup with `socket.gaierror`, which `urllib` raises as
    // `URLError` and `socket.create_connection` as it is. Under the default policy the gate
    // stubs the calls and the guard refuses the lookups: the program's own handlers of those
    // errors take the refusals (which stay `PermissionError`s, as pysbx's refusals are).
    let code = r#"
import socket, urllib.request
from urllib.error import URLError

def fetch(url):
    try:
        return urllib.request.urlopen(url, timeout=5).read()
    except URLError:
        return None

def address(host):
    try:
        return socket.getaddrinfo(host, 443)[0][4][0]
    except socket.gaierror:
        return None

def reachable(host):
    try:
        socket.create_connection((host, 443), timeout=5).close()
        return True
    except socket.gaierror:
        return False

print("fetched:", fetch("https://example.com/"))
print("address:", address("example.com"))
print("reachable:", reachable("example.com"))
print("lookup", socket.gethostbyname.__name__)
try:
    socket.gethostbyname("example.com")
except socket.gaierror as e:
    print("refusal is a PermissionError:", isinstance(e, PermissionError))
"#;
    let s = Scratch::new();
    let script = s.write("offline.py", code);
    let out = run(s.exec().arg(&script));
    assert_eq!(
        stdout(&out),
        "fetched: None\naddress: None\nreachable: False\nlookup gethostbyname\n\
         refusal is a PermissionError: True\n",
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The same branches as on a machine without network, where one can be made (a network
    // namespace of its own needs root or user namespaces).
    let offline = Command::new("unshare")
        .args(["--net", "--map-root-user"])
        .arg(python())
        .arg(&script)
        .env_clear()
        .env("LANG", "C.UTF-8")
        .output();
    if let Ok(offline) = offline
        && offline.status.success()
    {
        let without_last = |text: String| text.lines().take(4).collect::<Vec<_>>().join("\n");
        assert_eq!(without_last(stdout(&out)), without_last(stdout(&offline)));
    }
}

#[test]
fn a_helper_without_a_handler_fails_as_offline_for_its_caller() {
    // Most code wraps a request in a helper and handles being offline where it calls it. The
    // stub in the helper raises the library's own error for a machine with no network beside
    // the refusal, so the caller's handler takes it as python3's would.
    let code = r#"
import socket, urllib.request
import urllib.request as rq

def fetch(url):
    return urllib.request.urlopen(url, timeout=5).read()

def fetch_aliased(url):
    return rq.urlopen(url, timeout=5).read()

def connect(host):
    return socket.create_connection((host, 443), timeout=5)

for label, step in (("fetch", lambda: fetch("https://example.com/")),
                    ("aliased", lambda: fetch_aliased("https://example.com/"))):
    try:
        step()
        print(label, "online")
    except urllib.error.URLError as e:
        print(label, "offline", isinstance(e, PermissionError))
try:
    connect("example.com")
    print("connect online")
except socket.gaierror:
    print("connect offline")
"#;
    exec_prints("helpers.py", code, "fetch offline True\naliased offline True\nconnect offline\n");
}

/// Runs `code` as the script `file` under the default policy, and checks that it printed
/// `expected` and exited 0.
fn exec_prints(file: &str, code: &str, expected: &str) {
    let s = Scratch::new();
    let script = s.write(file, code);
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), expected, "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn standard_library_tools_run_as_the_program_with_dash_m() {
    // `-m doctest` makes the standard library's module the program: every frame of it is the
    // standard library's, and its runner restores the tracer it found (`sys.settrace(None)`)
    // as under Python. The others read and write only what they are given.
    let s = Scratch::new();
    s.write(
        "squares.py",
        "def square(x):\n    \"\"\"\n    >>> square(3)\n    9\n    >>> [square(i) for i in range(4)]\n    [0, 1, 4, 9]\n    \"\"\"\n    return x * x\n",
    );
    s.write("data.json", "{\"b\": [1, 2], \"a\": null}");
    for args in [
        &["-m", "doctest", "-v", "squares.py"][..],
        &["-m", "json.tool", "--sort-keys", "data.json"],
        &["-m", "calendar", "2026", "12"],
        &["-m", "tokenize", "squares.py"],
    ] {
        let plain = python_in(s.path(), args);
        let sandboxed = run(s.exec().args(args));
        assert_eq!(stdout(&sandboxed), stdout(&plain), "{args:?}: {}", stderr(&sandboxed));
        assert_eq!(sandboxed.status.code(), plain.status.code(), "{args:?}");
        assert!(!stdout(&plain).is_empty(), "{args:?} printed nothing");
    }
}

#[test]
fn path_objects_and_stand_in_frames_are_used_as_under_python() {
    // `os.open` given a `pathlib.Path` or an `os.PathLike` of the program's (what
    // `Path.touch`, `shutil.rmtree` of a `Path` and many libraries pass), relative or not;
    // and objects of the program's that stand in for frames (tblib's and pytest's build them
    // with `f_globals`, `f_locals`, `f_back` of their own), set and read.
    let code = r#"
import os, pathlib, shutil
from types import SimpleNamespace

class Where(os.PathLike):
    def __init__(self, p):
        self.p = p
    def __fspath__(self):
        return self.p

pathlib.Path("made.txt").touch()
pathlib.Path("deep/a/b").mkdir(parents=True)
pathlib.Path("deep/a/b/c.txt").touch()
print("touched", sorted(os.listdir(".")))
fd = os.open(pathlib.Path("made.txt"), os.O_WRONLY | os.O_APPEND)
os.write(fd, b"one\n")
os.close(fd)
fd = os.open(Where("made.txt"), os.O_RDONLY)
print("read", os.read(fd, 10))
os.close(fd)
fd = os.open(pathlib.Path("made.txt").resolve(), os.O_RDONLY)
os.close(fd)
shutil.rmtree(pathlib.Path("deep"))
shutil.rmtree(pathlib.Path("absent"), ignore_errors=True)
print("after rmtree", sorted(os.listdir(".")))

class FakeFrame:
    def __init__(self, back=None):
        self.f_globals = {"__name__": "fake"}
        self.f_locals = {"x": 1}
        self.f_back = back
        self.f_code = SimpleNamespace(co_name="stand_in")

top = FakeFrame(FakeFrame())
print(top.f_globals["__name__"], top.f_locals, top.f_back.f_back)
del top.f_back
print(len(vars(top)), SimpleNamespace(f_back=3).f_back)
"#;
    same_as_python("path_objects", code, &[], &[]);
}

#[test]
fn pytest_runs_a_test_suite_with_its_assertion_rewriting() {
    // pytest rewrites each test module's asserts (and its plugins', conftest's) as a syntax
    // tree it compiles; the guard writes the tree out and runs it as the gate would run that
    // text, as an import of it would (pytest's rewritten modules import under names source
    // cannot spell, and a plugin may find its caller's globals).
    let s = Scratch::new();
    s.write(
        "conftest.py",
        "import pytest\n\n@pytest.fixture\ndef numbers():\n    return [1, 2, 3]\n",
    );
    s.write("calc.py", "def add(a, b):\n    return a + b\n");
    s.write(
        "test_calc.py",
        "import pytest\nfrom calc import add\n\n\
         def test_add():\n    assert add(2, 3) == 5\n\n\
         @pytest.mark.parametrize(\"a,b,c\", [(1, 1, 2), (2, 2, 4), (0, -1, -1)])\n\
         def test_param(a, b, c):\n    assert add(a, b) == c\n\n\
         def test_fixture(numbers):\n    assert sum(numbers) == 6\n\n\
         def test_raises():\n    with pytest.raises(ZeroDivisionError):\n        1 / 0\n\n\
         def test_tmp(tmp_path):\n    p = tmp_path / \"f.txt\"\n    p.write_text(\"x\")\n    assert p.read_text() == \"x\"\n\n\
         def test_fail():\n    assert add(1, 1) == 3\n",
    );
    // Installed plugins load too (`anyio`'s imports `trio` where installed, which needs
    // `ctypes`, refused by design): only pytest's own here.
    let args = [
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:anyio",
        "-p",
        "no:hypothesispytest",
        "test_calc.py",
    ];
    let plain = python_in(s.path(), &args);
    if String::from_utf8_lossy(&plain.stderr).contains("No module named pytest") {
        panic!("pytest is not installed for {} (.ci/run installs it)", python().display());
    }
    let sandboxed = run(s.exec().args(args));
    // The report as pytest writes it (the failed assert's source line and its file's line
    // number: the code made from the written-out tree keeps the test module's lines), but the
    // time taken.
    let report = |out: &std::process::Output| {
        let text = stdout(out);
        text.lines()
            .map(|line| line.split(" in 0.").next().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(report(&sandboxed), report(&plain), "{}", stderr(&sandboxed));
    let plain_text = stdout(&plain);
    assert!(plain_text.contains("1 failed, 7 passed"), "{plain_text}");
    assert!(plain_text.contains(">       assert add(1, 1) == 3"), "{plain_text}");
    assert_eq!(sandboxed.status.code(), plain.status.code());
}

#[test]
fn the_c_profiler_is_refused_and_profile_runs() {
    // The C profiler calls the timer it was given at every call and return, the facades'
    // included, whose frames hold what they hand the guard or the interpreter; the guard
    // cannot tell whether it was given one, so it is refused however it starts (`runcall`,
    // `enable()`, `cProfile.run`), with a message naming the `profile` module, whose profiler
    // the guard's trampoline keeps from its frames.
    let code = r#"
import cProfile, profile, sys
def add(a, b):
    return a + b
for label, start in (("runcall", lambda: cProfile.Profile().runcall(add, 1, 2)),
                     ("enable", lambda: cProfile.Profile().enable()),
                     ("run", lambda: cProfile.run("add(3, 4)"))):
    try:
        start()
        print(label, "ran")
    except PermissionError as e:
        print(label, "refused", "profile module" in str(e))
print(sys.getprofile())
p = profile.Profile()
print(p.runcall(add, 5, 6))
"#;
    exec_prints(
        "profilers.py",
        code,
        "runcall refused True\nenable refused True\nrun refused True\nNone\n11\n",
    );
}

#[test]
fn generators_and_coroutines_hand_out_their_code_objects() {
    // `gi_code`, `cr_code`, `ag_code` are code objects, as `__code__` is: read as under
    // Python (graphql-core's `is_awaitable` and pluggy read `gi_code`).
    let code = "import inspect\n\
                def g():\n    yield 1\n\
                async def c():\n    pass\n\
                async def a():\n    yield 1\n\
                gen, co, ag = g(), c(), a()\n\
                print(gen.gi_code.co_name, co.cr_code.co_name, ag.ag_code.co_name)\n\
                print(inspect.isawaitable(gen), gen.gi_code.co_flags & inspect.CO_ITERABLE_COROUTINE)\n\
                co.close()\n";
    same_as_python("generator code", code, &[], &[]);
}

/// A refused import is a missing module to the program, however it imports: the
/// optional-dependency idiom (`try: importlib.import_module("ctypes")` with `except
/// ImportError:`) takes its fallback, with the gate (whose stub of the call raises
/// `PysbxBlockedImport`) and without it (the guard's refusal, `pysbx.ImportRefused`, a
/// `ModuleNotFoundError`); let through, either ends the run as a violation.
#[test]
fn a_refused_import_is_a_missing_module_to_the_program() {
    let handled = "import importlib\ntry:\n    importlib.import_module('ctypes')\n    print('ctypes available')\nexcept ImportError as e:\n    print('no ctypes:', isinstance(e, ModuleNotFoundError))\ntry:\n    __import__('ctypes.util')\nexcept ImportError:\n    print('no ctypes.util')\nimport colorsys\nprint('colorsys', colorsys.rgb_to_hsv(0, 0, 0))\n";
    let unhandled = "import importlib\nimportlib.import_module('ctypes')\nprint('RAN ON')\n";
    let s = Scratch::new();
    let handled_script = s.write("handled.py", handled);
    let unhandled_script = s.write("unhandled.py", unhandled);
    for gate in [true, false] {
        let mut cmd = s.exec();
        if !gate {
            cmd.arg("--no-gate");
        }
        let out = run(cmd.arg("--no-cache").arg(&handled_script));
        assert_eq!(
            stdout(&out),
            "no ctypes: True\nno ctypes.util\ncolorsys (0.0, 0.0, 0)\n",
            "gate {gate}: {}",
            stderr(&out)
        );
        assert_eq!(out.status.code(), Some(0), "gate {gate}: {}", stderr(&out));
        let mut cmd = s.exec();
        if !gate {
            cmd.arg("--no-gate");
        }
        let out = run(cmd.arg("--no-cache").arg(&unhandled_script));
        assert_eq!(stdout(&out), "", "gate {gate}: {}", stderr(&out));
        assert_eq!(out.status.code(), Some(122), "gate {gate}: {}", stderr(&out));
        let want = if gate { "PysbxBlockedImport" } else { "pysbx.ImportRefused" };
        assert!(stderr(&out).contains(want), "gate {gate}: {}", stderr(&out));
    }
}

/// The run ends as the interpreter would end it (the guard ends the process itself at the
/// interpreter's last event, with the status the interpreter would exit with): a normal end,
/// `sys.exit` with a number, a text or `None`, a number past 255, an exception nobody caught,
/// output left unflushed, a finalizer printing at the modules' teardown.
#[test]
fn exit_statuses_and_last_output_as_under_python() {
    for (name, code) in [
        ("exit_plain", "print('a')\n"),
        ("exit_number", "import sys\nprint('partial', end='')\nsys.exit(3)\n"),
        ("exit_text", "import sys\nsys.exit('bye')\n"),
        ("exit_none", "import sys\nprint(1)\nsys.exit(None)\n"),
        ("exit_wraps", "import sys\nprint(2)\nsys.exit(257)\n"),
        ("exit_negative", "import sys\nprint(3)\nsys.exit(-1)\n"),
        ("exit_uncaught", "raise ValueError('x')\n"),
        (
            "exit_teardown",
            "class C:\n    def __del__(self):\n        print('teardown print')\nc = C()\nprint('end', end='')\n",
        ),
        // The interpreter's streams detached and their buffers wrapped anew (a program that
        // sets its own encoding): the new streams hold what is printed.
        (
            "exit_detached_streams",
            "import io, sys
sys.stdout = io.TextIOWrapper(sys.stdout.detach(), encoding='utf-8')
sys.stderr = io.TextIOWrapper(sys.stderr.detach(), encoding='utf-8')
print('out', end='')
print('err', file=sys.stderr)
",
        ),
    ] {
        same_as_python(name, code, &[], &[]);
    }
}

/// The program's `__main__` ends as under python3: removed from `sys.modules` at the teardown
/// and freed, so the finalizers of what its globals held see those globals (a module-level
/// object that removes its scratch file; asyncio's note on a task destroyed while pending),
/// rather than globals already set to `None`.
#[test]
fn module_globals_end_as_under_python() {
    same_as_python(
        "main_teardown",
        "import os, tempfile\nclass Scratch:\n    def __init__(self):\n        fd, self.path = tempfile.mkstemp()\n        os.close(fd)\n    def __del__(self):\n        os.remove(self.path)\n        print('scratch removed', os.path.exists(self.path), flush=True)\nSCRATCH = Scratch()\nprint('main done')\n",
        &[],
        &[],
    );
    same_as_python(
        "pending_task_at_exit",
        "import asyncio\nasync def handle():\n    pass\nloop = asyncio.new_event_loop()\nt = loop.create_task(handle())\nprint('end')\n",
        &[],
        &[],
    );
}

/// Paths whose bytes are not UTF-8 (Python's `surrogateescape` strings) reach pysbx in the
/// guard's records as lone surrogates, which pysbx's JSON reader refused: the run was killed as
/// if the program had broken the guard's channel (exit 122). A module imported from such a
/// directory runs as under Python, and a refused write to such a path is the program's
/// `PermissionError` to catch, shown with the byte as Python shows it (`\xff`).
#[test]
fn paths_that_are_not_utf8_reach_pysbx_as_text() {
    let code = "import os, sys\n\
        d = os.fsdecode(b'pkg\\xff')\n\
        os.mkdir(d)\n\
        with open(os.path.join(d, 'mymod.py'), 'w') as f:\n    f.write('VALUE = 42\\n')\n\
        sys.path.insert(0, os.path.abspath(d))\n\
        import mymod\n\
        print('imported', mymod.VALUE)\n";
    same_as_python("non_utf8_module_directory", code, &[], &[]);
    let s = Scratch::new();
    let refused = "try:\n    open(b'/etc/pysbx-\\xff', 'w')\nexcept PermissionError:\n    print('refused')\nprint('goes on')\n";
    let out = run(s.exec().args(["-c", refused]));
    assert_eq!(stdout(&out), "refused\ngoes on\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("changing /etc/pysbx-\\xff is not allowed"), "{}", stderr(&out));
}
