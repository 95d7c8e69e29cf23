//! Import statements: one edit per statement, whatever the number of findings on it.
//!
//! `import os, ctypes` is two imports in one statement, and two rules may flag two of its
//! names. Each name is handled on its own, in its original order: a flagged name is bound
//! to a blocked object (`ctypes = <object>`), and the others are imported as before; the
//! pieces are joined with `;` on the statement's first line. Line breaks of a multi-line
//! statement go into a trailing `; (...)` so later lines keep their numbers.
//!
//! Strip and stub do the same to an import: dropping the name instead would let a later use
//! reach whatever the import shadowed (`from safe import eval` hides the builtin), see
//! [`super::bindings`].
//!
//! An import the program is ready to find missing is the exception: one inside the body of a
//! `try` with a handler that catches `ImportError` (`except ImportError:`, `except
//! (AttributeError, ImportError):`, `ModuleNotFoundError`, `Exception`, a bare `except:`), or
//! inside `with contextlib.suppress(ImportError):`, in the same function. There the flagged
//! name's import raises `ModuleNotFoundError` (see [`crate::stub::import_raise_expr`]), as
//! for a module that is not installed, so the program
//! takes its own fallback (`colorama` on a system without `ctypes`); a blocked object would
//! have raised `PermissionError` at its first use, past the handler, and ended a benign program.

use pysbx_rules::{Action, Rule};
use ruff_python_ast::{self as ast, Alias, AnyNodeRef};
use ruff_text_size::Ranged;

use super::below_statement;
use crate::stub::{blocked_object, blocked_use_message, import_raise_expr};
use crate::text::line_breaks;
use crate::tree::{NodeId, NodeTree};

/// What happens to one imported name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Owner<'r> {
    /// The finding that flagged the name first.
    pub(crate) finding: usize,
    /// The finding's action (both bind the name to a blocked object).
    pub(crate) action: Action,
    /// The finding's rule, named by the blocked object.
    pub(crate) rule: &'r Rule,
}

/// The names of an import statement a finding flags (indices into its names): the alias the
/// finding lies in, or every name when it lies elsewhere in the statement. `None` for other
/// statements and for `from m import *`, whose names nobody can list.
pub(crate) fn flagged_aliases(
    tree: &NodeTree<'_>,
    stmt: NodeId,
    deepest: NodeId,
) -> Option<Vec<usize>> {
    let names = import_names(tree.node(stmt))?;
    if names.iter().any(|a| a.name.as_str() == "*") {
        return None;
    }
    let alias_range = below_statement(tree, deepest)
        .find(|&a| matches!(tree.node(a), AnyNodeRef::Alias(_)))
        .map(|a| tree.range(a));
    Some(match alias_range {
        Some(range) => names.iter().position(|a| a.range() == range).into_iter().collect(),
        None => (0..names.len()).collect(),
    })
}

/// The names of an import statement.
pub(crate) fn import_names(node: AnyNodeRef<'_>) -> Option<&[Alias]> {
    match node {
        AnyNodeRef::StmtImport(s) => Some(&s.names),
        AnyNodeRef::StmtImportFrom(s) => Some(&s.names),
        _ => None,
    }
}

