//! The seccomp filter, assembled by hand so one program can give each system call its own
//! action and test arguments (clone flags, socket families, ioctl requests, the one allowed
//! `execveat`).
//!
//! Layout: check the architecture (kill on mismatch, and on x32 numbers), then a binary search
//! on the system call number whose leaves hold one block per filtered call (see [`search`]);
//! a number without a block is allowed. Denials return `EPERM` so Python raises a readable
//! `PermissionError`; `clone3` returns `ENOSYS` so the C library falls back to `clone`, whose
//! flags the filter can inspect.

use seccompiler::sock_filter;

use crate::plan::ConfinePlan;

const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGE_K: u16 = 0x35;
const BPF_JA: u16 = 0x05;
const BPF_JSET_K: u16 = 0x45;
const BPF_ALU_AND_K: u16 = 0x54;
const BPF_RET_K: u16 = 0x06;

const RET_ALLOW: u32 = 0x7fff_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_ERRNO: u32 = 0x0005_0000;

#[cfg(target_arch = "x86_64")]
const AUDIT_ARCH: u32 = 0xc000_003e;
#[cfg(target_arch = "aarch64")]
const AUDIT_ARCH: u32 = 0xc000_00b7;

const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;
fn off_arg_lo(i: u32) -> u32 {
    16 + 8 * i
}

/// What the filter does with one system call.
#[derive(Debug, Clone)]
enum Check {
    /// Always fail with this errno.
    Deny(i32),
    /// Fail with `EPERM` unless argument `arg` (low 32 bits) is one of `allowed`.
    ArgIn { arg: u32, allowed: Vec<u32> },
    /// Fail with `EPERM` when argument `arg` (low 32 bits) is one of `denied`.
    ArgNotIn { arg: u32, denied: Vec<u32> },
    /// Fail with `EPERM` when any of `mask`'s bits are set in argument `arg`.
    RefuseBits { arg: u32, mask: u32 },
    /// Allow only when every listed argument (low 32 bits) is one of its allowed values.
    ArgsIn(Vec<(u32, Vec<u32>)>),
    /// Allow only when argument `arg` has none of `refuse`'s bits and some of `need`'s.
    Bits { arg: u32, need: u32, refuse: u32 },
    /// Fail with `EPERM` when some clause holds: a clause is a list of (arg, mask) pairs and
    /// holds when every pair's argument (low 32 bits) has all of its mask's bits set.
    RefuseAllBits(Vec<Vec<(u32, u32)>>),
    /// Allow only when every (arg, value) pair matches in all 64 bits; kill the process
    /// otherwise (a wrong guess of a secret value ends the program, so it cannot guess again).
    ExactOrKill(Vec<(u32, u64)>),
}

/// A jump target inside one block: another instruction of the block, or its local returns.
#[derive(Debug, Clone, Copy)]
enum Target {
    At(usize),
    Allow,
    Deny,
}

/// A symbolic instruction of a block body.
enum Insn {
    Load(u32),
    JumpEq(u32, Target, Target),
    JumpSet(u32, Target, Target),
    And(u32),
    Ret(u32),
}

/// The one `execveat` the filter lets through without processes: of descriptor `fd`, with
/// `path` (a pointer to an empty string at a random address) and `AT_EMPTY_PATH`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ExecGate {
    pub(crate) fd: i32,
    pub(crate) path: u64,
}

/// The filter for a plan; `exec` is the one `execveat` it allows, `channel` the descriptors
/// of the guard's channel, which the program may not close or replace.
pub(crate) fn build(
    plan: &ConfinePlan,
    exec: ExecGate,
    channel: [u32; 2],
) -> Result<Vec<sock_filter>, String> {
    assemble(&rules(plan, exec, channel))
}

fn errno(e: i32) -> u32 {
    RET_ERRNO | (u32::try_from(e).unwrap_or(1) & 0xffff)
}

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter { code, jt: 0, jf: 0, k }
}

fn jump(code: u16, k: u32, jt: usize, jf: usize) -> Result<sock_filter, String> {
    let jt = u8::try_from(jt).map_err(|_| "seccomp jump out of range".to_string())?;
    let jf = u8::try_from(jf).map_err(|_| "seccomp jump out of range".to_string())?;
    Ok(sock_filter { code, jt, jf, k })
}

