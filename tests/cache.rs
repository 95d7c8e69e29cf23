//! The scan cache (`.pysbx_cache`) and the per-file time limit.
#![allow(clippy::unwrap_used, reason = "test set-up fails loudly on any I/O error")]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::common::{pysbx, repo, stderr, write};

const DANGEROUS: &str = "import os\n\nos.system('ls ' + name)\n";

/// Runs `pysbx scan --format json ARGS` in `dir` and returns the exit code and the document.
fn scan_json(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = pysbx(dir).args(["scan", "--format", "json"]).args(args).output().unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), stderr(&out))
    });
    (out.status.code(), doc)
}

/// The document without what legitimately differs between two runs of the same scan.
fn comparable(mut doc: serde_json::Value) -> serde_json::Value {
    doc["stats"]["duration_ms"] = serde_json::json!(0);
    doc["stats"]["cached"] = serde_json::json!(0);
    doc
}

/// Every entry file of the cache under `root`.
fn entries(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(shards) = std::fs::read_dir(root.join("v1")) else { return found };
    for shard in shards.flatten().filter(|s| s.path().is_dir()) {
        for entry in std::fs::read_dir(shard.path()).unwrap().flatten() {
            found.push(entry.path());
        }
    }
    found.sort();
    found
}

/// A repository with a file with a finding, a clean file and a file that does not parse.
fn sample_repo() -> tempfile::TempDir {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    write(dir.path(), "ok.py", "def f(x):\n    return x + 1\n");
    write(dir.path(), "broken.py", "def f(:\n");
    dir
}

#[test]
fn second_run_is_answered_from_the_cache_with_identical_output() {
    let dir = sample_repo();
    let (code, cold) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(cold["stats"]["cached"], 0);
    assert_eq!(cold["stats"]["files_scanned"], 3);
    assert_eq!(cold["findings"].as_array().unwrap().len(), 1);
    assert_eq!(cold["errors"][0]["kind"], "syntax");
    let cache = dir.path().join(".pysbx_cache");
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore")).unwrap().trim_end().lines().last(),
        Some("*")
    );
    assert_eq!(entries(&cache).len(), 3, "one entry per file, the syntax error included");

    let (code, warm) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(warm["stats"]["cached"], 3);
    let (_, uncached) = scan_json(dir.path(), &["--no-cache"]);
    assert_eq!(uncached["stats"]["cached"], 0);
    assert_eq!(comparable(warm.clone()), comparable(cold));
    assert_eq!(comparable(warm), comparable(uncached));
}

#[test]
fn a_hit_skips_the_analysis() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let (_, cold) = scan_json(dir.path(), &["bad.py"]);
    let message = cold["findings"][0]["message"].as_str().unwrap().to_string();
    // Rewrite the stored message: if the next run shows it, the finding came from the cache and
    // not from analysing the file again.
    let cache = dir.path().join(".pysbx_cache");
    let [entry] = entries(&cache).try_into().unwrap();
    let mut stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    let finding = &mut stored["outcome"]["analysed"]["findings"][0];
    assert_eq!(finding["message"], message.as_str());
    finding["message"] = serde_json::json!("from the cache");
    std::fs::write(&entry, serde_json::to_vec(&stored).unwrap()).unwrap();
    let (code, warm) = scan_json(dir.path(), &["bad.py"]);
    assert_eq!(code, Some(1));
    assert_eq!(warm["stats"]["cached"], 1);
    assert_eq!(warm["findings"][0]["message"], "from the cache");
    // --no-cache analyses the file.
    let (_, fresh) = scan_json(dir.path(), &["--no-cache", "bad.py"]);
    assert_eq!(fresh["findings"][0]["message"], message.as_str());
}

#[test]
fn an_edited_file_is_analysed_again() {
    let dir = sample_repo();
    scan_json(dir.path(), &[]);
    write(dir.path(), "ok.py", "import subprocess\nsubprocess.call(cmd, shell=True)\n");
    let (code, doc) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["stats"]["cached"], 2);
    let mut paths: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    paths.dedup();
    assert_eq!(paths, ["bad.py", "ok.py"]);
}

