//! Pickles written to an in-memory buffer and read back from it in one function body:
//! `buf = io.BytesIO(); pickle.dump(obj, buf); buf.seek(0); pickle.load(buf)` unpickles what
//! `pickle.dumps(obj)` would have returned. The buffer is made empty in the body, and nothing
//! but the calls the walker checks to be pickle writers and readers is handed it, so no byte
//! in it came from elsewhere.
//!
//! The same holds of a file at a fresh temporary path the body made (`tempfile.mktemp()`,
//! `tempfile.NamedTemporaryFile()`, or pytest's `tmp_path` and `tmpdir` in a test or fixture)
//! and handed only to pickle writers and readers: `joblib.dump(obj, p); joblib.load(p)` (see
//! [`temp_file`]).
//!
//! The read is syntactic and errs toward "not a round trip": any other use of the name (a
//! `write`, passing it to another function, aliasing, rebinding it to something else,
//! capturing it in a nested scope, any dynamic access to the frame's variables) leaves the
//! buffer's or file's content unknown.

use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};

use crate::glob::identifier;
// Names and attributes that reach a frame's variables by name (`locals()["buf"]`).
use crate::spread::{
    DYNAMIC_NAMES, alias_bound, argument_values, binding_identifiers, is_dynamic_attribute,
    pattern_capture, stmt_binds,
};

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
            Stmt::Global(_) | Stmt::Nonlocal(_) => self.unknown |= stmt_binds(s, self.name),
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
                for arg in argument_values(&c.arguments) {
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

    binding_identifiers!(unknown);
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
        self.found |= stmt_binds(s, self.name);
        if !self.found {
            walk_stmt(self, s);
        }
    }
}

/// What a fresh temporary file's round trip needs the walker to resolve: the callees of the
/// calls that made, built, opened or were handed the function's temporary paths and files.
#[derive(Debug, Default)]
pub(crate) struct TempFiles<'x> {
    /// Calls making a fresh path, directory or file (`tempfile.mktemp()`,
    /// `tempfile.NamedTemporaryFile(...)`): must be `tempfile`'s.
    pub(crate) makers: Vec<&'x Expr>,
    /// Calls building a path from one (`os.path.join(d, "x.pkl")`, `str(p)`, `Path(p)`).
    pub(crate) builders: Vec<&'x Expr>,
    /// Calls opening one (`open(p, "rb")`): must be the builtin `open`.
    pub(crate) openers: Vec<&'x Expr>,
    /// Calls handed one: must be pickle writers and readers, or remove it.
    pub(crate) handed_to: Vec<&'x Expr>,
}

/// pytest's fixtures that give a test a fresh directory of its own, or a factory of them.
const FIXTURE_DIRS: &[&str] = &["tmp_path", "tmpdir"];
const FIXTURE_FACTORIES: &[&str] = &["tmp_path_factory", "tmpdir_factory"];

/// Whether `arg` reads a file at a fresh temporary path that `body` writes only with the
/// calls it hands its paths and files to (a name or `open(path, "rb")`, or a path itself):
/// the names bound to temporary paths and files in the body, every use of which is one the
/// walker can check, and the calls it must resolve. `fixtures`: the body is a pytest test or
/// fixture, whose parameters `tmp_path`, `tmpdir`, `tmp_path_factory` and `tmpdir_factory`
/// are pytest's fresh directories. `None` when `arg` is anything else, or when a temporary
/// name is used any other way.
pub(crate) fn temp_file<'x>(
    body: &'x [Stmt],
    params: &ast::Parameters,
    fixtures: bool,
    arg: &'x Expr,
) -> Option<TempFiles<'x>> {
    let mut t = Temp { roots: Vec::new(), names: Vec::new(), files: TempFiles::default() };
    let mut params_seen: Vec<String> = Vec::new();
    for p in params
        .posonlyargs
        .iter()
        .chain(&params.args)
        .chain(&params.kwonlyargs)
        .map(|pd| &pd.parameter)
        .chain(params.vararg.as_deref())
        .chain(params.kwarg.as_deref())
    {
        let id = identifier(&p.name.id).into_owned();
        if fixtures && (FIXTURE_DIRS.contains(&&*id) || FIXTURE_FACTORIES.contains(&&*id)) {
            t.roots.push(id);
        } else {
            params_seen.push(id);
        }
    }
    // The names bound in the body, each with what it is bound to; `None` for a binding of
    // another kind (a loop target, an import...).
    let mut bindings = Bindings { found: Vec::new() };
    bindings.visit_body(body);
    let mut candidates: Vec<String> = Vec::new();
    for (name, value) in &bindings.found {
        if value.is_none() || params_seen.contains(name) || t.roots.contains(name) {
            candidates.retain(|c| c != name);
            params_seen.push(name.clone());
        } else if !candidates.contains(name) {
            candidates.push(name.clone());
        }
    }
    // The greatest set of names every binding of which is temporary, given the set.
    t.names = candidates;
    loop {
        let before = t.names.len();
        let names = t.names.clone();
        t.names.retain(|n| {
            bindings
                .found
                .iter()
                .filter(|(b, _)| b == n)
                .all(|(_, v)| v.is_some_and(|v| Temp::is_temp(&names, &t.roots, v)))
        });
        if t.names.len() == before {
            break;
        }
    }
    if !t.is_temp_expr(arg) {
        return None;
    }
    let mut uses = TempUses { t: &mut t, unknown: false };
    uses.visit_body(body);
    (!uses.unknown).then_some(t.files)
}

