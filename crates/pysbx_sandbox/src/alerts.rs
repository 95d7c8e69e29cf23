//! Live alert sinks named in the policy: an HTTP webhook and RFC 5424 syslog over UDP.
//!
//! Each sink has a thread of its own fed through a channel, so a slow or dead receiver never
//! delays the supervisor (and through it the sandboxed program). A sink that fails is reported
//! once, as a note, and never changes how the run ends.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::policy::Alert;

/// After this many events in a row were not delivered, a sink stops trying: a dead receiver
/// must not hold the end of the run for `events × retries × timeout`.
const GIVE_UP_AFTER: u32 = 3;
/// Events waiting for one sink, at most; later ones are dropped (and counted in a note). The
/// run's end event has a place of its own ([`Dispatcher::send_end`]) and is never dropped.
const ALERT_QUEUE: usize = 4096;

/// The running live sinks of one run.
pub(crate) struct Dispatcher {
    sinks: Vec<SinkThread>,
}

struct SinkThread {
    name: String,
    tx: mpsc::SyncSender<serde_json::Value>,
    /// The run's end event, delivered after every queued event.
    end: mpsc::Sender<serde_json::Value>,
    /// Events not queued because the sink was this far behind.
    dropped: std::cell::Cell<u64>,
    /// The longest one delivery may take, retries included.
    budget: Duration,
    done: mpsc::Receiver<Vec<String>>,
    handle: JoinHandle<()>,
}

impl Dispatcher {
    /// Starts one thread per webhook or syslog alert; other kinds are written at the end.
    pub(crate) fn start(alerts: &[Alert]) -> Self {
        let mut sinks = Vec::new();
        for alert in alerts {
            let (name, budget, sink): (String, Duration, Box<dyn Sink + Send>) = match alert {
                Alert::Webhook { url, timeout_s, retries } => (
                    format!("webhook {url}"),
                    Duration::from_secs(timeout_s.saturating_mul(u64::from(*retries) + 1) + 1),
                    Box::new(Webhook {
                        url: url.clone(),
                        timeout_s: *timeout_s,
                        retries: *retries,
                    }),
                ),
                Alert::Syslog { address, facility } => (
                    format!("syslog {address}"),
                    Duration::from_secs(2),
                    Box::new(Syslog::new(address, *facility)),
                ),
                Alert::Stderr | Alert::Jsonl { .. } | Alert::Sarif { .. } => continue,
            };
            // Bounded: a program can raise events faster than a webhook takes them.
            let (tx, rx) = mpsc::sync_channel::<serde_json::Value>(ALERT_QUEUE);
            let (end, end_rx) = mpsc::channel::<serde_json::Value>();
            let (done_tx, done) = mpsc::channel();
            let label = name.clone();
            let handle = std::thread::spawn(move || {
                let _ = done_tx.send(deliver_all(&label, sink, &rx, &end_rx));
            });
            sinks.push(SinkThread {
                name,
                tx,
                end,
                dropped: std::cell::Cell::new(0),
                budget,
                done,
                handle,
            });
        }
        Self { sinks }
    }

    /// Queues one JSON event for every live sink; never blocks.
    pub(crate) fn send(&self, event: &serde_json::Value) {
        for s in &self.sinks {
            if let Err(mpsc::TrySendError::Full(_)) = s.tx.try_send(event.clone()) {
                s.dropped.set(s.dropped.get() + 1);
            }
        }
    }

    /// Hands every live sink the run's end event, delivered after the events queued before
    /// it (not dropped for a full queue; still bounded by [`Dispatcher::finish`]'s wait);
    /// never blocks.
    pub(crate) fn send_end(&self, event: &serde_json::Value) {
        for s in &self.sinks {
            let _ = s.end.send(event.clone());
        }
    }

