//! Dropping a syntax tree without recursion. The parser builds arbitrarily deep trees on a
//! growable stack (`1+1+...` a million terms long is one left-leaning chain), but dropping
//! such a tree recursively would overflow the thread's stack. Trees the engine found too deep,
//! and trees from files with syntax errors (never measured), are taken apart with a worklist.

use std::cell::RefCell;

use ruff_python_ast::visitor::transformer::{Transformer, walk_expr, walk_pattern, walk_stmt};
use ruff_python_ast::{
    AtomicNodeIndex, Expr, ExprNoneLiteral, Mod, Pattern, PatternMatchStar, Stmt, StmtPass,
};
use ruff_text_size::TextRange;

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

/// Releases a parsed tree that may be deep: with its region when it lies wholly in one (see
/// `pysbx_arena`), else taken apart by [`dismantle`].
pub(crate) fn release(parsed: pysbx_arena::Scoped<ruff_python_parser::Parsed<Mod>>) {
    parsed.dispose(|p| dismantle(p.into_syntax()));
}

/// Drops `tree` with memory proportional to its size and constant stack depth.
pub(crate) fn dismantle(tree: Mod) {
    let d = Dismantler::default();
    match tree {
        Mod::Module(mut m) => d.visit_body(&mut m.body),
        Mod::Expression(mut e) => d.visit_expr(&mut e.body),
    }
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
                let parsed = ruff_python_parser::parse_unchecked(
                    &src,
                    ruff_python_parser::ParseOptions::from(ruff_python_parser::Mode::Module),
                );
                dismantle(parsed.into_syntax());
            })
            .unwrap();
        handle.join().unwrap();
    }
}
