//! The static pipeline shared by `scan`, `sanitize` and the exec import gate: load rules and
//! configuration once, then read → decode → analyse (→ sanitize) one file at a time.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use pysbx_analysis::{AnalyzeOptions, Analyzer, SourceError, Workload};
use pysbx_rules::{Action, Finding, LoadedConfig, RuleSet, Severity};

use crate::args::RuleOptions;
use crate::config::{PerFileIgnores, load_effective_config};

/// Rules, configuration and the compiled analyzer: built once per command.
pub(crate) struct Engine {
    pub(crate) rules: RuleSet,
    pub(crate) analyzer: Analyzer,
    pub(crate) config: Option<LoadedConfig>,
    pub(crate) audit: bool,
    /// Files larger than this are reported, not read (one hostile file must not stall a scan).
    pub(crate) max_file_bytes: u64,
    /// The analysis of one file stops after this long and the file is reported as `timeout`.
    pub(crate) max_file_time: Option<Duration>,
    /// The scan cache (`pysbx scan` in repository mode only).
    pub(crate) cache: Option<crate::cache::Cache>,
    /// The files the scanned projects name as their in-tree build backend (analysed with
    /// `AnalyzeOptions::build_backend`, never cached).
    pub(crate) build_backends: HashSet<std::path::PathBuf>,
    /// The modules the scanned projects and distributions declare as pytest plugins (the
    /// `pytest11` entry points): read as a `conftest.py` is (see `Self::analysed_as`).
    pub(crate) pytest_plugins: HashSet<std::path::PathBuf>,
    per_file_ignores: PerFileIgnores,
}

/// What happened to one file.
pub(crate) enum FileOutcome {
    /// Analysed; findings sorted by position then rule id. `entry_calls`: what the file's
    /// import-time calls name in its package's other modules, for an entry file (see
    /// `pysbx_analysis::FileAnalysis::entry_calls` and `crate::entry_calls`).
    Analysed {
        findings: Vec<Finding>,
        suppressed: usize,
        line_hashes: Option<pysbx_report::LineHashes>,
        entry_calls: Vec<String>,
        /// See `pysbx_analysis::FileAnalysis::entry_sensitive`.
        entry_sensitive: bool,
        /// A syntax error the file was read despite: its findings come from the tree the
        /// parser recovered around it, and the error is reported beside them.
        syntax_error: Option<FileFailure>,
    },
    /// Could not be read, decoded or parsed.
    Failed(FileFailure),
}

/// A file that could not be scanned, with a position when there is one.
#[derive(Debug, Clone)]
pub(crate) struct FileFailure {
    pub(crate) kind: &'static str,
    pub(crate) message: String,
    pub(crate) line: Option<u32>,
    pub(crate) column: Option<u32>,
}

impl FileFailure {
    fn from_source_error(err: &SourceError) -> Self {
        // The analysis's own names, but for the report's `timeout` (documented in output.md).
        let kind = match err.kind {
            pysbx_analysis::SourceErrorKind::TimedOut => "timeout",
            other => other.as_str(),
        };
        Self { kind, message: err.message.clone(), line: Some(err.line), column: Some(err.column) }
    }

    /// A file (or standard input) that was not read: too large, not a regular file, or an
    /// I/O error.
    pub(crate) fn unread(err: &pysbx_files::ReadError) -> Self {
        let (kind, message) = match err {
            pysbx_files::ReadError::TooLarge { size, limit } => {
                // A size only one byte over is where a read stopped: the whole size is unknown.
                let size = if *size > limit.saturating_add(1) && *size >= 1 << 20 {
                    #[expect(clippy::cast_precision_loss, reason = "a size for a message")]
                    let mib = *size as f64 / f64::from(1u32 << 20);
                    format!("file of {mib:.1} MiB is")
                } else if *size > limit.saturating_add(1) {
                    format!("file of {size} bytes is")
                } else {
                    "file is".to_string()
                };
                (
                    "too-large",
                    format!(
                        "{size} over the {} limit: not scanned (raise --max-file-size)",
                        pysbx_files::in_units(*limit)
                    ),
                )
            }
            other => ("read", format!("cannot read: {other}")),
        };
        Self { kind, message, line: None, column: None }
    }
}

/// One module sanitized for the exec import gate.
pub(crate) struct SanitizedModule {
    pub(crate) source: String,
    #[expect(dead_code, reason = "part of the gate's answer; callers log only the findings today")]
    pub(crate) changed: bool,
    pub(crate) findings: Vec<GateFinding>,
    /// The examples of its docstrings, as `doctest` runs them (see
    /// [`pysbx_analysis::doctest_examples`]): those of the text as the gate read it,
    /// constants of the module's file wherever sanitizing changed what surrounds them.
    pub(crate) doctest_examples: Vec<String>,
}

/// A finding in a module that went through the gate.
#[derive(Debug, Clone)]
pub(crate) struct GateFinding {
    pub(crate) rule_id: String,
    pub(crate) severity: Severity,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) message: String,
    pub(crate) action: Action,
}

