//! Path texts: what a path built by a call that does not fold is known to be, for the
//! `matches` argument test (see [`Value::Path`]).
//!
//! `os.path.join("/etc", "sudoers.d", "zz")` does not fold (its separator is the platform's),
//! but a rule about system files should see `/etc/sudoers.d/zz`; `shutil.rmtree(
//! os.path.expanduser("~"))` removes a home directory as `shutil.rmtree(Path.home())` does.
//! Parts are joined by `/`; a home directory is `~`; a directory at any depth below a walked
//! one is `**` and a name listed from a directory `*`, so that a loop over `os.walk("/")`
//! removing `os.path.join(root, name)` removes `/**/*`.

use std::rc::Rc;

use smallvec::SmallVec;

use crate::fold::MAX_CONST_LEN;
use crate::value::{Const, Text, Value, ValueSet};

/// A part of a joined path whose text is not known (`os.path.join(ssh_dir, name)`, `d / name`):
/// the path names some entry of the directory before it. Not `*`, which is every entry of a
/// listing: removing `d / name` is not removing all of `d`.
pub(crate) const UNKNOWN_PART: &str = "?";

/// Whether `func` joins its arguments into one path, so that a part after the first that is
/// not known still leaves the directory known (see [`UNKNOWN_PART`]).
pub(crate) fn joins(func: &str) -> bool {
    matches!(
        func,
        "os.path.join"
            | "posixpath.join"
            | "pathlib.Path"
            | "pathlib.PurePath"
            | "pathlib.PosixPath"
            | "pathlib.PurePosixPath"
    )
}

/// The path text a value set stands for: its one [`Value::Path`], beside at most what a call
/// result carries for `returned_by` and `derived_from` tests and what is not known. A name
/// that holds a known path on one path of the code and something unknown on another (a
/// parameter a call of the file handed `os.path.expanduser("~")`, `base = base or
/// Path.home()`) may hold that path, as a name bound to several paths may hold any of them.
pub(crate) fn text_of<'v>(vals: &'v ValueSet<'_>) -> Option<&'v str> {
    let mut found = None;
    for alt in vals.alts() {
        match alt {
            Value::Path(t) if found.is_none() => found = Some(&**t),
            Value::Path(_) => return None,
            _ if carried_beside(alt) => {}
            _ => return None,
        }
    }
    found
}

/// Every path text a value set may be (a name bound to several paths, a loop's name over a
/// table of them), when it is nothing else but what [`carried_beside`] allows; none
/// otherwise.
pub(crate) fn texts_of<'v>(vals: &'v ValueSet<'_>) -> SmallVec<[&'v str; 2]> {
    let mut out = SmallVec::new();
    for alt in vals.alts() {
        match alt {
            Value::Path(t) => out.push(&**t),
            _ if carried_beside(alt) => {}
            _ => return SmallVec::new(),
        }
    }
    out
}

/// What a path's value set may hold beside its text without standing for another object:
/// what a call result carries for `returned_by` and `derived_from` tests, the name of an
/// attribute of a call's result that patterns match (`pathlib.Path().parent` beside the text
/// of `Path(__file__).parent`), and what is not known.
fn carried_beside(alt: &Value<'_>) -> bool {
    match alt {
        Value::Returned(_) | Value::From(_) | Value::Unknown => true,
        Value::Qual(q) => q.contains(")."),
        _ => false,
    }
}

/// Whether the value set stands for paths whose texts are known (beside what a call result
/// carries for `returned_by` and `derived_from` tests, and what is not known: see
/// [`text_of`]), one of which `test` accepts: a name bound to a path on several paths of the
/// code may hold any of them.
pub(crate) fn any_text(vals: &ValueSet<'_>, test: impl FnMut(&str) -> bool) -> bool {
    any_text_with(vals, false, test)
}

/// As [`any_text`], where a string constant is a path's text too: a parameter that one call
/// of the file handed a literal path (`steal("/etc/shadow")`) and another a path built
/// (`steal(os.path.expanduser("~/.aws/credentials"))`) may name either file. `None` (a
/// parameter's default before the body picks a path) names none.
pub(crate) fn any_text_or_string(vals: &ValueSet<'_>, test: impl FnMut(&str) -> bool) -> bool {
    any_text_with(vals, true, test)
}

