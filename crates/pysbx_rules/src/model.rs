//! The validated rule model: what a rule says, independent of YAML and of Python syntax.

use std::collections::HashMap;
use std::fmt;

/// How bad a finding is. Ordered: `Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look in an audit; often benign.
    Low,
    /// Dangerous in some contexts.
    Medium,
    /// Dangerous in most contexts.
    High,
    /// Almost never legitimate in untrusted code.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Self; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    /// The lowercase name used in YAML, JSON and on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "medium" => Ok(Self::Medium),
            "high" => Ok(Self::High),
            "critical" => Ok(Self::Critical),
            other => Err(format!(
                "unknown severity `{other}`: expected one of low, medium, high, critical"
            )),
        }
    }
}

/// How sure the rule is that a match is a real problem.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Many matches are benign.
    Low,
    /// Some matches are benign.
    Medium,
    /// Matches are nearly always what the rule describes.
    High,
}

impl Confidence {
    /// The lowercase name used in YAML and JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the sanitizer does with a finding of the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Report only; the code is left as it is.
    Report,
    /// Remove the enclosing statement.
    Strip,
    /// Replace the expression with a stub that raises when reached.
    Stub,
}

impl Action {
    /// The lowercase name used in YAML and JSON.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Report => "report",
            Self::Strip => "strip",
            Self::Stub => "stub",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tests of an `attribute` matcher's receiver (`x` of `x.name`); every test given must
/// hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverTest {
    /// `Some(false)`: not where the receiver is surely a class the file defines with a plain
    /// `class` statement (`Registry.__subclasses__()`); `Some(true)`: only there.
    pub own_class: Option<bool>,
    /// Only where the receiver resolves, on every path, to a name these globs match
    /// (`ctypes.cdll` of `ctypes.cdll.LoadLibrary`); under `not`, the attribute read on
    /// anything else, an unknown receiver included.
    pub refers_to: Option<Patterns>,
}

/// A list of dotted-name globs such as `os.system`, `subprocess.*` or `os.exec*`.
///
/// `*` matches any run of characters (dots included) and `?` one character. Names are
/// compared after NFKC normalization, which the loader applies to the patterns too.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Patterns(pub Vec<String>);

impl Patterns {
    /// The patterns as written.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

/// A constant a call argument can be compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum ConstValue {
    /// `True` / `False`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal (after folding).
    Str(String),
    /// `None`.
    None,
}

/// Which argument of a call a condition looks at: by position, by keyword, or either
/// (`subprocess.run(cmd, shell=True)` passes `args` positionally, `shell` by keyword).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArgSelector {
    /// 0-based position among positional arguments.
    pub position: Option<u32>,
    /// Keyword name.
    pub keyword: Option<String>,
}

