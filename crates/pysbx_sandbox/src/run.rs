//! The supervisor: prepares the plan, starts the trampoline, answers the import gate, forwards
//! output through bounded buffers, enforces the wall clock and classifies the end.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use sha2::Digest;

use crate::error::SandboxError;
use crate::events::{End, EndReason, Event, EventKind, Outcome};
use crate::interp::{self, Interpreter};
use crate::launch::Trampoline;
use crate::plan::{ConfinePlan, Plan, StdinMode, StdioPlan};
use crate::policy::Policy;
use crate::protocol::{read_frame, write_frame};
use crate::tier::{LayerState, Tier};
use crate::trampoline::{Prefork, Status};

/// A finding of the static gate, as the sandbox reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GateFinding {
    /// Rule id (`PSB102`).
    pub rule_id: String,
    /// Severity name.
    pub severity: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The rule's message.
    pub message: String,
    /// What was done: `report`, `strip`, `stub`.
    pub action: String,
}

/// The static gate's answer for one module.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateReply {
    /// Run this (possibly sanitized) source.
    Allow {
        /// The source to compile, with the original line numbers.
        source: String,
        /// What the gate found.
        findings: Vec<GateFinding>,
        /// The examples of the module's docstrings, as `doctest` runs them: the guard runs
        /// one under `code: false` when the gate, reading it as code of this module, leaves it
        /// unchanged.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        doctest_examples: Vec<String>,
    },
    /// Do not run the module.
    Refuse {
        /// Why.
        reason: String,
        /// What the gate found.
        findings: Vec<GateFinding>,
    },
    /// The gate could not parse the module: let the interpreter parse it (only parse it, to a
    /// syntax tree, which runs nothing) and raise its own `SyntaxError`, as Python would; a
    /// module the interpreter parses after all is refused.
    Unparsable {
        /// The module's decoded source.
        source: String,
        /// The gate's syntax error.
        reason: String,
    },
}

/// The static gate: scans and sanitizes one module's bytes (`path` is for messages).
pub type Gate = Arc<dyn Fn(&Path, &[u8]) -> GateReply + Send + Sync>;

/// A gate that lets every module run unchanged (for tests and `--no-gate` style use).
#[must_use]
pub fn passthrough_gate() -> Gate {
    Arc::new(|_path: &Path, bytes: &[u8]| GateReply::Allow {
        source: String::from_utf8_lossy(bytes).into_owned(),
        findings: Vec::new(),
        doctest_examples: Vec::new(),
    })
}

/// What to run.
#[derive(Debug, Clone)]
pub enum Program {
    /// A script file and its arguments.
    File {
        /// The script.
        path: PathBuf,
        /// Its arguments.
        args: Vec<OsString>,
    },
    /// Source given on the command line (`-c`), or read from standard input (`-`).
    Code {
        /// The code.
        code: String,
        /// Its arguments.
        args: Vec<OsString>,
        /// Read from standard input, as `python3 -` reads it: named `<stdin>` (its `__file__`
        /// and tracebacks), `sys.argv[0]` is `-`.
        from_stdin: bool,
    },
    /// A module run as `__main__` (`-m`).
    Module {
        /// The module name.
        name: String,
        /// Its arguments.
        args: Vec<OsString>,
    },
    /// An interactive session: inputs come from the session's front end, one at a time, and
    /// run in one persistent namespace (see [`crate::repl`]).
    Repl(crate::repl::ReplSession),
}

impl Program {
    /// The name code given as text runs under, as Python names it: `<string>` for `-c`,
    /// `<stdin>` for `-` (the gate's notes, `__file__`, tracebacks); none for a file or module.
    fn code_name(&self) -> Option<&'static str> {
        match self {
            Program::Code { from_stdin: true, .. } => Some("<stdin>"),
            Program::Code { from_stdin: false, .. } => Some("<string>"),
            _ => None,
        }
    }
}

/// A sandboxed run's inputs.
pub struct ExecRequest {
    /// What to run.
    pub program: Program,
    /// The policy.
    pub policy: Policy,
    /// The interpreter (default `python3` on `PATH`).
    pub interpreter: Option<PathBuf>,
    /// The static gate.
    pub gate: Gate,
    /// Whether `gate` reads what it is given (not [`passthrough_gate`]): only then may the
    /// guard run a module's constant code strings that the gate leaves unchanged.
    pub gate_reads: bool,
    /// Layers that must hold, else the program does not run (see [`crate::tier::ALL_LAYERS`]).
    pub require: Vec<String>,
    /// Print violations on standard error as they happen.
    pub live_stderr: bool,
    /// A trampoline forked early (see [`Prefork`]); without one, `pysbx` is re-executed.
    pub trampoline: Option<Prefork>,
    /// The program's standard output and error unbuffered, as `python3 -u` makes them: the
    /// interpreter is started isolated (`-I`), which ignores `PYTHONUNBUFFERED`.
    pub unbuffered: bool,
    /// With `live_stderr`, each gate finding that changed nothing (`reported`) in a module
    /// outside the script's directory (an installed library's) is shown too; without, they
    /// are counted in one line at the end (the events keep each).
    pub library_notes: bool,
}

/// pysbx's exit code for a policy violation (including a seccomp kill).
pub const EXIT_VIOLATION: u8 = 122;
/// pysbx's exit code for a resource limit (CPU, wall, memory, file size, output).
pub const EXIT_LIMIT: u8 = 124;
/// pysbx's exit code for its own failure to set up or supervise the run.
pub const EXIT_INTERNAL: u8 = 125;

/// The exit status when the program ended well but its output could not be written (Python's
/// own status when flushing standard output fails at exit).
pub(crate) const EXIT_OUTPUT_LOST: u8 = 120;

/// The largest source the static gate analyses (a module the program imports, or the program
/// itself); a larger one is refused. The gate runs in pysbx, outside the program's limits,
/// and takes about 75 times a source's size in memory.
pub const MAX_GATED_SOURCE: usize = 8 << 20;

/// The most events a run keeps for `--events` and `--sarif` (each is shown as it happens all
/// the same): the program sends them, and pysbx keeps them outside the program's limits.
const MAX_KEPT_EVENTS: usize = 10_000;

/// The longest text kept of an event's message, file, function and module, and of its
/// detail and stack as JSON (a path the program chose may be megabytes long).
const MAX_EVENT_TEXT: usize = 4096;

/// The most sanitized source the supervisor keeps for modules imported again in one run.
const MAX_GATE_CACHE_BYTES: usize = 64 << 20;

/// Messages from the reading threads waiting for the supervisor's loop, at most.
const MSG_QUEUE: usize = 1024;

const UID_BASE: u32 = 0x6000_0000;

/// The uid and gid of the sandbox of the pysbx process `pid`, as root: no two runs alive at
/// once share one, since no two processes share a pid (the kernel's pids stay below 2^22, so
/// the ids stay below `0x6040_0000`). Taking the pid's low 16 bits alone, two runs whose pids
/// differed by a multiple of 65536 shared a uid, and with it their process limit.
fn sandbox_id(pid: u32) -> u32 {
    UID_BASE + (pid & 0x3f_ffff)
}
const BOOTSTRAP: &str = include_str!("guard/bootstrap.py");
/// The guard's file name, which attribution recognises.
const GUARD_FILENAME: &str = "<pysbx-guard>";
/// The `-c` program: reads the guard from the reply pipe (descriptor 4) and runs it. The first
/// frame on that pipe is a 4-byte big-endian length, a kind byte and the guard: `c` for
/// bytecode this interpreter compiled earlier (`marshal`; see [`interp::compiled`]), `s` for
/// source, compiled here under [`GUARD_FILENAME`]. The guard runs in a namespace of its own
/// with a private copy of the built-ins, and hands back the runner, which this frame calls
/// once nothing of the guard's is left in it: the program runs beneath these two frames only.
const LOADER: &str = "import os, marshal\n\
def _r(n):\n b = b''\n while len(b) < n:\n  c = os.read(4, n - len(b))\n  if not c: os._exit(125)\n  \
b += c\n return b\n\
_h = _r(5)\n_b = _r(int.from_bytes(_h[:4], 'big'))\n\
_c = marshal.loads(_b) if _h[4:] == b'c' else compile(_b, '<pysbx-guard>', 'exec')\n\
_g = {'__builtins__': dict(vars(__builtins__))}\n\
del _r, _h, _b\nexec(_c, _g)\n_run = _g['_pysbx_run']\ndel _c, _g\n_run()";
const FORWARD_BUF: usize = 64 * 1024;

enum Msg {
    Status(Status),
    StatusEof,
    Hello(serde_json::Value),
    Event(Box<Event>),
    /// The guard's end: reason, message, file, and whether it is a gate stub's exception
    /// (held against the gate's findings, see `violation_on_record`).
    GuardEnd(String, String, Option<String>, bool),
    GuardEof,
    OutputExceeded,
    /// The program's output could not be written where pysbx's goes (a full disk, an I/O
    /// error; not a closed reader).
    OutputFailed(String),
    /// The REPL interpreter waits for input (the wall clock stops) or runs one (it restarts).
    ReplIdle,
    ReplBusy,
    /// pysbx itself received SIGINT, SIGTERM or SIGHUP (see [`crate::stop`]).
    Stop(crate::stop::Stop),
    /// The guard's configuration and the entry program's source: the program may start. Queued
    /// after the gate's findings in the entry program, so that those are written first.
    Go(Box<(serde_json::Value, String)>),
    /// Answered once every message before it is handled: the import gate's findings in a
    /// module are written before the module runs.
    Flush(mpsc::SyncSender<()>),
}

/// Runs a program in the sandbox and waits for its end.
///
/// # Errors
/// [`SandboxError`] when the run could not be prepared (interpreter, entry file, refused by
/// the gate, required isolation missing). The program's own failures are in the outcome.
pub fn run(req: ExecRequest) -> Result<Outcome, SandboxError> {
    run_with_input(req, None)
}

/// Runs a program as [`run`] does, with a JSON value the program reads through
/// `pysbx_io.input()`. Whatever it passes to `pysbx_io.output(value)` (the last call wins) is
/// parsed here as plain JSON, never as objects, and returned in [`Outcome::output`].
///
/// # Errors
/// As [`run`].
pub fn run_with_input(
    req: ExecRequest,
    input: Option<serde_json::Value>,
) -> Result<Outcome, SandboxError> {
    run_inner(req, input, false)
}

/// Runs a program in learning mode: the guard judges it against `req.policy` but records each
/// violation that policy could grant (action `recorded`, with `detail`) and lets it go on,
/// while the kernel layers apply a widened policy (see [`crate::learn::kernel_policy`]).
/// [`crate::learn::learned_policy`] turns the outcome's events into a policy.
///
/// # Errors
/// As [`run`].
pub fn run_learning(
    req: ExecRequest,
    input: Option<serde_json::Value>,
) -> Result<Outcome, SandboxError> {
    run_inner(req, input, true)
}

