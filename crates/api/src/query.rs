//! Query strings as types: the dashboard writes them with [`Query::to_query`], the server
//! reads them with serde (through each type's all-text twin, so a bad value gets the API's
//! JSON 400 naming the field and the values it takes, never a framework's plain text).
//! An absent or empty value means "any", except where a type says otherwise.

use crate::replacements::ReplacementStatus;
use crate::Language;
use crate::{Severity, Subsystem, WarningStatus};
use serde::Deserialize;
use std::fmt;

/// Why a query string was refused: the sentence the 400's `detail` carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A query string the dashboard can write.
pub trait Query {
    /// Writes each asked filter with [`QueryString::pair`]; absent ones are left out.
    fn write(&self, q: &mut QueryString);

    /// `a=1&b=2`, each value percent-encoded; empty when nothing is asked.
    fn to_query(&self) -> String {
        let mut q = QueryString(String::new());
        self.write(&mut q);
        q.0
    }
}

/// A query string being written.
pub struct QueryString(String);

impl QueryString {
    /// Appends `name=value`, the value percent-encoded (all but RFC 3986's unreserved
    /// characters).
    pub fn pair(&mut self, name: &str, value: &str) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let out = &mut self.0;
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }

    fn instrument(&mut self, instrument: Option<i64>) {
        if let Some(i) = instrument {
            self.pair("instrument", &i.to_string());
        }
    }

    fn some(&mut self, name: &str, value: &Option<String>) {
        if let Some(v) = value {
            self.pair(name, v);
        }
    }
}

/// Which statuses a list shows: the open ones, all, or exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter<S> {
    Open,
    All,
    Only(S),
}

