//! Per-module capabilities: one program, two modules, only one of them granted a loopback
//! destination. The granted module's connection must arrive; the other's must be refused and
//! the alert must name it.

use crate::exec_support::{CLIENT, Scratch, exec_with_events, listener, run, stderr, stdout};

fn program(s: &Scratch, port: u16) -> std::path::PathBuf {
    s.write("granted/__init__.py", "");
    s.write("granted/client.py", CLIENT);
    s.write("other.py", CLIENT);
    s.write(
        "main.py",
        &format!(
            "import granted.client, other\n\
             print('granted', granted.client.send({port}, 'from-granted'))\n\
             try:\n    other.send({port}, 'from-other')\n    print('other connected')\n\
             except PermissionError as e:\n    print('other refused')\n"
        ),
    )
}

#[test]
fn only_the_granted_module_reaches_its_destination() {
    let (port, received) = listener();
    let s = Scratch::new();
    let main = program(&s, port);
    // `granted` covers its submodules; `other` and `__main__` get the top-level grants (none).
    let policy =
        s.write("p.yaml", &format!("modules:\n  granted: {{net: [\"127.0.0.1:{port}\"]}}\n"));
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &policy, &events, &main, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "granted ok\nother refused\n", "{}", stderr(&out));
    let got: Vec<String> = received.try_iter().collect();
    assert_eq!(got, vec!["from-granted".to_string()]);
    let text = std::fs::read_to_string(&events).expect("events file");
    let violations: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .filter(|v| v["type"] == "event" && v["kind"] == "violation")
        .collect();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0]["module"], "other");
    assert_eq!(violations[0]["clause"], "net");
    assert!(
        violations[0]["file"].as_str().unwrap_or("").ends_with("other.py"),
        "{}",
        violations[0]
    );
    assert!(stderr(&out).contains("(module other)"), "{}", stderr(&out));
}

#[test]
fn a_glob_grants_every_matching_package() {
    let (port, received) = listener();
    let s = Scratch::new();
    let main = program(&s, port);
    // `gran*` matches the package `granted` (and so `granted.client`), not `other`.
    let policy =
        s.write("p.yaml", &format!("modules:\n  \"gran*\": {{net: [\"127.0.0.1:{port}\"]}}\n"));
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "granted ok\nother refused\n", "{}", stderr(&out));
    assert_eq!(received.try_iter().collect::<Vec<_>>(), vec!["from-granted".to_string()]);
}

/// A module is the one its code was compiled for, not what its `__name__` says: a program
/// that names itself after a granted module gets nothing of that module's grants.
#[test]
fn a_program_cannot_take_a_modules_grants_by_its_name() {
    let s = Scratch::new();
    s.write("vendor/__init__.py", "");
    let policy = s.write("p.yaml", "modules:\n  vendor: {process: true}\n");
    let main = s.write(
        "main.py",
        "__name__ = 'vendor'\n\
         import subprocess\n\
         try:\n    subprocess.run(['/bin/true'])\n    print('ran')\n\
         except PermissionError:\n    print('refused')\n\
         g = {'__name__': 'vendor.tool'}\n\
         try:\n    exec('import os; os.system(\"true\")', g)\n    print('ran')\n\
         except PermissionError:\n    print('refused')\n",
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&main));
    assert_eq!(stdout(&out), "refused\nrefused\n", "{}", stderr(&out));
}

/// The `code` grant: a module that generates code at import (as `attrs`, `jinja2` and the
/// like do) runs when granted it; the program's own dynamic code (made at run time, not a
/// constant the gate reads) is still refused, and the code the module made is held to every
/// other clause.
#[test]
fn a_code_grant_lets_a_code_generator_run() {
    let s = Scratch::new();
    s.write(
        "codegen.py",
        "def make_init(fields):\n\
         \x20   src = 'def __init__(self, ' + ', '.join(fields) + '):\\n'\n\
         \x20   src += ''.join('    self.%s = %s\\n' % (f, f) for f in fields)\n\
         \x20   ns = {}\n\
         \x20   exec(compile(src, '<generated init>', 'exec'), ns)\n\
         \x20   return ns['__init__']\n\
         def make_shell():\n\
         \x20   ns = {}\n\
         \x20   exec('import os\\ndef run(): return os.system(\"true\")', ns)\n\
         \x20   return ns['run']\n\
         class Point:\n\
         \x20   __init__ = make_init(['x', 'y'])\n",
    );
    let main = s.write(
        "main.py",
        "import codegen\n\
         p = codegen.Point(1, 2)\n\
         print('point', p.x, p.y)\n\
         def run(text):\n    exec(text)\n\
         try:\n    run('print(\"own exec ran\")')\n\
         except PermissionError:\n    print('own exec refused')\n\
         try:\n    codegen.make_shell()()\n    print('shell ran')\n\
         except PermissionError:\n    print('shell refused')\n",
    );
    // Without the grant the gate stubs the generator: the import fails.
    let refused = run(s.exec().arg(&main));
    assert_eq!(refused.status.code(), Some(122), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("PSB10"), "{}", stderr(&refused));
    let policy = s.write("p.yaml", "modules:\n  codegen: {code: true}\n");
    let granted = run(s.exec().arg("--policy").arg(&policy).arg(&main));
    assert_eq!(
        stdout(&granted),
        "point 1 2\nown exec refused\nshell refused\n",
        "{}",
        stderr(&granted)
    );
    // Granted to the whole program, its own `exec` runs too.
    let everyone = s.write("all.yaml", "code: true\n");
    let out = run(s.exec().arg("--policy").arg(&everyone).arg(&main));
    assert!(stdout(&out).starts_with("point 1 2\nown exec ran\n"), "{}", stderr(&out));
    assert!(stdout(&out).ends_with("shell refused\n"), "{}", stderr(&out));
}

