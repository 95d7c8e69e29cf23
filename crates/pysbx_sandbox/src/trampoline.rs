//! The trampoline: the re-executed `pysbx` process that confines itself, then execs Python.
//!
//! The supervisor starts `pysbx __pysbx-trampoline PLAN STATUS EVW EVR` with four inherited
//! descriptors. Stage A (this process) reads the plan, starts a new session, arms the
//! parent-death signal, unshares the namespaces and forks. Stage B (the child, pid 1 of the new
//! pid namespace) mounts, drops the uid, closes descriptors, sets rlimits, no_new_privs,
//! Landlock and seccomp, reports the tier and executes the interpreter. Stage A waits for B and
//! reports its exit status and resource usage on the status pipe, so the supervisor can tell a
//! CPU kill from a crash.

use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, IntoRawFd, OwnedFd};
use std::process::ExitCode;

use nix::sys::signal::Signal;
use nix::sys::wait::{WaitStatus, waitpid};

use crate::confine;
use crate::plan::Plan;
use crate::sys;
use crate::tier::{LayerState, Tier};

/// The argument that marks a trampoline invocation of the `pysbx` binary.
pub const TRAMPOLINE_ARG: &str = "__pysbx-trampoline";

/// Descriptor numbers the interpreter sees: the guard writes requests and events on
/// `GUARD_OUT_FD` and reads replies on `GUARD_IN_FD`.
pub(crate) const GUARD_OUT_FD: i32 = 3;
/// See [`GUARD_OUT_FD`].
pub(crate) const GUARD_IN_FD: i32 = 4;
const STATUS_FD: i32 = 5;

/// A message from the trampoline to the supervisor (one JSON line each).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Stage B's pid, as seen from the supervisor's pid namespace.
    Child(i32),
    /// The layers that applied, sent just before the interpreter is executed.
    Tier(Tier),
    /// Setup failed; the interpreter never ran.
    Error(String),
    /// How stage B ended.
    Exit {
        /// Exit code, when it exited.
        code: Option<i32>,
        /// Signal number, when a signal killed it.
        signal: Option<i32>,
        /// User plus system CPU seconds of B and its descendants.
        cpu_s: f64,
        /// Peak resident set in KiB.
        max_rss_kb: i64,
    },
}

/// If this process was started as the sandbox trampoline, runs it and returns its exit code;
/// otherwise returns `None` and the binary carries on with normal argument parsing.
#[must_use]
pub fn dispatch_if_trampoline() -> Option<ExitCode> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != TRAMPOLINE_ARG {
        return None;
    }
    let fds: Vec<i32> = args.filter_map(|a| a.to_str().and_then(|s| s.parse().ok())).collect();
    // A fifth descriptor, when present, is the socket the network relay's listeners go over.
    let (plan_fd, status_fd, ev_out, ev_in, relay_fd) = match fds[..] {
        [a, b, c, d] => (a, b, c, d, None),
        [a, b, c, d, e] => (a, b, c, d, Some(e)),
        _ => {
            eprintln!("pysbx: internal error: the trampoline needs four or five descriptors");
            return Some(ExitCode::from(crate::EXIT_INTERNAL));
        }
    };
    match stage_a(plan_fd, status_fd, ev_out, ev_in, relay_fd) {
        Ok(code) => Some(code),
        Err(msg) => {
            eprintln!("pysbx: sandbox setup failed: {msg}");
            Some(ExitCode::from(crate::EXIT_INTERNAL))
        }
    }
}

fn send(fd: &OwnedFd, status: &Status) {
    if let Ok(mut line) = serde_json::to_vec(status) {
        line.push(b'\n');
        // One write of a line shorter than PIPE_BUF is atomic even with two writers.
        let _ = nix::unistd::write(fd, &line);
    }
}

