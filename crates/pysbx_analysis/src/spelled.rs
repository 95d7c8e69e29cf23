//! What a file spells in its string literals, for `encoded` argument tests: constant code
//! whose words no literal of the file holds was encoded (reversed, character codes, a byte
//! list, escapes, a decoding), not assembled from pieces a reader sees.
//!
//! A string written as a statement of its own (a docstring, a block of text left as a
//! comment) is no value code could be assembled from: the engine folds no `__doc__`, and code
//! that runs one (`exec(__doc__)`) is reported where it runs. Its words are not counted as
//! spelled, or prose beside a payload ("runs the system's commands through os") would pass
//! the payload's words off as written.

use std::cell::OnceCell;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{BytesLiteral, Expr, FString, Stmt, StringLiteral};
use ruff_text_size::Ranged;

/// The file's string literals as written (quotes, prefixes and escapes included), gathered
/// the first time a test asks: most files never run constant code.
pub(crate) struct Spelled<'a> {
    body: &'a [Stmt],
    source: &'a str,
    text: OnceCell<String>,
}

impl<'a> Spelled<'a> {
    pub(crate) fn new(body: &'a [Stmt], source: &'a str) -> Self {
        Self { body, source, text: OnceCell::new() }
    }

    /// Whether `text` holds a word at all (a letter or `_`, then at least two letters, digits
    /// or `_`; see [`Self::has_unwritten_word`]).
    pub(crate) fn has_words(&self, text: &str) -> bool {
        words(text).next().is_some()
    }

    /// The file's literals as written, each followed by a NUL.
    fn literals(&self) -> &str {
        self.text.get_or_init(|| {
            let mut gather = Gather { source: self.source, out: String::new() };
            gather.visit_body(self.body);
            gather.out
        })
    }

    /// Whether the file's literals write words of `text` backwards: two of its distinct words of
    /// four bytes or more that are not palindromes (`"metsys"` and `"__tropmi__"` for
    /// `__import__('os').system('id')`), or its one such word. Code reversed from a literal
    /// (`exec(q[::-1])`) is encoded even where a decoy literal spells its words forwards
    /// (`_ = "system"`), which [`Self::has_unwritten_word`] would take as written.
    pub(crate) fn writes_words_backwards(&self, text: &str) -> bool {
        const MIN_LEN: usize = 4;
        let forwards = distinct_words(text);
        // Distinct, as the words they reverse are.
        let reversed: Vec<String> = forwards
            .iter()
            .filter(|w| w.len() >= MIN_LEN)
            .map(|w| w.chars().rev().collect::<String>())
            .filter(|r| forwards.binary_search(&r.as_str()).is_err())
            .collect();
        let reversed: Vec<&str> = reversed.iter().map(String::as_str).collect();
        let needed = reversed.len().min(2);
        needed > 0 && found_words(self.literals(), &reversed, needed) == needed
    }

    /// Whether a literal's value (`text`, written at `range`) holds a word its own text as
    /// written does not: a word written with escapes (`"\\x5f\\x5fimport\\x5f\\x5f('os')"`),
    /// which no reader sees. Escapes of what is not a word's character (`"\\x1b[31m"`, `"\\n"`)
    /// hide nothing.
    pub(crate) fn literal_hides_word(&self, range: ruff_text_size::TextRange, text: &str) -> bool {
        let Some(written) = self.source.get(range.start().to_usize()..range.end().to_usize())
        else {
            return false;
        };
        let distinct = distinct_words(text);
        found_words(written, &distinct, distinct.len()) < distinct.len()
    }

    /// Whether `text` holds a word (a letter or `_`, then at least two letters, digits or `_`)
    /// that no string literal of the file contains as written.
    ///
    /// One pass over the literals for all the text's distinct words (an automaton of them),
    /// not one search per word: a file may hold megabytes of literals and the code thousands
    /// of words, and the walk's deadline is not looked at inside this test.
    pub(crate) fn has_unwritten_word(&self, text: &str) -> bool {
        let distinct = distinct_words(text);
        !distinct.is_empty()
            && found_words(self.literals(), &distinct, distinct.len()) < distinct.len()
    }
}

/// The distinct words of `text` (see [`words`]), sorted.
fn distinct_words(text: &str) -> Vec<&str> {
    let mut distinct: Vec<&str> = words(text).collect();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
}

/// How many of the distinct `patterns` `haystack` holds, counted up to `enough`: one pass of an
/// automaton of them (the searches of [`Spelled`] may meet megabytes of literals and thousands
/// of words, so not one search per word).
fn found_words(haystack: &str, patterns: &[&str], enough: usize) -> usize {
    if patterns.is_empty() || enough == 0 {
        return 0;
    }
    let Ok(automaton) = aho_corasick::AhoCorasick::new(patterns) else {
        return patterns.iter().filter(|p| haystack.contains(**p)).take(enough).count();
    };
    let mut seen = vec![false; patterns.len()];
    let mut found = 0;
    for m in automaton.find_overlapping_iter(haystack) {
        let at = m.pattern().as_usize();
        if !seen[at] {
            seen[at] = true;
            found += 1;
            if found == enough {
                break;
            }
        }
    }
    found
}

/// The ASCII words of `text` worth looking for: a letter or `_` first, three bytes at least,
/// and not a short pattern repeated (`"a" * 256`, test data a file writes as a repetition).
/// A run holding a non-ASCII character is skipped whole (its boundaries are ASCII, so slicing
/// there is sound).
fn words(text: &str) -> impl Iterator<Item = &str> {
    const MIN_WORD: usize = 3;
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii();
    text.split(move |c: char| !is_word(c)).filter(|w| {
        w.len() >= MIN_WORD
            && w.is_ascii()
            && w.as_bytes().first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && !is_repetition(w.as_bytes())
    })
}