/// What must hold of the selected argument.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgTest {
    /// The argument is given and folds to this constant.
    Equals(ConstValue),
    /// The argument is given and folds to one of these constants.
    OneOf(Vec<ConstValue>),
    /// The argument is not given.
    Missing,
    /// The argument is given, whatever its value.
    Present,
    /// The argument is not written at the call, and only the calling function's own
    /// `**kwargs`, handed on untouched, may supply it: a value its callers choose.
    Forwarded,
    /// Not [`ArgTest::Forwarded`]: written, possibly supplied by other `*args` or `**kwargs`,
    /// or surely absent.
    NotForwarded,
    /// The argument is given and is not a literal (after folding): a computed command, a variable.
    NotLiteral,
    /// The argument is given and is a literal (after folding).
    Literal,
    /// The argument is given and the engine cannot list its values: not a literal, nor a name
    /// holding one of a few constants (`for name in ("a", "b")`).
    Computed,
    /// The argument is given and the engine can list its values: a literal, or a name holding
    /// one of a few constants.
    NotComputed,
    /// The argument is given and may be a constant written in the file: a literal, a name that
    /// may hold a constant, or a parameter a call of the file gives a constant (`def
    /// ping(host): ...` after `ping("x.example")`).
    Written,
    /// The argument folds to a string matching this regex.
    Matches(String),
    /// The argument folds to a string matching this regex that is not written as a string
    /// literal, at the call or where the name it is read from was bound: the text only appears
    /// once the code runs (`"metsys"[::-1]`, `"sy" + "stem"`, `bytes([111, 115]).decode()`,
    /// `base64.b64decode("b3M=").decode()`).
    Disguised(String),
    /// As [`ArgTest::Disguised`], and the text holds a word (a letter or `_` and at least two
    /// more letters, digits or `_`) written nowhere in the file: it was encoded (reversed,
    /// character codes, a byte list, a decoding, escapes, words split across pieces), not only
    /// assembled from pieces the file spells out (`"\n".join(lines)`, `textwrap.dedent(src)`,
    /// `"x = %d" % n`).
    Encoded(String),
    /// The argument is an argument vector (a list or tuple of strings, such as
    /// `["powershell", "-enc", payload]`) whose strings, joined by spaces, match this regex.
    /// A single string is tested with [`ArgTest::Matches`].
    Command(String),
    /// The argument is an argument vector whose first item, the program, is a string this
    /// regex matches, whatever the items after it (`["pkg-config", flag, name]`): the vector
    /// folded, or a list or tuple display whose first item is a string literal.
    Program(String),
    /// The argument folds to a number strictly below this one.
    LessThan(f64),
    /// The argument's value surely starts with text this regex matches from its first
    /// character: a string it folds to, or the constant start of a string built at run time
    /// (the literal text before the first computed part of an f-string, a `+` concatenation,
    /// a `%` template or a `.format()` template: `f"O_{name}"` starts with `O_`).
    ConstantStart(String),
    /// The argument is a name or attribute that resolves to one of these qualified names
    /// (`Loader=yaml.SafeLoader`).
    RefersTo(Patterns),
    /// The argument is, on every path, what a call of one of these qualified names returned,
    /// directly or through a variable (`pickle.loads(pickle.dumps(x))`, `eval(repr(x))`).
    ReturnedBy(Patterns),
    /// The argument is what a call of one of these qualified names returned, on every path but
    /// for what that call was made of: a serializer's output, loaded back
    /// (`pickle.loads(pickle.dumps(response))`), whose input a `derived_from` test follows.
    RoundTrip(Patterns),
    /// The argument is, on some path, what a call of one of these qualified names returned or
    /// something reached from it by attributes, method calls, subscripts, unpacking or
    /// `with ... as` (`s.fileno()` and `conn` of `conn, _ = s.accept()` after
    /// `s = socket.socket()`).
    DerivedFrom(Patterns),
    /// The argument folds to bytes that are a whole pickle the engine read, every global of
    /// which rebuilds data: none in a module that reaches the process, the interpreter, files
    /// or the network, nor a dunder name. The globals a constant pickle names are reported
    /// where it is loaded, as references.
    ConstantPickle,
    /// The argument is written as an attribute read whose attribute is one of these names
    /// (`f.__code__` for `__code__`), whatever it is read from.
    Attribute(Vec<String>),
    /// The argument folds to a package name that is none of these names but a look-alike of
    /// one of at least five characters, compared as PEP 503 normalizes names: one letter
    /// added, dropped, changed or two swapped (`reqeusts`, `numpyy`), or the same letters with
    /// other separators (`python_dateutil` is `python-dateutil` itself; `pythondateutil` is a
    /// look-alike).
    NearName(Vec<String>),
}

/// One condition on a call's arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgCondition {
    /// Which argument.
    pub selector: ArgSelector,
    /// What must hold of it.
    pub test: ArgTest,
}

/// Conditions on where a node sits. All given fields must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InsideSpec {
    /// Inside a class with a base class whose qualified name matches.
    pub class_base: Option<Patterns>,
    /// Inside a function (at any depth) whose name matches.
    pub function: Option<Patterns>,
    /// In a file whose base name matches (`setup.py`, `*.pth`).
    pub file: Option<Patterns>,
    /// `true`: executed at import time (module level, not inside a function or lambda);
    /// `false`: inside a function or lambda.
    pub module_level: Option<bool>,
    /// Inside the arguments of a call whose callee matches (`exec(b64decode(...))`).
    pub call: Option<Patterns>,
    /// An argument of a call whose callee matches, the innermost call around the node
    /// (`print("... | sh")`, not `print(os.system("... | sh"))`).
    pub argument_of: Option<Patterns>,
    /// `true`: in a module the scan knows to be a project's in-tree build backend (named by
    /// `build-backend` and found through `backend-path` in its `pyproject.toml`), which runs
    /// when the package is built from source; `false`: in any other module.
    pub build_backend: Option<bool>,
    /// `true`: in the test of an `assert` statement (which `python -O` removes); `false`:
    /// anywhere else.
    pub assert_test: Option<bool>,
    /// `true`: in the body of a `while` loop whose test is a constant true (`while True:`,
    /// `while 1:`) in the same function: code that polls for ever (a clipboard watched for an
    /// address to swap); `false`: anywhere else.
    pub endless_loop: Option<bool>,
    /// In the body of an `if` (or `elif`) whose test compares something (`==`, `in`) with a
    /// string constant, a display of them or a name holding one, one of which this regex
    /// matches, in the same function: `if p.name() in AGENTS: p.kill()`.
    pub tested_against: Option<String>,
}

