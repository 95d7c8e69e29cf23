//! The sandbox's network namespace for the relay (see [`crate::netrelay`]): the loopback up, a
//! local route for each pinned address and allowed block, and the listening sockets, which are
//! handed to the supervisor over a `SOCK_SEQPACKET` socket. Runs in stage A, which holds the
//! namespace's network rights (root, or the owner of the new user namespace).

use std::io::IoSlice;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{
    AddressFamily, Backlog, ControlMessage, MsgFlags, NetlinkAddr, SockFlag, SockProtocol,
    SockType, SockaddrIn, SockaddrIn6, bind, listen, recv, sendmsg, sendto, setsockopt, socket,
    sockopt,
};

use crate::netrelay::{END_OF_LISTENERS, Listen, NetPlan};

/// The loopback's interface index in every network namespace (`LOOPBACK_IFINDEX`).
const LOOPBACK_INDEX: i32 = 1;
const RTM_NEWLINK: u16 = 16;
const RTM_NEWROUTE: u16 = 24;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_CREATE: u16 = 0x400;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RT_TABLE_LOCAL: u8 = 255;
const RTPROT_STATIC: u8 = 4;
const RT_SCOPE_HOST: u8 = 254;
const RTN_LOCAL: u8 = 2;
const IFF_UP: u32 = 1;

/// Sets the namespace up and sends each listener to the supervisor, then the end marker.
pub(crate) fn setup(plan: &NetPlan, to_supervisor: &OwnedFd) -> Result<(), String> {
    let nl = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkRoute,
    )
    .map_err(|e| format!("netlink socket: {}", e.desc()))?;
    let mut seq = 1u32;
    // The loopback comes up with 127.0.0.1/8 (and ::1 when IPv6 is on).
    let mut link = Vec::with_capacity(16);
    link.extend_from_slice(&[0, 0, 0, 0]); // family, pad, type
    link.extend_from_slice(&LOOPBACK_INDEX.to_ne_bytes());
    link.extend_from_slice(&IFF_UP.to_ne_bytes());
    link.extend_from_slice(&IFF_UP.to_ne_bytes());
    request(&nl, RTM_NEWLINK, 0, &link, seq).map_err(|e| format!("loopback up: {e}"))?;
    for (ip, prefix) in &plan.routes {
        seq += 1;
        let (family, bytes) = match ip {
            IpAddr::V4(a) => (libc::AF_INET as u8, a.octets().to_vec()),
            IpAddr::V6(a) => (libc::AF_INET6 as u8, a.octets().to_vec()),
        };
        let mut body =
            vec![family, *prefix, 0, 0, RT_TABLE_LOCAL, RTPROT_STATIC, RT_SCOPE_HOST, RTN_LOCAL];
        body.extend_from_slice(&0u32.to_ne_bytes());
        attr(&mut body, RTA_DST, &bytes);
        attr(&mut body, RTA_OIF, &LOOPBACK_INDEX.to_ne_bytes());
        request(&nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &body, seq)
            .map_err(|e| format!("local route {ip}/{prefix}: {e}"))?;
    }
    for (i, l) in plan.listeners.iter().enumerate() {
        let fd = open_listener(l).map_err(|e| {
            format!("{} listener on {}: {e}", if l.udp { "UDP" } else { "TCP" }, l.addr)
        })?;
        let index = u16::try_from(i).map_err(|_| "too many listeners".to_string())?;
        send(to_supervisor, index, Some(&fd))?;
    }
    send(to_supervisor, END_OF_LISTENERS, None)
}

fn send(to: &OwnedFd, index: u16, fd: Option<&OwnedFd>) -> Result<(), String> {
    let data = index.to_le_bytes();
    let iov = [IoSlice::new(&data)];
    let raw: Vec<i32> = fd.iter().map(|f| f.as_raw_fd()).collect();
    let cmsg: Vec<ControlMessage<'_>> =
        if raw.is_empty() { Vec::new() } else { vec![ControlMessage::ScmRights(&raw)] };
    sendmsg::<()>(to.as_raw_fd(), &iov, &cmsg, MsgFlags::empty(), None)
        .map(|_| ())
        .map_err(|e| format!("hand the listeners to pysbx: {}", e.desc()))
}

fn attr(body: &mut Vec<u8>, kind: u16, payload: &[u8]) {
    let len = u16::try_from(4 + payload.len()).unwrap_or(u16::MAX);
    body.extend_from_slice(&len.to_ne_bytes());
    body.extend_from_slice(&kind.to_ne_bytes());
    body.extend_from_slice(payload);
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
}

