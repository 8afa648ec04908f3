//! The API's answers read from JSON by hand: a small parser into a tree, and a `FromJson`
//! per type listing its fields. serde's derived readers, compiled once per type with all
//! their states, made over 100 KB of the wasm; these make a fraction of it. Writing JSON
//! (request bodies) stays with serde_json.
//!
//! It reads what the server writes (serde_json from the same `seqhealth_api` types) to
//! the same values: numbers as serde_json reads them by default (integers as `u64`/`i64`,
//! others from a 64-bit significand and a table of powers of ten, digits beyond 19
//! ignored), strings with every escape, times in RFC 3339 and dates as `2026-12-09`. A
//! struct literal per type makes a field added to the contract a compile error here.

use chrono::{DateTime, NaiveDate, Utc};
use std::fmt;

/// Why an answer could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

fn fail<T>(what: &str) -> Result<T, Error> {
    Err(Error(what.to_string()))
}

/// Reads `T` from the whole of `text`.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, Error> {
    let mut r = Reader { src: text, i: 0 };
    let value = r.value()?;
    if r.peek().is_some() {
        return Err(r.err("trailing characters"));
    }
    T::from_json(value)
}

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    U(u64),
    I(i64),
    F(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

struct Reader<'a> {
    src: &'a str,
    i: usize,
}

