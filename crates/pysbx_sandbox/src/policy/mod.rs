//! The runtime policy: what a sandboxed program may read, write, connect to, spawn and use.
//!
//! A [`Policy`] is the validated form; `load` reads it from YAML with `file:line:col` errors.
//! Every field has a default, and [`Policy::default`] is the strict default policy.

mod load;
mod net;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

pub use load::{load_policy_file, load_policy_section, load_policy_str};
pub use net::{HostPattern, NetRule, Protocol, in_block, special_range};

/// The validated sandbox policy. `Default` is the strict default policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Policy {
    /// Filesystem grants beyond the interpreter's runtime and the script's directory.
    pub fs: FsPolicy,
    /// Network destinations the program may reach; empty means no network at all.
    pub net: Vec<NetRule>,
    /// A static host map answered to name lookups instead of DNS.
    pub hosts: BTreeMap<String, Vec<IpAddr>>,
    /// The DNS server pysbx asks for allowed names (`net.resolver`); `None`: the machine's
    /// resolver. Asked by the supervisor only, never by the program.
    pub resolver: Option<std::net::SocketAddr>,
    /// Whether the program may create processes (fork, exec, subprocess, shells).
    pub process: bool,
    /// Whether the program may load foreign code through ctypes or cffi.
    pub ffi: bool,
    /// Whether the program may run code it makes at run time (`compile`, `exec`, `eval` of a
    /// string, code objects and functions built from parts, `marshal`): what code generators
    /// such as `attrs` do when imported.
    pub code: bool,
    /// Import restrictions.
    pub imports: ImportPolicy,
    /// The environment of the child.
    pub env: EnvPolicy,
    /// Resource limits.
    pub limits: Limits,
    /// Standard streams and interpreter features.
    pub features: Features,
    /// What the in-process guard does on a violation.
    pub on_violation: OnViolation,
    /// Per-module grants, by top-level or dotted module name.
    pub modules: BTreeMap<String, ModuleGrant>,
    /// Where events go besides the command-line sinks.
    pub alerts: Vec<Alert>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            fs: FsPolicy::default(),
            net: Vec::new(),
            hosts: BTreeMap::new(),
            resolver: None,
            process: false,
            ffi: false,
            code: false,
            imports: ImportPolicy::default(),
            env: EnvPolicy::default(),
            limits: Limits::default(),
            features: Features::default(),
            on_violation: OnViolation::Raise,
            modules: BTreeMap::new(),
            alerts: Vec::new(),
        }
    }
}

/// Filesystem grants. Relative paths in a policy file are resolved against the file's directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FsPolicy {
    /// Extra readable paths (directories grant everything beneath them).
    pub read: Vec<PathBuf>,
    /// Extra writable paths; each must also be readable.
    pub write: Vec<PathBuf>,
    /// A persistent working directory; `None` means a private one removed after the run.
    pub workdir: Option<PathBuf>,
    /// A directory shown to the program as `/` (with the interpreter's runtime and the granted
    /// paths at their real places); `None` keeps the host's tree.
    pub root: Option<PathBuf>,
}

/// Import restrictions, by module name pattern (`ctypes`, `urllib.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportPolicy {
    /// Modules that may not be imported.
    pub deny: Vec<String>,
    /// When set, only these modules (and the standard library's own internals) may be imported.
    pub allow: Option<Vec<String>>,
}

/// The child's environment: nothing is inherited unless named here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnvPolicy {
    /// Variables copied from pysbx's environment when present.
    pub pass: Vec<String>,
    /// Variables set to fixed values.
    pub set: BTreeMap<String, String>,
}

impl Default for EnvPolicy {
    fn default() -> Self {
        Self { pass: vec!["LANG".into(), "LC_ALL".into(), "TZ".into()], set: BTreeMap::new() }
    }
}

/// Resource limits, all enforced by the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// CPU seconds (soft `RLIMIT_CPU`; the hard limit is one second above).
    pub cpu_s: u64,
    /// Wall-clock seconds before the whole process tree is killed.
    pub wall_s: u64,
    /// Data segment (heap and anonymous mappings) in MiB.
    pub memory_mb: u64,
    /// Largest file the program may write, in MiB.
    pub file_size_mb: u64,
    /// Open file descriptors.
    pub open_files: u64,
    /// Tasks (processes and threads) of the sandbox's own uid.
    pub processes: u64,
    /// Total bytes of standard output plus standard error in MiB; `None` is unlimited.
    pub output_mb: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu_s: 10,
            wall_s: 30,
            memory_mb: 512,
            file_size_mb: 16,
            open_files: 256,
            processes: 64,
            output_mb: None,
        }
    }
}

/// Standard streams and interpreter features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Features {
    /// Forward pysbx's standard input to the program (else it reads `/dev/null`).
    pub stdin: bool,
    /// Forward the program's standard output (else it is discarded).
    pub stdout: bool,
    /// Forward the program's standard error (else it is discarded).
    pub stderr: bool,
    /// Allow threads.
    pub threads: bool,
    /// `sys.setrecursionlimit` applied before user code.
    pub recursion_limit: u32,
    /// The highest limit a later `sys.setrecursionlimit` of the program sets. Without a
    /// `recursion_limit` in the policy the program may raise its limit as under Python, up to
    /// [`RECURSION_CEILING`]; a policy's limit is also its ceiling (at least Python's 1000).
    pub recursion_ceiling: u32,
}

