//! What a function body does with a dict it hands on to calls as `**name`: which keys it may
//! hold. A wrapper's own `**kwargs`, handed on untouched or given a few constant keys
//! (`kwargs["env"] = env`), holds whatever its callers chose plus those keys; a local dict
//! bound once, to a display with constant keys, and given only constant keys holds exactly
//! those keys, wherever the binding stands (in a branch, a loop, a `with` or a `try`: a name
//! bound anywhere in a function is local to all of it, so a call reached without the binding
//! having run raises `UnboundLocalError` and passes nothing). Anything else done with the
//! name (passed to a function, aliased, updated, rebound, captured by a nested function, or
//! any dynamic access to the frame's variables in the body) leaves its keys unknown.
//!
//! The callers a wrapper has in its own file are read too ([`FileCalls`]): the keywords they
//! give are keys of its `**kwargs`. Both reads are syntactic and err toward "unknown": a rule
//! that asks whether `shell` may be given through `**kwargs` then assumes it may.

use ruff_python_ast::name::Name;
use ruff_python_ast::visitor::{Visitor, walk_expr, walk_stmt};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};

use crate::glob::identifier;

/// Whether the identifier `id` is `name`.
fn same(id: &Name, name: &str) -> bool {
    identifier(id) == name
}

/// Whether a statement binds `name` through an identifier rather than an expression: a `def`
/// or `class` of that name (a decorator may make it a dict), or a `global` or `nonlocal`
/// declaration of it. Bindings by expression (`name = ...`, `for name in`, `with ... as
/// name`, `name := ...`) are seen as the name's expression.
pub(crate) fn stmt_binds(s: &Stmt, name: &str) -> bool {
    match s {
        Stmt::FunctionDef(f) => same(&f.name.id, name),
        Stmt::ClassDef(c) => same(&c.name.id, name),
        Stmt::Global(ast::StmtGlobal { names, .. })
        | Stmt::Nonlocal(ast::StmtNonlocal { names, .. }) => {
            names.iter().any(|n| same(&n.id, name))
        }
        _ => false,
    }
}

/// The name an import binds: `name` of `import evil as name`, of `from m import name` and of
/// `import name.x`.
pub(crate) fn alias_bound(alias: &ast::Alias) -> std::borrow::Cow<'_, str> {
    match &alias.asname {
        Some(asname) => identifier(&asname.id),
        None => identifier(alias.name.id.split('.').next().unwrap_or_default()),
    }
}

/// Whether an import binds `name` (an import may bind any object a finder or `sys.modules`
/// holds, a dict among them).
pub(crate) fn alias_binds(alias: &ast::Alias, name: &str) -> bool {
    alias_bound(alias) == name
}

/// Whether an `except ... as name` clause binds `name`.
pub(crate) fn handler_binds(handler: &ast::ExceptHandler, name: &str) -> bool {
    let ast::ExceptHandler::ExceptHandler(h) = handler;
    h.name.as_ref().is_some_and(|n| same(&n.id, name))
}

/// The name a `case` pattern captures into itself (`case {**name}`, `case [*name]`, `case x
/// as name`), if any.
pub(crate) fn pattern_capture(pattern: &ast::Pattern) -> Option<&ast::Identifier> {
    match pattern {
        ast::Pattern::MatchAs(p) => p.name.as_ref(),
        ast::Pattern::MatchStar(p) => p.name.as_ref(),
        ast::Pattern::MatchMapping(p) => p.rest.as_ref(),
        _ => None,
    }
}

/// Whether a `case` pattern captures into `name`.
pub(crate) fn pattern_binds(pattern: &ast::Pattern, name: &str) -> bool {
    pattern_capture(pattern).is_some_and(|n| same(&n.id, name))
}

/// A call's argument values, positional then keyword (`*args` and `**kwargs` included).
pub(crate) fn argument_values(arguments: &ast::Arguments) -> impl Iterator<Item = &Expr> {
    arguments.args.iter().chain(arguments.keywords.iter().map(|k| &k.value))
}

