//! Lending the script's directory to the sandbox uid, read-only.
//!
//! When pysbx runs as root the program runs as a per-run uid, but the script usually sits in a
//! directory only its owner may enter: `mktemp -d`, Python's `tempfile.mkdtemp` and Rust's
//! `tempfile` make them mode 700, a umask of 077 makes every file 600, and `/root` is 700. The
//! policy grants the script's directory for reading (Python puts it first on `sys.path`), yet
//! the kernel's file permissions kept the program from importing the modules beside it, from
//! opening its own `__file__`, and kept tracebacks and warnings from showing source lines.
//!
//! The directory is therefore bind-mounted over itself as an *idmapped* mount (Linux 5.12) on
//! which the files of the directory's owner appear owned by the sandbox uid (and its group by
//! the sandbox gid), so that the owner's permission bits are the ones that apply. The mount is
//! read-only, without set-uid or devices: the apparent ownership would otherwise let the program
//! change modes, times or extended attributes of the owner's files, which Landlock does not
//! cover. Nothing on the disk changes, and only this mount in the child's mount namespace sees
//! the mapping. Landlock still limits reads to the granted paths, so the lending widens nothing
//! the policy did not grant: it makes root's run read what a user's own run (which keeps the
//! user's uid) already reads.
//!
//! The same detached-tree calls mount a directory over itself `noexec` ([`no_code`]): the
//! script's directory and the write paths, where nothing may be mapped as code without `ffi`.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::sys::{self, Forked};

/// Whether lending `dir` could take write access from a path the policy lets the program write:
/// the lent mount is read-only and takes the whole tree below `dir` with it.
pub(crate) fn overlaps_writes(dir: &Path, writes: &[std::path::PathBuf]) -> bool {
    writes.iter().any(|w| w.starts_with(dir) || dir.starts_with(w))
}

/// Lends `dir` read-only to `to` (uid, gid). Returns `Ok(false)` when there is nothing to lend
/// (the directory is missing, is `/`, or already belongs to `to`).
pub(crate) fn lend(dir: &Path, to: (u32, u32)) -> Result<bool, String> {
    let meta = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => m,
        _ => return Ok(false),
    };
    if dir.parent().is_none() || (meta.uid(), meta.gid()) == to {
        return Ok(false);
    }
    let userns = mapping_namespace((meta.uid(), meta.gid()), to)?;
    let path = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| format!("{}: a NUL byte in the path", dir.display()))?;
    let tree = open_tree_clone(&path).map_err(|e| format!("clone {}: {e}", dir.display()))?;
    set_idmap(&tree, &userns).map_err(|e| format!("idmap {}: {e}", dir.display()))?;
    move_onto(&tree, &path).map_err(|e| format!("mount {}: {e}", dir.display()))?;
    Ok(true)
}

/// Mounts `dir` over itself (the lent mount, when it was lent) `noexec`: no file there may be
/// mapped as code. Landlock's execute right covers `execve`, not `mmap`, and the loaders that
/// bypass the guard's judgement of native files (Tcl's `load`, OpenSSL's engines, a JIT) map a
/// shared object shipped beside the script as any library is mapped.
pub(crate) fn no_code(dir: &Path) -> Result<(), String> {
    let path = CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| format!("{}: a NUL byte in the path", dir.display()))?;
    let tree = open_tree_clone(&path).map_err(|e| format!("clone {}: {e}", dir.display()))?;
    set_attrs(&tree, libc::MOUNT_ATTR_NOEXEC, 0, None)
        .map_err(|e| format!("noexec {}: {e}", dir.display()))?;
    move_onto(&tree, &path).map_err(|e| format!("mount {}: {e}", dir.display()))
}

/// A user namespace whose only uid and gid map `from` to `to`: the mapping an idmapped mount
/// takes. A forked helper creates it and waits, killed once its namespace is open.
fn mapping_namespace(from: (u32, u32), to: (u32, u32)) -> Result<OwnedFd, String> {
    let (ready_r, ready_w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| format!("pipe: {}", e.desc()))?;
    let child = match sys::fork().map_err(|e| format!("fork: {e}"))? {
        Forked::Child => {
            // Only system calls from here: the child of a fork.
            #[expect(unsafe_code, reason = "raw system calls in a forked child")]
            // SAFETY: plain system calls on integers and a one-byte buffer that lives on the
            // stack; the child never returns.
            unsafe {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                let ok = [u8::from(libc::unshare(libc::CLONE_NEWUSER) == 0)];
                libc::write(ready_w.as_raw_fd(), ok.as_ptr().cast(), 1);
                loop {
                    libc::pause();
                }
            }
        }
        Forked::Parent(pid) => pid,
    };
    drop(ready_w);
    let result = (|| {
        let mut byte = [0u8; 1];
        let n =
            nix::unistd::read(&ready_r, &mut byte).map_err(|e| format!("read: {}", e.desc()))?;
        if n != 1 || byte[0] != 1 {
            return Err("the kernel refused a user namespace".to_string());
        }
        let proc_dir = format!("/proc/{pid}", pid = child.as_raw());
        std::fs::write(format!("{proc_dir}/uid_map"), format!("{} {} 1\n", from.0, to.0))
            .map_err(|e| format!("uid_map: {e}"))?;
        std::fs::write(format!("{proc_dir}/gid_map"), format!("{} {} 1\n", from.1, to.1))
            .map_err(|e| format!("gid_map: {e}"))?;
        std::fs::File::open(format!("{proc_dir}/ns/user"))
            .map(OwnedFd::from)
            .map_err(|e| format!("open the user namespace: {e}"))
    })();
    let _ = nix::sys::signal::kill(child, nix::sys::signal::Signal::SIGKILL);
    let _ = nix::sys::wait::waitpid(child, None);
    result
}

