//! Learning mode (`pysbx exec --learn OUT.yaml`), through the real binary: the learned policy
//! loads, lets the same program run, and refuses exactly the one extra thing a variant does.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::exec_support::{
    CLIENT, Scratch, exec_with_events, listener, run, stderr, stdout, violations,
};

/// A program whose package `client` talks to the listener, whose `__main__` reads two files
/// from a data directory outside the script's directory and writes into `out/`.
fn program(s: &Scratch, data: &Path, port: u16, extra: &str) -> std::path::PathBuf {
    s.write("client/__init__.py", CLIENT);
    let name = if extra.is_empty() { "main.py" } else { "variant.py" };
    s.write(
        name,
        &format!(
            "import client, time\n\
             print(open('{d}/in/a.txt').read().strip(), open('{d}/in/b.txt').read().strip())\n\
             with open('{o}/r%d.txt' % time.time_ns(), 'w') as f:\n    f.write('r')\n\
             print(client.send({port}, 'learned'))\n{extra}",
            d = data.display(),
            o = s.path().join("out").display()
        ),
    )
}

#[test]
fn a_learned_policy_runs_the_program_and_refuses_one_thing_more() {
    let (port, received) = listener();
    let s = Scratch::new();
    // Data outside the script's directory, readable by the sandbox uid.
    let data = tempfile::tempdir().expect("tempdir");
    for d in [data.path().to_path_buf(), data.path().join("in")] {
        std::fs::create_dir_all(&d).expect("setup");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("setup");
    }
    for (f, text) in [("a.txt", "A"), ("b.txt", "B")] {
        let p = data.path().join("in").join(f);
        std::fs::write(&p, text).expect("setup");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("setup");
    }
    let out_dir = s.path().join("out");
    std::fs::create_dir(&out_dir).expect("setup");
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o777)).expect("setup");
    let main = program(&s, data.path(), port, "");

    // The default policy refuses all three things the program does.
    let out = run(s.exec().arg("--no-gate").arg(&main));
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));

    let learned = s.path().join("learned.yaml");
    let out = run(s.exec().arg("--no-gate").arg("--learn").arg(&learned).arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "A B\nok\n", "{}", stderr(&out));
    assert!(stderr(&out).contains("learned policy written to"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&learned).expect("learned policy");

    // It loads, and it is narrow: the two files collapse to their directory, the write to
    // `out/`, the connection to the exact destination, granted to the package that made it.
    let policy =
        pysbx_sandbox::policy::load_policy_file(&learned).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let data_in = std::fs::canonicalize(data.path().join("in")).expect("canonical");
    let out_real = std::fs::canonicalize(&out_dir).expect("canonical");
    assert_eq!(policy.fs.read, vec![data_in.clone(), out_real.clone()], "{text}");
    assert_eq!(policy.fs.write, vec![out_real], "{text}");
    assert!(policy.net.is_empty(), "{text}");
    assert!(!policy.process && !policy.ffi, "{text}");
    assert_eq!(policy.modules.len(), 1, "{text}");
    let expected = pysbx_sandbox::policy::NetRule::parse(&format!("127.0.0.1:{port}"));
    assert_eq!(policy.modules["client"].net, vec![expected.expect("a rule")], "{text}");
    // Each grant is preceded by where it came from.
    assert!(
        text.contains(&format!(
            "client/__init__.py:4 in send(): network access to 127.0.0.1:{port}"
        )),
        "{text}"
    );
    assert!(text.contains("main.py:2 in <module>(): reading"), "{text}");

    // Applied to the same program: it runs.
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&learned).arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "A B\nok\n", "{}", stderr(&out));
    assert_eq!(received.try_iter().collect::<Vec<_>>(), ["learned", "learned"]);

    // Applied to a variant doing one more thing (`__main__` connecting itself): exactly that
    // is refused, everything else still runs.
    let variant = program(
        &s,
        data.path(),
        port,
        &format!(
            "import socket\ntry:\n    socket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'extra')\n    print('extra connected')\nexcept PermissionError:\n    print('extra refused')\n"
        ),
    );
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &learned, &events, &variant, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "A B\nok\nextra refused\n", "{}", stderr(&out));
    assert_eq!(received.try_iter().collect::<Vec<_>>(), ["learned"]);
    let v = violations(&events);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["clause"], "net");
    assert_eq!(v[0]["module"], "__main__");
    assert_eq!(v[0]["line"], 8, "{v:?}");
}