struct Temp<'x> {
    /// pytest's fixture directories among the parameters.
    roots: Vec<String>,
    /// Names bound only to temporary paths and files.
    names: Vec<String>,
    files: TempFiles<'x>,
}

impl<'x> Temp<'x> {
    fn is_temp_expr(&self, e: &Expr) -> bool {
        Self::is_temp(&self.names, &self.roots, e)
    }

    /// Whether `e` is a temporary path or file, built from `names` and `roots`.
    fn is_temp(names: &[String], roots: &[String], e: &Expr) -> bool {
        let named = |e: &Expr, set: &[String]| matches!(e, Expr::Name(n) if set.iter().any(|s| *s == *identifier(&n.id)));
        let fixture_dir = |e: &Expr| {
            matches!(e, Expr::Name(n) if FIXTURE_DIRS.contains(&&*identifier(&n.id)))
                && named(e, roots)
        };
        let fixture_factory = |e: &Expr| {
            matches!(e, Expr::Name(n) if FIXTURE_FACTORIES.contains(&&*identifier(&n.id)))
                && named(e, roots)
        };
        match e {
            Expr::Name(_) => named(e, names) || fixture_dir(e),
            // `f.name` of a temporary file, `tmpdir.join("x").strpath`.
            Expr::Attribute(a) => {
                matches!(a.attr.id.as_str(), "name" | "strpath")
                    && Self::is_temp(names, roots, &a.value)
            }
            // `tmp_path / "x.pkl"`.
            Expr::BinOp(b) => {
                b.op == ast::Operator::Div
                    && relative_literal(&b.right)
                    && Self::is_temp(names, roots, &b.left)
            }
            Expr::Call(c) => {
                let args = &c.arguments;
                match &*c.func {
                    // `tmpdir.join("x.pkl")`, `tmp_path_factory.mktemp("data")`.
                    Expr::Attribute(a)
                        if (a.attr.id.as_str() == "join" && fixture_dir(&a.value))
                            || (a.attr.id.as_str() == "mktemp" && fixture_factory(&a.value)) =>
                    {
                        args.keywords.is_empty()
                            && args.args.len() == 1
                            && args.args.iter().all(relative_literal)
                    }
                    f => match last_identifier(f) {
                        // `open(p, "rb")`.
                        Some("open") => {
                            matches!(args.args.first(), Some(p) if Self::is_temp(names, roots, p))
                                && open_mode(c).is_some()
                        }
                        // `os.path.join(d, "x.pkl")`, `str(p)`, `Path(p)`.
                        Some("join" | "str" | "fspath" | "Path" | "PurePath" | "PosixPath") => {
                            args.keywords.is_empty()
                                && matches!(args.args.first(), Some(p) if Self::is_temp(names, roots, p))
                                && args.args.iter().skip(1).all(relative_literal)
                        }
                        // `tempfile.mktemp()`, `NamedTemporaryFile("wb", delete=False)`.
                        Some(
                            "mktemp" | "mkdtemp" | "NamedTemporaryFile" | "TemporaryDirectory",
                        ) => argument_values(args)
                            .all(|a| matches!(a, Expr::StringLiteral(_) | Expr::BooleanLiteral(_))),
                        _ => false,
                    },
                }
            }
            _ => false,
        }
    }

