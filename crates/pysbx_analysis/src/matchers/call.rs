//! `call:` — a call whose callee resolves to a qualified-name glob, with argument conditions.
//!
//! The callee is resolved like any expression, so aliases (`import os as o; o.system()`),
//! `from os import system`, `getattr(os, "sys" + "tem")(...)`, `__import__("os").system(...)`,
//! `[eval][0](...)` and `(eval)(...)` all reach `os.system` or `builtins.eval`.
//!
//! Argument conditions select an argument by position or keyword (either may match) and test
//! its folded value: `shell=True` equals `true` (and `1` does not), `timeout` missing, a
//! command that is not a literal, a name whose values are not known (`computed`: a name holding
//! one of a few constants, `for c in ("a", "b")`, is not computed). A `*args` or `**kwargs` that could supply the argument makes
//! `missing`, `equals`, `literal` and `matches` false, and `present` and `not literal` true:
//! an unknown argument is never proof of safety. `refers_to` holds only when every value the
//! argument may have is one of the names (`yaml.Loader if x else yaml.SafeLoader` is not
//! surely safe), so that `not: {refers_to: [safe...]}` errs toward flagging; `returned_by`
//! likewise holds only when every value is the result of a call of one of the names.
//! `derived_from`, a test for what to flag, holds when any value comes from such a call.

use pysbx_rules::ConstValue;
use ruff_python_ast::{Expr, FStringPart, InterpolatedStringElement};

use crate::compile::{ArgCond, Compiled, LeafKind, Test};
use crate::fold::CallArgs;
use crate::glob::NameTable;
use crate::matchers::{Hit, push_unique};
use crate::value::{Const, QName, Value, ValueSet};

/// Pushes the call leaves whose callee glob matches a name `callee` resolves to and whose
/// argument conditions all hold. A callee that resolves to nothing matches no glob, `*`
/// included.
pub(crate) fn hits(
    compiled: &Compiled,
    callee: &ValueSet<'_>,
    args: &CallArgs<'_, '_>,
    memo: &mut crate::glob::NameMemo,
    out: &mut Vec<Hit>,
) {
    if compiled.calls.is_empty() && compiled.any_callee_by_keyword.is_empty() {
        return;
    }
    let from = out.len();
    let try_leaf = |leaf: u32, q: &QName, out: &mut Vec<Hit>| {
        let Some(l) = compiled.leaves.get(leaf as usize) else { return };
        if let LeafKind::Call(conds) = &l.kind
            && conds.iter().all(|c| holds(c, args))
        {
            push_unique(out, from, leaf, q);
        }
    };
    for q in callee.quals() {
        for &leaf in compiled.calls.leaves(q, memo) {
            try_leaf(leaf, q, out);
        }
    }
    // Leaves of callee `*` needing a keyword: their conditions do not depend on the callee's
    // name, so the first name it resolves to is their subject.
    if !args.kw.is_empty()
        && let Some(q) = callee.quals().next()
    {
        for (name, _) in args.kw {
            for &leaf in compiled.any_callee_by_keyword.get(*name).into_iter().flatten() {
                try_leaf(leaf, q, out);
            }
        }
    }
}

/// Whether any call leaf may be tried on a call of `callee` (with keywords given, when
/// `keywords`): where none can, what the call's arguments hold is not worth working out.
pub(crate) fn may_hit(
    compiled: &Compiled,
    callee: &ValueSet<'_>,
    keywords: bool,
    memo: &mut crate::glob::NameMemo,
) -> bool {
    (keywords && !compiled.any_callee_by_keyword.is_empty())
        || callee.quals().any(|q| !compiled.calls.leaves(q, memo).is_empty())
}

/// What the call says about the selected argument.
enum Selected<'x, 'a> {
    /// Given explicitly, folded to a constant or not, and what it refers to.
    Given(Option<&'x Const<'a>>, Option<&'x ValueSet<'a>>),
    /// Not given explicitly, but `*args` or `**kwargs` may supply it.
    Unknown,
    /// Not given explicitly; only the calling function's own `**kwargs`, handed on untouched,
    /// may supply it (a value its callers choose).
    Forwarded,
    /// Surely not given.
    Absent,
}

fn select<'x, 'a>(cond: &ArgCond, args: &CallArgs<'x, 'a>) -> Selected<'x, 'a> {
    let mut maybe = false;
    if let Some(p) = cond.position {
        match args.star_at {
            Some(star) if star <= p => maybe = true,
            _ => {
                if let Some(arg) = args.pos.get(p) {
                    return Selected::Given(*arg, args.pos_refs.get(p).copied());
                }
            }
        }
    }
    if let Some(k) = &cond.keyword {
        if let Some(i) = args.kw.iter().position(|(name, _)| same_keyword(name, k)) {
            return Selected::Given(args.kw[i].1, args.kw_refs.get(i).copied());
        }
        // The one `**` dict's keys are known, but for those its callers chose.
        if let (true, false, Some(spread)) = (args.double_star, maybe, args.spread)
            && !spread.sets(k)
        {
            return if spread.from_callers { Selected::Forwarded } else { Selected::Absent };
        }
        maybe |= args.double_star;
    }
    if maybe { Selected::Unknown } else { Selected::Absent }
}

