//! `pysbx exec`: run a program sanitized by the static gate and confined by the kernel.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use clap::Args;
use pysbx_analysis::Workload;
use pysbx_sandbox::{ExecRequest, GateFinding, GateReply, Program};

use crate::args::RuleOptions;
use crate::cache::Cache;
use crate::pipeline::{Engine, EngineRules};

/// Arguments of `pysbx exec`.
#[derive(Debug, Args)]
pub(crate) struct ExecArgs {
    /// The script to run (omit with `-c` or `-m`; `-` reads it from standard input, as
    /// `python3 -`; a directory runs its `__main__.py`), then the program's arguments:
    /// everything after the script is the program's, as with `python3 FILE ARGS`, so pysbx's
    /// own options come before it; a `--` right after the script is optional and dropped.
    #[arg(
        value_name = "FILE [ARGS]",
        required_unless_present_any = ["code", "module"],
        trailing_var_arg = true
    )]
    pub(crate) program: Vec<OsString>,
    /// Run this code instead of a file (everything after it is the program's, options too).
    #[arg(short = 'c', value_name = "CODE", conflicts_with = "module")]
    pub(crate) code: Option<String>,
    /// Run a module as `__main__` instead of a file (everything after it is the program's,
    /// options too).
    #[arg(short = 'm', value_name = "MODULE")]
    pub(crate) module: Option<String>,
    /// Sandbox policy (YAML); default: the configuration's `policy:` file, else the strict
    /// default policy.
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,
    /// The interpreter (default: `python3` on PATH).
    #[arg(long, value_name = "PYTHON")]
    pub(crate) python: Option<PathBuf>,
    /// Write every event as JSON lines to FILE (the first line carries the isolation tier).
    #[arg(long, value_name = "FILE")]
    pub(crate) events: Option<PathBuf>,
    /// Write runtime violations as SARIF 2.1.0 to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) sarif: Option<PathBuf>,
    /// Refuse to run unless these layers apply (comma separated; no value: every layer).
    #[arg(
        long,
        value_name = "LAYERS",
        num_args = 0..=1,
        require_equals = true,
        value_delimiter = ',',
        default_missing_value = "all"
    )]
    pub(crate) require_isolation: Option<Vec<String>>,
    /// Print the isolation tier and the end event on standard error, and each gate finding left
    /// in place in a module outside the script's directory (otherwise counted in one line).
    #[arg(long, short = 'v')]
    pub(crate) verbose: bool,
    /// A JSON file the program reads with `import pysbx_io; pysbx_io.input()` (pysbx reads the
    /// file; the program gets a fresh copy of the value, never the file).
    #[arg(long, value_name = "FILE.json")]
    pub(crate) input: Option<PathBuf>,
    /// Write the JSON value the program passes to `pysbx_io.output(value)` to FILE (atomically;
    /// pysbx checks it is plain JSON). Not written when the program passes none.
    #[arg(long, value_name = "FILE.json")]
    pub(crate) output: Option<PathBuf>,
    /// Run the program without the static gate (the guard and the kernel layers still apply).
    #[arg(long)]
    pub(crate) no_gate: bool,
    /// Unbuffered standard output and error, as `python3 -u` (also when `PYTHONUNBUFFERED` is
    /// set in pysbx's own environment: the program's interpreter runs isolated, and reads no
    /// `PYTHON*` variable itself).
    #[arg(short = 'u')]
    pub(crate) unbuffered: bool,
    /// Do not read or write the gate cache (the gate's verdicts on modules, kept by content
    /// hash in `$XDG_CACHE_HOME/pysbx/gate` so a module already gated is not analysed again).
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Learning mode: run the program with every capability it uses beyond the default policy
    /// recorded instead of refused, then write the narrowest policy that lets that run succeed
    /// to FILE (commented with where each grant came from).
    #[arg(long, value_name = "OUT.yaml", conflicts_with = "policy")]
    pub(crate) learn: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) rules: RuleOptions,
}

