//! The fixture corpus: every `*.py` under the repository's `fixtures/` directory is analysed with
//! the built-in rules plus the `*.rules.yaml` packs beside it (its own `<stem>.rules.yaml`, and
//! any pack of the directory that belongs to no other fixture), and checked against its
//! annotations:
//!
//! ```python
//! # ruleid: PSB101, PSB103   <- the next code line must have a finding of each rule
//! exec(compile(src, "<s>", "exec"))
//! # ok: PSB102               <- the next code line must have no finding of the rule
//! literal_eval(src)
//! # todoruleid: PSB102       <- a known miss: not checked
//! ```
//!
//! Annotation lines apply to the next line that is not a comment. For every rule a file
//! annotates, its findings must sit exactly on the `ruleid` lines (a finding's line is its
//! start line). The findings of every file are also snapshotted as `line:col rule subject`
//! lines in `tests/snapshots/`; regenerate with `INSTA_UPDATE=always`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use pysbx_analysis::{AnalyzeOptions, Analyzer, FileAnalysis};
use pysbx_rules::RuleSet;

/// The `pysbx` binary's arrangement: each tree is built in the thread's region, so every
/// fixture is also read from a tree that is never dropped.
#[global_allocator]
static ALLOCATOR: pysbx_arena::WithRegions<std::alloc::System> =
    pysbx_arena::WithRegions(std::alloc::System);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py") {
            out.push(path);
        }
    }
}

/// The packs a fixture runs with: its own `<stem>.rules.yaml`, and every pack in its directory
/// that belongs to no other fixture (a pack shared by the directory).
fn packs_for(file: &Path) -> Vec<PathBuf> {
    let Some(dir) = file.parent() else { return Vec::new() };
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let names: Vec<String> =
        entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
    let own = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    let mut packs: Vec<PathBuf> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".rules.yaml").map(|stem| (n, stem)))
        .filter(|(_, stem)| *stem == own || !names.iter().any(|m| *m == format!("{stem}.py")))
        .map(|(n, _)| dir.join(n))
        .collect();
    packs.sort();
    packs
}

/// What a fixture's annotations expect, by rule id.
#[derive(Default, Debug)]
struct Expectations {
    findings: BTreeMap<String, BTreeSet<u32>>,
    ok: BTreeMap<String, BTreeSet<u32>>,
    todo: BTreeMap<String, BTreeSet<u32>>,
    /// Annotations that apply to no line (at the end of the file).
    dangling: Vec<u32>,
}

impl Expectations {
    fn rules(&self) -> BTreeSet<&String> {
        self.findings.keys().chain(self.ok.keys()).chain(self.todo.keys()).collect()
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Finding,
    Ok,
    Todo,
}

fn annotation(line: &str) -> Option<(Kind, Vec<String>)> {
    let body = line.trim_start().strip_prefix('#')?.trim_start();
    let (kind, rest) = if let Some(r) = body.strip_prefix("ruleid:") {
        (Kind::Finding, r)
    } else if let Some(r) = body.strip_prefix("todoruleid:") {
        (Kind::Todo, r)
    } else if let Some(r) = body.strip_prefix("todook:") {
        (Kind::Todo, r)
    } else if let Some(r) = body.strip_prefix("ok:") {
        (Kind::Ok, r)
    } else {
        return None;
    };
    let ids = rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(str::trim)
        .take_while(|w| w.is_empty() || looks_like_id(w))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    Some((kind, ids))
}

fn looks_like_id(word: &str) -> bool {
    let letters = word.chars().take_while(char::is_ascii_uppercase).count();
    letters > 0 && word.len() > letters && word[letters..].chars().all(|c| c.is_ascii_digit())
}

fn expectations(text: &str) -> Expectations {
    let mut exp = Expectations::default();
    let mut pending: Vec<(Kind, Vec<String>, u32)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if let Some((kind, ids)) = annotation(line) {
            pending.push((kind, ids, number));
            continue;
        }
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (kind, ids, _) in pending.drain(..) {
            let map = match kind {
                Kind::Finding => &mut exp.findings,
                Kind::Ok => &mut exp.ok,
                Kind::Todo => &mut exp.todo,
            };
            for id in ids {
                map.entry(id).or_default().insert(number);
            }
        }
    }
    exp.dangling = pending.into_iter().map(|(_, _, n)| n).collect();
    exp
}

fn rules_for(packs: &[PathBuf], builtin: &RuleSet) -> Result<Analyzer, String> {
    let mut set = builtin.clone();
    for pack in packs {
        pysbx_rules::load_rule_file(pack, &mut set).map_err(|e| e.to_string())?;
    }
    Analyzer::new(&set).map_err(|e| e.to_string())
}

fn snapshot_text(an: &Analyzer, out: &FileAnalysis) -> String {
    let mut text = String::new();
    if let Some(e) = &out.error {
        let _ = writeln!(text, "error {} {}:{} {}", e.kind.as_str(), e.line, e.column, e.message);
    }
    for f in &out.findings {
        let id = an.rule(f.rule).map_or("?", |r| r.id.as_str());
        let _ = writeln!(text, "{}:{} {} {}", f.location.line, f.location.column, id, f.subject);
    }
    if out.suppressed > 0 {
        let _ = writeln!(text, "suppressed {}", out.suppressed);
    }
    text
}

