//! From a finding's byte range to the node an action replaces, and the replacement text.
//!
//! Each strategy answers two questions: which node does the finding's action replace
//! (`target`), and what text replaces it (`render`). Every replacement carries exactly the
//! line terminators of the text it replaces, which is what keeps untouched lines in place.

pub(crate) mod bindings;
pub(crate) mod imports;
pub(crate) mod strip;
pub(crate) mod stub;

use ruff_python_ast::AnyNodeRef;

use crate::stub::blocked_object;
use crate::tree::{NodeId, NodeTree};
use bindings::Bindings;

/// Statements that keep what a removed statement bound: its `global`/`nonlocal`
/// declarations, then `a = b = <blocked object>`. `None` when it bound nothing.
pub(crate) fn rebind_statement(keep: &Bindings, message: &str) -> Option<String> {
    if keep.is_empty() {
        return None;
    }
    let mut out = keep.declarations();
    if keep.names.is_empty() {
        out.push_str("pass");
    } else {
        out.push_str(&format!("{} = {}", keep.names.join(" = "), blocked_object(message)));
    }
    Some(out)
}

/// The first statement among `id` and its ancestors.
pub(crate) fn enclosing_statement(tree: &NodeTree<'_>, id: NodeId) -> Option<NodeId> {
    tree.ancestors(id).find(|&a| tree.node(a).is_statement())
}

/// The ancestors of `id` (itself included) below its enclosing statement.
pub(crate) fn below_statement<'t>(
    tree: &'t NodeTree<'_>,
    id: NodeId,
) -> impl Iterator<Item = NodeId> + 't {
    tree.ancestors(id).take_while(|&a| {
        let node = tree.node(a);
        !node.is_statement() && !matches!(node, AnyNodeRef::ModModule(_))
    })
}

/// Whether `at` lies in the body of the `try` statement `t`: what its handlers catch (not in a
/// handler, `else` or `finally`).
pub(crate) fn in_try_body(t: &ruff_python_ast::StmtTry, at: ruff_text_size::TextRange) -> bool {
    use ruff_text_size::Ranged;
    t.body
        .first()
        .zip(t.body.last())
        .is_some_and(|(first, last)| first.start() <= at.start() && at.end() <= last.end())
}

/// Whether `expr` is one of the built-in `names`, by itself or on `builtins` (`OSError`,
/// `builtins.OSError`).
pub(crate) fn names_builtin(expr: &ruff_python_ast::Expr, names: &[&str]) -> bool {
    use ruff_python_ast::Expr;
    match expr {
        Expr::Name(n) => names.contains(&n.id.as_str()),
        Expr::Attribute(a) => {
            matches!(&*a.value, Expr::Name(m) if m.id.as_str() == "builtins")
                && names.contains(&a.attr.id.as_str())
        }
        _ => false,
    }
}
