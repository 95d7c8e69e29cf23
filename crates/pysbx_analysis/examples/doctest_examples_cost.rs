//! What listing docstring examples costs the import gate: for every `.py` file under the
//! directories given, the time to parse it (as the gate does at least once per module) and the
//! time `doctest_examples` takes (a second parse where the text holds `>>>`).
//!
//! `cargo run --release -p pysbx_analysis --example doctest_examples_cost -- DIR...`

use std::time::{Duration, Instant};

use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};

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
    let bytes: usize = files.iter().map(String::len).sum();
    let (mut parse, mut listing, mut examples) = (Duration::ZERO, Duration::ZERO, 0usize);
    for text in &files {
        let start = Instant::now();
        let parsed = parse_unchecked(text, ParseOptions::from(Mode::Module));
        std::hint::black_box(&parsed);
        parse += start.elapsed();
        let start = Instant::now();
        examples += std::hint::black_box(pysbx_analysis::doctest_examples(text)).len();
        listing += start.elapsed();
    }
    println!(
        "{} files, {:.1} MB: parse {:.3} s, doctest_examples {:.3} s ({:.1}% of a parse), {examples} examples",
        files.len(),
        bytes as f64 / 1e6,
        parse.as_secs_f64(),
        listing.as_secs_f64(),
        100.0 * listing.as_secs_f64() / parse.as_secs_f64()
    );
}
