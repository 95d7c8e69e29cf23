//! The Landlock ruleset: read, write and execute per path, TCP ports where the ABI has them,
//! and the IPC scopes. Rules are opened before the uid drop (root can open every path) and
//! enforced after it.

use std::path::Path;

use landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, NetPort, PathBeneath,
    PathFd, Ruleset, RulesetAttr, RulesetCreated, RulesetCreatedAttr, RulesetStatus, Scope,
};

use super::hidden;
use crate::plan::ConfinePlan;
use crate::tier::LayerState;

/// The newest ABI this code knows how to use.
const TARGET: ABI = ABI::V7;

/// A ruleset with its rules added, waiting for `enforce`.
pub(crate) struct Prepared {
    ruleset: RulesetCreated,
    abi: Option<i32>,
    net: LayerState,
    scopes: LayerState,
    skipped: Vec<String>,
    /// What was withheld of the directories granted without their hidden entries.
    withheld: Vec<String>,
}

/// The kernel's Landlock ABI, or `None` when Landlock is unavailable.
pub(crate) fn kernel_abi() -> Option<i32> {
    crate::sys::landlock_abi()
}

fn read_access() -> BitFlags<AccessFs> {
    AccessFs::from_read(TARGET) & !AccessFs::Execute
}

/// Builds the ruleset for `plan`. Missing paths are skipped (and reported).
pub(crate) fn prepare(plan: &ConfinePlan) -> Result<Prepared, String> {
    let abi = kernel_abi();
    let abi_enum = abi.map_or(ABI::Unsupported, |v| ABI::from(v).min(TARGET));
    let mut ruleset = Ruleset::default()
        .set_compatibility(CompatLevel::BestEffort)
        .handle_access(AccessFs::from_all(TARGET))
        .map_err(|e| e.to_string())?;
    let tcp_supported = abi_enum >= ABI::V4;
    let handle_connect = plan.tcp_connect.is_some();
    if tcp_supported {
        // Bind is never needed by a client; connect is narrowed when the policy lists ports.
        let mut net: BitFlags<AccessNet> = AccessNet::BindTcp.into();
        if handle_connect {
            net |= AccessNet::ConnectTcp;
        }
        ruleset = ruleset.handle_access(net).map_err(|e| e.to_string())?;
    }
    let scopes_supported = abi_enum >= ABI::V6;
    if scopes_supported {
        ruleset = ruleset.scope(Scope::from_all(TARGET)).map_err(|e| e.to_string())?;
    }
    let mut created = ruleset.create().map_err(|e| e.to_string())?;
    let mut skipped = Vec::new();
    let mut add = |created: RulesetCreated,
                   path: &Path,
                   access: BitFlags<AccessFs>|
     -> Result<RulesetCreated, String> {
        match PathFd::new(path) {
            Ok(fd) => {
                // Files accept only file rights; the kernel rejects directory rights on them.
                let access =
                    if path.is_dir() { access } else { access & AccessFs::from_file(TARGET) };
                created.add_rule(PathBeneath::new(fd, access)).map_err(|e| e.to_string())
            }
            Err(_) => {
                skipped.push(path.display().to_string());
                Ok(created)
            }
        }
    };
    // Needed only for a directory granted without its hidden entries.
    let granted: Vec<std::path::PathBuf> =
        if plan.without_hidden.is_empty() { Vec::new() } else { plan.granted().cloned().collect() };
    let mut withheld = Vec::new();
    let mut unreadable = Vec::new();
    for p in &plan.read {
        if p == Path::new(PROC_SELF) {
            match proc_self_entries() {
                Ok((dirs, entries)) => {
                    for dir in &dirs {
                        created = add(created, dir, AccessFs::ReadDir.into())?;
                    }
                    for entry in &entries {
                        created = add(created, entry, read_access())?;
                    }
                    withheld.push(format!("{PROC_SELF} without the process's memory (mem)"));
                }
                Err(_) => unreadable.push(p.display().to_string()),
            }
            continue;
        }
        if !plan.without_hidden.contains(p) {
            created = add(created, p, read_access())?;
            continue;
        }
        match hidden::split(p, &granted) {
            // Nothing to withhold: one rule, as for any granted directory.
            Ok(split) if split.hidden.is_empty() => created = add(created, p, read_access())?,
            Ok(split) if split.shown.len() <= hidden::MAX_SHOWN_ENTRIES => {
                // Listing is granted on the directory (and, Landlock's rules covering a
                // hierarchy, on the directories below: a hidden directory's names show, its
                // files stay closed); reading on each entry that is not hidden.
                created = add(created, p, AccessFs::ReadDir.into())?;
                for entry in &split.shown {
                    created = add(created, entry, read_access())?;
                }
                withheld.push(format!(
                    "{} without its hidden entries ({})",
                    p.display(),
                    hidden::describe(&split.hidden)
                ));
            }
            Ok(split) => {
                withheld.push(format!(
                    "{} granted whole, hidden entries included ({} entries, more than {})",
                    p.display(),
                    split.shown.len(),
                    hidden::MAX_SHOWN_ENTRIES
                ));
                created = add(created, p, read_access())?;
            }
            // Unreadable or gone: nothing of it is granted, as for any missing path.
            Err(_) => unreadable.push(p.display().to_string()),
        }
    }
    for p in &plan.devices {
        created = add(created, p, AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::Truncate)?;
    }
    for p in &plan.execute {
        created = add(created, p, read_access() | AccessFs::Execute)?;
    }
    for p in &plan.write {
        created = add(created, p, AccessFs::from_all(TARGET) & !AccessFs::Execute)?;
    }
    skipped.extend(unreadable);
    let net = if !tcp_supported {
        LayerState::Failed(format!("Landlock ABI {} has no TCP rules", abi.unwrap_or(0)))
    } else {
        match &plan.tcp_connect {
            Some(ports) => {
                for port in ports {
                    created = created
                        .add_rule(NetPort::new(*port, AccessNet::ConnectTcp))
                        .map_err(|e| e.to_string())?;
                }
                LayerState::Applied(if ports.is_empty() {
                    "no TCP bind or connect".into()
                } else {
                    format!("TCP connect only to ports {ports:?}; no bind")
                })
            }
            None => LayerState::Partial("TCP bind denied; connect to any port".into()),
        }
    };
    let scopes = if scopes_supported {
        LayerState::Applied("abstract UNIX sockets and signals scoped to the sandbox".into())
    } else {
        LayerState::Failed(format!("Landlock ABI {} has no scopes", abi.unwrap_or(0)))
    };
    Ok(Prepared { ruleset: created, abi, net, scopes, skipped, withheld })
}