/// Whether the import statement `stmt` runs where the program handles `ImportError`: in the
/// body of a `try` of the same function (or module) with a handler that catches it, or in a
/// `with` that suppresses it (see the module's documentation).
pub(crate) fn handles_a_missing_module(tree: &NodeTree<'_>, stmt: NodeId) -> bool {
    let at = tree.range(stmt);
    for ancestor in tree.ancestors(stmt).skip(1) {
        match tree.node(ancestor) {
            AnyNodeRef::StmtFunctionDef(_) | AnyNodeRef::StmtClassDef(_) => return false,
            AnyNodeRef::StmtTry(t)
                if super::in_try_body(t, at)
                    && t.handlers.iter().any(|h| match h {
                        ast::ExceptHandler::ExceptHandler(h) => {
                            h.type_.as_deref().is_none_or(catches_import_error)
                        }
                    }) =>
            {
                return true;
            }
            AnyNodeRef::StmtWith(w)
                if w.body.first().is_some_and(|first| first.start() <= at.start())
                    && w.items.iter().any(|item| suppresses_import_error(&item.context_expr)) =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// Whether an `except` clause's type catches the stub's `ModuleNotFoundError`: that class,
/// `ImportError`, `Exception` or `BaseException` (by name, or on `builtins`), or a tuple
/// holding one.
fn catches_import_error(kind: &ast::Expr) -> bool {
    match kind {
        ast::Expr::Tuple(t) => t.elts.iter().any(catches_import_error),
        other => super::names_builtin(other, IMPORT_ERROR_CATCHERS),
    }
}

/// `contextlib.suppress(...)` or `suppress(...)` given a class [`catches_import_error`].
fn suppresses_import_error(expr: &ast::Expr) -> bool {
    let ast::Expr::Call(call) = expr else { return false };
    let named_suppress = match &*call.func {
        ast::Expr::Name(n) => n.id.as_str() == "suppress",
        ast::Expr::Attribute(a) => a.attr.id.as_str() == "suppress",
        _ => false,
    };
    named_suppress && call.arguments.args.iter().any(catches_import_error)
}

/// The names of the classes an `except` clause catches `ImportError` by.
const IMPORT_ERROR_CATCHERS: &[&str] =
    &["ImportError", "ModuleNotFoundError", "Exception", "BaseException"];

/// The replacement of the import statement `node` (source text `original`, on `line`),
/// where `owners[i]` says what happens to name `i`; `handled`: the program handles a missing
/// module there (see [`handles_a_missing_module`]), and a flagged name's import raises.
pub(crate) fn render(
    node: AnyNodeRef<'_>,
    original: &str,
    owners: &[Option<Owner<'_>>],
    line: u32,
    handled: bool,
) -> Option<String> {
    let (names, from, lazy) = match node {
        AnyNodeRef::StmtImport(s) => (&s.names, None, s.is_lazy),
        AnyNodeRef::StmtImportFrom(s) => {
            let module = s.module.as_ref().map_or("", |m| m.as_str());
            let dots = ".".repeat(usize::try_from(s.level).unwrap_or_default());
            (&s.names, Some(format!("{dots}{module}")), s.is_lazy)
        }
        _ => return None,
    };
    let owner_of = |i: usize| owners.get(i).copied().flatten();
    let mut pieces: Vec<String> = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let owner = owner_of(i);
        let mut j = i + 1;
        while j < names.len() && owner_of(j).map(|o| o.finding) == owner.map(|o| o.finding) {
            j += 1;
        }
        let group = &names[i..j];
        match owner {
            None => {
                let listed: Vec<String> = group.iter().map(alias_text).collect();
                let lazy = if lazy { "lazy " } else { "" };
                pieces.push(match &from {
                    Some(module) => format!("{lazy}from {module} import {}", listed.join(", ")),
                    None => format!("{lazy}import {}", listed.join(", ")),
                });
            }
            Some(Owner { rule, .. }) if handled => {
                // The names after it are not imported either, as when the module is missing.
                pieces.push(import_raise_expr(&crate::stub::message(rule, line, original)));
                break;
            }
            Some(Owner { rule, .. }) => {
                let mut bound: Vec<&str> = Vec::new();
                for alias in group {
                    let name = bound_name(alias, from.is_some());
                    if !bound.contains(&name) {
                        bound.push(name);
                    }
                }
                let message = blocked_use_message(rule, line, &bound.join(", "), original);
                pieces.push(format!("{} = {}", bound.join(" = "), blocked_object(&message)));
            }
        }
        i = j;
    }
    let breaks = line_breaks(original);
    let mut out = pieces.join("; ");
    if !breaks.is_empty() {
        out.push_str(&format!("; ({breaks})"));
    }
    Some(out)
}

fn alias_text(alias: &Alias) -> String {
    match &alias.asname {
        Some(asname) => format!("{} as {}", alias.name.as_str(), asname.as_str()),
        None => alias.name.as_str().to_string(),
    }
}

/// The name an alias binds: `import a.b` binds `a`, `import a.b as c` and `from m import a
/// as c` bind `c`.
pub(crate) fn bound_name(alias: &Alias, from: bool) -> &str {
    if let Some(asname) = &alias.asname {
        return asname.as_str();
    }
    let name = alias.name.as_str();
    if from { name } else { name.split('.').next().unwrap_or(name) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::parse_module;

    fn sample_rule() -> Rule {
        let mut set = pysbx_rules::RuleSet::new();
        pysbx_rules::load_rules_from_str(
            "rules:\n  - {id: TST9, name: sample, severity: low, message: m, match: {import: x}}\n",
            std::path::Path::new("t.yaml"),
            "test",
            &mut set,
        )
        .unwrap();
        set.rules()[0].clone()
    }

    fn render_first(src: &str, owners: &[Option<Owner<'_>>]) -> String {
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let stmt = (0..).find(|&i| tree.node(i).is_statement()).unwrap();
        render(tree.node(stmt), &src[tree.range(stmt)], owners, 1, false).unwrap()
    }

    #[test]
    fn stubbed_names_are_bound_and_the_rest_imported_in_order() {
        let rule = sample_rule();
        let stub = Some(Owner { finding: 0, action: Action::Stub, rule: &rule });
        let text = render_first("from .pkg import (a as b,\n  c, d)\n", &[stub, stub, None]);
        assert!(text.starts_with("b = c = type(\"PysbxBlockedModule\""), "{text}");
        assert!(text.ends_with("; from .pkg import d; (\n)"), "{text}");
        parse_module(&text).unwrap();
    }

    #[test]
    fn stripped_names_are_bound_like_stubbed_ones() {
        let rule = sample_rule();
        let strip = Some(Owner { finding: 0, action: Action::Strip, rule: &rule });
        let text = render_first("import os, telemetry.x as t\n", &[None, strip]);
        assert!(text.starts_with("import os; t = type(\"PysbxBlockedModule\""), "{text}");
        let text = render_first("from . import (a,\n b)\n", &[strip, strip]);
        assert!(text.starts_with("a = b = type(") && text.ends_with("; (\n)"), "{text}");
    }

    /// Whether each import statement of `src`, in order, handles a missing module.
    fn handled(src: &str) -> Vec<bool> {
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        (0..)
            .take_while(|&i| i < tree.nodes().count())
            .filter(|&i| import_names(tree.node(i)).is_some())
            .map(|i| handles_a_missing_module(&tree, i))
            .collect()
    }

    #[test]
    fn an_import_in_a_try_that_handles_import_error_is_handled() {
        let src = "\
try:
    import a
    if x:
        from b import c
except (AttributeError, ImportError):
    import d
try:
    import e
except ModuleNotFoundError:
    pass
try:
    import f
except:
    pass
try:
    import g
except builtins.Exception:
    pass
try:
    import h
except ValueError:
    import i
else:
    import j
finally:
    import k
import l
try:
    def m():
        import n
except ImportError:
    pass
with contextlib.suppress(ImportError):
    import o
with suppress(KeyError):
    import p
with open(x):
    import q
";
        // a, c, e, f, g, o are handled; d (in the handler), h, i, j, k (no handler of the
        // error), l, n (runs when the function is called), p and q are not.
        assert_eq!(
            handled(src),
            vec![
                true, true, false, true, true, true, false, false, false, false, false, false,
                true, false, false
            ]
        );
    }

    #[test]
    fn a_handled_import_raises_import_error_and_stops_there() {
        let rule = sample_rule();
        let stub = Some(Owner { finding: 0, action: Action::Stub, rule: &rule });
        let src = "import os, ctypes, sys\n";
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let stmt = (0..).find(|&i| tree.node(i).is_statement()).unwrap();
        let text =
            render(tree.node(stmt), &src[tree.range(stmt)], &[None, stub, None], 1, true).unwrap();
        assert!(
            text.starts_with("import os; (_ for _ in ()).throw(type(\"PysbxBlockedImport\", (ModuleNotFoundError,)"),
            "{text}"
        );
        assert!(!text.contains("; import sys"), "{text}");
        parse_module(&text).unwrap();
    }

    #[test]
    fn flagged_aliases_are_the_alias_hit_or_all() {
        let src = "import os, ctypes.util\nfrom ctypes import *\n";
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let at = |needle: &str| {
            let start = u32::try_from(src.find(needle).unwrap()).unwrap();
            let end = start + u32::try_from(needle.len()).unwrap();
            let deepest =
                tree.deepest_containing(crate::tree::text_range(start, end).unwrap()).unwrap();
            let stmt = super::super::enclosing_statement(&tree, deepest).unwrap();
            flagged_aliases(&tree, stmt, deepest)
        };
        assert_eq!(at("ctypes.util"), Some(vec![1]));
        assert_eq!(at("import os, ctypes.util"), Some(vec![0, 1]));
        assert_eq!(at("from ctypes import *"), None);
    }
}