    /// Closes the queues and waits (bounded) for the sinks; returns a note per failed sink.
    pub(crate) fn finish(self) -> Vec<String> {
        let mut notes = Vec::new();
        let mut waits = Vec::new();
        for s in self.sinks {
            drop(s.tx);
            if s.dropped.get() > 0 {
                notes.push(format!(
                    "alert {}: {} events dropped: more than {ALERT_QUEUE} were waiting for delivery",
                    s.name,
                    s.dropped.get()
                ));
            }
            waits.push((s.name, s.budget, s.done, s.handle));
        }
        for (name, budget, done, handle) in waits {
            // Every queued event may take the whole budget once; more than a few never do,
            // since the sink gives up after GIVE_UP_AFTER failures in a row.
            let limit = budget.saturating_mul(GIVE_UP_AFTER + 1);
            match done.recv_timeout(limit) {
                Ok(mut n) => {
                    notes.append(&mut n);
                    let _ = handle.join();
                }
                // Left running: it holds no child resource and ends with the process.
                Err(_) => notes.push(format!(
                    "alert {name}: delivery still pending after {} s; remaining events dropped",
                    limit.as_secs()
                )),
            }
        }
        notes
    }
}

trait Sink {
    /// Delivers one event, or says why it could not.
    fn deliver(&mut self, event: &serde_json::Value) -> Result<(), String>;
}

fn deliver_all(
    name: &str,
    mut sink: Box<dyn Sink + Send>,
    rx: &mpsc::Receiver<serde_json::Value>,
    end: &mpsc::Receiver<serde_json::Value>,
) -> Vec<String> {
    let (mut sent, mut failed, mut in_a_row) = (0u32, 0u32, 0u32);
    let mut first_error: Option<String> = None;
    // The end event is sent before the queue is closed: it is waiting once the queue is drained.
    for event in rx.iter().chain(std::iter::from_fn(|| end.try_recv().ok())) {
        if in_a_row >= GIVE_UP_AFTER {
            failed += 1;
            continue;
        }
        match sink.deliver(&event) {
            Ok(()) => {
                sent += 1;
                in_a_row = 0;
            }
            Err(e) => {
                failed += 1;
                in_a_row += 1;
                if first_error.is_none() {
                    first_error = Some(e);
                }
            }
        }
    }
    if failed == 0 {
        return Vec::new();
    }
    vec![format!(
        "alert {name}: {failed} of {} events not delivered: {}",
        sent + failed,
        first_error.unwrap_or_default()
    )]
}

/// HTTP/1.1 `POST` of each event as a JSON body to a plain `http://` URL.
struct Webhook {
    url: String,
    timeout_s: u64,
    retries: u32,
}

impl Sink for Webhook {
    fn deliver(&mut self, event: &serde_json::Value) -> Result<(), String> {
        let body = event.to_string();
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(100 * u64::from(attempt)));
            }
            match post(&self.url, &body, Duration::from_secs(self.timeout_s)) {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// The parts of an `http://host[:port][/path]` URL.
pub(crate) fn split_http_url(url: &str) -> Result<(String, u16, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("`{url}` is not an http:// URL (TLS is not supported)"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("`{url}` has no host (or carries credentials)"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, p) = v6.split_once(']').ok_or_else(|| format!("`{url}`: unclosed `[`"))?;
        (h.to_string(), p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => p.parse::<u16>().map_err(|_| format!("`{url}`: bad port `{p}`"))?,
        None => 80,
    };
    if path.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(format!("`{url}`: the path has spaces or control characters"));
    }
    Ok((host, port, path.to_string()))
}

fn post(url: &str, body: &str, timeout: Duration) -> Result<(), String> {
    let (host, port, path) = split_http_url(url)?;
    let deadline = Instant::now() + timeout;
    let addrs: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host} has no address");
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = format!("connect {a}: {e}"),
        }
    }
    let mut stream = stream.ok_or(last)?;
    let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(10));
    let _ = stream.set_write_timeout(Some(left));
    let _ = stream.set_read_timeout(Some(left));
    let host_header =
        if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: pysbx/{}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        env!("CARGO_PKG_VERSION"),
        body.len()
    );
    stream.write_all(request.as_bytes()).map_err(|e| format!("send to {url}: {e}"))?;
    // Only the status line matters; a response is read up to its first line, bounded.
    let mut head = Vec::new();
    let mut buf = [0u8; 512];
    while !head.contains(&b'\n') && head.len() < 4096 {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("read from {url}: {e}")),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let line = line.lines().next().unwrap_or("");
    let status = line.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok());
    match status {
        Some(s) if (200..300).contains(&s) => Ok(()),
        Some(s) => Err(format!("{url} answered {s}")),
        None => Err(format!("{url} sent no HTTP status line")),
    }
}

