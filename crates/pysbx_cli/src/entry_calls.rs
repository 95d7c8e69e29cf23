//! Functions of a package's other modules that its entry files run at install or import time.
//!
//! The engine reads one file at a time, so a `setup.py` or a package's `__init__.py` that
//! imports a function from a module beside it and calls it (`from .core import run; run()`)
//! hides what that function does from the rules that test `module_level`: in `core.py` the
//! send is in a function like any other. A scan keeps what each entry file's import-time calls
//! name (`pysbx_analysis::FileAnalysis::entry_calls`), finds the scanned modules those names
//! lead to, and reads each such module again with the functions called
//! (`pysbx_analysis::AnalyzeOptions::called_by_entry`). The findings that second reading adds
//! are the module's: a function that module calls at that time is followed the same way, a
//! few modules deep.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use pysbx_analysis::CalledByEntry;
use pysbx_rules::{Finding, RuleSet};

use crate::pipeline::FileOutcome;

/// How many times modules reached from an entry file lead on to further modules.
const MAX_ROUNDS: usize = 3;

/// The module `qual` names from `entry` and the function called in it, if it is one of the
/// files a scan reads (`index` finds a path among them). `qual` is an entry of
/// `FileAnalysis::entry_calls`: `.core.run` (a relative import, a dot per level), or
/// `pkg.core.run`, which is the package's own only where `entry` is a package's `__init__.py`
/// or `__main__.py` in a directory named `pkg`, or where it lies beside a `setup.py` (or under
/// its `src/`).
pub(crate) fn resolve(
    entry: &Path,
    qual: &str,
    index: &impl Fn(&Path) -> Option<usize>,
) -> Option<(usize, String)> {
    // A method of an object of a class of the package (`.core.Beacon().send`): the class's
    // module, and the method as `Beacon.send`.
    if let Some((class, method)) = qual.rsplit_once("().") {
        if method.is_empty() || method.contains('.') || class.contains("().") {
            return None;
        }
        let (at, class) = resolve(entry, class, index)?;
        return Some((at, format!("{class}.{method}")));
    }
    let dir = entry.parent().unwrap_or(Path::new(""));
    let level = qual.len() - qual.trim_start_matches('.').len();
    let parts: Vec<&str> = qual[level..].split('.').collect();
    let (function, module) = parts.split_last()?;
    if function.is_empty() || module.iter().any(|p| p.is_empty()) {
        return None;
    }
    let bases: Vec<PathBuf> = if level > 0 {
        let mut base = dir;
        for _ in 1..level {
            base = base.parent()?;
        }
        vec![base.to_path_buf()]
    } else {
        let file = entry.file_name()?.to_str()?;
        match file {
            "__init__.py" | "__main__.py" => {
                // `pkg.core.run` in `pkg/__init__.py`: the first part is the package itself.
                let own = dir.file_name().and_then(|n| n.to_str());
                if module.first().copied() != own || own.is_none() {
                    return None;
                }
                vec![dir.parent().unwrap_or(Path::new("")).to_path_buf()]
            }
            _ => vec![dir.to_path_buf(), dir.join("src")],
        }
    };
    for base in bases {
        let mut path = base;
        path.extend(module);
        let candidates = if module.is_empty() {
            vec![path.join("__init__.py")]
        } else {
            vec![path.with_extension("py"), path.join("__init__.py")]
        };
        for candidate in candidates {
            if let Some(at) = index(&candidate)
                && candidate != entry
            {
                return Some((at, (*function).to_string()));
            }
        }
    }
    None
}

/// The entry files of the packages the scanned `files` belong to that are not among them: each
/// package directory's `__init__.py` and `__main__.py`, up the chain of package directories
/// (those with an `__init__.py`), and a `setup.py` beside the top package or above its `src/`.
/// Those that exist, once each, in the order met.
pub(crate) fn missing_entry_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let scanned: HashSet<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut seen_dirs: HashSet<&Path> = HashSet::new();
    let mut found = Vec::new();
    // A `setup.py` above `src/` is also the one beside a module in the project's own
    // directory: each candidate is taken once. A file of the scan is known to exist without
    // asking the file system.
    let mut taken: HashSet<PathBuf> = HashSet::new();
    let mut add = |candidate: PathBuf, found: &mut Vec<PathBuf>| {
        if !scanned.contains(candidate.as_path())
            && !taken.contains(&candidate)
            && candidate.is_file()
        {
            taken.insert(candidate.clone());
            found.push(candidate);
        }
    };
    for file in files {
        let mut dir = file.parent();
        while let Some(d) = dir {
            if !seen_dirs.insert(d) {
                break;
            }
            let init = d.join("__init__.py");
            if !scanned.contains(init.as_path()) && !init.is_file() {
                // The first directory that is no package: where `setup.py` lives, or the
                // `src/` below it.
                add(d.join("setup.py"), &mut found);
                if d.file_name().is_some_and(|n| n == "src")
                    && let Some(project) = d.parent()
                {
                    add(project.join("setup.py"), &mut found);
                }
                break;
            }
            add(init, &mut found);
            add(d.join("__main__.py"), &mut found);
            dir = d.parent();
        }
    }
    found
}

