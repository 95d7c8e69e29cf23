//! Bandit parity: every check of current bandit (1.9) maps to a built-in rule that names it in
//! `bandit:`, and `fixtures/bandit/parity.py` holds a line bandit reports for each of them,
//! annotated with that rule. `docs/bandit.md` is the same table for readers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use pysbx_rules::builtin_rules;

/// `(bandit id, pysbx rule id)` for every check bandit 1.9 runs. Ids bandit has retired (B109,
/// B111, B309, B320, B322, B325, B410, B414) are not listed.
const PARITY: &[(&str, &str)] = &[
    ("B101", "PSB1201"),
    ("B102", "PSB101"),
    ("B103", "PSB503"),
    ("B104", "PSB409"),
    ("B105", "PSB1202"),
    ("B106", "PSB1202"),
    ("B107", "PSB1202"),
    ("B108", "PSB508"),
    ("B110", "PSB1203"),
    ("B112", "PSB1203"),
    ("B113", "PSB410"),
    ("B201", "PSB1101"),
    ("B202", "PSB510"),
    ("B301", "PSB601"),
    ("B302", "PSB602"),
    ("B303", "PSB1001"),
    ("B304", "PSB1002"),
    ("B305", "PSB1003"),
    ("B306", "PSB509"),
    ("B307", "PSB102"),
    ("B308", "PSB1102"),
    ("B310", "PSB402"),
    ("B311", "PSB1204"),
    ("B312", "PSB1011"),
    ("B313", "PSB606"),
    ("B314", "PSB606"),
    ("B315", "PSB606"),
    ("B316", "PSB606"),
    ("B317", "PSB606"),
    ("B318", "PSB606"),
    ("B319", "PSB606"),
    ("B321", "PSB1011"),
    ("B323", "PSB1014"),
    ("B324", "PSB1001"),
    ("B401", "PSB1012"),
    ("B402", "PSB1012"),
    ("B403", "PSB605"),
    ("B404", "PSB206"),
    ("B405", "PSB607"),
    ("B406", "PSB607"),
    ("B407", "PSB607"),
    ("B408", "PSB607"),
    ("B409", "PSB607"),
    ("B411", "PSB607"),
    ("B412", "PSB1109"),
    ("B413", "PSB1013"),
    ("B415", "PSB1012"),
    ("B501", "PSB1005"),
    ("B502", "PSB1006"),
    ("B503", "PSB1006"),
    ("B504", "PSB1007"),
    ("B505", "PSB1004"),
    ("B506", "PSB603"),
    ("B507", "PSB1008"),
    ("B508", "PSB1009"),
    ("B509", "PSB1010"),
    ("B601", "PSB209"),
    ("B602", "PSB202"),
    ("B603", "PSB203"),
    ("B604", "PSB207"),
    ("B605", "PSB201"),
    ("B606", "PSB205"),
    ("B607", "PSB208"),
    ("B608", "PSB1106"),
    ("B609", "PSB210"),
    ("B610", "PSB1107"),
    ("B611", "PSB1108"),
    ("B612", "PSB108"),
    ("B613", "PSB807"),
    ("B614", "PSB604"),
    ("B615", "PSB904"),
    ("B701", "PSB1103"),
    ("B702", "PSB1104"),
    ("B703", "PSB1102"),
    ("B704", "PSB1105"),
];

/// Checks the engine cannot express yet: their parity line is a `todoruleid` annotation.
const GAPS: &[&str] = &[];

fn parity_fixture() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/bandit/parity.py");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `(kind, rule ids)` of every annotation in a fixture, keyed by the 1-based line it applies to.
fn annotations(text: &str) -> BTreeMap<usize, Vec<(String, Vec<String>)>> {
    let mut out: BTreeMap<usize, Vec<(String, Vec<String>)>> = BTreeMap::new();
    let mut pending = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(body) = trimmed.strip_prefix('#') {
            let body = body.trim_start();
            for kind in ["ruleid", "todoruleid"] {
                if let Some(rest) = body.strip_prefix(kind).and_then(|r| r.strip_prefix(':')) {
                    let ids = rest
                        .split(',')
                        .map(str::trim)
                        .filter(|w| w.starts_with("PSB"))
                        .map(str::to_string)
                        .collect();
                    pending.push((kind.to_string(), ids));
                }
            }
            continue;
        }
        out.entry(i + 1).or_default().append(&mut pending);
    }
    out
}

#[test]
fn table_lists_each_bandit_id_once() {
    let ids: Vec<&str> = PARITY.iter().map(|(b, _)| *b).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "a bandit id is listed twice");
    assert_eq!(ids.len(), 75, "bandit 1.9 runs 75 checks");
    for gap in GAPS {
        assert!(unique.contains(gap), "gap {gap} is not in the table");
    }
}

#[test]
fn every_bandit_id_maps_to_a_rule_that_names_it() {
    let rules = builtin_rules().unwrap();
    for (bandit, id) in PARITY {
        let rule = rules.find(id).unwrap_or_else(|| panic!("{bandit}: no built-in rule {id}"));
        assert!(
            rule.bandit.iter().any(|b| b == bandit),
            "{id} covers {bandit} but lists only {:?} in `bandit:`",
            rule.bandit
        );
    }
}

#[test]
fn every_bandit_id_named_by_a_rule_is_in_the_table() {
    let rules = builtin_rules().unwrap();
    let table: BTreeSet<&str> = PARITY.iter().map(|(b, _)| *b).collect();
    for rule in rules.rules() {
        for bandit in &rule.bandit {
            assert!(
                table.contains(bandit.as_str()),
                "{} names {bandit}, not in the table",
                rule.id
            );
        }
    }
}

#[test]
fn parity_fixture_has_an_annotated_line_per_bandit_id() {
    let text = parity_fixture();
    let notes = annotations(&text);
    let lines: Vec<&str> = text.lines().collect();
    for (bandit, id) in PARITY {
        // Each check has a section whose heading comment names it (`# B602` or `# B313 to
        // B319`); its annotated lines follow before the next heading.
        let kind = if GAPS.contains(bandit) { "todoruleid" } else { "ruleid" };
        let found = notes.iter().any(|(line, list)| {
            list.iter().any(|(k, ids)| k == kind && ids.iter().any(|i| i == id))
                && section_names(&lines, *line, bandit)
        });
        assert!(found, "parity.py: no `# {kind}: {id}` line in the section of {bandit}");
    }
}

/// Whether the nearest section heading above `line` (1-based) names `bandit`, directly or in a
/// range such as `B313 to B319`.
fn section_names(lines: &[&str], line: usize, bandit: &str) -> bool {
    let Some(number) = bandit_number(bandit) else { return false };
    for text in lines[..line.saturating_sub(1)].iter().rev() {
        let words: Vec<&str> = text
            .trim_start()
            .strip_prefix('#')
            .map(|t| t.split(|c: char| !c.is_ascii_alphanumeric()).collect())
            .unwrap_or_default();
        let numbers: Vec<u32> = words.iter().filter_map(|w| bandit_number(w)).collect();
        if numbers.is_empty() || words.iter().any(|w| *w == "ruleid" || *w == "todoruleid") {
            continue;
        }
        let ranged = words.windows(3).any(|w| {
            w[1] == "to"
                && bandit_number(w[0])
                    .zip(bandit_number(w[2]))
                    .is_some_and(|(a, b)| (a..=b).contains(&number))
        });
        return ranged || numbers.contains(&number);
    }
    false
}

fn bandit_number(word: &str) -> Option<u32> {
    let digits = word.strip_prefix('B')?;
    if digits.len() == 3 { digits.parse().ok() } else { None }
}
