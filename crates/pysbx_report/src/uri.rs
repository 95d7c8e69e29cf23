//! Paths relative to the scan root, and their URIs: SARIF names files relative to
//! `%SRCROOT%` so results match the repository on GitHub wherever the scan ran.

use std::path::{Component, Path, PathBuf};

/// Relates display paths to the scan root. Both are normalized lexically (`.` dropped, `..`
/// folded): symlinks are not resolved, so a root and a path must be spelled through the same
/// links to match.
#[derive(Debug, Clone)]
pub(crate) struct RootResolver {
    /// The root, normalized, as given (relative or absolute).
    root: PathBuf,
    /// The root made absolute, when it is absolute or the current directory is known.
    root_abs: Option<PathBuf>,
    cwd: Option<PathBuf>,
}

impl RootResolver {
    /// A resolver for `root`; `cwd` completes relative paths (`None`: relative paths can only
    /// be related to a relative root).
    pub(crate) fn new(root: &Path, cwd: Option<&Path>) -> Self {
        let root_abs = absolute(root, cwd);
        Self { root: normalize(root), root_abs, cwd: cwd.map(normalize) }
    }

    /// `path` relative to the root with `/` separators, or `None` when it is outside the root
    /// (or is the root itself).
    pub(crate) fn relative(&self, path: &str) -> Option<String> {
        // An archive member's name (after `!/`) is the archive's own, not a path of this
        // machine: it is kept as written (`w.tar.gz!/pkg/../../up.py` names that member).
        if let Some((outer, member)) = path.split_once("!/") {
            return Some(format!("{}!/{member}", self.relative(outer)?));
        }
        let path = Path::new(path);
        let rel = if path.is_absolute() == self.root.is_absolute() {
            let normalized = normalize(path);
            normalized.strip_prefix(&self.root).ok()?.to_path_buf()
        } else {
            let path = absolute(path, self.cwd.as_deref())?;
            path.strip_prefix(self.root_abs.as_ref()?).ok()?.to_path_buf()
        };
        let mut parts = Vec::new();
        for component in rel.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_str()?),
                // A `..` left after normalizing climbs out of the root.
                _ => return None,
            }
        }
        if parts.is_empty() { None } else { Some(parts.join("/")) }
    }

    /// `path` made absolute and normalized, when possible.
    pub(crate) fn absolute(&self, path: &str) -> Option<PathBuf> {
        if let Some((outer, member)) = path.split_once("!/") {
            let mut joined = absolute(Path::new(outer), self.cwd.as_deref())?.into_os_string();
            joined.push("!/");
            joined.push(member);
            return Some(PathBuf::from(joined));
        }
        absolute(Path::new(path), self.cwd.as_deref())
    }

    /// The `file:` URI of the root with a trailing slash, when the root can be made absolute.
    pub(crate) fn root_uri(&self) -> Option<String> {
        let mut uri = file_uri(self.root_abs.as_ref()?);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        Some(uri)
    }
}

/// The path relative to the root for display in annotations, or the path as given.
pub(crate) fn display_relative(resolver: &RootResolver, path: &str) -> String {
    resolver.relative(path).unwrap_or_else(|| path.to_owned())
}

/// `path` joined to `cwd` when relative, then normalized.
fn absolute(path: &Path, cwd: Option<&Path>) -> Option<PathBuf> {
    if path.is_absolute() { Some(normalize(path)) } else { Some(normalize(&cwd?.join(path))) }
}

/// Drops `.` components and folds `name/..`; a `..` at the top of an absolute path stays at
/// the top, at the top of a relative one it is kept.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    out.iter().collect()
}

