//! `pysbx policy explain`: the effective policy in words and as JSON, and the isolation tier a
//! probe run gets on this machine.

use crate::exec_support::{Scratch, python, run, stderr, stdout};

fn explain(s: &Scratch, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pysbx"));
    cmd.current_dir(s.path()).args(["policy", "explain", "--python"]).arg(python()).args(args);
    run(&mut cmd)
}

#[test]
fn explain_fills_defaults_and_probes_the_tier() {
    let s = Scratch::new();
    let offline = s.write("offline.yaml", "limits: {cpu_s: 3}\n");
    let online = s.write(
        "online.yaml",
        "net: {allow: [\"example.org:443\"]}\nmodules:\n  client: {process: true}\n",
    );

    let out = explain(&s, &[offline.as_os_str(), "--json".as_ref()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    // Defaults filled in: the file set only cpu_s.
    assert_eq!(doc["policy"]["limits"]["cpu_s"], 3);
    assert_eq!(doc["policy"]["limits"]["wall_s"], 30);
    assert_eq!(doc["policy"]["process"], false);
    assert_eq!(doc["probe"]["reason"], "exit");
    assert_eq!(doc["tier"]["layers"]["guard"]["state"], "applied");
    // No network: the namespace is needed (applied or failed, never skipped).
    assert_ne!(doc["tier"]["layers"]["namespace.net"]["state"], "skipped");

    let out = explain(&s, &[online.as_os_str(), "--json".as_ref()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    // Network per host: a namespace of its own where only the pinned destinations exist.
    assert_eq!(doc["tier"]["layers"]["namespace.net"]["state"], "applied", "{doc}");
    // The gate's stance, as in the text: network and process granted, code-exec stubbed.
    let listed = |key: &str, name: &str| {
        doc["gate"][key].as_array().is_some_and(|a| a.iter().any(|v| v == name))
    };
    assert!(
        listed("reports_families", "network") && listed("reports_families", "process"),
        "{doc}"
    );
    assert!(
        listed("reports_rules", "pickle-load") && listed("stubs_families", "code-exec"),
        "{doc}"
    );

    let out = explain(&s, &[online.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("network: example.org:443"), "{text}");
    assert!(text.contains("module client (and its submodules) may also: processes"), "{text}");
    assert!(text.contains("isolation tier on this machine"), "{text}");
    assert!(text.contains("seccomp"), "{text}");
    // What the exec gate leaves to the guard under it: the granted network and process
    // families, and the rules the guard confines at run time.
    let gate = text.lines().find(|l| l.contains("static gate")).unwrap_or_else(|| panic!("{text}"));
    let (kept, stubbed) =
        gate.split_once("; stubs the others of ").unwrap_or_else(|| panic!("{gate}"));
    // Names as listed: families and rules in the first part, families in the second.
    let names = |part: &str| -> Vec<String> {
        let part = part.rsplit("the rules of ").next().unwrap_or(part);
        part.split(", ").map(|n| n.trim_start_matches("and ").trim().to_string()).collect()
    };
    let (kept, stubbed) = (names(kept), names(stubbed));
    for family in ["filesystem", "network", "process", "pickle-load", "runpy-run"] {
        assert!(kept.iter().any(|n| n == family), "{family}: {gate}");
    }
    for family in ["code-exec", "ffi", "introspection"] {
        assert!(stubbed.iter().any(|n| n == family), "{family}: {gate}");
        assert!(!kept.iter().any(|n| n == family), "{family}: {gate}");
    }
    // Under the default policy the network and process families stub.
    let out = explain(&s, &[offline.as_os_str()]);
    let text = stdout(&out);
    let gate = text.lines().find(|l| l.contains("static gate")).unwrap_or_else(|| panic!("{text}"));
    assert!(gate.ends_with("network, obfuscation, process, supply-chain"), "{gate}");

    // A bad file is a usage error with its position, and nothing is probed.
    let bad = s.write("bad.yaml", "limits:\n  cpu: 1\n");
    let out = explain(&s, &[bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad.yaml:2:3"), "{}", stderr(&out));
}
