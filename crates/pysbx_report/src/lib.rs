//! Emitters of pysbx scan results: terminal text (codespan-reporting), JSON, SARIF 2.1.0 for
//! GitHub code scanning, and GitHub Actions annotations.
//!
//! The report holds no sources: each finding carries the lines it spans (its snippet), and
//! the caller computes [`line_hashes`] for SARIF fingerprints while a file is in memory.
//! Every emitter writes to a `&mut dyn Write`, so output can be tested and sent anywhere.
#![deny(missing_docs)]

mod columns;
mod error;
mod fingerprint;
mod github;
mod json;
mod model;
mod sarif;
mod snippet;
#[cfg(test)]
mod test_support;
mod text;
mod uri;

pub use columns::utf16_column;
pub use error::ReportError;
pub use fingerprint::{LineHashes, line_hashes};
pub use github::GithubEmitter;
pub use json::JsonEmitter;
pub use model::{DistributionSummary, FileError, FileResult, ScanReport, ScanStats, Shard};
pub use sarif::SarifEmitter;
pub use text::TextEmitter;

/// Writes a whole report in one format.
pub trait Emitter {
    /// Writes `report` to `out`, in many small writes: pass a buffered writer.
    ///
    /// # Errors
    /// [`ReportError::Write`] when `out` fails, [`ReportError::UnknownRule`] when a finding's
    /// rule index is not in `report.rules`, [`ReportError::Render`] when a diagnostic cannot be
    /// laid out.
    fn emit(
        &self,
        report: &ScanReport<'_>,
        out: &mut dyn std::io::Write,
    ) -> Result<(), ReportError>;
}
