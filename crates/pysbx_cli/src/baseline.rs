//! Baselines: record today's findings so that later scans report only new ones.
//!
//! A finding's identity is its rule id, its path, and a hash of the flagged code with
//! whitespace normalised — never its line number, so code that moves keeps its identity. Equal
//! identities are counted: a baseline that holds one `eval(x)` in a file hides one, and a second
//! copy added later is reported.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use pysbx_report::FileResult;
use pysbx_rules::{Finding, RuleSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The baseline file's format version.
const BASELINE_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    entries: Vec<BaselineEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineEntry {
    rule_id: String,
    path: String,
    hash: String,
    count: usize,
}

type Identity = (String, String, String);

/// The code a finding flags, from its snippet, with runs of whitespace collapsed.
fn flagged_code(finding: &Finding) -> String {
    let start = finding.start.saturating_sub(finding.snippet_start) as usize;
    let end = finding.end.saturating_sub(finding.snippet_start) as usize;
    let code =
        finding.snippet.get(start..end.min(finding.snippet.len())).unwrap_or(&finding.snippet);
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn identity(rules: &RuleSet, path: &str, finding: &Finding) -> Identity {
    let rule_id = rules.get(finding.rule).map(|r| r.id.clone()).unwrap_or_default();
    let digest = Sha256::digest(flagged_code(finding).as_bytes());
    (rule_id, path.to_string(), hex::encode(&digest[..16]))
}

/// Writes the baseline of the given results atomically.
pub(crate) fn write_baseline(path: &Path, rules: &RuleSet, files: &[FileResult]) -> Result<()> {
    let mut counts: BTreeMap<Identity, usize> = BTreeMap::new();
    for file in files {
        for finding in &file.findings {
            *counts.entry(identity(rules, &file.path, finding)).or_default() += 1;
        }
    }
    let entries = counts
        .into_iter()
        .map(|((rule_id, path, hash), count)| BaselineEntry { rule_id, path, hash, count })
        .collect();
    let doc = BaselineFile { version: BASELINE_VERSION, entries };
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    crate::output::write_atomically(path, |out| Ok(out.write_all(text.as_bytes())?))
}

/// Removes the findings the baseline at `path` holds; returns how many were removed.
pub(crate) fn apply_baseline(
    path: &Path,
    rules: &RuleSet,
    files: &mut [FileResult],
) -> Result<usize> {
    let text = pysbx_files::read_text(path, u64::MAX)
        .with_context(|| format!("{}: cannot read baseline", path.display()))?;
    let doc: BaselineFile = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not a pysbx baseline: {e}",
            crate::output::json_error_position(path, &e)
        )
    })?;
    if doc.version != BASELINE_VERSION {
        bail!(
            "{}: baseline version {} is not supported (expected {BASELINE_VERSION})",
            path.display(),
            doc.version
        );
    }
    let mut remaining: BTreeMap<Identity, usize> =
        doc.entries.into_iter().map(|e| ((e.rule_id, e.path, e.hash), e.count)).collect();
    let mut removed = 0;
    for file in files.iter_mut() {
        let path = file.path.clone();
        file.findings.retain(|finding| {
            let id = identity(rules, &path, finding);
            match remaining.get_mut(&id) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    removed += 1;
                    false
                }
                _ => true,
            }
        });
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pysbx_rules::FindingLocation;

    fn rules() -> RuleSet {
        let mut set = RuleSet::new();
        pysbx_rules::load_rules_from_str(
            "rules:\n  - {id: T001, name: t, severity: high, message: m, match: {call: builtins.eval}}\n",
            Path::new("t.yaml"),
            "t",
            &mut set,
        )
        .unwrap();
        set
    }

    fn finding(source: &str, code: &str, nth: usize) -> Finding {
        let start = source.match_indices(code).nth(nth).unwrap().0;
        let line = source[..start].matches('\n').count() as u32 + 1;
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        Finding {
            rule: 0,
            start: start as u32,
            end: (start + code.len()) as u32,
            location: FindingLocation { line, column: 1, end_line: line, end_column: 1 },
            message: "m".into(),
            subject: "builtins.eval".into(),
            snippet: source[line_start..line_end].to_string(),
            snippet_start: line_start as u32,
        }
    }

    fn results(source: &str, occurrences: usize) -> Vec<FileResult> {
        let findings = (0..occurrences).map(|i| finding(source, "eval(x)", i)).collect();
        vec![FileResult { path: "a.py".into(), findings, line_hashes: None }]
    }

    fn roundtrip(before: &str, before_n: usize, after: &str, after_n: usize) -> (usize, usize) {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("baseline.json");
        let rules = rules();
        write_baseline(&base, &rules, &results(before, before_n)).unwrap();
        let mut now = results(after, after_n);
        let removed = apply_baseline(&base, &rules, &mut now).unwrap();
        (removed, now[0].findings.len())
    }

    #[test]
    fn unchanged_code_reports_nothing() {
        let src = "x = 1\neval(x)\n";
        assert_eq!(roundtrip(src, 1, src, 1), (1, 0));
    }

    #[test]
    fn moved_code_keeps_its_identity() {
        let before = "x = 1\neval(x)\n";
        let after = "x = 1\n\n\n# comment\ndef f():\n    pass\neval(x)\n";
        assert_eq!(roundtrip(before, 1, after, 1), (1, 0));
    }

    #[test]
    fn a_second_copy_is_reported() {
        let before = "eval(x)\n";
        let after = "eval(x)\neval(x)\n";
        assert_eq!(roundtrip(before, 1, after, 2), (1, 1));
    }

    #[test]
    fn fixed_code_leaves_nothing_and_new_code_is_reported() {
        let before = "eval(x)\n";
        let after = "eval(y)\n";
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("b.json");
        let rules = rules();
        write_baseline(&base, &rules, &results(before, 1)).unwrap();
        let mut now = vec![FileResult {
            path: "a.py".into(),
            findings: vec![finding(after, "eval(y)", 0)],
            line_hashes: None,
        }];
        assert_eq!(apply_baseline(&base, &rules, &mut now).unwrap(), 0);
        assert_eq!(now[0].findings.len(), 1);
    }

    #[test]
    fn malformed_baseline_names_position() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("b.json");
        std::fs::write(&base, "{\"version\": 1, \"entries\": [}").unwrap();
        let err = apply_baseline(&base, &rules(), &mut []).unwrap_err();
        assert!(err.to_string().contains("b.json:1:"), "{err}");
    }
}
