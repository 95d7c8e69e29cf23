//! The rule packs built into the binary, embedded from `rules/*.yaml` at compile time.

use std::path::Path;

use crate::error::RuleLoadError;
use crate::load::{RegexCheck, load_pack};
use crate::model::RuleSet;

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

/// Every built-in rule.
///
/// # Errors
/// Only if a built-in pack is invalid, which the test suite rules out.
pub fn builtin_rules() -> Result<RuleSet, RuleLoadError> {
    let mut set = RuleSet::new();
    for (name, text) in BUILTIN_PACKS {
        let path = Path::new("rules").join(name);
        let family = name.trim_end_matches(".yaml");
        load_pack(text, &path, &format!("builtin:{family}"), &mut set, RegexCheck::Parse)?;
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_rules_from_str;

    /// The built-in packs load with their regexes parsed only; this builds every one of them
    /// as a pack from a user would be.
    #[test]
    fn every_builtin_regex_builds_within_the_size_limit() {
        let mut set = RuleSet::new();
        for (name, text) in BUILTIN_PACKS {
            load_rules_from_str(text, &Path::new("rules").join(name), "test", &mut set)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert_eq!(set.len(), builtin_rules().expect("built-in rules load").len());
    }

    #[test]
    fn every_pack_file_is_listed_and_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = BUILTIN_PACKS.iter().map(|(n, _)| (*n).to_string()).collect();
        listed.sort();
        assert_eq!(on_disk, listed, "rules/*.yaml and BUILTIN_PACKS differ");
        let set = builtin_rules().unwrap();
        assert!(!set.is_empty());
    }
}
