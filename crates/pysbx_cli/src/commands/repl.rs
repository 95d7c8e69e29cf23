//! `pysbx repl` (and `pysbx -i`): an interactive Python whose every input is scanned,
//! sanitized and run in one persistent confined interpreter.
//!
//! The line editor, the static gate and the meta-commands live here; the sandbox runs the
//! session ([`pysbx_sandbox::Program::Repl`]) and asks this module for each input through the
//! session's front end. A limit or kill ends the interpreter: the end is reported and a fresh
//! one starts (with an empty namespace).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;
use clap::Args;
use pysbx_analysis::Workload;
use pysbx_report::{Emitter, FileResult, ScanReport, ScanStats};
use pysbx_sandbox::{EndReason, ExecRequest, Program, ReplInput, ReplLine};
use rustyline::error::ReadlineError;

use crate::args::RuleOptions;
use crate::pipeline::{Engine, EngineRules};

/// Arguments of `pysbx repl`.
#[derive(Debug, Args)]
pub(crate) struct ReplArgs {
    /// Sandbox policy (YAML); default: the configuration's `policy:` file, else the strict
    /// default policy.
    #[arg(long, value_name = "FILE")]
    pub(crate) policy: Option<PathBuf>,
    /// The interpreter (default: `python3` on PATH).
    #[arg(long, value_name = "PYTHON")]
    pub(crate) python: Option<PathBuf>,
    /// Run inputs without the static gate (the guard and the kernel layers still apply).
    #[arg(long)]
    pub(crate) no_gate: bool,
    /// Print the isolation tier when the interpreter starts.
    #[arg(long, short = 'v')]
    pub(crate) verbose: bool,
    /// History file (default: `$PYSBX_HISTORY`, else `$XDG_STATE_HOME/pysbx/history`, else
    /// `~/.local/state/pysbx/history`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_history")]
    pub(crate) history: Option<PathBuf>,
    /// Keep the history for this session only; read and write no history file.
    #[arg(long)]
    pub(crate) no_history: bool,
    #[command(flatten)]
    pub(crate) rules: RuleOptions,
}

/// Where the line editor's history lives, or `None` when it is kept in memory only.
fn history_path(args: &ReplArgs) -> Option<PathBuf> {
    if args.no_history {
        return None;
    }
    if let Some(path) = &args.history {
        return Some(path.clone());
    }
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(path) = std::env::var_os("PYSBX_HISTORY") {
        // Set but empty: no history file.
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let state = env("XDG_STATE_HOME").or_else(|| env("HOME").map(|h| h.join(".local/state")))?;
    Some(state.join("pysbx").join("history"))
}

/// Loads the history file into the editor; a missing file is an empty history. The file is
/// created private (0600), since inputs can hold secrets typed at the prompt.
fn open_history(editor: &mut rustyline::DefaultEditor, path: &Path) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    editor.load_history(path).map_err(|e| format!("{}: {e}", path.display()))
}

const PS1: &str = ">>> ";
const PS2: &str = "... ";

const HELP: &str = "\
pysbx repl: each input is scanned, sanitized and run in one confined interpreter.
  :help     this text
  :policy   the effective sandbox policy and the isolation tier
  :rules    the rules of the static gate
  :quit     leave (as Ctrl-D does)
Ctrl-C interrupts the running input (or clears the line); a limit that ends the
interpreter starts a fresh one, without the previous state.";

