//! The plan: everything the trampoline needs to confine itself, computed by the supervisor
//! and sent over a pipe as JSON so the trampoline parses no user input of its own.

use std::path::PathBuf;

/// What the trampoline must set up before it executes the interpreter.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Plan {
    /// The interpreter's real executable (a host path).
    pub(crate) interpreter: PathBuf,
    /// Its `argv[0]`: the real executable, or a virtual environment's link to it (see
    /// `Interpreter::launcher`).
    pub(crate) argv0: PathBuf,
    /// Arguments after `argv[0]`.
    pub(crate) args: Vec<String>,
    /// The complete environment of the interpreter.
    pub(crate) env: Vec<(String, String)>,
    /// The private area (a host directory) that becomes a size-capped tmpfs with `work/` and
    /// `tmp/` inside.
    pub(crate) private_dir: PathBuf,
    /// The working directory; inside `private_dir` unless the policy names a persistent one.
    pub(crate) workdir: PathBuf,
    /// The private TMPDIR.
    pub(crate) tmpdir: PathBuf,
    /// Size of the private tmpfs in MiB.
    pub(crate) private_size_mb: u64,
    /// Drop to this uid and gid (pysbx runs as root).
    pub(crate) drop_to: Option<(u32, u32)>,
    /// The supervisor's pid, to detect a supervisor that died before the death signal was set.
    pub(crate) supervisor_pid: i32,
    /// Create a network namespace (no network, or only the relayed destinations).
    pub(crate) new_net: bool,
    /// The relay's namespace content: local routes and listeners handed to the supervisor.
    pub(crate) net_relay: Option<crate::netrelay::NetPlan>,
    /// Paths the sandbox uid must be able to reach (interpreter prefix, script directory,
    /// policy paths): inaccessible ancestors are masked with a tmpfs holding only them.
    pub(crate) reach: Vec<PathBuf>,
    /// Directories lent read-only to the sandbox uid through an idmapped mount (the script's
    /// directory, when pysbx runs as root; see [`crate::confine::lend`]).
    #[serde(default)]
    pub(crate) lend: Vec<PathBuf>,
    /// Directories mounted `noexec` (the script's, without foreign code or processes, when no
    /// directory of the interpreter's lies in it; see [`crate::confine::lend::no_code`]).
    pub(crate) no_code: Vec<PathBuf>,
    /// Every mount read-only but the write paths, the private directory and `/dev` (without
    /// root the program keeps the user's uid and owns the user's files; as root its uid is
    /// derived from pysbx's pid, and owns what earlier runs of that uid left; see
    /// [`crate::confine::lend::read_only_tree`]).
    #[serde(default)]
    pub(crate) read_only_tree: bool,
    /// Directories where the host's services listen on UNIX sockets (the user's runtime
    /// directory, an SSH agent's, X11's), covered with an empty tmpfs when the program may
    /// make UNIX sockets (see [`crate::confine::mounts::mask`]).
    #[serde(default)]
    pub(crate) masked: Vec<PathBuf>,
    /// UNIX sockets elsewhere in the directories where services put them (`/run`, `/tmp`...:
    /// the system D-Bus, a syslog, a container engine's), each covered by `/dev/null` when
    /// the program may make UNIX sockets (see [`crate::confine::mounts::cover_socket`]).
    #[serde(default)]
    pub(crate) masked_sockets: Vec<PathBuf>,
    /// The directory the private working directory shows through (copy-on-write): the
    /// script's directory when pysbx was started in it.
    #[serde(default)]
    pub(crate) workdir_lower: Option<PathBuf>,
    /// `fs.root`: the directory shown as `/` and what is bound into it.
    pub(crate) root: Option<crate::confine::root::RootPlan>,
    /// Landlock and seccomp inputs.
    pub(crate) confine: ConfinePlan,
    /// Resource limits.
    pub(crate) limits: crate::policy::Limits,
    /// Standard streams, for a trampoline forked before the supervisor knew the policy (see
    /// [`crate::trampoline::Prefork`]); a re-executed trampoline is started with them in place.
    #[serde(default)]
    pub(crate) stdio: Option<StdioPlan>,
}

/// What the trampoline's standard streams are, when it sets them itself.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub(crate) struct StdioPlan {
    /// Standard input.
    pub(crate) stdin: StdinMode,
    /// Standard output goes to the supervisor (else to `/dev/null`).
    pub(crate) stdout: bool,
    /// Standard error goes to the supervisor (else to `/dev/null`).
    pub(crate) stderr: bool,
    /// Standard error goes down standard output's pipe: pysbx's own two are one file (`2>&1`,
    /// a terminal), where the order the program wrote its lines in must hold.
    #[serde(default)]
    pub(crate) merged: bool,
}

/// Where the sandbox's standard input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StdinMode {
    /// `/dev/null`.
    Null,
    /// A pipe the supervisor writes (a terminal stays with pysbx).
    Pipe,
    /// pysbx's own standard input, shared.
    Inherit,
}

/// The kernel confinement of the child.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ConfinePlan {
    /// Read-only trees and files.
    pub(crate) read: Vec<PathBuf>,
    /// Read-write trees.
    pub(crate) write: Vec<PathBuf>,
    /// Files or trees that may be executed.
    pub(crate) execute: Vec<PathBuf>,
    /// Device files that may be read and written (`/dev/null`...).
    pub(crate) devices: Vec<PathBuf>,
    /// Whether processes (fork, exec) are allowed.
    pub(crate) process: bool,
    /// Whether threads are allowed.
    pub(crate) threads: bool,
    /// Whether IP sockets are allowed at all.
    pub(crate) network: bool,
    /// Whether any code may load foreign (native) code.
    pub(crate) ffi: bool,
    /// TCP ports that may be connected to; `None` means any port (Landlock cannot narrow).
    pub(crate) tcp_connect: Option<Vec<u16>>,
    /// Directories of `read` granted without their hidden entries: the script's directory
    /// (and a linked script's link directory) when no wider grant covers it (see
    /// [`crate::confine::hidden`]).
    #[serde(default)]
    pub(crate) without_hidden: Vec<PathBuf>,
}

impl ConfinePlan {
    /// The paths the policy lets the program read, write or execute.
    pub(crate) fn granted(&self) -> impl Iterator<Item = &PathBuf> {
        self.read.iter().chain(&self.write).chain(&self.execute)
    }
}
