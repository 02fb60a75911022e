//! Who is calling, proven. Every call to the sim's AWS APIs (and to its `/_sim/` control
//! endpoints) must carry a SigV4 signature made with a key pair the sim knows, as AWS
//! requires; the sim then takes the account from the access key and the region from the
//! credential scope.
//!
//! The sim knows two kinds of key pairs:
//!
//! - its root pair ([`SimCredentials`]): random per sim unless given, printed by
//!   `ssm-cockpit sim`, and acting as the management account;
//! - pairs issued by its AssumeRole: an `ASIA` access key id of 16 base32 characters that
//!   carries the account's index in the organization, a nonce and a check value, so it
//!   maps back to the account without server state. The secret and the session token are
//!   derived from the access key id with a random master key that never leaves the
//!   process: secret = HMAC(master, "secret" ‖ key id), and the token carries the role,
//!   session name and expiry, sealed by HMAC(master, "token" ‖ key id ‖ claims). Nothing
//!   about issued credentials is stored, and nobody without the master key can mint a
//!   pair the sim accepts.
//!
//! A refused request gets the error AWS gives for the same fault, in the protocol of the
//! service that was called (see [`AuthError`]).

use std::fmt;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use hyper::HeaderMap;
use rand::{Rng, RngCore};

use super::sigv4::{self, SignedRequest};
use super::wire::{ApiError, b64_decode, b64_encode, fnv64};

/// How far a request's date may be from the sim's clock, either way, as at AWS.
pub(crate) const MAX_SKEW_MINUTES: i64 = 15;

/// A key pair the sim accepts as its management account.
#[derive(Clone, PartialEq, Eq)]
pub struct SimCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for SimCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

impl SimCredentials {
    /// A fresh random pair: `AKIA` and 16 base32 characters, and a 40-character secret.
    pub fn random() -> Self {
        const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut rng = rand::rng();
        let mut pick = |set: &[u8], n: usize| -> String {
            (0..n)
                .map(|_| char::from(set[rng.random_range(0..set.len())]))
                .collect()
        };
        let access_key_id = format!("AKIA{}", pick(B32, 16));
        let secret_access_key = pick(SECRET, 40);
        SimCredentials {
            access_key_id,
            secret_access_key,
        }
    }

    /// A given pair, checked: the key id 16 to 128 letters and digits (not `ASIA…`, which
    /// the sim's AssumeRole issues), the secret 1 to 128 printable characters without spaces.
    pub fn new(access_key_id: &str, secret_access_key: &str) -> Result<Self, String> {
        let id = access_key_id;
        if !(16..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!(
                "access key id {:?} is not valid: use 16 to 128 letters and digits, like AKIAIOSFODNN7EXAMPLE",
                sigv4::truncate(id, 140)
            ));
        }
        if id.starts_with("ASIA") {
            return Err(format!(
                "access key id {id} starts with ASIA, which marks keys issued by the sim's AssumeRole: choose another (AKIA…)"
            ));
        }
        let secret = secret_access_key;
        if secret.is_empty() || secret.len() > 128 || !secret.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(
                "the secret access key must be 1 to 128 printable ASCII characters without spaces"
                    .into(),
            );
        }
        Ok(SimCredentials {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
        })
    }
}

/// A caller whose signature checked out.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub access_key: String,
    pub account: usize,
    pub region: String,
    pub service: String,
    /// Set for credentials issued by AssumeRole.
    pub session: Option<AssumedSession>,
}

/// What an AssumeRole session token says, once its seal checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssumedSession {
    pub role: String,
    pub name: String,
    /// Epoch seconds.
    pub expires: i64,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthError {
    /// No `Authorization` header at all.
    Missing,
    /// The header or the date is malformed or incomplete.
    Incomplete(String),
    /// The signature, its scope or its date does not hold. `detail` (the canonical request
    /// and string to sign the sim expected) is what JSON services add to the message.
    Signature {
        message: String,
        detail: Option<String>,
    },
    /// The access key is unknown, or its session token missing or forged.
    InvalidToken,
    /// An AssumeRole session token past its expiry.
    ExpiredToken,
}

const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const EXPIRED_TOKEN: &str = "The security token included in the request is expired";
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

impl AuthError {
    fn signature(message: impl Into<String>) -> Self {
        AuthError::Signature {
            message: message.into(),
            detail: None,
        }
    }