#[test]
fn a_learn_run_records_instead_of_refusing_and_lists_what_no_policy_grants() {
    let s = Scratch::new();
    let main = s.write(
        "main.py",
        "import os\n\
         try:\n    os.listdir('/etc')\n    print('listed')\nexcept PermissionError:\n    print('refused')\n\
         try:\n    exec('1')\nexcept PermissionError:\n    print('exec refused')\n",
    );
    let learned = s.path().join("sub/learned.yaml");
    std::fs::create_dir(s.path().join("sub")).expect("setup");
    let events = s.path().join("events.jsonl");
    let out = run(s
        .exec()
        .arg("--no-gate")
        .arg("--learn")
        .arg(&learned)
        .arg("--events")
        .arg(&events)
        .arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A grantable violation goes on; dynamic code, which learning never grants, is still
    // refused.
    assert_eq!(stdout(&out), "listed\nexec refused\n", "{}", stderr(&out));
    let v = violations(&events);
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(v[0]["action"], "recorded");
    assert_eq!(v[0]["function"], "<module>");
    assert_eq!(v[0]["detail"]["grant"], "fs.read");
    assert_eq!(v[0]["detail"]["path"], "/etc");
    assert_eq!(v[1]["action"], "raised");
    assert_eq!(v[1]["clause"], "code");
    let text = std::fs::read_to_string(&learned).expect("learned policy");
    let policy =
        pysbx_sandbox::policy::load_policy_file(&learned).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(policy.fs.read, vec![std::path::PathBuf::from("/etc")], "{text}");
    // Listed with the grant that would allow it, to write by hand; not as ungrantable.
    assert!(text.contains("# Refused in the learn run: code made at run time"), "{text}");
    assert!(text.contains("#   code: true    # "), "{text}");
    assert!(!text.contains("no grant exists"), "{text}");
    // `--learn` judges against the default policy: a policy file is refused with it.
    let out = run(s
        .exec()
        .arg("--learn")
        .arg(&learned)
        .arg("--policy")
        .arg(s.path().join("p.yaml"))
        .arg(&main));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn a_learn_run_records_what_follows_a_close_of_every_descriptor() {
    // A learning run lets through what it records. A program that closed the guard's report
    // channel would have had everything after it let through unseen: the kernel keeps the
    // channel's descriptors from being closed (and the guard refuses what it could not
    // record, were they lost), so what follows is recorded as before.
    let s = Scratch::new();
    let main = s.write(
        "main.py",
        "import os
\
         for fd in range(3, 1 << 16):\n    try:\n        os.close(fd)\n    except OSError:\n        pass\n\
         try:\n    print('read', open('/etc/passwd').read()[:5])\nexcept PermissionError:\n    print('refused')\n",
    );
    let learned = s.path().join("learned.yaml");
    let out = run(s.exec().arg("--no-gate").arg("--learn").arg(&learned).arg(&main));
    assert_eq!(stdout(&out), "read root:\n", "{}", stderr(&out));
    assert!(stderr(&out).contains("reading /etc/passwd is not allowed"), "{}", stderr(&out));
    let text = std::fs::read_to_string(&learned).expect("learned policy");
    let policy =
        pysbx_sandbox::policy::load_policy_file(&learned).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(policy.fs.read.iter().any(|p| p.starts_with("/etc")), "{text}");
}

#[test]
fn a_learn_run_grants_what_a_permit_asks_and_not_what_it_refuses() {
    let s = Scratch::new();
    let outside = tempfile::tempdir().expect("tempdir");
    let data = outside.path().join("data");
    std::fs::create_dir(&data).expect("setup");
    for (d, mode) in [(outside.path(), 0o755), (data.as_path(), 0o755)] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(mode)).expect("setup");
    }
    for p in [data.join("a.txt"), outside.path().join("other.txt")] {
        std::fs::write(&p, "x").expect("setup");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("setup");
    }
    let main = s.write(
        "main.py",
        &format!(
            "from pysbx import permit\n\
             with permit(fs_read=[{data:?}]):\n\
             \x20   print(open({a:?}).read())\n\
             \x20   try:\n        open({other:?}).read()\n        print('other read')\n\
             \x20   except PermissionError:\n        print('other refused')\n",
            data = data.display().to_string(),
            a = data.join("a.txt").display().to_string(),
            other = outside.path().join("other.txt").display().to_string(),
        ),
    );
    let learned = s.path().join("learned.yaml");
    let out = run(s.exec().arg("--no-gate").arg("--learn").arg(&learned).arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "x\nother refused\n", "{}", stderr(&out));
    let text = std::fs::read_to_string(&learned).expect("learned policy");
    let policy =
        pysbx_sandbox::policy::load_policy_file(&learned).unwrap_or_else(|e| panic!("{e}\n{text}"));
    // The permit's own request is granted; the read its permit refused is not.
    let data_real = std::fs::canonicalize(&data).expect("canonical");
    assert_eq!(policy.fs.read, vec![data_real], "{text}");
    assert!(text.contains("permit() asks for reading"), "{text}");
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&learned).arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "x\nother refused\n", "{}", stderr(&out));
}