impl Reader<'_> {
    fn err(&self, what: &str) -> Error {
        Error(format!("{what} at byte {}", self.i))
    }

    /// The next byte that is not white space, not consumed.
    fn peek(&mut self) -> Option<u8> {
        let b = self.src.as_bytes();
        while self.i < b.len() && matches!(b[self.i], b' ' | b'\n' | b'\r' | b'\t') {
            self.i += 1;
        }
        b.get(self.i).copied()
    }

    fn byte(&self) -> u8 {
        self.src.as_bytes().get(self.i).copied().unwrap_or(0)
    }

    fn eat(&mut self, c: u8) -> Result<(), Error> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(match c {
                b':' => "expected `:`",
                b']' => "expected `,` or `]`",
                _ => "expected `,` or `}`",
            }))
        }
    }

    fn word(&mut self, w: &str, value: Json) -> Result<Json, Error> {
        if self.src.as_bytes()[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(value)
        } else {
            Err(self.err("expected ident"))
        }
    }

    fn value(&mut self) -> Result<Json, Error> {
        match self.peek() {
            Some(b'n') => self.word("null", Json::Null),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::Str),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(open @ (b'[' | b'{')) => {
                self.i += 1;
                let end = open + 2; // `]` and `}`
                let (mut items, mut entries) = (Vec::new(), Vec::new());
                while self.peek() != Some(end) {
                    if !(items.is_empty() && entries.is_empty()) {
                        self.eat(b',')?;
                    }
                    if open == b'[' {
                        items.push(self.value()?);
                    } else {
                        if self.peek() != Some(b'"') {
                            return Err(self.err("key must be a string"));
                        }
                        let key = self.string()?;
                        self.eat(b':')?;
                        entries.push((key, self.value()?));
                    }
                }
                self.eat(end)?;
                Ok(if open == b'[' {
                    Json::Arr(items)
                } else {
                    Json::Obj(entries)
                })
            }
            Some(_) => Err(self.err("expected value")),
            None => Err(self.err("EOF while parsing a value")),
        }
    }

    /// A string, the reader at its opening quote.
    fn string(&mut self) -> Result<String, Error> {
        let b = self.src.as_bytes();
        self.i += 1;
        let mut s = String::new();
        let mut from = self.i;
        loop {
            match b.get(self.i) {
                None => return Err(self.err("EOF while parsing a string")),
                Some(b'"') => {
                    s.push_str(&self.src[from..self.i]);
                    self.i += 1;
                    return Ok(s);
                }
                Some(b'\\') => {
                    s.push_str(&self.src[from..self.i]);
                    let e = b.get(self.i + 1).copied().unwrap_or(0);
                    self.i += 2;
                    s.push(match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) {
                                if !b[self.i..].starts_with(b"\\u") {
                                    return Err(self.err("lone leading surrogate in hex escape"));
                                }
                                self.i += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.err("invalid unicode code point"));
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            char::from_u32(code)
                                .ok_or_else(|| self.err("invalid unicode code point"))?
                        }
                        _ => return Err(self.err("invalid escape")),
                    });
                    from = self.i;
                }
                Some(0..=0x1F) => return Err(self.err("control character while parsing a string")),
                Some(_) => self.i += 1,
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.src.get(self.i..self.i + 4).unwrap_or("");
        if digits.len() != 4 || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(self.err("invalid escape"));
        }
        self.i += 4;
        Ok(u32::from_str_radix(digits, 16).unwrap_or(0))
    }

    /// Eats the digits at the reader, giving each to `each`; how many there were.
    fn digits(&mut self, mut each: impl FnMut(u8)) -> usize {
        let mut n = 0;
        while let c @ b'0'..=b'9' = self.byte() {
            each(c - b'0');
            self.i += 1;
            n += 1;
        }
        n
    }

    /// A number, as serde_json reads it without its `float_roundtrip` feature.
    fn number(&mut self) -> Result<Json, Error> {
        let positive = self.byte() != b'-';
        if !positive {
            self.i += 1;
        }
        let mut significand: u64 = 0;
        let mut exponent: i32 = 0;
        // Once the significand is full, further digits are dropped (before the point,
        // each counts as a ten).
        let mut full = false;
        let mut push = |d: u8, significand: &mut u64| -> bool {
            match significand
                .checked_mul(10)
                .and_then(|s| s.checked_add(u64::from(d)))
            {
                Some(s) if !full => {
                    *significand = s;
                    true
                }
                _ => {
                    full = true;
                    false
                }
            }
        };
        let leading = self.byte();
        let int_digits = self.digits(|d| {
            if !push(d, &mut significand) {
                exponent += 1;
            }
        });
        if int_digits == 0 || (leading == b'0' && int_digits > 1) {
            return Err(self.err("invalid number"));
        }
        let mut float = exponent > 0;
        if self.byte() == b'.' {
            float = true;
            self.i += 1;
            if self.digits(|d| {
                if push(d, &mut significand) {
                    exponent -= 1;
                }
            }) == 0
            {
                return Err(self.err("invalid number"));
            }
        }
        if matches!(self.byte(), b'e' | b'E') {
            float = true;
            self.i += 1;
            let positive_exp = self.byte() != b'-';
            if matches!(self.byte(), b'+' | b'-') {
                self.i += 1;
            }
            let mut exp: Option<i32> = Some(0);
            if self.digits(|d| exp = exp.and_then(|e| e.checked_mul(10)?.checked_add(i32::from(d))))
                == 0
            {
                return Err(self.err("invalid number"));
            }
            let Some(exp) = exp else {
                if significand != 0 && positive_exp {
                    return Err(self.err("number out of range"));
                }
                return Ok(Json::F(if positive { 0.0 } else { -0.0 }));
            };
            exponent = if positive_exp {
                exponent.saturating_add(exp)
            } else {
                exponent.saturating_sub(exp)
            };
        }
        if !float {
            if positive {
                return Ok(Json::U(significand));
            }
            let neg = (significand as i64).wrapping_neg();
            return Ok(if neg >= 0 {
                Json::F(-(significand as f64))
            } else {
                Json::I(neg)
            });
        }
        let mut f = significand as f64;
        loop {
            match POW10.get(exponent.unsigned_abs() as usize) {
                Some(&pow) => {
                    if exponent >= 0 {
                        f *= pow;
                        if f.is_infinite() {
                            return Err(self.err("number out of range"));
                        }
                    } else {
                        f /= pow;
                    }
                    break;
                }
                None => {
                    if f == 0.0 {
                        break;
                    }
                    if exponent >= 0 {
                        return Err(self.err("number out of range"));
                    }
                    f /= 1e308;
                    exponent += 308;
                }
            }
        }
        Ok(Json::F(if positive { f } else { -f }))
    }
}

/// A type the API answers with.
pub trait FromJson: Sized {
    fn from_json(v: Json) -> Result<Self, Error>;
}

/// An object's entries, taken out one field at a time.
pub struct Fields(Vec<(String, Json)>);