fn run_inner(
    mut req: ExecRequest,
    input: Option<serde_json::Value>,
    learn: bool,
) -> Result<Outcome, SandboxError> {
    let started = Instant::now();
    let interp = interp::resolve(req.interpreter.as_deref())?;
    // Learning: the kernel gets the widened policy, the guard the one it judges against.
    let widened;
    let policy = if learn {
        widened = crate::learn::kernel_policy(&req.policy, &req.program);
        &widened
    } else {
        &req.policy
    };

    // The entry program is read now and goes through the gate while the interpreter starts (the
    // gate may need to load and compile its rules first); user code starts only after its
    // answer.
    let entry: Option<(PathBuf, Vec<u8>)> = match &req.program {
        Program::File { path, .. } => {
            // Not a FIFO or a device: the read must end.
            let bytes = pysbx_files::read_regular(path, u64::MAX)
                .map_err(|e| SandboxError::Io { path: path.clone(), source: e.into() })?;
            Some((std::path::absolute(path).unwrap_or_else(|_| path.clone()), bytes))
        }
        Program::Code { code, .. } => {
            let name = req.program.code_name().unwrap_or("<string>");
            Some((PathBuf::from(name), code.as_bytes().to_vec()))
        }
        Program::Module { .. } | Program::Repl(_) => None,
    };
    let entry_path = match &req.program {
        Program::File { .. } => entry.as_ref().map(|(p, _)| p.clone()),
        _ => None,
    };
    let mut events: Vec<Event> = Vec::new();
    let mut events_dropped = 0_u64;
    let private = make_private_dir()?;
    // Bounded: the guard's thread reads what the program writes on its pipe, and waits here
    // (so the program waits on its pipe) rather than queueing without end.
    let (tx, rx) = mpsc::sync_channel::<Msg>(MSG_QUEUE);
    // From the private directory's making on, signals sent to pysbx end the run through the
    // supervisor's loop below (when `pysbx exec` asked for them with `stop_on_signals`): one
    // that comes during the set-up waits in the channel. Let go of once the sandbox has ended
    // (see `ending`), detached after the private directory is gone.
    // A stop is never waited for: the signal thread holds the delivery lock while it hands
    // one over, which the end of the run takes too. With the queue full it waits beside it,
    // and the loop takes it before its next message.
    let waiting_stops: Arc<std::sync::Mutex<Vec<crate::stop::Stop>>> = Arc::default();
    let signals = {
        let tx = tx.clone();
        let waiting = Arc::clone(&waiting_stops);
        crate::stop::attach(move |stop| match tx.try_send(Msg::Stop(stop)) {
            Ok(()) => true,
            Err(mpsc::TrySendError::Full(Msg::Stop(stop))) => {
                waiting.lock().map(|mut w| w.push(stop)).is_ok()
            }
            Err(_) => false,
        })
    };
    let private_dir = private.path().to_path_buf();
    // Made by stage B: in the private tmpfs, or on the host when there is no mount namespace.
    let work = private_dir.join("work");
    let tmp = private_dir.join("tmp");
    let root = nix::unistd::geteuid().is_root();
    let drop_to = root.then(|| {
        let id = sandbox_id(std::process::id());
        (id, id)
    });
    let workdir = match &policy.fs.workdir {
        Some(w) => {
            std::fs::create_dir_all(w)
                .map_err(|source| SandboxError::Io { path: w.clone(), source })?;
            w.clone()
        }
        None => work.clone(),
    };
    let handed = match (&policy.fs.workdir, drop_to) {
        (Some(w), Some((uid, gid))) => Some(HandedDir::hand(w, uid, gid)?),
        _ => None,
    };

    let user_cwd = std::env::current_dir().ok();
    // Python puts the directory of the script's real path first on `sys.path` (a script that
    // is a link imports the modules beside its target); the link's own directory stays
    // readable, as tracebacks read the script under the name it was run by.
    let link_dir = entry_path.as_ref().and_then(|p| p.parent()).map(Path::to_path_buf);
    let script_dir = match &req.program {
        Program::File { .. } => entry_path
            .as_ref()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .and_then(|real| real.parent().map(Path::to_path_buf))
            .or_else(|| link_dir.clone()),
        Program::Module { .. } => user_cwd.clone(),
        Program::Code { .. } | Program::Repl(_) => None,
    };
    let link_dir = link_dir.filter(|d| script_dir.as_ref() != Some(d));
    let mut plan =
        build_plan(&interp, policy, &private_dir, &workdir, &tmp, drop_to, script_dir.as_deref());
    if req.unbuffered {
        // Before `-c`: what follows it is the program's `sys.argv`.
        plan.args.insert(0, "-u".into());
    }
    if let Some(d) = &link_dir {
        plan.reach.push(d.clone());
    }
    grant_script_dirs(&mut plan.confine, script_dir.iter().chain(&link_dir), entry_path.as_deref());
    // Started in the script's directory (`cd project && pysbx exec main.py`), the program
    // reads the files there by relative paths, as under Python: the private working directory
    // shows that directory through, its changes kept in the private tmpfs. The directory is
    // granted for reading already; elsewhere the working directory stays empty.
    if policy.fs.workdir.is_none()
        && policy.fs.root.is_none()
        && let (Some(dir), Some(cwd)) = (&script_dir, &user_cwd)
        && std::fs::canonicalize(cwd).ok().as_ref() == Some(dir)
    {
        plan.workdir_lower = Some(dir.clone());
    }
    // Without foreign code or processes nothing beside the script runs as machine code, as
    // nothing in the working directory's view does; a directory holding the interpreter or its
    // packages (a virtual environment inside the project) keeps its extension modules.
    if !plan.confine.ffi && !plan.confine.process {
        // The loader too: the kernel maps it for the interpreter.
        let interpreter_dirs: Vec<PathBuf> =
            interp.own_dirs().into_iter().chain(interp.loader.clone()).collect();
        // The write paths too: a shared object the program writes there could otherwise be
        // loaded by a library that maps one by its own configuration (OpenSSL's providers
        // named by `OPENSSL_CONF`), with no import the guard judges.
        plan.no_code = script_dir
            .iter()
            .chain(&link_dir)
            .chain(&plan.confine.write)
            .filter(|d| !interpreter_dirs.iter().any(|p| p.starts_with(d)))
            .cloned()
            .collect();
    }
    if drop_to.is_some() {
        plan.lend = script_dir
            .iter()
            .chain(&link_dir)
            .filter(|d| !crate::confine::lend::overlaps_writes(d, &plan.confine.write))
            .cloned()
            .collect();
    }
    // A write path of `/` leaves nothing to make read-only (and a mount over the root would
    // not be seen).
    plan.read_only_tree = !plan.confine.write.iter().any(|w| w.parent().is_none());
    if policy.any_network() || policy.any_process() {
        plan.masked = socket_dirs(drop_to.is_none(), &plan);
        // Under `fs.root` the host's tree is not shown: only the policy's paths are bound.
        if policy.fs.root.is_none() {
            plan.masked_sockets = socket_files(&plan);
        }
    }
    // Names are pinned here, outside the sandbox, before anything runs.
    let net = crate::netrelay::NetSetup::prepare(policy);
    net.adjust(&mut plan);
    crate::confine::root::adjust(&mut plan, policy.fs.root.as_deref());
    let stdin_tty = std::io::stdin().is_terminal();
    let repl = match &req.program {
        Program::Repl(session) => Some(session.clone()),
        _ => None,
    };
    if let Some(session) = &repl {
        session.set_private_dir(Some(&private_dir));
    }
    // A session's terminal belongs to its line editor; the interpreter reads no stdin.
    let stdio = StdioPlan {
        stdin: if !policy.features.stdin || repl.is_some() {
            StdinMode::Null
        } else if stdin_tty {
            StdinMode::Pipe
        } else {
            StdinMode::Inherit
        },
        stdout: policy.features.stdout,
        stderr: policy.features.stderr,
        merged: policy.features.stdout
            && policy.features.stderr
            && repl.is_none()
            && same_file(&std::io::stdout(), &std::io::stderr()),
    };
    let Trampoline {
        pid: a_pid,
        mut process,
        plan: plan_w,
        plan_prefix,
        status: status_r,
        events: guard_r,
        replies: reply_w,
        mut stdin,
        mut stdout,
        mut stderr,
        relay: relay_ours,
    } = match req.trampoline.take().and_then(Prefork::take) {
        Some(ends) => {
            plan.stdio = Some(stdio);
            Trampoline::forked(ends, stdio, net.relays(), plan.new_net)
        }
        None => Trampoline::reexec(stdio, &net)?,
    };

    let mut plan_json = Vec::from_iter(plan_prefix);
    serde_json::to_writer(&mut plan_json, &plan)
        .map_err(|e| SandboxError::os("plan", std::io::Error::other(e)))?;
    let mut plan_file = std::fs::File::from(plan_w);
    let wrote = plan_file.write_all(&plan_json);
    drop(plan_file);
    if let Err(e) = wrote {
        let _ = kill(a_pid, Signal::SIGKILL);
        process.wait();
        return Err(SandboxError::os("send the plan", e));
    }

    // The plan is out and the trampoline confines itself: on two cores, every thread the
    // supervisor started now would take the CPU from it. So the supervisor waits for stage B's
    // tier (sent just before the interpreter is executed) and only then reads the guard's
    // bytecode, gates the entry program and starts its forwarders, none of which is needed
    // before the interpreter has started. Not with the network relay, whose listeners stage A
    // hands over during its set-up.
    let mut status_reader = std::io::BufReader::new(std::fs::File::from(status_r));
    if relay_ours.is_none() {
        for status in wait_for_setup(&mut status_reader, deadline_of(started, policy)) {
            let _ = tx.send(Msg::Status(status));
        }
    }

    // Bytes of standard output and error so far, the program's and pysbx's own lines about
    // what it did, against `limits.output_mb`.
    let output_budget = policy.limits.output_mb.map(|m| m * 1024 * 1024);
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let relay_reports = Arc::new(std::sync::Mutex::new(Vec::<(bool, String)>::new()));
    // The relay's way to the loop below, let go of once the sandbox has ended: the loop ends
    // when every sender is gone, and the relay lives until after it.
    let relay_tx = Arc::new(std::sync::Mutex::new(relay_ours.is_some().then(|| tx.clone())));
    let relay = relay_ours.and_then(|ours| {
        let (reports, live) = (relay_reports.clone(), req.live_stderr);
        let (counter, relay_tx) = (counter.clone(), Arc::clone(&relay_tx));
        net.start(
            ours,
            Arc::new(move |refused: bool, m: String| {
                if live {
                    // A name the program asked of the sandbox's DNS server may hold any
                    // byte (an escape sequence that rewrote the terminal, a forged end line).
                    let line = format!("pysbx: net: {}", crate::events::printable(&m));
                    if within_budget(&counter, output_budget, line.len() + 1) {
                        say(&line);
                    } else if let Ok(tx) = relay_tx.lock()
                        && let Some(tx) = tx.as_ref()
                    {
                        let _ = tx.try_send(Msg::OutputExceeded);
                    }
                }
                if let Ok(mut r) = reports.lock() {
                    r.push((refused, m));
                }
            }),
        )
    });
    let mut forwarders = Vec::new();
    let repl_output: Vec<OwnedFd> = if repl.is_some() {
        use std::os::fd::AsFd;
        let out = stdout.as_ref().and_then(|s| s.as_fd().try_clone_to_owned().ok());
        let err = stderr.as_ref().and_then(|s| s.as_fd().try_clone_to_owned().ok());
        out.into_iter().chain(err).collect()
    } else {
        Vec::new()
    };
    if let Some(out) = stdout.take() {
        forwarders.push(forward(
            out,
            ("standard output", std::io::stdout()),
            counter.clone(),
            output_budget,
            tx.clone(),
        ));
    }
    if let Some(err) = stderr.take() {
        forwarders.push(forward(
            err,
            ("standard error", std::io::stderr()),
            counter.clone(),
            output_budget,
            tx.clone(),
        ));
    }
    if let Some(mut input) = stdin.take() {
        std::thread::spawn(move || {
            let mut buf = vec![0u8; FORWARD_BUF];
            let mut stdin = std::io::stdin();
            while let Ok(n) = stdin.read(&mut buf) {
                if n == 0 || input.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        });
    }
    // Private directories of runs that were killed (SIGKILL) are removed now, off the
    // program's start-up path (see `leftover`); only beside this run's own: runs of a kind (as
    // root or not) make theirs in the same place, and `/tmp` can hold many entries.
    let _sweeping = crate::leftover::sweep_in_background(private_dir.clone());
    {
        let tx = tx.clone();
        // Debug builds only: the tests hold the interpreter's own status messages (its pid,
        // its tier) back this long, as a loaded machine may, to reach the supervisor's paths
        // for them read late.
        #[cfg(debug_assertions)]
        let mut late = std::env::var("PYSBX_TEST_INTERPRETER_LATE_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis);
        std::thread::spawn(move || {
            let mut r = status_reader;
            let mut line = String::new();
            while std::io::BufRead::read_line(&mut r, &mut line).is_ok_and(|n| n > 0) {
                if let Ok(status) = serde_json::from_str::<Status>(&line) {
                    #[cfg(debug_assertions)]
                    if matches!(status, Status::Interpreter(_) | Status::Tier(_))
                        && let Some(late) = late.take()
                    {
                        std::thread::sleep(late);
                    }
                    let _ = tx.send(Msg::Status(status));
                }
                line.clear();
            }
            let _ = tx.send(Msg::StatusEof);
        });
    }
    let (go_tx, go_rx) = mpsc::channel::<Option<(serde_json::Value, String)>>();
    // The last value handed to `pysbx_io.output`, replaced in place by the guard's thread (a
    // program writing output frames in a loop holds one in pysbx), read once the run is over.
    let output_slot: Arc<std::sync::Mutex<Option<Vec<u8>>>> = Arc::default();
    // The interpreter's pid once known (0 before; stage B's, or the one B's init reports),
    // for the guard's loop to tell the channel's end at
    // the program's exit from one the program made (see `channel_shut_while_running`).
    let program_pid = Arc::new(std::sync::atomic::AtomicI32::new(0));
    // Copies of the guard thread's ends of the channel, to shut it down once the sandbox has
    // ended (see `Msg::StatusEof` below).
    let mut channel_copies: [Option<OwnedFd>; 2];
    {
        let tx = tx.clone();
        let output_slot = Arc::clone(&output_slot);
        let gate = req.gate.clone();
        let repl = repl.clone().map(|s| (s, repl_output));
        let interp = interp.clone();
        let program = Arc::clone(&program_pid);
        channel_copies = [guard_r.try_clone().ok(), reply_w.try_clone().ok()];
        std::thread::spawn(move || {
            let ends = GuardEnds { from_child: guard_r, to_child: reply_w, program };
            guard_loop(ends, &interp, &gate, &tx, &go_rx, repl, &output_slot);
        });
    }
    // Gated when the go-ahead is decided (the tier is in by then, and the guard asks for its
    // configuration only once the interpreter has started).
    let mut entry = entry;
    drop(tx);

    let mut deadline = deadline_of(started, policy);
    let mut tier = Tier::default();
    let mut b_pid: Option<Pid> = None;
    let mut exit: Option<(Option<i32>, Option<i32>, f64, i64)> = None;
    // How the interpreter ended, when stage B stood as its pid namespace's init.
    let mut interpreter_ended: Option<(Option<i32>, Option<i32>)> = None;
    let mut setup_error: Option<String> = None;
    let mut killed_for: Option<EndReason> = None;
    let mut output_failed: Option<String> = None;
    // The signal that stopped the run (`EndReason::Stopped`).
    let mut stopped_by: Option<Signal> = None;
    let mut guard_end: Option<(String, String)> = None;
    let mut guard_end_stub = false;
    let mut stubs_placed: std::collections::HashSet<(String, u32)> =
        std::collections::HashSet::new();
    // Gate findings left in place in installed libraries, counted rather than shown (see
    // `ExecRequest::library_notes`).
    let mut library_reports = 0_u64;
    let mut library_files: std::collections::HashSet<String> = std::collections::HashSet::new();
    // The program's file the refusal that ended the run was raised in, as the guard saw it.
    let mut end_file: Option<String> = None;
    let mut tier_seen = false;
    // A Ctrl-C that came before the interpreter's pid was known for sure (see the
    // `Stop::Interrupt` arm below).
    let mut interrupt_held = false;
    let mut refused: Option<String> = None;
    let mut refused_by_gate: Option<SandboxError> = None;
    // Stage B leads its own process group (the trampoline stays outside it to reap and report),
    // and is pid 1 of the sandbox's pid namespace: killing both ends the whole tree. Before B's
    // pid is known, killing A ends B through its parent-death signal.
    let kill_tree = |b: Option<Pid>| match b {
        Some(b) => {
            let _ = killpg(b, Signal::SIGKILL);
            let _ = kill(b, Signal::SIGKILL);
        }
        None => {
            let _ = kill(a_pid, Signal::SIGKILL);
        }
    };
    let guard_plan = learn.then(|| {
        build_plan(
            &interp,
            &req.policy,
            &private_dir,
            &workdir,
            &tmp,
            drop_to,
            script_dir.as_deref(),
        )
    });
    let mut config = guard_config(
        &req,
        if learn { &req.policy } else { policy },
        &interp,
        guard_plan.as_ref().unwrap_or(&plan),
        entry_path.as_deref(),
        script_dir.as_deref(),
        &user_cwd,
    );
    if let Some(obj) = config.as_object_mut() {
        obj.insert("learn".into(), learn.into());
        obj.insert("record_token".into(), record_token()?.into());
        // As text: the guard parses a fresh copy for every `pysbx_io.input()` call.
        obj.insert("input".into(), input.map(|v| v.to_string()).into());
        // The guard answers the pinned names; behind the relay it answers nothing else.
        obj.insert("hosts".into(), serde_json::json!(net.pins.names));
        obj.insert("dns_pinned".into(), net.pinned_dns().into());
        // Names under these suffixes are resolved during the run, by pysbx's DNS server.
        obj.insert("dns_wild".into(), serde_json::json!(net.wild));
    }
    let output_notes: Vec<String> = net.pins.notes.clone();
    let mut decided = false;
    let mut status_done = false;
    let alerts = crate::alerts::Dispatcher::start(&policy.alerts);
    // Messages of the supervisor's own for this loop, handled before what waits in the
    // channel: the gate's findings in the entry program, which go where an imported module's
    // go (standard error as they happen, the live alerts, the output limit, the events).
    let mut queued: std::collections::VecDeque<Msg> = std::collections::VecDeque::new();
    loop {
        let now = Instant::now();
        if now >= deadline && killed_for.is_none() && !status_done {
            killed_for = Some(EndReason::Wall);
            kill_tree(b_pid);
        }
        let wait = if killed_for.is_some() || status_done {
            Duration::from_millis(2000)
        } else {
            deadline.saturating_duration_since(now)
        };
        let waiting =
            waiting_stops.lock().ok().and_then(|mut w| (!w.is_empty()).then(|| w.remove(0)));
        let msg = match waiting
            .map(Msg::Stop)
            .or_else(|| queued.pop_front())
            .map(Ok)
            .unwrap_or_else(|| rx.recv_timeout(wait))
        {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                if status_done || killed_for.is_some() {
                    break;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Set when the guard's go-ahead is decided (once per run), applied below.
        let mut decision = None;
        match msg {
            Msg::Status(Status::Child(pid)) => {
                b_pid = Some(Pid::from_raw(pid));
                // Unless the interpreter's own pid came first (stage B as its init).
                let first = program_pid
                    .compare_exchange(
                        0,
                        pid,
                        std::sync::atomic::Ordering::SeqCst,
                        std::sync::atomic::Ordering::SeqCst,
                    )
                    .is_ok();
                if first && let Some(session) = &repl {
                    session.started(pid);
                }
            }
            Msg::Status(Status::Tier(t)) => {
                tier.layers.extend(t.layers);
                tier_seen = true;
                // The interpreter's own pid came before its tier (the same process sends both,
                // in that order): a Ctrl-C held back for it is delivered now.
                if std::mem::take(&mut interrupt_held) && killed_for.is_none() && !status_done {
                    interrupt(&program_pid);
                }
                // Everything the decision needs but the guard's own layers is known now: unless
                // those are required, the guard's configuration is sent before it asks, so its
                // hello is answered without a round through this loop.
                if !decided
                    && repl.is_none()
                    && !req.require.iter().any(|l| GUARD_LAYERS.contains(&l.as_str()))
                {
                    decided = true;
                    decision =
                        Some(go_decision(&tier, &req.require, &req.gate, entry.take(), None));
                }
            }
            Msg::Status(Status::Interpreter(pid)) => {
                program_pid.store(pid, std::sync::atomic::Ordering::SeqCst);
                if let Some(session) = &repl {
                    session.started(pid);
                }
            }
            Msg::Status(Status::Ended { code, signal }) => interpreter_ended = Some((code, signal)),
            Msg::Status(Status::Error(e)) => setup_error = Some(e),
            Msg::Status(Status::Exit { code, signal, cpu_s, max_rss_kb }) => {
                // Stage B's status, or the interpreter's when B stood as its init.
                let (code, signal) = interpreter_ended.unwrap_or((code, signal));
                exit = Some((code, signal, cpu_s, max_rss_kb));
            }
            Msg::Stop(crate::stop::Stop::Interrupt)
                if b_pid.is_some() && killed_for.is_none() && !status_done =>
            {
                // Ctrl-C: the program's own KeyboardInterrupt, as under a plain python3 at a
                // terminal. Until the interpreter's tier has been read, the pid known may be
                // stage B's standing as the pid namespace's init, which ignores SIGINT and
                // whose group the interpreter is not in (the status messages come through a
                // thread of their own with the network relay, or past the set-up's wait, and
                // a program already printing can be ahead of them; a stop that waited beside
                // a full channel is read first): the interrupt waits for the tier.
                if tier_seen {
                    interrupt(&program_pid);
                } else {
                    interrupt_held = true;
                }
            }
            Msg::Stop(stop) => {
                if killed_for.is_none() && !status_done {
                    let signal = match stop {
                        crate::stop::Stop::End(signal) => signal,
                        crate::stop::Stop::Interrupt => Signal::SIGINT,
                    };
                    killed_for = Some(EndReason::Stopped);
                    stopped_by = Some(signal);
                    kill_tree(b_pid);
                }
            }
            Msg::StatusEof => {
                status_done = true;
                signals.ending();
                if let Ok(mut relay_tx) = relay_tx.lock() {
                    relay_tx.take();
                }
                // Every process of the sandbox is gone, but the program may have sent
                // descriptors over the guard's channel (`SCM_RIGHTS`: its ends of the channel,
                // its standard output) that wait, in flight, in the queue of pysbx's own end:
                // they keep the output pipes open and the channel's other end alive, and the
                // guard thread would wait for ever on a reply no one reads. Shut down, the
                // channel gives the guard thread what is queued, then its end, and a write
                // fails at once; the thread ends and closes its ends, which drops the
                // descriptors in flight.
                for end in channel_copies.iter_mut().filter_map(Option::take) {
                    let _ = nix::sys::socket::shutdown(
                        std::os::fd::AsRawFd::as_raw_fd(&end),
                        nix::sys::socket::Shutdown::Both,
                    );
                }
                // Whatever is left of the tree goes with its group.
                if let Some(b) = b_pid {
                    let _ = killpg(b, Signal::SIGKILL);
                }
            }
            Msg::Hello(info) => {
                for (k, v) in info.as_object().into_iter().flatten() {
                    if let Some(d) = v.as_str() {
                        tier.set(k, LayerState::Applied(d.to_string()));
                    }
                }
                if !tier_seen {
                    // The tier line precedes the exec, so it is always first; be safe anyway.
                    tier.set(
                        "seccomp",
                        tier.get("seccomp")
                            .cloned()
                            .unwrap_or(LayerState::Failed("not reported".into())),
                    );
                }
                if !decided {
                    decided = true;
                    decision = Some(go_decision(
                        &tier,
                        &req.require,
                        &req.gate,
                        entry.take(),
                        repl.as_ref(),
                    ));
                }
            }
            Msg::Event(e) => {
                let e = *e;
                let quiet = req.live_stderr
                    && !req.library_notes
                    && e.kind == EventKind::Gate
                    && e.action == "reported"
                    && e.file.as_deref().is_some_and(|f| {
                        // A module's file: not the program itself (`-c` code is `<string>`,
                        // standard input `<stdin>`), nor a module beside the script.
                        let f = Path::new(f);
                        f.is_absolute()
                            && entry_path.as_deref() != Some(f)
                            && !script_dir.as_deref().is_some_and(|d| f.starts_with(d))
                            && !link_dir.as_deref().is_some_and(|d| f.starts_with(d))
                    });
                if quiet {
                    library_reports += 1;
                    if let Some(f) = &e.file
                        && library_files.len() < MAX_KEPT_EVENTS
                    {
                        library_files.insert(f.clone());
                    }
                } else if req.live_stderr {
                    // The program chooses how many lines it sets off, and how long (a path of
                    // 4 KiB in a loop): they count against the output limit with its own.
                    let line = format!("pysbx: {}", e.summary());
                    if within_budget(&counter, output_budget, line.len() + 1) {
                        say(&line);
                    } else if killed_for.is_none() {
                        killed_for = Some(EndReason::Output);
                        kill_tree(b_pid);
                    }
                }
                alerts.send(&crate::events::event_json(&e));
                if e.kind == EventKind::Violation && e.action == "killed" && killed_for.is_none() {
                    killed_for = Some(EndReason::Violation);
                    kill_tree(b_pid);
                }
                if e.kind == EventKind::Gate && e.action == "stubbed" {
                    // Kept apart from the events, which are bounded: a stub's exception that
                    // ends the run is held against these (see `violation_on_record`).
                    if let Some(line) = e.line {
                        stubs_placed.insert((e.clause.clone(), line));
                    }
                }
                if events.len() < MAX_KEPT_EVENTS {
                    events.push(e);
                } else {
                    events_dropped += 1;
                }
            }
            Msg::GuardEnd(reason, message, file, stub) => {
                end_file = file;
                guard_end = Some((reason, message));
                guard_end_stub = stub;
            }
            Msg::GuardEof => {}
            Msg::ReplIdle => {
                deadline = Instant::now() + Duration::from_secs(365 * 24 * 3600);
            }
            Msg::ReplBusy => {
                deadline = Instant::now() + Duration::from_secs(policy.limits.wall_s);
            }
            Msg::OutputExceeded => {
                if killed_for.is_none() {
                    killed_for = Some(EndReason::Output);
                    kill_tree(b_pid);
                }
            }
            Msg::OutputFailed(why) => {
                output_failed.get_or_insert(why);
            }
            Msg::Go(go) => {
                let _ = go_tx.send(Some(*go));
            }
            Msg::Flush(done) => {
                let _ = done.try_send(());
            }
        }
        match decision {
            None => {}
            Some(Ok(gated)) => {
                // Handled before the program can run (it waits for the configuration below):
                // the findings come first, as they would from the import gate.
                for mut e in gated.events {
                    e.bound(MAX_EVENT_TEXT);
                    queued.push_back(Msg::Event(Box::new(e)));
                }
                let mut config = config.clone();
                if let Some(reason) = gated.unparsable {
                    config["unparsable"] = serde_json::Value::String(reason);
                }
                if !gated.doctest_examples.is_empty() {
                    config["doctest_examples"] = serde_json::json!(gated.doctest_examples);
                }
                // After the findings: a note written once the program runs could land in the
                // middle of a line it left unfinished (a `Password: ` prompt).
                queued.push_back(Msg::Go(Box::new((config, gated.source))));
            }
            Some(Err(refusal)) => {
                match refusal {
                    Refusal::Gate(e, found) => {
                        // The findings behind the refusal, shown and kept as any gate
                        // finding is (for `--events` and `--sarif`).
                        for mut e in found {
                            e.bound(MAX_EVENT_TEXT);
                            if req.live_stderr {
                                say(&format!("pysbx: {}", e.summary()));
                            }
                            alerts.send(&crate::events::event_json(&e));
                            if events.len() < MAX_KEPT_EVENTS {
                                events.push(e);
                            } else {
                                events_dropped += 1;
                            }
                        }
                        refused_by_gate = Some(e);
                    }
                    Refusal::Missing(m) => refused = Some(m),
                }
                let _ = go_tx.send(None);
                kill_tree(b_pid);
            }
        }
    }
    if !status_done {
        // The trampoline never reported: end it (and through it, the rest).
        let _ = kill(a_pid, Signal::SIGKILL);
    }
    // A stage A that reported how B ended has reaped everything of the sandbox and is only
    // exiting: it is reaped after the clean-up below, which then overlaps its exit. Otherwise
    // it is reaped first, so nothing of the sandbox runs while its directory is removed.
    let sandbox_reaped = exit.is_some();
    if !sandbox_reaped {
        process.wait();
    }
    drop(relay);
    let mut relay_notes = Vec::new();
    for (refused, m) in
        relay_reports.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default()
    {
        if !refused {
            relay_notes.push(format!("net: {m}"));
            continue;
        }
        events.push(Event::seen_by_pysbx("net", m, "refused", "relay"));
    }
    if let Some(session) = &repl {
        session.ended();
    }
    for f in forwarders {
        let _ = f.join();
    }
    if let Some(h) = handed {
        h.give_back();
    }
    remove_private_dir(private);
    if let Some(session) = &repl {
        session.set_private_dir(None);
    }
    if sandbox_reaped {
        // Reaped, not left to exit on its own, although nothing of the run depends on it any
        // more (its exit tears down the mount namespace and waits for an RCU grace period,
        // 0.35-0.45 ms here): the program's CPU time reaches this process's children's
        // resource usage only through stage A's, which is what `time pysbx exec ...` reports.
        process.wait();
    }
    if let Some(e) = refused_by_gate.take_if(|e| !matches!(e, SandboxError::Refused { .. })) {
        return Err(e);
    }
    if let Some(missing) = refused {
        return Err(SandboxError::IsolationUnavailable(missing));
    }
    let wall_s = started.elapsed().as_secs_f64();
    let killed = killed_for.map(|reason| (reason, stopped_by));
    // A gate stub's exception that ended the program counts as a violation only when the
    // gate's findings hold that stub: the program can raise one of its own.
    let guard_end = guard_end.filter(|(reason, message)| {
        reason != "violation" || !guard_end_stub || violation_on_record(message, &stubs_placed)
    });
    let mut end = classify(policy, exit, setup_error, killed, guard_end, &events, wall_s);
    let gate_refused = refused_by_gate.is_some();
    if let Some(e) = refused_by_gate {
        // Nothing of the program ran: the end is the gate's refusal.
        end.reason = EndReason::Violation;
        end.exit_code = EXIT_VIOLATION;
        end.child_code = None;
        end.signal = None;
        end.message = e.to_string();
    }
    let mut notes = output_notes;
    let last_output = output_slot.lock().ok().and_then(|mut slot| slot.take());
    let (output, output_refused) = match last_output.map(|text| {
        String::from_utf8(text).map_err(|e| e.to_string()).and_then(crate::events::interchange_json)
    }) {
        Some(Ok(value)) => (Some(value), None),
        Some(Err(e)) => {
            let why =
                format!("the program's output value is not JSON every parser reads alike: {e}");
            notes.push(why.clone());
            (None, Some(why))
        }
        None => (None, None),
    };
    if events_dropped > 0 {
        notes.push(format!(
            "{events_dropped} events past the first {MAX_KEPT_EVENTS} were shown as they happened but not kept for --events and --sarif"
        ));
    }
    if let Some(why) = output_failed {
        // As Python does when its output cannot be flushed: the run did not do its work.
        notes.push(format!("the program's output was lost: {why}"));
        if end.reason == EndReason::Exit && end.exit_code == 0 {
            end.exit_code = EXIT_OUTPUT_LOST;
        }
    }
    alerts.send_end(&crate::events::end_json(&end));
    if library_reports > 0 {
        // One line for what installed libraries hold that the gate left in place: dozens per
        // library, each a note a reader of the run's own findings would wade through.
        notes.push(format!(
            "the gate reported {library_reports} finding{} in {} imported module{} outside the \
             script's directory and changed nothing there (-v shows each; --events FILE keeps \
             them)",
            if library_reports == 1 { "" } else { "s" },
            library_files.len(),
            if library_files.len() == 1 { "" } else { "s" },
        ));
    }
    notes.extend(relay_notes);
    notes.extend(alerts.finish());
    if req.live_stderr {
        for n in &notes {
            say(&format!("pysbx: {}", crate::events::printable(n)));
        }
    }
    Ok(Outcome {
        end,
        events,
        tier,
        interpreter: interp,
        notes,
        output,
        output_refused,
        gate_refused,
        end_file,
    })
}

/// Ctrl-C for the program, as a terminal sends it: SIGINT to the interpreter's process group
/// (it leads one; its children are in it too), else to the interpreter alone.
fn interrupt(program_pid: &std::sync::atomic::AtomicI32) {
    let program = Pid::from_raw(program_pid.load(std::sync::atomic::Ordering::SeqCst));
    if killpg(program, Signal::SIGINT).is_err() {
        let _ = kill(program, Signal::SIGINT);
    }
}

/// When a run started at `started` has used up its wall time.
fn deadline_of(started: Instant, policy: &Policy) -> Instant {
    started + Duration::from_secs(policy.limits.wall_s)
}

/// The longest the supervisor waits for the trampoline's set-up before it starts its own
/// helpers anyway (the set-up takes milliseconds; the wall clock still applies afterwards).
const SETUP_WAIT: Duration = Duration::from_secs(2);

/// Reads the trampoline's status lines until stage B reports its tier (or an error, its end,
/// or the end of the pipe), for at most [`SETUP_WAIT`] and never past `deadline`; returns what
/// was read, for the main loop to handle in order. Lines after the tier stay in the reader.
fn wait_for_setup(
    reader: &mut std::io::BufReader<std::fs::File>,
    deadline: Instant,
) -> Vec<Status> {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::io::BufRead;
    use std::os::fd::AsFd;
    let until = deadline.min(Instant::now() + SETUP_WAIT);
    let mut seen = Vec::new();
    let mut line = String::new();
    loop {
        if reader.buffer().is_empty() {
            let left = until.saturating_duration_since(Instant::now());
            let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
            let mut fds = [PollFd::new(reader.get_ref().as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(ms)) {
                Ok(0) => return seen,
                Ok(_) => {}
                Err(nix::Error::EINTR) => continue,
                Err(_) => return seen,
            }
        }
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return seen,
            Ok(_) => {}
        }
        let Ok(status) = serde_json::from_str::<Status>(&line) else { continue };
        let done = !matches!(status, Status::Child(_) | Status::Interpreter(_));
        seen.push(status);
        if done {
            return seen;
        }
    }
}

/// The guard's layers, which its hello reports (see `guard/bootstrap.py`).
const GUARD_LAYERS: [&str; 2] = ["guard", "import_gate"];

/// Why the guard is not given its go-ahead.
enum Refusal {
    /// The static gate refused the entry program: why, and the findings behind it.
    Gate(SandboxError, Vec<Event>),
    /// Required layers that did not apply.
    Missing(String),
}

/// The guard's go-ahead once the tier is known: the entry program (its path and bytes) as the
/// gate lets it run, with the gate's findings, or why the program must not run. In a REPL
/// session the entry is pysbx's REPL server, and the session learns the tier.
fn go_decision(
    tier: &Tier,
    require: &[String],
    gate: &Gate,
    entry: Option<(PathBuf, Vec<u8>)>,
    repl: Option<&crate::repl::ReplSession>,
) -> Result<GatedEntry, Refusal> {
    let missing = tier.missing(require);
    let gated = match entry {
        None => match repl {
            Some(session) => {
                session.set_tier(tier);
                Ok(GatedEntry {
                    source: crate::repl::SERVER.to_string(),
                    events: Vec::new(),
                    unparsable: None,
                    doctest_examples: Vec::new(),
                })
            }
            None => Ok(GatedEntry {
                source: String::new(),
                events: Vec::new(),
                unparsable: None,
                doctest_examples: Vec::new(),
            }),
        },
        // A gate that panics refuses the program; it does not take the supervisor down.
        Some((path, bytes)) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            gate_entry(gate, &path, &bytes)
        }))
        .unwrap_or_else(|_| {
            Err((SandboxError::os("gate", std::io::Error::other("the gate panicked")), Vec::new()))
        }),
    };
    match gated {
        Err((e, found)) => Err(Refusal::Gate(e, found)),
        Ok(_) if !missing.is_empty() => Err(Refusal::Missing(missing.join("; "))),
        Ok(ok) => Ok(ok),
    }
}

/// Where private directories are made: a shared RAM filesystem when there is one.
const RAM_DIR: &str = "/dev/shm";

/// Creates the private directory: in `/dev/shm` when it is a tmpfs that every user may create
/// in (mode 1777, as `/tmp`) and the sandbox is sure to get a mount namespace, else in
/// `$TMPDIR`.
///
/// With a mount namespace the host directory is only the mount point of the sandbox's tmpfs,
/// and nothing is ever written to it; on a RAM filesystem making and removing it touches no
/// disk. On a disk filesystem it costs a journal update each way, and where the filesystem
/// discards freed blocks at once (ext4 mounted with `discard`, common on virtual machines)
/// removing it waited 0.15-0.45 ms (up to 2 ms) for the device at the end of every run.
/// Without a mount namespace the program's working directory and TMPDIR are made inside it on
/// the host, with no size cap but the per-file limit: those belong on a disk, not in memory.
fn make_private_dir() -> Result<tempfile::TempDir, SandboxError> {
    let ram = Path::new(RAM_DIR);
    // Named after this process, so that a later run can tell the directory is left over if
    // this one is killed (see `leftover`).
    let prefix = crate::leftover::prefix();
    if mount_namespace_certain()
        && shared_ram_dir(ram)
        && let Ok(dir) = tempfile::Builder::new().prefix(&prefix).tempdir_in(ram)
    {
        return Ok(dir);
    }
    tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir()
        .map_err(|e| SandboxError::os("create the private directory", e))
}

/// Whether the trampoline is all but sure to get its mount namespace: as root with
/// `CAP_SYS_ADMIN` in effect (root in a container often lacks it), no user namespace is needed
/// for one; only a seccomp profile refusing `unshare` itself could still stop it. Without root
/// it depends on whether the kernel grants this user a user namespace, which only trying tells.
fn mount_namespace_certain() -> bool {
    mount_namespace_certain_for(nix::unistd::geteuid().is_root(), effective_capabilities())
}

/// [`mount_namespace_certain`] for a process that is root or not, with these effective
/// capabilities (`None`: unknown).
fn mount_namespace_certain_for(root: bool, effective: Option<u64>) -> bool {
    const CAP_SYS_ADMIN: u32 = 21;
    root && effective.is_some_and(|caps| caps & (1 << CAP_SYS_ADMIN) != 0)
}

/// This process's effective capability set, from `/proc/self/status`.
fn effective_capabilities() -> Option<u64> {
    crate::sys::status_mask("CapEff")
}

/// Whether `dir` is a tmpfs directory with `/tmp`'s permissions (sticky, writable by all), so
/// that a private directory made there cannot be removed or replaced by another user.
fn shared_ram_dir(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    meta.is_dir()
        && meta.mode() & 0o1777 == 0o1777
        && meta.uid() == 0
        && nix::sys::statfs::statfs(dir)
            .is_ok_and(|fs| fs.filesystem_type() == nix::sys::statfs::TMPFS_MAGIC)
}

/// Removes the private directory. With a mount namespace it was only the mount point of the
/// sandbox's tmpfs and is empty on the host: one `rmdir`, instead of the walk a recursive
/// removal makes.
fn remove_private_dir(private: tempfile::TempDir) {
    remove_private_path(&private.keep());
}

/// [`remove_private_dir`] by path: the directory alone when it is empty (a mount point), else
/// with what the program made in it on the host (no mount namespace; links in it are not
/// followed).
pub(crate) fn remove_private_path(path: &Path) {
    if std::fs::remove_dir(path).is_err() {
        let _ = std::fs::remove_dir_all(path);
    }
}

/// What to add to a crash's report when the interpreter was near its memory limit: the
/// interpreter does not always survive running out of memory (an allocation that fails while
/// an exception is made, or inside a collection, ends in a fatal error or a crash), and
/// "killed by SIGSEGV" alone would send the user looking for a bug in native code. The peak
/// resident size stands in for the data segment the limit counts (a failed allocation may be
/// larger than what was touched), so three quarters of the limit is taken as near.
fn out_of_memory_note(signal: i32, max_rss_kb: i64, memory_mb: u64) -> String {
    let crash = [Signal::SIGSEGV, Signal::SIGABRT, Signal::SIGBUS].map(|s| s as i32);
    let limit_kb = i64::try_from(memory_mb.saturating_mul(1024)).unwrap_or(i64::MAX);
    if crash.contains(&signal) && max_rss_kb.saturating_mul(4) >= limit_kb.saturating_mul(3) {
        format!(
            " at a peak of {} MiB, near the memory limit of {memory_mb} MiB (the interpreter \
             can crash when memory runs out; raise limits.memory_mb if the program needs more)",
            max_rss_kb / 1024
        )
    } else {
        String::new()
    }
}

fn classify(
    policy: &Policy,
    exit: Option<(Option<i32>, Option<i32>, f64, i64)>,
    setup_error: Option<String>,
    killed_for: Option<(EndReason, Option<Signal>)>,
    guard_end: Option<(String, String)>,
    events: &[Event],
    wall_s: f64,
) -> End {
    let (code, signal, cpu_s, max_rss_kb) = exit.unwrap_or((None, None, 0.0, 0));
    let limits = &policy.limits;
    let mk = |reason: EndReason, message: String| {
        let exit_code = match reason {
            EndReason::Exit => code.map_or(0, |c| u8::try_from(c & 0xff).unwrap_or(1)),
            EndReason::Violation | EndReason::Seccomp => EXIT_VIOLATION,
            EndReason::Internal => EXIT_INTERNAL,
            EndReason::Signal => signal.map_or(1, |s| u8::try_from(128 + s).unwrap_or(255)),
            EndReason::Stopped => killed_for
                .and_then(|(_, by)| by)
                .map_or(1, |s| u8::try_from(128 + s as i32).unwrap_or(255)),
            _ => EXIT_LIMIT,
        };
        End { reason, exit_code, child_code: code, signal, cpu_s, wall_s, max_rss_kb, message }
    };
    if let Some(e) = setup_error {
        return mk(EndReason::Internal, format!("sandbox setup failed: {e}"));
    }
    match killed_for {
        Some((EndReason::Stopped, by)) => {
            let name = by.map_or("a signal", Signal::as_str);
            return mk(EndReason::Stopped, format!("pysbx received {name}; process tree killed"));
        }
        Some((EndReason::Wall, _)) => {
            return mk(
                EndReason::Wall,
                format!("wall-clock limit of {} s reached; process tree killed", limits.wall_s),
            );
        }
        Some((EndReason::Output, _)) => {
            return mk(
                EndReason::Output,
                format!(
                    "output limit of {} MiB reached; process tree killed",
                    limits.output_mb.unwrap_or(0)
                ),
            );
        }
        Some((EndReason::Violation, _)) => {
            return mk(EndReason::Violation, "policy violation; process tree killed".into());
        }
        _ => {}
    }
    if exit.is_none() {
        return mk(EndReason::Internal, "the sandboxed process vanished without a status".into());
    }
    let sig = |s: Signal| signal == Some(s as i32);
    if sig(Signal::SIGXCPU) || (sig(Signal::SIGKILL) && cpu_s + 0.05 >= limits.cpu_s as f64) {
        return mk(EndReason::Cpu, format!("CPU limit of {} s reached", limits.cpu_s));
    }
    if sig(Signal::SIGXFSZ) {
        return mk(
            EndReason::FileSize,
            format!("file size limit of {} MiB reached", limits.file_size_mb),
        );
    }
    if sig(Signal::SIGSYS) {
        return mk(EndReason::Seccomp, "killed by the seccomp filter".into());
    }
    if let Some((reason, message)) = guard_end {
        let reason = match reason.as_str() {
            "memory" => Some(EndReason::Memory),
            "file_size" => Some(EndReason::FileSize),
            "violation" => Some(EndReason::Violation),
            "processes" => Some(EndReason::Processes),
            "disk" => Some(EndReason::Disk),
            "open_files" => Some(EndReason::OpenFiles),
            "recursion" => Some(EndReason::Recursion),
            _ => None,
        };
        if let Some(reason) = reason.filter(|_| code != Some(0)) {
            let what = match reason {
                EndReason::Memory => format!("memory limit of {} MiB reached", limits.memory_mb),
                EndReason::FileSize => {
                    format!("file size limit of {} MiB reached", limits.file_size_mb)
                }
                EndReason::Processes => format!(
                    "process limit reached ({} tasks; process: {})",
                    limits.processes, policy.process
                ),
                EndReason::Disk => "disk limit reached: the private working area is full".into(),
                EndReason::OpenFiles => {
                    format!("open files limit of {} reached", limits.open_files)
                }
                EndReason::Recursion => "recursion limit reached (RecursionError)".into(),
                _ => format!("policy violation: {message}"),
            };
            return mk(reason, what);
        }
    }
    if let Some(s) = signal {
        let name = Signal::try_from(s).map_or_else(|_| s.to_string(), |s| s.as_str().to_string());
        return mk(
            EndReason::Signal,
            format!("killed by {name}{}", out_of_memory_note(s, max_rss_kb, limits.memory_mb)),
        );
    }
    let _ = events;
    mk(EndReason::Exit, format!("exited with {}", code.unwrap_or(0)))
}

/// Whether a gate stub's exception that ended the program (`message`, its text) is one the gate
/// put in: a finding of the gate's of that rule, stubbed, at that line (`PSB215 (name) blocked
/// at line 2: ...`, `PSB301 (name) blocked use of ctypes at line 1: ...`). The stub's class is
/// made by the program's own text, so a program can raise one with any words; the guard's
/// own refusals it checks itself (see `_ending` in the guard), and sends no such flag.
fn violation_on_record(
    message: &str,
    stubs_placed: &std::collections::HashSet<(String, u32)>,
) -> bool {
    let Some((clause, rest)) = message.split_once(' ') else { return false };
    let Some(after) = rest.split_once(") blocked ").map(|(_, after)| after) else { return false };
    if !rest.starts_with('(') {
        return false;
    }
    // The line the stub names: `... at line N: ...`.
    after
        .match_indices(" at line ")
        .chain(after.starts_with("at line ").then_some((0, "at line ")))
        .filter_map(|(at, _)| {
            let digits = after[at..].trim_start().strip_prefix("at line ")?;
            let end = digits.find(':')?;
            digits[..end].parse::<u32>().ok()
        })
        .any(|line| stubs_placed.contains(&(clause.to_string(), line)))
}

/// The entry program as the gate lets it run (its sanitized source) and the gate's findings.
struct GatedEntry {
    source: String,
    events: Vec<Event>,
    /// The gate could not parse the program (the source is then the original): the guard
    /// has the interpreter parse it, to raise Python's own `SyntaxError`, and runs nothing.
    unparsable: Option<String>,
    /// The examples of its docstrings (see [`GateReply::Allow`]).
    doctest_examples: Vec<String>,
}

/// The entry program as the gate lets it run, or why it refuses it with the findings behind
/// the refusal (as events).
fn gate_entry(
    gate: &Gate,
    path: &Path,
    bytes: &[u8],
) -> Result<GatedEntry, (SandboxError, Vec<Event>)> {
    match gate(path, bytes) {
        GateReply::Allow { source, findings, doctest_examples } => Ok(GatedEntry {
            source,
            events: gate_events(path, &findings),
            unparsable: None,
            doctest_examples,
        }),
        GateReply::Refuse { reason, findings } => Err((
            SandboxError::Refused { path: path.to_path_buf(), reason },
            gate_events(path, &findings),
        )),
        GateReply::Unparsable { source, reason } => Ok(GatedEntry {
            source,
            events: Vec::new(),
            unparsable: Some(reason),
            doctest_examples: Vec::new(),
        }),
    }
}

fn gate_events(path: &Path, findings: &[GateFinding]) -> Vec<Event> {
    findings
        .iter()
        .map(|f| Event {
            kind: EventKind::Gate,
            clause: f.rule_id.clone(),
            message: f.message.clone(),
            module: None,
            file: Some(path.display().to_string()),
            line: Some(f.line),
            function: None,
            detail: None,
            stack: Vec::new(),
            action: match f.action.as_str() {
                "strip" => "stripped".into(),
                "stub" => "stubbed".into(),
                "report" => "reported".into(),
                other => other.to_string(),
            },
            operation: Some(format!("{} severity {}", f.rule_id, f.severity)),
        })
        .collect()
}

/// `all` without the paths only modules are granted (in some module's `own` lists, not in
/// `top`).
fn without_module_grants<'a>(
    all: &[PathBuf],
    top: &[PathBuf],
    own: impl Iterator<Item = &'a Vec<PathBuf>>,
) -> Vec<PathBuf> {
    let only_modules: std::collections::HashSet<&PathBuf> =
        own.flatten().filter(|p| !top.contains(p)).collect();
    all.iter().filter(|p| !only_modules.contains(p)).cloned().collect()
}

