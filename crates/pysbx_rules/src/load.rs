//! Reading rule packs from YAML. Every error names `file:line:col`.
//!
//! A pack is one YAML document:
//!
//! ```yaml
//! family: code-exec
//! rules:
//!   - id: PSB101
//!     name: exec-builtin
//!     severity: high
//!     match: {call: builtins.exec}
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::{RuleLoadError, SourcePosition};
use crate::model::{
    Action, ArgCondition, ArgSelector, ArgTest, Confidence, ConstValue, HandlerBody, InsideSpec,
    MatchSpec, Patterns, ReceiverTest, Rule, RuleSet, Severity,
};

/// The largest compiled regex a rule may declare; keeps a hostile rule file from exhausting
/// memory. The engine builds every rule regex with the same limit.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    family: Option<String>,
    #[serde(default)]
    rules: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    name: Spanned<String>,
    severity: Severity,
    #[serde(default = "default_confidence")]
    confidence: Confidence,
    cwe: Option<u32>,
    #[serde(default)]
    tags: Vec<String>,
    family: Option<String>,
    #[serde(default = "default_action")]
    action: Action,
    message: Spanned<String>,
    #[serde(default)]
    help: String,
    bandit: Option<OneOrMany>,
    #[serde(rename = "match")]
    matcher: Spanned<RawMatch>,
}

fn default_confidence() -> Confidence {
    Confidence::Medium
}

