//! Network destinations of a policy: `[udp:|tcp:]HOST:PORT`, where HOST is a name, a `*.`
//! wildcard name, an address or a CIDR block, and PORT a number or `*`.

use std::fmt;
use std::net::IpAddr;

/// Transport protocol of a network rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
}

/// Which hosts a rule names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HostPattern {
    /// An exact host name, lowercased.
    Name(String),
    /// A name and all its subdomains (`*.example.org` matches `a.example.org`, not
    /// `example.org`); holds the suffix without `*.`.
    Suffix(String),
    /// An address block.
    Cidr {
        /// The network address.
        addr: IpAddr,
        /// The prefix length.
        prefix: u8,
    },
    /// Any host (`*`).
    Any,
}

/// One allowed destination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NetRule {
    /// Transport protocol.
    pub protocol: Protocol,
    /// Destination hosts.
    pub host: HostPattern,
    /// Destination port; `None` is any port.
    pub port: Option<u16>,
}

impl fmt::Display for NetRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.protocol == Protocol::Udp {
            f.write_str("udp:")?;
        }
        match &self.host {
            HostPattern::Name(name) => f.write_str(name)?,
            HostPattern::Suffix(suffix) => write!(f, "*.{suffix}")?,
            HostPattern::Cidr { addr: IpAddr::V6(a), prefix } => write!(f, "[{a}/{prefix}]")?,
            HostPattern::Cidr { addr, prefix } => write!(f, "{addr}/{prefix}")?,
            HostPattern::Any => f.write_str("*")?,
        }
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => f.write_str(":*"),
        }
    }
}

impl NetRule {
    /// Parses `[udp:|tcp:]HOST:PORT`.
    ///
    /// # Errors
    /// A message saying what is malformed.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (protocol, rest) = if let Some(rest) = text.strip_prefix("udp:") {
            (Protocol::Udp, rest)
        } else if let Some(rest) = text.strip_prefix("tcp:") {
            (Protocol::Tcp, rest)
        } else {
            (Protocol::Tcp, text)
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| format!("`{text}`: unclosed `[` in an IPv6 destination"))?;
            let port = after
                .strip_prefix(':')
                .ok_or_else(|| format!("`{text}`: expected `:PORT` after `]`"))?;
            (host, port)
        } else {
            rest.rsplit_once(':')
                .ok_or_else(|| format!("`{text}`: expected HOST:PORT (use `*` for any port)"))?
        };
        let port = match port {
            "*" => None,
            p => Some(
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("`{text}`: port `{p}` is not a number in 1..65535"))?,
            ),
        };
        Ok(Self { protocol, host: parse_host(host, text)?, port })
    }

    /// Whether this rule allows `protocol` traffic to `addr:port`, given the names the
    /// address was looked up under (possibly none).
    #[must_use]
    pub fn allows(&self, protocol: Protocol, addr: IpAddr, port: u16, names: &[String]) -> bool {
        if self.protocol != protocol || self.port.is_some_and(|p| p != port) {
            return false;
        }
        match &self.host {
            HostPattern::Any => true,
            HostPattern::Cidr { addr: net, prefix } => in_block(addr, *net, *prefix),
            HostPattern::Name(name) => names.iter().any(|n| n.eq_ignore_ascii_case(name)),
            HostPattern::Suffix(suffix) => names.iter().any(|n| {
                let n = n.to_ascii_lowercase();
                n.len() > suffix.len() + 1
                    && n.ends_with(suffix.as_str())
                    && n.as_bytes()[n.len() - suffix.len() - 1] == b'.'
            }),
        }
    }
}

impl NetRule {
    /// Whether the rule names `addr` itself: an address or CIDR block containing it (`*` does
    /// not count). Such a rule makes a private, loopback or link-local answer explicit.
    #[must_use]
    pub fn names_address(&self, addr: IpAddr) -> bool {
        matches!(&self.host, HostPattern::Cidr { addr: net, prefix } if in_block(addr, *net, *prefix))
    }
}

/// The reserved range `addr` falls in, when an answer in it must not be trusted from DNS:
/// loopback, private, link-local (which holds the cloud metadata address 169.254.169.254),
/// shared carrier-grade NAT (which holds 100.100.100.200), unique-local IPv6 (which holds
/// fd00:ec2::254), unspecified, multicast, broadcast and reserved blocks. IPv4-mapped IPv6
/// addresses are judged by their IPv4 part.
#[must_use]
pub fn special_range(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(a) => {
            let o = a.octets();
            if a.is_loopback() {
                Some("loopback")
            } else if a.is_private() {
                Some("private")
            } else if a.is_link_local() {
                Some("link-local (cloud metadata)")
            } else if o[0] == 100 && (o[1] & 0xc0) == 64 {
                Some("shared address space (cloud metadata)")
            } else if o[0] == 0 {
                Some("unspecified")
            } else if a.is_multicast() {
                Some("multicast")
            } else if o[0] >= 240 {
                Some("reserved")
            } else if o[0] == 192 && o[1] == 0 && o[2] == 0 {
                Some("IETF protocol assignments")
            } else {
                None
            }
        }
        IpAddr::V6(a) => {
            if let Some(v4) = a.to_ipv4_mapped() {
                return special_range(IpAddr::V4(v4));
            }
            let seg = a.segments();
            let embedded = |hi: u16, lo: u16| {
                std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            // Prefixes that carry an IPv4 address, which a translator or relay reaches:
            // NAT64's (`64:ff9b::/96`, `64:ff9b:1::/48`), SIIT's IPv4-translated
            // (`::ffff:0:0:0/96`) and 6to4 (`2002::/16`): judged by that address, so that
            // `64:ff9b::a9fe:a9fe` is the metadata address it leads to. Teredo (`2001::/32`)
            // hides its address and is refused whole.
            let nat64 = seg[0] == 0x64 && seg[1] == 0xff9b && (seg[2..6] == [0; 4] || seg[2] == 1);
            let translated = nat64 || (seg[..4] == [0; 4] && seg[4] == 0xffff && seg[5] == 0);
            if translated {
                return special_range(IpAddr::V4(embedded(seg[6], seg[7])));
            }
            if seg[0] == 0x2002 {
                return special_range(IpAddr::V4(embedded(seg[1], seg[2])));
            }
            if seg[0] == 0x2001 && seg[1] == 0 {
                return Some("Teredo (a tunnelled IPv4 address)");
            }
            if a.is_loopback() {
                Some("loopback")
            } else if a.is_unspecified() {
                Some("unspecified")
            } else if (seg[0] & 0xfe00) == 0xfc00 {
                Some("unique local (cloud metadata)")
            } else if (seg[0] & 0xffc0) == 0xfe80 || (seg[0] & 0xffc0) == 0xfec0 {
                Some("link-local")
            } else if a.is_multicast() {
                Some("multicast")
            } else if seg[0] == 0 && seg[1] == 0 && seg[2] == 0 && seg[3] == 0 && seg[4] == 0 {
                Some("IPv4-compatible")
            } else {
                None
            }
        }
    }
}

