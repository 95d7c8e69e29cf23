//! Errors of the analysis engine: per-file source errors and rule compilation errors.

/// What kind of problem stopped the analysis of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceErrorKind {
    /// The bytes are not valid in the declared (or default UTF-8) encoding, or contain NUL.
    Decode,
    /// The text is not valid Python.
    Syntax,
    /// The code nests deeper than CPython itself can compile; it is refused rather than
    /// risking the stack.
    TooDeep,
    /// The analysis ran past [`crate::AnalyzeOptions::deadline`]; the file is reported
    /// without findings.
    TimedOut,
    /// The file gave more than [`crate::MAX_FINDINGS_PER_FILE`] findings: reading it stopped
    /// there (such a file is generated or hostile, and each finding costs memory).
    TooManyFindings,
    /// The file has more tokens than [`crate::AnalyzeOptions::max_tokens`] allows: its syntax
    /// tree would take hundreds of megabytes (a flat module of millions of one-name
    /// statements).
    TooLarge,
}

impl SourceErrorKind {
    /// A short lowercase name (`decode`, `syntax`, `too-deep`, `timed-out`,
    /// `too-many-findings`, `too-large`) for reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decode => "decode",
            Self::Syntax => "syntax",
            Self::TooDeep => "too-deep",
            Self::TimedOut => "timed-out",
            Self::TooManyFindings => "too-many-findings",
            Self::TooLarge => "too-large",
        }
    }
}

/// Why one file could not be analysed, with a 1-based position (column in code points).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct SourceError {
    /// The kind of problem.
    pub kind: SourceErrorKind,
    /// What went wrong, in CPython's words where it has some.
    pub message: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in Unicode code points.
    pub column: u32,
}

/// Why a rule set could not be compiled into lookup tables.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CompileError {
    /// A regex in a rule (`string:` or an argument's `matches:`) does not compile.
    #[error("rule {rule_id}: invalid regex `{pattern}`: {message}")]
    Regex {
        /// The rule's id.
        rule_id: String,
        /// The regex as written.
        pattern: String,
        /// What the regex compiler said.
        message: String,
    },
    /// A dotted-name glob is empty or contains characters a Python name cannot.
    #[error("rule {rule_id}: invalid name pattern `{pattern}`")]
    Pattern {
        /// The rule's id.
        rule_id: String,
        /// The pattern as written.
        pattern: String,
    },
}
