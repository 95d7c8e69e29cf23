//! `string:` — a str or bytes literal, or the outermost constant expression that folds to one
//! (`"ev" + "al"`, `"".join([...])`, `bytes.fromhex(...)`), matched against the rule's regex.
//! Bytes are matched as latin-1 text. Each regex runs on its own, and only when a rule needs it:
//! `all: [string: <rare>, string: '[A-Z]']` stops at the first. (A combined regex set was
//! slower: cheap patterns such as `[A-Z]` match nearly every string, so the set never rules a
//! string out.) Within a file, results are remembered per literal.

use crate::compile::Compiled;
use crate::matchers::StringOracle;
use crate::matchers::required::ByteSet;
use smallvec::SmallVec;

use crate::value::{Interner, QName};

/// How many characters of the matched string a finding keeps as its subject.
const SUBJECT_CHARS: usize = 80;

/// Which string regexes are known to match one text, filled in as rules ask.
#[derive(Clone, Debug, Default)]
pub(crate) struct Memo {
    known: SmallVec<[u64; 1]>,
    value: SmallVec<[u64; 1]>,
}

impl Memo {
    fn get(&self, index: u32) -> Option<bool> {
        let (word, bit) = ((index / 64) as usize, 1u64 << (index % 64));
        let known = self.known.get(word).is_some_and(|w| w & bit != 0);
        known.then(|| self.value.get(word).is_some_and(|w| w & bit != 0))
    }

    fn set(&mut self, index: u32, matched: bool) {
        let (word, bit) = ((index / 64) as usize, 1u64 << (index % 64));
        if self.known.len() <= word {
            self.known.resize(word + 1, 0);
            self.value.resize(word + 1, 0);
        }
        self.known[word] |= bit;
        if matched {
            self.value[word] |= bit;
        }
    }
}

/// Runs a string leaf's regex on `text` the first time a rule needs it, unless the text lacks
/// every byte the regex requires.
pub(crate) struct Lazy<'x> {
    pub(crate) compiled: &'x Compiled,
    pub(crate) text: &'x str,
    pub(crate) memo: &'x mut Memo,
    pub(crate) present: Option<ByteSet>,
}

impl StringOracle for Lazy<'_> {
    fn matches(&mut self, index: u32) -> bool {
        if let Some(known) = self.memo.get(index) {
            return known;
        }
        let admitted = match self.compiled.string_required.get(index as usize) {
            Some(Some(required)) => {
                let text = self.text;
                required.intersects(self.present.get_or_insert_with(|| ByteSet::of_text(text)))
            }
            _ => true,
        };
        let matched = admitted
            && self
                .compiled
                .string_regexes
                .get(index as usize)
                .is_some_and(|r| r.is_match(self.text));
        self.memo.set(index, matched);
        matched
    }
}

/// The subject of a string finding: the text, cut to [`SUBJECT_CHARS`] characters.
pub(crate) fn subject(text: &str, interner: &mut Interner) -> QName {
    interner.intern(&truncate(text))
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
