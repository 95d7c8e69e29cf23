//! The text of the stubs and how to recognise one already in a file.
//!
//! A stub expression raises a fresh `PermissionError` (and `ValueError`) subclass,
//! `PysbxBlocked`, whose message names the rule, the line and the original code:
//!
//! ```python
//! (_ for _ in ()).throw(type("PysbxBlocked", (PermissionError, ValueError), {})("PSB201 (os-system) blocked at line 3: os.system('x')"))
//! ```
//!
//! It needs no import, and contains no name, attribute or call that a rule pack flags: the
//! class is built with `type(...)` and raised through an empty generator's `.throw`, since
//! `raise` is a statement and cannot stand where an expression must. Whatever happens to
//! `type` or `PermissionError` (a program may shadow them), `.throw` raises: it raises its
//! argument, or `TypeError` when that is not an exception. The original code never runs.
//!
//! A base class in a `class` statement becomes a blocked base, a class whose `__new__`
//! evaluates that raising expression, so the class statement still runs (a module that
//! subclasses a blocked class can be imported) and creating an instance raises:
//!
//! ```python
//! class Conn(type("PysbxBlockedBase", (), {"__new__": lambda *_a, **_kw: (_ for _ in ()).throw(...)})):
//! ```
//!
//! An import binds its names to a blocked object instead, an instance of a class whose
//! special methods (attribute access, call, item access, iteration, truth, `with`) all
//! evaluate that same raising expression; so the import succeeds and the first use raises.
//! Where the program handles a missing module (`try: import ctypes` with `except
//! ImportError:`), the import raises `PysbxBlockedImport`, a `ModuleNotFoundError`, instead
//! (see `strategies::imports`).
//!
//! Sanitizing twice must change nothing, yet a stub quotes the original code in its message,
//! which a `string:` rule may match. So the sanitizer finds the stubs already in a file
//! ([`stub_regions`]) and leaves findings inside them alone. A region counts as a stub only
//! when its text is exactly what [`raise_expr`] or [`blocked_object`] renders for the
//! message it carries, so nothing but that inert message can hide there; an assignment of
//! a blocked object to plain names counts too.

use std::collections::HashSet;

use pysbx_rules::Rule;
use ruff_python_ast::{AnyNodeRef, Expr};
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::text::{one_line, python_str_literal};
use crate::tree::NodeTree;

/// Name of the `PermissionError` (and `ValueError`) subclass every stub raises: `ValueError`
/// for code that asks for its caller's frame inside `except (AttributeError, ValueError)`, as
/// the standard library and `typing_extensions` do, and takes its fallback when there is none.
pub const STUB_EXCEPTION: &str = "PysbxBlocked";

/// Name of the class of the object an import of a blocked module binds.
pub const BLOCKED_MODULE_CLASS: &str = "PysbxBlockedModule";

const RAISE_PREFIX: &str =
    "(_ for _ in ()).throw(type(\"PysbxBlocked\", (PermissionError, ValueError), {})(";
const RAISE_SUFFIX: &str = "))";

/// The raising expression of an import the program handles as missing (see
/// [`import_raise_expr`]): its class, `PysbxBlockedImport`, is a `ModuleNotFoundError`, caught
/// by `except ImportError` and by `except ModuleNotFoundError` alike, as a module that is not
/// installed is.
const IMPORT_RAISE_PREFIX: &str =
    "(_ for _ in ()).throw(type(\"PysbxBlockedImport\", (ModuleNotFoundError,), {})(";

/// The special methods of the blocked object: every way a module or a class imported from
/// it is normally used. `__getattr__` only sees missing attributes, so `repr()` and `is`
/// still work, which keeps tracebacks and `if x is None` checks usable.
const BLOCKED_METHODS: &[&str] = &[
    "__getattr__",
    "__setattr__",
    "__delattr__",
    "__call__",
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__iter__",
    "__len__",
    "__contains__",
    "__bool__",
    "__enter__",
    "__exit__",
];

/// Name of the class a blocked base is.
pub(crate) const BLOCKED_BASE_CLASS: &str = "PysbxBlockedBase";

/// The blocked base's text before its raising lambda body.
fn base_prefix() -> String {
    format!("type(\"{BLOCKED_BASE_CLASS}\", (), {{\"__new__\": lambda *_a, **_kw: ")
}

