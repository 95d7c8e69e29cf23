//! Names resolved during the run: the DNS server pysbx runs for the sandbox.
//!
//! Exact names are pinned before the run (see `netrelay`). A name under a `*.suffix` rule
//! cannot be: pysbx does not know which names the program will ask for. So when the policy
//! has such a rule, the sandbox's `resolv.conf` names one server, [`DNS_ADDR`] inside its own
//! network namespace, whose socket the supervisor serves. A query for a pinned name gets the
//! pinned answer; a query for a name under an allowed suffix is resolved by the supervisor
//! (the machine's resolver or the policy's `net.resolver`), its answer filtered like a pinned
//! one (loopback, private, link-local and metadata ranges dropped unless the policy names the
//! address), fixed for the rest of the run, and added to the relay's allowed destinations for
//! the rule's ports before the answer leaves; any other name is refused and reported. The
//! program never talks to a resolver itself.

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use simple_dns::rdata::{A, AAAA, RData};
use simple_dns::{
    CLASS, Name, Packet, PacketFlag, QCLASS, QTYPE, Question, RCODE, ResourceRecord, TYPE,
};

use crate::netrelay::{Allowed, Report};
use crate::policy::{HostPattern, Policy, Protocol};

/// Where the sandbox's resolver configuration points: an address of the sandbox's own loopback
/// (the whole 127/8 block is local there), bound by the trampoline and served by the supervisor.
pub(crate) const DNS_ADDR: SocketAddr =
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 53)), 53);
/// How long the supervisor waits for the policy's DNS server, per try.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);
/// Tries per question to the policy's DNS server.
const UPSTREAM_TRIES: usize = 2;
/// Queries answered at once; more are dropped (the program's resolver asks again).
const QUERIES_MAX: usize = 32;
/// The time-to-live given with every answer. The answer itself never changes during the run.
const ANSWER_TTL: u32 = 300;
/// Names resolved during one run at most; later new names are refused (a program inventing
/// names under an allowed suffix must not grow the supervisor's tables without bound).
const RESOLVED_NAMES_MAX: usize = 4096;

/// Who resolves a name for the supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Upstream {
    /// The machine's resolver (`getaddrinfo` in the supervisor).
    System,
    /// The policy's `net.resolver`, asked over UDP.
    Server(SocketAddr),
}

impl Upstream {
    pub(crate) fn of(policy: &Policy) -> Self {
        policy.resolver.map_or(Self::System, Self::Server)
    }

    /// The addresses of `name`, sorted, without duplicates.
    pub(crate) fn resolve(self, name: &str) -> io::Result<Vec<IpAddr>> {
        let mut out = match self {
            Self::System => crate::netrelay::system_resolve(name)?,
            Self::Server(server) => {
                let mut out = query(server, name, TYPE::A)?;
                // A server that knows no IPv6 address for the name may still fail the AAAA
                // question: the IPv4 answer stands.
                out.extend(query(server, name, TYPE::AAAA).unwrap_or_default());
                out
            }
        };
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// Asks `server` for the `kind` records of `name`.
fn query(server: SocketAddr, name: &str, kind: TYPE) -> io::Result<Vec<IpAddr>> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let qname = Name::new(name).map_err(|e| invalid(format!("`{name}`: {e}")))?;
    let id = query_id();
    let mut packet = Packet::new_query(id);
    packet.set_flags(PacketFlag::RECURSION_DESIRED);
    packet.questions.push(Question::new(qname, QTYPE::TYPE(kind), QCLASS::CLASS(CLASS::IN), false));
    let bytes = packet.build_bytes_vec().map_err(|e| invalid(e.to_string()))?;
    let local: SocketAddr = if server.is_ipv6() {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    };
    let sock = UdpSocket::bind(local)?;
    sock.connect(server)?;
    sock.set_read_timeout(Some(UPSTREAM_TIMEOUT))?;
    let mut buf = vec![0u8; 4096];
    let mut last = io::Error::new(io::ErrorKind::TimedOut, format!("no answer from {server}"));
    for _ in 0..UPSTREAM_TRIES {
        sock.send(&bytes)?;
        let n = match sock.recv(&mut buf) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                continue;
            }
            Err(e) => {
                last = e;
                continue;
            }
        };
        let Ok(reply) = Packet::parse(&buf[..n]) else { continue };
        if reply.id() != id {
            continue;
        }
        return match reply.rcode() {
            RCODE::NoError => Ok(reply
                .answers
                .iter()
                .filter_map(|rr| match &rr.rdata {
                    RData::A(a) => Some(IpAddr::V4(Ipv4Addr::from(a.address))),
                    RData::AAAA(a) => Some(IpAddr::V6(std::net::Ipv6Addr::from(a.address))),
                    _ => None,
                })
                .collect()),
            RCODE::NameError => {
                Err(io::Error::new(io::ErrorKind::NotFound, format!("{server}: no such name")))
            }
            other => Err(io::Error::other(format!("{server} answered {other:?}"))),
        };
    }
    Err(last)
}