/// A reply to one of the guard's requests carries the request's `id`: the program can write
/// requests of its own to the guard's pipe, and the guard takes only the reply to the request
/// it made (a gate reply to the program's request, read as the reply to the guard's, gave the
/// program's source a granted module's name).
fn answer_to(request: &serde_json::Value, mut reply: serde_json::Value) -> serde_json::Value {
    if let (Some(id), Some(map)) = (request.get("id"), reply.as_object_mut()) {
        map.insert("id".into(), id.clone());
    }
    reply
}

/// One line of pysbx's on standard error, in one write: `eprintln!` writes its pieces one by
/// one, and the program's output, forwarded by other threads to the same file (`2>&1`, a
/// terminal), landed between `pysbx: ` and the rest of the line.
///
/// A line of the program's that the forwarders left unfinished on the same file (`partial`
/// written without its newline) is ended first, so that pysbx's line starts a line of its own
/// instead of running on from the program's text.
fn say(line: &str) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    let mut text = String::with_capacity(line.len() + 2);
    let stdout_there =
        *STDOUT_IS_STDERR.get_or_init(|| same_file(&std::io::stdout(), &std::io::stderr()));
    let unfinished = PROGRAM_MID_LINE[1].swap(false, Ordering::Relaxed)
        | (stdout_there && PROGRAM_MID_LINE[0].swap(false, Ordering::Relaxed));
    if unfinished {
        text.push('\n');
    }
    text.push_str(line);
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Whether the last bytes the program's standard output (0) and standard error (1) were
/// forwarded ended in the middle of a line (see [`say`]).
static PROGRAM_MID_LINE: [std::sync::atomic::AtomicBool; 2] =
    [std::sync::atomic::AtomicBool::new(false), std::sync::atomic::AtomicBool::new(false)];

