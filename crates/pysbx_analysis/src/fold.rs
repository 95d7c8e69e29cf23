//! Bounded constant folding of str/bytes expressions: the operations obfuscated code uses to
//! hide a name or a payload (`"o" + "s"`, `"%s%s" % (...)`, `"".join(...)`, `[::-1]`, `chr`,
//! `bytes.fromhex`, base64, rot13). Nothing is executed; every result is capped in size and
//! the whole file shares one budget, so folding stays linear in the size of the source.

use std::rc::Rc;

use ruff_python_ast::Operator;

use smallvec::SmallVec;

use crate::inflate;
use crate::value::{Bin, Const, SeqKind, Text, ValueSet};

/// The largest str/bytes/sequence a fold may produce.
pub(crate) const MAX_CONST_LEN: usize = 64 * 1024;
/// The most elements a folded tuple or list may hold.
pub(crate) const MAX_SEQ_LEN: usize = 4096;

/// The directory a program `shutil.which` finds is read as being in: where it is found is not
/// known, and a full path is what `which` gives.
pub(crate) const WHICH_DIRECTORY: &str = "/usr/bin/";

/// Bytes of folded output still allowed in this file.
#[derive(Debug)]
pub(crate) struct Budget {
    left: usize,
    /// Decimal digits of integers past 64 bits still convertible in this file (see
    /// [`crate::bigint`]): their conversion takes time quadratic in the digits.
    decimal_digits: usize,
}

impl Budget {
    /// A budget proportional to the source: folding can never cost more than a few passes
    /// over the file, whatever the code does.
    pub(crate) fn for_source(len: usize) -> Self {
        Self {
            left: len.saturating_mul(8).saturating_add(4 * MAX_CONST_LEN),
            decimal_digits: crate::bigint::MAX_DECIMAL_DIGITS_PER_FILE,
        }
    }

    /// Takes what converting `n` to bytes costs (nothing once converted).
    fn take_conversion(&mut self, n: &crate::bigint::BigInt) -> Option<()> {
        let (decimal, digits) = n.cost();
        if decimal {
            self.decimal_digits = self.decimal_digits.checked_sub(digits)?;
            Some(())
        } else {
            self.take_opt(digits)
        }
    }

    /// Takes `n` from the budget: bytes of folded output, or steps of a fold that produces
    /// little output per step (a comprehension's element, folded per item).
    pub(crate) fn take(&mut self, n: usize) -> bool {
        if n > MAX_CONST_LEN || n > self.left {
            return false;
        }
        self.left -= n;
        true
    }
}

/// Positional and keyword arguments of a call, each folded or not.
pub(crate) struct CallArgs<'x, 'a> {
    /// Positional arguments in order (a `*args` entry is `None`).
    pub(crate) pos: &'x [Option<&'x Const<'a>>],
    /// Named keyword arguments.
    pub(crate) kw: &'x [(&'x str, Option<&'x Const<'a>>)],
    /// Index of the first `*args` among the positional arguments.
    pub(crate) star_at: Option<usize>,
    /// A `**kwargs` is present.
    pub(crate) double_star: bool,
    /// The keys the call's one `**` dict may hold, where the calling body says (see
    /// [`crate::spread`]).
    pub(crate) spread: Option<&'x crate::spread::Spread>,
    /// What each positional argument refers to (parallel to `pos`; may be empty).
    pub(crate) pos_refs: &'x [&'x ValueSet<'a>],
    /// What each keyword argument refers to (parallel to `kw`; may be empty).
    pub(crate) kw_refs: &'x [&'x ValueSet<'a>],
    /// The arguments as written, where the call is in the source (for `constant_start`).
    pub(crate) nodes: Option<&'x ruff_python_ast::Arguments>,
    /// What the file spells in its string literals, where the call is in the source (for
    /// `encoded`).
    pub(crate) spelled: Option<&'x crate::spelled::Spelled<'a>>,
    /// Whether `nodes` are written in the file's own source, whose text at their ranges
    /// `spelled` can read (not in constant code read in place, whose ranges are its own).
    pub(crate) nodes_in_file: bool,
}

impl<'x, 'a> CallArgs<'x, 'a> {
    /// Folded positional arguments only, nothing else known about the call.
    pub(crate) fn positional(pos: &'x [Option<&'x Const<'a>>]) -> Self {
        Self {
            pos,
            kw: &[],
            star_at: None,
            double_star: false,
            spread: None,
            pos_refs: &[],
            kw_refs: &[],
            nodes: None,
            spelled: None,
            nodes_in_file: false,
        }
    }

    /// Whether `*args` or `**kwargs` hide some arguments.
    pub(crate) fn starred(&self) -> bool {
        self.star_at.is_some() || self.double_star
    }

    /// The argument at `position` or named `keyword`; `Some(None)` when given but not folded.
    fn get(&self, position: usize, keyword: &str) -> Option<Option<&'x Const<'a>>> {
        if let Some(arg) = self.pos.get(position) {
            return Some(*arg);
        }
        self.kw.iter().find(|(k, _)| *k == keyword).map(|(_, v)| *v)
    }

    /// The folded argument, or `None` when it is absent or not a constant.
    fn val(&self, position: usize, keyword: &str) -> Option<&'x Const<'a>> {
        self.get(position, keyword).flatten()
    }

    fn count(&self) -> usize {
        self.pos.len() + self.kw.len()
    }
}

/// Folds `l op r`, taking the operands only when the result is sure to fit (so a failed fold
/// leaves them to their own string candidates).
pub(crate) fn binop<'a>(
    op: Operator,
    l: &mut Option<Const<'a>>,
    r: &mut Option<Const<'a>>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    let (lv, rv) = (l.as_ref()?, r.as_ref()?);
    match op {
        Operator::Add => match (lv, rv) {
            (Const::Str(a), Const::Str(b)) => {
                let n = a.as_str().len() + b.as_str().len();
                if !budget.take(n) {
                    return None;
                }
                let (Some(Const::Str(a)), Some(Const::Str(b))) = (l.take(), r.take()) else {
                    return None;
                };
                let mut s = a.into_string();
                s.push_str(b.as_str());
                Some(Const::Str(Text::Owned(s)))
            }
            (Const::Bytes(a), Const::Bytes(b)) => {
                let n = a.as_bytes().len() + b.as_bytes().len();
                if !budget.take(n) {
                    return None;
                }
                let (Some(Const::Bytes(a)), Some(Const::Bytes(b))) = (l.take(), r.take()) else {
                    return None;
                };
                let mut v = a.into_vec();
                v.extend_from_slice(b.as_bytes());
                Some(Const::Bytes(Bin::Owned(v)))
            }
            (Const::Seq(ka, a), Const::Seq(kb, b)) if ka == kb => {
                if a.len() + b.len() > MAX_SEQ_LEN || !budget.take(a.len() + b.len()) {
                    return None;
                }
                let items: Vec<Const<'a>> = a.iter().chain(b.iter()).cloned().collect();
                Some(Const::Seq(*ka, items.into()))
            }
            _ => int_op(op, lv, rv),
        },
        Operator::Mult => {
            let (seq, n) = match (lv, rv) {
                (s, Const::Int(n)) if !matches!(s, Const::Int(_) | Const::Bool(_)) => (s, *n),
                (Const::Int(n), s) if !matches!(s, Const::Int(_) | Const::Bool(_)) => (s, *n),
                _ => return int_op(op, lv, rv),
            };
            repeat(seq, n, budget)
        }
        Operator::Mod => match lv {
            Const::Str(fmt) => {
                let out = crate::format::printf(fmt.as_str(), rv)?;
                budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
            }
            Const::Int(_) | Const::Bool(_) => int_op(op, lv, rv),
            _ => None,
        },
        // `**` is never folded: `10 ** 10 ** 10` must not run.
        Operator::Pow => None,
        _ => int_op(op, lv, rv),
    }
}

fn int_op<'a>(op: Operator, l: &Const<'a>, r: &Const<'a>) -> Option<Const<'a>> {
    let (a, b) = (l.as_int()?, r.as_int()?);
    if matches!(l, Const::Bool(_)) && matches!(r, Const::Bool(_)) {
        return None;
    }
    let v = match op {
        Operator::Add => a.checked_add(b)?,
        Operator::Sub => a.checked_sub(b)?,
        Operator::Mult => a.checked_mul(b)?,
        Operator::FloorDiv => {
            if b == 0 {
                return None;
            }
            a.checked_div_euclid(b)
                .map(|q| if b < 0 && a.rem_euclid(b) != 0 { q + 1 } else { q })?
        }
        Operator::Mod => {
            if b == 0 {
                return None;
            }
            let m = a.checked_rem(b)?;
            if m != 0 && ((m < 0) != (b < 0)) { m + b } else { m }
        }
        Operator::LShift => {
            let s = u32::try_from(b).ok().filter(|s| *s < 63)?;
            a.checked_mul(1i64.checked_shl(s)?)?
        }
        Operator::RShift => a >> u32::try_from(b).ok()?.min(63),
        Operator::BitAnd => a & b,
        Operator::BitOr => a | b,
        Operator::BitXor => a ^ b,
        _ => return None,
    };
    Some(Const::Int(v))
}

fn repeat<'a>(value: &Const<'a>, n: i64, budget: &mut Budget) -> Option<Const<'a>> {
    let n = usize::try_from(n.max(0)).ok()?;
    match value {
        Const::Str(s) => {
            let len = s.as_str().len().checked_mul(n)?;
            budget.take(len).then(|| Const::Str(Text::Owned(s.as_str().repeat(n))))
        }
        Const::Bytes(b) => {
            let len = b.as_bytes().len().checked_mul(n)?;
            budget.take(len).then(|| Const::Bytes(Bin::Owned(b.as_bytes().repeat(n))))
        }
        Const::Seq(kind, items) => {
            let len = items.len().checked_mul(n)?;
            if len > MAX_SEQ_LEN || !budget.take(len) {
                return None;
            }
            let out: Vec<Const<'a>> = (0..n).flat_map(|_| items.iter().cloned()).collect();
            Some(Const::Seq(*kind, out.into()))
        }
        _ => None,
    }
}

/// `str(x)` of a constant, as Python prints it (not a float).
pub(crate) fn to_str<'a>(value: &Const<'a>) -> Option<Text<'a>> {
    Some(match value {
        Const::Str(t) => t.clone(),
        Const::Bool(true) => Text::Borrowed("True"),
        Const::Bool(false) => Text::Borrowed("False"),
        Const::None => Text::Borrowed("None"),
        other => Text::Owned(crate::format::str_of(other)?),
    })
}