pub(crate) fn run(args: &ReplArgs) -> anyhow::Result<ExitCode> {
    if !std::io::stdin().is_terminal() {
        return run_piped(args);
    }
    let slot: Arc<OnceLock<Arc<Frontend>>> = Arc::new(OnceLock::new());
    let session = {
        let inputs = slot.clone();
        let lines = slot.clone();
        pysbx_sandbox::ReplSession::new(Arc::new(move || match inputs.get() {
            Some(frontend) => frontend.next_input(),
            None => ReplInput::End,
        }))
        .with_reader(Arc::new(move |prompt: &str| match lines.get() {
            Some(frontend) => frontend.read_line(prompt),
            None => ReplLine::Eof,
        }))
    };
    // Before any other thread starts (building the rules may start some): every thread must
    // block SIGINT so that Ctrl-C while an input runs interrupts that input, not pysbx.
    session.forward_interrupts().context("taking over Ctrl-C")?;
    let policy = load_policy(args)?;
    let engine = if args.no_gate {
        None
    } else {
        Some(Arc::new(
            EngineRules::load_granted(&args.rules, &policy)?.compile(Workload::FewFiles)?,
        ))
    };
    let mut editor = rustyline::DefaultEditor::new().context("starting the line editor")?;
    let history = history_path(args).and_then(|path| match open_history(&mut editor, &path) {
        Ok(()) => Some(path),
        Err(e) => {
            eprintln!("pysbx: history not saved: {e}");
            None
        }
    });
    let frontend = Arc::new(Frontend {
        editor: Mutex::new(editor),
        history,
        history_failed: AtomicBool::new(false),
        engine: engine.clone(),
        policy_json: serde_json::to_string_pretty(&policy)?,
        inputs: AtomicU64::new(0),
        quit: AtomicBool::new(false),
        session: session.clone(),
    });
    let _ = slot.set(frontend.clone());
    let gate = match &engine {
        Some(engine) => gate_from_engine(engine.clone()),
        None => pysbx_sandbox::passthrough_gate(),
    };
    eprintln!("pysbx repl: sandboxed Python; :help for commands, Ctrl-D to leave");
    loop {
        let request = ExecRequest {
            program: Program::Repl(session.clone()),
            policy: policy.clone(),
            interpreter: args.python.clone(),
            gate: gate.clone(),
            gate_reads: engine.is_some(),
            require: Vec::new(),
            live_stderr: true,
            trampoline: None,
            unbuffered: super::exec::unbuffered_by_environment(),
            library_notes: false,
        };
        let outcome = match pysbx_sandbox::run(request) {
            Ok(outcome) => outcome,
            Err(err @ pysbx_sandbox::SandboxError::IsolationUnavailable(_)) => {
                eprintln!("pysbx: {err}");
                return Ok(ExitCode::from(pysbx_sandbox::EXIT_INTERNAL));
            }
            Err(err) => return Err(err).context("pysbx repl"),
        };
        if args.verbose {
            eprint!("pysbx: isolation tier:\n{}", outcome.tier.summary());
        }
        if frontend.quit.load(Ordering::SeqCst) {
            return Ok(ExitCode::SUCCESS);
        }
        match outcome.end.reason {
            // `exit()` or `raise SystemExit` inside the session ends it, as in python.
            EndReason::Exit => return Ok(ExitCode::from(outcome.end.exit_code)),
            EndReason::Internal if session.inputs_run() == 0 => {
                eprintln!("pysbx: {}", outcome.end.message);
                return Ok(ExitCode::from(pysbx_sandbox::EXIT_INTERNAL));
            }
            _ => eprintln!(
                "pysbx: the interpreter ended: {}; a fresh one starts, state was lost",
                outcome.end.message
            ),
        }
    }
}

/// Standard input is not a terminal: the whole input is one program, run as `exec -c` would.
fn run_piped(args: &ReplArgs) -> anyhow::Result<ExitCode> {
    // Standard input can be endless (`< /dev/zero`): a program is at most what `scan` reads of
    // a file by default.
    let limit = crate::args::DEFAULT_MAX_FILE_MIB << 20;
    let code = pysbx_files::read_stream(std::io::stdin().lock(), limit)
        .and_then(pysbx_files::into_text)
        .context("reading standard input")?;
    // Parsed rather than built, so `exec`'s other options keep their defaults.
    #[derive(clap::Parser)]
    struct ExecOnly {
        #[command(flatten)]
        exec: crate::commands::exec::ExecArgs,
    }
    let mut exec = <ExecOnly as clap::Parser>::try_parse_from([
        std::ffi::OsString::from("pysbx exec"),
        "-c".into(),
        code.into(),
    ])?
    .exec;
    exec.policy.clone_from(&args.policy);
    exec.python.clone_from(&args.python);
    exec.verbose = args.verbose;
    exec.no_gate = args.no_gate;
    exec.rules = args.rules.clone();
    crate::commands::exec::run(&exec)
}

fn load_policy(args: &ReplArgs) -> anyhow::Result<pysbx_sandbox::Policy> {
    Ok(match crate::commands::exec::policy_file(args.policy.as_deref(), &args.rules)? {
        Some(p) => pysbx_sandbox::policy::load_policy_file(&p)?,
        None => pysbx_sandbox::Policy::default(),
    })
}

/// The static gate for modules the session imports (inputs are gated by [`Frontend`]).
fn gate_from_engine(engine: Arc<Engine>) -> pysbx_sandbox::Gate {
    Arc::new(move |path: &Path, bytes: &[u8]| {
        crate::commands::exec::gate_reply(&engine, path, bytes)
    })
}

/// Reads, checks and hands over inputs; called on the sandbox's guard thread.
struct Frontend {
    editor: Mutex<rustyline::DefaultEditor>,
    /// Each input is appended here as soon as it is read, so a killed session loses none.
    history: Option<PathBuf>,
    history_failed: AtomicBool,
    engine: Option<Arc<Engine>>,
    policy_json: String,
    inputs: AtomicU64,
    quit: AtomicBool,
    session: pysbx_sandbox::ReplSession,
}