/// Whether `word` is a pattern of at most four bytes written at least twice over (`aaaa`,
/// `ababab`).
fn is_repetition(word: &[u8]) -> bool {
    const MAX_PERIOD: usize = 4;
    (1..=MAX_PERIOD).any(|p| word.len() >= 2 * p && (p..word.len()).all(|i| word[i] == word[i - p]))
}

/// Whether a statement is a string or bytes literal standing alone (a docstring, a block of
/// text): documentation, never a value. The walker's string rules skip it too.
pub(crate) fn stands_alone(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_) | Expr::BytesLiteral(_)))
}

struct Gather<'s> {
    source: &'s str,
    out: String,
}

impl Gather<'_> {
    fn push(&mut self, node: &impl Ranged) {
        if let Some(written) =
            self.source.get(node.range().start().to_usize()..node.range().end().to_usize())
        {
            self.out.push_str(written);
            self.out.push('\0');
        }
    }
}

impl<'b> Visitor<'b> for Gather<'_> {
    /// Every statement but a string standing alone (see the module's documentation).
    fn visit_stmt(&mut self, stmt: &'b Stmt) {
        if !stands_alone(stmt) {
            visitor::walk_stmt(self, stmt);
        }
    }

    fn visit_string_literal(&mut self, literal: &'b StringLiteral) {
        self.push(literal);
    }

    fn visit_bytes_literal(&mut self, literal: &'b BytesLiteral) {
        self.push(literal);
    }

    /// The whole f-string as written: its literal parts and the names it formats in.
    fn visit_f_string(&mut self, f_string: &'b FString) {
        self.push(f_string);
        visitor::walk_f_string(self, f_string);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unwritten(source: &str, text: &str) -> bool {
        let parsed = ruff_python_parser::parse_module(source).expect("parses");
        Spelled::new(&parsed.syntax().body, source).has_unwritten_word(text)
    }

    #[test]
    fn assembled_code_is_spelled_and_encoded_code_is_not() {
        let template = "t = 'def make(%s):\\n    return %s'\nnames = ('alpha', 'beta')\n";
        assert!(!unwritten(template, "def make(alpha, beta):\n    return alpha"));
        // Written only as code, not in a literal: the reversed payload's words are hidden.
        let reversed = "import os\nq = \")'di'(metsys.so\"\nexec(q[::-1])\nos.system\n";
        assert!(unwritten(reversed, "os.system('id')"));
        // An escape hides a word from a reader, too.
        assert!(unwritten("x = '\\x69mport os'\n", "import os"));
        // Short words, numbers and repetitions say nothing.
        assert!(!unwritten("x = 1\n", "a = 12345; b = a"));
        assert!(!unwritten(
            "s = 'if True: ' + 'a' * 256\n",
            &format!("if True: {}", "a".repeat(256))
        ));
        assert!(!unwritten("s = 'ab' * 9\n", "abababababab"));
        // Words inside longer ones and words said twice are found in one pass.
        assert!(!unwritten("s = 'xsystemx'\n", "system(sys) system"));
        assert!(unwritten("s = 'xsystemx'\n", "system(sys) systemd"));
    }

    #[test]
    fn words_written_backwards_are_reversed_code() {
        let backwards = |source: &str, text: &str| {
            let parsed = ruff_python_parser::parse_module(source).expect("parses");
            Spelled::new(&parsed.syntax().body, source).writes_words_backwards(text)
        };
        let payload = "__import__('os').system('id')";
        let file = "_ = 'system'\nq = \")'di'(metsys.)'so'(__tropmi__\"\nexec(q[::-1])\n";
        assert!(backwards(file, payload));
        // Forwards only: a decoy, or code assembled from pieces.
        assert!(!backwards("_ = '__import__ system'\n", payload));
        // Palindromes and words that are their own text backwards say nothing.
        assert!(!backwards("s = 'level stats'\n", "level = stats"));
        // One reversed word where the code has two is not enough.
        assert!(!backwards("s = 'metsys'\n", payload));
    }

    #[test]
    fn literals_written_with_escapes_hide_their_words() {
        let hides = |source: &str| {
            let parsed = ruff_python_parser::parse_module(source).expect("parses");
            let Some(Stmt::Expr(e)) = parsed.syntax().body.first() else { panic!("an expression") };
            let Expr::StringLiteral(lit) = &*e.value else { panic!("a string literal") };
            Spelled::new(&parsed.syntax().body, source)
                .literal_hides_word(lit.range, lit.value.to_str())
        };
        assert!(hides("'\\x5f\\x5fimport\\x5f\\x5f(\"os\").system(\"id\")'\n"));
        assert!(hides("'\\151mport os'\n"));
        assert!(hides("'import \\u006fs_path'\n"));
        // Escapes of characters that are no part of a word, or none at all.
        assert!(!hides("'\\x1b[31mred\\x1b[0m\\n'\n"));
        assert!(!hides("'import os\\nos.system(\"id\")'\n"));
        assert!(!hides("'caf\\xe9 cr\\u00e8me'\n"));
    }

    #[test]
    fn strings_standing_alone_spell_nothing() {
        let decoy = "\"\"\"Runs the system's commands through os.\"\"\"\ndef f():\n    'system'\n    b'system'\n    return 1\n";
        assert!(unwritten(decoy, "os.system('id')"));
        // The same word in a value is spelled.
        assert!(!unwritten("\"\"\"Doc.\"\"\"\nname = 'system'\n", "os.system('id')"));
    }
}
