//! `pysbx rules`: list, show, validate, and write the Markdown reference.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use pysbx_rules::{Rule, RuleSet};

use crate::args::{RulesArgs, RulesCommand};
use crate::pipeline::Engine;

pub(crate) fn run(args: &RulesArgs) -> Result<ExitCode> {
    match &args.command {
        RulesCommand::List { rules, json } => {
            let engine = Engine::from_options(rules)?;
            let mut out = String::new();
            if *json {
                let list: Vec<serde_json::Value> = engine
                    .rules
                    .rules()
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "name": r.name, "severity": r.severity.as_str(),
                            "confidence": r.confidence.as_str(), "action": r.action.as_str(),
                            "family": r.family, "cwe": r.cwe, "tags": r.tags, "bandit": r.bandit,
                        })
                    })
                    .collect();
                out = serde_json::to_string_pretty(&list)?;
                out.push('\n');
            } else {
                for r in engine.rules.rules() {
                    let _ = writeln!(
                        out,
                        "{:<8} {:<32} {:<8} {:<7} {}",
                        r.id,
                        r.name,
                        r.severity.as_str(),
                        r.action.as_str(),
                        r.family
                    );
                }
            }
            print_stdout(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Show { id, rules } => {
            let engine = Engine::from_options(rules)?;
            let Some(rule) = engine.rules.find(id) else {
                anyhow::bail!("no rule is named `{id}` (see `pysbx rules list`)");
            };
            print_stdout(&rule_markdown(rule))?;
            Ok(ExitCode::SUCCESS)
        }
        RulesCommand::Validate { files } => {
            let mut failed = false;
            for file in files {
                let mut set = pysbx_rules::builtin_rules().context("loading built-in rules")?;
                match pysbx_rules::load_rule_file(file, &mut set) {
                    Ok(n) => eprintln!("{}: {n} rule(s) valid", file.display()),
                    Err(err) => {
                        eprintln!("{err}");
                        failed = true;
                    }
                }
            }
            Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        RulesCommand::Markdown { output, check } => {
            let rules = pysbx_rules::builtin_rules().context("loading built-in rules")?;
            markdown(&rules, output, *check)
        }
    }
}

fn print_stdout(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The Markdown page of one rule: the same text `rules show` prints and `docs/rules/` holds.
pub(crate) fn rule_markdown(rule: &Rule) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {} {}\n", rule.id, rule.name);
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(md, "| severity | {} |", rule.severity);
    let _ = writeln!(md, "| confidence | {} |", rule.confidence);
    let _ = writeln!(md, "| action | {} |", rule.action);
    let _ = writeln!(md, "| family | {} |", rule.family);
    if let Some(cwe) = rule.cwe {
        let _ = writeln!(
            md,
            "| CWE | [CWE-{cwe}](https://cwe.mitre.org/data/definitions/{cwe}.html) |"
        );
    }
    if !rule.tags.is_empty() {
        let _ = writeln!(md, "| tags | {} |", rule.tags.join(", "));
    }
    if !rule.bandit.is_empty() {
        let _ = writeln!(md, "| bandit | {} |", rule.bandit.join(", "));
    }
    let _ = writeln!(md, "\n## Message\n\n{}\n", rule.message.replace("{name}", "NAME"));
    let _ = writeln!(md, "## Why\n\n{}", rule.help.trim_end());
    let _ = writeln!(
        md,
        "\n## Suppress\n\n`# pysbx: ignore[{}]` on any line of the flagged code (honoured in \
         repository mode only).",
        rule.id
    );
    md
}

fn markdown(rules: &RuleSet, dir: &Path, check: bool) -> Result<ExitCode> {
    let mut pages: Vec<(String, String)> =
        rules.rules().iter().map(|r| (format!("{}.md", r.id), rule_markdown(r))).collect();
    let mut index = String::from(
        "# Rules\n\n| id | name | severity | action | family |\n|---|---|---|---|---|\n",
    );
    for r in rules.rules() {
        let _ = writeln!(
            index,
            "| [{id}]({id}.md) | {} | {} | {} | {} |",
            r.name,
            r.severity,
            r.action,
            r.family,
            id = r.id
        );
    }
    pages.push(("README.md".to_string(), index));
    if check {
        let stale: Vec<&str> = pages
            .iter()
            .filter(|(name, text)| {
                std::fs::read_to_string(dir.join(name)).map_or(true, |on_disk| on_disk != *text)
            })
            .map(|(name, _)| name.as_str())
            .collect();
        if stale.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "{}: stale or missing rule pages: {} (run `pysbx rules markdown -o {}`)",
            dir.display(),
            stale.join(", "),
            dir.display()
        );
        return Ok(ExitCode::from(1));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in &pages {
        let path = dir.join(name);
        crate::output::write_atomically(&path, |out| Ok(out.write_all(text.as_bytes())?))?;
    }
    eprintln!("{}: wrote {} pages", dir.display(), pages.len());
    Ok(ExitCode::SUCCESS)
}