/// The most bytes of gate answers one run adds to the gate cache: the program chooses the
/// modules the gate is asked about (the cache as a whole is pruned to `cache::MAX_BYTES`).
const GATE_CACHE_RUN_BYTES: u64 = 64 << 20;

/// The largest `--input` file: the value travels in the guard's configuration frame.
const MAX_INPUT: u64 = 32 * 1024 * 1024;

/// What the gate leaves in place for a run (see [`EngineRules::grant`]).
enum Grants {
    /// What the run's policy grants.
    Policy(Box<pysbx_sandbox::Policy>),
    /// A learning run: everything the guard learns (see [`EngineRules::grant_learnable`]).
    Learnable,
}

/// The gate's rule engine, built as late as it can be: the rules are loaded when the gate first
/// asks (once the sandbox is set up and the interpreter starts, so loading does not compete
/// with the sandbox's set-up for the CPU), and the analyzer (the costly part) is compiled on
/// the first module the gate cache cannot answer.
struct LazyEngine {
    /// What to load, until it is loaded.
    pending: Mutex<Option<(RuleOptions, Grants)>>,
    /// Once the rules are loaded: the gate cache (when verdicts are kept and its directory could
    /// be opened), or why the rules did not load.
    loaded: OnceLock<Result<Option<Cache>, String>>,
    /// The loaded rules until the analyzer is compiled from them.
    rules: Mutex<Option<EngineRules>>,
    engine: OnceLock<Result<Engine, String>>,
    /// Where verdicts are kept between runs (`None`: not kept).
    cache_root: Option<PathBuf>,
}

impl LazyEngine {
    /// The engine for the rules of `opts`, as the gate applies them under `grants` (see
    /// [`EngineRules::grant`]); nothing is loaded yet.
    fn new(opts: RuleOptions, grants: Grants, cache_root: Option<PathBuf>) -> Arc<Self> {
        Arc::new(Self {
            pending: Mutex::new(Some((opts, grants))),
            loaded: OnceLock::new(),
            rules: Mutex::new(None),
            engine: OnceLock::new(),
            cache_root,
        })
    }

    /// Loads the rules (on the first call); the gate cache keyed by them, or why they did not
    /// load.
    fn loaded(&self) -> &Result<Option<Cache>, String> {
        self.loaded.get_or_init(|| {
            let pending = self.pending.lock().ok().and_then(|mut p| p.take());
            let Some((opts, grants)) = pending else {
                return Err("the rule engine could not be built".into());
            };
            let loaded = match grants {
                Grants::Policy(policy) => EngineRules::load_granted(&opts, &policy),
                Grants::Learnable => EngineRules::load(&opts).map(|mut rules| {
                    rules.grant_learnable();
                    rules
                }),
            };
            match loaded {
                Ok(rules) => {
                    // The fingerprint is computed only for a cache that is kept.
                    let cache = self.cache_root.as_ref().and_then(|root| {
                        let fingerprint =
                            crate::cache::gate_fingerprint(&rules.rules, &rules.builtin_ids);
                        Cache::open(root, fingerprint)
                            .ok()
                            .map(|c| c.owner_checked().with_write_budget(GATE_CACHE_RUN_BYTES))
                    });
                    if let Ok(mut slot) = self.rules.lock() {
                        *slot = Some(rules);
                    }
                    Ok(cache)
                }
                Err(err) => Err(format!("{err:#}")),
            }
        })
    }

    /// The compiled engine (compiled on the first call).
    fn engine(&self) -> &Result<Engine, String> {
        self.engine.get_or_init(|| {
            self.loaded().as_ref().map_err(Clone::clone)?;
            let rules = self.rules.lock().ok().and_then(|mut r| r.take());
            match rules {
                Some(rules) => rules.compile(Workload::FewFiles).map_err(|e| format!("{e:#}")),
                None => Err("the rule engine could not be built".into()),
            }
        })
    }

    /// The first error of loading or compiling the rules, if any.
    fn error(&self) -> Option<&str> {
        match self.loaded() {
            Err(err) => Some(err),
            Ok(_) => self.engine.get().and_then(|e| e.as_ref().err()).map(String::as_str),
        }
    }
}

