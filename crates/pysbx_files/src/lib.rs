//! Reading a file a user named (a source to scan, a configuration, a policy, a rule pack, an
//! archive): regular files only, and never more than a limit.
//!
//! A path given on the command line can be anything: a FIFO (whose `open` waits for a writer
//! that never comes), `/dev/zero` or a link to it (endless), a file that grows while it is read,
//! a `/proc` file whose size reads as 0. So the file is opened without blocking, checked to be a
//! regular file on the open descriptor (not on the path, which can change in between), and read
//! through a cap one byte over the limit.
#![deny(missing_docs)]

mod pinned;
pub use pinned::PinnedTarget;

use std::fs::{File, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a regular file: what it is instead (`a FIFO`, `a character device`...).
    #[error("not a regular file ({0}): not read")]
    NotRegular(&'static str),
    /// Larger than the limit; `size` is at least the limit plus one (the size as far as it was
    /// read, when the read stopped at the cap).
    #[error("larger than the limit of {}", in_units(*limit))]
    TooLarge {
        /// The size, as far as it was read.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Text expected, and the bytes are not UTF-8.
    #[error("not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    /// The open or the read failed.
    #[error("{}", describe_io_error(.0))]
    Io(#[from] std::io::Error),
}

impl From<ReadError> for std::io::Error {
    /// For callers whose errors carry an I/O error: the message is kept.
    fn from(err: ReadError) -> Self {
        match err {
            ReadError::Io(e) => e,
            ReadError::TooLarge { .. } => {
                Self::new(std::io::ErrorKind::FileTooLarge, err.to_string())
            }
            ReadError::NotRegular(_) | ReadError::NotUtf8(_) => {
                Self::new(std::io::ErrorKind::InvalidData, err.to_string())
            }
        }
    }
}

/// The most a configuration, policy or rule file may hold: far more than any real one, and a
/// bound on what a mistaken path (a log, an image) costs.
pub const TEXT_LIMIT: u64 = 16 << 20;

/// A short, user-facing description of an I/O error.
#[must_use]
pub fn describe_io_error(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => err.to_string(),
    }
}

/// Opens `path` for reading without blocking on a FIFO or a device, and returns it only when
/// the descriptor is a regular file.
///
/// # Errors
/// [`ReadError::NotRegular`] or [`ReadError::Io`].
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    let file = File::options().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(describe_type(&meta)));
    }
    Ok((file, meta))
}

/// Reads the regular file at `path`, at most `limit` bytes.
///
/// # Errors
/// [`ReadError::NotRegular`], [`ReadError::TooLarge`] (by its size, or because it grew past the
/// limit while being read) or [`ReadError::Io`].
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > limit {
        return Err(ReadError::TooLarge { size: meta.len(), limit });
    }
    read_capped(file, limit, usize::try_from(meta.len()).unwrap_or(0))
}

/// Reads `from` to its end, at most `limit` bytes (standard input, which can be endless).
///
/// # Errors
/// [`ReadError::TooLarge`] once more than `limit` bytes came, or [`ReadError::Io`].
pub fn read_stream(from: impl Read, limit: u64) -> Result<Vec<u8>, ReadError> {
    read_capped(from, limit, 0)
}

fn read_capped(from: impl Read, limit: u64, expected: usize) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(expected);
    from.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limit {
        return Err(ReadError::TooLarge { size: read, limit });
    }
    Ok(bytes)
}

/// Reads the regular file at `path` as UTF-8 text, at most `limit` bytes.
///
/// # Errors
/// As [`read_regular`], and [`ReadError::NotUtf8`].
pub fn read_text(path: &Path, limit: u64) -> Result<String, ReadError> {
    into_text(read_regular(path, limit)?)
}

/// Bytes read (from a file or a stream) as UTF-8 text.
///
/// # Errors
/// [`ReadError::NotUtf8`] with the offset of the first invalid byte.
pub fn into_text(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}

