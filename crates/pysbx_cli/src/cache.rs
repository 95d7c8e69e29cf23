//! The scan cache: what the analysis of a file gave, keyed by a hash of the file's bytes, its
//! name and a fingerprint of everything else that can change the result, so a repeated scan of
//! unchanged files only reads and hashes them.
//!
//! Layout: `DIR/v1/ab/cdef…` (one JSON file per entry, sharded by the first byte of the key),
//! `DIR/.gitignore` (`*`) and `DIR/CACHEDIR.TAG`, written when pysbx creates the directory.
//!
//! Every failure to read or decode an entry is a miss; entries are written through a temporary
//! file and a rename, so a reader never sees half an entry. Entries are not synced to disk: one
//! lost in a crash is a miss. The cache is bounded: entries unused for [`MAX_AGE`] are removed,
//! and beyond [`MAX_BYTES`] the least recently used go, by a prune that runs at most once per
//! [`PRUNE_EVERY`] after a run that wrote entries (use refreshes an entry's modification time,
//! at most once per [`TOUCH_AFTER`]).

use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use pysbx_analysis::SourceErrorKind;
use pysbx_rules::{Finding, FindingLocation, RuleSet};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::pipeline::{FileFailure, FileOutcome};

/// The layout version: a directory under the cache root, so a layout change starts afresh.
const LAYOUT: &str = "v1";
/// Entries not used for this long are removed.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// Beyond this many bytes of entries, the least recently used are removed.
pub(crate) const MAX_BYTES: u64 = 256 << 20;
/// The prune runs at most this often.
pub(crate) const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// A used entry's modification time is refreshed when it is older than this.
const TOUCH_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Temporary files left by an interrupted write are removed once this old.
const STALE_TEMP: Duration = Duration::from_secs(3600);
/// The file whose modification time records the last prune.
const PRUNE_STAMP: &str = "last-prune";
/// Failure kinds that depend only on the bytes and may be cached (never `read`, `too-large`
/// or `timeout`, which depend on the moment).
const CACHEABLE_FAILURES: [&str; 3] = ["decode", "syntax", "too-deep"];

/// What the result of analysing a file depends on besides the file's bytes and name.
pub(crate) struct FingerprintInputs<'a> {
    /// The effective rule set: every loaded pack and `--rules` file after selection, ignores and
    /// severity/action overrides.
    pub(crate) rules: &'a RuleSet,
    /// Whether suppression comments are honoured.
    pub(crate) honor_suppressions: bool,
    /// The per-file size limit.
    pub(crate) max_file_bytes: u64,
}

/// A hash of everything besides a file's bytes and name that can change its analysis: the
/// pysbx version and the identity of the running binary (so a rebuilt engine never reuses its
/// predecessor's results), the rules in force, and the analysis options.
pub(crate) fn fingerprint(inputs: &FingerprintInputs<'_>) -> [u8; 32] {
    let mut hasher = engine_hasher(b"pysbx-scan-cache\0", inputs.rules);
    hasher.update([u8::from(inputs.honor_suppressions)]);
    hasher.update(inputs.max_file_bytes.to_le_bytes());
    // `.pth` files are analysed as the Python lines `site` runs (see `pipeline::pth_as_python`).
    hasher.update(b"pth: import lines\0");
    hasher.finalize().into()
}

/// As [`fingerprint`], for the answers of `pysbx exec`'s static gate, which depend on the
/// binary and the rules alone (the gate never honours suppression comments and reads whole
/// modules). A built-in rule (its id in `builtin_ids`) is fixed by the binary's identity but
/// for the severity and action the configuration may set, so only those are hashed for it:
/// rendering the ~250 built-in rules in full would cost a short run about half a millisecond.
pub(crate) fn gate_fingerprint(rules: &RuleSet, builtin_ids: &HashSet<String>) -> [u8; 32] {
    let mut hasher = binary_hasher(b"pysbx-gate-cache\0");
    for rule in rules.rules() {
        if builtin_ids.contains(&rule.id) {
            hasher.update(format!("builtin {} {:?} {:?}\n", rule.id, rule.severity, rule.action));
        } else {
            hasher.update(format!("{rule:?}\n"));
        }
    }
    hasher.finalize().into()
}

