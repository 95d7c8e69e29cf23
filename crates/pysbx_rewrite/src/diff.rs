//! Unified diff between a module and its sanitized form, for `pysbx sanitize --diff`.

use similar::TextDiff;

/// Lines of unchanged context around each change, as `diff -u` and git use.
const CONTEXT_LINES: usize = 3;

/// A unified diff of `before` → `after`, with `path` in the `---`/`+++` headers. Empty when
/// the texts are equal.
#[must_use]
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(path, path)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a.py", "x = 1\n", "x = 1\n"), "");
    }

    #[test]
    fn a_changed_line_shows_as_minus_and_plus_with_headers() {
        let diff = unified_diff("pkg/a.py", "a\nb\nc\n", "a\nB\nc\n");
        assert_eq!(diff, "--- pkg/a.py\n+++ pkg/a.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
    }

    #[test]
    fn a_missing_final_newline_is_marked() {
        let diff = unified_diff("a.py", "a\nb", "a\nc");
        assert!(diff.contains("\\ No newline at end of file"), "{diff}");
    }
}
