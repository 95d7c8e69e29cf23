//! Errors of the sandbox crate: policy loading (with `file:line:col`) and running a child.

use std::fmt;
use std::path::PathBuf;

/// A 1-based position in a policy file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Why a policy could not be loaded. Every variant renders as `file:line:col: what` where the
/// file has a position.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{}: cannot read policy file: {source}", path.display())]
    Io {
        /// The policy file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML is malformed or does not fit the schema (unknown key, wrong type...).
    #[error("{}:{position}: {message}", path.display())]
    Syntax {
        /// The policy file.
        path: PathBuf,
        /// Where the YAML reader stopped.
        position: Position,
        /// What the YAML reader said, without its source snippet.
        message: String,
    },
    /// The YAML fits the schema but a value is invalid or contradicts another.
    #[error("{}:{position}: {message}", path.display())]
    Invalid {
        /// The policy file.
        path: PathBuf,
        /// The position of the offending value.
        position: Position,
        /// What is wrong and what to do.
        message: String,
    },
}

impl PolicyError {
    /// The position the error points at, when it has one.
    #[must_use]
    pub fn position(&self) -> Option<Position> {
        match self {
            Self::Io { .. } => None,
            Self::Syntax { position, .. } | Self::Invalid { position, .. } => Some(*position),
        }
    }
}

/// Why a sandboxed run could not be set up or supervised. The program's own failures are not
/// errors: they are reported through its exit status and the end event.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The interpreter could not be found or did not answer the startup probe.
    #[error("cannot use interpreter `{}`: {message}", interpreter.display())]
    Interpreter {
        /// The interpreter asked for.
        interpreter: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A file the run needs (the entry script, an events file...) could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An operating-system call made while preparing or supervising the child failed.
    #[error("{what}: {source}")]
    Os {
        /// What pysbx was doing.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A layer named in `require_isolation` could not be applied on this system.
    #[error("required isolation is not available: {0}")]
    IsolationUnavailable(String),
    /// The entry program was refused by the static gate before it ran.
    #[error("{}: refused by the static gate: {reason}", path.display())]
    Refused {
        /// The entry script (or `<string>` for `-c`).
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl SandboxError {
    pub(crate) fn os(what: impl Into<String>, source: impl Into<std::io::Error>) -> Self {
        Self::Os { what: what.into(), source: source.into() }
    }
}
