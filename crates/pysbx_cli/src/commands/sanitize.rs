//! `pysbx sanitize`: write sources with forbidden code stripped or stubbed.
//!
//! A file goes to a file (or standard output); a directory is mirrored into an output directory
//! with non-Python files copied unchanged. Every output file is written atomically, and nothing
//! is written with `--check` or `--diff`.

use std::io::Write;

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use pysbx_report::{Emitter, FileError, FileResult, ScanReport, ScanStats};
use pysbx_rules::{Action, Finding, Severity};

use crate::args::{DEFAULT_MAX_FILE_MIB, Format, SanitizeArgs};
use crate::commands::scan::display_path;
use crate::output::{
    sync_filesystem, use_color, write_atomically, write_atomically_with, write_output,
};
use crate::pipeline::Engine;

/// One input file's fate.
enum Planned {
    /// Sanitized text that differs from the input, and the findings that changed it.
    /// `encoded` is the text in the input's own encoding (its BOM and coding cookie); `diff` is
    /// the unified diff from the decoded input, made while it was at hand (`--diff` only).
    Sanitized { encoded: Vec<u8>, applied: Vec<Finding>, diff: Option<String> },
    /// Nothing to change. Only the input's digest is kept (a tree can be larger than memory);
    /// the copy is re-read and checked against it when written, so a file swapped after it was
    /// checked is never copied through unchecked.
    /// Standard input cannot be read twice: its bytes are `kept`.
    Unchanged { digest: [u8; 32], kept: Option<Vec<u8>> },
    /// Did not parse; copied only with `--keep-unparsable`.
    Unparsable { error: FileError, bytes: Vec<u8> },
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

pub(crate) fn run(args: &SanitizeArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let engine = Engine::from_options(&args.rules)?;
    let stdin = args.input.as_os_str() == "-";
    let input_is_dir = !stdin && args.input.is_dir();
    if !stdin && !args.input.exists() {
        bail!("{}: no such file or directory", args.input.display());
    }
    if input_is_dir && args.output.is_none() && !args.check && !args.diff {
        bail!("{}: is a directory; give an output directory with -o OUT", args.input.display());
    }

    // (relative name, source path or None for stdin)
    let mut inputs: Vec<(String, Option<PathBuf>)> = Vec::new();
    let mut others: Vec<PathBuf> = Vec::new();
    if stdin {
        inputs.push(("<stdin>".to_string(), None));
    } else if input_is_dir {
        collect_tree(&args.input, &args.input, &mut inputs, &mut others)?;
    } else {
        inputs.push((display_path(&args.input), Some(args.input.clone())));
    }

    // Every file is read and checked before anything is written (all or nothing), in parallel;
    // the order of `inputs` is kept.
    let plans: Vec<Result<(String, Planned)>> = inputs
        .par_iter()
        .map(|(name, path)| {
            let bytes = match path {
                Some(p) => pysbx_files::read_regular(p, u64::MAX)
                    .with_context(|| format!("{}: cannot read", p.display()))?,
                // Standard input can be endless: held to scan's default size limit.
                None => {
                    pysbx_files::read_stream(std::io::stdin().lock(), DEFAULT_MAX_FILE_MIB << 20)
                        .context("reading standard input")?
                }
            };
            let display = path.as_deref().map_or_else(|| name.clone(), display_path);
            let stdin_bytes = path.is_none().then(|| bytes.clone());
            let mut planned = plan(&engine, &display, Path::new(&display), bytes, args.diff)?;
            if let Planned::Unchanged { kept, .. } = &mut planned {
                *kept = stdin_bytes;
            }
            Ok((display, planned))
        })
        .collect();

    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut any_change = false;
    let mut diffs = String::new();
    let mut planned_outputs: Vec<(String, Planned)> = Vec::new();
    for ((name, _), result) in inputs.iter().zip(plans) {
        let (display, planned) = result?;
        match &planned {
            Planned::Sanitized { applied, diff, .. } => {
                any_change = true;
                if let Some(diff) = diff {
                    diffs.push_str(diff);
                }
                files.push(FileResult {
                    path: display.clone(),
                    findings: applied.clone(),
                    line_hashes: None,
                });
            }
            Planned::Unchanged { .. } => files.push(FileResult {
                path: display.clone(),
                findings: Vec::new(),
                line_hashes: None,
            }),
            Planned::Unparsable { error, .. } => errors.push(error.clone()),
        }
        planned_outputs.push((name.clone(), planned));
    }

    if !errors.is_empty() && !args.keep_unparsable {
        for e in &errors {
            eprintln!("{}", describe(e));
        }
        bail!(
            "{} file(s) do not parse; nothing was written (use --keep-unparsable to copy them through unchanged)",
            errors.len()
        );
    }

    if args.diff {
        std::io::stdout().lock().write_all(diffs.as_bytes())?;
    } else if !args.check {
        write_outputs(args, input_is_dir, &planned_outputs, &others)?;
    }

    let report = ScanReport {
        rules: &engine.rules,
        files,
        errors,
        stats: ScanStats {
            files_scanned: inputs.len(),
            files_with_errors: 0,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            audit_mode: engine.audit,
            suppressed: 0,
            cached: 0,
        },
        root: std::env::current_dir().context("reading the current directory")?,
        category: None,
        fail_on: Severity::Low,
        distributions: Vec::new(),
        shard: None,
    };
    emit_report(args, &report)?;
    if args.check && any_change {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(e: &FileError) -> String {
    match (e.line, e.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}: {}", e.path, e.message),
        _ => format!("{}: {}", e.path, e.message),
    }
}

fn plan(
    engine: &Engine,
    display: &str,
    path: &Path,
    bytes: Vec<u8>,
    with_diff: bool,
) -> Result<Planned> {
    let source = match pysbx_analysis::decode_source(&bytes) {
        Ok(s) => s.into_owned(),
        Err(err) => {
            return Ok(Planned::Unparsable {
                error: FileError {
                    path: display.to_string(),
                    line: Some(err.line),
                    column: Some(err.column),
                    kind: "decode".to_string(),
                    message: err.message,
                },
                bytes,
            });
        }
    };
    let analysis = engine.analyzer.analyze(&source, path, &engine.analyze_options());
    if let Some(err) = analysis.error {
        return Ok(Planned::Unparsable {
            error: FileError {
                path: display.to_string(),
                line: Some(err.line),
                column: Some(err.column),
                kind: "syntax".to_string(),
                message: err.message,
            },
            bytes,
        });
    }
    // Removing code can change what the analysis concludes (a name no longer constant), so
    // sanitize until a further pass changes nothing: the output is then a fixed point.
    let options = engine.analyze_options();
    let sanitized =
        pysbx_rewrite::sanitize_until_stable(&source, &analysis.findings, &engine.rules, |text| {
            engine.analyzer.analyze(text, path, &options).findings
        })
        .map_err(|e| anyhow::anyhow!("{display}: internal error while sanitizing: {e}"))?;
    let applied: Vec<Finding> = sanitized
        .edits
        .iter()
        .filter(|edit| edit.round == 0)
        .filter_map(|edit| analysis.findings.get(edit.finding).cloned())
        .filter(|f| engine.rules.get(f.rule).is_some_and(|r| r.action != Action::Report))
        .collect();
    if sanitized.output == source {
        return Ok(Planned::Unchanged { digest: digest(&bytes), kept: None });
    }
    let encoded = pysbx_analysis::encode_like_source(&bytes, &sanitized.output)
        .map_err(|e| anyhow::anyhow!("{display}: cannot write the sanitized copy: {e}"))?;
    let diff = with_diff.then(|| pysbx_rewrite::unified_diff(display, &source, &sanitized.output));
    Ok(Planned::Sanitized { encoded, applied, diff })
}

/// The bytes to write for one planned file. An unchanged file is read again from `source` and
/// must still have the digest it had when it was checked.
fn planned_bytes<'p>(
    item: &'p Planned,
    source: Option<&Path>,
) -> Result<std::borrow::Cow<'p, [u8]>> {
    use std::borrow::Cow;
    match item {
        Planned::Sanitized { encoded, .. } => Ok(Cow::Borrowed(encoded)),
        Planned::Unparsable { bytes, .. } => Ok(Cow::Borrowed(bytes)),
        Planned::Unchanged { kept: Some(bytes), .. } => Ok(Cow::Borrowed(bytes)),
        Planned::Unchanged { digest: expected, kept: None } => {
            let Some(path) = source else { bail!("internal error: standard input was not kept") };
            let bytes = pysbx_files::read_regular(path, u64::MAX)
                .with_context(|| format!("{}: cannot read", path.display()))?;
            if digest(&bytes) != *expected {
                bail!(
                    "{}: changed while it was being sanitized; run pysbx sanitize again",
                    display_path(path)
                );
            }
            Ok(Cow::Owned(bytes))
        }
    }
}

