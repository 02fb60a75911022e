//! AWS Signature Version 4 as a service checks it: the parts of the `Authorization`
//! header, the canonical request, the string to sign, the signing key and the signature
//! (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
//!
//! HMAC-SHA256 comes from the `hmac` crate and SHA-256 from `sha2`; signatures are
//! compared in constant time.

use hmac::{Hmac, KeyInit, Mac};
use hyper::HeaderMap;
use sha2::{Digest, Sha256};

pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";
pub(crate) const TERMINATOR: &str = "aws4_request";

type HmacSha256 = Hmac<Sha256>;

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of every length (long ones are hashed first): this cannot fail.
    HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length")
}

/// HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = mac(key);
    m.update(data);
    m.finalize().into_bytes().into()
}

/// Lowercase hex of SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// Bytes of lowercase hex; `None` for anything else (uppercase included: SigV4 signatures
/// are lowercase).
fn unhex(s: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        }
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|p| Some((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

/// The credential scope: `KEY/YYYYMMDD/REGION/SERVICE/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub access_key: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub terminator: String,
}

impl Credential {
    /// `YYYYMMDD/REGION/SERVICE/aws4_request`, as in the string to sign.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.date, self.region, self.service, self.terminator
        )
    }
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authorization {
    pub credential: Credential,
    /// As listed, lowercase, in the order given.
    pub signed_headers: Vec<String>,
    pub signature: String,
}

/// Why an `Authorization` header cannot be read: AWS's `IncompleteSignature` message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed(pub String);

/// At most `max` characters of `s`.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Reads the header. `has_date` says whether the request carries `X-Amz-Date` or `Date`:
/// AWS names a missing date in the same message as missing parameters.
pub(crate) fn parse_authorization(
    header: &str,
    has_date: bool,
) -> Result<Authorization, Malformed> {
    let header = header.trim();
    let shown = truncate(header, 512);
    let rest = match header.split_once(char::is_whitespace) {
        Some((alg, rest)) if alg == ALGORITHM => Some(rest),
        None if header == ALGORITHM => Some(""),
        _ => None,
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    if let Some(rest) = rest {
        // Parameters are separated by commas and/or whitespace.
        for part in rest
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
        {
            let Some((key, value)) = part.split_once('=') else {
                return Err(Malformed(format!(
                    "'{}' not a valid key=value pair (missing equal-sign) in Authorization header: '{shown}'.",
                    truncate(part, 128)
                )));
            };
            match key.trim() {
                "Credential" => credential = Some(value.trim()),
                "SignedHeaders" => signed_headers = Some(value.trim()),
                "Signature" => signature = Some(value.trim()),
                _ => {}
            }
        }
    }
    let mut missing = String::new();
    for (name, present) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed_headers.is_some()),
    ] {
        if !present {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !has_date {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return Err(Malformed(format!("{missing}Authorization={shown}")));
    };
    if !missing.is_empty() {
        return Err(Malformed(format!("{missing}Authorization={shown}")));
    }
    let fields: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, terminator] = fields.as_slice() else {
        return Err(Malformed(format!(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{}'",
            truncate(credential, 128)
        )));
    };
    if key.is_empty() {
        return Err(Malformed(format!(
            "Credential must have a non-empty access key id, got '{}'",
            truncate(credential, 128)
        )));
    }
    let signed: Vec<String> = signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed.iter().any(String::is_empty) {
        return Err(Malformed(format!(
            "SignedHeaders must name headers separated by ';', got '{}'",
            truncate(signed_headers, 128)
        )));
    }
    if !signed.iter().any(|h| h == "host" || h == ":authority") {
        return Err(Malformed(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    Ok(Authorization {
        credential: Credential {
            access_key: (*key).to_string(),
            date: (*date).to_string(),
            region: (*region).to_string(),
            service: (*service).to_string(),
            terminator: (*terminator).to_string(),
        },
        signed_headers: signed,
        signature: signature.to_string(),
    })
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// URI-encodes every byte but the unreserved ones (and `/` when `keep_slash`).
fn uri_encode(bytes: &[u8], keep_slash: bool, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
}

/// Decodes `%XX` escapes; anything else (`+` included) is taken as it is.
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (
                char::from(b[i + 1]).to_digit(16),
                char::from(b[i + 2]).to_digit(16),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The canonical URI of a path as it came on the wire: dot segments and empty segments
/// removed (RFC 3986 5.2.4), then every segment URI-encoded. The path on the wire is
/// already encoded once, so an escape such as `%20` becomes `%2520`, as the SDKs sign it
/// for every service but S3.
pub(crate) fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = path.len() > 1
        && ["/", "/.", "/.."].iter().any(|t| path.ends_with(t))
        && !segments.is_empty();
    let mut out = String::from("/");
    for (i, seg) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode(seg.as_bytes(), false, &mut out);
    }
    if trailing {
        out.push('/');
    }
    out
}

/// The canonical query string: every parameter decoded, then encoded again with the
/// unreserved set only, sorted by name and then value.
pub(crate) fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let mut ek = String::new();
            let mut ev = String::new();
            uri_encode(&percent_decode(k), false, &mut ek);
            uri_encode(&percent_decode(v), false, &mut ev);
            (ek, ev)
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value with the surrounding spaces trimmed and inner runs of spaces collapsed.
fn trim_value(v: &[u8], out: &mut Vec<u8>) {
    let start = v.iter().position(|b| *b != b' ').unwrap_or(v.len());
    let end = v.iter().rposition(|b| *b != b' ').map_or(start, |e| e + 1);
    let mut last_space = false;
    for &b in &v[start..end] {
        if b == b' ' {
            if !last_space {
                out.push(b);
            }
            last_space = true;
        } else {
            out.push(b);
            last_space = false;
        }
    }
}

/// What the canonical request is made of, as the request arrived.
pub(crate) struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as it came on the wire (still percent-encoded).
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    /// Hex SHA-256 of the payload (or the `x-amz-content-sha256` value).
    pub payload_hash: &'a str,
}

/// The canonical request: method, canonical URI, canonical query string, canonical
/// headers (those of `signed`, in that order), the signed header list and the payload
/// hash, one per line. Header values stay bytes: a value that is not UTF-8 is signed as
/// sent.
pub(crate) fn canonical_request(req: &SignedRequest<'_>, signed: &[String]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(req.method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_uri(req.path).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(canonical_query(req.query).as_bytes());
    out.push(b'\n');
    for name in signed {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        // An HTTP/1.1 request names its authority in Host.
        let lookup = if name == ":authority" { "host" } else { name };
        for (i, v) in req.headers.get_all(lookup).iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            trim_value(v.as_bytes(), &mut out);
        }
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(signed.join(";").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(req.payload_hash.as_bytes());
    out
}

/// `AWS4-HMAC-SHA256`, the request date, the credential scope and the hash of the
/// canonical request, one per line.
pub(crate) fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &[u8]) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request)
    )
}

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
pub(crate) fn signing_key(secret: &str, cred: &Credential) -> [u8; 32] {
    let k_date = hmac_sha256(format!("AWS4{secret}").as_bytes(), cred.date.as_bytes());
    let k_region = hmac_sha256(&k_date, cred.region.as_bytes());
    let k_service = hmac_sha256(&k_region, cred.service.as_bytes());
    hmac_sha256(&k_service, cred.terminator.as_bytes())
}

