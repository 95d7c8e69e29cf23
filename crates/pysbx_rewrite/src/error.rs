//! The errors of the sanitizer.

/// Why a module could not be sanitized.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// The input is not valid Python, so no finding can be placed on it.
    #[error("{line}:{column}: cannot sanitize a module that does not parse: {message}")]
    Unparsable {
        /// 1-based line of the syntax error.
        line: u32,
        /// 1-based column (in characters) of the syntax error.
        column: u32,
        /// The parser's message.
        message: String,
    },
    /// The edits produced a module that does not parse or moved a line: a bug in the
    /// sanitizer. The broken text is never returned.
    #[error("internal error: the sanitized module is invalid at {line}:{column}: {message}")]
    Internal {
        /// 1-based line in the would-be output.
        line: u32,
        /// 1-based column (in characters) in the would-be output.
        column: u32,
        /// What is wrong.
        message: String,
    },
}
