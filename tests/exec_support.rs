//! Helpers for the `pysbx exec` end-to-end tests: a scratch directory the sandbox uid can read,
//! the real interpreter, and checks made from outside the sandbox.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The first uid pysbx hands to sandboxes when it runs as root.
pub(crate) const SANDBOX_UID_BASE: u32 = 0x6000_0000;

/// The real interpreter behind `python3` (pyenv's shim resolved once).
pub(crate) fn python() -> &'static Path {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new("python3")
            .args(["-c", "import sys, os; print(os.path.realpath(sys.executable))"])
            .output()
            .expect("python3 runs");
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    })
}

/// A scratch directory readable by any uid (the sandbox uid reads the script's directory).
pub(crate) struct Scratch {
    pub(crate) dir: tempfile::TempDir,
}

/// Gives this test process, and so every child it starts, SIGINT's default action, as a
/// terminal's job has it. A runner that starts the suite with SIGINT ignored (a background job
/// of a non-interactive shell, `nohup`) would pass that on: Python then installs no
/// `KeyboardInterrupt` handler and `_thread.interrupt_main` does nothing (the interrupt tests'
/// loops would spin until their time limit), and pysbx leaves an inherited ignored signal
/// ignored, as it should, so a SIGINT sent to it would end nothing.
pub(crate) fn interrupts_as_from_a_terminal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[expect(unsafe_code, reason = "setting a signal's disposition is unsafe in nix")]
        // SAFETY: SIG_DFL installs no handler, so no code of ours runs in signal context.
        let reset = unsafe {
            nix::sys::signal::signal(
                nix::sys::signal::Signal::SIGINT,
                nix::sys::signal::SigHandler::SigDfl,
            )
        };
        reset.expect("test setup: SIGINT's default action");
    });
}

impl Scratch {
    pub(crate) fn new() -> Self {
        interrupts_as_from_a_terminal();
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("test setup");
        Self { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn write(&self, name: &str, content: &str) -> PathBuf {
        self.write_bytes(name, content.as_bytes())
    }

    /// Writes `content` as it is (a file in an encoding other than UTF-8).
    pub(crate) fn write_bytes(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("test setup");
            std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755))
                .expect("test setup");
        }
        std::fs::write(&path, content).expect("test setup");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))
            .expect("test setup");
        path
    }

    /// `pysbx exec` in this directory with the real interpreter and a clean environment.
    pub(crate) fn exec(&self) -> Command {
        self.exec_with(python())
    }

    /// `pysbx exec` in this directory with the given interpreter and a clean environment.
    pub(crate) fn exec_with(&self, interpreter: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
        cmd.current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("LANG", "C.UTF-8")
            .arg("exec")
            .arg("--no-config")
            .arg("--python")
            .arg(interpreter)
            .stdin(Stdio::null());
        cmd
    }
}

/// A virtual environment in `s` (its directory `venv`) with `files` written into its
/// site-packages, the way an installed package's are: its interpreter, for
/// [`Scratch::exec_with`].
pub(crate) fn venv_with_installed(s: &Scratch, files: &[(&str, &str)]) -> PathBuf {
    let venv = s.path().join("venv");
    let made = std::process::Command::new(python())
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(made.success(), "venv made");
    let interpreter = venv.join("bin/python");
    let site = std::process::Command::new(&interpreter)
        .args(["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        .output()
        .expect("the environment's python runs");
    let site = PathBuf::from(String::from_utf8_lossy(&site.stdout).trim());
    for (name, content) in files {
        let path = site.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("test setup");
        }
        std::fs::write(path, content).expect("test setup");
    }
    interpreter
}

thread_local! {
    /// The sandbox uid of the last run started by this test thread.
    static LAST_UID: std::cell::Cell<Option<u32>> = const { std::cell::Cell::new(None) };
}

/// The uid pysbx (running as root) gives the sandbox of the pysbx process `pid`.
pub(crate) fn sandbox_uid(pid: u32) -> u32 {
    SANDBOX_UID_BASE + (pid & 0x3f_ffff)
}

/// Runs pysbx to completion, remembering its sandbox uid for [`sandbox_processes`].
pub(crate) fn run(cmd: &mut Command) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("pysbx runs");
    LAST_UID.with(|u| u.set(Some(sandbox_uid(child.id()))));
    child.wait_with_output().expect("pysbx runs")
}

