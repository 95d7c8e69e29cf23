//! Python's string formatting of constants, for folding: `%` (printf-style, with flags, width,
//! precision and mapping keys), the format-spec mini-language of `format()`, `str.format` and
//! f-string fields, and `repr`/`ascii` of the constants whose representation is known
//! exactly. Floats are never formatted (their shortest representation is not reproduced):
//! a conversion that needs one does not fold.

use crate::fold::MAX_CONST_LEN;
use crate::value::{Const, SeqKind};

/// `repr(value)`, or `ascii(value)` when `ascii` is set: strings and bytes (a string with a
/// non-ASCII character only under `ascii`, which escapes it: whether `repr` would keep it
/// depends on Unicode's printable property), integers, booleans, `None`, and tuples, lists
/// and dicts of those.
pub(crate) fn repr(value: &Const<'_>, ascii: bool) -> Option<String> {
    let mut out = String::new();
    write_repr(value, ascii, &mut out, 0)?;
    Some(out)
}

fn write_repr(value: &Const<'_>, ascii: bool, out: &mut String, depth: u32) -> Option<()> {
    if depth > 16 || out.len() > MAX_CONST_LEN {
        return None;
    }
    match value {
        Const::Str(t) => {
            let s = t.as_str();
            if !ascii && !s.is_ascii() {
                return None;
            }
            let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
            out.push(quote);
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\t' => out.push_str("\\t"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(c);
                    }
                    c if c < ' ' || c == '\x7f' => {
                        out.push_str(&format!("\\x{:02x}", u32::from(c)))
                    }
                    c if c.is_ascii() => out.push(c),
                    c => {
                        let n = u32::from(c);
                        if n < 0x100 {
                            out.push_str(&format!("\\x{n:02x}"));
                        } else if n < 0x10000 {
                            out.push_str(&format!("\\u{n:04x}"));
                        } else {
                            out.push_str(&format!("\\U{n:08x}"));
                        }
                    }
                }
            }
            out.push(quote);
        }
        Const::Bytes(b) => {
            let b = b.as_bytes();
            let quote = if b.contains(&b'\'') && !b.contains(&b'"') { b'"' } else { b'\'' };
            out.push('b');
            out.push(char::from(quote));
            for &c in b {
                match c {
                    b'\\' => out.push_str("\\\\"),
                    b'\t' => out.push_str("\\t"),
                    b'\n' => out.push_str("\\n"),
                    b'\r' => out.push_str("\\r"),
                    c if c == quote => {
                        out.push('\\');
                        out.push(char::from(c));
                    }
                    c if !(b' '..0x7f).contains(&c) => out.push_str(&format!("\\x{c:02x}")),
                    c => out.push(char::from(c)),
                }
            }
            out.push(char::from(quote));
        }
        Const::Int(i) => out.push_str(&i.to_string()),
        Const::Bool(true) => out.push_str("True"),
        Const::Bool(false) => out.push_str("False"),
        Const::None => out.push_str("None"),
        Const::Seq(kind, items) => {
            let (open, close) = match kind {
                SeqKind::Tuple => ('(', ')'),
                SeqKind::List => ('[', ']'),
            };
            out.push(open);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(item, ascii, out, depth + 1)?;
            }
            if *kind == SeqKind::Tuple && items.len() == 1 {
                out.push(',');
            }
            out.push(close);
        }
        Const::Dict(items) => {
            out.push('{');
            for (i, (k, v)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(k, ascii, out, depth + 1)?;
                out.push_str(": ");
                write_repr(v, ascii, out, depth + 1)?;
            }
            out.push('}');
        }
        Const::Float(_) | Const::Cycle(_) | Const::Opaque | Const::Big(_) => return None,
    }
    (out.len() <= MAX_CONST_LEN).then_some(())
}

/// `str(value)`: a string itself, the repr of anything else the engine can print.
pub(crate) fn str_of(value: &Const<'_>) -> Option<String> {
    match value {
        Const::Str(t) => Some(t.as_str().to_string()),
        other => repr(other, false),
    }
}