/// A hasher fed with `tag`, the pysbx version, the running binary's identity and the rules.
fn engine_hasher(tag: &[u8], rules: &RuleSet) -> Sha256 {
    let mut hasher = binary_hasher(tag);
    // The rule model holds only vectors, options and scalars, so its debug form is a stable,
    // complete rendering of every field that matching reads.
    hasher.update(format!("{:?}", rules.rules()).as_bytes());
    hasher
}

/// A hasher fed with `tag`, the pysbx version and the running binary's identity (so a rebuilt
/// engine never reuses its predecessor's results).
fn binary_hasher(tag: &[u8]) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(tag);
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    hasher.update(b"\0");
    if let Some(meta) = std::env::current_exe().ok().and_then(|exe| std::fs::metadata(exe).ok()) {
        hasher.update(meta.len().to_le_bytes());
        let modified = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(SystemTime::UNIX_EPOCH).ok())
            .unwrap_or_default();
        hasher.update(modified.as_nanos().to_le_bytes());
    }
    hasher
}

/// The key of one file: its name (the only part of its path the analysis reads), its bytes and
/// the fingerprint.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key([u8; 32]);

impl Key {
    fn hex(self) -> String {
        hex::encode(self.0)
    }
}

/// An open cache directory.
pub(crate) struct Cache {
    /// `root/v1`.
    dir: PathBuf,
    fingerprint: [u8; 32],
    /// Entries are read only when this user owns them and nobody else may write them.
    owner_checked: bool,
    hits: AtomicUsize,
    writes: AtomicUsize,
    write_failures: AtomicUsize,
    /// The most bytes of entries one run may write (see [`Cache::with_write_budget`]).
    write_budget: Option<u64>,
    written: AtomicU64,
}

impl Cache {
    /// Opens (creating if needed) the cache under `root`. A directory pysbx creates gets a
    /// `.gitignore` of `*` and a `CACHEDIR.TAG`, so git and backup tools leave it alone.
    pub(crate) fn open(root: &Path, fingerprint: [u8; 32]) -> std::io::Result<Cache> {
        if !root.exists() {
            std::fs::create_dir_all(root)?;
            std::fs::write(root.join(".gitignore"), "# Created by pysbx.\n*\n")?;
            std::fs::write(
                root.join("CACHEDIR.TAG"),
                "Signature: 8a477f597d28d172789f06886806bc55\n\
                 # This file is a cache directory tag created by pysbx.\n",
            )?;
        }
        let dir = root.join(LAYOUT);
        std::fs::create_dir_all(&dir)?;
        Ok(Cache {
            dir,
            fingerprint,
            owner_checked: false,
            hits: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
            write_failures: AtomicUsize::new(0),
            write_budget: None,
            written: AtomicU64::new(0),
        })
    }

    /// Writes at most `bytes` of entries in this run (an entry that would pass the budget is
    /// not stored), and prunes at the end of a run that wrote more than a quarter of it, however
    /// recent the last prune: for a cache whose entries a sandboxed program chooses (the gate's,
    /// one per module it asks about), which must not fill the disk between two hourly prunes.
    pub(crate) fn with_write_budget(mut self, bytes: u64) -> Cache {
        self.write_budget = Some(bytes);
        self
    }

    /// Reads only entries this user owns and nobody else may write: for a cache whose answers
    /// steer what a sandbox runs, where a file planted by another user must be a miss.
    pub(crate) fn owner_checked(mut self) -> Cache {
        self.owner_checked = true;
        self
    }

