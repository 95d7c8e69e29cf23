//! The terminal format: one codespan-reporting diagnostic per finding, rendered from the
//! finding's snippet, then the files that could not be scanned, then a summary.

use std::io::Write;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as Level};
use codespan_reporting::files;
use codespan_reporting::term::termcolor::{Ansi, NoColor};
use codespan_reporting::term::{self, Config, WriteStyle};
use pysbx_rules::{Finding, Rule, Severity};

use crate::model::{FileError, FileResult, ScanReport};
use crate::snippet::SnippetView;
use crate::{Emitter, ReportError};

const FORMAT: &str = "text";

/// Human-readable diagnostics with the source lines, for terminals and pre-commit hooks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextEmitter {
    /// ANSI colours (the caller decides from the terminal and `--color`).
    pub color: bool,
    /// A `= help: ...` note under each diagnostic with the rule's help summary.
    pub show_help: bool,
}

impl Emitter for TextEmitter {
    fn emit(&self, report: &ScanReport<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
        if self.color {
            self.emit_styled(report, &mut Ansi::new(out))
        } else {
            self.emit_styled(report, &mut NoColor::new(out))
        }
    }
}

impl TextEmitter {
    fn emit_styled<W: WriteStyle + Write>(
        &self,
        report: &ScanReport<'_>,
        out: &mut W,
    ) -> Result<(), ReportError> {
        let config = Config::default();
        for item in report.findings() {
            let (file, finding, rule) = item?;
            // What the scanned code and its names hold is shown, never obeyed by the terminal.
            let name = terminal_text(&file.path);
            let source = terminal_source(&finding.snippet);
            let view = SnippetView::with_text(&name, finding, &source);
            let diagnostic = self.diagnostic(&view, finding, rule);
            term::emit_to_write_style(out, &config, &view, &diagnostic)
                .map_err(|e| render_error(e, file, finding))?;
        }
        for error in &report.errors {
            write_error(out, error).map_err(ReportError::write(FORMAT))?;
        }
        if !report.errors.is_empty() {
            writeln!(out).map_err(ReportError::write(FORMAT))?;
        }
        write_summary(report, out, FORMAT)
    }

    fn diagnostic(&self, view: &SnippetView<'_>, finding: &Finding, rule: &Rule) -> Diagnostic<()> {
        let label = Label::primary((), view.label_range(finding))
            .with_message(format!("[{} {}] {}", rule.id, rule.name, rule.severity));
        let mut diagnostic = Diagnostic::new(level(rule.severity))
            .with_code(rule.id.clone())
            .with_message(terminal_text(&finding.message).into_owned())
            .with_labels(vec![label]);
        if self.show_help {
            let help = rule.help_summary();
            if !help.is_empty() {
                diagnostic = diagnostic.with_notes(vec![format!("help: {help}")]);
            }
        }
        diagnostic
    }
}

/// The diagnostic level of a severity: what fails a build reads as an error.
fn level(severity: Severity) -> Level {
    match severity {
        Severity::Critical | Severity::High => Level::Error,
        Severity::Medium => Level::Warning,
        Severity::Low => Level::Note,
    }
}

/// `error: path:line:col: message` on one line, styled like a diagnostic's header.
fn write_error<W: WriteStyle + Write>(out: &mut W, error: &FileError) -> std::io::Result<()> {
    out.set_header(Level::Error)?;
    out.write_all(b"error")?;
    out.set_header_message()?;
    write!(out, ": {}", terminal_text(&error.one_line()))?;
    out.reset()?;
    writeln!(out)
}

/// A character a terminal would act on or that changes how the text around it reads: C0 (but
/// tab), DEL, C1, and the invisible and bidirectional formatting characters
/// ([`pysbx_rules::is_hidden_char`]). An escape sequence in a file name, an archive member's
/// name, a folded string in a message or a source line could otherwise move the cursor,
/// rewrite lines already shown (a forged "no findings"), clear the screen or set the window
/// title; a right-to-left override would show a file name or a line reversed.
fn is_terminal_control(c: char) -> bool {
    c != '\t' && pysbx_rules::is_hidden_char(c)
}

