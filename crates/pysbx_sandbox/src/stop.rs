//! Signals sent to `pysbx exec` itself: Ctrl-C goes to the program, SIGTERM and SIGHUP end the
//! run the way a limit does.
//!
//! The sandbox runs in a session of its own, so the terminal's Ctrl-C (SIGINT to the foreground
//! process group) reaches pysbx alone, and a `kill` or a closing terminal (SIGTERM, SIGHUP)
//! names pysbx's pid. Without this module each of them ended pysbx by its default action: the
//! parent-death signals then ended the sandbox, but the run's private directory (an empty mount
//! point, or the program's files when there is no mount namespace) stayed behind, and no end
//! event or `--events`/`--sarif` file was written. With it, one thread takes these signals:
//!
//! - SIGINT is passed to the program (stage B, the interpreter), which raises
//!   `KeyboardInterrupt` as a plain `python3` would; before the program runs, it stops the run;
//! - SIGTERM and SIGHUP kill the sandbox's process tree; the run then ends as usual, with the
//!   end reason `stopped`, its files written and the private directory removed, and pysbx
//!   exits with 128 + the signal's number.
//!
//! Outside a run (before it starts, after it ends) a signal keeps its default action. Signals are
//! process-wide, so the run that takes them is a process-wide slot, not a field of the request.
//!
//! A signal pysbx was started with ignored (`nohup` ignores SIGHUP; a shell without job control
//! ignores SIGINT in `cmd &`) stays ignored and is not taken: the caller asked for it not to
//! matter, and the program inherits it ignored, as under a plain `python3`.

use std::sync::Mutex;

use nix::sys::signal::{SigSet, Signal};

/// What the signal thread asks of the running supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Pass SIGINT to the program.
    Interrupt,
    /// End the run: SIGTERM or SIGHUP was received.
    End(Signal),
}

/// Hands a stop to the running supervisor; false when it can no longer take one.
type Deliver = Box<dyn Fn(Stop) -> bool + Send>;

/// The running supervisor's receiver, while a run takes the signals.
static RUNNING: Mutex<Option<Deliver>> = Mutex::new(None);

const SIGNALS: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

/// Makes SIGINT, SIGTERM and SIGHUP stop a run cleanly (see the module's documentation).
///
/// Call it before starting any other thread (the signals are taken by one thread, see the
/// module's documentation). A process forked or spawned later does not keep them blocked:
/// stage B sets an empty mask before it executes the interpreter, and `std::process::Command`
/// does so in every child.
///
/// # Errors
/// When the signal mask cannot be changed.
pub fn stop_on_signals() -> std::io::Result<()> {
    take_signals(&[], |signal| {
        let stop = if signal == Signal::SIGINT { Stop::Interrupt } else { Stop::End(signal) };
        let delivered = RUNNING
            .lock()
            .ok()
            .and_then(|slot| slot.as_ref().map(|deliver| deliver(stop)))
            .unwrap_or(false);
        if !delivered {
            die_by(signal);
        }
    })
}

/// For the commands that only read and write files (`scan`, `sanitize`, `merge`, `rules`):
/// SIGINT, SIGTERM and SIGHUP run `before_dying` (which removes the temporary files being
/// written), then end the process by that signal, as its default action would have. Call it
/// before starting any other thread (see the module's documentation).
pub fn end_on_signals(mut before_dying: impl FnMut() + Send + 'static) -> std::io::Result<()> {
    take_signals(&[], move |signal| {
        before_dying();
        die_by(signal);
    })
}

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread and starts the one thread that
/// takes them (`sigwait`), handing each to `on_signal`: `pysbx exec`'s stops and the REPL's
/// interrupts. Call it before starting any other thread, so that every thread started later
/// inherits the mask and none of them is chosen to receive these signals. A signal the process
/// was started with ignored is left ignored, unless it is in `always` (the REPL's Ctrl-C, a
/// key of its own terminal).
pub(crate) fn take_signals(
    always: &[Signal],
    mut on_signal: impl FnMut(Signal) + Send + 'static,
) -> std::io::Result<()> {
    let ignored = ignored_signals();
    let mut set = SigSet::empty();
    let mut any = false;
    for signal in SIGNALS.into_iter().filter(|s| always.contains(s) || !ignored.contains(s)) {
        set.add(signal);
        any = true;
    }
    if !any {
        return Ok(());
    }
    set.thread_block().map_err(std::io::Error::from)?;
    let started = std::thread::Builder::new().name("pysbx-signals".into()).spawn(move || {
        while let Ok(signal) = set.wait() {
            on_signal(signal);
        }
    });
    if let Err(e) = started {
        // No thread takes them: blocked, they would be held for good and a SIGTERM would no
        // longer end pysbx at all. Their default actions are better than that.
        let _ = set.thread_unblock();
        return Err(e);
    }
    Ok(())
}