/// The blocked base's text after its raising lambda body.
const BASE_SUFFIX: &str = "})";

/// A one-line expression for a class whose instances cannot be created: creating one raises
/// `PysbxBlocked(message)`.
pub(crate) fn blocked_base(message: &str) -> String {
    format!("{}{}{BASE_SUFFIX}", base_prefix(), raise_expr(message))
}

/// The blocked object's text before its raising lambda body.
fn object_prefix() -> String {
    format!("type(\"{BLOCKED_MODULE_CLASS}\", (), {{_k: (lambda *_a, **_kw: ")
}

/// The blocked object's text after its raising lambda body: the method names and the call.
fn object_suffix() -> String {
    let keys: Vec<String> = BLOCKED_METHODS.iter().map(|m| format!("\"{m}\"")).collect();
    format!(") for _k in ({})}})()", keys.join(", "))
}

/// A one-line expression that raises `PysbxBlocked(message)` when evaluated.
pub(crate) fn raise_expr(message: &str) -> String {
    format!("{RAISE_PREFIX}{}{RAISE_SUFFIX}", python_str_literal(message))
}

/// The start of a raising expression whose class also derives from a class the program's
/// own handlers catch (see [`raise_expr_caught`]).
const CAUGHT_PREFIX: &str = "(_ for _ in ()).throw(type(\"PysbxBlocked\", (*[_c for _c in (";

/// The filter after the handlers' classes: the first of them that is an `Exception` class not
/// already above `PermissionError`, and either an `OSError` (whose instances share
/// `PermissionError`'s layout) or a class with no fields beyond a plain subclass of
/// `Exception`'s (so the new class's bases never conflict, and `type(...)` cannot fail).
const CAUGHT_FILTER: &str = ",) if isinstance(_c, type) and issubclass(_c, Exception) and not \
     issubclass(PermissionError, _c) and (issubclass(_c, OSError) or _c.__basicsize__ <= \
     type(\"_\", (Exception,), {}).__basicsize__)][:1], PermissionError, ValueError), {})(";

/// A one-line expression that raises `PysbxBlocked(message)`, whose class also derives from
/// the first of `caught` (the text of the classes that the `except` clauses around the stub
/// name, each a dotted name) that can be a base of it: where the program handles the failure
/// of what was stubbed (`except urllib.error.URLError:`, `except requests.ConnectionError:`),
/// its own handler takes the refusal, as it would take the error of a machine with no
/// network. The classes are evaluated when the stub raises, as the handlers would evaluate
/// them then. With no such class it is [`raise_expr`].
pub(crate) fn raise_expr_caught(message: &str, caught: &[String]) -> String {
    if caught.is_empty() {
        return raise_expr(message);
    }
    format!(
        "{CAUGHT_PREFIX}{}{CAUGHT_FILTER}{}{RAISE_SUFFIX}",
        caught.join(", "),
        python_str_literal(message)
    )
}

/// Whether `expr` is a dotted name that a stub may name as a handler's class: names and
/// attributes of plain identifiers, no double-underscore attribute among them.
pub(crate) fn is_catchable_name(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(a) => !a.attr.id.as_str().starts_with("__") && is_catchable_name(&a.value),
        _ => false,
    }
}

/// A one-line expression that raises `PysbxBlockedImport(message)`, a `ModuleNotFoundError`: the
/// stub of an import the program is ready to find missing (`try: import ctypes` with `except
/// ImportError:`), which takes the program's own fallback instead of binding a blocked object
/// whose first use would raise past that handler.
pub(crate) fn import_raise_expr(message: &str) -> String {
    format!("{IMPORT_RAISE_PREFIX}{}{RAISE_SUFFIX}", python_str_literal(message))
}

/// A one-line expression for an object whose every use raises `PysbxBlocked(message)`.
pub(crate) fn blocked_object(message: &str) -> String {
    format!("{}{}{}", object_prefix(), raise_expr(message), object_suffix())
}

/// The message of a stub replacing `code` (the original text) found by `rule` at `line`.
pub(crate) fn message(rule: &Rule, line: u32, code: &str) -> String {
    format!("{} ({}) blocked at line {line}: {}", rule.id, rule.name, one_line(code))
}

