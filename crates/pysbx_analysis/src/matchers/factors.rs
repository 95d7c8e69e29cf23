//! Literal factors of a string regex: a set of byte strings of which every match contains at
//! least one, compared ASCII-case-insensitively (`://` for URL patterns, `discord`, `hooks.slack`
//! ... for a webhook pattern). All string regexes' factors go into one Aho-Corasick automaton
//! that runs once over a string candidate; a regex none of whose factors occur cannot match
//! and is never run. Most strings in a file contain no factor at all, so most regexes never run.
//!
//! The factors are computed from the regex's syntax tree: a literal is its own factor; a
//! class of a few characters (`[Dd]`, `[rs]`) stands for each of them; a concatenation of such
//! exact parts is the set of their products (`(?:https?|ftp)://` gives `http://`, `https://`,
//! `ftp://`), and otherwise its best part's factors (a match of the concatenation contains a
//! match of every part); an alternation needs factors on every branch; a repetition of at least
//! one has its body's factors; zero-width assertions match the empty string. Letters are
//! lowered so that the automaton compares ASCII-case-insensitively, which can only admit more.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The most strings an exact set (or a factor set) may hold.
const MAX_SET: usize = 64;
/// The most characters a class may have to be expanded into strings (before case folding).
const MAX_CLASS_CHARS: u32 = 8;
/// The most distinct strings (after ASCII lowering) a class may expand to.
const MAX_CLASS_STRINGS: usize = 4;
/// The longest string kept in an exact set; longer products stop growing.
const MAX_LEN: usize = 64;

/// A set of byte strings, ASCII-lowered.
pub(crate) type Set = Vec<Vec<u8>>;

/// What the regex `pattern` says about its matches: their minimum length in bytes, and the
/// literal factors every match contains one of (when there is such a set).
pub(crate) struct Facts {
    pub(crate) min_len: usize,
    pub(crate) factors: Option<Factors>,
}

/// The facts of a regex, from its syntax tree (parsed with the options `regex::Regex` uses).
pub(crate) fn facts(hir: &Hir) -> Facts {
    Facts { min_len: min_len(hir), factors: factors(hir) }
}

/// The two non-ASCII characters that Unicode simple case folding equates with ASCII letters
/// (KELVIN SIGN with `k`, LATIN SMALL LETTER LONG S with `s`) are replaced by those letters,
/// in factors and in searched text alike, so that `(?i)` patterns do not multiply their factors.
pub(crate) fn canonical_char(c: char) -> char {
    match c {
        '\u{212a}' => 'k',
        '\u{17f}' => 's',
        c => c,
    }
}

/// A factor in canonical form: canonical characters, ASCII letters lowered. `None` for bytes
/// that are not UTF-8 (a factor must be whole characters for the text's canonical form to
/// keep it).
fn lower(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut out = String::with_capacity(text.len());
    out.extend(text.chars().map(canonical_char));
    Some(out.into_bytes().to_ascii_lowercase())
}

/// The strings of a character or byte class given as inclusive code ranges, each made by
/// `one` (which may give up), when the class is small.
fn class_strings(
    ranges: impl Iterator<Item = (u32, u32)> + Clone,
    one: impl Fn(u32) -> Option<Vec<u8>>,
) -> Option<Set> {
    let count = ranges.clone().fold(0u32, |n, (start, end)| n.saturating_add(end - start + 1));
    if count > MAX_CLASS_CHARS {
        return None;
    }
    let mut out: Set = Vec::new();
    for (start, end) in ranges {
        for c in start..=end {
            out.push(one(c)?);
        }
    }
    dedup(&mut out);
    (out.len() <= MAX_CLASS_STRINGS).then_some(out)
}