fn any_text_with(vals: &ValueSet<'_>, strings: bool, mut test: impl FnMut(&str) -> bool) -> bool {
    let mut any = false;
    for alt in vals.alts() {
        match alt {
            Value::Path(t) => any = any || test(t),
            Value::Const(c) if strings => match c.as_str() {
                Some(s) => any = any || test(s),
                None if matches!(c, Const::None) => {}
                None => return false,
            },
            _ if carried_beside(alt) => {}
            _ => return false,
        }
    }
    any
}

/// The text of an argument that is a path: a string it folds to, or a path text.
pub(crate) fn known<'v>(fold: Option<&'v Const<'_>>, vals: &'v ValueSet<'_>) -> Option<&'v str> {
    match fold {
        Some(c) => c.as_str(),
        None => text_of(vals),
    }
}

/// `left + right` where `left` is a path whose text is known and `right` a known text or
/// path (`root + "/" + name` in a walk): the two texts run together, as `+` puts them.
pub(crate) fn concat<'a>(
    left: &ValueSet<'a>,
    right_fold: Option<&Const<'a>>,
    right: &ValueSet<'a>,
) -> SmallVec<[Value<'a>; 1]> {
    let Some(parts) = later_parts(right_fold, right) else { return SmallVec::new() };
    // One base, or each of several (a loop's name over a table of paths).
    let bases = texts_of(left);
    if bases.len() * parts.len() > crate::value::MAX_ALTERNATIVES {
        return SmallVec::new();
    }
    bases
        .iter()
        .flat_map(|base| parts.iter().map(move |part| format!("{base}{part}")))
        .filter_map(path)
        .collect()
}

/// The texts a part after a path's first may be: its known text, or each of the names a test
/// pinned it to under `or` (see [`pinned_name_choices`]).
pub(crate) fn later_parts<'v>(
    fold: Option<&'v Const<'_>>,
    vals: &'v ValueSet<'_>,
) -> Option<SmallVec<[&'v str; 2]>> {
    if let Some(text) = known(fold, vals) {
        return Some(smallvec::smallvec![text]);
    }
    if fold.is_none() && pinned_name_choices(vals) {
        return vals.alts().iter().map(pinned_name_part).collect();
    }
    // A loop's name over a table of constants (`for store in ("\\discord\\...", ...)`):
    // each, and of a longer table the items kept (the ones a rule tells apart) without what
    // is not known, which makes no text.
    if fold.is_none() && (vals.constant_choices() || vals.constants_beside_unknown()) {
        return vals
            .alts()
            .iter()
            .filter_map(|v| match v {
                Value::Const(c) => Some(c.as_str()),
                _ => None,
            })
            .collect();
    }
    None
}

/// `left / right` where `left` is a path whose text is known and `right` a known text or path
/// (`Path.home() / ".ssh"`): the two joined (see [`join`]). A right operand that is one of a
/// few constants (a loop's name over a table of paths), and perhaps something else, gives a
/// path for each, and one for a part not known.
pub(crate) fn divided<'a>(
    left: &ValueSet<'a>,
    right_fold: Option<&Const<'a>>,
    right: &ValueSet<'a>,
) -> ValueSet<'a> {
    let mut out = ValueSet::default();
    let bases = texts_of(left);
    if bases.len() > 1 {
        // A path of several texts (a loop's name over a table of paths): each joined to a
        // part whose text is known.
        if let Some(part) = known(right_fold, right)
            && bases.len() <= crate::value::MAX_ALTERNATIVES
        {
            for base in bases {
                if let Some(v) = path(join(base, part)) {
                    out.push(v);
                }
            }
        }
        return out;
    }
    let Some(base) = text_of(left) else { return out };
    if let Some(part) = known(right_fold, right) {
        if let Some(v) = path(join(base, part)) {
            out.push(v);
        }
        return out;
    }
    if right_fold.is_none() && pinned_name_choices(right) {
        for part in right.alts().iter().filter_map(pinned_name_part) {
            if let Some(v) = path(join(base, part)) {
                out.push(v);
            }
        }
        return out;
    }
    if right_fold.is_none() && names_constant_parts(right, true) {
        for part in right.alts().iter().filter_map(constant_part) {
            if let Some(v) = path(join(base, part)) {
                out.push(v);
            }
        }
        return out;
    }
    if unknown_part(right_fold, right)
        && let Some(v) = path(join(base, UNKNOWN_PART))
    {
        out.push(v);
    }
    out
}

