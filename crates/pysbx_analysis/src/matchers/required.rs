//! A necessary condition for a string regex, checked before the regex runs: a set of bytes of
//! which every match contains at least one (`://` for URL patterns, `-` for PEM headers). Most
//! strings in a file are short and lack the byte, so most regexes never run on them; a regex
//! without such a set (one that can match the empty string) always runs.

use regex_syntax::hir::{Class, Hir, HirKind};

/// 256 bits, one per byte value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    fn add(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1u64 << (b & 63);
    }

    fn add_range(&mut self, lo: u8, hi: u8) {
        for b in lo..=hi {
            self.add(b);
        }
    }

    fn union(&mut self, other: &ByteSet) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }

    fn len(&self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    pub(crate) fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] & (1u64 << (b & 63)) != 0
    }

    pub(crate) fn intersects(&self, other: &ByteSet) -> bool {
        self.0.iter().zip(other.0).any(|(a, b)| a & b != 0)
    }

    /// Whether every byte of the set is outside ASCII (then no ASCII text holds one).
    pub(crate) fn all_non_ascii(&self) -> bool {
        self.0[0] == 0 && self.0[1] == 0 && self.len() > 0
    }

    /// The set with these words (bit `b & 63` of word `b >> 6` for byte `b`), as the build
    /// script writes the sets of the built-in regexes.
    pub(crate) const fn from_words(words: [u64; 4]) -> ByteSet {
        ByteSet(words)
    }

    /// The words of the set, as [`ByteSet::from_words`] takes them.
    #[allow(dead_code, reason = "the build script, which includes this file, writes them")]
    pub(crate) const fn words(&self) -> [u64; 4] {
        self.0
    }

    /// The bytes present in `text`.
    pub(crate) fn of_text(text: &str) -> ByteSet {
        let mut set = ByteSet::default();
        if text.len() < LONG_TEXT {
            for b in text.bytes() {
                set.add(b);
            }
            return set;
        }
        // A long text marks one flag per byte (a store, where setting a bit is a load, a
        // shift, an or and a store), and the 256 flags become bits once.
        let mut seen = [false; 256];
        for b in text.bytes() {
            seen[usize::from(b)] = true;
        }
        for (b, &present) in (0..=u8::MAX).zip(seen.iter()) {
            if present {
                set.add(b);
            }
        }
        set
    }
}

/// From this length on, [`ByteSet::of_text`] marks flags rather than bits.
const LONG_TEXT: usize = 256;

/// The bytes of which every match of `pattern` contains one, when there is such a set.
pub(crate) fn required(pattern: &str) -> Option<ByteSet> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    of(&hir)
}

/// [`required`] of a parsed regex.
pub(crate) fn of(hir: &Hir) -> Option<ByteSet> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(lit) => {
            let first = *lit.0.first()?;
            let mut set = ByteSet::default();
            set.add(first);
            Some(set)
        }
        HirKind::Class(Class::Bytes(class)) => {
            let mut set = ByteSet::default();
            for r in class.ranges() {
                set.add_range(r.start(), r.end());
            }
            (set.len() > 0).then_some(set)
        }
        HirKind::Class(Class::Unicode(class)) => {
            let mut set = ByteSet::default();
            for r in class.ranges() {
                let (lo, hi) = (u32::from(r.start()), u32::from(r.end()));
                if lo < 0x80 {
                    set.add_range(u8::try_from(lo).ok()?, u8::try_from(hi.min(0x7f)).ok()?);
                }
                if hi >= 0x80 {
                    // The lead byte of a UTF-8 sequence grows with the code point, so the
                    // range's lead bytes are those from its first to its last character's.
                    set.add_range(lead_byte(lo.max(0x80)), lead_byte(hi));
                }
            }
            (set.len() > 0).then_some(set)
        }
        HirKind::Repetition(rep) => {
            if rep.min == 0 {
                None
            } else {
                of(&rep.sub)
            }
        }
        HirKind::Capture(cap) => of(&cap.sub),
        HirKind::Concat(parts) => parts.iter().filter_map(of).min_by_key(ByteSet::len),
        HirKind::Alternation(branches) => {
            let mut set = ByteSet::default();
            for b in branches {
                set.union(&of(b)?);
            }
            Some(set)
        }
    }
}

