//! Decorators of the file that run the function they decorate. `@run_now` over `def payload()`
//! calls `run_now(payload)` when the `def` runs; a decorator whose own body calls its argument
//! (`def run_now(fn): fn(); return fn`) runs the function there, as `run_now(payload)` written
//! out would. Decorators that only wrap (`def deco(fn): def wrapper(*a): return fn(*a); return
//! wrapper`) or register the function call it later, from code the decorator's body does not
//! run, and are not such decorators. The read is syntactic: a call of the first parameter by
//! its name, in the body itself (not in a nested function, class or lambda).
//!
//! The same test tells the file's invokers (`def try_call(func, *args): try: return
//! func(*args) ...`): a call `try_call(os.uname)` may give what `os.uname()` gives.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, Stmt};

use crate::glob::identifier;

/// Whether `def`'s body calls its first parameter where the body itself runs.
pub(crate) fn calls_its_argument(def: &ast::StmtFunctionDef) -> bool {
    let params = &def.parameters;
    let Some(first) = params.posonlyargs.iter().chain(&params.args).next() else {
        return false;
    };
    let mut finder =
        CallOf { name: identifier(&first.parameter.name.id).into_owned(), found: false };
    for s in &def.body {
        finder.visit_stmt(s);
        if finder.found {
            return true;
        }
    }
    false
}

/// Whether a lambda calls its first parameter where its body runs (`@lambda f: f()`, a
/// decorator that runs the function it is given as it is defined).
pub(crate) fn lambda_calls_its_argument(lambda: &ast::ExprLambda) -> bool {
    let Some(params) = lambda.parameters.as_deref() else { return false };
    let Some(first) = params.posonlyargs.iter().chain(&params.args).next() else {
        return false;
    };
    let mut finder =
        CallOf { name: identifier(&first.parameter.name.id).into_owned(), found: false };
    finder.visit_expr(&lambda.body);
    finder.found
}

/// Finds a call of `name` outside nested scopes.
struct CallOf {
    name: String,
    found: bool,
}

impl<'x> Visitor<'x> for CallOf {
    fn visit_stmt(&mut self, stmt: &'x Stmt) {
        // A nested function or class runs later, if at all: its body is not the decorator's.
        if self.found || matches!(stmt, Stmt::FunctionDef(_) | Stmt::ClassDef(_)) {
            return;
        }
        walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'x Expr) {
        if self.found || matches!(expr, Expr::Lambda(_)) {
            return;
        }
        if let Expr::Call(c) = expr
            && let Expr::Name(n) = &*c.func
            && identifier(&n.id) == self.name.as_str()
        {
            self.found = true;
            return;
        }
        walk_expr(self, expr);
    }
}

#[cfg(test)]
mod tests {
    use super::calls_its_argument;
    use ruff_python_ast::Stmt;

    fn first_def(source: &str) -> bool {
        let parsed = ruff_python_parser::parse_module(source).expect("parses");
        match parsed.syntax().body.first() {
            Some(Stmt::FunctionDef(f)) => calls_its_argument(f),
            _ => panic!("no def"),
        }
    }

    #[test]
    fn a_decorator_that_calls_its_argument_runs_the_function() {
        assert!(first_def("def run_now(fn):\n    fn()\n    return fn\n"));
        assert!(first_def(
            "def go(f):\n    try:\n        f()\n    except Exception:\n        pass\n    return f\n"
        ));
        assert!(first_def("def go(f, *a):\n    if True:\n        x = f(1)\n    return f\n"));
    }

    #[test]
    fn wrapping_and_registering_decorators_do_not() {
        assert!(!first_def(
            "def deco(fn):\n    def wrapper(*a):\n        return fn(*a)\n    return wrapper\n"
        ));
        assert!(!first_def("def register(fn):\n    HANDLERS.append(fn)\n    return fn\n"));
        assert!(!first_def("def later(fn):\n    return lambda: fn()\n"));
        assert!(!first_def("def other(fn):\n    run(fn)\n    return fn\n"));
        assert!(!first_def("def none():\n    pass\n"));
    }
}
