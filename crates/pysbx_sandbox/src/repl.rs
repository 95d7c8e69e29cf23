//! Interactive sessions: one persistent confined interpreter that runs inputs one at a time.
//!
//! A session is an ordinary sandboxed run ([`crate::run()`] with [`crate::Program::Repl`]) whose
//! entry is pysbx's own REPL server (`guard/repl.py`, trusted like the bootstrap). The server
//! asks for each input over the guard pipe; the supervisor's guard thread answers by calling
//! the session's front end, which reads, scans and sanitizes the input (the sandbox knows
//! nothing of rules). The wall clock runs only while an input runs; CPU time is counted for the
//! whole session, as the kernel counts it for the process.

use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The server the confined interpreter runs in place of a program.
pub(crate) const SERVER: &str = include_str!("guard/repl.py");

/// The front end's answer when the interpreter asks for its next input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplInput {
    /// Run this source (already scanned and sanitized) in the session's namespace.
    Run {
        /// The source: one or more statements; expression statements echo their value.
        source: String,
        /// The name tracebacks show (`<input-3>`).
        filename: String,
    },
    /// End the session: the interpreter exits normally.
    End,
}

/// Reads the next input; called on the supervisor's guard thread while the interpreter waits.
pub type ReplFrontend = Arc<dyn Fn() -> ReplInput + Send + Sync>;

/// What the front end read for a call of `input()` inside the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplLine {
    /// The line, without its line break.
    Line(String),
    /// End of input (Ctrl-D): `input()` raises `EOFError`.
    Eof,
    /// Ctrl-C: `input()` raises `KeyboardInterrupt`.
    Interrupted,
}

/// Reads one line for `input(prompt)`; called on the supervisor's guard thread.
pub type ReplReader = Arc<dyn Fn(&str) -> ReplLine + Send + Sync>;

/// A handle on an interactive session, shared between the front end and the supervisor.
#[derive(Clone)]
pub struct ReplSession {
    frontend: ReplFrontend,
    reader: Option<ReplReader>,
    pid: Arc<AtomicI32>,
    running: Arc<AtomicBool>,
    inputs: Arc<AtomicU64>,
    tier: Arc<Mutex<Option<crate::Tier>>>,
    /// The run's private directory, removed if a signal ends pysbx (see
    /// [`ReplSession::forward_interrupts`]).
    private_dir: Arc<Mutex<Option<std::path::PathBuf>>>,
}