/// `fmt.format(*pos, **kw)` and `fmt.format_map(mapping)`: fields `{}`, `{0}`, `{name}`,
/// with an index or key (`{0[1]}`, `{d[host]}`), a conversion (`!s`, `!r`, `!a`) and a
/// format spec without nested fields (`{:>10}`, `{n:x}`).
fn format<'a>(
    fmt: &str,
    pos: &[Option<&Const<'a>>],
    named: &dyn Fn(&str) -> Option<Option<Const<'a>>>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    let mut out = String::new();
    // `Some(n)`: numbered automatically so far; `None` once a field gave its number.
    let mut auto: Option<usize> = None;
    let mut manual = false;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut field = String::new();
                let mut brackets = false;
                loop {
                    match chars.next()? {
                        '}' if !brackets => break,
                        '{' => return None,
                        ch => {
                            match ch {
                                '[' => brackets = true,
                                ']' => brackets = false,
                                _ => {}
                            }
                            field.push(ch);
                        }
                    }
                }
                let (field, spec) = match field.find(':') {
                    Some(at) if !field[..at].contains('[') || field[..at].contains(']') => {
                        (&field[..at], &field[at + 1..])
                    }
                    _ => (field.as_str(), ""),
                };
                let (field, conversion) = match field.rsplit_once('!') {
                    Some((f, conv)) => {
                        let mut cs = conv.chars();
                        let (Some(cv), None) = (cs.next(), cs.next()) else { return None };
                        (f, Some(cv))
                    }
                    None => (field, None),
                };
                let name_end = field.find(['[', '.']).unwrap_or(field.len());
                let (name, mut rest) = field.split_at(name_end);
                let mut value: Const<'a> = if name.is_empty() {
                    if manual {
                        return None;
                    }
                    let n = auto.unwrap_or(0);
                    auto = Some(n + 1);
                    (*pos.get(n)?)?.clone()
                } else if let Ok(i) = name.parse::<usize>() {
                    if auto.is_some() {
                        return None;
                    }
                    manual = true;
                    (*pos.get(i)?)?.clone()
                } else {
                    named(name)??
                };
                while !rest.is_empty() {
                    // Only indexing: `.attr` of a constant is not followed.
                    let inner = rest.strip_prefix('[')?;
                    let close = inner.find(']')?;
                    let key = &inner[..close];
                    rest = &inner[close + 1..];
                    let key = match key.parse::<i64>() {
                        Ok(i) if key.bytes().all(|b| b.is_ascii_digit()) => Const::Int(i),
                        _ => Const::Str(Text::Owned(key.to_string())),
                    };
                    value = item(&value, &key)?;
                }
                let value = crate::format::convert(&value, conversion)?;
                out.push_str(&crate::format::format_value(&value, spec)?);
                if out.len() > MAX_CONST_LEN {
                    return None;
                }
            }
            '}' => return None,
            ch => out.push(ch),
        }
    }
    budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
}

/// `value[key]`: an index of a string, bytes or sequence, or a dict's entry.
pub(crate) fn item<'a>(value: &Const<'a>, key: &Const<'_>) -> Option<Const<'a>> {
    match value {
        Const::Dict(items) => crate::format::dict_lookup(items, key).cloned(),
        _ => index(value, key.as_int()?),
    }
}

/// `value[index]`.
pub(crate) fn index<'a>(value: &Const<'a>, index: i64) -> Option<Const<'a>> {
    match value {
        Const::Str(t) => {
            let s = t.as_str();
            let n = s.chars().count();
            let i = norm_index(index, n)?;
            let c = s.chars().nth(i)?;
            Some(Const::Str(Text::Owned(c.to_string())))
        }
        Const::Bytes(b) => {
            let b = b.as_bytes();
            Some(Const::Int(i64::from(*b.get(norm_index(index, b.len())?)?)))
        }
        Const::Seq(_, items) => items.get(norm_index(index, items.len())?).cloned(),
        _ => None,
    }
}

fn norm_index(index: i64, len: usize) -> Option<usize> {
    let len = i64::try_from(len).ok()?;
    let i = if index < 0 { index + len } else { index };
    if (0..len).contains(&i) { usize::try_from(i).ok() } else { None }
}

/// The indices `seq[start:stop:step]` selects, with Python's clamping rules.
fn slice_indices(
    len: usize,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Option<Vec<usize>> {
    let len = i64::try_from(len).ok()?;
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let clamp = |v: i64, lo: i64, hi: i64| {
        let v = if v < 0 { v + len } else { v };
        v.clamp(lo, hi)
    };
    let (start, stop) = if step > 0 {
        (start.map_or(0, |s| clamp(s, 0, len)), stop.map_or(len, |s| clamp(s, 0, len)))
    } else {
        (
            start.map_or(len - 1, |s| clamp(s, -1, len - 1)),
            stop.map_or(-1, |s| clamp(s, -1, len - 1)),
        )
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(usize::try_from(i).ok()?);
        i = i.checked_add(step)?;
    }
    Some(out)
}

/// `value[start:stop:step]`.
pub(crate) fn slice<'a>(
    value: &Const<'a>,
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    match value {
        Const::Str(t) => {
            let s = t.as_str();
            if s.is_ascii() {
                let b = s.as_bytes();
                let idx = slice_indices(b.len(), start, stop, step)?;
                budget.take_opt(idx.len())?;
                let out: String = idx.iter().map(|&i| char::from(b[i])).collect();
                return Some(Const::Str(Text::Owned(out)));
            }
            let chars: Vec<char> = s.chars().collect();
            let idx = slice_indices(chars.len(), start, stop, step)?;
            let out: String = idx.iter().map(|&i| chars[i]).collect();
            budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
        }
        Const::Bytes(b) => {
            let b = b.as_bytes();
            let idx = slice_indices(b.len(), start, stop, step)?;
            budget.take_opt(idx.len())?;
            Some(Const::Bytes(Bin::Owned(idx.iter().map(|&i| b[i]).collect())))
        }
        Const::Seq(kind, items) => {
            let idx = slice_indices(items.len(), start, stop, step)?;
            budget.take_opt(idx.len())?;
            let out: Vec<Const<'a>> = idx.iter().map(|&i| items[i].clone()).collect();
            Some(Const::Seq(*kind, out.into()))
        }
        _ => None,
    }
}

impl Budget {
    fn take_opt(&mut self, n: usize) -> Option<()> {
        self.take(n).then_some(())
    }
}

/// The functions [`call`] folds.
pub(crate) const FOLDABLE_CALLS: &[&str] = &[
    "builtins.chr",
    "builtins.ord",
    "builtins.str",
    "builtins.bytes",
    "builtins.bytearray",
    "builtins.bytes.fromhex",
    "builtins.bytearray.fromhex",
    "binascii.unhexlify",
    "binascii.a2b_hex",
    "base64.b16decode",
    "base64.b64decode",
    "base64.standard_b64decode",
    "base64.decodebytes",
    "base64.decodestring",
    "base64.urlsafe_b64decode",
    "binascii.a2b_base64",
    "base64.b32decode",
    "codecs.decode",
    "codecs.encode",
    "builtins.reversed",
    "builtins.list",
    "builtins.tuple",
    "textwrap.dedent",
    "inspect.cleandoc",
    "zlib.decompress",
    "gzip.decompress",
    "bz2.decompress",
    "lzma.decompress",
    "builtins.int",
    "builtins.int.from_bytes",
    "builtins.len",
    "builtins.sorted",
    "builtins.enumerate",
    "builtins.zip",
    "builtins.dict",
    "builtins.format",
    "builtins.str.maketrans",
    "builtins.bytes.maketrans",
    "builtins.bytearray.maketrans",
    "itertools.cycle",
    "urllib.parse.urljoin",
    "urllib.parse.urlunsplit",
    "urllib.parse.urlunparse",
    "socket.inet_ntoa",
    "struct.pack",
    "ipaddress.ip_address",
    "ipaddress.IPv4Address",
];

/// `textwrap.dedent`: lines of only spaces and tabs become empty, then the longest run of
/// leading whitespace common to every other line is removed (a tab and a space differ).
fn dedent(text: &str) -> String {
    let blank = |line: &str| line.bytes().all(|b| b == b' ' || b == b'\t');
    let mut margin: Option<&str> = None;
    for line in text.split('\n').filter(|l| !blank(l)) {
        let indent = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        margin = Some(match margin {
            None => indent,
            Some(m) => {
                let common = m.bytes().zip(indent.bytes()).take_while(|(a, b)| a == b).count();
                &m[..common]
            }
        });
    }
    let margin = margin.unwrap_or("");
    let lines: Vec<&str> = text
        .split('\n')
        .map(|line| if blank(line) { "" } else { line.strip_prefix(margin).unwrap_or(line) })
        .collect();
    lines.join("\n")
}

/// `inspect.cleandoc`: tabs expanded, the first line's leading whitespace removed, the common
/// indentation of the other lines removed, and blank lines at the start and end dropped.
fn cleandoc(doc: &str) -> String {
    let expanded = expand_tabs(doc);
    let mut lines: Vec<&str> = expanded.split('\n').collect();
    // `str.splitlines()` drops a final empty piece that `split` keeps.
    if expanded.ends_with('\n') {
        lines.pop();
    }
    let margin = lines
        .iter()
        .skip(1)
        .filter_map(|l| {
            let content = l.trim_start_matches(' ');
            (!content.is_empty()).then_some(l.len() - content.len())
        })
        .min()
        .unwrap_or(0);
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            out.push(line.trim_start_matches(' ').to_string());
        } else {
            out.push(line.get(margin..).unwrap_or("").to_string());
        }
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out.join("\n")
}

