//! Wire-level helpers: response builders for AWS JSON 1.1 and AWS Query (XML), the error
//! type every operation returns, and small codecs (base64url, FNV-1a) used for tokens.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};

pub(crate) type Resp = Response<Full<Bytes>>;

pub(crate) const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";
const XML_CONTENT_TYPE: &str = "text/xml";

/// An API error as a service reports it: HTTP status, error code, message and any
/// extra members of the error shape (e.g. Organizations' `Reason`).
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub extra: Vec<(&'static str, String)>,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    pub fn validation(message: impl Into<String>) -> Self {
        ApiError::new(400, "ValidationException", message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        ApiError::new(400, "SerializationException", message)
    }
}

/// The `1 validation error detected: ...` message AWS (Coral) produces for a constraint.
pub(crate) fn constraint_message(value: &str, member: &str, constraint: &str) -> String {
    format!(
        "1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: {constraint}"
    )
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn build(code: u16, content_type: &str, request_id: &str, body: Vec<u8>) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status(code);
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    resp
}

pub(crate) fn json_ok(value: &serde_json::Value, request_id: &str) -> Resp {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    build(200, JSON_CONTENT_TYPE, request_id, body)
}

pub(crate) fn plain_json(code: u16, value: &serde_json::Value, request_id: &str) -> Resp {
    let body = serde_json::to_vec_pretty(value).unwrap_or_else(|_| b"{}".to_vec());
    build(code, "application/json", request_id, body)
}

pub(crate) fn json_error(err: &ApiError, request_id: &str) -> Resp {
    let mut obj = serde_json::Map::new();
    obj.insert("__type".into(), err.code.clone().into());
    obj.insert("message".into(), err.message.clone().into());
    for (k, v) in &err.extra {
        obj.insert((*k).to_string(), v.clone().into());
    }
    let body = serde_json::to_vec(&serde_json::Value::Object(obj)).unwrap_or_default();
    let mut resp = build(err.status, JSON_CONTENT_TYPE, request_id, body);
    if let Ok(v) = HeaderValue::from_str(&err.code) {
        resp.headers_mut().insert("x-amzn-ErrorType", v);
    }
    resp
}

pub(crate) fn xml_ok(body: String, request_id: &str) -> Resp {
    build(200, XML_CONTENT_TYPE, request_id, body.into_bytes())
}

pub(crate) fn xml_error(err: &ApiError, request_id: &str) -> Resp {
    let kind = if err.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        xml_escape(&err.code),
        xml_escape(&err.message),
        xml_escape(request_id)
    );
    build(err.status, XML_CONTENT_TYPE, request_id, body.into_bytes())
}

pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Current time as epoch seconds.
pub(crate) fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// `Targets` as AWS writes them: `[{"Key": k, "Values": [...]}]`.
pub(crate) fn targets_json(t: &[(String, Vec<String>)]) -> serde_json::Value {
    serde_json::Value::Array(
        t.iter()
            .map(|(k, v)| serde_json::json!({ "Key": k, "Values": v }))
            .collect(),
    )
}

/// `Parameters` as AWS writes them: `{"name": ["value", ...]}`.
pub(crate) fn params_json(
    p: &std::collections::BTreeMap<String, Vec<String>>,
) -> serde_json::Value {
    serde_json::Value::Object(
        p.iter()
            .map(|(k, v)| (k.clone(), serde_json::json!(v)))
            .collect(),
    )
}

/// JSON 1.1 timestamp: epoch seconds with millisecond precision.
pub(crate) fn epoch_json(secs: f64) -> serde_json::Value {
    let ms = (secs * 1000.0).round() / 1000.0;
    serde_json::Number::from_f64(ms)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

pub(crate) fn fnv64(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Standard base64 (`+/`) with padding.
pub(crate) fn base64_std(data: &[u8]) -> String {
    base64_with(
        data,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        true,
    )
}

/// URL-safe base64 without padding.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    base64_with(data, B64, false)
}

/// Base64 of `data` with the 64 characters of `alphabet`, padded with `=` or not.
fn base64_with(data: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 0x3f;
            out.push(char::from(alphabet[idx as usize]));
        }
        if pad {
            out.extend(std::iter::repeat_n('=', 4 - chars));
        }
    }
    out
}

pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    // Leftover bits must be zero padding of a canonical encoding.
    if bits >= 6 || (acc & ((1 << bits) - 1)) != 0 {
        return None;
    }
    Some(out)
}

/// Deterministic pseudo-random generator (SplitMix64): stable across platforms and
/// crate versions, so the estate a seed produces never changes.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.next_u64() % (hi - lo)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.range(0, items.len() as u64) as usize;
        &items[i.min(items.len().saturating_sub(1))]
    }

    /// Picks from `(item, weight)` pairs.
    pub fn weighted<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// A UUID-shaped id: 8-4-4-4-12 hex digits.
    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }

    pub fn hex(&mut self, len: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..len)
            .map(|_| char::from(HEX[(self.next_u64() & 0xf) as usize]))
            .collect()
    }

    pub fn upper_alnum(&mut self, len: usize) -> String {
        const CH: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        (0..len)
            .map(|_| char::from(CH[(self.next_u64() % 36) as usize]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for data in [
            &b""[..],
            b"a",
            b"ab",
            b"abc",
            b"abcd",
            b"\x00\xff\x10offset",
        ] {
            assert_eq!(b64_decode(&b64_encode(data)).as_deref(), Some(data));
        }
        assert!(b64_decode("!!").is_none());
        assert!(b64_decode("a").is_none());
    }
}
