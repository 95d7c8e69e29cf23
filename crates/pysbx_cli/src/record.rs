//! A distribution's `RECORD`: the list of files a wheel ships (and an installer wrote), each
//! with a hash of its bytes. It tells which distribution owns an installed file, and whether a
//! file still holds the bytes it was packed or installed with: a module of one package
//! rewritten by another package's install hook, or a wheel edited after it was built, no longer
//! matches.

use std::collections::HashMap;

use base64::Engine as _;
use sha2::Digest as _;

/// One line of a `RECORD`: a path relative to the directory that holds the `*.dist-info`, and
/// the hash of the file's bytes when one is given in an algorithm the wheel format accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordEntry {
    pub(crate) path: String,
    pub(crate) hash: Option<RecordedHash>,
}

/// The hash algorithms the wheel format allows (`sha256` or stronger from `hashlib`'s
/// guaranteed set). A line in another algorithm (`md5`, `sha1`) cannot be checked and is read
/// for ownership only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Sha256,
    Sha384,
    Sha512,
}

/// Each algorithm, its name in a `RECORD`, and its digest's length in bytes.
const ALGORITHMS: [(Algorithm, &str, usize); 3] = [
    (Algorithm::Sha256, "sha256", 32),
    (Algorithm::Sha384, "sha384", 48),
    (Algorithm::Sha512, "sha512", 64),
];

impl Algorithm {
    fn name(self) -> &'static str {
        ALGORITHMS.iter().find(|(a, _, _)| *a == self).map_or("", |(_, name, _)| name)
    }
}

/// `algorithm=urlsafe-base64-digest`, as a `RECORD` writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordedHash {
    algorithm: Algorithm,
    digest: Box<[u8]>,
    /// Written in hexadecimal (Debian's packages), not base64: reports use the same notation.
    hex: bool,
}

impl RecordedHash {
    /// Parses a `RECORD`'s second field; `None` for an empty field, an algorithm the wheel
    /// format does not accept, or a digest that is not base64 of the algorithm's length.
    pub(crate) fn parse(field: &str) -> Option<Self> {
        let (name, encoded) = field.trim().split_once('=')?;
        let &(algorithm, _, length) = ALGORITHMS.iter().find(|(_, n, _)| *n == name)?;
        // The format says unpadded URL-safe base64; some writers keep the padding, and Debian's
        // packages write hexadecimal (twice the digest's length in characters, where base64
        // takes 4/3 of it, so the two cannot be confused).
        let hex = encoded.len() == 2 * length;
        let digest = if hex {
            hex::decode(encoded).ok()?
        } else {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded.trim_end_matches('='))
                .ok()?
        };
        (digest.len() == length).then(|| Self { algorithm, digest: digest.into_boxed_slice(), hex })
    }

    /// Calls `with` with the same hash taken of `bytes` (on the stack: every file of an
    /// installed tree is hashed).
    fn of<T>(&self, bytes: &[u8], with: impl FnOnce(&[u8]) -> T) -> T {
        match self.algorithm {
            Algorithm::Sha256 => with(&sha2::Sha256::digest(bytes)),
            Algorithm::Sha384 => with(&sha2::Sha384::digest(bytes)),
            Algorithm::Sha512 => with(&sha2::Sha512::digest(bytes)),
        }
    }

    /// Why `bytes` are not the recorded ones, for a report, or `None` when they are.
    pub(crate) fn mismatch(&self, bytes: &[u8], owner: &str) -> Option<String> {
        let now = self.of(bytes, |now| (*now != *self.digest).then(|| now.to_vec()))?;
        let name = self.algorithm.name();
        let encode = |d: &[u8]| {
            if self.hex {
                hex::encode(d)
            } else {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d)
            }
        };
        Some(format!(
            "bytes differ from the RECORD of {owner} ({name}={} recorded, {name}={} now): \
             changed after it was packed or installed",
            encode(&self.digest),
            encode(&now)
        ))
    }
}

/// The lines of a `RECORD` (CSV: path, hash, size); lines that are not CSV or have no path are
/// left out.
pub(crate) fn parse_record(text: &str) -> Vec<RecordEntry> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader
        .records()
        .filter_map(Result::ok)
        .filter_map(|row| {
            let path = row.get(0)?.trim();
            if path.is_empty() {
                return None;
            }
            Some(RecordEntry {
                path: path.to_string(),
                hash: row.get(1).and_then(RecordedHash::parse),
            })
        })
        .collect()
}

/// The RECORDs of the wheels inside one archive scan (the archive itself, and wheels nested in
/// it), keyed by the `outer.whl!/` prefix their members share.
#[derive(Debug, Default)]
pub(crate) struct ArchiveRecords {
    by_root: HashMap<String, (String, HashMap<String, Option<RecordedHash>>)>,
}

impl ArchiveRecords {
    /// Takes a `name.dist-info/RECORD` member (named as the archive reader names it).
    pub(crate) fn add(&mut self, member: &str, bytes: &[u8]) {
        let (root, path) = split_root(member);
        let stem = path.strip_suffix("/RECORD").unwrap_or(path);
        let stem = stem.strip_suffix(".dist-info").unwrap_or(stem);
        let (_, entries) = self
            .by_root
            .entry(root.to_string())
            .or_insert_with(|| (crate::distributions::distribution_label(stem), HashMap::new()));
        let text = String::from_utf8_lossy(bytes);
        entries.extend(parse_record(&text).into_iter().map(|e| (e.path, e.hash)));
    }

