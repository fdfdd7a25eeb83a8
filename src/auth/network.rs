//! Which address a request came from, for sign-in throttling. Behind a load
//! balancer every connection comes from the balancer: counting failures by
//! that address would let one person's mistakes lock everybody out. So when
//! the connection comes from a proxy named in `TRUSTED_PROXIES`, the client
//! is the nearest address in `X-Forwarded-For` that is not itself a trusted
//! proxy (read from the right: entries further left were written by the
//! client and prove nothing). List only the balancers' own addresses: any
//! client inside a trusted range could name any address it liked.

use std::net::IpAddr;

/// An address or a network in CIDR form (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn parse(text: &str) -> Result<Network, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let address: IpAddr = address.parse().map_err(|_| format!("`{text}` is not an address or a CIDR network"))?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{text}` has a prefix length that is not 0 to {max}"))?,
        };
        Ok(Network { address, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => same_prefix(&net.octets(), &ip.octets(), self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => same_prefix(&net.octets(), &ip.octets(), self.prefix),
            _ => false,
        }
    }
}

/// Parses a comma-separated list, as `TRUSTED_PROXIES` holds it.
pub fn parse_networks(list: &str) -> Result<Vec<Network>, String> {
    list.split(',').filter(|s| !s.trim().is_empty()).map(Network::parse).collect()
}

/// An IPv4 address mapped into IPv6 (`::ffff:192.0.2.7`) as the IPv4 address it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0
}

/// One hop as proxies write it: an address, or an address with a port
/// (`192.0.2.7:5678`, `[2001:db8::1]:443`, as some balancers append).
fn hop_address(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

/// The client's address: the peer's, or when the peer is a trusted proxy
/// the one it (and any trusted proxies before it) forwarded for.
pub fn resolve<'a>(peer: IpAddr, forwarded: impl Iterator<Item = &'a str>, trusted: &[Network]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match hop_address(hop) {
            // A hop that is not an address: the chain cannot be followed further.
            None => break,
            Some(ip) => {
                client = canonical(ip);
                if !is_trusted(client) {
                    break;
                }
            }
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let n = Network::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.200.1.1")));
        assert!(n.contains(ip("::ffff:10.1.1.1")));
        assert!(!n.contains(ip("11.0.0.1")));
        let one = Network::parse("192.0.2.7").unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6 = Network::parse("fd00::/12").unwrap();
        assert!(v6.contains(ip("fd0f::1")) && !v6.contains(ip("fd10::1")));
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("proxy.local").is_err());
        assert_eq!(parse_networks(" 10.0.0.1, ,fd00::/8").unwrap().len(), 2);
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let trusted = parse_networks("10.0.0.0/8").unwrap();
        // Not from a proxy: the header is the client's own say-so.
        assert_eq!(resolve(ip("198.51.100.4"), ["1.2.3.4"].into_iter(), &trusted), ip("198.51.100.4"));
        // From the balancer: the address it saw.
        assert_eq!(resolve(ip("10.0.0.2"), ["198.51.100.4"].into_iter(), &trusted), ip("198.51.100.4"));
        // A client cannot pick its address by sending its own header first.
        assert_eq!(resolve(ip("10.0.0.2"), ["6.6.6.6, 198.51.100.4"].into_iter(), &trusted), ip("198.51.100.4"));
        // Two trusted hops, and the header split over two lines.
        assert_eq!(resolve(ip("10.0.0.2"), ["198.51.100.4", "10.0.0.9"].into_iter(), &trusted), ip("198.51.100.4"));
        // Ports, as some balancers append them.
        assert_eq!(resolve(ip("10.0.0.2"), ["198.51.100.4:5678"].into_iter(), &trusted), ip("198.51.100.4"));
        assert_eq!(resolve(ip("10.0.0.2"), ["[2001:db8::7]:443"].into_iter(), &trusted), ip("2001:db8::7"));
        // Garbage stops the walk at the last good hop.
        assert_eq!(resolve(ip("10.0.0.2"), ["nonsense"].into_iter(), &trusted), ip("10.0.0.2"));
        assert_eq!(resolve(ip("10.0.0.2"), [].into_iter(), &[]), ip("10.0.0.2"));
    }
}
