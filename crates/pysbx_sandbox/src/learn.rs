//! Learning mode: the widened policy a learn run gets from the kernel, and the writer that
//! turns the run's recorded events into the narrowest policy that would have let it succeed.
//!
//! The guard judges a learn run against the default policy, and instead of refusing records
//! every violation a policy could grant (its event carries `detail.grant`). From those events
//! [`learned_policy`] writes YAML the policy loader accepts: top-level grants for `__main__` and
//! modules outside any package, one `modules:` entry per package for its own code, paths
//! collapsed to the deepest covering directory (never above the script's directory, never
//! `/`), network destinations as exact `host:port`, each grant preceded by comments naming the
//! places it came from.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::events::{Event, EventKind};
use crate::policy::{NetRule, Policy};
use crate::run::Program;

/// Origins listed above one grant; further ones are counted.
const MAX_ORIGINS: usize = 3;

/// The policy the kernel layers apply during a learn run: `base`, plus reads of the whole
/// filesystem view of the sandbox, writes beneath the script's directory (`-m`: the current
/// directory; file permissions still apply), and the network (every TCP and UDP destination,
/// so the program's connections can happen and be recorded). Processes stay as `base` says.
#[must_use]
pub fn kernel_policy(base: &Policy, program: &Program) -> Policy {
    let mut p = base.clone();
    p.fs.read.push(PathBuf::from("/"));
    if let Some(dir) = program_dir(program) {
        p.fs.write.push(dir);
    }
    for rule in ["*:*", "udp:*:*"] {
        if let Ok(r) = NetRule::parse(rule) {
            p.net.push(r);
        }
    }
    p
}

/// The script's directory (`-m`: the current directory), which learned paths never rise above.
#[must_use]
pub fn program_dir(program: &Program) -> Option<PathBuf> {
    match program {
        Program::File { path, .. } => {
            std::path::absolute(path).ok().and_then(|p| p.parent().map(Path::to_path_buf))
        }
        Program::Module { .. } => std::env::current_dir().ok(),
        Program::Code { .. } | Program::Repl(_) => None,
    }
}

/// Where a grant came from: `file:line in function(): message`.
fn origin(e: &Event) -> String {
    let place = match (&e.file, e.line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        (Some(f), None) => f.clone(),
        _ => "(no user frame)".into(),
    };
    let func = e.function.as_deref().map(|f| format!(" in {f}()")).unwrap_or_default();
    format!("{place}{func}: {}", e.message)
}

#[derive(Default)]
struct Grants {
    read: BTreeMap<PathBuf, Vec<String>>,
    write: BTreeMap<PathBuf, Vec<String>>,
    net: BTreeMap<String, Vec<String>>,
    process: Vec<String>,
    ffi: Vec<String>,
    /// Lookups and sockets: need some destination, not one of their own.
    needs_net: Vec<String>,
}

impl Grants {
    fn is_empty(&self) -> bool {
        self.read.is_empty()
            && self.write.is_empty()
            && self.net.is_empty()
            && self.process.is_empty()
            && self.ffi.is_empty()
    }
}

/// `None` for the top level (`__main__`, no user frame, a module outside any package), else
/// the package whose own code acted.
fn owner(e: &Event) -> Option<String> {
    let module = e.module.as_deref()?;
    if module == "__main__" || module.is_empty() {
        return None;
    }
    let is_package = e.file.as_deref().is_some_and(|f| f.ends_with("/__init__.py"));
    match module.split_once('.') {
        Some((top, _)) => Some(top.to_string()),
        None if is_package => Some(module.to_string()),
        None => None,
    }
}

