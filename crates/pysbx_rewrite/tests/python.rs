//! Sanitized programs run under a plain `python3`: everything before a stub runs, the stub
//! raises `PysbxBlocked` (a `PermissionError`) naming the rule, the code and the line, and
//! tracebacks point at the original line numbers.
#![expect(clippy::unwrap_used, reason = "a failing run should stop the test with its error")]

use std::path::Path;
use std::process::{Command, Output};

use pysbx_analysis::{AnalyzeOptions, Analyzer};
use pysbx_rules::RuleSet;

/// Analyses `source` with the built-in rules (plus `extra` YAML), sanitizes it, writes it to
/// a temporary `prog.py` and runs it with `python3`.
fn sanitize_and_run(source: &str, extra: Option<&str>) -> (String, Output) {
    let mut rules = pysbx_rules::builtin_rules().unwrap();
    if let Some(yaml) = extra {
        pysbx_rules::load_rules_from_str(yaml, Path::new("extra.yaml"), "test", &mut rules)
            .unwrap();
    }
    let sanitized = sanitize(&rules, source);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prog.py");
    std::fs::write(&path, &sanitized).unwrap();
    let output = Command::new("python3").arg(&path).output().expect("python3 on PATH");
    (sanitized, output)
}

fn sanitize(rules: &RuleSet, source: &str) -> String {
    let analyzer = Analyzer::new(rules).unwrap();
    let analysis = analyzer.analyze(source, Path::new("prog.py"), &AnalyzeOptions::default());
    assert_eq!(analysis.error, None);
    pysbx_rewrite::sanitize(source, &analysis.findings, rules).unwrap().output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_forbidden_call_raises_only_when_reached_and_everything_before_runs() {
    let source = r#"import os
print("one")
def helper():
    return "two"
print(helper())
os.system("echo SHOULD-NOT-RUN")
print("three")
"#;
    let (_, output) = sanitize_and_run(source, None);
    assert_eq!(stdout(&output), "one\ntwo\n");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains(
            "PysbxBlocked: PSB215 (shell-constant-command) blocked at line 6: os.system(\"echo SHOULD-NOT-RUN\")"
        ),
        "{err}"
    );
    // The traceback points at the line the call was on in the original.
    assert!(err.contains("prog.py\", line 6, in <module>"), "{err}");
}

#[test]
fn the_stub_is_a_permission_error_a_program_can_catch() {
    let source = r#"import os
try:
    os.system("echo no")
except PermissionError as error:
    print(type(error).__name__, isinstance(error, OSError), error)
print("after")
"#;
    let (_, output) = sanitize_and_run(source, None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "PysbxBlocked True PSB215 (shell-constant-command) blocked at line 3: os.system(\"echo no\")\nafter\n"
    );
}

#[test]
fn the_programs_own_handler_of_the_stubbed_calls_failure_takes_the_stub() {
    // Handlers of the library's error (a network call with an offline fallback), of a class
    // of the program's, of a tuple, and of a class that cannot be a base (an `ImportError`,
    // with fields of its own): the first class that can be a base is added; the others leave
    // the stub as it was, still a `PermissionError`, and so does a handler that takes it as
    // it is (`OSError` beside `CalledProcessError`, whose `__init__` wants more than a message).
    let source = r#"import urllib.request, urllib.error, socket
from urllib.error import URLError
class Offline(Exception):
    pass
def fetch(url):
    try:
        return urllib.request.urlopen(url, timeout=2).read()
    except URLError as e:
        print("fallback", type(e).__name__, isinstance(e, PermissionError), e.reason.startswith("PSB402"))
try:
    fetch("http://example.com")
    try:
        socket.create_connection(("example.com", 80))
    except (ImportError, Offline) as e:
        print("tuple", isinstance(e, Offline), isinstance(e, ImportError))
    try:
        import subprocess
        subprocess.check_output(["fc-list", "--help"])
    except (OSError, subprocess.CalledProcessError) as e:
        print("as it is", type(e).__mro__[1].__name__)
    try:
        urllib.request.urlopen("http://example.com")
    except ImportError:
        print("not reached")
except PermissionError as e:
    print("outer", type(e).__mro__[1].__name__)
"#;
    let (sanitized, output) = sanitize_and_run(source, None);
    assert!(output.status.success(), "{}\n{sanitized}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "fallback PysbxBlocked True True\ntuple True False\nas it is PermissionError\nouter PermissionError\n",
        "{sanitized}"
    );
    // Sanitizing the output again changes nothing: the stubs are recognised as stubs.
    let rules = pysbx_rules::builtin_rules().unwrap();
    assert_eq!(sanitize(&rules, &sanitized), sanitized);
}

