//! Bracket nesting, checked before and after parsing. Some recursive passes inside the parser
//! (assignment targets, patterns) have no stack guard: `[[[...a...]]] = 1` nested a few
//! thousand deep overflows a worker thread's stack. CPython refuses more than 200 nested
//! brackets ("too many nested parentheses"), so pysbx does too. The parser runs on a stack
//! sized by a cheap upper bound of the nesting (the number of opening brackets in the file);
//! files with too many brackets for that (over [`LEX_ABOVE`]) are lexed once first to measure
//! the real nesting.
//!
//! Operators nest without brackets too (`- - - x`, `not not x`, `a if b else c if d else e`,
//! `lambda: lambda: x`), and the parser grows its stack on the heap for each level, about a
//! kilobyte per `-`: a megabyte of `-` cost a gigabyte. CPython refuses such chains a few
//! thousand deep; a file that may hold one longer than [`MAX_CHAIN`] (more operator bytes than
//! [`LEX_ABOVE`], or longer than [`LEX_LONGER_THAN`], where word operators alone could add up)
//! is lexed first and refused when it does.

use ruff_python_ast::token::{TokenKind, Tokens};
use ruff_python_parser::Mode;
use ruff_text_size::{Ranged, TextSize};

/// CPython's limit on nested brackets (the tokenizer's `MAXLEVEL`).
pub(crate) const MAX_BRACKETS: u32 = 200;
/// Above this many opening brackets, the file is lexed before it is parsed. Below it the
/// parser runs at once on a stack sized for every bracket nesting (at most about 80 MiB of
/// address space, of which only what the parse reaches is touched): lexing a file first costs
/// about a third of parsing it, and only a few very large files have more brackets.
const LEX_ABOVE: usize = 20_000;
/// The longest chain of tokens that may nest without brackets (prefix and binary operators,
/// `not`, `await`, `lambda`, `yield`, `else`) between two commas or logical lines. CPython
/// fails at about 3,000 (a `RecursionError` or `MemoryError` while compiling); this bounds the
/// parser's heap-grown stack at a few tens of megabytes.
pub(crate) const MAX_CHAIN: u32 = 20_000;
/// Files longer than this are lexed first: word operators (`not ` is 4 bytes a level, a
/// quarter of a kilobyte of stack per byte) could nest too deep in them.
const LEX_LONGER_THAN: usize = 256 * 1024;
/// Stack reserved per possible nesting level for the parser's unguarded recursion.
const STACK_PER_LEVEL: usize = 4 * 1024;
/// Stack reserved in addition, for everything else the parser does.
const STACK_BASE: usize = 1024 * 1024;

/// What to do before parsing.
pub(crate) enum Plan {
    /// Parse with at least this much stack.
    Parse { stack: usize },
    /// Do not parse: the nesting exceeds [`MAX_BRACKETS`] around this offset.
    TooDeep { offset: TextSize },
    /// Do not parse: a chain of operators longer than [`MAX_CHAIN`] reaches this offset.
    TooLong { offset: TextSize },
    /// Do not parse: more tokens than the caller's limit (see `AnalyzeOptions::max_tokens`).
    TooManyTokens { limit: usize },
}

/// What to do before parsing `source`. `max_tokens`: a file of more tokens is not parsed
/// (only a file longer than [`LEX_LONGER_THAN`] can have that many, and such a file is lexed).
pub(crate) fn plan(source: &str, max_tokens: Option<usize>) -> Plan {
    let (openers, operators) = opening_brackets_and_operators(source.as_bytes());
    let few_tokens = max_tokens.is_none_or(|limit| source.len() <= limit);
    if openers <= LEX_ABOVE
        && operators <= LEX_ABOVE
        && source.len() <= LEX_LONGER_THAN
        && few_tokens
    {
        return Plan::Parse { stack: STACK_BASE + openers * STACK_PER_LEVEL };
    }
    let lexed = lex(source);
    if lexed.depth > MAX_BRACKETS {
        return Plan::TooDeep { offset: naive_position(source) };
    }
    if lexed.too_long {
        return Plan::TooLong { offset: naive_chain_position(source) };
    }
    if let Some(limit) = max_tokens
        && lexed.tokens > limit
    {
        return Plan::TooManyTokens { limit };
    }
    Plan::Parse { stack: STACK_BASE + openers.min(MAX_BRACKETS as usize) * STACK_PER_LEVEL }
}