/// The integer a `%d`-style conversion or an integer format reads (`True` is 1).
fn int_of(value: &Const<'_>) -> Option<i64> {
    match value {
        Const::Int(i) => Some(*i),
        Const::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// The digits of `|n|` in `radix` (2, 8, 10 or 16), upper-case letters if asked.
fn digits(n: i64, radix: u32, upper: bool) -> String {
    let u = n.unsigned_abs();
    match radix {
        2 => format!("{u:b}"),
        8 => format!("{u:o}"),
        16 if upper => format!("{u:X}"),
        16 => format!("{u:x}"),
        _ => u.to_string(),
    }
}

/// Pads `body` to `width` characters with `fill`: on the right (`<`), the left (`>`), or
/// both, the left getting the smaller half (`^`).
fn pad(body: &str, width: usize, fill: char, align: char) -> Option<String> {
    let len = body.chars().count();
    if width > MAX_CONST_LEN {
        return None;
    }
    if len >= width {
        return Some(body.to_string());
    }
    let n = width - len;
    let (left, right) = match align {
        '<' => (0, n),
        '^' => (n / 2, n - n / 2),
        _ => (n, 0),
    };
    let mut out = String::with_capacity(body.len() + n * fill.len_utf8());
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(body);
    out.extend(std::iter::repeat_n(fill, right));
    Some(out)
}

/// The first `n` characters of `s`.
fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// How the right operand of `%` supplies values.
struct PrintfArgs<'x, 'a> {
    /// The items of a tuple operand.
    tuple: Option<&'x [Const<'a>]>,
    /// Any other operand, taken by one conversion.
    single: Option<&'x Const<'a>>,
    /// A dict operand, for `%(key)s`.
    dict: Option<&'x [(Const<'a>, Const<'a>)]>,
    next: usize,
    single_used: bool,
}

impl<'x, 'a> PrintfArgs<'x, 'a> {
    fn next(&mut self) -> Option<&'x Const<'a>> {
        match self.tuple {
            Some(items) => {
                let item = items.get(self.next)?;
                self.next += 1;
                Some(item)
            }
            None if self.single_used => None,
            None => {
                self.single_used = true;
                self.single
            }
        }
    }
}

/// Reads a run of decimal digits as a count, refusing one over [`MAX_CONST_LEN`].
fn count(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<Option<usize>> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        let v = n.unwrap_or(0).checked_mul(10)?.checked_add(d as usize)?;
        if v > MAX_CONST_LEN {
            return None;
        }
        n = Some(v);
    }
    Some(n)
}

