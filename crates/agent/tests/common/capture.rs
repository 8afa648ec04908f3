//! A small plain-HTTP/1.1 server on a local port that records every request's bytes and
//! answers like the ingest API (or refuses, as told): the agent's tests see exactly what
//! would go on the wire.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Request {
    /// "POST /api/v1/ingest/runs HTTP/1.1"
    pub line: String,
    /// Every byte received: request line, headers and body.
    pub raw: Vec<u8>,
    pub body: Vec<u8>,
}

/// (status, JSON body) for a request.
pub type Respond = dyn Fn(&Request) -> (u16, String) + Send + Sync;

pub struct Capture {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Request>>>,
}

/// The ingest API's acknowledgement.
pub const ACK: &str = r#"{"stored":true,"readings":0,"events":0}"#;

impl Capture {
    /// Serves on `bind` (e.g. "127.0.0.1:0") until the test process ends.
    pub fn start(bind: &str, respond: Box<Respond>) -> Capture {
        let listener = TcpListener::bind(bind).expect("a local port");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let respond: Arc<Respond> = Arc::from(respond);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (record, respond) = (record.clone(), respond.clone());
                std::thread::spawn(move || serve(stream, &record, &*respond));
            }
        });
        Capture { addr, seen }
    }

    /// Acknowledges every request.
    pub fn acking(bind: &str) -> Capture {
        Capture::start(bind, Box::new(|_| (200, ACK.to_string())))
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(mut s: TcpStream, record: &Mutex<Vec<Request>>, respond: &Respond) {
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(30)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => {
                // Whatever arrived counts as sent, even without a whole request.
                if !buf.is_empty() {
                    record.lock().unwrap().push(Request {
                        line: String::new(),
                        raw: buf,
                        body: Vec::new(),
                    });
                }
                return;
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .split("\r\n")
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let req = Request {
        line: head.split("\r\n").next().unwrap_or("").to_string(),
        body: buf[head_end.min(buf.len())..].to_vec(),
        raw: buf,
    };
    let (status, body) = respond(&req);
    record.lock().unwrap().push(req);
    let resp = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(resp.as_bytes());
    let _ = s.flush();
}
