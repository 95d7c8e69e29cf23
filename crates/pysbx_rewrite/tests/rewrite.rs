//! Rewrite fixtures (clippy's `.fixed` files): every `fixtures/rewrite/*.py` is analysed with
//! the built-in rules, plus a `<name>.rules.yaml` beside it when there is one, sanitized, and
//! its output snapshotted. Each fixture also checks the guarantees: the output parses, keeps
//! every untouched line, and a second analysis and sanitizing change nothing.
//!
//! A first line `# pysbx-path: setup.py` analyses the fixture as if it had that file name
//! (for rules with `inside: {file: ...}`).
#![expect(clippy::unwrap_used, reason = "a failing fixture should stop the test with its error")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use pysbx_analysis::{AnalyzeOptions, Analyzer};
use pysbx_rewrite::{Sanitized, SkipReason, sanitize};
use pysbx_rules::{Action, Finding, MatchSpec, RuleSet};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/rewrite")
}

fn fixture_files(ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    files.sort();
    files
}

/// The built-in rules plus the fixture's own rule file, if any.
fn rules_for(fixture: &Path) -> RuleSet {
    let mut rules = pysbx_rules::builtin_rules().unwrap();
    let extra = fixture.with_extension("rules.yaml");
    if extra.exists() {
        pysbx_rules::load_rule_file(&extra, &mut rules).unwrap();
    }
    rules
}

/// The path the analysis sees: the fixture's own, or the one its first line names.
fn analysis_path(fixture: &Path, source: &str) -> PathBuf {
    source
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# pysbx-path: "))
        .map_or_else(|| fixture.to_path_buf(), |p| PathBuf::from(p.trim()))
}

fn analyse(analyzer: &Analyzer, source: &str, path: &Path) -> Vec<Finding> {
    let analysis = analyzer.analyze(source, path, &AnalyzeOptions::default());
    assert_eq!(analysis.error, None, "{}", path.display());
    analysis.findings
}

struct Run {
    result: Sanitized,
    findings: Vec<Finding>,
    rules: RuleSet,
}

/// Sanitizes one fixture and asserts the guarantees.
fn run(fixture: &Path) -> Run {
    let source = std::fs::read_to_string(fixture).unwrap();
    let rules = rules_for(fixture);
    let analyzer = Analyzer::new(&rules).unwrap();
    let path = analysis_path(fixture, &source);
    let findings = analyse(&analyzer, &source, &path);
    let result = sanitize(&source, &findings, &rules).unwrap();
    let name = fixture.display();

    assert!(!result.edits.is_empty(), "{name}: the fixture exercises no edit");
    ruff_python_parser::parse_module(&result.output).unwrap();
    let before: Vec<&str> = source.split('\n').collect();
    let after: Vec<&str> = result.output.split('\n').collect();
    assert_eq!(before.len(), after.len(), "{name}: line count changed");
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        let line = u32::try_from(i + 1).unwrap();
        let touched = result.edits.iter().any(|e| {
            let last = e.line + u32::try_from(e.original.matches('\n').count()).unwrap();
            (e.line..=last).contains(&line)
        });
        if !touched {
            assert_eq!(b, a, "{name}: untouched line {line} changed");
        }
    }

    // Idempotence with the real analysis: the second pass finds nothing to change, and
    // whatever it still finds with an action is inside a stub's message, found by a string
    // rule (the stub's own code matches no rule).
    let again = analyse(&analyzer, &result.output, &path);
    let second = sanitize(&result.output, &again, &rules).unwrap();
    assert_eq!(second.output, result.output, "{name}: a second sanitizing changed the output");
    assert!(second.edits.is_empty(), "{name}");
    for skipped in &second.skipped {
        let rule = rules.get(again[skipped.finding].rule).unwrap();
        assert_eq!(skipped.reason, SkipReason::InsideStub, "{name}: {}", rule.id);
        assert!(
            matches!(rule.matcher, MatchSpec::String(_)),
            "{name}: the stub text itself matches {}",
            rule.id
        );
    }
    Run { result, findings, rules }
}

/// The sanitized output, then one line per edit and per skipped finding.
fn render(run: &Run) -> String {
    let mut out = run.result.output.clone();
    out.push_str("\n----- edits -----\n");
    for edit in &run.result.edits {
        let mut ids = vec![rule_id(run, edit.finding)];
        ids.extend(edit.also.iter().map(|&f| rule_id(run, f)));
        let _ = writeln!(out, "line {}: {} {}", edit.line, edit.action, ids.join(", "));
    }
    for skipped in &run.result.skipped {
        let _ = writeln!(
            out,
            "skipped {} at line {}: {}",
            rule_id(run, skipped.finding),
            run.findings[skipped.finding].location.line,
            skipped.reason
        );
    }
    out
}

fn rule_id(run: &Run, finding: usize) -> String {
    run.rules.get(run.findings[finding].rule).unwrap().id.clone()
}

#[test]
fn fixtures() {
    insta::glob!("../../../fixtures/rewrite", "*.py", |path| {
        let run = run(path);
        insta::assert_snapshot!(render(&run));
    });
}

#[test]
fn every_rule_with_an_action_has_a_fixture() {
    let mut rules = pysbx_rules::builtin_rules().unwrap();
    for extra in fixture_files(".rules.yaml") {
        pysbx_rules::load_rule_file(&extra, &mut rules).unwrap();
    }
    let missing: Vec<&str> = rules
        .rules()
        .iter()
        .filter(|r| r.action != Action::Report)
        .filter(|r| !fixtures_dir().join(format!("{}.py", r.id)).exists())
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(missing, Vec::<&str>::new(), "rules with an action but no fixtures/rewrite/<ID>.py");
}

/// CPython itself (not only ruff's parser) accepts every output whose input it accepts.
#[test]
fn outputs_compile_under_python3() {
    let dir = tempfile::tempdir().unwrap();
    let mut listed = String::new();
    for fixture in fixture_files(".py") {
        let run = run(&fixture);
        let name = fixture.file_name().unwrap();
        let out = dir.path().join(name);
        std::fs::write(&out, &run.result.output).unwrap();
        let _ = writeln!(listed, "{}\t{}", fixture.display(), out.display());
    }
    let script = r#"
import sys
failed = 0
for line in sys.stdin.read().splitlines():
    original, sanitized = line.split("\t")
    try:
        compile(open(original, encoding="utf-8").read(), original, "exec")
    except SyntaxError:
        continue  # syntax newer than this interpreter: nothing to compare
    try:
        compile(open(sanitized, encoding="utf-8").read(), sanitized, "exec")
    except SyntaxError as error:
        failed += 1
        print(f"{original}: {error}")
sys.exit(1 if failed else 0)
"#;
    let output = python3(script, &listed);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

fn python3(script: &str, stdin: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 on PATH");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}
