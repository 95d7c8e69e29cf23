//! `fs.root`: a chosen directory shown to the program as `/`. The program reads its files at
//! the root's paths; the host's other paths do not exist for it (not found, not merely
//! refused); the interpreter is the real one at its real prefix; nothing is written into the
//! chosen directory.

use std::process::Command;

use crate::exec_support::{
    Scratch, exec_with_events, python, run, sandbox_processes, stderr, stdout, tier_layer,
};

const PROGRAM: &str = r#"import os, sys
print(open("/data/input.txt").read().strip())
print(sorted(os.listdir("/data")))
print(open("/etc/app.conf").read().strip())
for path in sys.argv[1:]:
    try:
        os.stat(path)
        print(path, "present")
    except FileNotFoundError:
        print(path, "absent")
    except PermissionError:
        print(path, "refused")
try:
    with open("/data/new.txt", "w") as f:
        f.write("x")
    print("write went through")
except PermissionError:
    print("write refused")
print(sys.prefix)
print(sys.executable)
"#;

#[test]
fn a_directory_becomes_the_root() {
    let s = Scratch::new();
    s.write("rootfs/data/input.txt", "hello from the new root\n");
    s.write("rootfs/data/more.txt", "more\n");
    s.write("rootfs/etc/app.conf", "mode=root\n");
    let policy = s.write("p.yaml", "fs:\n  root: \"./rootfs\"\n");
    let main = s.write("main.py", PROGRAM);
    let elsewhere = Scratch::new();
    let secret = elsewhere.write("secret.txt", "host secret\n");
    let out = run(s
        .exec()
        .arg("--no-gate")
        .arg("--policy")
        .arg(&policy)
        .arg(&main)
        .arg("--")
        .arg("/etc/passwd")
        .arg("/home")
        .arg(&secret)
        .arg(elsewhere.path())
        .arg("/usr/sbin"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let direct = Command::new(python())
        .args(["-c", "import sys; print(sys.prefix); print(sys.executable)"])
        .output()
        .expect("python runs");
    let expected = format!(
        "hello from the new root\n['input.txt', 'more.txt']\nmode=root\n\
         /etc/passwd absent\n/home absent\n{} absent\n{} absent\n/usr/sbin absent\n\
         write refused\n{}",
        secret.display(),
        elsewhere.path().display(),
        String::from_utf8_lossy(&direct.stdout)
    );
    assert_eq!(stdout(&out), expected, "{}", stderr(&out));
    // The chosen directory is the overlay's lower layer: nothing was created in it.
    let mut entries: Vec<String> = std::fs::read_dir(s.path().join("rootfs"))
        .expect("rootfs")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, vec!["data".to_string(), "etc".to_string()]);
    assert!(!s.path().join("rootfs/data/new.txt").exists());
    assert!(sandbox_processes().is_empty());
}

#[test]
fn a_link_in_the_root_cannot_redirect_a_mount() {
    let s = Scratch::new();
    s.write("rootfs/data/input.txt", "linked root\n");
    // `/etc` of the chosen tree points at a host directory: pysbx must neither follow it to
    // create mount points there nor show the host's files through it.
    let elsewhere = Scratch::new();
    elsewhere.write("passwd", "host file\n");
    std::os::unix::fs::symlink(elsewhere.path(), s.path().join("rootfs/etc")).expect("test setup");
    let policy = s.write("p.yaml", "fs:\n  root: \"./rootfs\"\n");
    let main = s.write(
        "main.py",
        "import os\nprint(open('/data/input.txt').read().strip())\nprint(os.path.islink('/etc'))\ntry:\n    open('/etc/passwd')\n    print('host passwd visible')\nexcept FileNotFoundError:\n    print('absent')\n",
    );
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &policy, &events, &main, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "linked root\nTrue\nabsent\n", "{}", stderr(&out));
    let mount = tier_layer(&events, "namespace.mount");
    let mount = mount["detail"].as_str().unwrap_or("");
    assert!(mount.contains("left out (a symbolic link in the root): /etc/"), "{mount}");
    let left: Vec<_> = std::fs::read_dir(elsewhere.path()).expect("dir").collect();
    assert_eq!(left.len(), 1, "a mount point was created through the link");
}

#[test]
fn the_root_must_be_a_directory() {
    let s = Scratch::new();
    let policy = s.write("p.yaml", "fs:\n  root: \"./missing\"\n");
    let out = run(s.exec().arg("--policy").arg(&policy).args(["-c", "print(1)"]));
    assert_eq!(out.status.code(), Some(125), "{}", stderr(&out));
    assert!(stderr(&out).contains("fs.root"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

/// Without root (uid 65534, Debian's interpreter): the overlay and `pivot_root` happen inside
/// the sandbox's own user namespace.
#[test]
fn a_root_without_root() {
    use std::os::unix::process::CommandExt;
    let s = Scratch::new();
    s.write("rootfs/data/input.txt", "unprivileged root\n");
    let policy = s.write("p.yaml", "fs:\n  root: \"./rootfs\"\n");
    let out = Command::new(env!("CARGO_BIN_EXE_pysbx"))
        .current_dir(s.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .uid(65534)
        .gid(65534)
        .args(["exec", "--no-config", "--no-gate", "--python", "/usr/bin/python3", "--policy"])
        .arg(&policy)
        .args([
            "-c",
            "import os, sys\nprint(open('/data/input.txt').read().strip())\nprint(os.path.exists('/etc/passwd'), sys.prefix)\n",
        ])
        .output()
        .expect("pysbx runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "unprivileged root\nFalse /usr\n", "{}", stderr(&out));
}
