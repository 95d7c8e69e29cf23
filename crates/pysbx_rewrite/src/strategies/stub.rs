//! `stub`: replace the flagged expression with one that raises when evaluated.
//!
//! The target is the smallest expression containing the finding, adjusted so the
//! replacement is valid and meaningful where it stands:
//!
//! - the callee of a call (`os.system` in `os.system("x")`) stubs the whole call, so the
//!   message quotes what was about to run;
//! - an expression inside an f-string or t-string replacement field stubs the outermost
//!   f-string: the stub contains quotes, which Python before 3.12 does not allow there;
//! - an expression that is not a value (an assignment, `del`, `for` or `with ... as` target,
//!   a walrus name) or sits in a `match` pattern (which only takes names and literals)
//!   stubs its enclosing statement instead: the statement becomes an expression statement
//!   that raises, so it raises where the statement would have run;
//! - a base class in a `class` statement is replaced by a blocked base (see [`crate::stub`]):
//!   the class is still defined, and creating an instance of it raises;
//! - a name or attribute read that is held rather than used (a parameter's default,
//!   `popen=subprocess.Popen`, or the value assigned to plain names, `_system = os.system`)
//!   is replaced by a blocked object (see [`crate::stub`]): the function or the alias is
//!   still defined, so the module imports, and any use of what it holds raises;
//! - an `import` binds each flagged name to a blocked object (see [`crate::stub`]);
//!   `from m import *` binds names nobody can list, so it becomes a raising statement.
//!
//! Names the replaced code bound stay bound to a blocked object (see [`super::bindings`]):
//! a raising statement is preceded by `x = <blocked object>; `, and an expression that held
//! a walrus becomes `((x := <blocked object>), <stub>)`.

use ruff_python_ast::{self as ast, AnyNodeRef, Expr, ExprContext};
use ruff_text_size::{Ranged, TextRange};

use super::bindings::Bindings;
use super::imports::flagged_aliases;
use super::{below_statement, enclosing_statement, rebind_statement};
use crate::stub::{
    blocked_base, blocked_object, import_raise_expr, is_catchable_name, raise_expr_caught,
};
use crate::text::line_breaks;
use crate::tree::{NodeId, NodeTree};

/// What a `stub` finding replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StubTarget {
    /// An expression, replaced by a raising expression.
    Expr(NodeId),
    /// A positional base of a `class` statement, replaced by a blocked base.
    Base(NodeId),
    /// A name or attribute read held as a parameter's default or assigned to plain names,
    /// replaced by a blocked object.
    Held(NodeId),
    /// A statement, replaced by a raising expression statement.
    Statement(NodeId),
    /// An import statement; the aliases (indices into its names) to bind to blocked objects.
    Import {
        /// The `import` or `from ... import` statement.
        stmt: NodeId,
        /// Indices of the flagged names.
        aliases: Vec<usize>,
    },
}

impl StubTarget {
    pub(crate) fn range(&self, tree: &NodeTree<'_>) -> TextRange {
        match self {
            Self::Expr(id)
            | Self::Base(id)
            | Self::Held(id)
            | Self::Statement(id)
            | Self::Import { stmt: id, .. } => tree.range(*id),
        }
    }
}

/// The node a `stub` finding whose deepest node is `deepest` replaces.
pub(crate) fn target(tree: &NodeTree<'_>, deepest: NodeId) -> Option<StubTarget> {
    let Some(expr) = below_statement(tree, deepest).find(|&a| tree.node(a).is_expression()) else {
        let stmt = enclosing_statement(tree, deepest)?;
        return Some(match flagged_aliases(tree, stmt, deepest) {
            Some(aliases) => StubTarget::Import { stmt, aliases },
            None => StubTarget::Statement(stmt),
        });
    };
    let mut expr = expr;
    if let Some(parent) = tree.parent(expr)
        && let AnyNodeRef::ExprCall(call) = tree.node(parent)
        && call.func.range() == tree.range(expr)
    {
        expr = parent;
    }
    if let Some(fstring) = below_statement(tree, expr)
        .filter(|&a| {
            matches!(tree.node(a), AnyNodeRef::ExprFString(_) | AnyNodeRef::ExprTString(_))
        })
        .last()
    {
        expr = fstring;
    }
    let in_pattern = below_statement(tree, expr).any(|a| tree.node(a).is_pattern());
    if in_pattern || !is_load(tree.node(expr)) {
        return enclosing_statement(tree, expr).map(StubTarget::Statement);
    }
    // A base sits in the class statement's argument list.
    if let Some(arguments) = tree.parent(expr)
        && let AnyNodeRef::Arguments(_) = tree.node(arguments)
        && let Some(class) = tree.parent(arguments)
        && let AnyNodeRef::StmtClassDef(class) = tree.node(class)
        && class.bases().iter().any(|base| base.range() == tree.range(expr))
    {
        return Some(StubTarget::Base(expr));
    }
    if is_held(tree, expr) {
        return Some(StubTarget::Held(expr));
    }
    Some(StubTarget::Expr(expr))
}