/// The first byte of the UTF-8 encoding of code point `c` (0x80 or more), computed for any
/// value up to 0x10FFFF, surrogates included, so that a range's ends need not be characters.
fn lead_byte(c: u32) -> u8 {
    let lead = match c {
        0..=0x7f => c,
        0x80..=0x7ff => 0xc0 | (c >> 6),
        0x800..=0xffff => 0xe0 | (c >> 12),
        _ => 0xf0 | (c.min(0x10_ffff) >> 18),
    };
    u8::try_from(lead).unwrap_or(0xf4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_short_texts_give_the_same_byte_set() {
        let short = "ab\u{e9}:/-";
        let long = format!("{}{}", "xyz0123456789".repeat(30), short);
        assert!(long.len() >= LONG_TEXT && short.len() < LONG_TEXT);
        let mut expected = ByteSet::default();
        for b in long.bytes() {
            expected.add(b);
        }
        assert_eq!(ByteSet::of_text(&long), expected);
        let mut expected_short = ByteSet::default();
        for b in short.bytes() {
            expected_short.add(b);
        }
        assert_eq!(ByteSet::of_text(short), expected_short);
        assert!(ByteSet::of_text(&long).contains(0xc3), "the lead byte of é");
        assert!(!ByteSet::of_text(&long).contains(b'q'));
    }

    fn admits(pattern: &str, text: &str) -> bool {
        required(pattern).is_none_or(|set| set.intersects(&ByteSet::of_text(text)))
    }

    #[test]
    fn literals_classes_and_alternations() {
        assert!(admits("https?://", "see http://x"));
        assert!(!admits("https?://", "utf-8"));
        assert!(!admits("^0\\.0\\.0\\.0$", "abc"));
        assert!(admits("(?i)pastebin", "PASTEBIN"));
        assert!(!admits("(?i)pastebin|ngrok", "utf-8"));
        assert!(admits("(?i)pastebin|ngrok", "NGROK"));
        assert!(admits("[\\x{202A}-\\x{202E}]", "a\u{202e}b"));
        assert!(!admits("[\\x{202A}-\\x{202E}]", "plain ascii"));
        // Only the lead bytes the class can start with: typographic quotes (also U+20xx) get
        // through, Latin-1 letters and CJK do not.
        assert!(admits("[\\x{202A}-\\x{202E}]", "\u{201c}quoted\u{201d}"));
        assert!(!admits("[\\x{202A}-\\x{202E}]", "caf\u{e9} \u{4e2d}\u{6587}"));
        assert!(admits("[\\x{e9}-\\x{4e2d}]", "\u{4e2d}"));
        assert!(admits("[\\x{e9}-\\x{4e2d}]", "\u{3000}"));
        assert!(!admits("[\\x{e9}-\\x{4e2d}]", "\u{10348}"));
    }

    #[test]
    fn patterns_that_can_match_empty_always_run() {
        assert!(required("a*").is_none());
        assert!(required("^").is_none());
        assert!(required("(?:x|)").is_none());
        assert!(admits("a*", ""));
    }

    #[test]
    fn every_match_is_admitted() {
        // Soundness on a sample: whatever the regex matches, the prefilter admits.
        let cases = [
            ("(?i)(?:discord(?:app)?\\.com/api/webhooks|\\bpaste\\.ee\\b)", "x Paste.EE y"),
            ("[ \\t]{3,}\\S", "a   \tb"),
            ("(?:-----BEGIN (?:RSA )?PRIVATE KEY-----)", "-----BEGIN PRIVATE KEY-----"),
            ("\\d+\\.\\d+", "v1.2"),
            ("(?is)^\\s*select\\s.+\\sfrom\\s", "  SELECT a FROM t"),
            ("é|ü", "ü"),
        ];
        for (pattern, text) in cases {
            assert!(regex::Regex::new(pattern).unwrap().is_match(text), "{pattern}");
            assert!(admits(pattern, text), "{pattern} / {text}");
        }
    }

    #[test]
    fn lead_bytes_are_utf8s() {
        let mut buf = [0u8; 4];
        for c in (0x80..=0x10_ffff).filter_map(char::from_u32) {
            assert_eq!(lead_byte(u32::from(c)), c.encode_utf8(&mut buf).as_bytes()[0], "{c:?}");
        }
    }
}
