//! The global allocator: jemalloc, except for the commands that start a sandbox.
//!
//! Scans and sanitizing spend much of their time allocating from many threads, where jemalloc's
//! thread caches pay (a scan spent 18% of its CPU in glibc's malloc, 4% in jemalloc's). `pysbx
//! exec` (and the REPL) allocate little, but start threads: under jemalloc each new thread
//! sets up an arena of its own and a thread cache on its first allocation, about 25 page
//! faults each; the trampoline (forked from `pysbx exec`, or this binary re-executed, and
//! stage B forked from it until it executes the interpreter) would pay for its thread cache.
//! Measured on a hello-world run, jemalloc cost about 370 page faults and 1.5 to 3 ms of CPU
//! over glibc's allocator (jemalloc's fork handlers no longer run: the sandbox forks with
//! `_Fork`, see `pysbx_sandbox`'s `sys::fork`). So a constructor, run by the dynamic loader
//! before `main` and before Rust's runtime starts, picks the system allocator when `argv[1]`
//! names one of these commands (subcommands come first: pysbx has no global options) or the
//! trampoline's marker. jemalloc's own constructor still initialises it in every process
//! (its first arena, its fork handlers); that part cannot be skipped in a statically linked
//! jemalloc. musl passes nothing to such constructors: there the constructor reads `argv[1]`
//! from `/proc/self/cmdline` instead (one open and one read, no allocation), and a process
//! without `/proc` stays on jemalloc.
//!
//! The choice is made once, before the first allocation, and never changes: memory is always
//! freed by the allocator that gave it. If anything allocated before the constructor ran, that
//! allocation fixed the choice to jemalloc, and the run is merely slower to start.

#![expect(unsafe_code, reason = "a global allocator and a loader constructor")]

use std::alloc::{GlobalAlloc, Layout, System};
#[cfg(all(target_os = "linux", target_env = "gnu"))]
use std::ffi::{CStr, c_char, c_int};
use std::sync::atomic::{AtomicU8, Ordering};

use tikv_jemallocator::Jemalloc;

const UNDECIDED: u8 = 0;
const JEMALLOC: u8 = 1;
const SYSTEM: u8 = 2;

static CHOICE: AtomicU8 = AtomicU8::new(UNDECIDED);

/// jemalloc's options, read when it initialises (before `main`): dirty pages go back to the
/// system after half a second rather than jemalloc's default ten. A scan frees each file's tree
/// and values as it moves on; with the default delay the pages of files already done stayed
/// resident and a scan of the benchmark tree peaked at 98-103 MiB, with half a second at 92-95
/// MiB for the same CPU time (see docs/benchmarks.md). `_RJEM_MALLOC_CONF` in the environment
/// still overrides it.
#[unsafe(export_name = "_rjem_malloc_conf")]
#[used]
static MALLOC_CONF: MallocConf = MallocConf(c"dirty_decay_ms:500".as_ptr());

/// A pointer to a constant C string, which jemalloc reads as its `malloc_conf`.
#[repr(transparent)]
struct MallocConf(*const std::ffi::c_char);

// SAFETY: the pointer is to a `'static` constant string that nothing writes.
unsafe impl Sync for MallocConf {}

/// jemalloc, or the system allocator in the trampoline (see the module's documentation).
pub(crate) struct PysbxAlloc;

#[inline]
fn system() -> bool {
    match CHOICE.load(Ordering::Relaxed) {
        SYSTEM => true,
        JEMALLOC => false,
        // The first allocation: fixes jemalloc unless the constructor chose first.
        _ => {
            match CHOICE.compare_exchange(UNDECIDED, JEMALLOC, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => false,
                Err(now) => now == SYSTEM,
            }
        }
    }
}

// SAFETY: every call goes to the allocator fixed by `system()`, which never changes once an
// allocation has been made, so each block is resized and freed by the allocator that gave it.
unsafe impl GlobalAlloc for PysbxAlloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { if system() { System.alloc(layout) } else { Jemalloc.alloc(layout) } }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe {
            if system() { System.alloc_zeroed(layout) } else { Jemalloc.alloc_zeroed(layout) }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees; `ptr` came from the same allocator.
        unsafe {
            if system() { System.dealloc(ptr, layout) } else { Jemalloc.dealloc(ptr, layout) }
        }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees; `ptr` came from the same allocator.
        unsafe {
            if system() {
                System.realloc(ptr, layout, new_size)
            } else {
                Jemalloc.realloc(ptr, layout, new_size)
            }
        }
    }
}

