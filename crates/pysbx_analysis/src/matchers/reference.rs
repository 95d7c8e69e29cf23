//! `reference:` — any load of a name that resolves to a qualified-name glob, not only calls:
//! `f = eval`, `@exec` decorators, `[eval][0]`, `map(eval, xs)`, `builtins.__dict__['eval']`.
//!
//! The hit is on the outermost expression that evaluates to the object; a reference that is
//! the callee of a call matched by the same rule is reported once, on the call.

use crate::compile::Compiled;
use crate::glob::NameMemo;
use crate::matchers::{Hit, name_hits};
use crate::value::ValueSet;

/// Pushes the reference leaves matching a name `vals` may stand for.
pub(crate) fn hits(
    compiled: &Compiled,
    vals: &ValueSet<'_>,
    memo: &mut NameMemo,
    out: &mut Vec<Hit>,
) {
    name_hits(&compiled.references, vals, memo, out);
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, findings, lines, pack};

    #[test]
    fn loads_that_are_not_calls() {
        let an = analyzer(&pack("TST200", "{reference: builtins.eval}"));
        let src = "f = eval\n@eval\ndef g(): pass\nxs = list(map(eval, ['1']))\nimport builtins\nbuiltins.__dict__['eval']\n[eval][0]\n";
        assert_eq!(lines(&an, src, "TST200"), vec![1, 2, 4, 6, 7]);
    }

    #[test]
    fn builtins_spellings() {
        let an = analyzer(&pack("TST201", "{reference: builtins.eval}"));
        let src = "import builtins\nbuiltins.eval\n__builtins__.eval\n__builtins__['eval']\n__builtins__.__dict__['eval']\nvars(builtins)['eval']\nglobals()['__builtins__']['eval']\n";
        assert_eq!(lines(&an, src, "TST201"), vec![2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn shadowing_parameter_and_local_definition() {
        let an = analyzer(&pack("TST202", "{reference: builtins.eval}"));
        let src = "def f(eval):\n    return eval\ndef g():\n    def eval(x): return x\n    return eval\nh = lambda eval: eval\n";
        assert_eq!(lines(&an, src, "TST202"), Vec::<u32>::new());
    }

    #[test]
    fn call_and_reference_of_one_rule_report_once() {
        let an =
            analyzer(&pack("TST203", "{any: [{call: builtins.eval}, {reference: builtins.eval}]}"));
        let got = findings(&an, "eval('1')\n[eval][0]('2')\n");
        assert_eq!(got.len(), 2, "{got:?}");
    }
}
