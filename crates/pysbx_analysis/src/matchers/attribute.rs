//! `attribute:` — an attribute by name, whatever the receiver (`x.__subclasses__`), including
//! `getattr`/`setattr`/`delattr`/`hasattr` with a folded name, `operator.attrgetter("a.b")`
//! (each dotted part), `operator.methodcaller("n")`, `object.__getattribute__(x, "n")`, and
//! string subscript keys (`f.f_builtins["__import__"]`, `x.__dict__["__globals__"]`).
//!
//! Identifiers are compared after NFKC normalization (as CPython does); string names are not
//! normalized, because `getattr` does not normalize them either.

use crate::compile::{Compiled, LeafKind};
use crate::glob::NameTable;
use crate::matchers::{Hit, push_unique};
use crate::value::{Interner, Value, ValueSet};

/// Functions whose second positional argument is an attribute name.
pub(crate) const GETATTR_LIKE: &[&str] = &[
    "builtins.getattr",
    "builtins.setattr",
    "builtins.delattr",
    "builtins.hasattr",
    "inspect.getattr_static",
    // The slot wrappers called unbound: `object.__getattribute__(os, "system")`.
    "builtins.object.__getattribute__",
    "builtins.object.__setattr__",
    "builtins.object.__delattr__",
    "builtins.type.__getattribute__",
];

/// Methods that look an attribute up by a string argument when called on any receiver.
pub(crate) const DUNDER_LOOKUPS: &[&str] =
    &["__getattribute__", "__getattr__", "__setattr__", "__delattr__"];

/// What the engine knows of the object an attribute is looked up on.
#[derive(Clone, Copy)]
pub(crate) enum Receiver<'v, 'a> {
    /// The receiver's values (`x` of `x.name` or `getattr(x, "name")`).
    Known(&'v ValueSet<'a>),
    /// Not at hand: the object comes later (`operator.attrgetter("name")`) or is a mapping
    /// read by a string key.
    Unknown,
}

impl Receiver<'_, '_> {
    /// Whether the receiver is surely a class the file defines with a plain `class`
    /// statement (see [`Value::Class`]): on every path, and bound.
    fn own_class(self) -> bool {
        match self {
            Receiver::Known(vals) => vals.surely(|v| matches!(v, Value::Class { plain: true, .. })),
            Receiver::Unknown => false,
        }
    }

    /// Whether the receiver surely resolves to a name `names` matches, or to what a call of
    /// one returned (`ffi` after `ffi = cffi.FFI()` is `cffi.FFI`'s), on every path.
    fn refers_to(self, names: &NameTable) -> bool {
        match self {
            Receiver::Known(vals) => {
                !vals.is_empty()
                    && vals.alts().iter().all(|v| match v {
                        Value::Qual(q) | Value::Returned(q) => names.matches(q),
                        _ => false,
                    })
            }
            Receiver::Unknown => false,
        }
    }
}

/// Pushes the attribute leaves matching `name` whose receiver test, if any, `receiver` passes.
pub(crate) fn hits(
    compiled: &Compiled,
    name: &str,
    receiver: Receiver<'_, '_>,
    interner: &mut Interner,
    out: &mut Vec<Hit>,
) {
    hits_in(compiled, name, receiver, false, interner, out);
}

/// [`hits`] for an attribute or string key that is, with `assigned`, the target of an
/// assignment or `del` (leaves written `assigned: false` do not match there).
pub(crate) fn hits_in(
    compiled: &Compiled,
    name: &str,
    receiver: Receiver<'_, '_>,
    assigned: bool,
    interner: &mut Interner,
    out: &mut Vec<Hit>,
) {
    hits_named(compiled, name, receiver, assigned, false, interner, out);
}

