//! What building the rule engine costs a process that analyses one small file, as `pysbx
//! exec` does: the built-in rule set, the analyzer compiled from it, and the analysis of a
//! hello-world.
//!
//! `cargo run --release -p pysbx_analysis --example engine_start [ROUNDS]` prints the median
//! and minimum time of each step in microseconds; each round builds everything afresh. The
//! analyzer is built as `pysbx exec` builds it ([`Workload::FewFiles`]) and, for comparison,
//! as `pysbx scan` does ([`Workload::ManyFiles`]).

use std::path::Path;
use std::time::Instant;

use pysbx_analysis::{AnalyzeOptions, Analyzer, Workload};

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(50);
    let mut steps: [Vec<f64>; 4] = Default::default();
    for _ in 0..rounds {
        let t0 = Instant::now();
        let rules = pysbx_rules::builtin_rules().expect("built-in rules load");
        let t1 = Instant::now();
        let analyzer =
            Analyzer::for_workload(&rules, Workload::FewFiles).expect("built-in rules compile");
        let t2 = Instant::now();
        let result = analyzer.analyze(
            "print(\"hello, world\")\n",
            Path::new("hello.py"),
            &AnalyzeOptions::default(),
        );
        let t3 = Instant::now();
        assert!(result.error.is_none());
        drop(analyzer);
        let t4 = Instant::now();
        let scan = Analyzer::for_workload(&rules, Workload::ManyFiles).expect("rules compile");
        let t5 = Instant::now();
        drop(scan);
        for (step, (a, b)) in steps.iter_mut().zip([(t0, t1), (t1, t2), (t2, t3), (t4, t5)]) {
            step.push((b - a).as_secs_f64() * 1e6);
        }
    }
    for (name, times) in
        ["builtin_rules", "Analyzer (few files)", "analyze hello.py", "Analyzer (many files)"]
            .iter()
            .zip(&mut steps)
    {
        times.sort_by(f64::total_cmp);
        println!("{name:<22} median {:>8.0} us   min {:>8.0} us", times[times.len() / 2], times[0]);
    }
}