/// Records the sandbox uid of a pysbx process started by hand.
pub(crate) fn track(child: &std::process::Child) {
    LAST_UID.with(|u| u.set(Some(sandbox_uid(child.id()))));
}

/// Starts pysbx with all three streams piped, remembering its sandbox uid.
pub(crate) fn spawn_piped(cmd: &mut Command) -> std::process::Child {
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pysbx runs");
    track(&child);
    child
}

/// A `pysbx exec` run whose program waits on its standard input while the test does something
/// from outside: every stream piped, the sandbox uid tracked, standard output read by lines.
pub(crate) struct Waiting {
    child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Waiting {
    pub(crate) fn spawn(cmd: &mut Command) -> Self {
        use std::io::BufRead;
        let mut child = spawn_piped(cmd);
        let out = child.stdout.take().expect("piped stdout");
        Waiting { child, lines: std::io::BufReader::new(out).lines() }
    }

    /// The pysbx process's id.
    pub(crate) fn id(&self) -> u32 {
        self.child.id()
    }

    /// The program's lines of output up to and including `marker` (all of them, should it end
    /// without writing it).
    pub(crate) fn lines_until(&mut self, marker: &str) -> Vec<String> {
        let mut said = Vec::new();
        for line in self.lines.by_ref() {
            let line = line.expect("the program's output");
            let done = line == marker;
            said.push(line);
            if done {
                break;
            }
        }
        said
    }

    /// Writes `input` to the program, closes its standard input and waits for the end: the rest
    /// of its lines of output, and what else the run gave (its standard error and status).
    pub(crate) fn finish(mut self, input: &[u8]) -> (Vec<String>, Output) {
        use std::io::Write;
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.write_all(input);
        }
        let rest: Vec<String> = self.lines.by_ref().map_while(Result::ok).collect();
        (rest, self.child.wait_with_output().expect("pysbx ends"))
    }
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The command lines of the running processes that contain `marker`.
pub(crate) fn processes_naming(marker: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).into_owned())
        .filter(|c| c.contains(marker))
        .collect()
}

/// Processes still running under the last run's sandbox uid (none may remain once pysbx
/// returned; other tests' sandboxes run under other uids).
pub(crate) fn sandbox_processes() -> Vec<String> {
    let mut out = Vec::new();
    let Some(uid) = LAST_UID.with(std::cell::Cell::get) else { return out };
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(meta) = std::fs::metadata(entry.path())
            && meta.uid() == uid
        {
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            out.push(format!("{} {}", name.to_string_lossy(), String::from_utf8_lossy(&cmdline)));
        }
    }
    out
}

/// What `pid` and every process below it are doing, one line each (pid, process group,
/// state, pending/blocked/caught signal masks, kernel wait channel, command line): shown when
/// a run does not end, to tell a lost signal from a slow machine.
pub(crate) fn process_tree_report(pid: u32) -> String {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // The fields after the command's closing parenthesis: state, ppid, pgrp, ...
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        if let Some(ppid) = fields.get(1).and_then(|p| p.parse::<u32>().ok()) {
            parents.push((child, ppid));
        }
    }
    let mut tree = vec![pid];
    let mut at = 0;
    while at < tree.len() {
        let parent = tree[at];
        tree.extend(parents.iter().filter(|(_, ppid)| *ppid == parent).map(|(child, _)| *child));
        at += 1;
    }
    let mut out = String::new();
    for p in tree {
        let dir = std::path::Path::new("/proc").join(p.to_string());
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        let field = |key: &str| {
            status
                .lines()
                .find_map(|l| {
                    l.strip_prefix(key).map(|v| v.trim_start_matches(':').trim().to_string())
                })
                .unwrap_or_default()
        };
        let stat = std::fs::read_to_string(dir.join("stat")).unwrap_or_default();
        let pgrp =
            stat.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().nth(2)).unwrap_or("?");
        let wchan = std::fs::read_to_string(dir.join("wchan")).unwrap_or_default();
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let cmdline: String = String::from_utf8_lossy(&cmdline)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(100)
            .collect();
        out.push_str(&format!(
            "{p} pgrp {pgrp} {} threads {} pending {}/{} blocked {} ignored {} caught {} wchan {wchan} {cmdline}\n",
            field("State"),
            field("Threads"),
            field("SigPnd"),
            field("ShdPnd"),
            field("SigBlk"),
            field("SigIgn"),
            field("SigCgt"),
        ));
    }
    out
}