#[test]
fn a_code_grant_lets_a_generator_fix_the_cells_of_the_class_it_rebuilds() {
    // As `attrs` does for slotted classes: the generator compiles a method, rebuilds the class
    // and points the methods' `__class__` cells (`super()`) at the new class through
    // `__closure__`. Under the default policy the gate hands those reads and the cell's
    // assignment to the guard, which answers for any function but its own; a `code` grant
    // leaves the rule in place (reported), and the guard lets the granted module set `__code__`
    // (code it could make) and still refuses that to the program, which may only read it.
    let s = Scratch::new();
    s.write(
        "gen/__init__.py",
        "def build(cls):\n\
         \x20   ns = {}\n\
         \x20   exec('def total(self):\\n    return self.x + self.y\\n', ns)\n\
         \x20   body = {k: v for k, v in cls.__dict__.items() if k not in ('__dict__', '__weakref__')}\n\
         \x20   body['total'] = ns['total']\n\
         \x20   body['__slots__'] = ('x', 'y')\n\
         \x20   new = type(cls.__name__, cls.__bases__, body)\n\
         \x20   for item in cls.__dict__.values():\n\
         \x20       for cell in getattr(item, '__closure__', None) or ():\n\
         \x20           if cell.cell_contents is cls:\n\
         \x20               cell.cell_contents = new\n\
         \x20   return new\n\
         def code_of(f):\n\
         \x20   return f.__code__\n",
    );
    let main = s.write(
        "main.py",
        "import gen\n\
         @gen.build\n\
         class P:\n\
         \x20   def __init__(self, x, y):\n\
         \x20       self.x, self.y = x, y\n\
         \x20   def describe(self):\n\
         \x20       return type(self).__name__ + str(super().__sizeof__() > 0) + str(self.total())\n\
         print(P(1, 2).describe())\n\
         print(gen.code_of(P.describe).co_name)\n\
         print(P.describe.__code__.co_name)\n\
         try:\n    P.describe.__code__ = gen.code_of(P.total)\n    print('own code set')\n\
         except PermissionError:\n    print('own code set refused')\n",
    );
    let default = run(s.exec().arg(&main));
    assert_eq!(
        stdout(&default),
        "PTrue3\ndescribe\ndescribe\nown code set refused\n",
        "{}",
        stderr(&default)
    );
    assert_eq!(default.status.code(), Some(0), "{}", stderr(&default));
    let policy = s.write("p.yaml", "modules:\n  gen: {code: true}\n");
    let granted = run(s.exec().arg("--policy").arg(&policy).arg(&main));
    assert_eq!(
        stdout(&granted),
        "PTrue3\ndescribe\ndescribe\nown code set refused\n",
        "{}",
        stderr(&granted)
    );
    assert!(stderr(&granted).contains("gate [PSB703]"), "reported: {}", stderr(&granted));
}

/// A module's grants belong to its file where the program cannot change it: a `vendor.py` the
/// program writes into its own writable working directory and imports from there is the
/// program's code under `vendor`'s name, and gets nothing of `vendor`'s grants.
#[test]
fn a_module_file_the_program_could_write_gets_no_grants() {
    let s = Scratch::new();
    let policy = s.write("p.yaml", "modules:\n  vendor: {process: true}\n");
    let main = s.write(
        "main.py",
        "import os, sys\n\
         with open('vendor.py', 'w') as f:\n\
         \x20   f.write('import os\\ndef go():\\n    return os.system(\"true\")\\n')\n\
         sys.path.insert(0, os.getcwd())\n\
         import vendor\n\
         try:\n    vendor.go()\n    print('ran')\n\
         except PermissionError:\n    print('refused')\n",
    );
    // Run from another directory: the working directory is the run's own, writable one.
    let elsewhere = tempfile::tempdir().expect("test setup");
    let out = run(s
        .exec()
        .current_dir(elsewhere.path())
        .arg("--no-gate")
        .arg("--policy")
        .arg(&policy)
        .arg(&main));
    assert_eq!(stdout(&out), "refused\n", "{}", stderr(&out));
}

