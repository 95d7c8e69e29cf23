//! The pysbx analysis engine: turns Python source, its path and a compiled rule set into
//! findings, in one pass over the syntax tree whatever the number of rules.
//!
//! The pass resolves names the way Python scopes them (imports, aliases, shadowing, builtins),
//! folds constant strings (`"o" + "s"`, `"".join(...)`, base64, rot13...), and looks every
//! node up in tables compiled once from the rules. It never panics and never recurses without
//! bound on hostile input: see `docs/analysis.md`.
#![deny(missing_docs)]

mod builtins;
mod compile;
mod decode;
mod deep;
mod error;
mod escapes;
mod fold;
mod glob;
mod guard;
mod matchers;
mod position;
mod scope;
mod suppress;
mod utf7;
mod value;
mod walk;

use std::path::Path;
use std::time::Instant;

use pysbx_rules::{Finding, FindingLocation, Rule, RuleSet};
use ruff_python_ast::Mod;
use ruff_python_ast::token::TokenKind;
use ruff_python_parser::{Mode, ParseOptions};
use ruff_source_file::LineIndex;
use ruff_text_size::{Ranged, TextSize};

pub use decode::{decode_source, encode_like_source};
pub use error::{CompileError, SourceError, SourceErrorKind};

use crate::compile::Compiled;
pub use crate::compile::Workload;
use crate::walk::{Raw, Walker};

/// The most lines a finding's snippet keeps.
const SNIPPET_LINES: usize = 5;
/// The most bytes a finding's snippet keeps.
const SNIPPET_BYTES: usize = 2048;
/// How many times a file is read at most (a function binding a global after the module was
/// read makes the module be read again with that binding known).
const MAX_READINGS: usize = 3;

/// The stack a thread that runs [`Analyzer::analyze`] should have. The parser's stack need is
/// bounded by the file's bracket count (see `guard`); a thread with less than a file needs gets
/// a stack mapped for that file alone, which on a 2 MiB default thread stack is most files and
/// costs a page-faulted mapping each. 32 MiB covers every file the guard does not lex first.
/// It is address space: pages never touched are never committed.
pub const WORKER_STACK_BYTES: usize = 32 * 1024 * 1024;

/// A rule set compiled into lookup tables, ready to analyse any number of files (it is `Sync`:
/// share one across threads).
#[derive(Debug)]
pub struct Analyzer {
    compiled: Compiled,
}

/// Options of one analysis.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    /// Drop findings on lines carrying `# pysbx: ignore[ID]` or `# nosec` comments.
    pub honor_suppressions: bool,
    /// When set, the analysis stops once this instant has passed (checked after parsing and
    /// every 1024 syntax tree nodes) and the file comes back with a
    /// [`SourceErrorKind::TimedOut`] error and no findings.
    pub deadline: Option<Instant>,
    /// The file is a project's in-tree build backend (`build-backend` and `backend-path` in
    /// its `pyproject.toml`): it runs when the package is built from source, so rules
    /// `inside: {build_backend: true}` apply to it.
    pub build_backend: bool,
}

/// The result of analysing one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileAnalysis {
    /// Findings sorted by (start offset, rule id), at most one per rule and node.
    pub findings: Vec<Finding>,
    /// Why the file could not be analysed; `findings` is then empty.
    pub error: Option<SourceError>,
    /// How many findings suppression comments dropped.
    pub suppressed: usize,
}

impl Analyzer {
    /// Compiles the rules into lookup tables (qualified-name globs to rules, attribute names
    /// to rules, module globs to rules, one regex set for all string rules).
    ///
    /// # Errors
    /// A [`CompileError`] naming the rule when a regex or a name pattern does not compile.
    pub fn new(rules: &RuleSet) -> Result<Analyzer, CompileError> {
        Self::for_workload(rules, Workload::ManyFiles)
    }

    /// As [`Analyzer::new`], built for the given workload: [`Workload::FewFiles`] is cheaper
    /// to build and slower per file, with the same findings.
    ///
    /// # Errors
    /// As [`Analyzer::new`].
    pub fn for_workload(rules: &RuleSet, workload: Workload) -> Result<Analyzer, CompileError> {
        Ok(Self { compiled: Compiled::new(rules, workload)? })
    }