impl Frontend {
    fn next_input(&self) -> ReplInput {
        loop {
            let Some(text) = self.read_input() else {
                self.quit.store(true, Ordering::SeqCst);
                return ReplInput::End;
            };
            if text.trim().is_empty() {
                continue;
            }
            let n = self.inputs.fetch_add(1, Ordering::SeqCst) + 1;
            let filename = format!("<input-{n}>");
            if let Some(source) = self.gate(&text, &filename) {
                return ReplInput::Run { source, filename };
            }
        }
    }

    /// One line for `input(prompt)` in the running input. It is not scanned: it is data, and
    /// it does not go into the history of inputs.
    fn read_line(&self, prompt: &str) -> ReplLine {
        let Ok(mut editor) = self.editor.lock() else { return ReplLine::Eof };
        match editor.readline(prompt) {
            Ok(line) => ReplLine::Line(line),
            Err(ReadlineError::Interrupted) => ReplLine::Interrupted,
            Err(_) => ReplLine::Eof,
        }
    }

    /// One complete input (several lines while the parser wants more), or `None` at the end.
    fn read_input(&self) -> Option<String> {
        let Ok(mut editor) = self.editor.lock() else { return None };
        let mut buf = String::new();
        loop {
            let prompt = if buf.is_empty() { PS1 } else { PS2 };
            match editor.readline(prompt) {
                Ok(line) => {
                    if buf.is_empty() && line.trim_start().starts_with(':') {
                        self.remember(&mut editor, line.trim());
                        if !self.meta(line.trim()) {
                            return None;
                        }
                        continue;
                    }
                    buf.push_str(&line);
                    buf.push('\n');
                    if !needs_more(&buf) {
                        self.remember(&mut editor, buf.trim_end());
                        return Some(buf);
                    }
                }
                Err(ReadlineError::Interrupted) => {
                    println!("KeyboardInterrupt");
                    buf.clear();
                }
                Err(_) => {
                    if !buf.is_empty() {
                        println!();
                    }
                    return None;
                }
            }
        }
    }

    fn remember(&self, editor: &mut rustyline::DefaultEditor, entry: &str) {
        if editor.add_history_entry(entry).unwrap_or(false)
            && let Some(path) = &self.history
            && !self.history_failed.load(Ordering::Relaxed)
            && let Err(e) = editor.append_history(path)
        {
            // Said once; the session goes on with the history in memory.
            self.history_failed.store(true, Ordering::Relaxed);
            eprintln!("pysbx: history not saved: {}: {e}", path.display());
        }
    }

    /// Runs a meta-command; `false` to leave.
    fn meta(&self, command: &str) -> bool {
        let mut out = std::io::stdout().lock();
        match command {
            ":help" | ":h" | ":?" => {
                let _ = writeln!(out, "{HELP}");
            }
            ":quit" | ":q" | ":exit" => return false,
            ":policy" => {
                let _ = writeln!(out, "{}", self.policy_json);
                match self.session.tier() {
                    Some(tier) => {
                        let _ = write!(out, "isolation tier:\n{}", tier.summary());
                    }
                    None => {
                        let _ = writeln!(out, "isolation tier: not reported yet");
                    }
                }
            }
            ":rules" => match &self.engine {
                Some(engine) => {
                    for rule in engine.rules.rules() {
                        let _ = writeln!(
                            out,
                            "{:<7} {:<8} {:<6} {}",
                            rule.id,
                            rule.severity.to_string(),
                            format!("{:?}", rule.action).to_lowercase(),
                            rule.name
                        );
                    }
                    let _ = writeln!(out, "{} rules", engine.rules.len());
                }
                None => {
                    let _ = writeln!(out, "the static gate is off (--no-gate)");
                }
            },
            other => {
                let _ = writeln!(out, "unknown command {other}; :help lists the commands");
            }
        }
        true
    }

    /// Scans one input, shows its findings as `scan` does, and returns the sanitized source;
    /// `None` when it cannot run (a syntax error, or the gate refused it).
    fn gate(&self, text: &str, filename: &str) -> Option<String> {
        let Some(engine) = &self.engine else { return Some(text.to_string()) };
        let path = Path::new(filename);
        let options = crate::pipeline::Engine::gate_options();
        let analysis = engine.analyzer.analyze(text, path, &options);
        if let Some(err) = &analysis.error {
            eprintln!("  File \"{filename}\", line {}\nSyntaxError: {}", err.line, err.message);
            return None;
        }
        if !analysis.findings.is_empty() {
            let rendered = render_findings(engine, filename, analysis.findings);
            let _ = std::io::stderr().write_all(rendered.as_bytes());
        }
        match engine.sanitize_module(path, text.as_bytes()) {
            Ok(module) => Some(module.source),
            Err(err) => {
                eprintln!("pysbx: {filename} was refused by the static gate: {err:#}");
                None
            }
        }
    }
}