/// The whole body of an `except` clause, for [`MatchSpec::Handler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerBody {
    /// `pass`.
    Pass,
    /// `continue`.
    Continue,
}

/// What a rule matches. Positive kinds find candidate nodes; `not` and `inside` filter them.
#[derive(Debug, Clone, PartialEq)]
pub enum MatchSpec {
    /// A call whose callee resolves to one of the names, with argument conditions.
    Call {
        /// Callee qualified-name globs.
        callee: Patterns,
        /// Conditions on arguments; all must hold.
        args: Vec<ArgCondition>,
    },
    /// Any load of a name resolving to one of the qualified names (not only calls).
    Reference(Patterns),
    /// An import of a module matching one of the globs, static or dynamic.
    Import(Patterns),
    /// An assignment to (or `del` of) an attribute that resolves to one of the qualified
    /// names, written as `builtins.print = f` or as `setattr(builtins, "print", f)`: an object
    /// of another module replaced or removed.
    Store(Patterns),
    /// A constant string given to a name that matches: an assignment to a variable, an
    /// attribute or a constant dictionary key (`password = "..."`, `self.api_token = "..."`,
    /// `conf["secret"] = "..."`), or a parameter's default (`def f(passwd="...")`). Names are
    /// compared lowercased.
    Assign {
        /// Globs of the name given the value (its last identifier, or the key).
        to: Patterns,
        /// The string value must match this regex (any string when `None`).
        matches: Option<String>,
        /// Any value, constant or not (`LD_PRELOAD` given a path built at run time).
        any_value: bool,
        /// Only a parameter of the enclosing function kept past the call: stored on an
        /// attribute, in a subscript or a global, or put in a container (`Raw.kept = b` in a
        /// `readinto(self, b)`).
        parameter: bool,
    },
    /// An `except` clause that catches one of the names (a bare `except:` catches
    /// `builtins.BaseException`) and whose whole body is one of the statements: an exception
    /// swallowed (`except Exception: pass`).
    Handler {
        /// Globs of the exception classes caught (any one of a tuple).
        catches: Patterns,
        /// The bodies reported.
        body: Vec<HandlerBody>,
    },
    /// An attribute by name whatever the receiver, including computed `getattr` and string keys.
    Attribute {
        /// Globs of the attribute names.
        names: Patterns,
        /// The tests of the object the attribute is read on.
        receiver: ReceiverTest,
        /// Whether the attribute (or string key) also matches as the target of an assignment
        /// or `del` (`self.f_builtins = {}`, `del d["__builtins__"]`), which reads nothing
        /// from it; `true` unless the rule says `assigned: false`.
        assigned: bool,
        /// Whether only a name the folder made matches (`disguised: true`): a string key or
        /// `getattr` name not written as one string literal (`ns["sy" + "stem"]`).
        disguised: bool,
    },
    /// A string or bytes literal, after constant folding, matching the regex.
    String(String),
    /// Any of the matchers holds.
    Any(Vec<MatchSpec>),
    /// All of the matchers hold at the same node.
    All(Vec<MatchSpec>),
    /// The matcher does not hold at the node (only as a filter inside `all`).
    Not(Box<MatchSpec>),
    /// The node sits in the given context (only as a filter inside `all`).
    Inside(InsideSpec),
    /// A comment whose text matches the regex. A whole-file check: only as the rule's match
    /// or a branch of its top-level `any`.
    Comment(String),
    /// A comment or string literal whose text as written in the file (quotes, prefixes and
    /// escapes as they are, not the value) matches the regex: what a reader of the source sees,
    /// such as an invisible character (`"\u202e"` written as an escape is not one). A
    /// whole-file check like `comment`.
    SourceText(String),
    /// A suppression comment (`# pysbx: ignore[...]`, `# nosec`) that suppressed nothing.
    /// A whole-file check like `comment`; reported only where suppressions are honoured.
    UnusedSuppression,
    /// An identifier spelled with a letter of another script that looks like a Latin one
    /// (`rеquests` with a Cyrillic `е`), or made only of such letters (`ехес`): a name that
    /// reads as another. A whole-file check like `comment`.
    ConfusableIdentifier,
}

