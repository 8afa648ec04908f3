//! HTTPS served by the server itself: rustls (ring provider), TLS 1.2 and 1.3 only, a
//! certificate chain and key from PEM files (`--tls-cert`, `--tls-key`) or a self-signed
//! certificate for localhost made at start (`--self-signed`, for demos).
//!
//! [`TlsListener`] plugs into `axum::serve`, so graceful shutdown works as with plain
//! TCP. Handshakes run in their own tasks with a deadline: a client that connects and
//! says nothing cannot hold up anybody else's connection.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
pub use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// How long a client has to finish the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The value of `Strict-Transport-Security` sent on every HTTPS response: a year.
pub const HSTS: &str = "max-age=31536000";

/// A certificate chain (leaf first) and its private key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Identity {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// Reads a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or
/// SEC1). The errors name the file and what is wrong with it.
pub fn load_pem(cert: &Path, key: &Path) -> Result<Identity, String> {
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("cannot read certificate {}: {e}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{} is not a PEM certificate chain: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "{} holds no certificate (expected -----BEGIN CERTIFICATE-----)",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read a PEM private key from {}: {e}", key.display()))?;
    Ok(Identity { chain, key })
}

/// A self-signed certificate for `names` (host names or IP addresses), made now.
pub struct SelfSigned {
    pub identity: Identity,
    /// The certificate, PEM: give it to agents (`--ca`) and browsers to trust.
    pub cert_pem: String,
}

pub fn self_signed(names: &[&str]) -> Result<SelfSigned, String> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names)
        .map_err(|e| format!("cannot make a self-signed certificate: {e}"))?;
    Ok(SelfSigned {
        cert_pem: made.cert.pem(),
        identity: Identity {
            chain: vec![made.cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der())),
        },
    })
}

/// The server's TLS settings: TLS 1.3 and 1.2 only, ring's cipher suites, no client
/// certificates, HTTP/1.1.
pub fn server_config(identity: Identity) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| format!("TLS settings: {e}"))?
        .with_no_client_auth()
        .with_single_cert(identity.chain, identity.key)
        .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Plain HTTP is for development on this machine only: without TLS the server listens on
/// loopback addresses only.
pub fn check_plain_http(addr: SocketAddr) -> Result<(), String> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(format!(
            "refusing to serve plain HTTP on {addr}: give --tls-cert and --tls-key (or --self-signed), \
             or listen on a loopback address such as 127.0.0.1"
        ))
    }
}

/// A TCP listener whose connections come out TLS-terminated, for `axum::serve`.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Starts accepting on `tcp`; handshakes run concurrently, each with
    /// [`HANDSHAKE_TIMEOUT`]. Accepting stops when the listener is dropped.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<TlsListener> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        tokio::spawn(async move {
            loop {
                let (stream, peer) = tokio::select! {
                    _ = tx.closed() => return,
                    accepted = tcp.accept() => match accepted {
                        Ok(x) => x,
                        Err(e) => {
                            // Out of file descriptors and the like: wait, as axum does.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task only ends once this listener is gone.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(check_plain_http("127.0.0.1:8080".parse().unwrap()).is_ok());
        assert!(check_plain_http("[::1]:8080".parse().unwrap()).is_ok());
        let err = check_plain_http("0.0.0.0:8080".parse().unwrap()).unwrap_err();
        assert!(err.contains("--tls-cert"), "{err}");
        assert!(!err.contains('\n'), "one line");
        assert!(check_plain_http("192.168.1.20:443".parse().unwrap()).is_err());
    }

    #[test]
    fn a_self_signed_certificate_makes_a_server_config() {
        let s = self_signed(&["localhost", "127.0.0.1"]).unwrap();
        assert!(s.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        server_config(s.identity).unwrap();
    }

    #[test]
    fn pem_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, "not a certificate").unwrap();
        std::fs::write(&key, "not a key").unwrap();
        let err = load_pem(&cert, &key).err().unwrap();
        assert!(err.contains("cert.pem"), "{err}");
        let s = self_signed(&["localhost"]).unwrap();
        std::fs::write(&cert, &s.cert_pem).unwrap();
        let err = load_pem(&cert, &key).err().unwrap();
        assert!(err.contains("key.pem"), "{err}");
        let err = load_pem(&dir.path().join("missing.pem"), &key)
            .err()
            .unwrap();
        assert!(err.contains("missing.pem"), "{err}");
    }
}
