//! `pysbx repl` through a pseudo-terminal: multi-line input, state across inputs, the static
//! gate's diagnostics, Ctrl-C, a limit that restarts the interpreter, and piped standard input.

use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

use crate::common::{pysbx, stderr, stdout};

/// Every expectation gives up after this long: a broken session fails, it never hangs. Generous
/// because the machine running the tests may be loaded, and each interpreter start is a full
/// sandbox start.
const TIMEOUT_MS: u64 = 60_000;

/// `pysbx repl` in a pseudo-terminal, in a scratch directory without configuration.
fn repl(dir: &std::path::Path, extra: &[&str]) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pysbx"));
    cmd.arg("repl").arg("--no-config").args(extra).current_dir(dir);
    // A dumb terminal keeps the line editor from sending control sequences the test would have
    // to answer; Ctrl-C then reaches pysbx as SIGINT, as it does while an input runs.
    cmd.env("TERM", "dumb").env("NO_COLOR", "1").env_remove("RUST_BACKTRACE");
    // History goes to the scratch directory, never to the home directory of whoever runs the
    // tests.
    cmd.env("PYSBX_HISTORY", dir.join("history"));
    let mut session = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn pysbx repl");
    session.exp_string(">>> ").expect("first prompt");
    session
}

fn leave(mut session: PtySession) {
    session.send_control('d').expect("send Ctrl-D");
    session.exp_eof().expect("pysbx leaves on Ctrl-D");
}

#[test]
fn multi_line_definition_then_call_keeps_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &[]);
    s.send_line("def square(x):").expect("send");
    s.exp_string("... ").expect("continuation prompt after a block header");
    s.send_line("    return x * x").expect("send");
    s.exp_string("... ").expect("a block waits for a blank line");
    s.send_line("").expect("send");
    s.exp_string(">>> ").expect("prompt after the definition");
    s.send_line("square(7)").expect("send");
    // The echo of the typed line holds no `49`: this is the displayhook's output.
    s.exp_string("49").expect("the expression's value is echoed");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("y = square(3) + 1").expect("send");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("[y] * 2").expect("send");
    s.exp_string("[10, 10]").expect("state is kept across inputs");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("xs = [1,").expect("send");
    s.exp_string("... ").expect("an open bracket continues");
    s.send_line("  2]").expect("send");
    s.exp_string(">>> ").expect("a closed bracket ends the input");
    s.send_line("sum(xs) * 14").expect("send");
    s.exp_string("42").expect("the bracketed input ran");
    s.exp_string(">>> ").expect("prompt");
    leave(s);
}

#[test]
fn a_forbidden_call_shows_its_diagnostic_and_the_session_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &[]);
    s.send_line("kept = 6").expect("send");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("import os; os.system('id')").expect("send");
    s.exp_string("warning[PSB215]").expect("the gate's diagnostic");
    s.exp_string("<input-2>:1:12").expect("pointing at the input's line and column");
    s.exp_string("PysbxBlocked").expect("the stub raises when reached");
    s.exp_string(">>> ").expect("the prompt returns");
    s.send_line("kept * 7").expect("send");
    s.exp_string("42").expect("the next input runs with the state kept");
    s.exp_string(">>> ").expect("prompt");
    leave(s);
}

#[test]
fn ctrl_c_interrupts_the_running_input_and_keeps_the_interpreter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &[]);
    s.send_line("kept = 21").expect("send");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("def spin():").expect("send");
    s.exp_string("... ").expect("continuation");
    s.send_line("    print('spin' + 'ning', flush=True)").expect("send");
    s.exp_string("... ").expect("continuation");
    s.send_line("    while True: pass").expect("send");
    s.exp_string("... ").expect("continuation");
    s.send_line("").expect("send");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("spin()").expect("send");
    // The input is running once its first line has printed.
    s.exp_string("spinning").expect("the loop started");
    s.send_control('c').expect("send Ctrl-C");
    s.exp_string("KeyboardInterrupt").expect("the loop was interrupted");
    s.exp_string(">>> ").expect("the prompt returns");
    s.send_line("kept * 2").expect("send");
    s.exp_string("42").expect("the same interpreter, its state kept");
    s.exp_string(">>> ").expect("prompt");
    leave(s);
}