/// Whether two keyword names are equal. Every call is tested against the keyword conditions
/// of the rules that match any callee (`password=...`), so most comparisons are of different
/// names: the length and the first byte rule those out without a call to `memcmp`.
/// Whether every value `refs` may hold, and at least one, is a name the globs of `names`
/// match: a test of safety, so anything unknown fails it.
pub(crate) fn surely_refers_to(refs: &ValueSet<'_>, names: &NameTable) -> bool {
    !refs.is_empty()
        && refs.alts().iter().all(|v| match v {
            Value::Qual(q) => names.matches(q),
            _ => false,
        })
}

/// Whether `refs` is, on every path, what a call of one of `names` returned, and is so on one
/// path at least. A path text beside a call's result says what it is, not where it came from;
/// with `followed_too`, neither do the values a `derived_from` test follows into the result
/// (see `Test::RoundTrip`).
fn returned_on_every_path(refs: &ValueSet<'_>, names: &NameTable, followed_too: bool) -> bool {
    !refs.unbound
        && refs.alts().iter().any(|v| matches!(v, Value::Returned(q) if names.matches(q)))
        && refs.alts().iter().all(|v| match v {
            Value::Returned(q) => names.matches(q),
            Value::Path(_) => true,
            Value::From(_) => followed_too,
            _ => false,
        })
}

fn same_keyword(name: &str, keyword: &str) -> bool {
    name.len() == keyword.len()
        && name.as_bytes().first() == keyword.as_bytes().first()
        && name == keyword
}

/// Whether `text` is a command line (it holds white space) put together from words the file's
/// string literals write whole (`f"{tool} --version"` after `tool = "ansible"`): pieces a
/// reader sees, not a disguise. A word split across pieces (`"cu" + "rl ..."`), encoded or
/// decoded is one no literal spells; a text with no word of three letters or more (`"id"`
/// made by `chr`) is not told apart, and stays disguised. The `/usr/bin/` the folder puts
/// before a program `shutil.which("ansible")` finds is the folder's writing, not the file's,
/// so its words are not asked of the literals (`f"{which('ansible')} --version"`).
fn assembled_from_written_words(text: &str, spelled: Option<&crate::spelled::Spelled<'_>>) -> bool {
    if !text.contains(char::is_whitespace) {
        return false;
    }
    let Some(spelled) = spelled else {
        return false;
    };
    let own = text.replace(crate::fold::WHICH_DIRECTORY, " ");
    spelled.has_words(&own) && !spelled.has_unwritten_word(&own)
}