/// Sources larger than this are analysed one at a time (see `Engine::analyse_bytes`); the
/// largest module of the reference corpus of 33,823 installed modules is 2.8 MB.
const LARGE_SOURCE_BYTES: usize = 4 << 20;
static LARGE_SOURCE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A module the gate could not parse (a syntax error), with its decoded source: `pysbx exec`
/// lets the interpreter parse it to raise Python's own `SyntaxError`, running nothing.
#[derive(Debug)]
pub(crate) struct UnparsableSource {
    pub(crate) source: String,
    pub(crate) reason: String,
}

impl std::fmt::Display for UnparsableSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for UnparsableSource {}

/// A module the gate refuses (too deep, too large, too many findings, a text the sanitizer
/// cannot rewrite), with what the gate found in it before it stopped and what stopped it:
/// a refused program must show the user every finding behind the refusal.
#[derive(Debug)]
pub(crate) struct RefusedSource {
    pub(crate) reason: String,
    pub(crate) findings: Vec<GateFinding>,
    /// What stopped the gate: its name (`too-many-findings`, `sanitize`), line, column and
    /// message.
    pub(crate) cause: (String, u32, u32, String),
}

impl std::fmt::Display for RefusedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for RefusedSource {}

/// The built-in rules (id, name) that report instead of stubbing under the sandbox, because
/// the guard judges at run time exactly what they flag, with the names a static reading cannot
/// know; a stub there would add no protection and only break honest programs:
///
/// - unpickling (`pickle-load`, `pickle-round-trip`, `pickle-constant`): the guard checks every
///   global a pickle names as it is looked up (the `pickle.find_class` audit event, raised by
///   the unpicklers of `pickle`, `dill`, `joblib`, `pandas` and `torch` alike) against plain
///   data types and the program's own modules, so a pickle builds nothing the program could
///   not, and what that does meets the guard and the kernel as usual (the program that caches
///   its own results);
/// - modules loaded from a file by path (`module-from-file-path`): the guard sends a module made
///   by `spec_from_file_location` through the import gate as an imported one (plugins);
/// - the loaders that bypass the import system (`runpy-run`: `SourceFileLoader`,
///   `SourcelessFileLoader`, `runpy.run_path`, `imp.load_source`): `runpy.run_path` of a
///   `.py` file gets its code from the import gate (the guard replaces runpy's reader); for
///   the rest the guard refuses compiling
///   a source file outside the import gate, running code compiled from a file the program named
///   and loading `marshal` data it wrote, whichever loader, subclass or finder asks; the rule
///   matches every mention, and a stub broke modules that only name a loader class
///   (`pkg_resources` registers a handler for it, `cfnlint` hands it to a `FileFinder`);
/// - `__import__` of a computed name (`computed-import`): the module is imported through the
///   import gate like any other (read by the gate, judged against the policy and the importing
///   module's list), and what the program then calls on it meets the guard and the kernel (`six`
///   imports its moved modules so, and with it `boto3` and much else);
/// - `exec` and `eval` of a constant (`exec-constant-code`, `eval-constant-expression`): the
///   rules read the constant in place, so what it holds is flagged (and stubbed) at the call by
///   its own rules; at run time the guard sends a constant the calling function spells to the
///   gate as code of its module, runs it only when the gate leaves it unchanged, and refuses
///   any other run-time code (`patsy` runs `exec("from patsy.builtins import *", {}, ns)` at
///   import). Constant code that is decoded or obfuscated is `exec-decoded-payload`'s, which still stubs;
/// - `timeit` given constant strings (`timeit-string-statement`): read in place like an
///   `exec`'s constant; at run time the guard lets `timeit.Timer` run its template only with
///   the statement and setup constants of the program's that the gate, reading them with
///   `timeit`'s own imports before them, would leave unchanged (a benchmark script's
///   `timeit.timeit("f(x)", setup="from __main__ import f, x")`).
const GUARDED_AT_RUN_TIME: [(&str, &str); 9] = [
    ("PSB110", "exec-constant-code"),
    ("PSB111", "eval-constant-expression"),
    ("PSB106", "timeit-string-statement"),
    ("PSB601", "pickle-load"),
    ("PSB608", "pickle-round-trip"),
    ("PSB609", "pickle-constant"),
    ("PSB114", "module-from-file-path"),
    ("PSB107", "runpy-run"),
    ("PSB802", "computed-import"),
];

/// The built-in rules (id, name) outside the `code-exec` family that report instead of stubbing
/// when a policy grants run-time code (to the program or any module): what code generators do
/// besides compiling. `attrs` rewrites the `__class__` cells of a slotted class's methods
/// through `__closure__` (`function-internals`). The guard still judges the internals the
/// interpreter audits: a facade's `__defaults__` and `__kwdefaults__` are refused to everyone,
/// setting `__code__` to code without the grant (granted code may set it; any code may read it,
/// a code object being inert, but never the guard's own); the rest (`__closure__`, `__globals__`) lead to nothing of the guard's by its layout
/// (its functions have no closures, and their globals hold only the interpreter's objects and
/// other facades).
const CODE_GENERATORS_NEED: [(&str, &str); 1] = [("PSB703", "function-internals")];

