//! What listing docstring examples costs `pysbx exec`'s import gate: for every `.py` file
//! under the directories given, the gate's analysis (the built-in rules, the gate's options)
//! with and without `AnalyzeOptions::doctest_examples`, timed file by file, each first in turn.
//!
//! `cargo run --release -p pysbx_analysis --example doctest_examples_cost -- DIR...`

use std::path::Path;
use std::time::{Duration, Instant};

use pysbx_analysis::{AnalyzeOptions, Analyzer, MAX_GATE_TOKENS};

fn main() {
    let mut files = Vec::new();
    let mut stack: Vec<std::path::PathBuf> = std::env::args_os().skip(1).map(Into::into).collect();
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "py")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                files.push(text);
            }
        }
    }
    let rules = pysbx_rules::builtin_rules().expect("the built-in rules load");
    let analyzer = Analyzer::new(&rules).expect("the built-in rules compile");
    let gate = AnalyzeOptions {
        max_tokens: Some(MAX_GATE_TOKENS),
        keep_findings_when_stopped: true,
        ..AnalyzeOptions::default()
    };
    let listing = AnalyzeOptions { doctest_examples: true, ..gate.clone() };
    let bytes: usize = files.iter().map(String::len).sum();
    let (mut without, mut with, mut examples) = (Duration::ZERO, Duration::ZERO, 0usize);
    let path = Path::new("module.py");
    // Each file read twice in a row, the two in turn first: the second read of a file finds
    // its text in the cache.
    for (i, text) in files.iter().enumerate() {
        for listed in [i % 2 == 0, i % 2 == 1] {
            let start = Instant::now();
            if listed {
                let out = analyzer.analyze(text, path, &listing);
                examples += std::hint::black_box(out).doctest_examples.len();
                with += start.elapsed();
            } else {
                std::hint::black_box(analyzer.analyze(text, path, &gate));
                without += start.elapsed();
            }
        }
    }
    println!(
        "{} files, {:.1} MB: the gate's analysis {:.3} s, with the examples listed {:.3} s \
         ({:+.1}%), {examples} examples",
        files.len(),
        bytes as f64 / 1e6,
        without.as_secs_f64(),
        with.as_secs_f64(),
        100.0 * (with.as_secs_f64() / without.as_secs_f64() - 1.0)
    );
}
