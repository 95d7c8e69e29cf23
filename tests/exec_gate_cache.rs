//! `pysbx exec`'s gate cache: verdicts kept between runs by content hash, used only when they
//! can be trusted, and never where the sandboxed program could have written them.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::exec_support::{Scratch, run, stderr, stdout};

/// The entry files of a gate cache under `xdg` (`XDG_CACHE_HOME`).
fn entries(xdg: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(shards) = std::fs::read_dir(xdg.join("pysbx/gate/v1")) else { return out };
    for shard in shards.flatten().filter(|s| s.path().is_dir()) {
        for entry in std::fs::read_dir(shard.path()).expect("test setup").flatten() {
            out.push(entry.path());
        }
    }
    out.sort();
    out
}

/// A program whose imported module the gate must sanitize.
fn evil_program(s: &Scratch) -> PathBuf {
    s.write("lib_evil.py", "import os\ndef go():\n    return os.system('echo PWN$((6*7))')\n");
    s.write(
        "main.py",
        "import lib_evil\ntry:\n    lib_evil.go()\nexcept PermissionError as e:\n    print('blocked', type(e).__name__)\n",
    )
}

#[test]
fn verdicts_are_kept_reused_and_trusted_only_when_nobody_else_could_write_them() {
    let s = Scratch::new();
    let xdg = tempfile::tempdir().expect("test setup");
    let main = evil_program(&s);
    let exec = || {
        let mut cmd = s.exec();
        cmd.env("XDG_CACHE_HOME", xdg.path());
        cmd
    };
    let events_of = |out: &std::process::Output| -> Vec<String> {
        // The gate's live summary lines on standard error, one per finding.
        stderr(out).lines().filter(|l| l.contains(" gate [")).map(str::to_string).collect()
    };
    let first = run(exec().arg(&main));
    assert!(!events_of(&first).is_empty(), "the gate reports its stub: {}", stderr(&first));
    assert!(stdout(&first).starts_with("blocked"), "{}{}", stdout(&first), stderr(&first));
    let kept = entries(xdg.path());
    assert_eq!(kept.len(), 2, "one verdict for the script, one for the module: {kept:?}");
    for entry in &kept {
        let mode = std::fs::metadata(entry).expect("test setup").permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is private to its owner", entry.display());
    }

    // The second run answers from the cache, with the same result and the same events.
    let second = run(exec().arg(&main));
    assert_eq!(stdout(&second), stdout(&first));
    assert_eq!(events_of(&second), events_of(&first));
    assert!(!stdout(&second).contains("PWN42"));
    assert_eq!(entries(xdg.path()), kept);

    // That the answer really comes from the entry: rewritten in place (same owner, same
    // mode), its source is what runs.
    let module_entry = kept
        .iter()
        .find(|e| std::fs::read_to_string(e).expect("test setup").contains("def go"))
        .expect("the module's verdict");
    let mut stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(module_entry).expect("test setup"))
            .expect("an entry is JSON");
    stored["outcome"]["allow"]["source"] = "def go():\n    print('from the cache')\n".into();
    std::fs::write(module_entry, stored.to_string()).expect("test setup");
    let third = run(exec().arg(&main));
    assert_eq!(stdout(&third), "from the cache\n", "{}", stderr(&third));

    // A damaged entry (cut short, as by a full disk) is a miss: gated afresh, and rewritten.
    let text = std::fs::read_to_string(module_entry).expect("test setup");
    std::fs::write(module_entry, &text[..text.len() / 2]).expect("test setup");
    let damaged = run(exec().arg(&main));
    assert!(stdout(&damaged).starts_with("blocked"), "{}{}", stdout(&damaged), stderr(&damaged));
    let rewritten = std::fs::read_to_string(module_entry).expect("test setup");
    assert!(serde_json::from_str::<serde_json::Value>(&rewritten).is_ok(), "{rewritten}");
    assert!(!rewritten.contains("from the cache"));

    // An entry others may write is not trusted: the module is gated afresh.
    std::fs::write(module_entry, stored.to_string()).expect("test setup");
    std::fs::set_permissions(module_entry, std::fs::Permissions::from_mode(0o666))
        .expect("test setup");
    let fourth = run(exec().arg(&main));
    assert!(stdout(&fourth).starts_with("blocked"), "{}{}", stdout(&fourth), stderr(&fourth));
}