/// `str.expandtabs()` with tab stops every 8 columns, per line (also how `doctest` reads a
/// docstring).
pub(crate) fn expand_tabs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut column = 0;
    for c in text.chars() {
        match c {
            '\t' => {
                let spaces = 8 - column % 8;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            _ => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// Folds a call of a known function (`builtins.chr`, `base64.b64decode`...).
pub(crate) fn call<'a>(
    func: &str,
    args: &CallArgs<'_, 'a>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    // Most calls are of other modules: ruled out by the module's name alone.
    let root = func.as_bytes().iter().position(|&b| b == b'.').map_or(func, |at| &func[..at]);
    if args.starred()
        || !matches!(
            root,
            "builtins"
                | "base64"
                | "binascii"
                | "codecs"
                | "textwrap"
                | "inspect"
                | "itertools"
                | "urllib"
                | "socket"
                | "struct"
                | "ipaddress"
                | "zlib"
                | "gzip"
                | "bz2"
                | "lzma"
                | "shutil"
        )
    {
        return None;
    }
    match func {
        // The program `shutil.which("nc")` finds runs as `nc` does: an argument vector that
        // starts with it reads as one that starts with that program (`[nc, "-e", "/bin/sh",
        // ...]`). Where it is found is not known, nor whether it is: it reads as a full path
        // in `/usr/bin` (what `which` gives is never a name looked up on `PATH` when it runs),
        // and a name with a directory as it is.
        "shutil.which" => {
            let program = args.val(0, "cmd")?.as_str()?;
            if program.is_empty() || args.count() != 1 {
                return None;
            }
            let path = if program.contains(['/', '\\']) {
                program.to_string()
            } else {
                format!("{WHICH_DIRECTORY}{program}")
            };
            Some(Const::Str(Text::Owned(path)))
        }
        "builtins.chr" => {
            let c = char::from_u32(u32::try_from(args.val(0, "")?.as_int()?).ok()?)?;
            Some(Const::Str(Text::Owned(c.to_string())))
        }
        "builtins.ord" => {
            let s = args.val(0, "")?.as_str()?;
            let mut it = s.chars();
            let c = it.next()?;
            it.next().is_none().then_some(Const::Int(i64::from(u32::from(c))))
        }
        "builtins.str" => match (args.val(0, "object"), args.get(1, "encoding")) {
            (Some(v), None) if args.count() == 1 => to_str(v).map(Const::Str),
            (Some(Const::Bytes(b)), Some(Some(Const::Str(enc)))) => {
                decode(b.as_bytes(), enc.as_str(), budget)
            }
            _ => None,
        },
        "builtins.bytes" | "builtins.bytearray" => {
            match (args.val(0, "source"), args.get(1, "encoding")) {
                (Some(Const::Str(s)), Some(Some(Const::Str(enc)))) => {
                    encode(s.as_str(), enc.as_str(), budget)
                }
                (Some(Const::Seq(_, items)), None) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items.iter() {
                        out.push(u8::try_from(item.as_int()?).ok()?);
                    }
                    budget.take_opt(out.len())?;
                    Some(Const::Bytes(Bin::Owned(out)))
                }
                (Some(Const::Bytes(b)), None) => Some(Const::Bytes(b.clone())),
                _ => None,
            }
        }
        "builtins.bytes.fromhex" | "builtins.bytearray.fromhex" => {
            let s = args.val(0, "string")?.as_str()?;
            let out = from_hex(s.bytes().filter(|b| !b.is_ascii_whitespace()), true)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "binascii.unhexlify" | "binascii.a2b_hex" => {
            let input = ascii_input(args.val(0, "hexstr")?)?;
            let out = from_hex(input.iter().copied(), true)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "base64.b16decode" => {
            let input = ascii_input(args.val(0, "s")?)?;
            let casefold = matches!(args.val(1, "casefold"), Some(Const::Bool(true)));
            let out = from_hex(input.iter().copied(), casefold)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "base64.b64decode"
        | "base64.standard_b64decode"
        | "base64.decodebytes"
        | "base64.decodestring"
        | "base64.urlsafe_b64decode"
        | "binascii.a2b_base64" => {
            let mut input = ascii_input(args.val(0, "s")?)?;
            if func == "base64.urlsafe_b64decode" {
                for b in &mut input {
                    *b = match *b {
                        b'-' => b'+',
                        b'_' => b'/',
                        other => other,
                    };
                }
            } else if func == "base64.b64decode"
                && let Some(alt) = args.val(1, "altchars")
            {
                let alt = ascii_input(alt)?;
                let [a, b] = alt.as_slice() else { return None };
                for c in &mut input {
                    *c = if c == a {
                        b'+'
                    } else if c == b {
                        b'/'
                    } else {
                        *c
                    };
                }
            }
            let out = b64decode(&input)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "base64.b32decode" => {
            let input = ascii_input(args.val(0, "s")?)?;
            let casefold = matches!(args.val(1, "casefold"), Some(Const::Bool(true)));
            let out = b32decode(&input, casefold)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "zlib.decompress" | "gzip.decompress" | "bz2.decompress" | "lzma.decompress" => {
            let Const::Bytes(data) = args.val(0, "data")? else { return None };
            let format = match func {
                "zlib.decompress" => match args.get(1, "wbits") {
                    None => inflate::Format::Zlib,
                    Some(w) => inflate::Format::from_wbits(w?.as_int()?)?,
                },
                // `lzma`'s format, memory limit and filters, when given, are not read.
                "lzma.decompress" if args.count() == 1 => inflate::Format::Lzma,
                "gzip.decompress" => inflate::Format::Gzip,
                "bz2.decompress" => inflate::Format::Bzip2,
                _ => return None,
            };
            let out = inflate::decompress(format, data.as_bytes())?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "codecs.decode" | "codecs.encode" => {
            let value = args.val(0, "obj")?;
            let codec = args.val(1, "encoding").map_or(Some("utf-8"), Const::as_str)?;
            codec_op(value, codec, func == "codecs.encode", budget)
        }
        "textwrap.dedent" => {
            let text = args.val(0, "text")?.as_str()?;
            budget.take_opt(text.len())?;
            Some(Const::Str(Text::Owned(dedent(text))))
        }
        "inspect.cleandoc" => {
            let text = args.val(0, "doc")?.as_str()?;
            budget.take_opt(text.len())?;
            Some(Const::Str(Text::Owned(cleandoc(text))))
        }
        "builtins.reversed" => match args.val(0, "")? {
            Const::Str(t) => {
                let items: Vec<Const<'a>> = t
                    .as_str()
                    .chars()
                    .rev()
                    .map(|c| Const::Str(Text::Owned(c.to_string())))
                    .collect();
                (items.len() <= MAX_SEQ_LEN).then(|| Const::Seq(SeqKind::List, items.into()))
            }
            Const::Seq(_, items) => {
                let out: Vec<Const<'a>> = items.iter().rev().cloned().collect();
                Some(Const::Seq(SeqKind::List, out.into()))
            }
            Const::Dict(items) => {
                let out: Vec<Const<'a>> = items.iter().rev().map(|(k, _)| k.clone()).collect();
                Some(Const::Seq(SeqKind::List, out.into()))
            }
            _ => None,
        },
        "builtins.list" | "builtins.tuple" => {
            let kind = if func == "builtins.list" { SeqKind::List } else { SeqKind::Tuple };
            match args.val(0, "")? {
                Const::Str(t) => {
                    let items: Vec<Const<'a>> = t
                        .as_str()
                        .chars()
                        .map(|c| Const::Str(Text::Owned(c.to_string())))
                        .collect();
                    (items.len() <= MAX_SEQ_LEN).then(|| Const::Seq(kind, items.into()))
                }
                Const::Seq(_, items) => Some(Const::Seq(kind, items.clone())),
                other @ (Const::Bytes(_) | Const::Dict(_)) => {
                    Some(Const::Seq(kind, iterate(other)?.into()))
                }
                _ => None,
            }
        }
        "builtins.int" => match (args.val(0, "x")?, args.get(1, "base")) {
            (Const::Int(i), None) => Some(Const::Int(*i)),
            (Const::Bool(b), None) => Some(Const::Int(i64::from(*b))),
            (Const::Float(f), None) if f.is_finite() && f.abs() < 9.0e18 => {
                #[expect(clippy::cast_possible_truncation, reason = "int() truncates toward zero")]
                let i = f.trunc() as i64;
                Some(Const::Int(i))
            }
            (Const::Str(t), None) => parse_int(t.as_str(), 10)
                .map(Const::Int)
                .or_else(|| parse_big(t.as_str(), 10, budget)),
            (Const::Str(t), Some(Some(base))) => parse_int(t.as_str(), base.as_int()?)
                .map(Const::Int)
                .or_else(|| parse_big(t.as_str(), base.as_int()?, budget)),
            (Const::Bytes(b), Some(Some(base))) => {
                parse_int(std::str::from_utf8(b.as_bytes()).ok()?, base.as_int()?).map(Const::Int)
            }
            _ => None,
        },
        "builtins.int.from_bytes" => {
            let Const::Bytes(b) = args.val(0, "bytes")? else { return None };
            let big = match args.get(1, "byteorder") {
                None => true,
                Some(order) => byte_order(order?)?,
            };
            let signed = matches!(args.val(2, "signed"), Some(Const::Bool(true)));
            match int_from_bytes(b.as_bytes(), big, signed) {
                Some(i) => Some(Const::Int(i)),
                None => {
                    budget.take_opt(b.as_bytes().len())?;
                    Some(match crate::bigint::from_bytes(b.as_bytes(), big, signed) {
                        Ok(i) => Const::Int(i),
                        Err(n) => Const::Big(Rc::new(n)),
                    })
                }
            }
        }
        "builtins.len" if args.count() == 1 => {
            let n = match args.val(0, "obj")? {
                Const::Str(t) => t.as_str().chars().count(),
                Const::Bytes(b) => b.as_bytes().len(),
                Const::Seq(_, items) => items.len(),
                Const::Dict(items) => items.len(),
                _ => return None,
            };
            Some(Const::Int(i64::try_from(n).ok()?))
        }
        "builtins.sorted" => {
            let reverse = match args.kw {
                [] => false,
                [("reverse", Some(r))] => r.as_int()? != 0,
                _ => return None,
            };
            if args.pos.len() != 1 {
                return None;
            }
            let mut items = iterate(args.val(0, "iterable")?)?;
            budget.take_opt(items.len())?;
            sort(&mut items, reverse)?;
            Some(seq(SeqKind::List, items))
        }
        "builtins.enumerate" => {
            let start = match args.get(1, "start") {
                None => 0,
                Some(s) => s?.as_int()?,
            };
            let items = iterate(args.val(0, "iterable")?)?;
            budget.take_opt(items.len())?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                let n = start.checked_add(i64::try_from(i).ok()?)?;
                out.push(seq(SeqKind::Tuple, vec![Const::Int(n), item]));
            }
            Some(seq(SeqKind::List, out))
        }
        "builtins.zip" if args.kw.is_empty() && !args.pos.is_empty() => {
            let mut columns: Vec<(Vec<Const<'a>>, bool)> = Vec::with_capacity(args.pos.len());
            for arg in args.pos {
                match (*arg)? {
                    Const::Cycle(items) => columns.push((items.to_vec(), true)),
                    other => columns.push((iterate(other)?, false)),
                }
            }
            let n = columns.iter().filter(|(_, cycles)| !cycles).map(|(c, _)| c.len()).min()?;
            let n = if columns.iter().any(|(c, cycles)| *cycles && c.is_empty()) { 0 } else { n };
            budget.take_opt(n.checked_mul(columns.len())?)?;
            let out: Vec<Const<'a>> = (0..n)
                .map(|i| {
                    let row: Vec<Const<'a>> =
                        columns.iter().map(|(c, _)| c[i % c.len()].clone()).collect();
                    seq(SeqKind::Tuple, row)
                })
                .collect();
            Some(seq(SeqKind::List, out))
        }
        "itertools.cycle" if args.count() == 1 => {
            let items = iterate(args.val(0, "iterable")?)?;
            Some(Const::Cycle(items.into()))
        }
        "builtins.dict" => {
            let mut pairs: Vec<(Const<'a>, Const<'a>)> = match args.pos {
                [] => Vec::new(),
                [Some(Const::Dict(items))] => items.to_vec(),
                [Some(Const::Seq(_, items))] => {
                    let mut pairs = Vec::with_capacity(items.len());
                    for item in items.iter() {
                        match item {
                            Const::Seq(_, kv) if kv.len() == 2 => {
                                pairs.push((kv[0].clone(), kv[1].clone()));
                            }
                            _ => return None,
                        }
                    }
                    pairs
                }
                _ => return None,
            };
            for (k, v) in args.kw {
                pairs.push((Const::Str(Text::Owned((*k).to_string())), (*v)?.clone()));
            }
            budget.take_opt(pairs.len())?;
            dict(pairs)
        }
        "builtins.format" => {
            let spec = match args.get(1, "format_spec") {
                None => "",
                Some(spec) => spec?.as_str()?,
            };
            let out = crate::format::format_value(args.val(0, "value")?, spec)?;
            budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
        }
        "builtins.str.maketrans" => str_maketrans(args.pos, budget),
        "builtins.bytes.maketrans" | "builtins.bytearray.maketrans" => {
            let (Const::Bytes(from), Const::Bytes(to)) = (args.val(0, "frm")?, args.val(1, "to")?)
            else {
                return None;
            };
            bytes_maketrans(from.as_bytes(), to.as_bytes())
        }
        "urllib.parse.urljoin" => {
            let base = args.val(0, "base")?.as_str()?;
            let url = args.val(1, "url")?.as_str()?;
            let allow = args.val(2, "allow_fragments").is_none_or(|a| a.as_int() != Some(0));
            let out = crate::urls::urljoin(base, url, allow)?;
            budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
        }
        "urllib.parse.urlunsplit" | "urllib.parse.urlunparse" => {
            let Const::Seq(_, parts) = args.val(0, "components")? else { return None };
            let parts: Vec<&str> = parts.iter().map(Const::as_str).collect::<Option<_>>()?;
            let out = if func == "urllib.parse.urlunsplit" {
                let [scheme, netloc, path, query, fragment] = parts.as_slice() else {
                    return None;
                };
                crate::urls::urlunsplit(scheme, netloc, path, query, fragment)
            } else {
                let [scheme, netloc, path, params, query, fragment] = parts.as_slice() else {
                    return None;
                };
                crate::urls::urlunparse(scheme, netloc, path, params, query, fragment)
            };
            budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
        }
        "socket.inet_ntoa" => {
            let Const::Bytes(b) = args.val(0, "packed_ip")? else { return None };
            let [a, b, c, d] = b.as_bytes() else { return None };
            Some(Const::Str(Text::Owned(format!("{a}.{b}.{c}.{d}"))))
        }
        "struct.pack" => {
            let fmt = match args.val(0, "format")? {
                Const::Str(t) => t.as_str().to_string(),
                Const::Bytes(b) => String::from_utf8(b.as_bytes().to_vec()).ok()?,
                _ => return None,
            };
            let values: Vec<&Const<'a>> =
                args.pos.get(1..)?.iter().copied().collect::<Option<_>>()?;
            let out = struct_pack(&fmt, &values)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "ipaddress.ip_address" | "ipaddress.IPv4Address" if args.count() == 1 => {
            let dotted = match args.val(0, "address")? {
                Const::Int(n) => {
                    let [a, b, c, d] = u32::try_from(*n).ok()?.to_be_bytes();
                    format!("{a}.{b}.{c}.{d}")
                }
                Const::Bytes(b) => {
                    let [a, b, c, d] = b.as_bytes() else { return None };
                    format!("{a}.{b}.{c}.{d}")
                }
                Const::Str(t) if is_dotted_quad(t.as_str()) => t.as_str().to_string(),
                _ => return None,
            };
            Some(Const::Str(Text::Owned(dotted)))
        }
        _ => None,
    }
}

/// The items a `for` over a constant takes: a sequence's items, a string's characters, the
/// integers of bytes, a dict's keys.
pub(crate) fn iterate<'a>(value: &Const<'a>) -> Option<Vec<Const<'a>>> {
    let n = match value {
        Const::Seq(_, items) => items.len(),
        Const::Str(t) => t.as_str().chars().count(),
        Const::Bytes(b) => b.as_bytes().len(),
        Const::Dict(items) => items.len(),
        _ => return None,
    };
    if n > MAX_SEQ_LEN {
        return None;
    }
    let out: Vec<Const<'a>> = match value {
        Const::Seq(_, items) => items.to_vec(),
        Const::Str(t) => {
            t.as_str().chars().map(|c| Const::Str(Text::Owned(c.to_string()))).collect()
        }
        Const::Bytes(b) => b.as_bytes().iter().map(|x| Const::Int(i64::from(*x))).collect(),
        Const::Dict(items) => items.iter().map(|(k, _)| k.clone()).collect(),
        _ => return None,
    };
    Some(out)
}

/// Python's `<` between two constants of a kind that orders (strings, bytes, numbers,
/// tuples and lists item by item); `None` where Python raises `TypeError`.
fn py_cmp(a: &Const<'_>, b: &Const<'_>) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (a, b) {
        (Const::Str(x), Const::Str(y)) => Some(x.as_str().cmp(y.as_str())),
        (Const::Bytes(x), Const::Bytes(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Const::Seq(ka, x), Const::Seq(kb, y)) if ka == kb => {
            for (p, q) in x.iter().zip(y.iter()) {
                if !p.key_eq(q)? {
                    return py_cmp(p, q);
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        (Const::Int(_) | Const::Bool(_), Const::Int(_) | Const::Bool(_)) => {
            Some(a.as_int()?.cmp(&b.as_int()?))
        }
        (
            Const::Float(_) | Const::Int(_) | Const::Bool(_),
            Const::Float(_) | Const::Int(_) | Const::Bool(_),
        ) => {
            #[expect(clippy::cast_precision_loss, reason = "a float compared with an int")]
            let f = |c: &Const<'_>| match c {
                Const::Float(f) => *f,
                other => other.as_int().map_or(f64::NAN, |i| i as f64),
            };
            f(a).partial_cmp(&f(b)).or(Some(Ordering::Equal))
        }
        _ => None,
    }
}

/// `list.sort()`: stable, every pair comparable, `reverse` keeping equal items in order.
fn sort(items: &mut [Const<'_>], reverse: bool) -> Option<()> {
    let first = items.first()?.clone();
    // Items Python can order among each other (all one kind); checked once against the first.
    for item in items.iter() {
        py_cmp(&first, item)?;
    }
    if reverse {
        items.sort_by(|a, b| py_cmp(b, a).unwrap_or(std::cmp::Ordering::Equal));
    } else {
        items.sort_by(|a, b| py_cmp(a, b).unwrap_or(std::cmp::Ordering::Equal));
    }
    Some(())
}

/// A dict of these pairs in order, a repeated key keeping its first place and its last
/// value; `None` when a key is not hashable or there are too many.
pub(crate) fn dict<'a>(pairs: Vec<(Const<'a>, Const<'a>)>) -> Option<Const<'a>> {
    if pairs.len() > MAX_SEQ_LEN {
        return None;
    }
    let mut out: Vec<(Const<'a>, Const<'a>)> = Vec::with_capacity(pairs.len());
    // A few keys are compared with each other; more are hashed first.
    if pairs.len() <= 16 {
        for (k, v) in pairs {
            if !k.hashable() || matches!(k, Const::Float(f) if f.is_nan()) {
                return None;
            }
            let mut found = None;
            for (i, (seen, _)) in out.iter().enumerate() {
                if seen.key_eq(&k)? {
                    found = Some(i);
                    break;
                }
            }
            match found {
                Some(i) => out[i].1 = v,
                None => out.push((k, v)),
            }
        }
        return Some(Const::Dict(out.into()));
    }
    let mut seen: rustc_hash::FxHashMap<u64, SmallVec<[usize; 1]>> =
        rustc_hash::FxHashMap::default();
    for (k, v) in pairs {
        let h = key_hash(&k)?;
        let bucket = seen.entry(h).or_default();
        let mut found = None;
        for &i in bucket.iter() {
            if out[i].0.key_eq(&k)? {
                found = Some(i);
                break;
            }
        }
        match found {
            Some(i) => out[i].1 = v,
            None => {
                bucket.push(out.len());
                out.push((k, v));
            }
        }
    }
    Some(Const::Dict(out.into()))
}

/// A hash of a dict key under which keys Python finds equal (`1`, `1.0`, `True`) meet;
/// `None` for an unhashable key (or a NaN).
fn key_hash(key: &Const<'_>) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut h = rustc_hash::FxHasher::default();
    fn feed(c: &Const<'_>, h: &mut rustc_hash::FxHasher) -> Option<()> {
        match c {
            Const::Str(t) => (0u8, t.as_str()).hash(h),
            Const::Bytes(b) => (1u8, b.as_bytes()).hash(h),
            Const::Int(i) => (2u8, *i).hash(h),
            Const::Bool(b) => (2u8, i64::from(*b)).hash(h),
            Const::Float(f) => {
                if f.is_nan() {
                    return None;
                }
                #[expect(clippy::cast_possible_truncation, reason = "checked integral first")]
                if f.fract() == 0.0 && f.abs() < 9.0e18 {
                    (2u8, *f as i64).hash(h);
                } else {
                    (3u8, f.to_bits()).hash(h);
                }
            }
            Const::None => 4u8.hash(h),
            Const::Seq(SeqKind::Tuple, items) => {
                (5u8, items.len()).hash(h);
                for item in items.iter() {
                    feed(item, h)?;
                }
            }
            _ => return None,
        }
        Some(())
    }
    feed(key, &mut h)?;
    Some(h.finish())
}

/// `int(text, base)` as Python parses it: surrounding whitespace, a sign, a prefix for the
/// base (`0x` under 16 or 0), single underscores between digits; base 0 reads the prefix and
/// refuses a decimal with a leading zero. ASCII digits only; `None` past 64 bits.
pub(crate) fn parse_int(text: &str, base: i64) -> Option<i64> {
    if base != 0 && !(2..=36).contains(&base) {
        return None;
    }
    let t = text.trim();
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.get(..2).map(str::to_ascii_lowercase);
    let prefixed = match lower.as_deref() {
        Some("0x") => Some(16),
        Some("0o") => Some(8),
        Some("0b") => Some(2),
        _ => None,
    };
    let (base, digits, after_prefix) = match (base, prefixed) {
        (0, Some(b)) => (b, &t[2..], true),
        (0, None) => {
            // `int("010", 0)` is an error; zeros alone are fine.
            if t.len() > 1 && t.starts_with('0') && t.bytes().any(|b| b != b'0' && b != b'_') {
                return None;
            }
            (10, t, false)
        }
        (b, Some(p)) if b == p => (b, &t[2..], true),
        (b, _) => (b, t, false),
    };
    let radix = u32::try_from(base).ok()?;
    let mut value: i64 = 0;
    // An underscore goes between two digits, or right after a prefix (`0x_ff`).
    let mut after_digit = false;
    let mut underscore_ok = after_prefix;
    for c in digits.chars() {
        if c == '_' {
            if !(after_digit || underscore_ok) {
                return None;
            }
            after_digit = false;
            underscore_ok = false;
            continue;
        }
        let d = c.to_digit(radix)?;
        value = value.checked_mul(base)?.checked_add(i64::from(d))?;
        after_digit = true;
        underscore_ok = false;
    }
    if !after_digit {
        return None;
    }
    Some(if negative { -value } else { value })
}

/// A `byteorder` argument: `"big"` is true, `"little"` false.
fn byte_order(order: &Const<'_>) -> Option<bool> {
    match order.as_str()? {
        "big" => Some(true),
        "little" => Some(false),
        _ => None,
    }
}

/// `int(text, base)` of digits past 64 bits (see [`crate::bigint`]).
#[cold]
fn parse_big<'a>(text: &str, base: i64, budget: &mut Budget) -> Option<Const<'a>> {
    // Past 19 digits only: a shorter string that did not parse is not an integer.
    if text.len() < 19 || !budget.take(text.len()) {
        return None;
    }
    Some(Const::Big(Rc::new(crate::bigint::BigInt::parse(text, base)?)))
}

fn int_from_bytes(b: &[u8], big: bool, signed: bool) -> Option<i64> {
    if b.len() > 8 || (b.len() == 8 && !signed && b[if big { 0 } else { 7 }] >= 0x80) {
        return None;
    }
    let mut v: u64 = 0;
    let ordered: Vec<u8> = if big { b.to_vec() } else { b.iter().rev().copied().collect() };
    for &x in &ordered {
        v = v << 8 | u64::from(x);
    }
    if signed && !b.is_empty() && ordered[0] >= 0x80 {
        let bits = 8 * b.len();
        if bits < 64 {
            v |= !0u64 << bits;
        }
    }
    #[expect(clippy::cast_possible_wrap, reason = "two's complement, as asked by `signed`")]
    Some(v as i64)
}

/// `n.to_bytes(length, byteorder, signed=...)`.
fn int_to_bytes(n: i64, length: usize, big: bool, signed: bool) -> Option<Vec<u8>> {
    if length > MAX_CONST_LEN || (n < 0 && !signed) {
        return None;
    }
    // Fits in `length` bytes (two's complement when signed)?
    let bits = length.saturating_mul(8);
    if bits < 64 {
        let fits = if signed {
            let half = 1i64 << (bits.max(1) - 1);
            length > 0 && (-half..half).contains(&n)
        } else {
            n < (1i64 << bits)
        };
        if !(fits || length == 0 && n == 0) {
            return None;
        }
    }
    let mut out = vec![if n < 0 { 0xff } else { 0 }; length];
    let bytes = n.to_le_bytes();
    for (i, slot) in out.iter_mut().enumerate().take(8) {
        *slot = bytes[i];
    }
    if big {
        out.reverse();
    }
    Some(out)
}

/// `str.maketrans(x)`, `str.maketrans(x, y)` and `str.maketrans(x, y, z)`: the translation
/// dict from code points to code points (or `None`, to delete).
fn str_maketrans<'a>(pos: &[Option<&Const<'a>>], budget: &mut Budget) -> Option<Const<'a>> {
    let mut pairs: Vec<(Const<'a>, Const<'a>)> = Vec::new();
    match pos {
        [Some(Const::Dict(items))] => {
            for (k, v) in items.iter() {
                let key = match k {
                    Const::Int(i) => Const::Int(*i),
                    Const::Str(t) => {
                        let mut cs = t.as_str().chars();
                        let (Some(c), None) = (cs.next(), cs.next()) else { return None };
                        Const::Int(i64::from(u32::from(c)))
                    }
                    _ => return None,
                };
                if !matches!(v, Const::Int(_) | Const::Str(_) | Const::None) {
                    return None;
                }
                pairs.push((key, v.clone()));
            }
        }
        [Some(x), Some(y), rest @ ..] if rest.len() <= 1 => {
            let (x, y) = (x.as_str()?, y.as_str()?);
            if x.chars().count() != y.chars().count() {
                return None;
            }
            for (a, b) in x.chars().zip(y.chars()) {
                pairs.push((
                    Const::Int(i64::from(u32::from(a))),
                    Const::Int(i64::from(u32::from(b))),
                ));
            }
            if let [Some(z)] = rest {
                for c in z.as_str()?.chars() {
                    pairs.push((Const::Int(i64::from(u32::from(c))), Const::None));
                }
            } else if !rest.is_empty() {
                return None;
            }
        }
        _ => return None,
    }
    budget.take_opt(pairs.len())?;
    dict(pairs)
}

/// `bytes.maketrans(from, to)`: the 256-byte table.
fn bytes_maketrans<'a>(from: &[u8], to: &[u8]) -> Option<Const<'a>> {
    if from.len() != to.len() {
        return None;
    }
    let mut table: Vec<u8> = (0..=255u8).collect();
    for (&a, &b) in from.iter().zip(to) {
        table[usize::from(a)] = b;
    }
    Some(Const::Bytes(Bin::Owned(table)))
}

/// `s.translate(table)` with a dict table (code point to code point, string or `None`).
fn translate_str(s: &str, table: &[(Const<'_>, Const<'_>)]) -> Option<String> {
    let mut map: rustc_hash::FxHashMap<u32, Option<String>> = rustc_hash::FxHashMap::default();
    for (k, v) in table {
        let Const::Int(k) = k else { continue };
        let Ok(k) = u32::try_from(*k) else { continue };
        let to = match v {
            Const::Int(i) => Some(char::from_u32(u32::try_from(*i).ok()?)?.to_string()),
            Const::Str(t) => Some(t.as_str().to_string()),
            Const::None => None,
            _ => return None,
        };
        map.insert(k, to);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match map.get(&u32::from(c)) {
            Some(Some(to)) => out.push_str(to),
            Some(None) => {}
            None => out.push(c),
        }
        if out.len() > MAX_CONST_LEN {
            return None;
        }
    }
    Some(out)
}

/// Whether `s` is an IPv4 address as `ipaddress` accepts it: four decimal numbers up to 255,
/// without leading zeros.
fn is_dotted_quad(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|v| v <= 255)
        })
}

/// `struct.pack(fmt, *values)` for the standard sizes (`<`, `>`, `!`, `=`; with `@` or no
/// prefix only formats of single bytes, whose layout does not depend on the platform): the
/// integer codes `b B ? h H i I l L q Q`, pad bytes `x`, `c` and `s`.
fn struct_pack(fmt: &str, values: &[&Const<'_>]) -> Option<Vec<u8>> {
    let mut chars = fmt.chars().peekable();
    let (big, native) = match chars.peek() {
        Some('<') => (false, false),
        Some('>' | '!') => (true, false),
        Some('=') => (false, false),
        Some('@') => (false, true),
        _ => (false, true),
    };
    if matches!(chars.peek(), Some('<' | '>' | '!' | '=' | '@')) {
        chars.next();
    }
    let mut out = Vec::new();
    let mut next = values.iter();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut n: Option<usize> = None;
        let mut code = c;
        while let Some(d) = code.to_digit(10) {
            let v = n.unwrap_or(0).checked_mul(10)?.checked_add(d as usize)?;
            if v > MAX_CONST_LEN {
                return None;
            }
            n = Some(v);
            code = chars.next()?;
        }
        let repeat = n.unwrap_or(1);
        let size = match code {
            'x' | 'c' | 'b' | 'B' | '?' | 's' => 1,
            'h' | 'H' => 2,
            'i' | 'I' | 'l' | 'L' => 4,
            'q' | 'Q' => 8,
            _ => return None,
        };
        if native && size > 1 {
            return None;
        }
        if code == 's' {
            let Const::Bytes(b) = next.next()? else { return None };
            let mut field = b.as_bytes().to_vec();
            field.resize(repeat, 0);
            out.extend_from_slice(&field);
            continue;
        }
        for _ in 0..repeat {
            match code {
                'x' => out.push(0),
                'c' => {
                    let Const::Bytes(b) = next.next()? else { return None };
                    let [byte] = b.as_bytes() else { return None };
                    out.push(*byte);
                }
                '?' => out.push(u8::from(next.next()?.as_int()? != 0)),
                _ => {
                    let v = match next.next()? {
                        Const::Int(i) => *i,
                        Const::Bool(b) => i64::from(*b),
                        _ => return None,
                    };
                    let signed = code.is_ascii_lowercase();
                    out.extend(int_to_bytes(v, size, big, signed)?);
                }
            }
            if out.len() > MAX_CONST_LEN {
                return None;
            }
        }
    }
    next.next().is_none().then_some(out)
}

/// The list or dict `recv` becomes once `recv.method(*args)` changed it in place (`append`,
/// `extend`, `insert`, `reverse`, `sort`, `clear`; `update`, `setdefault`); `None` for a
/// change not followed (arguments not folded, `pop`, `remove`, a `key=` to sort by).
pub(crate) fn mutate<'a>(
    recv: &Const<'a>,
    method: &str,
    args: &CallArgs<'_, 'a>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    // Charged before the copy: a change costs the size of what it copies.
    let size = match recv {
        Const::Seq(_, items) => items.len(),
        Const::Dict(entries) => entries.len(),
        _ => return None,
    };
    budget.take_opt(size + 1)?;
    match recv {
        Const::Seq(SeqKind::List, items) => {
            let mut items = items.to_vec();
            match (method, args.pos, args.kw.is_empty()) {
                ("append", [Some(x)], true) => items.push((*x).clone()),
                ("extend", [Some(x)], true) => items.extend(iterate(x)?),
                ("insert", [Some(at), Some(x)], true) => {
                    let len = i64::try_from(items.len()).ok()?;
                    let at = at.as_int()?;
                    let at = if at < 0 { (at + len).max(0) } else { at.min(len) };
                    items.insert(usize::try_from(at).ok()?, (*x).clone());
                }
                ("reverse", [], true) => items.reverse(),
                ("sort", [], _) => {
                    let reverse = match args.kw {
                        [] => false,
                        [("reverse", Some(r))] => r.as_int()? != 0,
                        _ => return None,
                    };
                    if !items.is_empty() {
                        sort(&mut items, reverse)?;
                    }
                }
                ("clear", [], true) => items.clear(),
                _ => return None,
            }
            (items.len() <= MAX_SEQ_LEN).then(|| seq(SeqKind::List, items))
        }
        Const::Dict(entries) => {
            let mut pairs = entries.to_vec();
            match (method, args.pos) {
                ("update", [] | [Some(Const::Dict(_))]) => {
                    if let [Some(Const::Dict(more))] = args.pos {
                        pairs.extend(more.iter().cloned());
                    }
                    for (k, v) in args.kw {
                        pairs.push((Const::Str(Text::Owned((*k).to_string())), (*v)?.clone()));
                    }
                }
                ("setdefault", [Some(k)] | [Some(k), Some(_)]) if args.kw.is_empty() => {
                    if crate::format::dict_lookup(entries, k).is_none() {
                        let v = args.pos.get(1).copied().flatten().cloned().unwrap_or(Const::None);
                        pairs.push(((*k).clone(), v));
                    }
                }
                ("clear", []) if args.kw.is_empty() => pairs.clear(),
                _ => return None,
            }
            dict(pairs)
        }
        _ => None,
    }
}

/// `container[key] = value` (`value` given) or `del container[key]` on a list or dict: what
/// it becomes; `None` where Python raises (an index out of range, a missing key).
pub(crate) fn store_item<'a>(
    container: &Const<'a>,
    key: &Const<'a>,
    value: Option<&Const<'a>>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    let size = match container {
        Const::Seq(_, items) => items.len(),
        Const::Dict(entries) => entries.len(),
        _ => return None,
    };
    budget.take_opt(size + 1)?;
    match container {
        Const::Seq(SeqKind::List, items) => {
            let at = norm_index(key.as_int()?, items.len())?;
            let mut items = items.to_vec();
            match value {
                Some(v) => items[at] = v.clone(),
                None => {
                    items.remove(at);
                }
            }
            Some(seq(SeqKind::List, items))
        }
        Const::Dict(entries) => {
            let mut pairs = entries.to_vec();
            match value {
                Some(v) => pairs.push((key.clone(), v.clone())),
                None => {
                    crate::format::dict_lookup(entries, key)?;
                    let mut out = Vec::with_capacity(pairs.len());
                    for (k, v) in pairs {
                        if !k.key_eq(key)? {
                            out.push((k, v));
                        }
                    }
                    pairs = out;
                }
            }
            dict(pairs)
        }
        _ => None,
    }
}

