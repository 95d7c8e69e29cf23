//! The names a replaced statement or expression binds, so the replacement can keep them bound.
//!
//! Removing `exec = safe_exec` would let a later `exec(...)` reach the real builtin: at run
//! time, and in the eyes of a second analysis, which would then flag code the first one
//! rightly left alone. So a strip or stub that removes bindings re-binds the same names, in
//! the same scope, to a blocked object (which raises on any use), and repeats the `global`
//! and `nonlocal` declarations it removes. Only bindings of the enclosing scope count:
//! bodies of nested functions, lambdas and classes are their own scopes (their names are
//! bound, their contents are not looked at), and comprehension variables are local to the
//! comprehension (a walrus inside one still binds outside it, as in Python).

use ruff_python_ast::{AnyNodeRef, ExprContext};
use ruff_text_size::Ranged;

use super::imports::{bound_name, import_names};
use crate::tree::{NodeId, NodeTree};

/// What a subtree binds and declares in its scope.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Bindings {
    /// Bound names in source order, without repeats.
    pub(crate) names: Vec<String>,
    /// Names declared `global`.
    pub(crate) globals: Vec<String>,
    /// Names declared `nonlocal`.
    pub(crate) nonlocals: Vec<String>,
}

impl Bindings {
    pub(crate) fn is_empty(&self) -> bool {
        self.names.is_empty() && self.globals.is_empty() && self.nonlocals.is_empty()
    }

    /// The declarations as statements ending in `; `, or an empty string.
    pub(crate) fn declarations(&self) -> String {
        let mut out = String::new();
        if !self.globals.is_empty() {
            out.push_str(&format!("global {}; ", self.globals.join(", ")));
        }
        if !self.nonlocals.is_empty() {
            out.push_str(&format!("nonlocal {}; ", self.nonlocals.join(", ")));
        }
        out
    }
}

fn push(list: &mut Vec<String>, name: &str) {
    if !list.iter().any(|n| n == name) {
        list.push(name.to_string());
    }
}

/// The bindings of the subtree rooted at `root`, in the scope `root` is in.
pub(crate) fn bindings(tree: &NodeTree<'_>, root: NodeId) -> Bindings {
    let mut out = Bindings::default();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        let node = tree.node(id);
        match node {
            AnyNodeRef::StmtFunctionDef(f) => {
                push(&mut out.names, f.name.as_str());
                continue;
            }
            AnyNodeRef::StmtClassDef(c) => {
                push(&mut out.names, c.name.as_str());
                continue;
            }
            AnyNodeRef::ExprLambda(_) => continue,
            AnyNodeRef::ExprName(name)
                if name.ctx == ExprContext::Store && !is_comprehension_target(tree, id, root) =>
            {
                push(&mut out.names, name.id.as_str());
            }
            AnyNodeRef::StmtImport(_) | AnyNodeRef::StmtImportFrom(_) => {
                let from = matches!(node, AnyNodeRef::StmtImportFrom(_));
                for alias in import_names(node).unwrap_or_default() {
                    if alias.name.as_str() != "*" {
                        push(&mut out.names, bound_name(alias, from));
                    }
                }
                continue;
            }
            AnyNodeRef::PatternMatchAs(p) => {
                if let Some(name) = &p.name {
                    push(&mut out.names, name.as_str());
                }
            }
            AnyNodeRef::PatternMatchStar(p) => {
                if let Some(name) = &p.name {
                    push(&mut out.names, name.as_str());
                }
            }
            AnyNodeRef::PatternMatchMapping(p) => {
                if let Some(name) = &p.rest {
                    push(&mut out.names, name.as_str());
                }
            }
            AnyNodeRef::StmtGlobal(g) => {
                for name in &g.names {
                    push(&mut out.globals, name.as_str());
                }
            }
            AnyNodeRef::StmtNonlocal(n) => {
                for name in &n.names {
                    push(&mut out.nonlocals, name.as_str());
                }
            }
            _ => {}
        }
        // Children in reverse so they pop in source order.
        stack.extend(tree.children(id).iter().rev());
    }
    out
}

/// Whether the name at `id` is (part of) the target of a comprehension's `for`, below `root`.
fn is_comprehension_target(tree: &NodeTree<'_>, id: NodeId, root: NodeId) -> bool {
    let range = tree.range(id);
    for ancestor in tree.ancestors(id) {
        if let AnyNodeRef::Comprehension(c) = tree.node(ancestor)
            && c.target.range().contains_range(range)
        {
            return true;
        }
        if ancestor == root {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_parser::parse_module;

    fn of_first_statement(src: &str) -> Bindings {
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let stmt = (0..).find(|&i| tree.node(i).is_statement()).unwrap();
        bindings(&tree, stmt)
    }

    fn names(src: &str) -> Vec<String> {
        of_first_statement(src).names
    }

    #[test]
    fn assignments_loops_withs_and_walrus_bind() {
        assert_eq!(names("a, (b, *c) = d.e = f[0] = 1\n"), ["a", "b", "c"]);
        assert_eq!(names("for i, j in x:\n    k = 1\nelse:\n    m += 1\n"), ["i", "j", "k", "m"]);
        assert_eq!(names("with f() as (g, h): pass\n"), ["g", "h"]);
        assert_eq!(names("print((w := 1), [(v := y) for y in z])\n"), ["w", "v"]);
    }

    #[test]
    fn nested_scopes_bind_only_their_own_name() {
        assert_eq!(
            names(
                "if x:\n    def f(a):\n        b = 1\n    class C:\n        d = 2\n    g = lambda e: e\n"
            ),
            ["f", "C", "g"]
        );
        assert_eq!(
            names("try:\n    import os.path, ctypes as c\nexcept E as err:\n    from m import *\n"),
            ["os", "c"]
        );
    }

    #[test]
    fn match_captures_bind_and_declarations_are_kept() {
        assert_eq!(
            names(
                "match v:\n    case [p, *q] | {'k': q, **p}:\n        pass\n    case r if r:\n        pass\n"
            ),
            ["p", "q", "r"]
        );
        let b = of_first_statement("if x:\n    global g, h\n    nonlocal n\n    g = 1\n");
        assert_eq!(b.names, ["g"]);
        assert_eq!(b.declarations(), "global g, h; nonlocal n; ");
        assert!(of_first_statement("print(1)\n").is_empty());
    }
}