impl MatchSpec {
    /// Whether this is a whole-file check (`comment`, `unused-suppression`), which looks at a
    /// file's comments instead of its syntax tree nodes.
    #[must_use]
    pub fn is_file_level(&self) -> bool {
        matches!(
            self,
            Self::Comment(_)
                | Self::SourceText(_)
                | Self::UnusedSuppression
                | Self::ConfusableIdentifier
        )
    }

    /// Every regex the matcher holds (`string`, `comment` and argument `matches`), in order,
    /// appended to `out`.
    pub fn regexes<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Self::Call { args, .. } => {
                for arg in args {
                    if let ArgTest::Matches(re)
                    | ArgTest::Disguised(re)
                    | ArgTest::Encoded(re)
                    | ArgTest::Command(re)
                    | ArgTest::Program(re)
                    | ArgTest::ConstantStart(re) = &arg.test
                    {
                        out.push(re);
                    }
                }
            }
            Self::String(re) | Self::Comment(re) | Self::SourceText(re) => out.push(re),
            Self::Assign { matches, .. } => out.extend(matches.as_deref()),
            Self::Any(items) | Self::All(items) => {
                for item in items {
                    item.regexes(out);
                }
            }
            Self::Not(inner) => inner.regexes(out),
            Self::Reference(_)
            | Self::Import(_)
            | Self::Store(_)
            | Self::Handler { .. }
            | Self::Attribute { .. }
            | Self::Inside(_)
            | Self::UnusedSuppression
            | Self::ConfusableIdentifier => {}
        }
    }

    /// Whether this matcher can produce candidates by itself (it has a positive kind).
    #[must_use]
    pub fn is_positive(&self) -> bool {
        match self {
            Self::Call { .. }
            | Self::Reference(_)
            | Self::Import(_)
            | Self::Store(_)
            | Self::Assign { .. }
            | Self::Handler { .. }
            | Self::Attribute { .. }
            | Self::String(_)
            | Self::Comment(_)
            | Self::SourceText(_)
            | Self::UnusedSuppression
            | Self::ConfusableIdentifier => true,
            Self::Any(items) => !items.is_empty() && items.iter().all(Self::is_positive),
            Self::All(items) => items.iter().any(Self::is_positive),
            Self::Not(_) | Self::Inside(_) => false,
        }
    }
}

/// One rule, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Stable id, e.g. `PSB101`.
    pub id: String,
    /// Kebab-case name, e.g. `os-system`.
    pub name: String,
    /// Severity of a finding.
    pub severity: Severity,
    /// Confidence of a finding.
    pub confidence: Confidence,
    /// CWE number, if any.
    pub cwe: Option<u32>,
    /// Free-form tags (`process`, `audit`, `install-time`...).
    pub tags: Vec<String>,
    /// The family the rule belongs to (the pack's name, e.g. `code-exec`).
    pub family: String,
    /// What the sanitizer does with findings.
    pub action: Action,
    /// One-line message; `{name}` is replaced with what matched.
    pub message: String,
    /// Markdown: why it is dangerous and what to do instead.
    pub help: String,
    /// Bandit check ids this rule covers (`B602`), for migration of configs and `# nosec`.
    pub bandit: Vec<String>,
    /// What the rule matches.
    pub matcher: MatchSpec,
    /// Where the rule was declared (`builtin:code-exec` or a file path).
    pub origin: String,
}

impl Rule {
    /// The message with `{name}` replaced by what matched.
    #[must_use]
    pub fn render_message(&self, subject: &str) -> String {
        self.message.replace("{name}", subject)
    }

    /// The first paragraph of the help, on one line: the text shown under a diagnostic.
    #[must_use]
    pub fn help_summary(&self) -> String {
        let first = self.help.split("\n\n").next().unwrap_or_default();
        first.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// An ordered set of rules with unique ids and names.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
}

impl RuleSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a rule. Returns the rule back if its id or name is already taken.
    ///
    /// # Errors
    /// The rejected rule, when its id or name duplicates one already in the set.
    pub fn insert(&mut self, rule: Rule) -> Result<(), Box<Rule>> {
        if self.by_id.contains_key(&rule.id) || self.rules.iter().any(|r| r.name == rule.name) {
            return Err(Box::new(rule));
        }
        self.by_id.insert(rule.id.clone(), self.rules.len());
        self.rules.push(rule);
        Ok(())
    }

