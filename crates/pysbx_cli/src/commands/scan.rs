//! `pysbx scan`: discover, analyse in parallel, sort, report.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use pysbx_report::{Emitter, FileError, FileResult, ScanReport, ScanStats};
use pysbx_rules::Severity;
use rayon::prelude::*;

use crate::args::{Format, ScanArgs};
use crate::output::{use_color, write_output};
use crate::pipeline::{Engine, FileFailure, FileOutcome};

/// The name standing for standard input on the command line.
const STDIN: &str = "-";

pub(crate) fn run(args: &ScanArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let paths: Vec<PathBuf> =
        if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut rule_options = args.rules.clone();
    let auto_audit =
        !rule_options.audit && !args.no_audit && paths.iter().any(|p| needs_audit_mode(p));
    rule_options.audit |= auto_audit;
    let mut engine = Engine::from_options(&rule_options)?;
    engine.max_file_bytes = args.max_file_size.saturating_mul(1 << 20);
    engine.max_file_time = (!args.max_file_time.is_zero()).then_some(args.max_file_time);
    let audit = engine.audit;
    // Audit mode scans trees that are not the user's: it neither trusts nor writes state there.
    if !audit && !args.no_cache {
        engine.cache = open_cache(&engine, args.cache_dir.as_deref(), args.quiet);
    }

    // Each pattern is checked where it was given, so that an error names that place.
    pysbx_walk::Excludes::new(&args.exclude).context("--exclude")?;
    let mut excludes = args.exclude.clone();
    if let Some(cfg) = &engine.config {
        pysbx_walk::Excludes::new(&cfg.config.exclude)
            .with_context(|| format!("{}: exclude", cfg.path.display()))?;
        excludes.extend(cfg.config.exclude.iter().cloned());
    }
    let excludes = pysbx_walk::Excludes::new(&excludes)?;
    // Workers get stacks deep enough for the parser on almost every file, so the engine rarely
    // has to map a fresh stack per file (see `pysbx_analysis::WORKER_STACK_BYTES`). Only fails
    // if a pool was already built, which cannot happen this early.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.map_or(0, usize::from))
        .stack_size(pysbx_analysis::WORKER_STACK_BYTES)
        .build_global();

    let want_hashes = args.format == Format::Sarif;
    let (stdin_paths, fs_paths): (Vec<PathBuf>, Vec<PathBuf>) =
        paths.into_iter().partition(|p| p.as_os_str() == STDIN);
    let walk_options = pysbx_walk::WalkOptions {
        respect_ignore_files: !audit,
        exclude: Vec::new(),
        threads: args.threads.map_or(0, usize::from),
    };
    let discovery = if fs_paths.is_empty() {
        pysbx_walk::Discovery::default()
    } else {
        pysbx_walk::discover(&fs_paths, &walk_options, &excludes)
    };
    // Exit 2 is for the paths named on the command line (missing, or neither a file nor a
    // directory); what the walk meets inside a directory (a dangling link, a link to a
    // device, an unreadable subdirectory) is an error of the scan, exit 1, as an unreadable
    // file is: a package must not make a CI run look like a usage error.
    let missing_paths = discovery.errors.iter().any(|e| fs_paths.contains(&e.path));
    // The in-tree build backends the scanned projects name, analysed as install-time code:
    // the projects found by the walk, and those above the paths given (pre-commit names
    // changed files only, never `pyproject.toml`).
    let mut projects: std::collections::BTreeSet<PathBuf> =
        discovery.projects.iter().cloned().collect();
    projects.extend(enclosing_projects(&fs_paths));
    // Each metadata file read once: for its build backend, its pytest plugins and, below, the
    // commands it declares.
    let metadata_texts: HashMap<PathBuf, Result<String, String>> = projects
        .iter()
        .chain(&discovery.metadata)
        .map(|p| {
            let text =
                pysbx_files::read_text(p, pysbx_files::TEXT_LIMIT).map_err(|e| e.to_string());
            (p.clone(), text)
        })
        .collect();
    for project in &projects {
        let Some(Ok(text)) = metadata_texts.get(project) else { continue };
        let dir = project.parent().unwrap_or(Path::new(""));
        for file in crate::build_backend::backend_files(text) {
            engine.build_backends.insert(dir.join(file));
        }
    }
    // The pytest plugins the scanned projects and installed distributions declare, read as
    // `conftest.py` files are (see `crate::entry_points::pytest_plugin_files`).
    for (declaring, text) in &metadata_texts {
        if let Ok(text) = text {
            engine.pytest_plugins.extend(crate::entry_points::pytest_plugin_files(declaring, text));
        }
    }
    let setup_scripts =
        discovery.files.iter().filter(|p| p.file_name().is_some_and(|n| n == "setup.py"));
    for declaring in setup_scripts {
        let Ok(text) = pysbx_files::read_text(declaring, pysbx_files::TEXT_LIMIT) else {
            continue;
        };
        engine.pytest_plugins.extend(crate::entry_points::pytest_plugin_files(declaring, &text));
    }
    let mut discovery = discovery;
    if let Some((index, count)) = args.shard {
        let keep = |p: &PathBuf| shard_of(&display_path(p), count) == index - 1;
        discovery.files.retain(keep);
        discovery.archives.retain(keep);
        discovery.bytecode.retain(keep);
        discovery.metadata.retain(keep);
    }

    // Installed distributions' metadata: who owns each file, and the hashes it was installed
    // with, checked as each file is read.
    let ownership = crate::distributions::Ownership::index(&fs_paths);
    let progress =
        crate::output::progress_bar(discovery.files.len() + discovery.archives.len(), args.quiet);
    let mut scanned_files: Vec<(String, FileOutcome, Option<String>)> = discovery
        .files
        .par_iter()
        .map(|path| {
            let shown = display_path(path);
            let mut changed = None;
            let outcome = engine.scan_file(path, want_hashes, |bytes| {
                if let Some((owner, hash)) = ownership.recorded(&shown) {
                    changed = hash.mismatch(bytes, owner);
                }
            });
            progress.inc(1);
            (shown, outcome, changed)
        })
        .collect();
    // Modules of a package that its entry files call at import time: read again as run there.
    // The entry files of the scanned modules' packages that the scan was not given (a
    // pre-commit run names the changed files only; a shard holds part of a tree) are read
    // too, for what they call alone: their own findings belong to another scan.
    let companions = if engine.analyzer.follows_entry_files() {
        crate::entry_calls::missing_entry_files(&discovery.files)
    } else {
        Vec::new()
    };
    let scanned = scanned_files.len();
    let hits_before = engine.cache.as_ref().map_or(0, |cache| cache.hits());
    scanned_files.par_extend(
        companions
            .par_iter()
            .map(|path| (display_path(path), engine.scan_file(path, want_hashes, |_| {}), None)),
    );
    // Not scanned for the report: not counted among the files taken from the cache either.
    let companion_hits =
        engine.cache.as_ref().map_or(0, |cache| cache.hits()).saturating_sub(hits_before);
    let paths: Vec<&Path> =
        discovery.files.iter().chain(&companions).map(PathBuf::as_path).collect();
    let entry_failures = crate::entry_calls::follow(
        &engine.rules,
        &paths,
        &mut scanned_files,
        |item| &mut item.1,
        |wanted| {
            wanted
                .into_par_iter()
                .filter_map(|(at, entry)| {
                    let path = paths.get(at)?;
                    let outcome = match pysbx_files::read_regular(path, engine.max_file_bytes) {
                        Ok(bytes) => engine.scan_called_by_entry(path, &bytes, want_hashes, entry),
                        Err(err) => FileOutcome::Failed(FileFailure::unread(&err)),
                    };
                    Some((at, outcome))
                })
                .collect()
        },
    );
    // Files that were read but are wrong against their RECORD, modules not read again for
    // their entry files, and archives' problems.
    let mut found_errors: Vec<FileError> = Vec::new();
    scanned_files.truncate(scanned);
    for (at, message) in entry_failures {
        if let Some(path) = paths.get(at).filter(|_| at < scanned) {
            found_errors.push(entry_error(display_path(path), message));
        }
    }
    // Collected in place (a vector of 33,823 files is about 6 MiB: a second one beside it was
    // the peak of a large scan's memory).
    let mut results: Vec<(String, FileOutcome)> = scanned_files
        .into_iter()
        .map(|(path, outcome, changed)| {
            if let Some(message) = changed {
                found_errors.push(record_error(path.clone(), message));
            }
            (path, outcome)
        })
        .collect();
    // The commands the walked trees' metadata files declare (see `crate::entry_points`).
    let in_shard = |p: &PathBuf| {
        args.shard.is_none_or(|(index, count)| shard_of(&display_path(p), count) == index - 1)
    };
    let metadata: Vec<&PathBuf> =
        discovery.projects.iter().filter(|p| in_shard(p)).chain(&discovery.metadata).collect();
    for path in metadata {
        let shown = display_path(path);
        match metadata_texts.get(path) {
            Some(Ok(text)) => {
                if let Some(outcome) = engine.scan_metadata(path, text) {
                    results.push((shown, outcome));
                }
            }
            Some(Err(message)) => found_errors.push(FileError {
                path: shown,
                line: None,
                column: None,
                kind: "read".to_string(),
                message: message.clone(),
            }),
            None => {}
        }
    }
    let archive_results: Vec<ArchiveScan> = discovery
        .archives
        .par_iter()
        .map(|archive| {
            let result = scan_archive(&engine, archive, want_hashes);
            progress.inc(1);
            result
        })
        .collect();
    progress.finish_and_clear();
    for (outcomes, errs) in archive_results {
        results.extend(outcomes);
        found_errors.extend(errs);
    }
    if !stdin_paths.is_empty() {
        // Standard input can be endless: it is held to the same size limit as a file.
        let name = Path::new(&args.stdin_filename);
        let outcome = match pysbx_files::read_stream(std::io::stdin().lock(), engine.max_file_bytes)
        {
            Ok(bytes) => engine.scan_bytes(name, &bytes, want_hashes, false),
            Err(err) => FileOutcome::Failed(FileFailure::unread(&err)),
        };
        results.push((args.stdin_filename.clone(), outcome));
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let mut errors: Vec<FileError> = discovery
        .errors
        .iter()
        .map(|e| FileError {
            path: display_path(&e.path),
            line: None,
            column: None,
            kind: "read".to_string(),
            message: e.message.clone(),
        })
        .collect();
    errors.extend(found_errors);
    errors.extend(discovery.bytecode.iter().map(|path| FileError {
        path: display_path(path),
        line: None,
        column: None,
        kind: "bytecode".to_string(),
        message: pysbx_walk::SOURCELESS_BYTECODE.to_string(),
    }));
    let mut suppressed = 0;
    let mut scanned = 0;
    // Files read whose analysis failed: scanned, and counted so per distribution.
    let mut failed: Vec<String> = Vec::new();
    // In place, as `results` was.
    let mut files: Vec<FileResult> = results
        .into_iter()
        .filter_map(|(path, outcome)| {
            scanned += 1;
            match outcome {
                FileOutcome::Analysed {
                    findings,
                    suppressed: s,
                    line_hashes,
                    syntax_error,
                    ..
                } => {
                    suppressed += s;
                    // Read despite a syntax error: counted once, as a file with findings, and
                    // its error reported beside them.
                    if let Some(FileFailure { kind, message, line, column }) = syntax_error {
                        errors.push(FileError {
                            path: path.clone(),
                            line,
                            column,
                            kind: kind.to_string(),
                            message,
                        });
                    }
                    Some(FileResult { path, findings, line_hashes })
                }
                FileOutcome::Failed(FileFailure { kind, message, line, column }) => {
                    failed.push(path.clone());
                    errors.push(FileError { path, line, column, kind: kind.to_string(), message });
                    None
                }
            }
        })
        .collect();
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    let cached = engine.cache.as_ref().map_or(0, |cache| {
        cache.finish();
        if cache.write_failures() > 0 && !args.quiet {
            eprintln!(
                "pysbx: warning: {} cache entries could not be written",
                cache.write_failures()
            );
        }
        cache.hits().saturating_sub(companion_hits)
    });
    if let Some(path) = &args.write_baseline {
        crate::baseline::write_baseline(path, &engine.rules, &files)?;
        let total: usize = files.iter().map(|f| f.findings.len()).sum();
        if !args.quiet {
            eprintln!("pysbx: wrote a baseline of {total} finding(s) to {}", path.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.baseline {
        let hidden = crate::baseline::apply_baseline(path, &engine.rules, &mut files)?;
        suppressed += hidden;
    }

    let fail_on = args
        .fail_on
        .or_else(|| engine.config.as_ref().and_then(|c| c.config.fail_on))
        .unwrap_or(Severity::Low);
    let failing = files
        .iter()
        .flat_map(|f| &f.findings)
        .filter_map(|f| engine.rules.get(f.rule))
        .any(|rule| rule.severity >= fail_on);
    let distributions = if ownership.is_empty() && discovery.archives.is_empty() {
        Vec::new()
    } else {
        let changed: Vec<&str> =
            errors.iter().filter(|e| e.kind == RECORD_ERROR).map(|e| e.path.as_str()).collect();
        let failed: Vec<&str> = failed.iter().map(String::as_str).collect();
        let other: Vec<&FileError> = errors.iter().filter(|e| e.kind != RECORD_ERROR).collect();
        let problems = crate::distributions::Problems {
            record_mismatches: &changed,
            failed: &failed,
            errors: &other,
        };
        crate::distributions::summarize(&ownership, &engine.rules, &files, &problems)
    };
    let root = std::env::current_dir().context("reading the current directory")?;
    let stats = ScanStats {
        files_scanned: scanned,
        files_with_errors: errors.len(),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        audit_mode: audit,
        suppressed,
        cached,
    };
    let report = ScanReport {
        rules: &engine.rules,
        files,
        errors,
        stats,
        root,
        category: args.category.clone(),
        fail_on,
        distributions,
        shard: args.shard.map(|(index, count)| pysbx_report::Shard { index, count }),
    };
    let to_file = args.output.as_ref().is_some_and(|p| p.as_os_str() != STDIN);
    write_output(args.output.as_deref(), |out| {
        match args.format {
            Format::Text => {
                let emitter = pysbx_report::TextEmitter {
                    color: use_color(args.color, to_file),
                    show_help: true,
                };
                emitter.emit(&report, out)?;
            }
            Format::Json => pysbx_report::JsonEmitter.emit(&report, out)?,
            Format::Sarif => {
                if let Some(warning) = pysbx_report::SarifEmitter.emit_checked(&report, out)? {
                    eprintln!("pysbx: warning: {warning}");
                }
            }
            Format::Github => pysbx_report::GithubEmitter.emit(&report, out)?,
        }
        Ok(())
    })?;
    if auto_audit && !args.quiet && args.format != Format::Text {
        eprintln!("pysbx: audit mode: suppressions and in-tree configuration are ignored");
    }
    if missing_paths {
        return Ok(ExitCode::from(2));
    }
    if failing || !report.errors.is_empty() {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens the scan cache: `dir`, else `.pysbx_cache` in the repository root. A cache that cannot
/// be opened is a warning, never an error: the scan runs without it.
fn open_cache(engine: &Engine, dir: Option<&Path>, quiet: bool) -> Option<crate::cache::Cache> {
    let root = match dir {
        Some(dir) => dir.to_path_buf(),
        None => repository_root(engine.config.as_ref())?.join(".pysbx_cache"),
    };
    let fingerprint = crate::cache::fingerprint(&crate::cache::FingerprintInputs {
        rules: &engine.rules,
        honor_suppressions: engine.analyze_options().honor_suppressions,
        max_file_bytes: engine.max_file_bytes,
    });
    match crate::cache::Cache::open(&root, fingerprint) {
        Ok(cache) => Some(cache),
        Err(err) => {
            if !quiet {
                eprintln!(
                    "pysbx: warning: scan cache off: cannot create {}: {}",
                    root.display(),
                    pysbx_files::describe_io_error(&err)
                );
            }
            None
        }
    }
}

/// The nearest directory from the current one upward that holds `.git` or the configuration
/// file in force; the current directory when there is none.
fn repository_root(config: Option<&pysbx_rules::LoadedConfig>) -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    let config_dir = config
        .and_then(|c| c.path.parent())
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()));
    let found = cwd.ancestors().find(|dir| {
        dir.join(".git").exists()
            || config_dir.as_deref().is_some_and(|c| {
                std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf()) == c
            })
    });
    Some(found.map_or_else(|| cwd.clone(), Path::to_path_buf))
}

/// The `pyproject.toml` files above the paths given, up to the top of a git work tree or of the
/// path as written: those of a file's own directory and its ancestors, and of a directory's
/// ancestors (its own, and those below it, the walk finds). Each directory is looked at once,
/// and the directories inside a walk are not looked at again.
fn enclosing_projects(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut seen: HashSet<&Path> = HashSet::new();
    let mut found = Vec::new();
    for path in paths {
        // `.` has the parent `` (the same directory), whose `pyproject.toml` the walk reads.
        let here = path.components().all(|c| c == std::path::Component::CurDir);
        let mut dir = if here { None } else { path.parent() };
        while let Some(d) = dir {
            if !seen.insert(d) {
                break;
            }
            let candidate = d.join("pyproject.toml");
            if candidate.is_file() {
                found.push(candidate);
            }
            if d.join(".git").exists() {
                break;
            }
            dir = d.parent();
        }
    }
    found
}

/// The error kind of a file whose bytes its distribution's RECORD does not vouch for.
const RECORD_ERROR: &str = "record";

fn record_error(path: String, message: String) -> FileError {
    FileError { path, line: None, column: None, kind: RECORD_ERROR.to_string(), message }
}

/// A module read (its findings kept) that could not be read again as an entry file runs it.
fn entry_error(path: String, message: String) -> FileError {
    FileError { path, line: None, column: None, kind: "entry".to_string(), message }
}

/// The outcomes of one archive's members and the problems met while reading it.
type ArchiveScan = (Vec<(String, FileOutcome)>, Vec<FileError>);

/// Scans the Python members of one archive in memory. Members are reported as
/// `archive!/member` in every format. A member that a `pyproject.toml` of the archive names as
/// its in-tree build backend is analysed as one; when it came before that `pyproject.toml` (a
/// tarball is read in order), the archive is read a second time for it alone.
fn scan_archive(engine: &Engine, archive: &Path, want_hashes: bool) -> ArchiveScan {
    use pysbx_walk::archive::{ArchiveEntry, ArchiveLimits, archive_kind, read_archive};
    let shown = display_path(archive);
    let mut outcomes: Vec<(String, FileOutcome)> = Vec::new();
    let mut errors = Vec::new();
    // Discovery sends archives by name, and zip applications (a python shebang on a zip).
    let kind = archive_kind(archive).unwrap_or(pysbx_walk::archive::ArchiveKind::Zip);
    let mut backends: HashSet<String> = HashSet::new();
    let mut records = crate::record::ArchiveRecords::default();
    // The members analysed as backends (their `pyproject.toml` came first).
    let mut analysed_as_backends: HashSet<String> = HashSet::new();
    let problem = |path: String, message: String| FileError {
        path,
        line: None,
        column: None,
        kind: crate::distributions::ARCHIVE_ERROR.to_string(),
        message,
    };
    // A member is a file like any other: `--max-file-size` holds for it too.
    let limits =
        ArchiveLimits { max_member_bytes: engine.max_file_bytes, ..ArchiveLimits::default() };
    let result = read_archive(archive, kind, limits, &mut |entry| match entry {
        ArchiveEntry::Source { name, bytes } => {
            let member = format!("{shown}!/{name}");
            if let Some(message) = records.check(&name, &bytes) {
                errors.push(record_error(member.clone(), message));
            }
            let backend = backends.contains(&name);
            let outcome = engine.scan_bytes(Path::new(&member), &bytes, want_hashes, backend);
            if backend {
                analysed_as_backends.insert(name);
            }
            outcomes.push((member, outcome));
        }
        ArchiveEntry::Project { name, bytes } => {
            let dir = name.rsplit_once('/').map_or("", |(dir, _)| dir);
            let text = String::from_utf8_lossy(&bytes);
            for file in crate::build_backend::backend_files(&text) {
                backends.insert(if dir.is_empty() { file } else { format!("{dir}/{file}") });
            }
            let member = format!("{shown}!/{name}");
            if let Some(outcome) = engine.scan_metadata(Path::new(&member), &text) {
                outcomes.push((member, outcome));
            }
        }
        ArchiveEntry::Metadata { name, bytes } => {
            let member = format!("{shown}!/{name}");
            if let Some(message) = records.check(&name, &bytes) {
                errors.push(record_error(member.clone(), message));
            }
            let text = String::from_utf8_lossy(&bytes);
            if let Some(outcome) = engine.scan_metadata(Path::new(&member), &text) {
                outcomes.push((member, outcome));
            }
        }
        ArchiveEntry::Record { name, bytes } => records.add(&name, &bytes),
        ArchiveEntry::Problem { name, message } => {
            errors.push(problem(format!("{shown}!/{name}"), message));
        }
    });
    if let Err(err) = result {
        errors.push(problem(shown.clone(), err.to_string()));
    }
    // Backends read before the `pyproject.toml` that names them: scanned again, as backends.
    let prefix = format!("{shown}!/");
    let missed: HashMap<String, usize> = outcomes
        .iter()
        .enumerate()
        .filter_map(|(index, (member, _))| {
            let name = member.strip_prefix(&prefix)?;
            (backends.contains(name) && !analysed_as_backends.contains(name))
                .then(|| (name.to_string(), index))
        })
        .collect();
    if !missed.is_empty() {
        sources_again(archive, kind, limits, &mut |name, bytes| {
            if let Some(&index) = missed.get(name) {
                let member = format!("{shown}!/{name}");
                outcomes[index].1 = engine.scan_bytes(Path::new(&member), bytes, want_hashes, true);
            }
        });
    }
    // Modules the archive's entry files call at import time: read again as run there (one
    // more read of the archive per round, as for the backends above).
    let names: Vec<PathBuf> = outcomes
        .iter()
        .map(|(member, _)| PathBuf::from(member.strip_prefix(&prefix).unwrap_or(member)))
        .collect();
    let paths: Vec<&Path> = names.iter().map(PathBuf::as_path).collect();
    let entry_failures = crate::entry_calls::follow(
        &engine.rules,
        &paths,
        &mut outcomes,
        |item| &mut item.1,
        |wanted| {
            let mut wanted: HashMap<&Path, (usize, pysbx_analysis::CalledByEntry)> = wanted
                .into_iter()
                .filter_map(|(at, entry)| Some((*paths.get(at)?, (at, entry))))
                .collect();
            let mut again = Vec::new();
            sources_again(archive, kind, limits, &mut |name, bytes| {
                if let Some((at, called)) = wanted.remove(Path::new(name)) {
                    let member = format!("{shown}!/{name}");
                    let path = Path::new(&member);
                    again.push((at, engine.scan_called_by_entry(path, bytes, want_hashes, called)));
                }
            });
            // Members the second read of the archive did not meet (it changed since the first).
            again.extend(wanted.into_values().map(|(at, _)| {
                let failure = FileFailure {
                    kind: "read",
                    message: "the member was not found when the archive was read again".into(),
                    line: None,
                    column: None,
                };
                (at, FileOutcome::Failed(failure))
            }));
            again
        },
    );
    for (at, message) in entry_failures {
        if let Some((member, _)) = outcomes.get(at) {
            errors.push(entry_error(member.clone(), message));
        }
    }
    (outcomes, errors)
}

/// Reads an archive already read whole once again, handing each Python source member to
/// `visit`: a second read meets the same limits, or the same error, already reported.
fn sources_again(
    archive: &Path,
    kind: pysbx_walk::archive::ArchiveKind,
    limits: pysbx_walk::archive::ArchiveLimits,
    visit: &mut dyn FnMut(&str, &[u8]),
) {
    use pysbx_walk::archive::{ArchiveEntry, read_archive};
    let _ = read_archive(archive, kind, limits, &mut |entry| {
        if let ArchiveEntry::Source { name, bytes } = entry {
            visit(&name, &bytes);
        }
    });
}

/// Audit mode is automatic for installed packages, archives, trees outside the current
/// repository, and, when the current directory is in no repository, for paths that are in
/// none either: the user's own code lives in a work tree (where a pre-commit hook or CI runs),
/// so comments and configuration anywhere else are someone else's, and a package must not be
/// able to switch its own scan off with them.
fn needs_audit_mode(path: &Path) -> bool {
    if path.as_os_str() == STDIN {
        return false;
    }
    if path.components().any(|c| {
        let c = c.as_os_str();
        c == "site-packages" || c == "dist-packages"
    }) || pysbx_walk::archive::archive_kind(path).is_some()
    {
        return true;
    }
    let Ok(cwd) = std::env::current_dir() else { return true };
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| cwd.join(path));
    match cwd.ancestors().find(|d| d.join(".git").exists()) {
        Some(repo) => {
            let repo = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.to_path_buf());
            !absolute.starts_with(repo)
        }
        None => !absolute.ancestors().any(|d| d.join(".git").exists()),
    }
}

/// The 0-based shard of a path: FNV-1a of its display form, so every job computes the same
/// partition from the same inputs whatever order it discovered them in.
fn shard_of(path: &str, count: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in path.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash % count
}

/// Paths as the user sees them: forward slashes, no leading `./`.
pub(crate) fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    if std::path::MAIN_SEPARATOR == '/' { text.to_string() } else { text.replace('\\', "/") }
}