/// How many `(`, `[` and `{` bytes `bytes` holds, and how many `-`, `+`, `~` and `*`. Plain
/// counts with `bytecount`'s vector code, one pass per byte value: brackets are so frequent in
/// Python (one every 20 bytes or so) that jumping from one to the next with `memchr3` cost
/// about 1% of a scan, and a loop left for the compiler to vectorize was vectorized or not
/// depending on the build (with the profile-guided build's layout it ran at 1.6 instructions
/// a byte, 2% of a scan).
fn opening_brackets_and_operators(bytes: &[u8]) -> (usize, usize) {
    let count = |values: &[u8]| values.iter().map(|&v| bytecount::count(bytes, v)).sum::<usize>();
    let brackets = count(b"([{");
    // A file no longer than the threshold has no more operators than that.
    let operators = if bytes.len() <= LEX_ABOVE { 0 } else { count(b"-+~*") };
    (brackets, operators)
}

#[cfg(test)]
fn opening_brackets(bytes: &[u8]) -> usize {
    opening_brackets_and_operators(bytes).0
}

/// What lexing a file found: its deepest bracket (and f-string) nesting, and where a chain
/// of operators first grew longer than [`MAX_CHAIN`].
struct Lexed {
    depth: u32,
    too_long: bool,
    tokens: usize,
}

/// Lexes the file. A chain counts the tokens that may nest without brackets since the last
/// comma or logical line at its bracket level (an upper bound of the parser's nesting there:
/// `a - b - c` counts too, though it does not nest); an inner bracket level starts from the
/// count of the level that opened it, as its nesting adds to the outer one's.
fn lex(source: &str) -> Lexed {
    let mut lexer = ruff_python_parser::lexer::lex(source, Mode::Module);
    let (mut depth, mut max) = (0u32, 0u32);
    let mut chain = 0u32;
    // The chain's count where each open bracket level started.
    let mut starts: Vec<u32> = Vec::new();
    let mut too_long = false;
    let mut tokens = 0usize;
    loop {
        let kind = lexer.next_token();
        tokens += 1;
        match kind {
            TokenKind::EndOfFile => return Lexed { depth: max, too_long, tokens },
            k if opens(k) => {
                depth += 1;
                max = max.max(depth);
                starts.push(chain);
            }
            k if closes(k) => {
                depth = depth.saturating_sub(1);
                chain = starts.pop().unwrap_or(0);
            }
            TokenKind::Comma => chain = starts.last().copied().unwrap_or(0),
            TokenKind::Newline => chain = 0,
            k if nests(k) => {
                chain += 1;
                too_long |= chain > MAX_CHAIN;
            }
            _ => {}
        }
    }
}

/// Tokens an expression may nest through without brackets.
fn nests(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Minus
            | TokenKind::Plus
            | TokenKind::Tilde
            | TokenKind::Star
            | TokenKind::DoubleStar
            | TokenKind::Not
            | TokenKind::Await
            | TokenKind::Lambda
            | TokenKind::Yield
            | TokenKind::Else
    )
}

fn opens(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Lpar
            | TokenKind::Lsqb
            | TokenKind::Lbrace
            | TokenKind::FStringStart
            | TokenKind::TStringStart
    )
}

fn closes(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Rpar
            | TokenKind::Rsqb
            | TokenKind::Rbrace
            | TokenKind::FStringEnd
            | TokenKind::TStringEnd
    )
}

/// The first token nested deeper than [`MAX_BRACKETS`], from the parser's tokens.
pub(crate) fn too_deep_token(tokens: &Tokens) -> Option<TextSize> {
    let mut depth = 0u32;
    for t in tokens.iter() {
        let k = t.kind();
        if opens(k) {
            depth += 1;
            if depth > MAX_BRACKETS {
                return Some(t.start());
            }
        } else if closes(k) {
            depth = depth.saturating_sub(1);
        }
    }
    None
}

/// Where a run of operator bytes (`-`, `+`, `~`, `*`, not counting those after a comma or a
/// line break) first gets longer than [`MAX_CHAIN`]: a position for the error message (the
/// lexer does not give one; the start of the file when only word operators make the chain).
fn naive_chain_position(source: &str) -> TextSize {
    let mut run = 0u32;
    for (i, b) in source.bytes().enumerate() {
        match b {
            b'-' | b'+' | b'~' | b'*' => {
                run += 1;
                if run > MAX_CHAIN {
                    return TextSize::try_from(i).unwrap_or_default();
                }
            }
            b',' | b'\n' => run = 0,
            _ => {}
        }
    }
    TextSize::default()
}

