//! Private directories left behind by runs that were killed.
//!
//! A run removes its private directory when it ends, also when it is stopped by SIGINT, SIGTERM
//! or SIGHUP (see `stop`); SIGKILL cannot be caught, so a supervisor killed that way leaves its
//! directory, which in `/dev/shm` holds memory until the next boot. Each private directory is
//! therefore named after the supervisor that made it (`pysbx-<pid namespace>-<pid>-<start
//! time>-<random>`), and every run removes, in the background once its program has started, the
//! directories whose supervisor is gone: no process with that pid, or one started at another
//! time (the pid was reused). A directory is removed only when all of this holds: its name has
//! that form and names this pid namespace (a supervisor in another namespace, sharing `/tmp`,
//! is not visible here and is left alone), it is a directory and not a link, it belongs to this
//! user, and no one else may write in it (pysbx makes it 0700; the sandbox's set-up may open it
//! to 0755, never further).

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

const PREFIX: &str = "pysbx-";

/// Who made a private directory: the supervisor's pid namespace, pid and start time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Maker {
    namespace: u64,
    pid: u32,
    /// In clock ticks since boot (field 22 of `/proc/<pid>/stat`).
    start: u64,
}

/// The prefix of the private directory this process makes: its name ends with random
/// characters after it. `pysbx-` alone when this process cannot tell who it is (its
/// directories are then never swept).
pub(crate) fn prefix() -> String {
    match this_process() {
        Some(m) => format!("{PREFIX}{}-{}-{}-", m.namespace, m.pid, m.start),
        None => PREFIX.to_string(),
    }
}

fn this_process() -> Option<Maker> {
    let pid = std::process::id();
    Some(Maker { namespace: pid_namespace()?, pid, start: start_time(pid)? })
}

/// The inode of this process's pid namespace (`pid:[4026531836]`).
fn pid_namespace() -> Option<u64> {
    let link = std::fs::read_link("/proc/self/ns/pid").ok()?;
    let text = link.to_str()?;
    text.strip_prefix("pid:[")?.strip_suffix(']')?.parse().ok()
}

/// The start time of process `pid`, or `None` when there is no such process.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// Field 22 of a `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may
/// hold spaces and parentheses itself: the fields are counted after its last `)`.
fn parse_start_time(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After the name come field 3 (state) onwards: field 22 is the 20th of them.
    rest.split_ascii_whitespace().nth(19)?.parse().ok()
}

/// The maker named by a private directory's name, if it has the form this module gives.
fn parse_name(name: &str) -> Option<Maker> {
    let mut parts = name.strip_prefix(PREFIX)?.splitn(4, '-');
    let namespace = parts.next()?.parse().ok()?;
    let pid = parts.next()?.parse().ok()?;
    let start = parts.next()?.parse().ok()?;
    // The random part tempfile adds.
    parts.next().filter(|r| !r.is_empty())?;
    Some(Maker { namespace, pid, start })
}

/// Whether a directory made by `maker` is left over, judged by `me` (this process) and what
/// `started` says of a pid's start time now.
fn is_left_over(maker: Maker, me: Maker, started: impl Fn(u32) -> Option<u64>) -> bool {
    maker.namespace == me.namespace
        && maker != me
        && started(maker.pid).is_none_or(|now| now != maker.start)
}

/// Removes the private directories left over beside `own`, this run's private directory (see
/// the module documentation). Who this process is comes from `own`'s name: no second read of
/// `/proc`, and a directory named without an identity (see [`prefix`]) sweeps nothing. Errors
/// are ignored: a directory that cannot be removed now is tried again by a later run.
pub(crate) fn sweep(own: &Path) {
    let Some(me) = own.file_name().and_then(|n| n.to_str()).and_then(parse_name) else {
        return;
    };
    let Some(parent) = own.parent() else { return };
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let uid = nix::unistd::geteuid().as_raw();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(maker) = name.to_str().and_then(parse_name) else { continue };
        if !is_left_over(maker, me, start_time) {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else { continue };
        if !meta.file_type().is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o022 != 0
        {
            continue;
        }
        crate::run::remove_private_path(&path);
    }
}

/// A [`sweep`] running on its own thread; dropping it waits for the sweep to end, so that a
/// short run does not exit halfway through removing a directory.
pub(crate) struct Sweeping(Option<std::thread::JoinHandle<()>>);

/// Starts [`sweep`] beside `own` on its own thread.
pub(crate) fn sweep_in_background(own: std::path::PathBuf) -> Sweeping {
    let handle =
        std::thread::Builder::new().name("pysbx-sweep".into()).spawn(move || sweep(&own)).ok();
    Sweeping(handle)
}

impl Drop for Sweeping {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_is_counted_after_the_last_parenthesis() {
        let stat = "4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 \
                    1000 10 18446744073709551615";
        assert_eq!(parse_start_time(stat), Some(987_654));
        assert_eq!(parse_start_time("4242 (x) S 1"), None);
        assert_eq!(parse_start_time("no parenthesis"), None);
    }

    #[test]
    fn this_process_has_an_identity_and_a_prefix_that_parses_back() {
        let me = this_process().expect("this process's pid namespace and start time");
        assert_eq!(me.pid, std::process::id());
        let name = format!("{}abc123", prefix());
        assert_eq!(parse_name(&name), Some(me));
    }

    #[test]
    fn names_of_other_forms_are_not_ours() {
        for name in [
            "pysbx-abc123",
            "pysbx-1-2-3-",
            "pysbx-1-2-x-abc",
            "pysbx--2-3-abc",
            "other-1-2-3-abc",
            "pysbx-1-2-3",
        ] {
            assert_eq!(parse_name(name), None, "{name}");
        }
        assert_eq!(
            parse_name("pysbx-7-8-9-a-b"),
            Some(Maker { namespace: 7, pid: 8, start: 9 }),
            "the random part may hold a dash"
        );
    }

    #[test]
    fn only_a_gone_or_reused_pid_of_this_namespace_is_left_over() {
        let me = Maker { namespace: 1, pid: 10, start: 100 };
        let live = |pid: u32| (pid == 20).then_some(200);
        let of = |namespace, pid, start| Maker { namespace, pid, start };
        assert!(is_left_over(of(1, 30, 300), me, live), "no such process");
        assert!(is_left_over(of(1, 20, 150), me, live), "pid reused");
        assert!(!is_left_over(of(1, 20, 200), me, live), "still running");
        assert!(!is_left_over(of(2, 30, 300), me, live), "another pid namespace");
        assert!(!is_left_over(me, me, live), "this process's own");
    }
}
