//! What the sandbox's gate hands to the guard instead of stubbing: a class's walk of its own
//! subclasses.
//!
//! `cls.__subclasses__()` is how plugin registries and documentation helpers find the classes
//! derived from one of theirs (matplotlib fills its docstrings so at import), and how an escape
//! starts from `object` to reach every loaded class. The rules cannot tell a parameter bound to
//! `Artist` from one bound to `object`; the sandbox can, when the call runs. So the sandbox's
//! gate writes every `X.__subclasses__()` as `__pysbx_subclasses__(X)`, a function the guard
//! puts among the builtins: it gives the subclasses of any class but the roots (`object`,
//! `type` and the other classes of the builtins, from which the walk reaches every class, the
//! guard's own included) and refuses those. Only the call written out with no argument is
//! rewritten; any other use (`type.__subclasses__(x)`, `getattr(x, "__subclasses__")`, the
//! method kept in a name) is left to the rules, which stub it.

use ruff_python_ast::{AnyNodeRef, Expr};
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
use ruff_text_size::{Ranged, TextRange};

use crate::tree::NodeTree;

/// The builtin the guard provides for a checked subclass walk.
pub const CHECKED_SUBCLASSES: &str = "__pysbx_subclasses__";

/// `source` with every `X.__subclasses__()` written as `__pysbx_subclasses__(X)`; `None` when it
/// has none, or does not parse (the gate then reports the syntax error as it would).
#[must_use]
pub fn checked_subclass_walks(source: &str) -> Option<String> {
    if !source.contains("__subclasses__") {
        return None;
    }
    let parsed = parse_unchecked(source, ParseOptions::from(Mode::Module));
    if !parsed.errors().is_empty() {
        return None;
    }
    let ruff_python_ast::Mod::Module(module) = parsed.syntax() else { return None };
    let tree = NodeTree::build(module);
    // (the call, its receiver), outer calls before the calls inside them.
    let mut walks: Vec<(TextRange, TextRange)> = tree
        .nodes()
        .filter_map(|(_, node)| match node {
            AnyNodeRef::ExprCall(call) if call.arguments.is_empty() => match &*call.func {
                Expr::Attribute(a) if a.attr.id.as_str() == "__subclasses__" => {
                    Some((call.range(), a.value.range()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    if walks.is_empty() {
        return None;
    }
    walks.sort_by_key(|(call, _)| (call.start(), std::cmp::Reverse(call.end())));
    let whole = TextRange::up_to(ruff_text_size::TextSize::of(source));
    Some(render(source, whole, &walks))
}

/// The text of `range` with the walks that start inside it rewritten, each one's receiver in
/// turn.
fn render(source: &str, range: TextRange, walks: &[(TextRange, TextRange)]) -> String {
    let mut out = String::with_capacity(usize::from(range.len()) + 32);
    let mut at = range.start();
    for &(call, receiver) in walks {
        if call.start() < at || call.end() > range.end() {
            continue;
        }
        out.push_str(&source[TextRange::new(at, call.start())]);
        out.push_str(CHECKED_SUBCLASSES);
        out.push('(');
        out.push_str(&render(source, receiver, walks));
        out.push(')');
        at = call.end();
    }
    out.push_str(&source[TextRange::new(at, range.end())]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(src: &str) -> Option<String> {
        checked_subclass_walks(src)
    }

    #[test]
    fn a_walk_written_out_goes_to_the_guard() {
        assert_eq!(
            checked("for c in cls.__subclasses__():\n    pass\n").as_deref(),
            Some("for c in __pysbx_subclasses__(cls):\n    pass\n")
        );
        assert_eq!(
            checked("x = ().__class__.__base__.__subclasses__()[137]\n").as_deref(),
            Some("x = __pysbx_subclasses__(().__class__.__base__)[137]\n")
        );
        // A receiver over lines, in parentheses, and walks inside walks.
        assert_eq!(
            checked("y = (a\n  .b).__subclasses__()\n").as_deref(),
            Some("y = __pysbx_subclasses__(a\n  .b)\n")
        );
        assert_eq!(
            checked("z = k.__subclasses__()[0].__subclasses__()\n").as_deref(),
            Some("z = __pysbx_subclasses__(__pysbx_subclasses__(k)[0])\n")
        );
        assert_eq!(
            checked("w = f\"{A.__subclasses__()}\"\n").as_deref(),
            Some("w = f\"{__pysbx_subclasses__(A)}\"\n")
        );
    }

    #[test]
    fn other_uses_are_left_to_the_rules() {
        for src in [
            "type.__subclasses__(object)\n",
            "f = cls.__subclasses__\n",
            "getattr(cls, '__subclasses__')()\n",
            "cls.__subclasses__(1)\n",
            "s = '__subclasses__()'\n",
            "x = (\n",
        ] {
            assert_eq!(checked(src), None, "{src}");
        }
        assert_eq!(
            checked("a = c.__subclasses__\nb = c.__subclasses__()\n").as_deref(),
            Some("a = c.__subclasses__\nb = __pysbx_subclasses__(c)\n")
        );
    }
}