fn check(
    rel: &str,
    an: &Analyzer,
    exp: &Expectations,
    out: &FileAnalysis,
    failures: &mut Vec<String>,
) {
    for line in &exp.dangling {
        failures.push(format!("{rel}:{line}: annotation applies to no line"));
    }
    if let Some(e) = &out.error
        && !exp.findings.is_empty()
    {
        failures.push(format!("{rel}:{}: cannot be analysed: {}", e.line, e.message));
    }
    let mut actual: BTreeMap<&str, BTreeMap<u32, &str>> = BTreeMap::new();
    for f in &out.findings {
        if let Some(rule) = an.rule(f.rule) {
            actual
                .entry(rule.id.as_str())
                .or_default()
                .entry(f.location.line)
                .or_insert(&f.subject);
        }
    }
    for id in exp.rules() {
        if an.rules().iter().all(|r| &r.id != id) {
            failures.push(format!("{rel}: annotation names unknown rule {id}"));
            continue;
        }
        let expected = exp.findings.get(id).cloned().unwrap_or_default();
        let todo = exp.todo.get(id).cloned().unwrap_or_default();
        let found = actual.get(id.as_str()).cloned().unwrap_or_default();
        for line in &expected {
            if !found.contains_key(line) {
                failures.push(format!("{rel}:{line}: missing finding of {id}"));
            }
        }
        for (line, subject) in &found {
            if !expected.contains(line) && !todo.contains(line) {
                let why = if exp.ok.get(id).is_some_and(|ok| ok.contains(line)) {
                    "finding on an `ok` line"
                } else {
                    "unexpected finding"
                };
                failures.push(format!("{rel}:{line}: {why} of {id} ({subject})"));
            }
        }
    }
}

#[test]
fn fixtures() {
    let root = repo_root();
    let builtin = pysbx_rules::builtin_rules().unwrap_or_else(|e| panic!("built-in rules: {e}"));
    let mut files = Vec::new();
    python_files(&root.join("fixtures"), &mut files);
    assert!(!files.is_empty(), "no fixtures found under {}", root.join("fixtures").display());

    let mut analyzers: BTreeMap<Vec<PathBuf>, Result<Analyzer, String>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut snapshots = Vec::new();
    let options = AnalyzeOptions { honor_suppressions: true, ..Default::default() };
    for file in &files {
        let rel = file
            .strip_prefix(root.join("fixtures"))
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let packs = packs_for(file);
        let an = analyzers.entry(packs.clone()).or_insert_with(|| rules_for(&packs, &builtin));
        let an = match an {
            Ok(an) => an,
            Err(e) => {
                failures.push(format!("{rel}: rule packs beside it do not load: {e}"));
                continue;
            }
        };
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let (out, text) = match pysbx_analysis::decode_source(&bytes) {
            Ok(source) => (an.analyze(&source, file, &options), source.into_owned()),
            Err(error) => {
                (FileAnalysis { error: Some(error), ..FileAnalysis::default() }, String::new())
            }
        };
        check(&rel, an, &expectations(&text), &out, &mut failures);
        snapshots.push((rel.replace('/', "__"), snapshot_text(an, &out)));
    }

    let mut mismatched = Vec::new();
    // insta prints each difference itself; the panics it raises are collected, not printed.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for (name, text) in &snapshots {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            insta::with_settings!({
                snapshot_path => "snapshots",
                prepend_module_to_snapshot => false,
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name.as_str(), text);
            });
        }));
        if result.is_err() {
            mismatched.push(name.clone());
        }
    }
    std::panic::set_hook(hook);
    for name in mismatched {
        failures.push(format!("snapshot `{name}` differs (review, then INSTA_UPDATE=always)"));
    }
    assert!(failures.is_empty(), "{} fixture failure(s):\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn annotations_parse() {
    let exp = expectations(
        "# ruleid: A1, B2\n# a note\nx()\n# ok: A1\ny()\n# todoruleid: C3 - known miss\nz()\n# ruleid: D4\n",
    );
    assert_eq!(exp.findings["A1"], BTreeSet::from([3]));
    assert_eq!(exp.findings["B2"], BTreeSet::from([3]));
    assert_eq!(exp.ok["A1"], BTreeSet::from([5]));
    assert_eq!(exp.todo["C3"], BTreeSet::from([7]));
    assert_eq!(exp.dangling, vec![8]);
}

/// An analyzer built for a few files (another kind of string gate automaton) finds exactly
/// what one built for many files finds.
#[test]
fn both_workloads_find_the_same() {
    use pysbx_analysis::Workload;
    let root = repo_root();
    let builtin = pysbx_rules::builtin_rules().unwrap_or_else(|e| panic!("built-in rules: {e}"));
    let many = Analyzer::for_workload(&builtin, Workload::ManyFiles).expect("rules compile");
    let few = Analyzer::for_workload(&builtin, Workload::FewFiles).expect("rules compile");
    let mut files = Vec::new();
    python_files(&root.join("fixtures"), &mut files);
    assert!(!files.is_empty());
    let options = AnalyzeOptions::default();
    let mut findings = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let Ok(source) = pysbx_analysis::decode_source(&bytes) else { continue };
        let expected = many.analyze(&source, file, &options);
        findings += expected.findings.len();
        assert_eq!(few.analyze(&source, file, &options), expected, "{}", file.display());
    }
    assert!(findings > 0);
}