fn holds(cond: &ArgCond, args: &CallArgs<'_, '_>) -> bool {
    let selected = select(cond, args);
    match &cond.test {
        Test::Missing => matches!(selected, Selected::Absent),
        Test::Present => !matches!(selected, Selected::Absent),
        Test::Forwarded => matches!(selected, Selected::Forwarded),
        Test::NotForwarded => !matches!(selected, Selected::Forwarded),
        Test::NotLiteral => {
            matches!(selected, Selected::Given(None, _) | Selected::Unknown | Selected::Forwarded)
        }
        Test::Literal => matches!(selected, Selected::Given(Some(_), _)),
        // One of a few constants (`for name in ("a", "b")`) is not computed: its values are
        // known.
        Test::Computed => match selected {
            Selected::Given(None, refs) => !refs.is_some_and(ValueSet::constant_choices),
            Selected::Unknown | Selected::Forwarded => true,
            _ => false,
        },
        Test::NotComputed => match selected {
            Selected::Given(Some(_), _) => true,
            Selected::Given(None, refs) => refs.is_some_and(ValueSet::constant_choices),
            _ => false,
        },
        // A parameter is unknown (its callers may be anywhere) but keeps the constants the
        // file's calls give it: one of them is a value written in the file.
        Test::Written => match selected {
            Selected::Given(Some(_), _) => true,
            Selected::Given(None, refs) => {
                refs.is_some_and(|r| r.alts().iter().any(|v| matches!(v, Value::Const(_))))
            }
            _ => false,
        },
        Test::RefersTo(names) => match selected {
            Selected::Given(_, Some(refs)) => surely_refers_to(refs, names),
            _ => false,
        },
        Test::ReturnedBy(names) => match selected {
            Selected::Given(_, Some(refs)) => returned_on_every_path(refs, names, false),
            _ => false,
        },
        // `returned_by`, but for the values a followed input passes on to what a serializer
        // made of it (`pickle.dumps(response)` also carries `requests.get`): those are what
        // the call was made of, not other paths to the argument. A call of anything else on
        // some path (another function's result, a constant, the unknown) still fails it.
        Test::RoundTrip(names) => match selected {
            Selected::Given(_, Some(refs)) => returned_on_every_path(refs, names, true),
            _ => false,
        },
        // Biased toward flagging, as a positive test: one path from the origin is enough.
        // An argument vector holding it counts too (`[sys.executable, "-c", code]`).
        Test::DerivedFrom(names) => {
            let refs = match selected {
                Selected::Given(_, Some(refs)) => Some(refs),
                // `f(*items)`: at the position the starred items start and every later one,
                // any of them may be the argument (`create_subprocess_exec(*shlex.split(cmd))`).
                Selected::Unknown => cond
                    .position
                    .zip(args.star_at)
                    .filter(|(p, star)| star <= p)
                    .and_then(|(_, star)| args.pos_refs.get(star).copied()),
                _ => None,
            };
            // The object a test names itself counts too (`os.environ`), as does a name bound
            // to it.
            let from = |v: &Value<'_>| matches!(v, Value::Returned(q) | Value::From(q) | Value::Qual(q) if names.matches(q));
            refs.is_some_and(|refs| {
                refs.alts().iter().any(|v| {
                    from(v)
                        || matches!(v, Value::Seq(items)
                            if items.iter().any(|item| item.alts().iter().any(from)))
                })
            })
        }
        Test::Equals(want) => given(&selected).is_some_and(|c| equals(c, want)),
        Test::OneOf(wants) => given(&selected).is_some_and(|c| wants.iter().any(|w| equals(c, w))),
        Test::Matches(re) => {
            let text_matches = |c: &Const<'_>| match c {
                Const::Str(s) => re.is_match(s.as_str()),
                Const::Bytes(b) => re.is_match(&crate::matchers::string::latin1(b.as_bytes())),
                _ => false,
            };
            match selected {
                Selected::Given(Some(c), _) => text_matches(c),
                // A path whose text is known though it does not fold (see `crate::paths`), or
                // a name holding one of a few constants (`for name in ("config", "cache")`),
                // one of which matches, as one of a name's several paths does.
                Selected::Given(None, Some(refs)) => {
                    crate::paths::any_text(refs, |t| re.is_match(t))
                        || (refs.constant_choices()
                            && refs
                                .alts()
                                .iter()
                                .any(|v| matches!(v, Value::Const(c) if text_matches(c))))
                }
                _ => false,
            }
        }
        // Text the folder made (owned, or shared once bound to a name), not a literal's.
        Test::Disguised(re) => given(&selected).is_some_and(|c| {
            c.is_made_text()
                && c.as_str().is_some_and(|s| {
                    re.is_match(s) && !assembled_from_written_words(s, args.spelled)
                })
        }),
        // Made text with a word no string literal of the file spells: encoded, not assembled.
        // A literal written in the call whose own text hides a word of its value (escapes)
        // is encoded too.
        Test::Encoded(re) => given(&selected).is_some_and(|c| {
            let Some(s) = c.as_str() else { return false };
            let Some(spelled) = args.spelled else { return false };
            if c.is_made_text() {
                re.is_match(s)
                    && (spelled.has_unwritten_word(s) || spelled.writes_words_backwards(s))
            } else {
                args.nodes_in_file
                    && matches!(node(cond, args), Some(Expr::StringLiteral(lit))
                        if re.is_match(s) && spelled.literal_hides_word(lit.range, s))
            }
        }),
        Test::Command(re) => match selected {
            Selected::Given(Some(Const::Seq(_, items)), _) => {
                command_line(items.iter()).is_some_and(|line| re.is_match(&line))
            }
            // `[sys.executable, "-m", "pip", "install", name]`, `["attrib", "+h", path]`: a
            // display whose first item is a string literal or the running interpreter (as the
            // walker resolved it), read as written (see `command_as_written`).
            Selected::Given(None, refs) => node(cond, args)
                .and_then(|e| command_as_written(e, refs.is_some_and(starts_with_interpreter)))
                .is_some_and(|line| re.is_match(&line)),
            _ => false,
        },
        // The program of an argument vector: its first item, whatever the others are.
        Test::Program(re) => match selected {
            Selected::Given(Some(Const::Seq(_, items)), _) => {
                items.first().and_then(Const::as_str).is_some_and(|p| re.is_match(p))
            }
            Selected::Given(None, _) => {
                node(cond, args).and_then(program_as_written).is_some_and(|p| re.is_match(p))
            }
            _ => false,
        },
        // A folded string is its own start; a string built at run time has the literal text
        // before its first computed part. Anything else has no known start.
        Test::ConstantStart(re) => match selected {
            Selected::Given(Some(c), _) => c.as_str().is_some_and(|s| re.matches_at_start(s)),
            Selected::Given(None, _) => {
                node(cond, args).and_then(constant_start).is_some_and(|s| re.matches_at_start(&s))
            }
            _ => false,
        },
        // The argument as written: an attribute read of one of the names (`f.__code__`).
        Test::Attribute(names) => node(cond, args).is_some_and(
            |e| matches!(e, Expr::Attribute(a) if names.iter().any(|n| **n == *a.attr.id.as_str())),
        ),
        // A package name that imitates a listed one (a typosquat's `setup(name=...)`).
        Test::NearName(names) => given(&selected)
            .and_then(Const::as_str)
            .is_some_and(|name| pysbx_rules::imitated_package(name, names).is_some()),
        // A pickle kept as a bytes literal, read whole, that only rebuilds data.
        Test::ConstantPickle => given(&selected).is_some_and(|c| match c {
            Const::Bytes(b) => crate::pickles::globals(b.as_bytes())
                .is_some_and(|globals| globals.iter().all(|g| crate::pickles::plain(g))),
            _ => false,
        }),
        Test::LessThan(limit) => given(&selected).is_some_and(|c| match c {
            #[expect(clippy::cast_precision_loss, reason = "a threshold comparison")]
            Const::Int(i) => (*i as f64) < *limit,
            Const::Float(f) => f < limit,
            _ => false,
        }),
    }
}

