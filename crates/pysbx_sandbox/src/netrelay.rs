//! Per-host network, enforced outside the interpreter.
//!
//! Before the run the supervisor **pins** every name the policy allows: a name listed in
//! `hosts:` gets exactly those addresses; any other exact name in `net.allow` (or a module's
//! `net`) is resolved once, here, by the machine's resolver, and the answer holds for the whole
//! run, so a name can never later resolve elsewhere (DNS rebinding). Answers in loopback,
//! private, link-local, shared or unique-local ranges (where cloud metadata services live) are
//! dropped unless the policy names such an address itself (a `hosts:` entry, an address or a
//! CIDR block in a rule).
//!
//! The kernel side: the sandbox gets a network namespace of its own whose only interface is the
//! loopback. The trampoline adds a *local* route for every pinned address and every allowed
//! CIDR block (so those addresses exist inside the namespace and nothing else does: any other
//! destination is unreachable), binds a listener on each allowed address and port (a wildcard
//! listener per port for blocks), and hands the listening sockets to the supervisor. The
//! supervisor accepts on them, checks each destination against the pinned set once more, and
//! opens the real connection from its own namespace. UDP is relayed per datagram flow the same
//! way. Nothing inside the sandbox can reach a resolver, so every name the program learns comes
//! from pysbx: pinned before the run, or, under a `*.suffix` rule, from the DNS server the
//! supervisor runs for the sandbox (`netdns`).

use std::collections::{BTreeMap, HashMap};
use std::io::IoSliceMut;
use std::net::{
    IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket,
};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::policy::{HostPattern, NetRule, Policy, Protocol, in_block, special_range};

/// The marker that ends the listener hand-over (no listener has this index).
pub(crate) const END_OF_LISTENERS: u16 = u16::MAX;
/// A UDP block larger than this many addresses cannot be relayed (one listener per address).
const UDP_BLOCK_MAX: u32 = 256;
/// Concurrent UDP flows per listener.
const UDP_FLOWS_MAX: usize = 256;
/// An idle UDP flow is forgotten after this long.
const UDP_IDLE: Duration = Duration::from_secs(120);
/// Concurrent relayed TCP connections per listener; more are reset.
const TCP_CONNECTIONS_MAX: usize = 256;
/// Time the supervisor gives an outgoing TCP connection to establish.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One socket the trampoline opens inside the sandbox's namespace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Listen {
    /// UDP (else TCP).
    pub(crate) udp: bool,
    /// The address and port; an unspecified address is a wildcard listener for blocks.
    pub(crate) addr: SocketAddr,
    /// The sandbox's DNS server socket (see `netdns`), not a relayed destination.
    #[serde(default)]
    pub(crate) dns: bool,
}

/// What the trampoline sets up in the sandbox's network namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct NetPlan {
    /// Local routes on the loopback: each address or block that exists inside the namespace.
    pub(crate) routes: Vec<(IpAddr, u8)>,
    /// Listening sockets handed to the supervisor, in this order.
    pub(crate) listeners: Vec<Listen>,
    /// The pinned names with addresses, written as the sandbox's `/etc/hosts` (with an
    /// `nsswitch.conf` that consults only it and an empty `resolv.conf`), so that every lookup
    /// inside, the C library's included, gets pysbx's answer or none.
    pub(crate) hosts: Vec<(String, Vec<IpAddr>)>,
    /// Whether names are also asked of the DNS server pysbx runs inside the namespace (the
    /// policy has `*.suffix` rules): `resolv.conf` then names it and `nsswitch.conf` consults
    /// it after `/etc/hosts`.
    #[serde(default)]
    pub(crate) dns: bool,
}

/// The names pysbx answers for the run, and what it had to say about them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Pins {
    /// Every name the guard answers, with its pinned addresses (possibly none).
    pub(crate) names: BTreeMap<String, Vec<IpAddr>>,
    /// Refused answers and failed lookups, for standard error and the events file.
    pub(crate) notes: Vec<String>,
}

/// How the network of a run is enforced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// No network: a namespace with only a down loopback.
    Offline,
    /// Pinned destinations only, relayed by the supervisor.
    Relay(NetPlan),
    /// A rule the relay cannot serve (any host or any port): the host's network, filtered by
    /// Landlock's TCP ports and the guard. The string says which rule.
    Open(String),
}