fn stage_a(
    plan_fd: i32,
    status_fd: i32,
    ev_out: i32,
    ev_in: i32,
    relay_fd: Option<i32>,
) -> Result<ExitCode, String> {
    let plan_fd = sys::adopt_fd(plan_fd).map_err(|e| format!("plan descriptor: {e}"))?;
    let status = sys::adopt_fd(status_fd).map_err(|e| format!("status descriptor: {e}"))?;
    let ev_out = sys::adopt_fd(ev_out).map_err(|e| format!("event descriptor: {e}"))?;
    let ev_in = sys::adopt_fd(ev_in).map_err(|e| format!("event descriptor: {e}"))?;
    let mut text = Vec::new();
    std::fs::File::from(plan_fd).read_to_end(&mut text).map_err(|e| format!("read plan: {e}"))?;
    let plan: Plan = serde_json::from_slice(&text).map_err(|e| format!("plan: {e}"))?;

    // The session makes the whole tree one process group the supervisor can kill; the death
    // signal ends the tree if the supervisor itself dies.
    let _ = nix::unistd::setsid();
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| format!("pdeathsig: {e}"))?;
    if nix::unistd::getppid().as_raw() != plan.supervisor_pid {
        return Ok(ExitCode::from(crate::EXIT_INTERNAL));
    }

    let mut tier = Tier::default();
    let root = nix::unistd::geteuid().is_root();
    confine::unshare_namespaces(&mut tier, !root, plan.new_net);
    if let Some(fd) = relay_fd {
        let sock = sys::adopt_fd(fd).map_err(|e| format!("relay descriptor: {e}"))?;
        if let Some(net) = &plan.net_relay
            && tier.get("namespace.net").is_some_and(LayerState::holds)
        {
            if let Err(e) = confine::netns::setup(net, &sock) {
                send(&status, &Status::Error(format!("network namespace: {e}")));
                return Err(e);
            }
            tier.set(
                "namespace.net",
                LayerState::Applied(format!(
                    "own namespace; {} listener(s) on pinned destinations, relayed by pysbx{}",
                    net.listeners.iter().filter(|l| !l.dns).count(),
                    if net.dns {
                        "; names under *.suffix rules answered during the run by pysbx's DNS server"
                    } else {
                        ""
                    }
                )),
            );
        }
    }

    // Orphans of the sandbox (without a pid namespace) come back to this process, which reaps
    // every one before it reports, so no zombie outlives the run.
    let _ = nix::sys::prctl::set_child_subreaper(true);
    // A pipe only this process writes: stage B sees it hang up if this process dies, which is
    // how B notices a death that happened while its own death signal was not armed (changing
    // the uid disarms it).
    let (alive_r, alive_w) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).map_err(|e| format!("pipe: {e}"))?;
    match sys::fork().map_err(|e| format!("fork: {e}"))? {
        sys::Forked::Child => {
            drop(alive_w);
            let err = stage_b(&plan, tier, status, ev_out, ev_in, alive_r);
            // Only reached on failure: stage B reports it itself when it can.
            eprintln!("pysbx: sandbox setup failed: {err}");
            Ok(ExitCode::from(crate::EXIT_INTERNAL))
        }
        sys::Forked::Parent(child) => {
            drop(ev_out);
            drop(ev_in);
            drop(alive_r);
            // Held (never written) until this process exits.
            let _alive = alive_w;
            send(&status, &Status::Child(child.as_raw()));
            let (code, signal) = loop {
                match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, code)) => break (Some(code), None),
                    Ok(WaitStatus::Signaled(_, sig, _)) => break (None, Some(sig as i32)),
                    Ok(_) | Err(nix::Error::EINTR) => {}
                    Err(e) => return Err(format!("wait: {e}")),
                }
            };
            // B is gone; its group and any orphans go too, and are reaped here.
            let _ = nix::sys::signal::killpg(child, Signal::SIGKILL);
            while matches!(nix::sys::wait::wait(), Ok(_) | Err(nix::Error::EINTR)) {}
            let usage =
                nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).ok();
            let (cpu_s, max_rss_kb) = usage.map_or((0.0, 0), |u| {
                let secs = |t: nix::sys::time::TimeVal| {
                    t.tv_sec() as f64 + f64::from(i32::try_from(t.tv_usec()).unwrap_or(0)) / 1e6
                };
                (secs(u.user_time()) + secs(u.system_time()), u.max_rss())
            });
            send(&status, &Status::Exit { code, signal, cpu_s, max_rss_kb });
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// True when the write end of the liveness pipe has been closed, that is, stage A has exited.
fn parent_is_gone(alive: &OwnedFd) -> bool {
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::os::fd::AsFd;
    let mut fds = [PollFd::new(alive.as_fd(), PollFlags::POLLIN)];
    match poll(&mut fds, PollTimeout::ZERO) {
        Ok(0) => false,
        Ok(_) => true,
        // Cannot tell: trust the death signal just armed.
        Err(_) => false,
    }
}