/// The process's own `/proc` entry, granted for reading without its memory.
const PROC_SELF: &str = "/proc/self";

/// `/proc/self` (the interpreter's entry: this process execs it) to be granted without the
/// process's memory: the directories to be listed (the entry, `task` and each thread's entry
/// in it) and every other entry to be read, each thread's too. `mem` reads any byte of the
/// interpreter, the guard's secrets among them (the token its records carry, which would let
/// the program forge them), and is left out everywhere; so are the entry's links (`cwd`,
/// `root`, `exe`: what they lead to is judged by its own rules). A thread made later has no
/// entry granted at all. Called before the interpreter starts, with one thread.
fn proc_self_entries() -> std::io::Result<(Vec<std::path::PathBuf>, Vec<std::path::PathBuf>)> {
    let me = Path::new("/proc").join(std::fs::read_link(PROC_SELF)?);
    let mut dirs = vec![me.clone()];
    let mut entries = Vec::new();
    let readable = |dir: &Path, out: &mut Vec<std::path::PathBuf>| -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            // `task` is listed below, thread by thread.
            if entry.file_name() == "mem" || entry.file_name() == "task" || kind.is_symlink() {
                continue;
            }
            out.push(entry.path());
        }
        Ok(())
    };
    readable(&me, &mut entries)?;
    let task = me.join("task");
    if let Ok(threads) = std::fs::read_dir(&task) {
        dirs.push(task.clone());
        for thread in threads {
            let thread = thread?.path();
            dirs.push(thread.clone());
            readable(&thread, &mut entries)?;
        }
    }
    Ok((dirs, entries))
}

/// What Landlock enforced, for the tier.
pub(crate) struct Enforced {
    pub(crate) fs: LayerState,
    pub(crate) net: LayerState,
    pub(crate) scopes: LayerState,
}

/// Enforces a prepared ruleset on the calling thread (and its future children).
pub(crate) fn enforce(prepared: Prepared) -> Enforced {
    let Prepared { ruleset, abi, net, scopes, skipped, withheld } = prepared;
    let status = ruleset.restrict_self();
    let mut skipped_note = if skipped.is_empty() {
        String::new()
    } else {
        format!("; missing paths skipped: {}", skipped.join(", "))
    };
    for note in &withheld {
        skipped_note.push_str("; ");
        skipped_note.push_str(note);
    }
    match status {
        Ok(s) => {
            let abi = abi.unwrap_or(0);
            let fs = match s.ruleset {
                RulesetStatus::FullyEnforced => LayerState::Applied(format!(
                    "ABI {abi}, filesystem fully enforced{skipped_note}"
                )),
                RulesetStatus::PartiallyEnforced => LayerState::Partial(format!(
                    "ABI {abi}, some access rights unknown to this kernel{skipped_note}"
                )),
                RulesetStatus::NotEnforced => {
                    return Enforced {
                        fs: LayerState::Failed("Landlock is not available on this kernel".into()),
                        net: LayerState::Failed("Landlock unavailable".into()),
                        scopes: LayerState::Failed("Landlock unavailable".into()),
                    };
                }
            };
            Enforced { fs, net, scopes }
        }
        Err(e) => Enforced {
            fs: LayerState::Failed(e.to_string()),
            net: LayerState::Failed(e.to_string()),
            scopes: LayerState::Failed(e.to_string()),
        },
    }
}