#[test]
fn a_limit_that_ends_the_interpreter_starts_a_fresh_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = dir.path().join("policy.yaml");
    std::fs::write(&policy, "version: 1\nlimits: {wall_s: 2}\n").expect("write policy");
    let policy = policy.to_string_lossy().into_owned();
    let mut s = repl(dir.path(), &["--policy", &policy]);
    s.send_line("lost = 1").expect("send");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("while True: pass").expect("send");
    s.exp_string("... ").expect("continuation");
    s.send_line("").expect("send");
    s.exp_string("wall-clock limit of 2 s").expect("the end is reported");
    s.exp_string("state was lost").expect("the loss of state is said");
    s.exp_string(">>> ").expect("a fresh interpreter");
    s.send_line("lost").expect("send");
    s.exp_string("NameError").expect("the fresh interpreter has none of the old state");
    s.exp_string(">>> ").expect("prompt");
    leave(s);
}

#[test]
fn meta_commands_show_help_policy_and_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &[]);
    s.send_line(":help").expect("send");
    s.exp_string(":policy").expect("help lists the commands");
    s.exp_string(">>> ").expect("prompt");
    s.send_line(":policy").expect("send");
    s.exp_string("\"limits\"").expect("the effective policy");
    s.exp_string("isolation tier").expect("and the tier");
    s.exp_string(">>> ").expect("prompt");
    s.send_line(":rules").expect("send");
    s.exp_string("os-system").expect("the rules");
    s.exp_string(">>> ").expect("prompt");
    s.send_line(":quit").expect("send");
    s.exp_eof().expect(":quit leaves");
}

#[test]
fn a_program_on_standard_input_runs_as_exec_would() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = pysbx(dir.path())
        .args(["repl", "--no-config"])
        .write_stdin("def f(n):\n    return n * 2\n\nprint(f(21))\n")
        .output()
        .expect("run pysbx repl");
    assert_eq!(stdout(&out), "42\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = pysbx(dir.path())
        .args(["-i", "--no-config"])
        .write_stdin("import os\nprint('before')\nos.system('id')\nprint('after')\n")
        .output()
        .expect("run pysbx -i");
    assert_eq!(stdout(&out), "before\n", "{}", stderr(&out));
    assert!(stderr(&out).contains("PSB215"), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(i32::from(pysbx_sandbox::EXIT_VIOLATION)));
}

/// Interpreters (not yet reaped or not) whose environment holds `needle`.
fn interpreters_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else { continue };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let zombie = stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z'));
        if !zombie && environ.split(|b| *b == 0).any(|var| var == needle.as_bytes()) {
            found.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

#[test]
fn closing_the_terminal_ends_the_running_interpreter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &[]);
    s.send_line("import os; tmp = os.environ['TMPDIR']").expect("send");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("print('T=' + tmp)").expect("send");
    // The echo of the typed line has a quote after `T=`, the output a path.
    let (_, line) = s.exp_regex(r"T=/\S+").expect("the interpreter's private TMPDIR");
    let marker = format!("TMPDIR={}", &line[2..]);
    s.exp_string(">>> ").expect("prompt");
    assert!(!interpreters_with(&marker).is_empty(), "the marker finds the interpreter");
    s.send_line("while True: pass").expect("send");
    s.exp_string("... ").expect("continuation");
    s.send_line("").expect("send");
    // Dropping the session ends pysbx with SIGTERM, as a closing terminal would (SIGHUP).
    drop(s);
    // Bounded: the interpreter is killed before pysbx itself ends.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !interpreters_with(&marker).is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(interpreters_with(&marker), Vec::<String>::new(), "no interpreter outlives pysbx");
    // Nor does the run's private directory (TMPDIR's parent), removed before pysbx ends.
    let private = std::path::Path::new(&line[2..]).parent().expect("TMPDIR's parent").to_path_buf();
    while private.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!private.exists(), "{} left behind", private.display());
}

