//! Discovery of the Python files a scan reads: files and directories given by the user, walked in
//! parallel with the `ignore` crate, filtered to Python sources, returned sorted so that every
//! later stage is deterministic.
#![deny(missing_docs)]

pub mod archive;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};

/// How to walk.
#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Honour `.gitignore`, `.ignore` and git's excludes (repository mode). Audit mode turns
    /// this off so that a package cannot hide files from its own scan.
    pub respect_ignore_files: bool,
    /// Globs of paths to leave out, matched against the whole path and against its file name.
    /// They apply to explicitly given files too, as pre-commit expects.
    pub exclude: Vec<String>,
    /// Worker threads for the walk (0: let `ignore` decide).
    pub threads: usize,
}

/// A path that could not be walked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkError {
    /// The path.
    pub path: PathBuf,
    /// What went wrong, for the user.
    pub message: String,
}

/// The result of discovery.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Python files (and `.pth` start-up files), sorted and de-duplicated.
    pub files: Vec<PathBuf>,
    /// Archives to read in memory, sorted: wheels, eggs, zips and tarballs by name (see
    /// [`archive::archive_kind`]), and zip applications by content.
    pub archives: Vec<PathBuf>,
    /// Paths that could not be walked or do not exist, sorted.
    pub errors: Vec<WalkError>,
    /// Compiled Python files (`.pyc`, `.pyo`) outside `__pycache__` with no source beside them,
    /// sorted: Python imports them, and bytecode is not scanned, so a scan names them.
    pub bytecode: Vec<PathBuf>,
    /// `pyproject.toml` files found in walked directories, sorted: they may name an in-tree
    /// build backend, which runs at install time.
    pub projects: Vec<PathBuf>,
    /// Other metadata files that may declare commands, found in walked directories, sorted:
    /// `setup.cfg`, and `entry_points.txt` in a `*.dist-info` or `*.egg-info` directory.
    pub metadata: Vec<PathBuf>,
}

/// An invalid `--exclude` glob.
#[derive(Debug, thiserror::Error)]
#[error("invalid exclude pattern `{pattern}`: {source}")]
pub struct ExcludeError {
    /// The pattern as given.
    pub pattern: String,
    /// Why it is invalid.
    #[source]
    pub source: globset::Error,
}

/// Compiled exclude globs.
#[derive(Debug, Clone)]
pub struct Excludes(GlobSet);

impl Excludes {
    /// Compiles exclude globs.
    ///
    /// # Errors
    /// The first invalid glob.
    pub fn new(patterns: &[String]) -> Result<Self, ExcludeError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = Glob::new(pattern)
                .map_err(|source| ExcludeError { pattern: pattern.clone(), source })?;
            builder.add(glob);
        }
        builder
            .build()
            .map(Self)
            .map_err(|source| ExcludeError { pattern: patterns.join(","), source })
    }

    /// Whether a path is excluded: the glob matches the path, any trailing part of it
    /// (`tests/*.py` matches `a/tests/x.py`), or its file name.
    #[must_use]
    pub fn is_excluded(&self, path: &Path) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let stripped = path.strip_prefix("./").unwrap_or(path);
        if self.0.is_match(stripped) {
            return true;
        }
        let components: Vec<_> = stripped.components().collect();
        (1..components.len()).any(|i| {
            let tail: PathBuf = components[i..].iter().collect();
            self.0.is_match(&tail)
        })
    }
}

/// Python source suffixes: the files Python imports or runs. Type stubs (`.pyi`) are not among
/// them: no import, `python -m` or zip import ever runs one (only an explicit loader such as
/// `runpy.run_path` or `exec(open(...).read())` could, and that call is what the rules
/// report), while their annotations (`loads = pickle.loads`, `class Popen(subprocess.Popen)`)
/// read as code that does things it never does.
const PYTHON_EXTENSIONS: &[&str] = &["py", "pyw"];

/// Whether `path` is a Python source by name: a `.py` or `.pyw` file. Files without an
/// extension are Python when they start with a python shebang ([`has_python_shebang`]).
#[must_use]
pub fn has_python_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| PYTHON_EXTENSIONS.iter().any(|p| e.eq_ignore_ascii_case(p)))
}

