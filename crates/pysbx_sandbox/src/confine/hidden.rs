//! The script's directory without its hidden entries.
//!
//! The policy grants the script's directory for reading, as Python puts it first on `sys.path`.
//! A script run from a home directory (or `pysbx exec -m` from one, whose directory is the
//! working directory) would then let the program read `~/.ssh`, `~/.aws`, `~/.netrc`, a
//! project's `.env` or `.git`: the places where credentials live are, by convention, entries
//! whose names start with a dot. A directory granted this way is therefore granted entry by
//! entry, its hidden entries left out (Landlock cannot deny below a grant, only grant less), and
//! the working directory's copy-on-write view of it hides them with whiteouts. An entry a
//! policy path names or lies in stays granted by that path.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// At most this many entries are granted one by one; a directory with more is granted whole
/// (and `-v` says so), so that a data directory of a million files does not hold up the start
/// with a million Landlock rules.
pub(crate) const MAX_SHOWN_ENTRIES: usize = 50_000;

/// Whether an entry's name marks it hidden.
pub(crate) fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_bytes().first() == Some(&b'.')
}

/// A directory's entries, sorted into those granted and those withheld.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Split {
    /// Entries that are not hidden and not symbolic links (a link is granted through its
    /// target, when that is granted: Landlock judges the resolved path).
    pub(crate) shown: Vec<PathBuf>,
    /// Names of the hidden entries no path of `granted` names or lies in.
    pub(crate) hidden: Vec<OsString>,
}

/// Reads `dir` once and splits its entries; `granted` are the run's other grants (an explicit
/// `fs.read: [./.env]` keeps `.env`).
pub(crate) fn split(dir: &Path, granted: &[PathBuf]) -> std::io::Result<Split> {
    let mut out = Split::default();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let path = entry.path();
        if is_hidden(&name) {
            if !granted.iter().any(|g| g.starts_with(&path)) {
                out.hidden.push(name);
            }
        } else if !entry.file_type()?.is_symlink() {
            out.shown.push(path);
        }
    }
    out.shown.sort();
    out.hidden.sort();
    Ok(out)
}

/// A short list of hidden names for the `-v` notes: the first few, then a count.
pub(crate) fn describe(hidden: &[OsString]) -> String {
    const SHOWN: usize = 4;
    let mut names: Vec<String> =
        hidden.iter().take(SHOWN).map(|n| n.to_string_lossy().into_owned()).collect();
    if hidden.len() > SHOWN {
        names.push(format!("{} more", hidden.len() - SHOWN));
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_entries_are_split_from_the_rest_and_links_left_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir(d.join(".ssh")).expect("mkdir");
        std::fs::write(d.join(".env"), "K=v").expect("write");
        std::fs::write(d.join(".kept"), "x").expect("write");
        std::fs::write(d.join("main.py"), "").expect("write");
        std::fs::create_dir(d.join("pkg")).expect("mkdir");
        std::os::unix::fs::symlink("/etc/passwd", d.join("link")).expect("symlink");
        let split = split(d, &[d.join(".kept")]).expect("split");
        assert_eq!(split.shown, vec![d.join("main.py"), d.join("pkg")]);
        assert_eq!(split.hidden, vec![OsString::from(".env"), OsString::from(".ssh")]);
    }

    #[test]
    fn a_grant_inside_a_hidden_directory_keeps_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir(d.join(".cache")).expect("mkdir");
        let split = split(d, &[d.join(".cache/app")]).expect("split");
        assert!(split.hidden.is_empty(), "{split:?}");
    }

    #[test]
    fn the_description_counts_what_it_does_not_name() {
        let names: Vec<OsString> =
            [".a", ".b", ".c", ".d", ".e", ".f"].iter().map(OsString::from).collect();
        assert_eq!(describe(&names), ".a, .b, .c, .d, 2 more");
        assert_eq!(describe(&names[..1]), ".a");
    }
}
