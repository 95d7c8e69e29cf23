//! Shared fixtures of the emitter tests: a small rule set and findings located in real
//! sources the way the analysis locates them.

use std::path::PathBuf;

use pysbx_rules::{
    Action, Confidence, Finding, FindingLocation, MatchSpec, Patterns, Rule, RuleSet, Severity,
};

use crate::{FileError, FileResult, LineHashes, ScanReport, ScanStats};

#[expect(clippy::too_many_arguments, reason = "a table row of a rule")]
fn rule(
    id: &str,
    name: &str,
    severity: Severity,
    confidence: Confidence,
    cwe: Option<u32>,
    family: &str,
    action: Action,
    message: &str,
    help: &str,
    origin: &str,
) -> Rule {
    Rule {
        id: id.to_owned(),
        name: name.to_owned(),
        severity,
        confidence,
        cwe,
        tags: vec!["audit".to_owned()],
        family: family.to_owned(),
        action,
        message: message.to_owned(),
        help: help.to_owned(),
        bandit: Vec::new(),
        matcher: MatchSpec::Reference(Patterns(vec!["builtins.exec".to_owned()])),
        origin: origin.to_owned(),
    }
}

/// Four rules, one per severity; only the first two produce findings in [`report`].
pub(crate) fn rules() -> RuleSet {
    let mut set = RuleSet::new();
    let rows = [
        rule(
            "PSB101",
            "exec-builtin",
            Severity::High,
            Confidence::High,
            Some(95),
            "code-exec",
            Action::Stub,
            "call to `{name}` runs arbitrary code",
            "`exec` runs any code it is given,\nso whoever controls the argument controls the process.\n\nParse data with `ast.literal_eval` or `json.loads` instead.",
            "builtin:code-exec",
        ),
        rule(
            "PSB201",
            "subprocess-shell",
            Severity::Critical,
            Confidence::Medium,
            Some(78),
            "process",
            Action::Report,
            "`{name}` starts a shell",
            "A shell command line built from data is a command injection.",
            "builtin:process",
        ),
        rule(
            "PSB301",
            "pickle-loads",
            Severity::Medium,
            Confidence::Medium,
            Some(502),
            "deserialization",
            Action::Report,
            "unpickling data with `{name}`",
            "Unpickling runs code chosen by whoever wrote the data.",
            "builtin:deserialization",
        ),
        rule(
            "PSB401",
            "base64-blob",
            Severity::Low,
            Confidence::Low,
            None,
            "obfuscation",
            Action::Report,
            "long base64 literal",
            "",
            "rules/custom.yaml",
        ),
    ];
    for row in rows {
        assert!(set.insert(row).is_ok());
    }
    set
}

/// A finding of `rule` on the `nth` (0-based) occurrence of `needle` in `source`, located as
/// the analysis does: byte offsets, 1-based code-point columns, the spanned lines as snippet.
pub(crate) fn finding_at(
    source: &str,
    rules: &RuleSet,
    rule: usize,
    needle: &str,
    nth: usize,
    subject: &str,
) -> Finding {
    let start = source.match_indices(needle).nth(nth).map(|(i, _)| i).expect("needle in source");
    let end = start + needle.len();
    let position = |offset: usize| {
        let before = &source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..offset].chars().count() + 1;
        (u32::try_from(line).unwrap(), u32::try_from(column).unwrap(), line_start)
    };
    let (line, column, snippet_start) = position(start);
    let (end_line, end_column, _) = position(end);
    let snippet_end = source[end..].find('\n').map_or(source.len(), |i| end + i);
    Finding {
        rule,
        start: u32::try_from(start).unwrap(),
        end: u32::try_from(end).unwrap(),
        location: FindingLocation { line, column, end_line, end_column },
        message: rules.get(rule).unwrap().render_message(subject),
        subject: subject.to_owned(),
        snippet: source[snippet_start..snippet_end].to_owned(),
        snippet_start: u32::try_from(snippet_start).unwrap(),
    }
}

/// The main module of [`report`]: an emoji before `exec` makes UTF-16 and code-point columns
/// differ, and the shell call spans two lines.
pub(crate) const APP: &str =
    "import subprocess\n\ns = '\u{1F600}'; exec(s)\nsubprocess.run(\n    cmd, shell=True)\n";

/// A second module under a non-ASCII directory.
pub(crate) const UTIL: &str = "def f(x):\n    return exec(x)\n";

/// A file's result with the line hashes of its findings' lines, as a scan keeps them.
pub(crate) fn with_line_hashes(path: &str, source: &str, findings: Vec<Finding>) -> FileResult {
    let line_hashes = LineHashes::of(source, findings.iter().map(|f| f.location.line));
    FileResult { path: path.to_owned(), findings, line_hashes: Some(line_hashes) }
}

/// A report with two files, three findings, one error, in audit mode.
pub(crate) fn report(rules: &RuleSet) -> ScanReport<'_> {
    let app = with_line_hashes(
        "src/app.py",
        APP,
        vec![
            finding_at(APP, rules, 0, "exec(s)", 0, "builtins.exec"),
            finding_at(APP, rules, 1, "subprocess.run(\n    cmd, shell=True)", 0, "subprocess.run"),
        ],
    );
    let util = with_line_hashes(
        "src/modulé/ütil.py",
        UTIL,
        vec![finding_at(UTIL, rules, 0, "exec(x)", 0, "builtins.exec")],
    );
    ScanReport {
        rules,
        files: vec![app, util],
        errors: vec![FileError {
            path: "src/broken.py".to_owned(),
            line: Some(3),
            column: Some(7),
            kind: "syntax".to_owned(),
            message: "Expected an expression".to_owned(),
        }],
        stats: ScanStats {
            files_scanned: 3,
            files_with_errors: 1,
            duration_ms: 42,
            audit_mode: true,
            suppressed: 2,
            cached: 0,
        },
        root: PathBuf::from("/work/repo"),
        category: Some("pysbx".to_owned()),
        fail_on: Severity::High,
        distributions: Vec::new(),
        shard: None,
    }
}

/// A report with no findings and no errors.
pub(crate) fn empty_report(rules: &RuleSet) -> ScanReport<'_> {
    ScanReport {
        rules,
        files: Vec::new(),
        errors: Vec::new(),
        stats: ScanStats { files_scanned: 5, ..ScanStats::default() },
        root: PathBuf::from("/work/repo"),
        category: None,
        fail_on: Severity::Medium,
        distributions: Vec::new(),
        shard: None,
    }
}

/// Runs an emitter into a string.
pub(crate) fn render(emitter: &dyn crate::Emitter, report: &ScanReport<'_>) -> String {
    let mut out = Vec::new();
    emitter.emit(report, &mut out).expect("emit");
    String::from_utf8(out).expect("utf-8 output")
}

/// Insta settings replacing the crate version in output.
pub(crate) fn version_filters() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(env!("CARGO_PKG_VERSION")), "[version]");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_string() } else { format!("\\{c}") })
        .collect()
}
