//! The sim's request parsing as pure functions, for the fuzz tests (tests/fuzz.rs,
//! docs/fuzzing.md). Each answers a short description of the outcome (what was read, or
//! the error the sim would answer); none may panic or hang, whatever its input.

use chrono::{DateTime, Utc};
use hyper::HeaderMap;
use hyper::header::{HeaderName, HeaderValue};

use super::auth::{Incoming, Keyring};
use super::{SimCredentials, calendar, server, sigv4};

/// The JSON 1.1 path: the `X-Amz-Target` header names service and operation; the body
/// must be a JSON object.
pub fn json_request(target: &str, body: &[u8]) -> String {
    outcome(server::read_request(Some(target), None, body))
}

/// The Query path (STS): parameters from the URL's query and the form body; `Action` and
/// `Version`.
pub fn query_request(query: &str, body: &[u8]) -> String {
    outcome(server::read_request(None, Some(query), body))
}

/// An `Authorization` header, read as the sim reads it (with a date header present).
pub fn authorization(header: &str) -> String {
    match sigv4::parse_authorization(header, true) {
        Ok(a) => format!(
            "ok {} headers, scope {}",
            a.signed_headers.len(),
            a.credential.scope().len()
        ),
        Err(e) => format!("malformed {}", e.0.len()),
    }
}

/// GetCalendarState of one change calendar's iCalendar content at `at` (epoch seconds).
pub fn calendar_state(text: &str, at: f64) -> String {
    match calendar::state_of(text, at) {
        None => "unsupported".into(),
        Some((open, next)) => format!("open {open} next {}", next.is_some()),
    }
}

/// The sim's SigV4 check of whole requests, with a fixed key pair and clock.
pub struct Authenticator {
    ring: Keyring,
    now: DateTime<Utc>,
}

impl Authenticator {
    /// Requests must be signed with `access_key_id`/`secret` and dated within 15 minutes of
    /// `now`.
    pub fn new(access_key_id: &str, secret: &str, now: DateTime<Utc>) -> Result<Self, String> {
        let root = SimCredentials::new(access_key_id, secret)?;
        Ok(Authenticator {
            ring: Keyring::new(root, 42, 4),
            now,
        })
    }

    /// Checks a request written as text: `METHOD PATH[?QUERY]`, header lines
    /// `name: value`, an empty line, the body. Header lines the HTTP layer would refuse are
    /// left out, as it would never pass them on.
    pub fn check(&self, raw: &[u8]) -> String {
        let (head, body) = match memchr::memmem::find(raw, b"\n\n") {
            Some(i) => (&raw[..i], &raw[i + 2..]),
            None => (raw, &[][..]),
        };
        let head = String::from_utf8_lossy(head);
        let mut lines = head.split('\n');
        let request_line = lines.next().unwrap_or("");
        let (method, target) = request_line.split_once(' ').unwrap_or(("POST", "/"));
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers = HeaderMap::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.trim().as_bytes()),
                HeaderValue::from_str(value.trim()),
            ) {
                headers.append(n, v);
            }
        }
        let incoming = Incoming {
            method,
            path,
            query,
            headers: &headers,
            body,
        };
        match self.ring.authenticate(&incoming, None, self.now) {
            Ok(caller) => format!("caller {} {}", caller.account, caller.region),
            Err(e) => {
                let e = e.json();
                format!("refused {}: {}", e.code, e.message)
            }
        }
    }
}

fn outcome(r: Result<String, String>) -> String {
    match r {
        Ok(s) => s,
        Err(code) => format!("error {code}"),
    }
}
