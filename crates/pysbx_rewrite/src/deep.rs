//! Walking and dropping arbitrarily deep syntax trees without overflowing the stack.
//!
//! The parser grows its own stack, so `1+1+...` a million terms long parses into a
//! million-deep chain of nodes. Visiting such a tree recursively, or letting it drop (each
//! `Box<Expr>` drops its children recursively), would overflow a thread's stack and abort
//! the process. The tree builder grows the stack as it descends ([`grow`]), and deep trees
//! are taken apart with a worklist ([`dismantle`]).

use std::cell::RefCell;

use ruff_python_ast::visitor::transformer::{Transformer, walk_expr, walk_pattern, walk_stmt};
use ruff_python_ast::{
    AtomicNodeIndex, Expr, ExprNoneLiteral, ModModule, Pattern, PatternMatchStar, Stmt, StmtPass,
};
use ruff_text_size::TextRange;

/// Depth from which a tree is dismantled rather than dropped recursively.
pub(crate) const DISMANTLE_DEPTH: usize = 256;

/// Runs `f` with at least 64 KiB of stack left, switching to a fresh 1 MiB segment if not.
pub(crate) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}

/// Moves every child node out into a worklist instead of recursing into it.
#[derive(Default)]
struct Dismantler {
    exprs: RefCell<Vec<Expr>>,
    stmts: RefCell<Vec<Stmt>>,
    patterns: RefCell<Vec<Pattern>>,
}

impl Transformer for Dismantler {
    fn visit_expr(&self, expr: &mut Expr) {
        let owned = std::mem::replace(expr, Expr::NoneLiteral(ExprNoneLiteral::default()));
        self.exprs.borrow_mut().push(owned);
    }

    fn visit_stmt(&self, stmt: &mut Stmt) {
        let pass =
            Stmt::Pass(StmtPass { node_index: AtomicNodeIndex::NONE, range: TextRange::default() });
        let owned = std::mem::replace(stmt, pass);
        self.stmts.borrow_mut().push(owned);
    }

    fn visit_pattern(&self, pattern: &mut Pattern) {
        let star = Pattern::MatchStar(PatternMatchStar {
            node_index: AtomicNodeIndex::NONE,
            range: TextRange::default(),
            name: None,
        });
        let owned = std::mem::replace(pattern, star);
        self.patterns.borrow_mut().push(owned);
    }
}

/// Drops `module` with memory proportional to its size and constant stack depth.
pub(crate) fn dismantle(mut module: ModModule) {
    let d = Dismantler::default();
    d.visit_body(&mut module.body);
    loop {
        let next = d.exprs.borrow_mut().pop();
        if let Some(mut e) = next {
            walk_expr(&d, &mut e);
            continue;
        }
        let next = d.stmts.borrow_mut().pop();
        if let Some(mut s) = next {
            walk_stmt(&d, &mut s);
            continue;
        }
        let next = d.patterns.borrow_mut().pop();
        if let Some(mut p) = next {
            walk_pattern(&d, &mut p);
            continue;
        }
        break;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_deep_chain_drops_on_a_small_stack() {
        let src = format!("x = 1{}\n", "+1".repeat(1_000_000));
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let parsed = ruff_python_parser::parse_module(&src).unwrap();
                dismantle(parsed.into_syntax());
            })
            .unwrap();
        handle.join().unwrap();
    }
}