/// Run by the dynamic loader before `main` (glibc passes `argc`, `argv` and `envp` to
/// `.init_array` functions, as Rust's own runtime relies on): picks the system allocator for
/// the sandbox's commands and the trampoline. Allocates nothing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" fn choose(argc: c_int, argv: *const *const c_char, _envp: *const *const c_char) {
    if argc < 2 || argv.is_null() {
        return;
    }
    // SAFETY: the loader passes the process's argv, `argc` valid NUL-terminated strings.
    let first = unsafe { *argv.add(1) };
    if first.is_null() {
        return;
    }
    // SAFETY: as above, a NUL-terminated string that lives as long as the process.
    let first = unsafe { CStr::from_ptr(first) };
    decide(first.to_bytes());
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[used]
#[unsafe(link_section = ".init_array")]
static CHOOSE: extern "C" fn(c_int, *const *const c_char, *const *const c_char) = choose;

/// The same choice where `.init_array` functions get no arguments (musl): `argv[1]` is read
/// from `/proc/self/cmdline` into a buffer on the stack, with raw system calls. Without `/proc`
/// the process stays on jemalloc. Allocates nothing.
#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
extern "C" fn choose_from_cmdline() {
    use nix::libc;
    let mut buf = [0u8; 4096];
    // SAFETY: a NUL-terminated path; the descriptor is closed below.
    let fd =
        unsafe { libc::open(c"/proc/self/cmdline".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return;
    }
    // SAFETY: reads at most `buf.len()` bytes into `buf`.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
    // SAFETY: `fd` is the descriptor opened above, closed once.
    unsafe { libc::close(fd) };
    if let Some(first) = usize::try_from(n).ok().and_then(|n| second_argument(&buf[..n])) {
        decide(first);
    }
}

#[cfg(all(target_os = "linux", not(target_env = "gnu")))]
#[used]
#[unsafe(link_section = ".init_array")]
static CHOOSE_FROM_CMDLINE: extern "C" fn() = choose_from_cmdline;

/// `argv[1]` in the NUL-separated contents of `/proc/self/cmdline`, when the bytes read hold it
/// whole (a field cut off by the end of the buffer is no answer).
#[cfg_attr(
    not(any(test, all(target_os = "linux", not(target_env = "gnu")))),
    expect(dead_code, reason = "used where argv is read from /proc")
)]
fn second_argument(cmdline: &[u8]) -> Option<&[u8]> {
    let after_first = cmdline.iter().position(|&b| b == 0)? + 1;
    let rest = cmdline.get(after_first..)?;
    let len = rest.iter().position(|&b| b == 0)?;
    Some(&rest[..len])
}

/// Fixes the system allocator when `first` (the process's `argv[1]`) names a sandbox command.
fn decide(first: &[u8]) {
    if on_system(first) {
        // Fails, harmlessly, if something has already allocated: then jemalloc stays.
        let _ = CHOICE.compare_exchange(UNDECIDED, SYSTEM, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// Whether a process whose `argv[1]` is `arg` runs on the system allocator.
fn on_system(arg: &[u8]) -> bool {
    arg == pysbx_sandbox::trampoline::TRAMPOLINE_ARG.as_bytes()
        || matches!(arg, b"exec" | b"repl" | b"-i")
}

/// Which allocator this process uses, for tests: `true` for the system allocator.
#[cfg(test)]
fn uses_system() -> bool {
    system()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_process_runs_on_jemalloc() {
        // The test binary's argv[1] is not the trampoline's marker.
        assert!(!uses_system());
        assert_eq!(CHOICE.load(Ordering::Relaxed), JEMALLOC);
        let v: Vec<u64> = (0..1000).collect();
        assert_eq!(v.iter().sum::<u64>(), 499_500);
    }

    #[test]
    fn the_sandbox_commands_and_the_trampoline_run_on_the_system_allocator() {
        for arg in ["exec", "repl", "-i", pysbx_sandbox::trampoline::TRAMPOLINE_ARG] {
            assert!(on_system(arg.as_bytes()), "{arg}");
        }
        for arg in ["scan", "sanitize", "policy", "rules", "merge", "--help", "", "execx"] {
            assert!(!on_system(arg.as_bytes()), "{arg}");
        }
    }

    #[test]
    fn the_second_argument_is_read_whole_from_the_command_line() {
        assert_eq!(second_argument(b"/usr/bin/pysbx\0exec\0hello.py\0"), Some(&b"exec"[..]));
        assert_eq!(second_argument(b"pysbx\0\0"), Some(&b""[..]));
        // Cut off by the end of the buffer: "exec" of "execx" must not count.
        assert_eq!(second_argument(b"pysbx\0exec"), None);
        assert_eq!(second_argument(b"pysbx\0"), None);
        assert_eq!(second_argument(b"pysbx"), None);
        assert_eq!(second_argument(b""), None);
    }
}