/// Whether the file starts with `#!` naming a python interpreter (`#!/usr/bin/env python3`).
#[must_use]
pub fn has_python_shebang(path: &Path) -> bool {
    let Ok(mut file) = std::fs::File::open(path) else { return false };
    let mut head = [0u8; 128];
    let Ok(n) = file.read(&mut head) else { return false };
    is_python_shebang(&head[..n])
}

/// Whether these first bytes of a file are a `#!` line naming a python interpreter.
#[must_use]
pub fn is_python_shebang(head: &[u8]) -> bool {
    if !head.starts_with(b"#!") {
        return false;
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    line.windows(6).any(|w| w == b"python")
}

/// Whether a file is scanned as Python by its name: a Python source suffix (in any case), or a
/// `.pth` file, whose `import` lines `site` executes (an archive's member names are tested
/// lowercased).
#[must_use]
pub fn is_source_name(path: &Path) -> bool {
    has_python_extension(path) || path.extension().is_some_and(|e| e == "pth")
}

/// Whether a file is compiled Python by its name (`.pyc`, `.pyo`).
pub(crate) fn is_compiled_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pyc") || e.eq_ignore_ascii_case("pyo"))
}

/// What a scan says of compiled Python it found without a source (in a tree or an archive).
pub const SOURCELESS_BYTECODE: &str =
    "compiled Python without its source: importable, and bytecode is not scanned";

/// Whether `path` is compiled Python that Python would import in place of a source: a `.pyc`
/// or `.pyo` outside `__pycache__` (whose files are used only beside their source) with no
/// `.py` or `.pyw` of the same name beside it.
#[must_use]
pub fn is_sourceless_bytecode(path: &Path) -> bool {
    if !is_compiled_name(path) {
        return false;
    }
    let in_pycache =
        path.parent().and_then(Path::file_name).is_some_and(|dir| dir == "__pycache__");
    !in_pycache && !["py", "pyw"].iter().any(|ext| path.with_extension(ext).exists())
}

/// What discovery makes of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    /// A Python source (or a `.pth` start-up file): scanned.
    Source,
    /// An archive or a zip application: read in memory.
    Archive,
    /// Compiled Python without its source: reported.
    Bytecode,
    /// A `pyproject.toml` (in a walked directory): read for its build backend.
    Project,
    /// A `setup.cfg`, or an `entry_points.txt` of a distribution's metadata: read for the
    /// commands it declares; or a CMake build script, for the commands it runs.
    Metadata,
    /// Anything else: left out of a directory walk.
    Other,
}

fn file_kind(path: &Path) -> FileKind {
    // Sources first: most files of a walk are, and the test allocates nothing (the suffixes
    // of the kinds do not overlap, so the order decides nothing else).
    if is_source_name(path) {
        return FileKind::Source;
    }
    if path.file_name().is_some_and(|name| name == "pyproject.toml") {
        return FileKind::Project;
    }
    if is_metadata_name(path) {
        return FileKind::Metadata;
    }
    if archive::archive_kind(path).is_some() {
        return FileKind::Archive;
    }
    if is_sourceless_bytecode(path) {
        return FileKind::Bytecode;
    }
    if path.extension().is_none() && has_python_shebang(path) {
        // `python tool` runs a zip application from the zip, whatever its first line says.
        return if archive::is_zip_application(path) {
            FileKind::Archive
        } else {
            FileKind::Source
        };
    }
    FileKind::Other
}

/// Whether the file may declare commands: `setup.cfg`, `entry_points.txt` in a
/// `*.dist-info` or `*.egg-info` directory, or a CMake build script (see
/// [`is_cmake_script`]).
fn is_metadata_name(path: &Path) -> bool {
    match path.file_name().and_then(|n| n.to_str()) {
        Some("setup.cfg") => true,
        Some(name) if is_cmake_script(name) => true,
        Some("entry_points.txt") => path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .is_some_and(is_metadata_dir),
        _ => false,
    }
}