/// The policy, as commented YAML, that grants what the recorded events of a learn run needed.
/// `program` names the run in the header; `script_dir` bounds path collapsing.
#[must_use]
pub fn learned_policy(events: &[Event], script_dir: Option<&Path>, program: &str) -> String {
    let mut top = Grants::default();
    let mut modules: BTreeMap<String, Grants> = BTreeMap::new();
    let mut refused: Vec<String> = Vec::new();
    // Run-time code a `code` grant would allow, which a learn run never records: (the grant to
    // write by hand, where it was refused).
    let mut code: Vec<(String, String)> = Vec::new();
    for e in events.iter().filter(|e| e.kind == EventKind::Violation) {
        let grant = e.detail.as_ref().and_then(|d| d.get("grant")).and_then(|g| g.as_str());
        let Some(grant) = grant.filter(|_| e.action == "recorded") else {
            if e.clause == "code" {
                let grant = match crate::events::code_grant_module(e.module.as_deref()) {
                    None => "code: true".to_string(),
                    Some(m) => format!("modules: {{{}: {{code: true}}}}", quote(m)),
                };
                code.push((grant, origin(e)));
            } else {
                refused.push(format!("[{}] {}", e.clause, origin(e)));
            }
            continue;
        };
        let detail = e.detail.as_ref();
        let text = |k: &str| detail.and_then(|d| d.get(k)).and_then(|v| v.as_str());
        // The import gate judges native modules by the top-level `ffi` alone.
        let native = text("what").is_some_and(|w| w.starts_with("native module"));
        let g = match owner(e) {
            Some(pkg) if !native => modules.entry(pkg).or_default(),
            _ => &mut top,
        };
        let o = origin(e);
        match grant {
            "fs.read" => {
                if let Some(p) = text("path") {
                    g.read.entry(PathBuf::from(p)).or_default().push(o);
                }
            }
            "fs.write" => {
                if let Some(p) = text("path") {
                    // Creating, renaming or removing an entry changes its directory.
                    let p = PathBuf::from(p);
                    let dir = p.parent().map_or_else(|| p.clone(), Path::to_path_buf);
                    g.write.entry(dir).or_default().push(o);
                }
            }
            "net" => match text("rule").filter(|r| NetRule::parse(r).is_ok()) {
                Some(r) => g.net.entry(r.to_string()).or_default().push(o),
                // A destination no rule can name (port 0, say) is listed, never dropped.
                None => refused.push(format!(
                    "[{}] {o} (recorded, but no rule can name {})",
                    e.clause,
                    text("rule").unwrap_or("this destination")
                )),
            },
            "process" => g.process.push(o),
            "ffi" => g.ffi.push(o),
            _ => g.needs_net.push(o),
        }
    }
    let mut out = String::new();
    out.push_str("# Learned by `pysbx exec --learn` from one run of ");
    out.push_str(program);
    out.push_str(
        ":\n# the narrowest policy that lets that run do what it did. Review it before use:\n\
         # it grants what the program did, not what it should do. Limits are the defaults.\n",
    );
    out.push_str("version: 1\n");
    write_grants(&mut out, &top, script_dir, "", true);
    let modules: Vec<(String, Grants)> =
        modules.into_iter().filter(|(_, g)| !g.is_empty() || !g.needs_net.is_empty()).collect();
    if modules.iter().any(|(_, g)| !g.is_empty()) {
        out.push_str("modules:\n");
    }
    for (name, g) in &modules {
        if g.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  {}:", quote(name));
        write_grants(&mut out, g, script_dir, "    ", false);
    }
    let lonely: Vec<(Option<&str>, &String)> = std::iter::once((None, &top))
        .chain(modules.iter().map(|(n, g)| (Some(n.as_str()), g)))
        .filter(|(_, g)| g.net.is_empty() && (top.net.is_empty()))
        .flat_map(|(n, g)| g.needs_net.iter().map(move |o| (n, o)))
        .collect();
    if !lonely.is_empty() {
        out.push_str(
            "# Network use without a destination (a name lookup or an IP socket); no grant\n\
             # allows it alone, give the code the destination it needs:\n",
        );
        for (n, o) in lonely {
            let _ = writeln!(out, "#   {}{o}", n.map(|n| format!("({n}) ")).unwrap_or_default());
        }
    }
    if !code.is_empty() {
        out.push_str(
            "# Refused in the learn run: code made at run time, which learning never grants (the\n\
             # static gate cannot read it). If you trust the code that made it, add by hand:\n",
        );
        for (grant, o) in &code {
            let _ = writeln!(out, "#   {grant}    # {o}");
        }
    }
    if !refused.is_empty() {
        out.push_str("# Refused in the learn run and by any policy (no grant exists for these):\n");
        for r in &refused {
            let _ = writeln!(out, "#   {r}");
        }
    }
    out
}

