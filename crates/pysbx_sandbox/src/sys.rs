//! The few operating-system calls the safe crates do not cover, each in its smallest wrapper.
//! Most run in the single-threaded trampoline, before the interpreter starts; the status
//! reader serves the supervisor too.

use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// Takes ownership of a descriptor number received on the command line.
///
/// The caller must pass a number it was handed and that nothing else owns.
pub(crate) fn adopt_fd(fd: RawFd) -> std::io::Result<OwnedFd> {
    // Checking the number first turns a bad argument into an error instead of adopting a
    // closed descriptor.
    nix::fcntl::fcntl(
        // SAFETY: the borrowed descriptor lives only for this call.
        #[expect(unsafe_code, reason = "borrowing a raw descriptor for a validity check")]
        unsafe {
            std::os::fd::BorrowedFd::borrow_raw(fd)
        },
        nix::fcntl::FcntlArg::F_GETFD,
    )
    .map_err(std::io::Error::from)?;
    // SAFETY: the descriptor is open (checked above) and the trampoline's protocol hands each
    // number to exactly one owner.
    #[expect(unsafe_code, reason = "adopting a descriptor inherited from the supervisor")]
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Duplicates `fd` onto exactly `target`, closing whatever was there, without close-on-exec.
pub(crate) fn dup_to(fd: &OwnedFd, target: RawFd) -> std::io::Result<OwnedFd> {
    // SAFETY: `target` is a number the trampoline reserves for this descriptor; anything it
    // held was inherited and is closed by `dup2` by design.
    #[expect(unsafe_code, reason = "dup2 onto a fixed descriptor number")]
    let new = unsafe { nix::unistd::dup2_raw(fd, target) }.map_err(std::io::Error::from)?;
    Ok(new)
}

/// A one-way channel for the guard's messages, `(read end, write end)`: a connected pair of
/// UNIX stream sockets, each shut down in the direction it does not carry, rather than a pipe.
/// A pipe's end can be opened again through `/proc/self/fd/N` by the pipe's owner, in either
/// direction (`O_RDONLY` on a write end gives a read end): without root the program runs under
/// the uid that made the channel, and could read what the guard sends pysbx (the ids its
/// replies must carry) and write replies pysbx never made. A socket cannot be opened through
/// `/proc` (`ENXIO`), and reads and writes on it behave as on a pipe's ends.
pub(crate) fn guard_channel() -> std::io::Result<(OwnedFd, OwnedFd)> {
    use nix::sys::socket::{AddressFamily, Shutdown, SockFlag, SockType, shutdown, socketpair};
    use std::os::fd::AsRawFd;
    let (read, write) =
        socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC)?;
    // The write end reads nothing, and so the read end can write nothing (the kernel shuts
    // the peer's other direction).
    shutdown(write.as_raw_fd(), Shutdown::Read)?;
    Ok((read, write))
}

/// Closes every descriptor numbered `first..=last`.
pub(crate) fn close_range(first: u32, last: u32) -> std::io::Result<()> {
    if first > last {
        return Ok(());
    }
    // SAFETY: close_range takes plain integers; the trampoline owns no Rust object holding a
    // descriptor in the range (callers move the ones they keep below `first` or above `last`).
    #[expect(unsafe_code, reason = "close_range(2) has no safe wrapper")]
    let rc = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0u32) };
    if rc == 0 { Ok(()) } else { Err(std::io::Error::last_os_error()) }
}

/// `N` bytes from the kernel's random source.
pub(crate) fn random_bytes<const N: usize>() -> std::io::Result<[u8; N]> {
    let mut out = [0u8; N];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut out)?;
    Ok(out)
}