impl std::fmt::Debug for ReplSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplSession")
            .field("pid", &self.pid.load(Ordering::Relaxed))
            .field("running", &self.running.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl ReplSession {
    /// A session whose inputs come from `frontend`.
    #[must_use]
    pub fn new(frontend: ReplFrontend) -> Self {
        Self {
            frontend,
            reader: None,
            pid: Arc::new(AtomicI32::new(0)),
            running: Arc::new(AtomicBool::new(false)),
            inputs: Arc::new(AtomicU64::new(0)),
            tier: Arc::new(Mutex::new(None)),
            private_dir: Arc::new(Mutex::new(None)),
        }
    }

    /// Lets `input()` inside the session read a line through `reader` (without one, `input()`
    /// sees end of file).
    #[must_use]
    pub fn with_reader(mut self, reader: ReplReader) -> Self {
        self.reader = Some(reader);
        self
    }

    /// Sends every SIGINT the process receives (Ctrl-C at the terminal) to the running input
    /// instead of ending pysbx, and on SIGHUP or SIGTERM (the terminal closed, a kill) ends the
    /// interpreter and removes the run's private directory before pysbx ends by the same
    /// signal. Call it before starting any other thread: the signals are taken by one thread
    /// (see the `stop` module); stage B clears the mask before the interpreter starts.
    ///
    /// # Errors
    /// When the signal mask cannot be changed.
    pub fn forward_interrupts(&self) -> std::io::Result<()> {
        let session = self.clone();
        crate::stop::take_signals(&[Signal::SIGINT], move |signal| {
            if signal == Signal::SIGINT {
                session.interrupt();
                return;
            }
            // The interpreter runs under another uid, which clears its parent-death
            // signal: end it here rather than leave it running without a supervisor.
            let pid = session.pid.load(Ordering::SeqCst);
            if pid > 0 {
                let _ = nix::sys::signal::killpg(Pid::from_raw(pid), Signal::SIGKILL);
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
            // The private directory: an empty mount point, or (without a mount namespace)
            // the program's working directory and TMPDIR on the host. Nothing is left.
            if let Some(dir) = session.private_dir.lock().ok().and_then(|mut d| d.take()) {
                crate::run::remove_private_path(&dir);
            }
            crate::stop::die_by(signal);
        })
    }

    /// The isolation tier of the running interpreter, once it has started.
    #[must_use]
    pub fn tier(&self) -> Option<crate::Tier> {
        self.tier.lock().ok().and_then(|t| t.clone())
    }

    /// Records the tier the interpreter reported when it started.
    pub(crate) fn set_tier(&self, tier: &crate::Tier) {
        if let Ok(mut t) = self.tier.lock() {
            *t = Some(tier.clone());
        }
    }

    /// Interrupts the input that is running (`KeyboardInterrupt` inside the interpreter, which
    /// keeps its state). Returns whether an input was running.
    pub fn interrupt(&self) -> bool {
        let pid = self.pid.load(Ordering::SeqCst);
        if pid <= 0 || !self.running.load(Ordering::SeqCst) {
            return false;
        }
        // The interpreter's process group, which it leads, as a terminal's Ctrl-C.
        nix::sys::signal::killpg(Pid::from_raw(pid), Signal::SIGINT).is_ok()
            || kill(Pid::from_raw(pid), Signal::SIGINT).is_ok()
    }

    /// Whether an input is running now.
    #[must_use]
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// How many inputs the current interpreter has been given (0 after a fresh start).
    #[must_use]
    pub fn inputs_run(&self) -> u64 {
        self.inputs.load(Ordering::SeqCst)
    }

    /// Records the run's private directory, for removal if a signal ends pysbx (`None` once
    /// the run has removed it).
    pub(crate) fn set_private_dir(&self, dir: Option<&std::path::Path>) {
        if let Ok(mut d) = self.private_dir.lock() {
            *d = dir.map(std::path::Path::to_path_buf);
        }
    }

    /// Records the interpreter's pid (as the supervisor sees it) for [`Self::interrupt`].
    pub(crate) fn started(&self, pid: i32) {
        self.pid.store(pid, Ordering::SeqCst);
        self.running.store(false, Ordering::SeqCst);
        self.inputs.store(0, Ordering::SeqCst);
    }

    /// Records that the interpreter ended: nothing is left to interrupt.
    pub(crate) fn ended(&self) {
        self.pid.store(0, Ordering::SeqCst);
        self.running.store(false, Ordering::SeqCst);
    }

    /// Answers the interpreter's request for its next input: the header and blob to send.
    /// `output` are the read ends of the interpreter's stdout and stderr pipes: the previous
    /// input's output is forwarded before the front end prints its prompt.
    pub(crate) fn next(&self, output: &[OwnedFd]) -> (serde_json::Value, Vec<u8>) {
        self.running.store(false, Ordering::SeqCst);
        settle(output);
        match (self.frontend)() {
            ReplInput::Run { source, filename } => {
                self.inputs.fetch_add(1, Ordering::SeqCst);
                self.running.store(true, Ordering::SeqCst);
                (serde_json::json!({"t": "input", "filename": filename}), source.into_bytes())
            }
            ReplInput::End => (serde_json::json!({"t": "end"}), Vec::new()),
        }
    }
}

impl ReplSession {
    /// Answers `input(prompt)` inside a running input: the header and blob to send. The input
    /// counts as not running while the line is read, so Ctrl-C goes to the line editor (and
    /// comes back as `KeyboardInterrupt`), and the program's earlier output is forwarded first.
    pub(crate) fn read_line(
        &self,
        prompt: &str,
        output: &[OwnedFd],
    ) -> (serde_json::Value, Vec<u8>) {
        self.running.store(false, Ordering::SeqCst);
        settle(output);
        let line = self.reader.as_ref().map_or(ReplLine::Eof, |read| read(prompt));
        self.running.store(true, Ordering::SeqCst);
        match line {
            ReplLine::Line(text) => (serde_json::json!({"t": "line"}), text.into_bytes()),
            ReplLine::Eof => (serde_json::json!({"t": "eof"}), Vec::new()),
            ReplLine::Interrupted => (serde_json::json!({"t": "interrupt"}), Vec::new()),
        }
    }
}

/// Waits until the output pipes hold nothing more to forward. The interpreter flushed its
/// streams before it asked for input, so what remains is in the pipes or in a forwarder's hands;
/// a pipe found empty twice a few milliseconds apart has been forwarded.
fn settle(output: &[OwnedFd]) {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    let pending = || {
        let mut fds: Vec<PollFd<'_>> =
            output.iter().map(|fd| PollFd::new(fd.as_fd(), PollFlags::POLLIN)).collect();
        if poll(&mut fds, PollTimeout::ZERO).is_err() {
            return false;
        }
        fds.iter().any(|p| p.revents().is_some_and(|r| r.contains(PollFlags::POLLIN)))
    };
    let mut quiet = 0;
    // Bounded: an interpreter that keeps printing from a thread cannot hold the prompt back.
    for _ in 0..200 {
        if pending() {
            quiet = 0;
        } else {
            quiet += 1;
            if quiet == 2 {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(3));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_framed_for_the_server_and_counted() {
        let session = ReplSession::new(Arc::new(|| ReplInput::Run {
            source: "1 + 1\n".into(),
            filename: "<input-1>".into(),
        }));
        let (header, blob) = session.next(&[]);
        assert_eq!(header["t"], "input");
        assert_eq!(header["filename"], "<input-1>");
        assert_eq!(blob, b"1 + 1\n");
        assert!(session.is_running());
        assert_eq!(session.inputs_run(), 1);
        let end = ReplSession::new(Arc::new(|| ReplInput::End));
        let (header, blob) = end.next(&[]);
        assert_eq!(header["t"], "end");
        assert!(blob.is_empty());
        assert!(!end.is_running());
    }

    #[test]
    fn lines_for_input_are_framed_and_default_to_end_of_file() {
        let bare = ReplSession::new(Arc::new(|| ReplInput::End));
        assert_eq!(bare.read_line("? ", &[]).0["t"], "eof");
        let session =
            ReplSession::new(Arc::new(|| ReplInput::End)).with_reader(Arc::new(|prompt: &str| {
                match prompt {
                    "name? " => ReplLine::Line("Ada".into()),
                    "stop? " => ReplLine::Interrupted,
                    _ => ReplLine::Eof,
                }
            }));
        let (header, blob) = session.read_line("name? ", &[]);
        assert_eq!((header["t"].as_str(), blob.as_slice()), (Some("line"), &b"Ada"[..]));
        assert!(session.is_running(), "the input goes on after the line is read");
        assert_eq!(session.read_line("stop? ", &[]).0["t"], "interrupt");
        assert_eq!(session.read_line("other? ", &[]).0["t"], "eof");
    }

    #[test]
    fn nothing_is_interrupted_without_a_running_input() {
        let session = ReplSession::new(Arc::new(|| ReplInput::End));
        assert!(!session.interrupt());
        session.started(i32::MAX);
        // Started but idle (waiting for input): no signal is sent.
        assert!(!session.interrupt());
    }

    #[test]
    fn settle_returns_on_an_empty_pipe() {
        let (r, _w) = nix::unistd::pipe().unwrap();
        settle(&[r]);
    }
}