/// The `Visitor` methods that see names bound by identifiers rather than expressions (an
/// import's alias, `except ... as`, a `case` capture), setting the visitor's flag `$flag`
/// when one binds its `name`; a visitor whose flag is set looks no further.
macro_rules! binding_identifiers {
    ($flag:ident) => {
        fn visit_alias(&mut self, alias: &'x ast::Alias) {
            self.$flag |= $crate::spread::alias_binds(alias, self.name);
        }

        fn visit_except_handler(&mut self, handler: &'x ast::ExceptHandler) {
            self.$flag |= $crate::spread::handler_binds(handler, self.name);
            if !self.$flag {
                ruff_python_ast::visitor::walk_except_handler(self, handler);
            }
        }

        fn visit_pattern(&mut self, pattern: &'x ast::Pattern) {
            self.$flag |= $crate::spread::pattern_binds(pattern, self.name);
            if !self.$flag {
                ruff_python_ast::visitor::walk_pattern(self, pattern);
            }
        }
    };
}
pub(crate) use binding_identifiers;

/// The keys a dict handed on as `**name` may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spread {
    /// The function's own `**kwargs`: any key its callers passed, besides `keys`.
    pub(crate) from_callers: bool,
    /// The constant keys the body gives it (for a local dict, every key it may hold).
    pub(crate) keys: Vec<String>,
}

impl Spread {
    /// Whether `keyword` may be among the keys the body itself gives the dict.
    pub(crate) fn sets(&self, keyword: &str) -> bool {
        self.keys.iter().any(|k| k == keyword)
    }
}

/// Names that reach a frame's variables by name (`locals()["kw"]`): with any of them in the
/// body, nothing is known of any dict (nor of a buffer, see `crate::roundtrip`).
pub(crate) const DYNAMIC_NAMES: &[&str] = &["locals", "vars", "globals", "exec", "eval"];
const DYNAMIC_ATTRIBUTES: &[&str] = &["f_locals", "f_globals", "_getframe", "currentframe"];

/// Whether an attribute's name (NFKC-normalized) reaches a frame's variables.
pub(crate) fn is_dynamic_attribute(attr: &str) -> bool {
    DYNAMIC_ATTRIBUTES.contains(&&*identifier(attr))
}
/// Methods of a dict that read it or only remove keys.
const READING_METHODS: &[&str] = &["get", "pop", "copy", "keys", "items", "values", "__contains__"];

/// What `body` does with `name` (NFKC-normalized), handed on as `**name` at least once;
/// `kwarg`: `name` is the function's own `**` parameter; `builtin_dict`: the name `dict` is
/// the builtin where the body stands (so `dict(cwd=c)` is a dict of the key `cwd`);
/// `builtin_vars`: so is `vars` (`vars(obj)`, given an object, is that object's attributes, not
/// the frame's variables). `None` when the keys are not known.
pub(crate) fn classify(
    body: &[Stmt],
    name: &str,
    kwarg: bool,
    builtin_dict: bool,
    builtin_vars: bool,
) -> Option<Spread> {
    let mut uses = Uses {
        name,
        kwarg,
        builtin_dict,
        builtin_vars,
        bound: false,
        handed_on: 0,
        keys: Vec::new(),
        unknown: false,
    };
    uses.visit_body(body);
    (!uses.unknown && uses.handed_on > 0 && (kwarg || uses.bound))
        .then_some(Spread { from_callers: kwarg, keys: uses.keys })
}

struct Uses<'n> {
    name: &'n str,
    kwarg: bool,
    builtin_dict: bool,
    builtin_vars: bool,
    bound: bool,
    handed_on: usize,
    keys: Vec<String>,
    unknown: bool,
}

impl Uses<'_> {
    fn is_name(&self, e: &Expr) -> bool {
        matches!(e, Expr::Name(n) if same(&n.id, self.name))
    }

    fn add_key(&mut self, key: &Expr) {
        match key {
            // Joined here: `to_str` would cache the join in the tree, which a region never
            // drops.
            Expr::StringLiteral(s) => {
                self.keys.push(s.value.iter().map(|part| &*part.value).collect());
            }
            _ => self.unknown = true,
        }
    }

    /// `name["key"]` as an assignment, augmented assignment or `del` target.
    fn keyed_target(&mut self, target: &Expr) -> bool {
        match target {
            Expr::Subscript(s) if self.is_name(&s.value) => {
                self.add_key(&s.slice);
                true
            }
            _ => false,
        }
    }

    /// Whether `e` (a nested scope) mentions the name at all.
    fn mentions(&self, visit: impl FnOnce(&mut Mentions<'_>)) -> bool {
        let mut m = Mentions { name: self.name, found: false };
        visit(&mut m);
        m.found
    }
}

