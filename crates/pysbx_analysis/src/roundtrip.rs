//! Pickles written to an in-memory buffer and read back from it in one function body:
//! `buf = io.BytesIO(); pickle.dump(obj, buf); buf.seek(0); pickle.load(buf)` unpickles what
//! `pickle.dumps(obj)` would have returned. The buffer is made empty in the body, and nothing
//! but the calls the walker checks to be pickle writers and readers is handed it, so no byte
//! in it came from elsewhere.
//!
//! The read is syntactic and errs toward "not a round trip": any other use of the name (a
//! `write`, passing it to another function, aliasing, rebinding it to something else,
//! capturing it in a nested scope, any dynamic access to the frame's variables) leaves the
//! buffer's content unknown.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};

use crate::glob::identifier;
// Names and attributes that reach a frame's variables by name (`locals()["buf"]`).
use crate::spread::{DYNAMIC_NAMES, is_dynamic_attribute};

/// Methods of a buffer that do not change its content (`getvalue` returns a copy).
const READING_METHODS: &[&str] = &[
    "seek",
    "tell",
    "getvalue",
    "close",
    "flush",
    "read",
    "readline",
    "readlines",
    "readable",
    "seekable",
];

/// What a body does with a buffer name: the callees of the calls that made it (each called
/// with no argument) and of the calls it is handed to (directly, or as `name.getbuffer()`).
/// The walker resolves them: the makers must be `io.BytesIO`, the others pickle writers and
/// readers.
#[derive(Debug, Default)]
pub(crate) struct Buffer<'x> {
    pub(crate) makers: Vec<&'x Expr>,
    pub(crate) handed_to: Vec<&'x Expr>,
}

/// How `body` uses `name` (NFKC-normalized), when every use is one of the kinds above;
/// `None` otherwise, or when the name is never bound in the body.
pub(crate) fn pickle_buffer<'x>(body: &'x [Stmt], name: &str) -> Option<Buffer<'x>> {
    let mut uses = Uses { name, buffer: Buffer::default(), unknown: false };
    uses.visit_body(body);
    (!uses.unknown && !uses.buffer.makers.is_empty()).then_some(uses.buffer)
}

struct Uses<'n, 'x> {
    name: &'n str,
    buffer: Buffer<'x>,
    unknown: bool,
}

impl<'x> Uses<'_, 'x> {
    fn is_name(&self, e: &Expr) -> bool {
        matches!(e, Expr::Name(n) if identifier(&n.id) == self.name)
    }

    /// `name.getbuffer()`: a writable view of the buffer, allowed only as an argument of a
    /// call the walker checks.
    fn is_view(&self, e: &Expr) -> bool {
        matches!(e, Expr::Call(c)
            if c.arguments.is_empty()
                && matches!(&*c.func, Expr::Attribute(a)
                    if a.attr.id.as_str() == "getbuffer" && self.is_name(&a.value)))
    }

    /// A binding of the name to a call with no argument (`buf = io.BytesIO()`); anything else
    /// bound to it makes its content unknown.
    fn bind(&mut self, value: &'x Expr) {
        match value {
            Expr::Call(c) if c.arguments.is_empty() => self.buffer.makers.push(&c.func),
            _ => self.unknown = true,
        }
    }

    /// Whether a nested scope mentions the name, or a frame's variables, at all.
    fn mentions(&self, visit: impl FnOnce(&mut Mentions<'_>)) -> bool {
        let mut m = Mentions { name: self.name, found: false };
        visit(&mut m);
        m.found
    }
}