/// The ceiling of `sys.setrecursionlimit` when the policy sets no recursion limit. Code that
/// raises its limit (parsers, tree walks, memoised searches) asks for 10**4 to 10**6; a frame
/// of Python code costs about 100 bytes here (no C stack since 3.11), so a million is bounded
/// by the memory limit anyway, while an unbounded request (`10**9`) would leave a runaway
/// recursion to the memory limit rather than to a prompt `RecursionError`.
pub const RECURSION_CEILING: u32 = 1_000_000;

impl Default for Features {
    fn default() -> Self {
        Self {
            stdin: true,
            stdout: true,
            stderr: true,
            threads: true,
            recursion_limit: 1000,
            recursion_ceiling: RECURSION_CEILING,
        }
    }
}

/// What the guard does when user code breaks the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnViolation {
    /// Raise `PermissionError` (a `pysbx.PolicyViolation`) in the offending code.
    Raise,
    /// Kill the program at once.
    Kill,
}

/// Extra grants for one module and the code it calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ModuleGrant {
    /// Extra readable paths.
    pub read: Vec<PathBuf>,
    /// Extra writable paths.
    pub write: Vec<PathBuf>,
    /// Extra network destinations.
    pub net: Vec<NetRule>,
    /// May create processes.
    pub process: bool,
    /// May load foreign code.
    pub ffi: bool,
    /// May run code it makes at run time.
    pub code: bool,
    /// The module's own import lists: `allow` replaces the top-level list for imports made by
    /// this module's code, `deny` adds to the top-level one.
    pub imports: ImportPolicy,
}

/// An event sink named in the policy.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Alert {
    /// A readable summary on standard error (always on; listing it is allowed).
    Stderr,
    /// JSON lines appended to a file.
    Jsonl {
        /// The file.
        path: PathBuf,
    },
    /// A SARIF 2.1.0 log of runtime violations.
    Sarif {
        /// The file.
        path: PathBuf,
    },
    /// An HTTP/1.1 `POST` of each JSON event to a plain `http://` URL, from a background thread.
    Webhook {
        /// `http://host[:port][/path]`.
        url: String,
        /// Seconds one attempt may take (connect, send, status line).
        timeout_s: u64,
        /// Further attempts after a failed one.
        retries: u32,
    },
    /// RFC 5424 syslog messages over UDP, one per event.
    Syslog {
        /// `host:port` of the collector.
        address: String,
        /// The facility number (`user` = 1 by default, `local0` = 16...).
        facility: u8,
    },
}

impl Policy {
    /// Whether any network destination is allowed, to the program or to one of its modules.
    #[must_use]
    pub fn any_network(&self) -> bool {
        !self.net.is_empty() || self.modules.values().any(|m| !m.net.is_empty())
    }

    /// Whether any code may create processes.
    #[must_use]
    pub fn any_process(&self) -> bool {
        self.process || self.modules.values().any(|m| m.process)
    }

    /// Whether any code may load foreign code.
    #[must_use]
    pub fn any_ffi(&self) -> bool {
        self.ffi || self.modules.values().any(|m| m.ffi)
    }

    /// Whether any code may run code it makes at run time.
    #[must_use]
    pub fn any_code(&self) -> bool {
        self.code || self.modules.values().any(|m| m.code)
    }

    /// Every readable path of the policy: top-level and per-module (the OS enforces the union).
    #[must_use]
    pub fn all_reads(&self) -> Vec<PathBuf> {
        let mut out = self.fs.read.clone();
        for grant in self.modules.values() {
            out.extend(grant.read.iter().cloned());
        }
        out
    }

    /// Every writable path of the policy: top-level and per-module.
    #[must_use]
    pub fn all_writes(&self) -> Vec<PathBuf> {
        let mut out = self.fs.write.clone();
        for grant in self.modules.values() {
            out.extend(grant.write.iter().cloned());
        }
        out
    }

    /// Every network rule of the policy: top-level and per-module.
    #[must_use]
    pub fn all_net(&self) -> Vec<NetRule> {
        let mut out = self.net.clone();
        for grant in self.modules.values() {
            out.extend(grant.net.iter().cloned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_is_strict() {
        let policy = Policy::default();
        assert!(!policy.any_network());
        assert!(!policy.any_process());
        assert!(!policy.any_ffi());
        assert!(policy.fs.read.is_empty() && policy.fs.write.is_empty());
        assert!(!policy.env.pass.iter().any(|v| v.starts_with("PYTHON")));
        assert_eq!(policy.on_violation, OnViolation::Raise);
    }

    #[test]
    fn unions_include_module_grants() {
        let mut policy = Policy::default();
        policy.modules.insert(
            "requests".into(),
            ModuleGrant { process: true, read: vec!["/data".into()], ..ModuleGrant::default() },
        );
        assert!(policy.any_process());
        assert_eq!(policy.all_reads(), vec![PathBuf::from("/data")]);
    }
}
