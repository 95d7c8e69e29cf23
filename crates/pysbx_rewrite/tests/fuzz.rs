//! Bounded fuzzing of scan + sanitize with proptest: generated programs that put dangerous
//! expressions in every syntactic context, mutated fixtures, and findings at arbitrary byte
//! ranges. Whatever the input: no panic; when the input parses, one pass gives output that
//! parses with the same line count, and after `sanitize_until_stable` a further scan +
//! sanitize changes nothing.
//!
//! The run is bounded and repeatable: 48 cases per property from a fixed seed.
//! `PROPTEST_CASES=5000 PROPTEST_RNG_SEED=<n>` explores further.
#![expect(clippy::unwrap_used, reason = "a failing case should stop the test with its error")]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::select;
use pysbx_analysis::{AnalyzeOptions, Analyzer};
use pysbx_rewrite::{RewriteError, sanitize, sanitize_until_stable};
use pysbx_rules::{Finding, FindingLocation, RuleSet};

/// Strip rules next to the built-in stubs, so both actions are exercised.
const STRIP_RULES: &str = r"
rules:
  - {id: FZZ001, name: strip-print, severity: low, action: strip, message: m, match: {call: builtins.print}}
  - {id: FZZ002, name: strip-pickle-import, severity: low, action: strip, message: m, match: {import: pickle}}
  - {id: FZZ003, name: strip-len, severity: low, action: strip, message: m, match: {reference: builtins.len}}
";

struct Setup {
    rules: RuleSet,
    analyzer: Analyzer,
    corpus: Vec<String>,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let mut rules = pysbx_rules::builtin_rules().unwrap();
        pysbx_rules::load_rules_from_str(STRIP_RULES, Path::new("fuzz.yaml"), "fuzz", &mut rules)
            .unwrap();
        let analyzer = Analyzer::new(&rules).unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut files = Vec::new();
        collect_py(&root, &mut files);
        files.sort();
        let corpus = files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect();
        Setup { rules, analyzer, corpus }
    })
}

