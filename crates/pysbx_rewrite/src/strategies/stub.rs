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
//! - an `import` binds each flagged name to a blocked object (see [`crate::stub`]);
//!   `from m import *` binds names nobody can list, so it becomes a raising statement.

use pysbx_rules::Rule;
use ruff_python_ast::{Alias, AnyNodeRef, ExprContext};
use ruff_text_size::{Ranged, TextRange};

use super::{below_statement, enclosing_statement};
use crate::stub::{blocked_object, import_message, raise_expr};
use crate::text::line_breaks;
use crate::tree::{NodeId, NodeTree};

/// What a `stub` finding replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StubTarget {
    /// An expression, replaced by a raising expression.
    Expr(NodeId),
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
            Self::Expr(id) | Self::Statement(id) | Self::Import { stmt: id, .. } => tree.range(*id),
        }
    }
}

/// The node a `stub` finding whose deepest node is `deepest` replaces.
pub(crate) fn target(tree: &NodeTree<'_>, deepest: NodeId) -> Option<StubTarget> {
    let Some(expr) = below_statement(tree, deepest).find(|&a| tree.node(a).is_expression()) else {
        let stmt = enclosing_statement(tree, deepest)?;
        return Some(import_target(tree, stmt, deepest).unwrap_or(StubTarget::Statement(stmt)));
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
    Some(StubTarget::Expr(expr))
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

/// For an import statement: the flagged aliases, all of them when the finding is not on
/// one alias. `None` for other statements and for star imports.
fn import_target(tree: &NodeTree<'_>, stmt: NodeId, deepest: NodeId) -> Option<StubTarget> {
    let names = import_names(tree.node(stmt))?;
    if names.iter().any(|a| a.name.as_str() == "*") {
        return None;
    }
    let alias_range = below_statement(tree, deepest)
        .find(|&a| matches!(tree.node(a), AnyNodeRef::Alias(_)))
        .map(|a| tree.range(a));
    let aliases = match alias_range {
        Some(range) => names.iter().position(|a| a.range() == range).into_iter().collect(),
        None => (0..names.len()).collect(),
    };
    Some(StubTarget::Import { stmt, aliases })
}

fn import_names(node: AnyNodeRef<'_>) -> Option<&[Alias]> {
    match node {
        AnyNodeRef::StmtImport(s) => Some(&s.names),
        AnyNodeRef::StmtImportFrom(s) => Some(&s.names),
        _ => None,
    }
}

/// The raising replacement of an expression or statement whose text is `original`.
pub(crate) fn render_raise(original: &str, message: &str) -> String {
    let breaks = line_breaks(original);
    let stub = raise_expr(message);
    if breaks.is_empty() { stub } else { format!("({stub}{breaks})") }
}

/// The replacement of an import statement whose aliases are owned by findings: `owners[i]`
/// is the rule that flagged alias `i`, if any. Unflagged aliases are imported as before,
/// flagged ones bound to blocked objects, in their original order.
pub(crate) fn render_import(
    node: AnyNodeRef<'_>,
    original: &str,
    owners: &[Option<(usize, &Rule)>],
    line: u32,
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
    let mut pieces: Vec<String> = Vec::new();
    let mut i = 0;
    while i < names.len() {
        let owner = owners.get(i).copied().flatten();
        let mut j = i + 1;
        while j < names.len() && owners.get(j).copied().flatten().map(|o| o.0) == owner.map(|o| o.0)
        {
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
            Some((_, rule)) => {
                let mut bound: Vec<&str> = Vec::new();
                for alias in group {
                    let name = bound_name(alias, from.is_some());
                    if !bound.contains(&name) {
                        bound.push(name);
                    }
                }
                let message = import_message(rule, line, &bound.join(", "), original);
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
fn bound_name(alias: &Alias, from: bool) -> &str {
    if let Some(asname) = &alias.asname {
        return asname.as_str();
    }
    let name = alias.name.as_str();
    if from { name } else { name.split('.').next().unwrap_or(name) }
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
            StubTarget::Statement(_) => "statement",
            StubTarget::Import { .. } => "import",
        };
        (kind, src[target.range(&tree)].to_string())
    }

    #[test]
    fn callee_stubs_the_call_and_a_name_load_stubs_the_name() {
        assert_eq!(target_of("os.system('x')\n", "os.system"), ("expr", "os.system('x')".into()));
        assert_eq!(target_of("f = eval\n", "eval"), ("expr", "eval".into()));
        assert_eq!(target_of("g(eval, 1)\n", "eval"), ("expr", "eval".into()));
        assert_eq!(target_of("os.environ['a'] = 1\n", "os"), ("expr", "os".into()));
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
    fn imports_target_the_flagged_alias_or_all() {
        let parsed_alias = target_of("import os, ctypes\n", "ctypes");
        assert_eq!(parsed_alias, ("import", "import os, ctypes".into()));
        let star = target_of("from ctypes import *\n", "ctypes");
        assert_eq!(star, ("statement", "from ctypes import *".into()));
    }

    #[test]
    fn import_rendering_binds_flagged_names_and_keeps_the_rest() {
        let src = "from .pkg import (a as b,\n  c, d)\n";
        let parsed = parse_module(src).unwrap();
        let tree = NodeTree::build(parsed.syntax());
        let stmt = (0..).find(|&i| tree.node(i).is_statement()).unwrap();
        let rule = sample_rule();
        let owners = [Some((0, &rule)), Some((0, &rule)), None];
        let text = render_import(tree.node(stmt), &src[tree.range(stmt)], &owners, 1).unwrap();
        assert!(text.starts_with("b = c = type(\"PysbxBlockedModule\""), "{text}");
        assert!(text.ends_with("; from .pkg import d; (\n)"), "{text}");
        parse_module(&text).unwrap();
    }

    fn sample_rule() -> Rule {
        let mut set = pysbx_rules::RuleSet::new();
        pysbx_rules::load_rules_from_str(
            "rules:\n  - {id: PSB9, name: sample, severity: low, message: m, match: {import: x}}\n",
            std::path::Path::new("t.yaml"),
            "test",
            &mut set,
        )
        .unwrap();
        set.rules()[0].clone()
    }
}
