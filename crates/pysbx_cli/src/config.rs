//! Applying the project configuration: finding it, overriding rule severity and action, and
//! per-path ignores. The model and the file parsing live in `pysbx_rules`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use globset::{Glob, GlobSet, GlobSetBuilder};
use pysbx_rules::{Finding, LoadedConfig, RuleSet};

use crate::pipeline::matches_rule;

/// The configuration in force: the one given with `--config`, else the first found from the
/// current directory upward. Audit mode reads only an explicit `--config`: a configuration found
/// on disk may belong to the very tree being audited, and a package must not configure its own
/// scan.
pub(crate) fn load_effective_config(
    explicit: Option<&Path>,
    audit: bool,
) -> Result<Option<LoadedConfig>> {
    if let Some(path) = explicit {
        let loaded = pysbx_rules::load_config(path)?;
        return match loaded {
            Some(cfg) => Ok(Some(cfg)),
            None => bail!("{}: no [tool.pysbx] table in this file", path.display()),
        };
    }
    if audit {
        return Ok(None);
    }
    let cwd = std::env::current_dir().context("reading the current directory")?;
    Ok(pysbx_rules::find_config(&cwd)?)
}

/// Applies `severity:` and `action:` overrides.
pub(crate) fn apply_overrides(cfg: &LoadedConfig, rules: &mut RuleSet) -> Result<()> {
    let c = &cfg.config;
    for key in c.severity.keys().chain(c.action.keys()) {
        if !rules.rules().iter().any(|r| matches_rule(key, r)) {
            bail!(
                "{}: unknown rule `{key}` in severity/action overrides (see `pysbx rules list`)",
                cfg.path.display()
            );
        }
    }
    for rule in rules.rules_mut() {
        for (key, severity) in &c.severity {
            if matches_rule(key, rule) {
                rule.severity = *severity;
            }
        }
        for (key, action) in &c.action {
            if matches_rule(key, rule) {
                rule.action = *action;
            }
        }
    }
    Ok(())
}

/// Fails on selectors that name no rule: a typo in `--ignore` must not silently ignore nothing.
pub(crate) fn check_rule_refs(rules: &RuleSet, selectors: &[String], what: &str) -> Result<()> {
    for selector in selectors {
        if !rules.rules().iter().any(|r| matches_rule(selector, r)) {
            bail!("{what}: no rule is named `{selector}` (see `pysbx rules list`)");
        }
    }
    Ok(())
}

/// Per-path ignores from the configuration, matched against paths relative to the
/// configuration file's directory.
#[derive(Default)]
pub(crate) struct PerFileIgnores {
    base: PathBuf,
    globs: Option<GlobSet>,
    rules: Vec<Vec<String>>,
}

impl PerFileIgnores {
    pub(crate) fn new(cfg: &LoadedConfig) -> Result<Self> {
        let mut builder = GlobSetBuilder::new();
        let mut rules = Vec::new();
        for (pattern, ids) in &cfg.config.per_file_ignores {
            let glob = Glob::new(pattern).with_context(|| {
                format!("{}: per_file_ignores: invalid glob `{pattern}`", cfg.path.display())
            })?;
            builder.add(glob);
            rules.push(ids.clone());
        }
        let base = cfg
            .path
            .parent()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
            .unwrap_or_default();
        Ok(Self { base, globs: Some(builder.build()?), rules })
    }

    /// Drops the findings that a per-path ignore covers.
    pub(crate) fn filter(&self, path: &Path, rules: &RuleSet, findings: &mut Vec<Finding>) {
        let Some(globs) = &self.globs else { return };
        if globs.is_empty() || findings.is_empty() {
            return;
        }
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let relative = absolute.strip_prefix(&self.base).unwrap_or(path);
        let matched = globs.matches(relative);
        if matched.is_empty() {
            return;
        }
        findings.retain(|f| {
            let Some(rule) = rules.get(f.rule) else { return true };
            !matched.iter().any(|&i| self.rules[i].iter().any(|sel| matches_rule(sel, rule)))
        });
    }
}
