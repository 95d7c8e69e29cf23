//! Analyses every `.py` file under a directory with the built-in rules (suppressions not
//! honoured, as `pysbx scan --audit`), on one thread per core with the scan's worker stack, and
//! writes every finding and error as one line per item, files in path order. Two builds of the
//! engine that write the same file find the same things; timing it measures the engine without
//! the CLI's reporting. It uses the binary's allocator (jemalloc and the per-thread regions).
//!
//! `cargo run --release -p pysbx_analysis --example corpus_dump -- DIR OUT`

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The `pysbx` binary's allocator for a scan: jemalloc, with each tree built in the thread's
/// region, so that the engine is timed as `pysbx scan` runs it.
#[global_allocator]
static ALLOCATOR: pysbx_arena::WithRegions<tikv_jemallocator::Jemalloc> =
    pysbx_arena::WithRegions(tikv_jemallocator::Jemalloc);

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            walk(&p, out);
        } else if kind.is_file() && p.extension().is_some_and(|x| x == "py") {
            out.push(p);
        }
    }
}

fn describe(an: &pysbx_analysis::Analyzer, path: &Path) -> String {
    let mut out = String::new();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(out, "{}\tread-error\t{e}", path.display());
            return out;
        }
    };
    let text = match pysbx_analysis::decode_source(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let _ = writeln!(out, "{}\terror\t{}\t{e}", path.display(), e.kind.as_str());
            return out;
        }
    };
    let result = an.analyze(&text, path, &pysbx_analysis::AnalyzeOptions::default());
    if let Some(e) = &result.error {
        let _ = writeln!(out, "{}\terror\t{}\t{e}", path.display(), e.kind.as_str());
    }
    for f in &result.findings {
        let id = an.rule(f.rule).map_or("?", |r| r.id.as_str());
        let _ = writeln!(
            out,
            "{}\t{id}\t{}-{}\t{}:{}-{}:{}\t{:?}\t{:?}\t{:?}",
            path.display(),
            f.start,
            f.end,
            f.location.line,
            f.location.column,
            f.location.end_line,
            f.location.end_column,
            f.subject,
            f.message,
            f.snippet
        );
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(dest)) = (args.first(), args.get(1)) else {
        eprintln!("usage: corpus_dump DIR OUT");
        return;
    };
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    files.sort();
    let rules = match pysbx_rules::builtin_rules() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("built-in rules: {e}");
            return;
        }
    };
    let an = match pysbx_analysis::Analyzer::new(&rules) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::with_capacity(files.len()));
    let threads = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    std::thread::scope(|s| {
        for _ in 0..threads {
            let spawned = std::thread::Builder::new()
                .stack_size(pysbx_analysis::WORKER_STACK_BYTES)
                .spawn_scoped(s, || {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        let text = describe(&an, path);
                        if !text.is_empty()
                            && let Ok(mut r) = results.lock()
                        {
                            r.push((i, text));
                        }
                    }
                });
            if let Err(e) = spawned {
                eprintln!("cannot start a worker: {e}");
                return;
            }
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    let all: String = results.into_iter().map(|(_, t)| t).collect();
    if let Err(e) = std::fs::write(dest, all) {
        eprintln!("{dest}: {e}");
    }
    println!("{} files", files.len());
}