    /// The key of a file with this whole path and these bytes, for answers that name the path.
    pub(crate) fn key_for_path(&self, path: &Path, bytes: &[u8]) -> Key {
        use std::os::unix::ffi::OsStrExt;
        self.key_of(b"path\0", path.as_os_str().as_bytes(), bytes)
    }

    /// The key of a file with this name and these bytes, analysed as an in-tree build backend
    /// or not (the same bytes give other findings as a backend).
    pub(crate) fn key(&self, path: &Path, bytes: &[u8], build_backend: bool) -> Key {
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let tag: &[u8] = if build_backend { b"build-backend\0" } else { b"" };
        self.key_of(tag, name.as_bytes(), bytes)
    }

    /// The fingerprint, `tag`, the length-prefixed `name` and the bytes, hashed.
    fn key_of(&self, tag: &[u8], name: &[u8], bytes: &[u8]) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(self.fingerprint);
        hasher.update(tag);
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name);
        hasher.update(bytes);
        Key(hasher.finalize().into())
    }

    fn entry_path(&self, key: Key) -> PathBuf {
        let hex = key.hex();
        let (shard, rest) = hex.split_at(2);
        self.dir.join(shard).join(rest)
    }

    /// The stored outcome for `key`, if there is a usable one. `need_hashes`: the caller needs
    /// line hashes for files with findings, so an entry stored without them is a miss.
    pub(crate) fn get(&self, key: Key, rules: &RuleSet, need_hashes: bool) -> Option<FileOutcome> {
        let outcome = self.load::<StoredOutcome>(key)?.into_outcome(rules, need_hashes)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(outcome)
    }

    /// Stores an outcome, if it may be cached. Failures to write are counted, never fatal.
    pub(crate) fn put(&self, key: Key, rules: &RuleSet, outcome: &FileOutcome) {
        let Some(stored) = StoredOutcome::from_outcome(rules, outcome) else { return };
        self.store(key, stored);
    }

    /// The value stored under `key`, if its entry can be read and decoded as a `T`. Does not
    /// count a hit: the caller decides whether the value is usable.
    pub(crate) fn load<T: DeserializeOwned>(&self, key: Key) -> Option<T> {
        let path = self.entry_path(key);
        // Never a FIFO or a device planted under an entry's name.
        let (mut file, meta) = pysbx_files::open_regular(&path).ok()?;
        if self.owner_checked && !pysbx_sandbox::interp::trusted_cache_file(&meta) {
            return None;
        }
        let mut text = Vec::new();
        file.read_to_end(&mut text).ok()?;
        let entry: Entry<T> = serde_json::from_slice(&text).ok()?;
        if entry.key != key.hex() {
            return None;
        }
        // Keep the entry young while it is in use, without a write on every hit.
        if let Ok(modified) = meta.modified()
            && modified.elapsed().is_ok_and(|age| age > TOUCH_AFTER)
        {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(entry.outcome)
    }

    /// Stores `value` under `key`. Failures to write are counted, never fatal.
    pub(crate) fn store<T: Serialize>(&self, key: Key, value: T) {
        let entry = Entry { key: key.hex(), outcome: value };
        match self.write_entry(key, &entry) {
            Ok(()) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                self.write_failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn write_entry<T: Serialize>(&self, key: Key, entry: &Entry<T>) -> std::io::Result<()> {
        let path = self.entry_path(key);
        let shard = path.parent().unwrap_or(&self.dir);
        let text = serde_json::to_vec(entry)?;
        if let Some(budget) = self.write_budget {
            let size = text.len() as u64;
            let before = self.written.fetch_add(size, Ordering::Relaxed);
            if before.saturating_add(size) > budget {
                self.written.fetch_sub(size, Ordering::Relaxed);
                return Err(std::io::Error::other("the run's cache write budget is spent"));
            }
        }
        std::fs::create_dir_all(shard)?;
        let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(shard)?;
        let _pending = crate::pending::track(tmp.path());
        tmp.as_file_mut().write_all(&text)?;
        tmp.as_file_mut().flush()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Files answered from the cache so far.
    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::Relaxed)
    }

    /// Entries that could not be written.
    pub(crate) fn write_failures(&self) -> usize {
        self.write_failures.load(Ordering::Relaxed)
    }

    /// Ends a run: prunes when this run wrote entries and the last prune is older than
    /// [`PRUNE_EVERY`]. Errors are ignored: a cache that cannot be pruned is still correct.
    pub(crate) fn finish(&self) {
        if self.writes.load(Ordering::Relaxed) == 0 {
            return;
        }
        let stamp = self.dir.join(PRUNE_STAMP);
        let recent = std::fs::metadata(&stamp)
            .and_then(|m| m.modified())
            .is_ok_and(|m| m.elapsed().is_ok_and(|age| age < PRUNE_EVERY));
        let wrote_much = self
            .write_budget
            .is_some_and(|budget| self.written.load(Ordering::Relaxed) > budget / 4);
        if recent && !wrote_much {
            return;
        }
        if std::fs::write(&stamp, b"").is_err() {
            return;
        }
        prune(&self.dir, SystemTime::now());
    }
}

/// Removes entries unused for [`MAX_AGE`], stale temporary files, then the least recently used
/// entries until at most [`MAX_BYTES`] remain. Only files named like entries or temporary files,
/// in directories named like shards, are ever removed: a `--cache-dir` pointed at the wrong
/// directory loses nothing else.
fn prune(dir: &Path, now: SystemTime) {
    let Ok(shards) = std::fs::read_dir(dir) else { return };
    let mut kept: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    for shard in shards.flatten() {
        let name = shard.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.len() != 2 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(shard.path()) else { continue };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else { continue };
            let is_temp = file_name.starts_with(".tmp-");
            let is_entry =
                file_name.len() == 62 && file_name.bytes().all(|b| b.is_ascii_hexdigit());
            if !is_temp && !is_entry {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let age = now.duration_since(modified).unwrap_or_default();
            if (is_temp && age > STALE_TEMP) || (is_entry && age > MAX_AGE) {
                let _ = std::fs::remove_file(entry.path());
            } else if is_entry {
                kept.push((modified, meta.len(), entry.path()));
            }
        }
    }
    let mut total: u64 = kept.iter().map(|k| k.1).sum();
    if total <= MAX_BYTES {
        return;
    }
    kept.sort_by_key(|k| k.0);
    for (_, len, path) in kept {
        if total <= MAX_BYTES {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(len);
        }
    }
}

/// One cache file.
#[derive(Serialize, Deserialize)]
struct Entry<T> {
    /// The key in hex, checked on read: a file copied or renamed into another entry's place is
    /// a miss.
    key: String,
    outcome: T,
}

/// The outcome of analysing a file before per-file ignores (which are applied on every run, so
/// changing them needs no invalidation).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StoredOutcome {
    Analysed {
        findings: Vec<StoredFinding>,
        suppressed: usize,
        /// Present when the run that stored the entry wanted SARIF fingerprints: the hashes of
        /// the lines the findings start on, as `(line, hash)`.
        line_hashes: Option<Vec<(u32, String)>>,
        /// What an entry file's import-time calls name (see `FileOutcome::Analysed`).
        entry_calls: Vec<String>,
        /// Whether an entry file's call may change the file's findings.
        entry_sensitive: bool,
        /// The syntax error the file was read despite.
        #[serde(default)]
        syntax_error: Option<StoredFailure>,
    },
    /// A file that could not be read (only the kinds in `CACHEABLE_FAILURES`).
    Failed(StoredFailure),
}