fn write_grants(out: &mut String, g: &Grants, script_dir: Option<&Path>, indent: &str, top: bool) {
    // `/` itself (a listing of it, a file made in it) is never learned: it would grant the
    // whole file system. The run's use of it is said in a comment instead.
    let is_root = |p: &&PathBuf| p.parent().is_none();
    let root_used = g.write.keys().chain(g.read.keys()).any(|p| is_root(&p));
    let write_dirs =
        collapse(g.write.keys().filter(|p| !is_root(p)).cloned().collect(), script_dir);
    let mut read_paths =
        collapse(g.read.keys().filter(|p| !is_root(p)).cloned().collect(), script_dir);
    if root_used {
        let _ = writeln!(
            out,
            "{indent}# Not learned: `/` itself (listed, or written in), which would grant the whole file system"
        );
    }
    // Every write path must be readable for the loader; a writable directory is.
    let mut readable_because_written = Vec::new();
    for w in &write_dirs {
        if !read_paths.iter().any(|r| w.starts_with(r)) {
            readable_because_written.push(w.clone());
        }
    }
    read_paths.retain(|r| !readable_because_written.iter().any(|w| r.starts_with(w)));
    if !read_paths.is_empty() || !write_dirs.is_empty() {
        let _ = writeln!(out, "{indent}fs:");
        let _ = writeln!(out, "{indent}  read:");
        for p in &read_paths {
            comments(out, &format!("{indent}    "), covered(&g.read, p));
            let _ = writeln!(out, "{indent}    - {}", quote(&p.display().to_string()));
        }
        for p in &readable_because_written {
            let _ = writeln!(out, "{indent}    # readable because it is written below");
            let _ = writeln!(out, "{indent}    - {}", quote(&p.display().to_string()));
        }
        if !write_dirs.is_empty() {
            let _ = writeln!(out, "{indent}  write:");
            for p in &write_dirs {
                comments(out, &format!("{indent}    "), covered(&g.write, p));
                let _ = writeln!(out, "{indent}    - {}", quote(&p.display().to_string()));
            }
        }
    }
    if !g.net.is_empty() {
        let item_indent = if top {
            let _ = writeln!(out, "{indent}net:\n{indent}  allow:");
            format!("{indent}    ")
        } else {
            let _ = writeln!(out, "{indent}net:");
            format!("{indent}  ")
        };
        for (rule, origins) in &g.net {
            comments(out, &item_indent, origins.iter().collect());
            let _ = writeln!(out, "{item_indent}- {}", quote(rule));
        }
    }
    if !g.process.is_empty() {
        comments(out, indent, g.process.iter().collect());
        let _ = writeln!(out, "{indent}process: true");
    }
    if !g.ffi.is_empty() {
        comments(out, indent, g.ffi.iter().collect());
        let _ = writeln!(out, "{indent}ffi: true");
    }
}

/// The origins of every recorded path beneath `p`.
fn covered<'a>(paths: &'a BTreeMap<PathBuf, Vec<String>>, p: &Path) -> Vec<&'a String> {
    paths.iter().filter(|(k, _)| k.starts_with(p)).flat_map(|(_, v)| v.iter()).collect()
}

fn comments(out: &mut String, indent: &str, origins: Vec<&String>) {
    let mut seen: Vec<&String> = Vec::new();
    for o in origins {
        if !seen.contains(&o) {
            seen.push(o);
        }
    }
    for o in seen.iter().take(MAX_ORIGINS) {
        let _ = writeln!(out, "{indent}# {}", one_line(o));
    }
    if seen.len() > MAX_ORIGINS {
        let _ = writeln!(out, "{indent}# ... and {} more", seen.len() - MAX_ORIGINS);
    }
}

fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{}\"", s.escape_default()))
}

/// Whether `dir` may stand for several recorded paths: not `/`, not above the script's
/// directory.
fn may_collapse_to(dir: &Path, script_dir: Option<&Path>) -> bool {
    dir.parent().is_some() && script_dir.is_none_or(|s| !s.starts_with(dir) || s == dir)
}

/// The deepest directories covering `paths`, never `/` or above the script's directory:
/// the common ancestor when allowed, else the same question for each branch below it.
fn collapse(mut paths: Vec<PathBuf>, script_dir: Option<&Path>) -> Vec<PathBuf> {
    paths.sort();
    paths.dedup_by(|b, a| b.starts_with(a.as_path()));
    if paths.len() <= 1 {
        return paths;
    }
    let common = common_ancestor(&paths);
    if may_collapse_to(&common, script_dir) {
        return vec![common];
    }
    let depth = common.components().count();
    let mut branches: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    for p in paths {
        let branch: PathBuf = p.components().take(depth + 1).collect();
        branches.entry(branch).or_default().push(p);
    }
    branches.into_values().flat_map(|group| collapse(group, script_dir)).collect()
}

