//! HTTPS served by the server itself, on a loopback port in-process: a lab CA (rcgen)
//! signs a certificate for localhost, loaded from PEM files as `--tls-cert`/`--tls-key`
//! would; TLS 1.3 and 1.2 connect and nothing older does; responses carry HSTS (plain
//! HTTP ones do not); the agent pushes a run over HTTPS trusting the lab CA and refuses
//! the server without it; shutdown is still graceful.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use seqhealth_agent::push::{PushError, Pusher};
use seqhealth_agent::simulate::{runs, SimConfig};
use seqhealth_demo::{provision, Provisioned};
use seqhealth_server::http::tls;
use seqhealth_server::{app, serve, serve_tls, store as db, AppState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, ProtocolVersion, RootCertStore};

/// A CA and, signed by it, a certificate for localhost and 127.0.0.1, written as PEM files.
struct Pki {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    ca_der: CertificateDer<'static>,
    cert: PathBuf,
    key: PathBuf,
}

fn lab_pki() -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "seqhealth test lab CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".into()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = leaf.signed_by(&key, &ca).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    Pki {
        ca: write("ca.pem", &ca.pem()),
        ca_der: ca.der().clone(),
        cert: write("cert.pem", &format!("{}{}", cert.pem(), ca.pem())),
        key: write("key.pem", &key.serialize_pem()),
        _dir: dir,
    }
}

struct Server {
    addr: SocketAddr,
    db: sqlx::AnyPool,
    fleet: Vec<Provisioned>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn start(tls_files: Option<(&Path, &Path)>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let pool = db::connect(&url).await.unwrap();
    let fleet = provision(&pool, Some(&["M03302"])).await.unwrap().unwrap();
    let router = app(AppState::new(pool.clone()), None);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = match tls_files {
        Some((cert, key)) => {
            let config = tls::server_config(tls::load_pem(cert, key).unwrap()).unwrap();
            tokio::spawn(serve_tls(
                listener,
                config,
                router,
                shutdown,
                Default::default(),
            ))
        }
        None => tokio::spawn(serve(listener, router, shutdown)),
    };
    Server {
        addr,
        db: pool,
        fleet,
        stop,
        task,
        _dir: dir,
    }
}

/// A raw TLS handshake offering only `version`; the version the server agreed to.
async fn handshake(
    addr: SocketAddr,
    ca: &CertificateDer<'static>,
    version: &'static rustls::SupportedProtocolVersion,
) -> Result<ProtocolVersion, String> {
    let mut roots = RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[version])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .map_err(|e| e.to_string())?;
    // An HTTP request through it, to see the whole path works at this version.
    tls.write_all(b"GET /api/v1/session HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    Ok(tls.get_ref().1.protocol_version().unwrap())
}

/// A TLS 1.1 ClientHello by hand (rustls cannot send one): the first record the server
/// sends back.
async fn tls11_client_hello(addr: SocketAddr) -> Vec<u8> {
    let mut body = vec![0x03, 0x02]; // client_version TLS 1.1
    body.extend([7u8; 32]); // random
    body.push(0); // no session id
    body.extend([0x00, 0x04, 0xc0, 0x13, 0x00, 0x2f]); // ECDHE-RSA-AES128-SHA, AES128-SHA
    body.extend([0x01, 0x00]); // null compression
    let mut hs = vec![0x01, 0x00, 0x00, body.len() as u8];
    hs.extend(body);
    let mut record = vec![0x16, 0x03, 0x01, 0x00, hs.len() as u8];
    record.extend(hs);
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(&record).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tcp.read_to_end(&mut answer),
    )
    .await;
    answer
}

fn https_client(ca: Option<&Path>, version: reqwest::tls::Version) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .https_only(true)
        .min_tls_version(version)
        .max_tls_version(version);
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap();
        b = b.add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap());
    }
    b.build().unwrap()
}