fn rules(plan: &ConfinePlan, exec: ExecGate, channel: [u32; 2]) -> Vec<(i64, Check)> {
    use libc::*;
    let eperm = Check::Deny(EPERM);
    let mut rules: Vec<(i64, Check)> = Vec::new();
    // Always denied: debugging and memory of other processes, kernel programs, kernel images,
    // mounts and namespaces, keys, fault handling and io_uring (which bypasses the filter).
    for nr in [
        SYS_ptrace,
        SYS_process_vm_readv,
        SYS_process_vm_writev,
        SYS_bpf,
        SYS_perf_event_open,
        SYS_kexec_load,
        SYS_kexec_file_load,
        SYS_mount,
        SYS_umount2,
        SYS_pivot_root,
        SYS_move_mount,
        SYS_open_tree,
        SYS_fsopen,
        SYS_fsconfig,
        SYS_fsmount,
        SYS_fspick,
        SYS_mount_setattr,
        SYS_unshare,
        SYS_setns,
        SYS_keyctl,
        SYS_add_key,
        SYS_request_key,
        SYS_userfaultfd,
        SYS_io_uring_setup,
        SYS_io_uring_enter,
        SYS_io_uring_register,
        SYS_chroot,
        SYS_swapon,
        SYS_swapoff,
        SYS_reboot,
        SYS_init_module,
        SYS_finit_module,
        SYS_delete_module,
        SYS_acct,
        SYS_settimeofday,
        SYS_clock_settime,
        SYS_clock_adjtime,
        SYS_adjtimex,
        SYS_syslog,
        SYS_quotactl,
        SYS_open_by_handle_at,
        SYS_name_to_handle_at,
        SYS_pidfd_getfd,
        SYS_kcmp,
        SYS_sethostname,
        SYS_setdomainname,
        SYS_vhangup,
        // A new session or group would take a process out of the group the supervisor kills.
        SYS_setsid,
        SYS_setpgid,
        SYS_personality,
        // A watch on a directory (or file) reports the names of the entries made, opened,
        // changed or removed there, which Landlock does not judge: it would list a directory
        // the policy refuses to read, and tell when the host reads a file of it.
        SYS_inotify_add_watch,
        SYS_fanotify_init,
        SYS_fanotify_mark,
        // A System V shared memory segment outlives its mapping: once detached it counts
        // against neither `RLIMIT_AS` nor `RLIMIT_DATA`, so segment after segment held the
        // host's memory past `limits.memory_mb` until the run's IPC namespace went. Neither
        // the interpreter nor its standard library makes one (`multiprocessing.shared_memory`
        // is POSIX shared memory, a file in the private `/dev/shm`), under any grant.
        SYS_shmget,
        // The same for System V semaphore sets and message queues: kernel memory no rlimit
        // counts (300 sets of 32,000 semaphores took 532 MiB of the host's memory under a
        // 512 MiB limit, the kernel allowing some 57 GiB), made by native code only (Python's
        // own semaphores are POSIX ones, files in the private `/dev/shm`).
        SYS_semget,
        SYS_msgget,
        // An asynchronous I/O context takes from the host's own budget of them
        // (`fs.aio-max-nr`): eight took 61,440 of 65,536, failing the host's programs that
        // need one while the run lasts. Python does not use them.
        SYS_io_setup,
    ] {
        rules.push((nr, eperm.clone()));
    }
    #[cfg(target_arch = "x86_64")]
    for nr in [SYS_iopl, SYS_ioperm, SYS_uselib] {
        rules.push((nr, eperm.clone()));
    }
    // Nodes: named pipes only (`os.mkfifo`), where Landlock lets the sandbox make files. The
    // file type is the mode's top bits: a FIFO has 0o010000 and none of 0o160000 (a device,
    // a directory, a socket, a regular file or a link has one of those).
    let fifo_only =
        |arg| Check::Bits { arg, need: libc::S_IFIFO, refuse: libc::S_IFMT & !libc::S_IFIFO };
    rules.push((SYS_mknodat, fifo_only(2)));
    #[cfg(target_arch = "x86_64")]
    rules.push((SYS_mknod, fifo_only(1)));
    // Set-user-id and set-group-id modes: a file the program makes in a directory of the host
    // (an `fs.write` path, or a persistent working directory) stays there owned by the run's
    // uid, and with either bit it would run as that uid (or group) for whoever on the host
    // starts it, and for the next run given the same uid; a directory with set-group-id gives
    // its group to what the host creates in it later. Refused where a mode is given: changing
    // one (`chmod` and its kin), and creating a file (`open` with `O_CREAT` or `O_TMPFILE`,
    // `creat`) or a directory. Without `O_CREAT` the C library passes no mode, and the
    // register may hold anything, so only a creating open is judged.
    let set_id = S_ISUID | S_ISGID;
    let creating = [O_CREAT as u32, (O_TMPFILE & !O_DIRECTORY) as u32];
    let creating_open = |flags: u32, mode: u32| {
        Check::RefuseAllBits(
            creating
                .iter()
                .flat_map(|&c| {
                    [vec![(flags, c), (mode, S_ISUID)], vec![(flags, c), (mode, S_ISGID)]]
                })
                .collect(),
        )
    };
    rules.push((SYS_openat, creating_open(2, 3)));
    rules.push((SYS_fchmod, Check::RefuseBits { arg: 1, mask: set_id }));
    rules.push((SYS_fchmodat, Check::RefuseBits { arg: 2, mask: set_id }));
    // `fchmodat2` (Linux 6.6), by its number, the same on every architecture.
    rules.push((452, Check::RefuseBits { arg: 2, mask: set_id }));
    rules.push((SYS_mkdirat, Check::RefuseBits { arg: 2, mask: set_id }));
    #[cfg(target_arch = "x86_64")]
    {
        rules.push((SYS_open, creating_open(1, 2)));
        rules.push((SYS_creat, Check::RefuseBits { arg: 1, mask: set_id }));
        rules.push((SYS_chmod, Check::RefuseBits { arg: 1, mask: set_id }));
        rules.push((SYS_mkdir, Check::RefuseBits { arg: 1, mask: set_id }));
    }
    // Typing into the controlling terminal (TIOCSTI) or the console (TIOCLINUX).
    rules.push((
        SYS_ioctl,
        Check::ArgNotIn { arg: 1, denied: vec![TIOCSTI as u32, libc::TIOCLINUX as u32] },
    ));
    // Leases and directory notices: a read lease (`F_SETLEASE`) on a file the sandbox uid
    // owns, which the files of the lent script directory appear to be, made every open for
    // writing of that file on the host (root's too) wait until the program let go or ended,
    // up to the wall time; `F_NOTIFY` reports changes the host makes in a directory. The
    // command is an `unsigned int` to the kernel: its low 32 bits are the whole of it.
    rules.push((
        SYS_fcntl,
        Check::ArgNotIn { arg: 1, denied: vec![F_SETLEASE as u32, F_NOTIFY as u32] },
    ));
    // Sockets: a connected local pair always (`socket.socketpair`, asyncio's wake-up pipe,
    // `multiprocessing.Pipe`). A named UNIX socket reaches whatever service on the machine
    // listens on a path the sandbox uid may write (a syslog, D-Bus or container socket in a
    // world-writable place): neither Landlock nor the network namespace separates those, so
    // `socket(AF_UNIX)` comes with network or processes (a `multiprocessing` manager listens
    // on one). IP (and the netlink route queries of name lookups) only with network.
    let mut families = Vec::new();
    if plan.network || plan.process {
        families.push(AF_UNIX as u32);
    }
    if plan.network {
        families.extend([AF_INET as u32, AF_INET6 as u32, AF_NETLINK as u32]);
    }
    if families.is_empty() {
        rules.push((SYS_socket, eperm.clone()));
    } else {
        rules.push((SYS_socket, Check::ArgIn { arg: 0, allowed: families }));
    }
    // A pair is of a connected type only (stream, or sequenced packets: message boundaries,
    // as `multiprocessing`-style framing wants), unless named UNIX sockets are allowed anyway:
    // a datagram end may `sendto` any path, and reached a host service's datagram socket
    // (`/dev/log`, a journal) with neither network nor processes. A connected end sends to
    // its peer only: the kernel ignores the address of a `sendto` on a `SOCK_SEQPACKET` end
    // (as on a stream end), and `connect` fails with `EISCONN`.
    if plan.network || plan.process {
        rules.push((SYS_socketpair, Check::ArgIn { arg: 0, allowed: vec![AF_UNIX as u32] }));
    } else {
        let (cloexec, nonblock) = (SOCK_CLOEXEC as u32, SOCK_NONBLOCK as u32);
        let types = [SOCK_STREAM as u32, SOCK_SEQPACKET as u32]
            .into_iter()
            .flat_map(|ty| [ty, ty | cloexec, ty | nonblock, ty | cloexec | nonblock])
            .collect();
        rules.push((SYS_socketpair, Check::ArgsIn(vec![(0, vec![AF_UNIX as u32]), (1, types)])));
    }
    // An anonymous file in memory can be written and then mapped executable (`dlopen` of
    // `/proc/self/fd/N`, `_imp.create_dynamic`): native code without a file on an executable
    // mount. The private directories are `noexec`; this is the other way.
    if !plan.ffi {
        rules.push((SYS_memfd_create, eperm.clone()));
        rules.push((SYS_memfd_secret, eperm.clone()));
    }
    // Writable and executable memory, the other way to native code without a file: without
    // foreign code no mapping is writable and executable at once, and none is made executable
    // after it was made: `mmap` with `PROT_WRITE` and `PROT_EXEC` (anonymous or of a file), or
    // with `PROT_EXEC` and `MAP_ANONYMOUS`; `mprotect` and `pkey_mprotect` asking for
    // `PROT_EXEC` (the flip of a page the program wrote); `shmat` with `SHM_EXEC`. What stays
    // is what the C library's loader does: libraries mapped from their files readable and
    // executable (neither anonymous nor writable), `mprotect` of RELRO to `PROT_READ` and of
    // gaps to `PROT_NONE`; which files may be mapped so is the mounts' to say (the private
    // directories and the working directory's overlay are `noexec`). Native code that makes
    // code at run time (a JIT in a module of the interpreter's site-packages) and a library
    // whose stack must be executable (`PT_GNU_STACK` with `PF_X`: the loader makes the stack
    // executable with `mprotect`) fail without `ffi`; the standard library's modules do
    // neither.
    //
    // The filter reads the low 32 bits of `prot` and `flags`, where every bit it tests lies,
    // and the kernel takes those bits from there too (`mmap` ignores the high word of `prot`,
    // `mprotect` refuses it with `EINVAL`): a high word cannot stand in for them. The
    // personality that adds `PROT_EXEC` to readable mappings (`READ_IMPLIES_EXEC`) is cleared
    // by the kernel when it executes a 64-bit program, and `personality` is refused. `mremap`
    // and `remap_file_pages` keep the protection of the mapping they move or rearrange.
    if !plan.ffi {
        let (write, exec) = (PROT_WRITE as u32, PROT_EXEC as u32);
        rules.push((
            SYS_mmap,
            Check::RefuseAllBits(vec![
                vec![(2, write | exec)],
                vec![(2, exec), (3, MAP_ANONYMOUS as u32)],
            ]),
        ));
        rules.push((SYS_mprotect, Check::RefuseBits { arg: 2, mask: exec }));
        rules.push((SYS_pkey_mprotect, Check::RefuseBits { arg: 2, mask: exec }));
        rules.push((SYS_shmat, Check::RefuseBits { arg: 2, mask: SHM_EXEC as u32 }));
    }
    // The guard's channel to pysbx is the program's descriptors too: closed (`os.close`,
    // `os.closerange`), shut down or replaced by another file, it would end every report of
    // the guard's that followed, the run's violations and its verdict, while the guard went
    // on refusing unseen. Neither descriptor can be closed, shut down or made the target of a
    // `dup2`/`dup3`; `close_range` answers `ENOSYS`, so the C library and the interpreter fall
    // back to closing one descriptor at a time, and pass over these two (`os.closerange`
    // ignores each refusal). Writing on the channel is left to pysbx to notice (see the
    // supervisor's `guard_loop`).
    let channel = channel.to_vec();
    rules.push((SYS_close, Check::ArgNotIn { arg: 0, denied: channel.clone() }));
    rules.push((SYS_shutdown, Check::ArgNotIn { arg: 0, denied: channel.clone() }));
    rules.push((SYS_dup3, Check::ArgNotIn { arg: 1, denied: channel.clone() }));
    #[cfg(target_arch = "x86_64")]
    rules.push((SYS_dup2, Check::ArgNotIn { arg: 1, denied: channel }));
    rules.push((SYS_close_range, Check::Deny(ENOSYS)));
    // Threads are clone with CLONE_THREAD; clone3 hides its flags in memory, so it answers
    // ENOSYS and the C library falls back to clone.
    rules.push((SYS_clone3, Check::Deny(ENOSYS)));
    if !plan.process {
        rules.push((SYS_execve, eperm.clone()));
        // The kernel ignores the descriptor when the path is absolute, so the path pointer is
        // checked too: native code could otherwise run any file Landlock lets it execute
        // (the dynamic loader, running a fresh interpreter without the guard). The pointer
        // is one the interpreter's address space does not know; a wrong one kills.
        let fd = u64::try_from(exec.fd).unwrap_or(u64::MAX);
        rules.push((
            SYS_execveat,
            Check::ExactOrKill(vec![(0, fd), (1, exec.path), (4, AT_EMPTY_PATH as u64)]),
        ));
        #[cfg(target_arch = "x86_64")]
        {
            rules.push((SYS_fork, eperm.clone()));
            rules.push((SYS_vfork, eperm.clone()));
        }
        if plan.threads {
            let need = CLONE_THREAD as u32;
            rules.push((SYS_clone, Check::Bits { arg: 0, need, refuse: CLONE_NAMESPACES }));
        } else {
            rules.push((SYS_clone, eperm.clone()));
        }
    } else if !plan.threads {
        // Processes but no threads: refuse clone calls that ask for a thread.
        let mask = CLONE_THREAD as u32 | CLONE_NAMESPACES;
        rules.push((SYS_clone, Check::RefuseBits { arg: 0, mask }));
    } else {
        rules.push((SYS_clone, Check::RefuseBits { arg: 0, mask: CLONE_NAMESPACES }));
    }
    rules
}