/// `map(chr, ints)`: the characters, as a list.
pub(crate) fn map_chr<'a>(items: &Const<'a>) -> Option<Const<'a>> {
    let Const::Seq(_, items) = items else { return None };
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter() {
        let c = char::from_u32(u32::try_from(item.as_int()?).ok()?)?;
        out.push(Const::Str(Text::Owned(c.to_string())));
    }
    Some(Const::Seq(SeqKind::List, out.into()))
}

/// Folds a method call on a constant receiver (`"".join(...)`, `b"..".decode()`...).
pub(crate) fn method<'a>(
    recv: &Const<'a>,
    name: &str,
    args: &CallArgs<'_, 'a>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    if args.starred() {
        return None;
    }
    match recv {
        Const::Str(t) => str_method(t.as_str(), name, args, budget),
        Const::Bytes(b) => bytes_method(b.as_bytes(), name, args, budget),
        Const::Int(_) | Const::Big(_) => match name {
            // `n.to_bytes(length=1, byteorder="big", *, signed=False)`.
            "to_bytes" => {
                let length = match args.get(0, "length") {
                    None => 1,
                    Some(l) => usize::try_from(l?.as_int()?).ok()?,
                };
                let big = match args.get(1, "byteorder") {
                    None => true,
                    Some(order) => byte_order(order?)?,
                };
                let signed = match args.kw.iter().find(|(k, _)| *k == "signed") {
                    None => false,
                    Some((_, v)) => (*v)?.as_int()? != 0,
                };
                let out = match recv {
                    Const::Int(n) => int_to_bytes(*n, length, big, signed)?,
                    Const::Big(n) => {
                        budget.take_conversion(n)?;
                        n.to_bytes(length, big, signed)?
                    }
                    _ => return None,
                };
                budget.take_opt(out.len())?;
                Some(Const::Bytes(Bin::Owned(out)))
            }
            // `n.bit_length()`, for `n.to_bytes((n.bit_length() + 7) // 8, "big")`.
            "bit_length" if args.pos.is_empty() && args.kw.is_empty() => {
                let bits = match recv {
                    Const::Int(n) => u64::from(64 - n.unsigned_abs().leading_zeros()),
                    Const::Big(n) => {
                        budget.take_conversion(n)?;
                        n.bit_length()?
                    }
                    _ => return None,
                };
                Some(Const::Int(i64::try_from(bits).ok()?))
            }
            _ => None,
        },
        Const::Dict(items) => match (name, args.pos) {
            ("get", [Some(key)] | [Some(key), _]) if args.kw.is_empty() => {
                match crate::format::dict_lookup(items, key) {
                    Some(v) => Some(v.clone()),
                    None if items.iter().all(|(k, _)| k.key_eq(key).is_some()) => {
                        args.pos.get(1).map_or(Some(Const::None), |d| d.cloned())
                    }
                    None => None,
                }
            }
            ("keys" | "values" | "items" | "copy", []) if args.kw.is_empty() => {
                budget.take_opt(items.len())?;
                Some(match name {
                    "keys" => seq(SeqKind::List, items.iter().map(|(k, _)| k.clone()).collect()),
                    "values" => seq(SeqKind::List, items.iter().map(|(_, v)| v.clone()).collect()),
                    "items" => seq(
                        SeqKind::List,
                        items
                            .iter()
                            .map(|(k, v)| seq(SeqKind::Tuple, vec![k.clone(), v.clone()]))
                            .collect(),
                    ),
                    _ => Const::Dict(items.clone()),
                })
            }
            _ => None,
        },
        _ => None,
    }
}

