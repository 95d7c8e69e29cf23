//! The SARIF 2.1.0 format, complete for GitHub code scanning: every enabled rule with its help
//! and GitHub's `security-severity`, results relative to `%SRCROOT%` with UTF-16 columns and
//! line-hash fingerprints, the analysis category, and one notification per unscannable file.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use pysbx_rules::{Confidence, Rule, Severity};
use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    ReportingDescriptorReference, Result as SarifResult, ResultLevel, Run, RunAutomationDetails,
    Sarif, Tool, ToolComponent,
};

use crate::columns::utf16_column;
use crate::model::{FileError, FileResult, ScanReport};
use crate::snippet::SnippetView;
use crate::uri::{RootResolver, file_uri, percent_encode};
use crate::{Emitter, ReportError};

const FORMAT: &str = "sarif";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// GitHub code scanning's limits on one upload.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// A run with more results is rejected.
    results: usize,
    /// Only this many results of a run are kept, the most severe first.
    shown_results: usize,
    /// A run with more rules is rejected.
    rules: usize,
    /// An upload larger than this once gzipped is rejected (10 MB).
    gzip_bytes: u64,
}

const GITHUB_LIMITS: Limits =
    Limits { results: 25_000, shown_results: 5_000, rules: 25_000, gzip_bytes: 10_000_000 };

/// GitHub code scanning rejects a rule with more tags than this.
const MAX_TAGS: usize = 20;

/// A SARIF 2.1.0 log with one run, for GitHub code scanning and other SARIF consumers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SarifEmitter;

impl Emitter for SarifEmitter {
    fn emit(&self, report: &ScanReport<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
        self.emit_checked(report, out).map(|_| ())
    }
}

impl SarifEmitter {
    /// Writes the log like [`Emitter::emit`] and returns [`SarifEmitter::limits_warning`]'s
    /// warning, counting the log's bytes as they are written.
    ///
    /// # Errors
    /// As [`Emitter::emit`].
    pub fn emit_checked(
        &self,
        report: &ScanReport<'_>,
        out: &mut dyn Write,
    ) -> Result<Option<String>, ReportError> {
        let cwd = std::env::current_dir().ok();
        let log = StreamedLog::new(report, cwd.as_deref())?;
        let mut counted = CountingWriter { inner: Some(out), count: 0 };
        log.write(&mut counted)?;
        Ok(limits_of(&log, report.rules.len(), counted.count, &GITHUB_LIMITS))
    }

    /// A warning when GitHub code scanning would reject or truncate this report: more than
    /// 25,000 results (rejected) or 5,000 (only the most severe kept), more than 25,000
    /// rules, or more than 10 MB once gzipped. `None` when the upload fits.
    ///
    /// The size is measured by writing the log again (and gzipping it only when the plain
    /// text is over 10 MB), without keeping the bytes. [`SarifEmitter::emit_checked`] gives
    /// the same warning while it writes the log.
    #[must_use]
    pub fn limits_warning(report: &ScanReport<'_>) -> Option<String> {
        let cwd = std::env::current_dir().ok();
        let log = StreamedLog::new(report, cwd.as_deref()).ok()?;
        let mut plain = CountingWriter::default();
        log.write(&mut plain).ok()?;
        limits_of(&log, report.rules.len(), plain.count, &GITHUB_LIMITS)
    }
}

/// A report's log as it is written: serde-sarif's types for all of it but the results, which
/// are built one at a time as they are written, so that a scan of a large tree (tens of
/// thousands of results) never holds them all as SARIF objects, of kilobytes each. The text is
/// the one `serde_json::to_writer_pretty` gives of the whole log.
pub(crate) struct StreamedLog<'r, 'a> {
    report: &'r ScanReport<'a>,
    resolver: RootResolver,
    /// The log's text with no results, up to the `[` of its results.
    before: String,
    /// The rest of that text, from the `]` of the results.
    after: String,
    /// The indentation of the `"results"` key: the array's items are one level deeper.
    indent: usize,
    /// How many results the log has.
    results: usize,
}

impl<'r, 'a> StreamedLog<'r, 'a> {
    /// The log of `report`; `cwd` completes relative roots and paths. Every finding's rule is
    /// checked here, before anything is written: a report that cannot be written whole is not
    /// written at all.
    pub(crate) fn new(report: &'r ScanReport<'a>, cwd: Option<&Path>) -> Result<Self, ReportError> {
        let mut results = 0;
        for item in report.findings() {
            item?;
            results += 1;
        }
        let resolver = RootResolver::new(&report.root, cwd);
        let text = serde_json::to_string_pretty(&head(report, &resolver))
            .map_err(ReportError::json(FORMAT))?;
        // The one run's results, empty, as the key's own line holds them (a key inside a
        // string would have its quotes escaped).
        let empty = text
            .match_indices("\"results\": []")
            .map(|(at, _)| at)
            .find(|&at| text[..at].ends_with(&format!("\n{}", " ".repeat(line_indent(&text, at)))))
            .ok_or_else(|| {
                ReportError::write(FORMAT)(std::io::Error::other("the SARIF run has no results"))
            })?;
        let open = empty + "\"results\": [".len();
        Ok(Self {
            report,
            before: text[..open].to_owned(),
            after: text[open..].to_owned(),
            indent: line_indent(&text, empty),
            resolver,
            results,
        })
    }