#[test]
fn history_is_kept_in_a_private_file_across_sessions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &[]);
    s.send_line("40 + 2").expect("send");
    s.exp_string("42").expect("the input ran");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("def f():").expect("send");
    s.exp_string("... ").expect("continuation");
    s.send_line("    return 1").expect("send");
    s.exp_string("... ").expect("continuation");
    s.send_line("").expect("send");
    s.exp_string(">>> ").expect("prompt");
    // Written as soon as each input is read, before the session ends.
    let history = std::fs::read_to_string(dir.path().join("history")).expect("history file");
    assert!(history.contains("40 + 2"), "{history}");
    assert!(history.contains("def f():"), "{history}");
    leave(s);
    let mode = std::fs::metadata(dir.path().join("history")).expect("history file").permissions();
    assert_eq!(mode.mode() & 0o777, 0o600, "inputs can hold secrets");
    // A second session starts from the saved history and appends to it.
    let mut s = repl(dir.path(), &[]);
    s.send_line("6 * 7").expect("send");
    s.exp_string("42").expect("the input ran");
    s.exp_string(">>> ").expect("prompt");
    leave(s);
    let history = std::fs::read_to_string(dir.path().join("history")).expect("history file");
    assert!(history.contains("40 + 2") && history.contains("6 * 7"), "{history}");

    // `--no-history` reads and writes no file.
    let other = tempfile::tempdir().expect("tempdir");
    let mut s = repl(other.path(), &["--no-history"]);
    s.send_line("1 + 1").expect("send");
    s.exp_string("2").expect("the input ran");
    s.exp_string(">>> ").expect("prompt");
    leave(s);
    assert!(!other.path().join("history").exists());
}

#[test]
fn input_reads_a_line_through_the_line_editor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &[]);
    s.send_line("name = input('name? ')").expect("send");
    s.exp_string("name? ").expect("input()'s prompt");
    s.send_line("Ada").expect("send");
    s.exp_string(">>> ").expect("prompt after input() returned");
    s.send_line("print('hello', name.upper())").expect("send");
    s.exp_string("hello ADA").expect("the line reached the program");
    s.exp_string(">>> ").expect("prompt");
    // End of input at input()'s prompt is EOFError in the program; the session goes on.
    s.send_line("input('more? ')").expect("send");
    s.exp_string("more? ").expect("input()'s prompt");
    s.send_control('d').expect("send Ctrl-D");
    s.exp_string("EOFError").expect("EOFError raised in the program");
    s.exp_string(">>> ").expect("the session goes on");
    s.send_line("name").expect("send");
    s.exp_string("'Ada'").expect("state kept");
    s.exp_string(">>> ").expect("prompt");
    leave(s);
}

#[test]
fn what_compiling_an_input_warns_runs_nothing_inside_the_guard() {
    // Compiling an input may warn (an escape sequence the parser does not know), and the
    // warnings machinery calls what the session replaced (`warnings.showwarning`). The guard
    // parsed and compiled each input inside its own work: the session's `showwarning`
    // resumed a generator there, whose `f_back` led to the guard's frames, and put a string of
    // its making among the inputs waiting to be compiled, which then ran under `code: false`.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path(), &["--no-gate"]);
    let inputs = [
        "import inspect, warnings; found = []; frames = []",
        "def loot(f):\n    while f is not None:\n        frames.append(f)\n        for value in list(f.f_locals.values()):\n            if type(value).__name__ == 'function' and value.__qualname__.startswith('_pysbx_guard.'):\n                found.append(value)\n        f = f.f_back\n",
        "def gen():\n    me = inspect.currentframe()\n    yield\n    while True:\n        loot(me.f_back)\n        yield\n",
        "g = gen(); next(g)",
        // The text it slips in prints a marker it spells only at run time.
        "def showwarning(message, *a, **k):\n    print('WARNED', message)\n    if not frames:\n        next(g)\n        for f in frames:\n            pending = f.f_locals.get('_repl_pending')\n            if type(pending) is list:\n                pending.append((\"print('SLIPPED' + ' IN')\", '<slipped>'))\n",
        "warnings.simplefilter('always'); warnings.showwarning = showwarning",
    ];
    for input in inputs {
        for line in input.lines() {
            s.send_line(line).expect("send");
        }
        if input.contains('\n') {
            s.send_line("").expect("a blank line ends the block");
        }
        s.exp_string(">>> ").expect("prompt");
    }
    s.send_line("pattern = '\\d'; after = 1").expect("send");
    let shown = s.exp_string(">>> ").expect("prompt after the input that warns");
    assert!(shown.contains("WARNED"), "{shown}");
    assert!(!shown.contains("SLIPPED IN"), "{shown}");
    s.send_line("print('REACHED', len(found))").expect("send");
    s.exp_string("REACHED 0").expect("no function of the guard's reached");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("print(pattern, after)").expect("send");
    s.exp_string("\\d 1").expect("both statements of the input ran");
    s.exp_string(">>> ").expect("prompt");
    s.send_line("exec(\"print('EXEC' + ' RAN')\")").expect("send");
    let shown = s.exp_string(">>> ").expect("prompt");
    assert!(shown.contains("PolicyViolation"), "{shown}");
    assert!(!shown.contains("EXEC RAN"), "{shown}");
    leave(s);
}
