//! Dotted-name globs (`os.system`, `subprocess.*`, `os.exec*`) compiled into one lookup table:
//! exact names go to a hash map, wildcard patterns are tried only when their literal prefix fits.

use rustc_hash::FxHashMap;

use crate::value::QName;
use smallvec::SmallVec;
use unicode_normalization::UnicodeNormalization;

/// Maps names to the ids registered for every glob that matches them.
///
/// Exact names are one hash lookup. Wildcard patterns whose first dotted component is literal
/// (`subprocess.*`, `os.exec*`) are filed under that component, so a name only meets the
/// patterns of its own root; the others (`*.system`, `*_password`) are filed under their last
/// byte when it is literal, so a name only meets the patterns it ends like, and the rest
/// (`os*`, `*token*`) are tried for every name.
#[derive(Debug, Default)]
pub(crate) struct NameTable {
    exact: FxHashMap<Box<str>, SmallVec<[u32; 2]>>,
    by_root: FxHashMap<Box<str>, Vec<Wild>>,
    by_last_byte: FxHashMap<u8, Vec<Wild>>,
    anywhere: Vec<Wild>,
    /// Ids of patterns made of `*` only: they match every name.
    every: SmallVec<[u32; 2]>,
}

/// A qualified name compared and hashed by identity. Within a file the interner gives each
/// name one allocation, so this is a cheap key; the key holds the name, so its address cannot
/// be reused for another name while the key lives (a name from elsewhere is only a key of its
/// own, looked up once more).
#[derive(Clone, Debug)]
pub(crate) struct ByAddress(QName);

impl PartialEq for ByAddress {
    fn eq(&self, other: &Self) -> bool {
        std::rc::Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ByAddress {}

impl std::hash::Hash for ByAddress {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::rc::Rc::as_ptr(&self.0).cast::<u8>().hash(state);
    }
}

/// What [`NameTable::leaves`] found for each qualified name.
pub(crate) type NameMemo = FxHashMap<ByAddress, SmallVec<[u32; 2]>>;

/// One wildcard pattern and the ids registered for it (rules share lists of names, so the
/// same pattern is often registered under several ids: it is tried once for all of them).
#[derive(Debug)]
struct Wild {
    pattern: Box<str>,
    ids: SmallVec<[u32; 2]>,
    /// The literal text before the first wildcard and after the last: a name that does not
    /// start and end with them cannot match, and is not tried.
    head: Box<str>,
    tail: Box<str>,
    /// The longest literal text between two wildcards (`/.local/share/keyrings/` of
    /// `file.*/.local/share/keyrings/*`), which a match must contain: a substring search rules
    /// out most long texts before the backtracking match, which costs the text's length times
    /// the pattern's at worst (paths and strings of any length are tried against such
    /// patterns as `file.` origins).
    inner: Option<Box<str>>,
}

impl Wild {
    fn new(pattern: &str, id: u32) -> Self {
        let first = pattern.find(['*', '?']).unwrap_or(pattern.len());
        let last = pattern.rfind(['*', '?']).map_or(pattern.len(), |i| i + 1);
        let inner = pattern
            .get(first..last)
            .into_iter()
            .flat_map(|middle| middle.split(['*', '?']))
            .max_by_key(|segment| segment.len())
            .filter(|segment| !segment.is_empty())
            .map(Into::into);
        Self {
            pattern: pattern.into(),
            ids: smallvec::smallvec![id],
            head: pattern[..first].into(),
            tail: pattern[last.max(first)..].into(),
            inner,
        }
    }

    fn matches(&self, name: &str) -> bool {
        // Names are tried against every pattern of their root (`os.path.join` against
        // `os.exec*`, `os.spawn*`, ...): the length and the last byte of the head rule most
        // out before the comparisons.
        let (n, h, t) = (name.as_bytes(), self.head.as_bytes(), self.tail.as_bytes());
        n.len() >= h.len() + t.len()
            && h.last().is_none_or(|last| n.get(h.len() - 1) == Some(last))
            && same_bytes(h, n)
            && same_bytes(t, &n[n.len() - t.len()..])
            && self.inner.as_deref().is_none_or(|inner| name.contains(inner))
            && glob_match(&self.pattern, name)
    }
}

/// Registers `id` for the wildcard `pattern` in `wilds`, beside the ids it already has.
fn insert_wild(wilds: &mut Vec<Wild>, pattern: &str, id: u32) {
    match wilds.iter_mut().find(|w| &*w.pattern == pattern) {
        Some(w) if w.ids.contains(&id) => {}
        Some(w) => w.ids.push(id),
        None => wilds.push(Wild::new(pattern, id)),
    }
}

impl NameTable {
    /// Registers `id` for `pattern` (NFKC-normalized, as CPython normalizes identifiers).
    pub(crate) fn insert(&mut self, pattern: &str, id: u32) {
        let pattern = nfkc(pattern);
        let Some(wildcard) = pattern.find(['*', '?']) else {
            let ids = self.exact.entry(pattern.into_boxed_str()).or_default();
            if !ids.contains(&id) {
                ids.push(id);
            }
            return;
        };
        if pattern.chars().all(|c| c == '*') {
            if !self.every.contains(&id) {
                self.every.push(id);
            }
            return;
        }
        match pattern.find('.') {
            Some(dot) if dot < wildcard => {
                insert_wild(self.by_root.entry(pattern[..dot].into()).or_default(), &pattern, id);
            }
            _ => match pattern.as_bytes().last() {
                Some(&last) if last != b'*' && last != b'?' => {
                    insert_wild(self.by_last_byte.entry(last).or_default(), &pattern, id);
                }
                _ => insert_wild(&mut self.anywhere, &pattern, id),
            },
        }
    }