    /// Writes the log, then a newline.
    pub(crate) fn write(&self, out: &mut dyn Write) -> Result<(), ReportError> {
        let write = || ReportError::write(FORMAT);
        out.write_all(self.before.as_bytes()).map_err(write())?;
        // As the pretty printer lays out an array's items: each on a line of its own, one
        // level (two spaces) deeper than the key.
        let item_indent = " ".repeat(self.indent + 2);
        let mut text = Vec::new();
        let mut first = true;
        for item in self.report.findings() {
            let (file, finding, rule) = item?;
            text.clear();
            serde_json::to_writer_pretty(&mut text, &result(&self.resolver, file, finding, rule))
                .map_err(ReportError::json(FORMAT))?;
            out.write_all(if first { b"\n" } else { b",\n" }).map_err(write())?;
            first = false;
            // Line breaks inside strings are escaped: every one in the text is the layout's.
            for (i, line) in text.split(|&b| b == b'\n').enumerate() {
                if i > 0 {
                    out.write_all(b"\n").map_err(write())?;
                }
                out.write_all(item_indent.as_bytes()).map_err(write())?;
                out.write_all(line).map_err(write())?;
            }
        }
        if !first {
            out.write_all(b"\n").map_err(write())?;
            out.write_all(" ".repeat(self.indent).as_bytes()).map_err(write())?;
        }
        out.write_all(self.after.as_bytes()).map_err(write())?;
        out.write_all(b"\n").map_err(write())?;
        Ok(())
    }
}

/// The number of spaces that start the line holding byte `at` of `text`.
fn line_indent(text: &str, at: usize) -> usize {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[start..at].bytes().take_while(|&b| b == b' ').count()
}

/// The warnings of [`SarifEmitter::limits_warning`] against `limits`, for a log of
/// `plain_size` bytes.
fn limits_of(
    log: &StreamedLog<'_, '_>,
    rules: usize,
    plain_size: u64,
    limits: &Limits,
) -> Option<String> {
    let results = log.results;
    let mut warnings = Vec::new();
    if results > limits.results {
        warnings.push(format!(
            "{results} results exceed GitHub code scanning's limit of {} per run: the upload will be rejected",
            limits.results
        ));
    } else if results > limits.shown_results {
        warnings.push(format!(
            "{results} results: GitHub code scanning keeps only the {} most severe of a run",
            limits.shown_results
        ));
    }
    if rules > limits.rules {
        warnings.push(format!(
            "{rules} rules exceed GitHub code scanning's limit of {} per run: the upload will be rejected",
            limits.rules
        ));
    }
    // gzip adds only a few header bytes to what it cannot shrink, so a log whose plain text
    // fits fits gzipped too: only big logs need compressing to know.
    if plain_size > limits.gzip_bytes {
        let mut gz = flate2::write::GzEncoder::new(
            CountingWriter::default(),
            flate2::Compression::default(),
        );
        let zipped =
            log.write(&mut gz).ok().and_then(|()| gz.finish().ok()).map(|counter| counter.count);
        if let Some(size) = zipped
            && size > limits.gzip_bytes
        {
            warnings.push(format!(
                "the SARIF log is {size} bytes gzipped, over GitHub code scanning's upload limit of {} bytes",
                limits.gzip_bytes
            ));
        }
    }
    if warnings.is_empty() { None } else { Some(warnings.join("; ")) }
}

/// Counts the bytes written, passing them on to `inner` if there is one.
#[derive(Default)]
struct CountingWriter<'a> {
    inner: Option<&'a mut dyn Write>,
    count: u64,
}

impl Write for CountingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = match &mut self.inner {
            Some(inner) => inner.write(buf)?,
            None => buf.len(),
        };
        self.count += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.inner {
            Some(inner) => inner.flush(),
            None => Ok(()),
        }
    }
}

