//! `pysbx policy`: check a sandbox policy file, print the effective policy, or explain what a
//! policy gives on this machine (its grants in words and the isolation tier a probe run got).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use pysbx_sandbox::{ExecRequest, Policy, Program};

/// Arguments of `pysbx policy`.
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    pub(crate) command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum PolicyCommand {
    /// Validate policy files; exit 2 with `file:line:col` on the first error of each.
    Check {
        /// Policy files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the effective policy (defaults filled in) as JSON.
    Show {
        /// A policy file; without one, the default policy.
        file: Option<PathBuf>,
    },
    /// Explain a policy: its grants in words, the effective policy, and the isolation tier this
    /// machine gives (probed by running an empty program under it; no user code runs).
    Explain {
        /// A policy file; without one, the default policy.
        file: Option<PathBuf>,
        /// The interpreter to probe with (default: `python3` on PATH).
        #[arg(long, value_name = "PYTHON")]
        python: Option<PathBuf>,
        /// Print `{"policy": ..., "tier": ..., "end": ...}` as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(args: &PolicyArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        PolicyCommand::Check { files } => {
            let mut failed = false;
            for file in files {
                match pysbx_sandbox::policy::load_policy_file(file) {
                    Ok(_) => println!("{}: ok", file.display()),
                    Err(err) => {
                        eprintln!("{err}");
                        failed = true;
                    }
                }
            }
            Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
        PolicyCommand::Show { file } => {
            let policy = match file {
                Some(file) => pysbx_sandbox::policy::load_policy_file(file)?,
                None => pysbx_sandbox::Policy::default(),
            };
            println!("{}", serde_json::to_string_pretty(&policy)?);
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Explain { file, python, json } => explain(file.as_deref(), python, *json),
    }
}

fn explain(file: Option<&Path>, python: &Option<PathBuf>, json: bool) -> anyhow::Result<ExitCode> {
    let policy = match file {
        Some(file) => pysbx_sandbox::policy::load_policy_file(file)?,
        None => pysbx_sandbox::Policy::default(),
    };
    // The probe is an empty program under the policy itself: the tier is exactly what a real
    // run gets (a network namespace or not, Landlock's ABI, the uid drop...). Its alerts and
    // its working directory are left out, so explaining has no effect outside the sandbox.
    let mut probe_policy = policy.clone();
    probe_policy.alerts.clear();
    probe_policy.fs.workdir = None;
    probe_policy.features.stdin = false;
    let outcome = pysbx_sandbox::run(ExecRequest {
        program: Program::Code { code: "pass".into(), args: Vec::new(), from_stdin: false },
        policy: probe_policy,
        interpreter: python.clone(),
        gate: pysbx_sandbox::passthrough_gate(),
        gate_reads: false,
        require: Vec::new(),
        live_stderr: false,
        trampoline: None,
        unbuffered: false,
        library_notes: false,
    })
    .context("probe the isolation layers")?;
    // What the static gate of `pysbx exec` does with the built-in rules under this policy.
    let builtin = crate::args::RuleOptions::builtin_only();
    let before = crate::pipeline::EngineRules::load(&builtin)?;
    let mut rules = crate::pipeline::EngineRules::load(&builtin)?;
    rules.grant(&policy);
    let (reported, singles, stubbed) = rules.gate_stance(&before);
    if json {
        let doc = serde_json::json!({
            "policy": policy,
            "gate": {"reports_families": reported, "reports_rules": singles, "stubs_families": stubbed},
            "tier": outcome.tier,
            "interpreter": outcome.interpreter,
            "probe": outcome.end,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    let name = file.map_or_else(|| "the default policy".to_string(), |f| f.display().to_string());
    println!("policy: {name}");
    for line in grants(&policy) {
        println!("  {line}");
    }
    println!(
        "  static gate of `pysbx exec`: leaves in place (reports) the rules of {}{}; stubs the \
         others of {}",
        reported.join(", "),
        if singles.is_empty() { String::new() } else { format!(", and {}", singles.join(", ")) },
        stubbed.join(", ")
    );
    println!(
        "isolation tier on this machine (probe: {} with {}):",
        outcome.end.message,
        outcome.interpreter.executable.display()
    );
    print!("{}", outcome.tier.summary());
    println!("effective policy (defaults filled in):");
    println!("{}", serde_json::to_string_pretty(&policy)?);
    Ok(ExitCode::SUCCESS)
}

/// The policy's grants, one readable sentence each.
fn grants(p: &Policy) -> Vec<String> {
    let list =
        |v: &[PathBuf]| v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
    let mut out = Vec::new();
    out.push(if p.fs.read.is_empty() {
        "read: the interpreter's runtime and the script's directory only".into()
    } else {
        format!("read: the runtime, the script's directory and {}", list(&p.fs.read))
    });
    out.push(match (&p.fs.workdir, p.fs.write.is_empty()) {
        (None, true) => {
            "write: a private working directory and TMPDIR, removed after the run".into()
        }
        (None, false) => {
            format!("write: a private working directory, TMPDIR and {}", list(&p.fs.write))
        }
        (Some(w), _) => format!(
            "write: the working directory {} (kept), TMPDIR{}",
            w.display(),
            if p.fs.write.is_empty() {
                String::new()
            } else {
                format!(" and {}", list(&p.fs.write))
            }
        ),
    });
    out.push(if p.net.is_empty() {
        "network: none for the program as a whole".into()
    } else {
        format!("network: {}", p.net.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
    });
    if !p.any_network() {
        out.push(
            "  (no module has network either: a network namespace with only loopback down)".into(),
        );
    }
    out.push(format!("processes: {}", if p.process { "allowed" } else { "refused" }));
    out.push(format!(
        "foreign code (ctypes, cffi, native modules): {}",
        if p.ffi { "allowed" } else { "refused" }
    ));
    out.push(format!(
        "code made at run time (compile, exec, eval of strings, code objects): {}",
        if p.code { "allowed" } else { "refused" }
    ));
    for (module, g) in &p.modules {
        let mut parts = Vec::new();
        if !g.read.is_empty() {
            parts.push(format!("read {}", list(&g.read)));
        }
        if !g.write.is_empty() {
            parts.push(format!("write {}", list(&g.write)));
        }
        if !g.net.is_empty() {
            parts.push(format!(
                "net {}",
                g.net.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ));
        }
        if g.process {
            parts.push("processes".into());
        }
        if g.ffi {
            parts.push("foreign code".into());
        }
        if g.code {
            parts.push("code made at run time".into());
        }
        out.push(format!("module {module} (and its submodules) may also: {}", parts.join("; ")));
    }
    let l = &p.limits;
    out.push(format!(
        "limits: {} s CPU, {} s wall, {} MiB memory, {} MiB per file, {} open files, {} tasks, output {}",
        l.cpu_s,
        l.wall_s,
        l.memory_mb,
        l.file_size_mb,
        l.open_files,
        l.processes,
        l.output_mb.map_or_else(|| "unlimited".into(), |m| format!("{m} MiB"))
    ));
    out.push(format!(
        "on violation: {}",
        match p.on_violation {
            pysbx_sandbox::policy::OnViolation::Raise => "raise pysbx.PolicyViolation",
            pysbx_sandbox::policy::OnViolation::Kill => "kill the program",
        }
    ));
    out
}