fn gate_from_engine(lazy: Arc<LazyEngine>) -> pysbx_sandbox::Gate {
    Arc::new(move |path: &Path, bytes: &[u8]| {
        if bytes.len() > pysbx_sandbox::MAX_GATED_SOURCE {
            // The entry program (a module larger than this never reaches the gate): parsing
            // it would take pysbx gigabytes, outside the program's limits.
            let reason = format!(
                "{} bytes: larger than the {} MiB the static gate reads (--no-gate runs it \
                 without the gate)",
                bytes.len(),
                pysbx_sandbox::MAX_GATED_SOURCE >> 20
            );
            return GateReply::Refuse { reason, findings: Vec::new() };
        }
        let cache = match lazy.loaded() {
            Ok(cache) => cache.as_ref(),
            Err(err) => return GateReply::Refuse { reason: err.clone(), findings: Vec::new() },
        };
        let key = cache.map(|c| c.key_for_path(path, bytes));
        if let (Some(cache), Some(key)) = (cache, key)
            && let Some(reply) = cache.load::<GateReply>(key)
        {
            return reply;
        }
        match lazy.engine() {
            Ok(engine) => {
                let reply = gate_reply(engine, path, bytes);
                if let (Some(cache), Some(key)) = (cache, key) {
                    cache.store(key, &reply);
                }
                reply
            }
            Err(err) => GateReply::Refuse { reason: err.clone(), findings: Vec::new() },
        }
    })
}

/// What runs as `__main__`: a script, or a module (`-m`).
enum Entry {
    File(PathBuf),
    Module(String),
}

/// For a run that ended on a stub of the gate's (`PSB103 (compile-builtin) blocked at ...`):
/// how a policy could leave it in place, when one can. Run-time code and what code generators
/// need (see [`EngineRules::grant`]) name the `code` grant of the module the stub stood in,
/// the narrowest there is; network, processes and foreign code point to `--learn`, whose run
/// leaves them to the guard to record. Other rules (introspection, obfuscation) no policy
/// lifts: no hint. Only the built-in rules are known here.
fn gate_stub_hint(
    outcome: &pysbx_sandbox::Outcome,
    script_dir: Option<&Path>,
    entry: Option<&Entry>,
) -> Option<String> {
    if outcome.end.reason != pysbx_sandbox::EndReason::Violation {
        return None;
    }
    let id = outcome.end.message.strip_prefix("policy violation: ")?.split(' ').next()?;
    let stub = outcome.events.iter().rev().find(|e| {
        e.kind == pysbx_sandbox::events::EventKind::Gate && e.clause == id && e.action == "stubbed"
    });
    // A call the gate handed to the guard instead (`__pysbx_exec__`), refused where it ran.
    let file = stub.and_then(|s| s.file.as_deref()).or(outcome.end_file.as_deref())?;
    let rules = pysbx_rules::builtin_rules().ok()?;
    let rule = rules.rules().iter().find(|r| r.id == id)?;
    let code = rule.family == "code-exec" || crate::pipeline::needed_by_code_generators(rule);
    if code {
        let file = Path::new(file);
        let mut roots: Vec<&Path> = outcome.interpreter.site.iter().map(PathBuf::as_path).collect();
        roots.extend(script_dir);
        let is_entry = |module: &str| match entry {
            Some(Entry::File(path)) => path == file,
            Some(Entry::Module(name)) => name == module,
            None => false,
        };
        let module = module_of(file, &roots).filter(|m| !is_entry(m));
        return Some(format!(
            "pysbx: hint: the gate stubbed code made at run time ({id}); if you trust the code \
             that makes it, a policy can leave it in place with {}",
            pysbx_sandbox::events::code_grant_words(module.as_deref())
        ));
    }
    matches!(rule.family.as_str(), "network" | "process" | "ffi")
        .then(|| pysbx_sandbox::events::LEARN_HINT.to_string())
}

