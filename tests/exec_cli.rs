//! `pysbx exec` and `pysbx policy` as a user meets them: modes, the chosen interpreter, the
//! isolation tier, event files, `--require-isolation`, policy errors, and the unprivileged path.

use std::process::Command;

use crate::exec_support::{
    Scratch, exec_as_nobody, exec_with_events, listener, process_tree_report, processes_naming,
    python, run, sandbox_processes, spawn_piped, stderr, stdout, token, track,
};

fn jsonl(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .expect("test setup")
        .lines()
        .map(|l| serde_json::from_str(l).expect("test setup"))
        .collect()
}

#[test]
fn runs_the_chosen_interpreter_after_the_uid_drop() {
    let s = Scratch::new();
    let script = s.write("who.py", "import sys, os\nprint(sys.version)\nprint(sys.prefix)\nprint(os.path.realpath(sys.executable))\nprint(os.getuid() != 0)\n");
    let out = run(s.exec().arg(&script));
    let expected = Command::new(python())
        .args(["-I", "-c", "import sys, os; print(sys.version); print(sys.prefix); print(os.path.realpath(sys.executable)); print(True)"])
        .output()
        .expect("test setup");
    assert_eq!(stdout(&out), stdout(&expected), "{}", stderr(&out));
}

/// An interpreter named by a virtual environment's link (`.venv/bin/python`) runs as that
/// environment: started under the link's name, Python finds its `pyvenv.cfg`, and the
/// environment's own packages are on `sys.path` and readable in the sandbox.
#[test]
fn a_virtual_environments_interpreter_runs_with_its_packages() {
    let s = Scratch::new();
    let venv = s.path().join("venv");
    let made = Command::new(python())
        .args(["-m", "venv", "--without-pip"])
        .arg(&venv)
        .status()
        .expect("python3 runs");
    assert!(made.success(), "venv made");
    let site = Command::new(venv.join("bin/python"))
        .args(["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
        .output()
        .expect("the environment's python runs");
    let site = std::path::PathBuf::from(String::from_utf8_lossy(&site.stdout).trim());
    std::fs::write(site.join("only_in_venv.py"), "WHERE = 'venv'\n").expect("test setup");
    let script = s.write(
        "uses_venv.py",
        "import sys, only_in_venv\nprint(only_in_venv.WHERE, sys.prefix == sys.base_prefix)\n",
    );
    let out = run(s.exec_with(&venv.join("bin/python")).arg(&script));
    assert_eq!(stdout(&out), "venv False\n", "{}", stderr(&out));
    // The base interpreter, named directly afterwards, is not taken for the environment.
    let base = run(s.exec().arg("-c").arg("import sys\nprint(sys.prefix == sys.base_prefix)"));
    assert_eq!(stdout(&base), "True\n", "{}", stderr(&base));
}

#[test]
fn code_and_module_modes() {
    let s = Scratch::new();
    let out = run(s.exec().args(["-c", "import sys; print('c', sys.argv)", "--", "a", "b"]));
    assert_eq!(stdout(&out), "c ['-c', 'a', 'b']\n", "{}", stderr(&out));
    s.write("pkgmod.py", "import sys\nprint('module', __name__, sys.argv[1:])\n");
    let out = run(s.exec().args(["-m", "pkgmod", "--", "z"]));
    assert_eq!(stdout(&out), "module __main__ ['z']\n", "{}", stderr(&out));
}

/// `-u`, or `PYTHONUNBUFFERED` in pysbx's own environment, gives the program unbuffered
/// output as `python3 -u` and the variable give it (the isolated interpreter reads no
/// `PYTHON*` variable itself): a print, a write to the binary layer, a print, in order.
#[test]
fn unbuffered_output_as_python3_dash_u() {
    let s = Scratch::new();
    let script = s.write(
        "order.py",
        "import sys\nprint('line 1')\nsys.stdout.buffer.write(b'line 2\\n')\nprint('line 3')\n",
    );
    let plain = |args: &[&str]| {
        let out = Command::new(python())
            .env_clear()
            .args(args)
            .arg(&script)
            .output()
            .expect("python3 runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let unbuffered = plain(&["-u"]);
    assert_eq!(unbuffered, "line 1\nline 2\nline 3\n");
    let buffered = plain(&[]);
    assert_eq!(buffered, "line 2\nline 1\nline 3\n");
    let out = run(s.exec().arg("-u").arg(&script));
    assert_eq!(stdout(&out), unbuffered, "{}", stderr(&out));
    let out = run(s.exec().env("PYTHONUNBUFFERED", "1").arg(&script));
    assert_eq!(stdout(&out), unbuffered, "{}", stderr(&out));
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), buffered, "{}", stderr(&out));
    // After the script, `-u` is the program's.
    let out = run(s.exec().args(["-c", "import sys; print(sys.argv[1:])", "-u"]));
    assert_eq!(stdout(&out), "['-u']\n", "{}", stderr(&out));
}

/// Runs `cmd` with `input` on its standard input, to its end.
fn with_stdin(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    let mut child = spawn_piped(cmd);
    if let Some(mut stdin) = child.stdin.take() {
        // A program refused before it reads all of its input closes the pipe early.
        let _ = std::io::Write::write_all(&mut stdin, input);
    }
    child.wait_with_output().expect("pysbx runs")
}

/// `pysbx exec -` reads the program from standard input as `python3 -` does (`curl URL |
/// pysbx exec -`): named `<stdin>` in `__file__`, tracebacks and the gate's notes, `-` as
/// `sys.argv[0]`, the arguments after it, and the rest of the input left to the program
/// (none). Like `-c` code it has no directory of its own: the one pysbx was started in is
/// not read.
#[test]
fn a_program_on_standard_input_runs_as_under_python3_dash() {
    let s = Scratch::new();
    s.write("beside.txt", "not for the program\n");
    let program = "import os, sys\n\
                   print(sys.argv, sys.orig_argv[1:], __name__, __file__, repr(sys.path[0]))\n\
                   print(repr(sys.stdin.read()), os.listdir('.'))\n\
                   def f():\n    return 1 / 0\nf()\n";
    let out = with_stdin(s.exec().args(["-", "a", "b"]), program.as_bytes());
    let plain_cwd = tempfile::tempdir().expect("test setup");
    let plain = with_stdin(
        Command::new(python()).args(["-", "a", "b"]).current_dir(plain_cwd.path()),
        program.as_bytes(),
    );
    assert_eq!(
        stdout(&plain),
        "['-', 'a', 'b'] ['-', 'a', 'b'] __main__ <stdin> ''\n'' []\n",
        "{}",
        stderr(&plain)
    );
    assert_eq!(stdout(&out), stdout(&plain), "{}", stderr(&out));
    assert_eq!(stderr(&out), stderr(&plain));
    assert!(stderr(&out).contains("File \"<stdin>\", line 5, in f"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(1));

    // What the gate stubs is named by its line of `<stdin>`, and refused as in a file.
    let out = with_stdin(s.exec().arg("-"), b"import os\nos.system('echo PWN$((6*7))')\n");
    let err = stderr(&out);
    assert!(err.contains("pysbx: <stdin>:2: gate [PSB215]"), "{err}");
    assert!(!stdout(&out).contains("PWN42"), "{err}");
    assert_eq!(out.status.code(), Some(122), "{err}");
}

/// What `pysbx exec -` cannot run is said before anything starts: text that is not UTF-8,
/// and a program larger than the gate reads (not held in memory past that).
#[test]
fn a_program_on_standard_input_that_cannot_run_is_refused_with_a_reason() {
    let s = Scratch::new();
    let out = with_stdin(s.exec().arg("-"), b"print('caf\xe9')\n");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the program on standard input is not UTF-8 (at byte offset 10)"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
    let huge = "x = 1\n".repeat(1_600_000);
    let out = with_stdin(s.exec().arg("-"), huge.as_bytes());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than the 8 MiB the static gate reads"),
        "{}",
        stderr(&out)
    );
}

/// `-c` code is as untrusted as a script, and no script's directory stands behind it: it runs
/// in an empty private directory, and the directory pysbx was started in (a home directory,
/// a checkout with its credentials) is neither listed nor read, nor its modules imported.
#[test]
fn code_mode_does_not_read_the_directory_it_was_started_in() {
    let s = Scratch::new();
    s.write("helper_mod.py", "VALUE = 41\n");
    let secret = s.write("secret.txt", "not for the program\n");
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .expect("test setup");
    let code = format!(
        "import os\nprint(os.listdir('.'))\n\
         for p in ('secret.txt', {abs:?}):\n    try:\n        print(open(p).read())\n\
         \x20   except Exception as e:\n        print('refused', type(e).__name__)\n\
         try:\n    import helper_mod\nexcept ImportError:\n    print('no helper')\n",
        abs = secret.display().to_string()
    );
    let out = run(s.exec().arg("--no-gate").args(["-c", &code]));
    let printed = stdout(&out);
    assert!(!printed.contains("not for the program"), "{printed}\n{}", stderr(&out));
    assert!(printed.starts_with("[]\n"), "an empty directory: {printed}\n{}", stderr(&out));
    assert!(printed.contains("no helper"), "{printed}\n{}", stderr(&out));
}

#[test]
fn events_file_carries_tier_violation_and_end() {
    let s = Scratch::new();
    let script = s.write("bad.py", "import os\nprint('start')\nopen('/etc/shadow')\n");
    let events = s.path().join("ev.jsonl");
    let sarif = s.path().join("ev.sarif");
    let out = run(s
        .exec()
        .arg("--no-gate")
        .arg("--events")
        .arg(&events)
        .arg("--sarif")
        .arg(&sarif)
        .arg(&script));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(stderr(&out).contains("violation [fs.read]"), "{}", stderr(&out));
    let lines = jsonl(&events);
    assert_eq!(lines[0]["type"], "start");
    let layers = &lines[0]["tier"]["layers"];
    for layer in
        ["seccomp", "landlock", "namespace.pid", "namespace.net", "uid_drop", "rlimits", "guard"]
    {
        assert_eq!(layers[layer]["state"], "applied", "{layer}: {}", lines[0]);
    }
    let violation = lines.iter().find(|l| l["type"] == "event").expect("a violation event");
    assert_eq!(violation["clause"], "fs.read");
    assert_eq!(violation["line"], 3);
    assert_eq!(violation["module"], "__main__");
    assert_eq!(violation["file"], script.display().to_string());
    assert_eq!(violation["action"], "raised");
    assert_eq!(lines.last().expect("test setup")["reason"], "violation");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("test setup"))
            .expect("test setup");
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "fs.read");
    assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
}