impl<'x> Visitor<'x> for Uses<'_> {
    fn visit_stmt(&mut self, s: &'x Stmt) {
        if self.unknown {
            return;
        }
        match s {
            Stmt::Assign(a) => {
                for t in &a.targets {
                    if self.keyed_target(t) {
                        continue;
                    }
                    if self.is_name(t) {
                        let first = !self.kwarg && !self.bound;
                        match &*a.value {
                            Expr::Dict(d) if first => {
                                let keys = d
                                    .items
                                    .iter()
                                    .map(|item| item.key.as_ref())
                                    .collect::<Option<Vec<&Expr>>>();
                                match keys {
                                    Some(keys) => {
                                        self.bound = true;
                                        keys.into_iter().for_each(|k| self.add_key(k));
                                    }
                                    None => self.unknown = true,
                                }
                            }
                            // `dict(bufsize=0, stdin=PIPE)`: keywords only, no `**`.
                            Expr::Call(c)
                                if first
                                    && self.builtin_dict
                                    && matches!(&*c.func, Expr::Name(f) if same(&f.id, "dict"))
                                    && c.arguments.args.is_empty()
                                    && c.arguments.keywords.iter().all(|k| k.arg.is_some()) =>
                            {
                                self.bound = true;
                                for k in &c.arguments.keywords {
                                    if let Some(id) = &k.arg {
                                        self.keys.push(crate::glob::identifier(id).into_owned());
                                    }
                                }
                            }
                            _ => self.unknown = true,
                        }
                        continue;
                    }
                    self.visit_expr(t);
                }
                self.visit_expr(&a.value);
            }
            Stmt::AugAssign(a) if self.keyed_target(&a.target) => self.visit_expr(&a.value),
            Stmt::Delete(d) => {
                for t in &d.targets {
                    if !self.keyed_target(t) {
                        self.visit_expr(t);
                    }
                }
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
            Expr::Name(n) => {
                let id = identifier(&n.id);
                if *id == *self.name || DYNAMIC_NAMES.contains(&&*id) {
                    self.unknown = true;
                }
            }
            Expr::Attribute(a) if is_dynamic_attribute(&a.attr.id) => {
                self.unknown = true;
            }
            Expr::Call(c) => {
                match &*c.func {
                    Expr::Attribute(a) if self.is_name(&a.value) => {
                        match &*identifier(&a.attr.id) {
                            m if READING_METHODS.contains(&m) => {}
                            "setdefault" => match c.arguments.args.first() {
                                Some(k) => self.add_key(k),
                                None => self.unknown = true,
                            },
                            _ => self.unknown = true,
                        }
                    }
                    // `vars(ns)`: the attributes of `ns` (only `vars()` is the frame's).
                    Expr::Name(n)
                        if self.builtin_vars
                            && *identifier(&n.id) == *"vars"
                            && c.arguments.keywords.is_empty()
                            && matches!(&*c.arguments.args, [a] if !matches!(a, Expr::Starred(_))) =>
                        {}
                    f => self.visit_expr(f),
                }
                for arg in &c.arguments.args {
                    self.visit_expr(arg);
                }
                for k in &c.arguments.keywords {
                    if k.arg.is_none() && self.is_name(&k.value) {
                        self.handed_on += 1;
                    } else {
                        self.visit_expr(&k.value);
                    }
                }
            }
            // A read of a key, or a test of one (`"env" in kwargs`).
            Expr::Subscript(s) if s.ctx == ExprContext::Load && self.is_name(&s.value) => {
                self.visit_expr(&s.slice);
            }
            Expr::Compare(c)
                if c.ops.iter().all(|op| matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn)) =>
            {
                self.visit_expr(&c.left);
                for right in &c.comparators {
                    if !self.is_name(right) {
                        self.visit_expr(right);
                    }
                }
            }
            Expr::Lambda(_)
            | Expr::ListComp(_)
            | Expr::SetComp(_)
            | Expr::DictComp(_)
            | Expr::Generator(_) => {
                self.unknown |= self.mentions(|m| m.visit_expr(e));
                if !self.unknown {
                    walk_expr(self, e);
                }
            }
            _ => walk_expr(self, e),
        }
    }

    binding_identifiers!(unknown);
}

/// The keywords the file's own calls give each callee name (`run(cmd, shell=True)`,
/// `self.run(cmd, cwd=d)`): a wrapper's `**kwargs` holds those too, and the file's choice is
/// read where the wrapper hands them on. Callees are told apart by their last identifier
/// only (a call of any object's `run` counts for every `run` of the file), which can only
/// add keys. A call handing on the calling function's own `**kwargs` gives whatever the
/// file's calls of that function give (followed through chains of wrappers); any other `**`
/// dict at a call leaves the keys unknown. Built once per file, and only for a file with a
/// wrapper handing on its own `**kwargs`.
#[derive(Debug, Default)]
pub(crate) struct FileCalls {
    given: rustc_hash::FxHashMap<String, Given>,
}