/// Whether a file is a CMake build script by its name (`CMakeLists.txt`, `*.cmake`, in any
/// case): a package built with CMake runs its commands when it is built from source.
pub fn is_cmake_script(name: &str) -> bool {
    const SUFFIX: &str = ".cmake";
    name.eq_ignore_ascii_case("CMakeLists.txt")
        || (name.len() > SUFFIX.len()
            && name
                .get(name.len() - SUFFIX.len()..)
                .is_some_and(|s| s.eq_ignore_ascii_case(SUFFIX)))
}

/// Whether a directory's name is a distribution's metadata directory (`*.dist-info`,
/// `*.egg-info`).
pub(crate) fn is_metadata_dir(name: &str) -> bool {
    name.ends_with(".dist-info") || name.ends_with(".egg-info")
}

/// Walks `paths` and returns every Python file under them.
///
/// A path given explicitly as a file is kept whatever its name (the user asked for it) unless an
/// exclude matches it; directories are walked in parallel. Nonexistent paths become errors.
#[must_use]
pub fn discover(paths: &[PathBuf], options: &WalkOptions, excludes: &Excludes) -> Discovery {
    let mut discovery = Discovery::default();
    let mut dirs = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => dirs.push(path.clone()),
            Ok(meta) if !meta.is_file() => {
                // A FIFO would block the read, a device would never end: named, but not read.
                if !excludes.is_excluded(path) {
                    let message =
                        pysbx_files::ReadError::NotRegular(pysbx_files::describe_type(&meta))
                            .to_string();
                    discovery.errors.push(WalkError { path: path.clone(), message });
                }
            }
            Ok(_) => {
                if excludes.is_excluded(path) {
                    continue;
                }
                // Named by the user: read whatever its name, unless it is an archive or bytecode.
                match file_kind(path) {
                    FileKind::Archive => discovery.archives.push(path.clone()),
                    FileKind::Bytecode => discovery.bytecode.push(path.clone()),
                    FileKind::Project => discovery.projects.push(path.clone()),
                    FileKind::Metadata => discovery.metadata.push(path.clone()),
                    FileKind::Source | FileKind::Other => discovery.files.push(path.clone()),
                }
            }
            Err(err) => discovery.errors.push(WalkError {
                path: path.clone(),
                message: pysbx_files::describe_io_error(&err),
            }),
        }
    }
    if !dirs.is_empty() {
        // Where the walked trees really are, to tell links that stay inside them.
        let roots: Vec<PathBuf> =
            dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect();
        let roots = &roots;
        let found =
            Mutex::new((Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()));
        let mut builder = WalkBuilder::new(&dirs[0]);
        for dir in &dirs[1..] {
            builder.add(dir);
        }
        builder
            .standard_filters(options.respect_ignore_files)
            .hidden(false)
            .parents(options.respect_ignore_files)
            .threads(options.threads)
            .filter_entry(|entry| entry.file_name() != ".git");
        builder.build_parallel().run(|| {
            let found = &found;
            Box::new(move |entry| {
                match entry {
                    Ok(entry) => {
                        let mut is_file = entry.file_type().is_some_and(|t| t.is_file());
                        if entry.file_type().is_some_and(|t| t.is_symlink())
                            && !excludes.is_excluded(entry.path())
                        {
                            match follow_link(entry.path(), roots) {
                                Linked::File => is_file = true,
                                Linked::Covered => {}
                                Linked::Report(message) => {
                                    if let Ok(mut guard) = found.lock() {
                                        let path = entry.path().to_path_buf();
                                        guard.1.push(WalkError { path, message });
                                    }
                                }
                            }
                        }
                        if let Some(message) = special_file(&entry, excludes)
                            && let Ok(mut guard) = found.lock()
                        {
                            let path = entry.path().to_path_buf();
                            guard.1.push(WalkError { path, message });
                        }
                        if is_file {
                            let path = entry.path();
                            let kind = file_kind(path);
                            let wanted = kind != FileKind::Other && !excludes.is_excluded(path);
                            if wanted && let Ok(mut guard) = found.lock() {
                                match kind {
                                    FileKind::Archive => guard.2.push(entry.into_path()),
                                    FileKind::Bytecode => guard.3.push(entry.into_path()),
                                    FileKind::Project => guard.4.push(entry.into_path()),
                                    FileKind::Metadata => guard.5.push(entry.into_path()),
                                    FileKind::Source | FileKind::Other => {
                                        guard.0.push(entry.into_path());
                                    }
                                }
                            }
                        } else if entry.depth() > 0
                            && entry.file_type().is_some_and(|t| t.is_dir())
                            && excludes.is_excluded(entry.path())
                        {
                            return WalkState::Skip;
                        }
                    }
                    Err(err) => {
                        if let Ok(mut guard) = found.lock() {
                            guard.1.push(walk_error(&err));
                        }
                    }
                }
                WalkState::Continue
            })
        });
        if let Ok((files, errors, archives, bytecode, projects, metadata)) = found.into_inner() {
            discovery.files.extend(files);
            discovery.errors.extend(errors);
            discovery.archives.extend(archives);
            discovery.bytecode.extend(bytecode);
            discovery.projects.extend(projects);
            discovery.metadata.extend(metadata);
        }
    }
    discovery.files.sort();
    discovery.files.dedup();
    discovery.archives.sort();
    discovery.archives.dedup();
    discovery.bytecode.sort();
    discovery.bytecode.dedup();
    discovery.projects.sort();
    discovery.projects.dedup();
    discovery.metadata.sort();
    discovery.metadata.dedup();
    discovery.errors.sort_by(|a, b| a.path.cmp(&b.path));
    discovery
}