/// The machine's resolver, run in the supervisor (never inside the sandbox).
pub(crate) fn system_resolve(name: &str) -> std::io::Result<Vec<IpAddr>> {
    use std::net::ToSocketAddrs;
    let mut out: Vec<IpAddr> = (name, 0u16).to_socket_addrs()?.map(|a| a.ip()).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Pins the names of `policy`, resolving each exact name not in `hosts:` once with `resolve`.
pub(crate) fn pin(
    policy: &Policy,
    resolve: &mut dyn FnMut(&str) -> std::io::Result<Vec<IpAddr>>,
) -> Pins {
    let rules = policy.all_net();
    let mut pins = Pins { names: policy.hosts.clone(), notes: Vec::new() };
    for rule in &rules {
        let HostPattern::Name(name) = &rule.host else { continue };
        if pins.names.contains_key(name) {
            continue;
        }
        let answer = match resolve(name) {
            Ok(a) => a,
            Err(e) => {
                pins.notes.push(format!(
                    "net: `{name}` could not be resolved ({e}); connections to it are refused"
                ));
                Vec::new()
            }
        };
        let kept = keep_answers(policy, name, answer, &mut pins.notes);
        pins.names.insert(name.clone(), kept);
    }
    pins
}

/// The addresses of `answer` (for `name`) that pysbx hands out: those in loopback, private,
/// link-local, shared, unique-local and other special ranges are dropped, with a note, unless
/// the policy names the address itself (in `hosts:`, or as an address or block of a rule).
pub(crate) fn keep_answers(
    policy: &Policy,
    name: &str,
    answer: Vec<IpAddr>,
    notes: &mut Vec<String>,
) -> Vec<IpAddr> {
    let rules = policy.all_net();
    let explicit = |ip: IpAddr| {
        policy.hosts.values().flatten().any(|h| *h == ip)
            || rules.iter().any(|r| r.names_address(ip))
    };
    let mut kept = Vec::new();
    for ip in answer {
        match special_range(ip) {
            Some(range) if !explicit(ip) => notes.push(format!(
                "net: `{name}` resolved to {ip}, a {range} address; refused (list the address in `hosts:` or `net.allow` to allow it)"
            )),
            _ => kept.push(ip),
        }
    }
    kept
}

/// Whether a pinned `name` falls under `rule`'s host pattern.
fn rule_names(rule: &NetRule, name: &str) -> bool {
    match &rule.host {
        HostPattern::Name(n) => n == name,
        HostPattern::Suffix(s) => {
            name.len() > s.len() + 1
                && name.ends_with(s.as_str())
                && name.as_bytes()[name.len() - s.len() - 1] == b'.'
        }
        HostPattern::Cidr { .. } | HostPattern::Any => false,
    }
}

/// The destinations the relay lets through: pinned addresses of allowed names and listed
/// blocks, each with its protocol and port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Allowed {
    entries: Vec<(bool, IpAddr, u8, u16)>,
}

impl Allowed {
    /// The destinations of `policy` given its pins.
    pub(crate) fn new(policy: &Policy, pins: &Pins) -> Self {
        let mut entries = Vec::new();
        for rule in policy.all_net() {
            let Some(port) = rule.port else { continue };
            let udp = rule.protocol == Protocol::Udp;
            match &rule.host {
                HostPattern::Cidr { addr, prefix } => entries.push((udp, *addr, *prefix, port)),
                HostPattern::Any => {}
                HostPattern::Name(_) | HostPattern::Suffix(_) => {
                    for (name, ips) in &pins.names {
                        if rule_names(&rule, name) {
                            for ip in ips {
                                entries.push((udp, *ip, full(*ip), port));
                            }
                        }
                    }
                }
            }
        }
        entries.sort();
        entries.dedup();
        Self { entries }
    }

    /// Allows `udp` (else TCP) traffic to `ip:port` from now on (a name resolved during the
    /// run).
    pub(crate) fn add(&mut self, udp: bool, ip: IpAddr, port: u16) {
        let ip = canonical(ip);
        let entry = (udp, ip, full(ip), port);
        if let Err(at) = self.entries.binary_search(&entry) {
            self.entries.insert(at, entry);
        }
    }

    /// Whether `udp` (else TCP) traffic to `ip:port` is allowed.
    pub(crate) fn permits(&self, udp: bool, ip: IpAddr, port: u16) -> bool {
        let ip = canonical(ip);
        self.entries
            .iter()
            .any(|(u, net, prefix, p)| *u == udp && *p == port && in_block(ip, *net, *prefix))
    }
}

fn full(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

/// IPv4-mapped IPv6 addresses as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn block_size(ip: IpAddr, prefix: u8) -> u32 {
    let bits = u32::from(full(ip)) - u32::from(prefix);
    if bits >= 32 { u32::MAX } else { 1u32 << bits }
}

fn network_of(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
    }
}

/// The socket pair stage A hands the relay's listeners over (`SOCK_SEQPACKET`, close-on-exec).
pub(crate) fn relay_socketpair() -> std::io::Result<(OwnedFd, OwnedFd)> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socketpair};
    socketpair(AddressFamily::Unix, SockType::SeqPacket, None, SockFlag::SOCK_CLOEXEC)
        .map_err(std::io::Error::from)
}

/// Whether the sandbox gets its own network namespace under `policy` (the plan's `new_net`):
/// always, unless a rule needs the host's network (see [`host_network_reason`]).
pub(crate) fn own_network(policy: &Policy) -> bool {
    !policy.any_network() || host_network_reason(policy).is_none()
}