/// Confines stage B and executes the interpreter. Returns only on failure.
fn stage_b(
    plan: &Plan,
    mut tier: Tier,
    status: OwnedFd,
    ev_out: OwnedFd,
    ev_in: OwnedFd,
    alive: OwnedFd,
) -> String {
    let fail = |status: &OwnedFd, msg: String| {
        send(status, &Status::Error(msg.clone()));
        msg
    };
    if let Err(e) = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL) {
        return fail(&status, format!("pdeathsig: {e}"));
    }
    // Its own process group: the supervisor kills the group, not the trampoline that reports.
    let _ = nix::unistd::setpgid(nix::unistd::Pid::from_raw(0), nix::unistd::Pid::from_raw(0));
    let has = |tier: &Tier, name: &str| tier.get(name).is_some_and(LayerState::holds);
    if has(&tier, "namespace.mount") {
        if let Err(e) = confine::mounts::make_private() {
            return fail(&status, e);
        }
        if has(&tier, "namespace.pid") {
            match confine::mounts::mount_proc() {
                Ok(()) => tier
                    .set("namespace.pid", LayerState::Applied("new namespace, own /proc".into())),
                Err(e) => {
                    tier.set("namespace.pid", LayerState::Partial(format!("new namespace; {e}")))
                }
            }
        }
        let subdirs: Vec<&std::path::Path> = [plan.workdir.as_path(), plan.tmpdir.as_path()]
            .into_iter()
            .filter(|p| p.starts_with(&plan.private_dir))
            .collect();
        if let Err(e) = confine::mounts::private_tmpfs(
            &plan.private_dir,
            plan.private_size_mb,
            plan.drop_to,
            &subdirs,
        ) {
            return fail(&status, e);
        }
        if let Some(net) = &plan.net_relay
            && let Err(e) = confine::netns::answer_files(net, &plan.private_dir.join(".net"))
        {
            return fail(&status, format!("resolver files: {e}"));
        }
        if plan.drop_to.is_some() {
            let stage = plan.private_dir.join(".stage");
            if let Err(e) = confine::mounts::reach(&plan.reach, &stage) {
                return fail(&status, e);
            }
        }
        if let Some(root) = &plan.root {
            let stage = plan.private_dir.join(".root");
            match confine::root::pivot(root, &stage, has(&tier, "namespace.pid")) {
                Ok(skipped) => {
                    let mut detail = format!("new namespace; {} shown as /", root.dir.display());
                    if !skipped.is_empty() {
                        detail.push_str(&format!(
                            "; left out (a symbolic link in the root): {}",
                            skipped.join(", ")
                        ));
                    }
                    tier.set("namespace.mount", LayerState::Applied(detail));
                }
                Err(e) => return fail(&status, format!("fs.root: {e}")),
            }
        }
    } else if plan.root.is_some() {
        return fail(&status, "fs.root needs a mount namespace, which the kernel refused".into());
    } else if let Some((uid, gid)) = plan.drop_to {
        // No mount namespace: the host directories themselves are handed to the sandbox uid.
        for dir in [&plan.workdir, &plan.tmpdir] {
            let _ = std::os::unix::fs::chown(dir, Some(uid), Some(gid));
        }
    }
    if has(&tier, "namespace.uts") {
        let _ = nix::unistd::sethostname("pysbx");
    }
    if let Err(e) = std::env::set_current_dir(&plan.workdir) {
        return fail(&status, format!("chdir {}: {e}", plan.workdir.display()));
    }

    let exe = match std::fs::File::open(&plan.interpreter) {
        Ok(f) => OwnedFd::from(f),
        Err(e) => return fail(&status, format!("open {}: {e}", plan.interpreter.display())),
    };
    // Descriptors: the guard pipe at 3 and 4, the status pipe at 5 (closed on exec), the
    // interpreter above the open-files limit (so no descriptor the program opens can ever take
    // its number and pass the seccomp check on execveat), and nothing else.
    let exec_fd = i32::try_from(plan.limits.open_files.saturating_add(16)).unwrap_or(i32::MAX - 1);
    // The parent-liveness pipe stays above the interpreter until the uid drop has been checked.
    let alive_fd = exec_fd + 5;
    let moved = (|| -> std::io::Result<(OwnedFd, OwnedFd, OwnedFd, OwnedFd, OwnedFd)> {
        let high = [
            sys::dup_to(&ev_out, exec_fd + 1)?,
            sys::dup_to(&ev_in, exec_fd + 2)?,
            sys::dup_to(&status, exec_fd + 3)?,
        ];
        let exe_high = sys::dup_to(&exe, exec_fd + 4)?;
        let alive_high = sys::dup_to(&alive, alive_fd)?;
        drop((ev_out, ev_in, exe, alive));
        let out = sys::dup_to(&high[0], GUARD_OUT_FD)?;
        let inn = sys::dup_to(&high[1], GUARD_IN_FD)?;
        let st = sys::dup_to(&high[2], STATUS_FD)?;
        let exe = sys::dup_to(&exe_high, exec_fd)?;
        drop(high);
        drop(exe_high);
        Ok((out, inn, st, exe, alive_high))
    })();
    // The original status descriptor may have been replaced by one of the dups above; forget
    // the old number rather than close a descriptor that now means something else.
    let old_status = status.into_raw_fd();
    let (out, inn, status, exe, alive) = match moved {
        Ok(v) => v,
        Err(e) => {
            eprintln!("pysbx: sandbox setup failed: descriptors: {e}");
            return format!("descriptors: {e}");
        }
    };
    if ![GUARD_OUT_FD, GUARD_IN_FD, STATUS_FD, exec_fd].contains(&old_status) {
        let _ = nix::unistd::close(old_status);
    }
    for fd in [&status, &exe] {
        let _ =
            nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC));
    }
    let last = u32::try_from(exec_fd).unwrap_or(u32::MAX);
    let alive_last = u32::try_from(alive_fd).unwrap_or(u32::MAX);
    let closed = sys::close_range(6, last - 1)
        .and_then(|()| sys::close_range(last + 1, alive_last - 1))
        .and_then(|()| sys::close_range(alive_last + 1, u32::MAX));
    tier.set(
        "fds",
        match closed {
            Ok(()) => LayerState::Applied("only stdio and the guard pipe are inherited".into()),
            Err(e) => LayerState::Failed(format!("close_range: {e}")),
        },
    );
    // The guard pipe must survive the exec.
    for fd in [&out, &inn] {
        let _ = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::empty()));
    }

    // Landlock opens its ruleset and path descriptors now, after the descriptor shuffle (so
    // they cannot collide with the fixed numbers) and before the uid drop (root can open every
    // granted path).
    let landlock = match confine::landlock::prepare(&plan.confine) {
        Ok(p) => Some(p),
        Err(e) => {
            tier.set("landlock", LayerState::Failed(e));
            None
        }
    };

    match plan.drop_to {
        Some((uid, gid)) => match confine::drop_uid(uid, gid) {
            Ok(()) => tier
                .set("uid_drop", LayerState::Applied(format!("uid {uid}, gid {gid}, no groups"))),
            Err(e) => return fail(&status, format!("uid drop: {e}")),
        },
        None => tier.set("uid_drop", LayerState::Skipped("pysbx does not run as root".into())),
    }
    // Changing credentials clears the parent-death signal: arm it again, then make sure the
    // parent did not die in between (its end of the pipe would have hung up), so a killed
    // `pysbx` never leaves a confined interpreter running on its own.
    if let Err(e) = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL) {
        return fail(&status, format!("pdeathsig: {e}"));
    }
    if parent_is_gone(&alive) {
        return fail(&status, "pysbx ended while the sandbox was starting".into());
    }
    drop(alive);

    tier.set("rlimits", confine::apply_rlimits(&plan.limits, plan.drop_to.is_some()));
    match nix::sys::prctl::set_no_new_privs() {
        Ok(()) => tier.set("no_new_privs", LayerState::Applied("set".into())),
        Err(e) => return fail(&status, format!("no_new_privs: {e}")),
    }
    if let Some(prepared) = landlock {
        let enforced = confine::landlock::enforce(prepared);
        tier.set("landlock", enforced.fs);
        tier.set("landlock.net", enforced.net);
        tier.set("landlock.scopes", enforced.scopes);
    }
    match confine::seccomp::build(&plan.confine, exec_fd)
        .and_then(|filter| confine::seccomp::apply(&filter).map(|()| filter.len()))
    {
        Ok(n) => {
            tier.set("seccomp", LayerState::Applied(format!("{n} instructions, arch checked")))
        }
        Err(e) => tier.set("seccomp", LayerState::Failed(e)),
    }
    send(&status, &Status::Tier(tier));

    let Ok(argv0) = CString::new(plan.interpreter.as_os_str().as_encoded_bytes()) else {
        return fail(&status, "interpreter path contains NUL".into());
    };
    let mut argv = vec![argv0];
    let mut envp = Vec::new();
    for a in &plan.args {
        match CString::new(a.as_bytes()) {
            Ok(c) => argv.push(c),
            Err(_) => return fail(&status, "argument contains NUL".into()),
        }
    }
    for (k, v) in &plan.env {
        match CString::new(format!("{k}={v}")) {
            Ok(c) => envp.push(c),
            Err(_) => return fail(&status, format!("environment variable {k} contains NUL")),
        }
    }
    let _ = std::io::stderr().flush();
    let err = nix::unistd::execveat(&exe, c"", &argv, &envp, nix::fcntl::AtFlags::AT_EMPTY_PATH);
    let _ = exe.as_raw_fd();
    fail(
        &status,
        format!(
            "exec {}: {}",
            plan.interpreter.display(),
            err.map_or_else(|e| e.desc().to_string(), |_| String::new())
        ),
    )
}
