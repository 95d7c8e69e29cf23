//! The operating-system layers the trampoline applies to itself, in order: namespaces, mounts,
//! uid drop, descriptors, rlimits, no_new_privs, Landlock, seccomp.

pub(crate) mod hidden;
pub(crate) mod landlock;
pub(crate) mod lend;
pub(crate) mod mounts;
pub(crate) mod netns;
pub(crate) mod root;
pub(crate) mod seccomp;

use nix::sched::CloneFlags;
use nix::sys::resource::{Resource, setrlimit};

use crate::policy::Limits;
use crate::tier::{LayerState, Tier};

const MIB: u64 = 1024 * 1024;

/// Unshares each namespace on its own so the tier can say which ones the kernel allowed.
pub(crate) fn unshare_namespaces(tier: &mut Tier, unprivileged: bool, new_net: bool) {
    if unprivileged {
        let state = match nix::sched::unshare(CloneFlags::CLONE_NEWUSER) {
            Ok(()) => match write_id_maps() {
                Ok(()) => LayerState::Applied("own uid mapped to itself".into()),
                Err(e) => LayerState::Failed(format!("uid map: {e}")),
            },
            Err(e) => LayerState::Failed(e.desc().to_string()),
        };
        tier.set("namespace.user", state);
    } else {
        tier.set("namespace.user", LayerState::Skipped("root: uid drop instead".into()));
    }
    let mut wanted = vec![
        ("namespace.mount", CloneFlags::CLONE_NEWNS),
        ("namespace.ipc", CloneFlags::CLONE_NEWIPC),
        ("namespace.uts", CloneFlags::CLONE_NEWUTS),
        ("namespace.pid", CloneFlags::CLONE_NEWPID),
    ];
    if new_net {
        wanted.push(("namespace.net", CloneFlags::CLONE_NEWNET));
    } else {
        tier.set(
            "namespace.net",
            LayerState::Skipped(
                "a rule allows any host or any port: the host's network, filtered by Landlock ports and the guard".into(),
            ),
        );
    }
    for (name, flag) in wanted {
        let state = match nix::sched::unshare(flag) {
            Ok(()) => LayerState::Applied("new namespace".into()),
            Err(e) => LayerState::Failed(e.desc().to_string()),
        };
        tier.set(name, state);
    }
}

fn write_id_maps() -> std::io::Result<()> {
    let uid = nix::unistd::geteuid().as_raw();
    let gid = nix::unistd::getegid().as_raw();
    std::fs::write("/proc/self/setgroups", "deny")?;
    std::fs::write("/proc/self/uid_map", format!("{uid} {uid} 1\n"))?;
    std::fs::write("/proc/self/gid_map", format!("{gid} {gid} 1\n"))?;
    Ok(())
}

/// Drops to an unprivileged uid and gid with no supplementary groups.
pub(crate) fn drop_uid(uid: u32, gid: u32) -> Result<(), String> {
    use nix::unistd::{Gid, Uid, setgroups, setresgid, setresuid};
    setgroups(&[]).map_err(|e| format!("setgroups: {}", e.desc()))?;
    let (g, u) = (Gid::from_raw(gid), Uid::from_raw(uid));
    setresgid(g, g, g).map_err(|e| format!("setresgid: {}", e.desc()))?;
    setresuid(u, u, u).map_err(|e| format!("setresuid: {}", e.desc()))?;
    // Root must not be recoverable: a saved or effective uid 0 would undo everything.
    if setresuid(Uid::from_raw(0), Uid::from_raw(0), Uid::from_raw(0)).is_ok() {
        return Err("uid 0 still reachable after the drop".into());
    }
    Ok(())
}

/// The most address space a thread's stack takes (the C library's default of 8 MiB).
const THREAD_STACK: u64 = 8 * MIB;
/// Address space for the interpreter's own mappings (libraries, arenas reserved untouched).
const ADDRESS_HEADROOM: u64 = 1024 * MIB;

/// Applies the rlimits. `own_uid` says whether the uid is the sandbox's alone, the only case
/// where a process count limit means "this sandbox's processes".
pub(crate) fn apply_rlimits(limits: &Limits, own_uid: bool) -> LayerState {
    let cpu = limits.cpu_s;
    let mut applied = Vec::new();
    let mut failed = Vec::new();
    let mut set = |name: &str, res: Resource, soft: u64, hard: u64| match setrlimit(res, soft, hard)
    {
        Ok(()) => applied.push(name.to_string()),
        Err(e) => failed.push(format!("{name}: {}", e.desc())),
    };
    // The hard limit just above the soft one turns an ignored SIGXCPU into SIGKILL.
    set("cpu", Resource::RLIMIT_CPU, cpu, cpu + 1);
    // The data segment rather than the address space: thread stacks and the interpreter's
    // reserved-but-untouched mappings would exhaust an address-space limit long before memory.
    let mem = limits.memory_mb * MIB;
    set("data", Resource::RLIMIT_DATA, mem, mem);
    // A backstop on the address space too: the data segment leaves out shared mappings
    // (`mmap.mmap(-1, n)`, SysV shared memory), which grew resident to gigabytes past the
    // memory limit until the CPU limit ended the run. Room for every thread's stack and the
    // interpreter's own mappings besides the memory limit.
    let space = mem
        .saturating_add(limits.processes.saturating_mul(THREAD_STACK))
        .saturating_add(ADDRESS_HEADROOM);
    set("as", Resource::RLIMIT_AS, space, space);
    let fsize = limits.file_size_mb * MIB;
    set("fsize", Resource::RLIMIT_FSIZE, fsize, fsize);
    set("nofile", Resource::RLIMIT_NOFILE, limits.open_files, limits.open_files);
    set("core", Resource::RLIMIT_CORE, 0, 0);
    // No real-time scheduling and no raised priority, whatever the invoking shell allows (a
    // desktop's audio group often has a real-time priority limit): a real-time busy loop
    // would hold a core of the host away from everything else until the CPU limit.
    set("rtprio", Resource::RLIMIT_RTPRIO, 0, 0);
    set("rttime", Resource::RLIMIT_RTTIME, 0, 0);
    set("nice", Resource::RLIMIT_NICE, 0, 0);
    if own_uid {
        set("nproc", Resource::RLIMIT_NPROC, limits.processes, limits.processes);
    }
    let mut detail = applied.join(", ");
    if !own_uid {
        detail.push_str("; nproc not set (the uid is shared with the invoking user)");
    }
    if failed.is_empty() {
        LayerState::Applied(detail)
    } else {
        LayerState::Partial(format!("{detail}; failed: {}", failed.join(", ")))
    }
}
