//! `pysbx merge`: combine the JSON or SARIF outputs of several scans (shards of one input set)
//! into one document, sorted and de-duplicated, as if one scan had produced it.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use pysbx_report::{DistributionSummary, Shard};

use crate::args::MergeArgs;
use crate::output::write_output;

pub(crate) fn run(args: &MergeArgs) -> Result<ExitCode> {
    let mut docs = Vec::new();
    for path in &args.inputs {
        let text = pysbx_files::read_text(path, u64::MAX)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{}: not valid JSON: {e}", crate::output::json_error_position(path, &e))
        })?;
        docs.push((path.display().to_string(), doc));
    }
    let is_sarif = |d: &Value| d.get("runs").is_some();
    let is_json = |d: &Value| d.get("findings").is_some();
    // Every input is one or the other, and all the same: the first that differs is named.
    if let Some((first, doc)) = docs.first() {
        let sarif = is_sarif(doc);
        for (name, d) in &docs {
            if !is_sarif(d) && !is_json(d) {
                bail!(
                    "{name}: neither a pysbx JSON report (no `findings`) nor a SARIF log (no `runs`)"
                );
            }
            if is_sarif(d) != sarif {
                let kind = |s: bool| if s { "a SARIF log" } else { "a pysbx JSON report" };
                bail!(
                    "{name} is {} but {first} is {}: merge inputs of one format",
                    kind(!sarif),
                    kind(sarif)
                );
            }
        }
    }
    for (name, d) in &docs {
        check_input(name, d)?;
    }
    let counted = count_shards_once(&docs);
    let docs: Vec<(String, Value, bool)> =
        docs.into_iter().zip(counted).map(|((name, doc), counted)| (name, doc, counted)).collect();
    let merged = if docs.iter().all(|(_, d, _)| is_sarif(d)) {
        merge_sarif(docs)?
    } else if docs.iter().all(|(_, d, _)| d.get("findings").is_some()) {
        merge_json(docs)?
    } else {
        bail!("inputs must all be pysbx JSON reports or all SARIF logs");
    };
    // Written as it is printed: the merged text of many shards is not held beside the merged
    // document.
    write_output(args.output.as_deref(), |out| {
        serde_json::to_writer_pretty(&mut *out, &merged)?;
        Ok(out.write_all(b"\n")?)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses an input that is not what pysbx writes, naming where: a JSON report's `findings`
/// (and `errors`) not lists of objects with a string `rule_id`/`kind` and `path`, its `stats`
/// not an object, a counter not a whole number from 0; a SARIF log not of version 2.1.0, or a
/// run of another tool. Merged as they were, such inputs were dropped without a word, or
/// copied into a report (or a SARIF log) no reader accepts.
fn check_input(name: &str, doc: &Value) -> Result<()> {
    if let Some(runs) = doc.get("runs") {
        if doc.get("version").and_then(Value::as_str) != Some("2.1.0") {
            bail!(
                "{name}: not a SARIF 2.1.0 log (`version` is {})",
                doc.get("version").unwrap_or(&Value::Null)
            );
        }
        let Some(runs) = runs.as_array() else { bail!("{name}: `runs` is not a list") };
        for (i, run) in runs.iter().enumerate() {
            let tool = run.pointer("/tool/driver/name").and_then(Value::as_str);
            if tool != Some("pysbx") {
                bail!(
                    "{name}: runs[{i}] is a run of {}, not of pysbx: merge combines pysbx's own outputs",
                    tool.map_or_else(|| "an unnamed tool".to_string(), |t| format!("`{t}`"))
                );
            }
            if run.get("results").is_some_and(|r| !r.is_array()) {
                bail!("{name}: runs[{i}].results is not a list");
            }
        }
        return Ok(());
    }
    let list = |key: &str, id: &str| -> Result<()> {
        let Some(items) = doc.get(key) else { return Ok(()) };
        let Some(items) = items.as_array() else { bail!("{name}: `{key}` is not a list") };
        for (i, item) in items.iter().enumerate() {
            let fields = [id, "path"];
            if let Some(missing) =
                fields.iter().find(|f| !item.get(**f).is_some_and(Value::is_string))
            {
                bail!("{name}: {key}[{i}] has no string `{missing}`");
            }
            // A finding's severity is one of pysbx's four: the summary counts them and
            // `--fail-on` compares them.
            if key == "findings"
                && let Some(severity) = item.get("severity")
                && !matches!(severity.as_str(), Some("low" | "medium" | "high" | "critical"))
            {
                bail!(
                    "{name}: {key}[{i}].severity is {severity}, not low, medium, high or critical"
                );
            }
        }
        Ok(())
    };
    list("findings", "rule_id")?;
    list("errors", "kind")?;
    if let Some(stats) = doc.get("stats") {
        let Some(stats) = stats.as_object() else { bail!("{name}: `stats` is not an object") };
        check_counters(name, "stats", stats)?;
    }
    Ok(())
}

/// Every number of a report's `stats` (nested objects too) is a whole number from 0, as
/// pysbx writes them: they are added up.
fn check_counters(name: &str, at: &str, stats: &Map<String, Value>) -> Result<()> {
    for (k, v) in stats {
        match v {
            Value::Number(n) if n.as_u64().is_none() => {
                bail!("{name}: {at}.{k} is {n}, not a whole number from 0")
            }
            Value::Object(inner) => check_counters(name, &format!("{at}.{k}"), inner)?,
            _ => {}
        }
    }
    Ok(())
}

/// The shard a report covers: JSON's `shard`, or a SARIF run's `properties.shard`.
fn shard_of(doc: &Value) -> Option<Shard> {
    let shard = doc.get("shard").or_else(|| doc.pointer("/runs/0/properties/shard"))?;
    serde_json::from_value(shard.clone()).ok()
}

/// Which inputs count towards the counters and the per-distribution summaries: a shard given
/// twice counts once (its findings are de-duplicated anyway; counts cannot be). Warns on
/// standard error when a shard is given twice, when shards of different partitions are mixed,
/// and when shards of the partition are missing, so an incomplete job array is noticed.
fn count_shards_once(docs: &[(String, Value)]) -> Vec<bool> {
    let mut seen: BTreeSet<Shard> = BTreeSet::new();
    let counted = docs
        .iter()
        .map(|(name, doc)| match shard_of(doc) {
            Some(shard) if !seen.insert(shard) => {
                eprintln!(
                    "pysbx: warning: {name}: shard {}/{} given again: counted once",
                    shard.index, shard.count
                );
                false
            }
            _ => true,
        })
        .collect();
    let partitions: BTreeSet<u64> = seen.iter().map(|s| s.count).collect();
    if partitions.len() > 1 {
        eprintln!(
            "pysbx: warning: shards of different partitions merged (into {}): the same file may be counted twice",
            partitions.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        );
    } else if let Some(&count) = partitions.first() {
        let missing: Vec<String> = (1..=count)
            .filter(|&index| !seen.contains(&Shard { index, count }))
            .map(|index| format!("{index}/{count}"))
            .collect();
        if !missing.is_empty() {
            eprintln!(
                "pysbx: warning: shard(s) {} not given: the merged report covers part of the input",
                missing.join(", ")
            );
        }
    }
    counted
}

fn key_of(v: &Value, fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| v.get(*f).map(Value::to_string).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// The items of the list `doc[key]`, moved out of the document (each input is read once).
fn take_list(doc: &mut Value, key: &str) -> Vec<Value> {
    match doc.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

fn merge_json(docs: Vec<(String, Value, bool)>) -> Result<Value> {
    // Read before the inputs' lists are moved into the merged one.
    let distributions = merged_distributions(
        docs.iter()
            .filter(|(_, _, counted)| *counted)
            .map(|(name, doc, _)| (name.as_str(), doc.get("distributions"))),
    )?;
    let mut findings: BTreeMap<String, Value> = BTreeMap::new();
    let mut errors: BTreeMap<String, Value> = BTreeMap::new();
    let mut stats: Map<String, Value> = Map::new();
    let mut version = Value::Null;
    for (_, mut doc, counted) in docs {
        version = doc.get("version").cloned().unwrap_or(version);
        for f in take_list(&mut doc, "findings") {
            let key = key_of(&f, &["path", "line", "column", "rule_id", "end_line", "end_column"]);
            findings.entry(key).or_insert(f);
        }
        for e in take_list(&mut doc, "errors") {
            errors.entry(key_of(&e, &["path", "line", "column", "message"])).or_insert(e);
        }
        if let Some(s) = doc.get("stats").and_then(Value::as_object).filter(|_| counted) {
            add_counters(&mut stats, s);
        }
    }
    let mut findings: Vec<Value> = findings.into_values().collect();
    findings.sort_by_key(sort_key);
    let errors: Vec<Value> = errors.into_values().collect();
    recount(&mut stats, &findings, errors.len());
    let mut merged =
        json!({"version": version, "findings": findings, "errors": errors, "stats": stats});
    if !distributions.is_empty() {
        merged["distributions"] = distributions.into();
    }
    Ok(merged)
}

/// Adds one input's counters into the merged ones: numbers add up (files scanned, files with
/// errors, suppressed, cached, the time each shard took), nested objects add up key by key,
/// flags hold when any input's does, anything else keeps the first input's value.
fn add_counters(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (None, _) => {
                into.insert(k.clone(), v.clone());
            }
            (Some(Value::Number(a)), Value::Number(b)) => {
                // Saturating: the inputs are files anyone may have written.
                if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
                    *a = x.saturating_add(y).into();
                }
            }
            (Some(Value::Object(a)), Value::Object(b)) => add_counters(a, b),
            (Some(Value::Bool(a)), Value::Bool(b)) => *a |= *b,
            _ => {}
        }
    }
}

/// The counters that follow from the merged lists themselves (a finding or error given by two
/// inputs is counted once): findings, by severity, failing, errors.
fn recount(stats: &mut Map<String, Value>, findings: &[Value], errors: usize) {
    use pysbx_rules::Severity;
    let severity_of = |v: Option<&Value>| v.and_then(Value::as_str)?.parse::<Severity>().ok();
    let fail_on = severity_of(stats.get("fail_on")).unwrap_or(Severity::Low);
    let mut by_severity: Map<String, Value> =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
            .iter()
            .map(|s| (s.to_string(), json!(0)))
            .collect();
    let mut failing = 0u64;
    for f in findings {
        let Some(severity) = severity_of(f.get("severity")) else { continue };
        if let Some(Value::Number(n)) = by_severity.get_mut(&severity.to_string()) {
            *n = (n.as_u64().unwrap_or(0) + 1).into();
        }
        if severity >= fail_on {
            failing += 1;
        }
    }
    stats.insert("findings".into(), json!(findings.len()));
    stats.insert("by_severity".into(), Value::Object(by_severity));
    stats.insert("errors".into(), json!(errors));
    stats.insert("failing".into(), json!(failing));
}

/// The per-distribution summaries of the inputs (JSON `distributions`, or a SARIF run's
/// `properties.distributions`), by input name, added up per distribution and ranked again.
fn merged_distributions<'d>(
    lists: impl Iterator<Item = (&'d str, Option<&'d Value>)>,
) -> Result<Vec<Value>> {
    let mut parts = Vec::new();
    for (name, list) in lists {
        let Some(list) = list else { continue };
        let list: Vec<DistributionSummary> = serde_json::from_value(list.clone())
            .with_context(|| format!("{name}: a `distributions` summary not as pysbx writes it"))?;
        parts.extend(list);
    }
    crate::distributions::merge(parts)
        .into_iter()
        .map(|summary| Ok(serde_json::to_value(summary)?))
        .collect()
}