    /// The rule at `index` (the `rule` field of a [`Finding`]).
    #[must_use]
    pub fn rule(&self, index: usize) -> Option<&Rule> {
        self.compiled.rules.get(index)
    }

    /// The rules, in the order of the rule set the analyzer was compiled from.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.compiled.rules
    }

    /// Analyses one decoded source file (see [`decode_source`]). `path` is used for `inside:
    /// {file: ...}` filters only. Never panics: unparseable or pathological input comes back
    /// as [`FileAnalysis::error`].
    #[must_use]
    pub fn analyze(&self, source: &str, path: &Path, options: &AnalyzeOptions) -> FileAnalysis {
        if u32::try_from(source.len()).is_err() {
            return FileAnalysis {
                error: Some(SourceError {
                    kind: SourceErrorKind::TooDeep,
                    message: "file too large to analyse (4 GiB or more)".to_string(),
                    line: 1,
                    column: 1,
                }),
                ..FileAnalysis::default()
            };
        }
        let file_name =
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // The parser grows its own stack; this keeps the engine's first frames off a thread
        // whose stack is nearly used up.
        stacker::maybe_grow(256 * 1024, 2 * 1024 * 1024, || {
            self.analyze_on_stack(source, &file_name, options)
        })
    }

    fn analyze_on_stack(
        &self,
        source: &str,
        file_name: &str,
        options: &AnalyzeOptions,
    ) -> FileAnalysis {
        let stack = match guard::plan(source) {
            guard::Plan::Parse { stack } => stack,
            guard::Plan::TooDeep { offset } => return too_deep_brackets(source, offset),
        };
        // The tree is built in this thread's region and released in one step once the file
        // has been read (see `pysbx_arena`): nothing may cache into it after this point.
        let parsed = stacker::maybe_grow(stack, stack + 1024 * 1024, || {
            pysbx_arena::scoped(|| {
                ruff_python_parser::parse_unchecked(source, ParseOptions::from(Mode::Module))
            })
        });
        if let Some(offset) = guard::too_deep_token(parsed.tokens()) {
            deep::release(parsed);
            return too_deep_brackets(source, offset);
        }
        if let Some(first) = parsed.errors().first() {
            let index = LineIndex::from_source_text(source);
            let (line, column) = line_column(&index, source, first.location.start());
            let error = SourceError {
                kind: SourceErrorKind::Syntax,
                message: first.error.to_string(),
                line,
                column,
            };
            deep::release(parsed);
            return FileAnalysis { error: Some(error), ..FileAnalysis::default() };
        }
        let past = |deadline: Option<Instant>| deadline.is_some_and(|d| Instant::now() >= d);
        if past(options.deadline) {
            deep::release(parsed);
            return timed_out(source, TextSize::new(0));
        }
        let reading = match parsed.syntax() {
            Mod::Module(module) => self.read(&module.body, file_name, source, options),
            Mod::Expression(_) => Reading::default(),
        };
        let Reading { raw, too_deep, timed_out: late, max_depth } = reading;
        if let Some(at) = late {
            deep::release(parsed);
            return timed_out(source, at);
        }
        if let Some(at) = too_deep {
            let index = LineIndex::from_source_text(source);
            let (line, column) = line_column(&index, source, at);
            deep::release(parsed);
            return FileAnalysis {
                error: Some(SourceError {
                    kind: SourceErrorKind::TooDeep,
                    message: format!(
                        "code nested more than {} levels deep (CPython cannot compile it either)",
                        walk::MAX_DEPTH
                    ),
                    line,
                    column,
                }),
                ..FileAnalysis::default()
            };
        }
        let out = if raw.is_empty() && !self.comments_to_check(parsed.tokens(), options) {
            FileAnalysis::default()
        } else {
            self.report(raw, source, parsed.tokens(), options)
        };
        if max_depth > 1000 {
            deep::release(parsed);
        } else {
            parsed.dispose(|p| stacker::maybe_grow(1024 * 1024, 4 * 1024 * 1024, move || drop(p)));
        }
        out
    }

    /// Reads the module, again when functions bound module names after it was read.
    fn read<'a>(
        &self,
        body: &'a [ruff_python_ast::Stmt],
        file_name: &str,
        source: &'a str,
        options: &AnalyzeOptions,
    ) -> Reading {
        let deadline = options.deadline;
        // Declared first: the readings borrow the code strings parsed into it.
        let embedded = walk::EmbeddedArena::new();
        let mut seeds = Vec::new();
        let mut reading = 0;
        loop {
            let mut walker =
                Walker::new(&self.compiled, file_name, source, seeds.clone(), deadline, &embedded);
            walker.build_backend = options.build_backend;
            walker.module(body);
            reading += 1;
            let late = walker.take_late();
            if walker.too_deep.is_some()
                || walker.timed_out.is_some()
                || reading >= MAX_READINGS
                || !merge_seeds(&mut seeds, late)
            {
                return Reading {
                    raw: walker.raw,
                    too_deep: walker.too_deep,
                    timed_out: walker.timed_out,
                    max_depth: walker.max_depth,
                };
            }
        }
    }

    fn report(
        &self,
        mut raw: Vec<Raw>,
        source: &str,
        tokens: &ruff_python_ast::token::Tokens,
        options: &AnalyzeOptions,
    ) -> FileAnalysis {
        raw.extend(self.comment_hits(source, tokens));
        let raw = self.dedup(raw);
        let mut suppressions =
            options.honor_suppressions.then(|| suppress::Suppressions::from_tokens(tokens, source));
        let mut findings = Vec::with_capacity(raw.len());
        let mut suppressed = 0;
        let table = position::positions(source, raw_offsets(&raw));
        for r in raw {
            let Some(rule) = self.compiled.rules.get(r.rule as usize) else { continue };
            let start = position::find(&table, r.range.start().to_usize());
            let end = position::find(&table, r.range.end().to_usize());
            if let Some(s) = &mut suppressions
                && s.suppress(rule, start.line, end.line)
            {
                suppressed += 1;
                continue;
            }
            findings.push(self.finding(&r, rule, source, start, end));
        }
        if let Some(s) = &mut suppressions {
            let unused = self.unused_suppressions(s);
            if !unused.is_empty() {
                let table = position::positions(source, raw_offsets(&unused));
                for r in unused {
                    let Some(rule) = self.compiled.rules.get(r.rule as usize) else { continue };
                    let start = position::find(&table, r.range.start().to_usize());
                    let end = position::find(&table, r.range.end().to_usize());
                    findings.push(self.finding(&r, rule, source, start, end));
                }
                findings.sort_by(|a, b| {
                    let id = |f: &Finding| self.compiled.rules.get(f.rule).map_or("", |r| &r.id);
                    a.start.cmp(&b.start).then_with(|| id(a).cmp(id(b)))
                });
            }
        }
        FileAnalysis { findings, error: None, suppressed }
    }

    fn finding(
        &self,
        r: &Raw,
        rule: &Rule,
        source: &str,
        start: position::Pos,
        end: position::Pos,
    ) -> Finding {
        let snippet = position::snippet(
            source,
            start.line_start,
            r.range.end().to_usize(),
            SNIPPET_LINES,
            SNIPPET_BYTES,
        );
        Finding {
            rule: r.rule as usize,
            start: r.range.start().to_u32(),
            end: r.range.end().to_u32(),
            location: FindingLocation {
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
            },
            message: rule.render_message(&printable(&r.subject)),
            subject: printable(&r.subject).into_owned(),
            snippet: snippet.to_string(),
            snippet_start: u32::try_from(start.line_start).unwrap_or(u32::MAX),
        }
    }

    /// Whether a file without node findings still has comments a whole-file check reads.
    fn comments_to_check(
        &self,
        tokens: &ruff_python_ast::token::Tokens,
        options: &AnalyzeOptions,
    ) -> bool {
        let any_check = !self.compiled.comment_checks.is_empty()
            || (options.honor_suppressions && !self.compiled.unused_suppression_rules.is_empty());
        any_check && tokens.iter().any(|t| t.kind() == TokenKind::Comment)
    }

    /// The comments that `comment` checks match, as raw hits (subject: the comment's text).
    fn comment_hits(&self, source: &str, tokens: &ruff_python_ast::token::Tokens) -> Vec<Raw> {
        let checks = &self.compiled.comment_checks;
        if checks.is_empty() {
            return Vec::new();
        }
        let mut hits = Vec::new();
        for token in tokens.iter().filter(|t| t.kind() == TokenKind::Comment) {
            let range = token.range();
            let Some(text) = source.get(range.start().to_usize()..range.end().to_usize()) else {
                continue;
            };
            for (rule, re) in checks {
                if re.is_match(text) {
                    hits.push(Raw { rule: *rule, range, subject: text.into(), callee: None });
                }
            }
        }
        hits
    }

    /// One raw hit per suppression (or name in one) that suppressed nothing, for each
    /// `unused_suppression` check. Names of those checks' own rules are not judged (a comment
    /// silencing the check would otherwise report itself), and such a name in a
    /// `# pysbx: ignore[...]` on the line silences the check there.
    fn unused_suppressions(&self, suppressions: &mut suppress::Suppressions) -> Vec<Raw> {
        let checks = &self.compiled.unused_suppression_rules;
        if checks.is_empty() || suppressions.is_empty() {
            return Vec::new();
        }
        let judged: Vec<&Rule> = (0u32..)
            .zip(&self.compiled.rules)
            .filter(|(i, _)| !checks.contains(i))
            .map(|(_, r)| r)
            .collect();
        let unused = suppressions.unused(&judged);
        let mut out = Vec::new();
        for &check in checks {
            let Some(rule) = self.compiled.rules.get(check as usize) else { continue };
            for u in &unused {
                if suppressions.ignore_names(rule, u.line) {
                    continue;
                }
                out.push(Raw {
                    rule: check,
                    range: u.range,
                    subject: u.subject.as_str().into(),
                    callee: None,
                });
            }
        }
        out
    }

    /// Sorts by (start, rule id), keeps one finding per rule and start (the widest), and
    /// drops a rule's finding nested in another of the same rule that already says it: a
    /// reference that is the callee of a matched call, or an inner part of a matched
    /// expression with the same subject (`eval` inside `[eval][0]`).
    fn dedup(&self, mut raw: Vec<Raw>) -> Vec<Raw> {
        let id = |r: &Raw| self.compiled.rules.get(r.rule as usize).map_or("", |x| x.id.as_str());
        raw.sort_by(|a, b| {
            a.range
                .start()
                .cmp(&b.range.start())
                .then_with(|| id(a).cmp(id(b)))
                .then_with(|| b.range.end().cmp(&a.range.end()))
        });
        raw.dedup_by(|later, kept| {
            later.rule == kept.rule && later.range.start() == kept.range.start()
        });
        let mut kept: Vec<Raw> = Vec::with_capacity(raw.len());
        let mut open: Vec<usize> = Vec::new();
        for r in raw {
            while open.last().is_some_and(|&i| kept[i].range.end() <= r.range.start()) {
                open.pop();
            }
            let redundant = r.callee.is_none()
                && open.iter().any(|&i| {
                    let k = &kept[i];
                    k.rule == r.rule
                        && k.range.contains_range(r.range)
                        && match k.callee {
                            Some(callee) => callee.contains_range(r.range),
                            None => k.subject == r.subject,
                        }
                });
            if !redundant {
                open.push(kept.len());
                kept.push(r);
            }
        }
        kept
    }
}