    /// The rules in insertion order.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Mutable access, for configuration overrides (severity, action).
    pub fn rules_mut(&mut self) -> &mut [Rule] {
        &mut self.rules
    }

    /// The rule at an index.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&Rule> {
        self.rules.get(index)
    }

    /// The index of the rule with this id.
    #[must_use]
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The rule with this id or name.
    #[must_use]
    pub fn find(&self, id_or_name: &str) -> Option<&Rule> {
        self.index_of(id_or_name)
            .and_then(|i| self.rules.get(i))
            .or_else(|| self.rules.iter().find(|r| r.name == id_or_name))
    }

    /// Number of rules.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Keeps only the rules for which `keep` returns true, preserving order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(|r| keep(r));
        self.by_id = self.rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
    }
}

/// A package name as PEP 503 compares names: lower case, each run of `-`, `_` and `.` one `-`.
pub fn normalized_package_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The listed name (normalized, see [`normalized_package_name`]) that `name` imitates, for
/// [`ArgTest::NearName`]: `name` is none of them, and one of at least five characters is one
/// letter added, dropped, changed or two adjacent ones swapped away (`reqeusts`, `numpyy`,
/// `urllib4`), or the same letters with other separators (`pythondateutil`).
pub fn imitated_package<'n>(name: &str, listed: &'n [String]) -> Option<&'n str> {
    let name = normalized_package_name(name);
    if name.len() < 4 || listed.contains(&name) {
        return None;
    }
    let letters = |s: &str| s.chars().filter(|c| *c != '-').collect::<String>();
    let bare = letters(&name);
    listed
        .iter()
        .filter(|n| n.len() >= 5)
        .find(|n| letters(n) == bare || one_edit_apart(n.as_bytes(), name.as_bytes()))
        .map(String::as_str)
}

/// Whether `a` and `b` differ by exactly one insertion, deletion, substitution or swap of two
/// adjacent bytes.
fn one_edit_apart(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let diffs: Vec<usize> = (0..short.len()).filter(|&i| short[i] != long[i]).collect();
            match diffs.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && short[*i] == long[*j] && short[*j] == long[*i],
                _ => false,
            }
        }
        1 => {
            let first = short.iter().zip(long).position(|(x, y)| x != y).unwrap_or(short.len());
            short[first..] == long[first + 1..]
        }
        _ => false,
    }
}

#[cfg(test)]
mod package_name_tests {
    use super::{imitated_package, normalized_package_name};

    fn listed() -> Vec<String> {
        ["requests", "numpy", "python-dateutil", "urllib3", "six", "beautifulsoup4"]
            .iter()
            .map(|n| normalized_package_name(n))
            .collect()
    }

    #[test]
    fn names_normalize_as_pep_503_says() {
        assert_eq!(normalized_package_name("Python_Dateutil"), "python-dateutil");
        assert_eq!(normalized_package_name("zope.interface"), "zope-interface");
        assert_eq!(normalized_package_name("a__b-.c"), "a-b-c");
    }

    #[test]
    fn one_slip_from_a_listed_name_imitates_it() {
        let listed = listed();
        assert_eq!(imitated_package("reqeusts", &listed), Some("requests"));
        assert_eq!(imitated_package("request", &listed), Some("requests"));
        assert_eq!(imitated_package("numpyy", &listed), Some("numpy"));
        assert_eq!(imitated_package("nunpy", &listed), Some("numpy"));
        assert_eq!(imitated_package("urllib4", &listed), Some("urllib3"));
        assert_eq!(imitated_package("pythondateutil", &listed), Some("python-dateutil"));
        assert_eq!(imitated_package("beautifulsup4", &listed), Some("beautifulsoup4"));
    }

    #[test]
    fn the_listed_names_and_unlike_ones_imitate_nothing() {
        let listed = listed();
        for name in ["requests", "Python_Dateutil", "NumPy", "six7", "sixx", "my-tool", "rqsts"] {
            assert_eq!(imitated_package(name, &listed), None, "{name}");
        }
    }
}
