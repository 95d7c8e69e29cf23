//! Output files of a sandboxed run, whose place is fixed before the run starts.
//!
//! `pysbx exec` writes the program's output value, the learned policy and the event sinks
//! after the program has ended, often into a directory the program could write (its working
//! directory, a write path, the script's directory of a learn run). A path resolved only then
//! leads wherever the program made it lead: a link put in the place of the file, or of a
//! directory on the way, had pysbx (as root) write a file the program chose. A
//! [`PinnedTarget`] resolves the path before the run (the user's own links are followed
//! then), holds the directory by a descriptor, and at the end creates a temporary file in that
//! directory and renames it over the name, which replaces a link rather than following it.

use std::ffi::OsString;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use nix::fcntl::AtFlags;
use nix::fcntl::{OFlag, openat, renameat};
use nix::sys::stat::{Mode, SFlag, fchmod, fstat, fstatat};
use nix::unistd::{UnlinkatFlags, unlinkat};

/// An output file whose directory was opened before the sandbox started; see the module docs.
#[derive(Debug)]
pub struct PinnedTarget {
    /// The path as the user gave it, for messages.
    path: PathBuf,
    /// The deepest directory of the path that existed when it was pinned.
    dir: OwnedFd,
    /// The directories below `dir` that did not exist yet, then the file's name.
    rest: Vec<OsString>,
    /// A device, FIFO or terminal that existed (written into, never replaced): its device and
    /// inode, which the file opened at the end must still have.
    stream: Option<(u64, u64)>,
}

impl PinnedTarget {
    /// Resolves `path` now: links that exist are followed (a link to a report stays a link,
    /// and the report it names is replaced), and the deepest existing directory is opened.
    ///
    /// # Errors
    /// The path has no file name or climbs with `..` below its existing part, or the
    /// directory cannot be opened.
    pub fn pin(path: &Path) -> std::io::Result<Self> {
        let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, why);
        let stream = match std::fs::metadata(path) {
            Ok(meta) if !meta.is_file() && !meta.is_dir() => Some((meta.dev(), meta.ino())),
            _ => None,
        };
        let resolved = match std::fs::canonicalize(path) {
            Ok(real) => real,
            Err(_) => std::path::absolute(path)?,
        };
        // The deepest existing ancestor, resolved; what lies below it is created later.
        let mut base = resolved.as_path();
        let mut rest = Vec::new();
        let dir_path = loop {
            let Some(parent) = base.parent() else {
                return Err(invalid("the path names no file"));
            };
            let Some(name) = base.file_name() else {
                return Err(invalid("the path names no file"));
            };
            rest.push(name.to_os_string());
            match std::fs::metadata(parent) {
                Ok(meta) if meta.is_dir() => break std::fs::canonicalize(parent)?,
                Ok(_) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::NotADirectory,
                        format!("{} is not a directory", parent.display()),
                    ));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => base = parent,
                Err(e) => return Err(e),
            }
        };
        rest.reverse();
        if Path::new(&rest.iter().collect::<PathBuf>())
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(invalid("the path climbs with `..` past the directories that exist"));
        }
        let dir = openat(
            nix::fcntl::AT_FDCWD,
            &dir_path,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self { path: path.to_path_buf(), dir, rest, stream })
    }

    /// The path as the user gave it.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes`: into the device, FIFO or terminal that was there when pinned (the same
    /// one), or else to a temporary file in the pinned directory renamed over the name.
    /// Directories below the pinned one are walked without following links and never created.
    ///
    /// # Errors
    /// A directory on the way is gone or a link, the stream is no longer the one pinned, or the
    /// write or the rename failed.
    pub fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        let Some((name, dirs)) = self.rest.split_last() else {
            return Err(std::io::Error::other("the path names no file"));
        };
        let mut walked: Option<OwnedFd> = None;
        for part in dirs {
            let next = openat(
                walked.as_ref().unwrap_or(&self.dir),
                part.as_os_str(),
                OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )?;
            walked = Some(next);
        }
        let dir = walked.as_ref().unwrap_or(&self.dir);
        if let Some((dev, ino)) = self.stream {
            let fd = openat(
                dir,
                name.as_os_str(),
                OFlag::O_WRONLY | OFlag::O_NOCTTY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )?;
            let st = fstat(&fd)?;
            if (st.st_dev, st.st_ino) != (dev, ino) {
                return Err(std::io::Error::other(
                    "the file at that path was replaced while the program ran",
                ));
            }
            return std::fs::File::from(fd).write_all(bytes);
        }
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".pysbx-{}.tmp", std::process::id()));
        // The mode of the file replaced, as a report written elsewhere keeps it; a new file
        // gets what the umask leaves of 0666.
        let kept = fstatat(dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
            .ok()
            .filter(|st| SFlag::from_bits_truncate(st.st_mode) & SFlag::S_IFMT == SFlag::S_IFREG)
            .map(|st| Mode::from_bits_truncate(st.st_mode & 0o7777));
        let fd = openat(
            dir,
            tmp_name.as_os_str(),
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            kept.unwrap_or(Mode::from_bits_truncate(0o666)),
        )?;
        if let Some(mode) = kept {
            fchmod(&fd, mode)?;
        }
        let written = std::fs::File::from(fd).write_all(bytes).and_then(|()| {
            renameat(dir, tmp_name.as_os_str(), dir, name.as_os_str()).map_err(Into::into)
        });
        if written.is_err() {
            let _ = unlinkat(dir, tmp_name.as_os_str(), UnlinkatFlags::NoRemoveDir);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_put_in_the_files_place_after_pinning_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.sh");
        std::fs::write(&outside, "kept\n").unwrap();
        let out = dir.path().join("result.json");
        let pinned = PinnedTarget::pin(&out).unwrap();
        std::os::unix::fs::symlink(&outside, &out).unwrap();
        pinned.write(b"{}\n").unwrap();
        assert_eq!(std::fs::read_to_string(&outside).unwrap(), "kept\n");
        assert!(!std::fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "{}\n");
    }

    #[test]
    fn a_directory_swapped_for_a_link_after_pinning_is_not_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let pinned = PinnedTarget::pin(&sub.join("result.json")).unwrap();
        std::fs::remove_dir(&sub).unwrap();
        std::os::unix::fs::symlink(&elsewhere, &sub).unwrap();
        assert!(pinned.write(b"{}\n").is_err());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        // A directory still to be made when pinned is walked without following a link.
        let later = PinnedTarget::pin(&dir.path().join("later/result.json")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("later")).unwrap();
        assert!(later.write(b"{}\n").is_err());
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    }

    #[test]
    fn the_mode_of_the_file_replaced_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("events.jsonl");
        std::fs::write(&out, "old\n").unwrap();
        std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
        PinnedTarget::pin(&out).unwrap().write(b"new\n").unwrap();
        let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn a_users_own_link_is_followed_when_pinned() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("report.json");
        std::fs::write(&real, "old\n").unwrap();
        let link = dir.path().join("latest.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        PinnedTarget::pin(&link).unwrap().write(b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new\n");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }

    #[test]
    fn a_stream_is_written_only_while_it_is_the_one_pinned() {
        let pinned = PinnedTarget::pin(Path::new("/dev/null")).unwrap();
        pinned.write(b"x").unwrap();
    }
}