/// The modules of the scan that entry files' import-time calls reach, and the functions called
/// in each, gathered round by round.
#[derive(Default)]
pub(crate) struct Follow {
    /// Per module (by index into the scan's files), the entry file's name and the functions.
    wanted: BTreeMap<usize, (String, BTreeSet<String>)>,
    /// The modules whose set of functions grew since they were last read.
    grown: BTreeSet<usize>,
}

impl Follow {
    /// Adds what the module `from` (at `path`, read as run by `entry_name`, or itself an
    /// entry file when `None`) names at import time.
    pub(crate) fn add(
        &mut self,
        path: &Path,
        entry_name: Option<&str>,
        calls: &[String],
        index: &impl Fn(&Path) -> Option<usize>,
    ) {
        let entry_name = match entry_name {
            Some(name) => name.to_string(),
            None => match path.file_name().and_then(|n| n.to_str()) {
                Some(name) => name.to_string(),
                None => return,
            },
        };
        for qual in calls {
            let Some((at, function)) = resolve(path, qual, index) else { continue };
            let (_, functions) =
                self.wanted.entry(at).or_insert_with(|| (entry_name.clone(), BTreeSet::new()));
            if functions.insert(function) {
                self.grown.insert(at);
            }
        }
    }

    /// The modules to read (again), each with what runs in it; empties the list.
    pub(crate) fn take(&mut self) -> Vec<(usize, CalledByEntry)> {
        std::mem::take(&mut self.grown)
            .into_iter()
            .filter_map(|at| {
                let (entry_file_name, functions) = self.wanted.get(&at)?;
                Some((
                    at,
                    CalledByEntry {
                        entry_file_name: entry_file_name.clone(),
                        functions: functions.iter().cloned().collect(),
                    },
                ))
            })
            .collect()
    }

    /// The entry file name a module was read for.
    pub(crate) fn entry_name(&self, at: usize) -> Option<&str> {
        self.wanted.get(&at).map(|(name, _)| name.as_str())
    }
}

/// Adds to `outcome` the findings of `again` (the same module read as run by an entry file)
/// it does not have, and returns what `again`'s import-time calls name.
pub(crate) fn merge(rules: &RuleSet, outcome: &mut FileOutcome, again: FileOutcome) -> Vec<String> {
    let (
        FileOutcome::Analysed { findings, line_hashes, .. },
        FileOutcome::Analysed { findings: more, line_hashes: more_hashes, entry_calls, .. },
    ) = (outcome, again)
    else {
        return Vec::new();
    };
    let known: BTreeSet<(usize, u32, u32)> =
        findings.iter().map(|f| (f.rule, f.start, f.end)).collect();
    let before = findings.len();
    findings.extend(more.into_iter().filter(|f| !known.contains(&(f.rule, f.start, f.end))));
    if findings.len() > before {
        // As the engine sorts them: by position, then rule id.
        let id = |f: &Finding| rules.get(f.rule).map_or("", |r| r.id.as_str());
        findings.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| id(a).cmp(id(b))));
        // The same file read again: its new findings' lines have hashes of their own.
        match (line_hashes.as_mut(), more_hashes) {
            (Some(kept), Some(more)) => kept.extend(more),
            (None, more) => *line_hashes = more,
            (Some(_), None) => {}
        }
    }
    entry_calls
}