#[test]
fn rule_pack_configuration_and_options_invalidate() {
    let dir = repo();
    write(dir.path(), "a.py", "import foo\nfoo.bar()\n");
    let pack = |message: &str| {
        format!(
            "family: local\nrules:\n  - id: LOC001\n    name: foo-bar\n    severity: high\n    message: {message}\n    help: Do not.\n    match: {{call: foo.bar}}\n"
        )
    };
    write(dir.path(), "local.yaml", pack("first message"));
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "a.py"]);
    assert_eq!(doc["findings"][0]["message"], "first message");
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "a.py"]);
    assert_eq!(doc["stats"]["cached"], 1);

    // An edited rule pack.
    write(dir.path(), "local.yaml", pack("second message"));
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "a.py"]);
    assert_eq!(doc["stats"]["cached"], 0);
    assert_eq!(doc["findings"][0]["message"], "second message");

    // A severity override in the configuration.
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "a.py"]);
    assert_eq!(doc["stats"]["cached"], 1);
    write(dir.path(), "pysbx.yaml", "severity: {LOC001: low}\n");
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "a.py"]);
    assert_eq!(doc["stats"]["cached"], 0);
    assert_eq!(doc["findings"][0]["severity"], "low");

    // A different selection, and suppressions no longer honoured.
    write(dir.path(), "b.py", "import foo\nfoo.bar()  # pysbx: ignore[LOC001]\n");
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "b.py"]);
    assert_eq!(doc["stats"]["suppressed"], 1);
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "--select", "LOC001", "b.py"]);
    assert_eq!(doc["stats"]["cached"], 0);
    assert_eq!(doc["stats"]["suppressed"], 1);
    let (_, doc) = scan_json(dir.path(), &["--rules", "local.yaml", "--audit", "b.py"]);
    assert_eq!(doc["stats"]["cached"], 0);
    assert_eq!(doc["stats"]["suppressed"], 0);
}

#[test]
fn per_file_ignores_apply_to_cached_results() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let (code, _) = scan_json(dir.path(), &["bad.py"]);
    assert_eq!(code, Some(1));
    write(dir.path(), "pysbx.yaml", "per_file_ignores:\n  \"bad.py\": [PSB201]\n");
    let (code, doc) = scan_json(dir.path(), &["bad.py"]);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["stats"]["cached"], 1);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn a_corrupt_entry_is_a_miss_and_is_rewritten() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let (_, cold) = scan_json(dir.path(), &["bad.py"]);
    let cache = dir.path().join(".pysbx_cache");
    let [entry] = entries(&cache).try_into().unwrap();
    for garbage in
        [&b""[..], b"{\"key\":", b"\xff\xfe not json", b"{\"key\":\"00\",\"outcome\":{}}"]
    {
        std::fs::write(&entry, garbage).unwrap();
        let out = pysbx(dir.path()).args(["scan", "--format", "json", "bad.py"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert_eq!(stderr(&out), "");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["stats"]["cached"], 0);
        assert_eq!(comparable(doc), comparable(cold.clone()));
    }
    let (_, doc) = scan_json(dir.path(), &["bad.py"]);
    assert_eq!(doc["stats"]["cached"], 1, "the corrupt entry was replaced");
    // An entry that cannot be read at all (a directory in its place) is a miss too.
    std::fs::remove_file(&entry).unwrap();
    std::fs::create_dir(&entry).unwrap();
    let (code, doc) = scan_json(dir.path(), &["bad.py"]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["stats"]["cached"], 0);
    assert_eq!(comparable(doc), comparable(cold));
}

#[test]
fn no_cache_and_audit_mode_write_nothing() {
    let dir = sample_repo();
    let (_, doc) = scan_json(dir.path(), &["--no-cache"]);
    assert_eq!(doc["stats"]["cached"], 0);
    assert!(!dir.path().join(".pysbx_cache").exists());
    let (_, doc) = scan_json(dir.path(), &["--audit"]);
    assert_eq!(doc["stats"]["audit_mode"], true);
    assert!(!dir.path().join(".pysbx_cache").exists());
    // Automatic audit mode (an installed package) writes nothing either, even with --cache-dir.
    write(dir.path(), "venv/lib/site-packages/pkg/__init__.py", DANGEROUS);
    let (_, doc) = scan_json(dir.path(), &["--cache-dir", "elsewhere", "venv/lib/site-packages"]);
    assert_eq!(doc["stats"]["audit_mode"], true);
    assert!(!dir.path().join(".pysbx_cache").exists());
    assert!(!dir.path().join("elsewhere").exists());
}

#[test]
fn cache_dir_option_and_repository_root() {
    let dir = sample_repo();
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = elsewhere.path().join("c");
    let cache_arg = cache.to_str().unwrap();
    scan_json(dir.path(), &["--cache-dir", cache_arg]);
    assert!(!dir.path().join(".pysbx_cache").exists());
    assert_eq!(entries(&cache).len(), 3);
    assert!(cache.join("CACHEDIR.TAG").exists());
    let (_, doc) = scan_json(dir.path(), &["--cache-dir", cache_arg]);
    assert_eq!(doc["stats"]["cached"], 3);

    // From a subdirectory, the default cache is at the repository root and paths differ but
    // the entries (keyed by file name and content) are shared.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(dir.path(), "sub/bad.py", DANGEROUS);
    scan_json(dir.path(), &["bad.py"]);
    let (_, doc) = scan_json(&dir.path().join("sub"), &["bad.py"]);
    assert_eq!(doc["stats"]["cached"], 1);
    assert!(!dir.path().join("sub/.pysbx_cache").exists());
}

