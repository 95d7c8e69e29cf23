//! Starting the trampoline: either taking over one forked early
//! ([`crate::trampoline::Prefork`]) or re-executing `pysbx` as `pysbx __pysbx-trampoline ...`.
//! Either way the supervisor ends up with the same pipes, and sends the plan on the first of
//! them.

use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Command, Stdio};

use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use crate::error::SandboxError;
use crate::interp;
use crate::netrelay::NetSetup;
use crate::plan::{StdinMode, StdioPlan};
use crate::trampoline::{HOST_NETWORK, OWN_NETWORK, SupervisorEnds, TRAMPOLINE_ARG};

/// A started trampoline (stage A), seen from the supervisor.
pub(crate) struct Trampoline {
    /// Its pid.
    pub(crate) pid: Pid,
    /// How to reap it.
    pub(crate) process: Process,
    /// Where the plan goes (closed after it, which is how the trampoline knows it is whole).
    pub(crate) plan: OwnedFd,
    /// A byte to send before the plan: a forked trampoline's network announcement, when
    /// [`crate::trampoline::Prefork::announce`] was not called.
    pub(crate) plan_prefix: Option<u8>,
    /// Status lines from stages A and B.
    pub(crate) status: OwnedFd,
    /// The guard's requests and events.
    pub(crate) events: OwnedFd,
    /// Replies to the guard.
    pub(crate) replies: OwnedFd,
    /// The sandbox's standard input, when it is a pipe from pysbx.
    pub(crate) stdin: Option<std::fs::File>,
    /// The sandbox's standard output, when pysbx forwards it.
    pub(crate) stdout: Option<std::fs::File>,
    /// The sandbox's standard error, when pysbx forwards it.
    pub(crate) stderr: Option<std::fs::File>,
    /// The supervisor's end of the network relay's socket pair, when the policy relays.
    pub(crate) relay: Option<OwnedFd>,
}

/// How the trampoline is reaped.
pub(crate) enum Process {
    /// Re-executed through [`Command`].
    Spawned(std::process::Child),
    /// Forked by [`crate::trampoline::Prefork`].
    Forked(Pid),
}

impl Process {
    /// Waits for the trampoline to end (it ends on its own once the sandbox has, or when
    /// killed).
    pub(crate) fn wait(&mut self) {
        match self {
            Process::Spawned(child) => {
                let _ = child.wait();
            }
            Process::Forked(pid) => while matches!(waitpid(*pid, None), Err(nix::Error::EINTR)) {},
        }
    }
}

impl Trampoline {
    /// Takes over a trampoline forked early: keeps the ends the streams and the policy need,
    /// closes the others (the trampoline sets its own ends as the plan's `stdio` says).
    /// `own_network` is the plan's `new_net`.
    pub(crate) fn forked(
        ends: SupervisorEnds,
        stdio: StdioPlan,
        relays: bool,
        own_network: bool,
    ) -> Self {
        let SupervisorEnds {
            pid,
            plan,
            status,
            events,
            replies,
            stdin,
            stdout,
            stderr,
            relay,
            announced,
        } = ends;
        let byte = if own_network { OWN_NETWORK } else { HOST_NETWORK };
        Trampoline {
            pid,
            process: Process::Forked(pid),
            plan,
            plan_prefix: announced.is_none().then_some(byte),
            status,
            events,
            replies,
            stdin: (stdio.stdin == StdinMode::Pipe).then(|| stdin.into()),
            stdout: stdio.stdout.then(|| stdout.into()),
            stderr: (stdio.stderr && !stdio.merged).then(|| stderr.into()),
            relay: relays.then_some(relay),
        }
    }

    /// Re-executes `pysbx` as the trampoline, with its standard streams set as `stdio` says.
    pub(crate) fn reexec(stdio: StdioPlan, net: &NetSetup) -> Result<Self, SandboxError> {
        let relay_pair = net.channel().map_err(|e| SandboxError::os("socketpair", e))?;
        // Pipes: plan (supervisor -> A), status (A/B -> supervisor); the guard's out and in below.
        let pipe = || {
            nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|e| SandboxError::os("pipe", e))
        };
        let (plan_r, plan_w) = pipe()?;
        let (status_r, status_w) = pipe()?;
        // The guard's: sockets, which the program cannot open again (see `guard_channel`).
        let channel = || crate::sys::guard_channel().map_err(|e| SandboxError::os("socketpair", e));
        let (guard_r, guard_w) = channel()?; // child writes guard_w
        let (reply_r, reply_w) = channel()?; // child reads reply_r
        let child_fds = [&plan_r, &status_w, &guard_w, &reply_r];
        // The child's ends must survive exec, so no other process may be started until the
        // trampoline has been (the guard's compilation, on a cache miss, waits for this lock).
        let spawning = interp::SPAWN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let inheritable = |fd: &OwnedFd| {
            nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()))
                .map_err(|e| SandboxError::os("fcntl", e))
        };
        for fd in child_fds {
            inheritable(fd)?;
        }
        let exe =
            std::env::current_exe().map_err(|e| SandboxError::os("locate the pysbx binary", e))?;
        let mut cmd = Command::new(exe);
        cmd.arg(TRAMPOLINE_ARG);
        for fd in child_fds {
            cmd.arg(fd.as_raw_fd().to_string());
        }
        if let Some((_, theirs)) = &relay_pair {
            inheritable(theirs)?;
            cmd.arg(theirs.as_raw_fd().to_string());
        }
        cmd.env_clear();
        cmd.stdin(match stdio.stdin {
            StdinMode::Null => Stdio::null(),
            StdinMode::Pipe => Stdio::piped(),
            StdinMode::Inherit => Stdio::inherit(),
        });
        // Merged streams share one pipe, read as standard output.
        let mut merged = None;
        if stdio.merged {
            let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
                .map_err(|e| SandboxError::os("pipe", e))?;
            let w2 = w.try_clone().map_err(|e| SandboxError::os("dup", e))?;
            cmd.stdout(Stdio::from(w));
            cmd.stderr(Stdio::from(w2));
            merged = Some(r);
        } else {
            cmd.stdout(if stdio.stdout { Stdio::piped() } else { Stdio::null() });
            cmd.stderr(if stdio.stderr { Stdio::piped() } else { Stdio::null() });
        }
        let spawned = cmd.spawn();
        // The pipe's write ends are the child's alone now: the reader sees its end.
        drop(cmd);
        drop((plan_r, status_w, guard_w, reply_r));
        let relay = relay_pair.map(|(ours, _theirs)| ours);
        drop(spawning);
        let mut child = spawned.map_err(|e| SandboxError::os("start the trampoline", e))?;
        let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
        let to_file = |fd: OwnedFd| std::fs::File::from(fd);
        Ok(Trampoline {
            pid,
            stdin: child.stdin.take().map(|s| to_file(s.into())),
            stdout: merged.map(to_file).or_else(|| child.stdout.take().map(|s| to_file(s.into()))),
            stderr: child.stderr.take().map(|s| to_file(s.into())),
            process: Process::Spawned(child),
            plan: plan_w,
            plan_prefix: None,
            status: status_r,
            events: guard_r,
            replies: reply_w,
            relay,
        })
    }
}
