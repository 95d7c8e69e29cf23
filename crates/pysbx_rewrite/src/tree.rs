//! A parent-linked index of every AST node, so a finding's byte range can be mapped to the
//! node that contains it and to that node's ancestors.
//!
//! ruff's nodes have no parent pointers; the rewrite needs them (a callee's call, an
//! expression's statement, "is this inside an f-string or a match pattern"), so one
//! source-order walk records every node with the index of its parent.

use ruff_python_ast::visitor::source_order::{
    SourceOrderVisitor, TraversalSignal, walk_expr, walk_pattern, walk_stmt,
};
use ruff_python_ast::{AnyNodeRef, Expr, ModModule, Pattern, Stmt};
use ruff_text_size::{Ranged, TextRange, TextSize};

/// Index of a node in a [`NodeTree`].
pub(crate) type NodeId = usize;

struct TreeNode<'a> {
    node: AnyNodeRef<'a>,
    parent: Option<NodeId>,
    children: Vec<NodeId>,
}

/// Every node of a module, in source order, with parent and child links.
pub(crate) struct NodeTree<'a> {
    nodes: Vec<TreeNode<'a>>,
    max_depth: usize,
}

impl<'a> NodeTree<'a> {
    pub(crate) fn build(module: &'a ModModule) -> Self {
        let mut builder = Builder { nodes: Vec::new(), stack: Vec::new(), max_depth: 0 };
        builder.visit_mod_module(module);
        NodeTree { nodes: builder.nodes, max_depth: builder.max_depth }
    }

    /// The depth of the deepest node (the module is at depth 1).
    pub(crate) fn max_depth(&self) -> usize {
        self.max_depth
    }

    pub(crate) fn node(&self, id: NodeId) -> AnyNodeRef<'a> {
        self.nodes[id].node
    }

    pub(crate) fn range(&self, id: NodeId) -> TextRange {
        self.nodes[id].node.range()
    }

    pub(crate) fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.nodes[id].parent
    }

    pub(crate) fn children(&self, id: NodeId) -> &[NodeId] {
        &self.nodes[id].children
    }

    pub(crate) fn nodes(&self) -> impl Iterator<Item = (NodeId, AnyNodeRef<'a>)> + '_ {
        self.nodes.iter().enumerate().map(|(id, n)| (id, n.node))
    }

    /// The deepest node whose range contains `range`; the module itself when nothing
    /// narrower does. `None` only for an empty tree.
    pub(crate) fn deepest_containing(&self, range: TextRange) -> Option<NodeId> {
        let mut current = if self.nodes.is_empty() { return None } else { 0 };
        loop {
            let children = &self.nodes[current].children;
            // Siblings come in source order: the candidate is the last one starting at or
            // before the range; a linear scan backs it up for the rare overlapping siblings.
            let at = children.partition_point(|&c| self.range(c).start() <= range.start());
            let candidate = at.checked_sub(1).map(|i| children[i]);
            let next = candidate.filter(|&c| self.range(c).contains_range(range)).or_else(|| {
                children.iter().copied().find(|&c| self.range(c).contains_range(range))
            });
            match next {
                Some(child) => current = child,
                None => return Some(current),
            }
        }
    }

    /// The node itself, then its parent, up to the root.
    pub(crate) fn ancestors(&self, id: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        std::iter::successors(Some(id), move |&n| self.parent(n))
    }
}

struct Builder<'a> {
    nodes: Vec<TreeNode<'a>>,
    stack: Vec<NodeId>,
    max_depth: usize,
}

impl<'a> Builder<'a> {
    fn visit_mod_module(&mut self, module: &'a ModModule) {
        let root = AnyNodeRef::from(module);
        if self.enter_node(root).is_traverse() {
            self.visit_body(&module.body);
        }
        self.leave_node(root);
    }
}

impl<'a> SourceOrderVisitor<'a> for Builder<'a> {
    fn enter_node(&mut self, node: AnyNodeRef<'a>) -> TraversalSignal {
        let id = self.nodes.len();
        let parent = self.stack.last().copied();
        self.nodes.push(TreeNode { node, parent, children: Vec::new() });
        if let Some(parent) = parent {
            self.nodes[parent].children.push(id);
        }
        self.stack.push(id);
        self.max_depth = self.max_depth.max(self.stack.len());
        TraversalSignal::Traverse
    }

    // Expressions, statements and patterns are where nesting recurses; each level makes
    // sure the stack has room before descending.
    fn visit_expr(&mut self, expr: &'a Expr) {
        crate::deep::grow(|| walk_expr(self, expr));
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        crate::deep::grow(|| walk_stmt(self, stmt));
    }

    fn visit_pattern(&mut self, pattern: &'a Pattern) {
        crate::deep::grow(|| walk_pattern(self, pattern));
    }

    fn leave_node(&mut self, _node: AnyNodeRef<'a>) {
        self.stack.pop();
    }
}

/// A `TextRange` from byte offsets, if they fit.
pub(crate) fn text_range(start: u32, end: u32) -> Option<TextRange> {
    (start <= end).then(|| TextRange::new(TextSize::new(start), TextSize::new(end)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::parse_module;

    #[test]
    fn deepest_node_of_a_callee_is_the_attribute_and_its_parent_the_call() {
        let src = "import os\nos.system('x')\n";
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let start = u32::try_from(src.find("os.system").unwrap()).unwrap();
        let id = tree.deepest_containing(text_range(start, start + 9).unwrap()).unwrap();
        assert!(matches!(tree.node(id), AnyNodeRef::ExprAttribute(_)));
        let parent = tree.parent(id).unwrap();
        assert!(matches!(tree.node(parent), AnyNodeRef::ExprCall(_)));
        assert!(tree.ancestors(id).any(|a| tree.node(a).is_statement()));
        assert!(matches!(tree.node(tree.ancestors(id).last().unwrap()), AnyNodeRef::ModModule(_)));
    }

    #[test]
    fn a_range_spanning_two_statements_maps_to_the_module() {
        let src = "a = 1\nb = 2\n";
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let id = tree.deepest_containing(text_range(0, 11).unwrap()).unwrap();
        assert_eq!(id, 0);
        // module > assignment > number literal
        assert_eq!(tree.max_depth(), 3);
        assert!(text_range(3, 2).is_none());
    }
}
