//! Commands declared in a project's or a distribution's metadata rather than in Python: the
//! console and GUI scripts of `pyproject.toml` (`[project.scripts]`, `[project.gui-scripts]`,
//! `[project.entry-points.console_scripts]`, poetry's `[tool.poetry.scripts]`), of `setup.cfg`
//! (`[options.entry_points]`) and of an installed or packed distribution's
//! `entry_points.txt`. Each becomes a command on the user's `PATH` when the package is
//! installed, exactly as a `console_scripts` entry of a `setup()` call does, so the rule that
//! reads those entries in `setup.py` (`shadowing-console-script`) reads these too: each
//! declaration is matched, as the text `NAME = TARGET`, against the rule's string patterns.
//!
//! The same files (and a `setup.py`'s literal `entry_points`) name the project's pytest
//! plugins (`pytest11`): modules pytest imports at every run, which the scan analyses as it
//! does a `conftest.py` (see `pytest_plugin_files`).

use std::path::Path;

use pysbx_rules::{Finding, FindingLocation, MatchSpec, Rule, RuleSet};

use crate::pipeline::FileOutcome;

/// The rule whose string patterns judge declared commands.
const SHADOWING_RULE: &str = "shadowing-console-script";

/// The entry-point groups whose entries become commands.
const SCRIPT_GROUPS: &[&str] = &["console_scripts", "gui_scripts"];

/// One command a metadata file declares, and where its name is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Declared {
    /// The command's name (`pip`).
    pub(crate) name: String,
    /// What it runs (`pkg.cli:main`).
    pub(crate) target: String,
    /// Byte offset of the name's first character.
    pub(crate) start: usize,
    /// Byte offset of the end of the name's line (its line break excluded).
    pub(crate) line_end: usize,
}

/// The commands `text` declares, read as the file `name` (`pyproject.toml`, `setup.cfg` or
/// `entry_points.txt`) is. A file that does not parse declares none: its installer would
/// refuse it.
pub(crate) fn declared(name: &str, text: &str) -> Vec<Declared> {
    entries(name, text, SCRIPT_GROUPS)
}

/// The entry points of the `groups` that `text` declares, read as the file `name` is.
fn entries(name: &str, text: &str, groups: &[&str]) -> Vec<Declared> {
    match name {
        "pyproject.toml" => from_pyproject(text, groups),
        "setup.cfg" => from_ini(text, true, groups),
        "entry_points.txt" => from_ini(text, false, groups),
        _ => Vec::new(),
    }
}

/// The group of pytest's plugins: pytest imports each module it names at every run.
const PYTEST_PLUGINS: &str = "pytest11";

/// The files that may hold the pytest plugins a metadata file at `path` declares (`[pytest11]
/// fast = pff`: `pff.py` or `pff/__init__.py`), beside the project's metadata (and under its
/// `src/`), or beside the distribution's metadata directory in a site-packages. A `setup.py`
/// is read for a `"pytest11"` list of its `entry_points` written as literals.
pub(crate) fn pytest_plugin_files(path: &Path, text: &str) -> Vec<std::path::PathBuf> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return Vec::new() };
    let dir = path.parent().unwrap_or(Path::new(""));
    let (modules, bases): (Vec<String>, Vec<std::path::PathBuf>) = match name {
        "setup.py" => (setup_py_plugins(text), vec![dir.to_path_buf(), dir.join("src")]),
        "entry_points.txt" => {
            let site = dir.parent().unwrap_or(Path::new(""));
            (plugin_modules(name, text), vec![site.to_path_buf()])
        }
        _ => (plugin_modules(name, text), vec![dir.to_path_buf(), dir.join("src")]),
    };
    let mut files = Vec::new();
    for module in modules {
        let relative = module.replace('.', "/");
        for base in &bases {
            files.push(base.join(format!("{relative}.py")));
            files.push(base.join(&relative).join("__init__.py"));
        }
    }
    files
}