/// Why `policy` needs the host's network, if it does: a rule allowing any port or any host, or
/// a UDP block too wide to relay.
fn host_network_reason(policy: &Policy) -> Option<String> {
    for rule in policy.all_net() {
        if rule.port.is_none() {
            return Some(format!("`{rule}` allows any port"));
        }
        if rule.host == HostPattern::Any {
            return Some(format!("`{rule}` allows any host"));
        }
        if let HostPattern::Cidr { addr, prefix } = rule.host
            && rule.protocol == Protocol::Udp
            && block_size(addr, prefix) > UDP_BLOCK_MAX
        {
            return Some(format!("`{rule}` is a UDP block of more than {UDP_BLOCK_MAX} addresses"));
        }
    }
    None
}

/// Decides how the network of `policy` is enforced and, for the relay, what the namespace
/// holds.
pub(crate) fn mode(policy: &Policy, allowed: &Allowed) -> Mode {
    if !policy.any_network() {
        return Mode::Offline;
    }
    if let Some(reason) = host_network_reason(policy) {
        return Mode::Open(reason);
    }
    let mut plan = NetPlan::default();
    // TCP blocks wider than one address get a wildcard listener on their port; the supervisor
    // checks each accepted destination.
    let mut wildcard: Vec<(bool, u16)> = Vec::new(); // (ipv6, port)
    // Names under `*.suffix` rules are resolved during the run, to addresses unknown before
    // it: every address exists inside the namespace (a local route for the whole space), the
    // rule's ports get wildcard listeners, and the supervisor's DNS server adds each answer to
    // the allowed set before the program sees it. Other addresses are accepted, then reset.
    let wild_ports: Vec<(bool, u16)> = policy
        .all_net()
        .iter()
        .filter(|r| matches!(r.host, HostPattern::Suffix(_)))
        .filter_map(|r| r.port.map(|port| (r.protocol == Protocol::Udp, port)))
        .collect();
    // UDP wildcard listeners, by (ipv6, port): per-address UDP listeners on those ports are
    // left out, the wildcard one serves them too.
    let mut udp_wildcard: Vec<(bool, u16)> = Vec::new();
    if !wild_ports.is_empty() {
        plan.dns = true;
        plan.routes.push((IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0));
        plan.routes.push((IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0));
        for &(udp, port) in &wild_ports {
            let list = if udp { &mut udp_wildcard } else { &mut wildcard };
            list.push((false, port));
            list.push((true, port));
        }
        plan.listeners.push(Listen { udp: true, addr: crate::netdns::DNS_ADDR, dns: true });
    }
    for &(udp, ip, prefix, port) in &allowed.entries {
        if prefix == full(ip) {
            continue;
        }
        plan.routes.push((network_of(ip, prefix), prefix));
        if udp {
            let base = network_of(ip, prefix);
            for i in 0..block_size(ip, prefix) {
                let addr = match base {
                    IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a).wrapping_add(i))),
                    IpAddr::V6(a) => {
                        IpAddr::V6(Ipv6Addr::from(u128::from(a).wrapping_add(u128::from(i))))
                    }
                };
                plan.listeners.push(Listen {
                    udp: true,
                    addr: SocketAddr::new(addr, port),
                    dns: false,
                });
            }
        } else {
            wildcard.push((ip.is_ipv6(), port));
        }
    }
    for &(udp, ip, prefix, port) in &allowed.entries {
        if prefix != full(ip) {
            continue;
        }
        plan.routes.push((ip, prefix));
        if !udp && wildcard.contains(&(ip.is_ipv6(), port)) {
            continue;
        }
        if udp && udp_wildcard.contains(&(ip.is_ipv6(), port)) {
            continue;
        }
        plan.listeners.push(Listen { udp, addr: SocketAddr::new(ip, port), dns: false });
    }
    for (v6, port) in wildcard {
        let any =
            if v6 { IpAddr::V6(Ipv6Addr::UNSPECIFIED) } else { IpAddr::V4(Ipv4Addr::UNSPECIFIED) };
        plan.listeners.push(Listen { udp: false, addr: SocketAddr::new(any, port), dns: false });
    }
    for (v6, port) in udp_wildcard {
        let any =
            if v6 { IpAddr::V6(Ipv6Addr::UNSPECIFIED) } else { IpAddr::V4(Ipv4Addr::UNSPECIFIED) };
        plan.listeners.push(Listen { udp: true, addr: SocketAddr::new(any, port), dns: false });
    }
    plan.routes.sort();
    plan.routes.dedup();
    plan.listeners.sort_by_key(|l| (l.udp, l.addr, l.dns));
    plan.listeners.dedup();
    Mode::Relay(plan)
}

/// Everything the supervisor decided about the network of one run.
#[derive(Debug, Clone)]
pub(crate) struct NetSetup {
    /// The pinned names.
    pub(crate) pins: Pins,
    /// The destinations the relay lets through.
    pub(crate) allowed: Allowed,
    /// How the kernel enforces it.
    pub(crate) mode: Mode,
    /// The names the sandbox's DNS server answers (pinned and, under `*.suffix` rules,
    /// resolved during the run).
    pub(crate) names: Arc<crate::netdns::Names>,
    /// The suffixes whose names are resolved during the run.
    pub(crate) wild: Vec<String>,
}