fn parse_host(host: &str, text: &str) -> Result<HostPattern, String> {
    if host == "*" {
        return Ok(HostPattern::Any);
    }
    if let Some((addr, prefix)) = host.split_once('/') {
        let addr: IpAddr =
            addr.parse().map_err(|_| format!("`{text}`: `{addr}` is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("`{text}`: prefix `/{prefix}` must be 0..{max}"))?;
        return Ok(HostPattern::Cidr { addr, prefix });
    }
    if let Ok(addr) = host.parse::<IpAddr>() {
        let prefix = if addr.is_ipv4() { 32 } else { 128 };
        return Ok(HostPattern::Cidr { addr, prefix });
    }
    let (suffix, name) = match host.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, host),
    };
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !valid {
        return Err(format!("`{text}`: `{host}` is not a host name, address or CIDR block"));
    }
    let name = name.to_ascii_lowercase();
    Ok(if suffix { HostPattern::Suffix(name) } else { HostPattern::Name(name) })
}

/// Whether `addr` lies in the block `net/prefix`.
#[must_use]
pub fn in_block(addr: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        let r = NetRule::parse("api.example.com:443").unwrap();
        assert_eq!(r.host, HostPattern::Name("api.example.com".into()));
        assert_eq!((r.protocol, r.port), (Protocol::Tcp, Some(443)));
        let r = NetRule::parse("udp:203.0.113.5:53").unwrap();
        assert_eq!(r.protocol, Protocol::Udp);
        assert_eq!(r.host, HostPattern::Cidr { addr: "203.0.113.5".parse().unwrap(), prefix: 32 });
        let r = NetRule::parse("10.1.0.0/16:5432").unwrap();
        assert!(r.allows(Protocol::Tcp, "10.1.200.3".parse().unwrap(), 5432, &[]));
        assert!(!r.allows(Protocol::Tcp, "10.2.0.1".parse().unwrap(), 5432, &[]));
        assert!(!r.allows(Protocol::Udp, "10.1.0.1".parse().unwrap(), 5432, &[]));
        let r = NetRule::parse("[::1]:*").unwrap();
        assert!(r.allows(Protocol::Tcp, "::1".parse().unwrap(), 9, &[]));
        assert_eq!(r.to_string(), "[::1/128]:*");
    }

    #[test]
    fn suffix_matches_subdomains_only() {
        let r = NetRule::parse("*.example.org:443").unwrap();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(r.allows(Protocol::Tcp, ip, 443, &["a.example.org".into()]));
        assert!(!r.allows(Protocol::Tcp, ip, 443, &["example.org".into()]));
        assert!(!r.allows(Protocol::Tcp, ip, 443, &["badexample.org".into()]));
    }

    #[test]
    fn special_ranges_cover_private_loopback_link_local_and_metadata() {
        for (ip, special) in [
            ("127.0.0.2", true),
            ("10.1.2.3", true),
            ("172.20.0.1", true),
            ("192.168.1.1", true),
            ("169.254.169.254", true),
            ("100.100.100.200", true),
            ("0.0.0.0", true),
            ("::1", true),
            ("fd00:ec2::254", true),
            ("fe80::1", true),
            ("::ffff:10.0.0.1", true),
            ("64:ff9b::a9fe:a9fe", true),
            ("64:ff9b::5db8:d822", false),
            ("2002:a9fe:a9fe::1", true),
            ("2002:5db8:d822::1", false),
            ("::ffff:0:a9fe:a9fe", true),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", true),
            ("93.184.216.34", false),
            ("2606:2800:220:1::", false),
            ("172.32.0.1", false),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(special_range(ip).is_some(), special, "{ip}");
        }
        let r = NetRule::parse("10.0.0.0/8:5432").unwrap();
        assert!(r.names_address("10.9.8.7".parse().unwrap()));
        assert!(!NetRule::parse("*:5432").unwrap().names_address("10.9.8.7".parse().unwrap()));
    }

    #[test]
    fn rejects_malformed_destinations() {
        for bad in ["example.com", "example.com:0", "example.com:http", "1.2.3.4/33:1", "a..b:1"] {
            assert!(NetRule::parse(bad).is_err(), "{bad} should be rejected");
        }
    }
}
