//! The sanitizer of pysbx: findings whose rule action is `strip` or `stub` become text
//! edits on the original source, and the result is checked before it is returned.
//!
//! The AST only decides *what* to replace; the output is the input with a few ranges
//! spliced, so comments, formatting and every untouched line stay exactly where they were.
//! Each replacement holds as many line breaks as the text it replaces, so every line keeps
//! its number and tracebacks from the sanitized module point at the original source.
//!
//! - `stub` replaces an expression with one that raises a `PermissionError` subclass naming
//!   the rule, the line and the original code, without needing any import (see `stub.rs`
//!   for the text and `strategies/stub.rs` for where it goes). Imports bind their names to
//!   an object that raises on first use.
//! - `strip` replaces a statement with `pass` (see `strategies/strip.rs`).
//! - Names the removed code bound stay bound, to an object that raises on use, so no later
//!   line reaches what they shadowed (see `strategies/bindings.rs`).
//!
//! Guarantees, each tested: the output parses (it is re-parsed, and a failure is an
//! [`RewriteError::Internal`], never emitted); line numbers are preserved; the output runs
//! under a plain `python3`; and sanitizing the output again changes nothing, which
//! [`sanitize_until_stable`] makes certain by re-analysing until a round changes nothing.
//! `docs/sanitize.md` describes the output for users.
#![deny(missing_docs)]

mod checked;
mod deep;
mod diff;
mod edit;
mod error;
mod fixpoint;
mod strategies;
mod stub;
mod text;
mod tree;

use std::collections::BTreeMap;
use std::fmt;

use pysbx_rules::{Action, Finding, RuleSet};
use ruff_python_ast::{Mod, ModModule};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
use ruff_source_file::LineIndex;
use ruff_text_size::{TextRange, TextSize};

pub use checked::{CheckedOptions, checked_by_the_guard};
pub use diff::unified_diff;
pub use error::RewriteError;
pub use fixpoint::{MAX_ROUNDS, sanitize_until_stable};
pub use stub::{BLOCKED_MODULE_CLASS, STUB_EXCEPTION};

use edit::Planned;
use strategies::bindings::{Bindings, bindings};
use strategies::imports;
use strategies::strip::{self as strip_strategy, StripTarget};
use strategies::stub::{self as stub_strategy, StubTarget};
use tree::NodeTree;

/// A sanitized module and what was done to produce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanitized {
    /// The sanitized source; equal to the input when no edit applied.
    pub output: String,
    /// The edits applied, sorted by start offset.
    pub edits: Vec<AppliedEdit>,
    /// Findings with a `strip` or `stub` action that produced no edit of their own, with why.
    pub skipped: Vec<SkippedEdit>,
}

impl Sanitized {
    /// Whether the output differs from the input.
    #[must_use]
    pub fn changed(&self) -> bool {
        !self.edits.is_empty()
    }
}

/// One replacement made in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedEdit {
    /// Index into the findings of the finding whose rule the replacement names (the findings
    /// of round [`AppliedEdit::round`] with [`sanitize_until_stable`]).
    pub finding: usize,
    /// Index in the rule set of that finding's rule.
    pub rule: usize,
    /// 0 for edits from the findings given; `n` for edits from the `n`-th re-analysis of
    /// [`sanitize_until_stable`].
    pub round: u32,
    /// Other findings this same edit resolves: findings on the same node with the same
    /// action, or on other names of the same import statement.
    pub also: Vec<usize>,
    /// `Strip` or `Stub`.
    pub action: Action,
    /// Byte offset in the input where the replaced text starts.
    pub start: u32,
    /// Byte offset in the input where the replaced text ends (exclusive).
    pub end: u32,
    /// The replaced text.
    pub original: String,
    /// The text put in its place (same number of line breaks).
    pub replacement: String,
    /// 1-based line where the replaced text starts, in the input and the output alike.
    pub line: u32,
}

/// A finding with a `strip` or `stub` action that did not become an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEdit {
    /// Index into the findings (of round [`SkippedEdit::round`]).
    pub finding: usize,
    /// As [`AppliedEdit::round`].
    pub round: u32,
    /// Why no edit was made for it.
    pub reason: SkipReason,
}

