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
