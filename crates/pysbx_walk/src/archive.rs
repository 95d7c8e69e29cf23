//! Reading Python sources out of archives — wheels, eggs, zips and sdist tarballs — in memory,
//! never extracting anything to disk.
//!
//! Archives come from strangers, so every read is bounded: total uncompressed bytes, bytes per
//! member, number of members, and the compression ratio (a zip bomb declares or inflates to far
//! more than its size). Member names with `..`, absolute paths, and links are reported, never
//! followed.

use std::io::Read;
use std::path::Path;

/// Limits applied while reading one archive.
#[derive(Debug, Clone, Copy)]
pub struct ArchiveLimits {
    /// Total uncompressed bytes read from the archive.
    pub max_total_bytes: u64,
    /// Uncompressed bytes of one member.
    pub max_member_bytes: u64,
    /// Number of members looked at.
    pub max_members: usize,
    /// Uncompressed size / compressed size above which the archive is a bomb.
    pub max_ratio: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        Self {
            max_total_bytes: 1 << 30,
            max_member_bytes: 32 << 20,
            max_members: 100_000,
            max_ratio: 200,
        }
    }
}

/// The kind of archive, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// `.whl`, `.zip`, `.egg`.
    Zip,
    /// `.tar.gz`, `.tgz`.
    TarGz,
    /// `.tar`.
    Tar,
}

/// The archive kind of a path, if it is one pysbx reads.
#[must_use]
pub fn archive_kind(path: &Path) -> Option<ArchiveKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".whl") || name.ends_with(".zip") || name.ends_with(".egg") {
        Some(ArchiveKind::Zip)
    } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
        Some(ArchiveKind::TarGz)
    } else if name.ends_with(".tar") {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// What reading an archive produced, member by member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveEntry {
    /// A member to scan: a Python source or an install-time file such as a `.pth`.
    Source {
        /// The member's name inside the archive.
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// A member that was not read, and why (unsafe name, link, over a limit).
    Problem {
        /// The member's name inside the archive.
        name: String,
        /// What is wrong with it.
        message: String,
    },
}

/// An archive that could not be read at all, or stopped being readable part way.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The container itself is unreadable or corrupt.
    #[error("cannot read archive: {0}")]
    Corrupt(String),
    /// A limit was exceeded; the archive was abandoned.
    #[error("{0}")]
    Limit(String),
}

/// Whether an archive member is worth scanning: Python sources by suffix, and `.pth` files,
/// which run code at interpreter start-up.
#[must_use]
pub fn is_scannable_member(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".py")
        || lower.ends_with(".pyw")
        || lower.ends_with(".pyi")
        || lower.ends_with(".pth")
}

/// Why a member name is unsafe to follow, if it is.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.starts_with('/') || name.starts_with('\\') || name.get(1..3) == Some(":\\") {
        return Some("absolute member path");
    }
    if name.split(['/', '\\']).any(|part| part == "..") {
        return Some("member path escapes the archive with `..`");
    }
    None
}

/// Reads every scannable member of the archive at `path`, calling `visit` for each source and
/// each problem, in archive order.
///
/// # Errors
/// A corrupt container, or a limit exceeded (the members visited so far stay visited).
pub fn read_archive(
    path: &Path,
    kind: ArchiveKind,
    limits: ArchiveLimits,
    visit: &mut dyn FnMut(ArchiveEntry),
) -> Result<(), ArchiveError> {
    let (file, meta) =
        pysbx_files::open_regular(path).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let compressed = meta.len().max(1);
    match kind {
        ArchiveKind::Zip => read_zip(file, compressed, limits, visit),
        ArchiveKind::TarGz => read_tar(
            flate2::read::GzDecoder::new(std::io::BufReader::new(file)),
            compressed,
            limits,
            visit,
        ),
        ArchiveKind::Tar => read_tar(std::io::BufReader::new(file), compressed, limits, visit),
    }
}

