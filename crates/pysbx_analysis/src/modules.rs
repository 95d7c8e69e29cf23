//! Modules known under another name: a package vendored inside another (`pip._vendor.requests`
//! is `requests`), and the compatibility layers that re-export the standard library under
//! their own names (`six.moves.urllib.request` is `urllib.request`, `six.exec_` is `exec`), and
//! the drop-in copies of a standard module (`gevent.subprocess` is `subprocess`, `psutil.Popen`
//! is `subprocess.Popen`).
//!
//! A rule names `requests.post` or `urllib.request.urlopen` once; the same function reached
//! through a copy pip ships, or through `six`, does the same thing and must match the same
//! rules, or the copy is a way around every rule that names the original.

use std::borrow::Cow;

/// The directories packages keep copies of other packages in: `pip._vendor`,
/// `botocore.vendored`, `setuptools.extern`, `sklearn.externals`. What follows one is the
/// copied package's own module path.
const VENDOR_DIRS: &[&str] =
    &["_vendor", "vendor", "vendored", "_vendored", "extern", "_extern", "externals"];

/// The module (or object) a dotted name stands for, when it is known under another name:
/// `pip._vendor.requests.post` is `requests.post`, `requests.packages.urllib3` is `urllib3`,
/// `six.moves.urllib.request.urlopen` is `urllib.request.urlopen`, `six.moves.cPickle.loads`
/// is `pickle.loads`, `six.exec_` is `builtins.exec`, `future.moves.subprocess` is
/// `subprocess`. Anything else is returned as it is, without allocating.
pub(crate) fn canonical(name: &str) -> Cow<'_, str> {
    let unvendored = unvendored(name);
    match moved(unvendored) {
        Some(moved) => Cow::Owned(moved),
        None if unvendored.len() != name.len() => Cow::Borrowed(unvendored),
        None => Cow::Borrowed(name),
    }
}

/// Whether `base.attr` may be known under another name (see [`canonical`]), told from `base`
/// alone: for the interner's joins, which run at every attribute read of a module and build
/// names one part at a time, so that a name already canonical never holds a vendoring
/// directory or a compatibility layer before its last part.
pub(crate) fn may_rename_after(base: &str) -> bool {
    match base.rsplit_once('.') {
        Some((_, last)) => {
            VENDOR_DIRS.contains(&last)
                || matches!(
                    base,
                    "requests.packages"
                        | "six.moves"
                        | "future.moves"
                        | "future.builtins"
                        | "future.utils"
                        | "eventlet.green"
                )
        }
        None => matches!(base, "six" | "gevent" | "psutil"),
    }
}

/// What follows the last vendoring directory of a dotted name (not its first part, and with
/// something after it), or `requests.packages`: the copied package's own path.
fn unvendored(name: &str) -> &str {
    if let Some(rest) = name.strip_prefix("requests.packages.") {
        return rest;
    }
    // Fast path: most names hold no vendoring directory at all.
    if !name.contains("vendor") && !name.contains("extern") {
        return name;
    }
    let mut cut = None;
    let mut start = 0;
    for (index, part) in name.split('.').enumerate() {
        let end = start + part.len();
        if index > 0 && end < name.len() && VENDOR_DIRS.contains(&part) {
            cut = Some(end + 1);
        }
        start = end + 1;
    }
    cut.and_then(|at| name.get(at..)).unwrap_or(name)
}

/// Drop-in copies of a standard module, with the same functions under the same names and the
/// same arguments: `gevent.subprocess.Popen(cmd, shell=True)` runs `cmd` through the shell as
/// `subprocess.Popen` does (cooperatively), and `psutil.Popen` is `subprocess.Popen` with
/// more methods. Each is the module (or object) it copies, so every rule that names the
/// original applies.
const DROP_INS: &[(&str, &str)] = &[
    ("gevent.subprocess", "subprocess"),
    ("eventlet.green.subprocess", "subprocess"),
    ("psutil.Popen", "subprocess.Popen"),
];