impl<S: Copy> StatusFilter<S> {
    /// The filter as its query value: `open`, `all` or the one status's name.
    pub fn as_str(self, name: fn(S) -> &'static str) -> &'static str {
        match self {
            StatusFilter::Open => "open",
            StatusFilter::All => "all",
            StatusFilter::Only(s) => name(s),
        }
    }
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// An `instrument=` filter: an instrument id (whose lab the server checks).
fn instrument_id(v: Option<String>) -> Result<Option<i64>, QueryError> {
    nonempty(v)
        .map(|s| {
            s.parse::<i64>().map_err(|_| {
                QueryError(format!("`instrument` must be an instrument id, not {s:?}"))
            })
        })
        .transpose()
}

// ---------------------------------------------------------------- warnings

/// `GET /warnings`: by status (open when absent), severity, subsystem and instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawWarningQuery")]
pub struct WarningQuery {
    pub status: StatusFilter<WarningStatus>,
    pub severity: Option<Severity>,
    pub subsystem: Option<Subsystem>,
    pub instrument: Option<i64>,
}

impl Default for WarningQuery {
    fn default() -> Self {
        WarningQuery {
            status: StatusFilter::Open,
            severity: None,
            subsystem: None,
            instrument: None,
        }
    }
}

#[derive(Deserialize)]
struct RawWarningQuery {
    status: Option<String>,
    severity: Option<String>,
    subsystem: Option<String>,
    instrument: Option<String>,
}

impl TryFrom<RawWarningQuery> for WarningQuery {
    type Error = QueryError;
    fn try_from(raw: RawWarningQuery) -> Result<Self, QueryError> {
        // An empty status is refused (not "open"): no dashboard control sends one.
        let status = match raw.status.as_deref() {
            None | Some("open") => StatusFilter::Open,
            Some("all") => StatusFilter::All,
            Some(s) => StatusFilter::Only(WarningStatus::parse(s).ok_or_else(|| {
                QueryError(format!(
                    "`status` must be open, active, acknowledged, resolved or all, not {s:?}"
                ))
            })?),
        };
        let severity = nonempty(raw.severity)
            .map(|s| {
                Severity::parse(&s).ok_or_else(|| {
                    QueryError(format!(
                        "`severity` must be info, warning or critical, not {s:?}"
                    ))
                })
            })
            .transpose()?;
        let subsystem = nonempty(raw.subsystem)
            .map(|s| {
                Subsystem::parse(&s).ok_or_else(|| {
                    QueryError(format!(
                        "`subsystem` must be optical, mechanical, thermal or fluidics, not {s:?}"
                    ))
                })
            })
            .transpose()?;
        Ok(WarningQuery {
            status,
            severity,
            subsystem,
            instrument: instrument_id(raw.instrument)?,
        })
    }
}

impl Query for WarningQuery {
    fn write(&self, q: &mut QueryString) {
        q.pair("status", self.status.as_str(WarningStatus::as_str));
        if let Some(s) = self.severity {
            q.pair("severity", s.as_str());
        }
        if let Some(s) = self.subsystem {
            q.pair("subsystem", s.as_str());
        }
        q.instrument(self.instrument);
    }
}

// ---------------------------------------------------------------- replacements

/// `GET /replacements` and `/replacements.csv`: by status (all when absent) and instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawReplacementQuery")]
pub struct ReplacementQuery {
    pub status: StatusFilter<ReplacementStatus>,
    pub instrument: Option<i64>,
}

impl Default for ReplacementQuery {
    fn default() -> Self {
        ReplacementQuery {
            status: StatusFilter::All,
            instrument: None,
        }
    }
}

#[derive(Deserialize)]
struct RawReplacementQuery {
    status: Option<String>,
    instrument: Option<String>,
}

impl TryFrom<RawReplacementQuery> for ReplacementQuery {
    type Error = QueryError;
    fn try_from(raw: RawReplacementQuery) -> Result<Self, QueryError> {
        let instrument = instrument_id(raw.instrument)?;
        let status = match raw.status.as_deref() {
            None | Some("") | Some("all") => StatusFilter::All,
            Some("open") => StatusFilter::Open,
            Some(s) => StatusFilter::Only(ReplacementStatus::parse(s).ok_or_else(|| {
                QueryError(format!(
                    "`status` must be open, recommended, scheduled, completed, cancelled or all, not {s:?}"
                ))
            })?),
        };
        Ok(ReplacementQuery { status, instrument })
    }
}

impl Query for ReplacementQuery {
    fn write(&self, q: &mut QueryString) {
        q.pair("status", self.status.as_str(ReplacementStatus::as_str));
        q.instrument(self.instrument);
    }
}

// ---------------------------------------------------------------- one instrument, or all

/// `GET /audit`, `/audit.csv` and `/planned-runs`: one instrument's, or the whole lab's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawInstrumentQuery")]
pub struct InstrumentQuery {
    pub instrument: Option<i64>,
}

#[derive(Deserialize)]
struct RawInstrumentQuery {
    instrument: Option<String>,
}

impl TryFrom<RawInstrumentQuery> for InstrumentQuery {
    type Error = QueryError;
    fn try_from(raw: RawInstrumentQuery) -> Result<Self, QueryError> {
        Ok(InstrumentQuery {
            instrument: instrument_id(raw.instrument)?,
        })
    }
}

impl Query for InstrumentQuery {
    fn write(&self, q: &mut QueryString) {
        q.instrument(self.instrument);
    }
}

// ---------------------------------------------------------------- an export's language

/// `GET /replacements.csv`, `/replacements.ics` and `/audit.csv`: the language their sentences are
/// worded in; absent, the request's `Accept-Language` decides, else English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawLangQuery")]
pub struct LangQuery {
    pub lang: Option<Language>,
}

#[derive(Deserialize)]
struct RawLangQuery {
    lang: Option<String>,
}

impl TryFrom<RawLangQuery> for LangQuery {
    type Error = QueryError;
    fn try_from(raw: RawLangQuery) -> Result<Self, QueryError> {
        let lang = match raw.lang.as_deref() {
            None | Some("") => None,
            Some(s) => Some(
                Language::parse(s)
                    .ok_or_else(|| QueryError(format!("`lang` must be en, it or es, not {s:?}")))?,
            ),
        };
        Ok(LangQuery { lang })
    }
}

impl Query for LangQuery {
    fn write(&self, q: &mut QueryString) {
        if let Some(l) = self.lang {
            q.pair("lang", l.code());
        }
    }
}

// ---------------------------------------------------------------- time windows

/// `GET /instruments/{id}/runs`: `[from, to)`, each a date (2026-01-31; a `to` date
/// includes that day) or an RFC 3339 time. The server checks them: it owns the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct WindowQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Query for WindowQuery {
    fn write(&self, q: &mut QueryString) {
        q.some("from", &self.from);
        q.some("to", &self.to);
    }
}

/// `GET /instruments/{id}/telemetry`: one sensor (a name of the server's sensor table)
/// over a window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TelemetryQuery {
    pub metric: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Query for TelemetryQuery {
    fn write(&self, q: &mut QueryString) {
        q.some("metric", &self.metric);
        q.some("from", &self.from);
        q.some("to", &self.to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: serde::de::DeserializeOwned>(q: &str) -> Result<T, String> {
        // The server reads with serde_urlencoded; serde_json over a map of strings is the
        // same data model for these flat, all-text structs.
        let map: serde_json::Map<String, serde_json::Value> = q
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_string(), serde_json::Value::String(decode(v)))
            })
            .collect();
        serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
    }