/// `text` with every terminal control character written as an escape (`\x1b`, `\u{9b}`).
pub(crate) fn terminal_text(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if u32::from(c) < 0x80 && is_terminal_control(c) => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c if is_terminal_control(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Source lines made safe to print with every byte offset kept (the labels are byte ranges):
/// a one-byte control character becomes `?`, a two-byte C1 character `??`. Line breaks (`\n`,
/// `\r`) stay, as the snippet's line structure is built on them.
fn terminal_source(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| is_terminal_control(c) && c != '\n' && c != '\r';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if unsafe_char(c) {
            for _ in 0..c.len_utf8() {
                out.push('?');
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn render_error(error: files::Error, file: &FileResult, finding: &Finding) -> ReportError {
    match error {
        files::Error::Io(source) => ReportError::Write { format: FORMAT, source },
        other => ReportError::Render {
            path: file.path.clone(),
            line: finding.location.line,
            column: finding.location.column,
            message: other.to_string(),
        },
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
}

/// The closing lines of the text and GitHub formats.
pub(crate) fn write_summary(
    report: &ScanReport<'_>,
    out: &mut dyn Write,
    format: &'static str,
) -> Result<(), ReportError> {
    let counts = report.severity_counts()?;
    let stats = &report.stats;
    let mut text = format!(
        "{}, {} (critical: {}, high: {}, medium: {}, low: {}), {}, {} suppressed\n",
        plural(stats.files_scanned, "file scanned", "files scanned"),
        plural(counts.total(), "finding", "findings"),
        counts.critical,
        counts.high,
        counts.medium,
        counts.low,
        plural(report.errors.len(), "error", "errors"),
        stats.suppressed,
    );
    let failing = counts.at_or_above(report.fail_on);
    if failing == 0 {
        text.push_str(&format!("no findings at or above {}\n", report.fail_on));
    } else {
        text.push_str(&format!(
            "{} at or above {}: failing\n",
            plural(failing, "finding", "findings"),
            report.fail_on
        ));
    }
    if stats.audit_mode {
        text.push_str("audit mode: suppressions and in-tree configuration ignored\n");
    }
    text.push_str(&distribution_table(&report.distributions));
    out.write_all(text.as_bytes()).map_err(ReportError::write(format))
}

/// The per-distribution ranking, most at risk first; empty when there is nothing to group.
fn distribution_table(distributions: &[crate::DistributionSummary]) -> String {
    use std::fmt::Write as _;
    if distributions.is_empty() {
        return String::new();
    }
    let width =
        distributions.iter().map(|d| d.name.chars().count()).max().unwrap_or(0).clamp(12, 48);
    let mut table = format!(
        "\ndistributions by risk:\n  {:<width$}  {:>5}  {:>7}  {:>4}  {:>4}  {:>4}  {:>4}  {:>7}  {:>6}  top rules\n",
        "distribution", "files", "changed", "crit", "high", "med", "low", "install", "errors"
    );
    for d in distributions {
        let [low, medium, high, critical] = d.by_severity;
        let top: Vec<String> = d.rules.iter().take(5).map(|(id, n)| format!("{id}×{n}")).collect();
        let _ = writeln!(
            table,
            "  {:<width$}  {:>5}  {:>7}  {:>4}  {:>4}  {:>4}  {:>4}  {:>7}  {:>6}  {}",
            terminal_text(&d.name),
            d.files,
            d.record_mismatches,
            critical,
            high,
            medium,
            low,
            d.install_time,
            d.errors,
            top.join(" ")
        );
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{empty_report, render, report, rules};

    #[test]
    fn renders_findings_errors_and_summary() {
        let rules = rules();
        let report = report(&rules);
        let out = render(&TextEmitter { color: false, show_help: true }, &report);
        insta::assert_snapshot!(out);
    }

    #[test]
    fn control_characters_of_scanned_input_are_shown_not_obeyed() {
        use crate::test_support::finding_at;
        let rules = rules();
        let mut report = report(&rules);
        // A source line, a member name and a folded string carrying escape sequences, a
        // carriage return and a C1 control (CSI), and an error message with one.
        let source = "exec(s)  # \u{1b}[2J\u{1b}]0;title\u{7} \u{9b}31m\n";
        report.files[0].path = "w.whl!/\u{1b}[31mRED\r\nfake: ok.py".to_owned();
        report.files[0].findings =
            vec![finding_at(source, &rules, 0, "exec(s)", 0, "x\u{1b}[8mhidden")];
        report.errors[0].message = "bad \u{1b}[2J field".to_owned();
        let out = render(&TextEmitter { color: false, show_help: false }, &report);
        assert!(!out.contains(['\u{1b}', '\u{7}', '\u{9b}', '\r']), "{out:?}");
        assert!(out.contains("w.whl!/\\x1b[31mRED\\x0d\\x0afake: ok.py:1:1"), "{out}");
        // Source offsets are kept: the label still underlines the call.
        assert!(out.contains("exec(s)  # ?[2J?]0;title? ??31m"), "{out}");
        assert!(out.contains("^^^^^^^"), "{out}");
        assert!(out.contains("bad \\x1b[2J field"), "{out}");
        assert!(out.contains("x\\x1b[8mhidden"), "{out}");
    }

    /// Trojan Source: a right-to-left override in a file name or a source line would show
    /// it reversed (`exploit\u{202e}yp.txt` reads `exploittxt.py`).
    #[test]
    fn bidirectional_controls_are_shown_not_obeyed() {
        use crate::test_support::finding_at;
        let rules = rules();
        let mut report = report(&rules);
        let source = "exec(s)  # \u{202e}\u{2066}x\u{2069}\u{200b}\n";
        report.files[0].path = "pkg/exploit\u{202e}yp.txt".to_owned();
        report.files[0].findings = vec![finding_at(source, &rules, 0, "exec(s)", 0, "exec(s)")];
        let out = render(&TextEmitter { color: false, show_help: false }, &report);
        assert!(!out.contains(['\u{202e}', '\u{2066}', '\u{2069}', '\u{200b}']), "{out:?}");
        assert!(out.contains("pkg/exploit\\u{202e}yp.txt:1:1"), "{out}");
        // Offsets kept: three bytes each become three `?`.
        assert!(out.contains("exec(s)  # ??????x??????"), "{out}");
        assert!(out.contains("^^^^^^^"), "{out}");
    }

    #[test]
    fn diagnostics_show_file_line_numbers_and_levels() {
        let rules = rules();
        let report = report(&rules);
        let out = render(&TextEmitter { color: false, show_help: true }, &report);
        // The exec call is on line 3 of app.py, code-point column 10 (after the emoji).
        assert!(out.contains("error[PSB101]: call to `builtins.exec` runs arbitrary code"));
        assert!(out.contains("src/app.py:3:10"), "{out}");
        assert!(out.contains("3 │ s = '\u{1F600}'; exec(s)"), "{out}");
        assert!(out.contains("[PSB101 exec-builtin] high"));
        assert!(out.contains("src/modulé/ütil.py:2:12"), "{out}");
        assert!(out.contains("= help: `exec` runs any code it is given, so whoever"));
        assert!(out.contains("error: src/broken.py:3:7: Expected an expression"));
        assert!(out.contains("audit mode: suppressions and in-tree configuration ignored"));
        assert!(!out.contains('\u{1b}'), "no escape codes without colour");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Critical), Level::Error);
        assert_eq!(level(Severity::High), Level::Error);
        assert_eq!(level(Severity::Medium), Level::Warning);
        assert_eq!(level(Severity::Low), Level::Note);
    }

    #[test]
    fn help_is_optional() {
        let rules = rules();
        let report = report(&rules);
        let out = render(&TextEmitter { color: false, show_help: false }, &report);
        assert!(!out.contains("help:"));
    }

    #[test]
    fn colour_only_when_asked() {
        let rules = rules();
        let report = report(&rules);
        let out = render(&TextEmitter { color: true, show_help: true }, &report);
        assert!(out.contains("\u{1b}["), "ANSI escapes expected");
    }

    #[test]
    fn empty_report_has_only_the_summary() {
        let rules = rules();
        let out = render(&TextEmitter::default(), &empty_report(&rules));
        assert_eq!(
            out,
            "5 files scanned, 0 findings (critical: 0, high: 0, medium: 0, low: 0), 0 errors, 0 suppressed\n\
             no findings at or above medium\n"
        );
    }

    #[test]
    fn capped_snippet_still_renders() {
        let rules = rules();
        let mut report = report(&rules);
        // Keep only the first line of the two-line shell call, as a capped snippet would.
        let finding = &mut report.files[0].findings[1];
        let first_line_end = finding.snippet.find('\n').unwrap();
        finding.snippet.truncate(first_line_end);
        let out = render(&TextEmitter::default(), &report);
        assert!(out.contains("src/app.py:4:1"), "{out}");
    }

    #[test]
    fn unknown_rule_is_an_error_naming_the_finding() {
        let rules = rules();
        let mut report = report(&rules);
        report.files[0].findings[0].rule = 99;
        let mut out = Vec::new();
        let err = TextEmitter::default().emit(&report, &mut out).unwrap_err();
        assert_eq!(
            err.to_string(),
            "src/app.py:3:10: the finding refers to rule #99, but the rule set has 4 rules"
        );
    }
}
