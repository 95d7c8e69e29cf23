//! Column conversion: findings count code points, SARIF runs declare UTF-16 code units.

/// The 1-based UTF-16 column of the character at 1-based code-point column `char_column` of
/// `line_text`.
///
/// Characters outside the Basic Multilingual Plane (emoji, some CJK) take two UTF-16 code
/// units: on the line `s = '😀' == 1`, the `==` is at code-point column 9 but at UTF-16
/// column 10. A column past the end of `line_text` (the end of a span, one past the
/// last character) counts every missing character as one unit. Column 0, which no 1-based
/// position has, is treated as column 1.
#[must_use]
pub fn utf16_column(line_text: &str, char_column: u32) -> u32 {
    let wanted = char_column.saturating_sub(1) as usize;
    let mut units: usize = 0;
    let mut taken: usize = 0;
    for ch in line_text.chars().take(wanted) {
        units += ch.len_utf16();
        taken += 1;
    }
    let total = units + (wanted - taken) + 1;
    u32::try_from(total).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::utf16_column;

    #[test]
    fn ascii_columns_are_unchanged() {
        assert_eq!(utf16_column("exec(x)", 1), 1);
        assert_eq!(utf16_column("exec(x)", 5), 5);
        assert_eq!(utf16_column("exec(x)", 8), 8);
    }

    #[test]
    fn astral_characters_count_twice() {
        // `s = '😀'; exec(x)`: `exec` starts at code point 10; the emoji before it is two units.
        let line = "s = '\u{1F600}'; exec(x)";
        assert_eq!(line.chars().position(|c| c == 'e'), Some(9));
        assert_eq!(utf16_column(line, 10), 11);
        assert_eq!(utf16_column("s = '\u{1F600}' == 1", 9), 10);
        // The emoji itself starts at column 6 in both units.
        assert_eq!(utf16_column(line, 6), 6);
        // Just past it, the units differ by one.
        assert_eq!(utf16_column(line, 7), 8);
    }

    #[test]
    fn bmp_non_ascii_counts_once() {
        // `é` and `中` are one UTF-16 unit each (and several UTF-8 bytes).
        assert_eq!(utf16_column("é中 = eval(x)", 6), 6);
    }

    #[test]
    fn past_the_end_counts_missing_characters_as_one() {
        assert_eq!(utf16_column("\u{1F600}", 2), 3);
        assert_eq!(utf16_column("\u{1F600}", 4), 5);
        assert_eq!(utf16_column("", 3), 3);
    }

    #[test]
    fn column_zero_is_column_one() {
        assert_eq!(utf16_column("abc", 0), 1);
    }
}