fn str_method<'a>(
    s: &str,
    name: &str,
    args: &CallArgs<'_, 'a>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    let owned = |out: String, budget: &mut Budget| {
        budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
    };
    match name {
        "join" => {
            let parts = args.val(0, "iterable")?;
            let mut out = String::new();
            let mut push = |part: &str, first: bool| {
                if !first {
                    out.push_str(s);
                }
                out.push_str(part);
                out.len() <= MAX_CONST_LEN
            };
            match parts {
                Const::Seq(_, items) => {
                    for (i, item) in items.iter().enumerate() {
                        if !push(item.as_str()?, i == 0) {
                            return None;
                        }
                    }
                }
                Const::Str(t) => {
                    let mut buf = [0u8; 4];
                    for (i, c) in t.as_str().chars().enumerate() {
                        if !push(c.encode_utf8(&mut buf), i == 0) {
                            return None;
                        }
                    }
                }
                // A dict is iterated by its keys.
                Const::Dict(items) => {
                    for (i, (k, _)) in items.iter().enumerate() {
                        if !push(k.as_str()?, i == 0) {
                            return None;
                        }
                    }
                }
                _ => return None,
            }
            owned(out, budget)
        }
        "translate" if args.count() == 1 => {
            let Const::Dict(table) = args.val(0, "table")? else { return None };
            owned(translate_str(s, table)?, budget)
        }
        "maketrans" => str_maketrans(args.pos, budget),
        "format" => {
            let named =
                |name: &str| args.kw.iter().find(|(k, _)| *k == name).map(|(_, v)| v.cloned());
            format(s, args.pos, &named, budget)
        }
        "format_map" if args.count() == 1 => {
            let Const::Dict(items) = args.val(0, "mapping")? else { return None };
            let named = |name: &str| {
                let key = Const::Str(Text::Owned(name.to_string()));
                Some(crate::format::dict_lookup(items, &key).cloned())
            };
            format(s, &[], &named, budget)
        }
        "encode" => {
            let enc = args.val(0, "encoding").map_or(Some("utf-8"), Const::as_str)?;
            encode(s, enc, budget)
        }
        "replace" => {
            let (old, new) = (args.val(0, "old")?.as_str()?, args.val(1, "new")?.as_str()?);
            let limit = match (args.count(), args.val(2, "count")) {
                (2, _) => usize::MAX,
                (3, Some(c)) => usize::try_from(c.as_int()?).unwrap_or(usize::MAX),
                _ => return None,
            };
            // Bound the result before building it: `"".replace("", big)` inserts `big` between
            // every two characters.
            let occurrences =
                if old.is_empty() { s.chars().count() + 1 } else { s.matches(old).count() };
            let n = occurrences.min(limit);
            let size = (s.len() - n * old.len()).checked_add(n.checked_mul(new.len())?)?;
            if size > MAX_CONST_LEN {
                return None;
            }
            owned(s.replacen(old, new, n), budget)
        }
        "upper" => owned(s.to_uppercase(), budget),
        "lower" => owned(s.to_lowercase(), budget),
        "swapcase" => owned(
            s.chars()
                .flat_map(|c| {
                    let v: Vec<char> = if c.is_uppercase() {
                        c.to_lowercase().collect()
                    } else {
                        c.to_uppercase().collect()
                    };
                    v
                })
                .collect(),
            budget,
        ),
        "strip" | "lstrip" | "rstrip" => {
            let chars: Option<&str> = match (args.count(), args.val(0, "chars")) {
                (0, _) | (1, Some(Const::None)) => None,
                (1, Some(Const::Str(c))) => Some(c.as_str()),
                _ => return None,
            };
            let pred = |c: char| chars.map_or(c.is_whitespace(), |set| set.contains(c));
            let out = match name {
                "strip" => s.trim_matches(pred),
                "lstrip" => s.trim_start_matches(pred),
                _ => s.trim_end_matches(pred),
            };
            owned(out.to_string(), budget)
        }
        "removeprefix" => {
            let p = args.val(0, "prefix")?.as_str()?;
            owned(s.strip_prefix(p).unwrap_or(s).to_string(), budget)
        }
        "removesuffix" => {
            let p = args.val(0, "suffix")?.as_str()?;
            owned(s.strip_suffix(p).unwrap_or(s).to_string(), budget)
        }
        "split" => {
            let parts: Vec<Const<'a>> = match args.val(0, "sep") {
                None if args.count() == 0 => {
                    s.split_whitespace().map(|p| Const::Str(Text::Owned(p.to_string()))).collect()
                }
                Some(Const::Str(sep)) if args.count() == 1 && !sep.as_str().is_empty() => {
                    s.split(sep.as_str()).map(|p| Const::Str(Text::Owned(p.to_string()))).collect()
                }
                _ => return None,
            };
            if parts.len() > MAX_SEQ_LEN || !budget.take(s.len()) {
                return None;
            }
            Some(Const::Seq(SeqKind::List, parts.into()))
        }
        _ => None,
    }
}

