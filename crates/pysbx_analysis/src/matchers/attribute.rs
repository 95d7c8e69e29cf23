//! `attribute:` — an attribute by name, whatever the receiver (`x.__subclasses__`), including
//! `getattr`/`setattr`/`delattr`/`hasattr` with a folded name, `operator.attrgetter("a.b")`
//! (each dotted part), `operator.methodcaller("n")`, `object.__getattribute__(x, "n")`, and
//! string subscript keys (`f.f_builtins["__import__"]`, `x.__dict__["__globals__"]`).
//!
//! Identifiers are compared after NFKC normalization (as CPython does); string names are not
//! normalized, because `getattr` does not normalize them either.

use crate::compile::Compiled;
use crate::matchers::{Hit, push_unique};
use crate::value::Interner;

/// Functions whose second positional argument is an attribute name.
pub(crate) const GETATTR_LIKE: &[&str] = &[
    "builtins.getattr",
    "builtins.setattr",
    "builtins.delattr",
    "builtins.hasattr",
    "inspect.getattr_static",
];

/// Methods that look an attribute up by a string argument when called on any receiver.
pub(crate) const DUNDER_LOOKUPS: &[&str] =
    &["__getattribute__", "__getattr__", "__setattr__", "__delattr__"];

/// Pushes the attribute leaves matching `name`.
pub(crate) fn hits(compiled: &Compiled, name: &str, interner: &mut Interner, out: &mut Vec<Hit>) {
    if compiled.attributes.is_empty() {
        return;
    }
    let from = out.len();
    let mut found: smallvec::SmallVec<[u32; 4]> = smallvec::SmallVec::new();
    compiled.attributes.lookup(name, |leaf| found.push(leaf));
    if found.is_empty() {
        return;
    }
    let subject = interner.intern(name);
    for leaf in found {
        push_unique(out, from, leaf, &subject);
    }
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, lines, pack};

    #[test]
    fn attribute_access_and_computed_lookups() {
        let an = analyzer(&pack("TST400", "{attribute: [__subclasses__, __globals__]}"));
        let src = "x.__subclasses__()\ngetattr(x, '__sub' + 'classes__')\nsetattr(x, '__globals__', 1)\nimport operator\noperator.attrgetter('a.__globals__')\nobject.__getattribute__(x, '__globals__')\nf.__dict__['__globals__']\nx.__getattribute__('__subclasses__')\n";
        assert_eq!(lines(&an, src, "TST400"), vec![1, 2, 3, 5, 6, 7, 8]);
    }

    #[test]
    fn benign_idioms_stay_quiet() {
        let an =
            analyzer(&pack("TST401", "{attribute: [__subclasses__, __globals__, __builtins__]}"));
        let src = "type(x).__name__\nself.__class__.__name__\nsuper().__init__()\ngetattr(obj, 'name')\nd['key']\n";
        assert_eq!(lines(&an, src, "TST401"), Vec::<u32>::new());
    }

    #[test]
    fn identifiers_are_nfkc_normalized_but_strings_are_not() {
        let an = analyzer(&pack("TST402", "{attribute: __globals__}"));
        let src = "f.__ｇｌｏｂａｌｓ__\ngetattr(f, '__ｇｌｏｂａｌｓ__')\n";
        assert_eq!(lines(&an, src, "TST402"), vec![1]);
    }
}