/// Which of [`SIGNALS`] this process ignores (its `SigIgn` mask in `/proc/self/status`). A
/// blocked signal is never discarded, even when ignored, so blocking an ignored one for the
/// signal thread would make it matter again.
fn ignored_signals() -> Vec<Signal> {
    ignored_in(crate::sys::status_mask("SigIgn").unwrap_or(0))
}

/// The signals of [`SIGNALS`] set in a `SigIgn` mask (signal N is bit N - 1).
fn ignored_in(mask: u64) -> Vec<Signal> {
    SIGNALS.into_iter().filter(|s| mask & (1u64 << (*s as i32 - 1)) != 0).collect()
}

/// Ends this process by `signal`'s default action (no handler is installed for these).
pub(crate) fn die_by(signal: Signal) {
    let mut one = SigSet::empty();
    one.add(signal);
    let _ = one.thread_unblock();
    let _ = nix::sys::signal::raise(signal);
}

/// A run taking the signals until it is dropped.
pub(crate) struct Attached(());

impl Attached {
    /// The sandbox has ended and the run is finishing (forwarding the last output, writing its
    /// files, removing the private directory): the supervisor's channel is let go, so that it
    /// sees its producers end, and a signal from now on is taken and ignored, as the run ends
    /// within milliseconds and cleans up either way.
    pub(crate) fn ending(&self) {
        if let Ok(mut slot) = RUNNING.lock() {
            *slot = Some(Box::new(|_| true));
        }
    }
}

/// Hands the signals [`stop_on_signals`] takes to `deliver` until the returned value is
/// dropped.
pub(crate) fn attach(deliver: impl Fn(Stop) -> bool + Send + 'static) -> Attached {
    if let Ok(mut slot) = RUNNING.lock() {
        *slot = Some(Box::new(deliver));
    }
    Attached(())
}

impl Drop for Attached {
    fn drop(&mut self) {
        if let Ok(mut slot) = RUNNING.lock() {
            *slot = None;
        }
    }
}

/// Clears the signal mask: for stage B before it executes the interpreter, so that the signals
/// a supervisor blocks for its signal thread (or any mask pysbx was started with) never reach
/// the program.
pub(crate) fn unblock_all() {
    let _ = SigSet::empty().thread_set_mask();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_ignored_at_start_are_read_from_the_status_mask() {
        // SIGHUP is 1 (bit 0), SIGINT 2 (bit 1), SIGTERM 15 (bit 14); SIGPIPE 13 is not ours.
        let status = "Name:\tpysbx\nSigBlk:\t0000000000000002\nSigIgn:\t0000000000001001\n";
        let mask = crate::sys::mask_in(status, "SigIgn").expect("a SigIgn line");
        assert_eq!(ignored_in(mask), vec![Signal::SIGHUP]);
        let mask = crate::sys::mask_in("SigIgn:\t0000000000004002\n", "SigIgn").expect("mask");
        assert_eq!(ignored_in(mask), vec![Signal::SIGINT, Signal::SIGTERM]);
        assert_eq!(crate::sys::mask_in("no mask here", "SigIgn"), None);
        assert_eq!(crate::sys::mask_in("SigIgnX:\t1\n", "SigIgn"), None, "the whole field name");
    }

    #[test]
    fn an_attached_run_receives_stops_until_dropped() {
        let (tx, rx) = std::sync::mpsc::channel();
        let attached = attach(move |stop| tx.send(stop).is_ok());
        let sent =
            RUNNING.lock().ok().and_then(|s| s.as_ref().map(|deliver| deliver(Stop::Interrupt)));
        assert_eq!(sent, Some(true));
        assert_eq!(rx.try_recv(), Ok(Stop::Interrupt));
        drop(attached);
        assert!(RUNNING.lock().map(|s| s.is_none()).unwrap_or(false));
    }
}