fn bytes_method<'a>(
    b: &[u8],
    name: &str,
    args: &CallArgs<'_, 'a>,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    match name {
        "decode" => {
            let enc = args.val(0, "encoding").map_or(Some("utf-8"), Const::as_str)?;
            decode(b, enc, budget)
        }
        "translate" => {
            let delete: &[u8] = match args.get(1, "delete") {
                None => &[],
                Some(Some(Const::Bytes(d))) => d.as_bytes(),
                Some(_) => return None,
            };
            let table: Option<&[u8]> = match args.val(0, "table")? {
                Const::None => None,
                Const::Bytes(t) if t.as_bytes().len() == 256 => Some(t.as_bytes()),
                _ => return None,
            };
            let out: Vec<u8> = b
                .iter()
                .filter(|c| !delete.contains(c))
                .map(|&c| table.map_or(c, |t| t[usize::from(c)]))
                .collect();
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "maketrans" => {
            let (Const::Bytes(from), Const::Bytes(to)) = (args.val(0, "frm")?, args.val(1, "to")?)
            else {
                return None;
            };
            bytes_maketrans(from.as_bytes(), to.as_bytes())
        }
        "hex" if args.count() == 0 => {
            let out: String = b.iter().map(|x| format!("{x:02x}")).collect();
            budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
        }
        "join" => {
            let Const::Seq(_, items) = args.val(0, "iterable")? else { return None };
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let Const::Bytes(part) = item else { return None };
                if i > 0 {
                    out.extend_from_slice(b);
                }
                out.extend_from_slice(part.as_bytes());
                if out.len() > MAX_CONST_LEN {
                    return None;
                }
            }
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "replace" => {
            let (Const::Bytes(old), Const::Bytes(new)) = (args.val(0, "old")?, args.val(1, "new")?)
            else {
                return None;
            };
            let (old, new) = (old.as_bytes(), new.as_bytes());
            if old.is_empty()
                || args.count() != 2
                || b.len() / old.len() * new.len() > MAX_CONST_LEN
            {
                return None;
            }
            let mut out = Vec::with_capacity(b.len());
            let mut i = 0;
            while i < b.len() {
                if b[i..].starts_with(old) {
                    out.extend_from_slice(new);
                    i += old.len();
                } else {
                    out.push(b[i]);
                    i += 1;
                }
            }
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "upper" | "lower" => {
            let out = if name == "upper" { b.to_ascii_uppercase() } else { b.to_ascii_lowercase() };
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        "strip" if args.count() == 0 => {
            let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
            let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
            Some(Const::Bytes(Bin::Owned(b[start..end].to_vec())))
        }
        _ => None,
    }
}

/// A codec name the way Python's codec registry normalizes it.
fn codec_name(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

fn decode<'a>(b: &[u8], encoding: &str, budget: &mut Budget) -> Option<Const<'a>> {
    let out = match codec_name(encoding).as_str() {
        "utf_8" | "utf8" | "u8" | "utf" => String::from_utf8(b.to_vec()).ok()?,
        "ascii" | "us_ascii" => {
            if !b.is_ascii() {
                return None;
            }
            String::from_utf8(b.to_vec()).ok()?
        }
        "latin_1" | "latin1" | "iso_8859_1" | "iso8859_1" | "l1" => {
            b.iter().map(|&c| char::from(c)).collect()
        }
        _ => return None,
    };
    budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
}

fn encode<'a>(s: &str, encoding: &str, budget: &mut Budget) -> Option<Const<'a>> {
    let out = match codec_name(encoding).as_str() {
        "utf_8" | "utf8" | "u8" | "utf" => s.as_bytes().to_vec(),
        "ascii" | "us_ascii" => {
            if !s.is_ascii() {
                return None;
            }
            s.as_bytes().to_vec()
        }
        "latin_1" | "latin1" | "iso_8859_1" | "iso8859_1" | "l1" => {
            let mut v = Vec::with_capacity(s.len());
            for c in s.chars() {
                v.push(u8::try_from(u32::from(c)).ok()?);
            }
            v
        }
        _ => return None,
    };
    budget.take_opt(out.len())?;
    Some(Const::Bytes(Bin::Owned(out)))
}

fn codec_op<'a>(
    value: &Const<'a>,
    codec: &str,
    encoding: bool,
    budget: &mut Budget,
) -> Option<Const<'a>> {
    match (codec_name(codec).as_str(), value) {
        ("rot13" | "rot_13", Const::Str(s)) => {
            let out: String = s.as_str().chars().map(rot13).collect();
            budget.take(out.len()).then_some(Const::Str(Text::Owned(out)))
        }
        ("hex" | "hex_codec", v) if !encoding => {
            let out = from_hex(ascii_input(v)?.into_iter(), true)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        ("base64" | "base64_codec" | "base_64", v) if !encoding => {
            let out = b64decode(&ascii_input(v)?)?;
            budget.take_opt(out.len())?;
            Some(Const::Bytes(Bin::Owned(out)))
        }
        (_, Const::Bytes(b)) if !encoding => decode(b.as_bytes(), codec, budget),
        (_, Const::Str(s)) if encoding => encode(s.as_str(), codec, budget),
        _ => None,
    }
}

fn rot13(c: char) -> char {
    match c {
        'a'..='z' => char::from((c as u8 - b'a' + 13) % 26 + b'a'),
        'A'..='Z' => char::from((c as u8 - b'A' + 13) % 26 + b'A'),
        _ => c,
    }
}

/// The ASCII bytes of a str or bytes argument (decoders accept both, str only if ASCII).
fn ascii_input(value: &Const<'_>) -> Option<Vec<u8>> {
    match value {
        Const::Str(s) if s.as_str().is_ascii() => Some(s.as_str().as_bytes().to_vec()),
        Const::Bytes(b) => Some(b.as_bytes().to_vec()),
        _ => None,
    }
}

fn from_hex(digits: impl Iterator<Item = u8>, any_case: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    for d in digits {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'A'..=b'F' => d - b'A' + 10,
            b'a'..=b'f' if any_case => d - b'a' + 10,
            _ => return None,
        };
        match high.take() {
            None => high = Some(v),
            Some(h) => out.push(h << 4 | v),
        }
        if out.len() > MAX_CONST_LEN {
            return None;
        }
    }
    high.is_none().then_some(out)
}

/// `binascii.a2b_base64` in its default, non-strict mode: characters outside the alphabet are
/// skipped, decoding stops once the padding is complete, incomplete input is an error.
pub(crate) fn b64decode(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let (mut quad, mut left, mut pads) = (0u8, 0u8, 0u8);
    for &c in input {
        if c == b'=' {
            pads += 1;
            if quad >= 2 && quad + pads >= 4 {
                return Some(out);
            }
            continue;
        }
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        pads = 0;
        match quad {
            0 => {
                quad = 1;
                left = v;
            }
            1 => {
                quad = 2;
                out.push(left << 2 | v >> 4);
                left = v & 0x0f;
            }
            2 => {
                quad = 3;
                out.push(left << 4 | v >> 2);
                left = v & 0x03;
            }
            _ => {
                quad = 0;
                out.push(left << 6 | v);
                left = 0;
            }
        }
        if out.len() > MAX_CONST_LEN {
            return None;
        }
    }
    (quad == 0).then_some(out)
}

fn b32decode(input: &[u8], casefold: bool) -> Option<Vec<u8>> {
    if !input.len().is_multiple_of(8) || input.len() / 8 * 5 > MAX_CONST_LEN {
        return None;
    }
    let data_len = input.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let pads = input.len() - data_len;
    let keep_last = match pads {
        0 => 5,
        1 => 4,
        3 => 3,
        4 => 2,
        6 => 1,
        _ => return None,
    };
    let mut out = Vec::with_capacity(input.len() / 8 * 5);
    for chunk in input.chunks(8) {
        let mut acc: u64 = 0;
        for &c in chunk {
            let c = if casefold { c.to_ascii_uppercase() } else { c };
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'2'..=b'7' => c - b'2' + 26,
                b'=' => 0,
                _ => return None,
            };
            acc = acc << 5 | u64::from(v);
        }
        out.extend_from_slice(&acc.to_be_bytes()[3..]);
    }
    let cut = 5 - keep_last;
    out.truncate(out.len() - cut);
    Some(out)
}