/// On a terminal, before pysbx's last lines: the program may have left an escape sequence
/// open (a title's `ESC ] 0 ;` swallows whatever follows, pysbx's end and hint included) or
/// moved the cursor back over pysbx's lines of the run and erased them. The open sequence is
/// cancelled (CAN, then the string terminator) and the attributes reset, and the refusals the
/// run recorded are told again here, once the program can no longer write. Not for a pipe or a
/// file, where nothing is drawn over.
fn terminal_epilogue(outcome: &pysbx_sandbox::Outcome) {
    use pysbx_sandbox::events::{EventKind, printable};
    eprint!("\x18\x1b\\\x1b[0m");
    if outcome.end.reason == pysbx_sandbox::EndReason::Violation {
        return;
    }
    let refused: Vec<_> = outcome
        .events
        .iter()
        .filter(|e| {
            e.kind == EventKind::Violation && matches!(e.action.as_str(), "raised" | "killed")
        })
        .collect();
    if let Some(first) = refused.first() {
        let count = refused.len();
        let what = if count == 1 { "operation was" } else { "operations were" };
        eprintln!(
            "\npysbx: {count} {what} refused during the run, the first: {} ({})",
            printable(&first.message),
            printable(&first.clause)
        );
    }
}

/// The dotted import name of `file` below the first of `roots` that holds it.
fn module_of(file: &Path, roots: &[&Path]) -> Option<String> {
    let rel = roots.iter().find_map(|root| file.strip_prefix(root).ok())?;
    let mut parts: Vec<String> =
        rel.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".py")?;
    if stem != "__init__" {
        parts.push(stem.to_string());
    }
    let valid = !parts.is_empty() && parts.iter().all(|p| !p.is_empty() && !p.contains('.'));
    valid.then(|| parts.join("."))
}

/// Where `pysbx exec` keeps the gate's verdicts between runs, unless a sandboxed program could
/// write there: the program's own files must never become the gate's answers. As root the
/// program runs under another uid, whose files the cache ignores (it reads only entries this
/// user owns that nobody else may write); otherwise it runs as the user, kept out of the cache
/// by Landlock alone, so a kernel without Landlock, or a policy granting writes in or above the
/// cache directory (top-level, per module, or as the working directory), turns the cache off
/// for the run.
fn gate_cache_root(policy: &pysbx_sandbox::Policy) -> Option<PathBuf> {
    let root = pysbx_sandbox::interp::cache_dir()?.join("gate");
    if nix::unistd::geteuid().is_root() {
        return Some(root);
    }
    if !pysbx_sandbox::tier::landlock_available() {
        return None;
    }
    let resolved = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| std::path::absolute(p).unwrap_or_default())
    };
    let cache = resolved(&root);
    // Top-level and per-module grants alike: the kernel enforces their union.
    let overlaps = policy
        .all_writes()
        .iter()
        .chain(policy.fs.workdir.iter())
        .map(|p| resolved(p))
        .any(|w| cache.starts_with(&w) || w.starts_with(&cache));
    (!overlaps).then_some(root)
}

/// The import gate's answer for one module: its sanitized source and what was changed, or a
/// refusal. Shared by `exec` and `repl`.
pub(crate) fn gate_reply(engine: &Engine, path: &Path, bytes: &[u8]) -> GateReply {
    fn finding(f: crate::pipeline::GateFinding) -> GateFinding {
        GateFinding {
            rule_id: f.rule_id,
            severity: f.severity.to_string(),
            line: f.line,
            column: f.column,
            message: f.message,
            action: format!("{:?}", f.action).to_lowercase(),
        }
    }
    match engine.sanitize_module(path, bytes) {
        Ok(module) => GateReply::Allow {
            source: module.source,
            findings: module.findings.into_iter().map(finding).collect(),
            doctest_examples: module.doctest_examples,
        },
        Err(err) => match err.downcast::<crate::pipeline::UnparsableSource>() {
            Ok(unparsable) => {
                GateReply::Unparsable { source: unparsable.source, reason: unparsable.reason }
            }
            Err(err) => match err.downcast::<crate::pipeline::RefusedSource>() {
                // What stopped the gate, then what it found before: the findings behind the
                // refusal, for the user to see (the cause first, so that it is kept whatever
                // the number of findings).
                Ok(refused) => {
                    let (rule_id, line, column, message) = refused.cause;
                    let cause = GateFinding {
                        rule_id,
                        severity: "error".into(),
                        line,
                        column,
                        message,
                        action: "refused".into(),
                    };
                    let findings = std::iter::once(cause)
                        .chain(refused.findings.into_iter().map(finding))
                        .collect();
                    GateReply::Refuse { reason: refused.reason, findings }
                }
                Err(err) => GateReply::Refuse { reason: format!("{err:#}"), findings: Vec::new() },
            },
        },
    }
}

