//! `handler:` — an `except` clause catching one of the names whose whole body is `pass` or
//! `continue`: an exception swallowed (`except Exception: pass`). A bare `except:` catches
//! `builtins.BaseException`. The hit is on the clause.

use ruff_python_ast::Stmt;

use crate::compile::{Compiled, LeafKind};
use crate::matchers::{Hit, push_unique};
use crate::value::{Interner, QName, Value, ValueSet};

/// Pushes the handler leaves that hold for a clause catching `caught` (`None`: a bare
/// `except:`; a tuple's classes each count) with `body`. Most clauses do something: the body
/// is looked at first.
pub(crate) fn hits(
    compiled: &Compiled,
    caught: Option<&ValueSet<'_>>,
    body: &[Stmt],
    interner: &mut Interner,
    out: &mut Vec<Hit>,
) {
    if compiled.handlers.is_empty() {
        return;
    }
    let (pass, continue_) = match body {
        [Stmt::Pass(_)] => (true, false),
        [Stmt::Continue(_)] => (false, true),
        _ => return,
    };
    let from = out.len();
    let mut class = |q: &QName| {
        compiled.handlers.lookup(q, |leaf| {
            if let Some(LeafKind::Handler { pass: p, continue_: c }) =
                compiled.leaves.get(leaf as usize).map(|l| &l.kind)
                && ((pass && *p) || (continue_ && *c))
            {
                push_unique(out, from, leaf, q);
            }
        });
    };
    let Some(caught) = caught else {
        class(&interner.intern("builtins.BaseException"));
        return;
    };
    for v in caught.alts() {
        match v {
            Value::Seq(items) => items.iter().flat_map(ValueSet::quals).for_each(&mut class),
            Value::Qual(q) => class(q),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, lines, pack};

    #[test]
    fn swallowed_exceptions() {
        let an = analyzer(&pack(
            "TST500",
            "{handler: {catches: [builtins.Exception, builtins.BaseException], body: [pass, continue]}}",
        ));
        let src = "try:\n    x()\nexcept Exception:\n    pass\ntry:\n    x()\nexcept:\n    pass\nfor i in y:\n    try:\n        x()\n    except (ValueError, BaseException) as e:\n        continue\ntry:\n    x()\nexcept ValueError:\n    pass\ntry:\n    x()\nexcept Exception:\n    log()\ntry:\n    x()\nexcept Exception:\n    pass\n    log()\n";
        assert_eq!(lines(&an, src, "TST500"), vec![3, 7, 12]);
    }

    #[test]
    fn only_the_bodies_asked_for() {
        let an =
            analyzer(&pack("TST501", "{handler: {catches: builtins.Exception, body: [continue]}}"));
        let src = "for i in y:\n    try:\n        x()\n    except Exception:\n        pass\n    try:\n        x()\n    except Exception:\n        continue\n";
        assert_eq!(lines(&an, src, "TST501"), vec![8]);
    }
}
