//! `string:` — a str or bytes literal, or the outermost constant expression that folds to one
//! (`"ev" + "al"`, `"".join([...])`, `bytes.fromhex(...)`), matched against the rule's regex.
//! Bytes are matched as latin-1 text. Each regex runs on its own: the regex engine then applies
//! each one's literal prefilters and length bounds, which a combined set loses (on the standard
//! library a set was about twice as slow). Results are cached per literal within a file.

use crate::compile::Compiled;
use crate::matchers::{Hit, push_unique};
use smallvec::SmallVec;

use crate::value::Interner;

/// How many characters of the matched string a finding keeps as its subject.
const SUBJECT_CHARS: usize = 80;

/// The indices (into `Compiled::string_regexes`) of the regexes that match `text`.
pub(crate) fn matching(compiled: &Compiled, text: &str) -> SmallVec<[u32; 2]> {
    compiled
        .string_regexes
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_match(text))
        .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
        .collect()
}

/// Pushes the string leaves of the `matched` regexes, with `text` as their subject.
pub(crate) fn push(
    compiled: &Compiled,
    text: &str,
    matched: &[u32],
    interner: &mut Interner,
    out: &mut Vec<Hit>,
) {
    if matched.is_empty() {
        return;
    }
    let subject = interner.intern(&truncate(text));
    let from = out.len();
    for &i in matched {
        if let Some(leaf) = compiled.string_leaves.get(i as usize) {
            push_unique(out, from, *leaf, &subject);
        }
    }
}

/// Bytes as latin-1 text (each byte one code point), for regex matching.
pub(crate) fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(SUBJECT_CHARS) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, findings, lines, pack};

    #[test]
    fn literals_and_folded_expressions_once() {
        let an = analyzer(&pack("TST500", "{string: 'https?://\\d+\\.\\d+\\.\\d+\\.\\d+'}"));
        let src = "a = 'http://1.2.3.4/x'\nb = 'http://' + '1.2.3.4'\nc = ''.join(['http', '://', '10.0.0.1'])\nd = 'https://example.com'\ne = b'http://5.6.7.8'\n";
        assert_eq!(lines(&an, src, "TST500"), vec![1, 2, 3, 5]);
        let got = findings(&an, "x = 'http://1.2.3.4' + '/path'\n");
        assert_eq!(got.len(), 1, "the outermost expression only: {got:?}");
    }

    #[test]
    fn names_bound_to_constants_fold() {
        let an = analyzer(&pack("TST501", "{string: '^eval$'}"));
        let src = "a = 'ev'\nb = 'al'\nc = a + b\nd = a\n";
        assert_eq!(lines(&an, src, "TST501"), vec![3]);
    }

    #[test]
    fn encoded_payloads() {
        let an = analyzer(&pack("TST502", "{string: 'import os'}"));
        let src = "import base64, codecs\nbase64.b64decode('aW1wb3J0IG9z')\nbytes.fromhex('696d706f7274206f73')\ncodecs.decode('vzcbeg bf', 'rot13')\n'so tropmi'[::-1]\n''.join(map(chr, [105, 109, 112, 111, 114, 116, 32, 111, 115]))\n";
        assert_eq!(lines(&an, src, "TST502"), vec![2, 3, 4, 5, 6]);
    }

    #[test]
    fn long_subjects_are_truncated() {
        let an = analyzer(&pack("TST503", "{string: 'x{100}'}"));
        let got = findings(&an, &format!("s = '{}'\n", "x".repeat(200)));
        assert_eq!(got[0].2.chars().count(), 83);
    }
}