/// Whether a value set is one of a few constants (each a part of its own), or, where
/// `beside_unknown`, also some constants and something not known (a loop over a longer table:
/// each, and [`UNKNOWN_PART`]).
pub(crate) fn names_constant_parts(vals: &ValueSet<'_>, beside_unknown: bool) -> bool {
    vals.constant_choices() || (beside_unknown && vals.constants_beside_unknown())
}

/// The part one alternative of such a set names: a string constant's text, [`UNKNOWN_PART`]
/// for the unknown; `None` for a constant that is not a string.
pub(crate) fn constant_part<'v>(alt: &'v Value<'_>) -> Option<&'v str> {
    match alt {
        Value::Const(c) => c.as_str(),
        _ => Some(UNKNOWN_PART),
    }
}

/// Whether a value set is the few names a test pinned a bare listed name to under `or`
/// (`n.endswith(".env") or n == "id_rsa"`, see `Walker::narrowings`): constant strings beside
/// names of one ending (`*.env`), each a part of its own (see [`pinned_name_part`]).
pub(crate) fn pinned_name_choices(vals: &ValueSet<'_>) -> bool {
    // `*.env`, or `*id_rsa*` of a name holding a text (`"id_rsa" in n`).
    let ending = |t: &str| {
        t.strip_prefix('*')
            .map(|rest| rest.strip_suffix('*').unwrap_or(rest))
            .is_some_and(|rest| !rest.is_empty() && plain_part(rest))
    };
    !vals.unbound
        && vals.alts().len() > 1
        && vals.alts().iter().any(|v| matches!(v, Value::Path(_)))
        && vals.alts().iter().all(|v| match v {
            Value::Const(c) => c.as_str().is_some_and(plain_part),
            Value::Path(t) => ending(t),
            _ => false,
        })
}

/// The text of one of [`pinned_name_choices`]' names.
pub(crate) fn pinned_name_part<'v>(alt: &'v Value<'_>) -> Option<&'v str> {
    match alt {
        Value::Const(c) => c.as_str(),
        Value::Path(t) => Some(t),
        _ => None,
    }
}

/// Whether a joined part whose text is not known ([`known`] gave none) stands for
/// [`UNKNOWN_PART`]: it is not one of a few constants, whose each text makes a path of its own.
pub(crate) fn unknown_part(fold: Option<&Const<'_>>, vals: &ValueSet<'_>) -> bool {
    fold.is_none() && !vals.constant_choices()
}

/// `base` joined with `part` as `os.path.join` and `pathlib` do: an absolute part starts
/// over.
pub(crate) fn join(base: &str, part: &str) -> String {
    if part.starts_with('/') || base.is_empty() {
        return part.to_string();
    }
    if part.is_empty() {
        return base.to_string();
    }
    let mut out = base.trim_end_matches('/').to_string();
    out.push('/');
    out.push_str(part);
    out
}

/// `os.path.expanduser`: `~` and `~/...` name the user's home, read as `~`; anything else is
/// returned as it is (`~other` is another user's home: not known).
fn expand_user(text: &str) -> Option<String> {
    match text.strip_prefix('~') {
        Some(rest) if !(rest.is_empty() || rest.starts_with(['/', '\\'])) => None,
        _ => Some(text.to_string()),
    }
}

