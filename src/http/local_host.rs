//! `keel demo`'s console lets anyone act as anyone, which is safe only while nothing but this
//! machine reaches it. A web page on another site can still reach it through a local browser by
//! DNS rebinding (the page's own host name made to resolve to 127.0.0.1), so the demo answers
//! only requests addressed to an IP address or to `localhost`, at the port it listens on.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// `router`, answering only requests addressed to this machine as it listens at `bound`.
pub fn only_local(router: Router, bound: SocketAddr) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        bound,
        refuse_other_hosts,
    ))
}

async fn refuse_other_hosts(
    State(bound): State<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .uri()
        .authority()
        .map(|authority| authority.as_str().to_string())
        .or_else(|| {
            request
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        });
    if host.is_some_and(|host| addressed_here(&host, bound)) {
        return next.run(request).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        format!(
            "keel demo answers only requests addressed to this machine by its address or as \
             localhost (this keeps other web sites out of it): open http://127.0.0.1:{}/console \
             or http://localhost:{}/console.\n",
            bound.port(),
            bound.port()
        ),
    )
        .into_response()
}

/// Whether a Host (`name[:port]`) names this machine listening at `bound`: `localhost`, a
/// loopback address, the address bound, or any address when bound to all of them. A host
/// *name* other than localhost is what DNS rebinding uses, so it is never accepted.
fn addressed_here(host: &str, bound: SocketAddr) -> bool {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((name, after)) => (name, after.strip_prefix(':')),
            None => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let port_matches = match port {
        Some(port) => port.parse::<u16>().is_ok_and(|p| p == bound.port()),
        None => bound.port() == 80,
    };
    let name_matches = name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == bound.ip() || bound.ip().is_unspecified());
    port_matches && name_matches
}

#[cfg(test)]
mod tests {
    use super::addressed_here;
    use std::net::SocketAddr;

    fn at(address: &str) -> SocketAddr {
        address.parse().expect("an address")
    }

    #[test]
    fn the_local_machine_by_address_or_as_localhost_is_accepted() {
        let bound = at("127.0.0.1:8080");
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
        ] {
            assert!(addressed_here(host, bound), "{host}");
        }
        assert!(addressed_here("192.168.1.5:8080", at("0.0.0.0:8080")));
        assert!(addressed_here("192.168.1.5:8080", at("192.168.1.5:8080")));
        assert!(addressed_here("localhost", at("127.0.0.1:80")));
    }

    #[test]
    fn another_name_port_or_address_is_refused() {
        let bound = at("127.0.0.1:8080");
        for host in [
            "evil.example:8080",
            "evil.example",
            "localhost.evil.example:8080",
            "127.0.0.1.nip.io:8080",
            "localhost:8081",
            "127.0.0.1",
            "192.168.1.5:8080",
            "[::1",
            "",
        ] {
            assert!(!addressed_here(host, bound), "{host}");
        }
        assert!(!addressed_here("evil.example:8080", at("0.0.0.0:8080")));
    }
}