/// A serializable [`FileFailure`]: a file's failure, or the syntax error it was read despite
/// (beside the findings of the tree recovered around it).
#[derive(Serialize, Deserialize)]
struct StoredFailure {
    kind: String,
    message: String,
    line: Option<u32>,
    column: Option<u32>,
}

impl StoredFailure {
    fn from_failure(failure: &FileFailure) -> StoredFailure {
        StoredFailure {
            kind: failure.kind.to_string(),
            message: failure.message.clone(),
            line: failure.line,
            column: failure.column,
        }
    }

    /// The failure back, when its kind is one of `kinds` (a stored kind this build does not
    /// know makes the entry a miss).
    fn into_failure(self, kinds: &[&'static str]) -> Option<FileFailure> {
        let kind = kinds.iter().copied().find(|k| *k == self.kind)?;
        Some(FileFailure { kind, message: self.message, line: self.line, column: self.column })
    }
}

/// A serializable [`Finding`], naming its rule by id rather than by index.
#[derive(Serialize, Deserialize)]
struct StoredFinding {
    rule: String,
    start: u32,
    end: u32,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: String,
    subject: String,
    snippet: String,
    snippet_start: u32,
}

impl StoredOutcome {
    fn from_outcome(rules: &RuleSet, outcome: &FileOutcome) -> Option<StoredOutcome> {
        match outcome {
            FileOutcome::Analysed {
                findings,
                suppressed,
                line_hashes,
                entry_calls,
                entry_sensitive,
                syntax_error,
            } => {
                let findings = findings
                    .iter()
                    .map(|f| {
                        Some(StoredFinding {
                            rule: rules.get(f.rule)?.id.clone(),
                            start: f.start,
                            end: f.end,
                            line: f.location.line,
                            column: f.location.column,
                            end_line: f.location.end_line,
                            end_column: f.location.end_column,
                            message: f.message.clone(),
                            subject: f.subject.clone(),
                            snippet: f.snippet.clone(),
                            snippet_start: f.snippet_start,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(StoredOutcome::Analysed {
                    findings,
                    suppressed: *suppressed,
                    line_hashes: line_hashes.as_ref().map(|h| h.pairs().to_vec()),
                    entry_calls: entry_calls.clone(),
                    entry_sensitive: *entry_sensitive,
                    syntax_error: syntax_error.as_ref().map(StoredFailure::from_failure),
                })
            }
            FileOutcome::Failed(failure) => {
                if !CACHEABLE_FAILURES.contains(&failure.kind) {
                    return None;
                }
                Some(StoredOutcome::Failed(StoredFailure::from_failure(failure)))
            }
        }
    }

    fn into_outcome(self, rules: &RuleSet, need_hashes: bool) -> Option<FileOutcome> {
        match self {
            StoredOutcome::Analysed {
                findings,
                suppressed,
                line_hashes,
                entry_calls,
                entry_sensitive,
                syntax_error,
            } => {
                if need_hashes && !findings.is_empty() && line_hashes.is_none() {
                    return None;
                }
                let findings = findings
                    .into_iter()
                    .map(|f| {
                        Some(Finding {
                            rule: rules.index_of(&f.rule)?,
                            start: f.start,
                            end: f.end,
                            location: FindingLocation {
                                line: f.line,
                                column: f.column,
                                end_line: f.end_line,
                                end_column: f.end_column,
                            },
                            message: f.message,
                            subject: f.subject,
                            snippet: f.snippet,
                            snippet_start: f.snippet_start,
                        })
                    })
                    .collect::<Option<Vec<_>>>()?;
                let line_hashes = if need_hashes {
                    line_hashes.map(pysbx_report::LineHashes::from_pairs)
                } else {
                    None
                };
                let syntax_error = match syntax_error {
                    // The errors a file is still read past (see the pipeline's analysis).
                    Some(f) => Some(f.into_failure(&[
                        SourceErrorKind::Syntax.as_str(),
                        SourceErrorKind::TooDeep.as_str(),
                    ])?),
                    None => None,
                };
                Some(FileOutcome::Analysed {
                    findings,
                    suppressed,
                    line_hashes,
                    entry_calls,
                    entry_sensitive,
                    syntax_error,
                })
            }
            StoredOutcome::Failed(failure) => {
                Some(FileOutcome::Failed(failure.into_failure(&CACHEABLE_FAILURES)?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path, age: Duration) {
        let file = std::fs::File::options().write(true).open(path).expect("open");
        file.set_modified(SystemTime::now() - age).expect("set mtime");
    }

    #[test]
    fn prune_removes_old_entries_and_stale_temporaries_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let shard = dir.path().join("ab");
        std::fs::create_dir(&shard).expect("mkdir");
        let old = shard.join("0".repeat(62));
        let young = shard.join("1".repeat(62));
        let temp = shard.join(".tmp-x");
        let foreign = shard.join("notes.txt");
        for path in [&old, &young, &temp, &foreign] {
            std::fs::write(path, b"{}").expect("write");
        }
        touch(&old, MAX_AGE + Duration::from_secs(60));
        touch(&temp, STALE_TEMP + Duration::from_secs(60));
        touch(&foreign, MAX_AGE + Duration::from_secs(60));
        prune(dir.path(), SystemTime::now());
        assert!(!old.exists());
        assert!(!temp.exists());
        assert!(young.exists());
        assert!(foreign.exists(), "files the cache did not write are never removed");
    }

    #[test]
    fn prune_keeps_the_most_recently_used_under_the_size_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let shard = dir.path().join("cd");
        std::fs::create_dir(&shard).expect("mkdir");
        // Three entries of 100 MiB (sparse), used 3, 2 and 1 hours ago: the cap of 256 MiB
        // keeps the two most recent.
        let mut paths = Vec::new();
        for (i, hours) in [3u64, 2, 1].into_iter().enumerate() {
            let path = shard.join(i.to_string().repeat(62));
            let file = std::fs::File::create(&path).expect("create");
            file.set_len(100 << 20).expect("set_len");
            drop(file);
            touch(&path, Duration::from_secs(hours * 3600));
            paths.push(path);
        }
        prune(dir.path(), SystemTime::now());
        assert!(!paths[0].exists());
        assert!(paths[1].exists());
        assert!(paths[2].exists());
    }

    #[test]
    fn an_entry_that_is_a_fifo_or_a_device_is_a_miss_not_a_hang() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path(), [9; 32]).expect("open");
        let key = cache.key_for_path(Path::new("a.py"), b"x = 1\n");
        cache.store(key, "verdict");
        let entry = cache.entry_path(key);
        // Planted under the entry's name: a FIFO would block the open, /dev/zero never end.
        std::fs::remove_file(&entry).expect("remove");
        let made = std::process::Command::new("mkfifo").arg(&entry).status().expect("mkfifo");
        assert!(made.success());
        assert_eq!(cache.load::<String>(key), None);
        std::fs::remove_file(&entry).expect("remove");
        std::os::unix::fs::symlink("/dev/zero", &entry).expect("symlink");
        assert_eq!(cache.load::<String>(key), None);
    }

    #[test]
    fn a_write_budget_bounds_what_one_run_stores_and_prunes_at_its_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path(), [5; 32]).expect("open").with_write_budget(10_000);
        let big = "x".repeat(4_000);
        let keys: Vec<Key> = (0..4)
            .map(|i| cache.key_for_path(Path::new(&format!("/m{i}.py")), big.as_bytes()))
            .collect();
        for key in &keys {
            cache.store(*key, &big);
        }
        // Two entries of about 4 KB fit in 10,000 bytes; the third and fourth are not stored.
        let stored: Vec<bool> = keys.iter().map(|k| cache.load::<String>(*k).is_some()).collect();
        assert_eq!(stored, vec![true, true, false, false]);
        assert_eq!(cache.write_failures(), 2);
        // A prune a minute ago: a run that wrote more than a quarter of its budget prunes again
        // (an entry older than the age limit goes), where a plain cache waits for the hour.
        let stamp = cache.dir.join(PRUNE_STAMP);
        let shard = cache.dir.join("ef");
        std::fs::create_dir_all(&shard).expect("mkdir");
        let stale = shard.join("e".repeat(62));
        for (budget, removed) in [(None, false), (Some(10_000), true)] {
            std::fs::write(&stale, b"{}").expect("write");
            touch(&stale, MAX_AGE + Duration::from_secs(60));
            std::fs::write(&stamp, b"").expect("stamp");
            touch(&stamp, Duration::from_secs(60));
            let mut run = Cache::open(dir.path(), [5; 32]).expect("open");
            if let Some(bytes) = budget {
                run = run.with_write_budget(bytes);
            }
            run.store(run.key_for_path(Path::new("/n.py"), b"n"), &big);
            run.finish();
            assert_eq!(!stale.exists(), removed, "budget {budget:?}");
        }
    }

    #[test]
    fn an_owner_checked_cache_ignores_entries_others_may_write() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(dir.path(), [7; 32]).expect("open").owner_checked();
        let key = cache.key_for_path(Path::new("/srv/a.py"), b"print(1)\n");
        cache.store(key, "verdict");
        assert_eq!(cache.load::<String>(key).as_deref(), Some("verdict"));
        let entry = cache.entry_path(key);
        assert_eq!(std::fs::metadata(&entry).expect("entry").permissions().mode() & 0o077, 0);
        for (mode, trusted) in [(0o620, false), (0o602, false), (0o644, true), (0o600, true)] {
            std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode)).expect("chmod");
            assert_eq!(cache.load::<String>(key).is_some(), trusted, "mode {mode:o}");
        }
        // A plain cache (the scan's, in the user's own repository) reads them all.
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        let plain = Cache::open(dir.path(), [7; 32]).expect("open");
        assert_eq!(plain.load::<String>(key).as_deref(), Some("verdict"));
        // Another path with the same bytes, or the same path with other bytes, is another key.
        assert!(cache.key_for_path(Path::new("/srv/b.py"), b"print(1)\n") != key);
        assert!(cache.key_for_path(Path::new("/srv/a.py"), b"print(2)\n") != key);
    }