/// What the file's calls of one name give as keywords.
#[derive(Debug, Default)]
struct Given {
    keys: Vec<String>,
    /// Functions whose own `**kwargs` a call hands on: what their callers give.
    through: Vec<String>,
    /// A call gives a `**` dict of keys not followed.
    unknown: bool,
}

impl FileCalls {
    pub(crate) fn read(module: &[Stmt]) -> Self {
        let mut reader = CallReader { calls: Self::default(), enclosing: Vec::new() };
        reader.visit_body(module);
        reader.calls
    }

    /// Adds to `spread` (a function's own `**kwargs` as its body uses them) the keys the
    /// file's calls of `function` give; `None` when one of them gives a `**` dict not
    /// followed.
    pub(crate) fn feed(&self, function: &str, mut spread: Spread) -> Option<Spread> {
        let mut seen: Vec<&str> = vec![function];
        let mut i = 0;
        while let Some(&name) = seen.get(i) {
            i += 1;
            let Some(g) = self.given.get(name) else { continue };
            if g.unknown {
                return None;
            }
            spread.keys.extend(g.keys.iter().cloned());
            for t in &g.through {
                if !seen.contains(&t.as_str()) {
                    seen.push(t);
                }
            }
        }
        Some(spread)
    }
}

/// A function being read by [`CallReader`].
struct Enclosing<'x> {
    name: String,
    /// Its `**` parameter (none for a lambda, whose parameters are not followed).
    kwarg: Option<String>,
    body: &'x [Stmt],
    /// What its body does with its `**kwargs`, once asked.
    own: Option<Option<Spread>>,
}

struct CallReader<'x> {
    calls: FileCalls,
    enclosing: Vec<Enclosing<'x>>,
}

impl<'x> Visitor<'x> for CallReader<'x> {
    fn visit_stmt(&mut self, s: &'x Stmt) {
        if let Stmt::FunctionDef(f) = s {
            self.enclosing.push(Enclosing {
                name: identifier(&f.name.id).into_owned(),
                kwarg: f.parameters.kwarg.as_ref().map(|k| identifier(&k.name.id).into_owned()),
                body: &f.body,
                own: None,
            });
            walk_stmt(self, s);
            self.enclosing.pop();
        } else {
            walk_stmt(self, s);
        }
    }

    fn visit_expr(&mut self, e: &'x Expr) {
        match e {
            Expr::Lambda(_) => {
                self.enclosing.push(Enclosing {
                    name: String::new(),
                    kwarg: None,
                    body: &[],
                    own: None,
                });
                walk_expr(self, e);
                self.enclosing.pop();
                return;
            }
            Expr::Call(c) if !c.arguments.keywords.is_empty() => {
                let callee = match &*c.func {
                    Expr::Name(n) => Some(&n.id),
                    Expr::Attribute(a) => Some(&a.attr.id),
                    _ => None,
                };
                if let Some(callee) = callee {
                    let given =
                        self.calls.given.entry(identifier(callee).into_owned()).or_default();
                    for k in &c.arguments.keywords {
                        let Some(id) = &k.arg else {
                            // The calling function's own `**kwargs`: what its callers give,
                            // and the keys its body gives them (`kwargs["shell"] = True`).
                            let own = match (&k.value, self.enclosing.last_mut()) {
                                (Expr::Name(n), Some(f))
                                    if f.kwarg.as_deref() == Some(&*identifier(&n.id)) =>
                                {
                                    let kwarg = f.kwarg.as_deref().unwrap_or_default();
                                    let body = f.body;
                                    f.own
                                        .get_or_insert_with(|| {
                                            classify(body, kwarg, true, false, false)
                                        })
                                        .as_ref()
                                        .map(|own| (f.name.clone(), own.keys.clone()))
                                }
                                _ => None,
                            };
                            match own {
                                Some((function, keys)) => {
                                    given.through.push(function);
                                    given.keys.extend(keys);
                                }
                                None => given.unknown = true,
                            }
                            continue;
                        };
                        given.keys.push(identifier(&id.id).into_owned());
                    }
                }
            }
            _ => {}
        }
        walk_expr(self, e);
    }
}

/// Finds the name anywhere in a subtree (a nested scope, where it may be another variable or
/// a closure over this one: either way not followed).
struct Mentions<'n> {
    name: &'n str,
    found: bool,
}