#[test]
fn gate_sanitizes_imported_modules() {
    let s = Scratch::new();
    s.write("lib_evil.py", "import os\ndef go():\n    return os.system('echo PWN$((6*7))')\n");
    let script = s.write("main.py", "import lib_evil\ntry:\n    lib_evil.go()\nexcept PermissionError as e:\n    print('blocked', type(e).__name__)\n");
    let events = s.path().join("ev.jsonl");
    let out = run(s.exec().arg("--events").arg(&events).arg(&script));
    assert!(!stdout(&out).contains("PWN42"));
    assert!(stdout(&out).starts_with("blocked"), "{}{}", stdout(&out), stderr(&out));
    let lines = jsonl(&events);
    let gate = lines.iter().find(|l| l["kind"] == "gate").expect("a gate event");
    assert!(gate["file"].as_str().expect("test setup").ends_with("lib_evil.py"), "{gate}");
    assert_eq!(gate["line"], 3);
}

/// What the gate left in place in a module outside the script's directory (an installed
/// library's) is counted in one line at the end, not shown line by line; `-v` shows each, and
/// the events keep each either way. A stub there is shown as it happens.
#[test]
fn library_findings_left_in_place_are_counted_not_listed() {
    let s = Scratch::new();
    let lib = s.path().join("lib");
    s.write(
        "lib/noisy.py",
        "import random\ndef roll():\n    return random.random() < 2\ndef pick(o, n):\n    return getattr(o, n)\n",
    );
    s.write("app/own.py", "import random\nx = random.random()\n");
    let script = s.write(
        "app/main.py",
        &format!(
            "import sys\nsys.path.insert(0, {:?})\nimport noisy, own\nprint(noisy.roll())\n",
            lib.display()
        ),
    );
    let policy = s.write("p.yaml", &format!("fs:\n  read: [{:?}]\n", lib.display()));
    let events = s.path().join("ev.jsonl");
    let out = run(s.exec().arg("--policy").arg(&policy).arg("--events").arg(&events).arg(&script));
    assert_eq!(stdout(&out), "True\n", "{}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains("noisy.py:3: gate"), "{err}");
    assert!(err.contains("own.py:2: gate [PSB1204]"), "the script's own modules are listed: {err}");
    assert!(
        err.contains(
            "the gate reported 2 findings in 1 imported module outside the script's directory"
        ),
        "{err}"
    );
    let kept = jsonl(&events)
        .iter()
        .filter(|l| {
            l["kind"] == "gate" && l["file"].as_str().is_some_and(|f| f.ends_with("noisy.py"))
        })
        .count();
    assert_eq!(kept, 2, "the events keep each");
    let out = run(s.exec().arg("-v").arg("--policy").arg(&policy).arg(&script));
    let err = stderr(&out);
    assert!(err.contains("noisy.py:3: gate [PSB1204]"), "{err}");
    assert!(!err.contains("the gate reported"), "{err}");
    // The program itself given as `-c` code is never a library.
    let out = run(s.exec().args(["-c", "import random\nprint(random.random() < 2)"]));
    let err = stderr(&out);
    assert!(err.contains("<string>:2: gate [PSB1204]"), "{err}");
    assert!(!err.contains("the gate reported"), "{err}");
}

/// A stub the gate put in place raises through a generator (`(_ for _ in ()).throw(...)`, an
/// expression that raises): the traceback of a stub nobody caught ends at the program's line,
/// as an exception raised there would, without the generator's frame beneath it.
#[test]
fn a_stubs_traceback_ends_at_the_programs_line() {
    let s = Scratch::new();
    s.write(
        "lib_net.py",
        "import socket\ndef fetch():\n    return socket.create_connection(('example.com', 80))\n",
    );
    let script = s.write(
        "main.py",
        "import subprocess, lib_net\ndef f():\n    subprocess.run(['ls'])\ntry:\n    f()\nexcept PermissionError:\n    print('caught')\nlib_net.fetch()\n",
    );
    let out = run(s.exec().arg(&script));
    assert_eq!(stdout(&out), "caught\n", "{}", stderr(&out));
    let err = stderr(&out);
    let tb = &err[err.find("Traceback (most recent call last):").expect("a traceback")..];
    assert!(!tb.contains("<genexpr>"), "{err}");
    let frames: Vec<&str> = tb.lines().filter(|l| l.trim_start().starts_with("File ")).collect();
    assert_eq!(frames.len(), 2, "{err}");
    assert!(frames[1].contains("lib_net.py\", line 3, in fetch"), "{err}");
    // The class the stub made in `lib_net`, named as Python names a class of that module.
    assert!(
        tb.contains("\nlib_net.PysbxBlocked: PSB401 (socket-create) blocked at line 3"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(122), "{err}");
}

/// A program the gate refuses outright (here: more findings than the gate reads) runs
/// nothing, and the user sees why: every finding the gate made before it stopped and what
/// stopped it, each with its file, line, rule and message, on standard error and in the
/// events and SARIF files (which carry the refusal's end).
#[test]
fn a_refused_program_shows_every_finding_behind_the_refusal() {
    let s = Scratch::new();
    let mut code = String::from("import os\nprint('RAN')\nos.system('echo PWN$((6*7))')\n");
    for _ in 0..10_000 {
        code.push_str("eval('1')\n");
    }
    let script = s.write("refused.py", &code);
    let events = s.path().join("ev.jsonl");
    let sarif = s.path().join("ev.sarif");
    let out = run(s.exec().arg("--events").arg(&events).arg("--sarif").arg(&sarif).arg(&script));
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(122), "{err}");
    assert!(!text.contains("RAN"), "{text}");
    let file = script.display().to_string();
    // What stopped the gate, then each finding, one line each.
    let cause = format!("pysbx: {file}:10003: gate [too-many-findings] more than 10000 findings");
    assert!(err.lines().any(|l| l.starts_with(&cause)), "{cause}: {}", &err[..err.len().min(2000)]);
    let system = format!("pysbx: {file}:3: gate [");
    assert!(err.lines().any(|l| l.starts_with(&system)), "{system}");
    // The first 256 constant strings are read in place (PSB111, eval-constant-expression);
    // past that count the engine cannot see them, so they are evaluated code it does not
    // know (PSB102, eval-builtin).
    for (line, rule) in
        [(4, "PSB111"), (259, "PSB111"), (260, "PSB102"), (5000, "PSB102"), (10_002, "PSB102")]
    {
        let eval = format!("pysbx: {file}:{line}: gate [{rule}] `builtins.eval`");
        assert!(err.lines().any(|l| l.starts_with(&eval)), "{eval}");
    }
    let gate_lines = err.lines().filter(|l| l.starts_with(&format!("pysbx: {file}:"))).count();
    assert!(gate_lines > 10_001, "{gate_lines} gate lines");
    assert!(
        err.contains("refused by the static gate"),
        "{}",
        &err[err.len().saturating_sub(500)..]
    );
    let lines = jsonl(&events);
    let kept: Vec<&serde_json::Value> = lines.iter().filter(|l| l["type"] == "event").collect();
    let refusal = kept.iter().find(|l| l["clause"] == "too-many-findings").expect("the cause");
    assert_eq!(refusal["kind"], "gate");
    assert_eq!(refusal["action"], "refused");
    assert_eq!(refusal["file"], file.as_str());
    assert_eq!(refusal["line"], 10_003);
    assert!(kept.iter().any(|l| l["line"] == 3 && l["kind"] == "gate"), "os.system's finding");
    assert!(kept.iter().any(|l| l["clause"] == "PSB111" && l["line"] == 4));
    let end = lines.last().expect("an end line");
    assert_eq!(
        (&end["type"], &end["reason"], &end["exit_code"]),
        (&"end".into(), &"violation".into(), &122.into())
    );
    assert!(end["message"].as_str().is_some_and(|m| m.contains("refused by the static gate")));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("a SARIF file"))
            .expect("JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let at = |r: &serde_json::Value| {
        r["locations"][0]["physicalLocation"]["region"]["startLine"].clone()
    };
    assert!(results.iter().any(|r| r["ruleId"] == "too-many-findings" && at(r) == 10_003));
    assert!(results.iter().any(|r| r["ruleId"] == "PSB111" && at(r) == 4));
    // A learning run learns nothing from a program that did not run.
    let learned = s.path().join("learned.yaml");
    let out = run(s.exec().arg("--learn").arg(&learned).arg(&script));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(122), "{}", &err[err.len().saturating_sub(500)..]);
    assert!(err.contains("no policy learned"), "{}", &err[err.len().saturating_sub(500)..]);
    assert!(!learned.exists());
}