    fn decode(v: &str) -> String {
        let bytes = v.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_query_reads_back_what_it_wrote() {
        let w = WarningQuery {
            status: StatusFilter::Only(WarningStatus::Acknowledged),
            severity: Some(Severity::Critical),
            subsystem: Some(Subsystem::Fluidics),
            instrument: Some(42),
        };
        assert_eq!(read::<WarningQuery>(&w.to_query()), Ok(w));
        assert_eq!(
            read::<WarningQuery>(&WarningQuery::default().to_query()),
            Ok(WarningQuery::default())
        );
        for status in [StatusFilter::Open, StatusFilter::All]
            .into_iter()
            .chain(ReplacementStatus::ALL.map(StatusFilter::Only))
        {
            let r = ReplacementQuery {
                status,
                instrument: Some(-3),
            };
            assert_eq!(read::<ReplacementQuery>(&r.to_query()), Ok(r));
        }
        let i = InstrumentQuery {
            instrument: Some(7),
        };
        assert_eq!(read::<InstrumentQuery>(&i.to_query()), Ok(i));
        assert_eq!(InstrumentQuery::default().to_query(), "");
        let t = TelemetryQuery {
            metric: Some("chiller_temp_c".into()),
            from: Some("2026-01-01T00:00:00+01:00".into()),
            to: Some("2026-02-01".into()),
        };
        assert_eq!(
            t.to_query(),
            "metric=chiller_temp_c&from=2026-01-01T00%3A00%3A00%2B01%3A00&to=2026-02-01"
        );
        assert_eq!(read::<TelemetryQuery>(&t.to_query()), Ok(t));
    }

    #[test]
    fn a_bad_value_is_named_with_the_values_it_takes() {
        let e = read::<WarningQuery>("status=closed").unwrap_err();
        assert!(
            e.contains(
                "`status` must be open, active, acknowledged, resolved or all, not \"closed\""
            ),
            "{e}"
        );
        let e = read::<WarningQuery>("severity=loud").unwrap_err();
        assert!(
            e.contains("`severity` must be info, warning or critical"),
            "{e}"
        );
        let e = read::<WarningQuery>("subsystem=x").unwrap_err();
        assert!(e.contains("`subsystem` must be optical"), "{e}");
        let e = read::<ReplacementQuery>("instrument=abc").unwrap_err();
        assert!(
            e.contains("`instrument` must be an instrument id, not \"abc\""),
            "{e}"
        );
        let e = read::<InstrumentQuery>("instrument=1.5").unwrap_err();
        assert!(e.contains("`instrument` must be an instrument id"), "{e}");
        // Empty means any, except a warning status, which no control sends empty.
        assert_eq!(
            read::<WarningQuery>("severity=&subsystem=&instrument="),
            Ok(WarningQuery::default())
        );
        assert_eq!(
            read::<ReplacementQuery>("status="),
            Ok(ReplacementQuery::default())
        );
        assert!(read::<WarningQuery>("status=").is_err());
    }
}
