//! An empty network namespace made by a helper process while the rest of the sandbox is set
//! up, then joined by stage B.
//!
//! Creating a network namespace is the slowest step of the set-up (0.6-0.8 ms on the
//! reference machine, most of it the kernel registering the new namespace's devices and
//! tables), and stage A used to make it in line, before it could fork stage B. Without the
//! network relay the namespace stays empty and only stage B (and the program after it) lives
//! in it, so a helper forked by stage A makes it in parallel: stage A goes on with its other
//! namespaces and forks B, B mounts its file systems, and only then joins the helper's
//! namespace (`setns` through a pidfd), before the uid drop and seccomp, which would refuse
//! it. The helper holds the namespace until every copy of its hold pipe is closed (stage A
//! closes its copy once B is forked, B once it has joined), then exits; its parent-death
//! signal ends it with stage A. Where the helper cannot be started (no pidfds, a failed fork),
//! stage A unshares the namespace itself as before.

use std::os::fd::{AsRawFd, OwnedFd};

use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::signal::Signal;

use crate::sys;
use crate::tier::LayerState;

/// A network namespace a helper is making, or has made.
pub(crate) struct PendingNet {
    /// The helper's pidfd: `setns` through it joins the helper's network namespace.
    helper: OwnedFd,
    /// One byte from the helper once it has unshared: 0, or the `unshare` errno.
    ready: OwnedFd,
    /// The helper keeps its namespace until every copy of this write end is closed.
    hold: OwnedFd,
}

impl PendingNet {
    /// Forks the helper, which unshares a network namespace at once; `None` when it cannot be
    /// started (the caller then unshares the namespace itself). The caller must be
    /// single-threaded (stage A is) and must not yet have entered its new pid namespace, so
    /// that the helper does not become that namespace's init.
    pub(crate) fn start() -> Option<Self> {
        let (ready_r, ready_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).ok()?;
        let (hold_r, hold_w) = nix::unistd::pipe2(OFlag::O_CLOEXEC).ok()?;
        match sys::fork().ok()? {
            sys::Forked::Child => {
                drop((ready_r, hold_w));
                let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
                let _ = crate::trampoline::close_all_but(&mut [
                    ready_w.as_raw_fd(),
                    hold_r.as_raw_fd(),
                ]);
                let code = match nix::sched::unshare(CloneFlags::CLONE_NEWNET) {
                    Ok(()) => 0,
                    Err(e) => u8::try_from(e as i32).unwrap_or(u8::MAX).max(1),
                };
                let _ = nix::unistd::write(&ready_w, &[code]);
                let mut byte = [0u8; 1];
                while matches!(nix::unistd::read(&hold_r, &mut byte), Err(nix::Error::EINTR)) {}
                sys::exit_now(0)
            }
            sys::Forked::Parent(pid) => {
                drop((ready_w, hold_r));
                match sys::pidfd_open(pid) {
                    Ok(helper) => Some(PendingNet { helper, ready: ready_r, hold: hold_w }),
                    Err(_) => {
                        let _ = nix::sys::signal::kill(pid, Signal::SIGKILL);
                        while matches!(nix::sys::wait::waitpid(pid, None), Err(nix::Error::EINTR)) {
                        }
                        None
                    }
                }
            }
        }
    }

    /// Waits for the helper's namespace and joins it; what the tier says of the namespace. On
    /// any failure the caller stays in the namespace it was in (the host's), and the layer
    /// reads as failed.
    pub(crate) fn join(self) -> LayerState {
        let PendingNet { helper, ready, hold } = self;
        let mut byte = [0u8; 1];
        let read = loop {
            match nix::unistd::read(&ready, &mut byte) {
                Err(nix::Error::EINTR) => {}
                other => break other,
            }
        };
        let state = match read {
            Ok(1) if byte[0] == 0 => match nix::sched::setns(&helper, CloneFlags::CLONE_NEWNET) {
                Ok(()) => LayerState::Applied("new namespace".into()),
                Err(e) => LayerState::Failed(format!("joining the new namespace: {}", e.desc())),
            },
            Ok(1) => LayerState::Failed(nix::Error::from_raw(i32::from(byte[0])).desc().into()),
            _ => LayerState::Failed("the network namespace helper ended without a word".into()),
        };
        // The helper exits once stage A's copy of the hold pipe is closed too.
        drop(hold);
        state
    }

    /// Its descriptors, which a caller closing every other descriptor must keep.
    pub(crate) fn fds(&self) -> [i32; 3] {
        [self.helper.as_raw_fd(), self.ready.as_raw_fd(), self.hold.as_raw_fd()]
    }

    /// Stage A's copy, given up once stage B is forked: only B joins.
    pub(crate) fn release(self) {
        drop(self);
    }
}