/// The gate's findings in the program's own file are reported as those of the modules it
/// imports are: one line each on standard error as they happen, in the same format, and once
/// in the events file.
#[test]
fn gate_findings_of_the_program_itself_are_shown_as_they_happen() {
    let s = Scratch::new();
    s.write("lib_evil.py", "import os\ndef go():\n    return os.system('echo PWN$((6*7))')\n");
    let script = s.write(
        "main.py",
        "import os, lib_evil\nfor go in (lambda: os.system('echo PWN$((6*7))'), lib_evil.go):\n    \
         try:\n        go()\n    except PermissionError as e:\n        print('blocked')\n",
    );
    let events = s.path().join("ev.jsonl");
    let out = run(s.exec().arg("--events").arg(&events).arg(&script));
    assert!(!stdout(&out).contains("PWN42"));
    assert_eq!(stdout(&out), "blocked\nblocked\n", "{}", stderr(&out));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(": gate [")).collect();
    // The same call in both files: the same findings, told the same way.
    let own = format!("pysbx: {}:2: gate [PSB", script.display());
    let module = format!("pysbx: {}:3: gate [PSB", s.path().join("lib_evil.py").display());
    let findings = |prefix: &str| -> Vec<String> {
        lines.iter().filter_map(|l| l.strip_prefix(prefix)).map(str::to_string).collect()
    };
    assert!(findings(&own).iter().any(|l| l.ends_with("; stubbed")), "{err}");
    assert_eq!(findings(&own), findings(&module), "{err}");
    let gate: Vec<_> = jsonl(&events).into_iter().filter(|l| l["kind"] == "gate").collect();
    assert_eq!(gate.len(), lines.len(), "each finding once: {gate:?}\n{err}");
    let in_script = gate.iter().filter(|g| g["file"] == script.display().to_string()).count();
    assert_eq!(in_script, findings(&own).len(), "{gate:?}");
}