/// `os.path.expandvars`: a leading `$HOME`, `${HOME}`, `%USERPROFILE%` or another variable
/// naming a known directory (`%APPDATA%`, see [`known_directory`]) is that directory;
/// other variables stay as they are written.
fn expand_vars(text: &str) -> String {
    let (var, rest) = if let Some(r) = text.strip_prefix('%') {
        r.split_once('%').unwrap_or(("", text))
    } else if let Some(r) = text.strip_prefix("${") {
        r.split_once('}').unwrap_or(("", text))
    } else if let Some(r) = text.strip_prefix('$') {
        r.split_at(r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(r.len()))
    } else {
        ("", text)
    };
    match known_directory(var) {
        Some(dir) if rest.is_empty() || rest.starts_with(['/', '\\']) => format!("{dir}{rest}"),
        _ => text.to_string(),
    }
}

/// The path text of the running module's own file, `__file__`: a file of the directory the
/// code ships in, read as `.` the way a project's own files are (`Path(__file__).parent /
/// ".env"` is `./.env`, `os.path.dirname(os.path.abspath(__file__))` is `.`).
pub(crate) const MODULE_FILE: &str = "./__file__";

/// Whether a path text is absolute (or under the home directory), or written from the
/// working directory (`.`, `./...`): what `abspath` and `resolve` leave as it is (the
/// working directory is `.` itself).
fn anchored(text: &str) -> bool {
    text.starts_with(['/', '~']) || text == "." || text.starts_with("./")
}

/// The directory a path text names an entry of, as `os.path.dirname` and `Path.parent` give
/// it: `~/.ssh` of `~/.ssh/id_rsa`, `.` of `./__file__` and of a bare name, `..` of `.`. The
/// home directory's own parent is not known.
pub(crate) fn parent(text: &str) -> Option<String> {
    if text == "." {
        return Some("..".to_string());
    }
    if text == ".." || text.ends_with("/..") {
        return Some(join(text, ".."));
    }
    match text.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) => Some("/".to_string()),
        Some((dir, _)) => Some(dir.to_string()),
        None if text.is_empty() || text.starts_with('~') => None,
        None => Some(".".to_string()),
    }
}

/// A path text as a value, unless it is longer than a folded constant may be.
pub(crate) fn path<'a>(text: String) -> Option<Value<'a>> {
    (text.len() <= MAX_CONST_LEN).then(|| Value::Path(Rc::from(text)))
}

/// The value a call of `func` makes of its arguments' path texts (`parts`, every one known),
/// when it is a path the matching should see.
pub(crate) fn call<'a>(func: &str, parts: &[&str]) -> Option<Value<'a>> {
    match (func, parts) {
        (f, [first, rest @ ..]) if joins(f) => {
            path(rest.iter().fold((*first).to_string(), |p, part| join(&p, part)))
        }
        ("os.path.expanduser" | "posixpath.expanduser", [p]) => path(expand_user(p)?),
        ("os.path.expandvars" | "posixpath.expandvars", [p]) => path(expand_vars(p)),
        ("os.path.normpath" | "os.fspath" | "builtins.str", [p]) => path((*p).to_string()),
        ("os.path.abspath" | "os.path.realpath", [p]) if anchored(p) => path((*p).to_string()),
        ("os.path.dirname" | "posixpath.dirname", [p]) => path(parent(p)?),
        ("os.walk", [top]) => (top.len() <= MAX_CONST_LEN).then(|| Value::Walk(Rc::from(*top))),
        // The working directory, `.`: a file joined to it (`os.path.join(os.getcwd(), ".env")`)
        // is the project's own, `./.env`, as a relative path names it.
        ("os.getcwd" | "pathlib.Path.cwd" | "pathlib.PosixPath.cwd", []) => path(".".to_string()),
        // The shared temporary directory (`/tmp` where the code is scanned for, `%TEMP%` on
        // Windows): one text, so that a file saved there is found again where it is read.
        ("tempfile.gettempdir", []) => path("/tmp".to_string()),
        ("os.listdir", [_] | []) => Some(Value::Entries(Rc::from("*"))),
        // Its entries' `path` is the directory joined with a name (see `Walker::attr_vals`).
        ("os.scandir", [top]) => entries(join(top, "*")),
        ("os.scandir", []) => Some(Value::Entries(Rc::from("*"))),
        ("glob.glob" | "glob.iglob", [pattern]) => {
            (pattern.len() <= MAX_CONST_LEN).then(|| Value::Entries(Rc::from(*pattern)))
        }
        _ => None,
    }
}