fn write_outputs(
    args: &SanitizeArgs,
    input_is_dir: bool,
    planned: &[(String, Planned)],
    others: &[PathBuf],
) -> Result<()> {
    if !input_is_dir {
        let Some((_, item)) = planned.first() else { return Ok(()) };
        let source = (args.input.as_os_str() != "-").then_some(args.input.as_path());
        let bytes = planned_bytes(item, source)?;
        return write_output(args.output.as_deref(), |out| Ok(out.write_all(&bytes)?));
    }
    let Some(out_dir) = &args.output else { bail!("an output directory is required") };
    if out_dir.exists() && !out_dir.is_dir() {
        bail!("{}: exists and is not a directory", out_dir.display());
    }
    // Written in parallel, each file atomically (temporary file, then rename), and flushed to
    // disk once at the end.
    planned.par_iter().try_for_each(|(name, item)| -> Result<()> {
        let target = out_dir.join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let bytes = planned_bytes(item, Some(&args.input.join(name)))?;
        write_atomically_with(&target, false, |out| Ok(out.write_all(&bytes)?))
    })?;
    others.par_iter().try_for_each(|other| -> Result<()> {
        let relative = other.strip_prefix(&args.input).unwrap_or(other);
        let target = out_dir.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let bytes = pysbx_files::read_regular(other, u64::MAX)
            .with_context(|| format!("{}: cannot read", other.display()))?;
        write_atomically_with(&target, false, |out| Ok(out.write_all(&bytes)?))
    })?;
    sync_filesystem(out_dir)?;
    Ok(())
}

