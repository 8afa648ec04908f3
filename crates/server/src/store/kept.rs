//! JSON kept for many readers, gzipped once for the readers that accept it.
//!
//! A 1,000-instrument lab's fleet is 463 KB of JSON: on loopback that costs nothing, on a
//! lab's network it is most of the fleet page's wait. Kept lists (the fleet, warnings,
//! replacements, the audit log) are compressed the first time a browser asks for them at
//! their data version, so each change costs one compression, not one per viewer.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::sync::OnceLock;

/// Below this, gzip's header and the work cost more than they save.
const MIN_BYTES: usize = 1_024;

/// A JSON body and, once asked for, its gzip.
#[derive(Debug)]
pub struct KeptJson {
    raw: Bytes,
    gzip: OnceLock<Option<Bytes>>,
}

impl KeptJson {
    pub fn new(raw: impl Into<Bytes>) -> Self {
        KeptJson {
            raw: raw.into(),
            gzip: OnceLock::new(),
        }
    }

    /// Its bytes in memory at most: the JSON and its gzip (made later, on the first
    /// request that accepts it, and never larger than the JSON it compresses by much).
    pub fn weight(&self) -> usize {
        2 * self.raw.len()
    }

    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The gzipped body; `None` when not worth it (small).
    fn gzip(&self) -> Option<&Bytes> {
        self.gzip
            .get_or_init(|| (self.raw.len() >= MIN_BYTES).then(|| gzip(&self.raw)))
            .as_ref()
    }

    /// The body as `application/json`, gzipped when the request accepts it.
    pub fn response(&self, request: &HeaderMap) -> Response {
        let json = (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
        match self.gzip().filter(|_| accepts_gzip(request)) {
            Some(body) => {
                let encoding = (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                ([json, vary, encoding], body.clone()).into_response()
            }
            None => ([json, vary], self.raw.clone()).into_response(),
        }
    }
}

fn gzip(raw: &[u8]) -> Bytes {
    // Level 6: within a few percent of the best size at a fraction of level 9's time.
    let mut encoder = GzEncoder::new(Vec::with_capacity(raw.len() / 6), Compression::new(6));
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(raw);
    Bytes::from(encoder.finish().unwrap_or_default())
}

/// Whether `Accept-Encoding` lists gzip (or `*`) with a non-zero q-value.
pub fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && q > 0.0
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    fn headers(accept: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for a in accept {
            h.append(header::ACCEPT_ENCODING, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        assert!(accepts_gzip(&headers(&["gzip, deflate, br, zstd"])));
        assert!(accepts_gzip(&headers(&["br;q=1.0, GZIP;q=0.5"])));
        assert!(accepts_gzip(&headers(&["identity", "*"])));
        assert!(!accepts_gzip(&headers(&[])));
        assert!(!accepts_gzip(&headers(&["br, deflate"])));
        assert!(!accepts_gzip(&headers(&["gzip;q=0"])));
        assert!(!accepts_gzip(&headers(&["x-gzip-not"])));
    }

    #[tokio::test]
    async fn a_kept_body_is_gzipped_once_and_unzips_to_itself() {
        let raw = serde_json::to_vec(&vec![("instrument", 42, 98.5); 500]).unwrap();
        let kept = KeptJson::new(raw.clone());
        let zipped = kept.response(&headers(&["gzip"]));
        assert_eq!(zipped.headers()[header::CONTENT_ENCODING], "gzip");
        assert_eq!(zipped.headers()[header::VARY], "accept-encoding");
        let body = axum::body::to_bytes(zipped.into_body(), usize::MAX)
            .await
            .unwrap();
        assert!(
            body.len() * 10 < raw.len(),
            "{} of {}",
            body.len(),
            raw.len()
        );
        let mut unzipped = Vec::new();
        GzDecoder::new(&body[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, raw);
        // Compressed once: the same bytes again.
        assert!(std::ptr::eq(kept.gzip().unwrap(), kept.gzip().unwrap()));

        let plain = kept.response(&headers(&["br"]));
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let body = axum::body::to_bytes(plain.into_body(), usize::MAX)
            .await
            .unwrap();
        assert_eq!(body, raw);
        // A small body is never zipped.
        let small = KeptJson::new(b"[]".to_vec());
        let r = small.response(&headers(&["gzip"]));
        assert!(r.headers().get(header::CONTENT_ENCODING).is_none());
    }
}