/// The SARIF log of `report` with its results left empty (see [`StreamedLog`]).
fn head(report: &ScanReport<'_>, resolver: &RootResolver) -> Sarif {
    let kinds: BTreeSet<&str> = report.errors.iter().map(|e| e.kind.as_str()).collect();
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let notifications: Vec<Notification> =
        report.errors.iter().map(|e| notification(resolver, e, &kinds)).collect();

    let mut driver = ToolComponent::builder()
        .name("pysbx")
        .semantic_version(VERSION)
        .version(VERSION)
        .information_uri(INFORMATION_URI)
        .rules(report.rules.rules().iter().map(descriptor).collect::<Vec<_>>())
        .build();
    if !kinds.is_empty() {
        driver.notifications = Some(kinds.iter().map(|k| notification_descriptor(k)).collect());
    }

    let mut invocation = Invocation::builder()
        .execution_successful(true)
        .properties(
            PropertyBag::builder()
                .additional_properties(BTreeMap::from([
                    ("filesScanned".to_owned(), json!(report.stats.files_scanned)),
                    ("filesWithErrors".to_owned(), json!(report.stats.files_with_errors)),
                    ("suppressed".to_owned(), json!(report.stats.suppressed)),
                    ("auditMode".to_owned(), json!(report.stats.audit_mode)),
                    ("failOn".to_owned(), json!(report.fail_on.as_str())),
                    ("durationMs".to_owned(), json!(report.stats.duration_ms)),
                ]))
                .build(),
        )
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }

    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(Vec::new())
        .invocations(vec![invocation])
        .column_kind(json!("utf16CodeUnits"))
        .newline_sequences(vec!["\r\n".to_owned(), "\n".to_owned(), "\r".to_owned()])
        .build();
    if let Some(uri) = resolver.root_uri() {
        run.original_uri_base_ids = Some(BTreeMap::from([(
            SRCROOT.to_owned(),
            ArtifactLocation::builder().uri(uri).build(),
        )]));
    }
    if let Some(id) = automation_id(report.category.as_deref()) {
        run.automation_details = Some(RunAutomationDetails::builder().id(id).build());
    }
    let mut properties = BTreeMap::new();
    if !report.distributions.is_empty() {
        properties.insert("distributions".to_owned(), json!(report.distributions));
    }
    if let Some(shard) = report.shard {
        properties.insert("shard".to_owned(), json!(shard));
    }
    if !properties.is_empty() {
        run.properties = Some(PropertyBag::builder().additional_properties(properties).build());
    }

    Sarif::builder().schema(SCHEMA).version(json!("2.1.0")).runs(vec![run]).build()
}

/// GitHub's analysis category as `automationDetails.id`: GitHub reads the text before the
/// last `/` as the category, so a `/` is appended when missing (as codeql-action's
/// `upload-sarif` does with its `category` input). Blank categories are left out.
fn automation_id(category: Option<&str>) -> Option<String> {
    let category = category?.trim();
    if category.is_empty() {
        return None;
    }
    if category.ends_with('/') { Some(category.to_owned()) } else { Some(format!("{category}/")) }
}

/// The SARIF level of a severity, for rules and results.
pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

/// GitHub's `security-severity` score: severity picks the band GitHub shows (critical ≥ 9.0,
/// high 7.0–8.9, medium 4.0–6.9, low 0.1–3.9), confidence the place within it, so alerts of
/// one severity sort surest first.
pub(crate) fn security_severity(severity: Severity, confidence: Confidence) -> &'static str {
    match (severity, confidence) {
        (Severity::Critical, Confidence::High) => "9.8",
        (Severity::Critical, Confidence::Medium) => "9.4",
        (Severity::Critical, Confidence::Low) => "9.0",
        (Severity::High, Confidence::High) => "8.8",
        (Severity::High, Confidence::Medium) => "8.0",
        (Severity::High, Confidence::Low) => "7.2",
        (Severity::Medium, Confidence::High) => "6.5",
        (Severity::Medium, Confidence::Medium) => "5.5",
        (Severity::Medium, Confidence::Low) => "4.5",
        (Severity::Low, Confidence::High) => "3.5",
        (Severity::Low, Confidence::Medium) => "2.5",
        (Severity::Low, Confidence::Low) => "1.5",
    }
}

/// The rule's message when it has no placeholder, else its name in words
/// (`exec-builtin` → `Exec builtin`).
fn short_description(rule: &Rule) -> String {
    if !rule.message.contains('{') && !rule.message.trim().is_empty() {
        return rule.message.trim().to_owned();
    }
    let words = rule.name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => rule.id.clone(),
    }
}