impl Fields {
    pub fn of(v: Json) -> Result<Fields, Error> {
        match v {
            Json::Obj(entries) => Ok(Fields(entries)),
            _ => fail("expected an object"),
        }
    }

    /// The value of `name`; `null` if it is missing (an `Option` reads it as `None`).
    fn find(&mut self, name: &str) -> Json {
        self.0
            .iter_mut()
            .find(|(k, _)| k == name)
            .map_or(Json::Null, |(_, v)| std::mem::replace(v, Json::Null))
    }

    pub fn take<T: FromJson>(&mut self, name: &str) -> Result<T, Error> {
        T::from_json(self.find(name)).map_err(|e| Error(format!("{name}: {e}")))
    }
}

/// The value itself (the i18n catalogs: an object of strings).
impl FromJson for Json {
    fn from_json(v: Json) -> Result<Self, Error> {
        Ok(v)
    }
}

impl FromJson for () {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Null => Ok(()),
            _ => fail("expected null"),
        }
    }
}

impl FromJson for bool {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Bool(b) => Ok(b),
            _ => fail("expected a boolean"),
        }
    }
}

impl FromJson for String {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Str(s) => Ok(s),
            _ => fail("expected a string"),
        }
    }
}

impl FromJson for f64 {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::U(n) => Ok(n as f64),
            Json::I(n) => Ok(n as f64),
            Json::F(f) => Ok(f),
            _ => fail("expected a number"),
        }
    }
}

/// An integer that fits an `i64`.
fn integer(v: Json) -> Result<i64, Error> {
    match v {
        Json::U(n) => i64::try_from(n).or_else(|_| fail("integer out of range")),
        Json::I(n) => Ok(n),
        _ => fail("expected an integer"),
    }
}

impl FromJson for i64 {
    fn from_json(v: Json) -> Result<Self, Error> {
        integer(v)
    }
}

impl FromJson for u32 {
    fn from_json(v: Json) -> Result<Self, Error> {
        u32::try_from(integer(v)?).or_else(|_| fail("integer out of range"))
    }
}