/// The start and end offsets of raw hits, for one position table.
fn raw_offsets(raw: &[Raw]) -> Vec<usize> {
    raw.iter().flat_map(|r| [r.range.start().to_usize(), r.range.end().to_usize()]).collect()
}

/// What reading a module produced.
#[derive(Default)]
struct Reading {
    raw: Vec<Raw>,
    /// Where the code nested too deep.
    too_deep: Option<TextSize>,
    /// The node being read when the deadline passed.
    timed_out: Option<TextSize>,
    max_depth: u32,
}

fn timed_out(source: &str, offset: TextSize) -> FileAnalysis {
    let index = LineIndex::from_source_text(source);
    let (line, column) = line_column(&index, source, offset);
    FileAnalysis {
        error: Some(SourceError {
            kind: SourceErrorKind::TimedOut,
            message: "analysis took longer than the per-file time limit".to_string(),
            line,
            column,
        }),
        ..FileAnalysis::default()
    }
}

fn too_deep_brackets(source: &str, offset: TextSize) -> FileAnalysis {
    let index = LineIndex::from_source_text(source);
    let (line, column) = line_column(&index, source, offset);
    FileAnalysis {
        error: Some(SourceError {
            kind: SourceErrorKind::TooDeep,
            message: format!(
                "more than {} nested brackets (CPython: too many nested parentheses)",
                guard::MAX_BRACKETS
            ),
            line,
            column,
        }),
        ..FileAnalysis::default()
    }
}