/// [`hits_in`] for a name that is, with `disguised`, text the folder made rather than an
/// identifier or one string literal (leaves written `disguised: true` match only there).
pub(crate) fn hits_named(
    compiled: &Compiled,
    name: &str,
    receiver: Receiver<'_, '_>,
    assigned: bool,
    disguised: bool,
    interner: &mut Interner,
    out: &mut Vec<Hit>,
) {
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
    let mut own_class = None;
    for leaf in found {
        if let Some(LeafKind::Attribute {
            own_class: wanted,
            refers_to,
            assigned: also,
            disguised: only_made,
        }) = compiled.leaves.get(leaf as usize).map(|l| &l.kind)
        {
            if (assigned && !also) || (*only_made && !disguised) {
                continue;
            }
            if let Some(wanted) = wanted
                && *own_class.get_or_insert_with(|| receiver.own_class()) != *wanted
            {
                continue;
            }
            if let Some(names) = refers_to
                && !receiver.refers_to(names)
            {
                continue;
            }
        }
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
    fn disguised_names_only_where_the_folder_made_them() {
        let an = analyzer(&pack("TST402", "{attribute: system, disguised: true}"));
        let src = "import os, sys\nos.system\nos.__dict__['system']\nos.__dict__['sys' + 'tem']\ngetattr(os, 'system')\ngetattr(os, 'metsys'[::-1])\nn = 'sys' + 'tem'\nsys.modules['os'].__dict__[n]\n";
        assert_eq!(lines(&an, src, "TST402"), vec![4, 6, 8]);
    }

    #[test]
    fn benign_idioms_stay_quiet() {
        let an =
            analyzer(&pack("TST401", "{attribute: [__subclasses__, __globals__, __builtins__]}"));
        let src = "type(x).__name__\nself.__class__.__name__\nsuper().__init__()\ngetattr(obj, 'name')\nd['key']\n";
        assert_eq!(lines(&an, src, "TST401"), Vec::<u32>::new());
    }

    #[test]
    fn receiver_tests_tell_the_files_plain_classes_apart() {
        let mine =
            analyzer(&pack("TST403", "{attribute: __subclasses__, receiver: {own_class: false}}"));
        let only =
            analyzer(&pack("TST404", "{attribute: __subclasses__, receiver: {own_class: true}}"));
        let src = "class A:\n    pass\nclass B(A, object):\n    pass\nA.__subclasses__()\ngetattr(B, '__subclasses__')()\nB.__getattribute__('__subclasses__')\nobject.__subclasses__()\nx.__subclasses__()\nimport operator\noperator.methodcaller('__subclasses__')(A)\n";
        assert_eq!(lines(&mine, src, "TST403"), vec![8, 9, 11]);
        assert_eq!(lines(&only, src, "TST404"), vec![5, 6, 7]);
        // Anything between the statement and `type` (a decorator, a keyword, a base of
        // unknown make) or a second binding leaves the class unknown.
        let src = "@d\nclass A:\n    pass\nclass M(type):\n    pass\nclass B(metaclass=M):\n    pass\nclass C(B):\n    pass\nclass D(*bases):\n    pass\nclass E:\n    pass\nif c:\n    E = object\nA.__subclasses__()\nB.__subclasses__()\nC.__subclasses__()\nD.__subclasses__()\nE.__subclasses__()\nM.__subclasses__()\n";
        assert_eq!(lines(&mine, src, "TST403"), vec![16, 17, 18, 19, 20, 21]);
    }

    #[test]
    fn receiver_tests_tell_resolved_receivers_apart() {
        let resolved = analyzer(&pack(
            "TST405",
            "{attribute: dlopen, receiver: {refers_to: ['ctypes.*', 'cffi.*']}}",
        ));
        // Modules, objects reached from them and the instances their classes return resolve;
        // a parameter, an unknown name, a name bound two ways, another module's do not.
        let src = "import ctypes, cffi, other
ffi = cffi.FFI()
ctypes.cdll.dlopen(x)
ffi.dlopen(x)
cffi.FFI().dlopen(x)
other.dlopen(x)
backend.dlopen(x)
def f(ffi):
    ffi.dlopen(x)
g = ffi if c else backend
g.dlopen(x)
getattr(ffi, 'dl' + 'open')(x)
";
        assert_eq!(lines(&resolved, src, "TST405"), vec![3, 4, 5, 12]);
    }

    #[test]
    fn identifiers_are_nfkc_normalized_but_strings_are_not() {
        let an = analyzer(&pack("TST402", "{attribute: __globals__}"));
        let src = "f.__ｇｌｏｂａｌｓ__\ngetattr(f, '__ｇｌｏｂａｌｓ__')\n";
        assert_eq!(lines(&an, src, "TST402"), vec![1]);
    }
}
