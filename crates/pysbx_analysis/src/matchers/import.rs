//! `import:` — an import of a module matching a glob: `import x`, `from x import y` (module `x`,
//! and `x.y` for submodule globs), `__import__("x")`, `importlib.import_module("x")` and
//! `importlib.__import__`, with folded names. `import a.b` imports `a` too, so a glob for `a`
//! matches it. Relative imports (`from . import x`) name local modules and never match.

use crate::compile::Compiled;
use crate::matchers::Hit;
use crate::value::Interner;

/// Pushes the import leaves matching `module` or one of its parent packages. The subject is
/// the longest name that matched.
pub(crate) fn hits(compiled: &Compiled, module: &str, interner: &mut Interner, out: &mut Vec<Hit>) {
    if compiled.imports.is_empty()
        || module.is_empty()
        || module.starts_with('.')
        || module.len() > crate::value::MAX_QUAL_LEN
    {
        return;
    }
    let from = out.len();
    let mut end = module.len();
    loop {
        let candidate = &module[..end];
        let mut found: smallvec::SmallVec<[u32; 4]> = smallvec::SmallVec::new();
        compiled.imports.lookup(candidate, |leaf| found.push(leaf));
        if !found.is_empty() {
            let subject = interner.intern(candidate);
            for leaf in found {
                crate::matchers::push_unique(out, from, leaf, &subject);
            }
        }
        match candidate.rfind('.') {
            Some(dot) => end = dot,
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, findings, lines, pack};

    #[test]
    fn static_imports() {
        let an = analyzer(&pack("TST300", "{import: ctypes}"));
        let src = "import ctypes\nimport ctypes.util\nfrom ctypes import CDLL\nimport os, ctypes as c\nfrom . import ctypes\nfrom .ctypes import x\nimport ctypesx\n";
        assert_eq!(lines(&an, src, "TST300"), vec![1, 2, 3, 4]);
    }

    #[test]
    fn submodule_globs_see_from_imports() {
        let an = analyzer(&pack("TST301", "{import: os.path}"));
        let src = "from os import path\nimport os.path\nimport os\n";
        assert_eq!(lines(&an, src, "TST301"), vec![1, 2]);
    }

    #[test]
    fn dynamic_imports_with_folded_names() {
        let an = analyzer(&pack("TST302", "{import: [os, 'subprocess']}"));
        let src = "__import__('o' + 's')\nimport importlib\nimportlib.import_module('sub' + 'process')\nimportlib.__import__('os')\nm = 'o' 's'\n__import__(m)\n__import__(name)\n";
        assert_eq!(lines(&an, src, "TST302"), vec![1, 3, 4, 6]);
    }

    #[test]
    fn subject_is_the_matched_module() {
        let an = analyzer(&pack("TST303", "{import: xml}"));
        let got = findings(&an, "import xml.etree.ElementTree\n");
        assert_eq!(got, vec![(1, "TST303".to_string(), "xml".to_string())]);
    }
}
