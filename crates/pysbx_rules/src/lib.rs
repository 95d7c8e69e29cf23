//! The rule model of pysbx: rules are data, declared in YAML, loaded with `file:line:col`
//! errors, validated once, and shared read-only by every other crate.
//!
//! The engine that matches rules against Python lives in `pysbx_analysis`; this crate knows
//! nothing about Python syntax. It only defines what a rule *says*.
#![deny(missing_docs)]

mod builtin;
mod config;
mod error;
mod finding;
mod load;
mod model;

pub use builtin::{BUILTIN_PACKS, builtin_regexes, builtin_rules, is_builtin_regex};
pub use config::{CONFIG_FILE_NAMES, Config, LoadedConfig, find_config, load_config};
pub use error::{RuleLoadError, SourcePosition};
pub use finding::{Finding, FindingLocation, is_hidden_char};
pub use load::{REGEX_SIZE_LIMIT, load_rule_file, load_rules_from_str};
pub use model::{
    Action, ArgCondition, ArgSelector, ArgTest, Confidence, ConstValue, HandlerBody, InsideSpec,
    MatchSpec, Patterns, ReceiverTest, Rule, RuleSet, Severity, imitated_package,
    normalized_package_name,
};