/// Sends one netlink request and waits for its acknowledgement.
fn request(nl: &OwnedFd, kind: u16, flags: u16, body: &[u8], seq: u32) -> Result<(), String> {
    let len = u32::try_from(16 + body.len()).map_err(|_| "request too long".to_string())?;
    let mut msg = Vec::with_capacity(16 + body.len());
    msg.extend_from_slice(&len.to_ne_bytes());
    msg.extend_from_slice(&kind.to_ne_bytes());
    msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK | flags).to_ne_bytes());
    msg.extend_from_slice(&seq.to_ne_bytes());
    msg.extend_from_slice(&0u32.to_ne_bytes());
    msg.extend_from_slice(body);
    sendto(nl.as_raw_fd(), &msg, &NetlinkAddr::new(0, 0), MsgFlags::empty())
        .map_err(|e| e.desc().to_string())?;
    let mut buf = [0u8; 4096];
    loop {
        let n =
            recv(nl.as_raw_fd(), &mut buf, MsgFlags::empty()).map_err(|e| e.desc().to_string())?;
        let mut at = 0;
        while at + 20 <= n {
            let word = |o: usize| u32::from_ne_bytes([buf[o], buf[o + 1], buf[o + 2], buf[o + 3]]);
            let mlen = word(at) as usize;
            let mtype = u16::from_ne_bytes([buf[at + 4], buf[at + 5]]);
            let mseq = word(at + 8);
            if mtype == NLMSG_ERROR && mseq == seq {
                let code =
                    i32::from_ne_bytes([buf[at + 16], buf[at + 17], buf[at + 18], buf[at + 19]]);
                return if code == 0 {
                    Ok(())
                } else {
                    Err(nix::Error::from_raw(-code).desc().to_string())
                };
            }
            if mlen < 16 {
                break;
            }
            at += (mlen + 3) & !3;
        }
    }
}

fn open_listener(l: &Listen) -> Result<OwnedFd, String> {
    let family = if l.addr.is_ipv6() { AddressFamily::Inet6 } else { AddressFamily::Inet };
    let kind = if l.udp { SockType::Datagram } else { SockType::Stream };
    let fd =
        socket(family, kind, SockFlag::SOCK_CLOEXEC, None).map_err(|e| e.desc().to_string())?;
    let set = |r: nix::Result<()>| r.map_err(|e| e.desc().to_string());
    set(setsockopt(&fd, sockopt::ReuseAddr, &true))?;
    // The address exists through a local route, not as an interface address.
    set(setsockopt(&fd, sockopt::IpFreebind, &true))?;
    match l.addr {
        SocketAddr::V4(a) => set(bind(fd.as_raw_fd(), &SockaddrIn::from(a)))?,
        SocketAddr::V6(a) => {
            set(setsockopt(&fd, sockopt::Ipv6V6Only, &true))?;
            set(bind(fd.as_raw_fd(), &SockaddrIn6::from(a)))?;
        }
    }
    if !l.udp {
        set(listen(&fd, Backlog::new(128).unwrap_or(Backlog::MAXCONN)))?;
    }
    Ok(fd)
}

/// The resolver files the sandbox sees: its `/etc/hosts` holds the pinned names only, its
/// `nsswitch.conf` consults only that file and its `resolv.conf` names no server, unless the
/// policy has `*.suffix` rules: then both name pysbx's own DNS server in the namespace. Written under
/// `dir` (on the private tmpfs) and bound over the host's files in the mount namespace; a file
/// the host lacks is left alone (the namespace has no server to ask anyway).
pub(crate) fn answer_files(plan: &NetPlan, dir: &std::path::Path) -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    let mut hosts =
        String::from("# Names answered by pysbx for this run (pinned before it began).\n");
    for (name, ips) in &plan.hosts {
        for ip in ips {
            hosts.push_str(&format!("{ip} {name}\n"));
        }
    }
    let (nsswitch, resolv) = if plan.dns {
        (
            "hosts: files dns\nnetworks: files\n".to_string(),
            format!(
                "# pysbx answers names: the server below is pysbx, inside this sandbox.\n\
                 nameserver {}\noptions timeout:5 attempts:2\n",
                crate::netdns::DNS_ADDR.ip()
            ),
        )
    } else {
        (
            "hosts: files\nnetworks: files\n".to_string(),
            "# pysbx answers names; there is no server to ask.\n".to_string(),
        )
    };
    let files = [("hosts", hosts), ("nsswitch.conf", nsswitch), ("resolv.conf", resolv)];
    for (name, content) in files {
        let source = dir.join(name);
        std::fs::write(&source, content).map_err(|e| format!("write {}: {e}", source.display()))?;
        let target = std::path::Path::new("/etc").join(name);
        if !target.exists() {
            continue;
        }
        mount(Some(source.as_path()), &target, None::<&str>, MsFlags::MS_BIND, None::<&str>)
            .map_err(|e| format!("bind {}: {}", target.display(), e.desc()))?;
    }
    Ok(())
}