fn default_action() -> Action {
    Action::Report
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s],
            Self::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    call: Option<Spanned<OneOrMany>>,
    args: Option<Vec<Spanned<RawArg>>>,
    reference: Option<Spanned<OneOrMany>>,
    import: Option<Spanned<OneOrMany>>,
    store: Option<Spanned<OneOrMany>>,
    assign: Option<Spanned<RawAssign>>,
    handler: Option<Spanned<RawHandler>>,
    attribute: Option<Spanned<OneOrMany>>,
    receiver: Option<Spanned<RawReceiver>>,
    assigned: Option<bool>,
    disguised: Option<bool>,
    string: Option<Spanned<String>>,
    any: Option<Vec<Spanned<RawMatch>>>,
    all: Option<Vec<Spanned<RawMatch>>>,
    not: Option<Box<Spanned<RawMatch>>>,
    inside: Option<Spanned<RawInside>>,
    comment: Option<Spanned<String>>,
    source_text: Option<Spanned<String>>,
    unused_suppression: Option<Spanned<bool>>,
    confusable_identifier: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHandler {
    catches: Spanned<OneOrMany>,
    body: Vec<RawHandlerBody>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawHandlerBody {
    Pass,
    Continue,
}

/// A test of an `attribute` matcher's receiver.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReceiver {
    own_class: Option<bool>,
    refers_to: Option<Spanned<OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssign {
    to: Spanned<OneOrMany>,
    matches: Option<Spanned<String>>,
    any_value: Option<Spanned<bool>>,
    parameter: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInside {
    class_base: Option<Spanned<OneOrMany>>,
    function: Option<Spanned<OneOrMany>>,
    file: Option<Spanned<OneOrMany>>,
    module_level: Option<bool>,
    call: Option<Spanned<OneOrMany>>,
    argument_of: Option<Spanned<OneOrMany>>,
    build_backend: Option<bool>,
    #[serde(rename = "assert")]
    assert_test: Option<bool>,
    endless_loop: Option<bool>,
    tested_against: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArg {
    position: Option<u32>,
    keyword: Option<String>,
    equals: Option<RawConst>,
    one_of: Option<Vec<RawConst>>,
    is_none: Option<bool>,
    missing: Option<bool>,
    present: Option<bool>,
    forwarded: Option<bool>,
    literal: Option<bool>,
    computed: Option<bool>,
    written: Option<bool>,
    matches: Option<Spanned<String>>,
    disguised: Option<Spanned<String>>,
    encoded: Option<Spanned<String>>,
    command: Option<Spanned<String>>,
    program: Option<Spanned<String>>,
    less_than: Option<f64>,
    constant_start: Option<Spanned<String>>,
    refers_to: Option<Spanned<OneOrMany>>,
    returned_by: Option<Spanned<OneOrMany>>,
    round_trip: Option<Spanned<OneOrMany>>,
    derived_from: Option<Spanned<OneOrMany>>,
    constant_pickle: Option<bool>,
    attribute: Option<Spanned<OneOrMany>>,
    near_name: Option<Spanned<OneOrMany>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RawConst {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl From<RawConst> for ConstValue {
    fn from(raw: RawConst) -> Self {
        match raw {
            RawConst::Bool(b) => Self::Bool(b),
            RawConst::Int(i) => Self::Int(i),
            RawConst::Float(f) => Self::Float(f),
            RawConst::Str(s) => Self::Str(s),
        }
    }
}

/// Loads a rule pack from a file and adds its rules to `set`.
///
/// # Errors
/// Unreadable file, malformed YAML, schema violations, invalid regexes or globs, and ids or
/// names already in `set`, each as `file:line:col: what`.
pub fn load_rule_file(path: &Path, set: &mut RuleSet) -> Result<usize, RuleLoadError> {
    let text = pysbx_files::read_text(path, pysbx_files::TEXT_LIMIT)
        .map_err(|e| RuleLoadError::Io { path: path.to_path_buf(), source: e.into() })?;
    let origin = path.display().to_string();
    load_rules_from_str(&text, path, &origin, set)
}

/// Loads a rule pack from text; `path` is used in error messages, `origin` recorded on each rule.
/// Returns the number of rules added.
///
/// # Errors
/// As [`load_rule_file`], except I/O.
pub fn load_rules_from_str(
    text: &str,
    path: &Path,
    origin: &str,
    set: &mut RuleSet,
) -> Result<usize, RuleLoadError> {
    let pack: RawPack = serde_saphyr::from_str(text).map_err(|e| {
        let position = e
            .location()
            .map(|l| SourcePosition { line: l.line(), column: l.column() })
            .unwrap_or(SourcePosition { line: 1, column: 1 });
        RuleLoadError::Syntax {
            path: path.to_path_buf(),
            position,
            message: first_line(&e.without_snippet().to_string()),
        }
    })?;
    let ctx = Ctx { path: path.to_path_buf() };
    let default_family = pack.family.unwrap_or_else(|| {
        path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    });
    let mut added = 0;
    for raw in pack.rules {
        let rule_pos = pos(&raw.referenced);
        let rule = ctx.rule(raw.value, &default_family, origin, rule_pos)?;
        let id_pos = rule_pos;
        if let Err(rejected) = set.insert(rule) {
            let what = if set.index_of(&rejected.id).is_some() {
                format!("duplicate rule id `{}`: ids must be unique across all packs", rejected.id)
            } else {
                format!(
                    "duplicate rule name `{}`: names must be unique across all packs",
                    rejected.name
                )
            };
            return Err(ctx.invalid(id_pos, what));
        }
        added += 1;
    }
    Ok(added)
}

fn first_line(message: &str) -> String {
    let line = message.lines().find(|l| !l.trim().is_empty()).unwrap_or(message).trim();
    // The reader may prefix its own position ("line 3 column 15: "); ours comes first anyway.
    line.to_string()
}

fn pos(location: &serde_saphyr::Location) -> SourcePosition {
    SourcePosition { line: location.line(), column: location.column() }
}

struct Ctx {
    path: PathBuf,
}

impl Ctx {
    fn invalid(&self, position: SourcePosition, message: String) -> RuleLoadError {
        RuleLoadError::Invalid { path: self.path.clone(), position, message }
    }

    fn rule(
        &self,
        raw: RawRule,
        default_family: &str,
        origin: &str,
        rule_pos: SourcePosition,
    ) -> Result<Rule, RuleLoadError> {
        let id = raw.id.value.trim().to_string();
        if !valid_id(&id) {
            return Err(self.invalid(
                pos(&raw.id.referenced),
                format!(
                    "invalid rule id `{id}`: expected uppercase letters then digits, like `PSB101`"
                ),
            ));
        }
        let name = raw.name.value.trim().to_string();
        if !valid_name(&name) {
            return Err(self.invalid(
                pos(&raw.name.referenced),
                format!("invalid rule name `{name}`: expected kebab-case, like `exec-builtin`"),
            ));
        }
        if raw.message.value.trim().is_empty() {
            return Err(self.invalid(pos(&raw.message.referenced), "empty message".to_string()));
        }
        let _ = rule_pos;
        let matcher = self.matcher(raw.matcher.value, pos(&raw.matcher.referenced), true)?;
        if raw.action != Action::Report && has_file_level(&matcher) {
            return Err(self.invalid(
                pos(&raw.matcher.referenced),
                "`comment`, `source_text`, `unused_suppression` and `confusable_identifier` \
                 find comments, literals and names, which the sanitizer has nothing to strip or \
                 stub in: such a rule needs `action: report`"
                    .to_string(),
            ));
        }
        if !matcher.is_positive() {
            return Err(self.invalid(
                pos(&raw.matcher.referenced),
                "this match has no positive matcher (call, reference, import, attribute or string): \
                 `not` and `inside` only filter what another matcher finds"
                    .to_string(),
            ));
        }
        Ok(Rule {
            id,
            name,
            severity: raw.severity,
            confidence: raw.confidence,
            cwe: raw.cwe,
            tags: raw.tags,
            family: raw.family.unwrap_or_else(|| default_family.to_string()),
            action: raw.action,
            message: raw.message.value,
            help: raw.help,
            bandit: raw.bandit.map(OneOrMany::into_vec).unwrap_or_default(),
            matcher,
            origin: origin.to_string(),
        })
    }

    /// A list of attribute names (`[__code__]`): identifiers, no dots or globs.
    fn identifiers(&self, raw: Spanned<OneOrMany>) -> Result<Vec<String>, RuleLoadError> {
        let at = pos(&raw.referenced);
        let list = raw.value.into_vec();
        if list.is_empty() {
            return Err(self.invalid(at, "empty list of attribute names".to_string()));
        }
        for name in &list {
            let mut chars = name.chars();
            let valid = chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric());
            if !valid {
                return Err(self.invalid(
                    at,
                    format!(
                        "invalid attribute name `{name}`: expected an identifier, like `__code__`"
                    ),
                ));
            }
        }
        Ok(list)
    }

    /// Package names for `near_name`, normalized as PEP 503 does (lower case, each run of
    /// `-`, `_` and `.` one `-`).
    fn package_names(&self, raw: Spanned<OneOrMany>) -> Result<Vec<String>, RuleLoadError> {
        let at = pos(&raw.referenced);
        let list = raw.value.into_vec();
        if list.is_empty() {
            return Err(self.invalid(at, "empty list of package names".to_string()));
        }
        let mut names = Vec::with_capacity(list.len());
        for name in &list {
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !valid {
                return Err(self.invalid(
                    at,
                    format!(
                        "invalid package name `{name}`: expected letters, digits, `-`, `_` and \
                         `.`, like `python-dateutil`"
                    ),
                ));
            }
            names.push(crate::model::normalized_package_name(name));
        }
        Ok(names)
    }

    fn patterns(&self, raw: Spanned<OneOrMany>) -> Result<Patterns, RuleLoadError> {
        self.checked_patterns(raw, false)
    }

    /// The names of a `derived_from` test: dotted names as [`Self::patterns`] takes them, or
    /// a file's content, `file.` and a path glob (`file.*/.aws/credentials`), or what a
    /// command printed, `command.` and a command-line glob (`command.gh auth token*`).
    fn origin_patterns(&self, raw: Spanned<OneOrMany>) -> Result<Patterns, RuleLoadError> {
        self.checked_patterns(raw, true)
    }

    /// A list of name patterns, each valid, with files' contents among them where `files`.
    fn checked_patterns(
        &self,
        raw: Spanned<OneOrMany>,
        files: bool,
    ) -> Result<Patterns, RuleLoadError> {
        let at = pos(&raw.referenced);
        let list = raw.value.into_vec();
        if list.is_empty() {
            return Err(self.invalid(at, "empty list of names".to_string()));
        }
        let or_files = if files {
            ", `file.` and a path, like `file.*/.netrc`, `command.` and a command line, like \
             `command.gh auth token*`, or `url.` and an address, like `url.http://169.254.169.254/*`"
        } else {
            ""
        };
        for p in &list {
            let origin =
                |p: &str| valid_file_pattern(p) || valid_command_pattern(p) || valid_url_pattern(p);
            if !(valid_pattern(p) || (files && origin(p))) {
                return Err(self.invalid(
                    at,
                    format!(
                        "invalid name pattern `{p}`: expected a dotted name with optional `*` or `?` \
                         globs, like `subprocess.*`{or_files}"
                    ),
                ));
            }
        }
        Ok(Patterns(list))
    }

    fn regex(&self, raw: &Spanned<String>) -> Result<String, RuleLoadError> {
        let invalid = |detail: String| {
            let detail = detail.lines().last().unwrap_or_default().trim().to_string();
            self.invalid(pos(&raw.referenced), format!("invalid regex `{}`: {detail}", raw.value))
        };
        regex::RegexBuilder::new(&raw.value)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        Ok(raw.value.clone())
    }

    /// A flag matcher (`unused_suppression: true`) given anything but `true`.
    fn only_true(&self, flag: &Spanned<bool>, key: &str) -> Result<(), RuleLoadError> {
        if flag.value {
            return Ok(());
        }
        Err(self.invalid(
            pos(&flag.referenced),
            format!("`{key}` takes `true` (leave it out otherwise)"),
        ))
    }

    /// `file_level_ok`: whether a whole-file check (`comment`, `unused_suppression`) may stand
    /// here: as the rule's match or a branch of its top-level `any`, never under `all`/`not`,
    /// which combine matchers at one syntax tree node.
    fn matcher(
        &self,
        raw: RawMatch,
        at: SourcePosition,
        file_level_ok: bool,
    ) -> Result<MatchSpec, RuleLoadError> {
        let kinds = [
            raw.call.is_some(),
            raw.reference.is_some(),
            raw.import.is_some(),
            raw.store.is_some(),
            raw.assign.is_some(),
            raw.handler.is_some(),
            raw.attribute.is_some(),
            raw.string.is_some(),
            raw.any.is_some(),
            raw.all.is_some(),
            raw.not.is_some(),
            raw.inside.is_some(),
            raw.comment.is_some(),
            raw.source_text.is_some(),
            raw.unused_suppression.is_some(),
            raw.confusable_identifier.is_some(),
        ]
        .iter()
        .filter(|k| **k)
        .count();
        if kinds == 0 {
            return Err(self.invalid(
                at,
                "empty match: give one of call, reference, import, store, assign, handler, \
                 attribute, string, any, all, not, inside, comment, source_text, \
                 unused_suppression, confusable_identifier"
                    .to_string(),
            ));
        }
        if kinds > 1 {
            return Err(self.invalid(
                at,
                "a match has exactly one matcher kind; combine several with `all:` or `any:`"
                    .to_string(),
            ));
        }
        if raw.receiver.is_some() && raw.attribute.is_none() {
            return Err(self.invalid(
                at,
                "a `receiver` test needs an `attribute` matcher beside it".to_string(),
            ));
        }
        if raw.assigned.is_some() && raw.attribute.is_none() {
            return Err(
                self.invalid(at, "`assigned` needs an `attribute` matcher beside it".to_string())
            );
        }
        if raw.disguised.is_some() && raw.attribute.is_none() {
            return Err(self.invalid(
                at,
                "`disguised` beside a matcher needs an `attribute` matcher (the argument test \
                 of the same name goes under `args`)"
                    .to_string(),
            ));
        }
        if raw.args.is_some() && raw.call.is_none() {
            return Err(self.invalid(at, "`args` conditions need a `call` matcher".to_string()));
        }
        if let Some(call) = raw.call {
            let callee = self.patterns(call)?;
            let mut args = Vec::new();
            for arg in raw.args.unwrap_or_default() {
                args.push(self.arg(arg)?);
            }
            return Ok(MatchSpec::Call { callee, args });
        }
        if let Some(p) = raw.reference {
            return Ok(MatchSpec::Reference(self.patterns(p)?));
        }
        if let Some(p) = raw.import {
            return Ok(MatchSpec::Import(self.patterns(p)?));
        }
        if let Some(p) = raw.store {
            return Ok(MatchSpec::Store(self.patterns(p)?));
        }
        if let Some(handler) = raw.handler {
            let p = pos(&handler.referenced);
            let RawHandler { catches, body } = handler.value;
            if body.is_empty() {
                return Err(self.invalid(p, "`handler` needs a `body`: pass, continue".to_string()));
            }
            let body = body
                .into_iter()
                .map(|b| match b {
                    RawHandlerBody::Pass => HandlerBody::Pass,
                    RawHandlerBody::Continue => HandlerBody::Continue,
                })
                .collect();
            return Ok(MatchSpec::Handler { catches: self.patterns(catches)?, body });
        }
        if let Some(assign) = raw.assign {
            let RawAssign { to, matches, any_value, parameter } = assign.value;
            let parameter = match parameter {
                None => false,
                Some(flag) => {
                    self.only_true(&flag, "parameter")?;
                    if matches.is_some() || any_value.is_some() {
                        return Err(self.invalid(
                            pos(&flag.referenced),
                            "`parameter: true` takes a parameter kept past the call, whatever its \
                             value: give it without `matches` or `any_value`"
                                .to_string(),
                        ));
                    }
                    true
                }
            };
            let any_value = match any_value {
                None => false,
                Some(flag) => {
                    self.only_true(&flag, "any_value")?;
                    if let Some(m) = &matches {
                        return Err(self.invalid(
                            pos(&m.referenced),
                            "`matches` tests a string value and `any_value: true` takes any \
                             value: give one of them"
                                .to_string(),
                        ));
                    }
                    true
                }
            };
            let matches = matches.map(|m| self.regex(&m)).transpose()?;
            return Ok(MatchSpec::Assign { to: self.patterns(to)?, matches, any_value, parameter });
        }
        if let Some(p) = raw.attribute {
            let receiver = match raw.receiver {
                Some(r) => {
                    let RawReceiver { own_class, refers_to } = r.value;
                    if own_class.is_none() && refers_to.is_none() {
                        return Err(self.invalid(
                            pos(&r.referenced),
                            "a `receiver` test needs `own_class` or `refers_to`".to_string(),
                        ));
                    }
                    let refers_to = refers_to.map(|n| self.patterns(n)).transpose()?;
                    ReceiverTest { own_class, refers_to }
                }
                None => ReceiverTest::default(),
            };
            return Ok(MatchSpec::Attribute {
                names: self.patterns(p)?,
                receiver,
                assigned: raw.assigned.unwrap_or(true),
                disguised: raw.disguised.unwrap_or(false),
            });
        }
        if let Some(s) = raw.string {
            return Ok(MatchSpec::String(self.regex(&s)?));
        }
        if raw.comment.is_some()
            || raw.source_text.is_some()
            || raw.unused_suppression.is_some()
            || raw.confusable_identifier.is_some()
        {
            if !file_level_ok {
                return Err(self.invalid(
                    at,
                    "`comment`, `source_text`, `unused_suppression` and `confusable_identifier` \
                     look at a whole file's comments, literals and names: use them as a rule's \
                     match or a branch of its top-level `any`, not under `all` or `not`"
                        .to_string(),
                ));
            }
            if let Some(flag) = raw.confusable_identifier {
                self.only_true(&flag, "confusable_identifier")?;
                return Ok(MatchSpec::ConfusableIdentifier);
            }
            if let Some(s) = raw.comment {
                return Ok(MatchSpec::Comment(self.regex(&s)?));
            }
            if let Some(s) = raw.source_text {
                return Ok(MatchSpec::SourceText(self.regex(&s)?));
            }
            if let Some(flag) = raw.unused_suppression {
                self.only_true(&flag, "unused_suppression")?;
                return Ok(MatchSpec::UnusedSuppression);
            }
        }
        if let Some(items) = raw.any {
            if items.is_empty() {
                return Err(self.invalid(at, "`any` needs at least one matcher".to_string()));
            }
            let mut out = Vec::new();
            for item in items {
                let p = pos(&item.referenced);
                let m = self.matcher(item.value, p, file_level_ok)?;
                if !m.is_positive() {
                    return Err(self.invalid(
                        p,
                        "every branch of `any` needs a positive matcher; `not` and `inside` \
                         belong in an `all`"
                            .to_string(),
                    ));
                }
                out.push(m);
            }
            return Ok(MatchSpec::Any(out));
        }
        if let Some(items) = raw.all {
            if items.is_empty() {
                return Err(self.invalid(at, "`all` needs at least one matcher".to_string()));
            }
            let mut out = Vec::new();
            for item in items {
                let p = pos(&item.referenced);
                out.push(self.matcher(item.value, p, false)?);
            }
            return Ok(MatchSpec::All(out));
        }
        if let Some(inner) = raw.not {
            let p = pos(&inner.referenced);
            return Ok(MatchSpec::Not(Box::new(self.matcher(inner.value, p, false)?)));
        }
        if let Some(inside) = raw.inside {
            let p = pos(&inside.referenced);
            let raw = inside.value;
            let spec = InsideSpec {
                class_base: raw.class_base.map(|v| self.patterns(v)).transpose()?,
                function: raw.function.map(|v| self.patterns(v)).transpose()?,
                file: raw.file.map(|v| self.patterns(v)).transpose()?,
                module_level: raw.module_level,
                call: raw.call.map(|v| self.patterns(v)).transpose()?,
                argument_of: raw.argument_of.map(|v| self.patterns(v)).transpose()?,
                build_backend: raw.build_backend,
                assert_test: raw.assert_test,
                endless_loop: raw.endless_loop,
                tested_against: raw.tested_against.map(|r| self.regex(&r)).transpose()?,
            };
            if spec == InsideSpec::default() {
                return Err(self.invalid(
                    p,
                    "empty `inside`: give class_base, function, file, module_level, call, \
                     argument_of, build_backend, assert, endless_loop or tested_against"
                        .to_string(),
                ));
            }
            return Ok(MatchSpec::Inside(spec));
        }
        Err(self.invalid(at, "empty match".to_string()))
    }

    fn arg(&self, raw: Spanned<RawArg>) -> Result<ArgCondition, RuleLoadError> {
        let at = pos(&raw.referenced);
        let raw = raw.value;
        if raw.position.is_none() && raw.keyword.is_none() {
            return Err(self.invalid(
                at,
                "an argument condition needs `position`, `keyword`, or both".to_string(),
            ));
        }
        let mut tests = Vec::new();
        if let Some(v) = raw.equals {
            tests.push(ArgTest::Equals(v.into()));
        }
        if let Some(v) = raw.one_of {
            tests.push(ArgTest::OneOf(v.into_iter().map(Into::into).collect()));
        }
        if raw.is_none == Some(true) {
            tests.push(ArgTest::Equals(ConstValue::None));
        }
        match raw.missing {
            Some(true) => tests.push(ArgTest::Missing),
            Some(false) => tests.push(ArgTest::Present),
            None => {}
        }
        if raw.present == Some(true) {
            tests.push(ArgTest::Present);
        }
        match raw.forwarded {
            Some(true) => tests.push(ArgTest::Forwarded),
            Some(false) => tests.push(ArgTest::NotForwarded),
            None => {}
        }
        match raw.literal {
            Some(true) => tests.push(ArgTest::Literal),
            Some(false) => tests.push(ArgTest::NotLiteral),
            None => {}
        }
        match raw.computed {
            Some(true) => tests.push(ArgTest::Computed),
            Some(false) => tests.push(ArgTest::NotComputed),
            None => {}
        }
        if raw.written == Some(true) {
            tests.push(ArgTest::Written);
        }
        if let Some(m) = raw.matches {
            tests.push(ArgTest::Matches(self.regex(&m)?));
        }
        if let Some(m) = raw.disguised {
            tests.push(ArgTest::Disguised(self.regex(&m)?));
        }
        if let Some(m) = raw.encoded {
            tests.push(ArgTest::Encoded(self.regex(&m)?));
        }
        if let Some(m) = raw.command {
            tests.push(ArgTest::Command(self.regex(&m)?));
        }
        if let Some(m) = raw.program {
            tests.push(ArgTest::Program(self.regex(&m)?));
        }
        if let Some(n) = raw.less_than {
            tests.push(ArgTest::LessThan(n));
        }
        if let Some(m) = raw.constant_start {
            tests.push(ArgTest::ConstantStart(self.regex(&m)?));
        }
        if let Some(names) = raw.refers_to {
            tests.push(ArgTest::RefersTo(self.patterns(names)?));
        }
        if let Some(names) = raw.returned_by {
            tests.push(ArgTest::ReturnedBy(self.patterns(names)?));
        }
        if let Some(names) = raw.round_trip {
            tests.push(ArgTest::RoundTrip(self.patterns(names)?));
        }
        if let Some(names) = raw.derived_from {
            tests.push(ArgTest::DerivedFrom(self.origin_patterns(names)?));
        }
        if raw.constant_pickle == Some(true) {
            tests.push(ArgTest::ConstantPickle);
        }
        if let Some(names) = raw.attribute {
            tests.push(ArgTest::Attribute(self.identifiers(names)?));
        }
        if let Some(names) = raw.near_name {
            tests.push(ArgTest::NearName(self.package_names(names)?));
        }
        if tests.len() != 1 {
            return Err(self.invalid(
                at,
                "an argument condition needs exactly one test: equals, one_of, is_none, missing, \
                 present, forwarded, literal, computed, written: true, matches, disguised, encoded, command, less_than, \
                 constant_start, refers_to, returned_by, round_trip, derived_from, constant_pickle: true, \
                 attribute or near_name"
                    .to_string(),
            ));
        }
        let test = tests.remove(0);
        Ok(ArgCondition {
            selector: ArgSelector { position: raw.position, keyword: raw.keyword },
            test,
        })
    }
}

fn valid_id(id: &str) -> bool {
    let letters = id.chars().take_while(char::is_ascii_uppercase).count();
    let digits = &id[letters..];
    letters >= 1 && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Whether the match holds a whole-file check (at its top or in its top-level `any`).
fn has_file_level(spec: &MatchSpec) -> bool {
    match spec {
        MatchSpec::Any(items) => items.iter().any(MatchSpec::is_file_level),
        other => other.is_file_level(),
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A dotted name with globs; one part before the last may end in `()`, an instance of the
/// class it names (`flask.Flask().run`: the `run` attribute of what `flask.Flask()` returns).
fn valid_pattern(pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    let instances = parts.iter().filter(|p| p.ends_with("()")).count();
    !pattern.is_empty()
        && instances <= 1
        && !parts.last().is_some_and(|p| p.ends_with("()"))
        && parts.iter().all(|part| {
            let part = part.strip_suffix("()").unwrap_or(part);
            !part.is_empty()
                && part.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '*' || c == '?')
        })
}

/// Whether `pattern` names a file's content for `derived_from`: `file.` then a path glob, with
/// no white space or control character.
fn valid_file_pattern(pattern: &str) -> bool {
    pattern.strip_prefix("file.").is_some_and(|path| {
        !path.is_empty() && !path.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

/// Whether `pattern` names what a command printed for `derived_from`: `command.` then a
/// command-line glob, words one space apart, no other white space or control character.
fn valid_command_pattern(pattern: &str) -> bool {
    pattern.strip_prefix("command.").is_some_and(|line| {
        !line.is_empty()
            && !line.starts_with(' ')
            && !line.ends_with(' ')
            && !line.contains("  ")
            && !line.chars().any(|c| (c.is_whitespace() && c != ' ') || c.is_control())
    })
}

/// Whether `pattern` names what a request to an address read, for `derived_from`: `url.`
/// then an address glob with no white space or control character.
fn valid_url_pattern(pattern: &str) -> bool {
    pattern.strip_prefix("url.").is_some_and(|address| {
        !address.is_empty() && !address.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<RuleSet, RuleLoadError> {
        let mut set = RuleSet::new();
        load_rules_from_str(text, Path::new("pack.yaml"), "test", &mut set)?;
        Ok(set)
    }

    const GOOD: &str = "family: t\nrules:\n  - id: PSB001\n    name: exec-builtin\n    severity: high\n    message: m\n    match:\n      call: builtins.exec\n";

    #[test]
    fn name_patterns() {
        for good in
            ["os.system", "subprocess.*", "os.exec*", "a.b?", "flask.Flask().run", "m.C().x.y"]
        {
            assert!(valid_pattern(good), "{good}");
        }
        for bad in
            ["", "os.", ".os", "os system", "os.system()", "a.B().c.D().e", "a.().b", "a.B(x).c"]
        {
            assert!(!valid_pattern(bad), "{bad}");
        }
        for good in ["file..env", "file.*/.aws/credentials", "file./proc/*/environ"] {
            assert!(valid_file_pattern(good), "{good}");
        }
        for bad in ["file.", "file.a b", "files.x", "file.\n"] {
            assert!(!valid_file_pattern(bad), "{bad}");
        }
        for good in ["command.gh auth token*", "command.security find-*-password*", "command.id"] {
            assert!(valid_command_pattern(good), "{good}");
        }
        assert!(valid_url_pattern("url.http://169.254.169.254/latest/*"));
        assert!(!valid_url_pattern("url.") && !valid_url_pattern("url.a b"));
        for bad in ["command.", "command. gh", "command.gh  auth", "command.gh\tauth", "commands.x"]
        {
            assert!(!valid_command_pattern(bad), "{bad}");
        }
    }

    #[test]
    fn tested_against_takes_a_regex_and_names_a_bad_one() {
        let pack = |re: &str| {
            format!(
                "family: t\nrules:\n  - id: PSB001\n    name: x\n    severity: high\n    message: m\n    match:\n      all:\n        - attribute: [kill]\n        - inside: {{tested_against: '{re}'}}\n"
            )
        };
        let set = load(&pack("^clamd$")).unwrap();
        let MatchSpec::All(items) = &set.rules()[0].matcher else { panic!("an all") };
        assert!(
            matches!(&items[1], MatchSpec::Inside(i) if i.tested_against.as_deref() == Some("^clamd$")),
            "{items:?}"
        );
        let err = load(&pack("(clamd")).unwrap_err().to_string();
        assert!(err.contains("pack.yaml:10:") && err.contains("invalid regex"), "{err}");
    }

    #[test]
    fn loads_a_valid_pack() {
        let set = load(GOOD).unwrap();
        assert_eq!(set.len(), 1);
        let rule = &set.rules()[0];
        assert_eq!(rule.id, "PSB001");
        assert_eq!(rule.family, "t");
        assert_eq!(rule.confidence, Confidence::Medium);
        assert_eq!(
            rule.matcher,
            MatchSpec::Call { callee: Patterns(vec!["builtins.exec".into()]), args: vec![] }
        );
    }

    #[test]
    fn attribute_tests_take_identifiers() {
        let with = |names: &str| {
            GOOD.replace(
                "      call: builtins.exec\n",
                &format!(
                    "      call: types.FunctionType\n      args:\n        - {{position: 0, attribute: {names}}}\n"
                ),
            )
        };
        let set = load(&with("[__code__]")).unwrap();
        let MatchSpec::Call { args, .. } = &set.rules()[0].matcher else { panic!("not a call") };
        assert_eq!(args[0].test, ArgTest::Attribute(vec!["__code__".to_string()]));
        for bad in ["[a.b]", "[\"1x\"]", "[]"] {
            let err = load(&with(bad)).unwrap_err();
            assert_eq!(err.position().unwrap().line, 10, "{bad}: {err}");
            assert!(err.to_string().contains("attribute name"), "{bad}: {err}");
        }
    }

    #[test]
    fn near_name_tests_take_package_names_normalized() {
        let with = |names: &str| {
            GOOD.replace(
                "      call: builtins.exec\n",
                &format!(
                    "      call: setuptools.setup\n      args:\n        - {{keyword: name, near_name: {names}}}\n"
                ),
            )
        };
        let set = load(&with("[Python_Dateutil, requests]")).unwrap();
        let MatchSpec::Call { args, .. } = &set.rules()[0].matcher else { panic!("not a call") };
        assert_eq!(
            args[0].test,
            ArgTest::NearName(vec!["python-dateutil".to_string(), "requests".to_string()])
        );
        for (bad, what) in [("[\"re quests\"]", "invalid package name"), ("[]", "empty list")] {
            let err = load(&with(bad)).unwrap_err();
            assert_eq!(err.position().unwrap().line, 10, "{bad}: {err}");
            assert!(err.to_string().contains(what), "{bad}: {err}");
        }
    }

    #[test]
    fn bad_enum_value_points_at_it() {
        let text = GOOD.replace("severity: high", "severity: huge");
        let err = load(&text).unwrap_err();
        assert_eq!(err.position().unwrap().line, 5, "{err}");
        assert!(err.to_string().starts_with("pack.yaml:5:"), "{err}");
    }

    #[test]
    fn unknown_key_is_rejected_with_position() {
        let text = GOOD.replace("    message: m\n", "    message: m\n    colour: red\n");
        let err = load(&text).unwrap_err();
        assert_eq!(err.position().unwrap().line, 7, "{err}");
        assert!(err.to_string().contains("colour"), "{err}");
    }

    #[test]
    fn unknown_matcher_is_rejected() {
        let text = GOOD.replace("call: builtins.exec", "calls: builtins.exec");
        let err = load(&text).unwrap_err();
        assert_eq!(err.position().unwrap().line, 8, "{err}");
        assert!(err.to_string().contains("calls"), "{err}");
    }

    #[test]
    fn empty_match_is_rejected() {
        let text = GOOD.replace("    match:\n      call: builtins.exec\n", "    match: {}\n");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("empty match"), "{err}");
        assert_eq!(err.position().unwrap().line, 7, "{err}");
    }

    #[test]
    fn invalid_regex_is_rejected_at_its_position() {
        let text = GOOD.replace("call: builtins.exec", "string: 'a(b'");
        let err = load(&text).unwrap_err();
        assert_eq!(err.position().unwrap().line, 8, "{err}");
        assert!(err.to_string().contains("invalid regex"), "{err}");
    }

    #[test]
    fn duplicate_id_is_rejected() {
        let second = GOOD.replace("family: t\nrules:\n", "").replace("exec-builtin", "other");
        let text = format!("{GOOD}{second}");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("duplicate rule id `PSB001`"), "{err}");
        assert_eq!(err.position().unwrap().line, 9, "{err}");
    }

    #[test]
    fn assign_takes_a_kept_parameter_alone() {
        let text = GOOD.replace("call: builtins.exec", "assign: {to: ['*'], parameter: true}");
        let set = load(&text).unwrap();
        let MatchSpec::Assign { parameter, any_value, matches, .. } = &set.rules()[0].matcher
        else {
            panic!("not an assign matcher");
        };
        assert!(*parameter && !*any_value && matches.is_none());
        for bad in [
            "assign: {to: ['*'], parameter: true, any_value: true}",
            "assign: {to: ['*'], parameter: true, matches: 'x'}",
            "assign: {to: ['*'], parameter: false}",
        ] {
            assert!(load(&GOOD.replace("call: builtins.exec", bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn assign_takes_any_value_or_a_regex() {
        let text =
            GOOD.replace("call: builtins.exec", "assign: {to: [ld_preload], any_value: true}");
        let set = load(&text).unwrap();
        let MatchSpec::Assign { any_value, matches, .. } = &set.rules()[0].matcher else {
            panic!("not an assign")
        };
        assert!(*any_value && matches.is_none());
        let text = GOOD.replace("call: builtins.exec", "assign: {to: [pager]}");
        let set = load(&text).unwrap();
        let MatchSpec::Assign { any_value, .. } = &set.rules()[0].matcher else {
            panic!("not an assign")
        };
        assert!(!*any_value);
        let text =
            GOOD.replace("call: builtins.exec", "assign: {to: [ld_preload], any_value: false}");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("takes `true`"), "{err}");
        let text = GOOD.replace(
            "call: builtins.exec",
            "assign: {to: [ld_preload], matches: 'so$', any_value: true}",
        );
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("give one of them"), "{err}");
        assert_eq!(err.position().unwrap().line, 8, "{err}");
    }

    #[test]
    fn filters_alone_are_rejected() {
        let text = GOOD.replace("call: builtins.exec", "not: {call: builtins.exec}");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("no positive matcher"), "{err}");
    }

    #[test]
    fn whole_file_checks_stand_at_the_top_or_in_its_any() {
        let text = GOOD.replace("call: builtins.exec", "unused_suppression: true");
        assert_eq!(load(&text).unwrap().rules()[0].matcher, MatchSpec::UnusedSuppression);
        let text = GOOD.replace("call: builtins.exec", "confusable_identifier: true");
        assert_eq!(load(&text).unwrap().rules()[0].matcher, MatchSpec::ConfusableIdentifier);
        let text = GOOD.replace("call: builtins.exec", "confusable_identifier: false");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("takes `true`"), "{err}");
        let text = GOOD.replace(
            "call: builtins.exec",
            "all: [{call: builtins.exec}, {confusable_identifier: true}]",
        );
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("not under `all` or `not`"), "{err}");
        let text =
            GOOD.replace("call: builtins.exec", "any: [{string: 'x'}, {comment: '\\x{202E}'}]");
        let set = load(&text).unwrap();
        let MatchSpec::Any(items) = &set.rules()[0].matcher else { panic!("not an any") };
        assert_eq!(items[1], MatchSpec::Comment("\\x{202E}".into()));

        let text =
            GOOD.replace("call: builtins.exec", "all: [{call: builtins.exec}, {comment: 'x'}]");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("not under `all` or `not`"), "{err}");
        assert_eq!(err.position().unwrap().line, 8, "{err}");

        let text = GOOD.replace("call: builtins.exec", "comment: 'a(b'");
        assert!(load(&text).unwrap_err().to_string().contains("invalid regex"));

        let text = GOOD.replace("call: builtins.exec", "unused_suppression: false");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("takes `true`"), "{err}");

        let text = GOOD
            .replace("call: builtins.exec", "comment: 'x'")
            .replace("    message: m\n", "    message: m\n    action: strip\n");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("needs `action: report`"), "{err}");
    }

    #[test]
    fn args_conditions_are_parsed() {
        let text = GOOD.replace(
            "call: builtins.exec",
            "call: subprocess.*\n      args:\n        - {keyword: shell, equals: true}\n        - {keyword: timeout, missing: true}\n        - {position: 0, literal: false}\n        - {keyword: shell, forwarded: true}\n        - {keyword: env, forwarded: false}",
        );
        let set = load(&text).unwrap();
        let MatchSpec::Call { args, .. } = &set.rules()[0].matcher else { panic!() };
        assert_eq!(args.len(), 5);
        assert_eq!(args[0].test, ArgTest::Equals(ConstValue::Bool(true)));
        assert_eq!(args[1].test, ArgTest::Missing);
        assert_eq!(args[2].test, ArgTest::NotLiteral);
        assert_eq!(args[3].test, ArgTest::Forwarded);
        assert_eq!(args[4].test, ArgTest::NotForwarded);
    }

    #[test]
    fn receiver_test_stands_beside_an_attribute_matcher() {
        let text = GOOD.replace(
            "call: builtins.exec",
            "attribute: __subclasses__\n      receiver: {own_class: false}",
        );
        let set = load(&text).unwrap();
        let MatchSpec::Attribute { receiver, assigned, .. } = &set.rules()[0].matcher else {
            panic!()
        };
        assert_eq!(receiver.own_class, Some(false));
        assert!(receiver.refers_to.is_none());
        assert!(assigned, "assignment targets match unless the rule says otherwise");
        let text =
            GOOD.replace("call: builtins.exec", "attribute: f_builtins\n      assigned: false");
        let set = load(&text).unwrap();
        let MatchSpec::Attribute { assigned, .. } = &set.rules()[0].matcher else { panic!() };
        assert!(!assigned);
        let text = GOOD.replace("call: builtins.exec", "call: os.system\n      assigned: false");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("`assigned` needs an `attribute`"), "{err}");
        // Only names the folder made: off unless asked, and only beside an attribute.
        let MatchSpec::Attribute { disguised, .. } = &set.rules()[0].matcher else { panic!() };
        assert!(!disguised);
        let text = GOOD.replace("call: builtins.exec", "attribute: system\n      disguised: true");
        let set = load(&text).unwrap();
        let MatchSpec::Attribute { disguised, .. } = &set.rules()[0].matcher else { panic!() };
        assert!(disguised);
        let text = GOOD.replace("call: builtins.exec", "call: os.system\n      disguised: true");
        let err = load(&text).unwrap_err();
        assert!(err.to_string().contains("`disguised` beside a matcher needs"), "{err}");
        let text = GOOD.replace(
            "call: builtins.exec",
            "attribute: dlopen\n      receiver: {refers_to: [ctypes.cdll, 'cffi.*']}",
        );
        let set = load(&text).unwrap();
        let MatchSpec::Attribute { receiver, .. } = &set.rules()[0].matcher else { panic!() };
        assert_eq!(receiver.own_class, None);
        assert_eq!(receiver.refers_to.as_ref().map(|p| p.as_slice().len()), Some(2));
        let empty = GOOD.replace("call: builtins.exec", "attribute: dlopen\n      receiver: {}");
        let err = load(&empty).unwrap_err();
        assert!(err.to_string().contains("needs `own_class` or `refers_to`"), "{err}");
        let alone = GOOD
            .replace("call: builtins.exec", "call: os.system\n      receiver: {own_class: true}");
        let err = load(&alone).unwrap_err();
        assert!(err.to_string().contains("`receiver` test needs an `attribute`"), "{err}");
        assert_eq!(err.position().unwrap().line, 8, "{err}");
        let bad = GOOD.replace(
            "call: builtins.exec",
            "attribute: __subclasses__\n      receiver: {own_class: maybe}",
        );
        assert!(load(&bad).is_err());
    }

    #[test]
    fn unclosed_bracket_is_a_syntax_error() {
        let text = GOOD.replace("call: builtins.exec", "call: [builtins.exec");
        let err = load(&text).unwrap_err();
        assert!(matches!(err, RuleLoadError::Syntax { .. }), "{err}");
    }
}