/// Whether pysbx's standard output and standard error are the same file (`2>&1`, a terminal).
static STDOUT_IS_STDERR: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Counts `n` more bytes of output and says whether the total is still within `budget`
/// (`None`: no limit).
fn within_budget(counter: &std::sync::atomic::AtomicU64, budget: Option<u64>, n: usize) -> bool {
    let n = u64::try_from(n).unwrap_or(u64::MAX);
    let total = counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed).saturating_add(n);
    budget.is_none_or(|b| total <= b)
}

/// Whether two of pysbx's streams are one file (one open file, or the same file or terminal
/// opened twice): their forwarders would otherwise interleave what the program wrote in order.
fn same_file(a: &impl std::os::fd::AsFd, b: &impl std::os::fd::AsFd) -> bool {
    match (nix::sys::stat::fstat(a.as_fd()), nix::sys::stat::fstat(b.as_fd())) {
        (Ok(x), Ok(y)) => x.st_dev == y.st_dev && x.st_ino == y.st_ino && x.st_rdev == y.st_rdev,
        _ => false,
    }
}

fn forward(
    mut from: impl Read + Send + 'static,
    (stream, mut to): (&'static str, impl Write + Send + 'static),
    counter: Arc<std::sync::atomic::AtomicU64>,
    budget: Option<u64>,
    tx: mpsc::SyncSender<Msg>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        // One fixed buffer: a program printing forever blocks on the pipe, never grows pysbx.
        let mut buf = vec![0u8; FORWARD_BUF];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let total =
                counter.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed) + n as u64;
            let mut n = n;
            if let Some(b) = budget
                && total > b
            {
                let over = usize::try_from(total - b).unwrap_or(n).min(n);
                n -= over;
                if n > 0 {
                    let _ = to.write_all(&buf[..n]);
                    let _ = to.flush();
                }
                let _ = tx.send(Msg::OutputExceeded);
                break;
            }
            let wrote = to.write_all(&buf[..n]).and_then(|()| to.flush());
            // Where the program's text now ends, once it is there (see `say`).
            if let Some(&last) = buf[..n].last() {
                let which = usize::from(stream == "standard error");
                PROGRAM_MID_LINE[which].store(last != b'\n', std::sync::atomic::Ordering::Relaxed);
            }
            if let Err(e) = wrote {
                // A closed reader (`| head`): stop forwarding; the program sees a broken pipe.
                // Anything else (a full disk) is also said, as the program cannot see it.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    let _ = tx.send(Msg::OutputFailed(format!("{stream}: {e}")));
                }
                break;
            }
        }
    })
}

