//! The one error type of the report crate.

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing to the output failed (a closed pipe, a full disk).
    #[error("cannot write the {format} report: {source}")]
    Write {
        /// The format being written (`text`, `json`, `sarif`, `github`).
        format: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A finding names a rule the report's rule set does not have: the findings and the rule
    /// set come from different runs.
    #[error(
        "{path}:{line}:{column}: the finding refers to rule #{index}, but the rule set has {len} rules"
    )]
    UnknownRule {
        /// Display path of the file.
        path: String,
        /// Line of the finding.
        line: u32,
        /// Column of the finding.
        column: u32,
        /// The rule index the finding carries.
        index: usize,
        /// Number of rules in the set.
        len: usize,
    },
    /// The diagnostic renderer rejected a finding's snippet.
    #[error("{path}:{line}:{column}: cannot render the diagnostic: {message}")]
    Render {
        /// Display path of the file.
        path: String,
        /// Line of the finding.
        line: u32,
        /// Column of the finding.
        column: u32,
        /// What the renderer said.
        message: String,
    },
}

impl ReportError {
    /// Whether the output was closed by its reader (`pysbx scan | head`), which the binary
    /// treats as success.
    #[must_use]
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Write { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }

    pub(crate) fn write(format: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Write { format, source }
    }

    /// A serialization error while streaming JSON: an I/O failure underneath, since the
    /// report's types always serialize.
    pub(crate) fn json(format: &'static str) -> impl FnOnce(serde_json::Error) -> Self {
        move |error| Self::Write { format, source: std::io::Error::from(error) }
    }
}