impl<'x> Visitor<'x> for Uses<'_, 'x> {
    fn visit_stmt(&mut self, s: &'x Stmt) {
        if self.unknown {
            return;
        }
        match s {
            Stmt::Assign(a) if a.targets.iter().any(|t| self.is_name(t)) => {
                if a.targets.len() == 1 {
                    self.bind(&a.value);
                    self.visit_expr(&a.value);
                } else {
                    self.unknown = true;
                }
            }
            Stmt::AnnAssign(a) if self.is_name(&a.target) => {
                if let Some(v) = &a.value {
                    self.bind(v);
                    self.visit_expr(v);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    match &item.optional_vars {
                        Some(v) if self.is_name(v) => {
                            self.bind(&item.context_expr);
                            self.visit_expr(&item.context_expr);
                        }
                        Some(v) => {
                            self.visit_expr(&item.context_expr);
                            self.visit_expr(v);
                        }
                        None => self.visit_expr(&item.context_expr),
                    }
                }
                self.visit_body(&w.body);
            }
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                self.unknown |= names.iter().any(|n| identifier(&n.id) == self.name);
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.unknown |= self.mentions(|m| m.visit_stmt(s));
            }
            _ => walk_stmt(self, s),
        }
    }

    fn visit_expr(&mut self, e: &'x Expr) {
        if self.unknown {
            return;
        }
        match e {
            // Any use not matched below: a store (`for buf in`, `buf := ...`, `del buf`), or
            // a load in any other place.
            Expr::Name(n) => {
                let id = identifier(&n.id);
                if *id == *self.name || DYNAMIC_NAMES.contains(&&*id) {
                    self.unknown = true;
                }
            }
            Expr::Attribute(a) if is_dynamic_attribute(&a.attr.id) => {
                self.unknown = true;
            }
            // `buf.closed`.
            Expr::Attribute(a)
                if a.ctx == ExprContext::Load
                    && self.is_name(&a.value)
                    && a.attr.id.as_str() == "closed" => {}
            Expr::Call(c) => {
                match &*c.func {
                    Expr::Attribute(a) if self.is_name(&a.value) => {
                        if !READING_METHODS.contains(&a.attr.id.as_str()) {
                            self.unknown = true;
                            return;
                        }
                    }
                    f => self.visit_expr(f),
                }
                let mut handed = false;
                for arg in
                    c.arguments.args.iter().chain(c.arguments.keywords.iter().map(|k| &k.value))
                {
                    if self.is_name(arg) || self.is_view(arg) {
                        handed = true;
                    } else {
                        self.visit_expr(arg);
                    }
                }
                if handed {
                    self.buffer.handed_to.push(&c.func);
                }
            }
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_) => {
                self.unknown |= self.mentions(|m| m.visit_expr(e));
            }
            _ => walk_expr(self, e),
        }
    }

    fn visit_alias(&mut self, alias: &'x ast::Alias) {
        let bound = match &alias.asname {
            Some(asname) => identifier(&asname.id) == self.name,
            None => identifier(alias.name.id.split('.').next().unwrap_or_default()) == self.name,
        };
        self.unknown |= bound;
    }

    fn visit_except_handler(&mut self, handler: &'x ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(h) = handler;
        self.unknown |= h.name.as_ref().is_some_and(|n| identifier(&n.id) == self.name);
        if !self.unknown {
            ruff_python_ast::visitor::walk_except_handler(self, handler);
        }
    }

    fn visit_pattern(&mut self, pattern: &'x ast::Pattern) {
        let captured = match pattern {
            ast::Pattern::MatchAs(p) => p.name.as_ref(),
            ast::Pattern::MatchStar(p) => p.name.as_ref(),
            ast::Pattern::MatchMapping(p) => p.rest.as_ref(),
            _ => None,
        };
        self.unknown |= captured.is_some_and(|n| identifier(&n.id) == self.name);
        if !self.unknown {
            ruff_python_ast::visitor::walk_pattern(self, pattern);
        }
    }
}

/// Whether a nested scope names `name` or reaches a frame's variables.
struct Mentions<'n> {
    name: &'n str,
    found: bool,
}

impl<'x> Visitor<'x> for Mentions<'_> {
    fn visit_expr(&mut self, e: &'x Expr) {
        if self.found {
            return;
        }
        match e {
            Expr::Name(n) => {
                let id = identifier(&n.id);
                self.found |= *id == *self.name || DYNAMIC_NAMES.contains(&&*id);
            }
            Expr::Attribute(a) if is_dynamic_attribute(&a.attr.id) => {
                self.found = true;
            }
            _ => walk_expr(self, e),
        }
    }

    fn visit_stmt(&mut self, s: &'x Stmt) {
        if self.found {
            return;
        }
        match s {
            Stmt::FunctionDef(f) => self.found |= identifier(&f.name.id) == self.name,
            Stmt::ClassDef(c) => self.found |= identifier(&c.name.id) == self.name,
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                self.found |= names.iter().any(|n| identifier(&n.id) == self.name);
            }
            _ => {}
        }
        if !self.found {
            walk_stmt(self, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(src: &str) -> Option<(usize, usize)> {
        let parsed = ruff_python_parser::parse_module(src).ok()?;
        let body = &parsed.syntax().body;
        let Some(Stmt::FunctionDef(f)) = body.first() else { return None };
        pickle_buffer(&f.body, "buf").map(|b| (b.makers.len(), b.handed_to.len()))
    }

    #[test]
    fn a_buffer_only_dumped_into_and_read_is_followed() {
        let src = "def f(x):\n    buf = io.BytesIO()\n    pickle.dump(x, buf)\n    buf.seek(0)\n    n = buf.tell()\n    return pickle.load(buf), buf.getvalue()\n";
        assert_eq!(scan(src), Some((1, 2)));
        let src = "def f(x):\n    with BytesIO() as buf:\n        pickle.dump(x, buf)\n        return pickle.loads(buf.getbuffer())\n";
        assert_eq!(scan(src), Some((1, 2)));
    }

    #[test]
    fn anything_else_done_with_the_buffer_is_unknown() {
        for src in [
            "def f(x):\n    buf = io.BytesIO(x)\n    return pickle.load(buf)\n",
            "def f(x):\n    buf = io.BytesIO()\n    buf.write(x)\n    return pickle.load(buf)\n",
            "def f(x):\n    buf = io.BytesIO()\n    other = buf\n    return pickle.load(buf)\n",
            "def f(x):\n    buf = io.BytesIO()\n    buf.getbuffer()[:] = x\n    return pickle.load(buf)\n",
            "def f(x):\n    buf = io.BytesIO()\n    g = lambda: buf\n    return pickle.load(buf)\n",
            "def f(x):\n    buf = io.BytesIO()\n    locals()['b'] = 1\n    return pickle.load(buf)\n",
            "def f(x):\n    buf, y = io.BytesIO(), 1\n    return pickle.load(buf)\n",
            "def f(x):\n    for buf in x:\n        pass\n    buf = io.BytesIO()\n    return pickle.load(buf)\n",
            "def f(x):\n    global buf\n    buf = io.BytesIO()\n    return pickle.load(buf)\n",
            "def f(buf):\n    return pickle.load(buf)\n",
        ] {
            assert_eq!(scan(src), None, "{src}");
        }
    }
}