/// The command line an argument vector forms: its strings (bytes read as latin-1) joined by
/// spaces; `None` when an item is not a string or there is none.
pub(crate) fn command_line<'c, 'a: 'c>(
    items: impl IntoIterator<Item = &'c Const<'a>>,
) -> Option<String> {
    let mut line = String::new();
    let mut any = false;
    for (i, item) in items.into_iter().enumerate() {
        any = true;
        if i > 0 {
            line.push(' ');
        }
        match item {
            Const::Str(s) => line.push_str(s.as_str()),
            Const::Bytes(b) => line.push_str(&crate::matchers::string::latin1(b.as_bytes())),
            _ => return None,
        }
    }
    any.then_some(line)
}

/// The selected argument as written, when the call is in the source and the argument is
/// given explicitly (`select` has ruled out a `*args` before it).
fn node<'x>(cond: &ArgCond, args: &CallArgs<'x, '_>) -> Option<&'x Expr> {
    let nodes = args.nodes?;
    if let Some(p) = cond.position
        && args.star_at.is_none_or(|star| star > p)
        && let Some(arg) = nodes.args.get(p)
    {
        return Some(arg);
    }
    let k = cond.keyword.as_deref()?;
    nodes
        .keywords
        .iter()
        .find(|kw| kw.arg.as_ref().is_some_and(|id| id.as_str() == k))
        .map(|kw| &kw.value)
}

/// The literal text a string built at run time surely starts with: what comes before the first
/// computed part of an f-string (`f"O_{name}"`), the left operand of `+` (`"O_" + name`), and
/// the text before the first field of a `%` or `.format()` template (`"O_%s" % name`,
/// `"O_{}".format(name)`). A shorter start than the value's is still a start, so parts that
/// might fold are not read.
/// Whether an argument is a list or tuple display whose first item the walker resolved to the
/// running interpreter (see [`ValueSet::is_interpreter`]).
fn starts_with_interpreter(refs: &ValueSet<'_>) -> bool {
    refs.alts().iter().any(
        |v| matches!(v, Value::Seq(items) if items.first().is_some_and(ValueSet::is_interpreter)),
    )
}

/// What an item of an argument vector that is not a string literal reads as in
/// [`command_as_written`]: one word whose text is not known, which a regex's `\S+` or `.*`
/// takes but no literal word does.
const UNKNOWN_WORD: char = '\u{FFFD}';

/// The command line of a list or tuple display, read as written: its first item a string
/// literal (the program) or, when `interpreter` says the walker resolved it so, the running
/// interpreter, which reads as `/sys.executable` (an absolute path whose text is not known
/// here, so that a regex sees a program given by its full path and the items after it).
/// String literals after it read as themselves, anything else (a name, a call, a `*rest`) as
/// [`UNKNOWN_WORD`]. `None` for a display whose program is not known.
fn command_as_written(e: &Expr, interpreter: bool) -> Option<String> {
    let (first, rest) = match e {
        Expr::List(l) => l.elts.split_first()?,
        Expr::Tuple(t) => t.elts.split_first()?,
        _ => return None,
    };
    let mut line = match first {
        _ if interpreter => String::from("/sys.executable"),
        Expr::StringLiteral(s) => s.value.to_str().to_owned(),
        _ => return None,
    };
    for item in rest {
        line.push(' ');
        match item {
            Expr::StringLiteral(s) => line.push_str(s.value.to_str()),
            _ => line.push(UNKNOWN_WORD),
        }
    }
    Some(line)
}

