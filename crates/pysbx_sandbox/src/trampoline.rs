//! The trampoline: the `pysbx` process that confines itself, then execs Python.
//!
//! It is either forked by `pysbx exec` before it starts any thread ([`Prefork`]) or started as
//! `pysbx __pysbx-trampoline PLAN STATUS EVW EVR` with four inherited descriptors; both run
//! the same stages. Stage A (this process) reads the plan, starts a new session, arms the
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

/// The descriptors the guard moves its channel to once the interpreter runs (its `_OUT` and
/// `_IN`): the top two the open-files limit leaves (its `_top`, from `SC_OPEN_MAX`, which is
/// that limit, soft and hard alike), out of the way of the program's first files. The filter
/// keeps the program from closing or replacing them; the guard ends the run (125) if its channel
/// did not land on exactly these two, rather than run with it unguarded.
pub(crate) fn guard_channel(open_files: u64) -> [u32; 2] {
    let top = u32::try_from(open_files.min(1 << 16)).unwrap_or(1 << 16).saturating_sub(2).max(5);
    [top - 1, top]
}

/// A message from the trampoline to the supervisor (one JSON line each).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Stage B's pid, as seen from the supervisor's pid namespace.
    Child(i32),
    /// The layers that applied, sent just before the interpreter is executed.
    Tier(Tier),
    /// The interpreter's pid as seen from the supervisor's pid namespace (also its process
    /// group's), when stage B stays behind as the namespace's init (see [`init`]).
    Interpreter(i32),
    /// How the interpreter ended, as the init saw it: stage B's own exit cannot carry a
    /// signal, since an init is shielded from the signals of its namespace.
    Ended {
        /// Exit code, when it exited.
        code: Option<i32>,
        /// Signal number, when a signal killed it.
        signal: Option<i32>,
    },
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
    match adopt_and_run(plan_fd, status_fd, ev_out, ev_in, relay_fd) {
        Ok(code) => Some(ExitCode::from(code)),
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

/// The re-executed trampoline: adopts the descriptors named on its command line.
fn adopt_and_run(
    plan_fd: i32,
    status_fd: i32,
    ev_out: i32,
    ev_in: i32,
    relay_fd: Option<i32>,
) -> Result<u8, String> {
    let plan_fd = sys::adopt_fd(plan_fd).map_err(|e| format!("plan descriptor: {e}"))?;
    let status = sys::adopt_fd(status_fd).map_err(|e| format!("status descriptor: {e}"))?;
    let ev_out = sys::adopt_fd(ev_out).map_err(|e| format!("event descriptor: {e}"))?;
    let ev_in = sys::adopt_fd(ev_in).map_err(|e| format!("event descriptor: {e}"))?;
    let relay = match relay_fd {
        Some(fd) => Some(sys::adopt_fd(fd).map_err(|e| format!("relay descriptor: {e}"))?),
        None => None,
    };
    let plan = read_plan(&mut std::fs::File::from(plan_fd))?.ok_or("no plan")?;
    if !attach(plan.supervisor_pid)? {
        return Ok(crate::EXIT_INTERNAL);
    }
    let tier = unshare(plan.new_net);
    stage_a(&plan, tier, status, ev_out, ev_in, relay)
}

/// Reads the plan the supervisor sends; `None` when it closed the pipe without sending one.
fn read_plan(from: &mut std::fs::File) -> Result<Option<Plan>, String> {
    let mut text = Vec::new();
    from.read_to_end(&mut text).map_err(|e| format!("read plan: {e}"))?;
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(&text).map(Some).map_err(|e| format!("plan: {e}"))
}

/// Starts stage A's own session and ties its life to the supervisor's: false when the
/// supervisor (`supervisor_pid`) is already gone.
fn attach(supervisor_pid: i32) -> Result<bool, String> {
    // The session makes the whole tree one process group the supervisor can kill; the death
    // signal ends the tree if the supervisor itself dies.
    let _ = nix::unistd::setsid();
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(|e| format!("pdeathsig: {e}"))?;
    Ok(nix::unistd::getppid().as_raw() == supervisor_pid)
}

/// Enters the sandbox's namespaces (a new network namespace when `new_net`); what the kernel
/// allowed is in the returned tier.
fn unshare(new_net: bool) -> Tier {
    let mut tier = Tier::default();
    let root = nix::unistd::geteuid().is_root();
    confine::unshare_namespaces(&mut tier, !root, new_net);
    tier
}

/// Stage A once it is in its namespaces: the network relay's set-up, then stage B.
fn stage_a(
    plan: &Plan,
    mut tier: Tier,
    status: OwnedFd,
    ev_out: OwnedFd,
    ev_in: OwnedFd,
    relay: Option<OwnedFd>,
) -> Result<u8, String> {
    // Without a relay in the plan the socket is simply dropped.
    if let Some(sock) = relay
        && let Some(net) = &plan.net_relay
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
            let err = stage_b(plan, tier, status, ev_out, ev_in, alive_r);
            // Only reached on failure: stage B reports it itself when it can.
            eprintln!("pysbx: sandbox setup failed: {err}");
            Ok(crate::EXIT_INTERNAL)
        }
        sys::Forked::Parent(child) => {
            drop(ev_out);
            drop(ev_in);
            drop(alive_r);
            // Held (never written) until this process exits.
            let _alive = alive_w;
            send(&status, &Status::Child(child.as_raw()));
            // Stage A writes nothing on the sandbox's streams: it lets go of them, so that the
            // supervisor sees them end when the sandbox ends, not when this process has
            // finished exiting. What it has to say from here on goes on the status pipe.
            release_standard_streams();
            let (code, signal) = loop {
                match waitpid(child, None) {
                    Ok(WaitStatus::Exited(_, code)) => break (Some(code), None),
                    Ok(WaitStatus::Signaled(_, sig, _)) => break (None, Some(sig as i32)),
                    Ok(_) | Err(nix::Error::EINTR) => {}
                    Err(e) => {
                        send(&status, &Status::Error(format!("wait: {e}")));
                        return Err(format!("wait: {e}"));
                    }
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
            Ok(0)
        }
    }
}

/// `/dev/null`, open for reading and writing.
fn dev_null() -> std::io::Result<OwnedFd> {
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/null").map(OwnedFd::from)
}

/// Points standard input, output and error at `/dev/null`.
fn release_standard_streams() {
    if let Ok(null) = dev_null() {
        for fd in 0..=2 {
            // The duplicates keep the numbers taken, so nothing else opened lands on them.
            let _ = sys::dup_to(&null, fd).map(IntoRawFd::into_raw_fd);
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
    // The program starts with no signal blocked: not the signals the supervisor blocks for its
    // signal thread (a trampoline forked after that inherits them), nor a mask pysbx was
    // started with (Ctrl-C must reach the program as KeyboardInterrupt).
    crate::stop::unblock_all();
    if let Err(e) = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL) {
        return fail(&status, format!("pdeathsig: {e}"));
    }
    // Its own process group: the supervisor kills the group, not the trampoline that reports.
    let _ = nix::unistd::setpgid(nix::unistd::Pid::from_raw(0), nix::unistd::Pid::from_raw(0));
    // The first process of a new pid namespace is its init, which the kernel shields from
    // every signal of the namespace it has no handler for: an interpreter there would not end
    // by its own `os.abort()`, `signal.pthread_kill` or timer, and would never reap the
    // orphans of its children. Stage B stays behind as that init and the interpreter runs as
    // pid 2, leading a process group of its own: a group led by the init would be number 1
    // inside the namespace, and `killpg(1, sig)` is `kill(-1, sig)`, which spares the caller.
    if nix::unistd::getpid().as_raw() == 1 {
        match sys::fork() {
            Err(e) => return fail(&status, format!("fork: {e}")),
            Ok(sys::Forked::Parent(interpreter)) => {
                drop((ev_out, ev_in, alive));
                init(interpreter, &status);
            }
            Ok(sys::Forked::Child) => {
                let _ = nix::unistd::setpgid(
                    nix::unistd::Pid::from_raw(0),
                    nix::unistd::Pid::from_raw(0),
                );
                if let Err(e) = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL) {
                    return fail(&status, format!("pdeathsig: {e}"));
                }
                // `/proc` is still the host's here (the namespace's own is mounted below):
                // its `self` names this process as the supervisor knows it.
                if let Some(pid) = std::fs::read_link("/proc/self")
                    .ok()
                    .and_then(|p| p.to_str().and_then(|s| s.parse().ok()))
                {
                    send(&status, &Status::Interpreter(pid));
                }
            }
        }
    }
    let has = |tier: &Tier, name: &str| tier.get(name).is_some_and(LayerState::holds);
    // Whether `/dev/shm` is the sandbox's own tmpfs (then writable).
    let mut shm_private = false;
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
        // Before the private directory, which may sit in `/dev/shm`: its mount point is made
        // again in the new tmpfs.
        shm_private = match confine::mounts::private_shm(plan.private_size_mb) {
            Ok(mounted) => mounted,
            Err(e) => return fail(&status, e),
        };
        if shm_private
            && plan.private_dir.starts_with(confine::mounts::SHM)
            && let Err(e) = std::fs::create_dir_all(&plan.private_dir)
        {
            return fail(&status, format!("mkdir {}: {e}", plan.private_dir.display()));
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
        if let Some(to) = plan.drop_to {
            // Not fatal: without an idmapped mount (an old kernel, a filesystem that has none)
            // the program runs as before, reading what the directory's permissions let others.
            for dir in &plan.lend {
                match confine::lend::lend(dir, to) {
                    Ok(true) => {
                        tier.note("namespace.mount", &format!("{} lent read-only", dir.display()))
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tier.note("namespace.mount", &format!("{} not lent ({e})", dir.display()))
                    }
                }
            }
            // After the lending: a lent directory is the sandbox uid's own to traverse, and
            // masking it would hide the files it was lent for (a script in `/root`).
            let stage = plan.private_dir.join(".stage");
            if let Err(e) = confine::mounts::reach(&plan.reach, &stage, to) {
                return fail(&status, e);
            }
        }
        // Not fatal: without it the guard alone judges the native files loaded from there.
        for dir in &plan.no_code {
            match confine::lend::no_code(dir) {
                Ok(()) => tier.note("namespace.mount", &format!("{} noexec", dir.display())),
                Err(e) => {
                    tier.note("namespace.mount", &format!("{} not noexec ({e})", dir.display()))
                }
            }
        }
        // Every mount read-only but what the program may write, the private directory and
        // `/dev` (devices are written through it). Not fatal: without it the guard alone
        // judges the owner-only calls where the program's uid owns files, as before.
        if plan.read_only_tree {
            let writable: Vec<std::path::PathBuf> = plan
                .confine
                .write
                .iter()
                .chain([&plan.private_dir])
                .cloned()
                .chain([std::path::PathBuf::from("/dev")])
                .collect();
            match confine::lend::read_only_tree(&writable) {
                Ok(()) => tier.note("namespace.mount", "read-only but the write paths"),
                Err(e) => tier.note("namespace.mount", &format!("not made read-only ({e})")),
            }
        }
        // Not fatal: without it those services stay where the program may name them.
        for dir in &plan.masked {
            match confine::mounts::mask(dir) {
                Ok(()) => tier.note("namespace.mount", &format!("{} hidden", dir.display())),
                Err(e) => {
                    tier.note("namespace.mount", &format!("{} not hidden ({e})", dir.display()))
                }
            }
        }
        // Not fatal: a socket left is named, with why (see `socket_notes`).
        for note in socket_notes(&plan.masked_sockets, confine::mounts::cover_socket) {
            tier.note("namespace.mount", &note);
        }
        // Not fatal either: without it the working directory is empty, as it always was
        // when pysbx was started elsewhere.
        if let Some(lower) = &plan.workdir_lower
            && plan.workdir.starts_with(&plan.private_dir)
        {
            let hidden = if plan.confine.without_hidden.contains(lower) {
                let granted: Vec<std::path::PathBuf> = plan.confine.granted().cloned().collect();
                confine::hidden::split(lower, &granted)
                    .map(|s| s.hidden)
                    .map_err(|e| format!("{}: {e}", lower.display()))
            } else {
                Ok(Vec::new())
            };
            let mounted = hidden.and_then(|hidden| {
                confine::mounts::overlay_workdir(
                    lower,
                    &plan.workdir,
                    &plan.private_dir,
                    plan.drop_to,
                    // Without foreign code or processes nothing of it may run as machine
                    // code; with either, a program's own tools and extension modules there
                    // may.
                    !plan.confine.ffi && !plan.confine.process,
                    &hidden,
                )
                .map(|shown| (shown, hidden))
            });
            let note = match mounted {
                Ok((true, hidden)) if !hidden.is_empty() => format!(
                    "working directory shows {} (copy-on-write) without its hidden entries ({})",
                    lower.display(),
                    confine::hidden::describe(&hidden)
                ),
                Ok((true, _)) => {
                    format!("working directory shows {} (copy-on-write)", lower.display())
                }
                Ok((false, _)) => format!(
                    "working directory empty (overlayfs options cannot carry {})",
                    lower.display()
                ),
                Err(e) => format!("working directory empty ({e})"),
            };
            tier.note("namespace.mount", &note);
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
    } else {
        // No mount namespace: the private directories are made on the host (with one, they
        // exist only in the tmpfs, and the supervisor has one empty directory to remove), and
        // handed to the sandbox uid.
        for dir in [&plan.workdir, &plan.tmpdir] {
            if dir.starts_with(&plan.private_dir)
                && let Err(e) = std::fs::create_dir(dir)
                && e.kind() != std::io::ErrorKind::AlreadyExists
            {
                return fail(&status, format!("create {}: {e}", dir.display()));
            }
            if let Some((uid, gid)) = plan.drop_to {
                let _ = std::os::unix::fs::chown(dir, Some(uid), Some(gid));
            }
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
    let closed = close_all_but(&mut [GUARD_OUT_FD, GUARD_IN_FD, STATUS_FD, exec_fd, alive_fd]);
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
    let mut confine_plan = plan.confine.clone();
    if shm_private {
        confine_plan.write.push(confine::mounts::SHM.into());
    }
    let landlock = match confine::landlock::prepare(&confine_plan) {
        Ok(p) => Some(p),
        Err(e) => {
            tier.set("landlock", LayerState::Failed(e));
            None
        }
    };

    if let Some((uid, gid)) = plan.drop_to {
        give_own_pipes(uid, gid);
    }
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
    // The path `execveat` is given below, at an address the filter alone knows of.
    let empty_path = match sys::empty_path_at_random() {
        Ok(p) => p,
        Err(e) => return fail(&status, format!("mmap of the exec path: {e}")),
    };
    let gate = confine::seccomp::ExecGate { fd: exec_fd, path: empty_path.as_ptr() as u64 };
    match confine::seccomp::build(&plan.confine, gate, guard_channel(plan.limits.open_files))
        .and_then(|filter| confine::seccomp::apply(&filter).map(|()| filter.len()))
    {
        Ok(n) => {
            tier.set("seccomp", LayerState::Applied(format!("{n} instructions, arch checked")))
        }
        Err(e) => tier.set("seccomp", LayerState::Failed(e)),
    }
    send(&status, &Status::Tier(tier));

    let Ok(argv0) = CString::new(plan.argv0.as_os_str().as_encoded_bytes()) else {
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
    let err =
        nix::unistd::execveat(&exe, empty_path, &argv, &envp, nix::fcntl::AtFlags::AT_EMPTY_PATH);
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

/// Stage B as its pid namespace's init: reaps every process that ends in the namespace (the
/// interpreter's orphans come to it), and when the interpreter ends, ends what is left of the
/// namespace, reports how the interpreter ended and exits with its status (128 + a signal's
/// number for a signal, which an init cannot die by).
///
/// It holds nothing but the status pipe and is not dumpable: the program's processes, under
/// another uid or confined by Landlock and seccomp, can neither trace, signal nor read it.
fn init(interpreter: nix::unistd::Pid, status: &OwnedFd) -> ! {
    let _ = close_all_but(&mut [status.as_raw_fd()]);
    for fd in (0..=2).filter(|&fd| fd != status.as_raw_fd()) {
        let _ = nix::unistd::close(fd);
    }
    let _ = nix::sys::prctl::set_dumpable(false);
    let mut ended: Option<(Option<i32>, Option<i32>)> = None;
    loop {
        let (pid, how) = match nix::sys::wait::wait() {
            Ok(WaitStatus::Exited(pid, code)) => (pid, (Some(code), None)),
            Ok(WaitStatus::Signaled(pid, sig, _)) => (pid, (None, Some(sig as i32))),
            Ok(_) | Err(nix::Error::EINTR) => continue,
            Err(_) => break,
        };
        if pid == interpreter && ended.is_none() {
            ended = Some(how);
            // Whatever the program left running ends with it, as with a pid namespace whose
            // init exits.
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(-1), Signal::SIGKILL);
        }
    }
    let (code, signal) = ended.unwrap_or((Some(i32::from(crate::EXIT_INTERNAL)), None));
    send(status, &Status::Ended { code, signal });
    // Without returning: the descriptors closed above by number may still be owned by values of
    // the stages' frames, which would close them a second time on the way out (the debug
    // build's check aborts on that, and an init cannot die by its own SIGABRT).
    #[expect(clippy::exit, reason = "the init ends here, without unwinding the stages' frames")]
    std::process::exit(signal.map_or(code.unwrap_or(0), |s| 128 + s));
}

/// The supervisor's ends of a trampoline's pipes.
#[derive(Debug)]
pub(crate) struct SupervisorEnds {
    /// The trampoline's pid (stage A).
    pub(crate) pid: nix::unistd::Pid,
    /// Write end of the plan pipe.
    pub(crate) plan: OwnedFd,
    /// Read end of the status pipe.
    pub(crate) status: OwnedFd,
    /// Read end of the guard's requests and events.
    pub(crate) events: OwnedFd,
    /// Write end of the guard's replies.
    pub(crate) replies: OwnedFd,
    /// Write end of the sandbox's standard input.
    pub(crate) stdin: OwnedFd,
    /// Read end of the sandbox's standard output.
    pub(crate) stdout: OwnedFd,
    /// Read end of the sandbox's standard error.
    pub(crate) stderr: OwnedFd,
    /// The supervisor's end of the network relay's socket pair.
    pub(crate) relay: OwnedFd,
    /// What [`Prefork::announce`] said: whether the sandbox gets its own network namespace.
    pub(crate) announced: Option<bool>,
}

/// First byte on a forked trampoline's plan pipe: the sandbox gets its own network namespace.
pub(crate) const OWN_NETWORK: u8 = b'n';
/// First byte on a forked trampoline's plan pipe: the sandbox keeps the host's network.
pub(crate) const HOST_NETWORK: u8 = b'h';

/// A trampoline forked while `pysbx` is still single-threaded, before it has read its
/// configuration, so that the trampoline's start overlaps the supervisor's own.
///
/// The re-executed trampoline exists so that its set-up code may allocate: after `fork` in a
/// multi-threaded process only async-signal-safe calls are allowed, because another thread may
/// have held a lock (the allocator's) at the moment of the fork. A fork taken while the process
/// has one thread has no such hazard, so the child may run the same set-up code directly,
/// without executing `pysbx` a second time (a second dynamic-loader start, relocations and
/// runtime start, about 2 ms here). The child waits for its plan on a pipe; everything it must
/// know that depends on the policy (the standard streams too) comes in that plan. Stage B still
/// executes the interpreter, so the program never runs in a copy of pysbx's address space.
///
/// Dropping an unused `Prefork` closes the plan pipe, on which the child exits at once, and
/// reaps it.
#[derive(Debug)]
pub struct Prefork {
    ends: Option<SupervisorEnds>,
}

impl Prefork {
    /// Forks the trampoline, or returns `None` when this process has (or may have) more than
    /// one thread or a pipe or the fork fails; the supervisor then re-executes `pysbx` as
    /// usual.
    #[must_use]
    pub fn start() -> Option<Self> {
        if !single_threaded() {
            return None;
        }
        let pipe = || nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).ok();
        let (plan_r, plan_w) = pipe()?;
        let (status_r, status_w) = pipe()?;
        // The guard's: sockets, which the program cannot open again (see `guard_channel`).
        let (events_r, events_w) = sys::guard_channel().ok()?;
        let (replies_r, replies_w) = sys::guard_channel().ok()?;
        let (stdin_r, stdin_w) = pipe()?;
        let (stdout_r, stdout_w) = pipe()?;
        let (stderr_r, stderr_w) = pipe()?;
        let (relay_ours, relay_theirs) = crate::netrelay::relay_socketpair().ok()?;
        let supervisor_pid = i32::try_from(std::process::id()).ok()?;
        match sys::fork().ok()? {
            sys::Forked::Child => {
                drop((plan_w, status_r, events_r, replies_w, stdin_w, stdout_r, stderr_r));
                drop(relay_ours);
                let ends = ChildEnds {
                    plan: plan_r,
                    status: status_w,
                    events: events_w,
                    replies: replies_r,
                    stdin: stdin_r,
                    stdout: stdout_w,
                    stderr: stderr_w,
                    relay: relay_theirs,
                };
                let code = run_preforked(ends, supervisor_pid).unwrap_or_else(|msg| {
                    eprintln!("pysbx: sandbox setup failed: {msg}");
                    crate::EXIT_INTERNAL
                });
                let _ = std::io::stderr().flush();
                // No return into the supervisor's code, no exit handlers of its copy.
                sys::exit_now(i32::from(code))
            }
            sys::Forked::Parent(pid) => Some(Prefork {
                ends: Some(SupervisorEnds {
                    pid,
                    plan: plan_w,
                    status: status_r,
                    events: events_r,
                    replies: replies_w,
                    stdin: stdin_w,
                    stdout: stdout_r,
                    stderr: stderr_r,
                    relay: relay_ours,
                    announced: None,
                }),
            }),
        }
    }

    /// Tells the trampoline, as soon as the policy is known, whether the sandbox gets its own
    /// network namespace, so that it enters its namespaces while the supervisor prepares the
    /// rest of the plan. The policy given to the run must be this one (its plan is checked
    /// against what was announced). Without a call, the run announces it with the plan.
    pub fn announce(&mut self, policy: &crate::Policy) {
        if let Some(ends) = &mut self.ends
            && ends.announced.is_none()
        {
            let own = crate::netrelay::own_network(policy);
            let byte = if own { OWN_NETWORK } else { HOST_NETWORK };
            // A failed write shows up as a failed plan write, with its error, in the run.
            if nix::unistd::write(&ends.plan, &[byte]).is_ok() {
                ends.announced = Some(own);
            }
        }
    }

    /// Takes the pipes over: from here on the caller sends the plan and reaps the child.
    pub(crate) fn take(mut self) -> Option<SupervisorEnds> {
        self.ends.take()
    }
}

impl Drop for Prefork {
    fn drop(&mut self) {
        if let Some(ends) = self.ends.take() {
            let pid = ends.pid;
            drop(ends);
            while matches!(waitpid(pid, None), Err(nix::Error::EINTR)) {}
        }
    }
}

/// The child's ends, as [`Prefork::start`] leaves them.
struct ChildEnds {
    plan: OwnedFd,
    status: OwnedFd,
    events: OwnedFd,
    replies: OwnedFd,
    stdin: OwnedFd,
    stdout: OwnedFd,
    stderr: OwnedFd,
    relay: OwnedFd,
}

/// True when this process has exactly one thread (`num_threads` of `/proc/self/stat`); false
/// when that cannot be read.
fn single_threaded() -> bool {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return false;
    };
    // The command name (field 2) is in parentheses and may hold spaces; field 20 is the 18th
    // after it.
    let threads = stat
        .rfind(')')
        .and_then(|end| stat.get(end + 2..))
        .and_then(|rest| rest.split(' ').nth(17))
        .and_then(|n| n.parse::<u32>().ok());
    threads == Some(1)
}

/// The forked trampoline. It attaches to the supervisor and waits for one byte saying whether
/// the sandbox gets its own network namespace, sent as soon as the supervisor has read the
/// policy: the namespaces (the network one is the costly one, about 0.5 ms to create) are
/// then made while the supervisor is still preparing the plan. Then it waits for the plan,
/// sets its standard streams as the plan says, closes every other descriptor it inherited,
/// and goes on as a re-executed one would.
fn run_preforked(ends: ChildEnds, supervisor_pid: i32) -> Result<u8, String> {
    let ChildEnds { plan, status, events, replies, stdin, stdout, stderr, relay } = ends;
    if !attach(supervisor_pid)? {
        return Ok(crate::EXIT_INTERNAL);
    }
    let mut plan_pipe = std::fs::File::from(plan);
    let mut network = [0u8; 1];
    // The supervisor closes the pipe without a word when it ends before running anything.
    match plan_pipe.read(&mut network) {
        Ok(1) => {}
        Ok(_) => return Ok(0),
        Err(e) => return Err(format!("read plan: {e}")),
    }
    let new_net = match network[0] {
        OWN_NETWORK => true,
        HOST_NETWORK => false,
        other => return Err(format!("plan: unexpected first byte {other:#04x}")),
    };
    let tier = unshare(new_net);
    let plan = read_plan(&mut plan_pipe)?;
    drop(plan_pipe);
    let Some(plan) = plan else {
        return Ok(0);
    };
    if plan.new_net != new_net || plan.supervisor_pid != supervisor_pid {
        return Err("the plan contradicts what the supervisor announced".into());
    }
    let stdio = plan.stdio.ok_or("the plan has no standard streams")?;
    let null = || dev_null().map_err(|e| format!("/dev/null: {e}"));
    let onto = |fd: &OwnedFd, target: i32| {
        // The duplicate's number is the fixed one; it must outlive this scope.
        sys::dup_to(fd, target).map(IntoRawFd::into_raw_fd).map_err(|e| format!("stdio: {e}"))
    };
    match stdio.stdin {
        crate::plan::StdinMode::Null => onto(&null()?, 0)?,
        crate::plan::StdinMode::Pipe => onto(&stdin, 0)?,
        crate::plan::StdinMode::Inherit => 0,
    };
    let out = if stdio.stdout { stdout } else { null()? };
    onto(&out, 1)?;
    if stdio.merged {
        onto(&out, 2)?;
        drop(stderr);
    } else {
        onto(&if stdio.stderr { stderr } else { null()? }, 2)?;
    }
    // Their numbers are closed below: a descriptor still owned here would be closed a second
    // time when this function returns (in stage A at its end, in stage B on a set-up failure,
    // where the debug build's check aborted pid 1, which its own SIGABRT does not end).
    drop((stdin, out));
    let mut keep = [status.as_raw_fd(), events.as_raw_fd(), replies.as_raw_fd(), relay.as_raw_fd()];
    close_all_but(&mut keep).map_err(|e| format!("close inherited descriptors: {e}"))?;
    stage_a(&plan, tier, status, events, replies, Some(relay))
}

/// The standard streams that are anonymous pipes (pysbx's own, or a shell's `|`) become the
/// sandbox uid's, as a program's pipes are under Python: reopening one through `/dev/stdin`,
/// `/dev/stdout` or `/proc/self/fd/1` checks the pipe's owner, which was root. An anonymous
/// pipe has no place in the file system and is reachable only through its holders'
/// descriptors; a file or a named FIFO the user redirected is left as it is.
fn give_own_pipes(uid: u32, gid: u32) {
    use std::os::fd::AsFd;
    let (stdin, stdout, stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    for (n, fd) in [(0, stdin.as_fd()), (1, stdout.as_fd()), (2, stderr.as_fd())] {
        let anonymous = std::fs::read_link(format!("/proc/self/fd/{n}"))
            .is_ok_and(|target| target.to_string_lossy().starts_with("pipe:["));
        if anonymous {
            let _ = nix::unistd::fchown(
                fd,
                Some(nix::unistd::Uid::from_raw(uid)),
                Some(nix::unistd::Gid::from_raw(gid)),
            );
        }
    }
}

/// Closes every descriptor above standard error but those in `keep` (sorted here, in place: no
/// allocation, so a child forked from a multi-threaded test may call it too).
fn close_all_but(keep: &mut [i32]) -> std::io::Result<()> {
    keep.sort_unstable();
    let mut first = 3u32;
    for &fd in keep.iter() {
        let Ok(fd) = u32::try_from(fd) else { continue };
        if fd >= first {
            if fd > first {
                sys::close_range(first, fd - 1)?;
            }
            first = fd + 1;
        }
    }
    sys::close_range(first, u32::MAX)
}

/// How many UNIX sockets left uncovered [`socket_notes`] names, with why; the rest are counted
/// in one note.
const SOCKETS_NAMED: usize = 3;

/// Covers each of `sockets` with `cover` and says how it went, for the tier's notes: how many
/// were covered, the first [`SOCKETS_NAMED`] left with the reason, and how many more were
/// left (a kernel that refuses every bind would otherwise give one note per socket found, up
/// to the search's 20,000).
fn socket_notes(
    sockets: &[std::path::PathBuf],
    mut cover: impl FnMut(&std::path::Path) -> Result<(), String>,
) -> Vec<String> {
    let mut notes = Vec::new();
    let (mut covered, mut left) = (0usize, 0usize);
    for path in sockets {
        match cover(path) {
            Ok(()) => covered += 1,
            Err(e) => {
                left += 1;
                if left <= SOCKETS_NAMED {
                    notes.push(format!("socket not hidden ({e})"));
                }
            }
        }
    }
    if covered > 0 {
        notes.push(format!("{covered} UNIX sockets of the host hidden"));
    }
    if left > SOCKETS_NAMED {
        notes.push(format!("{} more UNIX sockets of the host not hidden", left - SOCKETS_NAMED));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_left_are_named_up_to_a_few_then_counted() {
        let sockets: Vec<std::path::PathBuf> =
            (0..7).map(|i| std::path::PathBuf::from(format!("/run/s{i}"))).collect();
        // Every other socket refused: 4 covered, 3 left, each named.
        let mut i = 0;
        let notes = socket_notes(&sockets, |p| {
            i += 1;
            if i % 2 == 0 {
                Err(format!("bind /dev/null on {}: EPERM", p.display()))
            } else {
                Ok(())
            }
        });
        assert_eq!(
            notes,
            [
                "socket not hidden (bind /dev/null on /run/s1: EPERM)",
                "socket not hidden (bind /dev/null on /run/s3: EPERM)",
                "socket not hidden (bind /dev/null on /run/s5: EPERM)",
                "4 UNIX sockets of the host hidden",
            ]
        );
        // Every one refused: three named, the other four counted, no "hidden" note.
        let notes = socket_notes(&sockets, |p| Err(format!("{}: EPERM", p.display())));
        assert_eq!(
            notes,
            [
                "socket not hidden (/run/s0: EPERM)",
                "socket not hidden (/run/s1: EPERM)",
                "socket not hidden (/run/s2: EPERM)",
                "4 more UNIX sockets of the host not hidden",
            ]
        );
        assert!(socket_notes(&[], |_| Ok(())).is_empty());
    }

    #[test]
    fn no_early_fork_while_another_thread_runs() {
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            let _ = hold_rx.recv();
        });
        assert!(!single_threaded());
        assert!(Prefork::start().is_none(), "a fork now could inherit a held lock");
        drop(hold_tx);
        other.join().expect("the thread ends");
    }

    #[test]
    fn closes_every_descriptor_but_the_kept_ones_in_a_child() {
        // In a child process: closing descriptors in the test process would break the harness.
        // The child only makes system calls (no allocation), so forking a threaded test is safe.
        let (r, w) = nix::unistd::pipe().expect("pipe");
        let kept = nix::unistd::dup(&w).expect("dup");
        match sys::fork().expect("fork") {
            sys::Forked::Child => {
                let ok = close_all_but(&mut [kept.as_raw_fd()]).is_ok()
                    && nix::fcntl::fcntl(&kept, nix::fcntl::FcntlArg::F_GETFD).is_ok()
                    && nix::fcntl::fcntl(&r, nix::fcntl::FcntlArg::F_GETFD).is_err()
                    && nix::fcntl::fcntl(&w, nix::fcntl::FcntlArg::F_GETFD).is_err();
                sys::exit_now(if ok { 0 } else { 1 })
            }
            sys::Forked::Parent(pid) => {
                drop((r, w, kept));
                assert_eq!(
                    waitpid(pid, None).expect("wait"),
                    WaitStatus::Exited(pid, 0),
                    "the kept descriptor stays open and the others are closed"
                );
            }
        }
    }
}
