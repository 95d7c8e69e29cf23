//! What the emitters consume: the results of one scan, without the scanned sources.

use std::path::PathBuf;

use pysbx_rules::{Finding, Rule, RuleSet, Severity};

use crate::ReportError;

/// Everything one scan produced, as the emitters need it.
#[derive(Debug, Clone)]
pub struct ScanReport<'a> {
    /// Every enabled rule, in the order findings index them. SARIF lists all of them, not
    /// only those with results.
    pub rules: &'a RuleSet,
    /// Files with findings (files without may be left out), sorted by path by the caller,
    /// each with its findings sorted by (start, rule id).
    pub files: Vec<FileResult>,
    /// Files that could not be scanned.
    pub errors: Vec<FileError>,
    /// Counters for the summary.
    pub stats: ScanStats,
    /// The repository or scan root: SARIF URIs are relative to it, and GitHub annotations
    /// name files relative to it. Relative roots and paths are taken from the current
    /// directory.
    pub root: PathBuf,
    /// SARIF `automationDetails.id` (GitHub's analysis category).
    pub category: Option<String>,
    /// Findings at or above this severity fail the scan.
    pub fail_on: Severity,
    /// Findings grouped by installed distribution, ranked by risk (empty when the scanned
    /// tree holds no distribution metadata and no archives).
    pub distributions: Vec<DistributionSummary>,
    /// The part of the input this scan covered (`--shard INDEX/COUNT`), or `None` for all of
    /// it: `pysbx merge` counts each shard's summaries once and names the shards missing.
    pub shard: Option<Shard>,
}

/// One part of a partitioned input: `index` of `count`, from 1.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Shard {
    /// Which part, from 1.
    pub index: u64,
    /// How many parts.
    pub count: u64,
}

/// One installed distribution (or archive) and what was found in its files.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DistributionSummary {
    /// `name version`, an archive's file name, or a label for files no distribution owns.
    pub name: String,
    /// Files of it that were scanned, including those whose analysis failed (the same count as
    /// the scan's `files_scanned`, distribution by distribution).
    pub files: usize,
    /// Findings by severity, lowest first: low, medium, high, critical.
    pub by_severity: [usize; 4],
    /// Files whose bytes differ from the hash the distribution's RECORD gives (changed after
    /// it was packed or installed), or that a wheel ships without listing them in its RECORD.
    #[serde(default)]
    pub record_mismatches: usize,
    /// Findings in install-time code (`setup.py`, `.pth`, start-up hooks, install-time rules).
    pub install_time: usize,
    /// Files or archive members of it that could not be scanned in full: unreadable,
    /// undecodable, unparseable, over a size or time budget, links or unsafe member names in
    /// an archive, bytecode without source. What they hold is unknown, so they rank it too.
    #[serde(default)]
    pub errors: usize,
    /// Every rule that matched in it, `(id, count)`, most frequent first (ties by id): all of
    /// them, so that the summaries of shards merge exactly; the text table shows the first five.
    /// (Reports of earlier versions named it `top_rules` and kept the first five.)
    #[serde(alias = "top_rules")]
    pub rules: Vec<(String, usize)>,
}

/// The findings of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileResult {
    /// The path as given or walked, with `/` separators; shown as it is in text and JSON.
    pub path: String,
    /// The findings, sorted by (start, rule id).
    pub findings: Vec<Finding>,
    /// [`crate::LineHashes`] of the lines the findings start on, for SARIF
    /// `partialFingerprints`; `None`
    /// leaves fingerprinting to the uploader.
    pub line_hashes: Option<crate::LineHashes>,
}

/// A file that could not be scanned. It does not stop the scan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileError {
    /// The path as given or walked, with `/` separators.
    pub path: String,
    /// 1-based line of the problem, when there is one (syntax errors).
    pub line: Option<u32>,
    /// 1-based column in code points, when there is one.
    pub column: Option<u32>,
    /// What went wrong: `read`, `decode`, `syntax`, `too-deep`...
    pub kind: String,
    /// One line saying what went wrong.
    pub message: String,
}

impl FileError {
    /// `path:line:col: message`, with as much of the position as is known.
    pub(crate) fn one_line(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                format!("{}:{line}:{column}: {}", self.path, self.message)
            }
            (Some(line), None) => format!("{}:{line}: {}", self.path, self.message),
            _ => format!("{}: {}", self.path, self.message),
        }
    }
}

/// Counters of one scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    /// Files read and parsed (with or without findings).
    pub files_scanned: usize,
    /// Files that produced a [`FileError`].
    pub files_with_errors: usize,
    /// Wall time of the scan.
    pub duration_ms: u64,
    /// Whether suppressions and in-tree configuration were ignored.
    pub audit_mode: bool,
    /// Findings silenced by `# pysbx: ignore[...]` comments.
    pub suppressed: usize,
    /// Files whose result came from the scan cache.
    pub cached: usize,
}

/// Number of findings per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SeverityCounts {
    pub(crate) critical: usize,
    pub(crate) high: usize,
    pub(crate) medium: usize,
    pub(crate) low: usize,
}

impl SeverityCounts {
    pub(crate) fn total(self) -> usize {
        self.critical + self.high + self.medium + self.low
    }

    /// Findings at or above `severity`.
    pub(crate) fn at_or_above(self, severity: Severity) -> usize {
        Severity::ALL.iter().filter(|s| **s >= severity).map(|s| self.get(*s)).sum()
    }

    pub(crate) fn get(self, severity: Severity) -> usize {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::High => self.high += 1,
            Severity::Medium => self.medium += 1,
            Severity::Low => self.low += 1,
        }
    }
}

impl ScanReport<'_> {
    /// The rule of a finding, or an error naming the finding when the index is out of range.
    pub(crate) fn rule_of(
        &self,
        file: &FileResult,
        finding: &Finding,
    ) -> Result<&Rule, ReportError> {
        self.rules.get(finding.rule).ok_or_else(|| ReportError::UnknownRule {
            path: file.path.clone(),
            line: finding.location.line,
            column: finding.location.column,
            index: finding.rule,
            len: self.rules.len(),
        })
    }

    /// Every finding with its file and rule, in report order.
    pub(crate) fn findings(
        &self,
    ) -> impl Iterator<Item = Result<(&FileResult, &Finding, &Rule), ReportError>> {
        self.files.iter().flat_map(move |file| {
            file.findings
                .iter()
                .map(move |finding| self.rule_of(file, finding).map(|rule| (file, finding, rule)))
        })
    }

    /// Findings per severity.
    pub(crate) fn severity_counts(&self) -> Result<SeverityCounts, ReportError> {
        let mut counts = SeverityCounts::default();
        for item in self.findings() {
            let (_, _, rule) = item?;
            counts.add(rule.severity);
        }
        Ok(counts)
    }
}
