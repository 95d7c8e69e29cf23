//! Scoped permits (`with pysbx.permit(...)`) and per-module import lists, through the real
//! binary: a permit never widens, nested permits intersect, code inside a permit is refused
//! what the permit leaves out although the policy grants it, and a module's own import list
//! refuses it an import another module may make.

use std::os::unix::fs::PermissionsExt;

use crate::exec_support::{
    CLIENT, Scratch, exec_with_events, listener, run, stderr, stdout, violations,
};

#[test]
fn a_permit_never_widens_the_grant() {
    let (port, received) = listener();
    let s = Scratch::new();
    s.write("client.py", CLIENT);
    let main = s.write(
        "main.py",
        &format!(
            "from pysbx import permit\nimport client\n\
             try:\n    with permit(net=['127.0.0.1:{port}']):\n        client.send({port}, 'widened')\n    print('widened')\n\
             except PermissionError as e:\n    print('refused:', e)\n\
             try:\n    with permit(process=True):\n        pass\n    print('process widened')\n\
             except PermissionError as e:\n    print('refused process')\n"
        ),
    );
    let events = s.path().join("events.jsonl");
    // The default policy grants no network and no processes: asking for them must raise at
    // the `with`, before the block runs.
    let out = run(s.exec().arg("--no-gate").arg("--events").arg(&events).arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("refused: [Errno 1] pysbx: permit() asks for 127.0.0.1:{port}")),
        "{text}\n{}",
        stderr(&out)
    );
    assert!(text.ends_with("refused process\n"), "{text}");
    assert!(received.try_iter().next().is_none(), "the widened permit reached the listener");
    let v = violations(&events);
    assert_eq!(v.len(), 2, "{v:?}");
    assert!(v.iter().all(|e| e["clause"] == "permit" && e["module"] == "__main__"), "{v:?}");
    assert_eq!(v[0]["line"], 4, "{v:?}");
}

#[test]
fn nested_permits_intersect_and_exclude_what_the_policy_grants() {
    let (port, received) = listener();
    let (other_port, other_received) = listener();
    let s = Scratch::new();
    s.write("client.py", CLIENT);
    s.write("data/keep/a.txt", "A\n");
    s.write("data/other/b.txt", "B\n");
    let out_dir = s.path().join("out");
    std::fs::create_dir(&out_dir).expect("test setup");
    // The sandbox uid (pysbx runs as root) must be able to write there.
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o777)).expect("setup");
    let main = s.write(
        "main.py",
        &format!(
            "import client, os\nfrom pysbx import permit\nos.chdir({dir:?})\n\
             def attempt(what, f):\n    try:\n        f()\n        print(what, 'ok')\n    except PermissionError:\n        print(what, 'refused')\n\
             with permit(net=['127.0.0.1:{port}'], fs_read=['data'], fs_write=['out']):\n\
             \x20   attempt('granted port', lambda: client.send({port}, 'inside'))\n\
             \x20   attempt('other port', lambda: client.send({other_port}, 'excluded'))\n\
             \x20   attempt('read keep', lambda: open('data/keep/a.txt').read())\n\
             \x20   attempt('write out', lambda: open('out/x.txt', 'w').close())\n\
             \x20   with permit(fs_read=['data/other']):\n\
             \x20       attempt('nested read keep', lambda: open('data/keep/a.txt').read())\n\
             \x20       attempt('nested read other', lambda: open('data/other/b.txt').read())\n\
             \x20       attempt('nested connect', lambda: client.send({port}, 'nested'))\n\
             \x20       attempt('nested widen', lambda: permit(net=['127.0.0.1:{other_port}']).__enter__())\n\
             attempt('after', lambda: client.send({other_port}, 'after'))\n",
            dir = s.path().display().to_string()
        ),
    );
    // The policy grants both ports, the whole data directory and `out`.
    let policy = s.write(
        "p.yaml",
        &format!(
            "net:\n  allow: [\"127.0.0.1:{port}\", \"127.0.0.1:{other_port}\"]\nfs:\n  read: [\"./data\", \"./out\"]\n  write: [\"./out\"]\n"
        ),
    );
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &policy, &events, &main, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "granted port ok\nother port refused\nread keep ok\nwrite out ok\n\
         nested read keep refused\nnested read other ok\nnested connect ok\nnested widen refused\n\
         after ok\n",
        "{}",
        stderr(&out)
    );
    // What arrived is exactly what the permits let through; the excluded port saw only the
    // connection made after the permits closed.
    assert_eq!(received.try_iter().collect::<Vec<_>>(), ["inside", "nested"]);
    assert_eq!(other_received.try_iter().collect::<Vec<_>>(), ["after"]);
    assert!(out_dir.join("x.txt").exists());
    let v = violations(&events);
    assert_eq!(v.len(), 3, "{v:?}");
    assert!(v.iter().all(|e| e["clause"] == "permit"), "{v:?}");
    // The refusal inside the permit names the module that acted and the permit's place.
    assert_eq!(v[0]["module"], "client", "{v:?}");
    let message = v[0]["message"].as_str().unwrap_or("");
    assert!(message.contains(&format!("127.0.0.1:{other_port}")), "{message}");
    assert!(message.contains("main.py:10"), "{message}");
}