/// Whether a `code` grant leaves `rule` in place besides the `code-exec` family.
pub(crate) fn needed_by_code_generators(rule: &pysbx_rules::Rule) -> bool {
    CODE_GENERATORS_NEED.contains(&(rule.id.as_str(), rule.name.as_str()))
}

/// The rules an [`Engine`] will run, loaded and selected but not yet compiled: loading is cheap,
/// compiling the analyzer is not, and the exec gate compiles only when its cache cannot answer.
pub(crate) struct EngineRules {
    pub(crate) rules: RuleSet,
    /// The ids of the rules that came from the built-in packs, which the configuration may
    /// change only in severity and action (user packs cannot reuse a built-in id).
    pub(crate) builtin_ids: HashSet<String>,
    config: Option<LoadedConfig>,
    audit: bool,
    per_file_ignores: PerFileIgnores,
}

impl EngineRules {
    /// Loads built-in rules, configuration and extra packs, and applies selection and
    /// overrides.
    pub(crate) fn load(opts: &RuleOptions) -> Result<EngineRules> {
        let config = if opts.no_config {
            None
        } else {
            load_effective_config(opts.config.as_deref(), opts.audit)?
        };
        let mut rules = pysbx_rules::builtin_rules().context("loading built-in rules")?;
        let builtin_ids = rules.rules().iter().map(|r| r.id.clone()).collect();
        let mut extra: Vec<PathBuf> = Vec::new();
        if let Some(cfg) = &config {
            extra.extend(cfg.config.rules.iter().map(|p| cfg.resolve(p)));
        }
        extra.extend(opts.rule_files.iter().cloned());
        for file in &extra {
            pysbx_rules::load_rule_file(file, &mut rules)?;
        }
        // Each selector is checked where it was given, so that an error names that place.
        crate::config::check_rule_refs(&rules, &opts.select, "--select")?;
        crate::config::check_rule_refs(&rules, &opts.ignore, "--ignore")?;
        let mut select: Vec<String> = opts.select.clone();
        let mut ignore: Vec<String> = opts.ignore.clone();
        if let Some(cfg) = &config {
            let file = cfg.path.display();
            crate::config::check_rule_refs(&rules, &cfg.config.select, &format!("{file}: select"))?;
            crate::config::check_rule_refs(&rules, &cfg.config.ignore, &format!("{file}: ignore"))?;
            if select.is_empty() {
                select.clone_from(&cfg.config.select);
            }
            ignore.extend(cfg.config.ignore.iter().cloned());
            crate::config::apply_overrides(cfg, &mut rules)?;
            for (pattern, ids) in &cfg.config.per_file_ignores {
                let what = format!("{}: per_file_ignores `{pattern}`", cfg.path.display());
                crate::config::check_rule_refs(&rules, ids, &what)?;
            }
        }
        if !select.is_empty() {
            rules.retain(|r| select.iter().any(|s| matches_rule(s, r)));
        }
        rules.retain(|r| !ignore.iter().any(|s| matches_rule(s, r)));
        let per_file_ignores = match &config {
            Some(cfg) => PerFileIgnores::new(cfg)?,
            None => PerFileIgnores::default(),
        };
        Ok(EngineRules { rules, builtin_ids, config, audit: opts.audit, per_file_ignores })
    }

    /// Loads the rules as [`EngineRules::load`] and applies the grants of `policy`: the rules of
    /// the exec gate and the REPL.
    pub(crate) fn load_granted(
        opts: &RuleOptions,
        policy: &pysbx_sandbox::Policy,
    ) -> Result<EngineRules> {
        let mut rules = Self::load(opts)?;
        rules.grant(policy);
        Ok(rules)
    }

    /// Leaves in place what a sandbox policy grants: the rules of the `network`, `process`,
    /// `ffi` and `code-exec` families report instead of stripping or stubbing when the policy
    /// allows network destinations, processes, foreign code or run-time code to the program or
    /// any of its modules. The grant's
    /// limits (which destinations, which modules) are the guard's and the kernel's to enforce;
    /// a stub would refuse even what the policy allows, such as a class that derives from
    /// `http.client.HTTPConnection` in a library the program is allowed to use.
    ///
    /// The `filesystem` family reports under every policy: what it stubs elsewhere (deleting
    /// files, creating links, changing permissions) is confined by path under the sandbox (the
    /// guard's `fs.write` check and Landlock's read-write trees), so a stub adds no protection
    /// there and only breaks the honest program that removes its own temporary file. So do the
    /// rules of [`GUARDED_AT_RUN_TIME`].
    ///
    /// A `code` grant also leaves function internals in place ([`CODE_GENERATORS_NEED`]).
    pub(crate) fn grant(&mut self, policy: &pysbx_sandbox::Policy) {
        self.report_families(&[
            ("filesystem", true),
            ("network", policy.any_network()),
            ("process", policy.any_process()),
            ("ffi", policy.any_ffi()),
            ("code-exec", policy.any_code()),
        ]);
    }