    /// The error as an AWS JSON 1.1 service (SSM, Organizations) reports it.
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
            AuthError::Signature { message, detail } => ApiError::new(
                400,
                "InvalidSignatureException",
                match detail {
                    Some(d) => format!("{message}\n\n{d}"),
                    None => message.clone(),
                },
            ),
            AuthError::InvalidToken => {
                ApiError::new(400, "UnrecognizedClientException", INVALID_TOKEN)
            }
            AuthError::ExpiredToken => ApiError::new(400, "ExpiredTokenException", EXPIRED_TOKEN),
        }
    }

    /// The error as an AWS Query service (STS) reports it.
    pub fn query(&self) -> ApiError {
        match self {
            AuthError::Missing => ApiError::new(
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            AuthError::Incomplete(m) => ApiError::new(400, "IncompleteSignature", m.clone()),
            AuthError::Signature { message, .. } => {
                ApiError::new(403, "SignatureDoesNotMatch", message.clone())
            }
            AuthError::InvalidToken => ApiError::new(403, "InvalidClientTokenId", INVALID_TOKEN),
            AuthError::ExpiredToken => ApiError::new(403, "ExpiredToken", EXPIRED_TOKEN),
        }
    }
}

/// A request as far as authentication is concerned.
pub(crate) struct Incoming<'a> {
    pub method: &'a str,
    /// As it came on the wire.
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Credentials issued by AssumeRole.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub access_key: String,
    pub secret: String,
    pub token: String,
}

/// The key pairs the sim accepts: its root pair, and whatever its AssumeRole issued.
pub(crate) struct Keyring {
    root: SimCredentials,
    master: [u8; 32],
    seed: u64,
    accounts: usize,
}

const TOKEN_VERSION: &str = "simv2";

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn basic_format(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The request's date in ISO-8601 basic format, from `X-Amz-Date` or else `Date`.
fn request_date(headers: &HeaderMap) -> Result<(String, DateTime<Utc>), AuthError> {
    let bad = |got: &str| {
        AuthError::Incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
            sigv4::truncate(got, 64)
        ))
    };
    if let Some(v) = headers.get("x-amz-date") {
        let s = v.to_str().map_err(|_| bad("(not ASCII)"))?;
        let t = NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").map_err(|_| bad(s))?;
        if s.len() != 16 {
            return Err(bad(s));
        }
        return Ok((s.to_string(), Utc.from_utc_datetime(&t)));
    }
    let s = header_str(headers, "date").ok_or_else(|| bad(""))?;
    let t = DateTime::parse_from_rfc2822(s)
        .map_err(|_| bad(s))?
        .with_timezone(&Utc);
    Ok((basic_format(t), t))
}

fn check_skew(date: &str, when: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), AuthError> {
    let skew = Duration::minutes(MAX_SKEW_MINUTES);
    if when < now - skew {
        return Err(AuthError::signature(format!(
            "Signature expired: {date} is now earlier than {} ({} - {MAX_SKEW_MINUTES} min.)",
            basic_format(now - skew),
            basic_format(now)
        )));
    }
    if when > now + skew {
        return Err(AuthError::signature(format!(
            "Signature not yet current: {date} is still later than {} ({} + {MAX_SKEW_MINUTES} min.)",
            basic_format(now + skew),
            basic_format(now)
        )));
    }
    Ok(())
}