/// `fmt % args`, as CPython's `PyUnicode_Format` computes it for the conversions it can do
/// exactly: `%s %r %a %c %d %i %u %x %X %o %%`, with mapping keys (`%(name)s` of a dict),
/// the flags `-+ #0`, a width and a precision (`*` taken from the arguments). `None` where
/// Python would raise or a float is needed.
pub(crate) fn printf(fmt: &str, args: &Const<'_>) -> Option<String> {
    let mut a = match args {
        Const::Seq(SeqKind::Tuple, items) => {
            PrintfArgs { tuple: Some(items), single: None, dict: None, next: 0, single_used: false }
        }
        Const::Dict(items) => PrintfArgs {
            tuple: None,
            single: Some(args),
            dict: Some(items),
            next: 0,
            single_used: false,
        },
        other => {
            PrintfArgs { tuple: None, single: Some(other), dict: None, next: 0, single_used: false }
        }
    };
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut keyed = false;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // A mapping key: `%(name)s`, with balanced parentheses inside the name.
        let mut keyed_arg = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let dict = a.dict?;
            let mut depth = 1;
            let mut key = String::new();
            loop {
                let k = chars.next()?;
                match k {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                key.push(k);
            }
            let probe = Const::Str(crate::value::Text::Owned(key));
            keyed_arg = Some(dict_lookup(dict, &probe)?);
            keyed = true;
        } else if keyed {
            // After a keyed conversion the operand is used up (CPython: "not enough
            // arguments").
            return None;
        }
        let (mut left, mut plus, mut blank, mut alt, mut zero) =
            (false, false, false, false, false);
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '+' => plus = true,
                ' ' => blank = true,
                '#' => alt = true,
                '0' => zero = true,
                _ => break,
            }
            chars.next();
        }
        let width = if chars.peek() == Some(&'*') {
            chars.next();
            if keyed_arg.is_some() {
                return None;
            }
            let w = int_of(a.next()?)?;
            if w < 0 {
                left = true;
            }
            let w = usize::try_from(w.unsigned_abs()).ok()?;
            (w <= MAX_CONST_LEN).then_some(w)?
        } else {
            count(&mut chars)?.unwrap_or(0)
        };
        let precision = if chars.peek() == Some(&'.') {
            chars.next();
            if chars.peek() == Some(&'*') {
                chars.next();
                if keyed_arg.is_some() {
                    return None;
                }
                let p = int_of(a.next()?)?;
                Some(usize::try_from(p.max(0)).ok()?.min(MAX_CONST_LEN))
            } else {
                Some(count(&mut chars)?.unwrap_or(0))
            }
        } else {
            None
        };
        while matches!(chars.peek(), Some('h' | 'l' | 'L')) {
            chars.next();
        }
        let conv = chars.next()?;
        if conv == '%' {
            // `%%` only: with flags or a width CPython 3.11 takes an argument for it.
            if left || plus || blank || alt || zero || width > 0 || precision.is_some() {
                return None;
            }
            out.push('%');
            continue;
        }
        let arg = match keyed_arg {
            Some(v) => v,
            None => a.next()?,
        };
        let body = match conv {
            's' | 'r' | 'a' => {
                let text = match conv {
                    's' => str_of(arg)?,
                    other => repr(arg, other == 'a')?,
                };
                let text = match precision {
                    Some(p) => truncate(&text, p).to_string(),
                    None => text,
                };
                pad(&text, width, ' ', if left { '<' } else { '>' })?
            }
            'c' => {
                let ch = match arg {
                    Const::Int(i) => char::from_u32(u32::try_from(*i).ok()?)?.to_string(),
                    Const::Str(t) if t.as_str().chars().count() == 1 => t.as_str().to_string(),
                    _ => return None,
                };
                pad(&ch, width, ' ', if left { '<' } else { '>' })?
            }
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let n = int_of(arg)?;
                let (radix, prefix) = match conv {
                    'x' => (16, "0x"),
                    'X' => (16, "0X"),
                    'o' => (8, "0o"),
                    _ => (10, ""),
                };
                let mut num = digits(n, radix, conv == 'X');
                if let Some(p) = precision
                    && p > num.len()
                {
                    num = format!("{}{num}", "0".repeat(p - num.len()));
                }
                let sign = if n < 0 {
                    "-"
                } else if plus {
                    "+"
                } else if blank {
                    " "
                } else {
                    ""
                };
                let prefix = if alt { prefix } else { "" };
                let len = sign.len() + prefix.len() + num.len();
                if width > len && !left && zero {
                    format!("{sign}{prefix}{}{num}", "0".repeat(width - len))
                } else {
                    pad(&format!("{sign}{prefix}{num}"), width, ' ', if left { '<' } else { '>' })?
                }
            }
            _ => return None,
        };
        out.push_str(&body);
        if out.len() > MAX_CONST_LEN {
            return None;
        }
    }
    // CPython: "not all arguments converted during string formatting" (not for a mapping).
    let all_used = match a.tuple {
        Some(items) => a.next == items.len(),
        None => a.single_used || a.dict.is_some(),
    };
    all_used.then_some(out)
}

/// The value under `key` in a dict constant (keys compared as Python does).
pub(crate) fn dict_lookup<'x, 'a>(
    items: &'x [(Const<'a>, Const<'a>)],
    key: &Const<'_>,
) -> Option<&'x Const<'a>> {
    for (k, v) in items {
        if k.key_eq(key)? {
            return Some(v);
        }
    }
    None
}