    /// Whether no pattern was registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.exact.is_empty()
            && self.by_root.is_empty()
            && self.by_last_byte.is_empty()
            && self.anywhere.is_empty()
            && self.every.is_empty()
    }

    /// Calls `found` with every id whose pattern matches `name` (an id may repeat when
    /// several of its patterns match).
    pub(crate) fn lookup(&self, name: &str, mut found: impl FnMut(u32)) {
        if let Some(ids) = self.exact.get(name) {
            for id in ids {
                found(*id);
            }
        }
        for w in self.wilds_for(name) {
            if w.matches(name) {
                for id in &w.ids {
                    found(*id);
                }
            }
        }
        for id in &self.every {
            found(*id);
        }
    }

    /// The wildcard patterns a name may match: those of its root, those that end as it ends,
    /// then those tried for every name.
    fn wilds_for<'t>(&'t self, name: &str) -> impl Iterator<Item = &'t Wild> {
        let ending = match name.as_bytes().last() {
            Some(last) if !self.by_last_byte.is_empty() => self.by_last_byte.get(last),
            _ => None,
        };
        let rooted = if self.by_root.is_empty() {
            None
        } else {
            // A byte loop: names are short, and `split('.')` costs a searcher per call (about
            // 1% of a scan's instructions, from every reference, call and import looked up).
            let root = match name.bytes().position(|b| b == b'.') {
                Some(dot) => &name[..dot],
                None => name,
            };
            self.by_root.get(root)
        };
        rooted.into_iter().flatten().chain(ending.into_iter().flatten()).chain(&self.anywhere)
    }

    /// The ids of the patterns matching the qualified name `q`, remembered in `memo` (one per
    /// table and file: the same names are met over and over, and a lookup hashes the name's
    /// text and tries the wildcard patterns of its root).
    pub(crate) fn leaves<'m>(&self, q: &QName, memo: &'m mut NameMemo) -> &'m [u32] {
        memo.entry(ByAddress(q.clone())).or_insert_with(|| {
            let mut ids = SmallVec::new();
            self.lookup(q, |id| ids.push(id));
            ids
        })
    }

    /// Whether any pattern matches `name` (the first one found answers).
    pub(crate) fn matches(&self, name: &str) -> bool {
        !self.every.is_empty()
            || self.exact.contains_key(name)
            || self.wilds_for(name).any(|w| w.matches(name))
    }
}

/// Whether `text` starts with `part`, compared in place: the heads and tails of name patterns
/// are a few bytes long, where a call to `memcmp` costs more than the comparison (about 2% of
/// a scan's CPU, mostly the dozen `os.*` patterns tried on every `os.path` call).
fn same_bytes(part: &[u8], text: &[u8]) -> bool {
    part.len() <= text.len() && part.iter().zip(text).all(|(a, b)| a == b)
}

/// NFKC normalization, skipped for ASCII (which it leaves unchanged).
pub(crate) fn nfkc(s: &str) -> String {
    if s.is_ascii() { s.to_string() } else { s.nfkc().collect() }
}

/// An identifier as Python reads it (NFKC-normalized: `ｏｓ` is `os`), without a copy for
/// ASCII identifiers.
pub(crate) fn identifier(id: &str) -> std::borrow::Cow<'_, str> {
    if id.is_ascii() { std::borrow::Cow::Borrowed(id) } else { std::borrow::Cow::Owned(nfkc(id)) }
}

/// `*` matches any run of characters (dots included), `?` exactly one character.
/// Iterative with single-star backtracking: O(pattern × name) at worst, no recursion.
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    let p: &[u8] = pattern.as_bytes();
    let n: &[u8] = name.as_bytes();
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ni));
            pi += 1;
        } else if pi < p.len() && p[pi] == b'?' {
            pi += 1;
            ni += char_len(n[ni]);
        } else if pi < p.len() && p[pi] == n[ni] {
            pi += 1;
            ni += 1;
        } else if let Some((sp, sn)) = star {
            let next = sn + char_len(n[sn]);
            star = Some((sp, next));
            pi = sp + 1;
            ni = next;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len() && ni == n.len()
}

