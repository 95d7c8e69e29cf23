//! The rule packs built into the binary.
//!
//! `rules/*.yaml` are loaded when the crate is built (`build.rs`), by the same loader as a
//! user's pack with every regex built, and written out as Rust code that makes the same rules:
//! [`builtin_rules`] parses no YAML and checks no regex, which would cost each `pysbx exec`
//! run about 10 ms. A broken built-in pack fails the build with the loader's message. The
//! YAML text stays embedded for what shows the packs themselves.

use crate::error::RuleLoadError;
use crate::model::{
    Action, ArgCondition, ArgSelector, ArgTest, Confidence, ConstValue, HandlerBody, InsideSpec,
    MatchSpec, Patterns, ReceiverTest, Rule, RuleSet, Severity,
};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// `(file name, contents)` of every built-in pack. A test checks this list against `rules/`.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("audit.yaml", include_str!("../../../rules/audit.yaml")),
    ("code-exec.yaml", include_str!("../../../rules/code-exec.yaml")),
    ("crypto.yaml", include_str!("../../../rules/crypto.yaml")),
    ("deserialization.yaml", include_str!("../../../rules/deserialization.yaml")),
    ("ffi.yaml", include_str!("../../../rules/ffi.yaml")),
    ("filesystem.yaml", include_str!("../../../rules/filesystem.yaml")),
    ("introspection.yaml", include_str!("../../../rules/introspection.yaml")),
    ("network.yaml", include_str!("../../../rules/network.yaml")),
    ("obfuscation.yaml", include_str!("../../../rules/obfuscation.yaml")),
    ("process.yaml", include_str!("../../../rules/process.yaml")),
    ("supply-chain.yaml", include_str!("../../../rules/supply-chain.yaml")),
    ("web.yaml", include_str!("../../../rules/web.yaml")),
];

fn s(text: &str) -> String {
    text.to_string()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|t| (*t).to_string()).collect()
}

/// Every built-in rule.
///
/// # Errors
/// None in practice: the packs were validated when the crate was built. The `Result` is kept
/// for the day built-in rules come from elsewhere.
pub fn builtin_rules() -> Result<RuleSet, RuleLoadError> {
    let mut set = RuleSet::new();
    for rule in generated_rules() {
        // Ids and names were checked unique across the packs at build time.
        let _ = set.insert(rule);
    }
    Ok(set)
}

/// Whether `pattern` is a regex of the built-in rules, all of which were built within the
/// rule loader's size limit when the crate was built: the engine need not check it again.
#[must_use]
pub fn is_builtin_regex(pattern: &str) -> bool {
    BUILT_REGEXES.binary_search(&pattern).is_ok()
}

/// Every regex of the built-in rules (`string`, `comment` and `matches`), sorted, each once.
#[must_use]
pub fn builtin_regexes() -> &'static [&'static str] {
    BUILT_REGEXES
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_rules_from_str;
    use std::path::Path;

    /// The generated rules are what the loader makes of the packs at run time, field for
    /// field and in the same order.
    #[test]
    fn generated_rules_equal_the_loaded_packs() {
        let mut set = RuleSet::new();
        for (name, text) in BUILTIN_PACKS {
            let family = name.trim_end_matches(".yaml");
            load_rules_from_str(
                text,
                &Path::new("rules").join(name),
                &format!("builtin:{family}"),
                &mut set,
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let built = builtin_rules().expect("built-in rules");
        assert_eq!(set.len(), built.len());
        for (loaded, generated) in set.rules().iter().zip(built.rules()) {
            assert_eq!(loaded, generated, "rule {}", loaded.id);
        }
        for rule in set.rules() {
            assert_eq!(built.index_of(&rule.id), set.index_of(&rule.id));
        }
    }

    #[test]
    fn every_builtin_regex_is_listed_as_built() {
        let rules = builtin_rules().expect("built-in rules");
        let mut found = Vec::new();
        for rule in rules.rules() {
            rule.matcher.regexes(&mut found);
        }
        assert!(!found.is_empty());
        for re in &found {
            assert!(is_builtin_regex(re), "{re}");
            regex::RegexBuilder::new(re)
                .size_limit(crate::load::REGEX_SIZE_LIMIT)
                .build()
                .unwrap_or_else(|e| panic!("{re}: {e}"));
        }
        assert!(!is_builtin_regex("a(b"));
        found.sort();
        found.dedup();
        assert_eq!(found.len(), BUILT_REGEXES.len());
    }

    #[test]
    fn every_pack_file_is_listed_and_generated() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .expect("rules/")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = BUILTIN_PACKS.iter().map(|(n, _)| (*n).to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "rules/*.yaml and BUILTIN_PACKS differ");
        let generated: Vec<String> = GENERATED_PACKS.iter().map(|n| (*n).to_string()).collect();
        assert_eq!(generated, listed, "the generated rules come from other packs");
        assert!(!builtin_rules().expect("built-in rules").is_empty());
    }
}