/// Why a finding did not become an edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Its target lies inside (or is) the text another edit replaces, so that edit already
    /// removes the flagged code. `by` is that edit's finding.
    Covered {
        /// The finding of the edit that won.
        by: usize,
    },
    /// The finding lies inside a stub written by an earlier sanitizing: only the stub's
    /// inert message is there (this is what makes sanitizing idempotent).
    InsideStub,
    /// The byte range is beyond the source or not on character boundaries.
    OutOfRange,
    /// No single statement contains the range (it spans several, or none).
    NoNode,
    /// The finding's rule index is not in the rule set.
    UnknownRule,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Covered { by } => write!(f, "covered by the edit for finding {by}"),
            Self::InsideStub => f.write_str("inside a stub from an earlier sanitizing"),
            Self::OutOfRange => f.write_str("range outside the source"),
            Self::NoNode => f.write_str("no single statement contains the range"),
            Self::UnknownRule => f.write_str("rule not in the rule set"),
        }
    }
}

/// Sanitizes `source`: applies the `strip` and `stub` actions of `findings` (produced by
/// analysing this very text with `rules`). Findings whose rule says `report` are ignored.
///
/// # Errors
/// [`RewriteError::Unparsable`] when `source` is not valid Python, and
/// [`RewriteError::Internal`] when the edited module would not parse or would move a line
/// (a bug: the invalid text is never returned).
pub fn sanitize(
    source: &str,
    findings: &[Finding],
    rules: &RuleSet,
) -> Result<Sanitized, RewriteError> {
    let module = parse(source).map_err(|(offset, message)| {
        let (line, column) = line_column(source, offset);
        RewriteError::Unparsable { line, column, message }
    })?;
    let tree = NodeTree::build(&module);
    let deep = tree.max_depth() > deep::DISMANTLE_DEPTH;
    let result = sanitize_module(source, findings, rules, &tree);
    drop(tree);
    if deep {
        deep::dismantle(module);
    }
    let (output, kept, skipped) = result?;
    verify(source, &output, deep)?;
    let lines = text::LineStarts::new(source);

    let edits = kept
        .into_iter()
        .map(|p| AppliedEdit {
            finding: p.finding,
            rule: findings.get(p.finding).map_or(usize::MAX, |f| f.rule),
            round: 0,
            also: p.also,
            action: p.action,
            start: u32::from(p.range.start()),
            end: u32::from(p.range.end()),
            original: source[p.range].to_string(),
            line: lines.line_of(usize::from(p.range.start())),
            replacement: p.replacement,
        })
        .collect();
    Ok(Sanitized { output, edits, skipped })
}