    /// `tmpdir.join` and `tmp_path_factory.mktemp` (or `tmpdir_factory`'s) of the fixtures.
    fn fixture_method(&self, a: &ast::ExprAttribute) -> bool {
        let Expr::Name(n) = &*a.value else { return false };
        let id = identifier(&n.id);
        self.roots.iter().any(|r| *r == *id)
            && match a.attr.id.as_str() {
                "join" => FIXTURE_DIRS.contains(&&*id),
                "mktemp" => FIXTURE_FACTORIES.contains(&&*id),
                _ => false,
            }
    }

    /// Records the calls a temporary expression is made with, for the walker to resolve.
    fn record(&mut self, e: &'x Expr) {
        match e {
            Expr::Attribute(a) => self.record(&a.value),
            Expr::BinOp(b) => self.record(&b.left),
            Expr::Call(c) => match &*c.func {
                // pytest's `tmpdir.join("x")` and `tmp_path_factory.mktemp("x")`.
                Expr::Attribute(a) if self.fixture_method(a) => {}
                f => {
                    match last_identifier(f) {
                        Some("open") => self.files.openers.push(f),
                        Some(
                            "mktemp" | "mkdtemp" | "NamedTemporaryFile" | "TemporaryDirectory",
                        ) => {
                            self.files.makers.push(f);
                        }
                        _ => self.files.builders.push(f),
                    }
                    if let Some(first) = c.arguments.args.first() {
                        self.record(first);
                    }
                }
            },
            _ => {}
        }
    }
}

/// A string literal naming a path below a directory: not absolute, no drive, no `..`.
fn relative_literal(e: &Expr) -> bool {
    let Expr::StringLiteral(s) = e else { return false };
    let s = s.value.to_str();
    !s.is_empty()
        && !s.starts_with(['/', '\\'])
        && !s.contains(':')
        && !s.split(['/', '\\']).any(|part| part == "..")
}

/// The mode of `open(path, mode)` when it is a literal that neither appends nor updates.
fn open_mode(c: &ast::ExprCall) -> Option<&str> {
    let mode = match (c.arguments.args.get(1), c.arguments.find_keyword("mode")) {
        (Some(m), None) if c.arguments.args.len() == 2 => m,
        (None, Some(k)) if c.arguments.args.len() == 1 => &k.value,
        (None, None) if c.arguments.args.len() == 1 => return Some("r"),
        _ => return None,
    };
    if c.arguments.keywords.iter().any(|k| k.arg.as_ref().is_none_or(|a| a.as_str() != "mode")) {
        return None;
    }
    let Expr::StringLiteral(s) = mode else { return None };
    let m = s.value.to_str();
    (!m.contains(['a', '+'])).then_some(m)
}

fn last_identifier(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        _ => None,
    }
}

/// Every binding of a name in a body (not in nested scopes), with the value bound when it is
/// a plain assignment or `with ... as` of one name.
struct Bindings<'x> {
    found: Vec<(String, Option<&'x Expr>)>,
}

