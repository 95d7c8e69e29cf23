//! The matcher kinds. Each node produces *hits* (a leaf of some rule matched here, with the
//! subject it matched); the rules those hits belong to are then evaluated once at the node,
//! combinators and filters included.

pub(crate) mod assign;
pub(crate) mod attribute;
pub(crate) mod call;
pub(crate) mod factors;
pub(crate) mod handler;
pub(crate) mod import;
pub(crate) mod reference;
pub(crate) mod required;
pub(crate) mod store;
pub(crate) mod string;

use smallvec::SmallVec;

use crate::compile::{Compiled, Inside, LeafKind, Program};
use crate::value::{QName, ValueSet};

/// A leaf that matched at the node being evaluated.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    pub(crate) leaf: u32,
    /// What matched: a qualified name, an attribute, a module or a (truncated) string.
    pub(crate) subject: QName,
}

/// One level of syntactic context, innermost last.
#[derive(Clone, Debug)]
pub(crate) enum Frame<'a> {
    /// A class body, with the qualified names its bases resolve to.
    Class(std::rc::Rc<[QName]>),
    /// A function body.
    Function(ruff_python_ast::name::Name),
    /// A lambda body.
    Lambda,
    /// The arguments of a call, with what the callee resolves to.
    Call(ValueSet<'a>, Option<ruff_python_ast::name::Name>),
    /// The test of an `assert` statement.
    Assert,
    /// The body of a `while` loop whose test is a constant true (`while True:`).
    EndlessLoop,
    /// The body of an `if` (or `elif`) whose test compares something with these strings.
    Tested(std::rc::Rc<[String]>),
    /// The body of an `if` that runs only when the program was started with a maintainer's
    /// command on its command line (`if sys.argv[-1] == "publish":`, see
    /// `crate::commands::is_maintainer_argv_test`): not at install or import time.
    MaintainerCommand,
    /// The function whose body this follows was called by name at import time (`_post()` at
    /// a module's top level): its body runs at import time too.
    CalledAtImport,
    /// What follows runs because a package entry file of the scan (a `setup.py`, a package's
    /// `__init__.py`) called a function of this module at import time (see
    /// `AnalyzeOptions::called_by_entry`): in these frames the file tests of `inside` also
    /// match the entry file's name.
    CalledByEntry,
}

/// Where a node sits: its enclosing frames, the file's base name, and whether the file is an
/// in-tree build backend.
pub(crate) struct Site<'s, 'a> {
    pub(crate) frames: &'s [Frame<'a>],
    pub(crate) file_name: &'s str,
    /// The name of the entry file whose import-time call runs the code in
    /// [`Frame::CalledByEntry`] frames.
    pub(crate) entry_name: Option<&'s str>,
    pub(crate) build_backend: bool,
}