/// The edits for `findings` on the parsed `source`, and the spliced output (not yet verified).
fn sanitize_module(
    source: &str,
    findings: &[Finding],
    rules: &RuleSet,
    tree: &NodeTree<'_>,
) -> Result<(String, Vec<Planned>, Vec<SkippedEdit>), RewriteError> {
    let stubs = stub::stub_regions(tree, source);
    let lines = text::LineStarts::new(source);

    let mut skipped = Vec::new();
    let mut planned = Vec::new();
    // Import statements collect their flagged names from every finding before rendering.
    let mut imports: BTreeMap<tree::NodeId, Vec<(usize, Action, Vec<usize>)>> = BTreeMap::new();

    for (index, finding) in findings.iter().enumerate() {
        let Some(rule) = rules.get(finding.rule) else {
            skipped.push(SkippedEdit { finding: index, round: 0, reason: SkipReason::UnknownRule });
            continue;
        };
        if rule.action == Action::Report {
            continue;
        }
        let Some(range) = finding_range(source, finding) else {
            skipped.push(SkippedEdit { finding: index, round: 0, reason: SkipReason::OutOfRange });
            continue;
        };
        if stubs.iter().any(|s| s.contains_range(range)) {
            skipped.push(SkippedEdit { finding: index, round: 0, reason: SkipReason::InsideStub });
            continue;
        }
        let Some(deepest) = tree.deepest_containing(range) else {
            skipped.push(SkippedEdit { finding: index, round: 0, reason: SkipReason::NoNode });
            continue;
        };
        let edit = match rule.action {
            Action::Strip => match strip_strategy::target(tree, deepest) {
                Some(StripTarget::Statement(stmt))
                    if let Some(aliases) = imports::flagged_aliases(tree, stmt, deepest) =>
                {
                    imports.entry(stmt).or_default().push((index, Action::Strip, aliases));
                    continue;
                }
                target => target.map(|target| {
                    let range = target.range(tree);
                    let original = &source[range];
                    let keep = match target {
                        StripTarget::Statement(stmt) => bindings(tree, stmt),
                        StripTarget::Decorator(_) => Bindings::default(),
                    };
                    let line = lines.line_of(usize::from(range.start()));
                    let use_message =
                        stub::blocked_use_message(rule, line, &keep.names.join(", "), original);
                    Planned {
                        range,
                        action: Action::Strip,
                        finding: index,
                        also: Vec::new(),
                        replacement: strip_strategy::render(target, original, &keep, &use_message),
                    }
                }),
            },
            Action::Stub => match stub_strategy::target(tree, deepest) {
                Some(StubTarget::Import { stmt, aliases }) => {
                    imports.entry(stmt).or_default().push((index, Action::Stub, aliases));
                    continue;
                }
                Some(target) => {
                    let target_range = target.range(tree);
                    let original = &source[target_range];
                    let line = lines.line_of(usize::from(target_range.start()));
                    let message = stub::message(rule, line, original);
                    let keep = match target {
                        StubTarget::Expr(id)
                        | StubTarget::Base(id)
                        | StubTarget::Held(id)
                        | StubTarget::Statement(id) => bindings(tree, id),
                        StubTarget::Import { .. } => Bindings::default(),
                    };
                    let use_message =
                        stub::blocked_use_message(rule, line, &keep.names.join(", "), original);
                    // A module imported by a call (`importlib.import_module(name)`,
                    // `__import__(name)`) refused as a missing one is: the optional-dependency
                    // idiom around it (`except ImportError:`) takes its fallback, as it does
                    // for a refused `import` statement. No handler's class is asked then.
                    let missing_module = matches!(target, StubTarget::Expr(id)
                        if stub_strategy::is_dynamic_import(tree.node(id)));
                    let caught = match target {
                        StubTarget::Expr(id) | StubTarget::Statement(id) if !missing_module => {
                            let around = stub_strategy::caught_around(tree, source, id);
                            if around.is_empty() {
                                stub_strategy::offline_failure(
                                    tree,
                                    source,
                                    deepest,
                                    &finding.subject,
                                )
                            } else {
                                around
                            }
                        }
                        _ => Vec::new(),
                    };
                    let replacement = stub_strategy::render_raise(
                        &target,
                        original,
                        &message,
                        &keep,
                        &use_message,
                        if missing_module { None } else { Some(caught.as_slice()) },
                    );
                    Some(Planned {
                        range: target_range,
                        action: Action::Stub,
                        finding: index,
                        also: Vec::new(),
                        replacement,
                    })
                }
                None => None,
            },
            Action::Report => continue,
        };
        match edit {
            Some(edit) => planned.push(edit),
            None => {
                skipped.push(SkippedEdit { finding: index, round: 0, reason: SkipReason::NoNode })
            }
        }
    }

    for (stmt, flagged) in imports {
        planned.push(import_edit(source, &lines, tree, rules, findings, stmt, &flagged)?);
    }

    let (kept, dropped) = edit::resolve_overlaps(planned);
    skipped.extend(dropped.into_iter().map(|(finding, reason)| SkippedEdit {
        finding,
        round: 0,
        reason,
    }));
    skipped.sort_by_key(|s| s.finding);

    let output = edit::apply(source, &kept);
    Ok((output, kept, skipped))
}