impl<'x> Visitor<'x> for Bindings<'x> {
    fn visit_stmt(&mut self, s: &'x Stmt) {
        match s {
            Stmt::Assign(a) if a.targets.len() == 1 && matches!(a.targets[0], Expr::Name(_)) => {
                if let Expr::Name(n) = &a.targets[0] {
                    self.found.push((identifier(&n.id).into_owned(), Some(&a.value)));
                }
                self.visit_expr(&a.value);
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        match &**v {
                            Expr::Name(n) => self
                                .found
                                .push((identifier(&n.id).into_owned(), Some(&item.context_expr))),
                            other => self.visit_expr(other),
                        }
                    }
                }
                self.visit_body(&w.body);
            }
            Stmt::FunctionDef(f) => self.found.push((identifier(&f.name.id).into_owned(), None)),
            Stmt::ClassDef(c) => self.found.push((identifier(&c.name.id).into_owned(), None)),
            Stmt::Global(ast::StmtGlobal { names, .. })
            | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
                for n in names {
                    self.found.push((identifier(&n.id).into_owned(), None));
                }
            }
            _ => walk_stmt(self, s),
        }
    }

    fn visit_expr(&mut self, e: &'x Expr) {
        match e {
            Expr::Name(n) if n.ctx != ExprContext::Load => {
                self.found.push((identifier(&n.id).into_owned(), None));
            }
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_) => {}
            _ => walk_expr(self, e),
        }
    }

    fn visit_alias(&mut self, alias: &'x ast::Alias) {
        self.found.push((alias_bound(alias).into_owned(), None));
    }

    fn visit_except_handler(&mut self, handler: &'x ast::ExceptHandler) {
        let ast::ExceptHandler::ExceptHandler(h) = handler;
        if let Some(n) = &h.name {
            self.found.push((identifier(&n.id).into_owned(), None));
        }
        ruff_python_ast::visitor::walk_except_handler(self, handler);
    }

    fn visit_pattern(&mut self, pattern: &'x ast::Pattern) {
        if let Some(n) = pattern_capture(pattern) {
            self.found.push((identifier(&n.id).into_owned(), None));
        }
        ruff_python_ast::visitor::walk_pattern(self, pattern);
    }
}

/// Checks every use of the temporary names of a body.
struct TempUses<'t, 'x> {
    t: &'t mut Temp<'x>,
    unknown: bool,
}

impl TempUses<'_, '_> {
    /// Whether a nested scope mentions a temporary name, or a frame's variables, at all.
    fn mentioned(&self, visit: impl Fn(&mut Mentions<'_>)) -> bool {
        self.t.names.iter().chain(&self.t.roots).any(|n| {
            let mut m = Mentions { name: n, found: false };
            visit(&mut m);
            m.found
        })
    }

    fn tracked(&self, id: &str) -> bool {
        let id = identifier(id);
        self.t.names.iter().any(|n| *n == *id) || self.t.roots.iter().any(|n| *n == *id)
    }
}

impl<'x> Visitor<'x> for TempUses<'_, 'x> {
    fn visit_stmt(&mut self, s: &'x Stmt) {
        if self.unknown {
            return;
        }
        match s {
            Stmt::Assign(a) if a.targets.len() == 1 && self.t.is_temp_expr(&a.value) => {
                self.t.record(&a.value);
                if !matches!(&a.targets[0], Expr::Name(n) if self.tracked(&n.id)) {
                    // A temporary path kept anywhere else (an attribute, a list).
                    self.unknown = true;
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    if self.t.is_temp_expr(&item.context_expr) {
                        self.t.record(&item.context_expr);
                        let kept = match &item.optional_vars {
                            Some(v) => matches!(&**v, Expr::Name(n) if self.tracked(&n.id)),
                            None => true,
                        };
                        self.unknown |= !kept;
                    } else {
                        self.visit_expr(&item.context_expr);
                        if let Some(v) = &item.optional_vars {
                            self.visit_expr(v);
                        }
                    }
                }
                self.visit_body(&w.body);
            }
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.unknown |= self.mentioned(|m| m.visit_stmt(s));
            }
            _ => walk_stmt(self, s),
        }
    }