/// RFC 5424 messages over UDP, one datagram per event.
struct Syslog {
    address: String,
    facility: u8,
    hostname: String,
    socket: Option<UdpSocket>,
}

impl Syslog {
    fn new(address: &str, facility: u8) -> Self {
        let hostname = nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .filter(|h| !h.is_empty() && h.is_ascii() && !h.contains(' '))
            .unwrap_or_else(|| "-".into());
        Self { address: address.to_string(), facility, hostname, socket: None }
    }
}

impl Sink for Syslog {
    fn deliver(&mut self, event: &serde_json::Value) -> Result<(), String> {
        let target = self
            .address
            .to_socket_addrs()
            .map_err(|e| format!("resolve {}: {e}", self.address))?
            .next()
            .ok_or_else(|| format!("{} has no address", self.address))?;
        if self.socket.is_none() {
            let bind = if target.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
            self.socket = Some(UdpSocket::bind(bind).map_err(|e| format!("bind: {e}"))?);
        }
        let msg = syslog_message(self.facility, &self.hostname, std::process::id(), event);
        let socket = self.socket.as_ref().ok_or("no socket")?;
        socket.send_to(msg.as_bytes(), target).map_err(|e| format!("send to {target}: {e}"))?;
        Ok(())
    }
}

/// One RFC 5424 message: `<PRI>1 TIMESTAMP HOST pysbx PID MSGID - JSON`.
pub(crate) fn syslog_message(
    facility: u8,
    hostname: &str,
    pid: u32,
    event: &serde_json::Value,
) -> String {
    let kind = event.get("type").and_then(|t| t.as_str()).unwrap_or("event");
    let msgid = match kind {
        "event" => event.get("kind").and_then(|k| k.as_str()).unwrap_or("event"),
        other => other,
    };
    // Severities: violation = warning, gate = notice, an end other than a plain exit = warning.
    let severity: u8 = match msgid {
        "violation" => 4,
        "gate" => 5,
        "end" if event.get("reason").and_then(|r| r.as_str()) != Some("exit") => 4,
        _ => 6,
    };
    let pri = u16::from(facility) * 8 + u16::from(severity);
    format!("<{pri}>1 {} {hostname} pysbx {pid} {msgid} - {event}", rfc3339_now())
}