/// The standard library's name for what `six` and `future` re-export under theirs, and for
/// the drop-in copies of its modules.
fn moved(name: &str) -> Option<String> {
    for (copy, original) in DROP_INS {
        if let Some(rest) = name.strip_prefix(copy)
            && (rest.is_empty() || rest.starts_with('.'))
        {
            return Some(format!("{original}{rest}"));
        }
    }
    if name == "six.exec_" || name == "future.utils.exec_" {
        return Some("builtins.exec".to_owned());
    }
    for prefix in ["future.moves.", "future.builtins."] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return Some(if prefix.ends_with("builtins.") {
                format!("builtins.{rest}")
            } else {
                rest.to_owned()
            });
        }
    }
    let rest = name.strip_prefix("six.moves.")?;
    let (first, tail) = match rest.split_once('.') {
        Some((first, tail)) => (first, Some(tail)),
        None => (rest, None),
    };
    let target = match first {
        "cPickle" => "pickle",
        "http_client" => "http.client",
        "http_cookiejar" => "http.cookiejar",
        "http_cookies" => "http.cookies",
        "html_parser" => "html.parser",
        "html_entities" => "html.entities",
        "urllib_parse" => "urllib.parse",
        "urllib_error" => "urllib.error",
        "urllib_request" => "urllib.request",
        "urllib_response" => "urllib.response",
        "urllib_robotparser" => "urllib.robotparser",
        "xmlrpc_client" => "xmlrpc.client",
        "xmlrpc_server" => "xmlrpc.server",
        "BaseHTTPServer" | "SimpleHTTPServer" | "CGIHTTPServer" => "http.server",
        "dbm_gnu" => "dbm.gnu",
        "email_mime_base" => "email.mime.base",
        "email_mime_multipart" => "email.mime.multipart",
        "email_mime_nonmultipart" => "email.mime.nonmultipart",
        "email_mime_text" => "email.mime.text",
        "tkinter_filedialog" => "tkinter.filedialog",
        "input" | "range" | "zip" | "map" | "filter" | "builtins" => {
            return Some(match (first, tail) {
                ("builtins", Some(tail)) => format!("builtins.{tail}"),
                ("builtins", None) => "builtins".to_owned(),
                (name, _) => format!("builtins.{name}"),
            });
        }
        "xrange" => "builtins.range",
        "raw_input" => "builtins.input",
        "reload_module" => "importlib.reload",
        "reduce" => "functools.reduce",
        "intern" => "sys.intern",
        "getcwd" => "os.getcwd",
        "getcwdb" => "os.getcwdb",
        "shlex_quote" => "shlex.quote",
        "getoutput" => "subprocess.getoutput",
        "StringIO" => "io.StringIO",
        "UserDict" => "collections.UserDict",
        "UserList" => "collections.UserList",
        "UserString" => "collections.UserString",
        "zip_longest" => "itertools.zip_longest",
        "filterfalse" => "itertools.filterfalse",
        // The other moves are the standard library's modules by the same name (`queue`,
        // `socketserver`, `configparser`, `_thread`, `urllib`, `copyreg`, `reprlib`).
        other => other,
    };
    Some(match tail {
        Some(tail) => format!("{target}.{tail}"),
        None => target.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn vendored_copies_are_the_packages_they_copy() {
        assert_eq!(canonical("pip._vendor.requests.post"), "requests.post");
        assert_eq!(canonical("pip._vendor.urllib3.PoolManager"), "urllib3.PoolManager");
        assert_eq!(canonical("requests.packages.urllib3.util"), "urllib3.util");
        assert_eq!(canonical("botocore.vendored.requests"), "requests");
        assert_eq!(canonical("setuptools.extern.packaging"), "packaging");
        // The vendoring directory itself, and a first part that happens to be called so, stay.
        assert_eq!(canonical("pip._vendor"), "pip._vendor");
        assert_eq!(canonical("vendor.requests"), "vendor.requests");
        assert_eq!(canonical("os.path.join"), "os.path.join");
    }

    #[test]
    fn compatibility_layers_are_the_standard_library() {
        assert_eq!(canonical("six.moves.urllib.request.urlopen"), "urllib.request.urlopen");
        assert_eq!(canonical("gevent.subprocess"), "subprocess");
        assert_eq!(canonical("gevent.subprocess.Popen"), "subprocess.Popen");
        assert_eq!(canonical("eventlet.green.subprocess.run"), "subprocess.run");
        assert_eq!(canonical("psutil.Popen"), "subprocess.Popen");
        assert_eq!(canonical("psutil.Process"), "psutil.Process");
        assert_eq!(canonical("gevent.subprocessing"), "gevent.subprocessing");
        assert_eq!(canonical("six.moves.cPickle.loads"), "pickle.loads");
        assert_eq!(canonical("six.moves.builtins.eval"), "builtins.eval");
        assert_eq!(canonical("six.moves.input"), "builtins.input");
        assert_eq!(canonical("six.moves.http_client"), "http.client");
        assert_eq!(canonical("six.moves.queue"), "queue");
        assert_eq!(canonical("six.exec_"), "builtins.exec");
        assert_eq!(canonical("future.moves.subprocess.Popen"), "subprocess.Popen");
        assert_eq!(canonical("future.builtins.input"), "builtins.input");
        assert_eq!(canonical("pip._vendor.six.moves.urllib.request"), "urllib.request");
        assert_eq!(canonical("six.moves"), "six.moves");
        assert_eq!(canonical("six"), "six");
    }

    /// The joins' test agrees with [`canonical`] on a name built one part at a time: each
    /// name it lets through unrenamed is canonical already.
    #[test]
    fn the_joins_test_misses_no_renamed_name() {
        let chains: &[&[&str]] = &[
            &["pip", "_vendor", "requests", "post"],
            &["pip", "_vendor", "six", "moves", "urllib", "request", "urlopen"],
            &["requests", "packages", "urllib3", "util"],
            &["six", "exec_"],
            &["six", "moves", "cPickle", "loads"],
            &["future", "moves", "subprocess", "Popen"],
            &["future", "utils", "exec_"],
            &["os", "path", "join"],
            &["vendor", "requests"],
        ];
        for chain in chains {
            let mut name = chain[0].to_string();
            for part in &chain[1..] {
                let joined = format!("{name}.{part}");
                name = if super::may_rename_after(&name) {
                    canonical(&joined).into_owned()
                } else {
                    assert_eq!(canonical(&joined), joined, "missed: {joined}");
                    joined
                };
            }
        }
    }
}