    fn visit_expr(&mut self, e: &'x Expr) {
        if self.unknown {
            return;
        }
        match e {
            Expr::Name(n) => {
                let id = identifier(&n.id);
                if self.tracked(&n.id) || DYNAMIC_NAMES.contains(&&*id) {
                    self.unknown = true;
                }
            }
            Expr::Attribute(a) if is_dynamic_attribute(&a.attr.id) => self.unknown = true,
            // `f.name` read where it is not bound nor handed; any other attribute of a
            // temporary path or file (`open(p, "wb").write`, `Path(p).write_bytes`).
            Expr::Attribute(a) if self.t.is_temp_expr(&a.value) => {
                if self.t.is_temp_expr(e) {
                    self.t.record(e);
                } else {
                    self.unknown = true;
                }
            }
            Expr::Call(c) => {
                // A method of a temporary file that does not write it.
                if let Expr::Attribute(a) = &*c.func
                    && matches!(&*a.value, Expr::Name(n) if self.tracked(&n.id))
                {
                    if READING_METHODS.contains(&a.attr.id.as_str()) {
                        for arg in argument_values(&c.arguments) {
                            self.visit_expr(arg);
                        }
                        return;
                    }
                    if self.t.is_temp_expr(e) {
                        return;
                    }
                    self.unknown = true;
                    return;
                }
                if self.t.is_temp_expr(e) {
                    // Built or opened where it is not bound nor handed: nothing is written.
                    self.t.record(e);
                    return;
                }
                self.visit_expr(&c.func);
                let mut handed = false;
                for arg in argument_values(&c.arguments) {
                    if self.t.is_temp_expr(arg) {
                        self.t.record(arg);
                        handed = true;
                    } else {
                        self.visit_expr(arg);
                    }
                }
                if handed {
                    self.t.files.handed_to.push(&c.func);
                }
            }
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_) => {
                self.unknown |= self.mentioned(|m| m.visit_expr(e));
            }
            _ => walk_expr(self, e),
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

    /// The calls a temporary file's round trip needs resolved (makers, builders, openers,
    /// handed to), for the argument of the last statement's call.
    fn temp(src: &str) -> Option<(usize, usize, usize, usize)> {
        let parsed = ruff_python_parser::parse_module(src).ok()?;
        let body = &parsed.syntax().body;
        let Some(Stmt::FunctionDef(f)) = body.first() else { return None };
        let Some(Stmt::Return(r)) = f.body.last() else { return None };
        let Some(Expr::Call(c)) = r.value.as_deref() else { return None };
        let arg = c.arguments.args.first()?;
        let fixtures = f.name.id.starts_with("test");
        temp_file(&f.body, &f.parameters, fixtures, arg)
            .map(|t| (t.makers.len(), t.builders.len(), t.openers.len(), t.handed_to.len()))
    }

    #[test]
    fn a_temporary_file_written_by_pickle_writers_is_followed() {
        let src = "def f(x):\n    fn = tempfile.mktemp()\n    with open(fn, 'wb') as fh:\n        pickle.dump(x, fh)\n    fh = open(fn, 'rb')\n    fh.seek(0)\n    os.remove(fn)\n    return pickle.load(fh)\n";
        assert_eq!(temp(src), Some((1, 0, 2, 3)));
        let src = "def test_x(tmp_path):\n    p = tmp_path / 'x.pkl'\n    joblib.dump(1, p)\n    return joblib.load(p)\n";
        assert_eq!(temp(src), Some((0, 0, 0, 2)));
        let src = "def test_x(tmpdir):\n    p = str(tmpdir.join('x.pkl'))\n    joblib.dump(1, p)\n    return joblib.load(p)\n";
        assert_eq!(temp(src), Some((0, 1, 0, 2)));
    }

    #[test]
    fn anything_else_done_with_a_temporary_file_is_unknown() {
        for src in [
            "def f(x):\n    fn = tempfile.mktemp()\n    open(fn, 'wb').write(x)\n    return pickle.load(open(fn, 'rb'))\n",
            "def f(x):\n    fn = tempfile.mktemp()\n    with open(fn, 'wb') as fh:\n        fh.write(x)\n    return pickle.load(open(fn, 'rb'))\n",
            "def f(x):\n    fn = tempfile.mktemp()\n    fn = x\n    return joblib.load(fn)\n",
            "def f(x):\n    fn = tempfile.mktemp()\n    g = lambda: fn\n    return joblib.load(fn)\n",
            "def f(x):\n    fn = tempfile.mktemp()\n    self.path = fn\n    return joblib.load(fn)\n",
            "def f(x):\n    fn = tempfile.mktemp()\n    locals()\n    return joblib.load(fn)\n",
            "def f(tmp_path):\n    return joblib.load(tmp_path / 'x.pkl')\n",
            "def test_x(tmp_path):\n    return joblib.load(tmp_path / '/etc/x.pkl')\n",
            "def test_x(tmp_path):\n    return joblib.load(tmp_path / '../x.pkl')\n",
            "def test_x(tmp_path):\n    p = tmp_path / 'x'\n    p.write_bytes(b'x')\n    return joblib.load(p)\n",
            "def test_x(tmpdir):\n    for p in [tmpdir]:\n        pass\n    return joblib.load(tmpdir.join('x'))\n",
            "def f(x):\n    p = tempfile.mktemp(dir=x)\n    return joblib.load(p)\n",
        ] {
            assert_eq!(temp(src), None, "{src}");
        }
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