/// The modules of the pytest plugins a metadata file declares (`pff`, `pkg.plugin`).
fn plugin_modules(name: &str, text: &str) -> Vec<String> {
    entries(name, text, &[PYTEST_PLUGINS]).iter().filter_map(|d| module_of(&d.target)).collect()
}

/// The module an entry point's target names (`pkg.plugin:attr` is `pkg.plugin`), when it is
/// a dotted name of identifiers.
fn module_of(target: &str) -> Option<String> {
    let module = target.split(':').next()?.split('[').next()?.trim();
    let valid = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !part.starts_with(|c: char| c.is_ascii_digit())
    };
    module.split('.').all(valid).then(|| module.to_string())
}

/// The plugin modules of a `"pytest11": [...]` list written in a `setup.py`: each string of
/// the list after the group's name, read as `NAME = MODULE`.
fn setup_py_plugins(text: &str) -> Vec<String> {
    let mut modules = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(PYTEST_PLUGINS) {
        rest = &rest[at + PYTEST_PLUGINS.len()..];
        // The group's name closes its string, then `:` (a dict) and its list.
        let Some(open) = rest.find('[') else { break };
        if !rest[..open].trim_start_matches(['"', '\'']).trim().starts_with(':') {
            continue;
        }
        let Some(close) = rest[open..].find(']') else { break };
        let list = &rest[open + 1..open + close];
        for item in list.split(',') {
            let item = item.trim().trim_matches(['"', '\'']);
            if let Some((_, target)) = item.split_once('=')
                && let Some(module) = module_of(target)
            {
                modules.push(module);
            }
        }
        rest = &rest[open + close..];
    }
    modules
}

/// The entries of a `pyproject.toml` in the `groups`, each placed at the first line of the
/// file that assigns its name (bare or quoted) in a table that declares them.
fn from_pyproject(text: &str, groups: &[&str]) -> Vec<Declared> {
    let Ok(doc) = text.parse::<toml::Table>() else { return Vec::new() };
    let project = doc.get("project");
    let entry_points = project.and_then(|p| p.get("entry-points"));
    let scripts = groups == SCRIPT_GROUPS;
    let mut tables: Vec<Option<&toml::Value>> =
        groups.iter().map(|g| entry_points.and_then(|e| e.get(*g))).collect();
    if scripts {
        tables.extend([
            project.and_then(|p| p.get("scripts")),
            project.and_then(|p| p.get("gui-scripts")),
            doc.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("scripts")),
        ]);
    } else {
        // Poetry's `[tool.poetry.plugins."pytest11"]`.
        let poetry = doc.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("plugins"));
        tables.extend(groups.iter().map(|g| poetry.and_then(|p| p.get(*g))));
    }
    let mut found = Vec::new();
    for table in tables.into_iter().flatten().filter_map(toml::Value::as_table) {
        for (name, value) in table {
            // Poetry also takes `{ reference = "...", type = "file" }` and `{ callable = ... }`.
            let target = value.as_str().or_else(|| {
                let t = value.as_table()?;
                t.get("callable").or_else(|| t.get("reference")).and_then(toml::Value::as_str)
            });
            let Some(target) = target else { continue };
            let (start, line_end) = key_position(text, name).unwrap_or((0, line_end_at(text, 0)));
            found.push(Declared {
                name: name.clone(),
                target: target.to_string(),
                start,
                line_end,
            });
        }
    }
    found.sort_by_key(|d| d.start);
    found
}

/// Where a TOML key is assigned: the first line whose first word is the key, bare or quoted,
/// followed by `=`.
fn key_position(text: &str, key: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        let after = [format!("\"{key}\""), format!("'{key}'"), key.to_string()]
            .into_iter()
            .find_map(|k| rest.strip_prefix(k.as_str()));
        if after.is_some_and(|a| a.trim_start().starts_with('=')) {
            return Some((offset + indent, offset + line.trim_end().len()));
        }
        offset += line.len();
    }
    None
}