#[test]
fn sarif_fingerprints_are_the_same_from_the_cache() {
    let dir = sample_repo();
    let sarif = |extra: &[&str]| {
        let out =
            pysbx(dir.path()).args(["scan", "--format", "sarif"]).args(extra).output().unwrap();
        let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["runs"][0]["invocations"] = serde_json::json!(null);
        doc["runs"][0]["properties"] = serde_json::json!(null);
        doc
    };
    // A JSON run stores no line hashes; the SARIF run after it analyses the file with findings
    // again (the others are hits) and the run after that is all hits.
    scan_json(dir.path(), &[]);
    let first = sarif(&[]);
    let (_, doc) = scan_json(dir.path(), &[]);
    assert_eq!(doc["stats"]["cached"], 3);
    let second = sarif(&[]);
    let uncached = sarif(&["--no-cache"]);
    assert!(first["runs"][0]["results"][0]["partialFingerprints"].is_object(), "{first}");
    assert_eq!(first, uncached);
    assert_eq!(second, uncached);
}

#[test]
fn entries_unused_for_a_month_are_pruned() {
    let dir = repo();
    write(dir.path(), "a.py", "x = 1\n");
    scan_json(dir.path(), &[]);
    let cache = dir.path().join(".pysbx_cache");
    let [used] = entries(&cache).try_into().unwrap();
    let shard = cache.join("v1").join("ab");
    std::fs::create_dir_all(&shard).unwrap();
    let stale = shard.join("0".repeat(62));
    std::fs::write(&stale, b"{}").unwrap();
    let old = SystemTime::now() - Duration::from_secs(31 * 24 * 3600);
    std::fs::File::options().write(true).open(&stale).unwrap().set_modified(old).unwrap();
    // The prune runs at most once an hour, after a run that wrote an entry.
    write(dir.path(), "b.py", "y = 2\n");
    scan_json(dir.path(), &[]);
    assert!(stale.exists(), "the first run pruned less than an hour ago");
    std::fs::remove_file(cache.join("v1/last-prune")).unwrap();
    write(dir.path(), "c.py", "z = 3\n");
    scan_json(dir.path(), &[]);
    assert!(!stale.exists());
    assert!(used.exists());
    assert_eq!(entries(&cache).len(), 3);
}

#[test]
fn a_file_over_the_time_limit_is_a_timeout_error_never_cached() {
    let dir = repo();
    // Parsing 20,000 statements takes far longer than a microsecond, so with a limit of one
    // microsecond the deadline has passed when the analysis first checks it (after parsing).
    let mut slow = "x = 1\n".repeat(20_000);
    slow.push_str(DANGEROUS);
    write(dir.path(), "slow.py", &slow);
    write(dir.path(), "ok.py", "y = 2\n");
    for _ in 0..2 {
        let (code, doc) = scan_json(dir.path(), &["--max-file-time", "0.000001", "slow.py"]);
        assert_eq!(code, Some(1), "a file that was not scanned fails the gate");
        assert_eq!(doc["stats"]["cached"], 0);
        assert_eq!(doc["findings"].as_array().unwrap().len(), 0);
        let error = &doc["errors"][0];
        assert_eq!(error["path"], "slow.py");
        assert_eq!(error["kind"], "timeout");
        assert!(error["message"].as_str().unwrap().contains("--max-file-time"), "{error}");
    }
    assert!(entries(&dir.path().join(".pysbx_cache")).is_empty(), "timeouts are never cached");
    // With the default limit and with no limit the file is scanned.
    let (_, doc) = scan_json(dir.path(), &["slow.py"]);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0);
    assert_eq!(doc["findings"][0]["rule_id"], "PSB201");
    let (_, doc) = scan_json(dir.path(), &["--no-cache", "--max-file-time", "0", "slow.py"]);
    assert_eq!(doc["findings"][0]["rule_id"], "PSB201");
    let out = pysbx(dir.path()).args(["scan", "--max-file-time=-1", "ok.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--max-file-time"), "{}", stderr(&out));
}

#[test]
fn a_file_read_despite_its_syntax_error_comes_back_from_the_cache_with_both() {
    let dir = repo();
    write(dir.path(), "py2.py", "import os\nprint \"x\"\nos.system(cmd)\n");
    let (code, cold) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(cold["errors"][0]["kind"], "syntax", "{cold}");
    assert_eq!(cold["errors"][0]["line"], 2, "{cold}");
    assert!(cold["findings"].as_array().unwrap().iter().any(|f| f["line"] == 3), "{cold}");
    let (_, warm) = scan_json(dir.path(), &[]);
    assert_eq!(warm["stats"]["cached"], 1);
    assert_eq!(comparable(warm), comparable(cold));
}

#[test]
fn a_file_read_past_code_nested_too_deep_comes_back_from_the_cache_with_both() {
    let dir = repo();
    let chain = vec!["1"; 4500].join(" + ");
    write(dir.path(), "deep.py", format!("import os\npad = {chain}\nos.system(cmd)\n"));
    let (code, cold) = scan_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(cold["errors"][0]["kind"], "too-deep", "{cold}");
    assert!(cold["findings"].as_array().unwrap().iter().any(|f| f["line"] == 3), "{cold}");
    let (_, warm) = scan_json(dir.path(), &[]);
    assert_eq!(warm["stats"]["cached"], 1);
    assert_eq!(comparable(warm), comparable(cold));
}