/// How to write a file a user named (a report, an events file, a sanitized copy).
#[derive(Debug, PartialEq, Eq)]
pub enum WriteTarget {
    /// A regular file, or none yet: write a temporary file beside this path and rename it over,
    /// so that an interrupted run leaves the old file or the new one, never half of one. Links
    /// are resolved first: a link to a report stays a link, and the report it names is replaced.
    Replace(PathBuf),
    /// Something else that exists (`/dev/stdout`, `/dev/null`, a FIFO, a terminal): written into
    /// directly, as a shell's `>` would. Renaming over it would put a regular file in its place.
    Stream,
}

/// Where the bytes for `path` go; see [`WriteTarget`].
#[must_use]
pub fn write_target(path: &Path) -> WriteTarget {
    match std::fs::metadata(path) {
        // A directory is left to the rename, which refuses it with a clear error.
        Ok(meta) if !meta.is_file() && !meta.is_dir() => WriteTarget::Stream,
        Ok(_) => WriteTarget::Replace(std::fs::canonicalize(path).unwrap_or_else(|_| path.into())),
        Err(_) => WriteTarget::Replace(path.into()),
    }
}

/// Opens a [`WriteTarget::Stream`] for writing (no truncation, no creation).
///
/// # Errors
/// The open's error.
pub fn open_stream(path: &Path) -> std::io::Result<File> {
    File::options().write(true).open(path)
}

/// `n` bytes for messages: in MiB when it is a whole number of them.
#[must_use]
pub fn in_units(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} bytes")
    }
}

/// What a file that is not a regular file is, for messages (`a FIFO`).
#[must_use]
pub fn describe_type(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_whole_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.py");
        std::fs::write(&path, b"x = 1\n").unwrap();
        assert_eq!(read_regular(&path, 6).unwrap(), b"x = 1\n");
        assert!(matches!(read_regular(&path, 5), Err(ReadError::TooLarge { size: 6, limit: 5 })));
    }

    #[test]
    fn a_fifo_is_refused_without_waiting_for_a_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo.py");
        let made = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
        assert!(made.success());
        let err = read_regular(&path, 1 << 20).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (a FIFO): not read");
    }

    #[test]
    fn an_endless_device_behind_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("zero.py");
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let err = read_regular(&path, 1 << 20).unwrap_err();
        assert!(matches!(err, ReadError::NotRegular("a character device")), "{err}");
    }

    #[test]
    fn an_endless_stream_stops_one_byte_over_the_limit() {
        let endless = std::io::repeat(b'x');
        let err = read_stream(endless, 1000).unwrap_err();
        assert!(matches!(err, ReadError::TooLarge { size: 1001, limit: 1000 }), "{err}");
        assert_eq!(err.to_string(), "larger than the limit of 1000 bytes");
        assert_eq!(in_units(32 << 20), "32 MiB");
        assert_eq!(read_stream(&b"abc"[..], 3).unwrap(), b"abc");
    }

    #[test]
    fn devices_and_fifos_are_written_in_place_files_through_their_links() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(write_target(Path::new("/dev/null")), WriteTarget::Stream);
        let fifo = dir.path().join("out.fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        assert_eq!(write_target(&fifo), WriteTarget::Stream);
        let real = dir.path().join("real.json");
        std::fs::write(&real, "{}").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let real = std::fs::canonicalize(&real).unwrap();
        assert_eq!(write_target(&link), WriteTarget::Replace(real));
        let new = dir.path().join("new.json");
        assert_eq!(write_target(&new), WriteTarget::Replace(new.clone()));
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.yaml");
        std::fs::write(&path, b"ok: 1\n\xff").unwrap();
        assert_eq!(
            read_text(&path, TEXT_LIMIT).unwrap_err().to_string(),
            "not UTF-8 text (invalid byte at offset 6)"
        );
        std::fs::write(&path, "ok: 1\n").unwrap();
        assert_eq!(read_text(&path, TEXT_LIMIT).unwrap(), "ok: 1\n");
    }

    #[test]
    fn a_file_whose_size_reads_as_zero_is_still_capped() {
        // /proc files report a size of 0 but have content: the cap applies to what is read.
        let path = Path::new("/proc/self/maps");
        match read_regular(path, 8) {
            Err(ReadError::TooLarge { size: 9, limit: 8 }) => {}
            other => panic!("expected the cap to stop the read: {other:?}"),
        }
    }
}