/// Wraps shared sequence construction so callers need not name `Rc`.
pub(crate) fn seq<'a>(kind: SeqKind, items: Vec<Const<'a>>) -> Const<'a> {
    Const::Seq(kind, Rc::from(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Const<'static> {
        Const::Str(Text::Owned(v.to_string()))
    }

    fn text(c: Option<Const<'_>>) -> String {
        match c {
            Some(Const::Str(t)) => t.as_str().to_string(),
            Some(Const::Bytes(b)) => String::from_utf8_lossy(b.as_bytes()).into_owned(),
            other => panic!("not text: {other:?}"),
        }
    }

    fn budget() -> Budget {
        Budget::for_source(1000)
    }

    fn args<'x, 'a>(pos: &'x [Option<&'x Const<'a>>]) -> CallArgs<'x, 'a> {
        CallArgs::positional(pos)
    }

    #[test]
    fn concatenation_and_repetition() {
        let mut b = budget();
        let (mut l, mut r) = (Some(s("o")), Some(s("s")));
        assert_eq!(text(binop(Operator::Add, &mut l, &mut r, &mut b)), "os");
        assert!(l.is_none(), "operands are taken when the fold succeeds");
        let (mut l, mut r) = (Some(s("ab")), Some(Const::Int(3)));
        assert_eq!(text(binop(Operator::Mult, &mut l, &mut r, &mut b)), "ababab");
        let (mut l, mut r) = (Some(Const::Int(2)), Some(s("x")));
        assert_eq!(text(binop(Operator::Mult, &mut l, &mut r, &mut b)), "xx");
    }

    #[test]
    fn oversized_results_are_refused_and_operands_kept() {
        let mut b = Budget::for_source(10);
        let (mut l, mut r) = (Some(s("x")), Some(Const::Int(1 << 40)));
        assert!(binop(Operator::Mult, &mut l, &mut r, &mut b).is_none());
        let (mut l, mut r) = (Some(s(&"a".repeat(MAX_CONST_LEN))), Some(s("b")));
        assert!(binop(Operator::Add, &mut l, &mut r, &mut b).is_none());
        assert!(l.is_some() && r.is_some());
    }

    #[test]
    fn power_is_never_folded() {
        let mut b = budget();
        let (mut l, mut r) = (Some(Const::Int(10)), Some(Const::Int(10)));
        assert!(binop(Operator::Pow, &mut l, &mut r, &mut b).is_none());
    }

    #[test]
    fn printf_and_format() {
        let mut b = budget();
        let tuple = seq(SeqKind::Tuple, vec![s("o"), s("s")]);
        let (mut l, mut r) = (Some(s("%s%s")), Some(tuple));
        assert_eq!(text(binop(Operator::Mod, &mut l, &mut r, &mut b)), "os");
        let ints = seq(SeqKind::Tuple, vec![Const::Int(111), Const::Int(115)]);
        let (mut l, mut r) = (Some(s("%c%c")), Some(ints));
        assert_eq!(text(binop(Operator::Mod, &mut l, &mut r, &mut b)), "os");
        let (o, x) = (s("o"), s("s"));
        let pos = [Some(&o), Some(&x)];
        assert_eq!(text(method(&s("{}{}"), "format", &args(&pos), &mut b)), "os");
        assert_eq!(text(method(&s("{1}{0}"), "format", &args(&pos), &mut b)), "so");
        let kw = [("a", Some(&o))];
        let call = CallArgs {
            pos: &[],
            kw: &kw,
            star_at: None,
            double_star: false,
            spread: None,
            pos_refs: &[],
            kw_refs: &[],
            nodes: None,
            spelled: None,
            nodes_in_file: false,
        };
        assert_eq!(text(method(&s("{a}{{x}}"), "format", &call, &mut b)), "o{x}");
        assert_eq!(text(method(&s("{:>3}"), "format", &args(&pos), &mut b)), "  o");
    }

    #[test]
    fn join_reverse_slices() {
        let mut b = budget();
        let parts = seq(SeqKind::List, vec![s("o"), s("s")]);
        let pos = [Some(&parts)];
        assert_eq!(text(method(&s(""), "join", &args(&pos), &mut b)), "os");
        assert_eq!(text(method(&s("."), "join", &args(&pos), &mut b)), "o.s");
        assert_eq!(text(slice(&s("metsys"), None, None, Some(-1), &mut b)), "system");
        assert_eq!(text(slice(&s("xsystemx"), Some(1), Some(-1), None, &mut b)), "system");
        assert_eq!(text(slice(&s("sxyxsxtxexm"), None, None, Some(2), &mut b)), "system");
        assert_eq!(text(index(&s("abc"), -1)), "c");
        let rev = call("builtins.reversed", &args(&[Some(&s("so"))]), &mut b).unwrap();
        assert_eq!(text(method(&s(""), "join", &args(&[Some(&rev)]), &mut b)), "os");
    }

    #[test]
    fn chr_lists_and_bytes() {
        let mut b = budget();
        let i = Const::Int(101);
        assert_eq!(text(call("builtins.chr", &args(&[Some(&i)]), &mut b)), "e");
        let ints = seq(SeqKind::List, vec![Const::Int(111), Const::Int(115)]);
        let chars = map_chr(&ints).unwrap();
        assert_eq!(text(method(&s(""), "join", &args(&[Some(&chars)]), &mut b)), "os");
        assert_eq!(text(call("builtins.bytes", &args(&[Some(&ints)]), &mut b)), "os");
        let hex = s("6f 73");
        assert_eq!(text(call("builtins.bytes.fromhex", &args(&[Some(&hex)]), &mut b)), "os");
        let raw = Const::Bytes(Bin::Owned(b"os".to_vec()));
        assert_eq!(text(method(&raw, "decode", &args(&[]), &mut b)), "os");
        assert!(matches!(method(&s("os"), "encode", &args(&[]), &mut b), Some(Const::Bytes(_))));
    }

    #[test]
    fn base64_family() {
        let mut b = budget();
        let enc = s("aW1wb3J0IG9z");
        assert_eq!(text(call("base64.b64decode", &args(&[Some(&enc)]), &mut b)), "import os");
        let spaced = s("aW1w b3J0\nIG9z");
        assert_eq!(text(call("base64.b64decode", &args(&[Some(&spaced)]), &mut b)), "import os");
        let bad = s("aW1wb3J0IG9");
        assert!(call("base64.b64decode", &args(&[Some(&bad)]), &mut b).is_none());
        let padded = s("aGk=trailing");
        assert_eq!(text(call("base64.b64decode", &args(&[Some(&padded)]), &mut b)), "hi");
        let url = s("Pz8-");
        assert_eq!(text(call("base64.urlsafe_b64decode", &args(&[Some(&url)]), &mut b)), "??>");
        let b32 = s("N5ZQ====");
        assert_eq!(text(call("base64.b32decode", &args(&[Some(&b32)]), &mut b)), "os");
        let b16 = s("6F73");
        assert_eq!(text(call("base64.b16decode", &args(&[Some(&b16)]), &mut b)), "os");
        let lower = s("6f73");
        assert!(call("base64.b16decode", &args(&[Some(&lower)]), &mut b).is_none());
    }

    #[test]
    fn codecs() {
        let mut b = budget();
        let (v, c) = (s("flfgrz"), s("rot13"));
        assert_eq!(text(call("codecs.decode", &args(&[Some(&v), Some(&c)]), &mut b)), "system");
        let (v, c) = (s("6f73"), s("hex"));
        assert_eq!(text(call("codecs.decode", &args(&[Some(&v), Some(&c)]), &mut b)), "os");
        let (v, c) = (s("b3M="), s("base64"));
        assert_eq!(text(call("codecs.decode", &args(&[Some(&v), Some(&c)]), &mut b)), "os");
    }

    #[test]
    fn every_foldable_call_is_listed() {
        let mut b = budget();
        let one = s("aGk=");
        let pos = [Some(&one)];
        let args1 = args(&pos);
        for name in ["builtins.str", "base64.b64decode", "builtins.list", "builtins.tuple"] {
            assert!(FOLDABLE_CALLS.contains(&name));
            assert!(call(name, &args1, &mut b).is_some(), "{name}");
        }
    }

    #[test]
    fn dedent_and_cleandoc_agree_with_cpython() {
        // (input, textwrap.dedent(input), inspect.cleandoc(input)) as CPython 3.11 computes them.
        let cases = [
            (
                "\n    def f():\n        return 1\n    ",
                "\ndef f():\n    return 1\n",
                "def f():\n    return 1",
            ),
            ("  a\n\tb\n", "  a\n\tb\n", "a\nb"),
            ("    x\n\n      y\n   \n    z", "x\n\n  y\n\nz", "x\n\n  y\n\nz"),
            ("no indent\n  y", "no indent\n  y", "no indent\ny"),
            ("\tx\n\ty\n", "x\ny\n", "x\ny"),
            ("", "", ""),
            ("   ", "", ""),
        ];
        for (input, dedented, cleaned) in cases {
            assert_eq!(dedent(input), dedented, "dedent({input:?})");
            assert_eq!(cleandoc(input), cleaned, "cleandoc({input:?})");
        }
    }

    #[test]
    fn replace_is_bounded_before_it_runs() {
        let mut b = Budget::for_source(1 << 20);
        let big = s(&"x".repeat(60_000));
        let (empty, ab) = (s(""), s("ab"));
        assert!(method(&big, "replace", &args(&[Some(&empty), Some(&big)]), &mut b).is_none());
        let (us, e) = (s("_"), s(""));
        assert_eq!(text(method(&s("o_s"), "replace", &args(&[Some(&us), Some(&e)]), &mut b)), "os");
        let one = Const::Int(1);
        let call3 = [Some(&us), Some(&ab), Some(&one)];
        assert_eq!(text(method(&s("a_b_c"), "replace", &args(&call3), &mut b)), "aabb_c");
    }

    #[test]
    fn int_parsing_agrees_with_cpython() {
        let cases: [(&str, i64, Option<i64>); 16] = [
            ("ff", 16, Some(255)),
            ("0xff", 16, Some(255)),
            ("0x_ff", 16, Some(255)),
            ("0b101", 0, Some(5)),
            ("0o17", 0, Some(15)),
            ("017", 0, None),
            ("000", 0, Some(0)),
            ("1_000", 10, Some(1000)),
            ("1__0", 10, None),
            ("_1", 10, None),
            (" -42 ", 10, Some(-42)),
            ("z", 36, Some(35)),
            ("0b1", 16, Some(177)),
            ("1_", 10, None),
            ("", 10, None),
            ("0x", 16, None),
        ];
        for (text, base, want) in cases {
            assert_eq!(parse_int(text, base), want, "int({text:?}, {base})");
        }
    }

    #[test]
    fn packed_addresses() {
        let mut b = budget();
        let hex = |c: Option<Const<'_>>| match c {
            Some(Const::Bytes(x)) => {
                x.as_bytes().iter().map(|v| format!("{v:02x}")).collect::<String>()
            }
            other => panic!("not bytes: {other:?}"),
        };
        let pack = |fmt: &str, vals: Vec<Const<'static>>, b: &mut Budget| {
            let f = s(fmt);
            let mut pos = vec![Some(&f)];
            pos.extend(vals.iter().map(Some));
            call("struct.pack", &args(&pos), b)
        };
        assert_eq!(hex(pack(">I", vec![Const::Int(3_115_541_764)], &mut b)), "b9b36504");
        assert_eq!(hex(pack("<HxB", vec![Const::Int(258), Const::Int(7)], &mut b)), "02010007");
        let ab = Const::Bytes(Bin::Owned(b"ab".to_vec()));
        assert_eq!(hex(pack("!4s", vec![ab], &mut b)), "61620000");
        assert_eq!(hex(pack(">q", vec![Const::Int(-2)], &mut b)), "fffffffffffffffe");
        let four: Vec<Const<'static>> = (1..=4).map(Const::Int).collect();
        assert_eq!(hex(pack("BBBB", four, &mut b)), "01020304");
        assert!(pack("I", vec![Const::Int(1)], &mut b).is_none(), "native sizes are not assumed");
        assert!(pack(">B", vec![Const::Int(256)], &mut b).is_none());
        assert!(pack(">BB", vec![Const::Int(1)], &mut b).is_none());
        let packed = pack(">I", vec![Const::Int(3_115_541_764)], &mut b).unwrap();
        assert_eq!(
            text(call("socket.inet_ntoa", &args(&[Some(&packed)]), &mut b)),
            "185.179.101.4"
        );
        let n = Const::Int(3_115_541_764);
        assert_eq!(text(call("ipaddress.ip_address", &args(&[Some(&n)]), &mut b)), "185.179.101.4");
        let (four, big) = (Const::Int(4), s("big"));
        assert_eq!(
            hex(method(&n, "to_bytes", &args(&[Some(&four), Some(&big)]), &mut b)),
            "b9b36504"
        );
        let bytes = Const::Bytes(Bin::Owned(vec![0xb9, 0xb3, 0x65, 0x04]));
        let from = call("builtins.int.from_bytes", &args(&[Some(&bytes), Some(&big)]), &mut b);
        assert!(matches!(from, Some(Const::Int(3_115_541_764))));
        let bad = s("1.2.3.04");
        assert!(call("ipaddress.ip_address", &args(&[Some(&bad)]), &mut b).is_none());
        let (h, sixteen) = (s("b9b36504"), Const::Int(16));
        assert!(matches!(
            call("builtins.int", &args(&[Some(&h), Some(&sixteen)]), &mut b),
            Some(Const::Int(3_115_541_764))
        ));
    }

    #[test]
    fn decimal_conversions_are_limited_per_file() {
        let mut b = budget();
        let (len, big) = (Const::Int(8400), s("big"));
        let digits = "7".repeat(crate::bigint::MAX_DECIMAL_DIGITS);
        let converted = (0..8)
            .filter(|_| {
                let Some(n) = crate::bigint::BigInt::from_literal(&digits) else { return false };
                let n = Const::Big(Rc::new(n));
                method(&n, "to_bytes", &args(&[Some(&len), Some(&big)]), &mut b).is_some()
            })
            .count();
        assert_eq!(
            converted,
            crate::bigint::MAX_DECIMAL_DIGITS_PER_FILE / crate::bigint::MAX_DECIMAL_DIGITS
        );
        // Hexadecimal digits convert in linear time, from the ordinary budget.
        let hex = crate::bigint::BigInt::from_literal(&format!("0x{}", "f".repeat(64))).unwrap();
        let n = Const::Big(Rc::new(hex));
        let bits = method(&n, "bit_length", &args(&[]), &mut b);
        assert!(matches!(bits, Some(Const::Int(256))));
    }

    #[test]
    fn translation_tables() {
        let mut b = budget();
        let (lower, rotated) = (s("abcdefghijklmnopqrstuvwxyz"), s("nopqrstuvwxyzabcdefghijklm"));
        let table =
            call("builtins.str.maketrans", &args(&[Some(&lower), Some(&rotated)]), &mut b).unwrap();
        let out =
            method(&s("uggcf://ubbxf.fynpx.pbz"), "translate", &args(&[Some(&table)]), &mut b);
        assert_eq!(text(out), "https://hooks.slack.com");
        let (x, y, z) = (s("ab"), s("xy"), s("c"));
        let table =
            call("builtins.str.maketrans", &args(&[Some(&x), Some(&y), Some(&z)]), &mut b).unwrap();
        assert_eq!(text(method(&s("abcd"), "translate", &args(&[Some(&table)]), &mut b)), "xyd");
        let (from, to) =
            (Const::Bytes(Bin::Owned(b"ab".to_vec())), Const::Bytes(Bin::Owned(b"ba".to_vec())));
        let table =
            call("builtins.bytes.maketrans", &args(&[Some(&from), Some(&to)]), &mut b).unwrap();
        let raw = Const::Bytes(Bin::Owned(b"abc".to_vec()));
        assert_eq!(text(method(&raw, "translate", &args(&[Some(&table)]), &mut b)), "bac");
        let odd = s("abc");
        assert!(call("builtins.str.maketrans", &args(&[Some(&odd), Some(&y)]), &mut b).is_none());
    }

    #[test]
    fn iteration_helpers() {
        let mut b = budget();
        let parts = seq(SeqKind::List, vec![s("b"), s("a"), s("c")]);
        let sorted = call("builtins.sorted", &args(&[Some(&parts)]), &mut b).unwrap();
        assert_eq!(text(method(&s(""), "join", &args(&[Some(&sorted)]), &mut b)), "abc");
        let mixed = seq(SeqKind::List, vec![s("b"), Const::Int(1)]);
        assert!(call("builtins.sorted", &args(&[Some(&mixed)]), &mut b).is_none());
        let numbered = call("builtins.enumerate", &args(&[Some(&parts)]), &mut b).unwrap();
        let d = call("builtins.dict", &args(&[Some(&numbered)]), &mut b).unwrap();
        let keys = call("builtins.sorted", &args(&[Some(&d)]), &mut b).unwrap();
        assert!(matches!(&keys, Const::Seq(_, k) if k.len() == 3));
        let one = Const::Int(1);
        assert_eq!(text(method(&d, "get", &args(&[Some(&one)]), &mut b)), "a");
        let data = Const::Bytes(Bin::Owned(vec![1, 2, 3]));
        let key = Const::Bytes(Bin::Owned(vec![9, 8]));
        let cycle = call("itertools.cycle", &args(&[Some(&key)]), &mut b).unwrap();
        let Some(Const::Seq(_, rows)) =
            call("builtins.zip", &args(&[Some(&data), Some(&cycle)]), &mut b)
        else {
            panic!("zip does not fold")
        };
        let last: Vec<i64> = match &rows[2] {
            Const::Seq(_, r) => r.iter().filter_map(Const::as_int).collect(),
            _ => Vec::new(),
        };
        assert_eq!((rows.len(), last), (3, vec![3, 9]));
        assert!(call("builtins.zip", &args(&[Some(&cycle)]), &mut b).is_none());
        // `{1: "x", True: "y", 1.0: "z"}` is `{1: "z"}`.
        let d = dict(vec![
            (Const::Int(1), s("x")),
            (Const::Bool(true), s("y")),
            (Const::Float(1.0), s("z")),
        ])
        .unwrap();
        assert!(
            matches!(&d, Const::Dict(items) if items.len() == 1 && items[0].1.as_str() == Some("z"))
        );
        assert!(dict(vec![(seq(SeqKind::List, vec![]), s("x"))]).is_none());
    }

    #[test]
    fn format_fields_and_maps() {
        let mut b = budget();
        let entries = dict(vec![(s("host"), s("h.example")), (s("n"), Const::Int(255))]).unwrap();
        let out =
            method(&s("https://{host}/{n:x}"), "format_map", &args(&[Some(&entries)]), &mut b);
        assert_eq!(text(out), "https://h.example/ff");
        let (h, n) = (s("h"), Const::Int(7));
        let pos = [Some(&h), Some(&n)];
        assert_eq!(
            text(method(&s("{0:>3}|{1:03d}|{0!r}"), "format", &args(&pos), &mut b)),
            "  h|007|'h'"
        );
        let nested = [Some(&entries)];
        assert_eq!(text(method(&s("{0[host]}"), "format", &args(&nested), &mut b)), "h.example");
        assert!(method(&s("{}{0}"), "format", &args(&pos), &mut b).is_none());
        assert!(method(&s("{:{}}"), "format", &args(&pos), &mut b).is_none());
    }

    #[test]
    fn changes_in_place() {
        let mut b = budget();
        let join = |c: &Const<'static>, b: &mut Budget| {
            text(method(&s("."), "join", &args(&[Some(c)]), b))
        };
        let parts = seq(SeqKind::List, vec![s("b")]);
        let net = s("net");
        let parts = mutate(&parts, "append", &args(&[Some(&net)]), &mut b).unwrap();
        let (zero, a) = (Const::Int(-5), s("a"));
        let parts = mutate(&parts, "insert", &args(&[Some(&zero), Some(&a)]), &mut b).unwrap();
        assert_eq!(join(&parts, &mut b), "a.b.net");
        let more = seq(SeqKind::Tuple, vec![s("x")]);
        let parts = mutate(&parts, "extend", &args(&[Some(&more)]), &mut b).unwrap();
        let parts = mutate(&parts, "reverse", &args(&[]), &mut b).unwrap();
        assert_eq!(join(&parts, &mut b), "x.net.b.a");
        let parts = mutate(&parts, "sort", &args(&[]), &mut b).unwrap();
        assert_eq!(join(&parts, &mut b), "a.b.net.x");
        assert!(mutate(&parts, "pop", &args(&[]), &mut b).is_none(), "pop is not followed");
        let one = Const::Int(1);
        let parts = store_item(&parts, &one, Some(&s("B")), &mut b).unwrap();
        let parts = store_item(&parts, &Const::Int(-1), None, &mut b).unwrap();
        assert_eq!(join(&parts, &mut b), "a.B.net");
        assert!(store_item(&parts, &Const::Int(9), Some(&a), &mut b).is_none(), "IndexError");
        let d = dict(vec![(s("k"), s("v"))]).unwrap();
        let d = store_item(&d, &s("j"), Some(&s("w")), &mut b).unwrap();
        let kw = [("k", Some(&a))];
        let update = CallArgs { kw: &kw, ..CallArgs::positional(&[]) };
        let d = mutate(&d, "update", &update, &mut b).unwrap();
        let d = mutate(&d, "setdefault", &args(&[Some(&s("j")), Some(&s("z"))]), &mut b).unwrap();
        assert_eq!(join(&method(&d, "values", &args(&[]), &mut b).unwrap(), &mut b), "a.w");
        let d = store_item(&d, &s("k"), None, &mut b).unwrap();
        assert!(store_item(&d, &s("k"), None, &mut b).is_none(), "KeyError");
        let mut small = Budget::for_source(0);
        let big = seq(SeqKind::List, vec![s("x"); MAX_SEQ_LEN]);
        let mut changes = 0;
        while mutate(&big, "reverse", &args(&[]), &mut small).is_some() {
            changes += 1;
        }
        assert!(changes <= 4 * MAX_CONST_LEN / MAX_SEQ_LEN, "each change is charged its copy");
    }

    #[test]
    fn budget_bounds_total_work() {
        let mut b = Budget::for_source(0);
        let mut produced = 0usize;
        for _ in 0..1000 {
            let (mut l, mut r) = (Some(s(&"a".repeat(1000))), Some(s("b")));
            if binop(Operator::Add, &mut l, &mut r, &mut b).is_some() {
                produced += 1001;
            }
        }
        assert!(produced <= 4 * MAX_CONST_LEN);
    }
}
