//! `pysbx rules`: list, show, validate, and the committed rule pages.

use crate::common::{pysbx, repo, stderr, stdout, write};

#[test]
fn list_shows_every_builtin_rule() {
    let dir = repo();
    let out = pysbx(dir.path()).args(["rules", "list", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let rules: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rules.iter().any(|r| r["id"] == "PSB101" && r["name"] == "exec-builtin"));
}

#[test]
fn show_prints_help() {
    let dir = repo();
    let out = pysbx(dir.path()).args(["rules", "show", "PSB201"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("os-system"));
    let out = pysbx(dir.path()).args(["rules", "show", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_reports_file_line_col() {
    let dir = repo();
    write(
        dir.path(),
        "r.yaml",
        "rules:\n  - id: X001\n    name: x\n    severity: high\n    message: m\n    match: {string: 'a(b'}\n",
    );
    let out = pysbx(dir.path()).args(["rules", "validate", "r.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("r.yaml:6:"), "{}", stderr(&out));
    write(
        dir.path(),
        "ok.yaml",
        "rules:\n  - id: X001\n    name: x\n    severity: high\n    message: m\n    match: {call: foo.bar}\n",
    );
    let out = pysbx(dir.path()).args(["rules", "validate", "ok.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn extra_rule_pack_is_applied() {
    let dir = repo();
    write(
        dir.path(),
        "mine.yaml",
        "rules:\n  - id: ORG001\n    name: no-print\n    severity: low\n    message: '`{name}` call'\n    match: {call: builtins.print}\n",
    );
    write(dir.path(), "a.py", "print('hi')\n");
    let out = pysbx(dir.path())
        .args(["scan", "--rules", "mine.yaml", "--format", "json", "a.py"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule_id"], "ORG001", "{doc}");
    assert_eq!(doc["findings"][0]["message"], "`builtins.print` call");
}

#[test]
fn committed_rule_pages_are_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out =
        pysbx(root).args(["rules", "markdown", "--check", "-o", "docs/rules"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "docs/rules is stale; run `cargo run -- rules markdown -o docs/rules`: {}",
        stderr(&out)
    );
}
