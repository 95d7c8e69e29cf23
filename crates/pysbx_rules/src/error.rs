//! Errors raised while loading and validating rule packs.

use std::fmt;
use std::path::PathBuf;

/// A 1-based position in a YAML file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SourcePosition {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl fmt::Display for SourcePosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a rule file could not be loaded. Every variant renders as `file:line:col: what`.
#[derive(Debug, thiserror::Error)]
pub enum RuleLoadError {
    /// The file (a rule pack or a configuration) could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML is malformed or does not fit the rule schema (unknown key, bad enum value...).
    #[error("{}:{position}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Where the YAML reader stopped.
        position: SourcePosition,
        /// What the YAML reader said, without its source snippet.
        message: String,
    },
    /// The YAML fits the schema but a rule in it is invalid (bad regex, duplicate id...).
    #[error("{}:{position}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The position of the offending value.
        position: SourcePosition,
        /// What is wrong and what to do.
        message: String,
    },
}

impl RuleLoadError {
    /// The position the error points at, when it has one.
    #[must_use]
    pub fn position(&self) -> Option<SourcePosition> {
        match self {
            Self::Io { .. } => None,
            Self::Syntax { position, .. } | Self::Invalid { position, .. } => Some(*position),
        }
    }
}