/// Collects Python files (by name or shebang) and other regular files under `dir`. Symbolic
/// links are not followed: a link could point anywhere, and mirroring must not leave the tree.
fn collect_tree(
    root: &Path,
    dir: &Path,
    python: &mut Vec<(String, Option<PathBuf>)>,
    others: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read directory", dir.display()))?
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("{}: cannot read directory", dir.display()))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().with_context(|| format!("{}: cannot stat", path.display()))?;
        if kind.is_dir() {
            if entry.file_name() == ".git" || entry.file_name() == "__pycache__" {
                continue;
            }
            collect_tree(root, &path, python, others)?;
        } else if kind.is_file() {
            let is_python = pysbx_walk::has_python_extension(&path)
                || (path.extension().is_none() && pysbx_walk::has_python_shebang(&path));
            if is_python {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
                python.push((relative.to_string_lossy().into_owned(), Some(path)));
            } else {
                others.push(path);
            }
        } else {
            eprintln!("pysbx: {}: not a regular file; not copied", display_path(&path));
        }
    }
    Ok(())
}

fn emit_report(args: &SanitizeArgs, report: &ScanReport<'_>) -> Result<()> {
    if args.quiet && args.report.is_none() {
        return Ok(());
    }
    let to_file = args.report.is_some();
    let mut buffer: Vec<u8> = Vec::new();
    match args.format {
        Format::Text => {
            pysbx_report::TextEmitter { color: use_color(args.color, to_file), show_help: false }
                .emit(report, &mut buffer)?
        }
        Format::Json => pysbx_report::JsonEmitter.emit(report, &mut buffer)?,
        Format::Sarif => pysbx_report::SarifEmitter.emit(report, &mut buffer)?,
        Format::Github => pysbx_report::GithubEmitter.emit(report, &mut buffer)?,
    }
    match &args.report {
        Some(path) => write_atomically(path, |out| Ok(out.write_all(&buffer)?)),
        None => {
            std::io::stderr().lock().write_all(&buffer)?;
            Ok(())
        }
    }
}
