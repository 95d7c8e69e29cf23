//! Compiles a rule set once into lookup tables: qualified-name globs to call, reference and
//! import leaves, attribute names to attribute leaves, one compiled regex per string leaf.
//! Per node the engine looks candidates up by key; it never loops over all rules.

use pysbx_rules::{ArgTest, ConstValue, InsideSpec, MatchSpec, Patterns, Rule, RuleSet};
use std::sync::OnceLock;

use crate::matchers::string::{Bits, bit_indices, has_bit, set_bit};

use regex::{Regex, RegexBuilder};
use regex_syntax::hir::Hir;

use crate::error::CompileError;
use crate::glob::NameTable;

/// The start of the origin a file's content has for `derived_from` tests: `file.` and the
/// path's text as the `matches` test reads it (`file.~/.aws/credentials`, `file..env`).
pub(crate) const FILE_ORIGIN: &str = "file.";
/// The origin of a Python source file of the project's own, named by a path relative to the
/// running file's directory with no `..` (`version.py`, `./pkg/__version__.py`,
/// `os.path.join(here, "pkg", "version.py")`): `file.::own::` and the path without its `./`
/// (`file.::own::pkg/__version__.py`). No path's text starts so, so a `file.` test of a
/// path never names it by chance.
pub(crate) const OWN_SOURCE_ORIGIN: &str = "file.::own::";
/// The prefix of the origin a `derived_from` test names for what a command printed: `command.`
/// and the command line (`command.gh auth token`, see `Walker::command_origin`).
pub(crate) const COMMAND_ORIGIN: &str = "command.";
/// The prefix of the origin a `derived_from` test names for what a request to a known address
/// read: `url.` and the address (`url.http://169.254.169.254/latest/meta-data/*`, see
/// `Walker::url_origin`).
pub(crate) const URL_ORIGIN: &str = "url.";
/// The origin of each key a keyboard listener's callback receives (see
/// `Walker::keyboard_callbacks`), for `derived_from` tests, under a module name no package
/// uses.
pub(crate) const KEYSTROKE_ORIGIN: &str = "__keyboard__.key";

/// A regex checked when the rules are compiled and built the first time it runs: building
/// every regex of the built-in rules costs milliseconds that a process analysing one small
/// file (`pysbx exec`) would otherwise pay for regexes it never runs.
#[derive(Debug)]
pub(crate) struct LazyRegex {
    pattern: Box<str>,
    built: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// Checks the syntax of `pattern` (with the options `regex` uses) and returns its syntax
    /// tree with the regex to build.
    fn new(pattern: &str, rule: &Rule) -> Result<(Self, Hir), CompileError> {
        let hir = regex_syntax::Parser::new().parse(pattern).map_err(|e| CompileError::Regex {
            rule_id: rule.id.clone(),
            pattern: pattern.to_string(),
            message: last_line(&e.to_string()),
        })?;
        Ok((Self { pattern: pattern.into(), built: OnceLock::new() }, hir))
    }

    /// A regex whose syntax tree is not needed: checked as [`LazyRegex::new`] does, except
    /// the built-in rules' own regexes, which were built in full when `pysbx_rules` was.
    fn checked(pattern: &str, rule: &Rule) -> Result<Self, CompileError> {
        if pysbx_rules::is_builtin_regex(pattern) {
            return Ok(Self::unchecked(pattern));
        }
        Ok(Self::new(pattern, rule)?.0)
    }

    fn unchecked(pattern: &str) -> Self {
        Self { pattern: pattern.into(), built: OnceLock::new() }
    }

