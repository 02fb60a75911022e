//! Caller identity. The account comes from the access key id in the SigV4 `Authorization`
//! header, the region from its credential scope. Signatures are not verified.
//!
//! Keys issued by AssumeRole are `ASIA` + 16 base32 characters carrying the account's index
//! in the organization, a nonce and a check value, so they map back without server state.
//! Any other key belongs to the management account.

use super::wire::{ApiError, b64_decode, b64_encode, fnv64};

#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub access_key: String,
    pub account: usize,
    pub region: String,
    pub service: String,
    /// Set for credentials issued by AssumeRole.
    pub assumed: bool,
}

/// The parts of `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AuthError {
    Missing,
    Incomplete(String),
}

impl AuthError {
    /// The error as a JSON 1.1 service reports it.
    pub fn json(&self) -> ApiError {
        match self {
            AuthError::Missing => ApiError::new(
                400,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            ),
            AuthError::Incomplete(m) => {
                ApiError::new(400, "IncompleteSignatureException", m.clone())
            }
        }
    }

    /// The error as a Query service (STS) reports it.
    pub fn query(&self) -> ApiError {
        match self {
            AuthError::Missing => ApiError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            AuthError::Incomplete(m) => ApiError::new(400, "IncompleteSignature", m.clone()),
        }
    }
}

pub(crate) fn parse_authorization(header: Option<&str>) -> Result<Scope, AuthError> {
    let header = header
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(AuthError::Missing)?;
    let rest = header.strip_prefix("AWS4-HMAC-SHA256").ok_or_else(|| {
        AuthError::Incomplete(format!(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={}",
            truncate(header, 64)
        ))
    })?;
    let mut credential = None;
    let mut signed_headers = false;
    let mut signature = false;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if part.starts_with("SignedHeaders=") {
            signed_headers = true;
        } else if part.starts_with("Signature=") {
            signature = true;
        }
    }
    let missing = [
        ("Credential", credential.is_some()),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ];
    if let Some((name, _)) = missing.iter().find(|(_, present)| !present) {
        return Err(AuthError::Incomplete(format!(
            "Authorization header requires '{name}' parameter. Authorization={}",
            truncate(header, 64)
        )));
    }
    let credential = credential.unwrap_or_default();
    let fields: Vec<&str> = credential.split('/').collect();
    match fields.as_slice() {
        [key, date, region, service, "aws4_request"]
            if !key.is_empty() && date.len() == 8 && !region.is_empty() && !service.is_empty() =>
        {
            Ok(Scope {
                access_key: (*key).to_string(),
                region: (*region).to_string(),
                service: (*service).to_string(),
            })
        }
        _ => Err(AuthError::Incomplete(format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            truncate(credential, 64)
        ))),
    }
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn check(seed: u64, index: u16, nonce: u32) -> u32 {
    (fnv64(&[
        &seed.to_le_bytes(),
        &index.to_le_bytes(),
        &nonce.to_le_bytes(),
    ]) & 0xffff_ffff) as u32
}

fn mask(seed: u64, sum: u32) -> u64 {
    fnv64(&[&seed.to_le_bytes(), &sum.to_le_bytes(), b"mask"])
}

/// An access key id for a session in the account at `index`.
pub(crate) fn issue_access_key(seed: u64, index: u16, nonce: u32) -> String {
    let sum = check(seed, index, nonce);
    let m = mask(seed, sum);
    let payload: u128 = (u128::from(index ^ (m as u16)) << 64)
        | (u128::from(nonce ^ ((m >> 16) as u32)) << 32)
        | u128::from(sum);
    let mut key = String::from("ASIA");
    for i in (0..16).rev() {
        let v = ((payload >> (i * 5)) & 0x1f) as usize;
        key.push(char::from(B32[v]));
    }
    key
}

/// The account index an issued key carries, if the key was issued by this sim.
pub(crate) fn decode_access_key(seed: u64, key: &str) -> Option<usize> {
    let body = key.strip_prefix("ASIA")?;
    if body.len() != 16 {
        return None;
    }
    let mut payload: u128 = 0;
    for c in body.bytes() {
        let v = B32.iter().position(|&x| x == c)? as u128;
        payload = (payload << 5) | v;
    }
    let sum = (payload & 0xffff_ffff) as u32;
    let m = mask(seed, sum);
    let index = (((payload >> 64) & 0xffff) as u16) ^ (m as u16);
    let nonce = (((payload >> 32) & 0xffff_ffff) as u32) ^ ((m >> 16) as u32);
    (check(seed, index, nonce) == sum && (payload >> 80) == 0).then_some(usize::from(index))
}

/// A session token carrying the role and session name, so GetCallerIdentity can report them.
pub(crate) fn issue_session_token(
    account_id: &str,
    role: &str,
    session: &str,
    expires: i64,
) -> String {
    let inner = format!("simv1|{account_id}|{role}|{session}|{expires}");
    let mut token = b64_encode(inner.as_bytes());
    // Real session tokens are several hundred characters; pad to a believable size.
    let pad = fnv64(&[inner.as_bytes()]);
    while token.len() < 356 {
        token.push('.');
        token.push_str(&b64_encode(&pad.to_le_bytes()));
    }
    token
}

/// (account id, role, session) from a token issued by [`issue_session_token`].
pub(crate) fn decode_session_token(token: &str) -> Option<(String, String, String)> {
    let head = token.split('.').next()?;
    let raw = String::from_utf8(b64_decode(head)?).ok()?;
    let mut parts = raw.split('|');
    if parts.next()? != "simv1" {
        return None;
    }
    let account = parts.next()?.to_string();
    let role = parts.next()?.to_string();
    let session = parts.next()?.to_string();
    Some((account, role, session))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sigv4_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDSIMMGMT/20261128/eu-west-1/ssm/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd";
        let s = parse_authorization(Some(h)).unwrap();
        assert_eq!(s.access_key, "AKIDSIMMGMT");
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.service, "ssm");
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_authorization(None), Err(AuthError::Missing));
        for h in [
            "Basic abc",
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=a, Signature=b",
            "AWS4-HMAC-SHA256 Credential=A/1/2/3/aws4_request, SignedHeaders=a, Signature=b",
            "AWS4-HMAC-SHA256 Credential=é/ü/ß/💥/aws4_request",
        ] {
            assert!(
                matches!(parse_authorization(Some(h)), Err(AuthError::Incomplete(_))),
                "{h}"
            );
        }
    }

    #[test]
    fn issued_keys_round_trip() {
        for (i, n) in [(0u16, 0u32), (3, 17), (39, u32::MAX), (u16::MAX, 5)] {
            let k = issue_access_key(42, i, n);
            assert_eq!(k.len(), 20);
            assert_eq!(decode_access_key(42, &k), Some(usize::from(i)));
            assert_eq!(decode_access_key(43, &k), None);
        }
        assert_eq!(decode_access_key(42, "AKIDSIMMGMT"), None);
        assert_eq!(decode_access_key(42, "ASIAAAAAAAAAAAAAAAAA"), None);
    }

    #[test]
    fn session_token_round_trips() {
        let t = issue_session_token("123456789012", "Admin", "me", 1);
        assert!(t.len() >= 356);
        assert_eq!(
            decode_session_token(&t),
            Some(("123456789012".into(), "Admin".into(), "me".into()))
        );
        assert_eq!(decode_session_token("garbage!"), None);
    }
}
