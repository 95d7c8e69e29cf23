//! The GitHub Actions format: one workflow command per finding and per file error, which the
//! runner turns into annotations on the pull request's diff, then the summary.

use std::io::Write;

use pysbx_rules::Severity;

use crate::model::ScanReport;
use crate::text::write_summary;
use crate::uri::{RootResolver, display_relative};
use crate::{Emitter, ReportError};

const FORMAT: &str = "github";

/// `::error file=...::message` lines (`warning`, `notice` by severity).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GithubEmitter;

impl Emitter for GithubEmitter {
    fn emit(&self, report: &ScanReport<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
        let cwd = std::env::current_dir().ok();
        let resolver = RootResolver::new(&report.root, cwd.as_deref());
        let mut text = String::new();
        for item in report.findings() {
            let (file, finding, rule) = item?;
            let location = finding.location;
            let mut message = finding.message.clone();
            let help = rule.help_summary();
            if !help.is_empty() {
                message.push_str("\n\nhelp: ");
                message.push_str(&help);
            }
            text.push_str(&format!(
                "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                command(rule.severity),
                escape_property(&display_relative(&resolver, &file.path)),
                location.line,
                location.column,
                location.end_line,
                location.end_column,
                escape_property(&format!("{} {}", rule.id, rule.name)),
                escape_data(&message),
            ));
            flush_if_large(&mut text, out)?;
        }
        for error in &report.errors {
            let mut properties =
                format!("file={}", escape_property(&display_relative(&resolver, &error.path)));
            if let Some(line) = error.line {
                properties.push_str(&format!(",line={line}"));
                if let Some(column) = error.column {
                    properties.push_str(&format!(",col={column}"));
                }
            }
            properties
                .push_str(&format!(",title={}", escape_property(&format!("pysbx {}", error.kind))));
            text.push_str(&format!("::error {properties}::{}\n", escape_data(&error.message)));
            flush_if_large(&mut text, out)?;
        }
        out.write_all(text.as_bytes()).map_err(ReportError::write(FORMAT))?;
        write_summary(report, out, FORMAT)
    }
}

/// Writes the buffered commands once they reach a few kilobytes, so a large report is not
/// held twice in memory.
fn flush_if_large(text: &mut String, out: &mut dyn Write) -> Result<(), ReportError> {
    if text.len() >= 8192 {
        out.write_all(text.as_bytes()).map_err(ReportError::write(FORMAT))?;
        text.clear();
    }
    Ok(())
}

/// The workflow command of a severity.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "notice",
    }
}

/// Escapes a command's message as the runner expects (`%`, CR, LF), and the characters that
/// would act on a terminal or reorder text where the log is read (other controls, ESC among
/// them, and the bidirectional formatting characters), as `%XX` of their UTF-8 bytes: a file
/// name is chosen by whoever wrote the package (`esc\x1b]0;TITLE\x07.py`). A tab stays.
pub(crate) fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '\t' => out.push('\t'),
            c if c.is_control() || is_bidi_control(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The characters that reorder the text around them (Trojan Source).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escapes a command property's value: the message escapes plus `:` and `,`, which would
/// otherwise end the value.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_newlines() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
    }

    #[test]
    fn terminal_controls_and_bidi_characters_are_escaped() {
        assert_eq!(escape_property("esc\x1b]0;T\x07.py"), "esc%1B]0;T%07.py");
        assert_eq!(escape_property("bidi\u{202e}txt.py"), "bidi%E2%80%AEtxt.py");
        assert_eq!(escape_data("c1\u{9b}31m\tok"), "c1%C2%9B31m\tok");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
    }

    #[test]
    fn severities_map_to_commands() {
        assert_eq!(command(Severity::Critical), "error");
        assert_eq!(command(Severity::High), "error");
        assert_eq!(command(Severity::Medium), "warning");
        assert_eq!(command(Severity::Low), "notice");
    }
}

#[cfg(test)]
mod report_tests {
    use super::*;
    use crate::test_support::{render, report, rules};

    #[test]
    fn commands_snapshot() {
        let rules = rules();
        let out = render(&GithubEmitter, &report(&rules));
        insta::assert_snapshot!(out);
    }

    #[test]
    fn commands_name_files_relative_to_the_root() {
        let rules = rules();
        let mut report = report(&rules);
        report.files[0].path = "/work/repo/src/app.py".to_owned();
        report.files[1].path = "/elsewhere/a,b:c.py".to_owned();
        let out = render(&GithubEmitter, &report);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "::error file=src/app.py,line=3,col=10,endLine=3,endColumn=17,title=PSB101 exec-builtin::\
             call to `builtins.exec` runs arbitrary code%0A%0Ahelp: `exec` runs any code it is given, \
             so whoever controls the argument controls the process."
        );
        assert!(
            lines[2].starts_with("::error file=/elsewhere/a%2Cb%3Ac.py,line=2,col=12,"),
            "{}",
            lines[2]
        );
        assert_eq!(
            lines[3],
            "::error file=src/broken.py,line=3,col=7,title=pysbx syntax::Expected an expression"
        );
    }

    #[test]
    fn low_and_medium_findings_are_notices_and_warnings() {
        let rules = rules();
        let mut report = report(&rules);
        report.files[0].findings[0].rule = 2;
        report.files[0].findings[1].rule = 3;
        let out = render(&GithubEmitter, &report);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("::warning file=src/app.py,"));
        assert!(
            lines[1].starts_with("::notice file=src/app.py,line=4,col=1,endLine=5,endColumn=21,")
        );
    }
}