/// `text` with control characters and invisible or bidirectional formatting characters
/// escaped (`\n`, `\u{202e}`), so that a subject taken from a string literal cannot break
/// a report's lines or reorder how a terminal shows it.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    fn hidden(c: char) -> bool {
        c.is_control()
            || matches!(
                c,
                '\u{061c}'
                    | '\u{180e}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{2028}'..='\u{202e}'
                    | '\u{2060}'..='\u{2064}'
                    | '\u{2066}'..='\u{2069}'
                    | '\u{feff}'
            )
    }
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if hidden(c) => out.push_str(&format!("\\u{{{:04x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Adds late writes to the seeds; true when something new was learnt.
fn merge_seeds<'a>(seeds: &mut Vec<scope::LateWrite<'a>>, late: Vec<scope::LateWrite<'a>>) -> bool {
    let mut changed = false;
    for (scope, name, vals) in late {
        match seeds.iter_mut().find(|(s, n, _)| *s == scope && *n == name) {
            Some((_, _, known)) => {
                let before = known.alts().len();
                known.union(&vals);
                changed |= known.alts().len() != before;
            }
            None => {
                seeds.push((scope, name, vals));
                changed = true;
            }
        }
    }
    changed
}

fn line_column(index: &LineIndex, source: &str, offset: TextSize) -> (u32, u32) {
    let offset = offset.min(TextSize::try_from(source.len()).unwrap_or(TextSize::new(u32::MAX)));
    let lc = index.line_column(offset, source);
    (
        u32::try_from(lc.line.get()).unwrap_or(u32::MAX),
        u32::try_from(lc.column.get()).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matchers::testing::{analyzer, pack};

    #[test]
    fn findings_carry_positions_messages_and_snippets() {
        let an = analyzer(&pack("TST900", "{call: os.system}"));
        let src = "import os\nx = 1; os.system('ls')\n";
        let out = an.analyze(src, Path::new("x.py"), &AnalyzeOptions::default());
        let f = &out.findings[0];
        assert_eq!(f.location, FindingLocation { line: 2, column: 8, end_line: 2, end_column: 23 });
        assert_eq!(&src[f.start as usize..f.end as usize], "os.system('ls')");
        assert_eq!(f.message, "found os.system");
        assert_eq!(f.subject, "os.system");
        assert_eq!(f.snippet, "x = 1; os.system('ls')");
        assert_eq!(f.snippet_start, 10);
    }

    #[test]
    fn columns_count_code_points() {
        let an = analyzer(&pack("TST901", "{call: builtins.eval}"));
        let out = an.analyze("s = 'éé'; eval(s)\n", Path::new("x.py"), &AnalyzeOptions::default());
        assert_eq!(out.findings[0].location.column, 11);
    }

    #[test]
    fn syntax_errors_have_positions_and_no_findings() {
        let an = analyzer(&pack("TST902", "{call: builtins.eval}"));
        let out = an.analyze("eval(1)\ndef f(:\n", Path::new("x.py"), &AnalyzeOptions::default());
        let err = out.error.unwrap();
        assert_eq!(err.kind, SourceErrorKind::Syntax);
        assert_eq!(err.line, 2);
        assert!(out.findings.is_empty());
    }

    #[test]
    fn suppressions_by_id_name_and_nosec() {
        let yaml = format!("{}    bandit: [B307]\n", pack("TST903", "{call: builtins.eval}"));
        let an = analyzer(&yaml);
        let src = "eval('1')  # pysbx: ignore[TST903]\neval('2')  # pysbx: ignore[rule-tst903]\neval('3')  # nosec\neval('4')  # nosec B307\neval('5')  # nosec B101\neval(\n  '6'  # pysbx: ignore[TST903]\n)\ns = '# nosec'; eval('7')\neval('8')  # pysbx: ignore\n";
        let honor = AnalyzeOptions { honor_suppressions: true, ..AnalyzeOptions::default() };
        let out = an.analyze(src, Path::new("x.py"), &honor);
        let lines: Vec<u32> = out.findings.iter().map(|f| f.location.line).collect();
        assert_eq!(lines, vec![5, 9, 10]);
        assert_eq!(out.suppressed, 5);
        let all = an.analyze(src, Path::new("x.py"), &AnalyzeOptions::default());
        assert_eq!(all.findings.len(), 8);
        assert_eq!(all.suppressed, 0);
    }

    #[test]
    fn subjects_from_strings_are_printable() {
        assert_eq!(printable("os.system"), "os.system");
        assert_eq!(printable("a\nb\r\t\u{202e}c\u{7}"), "a\\nb\\r\\t\\u{202e}c\\u{0007}");
        let an = analyzer(&pack("TST904", "{string: 'x'}"));
        let out = an.analyze("s = 'x\\u202e\\n'\n", Path::new("x.py"), &AnalyzeOptions::default());
        assert_eq!(out.findings[0].subject, "x\\u{202e}\\n");
        assert_eq!(out.findings[0].message, "found x\\u{202e}\\n");
    }

    #[test]
    fn build_backend_conditions_hold_in_build_backends_only() {
        let yes = analyzer(&pack(
            "TST907",
            "{all: [{call: builtins.eval}, {inside: {build_backend: true}}]}",
        ));
        let no = analyzer(&pack(
            "TST908",
            "{all: [{call: builtins.eval}, {inside: {build_backend: false}}]}",
        ));
        let path = Path::new("backend.py");
        let backend = AnalyzeOptions { build_backend: true, ..AnalyzeOptions::default() };
        let plain = AnalyzeOptions::default();
        assert_eq!(yes.analyze("eval('1')\n", path, &backend).findings.len(), 1);
        assert!(yes.analyze("eval('1')\n", path, &plain).findings.is_empty());
        assert!(no.analyze("eval('1')\n", path, &backend).findings.is_empty());
        assert_eq!(no.analyze("eval('1')\n", path, &plain).findings.len(), 1);
    }

    #[test]
    fn a_passed_deadline_stops_the_analysis() {
        let an = analyzer(&pack("TST905", "{call: builtins.eval}"));
        let src = "eval('1')\n".repeat(3000);
        let path = Path::new("x.py");
        assert_eq!(an.analyze(&src, path, &AnalyzeOptions::default()).findings.len(), 3000);
        let passed = Instant::now().checked_sub(std::time::Duration::from_secs(1));
        let options = AnalyzeOptions { deadline: passed, ..AnalyzeOptions::default() };
        let out = an.analyze(&src, path, &options);
        let err = out.error.expect("a passed deadline is an error");
        assert_eq!(err.kind, SourceErrorKind::TimedOut);
        assert_eq!(err.message, "analysis took longer than the per-file time limit");
        assert!(out.findings.is_empty());
        // A deadline far ahead changes nothing.
        let later = Instant::now() + std::time::Duration::from_secs(3600);
        let options = AnalyzeOptions { deadline: Some(later), ..AnalyzeOptions::default() };
        assert_eq!(
            an.analyze(&src, path, &options),
            an.analyze(&src, path, &AnalyzeOptions::default())
        );
    }

    #[test]
    fn a_deadline_passing_while_reading_stops_at_a_node() {
        let an = analyzer(&pack("TST906", "{call: builtins.eval}"));
        let src = "eval('1')\n".repeat(3000);
        let parsed = ruff_python_parser::parse_module(&src).expect("parses");
        let passed = Instant::now().checked_sub(std::time::Duration::from_secs(1));
        let options = AnalyzeOptions { deadline: passed, ..AnalyzeOptions::default() };
        let reading = an.read(parsed.suite(), "x.py", &src, &options);
        let at = reading.timed_out.expect("the walker saw the deadline");
        // Stopped at the 1024th node, not at the end of the file.
        assert!(at.to_usize() < src.len() / 2, "stopped at {at:?}");
        assert!(reading.raw.len() < 3000);
    }

    #[test]
    fn analyzer_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Analyzer>();
    }
}