    /// The gate of a learning run (`pysbx exec --learn`): the families whose use the guard
    /// records instead of refusing (files, network, processes, foreign code) report, so that
    /// what the program does reaches the guard and is learned; a stub would refuse it before
    /// the guard saw it, and the learned policy would grant nothing. Run-time code is never
    /// learned: its rules stub as under the default policy.
    pub(crate) fn grant_learnable(&mut self) {
        self.report_families(&[
            ("filesystem", true),
            ("network", true),
            ("process", true),
            ("ffi", true),
            ("code-exec", false),
        ]);
    }

    /// What the gate does under the granted actions, for `pysbx policy explain`: the families
    /// every rule of which reports (sorted), the rules the grant left in place in families
    /// whose other rules stub (by name; against `before`, the same rules as loaded), and the
    /// families that stub.
    pub(crate) fn gate_stance(
        &self,
        before: &EngineRules,
    ) -> (Vec<String>, Vec<String>, Vec<String>) {
        use std::collections::BTreeMap;
        let mut families: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for rule in self.rules.rules() {
            let entry = families.entry(rule.family.as_str()).or_default();
            if rule.action == Action::Report {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        let stubs_some = |family: &str| families.get(family).is_some_and(|f| f.1 > 0);
        let mut singles: Vec<String> = self
            .rules
            .rules()
            .iter()
            .zip(before.rules.rules())
            .filter(|(now, was)| {
                now.action == Action::Report
                    && was.action != Action::Report
                    && stubs_some(&now.family)
            })
            .map(|(now, _)| now.name.clone())
            .collect();
        singles.sort();
        (
            families
                .iter()
                .filter(|(_, (r, s))| *r > 0 && *s == 0)
                .map(|(f, _)| (*f).to_string())
                .collect(),
            singles,
            families.iter().filter(|(_, (_, s))| *s > 0).map(|(f, _)| (*f).to_string()).collect(),
        )
    }

    fn report_families(&mut self, families: &[(&str, bool)]) {
        let granted = |family: &str| families.iter().any(|(f, g)| *g && *f == family);
        let code = granted("code-exec");
        for rule in self.rules.rules_mut() {
            let id_name = (rule.id.as_str(), rule.name.as_str());
            if granted(&rule.family)
                || GUARDED_AT_RUN_TIME.contains(&id_name)
                || (code && CODE_GENERATORS_NEED.contains(&id_name))
            {
                rule.action = Action::Report;
            }
        }
    }

    /// Compiles the analyzer for `workload`: `pysbx exec` and the REPL analyse a few files and
    /// take the analyzer that is cheaper to build ([`Workload::FewFiles`]).
    pub(crate) fn compile(self, workload: Workload) -> Result<Engine> {
        let analyzer = Analyzer::for_workload(&self.rules, workload).context("compiling rules")?;
        Ok(Engine {
            rules: self.rules,
            analyzer,
            config: self.config,
            audit: self.audit,
            max_file_bytes: u64::MAX,
            max_file_time: None,
            cache: None,
            build_backends: HashSet::new(),
            pytest_plugins: HashSet::new(),
            per_file_ignores: self.per_file_ignores,
        })
    }
}

impl Engine {
    /// Loads built-in rules, configuration and extra packs, applies selection and overrides,
    /// and compiles the analyzer.
    pub(crate) fn from_options(opts: &RuleOptions) -> Result<Engine> {
        EngineRules::load(opts)?.compile(Workload::ManyFiles)
    }

    /// Options for the analyzer: suppressions are honoured except in audit mode.
    /// The options of the sandbox's gates (modules, the entry program, the REPL's input): no
    /// suppression comment is honoured, the code being run is untrusted; and it is what the
    /// program may have written, read in pysbx's own memory: a module of too many tokens is
    /// refused unparsed.
    pub(crate) fn gate_options() -> AnalyzeOptions {
        AnalyzeOptions {
            max_tokens: Some(pysbx_analysis::MAX_GATE_TOKENS),
            keep_findings_when_stopped: true,
            doctest_examples: true,
            ..AnalyzeOptions::default()
        }
    }

    pub(crate) fn analyze_options(&self) -> AnalyzeOptions {
        AnalyzeOptions {
            honor_suppressions: !self.audit,
            read_despite_syntax_errors: true,
            ..AnalyzeOptions::default()
        }
    }

    /// Reads and analyses one file, through the cache when there is one. `inspect` sees the
    /// bytes read, before they are analysed (a check against the distribution's RECORD).
    pub(crate) fn scan_file(
        &self,
        path: &Path,
        want_line_hashes: bool,
        inspect: impl FnOnce(&[u8]),
    ) -> FileOutcome {
        let bytes = match pysbx_files::read_regular(path, self.max_file_bytes) {
            Ok(bytes) => bytes,
            Err(err) => return FileOutcome::Failed(FileFailure::unread(&err)),
        };
        inspect(&bytes);
        let build_backend = self.build_backends.contains(path);
        let outcome = match &self.cache {
            Some(cache) => {
                let key = cache.key(self.analysed_as(path), &bytes, build_backend);
                match cache.get(key, &self.rules, want_line_hashes) {
                    Some(outcome) => outcome,
                    None => {
                        let outcome =
                            self.analyse_bytes(path, &bytes, want_line_hashes, build_backend);
                        cache.put(key, &self.rules, &outcome);
                        outcome
                    }
                }
            }
            None => self.analyse_bytes(path, &bytes, want_line_hashes, build_backend),
        };
        self.apply_per_file_ignores(path, outcome)
    }

    /// Decodes and analyses one file's bytes (standard input, archive members: never cached);
    /// `build_backend` when they are a project's in-tree build backend.
    pub(crate) fn scan_bytes(
        &self,
        path: &Path,
        bytes: &[u8],
        want_line_hashes: bool,
        build_backend: bool,
    ) -> FileOutcome {
        let outcome = self.analyse_bytes(path, bytes, want_line_hashes, build_backend);
        self.apply_per_file_ignores(path, outcome)
    }

    /// The path whose file name the analysis reads `path` as: `conftest.py` for a module
    /// declared as a pytest plugin (pytest imports it and calls its `pytest_*` hooks at every
    /// run, as it does a `conftest.py`'s), but a package's `__init__.py`, which is an entry
    /// file already.
    pub(crate) fn analysed_as<'p>(&self, path: &'p Path) -> &'p Path {
        if !self.pytest_plugins.is_empty()
            && self.pytest_plugins.contains(path)
            && path.file_name().is_some_and(|n| n != "__init__.py")
        {
            Path::new("conftest.py")
        } else {
            path
        }
    }