/// Every string the expression can match, when there are few (zero-width assertions match
/// the empty string).
fn exact(hir: &Hir) -> Option<Set> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => {
            (lit.0.len() <= MAX_LEN).then(|| lower(&lit.0).map(|l| vec![l]))?
        }
        HirKind::Class(Class::Unicode(class)) => class_strings(
            class.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end()))),
            |c| {
                let mut buf = [0u8; 4];
                lower(char::from_u32(c)?.encode_utf8(&mut buf).as_bytes())
            },
        ),
        HirKind::Class(Class::Bytes(class)) => class_strings(
            class.ranges().iter().map(|r| (u32::from(r.start()), u32::from(r.end()))),
            |b| lower(&[u8::try_from(b).ok()?]),
        ),
        HirKind::Capture(cap) => exact(&cap.sub),
        HirKind::Repetition(rep) => {
            let sub = exact(&rep.sub)?;
            match (rep.min, rep.max) {
                (0, Some(1)) => {
                    let mut out = sub;
                    out.push(Vec::new());
                    dedup(&mut out);
                    Some(out)
                }
                (n, Some(m)) if n == m && n <= 4 => {
                    let mut out = vec![Vec::new()];
                    for _ in 0..n {
                        out = product(&out, &sub)?;
                    }
                    Some(out)
                }
                _ => None,
            }
        }
        HirKind::Concat(parts) => {
            let mut out = vec![Vec::new()];
            for p in parts {
                out = product(&out, &exact(p)?)?;
            }
            Some(out)
        }
        HirKind::Alternation(branches) => {
            let mut out = Vec::new();
            for b in branches {
                out.extend(exact(b)?);
                if out.len() > MAX_SET {
                    return None;
                }
            }
            dedup(&mut out);
            Some(out)
        }
    }
}

/// `a` × `b`, when small enough.
fn product(a: &Set, b: &Set) -> Option<Set> {
    if a.len().saturating_mul(b.len()) > MAX_SET {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            if x.len() + y.len() > MAX_LEN {
                return None;
            }
            let mut s = x.clone();
            s.extend_from_slice(y);
            out.push(s);
        }
    }
    dedup(&mut out);
    Some(out)
}

fn dedup(set: &mut Set) {
    set.sort_unstable();
    set.dedup();
}

/// Factors with, for each, the fewest bytes a match witnessed by it has: a factor found in a
/// shorter text proves nothing (`[MNO]\w{23}\.\w{6}\.\w{27}` has the factor `.` only in
/// texts of 59 bytes or more).
pub(crate) type Factors = Vec<(Vec<u8>, usize)>;

fn min_len(hir: &Hir) -> usize {
    hir.properties().minimum_len().unwrap_or(0)
}

/// A set of factors is useful when none is empty (an empty factor is found in every string).
fn useful(set: Set, min: usize) -> Option<Factors> {
    (!set.is_empty() && set.iter().all(|s| !s.is_empty()))
        .then(|| set.into_iter().map(|s| (s, min)).collect())
}

/// The better of two factor sets: longer shortest factor first, then fewer factors.
fn better(a: Option<Factors>, b: Option<Factors>) -> Option<Factors> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let key = |s: &Factors| {
                (s.iter().map(|(f, _)| f.len()).min().unwrap_or(0), usize::MAX - s.len())
            };
            Some(if key(&b) > key(&a) { b } else { a })
        }
        (a, None) => a,
        (None, b) => b,
    }
}

/// Raises every factor's witness length to at least `min`.
fn at_least(set: Option<Factors>, min: usize) -> Option<Factors> {
    set.map(|s| s.into_iter().map(|(f, m)| (f, m.max(min))).collect())
}

