//! Mounts inside the child's mount namespace: a private `/proc` for its pid namespace, a
//! size-capped tmpfs for the working directory and TMPDIR, and reachability of the
//! interpreter (and other granted paths) for the unprivileged sandbox uid.
//!
//! Reachability: `/root` is usually mode 700, so after the uid drop the interpreter under
//! `/root/.pyenv` could not be reached, and an exec by name would silently fall back to another
//! Python. Instead of exposing `/root`, the topmost ancestor the sandbox uid cannot traverse is
//! covered with an empty tmpfs (mode 755) into which only the granted paths are bind-mounted at
//! their original locations. Paths stay identical (so `sys.prefix` and RPATHs hold), and the
//! rest of `/root` is hidden.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::mount::{MsFlags, mount};

fn err(what: &str, path: &Path, e: nix::Error) -> String {
    format!("{what} {}: {}", path.display(), e.desc())
}

/// Stops mount events from propagating back to the host.
pub(crate) fn make_private() -> Result<(), String> {
    mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None::<&str>)
        .map_err(|e| err("make-private", Path::new("/"), e))
}

/// Mounts a fresh procfs showing only the sandbox's pid namespace.
pub(crate) fn mount_proc() -> Result<(), String> {
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    mount(Some("proc"), "/proc", Some("proc"), flags, Some("hidepid=0"))
        .or_else(|_| mount(Some("proc"), "/proc", Some("proc"), flags, None::<&str>))
        .map_err(|e| err("mount proc on", Path::new("/proc"), e))
}

/// Entries (inodes, and the extra names of hard links) a sandbox tmpfs holds per MiB of its
/// size: two per 4 KiB page. An empty file, a directory, a named pipe or a short symbolic link
/// takes no page of the size cap but about 1 KiB of the host's kernel memory, which no rlimit
/// counts: a tmpfs's default of half the machine's pages let a program make millions of them
/// (1.2 million, 1.2 GiB of the host's memory, within a 10 s CPU limit). A file with data
/// takes a page at least, so only entries without data meet the count.
const INODES_PER_MIB: u64 = 512;

/// The mount options of a sandbox tmpfs: its size cap and the entries it may hold.
fn tmpfs_options(size_mb: u64, mode: &str) -> String {
    let inodes = size_mb.saturating_mul(INODES_PER_MIB);
    format!("size={size_mb}m,nr_inodes={inodes},mode={mode}")
}

/// Where POSIX shared memory and named semaphores live (`shm_open`, `sem_open`).
pub(crate) const SHM: &str = "/dev/shm";

/// Mounts a private, size-capped tmpfs on `/dev/shm` (mode 1777, like the host's), so that
/// `multiprocessing`'s locks, queues and `shared_memory` work without the host's directory,
/// which other users' programs share. Returns whether it was mounted (no `/dev/shm`, none).
pub(crate) fn private_shm(size_mb: u64) -> Result<bool, String> {
    let shm = Path::new(SHM);
    if !shm.is_dir() {
        return Ok(false);
    }
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let data = tmpfs_options(size_mb, "1777");
    mount(Some("tmpfs"), shm, Some("tmpfs"), flags, Some(data.as_str()))
        .map_err(|e| err("mount tmpfs on", shm, e))?;
    Ok(true)
}

/// Covers `dir` with an empty tmpfs nothing can be made in (a few entries, no data), so that
/// the sockets of the services listening there cannot be named: a UNIX socket is reached by
/// its path, which neither Landlock nor the network namespace judges.
pub(crate) fn mask(dir: &Path) -> Result<(), String> {
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC | MsFlags::MS_RDONLY;
    mount(Some("tmpfs"), dir, Some("tmpfs"), flags, Some("size=4k,nr_inodes=1,mode=0755"))
        .map_err(|e| err("mount tmpfs on", dir, e))
}

