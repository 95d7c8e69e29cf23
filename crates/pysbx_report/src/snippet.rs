//! The source lines of one finding, kept without the file: line lookup for SARIF columns and
//! a `codespan_reporting` file so diagnostics show the file's real line numbers.

use std::ops::Range;

use codespan_reporting::files::{self, Files};
use pysbx_rules::Finding;

/// A finding's snippet with its line structure. Lines end at `\n`, `\r\n` or a lone `\r`,
/// as Python's tokenizer and the fingerprint hash split them.
#[derive(Debug)]
pub(crate) struct SnippetView<'a> {
    name: &'a str,
    text: &'a str,
    /// Line number (1-based) of the snippet's first line in the file.
    first_line: u32,
    /// Byte offset of every line start in `text`; always starts with 0.
    line_starts: Vec<usize>,
}

impl<'a> SnippetView<'a> {
    /// The view of `finding`'s snippet, displayed under `name`.
    ///
    /// The first line's number is derived from the finding's start line and how many line
    /// breaks of the snippet precede the finding, so a snippet that begins with context lines
    /// above the finding still gets the right numbers.
    pub(crate) fn new(name: &'a str, finding: &'a Finding) -> Self {
        Self::with_text(name, finding, finding.snippet.as_str())
    }

    /// The view of `finding` showing `text` for its snippet: a copy of the same length whose
    /// bytes only differ in line-preserving ways (see `text::terminal_source`).
    pub(crate) fn with_text(name: &'a str, finding: &Finding, text: &'a str) -> Self {
        let line_starts = line_starts(text);
        let start = clamp_offset(text, finding.start.saturating_sub(finding.snippet_start));
        let start_index = line_index_in(&line_starts, start);
        let skipped = u32::try_from(start_index).unwrap_or(u32::MAX);
        let first_line = finding.location.line.saturating_sub(skipped).max(1);
        Self { name, text, first_line, line_starts }
    }

    /// The finding's byte range inside the snippet, clamped to the snippet and to character
    /// boundaries (the snippet may be capped before the node ends).
    pub(crate) fn label_range(&self, finding: &Finding) -> Range<usize> {
        let start = clamp_offset(self.text, finding.start.saturating_sub(finding.snippet_start));
        let end = clamp_offset(self.text, finding.end.saturating_sub(finding.snippet_start));
        start..end.max(start)
    }

    /// The text of file line `line` (1-based), without its line break, when the snippet has it.
    pub(crate) fn line_text(&self, line: u32) -> Option<&'a str> {
        let index = usize::try_from(line.checked_sub(self.first_line)?).ok()?;
        let start = *self.line_starts.get(index)?;
        let end = self.line_starts.get(index + 1).copied().unwrap_or(self.text.len());
        let text: &'a str = self.text;
        Some(text.get(start..end)?.trim_end_matches(['\n', '\r']))
    }

    fn line_start(&self, line_index: usize) -> Result<usize, files::Error> {
        match line_index.cmp(&self.line_starts.len()) {
            std::cmp::Ordering::Less => {
                self.line_starts.get(line_index).copied().ok_or(files::Error::LineTooLarge {
                    given: line_index,
                    max: self.line_starts.len().saturating_sub(1),
                })
            }
            std::cmp::Ordering::Equal => Ok(self.text.len()),
            std::cmp::Ordering::Greater => Err(files::Error::LineTooLarge {
                given: line_index,
                max: self.line_starts.len().saturating_sub(1),
            }),
        }
    }
}

impl<'a> Files<'a> for SnippetView<'a> {
    type FileId = ();
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.name)
    }

    fn source(&'a self, (): ()) -> Result<&'a str, files::Error> {
        Ok(self.text)
    }

    fn line_index(&'a self, (): (), byte_index: usize) -> Result<usize, files::Error> {
        Ok(line_index_in(&self.line_starts, byte_index))
    }

    fn line_number(&'a self, (): (), line_index: usize) -> Result<usize, files::Error> {
        Ok(self.first_line as usize + line_index)
    }

    fn line_range(&'a self, (): (), line_index: usize) -> Result<Range<usize>, files::Error> {
        Ok(self.line_start(line_index)?..self.line_start(line_index + 1)?)
    }
}

/// Byte offsets of line starts, splitting at `\n`, `\r\n` and a lone `\r`.
fn line_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => starts.push(i + 1),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                starts.push(i + 2);
                i += 1;
            }
            b'\r' => starts.push(i + 1),
            _ => {}
        }
        i += 1;
    }
    starts
}

/// The index of the line holding `offset`.
fn line_index_in(line_starts: &[usize], offset: usize) -> usize {
    match line_starts.binary_search(&offset) {
        Ok(index) => index,
        Err(next) => next.saturating_sub(1),
    }
}

/// `offset` (relative to the snippet) clamped into `text` and moved back to a char boundary.
fn clamp_offset(text: &str, offset: u32) -> usize {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;
    use pysbx_rules::FindingLocation;

    fn finding(snippet: &str, snippet_start: u32, start: u32, end: u32, line: u32) -> Finding {
        Finding {
            rule: 0,
            start,
            end,
            location: FindingLocation { line, column: 1, end_line: line, end_column: 1 },
            message: String::new(),
            subject: String::new(),
            snippet: snippet.to_owned(),
            snippet_start,
        }
    }

    #[test]
    fn line_starts_split_every_newline_kind() {
        assert_eq!(line_starts("a\nb\r\nc\rd"), vec![0, 2, 5, 7]);
        assert_eq!(line_starts(""), vec![0]);
        assert_eq!(line_starts("a\n"), vec![0, 2]);
    }

    #[test]
    fn first_line_counts_context_lines_before_the_finding() {
        // The snippet starts one line above the finding, which is on file line 10.
        let f = finding("x = 1\nexec(x)\n", 100, 106, 113, 10);
        let view = SnippetView::new("a.py", &f);
        assert_eq!(view.line_text(9), Some("x = 1"));
        assert_eq!(view.line_text(10), Some("exec(x)"));
        assert_eq!(view.line_text(11), Some(""));
        assert_eq!(view.line_text(12), None);
        assert_eq!(view.line_text(8), None);
        assert_eq!(view.line_number((), 1).ok(), Some(10));
    }

    #[test]
    fn label_range_is_clamped_to_the_snippet_and_char_boundaries() {
        let f = finding("s = 'é'", 0, 5, 500, 1);
        let view = SnippetView::new("a.py", &f);
        assert_eq!(view.label_range(&f), 5..8);
        // An end inside the two-byte `é` moves back to its start.
        let g = finding("s = 'é'", 0, 0, 6, 1);
        assert_eq!(SnippetView::new("a.py", &g).label_range(&g), 0..5);
        // An end before the start is raised to the start.
        let h = finding("abc", 0, 2, 1, 1);
        assert_eq!(SnippetView::new("a.py", &h).label_range(&h), 2..2);
    }

    #[test]
    fn line_ranges_include_the_terminator_and_end_at_the_text() {
        let f = finding("a\r\nbc", 0, 0, 1, 1);
        let view = SnippetView::new("a.py", &f);
        assert_eq!(view.line_range((), 0).ok(), Some(0..3));
        assert_eq!(view.line_range((), 1).ok(), Some(3..5));
        assert!(view.line_range((), 2).is_err());
    }
}