fn collect_py(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_py(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

fn analyse(source: &str) -> Option<Vec<Finding>> {
    let s = setup();
    let analysis = s.analyzer.analyze(source, Path::new("fuzz.py"), &AnalyzeOptions::default());
    analysis.error.is_none().then_some(analysis.findings)
}

fn parses(source: &str) -> bool {
    ruff_python_parser::parse_module(source).is_ok()
}

fn line_count(text: &str) -> usize {
    text.split('\n').count()
}

/// Scan + sanitize, then every guarantee; `Err` carries what broke.
fn scan_and_sanitize(source: &str) -> Result<(), TestCaseError> {
    let s = setup();
    let Some(findings) = analyse(source) else {
        // Not analysable (a syntax error): the sanitizer must say so, not panic.
        if !parses(source) {
            let result = sanitize(source, &[], &s.rules);
            let unparsable = matches!(result, Err(RewriteError::Unparsable { .. }));
            prop_assert!(unparsable, "a syntax error must be reported as such");
        }
        return Ok(());
    };
    // One pass: valid output, same line count.
    let result = sanitize(source, &findings, &s.rules)
        .map_err(|e| TestCaseError::fail(format!("{e}\n--- input ---\n{source}")))?;
    if std::env::var_os("FUZZ_SHOW").is_some() {
        eprintln!("=== {} edits\n{}\n---\n{}", result.edits.len(), source, result.output);
    }
    prop_assert!(parses(&result.output), "output does not parse:\n{}", result.output);
    prop_assert_eq!(line_count(source), line_count(&result.output));
    // Until stable: then a further scan + sanitize changes nothing.
    let stable = sanitize_until_stable(source, &findings, &s.rules, |text| {
        analyse(text).unwrap_or_default()
    })
    .map_err(|e| TestCaseError::fail(format!("{e}\n--- input ---\n{source}")))?;
    prop_assert!(parses(&stable.output));
    prop_assert_eq!(line_count(source), line_count(&stable.output));
    let again = analyse(&stable.output).unwrap_or_default();
    let second = sanitize(&stable.output, &again, &s.rules)
        .map_err(|e| TestCaseError::fail(format!("second pass: {e}")))?;
    prop_assert_eq!(&second.output, &stable.output, "not stable:\n{}", source);
    Ok(())
}

const EXPRS: &[&str] = &[
    "os.system(\"id\")",
    "eval(\"1\")",
    "exec",
    "compile(src, \"f\", \"exec\")",
    "getattr(fn, \"__globals__\")",
    "().__class__.__subclasses__()",
    "ctypes.CDLL(\"c\")",
    "subprocess.run(\"ls\", shell=True)",
    "pickle.loads(b\"\")",
    "__import__(name)",
    "sys._getframe()",
    "socket.socket()",
    "requests.get(\"http://1.2.3.4/x\")",
    "open(\"f\", \"w\")",
    "frame.f_back",
    "print(\"p\")",
    "len(items)",
    "os.system(\n    \"multi\"\n)",
    "eval(\n\"a\" \\\n\"b\")",
    "f\"{eval('x')!r:>{len(y)}}\"",
    "1",
    "\"text\"",
    "items[0]",
    "obj.attr",
];

const SIMPLE: &[&str] = &[
    "x = {E}",
    "{E}",
    "print({E}, 1)",
    "a = 1; {E}; b = 2",
    "y = [{E} for _ in range(2) if {E}]",
    "w = lambda q={E}: {E}",
    "v = (\n    {E},\n)",
    "u = \\\n    {E}",
    "t = {E} if {E} else None",
    "assert {E}, {E}",
    "raise ValueError({E})",
    "exec = {E}",
    "obj.f_back = {E}",
    "del obj.__globals__",
    "for eval in {E}: pass",
    "with {E} as h: pass",
    "import ctypes",
    "from ctypes import CDLL as L, c_int",
    "import os, ctypes.util",
    "from ctypes import *",
    "import subprocess, pickle",
    "from pickle import (\n    loads,\n    dumps)",
    "pass",
    "z: {E} = {E}",
    "n += {E}",
    "(walrus := {E})",
    "k = {**{E}, \"a\": {E}}",
    "s = {E}[{E}:{E}]",
];

const HEADERS: &[&str] = &[
    "if {E}:",
    "for i in {E}:",
    "while {E}:",
    "with {E} as h:",
    "try:",
    "def f(a={E}) -> {E}:",
    "@{E}\ndef g():",
    "class K({E}):",
    "async def h():",
    "elif_chain",
    "match_block",
];

/// A statement: a simple one, or a header with a body and an optional `else`/`finally` part.
#[derive(Debug, Clone)]
enum Node {
    Simple(String),
    Block { header: String, body: Vec<Node>, tail: Option<Vec<Node>> },
}

fn fill(template: &str, exprs: &[String]) -> String {
    let mut out = template.to_string();
    for e in exprs {
        if !out.contains("{E}") {
            break;
        }
        out = out.replacen("{E}", e, 1);
    }
    out.replace("{E}", "1")
}

fn simple() -> impl Strategy<Value = Node> {
    (select(SIMPLE), prop::collection::vec(select(EXPRS), 3)).prop_map(|(t, es)| {
        Node::Simple(fill(t, &es.iter().map(|e| (*e).to_string()).collect::<Vec<_>>()))
    })
}

fn node() -> impl Strategy<Value = Node> {
    simple().prop_recursive(3, 32, 4, |inner| {
        (
            select(HEADERS),
            prop::collection::vec(select(EXPRS), 3),
            prop::collection::vec(inner.clone(), 1..4),
            prop::option::of(prop::collection::vec(inner, 1..3)),
        )
            .prop_map(|(h, es, body, tail)| {
                let es: Vec<String> = es.iter().map(|e| (*e).to_string()).collect();
                Node::Block { header: fill(h, &es), body, tail }
            })
    })
}

fn render(nodes: &[Node], indent: usize, out: &mut String) {
    let pad = "    ".repeat(indent);
    for node in nodes {
        match node {
            Node::Simple(text) => {
                for line in text.lines() {
                    out.push_str(&pad);
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Node::Block { header, body, tail } => {
                render_block(header, body, tail.as_deref(), indent, out)
            }
        }
    }
}

fn render_block(
    header: &str,
    body: &[Node],
    tail: Option<&[Node]>,
    indent: usize,
    out: &mut String,
) {
    let pad = "    ".repeat(indent);
    match header {
        "elif_chain" => {
            out.push_str(&format!("{pad}if eval(\"c\"):\n"));
            render(body, indent + 1, out);
            out.push_str(&format!("{pad}elif os.system(\"d\"):\n"));
            render(body, indent + 1, out);
            out.push_str(&format!("{pad}else:\n"));
            render(tail.unwrap_or(body), indent + 1, out);
        }
        "match_block" => {
            out.push_str(&format!("{pad}match eval(\"v\"):\n"));
            out.push_str(&format!("{pad}    case os.system:\n"));
            render(body, indent + 2, out);
            out.push_str(&format!("{pad}    case [1, *rest] if ctypes.CDLL(\"c\"):\n"));
            render(tail.unwrap_or(body), indent + 2, out);
        }
        _ => {
            for line in header.lines() {
                out.push_str(&format!("{pad}{line}\n"));
            }
            render(body, indent + 1, out);
            if header == "try:" {
                out.push_str(&format!("{pad}finally:\n"));
                render(tail.unwrap_or(body), indent + 1, out);
            } else if let Some(tail) = tail
                && (header.starts_with("if ")
                    || header.starts_with("for ")
                    || header.starts_with("while "))
            {
                out.push_str(&format!("{pad}else:\n"));
                render(tail, indent + 1, out);
            }
        }
    }
}

fn program() -> impl Strategy<Value = String> {
    prop::collection::vec(node(), 1..8).prop_map(|nodes| {
        let mut out = String::from("import os, sys, subprocess, socket, requests\n");
        render(&nodes, 0, &mut out);
        out
    })
}

/// 48 cases per property, or `PROPTEST_CASES` for a longer run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

/// A fixed seed, so a test run is repeatable, unless `PROPTEST_RNG_SEED` names another.
fn rng_seed() -> proptest::test_runner::RngSeed {
    if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        ProptestConfig::default().rng_seed
    } else {
        proptest::test_runner::RngSeed::Fixed(0x5eed_0001)
    }
}

/// A mutation of a text: cut a range, insert a fragment, or duplicate a line.
#[derive(Debug, Clone)]
enum Mutation {
    Cut { at: usize, len: usize },
    Insert { at: usize, text: &'static str },
    DuplicateLine { line: usize },
}

const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    ":",
    "\n",
    "\\\n",
    ";",
    "    ",
    "eval(",
    "os.system(\"x\")",
    "import ctypes\n",
    "f\"{",
    "}\"",
    "\"\"\"",
    "#",
    "@",
    "lambda: ",
    " if ",
    "else",
    "\r\n",
    "é",
    "\t",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Cut { at, len }),
        (any::<usize>(), select(FRAGMENTS)).prop_map(|(at, text)| Mutation::Insert { at, text }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
    ]
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &str, mutation: &Mutation) -> String {
    if text.is_empty() {
        return text.to_string();
    }
    match *mutation {
        Mutation::Cut { at, len } => {
            let start = floor_boundary(text, at % text.len());
            let end = floor_boundary(text, start + len);
            format!("{}{}", &text[..start], &text[end..])
        }
        Mutation::Insert { at, text: fragment } => {
            let at = floor_boundary(text, at % text.len());
            format!("{}{fragment}{}", &text[..at], &text[at..])
        }
        Mutation::DuplicateLine { line } => {
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let line = line % lines.len();
            let mut out = String::new();
            for (i, l) in lines.iter().enumerate() {
                out.push_str(l);
                if i == line {
                    out.push_str(l);
                }
            }
            out
        }
    }
}

proptest! {
    // Failures print their minimal input; nothing is written next to the sources.
    #![proptest_config(ProptestConfig {
        cases: cases(),
        rng_seed: rng_seed(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_programs(source in program()) {
        prop_assert!(parses(&source), "the generator made invalid Python:\n{}", source);
        scan_and_sanitize(&source)?;
    }

    #[test]
    fn mutated_fixtures(pick in any::<usize>(), mutations in prop::collection::vec(mutation(), 1..4)) {
        let corpus = &setup().corpus;
        prop_assume!(!corpus.is_empty());
        let mut source = corpus[pick % corpus.len()].clone();
        for m in &mutations {
            source = apply(&source, m);
        }
        scan_and_sanitize(&source)?;
    }

    #[test]
    fn findings_at_arbitrary_ranges(
        pick in any::<usize>(),
        spans in prop::collection::vec((any::<usize>(), any::<u32>(), 0u32..200), 0..12),
    ) {
        let s = setup();
        prop_assume!(!s.corpus.is_empty());
        let source = &s.corpus[pick % s.corpus.len()];
        let len = u32::try_from(source.len()).unwrap();
        let findings: Vec<Finding> = spans
            .iter()
            .map(|&(rule, start, width)| {
                let start = start % (len + 1);
                Finding {
                    rule: rule % (s.rules.len() + 1),
                    start,
                    end: start.saturating_add(width),
                    location: FindingLocation::default(),
                    message: String::new(),
                    subject: String::new(),
                    snippet: String::new(),
                    snippet_start: 0,
                }
            })
            .collect();
        if !parses(source) {
            let result = sanitize(source, &findings, &s.rules);
            let unparsable = matches!(result, Err(RewriteError::Unparsable { .. }));
            prop_assert!(unparsable, "a syntax error must be reported as such");
            return Ok(());
        }
        let result = sanitize(source, &findings, &s.rules)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(parses(&result.output));
        prop_assert_eq!(line_count(source), line_count(&result.output));
        prop_assert_eq!(result.edits.len() + result.skipped.len() <= findings.len(), true);
    }
}