/// `clone`'s flags that make new namespaces. A new user namespace needs no privilege and
/// gives its first process every capability inside it (over a network namespace made with
/// it: netfilter and the other network administration code of the kernel), which `unshare`,
/// refused, would give too.
const CLONE_NAMESPACES: u32 = (libc::CLONE_NEWUSER
    | libc::CLONE_NEWNS
    | libc::CLONE_NEWPID
    | libc::CLONE_NEWNET
    | libc::CLONE_NEWIPC
    | libc::CLONE_NEWUTS
    | libc::CLONE_NEWCGROUP) as u32;

fn assemble(rules: &[(i64, Check)]) -> Result<Vec<sock_filter>, String> {
    let mut out = vec![
        stmt(BPF_LD_W_ABS, OFF_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH, 1, 0)?,
        stmt(BPF_RET_K, RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, OFF_NR),
    ];
    #[cfg(target_arch = "x86_64")]
    {
        // x32 system calls share the x86-64 audit arch; refuse the whole range.
        out.push(jump(BPF_JGE_K, 0x4000_0000, 0, 1)?);
        out.push(stmt(BPF_RET_K, RET_KILL_PROCESS));
    }
    // The first rule of each number decides it, as in a linear scan; sorted for the search.
    let mut sorted: Vec<(u32, &Check)> = Vec::with_capacity(rules.len());
    for (nr, check) in rules {
        let nr = u32::try_from(*nr).map_err(|_| format!("bad syscall number {nr}"))?;
        if !sorted.iter().any(|(seen, _)| *seen == nr) {
            sorted.push((nr, check));
        }
    }
    sorted.sort_by_key(|(nr, _)| *nr);
    out.extend(search(&sorted)?);
    Ok(out)
}