/// Follows the entry files among `paths` (with their `outcomes`, in the same order) into the
/// modules of their packages, `read_again` reading the modules asked for, several at a time,
/// and answering each with its new outcome. Returns the modules whose second reading failed
/// (changed or gone since the first, over the time limit), by index, each with a message that
/// says so: their first reading's findings stay, without what the entry file runs there.
pub(crate) fn follow<T>(
    rules: &RuleSet,
    paths: &[&Path],
    items: &mut [T],
    outcome_of: impl Fn(&mut T) -> &mut FileOutcome,
    mut read_again: impl FnMut(Vec<(usize, CalledByEntry)>) -> Vec<(usize, FileOutcome)>,
) -> Vec<(usize, String)> {
    let mut failures = Vec::new();
    let by_path: HashMap<&Path, usize> =
        paths.iter().enumerate().map(|(at, path)| (*path, at)).collect();
    let index = |p: &Path| by_path.get(p).copied();
    let mut follow = Follow::default();
    for (at, item) in items.iter_mut().enumerate() {
        if let FileOutcome::Analysed { entry_calls, .. } = outcome_of(item)
            && !entry_calls.is_empty()
            && let Some(path) = paths.get(at)
        {
            follow.add(path, None, entry_calls, &index);
        }
    }
    for _ in 0..MAX_ROUNDS {
        // A module where no rule that an entry file's call can change met anything, and that
        // imports none of its package's modules, would come back the same.
        let wanted: Vec<(usize, CalledByEntry)> = follow
            .take()
            .into_iter()
            .filter(|(at, _)| {
                items.get_mut(*at).is_some_and(|item| {
                    matches!(outcome_of(item), FileOutcome::Analysed { entry_sensitive: true, .. })
                })
            })
            .collect();
        if wanted.is_empty() {
            break;
        }
        for (at, again) in read_again(wanted) {
            let (Some(item), Some(path)) = (items.get_mut(at), paths.get(at)) else { continue };
            let entry_name = follow.entry_name(at).map(str::to_string);
            if let FileOutcome::Failed(failure) = &again {
                failures.push((at, second_reading_failed(entry_name.as_deref(), &failure.message)));
                continue;
            }
            let calls = merge(rules, outcome_of(item), again);
            follow.add(path, entry_name.as_deref(), &calls, &index);
        }
    }
    failures
}