/// The policy file to use: `--policy`, else the configuration's `policy:` (none with
/// `--no-config`). Shared by `exec` and `repl`.
pub(crate) fn policy_file(
    policy: Option<&Path>,
    rules: &RuleOptions,
) -> anyhow::Result<Option<PathBuf>> {
    Ok(match policy {
        Some(p) => Some(p.to_path_buf()),
        None if rules.no_config => None,
        None => crate::config::load_effective_config(rules.config.as_deref(), rules.audit)?
            .and_then(|cfg| cfg.config.policy.as_ref().map(|p| cfg.resolve(p))),
    })
}

pub(crate) fn run(args: &ExecArgs) -> anyhow::Result<ExitCode> {
    // First, while this process has one thread: the trampoline's start then overlaps reading
    // the configuration, the policy and the rules (see `Prefork`).
    let mut trampoline = pysbx_sandbox::trampoline::Prefork::start();
    // Still before any thread (the trampoline forked with the signals unblocked): Ctrl-C goes
    // to the program, SIGTERM and SIGHUP end the run with its files written and nothing left.
    if let Err(e) = pysbx_sandbox::stop_on_signals() {
        eprintln!("pysbx: warning: SIGTERM will end pysbx without ending the run cleanly: {e}");
    }
    let policy_file = policy_file(args.policy.as_deref(), &args.rules)?;
    let policy = match &policy_file {
        // A learn run judges against the default policy, whatever the configuration names.
        Some(p) if args.learn.is_none() => pysbx_sandbox::policy::load_policy_file(p)?,
        _ => pysbx_sandbox::Policy::default(),
    };
    // A learning run's kernel policy is a widened one, announced with its plan instead.
    if let Some(t) = &mut trampoline
        && args.learn.is_none()
    {
        t.announce(&policy);
    }
    // The rules load when the gate first asks. A learning run widens what the program may
    // write, so it neither reads nor writes the gate cache.
    let cache_root =
        (!args.no_cache && args.learn.is_none()).then(|| gate_cache_root(&policy)).flatten();
    let grants = if args.learn.is_some() {
        Grants::Learnable
    } else {
        Grants::Policy(Box::new(policy.clone()))
    };
    let lazy = (!args.no_gate).then(|| LazyEngine::new(args.rules.clone(), grants, cache_root));
    let input = match &args.input {
        Some(path) => {
            let text = match pysbx_files::read_text(path, MAX_INPUT) {
                Ok(text) => text,
                Err(pysbx_files::ReadError::TooLarge { .. }) => {
                    anyhow::bail!("{}: input larger than {} MiB", path.display(), MAX_INPUT >> 20)
                }
                Err(e) => return Err(e).with_context(|| format!("{}", path.display())),
            };
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!("{}: not JSON: {e}", crate::output::json_error_position(path, &e))
            })?;
            Some(value)
        }
        None => None,
    };
    let program = program_of(args)?;
    let gate = match &lazy {
        Some(lazy) => gate_from_engine(lazy.clone()),
        None => pysbx_sandbox::passthrough_gate(),
    };
    let require = match &args.require_isolation {
        None => Vec::new(),
        Some(list) if list.iter().any(|l| l == "all") => {
            pysbx_sandbox::ALL_LAYERS.iter().map(|s| (*s).to_string()).collect()
        }
        Some(list) => {
            for layer in list {
                if !pysbx_sandbox::ALL_LAYERS.contains(&layer.as_str())
                    && !["namespace.user", "landlock.net", "landlock.scopes"]
                        .contains(&layer.as_str())
                {
                    anyhow::bail!(
                        "unknown isolation layer `{layer}`: expected one of {}",
                        pysbx_sandbox::ALL_LAYERS.join(", ")
                    );
                }
            }
            list.clone()
        }
    };
    let mut jsonl: Vec<PathBuf> = args.events.iter().cloned().collect();
    let mut sarif: Vec<PathBuf> = args.sarif.iter().cloned().collect();
    for alert in &policy.alerts {
        match alert {
            pysbx_sandbox::policy::Alert::Jsonl { path } => jsonl.push(path.clone()),
            pysbx_sandbox::policy::Alert::Sarif { path } => sarif.push(path.clone()),
            // Live sinks: the sandbox delivers them while the program runs.
            pysbx_sandbox::policy::Alert::Stderr
            | pysbx_sandbox::policy::Alert::Webhook { .. }
            | pysbx_sandbox::policy::Alert::Syslog { .. } => {}
        }
    }
    // Every file written after the run is pinned now, before the program can touch its
    // path: the program may write the directories they lie in (its working directory, a write
    // path, the script's directory of a learn run), and a link it left in a file's place, or
    // in a directory's, had pysbx write wherever the link led (see `pysbx_files::PinnedTarget`).
    let pin = |path: &PathBuf, what: &str| {
        pysbx_files::PinnedTarget::pin(path)
            .with_context(|| format!("{what} {} cannot be written", path.display()))
    };
    let output_target = args.output.as_ref().map(|p| pin(p, "the output file")).transpose()?;
    let learn_target =
        args.learn.as_ref().map(|p| pin(p, "the learned policy's file")).transpose()?;
    let jsonl =
        jsonl.iter().map(|p| pin(p, "the events file")).collect::<anyhow::Result<Vec<_>>>()?;
    let sarif =
        sarif.iter().map(|p| pin(p, "the SARIF file")).collect::<anyhow::Result<Vec<_>>>()?;
    let script_dir = pysbx_sandbox::learn::program_dir(&program);
    // The script itself, to tell its own code from its modules' in a hint.
    let entry = match &program {
        pysbx_sandbox::Program::File { path, .. } => {
            std::path::absolute(path).ok().map(Entry::File)
        }
        pysbx_sandbox::Program::Module { name, .. } => Some(Entry::Module(name.clone())),
        _ => None,
    };
    let program_name = match &program {
        Program::File { path, .. } => std::path::absolute(path)
            .map_or_else(|_| path.display().to_string(), |p| p.display().to_string()),
        Program::Code { from_stdin: false, .. } => "-c CODE".to_string(),
        Program::Code { from_stdin: true, .. } => "the program on standard input".to_string(),
        Program::Module { name, .. } => format!("-m {name}"),
        Program::Repl(_) => "the REPL".to_string(),
    };
    let request = ExecRequest {
        program,
        policy,
        interpreter: args.python.clone(),
        gate,
        gate_reads: lazy.is_some(),
        require,
        live_stderr: true,
        trampoline,
        unbuffered: args.unbuffered || unbuffered_by_environment(),
        library_notes: args.verbose,
    };
    let result = if args.learn.is_some() {
        pysbx_sandbox::run_learning(request, input)
    } else {
        pysbx_sandbox::run_with_input(request, input)
    };
    // A broken rule configuration is a usage error (exit 2), not a refusal of the program.
    if let Some(lazy) = &lazy {
        if let Some(err) = lazy.error() {
            anyhow::bail!("{err}");
        }
        if let Some(Ok(Some(cache))) = lazy.loaded.get() {
            cache.finish();
        }
    }
    // Past this point the rules are not needed and the process is about to end: freeing their
    // many small allocations one by one only delayed the exit (about 0.15 ms of a hello-world
    // run), so they go with the process.
    std::mem::forget(lazy);
    let outcome = match result {
        Ok(o) => o,
        Err(err @ pysbx_sandbox::SandboxError::Refused { .. }) => {
            eprintln!("pysbx: {err}");
            return Ok(ExitCode::from(pysbx_sandbox::EXIT_VIOLATION));
        }
        Err(err @ pysbx_sandbox::SandboxError::IsolationUnavailable(_)) => {
            eprintln!("pysbx: {err}");
            return Ok(ExitCode::from(pysbx_sandbox::EXIT_INTERNAL));
        }
        Err(err) => return Err(err).context("pysbx exec"),
    };
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        terminal_epilogue(&outcome);
    }
    if args.verbose {
        eprintln!(
            "pysbx: interpreter {} ({})",
            outcome.interpreter.executable.display(),
            outcome.interpreter.version.lines().next().unwrap_or("")
        );
        eprint!("pysbx: isolation tier:\n{}", outcome.tier.summary());
        eprintln!(
            "pysbx: end: {} (exit {}, cpu {:.2} s, wall {:.2} s)",
            pysbx_sandbox::events::printable(&outcome.end.message),
            outcome.end.exit_code,
            outcome.end.cpu_s,
            outcome.end.wall_s
        );
    } else if let Some(line) = outcome.end_summary() {
        eprintln!("{line}");
    }
    let hint =
        outcome.hint().or_else(|| gate_stub_hint(&outcome, script_dir.as_deref(), entry.as_ref()));
    if let Some(hint) = hint.filter(|_| args.learn.is_none()) {
        eprintln!("{}", pysbx_sandbox::events::printable(&hint));
    }
    if let (Some(path), Some(target)) = (&args.output, &output_target) {
        match &outcome.output {
            Some(value) => {
                let text = format!("{value}\n");
                if let Err(err) = pysbx_sandbox::events::write_atomic(target, &text) {
                    eprintln!("pysbx: output not written: {err}");
                }
            }
            None => match &outcome.output_refused {
                Some(why) => eprintln!("pysbx: {} not written: {why}", path.display()),
                None => eprintln!(
                    "pysbx: {} not written: the program passed no value to pysbx_io.output",
                    path.display()
                ),
            },
        }
    }
    if let (Some(out), Some(target)) = (&args.learn, &learn_target) {
        if outcome.gate_refused {
            eprintln!(
                "pysbx: no policy learned: the static gate refused the program, which did not run"
            );
        } else {
            write_learned(out, target, &outcome, script_dir.as_deref(), &program_name)?;
        }
    }
    // A sink that cannot be written is reported; it never changes the run's exit status.
    for target in &jsonl {
        if let Err(err) =
            pysbx_sandbox::events::write_sinks(&outcome, std::slice::from_ref(target), &[])
        {
            eprintln!("pysbx: events not written: {err}");
        }
    }
    for target in &sarif {
        if let Err(err) =
            pysbx_sandbox::events::write_sinks(&outcome, &[], std::slice::from_ref(target))
        {
            eprintln!("pysbx: SARIF not written: {err}");
        }
    }
    Ok(ExitCode::from(outcome.end.exit_code))
}