/// Whether code with these frames runs when its module is imported: outside any function or
/// lambda, or in the body of one called at import time (a body called at import time is
/// back at import time).
pub(crate) fn runs_at_import(frames: &[Frame<'_>]) -> bool {
    !frames.iter().fold(false, |inside, f| match f {
        Frame::Function(_) | Frame::Lambda | Frame::MaintainerCommand => true,
        Frame::CalledAtImport => false,
        _ => inside,
    })
}

/// Answers, lazily, whether a string leaf's regex matches the string candidate at hand.
pub(crate) trait StringOracle {
    /// Whether regex `index` (into `Compiled::string_regexes`) matches.
    fn matches(&mut self, index: u32) -> bool;
    /// The regexes among `wanted` that may match: all but those that surely do not (the text
    /// fails their prefilters, or they were run and did not match). Never runs a regex.
    fn possible(&mut self, wanted: &string::Bits) -> string::Bits;
    /// The length in bytes of the string candidate.
    fn text_len(&self) -> usize;
    /// Whether the string candidate is ASCII.
    fn is_ascii(&mut self) -> bool;
}

/// Evaluates every rule touched by `hits` at one node and reports those that hold, with
/// the subject of their first hit.
pub(crate) fn evaluate(
    compiled: &Compiled,
    hits: &[Hit],
    site: &Site<'_, '_>,
    mut report: impl FnMut(u32, &QName),
) {
    if hits.is_empty() {
        return;
    }
    evaluate_with(compiled, hits, site, None, |rule, subject| {
        if let Some(subject) = subject {
            report(rule, subject);
        }
    });
}

/// Evaluates the rules touched by `hits`, and with `strings` (at a string candidate) every
/// rule that has a string leaf, computing string leaves only as the rule needs them: an `all`
/// stops at its first failing regex. Reports each rule that holds with the subject of its
/// first hit, or `None` when it holds through string leaves alone. Returns whether any rule
/// was evaluated.
pub(crate) fn evaluate_with(
    compiled: &Compiled,
    hits: &[Hit],
    site: &Site<'_, '_>,
    mut strings: Option<&mut dyn StringOracle>,
    mut report: impl FnMut(u32, Option<&QName>),
) -> bool {
    // The rules to evaluate, sorted and unique: those of the hits, and at a string candidate
    // every string rule (already sorted and unique). Kept on the stack.
    let mut rules: SmallVec<[u32; 64]> = SmallVec::new();
    let with_strings = strings.is_some();
    if let Some(oracle) = &mut strings {
        // A string rule that no hit at this node touches holds only on a long enough string,
        // some only on a string with a non-ASCII character, and one that needs one of a few
        // regexes to match is left out when each of them fails its prefilters. The rules that
        // fit a text of this length and the regexes they need come from a table (`Fit`); those
        // regexes are tested against the text all at once, and each rule then costs a test of
        // its regexes' bits instead of an evaluation.
        let len = oracle.text_len();
        let fit = match compiled.string_fit.get(len) {
            // Whether the text is ASCII matters only when some rule needs a non-ASCII character
            // and is long enough for it.
            Some([ascii, other]) => {
                if ascii.rules == other.rules || !oracle.is_ascii() {
                    other
                } else {
                    ascii
                }
            }
            // An engine without string rules has no table (and no string candidates).
            None => &string::Fit::default(),
        };
        let possible = oracle.possible(&fit.wanted);
        let may_hold = |k: usize| {
            compiled
                .string_rule_regexes
                .get(k)
                .is_some_and(|r| r.as_ref().is_none_or(|r| string::intersects(r, &possible)))
        };
        if hits.is_empty() {
            for k in string::bit_indices(&fit.rules) {
                if may_hold(k as usize)
                    && let Some(&rule) = compiled.string_rules.get(k as usize)
                {
                    rules.push(rule);
                }
            }
        } else {
            let hit_rule = |rule: u32| {
                hits.iter()
                    .any(|h| compiled.leaves.get(h.leaf as usize).is_some_and(|l| l.rule == rule))
            };
            for (k, &rule) in compiled.string_rules.iter().enumerate() {
                if (string::has_bit(&fit.rules, k) && may_hold(k)) || hit_rule(rule) {
                    rules.push(rule);
                }
            }
        }
    }
    let string_count = rules.len();
    for h in hits {
        if let Some(l) = compiled.leaves.get(h.leaf as usize)
            && !(with_strings && compiled.string_rules.binary_search(&l.rule).is_ok())
        {
            rules.push(l.rule);
        }
    }
    if rules.len() > string_count {
        rules[string_count..].sort_unstable();
        rules.dedup();
    }
    let evaluated = !rules.is_empty();
    for rule in rules {
        let Some(program) = compiled.programs.get(rule as usize) else { continue };
        if holds(compiled, program, hits, site, &mut strings) {
            let subject = hits
                .iter()
                .find(|h| compiled.leaves.get(h.leaf as usize).is_some_and(|l| l.rule == rule));
            report(rule, subject.map(|h| &h.subject));
        }
    }
    evaluated
}

fn holds(
    compiled: &Compiled,
    program: &Program,
    hits: &[Hit],
    site: &Site<'_, '_>,
    strings: &mut Option<&mut dyn StringOracle>,
) -> bool {
    match program {
        Program::Leaf(id) => match compiled.leaves.get(*id as usize).map(|l| &l.kind) {
            Some(LeafKind::String(index)) => strings.as_mut().is_some_and(|o| o.matches(*index)),
            _ => hits.iter().any(|h| h.leaf == *id),
        },
        Program::Any(items) => items.iter().any(|p| holds(compiled, p, hits, site, strings)),
        Program::All(items) => items.iter().all(|p| holds(compiled, p, hits, site, strings)),
        Program::Not(inner) => !holds(compiled, inner, hits, site, strings),
        Program::Inside(spec) => inside(spec, site),
    }
}

fn inside(spec: &Inside, site: &Site<'_, '_>) -> bool {
    if let Some(table) = &spec.class_base {
        let found = site.frames.iter().any(|f| match f {
            Frame::Class(bases) => bases.iter().any(|b| table.matches(b)),
            _ => false,
        });
        if !found {
            return false;
        }
    }
    if let Some(table) = &spec.function {
        let found = site.frames.iter().any(|f| match f {
            Frame::Function(name) => table.matches(name),
            _ => false,
        });
        if !found {
            return false;
        }
    }
    if let Some(table) = &spec.file
        && !table.matches(site.file_name)
        // Code an entry file runs in another module is tested as the entry file's for the
        // rules about what runs at install or import time (`module_level`), not for the ones
        // about what the entry file itself holds.
        && !(spec.module_level.is_some()
            && site.entry_name.is_some_and(|name| {
                table.matches(name)
                    && site.frames.iter().any(|f| matches!(f, Frame::CalledByEntry))
            }))
    {
        return false;
    }
    if let Some(table) = &spec.argument_of {
        // The innermost frame: a string in a lambda or a nested call is not the argument.
        let found = match site.frames.last() {
            // A method of an object the engine does not follow (`log.warning(...)` of a logger,
            // `parser.add_argument(help=...)`) is matched by its name: `*.warning`.
            Some(Frame::Call(callee, method)) => {
                callee.quals().any(|q| table.matches(q))
                    || method
                        .as_ref()
                        .is_some_and(|m| !callee.refers() && table.matches(&format!("*.{m}")))
            }
            _ => false,
        };
        if !found {
            return false;
        }
    }
    if let Some(want) = spec.assert_test
        && want != site.frames.iter().any(|f| matches!(f, Frame::Assert))
    {
        return false;
    }
    if let Some(want) = spec.endless_loop
        && want != in_endless_loop(site.frames)
    {
        return false;
    }
    if let Some(re) = &spec.tested_against
        && !tested_against(site.frames, |text| re.is_match(text))
    {
        return false;
    }
    if spec.build_backend.is_some_and(|want| want != site.build_backend) {
        return false;
    }
    if spec.module_level.is_some_and(|want| want != runs_at_import(site.frames)) {
        return false;
    }
    if let Some(table) = &spec.call {
        let found = site.frames.iter().any(|f| match f {
            Frame::Call(callee, _) => callee.quals().any(|q| table.matches(q)),
            _ => false,
        });
        if !found {
            return false;
        }
    }
    true
}

/// Whether the node is in the body of an `if` of its own function whose test compares
/// something with a string that `test` accepts.
fn tested_against(frames: &[Frame<'_>], mut test: impl FnMut(&str) -> bool) -> bool {
    frames
        .iter()
        .rev()
        .take_while(|f| !matches!(f, Frame::Function(_) | Frame::Lambda | Frame::Class(_)))
        .any(|f| matches!(f, Frame::Tested(texts) if texts.iter().any(|t| test(t))))
}

/// Whether the node is in the body of a `while True:` loop of its own function (a function
/// defined in the loop's body runs when it is called, not on each turn).
fn in_endless_loop(frames: &[Frame<'_>]) -> bool {
    frames
        .iter()
        .rev()
        .take_while(|f| !matches!(f, Frame::Function(_) | Frame::Lambda | Frame::Class(_)))
        .any(|f| matches!(f, Frame::EndlessLoop))
}

/// Pushes a hit for each leaf `lookup` yields, once per leaf.
pub(crate) fn push_unique(hits: &mut Vec<Hit>, from: usize, leaf: u32, subject: &QName) {
    if !hits[from..].iter().any(|h| h.leaf == leaf) {
        hits.push(Hit { leaf, subject: subject.clone() });
    }
}

/// Pushes the leaves of `table` (a `reference:` or `store:` table) matching a name `vals` may
/// stand for, once per leaf.
pub(crate) fn name_hits(
    table: &crate::glob::NameTable,
    vals: &crate::value::ValueSet<'_>,
    memo: &mut crate::glob::NameMemo,
    out: &mut Vec<Hit>,
) {
    if table.is_empty() {
        return;
    }
    let from = out.len();
    for q in vals.quals() {
        for &leaf in table.leaves(q, memo) {
            push_unique(out, from, leaf, q);
        }
    }
}

/// Compiles a one-pack rule set from YAML for the unit tests of the matcher kinds.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use crate::{AnalyzeOptions, Analyzer};

    pub(crate) fn analyzer(yaml: &str) -> Analyzer {
        let mut set = pysbx_rules::RuleSet::new();
        pysbx_rules::load_rules_from_str(yaml, Path::new("test.rules.yaml"), "test", &mut set)
            .expect("test rules load");
        Analyzer::new(&set).expect("test rules compile")
    }

    /// `(line, rule id, subject)` of every finding.
    pub(crate) fn findings(an: &Analyzer, source: &str) -> Vec<(u32, String, String)> {
        findings_in(an, source, "t.py")
    }

    pub(crate) fn findings_in(
        an: &Analyzer,
        source: &str,
        path: &str,
    ) -> Vec<(u32, String, String)> {
        let out = an.analyze(source, Path::new(path), &AnalyzeOptions::default());
        assert!(out.error.is_none(), "unexpected error: {:?}", out.error);
        out.findings
            .iter()
            .map(|f| {
                (
                    f.location.line,
                    an.rule(f.rule).map(|r| r.id.clone()).unwrap_or_default(),
                    f.subject.clone(),
                )
            })
            .collect()
    }

    /// The lines of the findings of one rule.
    pub(crate) fn lines(an: &Analyzer, source: &str, id: &str) -> Vec<u32> {
        findings(an, source).into_iter().filter(|(_, r, _)| r == id).map(|(l, _, _)| l).collect()
    }

    /// A one-rule pack.
    pub(crate) fn pack(id: &str, matcher: &str) -> String {
        format!(
            "family: test\nrules:\n  - id: {id}\n    name: rule-{}\n    severity: high\n    message: 'found {{name}}'\n    match: {matcher}\n",
            id.to_ascii_lowercase()
        )
    }
}