/// What `os.environ.get(VAR, default)` or `os.getenv(VAR, default)` gives when the default is a
/// path whose text is known (`os.environ.get("DOCKER_CONFIG", os.path.expanduser(
/// "~/.docker"))`): the variable is seldom set, and the default is the path the code reads.
pub(crate) fn environment_default<'a>(func: &str, default: &str) -> Option<Value<'a>> {
    matches!(func, "os.getenv" | "os.environ.get").then(|| path(default.to_string()))?
}

/// The directory an environment variable names, as a path text: the home directory (`HOME`,
/// `USERPROFILE`) and the user's directories under it, Windows' roaming and local application
/// data (`APPDATA`, `LOCALAPPDATA`: where wallets, chat clients and browsers keep their
/// stores), its temporary directory (`TEMP`, `TMP`: where a stealer gathers its loot) and the
/// XDG configuration and data directories; and Windows' own (`ProgramFiles`,
/// `ProgramFiles(x86)`, `ProgramData`, `SystemRoot`, `windir`, `PUBLIC`), on drive `C:`. Each
/// is where it is by default, which is where the files a rule names are looked for. Windows'
/// variables are read whatever their case (`os.getenv("temp")`), as Windows reads them.
pub(crate) fn known_directory(var: &str) -> Option<&'static str> {
    // Windows' variables are read in any case (`os.getenv("AppData")`): compared without a
    // copy in upper case.
    const KNOWN: [(&str, &str); 15] = [
        ("HOME", "~"),
        ("USERPROFILE", "~"),
        ("APPDATA", "~/AppData/Roaming"),
        ("LOCALAPPDATA", "~/AppData/Local"),
        ("XDG_CONFIG_HOME", "~/.config"),
        ("XDG_DATA_HOME", "~/.local/share"),
        ("TEMP", "~/AppData/Local/Temp"),
        ("TMP", "~/AppData/Local/Temp"),
        ("PROGRAMFILES", "C:/Program Files"),
        ("PROGRAMFILES(X86)", "C:/Program Files (x86)"),
        ("PROGRAMDATA", "C:/ProgramData"),
        ("ALLUSERSPROFILE", "C:/ProgramData"),
        ("SYSTEMROOT", "C:/Windows"),
        ("WINDIR", "C:/Windows"),
        ("PUBLIC", "C:/Users/Public"),
    ];
    KNOWN.iter().find(|(name, _)| name.eq_ignore_ascii_case(var)).map(|(_, dir)| *dir)
}

/// The home directory, as `Path.home()` gives it, or a directory an environment variable
/// names (`os.getenv("HOME")`, `os.environ.get("APPDATA")`, see [`known_directory`]).
pub(crate) fn home<'a>(func: &str, args: &[Option<&str>]) -> Option<Value<'a>> {
    let dir = match (func, args) {
        ("pathlib.Path.home" | "pathlib.PosixPath.home" | "pathlib.WindowsPath.home", []) => "~",
        ("os.getenv" | "os.environ.get", [Some(var), ..]) => known_directory(var)?,
        _ => return None,
    };
    Some(Value::Path(Rc::from(dir)))
}

/// What a method of a path object whose text is `recv` makes (`Path.home().rglob("*")`,
/// `Path("~/.ssh").expanduser()`).
pub(crate) fn method<'a>(recv: &str, name: &str, parts: &[&str]) -> Option<Value<'a>> {
    match (name, parts) {
        ("joinpath", _) => path(parts.iter().fold(recv.to_string(), |p, part| join(&p, part))),
        ("expanduser", []) => path(expand_user(recv)?),
        ("resolve" | "absolute", []) if anchored(recv) => path(recv.to_string()),
        ("rglob", [pattern]) => entries(join(&join(recv, "**"), pattern)),
        ("glob", [pattern]) => entries(join(recv, pattern)),
        ("iterdir", []) => entries(join(recv, "*")),
        ("walk", []) => Some(Value::Walk(Rc::from(recv))),
        _ => None,
    }
}