    /// What is wrong with a member's bytes against its wheel's RECORD: changed, listed without
    /// a hash, or not listed. `None` when they match, or the member is in no wheel with a
    /// RECORD (an sdist, a plain zip).
    pub(crate) fn check(&self, member: &str, bytes: &[u8]) -> Option<String> {
        let (root, path) = split_root(member);
        let (owner, entries) = self.by_root.get(root)?;
        match entries.get(path) {
            Some(Some(hash)) => hash.mismatch(bytes, owner),
            Some(None) => Some(format!(
                "listed without a hash in the RECORD of {owner}: its bytes are not vouched for"
            )),
            None => Some(format!(
                "not listed in the RECORD of {owner}: shipped outside the wheel's own manifest"
            )),
        }
    }
}

/// `outer.whl!/inner.whl!/pkg/a.py` → (`outer.whl!/inner.whl!/`, `pkg/a.py`).
fn split_root(member: &str) -> (&str, &str) {
    let at = member.rfind("!/").map_or(0, |i| i + 2);
    member.split_at(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha256_field(bytes: &[u8]) -> String {
        let digest = sha2::Sha256::digest(bytes);
        format!("sha256={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
    }

    #[test]
    fn record_lines_are_read_as_csv() {
        let text = format!(
            "pkg/a.py,{},12\n\"pkg/a,b.py\",,\n\npkg/RECORD,,\n\"unterminated,x\n",
            sha256_field(b"print(1)\n")
        );
        let entries = parse_record(&text);
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths[..3], ["pkg/a.py", "pkg/a,b.py", "pkg/RECORD"]);
        let hash = entries[0].hash.as_ref().unwrap();
        assert_eq!(hash.mismatch(b"print(1)\n", "p"), None);
        assert!(entries[1].hash.is_none());
    }

    #[test]
    fn a_recorded_hash_tells_changed_bytes() {
        let hash = RecordedHash::parse(&sha256_field(b"print(1)\n")).unwrap();
        assert!(hash.mismatch(b"print(1)\n", "pkg 1.0").is_none());
        let why = hash.mismatch(b"import os\n", "pkg 1.0").unwrap();
        assert!(why.contains("RECORD of pkg 1.0"), "{why}");
        assert!(why.contains(&sha256_field(b"print(1)\n")), "{why}");
        assert!(why.contains(&sha256_field(b"import os\n")), "{why}");
    }

    #[test]
    fn stronger_algorithms_and_padding_are_accepted() {
        let digest = sha2::Sha512::digest(b"x");
        let padded = base64::engine::general_purpose::URL_SAFE.encode(digest);
        let hash = RecordedHash::parse(&format!("sha512={padded}")).unwrap();
        assert_eq!(hash.mismatch(b"x", "p"), None);
        assert!(hash.mismatch(b"y", "p").is_some());
    }

    #[test]
    fn wheel_members_are_checked_against_their_own_record() {
        let mut records = ArchiveRecords::default();
        let record = format!(
            "pkg/a.py,{},9\npkg/b.py,,\npkg-1.0.dist-info/RECORD,,\n",
            sha256_field(b"print(1)\n")
        );
        records.add("pkg-1.0.dist-info/RECORD", record.as_bytes());
        records.add("pkg-1.0.dist-info/RECORD".replace("pkg", "w.whl!/in").as_str(), b"x.py,,\n");
        assert_eq!(records.check("pkg/a.py", b"print(1)\n"), None);
        let changed = records.check("pkg/a.py", b"import os\n").unwrap();
        assert!(changed.starts_with("bytes differ from the RECORD of pkg 1.0"), "{changed}");
        let unhashed = records.check("pkg/b.py", b"").unwrap();
        assert!(unhashed.contains("without a hash"), "{unhashed}");
        let unlisted = records.check("pkg/c.pth", b"import os").unwrap();
        assert!(unlisted.starts_with("not listed in the RECORD of pkg 1.0"), "{unlisted}");
        // A nested wheel answers to its own RECORD only, and a zip without one to none.
        assert!(records.check("w.whl!/x.py", b"").unwrap().contains("RECORD of in 1.0"));
        assert!(records.check("w.whl!/pkg/a.py", b"").unwrap().contains("not listed"));
        assert_eq!(records.check("other.zip!/pkg/a.py", b"import os\n"), None);
    }

    #[test]
    fn hexadecimal_digests_as_debian_writes_them_are_read() {
        let hex = hex::encode(sha2::Sha256::digest(b"x = 1\n"));
        let hash = RecordedHash::parse(&format!("sha256={hex}")).unwrap();
        assert_eq!(hash.mismatch(b"x = 1\n", "p"), None);
        // Reported in the RECORD's own notation, so the two can be compared by eye.
        let why = hash.mismatch(b"x = 2\n", "p").unwrap();
        assert!(why.contains(&format!("sha256={hex} recorded")), "{why}");
        let now = hex::encode(sha2::Sha256::digest(b"x = 2\n"));
        assert!(why.contains(&format!("sha256={now} now")), "{why}");
    }

    #[test]
    fn weak_unknown_or_malformed_hashes_are_not_checked() {
        assert_eq!(RecordedHash::parse(""), None);
        assert_eq!(RecordedHash::parse("md5=1B2M2Y8AsgTpgAmY7PhCfg"), None);
        assert_eq!(RecordedHash::parse("sha256=not*base64"), None);
        // Base64 of the wrong length for the algorithm.
        assert_eq!(RecordedHash::parse("sha256=AAAA"), None);
    }
}