/// Writes the learned policy atomically, after checking the policy loader accepts it.
fn write_learned(
    out: &Path,
    target: &pysbx_files::PinnedTarget,
    outcome: &pysbx_sandbox::Outcome,
    script_dir: Option<&Path>,
    program: &str,
) -> anyhow::Result<()> {
    let text = pysbx_sandbox::learn::learned_policy(&outcome.events, script_dir, program);
    let abs = std::path::absolute(out).unwrap_or_else(|_| out.to_path_buf());
    let policy = pysbx_sandbox::policy::load_policy_str(&text, &abs)
        .with_context(|| format!("the learned policy for {} does not load", out.display()))?;
    pysbx_sandbox::events::write_atomic(target, &text)
        .with_context(|| format!("writing the learned policy to {}", out.display()))?;
    let recorded = outcome.events.iter().filter(|e| e.action == "recorded").count();
    eprintln!(
        "pysbx: learned policy written to {} ({recorded} recorded events; {} module entries)",
        out.display(),
        policy.modules.len()
    );
    Ok(())
}

/// What `pysbx exec` runs: `-c CODE` or `-m MODULE` with every positional value as an argument,
/// else the first positional value as the script and the rest as its arguments. A `--` that
/// starts the arguments is dropped (the form `pysbx exec FILE -- ARGS` of earlier versions).
fn program_of(args: &ExecArgs) -> anyhow::Result<Program> {
    let strip = |values: &[OsString]| -> Vec<OsString> {
        match values.split_first() {
            Some((first, rest)) if first == "--" => rest.to_vec(),
            _ => values.to_vec(),
        }
    };
    Ok(match (&args.code, &args.module, args.program.split_first()) {
        (Some(code), _, _) => {
            Program::Code { code: code.clone(), args: strip(&args.program), from_stdin: false }
        }
        (_, Some(name), _) => Program::Module { name: name.clone(), args: strip(&args.program) },
        (None, None, Some((file, rest))) if file == "-" => {
            Program::Code { code: program_on_stdin()?, args: strip(rest), from_stdin: true }
        }
        (None, None, Some((file, rest))) => {
            let path = PathBuf::from(file);
            if path.is_dir() && path.join("__main__.py").is_file() {
                // Python runs such a directory's `__main__.py` with the directory first on
                // `sys.path`, which is what running that file does here.
                return Ok(Program::File { path: path.join("__main__.py"), args: strip(rest) });
            }
            if pysbx_walk::archive::is_zip_application(&path) {
                // Python runs such a file from the archive (its `__main__.py`); read as source,
                // it would fail as text that is not UTF-8.
                anyhow::bail!(
                    "{}: a zip application (Python runs the `__main__.py` inside it); pysbx exec \
                     runs Python source: unpack it and run its `__main__.py` (`pysbx scan {}` \
                     reads the archive)",
                    path.display(),
                    path.display()
                );
            }
            Program::File { path, args: strip(rest) }
        }
        (None, None, None) => anyhow::bail!("nothing to run: give FILE, -c CODE or -m MODULE"),
    })
}