/// The text of the classes that the `except` clauses around `node` name, innermost `try`
/// first, when `node` is in the body of those `try` statements in the same scope (a function,
/// lambda, class or comprehension between them evaluates the stub elsewhere); only dotted
/// names ([`is_catchable_name`]), and none of the classes the stub's own already derives
/// from, which need nothing added.
pub(crate) fn caught_around(tree: &NodeTree<'_>, source: &str, node: NodeId) -> Vec<String> {
    let at = tree.range(node);
    let mut caught: Vec<String> = Vec::new();
    for ancestor in tree.ancestors(node).skip(1) {
        match tree.node(ancestor) {
            AnyNodeRef::StmtFunctionDef(_)
            | AnyNodeRef::StmtClassDef(_)
            | AnyNodeRef::ExprLambda(_)
            | AnyNodeRef::ExprListComp(_)
            | AnyNodeRef::ExprSetComp(_)
            | AnyNodeRef::ExprDictComp(_)
            | AnyNodeRef::ExprGenerator(_) => break,
            AnyNodeRef::StmtTry(t) if !t.is_star => {
                if !super::in_try_body(t, at) {
                    continue;
                }
                for handler in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = handler;
                    // The handlers Python asks in turn up to the first that takes the stub as
                    // it is (a bare `except:`, `except (OSError, CalledProcessError):`): the
                    // classes after it are never asked, and one whose `__init__` wants more
                    // than the message would only fail to be made.
                    let Some(kind) = h.type_.as_deref() else { return caught };
                    let classes = match kind {
                        Expr::Tuple(t) => t.elts.iter().collect::<Vec<_>>(),
                        other => vec![other],
                    };
                    if classes.iter().any(|class| already_caught(class)) {
                        return caught;
                    }
                    for class in classes {
                        if !is_catchable_name(class) {
                            continue;
                        }
                        if let Some(text) = source.get(class.range().to_std_range())
                            && !caught.iter().any(|c| c == text)
                        {
                            caught.push(text.to_string());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    caught
}

/// The exception a network library raises where there is no network, by the library's module
/// (the first part of the stubbed call's name) and the class's name on that module.
const OFFLINE_FAILURES: &[(&str, &str)] = &[
    ("requests", "ConnectionError"),
    ("httpx", "ConnectError"),
    ("urllib.request", "URLError"),
    ("urllib2", "URLError"),
    ("aiohttp", "ClientError"),
    ("socket", "gaierror"),
];

/// Where no handler around the stub names a class, the class the stubbed call's own library
/// raises when there is no network, read from the module the call was written on
/// (`requests.get(url)` in a helper whose caller has `except requests.ConnectionError:`):
/// `getattr(requests, "ConnectionError", None)`, evaluated when the stub raises, as the call
/// would have evaluated `requests`. The call's name (`subject`) picks the class; a call
/// written on anything but a dotted name (`session.get(url)`, a name imported from the
/// module) gets none.
pub(crate) fn offline_failure(
    tree: &NodeTree<'_>,
    source: &str,
    node: NodeId,
    subject: &str,
) -> Vec<String> {
    let call =
        std::iter::once(node).chain(tree.ancestors(node)).find_map(|id| match tree.node(id) {
            AnyNodeRef::ExprCall(c) => Some(c),
            _ => None,
        });
    let Some(call) = call else { return Vec::new() };
    let Expr::Attribute(func) = &*call.func else { return Vec::new() };
    // The call is written on the module the call's name starts with (`urllib.request`, or an
    // alias such as `rq` of `import requests as rq`): the name is that module's and the
    // attribute's.
    let module = subject.strip_suffix(func.attr.id.as_str()).and_then(|s| s.strip_suffix('.'));
    let Some(&(_, class)) = OFFLINE_FAILURES.iter().find(|(m, _)| Some(*m) == module) else {
        return Vec::new();
    };
    let receiver = source.get(func.value.range().to_std_range());
    match receiver {
        Some(receiver) if is_catchable_name(&func.value) => {
            vec![format!("getattr({receiver}, \"{class}\", None)")]
        }
        _ => Vec::new(),
    }
}

/// Whether an `except` clause's class already takes the stub's `PysbxBlocked` (one of its
/// bases, by name or on `builtins`), so naming it would add nothing.
fn already_caught(class: &Expr) -> bool {
    const BASES: &[&str] = &[
        "PermissionError",
        "OSError",
        "IOError",
        "EnvironmentError",
        "ValueError",
        "Exception",
        "BaseException",
    ];
    super::names_builtin(class, BASES)
}

/// Whether `expr` is a name or attribute read that its statement only keeps: a parameter's
/// default, or the value assigned to plain names. Evaluating it does nothing yet (the module
/// defines a function that may never run `popen=subprocess.Popen`), so a stub there raises
/// only when what it holds is used.
fn is_held(tree: &NodeTree<'_>, expr: NodeId) -> bool {
    if !matches!(tree.node(expr), AnyNodeRef::ExprName(_) | AnyNodeRef::ExprAttribute(_)) {
        return false;
    }
    let range = tree.range(expr);
    let Some(parent) = tree.parent(expr) else { return false };
    match tree.node(parent) {
        AnyNodeRef::ParameterWithDefault(p) => {
            p.default.as_ref().is_some_and(|d| d.range() == range)
        }
        AnyNodeRef::StmtAssign(a) => {
            a.value.range() == range && a.targets.iter().all(Expr::is_name_expr)
        }
        AnyNodeRef::StmtAnnAssign(a) => {
            a.value.as_ref().is_some_and(|v| v.range() == range) && a.target.is_name_expr()
        }
        _ => false,
    }
}

/// Whether `node` is a call that imports a module by name: `importlib.import_module(...)`,
/// `import_module(...)`, `__import__(...)`, `importlib.__import__(...)`.
pub(crate) fn is_dynamic_import(node: AnyNodeRef<'_>) -> bool {
    let AnyNodeRef::ExprCall(call) = node else { return false };
    let name = match &*call.func {
        Expr::Name(n) => n.id.as_str(),
        Expr::Attribute(a) => a.attr.id.as_str(),
        _ => return false,
    };
    matches!(name, "import_module" | "__import__")
}

/// Whether an expression is a value (not a store or delete target).
fn is_load(node: AnyNodeRef<'_>) -> bool {
    let ctx = match node {
        AnyNodeRef::ExprName(e) => e.ctx,
        AnyNodeRef::ExprAttribute(e) => e.ctx,
        AnyNodeRef::ExprSubscript(e) => e.ctx,
        AnyNodeRef::ExprStarred(e) => e.ctx,
        AnyNodeRef::ExprList(e) => e.ctx,
        AnyNodeRef::ExprTuple(e) => e.ctx,
        _ => return true,
    };
    ctx == ExprContext::Load
}

/// The raising replacement of `target`, whose text is `original`; `keep` is what it bound,
/// and `use_message` the message of the blocked object those names are bound to.
/// `caught` is what [`caught_around`] found for the target: the raising expression, evaluated
/// where the target stood, derives from the first of those classes it can; a blocked base or
/// object raises later, elsewhere, and does not. `None` for a module imported by a call
/// ([`is_dynamic_import`]), which raises `PysbxBlockedImport`, a `ModuleNotFoundError`.
pub(crate) fn render_raise(
    target: &StubTarget,
    original: &str,
    message: &str,
    keep: &Bindings,
    use_message: &str,
    caught: Option<&[String]>,
) -> String {
    let breaks = line_breaks(original);
    let stub = match caught {
        Some(caught) => raise_expr_caught(message, caught),
        None => import_raise_expr(message),
    };
    match target {
        // A base that binds names (`class C(b := blocked.Base)`) keeps them as any expression
        // does, and raises at the class statement.
        StubTarget::Expr(_) | StubTarget::Base(_) | StubTarget::Held(_)
            if !keep.names.is_empty() =>
        {
            let walrus: Vec<String> = keep
                .names
                .iter()
                .map(|n| format!("({n} := {})", blocked_object(use_message)))
                .collect();
            format!("({}, {stub}{breaks})", walrus.join(", "))
        }
        StubTarget::Base(_) => {
            let base = blocked_base(message);
            if breaks.is_empty() { base } else { format!("({base}{breaks})") }
        }
        StubTarget::Held(_) => {
            let object = blocked_object(message);
            if breaks.is_empty() { object } else { format!("({object}{breaks})") }
        }
        StubTarget::Statement(_) if let Some(rebind) = rebind_statement(keep, use_message) => {
            if breaks.is_empty() {
                format!("{rebind}; {stub}")
            } else {
                format!("{rebind}; ({stub}{breaks})")
            }
        }
        _ if breaks.is_empty() => stub,
        _ => format!("({stub}{breaks})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::text_range;
    use ruff_python_parser::parse_module;

    /// The target's kind and text for a finding on the first occurrence of `needle`.
    fn target_of(src: &str, needle: &str) -> (&'static str, String) {
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let start = u32::try_from(src.find(needle).unwrap()).unwrap();
        let end = start + u32::try_from(needle.len()).unwrap();
        let deepest = tree.deepest_containing(text_range(start, end).unwrap()).unwrap();
        let target = target(&tree, deepest).unwrap();
        let kind = match &target {
            StubTarget::Expr(_) => "expr",
            StubTarget::Base(_) => "base",
            StubTarget::Held(_) => "held",
            StubTarget::Statement(_) => "statement",
            StubTarget::Import { .. } => "import",
        };
        (kind, src[target.range(&tree)].to_string())
    }

    /// The classes of the handlers around the first occurrence of `needle`.
    fn caught_of(src: &str, needle: &str) -> Vec<String> {
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let start = u32::try_from(src.find(needle).unwrap()).unwrap();
        let end = start + u32::try_from(needle.len()).unwrap();
        let deepest = tree.deepest_containing(text_range(start, end).unwrap()).unwrap();
        caught_around(&tree, src, deepest)
    }

    #[test]
    fn the_handlers_around_a_stub_in_its_own_scope_are_named() {
        let src = "try:\n    try:\n        get(u)\n    except (A, b.C):\n        pass\n    except KeyError:\n        pass\nexcept URLError:\n    pass\n";
        assert_eq!(caught_of(src, "get(u)"), ["A", "b.C", "KeyError", "URLError"]);
        // In a handler, `else` or `finally`, not in a body: nothing.
        let handler = "try:\n    pass\nexcept A:\n    get(u)\nfinally:\n    put(u)\n";
        assert_eq!(caught_of(handler, "get(u)"), Vec::<String>::new());
        assert_eq!(caught_of(handler, "put(u)"), Vec::<String>::new());
        // A function, lambda or comprehension between: evaluated elsewhere, nothing.
        for inner in ["def f():\n        get(u)", "f = lambda: get(u)", "x = [get(u) for u in us]"]
        {
            let src = format!("try:\n    {inner}\nexcept A:\n    pass\n");
            assert_eq!(caught_of(&src, "get(u)"), Vec::<String>::new(), "{inner}");
        }
        // Up to the first handler that takes the stub as it is (here `OSError` beside another
        // class, or a bare `except:`), not past it.
        let plain = "try:\n    get(u)\nexcept (OSError, CalledProcessError):\n    pass\n";
        assert_eq!(caught_of(plain, "get(u)"), Vec::<String>::new());
        let before = "try:\n    get(u)\nexcept URLError:\n    pass\nexcept OSError:\n    pass\nexcept B:\n    pass\n";
        assert_eq!(caught_of(before, "get(u)"), ["URLError"]);
        let outer = "try:\n    try:\n        get(u)\n    except URLError:\n        pass\nexcept C:\n    pass\nexcept:\n    pass\n";
        assert_eq!(caught_of(outer, "get(u)"), ["URLError", "C"]);
        // Not dotted names, dunder attributes, `except*`, repeats.
        let odd = "try:\n    get(u)\nexcept errors():\n    pass\nexcept e.__class__:\n    pass\nexcept (A, A):\n    pass\n";
        assert_eq!(caught_of(odd, "get(u)"), ["A"]);
        let star = "try:\n    get(u)\nexcept* A:\n    pass\n";
        assert_eq!(caught_of(star, "get(u)"), Vec::<String>::new());
    }

    #[test]
    fn callee_stubs_the_call_and_a_name_load_stubs_the_name() {
        assert_eq!(target_of("os.system('x')\n", "os.system"), ("expr", "os.system('x')".into()));
        assert_eq!(target_of("g(eval, 1)\n", "eval"), ("expr", "eval".into()));
        assert_eq!(target_of("os.environ['a'] = 1\n", "os"), ("expr", "os".into()));
    }

    #[test]
    fn a_read_held_by_a_default_or_a_plain_assignment_is_held() {
        assert_eq!(target_of("f = eval\n", "eval"), ("held", "eval".into()));
        assert_eq!(target_of("f: object = eval\n", "eval"), ("held", "eval".into()));
        let default = "def run(cmd, popen=subprocess.Popen):\n    pass\n";
        assert_eq!(target_of(default, "subprocess.Popen"), ("held", "subprocess.Popen".into()));
        let lambda = "f = lambda cmd, run=os.system: run(cmd)\n";
        assert_eq!(target_of(lambda, "os.system"), ("held", "os.system".into()));
        // Used where it stands: raised there.
        assert_eq!(target_of("f.x = eval\n", "eval"), ("expr", "eval".into()));
        assert_eq!(target_of("f = (eval, 1)\n", "eval"), ("expr", "eval".into()));
        assert_eq!(target_of("f = eval.__call__\n", "eval"), ("expr", "eval".into()));
        let called = "def run(cmd, out=os.system('id')):\n    pass\n";
        assert_eq!(target_of(called, "os.system"), ("expr", "os.system('id')".into()));
    }

    #[test]
    fn store_and_delete_targets_fall_back_to_the_statement() {
        assert_eq!(target_of("eval = 1\n", "eval"), ("statement", "eval = 1".into()));
        assert_eq!(target_of("del x.system\n", "x.system"), ("statement", "del x.system".into()));
        assert_eq!(
            target_of("for eval in y:\n    pass\n", "eval"),
            ("statement", "for eval in y:\n    pass".into())
        );
    }

    #[test]
    fn f_string_fields_stub_the_outermost_f_string() {
        assert_eq!(
            target_of("x = f'a{f\"{eval(1)}\"}b'\n", "eval"),
            ("expr", "f'a{f\"{eval(1)}\"}b'".into())
        );
    }

    #[test]
    fn match_patterns_fall_back_to_the_match_statement() {
        let src = "match v:\n    case os.system:\n        pass\n";
        assert_eq!(target_of(src, "os.system"), ("statement", src.trim_end().into()));
        // A guard is an ordinary expression.
        let guarded = "match v:\n    case 1 if eval('x'):\n        pass\n";
        assert_eq!(target_of(guarded, "eval"), ("expr", "eval('x')".into()));
    }

    #[test]
    fn a_class_base_is_a_base_and_a_keyword_or_other_use_is_not() {
        let src = "class C(http.client.HTTPConnection):\n    pass\n";
        assert_eq!(
            target_of(src, "http.client.HTTPConnection"),
            ("base", "http.client.HTTPConnection".into())
        );
        let called = "class C(make(eval)):\n    pass\n";
        assert_eq!(target_of(called, "eval"), ("expr", "eval".into()));
        let keyword = "class C(metaclass=eval):\n    pass\n";
        assert_eq!(target_of(keyword, "eval"), ("expr", "eval".into()));
        let decorator = "@eval\nclass C(object):\n    pass\n";
        assert_eq!(target_of(decorator, "eval"), ("expr", "eval".into()));
    }

    #[test]
    fn imports_target_the_flagged_alias_or_all() {
        let parsed_alias = target_of("import os, ctypes\n", "ctypes");
        assert_eq!(parsed_alias, ("import", "import os, ctypes".into()));
        let star = target_of("from ctypes import *\n", "ctypes");
        assert_eq!(star, ("statement", "from ctypes import *".into()));
    }
}