impl NetSetup {
    /// Pins the names of `policy` with the machine's resolver and decides the mode.
    pub(crate) fn prepare(policy: &Policy) -> Self {
        let upstream = crate::netdns::Upstream::of(policy);
        let pins = if policy.any_network() {
            pin(policy, &mut |name| upstream.resolve(name))
        } else {
            Pins { names: policy.hosts.clone(), notes: Vec::new() }
        };
        let allowed = Allowed::new(policy, &pins);
        let mode = mode(policy, &allowed);
        let names = Arc::new(crate::netdns::Names::new(policy, &pins.names));
        let wild = match &mode {
            Mode::Relay(plan) if plan.dns => crate::netdns::wild_suffixes(policy),
            _ => Vec::new(),
        };
        Self { pins, allowed, mode, names, wild }
    }

    /// Whether the supervisor answers every name (the relay): the guard then refuses lookups of
    /// names it was not given.
    pub(crate) fn pinned_dns(&self) -> bool {
        matches!(self.mode, Mode::Relay(_))
    }

    /// Fits the trampoline's plan to the mode: the namespace, the relay, the resolver files.
    pub(crate) fn adjust(&self, plan: &mut crate::plan::Plan) {
        match &self.mode {
            Mode::Offline => plan.new_net = true,
            Mode::Open(_) => plan.new_net = false,
            Mode::Relay(net) => {
                let mut net = net.clone();
                net.hosts = self
                    .pins
                    .names
                    .iter()
                    .filter(|(_, ips)| !ips.is_empty())
                    .map(|(n, ips)| (n.clone(), ips.clone()))
                    .collect();
                plan.new_net = true;
                plan.net_relay = Some(net);
            }
        }
    }

    /// Whether the trampoline hands listeners over to a relay in pysbx.
    pub(crate) fn relays(&self) -> bool {
        matches!(self.mode, Mode::Relay(_))
    }

    /// The socket pair the trampoline hands the listeners over (relay only): (ours, theirs).
    pub(crate) fn channel(&self) -> std::io::Result<Option<(OwnedFd, OwnedFd)>> {
        if !self.relays() {
            return Ok(None);
        }
        relay_socketpair().map(Some)
    }

    /// Starts the relay on our end of [`NetSetup::channel`].
    pub(crate) fn start(&self, ours: OwnedFd, report: Report) -> Option<Relay> {
        match &self.mode {
            Mode::Relay(net) => Some(Relay::start(
                ours,
                net.clone(),
                self.allowed.clone(),
                self.names.clone(),
                report,
            )),
            _ => None,
        }
    }
}

/// Reports a relay decision to the supervisor: `true` for a refused destination (a violation),
/// `false` for a failure on an allowed one (a note).
pub(crate) type Report = Arc<dyn Fn(bool, String) + Send + Sync>;

/// The running relay: the listeners handed over by the trampoline and every connection made
/// through them, all shut down by [`Relay::stop`].
pub(crate) struct Relay {
    stopped: Arc<AtomicBool>,
    sockets: Sockets,
}

/// Duplicates of every open listener and relayed socket, so [`Relay::stop`] can shut them
/// down; an entry leaves when its connection or flow ends.
#[derive(Default)]
struct Registry {
    next: u64,
    open: HashMap<u64, OwnedFd>,
}

type Sockets = Arc<Mutex<Registry>>;

/// A registry entry, removed when dropped.
struct Tracked {
    id: u64,
    sockets: Sockets,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Ok(mut r) = self.sockets.lock() {
            r.open.remove(&self.id);
        }
    }
}

impl Relay {
    /// Receives the listeners on `from_trampoline` (one per message, then an end marker) and
    /// serves each on a thread of its own.
    pub(crate) fn start(
        from_trampoline: OwnedFd,
        plan: NetPlan,
        allowed: Allowed,
        names: Arc<crate::netdns::Names>,
        report: Report,
    ) -> Self {
        let relay = Self { stopped: Arc::new(AtomicBool::new(false)), sockets: Arc::default() };
        let stopped = relay.stopped.clone();
        let sockets = relay.sockets.clone();
        let allowed = Arc::new(RwLock::new(allowed));
        std::thread::spawn(move || {
            while let Some((index, fd)) = receive_listener(&from_trampoline) {
                let Some(spec) = plan.listeners.get(usize::from(index)).cloned() else { break };
                let ctx = Ctx {
                    allowed: allowed.clone(),
                    report: report.clone(),
                    stopped: stopped.clone(),
                    sockets: sockets.clone(),
                };
                let names = names.clone();
                std::thread::spawn(move || {
                    let _tracked = ctx.track(&fd);
                    if spec.dns {
                        crate::netdns::serve(
                            &UdpSocket::from(fd),
                            &names,
                            &ctx.allowed,
                            &ctx.report,
                        );
                    } else if spec.udp {
                        serve_udp(&UdpSocket::from(fd), &ctx);
                    } else {
                        serve_tcp(&TcpListener::from(fd), &ctx);
                    }
                });
            }
        });
        relay
    }