/// The most numbers a leaf of the search tests one after the other.
const LEAF: usize = 3;

/// A binary search over `rules` (sorted by number): each node sends the numbers at or above
/// its middle key to its right half, and a leaf tests its few numbers in turn, then allows.
///
/// Why not one block after the other: the kernel walks a new filter once per system call
/// number when it is installed, to find the calls it may always allow without running the
/// filter, and then the filter for every call it could not so decide. With the default plan's
/// 64 blocks in a row both walks passed every block: installing the filter took 0.19 ms in
/// stage B (about 2 µs per block, as a throwaway C program timing `seccomp(2)` on this machine
/// also showed), on the path of every run. The search reaches any number in a handful of
/// comparisons (0.11 ms to install).
fn search(rules: &[(u32, &Check)]) -> Result<Vec<sock_filter>, String> {
    if rules.len() <= LEAF {
        let mut out = Vec::new();
        for (nr, check) in rules {
            out.extend(block_for(*nr, check)?);
        }
        out.push(stmt(BPF_RET_K, RET_ALLOW));
        return Ok(out);
    }
    let mid = rules.len() / 2;
    let (left, right) = (search(&rules[..mid])?, search(&rules[mid..])?);
    let mut out = Vec::with_capacity(left.len() + right.len() + 2);
    if left.len() <= usize::from(u8::MAX) {
        out.push(jump(BPF_JGE_K, rules[mid].0, left.len(), 0)?);
    } else {
        // Past the reach of a conditional jump's 8 bits: through an unconditional one.
        out.push(jump(BPF_JGE_K, rules[mid].0, 0, 1)?);
        let far = u32::try_from(left.len()).map_err(|_| "seccomp filter too long".to_string())?;
        out.push(stmt(BPF_JA, far));
    }
    out.extend(left);
    out.extend(right);
    Ok(out)
}

/// One system call's block: its number tested, then the check, which always returns.
fn block_for(nr: u32, check: &Check) -> Result<Vec<sock_filter>, String> {
    let mut body = block(check);
    let conditional = !matches!(check, Check::Deny(_));
    let (allow_at, deny_at) = (body.len(), body.len() + 1);
    if conditional {
        body.push(Insn::Ret(RET_ALLOW));
        body.push(Insn::Ret(match check {
            Check::ExactOrKill(_) => RET_KILL_PROCESS,
            _ => errno(libc::EPERM),
        }));
    }
    let mut out = vec![jump(BPF_JEQ_K, nr, 0, body.len())?];
    for (i, insn) in body.iter().enumerate() {
        let target = |t: Target| match t {
            Target::At(j) => j,
            Target::Allow => allow_at,
            Target::Deny => deny_at,
        };
        let rel = |t: Target| target(t).checked_sub(i + 1).ok_or("backward seccomp jump");
        out.push(match insn {
            Insn::Load(off) => stmt(BPF_LD_W_ABS, *off),
            Insn::Ret(k) => stmt(BPF_RET_K, *k),
            Insn::JumpEq(k, t, f) => jump(BPF_JEQ_K, *k, rel(*t)?, rel(*f)?)?,
            Insn::JumpSet(k, t, f) => jump(BPF_JSET_K, *k, rel(*t)?, rel(*f)?)?,
            Insn::And(k) => stmt(BPF_ALU_AND_K, *k),
        });
    }
    Ok(out)
}

/// The body of one block; `Target::Allow`/`Deny` are the block's own returns.
fn block(check: &Check) -> Vec<Insn> {
    match check {
        Check::Deny(e) => vec![Insn::Ret(errno(*e))],
        Check::ArgIn { arg, allowed } => {
            let mut body = vec![Insn::Load(off_arg_lo(*arg))];
            for (i, v) in allowed.iter().enumerate() {
                let next =
                    if i + 1 == allowed.len() { Target::Deny } else { Target::At(body.len() + 1) };
                body.push(Insn::JumpEq(*v, Target::Allow, next));
            }
            if allowed.is_empty() {
                body.push(Insn::JumpEq(0, Target::Deny, Target::Deny));
            }
            body
        }
        Check::ArgNotIn { arg, denied } => {
            let mut body = vec![Insn::Load(off_arg_lo(*arg))];
            for (i, v) in denied.iter().enumerate() {
                let next =
                    if i + 1 == denied.len() { Target::Allow } else { Target::At(body.len() + 1) };
                body.push(Insn::JumpEq(*v, Target::Deny, next));
            }
            if denied.is_empty() {
                body.push(Insn::JumpEq(0, Target::Allow, Target::Allow));
            }
            body
        }
        Check::RefuseBits { arg, mask } => {
            vec![Insn::Load(off_arg_lo(*arg)), Insn::JumpSet(*mask, Target::Deny, Target::Allow)]
        }
        Check::Bits { arg, need, refuse } => vec![
            Insn::Load(off_arg_lo(*arg)),
            Insn::JumpSet(*refuse, Target::Deny, Target::At(2)),
            Insn::JumpSet(*need, Target::Allow, Target::Deny),
        ],
        Check::RefuseAllBits(clauses) => {
            // Each pair is a load, a mask and a comparison with the mask: all its bits set
            // goes on to the clause's next pair (the last one's: refuse), any missing to the
            // next clause (the last clause's: allow).
            let mut body = Vec::new();
            for (c, clause) in clauses.iter().enumerate() {
                let next_clause = body.len() + 3 * clause.len();
                let fail =
                    if c + 1 == clauses.len() { Target::Allow } else { Target::At(next_clause) };
                if clause.is_empty() {
                    // No condition: the clause always holds.
                    body.push(Insn::JumpEq(0, Target::Deny, Target::Deny));
                    continue;
                }
                for (i, (arg, mask)) in clause.iter().enumerate() {
                    body.push(Insn::Load(off_arg_lo(*arg)));
                    body.push(Insn::And(*mask));
                    let pass = if i + 1 == clause.len() {
                        Target::Deny
                    } else {
                        Target::At(body.len() + 1)
                    };
                    body.push(Insn::JumpEq(*mask, pass, fail));
                }
            }
            if clauses.is_empty() {
                body.push(Insn::JumpEq(0, Target::Allow, Target::Allow));
            }
            body
        }
        Check::ArgsIn(groups) => {
            let mut body = Vec::new();
            for (g, (arg, allowed)) in groups.iter().enumerate() {
                body.push(Insn::Load(off_arg_lo(*arg)));
                // This group's jumps follow its load; the next group's load follows them.
                let next_group = body.len() + allowed.len();
                let pass =
                    if g + 1 == groups.len() { Target::Allow } else { Target::At(next_group) };
                for (i, v) in allowed.iter().enumerate() {
                    let fail = if i + 1 == allowed.len() {
                        Target::Deny
                    } else {
                        Target::At(body.len() + 1)
                    };
                    body.push(Insn::JumpEq(*v, pass, fail));
                }
                if allowed.is_empty() {
                    body.push(Insn::JumpEq(0, Target::Deny, Target::Deny));
                }
            }
            body
        }
        Check::ExactOrKill(pairs) => {
            let mut body = Vec::new();
            for (i, (arg, v)) in pairs.iter().enumerate() {
                let (lo, hi) = ((*v & 0xffff_ffff) as u32, (*v >> 32) as u32);
                let last = i + 1 == pairs.len();
                // Low half, then high half; the next pair's first load follows.
                body.push(Insn::Load(off_arg_lo(*arg)));
                body.push(Insn::JumpEq(lo, Target::At(body.len() + 1), Target::Deny));
                body.push(Insn::Load(off_arg_lo(*arg) + 4));
                let next = if last { Target::Allow } else { Target::At(body.len() + 1) };
                body.push(Insn::JumpEq(hi, next, Target::Deny));
            }
            body
        }
    }
}