/// Covers the UNIX socket at `path` with `/dev/null`, read-only, so that connecting to it
/// fails (`ECONNREFUSED`: what the path names is no longer a socket).
pub(crate) fn cover_socket(path: &Path) -> Result<(), String> {
    let null = Path::new("/dev/null");
    mount(Some(null), path, None::<&str>, MsFlags::MS_BIND, None::<&str>)
        .map_err(|e| err("bind /dev/null on", path, e))?;
    let flags = MsFlags::MS_BIND
        | MsFlags::MS_REMOUNT
        | MsFlags::MS_RDONLY
        | MsFlags::MS_NOSUID
        | MsFlags::MS_NOEXEC;
    mount(None::<&str>, path, None::<&str>, flags, None::<&str>)
        .map_err(|e| err("make read-only", path, e))
}

/// Mounts the private tmpfs on `dir` and creates `work` and `tmp` in it, owned by `owner`.
pub(crate) fn private_tmpfs(
    dir: &Path,
    size_mb: u64,
    owner: Option<(u32, u32)>,
    subdirs: &[&Path],
) -> Result<(), String> {
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    let data = tmpfs_options(size_mb, "0755");
    mount(Some("tmpfs"), dir, Some("tmpfs"), flags, Some(data.as_str()))
        .map_err(|e| err("mount tmpfs on", dir, e))?;
    for sub in subdirs {
        std::fs::create_dir_all(sub).map_err(|e| format!("mkdir {}: {e}", sub.display()))?;
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(sub, Some(uid), Some(gid))
                .map_err(|e| format!("chown {}: {e}", sub.display()))?;
        }
        std::fs::set_permissions(sub, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("chmod {}: {e}", sub.display()))?;
    }
    Ok(())
}

/// Whether `user` (uid, gid; no supplementary groups) may traverse a directory with `meta`.
fn traversable(meta: &std::fs::Metadata, user: (u32, u32)) -> bool {
    let bit = if meta.uid() == user.0 {
        0o100
    } else if meta.gid() == user.1 {
        0o010
    } else {
        0o001
    };
    meta.mode() & bit != 0
}

/// Mounts an overlay on the private working directory `work` whose lower layer is `lower`:
/// the program sees `lower`'s files and changes them in copies kept in `private` (the
/// size-capped tmpfs), never in `lower`. The upper layer belongs to `owner`, so the working
/// directory is the program's as before. Returns `Ok(false)` for a path overlayfs options
/// cannot carry (a comma, a colon, a backslash). `noexec`: no file of it may be mapped as
/// code, as the private directories (a file the program writes there is native code it could
/// load; Landlock's execute right covers `execve`, not `mmap`). Each name of `hidden` is
/// covered by a whiteout in the upper layer, so the view shows nothing of those entries of
/// `lower` (see [`crate::confine::hidden`]); a whiteout the kernel refuses fails the mount.
pub(crate) fn overlay_workdir(
    lower: &Path,
    work: &Path,
    private: &Path,
    owner: Option<(u32, u32)>,
    noexec: bool,
    hidden: &[std::ffi::OsString],
) -> Result<bool, String> {
    let Some(lower_text) = lower.to_str().filter(|t| !t.contains([',', ':', '\\'])) else {
        return Ok(false);
    };
    let upper = private.join(".upper");
    let scratch = private.join(".overlay-work");
    for dir in [&upper, &scratch] {
        std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("chmod {}: {e}", dir.display()))?;
    }
    for name in hidden {
        // A whiteout is a character device numbered 0:0, which the kernel lets any user make
        // (Linux 5.8) for this purpose.
        let path = upper.join(name);
        nix::sys::stat::mknod(
            &path,
            nix::sys::stat::SFlag::S_IFCHR,
            nix::sys::stat::Mode::empty(),
            nix::sys::stat::makedev(0, 0),
        )
        .map_err(|e| format!("whiteout {}: {}", path.display(), e.desc()))?;
    }
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&upper, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", upper.display()))?;
    }
    let (Some(upper_text), Some(scratch_text)) = (upper.to_str(), scratch.to_str()) else {
        return Ok(false);
    };
    let data = format!("lowerdir={lower_text},upperdir={upper_text},workdir={scratch_text}");
    let mut flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
    if noexec {
        flags |= MsFlags::MS_NOEXEC;
    }
    // `redirect_dir=on` lets a directory of the lower layer be renamed (without it overlayfs
    // answers EXDEV, which `os.rename` of a directory shipped beside the script does not
    // expect); the redirects are written in the private upper layer. A kernel or a user
    // namespace that refuses the option gets the plain overlay.
    let redirecting = format!("{data},redirect_dir=on");
    if mount(Some("overlay"), work, Some("overlay"), flags, Some(redirecting.as_str())).is_ok() {
        return Ok(true);
    }
    mount(Some("overlay"), work, Some("overlay"), flags, Some(data.as_str()))
        .map_err(|e| err("overlay on", work, e))?;
    Ok(true)
}