/// Reads at most `limit + 1` bytes, so callers can tell "exactly at the limit" from "over".
fn read_bounded(reader: &mut dyn Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

struct Budget {
    limits: ArchiveLimits,
    compressed: u64,
    total: u64,
    members: usize,
}

impl Budget {
    fn member(&mut self) -> Result<(), ArchiveError> {
        self.members += 1;
        if self.members > self.limits.max_members {
            return Err(ArchiveError::Limit(format!(
                "more than {} members: archive abandoned",
                self.limits.max_members
            )));
        }
        Ok(())
    }

    fn spend(&mut self, bytes: u64) -> Result<(), ArchiveError> {
        self.total += bytes;
        if self.total > self.limits.max_total_bytes {
            return Err(ArchiveError::Limit(format!(
                "more than {} MiB uncompressed: archive abandoned (compression bomb?)",
                self.limits.max_total_bytes >> 20
            )));
        }
        if self.total > self.compressed.saturating_mul(self.limits.max_ratio)
            && self.total > (1 << 20)
        {
            return Err(ArchiveError::Limit(format!(
                "compression ratio above {}:1: archive abandoned (compression bomb?)",
                self.limits.max_ratio
            )));
        }
        Ok(())
    }
}

fn read_zip(
    file: std::fs::File,
    compressed: u64,
    limits: ArchiveLimits,
    visit: &mut dyn FnMut(ArchiveEntry),
) -> Result<(), ArchiveError> {
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let mut budget = Budget { limits, compressed, total: 0, members: 0 };
    for index in 0..zip.len() {
        budget.member()?;
        let mut member = zip.by_index(index).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        let name =
            member.name().map_or_else(|_| String::from("<undecodable name>"), |n| n.to_string());
        if member.is_dir() {
            continue;
        }
        if member.is_symlink() {
            visit(ArchiveEntry::Problem {
                name,
                message: "symbolic link member: not followed".into(),
            });
            continue;
        }
        if let Some(why) = unsafe_name(&name) {
            visit(ArchiveEntry::Problem { name, message: format!("{why}: not read") });
            continue;
        }
        if !is_scannable_member(&name) {
            continue;
        }
        if member.size() > limits.max_member_bytes {
            visit(ArchiveEntry::Problem {
                name,
                message: format!(
                    "member larger than {} MiB: not scanned",
                    limits.max_member_bytes >> 20
                ),
            });
            continue;
        }
        let bytes = read_bounded(&mut member, limits.max_member_bytes)
            .map_err(|e| ArchiveError::Corrupt(format!("{name}: {e}")))?;
        budget.spend(bytes.len() as u64)?;
        if bytes.len() as u64 > limits.max_member_bytes {
            visit(ArchiveEntry::Problem {
                name,
                message: format!(
                    "member inflates past {} MiB: not scanned",
                    limits.max_member_bytes >> 20
                ),
            });
            continue;
        }
        visit(ArchiveEntry::Source { name, bytes });
    }
    Ok(())
}

fn read_tar(
    reader: impl Read,
    compressed: u64,
    limits: ArchiveLimits,
    visit: &mut dyn FnMut(ArchiveEntry),
) -> Result<(), ArchiveError> {
    let mut archive = tar::Archive::new(reader);
    let mut budget = Budget { limits, compressed, total: 0, members: 0 };
    let entries = archive.entries().map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    for entry in entries {
        budget.member()?;
        let mut entry = entry.map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            visit(ArchiveEntry::Problem { name, message: "link member: not followed".into() });
            // The entry's (empty) data is skipped by the iterator.
            continue;
        }
        if let Some(why) = unsafe_name(&name) {
            visit(ArchiveEntry::Problem { name, message: format!("{why}: not read") });
            continue;
        }
        let size = entry.header().size().unwrap_or(0);
        if !kind.is_file() || !is_scannable_member(&name) {
            // Skipped data still counts: a gzip bomb hides in members nobody reads.
            budget.spend(size)?;
            continue;
        }
        if size > limits.max_member_bytes {
            budget.spend(size)?;
            visit(ArchiveEntry::Problem {
                name,
                message: format!(
                    "member larger than {} MiB: not scanned",
                    limits.max_member_bytes >> 20
                ),
            });
            continue;
        }
        let bytes = read_bounded(&mut entry, limits.max_member_bytes)
            .map_err(|e| ArchiveError::Corrupt(format!("{name}: {e}")))?;
        budget.spend(bytes.len() as u64)?;
        visit(ArchiveEntry::Source { name, bytes });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(entries: &[(&str, &[u8])], dir: &Path) -> std::path::PathBuf {
        let path = dir.join("pkg-1.0-py3-none-any.whl");
        let file = std::fs::File::create(&path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in entries {
            zip.start_file(*name, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        path
    }

    fn collect(
        path: &Path,
        limits: ArchiveLimits,
    ) -> (Vec<ArchiveEntry>, Result<(), ArchiveError>) {
        let mut seen = Vec::new();
        let kind = archive_kind(path).unwrap();
        let result = read_archive(path, kind, limits, &mut |e| seen.push(e));
        (seen, result)
    }

    #[test]
    fn reads_python_members_of_a_wheel() {
        let dir = tempfile::tempdir().unwrap();
        let path = zip_with(
            &[
                ("pkg/__init__.py", b"import os\n"),
                ("pkg/data.txt", b"x"),
                ("pkg.pth", b"import pkg\n"),
            ],
            dir.path(),
        );
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        let names: Vec<_> = seen
            .iter()
            .map(|e| match e {
                ArchiveEntry::Source { name, .. } | ArchiveEntry::Problem { name, .. } => {
                    name.as_str()
                }
            })
            .collect();
        assert_eq!(names, ["pkg/__init__.py", "pkg.pth"]);
    }

    #[test]
    fn dotdot_and_absolute_members_are_reported_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = zip_with(&[("../evil.py", b"x=1\n"), ("/abs.py", b"x=1\n")], dir.path());
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        assert!(
            matches!(&seen[0], ArchiveEntry::Problem { message, .. } if message.contains(".."))
        );
        assert!(
            matches!(&seen[1], ArchiveEntry::Problem { message, .. } if message.contains("absolute"))
        );
    }

    #[test]
    fn compression_bomb_is_abandoned() {
        let dir = tempfile::tempdir().unwrap();
        let zeros = vec![b' '; 40 << 20];
        let path = zip_with(&[("a.py", &zeros), ("b.py", &zeros), ("c.py", &zeros)], dir.path());
        let limits = ArchiveLimits { max_member_bytes: 64 << 20, ..ArchiveLimits::default() };
        let (_, result) = collect(&path, limits);
        let err = result.unwrap_err();
        assert!(err.to_string().contains("compression"), "{err}");
    }

    #[test]
    fn tar_gz_symlink_member_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pkg-1.0.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::default(),
        );
        let mut builder = tar::Builder::new(gz);
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, "pkg-1.0/link.py", "/etc/passwd").unwrap();
        let data = b"import os\nos.system('x')\n";
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, "pkg-1.0/setup.py", &data[..]).unwrap();
        builder.into_inner().unwrap().finish().unwrap();
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        assert!(
            matches!(&seen[0], ArchiveEntry::Problem { name, .. } if name == "pkg-1.0/link.py")
        );
        assert!(
            matches!(&seen[1], ArchiveEntry::Source { name, .. } if name == "pkg-1.0/setup.py")
        );
    }

    #[test]
    fn corrupt_archive_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.whl");
        std::fs::write(&path, b"not a zip").unwrap();
        let (_, result) = collect(&path, ArchiveLimits::default());
        assert!(matches!(result, Err(ArchiveError::Corrupt(_))));
    }
}