    /// The findings of the commands a metadata file (`pyproject.toml`, `setup.cfg`, a
    /// distribution's `entry_points.txt`) declares, or a CMake build script runs while it
    /// configures, per-file ignores applied; `None` when there are none (see
    /// `crate::entry_points`, `crate::cmake`).
    pub(crate) fn scan_metadata(&self, path: &Path, text: &str) -> Option<FileOutcome> {
        let outcome = if crate::cmake::is_cmake_path(path) {
            crate::cmake::scan(&self.rules, text)?
        } else {
            crate::entry_points::scan_metadata(&self.rules, path, text)?
        };
        match self.apply_per_file_ignores(path, outcome) {
            FileOutcome::Analysed { findings, .. } if findings.is_empty() => None,
            outcome => Some(outcome),
        }
    }

    /// Analyses one module's bytes again as run by an entry file of its package at import
    /// time (see `pysbx_analysis::AnalyzeOptions::called_by_entry`); never cached, since the
    /// answer depends on another file.
    pub(crate) fn scan_called_by_entry(
        &self,
        path: &Path,
        bytes: &[u8],
        want_line_hashes: bool,
        entry: pysbx_analysis::CalledByEntry,
    ) -> FileOutcome {
        let build_backend = self.build_backends.contains(path);
        let outcome = self.analyse_with(path, bytes, want_line_hashes, build_backend, Some(entry));
        self.apply_per_file_ignores(path, outcome)
    }

    /// Decodes and analyses one file's bytes: what the cache stores. The result must depend on
    /// nothing of `path` but its file name (the cache keys on the name, the bytes, whether the
    /// file is a build backend and the engine's fingerprint); per-file ignores, which read the
    /// whole path, come after.
    fn analyse_bytes(
        &self,
        path: &Path,
        bytes: &[u8],
        want_line_hashes: bool,
        build_backend: bool,
    ) -> FileOutcome {
        self.analyse_with(path, bytes, want_line_hashes, build_backend, None)
    }