/// The current UTC time as RFC 3339 with milliseconds.
fn rfc3339_now() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Syslog facility numbers by name (RFC 5424 table 1).
pub(crate) fn facility_number(name: &str) -> Option<u8> {
    Some(match name {
        "kern" => 0,
        "user" => 1,
        "mail" => 2,
        "daemon" => 3,
        "auth" => 4,
        "syslog" => 5,
        "authpriv" => 10,
        "local0" => 16,
        "local1" => 17,
        "local2" => 18,
        "local3" => 19,
        "local4" => 20,
        "local5" => 21,
        "local6" => 22,
        "local7" => 23,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_port_path() {
        assert_eq!(
            split_http_url("http://127.0.0.1:8080/hook?x=1").unwrap(),
            ("127.0.0.1".into(), 8080, "/hook?x=1".into())
        );
        assert_eq!(
            split_http_url("http://example.org").unwrap(),
            ("example.org".into(), 80, "/".into())
        );
        assert_eq!(split_http_url("http://[::1]:9/a").unwrap(), ("::1".into(), 9, "/a".into()));
        assert!(split_http_url("https://example.org/").is_err());
        assert!(split_http_url("http://user:pw@example.org/").is_err());
        assert!(split_http_url("http://h:99999/").is_err());
    }

    #[test]
    fn dates_are_gregorian() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }

    #[test]
    fn syslog_lines_follow_rfc5424() {
        let event = serde_json::json!({"type": "event", "kind": "violation", "clause": "net"});
        let msg = syslog_message(16, "box", 42, &event);
        // local0 (16) * 8 + warning (4) = 132.
        assert!(msg.starts_with("<132>1 "), "{msg}");
        let fields: Vec<&str> = msg.splitn(8, ' ').collect();
        assert_eq!(&fields[2..7], &["box", "pysbx", "42", "violation", "-"]);
        assert!(fields[1].ends_with('Z') && fields[1].len() == 24, "{msg}");
        let end = serde_json::json!({"type": "end", "reason": "exit"});
        assert!(syslog_message(1, "box", 1, &end).starts_with("<14>1 "));
    }

    #[test]
    fn a_dead_webhook_is_a_note_not_an_error() {
        // A port nothing listens on: bind, learn the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let d = Dispatcher::start(&[Alert::Webhook {
            url: format!("http://127.0.0.1:{port}/"),
            timeout_s: 1,
            retries: 0,
        }]);
        d.send_end(&serde_json::json!({"type": "end"}));
        let notes = d.finish();
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("1 of 1 events not delivered"), "{notes:?}");
    }

    /// Reads one HTTP request (headers, then `Content-Length` bytes of body); its body.
    fn read_body(stream: &mut TcpStream) -> String {
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "the request ended early");
            data.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&data).into_owned();
            if let Some(at) = text.find("\r\n\r\n") {
                let length: usize = text
                    .lines()
                    .find_map(|l| l.strip_prefix("Content-Length: "))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap();
                if data.len() >= at + 4 + length {
                    return text[at + 4..at + 4 + length].to_string();
                }
            }
        }
    }

    #[test]
    fn the_end_event_reaches_a_sink_that_fell_behind() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (go_tx, go) = mpsc::channel::<()>();
        let server = std::thread::spawn(move || {
            let mut bodies = Vec::new();
            for stream in listener.incoming() {
                let mut stream = stream.unwrap();
                let body = read_body(&mut stream);
                if body == "stop" {
                    return bodies;
                }
                if bodies.is_empty() {
                    // The sink waits on its first delivery while the queue fills up.
                    go.recv().unwrap();
                }
                stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").unwrap();
                bodies.push(body);
            }
            bodies
        });
        let d = Dispatcher::start(&[Alert::Webhook {
            url: format!("http://127.0.0.1:{port}/"),
            timeout_s: 30,
            retries: 0,
        }]);
        let events = ALERT_QUEUE + 500;
        for n in 0..events {
            d.send(&serde_json::json!({"type": "event", "n": n}));
        }
        d.send_end(&serde_json::json!({"type": "end"}));
        go_tx.send(()).unwrap();
        let notes = d.finish();
        let mut stop = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stop.write_all(b"POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nstop").unwrap();
        let bodies = server.join().unwrap();
        assert!(notes.iter().any(|n| n.contains("events dropped")), "{notes:?}");
        assert!(
            bodies.last().unwrap().contains("\"end\""),
            "the end event was not delivered last: {} bodies, last {:?}, notes {notes:?}",
            bodies.len(),
            bodies.last()
        );
        assert!(bodies.len() <= ALERT_QUEUE + 2, "{} deliveries", bodies.len());
        assert!(bodies.len() > ALERT_QUEUE, "{} deliveries", bodies.len());
    }
}
