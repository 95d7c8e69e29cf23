//! Command-line arguments (clap derive). Subcommands owned by the sandbox (`exec`, `policy`)
//! declare their arguments beside their implementation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pysbx_rules::Severity;

/// `--max-file-size`'s default, in MiB; also the most a program read from standard input may be
/// (`pysbx sanitize -`, a program piped to `pysbx repl`).
pub(crate) const DEFAULT_MAX_FILE_MIB: u64 = 32;

/// A static gate and kernel-confined sandbox for untrusted Python.
#[derive(Debug, Parser)]
#[command(name = "pysbx", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Scan Python files, directories and archives for dangerous code.
    Scan(ScanArgs),
    /// Write a copy of Python sources with forbidden code stripped or stubbed.
    Sanitize(SanitizeArgs),
    /// Run a Python program sanitized and confined by the kernel.
    Exec(crate::commands::exec::ExecArgs),
    /// An interactive Python: each input scanned, sanitized and run in one confined
    /// interpreter (also `pysbx -i`).
    Repl(crate::commands::repl::ReplArgs),
    /// Check or explain a sandbox policy file.
    Policy(crate::commands::policy::PolicyArgs),
    /// List, show and validate rules.
    Rules(RulesArgs),
    /// Combine JSON or SARIF outputs of several scans (shards) into one.
    Merge(MergeArgs),
}

/// Output format of `scan` and `sanitize` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Human-readable diagnostics with source snippets.
    Text,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF consumers.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

/// When to colour terminal output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Options shared by every command that selects and configures rules.
#[derive(Debug, Clone, Args)]
pub(crate) struct RuleOptions {
    /// An extra rule pack (YAML) to load; repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    pub(crate) rule_files: Vec<PathBuf>,
    /// Only these rules (ids or names, comma separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub(crate) select: Vec<String>,
    /// Skip these rules (ids or names, comma separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub(crate) ignore: Vec<String>,
    /// Configuration file (default: pysbx.yaml or [tool.pysbx] in pyproject.toml, searched
    /// from the current directory upward).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Do not read any configuration file.
    #[arg(long, conflicts_with = "config")]
    pub(crate) no_config: bool,
    /// Audit mode: ignore suppression comments and configuration found inside scanned trees,
    /// apply no default excludes.
    #[arg(long)]
    pub(crate) audit: bool,
}

impl RuleOptions {
    /// The built-in rules alone: no pack, selection or configuration.
    pub(crate) fn builtin_only() -> Self {
        Self {
            rule_files: Vec::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            config: None,
            no_config: true,
            audit: false,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Files, directories or `-` for standard input. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) rules: RuleOptions,
    /// Never switch audit mode on by itself: treat every input as the user's own code (its
    /// suppression comments and configuration count), even installed packages, archives and
    /// files outside any git work tree.
    #[arg(long, conflicts_with = "audit")]
    pub(crate) no_audit: bool,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Exit 1 only for findings at or above this severity (default: from configuration, else low).
    #[arg(long, value_name = "SEVERITY")]
    pub(crate) fail_on: Option<Severity>,
    /// When to use colours in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// SARIF `runAutomationDetails.id` (e.g. `pysbx/site-packages/`).
    #[arg(long, value_name = "ID")]
    pub(crate) category: Option<String>,
    /// Name to report for source read from standard input.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub(crate) stdin_filename: String,
    /// Exclude paths matching this glob (repeatable; also applies to explicitly given files).
    #[arg(long, value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// Number of worker threads, 1 to 256 (default: number of cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) threads: Option<u16>,
    /// No progress bar or summary chatter on standard error.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
    /// Files (and archive members) larger than this many MiB are reported as errors instead of
    /// being scanned.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MAX_FILE_MIB)]
    pub(crate) max_file_size: u64,
    /// Stop analysing a file after this many seconds (fractions allowed) and report it as a
    /// `timeout` error; 0: no limit.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub(crate) max_file_time: std::time::Duration,
    /// Do not read or write the scan cache.
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Where the scan cache lives (default: `.pysbx_cache` in the repository root, the nearest
    /// directory upward holding `.git` or the configuration file). Not used in audit mode.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Scan only shard I of N (1 ≤ I ≤ N): a deterministic partition of the input files by a
    /// hash of their path, for job arrays; combine the outputs with `pysbx merge`.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub(crate) shard: Option<(u64, u64)>,
    /// Write the findings of this scan as a baseline file (then exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub(crate) write_baseline: Option<PathBuf>,
}

/// Parses a non-negative number of seconds, fractions allowed.
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 =
        text.trim().parse().map_err(|_| format!("`{text}`: expected a number of seconds"))?;
    std::time::Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("`{text}`: expected a finite number of seconds, 0 or more"))
}

/// Parses `I/N` with `1 <= I <= N`.
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (i, n) = text.split_once('/').ok_or_else(|| format!("`{text}`: expected I/N, like 2/8"))?;
    let i: u64 = i.trim().parse().map_err(|_| format!("`{text}`: I is not a number"))?;
    let n: u64 = n.trim().parse().map_err(|_| format!("`{text}`: N is not a number"))?;
    if n == 0 || i == 0 || i > n {
        return Err(format!("`{text}`: expected 1 <= I <= N"));
    }
    Ok((i, n))
}

#[derive(Debug, Args)]
pub(crate) struct SanitizeArgs {
    /// A Python file, a directory, or `-` for standard input.
    #[arg(value_name = "PATH")]
    pub(crate) input: PathBuf,
    /// Output file or directory (`-` or absent: standard output, for a single file).
    #[arg(long, short = 'o', value_name = "OUT")]
    pub(crate) output: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) rules: RuleOptions,
    /// Change nothing; exit 1 if anything would change.
    #[arg(long)]
    pub(crate) check: bool,
    /// Print a unified diff of the changes instead of writing output.
    #[arg(long)]
    pub(crate) diff: bool,
    /// Report format for the edits made (written to standard error, or `--report FILE`).
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,
    /// Write the report of edits to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,
    /// Copy files that do not parse through unchanged (default: an error).
    #[arg(long)]
    pub(crate) keep_unparsable: bool,
    /// When to use colours in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// No summary on standard error.
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RulesArgs {
    #[command(subcommand)]
    pub(crate) command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RulesCommand {
    /// List the enabled rules.
    List {
        #[command(flatten)]
        rules: RuleOptions,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one rule with its help.
    Show {
        /// Rule id or name.
        id: String,
        #[command(flatten)]
        rules: RuleOptions,
    },
    /// Validate rule pack files; exit 2 with `file:line:col` on the first error of each.
    Validate {
        /// Rule pack files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write one Markdown page per rule into a directory (docs/rules).
    Markdown {
        /// Output directory.
        #[arg(long, short = 'o', default_value = "docs/rules")]
        output: PathBuf,
        /// Exit 1 if the directory's pages differ from what would be written; write nothing.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// JSON or SARIF outputs of `pysbx scan` to combine (all of one format).
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Where to write the merged document (default: standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}