/// The first frame of the reply pipe, which the loader reads (see [`LOADER`]): the guard as
/// bytecode when this interpreter's compiled copy is at hand, else as source.
fn boot_frame(interp: &Interpreter) -> Vec<u8> {
    let (kind, body) = match interp::compiled(interp, BOOTSTRAP, GUARD_FILENAME) {
        Some(code) => (b'c', code),
        None => (b's', BOOTSTRAP.as_bytes().to_vec()),
    };
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    let mut frame = Vec::with_capacity(5 + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.push(kind);
    frame.extend_from_slice(&body);
    frame
}

/// Queues an event for the supervisor's loop, its texts cut first (the program chooses them:
/// a queued event holds at most [`MAX_EVENT_TEXT`] of each).
fn send_event(tx: &mpsc::SyncSender<Msg>, mut e: Event) {
    e.bound(MAX_EVENT_TEXT);
    let _ = tx.send(Msg::Event(Box::new(e)));
}

/// The supervisor's ends of the guard's channel, and the program's pid once known.
struct GuardEnds {
    from_child: OwnedFd,
    to_child: OwnedFd,
    program: Arc<std::sync::atomic::AtomicI32>,
}

#[allow(clippy::too_many_arguments)]
fn guard_loop(
    ends: GuardEnds,
    interp: &Interpreter,
    gate: &Gate,
    tx: &mpsc::SyncSender<Msg>,
    go: &mpsc::Receiver<Option<(serde_json::Value, String)>>,
    repl: Option<(crate::repl::ReplSession, Vec<OwnedFd>)>,
    output: &std::sync::Mutex<Option<Vec<u8>>>,
) {
    let GuardEnds { from_child, to_child, program } = ends;
    let mut r = std::io::BufReader::new(std::fs::File::from(from_child));
    let mut w = std::fs::File::from(to_child);
    // The loader waits for the guard before anything else; without it the child ends (125).
    // The guard's bytecode is read from the cache (or compiled once) here, while the
    // interpreter starts.
    if w.write_all(&boot_frame(interp)).is_err() {
        let _ = tx.send(Msg::GuardEof);
        return;
    }
    // Replies by module content, so a module imported again is not analysed again; bounded,
    // as the program chooses what it sends (unique large modules must not fill pysbx's memory).
    let mut cache: HashMap<[u8; 32], serde_json::Value> = HashMap::new();
    let mut cached_bytes = 0usize;
    // What every record of the guard's after its configuration carries (see `record_token`).
    let mut record_token = String::new();
    let mut hello_seen = false;
    // The channel ended (or an answer could not be written) after the program started: at
    // its exit, or by its hand (see `channel_shut_while_running`).
    let ended = |record_token: &str| {
        if !record_token.is_empty()
            && let Some(why) =
                channel_shut_while_running(program.load(std::sync::atomic::Ordering::SeqCst))
        {
            send_event(tx, channel_tampered(&why));
        }
    };
    loop {
        let (header, blob) = match read_frame(&mut r, &record_token) {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                ended(&record_token);
                break;
            }
            // Before the configuration nothing of the program's has run: the guard failed.
            Err(_) if record_token.is_empty() => break,
            // The channel ended in the middle of a record: at the program's end, or by its
            // hand, told as a clean end is.
            Err(crate::protocol::FrameError::Cut(_)) => {
                ended(&record_token);
                break;
            }
            Err(e) => {
                send_event(tx, channel_tampered(&format!("wrote into it out of step: {e}")));
                break;
            }
        };
        let kind = header.get("t").and_then(|t| t.as_str()).unwrap_or("");
        // Only the guard's own records: the program can write to the pipe as well, and a
        // record it forged would report a violation that never was (and kill the run), answer
        // as the program's output, or stall the loop on a second configuration. The one
        // `hello` comes before the token exists; everything after it carries the token.
        let forged = if kind == "hello" {
            hello_seen
        } else {
            record_token.is_empty()
                || header.get("token").and_then(|v| v.as_str()) != Some(record_token.as_str())
        };
        if forged {
            continue;
        }
        match kind {
            "hello" => {
                hello_seen = true;
                let _ = tx.send(Msg::Hello(header.get("layers").cloned().unwrap_or_default()));
                match go.recv() {
                    Ok(Some((config, entry))) => {
                        if let Some(token) = config.get("record_token").and_then(|t| t.as_str()) {
                            record_token = token.to_string();
                        }
                        if write_frame(&mut w, config, entry.as_bytes()).is_err() {
                            break;
                        }
                    }
                    _ => break,
                }
            }
            "gate" => {
                let path = PathBuf::from(header.get("path").and_then(|p| p.as_str()).unwrap_or(""));
                // A constant string of that module's that it runs with `exec`: the guard asks
                // whether the gate would run it unchanged. Its findings' lines are the
                // string's, not the file's, and the answer alone decides, so none is shown.
                let constant =
                    header.get("constant").and_then(serde_json::Value::as_bool) == Some(true);
                // Sent, then waited for: a note written once the module runs could land in the
                // middle of a line the program left unfinished (a prompt).
                let show = |findings: &[GateFinding]| {
                    let events = if constant { Vec::new() } else { gate_events(&path, findings) };
                    if events.is_empty() {
                        return;
                    }
                    for e in events {
                        send_event(tx, e);
                    }
                    let (done_tx, done_rx) = mpsc::sync_channel(1);
                    if tx.send(Msg::Flush(done_tx)).is_ok() {
                        let _ = done_rx.recv_timeout(Duration::from_secs(5));
                    }
                };
                // The gate's answer depends on the module's path as well as its text (an
                // entry file's import-time rules, `setup.py`'s): the same text at another path
                // is asked again.
                let key: [u8; 32] = {
                    let mut hasher = sha2::Sha256::new();
                    hasher.update(path.as_os_str().as_encoded_bytes());
                    hasher.update([0]);
                    hasher.update(&blob);
                    hasher.finalize().into()
                };
                let reply = if let Some(r) = cache.get(&key) {
                    r.clone()
                } else if blob.len() > MAX_GATED_SOURCE {
                    // Parsing costs about fifty times a module's size in pysbx's memory (up to
                    // about 190 bytes a token for a flat module of one-name statements, whose
                    // token count the analysis bounds), and the largest module of the 150
                    // most used packages is under 3 MiB.
                    serde_json::json!({"ok": false, "reason": format!(
                        "module of {} bytes: larger than the {} MiB the import gate reads",
                        blob.len(),
                        MAX_GATED_SOURCE >> 20
                    )})
                } else {
                    let reply = match gate(&path, &blob) {
                        GateReply::Allow { source, findings, doctest_examples } => {
                            show(&findings);
                            let mut reply = serde_json::json!({"ok": true, "source": source});
                            // A constant's examples are not the module's docstrings.
                            if !doctest_examples.is_empty() && !constant {
                                reply["examples"] = serde_json::json!(doctest_examples);
                            }
                            reply
                        }
                        GateReply::Refuse { reason, findings } => {
                            show(&findings);
                            serde_json::json!({"ok": false, "reason": reason})
                        }
                        // The guard has the interpreter parse a refused module itself, for
                        // Python's SyntaxError (see `_GateLoader`).
                        GateReply::Unparsable { reason, .. } => {
                            serde_json::json!({"ok": false, "reason": reason})
                        }
                    };
                    let text = |v: &serde_json::Value| v.as_str().map_or(0, str::len);
                    let examples = reply.get("examples").and_then(|e| e.as_array());
                    let size = reply.get("source").map_or(0, text)
                        + examples.map_or(0, |e| e.iter().map(text).sum());
                    if cached_bytes + size <= MAX_GATE_CACHE_BYTES {
                        cached_bytes += size;
                        cache.insert(key, reply.clone());
                    }
                    reply
                };
                if write_frame(&mut w, answer_to(&header, reply), b"").is_err() {
                    ended(&record_token);
                    break;
                }
            }
            "event" => {
                if let Ok(e) = serde_json::from_value::<Event>(
                    header.get("event").cloned().unwrap_or_default(),
                ) {
                    send_event(tx, e);
                }
            }
            "repl" => {
                let Some((session, output)) = &repl else { break };
                let _ = tx.send(Msg::ReplIdle);
                let (reply, blob) = session.next(output);
                let _ = tx.send(Msg::ReplBusy);
                if write_frame(&mut w, answer_to(&header, reply), &blob).is_err() {
                    ended(&record_token);
                    break;
                }
            }
            "readline" => {
                // `input()` inside an interactive session; the wall clock stops while the user
                // types, as it does between inputs.
                let Some((session, output)) = &repl else { break };
                let prompt = header.get("prompt").and_then(|p| p.as_str()).unwrap_or("");
                let _ = tx.send(Msg::ReplIdle);
                let (reply, line) = session.read_line(prompt, output);
                let _ = tx.send(Msg::ReplBusy);
                if write_frame(&mut w, answer_to(&header, reply), &line).is_err() {
                    ended(&record_token);
                    break;
                }
            }
            "output" => {
                if let Ok(mut slot) = output.lock() {
                    *slot = Some(blob);
                }
            }
            // Its reason decides pysbx's verdict and exit status (the token is checked above).
            "end" => {
                let s = |k: &str| header.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
                let file = header.get("file").and_then(|v| v.as_str()).map(str::to_string);
                let stub = header.get("stub").and_then(serde_json::Value::as_bool) == Some(true);
                let _ = tx.send(Msg::GuardEnd(s("reason"), s("message"), file, stub));
            }
            _ => {}
        }
    }
    let _ = tx.send(Msg::GuardEof);
}

