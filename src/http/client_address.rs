//! The client's address as `auth::network` resolves it from the connection
//! and `X-Forwarded-For` (see there for why only trusted proxies count).

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::auth::network::{canonical, resolve, Network};

/// The client's address: the peer's, or when the peer is a trusted proxy
/// the one it (and any trusted proxies before it) forwarded for.
pub fn client_address(req: &HttpRequest, trusted: &[Network]) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    let forwarded: Vec<String> =
        req.headers().get_all("x-forwarded-for").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
    Some(resolve(peer, forwarded.iter().map(String::as_str), trusted))
}