fn cwe_url(cwe: u32) -> String {
    format!("https://cwe.mitre.org/data/definitions/{cwe}.html")
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let short = short_description(rule);
    let summary = rule.help_summary();
    let full = if summary.is_empty() { short.clone() } else { summary };
    let help = rule.help.trim();
    let body = if help.is_empty() { short.as_str() } else { help };

    let mut text = format!(
        "{body}\n\nSeverity: {}. Confidence: {}. Action: {}.",
        rule.severity, rule.confidence, rule.action
    );
    let mut markdown = format!(
        "{body}\n\n| Severity | Confidence | Action | CWE |\n| --- | --- | --- | --- |\n| {} | {} | {} | {} |",
        rule.severity,
        rule.confidence,
        rule.action,
        rule.cwe.map_or_else(|| "–".to_owned(), |n| format!("[CWE-{n}]({})", cwe_url(n))),
    );
    if let Some(n) = rule.cwe {
        text.push_str(&format!(" CWE-{n}: {}", cwe_url(n)));
    }
    markdown.push('\n');

    let mut tags = vec!["security".to_owned()];
    if let Some(n) = rule.cwe {
        tags.push(format!("external/cwe/cwe-{n}"));
    }
    for tag in std::iter::once(&rule.family).chain(&rule.tags) {
        if !tag.is_empty() && !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    tags.truncate(MAX_TAGS);

    let mut descriptor = ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.name.clone())
        .short_description(MultiformatMessageString::builder().text(short).build())
        .full_description(MultiformatMessageString::builder().text(full).build())
        .help(MultiformatMessageString::builder().text(text).markdown(markdown).build())
        .default_configuration(
            ReportingConfiguration::builder().level(json!(level(rule.severity))).build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(BTreeMap::from([
                    ("precision".to_owned(), json!(rule.confidence.as_str())),
                    (
                        "security-severity".to_owned(),
                        json!(security_severity(rule.severity, rule.confidence)),
                    ),
                ]))
                .build(),
        )
        .build();
    // Built-in rules have a generated page in the repository; a user's rule has none.
    if rule.origin.starts_with("builtin:") {
        descriptor.help_uri =
            Some(format!("{INFORMATION_URI}/blob/main/docs/rules/{}.md", rule.id));
    }
    descriptor
}

/// The artifact location of a display path: relative to `%SRCROOT%` when inside the root,
/// else an absolute `file:` URI, else the path as given.
fn artifact_location(resolver: &RootResolver, path: &str) -> ArtifactLocation {
    if let Some(relative) = resolver.relative(path) {
        ArtifactLocation::builder()
            .uri(percent_encode(relative.as_bytes()))
            .uri_base_id(SRCROOT)
            .build()
    } else if let Some(absolute) = resolver.absolute(path) {
        ArtifactLocation::builder().uri(file_uri(&absolute)).build()
    } else {
        ArtifactLocation::builder().uri(percent_encode(path.as_bytes())).build()
    }
}

fn result(
    resolver: &RootResolver,
    file: &FileResult,
    finding: &pysbx_rules::Finding,
    rule: &Rule,
) -> SarifResult {
    let location = finding.location;
    let view = SnippetView::new(&file.path, finding);
    let start_line = location.line.max(1);
    let start_column = view
        .line_text(location.line)
        .map_or(location.column, |text| utf16_column(text, location.column))
        .max(1);
    let end_line = location.end_line.max(start_line);
    let mut end_column = view
        .line_text(location.end_line)
        .map_or(location.end_column, |text| utf16_column(text, location.end_column))
        .max(1);
    if end_line == start_line {
        end_column = end_column.max(start_column);
    }
    let region = Region::builder()
        .start_line(i64::from(start_line))
        .start_column(i64::from(start_column))
        .end_line(i64::from(end_line))
        .end_column(i64::from(end_column))
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact_location(resolver, &file.path))
        .region(region)
        .build();
    let message = if finding.message.trim().is_empty() {
        rule.render_message(&finding.subject)
    } else {
        finding.message.clone()
    };
    let mut sarif_result = SarifResult::builder()
        .rule_id(rule.id.clone())
        .rule_index(i64::try_from(finding.rule).unwrap_or(i64::MAX))
        .level(result_level(rule.severity))
        .message(Message::builder().text(message).build())
        .locations(vec![Location::builder().physical_location(physical).build()])
        .build();
    let hash = file.line_hashes.as_ref().and_then(|hashes| hashes.get(start_line));
    if let Some(hash) = hash {
        sarif_result.partial_fingerprints =
            Some(BTreeMap::from([("primaryLocationLineHash".to_owned(), hash.to_owned())]));
    }
    sarif_result
}

/// What each kind of file error means, for `tool.driver.notifications`.
fn notification_descriptor(kind: &str) -> ReportingDescriptor {
    let text = match kind {
        "read" => "The file could not be read.",
        "decode" => "The file is not text in its declared encoding.",
        "syntax" => "The file is not valid Python.",
        "too-deep" => "The file nests deeper than the analysis follows.",
        _ => "The file could not be scanned.",
    };
    ReportingDescriptor::builder()
        .id(kind.to_owned())
        .short_description(MultiformatMessageString::builder().text(text).build())
        .default_configuration(ReportingConfiguration::builder().level(json!("error")).build())
        .build()
}

