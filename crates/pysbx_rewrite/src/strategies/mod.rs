//! From a finding's byte range to the node an action replaces, and the replacement text.
//!
//! Each strategy answers two questions: which node does the finding's action replace
//! (`target`), and what text replaces it (`render`). Every replacement carries exactly the
//! line terminators of the text it replaces, which is what keeps untouched lines in place.

pub(crate) mod imports;
pub(crate) mod strip;
pub(crate) mod stub;

use ruff_python_ast::AnyNodeRef;

use crate::tree::{NodeId, NodeTree};

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
