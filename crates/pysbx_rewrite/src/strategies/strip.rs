//! `strip`: remove the statement that holds the finding.
//!
//! A simple statement becomes `pass`, so a statement alone in its block (an `if` body, an
//! `else:` or `finally:` suite, one side of `a; b`) leaves the block valid. A statement over
//! several lines becomes `pass; (` + its line breaks + `)`: the empty tuple is a no-op
//! expression, and its parentheses let the line breaks stand with nothing on them, whatever
//! followed (a `;` sibling, a comment). A compound statement is removed whole, header and
//! body. A finding inside a decorator removes only that decorator, leaving blank lines: the
//! function or class is still defined, without the flagged wrapper.
//!
//! A removed statement that bound names (`x = telemetry.send()`, a `with ... as f` block,
//! an import) becomes `x = <blocked object>` instead of `pass`: the names stay bound in
//! their scope, so they go on shadowing whatever they shadowed, and any later use raises
//! (see [`super::bindings`]).

use ruff_python_ast::AnyNodeRef;
use ruff_text_size::TextRange;

use super::bindings::Bindings;
use super::{below_statement, enclosing_statement, rebind_statement};
use crate::text::line_breaks;
use crate::tree::{NodeId, NodeTree};

/// What a `strip` finding removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StripTarget {
    /// A whole statement (compound statements with their bodies).
    Statement(NodeId),
    /// One decorator of a function or class.
    Decorator(NodeId),
}

impl StripTarget {
    pub(crate) fn range(self, tree: &NodeTree<'_>) -> TextRange {
        match self {
            Self::Statement(id) | Self::Decorator(id) => tree.range(id),
        }
    }
}

/// The node a `strip` finding whose deepest node is `deepest` removes.
pub(crate) fn target(tree: &NodeTree<'_>, deepest: NodeId) -> Option<StripTarget> {
    if let Some(decorator) =
        below_statement(tree, deepest).find(|&a| matches!(tree.node(a), AnyNodeRef::Decorator(_)))
    {
        return Some(StripTarget::Decorator(decorator));
    }
    enclosing_statement(tree, deepest).map(StripTarget::Statement)
}

/// The text replacing `original`, the source text of `target`; `keep` is what the
/// statement bound, and `message` the message of the blocked object they are bound to.
pub(crate) fn render(
    target: StripTarget,
    original: &str,
    keep: &Bindings,
    message: &str,
) -> String {
    let breaks = line_breaks(original);
    if matches!(target, StripTarget::Decorator(_)) {
        return breaks;
    }
    let head = rebind_statement(keep, message).unwrap_or_else(|| "pass".to_string());
    if breaks.is_empty() { head } else { format!("{head}; ({breaks})") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::text_range;
    use ruff_python_parser::parse_module;

    fn target_of(src: &str, needle: &str) -> (StripTarget, String) {
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let start = u32::try_from(src.find(needle).unwrap()).unwrap();
        let end = start + u32::try_from(needle.len()).unwrap();
        let deepest = tree.deepest_containing(text_range(start, end).unwrap()).unwrap();
        let target = target(&tree, deepest).unwrap();
        (target, src[target.range(&tree)].to_string())
    }

    #[test]
    fn a_call_strips_its_statement() {
        let (t, text) = target_of("if x:\n    os.system('a'); y = 1\n", "os.system");
        assert!(matches!(t, StripTarget::Statement(_)));
        assert_eq!(text, "os.system('a')");
        assert_eq!(render(t, &text, &Bindings::default(), "m"), "pass");
    }

    #[test]
    fn a_decorator_strips_only_the_decorator() {
        let (t, text) = target_of("@register(\n  eval)\ndef f():\n    pass\n", "eval");
        assert!(matches!(t, StripTarget::Decorator(_)));
        assert_eq!(text, "@register(\n  eval)");
        assert_eq!(render(t, &text, &Bindings::default(), "m"), "\n");
    }

    #[test]
    fn multi_line_statements_keep_their_line_breaks() {
        let (t, text) = target_of("x = f(\n  1,\r\n  2)\n", "f(");
        assert_eq!(render(t, &text, &Bindings::default(), "m"), "pass; (\n\r\n)");
        let keep = Bindings { names: vec!["x".into()], ..Bindings::default() };
        let kept = render(t, &text, &keep, "m");
        assert!(kept.starts_with("x = type(") && kept.ends_with("; (\n\r\n)"), "{kept}");
    }
}
