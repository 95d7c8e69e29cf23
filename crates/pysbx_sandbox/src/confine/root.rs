//! `fs.root`: a chosen directory shown to the program as `/`.
//!
//! Stage B builds the new tree in its mount namespace: a small tmpfs holds an overlay whose
//! lower layer is the chosen directory (read-only to the overlay, so nothing is ever written
//! into it) and whose upper layer receives only the mount points pysbx creates. Onto it go, at
//! their real paths, every path the plan grants (the interpreter's runtime read-only, so
//! `sys.prefix` stays true; the working directory and TMPDIR and `fs.write` read-write; the
//! device files), and a fresh `/proc`. Then `pivot_root` makes the overlay `/` and the old root
//! is detached: paths outside the new tree do not exist for the program at all.
//!
//! Mount points are created and opened below the new root with `openat2` refusing symbolic
//! links, so a link in the chosen directory can never send a mount (or a `mkdir`) outside it; a
//! granted path whose place in the chosen tree is a link is left out and reported.

use std::ffi::OsStr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Component, Path, PathBuf};

use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sys::stat::Mode;

/// The kernel's `ST_RELATIME` mount flag (as `statvfs` reports it), which nix names only for
/// glibc: musl's headers leave it out.
const ST_RELATIME: nix::sys::statvfs::FsFlags =
    nix::sys::statvfs::FsFlags::from_bits_retain(0x1000);

/// What stage B shows under the new root.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct RootPlan {
    /// The chosen directory (a host path).
    pub(crate) dir: PathBuf,
    /// Host paths shown at the same path; `true` when writable.
    pub(crate) binds: Vec<(PathBuf, bool)>,
}

/// Fits the plan to `fs.root`: the bind list and read access to the whole new tree.
pub(crate) fn adjust(plan: &mut crate::plan::Plan, dir: Option<&Path>) {
    let Some(dir) = dir else { return };
    let c = &plan.confine;
    let mut binds: Vec<(PathBuf, bool)> = Vec::new();
    let readonly = c.read.iter().chain(&c.execute).chain(&plan.reach).chain(&c.devices);
    for p in readonly {
        if p.parent().is_some() && !p.starts_with("/proc") {
            binds.push((p.clone(), false));
        }
    }
    for p in &c.write {
        binds.push((p.clone(), true));
    }
    // Parents before children; a read-only path already inside a bound tree comes with it.
    binds.sort();
    binds.dedup();
    let mut kept: Vec<(PathBuf, bool)> = Vec::new();
    for (p, w) in binds {
        if !w && kept.iter().any(|(k, _)| p.starts_with(k)) {
            continue;
        }
        kept.retain(|(k, kw)| k != &p || *kw);
        kept.push((p, w));
    }
    plan.confine.read.push(PathBuf::from("/"));
    plan.root = Some(RootPlan { dir: dir.to_path_buf(), binds: kept });
}

fn err(what: &str, path: &Path, e: nix::Error) -> String {
    format!("{what} {}: {}", path.display(), e.desc())
}