#[tokio::test]
async fn https_with_tls_1_3_and_1_2_only_hsts_and_an_agent_that_verifies_the_certificate() {
    let pki = lab_pki();
    let server = start(Some((&pki.cert, &pki.key))).await;
    let port = server.addr.port();
    let base = format!("https://localhost:{port}");

    // TLS 1.3 and 1.2, each alone, complete a handshake and an HTTP exchange.
    let v13 = handshake(server.addr, &pki.ca_der, &rustls::version::TLS13).await;
    assert_eq!(v13, Ok(ProtocolVersion::TLSv1_3));
    let v12 = handshake(server.addr, &pki.ca_der, &rustls::version::TLS12).await;
    assert_eq!(v12, Ok(ProtocolVersion::TLSv1_2));
    // TLS 1.1 is answered with an alert (record type 21), never a ServerHello (22).
    let answer = tls11_client_hello(server.addr).await;
    assert_eq!(answer.first(), Some(&0x15), "an alert: {answer:02x?}");

    // Over both versions: the API answers, with HSTS.
    for version in [
        reqwest::tls::Version::TLS_1_3,
        reqwest::tls::Version::TLS_1_2,
    ] {
        let resp = https_client(Some(&pki.ca), version)
            .get(format!("{base}/api/v1/session"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{version:?}: {e:?}"));
        assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
        assert_eq!(
            resp.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some(tls::HSTS),
            "{version:?}"
        );
        assert!(resp.headers().contains_key("content-security-policy"));
    }
    // Over HTTPS the session cookie is `Secure` with the `__Host-` prefix, and opens the
    // session; a cookie of the plain-HTTP name opens nothing there.
    let client = https_client(Some(&pki.ca), reqwest::tls::Version::TLS_1_3);
    let login = client
        .post(format!("{base}/api/v1/session"))
        .header("origin", &base)
        .json(&serde_json::json!({ "email": "ada@northgate.example", "password": seqhealth_demo::DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), reqwest::StatusCode::OK);
    let set = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.starts_with("__Host-seqhealth_session=")
            && set.contains("Secure")
            && set.contains("Path=/")
            && set.contains("HttpOnly")
            && !set.contains("Domain"),
        "{set}"
    );
    let token = set.split(';').next().unwrap().split_once('=').unwrap().1;
    for (cookie, expected) in [
        (
            format!("__Host-seqhealth_session={token}"),
            reqwest::StatusCode::OK,
        ),
        (
            format!("seqhealth_session={token}"),
            reqwest::StatusCode::UNAUTHORIZED,
        ),
    ] {
        let resp = client
            .get(format!("{base}/api/v1/session"))
            .header("cookie", cookie.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected, "{cookie}");
    }

    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/session"))
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");

    // The agent pushes a run over HTTPS, trusting the lab CA…
    let p = &server.fleet[0];
    let cfg = SimConfig {
        days: 30,
        ..SimConfig::demo(7, "2026-06-30T00:00:00Z".parse().unwrap())
    };
    let run = runs(p.instrument, &cfg).into_iter().next().unwrap();
    let agent = Pusher::with_ca(&base, &p.token, Some(&pki.ca)).unwrap();
    let ack = agent.run(&run).await.unwrap();
    assert!(ack.stored);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM runs WHERE run_id = $1")
        .bind(&run.run_id)
        .fetch_one(&server.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    // …and without it (the system's CAs only) refuses the server's certificate.
    let err = Pusher::new(&base, &p.token).run(&run).await.unwrap_err();
    assert!(matches!(err, PushError::Transport(_)), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
    // A certificate the agent was not told to trust: another CA's.
    let other = lab_pki();
    let err = Pusher::with_ca(&base, &p.token, Some(&other.ca))
        .unwrap()
        .run(&run)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");

    // Graceful shutdown: the server stops and the port closes.
    server.stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), server.task)
        .await
        .expect("stops in time")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(server.addr).await.is_err(),
        "the port is closed"
    );
}

#[tokio::test]
async fn a_self_signed_certificate_serves_https_and_plain_http_has_no_hsts() {
    let made = tls::self_signed(&["localhost", "127.0.0.1"]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("self.pem");
    std::fs::write(&cert, &made.cert_pem).unwrap();
    let key = dir.path().join("self.key");
    std::fs::write(&key, rustls_key_pem(&made.identity.key)).unwrap();
    let server = start(Some((&cert, &key))).await;
    let resp = https_client(Some(&cert), reqwest::tls::Version::TLS_1_3)
        .get(format!(
            "https://localhost:{}/api/v1/fleet",
            server.addr.port()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(resp.headers().contains_key("strict-transport-security"));

    let plain = start(None).await;
    let resp = reqwest::get(format!("http://{}/api/v1/fleet", plain.addr))
        .await
        .unwrap();
    assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
    assert!(
        !resp.headers().contains_key("strict-transport-security"),
        "no HSTS over plain HTTP"
    );
    assert!(resp.headers().contains_key("content-security-policy"));
}

/// The PKCS#8 key as PEM, as `--tls-key` would hold it.
fn rustls_key_pem(key: &rustls::pki_types::PrivateKeyDer<'_>) -> String {
    let rustls::pki_types::PrivateKeyDer::Pkcs8(k) = key else {
        panic!("rcgen makes PKCS#8 keys")
    };
    KeyPair::try_from(k.secret_pkcs8_der())
        .unwrap()
        .serialize_pem()
}