/// The single edit of an import statement flagged by one or more findings: each name is
/// owned by the first finding that flagged it. The edit is a stub when any name is stubbed.
fn import_edit(
    source: &str,
    lines: &text::LineStarts,
    tree: &NodeTree<'_>,
    rules: &RuleSet,
    findings: &[Finding],
    stmt: tree::NodeId,
    flagged: &[(usize, Action, Vec<usize>)],
) -> Result<Planned, RewriteError> {
    let range = tree.range(stmt);
    let original = &source[range];
    let count = imports::import_names(tree.node(stmt)).map_or(0, <[_]>::len);
    let mut owners: Vec<Option<imports::Owner<'_>>> = vec![None; count];
    for &(finding, action, ref aliases) in flagged {
        let Some(rule) = findings.get(finding).and_then(|f| rules.get(f.rule)) else { continue };
        for &alias in aliases {
            if let Some(slot) = owners.get_mut(alias)
                && slot.is_none()
            {
                *slot = Some(imports::Owner { finding, action, rule });
            }
        }
    }
    let line = lines.line_of(usize::from(range.start()));
    let handled = imports::handles_a_missing_module(tree, stmt);
    let replacement = imports::render(tree.node(stmt), original, &owners, line, handled)
        .ok_or_else(|| internal(source, range.start(), "import edit on a non-import statement"))?;
    let action = if owners.iter().flatten().any(|o| o.action == Action::Stub) {
        Action::Stub
    } else {
        Action::Strip
    };
    let mut ids = flagged.iter().map(|(f, _, _)| *f);
    let finding = ids.next().unwrap_or_default();
    Ok(Planned { range, action, finding, also: ids.collect(), replacement })
}

/// The finding's byte range, if it lies within `source` on character boundaries.
fn finding_range(source: &str, finding: &Finding) -> Option<TextRange> {
    let range = tree::text_range(finding.start, finding.end)?;
    source.get(usize::from(range.start())..usize::from(range.end())).map(|_| range)
}

/// Parses a module; on a syntax error, the offset and message of the first one.
fn parse(source: &str) -> Result<ModModule, (TextSize, String)> {
    let parsed = deep::grow(|| parse_unchecked(source, ParseOptions::from(Mode::Module)));
    let error = parsed.errors().first().map(|e| (e.location.start(), e.error.to_string()));
    let Mod::Module(module) = parsed.into_syntax() else {
        return Err((TextSize::default(), "not a module".to_string()));
    };
    match error {
        None => Ok(module),
        Some(error) => {
            // A module with a syntax error was never measured: take it apart safely.
            deep::dismantle(module);
            Err(error)
        }
    }
}

/// The output must parse and have exactly the input's line count.
fn verify(source: &str, output: &str, deep: bool) -> Result<(), RewriteError> {
    match parse(output) {
        Err((offset, message)) => {
            let (line, column) = line_column(output, offset);
            return Err(RewriteError::Internal { line, column, message });
        }
        Ok(module) if deep => deep::dismantle(module),
        Ok(_) => {}
    }
    let (before, after) = (text::count_line_breaks(source), text::count_line_breaks(output));
    if before != after {
        return Err(RewriteError::Internal {
            line: 1,
            column: 1,
            message: format!("line count changed from {} to {}", before + 1, after + 1),
        });
    }
    Ok(())
}

fn internal(source: &str, offset: TextSize, message: &str) -> RewriteError {
    let (line, column) = line_column(source, offset);
    RewriteError::Internal { line, column, message: message.to_string() }
}

