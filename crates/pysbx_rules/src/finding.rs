//! What a rule found: the unit that the report, rewrite and exec layers consume.

/// 1-based line and column span of a finding. Columns count Unicode code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FindingLocation {
    /// First line.
    pub line: u32,
    /// Column on the first line.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end on the last line.
    pub end_column: u32,
}

/// One match of one rule in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the rule in the [`crate::RuleSet`] the analysis ran with.
    pub rule: usize,
    /// Byte offsets of the flagged node in the file's decoded source.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
    /// Line and column span.
    pub location: FindingLocation,
    /// The rendered message.
    pub message: String,
    /// What matched: a qualified name, an attribute, an imported module or a folded string.
    pub subject: String,
    /// The source lines the finding spans (capped), for diagnostics that outlive the source.
    pub snippet: String,
    /// Byte offset of the snippet's first character in the source.
    pub snippet_start: u32,
}