fn common_ancestor(paths: &[PathBuf]) -> PathBuf {
    let mut common: PathBuf = paths.first().cloned().unwrap_or_default();
    for p in &paths[1..] {
        while !p.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load_policy_str;

    fn event(module: &str, file: &str, detail: serde_json::Value) -> Event {
        Event {
            kind: EventKind::Violation,
            clause: detail["grant"].as_str().unwrap_or("code").into(),
            message: "would be refused".into(),
            module: Some(module.into()),
            file: Some(file.into()),
            line: Some(7),
            function: Some("work".into()),
            detail: Some(detail),
            stack: vec![],
            action: "recorded".into(),
            operation: Some("open".into()),
        }
    }

    #[test]
    fn the_root_is_never_learned() {
        let mut g = Grants::default();
        g.read.insert(PathBuf::from("/"), vec!["os.listdir /".into()]);
        g.read.insert(PathBuf::from("/srv/app/data.txt"), vec!["open".into()]);
        g.write.insert(PathBuf::from("/"), vec!["open /probe".into()]);
        let mut out = String::new();
        write_grants(&mut out, &g, Some(Path::new("/srv/app")), "", true);
        assert!(out.contains("# Not learned: `/` itself"), "{out}");
        assert!(out.contains("/srv/app/data.txt"), "{out}");
        assert!(!out.lines().any(|l| l.trim() == "- \"/\"" || l.trim() == "- /"), "{out}");
        assert!(!out.contains("write:"), "{out}");
    }

    #[test]
    fn collapses_to_the_deepest_allowed_directory() {
        let s = Some(Path::new("/srv/app"));
        let paths = |v: &[&str]| v.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(
            collapse(paths(&["/srv/app/data/a/1", "/srv/app/data/b/2"]), s),
            paths(&["/srv/app/data"])
        );
        // The common ancestor `/srv` is above the script's directory: each branch stays apart.
        assert_eq!(
            collapse(paths(&["/srv/app/data/1", "/srv/other/2"]), s),
            paths(&["/srv/app/data/1", "/srv/other/2"])
        );
        // Never `/`.
        assert_eq!(collapse(paths(&["/etc/a", "/opt/b", "/etc/c"]), s), paths(&["/etc", "/opt/b"]));
        assert_eq!(collapse(paths(&["/x/y", "/x/y/z"]), s), paths(&["/x/y"]));
    }

    #[test]
    fn writes_a_loadable_commented_policy() {
        let events = vec![
            event(
                "__main__",
                "/srv/app/main.py",
                serde_json::json!({"grant": "fs.read", "path": "/data/in/a.csv"}),
            ),
            event(
                "__main__",
                "/srv/app/main.py",
                serde_json::json!({"grant": "fs.read", "path": "/data/in/b.csv"}),
            ),
            event(
                "client.http",
                "/srv/app/client/http.py",
                serde_json::json!({"grant": "net", "rule": "127.0.0.1:8080"}),
            ),
            event(
                "client",
                "/srv/app/client/__init__.py",
                serde_json::json!({"grant": "fs.write", "path": "/srv/app/cache/x"}),
            ),
            event(
                "helper",
                "/srv/app/helper.py",
                serde_json::json!({"grant": "process", "what": "os.system"}),
            ),
            Event {
                action: "raised".into(),
                detail: None,
                clause: "code".into(),
                ..event("__main__", "/srv/app/main.py", serde_json::json!({}))
            },
        ];
        let text = learned_policy(&events, Some(Path::new("/srv/app")), "/srv/app/main.py");
        let policy = load_policy_str(&text, Path::new("/elsewhere/learned.yaml"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(policy.fs.read, vec![PathBuf::from("/data/in")]);
        assert!(policy.process, "helper is outside any package: top level\n{text}");
        let client = &policy.modules["client"];
        assert_eq!(client.net, vec![NetRule::parse("127.0.0.1:8080").expect("rule")]);
        assert_eq!(client.write, vec![PathBuf::from("/srv/app/cache")]);
        assert!(policy.net.is_empty());
        assert!(text.contains("# /srv/app/client/http.py:7 in work(): would be refused"), "{text}");
        assert!(text.contains("#   code: true    # /srv/app/main.py:7"), "{text}");
        assert!(!text.contains("no grant exists"), "code has a grant: {text}");
    }

    #[test]
    fn run_time_code_is_listed_with_the_grant_to_write_by_hand() {
        let refused = |module: &str, file: &str| Event {
            action: "raised".into(),
            detail: None,
            clause: "code".into(),
            ..event(module, file, serde_json::json!({}))
        };
        let events = [refused("six", "/site/six.py"), refused("attr._make", "/site/attr/_make.py")];
        let text = learned_policy(&events, None, "/a/m.py");
        assert!(text.contains("#   modules: {\"six\": {code: true}}    # /site/six.py"), "{text}");
        assert!(
            text.contains("#   modules: {\"attr._make\": {code: true}}    # /site/attr/_make.py")
        );
        // Listed as comments: the policy itself grants nothing.
        let policy = load_policy_str(&text, Path::new("/p.yaml")).unwrap_or_else(|e| panic!("{e}"));
        assert!(policy.modules.is_empty() && !policy.code, "{text}");
    }

    #[test]
    fn destinations_as_the_guard_writes_them_parse() {
        for rule in ["127.0.0.1:8080", "udp:10.0.0.1:53", "[::1]:443", "udp:[fe80::1]:5353"] {
            assert!(NetRule::parse(rule).is_ok(), "{rule}");
        }
        let e =
            event("__main__", "/a/m.py", serde_json::json!({"grant": "net", "rule": "1.2.3.4:0"}));
        let text = learned_policy(&[e], None, "/a/m.py");
        assert!(text.contains("# Refused in the learn run") && text.contains("1.2.3.4"), "{text}");
    }
}