fn line_column(source: &str, offset: TextSize) -> (u32, u32) {
    let offset = offset.min(TextSize::of(source));
    let lc = LineIndex::from_source_text(source).line_column(offset, source);
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (to_u32(lc.line.get()), to_u32(lc.column.get()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stub::{blocked_object, raise_expr};
    use pysbx_rules::FindingLocation;
    use ruff_python_parser::parse_module;

    const RULES: &str = r"
rules:
  - {id: TST901, name: system-stub, severity: high, action: stub, message: m, match: {call: os.system}}
  - {id: TST902, name: eval-stub, severity: high, action: stub, message: m, match: {reference: builtins.eval}}
  - {id: TST903, name: popen-strip, severity: high, action: strip, message: m, match: {call: os.popen}}
  - {id: TST904, name: ctypes-stub, severity: high, action: stub, message: m, match: {import: ctypes}}
  - {id: TST905, name: print-report, severity: low, action: report, message: m, match: {reference: builtins.print}}
  - {id: TST906, name: cffi-stub, severity: high, action: stub, message: m, match: {import: cffi}}
  - {id: TST907, name: system-stub-again, severity: high, action: stub, message: m, match: {reference: os.system}}
  - {id: TST908, name: telemetry-strip, severity: low, action: strip, message: m, match: {import: telemetry}}
";

    fn rules() -> RuleSet {
        let mut set = RuleSet::new();
        pysbx_rules::load_rules_from_str(RULES, std::path::Path::new("t.yaml"), "test", &mut set)
            .unwrap();
        set
    }

    fn finding(rules: &RuleSet, id: &str, start: usize, end: usize) -> Finding {
        Finding {
            rule: rules.index_of(id).unwrap(),
            start: u32::try_from(start).unwrap(),
            end: u32::try_from(end).unwrap(),
            location: FindingLocation::default(),
            message: String::new(),
            subject: String::new(),
            snippet: String::new(),
            snippet_start: 0,
        }
    }

    /// A stand-in for the analysis that flags every occurrence of each needle, strings and
    /// stubs included: harsher than the real matcher, which is what idempotence needs.
    fn toy_findings(rules: &RuleSet, source: &str, needles: &[(&str, &str)]) -> Vec<Finding> {
        let mut out = Vec::new();
        for (id, needle) in needles {
            for (start, _) in source.match_indices(needle) {
                out.push(finding(rules, id, start, start + needle.len()));
            }
        }
        out
    }

    /// Sanitizes with toy findings and checks every guarantee: the output parses, has the
    /// same line count, keeps every line no edit touched, and a second pass changes nothing.
    fn check(source: &str, needles: &[(&str, &str)]) -> Sanitized {
        let rules = rules();
        let findings = toy_findings(&rules, source, needles);
        let result = sanitize(source, &findings, &rules).unwrap();
        parse_module(&result.output).unwrap();
        let before: Vec<&str> = source.split('\n').collect();
        let after: Vec<&str> = result.output.split('\n').collect();
        assert_eq!(before.len(), after.len(), "line count of\n{}", result.output);
        for (i, (b, a)) in before.iter().zip(&after).enumerate() {
            let line = u32::try_from(i + 1).unwrap();
            let touched = result.edits.iter().any(|e| {
                let last = e.line + u32::try_from(text::count_line_breaks(&e.original)).unwrap();
                (e.line..=last).contains(&line)
            });
            if !touched {
                assert_eq!(b, a, "untouched line {line} changed");
            }
        }
        for edit in &result.edits {
            assert_eq!(
                text::count_line_breaks(&edit.original),
                text::count_line_breaks(&edit.replacement)
            );
            assert_eq!(&source[edit.start as usize..edit.end as usize], edit.original);
        }
        let again = toy_findings(&rules, &result.output, needles);
        let second = sanitize(&result.output, &again, &rules).unwrap();
        assert_eq!(second.output, result.output, "second pass changed the output");
        assert!(second.edits.is_empty());
        result
    }

    fn stub_of(id: &str, name: &str, line: u32, code: &str) -> String {
        raise_expr(&format!("{id} ({name}) blocked at line {line}: {code}"))
    }

    fn object_of(id: &str, name: &str, names: &str, line: u32, code: &str) -> String {
        blocked_object(&format!("{id} ({name}) blocked use of {names} at line {line}: {code}"))
    }

    #[test]
    fn a_stubbed_call_becomes_a_raising_expression_on_its_line() {
        let src = "import os\nprint('a')\nos.system('x')  # keep me\nprint('b')\n";
        let result = check(src, &[("TST901", "os.system")]);
        let stub = stub_of("TST901", "system-stub", 3, "os.system('x')");
        assert_eq!(
            result.output,
            format!("import os\nprint('a')\n{stub}  # keep me\nprint('b')\n")
        );
        assert_eq!(result.edits.len(), 1);
        assert_eq!((result.edits[0].line, result.edits[0].action), (3, Action::Stub));
        assert_eq!(result.edits[0].original, "os.system('x')");
    }

    #[test]
    fn a_multi_line_call_keeps_its_line_breaks_inside_parentheses() {
        let src = "x = os.system(\n    'x',\r\n)\ny = 1\n";
        let result = check(src, &[("TST901", "os.system")]);
        let stub = stub_of("TST901", "system-stub", 1, "os.system( 'x', )");
        assert_eq!(result.output, format!("x = ({stub}\n\r\n)\ny = 1\n"));
    }

    #[test]
    fn names_decorators_f_strings_and_many_contexts_are_stubbed_in_place() {
        let src = "\
f = eval
@eval
def g(a=eval, *b: eval) -> eval:
    return [eval for _ in b if eval]
class C(eval, metaclass=eval): pass
h = lambda: eval
print(f\"{eval('1')!r:>{eval}}\", *eval, **eval)
x = {eval: eval, **eval}[eval:eval]
y = -eval if not eval else (yield eval)
with eval as z: pass
try:
    pass
except eval:
    pass
";
        let result = check(src, &[("TST902", "eval")]);
        let lines: Vec<&str> = result.output.lines().collect();
        let s = |line: u32, code: &str| stub_of("TST902", "eval-stub", line, code);
        // Held by a name or as a default: a blocked object, which raises when used.
        let held = |line: u32, code: &str| {
            blocked_object(&format!("TST902 (eval-stub) blocked at line {line}: {code}"))
        };
        assert_eq!(lines[0], format!("f = {}", held(1, "eval")));
        assert_eq!(lines[1], format!("@{}", s(2, "eval")));
        assert!(lines[2].starts_with(&format!(
            "def g(a={}, *b: {}",
            held(3, "eval"),
            s(3, "eval")
        )));
        assert_eq!(
            lines[6],
            format!(
                "print({}, *{}, **{})",
                s(7, "f\"{eval('1')!r:>{eval}}\""),
                s(7, "eval"),
                s(7, "eval")
            )
        );
        // The f-string's inner findings are covered by the stub of the whole f-string.
        assert!(result.skipped.iter().all(|sk| matches!(sk.reason, SkipReason::Covered { .. })));
        assert!(!result.output.contains("eval,") && !result.output.contains(" eval "));
    }

    #[test]
    fn targets_that_are_not_values_stub_the_statement() {
        let src = "if x:\n    eval = 1\nelse:\n    del eval\nfor eval in y:\n    pass\n";
        let result = check(src, &[("TST902", "eval")]);
        let s = |line: u32, code: &str| stub_of("TST902", "eval-stub", line, code);
        let o = |line: u32, code: &str| object_of("TST902", "eval-stub", "eval", line, code);
        // The names the statement bound stay bound, to a blocked object.
        assert_eq!(
            result.output,
            format!(
                "if x:\n    eval = {}; {}\nelse:\n    {}\neval = {}; ({}\n)\n",
                o(2, "eval = 1"),
                s(2, "eval = 1"),
                s(4, "del eval"),
                o(5, "for eval in y: pass"),
                s(5, "for eval in y: pass")
            )
        );
    }

    #[test]
    fn strip_keeps_blocks_semicolons_and_continuations_valid() {
        let src = "\
if x:
    os.popen('a')
elif y:
    a = 1; os.popen('b'); b = 2
else:
    os.popen(
        'c'); c = 3
try:
    v = \\
        os.popen('d')
finally:
    os.popen('e')
";
        let result = check(src, &[("TST903", "os.popen")]);
        let v = object_of("TST903", "popen-strip", "v", 9, "v = \\ os.popen('d')");
        assert_eq!(
            result.output,
            format!(
                "\
if x:
    pass
elif y:
    a = 1; pass; b = 2
else:
    pass; (
); c = 3
try:
    v = {v}; (
)
finally:
    pass
"
            )
        );
    }

    #[test]
    fn strip_removes_compound_statements_whole_and_decorators_alone() {
        let src = "\
with os.popen('x') as f:
    f.read()
@os.popen('y')
@staticmethod
def g():
    return 1
";
        let result = check(src, &[("TST903", "os.popen")]);
        let f = object_of("TST903", "popen-strip", "f", 1, "with os.popen('x') as f: f.read()");
        assert_eq!(
            result.output,
            format!("f = {f}; (\n)\n\n@staticmethod\ndef g():\n    return 1\n")
        );
    }

    #[test]
    fn imports_bind_flagged_names_to_blocked_objects() {
        let src = "\
import ctypes
import os, ctypes.util
import os.path, ctypes as c
from ctypes import (CDLL,
    c_int)
from ctypes import *
";
        let needles = [
            ("TST904", "import ctypes"),
            ("TST904", "ctypes.util"),
            ("TST904", "ctypes as c"),
            ("TST904", "from ctypes import (CDLL"),
            ("TST904", "from ctypes import *"),
        ];
        let result = check(src, &needles);
        let lines: Vec<&str> = result.output.lines().collect();
        let obj = |names: &str, line: u32, code: &str| {
            blocked_object(&format!(
                "TST904 (ctypes-stub) blocked use of {names} at line {line}: {code}"
            ))
        };
        assert_eq!(lines[0], format!("ctypes = {}", obj("ctypes", 1, "import ctypes")));
        assert_eq!(
            lines[1],
            format!("import os; ctypes = {}", obj("ctypes", 2, "import os, ctypes.util"))
        );
        assert_eq!(
            lines[2],
            format!("import os.path; c = {}", obj("c", 3, "import os.path, ctypes as c"))
        );
        assert_eq!(
            lines[3],
            format!(
                "CDLL = c_int = {}; (",
                obj("CDLL, c_int", 4, "from ctypes import (CDLL, c_int)")
            )
        );
        assert_eq!(lines[4], ")");
        assert_eq!(lines[5], stub_of("TST904", "ctypes-stub", 6, "from ctypes import *"));
    }

    #[test]
    fn stripping_an_import_binds_only_the_flagged_names() {
        let src = "import os, telemetry\nfrom telemetry import (\n    send)\nimport telemetry\n";
        let result = check(src, &[("TST908", "telemetry")]);
        let o = |names: &str, line: u32, code: &str| {
            object_of("TST908", "telemetry-strip", names, line, code)
        };
        assert_eq!(
            result.output,
            format!(
                "import os; telemetry = {}\nsend = {}; (\n)\ntelemetry = {}\n",
                o("telemetry", 1, "import os, telemetry"),
                o("send", 2, "from telemetry import ( send)"),
                o("telemetry", 4, "import telemetry")
            )
        );
        assert!(result.edits.iter().all(|e| e.action == Action::Strip));
    }

    #[test]
    fn findings_of_two_rules_on_one_import_share_its_edit() {
        let src = "import ctypes, cffi, os\n";
        let rules = rules();
        let findings = toy_findings(&rules, src, &[("TST906", "cffi"), ("TST904", "ctypes")]);
        let result = sanitize(src, &findings, &rules).unwrap();
        assert_eq!(result.edits.len(), 1);
        assert_eq!((result.edits[0].finding, result.edits[0].also.clone()), (0, vec![1]));
        let ctypes = blocked_object(
            "TST904 (ctypes-stub) blocked use of ctypes at line 1: import ctypes, cffi, os",
        );
        let cffi = blocked_object(
            "TST906 (cffi-stub) blocked use of cffi at line 1: import ctypes, cffi, os",
        );
        assert_eq!(result.output, format!("ctypes = {ctypes}; cffi = {cffi}; import os\n"));
    }

    #[test]
    fn nested_findings_are_skipped_and_same_node_findings_merged() {
        let src = "os.popen(os.system('x'))\nos.system('y')\n";
        let result =
            check(src, &[("TST903", "os.popen"), ("TST901", "os.system"), ("TST907", "os.system")]);
        assert_eq!(result.edits.len(), 2);
        assert_eq!(result.edits[0].action, Action::Strip);
        // Findings in input order: popen@0, system@9, system@25 (TST901), then TST907's two.
        assert_eq!(result.edits[1].finding, 2);
        assert_eq!(result.edits[1].also, vec![4]);
        assert_eq!(
            result.skipped,
            vec![
                SkippedEdit { finding: 1, round: 0, reason: SkipReason::Covered { by: 0 } },
                SkippedEdit { finding: 3, round: 0, reason: SkipReason::Covered { by: 0 } },
            ]
        );
    }

    #[test]
    fn a_stubbed_expression_keeps_its_walrus_bindings() {
        let src = "print((n := eval('1')), n)\nx = eval((m := 2)) + m\n";
        let result = check(src, &[("TST902", "eval")]);
        let lines: Vec<&str> = result.output.lines().collect();
        assert_eq!(
            lines[0],
            format!("print((n := {}), n)", stub_of("TST902", "eval-stub", 1, "eval('1')"))
        );
        let m = object_of("TST902", "eval-stub", "m", 2, "eval((m := 2))");
        let s = stub_of("TST902", "eval-stub", 2, "eval((m := 2))");
        assert_eq!(lines[1], format!("x = ((m := {m}), {s}) + m"));
    }

    #[test]
    fn bad_findings_are_skipped_and_report_findings_ignored() {
        let rules = rules();
        let src = "print(1)\nx = 2\n";
        let mut unknown = finding(&rules, "TST901", 0, 5);
        unknown.rule = 999;
        let findings = vec![
            finding(&rules, "TST905", 0, 5),
            finding(&rules, "TST901", 0, 500),
            unknown,
            finding(&rules, "TST901", 0, 14),
        ];
        let result = sanitize(src, &findings, &rules).unwrap();
        assert_eq!(result.output, src);
        assert!(!result.changed());
        let reasons: Vec<(usize, SkipReason)> =
            result.skipped.iter().map(|s| (s.finding, s.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (1, SkipReason::OutOfRange),
                (2, SkipReason::UnknownRule),
                (3, SkipReason::NoNode)
            ]
        );
    }

    #[test]
    fn a_range_off_a_character_boundary_is_out_of_range() {
        let rules = rules();
        let src = "x = 'é'\n";
        let result = sanitize(src, &[finding(&rules, "TST901", 5, 6)], &rules).unwrap();
        assert_eq!(result.skipped[0].reason, SkipReason::OutOfRange);
    }

    #[test]
    fn unparsable_input_is_an_error_with_its_position() {
        let rules = rules();
        let err = sanitize("x = 1\ndef (:\n", &[], &rules).unwrap_err();
        let RewriteError::Unparsable { line, .. } = err else { panic!("{err}") };
        assert_eq!(line, 2);
        assert!(err.to_string().starts_with("2:"));
    }

    #[test]
    fn crlf_sources_keep_their_line_endings() {
        let src = "import os\r\nos.system(\r\n  'x')\r\nprint(1)\r\n";
        let result = check(src, &[("TST901", "os.system")]);
        let stub = stub_of("TST901", "system-stub", 2, "os.system( 'x')");
        assert_eq!(result.output, format!("import os\r\n({stub}\r\n)\r\nprint(1)\r\n"));
    }

    #[test]
    fn a_very_deep_expression_is_sanitized_on_a_small_stack() {
        let src = format!("import os\nx = 1{}\nos.system('x')\n", "+1".repeat(200_000));
        let handle = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let rules = rules();
                let start = src.find("os.system").unwrap();
                let findings = vec![finding(&rules, "TST901", start, start + 9)];
                let result = sanitize(&src, &findings, &rules).unwrap();
                assert_eq!(result.edits.len(), 1);
                let bad = format!("{}def (:\n", &src[..start]);
                let err = sanitize(&bad, &[], &rules).unwrap_err();
                assert!(matches!(err, RewriteError::Unparsable { line: 3, .. }), "{err}");
            })
            .unwrap();
        handle.join().unwrap();
    }

    #[test]
    fn a_lookalike_stub_hiding_code_is_still_sanitized() {
        let forged = raise_expr("m").replace("(\"m\")", "(os.system('x'))");
        let src = format!("{forged}\n");
        let result = check(&src, &[("TST901", "os.system")]);
        assert_eq!(result.edits.len(), 1);
        assert!(result.skipped.iter().all(|s| s.reason != SkipReason::InsideStub));
    }
}