/// The first item of a list or tuple display when it is a string literal (`"pkg-config"` of
/// `["pkg-config", flag, name]`), also where more items are added after it (`["cmake", src]
/// + args`); a starred first item or anything else gives nothing.
fn program_as_written(e: &Expr) -> Option<&str> {
    let first = match e {
        Expr::List(l) => l.elts.first()?,
        Expr::Tuple(t) => t.elts.first()?,
        Expr::BinOp(b) if b.op == ruff_python_ast::Operator::Add => {
            return program_as_written(&b.left);
        }
        _ => return None,
    };
    match first {
        Expr::StringLiteral(s) => Some(s.value.to_str()),
        _ => None,
    }
}

pub(crate) fn constant_start(e: &Expr) -> Option<String> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.iter().map(|part| &*part.value).collect()),
        Expr::FString(f) => {
            let mut start = String::new();
            for part in f.value.iter() {
                match part {
                    FStringPart::Literal(lit) => start.push_str(&lit.value),
                    FStringPart::FString(fs) => {
                        for el in &fs.elements {
                            match el {
                                InterpolatedStringElement::Literal(l) => start.push_str(&l.value),
                                InterpolatedStringElement::Interpolation(_) => return Some(start),
                            }
                        }
                    }
                }
            }
            Some(start)
        }
        // `"O_" + x` and `"O_%s" % x` are not: `x`'s `__radd__` or `__rmod__` (a `str`
        // subclass's comes first) may return any text. An f-string and `str.format` place what
        // `format` returns after the literal text, whatever `x` is.
        Expr::Call(c) => match &*c.func {
            Expr::Attribute(a) if a.attr.as_str() == "format" => format_template_start(&a.value),
            _ => None,
        },
        _ => None,
    }
}

/// The text of a `str.format` template (a string literal) before its first field (`{`, or a
/// `}` that `format` reads as an error or an escape).
fn format_template_start(e: &Expr) -> Option<String> {
    let Expr::StringLiteral(s) = e else { return None };
    let mut start = String::new();
    for part in s.value.iter() {
        if let Some(i) = part.value.find(['{', '}']) {
            start.push_str(&part.value[..i]);
            return Some(start);
        }
        start.push_str(&part.value);
    }
    Some(start)
}

fn given<'x, 'a>(s: &Selected<'x, 'a>) -> Option<&'x Const<'a>> {
    match s {
        Selected::Given(c, _) => *c,
        _ => None,
    }
}