#[test]
fn only_the_code_that_opened_a_permit_closes_it() {
    let s = Scratch::new();
    s.write("data/a.txt", "A\n");
    s.write("secret.txt", "S\n");
    let main = s.write(
        "main.py",
        &format!("import os\nos.chdir({:?})\nfrom pysbx import permit\n\
         def dependency(p):\n    p.__exit__(None, None, None)\n\
         with permit(fs_read=['data']) as p:\n\
         \x20   try:\n        dependency(p)\n    except PermissionError:\n        print('pop refused')\n\
         \x20   try:\n        open('secret.txt').read()\n        print('escaped')\n    except PermissionError:\n        print('still narrowed')\n\
         try:\n    permit.__enter__.__defaults__ = (None, None)\nexcept PermissionError:\n    print('defaults refused')\n\
         print(open('secret.txt').read().strip())\n", s.path().display().to_string()),
    );
    let out = run(s.exec().arg("--no-gate").arg(&main));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "pop refused\nstill narrowed\ndefaults refused\nS\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_module_refused_an_import_by_its_own_list_while_another_may() {
    let s = Scratch::new();
    s.write("strict/__init__.py", "def load():\n    import json\n    return json.dumps(1)\n");
    s.write("strict/inner.py", "def load():\n    import csv\n    return csv.QUOTE_ALL\n");
    s.write("free.py", "def load():\n    import csv\n    return csv.QUOTE_ALL\n");
    let main = s.write(
        "main.py",
        "import strict, strict.inner, free\nimport json\n\
         print('main', json.dumps(2))\n\
         for name, f in [('strict', strict.load), ('strict.inner', strict.inner.load), ('free', free.load)]:\n\
         \x20   try:\n        print(name, f())\n    except ImportError as e:\n        print(name, 'refused', type(e).__name__)\n",
    );
    // `strict` may import nothing but `os`: json (already loaded by `__main__`) and csv (new)
    // are refused to it and its submodules, not to `__main__` or `free`.
    let policy = s.write("p.yaml", "modules:\n  strict: {imports: {allow: [os]}}\n");
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &policy, &events, &main, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "main 2\nstrict refused ImportRefused\nstrict.inner refused ImportRefused\nfree 1\n",
        "{}",
        stderr(&out)
    );
    let v = violations(&events);
    assert_eq!(v.len(), 2, "{v:?}");
    assert_eq!(v[0]["module"], "strict");
    assert_eq!(v[0]["clause"], "imports");
    assert!(v[0]["message"].as_str().unwrap_or("").contains("json"), "{v:?}");
    assert_eq!(v[1]["module"], "strict.inner");
    assert!(v[1]["message"].as_str().unwrap_or("").contains("csv"), "{v:?}");
}