fn notification(resolver: &RootResolver, error: &FileError, kinds: &[&str]) -> Notification {
    let mut physical = PhysicalLocation::builder()
        .artifact_location(artifact_location(resolver, &error.path))
        .build();
    // The error's column counts code points and no line text is kept to convert it, so the
    // region gives the line only; the message carries the column.
    if let Some(line) = error.line.filter(|l| *l >= 1) {
        physical.region = Some(Region::builder().start_line(i64::from(line)).build());
    }
    let mut descriptor = ReportingDescriptorReference::builder().id(error.kind.clone()).build();
    descriptor.index =
        kinds.iter().position(|k| *k == error.kind).and_then(|i| i64::try_from(i).ok());
    let text = error.one_line();
    Notification::builder()
        .descriptor(descriptor)
        .level(Value::from("error"))
        .message(Message::builder().text(text).build())
        .locations(vec![Location::builder().physical_location(physical).build()])
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line_hashes;
    use crate::test_support::{
        APP, empty_report, finding_at, render, report, rules, version_filters, with_line_hashes,
    };
    use crate::{FileError, FileResult};
    use serde_json::Value;

    const CWD: &str = "/work/repo";

    fn to_json(report: &ScanReport<'_>) -> Value {
        serde_json::from_slice(&written(&StreamedLog::new(report, Some(Path::new(CWD))).unwrap()))
            .unwrap()
    }

    fn written(log: &StreamedLog<'_, '_>) -> Vec<u8> {
        let mut out = Vec::new();
        log.write(&mut out).unwrap();
        out
    }

    /// The results are written one at a time, laid out as the pretty printer lays out the
    /// whole log: the text is the same.
    #[test]
    fn streamed_results_read_as_the_whole_log_printed() {
        let rules = rules();
        for report in [report(&rules), empty_report(&rules), many_results(&rules, 3)] {
            let log = StreamedLog::new(&report, Some(Path::new(CWD))).unwrap();
            let text = String::from_utf8(written(&log)).unwrap();
            let value: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(text, serde_json::to_string_pretty(&value).unwrap() + "\n");
            let results = value["runs"][0]["results"].as_array().unwrap().len();
            assert_eq!(results, log.results);
            assert_eq!(results, report.files.iter().map(|f| f.findings.len()).sum::<usize>());
        }
    }

    fn schema_errors(log: &Value) -> Vec<String> {
        let text = include_str!("../../../fixtures/sarif/sarif-schema-2.1.0.json");
        let mut schema: Value = serde_json::from_str(text).unwrap();
        // The published schema's `language` patterns have a stray `]`, which the validator's
        // check of the schema itself (format "regex") rejects. pysbx never writes `language`;
        // the fix keeps the pattern's evident meaning so the rest can be checked with formats.
        assert_eq!(fix_language_patterns(&mut schema), 2);
        let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
        validator.iter_errors(log).map(|e| format!("{}: {e}", e.instance_path())).collect()
    }

    fn fix_language_patterns(node: &mut Value) -> usize {
        match node {
            Value::Object(map) => {
                let mut fixed = 0;
                for (key, value) in map.iter_mut() {
                    if key == "pattern" && value == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *value = Value::from("^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$");
                        fixed += 1;
                    } else {
                        fixed += fix_language_patterns(value);
                    }
                }
                fixed
            }
            Value::Array(items) => items.iter_mut().map(fix_language_patterns).sum(),
            _ => 0,
        }
    }

    #[test]
    fn log_snapshot() {
        let rules = rules();
        let text = serde_json::to_string_pretty(&to_json(&report(&rules))).unwrap();
        version_filters().bind(|| insta::assert_snapshot!(text));
    }

    #[test]
    fn validates_against_the_sarif_schema() {
        let rules = rules();
        let full = report(&rules);
        assert_eq!(schema_errors(&to_json(&full)), Vec::<String>::new());

        let empty = empty_report(&rules);
        let log = to_json(&empty);
        assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
        assert_eq!(schema_errors(&log), Vec::<String>::new());

        let mut errors_only = empty_report(&rules);
        errors_only.errors.push(FileError {
            path: "données/é€.py".to_owned(),
            line: None,
            column: None,
            kind: "decode".to_owned(),
            message: "invalid UTF-8 at byte 12".to_owned(),
        });
        errors_only.errors.push(FileError {
            path: "/outside/x.py".to_owned(),
            line: Some(1),
            column: Some(1),
            kind: "too-deep".to_owned(),
            message: "nesting deeper than 3000".to_owned(),
        });
        let log = to_json(&errors_only);
        assert_eq!(
            log["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().map(Vec::len),
            Some(2)
        );
        assert_eq!(schema_errors(&log), Vec::<String>::new());
    }

    #[test]
    fn schema_check_catches_a_broken_log() {
        // The validator is not vacuous: a region with line 0 is rejected.
        let rules = rules();
        let mut log = to_json(&report(&rules));
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
            serde_json::json!(0);
        assert_eq!(schema_errors(&log).len(), 1);
    }

    #[test]
    fn driver_lists_every_rule_with_github_properties() {
        let rules = rules();
        let log = to_json(&report(&rules));
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(driver["name"], "pysbx");
        assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
        assert_eq!(driver["informationUri"], env!("CARGO_PKG_REPOSITORY"));
        let ids: Vec<&str> =
            driver["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["PSB101", "PSB201", "PSB301", "PSB401"]);

        let exec = &driver["rules"][0];
        assert_eq!(exec["name"], "exec-builtin");
        assert_eq!(exec["shortDescription"]["text"], "Exec builtin");
        assert_eq!(
            exec["fullDescription"]["text"],
            "`exec` runs any code it is given, so whoever controls the argument controls the process."
        );
        assert_eq!(exec["defaultConfiguration"]["level"], "error");
        assert_eq!(exec["properties"]["precision"], "high");
        assert_eq!(exec["properties"]["security-severity"], "8.8");
        assert_eq!(
            exec["properties"]["tags"],
            serde_json::json!(["security", "external/cwe/cwe-95", "code-exec", "audit"])
        );
        let markdown = exec["help"]["markdown"].as_str().unwrap();
        assert!(markdown.starts_with("`exec` runs any code"));
        assert!(markdown.contains("[CWE-95](https://cwe.mitre.org/data/definitions/95.html)"));
        assert!(
            exec["help"]["text"].as_str().unwrap().contains("Parse data with `ast.literal_eval`")
        );
        assert_eq!(
            exec["helpUri"],
            format!("{}/blob/main/docs/rules/PSB101.md", env!("CARGO_PKG_REPOSITORY"))
        );

        let blob = &driver["rules"][3];
        // A message without placeholder is its own short description.
        assert_eq!(blob["shortDescription"]["text"], "long base64 literal");
        assert_eq!(blob["fullDescription"]["text"], "long base64 literal");
        assert_eq!(blob["defaultConfiguration"]["level"], "note");
        assert_eq!(blob["properties"]["security-severity"], "1.5");
        assert_eq!(
            blob["properties"]["tags"],
            serde_json::json!(["security", "obfuscation", "audit"])
        );
        // A user's rule has no page in the repository.
        assert_eq!(blob.get("helpUri"), None);
        assert_eq!(driver["rules"][1]["defaultConfiguration"]["level"], "error");
        assert_eq!(driver["rules"][2]["defaultConfiguration"]["level"], "warning");
    }

    #[test]
    fn security_severity_stays_in_github_bands() {
        let bands = [
            (Severity::Critical, 9.0, 10.0),
            (Severity::High, 7.0, 8.9),
            (Severity::Medium, 4.0, 6.9),
            (Severity::Low, 0.1, 3.9),
        ];
        for (severity, low, high) in bands {
            let mut previous = 0.0;
            for confidence in [Confidence::Low, Confidence::Medium, Confidence::High] {
                let score: f64 = security_severity(severity, confidence).parse().unwrap();
                assert!((low..=high).contains(&score), "{severity} {confidence}: {score}");
                assert!(score > previous, "surer rules score higher");
                previous = score;
            }
        }
    }

    #[test]
    fn results_have_relative_uris_and_utf16_regions() {
        let rules = rules();
        let log = to_json(&report(&rules));
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "utf16CodeUnits");
        assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///work/repo/");
        let exec = &run["results"][0];
        assert_eq!(exec["ruleId"], "PSB101");
        assert_eq!(exec["ruleIndex"], 0);
        assert_eq!(exec["level"], "error");
        assert_eq!(exec["message"]["text"], "call to `builtins.exec` runs arbitrary code");
        let location = &exec["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "src/app.py");
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        // Code-point columns 10..17 after the emoji are UTF-16 columns 11..18.
        assert_eq!(
            location["region"],
            serde_json::json!({"startLine": 3, "startColumn": 11, "endLine": 3, "endColumn": 18})
        );
        let shell = &run["results"][1];
        assert_eq!(shell["ruleIndex"], 1);
        assert_eq!(
            shell["locations"][0]["physicalLocation"]["region"],
            serde_json::json!({"startLine": 4, "startColumn": 1, "endLine": 5, "endColumn": 21})
        );
        let util = &run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(util["uri"], "src/modul%C3%A9/%C3%BCtil.py");
    }

    fn region_of(source: &str, needle: &str) -> Value {
        let rules = rules();
        let mut report = empty_report(&rules);
        report.files.push(FileResult {
            path: "m.py".to_owned(),
            findings: vec![finding_at(source, &rules, 0, needle, 0, "builtins.exec")],
            line_hashes: None,
        });
        to_json(&report)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
            .clone()
    }

    #[test]
    fn crlf_lines_convert_like_lf_lines() {
        let region = region_of("x = 1\r\ns='\u{1F600}\u{1F600}';exec(s)\r\n", "exec(s)");
        // Code points 8..15 on line 2; the two emoji before add two units.
        assert_eq!(
            region,
            serde_json::json!({"startLine": 2, "startColumn": 10, "endLine": 2, "endColumn": 17})
        );
    }

    #[test]
    fn multi_line_spans_convert_the_end_on_its_own_line() {
        let source = "exec(\"\"\"\u{1F600}\n\u{1F600}\"\"\")\n";
        let region = region_of(source, "exec(\"\"\"\u{1F600}\n\u{1F600}\"\"\")");
        // The end line holds one emoji before the end: code point 6 is UTF-16 column 7.
        assert_eq!(
            region,
            serde_json::json!({"startLine": 1, "startColumn": 1, "endLine": 2, "endColumn": 7})
        );
    }

    #[test]
    fn capped_snippet_keeps_the_counted_end_column() {
        let rules = rules();
        let mut report = report(&rules);
        let finding = &mut report.files[0].findings[1];
        let first_line_end = finding.snippet.find('\n').unwrap();
        finding.snippet.truncate(first_line_end);
        let log = to_json(&report);
        assert_eq!(
            log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"],
            serde_json::json!({"startLine": 4, "startColumn": 1, "endLine": 5, "endColumn": 21})
        );
    }

    #[test]
    fn files_outside_the_root_get_absolute_uris() {
        let rules = rules();
        let mut report = report(&rules);
        report.files[0].path = "../other repo/app.py".to_owned();
        let log = to_json(&report);
        let artifact =
            &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(artifact["uri"], "file:///work/other%20repo/app.py");
        assert_eq!(artifact.get("uriBaseId"), None);
        assert_eq!(schema_errors(&log), Vec::<String>::new());
    }

    #[test]
    fn fingerprints_come_from_the_line_hashes() {
        let rules = rules();
        let mut report = report(&rules);
        let log = to_json(&report);
        let hashes = line_hashes(APP);
        assert_eq!(
            log["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"],
            hashes[2].as_str()
        );
        assert_eq!(
            log["runs"][0]["results"][1]["partialFingerprints"]["primaryLocationLineHash"],
            hashes[3].as_str()
        );
        report.files[0].line_hashes = None;
        let log = to_json(&report);
        assert_eq!(log["runs"][0]["results"][0].get("partialFingerprints"), None);
    }

    fn fingerprint_of(source: &str, needle: &str) -> Value {
        let rules = rules();
        let mut report = empty_report(&rules);
        report.files.push(with_line_hashes(
            "m.py",
            source,
            vec![finding_at(source, &rules, 0, needle, 0, "builtins.exec")],
        ));
        to_json(&report)["runs"][0]["results"][0]["partialFingerprints"]["primaryLocationLineHash"]
            .clone()
    }

    #[test]
    fn fingerprint_survives_lines_inserted_above_and_changes_with_the_line() {
        let before = "import os\nexec(payload)\nprint('done')\n";
        let inserted = "import os\nimport sys\n\n# load\nexec(payload)\nprint('done')\n";
        let changed = "import os\nexec(other)\nprint('done')\n";
        let original = fingerprint_of(before, "exec(payload)");
        assert!(original.is_string());
        assert_eq!(fingerprint_of(inserted, "exec(payload)"), original);
        assert_ne!(fingerprint_of(changed, "exec(other)"), original);
    }

    #[test]
    fn category_becomes_the_automation_id() {
        assert_eq!(automation_id(Some("pysbx")).as_deref(), Some("pysbx/"));
        assert_eq!(automation_id(Some("python/deps/")).as_deref(), Some("python/deps/"));
        assert_eq!(automation_id(Some("  ")), None);
        assert_eq!(automation_id(None), None);
        let rules = rules();
        let log = to_json(&report(&rules));
        assert_eq!(log["runs"][0]["automationDetails"]["id"], "pysbx/");
        assert_eq!(to_json(&empty_report(&rules))["runs"][0].get("automationDetails"), None);
    }

    #[test]
    fn file_errors_become_tool_notifications() {
        let rules = rules();
        let log = to_json(&report(&rules));
        let run = &log["runs"][0];
        let invocation = &run["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], true);
        assert_eq!(invocation["properties"]["filesScanned"], 3);
        assert_eq!(invocation["properties"]["auditMode"], true);
        let note = &invocation["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "error");
        assert_eq!(note["message"]["text"], "src/broken.py:3:7: Expected an expression");
        assert_eq!(note["descriptor"], serde_json::json!({"id": "syntax", "index": 0}));
        let location = &note["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "src/broken.py");
        assert_eq!(location["region"], serde_json::json!({"startLine": 3}));
        assert_eq!(run["tool"]["driver"]["notifications"][0]["id"], "syntax");
        let empty = to_json(&empty_report(&rules));
        assert_eq!(empty["runs"][0]["invocations"][0].get("toolExecutionNotifications"), None);
        assert_eq!(empty["runs"][0]["tool"]["driver"].get("notifications"), None);
    }

    #[test]
    fn emitter_writes_one_parsable_document() {
        let rules = rules();
        let mut report = report(&rules);
        // Absolute paths and root: the output does not depend on the current directory.
        for file in &mut report.files {
            file.path = format!("/work/repo/{}", file.path);
        }
        let out = render(&SarifEmitter, &report);
        assert!(out.ends_with("}\n"));
        let log: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(log["version"], "2.1.0");
        assert_eq!(log["$schema"], SCHEMA);
        assert_eq!(
            log["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "src/modul%C3%A9/%C3%BCtil.py"
        );
        assert_eq!(schema_errors(&log), Vec::<String>::new());
        assert_eq!(SarifEmitter::limits_warning(&report), None);
    }

    #[test]
    fn emit_checked_writes_what_emit_writes() {
        let rules = rules();
        let report = report(&rules);
        let mut checked = Vec::new();
        let warning = SarifEmitter.emit_checked(&report, &mut checked).unwrap();
        assert_eq!(warning, None);
        assert_eq!(String::from_utf8(checked).unwrap(), render(&SarifEmitter, &report));
    }

    #[test]
    fn unknown_rule_is_an_error() {
        let rules = rules();
        let mut report = report(&rules);
        report.files[1].findings[0].rule = 4;
        assert!(matches!(
            StreamedLog::new(&report, None),
            Err(ReportError::UnknownRule { index: 4, len: 4, line: 2, .. })
        ));
        // Nothing is written of a log that cannot be written whole.
        let mut out = Vec::new();
        assert!(SarifEmitter.emit(&report, &mut out).is_err());
        assert!(out.is_empty());
    }

    fn many_results(rules: &pysbx_rules::RuleSet, count: usize) -> ScanReport<'_> {
        let mut report = empty_report(rules);
        let finding = finding_at(APP, rules, 0, "exec(s)", 0, "builtins.exec");
        report.files.push(FileResult {
            path: "src/app.py".to_owned(),
            findings: vec![finding; count],
            line_hashes: None,
        });
        report
    }

    fn plain_size(log: &StreamedLog<'_, '_>) -> u64 {
        written(log).len() as u64
    }

    /// GitHub's limits scaled down, so the tests stay small.
    const SMALL: Limits = Limits { results: 25, shown_results: 5, rules: 25, gzip_bytes: 100_000 };

    #[test]
    fn github_limits_are_the_documented_ones() {
        assert_eq!(GITHUB_LIMITS.results, 25_000);
        assert_eq!(GITHUB_LIMITS.shown_results, 5_000);
        assert_eq!(GITHUB_LIMITS.rules, 25_000);
        assert_eq!(GITHUB_LIMITS.gzip_bytes, 10_000_000);
    }

    #[test]
    fn limits_warn_about_result_counts() {
        let rules = rules();
        let report = many_results(&rules, 26);
        let log = StreamedLog::new(&report, Some(Path::new(CWD))).unwrap();
        let warning = limits_of(&log, 4, plain_size(&log), &SMALL).unwrap();
        assert_eq!(
            warning,
            "26 results exceed GitHub code scanning's limit of 25 per run: the upload will be rejected"
        );
        let report = many_results(&rules, 6);
        let log = StreamedLog::new(&report, Some(Path::new(CWD))).unwrap();
        let warning = limits_of(&log, 4, plain_size(&log), &SMALL).unwrap();
        assert_eq!(
            warning,
            "6 results: GitHub code scanning keeps only the 5 most severe of a run"
        );
        let report = many_results(&rules, 5);
        let log = StreamedLog::new(&report, Some(Path::new(CWD))).unwrap();
        assert_eq!(limits_of(&log, 4, plain_size(&log), &SMALL), None);
        assert_eq!(
            limits_of(&log, 26, plain_size(&log), &SMALL).as_deref(),
            Some(
                "26 rules exceed GitHub code scanning's limit of 25 per run: the upload will be rejected"
            )
        );
        // The public entry point applies GitHub's limits: 6 results are far below them.
        assert_eq!(SarifEmitter::limits_warning(&many_results(&rules, 6)), None);
    }

    #[test]
    fn limits_measure_the_gzipped_size() {
        let rules = rules();
        let mut report = many_results(&rules, 1);
        // Incompressible text: a linear congruential sequence over 64 symbols.
        let symbols = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-";
        let mut state: u64 = 1;
        let noise: String = (0..200_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                char::from(symbols[usize::try_from(state >> 58).unwrap()])
            })
            .collect();
        report.files[0].findings[0].message = noise;
        let log = StreamedLog::new(&report, Some(Path::new(CWD))).unwrap();
        let warning = limits_of(&log, 4, plain_size(&log), &SMALL).unwrap();
        assert!(warning.starts_with("the SARIF log is "), "{warning}");
        // The same size of repetitive text gzips far below the limit.
        report.files[0].findings[0].message = "a".repeat(200_000);
        let log = StreamedLog::new(&report, Some(Path::new(CWD))).unwrap();
        assert_eq!(limits_of(&log, 4, plain_size(&log), &SMALL), None);
    }
}