    fn analyse_with(
        &self,
        path: &Path,
        bytes: &[u8],
        want_line_hashes: bool,
        build_backend: bool,
        called_by_entry: Option<pysbx_analysis::CalledByEntry>,
    ) -> FileOutcome {
        if is_apple_double(path, bytes) {
            return FileOutcome::Analysed {
                findings: Vec::new(),
                suppressed: 0,
                line_hashes: None,
                entry_calls: Vec::new(),
                entry_sensitive: false,
                syntax_error: None,
            };
        }
        let source = match pysbx_analysis::decode_source(bytes) {
            Ok(source) => source,
            Err(err) => return FileOutcome::Failed(FileFailure::from_source_error(&err)),
        };
        let source =
            if is_pth(path) { std::borrow::Cow::Owned(pth_as_python(&source)) } else { source };
        // One large source at a time: a syntax tree takes 50 to 80 times its source (a 32 MiB
        // file about 2.6 GB), so two workers parsing hostile files at once would double the
        // peak. The wait does not count against the file's time limit.
        let _one_large = (source.len() > LARGE_SOURCE_BYTES)
            .then(|| LARGE_SOURCE.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let mut options = self.analyze_options();
        options.deadline = self.max_file_time.map(|limit| Instant::now() + limit);
        options.build_backend = build_backend;
        options.called_by_entry = called_by_entry;
        let analysis = self.analyzer.analyze(&source, self.analysed_as(path), &options);
        let mut syntax_error = None;
        // A syntax error, or code nested too deep to read, is reported beside what the rest of
        // the file holds (see `AnalyzeOptions::read_despite_syntax_errors`).
        if let Some(err) = &analysis.error
            && matches!(
                err.kind,
                pysbx_analysis::SourceErrorKind::Syntax | pysbx_analysis::SourceErrorKind::TooDeep
            )
            && options.read_despite_syntax_errors
        {
            syntax_error = Some(FileFailure::from_source_error(err));
        } else if let Some(err) = &analysis.error {
            let mut failure = FileFailure::from_source_error(err);
            if let (pysbx_analysis::SourceErrorKind::TimedOut, Some(limit)) =
                (err.kind, self.max_file_time)
            {
                failure.message = format!(
                    "analysis stopped after the {} s limit: not scanned (raise --max-file-time)",
                    limit.as_secs_f64()
                );
            }
            return FileOutcome::Failed(failure);
        }
        // Only the lines findings start on need fingerprints: keeping the hash of every line of
        // every file with a finding cost tens of bytes per line, hundreds of MiB over an
        // installed site-packages.
        let line_hashes = (want_line_hashes && !analysis.findings.is_empty()).then(|| {
            pysbx_report::LineHashes::of(&source, analysis.findings.iter().map(|f| f.location.line))
        });
        FileOutcome::Analysed {
            findings: analysis.findings,
            suppressed: analysis.suppressed,
            line_hashes,
            entry_calls: analysis.entry_calls,
            entry_sensitive: analysis.entry_sensitive,
            syntax_error,
        }
    }

    /// Drops the findings that the configuration's per-file ignores cover (not in audit mode).
    fn apply_per_file_ignores(&self, path: &Path, outcome: FileOutcome) -> FileOutcome {
        match outcome {
            FileOutcome::Analysed {
                mut findings,
                suppressed,
                mut line_hashes,
                entry_calls,
                entry_sensitive,
                syntax_error,
            } if !self.audit => {
                self.per_file_ignores.filter(path, &self.rules, &mut findings);
                if findings.is_empty() {
                    line_hashes = None;
                }
                FileOutcome::Analysed {
                    findings,
                    suppressed,
                    line_hashes,
                    entry_calls,
                    entry_sensitive,
                    syntax_error,
                }
            }
            other => other,
        }
    }

    /// Scans and sanitizes one module for `pysbx exec`'s import gate. A class's walk of its
    /// subclasses written out (`cls.__subclasses__()`), a look at a caller's module globals
    /// (`sys._getframe(1).f_globals`), a `compile` that only parses (`ast.PyCF_ONLY_AST`),
    /// `eval` of text known only at run time and frames are handed to the guard first (see [`pysbx_rewrite::checked_by_the_guard`]), which
    /// judges them when they run, rather than stubbed for what their receiver, frame or flags
    /// might be.
    pub(crate) fn sanitize_module(&self, path: &Path, bytes: &[u8]) -> Result<SanitizedModule> {
        let source = pysbx_analysis::decode_source(bytes)
            .map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
        // `eval` of run-time text goes to the guard only where the rules would stub it: a
        // policy granting run-time code leaves `eval` in place for the guard as it is.
        let stubs = |id: &str, name: &str| {
            self.rules
                .rules()
                .iter()
                .any(|r| r.id == id && r.name == name && r.action != Action::Report)
        };
        let eval = stubs("PSB102", "eval-builtin");
        // Frames are handed as snapshots where the rules would stub both the calls that give
        // frames and the attributes that lead from them.
        let frames = stubs("PSB705", "frame-access") && stubs("PSB706", "frame-introspection-call");
        // `compile` of a constant and `exec` of the code it made, where they would be stubbed.
        let compile = stubs("PSB103", "compile-builtin");
        let exec = stubs("PSB101", "exec-builtin");
        // A function's `__closure__` and `__globals__` and a cell's contents, where stubbed.
        let internals = stubs("PSB703", "function-internals");
        let checked = pysbx_rewrite::checked_by_the_guard(
            &source,
            pysbx_rewrite::CheckedOptions { eval, frames, compile, exec, internals },
        );
        let decoded = source;
        let source = checked.as_deref().unwrap_or_else(|| decoded.as_ref());
        let options = Self::gate_options();
        let analysis = self.analyzer.analyze(source, path, &options);
        if let Some(err) = &analysis.error
            && err.kind == pysbx_analysis::SourceErrorKind::Syntax
        {
            return Err(anyhow::Error::new(UnparsableSource {
                source: source.to_string(),
                reason: format!("{}:{err}", path.display()),
            }));
        }
        let findings: Vec<GateFinding> = analysis
            .findings
            .iter()
            .filter_map(|f| {
                let rule = self.rules.get(f.rule)?;
                Some(GateFinding {
                    rule_id: rule.id.clone(),
                    severity: rule.severity,
                    line: f.location.line,
                    column: f.location.column,
                    message: f.message.clone(),
                    action: rule.action,
                })
            })
            .collect();
        if let Some(err) = &analysis.error {
            return Err(anyhow::Error::new(RefusedSource {
                reason: format!("{}:{err}", path.display()),
                findings,
                cause: (err.kind.as_str().to_string(), err.line, err.column, err.message.clone()),
            }));
        }
        let sanitized = match pysbx_rewrite::sanitize_until_stable(
            source,
            &analysis.findings,
            &self.rules,
            |text| self.analyzer.analyze(text, path, &options).findings,
        ) {
            Ok(sanitized) => sanitized,
            Err(err) => {
                let (line, column) = match &err {
                    pysbx_rewrite::RewriteError::Unparsable { line, column, .. }
                    | pysbx_rewrite::RewriteError::Internal { line, column, .. } => {
                        (*line, *column)
                    }
                };
                return Err(anyhow::Error::new(RefusedSource {
                    reason: format!("sanitizing {}: {err}", path.display()),
                    findings,
                    cause: ("sanitize".to_string(), line, column, err.to_string()),
                }));
            }
        };
        let changed = sanitized.output != decoded;
        Ok(SanitizedModule {
            source: sanitized.output,
            changed,
            findings,
            doctest_examples: analysis.doctest_examples,
        })
    }
}

/// Whether the file is macOS's AppleDouble companion of another (`._setup.py` beside
/// `setup.py`, which macOS's `tar` adds to archives it makes): binary metadata that Python
/// never imports (`._name` is no module name) and cannot run (it starts with a NUL byte).
/// Read, recognised by its header, and left without findings or a decode error.
fn is_apple_double(path: &Path, bytes: &[u8]) -> bool {
    const MAGIC: [u8; 4] = [0x00, 0x05, 0x16, 0x07];
    bytes.starts_with(&MAGIC)
        && path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("._"))
}