    /// Shuts every listener and relayed connection down; their threads end.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        if let Ok(mut sockets) = self.sockets.lock() {
            for (_, s) in sockets.open.drain() {
                let _ = nix::sys::socket::shutdown(s.as_raw_fd(), nix::sys::socket::Shutdown::Both);
            }
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Clone)]
struct Ctx {
    allowed: Arc<RwLock<Allowed>>,
    report: Report,
    stopped: Arc<AtomicBool>,
    sockets: Sockets,
}

impl Ctx {
    fn permits(&self, udp: bool, dst: SocketAddr) -> bool {
        self.allowed.read().is_ok_and(|a| a.permits(udp, dst.ip(), dst.port()))
    }

    /// Registers a socket for [`Relay::stop`] until the returned entry is dropped.
    fn track(&self, fd: &impl std::os::fd::AsFd) -> Option<Tracked> {
        let dup = fd.as_fd().try_clone_to_owned().ok()?;
        let mut r = self.sockets.lock().ok()?;
        if self.stopped.load(Ordering::SeqCst) {
            let _ = nix::sys::socket::shutdown(dup.as_raw_fd(), nix::sys::socket::Shutdown::Both);
        }
        let id = r.next;
        r.next += 1;
        r.open.insert(id, dup);
        Some(Tracked { id, sockets: self.sockets.clone() })
    }
}

/// One listener from the trampoline: its index in the plan and the socket.
fn receive_listener(sock: &OwnedFd) -> Option<(u16, OwnedFd)> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, recvmsg};
    let mut data = [0u8; 2];
    let mut space = nix::cmsg_space!([std::os::fd::RawFd; 1]);
    let mut iov = [IoSliceMut::new(&mut data)];
    let msg =
        recvmsg::<()>(sock.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC)
            .ok()?;
    if msg.bytes != 2 {
        return None;
    }
    let mut fd = None;
    for c in msg.cmsgs().ok()? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            for raw in fds {
                // SAFETY: SCM_RIGHTS installed this descriptor in this process just now, and
                // nothing else knows its number.
                #[expect(unsafe_code, reason = "adopting a descriptor received over SCM_RIGHTS")]
                let owned = unsafe { OwnedFd::from_raw_fd(raw) };
                fd.get_or_insert(owned);
            }
        }
    }
    let index = u16::from_le_bytes(data);
    if index == END_OF_LISTENERS {
        return None;
    }
    fd.map(|fd| (index, fd))
}

/// Ends a TCP connection with a reset, so the program sees it refused rather than closed.
fn reset(stream: &TcpStream) {
    let _ = nix::sys::socket::setsockopt(
        stream,
        nix::sys::socket::sockopt::Linger,
        &libc::linger { l_onoff: 1, l_linger: 0 },
    );
}