/// An empty C string on a page of its own at an address chosen at random, for the one
/// `execveat` of the interpreter: the seccomp filter lets `execveat` through only with this
/// exact pointer as its path (it cannot read the text, only compare the pointer). After the
/// exec the address space is the interpreter's, so a program that wants to run another file
/// through `execveat` must guess the address, and the filter kills it on a wrong guess.
pub(crate) fn empty_path_at_random() -> std::io::Result<&'static std::ffi::CStr> {
    const PAGE: usize = 4096;
    let seed: [u8; 16] = random_bytes()?;
    let (a, b) = seed.split_at(8);
    let word = |x: &[u8]| u64::from_le_bytes(x.try_into().unwrap_or([0; 8]));
    // A page-aligned hint in the lower half of the 47-bit user space, above the first 4 GiB;
    // the kernel may place the page elsewhere if the hint is taken, at an address of its own
    // choosing (randomised too).
    let hint = (word(a) & 0x0000_3fff_ffff_f000) | 0x0000_0001_0000_0000;
    let offset = usize::try_from(word(b) % (PAGE as u64)).unwrap_or(0);
    // SAFETY: a fresh private anonymous mapping, owned by nothing else; it is never unmapped
    // (the process execs or exits), so a `'static` reference into it stays valid.
    #[expect(unsafe_code, reason = "mmap(2) of a fresh anonymous page")]
    let page = unsafe {
        libc::mmap(
            hint as *mut libc::c_void,
            PAGE,
            libc::PROT_READ,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if page == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `offset` is inside the page, which the kernel filled with zeros: a NUL there
    // ends an empty string.
    #[expect(unsafe_code, reason = "a C string inside the page just mapped")]
    let text = unsafe { std::ffi::CStr::from_ptr(page.cast::<libc::c_char>().add(offset)) };
    Ok(text)
}

/// Result of [`fork`].
pub(crate) enum Forked {
    /// In the parent, with the child's pid.
    Parent(nix::unistd::Pid),
    /// In the child.
    Child,
}

/// Forks the single-threaded trampoline.
///
/// Without the `pthread_atfork` handlers: the only ones registered are jemalloc's (linked for
/// scans, initialised by its own constructor in every process), which lock and re-initialise
/// every jemalloc mutex around the fork although a sandbox process never allocates from
/// jemalloc (`pysbx exec` and the trampoline run on the system allocator). In a process with
/// one thread no lock can be held by another thread at the fork, so the child needs none of
/// that repair. The handlers touched about 50 pages across the supervisor, stage A and stage
/// B (a whole hello-world run: 2687-2728 page faults before, 2615-2620 after).
pub(crate) fn fork() -> std::io::Result<Forked> {
    #[cfg(all(target_os = "linux", any(target_env = "gnu", target_env = "musl")))]
    let pid = {
        #[expect(unsafe_code, reason = "declaring _Fork, which the libc crate lacks")]
        unsafe extern "C" {
            /// POSIX.1-2024's fork without the fork handlers: glibc 2.34's (the glibc build
            /// already requires 2.34, `__libc_start_main@GLIBC_2.34`) and musl 1.2.3's (the
            /// static build links the musl Rust bundles, 1.2.5 for Rust 1.95).
            fn _Fork() -> libc::pid_t;
        }
        // SAFETY: the callers fork a process with one thread (the trampoline, which never
        // spawns one, or `Prefork::start`, which checks), so the child may run arbitrary code;
        // a test that forks its threaded harness only makes system calls in the child.
        #[expect(unsafe_code, reason = "fork of a single-threaded process")]
        unsafe {
            _Fork()
        }
    };
    #[cfg(not(all(target_os = "linux", any(target_env = "gnu", target_env = "musl"))))]
    // SAFETY: as above.
    #[expect(unsafe_code, reason = "fork of a single-threaded process")]
    let pid = unsafe { libc::fork() };
    match pid {
        -1 => Err(std::io::Error::last_os_error()),
        0 => Ok(Forked::Child),
        child => Ok(Forked::Parent(nix::unistd::Pid::from_raw(child))),
    }
}

/// The kernel's Landlock ABI version, or `None` when Landlock is unavailable.
pub(crate) fn landlock_abi() -> Option<i32> {
    const LANDLOCK_CREATE_RULESET_VERSION: u32 = 1;
    // SAFETY: with a null attribute pointer, size 0 and the VERSION flag, the call reads no
    // memory and only returns the ABI version (or an error).
    #[expect(unsafe_code, reason = "landlock_create_ruleset(2) version query")]
    let rc = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    i32::try_from(rc).ok().filter(|v| *v > 0)
}

/// Ends this process at once: no exit handlers, no flushing of buffers the process inherited.
/// For a forked copy of the supervisor, whose handlers and buffers belong to the original.
pub(crate) fn exit_now(code: i32) -> ! {
    // SAFETY: `_exit` takes an integer, touches no memory of the caller and does not return.
    #[expect(unsafe_code, reason = "_exit(2) has no safe wrapper in the crates used")]
    unsafe {
        libc::_exit(code)
    }
}

/// A hexadecimal mask of this process's `/proc/self/status` (`CapEff`, `SigIgn`...).
pub(crate) fn status_mask(field: &str) -> Option<u64> {
    mask_in(&std::fs::read_to_string("/proc/self/status").ok()?, field)
}

/// The mask `field` (named without its colon) in the text of a `/proc/PID/status` file.
pub(crate) fn mask_in(status: &str, field: &str) -> Option<u64> {
    let hex = status.lines().find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}
