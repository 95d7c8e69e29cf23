//! `assign:` — a constant string given to a name that matches: `password = "hunter2"`,
//! `self.api_token = "..."`, `conf["secret"] = "..."`, `def login(user, passwd="...")`;
//! with `any_value: true`, any value at all (`env["LD_PRELOAD"] = path`).
//! Names are compared lowercased; the hit is on the name given the value.

use crate::compile::{Compiled, LeafKind};
use crate::matchers::{Hit, push_unique};
use crate::value::{Const, Interner};

/// Pushes the assign leaves that hold for `name` given `value`: a leaf with a regex or none
/// holds for a value folded to a string (bytes read as latin-1), an `any_value` leaf for any.
/// With `kept_parameter` (the value is a parameter of the enclosing function, kept past the
/// call), only the `parameter` leaves hold, which hold for nothing else.
pub(crate) fn hits(
    compiled: &Compiled,
    name: &str,
    value: Option<&Const<'_>>,
    kept_parameter: bool,
    interner: &mut Interner,
    out: &mut Vec<Hit>,
) {
    if compiled.assigns.is_empty() {
        return;
    }
    let latin;
    let text = match value {
        Some(Const::Str(s)) => Some(s.as_str()),
        Some(Const::Bytes(b)) => {
            latin = crate::matchers::string::latin1(b.as_bytes());
            Some(latin.as_str())
        }
        _ => None,
    };
    // Most names are lowercase already: no copy for them.
    let lower = if name.chars().any(char::is_uppercase) {
        std::borrow::Cow::Owned(name.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    };
    let from = out.len();
    let mut subject = None;
    compiled.assigns.lookup(&lower, |leaf| {
        let Some(LeafKind::Assign(re, any_value, parameter)) =
            compiled.leaves.get(leaf as usize).map(|l| &l.kind)
        else {
            return;
        };
        let holds = match (kept_parameter, *parameter, text) {
            (true, true, _) => true,
            (true, false, _) | (false, true, _) => false,
            (false, false, Some(text)) => re.as_ref().is_none_or(|re| re.is_match(text)),
            (false, false, None) => *any_value,
        };
        if holds {
            let subject = subject.get_or_insert_with(|| interner.intern(name));
            push_unique(out, from, leaf, subject);
        }
    });
}

#[cfg(test)]
mod tests {
    use crate::matchers::testing::{analyzer, lines, pack};

    const RULE: &str = "{assign: {to: [password, '*_password', secret], matches: '^\\S{4,}$'}}";

    #[test]
    fn names_attributes_keys_and_defaults() {
        let an = analyzer(&pack("TST400", RULE));
        let src = "password = 'hunter2'\nself.db_password = 'hunter2'\nconf['Secret'] = 'hunter2'\ndef f(user, password='hunter2'): pass\nf = lambda secret='hunter2': 0\nPASSWORD: str = 'hun' + 'ter2'\nuser, password = 'bob', 'hunter2'\n";
        assert_eq!(lines(&an, src, "TST400"), vec![1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn identifiers_are_read_as_python_normalizes_them() {
        let an = analyzer(&pack("TST402", RULE));
        // Fullwidth letters are `password` to Python (NFKC), whatever they look like.
        let src = "\u{ff50}\u{ff41}\u{ff53}\u{ff53}\u{ff57}\u{ff4f}\u{ff52}\u{ff44} = 'hunter2'\nself.\u{ff53}ecret = 'hunter2'\n";
        assert_eq!(lines(&an, src, "TST402"), vec![1, 2]);
    }

    #[test]
    fn any_value_holds_for_values_that_do_not_fold() {
        let an = analyzer(&pack("TST403", "{assign: {to: [ld_preload], any_value: true}}"));
        let src = "import os\nos.environ['LD_PRELOAD'] = os.path.join(d, 'x.so')\nenv['ld_preload'] = 'x.so'\nLD_PRELOAD = f()\nos.environ['LD_LIBRARY_PATH'] = p\nx = os.environ['LD_PRELOAD']\n";
        assert_eq!(lines(&an, src, "TST403"), vec![2, 3, 4]);
        let an = analyzer(&pack("TST404", "{assign: {to: [ld_preload]}}"));
        assert_eq!(lines(&an, src, "TST404"), vec![3]);
    }

    #[test]
    fn parameters_kept_past_the_call() {
        let an = analyzer(&pack("TST405", "{assign: {to: ['*'], parameter: true}}"));
        let src = "class R:\n    def readinto(self, b):\n        R.kept = b\n        self.kept = b[1:]\n        x = memoryview(b)\n        KEEP[0] = x.cast('Q')\n        KEEP.append(b)\n        self.me = self\n        self.copy = bytes(b)\n        y = b\n        return 0\ndef f(v):\n    global G\n    G = v\n    local = v\n";
        assert_eq!(lines(&an, src, "TST405"), vec![3, 4, 6, 7, 14]);
        // Not for an ordinary assignment of the same names.
        let an = analyzer(&pack("TST406", "{assign: {to: [kept], any_value: true}}"));
        assert_eq!(
            lines(&an, "class R:\n    def readinto(self, b):\n        self.kept = b\n", "TST406"),
            vec![3]
        );
    }

    #[test]
    fn parameters_are_lent_only_in_the_functions_a_rule_names() {
        let src = "class R:\n    def readinto(self, b):\n        R.kept = b\n    def other(self, b):\n        R.kept = b\n";
        let an = analyzer(&pack(
            "TST407",
            "{all: [{assign: {to: ['*'], parameter: true}}, {inside: {function: [readinto]}}]}",
        ));
        assert_eq!(lines(&an, src, "TST407"), vec![3]);
        // Without a function named beside it, every function's parameters are read.
        let an = analyzer(&pack(
            "TST408",
            "{all: [{assign: {to: ['*'], parameter: true}}, {inside: {module_level: false}}]}",
        ));
        assert_eq!(lines(&an, src, "TST408"), vec![3, 5]);
    }

    #[test]
    fn look_alikes() {
        let an = analyzer(&pack("TST401", RULE));
        // Not a constant, too short or spaced (the regex), another name, a comparison.
        let src = "password = os.environ['PW']\npassword = ''\npassword = 'Enter a password'\npassword_field = 'hunter2'\nif password == 'hunter2': pass\nconf[key] = 'hunter2'\nf(password='hunter2')\n";
        assert_eq!(lines(&an, src, "TST401"), Vec::<u32>::new());
    }
}