/// A package whose `__path__` points at another directory (as setuptools' `distutils` points
/// at `setuptools/_distutils`) imports its submodules from files that are not theirs by name:
/// they load, through the gate, as the program's code, without the package's grants; a
/// submodule in the package's own directory keeps them.
#[test]
fn a_module_from_a_redirected_path_loads_without_the_packages_grants() {
    let s = Scratch::new();
    let probe = "import os\ndef go():\n    try:\n        os.system('true')\n        return 'ran'\n    except PermissionError:\n        return 'refused'\n";
    s.write("elsewhere/moved.py", probe);
    s.write("vendor/own.py", probe);
    s.write(
        "vendor/__init__.py",
        "import os\n__path__.append(os.path.join(os.path.dirname(os.path.dirname(__file__)), 'elsewhere'))\n",
    );
    let policy = s.write("p.yaml", "modules:\n  vendor: {process: true}\n");
    let main = s.write(
        "main.py",
        "import vendor.own, vendor.moved\nprint(vendor.own.go(), vendor.moved.go())\n",
    );
    let out = run(s.exec().arg("--policy").arg(&policy).arg(&main));
    assert_eq!(stdout(&out), "ran refused\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// A module's file grants are its own: the guard's top-level lists held the kernel's union,
/// every module's grants included, so the program itself read and wrote where only a module
/// was granted (the kernel, which cannot tell modules apart, allowed it).
#[test]
fn a_modules_file_grants_are_not_the_programs() {
    let s = Scratch::new();
    let granted = tempfile::tempdir().expect("test setup");
    std::fs::write(granted.path().join("secret.txt"), "MODULE-ONLY\n").expect("test setup");
    let dir = granted.path().display().to_string();
    s.write(
        "trusted.py",
        &format!("def read():\n    return open({:?}).read()\n", format!("{dir}/secret.txt")),
    );
    let policy = s.write(
        "policy.yaml",
        &format!("modules:\n  trusted: {{fs: {{read: [{dir:?}], write: [{dir:?}]}}}}\n"),
    );
    let script = s.write(
        "main.py",
        &format!(
            "import trusted\nprint('MODULE', trusted.read().strip())\nfor step in (lambda: open({path:?}).read(), lambda: open({out:?}, 'w')):\n    try:\n        step()\n        print('PROGRAM DID IT')\n    except PermissionError:\n        print('PROGRAM REFUSED')\n",
            path = format!("{dir}/secret.txt"),
            out = format!("{dir}/written.txt"),
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    assert!(text.contains("MODULE MODULE-ONLY\n"), "{ctx}");
    assert_eq!(text.matches("PROGRAM REFUSED").count(), 2, "{ctx}");
    assert!(!granted.path().join("written.txt").exists(), "{ctx}");
}

#[test]
fn a_modules_process_grant_is_not_lent_through_the_native_module() {
    // A module granted `process` imports `subprocess`, which leaves `_posixsubprocess` in
    // `sys.modules`; its `fork_exec` raises no event, and the kernel allows processes for the
    // whole run. Called by the program, it is judged for the program, as `subprocess` is, and
    // a copy of the native module made anew is refused too, as is the call after the program
    // replaced the check in the facades' namespace (which it can write).
    let s = Scratch::new();
    s.write(
        "helper.py",
        "import subprocess\ndef run():\n    return subprocess.run(['/bin/echo', 'HELPER-RAN'], capture_output=True, text=True).stdout\n",
    );
    let policy = s.write("policy.yaml", "modules:\n  helper: {process: true}\n");
    let script = s.write(
        "main.py",
        r#"import _imp, os, sys, helper
print(helper.run(), end="")
native = sys.modules["_posixsubprocess"]
def fork_exec():
    args = [b"/bin/sh", b"-c", b"echo PROGRAM-RAN"]
    return native.fork_exec(args, [b"/bin/sh"], True, (), None, None, -1, -1, -1, -1, -1, -1,
                            *os.pipe(), True, False, -1, None, None, None, -1, None, False)
def fresh():
    from importlib.machinery import ModuleSpec
    if "_posixsubprocess" in sys.builtin_module_names:
        return _imp.create_builtin(ModuleSpec("_posixsubprocess", None))
    return _imp.create_dynamic(ModuleSpec("x._posixsubprocess", None, origin=native.__file__))
def unchecked():
    # The facades' namespace is the program's to write: its check replaced by a no-op.
    getattr(native.fork_exec, "__glo" + "bals__")["_fork_exec"] = lambda: None
    return fork_exec()
for label, step in (("fork_exec", fork_exec), ("fresh", fresh), ("unchecked", unchecked)):
    try:
        step()
        print("PROGRAM DID", label)
    except PermissionError:
        print("PROGRAM REFUSED", label)
"#,
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    assert!(text.starts_with("HELPER-RAN\n"), "{ctx}");
    assert!(text.contains("PROGRAM REFUSED fork_exec\n"), "{ctx}");
    assert!(text.contains("PROGRAM REFUSED fresh\n"), "{ctx}");
    assert!(text.contains("PROGRAM REFUSED unchecked\n"), "{ctx}");
    assert!(!text.contains("PROGRAM-RAN"), "{ctx}");
}

#[test]
fn code_renamed_after_a_granted_module_gets_none_of_its_grants() {
    // A frame's module is the one its code was compiled for: code renamed after a granted
    // module's file would be judged with that module's grants. Under a `code` grant the
    // program may make code objects, but not named after another module's file.
    let s = Scratch::new();
    s.write("helper.py", "import subprocess\ndef run():\n    return 'HELPER'\n");
    let policy = s.write("policy.yaml", "code: true\nmodules:\n  helper: {process: true}\n");
    let script = s.write(
        "main.py",
        r#"import helper, subprocess
def spawn():
    return subprocess.run(["/bin/echo", "PROGRAM-" + "RAN"], capture_output=True, text=True).stdout
try:
    spawn.__code__ = spawn.__code__.replace(co_filename=helper.__file__)
    print("RENAMED")
except PermissionError:
    print("REFUSED rename")
try:
    print(spawn(), end="")
except PermissionError:
    print("REFUSED spawn")
print(helper.run())
"#,
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    let text = stdout(&out);
    let ctx = format!("{text}{}", stderr(&out));
    assert!(text.contains("REFUSED rename\n"), "{ctx}");
    assert!(text.contains("REFUSED spawn\n"), "{ctx}");
    assert!(!text.contains("PROGRAM-RAN"), "{ctx}");
    assert!(text.contains("HELPER\n"), "{ctx}");
}

/// A module that keeps its own functions' code (as `jinja2` does, to leave them out of template
/// tracebacks) reads `__code__` under the default policy. One that gives a function another
/// code object (as `networkx`'s decorators do) is refused, and the run ends with a hint that
/// names the module's `code` grant; granted it, the program runs.
#[test]
fn a_refused_code_set_names_the_modules_code_grant() {
    let s = Scratch::new();
    s.write(
        "tmpl/helpers.py",
        "internal = set()\n\
         def internalcode(f):\n\
         \x20   internal.add(f.__code__)\n\
         \x20   return f\n\
         @internalcode\n\
         def render(x):\n\
         \x20   return '<%s>' % x\n",
    );
    s.write(
        "tmpl/swap.py",
        "def _fast(x):\n\
         \x20   return '[%s]' % x\n\
         def optimised(f):\n\
         \x20   f.__code__ = _fast.__code__\n\
         \x20   return f\n\
         @optimised\n\
         def wrap(x):\n\
         \x20   return '(%s)' % x\n",
    );
    s.write("tmpl/__init__.py", "from tmpl.helpers import render\n");
    let reads = s.write("reads.py", "import tmpl\nprint(tmpl.render('hi'))\n");
    let read = run(s.exec().arg(&reads));
    assert_eq!(stdout(&read), "<hi>\n", "{}", stderr(&read));
    assert_eq!(read.status.code(), Some(0), "{}", stderr(&read));
    let main = s.write("main.py", "import tmpl.swap\nprint(tmpl.swap.wrap('hi'))\n");
    let refused = run(s.exec().arg(&main));
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(122), "{err}");
    assert!(err.contains("setting __code__ is not allowed (module tmpl.swap)"), "{err}");
    assert!(err.contains("`modules: {tmpl.swap: {code: true}}`"), "{err}");
    let policy = s.write("p.yaml", "modules:\n  tmpl.swap: {code: true}\n");
    let granted = run(s.exec().arg("--policy").arg(&policy).arg(&main));
    assert_eq!(stdout(&granted), "[hi]\n", "{}", stderr(&granted));
}
