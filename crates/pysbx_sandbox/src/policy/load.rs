//! Reading a policy from YAML: the raw schema (`deny_unknown_fields`, spans on every value that
//! can be wrong) and its validation into a [`Policy`] with `file:line:col` errors.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::{
    Alert, EnvPolicy, Features, FsPolicy, ImportPolicy, Limits, ModuleGrant, NetRule, OnViolation,
    Policy,
};
use crate::error::{PolicyError, Position};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: Option<Spanned<u32>>,
    fs: Option<RawFs>,
    net: Option<RawNet>,
    hosts: Option<BTreeMap<String, Spanned<Vec<Spanned<String>>>>>,
    process: Option<bool>,
    ffi: Option<bool>,
    code: Option<bool>,
    imports: Option<RawImports>,
    env: Option<RawEnv>,
    limits: Option<RawLimits>,
    features: Option<RawFeatures>,
    on_violation: Option<Spanned<String>>,
    modules: Option<BTreeMap<String, Spanned<RawModule>>>,
    alerts: Option<Vec<Spanned<RawAlert>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFs {
    read: Option<Vec<Spanned<String>>>,
    write: Option<Vec<Spanned<String>>>,
    workdir: Option<Spanned<String>>,
    root: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNet {
    allow: Option<Vec<Spanned<String>>>,
    resolver: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImports {
    deny: Option<Vec<Spanned<String>>>,
    allow: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnv {
    pass: Option<Vec<Spanned<String>>>,
    set: Option<BTreeMap<String, Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    cpu_s: Option<Spanned<u64>>,
    wall_s: Option<Spanned<u64>>,
    memory_mb: Option<Spanned<u64>>,
    file_size_mb: Option<Spanned<u64>>,
    open_files: Option<Spanned<u64>>,
    processes: Option<Spanned<u64>>,
    output_mb: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeatures {
    stdin: Option<bool>,
    stdout: Option<bool>,
    stderr: Option<bool>,
    threads: Option<bool>,
    recursion_limit: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    fs: Option<RawFs>,
    net: Option<Vec<Spanned<String>>>,
    process: Option<bool>,
    ffi: Option<bool>,
    code: Option<bool>,
    imports: Option<RawImports>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlert {
    kind: Spanned<String>,
    path: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    timeout_s: Option<Spanned<u64>>,
    retries: Option<Spanned<u32>>,
    address: Option<Spanned<String>>,
    facility: Option<Spanned<String>>,
}

/// A project configuration file: only its `policy:` section is read here.
#[derive(Debug, Deserialize)]
struct RawConfig {
    policy: Option<RawPolicy>,
}

/// Reads and validates a policy file.
///
/// # Errors
/// [`PolicyError`] with the file and, for content errors, `line:col`.
pub fn load_policy_file(path: &Path) -> Result<Policy, PolicyError> {
    let text = pysbx_files::read_text(path, pysbx_files::TEXT_LIMIT)
        .map_err(|e| PolicyError::Io { path: path.to_path_buf(), source: e.into() })?;
    load_policy_str(&text, path)
}

/// Validates policy YAML read from `path` (used for error messages and to resolve relative
/// paths against its directory).
///
/// # Errors
/// [`PolicyError::Syntax`] or [`PolicyError::Invalid`] with `line:col`.
pub fn load_policy_str(text: &str, path: &Path) -> Result<Policy, PolicyError> {
    // An empty document (or one holding only comments) is the default policy.
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Ok(Policy::default());
    }
    let raw: RawPolicy = serde_saphyr::from_str(text).map_err(|e| syntax(path, &e))?;
    Ctx::new(path).policy(raw)
}

/// Reads the `policy:` section of a project configuration file (`pysbx.yaml`); other keys are
/// left to their owners. `Ok(None)` when the file has no such section.
///
/// # Errors
/// As [`load_policy_str`], with positions in the whole file.
pub fn load_policy_section(text: &str, path: &Path) -> Result<Option<Policy>, PolicyError> {
    if text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Ok(None);
    }
    let raw: RawConfig = serde_saphyr::from_str(text).map_err(|e| syntax(path, &e))?;
    raw.policy.map(|p| Ctx::new(path).policy(p)).transpose()
}

fn syntax(path: &Path, e: &serde_saphyr::Error) -> PolicyError {
    let position = e
        .location()
        .map(|l| Position { line: l.line(), column: l.column() })
        .unwrap_or(Position { line: 1, column: 1 });
    let message = e.without_snippet().to_string();
    let message = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    PolicyError::Syntax { path: path.to_path_buf(), position, message }
}

fn pos<T>(s: &Spanned<T>) -> Position {
    Position { line: s.referenced.line(), column: s.referenced.column() }
}

struct Ctx {
    path: PathBuf,
    base: PathBuf,
}

impl Ctx {
    fn new(path: &Path) -> Self {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let base = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        Self { path: path.to_path_buf(), base }
    }

    fn invalid(&self, position: Position, message: impl Into<String>) -> PolicyError {
        PolicyError::Invalid { path: self.path.clone(), position, message: message.into() }
    }

    fn policy(&self, raw: RawPolicy) -> Result<Policy, PolicyError> {
        if let Some(v) = &raw.version
            && v.value != 1
        {
            return Err(self.invalid(pos(v), format!("unsupported policy version {}", v.value)));
        }
        let mut policy = Policy::default();
        let mut write_spans = Vec::new();
        if let Some(fs) = raw.fs {
            let (fs, spans) = self.fs(fs)?;
            policy.fs = fs;
            write_spans = spans;
        }
        if let Some(net) = raw.net {
            policy.net = self.net_rules(net.allow.unwrap_or_default())?;
            if let Some(server) = net.resolver {
                policy.resolver = Some(resolver_address(&server.value).ok_or_else(|| {
                    self.invalid(
                        pos(&server),
                        format!(
                            "`{}` is not a DNS server address: give IP or IP:PORT \
                             (`192.0.2.53`, `[2001:db8::53]:53`)",
                            server.value
                        ),
                    )
                })?);
            }
        }
        if let Some(hosts) = raw.hosts {
            for (name, addrs) in hosts {
                let mut parsed = Vec::new();
                for a in &addrs.value {
                    let ip: IpAddr = a.value.parse().map_err(|_| {
                        self.invalid(pos(a), format!("`{}` is not an IP address", a.value))
                    })?;
                    parsed.push(ip);
                }
                if parsed.is_empty() {
                    return Err(self.invalid(pos(&addrs), format!("host `{name}` has no address")));
                }
                policy.hosts.insert(name.to_ascii_lowercase(), parsed);
            }
        }
        policy.process = raw.process.unwrap_or(policy.process);
        policy.ffi = raw.ffi.unwrap_or(policy.ffi);
        policy.code = raw.code.unwrap_or(policy.code);
        if let Some(imports) = raw.imports {
            policy.imports = self.imports(imports)?;
        }
        if let Some(env) = raw.env {
            policy.env = self.env(env)?;
        }
        if let Some(limits) = raw.limits {
            policy.limits = self.limits(limits)?;
        }
        if let Some(f) = raw.features {
            let d = Features::default();
            let (recursion_limit, recursion_ceiling) = match f.recursion_limit {
                Some(r) if !(50..=1_000_000).contains(&r.value) => {
                    return Err(self.invalid(pos(&r), "recursion_limit must be in 50..1000000"));
                }
                Some(r) => (r.value, r.value.max(1000)),
                None => (d.recursion_limit, d.recursion_ceiling),
            };
            policy.features = Features {
                stdin: f.stdin.unwrap_or(d.stdin),
                stdout: f.stdout.unwrap_or(d.stdout),
                stderr: f.stderr.unwrap_or(d.stderr),
                threads: f.threads.unwrap_or(d.threads),
                recursion_limit,
                recursion_ceiling,
            };
        }
        if let Some(v) = raw.on_violation {
            policy.on_violation = match v.value.as_str() {
                "raise" => OnViolation::Raise,
                "kill" => OnViolation::Kill,
                other => {
                    return Err(self.invalid(
                        pos(&v),
                        format!("unknown on_violation `{other}`: expected raise or kill"),
                    ));
                }
            };
        }
        if let Some(modules) = raw.modules {
            for (name, grant) in modules {
                let at = pos(&grant);
                if !is_module_pattern(&name) {
                    return Err(self.invalid(
                        at,
                        format!(
                            "`{name}` is not a module name or glob (`pkg`, `pkg.*`, `plugin_*`)"
                        ),
                    ));
                }
                let g = grant.value;
                let (fs, spans) = self.fs(g.fs.unwrap_or_default())?;
                if let Some(workdir) = fs.workdir.or(fs.root) {
                    return Err(self.invalid(
                        at,
                        format!(
                            "module `{name}`: `{}`: workdir and root are global",
                            workdir.display()
                        ),
                    ));
                }
                write_spans.extend(spans);
                let net = self.net_rules(g.net.unwrap_or_default())?;
                let imports = g.imports.map(|i| self.imports(i)).transpose()?.unwrap_or_default();
                policy.modules.insert(
                    name,
                    ModuleGrant {
                        read: fs.read,
                        write: fs.write,
                        net,
                        process: g.process.unwrap_or(false),
                        ffi: g.ffi.unwrap_or(false),
                        code: g.code.unwrap_or(false),
                        imports,
                    },
                );
            }
        }
        if let Some(alerts) = raw.alerts {
            for a in alerts {
                policy.alerts.push(self.alert(a)?);
            }
        }
        self.check_writes_readable(&policy, &write_spans)?;
        Ok(policy)
    }

    fn path(&self, s: &Spanned<String>) -> Result<PathBuf, PolicyError> {
        if s.value.trim().is_empty() {
            return Err(self.invalid(pos(s), "empty path"));
        }
        let p = Path::new(&s.value);
        Ok(normalize(&if p.is_absolute() { p.to_path_buf() } else { self.base.join(p) }))
    }

    fn fs(&self, raw: RawFs) -> Result<(FsPolicy, Vec<(PathBuf, Position)>), PolicyError> {
        let mut fs = FsPolicy::default();
        for r in raw.read.unwrap_or_default() {
            fs.read.push(self.path(&r)?);
        }
        let mut spans = Vec::new();
        for w in raw.write.unwrap_or_default() {
            let p = self.path(&w)?;
            spans.push((p.clone(), pos(&w)));
            fs.write.push(p);
        }
        if let Some(w) = raw.workdir {
            fs.workdir = Some(self.path(&w)?);
        }
        if let Some(r) = raw.root {
            let root = self.path(&r)?;
            // The path becomes an overlay's lower directory, whose option syntax has no escapes.
            if root.as_os_str().as_encoded_bytes().iter().any(|b| matches!(b, b',' | b':' | b'\\'))
            {
                return Err(self.invalid(pos(&r), "a root path may not contain `,`, `:` or `\\`"));
            }
            if root.parent().is_none() {
                return Err(self.invalid(pos(&r), "`/` is already the root: leave `fs.root` out"));
            }
            fs.root = Some(root);
        }
        Ok((fs, spans))
    }

    fn net_rules(&self, raw: Vec<Spanned<String>>) -> Result<Vec<NetRule>, PolicyError> {
        raw.iter().map(|r| NetRule::parse(&r.value).map_err(|m| self.invalid(pos(r), m))).collect()
    }

    fn imports(&self, raw: RawImports) -> Result<ImportPolicy, PolicyError> {
        let check = |s: &Spanned<String>| {
            let name = s.value.strip_suffix(".*").unwrap_or(&s.value);
            if is_module_name(name) {
                Ok(s.value.clone())
            } else {
                Err(self.invalid(pos(s), format!("`{}` is not a module name or `name.*`", s.value)))
            }
        };
        let deny = raw.deny.unwrap_or_default();
        let allow = raw.allow;
        if let Some(allow) = &allow {
            for a in allow {
                if let Some(d) = deny.iter().find(|d| d.value == a.value) {
                    return Err(self.invalid(
                        pos(a),
                        format!(
                            "import `{}` is both allowed and denied (denied at {})",
                            a.value,
                            pos(d)
                        ),
                    ));
                }
            }
        }
        Ok(ImportPolicy {
            deny: deny.iter().map(check).collect::<Result<_, _>>()?,
            allow: allow.map(|a| a.iter().map(check).collect::<Result<_, _>>()).transpose()?,
        })
    }

    fn env(&self, raw: RawEnv) -> Result<EnvPolicy, PolicyError> {
        let valid = |n: &str| {
            !n.is_empty()
                && !n.contains('=')
                && !n.contains('\0')
                && !n.starts_with(|c: char| c.is_ascii_digit())
        };
        let mut env = EnvPolicy::default();
        if let Some(pass) = raw.pass {
            env.pass.clear();
            for p in pass {
                if !valid(&p.value) {
                    return Err(
                        self.invalid(pos(&p), format!("`{}` is not a variable name", p.value))
                    );
                }
                if p.value.starts_with("PYTHON") {
                    return Err(self.invalid(
                        pos(&p),
                        format!(
                            "`{}`: PYTHON* variables would reconfigure the guarded interpreter",
                            p.value
                        ),
                    ));
                }
                env.pass.push(p.value);
            }
        }
        for (k, v) in raw.set.unwrap_or_default() {
            if !valid(&k) || k.starts_with("PYTHON") {
                return Err(self.invalid(pos(&v), format!("`{k}` cannot be set for the program")));
            }
            if v.value.contains('\0') {
                return Err(self.invalid(pos(&v), "a value may not contain NUL"));
            }
            env.set.insert(k, v.value);
        }
        Ok(env)
    }

    fn limits(&self, raw: RawLimits) -> Result<Limits, PolicyError> {
        let d = Limits::default();
        let get = |v: Option<Spanned<u64>>, default: u64, min: u64, max: u64, what: &str| match v {
            None => Ok(default),
            Some(v) if v.value < min || v.value > max => {
                Err(self.invalid(pos(&v), format!("{what} must be in {min}..{max}")))
            }
            Some(v) => Ok(v.value),
        };
        let limits = Limits {
            cpu_s: get(raw.cpu_s, d.cpu_s, 1, 86_400, "cpu_s")?,
            wall_s: get(raw.wall_s, d.wall_s, 1, 86_400, "wall_s")?,
            memory_mb: get(raw.memory_mb, d.memory_mb, 32, 1 << 20, "memory_mb")?,
            file_size_mb: get(raw.file_size_mb, d.file_size_mb, 1, 1 << 20, "file_size_mb")?,
            open_files: get(raw.open_files, d.open_files, 16, 1 << 20, "open_files")?,
            processes: get(raw.processes, d.processes, 1, 1 << 16, "processes")?,
            output_mb: raw
                .output_mb
                .map(|v| get(Some(v), 0, 1, 1 << 20, "output_mb"))
                .transpose()?,
        };
        Ok(limits)
    }

    fn alert(&self, raw: Spanned<RawAlert>) -> Result<Alert, PolicyError> {
        let at = pos(&raw);
        let a = raw.value;
        let need_path = |kind: &str| match &a.path {
            Some(p) => self.path(p),
            None => Err(self.invalid(at, format!("alert `{kind}` needs a `path`"))),
        };
        let kind = a.kind.value.as_str();
        let stray: [(&str, Option<Position>, &[&str]); 5] = [
            ("path", a.path.as_ref().map(pos), &["jsonl", "sarif"]),
            ("url", a.url.as_ref().map(pos), &["webhook"]),
            ("timeout_s", a.timeout_s.as_ref().map(pos), &["webhook"]),
            ("retries", a.retries.as_ref().map(pos), &["webhook"]),
            ("address", a.address.as_ref().map(pos), &["syslog"]),
        ];
        for (key, at, kinds) in stray {
            if let Some(at) = at
                && !kinds.contains(&kind)
                && ["stderr", "jsonl", "sarif", "webhook", "syslog"].contains(&kind)
            {
                return Err(self.invalid(at, format!("alert `{kind}` takes no `{key}`")));
            }
        }
        if let Some(f) = &a.facility
            && kind != "syslog"
        {
            return Err(self.invalid(pos(f), format!("alert `{kind}` takes no `facility`")));
        }
        match kind {
            "webhook" => {
                let url = a
                    .url
                    .as_ref()
                    .ok_or_else(|| self.invalid(at, "alert `webhook` needs a `url`"))?;
                crate::alerts::split_http_url(&url.value).map_err(|m| self.invalid(pos(url), m))?;
                let timeout_s = match &a.timeout_s {
                    Some(t) if !(1..=60).contains(&t.value) => {
                        return Err(self.invalid(pos(t), "timeout_s must be in 1..60"));
                    }
                    Some(t) => t.value,
                    None => 5,
                };
                let retries = match &a.retries {
                    Some(r) if r.value > 10 => {
                        return Err(self.invalid(pos(r), "retries must be in 0..10"));
                    }
                    Some(r) => r.value,
                    None => 2,
                };
                Ok(Alert::Webhook { url: url.value.clone(), timeout_s, retries })
            }
            "syslog" => {
                let address = a.address.as_ref().ok_or_else(|| {
                    self.invalid(at, "alert `syslog` needs an `address` (host:port)")
                })?;
                let addr = address.value.strip_prefix("udp:").unwrap_or(&address.value);
                if addr
                    .rsplit_once(':')
                    .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
                {
                    return Err(
                        self.invalid(pos(address), format!("`{}` is not host:port", address.value))
                    );
                }
                let facility = match &a.facility {
                    Some(f) => crate::alerts::facility_number(&f.value).ok_or_else(|| {
                        self.invalid(pos(f), format!("unknown syslog facility `{}`", f.value))
                    })?,
                    None => 1,
                };
                Ok(Alert::Syslog { address: addr.to_string(), facility })
            }
            "stderr" => Ok(Alert::Stderr),
            "jsonl" => Ok(Alert::Jsonl { path: need_path("jsonl")? }),
            "sarif" => Ok(Alert::Sarif { path: need_path("sarif")? }),
            other => Err(self.invalid(
                pos(&a.kind),
                format!(
                    "unknown alert kind `{other}`: expected stderr, jsonl, sarif, webhook or syslog"
                ),
            )),
        }
    }

    /// A write grant the program cannot read back is a contradiction: Landlock would let it
    /// create files it cannot open again, and the guard would refuse reads there.
    fn check_writes_readable(
        &self,
        policy: &Policy,
        writes: &[(PathBuf, Position)],
    ) -> Result<(), PolicyError> {
        let reads = policy.all_reads();
        let workdir = policy.fs.workdir.iter();
        for (w, at) in writes {
            let readable = reads.iter().chain(workdir.clone()).any(|r| w.starts_with(r));
            if !readable {
                return Err(self.invalid(
                    *at,
                    format!(
                        "write path `{}` is outside every readable path: add it (or a parent) to \
                         `fs.read` (the script's own directory is read at run time, not through \
                         `fs.read`); to keep what the program writes in its working directory, \
                         set `fs.workdir` to that directory instead",
                        w.display()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Removes `.` and resolves `..` lexically, so `./out/../out` and `out` compare equal.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A module name whose dotted parts may hold `*` (any characters within that part).
fn is_module_pattern(name: &str) -> bool {
    is_module_name(&name.replace('*', "x"))
}

fn is_module_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && !part.starts_with(|c: char| c.is_ascii_digit())
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
        })
}

/// `IP` (port 53) or `IP:PORT` (`[V6]:PORT` for IPv6).
fn resolver_address(text: &str) -> Option<std::net::SocketAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(std::net::SocketAddr::new(ip, 53));
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Policy, PolicyError> {
        load_policy_str(text, Path::new("/p/policy.yaml"))
    }

    #[test]
    fn empty_file_is_the_default_policy() {
        assert_eq!(load("# nothing\n").unwrap(), Policy::default());
    }

    #[test]
    fn full_example_loads() {
        let text = r#"version: 1
fs:
  read: ["./data", "/srv/shared"]
  write: ["./data/out"]
net:
  allow: ["api.example.com:443", "udp:203.0.113.5:53"]
hosts:
  api.example.com: ["127.0.0.2"]
process: false
imports: {deny: ["ctypes"], allow: null}
env: {pass: ["LANG"], set: {MODE: "test"}}
limits: {cpu_s: 2, wall_s: 5, memory_mb: 256, output_mb: 4}
features: {threads: false, recursion_limit: 500}
on_violation: kill
modules:
  requests: {net: ["api.example.com:443"]}
alerts:
  - {kind: jsonl, path: "events.jsonl"}
"#;
        let p = load(text).unwrap();
        assert_eq!(p.fs.read[0], PathBuf::from("/p/data"));
        assert_eq!(p.fs.write[0], PathBuf::from("/p/data/out"));
        assert_eq!(p.net.len(), 2);
        assert_eq!(p.hosts["api.example.com"], vec!["127.0.0.2".parse::<IpAddr>().unwrap()]);
        assert_eq!(p.limits.cpu_s, 2);
        assert_eq!(p.limits.output_mb, Some(4));
        assert_eq!(p.limits.open_files, Limits::default().open_files);
        assert!(!p.features.threads);
        assert_eq!(p.on_violation, OnViolation::Kill);
        assert_eq!(p.modules["requests"].net.len(), 1);
        assert_eq!(p.alerts, vec![Alert::Jsonl { path: "/p/events.jsonl".into() }]);
        assert_eq!(p.env.set["MODE"], "test");
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let err = load("version: 1\nlimits:\n  cpu: 3\n").unwrap_err();
        assert_eq!(err.position(), Some(Position { line: 3, column: 3 }), "{err}");
        assert!(err.to_string().starts_with("/p/policy.yaml:3:3: "), "{err}");
    }

    #[test]
    fn bad_values_point_at_the_value() {
        let err = load("limits:\n  cpu_s: 0\n").unwrap_err();
        assert_eq!(err.position(), Some(Position { line: 2, column: 10 }), "{err}");
        let err = load("net:\n  allow: [\"example.com\"]\n").unwrap_err();
        assert_eq!(err.position().map(|p| p.line), Some(2), "{err}");
        let p = load("net:\n  resolver: 192.0.2.53\n").unwrap();
        assert_eq!(p.resolver, Some("192.0.2.53:53".parse().unwrap()));
        let p = load("net:\n  resolver: \"[2001:db8::53]:5353\"\n").unwrap();
        assert_eq!(p.resolver, Some("[2001:db8::53]:5353".parse().unwrap()));
        let err = load("net:\n  resolver: dns.example\n").unwrap_err();
        assert_eq!(err.position().map(|p| p.line), Some(2), "{err}");
        assert!(err.to_string().contains("not a DNS server address"), "{err}");
        let err = load("on_violation: explode\n").unwrap_err();
        assert!(err.to_string().contains("expected raise or kill"), "{err}");
        let err = load("env: {pass: [PYTHONPATH]}\n").unwrap_err();
        assert!(err.to_string().contains("PYTHON"), "{err}");
    }

    #[test]
    fn contradictions_are_errors() {
        let err = load("imports: {deny: [ctypes], allow: [json, ctypes]}\n").unwrap_err();
        assert!(err.to_string().contains("both allowed and denied"), "{err}");
        assert_eq!(err.position().map(|p| p.line), Some(1));
        let err = load("fs:\n  read: [\"./a\"]\n  write: [\"./b\"]\n").unwrap_err();
        assert_eq!(err.position(), Some(Position { line: 3, column: 11 }), "{err}");
        assert!(err.to_string().contains("outside every readable path"), "{err}");
        // What to do instead when the intent is the working directory.
        assert!(err.to_string().contains("set `fs.workdir` to that directory"), "{err}");
    }

    #[test]
    fn module_keys_may_be_globs() {
        let p = load("modules:\n  \"vendor.*\": {process: true}\n  \"plugin_*\": {ffi: true}\n")
            .unwrap();
        assert!(p.modules["vendor.*"].process && p.modules["plugin_*"].ffi);
        let err = load("modules:\n  \"a..b\": {process: true}\n").unwrap_err();
        assert_eq!(err.position().map(|p| p.line), Some(2), "{err}");
    }

    #[test]
    fn module_import_lists_load_and_are_checked() {
        let p = load("modules:\n  pkg: {imports: {allow: [json, \"email.*\"], deny: [pickle]}}\n")
            .unwrap();
        let imports = &p.modules["pkg"].imports;
        assert_eq!(imports.allow, Some(vec!["json".to_string(), "email.*".to_string()]));
        assert_eq!(imports.deny, vec!["pickle".to_string()]);
        let err = load("modules:\n  pkg: {imports: {allow: [x], deny: [x]}}\n").unwrap_err();
        assert!(err.to_string().contains("both allowed and denied"), "{err}");
        let err = load("modules:\n  pkg: {imports: {allow: [\"a b\"]}}\n").unwrap_err();
        assert_eq!(err.position().map(|p| p.line), Some(2), "{err}");
    }

    #[test]
    fn live_alerts_load_with_defaults_and_checks() {
        let p = load(
            "alerts:\n  - {kind: webhook, url: \"http://127.0.0.1:9/h\"}\n  - {kind: syslog, address: \"udp:127.0.0.1:514\", facility: local0}\n",
        )
        .unwrap();
        assert_eq!(
            p.alerts,
            vec![
                Alert::Webhook { url: "http://127.0.0.1:9/h".into(), timeout_s: 5, retries: 2 },
                Alert::Syslog { address: "127.0.0.1:514".into(), facility: 16 },
            ]
        );
        let err = load("alerts:\n  - {kind: webhook, url: \"https://x/\"}\n").unwrap_err();
        assert_eq!(err.position().map(|p| p.line), Some(2), "{err}");
        assert!(err.to_string().contains("TLS"), "{err}");
        let err = load("alerts:\n  - {kind: syslog, address: x, path: y}\n").unwrap_err();
        assert!(err.to_string().contains("takes no `path`"), "{err}");
        let err =
            load("alerts:\n  - {kind: webhook, url: \"http://h/\", timeout_s: 0}\n").unwrap_err();
        assert!(err.to_string().contains("timeout_s"), "{err}");
        let err =
            load("alerts:\n  - {kind: syslog, address: \"h:1\", facility: mars}\n").unwrap_err();
        assert!(err.to_string().contains("facility"), "{err}");
    }

    #[test]
    fn config_section_keeps_file_positions() {
        let text = "rules: {select: [PSB1]}\npolicy:\n  process: true\n  limits: {wall_s: -1}\n";
        let err = load_policy_section(text, Path::new("pysbx.yaml")).unwrap_err();
        assert_eq!(err.position().map(|p| p.line), Some(4), "{err}");
        let ok = load_policy_section("policy:\n  process: true\n", Path::new("x.yaml")).unwrap();
        assert!(ok.unwrap().process);
        assert!(load_policy_section("rules: {}\n", Path::new("x.yaml")).unwrap().is_none());
    }
}