/// Builds the new tree under `stage` (a directory on a mount pysbx owns) and pivots into it.
/// Returns the granted paths left out because the chosen tree has a link in their place.
pub(crate) fn pivot(root: &RootPlan, stage: &Path, with_proc: bool) -> Result<Vec<String>, String> {
    if !root.dir.is_dir() {
        return Err(format!("fs.root {}: not a directory", root.dir.display()));
    }
    std::fs::create_dir_all(stage).map_err(|e| format!("mkdir {}: {e}", stage.display()))?;
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV;
    mount(Some("tmpfs"), stage, Some("tmpfs"), flags, Some("size=8m,mode=0755"))
        .map_err(|e| err("mount tmpfs on", stage, e))?;
    let (upper, work, new) = (stage.join("upper"), stage.join("work"), stage.join("new"));
    for d in [&upper, &work, &new] {
        std::fs::create_dir(d).map_err(|e| format!("mkdir {}: {e}", d.display()))?;
    }
    let options = format!(
        "lowerdir={},upperdir={},workdir={}",
        root.dir.display(),
        upper.display(),
        work.display()
    );
    mount(Some("overlay"), &new, Some("overlay"), flags, Some(options.as_str()))
        .map_err(|e| err("mount overlay of", &root.dir, e))?;
    let top = std::fs::File::open(&new).map_err(|e| format!("open {}: {e}", new.display()))?;
    let top = OwnedFd::from(top);
    let mut skipped = Vec::new();
    for (path, writable) in &root.binds {
        let Ok(meta) = std::fs::metadata(path) else { continue };
        let point = match mount_point(&top, path, meta.is_dir()) {
            Ok(fd) => fd,
            Err(Placement::Link) => {
                skipped.push(path.display().to_string());
                continue;
            }
            Err(Placement::Failed(e)) => {
                return Err(format!("mount point {}: {e}", path.display()));
            }
        };
        let target = PathBuf::from(format!("/proc/self/fd/{}", point.as_raw_fd()));
        mount(
            Some(path.as_path()),
            &target,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| err("bind", path, e))?;
        if !writable {
            read_only(&new.join(path.strip_prefix("/").unwrap_or(path)), path)?;
        }
    }
    let proc = mount_point(&top, Path::new("/proc"), true).map_err(|e| match e {
        Placement::Link => "the root's /proc is a symbolic link".to_string(),
        Placement::Failed(e) => format!("mount point /proc: {e}"),
    })?;
    let proc_target = PathBuf::from(format!("/proc/self/fd/{}", proc.as_raw_fd()));
    let pflags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    if with_proc {
        mount(Some("proc"), &proc_target, Some("proc"), pflags, None::<&str>)
            .map_err(|e| err("mount proc in", &root.dir, e))?;
    }
    drop((top, proc));
    std::env::set_current_dir(&new).map_err(|e| format!("chdir {}: {e}", new.display()))?;
    nix::unistd::pivot_root(".", ".").map_err(|e| err("pivot_root into", &root.dir, e))?;
    umount2(".", MntFlags::MNT_DETACH)
        .map_err(|e| err("detach the old root from", &root.dir, e))?;
    std::env::set_current_dir("/").map_err(|e| format!("chdir /: {e}"))?;
    Ok(skipped)
}

/// Remounts the bind at `at` (seen from the current root) read-only, keeping the flags the
/// kernel locks on it.
fn read_only(at: &Path, shown: &Path) -> Result<(), String> {
    let st = nix::sys::statvfs::statvfs(at).map_err(|e| err("statvfs", shown, e))?;
    let f = st.flags();
    use nix::sys::statvfs::FsFlags;
    let mut flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
    for (have, keep) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
        (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
        (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
        (ST_RELATIME, MsFlags::MS_RELATIME),
    ] {
        if f.contains(have) {
            flags |= keep;
        }
    }
    mount(None::<&str>, at, None::<&str>, flags, None::<&str>)
        .map_err(|e| err("read-only", shown, e))
}

enum Placement {
    /// The chosen tree has a symbolic link on the way.
    Link,
    Failed(String),
}

/// Opens (creating when missing) the place of `path` below `top` as an `O_PATH` descriptor,
/// never following a symbolic link.
fn mount_point(top: &OwnedFd, path: &Path, dir: bool) -> Result<OwnedFd, Placement> {
    let parts: Vec<&OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p),
            _ => None,
        })
        .collect();
    let how = || {
        OpenHow::new()
            .flags(OFlag::O_PATH | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW)
            .resolve(ResolveFlag::RESOLVE_NO_SYMLINKS | ResolveFlag::RESOLVE_BENEATH)
    };
    let mut current =
        top.as_fd().try_clone_to_owned().map_err(|e| Placement::Failed(e.to_string()))?;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let next = match openat2(&current, *part, how()) {
            Ok(fd) => fd,
            Err(nix::Error::ENOENT) => {
                let created = if last && !dir {
                    nix::fcntl::openat(
                        &current,
                        *part,
                        OFlag::O_CREAT
                            | OFlag::O_EXCL
                            | OFlag::O_WRONLY
                            | OFlag::O_NOFOLLOW
                            | OFlag::O_CLOEXEC,
                        Mode::from_bits_truncate(0o644),
                    )
                    .map(drop)
                } else {
                    nix::sys::stat::mkdirat(&current, *part, Mode::from_bits_truncate(0o755))
                };
                created.map_err(|e| Placement::Failed(e.desc().to_string()))?;
                openat2(&current, *part, how())
                    .map_err(|e| Placement::Failed(e.desc().to_string()))?
            }
            Err(nix::Error::ELOOP | nix::Error::EXDEV) => return Err(Placement::Link),
            Err(e) => return Err(Placement::Failed(e.desc().to_string())),
        };
        let st =
            nix::sys::stat::fstat(&next).map_err(|e| Placement::Failed(e.desc().to_string()))?;
        let kind = st.st_mode & libc::S_IFMT;
        if kind == libc::S_IFLNK {
            return Err(Placement::Link);
        }
        if (!last || dir) && kind != libc::S_IFDIR {
            return Err(Placement::Failed("a file stands where a directory is needed".into()));
        }
        current = next;
    }
    Ok(current)
}
