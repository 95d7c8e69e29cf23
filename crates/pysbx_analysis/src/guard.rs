//! Bracket nesting, checked before and after parsing. Some recursive passes inside the parser
//! (assignment targets, patterns) have no stack guard: `[[[...a...]]] = 1` nested a few
//! thousand deep overflows a worker thread's stack. CPython refuses more than 200 nested
//! brackets ("too many nested parentheses"), so pysbx does too. The parser runs on a stack
//! sized by a cheap upper bound of the nesting (the number of opening brackets in the file);
//! files with too many brackets for that (over [`LEX_ABOVE`]) are lexed once first to measure
//! the real nesting.

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
}

pub(crate) fn plan(source: &str) -> Plan {
    let openers = opening_brackets(source.as_bytes());
    if openers <= LEX_ABOVE {
        return Plan::Parse { stack: STACK_BASE + openers * STACK_PER_LEVEL };
    }
    if lexed_depth(source) > MAX_BRACKETS {
        return Plan::TooDeep { offset: naive_position(source) };
    }
    Plan::Parse { stack: STACK_BASE + MAX_BRACKETS as usize * STACK_PER_LEVEL }
}

/// How many `(`, `[` and `{` bytes `bytes` holds. A plain count, which the compiler turns into
/// vector compares: brackets are so frequent in Python (one every 20 bytes or so) that jumping
/// from one to the next with `memchr3` cost about 1% of a scan.
fn opening_brackets(bytes: &[u8]) -> usize {
    // Byte-wide counters (at most 255 per chunk) fill a whole vector register per compare.
    bytes
        .chunks(255)
        .map(|chunk| {
            let n = chunk.iter().fold(0u8, |n, &b| n + u8::from(matches!(b, b'(' | b'[' | b'{')));
            usize::from(n)
        })
        .sum()
}

/// The deepest bracket (and f-string) nesting, from the lexer.
fn lexed_depth(source: &str) -> u32 {
    let mut lexer = ruff_python_parser::lexer::lex(source, Mode::Module);
    let (mut depth, mut max) = (0u32, 0u32);
    loop {
        match lexer.next_token() {
            TokenKind::EndOfFile => return max,
            k if opens(k) => {
                depth += 1;
                max = max.max(depth);
            }
            k if closes(k) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
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
    fn small_files_parse_on_a_stack_sized_by_their_brackets() {
        let Plan::Parse { stack } = plan("f(x)[0]\n") else { panic!() };
        assert_eq!(stack, STACK_BASE + 2 * STACK_PER_LEVEL);
    }

    #[test]
    fn many_brackets_are_lexed_and_deep_ones_refused() {
        let flat = "f(x)\n".repeat(LEX_ABOVE);
        assert!(matches!(plan(&flat), Plan::Parse { .. }));
        let deep =
            format!("x = 1\ny = {}1{}\n", "[".repeat(LEX_ABOVE + 1), "]".repeat(LEX_ABOVE + 1));
        let Plan::TooDeep { offset } = plan(&deep) else { panic!() };
        assert_eq!(offset.to_usize(), 10 + MAX_BRACKETS as usize);
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let src = format!("x = '{}'\n{}", "(".repeat(10_000), "f(x)\n".repeat(10));
        assert!(matches!(plan(&src), Plan::Parse { .. }));
        let parsed = ruff_python_parser::parse_module(&src).unwrap();
        assert_eq!(too_deep_token(parsed.tokens()), None);
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