#[test]
fn other_rules_other_bytes_and_no_cache_do_not_reuse_a_verdict() {
    let s = Scratch::new();
    let xdg = tempfile::tempdir().expect("test setup");
    let script = s.write("run.py", "import os\nos.system('echo PWN$((6*7))')\n");
    let exec = || {
        let mut cmd = s.exec();
        cmd.env("XDG_CACHE_HOME", xdg.path());
        cmd
    };
    let blocked = run(exec().arg(&script));
    assert_eq!(blocked.status.code(), Some(122), "{}", stderr(&blocked));
    assert!(stderr(&blocked).contains("PSB215"), "the gate's stub: {}", stderr(&blocked));
    assert!(!stdout(&blocked).contains("PWN42"));
    assert_eq!(entries(xdg.path()).len(), 1);

    // The rules in force are part of the key: with the rule ignored the script is gated
    // again and passes the gate unchanged (the guard still refuses the shell).
    let ignored = run(exec().args(["--ignore", "PSB215"]).arg(&script));
    assert!(!stderr(&ignored).contains("PSB215"), "{}", stderr(&ignored));
    assert!(stderr(&ignored).contains("os.system is not allowed"), "{}", stderr(&ignored));
    assert!(!stdout(&ignored).contains("PWN42"));
    assert_eq!(entries(xdg.path()).len(), 2);

    // So are the bytes.
    s.write("run.py", "import os\nos.system('echo PWN$((6*8))')\n");
    let changed = run(exec().arg(&script));
    assert_eq!(changed.status.code(), Some(122), "{}", stderr(&changed));
    assert_eq!(entries(xdg.path()).len(), 3);

    // --no-cache neither reads nor writes.
    s.write("run.py", "print('fresh')\n");
    let uncached = run(exec().arg("--no-cache").arg(&script));
    assert_eq!(stdout(&uncached), "fresh\n");
    assert_eq!(entries(xdg.path()).len(), 3);
}

/// Without root the program runs under the user's own uid, so a policy that lets it write
/// where the cache lives turns the cache off for that run.
#[test]
fn no_cache_where_the_sandboxed_program_may_write() {
    let s = Scratch::new();
    let nobody = 65534;
    let xdg = tempfile::tempdir().expect("test setup");
    std::fs::set_permissions(xdg.path(), std::fs::Permissions::from_mode(0o777))
        .expect("test setup");
    let script = s.write("hello.py", "print('hello')\n");
    let grant = s.write(
        "grant.yaml",
        &format!("fs:\n  read: [\"{0}\"]\n  write: [\"{0}\"]\n", xdg.path().display()),
    );
    let exec = |policy: Option<&Path>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
        cmd.current_dir(s.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", "/nonexistent")
            .env("XDG_CACHE_HOME", xdg.path())
            .uid(nobody)
            .gid(nobody)
            .args(["exec", "--no-config", "--python", "/usr/bin/python3"]);
        if let Some(policy) = policy {
            cmd.arg("--policy").arg(policy);
        }
        cmd.arg(&script);
        cmd
    };
    let granted = run(&mut exec(Some(&grant)));
    assert_eq!(stdout(&granted), "hello\n", "{}", stderr(&granted));
    assert!(entries(xdg.path()).is_empty(), "no verdict kept where the program may write");
    let plain = run(&mut exec(None));
    assert_eq!(stdout(&plain), "hello\n", "{}", stderr(&plain));
    assert_eq!(entries(xdg.path()).len(), 1, "kept when the policy grants no such write");
}

#[test]
fn the_same_text_at_another_path_is_gated_for_that_path() {
    // An entry file's import-time rules hold in `pkg/__init__.py` and not in `other.py`: within
    // one run, the gate's answer for one must not stand for the other, whichever comes first.
    let text = "import socket\ntry:\n    socket.gethostbyname('beacon.example-oast.net')\nexcept Exception as e:\n    print(__name__, type(e).__name__)\n";
    for (order, want) in [
        ("import other\nimport pkg\n", "other PolicyViolation\npkg PysbxBlocked\n"),
        ("import pkg\nimport other\n", "pkg PysbxBlocked\nother PolicyViolation\n"),
    ] {
        let s = Scratch::new();
        s.write("other.py", text);
        s.write("pkg/__init__.py", text);
        let main = s.write("main.py", order);
        let out = run(s.exec().arg("--no-cache").arg(&main));
        assert_eq!(stdout(&out), want, "{}", stderr(&out));
    }
}