/// The violation that ends a run whose program broke the guard's channel (see
/// [`read_frame`], [`channel_shut_while_running`]): what the guard said after that could not be
/// read, so the run is killed and judged a violation rather than let go on unreported.
fn channel_tampered(how: &str) -> Event {
    let message = format!(
        "the program broke the guard's channel to pysbx ({how}); what the guard reported after \
         that could not be read"
    );
    Event::seen_by_pysbx("guard", message, "killed", "guard channel")
}

/// Why the guard's channel ended while the program still ran, or `None` when its end is the
/// program's exit. The program holds the channel until it exits (seccomp refuses closing it),
/// but any descriptor of the socket may shut it down, a copy of it too (`dup`, or one sent to
/// itself over a socket pair), so the end of the stream alone tells nothing. The kernel
/// closes a process's files on its way out, after marking it exiting (`PF_EXITING` in the
/// flags of `/proc/PID/stat`): an end read while the program is neither exiting nor gone is
/// one the program made.
fn channel_shut_while_running(pid: i32) -> Option<String> {
    const PF_EXITING: u64 = 0x4;
    if pid <= 0 {
        return None;
    }
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, which it may hold itself): state, then five
    // fields, then the flags.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let state = *fields.first()?;
    let flags: u64 = fields.get(6)?.parse().ok()?;
    if matches!(state, "Z" | "X" | "x") || flags & PF_EXITING != 0 {
        return None;
    }
    Some("shut it down while it ran".into())
}

