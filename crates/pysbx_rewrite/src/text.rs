//! Text helpers shared by the strategies: line breaks as Python counts them, Python string
//! literals, and the one-line rendering of original code shown in a stub's message.

/// The line terminators of `text` in order, as Python's tokenizer sees them (`\n`, `\r\n`,
/// and a lone `\r`). A replacement that ends with exactly these keeps every later line at
/// its number.
pub(crate) fn line_breaks(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push('\n'),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                    out.push_str("\r\n");
                } else {
                    out.push('\r');
                }
            }
            _ => {}
        }
    }
    out
}

/// Number of lines `text` spans beyond its first (the count of its line terminators).
pub(crate) fn count_line_breaks(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' => count += 1,
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => count += 1,
            _ => {}
        }
    }
    count
}

/// Where each line starts, for 1-based line numbers of byte offsets in one pass.
pub(crate) struct LineStarts(Vec<usize>);

impl LineStarts {
    pub(crate) fn new(source: &str) -> Self {
        let bytes = source.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        Self(starts)
    }

    /// 1-based line number of a byte offset (offsets past the end are on the last line).
    pub(crate) fn line_of(&self, offset: usize) -> u32 {
        let line = self.0.partition_point(|&start| start <= offset);
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

/// A double-quoted Python string literal whose value is `value`, written in ASCII only.
///
/// Every character outside printable ASCII is escaped, so the literal contains no line
/// break, no quote that could close it early, no backslash-newline, and no bidirectional
/// control characters: it is safe in any expression position and on one line. The mapping
/// is deterministic, which is what lets [`crate::stub`] recognise its own output.
pub(crate) fn python_str_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xff => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c if u32::from(c) <= 0xffff => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// The longest original code a stub message quotes, in characters.
const MAX_QUOTED_CHARS: usize = 80;

/// Original code on one line for a message: whitespace runs (line breaks included) become
/// one space, and long code is cut with an ellipsis.
pub(crate) fn one_line(code: &str) -> String {
    let joined = code.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= MAX_QUOTED_CHARS {
        return joined;
    }
    let mut cut: String = joined.chars().take(MAX_QUOTED_CHARS - 3).collect();
    cut.push_str("...");
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_keep_each_terminator_kind() {
        assert_eq!(line_breaks("a\nb\r\nc\rd"), "\n\r\n\r");
        assert_eq!(count_line_breaks("a\nb\r\nc\rd"), 3);
        assert_eq!(count_line_breaks("no break"), 0);
        assert_eq!(line_breaks(""), "");
    }

    #[test]
    fn line_numbers_are_one_based_and_count_every_terminator() {
        let lines = LineStarts::new("a\nb\r\nc\rd");
        assert_eq!(lines.line_of(0), 1);
        assert_eq!(lines.line_of(1), 1);
        assert_eq!(lines.line_of(2), 2);
        assert_eq!(lines.line_of(4), 2);
        assert_eq!(lines.line_of(5), 3);
        assert_eq!(lines.line_of(7), 4);
        assert_eq!(lines.line_of(999), 4);
    }

    #[test]
    fn literals_are_ascii_and_escape_quotes_backslashes_and_controls() {
        assert_eq!(python_str_literal("os.system(\"x\")"), r#""os.system(\"x\")""#);
        assert_eq!(python_str_literal("a\\b\nc\t\u{7f}"), r#""a\\b\nc\t\x7f""#);
        assert_eq!(python_str_literal("é\u{202e}😀"), r#""\xe9\u202e\U0001f600""#);
        assert!(python_str_literal("'''\r").is_ascii());
    }

    #[test]
    fn quoted_code_is_one_line_and_bounded() {
        assert_eq!(one_line("f(\n    1,\n    2)"), "f( 1, 2)");
        let long = "x".repeat(200);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), MAX_QUOTED_CHARS);
        assert!(cut.ends_with("..."));
    }
}