/// A parsed format spec: `[[fill]align][sign][#][0][width][grouping][.precision][type]`.
#[derive(Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    kind: Option<char>,
}

fn parse_spec(spec: &str) -> Option<Spec> {
    let mut out = Spec::default();
    let chars: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '=' | '^');
    if chars.len() >= 2 && is_align(chars[1]) {
        out.fill = Some(chars[0]);
        out.align = Some(chars[1]);
        i = 2;
    } else if chars.first().is_some_and(|&c| is_align(c)) {
        out.align = Some(chars[0]);
        i = 1;
    }
    if let Some(&c @ ('+' | '-' | ' ')) = chars.get(i) {
        out.sign = Some(c);
        i += 1;
    }
    // `z` (negative zero) only applies to floats.
    if chars.get(i) == Some(&'z') {
        return None;
    }
    if chars.get(i) == Some(&'#') {
        out.alt = true;
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        out.zero = true;
        i += 1;
    }
    let mut width: Option<usize> = None;
    while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
        let w = width.unwrap_or(0).checked_mul(10)?.checked_add(d as usize)?;
        if w > MAX_CONST_LEN {
            return None;
        }
        width = Some(w);
        i += 1;
    }
    out.width = width.unwrap_or(0);
    if let Some(&c @ (',' | '_')) = chars.get(i) {
        out.grouping = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        let mut p: Option<usize> = None;
        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
            let v = p.unwrap_or(0).checked_mul(10)?.checked_add(d as usize)?;
            p = Some(v.min(MAX_CONST_LEN + 1));
            i += 1;
        }
        out.precision = Some(p?);
    }
    if let Some(&c) = chars.get(i) {
        out.kind = Some(c);
        i += 1;
    }
    (i == chars.len()).then_some(out)
}