/// The diagnostics of `scan`'s text format, without its closing summary.
fn render_findings(engine: &Engine, filename: &str, findings: Vec<pysbx_rules::Finding>) -> String {
    let report = ScanReport {
        rules: &engine.rules,
        files: vec![FileResult { path: filename.to_string(), findings, line_hashes: None }],
        errors: Vec::new(),
        stats: ScanStats { files_scanned: 1, ..ScanStats::default() },
        root: PathBuf::from("."),
        category: None,
        fail_on: pysbx_rules::Severity::Low,
        distributions: Vec::new(),
        shard: None,
    };
    let emitter = pysbx_report::TextEmitter {
        color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        show_help: true,
    };
    let mut out = Vec::new();
    if let Err(err) = emitter.emit(&report, &mut out) {
        return format!("pysbx: {err}\n");
    }
    let text = String::from_utf8_lossy(&out).into_owned();
    // The summary is the last paragraph; one input needs no file count.
    match text.trim_end().rfind("\n\n") {
        Some(end) => format!("{}\n\n", &text[..end]),
        None => text,
    }
}

/// Whether the input so far needs more lines, as python's interactive prompt decides: an open
/// bracket or triple-quoted string, a block header without its body, or a compound statement
/// not yet closed by a blank line. Decided from the parser's answer, not by counting brackets.
fn needs_more(buf: &str) -> bool {
    use ruff_python_parser::{InterpolatedStringErrorType, LexicalErrorType, ParseErrorType};
    let ends_blank = buf.lines().last().is_none_or(|l| l.trim().is_empty());
    match ruff_python_parser::parse_module(buf) {
        Ok(parsed) => !ends_blank && parsed.suite().last().is_some_and(is_compound),
        Err(err) => {
            let at_end = usize::from(err.location.start()) >= buf.trim_end().len();
            match &err.error {
                // Inside brackets and triple-quoted strings blank lines are part of the input.
                ParseErrorType::Lexical(LexicalErrorType::Eof) => true,
                ParseErrorType::Lexical(LexicalErrorType::UnclosedStringError) => {
                    is_triple_quoted(&buf[usize::from(err.location.start())..])
                }
                ParseErrorType::Lexical(
                    LexicalErrorType::FStringError(kind) | LexicalErrorType::TStringError(kind),
                )
                | ParseErrorType::FStringError(kind)
                | ParseErrorType::TStringError(kind) => {
                    *kind == InterpolatedStringErrorType::UnterminatedTripleQuotedString
                }
                _ => at_end && !ends_blank,
            }
        }
    }
}

fn is_triple_quoted(from: &str) -> bool {
    let rest = from.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    rest.starts_with("\"\"\"") || rest.starts_with("'''")
}

fn is_compound(stmt: &ruff_python_ast::Stmt) -> bool {
    use ruff_python_ast::Stmt;
    matches!(
        stmt,
        Stmt::FunctionDef(_)
            | Stmt::ClassDef(_)
            | Stmt::If(_)
            | Stmt::For(_)
            | Stmt::While(_)
            | Stmt::With(_)
            | Stmt::Try(_)
            | Stmt::Match(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_statements_are_complete() {
        assert!(!needs_more("x = 1\n"));
        assert!(!needs_more("print(1)\n"));
        assert!(!needs_more("x = (1,\n 2)\n"));
    }

    #[test]
    fn open_brackets_and_strings_need_more() {
        assert!(needs_more("print(1,\n"));
        assert!(needs_more("x = [\n"));
        assert!(needs_more("x = [\n\n"));
        assert!(needs_more("x = \"\"\"abc\n"));
        assert!(needs_more("x = f'''{1}\n"));
    }

    #[test]
    fn blocks_wait_for_a_blank_line() {
        assert!(needs_more("def f():\n"));
        assert!(needs_more("def f():\n    return 1\n"));
        assert!(!needs_more("def f():\n    return 1\n\n"));
        assert!(needs_more("if True: pass\n"));
        assert!(needs_more("@dec\n"));
    }

    #[test]
    fn syntax_errors_are_complete() {
        assert!(!needs_more("1 +* 2\n"));
        assert!(!needs_more("def f():\n\n"));
        assert!(!needs_more("x = 'abc\n"));
    }
}