fn sort_key(f: &Value) -> (String, u64, u64, String) {
    (
        f.get("path").and_then(Value::as_str).unwrap_or_default().to_string(),
        f.get("line").and_then(Value::as_u64).unwrap_or(0),
        f.get("column").and_then(Value::as_u64).unwrap_or(0),
        f.get("rule_id").and_then(Value::as_str).unwrap_or_default().to_string(),
    )
}

fn merge_sarif(docs: Vec<(String, Value, bool)>) -> Result<Value> {
    // Read before the inputs' results are moved into the merged run.
    let counted = docs.iter().filter(|(_, _, counted)| *counted);
    let distributions = merged_distributions(counted.flat_map(|(name, doc, _)| {
        let runs = doc.get("runs").and_then(Value::as_array).into_iter().flatten();
        runs.map(move |run| (name.as_str(), run.pointer("/properties/distributions")))
    }))?;
    let Some((first_name, _, _)) = docs.first() else { bail!("nothing to merge") };
    let first_name = first_name.clone();
    // The first input's log, once its results are moved out and the rest filled in below, is
    // the merged one.
    let mut base = None;
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut results: BTreeMap<String, Value> = BTreeMap::new();
    let mut notifications: Vec<Value> = Vec::new();
    let mut invocation_counters: Map<String, Value> = Map::new();
    let mut success = true;
    for (name, mut doc, counted) in docs {
        let runs = doc
            .get_mut("runs")
            .and_then(Value::as_array_mut)
            .with_context(|| format!("{name}: no runs"))?;
        for run in runs.iter_mut() {
            let run_rules: Vec<Value> = run
                .pointer("/tool/driver/rules")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for r in &run_rules {
                if let Some(id) = r.get("id").and_then(Value::as_str) {
                    rules.entry(id.to_string()).or_insert_with(|| r.clone());
                }
            }
            for result in take_list(run, "results") {
                let loc = result.pointer("/locations/0/physicalLocation");
                let key = format!(
                    "{}\u{1f}{}\u{1f}{:>10}\u{1f}{:>10}\u{1f}{}",
                    loc.and_then(|l| l.pointer("/artifactLocation/uri"))
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                    result.get("ruleId").and_then(Value::as_str).unwrap_or_default(),
                    loc.and_then(|l| l.pointer("/region/startLine"))
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                    loc.and_then(|l| l.pointer("/region/startColumn"))
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                    loc.and_then(|l| l.pointer("/region/endLine"))
                        .map(Value::to_string)
                        .unwrap_or_default(),
                );
                results.entry(key).or_insert(result);
            }
            for inv in run.get("invocations").and_then(Value::as_array).into_iter().flatten() {
                success &= inv.get("executionSuccessful").and_then(Value::as_bool).unwrap_or(true);
                if let Some(p) =
                    inv.get("properties").and_then(Value::as_object).filter(|_| counted)
                {
                    add_counters(&mut invocation_counters, p);
                }
                if let Some(n) = inv.get("toolExecutionNotifications").and_then(Value::as_array) {
                    notifications.extend(n.iter().cloned());
                }
            }
        }
        if base.is_none() {
            base = Some(doc);
        }
    }
    let mut base = base.with_context(|| format!("{first_name}: nothing to merge"))?;
    let rule_list: Vec<Value> = rules.into_values().collect();
    let index: BTreeMap<String, usize> = rule_list
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.get("id")?.as_str()?.to_string(), i)))
        .collect();
    let results: Vec<Value> = results
        .into_values()
        .map(|mut r| {
            if let Some(i) =
                r.get("ruleId").and_then(Value::as_str).and_then(|id| index.get(id)).copied()
            {
                r["ruleIndex"] = json!(i);
            }
            r
        })
        .collect();
    let run = base
        .get_mut("runs")
        .and_then(Value::as_array_mut)
        .and_then(|runs| runs.first_mut())
        .with_context(|| format!("{first_name}: a SARIF log with no run"))?;
    run["tool"]["driver"]["rules"] = Value::Array(rule_list);
    run["results"] = Value::Array(results);
    if let Some(inv) =
        run.get_mut("invocations").and_then(Value::as_array_mut).and_then(|i| i.first_mut())
    {
        inv["executionSuccessful"] = json!(success);
        inv["toolExecutionNotifications"] = Value::Array(notifications);
        if !invocation_counters.is_empty() {
            inv["properties"] = Value::Object(invocation_counters);
        }
    }
    if let Some(run) = base.pointer_mut("/runs/0") {
        // The merged run covers every shard given: the first input's shard is not its own.
        if let Some(props) = run.get_mut("properties").and_then(Value::as_object_mut) {
            props.remove("distributions");
            props.remove("shard");
        }
        if !distributions.is_empty() {
            run["properties"]["distributions"] = distributions.into();
        }
        if run.get("properties").and_then(Value::as_object).is_some_and(Map::is_empty)
            && let Some(run) = run.as_object_mut()
        {
            run.remove("properties");
        }
    }
    if let Some(runs) = base.get_mut("runs").and_then(Value::as_array_mut) {
        runs.truncate(1);
    }
    Ok(base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_of_an_earlier_version_still_merge() {
        // Before RECORD checks and complete rule counts: no `record_mismatches`, `top_rules`.
        let old = json!([{"name": "a 1", "files": 2, "by_severity": [1, 0, 0, 0],
                          "install_time": 0, "top_rules": [["PSB1", 1]]}]);
        let new = json!([{"name": "a 1", "files": 1, "by_severity": [0, 1, 0, 0],
                          "record_mismatches": 1, "install_time": 0, "rules": [["PSB1", 2]]}]);
        let merged =
            merged_distributions([("old.json", Some(&old)), ("new.json", Some(&new))].into_iter())
                .unwrap();
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0]["files"], 3);
        assert_eq!(merged[0]["record_mismatches"], 1);
        assert_eq!(merged[0]["rules"], json!([["PSB1", 3]]));
        // Something else is refused with a message, never half read.
        let junk = json!([{"name": 3}]);
        let err = merged_distributions([("junk.json", Some(&junk))].into_iter()).unwrap_err();
        assert!(err.to_string().starts_with("junk.json: a `distributions` summary"), "{err}");
    }
}