/// The program `pysbx exec -` runs, read to its end from standard input as `python3 -` reads it
/// (the program then finds its standard input at its end, as under Python). Read up to one
/// byte past what the static gate reads ([`pysbx_sandbox::MAX_GATED_SOURCE`]): the rest would
/// only be held.
fn program_on_stdin() -> anyhow::Result<String> {
    use std::io::Read;
    let limit = pysbx_sandbox::MAX_GATED_SOURCE;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .context("reading the program from standard input")?;
    if bytes.len() > limit {
        anyhow::bail!(
            "the program on standard input is larger than the {} MiB the static gate reads: \
             save it to a file and review it (`pysbx scan FILE`)",
            limit >> 20
        );
    }
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "the program on standard input is not UTF-8 (at byte offset {}): save it to a file \
             and run that, which honours a coding declaration",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Whether pysbx's own environment asks Python for unbuffered output (`PYTHONUNBUFFERED` set
/// to a non-empty value, as the interpreter reads it).
pub(crate) fn unbuffered_by_environment() -> bool {
    std::env::var_os("PYTHONUNBUFFERED").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_below_a_root_has_its_import_name() {
        let site = Path::new("/site");
        let app = Path::new("/app");
        let roots = [site, app];
        assert_eq!(
            module_of(Path::new("/site/attr/_make.py"), &roots).as_deref(),
            Some("attr._make")
        );
        assert_eq!(module_of(Path::new("/site/six.py"), &roots).as_deref(), Some("six"));
        assert_eq!(module_of(Path::new("/app/gen/__init__.py"), &roots).as_deref(), Some("gen"));
        // Not below a root, not a source file, a name no import can spell: none.
        assert_eq!(module_of(Path::new("/elsewhere/m.py"), &roots), None);
        assert_eq!(module_of(Path::new("/site/m.pth"), &roots), None);
        assert_eq!(module_of(Path::new("/site/a.b/m.py"), &roots), None);
        assert_eq!(module_of(Path::new("/site/__init__.py"), &roots), None);
    }
}