/// Groups the digits of `num` by `every` from the right with `sep`.
fn group(num: &str, every: usize, sep: char) -> String {
    let mut out = String::with_capacity(num.len() + num.len() / every);
    for (i, c) in num.chars().enumerate() {
        if i > 0 && (num.len() - i).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// `format(value, spec)`: `str.__format__` and `int.__format__` (types `s`, `d`, `b`, `o`,
/// `x`, `X`, `c`), and an empty spec for the other constants (their `str`). `None` where
/// Python would raise, for floats, `n` and grouping inside zero padding.
pub(crate) fn format_value(value: &Const<'_>, spec: &str) -> Option<String> {
    if spec.is_empty() {
        return str_of(value);
    }
    let s = parse_spec(spec)?;
    match value {
        Const::Str(t) => {
            if s.sign.is_some()
                || s.alt
                || s.grouping.is_some()
                || s.align == Some('=')
                || !matches!(s.kind, None | Some('s'))
            {
                return None;
            }
            let text = match s.precision {
                Some(p) => truncate(t.as_str(), p),
                None => t.as_str(),
            };
            let fill = s.fill.unwrap_or(if s.zero { '0' } else { ' ' });
            pad(text, s.width, fill, s.align.unwrap_or('<'))
        }
        Const::Int(_) | Const::Bool(_) => {
            let n = int_of(value)?;
            if s.precision.is_some() {
                return None;
            }
            let (radix, prefix, upper) = match s.kind {
                None | Some('d') => (10, "", false),
                Some('b') => (2, "0b", false),
                Some('o') => (8, "0o", false),
                Some('x') => (16, "0x", false),
                Some('X') => (16, "0X", true),
                Some('c') => {
                    if s.sign.is_some() || s.alt || s.grouping.is_some() {
                        return None;
                    }
                    let ch = char::from_u32(u32::try_from(n).ok()?)?.to_string();
                    let fill = s.fill.unwrap_or(if s.zero { '0' } else { ' ' });
                    return pad(&ch, s.width, fill, s.align.unwrap_or('>'));
                }
                _ => return None,
            };
            let mut num = digits(n, radix, upper);
            match (s.grouping, radix) {
                (None, _) => {}
                (Some(','), 10) => num = group(&num, 3, ','),
                (Some('_'), 10) => num = group(&num, 3, '_'),
                (Some('_'), _) => num = group(&num, 4, '_'),
                _ => return None,
            }
            let sign = match (n < 0, s.sign) {
                (true, _) => "-",
                (false, Some('+')) => "+",
                (false, Some(' ')) => " ",
                _ => "",
            };
            let prefix = if s.alt { prefix } else { "" };
            let (fill, align) = match (s.fill, s.align, s.zero) {
                (Some(f), a, _) => (f, a.unwrap_or('>')),
                (None, a, true) => ('0', a.unwrap_or('=')),
                (None, a, false) => (' ', a.unwrap_or('>')),
            };
            if align == '=' {
                // Zero padding would be grouped too (`format(1234, "010,")`): not reproduced.
                if s.grouping.is_some() && fill == '0' {
                    return None;
                }
                let len = sign.len() + prefix.len() + num.chars().count();
                let fills = s.width.saturating_sub(len);
                let mut out = String::with_capacity(len + fills);
                out.push_str(sign);
                out.push_str(prefix);
                out.extend(std::iter::repeat_n(fill, fills));
                out.push_str(&num);
                Some(out)
            } else {
                pad(&format!("{sign}{prefix}{num}"), s.width, fill, align)
            }
        }
        _ => None,
    }
}

/// A replacement field's conversion (`!s`, `!r`, `!a`) applied to a value: the text to
/// format, or the value itself without one.
pub(crate) fn convert<'a>(value: &Const<'a>, conversion: Option<char>) -> Option<Const<'a>> {
    use crate::value::Text;
    Some(match conversion {
        None => value.clone(),
        Some('s') => Const::Str(Text::Owned(str_of(value)?)),
        Some('r') => Const::Str(Text::Owned(repr(value, false)?)),
        Some('a') => Const::Str(Text::Owned(repr(value, true)?)),
        Some(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Text;
    use std::rc::Rc;

    fn s(v: &str) -> Const<'static> {
        Const::Str(Text::Owned(v.to_string()))
    }

    fn tuple(items: Vec<Const<'static>>) -> Const<'static> {
        Const::Seq(SeqKind::Tuple, Rc::from(items))
    }

    #[test]
    fn printf_agrees_with_cpython() {
        // (format, operand, what CPython 3.11 gives)
        let cases: Vec<(&str, Const<'static>, Option<&str>)> = vec![
            ("%-1s%s", tuple(vec![s("a"), s("b")]), Some("ab")),
            ("%5s|", s("ab"), Some("   ab|")),
            ("%-5s|", s("ab"), Some("ab   |")),
            ("%.3s", s("abcdef"), Some("abc")),
            ("%5.2s", s("abc"), Some("   ab")),
            ("%05s", s("ab"), Some("   ab")),
            ("%*s", tuple(vec![Const::Int(-4), s("a")]), Some("a   ")),
            ("%r", s("it's"), Some("\"it's\"")),
            ("%r", s("a\nb"), Some("'a\\nb'")),
            ("%a", s("é"), Some("'\\xe9'")),
            ("%05.3d", Const::Int(5), Some("00005")),
            ("%-05d|", Const::Int(5), Some("5    |")),
            ("%+05d", Const::Int(-5), Some("-0005")),
            ("% d", Const::Int(5), Some(" 5")),
            ("%#x", Const::Int(255), Some("0xff")),
            ("%#5o", Const::Int(8), Some(" 0o10")),
            ("%#08x", Const::Int(255), Some("0x0000ff")),
            ("%-#8X|", Const::Int(255), Some("0XFF    |")),
            ("%x", Const::Int(-255), Some("-ff")),
            ("%.0d", Const::Int(0), Some("0")),
            ("%c%c", tuple(vec![Const::Int(111), s("s")]), Some("os")),
            ("%s %%", tuple(vec![s("a")]), Some("a %")),
            ("%s", tuple(vec![tuple(vec![Const::Int(1), s("x")])]), Some("(1, 'x')")),
            ("%s", Const::Bytes(crate::value::Bin::Owned(b"a'b".to_vec())), Some("b\"a'b\"")),
            ("%ld", Const::Int(7), Some("7")),
            ("%s", tuple(vec![]), None),
            ("%s", tuple(vec![s("a"), s("b")]), None),
            ("abc", Const::Int(5), None),
            ("%f", Const::Int(5), None),
            ("%5%", tuple(vec![]), None),
            ("%(a)s %s", Const::Dict(Rc::from([(s("a"), s("x"))])), None),
            (
                "%(a)s-%(b)5s",
                Const::Dict(Rc::from([(s("a"), Const::Int(1)), (s("b"), s("x"))])),
                Some("1-    x"),
            ),
            ("abc", Const::Dict(Rc::from([])), Some("abc")),
            ("%(missing)s", Const::Dict(Rc::from([(s("a"), s("x"))])), None),
            ("%99999999s", s("x"), None),
        ];
        for (fmt, args, want) in cases {
            assert_eq!(printf(fmt, &args).as_deref(), want, "{fmt:?} % {args:?}");
        }
    }

    #[test]
    fn format_specs_agree_with_cpython() {
        let cases: Vec<(Const<'static>, &str, Option<&str>)> = vec![
            (s("ab"), "05", Some("ab000")),
            (s("ab"), ">5", Some("   ab")),
            (s("ab"), "*^7", Some("**ab***")),
            (s("ab"), ".1", Some("a")),
            (s("abc"), "<5.2s", Some("ab   ")),
            (s("ab"), "s", Some("ab")),
            (s("ab"), "0<5", Some("ab000")),
            (s("ab"), "+", None),
            (s("ab"), "d", None),
            (Const::Int(5), "05", Some("00005")),
            (Const::Int(5), "+d", Some("+5")),
            (Const::Int(-5), "=+6", Some("-    5")),
            (Const::Int(255), "#x", Some("0xff")),
            (Const::Int(255), "#010x", Some("0x000000ff")),
            (Const::Int(1_234_567), ",", Some("1,234,567")),
            (Const::Int(1_234_567), "_", Some("1_234_567")),
            (Const::Int(255), "_b", Some("1111_1111")),
            (Const::Int(65), "c", Some("A")),
            (Const::Int(5), "", Some("5")),
            (Const::Bool(true), "", Some("True")),
            (Const::Bool(true), "d", Some("1")),
            (Const::None, "", Some("None")),
            (Const::None, ">5", None),
            (Const::Int(-5), "x", Some("-5")),
            (Const::Int(-255), "#06x", Some("-0x0ff")),
            (Const::Int(5), "^5", Some("  5  ")),
            (Const::Int(1234), "010,", None),
            (Const::Int(1_048_576), "_x", Some("10_0000")),
            (Const::Int(5), ".2", None),
            (Const::Int(5), "f", None),
            (Const::Float(1.5), "", None),
            (s("ab"), "5x5", None),
        ];
        for (value, spec, want) in cases {
            assert_eq!(format_value(&value, spec).as_deref(), want, "format({value:?}, {spec:?})");
        }
    }

    #[test]
    fn repr_of_containers() {
        let list = Const::Seq(SeqKind::List, Rc::from([Const::Int(1), Const::None]));
        let d = Const::Dict(Rc::from([(s("k"), list), (Const::Int(2), tuple(vec![s("x")]))]));
        assert_eq!(repr(&d, false).as_deref(), Some("{'k': [1, None], 2: ('x',)}"));
        assert_eq!(repr(&s("a\x00\\"), false).as_deref(), Some(r"'a\x00\\'"));
        assert_eq!(repr(&s("\u{1F600}"), true).as_deref(), Some(r"'\U0001f600'"));
        assert!(repr(&s("é"), false).is_none());
        assert!(repr(&Const::Float(1.0), false).is_none());
    }
}