impl FromJson for usize {
    fn from_json(v: Json) -> Result<Self, Error> {
        usize::try_from(integer(v)?).or_else(|_| fail("integer out of range"))
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: Json) -> Result<Self, Error> {
        match v {
            Json::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

fn array(v: Json) -> Result<Vec<Json>, Error> {
    match v {
        Json::Arr(items) => Ok(items),
        _ => fail("expected an array"),
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: Json) -> Result<Self, Error> {
        array(v)?.into_iter().map(T::from_json).collect()
    }
}

impl<T: FromJson> FromJson for [T; 4] {
    fn from_json(v: Json) -> Result<Self, Error> {
        let items: Vec<T> = Vec::from_json(v)?;
        items.try_into().or_else(|_| fail("expected 4 elements"))
    }
}

impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(v: Json) -> Result<Self, Error> {
        match <[Json; 2]>::try_from(array(v)?) {
            Ok([a, b]) => Ok((A::from_json(a)?, B::from_json(b)?)),
            Err(_) => fail("expected 2 elements"),
        }
    }
}

impl FromJson for DateTime<Utc> {
    fn from_json(v: Json) -> Result<Self, Error> {
        date_time(&String::from_json(v)?).map_or_else(|| fail("expected an RFC 3339 time"), Ok)
    }
}

impl FromJson for NaiveDate {
    fn from_json(v: Json) -> Result<Self, Error> {
        date(&String::from_json(v)?).map_or_else(|| fail("expected a date"), Ok)
    }
}

/// Reads the number at the start of `s` (at most `max` digits); the number and the rest.
fn digits(s: &str, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
    Some((s[..n].parse().ok()?, &s[n..]))
}

/// A date as `2026-12-09` (what a date input and the API write).
pub fn date(s: &str) -> Option<NaiveDate> {
    let (y, s) = digits(s, 6)?;
    let (m, s) = digits(s.strip_prefix('-')?, 2)?;
    let (d, s) = digits(s.strip_prefix('-')?, 2)?;
    if !s.is_empty() {
        return None;
    }
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// An RFC 3339 time, `2026-12-09T14:05:00Z`, `…T14:05:00.25+01:00`, as UTC.
pub fn date_time(s: &str) -> Option<DateTime<Utc>> {
    let at = s.find(['T', 't', ' '])?;
    let day = date(&s[..at])?;
    let s = &s[at + 1..];
    let (h, s) = digits(s, 2)?;
    let (m, s) = digits(s.strip_prefix(':')?, 2)?;
    let (sec, mut s) = digits(s.strip_prefix(':')?, 2)?;
    let mut nanos = 0;
    if let Some(frac) = s.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        for (i, c) in frac[..n].bytes().take(9).enumerate() {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        s = &frac[n..];
    }
    let offset = match s.as_bytes().first()? {
        b'Z' | b'z' if s.len() == 1 => 0,
        sign @ (b'+' | b'-') => {
            let (oh, rest) = digits(&s[1..], 2)?;
            let (om, rest) = digits(rest.strip_prefix(':')?, 2)?;
            if !rest.is_empty() || oh > 23 || om > 59 {
                return None;
            }
            let secs = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let local = day.and_hms_nano_opt(h, m, sec, nanos)?.and_utc();
    local.checked_sub_signed(chrono::TimeDelta::seconds(offset))
}

/// `FromJson` for structs, from their field names.
macro_rules! objects {
    ($($ty:path { $($field:ident),* $(,)? })*) => {$(
        impl FromJson for $ty {
            fn from_json(v: Json) -> Result<Self, Error> {
                let mut o = Fields::of(v)?;
                Ok(Self { $($field: o.take(stringify!($field))?,)* })
            }
        }
    )*};
}

/// The index of a unit variant's name in `names`.
fn variant(v: Json, names: &[&str]) -> Result<usize, Error> {
    match v {
        Json::Str(s) => names
            .iter()
            .position(|n| *n == s)
            .ok_or_else(|| Error(format!("unknown variant `{s}`"))),
        _ => fail("expected a string"),
    }
}

/// `FromJson` for enums of unit variants, from their names on the wire.
macro_rules! names {
    ($($ty:path { $($name:literal => $variant:ident),* $(,)? })*) => {$(
        impl FromJson for $ty {
            fn from_json(v: Json) -> Result<Self, Error> {
                Ok([$(Self::$variant),*][variant(v, &[$($name),*])?])
            }
        }
    )*};
}

// The API's answers, one field list per type.
mod types;

#[rustfmt::skip]
static POW10: [f64; 309] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46, 1e47, 1e48, 1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55, 1e56, 1e57, 1e58, 1e59, 1e60, 1e61, 1e62, 1e63, 1e64, 1e65, 1e66, 1e67, 1e68, 1e69, 1e70, 1e71, 1e72, 1e73, 1e74, 1e75, 1e76, 1e77, 1e78, 1e79, 1e80, 1e81, 1e82, 1e83, 1e84, 1e85, 1e86, 1e87, 1e88, 1e89, 1e90, 1e91, 1e92, 1e93, 1e94, 1e95, 1e96, 1e97, 1e98, 1e99, 1e100, 1e101, 1e102, 1e103, 1e104, 1e105, 1e106, 1e107, 1e108, 1e109, 1e110, 1e111, 1e112, 1e113, 1e114, 1e115, 1e116, 1e117, 1e118, 1e119, 1e120, 1e121, 1e122, 1e123, 1e124, 1e125, 1e126, 1e127, 1e128, 1e129, 1e130, 1e131, 1e132, 1e133, 1e134, 1e135, 1e136, 1e137, 1e138, 1e139, 1e140, 1e141, 1e142, 1e143, 1e144, 1e145, 1e146, 1e147, 1e148, 1e149, 1e150, 1e151, 1e152, 1e153, 1e154, 1e155, 1e156, 1e157, 1e158, 1e159, 1e160, 1e161, 1e162, 1e163, 1e164, 1e165, 1e166, 1e167, 1e168, 1e169, 1e170, 1e171, 1e172, 1e173, 1e174, 1e175, 1e176, 1e177, 1e178, 1e179, 1e180, 1e181, 1e182, 1e183, 1e184, 1e185, 1e186, 1e187, 1e188, 1e189, 1e190, 1e191, 1e192, 1e193, 1e194, 1e195, 1e196, 1e197, 1e198, 1e199, 1e200, 1e201, 1e202, 1e203, 1e204, 1e205, 1e206, 1e207, 1e208, 1e209, 1e210, 1e211, 1e212, 1e213, 1e214, 1e215, 1e216, 1e217, 1e218, 1e219, 1e220, 1e221, 1e222, 1e223, 1e224, 1e225, 1e226, 1e227, 1e228, 1e229, 1e230, 1e231, 1e232, 1e233, 1e234, 1e235, 1e236, 1e237, 1e238, 1e239, 1e240, 1e241, 1e242, 1e243, 1e244, 1e245, 1e246, 1e247, 1e248, 1e249, 1e250, 1e251, 1e252, 1e253, 1e254, 1e255, 1e256, 1e257, 1e258, 1e259, 1e260, 1e261, 1e262, 1e263, 1e264, 1e265, 1e266, 1e267, 1e268, 1e269, 1e270, 1e271, 1e272, 1e273, 1e274, 1e275, 1e276, 1e277, 1e278, 1e279, 1e280, 1e281, 1e282, 1e283, 1e284, 1e285, 1e286, 1e287, 1e288, 1e289, 1e290, 1e291, 1e292, 1e293, 1e294, 1e295, 1e296, 1e297, 1e298, 1e299, 1e300, 1e301, 1e302, 1e303, 1e304, 1e305, 1e306, 1e307, 1e308
];

#[cfg(test)]
mod tests {
    use super::*;
    use seqhealth_api::{FleetInstrument, RunRow, SensorInfo, WarningRow};

    fn same_f64(text: &str) {
        let ours: f64 = from_str(text).unwrap();
        let theirs: f64 = serde_json::from_str(text).unwrap();
        assert_eq!(ours.to_bits(), theirs.to_bits(), "{text}");
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        for t in [
            "0",
            "-0",
            "1",
            "-1",
            "0.1",
            "0.30000000000000004",
            "12.345678901234567",
            "1e-5",
            "1E5",
            "2.5e+3",
            "-7.25e-300",
            "1.7976931348623157e308",
            "5e-324",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234.5",
            "0.000000000000000000000000123456789012345678",
            "9007199254740993",
            "1e-400",
            "-9223372036854775808",
            "-9223372036854775809",
            "99.99999999999999999",
        ] {
            same_f64(t);
        }
        // Doubles as the server writes them: shortest (serde_json) and 17 digits (SQLite).
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if !f.is_finite() {
                continue;
            }
            same_f64(&serde_json::to_string(&f).unwrap());
            same_f64(&format!("{f:.16e}"));
            let g = (x % 100_000) as f64 / 997.0;
            same_f64(&serde_json::to_string(&g).unwrap());
            same_f64(&format!("{g:.15}"));
        }
        assert_eq!(from_str::<i64>("-42"), Ok(-42));
        assert!(from_str::<i64>("1.5").is_err());
        assert!(from_str::<u32>("-1").is_err());
        for bad in ["01", "1.", "-", ".5", "1e", "+1", "1e999", "NaN"] {
            assert!(from_str::<f64>(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<f64>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strings_read_every_escape() {
        for t in [
            r#""""#,
            r#""plain""#,
            r#""a\"b\\c\/d\b\f\n\r\t""#,
            r#""\u00e9t\u00E9 \ud83d\ude00""#,
            r#""°C ≥ “quoted”""#,
            r#""\u0000""#,
        ] {
            let ours: String = from_str(t).unwrap();
            assert_eq!(ours, serde_json::from_str::<String>(t).unwrap(), "{t}");
        }
        for bad in [r#""\ud83d""#, r#""\x""#, "\"a\nb\"", r#""open"#, r#""\u12"#] {
            assert!(from_str::<String>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_and_dates_read_as_chrono_reads_them() {
        for t in [
            "2026-12-09T14:05:00Z",
            "2026-12-09T14:05:00.25Z",
            "2026-12-09T14:05:00.123456789Z",
            "2026-12-09T14:05:00.123456Z",
            "2026-12-09T14:05:00+01:00",
            "2026-12-09t14:05:00z",
            "2026-01-01T00:30:00-05:30",
            "2026-12-09 14:05:00Z",
        ] {
            let theirs: DateTime<Utc> = t.parse().unwrap();
            assert_eq!(date_time(t), Some(theirs), "{t}");
            let json = serde_json::to_string(&theirs).unwrap();
            assert_eq!(from_str::<DateTime<Utc>>(&json), Ok(theirs), "{json}");
        }
        for bad in [
            "2026-12-09",
            "2026-13-09T00:00:00Z",
            "2026-12-09T14:05:00",
            "2026-12-09T14:05Z",
        ] {
            assert_eq!(date_time(bad), None, "{bad}");
        }
        assert_eq!(date("2026-12-09"), NaiveDate::from_ymd_opt(2026, 12, 9));
        assert_eq!(date("2026-02-30"), None);
        assert_eq!(date(""), None);
        assert_eq!(date("2026-12-09x"), None);
    }

    /// Reads `value` as the server writes it, and checks it reads back the same.
    fn round_trip<T: FromJson + serde::Serialize + PartialEq + fmt::Debug>(value: T) {
        let json = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(from_str::<T>(&json), Ok(value), "{json}");
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn answers_read_back_as_written() {
        use seqhealth_api::{
            Connection, Handling, Health, Severity, Subsystem, SubsystemFreshness, SubsystemHealth,
            WarningStatus,
        };
        round_trip(FleetInstrument {
            id: 7,
            serial: "M0\"7".into(),
            model: "MiSeq".into(),
            nickname: "Vesta ✓".into(),
            site: String::new(),
            health: SubsystemHealth {
                optical: Health::Critical,
                mechanical: Health::Ok,
                thermal: Health::Warning,
                fluidics: Health::Unknown,
            },
            freshness: SubsystemFreshness {
                optical: Some(at("2026-12-01T10:00:00.5Z")),
                mechanical: None,
                thermal: None,
                fluidics: Some(at("2026-12-01T10:00:00Z")),
                from_run: [true, false, false, true],
            },
            last_run_pct_q30: Some(91.23456789012345),
            last_run_at: None,
            last_report_at: Some(at("2026-12-06T12:00:00Z")),
            connection: Connection::AwaitingEnrollment,
            handling: [
                Handling::Open,
                Handling::Acknowledged,
                Handling::Booked(at("2026-12-10T08:00:00Z")),
                Handling::Open,
            ],
            causes: [None, None, Some("threshold:chiller_temp_c".into()), None],
            last_run_control: seqhealth_api::RunControl::Flagged(seqhealth_api::Q30Signal {
                rule: "4 of 5 beyond 1σ".into(),
                code: "4_of_5_beyond_1sd".into(),
                side: "below".into(),
                severity: Severity::Warning,
            }),
            next_appointment: Some(at("2026-12-10T08:00:00Z")),
            next_planned_run: NaiveDate::from_ymd_opt(2026, 12, 14),
        });
        for control in [
            seqhealth_api::RunControl::NoLimits,
            seqhealth_api::RunControl::InControl,
        ] {
            round_trip(control);
        }
        round_trip(SensorInfo {
            name: "chiller_temp_c".into(),
            label: "Reagent chiller temperature".into(),
            unit: "°C".into(),
            subsystem: Subsystem::Thermal,
            warn: (2.0, 8.5),
            critical: (-1.0e-3, 1e300),
        });
        round_trip(WarningRow {
            id: 1,
            instrument_id: 2,
            instrument_nickname: "n".into(),
            instrument_serial: "s".into(),
            subsystem: Subsystem::Fluidics,
            rule: "threshold:chiller_temp_c".into(),
            severity: Severity::Critical,
            status: WarningStatus::Acknowledged,
            raised_at: at("2026-12-01T00:00:00Z"),
            latest_at: None,
            value: Some(-0.0),
            message: "line\nbreak".into(),
            // Every kind of figure, one inside another.
            said: Some(seqhealth_api::Said::new(
                "advised",
                vec![
                    seqhealth_api::Figure::N(3.0),
                    seqhealth_api::Figure::G(-1.5e-9),
                    seqhealth_api::Figure::F(0.125, 3),
                    seqhealth_api::Figure::Sf(-2.0, 1),
                    seqhealth_api::Figure::Secs(600.0),
                    seqhealth_api::Figure::Day("2026-12-09".parse().unwrap()),
                    seqhealth_api::Figure::Word("Laser".into()),
                    seqhealth_api::Figure::Lower("XY stage".into()),
                    seqhealth_api::Figure::Text("AF-17".into()),
                    seqhealth_api::Figure::said(seqhealth_api::Said::new("advice_room", vec![])),
                ],
            )),
            acknowledged_by: Some("Ada".into()),
            acknowledged_at: Some(at("2026-12-02T00:00:00Z")),
            acknowledge_reason: None,
            resolved_at: None,
            muted_until: None,
            worse_at: Some(at("2026-12-03T00:00:00Z")),
        });
        let run: RunRow = from_str(
            r#"{"run_id":"r","started_at":"2026-12-01T00:00:00Z","completed_at":null,
            "read_structure":"151-8-8-151","yield_gb":1,"pct_q30":null,"pct_pf":9.5e1,
            "cluster_density_k_mm2":null,"error_rate":null,"reagent_kit_lot":null,
            "flow_cell_lot":null,"flow_cell_type":null,"control_software_version":null,
            "q30_signals":[{"rule":"x","side":"low","severity":"warning"}],"unknown":[1,{}]}"#,
        )
        .unwrap();
        assert_eq!((run.yield_gb, run.pct_pf), (Some(1.0), Some(95.0)));
        assert_eq!(run.q30_signals[0].severity, Severity::Warning);
        // What does not fit says where.
        let e = from_str::<RunRow>(r#"{"run_id":"r","started_at":"yesterday"}"#).unwrap_err();
        assert!(e.to_string().starts_with("started_at:"), "{e}");
        assert!(from_str::<Subsystem>(r#""optics""#).is_err());
        assert!(from_str::<()>("null").is_ok());
        assert!(from_str::<Vec<bool>>("[true,false] x").is_err());
    }

    #[test]
    fn notification_answers_read_back_as_written() {
        use seqhealth_api::notify::{
            Delivery, DeliveryLog, DeliveryStatus, NotifyKind, NotifyMode, NotifyPrefs,
            NotifySettings, Webhook, WebhookCreated,
        };
        round_trip(NotifyPrefs {
            modes: NotifyKind::ALL
                .iter()
                .zip(
                    [
                        NotifyMode::Immediately,
                        NotifyMode::Digest,
                        NotifyMode::Never,
                    ]
                    .iter()
                    .cycle(),
                )
                .map(|(k, m)| (*k, *m))
                .collect(),
            quiet_from: Some("22:00".into()),
            quiet_to: None,
            quiet_escalations: true,
        });
        round_trip(NotifySettings {
            digest_at: "07:30".into(),
            escalate_after_minutes: 120,
            remind_every_hours: 24,
        });
        round_trip(WebhookCreated {
            webhook: Webhook {
                id: 3,
                name: "Lab chat".into(),
                url: "https://hooks.example/x?y=1".into(),
                enabled: false,
                created_at: at("2026-12-06T10:00:00Z"),
            },
            secret: "whsec_abc".into(),
        });
        round_trip(DeliveryLog {
            deliveries: [
                DeliveryStatus::Pending,
                DeliveryStatus::Retrying,
                DeliveryStatus::Sent,
                DeliveryStatus::Failed,
            ]
            .into_iter()
            .enumerate()
            .map(|(i, status)| Delivery {
                id: i as i64,
                channel: "webhook".into(),
                target: "http://127.0.0.1:9/hook".into(),
                subject: "Test".into(),
                status,
                attempts: 2,
                last_error: Some("HTTP 500".into()),
                created_at: at("2026-12-06T10:00:00Z"),
                sent_at: None,
                next_at: Some(at("2026-12-06T10:00:30Z")),
            })
            .collect(),
        });
    }
}