/// The message of the blocked object bound to `name` in place of the binding in `code`.
pub(crate) fn blocked_use_message(rule: &Rule, line: u32, name: &str, code: &str) -> String {
    format!("{} ({}) blocked use of {name} at line {line}: {}", rule.id, rule.name, one_line(code))
}

/// The ranges of every stub expression and blocked object already in the module.
pub(crate) fn stub_regions(tree: &NodeTree<'_>, source: &str) -> Vec<TextRange> {
    let mut raises = HashSet::new();
    for (_, node) in tree.nodes() {
        if let AnyNodeRef::ExprCall(call) = node
            && let Some(text) = slice(source, call.range())
            && (text.starts_with(RAISE_PREFIX) || text.starts_with(IMPORT_RAISE_PREFIX))
            && let Some(message) = raise_message(call)
            && (raise_expr(message) == text || import_raise_expr(message) == text)
        {
            raises.insert(call.range());
        }
        if let AnyNodeRef::ExprCall(call) = node
            && let Some(text) = slice(source, call.range())
            && text.starts_with(CAUGHT_PREFIX)
            && let Some(message) = raise_message(call)
            && let Some(caught) = caught_names(call, source)
            && raise_expr_caught(message, &caught) == text
        {
            raises.insert(call.range());
        }
    }
    let mut regions: Vec<TextRange> = raises.iter().copied().collect();
    let mut objects = HashSet::new();
    // Blocked objects and blocked bases: a fixed text around a raising expression.
    for (prefix, suffix) in
        [(object_prefix(), object_suffix()), (base_prefix(), BASE_SUFFIX.to_string())]
    {
        for (_, node) in tree.nodes() {
            if let AnyNodeRef::ExprCall(call) = node
                && let Some(text) = slice(source, call.range())
                && text.starts_with(&prefix)
                && text.ends_with(&suffix)
                && let (Ok(p), Ok(s)) = (u32::try_from(prefix.len()), u32::try_from(suffix.len()))
                && call.range().len() > TextSize::new(p + s)
            {
                let inner =
                    TextRange::new(call.start() + TextSize::new(p), call.end() - TextSize::new(s));
                if raises.contains(&inner) {
                    objects.insert(call.range());
                }
            }
        }
    }
    // Names bound to blocked objects (`x = <object>`, `(x := <object>)`) are inert too.
    for (_, node) in tree.nodes() {
        match node {
            AnyNodeRef::StmtAssign(assign)
                if objects.contains(&assign.value.range())
                    && assign.targets.iter().all(Expr::is_name_expr) =>
            {
                regions.push(assign.range());
            }
            AnyNodeRef::ExprNamed(named) if objects.contains(&named.value.range()) => {
                regions.push(named.range());
            }
            _ => {}
        }
    }
    regions.extend(objects);
    regions
}

fn slice(source: &str, range: TextRange) -> Option<&str> {
    source.get(usize::from(range.start())..usize::from(range.end()))
}

/// The message literal of a call shaped like [`raise_expr`]'s output, if it has that shape.
/// The handlers' classes of a call shaped like [`raise_expr_caught`]'s output, as text, when
/// each is a dotted name it may hold.
fn caught_names(call: &ruff_python_ast::ExprCall, source: &str) -> Option<Vec<String>> {
    let [Expr::Call(construct)] = &*call.arguments.args else { return None };
    let Expr::Call(make_class) = &*construct.func else { return None };
    let [_, Expr::Tuple(bases), _] = &*make_class.arguments.args else { return None };
    let Some(Expr::Starred(starred)) = bases.elts.first() else { return None };
    let Expr::Subscript(first) = &*starred.value else { return None };
    let Expr::ListComp(comp) = &*first.value else { return None };
    let [generator] = &*comp.generators else { return None };
    let Expr::Tuple(classes) = &generator.iter else { return None };
    classes
        .elts
        .iter()
        .map(|c| {
            (is_catchable_name(c) || is_class_lookup(c))
                .then(|| slice(source, c.range()).map(str::to_string))?
        })
        .collect()
}