/// The end of the line that holds byte `at` (its line break excluded).
fn line_end_at(text: &str, at: usize) -> usize {
    text[at..].find(['\r', '\n']).map_or(text.len(), |i| at + i)
}

/// The entries of the `groups` in an INI file: `entry_points.txt` (a section per group, an entry per line)
/// or `setup.cfg` (`[options.entry_points]`, a key per group whose value lists the entries,
/// on its own line or on the indented lines after it), as setuptools reads them.
fn from_ini(text: &str, setup_cfg: bool, groups: &[&str]) -> Vec<Declared> {
    let mut found = Vec::new();
    let mut section = String::new();
    // In `setup.cfg`: whether the key whose indented lines follow is a scripts group.
    let mut in_group = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        let indent = content.len() - content.trim_start().len();
        if indent == 0 && trimmed.starts_with('[') {
            section = trimmed.trim_matches(['[', ']']).trim().to_string();
            in_group = false;
            continue;
        }
        // `text[at..]` is `NAME = TARGET` for an entry.
        let entry_at = if setup_cfg {
            if section != "options.entry_points" {
                continue;
            }
            if indent == 0 {
                let Some((key, value)) = trimmed.split_once(['=', ':']) else { continue };
                in_group = groups.contains(&key.trim());
                if !in_group || value.trim().is_empty() {
                    continue;
                }
                // `console_scripts = pip = pkg:main`: the entry after the first `=`.
                let value_at = content.len() - content[key.len() + 1..].trim_start().len();
                start + value_at
            } else if in_group {
                start + indent
            } else {
                continue;
            }
        } else {
            if !groups.contains(&section.as_str()) {
                continue;
            }
            start + indent
        };
        let entry = text[entry_at..start + content.len()].trim_end();
        let Some((name, target)) = entry.split_once('=') else { continue };
        let (name, target) = (name.trim(), target.trim());
        if name.is_empty() || target.is_empty() {
            continue;
        }
        found.push(Declared {
            name: name.to_string(),
            target: target.to_string(),
            start: entry_at,
            line_end: start + content.len(),
        });
    }
    found
}

/// Whether the command is its own package's: the module it runs is named as the command is,
/// version digits aside (pip's `pip3.11 = pip._internal.cli.main:main`).
fn is_own_command(d: &Declared, project: Option<&str>) -> bool {
    let base = d.name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let module = d.target.split([':', '.']).next().unwrap_or("").trim();
    !base.is_empty()
        && base.eq_ignore_ascii_case(module)
        && project.is_some_and(|p| normalized(p) == normalized(base))
}

/// A project's name as PEP 503 compares names: lower case, runs of `-`, `_` and `.` as one
/// `-`.
fn normalized(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for part in name.split(['-', '_', '.']).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&part.to_ascii_lowercase());
    }
    out
}

/// The name of the project or distribution whose metadata the file at `path` is: a
/// `*.dist-info` or `*.egg-info` directory's name before its version, `setup.cfg`'s
/// `[metadata] name`, `pyproject.toml`'s `[project] name` or poetry's.
fn project_name(path: &Path, text: &str) -> Option<String> {
    match path.file_name().and_then(|n| n.to_str())? {
        "entry_points.txt" => {
            let dir = path.parent()?.file_name()?.to_str()?;
            let stem = dir.strip_suffix(".dist-info").or_else(|| dir.strip_suffix(".egg-info"))?;
            Some(stem.split('-').next().unwrap_or(stem).to_string())
        }
        "setup.cfg" => {
            let mut in_metadata = false;
            for line in text.lines() {
                let trimmed = line.trim();
                if trimmed.starts_with('[') {
                    in_metadata = trimmed == "[metadata]";
                } else if in_metadata
                    && let Some((key, value)) = trimmed.split_once(['=', ':'])
                    && key.trim() == "name"
                {
                    return Some(value.trim().to_string());
                }
            }
            None
        }
        "pyproject.toml" => {
            let doc = text.parse::<toml::Table>().ok()?;
            let project = doc.get("project").and_then(|p| p.get("name"));
            let poetry = doc.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("name"));
            project.or(poetry).and_then(toml::Value::as_str).map(str::to_string)
        }
        _ => None,
    }
}

