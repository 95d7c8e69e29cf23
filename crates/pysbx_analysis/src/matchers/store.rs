//! `store:` — an assignment to (or `del` of) an attribute of another module or object that
//! resolves to a qualified-name glob: `builtins.print = f`, `del builtins.open`,
//! `setattr(builtins, "input", hook)`. What replaces a function every other module calls.
//!
//! The hit is on the assignment target (`builtins.print`), or on the `setattr` call.

use crate::compile::Compiled;
use crate::glob::NameMemo;
use crate::matchers::{Hit, name_hits};
use crate::value::ValueSet;

/// Pushes the store leaves matching a name the stored-to target `vals` may stand for.
pub(crate) fn hits(compiled: &Compiled, vals: &ValueSet<'_>, out: &mut Vec<Hit>) {
    // Stores to other modules' attributes are rare: a memo per call is enough.
    name_hits(&compiled.stores, vals, &mut NameMemo::default(), out);
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, lines, pack};

    #[test]
    fn assignments_deletions_and_setattr() {
        let an = analyzer(&pack("TST300", "{store: 'builtins.*'}"));
        let src = "import builtins\nbuiltins.print = f\ndel builtins.open\nsetattr(builtins, 'input', hook)\ndelattr(builtins, 'exit')\nimport builtins as b\nb.eval = g\nbuiltins.print\nprint = f\nx.print = f\nsetattr(builtins, name, hook)\nbuiltins.print.__doc__ = 'x'\n";
        // Line 12 stores `builtins.print.__doc__`, which `builtins.*` matches (a glob's `*`
        // takes dots); loads, plain names, other receivers and computed names are not stores.
        assert_eq!(lines(&an, src, "TST300"), vec![2, 3, 4, 5, 7, 12]);
    }

    #[test]
    fn namespace_entries() {
        let an = analyzer(&pack("TST302", "{store: ['builtins.*', os]}"));
        let src = "import builtins, sys\n__builtins__['print'] = f\nbuiltins.__dict__['open'] = g\nvars(builtins)['input'] = h\ndel __builtins__['exit']\nsys.modules['os'] = fake\nd = {'f': print}\nd['f'] = other\nx = __builtins__['print']\nglobals()['print'] = p\n";
        assert_eq!(lines(&an, src, "TST302"), vec![2, 3, 4, 5, 6]);
    }

    #[test]
    fn the_attribute_of_an_imported_module() {
        let an = analyzer(&pack(
            "TST301",
            "{store: [socket.socket, ssl._create_default_https_context]}",
        ));
        let src = "import socket, ssl\nfrom socket import socket as s\nsocket.socket = Evil\nssl._create_default_https_context = ssl._create_unverified_context\nsocket.create_connection = f\ns = 1\n";
        assert_eq!(lines(&an, src, "TST301"), vec![3, 4]);
    }
}