/// A secret for the guard's records: 16 random bytes in hex. The guard keeps it out of the
/// program's reach and puts it on every record after its configuration; a record the program
/// forges on the pipe without it changes nothing.
fn record_token() -> Result<String, SandboxError> {
    let bytes: [u8; 16] = crate::sys::random_bytes()
        .map_err(|e| SandboxError::os("reading /dev/urandom for the guard's record token", e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn guard_config(
    req: &ExecRequest,
    policy: &Policy,
    interp: &Interpreter,
    plan: &Plan,
    entry: Option<&Path>,
    script_dir: Option<&Path>,
    user_cwd: &Option<PathBuf>,
) -> serde_json::Value {
    let (mode, args, name) = match &req.program {
        Program::File { args, .. } => ("file", args, None),
        Program::Code { args, .. } => ("code", args, None),
        Program::Module { name, args } => ("module", args, Some(name.clone())),
        Program::Repl(_) => ("repl", &Vec::new(), None),
    };
    // As bytes: an argument that is not UTF-8 reaches `sys.argv` as Python decodes it
    // (surrogate escapes), not with its bytes replaced.
    let args: Vec<String> = args
        .iter()
        .map(|a| hex::encode(std::os::unix::ffi::OsStrExt::as_bytes(a.as_os_str())))
        .collect();
    // `sys.argv[0]` is the script as the user named it, as under Python (`__file__` and
    // tracebacks name it absolutely, as Python does since 3.9).
    let argv0 = match &req.program {
        Program::File { path, .. } => path.to_str(),
        Program::Code { from_stdin: true, .. } => Some("-"),
        _ => None,
    };
    let modules: serde_json::Map<String, serde_json::Value> = policy
        .modules
        .iter()
        .map(|(name, g)| {
            (
                name.clone(),
                serde_json::json!({
                    "read": g.read, "write": g.write, "process": g.process, "ffi": g.ffi, "code": g.code,
                    "net": g.net.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "imports_allow": g.imports.allow, "imports_deny": g.imports.deny,
                }),
            )
        })
        .collect();
    let mut stdlib = vec![interp.stdlib.clone(), interp.platstdlib.clone()];
    stdlib.dedup();
    let canonical = canonical_paths(
        plan.root.is_some(),
        stdlib
            .iter()
            .chain(&interp.site)
            .chain([&interp.prefix, &interp.base_prefix, &interp.exec_prefix])
            .chain(&plan.confine.read)
            .chain(&plan.confine.write)
            .chain(&plan.confine.devices)
            .chain(policy.modules.values().flat_map(|g| g.read.iter().chain(&g.write))),
    );
    serde_json::json!({
        "canonical": canonical,
        "t": "config",
        "mode": mode,
        "path": entry,
        "module": name,
        "args_hex": args,
        "argv0": argv0,
        "code_name": req.program.code_name(),
        "from_stdin": matches!(req.program, Program::Code { from_stdin: true, .. }),
        "sys_path0": match mode { "code" | "repl" => Some(PathBuf::new()), _ => script_dir.map(Path::to_path_buf) },
        "user_cwd": user_cwd,
        "stdlib": stdlib,
        "site": interp.site,
        "prefixes": [interp.prefix, interp.base_prefix, interp.exec_prefix],
        // The kernel's lists hold every module's grants too (it cannot tell modules apart);
        // the guard's top-level lists hold what the whole program may touch, the modules'
        // own grants going with `modules` below.
        "reads": without_module_grants(&plan.confine.read, &policy.fs.read, policy.modules.values().map(|g| &g.read))
            .into_iter()
            .filter(|p| !plan.confine.without_hidden.contains(p))
            .collect::<Vec<_>>(),
        // Readable but for their hidden entries (see `crate::confine::hidden`).
        "without_hidden": plan.confine.without_hidden,
        "writes": without_module_grants(&plan.confine.write, &policy.fs.write, policy.modules.values().map(|g| &g.write)),
        "devices": plan.confine.devices,
        "net": policy.net.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "hosts": policy.hosts,
        "process": policy.process,
        "ffi": policy.ffi,
        "code": policy.code,
        "gate_reads": req.gate_reads,
        "threads": policy.features.threads,
        "imports_deny": policy.imports.deny,
        "imports_allow": policy.imports.allow,
        "modules": modules,
        "on_violation": policy.on_violation,
        "recursion_limit": policy.features.recursion_limit,
        "recursion_ceiling": policy.features.recursion_ceiling,
        "stdout_tty": std::io::stdout().is_terminal(),
        "stderr_tty": std::io::stderr().is_terminal(),
        "workdir": plan.workdir,
        // The directory the working directory shows copy-on-write, if any, and read-only by
        // its own path: the guard's `os.chdir` enters the working directory for it. Where a
        // grant lets the program write in or around it, its own path is where those writes go.
        "workdir_lower": plan
            .workdir_lower
            .as_ref()
            .filter(|d| !crate::confine::lend::overlaps_writes(d, &plan.confine.write)),
        "tmpdir": plan.tmpdir,
        // The directories whose contents end with the run: the private TMPDIR and, unless the
        // policy names a persistent one, the working directory (empty, or a copy-on-write view).
        "scratch": if policy.fs.root.is_some() {
            Vec::new()
        } else if policy.fs.workdir.is_none() {
            vec![plan.tmpdir.clone(), plan.workdir.clone()]
        } else {
            vec![plan.tmpdir.clone()]
        },
    })
}

/// Those of `paths` that have no symbolic link in them: the guard resolves every other path
/// of its configuration with `os.path.realpath` (in Python, a `lstat` per component, about
/// 0.4 ms for a default configuration), which these need not. The sandbox sees each such path
/// as the host does (its mounts put directories and files at their own paths), except under
/// `fs.root` (`under_root`), where nothing is marked.
fn canonical_paths<'a>(
    under_root: bool,
    paths: impl Iterator<Item = &'a PathBuf>,
) -> Vec<&'a Path> {
    if under_root {
        return Vec::new();
    }
    // Each path once (the prefixes are often one directory), then one `canonicalize` each.
    let mut out: Vec<&Path> = paths.map(PathBuf::as_path).collect();
    out.sort();
    out.dedup();
    out.retain(|p| std::fs::canonicalize(p).is_ok_and(|c| c == *p));
    out
}

/// The directories where the host's services listen on UNIX sockets that a program allowed to
/// make UNIX sockets (network or processes) could reach by their paths, which neither Landlock
/// nor the network namespace judges: X11's and its kin's (a display server may accept any
/// local uid), and without root, when the program keeps the user's uid, the user's own (the
/// runtime directory, `$XDG_RUNTIME_DIR` or `/run/user/UID`, with the session's D-Bus, the
/// service manager, the keyring and agents; an SSH agent's directory, `$SSH_AUTH_SOCK`'s and
/// `/tmp/ssh-*` of the user's; GnuPG's agent in `~/.gnupg`; `tmux`'s, `screen`'s and Emacs's
/// servers), whose services take the uid for the user. Left out: a
/// directory that holds a path of the run (the policy's, the script's, the interpreter's,
/// the private directory), or that is none.
fn socket_dirs(keeps_uid: bool, plan: &Plan) -> Vec<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let mut dirs: Vec<PathBuf> = [".X11-unix", ".ICE-unix", ".XIM-unix", ".font-unix"]
        .iter()
        .map(|d| Path::new("/tmp").join(d))
        .collect();
    if keeps_uid {
        let uid = nix::unistd::geteuid().as_raw();
        dirs.push(PathBuf::from(format!("/run/user/{uid}")));
        if let Some(d) = std::env::var_os("XDG_RUNTIME_DIR") {
            dirs.push(PathBuf::from(d));
        }
        if let Some(d) = std::env::var_os("SSH_AUTH_SOCK")
            .map(PathBuf::from)
            .and_then(|s| s.parent().map(Path::to_path_buf))
        {
            dirs.push(d);
        }
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            dirs.push(Path::new(&home).join(".gnupg"));
        }
        // Agents' and terminal multiplexers' directories of the user's (`tmux send-keys`
        // types into the user's shells).
        let named = |dir: &str, prefixes: &[&str]| {
            let mut found = Vec::new();
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let owned = e.metadata().is_ok_and(|m| m.is_dir() && m.uid() == uid);
                let name = e.file_name();
                let name = name.to_string_lossy();
                if owned && prefixes.iter().any(|p| name.starts_with(p)) {
                    found.push(e.path());
                }
            }
            found
        };
        dirs.extend(named("/tmp", &["ssh-", "tmux-", "emacs"]));
        dirs.extend(named("/run/screen", &["S-"]));
    }
    let used: Vec<&PathBuf> = plan
        .confine
        .granted()
        .chain(&plan.reach)
        .chain([&plan.private_dir, &plan.workdir, &plan.tmpdir])
        .collect();
    let mut out: Vec<PathBuf> = dirs
        .into_iter()
        .filter_map(|d| std::fs::canonicalize(d).ok())
        .filter(|d| d.is_dir() && d.parent().is_some())
        .filter(|d| !used.iter().any(|u| u.starts_with(d)))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Where services put their UNIX sockets, searched to this depth below each.
const SOCKET_ROOTS: [(&str, usize); 5] =
    [("/run", 4), ("/var/run", 4), ("/dev", 1), ("/tmp", 2), ("/var/tmp", 2)];

/// At most this many entries are looked at in all, so that a tree of many files does not hold
/// up the start (a desktop's `/run` has a few hundred).
const SOCKET_SEARCH_ENTRIES: usize = 20_000;

/// The UNIX sockets in the directories where the machine's services listen (`/run`,
/// `/var/run`, `/dev`, `/tmp`, `/var/tmp`), outside those [`socket_dirs`] hides whole: the
/// system D-Bus, syslog's `/dev/log` and the journal's, a printing or container engine's
/// (whose group the user may be in, and, without root, the program keeps the user's groups).
/// A socket inside a path the policy grants is left, as is every one under `fs.root`.
/// Symbolic links are not followed (`/var/run` is looked at through its target once).
fn socket_files(plan: &Plan) -> Vec<PathBuf> {
    use std::os::unix::fs::FileTypeExt;
    let granted: Vec<&PathBuf> = plan.confine.granted().filter(|p| p.parent().is_some()).collect();
    let mut seen_roots: Vec<PathBuf> = Vec::new();
    let mut out: Vec<PathBuf> = Vec::new();
    let mut budget = SOCKET_SEARCH_ENTRIES;
    for (root, depth) in SOCKET_ROOTS {
        let Ok(root) = std::fs::canonicalize(root) else { continue };
        if seen_roots.contains(&root) || plan.masked.iter().any(|m| root.starts_with(m)) {
            continue;
        }
        seen_roots.push(root.clone());
        let mut stack = vec![(root, depth)];
        while let Some((dir, left)) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if budget == 0 {
                    return out;
                }
                budget -= 1;
                let Ok(kind) = entry.file_type() else { continue };
                let path = entry.path();
                if plan.masked.iter().any(|m| path.starts_with(m))
                    || granted.iter().any(|g| path.starts_with(g))
                {
                    continue;
                }
                if kind.is_socket() {
                    out.push(path);
                } else if kind.is_dir() && left > 1 {
                    stack.push((path, left - 1));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Grants the script's directory (and a linked script's link directory) for reading, without
/// its hidden entries unless a wider grant (the policy's, the interpreter's) covers it already
/// (see [`crate::confine::hidden`]). A script whose own name is hidden stays readable.
fn grant_script_dirs<'d>(
    confine: &mut ConfinePlan,
    dirs: impl Iterator<Item = &'d PathBuf>,
    script: Option<&Path>,
) {
    let granted: Vec<PathBuf> = confine.granted().cloned().collect();
    for dir in dirs {
        // Judged by the directory it really is: `sub/..` (a script run as `../main.py`) names
        // the script's directory, and lexically lies inside it, which read as covered by it.
        // A directory that cannot be resolved is withheld (the safer reading).
        let covered = std::fs::canonicalize(dir)
            .is_ok_and(|real| granted.iter().any(|g| real.starts_with(g)));
        if !covered {
            confine.without_hidden.push(dir.clone());
        }
        confine.read.push(dir.clone());
    }
    let Some(script) = script else { return };
    for path in
        [Some(script.to_path_buf()), std::fs::canonicalize(script).ok()].into_iter().flatten()
    {
        let hidden_in_dir = path.file_name().is_some_and(crate::confine::hidden::is_hidden)
            && path.parent().is_some_and(|p| confine.without_hidden.iter().any(|d| d == p));
        if hidden_in_dir && !confine.read.contains(&path) {
            confine.read.push(path);
        }
    }
}

fn build_plan(
    interp: &Interpreter,
    policy: &Policy,
    private_dir: &Path,
    workdir: &Path,
    tmpdir: &Path,
    drop_to: Option<(u32, u32)>,
    script_dir: Option<&Path>,
) -> Plan {
    let runtime = interp.own_dirs();
    let mut read = runtime.clone();
    for sys in [
        "/lib",
        "/lib64",
        "/usr/lib",
        "/usr/lib64",
        "/usr/share/zoneinfo",
        "/etc/ld.so.cache",
        "/etc/localtime",
        // `mimetypes` reads the system's table at its first look-up.
        "/etc/mime.types",
        "/proc/self",
        // The machine's size and load, as `os.cpu_count()`, `os.sysconf()` and
        // `os.getloadavg()` already tell through system calls: libraries that size their
        // pools or report resources (psutil, numpy's BLAS, joblib) read these files.
        "/proc/cpuinfo",
        "/proc/meminfo",
        "/proc/stat",
        "/proc/uptime",
        "/proc/loadavg",
        "/sys/devices/system/cpu/online",
        "/sys/devices/system/cpu/possible",
        "/sys/devices/system/cpu/present",
    ] {
        read.push(PathBuf::from(sys));
    }
    let network = policy.any_network();
    if network {
        for p in [
            "/etc/resolv.conf",
            "/etc/hosts",
            "/etc/nsswitch.conf",
            "/etc/gai.conf",
            "/etc/host.conf",
            "/etc/ssl",
            "/usr/share/ca-certificates",
        ] {
            read.push(PathBuf::from(p));
        }
    }
    read.extend(policy.all_reads());
    let mut write = vec![workdir.to_path_buf(), tmpdir.to_path_buf()];
    write.extend(policy.all_writes());
    let mut execute = vec![interp.executable.clone()];
    // The kernel opens the dynamic loader for execution too.
    execute.extend(interp.loader.iter().cloned());
    if policy.any_process() {
        for p in ["/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin"] {
            execute.push(PathBuf::from(p));
        }
        if let Some(parent) = interp.executable.parent() {
            execute.push(parent.to_path_buf());
        }
    }
    let devices = ["/dev/null", "/dev/zero", "/dev/full", "/dev/urandom", "/dev/random"]
        .iter()
        .map(PathBuf::from)
        .collect();
    let all_net = policy.all_net();
    let tcp_connect = if !network {
        Some(Vec::new())
    } else if all_net.iter().any(|r| r.port.is_none()) {
        None
    } else {
        let mut ports: Vec<u16> = all_net
            .iter()
            .filter(|r| r.protocol == crate::policy::Protocol::Tcp)
            .filter_map(|r| r.port)
            .collect();
        ports.sort_unstable();
        ports.dedup();
        Some(ports)
    };
    let mut reach = runtime;
    reach.push(interp.executable.clone());
    if let Some(d) = script_dir {
        reach.push(d.to_path_buf());
    }
    reach.extend(policy.all_reads());
    reach.extend(policy.all_writes());
    if !workdir.starts_with(private_dir) {
        reach.push(workdir.to_path_buf());
    }
    let mut env: Vec<(String, String)> = vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME".into(), workdir.display().to_string()),
        ("TMPDIR".into(), tmpdir.display().to_string()),
        // The sandbox uid has no entry in the password database; `getpass.getuser()` (which
        // libraries use to name cache directories) reads these first.
        ("USER".into(), "pysbx".into()),
        ("LOGNAME".into(), "pysbx".into()),
    ];
    for name in &policy.env.pass {
        if let Some(v) = std::env::var_os(name) {
            env.retain(|(k, _)| k != name);
            env.push((name.clone(), v.to_string_lossy().into_owned()));
        }
    }
    if !env.iter().any(|(k, _)| k == "LANG" || k == "LC_ALL") {
        env.push(("LANG".into(), "C.UTF-8".into()));
    }
    for (k, v) in &policy.env.set {
        env.retain(|(name, _)| name != k);
        env.push((k.clone(), v.clone()));
    }
    Plan {
        interpreter: interp.executable.clone(),
        argv0: interp.launcher.clone().unwrap_or_else(|| interp.executable.clone()),
        args: vec!["-I".into(), "-B".into(), "-c".into(), LOADER.into()],
        env,
        private_dir: private_dir.to_path_buf(),
        workdir: workdir.to_path_buf(),
        tmpdir: tmpdir.to_path_buf(),
        private_size_mb: policy.limits.file_size_mb.saturating_mul(4).clamp(16, 4096),
        drop_to,
        supervisor_pid: i32::try_from(std::process::id()).unwrap_or(0),
        new_net: !network,
        net_relay: None,
        root: None,
        reach,
        lend: Vec::new(),
        no_code: Vec::new(),
        read_only_tree: false,
        masked: Vec::new(),
        masked_sockets: Vec::new(),
        workdir_lower: None,
        confine: ConfinePlan {
            read,
            write,
            execute,
            devices,
            process: policy.any_process(),
            threads: policy.features.threads,
            network,
            ffi: policy.any_ffi(),
            tcp_connect,
            without_hidden: Vec::new(),
        },
        limits: policy.limits,
        stdio: None,
    }
}