/// A `file://` URI for an absolute path.
pub(crate) fn file_uri(path: &Path) -> String {
    let encoded = percent_encode(&path_bytes(path));
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        format!("file:///{encoded}")
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/`, byte by byte of
/// the UTF-8 text, as a URI path needs. The dots of a `.` or `..` segment (left only in an
/// archive member's name) are encoded too, so that resolving the URI does not fold them into
/// another path.
pub(crate) fn percent_encode(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len());
    for (n, segment) in bytes.split(|&b| b == b'/').enumerate() {
        if n > 0 {
            out.push('/');
        }
        let dot_segment = matches!(segment, b"." | b"..");
        for &byte in segment {
            if !dot_segment
                && (byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~'))
            {
                out.push(char::from(byte));
            } else {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
    out
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Vec<u8> {
    path.to_string_lossy().replace('\\', "/").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_under_a_relative_root() {
        let r = RootResolver::new(Path::new("."), None);
        assert_eq!(r.relative("src/a.py").as_deref(), Some("src/a.py"));
        assert_eq!(r.relative("./src/../lib/b.py").as_deref(), Some("lib/b.py"));
        assert_eq!(r.relative("../other/c.py"), None);
        let r = RootResolver::new(Path::new("proj"), None);
        assert_eq!(r.relative("proj/pkg/x.py").as_deref(), Some("pkg/x.py"));
        assert_eq!(r.relative("projx/y.py"), None);
        assert_eq!(r.relative("proj"), None);
    }

    #[test]
    fn mixed_absolute_and_relative_use_the_current_directory() {
        let cwd = Path::new("/home/u/repo");
        let r = RootResolver::new(Path::new("/home/u/repo"), Some(cwd));
        assert_eq!(r.relative("src/a.py").as_deref(), Some("src/a.py"));
        assert_eq!(r.relative("/home/u/repo/./b.py").as_deref(), Some("b.py"));
        assert_eq!(r.relative("/etc/passwd"), None);
        let r = RootResolver::new(Path::new("."), Some(cwd));
        assert_eq!(r.relative("/home/u/repo/src/a.py").as_deref(), Some("src/a.py"));
        assert_eq!(r.root_uri().as_deref(), Some("file:///home/u/repo/"));
        // Without a current directory, relative and absolute cannot be related.
        let r = RootResolver::new(Path::new("."), None);
        assert_eq!(r.relative("/home/u/repo/src/a.py"), None);
        assert_eq!(r.root_uri(), None);
    }

    #[test]
    fn normalize_folds_dots() {
        assert_eq!(normalize(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(normalize(Path::new("../a/./b/..")), PathBuf::from("../a"));
        assert_eq!(normalize(Path::new("./")), PathBuf::from(""));
    }

    #[test]
    fn archive_members_keep_their_names_and_dot_segments_do_not_fold() {
        let r = RootResolver::new(Path::new("/repo"), Some(Path::new("/repo")));
        let rel = r.relative("/repo/arc/evil.tar.gz!/pkg/../../up.py").unwrap();
        assert_eq!(rel, "arc/evil.tar.gz!/pkg/../../up.py");
        assert_eq!(percent_encode(rel.as_bytes()), "arc/evil.tar.gz%21/pkg/%2E%2E/%2E%2E/up.py");
        assert_eq!(r.relative("arc/./w.whl!/a/b.py").unwrap(), "arc/w.whl!/a/b.py");
        assert_eq!(
            r.absolute("arc/w.whl!/./x.py").unwrap(),
            PathBuf::from("/repo/arc/w.whl!/./x.py")
        );
        assert_eq!(percent_encode(b"a/.hidden/..x/b..c"), "a/.hidden/..x/b..c");
    }

    #[test]
    fn encoding_keeps_unreserved_and_slashes() {
        assert_eq!(percent_encode(b"src/my_mod-1.2~x.py"), "src/my_mod-1.2~x.py");
        assert_eq!(percent_encode(b"a b/c#d?e%f"), "a%20b/c%23d%3Fe%25f");
        assert_eq!(
            percent_encode("paquet/été/模块.py".as_bytes()),
            "paquet/%C3%A9t%C3%A9/%E6%A8%A1%E5%9D%97.py"
        );
    }

    #[test]
    fn file_uris_are_absolute_and_encoded() {
        assert_eq!(file_uri(Path::new("/srv/my repo")), "file:///srv/my%20repo");
        let r = RootResolver::new(Path::new("/srv/my repo/"), None);
        assert_eq!(r.root_uri().as_deref(), Some("file:///srv/my%20repo/"));
        let r = RootResolver::new(Path::new("/"), None);
        assert_eq!(r.root_uri().as_deref(), Some("file:///"));
    }
}