/// The message of a module whose reading as run by an entry file failed.
fn second_reading_failed(entry_name: Option<&str>, why: &str) -> String {
    let entry = entry_name.map_or_else(|| "an entry file".to_string(), |n| format!("`{n}`"));
    format!(
        "not read again as code {entry} of its package runs at import time ({why}): the \
         findings of its own reading are kept without it"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index_of(files: &[&str]) -> impl Fn(&Path) -> Option<usize> {
        let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
        move |p: &Path| files.iter().position(|f| f == p)
    }

    #[test]
    fn relative_and_own_absolute_names_lead_to_the_packages_modules() {
        let index = index_of(&[
            "site/pkg/__init__.py",
            "site/pkg/core.py",
            "site/pkg/net/__init__.py",
            "site/pkg/net/send.py",
            "proj/setup.py",
            "proj/src/tool/hooks.py",
            "site/hook.py",
        ]);
        let init = Path::new("site/pkg/__init__.py");
        assert_eq!(resolve(init, ".core.run", &index), Some((1, "run".into())));
        assert_eq!(resolve(init, ".net.send.post", &index), Some((3, "post".into())));
        assert_eq!(resolve(init, ".net.start", &index), Some((2, "start".into())));
        assert_eq!(resolve(init, "pkg.core.run", &index), Some((1, "run".into())));
        assert_eq!(resolve(init, ".core.Beacon().send", &index), Some((1, "Beacon.send".into())));
        assert_eq!(resolve(init, ".core.Beacon().a.b", &index), None);
        // Another package's module, the standard library, the entry itself: not followed.
        assert_eq!(resolve(init, "other.core.run", &index), None);
        assert_eq!(resolve(init, "logging.getLogger", &index), None);
        assert_eq!(resolve(init, ".run", &index), None);
        let send = Path::new("site/pkg/net/send.py");
        assert_eq!(resolve(send, "..core.run", &index), Some((1, "run".into())));
        assert_eq!(resolve(send, "....x.y", &index), None);
        let setup = Path::new("proj/setup.py");
        assert_eq!(resolve(setup, "tool.hooks.install", &index), Some((5, "install".into())));
        assert_eq!(resolve(setup, "setuptools.setup", &index), None);
        // A `.pth` file imports the modules beside it in `site-packages`.
        let pth = Path::new("site/hook.pth");
        assert_eq!(resolve(pth, "hook.go", &index), Some((6, "go".into())));
    }

    #[test]
    fn a_module_is_read_again_only_when_more_of_it_is_called() {
        let index = index_of(&["p/__init__.py", "p/a.py", "p/b.py"]);
        let mut follow = Follow::default();
        let init = Path::new("p/__init__.py");
        follow.add(init, None, &[".a.one".into(), ".a.two".into(), ".b.f".into()], &index);
        let first = follow.take();
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].0, 1);
        assert_eq!(first[0].1.entry_file_name, "__init__.py");
        assert_eq!(first[0].1.functions, ["one", "two"]);
        // `b.f` calls `a.two` (known) and `a.three` (new): `a` is read again with all three,
        // for the entry file that started it.
        follow.add(Path::new("p/b.py"), Some("__init__.py"), &[".a.two".into()], &index);
        assert!(follow.take().is_empty());
        follow.add(Path::new("p/b.py"), Some("__init__.py"), &[".a.three".into()], &index);
        let again = follow.take();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].1.functions, ["one", "three", "two"]);
    }

    fn analysed(entry_calls: &[&str]) -> FileOutcome {
        FileOutcome::Analysed {
            findings: Vec::new(),
            suppressed: 0,
            line_hashes: None,
            entry_calls: entry_calls.iter().map(|c| (*c).to_string()).collect(),
            entry_sensitive: true,
            syntax_error: None,
        }
    }

    /// [`follow`] over `outcomes`, each module asked for answered by `answer` one at a time.
    fn follow_each(
        paths: &[&Path],
        outcomes: &mut [FileOutcome],
        mut answer: impl FnMut(usize, CalledByEntry) -> FileOutcome,
    ) -> Vec<(usize, String)> {
        follow(
            &RuleSet::new(),
            paths,
            outcomes,
            |o| o,
            |wanted| wanted.into_iter().map(|(at, entry)| (at, answer(at, entry))).collect(),
        )
    }

    #[test]
    fn a_chain_of_modules_is_followed_three_modules_deep() {
        // `__init__.py` calls `m1.f`, whose `f` calls `m2.f`, and so on: each module read
        // again hands back the next call.
        let names = ["p/__init__.py", "p/m1.py", "p/m2.py", "p/m3.py", "p/m4.py", "p/m5.py"];
        let paths: Vec<&Path> = names.iter().map(Path::new).collect();
        let mut outcomes: Vec<FileOutcome> = std::iter::once(analysed(&[".m1.f"]))
            .chain((1..names.len()).map(|_| analysed(&[])))
            .collect();
        let mut read: Vec<usize> = Vec::new();
        follow_each(&paths, &mut outcomes, |at, entry| {
            assert_eq!(entry.entry_file_name, "__init__.py");
            assert_eq!(entry.functions, ["f"]);
            read.push(at);
            let next = format!(".m{}.f", at + 1);
            analysed(&[next.as_str()])
        });
        assert_eq!(read, [1, 2, 3]);
    }

    #[test]
    fn a_named_modules_package_entry_files_are_found_up_to_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (file, text) in [
            ("proj/setup.py", ""),
            ("proj/src/tool/__init__.py", ""),
            ("proj/src/tool/__main__.py", ""),
            ("proj/src/tool/sub/__init__.py", ""),
            ("proj/src/tool/sub/core.py", ""),
            ("proj/src/tool/sub/other.py", ""),
            ("proj/tasks.py", ""),
            ("loose/script.py", ""),
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        // Two modules of the same package, one entry file already named, a loose script.
        let files = [
            root.join("proj/src/tool/sub/core.py"),
            root.join("proj/src/tool/sub/other.py"),
            root.join("proj/src/tool/__init__.py"),
            root.join("proj/tasks.py"),
            root.join("loose/script.py"),
        ];
        let found = missing_entry_files(&files);
        let expected = [
            root.join("proj/src/tool/sub/__init__.py"),
            root.join("proj/src/tool/__main__.py"),
            root.join("proj/setup.py"),
        ];
        assert_eq!(found, expected);
    }

    #[test]
    fn a_module_that_fails_its_second_reading_keeps_its_findings_and_is_named() {
        // `core.py` was read once with a finding; read again for `__init__.py`, it fails (it
        // changed, or its time ran out): the first reading stays and the failure is handed
        // back, naming the entry file and why.
        let paths: Vec<&Path> = ["p/__init__.py", "p/core.py"].into_iter().map(Path::new).collect();
        let first = pysbx_rules::Finding {
            rule: 0,
            start: 4,
            end: 9,
            location: pysbx_rules::FindingLocation {
                line: 1,
                column: 5,
                end_line: 1,
                end_column: 10,
            },
            message: "found".into(),
            subject: "x".into(),
            snippet: String::new(),
            snippet_start: 0,
        };
        let mut core = analysed(&[]);
        if let FileOutcome::Analysed { findings, .. } = &mut core {
            findings.push(first.clone());
        }
        let mut outcomes = vec![analysed(&[".core.run"]), core];
        let failures = follow_each(&paths, &mut outcomes, |_, _| {
            FileOutcome::Failed(crate::pipeline::FileFailure {
                kind: "timeout",
                message: "analysis stopped after the 1 s limit".into(),
                line: None,
                column: None,
            })
        });
        assert_eq!(failures.len(), 1, "{failures:?}");
        let (at, message) = &failures[0];
        assert_eq!(*at, 1);
        assert!(message.contains("`__init__.py`"), "{message}");
        assert!(message.contains("analysis stopped after the 1 s limit"), "{message}");
        match &outcomes[1] {
            FileOutcome::Analysed { findings, .. } => assert_eq!(findings, &[first]),
            FileOutcome::Failed(f) => panic!("the first reading was replaced: {}", f.message),
        }
    }
}