/// The length of the UTF-8 sequence that starts with `lead`.
fn char_len(lead: u8) -> usize {
    match lead {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of these patterns, each with its id.
    fn table_of(patterns: &[(&str, u32)]) -> NameTable {
        let mut table = NameTable::default();
        for &(pattern, id) in patterns {
            table.insert(pattern, id);
        }
        table
    }

    #[test]
    fn remembered_leaves_are_the_lookups_per_name() {
        let table = table_of(&[("os.system", 1), ("os.exec*", 2), ("*.system", 3)]);
        let direct = |name: &str| {
            let mut ids = Vec::new();
            table.lookup(name, |id| ids.push(id));
            ids
        };
        let mut memo = NameMemo::default();
        let system: QName = "os.system".into();
        let execv: QName = "os.execv".into();
        // Another allocation of the same text is its own key, with the same answer.
        let system_again: QName = "os.system".into();
        for q in [&system, &execv, &system, &system_again, &execv] {
            assert_eq!(table.leaves(q, &mut memo).to_vec(), direct(q), "{q}");
        }
        assert_eq!(memo.len(), 3);
    }

    #[test]
    fn globs() {
        assert!(glob_match("os.system", "os.system"));
        assert!(!glob_match("os.system", "os.systems"));
        assert!(glob_match("subprocess.*", "subprocess.Popen"));
        assert!(glob_match("subprocess.*", "subprocess.a.b"));
        assert!(!glob_match("subprocess.*", "subprocess"));
        assert!(glob_match("os.exec*", "os.execvpe"));
        assert!(glob_match("os.exec*", "os.exec"));
        assert!(glob_match("os.?ystem", "os.system"));
        assert!(glob_match("*.__globals__", "a.b.__globals__"));
        assert!(glob_match("a*b*c", "aXXbYYbZc"));
        assert!(!glob_match("a*b*c", "aXXbYYbZ"));
        assert!(glob_match("é?", "éü"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn table_lookup_exact_and_wild() {
        let t = table_of(&[
            ("os.system", 1),
            ("os.*", 2),
            ("subprocess.Popen", 3),
            ("ｏｓ.popen", 4),
            ("*.popen", 5),
            ("o?.popen", 6),
            ("*", 7),
        ]);
        let mut got = Vec::new();
        t.lookup("os.system", |id| got.push(id));
        got.sort_unstable();
        assert_eq!(got, vec![1, 2, 7]);
        got.clear();
        t.lookup("os.popen", |id| got.push(id));
        got.sort_unstable();
        assert_eq!(got, vec![2, 4, 5, 6, 7]);
        assert!(t.matches("sys.exit"));
        assert!(t.matches("subprocess.Popen"));
    }

    #[test]
    fn one_pattern_under_several_ids() {
        let t = table_of(&[("*_password", 1), ("os.exec*", 2), ("*_password", 3), ("os.exec*", 1)]);
        let mut got = Vec::new();
        t.lookup("db_password", |id| got.push(id));
        assert_eq!(got, vec![1, 3]);
        got.clear();
        t.lookup("os.execv", |id| got.push(id));
        assert_eq!(got, vec![2, 1]);
        assert_eq!(t.by_last_byte.get(&b'd').map(Vec::len), Some(1));
    }

    #[test]
    fn literal_between_wildcards_must_be_found() {
        let t = table_of(&[("file.*/.local/share/keyrings/*", 1), ("a*bc*d?e*", 2)]);
        assert!(t.matches("file./home/u/.local/share/keyrings/login.keyring"));
        assert!(!t.matches("file./home/u/.local/share/keyring/login"));
        // The literal may sit anywhere between the head and the tail, once or more.
        assert!(t.matches("aXbcYdZe"));
        assert!(t.matches("abcbcdde"));
        assert!(!t.matches("aXbYdZe"));
        let long = format!("file.{}", "/.local/share/".repeat(10_000));
        assert!(!t.matches(&long));
    }

    #[test]
    fn patterns_without_a_root_by_their_last_byte() {
        let t = table_of(&[("*_token", 1), ("*.system", 2), ("*token*", 3), ("o?", 4)]);
        let ids = |name: &str| {
            let mut got = Vec::new();
            t.lookup(name, |id| got.push(id));
            got.sort_unstable();
            got
        };
        assert_eq!(ids("self.api_token"), vec![1, 3]);
        assert_eq!(ids("os.system"), vec![2]);
        assert_eq!(ids("token_file"), vec![3]);
        assert_eq!(ids("os"), vec![4]);
        assert_eq!(ids(""), Vec::<u32>::new());
    }
}