/// A persistent working directory lent to the sandbox uid for one run (pysbx as root).
struct HandedDir {
    path: PathBuf,
    owner: (u32, u32),
    sandbox_uid: u32,
}

impl HandedDir {
    fn hand(path: &Path, uid: u32, gid: u32) -> Result<Self, SandboxError> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)
            .map_err(|source| SandboxError::Io { path: path.to_path_buf(), source })?;
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .map_err(|source| SandboxError::Io { path: path.to_path_buf(), source })?;
        Ok(Self { path: path.to_path_buf(), owner: (meta.uid(), meta.gid()), sandbox_uid: uid })
    }

    /// Returns the directory, and everything the sandbox created in it, to its owner. What
    /// the sandbox made loses the set-id bits and others' write permission on the way: given
    /// to the owner (root, when pysbx runs as root), a world-writable file or a set-group-id,
    /// world-writable directory would be the owner's for any local user to change.
    fn give_back(self) {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        const STRIPPED: u32 = 0o6002;
        let mut stack = vec![self.path.clone()];
        while let Some(p) = stack.pop() {
            let Ok(meta) = std::fs::symlink_metadata(&p) else { continue };
            if meta.uid() == self.sandbox_uid {
                let _ = std::os::unix::fs::lchown(&p, Some(self.owner.0), Some(self.owner.1));
                let mode = meta.mode() & 0o7777;
                if !meta.file_type().is_symlink() && mode & STRIPPED != 0 {
                    let kept = std::fs::Permissions::from_mode(mode & !STRIPPED);
                    let _ = std::fs::set_permissions(&p, kept);
                }
            }
            if meta.is_dir()
                && let Ok(rd) = std::fs::read_dir(&p)
            {
                stack.extend(rd.flatten().map(|e| e.path()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_near_the_memory_limit_says_so() {
        let segv = nix::sys::signal::Signal::SIGSEGV as i32;
        let note = out_of_memory_note(segv, 480 * 1024, 512);
        assert!(note.contains("peak of 480 MiB, near the memory limit of 512 MiB"), "{note}");
        // Far from the limit, or a signal that is not a crash: nothing is added.
        assert_eq!(out_of_memory_note(segv, 100 * 1024, 512), "");
        let kill = nix::sys::signal::Signal::SIGKILL as i32;
        assert_eq!(out_of_memory_note(kill, 500 * 1024, 512), "");
    }

    #[test]
    fn a_stubs_exception_counts_only_where_the_gate_put_that_stub() {
        let mut placed = std::collections::HashSet::new();
        placed.insert(("PSB215".to_string(), 2));
        placed.insert(("PSB301".to_string(), 1));
        let on = |m: &str| violation_on_record(m, &placed);
        assert!(on("PSB215 (shell-constant-command) blocked at line 2: os.system(\"id\")"));
        assert!(on("PSB301 (ctypes-import) blocked use of ctypes at line 1: import ctypes"));
        // Another line, another rule, the program's own words.
        assert!(!on("PSB215 (shell-constant-command) blocked at line 3: os.system(\"id\")"));
        assert!(!on("PSB103 (exec-string) blocked at line 2: exec(payload)"));
        assert!(!on("PSB215 blocked at line 2: x"));
        assert!(!on("pysbx: connecting to 10.6.6.6:22 is not allowed (net)"));
        assert!(!on(""));
    }

    fn tier_with(layer: &str, state: LayerState) -> Tier {
        let mut tier = Tier::default();
        tier.set(layer, state);
        tier
    }

    fn entry() -> Option<(PathBuf, Vec<u8>)> {
        Some((PathBuf::from("/work/main.py"), b"print(1)\n".to_vec()))
    }

    /// The go-ahead, decided when the tier arrives: the gate's answer is what runs, a required
    /// layer that failed or was never reported refuses, and a gate that refuses or panics
    /// refuses first (the program is refused for what it is before the machine is blamed).
    #[test]
    fn the_go_ahead_refuses_for_missing_layers_and_for_the_gate() {
        let require = vec!["seccomp".to_string()];
        let held = tier_with("seccomp", LayerState::Applied("set".into()));
        let failed = tier_with("seccomp", LayerState::Failed("no filter".into()));
        let rewrite: Gate = Arc::new(|_: &Path, _: &[u8]| GateReply::Allow {
            source: "print(2)\n".into(),
            findings: Vec::new(),
            doctest_examples: Vec::new(),
        });
        let refuse: Gate = Arc::new(|_: &Path, _: &[u8]| GateReply::Refuse {
            reason: "refused by a rule".into(),
            findings: Vec::new(),
        });
        let panics: Gate = Arc::new(|_: &Path, _: &[u8]| panic!("a broken gate"));

        let unparsable: Gate = Arc::new(|_: &Path, _: &[u8]| GateReply::Unparsable {
            source: "x = (1,\n".into(),
            reason: "main.py:2:1: unexpected EOF".into(),
        });

        let Ok(gated) = go_decision(&held, &require, &rewrite, entry(), None) else {
            panic!("every required layer holds and the gate allows")
        };
        assert_eq!(gated.source, "print(2)\n", "the gate's version runs, not the original");
        assert_eq!(gated.unparsable, None);
        // A program the gate cannot parse goes to the guard marked, for Python's SyntaxError.
        let Ok(gated) = go_decision(&held, &require, &unparsable, entry(), None) else {
            panic!("an unparsable program is handed to the guard")
        };
        assert_eq!(gated.source, "x = (1,\n");
        assert_eq!(gated.unparsable.as_deref(), Some("main.py:2:1: unexpected EOF"));
        assert!(matches!(
            go_decision(&failed, &require, &unparsable, entry(), None),
            Err(Refusal::Missing(_))
        ));
        assert!(matches!(
            go_decision(&failed, &require, &rewrite, entry(), None),
            Err(Refusal::Missing(m)) if m.contains("seccomp: no filter")
        ));
        assert!(matches!(
            go_decision(&Tier::default(), &require, &rewrite, entry(), None),
            Err(Refusal::Missing(m)) if m.contains("seccomp: not attempted")
        ));
        assert!(matches!(
            go_decision(&failed, &require, &refuse, entry(), None),
            Err(Refusal::Gate(..))
        ));
        assert!(matches!(
            go_decision(&held, &require, &panics, entry(), None),
            Err(Refusal::Gate(e, _)) if e.to_string().contains("the gate panicked")
        ));
    }

    /// The go-ahead is decided before the hello only when no layer the hello reports is
    /// required: the names here must be the ones the bootstrap's hello carries.
    #[test]
    fn the_guard_layers_are_those_its_hello_reports() {
        let start = BOOTSTRAP.find(r#"_send({"t": "hello""#).expect("the bootstrap says hello");
        let hello = &BOOTSTRAP[start..];
        let hello = &hello[..hello.find("})").expect("one dict") + 2];
        let named: Vec<&str> = hello
            .match_indices("\": \"")
            .filter_map(|(at, _)| hello[..at].rfind('"').map(|open| &hello[open + 1..at]))
            .filter(|name| *name != "t")
            .collect();
        assert_eq!(named, GUARD_LAYERS.to_vec(), "{hello}");
    }

    #[test]
    fn runs_alive_at_once_never_share_a_sandbox_uid() {
        assert_ne!(sandbox_id(1234), sandbox_id(1234 + 65_536));
        assert_ne!(sandbox_id(7), sandbox_id(7 + 4 * 65_536));
        // The kernel's largest pid (PID_MAX_LIMIT on 64-bit) keeps its own uid.
        assert_eq!(sandbox_id(4_194_303), 0x6000_0000 + 4_194_303);
        assert!(sandbox_id(4_194_303) < 0x6040_0000);
    }

    #[test]
    fn a_mount_namespace_is_certain_only_for_root_with_cap_sys_admin() {
        let all = u64::MAX >> 23;
        let without_sys_admin = all & !(1 << 21);
        assert!(mount_namespace_certain_for(true, Some(all)));
        assert!(!mount_namespace_certain_for(true, Some(without_sys_admin)), "root in a container");
        assert!(!mount_namespace_certain_for(true, None), "capabilities unknown");
        assert!(!mount_namespace_certain_for(false, Some(all)), "not root: a user namespace first");
        // This process's own set is read from /proc.
        let caps = effective_capabilities().expect("CapEff in /proc/self/status");
        assert_eq!(
            mount_namespace_certain(),
            nix::unistd::geteuid().is_root() && caps & (1 << 21) != 0
        );
    }

    #[test]
    fn private_directories_go_to_a_shared_ram_filesystem_only() {
        let scratch = tempfile::tempdir().expect("tempdir");
        // A private (0700) directory, a world-writable one without the sticky bit, and a file.
        assert!(!shared_ram_dir(scratch.path()));
        let open = scratch.path().join("open");
        std::fs::create_dir(&open).expect("mkdir");
        std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .expect("chmod");
        assert!(!shared_ram_dir(&open));
        let file = scratch.path().join("file");
        std::fs::write(&file, "").expect("write");
        assert!(!shared_ram_dir(&file));
        assert!(!shared_ram_dir(Path::new("/nonexistent")));
        // `/tmp`'s permissions are not enough off a tmpfs, and not enough on one without the
        // sticky bit or when another user owns the directory.
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(m))
                .expect("chmod");
        };
        let sticky_on_disk = scratch.path().join("sticky");
        std::fs::create_dir(&sticky_on_disk).expect("mkdir");
        mode(&sticky_on_disk, 0o1777);
        let on_disk = nix::sys::statfs::statfs(scratch.path()).expect("statfs");
        if on_disk.filesystem_type() != nix::sys::statfs::TMPFS_MAGIC {
            assert!(!shared_ram_dir(&sticky_on_disk), "not a tmpfs");
        }
        let ram = Path::new(RAM_DIR);
        let in_ram = tempfile::tempdir_in(ram).expect("a directory in /dev/shm, a tmpfs here");
        let root = nix::unistd::geteuid().is_root();
        mode(in_ram.path(), 0o777);
        assert!(!shared_ram_dir(in_ram.path()), "world-writable without the sticky bit");
        mode(in_ram.path(), 0o1777);
        assert_eq!(shared_ram_dir(in_ram.path()), root, "sticky and world-writable, ours");
        if root {
            let nobody = Some(nix::unistd::Uid::from_raw(65534));
            nix::unistd::chown(in_ram.path(), nobody, None).expect("chown");
            assert!(!shared_ram_dir(in_ram.path()), "owned by another user");
        }
        let dir = make_private_dir().expect("a private directory");
        if shared_ram_dir(ram) && mount_namespace_certain() {
            assert_eq!(dir.path().parent(), Some(ram));
        } else {
            assert!(dir.path().starts_with(std::env::temp_dir()), "{}", dir.path().display());
        }
        assert!(dir.path().is_dir());
    }

    #[test]
    fn only_paths_without_symbolic_links_are_marked_canonical() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = std::fs::canonicalize(dir.path()).expect("canonical").join("real");
        std::fs::create_dir(&real).expect("mkdir");
        let link = real.parent().expect("parent").join("link");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let below_link = link.join("x");
        let missing = real.join("missing");
        let paths = [real.clone(), link.clone(), below_link, missing, real.clone()];
        assert_eq!(canonical_paths(false, paths.iter()), vec![real.as_path()]);
        // Under `fs.root` the sandbox's view differs from the host's: nothing is marked.
        assert!(canonical_paths(true, paths.iter()).is_empty());
    }
}