/// Whether `expr` is `getattr(module, "Class", None)` on a dotted name: how a stub names the
/// class a library raises when there is no network (see
/// `strategies::stub::offline_failure`).
fn is_class_lookup(expr: &Expr) -> bool {
    let Expr::Call(call) = expr else { return false };
    let Expr::Name(func) = &*call.func else { return false };
    func.id.as_str() == "getattr"
        && call.arguments.keywords.is_empty()
        && matches!(&*call.arguments.args, [module, Expr::StringLiteral(name), Expr::NoneLiteral(_)]
            if is_catchable_name(module)
                && name.value.to_str().chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
}

fn raise_message(call: &ruff_python_ast::ExprCall) -> Option<&str> {
    let [Expr::Call(construct)] = &*call.arguments.args else { return None };
    let [Expr::StringLiteral(literal)] = &*construct.arguments.args else { return None };
    Some(literal.value.to_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::parse_module;

    fn regions_of(src: &str) -> Vec<String> {
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        stub_regions(&tree, src).into_iter().map(|r| src[r].to_string()).collect()
    }

    #[test]
    fn stubs_parse_as_single_expressions() {
        for text in [raise_expr("m \"q\" \\ \n"), blocked_object("m")] {
            let parsed = ruff_python_parser::parse_expression(&text).unwrap();
            assert!(!text.contains('\n'));
            assert!(matches!(parsed.expr(), Expr::Call(_)), "{text}");
        }
    }

    #[test]
    fn own_stubs_are_recognised() {
        let raise = raise_expr("PSB1 (x) blocked at line 1: eval('1')");
        let object = blocked_object("PSB2 (y) blocked use of ctypes at line 2: import ctypes");
        let src = format!("x = {raise}\nctypes = {object}\n");
        let found = regions_of(&src);
        assert!(found.contains(&raise));
        assert!(found.contains(&object));
    }

    #[test]
    fn a_stub_naming_handlers_classes_is_recognised_and_parses() {
        let caught = vec!["URLError".to_string(), "requests.exceptions.ConnectionError".into()];
        let raise = raise_expr_caught("PSB402 (url-open) blocked at line 3: urlopen(u)", &caught);
        assert!(!raise.contains('\n'));
        ruff_python_parser::parse_expression(&raise).unwrap();
        let src = format!("try:\n    x = {raise}\nexcept URLError:\n    pass\n");
        assert_eq!(regions_of(&src), vec![raise.clone()]);
        // No class: the plain stub.
        assert_eq!(raise_expr_caught("m", &[]), raise_expr("m"));
        // A class that is not a dotted name, or a dunder attribute, is not the stub's.
        for forged in ["os.system('x')", "e.__class__", "(lambda: 1)()"] {
            let text = raise.replace("URLError", forged);
            assert_eq!(regions_of(&format!("{text}\n")), Vec::<String>::new(), "{forged}");
        }
        // The filter changed (a base that would run the class's code first) is not the stub's.
        let text = raise.replace("issubclass(_c, OSError)", "_c.__init__(1)");
        assert_eq!(regions_of(&format!("{text}\n")), Vec::<String>::new());
    }

    #[test]
    fn an_import_raising_stub_is_recognised_and_parses() {
        let raise = import_raise_expr("PSB3 (z) blocked at line 3: import ctypes");
        assert!(!raise.contains('\n'));
        ruff_python_parser::parse_expression(&raise).unwrap();
        let found = regions_of(&format!("try:\n    {raise}\nexcept ImportError:\n    pass\n"));
        assert_eq!(found, vec![raise.clone()]);
        // The import form's class name with other bases is neither form.
        let mixed = raise.replace("(ModuleNotFoundError,)", "(ImportError, ValueError)");
        assert_eq!(regions_of(&format!("{mixed}\n")), Vec::<String>::new());
    }

    #[test]
    fn lookalikes_with_extra_code_are_not_stubs() {
        let raise = raise_expr("m");
        // Same prefix, but the message position holds a call rather than the literal.
        let forged = raise.replace("(\"m\")", "(os.system('x'))");
        assert_eq!(regions_of(&format!("{forged}\n")), Vec::<String>::new());
        // A literal written differently from how the stub writer writes it.
        let respelled = raise.replace("(\"m\")", "('m')");
        assert_eq!(regions_of(&format!("{respelled}\n")), Vec::<String>::new());
        // An object whose lambda body is not a stub.
        let object = blocked_object("m").replace(&raise, "os.system('x')");
        assert_eq!(regions_of(&format!("v = {object}\n")), Vec::<String>::new());
    }
}
