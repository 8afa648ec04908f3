//! HTTPS end to end: a lab's own CA signs the server's certificate; `seqhealth-agent watch`
//! given that CA with `--ca` pushes a finished run over TLS and it arrives; without the CA
//! (or with another CA) the agent refuses the server's certificate, says so, and keeps the
//! run in its spool — nothing lost, nothing sent in clear.
//!
//! The server here is a minimal HTTP/1.1 responder behind tokio-rustls that records each
//! request and answers like the ingest API (`seqhealth-server` depends on this crate, so
//! its router cannot be a dev-dependency here without linking two copies of the agent).

use std::net::SocketAddr;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use seqhealth_api::RunIngest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// What the TLS server saw.
#[derive(Default)]
struct Seen {
    /// (request line, Authorization header, body) of each request.
    requests: Vec<(String, Option<String>, Vec<u8>)>,
    /// Failed TLS handshakes, with the reason rustls gave.
    handshake_errors: Vec<String>,
}

struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

/// A CA, and a certificate for localhost / 127.0.0.1 that it signed.
fn lab_pki(name: &str) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, format!("{name} test CA"));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".into()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = leaf.signed_by(&key, &ca).unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![cert.der().clone(), ca.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// Serve HTTPS on a loopback port; every request gets an ingest acknowledgement.
async fn tls_server(pki: &Pki) -> (SocketAddr, Arc<Mutex<Seen>>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, record) = (acceptor.clone(), record.clone());
            tokio::spawn(async move {
                let mut tls = match acceptor.accept(tcp).await {
                    Ok(s) => s,
                    Err(e) => {
                        record.lock().unwrap().handshake_errors.push(e.to_string());
                        return;
                    }
                };
                let Some((line, auth, body)) = read_request(&mut tls).await else {
                    return;
                };
                record.lock().unwrap().requests.push((line, auth, body));
                let ack = r#"{"stored":true,"readings":0,"events":0}"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{ack}",
                    ack.len()
                );
                let _ = tls.write_all(resp.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, seen)
}

/// One HTTP/1.1 request: (request line, Authorization value, body).
async fn read_request<S: AsyncReadExt + Unpin>(
    s: &mut S,
) -> Option<(String, Option<String>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let line = lines.next()?.to_string();
    let header = |name: &str| {
        head.split("\r\n").find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let length: usize = header("content-length")?.parse().ok()?;
    let auth = header("authorization");
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((line, auth, body))
}

/// A finished run folder (synthetic, from the InterOp writer) in `runs/`.
fn finished_run(runs: &Path) -> String {
    let run = seqhealth_interop::write::SyntheticRun::default();
    let dir = runs.join("250101_SYN001_0001_ASYNTHETIC");
    run.write(&dir).unwrap();
    std::fs::write(dir.join("RTAComplete.txt"), "done").unwrap();
    run.run_id
}

async fn watch_once(
    runs: &Path,
    server: &str,
    token: &Path,
    spool: &Path,
    ca: Option<&Path>,
) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_seqhealth-agent"));
    cmd.arg("watch")
        .arg(runs)
        .args(["--server", server, "--once", "--every", "1"])
        .arg("--token-file")
        .arg(token)
        .arg("--spool")
        .arg(spool)
        // Only the CA given here (and the system's) may be trusted.
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    if let Some(ca) = ca {
        cmd.arg("--ca").arg(ca);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn pending(spool: &Path) -> usize {
    std::fs::read_dir(spool)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_pushes_over_https_only_to_a_server_its_ca_vouches_for() {
    let lab = lab_pki("Northgate lab");
    let (addr, seen) = tls_server(&lab).await;
    let server = format!("https://localhost:{}", addr.port());
    let dir = tempfile::tempdir().unwrap();
    let (runs, spool) = (dir.path().join("runs"), dir.path().join("spool"));
    std::fs::create_dir_all(&runs).unwrap();
    let run_id = finished_run(&runs);
    let token = dir.path().join("token");
    // Owner-only, as `enroll` writes it: mode 0600, or on Windows a protected DACL.
    seqhealth_agent::config::write_atomically(&token, b"instrument-token-123\n", true).unwrap();
    let ca = dir.path().join("lab-ca.pem");
    std::fs::write(&ca, &lab.ca_pem).unwrap();
    let stranger = dir.path().join("other-ca.pem");
    std::fs::write(&stranger, lab_pki("Someone else").ca_pem).unwrap();

    // 1. Without the lab's CA: the certificate is refused, the run waits in the spool.
    let out = watch_once(&runs, &server, &token, &spool, None).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("without the lab's CA: {stdout}");
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("certificate") && stdout.contains("1 run(s) kept in the spool"),
        "the reason names the certificate: {stdout}"
    );
    // The run and its derived hardware signals (a telemetry batch).
    assert_eq!(pending(&spool), 2, "the run is spooled, not lost");

    // 2. With another CA: refused the same way.
    let out = watch_once(&runs, &server, &token, &spool, Some(&stranger)).await;
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(pending(&spool), 2);
    {
        let seen = seen.lock().unwrap();
        assert!(
            seen.requests.is_empty(),
            "nothing was sent before TLS was trusted"
        );
        assert_eq!(
            seen.handshake_errors.len(),
            2,
            "{:?}",
            seen.handshake_errors
        );
    }

    // 3. With `--ca` of the lab's CA: delivered once, the spool is empty.
    let out = watch_once(&runs, &server, &token, &spool, Some(&ca)).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("sent 2"), "{stdout}");
    assert_eq!(pending(&spool), 0);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.requests.len(), 2);
    assert!(
        seen.requests[1]
            .0
            .starts_with("POST /api/v1/ingest/telemetry HTTP/1.1"),
        "the run's signals follow it: {}",
        seen.requests[1].0
    );
    let (line, auth, body) = &seen.requests[0];
    assert!(
        line.starts_with("POST /api/v1/ingest/runs HTTP/1.1"),
        "{line}"
    );
    assert_eq!(auth.as_deref(), Some("Bearer instrument-token-123"));
    let run: RunIngest = serde_json::from_slice(body).expect("the body is a RunIngest");
    assert_eq!(run.run_id, run_id);
    assert!(run.summary.pct_q30.is_some_and(|q| q > 80.0), "{run:?}");
}