/// Where a byte count of brackets first goes too deep: a position for the error message when
/// the file was not parsed (strings and comments are not told apart; the start of the file
/// when the count never gets there).
fn naive_position(source: &str) -> TextSize {
    let mut depth = 0u32;
    for (i, b) in source.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_BRACKETS {
                    return TextSize::try_from(i).unwrap_or_default();
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    TextSize::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_brackets_are_counted_as_memchr_finds_them() {
        let src = "f(a[1], {'k': (2,)})\n# ( [ {\n'é(' + \"[\"\n".repeat(50);
        let expected = memchr::memchr3_iter(b'(', b'[', b'{', src.as_bytes()).count();
        assert_eq!(opening_brackets(src.as_bytes()), expected);
        assert_eq!(expected, 50 * 9);
        assert_eq!(opening_brackets(b""), 0);
    }

    #[test]
    fn counts_do_not_wrap_in_long_runs_of_brackets() {
        // Every byte an opener, in runs of many lengths (whole vector blocks, tails shorter
        // than a block, and past the 255 blocks after which byte-wide counters are added up).
        for len in [63, 64, 65, 64 * 255, 64 * 255 + 1, 64 * 256 + 17, 1_000_003] {
            assert_eq!(opening_brackets(&vec![b'('; len]), len, "{len} bytes");
        }
        let mixed: Vec<u8> = (0..200_000u32).map(|i| b"a([{-"[(i % 5) as usize]).collect();
        let expected = memchr::memchr3_iter(b'(', b'[', b'{', &mixed).count();
        assert_eq!(opening_brackets(&mixed), expected);
        assert_eq!(opening_brackets_and_operators(&mixed).1, 40_000);
    }

    #[test]
    fn small_files_parse_on_a_stack_sized_by_their_brackets() {
        let Plan::Parse { stack } = plan("f(x)[0]\n", None) else { panic!() };
        assert_eq!(stack, STACK_BASE + 2 * STACK_PER_LEVEL);
    }

    #[test]
    fn many_brackets_are_lexed_and_deep_ones_refused() {
        let flat = "f(x)\n".repeat(LEX_ABOVE);
        assert!(matches!(plan(&flat, None), Plan::Parse { .. }));
        let deep =
            format!("x = 1\ny = {}1{}\n", "[".repeat(LEX_ABOVE + 1), "]".repeat(LEX_ABOVE + 1));
        let Plan::TooDeep { offset } = plan(&deep, None) else { panic!() };
        assert_eq!(offset.to_usize(), 10 + MAX_BRACKETS as usize);
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let src = format!("x = '{}'\n{}", "(".repeat(10_000), "f(x)\n".repeat(10));
        assert!(matches!(plan(&src, None), Plan::Parse { .. }));
        let parsed = ruff_python_parser::parse_module(&src).unwrap();
        assert_eq!(too_deep_token(parsed.tokens()), None);
    }

    #[test]
    fn operator_chains_longer_than_the_limit_are_refused_before_parsing() {
        let n = MAX_CHAIN as usize + 1;
        // Word operators are looked for in files long enough for them to matter.
        let words = |w: &str| format!("x = {}1\n", w.repeat(n.max(LEX_LONGER_THAN / w.len() + 1)));
        for (name, src) in [
            ("minus", format!("x = 1\ny = {}1\n", "-".repeat(n))),
            ("not", words("not ")),
            ("else", words("1 if 1 else ")),
            ("lambda", words("lambda: ")),
            ("in brackets", format!("x = f(1, ({}1))\n", "-\n".repeat(n))),
        ] {
            assert!(matches!(plan(&src, None), Plan::TooLong { .. }), "{name}");
        }
        let Plan::TooLong { offset } = plan(&format!("x = 1\ny = {}1\n", "-".repeat(n)), None)
        else {
            panic!()
        };
        assert_eq!(offset.to_usize(), 10 + MAX_CHAIN as usize);
        // Long flat data, and many short chains, are not chains.
        let data = format!("x = [{}]\n", "-1, ".repeat(3 * n));
        assert!(matches!(plan(&data, None), Plan::Parse { .. }));
        let lines = "y = -a - b * ~c ** d if not e else -f\n".repeat(n);
        assert!(matches!(plan(&lines, None), Plan::Parse { .. }));
        let ok = format!("x = {}1\n", "-".repeat(MAX_CHAIN as usize));
        assert!(matches!(plan(&ok, None), Plan::Parse { .. }));
    }

    #[test]
    fn files_of_too_many_tokens_are_not_parsed_where_a_limit_is_given() {
        let limit = 400_000;
        let flat = "a\n".repeat(limit / 2 + 1);
        assert!(matches!(plan(&flat, Some(limit)), Plan::TooManyTokens { .. }));
        assert!(matches!(plan(&flat, None), Plan::Parse { .. }));
        let fewer = "a\n".repeat(limit / 2 - 10);
        assert!(matches!(plan(&fewer, Some(limit)), Plan::Parse { .. }));
    }

    #[test]
    fn the_limit_is_cpythons() {
        let ok = format!("x = {}1{}\n", "(".repeat(200), ")".repeat(200));
        let parsed = ruff_python_parser::parse_module(&ok).unwrap();
        assert_eq!(too_deep_token(parsed.tokens()), None);
        let deep = format!("x = {}1{}\n", "(".repeat(201), ")".repeat(201));
        let parsed = ruff_python_parser::parse_module(&deep).unwrap();
        assert_eq!(too_deep_token(parsed.tokens()), Some(TextSize::new(4 + 200)));
    }
}