/// A query id that an off-path sender cannot guess from the previous one.
fn query_id() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_usize(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() & 0xffff) as u16
}

/// Whether `name` falls under `suffix` (a strict subdomain: `a.example.org` under
/// `example.org`, `example.org` itself not).
pub(crate) fn under_suffix(name: &str, suffix: &str) -> bool {
    name.len() > suffix.len() + 1
        && name.ends_with(suffix)
        && name.as_bytes()[name.len() - suffix.len() - 1] == b'.'
}

/// The suffixes of the policy's `*.suffix` rules with a port: names under them are resolved
/// on demand, through the sandbox's DNS server.
pub(crate) fn wild_suffixes(policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = policy
        .all_net()
        .into_iter()
        .filter(|r| r.port.is_some())
        .filter_map(|r| match r.host {
            HostPattern::Suffix(s) => Some(s),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What the DNS server knows and learns during one run.
#[derive(Debug)]
pub(crate) struct Names {
    policy: Policy,
    upstream: Upstream,
    /// Pinned before the run, then every name resolved on demand, each answered the same way
    /// for the rest of the run.
    known: Mutex<BTreeMap<String, Vec<IpAddr>>>,
    /// How many names may be resolved during the run.
    resolved_max: usize,
    /// How many have been.
    resolved: AtomicUsize,
}

impl Names {
    pub(crate) fn new(policy: &Policy, pinned: &BTreeMap<String, Vec<IpAddr>>) -> Self {
        Self {
            policy: policy.clone(),
            upstream: Upstream::of(policy),
            known: Mutex::new(pinned.clone()),
            resolved_max: RESOLVED_NAMES_MAX,
            resolved: AtomicUsize::new(0),
        }
    }

    /// The addresses the sandbox gets for `name`, or `None` when pysbx does not answer it. A
    /// name under an allowed suffix is resolved the first time, filtered, remembered and added
    /// to `allowed` for the ports of the rules it falls under.
    fn answer(
        &self,
        name: &str,
        allowed: &RwLock<Allowed>,
        report: &Report,
    ) -> Option<Vec<IpAddr>> {
        if let Some(ips) = self.known.lock().ok()?.get(name) {
            return Some(ips.clone());
        }
        let rules: Vec<_> = self
            .policy
            .all_net()
            .into_iter()
            .filter(|r| matches!(&r.host, HostPattern::Suffix(s) if under_suffix(name, s)))
            .collect();
        if rules.is_empty() {
            return None;
        }
        if self.resolved.fetch_add(1, Ordering::SeqCst) >= self.resolved_max {
            report(
                true,
                format!(
                    "name lookup of {name}: more than {} names resolved during this run; refused",
                    self.resolved_max
                ),
            );
            return Some(Vec::new());
        }
        let mut notes = Vec::new();
        let kept = match self.upstream.resolve(name) {
            Ok(answer) => crate::netrelay::keep_answers(&self.policy, name, answer, &mut notes),
            Err(e) => {
                notes.push(format!("net: `{name}` could not be resolved ({e}); it has no answer"));
                Vec::new()
            }
        };
        for note in notes {
            report(false, note);
        }
        let mut known = self.known.lock().ok()?;
        // Another query for the same name may have finished first: its answer stands.
        if let Some(ips) = known.get(name) {
            return Some(ips.clone());
        }
        if let Ok(mut allowed) = allowed.write() {
            for rule in &rules {
                if let Some(port) = rule.port {
                    for ip in &kept {
                        allowed.add(rule.protocol == Protocol::Udp, *ip, port);
                    }
                }
            }
        }
        known.insert(name.to_string(), kept.clone());
        Some(kept)
    }
}

/// Serves the sandbox's DNS socket until it is shut down.
pub(crate) fn serve(
    sock: &UdpSocket,
    names: &Arc<Names>,
    allowed: &Arc<RwLock<Allowed>>,
    report: &Report,
) {
    let active = Arc::new(AtomicUsize::new(0));
    let mut buf = vec![0u8; 4096];
    while let Ok((n, src)) = sock.recv_from(&mut buf) {
        if n == 0 {
            break;
        }
        if active.load(Ordering::SeqCst) >= QUERIES_MAX {
            continue;
        }
        let Ok(back) = sock.try_clone() else { continue };
        let query = buf[..n].to_vec();
        let (names, allowed, report, active) =
            (names.clone(), allowed.clone(), report.clone(), active.clone());
        active.fetch_add(1, Ordering::SeqCst);
        std::thread::spawn(move || {
            if let Some(reply) = reply(&query, &names, &allowed, &report) {
                let _ = back.send_to(&reply, src);
            }
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// The answer to one query packet, or `None` for bytes that are not a query.
fn reply(
    query: &[u8],
    names: &Names,
    allowed: &RwLock<Allowed>,
    report: &Report,
) -> Option<Vec<u8>> {
    let packet = Packet::parse(query).ok()?;
    if packet.has_flags(PacketFlag::RESPONSE) {
        return None;
    }
    let mut out = Packet::new_reply(packet.id());
    out.set_flags(PacketFlag::RECURSION_AVAILABLE);
    if packet.has_flags(PacketFlag::RECURSION_DESIRED) {
        out.set_flags(PacketFlag::RECURSION_DESIRED);
    }
    let Some(question) = packet.questions.first() else {
        *out.rcode_mut() = RCODE::FormatError;
        return out.build_bytes_vec().ok();
    };
    out.questions.push(question.clone());
    let name = question.qname.to_string().trim_end_matches('.').to_ascii_lowercase();
    // A host name is letters, digits, hyphens and dots (and `_` of service labels): a name of
    // other bytes (escape sequences, line breaks) names no host the policy could list, and
    // is refused without being looked up or repeated in a report.
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')) {
        *out.rcode_mut() = RCODE::Refused;
        return out.build_bytes_vec().ok();
    }
    match names.answer(&name, allowed, report) {
        None => {
            report(
                true,
                format!(
                    "name lookup of {name}: pysbx answers only the names of net.allow and hosts"
                ),
            );
            *out.rcode_mut() = RCODE::Refused;
        }
        Some(ips) if ips.is_empty() => *out.rcode_mut() = RCODE::NameError,
        Some(ips) => {
            for ip in ips {
                let rdata = match (ip, question.qtype) {
                    (IpAddr::V4(a), QTYPE::TYPE(TYPE::A)) => RData::A(A { address: a.into() }),
                    (IpAddr::V6(a), QTYPE::TYPE(TYPE::AAAA)) => {
                        RData::AAAA(AAAA { address: a.into() })
                    }
                    _ => continue,
                };
                out.answers.push(ResourceRecord::new(
                    question.qname.clone(),
                    CLASS::IN,
                    ANSWER_TTL,
                    rdata,
                ));
            }
        }
    }
    out.build_bytes_vec().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_match_strict_subdomains() {
        assert!(under_suffix("a.example.org", "example.org"));
        assert!(under_suffix("a.b.example.org", "example.org"));
        assert!(!under_suffix("example.org", "example.org"));
        assert!(!under_suffix("badexample.org", "example.org"));
    }

    /// A server answering 192.0.2.7 to every A question, until the test ends.
    fn answering_server() -> SocketAddr {
        let server = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let addr = server.local_addr().expect("addr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 512];
            while let Ok((n, src)) = server.recv_from(&mut buf) {
                let Ok(q) = Packet::parse(&buf[..n]) else { continue };
                let mut r = Packet::new_reply(q.id());
                let Some(question) = q.questions.first().cloned() else { continue };
                if question.qtype == QTYPE::TYPE(TYPE::A) {
                    r.answers.push(ResourceRecord::new(
                        question.qname.clone(),
                        CLASS::IN,
                        60,
                        RData::A(A { address: Ipv4Addr::new(192, 0, 2, 7).into() }),
                    ));
                }
                r.questions.push(question);
                let _ = server.send_to(&r.build_bytes_vec().expect("build"), src);
            }
        });
        addr
    }

    #[test]
    fn names_under_a_suffix_are_resolved_once_allowed_and_bounded() {
        let mut policy = Policy::default();
        policy.net = vec![
            crate::policy::NetRule::parse("*.example.org:443").expect("rule"),
            crate::policy::NetRule::parse("udp:*.example.org:53").expect("rule"),
        ];
        policy.resolver = Some(answering_server());
        let mut names = Names::new(&policy, &BTreeMap::new());
        names.resolved_max = 2;
        let allowed = RwLock::new(Allowed::default());
        let refusals = Arc::new(Mutex::new(Vec::new()));
        let seen = refusals.clone();
        let report: Report = Arc::new(move |violation, text| {
            if violation {
                seen.lock().expect("lock").push(text);
            }
        });
        let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
        assert_eq!(names.answer("a.example.org", &allowed, &report), Some(vec![ip]));
        let a = allowed.read().expect("lock");
        assert!(a.permits(false, ip, 443) && a.permits(true, ip, 53) && !a.permits(false, ip, 80));
        drop(a);
        // The same name again is answered from memory, without counting.
        assert_eq!(names.answer("a.example.org", &allowed, &report), Some(vec![ip]));
        assert_eq!(names.answer("b.example.org", &allowed, &report), Some(vec![ip]));
        // A name outside every suffix has no answer from pysbx.
        assert_eq!(names.answer("example.net", &allowed, &report), None);
        // Past the bound, a new name is refused and reported.
        assert_eq!(names.answer("c.example.org", &allowed, &report), Some(vec![]));
        assert!(refusals.lock().expect("lock").iter().any(|r| r.contains("c.example.org")));
    }

    #[test]
    fn a_name_of_other_bytes_than_a_host_names_is_refused_unreported() {
        let names = Names::new(&Policy::default(), &BTreeMap::new());
        let allowed = RwLock::new(Allowed::default());
        let reported = Arc::new(Mutex::new(Vec::new()));
        let seen = reported.clone();
        let report: Report = Arc::new(move |_, text| seen.lock().expect("lock").push(text));
        let mut query = Packet::new_query(7);
        let qname = Name::new_unchecked("x\x1b]0;title\x07\npysbx: end.example.org");
        query.questions.push(Question::new(
            qname,
            QTYPE::TYPE(TYPE::A),
            QCLASS::CLASS(CLASS::IN),
            false,
        ));
        let bytes = query.build_bytes_vec().expect("query");
        let answer = reply(&bytes, &names, &allowed, &report).expect("a reply");
        let answer = Packet::parse(&answer).expect("parse");
        assert_eq!(answer.rcode(), RCODE::Refused);
        assert!(reported.lock().expect("lock").is_empty());
    }

    #[test]
    fn queries_round_trip_through_a_server() {
        let ips = Upstream::Server(answering_server()).resolve("www.example.org").expect("resolve");
        assert_eq!(ips, vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7))]);
    }
}
