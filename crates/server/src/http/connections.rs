//! Serving connections, with limits on who holds them and for how long.
//!
//! `axum::serve` gives hyper no timer, so a client dripping one byte of its headers
//! every few seconds kept its connection (and a task) for ever, and nothing capped how
//! many connections one client, or everyone together, may hold. Here each connection is
//! served by hyper's HTTP/1.1 with a timer: a request head must arrive whole within
//! [`HEAD_TIMEOUT`] (this also closes a kept-alive connection that stays silent that
//! long), heads are capped at [`MAX_HEAD_BYTES`] (larger: 431), and a new connection
//! beyond [`Limits`] is closed at once, before it costs a task.

use crate::http::limits::client_network;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

/// A request head (request line and headers) must arrive whole within this.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest request head read; a larger one answers 431 (or 414 for a long URI).
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How many connections may be open at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From everyone together: bounded by the process's file descriptors.
    pub total: usize,
    /// From one address (an IPv6 /64): a whole lab behind one NAT shares it, so generous.
    pub per_address: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            total: 4_096,
            per_address: 256,
        }
    }
}

/// The open connections, counted per address. Bounded: at most `total` addresses, since
/// an address is only kept while it holds a connection.
#[derive(Clone)]
pub struct Gate {
    limits: Limits,
    open: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// A connection let in; dropping it (the connection ends) frees its place.
pub struct Admitted {
    open: Arc<Mutex<Open>>,
    address: IpAddr,
}

impl Gate {
    pub fn new(limits: Limits) -> Gate {
        Gate {
            limits,
            open: Arc::default(),
        }
    }

    /// A place for a new connection from `addr`, or `None` when it or everyone is at
    /// the limit.
    pub fn admit(&self, addr: IpAddr) -> Option<Admitted> {
        let address = client_network(addr);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mine = open.by_address.get(&address).copied().unwrap_or(0);
        if open.total >= self.limits.total || mine >= self.limits.per_address {
            return None;
        }
        open.total += 1;
        open.by_address.insert(address, mine + 1);
        Some(Admitted {
            open: self.open.clone(),
            address,
        })
    }

    /// How many connections are open now.
    pub fn open(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total -= 1;
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

/// Serves `app` on the connections `listener` accepts until `shutdown` resolves, then
/// lets each finish its request in flight. Handlers see the client's address as
/// `ConnectInfo<SocketAddr>`.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    gate: Gate,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let (stop, stopping) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let mut refused: u64 = 0;
    loop {
        let (io, peer) = tokio::select! {
            conn = listener.accept() => conn,
            () = &mut shutdown => break,
        };
        let Some(admitted) = gate.admit(peer.ip()) else {
            // Closed unread. Logged sparsely: a flood must not become a flood of logs.
            refused += 1;
            if refused.is_power_of_two() {
                tracing::warn!(%peer, refused, "connection refused: too many open");
            }
            continue;
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req.map(Body::new))
        });
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let _admitted = admitted;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .max_buf_size(MAX_HEAD_BYTES);
            let conn = http.serve_connection(TokioIo::new(io), service);
            let mut conn = std::pin::pin!(conn);
            let ended = tokio::select! {
                r = conn.as_mut() => Some(r),
                _ = stopping.changed() => None,
            };
            let ended = match ended {
                Some(r) => r,
                None => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(%peer, error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    // Every connection task holds a receiver: `closed` is when the last has finished.
    drop(stopping);
    let _ = stop.send(());
    stop.closed().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_and_everyone_have_a_limit_and_a_closed_connection_frees_its_place() {
        let gate = Gate::new(Limits {
            total: 3,
            per_address: 2,
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let a1 = gate.admit(a).unwrap();
        let _a2 = gate.admit(a).unwrap();
        assert!(gate.admit(a).is_none(), "a third from one address");
        let _b1 = gate.admit(b).unwrap();
        assert!(
            gate.admit("192.0.2.3".parse().unwrap()).is_none(),
            "a fourth in all"
        );
        drop(a1);
        assert_eq!(gate.open(), 2);
        assert!(gate.admit(a).is_some(), "a place freed is a place again");
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let gate = Gate::new(Limits {
            total: 10,
            per_address: 1,
        });
        let _one = gate.admit("2001:db8::1".parse().unwrap()).unwrap();
        assert!(gate.admit("2001:db8::2".parse().unwrap()).is_none());
        assert!(gate.admit("2001:db8:0:1::1".parse().unwrap()).is_some());
    }
}
