//! Live alert sinks of a policy, observed from outside: a webhook received by an HTTP server on
//! 127.0.0.1, syslog datagrams received on a local UDP socket, and a dead sink that must not
//! change the run.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::sync::mpsc;

use crate::exec_support::{Scratch, exec_with_events, run, stderr, stdout};

/// A program that breaks the default policy once and carries on.
const OFFENDER: &str =
    "import os\ntry:\n    os.system('true')\nexcept PermissionError:\n    print('refused')\n";

/// An HTTP server on a thread that answers 200 to every request and passes each body on.
fn http_server() -> (u16, mpsc::Receiver<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            // The body is passed on before the answer, so it is queued once pysbx has its 200.
            let _ = tx.send((request_line, String::from_utf8_lossy(&body).into_owned()));
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
    });
    (port, rx)
}

#[test]
fn webhook_receives_each_event_as_json() {
    let (port, bodies) = http_server();
    let s = Scratch::new();
    let script = s.write("offender.py", OFFENDER);
    let policy = s.write(
        "p.yaml",
        &format!(
            "alerts:\n  - {{kind: webhook, url: \"http://127.0.0.1:{port}/hook\", timeout_s: 5}}\n"
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "refused\n");
    // pysbx waits for delivery before it exits, so every request has arrived by now.
    let got: Vec<(String, serde_json::Value)> = bodies
        .try_iter()
        .map(|(line, body)| (line, serde_json::from_str(&body).expect("JSON body")))
        .collect();
    assert!(got.iter().all(|(line, _)| line.starts_with("POST /hook HTTP/1.1")), "{got:?}");
    let violation = got
        .iter()
        .find(|(_, v)| v["type"] == "event" && v["kind"] == "violation")
        .expect("a violation was posted");
    assert_eq!(violation.1["clause"], "process");
    assert_eq!(violation.1["operation"], "os.system");
    let end = got.last().expect("an end was posted");
    assert_eq!(end.1["type"], "end");
    assert_eq!(end.1["reason"], "exit");
    assert!(!stderr(&out).contains("not delivered"), "{}", stderr(&out));
}

#[test]
fn syslog_receives_rfc5424_datagrams() {
    let collector = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = collector.local_addr().expect("addr").port();
    let s = Scratch::new();
    let script = s.write("offender.py", OFFENDER);
    let policy = s.write(
        "p.yaml",
        &format!(
            "alerts:\n  - {{kind: syslog, address: \"127.0.0.1:{port}\", facility: local3}}\n"
        ),
    );
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&policy).arg(&script));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Loopback datagrams are queued on the receiving socket before `send_to` returns.
    collector.set_nonblocking(true).expect("nonblocking");
    let mut messages = Vec::new();
    let mut buf = [0u8; 65536];
    while let Ok(n) = collector.recv(&mut buf) {
        messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert_eq!(messages.len(), 2, "{messages:?}");
    // local3 = 19; violation = warning (4): 19 * 8 + 4.
    let violation = &messages[0];
    assert!(violation.starts_with(&format!("<{}>1 ", 19 * 8 + 4)), "{violation}");
    let fields: Vec<&str> = violation.splitn(8, ' ').collect();
    assert_eq!(fields[3], "pysbx");
    assert_eq!(fields[5], "violation");
    assert_eq!(fields[6], "-");
    let json: serde_json::Value = serde_json::from_str(fields[7]).expect("JSON message");
    assert_eq!(json["clause"], "process");
    // A plain exit is informational (6).
    assert!(messages[1].starts_with(&format!("<{}>1 ", 19 * 8 + 6)), "{}", messages[1]);
    assert!(messages[1].contains(" end - "), "{}", messages[1]);
}

#[test]
fn a_dead_sink_is_reported_and_the_run_goes_on() {
    // A port nothing listens on: bound, read, closed.
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let s = Scratch::new();
    let script = s.write("offender.py", OFFENDER);
    let policy = s.write(
        "p.yaml",
        &format!(
            "alerts:\n  - {{kind: webhook, url: \"http://127.0.0.1:{port}/\", timeout_s: 1, retries: 1}}\n"
        ),
    );
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &policy, &events, &script, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "refused\n");
    let err = stderr(&out);
    assert!(err.contains(&format!("alert webhook http://127.0.0.1:{port}/")), "{err}");
    assert!(err.contains("2 of 2 events not delivered"), "{err}");
    let text = std::fs::read_to_string(&events).expect("events file");
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let note = lines.iter().find(|l| l["type"] == "note").expect("a note line");
    assert!(note["message"].as_str().unwrap_or("").contains("not delivered"), "{note}");
    assert_eq!(lines.last().expect("end")["reason"], "exit");
}
