//! The JSON format: one document with every finding, every file error and the counters,
//! for scripts. Keys come in a fixed order; columns count code points.

use std::io::Write;

use serde::Serialize;
use serde::ser::{Error as _, SerializeSeq, Serializer};

use crate::model::{FileResult, ScanReport};
use crate::{Emitter, ReportError};

const FORMAT: &str = "json";

/// One pretty-printed JSON document (see `docs/output.md` for the shape).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonEmitter;

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    findings: Findings<'a>,
    errors: Vec<JsonError<'a>>,
    stats: JsonStats,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    distributions: &'a [crate::DistributionSummary],
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<crate::Shard>,
}

/// The report's findings, serialized one at a time as they are read: a scan of a large tree
/// has tens of thousands, and a list of them built first was the peak of its memory.
struct Findings<'a>(&'a ScanReport<'a>);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for item in self.0.findings() {
            let (file, finding, rule) = item.map_err(S::Error::custom)?;
            seq.serialize_element(&JsonFinding::of(file, finding, rule))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule_id: &'a str,
    name: &'a str,
    severity: &'static str,
    confidence: &'static str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    action: &'static str,
    cwe: Option<String>,
    subject: &'a str,
    tags: &'a [String],
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    kind: &'a str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonStats {
    files_scanned: usize,
    files_with_errors: usize,
    findings: usize,
    by_severity: BySeverity,
    errors: usize,
    suppressed: usize,
    fail_on: &'static str,
    failing: usize,
    duration_ms: u64,
    audit_mode: bool,
    cached: usize,
}

#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
}

impl<'a> JsonFinding<'a> {
    fn of(
        file: &'a FileResult,
        finding: &'a pysbx_rules::Finding,
        rule: &'a pysbx_rules::Rule,
    ) -> Self {
        let location = finding.location;
        JsonFinding {
            rule_id: &rule.id,
            name: &rule.name,
            severity: rule.severity.as_str(),
            confidence: rule.confidence.as_str(),
            path: &file.path,
            line: location.line,
            column: location.column,
            end_line: location.end_line,
            end_column: location.end_column,
            message: &finding.message,
            action: rule.action.as_str(),
            cwe: rule.cwe.map(|n| format!("CWE-{n}")),
            subject: &finding.subject,
            tags: &rule.tags,
        }
    }
}

impl Emitter for JsonEmitter {
    fn emit(&self, report: &ScanReport<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
        let errors = report
            .errors
            .iter()
            .map(|e| JsonError {
                path: &e.path,
                line: e.line,
                column: e.column,
                kind: &e.kind,
                message: &e.message,
            })
            .collect();
        let counts = report.severity_counts()?;
        let stats = JsonStats {
            files_scanned: report.stats.files_scanned,
            files_with_errors: report.stats.files_with_errors,
            findings: counts.total(),
            by_severity: BySeverity {
                critical: counts.critical,
                high: counts.high,
                medium: counts.medium,
                low: counts.low,
            },
            errors: report.errors.len(),
            suppressed: report.stats.suppressed,
            fail_on: report.fail_on.as_str(),
            failing: counts.at_or_above(report.fail_on),
            duration_ms: report.stats.duration_ms,
            audit_mode: report.stats.audit_mode,
            cached: report.stats.cached,
        };
        let document = Document {
            version: env!("CARGO_PKG_VERSION"),
            // Every finding's rule was checked by `severity_counts` above.
            findings: Findings(report),
            errors,
            stats,
            distributions: &report.distributions,
            shard: report.shard,
        };
        serde_json::to_writer_pretty(&mut *out, &document).map_err(ReportError::json(FORMAT))?;
        out.write_all(b"\n").map_err(ReportError::write(FORMAT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{empty_report, render, report, rules, version_filters};

    #[test]
    fn document_snapshot() {
        let rules = rules();
        let out = render(&JsonEmitter, &report(&rules));
        version_filters().bind(|| insta::assert_snapshot!(out));
    }

    #[test]
    fn document_shape() {
        let rules = rules();
        let out = render(&JsonEmitter, &report(&rules));
        assert!(out.ends_with("}\n"));
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
        let first = &doc["findings"][0];
        let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
        // serde_json's map sorts keys when read back, so compare as sets here; the snapshot
        // pins the written order.
        let mut expected = vec![
            "rule_id",
            "name",
            "severity",
            "confidence",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "action",
            "cwe",
            "subject",
            "tags",
        ];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(first["rule_id"], "PSB101");
        assert_eq!(first["severity"], "high");
        assert_eq!(first["path"], "src/app.py");
        assert_eq!(first["line"], 3);
        assert_eq!(first["column"], 10);
        assert_eq!(first["end_column"], 17);
        assert_eq!(first["cwe"], "CWE-95");
        assert_eq!(first["action"], "stub");
        let shell = &doc["findings"][1];
        assert_eq!((shell["line"].as_u64(), shell["end_line"].as_u64()), (Some(4), Some(5)));
        assert_eq!(doc["errors"][0]["kind"], "syntax");
        assert_eq!(doc["errors"][0]["line"], 3);
        let stats = &doc["stats"];
        assert_eq!(stats["findings"], 3);
        assert_eq!(stats["by_severity"]["critical"], 1);
        assert_eq!(stats["failing"], 3);
        assert_eq!(stats["audit_mode"], true);
        assert_eq!(stats["suppressed"], 2);
    }

    #[test]
    fn empty_report_has_empty_lists_and_null_free_stats() {
        let rules = rules();
        let doc: serde_json::Value =
            serde_json::from_str(&render(&JsonEmitter, &empty_report(&rules))).unwrap();
        assert_eq!(doc["findings"], serde_json::json!([]));
        assert_eq!(doc["errors"], serde_json::json!([]));
        assert_eq!(doc["stats"]["files_scanned"], 5);
        assert_eq!(doc["stats"]["fail_on"], "medium");
    }

    #[test]
    fn errors_without_position_have_null_line_and_column() {
        let rules = rules();
        let mut report = empty_report(&rules);
        report.errors.push(crate::FileError {
            path: "bin.py".to_owned(),
            line: None,
            column: None,
            kind: "decode".to_owned(),
            message: "invalid UTF-8".to_owned(),
        });
        let doc: serde_json::Value = serde_json::from_str(&render(&JsonEmitter, &report)).unwrap();
        assert_eq!(doc["errors"][0]["line"], serde_json::Value::Null);
        assert_eq!(doc["errors"][0]["column"], serde_json::Value::Null);
    }
}