/// A fresh random token, so a leak cannot come from anything but the secret.
pub(crate) fn token(tag: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(tag.as_bytes());
    format!("SECRET{:016x}", h.finish())
}

/// A listener on 127.0.0.1 that passes on what each connection sent, then answers `ok`.
pub(crate) fn listener() -> (u16, std::sync::mpsc::Receiver<String>) {
    tcp_host("127.0.0.1", 0, b"ok").expect("bind a loopback port")
}

/// A TCP listener on `addr:port` (0: any free port) that passes on what each connection sent,
/// then answers `answer`; `None` when the address and port cannot be bound.
pub(crate) fn tcp_host(
    addr: &str,
    port: u16,
    answer: &'static [u8],
) -> Option<(u16, std::sync::mpsc::Receiver<String>)> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind((addr, port)).ok()?;
    let port = listener.local_addr().ok()?.port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 64];
            let n = conn.read(&mut buf).unwrap_or(0);
            // Passed on before the answer: once the program has its answer, the test has the data.
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = conn.write_all(answer);
        }
    });
    Some((port, rx))
}

/// A Python module whose `send(port, word)` sends `word` to the loopback port and returns the
/// two-byte answer.
pub(crate) const CLIENT: &str = "import socket\n\ndef send(port, word):\n    with socket.create_connection(('127.0.0.1', port), timeout=5) as s:\n        s.sendall(word.encode())\n        return s.recv(2).decode()\n";

/// The violation events of an events file.
pub(crate) fn violations(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("events file");
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .filter(|v| v["type"] == "event" && v["kind"] == "violation")
        .collect()
}

/// Runs `main` under policy `policy` without the static gate, recording events in `events`,
/// with `args` after `--`.
pub(crate) fn exec_with_events(
    s: &Scratch,
    policy: &Path,
    events: &Path,
    main: &Path,
    args: &[String],
) -> Output {
    let mut cmd = s.exec();
    cmd.arg("--no-gate").arg("--policy").arg(policy).arg("--events").arg(events).arg(main);
    if !args.is_empty() {
        cmd.arg("--").args(args);
    }
    run(&mut cmd)
}

/// One isolation layer of the tier recorded in the first line of an events file.
pub(crate) fn tier_layer(events: &Path, layer: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(events).expect("events file");
    let start: serde_json::Value =
        serde_json::from_str(text.lines().next().expect("start line")).expect("JSON");
    start["tier"]["layers"][layer].clone()
}