/// The string patterns a rule's match holds outside any `not`: what a declaration's text is
/// matched against.
pub(crate) fn positive_strings(spec: &MatchSpec, out: &mut Vec<regex::Regex>) {
    match spec {
        MatchSpec::String(re) => {
            if let Ok(re) = regex::Regex::new(re) {
                out.push(re);
            }
        }
        MatchSpec::Any(specs) | MatchSpec::All(specs) => {
            for s in specs {
                positive_strings(s, out);
            }
        }
        _ => {}
    }
}

/// The findings of the commands a metadata file declares (see the module's documentation),
/// as the outcome of a scanned file; `None` when it declares none that the rule reports, or
/// the rule is not among those run.
pub(crate) fn scan_metadata(rules: &RuleSet, path: &Path, text: &str) -> Option<FileOutcome> {
    let name = path.file_name().and_then(|n| n.to_str())?;
    let (index, rule): (usize, &Rule) =
        rules.rules().iter().enumerate().find(|(_, r)| r.name == SHADOWING_RULE)?;
    let mut patterns = Vec::new();
    positive_strings(&rule.matcher, &mut patterns);
    if patterns.is_empty() {
        return None;
    }
    let project = project_name(path, text);
    let mut findings = Vec::new();
    for d in declared(name, text) {
        let entry = format!("{} = {}", d.name, d.target);
        if is_own_command(&d, project.as_deref()) || !patterns.iter().any(|re| re.is_match(&entry))
        {
            continue;
        }
        findings.push(finding_at(index, rule, text, d.start..d.line_end, &entry));
    }
    outcome_of(text, findings)
}

/// The outcome of a file read for findings outside Python code; `None` without any.
pub(crate) fn outcome_of(text: &str, findings: Vec<Finding>) -> Option<FileOutcome> {
    if findings.is_empty() {
        return None;
    }
    let line_hashes =
        Some(pysbx_report::LineHashes::of(text, findings.iter().map(|f| f.location.line)));
    Some(FileOutcome::Analysed {
        findings,
        suppressed: 0,
        line_hashes,
        entry_calls: Vec::new(),
        entry_sensitive: false,
        syntax_error: None,
    })
}