fn is_pth(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pth"))
}

/// A `.pth` file as the Python that `site` runs from it: lines starting with `import` (followed
/// by a space or tab) are executed at every interpreter start; every other line is a path entry
/// or a comment and becomes blank, so line numbers stay those of the file.
pub(crate) fn pth_as_python(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        if body.starts_with("import ") || body.starts_with("import\t") {
            out.push_str(body);
        }
        out.push('\n');
    }
    out
}

/// Whether a selector (id, name, or id prefix such as `PSB1`) names the rule.
pub(crate) fn matches_rule(selector: &str, rule: &pysbx_rules::Rule) -> bool {
    selector == rule.id
        || selector == rule.name
        || (selector.len() >= 3 && rule.id.starts_with(selector))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_double_companions_are_told_by_name_and_header() {
        let header = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ";
        assert!(is_apple_double(Path::new("p-1/._setup.py"), header));
        // The header alone, or the name alone, is not enough.
        assert!(!is_apple_double(Path::new("p-1/setup.py"), header));
        assert!(!is_apple_double(Path::new("p-1/._setup.py"), b"import os\n"));
    }

    /// The gate cache hashes a built-in rule by id, severity and action only
    /// (`cache::gate_fingerprint`): nothing else of it may depend on the configuration.
    #[test]
    fn configuration_changes_built_in_rules_only_in_severity_and_action() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("pysbx.yaml");
        std::fs::write(
            &config,
            "ignore: [PSB102]\nseverity: {PSB1: low}\naction: {PSB201: report, PSB3: stub}\n\
             rules: [extra.yaml]\n",
        )
        .expect("write");
        std::fs::write(
            dir.path().join("extra.yaml"),
            "rules:\n  - id: USR001\n    name: user-rule\n    severity: high\n    message: m\n    \
             match:\n      call: subprocess.run\n",
        )
        .expect("write");
        let opts = RuleOptions {
            rule_files: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            config: Some(config),
            no_config: false,
            audit: false,
        };
        let loaded = EngineRules::load(&opts).expect("the configuration loads");
        let pristine = pysbx_rules::builtin_rules().expect("built-in rules");
        let mut overridden = 0;
        for rule in loaded.rules.rules() {
            let Some(index) = pristine.rules().iter().position(|p| p.id == rule.id) else {
                assert!(!loaded.builtin_ids.contains(&rule.id), "{} is a user rule", rule.id);
                continue;
            };
            assert!(loaded.builtin_ids.contains(&rule.id));
            let original = &pristine.rules()[index];
            if (rule.severity, rule.action) != (original.severity, original.action) {
                overridden += 1;
            }
            let mut reset = rule.clone();
            reset.severity = original.severity;
            reset.action = original.action;
            assert_eq!(&reset, original, "{} differs beyond severity and action", rule.id);
        }
        assert!(overridden > 0, "the overrides took effect");
        assert!(loaded.rules.rules().iter().any(|r| r.id == "USR001"));
        assert!(loaded.rules.rules().iter().all(|r| r.id != "PSB102"));
    }

    fn builtin_only() -> EngineRules {
        EngineRules::load(&RuleOptions::builtin_only()).expect("the built-in rules load")
    }

    /// The `(family, action)` of every rule, after granting what `policy` (YAML) allows.
    fn granted(policy: &str) -> Vec<(String, String, Action)> {
        let policy = pysbx_sandbox::policy::load_policy_str(policy, Path::new("/p.yaml"))
            .expect("the policy loads");
        let mut rules = builtin_only();
        rules.grant(&policy);
        rules.rules.rules().iter().map(|r| (r.id.clone(), r.family.clone(), r.action)).collect()
    }

    #[test]
    fn a_granted_capability_is_reported_not_stubbed() {
        let pristine = granted("{}");
        let stubbed = |family: &str| {
            pristine.iter().filter(|(_, f, a)| f == family && *a != Action::Report).count()
        };
        for family in ["network", "process", "ffi", "code-exec"] {
            assert!(stubbed(family) > 0, "the default policy stubs {family}");
        }
        // Confined by path under every policy: reported even under the default one, though
        // its rules stub elsewhere; so is unpickling, which the guard checks name by name.
        assert_eq!(stubbed("filesystem"), 0);
        for (id, name) in GUARDED_AT_RUN_TIME {
            assert!(
                pristine.iter().any(|(i, _, a)| i == id && *a == Action::Report),
                "{id} ({name}) reports under the sandbox"
            );
        }
        assert!(stubbed("deserialization") > 0, "marshal and YAML loads stay stubbed");
        let unsandboxed = builtin_only();
        assert!(
            unsandboxed
                .rules
                .rules()
                .iter()
                .any(|r| r.family == "filesystem" && r.action != Action::Report),
            "the filesystem family stubs outside the sandbox"
        );
        for (id, name) in GUARDED_AT_RUN_TIME {
            let rule = unsandboxed.rules.rules().iter().find(|r| r.id == id && r.name == name);
            assert!(rule.is_some_and(|r| r.action != Action::Report), "{id} stubs outside");
        }
        let cases = [
            ("net:\n  allow: [\"api.example.com:443\"]\n", "network"),
            ("modules:\n  client: {net: [\"10.0.0.1:80\"]}\n", "network"),
            ("process: true\n", "process"),
            ("modules:\n  runner: {process: true}\n", "process"),
            ("ffi: true\n", "ffi"),
        ];
        for (policy, family) in cases {
            for ((id, f, action), (_, _, before)) in granted(policy).iter().zip(&pristine) {
                if f == family {
                    assert_eq!(*action, Action::Report, "{id} under {policy:?}");
                } else {
                    assert_eq!(action, before, "{id} ({f}) is untouched by {policy:?}");
                }
            }
        }
    }

    #[test]
    fn a_code_grant_also_leaves_what_code_generators_need() {
        let action = |rules: &[(String, String, Action)], id: &str| {
            rules.iter().find(|(i, _, _)| i == id).map(|(_, _, a)| *a)
        };
        let pristine = granted("{}");
        for policy in ["code: true\n", "modules:\n  attr._make: {code: true}\n"] {
            let code = granted(policy);
            for (id, name) in CODE_GENERATORS_NEED {
                assert_ne!(action(&pristine, id), Some(Action::Report), "{id} ({name}) stubs");
                assert_eq!(action(&code, id), Some(Action::Report), "{id} under {policy:?}");
            }
            // The rest of its family (introspection) is untouched, rule by rule.
            let family = |rules: &[(String, String, Action)]| -> Vec<(String, Action)> {
                rules
                    .iter()
                    .filter(|(i, f, _)| {
                        f == "introspection" && !CODE_GENERATORS_NEED.iter().any(|(id, _)| id == i)
                    })
                    .map(|(i, _, a)| (i.clone(), *a))
                    .collect()
            };
            assert!(!family(&code).is_empty());
            assert_eq!(family(&code), family(&pristine), "{policy:?}");
        }
    }

    #[test]
    fn a_learning_run_leaves_what_the_guard_learns_and_stubs_run_time_code() {
        let mut learning = builtin_only();
        learning.grant_learnable();
        let pristine = granted("{}");
        for (rule, (_, _, before)) in learning.rules.rules().iter().zip(&pristine) {
            match rule.family.as_str() {
                "filesystem" | "network" | "process" | "ffi" => {
                    assert_eq!(rule.action, Action::Report, "{} learns", rule.id);
                }
                _ => assert_eq!(rule.action, *before, "{} as under the default policy", rule.id),
            }
        }
    }
}