/// Strings of which every match of `hir` contains at least one (ASCII case aside).
fn factors(hir: &Hir) -> Option<Factors> {
    let min = min_len(hir);
    if let Some(set) = exact(hir) {
        return useful(set, min);
    }
    match hir.kind() {
        HirKind::Capture(cap) => at_least(factors(&cap.sub), min),
        HirKind::Repetition(rep) if rep.min > 0 => at_least(factors(&rep.sub), min),
        HirKind::Alternation(branches) => {
            let mut out: Factors = Vec::new();
            for b in branches {
                out.extend(at_least(factors(b), min)?);
                if out.len() > MAX_SET {
                    return None;
                }
            }
            // The same factor from two branches proves a match of the shorter one.
            out.sort_unstable();
            out.dedup_by(|later, kept| later.0 == kept.0);
            Some(out)
        }
        HirKind::Concat(parts) => {
            // Runs of exact parts multiply into longer factors; any other part offers its own.
            let mut best: Option<Factors> = None;
            let mut run: Option<Set> = None;
            for p in parts {
                match exact(p) {
                    Some(e) => {
                        run = Some(match run.take() {
                            None => e,
                            Some(r) => match product(&r, &e) {
                                Some(x) => x,
                                None => {
                                    best = better(best, useful(r, min));
                                    e
                                }
                            },
                        });
                    }
                    None => {
                        if let Some(r) = run.take() {
                            best = better(best, useful(r, min));
                        }
                        best = better(best, factors(p));
                    }
                }
            }
            if let Some(r) = run {
                best = better(best, useful(r, min));
            }
            at_least(best, min)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(pattern: &str) -> Facts {
        facts(&regex_syntax::Parser::new().parse(pattern).expect("parses"))
    }

    fn set(pattern: &str) -> Option<Vec<String>> {
        parsed(pattern)
            .factors
            .map(|s| s.iter().map(|(b, _)| String::from_utf8_lossy(b).into_owned()).collect())
    }

    /// Whether the factors admit `text` (a case-insensitive substring search).
    fn admits(pattern: &str, text: &str) -> bool {
        let canonical: String = text.chars().map(canonical_char).collect();
        let lowered = canonical.as_bytes().to_ascii_lowercase();
        match parsed(pattern).factors {
            None => true,
            Some(set) => set.iter().any(|(f, min)| {
                text.len() >= *min && lowered.windows(f.len()).any(|w| w == f.as_slice())
            }),
        }
    }

    #[test]
    fn literals_products_and_best_parts() {
        assert_eq!(set("abc"), Some(vec!["abc".into()]));
        assert_eq!(set("(?i)AbC"), Some(vec!["abc".into()]));
        assert_eq!(set("https?://x"), Some(vec!["http://x".into(), "https://x".into()]));
        assert_eq!(set(r"^0\.0\.0\.0$"), Some(vec!["0.0.0.0".into()]));
        assert_eq!(set(r"[a-z]+://\d+"), Some(vec!["://".into()]));
        assert_eq!(set("foo|ba[rz]"), Some(vec!["bar".into(), "baz".into(), "foo".into()]));
        assert_eq!(set(r"\bpaste\.ee\b"), Some(vec!["paste.ee".into()]));
    }

    #[test]
    fn no_factors_when_a_match_can_avoid_them() {
        assert_eq!(set("a*"), None);
        assert_eq!(set("[A-Z]"), None);
        assert_eq!(set("abc|[0-9]"), None);
        assert_eq!(set("(?:abc)?"), None);
        assert_eq!(parsed("[ \t]{200,}\\S").min_len, 201);
    }

    #[test]
    fn every_match_is_admitted() {
        // Soundness on a sample: whatever the regex matches, the factors admit.
        let cases = [
            ("(?i)(?:discord(?:app)?\\.com/api/webhooks|\\bpaste\\.ee\\b)", "x Paste.EE y"),
            (
                "(?i)(?:discord(?:app)?\\.com/api/webhooks|\\bpaste\\.ee\\b)",
                "DISCORDAPP.com/api/webhooks",
            ),
            ("[ \\t]{3,}\\S", "a   \tb"),
            ("(?:-----BEGIN (?:RSA )?PRIVATE KEY-----)", "-----BEGIN PRIVATE KEY-----"),
            ("\\d+\\.\\d+", "v1.2"),
            ("(?is)^\\s*select\\s.+\\sfrom\\s", "  SELECT a FROM t"),
            ("é|ü", "ü"),
            ("(?i)straße", "STRASSE straße"),
            ("(?i)k", "\u{212a}"),
            ("(?i)(?-u:\\b)[rs]k_live_[0-9A-Za-z]{24,}", "Sk_LIVE_abcdefghijklmnopqrstuvwx"),
            ("[\\x{202A}-\\x{202E}\\x{2066}-\\x{2069}\\x{200F}]", "a\u{2067}b"),
        ];
        for (pattern, text) in cases {
            assert!(regex::Regex::new(pattern).unwrap().is_match(text), "{pattern}");
            assert!(admits(pattern, text), "{pattern} / {text}");
        }
        assert!(!admits("(?i)discord\\.com", "utf-8"));
        // A factor from a long branch does not admit a short text.
        assert!(!admits("abc|[MN][a-z]{20}\\.", "x.y"));
        assert!(admits("abc|[MN][a-z]{20}\\.", "Mabcdefghijklmnopqrst."));
        // Case folding equates KELVIN SIGN and LONG S with k and s: one factor each.
        assert_eq!(set("(?i)ks"), Some(vec!["ks".into()]));
        assert!(admits("(?i)ks", "\u{212a}\u{17f}"));
    }
}
