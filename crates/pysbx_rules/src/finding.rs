//! What a rule found: the unit that the report, rewrite and exec layers consume.

/// 1-based line and column span of a finding. Columns count Unicode code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FindingLocation {
    /// First line.
    pub line: u32,
    /// Column on the first line.
    pub column: u32,
    /// Last line.
    pub end_line: u32,
    /// Column just past the end on the last line.
    pub end_column: u32,
}

/// One match of one rule in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Index of the rule in the [`crate::RuleSet`] the analysis ran with.
    pub rule: usize,
    /// Byte offsets of the flagged node in the file's decoded source.
    pub start: u32,
    /// End byte offset (exclusive).
    pub end: u32,
    /// Line and column span.
    pub location: FindingLocation,
    /// The rendered message.
    pub message: String,
    /// What matched: a qualified name, an attribute, an imported module or a folded string.
    pub subject: String,
    /// The source lines the finding spans (capped), for diagnostics that outlive the source.
    pub snippet: String,
    /// Byte offset of the snippet's first character in the source.
    pub snippet_start: u32,
}

/// Whether `c` must not reach a reader as it is, in a message, a file name or a source line:
/// control characters (C0, DEL and C1, which drive terminals) and the invisible and
/// bidirectional formatting characters that make text read otherwise than it is (Trojan
/// Source: `U+202E` reverses what follows it). Both the analysis's messages and the text
/// report escape exactly these.
#[must_use]
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::is_hidden_char;

    #[test]
    fn hidden_characters() {
        for c in ['\x1b', '\x7f', '\u{9b}', '\n', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}'] {
            assert!(is_hidden_char(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '\u{a0}', '中', '\u{1f600}'] {
            assert!(!is_hidden_char(c), "{c:?}");
        }
    }
}