fn valid_region(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 64
        && r.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Keyring {
    /// A keyring around `root`, with a fresh random master key. `seed` is the estate's (it
    /// spreads issued key ids), `accounts` the size of the organization.
    pub fn new(root: SimCredentials, seed: u64, accounts: usize) -> Self {
        let mut master = [0u8; 32];
        rand::rng().fill_bytes(&mut master);
        Keyring {
            root,
            master,
            seed,
            accounts,
        }
    }

    pub fn root(&self) -> &SimCredentials {
        &self.root
    }

    /// The nonce an issued key was made with (the STS call counter when it was issued).
    pub(crate) fn issue_nonce(&self, access_key: &str) -> Option<u32> {
        decode_key_parts(self.seed, access_key).map(|(_, nonce)| nonce)
    }

    fn derived_secret(&self, access_key: &str) -> String {
        let mac = sigv4::hmac_sha256(&self.master, format!("secret\0{access_key}").as_bytes());
        b64_encode(&mac[..30])
    }

    fn token_seal(&self, access_key: &str, claims: &[u8]) -> [u8; 32] {
        let mut data = format!("token\0{access_key}\0").into_bytes();
        data.extend_from_slice(claims);
        sigv4::hmac_sha256(&self.master, &data)
    }

    /// Credentials for a session as `role` named `session` in the account at `index`
    /// (whose id is `account_id`), valid until `expires` (epoch seconds).
    pub fn issue(
        &self,
        index: u16,
        nonce: u32,
        account_id: &str,
        role: &str,
        session: &str,
        expires: i64,
    ) -> Issued {
        let access_key = issue_access_key(self.seed, index, nonce);
        let claims = format!("{TOKEN_VERSION}|{index}|{account_id}|{role}|{session}|{expires}");
        let seal = self.token_seal(&access_key, claims.as_bytes());
        Issued {
            secret: self.derived_secret(&access_key),
            token: format!("{}.{}", b64_encode(claims.as_bytes()), b64_encode(&seal)),
            access_key,
        }
    }

    /// The claims of `token` if this keyring sealed it for `access_key`.
    fn open_token(&self, access_key: &str, index: usize, token: &str) -> Option<AssumedSession> {
        let (claims_b64, seal_b64) = token.split_once('.')?;
        let claims = b64_decode(claims_b64)?;
        let seal = b64_decode(seal_b64)?;
        let mut data = format!("token\0{access_key}\0").into_bytes();
        data.extend_from_slice(&claims);
        if !sigv4::hmac_verify(&self.master, &data, &seal) {
            return None;
        }
        let text = String::from_utf8(claims).ok()?;
        let mut parts = text.split('|');
        if parts.next()? != TOKEN_VERSION || parts.next()?.parse::<usize>().ok()? != index {
            return None;
        }
        let _account_id = parts.next()?;
        let role = parts.next()?.to_string();
        let name = parts.next()?.to_string();
        let expires = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some(AssumedSession {
            role,
            name,
            expires,
        })
    }

    /// The secret, account and session of `access_key` presented with `token`.
    fn lookup(
        &self,
        access_key: &str,
        token: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(String, usize, Option<AssumedSession>), AuthError> {
        if access_key == self.root.access_key_id {
            // A long-term key comes without a session token.
            if token.is_some() {
                return Err(AuthError::InvalidToken);
            }
            return Ok((self.root.secret_access_key.clone(), 0, None));
        }
        let index = decode_access_key(self.seed, access_key)
            .filter(|i| *i < self.accounts)
            .ok_or(AuthError::InvalidToken)?;
        let session = token
            .and_then(|t| self.open_token(access_key, index, t))
            .ok_or(AuthError::InvalidToken)?;
        if session.expires <= now.timestamp() {
            return Err(AuthError::ExpiredToken);
        }
        Ok((self.derived_secret(access_key), index, Some(session)))
    }

    /// Checks the request's SigV4 signature. `service` is the signing name the endpoint
    /// expects (`None`: any).
    pub fn authenticate(
        &self,
        req: &Incoming<'_>,
        service: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Caller, AuthError> {
        let headers = req.headers;
        let header = match headers.get("authorization") {
            None => return Err(AuthError::Missing),
            Some(v) => v
                .to_str()
                .map_err(|_| AuthError::Incomplete("Authorization header must be ASCII.".into()))?,
        };
        if header.trim().is_empty() {
            return Err(AuthError::Missing);
        }
        let has_date = headers.contains_key("x-amz-date") || headers.contains_key("date");
        let auth =
            sigv4::parse_authorization(header, has_date).map_err(|m| AuthError::Incomplete(m.0))?;
        let (date, when) = request_date(headers)?;
        check_skew(&date, when, now)?;
        let cred = &auth.credential;
        if cred.date != date[..8] {
            return Err(AuthError::signature(format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{date}'.",
                sigv4::truncate(&cred.date, 32),
                &date[..8]
            )));
        }
        if cred.terminator != sigv4::TERMINATOR {
            return Err(AuthError::signature(format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'.",
                sigv4::truncate(&cred.terminator, 32)
            )));
        }
        if !valid_region(&cred.region) {
            return Err(AuthError::signature(format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                sigv4::truncate(&cred.region, 64)
            )));
        }
        if let Some(expected) = service
            && cred.service != expected
        {
            return Err(AuthError::signature(format!(
                "Credential should be scoped to correct service: '{expected}'. "
            )));
        }
        let token = match headers.get("x-amz-security-token") {
            None => None,
            Some(v) => Some(v.to_str().map_err(|_| AuthError::InvalidToken)?),
        };
        let (secret, account, session) = self.lookup(&cred.access_key, token, now)?;

        let body_hash = sigv4::sha256_hex(req.body);
        let payload_hash = match headers.get("x-amz-content-sha256") {
            None => body_hash,
            Some(v) => {
                let v = v.to_str().unwrap_or_default();
                if v != body_hash {
                    return Err(AuthError::signature(
                        "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    ));
                }
                v.to_string()
            }
        };
        let signed = SignedRequest {
            method: req.method,
            path: req.path,
            query: req.query,
            headers,
            payload_hash: &payload_hash,
        };
        let creq = sigv4::canonical_request(&signed, &auth.signed_headers);
        let sts = sigv4::string_to_sign(&date, &cred.scope(), &creq);
        let key = sigv4::signing_key(&secret, cred);
        if !sigv4::verify(&key, &sts, &auth.signature) {
            return Err(AuthError::Signature {
                message: MISMATCH.into(),
                detail: Some(format!(
                    "The Canonical String for this request should have been\n'{}'\n\nThe String-to-Sign should have been\n'{sts}'\n",
                    String::from_utf8_lossy(&creq)
                )),
            });
        }
        Ok(Caller {
            access_key: cred.access_key.clone(),
            account,
            region: cred.region.clone(),
            service: cred.service.clone(),
            session,
        })
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

/// The account index an issued key carries, if the key has the shape of one this sim
/// issues. The shape is no proof: the session token is.
pub(crate) fn decode_access_key(seed: u64, key: &str) -> Option<usize> {
    decode_key_parts(seed, key).map(|(index, _)| usize::from(index))
}

/// The account index and the nonce an issued key carries (see [`decode_access_key`]).
fn decode_key_parts(seed: u64, key: &str) -> Option<(u16, u32)> {
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
    (check(seed, index, nonce) == sum && (payload >> 80) == 0).then_some((index, nonce))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap()
    }

    const ROOT_KEY: &str = "AKIAUNITTESTROOT0001";
    const ROOT_SECRET: &str = "unit/test+secret";

    fn root() -> SimCredentials {
        SimCredentials::new(ROOT_KEY, ROOT_SECRET).unwrap()
    }

    /// A request signed here with `secret`, the way a client signs it.
    fn signed(
        key: &str,
        secret: &str,
        token: Option<&str>,
        service: &str,
        at: DateTime<Utc>,
        body: &[u8],
    ) -> HeaderMap {
        let date = basic_format(at);
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("127.0.0.1:4566"));
        h.insert("x-amz-date", HeaderValue::from_str(&date).unwrap());
        h.insert(
            "x-amz-target",
            HeaderValue::from_static("AmazonSSM.DescribeInstanceInformation"),
        );
        let mut names = vec![
            "host".to_string(),
            "x-amz-date".into(),
            "x-amz-target".into(),
        ];
        if let Some(t) = token {
            h.insert("x-amz-security-token", HeaderValue::from_str(t).unwrap());
            names.insert(2, "x-amz-security-token".into());
        }
        let cred = sigv4::Credential {
            access_key: key.into(),
            date: date[..8].into(),
            region: "us-east-1".into(),
            service: service.into(),
            terminator: "aws4_request".into(),
        };
        let hash = sigv4::sha256_hex(body);
        let creq = sigv4::canonical_request(
            &SignedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &h,
                payload_hash: &hash,
            },
            &names,
        );
        let sts = sigv4::string_to_sign(&date, &cred.scope(), &creq);
        let sig = sigv4::signature(&sigv4::signing_key(secret, &cred), &sts);
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={key}/{}/us-east-1/{service}/aws4_request, SignedHeaders={}, Signature={sig}",
            &date[..8],
            names.join(";")
        );
        h.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        h
    }

    /// A request to ssm signed now with `key`, `secret` and `token`.
    fn ssm_signed(key: &str, secret: &str, token: Option<&str>, body: &[u8]) -> HeaderMap {
        signed(key, secret, token, "ssm", now(), body)
    }

    /// A request to ssm signed at `at` with the root pair.
    fn root_signed_at(at: DateTime<Utc>, body: &[u8]) -> HeaderMap {
        signed(ROOT_KEY, ROOT_SECRET, None, "ssm", at, body)
    }

    /// A request to ssm signed now with the root pair.
    fn root_signed(body: &[u8]) -> HeaderMap {
        root_signed_at(now(), body)
    }

    fn assert_invalid_token(ring: &Keyring, h: &HeaderMap, body: &[u8]) {
        assert_eq!(check(ring, h, body).unwrap_err(), AuthError::InvalidToken);
    }

    fn check(ring: &Keyring, h: &HeaderMap, body: &[u8]) -> Result<Caller, AuthError> {
        ring.authenticate(
            &Incoming {
                method: "POST",
                path: "/",
                query: "",
                headers: h,
                body,
            },
            Some("ssm"),
            now(),
        )
    }

    #[test]
    fn the_root_pair_signs_and_nothing_else_does() {
        let ring = Keyring::new(root(), 42, 4);
        let body = b"{}";
        let ok = root_signed(body);
        let caller = check(&ring, &ok, body).unwrap();
        assert_eq!(caller.account, 0);
        assert_eq!(caller.region, "us-east-1");
        assert!(caller.session.is_none());

        let wrong = ssm_signed(ROOT_KEY, "not-the-secret", None, body);
        let err = check(&ring, &wrong, body).unwrap_err();
        assert!(
            matches!(&err, AuthError::Signature { message, detail: Some(_) } if message.starts_with("The request signature we calculated")),
            "{err:?}"
        );
        assert_eq!(err.json().code, "InvalidSignatureException");
        assert_eq!(err.query().code, "SignatureDoesNotMatch");
        assert_eq!(err.query().status, 403);

        let unknown = ssm_signed("AKIAUNKNOWNKEY000001", ROOT_SECRET, None, body);
        assert_invalid_token(&ring, &unknown, body);

        // The body is signed.
        assert!(matches!(
            check(&ring, &ok, b"{\"MaxResults\":5}"),
            Err(AuthError::Signature { .. })
        ));
        // So is the scope's service.
        let other = signed(ROOT_KEY, ROOT_SECRET, None, "sts", now(), body);
        let err = check(&ring, &other, body).unwrap_err();
        assert!(
            format!("{err:?}").contains("scoped to correct service: 'ssm'"),
            "{err:?}"
        );

        // Another sim's ring with the same root still has another master key, but the root
        // pair is the root pair.
        let ring2 = Keyring::new(root(), 42, 4);
        assert!(check(&ring2, &ok, body).is_ok());
    }

    #[test]
    fn dates_are_required_and_must_be_recent() {
        let ring = Keyring::new(root(), 42, 4);
        let body = b"";
        for minutes in [-16i64, 16, -60 * 24] {
            let h = root_signed_at(now() + Duration::minutes(minutes), body);
            let err = check(&ring, &h, body).unwrap_err();
            let text = err.json().message;
            if minutes < 0 {
                assert!(text.starts_with("Signature expired: "), "{text}");
                assert!(text.ends_with("(20261128T120000Z - 15 min.)"), "{text}");
            } else {
                assert!(text.starts_with("Signature not yet current: "), "{text}");
            }
            assert_eq!(err.query().code, "SignatureDoesNotMatch");
        }
        for minutes in [-14i64, 14] {
            let h = root_signed_at(now() + Duration::minutes(minutes), body);
            assert!(check(&ring, &h, body).is_ok());
        }
        let mut h = root_signed(body);
        h.remove("x-amz-date");
        let err = check(&ring, &h, body).unwrap_err();
        assert_eq!(err.json().code, "IncompleteSignatureException");
        assert!(
            err.json()
                .message
                .contains("'X-Amz-Date' or a 'Date' header")
        );
        h.insert(
            "x-amz-date",
            HeaderValue::from_static("2026-11-28T12:00:00Z"),
        );
        let err = check(&ring, &h, body).unwrap_err();
        assert!(
            err.json()
                .message
                .starts_with("Date must be in ISO-8601 'basic format'"),
            "{err:?}"
        );
        h.remove("authorization");
        assert_eq!(check(&ring, &h, body).unwrap_err(), AuthError::Missing);
        assert_eq!(AuthError::Missing.query().status, 403);
    }

    #[test]
    fn issued_pairs_need_their_token_and_expire() {
        let ring = Keyring::new(root(), 42, 4);
        let expires = now().timestamp() + 3600;
        let issued = ring.issue(2, 7, "210987654321", "Admin", "me", expires);
        assert!(issued.access_key.starts_with("ASIA") && issued.access_key.len() == 20);
        assert_eq!(issued.secret.len(), 40);
        let body = b"{}";
        let h = ssm_signed(
            &issued.access_key,
            &issued.secret,
            Some(&issued.token),
            body,
        );
        let caller = check(&ring, &h, body).unwrap();
        assert_eq!(caller.account, 2);
        assert_eq!(
            caller.session,
            Some(AssumedSession {
                role: "Admin".into(),
                name: "me".into(),
                expires
            })
        );

        // No token, or another session's token, or a token with changed claims.
        let none = ssm_signed(&issued.access_key, &issued.secret, None, body);
        assert_invalid_token(&ring, &none, body);
        let other = ring.issue(2, 8, "210987654321", "Admin", "me", expires);
        let swapped = ssm_signed(&issued.access_key, &issued.secret, Some(&other.token), body);
        assert_invalid_token(&ring, &swapped, body);
        let (_, seal) = issued.token.split_once('.').unwrap();
        let forged_claims =
            b64_encode(format!("simv2|2|210987654321|Admin|me|{}", expires + 99_999).as_bytes());
        let forged = ssm_signed(
            &issued.access_key,
            &issued.secret,
            Some(&format!("{forged_claims}.{seal}")),
            body,
        );
        assert_invalid_token(&ring, &forged, body);
        // The right token, the wrong secret.
        let bad = ssm_signed(&issued.access_key, "x", Some(&issued.token), body);
        assert!(matches!(
            check(&ring, &bad, body),
            Err(AuthError::Signature { .. })
        ));
        // Another process (another master key) issued it.
        let elsewhere = Keyring::new(root(), 42, 4);
        assert_invalid_token(&elsewhere, &h, body);
        // A root key with a token.
        let rooted = ssm_signed(ROOT_KEY, ROOT_SECRET, Some(&issued.token), body);
        assert_invalid_token(&ring, &rooted, body);
        // Expired.
        let old = ring.issue(1, 9, "111111111111", "Admin", "me", now().timestamp() - 1);
        let h = ssm_signed(&old.access_key, &old.secret, Some(&old.token), body);
        let err = check(&ring, &h, body).unwrap_err();
        assert_eq!(err, AuthError::ExpiredToken);
        assert_eq!(err.json().code, "ExpiredTokenException");
        assert_eq!(err.query().code, "ExpiredToken");
        // An account outside the organization.
        let outside = ring.issue(9, 1, "999999999999", "Admin", "me", expires);
        let h = ssm_signed(
            &outside.access_key,
            &outside.secret,
            Some(&outside.token),
            body,
        );
        assert_invalid_token(&ring, &h, body);
    }

    #[test]
    fn content_sha256_must_match_the_body() {
        let ring = Keyring::new(root(), 42, 4);
        let body = b"{}";
        let mut h = root_signed(body);
        h.insert(
            "x-amz-content-sha256",
            HeaderValue::from_str(&sigv4::sha256_hex(body)).unwrap(),
        );
        assert!(check(&ring, &h, body).is_ok());
        h.insert(
            "x-amz-content-sha256",
            HeaderValue::from_static("UNSIGNED-PAYLOAD"),
        );
        let err = check(&ring, &h, body).unwrap_err();
        assert!(
            err.json().message.contains("x-amz-content-sha256"),
            "{err:?}"
        );
    }

    #[test]
    fn random_pairs_look_like_aws_keys_and_differ() {
        let a = SimCredentials::random();
        let b = SimCredentials::random();
        assert_ne!(a, b);
        assert!(a.access_key_id.starts_with("AKIA") && a.access_key_id.len() == 20);
        assert!(a.access_key_id[4..].bytes().all(|c| B32.contains(&c)));
        assert_eq!(a.secret_access_key.len(), 40);
        assert!(SimCredentials::new(&a.access_key_id, &a.secret_access_key).is_ok());
        assert!(!format!("{a:?}").contains(&a.secret_access_key));
        assert!(SimCredentials::new("short", "s").is_err());
        assert!(SimCredentials::new("ASIAAAAAAAAAAAAAAAAA", "s").is_err());
        assert!(SimCredentials::new("AKIAAAAAAAAAAAAAAAAA", "has space").is_err());
        assert!(SimCredentials::new("AKIAAAAAAAAAAAAAAAAA", "").is_err());
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
}
