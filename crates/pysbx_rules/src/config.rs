//! Project configuration: `pysbx.yaml` or `[tool.pysbx]` in `pyproject.toml`, with
//! `file:line:col` errors. The configuration selects rules and tunes them; it never adds code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{RuleLoadError, SourcePosition};
use crate::model::{Action, Severity};

/// The names of configuration files, in the order they are looked for in each directory.
pub const CONFIG_FILE_NAMES: &[&str] = &["pysbx.yaml", "pysbx.yml", "pyproject.toml"];

/// A project configuration. Every key is optional; absent keys keep the defaults.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Only these rules (ids or names). Empty: all rules.
    #[serde(default)]
    pub select: Vec<String>,
    /// Skip these rules (ids or names).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Extra rule pack files, relative to the configuration file.
    #[serde(default)]
    pub rules: Vec<PathBuf>,
    /// Path globs to leave out of scans.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Per-path ignores: glob → rule ids or names (`"tests/**": [assert-used]`).
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    /// Severity overrides by rule id or name.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Action overrides by rule id or name.
    #[serde(default)]
    pub action: BTreeMap<String, Action>,
    /// The lowest severity that makes `scan` exit 1.
    pub fail_on: Option<Severity>,
    /// The sandbox policy file for `pysbx exec`, relative to the configuration file.
    pub policy: Option<PathBuf>,
}

/// A configuration and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The configuration.
    pub config: Config,
    /// The file it was read from.
    pub path: PathBuf,
}

impl LoadedConfig {
    /// Resolves a path written in the configuration relative to the file's directory.
    #[must_use]
    pub fn resolve(&self, relative: &Path) -> PathBuf {
        if relative.is_absolute() {
            return relative.to_path_buf();
        }
        self.path.parent().map_or_else(|| relative.to_path_buf(), |dir| dir.join(relative))
    }
}

#[derive(Deserialize)]
struct PyProject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    pysbx: Option<toml::Spanned<toml::Value>>,
}

/// Reads a configuration file: YAML, or TOML when the name ends in `.toml` (then the
/// `[tool.pysbx]` table; `Ok(None)` when a `pyproject.toml` has none).
///
/// # Errors
/// Unreadable file, malformed YAML or TOML, unknown keys, bad values: `file:line:col: what`.
pub fn load_config(path: &Path) -> Result<Option<LoadedConfig>, RuleLoadError> {
    let text = pysbx_files::read_text(path, pysbx_files::TEXT_LIMIT)
        .map_err(|e| RuleLoadError::Io { path: path.to_path_buf(), source: e.into() })?;
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    let config = if is_toml { parse_toml(&text, path)? } else { Some(parse_yaml(&text, path)?) };
    Ok(config.map(|config| LoadedConfig { config, path: path.to_path_buf() }))
}

fn parse_yaml(text: &str, path: &Path) -> Result<Config, RuleLoadError> {
    if text.trim().is_empty() {
        return Ok(Config::default());
    }
    serde_saphyr::from_str(text).map_err(|e| {
        let position = e
            .location()
            .map(|l| SourcePosition { line: l.line(), column: l.column() })
            .unwrap_or(SourcePosition { line: 1, column: 1 });
        let message = e.without_snippet().to_string();
        let message = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        RuleLoadError::Syntax { path: path.to_path_buf(), position, message: message.to_string() }
    })
}

fn parse_toml(text: &str, path: &Path) -> Result<Option<Config>, RuleLoadError> {
    let to_error = |span: Option<std::ops::Range<usize>>, message: String| {
        let offset = span.map_or(0, |s| s.start);
        RuleLoadError::Syntax {
            path: path.to_path_buf(),
            position: position_of(text, offset),
            message: message.lines().next().unwrap_or_default().to_string(),
        }
    };
    let project: PyProject =
        toml::from_str(text).map_err(|e| to_error(e.span(), e.message().to_string()))?;
    let Some(table) = project.tool.and_then(|t| t.pysbx) else { return Ok(None) };
    let span = table.span();
    let value = table.into_inner();
    let text_of_table =
        toml::to_string(&value).map_err(|e| to_error(Some(span.clone()), e.to_string()))?;
    // Re-read the table alone to validate it; errors are mapped back to the table's position in
    // the file, then refined by searching for the offending key.
    toml::from_str::<Config>(&text_of_table).map(Some).map_err(|e| {
        let message = e.message().to_string();
        let key_offset = message
            .split('`')
            .nth(1)
            .and_then(|key| text[span.start..].find(key).map(|i| span.start + i))
            .unwrap_or(span.start);
        to_error(Some(key_offset..key_offset), format!("[tool.pysbx]: {message}"))
    })
}

fn position_of(text: &str, offset: usize) -> SourcePosition {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    SourcePosition { line: line as u64, column: column as u64 }
}

/// Looks for a configuration file in `start` and its ancestors; the first `pysbx.yaml`,
/// `pysbx.yml`, or `pyproject.toml` with a `[tool.pysbx]` table wins.
///
/// # Errors
/// As [`load_config`], for the file found.
pub fn find_config(start: &Path) -> Result<Option<LoadedConfig>, RuleLoadError> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    for dir in start.ancestors() {
        for name in CONFIG_FILE_NAMES {
            let candidate = dir.join(name);
            if candidate.is_file()
                && let Some(found) = load_config(&candidate)?
            {
                return Ok(Some(found));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn yaml_config_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "pysbx.yaml",
            "select: [PSB101]\nfail_on: high\nper_file_ignores:\n  'tests/**': [assert-used]\nseverity:\n  PSB101: critical\n",
        );
        let c = load_config(&p).unwrap().unwrap().config;
        assert_eq!(c.select, ["PSB101"]);
        assert_eq!(c.fail_on, Some(Severity::High));
        assert_eq!(c.severity["PSB101"], Severity::Critical);
        assert_eq!(c.per_file_ignores["tests/**"], ["assert-used"]);
    }

    #[test]
    fn yaml_unknown_key_has_position() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "pysbx.yaml", "select: []\nselekt: [x]\n");
        let err = load_config(&p).unwrap_err();
        assert_eq!(err.position().unwrap().line, 2, "{err}");
        assert!(err.to_string().contains("selekt"), "{err}");
    }

    #[test]
    fn pyproject_table_loads_and_errors_point_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname = 'x'\n\n[tool.pysbx]\nignore = ['PSB101']\nfail_on = 'medium'\n",
        );
        let c = load_config(&p).unwrap().unwrap().config;
        assert_eq!(c.ignore, ["PSB101"]);
        assert_eq!(c.fail_on, Some(Severity::Medium));

        let bad = write(
            dir.path(),
            "pyproject.toml",
            "[project]\nname = 'x'\n\n[tool.pysbx]\nfail_on = 'huge'\n",
        );
        let err = load_config(&bad).unwrap_err();
        assert!(err.to_string().contains("huge"), "{err}");
        assert_eq!(err.position().unwrap().line, 5, "{err}");
    }

    #[test]
    fn pyproject_without_table_is_skipped_by_find() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "pyproject.toml", "[project]\nname = 'x'\n");
        assert!(find_config(dir.path()).unwrap().is_none());
        write(dir.path(), "pysbx.yaml", "ignore: [PSB101]\n");
        let found = find_config(dir.path()).unwrap().unwrap();
        assert!(found.path.ends_with("pysbx.yaml"));
    }

    #[test]
    fn malformed_toml_has_position() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "pyproject.toml", "[tool.pysbx]\nignore = [\n");
        let err = load_config(&p).unwrap_err();
        assert!(err.position().is_some(), "{err}");
    }
}