/// Whether a path text is a listed name: `*` (a name `os.listdir` or `os.walk` gave) or an
/// entry `d/*` of a listed directory, whose name an `if` test may pin down.
pub(crate) fn listed(text: &str) -> bool {
    text == "*" || text.ends_with("/*")
}

/// Whether `name` can be one part of a path as written: not empty, no separator, no wildcard.
pub(crate) fn plain_part(name: &str) -> bool {
    !name.is_empty() && !name.contains(['/', '\\', '*', '?']) && name.len() <= 255
}

/// What a listed name ([`listed`]) holds where a test found it equal to one of `names`: a bare
/// name is each of them, as a `for` over a tuple of them gives it (`os.path.join(root, name)`
/// then names a path for each); an entry `d/*` is `d/NAME` for each (the `matches` test and
/// a file's origin see each; a join of such an entry has no one text, and gives none).
pub(crate) fn pinned<'a>(listed: &str, names: &[String]) -> Option<ValueSet<'a>> {
    let mut out = ValueSet::default();
    if listed == "*" {
        for name in names.iter().take(8) {
            out.push(Value::Const(Const::Str(Text::Owned(name.clone()))));
        }
        return Some(out);
    }
    let dir = listed.strip_suffix('*')?;
    for name in names.iter().take(8) {
        out.push(path(format!("{dir}{name}"))?);
    }
    Some(out)
}

/// What a listed name ([`listed`]) holds where `name.endswith(ending)` held: a name of any
/// text with that ending (`*.env`).
pub(crate) fn ending<'a>(listed: &str, ending: &str) -> Option<ValueSet<'a>> {
    Some(ValueSet::one(path(format!("{listed}{ending}"))?))
}

fn entries<'a>(text: String) -> Option<Value<'a>> {
    (text.len() <= MAX_CONST_LEN).then(|| Value::Entries(Rc::from(text)))
}

