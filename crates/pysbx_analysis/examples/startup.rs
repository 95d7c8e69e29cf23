//! Measures what a process pays before it can analyse its first file: loading the built-in
//! rules and compiling them with `Analyzer::new`, then analysing one small file (which
//! compiles what `Analyzer::new` left for first use).
//!
//! `cargo run --release -p pysbx_analysis --example startup [-- RUNS]`

use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let (mut load, mut new, mut first) = (Vec::new(), Vec::new(), Vec::new());
    let source = "import os, subprocess\nurl = 'http://1.2.3.4/x'\nos.system(url)\n";
    let options = pysbx_analysis::AnalyzeOptions::default();
    for _ in 0..runs {
        let t = Instant::now();
        let rules = match pysbx_rules::builtin_rules() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("built-in rules: {e}");
                return;
            }
        };
        load.push(t.elapsed());
        let t = Instant::now();
        let an = match pysbx_analysis::Analyzer::new(&rules) {
            Ok(a) => a,
            Err(e) => {
                eprintln!("{e}");
                return;
            }
        };
        new.push(t.elapsed());
        let t = Instant::now();
        let out = an.analyze(source, Path::new("x.py"), &options);
        first.push(t.elapsed());
        std::hint::black_box(out);
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2].as_secs_f64() * 1e3
    };
    println!(
        "median of {runs}: builtin_rules {:.2} ms, Analyzer::new {:.2} ms, first analyze {:.2} ms",
        median(&mut load),
        median(&mut new),
        median(&mut first)
    );
}