impl<'x> Visitor<'x> for Mentions<'_> {
    fn visit_stmt(&mut self, s: &'x Stmt) {
        self.found |= stmt_binds(s, self.name);
        if !self.found {
            walk_stmt(self, s);
        }
    }

    binding_identifiers!(found);

    fn visit_expr(&mut self, e: &'x Expr) {
        if let Expr::Name(n) = e
            && same(&n.id, self.name)
        {
            self.found = true;
        }
        if !self.found {
            walk_expr(self, e);
        }
    }

    fn visit_parameter(&mut self, p: &'x ast::Parameter) {
        self.found |= same(&p.name.id, self.name);
        ruff_python_ast::visitor::walk_parameter(self, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(src: &str) -> Vec<Stmt> {
        let parsed = ruff_python_parser::parse_module(src).expect("parses");
        let Stmt::FunctionDef(f) = parsed.into_suite().remove(0) else { panic!("a def") };
        f.body.into_iter().collect()
    }

    fn kwarg(src: &str) -> Option<Spread> {
        classify(&body(src), "kw", true, true, true)
    }

    fn local(src: &str) -> Option<Spread> {
        classify(&body(src), "kw", false, true, true)
    }

    #[test]
    fn a_wrapper_handing_on_its_kwargs_holds_its_callers_keys() {
        let s = kwarg("def f(c, **kw):\n    return run(c, **kw)\n").expect("known");
        assert!(s.from_callers && s.keys.is_empty());
        let s = kwarg(
            "def f(c, **kw):\n    if 'env' not in kw:\n        kw['env'] = {}\n    kw['env']['X'] = '1'\n    kw.pop('cwd', None)\n    return run(c, **kw)\n",
        )
        .expect("known");
        assert_eq!(s.keys, vec!["env".to_string()]);
        let s = kwarg("def f(c, **kw):\n    kw.setdefault('stdin', 0)\n    return run(c, **kw)\n")
            .expect("known");
        assert!(s.sets("stdin") && !s.sets("shell"));
        let s = kwarg("def f(c, **kw):\n    ｋｗ['sh' 'ell'] = True\n    return run(c, **kw)\n")
            .expect("known");
        assert!(
            s.sets("shell"),
            "an implicit concatenation is one key, a normalized name one name"
        );
    }

    #[test]
    fn anything_else_done_with_the_kwargs_leaves_them_unknown() {
        for src in [
            "def f(c, **kw):\n    kw.update(shell=True)\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    kw[k] = True\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    other(kw)\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    alias = kw\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    kw = {'shell': True}\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    locals()['kw']['shell'] = True\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    sys._getframe().f_locals\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    def g():\n        kw['shell'] = 1\n    g()\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    (lambda: kw.update(shell=1))()\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    return run(c)\n",
            "def f(c, **kw):\n    ｋｗ.update(shell=True)\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    ｌｏｃａｌｓ()['kw']['shell'] = 1\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    import evil as kw\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    from evil import kw\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    import kw.sub\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    @lambda f: {'shell': True}\n    def kw(): pass\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    @lambda c: {'shell': True}\n    class kw: pass\n    return run(c, **kw)\n",
            "def f(c, **kw):\n    try:\n        raise E()\n    except E as kw:\n        return run(c, **kw)\n",
            "def f(c, **kw):\n    match c:\n        case {**kw}:\n            return run(c, **kw)\n",
            "def f(c, **kw):\n    match c:\n        case dict() as kw:\n            return run(c, **kw)\n",
            "def f(c, **kw):\n    def g():\n        nonlocal kw\n        import evil as kw\n    g()\n    return run(c, **kw)\n",
        ] {
            assert_eq!(kwarg(src), None, "{src}");
        }
    }

    #[test]
    fn the_files_own_calls_add_their_keywords() {
        let module = ruff_python_parser::parse_module(
            "def run(c, **kw):\n    return sp(c, **kw)\nrun('ls', cwd='/')\nx.run('ls', ｓｈｅｌｌ=True)\nwrap(**opts)\n\
             def outer(c, **kw):\n    return inner(c, **kw)\nouter(c, env={})\n\
             def spawn(c, **kw):\n    spawn(c, dry=1, **kw)\n\
             def g(c, **kw):\n    return (lambda **kw: later(c, **kw))()\n\
             def forcing(c, **kw):\n    kw['shell'] = True\n    return forced(c, **kw)\n\
             def passing(c, **kw):\n    other(kw)\n    return passed(c, **kw)\n",
        )
        .expect("parses")
        .into_suite();
        let calls = FileCalls::read(&module);
        let plain = || Spread { from_callers: true, keys: Vec::new() };
        let run = calls.feed("run", plain()).expect("known");
        assert!(run.sets("cwd") && run.sets("shell"), "{run:?}");
        assert_eq!(calls.feed("wrap", plain()), None, "a ** at a call: unknown");
        assert_eq!(calls.feed("other", plain()), Some(plain()));
        let inner = calls.feed("inner", plain()).expect("known: outer's own **kw");
        assert!(inner.sets("env"), "what outer's callers give reaches inner: {inner:?}");
        let spawn = calls.feed("spawn", plain()).expect("a recursive hand-on adds nothing");
        assert!(spawn.sets("dry") && !spawn.sets("shell"));
        assert_eq!(calls.feed("later", plain()), None, "a lambda's own ** is not g's");
        let forced = calls.feed("forced", plain()).expect("known");
        assert!(forced.sets("shell"), "the key a wrapper's body gives reaches the next one");
        assert_eq!(calls.feed("passed", plain()), None, "a **kwargs the body hands away");
    }

    #[test]
    fn a_local_dict_of_constant_keys_holds_those_keys() {
        let s = local(
            "def f(c, t):\n    kw = {'cwd': c, 'env': {}}\n    kw['timeout'] = t\n    return run(c, **kw)\n",
        )
        .expect("known");
        assert!(!s.from_callers);
        assert_eq!(s.keys, vec!["cwd".to_string(), "env".to_string(), "timeout".to_string()]);
        for src in [
            "def f(c):\n    if c:\n        kw = {'cwd': c}\n    return run(c, **kw)\n",
            "def f(c):\n    with lock:\n        kw = {'cwd': c}\n        return run(c, **kw)\n",
            "def f(c):\n    try:\n        kw = {'cwd': c}\n    except E:\n        raise\n    for x in c:\n        kw['env'] = x\n    return run(c, **kw)\n",
        ] {
            let s = local(src).expect("known: one binding, wherever it stands");
            assert!(!s.sets("shell"), "{src}");
        }
        for src in [
            "def f(c):\n    if c:\n        kw = {'cwd': c}\n    else:\n        kw = {'shell': True}\n    return run(c, **kw)\n",
            "def f(c):\n    for kw in c:\n        run(c, **kw)\n    kw = {'cwd': c}\n",
            "def f(c):\n    with g() as kw:\n        pass\n    kw = {'cwd': c}\n    return run(c, **kw)\n",
            "def f(c):\n    kw = {'cwd': c}\n    if (kw := other()):\n        pass\n    return run(c, **kw)\n",
            "def f(c):\n    kw = {'cwd': c}\n    from evil import kw\n    return run(c, **kw)\n",
            "def f(c):\n    kw = {'cwd': c}\n    match c:\n        case [*kw]:\n            pass\n    return run(c, **kw)\n",
            "def f(c):\n    kw = {'cwd': c}\n    kw = {'shell': True}\n    return run(c, **kw)\n",
            "def f(c):\n    kw = {**base}\n    return run(c, **kw)\n",
            "def f(c):\n    kw = make()\n    return run(c, **kw)\n",
            "def f(c):\n    return run(c, **kw)\n",
            "def f(c):\n    kw = dict(base, cwd=c)\n    return run(c, **kw)\n",
            "def f(c):\n    kw = dict(cwd=c, **base)\n    return run(c, **kw)\n",
        ] {
            assert_eq!(local(src), None, "{src}");
        }
    }

    #[test]
    fn a_dict_call_of_keywords_holds_those_keys_when_dict_is_the_builtin() {
        let src = "def f(c):\n    kw = dict(bufsize=0, stdin=PIPE)\n    kw['cwd'] = c\n    return run(c, **kw)\n";
        let s = local(src).expect("known");
        assert_eq!(s.keys, vec!["bufsize".to_string(), "stdin".to_string(), "cwd".to_string()]);
        assert!(!s.sets("shell"));
        assert!(classify(&body(src), "kw", false, true, true).is_some_and(|s| s.sets("stdin")));
        assert_eq!(classify(&body(src), "kw", false, false, true), None, "dict rebound: unknown");
        let shell = local("def f(c):\n    kw = dict(shell=True)\n    return run(c, **kw)\n");
        assert!(shell.expect("known").sets("shell"));
    }
}