/// A FIFO, socket or device under a name the scan reads (`pkg/__init__.py` as a FIFO):
/// reported, as a link to one is, never read (a FIFO would block the read, a device would
/// never end) and never skipped in silence.
fn special_file(entry: &ignore::DirEntry, excludes: &Excludes) -> Option<String> {
    let kind = entry.file_type()?;
    if kind.is_file() || kind.is_dir() || kind.is_symlink() {
        return None;
    }
    let path = entry.path();
    if file_kind(path) == FileKind::Other || excludes.is_excluded(path) {
        return None;
    }
    let what = entry.metadata().map(|m| pysbx_files::describe_type(&m)).unwrap_or("a special file");
    Some(pysbx_files::ReadError::NotRegular(what).to_string())
}

/// What a walk makes of a symbolic link it meets.
#[derive(Debug, PartialEq, Eq)]
enum Linked {
    /// A regular file outside the walked trees: read under the link's name, as Python
    /// imports it (a package module that is a link to a payload elsewhere).
    File,
    /// Nothing to do: the target is scanned under its own name inside a walked tree, or the
    /// link is neither a directory nor named like a file a scan reads.
    Covered,
    /// Reported, never skipped in silence: a directory outside the walked trees (not followed,
    /// so a link to `/` cannot turn a scan into a scan of the machine), a dangling link or one
    /// to a device or FIFO under a scanned name.
    Report(String),
}

fn follow_link(path: &Path, roots: &[PathBuf]) -> Linked {
    let inside =
        || std::fs::canonicalize(path).is_ok_and(|t| roots.iter().any(|r| t.starts_with(r)));
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            if inside() {
                Linked::Covered
            } else {
                let target = std::fs::read_link(path).unwrap_or_default();
                Linked::Report(format!(
                    "symbolic link to the directory {}, outside the scanned tree: not followed \
                     (name it to scan it)",
                    target.display()
                ))
            }
        }
        Ok(meta) if meta.is_file() => {
            let kind = file_kind(path);
            // Scanned under its own name only if that name is read the same way
            // (`mod.py -> data.txt` is Python, though `data.txt` is not read as such).
            let covered = std::fs::canonicalize(path)
                .is_ok_and(|t| roots.iter().any(|r| t.starts_with(r)) && file_kind(&t) == kind);
            if kind == FileKind::Other || covered { Linked::Covered } else { Linked::File }
        }
        Ok(meta) if file_kind(path) != FileKind::Other => Linked::Report(format!(
            "symbolic link to {}: not read",
            pysbx_files::describe_type(&meta)
        )),
        Err(err) if file_kind(path) != FileKind::Other => Linked::Report(format!(
            "symbolic link that cannot be followed: {}",
            pysbx_files::describe_io_error(&err)
        )),
        _ => Linked::Covered,
    }
}