/// Installs the filter on the calling thread (no_new_privs must already be set).
pub(crate) fn apply(filter: &[sock_filter]) -> Result<(), String> {
    seccompiler::apply_filter(filter).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny interpreter of the subset of classic BPF the assembler emits.
    fn run(prog: &[sock_filter], nr: i64, args: [u64; 6]) -> u32 {
        traced(prog, nr, args).0
    }

    /// [`run`], with the number of instructions run until the call's number was found: until
    /// the first load of an argument or the first return.
    fn traced(prog: &[sock_filter], nr: i64, args: [u64; 6]) -> (u32, usize) {
        let mut data = [0u8; 64];
        data[0..4].copy_from_slice(&(nr as u32).to_le_bytes());
        data[4..8].copy_from_slice(&AUDIT_ARCH.to_le_bytes());
        for (i, a) in args.iter().enumerate() {
            data[16 + 8 * i..24 + 8 * i].copy_from_slice(&a.to_le_bytes());
        }
        let mut acc = 0u32;
        let mut pc = 0usize;
        let (mut steps, mut found) = (0usize, None);
        loop {
            let insn = &prog[pc];
            steps += 1;
            let decides = insn.code == BPF_RET_K || (insn.code == BPF_LD_W_ABS && insn.k >= 16);
            if decides && found.is_none() {
                found = Some(steps);
            }
            match insn.code {
                BPF_LD_W_ABS => {
                    let k = insn.k as usize;
                    acc = u32::from_le_bytes(data[k..k + 4].try_into().unwrap());
                    pc += 1;
                }
                BPF_JEQ_K | BPF_JGE_K | BPF_JSET_K => {
                    let taken = match insn.code {
                        BPF_JEQ_K => acc == insn.k,
                        BPF_JGE_K => acc >= insn.k,
                        _ => acc & insn.k != 0,
                    };
                    pc += 1 + usize::from(if taken { insn.jt } else { insn.jf });
                }
                BPF_JA => pc += 1 + insn.k as usize,
                BPF_ALU_AND_K => {
                    acc &= insn.k;
                    pc += 1;
                }
                BPF_RET_K => return (insn.k, found.unwrap_or(steps)),
                other => panic!("unexpected opcode {other:#x}"),
            }
        }
    }

    fn plan(process: bool, network: bool) -> ConfinePlan {
        ConfinePlan {
            read: vec![],
            write: vec![],
            execute: vec![],
            devices: vec![],
            process,
            threads: true,
            network,
            ffi: false,
            tcp_connect: None,
            without_hidden: vec![],
        }
    }

    #[test]
    fn default_filter_decisions() {
        let prog = build(&plan(false, false), GATE, CHANNEL).unwrap();
        let eperm = errno(libc::EPERM);
        assert_eq!(run(&prog, libc::SYS_read, [0; 6]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_ptrace, [0; 6]), eperm);
        assert_eq!(run(&prog, libc::SYS_execve, [0; 6]), eperm);
        assert_eq!(run(&prog, libc::SYS_clone3, [0; 6]), errno(libc::ENOSYS));
        let thread = libc::CLONE_THREAD as u64 | libc::CLONE_VM as u64;
        assert_eq!(run(&prog, libc::SYS_clone, [thread, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_clone, [libc::SIGCHLD as u64, 0, 0, 0, 0, 0]), eperm);
        let userns = libc::CLONE_NEWUSER as u64;
        assert_eq!(run(&prog, libc::SYS_clone, [thread | userns, 0, 0, 0, 0, 0]), eperm);
        let af = |f: i32| [f as u64, 1, 0, 0, 0, 0];
        assert_eq!(run(&prog, libc::SYS_socket, af(libc::AF_UNIX)), eperm);
        assert_eq!(run(&prog, libc::SYS_socketpair, af(libc::AF_UNIX)), RET_ALLOW);
        let pair = |ty: i32| [libc::AF_UNIX as u64, ty as u64, 0, 0, 0, 0];
        let cloexec = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
        assert_eq!(run(&prog, libc::SYS_socketpair, pair(cloexec)), RET_ALLOW);
        assert_eq!(
            run(&prog, libc::SYS_socketpair, pair(cloexec | libc::SOCK_NONBLOCK)),
            RET_ALLOW
        );
        // A datagram end may `sendto` any named socket on the machine.
        assert_eq!(run(&prog, libc::SYS_socketpair, pair(libc::SOCK_DGRAM)), eperm);
        assert_eq!(
            run(&prog, libc::SYS_socketpair, pair(libc::SOCK_DGRAM | libc::SOCK_CLOEXEC)),
            eperm
        );
        // A sequenced-packet pair is connected, as a stream pair is.
        assert_eq!(run(&prog, libc::SYS_socketpair, pair(libc::SOCK_SEQPACKET)), RET_ALLOW);
        assert_eq!(
            run(&prog, libc::SYS_socketpair, pair(libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC)),
            RET_ALLOW
        );
        assert_eq!(run(&prog, libc::SYS_socketpair, pair(libc::SOCK_RAW)), eperm);
        assert_eq!(run(&prog, libc::SYS_socketpair, [libc::AF_INET as u64, 1, 0, 0, 0, 0]), eperm);
        assert_eq!(run(&prog, libc::SYS_memfd_create, [0; 6]), eperm);
        assert_eq!(run(&prog, libc::SYS_socket, af(libc::AF_INET)), eperm);
        assert_eq!(run(&prog, libc::SYS_socket, af(libc::AF_PACKET)), eperm);
        let ioctl = |req: u64| [0, req, 0, 0, 0, 0];
        assert_eq!(run(&prog, libc::SYS_ioctl, ioctl(u64::from(libc::TIOCSTI as u32))), eperm);
        assert_eq!(run(&prog, libc::SYS_ioctl, ioctl(u64::from(libc::TCGETS as u32))), RET_ALLOW);
        let fcntl = |cmd: i32| [0, u64::from(cmd as u32), 0, 0, 0, 0];
        assert_eq!(run(&prog, libc::SYS_fcntl, fcntl(libc::F_SETLEASE)), eperm);
        assert_eq!(run(&prog, libc::SYS_fcntl, fcntl(libc::F_NOTIFY)), eperm);
        for allowed in [libc::F_GETLEASE, libc::F_SETFD, libc::F_SETLK, libc::F_DUPFD_CLOEXEC] {
            assert_eq!(run(&prog, libc::SYS_fcntl, fcntl(allowed)), RET_ALLOW);
        }
        let at = libc::AT_EMPTY_PATH as u64;
        let path = GATE.path;
        assert_eq!(run(&prog, libc::SYS_execveat, [300, path, 0, 0, at, 0]), RET_ALLOW);
        // Any other descriptor, path pointer (either half) or flags: killed, not refused.
        for wrong in [
            [3, path, 0, 0, at, 0],
            [300, 0, 0, 0, at, 0],
            [300, path ^ 1, 0, 0, at, 0],
            [300, path ^ (1 << 40), 0, 0, at, 0],
            [300, path, 0, 0, 0, 0],
            [300 | (1 << 32), path, 0, 0, at, 0],
        ] {
            assert_eq!(run(&prog, libc::SYS_execveat, wrong), RET_KILL_PROCESS, "{wrong:?}");
        }
        // Blocks after an argument check still see the system call number.
        assert_eq!(run(&prog, libc::SYS_write, [1, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_setsid, [0; 6]), eperm);
    }

    #[test]
    fn network_and_process_grants_open_their_calls() {
        let prog = build(&plan(true, true), GATE, CHANNEL).unwrap();
        assert_eq!(run(&prog, libc::SYS_socket, [libc::AF_INET as u64, 1, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_execve, [0; 6]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_clone, [libc::SIGCHLD as u64, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_ptrace, [0; 6]), errno(libc::EPERM));
        // A process, never a new namespace (`unshare` by another name).
        let fork = libc::SIGCHLD as u64;
        for ns in [libc::CLONE_NEWUSER, libc::CLONE_NEWNET, libc::CLONE_NEWNS, libc::CLONE_NEWPID] {
            let flags = fork | ns as u64;
            assert_eq!(run(&prog, libc::SYS_clone, [flags, 0, 0, 0, 0, 0]), errno(libc::EPERM));
        }
        let vfork = (libc::CLONE_VM | libc::CLONE_VFORK) as u64 | fork;
        assert_eq!(run(&prog, libc::SYS_clone, [vfork, 0, 0, 0, 0, 0]), RET_ALLOW);
        let thread = (libc::CLONE_THREAD | libc::CLONE_VM | libc::CLONE_SIGHAND) as u64;
        assert_eq!(run(&prog, libc::SYS_clone, [thread, 0, 0, 0, 0, 0]), RET_ALLOW);
    }

    #[test]
    fn set_id_modes_are_refused_where_a_mode_is_given() {
        let prog = build(&plan(false, false), GATE, CHANNEL).unwrap();
        let (suid, sgid) = (u64::from(libc::S_ISUID), u64::from(libc::S_ISGID));
        for mode in [0o4755, 0o2755, 0o6755] {
            assert_eq!(run(&prog, libc::SYS_fchmodat, [3, 0, mode, 0, 0, 0]), errno(libc::EPERM));
            assert_eq!(run(&prog, libc::SYS_fchmod, [3, mode, 0, 0, 0, 0]), errno(libc::EPERM));
            assert_eq!(run(&prog, 452, [3, 0, mode, 0, 0, 0]), errno(libc::EPERM));
            assert_eq!(run(&prog, libc::SYS_mkdirat, [3, 0, mode, 0, 0, 0]), errno(libc::EPERM));
        }
        assert_eq!(run(&prog, libc::SYS_fchmodat, [3, 0, 0o1777, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_mkdirat, [3, 0, 0o755, 0, 0, 0]), RET_ALLOW);
        let create = (libc::O_CREAT | libc::O_WRONLY) as u64;
        let tmpfile = (libc::O_TMPFILE | libc::O_RDWR) as u64;
        for flags in [create, tmpfile] {
            for bit in [suid, sgid] {
                let args = [3, 0, flags, 0o755 | bit, 0, 0];
                assert_eq!(run(&prog, libc::SYS_openat, args), errno(libc::EPERM), "{flags:o}");
            }
            assert_eq!(run(&prog, libc::SYS_openat, [3, 0, flags, 0o644, 0, 0]), RET_ALLOW);
        }
        // Without `O_CREAT` the mode is not the caller's: whatever the register holds.
        let read = libc::O_RDONLY as u64;
        assert_eq!(run(&prog, libc::SYS_openat, [3, 0, read, 0o6777, 0, 0]), RET_ALLOW);
    }

    /// The `execveat` the filters of these tests allow.
    const GATE: ExecGate = ExecGate { fd: 300, path: 0x0000_2a3b_4c5d_6e7f };
    /// The guard's channel in these tests.
    const CHANNEL: [u32; 2] = [253, 254];

    /// What the rules decide, read as a list: the first rule of the number, or allow.
    fn decide(rules: &[(i64, Check)], nr: i64, args: [u64; 6]) -> u32 {
        let lo = |arg: &u32| args[*arg as usize] as u32;
        let verdict = |ok: bool| if ok { RET_ALLOW } else { errno(libc::EPERM) };
        match rules.iter().find(|(n, _)| *n == nr).map(|(_, check)| check) {
            None => RET_ALLOW,
            Some(Check::Deny(e)) => errno(*e),
            Some(Check::ArgIn { arg, allowed }) => verdict(allowed.contains(&lo(arg))),
            Some(Check::ArgNotIn { arg, denied }) => verdict(!denied.contains(&lo(arg))),
            Some(Check::RefuseBits { arg, mask }) => verdict(lo(arg) & mask == 0),
            Some(Check::Bits { arg, need, refuse }) => {
                verdict(lo(arg) & refuse == 0 && lo(arg) & need != 0)
            }
            Some(Check::RefuseAllBits(clauses)) => {
                verdict(!clauses.iter().any(|c| c.iter().all(|(a, mask)| lo(a) & mask == *mask)))
            }
            Some(Check::ExactOrKill(pairs)) => {
                if pairs.iter().all(|(a, v)| args[*a as usize] == *v) {
                    RET_ALLOW
                } else {
                    RET_KILL_PROCESS
                }
            }
            Some(Check::ArgsIn(groups)) => {
                verdict(groups.iter().all(|(a, allowed)| allowed.contains(&lo(a))))
            }
        }
    }

    /// Argument vectors that take each check of the filters both ways.
    fn probes() -> Vec<[u64; 6]> {
        let thread = libc::CLONE_THREAD as u64 | libc::CLONE_VM as u64;
        let at = libc::AT_EMPTY_PATH as u64;
        vec![
            [0; 6],
            [libc::AF_INET as u64, u64::from(libc::TIOCSTI as u32), 0, 0, 0, 0],
            [libc::AF_UNIX as u64, u64::from(libc::TCGETS as u32), 0, 0, 0, 0],
            [thread, 0, 0, 0, 0, 0],
            [libc::SIGCHLD as u64, 0, 0, 0, 0, 0],
            [libc::SIGCHLD as u64 | libc::CLONE_NEWUSER as u64, 0, 0, 0, 0, 0],
            [thread | libc::CLONE_NEWNET as u64, 0, 0, 0, 0, 0],
            [300, GATE.path, 0, 0, at, 0],
            [300, 0, 0, 0, at, 0],
            [300, GATE.path ^ (1 << 33), 0, 0, at, 0],
            [3, GATE.path, 0, 0, at, 0],
            // Node types, as `mknodat`'s and `mknod`'s mode: FIFO, character device, socket,
            // regular file, and a FIFO type with a device's bit.
            [0, 0, 0o010_644, 0, 0, 0],
            [0, 0o010_644, 0o020_644, 0, 0, 0],
            [0, 0o140_644, 0o100_644, 0, 0, 0],
            [0, 0o020_644, 0o030_644, 0, 0, 0],
            // Protections and flags, as `mmap`'s and `mprotect`'s: each of read, write and
            // execute alone and together, anonymous or of a file, with high words set.
            [0, 4096, 7, 0x22, u64::MAX, 0],
            [0, 4096, 5, 0x22, u64::MAX, 0],
            [0, 4096, 3, 0x22, u64::MAX, 0],
            [0, 4096, 5, 0x02, 3, 0],
            [0, 4096, 7, 0x01, 3, 0],
            [0, 4096, 6, 0x01, 3, 0],
            [0, 4096, 4, 0x20, 3, 0],
            [0, 4096, 2, 0x20, 3, 0],
            [0, 4096, 1 << 32 | 3, 1 << 32 | 0x22, 3, 0],
            [0, 4096, 1 << 32 | 4, 0x01, 3, 0],
            [0, 0, 0, 0, 0, 0o100_000],
            [0, 0, 0o100_000, 0, 0, 0],
            // The guard's channel, as the descriptor closed or shut down and as `dup2`'s and
            // `dup3`'s target.
            [253, 5, 0, 0, 0, 0],
            [7, 254, 0, 0, 0, 0],
            [1 << 32 | 254, 1 << 32 | 253, 0, 0, 0, 0],
        ]
    }

    #[test]
    fn the_guards_channel_cannot_be_closed_shut_down_or_replaced() {
        let prog = build(&plan(false, false), GATE, CHANNEL).unwrap();
        let eperm = errno(libc::EPERM);
        for fd in CHANNEL.map(u64::from) {
            assert_eq!(run(&prog, libc::SYS_close, [fd, 0, 0, 0, 0, 0]), eperm);
            assert_eq!(run(&prog, libc::SYS_shutdown, [fd, 1, 0, 0, 0, 0]), eperm);
            assert_eq!(run(&prog, libc::SYS_dup3, [7, fd, 0, 0, 0, 0]), eperm);
            #[cfg(target_arch = "x86_64")]
            assert_eq!(run(&prog, libc::SYS_dup2, [7, fd, 0, 0, 0, 0]), eperm);
            // Read by the kernel as an `unsigned int`: a high word changes nothing.
            assert_eq!(run(&prog, libc::SYS_close, [fd | 1 << 32, 0, 0, 0, 0, 0]), eperm);
        }
        // Every other descriptor as before; the channel's may be read, written, duplicated.
        assert_eq!(run(&prog, libc::SYS_close, [7, 0, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_shutdown, [7, 1, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_dup3, [253, 7, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_write, [253, 0, 0, 0, 0, 0]), RET_ALLOW);
        // A range is closed one descriptor at a time, by the C library's fallback.
        assert_eq!(
            run(&prog, libc::SYS_close_range, [3, u64::from(u32::MAX), 0, 0, 0, 0]),
            errno(libc::ENOSYS)
        );
    }

    #[test]
    fn no_system_v_shared_memory_segment_is_made_under_any_grant() {
        // `shmget(IPC_PRIVATE, 256 MiB, IPC_CREAT | 0600)`.
        let args = [0, 256 << 20, u64::from((libc::IPC_CREAT | 0o600) as u32), 0, 0, 0];
        for plan in [plan(false, false), ConfinePlan { ffi: true, ..plan(true, true) }] {
            let prog = build(&plan, GATE, CHANNEL).unwrap();
            assert_eq!(run(&prog, libc::SYS_shmget, args), errno(libc::EPERM));
        }
    }

    #[test]
    fn no_system_v_semaphores_message_queues_or_aio_contexts_under_any_grant() {
        let create = u64::from((libc::IPC_CREAT | 0o600) as u32);
        for plan in [plan(false, false), ConfinePlan { ffi: true, ..plan(true, true) }] {
            let prog = build(&plan, GATE, CHANNEL).unwrap();
            // `semget(IPC_PRIVATE, 32000, IPC_CREAT | 0600)`, `msgget(IPC_PRIVATE, ...)`,
            // `io_setup(8192, &ctx)`.
            assert_eq!(
                run(&prog, libc::SYS_semget, [0, 32000, create, 0, 0, 0]),
                errno(libc::EPERM)
            );
            assert_eq!(run(&prog, libc::SYS_msgget, [0, create, 0, 0, 0, 0]), errno(libc::EPERM));
            assert_eq!(
                run(&prog, libc::SYS_io_setup, [8192, 0x1000, 0, 0, 0, 0]),
                errno(libc::EPERM)
            );
        }
    }

    #[test]
    fn no_memory_is_writable_and_executable_or_made_executable_without_ffi() {
        use libc::{MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE};
        let bits = |b: i32| u64::from(b as u32);
        let mmap = |prot: i32, flags: i32, fd: u64| [0, 4096, bits(prot), bits(flags), fd, 0];
        let mprotect = |prot: i32| [0x7f00_0000_0000, 4096, bits(prot), 0, 0, 0];
        let (anon, file) = (MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE);
        let (r, rw, rx, rwx) = (
            PROT_READ,
            PROT_READ | PROT_WRITE,
            PROT_READ | PROT_EXEC,
            PROT_READ | PROT_WRITE | PROT_EXEC,
        );
        let none = u64::MAX;
        let eperm = errno(libc::EPERM);
        let refused = [
            (libc::SYS_mmap, mmap(rwx, anon, none)),
            (libc::SYS_mmap, mmap(PROT_WRITE | PROT_EXEC, anon, none)),
            (libc::SYS_mmap, mmap(rx, anon, none)),
            (libc::SYS_mmap, mmap(PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, none)),
            (libc::SYS_mmap, mmap(rwx, file, 3)),
            (libc::SYS_mmap, mmap(rwx, MAP_SHARED, 3)),
            // High words set beside the tested bits change nothing.
            (libc::SYS_mmap, [0, 4096, 1 << 32 | bits(rwx), bits(anon), none, 0]),
            (libc::SYS_mmap, [0, 4096, bits(rx), 1 << 32 | bits(anon), none, 0]),
            (libc::SYS_mprotect, mprotect(rx)),
            (libc::SYS_mprotect, mprotect(PROT_EXEC)),
            (libc::SYS_mprotect, mprotect(rwx)),
            (libc::SYS_pkey_mprotect, mprotect(rx)),
            (libc::SYS_shmat, [1, 0, bits(libc::SHM_EXEC), 0, 0, 0]),
        ];
        let allowed = [
            // The loader's mappings of a library, and the program's own memory.
            (libc::SYS_mmap, mmap(rx, file, 3)),
            (libc::SYS_mmap, mmap(r, file, 3)),
            (libc::SYS_mmap, mmap(rw, file, 3)),
            (libc::SYS_mmap, mmap(rw, MAP_SHARED, 3)),
            (libc::SYS_mmap, mmap(rw, anon, none)),
            (libc::SYS_mmap, mmap(libc::PROT_NONE, anon, none)),
            (libc::SYS_mprotect, mprotect(r)),
            (libc::SYS_mprotect, mprotect(rw)),
            (libc::SYS_mprotect, mprotect(libc::PROT_NONE)),
            (libc::SYS_pkey_mprotect, mprotect(rw)),
            (libc::SYS_shmat, [1, 0, bits(libc::SHM_RDONLY), 0, 0, 0]),
            (libc::SYS_mremap, [0x7f00_0000_0000, 4096, 8192, 1, 0, 0]),
        ];
        let prog = build(&plan(false, false), GATE, CHANNEL).unwrap();
        for (nr, args) in refused {
            assert_eq!(run(&prog, nr, args), eperm, "call {nr} with {args:x?}");
        }
        for (nr, args) in allowed {
            assert_eq!(run(&prog, nr, args), RET_ALLOW, "call {nr} with {args:x?}");
        }
        // Foreign code may make code at run time (a JIT, libffi's closures): all allowed.
        let ffi = ConfinePlan { ffi: true, ..plan(false, false) };
        let prog = build(&ffi, GATE, CHANNEL).unwrap();
        for (nr, args) in refused.into_iter().chain(allowed) {
            assert_eq!(run(&prog, nr, args), RET_ALLOW, "ffi: call {nr} with {args:x?}");
        }
    }

    #[test]
    fn only_named_pipes_are_made_as_nodes() {
        let prog = build(&plan(false, false), GATE, CHANNEL).unwrap();
        let mode = |m: u64| [libc::AT_FDCWD as u64, 0, m, 0, 0, 0];
        assert_eq!(run(&prog, libc::SYS_mknodat, mode(0o010_600)), RET_ALLOW);
        for refused in [0o020_600, 0o060_600, 0o140_600, 0o100_600, 0o030_600, 0] {
            assert_eq!(run(&prog, libc::SYS_mknodat, mode(refused)), errno(libc::EPERM));
        }
        assert_eq!(run(&prog, libc::SYS_mknod, [0, 0o010_600, 0, 0, 0, 0]), RET_ALLOW);
        assert_eq!(run(&prog, libc::SYS_mknod, [0, 0o020_600, 0, 0, 0, 0]), errno(libc::EPERM));
    }

    #[test]
    fn the_search_decides_every_number_as_the_rules_read_in_order() {
        for process in [false, true] {
            for network in [false, true] {
                for (threads, ffi) in [(false, false), (true, false), (true, true)] {
                    let plan = ConfinePlan { threads, ffi, ..plan(process, network) };
                    let rules = rules(&plan, GATE, CHANNEL);
                    let prog = build(&plan, GATE, CHANNEL).unwrap();
                    for nr in 0..=470 {
                        for args in probes() {
                            assert_eq!(
                                run(&prog, nr, args),
                                decide(&rules, nr, args),
                                "process {process} network {network} threads {threads} \
                                 ffi {ffi}: call {nr} with {args:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_long_filter_reaches_its_far_half_and_keeps_the_first_rule_of_a_number() {
        // Enough blocks that a left half is longer than a conditional jump can skip.
        let mut rules: Vec<(i64, Check)> =
            (0..400).map(|i| (2 * i + 1, Check::Deny(i as i32 % 100 + 1))).collect();
        rules.push((7, Check::Deny(libc::ENOSYS)));
        rules.push((600, Check::ArgIn { arg: 0, allowed: vec![5] }));
        let prog = assemble(&rules).unwrap();
        assert!(prog.iter().any(|insn| insn.code == BPF_JA), "an unconditional jump is needed");
        for nr in 0..=820 {
            for args in [[0; 6], [5, 0, 0, 0, 0, 0]] {
                assert_eq!(run(&prog, nr, args), decide(&rules, nr, args), "call {nr}");
            }
        }
        assert_eq!(run(&prog, 7, [0; 6]), errno(4), "the first rule for 7 decides it");
    }

    #[test]
    fn a_number_is_found_in_a_few_comparisons() {
        // Count the instructions run until each number of the default plan is found.
        let prog = build(&plan(false, false), GATE, CHANNEL).unwrap();
        let steps = |nr: i64| traced(&prog, nr, [0; 6]).1;
        let worst = (0..=470).map(steps).max().unwrap();
        let blocks = rules(&plan(false, false), GATE, CHANNEL).len();
        assert!(blocks > 60, "{blocks} blocks");
        assert!(worst <= 20, "{worst} instructions to decide a number among {blocks} blocks");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn x32_numbers_kill() {
        let prog = build(&plan(false, false), GATE, CHANNEL).unwrap();
        assert_eq!(run(&prog, 0x4000_0000 + libc::SYS_read, [0; 6]), RET_KILL_PROCESS);
    }
}
