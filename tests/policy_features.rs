//! Feature switches of a policy, observed from outside: standard streams forwarded or
//! discarded, and a recursion limit the program cannot raise.

use std::io::Write;
use std::process::Stdio;

use crate::exec_support::{Scratch, run, spawn_piped, stderr, stdout};

/// Runs `pysbx exec` with `input` on its standard input (a pipe, as from a shell pipeline).
fn run_with_stdin(cmd: &mut std::process::Command, input: &[u8]) -> std::process::Output {
    let mut child = spawn_piped(cmd);
    let mut stdin = child.stdin.take().expect("a stdin pipe");
    stdin.write_all(input).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("pysbx runs")
}

const ECHO: &str = "import sys\ndata = sys.stdin.read()\nprint('read', len(data), repr(data[:20]))\nprint('err line', file=sys.stderr)\n";

#[test]
fn standard_input_reaches_the_program_by_default() {
    let s = Scratch::new();
    let script = s.write("echo.py", ECHO);
    let out = run_with_stdin(s.exec().arg("--no-gate").arg(&script), b"piped into pysbx\n");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "read 17 'piped into pysbx\\n'\n");
    assert!(stderr(&out).contains("err line"), "{}", stderr(&out));
}

#[test]
fn stdin_and_stderr_switched_off_read_and_write_nothing() {
    let s = Scratch::new();
    let policy = s.write("p.yaml", "features: {stdin: false, stderr: false}\n");
    let script = s.write("echo.py", ECHO);
    let out = run_with_stdin(
        s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script),
        b"must not arrive\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "read 0 ''\n");
    assert!(!stderr(&out).contains("err line"), "{}", stderr(&out));
}

#[test]
fn stdout_switched_off_is_discarded() {
    let s = Scratch::new();
    let policy = s.write("p.yaml", "features: {stdout: false}\n");
    let script =
        s.write("talk.py", "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n");
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("to stderr"), "{}", stderr(&out));
}

#[test]
fn recursion_limit_is_set_and_capped() {
    let s = Scratch::new();
    let limit = 3000;
    let policy = s.write("p.yaml", &format!("features: {{recursion_limit: {limit}}}\n"));
    let script = s.write(
        "deep.py",
        "import sys\nprint(sys.getrecursionlimit())\nsys.setrecursionlimit(10 ** 6)\nprint(sys.getrecursionlimit())\n",
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{limit}\n{limit}\n"));
}

/// Without a `recursion_limit` in the policy, a program raises its own limit as under Python
/// (recursive parsers and searches do), up to a ceiling that keeps a runaway recursion prompt.
#[test]
fn without_a_policy_limit_the_program_raises_its_own() {
    let s = Scratch::new();
    let script = s.write(
        "deep.py",
        "import sys\nprint(sys.getrecursionlimit())\nsys.setrecursionlimit(20000)\nprint(sys.getrecursionlimit())\ndef depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nprint(depth(15000))\nsys.setrecursionlimit(10 ** 9)\nprint(sys.getrecursionlimit())\ntry:\n    sys.setrecursionlimit('x')\nexcept TypeError as e:\n    print('TypeError')\n",
    );
    let out = run(s.exec().arg("--no-gate").arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "1000\n20000\n15000\n1000000\nTypeError\n");
}

/// From a terminal, the program reads what is typed through a pipe pysbx writes: the terminal
/// itself stays with pysbx (no `TIOCSTI`, no terminal settings for the sandbox to change).
#[test]
fn typed_input_reaches_the_program_but_not_the_terminal() {
    let s = Scratch::new();
    let script = s.write(
        "ask.py",
        "import sys\nprint('stdin is a terminal:', sys.stdin.isatty(), flush=True)\nline = input()\nprint('got', line[::-1])\n",
    );
    let mut cmd = s.exec();
    // The pseudo-terminal is standard input (the scratch command's default is `/dev/null`).
    cmd.arg("--no-gate").arg(&script).env("TERM", "dumb").stdin(Stdio::inherit());
    let mut session = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn pysbx");
    session.exp_string("stdin is a terminal: False").expect("the program starts");
    session.send_line("typed at the terminal").expect("type a line");
    // Reversed by the program, so the terminal's own echo of the typed line cannot match.
    session.exp_string("got lanimret eht ta depyt").expect("the program read the line");
    session.exp_eof().expect("pysbx ends with the program");
}