/// The topmost proper ancestor of `path` that `user` (the sandbox uid) cannot traverse.
fn blocking_ancestor(path: &Path, user: (u32, u32)) -> Option<PathBuf> {
    let mut current = PathBuf::new();
    let mut components = path.components().peekable();
    while let Some(c) = components.next() {
        current.push(c);
        if components.peek().is_none() {
            break;
        }
        match std::fs::metadata(&current) {
            Ok(m) if m.is_dir() && !traversable(&m, user) => return Some(current),
            _ => {}
        }
    }
    None
}

/// Makes every path in `paths` reachable by `user` (the unprivileged sandbox uid and gid),
/// masking each blocking ancestor with a tmpfs that holds only the granted paths. `stage` is a
/// scratch directory on a mount pysbx owns. Returns the masked ancestors.
pub(crate) fn reach(
    paths: &[PathBuf],
    stage: &Path,
    user: (u32, u32),
) -> Result<Vec<PathBuf>, String> {
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for p in paths {
        if !p.exists() {
            continue;
        }
        if let Some(anc) = blocking_ancestor(p, user) {
            groups.entry(anc).or_default().push(p.clone());
        }
    }
    let mut masked = Vec::new();
    for (n, (anc, mut members)) in groups.into_iter().enumerate() {
        members.sort();
        // A member inside another member comes with it.
        members.dedup_by(|b, a| b.starts_with(a.as_path()));
        let mut staged = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let point = stage.join(format!("{n}-{i}"));
            if member.is_dir() {
                std::fs::create_dir_all(&point)
            } else {
                std::fs::write(&point, b"")
            }
            .map_err(|e| format!("stage {}: {e}", point.display()))?;
            mount(
                Some(member.as_path()),
                &point,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(|e| err("bind", member, e))?;
            staged.push((member.clone(), point));
        }
        let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
        mount(Some("tmpfs"), &anc, Some("tmpfs"), flags, Some("size=1m,mode=0755"))
            .map_err(|e| err("mask", &anc, e))?;
        for (member, point) in staged {
            if point.is_dir() {
                std::fs::create_dir_all(&member)
            } else {
                if let Some(parent) = member.parent() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| format!("mkdir {}: {e}", parent.display()))?;
                }
                std::fs::write(&member, b"")
            }
            .map_err(|e| format!("mount point {}: {e}", member.display()))?;
            mount(Some(point.as_path()), &member, None::<&str>, MsFlags::MS_MOVE, None::<&str>)
                .map_err(|e| err("move", &member, e))?;
        }
        masked.push(anc);
    }
    Ok(masked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocking_ancestor_finds_the_topmost_closed_directory() {
        let dir = tempfile::tempdir().unwrap();
        let closed = dir.path().join("closed");
        let inner = closed.join("a/b");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
        let sandbox = (0x6000_0000, 0x6000_0000);
        // Ancestors of the temporary directory itself (/tmp) are open.
        assert_eq!(blocking_ancestor(&inner, sandbox), Some(closed.clone()));
        // The path itself is not its own ancestor.
        assert_eq!(blocking_ancestor(&closed, sandbox), None);
        // A directory lent to the sandbox uid (shown as its own) is open to it, by the owner's
        // bits: the owner here is the test's own uid.
        let me = std::fs::metadata(&closed).map(|m| (m.uid(), m.gid())).unwrap();
        assert_eq!(blocking_ancestor(&inner, me), None);
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o070)).unwrap();
        assert_eq!(blocking_ancestor(&inner, me), Some(closed.clone()));
        assert_eq!(blocking_ancestor(&inner, (me.0 + 1, me.1)), None);
    }
}