#[test]
fn a_refused_run_says_how_a_policy_could_allow_it() {
    // Code made at run time by a package: the hint names that package's grant, and the grant
    // it names lets the run finish.
    let s = Scratch::new();
    s.write("gen/__init__.py", "def make():\n    exec('def f():\\n    return 7')\n    return 1\n");
    let main = s.write("main.py", "import gen\nprint(gen.make())\n");
    let out = run(s.exec().arg("--no-gate").arg(&main));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hint: code made at run time")
            && stderr(&out).contains("`modules: {gen: {code: true}}`"),
        "{}",
        stderr(&out)
    );
    let policy = s.write("p.yaml", "modules:\n  gen: {code: true}\n");
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&main));
    assert_eq!((out.status.code(), stdout(&out).as_str()), (Some(0), "1\n"), "{}", stderr(&out));
    // A process: learned, so the hint points to `--learn`.
    let main = s.write("shell.py", "import os\nos.system('true')\n");
    let out = run(s.exec().arg("--no-gate").arg(&main));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: `pysbx exec --learn"), "{}", stderr(&out));
    // Introspection, which no policy grants: no hint.
    let main = s.write("frames.py", "import sys\nsys._getframe().f_back\nsys.settrace(print)\n");
    let out = run(s.exec().arg("--no-gate").arg(&main));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hint:"), "{}", stderr(&out));
}

#[test]
fn a_learn_run_with_the_gate_learns_what_the_gate_would_have_stubbed() {
    // Under the default policy the gate stubs a socket connection and a process; a learn run
    // must let them reach the guard, or it learns nothing and its policy runs nothing more.
    let (port, received) = listener();
    let s = Scratch::new();
    s.write("client/__init__.py", CLIENT);
    let main = s.write(
        "main.py",
        &format!(
            "import client, subprocess\nprint(client.send({port}, 'gated'))\ntry:\n\
             \x20   print(subprocess.run(['/bin/true']).returncode)\n\
             except PermissionError:\n    print('no process')\n"
        ),
    );
    let out = run(s.exec().arg(&main));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(stderr(&out).contains("; stubbed"), "the gate stubbed it: {}", stderr(&out));
    let learned = s.path().join("learned.yaml");
    // The kernel still refuses the process in a learn run (see policy.md): it is recorded.
    let out = run(s.exec().arg("--learn").arg(&learned).arg(&main));
    assert_eq!(
        (out.status.code(), stdout(&out).as_str()),
        (Some(0), "ok\nno process\n"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&learned).expect("learned policy");
    let policy =
        pysbx_sandbox::policy::load_policy_file(&learned).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let expected = pysbx_sandbox::policy::NetRule::parse(&format!("127.0.0.1:{port}"));
    assert_eq!(policy.modules["client"].net, vec![expected.expect("a rule")], "{text}");
    assert!(policy.process, "{text}");
    // The learned policy runs the program with the gate on.
    let out = run(s.exec().arg("--policy").arg(&learned).arg(&main));
    assert_eq!(
        (out.status.code(), stdout(&out).as_str()),
        (Some(0), "ok\n0\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(received.try_iter().collect::<Vec<_>>(), ["gated", "gated"]);
}

#[test]
fn a_run_the_gate_stopped_says_how_a_policy_could_allow_it() {
    // The same hints when the static gate's stub ended the run: run-time code names the code
    // grant of the module the stub stood in (or of the program), and that grant runs it;
    // a socket points to `--learn`; frame introspection, which no policy lifts, has no hint.
    let s = Scratch::new();
    s.write(
        "gen/__init__.py",
        "def make(value):\n    ns = {}\n    exec('x = ' + value, ns)\n    return ns['x']\n",
    );
    let main = s.write("main.py", "import gen\nprint(gen.make('7'))\n");
    let out = run(s.exec().arg(&main));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hint: the gate stubbed code made at run time"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("`modules: {gen: {code: true}}`"), "{}", stderr(&out));
    let policy = s.write("p.yaml", "modules:\n  gen: {code: true}\n");
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&main));
    assert_eq!((out.status.code(), stdout(&out).as_str()), (Some(0), "7\n"), "{}", stderr(&out));
    let own = s.write("own.py", "import sys\nexec('print(' + str(len(sys.argv) + 7) + ')')\n");
    let out = run(s.exec().arg(&own));
    assert!(
        stderr(&out).contains("with `code: true` (the program's own code)"),
        "{}",
        stderr(&out)
    );
    // A module run with `-m` is the program's own code too, not a module to grant.
    s.write("gen/run.py", "import sys\nexec('print(' + str(len(sys.argv) + 8) + ')')\n");
    let out = run(s.exec().args(["-m", "gen.run"]));
    assert!(
        stderr(&out).contains("with `code: true` (the program's own code)"),
        "{}",
        stderr(&out)
    );
    let net = s.write("net.py", "import socket\nsocket.create_connection(('127.0.0.1', 9))\n");
    let out = run(s.exec().arg(&net));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: `pysbx exec --learn"), "{}", stderr(&out));
    // (Frames of the program's own stack are handed as snapshots; every thread's are not.)
    let frames = s.write("frames.py", "import sys\nprint(sys._current_frames())\n");
    let out = run(s.exec().arg(&frames));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hint:"), "{}", stderr(&out));
}