/// `pysbx exec` (no configuration, no gate) started as the unprivileged uid `nobody` in `s`,
/// with Debian's interpreter: the pyenv one lives under /root, which nobody cannot reach.
pub(crate) fn exec_as_nobody(s: &Scratch) -> Command {
    let nobody = 65534;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
    cmd.current_dir(s.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .uid(nobody)
        .gid(nobody)
        .args(["exec", "--no-config", "--no-gate", "--python", "/usr/bin/python3"]);
    cmd
}

/// An installed package that generates code as `attrs`, `pydantic` and `networkx` do: an
/// `__init__` and a `__repr__` compiled from text made of field names (`compile` then `exec`,
/// and `exec` of the string), the `__class__` cells of a rebuilt class pointed at the new
/// class through `__closure__`, a function copied with `types.FunctionType` from its
/// `__code__` and `__globals__`, a function given the code of one compiled on first call, a
/// lambda made by `eval` of text (numpy's f2py), `compile` kept in a set of builtins (dask),
/// `hasattr(f, "__globals__")`, a `cell_contents` attribute of an object that is not a cell.
pub(crate) const GENERATOR_PACKAGE: &str = r#"
import types

def make_class(name, fields):
    ns = {}
    init = "def __init__(self, %s):\n%s" % (
        ", ".join(fields), "".join("    self.%s = %s\n" % (f, f) for f in fields))
    exec(compile(init, "<generated %s>" % name, "exec"), ns)
    shown = " + ', ' + ".join("repr(self.%s)" % f for f in fields)
    exec("def __repr__(self):\n    return '%s(' + %s + ')'\n" % (name, shown), ns)
    return type(name, (), ns)

def rebuilt(cls):
    body = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    new = type(cls.__name__, cls.__bases__, body)
    for item in cls.__dict__.values():
        for cell in getattr(item, "__closure__", None) or ():
            if cell.cell_contents is cls:
                cell.cell_contents = new
    return new

def copied(f, name):
    return types.FunctionType(f.__code__, f.__globals__, name, f.__defaults__, f.__closure__)

def tripled(f):
    ns = {}
    exec("def %s(x):\n    return x * 3\n" % f.__name__, ns)
    f.__code__ = ns[f.__name__].__code__
    return f

def run_text(text):
    ns = {}
    exec(text, ns)
    return ns

def all_of(*f):
    head, calls = "lambda v", []
    for i in range(len(f)):
        head += ",f%d=f[%d]" % (i, i)
        calls.append("f%d(v)" % i)
    return eval(head + ":" + " and ".join(calls))

def evaluate(text):
    return eval(text)

def has_globals(f):
    return hasattr(f, "__globals__")

class Box:
    cell_contents = None

def set_contents(holder, value):
    holder.cell_contents = value
    return holder.cell_contents

KNOWN_BUILTINS = {compile, divmod}
"#;

/// An installed package that compiles syntax trees, as werkzeug's URL builders do: a function
/// whose name and first parameter are names source cannot spell (`<builder:'a/b'>`, `.self`),
/// joining calls in an f-string; a parameter of such a name captured by an inner function; an
/// expression tree run by `eval`; a parse-only `compile` of a tree; and a tree the caller
/// hands it, compiled (and run) as it is.
pub(crate) const TREE_PACKAGE: &str = r#"
import ast


def _prefixed(src, only=("self", "x")):
    tree = ast.parse(src)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in only:
            node.id = "." + node.id
        elif isinstance(node, ast.arg) and node.arg in only:
            node.arg = "." + node.arg
    return tree


def builder(parts):
    func = _prefixed("def _(self): pass").body[0]
    func.name = "<builder:%r>" % "/".join(parts)
    for p in parts:
        func.args.args.append(ast.arg(p, None))
    values = []
    for p in parts:
        values.append(ast.Constant("/"))
        values.append(ast.Call(ast.Attribute(ast.Name(".self", ast.Load()), "conv", ast.Load()),
                               [ast.Name(p, ast.Load())], []))
    func.body = [ast.Return(ast.JoinedStr(values))]
    module = ast.parse("")
    module.body = [func]
    for node in ast.walk(module):
        if "lineno" in node._attributes:
            node.lineno = node.end_lineno = 1
            node.col_offset = node.end_col_offset = 0
    code = compile(module, "<tree builder>", "exec")
    found = {}
    exec(code, {}, found)
    return found[func.name]


def closure():
    tree = _prefixed("def outer(x):\n    def inner():\n        return x * 2\n    return inner\n")
    ns = {}
    exec(compile(ast.fix_missing_locations(tree), "<tree closure>", "exec"), ns)
    fn = ns["outer"](21)
    return fn(), fn.__code__.co_freevars, ns["outer"].__code__.co_varnames, fn.__qualname__


def expression(text):
    return eval(compile(ast.parse(text, mode="eval"), "<tree expr>", "eval"))


def parse_only(text):
    tree = ast.parse(text)
    return compile(tree, "<only>", "exec", ast.PyCF_ONLY_AST) is tree


def compile_tree(tree, mode="exec"):
    return compile(tree, "<tree>", mode)


def run_tree(tree):
    ns = {}
    exec(compile(ast.fix_missing_locations(tree), "<tree>", "exec"), ns)
    return ns
"#;