    #[test]
    fn the_gate_fingerprint_follows_selection_overrides_and_user_rules() {
        let pristine = pysbx_rules::builtin_rules().expect("built-in rules");
        let ids: HashSet<String> = pristine.rules().iter().map(|r| r.id.clone()).collect();
        let base = gate_fingerprint(&pristine, &ids);
        assert_eq!(gate_fingerprint(&pristine, &ids), base, "stable");

        let mut rules = pristine.clone();
        rules.rules_mut()[0].severity = match rules.rules()[0].severity {
            pysbx_rules::Severity::Low => pysbx_rules::Severity::High,
            _ => pysbx_rules::Severity::Low,
        };
        assert!(gate_fingerprint(&rules, &ids) != base, "severity override");

        let mut rules = pristine.clone();
        rules.rules_mut()[0].action = match rules.rules()[0].action {
            pysbx_rules::Action::Report => pysbx_rules::Action::Stub,
            _ => pysbx_rules::Action::Report,
        };
        assert!(gate_fingerprint(&rules, &ids) != base, "action override");

        let mut rules = pristine.clone();
        let first = rules.rules()[0].id.clone();
        rules.retain(|r| r.id != first);
        assert!(gate_fingerprint(&rules, &ids) != base, "a rule left out");

        let pack = |message: &str| {
            let mut rules = pristine.clone();
            let text = format!(
                "rules:\n  - id: USR001\n    name: user-rule\n    severity: high\n    \
                 message: {message}\n    match:\n      call: subprocess.run\n"
            );
            pysbx_rules::load_rules_from_str(
                &text,
                Path::new("user.yaml"),
                "user.yaml",
                &mut rules,
            )
            .expect("the user pack loads");
            gate_fingerprint(&rules, &ids)
        };
        let with_user = pack("one");
        assert!(with_user != base, "a user rule added");
        assert!(pack("two") != with_user, "a user rule's body is hashed in full");
    }
}
