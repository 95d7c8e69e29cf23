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

#[cfg(test)]
mod tests {
    use crate::test_support::{report, rules};
    use crate::{Emitter, GithubEmitter, JsonEmitter, SarifEmitter, TextEmitter};

    /// A reader that went away after `room` bytes, like `pysbx scan | head -c N`.
    struct ClosedPipe {
        room: usize,
    }

    impl std::io::Write for ClosedPipe {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_emitter_reports_a_closed_pipe_as_such() {
        let rules = rules();
        let report = report(&rules);
        let emitters: [(&str, &dyn Emitter); 4] = [
            ("text", &TextEmitter { color: true, show_help: true }),
            ("json", &JsonEmitter),
            ("sarif", &SarifEmitter),
            ("github", &GithubEmitter),
        ];
        for (name, emitter) in emitters {
            for room in [0, 10, 200] {
                let err = emitter.emit(&report, &mut ClosedPipe { room }).unwrap_err();
                assert!(err.is_broken_pipe(), "{name} after {room} bytes: {err}");
                assert!(err.to_string().starts_with(&format!("cannot write the {name} report")));
            }
        }
    }

    #[test]
    fn other_errors_are_not_broken_pipes() {
        let rules = rules();
        let mut report = report(&rules);
        report.files[0].findings[0].rule = 7;
        let err = JsonEmitter.emit(&report, &mut Vec::new()).unwrap_err();
        assert!(!err.is_broken_pipe());
    }
}
