//! The scan floor: walk a tree, read every Python file and parse it with ruff's parser, in
//! parallel, doing nothing else. `pysbx scan` cannot be faster than this; the benchmark reports
//! how close it gets.
//!
//! Usage: `cargo run --release --example parse_floor -- DIR`

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

fn main() {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse_floor DIR");
        std::process::exit(2);
    };
    let excludes = pysbx_walk::Excludes::new(&[]).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let discovery = pysbx_walk::discover(&[root], &pysbx_walk::WalkOptions::default(), &excludes);
    let parsed = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let nodes = AtomicUsize::new(0);
    discovery.files.par_iter().for_each(|path| {
        let Ok(bytes) = std::fs::read(path) else {
            failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            failed.fetch_add(1, Ordering::Relaxed);
            return;
        };
        match ruff_python_parser::parse_module(text) {
            Ok(module) => {
                // Touch the tree so the parse cannot be optimised away.
                nodes.fetch_add(module.suite().len(), Ordering::Relaxed);
                parsed.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    println!(
        "files={} parsed={} failed={} top_level_statements={}",
        discovery.files.len(),
        parsed.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        nodes.load(Ordering::Relaxed)
    );
}