fn serve_tcp(listener: &TcpListener, ctx: &Ctx) {
    let active = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut warned = false;
    for conn in listener.incoming() {
        if ctx.stopped.load(Ordering::SeqCst) {
            break;
        }
        let Ok(inner) = conn else { continue };
        let Ok(dst) = inner.local_addr() else { continue };
        let dst = SocketAddr::new(canonical(dst.ip()), dst.port());
        if !ctx.permits(false, dst) {
            (ctx.report)(
                true,
                format!("relay refused a TCP connection to {dst}: not a pinned destination"),
            );
            reset(&inner);
            continue;
        }
        if active.load(Ordering::SeqCst) >= TCP_CONNECTIONS_MAX {
            if !warned {
                (ctx.report)(
                    false,
                    format!("relay reset connections to {dst}: {TCP_CONNECTIONS_MAX} already open"),
                );
                warned = true;
            }
            reset(&inner);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let (ctx, active) = (ctx.clone(), active.clone());
        std::thread::spawn(move || {
            let _inner = ctx.track(&inner);
            match TcpStream::connect_timeout(&dst, CONNECT_TIMEOUT) {
                Ok(outer) => {
                    let _outer = ctx.track(&outer);
                    splice(inner, outer);
                }
                Err(e) => {
                    (ctx.report)(false, format!("relay could not connect to {dst}: {e}"));
                    reset(&inner);
                }
            }
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// Copies both directions until each ends, passing half-closes on.
fn splice(inner: TcpStream, outer: TcpStream) {
    let (Ok(inner2), Ok(outer2)) = (inner.try_clone(), outer.try_clone()) else { return };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut &inner2, &mut &outer2);
        let _ = outer2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut &outer, &mut &inner);
    let _ = inner.shutdown(Shutdown::Write);
    let _ = up.join();
}

/// The host-side socket of each flow, by the program's socket and the destination it sent to.
type Flows = Arc<Mutex<HashMap<(SocketAddr, SocketAddr), Arc<UdpSocket>>>>;

/// Serves one UDP listener. A listener on one address relays to that address; a wildcard
/// listener (names under `udp:*.suffix` rules, resolved during the run) receives datagrams to
/// every address of the namespace and reads each one's destination from its packet info.
fn serve_udp(sock: &UdpSocket, ctx: &Ctx) {
    let Ok(local) = sock.local_addr() else { return };
    let wildcard = local.ip().is_unspecified();
    if wildcard && enable_packet_info(sock, local.is_ipv6()).is_err() {
        (ctx.report)(false, format!("relay could not serve UDP port {}", local.port()));
        return;
    }
    let flows: Flows = Arc::default();
    let mut buf = vec![0u8; 65_536];
    let mut warned = false;
    loop {
        let received = if wildcard {
            receive_with_destination(sock, &mut buf, local.port())
        } else {
            sock.recv_from(&mut buf).map(|(n, src)| (n, src, local))
        };
        let Ok((n, src, dst)) = received else { break };
        if ctx.stopped.load(Ordering::SeqCst) {
            break;
        }
        let dst = SocketAddr::new(canonical(dst.ip()), dst.port());
        if !ctx.permits(true, dst) {
            if wildcard {
                (ctx.report)(
                    true,
                    format!("relay dropped a UDP datagram to {dst}: not a pinned destination"),
                );
            }
            continue;
        }
        let existing = flows.lock().ok().and_then(|f| f.get(&(src, dst)).cloned());
        let outer = match existing {
            Some(o) => o,
            None => {
                let full = flows.lock().map_or(true, |f| f.len() >= UDP_FLOWS_MAX);
                if full {
                    if !warned {
                        (ctx.report)(
                            false,
                            format!("relay dropped UDP datagrams to {dst}: too many flows"),
                        );
                        warned = true;
                    }
                    continue;
                }
                let reply_from = wildcard.then_some(dst.ip());
                let Some(outer) = open_flow(sock, src, dst, reply_from, &flows, ctx) else {
                    continue;
                };
                outer
            }
        };
        let _ = outer.send(&buf[..n]);
    }
}

/// Asks the kernel to tell each received datagram's destination address.
fn enable_packet_info(sock: &UdpSocket, v6: bool) -> nix::Result<()> {
    use nix::sys::socket::{setsockopt, sockopt};
    if v6 {
        setsockopt(sock, sockopt::Ipv6RecvPacketInfo, &true)
    } else {
        setsockopt(sock, sockopt::Ipv4PacketInfo, &true)
    }
}

/// Receives one datagram on a wildcard listener: its length, sender and destination.
fn receive_with_destination(
    sock: &UdpSocket,
    buf: &mut [u8],
    port: u16,
) -> std::io::Result<(usize, SocketAddr, SocketAddr)> {
    use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrStorage, recvmsg};
    loop {
        let mut space = nix::cmsg_space!(libc::in6_pktinfo);
        let mut iov = [IoSliceMut::new(buf)];
        let msg = recvmsg::<SockaddrStorage>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::empty(),
        )
        .map_err(std::io::Error::from)?;
        let n = msg.bytes;
        let src = msg.address.and_then(|a| {
            if let Some(v4) = a.as_sockaddr_in() {
                Some(SocketAddr::from(std::net::SocketAddrV4::from(*v4)))
            } else {
                a.as_sockaddr_in6().map(|v6| SocketAddr::from(std::net::SocketAddrV6::from(*v6)))
            }
        });
        let mut dst = None;
        for c in msg.cmsgs().map_err(std::io::Error::from)? {
            match c {
                ControlMessageOwned::Ipv4PacketInfo(info) => {
                    let ip = Ipv4Addr::from(u32::from_be(info.ipi_addr.s_addr));
                    dst = Some(SocketAddr::new(IpAddr::V4(ip), port));
                }
                ControlMessageOwned::Ipv6PacketInfo(info) => {
                    let ip = Ipv6Addr::from(info.ipi6_addr.s6_addr);
                    dst = Some(SocketAddr::new(IpAddr::V6(ip), port));
                }
                _ => {}
            }
        }
        if let (Some(src), Some(dst)) = (src, dst) {
            return Ok((n, src, dst));
        }
    }
}

/// Sends `data` to `to` through a wildcard listener, from `from` (the address the program sent
/// its datagram to, so its connected socket accepts the answer).
fn send_from(sock: &UdpSocket, data: &[u8], from: IpAddr, to: SocketAddr) -> bool {
    use nix::sys::socket::{ControlMessage, MsgFlags, SockaddrIn, SockaddrIn6, sendmsg};
    let iov = [std::io::IoSlice::new(data)];
    let sent = match (from, to) {
        (IpAddr::V4(from), SocketAddr::V4(to)) => {
            let info = libc::in_pktinfo {
                ipi_ifindex: 0,
                ipi_spec_dst: libc::in_addr { s_addr: u32::from(from).to_be() },
                ipi_addr: libc::in_addr { s_addr: 0 },
            };
            sendmsg(
                sock.as_raw_fd(),
                &iov,
                &[ControlMessage::Ipv4PacketInfo(&info)],
                MsgFlags::empty(),
                Some(&SockaddrIn::from(to)),
            )
        }
        (IpAddr::V6(from), SocketAddr::V6(to)) => {
            let info = libc::in6_pktinfo {
                ipi6_addr: libc::in6_addr { s6_addr: from.octets() },
                ipi6_ifindex: 0,
            };
            sendmsg(
                sock.as_raw_fd(),
                &iov,
                &[ControlMessage::Ipv6PacketInfo(&info)],
                MsgFlags::empty(),
                Some(&SockaddrIn6::from(to)),
            )
        }
        // A mapped IPv4 destination was seen on an IPv6 listener: answer from its IPv6 form.
        (IpAddr::V4(from), SocketAddr::V6(to)) => {
            return send_from(sock, data, IpAddr::V6(from.to_ipv6_mapped()), SocketAddr::V6(to));
        }
        (IpAddr::V6(_), SocketAddr::V4(_)) => return false,
    };
    sent.is_ok()
}

/// A host socket connected to `dst` for the program's socket `src`, with a thread passing the
/// answers back through the listener (from `reply_from` on a wildcard listener).
fn open_flow(
    listener: &UdpSocket,
    src: SocketAddr,
    dst: SocketAddr,
    reply_from: Option<IpAddr>,
    flows: &Flows,
    ctx: &Ctx,
) -> Option<Arc<UdpSocket>> {
    let any: SocketAddr = if dst.is_ipv6() {
        (Ipv6Addr::UNSPECIFIED, 0).into()
    } else {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    };
    let outer = UdpSocket::bind(any).ok()?;
    outer.connect(dst).ok()?;
    outer.set_read_timeout(Some(UDP_IDLE)).ok()?;
    let tracked = ctx.track(&outer);
    let outer = Arc::new(outer);
    let back = listener.try_clone().ok()?;
    if let Ok(mut f) = flows.lock() {
        f.insert((src, dst), outer.clone());
    }
    let (flows, reader) = (flows.clone(), outer.clone());
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65_536];
        while let Ok(n) = reader.recv(&mut buf) {
            let sent = match reply_from {
                Some(from) => send_from(&back, &buf[..n], from, src),
                None => back.send_to(&buf[..n], src).is_ok(),
            };
            if !sent {
                break;
            }
        }
        if let Ok(mut f) = flows.lock() {
            f.remove(&(src, dst));
        }
        drop(tracked);
    });
    Some(outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Policy {
        crate::policy::load_policy_str(text, std::path::Path::new("/p/policy.yaml")).unwrap()
    }

    #[test]
    fn names_are_resolved_once_and_special_answers_refused() {
        let p = policy(
            "net:\n  allow: [\"api.example.com:443\", \"api.example.com:80\", \"intranet.example.com:443\", \"db.example.com:5432\", \"10.9.0.0/16:5432\"]\nhosts:\n  local.test: [\"127.0.0.2\"]\n",
        );
        let mut calls: Vec<String> = Vec::new();
        let mut resolve = |name: &str| -> std::io::Result<Vec<IpAddr>> {
            calls.push(name.to_string());
            Ok(match name {
                "api.example.com" => {
                    vec!["93.184.216.34".parse().unwrap(), "169.254.169.254".parse().unwrap()]
                }
                "intranet.example.com" => vec!["10.0.0.5".parse().unwrap()],
                "db.example.com" => vec!["10.9.1.2".parse().unwrap()],
                _ => return Err(std::io::Error::other("no such name")),
            })
        };
        let pins = pin(&p, &mut resolve);
        // One lookup per name, whatever the number of rules naming it.
        assert_eq!(calls, vec!["api.example.com", "intranet.example.com", "db.example.com"]);
        assert_eq!(pins.names["api.example.com"], vec!["93.184.216.34".parse::<IpAddr>().unwrap()]);
        assert!(pins.names["intranet.example.com"].is_empty());
        // A private answer inside a block the policy names is explicit.
        assert_eq!(pins.names["db.example.com"], vec!["10.9.1.2".parse::<IpAddr>().unwrap()]);
        assert_eq!(pins.names["local.test"], vec!["127.0.0.2".parse::<IpAddr>().unwrap()]);
        assert_eq!(pins.notes.len(), 2, "{:?}", pins.notes);
        assert!(pins.notes.iter().any(|n| n.contains("169.254.169.254")));
        assert!(pins.notes.iter().any(|n| n.contains("10.0.0.5") && n.contains("private")));
    }

    #[test]
    fn names_resolved_during_the_run_join_the_allowed_set() {
        let p = policy("net:\n  allow: [\"api.test:443\"]\nhosts:\n  api.test: [\"192.0.2.1\"]\n");
        let pins = pin(&p, &mut |_| Err(std::io::Error::other("offline")));
        let mut allowed = Allowed::new(&p, &pins);
        let ip: IpAddr = "198.51.100.7".parse().unwrap();
        assert!(!allowed.permits(false, ip, 443));
        allowed.add(false, ip, 443);
        allowed.add(false, ip, 443);
        assert!(allowed.permits(false, ip, 443));
        assert!(allowed.permits(false, "::ffff:198.51.100.7".parse().unwrap(), 443));
        assert!(!allowed.permits(false, ip, 80));
        assert!(!allowed.permits(true, ip, 443));
        // Without a `*.suffix` rule there is no DNS server and no catch-all route.
        let Mode::Relay(plan) = mode(&p, &allowed) else { panic!("relay expected") };
        assert!(!plan.dns);
        assert!(!plan.routes.iter().any(|(_, prefix)| *prefix == 0));
    }

    #[test]
    fn relay_plan_lists_pinned_addresses_and_blocks() {
        let p = policy(
            "net:\n  allow: [\"svc.test:8080\", \"*.corp.test:443\", \"10.1.0.0/16:5432\", \"udp:dns.test:53\"]\nhosts:\n  svc.test: [\"127.0.0.2\"]\n  a.corp.test: [\"192.0.2.10\"]\n  dns.test: [\"127.0.0.9\"]\n  other.test: [\"127.0.0.3\"]\n",
        );
        let pins = pin(&p, &mut |_| Err(std::io::Error::other("offline")));
        let allowed = Allowed::new(&p, &pins);
        assert!(allowed.permits(false, "127.0.0.2".parse().unwrap(), 8080));
        assert!(!allowed.permits(false, "127.0.0.3".parse().unwrap(), 8080));
        assert!(!allowed.permits(false, "127.0.0.2".parse().unwrap(), 8081));
        assert!(allowed.permits(false, "192.0.2.10".parse().unwrap(), 443));
        assert!(allowed.permits(false, "10.1.200.3".parse().unwrap(), 5432));
        assert!(allowed.permits(false, "::ffff:10.1.200.3".parse().unwrap(), 5432));
        assert!(!allowed.permits(true, "127.0.0.2".parse().unwrap(), 8080));
        assert!(allowed.permits(true, "127.0.0.9".parse().unwrap(), 53));
        let Mode::Relay(plan) = mode(&p, &allowed) else { panic!("relay expected") };
        let listen = |udp: bool, a: &str| Listen { udp, addr: a.parse().unwrap(), dns: false };
        // `*.corp.test:443` names are resolved during the run: every address exists in the
        // namespace, port 443 gets wildcard listeners (which also serve the pinned
        // a.corp.test), and pysbx's DNS server has a socket.
        assert_eq!(
            plan.listeners,
            vec![
                listen(false, "0.0.0.0:443"),
                listen(false, "0.0.0.0:5432"),
                listen(false, "127.0.0.2:8080"),
                listen(false, "[::]:443"),
                listen(true, "127.0.0.9:53"),
                Listen { udp: true, addr: crate::netdns::DNS_ADDR, dns: true },
            ]
        );
        assert!(plan.dns);
        assert!(plan.routes.contains(&("0.0.0.0".parse().unwrap(), 0)));
        assert!(plan.routes.contains(&("::".parse().unwrap(), 0)));
        assert!(plan.routes.contains(&("10.1.0.0".parse().unwrap(), 16)));
        assert!(plan.routes.contains(&("192.0.2.10".parse().unwrap(), 32)));
        assert!(!plan.routes.iter().any(|(ip, _)| *ip == "127.0.0.3".parse::<IpAddr>().unwrap()));
    }

    #[test]
    fn any_host_or_port_keeps_the_open_network() {
        let pins = Pins::default();
        for text in [
            "net: {allow: [\"*:443\"]}\n",
            "net: {allow: [\"api.test:*\"]}\n",
            "net: {allow: [\"udp:10.0.0.0/8:53\"]}\n",
        ] {
            let p = policy(text);
            assert!(matches!(mode(&p, &Allowed::new(&p, &pins)), Mode::Open(_)), "{text}");
        }
        let p = policy("limits: {cpu_s: 1}\n");
        assert_eq!(mode(&p, &Allowed::new(&p, &pins)), Mode::Offline);
    }

    /// A forked trampoline is told `own_network` before the plan, whose `new_net` comes from
    /// the mode: the two must agree for every kind of policy (open, offline, relayed, per
    /// module).
    #[test]
    fn the_early_network_announcement_agrees_with_the_plan() {
        let pins = Pins::default();
        for text in [
            "limits: {cpu_s: 1}\n",
            "net: {allow: [\"*:443\"]}\n",
            "net: {allow: [\"api.test:*\"]}\n",
            "net: {allow: [\"udp:10.0.0.0/8:53\"]}\n",
            "net: {allow: [\"udp:10.0.0.0/30:53\"]}\n",
            "net: {allow: [\"api.test:443\"]}\nhosts:\n  api.test: [\"192.0.2.1\"]\n",
            "net: {allow: [\"*.corp.test:443\"]}\n",
            "modules:\n  granted: {net: [\"*:*\"]}\n",
            "modules:\n  granted: {net: [\"api.test:443\"]}\n",
        ] {
            let p = policy(text);
            // `NetSetup::adjust` sets `new_net` for every mode but the open one.
            let plan_new_net = !matches!(mode(&p, &Allowed::new(&p, &pins)), Mode::Open(_));
            assert_eq!(own_network(&p), plan_new_net, "{text}");
        }
    }
}