/// What a `for` loop over such a value takes: a path of each entry, or for `os.walk` a
/// `(directory, names, names)` tuple.
pub(crate) fn element<'a>(alt: &Value<'a>) -> Option<Value<'a>> {
    match alt {
        Value::Entries(t) => Some(Value::Path(t.clone())),
        Value::Walk(top) => {
            let names = || ValueSet::one(Value::Entries(Rc::from("*")));
            let dir = ValueSet::one(path(join(top, "**"))?);
            Some(Value::Seq(Rc::from([dir, names(), names()])))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_directories_are_read_in_any_case() {
        assert_eq!(known_directory("APPDATA"), Some("~/AppData/Roaming"));
        assert_eq!(known_directory("AppData"), Some("~/AppData/Roaming"));
        assert_eq!(known_directory("temp"), Some("~/AppData/Local/Temp"));
        assert_eq!(known_directory("ProgramFiles(x86)"), Some("C:/Program Files (x86)"));
        assert_eq!(known_directory("APPDATAX"), None);
        assert_eq!(known_directory(""), None);
    }

    #[test]
    fn names_pinned_under_or_make_a_path_each() {
        let text = |v: &Value<'_>| match v {
            Value::Path(t) => t.to_string(),
            _ => String::new(),
        };
        let mut name = ending("*", ".env").unwrap_or_default();
        name.push(Value::Const(Const::Str(Text::Owned("id_rsa".into()))));
        assert!(pinned_name_choices(&name));
        let root = ValueSet::one(Value::Path(Rc::from("~/**/")));
        let joined: Vec<String> = concat(&root, None, &name).iter().map(text).collect();
        assert_eq!(joined, ["~/**/*.env", "~/**/id_rsa"]);
        // Only names an ending or a constant pins: a directory's entry, a listing's any name
        // or something not known is not one of them.
        let mut entry = ValueSet::one(Value::Path(Rc::from("~/.ssh/*.pub")));
        entry.push(Value::Const(Const::Str(Text::Owned("id_rsa".into()))));
        assert!(!pinned_name_choices(&entry));
        let mut any = ValueSet::one(Value::Path(Rc::from("*")));
        any.push(Value::Const(Const::Str(Text::Owned("id_rsa".into()))));
        assert!(!pinned_name_choices(&any));
        let mut unknown = ending("*", ".env").unwrap_or_default();
        unknown.push(Value::Unknown);
        assert!(!pinned_name_choices(&unknown));
        assert!(!pinned_name_choices(&ending("*", ".env").unwrap_or_default()));
    }

    #[test]
    fn joins_as_os_path_join() {
        assert_eq!(join("/etc", "sudoers.d"), "/etc/sudoers.d");
        assert_eq!(join("/", "etc"), "/etc");
        assert_eq!(join("/etc/", "/root"), "/root");
        assert_eq!(join("~", "**"), "~/**");
        assert_eq!(join("", "a"), "a");
        assert_eq!(join(".", ".env"), "./.env");
    }

    #[test]
    fn the_working_directory_is_dot() {
        let text = |func: &str, parts: &[&str]| match call(func, parts) {
            Some(Value::Path(t)) => Some(t.to_string()),
            _ => None,
        };
        assert_eq!(text("os.getcwd", &[]).as_deref(), Some("."));
        assert_eq!(text("pathlib.Path.cwd", &[]).as_deref(), Some("."));
        assert_eq!(text("os.getcwd", &["x"]), None);
    }

    #[test]
    fn parents() {
        assert_eq!(parent("~/.ssh/id_rsa").as_deref(), Some("~/.ssh"));
        assert_eq!(parent(MODULE_FILE).as_deref(), Some("."));
        assert_eq!(parent(".").as_deref(), Some(".."));
        assert_eq!(parent("..").as_deref(), Some("../.."));
        assert_eq!(parent("/etc").as_deref(), Some("/"));
        assert_eq!(parent("name").as_deref(), Some("."));
        assert_eq!(parent("~"), None);
        let dirname = |p: &str| match call("os.path.dirname", &[p]) {
            Some(Value::Path(t)) => Some(t.to_string()),
            _ => None,
        };
        assert_eq!(dirname("./__file__").as_deref(), Some("."));
        // `abspath` keeps a text written from the working directory.
        assert!(matches!(call("os.path.abspath", &["./__file__"]), Some(Value::Path(_))));
        assert!(call("os.path.abspath", &["data"]).is_none());
    }

    #[test]
    fn home_directories() {
        assert_eq!(expand_user("~").as_deref(), Some("~"));
        assert_eq!(expand_user("~/.ssh").as_deref(), Some("~/.ssh"));
        assert_eq!(expand_user("~root/.ssh"), None);
        assert_eq!(expand_user("/etc").as_deref(), Some("/etc"));
        assert_eq!(expand_vars("$HOME/.ssh"), "~/.ssh");
        assert_eq!(expand_vars("${HOME}"), "~");
        assert_eq!(expand_vars("$HOMEDIR/x"), "$HOMEDIR/x");
        // Windows' application data and the XDG directories, where they are by default.
        assert_eq!(expand_vars("%APPDATA%/Exodus"), "~/AppData/Roaming/Exodus");
        assert_eq!(expand_vars("%LOCALAPPDATA%"), "~/AppData/Local");
        assert_eq!(expand_vars("${XDG_CONFIG_HOME}/gh"), "~/.config/gh");
        assert_eq!(expand_vars("%APPDATAX%/y"), "%APPDATAX%/y");
        assert_eq!(expand_vars("%APPDATA"), "%APPDATA");
        let dir = |f: &str, var: &str| match home(f, &[Some(var)]) {
            Some(Value::Path(t)) => Some(t.to_string()),
            _ => None,
        };
        assert_eq!(dir("os.getenv", "LOCALAPPDATA").as_deref(), Some("~/AppData/Local"));
        assert_eq!(dir("os.environ.get", "USERPROFILE").as_deref(), Some("~"));
        assert_eq!(dir("os.getenv", "TEMP").as_deref(), Some("~/AppData/Local/Temp"));
        assert_eq!(dir("os.getenv", "temp").as_deref(), Some("~/AppData/Local/Temp"));
        assert_eq!(
            dir("os.getenv", "ProgramFiles(x86)").as_deref(),
            Some("C:/Program Files (x86)")
        );
        assert_eq!(dir("os.getenv", "PATH"), None);
    }
}
