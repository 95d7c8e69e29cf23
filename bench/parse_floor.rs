//! The scan floor: walk a tree, read every Python file, parse it with ruff's parser and visit
//! every node of its syntax tree, in parallel, doing nothing else. It uses the same allocator
//! as the `pysbx` binary (jemalloc, with each tree built in a per-thread region), so the two
//! are compared on equal terms. `pysbx scan` cannot be faster than this; the benchmark reports
//! how close it gets.
//!
//! Usage: `cargo run --release --example parse_floor -- DIR`

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, Stmt};

#[global_allocator]
static ALLOCATOR: pysbx_arena::WithRegions<tikv_jemallocator::Jemalloc> =
    pysbx_arena::WithRegions(tikv_jemallocator::Jemalloc);

/// Counts every statement and expression, so that the whole tree is visited.
#[derive(Default)]
struct NodeCounter {
    nodes: usize,
}

impl<'a> Visitor<'a> for NodeCounter {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.nodes += 1;
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.nodes += 1;
        visitor::walk_expr(self, expr);
    }
}

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
        // Built in the thread's region and released in one step, as `pysbx scan` does.
        let tree = pysbx_arena::scoped(|| ruff_python_parser::parse_module(text));
        match &*tree {
            Ok(module) => {
                let mut counter = NodeCounter::default();
                counter.visit_body(module.suite());
                nodes.fetch_add(counter.nodes, Ordering::Relaxed);
                parsed.fetch_add(1, Ordering::Relaxed);
            }
            Err(_) => {
                failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    println!(
        "files={} parsed={} failed={} nodes={}",
        discovery.files.len(),
        parsed.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
        nodes.load(Ordering::Relaxed)
    );
}
