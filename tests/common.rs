//! Helpers shared by the end-to-end tests.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// A `pysbx` command running in `dir` with no configuration from the environment.
pub(crate) fn pysbx(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pysbx").expect("the pysbx binary is built");
    cmd.current_dir(dir).env("NO_COLOR", "1").env_remove("RUST_BACKTRACE");
    cmd
}

/// Writes a file, creating its parent directories.
pub(crate) fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create parent");
    }
    std::fs::write(path, content).expect("write file");
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A temporary directory that is a git work tree root (repository mode), so scans inside it are
/// not switched to audit mode and configuration files are found.
pub(crate) fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(".git")).expect("mkdir .git");
    dir
}