    /// Whether the regex matches `text`. A regex over the size limit never matches (the rule
    /// loader, which builds every regex with the same limit, refuses such rules).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|r| r.is_match(text))
    }

    /// Whether the regex matches `text` from its first character.
    pub(crate) fn matches_at_start(&self, text: &str) -> bool {
        self.regex().and_then(|r| r.find(text)).is_some_and(|m| m.start() == 0)
    }

    /// The regex, built at its first use; `None` over the size limit.
    fn regex(&self) -> Option<&Regex> {
        self.built
            .get_or_init(|| {
                RegexBuilder::new(&self.pattern)
                    .size_limit(pysbx_rules::REGEX_SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// A `source_text` check: a regex over the text of comments and string literals as written.
#[derive(Debug)]
pub(crate) struct SourceCheck {
    pub(crate) rule: u32,
    pub(crate) regex: LazyRegex,
    /// Every match needs a byte outside ASCII: an ASCII file (or literal) is passed over.
    pub(crate) non_ascii: bool,
}

/// A positive matcher occurrence inside one rule.
#[derive(Debug)]
pub(crate) struct Leaf {
    /// Index of the rule in the rule set.
    pub(crate) rule: u32,
    pub(crate) kind: LeafKind,
}

#[derive(Debug)]
pub(crate) enum LeafKind {
    Call(Box<[ArgCond]>),
    Reference,
    Import,
    Store,
    /// The regex the assigned string must match, if any, whether any value holds, constant
    /// or not (`any_value`), and whether only a parameter kept past the call does
    /// (`parameter`).
    Assign(Option<LazyRegex>, bool, bool),
    /// Whether a body of `pass`, and one of `continue`, is reported.
    Handler {
        pass: bool,
        continue_: bool,
    },
    /// The test of the receiver, if any (see [`Receiver`](crate::matchers::attribute::Receiver)).
    Attribute {
        own_class: Option<bool>,
        /// The globs the receiver must resolve to, on every path.
        refers_to: Option<NameTable>,
        /// Whether an assignment or `del` target matches too.
        assigned: bool,
        /// Whether only a name the folder made matches (see `MatchSpec::Attribute`).
        disguised: bool,
    },
    /// The index of the leaf's regex in `Compiled::string_regexes`.
    String(u32),
}

/// One compiled argument condition of a call leaf.
#[derive(Debug)]
pub(crate) struct ArgCond {
    pub(crate) position: Option<usize>,
    pub(crate) keyword: Option<Box<str>>,
    pub(crate) test: Test,
}

impl ArgCond {
    /// The keyword this condition needs given explicitly, by name: one selected by keyword
    /// alone, with a test that fails when the argument is absent or may only come from
    /// `**kwargs`.
    pub(crate) fn required_keyword(&self) -> Option<&str> {
        let needs_given = matches!(
            self.test,
            Test::Equals(_)
                | Test::OneOf(_)
                | Test::Literal
                | Test::NotComputed
                | Test::Written
                | Test::Matches(_)
                | Test::Disguised(_)
                | Test::Encoded(_)
                | Test::Command(_)
                | Test::Program(_)
                | Test::LessThan(_)
                | Test::ConstantStart(_)
                | Test::ConstantPickle
                | Test::Attribute(_)
                | Test::RefersTo(_)
                | Test::ReturnedBy(_)
                | Test::RoundTrip(_)
                | Test::DerivedFrom(_)
        );
        (self.position.is_none() && needs_given).then_some(self.keyword.as_deref()).flatten()
    }
}

#[derive(Debug)]
pub(crate) enum Test {
    Equals(ConstValue),
    OneOf(Box<[ConstValue]>),
    Missing,
    Present,
    Forwarded,
    NotForwarded,
    NotLiteral,
    Literal,
    Computed,
    NotComputed,
    Written,
    Matches(LazyRegex),
    Disguised(LazyRegex),
    Encoded(LazyRegex),
    Command(LazyRegex),
    Program(LazyRegex),
    LessThan(f64),
    ConstantStart(LazyRegex),
    RefersTo(NameTable),
    ReturnedBy(NameTable),
    RoundTrip(NameTable),
    DerivedFrom(NameTable),
    ConstantPickle,
    Attribute(Box<[Box<str>]>),
    NearName(Box<[String]>),
}

/// A rule's matcher with its positive kinds replaced by leaf ids.
#[derive(Debug)]
pub(crate) enum Program {
    Leaf(u32),
    Any(Box<[Program]>),
    All(Box<[Program]>),
    Not(Box<Program>),
    Inside(Box<Inside>),
}

/// A compiled `inside` filter.
#[derive(Debug, Default)]
pub(crate) struct Inside {
    pub(crate) class_base: Option<NameTable>,
    pub(crate) function: Option<NameTable>,
    pub(crate) file: Option<NameTable>,
    pub(crate) module_level: Option<bool>,
    pub(crate) call: Option<NameTable>,
    pub(crate) argument_of: Option<NameTable>,
    pub(crate) build_backend: Option<bool>,
    pub(crate) assert_test: Option<bool>,
    pub(crate) endless_loop: Option<bool>,
    pub(crate) tested_against: Option<LazyRegex>,
}

/// Everything the engine needs from a rule set, compiled.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) rules: Vec<Rule>,
    pub(crate) programs: Vec<Program>,
    pub(crate) leaves: Vec<Leaf>,
    pub(crate) calls: NameTable,
    /// Call leaves of callee `*` with a condition on a keyword given explicitly
    /// (`password=...`), filed by that keyword: tried only at the calls that pass it, not at
    /// every call.
    pub(crate) any_callee_by_keyword: rustc_hash::FxHashMap<Box<str>, Vec<u32>>,
    pub(crate) references: NameTable,
    /// `store:` leaves by qualified-name pattern.
    pub(crate) stores: NameTable,
    /// `assign:` leaves by pattern of the (lowercased) name given a constant string.
    pub(crate) assigns: NameTable,
    /// `handler:` leaves by pattern of the exception class caught.
    pub(crate) handlers: NameTable,
    /// Some `assign` leaf asks for a parameter kept past the call (`parameter: true`).
    pub(crate) kept_parameters: bool,
    /// The functions whose parameters such a leaf reads: the names of the `inside:
    /// {function}` beside it in an `all` (`readinto`), so that other functions lend none.
    pub(crate) kept_parameter_functions: NameTable,
    /// Some such leaf stands without an `inside: {function}` beside it: every function's
    /// parameters are lent.
    pub(crate) kept_parameters_anywhere: bool,
    /// While compiling: the function names of the `inside: {function}` of the `all` being
    /// compiled, if any (see `kept_parameter_functions`).
    scoping_functions: Option<Patterns>,
    pub(crate) imports: NameTable,
    pub(crate) attributes: NameTable,
    /// One regex per distinct string pattern (leaves with the same pattern share it).
    pub(crate) string_regexes: Vec<LazyRegex>,
    /// The index in `string_regexes` of each pattern.
    pub(crate) string_index: rustc_hash::FxHashMap<String, u32>,
    /// Per string regex, the fewest bytes a match has.
    pub(crate) string_min_len: Vec<usize>,
    /// The literal factors of the string regexes, searched once per string candidate.
    pub(crate) string_gate: crate::matchers::string::Gate,
    /// The rules with a string leaf: evaluated at every string candidate, their string leaves
    /// computed lazily (an `all` stops at its first failing regex).
    pub(crate) string_rules: Vec<u32>,
    /// Per entry of `string_rules`, the fewest bytes a string candidate needs for the rule to
    /// hold there when none of its other leaves matched at the node (see [`min_text_len`]).
    pub(crate) string_rule_min_len: Vec<usize>,
    /// Per entry of `string_rules`, whether the rule can hold at a string candidate where none
    /// of its other leaves matched only if the string has a non-ASCII character (see
    /// [`needs_non_ascii`]).
    pub(crate) string_rule_non_ascii: Vec<bool>,
    /// Per entry of `string_rules`, the string regexes of which one must match for the rule to
    /// hold at a string candidate where none of its other leaves matched (see
    /// [`needed_regexes`]); `None` when it may hold without any.
    pub(crate) string_rule_regexes: Vec<Option<crate::matchers::string::Bits>>,
    /// By candidate length (up to the longest of `string_rule_min_len`) and whether the text
    /// is ASCII, which string rules may hold without other hits and the regexes they need.
    pub(crate) string_fit: crate::matchers::string::ByLength<[crate::matchers::string::Fit; 2]>,
    /// The least of `string_rule_min_len`: a shorter candidate with no hits needs no rule.
    pub(crate) string_min_any: usize,
    /// The least of `string_rule_min_len` over the rules an ASCII string may satisfy.
    pub(crate) string_min_ascii: usize,
    /// Per string regex, bytes of which every match contains one (see `matchers::required`).
    pub(crate) string_required: Vec<Option<crate::matchers::required::ByteSet>>,
    /// The string regexes' prefilters as bit sets, to test a candidate against many at once.
    pub(crate) string_prefilter: crate::matchers::string::Prefilter,
    pub(crate) string_leaves: Vec<u32>,
    /// Whether any rule has an `inside: {call: ...}` filter (call frames are tracked only then).
    pub(crate) needs_call_frames: bool,
    /// The bases some rule's `inside: {class_base: ...}` names: a function of the file called
    /// from a method of such a class runs there too (see `Walker::function_called_here`).
    pub(crate) context_classes: NameTable,
    /// The files where some rule tests `inside: {module_level: ...}` (by the rule's `file`
    /// filter; `None` in the list: any file): there a function of the file called at import
    /// time runs at import time.
    pub(crate) module_level_files: Vec<Option<NameTable>>,
    /// Per leaf, whether its rule tests `module_level` with a `file` filter: only such a
    /// rule's findings change when an entry file of the package runs the module's functions
    /// (see `AnalyzeOptions::called_by_entry`).
    pub(crate) entry_leaves: Vec<bool>,
    /// Whether such a rule has a string leaf (met without any hit at a node).
    pub(crate) entry_rules_read_strings: bool,
    /// Whether some `argument_of` pattern names a method of any object (`*.warning`).
    pub(crate) argument_of_methods: bool,
    /// Whether any rule tests `returned_by` or `derived_from` (call results are remembered only
    /// then).
    pub(crate) needs_returned: bool,
    /// Every name a `derived_from` test names: only what their calls return is followed
    /// through attributes, method calls, subscripts and unpacking.
    pub(crate) derived_origins: NameTable,
    /// Whether a `derived_from` test names a file's content (`file.PATH`): only then is a
    /// file read at a known path given that origin.
    pub(crate) follows_files: bool,
    /// Some `derived_from` test names what a command printed (`command.` origins).
    pub(crate) follows_commands: bool,
    /// Some `derived_from` test names what a request to an address read (`url.` origins).
    pub(crate) follows_urls: bool,
    /// Some `derived_from` test names the keys a keyboard listener's callback receives
    /// ([`KEYSTROKE_ORIGIN`]).
    pub(crate) follows_keys: bool,
    /// Whether an `inside` filter asks what an `if` compared (`tested_against`): only then
    /// are the strings of each test kept as a frame of its body.
    pub(crate) needs_tested: bool,
    /// The classes whose instances' attributes a pattern names (`flask.Flask` of
    /// `flask.Flask().run`): what a call of one returns is followed to its attributes.
    pub(crate) instance_classes: NameTable,
    /// The `comment` checks: rule index and regex, in rule order.
    pub(crate) comment_checks: Vec<(u32, LazyRegex)>,
    /// The `source_text` checks, in rule order.
    pub(crate) source_checks: Vec<SourceCheck>,
    /// The rules with an `unused_suppression` check.
    pub(crate) unused_suppression_rules: Vec<u32>,
    /// The rules with a `confusable_identifier` check.
    pub(crate) confusable_rules: Vec<u32>,
}

/// How much text an analyzer is expected to see, which decides what is worth building up
/// front.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// Many files (`pysbx scan`): the string gate is a DFA, which searches fastest.
    ManyFiles,
    /// A few files (`pysbx exec`, which analyses a program and the modules it imports): the
    /// string gate is a contiguous NFA, built in well under half the time of the DFA (about 1
    /// ms less per run) and searching somewhat slower. Findings are the same.
    FewFiles,
}

impl Compiled {
    pub(crate) fn new(set: &RuleSet, workload: Workload) -> Result<Self, CompileError> {
        let mut c = Self {
            rules: set.rules().to_vec(),
            programs: Vec::with_capacity(set.len()),
            leaves: Vec::new(),
            calls: NameTable::default(),
            any_callee_by_keyword: rustc_hash::FxHashMap::default(),
            references: NameTable::default(),
            stores: NameTable::default(),
            assigns: NameTable::default(),
            handlers: NameTable::default(),
            kept_parameters: false,
            kept_parameter_functions: NameTable::default(),
            kept_parameters_anywhere: false,
            scoping_functions: None,
            imports: NameTable::default(),
            attributes: NameTable::default(),
            string_regexes: Vec::new(),
            string_index: rustc_hash::FxHashMap::default(),
            string_min_len: Vec::new(),
            string_gate: crate::matchers::string::Gate::default(),
            string_rules: Vec::new(),
            string_rule_min_len: Vec::new(),
            string_rule_non_ascii: Vec::new(),
            string_rule_regexes: Vec::new(),
            string_min_any: usize::MAX,
            string_min_ascii: usize::MAX,
            string_required: Vec::new(),
            string_prefilter: crate::matchers::string::Prefilter::default(),
            string_fit: crate::matchers::string::ByLength::default(),
            string_leaves: Vec::new(),
            needs_call_frames: false,
            context_classes: NameTable::default(),
            module_level_files: Vec::new(),
            entry_leaves: Vec::new(),
            entry_rules_read_strings: false,
            argument_of_methods: false,
            needs_returned: false,
            derived_origins: NameTable::default(),
            follows_files: false,
            follows_commands: false,
            follows_urls: false,
            follows_keys: false,
            needs_tested: false,
            instance_classes: NameTable::default(),
            comment_checks: Vec::new(),
            source_checks: Vec::new(),
            unused_suppression_rules: Vec::new(),
            confusable_rules: Vec::new(),
        };
        let mut string_factors = Vec::new();
        for (index, rule) in set.rules().iter().enumerate() {
            let rule_index = u32::try_from(index).unwrap_or(u32::MAX);
            let program = c.top_program(&rule.matcher, rule, rule_index, &mut string_factors)?;
            c.programs.push(program);
        }
        // The engine's own code runners that are methods (see `walk::code_runner_classes`) and
        // the registrars of chat bots' handlers (`walk::chat_bot_classes`), and the compiled
        // patterns whose matches are pieces of what they search (`walk::copying_classes`):
        // followed where call results are kept for some rule, without making every scan keep
        // them.
        for class in crate::walk::code_runner_classes()
            .chain(crate::walk::chat_bot_classes())
            .chain(crate::walk::copying_classes())
        {
            c.instance_classes.insert(class, 0);
        }
        let entry_rules: Vec<bool> = c.programs.iter().map(tests_entry_files).collect();
        c.entry_leaves =
            c.leaves.iter().map(|l| entry_rules.get(l.rule as usize) == Some(&true)).collect();
        c.entry_rules_read_strings =
            c.programs.iter().zip(&entry_rules).any(|(p, &entry)| entry && c.has_string(p));
        let kind = match workload {
            Workload::ManyFiles => aho_corasick::AhoCorasickKind::DFA,
            Workload::FewFiles => aho_corasick::AhoCorasickKind::ContiguousNFA,
        };
        // A regex that only ever appears under `not` runs only where the rest of its rule
        // already holds, which is rare; in the shared factor search its factors would cost
        // every string (the documentation-shape regex of the network and filesystem rules,
        // with factors such as `- ` and `mod`, made over a million factor matches on the
        // reference corpus). Such regexes are run without the gate.
        let mut positive = Bits::new();
        for program in &c.programs {
            positive_regexes(&c, program, &mut positive);
        }
        for (index, factors) in string_factors.iter_mut().enumerate() {
            if !has_bit(&positive, index) {
                *factors = None;
            }
        }
        c.string_gate = crate::matchers::string::Gate::new(&string_factors, kind);
        c.string_prefilter = crate::matchers::string::Prefilter::new(&c);
        c.string_rule_min_len = c
            .string_rules
            .iter()
            .map(|&r| c.programs.get(r as usize).map_or(0, |p| min_text_len(&c, p)))
            .collect();
        c.string_rule_non_ascii = c
            .string_rules
            .iter()
            .map(|&r| c.programs.get(r as usize).is_some_and(|p| needs_non_ascii(&c, p)))
            .collect();
        c.string_rule_regexes = c
            .string_rules
            .iter()
            .map(|&r| c.programs.get(r as usize).and_then(|p| needed_regexes(&c, p)))
            .collect();
        c.follows_keys = c.derived_origins.matches(KEYSTROKE_ORIGIN);
        c.string_fit = crate::matchers::string::Fit::table(&c);
        c.string_min_any = c.string_rule_min_len.iter().copied().min().unwrap_or(usize::MAX);
        c.string_min_ascii = c
            .string_rule_min_len
            .iter()
            .zip(&c.string_rule_non_ascii)
            .filter(|(_, non_ascii)| !**non_ascii)
            .map(|(min, _)| *min)
            .min()
            .unwrap_or(usize::MAX);
        Ok(c)
    }

    /// The program of a rule's whole match: whole-file checks at its top or in its top-level
    /// `any` become whole-file checks, the rest a program over nodes (an empty `any`, which never
    /// holds, when nothing is left).
    fn top_program(
        &mut self,
        spec: &MatchSpec,
        rule: &Rule,
        rule_index: u32,
        factors: &mut Vec<Option<crate::matchers::factors::Factors>>,
    ) -> Result<Program, CompileError> {
        match spec {
            MatchSpec::Any(items) if items.iter().any(MatchSpec::is_file_level) => {
                let mut node_branches = Vec::new();
                for item in items {
                    if item.is_file_level() {
                        self.file_check(item, rule, rule_index)?;
                    } else {
                        node_branches.push(self.program(item, rule, rule_index, factors)?);
                    }
                }
                Ok(Program::Any(node_branches.into_boxed_slice()))
            }
            spec if spec.is_file_level() => {
                self.file_check(spec, rule, rule_index)?;
                Ok(Program::Any(Box::default()))
            }
            spec => self.program(spec, rule, rule_index, factors),
        }
    }

    fn file_check(
        &mut self,
        spec: &MatchSpec,
        rule: &Rule,
        rule_index: u32,
    ) -> Result<(), CompileError> {
        match spec {
            MatchSpec::Comment(pattern) => {
                self.comment_checks.push((rule_index, LazyRegex::checked(pattern, rule)?));
            }
            MatchSpec::SourceText(pattern) => {
                let non_ascii = crate::matchers::required::required(pattern)
                    .is_some_and(|set| set.all_non_ascii());
                self.source_checks.push(SourceCheck {
                    rule: rule_index,
                    regex: LazyRegex::checked(pattern, rule)?,
                    non_ascii,
                });
            }
            MatchSpec::ConfusableIdentifier => self.confusable_rules.push(rule_index),
            _ => self.unused_suppression_rules.push(rule_index),
        }
        Ok(())
    }

    /// The patterns of a matcher that compares resolved names (calls, references, stores,
    /// argument tests, `inside` calls and bases): checked, and those that name an attribute
    /// of a class's instances (`flask.Flask().run`) noted (see [`Self::note_instances`]).
    fn value_patterns(&mut self, names: &Patterns, rule: &Rule) -> Result<(), CompileError> {
        check_patterns(names, rule)?;
        self.note_instances(names);
        Ok(())
    }

    /// Patterns that name an attribute of a class's instances (`flask.Flask().run`): their
    /// class is remembered, and call results are kept so that the walker can follow them.
    fn note_instances(&mut self, names: &Patterns) {
        for name in names.as_slice() {
            if let Some((class, _)) = name.split_once("().") {
                self.instance_classes.insert(class, 0);
                self.needs_returned = true;
            }
        }
    }

    fn program(
        &mut self,
        spec: &MatchSpec,
        rule: &Rule,
        rule_index: u32,
        factors: &mut Vec<Option<crate::matchers::factors::Factors>>,
    ) -> Result<Program, CompileError> {
        let leaf_id = u32::try_from(self.leaves.len()).unwrap_or(u32::MAX);
        let leaf = |c: &mut Self, kind: LeafKind| {
            c.leaves.push(Leaf { rule: rule_index, kind });
            Program::Leaf(leaf_id)
        };
        Ok(match spec {
            MatchSpec::Call { callee, args } => {
                let conds = args
                    .iter()
                    .map(|a| {
                        self.needs_returned |= matches!(
                            a.test,
                            ArgTest::ReturnedBy(_)
                                | ArgTest::RoundTrip(_)
                                | ArgTest::DerivedFrom(_)
                        );
                        if let ArgTest::DerivedFrom(names) = &a.test {
                            for name in names.as_slice() {
                                self.derived_origins.insert(name, 0);
                                self.follows_files |= name.starts_with(FILE_ORIGIN);
                                self.follows_commands |= name.starts_with(COMMAND_ORIGIN);
                                self.follows_urls |= name.starts_with(URL_ORIGIN);
                            }
                        }
                        if let ArgTest::RefersTo(names)
                        | ArgTest::ReturnedBy(names)
                        | ArgTest::RoundTrip(names)
                        | ArgTest::DerivedFrom(names) = &a.test
                        {
                            self.note_instances(names);
                        }
                        compile_arg(a, rule)
                    })
                    .collect::<Result<Vec<_>, _>>()?
                    .into_boxed_slice();
                self.value_patterns(callee, rule)?;
                let keyword = conds.iter().find_map(ArgCond::required_keyword);
                for p in callee.as_slice() {
                    match keyword {
                        Some(k) if p.chars().all(|c| c == '*') => {
                            let leaves = self.any_callee_by_keyword.entry(k.into()).or_default();
                            if !leaves.contains(&leaf_id) {
                                leaves.push(leaf_id);
                            }
                        }
                        _ => self.calls.insert(p, leaf_id),
                    }
                }
                leaf(self, LeafKind::Call(conds))
            }
            MatchSpec::Reference(names) => {
                self.value_patterns(names, rule)?;
                for p in names.as_slice() {
                    self.references.insert(p, leaf_id);
                }
                leaf(self, LeafKind::Reference)
            }
            MatchSpec::Import(names) => {
                check_patterns(names, rule)?;
                for p in names.as_slice() {
                    self.imports.insert(p, leaf_id);
                }
                leaf(self, LeafKind::Import)
            }
            MatchSpec::Handler { catches, body } => {
                check_patterns(catches, rule)?;
                for p in catches.as_slice() {
                    self.handlers.insert(p, leaf_id);
                }
                let pass = body.contains(&pysbx_rules::HandlerBody::Pass);
                let continue_ = body.contains(&pysbx_rules::HandlerBody::Continue);
                leaf(self, LeafKind::Handler { pass, continue_ })
            }
            MatchSpec::Assign { to, matches, any_value, parameter } => {
                check_patterns(to, rule)?;
                for p in to.as_slice() {
                    self.assigns.insert(p, leaf_id);
                }
                let matches =
                    matches.as_deref().map(|m| LazyRegex::checked(m, rule)).transpose()?;
                if *parameter {
                    self.kept_parameters = true;
                    match &self.scoping_functions {
                        Some(functions) => {
                            for f in functions.as_slice() {
                                self.kept_parameter_functions.insert(f, 0);
                            }
                        }
                        None => self.kept_parameters_anywhere = true,
                    }
                }
                leaf(self, LeafKind::Assign(matches, *any_value, *parameter))
            }
            MatchSpec::Store(names) => {
                self.value_patterns(names, rule)?;
                for p in names.as_slice() {
                    self.stores.insert(p, leaf_id);
                }
                leaf(self, LeafKind::Store)
            }
            MatchSpec::Attribute { names, receiver, assigned, disguised } => {
                check_patterns(names, rule)?;
                for p in names.as_slice() {
                    self.attributes.insert(p, leaf_id);
                }
                let refers_to = match &receiver.refers_to {
                    // A receiver may be what a call returned (`ffi` of `ffi = cffi.FFI()`).
                    Some(globs) => {
                        self.needs_returned = true;
                        Some(name_table(globs, rule)?)
                    }
                    None => None,
                };
                leaf(
                    self,
                    LeafKind::Attribute {
                        own_class: receiver.own_class,
                        refers_to,
                        assigned: *assigned,
                        disguised: *disguised,
                    },
                )
            }
            MatchSpec::String(pattern) => {
                // Rules share a regex written the same way (and so its result per string).
                let index = match self.string_index.get(pattern.as_str()) {
                    Some(&index) => index,
                    None => {
                        let (re, facts, required) = match builtin_facts(pattern) {
                            Some(known) => known,
                            None => {
                                let (re, hir) = LazyRegex::new(pattern, rule)?;
                                let facts = crate::matchers::factors::facts(&hir);
                                (re, facts, crate::matchers::required::of(&hir))
                            }
                        };
                        let index = u32::try_from(self.string_regexes.len()).unwrap_or(u32::MAX);
                        self.string_regexes.push(re);
                        self.string_min_len.push(facts.min_len);
                        factors.push(facts.factors);
                        self.string_required.push(required);
                        self.string_index.insert(pattern.clone(), index);
                        index
                    }
                };
                if self.string_rules.last() != Some(&rule_index) {
                    self.string_rules.push(rule_index);
                }
                self.string_leaves.push(leaf_id);
                leaf(self, LeafKind::String(index))
            }
            MatchSpec::Any(items) => {
                let items = items
                    .iter()
                    .map(|m| self.program(m, rule, rule_index, factors))
                    .collect::<Result<Vec<_>, _>>()?;
                Program::Any(self.cheap_first(items))
            }
            MatchSpec::All(items) => {
                // An `inside: {function}` here holds for every leaf below the `all`.
                let scoping = items.iter().find_map(|m| match m {
                    MatchSpec::Inside(spec) => spec.function.clone(),
                    _ => None,
                });
                let outer = match scoping {
                    Some(functions) => self.scoping_functions.replace(functions),
                    None => self.scoping_functions.clone(),
                };
                let items = items
                    .iter()
                    .map(|m| self.program(m, rule, rule_index, factors))
                    .collect::<Result<Vec<_>, _>>();
                self.scoping_functions = outer;
                Program::All(self.cheap_first(items?))
            }
            MatchSpec::Not(inner) => {
                Program::Not(Box::new(self.program(inner, rule, rule_index, factors)?))
            }
            MatchSpec::Inside(spec) => Program::Inside(Box::new(self.inside(spec, rule)?)),
            // Whole-file checks stand only where `top_program` takes them out (the rule loader
            // refuses them elsewhere); anywhere else they match no node.
            MatchSpec::Comment(_)
            | MatchSpec::SourceText(_)
            | MatchSpec::UnusedSuppression
            | MatchSpec::ConfusableIdentifier => Program::Any(Box::default()),
        })
    }

    /// The operands of an `any` or `all` with those that run no regex first (stable): both
    /// are pure, so the order changes only how soon the evaluation stops, and a regex then
    /// runs only once the cheap operands left the outcome open (`all: [string: ..., inside:
    /// {call: ...}]` runs its regex inside those calls only).
    fn cheap_first(&self, mut items: Vec<Program>) -> Box<[Program]> {
        items.sort_by_key(|p| self.has_string(p));
        items.into_boxed_slice()
    }

    pub(crate) fn has_string(&self, p: &Program) -> bool {
        match p {
            Program::Leaf(id) => {
                matches!(self.leaves.get(*id as usize).map(|l| &l.kind), Some(LeafKind::String(_)))
            }
            Program::Any(items) | Program::All(items) => items.iter().any(|i| self.has_string(i)),
            Program::Not(inner) => self.has_string(inner),
            Program::Inside(_) => false,
        }
    }

    fn inside(&mut self, spec: &InsideSpec, rule: &Rule) -> Result<Inside, CompileError> {
        let table = |p: &Option<Patterns>| -> Result<Option<NameTable>, CompileError> {
            let Some(p) = p else { return Ok(None) };
            check_patterns(p, rule)?;
            let mut t = NameTable::default();
            for name in p.as_slice() {
                t.insert(name, 0);
            }
            Ok(Some(t))
        };
        let inside = Inside {
            class_base: table(&spec.class_base)?,
            function: table(&spec.function)?,
            file: table(&spec.file)?,
            module_level: spec.module_level,
            call: table(&spec.call)?,
            argument_of: table(&spec.argument_of)?,
            build_backend: spec.build_backend,
            assert_test: spec.assert_test,
            endless_loop: spec.endless_loop,
            tested_against: spec
                .tested_against
                .as_ref()
                .map(|pattern| LazyRegex::checked(pattern, rule))
                .transpose()?,
        };
        self.needs_tested |= inside.tested_against.is_some();
        self.needs_call_frames |= inside.call.is_some() || inside.argument_of.is_some();
        if inside.module_level.is_some() {
            self.module_level_files.push(table(&spec.file)?);
        }
        self.argument_of_methods |= spec
            .argument_of
            .as_ref()
            .is_some_and(|names| names.as_slice().iter().any(|n| n.starts_with("*.")));
        if let Some(bases) = &spec.class_base {
            for name in bases.as_slice() {
                self.context_classes.insert(name, 0);
            }
        }
        for names in [&spec.call, &spec.argument_of, &spec.class_base].into_iter().flatten() {
            self.note_instances(names);
        }
        Ok(inside)
    }
}

/// A lower bound on the bytes of a string candidate at which `program` holds, when none of
/// the program's non-string leaves matched at the node: a string leaf needs its regex's
/// shortest match, another leaf cannot hold (`usize::MAX`), `any` needs its least demanding
/// operand, `all` its most demanding, and `not` and `inside` need nothing.
pub(crate) fn min_text_len(c: &Compiled, program: &Program) -> usize {
    match program {
        Program::Leaf(id) => match c.leaves.get(*id as usize).map(|l| &l.kind) {
            Some(LeafKind::String(index)) => {
                c.string_min_len.get(*index as usize).copied().unwrap_or(0)
            }
            _ => usize::MAX,
        },
        Program::Any(items) => items.iter().map(|p| min_text_len(c, p)).min().unwrap_or(usize::MAX),
        Program::All(items) => items.iter().map(|p| min_text_len(c, p)).max().unwrap_or(0),
        Program::Not(_) | Program::Inside(_) => 0,
    }
}

/// Whether `program` can hold at a string candidate where none of its non-string leaves
/// matched only if the string holds a non-ASCII byte: a string leaf whose every match holds one
/// of a set of bytes outside ASCII (see `matchers::required`), any other leaf (which cannot
/// hold), an `any` all of whose operands need one, an `all` one of whose operands does.
pub(crate) fn needs_non_ascii(c: &Compiled, program: &Program) -> bool {
    match program {
        Program::Leaf(id) => match c.leaves.get(*id as usize).map(|l| &l.kind) {
            Some(LeafKind::String(index)) => c
                .string_required
                .get(*index as usize)
                .is_some_and(|r| r.as_ref().is_some_and(|set| set.all_non_ascii())),
            _ => true,
        },
        Program::Any(items) => items.iter().all(|p| needs_non_ascii(c, p)),
        Program::All(items) => items.iter().any(|p| needs_non_ascii(c, p)),
        Program::Not(_) | Program::Inside(_) => false,
    }
}

/// Adds to `out` the string regexes `program` can hold through: every one not under a `not`.
fn positive_regexes(c: &Compiled, program: &Program, out: &mut Bits) {
    match program {
        Program::Leaf(id) => {
            if let Some(LeafKind::String(index)) = c.leaves.get(*id as usize).map(|l| &l.kind) {
                set_bit(out, *index as usize);
            }
        }
        Program::Any(items) | Program::All(items) => {
            for p in items {
                positive_regexes(c, p, out);
            }
        }
        Program::Not(_) | Program::Inside(_) => {}
    }
}

/// String regexes of which one must match for `program` to hold at a string candidate where
/// none of its non-string leaves matched: a string leaf needs its own, another leaf cannot hold
/// (no regex will do), `any` needs one of its operands', `all` one of any operand's (the
/// smallest such set is kept), and `not` and `inside` give no such set (`None`).
pub(crate) fn needed_regexes(c: &Compiled, program: &Program) -> Option<Bits> {
    match program {
        Program::Leaf(id) => {
            let mut out = Bits::new();
            if let Some(LeafKind::String(index)) = c.leaves.get(*id as usize).map(|l| &l.kind) {
                set_bit(&mut out, *index as usize);
            }
            Some(out)
        }
        Program::Any(items) => {
            let mut out = Bits::new();
            for p in items {
                for index in bit_indices(&needed_regexes(c, p)?) {
                    set_bit(&mut out, index as usize);
                }
            }
            Some(out)
        }
        Program::All(items) => items
            .iter()
            .filter_map(|p| needed_regexes(c, p))
            .min_by_key(|set| bit_indices(set).count()),
        Program::Not(_) | Program::Inside(_) => None,
    }
}

fn check_patterns(p: &Patterns, rule: &Rule) -> Result<(), CompileError> {
    for name in p.as_slice() {
        // A command line's words are one space apart (`command.gh auth token*`).
        let spaced = name.starts_with(COMMAND_ORIGIN);
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() && !(spaced && c == ' ')) {
            return Err(CompileError::Pattern { rule_id: rule.id.clone(), pattern: name.clone() });
        }
    }
    Ok(())
}

/// One table of `globs`, all under the same id: for tests that only ask whether a name
/// matches any of them.
fn name_table(globs: &Patterns, rule: &Rule) -> Result<NameTable, CompileError> {
    check_patterns(globs, rule)?;
    let mut table = NameTable::default();
    for name in globs.as_slice() {
        table.insert(name, 0);
    }
    Ok(table)
}

fn compile_arg(arg: &pysbx_rules::ArgCondition, rule: &Rule) -> Result<ArgCond, CompileError> {
    let test = match &arg.test {
        ArgTest::Equals(v) => Test::Equals(v.clone()),
        ArgTest::OneOf(v) => Test::OneOf(v.clone().into_boxed_slice()),
        ArgTest::Missing => Test::Missing,
        ArgTest::Present => Test::Present,
        ArgTest::Forwarded => Test::Forwarded,
        ArgTest::NotForwarded => Test::NotForwarded,
        ArgTest::NotLiteral => Test::NotLiteral,
        ArgTest::Literal => Test::Literal,
        ArgTest::Computed => Test::Computed,
        ArgTest::NotComputed => Test::NotComputed,
        ArgTest::Written => Test::Written,
        ArgTest::Matches(pattern) => Test::Matches(LazyRegex::checked(pattern, rule)?),
        ArgTest::Disguised(pattern) => Test::Disguised(LazyRegex::checked(pattern, rule)?),
        ArgTest::Encoded(pattern) => Test::Encoded(LazyRegex::checked(pattern, rule)?),
        ArgTest::Command(pattern) => Test::Command(LazyRegex::checked(pattern, rule)?),
        ArgTest::Program(pattern) => Test::Program(LazyRegex::checked(pattern, rule)?),
        ArgTest::LessThan(n) => Test::LessThan(*n),
        ArgTest::ConstantStart(pattern) => Test::ConstantStart(LazyRegex::checked(pattern, rule)?),
        ArgTest::ConstantPickle => Test::ConstantPickle,
        ArgTest::Attribute(names) => {
            Test::Attribute(names.iter().map(|n| n.as_str().into()).collect())
        }
        ArgTest::NearName(names) => Test::NearName(names.clone().into_boxed_slice()),
        ArgTest::RefersTo(names)
        | ArgTest::ReturnedBy(names)
        | ArgTest::RoundTrip(names)
        | ArgTest::DerivedFrom(names) => {
            let table = name_table(names, rule)?;
            match arg.test {
                ArgTest::RefersTo(_) => Test::RefersTo(table),
                ArgTest::ReturnedBy(_) => Test::ReturnedBy(table),
                ArgTest::RoundTrip(_) => Test::RoundTrip(table),
                _ => Test::DerivedFrom(table),
            }
        }
    };
    Ok(ArgCond {
        position: arg.selector.position.and_then(|p| usize::try_from(p).ok()),
        keyword: arg.selector.keyword.as_deref().map(|k| crate::glob::nfkc(k).into_boxed_str()),
        test,
    })
}

include!(concat!(env!("OUT_DIR"), "/builtin_facts.rs"));

/// The regex of a built-in rule's `string` leaf with what the engine needs to know of it,
/// computed when the crate was built (`build.rs`): no regex of the built-in rules is parsed
/// when they are compiled. `None` for a pattern of another rule.
fn builtin_facts(
    pattern: &str,
) -> Option<(LazyRegex, crate::matchers::factors::Facts, Option<crate::matchers::required::ByteSet>)>
{
    let at = BUILTIN_FACTS.binary_search_by(|entry| entry.0.cmp(pattern)).ok()?;
    let (_, min_len, factors, required) = BUILTIN_FACTS.get(at)?;
    let facts = crate::matchers::factors::Facts {
        min_len: *min_len,
        factors: factors
            .map(|list| list.iter().map(|(bytes, min)| (bytes.to_vec(), *min)).collect()),
    };
    let required = required.map(crate::matchers::required::ByteSet::from_words);
    // Built within the size limit when `pysbx_rules` was built.
    debug_assert!(pysbx_rules::is_builtin_regex(pattern));
    Some((LazyRegex::unchecked(pattern), facts, required))
}

fn last_line(message: &str) -> String {
    message.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(message).trim().to_string()
}

/// Whether a rule's program tests `module_level` inside some files (`setup.py`,
/// `__init__.py`): the rules an entry file's import-time call can change in another module.
fn tests_entry_files(p: &Program) -> bool {
    match p {
        Program::Inside(spec) => spec.module_level.is_some() && spec.file.is_some(),
        Program::Any(items) | Program::All(items) => items.iter().any(tests_entry_files),
        Program::Not(inner) => tests_entry_files(inner),
        Program::Leaf(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table written at build time holds what the engine's own functions make of each
    /// built-in regex at run time, and covers every one of them.
    #[test]
    fn builtin_facts_match_the_regexes() {
        assert_eq!(BUILTIN_FACTS.len(), pysbx_rules::builtin_regexes().len());
        for pattern in pysbx_rules::builtin_regexes() {
            let hir = regex_syntax::Parser::new().parse(pattern).expect("built-in regex parses");
            let expected = crate::matchers::factors::facts(&hir);
            let (_, facts, required) = builtin_facts(pattern).expect("in the table");
            assert_eq!(facts.min_len, expected.min_len, "{pattern}");
            assert_eq!(facts.factors, expected.factors, "{pattern}");
            assert_eq!(required, crate::matchers::required::of(&hir), "{pattern}");
        }
        assert!(builtin_facts("not a built-in (regex").is_none());
    }

    /// A built-in string regex that reaches a finding without literal factors runs on every
    /// string its length and required bytes admit, millions on a large tree: an alternation
    /// that grows past the factor search's limits drops out of it silently (a path regex cost
    /// 2.4% of a scan's instructions that way). Those that cannot have factors by their nature
    /// are listed here with the reason.
    #[test]
    fn builtin_string_regexes_are_gated_by_their_factors() {
        let set = pysbx_rules::builtin_rules().expect("built-in rules load");
        let c = Compiled::new(&set, Workload::ManyFiles).expect("built-in rules compile");
        let mut positive = Bits::new();
        for program in &c.programs {
            positive_regexes(&c, program, &mut positive);
        }
        let mut ungated: Vec<&str> = c
            .string_index
            .iter()
            .filter(|(_, index)| {
                has_bit(&positive, **index as usize)
                    && !has_bit(c.string_gate.gated(), **index as usize)
            })
            .map(|(pattern, _)| pattern.as_str())
            .collect();
        ungated.sort_unstable();
        let by_nature = [
            // Character-class tests of `all` rules (a secret has a digit, a capital...): they
            // run only where the rule's other regexes matched.
            "[0-9]",
            "[A-Fa-f]",
            "[A-Z]",
            "[a-z]",
            // Whole-string blob shapes: long minimum lengths keep them off short strings.
            "^\\s*(?:[0-9A-Fa-f]{2}){300,}\\s*$",
            "^\\s*(?:[A-Za-z0-9+/]{4}\\s*){150,}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\\s*$",
        ];
        assert_eq!(ungated, by_nature, "a string regex lost its literal factors");
    }
}