/// `open_tree(OPEN_TREE_CLONE | AT_RECURSIVE)`: a detached copy of the mounts at `path`.
fn open_tree_clone(path: &CString) -> std::io::Result<OwnedFd> {
    let flags = libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_RECURSIVE as u32;
    #[expect(unsafe_code, reason = "open_tree has no wrapper in nix")]
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, path.as_ptr(), flags) };
    let fd = i32::try_from(checked(fd)?)
        .map_err(|_| std::io::Error::other("descriptor out of range"))?;
    #[expect(unsafe_code, reason = "adopting the descriptor open_tree returned")]
    // SAFETY: the kernel just returned this descriptor, which nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Marks the detached tree idmapped through `userns`, read-only, without set-uid or devices.
fn set_idmap(tree: &OwnedFd, userns: &OwnedFd) -> std::io::Result<()> {
    set_attrs(
        tree,
        libc::MOUNT_ATTR_IDMAP
            | libc::MOUNT_ATTR_RDONLY
            | libc::MOUNT_ATTR_NOSUID
            | libc::MOUNT_ATTR_NODEV,
        0,
        Some(userns),
    )
}

/// Makes every mount of the namespace read-only, then binds each of `writable` (the write
/// paths, the private directory, `/dev`) over itself writable again. Without root the program
/// keeps the user's uid and owns the user's files, wherever they are, and the owner-only calls
/// (`chmod`, `chown`, `utimes`, extended attributes) are not covered by Landlock: on a
/// read-only mount they fail with `EROFS`, whoever makes them. Nothing Landlock lets the
/// program write lies elsewhere. A path of `writable` that does not exist is left out.
pub(crate) fn read_only_tree(writable: &[std::path::PathBuf]) -> Result<(), String> {
    let root = c"/";
    #[expect(unsafe_code, reason = "mount_setattr has no wrapper in nix")]
    // SAFETY: `attr` and `root` live across the call, whose size argument is `attr`'s.
    let rc = unsafe {
        let attr = libc::mount_attr {
            attr_set: libc::MOUNT_ATTR_RDONLY,
            attr_clr: 0,
            propagation: 0,
            userns_fd: 0,
        };
        libc::syscall(
            libc::SYS_mount_setattr,
            libc::AT_FDCWD,
            root.as_ptr(),
            libc::AT_RECURSIVE,
            &raw const attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    checked(rc).map_err(|e| format!("read-only /: {e}"))?;
    for w in writable {
        if std::fs::symlink_metadata(w).is_err() {
            continue;
        }
        let target = CString::new(w.as_os_str().as_bytes())
            .map_err(|_| format!("{}: a NUL byte in the path", w.display()))?;
        let tree = open_tree_clone(&target).map_err(|e| format!("clone {}: {e}", w.display()))?;
        set_attrs(&tree, 0, libc::MOUNT_ATTR_RDONLY, None)
            .map_err(|e| format!("writable {}: {e}", w.display()))?;
        move_onto(&tree, &target).map_err(|e| format!("mount {}: {e}", w.display()))?;
    }
    Ok(())
}

/// Sets and clears mount attributes on every mount of the detached tree.
fn set_attrs(
    tree: &OwnedFd,
    set: u64,
    clear: u64,
    userns: Option<&OwnedFd>,
) -> std::io::Result<()> {
    let attr = libc::mount_attr {
        attr_set: set,
        attr_clr: clear,
        propagation: 0,
        userns_fd: userns.map_or(0, |u| u64::try_from(u.as_raw_fd()).unwrap_or(u64::MAX)),
    };
    let empty = c"";
    #[expect(unsafe_code, reason = "mount_setattr has no wrapper in nix")]
    // SAFETY: `attr` and `empty` live across the call, whose size argument is `attr`'s.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            tree.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_EMPTY_PATH | libc::AT_RECURSIVE,
            &raw const attr,
            std::mem::size_of::<libc::mount_attr>(),
        )
    };
    checked(rc).map(drop)
}

/// Attaches the detached tree at `target`, over what is mounted there.
fn move_onto(tree: &OwnedFd, target: &CString) -> std::io::Result<()> {
    let empty = c"";
    #[expect(unsafe_code, reason = "move_mount has no wrapper in nix")]
    // SAFETY: both strings are NUL-terminated and outlive the call.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree.as_raw_fd(),
            empty.as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    checked(rc).map(drop)
}

/// A raw system call's result: the error `errno` names when it is negative.
fn checked(rc: libc::c_long) -> std::io::Result<libc::c_long> {
    if rc < 0 { Err(std::io::Error::last_os_error()) } else { Ok(rc) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn a_write_path_inside_or_around_the_directory_overlaps() {
        let dir = Path::new("/srv/proj");
        assert!(overlaps_writes(dir, &[PathBuf::from("/srv/proj/out")]));
        assert!(overlaps_writes(dir, &[PathBuf::from("/srv")]));
        assert!(overlaps_writes(dir, &[PathBuf::from("/srv/proj")]));
        assert!(!overlaps_writes(dir, &[PathBuf::from("/srv/project"), PathBuf::from("/tmp")]));
    }
}
