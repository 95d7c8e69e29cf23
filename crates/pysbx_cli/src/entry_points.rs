//! Commands declared in a project's or a distribution's metadata rather than in Python: the
//! console and GUI scripts of `pyproject.toml` (`[project.scripts]`, `[project.gui-scripts]`,
//! `[project.entry-points.console_scripts]`, poetry's `[tool.poetry.scripts]`), of `setup.cfg`
//! (`[options.entry_points]`) and of an installed or packed distribution's
//! `entry_points.txt`. Each becomes a command on the user's `PATH` when the package is
//! installed, exactly as a `console_scripts` entry of a `setup()` call does, so the rule that
//! reads those entries in `setup.py` (`shadowing-console-script`) reads these too: each
//! declaration is matched, as the text `NAME = TARGET`, against the rule's string patterns.

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
    /// Byte offset of the name's first character, and of the end of its line.
    pub(crate) start: usize,
    pub(crate) line_end: usize,
}

/// The commands `text` declares, read as the file `name` (`pyproject.toml`, `setup.cfg` or
/// `entry_points.txt`) is. A file that does not parse declares none: its installer would
/// refuse it.
pub(crate) fn declared(name: &str, text: &str) -> Vec<Declared> {
    match name {
        "pyproject.toml" => from_pyproject(text),
        "setup.cfg" => from_ini(text, true),
        "entry_points.txt" => from_ini(text, false),
        _ => Vec::new(),
    }
}

/// The scripts of a `pyproject.toml`, each placed at the first line of the file that assigns
/// its name (bare or quoted) in a table that declares scripts.
fn from_pyproject(text: &str) -> Vec<Declared> {
    let Ok(doc) = text.parse::<toml::Table>() else { return Vec::new() };
    let project = doc.get("project");
    let entry_points = project.and_then(|p| p.get("entry-points"));
    let tables = [
        project.and_then(|p| p.get("scripts")),
        project.and_then(|p| p.get("gui-scripts")),
        entry_points.and_then(|e| e.get("console_scripts")),
        entry_points.and_then(|e| e.get("gui_scripts")),
        doc.get("tool").and_then(|t| t.get("poetry")).and_then(|p| p.get("scripts")),
    ];
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

/// The scripts of an INI file: `entry_points.txt` (a section per group, an entry per line)
/// or `setup.cfg` (`[options.entry_points]`, a key per group whose value lists the entries,
/// on its own line or on the indented lines after it), as setuptools reads them.
fn from_ini(text: &str, setup_cfg: bool) -> Vec<Declared> {
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
                in_group = SCRIPT_GROUPS.contains(&key.trim());
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
            if !SCRIPT_GROUPS.contains(&section.as_str()) {
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
fn is_own_command(d: &Declared) -> bool {
    let base = d.name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let module = d.target.split([':', '.']).next().unwrap_or("").trim();
    !base.is_empty() && base.eq_ignore_ascii_case(module)
}

/// The string patterns a rule's match holds outside any `not`: what a declaration's text is
/// matched against.
fn positive_strings(spec: &MatchSpec, out: &mut Vec<regex::Regex>) {
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
    let mut findings = Vec::new();
    for d in declared(name, text) {
        let entry = format!("{} = {}", d.name, d.target);
        if is_own_command(&d) || !patterns.iter().any(|re| re.is_match(&entry)) {
            continue;
        }
        findings.push(finding(index, rule, text, &d, &entry));
    }
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

fn finding(index: usize, rule: &Rule, text: &str, d: &Declared, entry: &str) -> Finding {
    let line_start = text[..d.start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..d.start].matches('\n').count() + 1;
    let column = text[line_start..d.start].chars().count() + 1;
    let end_column = column + text[d.start..d.line_end].chars().count();
    let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Finding {
        rule: index,
        start: as_u32(d.start),
        end: as_u32(d.line_end),
        location: FindingLocation {
            line: as_u32(line),
            column: as_u32(column),
            end_line: as_u32(line),
            end_column: as_u32(end_column),
        },
        message: rule.render_message(entry),
        subject: entry.to_string(),
        snippet: text[line_start..d.line_end].to_string(),
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
        assert!(is_own_command(&found[0]));
        assert!(!is_own_command(&found[1]));
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