/// A finding of `rule` (the `index`th of the rule set) at the bytes `at` of `text`, which
/// start and end on one line, with `subject` in its message.
pub(crate) fn finding_at(
    index: usize,
    rule: &Rule,
    text: &str,
    at: std::ops::Range<usize>,
    subject: &str,
) -> Finding {
    let line_start = text[..at.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at.start..].find('\n').map_or(text.len(), |i| at.start + i);
    let end = at.end.min(line_end);
    let line = text[..at.start].matches('\n').count() + 1;
    let column = text[line_start..at.start].chars().count() + 1;
    let end_column = column + text[at.start..end].chars().count();
    let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Finding {
        rule: index,
        start: as_u32(at.start),
        end: as_u32(end),
        location: FindingLocation {
            line: as_u32(line),
            column: as_u32(column),
            end_line: as_u32(line),
            end_column: as_u32(end_column),
        },
        message: rule.render_message(subject),
        subject: subject.to_string(),
        snippet: text[line_start..line_end].to_string(),
        snippet_start: as_u32(line_start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: &[Declared]) -> Vec<(&str, &str)> {
        found.iter().map(|d| (d.name.as_str(), d.target.as_str())).collect()
    }

    #[test]
    fn setup_cfg_entries_on_their_own_lines_and_after_the_key() {
        let text = "[metadata]\nname = x\n\n[options.entry_points]\nconsole_scripts =\n    pip = piph:main\n    sudo=piph:main\npytest11 =\n    x = y\ngui_scripts = ls = piph:gui\n";
        let found = declared("setup.cfg", text);
        assert_eq!(
            names(&found),
            [("pip", "piph:main"), ("sudo", "piph:main"), ("ls", "piph:gui")]
        );
        assert_eq!(&text[found[0].start..found[0].line_end], "pip = piph:main");
        assert_eq!(&text[found[2].start..found[2].line_end], "ls = piph:gui");
    }

    #[test]
    fn entry_points_txt_sections_are_groups() {
        let text = "[babel.extractors]\npython = babel.messages.extract:extract_python\n\n[console_scripts]\npip = pip._internal.cli.main:main\ngit = evil:main\n";
        let found = declared("entry_points.txt", text);
        assert_eq!(names(&found), [("pip", "pip._internal.cli.main:main"), ("git", "evil:main")]);
        assert!(is_own_command(&found[0], Some("pip")));
        assert!(!is_own_command(&found[1], Some("pip")));
        // A project of another name that ships a module named `pip`: not pip's own command.
        assert!(!is_own_command(&found[0], Some("pipx-helpers")));
        assert!(!is_own_command(&found[0], None));
        let dist = Path::new("site/pip-23.2.dist-info/entry_points.txt");
        assert_eq!(project_name(dist, "").as_deref(), Some("pip"));
        let cfg = "[metadata]\nname = Pip_Tools\n[options]\nname = x\n";
        assert_eq!(project_name(Path::new("setup.cfg"), cfg).as_deref(), Some("Pip_Tools"));
        assert_eq!(normalized("Pip_Tools"), "pip-tools");
        let toml = "[project]\nname = \"pip\"\n";
        assert_eq!(project_name(Path::new("pyproject.toml"), toml).as_deref(), Some("pip"));
    }

    #[test]
    fn pytest_plugins_declared_in_metadata_and_setup_py() {
        let cfg = "[options.entry_points]\npytest11 =\n    fast = pff\n    deep = pkg.plugin:hooks\nconsole_scripts =\n    x = y:z\n";
        let files = pytest_plugin_files(Path::new("p/setup.cfg"), cfg);
        for f in ["p/pff.py", "p/src/pff.py", "p/pkg/plugin.py", "p/pkg/plugin/__init__.py"] {
            assert!(files.contains(&std::path::PathBuf::from(f)), "{f}: {files:?}");
        }
        assert!(!files.iter().any(|f| f.ends_with("y.py")), "{files:?}");
        let setup = "setup(name='x', entry_points={\"pytest11\": [\"fast = pff\", 'b=q.r'], 'console_scripts': ['c = d:e']})\n";
        assert_eq!(setup_py_plugins(setup), ["pff", "q.r"]);
        let txt = "[pytest11]\nfast = pff\n";
        let files =
            pytest_plugin_files(Path::new("site/pytest_fast-1.0.dist-info/entry_points.txt"), txt);
        assert!(files.contains(&std::path::PathBuf::from("site/pff.py")), "{files:?}");
        let toml = "[project.entry-points.pytest11]\nfast = \"pff\"\n";
        assert_eq!(plugin_modules("pyproject.toml", toml), ["pff"]);
        assert_eq!(module_of("a.b:c"), Some("a.b".to_string()));
        assert_eq!(module_of("../x"), None);
    }

    #[test]
    fn pyproject_tables_of_scripts() {
        let text = "[project]\nname = \"x\"\n\n[project.scripts]\npip = \"piph:main\"\n\"sudo\" = \"piph:main\"\n\n[project.entry-points.console_scripts]\nls = \"piph:ls\"\n\n[tool.poetry.scripts]\ngit = { callable = \"piph:git\" }\n";
        let found = declared("pyproject.toml", text);
        assert_eq!(
            names(&found),
            [("pip", "piph:main"), ("sudo", "piph:main"), ("ls", "piph:ls"), ("git", "piph:git")]
        );
        assert_eq!(&text[found[1].start..found[1].line_end], "\"sudo\" = \"piph:main\"");
        assert!(declared("pyproject.toml", "[project\n").is_empty());
    }
}