/// A gate note that comes while the program's standard error is in the middle of a line
/// starts a line of its own: the program's text stays whole before it. The program waits on
/// its standard input until the test has seen its unfinished line come through, so the note
/// (given when it then imports the module) comes after it however slow the machine.
#[test]
fn a_gate_note_does_not_run_on_from_the_programs_unfinished_line() {
    use std::io::{Read, Write};
    use std::sync::mpsc;
    use std::time::Duration;

    let s = Scratch::new();
    s.write("lib_exec.py", "def f(s):\n    return exec(*s)\n");
    let script = s.write(
        "main.py",
        "import sys\nsys.stderr.write('partial')\nsys.stderr.flush()\nsys.stdin.readline()\n\
         import lib_exec\nprint('done')\n",
    );
    let mut child = spawn_piped(s.exec().arg(&script));
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let (chunks, received) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = err_pipe.read(&mut buf) {
            if chunks.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut err = Vec::new();
    while !String::from_utf8_lossy(&err).contains("partial") {
        match received.recv_timeout(Duration::from_secs(60)) {
            Ok(chunk) => err.extend(chunk),
            Err(e) => {
                let _ = child.kill();
                panic!("the program's unfinished line never came ({e}): {err:?}");
            }
        }
    }
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin.write_all(b"go\n").expect("the program reads its input");
    drop(stdin);
    let out = child.wait_with_output().expect("pysbx ends");
    reader.join().expect("the reader ends");
    err.extend(received.try_iter().flatten());
    let err = String::from_utf8_lossy(&err);
    assert_eq!(stdout(&out), "done\n", "{err}");
    let note = format!("pysbx: {}:2: gate [PSB101]", s.path().join("lib_exec.py").display());
    assert!(err.contains(&format!("partial\n{note}")), "{err}");
}

/// What the policy grants, the gate leaves in place: under a policy allowing a destination, a
/// class deriving from `http.client.HTTPConnection` and a socket to that destination run (the
/// gate reports them), while under the default policy the gate stubs them (the class gets a
/// blocked base, the socket call raises before it connects).
#[test]
fn gate_leaves_what_the_policy_grants() {
    let s = Scratch::new();
    let (port, received) = listener();
    let word = token("granted");
    let script = s.write(
        "client.py",
        &format!(
            "import http.client, socket\nclass Conn(http.client.HTTPConnection):\n    pass\n\
             with socket.create_connection(('127.0.0.1', {port}), timeout=5) as c:\n    \
             c.sendall(b'{word}')\n    print(c.recv(2).decode())\n"
        ),
    );
    let events = s.path().join("ev.jsonl");
    let refused = run(s.exec().arg("--events").arg(&events).arg(&script));
    assert_eq!(refused.status.code(), Some(122), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("PysbxBlocked"), "{}", stderr(&refused));
    assert!(received.try_recv().is_err(), "nothing reached the listener");
    let stubbed: Vec<_> = jsonl(&events).into_iter().filter(|l| l["kind"] == "gate").collect();
    assert!(stubbed.iter().any(|g| g["action"] == "stubbed"), "{stubbed:?}");

    let policy = s.write("net.yaml", &format!("net:\n  allow: [\"127.0.0.1:{port}\"]\n"));
    let granted =
        run(s.exec().arg("--policy").arg(&policy).arg("--events").arg(&events).arg(&script));
    assert_eq!(stdout(&granted), "ok\n", "{}", stderr(&granted));
    assert_eq!(
        received.recv_timeout(std::time::Duration::from_secs(5)).as_deref(),
        Ok(word.as_str())
    );
    let gate: Vec<_> = jsonl(&events).into_iter().filter(|l| l["kind"] == "gate").collect();
    assert!(!gate.is_empty(), "the gate still reports what it found");
    assert!(gate.iter().all(|g| g["action"] == "reported"), "{gate:?}");
}

#[test]
fn kill_on_violation() {
    let s = Scratch::new();
    let policy = s.write("p.yaml", "on_violation: kill\n");
    let script = s.write("k.py", "import socket\ntry:\n    socket.socket(socket.AF_INET)\nexcept Exception:\n    pass\nprint('survived')\n");
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(out.status.code(), Some(122), "{}", stderr(&out));
    assert!(!stdout(&out).contains("survived"));
    assert!(stderr(&out).contains("killed"), "{}", stderr(&out));
}

#[test]
fn require_isolation_holds_as_root_and_rejects_unknown_layers() {
    let s = Scratch::new();
    let out = run(s.exec().arg("--require-isolation").args(["-c", "print('isolated')"]));
    assert_eq!(stdout(&out), "isolated\n", "{}", stderr(&out));
    let out = run(s.exec().arg("--require-isolation=warp-drive").args(["-c", "print(1)"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown isolation layer"), "{}", stderr(&out));
}

#[test]
fn verbose_reports_the_tier() {
    let s = Scratch::new();
    let out = run(s.exec().arg("-v").args(["-c", "pass"]));
    let err = stderr(&out);
    for needle in ["isolation tier", "landlock", "seccomp", "namespace.pid", "uid_drop"] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

#[test]
fn environment_is_reduced() {
    let s = Scratch::new();
    let out = run(s
        .exec()
        .env("AWS_SECRET_ACCESS_KEY", "leak")
        .env("PYTHONPATH", "/evil")
        .env("USER", "operator")
        .args(["-c", "import getpass, os, sys; print(sorted(os.environ)); print('/evil' in sys.path); print(getpass.getuser())"]));
    assert_eq!(
        stdout(&out),
        "['HOME', 'LANG', 'LOGNAME', 'PATH', 'TMPDIR', 'USER']\nFalse\npysbx\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn policy_check_reports_positions() {
    let s = Scratch::new();
    let good =
        s.write("good.yaml", "limits: {cpu_s: 2}\nnet:\n  allow: [\"api.example.com:443\"]\n");
    let bad = s.write("bad.yaml", "version: 1\nlimits:\n  cpu_s: 2\n  memroy_mb: 3\n");
    let contradiction = s.write("c.yaml", "fs:\n  write: [\"./out\"]\n");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
    let out = run(cmd.args(["policy", "check"]).arg(&good));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
    let out = run(cmd.args(["policy", "check"]).arg(&bad).arg(&contradiction));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains(&format!("{}:4:3:", bad.display())), "{err}");
    assert!(err.contains(&format!("{}:2:11:", contradiction.display())), "{err}");
    // exec refuses a bad policy before running anything.
    let out = run(s.exec().arg("--policy").arg(&bad).args(["-c", "print('ran')"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(!stdout(&out).contains("ran"));
}

/// The unprivileged path: pysbx itself started as an unprivileged uid (no uid drop; a user
/// namespace provides the mount, pid and network namespaces).
#[test]
fn unprivileged_path() {
    let s = Scratch::new();
    let nobody = 65534;
    let script = s.write("u.py", "import os, socket\nprint(os.getuid())\ntry:\n    socket.create_connection(('127.0.0.1', int(os.environ.get('P', '1'))))\n    print('connected')\nexcept OSError as e:\n    print('no network')\ntry:\n    open('/etc/shadow')\nexcept OSError:\n    print('no shadow')\n");
    let events = tempfile::tempdir().expect("test setup");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(events.path(), std::fs::Permissions::from_mode(0o777))
        .expect("test setup");
    let ev = events.path().join("ev.jsonl");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("test setup");
    listener.set_nonblocking(true).expect("test setup");
    let out =
        exec_as_nobody(&s).arg("--events").arg(&ev).arg(&script).output().expect("test setup");
    assert_eq!(stdout(&out), format!("{nobody}\nno network\nno shadow\n"), "{}", stderr(&out));
    assert!(listener.accept().is_err());
    let lines = jsonl(&ev);
    let layers = &lines[0]["tier"]["layers"];
    assert_eq!(layers["uid_drop"]["state"], "skipped", "{}", lines[0]);
    for layer in ["namespace.user", "namespace.pid", "namespace.net", "landlock", "seccomp"] {
        assert_eq!(layers[layer]["state"], "applied", "{layer}: {}", lines[0]);
    }
    assert!(sandbox_processes().is_empty());
}

/// Without root every mount is read-only but the write paths; a read path that holds the
/// run's private directory (TMPDIR, where it is made without root) leaves that directory, the
/// working directory and TMPDIR writable, and the program's own files there its to change.
#[test]
fn a_read_path_around_the_private_directory_leaves_it_writable() {
    let s = Scratch::new();
    let tmp = std::env::temp_dir();
    let policy = s.write("p.yaml", &format!("fs:\n  read: [{:?}]\n", tmp));
    let script = s.write(
        "rw.py",
        "import os, tempfile\nopen('w.txt', 'w').write('x')\nos.chmod('w.txt', 0o600)\nwith tempfile.NamedTemporaryFile() as t:\n    os.chmod(t.name, 0o600)\nprint('written')\n",
    );
    let out = exec_as_nobody(&s)
        .env("TMPDIR", &tmp)
        .arg("-v")
        .arg("--policy")
        .arg(&policy)
        .arg(&script)
        .output()
        .expect("test setup");
    let err = stderr(&out);
    assert_eq!(stdout(&out), "written\n", "{err}");
    assert!(err.contains("read-only but the write paths"), "{err}");
}

/// A sandbox that cannot be set up (here: `fs.root` holds a file where a directory must be)
/// ends at once with pysbx's own error, exit 125: the trampoline's stages leave without a
/// descriptor closed twice (the debug build's check aborted stage B when it was pid 1 of the
/// sandbox, which its own SIGABRT did not end, and it spun until it was killed).
#[test]
fn a_sandbox_that_cannot_be_set_up_ends_at_once() {
    let s = Scratch::new();
    s.write("rootfs/etc", "a file, not a directory\n");
    let policy = s.write("p.yaml", "fs:\n  root: \"./rootfs\"\n");
    let script = s.write("r.py", "print('ran')\n");
    let started = std::time::Instant::now();
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let elapsed = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(err.contains("sandbox setup failed"), "{err}");
    assert!(!err.contains("fatal runtime error"), "{err}");
    assert!(!stdout(&out).contains("ran"));
    assert!(elapsed < std::time::Duration::from_secs(3), "{elapsed:?}: {err}");
    assert!(sandbox_processes().is_empty(), "{:?}", sandbox_processes());
}

/// The guard's two descriptors (its requests and events to pysbx, pysbx's replies) cannot be
/// opened again through `/proc/self/fd`. A pipe's end can, by the pipe's owner and in either
/// direction (`O_RDONLY` on a write end gives a read end): without root the program runs under
/// the uid that made the pipes, and so could read the guard's requests (the ids its replies
/// carry) and write replies pysbx never made, a module's source among them. Checked as root
/// and without root.
#[test]
fn the_guards_descriptors_cannot_be_opened_again() {
    let s = Scratch::new();
    let script = s.write(
        "reopen.py",
        "import os\nfds = [int(n) for n in os.listdir('/proc/self/fd')]\nchecked = 0\nfor fd in fds:\n    if fd < 3:\n        continue\n    try:\n        target = os.readlink('/proc/self/fd/%d' % fd)\n    except OSError:\n        continue\n    if not (target.startswith('pipe:') or target.startswith('socket:')):\n        continue\n    checked += 1\n    for flags in (os.O_RDONLY, os.O_WRONLY):\n        try:\n            os.open('/proc/self/fd/%d' % fd, flags | os.O_NONBLOCK)\n            print('REOPENED', fd, target, flags)\n        except OSError as e:\n            print('refused', fd, e.errno)\nprint('checked', checked)\n",
    );
    let root = run(s.exec().arg("--no-gate").arg(&script));
    let unprivileged = exec_as_nobody(&s).arg(&script).output().expect("test setup");
    for out in [&root, &unprivileged] {
        let text = stdout(out);
        assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(out));
        assert!(text.contains("checked 2"), "the guard's two descriptors: {text}");
        assert!(!text.contains("REOPENED"), "{text}");
    }
}

/// The program runs in a network namespace of its own (not merely one without IP sockets),
/// whether pysbx runs as root or not, a new one for each run, and nothing of the run is left
/// once it has ended.
#[test]
fn the_program_gets_a_network_namespace_of_its_own_and_nothing_outlives_the_run() {
    let host = std::fs::read_link("/proc/self/ns/net").expect("the host's network namespace");
    let s = Scratch::new();
    let marker = token("netns");
    let script =
        s.write(&format!("{marker}.py"), "import os\nprint(os.readlink('/proc/self/ns/net'))\n");
    let root = run(s.exec().arg("--no-gate").arg(&script));
    let unprivileged = exec_as_nobody(&s).arg(&script).output().expect("test setup");
    for out in [&root, &unprivileged] {
        assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
        let inside = stdout(out).trim().to_string();
        assert!(inside.starts_with("net:["), "{inside}");
        assert_ne!(inside, host.display().to_string(), "the host's network namespace");
    }
    assert_ne!(stdout(&root), stdout(&unprivileged), "one namespace per run");
    // pysbx reaps the trampoline, which reaped the program, before it returns.
    let left = processes_naming(&marker);
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// The command line of [`Scratch::exec`], for a program that starts pysbx itself.
fn exec_argv(s: &Scratch) -> Vec<std::ffi::OsString> {
    let exec = s.exec();
    std::iter::once(exec.get_program())
        .chain(exec.get_args())
        .map(std::ffi::OsStr::to_os_string)
        .collect()
}

/// The program's CPU time is part of pysbx's own children's resource usage, as for a plain
/// `python` run: `time pysbx exec ...` (here GNU time) reports it, because pysbx reaps the
/// trampoline that reaped the program before it returns.
#[test]
fn time_reports_the_programs_cpu() {
    let s = Scratch::new();
    let script = s.write(
        "busy.py",
        "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end:\n    pass\n",
    );
    let mut cmd = Command::new("/usr/bin/time");
    cmd.args(["-f", "cpu %U %S"]).args(exec_argv(&s)).arg("--no-gate").arg(&script);
    let out = cmd.current_dir(s.path()).output().expect("GNU time runs pysbx");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let line = err.lines().find_map(|l| l.strip_prefix("cpu ")).expect("time's report");
    let cpu: f64 = line.split_whitespace().map(|v| v.parse::<f64>().expect("seconds")).sum();
    assert!(cpu >= 0.35, "user + system {cpu} s, the program alone used 0.4 s: {err}");
}

/// Every program under `fixtures/sandbox/` ends the way its first line says (`# expect: REASON`),
/// under small limits.
#[test]
fn sandbox_fixtures_end_as_annotated() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sandbox");
    let s = Scratch::new();
    let policy = s.write("p.yaml", "limits: {cpu_s: 1, wall_s: 10, memory_mb: 128}\n");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("test setup").flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "py") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("test setup");
        let expected =
            text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("test setup");
        let script = s.write(&path.file_name().expect("test setup").to_string_lossy(), &text);
        let events = s.path().join("fixture-events.jsonl");
        let out = exec_with_events(&s, &policy, &events, &script, &[]);
        let end = jsonl(&events).into_iter().find(|l| l["type"] == "end").expect("test setup");
        assert_eq!(end["reason"], expected, "{}: {}", path.display(), stderr(&out));
        assert!(sandbox_processes().is_empty());
        seen += 1;
    }
    assert!(seen >= 5);
    assert!(!std::path::Path::new("/tmp/pysbx-fixture-should-not-exist.txt").exists());
}

/// A `pysbx exec` killed with SIGKILL (no chance to clean up) takes the confined program with
/// it: the uid drop disarms the kernel's parent-death signal, so the sandbox arms it again.
#[test]
fn killed_supervisor_leaves_no_sandbox_process() {
    let s = Scratch::new();
    let script = s.write(
        "sleeper.py",
        "import os, time\nprint(os.environ['TMPDIR'], flush=True)\ntime.sleep(120)\n",
    );
    let mut cmd = s.exec();
    cmd.arg("--no-gate").arg(&script).stderr(std::process::Stdio::null());
    let (mut child, line, _rest) = spawn_first_line(&mut cmd);
    let private = std::path::Path::new(line.trim()).parent().expect("TMPDIR's parent").to_owned();
    assert!(!sandbox_processes().is_empty(), "the program runs under the sandbox uid");
    // `Child::kill` is SIGKILL on Unix.
    child.kill().expect("test setup");
    child.wait().expect("test setup");
    // The kernel delivers the death signals at once; allow a loaded machine a few seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !sandbox_processes().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(sandbox_processes().is_empty(), "left running: {:?}", sandbox_processes());
    // SIGKILL cannot be caught: the private directory stays until the next run removes it (any
    // run: one of a test running beside this one may come first).
    let out = run(s.exec().args(["--no-gate", "-c", "pass"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!private.exists(), "the next run removed {}", private.display());
}

/// A run removes the private directories of runs that were killed, and nothing else: not a
/// running supervisor's, not one others may write in, not a link to a directory, not a name of
/// another form.
#[test]
fn left_over_private_directories_are_removed_and_nothing_else() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    let out = run(s.exec().args(["--no-gate", "-c", "import os; print(os.environ['TMPDIR'])"]));
    let tmpdir = stdout(&out);
    // Where this machine's runs make their private directories.
    let private = std::path::Path::new(tmpdir.trim()).parent().expect("TMPDIR's parent");
    let parent = private.parent().expect("the private directory's parent");
    let namespace = std::fs::read_link("/proc/self/ns/pid").expect("test setup");
    let namespace = namespace.to_str().and_then(|n| n.strip_prefix("pid:[")?.strip_suffix(']'));
    let namespace = namespace.expect("this process's pid namespace");
    let stat = std::fs::read_to_string("/proc/self/stat").expect("test setup");
    let after_name = &stat[stat.rfind(')').expect("test setup") + 1..];
    let started = after_name.split_ascii_whitespace().nth(19).expect("field 22");
    let me = std::process::id();
    let tag = token("sweep").replace(['-', '_'], "");
    let dir = |name: &str, mode: u32| {
        let path = parent.join(name);
        std::fs::create_dir(&path).expect("test setup");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("test setup");
        path
    };
    // This process, with a start time it never had: its pid was "reused".
    let left_over = dir(&format!("pysbx-{namespace}-{me}-1-{tag}a"), 0o700);
    std::fs::write(left_over.join("file"), "x").expect("test setup");
    let running = dir(&format!("pysbx-{namespace}-{me}-{started}-{tag}b"), 0o700);
    let opened_up = dir(&format!("pysbx-{namespace}-{me}-1-{tag}c"), 0o777);
    let other_form = dir(&format!("pysbx-{tag}d"), 0o700);
    let target = s.path().join("target");
    std::fs::create_dir(&target).expect("test setup");
    std::fs::write(target.join("canary"), "keep").expect("test setup");
    let link = parent.join(format!("pysbx-{namespace}-{me}-1-{tag}e"));
    std::os::unix::fs::symlink(&target, &link).expect("test setup");
    let out = run(s.exec().args(["--no-gate", "-c", "pass"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let left = left_over.exists();
    let kept = [&running, &opened_up, &other_form].map(|p| p.is_dir());
    let link_kept = link.symlink_metadata().is_ok();
    let canary = std::fs::read_to_string(target.join("canary"));
    for p in [&left_over, &running, &opened_up, &other_form] {
        let _ = std::fs::remove_dir_all(p);
    }
    let _ = std::fs::remove_file(&link);
    assert!(!left, "the left-over directory was removed");
    assert_eq!(kept, [true; 3], "running, writable by others, other name: kept");
    assert!(link_kept, "a link is not followed or removed");
    assert_eq!(canary.expect("the link's target is untouched"), "keep");
}

/// `pysbx exec` forks its trampoline before it reads the files its arguments name; when it then
/// stops with an error (no such script, a broken policy), the trampoline must end with it
/// rather than wait for a plan that never comes.
#[test]
fn an_exec_that_fails_before_running_leaves_no_process() {
    let s = Scratch::new();
    let marker = token("early-error");
    let missing = s.path().join(format!("{marker}.py"));
    let broken = s.write(&format!("{marker}.yaml"), "limits: {cpu_s: many}\n");
    let script = s.write("ok.py", "print('never')\n");
    for cmd in [
        s.exec().arg("--no-gate").arg(&missing),
        s.exec().arg("--no-gate").arg("--policy").arg(&broken).arg(&script),
    ] {
        let out = run(cmd);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(&marker), "the error names the file: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let left = processes_naming(&marker);
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

/// Starts `cmd` (a pysbx run) with its standard output piped; returns the child once the first
/// line of output has come, that line, and the rest of the output, read to the end on a thread
/// (so that the program never writes into a closed pipe).
fn spawn_first_line(
    cmd: &mut Command,
) -> (std::process::Child, String, std::thread::JoinHandle<String>) {
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().expect("pysbx runs");
    track(&child);
    let mut line = String::new();
    let stdout = child.stdout.take().expect("piped");
    let mut reader = std::io::BufReader::new(stdout);
    std::io::BufRead::read_line(&mut reader, &mut line).expect("test setup");
    let rest = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut reader, &mut text);
        text
    });
    (child, line, rest)
}

/// Starts `pysbx exec` on a program that prints its private TMPDIR, then sleeps (catching
/// Ctrl-C as `interrupted`); returns the child and the TMPDIR once the program runs, and the
/// rest of its standard output. pysbx starts with SIGINT, SIGTERM and SIGHUP at their default
/// actions but those named in `ignored`, whatever the test runner's are (a runner started in
/// the background of a shell without job control ignores SIGINT, and so would pysbx).
fn sleeping_program(
    s: &Scratch,
    events: &std::path::Path,
    ignored: &[&str],
) -> (std::process::Child, String, std::thread::JoinHandle<String>) {
    // The first line is printed inside `try`, so a Ctrl-C sent once it has come is caught.
    // Short sleeps: a signal that lands after CPython's last check but before the sleep's
    // system call starts does not interrupt it (a plain python3 has the same window), and
    // one 120 s sleep would then hide the KeyboardInterrupt for 120 s.
    let code = "import os, time\ntry:\n    print(os.environ['TMPDIR'], flush=True)\n\
         \x20   end = time.monotonic() + 120\n    while time.monotonic() < end:\n\
         \x20       time.sleep(0.05)\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)\n\
         \x20   raise\n";
    program_under_signals(s, events, ignored, code, &["--no-gate"], &[])
}

/// Starts `pysbx exec` with `extra` arguments and the variables `env` on the program `code`,
/// whose first line of standard output is returned once it comes, with the child and a reader
/// of the rest, under the signal dispositions `sleeping_program` describes.
fn program_under_signals(
    s: &Scratch,
    events: &std::path::Path,
    ignored: &[&str],
    code: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Child, String, std::thread::JoinHandle<String>) {
    let script = s.write("sleeper.py", code);
    let caller = format!(
        "import os, signal, sys\n\
         for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):\n\
         \x20   signal.signal(s, signal.SIG_IGN if s.name in {ignored:?} else signal.SIG_DFL)\n\
         os.execv(sys.argv[1], sys.argv[1:])\n"
    );
    let exec = s.exec();
    let mut cmd = Command::new(python());
    cmd.current_dir(s.path()).env_clear().stdin(std::process::Stdio::null());
    for (key, value) in exec.get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.arg("-c").arg(caller).args(exec_argv(s));
    cmd.args(extra).arg("--events").arg(events).arg(&script);
    let (child, line, rest) = spawn_first_line(cmd.stderr(std::process::Stdio::piped()));
    (child, line.trim().to_string(), rest)
}

/// A program that prints `ready`, then sleeps for up to 60 s in short sleeps (see
/// `sleeping_program`), printing `interrupted` on `KeyboardInterrupt`.
fn interruptible_sleeper(ready: &str, interrupted: &str) -> String {
    format!(
        "import time\ntry:\n    print({ready:?}, flush=True)\n\
         \x20   end = time.monotonic() + 60\n    while time.monotonic() < end:\n\
         \x20       time.sleep(0.05)\nexcept KeyboardInterrupt:\n    print({interrupted:?}, flush=True)\n"
    )
}

/// Sends pysbx Ctrl-C's SIGINT and waits for it (see [`wait_bounded`]): its exit status and
/// what it wrote on standard error.
fn interrupt_and_wait(child: &mut std::process::Child) -> (std::process::ExitStatus, String) {
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("test setup");
    let status = wait_bounded(child);
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut err).expect("test setup");
    }
    (status, err)
}

/// Waits for `child` for at most 20 s; its exit status. Past that it is killed, and the
/// failure shows what its processes were doing (signals pending, blocked and caught) and what
/// it wrote on standard error (when the caller has not taken it).
fn wait_bounded(child: &mut std::process::Child) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("test setup") {
            return status;
        }
        if std::time::Instant::now() >= deadline {
            let tree = process_tree_report(child.id());
            let _ = child.kill();
            let _ = child.wait();
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!(
                "pysbx did not end after the signal; its processes then:\n{tree}\
                 its standard error:\n{err}"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The report a run that does not end shows ([`wait_bounded`]) lists the process and each one
/// below it, with its signal masks: a shell and the `sleep` it waits for.
#[test]
fn a_process_tree_report_lists_each_process_below_with_its_signals() {
    use std::os::unix::process::CommandExt;
    let mut shell = Command::new("sh")
        .args(["-c", "sleep 37 & wait"])
        .process_group(0)
        .spawn()
        .expect("test setup");
    let group = nix::unistd::Pid::from_raw(-i32::try_from(shell.id()).expect("pid"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut report = process_tree_report(shell.id());
    // Until the shell's child has become `sleep` and sleeps.
    let asleep = |report: &str| {
        report
            .lines()
            .nth(1)
            .is_some_and(|l| l.contains(" S (sleeping) ") && l.ends_with(" sleep 37 "))
    };
    while !asleep(&report) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        report = process_tree_report(shell.id());
    }
    let _ = nix::sys::signal::kill(group, nix::sys::signal::Signal::SIGKILL);
    let _ = shell.wait();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines.len(), 2, "{report}");
    assert!(lines[0].starts_with(&format!("{} pgrp {} ", shell.id(), shell.id())), "{report}");
    assert!(lines[0].ends_with("sh -c sleep 37 & wait "), "{report}");
    assert!(asleep(&report), "{report}");
    for line in &lines {
        assert!(line.contains(" pending ") && line.contains(" caught "), "{report}");
    }
}

#[test]
fn sigterm_and_sighup_end_the_run_cleanly() {
    for signal in [nix::sys::signal::Signal::SIGTERM, nix::sys::signal::Signal::SIGHUP] {
        let s = Scratch::new();
        let events = s.path().join("events.jsonl");
        let (mut child, tmpdir, _rest) = sleeping_program(&s, &events, &[]);
        assert!(tmpdir.starts_with('/'), "the program printed its TMPDIR: {tmpdir:?}");
        assert!(!sandbox_processes().is_empty(), "the program runs under the sandbox uid");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        nix::sys::signal::kill(pid, signal).expect("test setup");
        let status = wait_bounded(&mut child);
        assert_eq!(status.code(), Some(128 + signal as i32), "{signal}: {status:?}");
        // The run ended as a run does: its end event written, naming the signal.
        let end = jsonl(&events).into_iter().last().expect("an end line");
        assert_eq!(end["type"], "end", "{end}");
        assert_eq!(end["reason"], "stopped", "{end}");
        assert!(end["message"].as_str().is_some_and(|m| m.contains(signal.as_str())), "{end}");
        // Nothing of it is left: no process, no private directory (TMPDIR's parent).
        assert!(sandbox_processes().is_empty(), "left running: {:?}", sandbox_processes());
        let private = std::path::Path::new(&tmpdir).parent().expect("TMPDIR's parent");
        assert!(!private.exists(), "{} left behind", private.display());
    }
}

#[test]
fn ctrl_c_reaches_the_program_as_keyboard_interrupt() {
    let s = Scratch::new();
    let events = s.path().join("events.jsonl");
    let (mut child, tmpdir, rest) = sleeping_program(&s, &events, &[]);
    let mut err = child.stderr.take().expect("piped");
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("test setup");
    let status = wait_bounded(&mut child);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut err, &mut text).expect("test setup");
    // As under a plain python3: the program's own traceback, and 130 as a shell reports a
    // death by SIGINT.
    assert!(text.contains("KeyboardInterrupt"), "{text}");
    assert_eq!(rest.join().expect("reader"), "interrupted\n", "the program's handler ran");
    assert_eq!(status.code(), Some(130), "{text}");
    let end = jsonl(&events).into_iter().last().expect("an end line");
    assert_eq!(end["reason"], "exit", "{end}");
    assert_eq!(end["child_code"], 130, "{end}");
    let private = std::path::Path::new(&tmpdir).parent().expect("TMPDIR's parent");
    assert!(!private.exists(), "{} left behind", private.display());
}

/// Ctrl-C goes to the program's process group, as a terminal sends it: a child the program
/// started gets its `KeyboardInterrupt` too, as under a plain python3 in a terminal.
#[test]
fn ctrl_c_reaches_the_programs_children_in_its_group() {
    let s = Scratch::new();
    let events = s.path().join("events.jsonl");
    let policy = s.write("policy.yaml", "process: true\nlimits: {wall_s: 60}\n");
    let child_code = interruptible_sleeper("child ready", "child interrupted");
    let code = format!(
        "import subprocess, sys\n\
         child = subprocess.Popen([sys.executable, '-c', {child_code:?}], stdout=subprocess.PIPE, text=True)\n\
         ready = child.stdout.readline().strip()\n\
         try:\n    print(ready, flush=True)\n    child.wait(timeout=60)\n\
         except KeyboardInterrupt:\n    print('parent interrupted', flush=True)\n\
         \x20   print(child.stdout.read().strip(), flush=True)\n    print('child code', child.wait(), flush=True)\n"
    );
    let policy = policy.to_str().expect("utf-8 path");
    let (mut child, first, rest) =
        program_under_signals(&s, &events, &[], &code, &["--no-gate", "--policy", policy], &[]);
    assert_eq!(first, "child ready");
    let (status, err) = interrupt_and_wait(&mut child);
    assert_eq!(
        rest.join().expect("reader"),
        "parent interrupted\nchild interrupted\nchild code 0\n",
        "{err}"
    );
    assert_eq!(status.code(), Some(0), "{err}");
}

/// A Ctrl-C that reaches pysbx before it has read the interpreter's own status messages (on a
/// loaded machine; the debug build holds them back here, with the network relay, whose set-up
/// has them read on a thread of their own) waits for them: the pid known before is stage B's,
/// the pid namespace's init, which ignores SIGINT and whose group the interpreter is not in.
#[test]
fn ctrl_c_before_the_interpreters_status_is_read_still_reaches_it() {
    let s = Scratch::new();
    let events = s.path().join("events.jsonl");
    let policy = s.write("policy.yaml", "net:\n  allow: [\"127.0.0.1:9\"]\n");
    let code = interruptible_sleeper("ready", "interrupted");
    let policy = policy.to_str().expect("utf-8 path");
    let (mut child, first, rest) = program_under_signals(
        &s,
        &events,
        &[],
        &code,
        &["--no-gate", "--policy", policy],
        &[("PYSBX_TEST_INTERPRETER_LATE_MS", "1500")],
    );
    assert_eq!(first, "ready");
    let (status, err) = interrupt_and_wait(&mut child);
    assert_eq!(rest.join().expect("reader"), "interrupted\n", "{err}");
    assert_eq!(status.code(), Some(0), "{err}");
    let end = jsonl(&events).into_iter().last().expect("an end line");
    assert_eq!(end["reason"], "exit", "{end}");
}

/// A signal pysbx was started with ignored stays ignored, for pysbx and for the program, as
/// under a plain python3 (`nohup` ignores SIGHUP; a shell's `cmd &` without job control,
/// SIGINT): they do not end or interrupt the run; SIGTERM still ends it cleanly.
#[test]
fn signals_the_caller_ignores_stay_ignored() {
    let s = Scratch::new();
    let events = s.path().join("events.jsonl");
    let (mut child, tmpdir, rest) = sleeping_program(&s, &events, &["SIGHUP", "SIGINT"]);
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).expect("test setup");
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("test setup");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(child.try_wait().expect("test setup").is_none(), "the run goes on");
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("test setup");
    let status = wait_bounded(&mut child);
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_eq!(rest.join().expect("reader"), "", "no KeyboardInterrupt reached the program");
    let end = jsonl(&events).into_iter().last().expect("an end line");
    assert_eq!(end["reason"], "stopped", "{end}");
    let private = std::path::Path::new(&tmpdir).parent().expect("TMPDIR's parent");
    assert!(!private.exists(), "{} left behind", private.display());
}

/// The program starts with no signal blocked, whatever mask pysbx was started with (a mask
/// survives `execve`, and pysbx itself blocks SIGINT, SIGTERM and SIGHUP for its signal
/// thread): stage B clears it before the interpreter starts.
#[test]
fn the_program_starts_with_no_signal_blocked() {
    let s = Scratch::new();
    let script = s.write(
        "mask.py",
        "for line in open('/proc/self/status'):\n    if line.startswith('SigBlk:'):\n        print(line.split()[1])\n",
    );
    // A caller that blocks SIGINT and SIGTERM, then becomes pysbx.
    let caller = "import os, signal, sys\n\
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})\n\
        blocked = [l.split()[1] for l in open('/proc/self/status') if l.startswith('SigBlk:')]\n\
        print(blocked[0], flush=True)\n\
        os.execv(sys.argv[1], sys.argv[1:])\n";
    let mut cmd = Command::new(python());
    cmd.current_dir(s.path())
        .arg("-c")
        .arg(caller)
        .args(exec_argv(&s))
        .arg("--no-gate")
        .arg(&script);
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert_ne!(lines[0], "0000000000000000", "the caller's mask is in effect");
    assert_eq!(lines[1], "0000000000000000", "the program's mask");
}

#[test]
fn an_interpreter_that_is_missing_or_not_a_file_is_named_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("ok.py"), "print(1)\n").expect("test setup");
    for (python, reason) in [
        ("/dev/zero", "not a file (a path to the interpreter's executable is needed)"),
        ("./missing/python3", "not a file (a path to the interpreter's executable is needed)"),
        ("python-none-such", "not found on PATH"),
    ] {
        let out = crate::common::pysbx(dir.path())
            .args(["exec", "--no-config", "--python", python, "ok.py"])
            .output()
            .expect("run pysbx");
        let err = crate::common::stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(&format!("cannot use interpreter `{python}`: {reason}")), "{err}");
    }
}

/// Output the program wrote but pysbx could not pass on (a full disk) is not a success, as
/// with plain Python, whose flush at exit fails the same way; a reader that closed early
/// (`| head`) is not an error.
#[test]
fn output_that_cannot_be_written_fails_the_run() {
    let s = Scratch::new();
    let script = s.write("hello.py", "print('hello')\n");
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").expect("test setup");
    let out = s
        .exec()
        .arg(&script)
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("test setup");
    assert_eq!(out.status.code(), Some(120), "{}", stderr(&out));
    assert!(stderr(&out).contains("output was lost: standard output"), "{}", stderr(&out));
}

/// A zip application (`python -m zipapp`) is run by Python from the archive: read as source it
/// failed as text that is not UTF-8 (with the gate) or with null bytes (without): pysbx says
/// what it is and what to do instead. A directory holding a `__main__.py` runs that file, as
/// under Python.
#[test]
fn a_zip_application_is_named_as_such_and_a_directory_runs_its_main() {
    let s = Scratch::new();
    s.write("app/__main__.py", "print('from the archive')\n");
    let built = Command::new(python())
        .args(["-m", "zipapp", "app", "-o", "app.pyz", "-p", "/usr/bin/env python3"])
        .current_dir(s.path())
        .status()
        .expect("test setup");
    assert!(built.success());
    let out = run(s.exec().arg(s.path().join("app.pyz")));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("app.pyz: a zip application"), "{err}");
    assert!(err.contains("unpack it and run its `__main__.py`"), "{err}");
    assert!(stdout(&out).is_empty());

    // The directory itself, which Python runs by its `__main__.py` with the directory first
    // on `sys.path`: so does pysbx, arguments included.
    s.write("app/helper.py", "X = 5\n");
    s.write(
        "app/__main__.py",
        "import sys, helper\nprint('from the directory', helper.X, sys.argv[1:])\n",
    );
    let out = run(s.exec().arg(s.path().join("app")).arg("one"));
    assert_eq!(stdout(&out), "from the directory 5 ['one']\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plain =
        Command::new(python()).arg(s.path().join("app")).arg("one").output().expect("test setup");
    assert_eq!(String::from_utf8_lossy(&plain.stdout), stdout(&out));
}

/// A violation's message holds what the program chose (a path here): pysbx's own lines carry
/// its control characters as escapes, so a terminal sequence in it can neither erase the line
/// nor write a false one (`\x1b[2K\rpysbx: end: ...`).
#[test]
fn pysbx_lines_carry_no_control_characters_of_the_programs() {
    let s = Scratch::new();
    let script = s.write(
        "ansi.py",
        "try:\n    open('/etc/x\\x1b[2K\\rpysbx: end: fake', 'w')\nexcept PermissionError:\n    pass\nopen('/etc/\\x1b]0;title\\x07y', 'w')\n",
    );
    let out = run(s.exec().arg(&script));
    let err = stderr(&out);
    let ours: Vec<&str> = err.lines().filter(|l| l.starts_with("pysbx: ")).collect();
    assert!(ours.len() >= 3, "{err}");
    for line in &ours {
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
    }
    assert!(err.contains("changing /etc/x\\u{1b}[2K\\rpysbx: end: fake is not allowed"), "{err}");
    assert_eq!(out.status.code(), Some(122), "{err}");
}

/// The gate's notes on a module come before anything the module writes when it runs: pysbx
/// writes them, and only then lets the import go on. (Written on a channel another thread
/// prints from, they could otherwise land after the module's own lines.)
#[test]
fn the_gates_notes_on_a_module_come_before_its_output() {
    let s = Scratch::new();
    s.write(
        "helper.py",
        "import sys\nsys.stderr.write('helper running\\n')\n\
         with open('notes.txt', 'w') as f:\n    f.write('x')\n",
    );
    let script =
        s.write("main.py", "import sys\nsys.stderr.write('main running\\n')\nimport helper\n");
    for _ in 0..5 {
        let out = run(s.exec().arg(&script));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{err}");
        let note = err.find("helper.py:3: gate [PSB504]").unwrap_or(usize::MAX);
        let running = err.find("helper running").unwrap_or(0);
        assert!(note < running, "{err}");
        // (What the program wrote before, relayed from its own pipe, may come after.)
        assert!(err.contains("main running"), "{err}");
    }
}
