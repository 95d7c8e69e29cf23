//! `pysbx sanitize`: file and directory outputs, `--check`, `--diff`, unparsable inputs, and
//! the sanitized program running under a plain interpreter.

use crate::common::{pysbx, repo, stderr, stdout, write};

const PROGRAM: &str =
    "import os\nprint('before')\nos.system('echo pwned > canary')\nprint('after')\n";

#[test]
fn sanitized_file_runs_until_the_stub_and_keeps_lines() {
    let dir = repo();
    write(dir.path(), "prog.py", PROGRAM);
    let out =
        pysbx(dir.path()).args(["sanitize", "prog.py", "-o", "safe.py", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let safe = std::fs::read_to_string(dir.path().join("safe.py")).unwrap();
    assert_eq!(safe.lines().count(), PROGRAM.lines().count());
    for (a, b) in PROGRAM.lines().zip(safe.lines()) {
        if !a.contains("os.system") {
            assert_eq!(a, b);
        }
    }
    let run = std::process::Command::new("python3")
        .arg("safe.py")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let out_text = String::from_utf8_lossy(&run.stdout);
    let err_text = String::from_utf8_lossy(&run.stderr);
    assert!(out_text.contains("before"), "{out_text}");
    assert!(!out_text.contains("after"), "{out_text}");
    assert!(err_text.contains("PermissionError"), "{err_text}");
    assert!(err_text.contains("PSB215"), "{err_text}");
    assert!(!dir.path().join("canary").exists(), "the stubbed call must not run");
}

#[test]
fn check_exits_one_when_something_would_change() {
    let dir = repo();
    write(dir.path(), "prog.py", PROGRAM);
    write(dir.path(), "clean.py", "print(1)\n");
    let out = pysbx(dir.path()).args(["sanitize", "--check", "-q", "prog.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = pysbx(dir.path()).args(["sanitize", "--check", "-q", "clean.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn diff_shows_the_change_and_writes_nothing() {
    let dir = repo();
    write(dir.path(), "prog.py", PROGRAM);
    let out = pysbx(dir.path()).args(["sanitize", "--diff", "-q", "prog.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.contains("-os.system('echo pwned > canary')"), "{diff}");
    assert!(diff.contains("@@"), "{diff}");
    assert_eq!(std::fs::read_to_string(dir.path().join("prog.py")).unwrap(), PROGRAM);
}

#[test]
fn diff_of_standard_input_is_against_what_was_read() {
    let dir = repo();
    let out = pysbx(dir.path())
        .args(["sanitize", "--diff", "-q", "-"])
        .write_stdin(PROGRAM)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let diff = stdout(&out);
    // Only the stubbed line changes: the lines around it are context, not additions.
    assert!(diff.contains("-os.system('echo pwned > canary')"), "{diff}");
    assert!(diff.contains(" print('before')"), "{diff}");
    assert!(!diff.contains("+print('before')"), "{diff}");
    assert_eq!(diff.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).count(), 1);
}

#[test]
fn directory_is_mirrored_with_other_files_copied() {
    let dir = repo();
    write(dir.path(), "src/pkg/__init__.py", "");
    write(dir.path(), "src/pkg/mod.py", PROGRAM);
    write(dir.path(), "src/pkg/data.json", "{\"a\": 1}");
    let out = pysbx(dir.path()).args(["sanitize", "src", "-o", "out", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/pkg/data.json")).unwrap(),
        "{\"a\": 1}"
    );
    let m = std::fs::read_to_string(dir.path().join("out/pkg/mod.py")).unwrap();
    assert_ne!(m, PROGRAM);
    assert!(dir.path().join("out/pkg/__init__.py").exists());
}

#[test]
fn unparsable_input_is_an_error_unless_kept() {
    let dir = repo();
    write(dir.path(), "src/bad.py", "def f(:\n");
    write(dir.path(), "src/good.py", PROGRAM);
    let out = pysbx(dir.path()).args(["sanitize", "src", "-o", "out", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.py:1:"), "{}", stderr(&out));
    assert!(!dir.path().join("out").exists(), "nothing is written when an input does not parse");
    let out = pysbx(dir.path())
        .args(["sanitize", "src", "-o", "out", "-q", "--keep-unparsable"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join("out/bad.py")).unwrap(), "def f(:\n");
}

#[test]
fn sanitizing_twice_changes_nothing() {
    let dir = repo();
    write(dir.path(), "prog.py", PROGRAM);
    let out =
        pysbx(dir.path()).args(["sanitize", "prog.py", "-o", "once.py", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = pysbx(dir.path()).args(["sanitize", "--check", "-q", "once.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a sanitized file must be a fixed point");
}

#[test]
fn json_report_lists_the_edits() {
    let dir = repo();
    write(dir.path(), "prog.py", PROGRAM);
    let out = pysbx(dir.path())
        .args([
            "sanitize",
            "prog.py",
            "-o",
            "safe.py",
            "--format",
            "json",
            "--report",
            "edits.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("edits.json")).unwrap()).unwrap();
    assert_eq!(doc["findings"][0]["rule_id"], "PSB215", "{doc}");
    assert_eq!(doc["findings"][0]["line"], 3);
}

/// A file declared in another encoding is written back in that encoding (and an unchanged file
/// byte for byte), so python still reads the copy.
#[test]
fn copies_keep_their_declared_encoding() {
    let dir = repo();
    // big5 for "中文": a comment and a string that must survive the round trip.
    let big5_text: &[u8] = b"\xa4\xa4\xa4\xe5";
    let mut changed = b"# -*- coding: big5 -*-\nimport os\n# ".to_vec();
    changed.extend_from_slice(big5_text);
    changed.extend_from_slice(b"\nlabel = '");
    changed.extend_from_slice(big5_text);
    changed.extend_from_slice(b"'\nprint(len(label))\nos.system('true')\n");
    let mut unchanged = b"# coding: big5\nname = '".to_vec();
    unchanged.extend_from_slice(big5_text);
    unchanged.extend_from_slice(b"'\n");
    write(dir.path(), "src/changed.py", changed.as_slice());
    write(dir.path(), "src/unchanged.py", unchanged.as_slice());
    let out = pysbx(dir.path()).args(["sanitize", "src", "-o", "out", "-q"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("out/unchanged.py")).unwrap(), unchanged);
    let copy = std::fs::read(dir.path().join("out/changed.py")).unwrap();
    assert_ne!(copy, changed, "the os.system call is stubbed");
    assert!(
        copy.windows(big5_text.len()).filter(|w| *w == big5_text).count() == 2,
        "the big5 bytes are still big5"
    );
    let run = std::process::Command::new("python3")
        .arg("out/changed.py")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "2\n", "{}", stderr(&run));
    assert!(String::from_utf8_lossy(&run.stderr).contains("PSB215"), "{}", stderr(&run));
}