/// Compares a folded argument with a rule constant; `True` and `1` differ, `1` and `1.0` do not.
fn equals(c: &Const<'_>, want: &ConstValue) -> bool {
    match want {
        ConstValue::Bool(b) => matches!(c, Const::Bool(x) if x == b),
        ConstValue::Int(i) => c.same_scalar(&Const::Int(*i)),
        ConstValue::Float(f) => c.same_scalar(&Const::Float(*f)),
        ConstValue::Str(s) => c.as_str() == Some(s.as_str()),
        ConstValue::None => matches!(c, Const::None),
    }
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, lines, pack};

    #[test]
    fn direct_and_aliased_calls() {
        let an = analyzer(&pack("TST100", "{call: os.system}"));
        let src = "import os\nimport os as o\nfrom os import system as s\nos.system('a')\no.system('b')\ns('c')\nsystem('d')\n";
        assert_eq!(lines(&an, src, "TST100"), vec![4, 5, 6]);
    }

    #[test]
    fn computed_callees() {
        let an = analyzer(&pack("TST101", "{call: [os.system, builtins.eval]}"));
        let src = "import os\ngetattr(os, 'sys' + 'tem')('x')\n__import__('os').system('y')\n[eval][0]('1')\n(eval)('2')\nf = eval\nf('3')\n";
        assert_eq!(lines(&an, src, "TST101"), vec![2, 3, 4, 5, 7]);
    }

    #[test]
    fn command_reads_an_argument_vector_as_its_command_line() {
        let an = analyzer(&pack(
            "TST111",
            "{call: subprocess.run, args: [{position: 0, command: '^sh -c curl'}]}",
        ));
        let src = "import subprocess\nsubprocess.run(['sh', '-c', 'curl x'])\nsubprocess.run(('sh', b'-c', 'curl x'))\nsubprocess.run(['sh', '-c', cmd])\nsubprocess.run(['sh', '-c', 1])\nsubprocess.run([])\nsubprocess.run('sh -c curl')\n";
        assert_eq!(lines(&an, src, "TST111"), vec![2, 3]);
        // A string is `matches`'s to test.
        let an = analyzer(&pack(
            "TST112",
            "{call: subprocess.run, args: [{position: 0, matches: '^sh -c curl'}]}",
        ));
        assert_eq!(lines(&an, src, "TST112"), vec![7]);
    }

    #[test]
    fn program_reads_the_first_item_of_an_argument_vector_whatever_the_rest() {
        let an = analyzer(&pack(
            "TST113",
            "{call: subprocess.run, args: [{position: 0, keyword: args, program: '^pkg-config$'}]}",
        ));
        let src = "import subprocess\nsubprocess.run(['pkg-config', flag, name])\nsubprocess.run(args=('pkg-config',))\nargv = ['pkg-config', '--libs']\nsubprocess.run(argv)\nsubprocess.run([tool, '--libs'])\nsubprocess.run([*tools])\nsubprocess.run('pkg-config --libs')\nsubprocess.run(['./pkg-config'])\nsubprocess.run([])\nsubprocess.run(['pkg-' 'config'])\nsubprocess.run(*a)\n";
        // A list kept in a name is not followed (line 5), as for `command`.
        assert_eq!(lines(&an, src, "TST113"), vec![2, 3, 11]);
    }

    #[test]
    fn constant_start_reads_the_literal_text_before_the_first_computed_part() {
        let an = analyzer(&pack(
            "TST114",
            "{call: builtins.getattr, args: [{position: 1, keyword: name, constant_start: '[A-Z]+_'}]}",
        ));
        let src = "\
getattr(os, f'O_{n}')
getattr(os, 'SEEK_' + n)
getattr(os, 'EX_%s' % n)
getattr(os, 'P_{}'.format(n))
getattr(os, 'O_' 'RD' + n)
getattr(os, 'O_RDONLY')
getattr(os, name=f'O_{n}')
getattr(os, f'{n}O_')
getattr(os, f'O{n}_')
getattr(os, n + 'O_')
getattr(os, 'xO_' + n)
getattr(os, n)
prefix = f'O_{n}'
getattr(os, prefix)
getattr(os, *args)
";
        // Lines 1, 4, 6 and 7 start with the text; `+` and `%` (2, 3, 5) may be replaced by
        // the right operand's `__radd__`/`__rmod__`; a name bound to it (14) has no known start.
        assert_eq!(lines(&an, src, "TST114"), vec![1, 4, 6, 7]);
    }

    #[test]
    fn derived_from_follows_a_call_result_through_attributes_calls_items_and_names() {
        let an = analyzer(&pack(
            "TST113",
            "{call: app.sink, args: [{position: 0, derived_from: [net.open*]}]}",
        ));
        let src = "\
import net
from app import sink
s = net.open()
sink(s)
sink(s.fileno())
fd = s.fileno()
sink(fd)
conn, addr = s.accept()
sink(conn)
sink(s.accept()[0])
with net.open_tls() as t:
    sink(t.wrap().raw)
sink(net.other().fileno())
sink(open('x').fileno())
sink(fd if c else 1)
sink(holder.s)
";
        assert_eq!(lines(&an, src, "TST113"), vec![4, 5, 7, 9, 10, 12, 15]);
        // A pattern naming a method of the origin's objects (`net.open().send`, in any rule)
        // makes the origin's attributes names of its instances: still derived from it.
        let an = analyzer(&pack(
            "TST113",
            "{any: [{call: app.sink, args: [{position: 0, derived_from: [net.open]}]}, \
             {all: [{call: builtins.len}, {inside: {call: ['net.open().send']}}]}]}",
        ));
        assert_eq!(lines(&an, src, "TST113"), vec![4, 5, 7, 9, 10, 15]);
        // `returned_by` is the strict test: a method of the result is not the result.
        let an = analyzer(&pack(
            "TST114",
            "{call: app.sink, args: [{position: 0, returned_by: [net.open]}]}",
        ));
        assert_eq!(lines(&an, src, "TST114"), vec![4]);
    }

    #[test]
    fn derived_from_names_one_environment_variable_read_by_its_constant_name() {
        let an = analyzer(&pack(
            "TST118",
            "{call: app.sink, args: [{position: 0, derived_from: [os.environ.SECRET_*]}]}",
        ));
        let src = "\
import os
from app import sink
sink(os.environ['SECRET_KEY'])
sink(os.getenv('SECRET_KEY', ''))
k = os.environ.get('SECRET_TOKEN')
sink(k.encode())
sink(f'k={k}')
sink(os.environ['HOME'])
sink(os.getenv(name))
sink(os.environ)
sink(os.environ['SECRET.KEY'])
sink(os.getenv('NOT_SECRET_KEY'))
";
        // A constant name the pattern names (3-7), not another name, a name not known, the
        // whole environment or a name no variable can have (8-12).
        assert_eq!(lines(&an, src, "TST118"), vec![3, 4, 6, 7]);
        // The whole environment is not one of its variables, nor one variable the whole.
        let an = analyzer(&pack(
            "TST119",
            "{call: app.sink, args: [{position: 0, derived_from: [os.environ]}]}",
        ));
        assert_eq!(lines(&an, src, "TST119"), vec![10]);
    }

    #[test]
    fn derived_from_follows_containers_filled_with_a_followed_result() {
        let an = analyzer(&pack(
            "TST117",
            "{call: app.sink, args: [{position: 0, derived_from: [net.open]}]}",
        ));
        let src = "\
import json
import net
from app import sink
d = {}
d[\"k\"] = net.open(1)
sink(d)
items = []
for a in (1, 2):
    items.append(net.open(a))
sink(items)
other = []
other.append(len(\"x\"))
sink(other)
def filled():
    out = {}
    for k in (1, 2):
        out[k] = net.open(k)
    return out
def displayed():
    return {\"r\": net.open(1), \"n\": 2}
def encoded():
    return json.dumps([net.open(1)])
def measured():
    return len(net.open(1))
def unrelated():
    out = {}
    out[\"n\"] = 1
    return out
sink(filled())
sink(displayed())
sink(encoded())
sink(measured())
sink(unrelated())
";
        // A dict or list filled with the result, in a loop too; a helper returning one, a
        // display of one or an encoding of one. Not what a call other than a copy or an
        // encoding made of it (`len`), nor a container filled with something else.
        assert_eq!(lines(&an, src, "TST117"), vec![6, 10, 29, 30, 31]);
    }

    #[test]
    fn derived_from_follows_helpers_that_return_a_followed_result() {
        let an = analyzer(&pack(
            "TST115",
            "{call: app.sink, args: [{position: 0, derived_from: [net.open]}]}",
        ));
        let src = "\
import net
from app import sink
def fetch(a):
    return net.open(a).read()
def fetch_item(a):
    return net.open(a)[0].text
def parsed(a):
    return json.loads(net.open(a).read())
def kept(a):
    r = net.open(a)
    return r.read()
@cache
def decorated(a):
    return net.open(a)
sink(fetch(1))
sink(fetch_item(1).strip())
sink(parsed(1))
sink(kept(1))
sink(decorated(1))
";
        // `kept` returns a local given the result at its top level.
        assert_eq!(lines(&an, src, "TST115"), vec![15, 16, 18]);
        let locals = "\
import net
from app import sink
def opened(a):
    s = net.open(a)
    s.connect(a)
    return s
def given(s):
    s.connect(1)
    return s
def nested(a):
    if a:
        s = net.open(a)
    return s
sink(opened(1))
sink(given(net.open(1)).x)
sink(nested(1))
";
        // A parameter is the caller's; a binding inside a block is read too (one path from
        // the origin is enough).
        assert_eq!(lines(&an, locals, "TST115"), vec![14, 16]);
        // A parameter or a local named like the module is the function's own.
        let shadowed = "\
import net
from app import sink
def given(net):
    return net.open(1).read()
def local():
    net = other()
    return net.open(1)
sink(given(1))
sink(local())
";
        assert_eq!(lines(&an, shadowed, "TST115"), Vec::<u32>::new());
        // A chain as long as a file is looked at without recursion when the function is
        // defined, before the walk finds it too deep (it overflowed the stack there).
        let long = format!(
            "import net\nfrom app import sink\ndef f():\n    return net{}.open()\nsink(f())\n",
            ".a".repeat(50_000)
        );
        let out =
            an.analyze(&long, std::path::Path::new("t.py"), &crate::AnalyzeOptions::default());
        assert_eq!(out.error.map(|e| e.kind), Some(crate::SourceErrorKind::TooDeep));
    }

    #[test]
    fn a_lone_star_matches_every_resolved_call() {
        let an =
            analyzer(&pack("TST110", "{call: '*', args: [{keyword: password, present: true}]}"));
        let src = "import db\ndb.connect(password='x')\nclient.login(user, password=pw)\nprint(password=1)\ng(user=1)\n";
        assert_eq!(lines(&an, src, "TST110"), vec![2, 4]);
    }

    #[test]
    fn a_lone_star_with_a_keyword_test_matches_the_calls_that_pass_the_keyword() {
        // Filed by keyword: tried only at calls that pass `password`, with the same outcome.
        let an =
            analyzer(&pack("TST111", "{call: '*', args: [{keyword: password, matches: '\\S'}]}"));
        let src = "import db\ndb.connect(password='x')\nclient.login(password='y')\ndb.open(**kw)\ndb.open('x')\ndb.open(passwd='z', password='')\ndb.x.y(user='u', password='p')\n";
        assert_eq!(lines(&an, src, "TST111"), vec![2, 7]);
        // Every condition still holds: filed under `password`, `user` is tested too.
        let an = analyzer(&pack(
            "TST112",
            "{call: '*', args: [{keyword: user, present: true}, {keyword: password, equals: 'p'}]}",
        ));
        let src = "import db\ndb.a(user='u', password='p')\ndb.b(password='p')\ndb.c(user='u', password='q')\ndb.d(password='p', **kw)\n";
        assert_eq!(lines(&an, src, "TST112"), vec![2, 5]);
    }

    #[test]
    fn globs_match_any_run_of_characters() {
        let an = analyzer(&pack("TST102", "{call: 'os.exec*'}"));
        let src = "import os\nos.execvp('a', [])\nos.execl('b')\nos.exe('c')\n";
        assert_eq!(lines(&an, src, "TST102"), vec![2, 3]);
    }

    #[test]
    fn keyword_equals_true_is_not_one() {
        let an = analyzer(&pack(
            "TST103",
            "{call: 'subprocess.*', args: [{keyword: shell, equals: true}]}",
        ));
        let src = "import subprocess\nsubprocess.run('a', shell=True)\nsubprocess.run('b', shell=1)\nsubprocess.run('c')\nsubprocess.run('d', shell=False)\nT = True\nsubprocess.run('e', shell=T)\n";
        assert_eq!(lines(&an, src, "TST103"), vec![2, 7]);
    }

    #[test]
    fn missing_keyword_and_kwargs() {
        let an = analyzer(&pack(
            "TST104",
            "{call: requests.get, args: [{keyword: timeout, missing: true}]}",
        ));
        let src = "import requests\nrequests.get('u')\nrequests.get('u', timeout=3)\nrequests.get('u', **opts)\n";
        assert_eq!(lines(&an, src, "TST104"), vec![2]);
    }

    #[test]
    fn position_or_keyword_selects_and_literal_tests() {
        let an = analyzer(&pack(
            "TST105",
            "{call: os.system, args: [{position: 0, keyword: command, literal: false}]}",
        ));
        let src = "import os\nos.system('ls')\nos.system(cmd)\nos.system(command=cmd)\nos.system(command='ls')\nos.system('l' + 's')\nos.system(*argv)\nC = 'ls'\nos.system(C)\n";
        assert_eq!(lines(&an, src, "TST105"), vec![3, 4, 7]);
    }

    #[test]
    fn computed_tests_see_through_names_holding_a_few_constants() {
        let an = analyzer(&pack(
            "TST110",
            "{call: builtins.__import__, args: [{position: 0, keyword: name, computed: true}]}",
        ));
        let known = analyzer(&pack(
            "TST111",
            "{call: builtins.__import__, args: [{position: 0, keyword: name, computed: false}]}",
        ));
        let src = "for m in ('json', 'csv'):\n    __import__(m)\nfor m in names:\n    __import__(m)\n__import__('json')\n__import__(*argv)\nn = 'json' if c else 'csv'\n__import__(n)\nfor m in ('json', f()):\n    __import__(m)\n";
        // A conditional expression (line 8) and a loop over anything computed stay computed,
        // which errs toward flagging.
        assert_eq!(lines(&an, src, "TST110"), vec![4, 6, 8, 10]);
        assert_eq!(lines(&known, src, "TST111"), vec![2, 5]);
        // A name bound to a constant on each path of an `if` statement is known too.
        let branches = "if c:\n    s = 'json'\nelse:\n    s = 'csv'\n__import__(s)\n";
        assert!(lines(&an, branches, "TST110").is_empty());
        assert_eq!(lines(&known, branches, "TST111"), vec![5]);
        // `literal` keeps its meaning: a name is not a literal.
        let literal = analyzer(&pack(
            "TST112",
            "{call: builtins.__import__, args: [{position: 0, literal: false}]}",
        ));
        assert_eq!(lines(&literal, src, "TST112"), vec![2, 4, 6, 8, 10]);
    }

    #[test]
    fn refers_to_resolves_the_argument() {
        let an = analyzer(&pack(
            "TST109",
            "{call: yaml.load, args: [{position: 1, keyword: Loader, refers_to: [yaml.Loader, yaml.UnsafeLoader]}]}",
        ));
        let src = "import yaml\nfrom yaml import UnsafeLoader as U\nyaml.load(s, Loader=yaml.Loader)\nyaml.load(s, U)\nyaml.load(s, Loader=yaml.SafeLoader)\nyaml.load(s)\nL = yaml.Loader if s else yaml.UnsafeLoader\nyaml.load(s, L)\nM = yaml.Loader if s else yaml.SafeLoader\nyaml.load(s, M)\nyaml.load(s, Loader=unknown)\n";
        assert_eq!(lines(&an, src, "TST109"), vec![3, 4, 8]);
    }

    #[test]
    fn matches_one_of_and_less_than() {
        let yaml = format!(
            "{}{}{}",
            pack("TST106", "{call: f.g, args: [{position: 0, matches: '^rm '}]}"),
            pack("TST107", "{call: f.g, args: [{keyword: mode, one_of: [w, a]}]}")
                .replace("family: test\nrules:\n", ""),
            pack("TST108", "{call: f.g, args: [{keyword: bits, less_than: 2048}]}")
                .replace("family: test\nrules:\n", ""),
        );
        let an = analyzer(&yaml);
        let src = "import f\nf.g('rm ' + '-rf')\nf.g('ls', mode='a')\nf.g(mode='r')\nf.g(bits=1024)\nf.g(bits=4096.0)\n";
        assert_eq!(lines(&an, src, "TST106"), vec![2]);
        assert_eq!(lines(&an, src, "TST107"), vec![3]);
        assert_eq!(lines(&an, src, "TST108"), vec![5]);
    }
}
