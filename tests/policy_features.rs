//! Feature switches of a policy, observed from outside: a discarded standard output and a
//! recursion limit the program cannot raise.

use crate::exec_support::{Scratch, run, stderr, stdout};

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