#[test]
fn an_import_succeeds_and_the_first_use_of_the_module_raises() {
    let source = r#"import ctypes
print("imported", ctypes is None)
try:
    ctypes.sizeof
except PermissionError as error:
    print("blocked:", error)
print("size", ctypes.sizeof(4))
"#;
    let (_, output) = sanitize_and_run(source, None);
    assert_eq!(
        stdout(&output),
        "imported False\nblocked: PSB301 (ctypes-import) blocked use of ctypes at line 1: import ctypes\n"
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("prog.py\", line 7, in <module>"), "{}", stderr(&output));
}

#[test]
fn stubs_that_are_never_reached_change_nothing_at_run_time() {
    let source = r#"import os
import subprocess

def never(command):
    return os.system(
        command
    )

@lambda f: f
def decorated():
    return f"{subprocess.getoutput('id')}"

data = {"k": [1, 2, 3]}
print(f"{len(data['k'])}", data["k"][-1])
print("done")
"#;
    let (sanitized, output) = sanitize_and_run(source, None);
    assert_ne!(sanitized, source);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "3 3\ndone\n");
}

#[test]
fn stripped_statements_leave_a_running_program() {
    let extra = r"
rules:
  - {id: TST001, name: strip-print-to-stderr, severity: low, action: strip, message: m,
     match: {call: sys.stderr.write}}
";
    let source = r#"import sys
for i in range(2):
    if i:
        sys.stderr.write("odd\n")
    else:
        sys.stderr.write(
            "even\n"); print("even", i)
try:
    print("body")
finally:
    sys.stderr.write("finally\n")
print("end")
"#;
    let (sanitized, output) = sanitize_and_run(source, Some(extra));
    assert_eq!(sanitized.lines().count(), source.lines().count());
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "even 0\nbody\nend\n");
    assert_eq!(stderr(&output), "");
}

#[test]
fn a_subclass_of_a_blocked_class_is_defined_and_cannot_be_instantiated() {
    let source = r#"import http.client
class Client(http.client.HTTPConnection):
    default = 1
    def __init__(self, host):
        super().__init__(host)
class Bare(http.client.HTTPConnection, object):
    pass
print("defined", Client.default, issubclass(Bare, object))
# Classes the engine does not follow to the call (a loop over the display itself would be,
# and the call stubbed): the blocked base is what refuses.
for cls in [c for c in (Client, Bare) if c]:
    try:
        cls("example.com")
    except PermissionError as error:
        print(cls.__name__, type(error).__name__, error)
"#;
    let (sanitized, output) = sanitize_and_run(source, None);
    assert_eq!(
        stdout(&output),
        "defined 1 True\n\
         Client PysbxBlocked PSB403 (http-client) blocked at line 2: http.client.HTTPConnection\n\
         Bare PysbxBlocked PSB403 (http-client) blocked at line 6: http.client.HTTPConnection\n",
        "{}\n{sanitized}",
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_blocked_base_that_binds_a_name_keeps_the_name_bound() {
    let source = r#"import http.client
try:
    class Client(base := http.client.HTTPConnection):
        pass
except PermissionError as error:
    print("class", type(error).__name__)
try:
    base()
except PermissionError as error:
    print("name", type(error).__name__)
"#;
    let (sanitized, output) = sanitize_and_run(source, None);
    assert_eq!(
        stdout(&output),
        "class PysbxBlocked\nname PysbxBlocked\n",
        "{}\n{sanitized}",
        stderr(&output)
    );
}