fn walk_error(err: &ignore::Error) -> WalkError {
    let path = error_path(err).unwrap_or_default();
    let message = match err.io_error() {
        Some(io) => pysbx_files::describe_io_error(io),
        None => err.to_string(),
    };
    WalkError { path, message }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("pkg/sub")).unwrap();
        fs::create_dir_all(root.join("tests")).unwrap();
        fs::write(root.join("pkg/a.py"), "x = 1\n").unwrap();
        fs::write(root.join("pkg/sub/b.pyi"), "import pickle\nloads = pickle.loads\n").unwrap();
        fs::write(root.join("pkg/sub/c.pyw"), "print(1)\n").unwrap();
        fs::write(root.join("pkg/readme.txt"), "no\n").unwrap();
        fs::write(root.join("pkg/tool"), "#!/usr/bin/env python3\nprint(1)\n").unwrap();
        fs::write(root.join("pkg/shell"), "#!/bin/sh\necho\n").unwrap();
        fs::write(root.join("tests/test_a.py"), "assert 1\n").unwrap();
        fs::write(root.join(".gitignore"), "ignored.py\n").unwrap();
        fs::write(root.join("ignored.py"), "x = 1\n").unwrap();
        dir
    }

    /// The walk's errors as (path under `root`, message), in the walk's order.
    fn errors(d: &Discovery, root: &Path) -> Vec<(String, String)> {
        d.errors
            .iter()
            .map(|e| {
                let path = e.path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                (path, e.message.clone())
            })
            .collect()
    }

    fn names(d: &Discovery, root: &Path) -> Vec<String> {
        d.files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
            .collect()
    }

    #[test]
    fn zip_applications_are_archives_by_suffix_or_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // A zip application: a shebang line, then a zip (what `python -m zipapp` writes).
        let mut zipapp = b"#!/usr/bin/env python3\n".to_vec();
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file("__main__.py", zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, b"print(1)\n").unwrap();
        zipapp.extend(zip.finish().unwrap().into_inner());
        fs::create_dir_all(root.join("bin")).unwrap();
        fs::write(root.join("app.pyz"), &zipapp).unwrap();
        fs::write(root.join("bin/tool"), &zipapp).unwrap();
        fs::write(root.join("bin/script"), "#!/usr/bin/env python3\nprint(1)\n").unwrap();
        let d =
            discover(&[root.to_path_buf()], &WalkOptions::default(), &Excludes::new(&[]).unwrap());
        let archives: Vec<_> =
            d.archives.iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy()).collect();
        assert_eq!(archives, ["app.pyz", "bin/tool"]);
        assert_eq!(names(&d, root), ["bin/script"]);
        let named = discover(
            &[root.join("bin/tool")],
            &WalkOptions::default(),
            &Excludes::new(&[]).unwrap(),
        );
        assert_eq!(named.archives.len(), 1);
        assert!(archive::is_zip_application(&root.join("bin/tool")));
        assert!(!archive::is_zip_application(&root.join("bin/script")));
    }

    #[test]
    fn symbolic_links_are_read_or_reported_never_skipped_in_silence() {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("payload.py"), "eval(input())\n").unwrap();
        fs::create_dir_all(outside.path().join("elsewhere")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("pkg")).unwrap();
        fs::write(root.join("pkg/real.py"), "x = 1\n").unwrap();
        fs::write(root.join("pkg/data.txt"), "eval(1)\n").unwrap();
        // A module that is a link to a file elsewhere: Python imports it by the link's name.
        symlink(outside.path().join("payload.py"), root.join("pkg/mod.py")).unwrap();
        // A link inside the tree under a name Python imports, to a file the walk does not read.
        symlink("data.txt", root.join("pkg/hidden.py")).unwrap();
        // A link to a module of the tree, and to the tree itself: scanned under their names.
        symlink("real.py", root.join("pkg/alias.py")).unwrap();
        symlink("..", root.join("pkg/up")).unwrap();
        // A directory elsewhere (not followed), a dangling module, a dangling non-module.
        symlink(outside.path().join("elsewhere"), root.join("pkg/away")).unwrap();
        symlink("/nonexistent/x.py", root.join("pkg/gone.py")).unwrap();
        symlink("/nonexistent/notes", root.join("pkg/notes")).unwrap();
        let d =
            discover(&[root.to_path_buf()], &WalkOptions::default(), &Excludes::new(&[]).unwrap());
        assert_eq!(names(&d, root), ["pkg/hidden.py", "pkg/mod.py", "pkg/real.py"]);
        let errors = errors(&d, root);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, "pkg/away");
        assert!(errors[0].1.contains("outside the scanned tree: not followed"), "{errors:?}");
        assert_eq!(errors[1].0, "pkg/gone.py");
        assert!(errors[1].1.contains("cannot be followed"), "{errors:?}");
    }

    #[test]
    fn sockets_and_fifos_under_scanned_names_are_reported_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("pkg")).unwrap();
        fs::write(root.join("pkg/real.py"), "x = 1\n").unwrap();
        // A socket file under a module's name, and one under a name the scan does not read.
        let _module = std::os::unix::net::UnixListener::bind(root.join("pkg/sock.py")).unwrap();
        let _other = std::os::unix::net::UnixListener::bind(root.join("pkg/s.sock")).unwrap();
        // A FIFO under a module's name: opening it to read would wait for a writer forever.
        let made = std::process::Command::new("mkfifo").arg(root.join("pkg/__init__.py")).status();
        assert!(made.is_ok_and(|s| s.success()), "test setup: mkfifo");
        let d =
            discover(&[root.to_path_buf()], &WalkOptions::default(), &Excludes::new(&[]).unwrap());
        assert_eq!(names(&d, root), ["pkg/real.py"]);
        let errors = errors(&d, root);
        assert_eq!(
            errors,
            [
                (
                    "pkg/__init__.py".to_string(),
                    "not a regular file (a FIFO): not read".to_string()
                ),
                ("pkg/sock.py".to_string(), "not a regular file (a socket): not read".to_string()),
            ]
        );
        // An excluded one is not reported.
        let excluded = discover(
            &[root.to_path_buf()],
            &WalkOptions::default(),
            &Excludes::new(&["pkg/sock.py".to_string()]).unwrap(),
        );
        assert!(
            !excluded.errors.iter().any(|e| e.path.ends_with("sock.py")),
            "{:?}",
            excluded.errors
        );
    }

    #[test]
    fn pyproject_files_are_found_apart() {
        let dir = tree();
        fs::write(dir.path().join("pkg/pyproject.toml"), "[project]\n").unwrap();
        let d = discover(
            &[dir.path().to_path_buf()],
            &WalkOptions::default(),
            &Excludes::new(&[]).unwrap(),
        );
        assert_eq!(d.projects, [dir.path().join("pkg/pyproject.toml")]);
        assert!(d.metadata.is_empty());
        assert!(!names(&d, dir.path()).iter().any(|n| n.ends_with(".toml")));
    }

    #[test]
    fn metadata_that_declares_commands_is_found_apart() {
        let dir = tree();
        fs::write(dir.path().join("pkg/setup.cfg"), "[metadata]\n").unwrap();
        fs::create_dir_all(dir.path().join("x-1.0.dist-info")).unwrap();
        fs::write(dir.path().join("x-1.0.dist-info/entry_points.txt"), "").unwrap();
        fs::write(dir.path().join("pkg/entry_points.txt"), "").unwrap();
        let d = discover(
            &[dir.path().to_path_buf()],
            &WalkOptions::default(),
            &Excludes::new(&[]).unwrap(),
        );
        assert_eq!(
            d.metadata,
            [dir.path().join("pkg/setup.cfg"), dir.path().join("x-1.0.dist-info/entry_points.txt")]
        );
        assert!(!names(&d, dir.path()).iter().any(|n| n.ends_with(".cfg") || n.ends_with(".txt")));
    }

    #[test]
    fn compiled_python_without_its_source_is_found_apart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("pkg/__pycache__")).unwrap();
        fs::write(root.join("pkg/__init__.py"), "").unwrap();
        fs::write(root.join("pkg/hidden.pyc"), b"\x00").unwrap();
        fs::write(root.join("pkg/legacy.PYO"), b"\x00").unwrap();
        fs::write(root.join("pkg/beside.py"), "x = 1\n").unwrap();
        fs::write(root.join("pkg/beside.pyc"), b"\x00").unwrap();
        fs::write(root.join("pkg/__pycache__/gone.cpython-311.pyc"), b"\x00").unwrap();
        let d =
            discover(&[root.to_path_buf()], &WalkOptions::default(), &Excludes::new(&[]).unwrap());
        let bytecode: Vec<_> =
            d.bytecode.iter().map(|p| p.strip_prefix(root).unwrap().to_string_lossy()).collect();
        assert_eq!(bytecode, ["pkg/hidden.pyc", "pkg/legacy.PYO"]);
        assert_eq!(names(&d, root), ["pkg/__init__.py", "pkg/beside.py"]);
        // Named on the command line, it is reported the same way, not read as a source.
        let named = discover(
            &[root.join("pkg/hidden.pyc")],
            &WalkOptions::default(),
            &Excludes::new(&[]).unwrap(),
        );
        assert_eq!(named.bytecode.len(), 1);
        assert!(named.files.is_empty());
    }

    #[test]
    fn finds_python_by_extension_and_shebang_sorted() {
        let dir = tree();
        // Without a .git directory, `ignore` only honours .gitignore inside a repository.
        fs::create_dir(dir.path().join(".git")).unwrap();
        let opts = WalkOptions { respect_ignore_files: true, ..WalkOptions::default() };
        let d = discover(&[dir.path().to_path_buf()], &opts, &Excludes::new(&[]).unwrap());
        // A stub (`.pyi`) is left out of a walk: Python never runs it.
        assert_eq!(
            names(&d, dir.path()),
            ["pkg/a.py", "pkg/sub/c.pyw", "pkg/tool", "tests/test_a.py"]
        );
        assert!(d.errors.is_empty());
        // Named on the command line, it is read like any file named there.
        let stub = dir.path().join("pkg/sub/b.pyi");
        let d = discover(std::slice::from_ref(&stub), &opts, &Excludes::new(&[]).unwrap());
        assert_eq!(d.files, [stub]);
    }

    #[test]
    fn audit_mode_ignores_gitignore() {
        let dir = tree();
        fs::create_dir(dir.path().join(".git")).unwrap();
        let d = discover(
            &[dir.path().to_path_buf()],
            &WalkOptions::default(),
            &Excludes::new(&[]).unwrap(),
        );
        assert!(names(&d, dir.path()).contains(&"ignored.py".to_string()));
    }

    #[test]
    fn excludes_apply_to_dirs_and_explicit_files() {
        let dir = tree();
        let ex = Excludes::new(&["tests/*".to_string(), "a.py".to_string()]).unwrap();
        let d = discover(&[dir.path().to_path_buf()], &WalkOptions::default(), &ex);
        let n = names(&d, dir.path());
        assert!(!n.iter().any(|p| p.starts_with("tests/")), "{n:?}");
        assert!(!n.contains(&"pkg/a.py".to_string()), "{n:?}");
        let explicit = discover(&[dir.path().join("pkg/a.py")], &WalkOptions::default(), &ex);
        assert!(explicit.files.is_empty());
    }

    #[test]
    fn missing_path_is_an_error() {
        let d = discover(
            &[PathBuf::from("/nonexistent/pysbx")],
            &WalkOptions::default(),
            &Excludes::new(&[]).unwrap(),
        );
        assert_eq!(d.errors.len(), 1);
        assert_eq!(d.errors[0].message, "no such file or directory");
    }

    #[test]
    fn explicit_file_is_kept_whatever_its_name() {
        let dir = tree();
        let d = discover(
            &[dir.path().join("pkg/readme.txt")],
            &WalkOptions::default(),
            &Excludes::new(&[]).unwrap(),
        );
        assert_eq!(d.files.len(), 1);
    }

    #[test]
    fn bad_exclude_glob_is_reported() {
        let err = Excludes::new(&["a[".to_string()]).unwrap_err();
        assert!(err.to_string().contains("a["));
    }
}