/// The hex signature of `string_to_sign` under `key` (what a client sends).
#[cfg(test)]
pub(crate) fn signature(key: &[u8; 32], string_to_sign: &str) -> String {
    hex(&hmac_sha256(key, string_to_sign.as_bytes()))
}

/// Whether `tag` is the HMAC-SHA256 of `data` under `key`, compared in constant time.
pub(crate) fn hmac_verify(key: &[u8], data: &[u8], tag: &[u8]) -> bool {
    let mut m = mac(key);
    m.update(data);
    m.verify_slice(tag).is_ok()
}

/// Whether `provided` (hex) is the signature of `string_to_sign` under `key`, compared in
/// constant time.
pub(crate) fn verify(key: &[u8; 32], string_to_sign: &str, provided: &str) -> bool {
    unhex(provided).is_some_and(|tag| hmac_verify(key, string_to_sign.as_bytes(), &tag))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    // AWS's published SigV4 test suite, "get-vanilla".
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20150830T123600Z";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn vanilla_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("example.amazonaws.com"));
        h.insert("x-amz-date", HeaderValue::from_static(DATE));
        h
    }

    fn vanilla_auth(signature: &str) -> String {
        format!(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
        )
    }

    /// A request for `/` without a query.
    fn root_request<'a>(
        method: &'a str,
        headers: &'a HeaderMap,
        payload_hash: &'a str,
    ) -> SignedRequest<'a> {
        SignedRequest {
            method,
            path: "/",
            query: "",
            headers,
            payload_hash,
        }
    }

    const VANILLA_SIGNATURE: &str =
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    #[test]
    fn get_vanilla_matches_the_published_test_suite() {
        let headers = vanilla_headers();
        let auth = parse_authorization(&vanilla_auth(VANILLA_SIGNATURE), true).unwrap();
        let empty_hash = sha256_hex(b"");
        let req = root_request("GET", &headers, &empty_hash);
        let creq = canonical_request(&req, &auth.signed_headers);
        assert_eq!(
            String::from_utf8(creq.clone()).unwrap(),
            format!(
                "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}"
            )
        );
        let sts = string_to_sign(DATE, &auth.credential.scope(), &creq);
        assert_eq!(
            sts,
            format!(
                "AWS4-HMAC-SHA256\n{DATE}\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
            )
        );
        let key = signing_key(SECRET, &auth.credential);
        assert_eq!(signature(&key, &sts), VANILLA_SIGNATURE);
        assert!(verify(&key, &sts, VANILLA_SIGNATURE));
    }

    #[test]
    fn a_different_secret_byte_or_signature_byte_fails() {
        let headers = vanilla_headers();
        let auth = parse_authorization(&vanilla_auth(VANILLA_SIGNATURE), true).unwrap();
        let req = root_request("GET", &headers, EMPTY);
        let sts = string_to_sign(
            DATE,
            &auth.credential.scope(),
            &canonical_request(&req, &auth.signed_headers),
        );
        let wrong = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", &auth.credential);
        assert!(!verify(&wrong, &sts, VANILLA_SIGNATURE));
        let key = signing_key(SECRET, &auth.credential);
        let mut flipped = VANILLA_SIGNATURE.to_string();
        flipped.replace_range(63.., "0");
        assert!(!verify(&key, &sts, &flipped));
        assert!(!verify(&key, &sts, &VANILLA_SIGNATURE.to_uppercase()));
        assert!(!verify(&key, &sts, &VANILLA_SIGNATURE[..62]));
        assert!(!verify(&key, &sts, ""));
        // A changed request changes the string to sign.
        let post = SignedRequest {
            method: "POST",
            ..req
        };
        let sts2 = string_to_sign(
            DATE,
            &auth.credential.scope(),
            &canonical_request(&post, &auth.signed_headers),
        );
        assert!(!verify(&key, &sts2, VANILLA_SIGNATURE));
    }

    #[test]
    fn header_values_are_trimmed_joined_and_collapsed() {
        let mut h = HeaderMap::new();
        h.insert("host", HeaderValue::from_static("h"));
        h.append("my-header", HeaderValue::from_static("  value1   a  "));
        h.append("my-header", HeaderValue::from_static("value2"));
        let req = root_request("POST", &h, EMPTY);
        let creq = canonical_request(
            &req,
            &["host".into(), "my-header".into(), "x-absent".into()],
        );
        let text = String::from_utf8(creq).unwrap();
        assert!(
            text.contains(
                "\nhost:h\nmy-header:value1 a,value2\nx-absent:\n\nhost;my-header;x-absent\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn uris_and_queries_are_canonical() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/_sim/stats"), "/_sim/stats");
        assert_eq!(canonical_uri("/a/./b/../c/"), "/a/c/");
        assert_eq!(canonical_uri("//example//"), "/example/");
        assert_eq!(canonical_uri("/../.."), "/");
        assert_eq!(canonical_uri("/ex%20ample"), "/ex%2520ample");
        assert_eq!(canonical_uri("/é"), "/%C3%A9");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("Param1=value%201&x"), "Param1=value%201&x=");
        assert_eq!(canonical_query("k=a+b&u=-_.~"), "k=a%2Bb&u=-_.~");
        assert_eq!(canonical_query("bad=%zz%4"), "bad=%25zz%254");
    }

    #[test]
    fn authorization_headers_are_parsed_or_refused_as_aws_does() {
        let a = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=AKIDSIMMGMT/20261128/eu-west-1/ssm/aws4_request, SignedHeaders=Host;x-amz-date, Signature=abcd",
            true,
        )
        .unwrap();
        assert_eq!(a.credential.access_key, "AKIDSIMMGMT");
        assert_eq!(a.credential.region, "eu-west-1");
        assert_eq!(a.credential.service, "ssm");
        assert_eq!(a.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(a.signature, "abcd");

        let err = |h: &str, date: bool| parse_authorization(h, date).unwrap_err().0;
        let m = err("Basic abc", true);
        assert!(m.starts_with("Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Basic abc"), "{m}");
        let m = err("AWS4-HMAC-SHA256", false);
        assert!(
            m.contains("requires existence of either a 'X-Amz-Date' or a 'Date' header"),
            "{m}"
        );
        let m = err(&vanilla_auth("00"), false);
        assert!(
            m.starts_with("Authorization header requires existence"),
            "{m}"
        );
        let m = err(
            "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=b",
            true,
        );
        assert!(
            m.starts_with("Credential must have exactly 5 slash-delimited elements"),
            "{m}"
        );
        let m = err(
            "AWS4-HMAC-SHA256 Credential= A/1/2/3/aws4_request, SignedHeaders=host, Signature=b",
            true,
        );
        assert!(
            m.starts_with("'A/1/2/3/aws4_request' not a valid key=value pair (missing equal-sign)"),
            "{m}"
        );
        // Whitespace alone separates parameters too.
        assert!(
            parse_authorization(
                "AWS4-HMAC-SHA256 Credential=A/1/2/3/aws4_request SignedHeaders=host Signature=b",
                true
            )
            .is_ok()
        );
        let m = err(
            "AWS4-HMAC-SHA256 Credential=A/1/2/3/aws4_request, SignedHeaders=x-amz-date, Signature=b",
            true,
        );
        assert!(
            m.contains("'Host' or ':authority' must be a 'SignedHeader'"),
            "{m}"
        );
        let m = err(
            "AWS4-HMAC-SHA256 Credential=/1/2/3/aws4_request, SignedHeaders=host, Signature=b",
            true,
        );
        assert!(m.contains("access key"), "{m}");
        assert!(
            parse_authorization("AWS4-HMAC-SHA256 Credential=é/ü/ß/💥/aws4_request", true).is_err()
        );
    }
}
