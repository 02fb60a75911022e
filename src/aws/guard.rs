//! Every answer is checked before the SDK reads it. Its size is capped
//! ([`MAX_ANSWER_BYTES`]): a `Content-Length` above the cap fails at once, and a body
//! without one is read only up to the cap. An answer to an AWS JSON or Query call that
//! is not from AWS (an HTML page, a proxy's XML, another content type) fails with its
//! status, content type and a short excerpt, never with what the SDK's parser would make
//! of it.
//!
//! The check wraps the HTTP client of the base SDK config, so every client made from it
//! (SSM, Organizations, STS, AssumeRole, SSO) goes through it.

use std::fmt;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::ErrorKind as RetryKind;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;

/// The largest answer read: 16 MiB. AWS pages are small: a page of 50 nodes, OpsItems or
/// commands is tens of kilobytes, a document at most a few hundred, the largest page the
/// cockpit asks for (50 nodes' inventory) a few megabytes; the cap leaves a wide margin
/// and keeps a wrong endpoint from filling memory.
pub const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;

/// How much of a refused answer is quoted.
const EXCERPT_CHARS: usize = 120;

/// Where an answer came from (scheme, host and path of the request), kept on the
/// response for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerFrom(pub String);

/// Why an answer was refused before the SDK read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// Not an AWS answer to the call that was made.
    #[error("HTTP {status} from {url}: {content_type}, not an AWS response{}", excerpt_suffix(.excerpt))]
    NotAws {
        status: u16,
        url: String,
        content_type: String,
        excerpt: String,
    },
    /// Larger than [`MAX_ANSWER_BYTES`].
    #[error("HTTP {status} from {url}: an answer {}larger than the {} MiB the cockpit reads", size_text(*.bytes), .limit / (1024 * 1024))]
    TooLarge {
        status: u16,
        url: String,
        /// The announced length, when there was one.
        bytes: Option<u64>,
        limit: u64,
    },
    /// The answer's body could not be read to its end.
    #[error("HTTP {status} from {url}: the answer broke off after {read} bytes{}: {cause}", expected.map(|n| format!(" of {n}")).unwrap_or_default())]
    Cut {
        status: u16,
        url: String,
        read: u64,
        expected: Option<u64>,
        cause: String,
    },
}

fn excerpt_suffix(excerpt: &str) -> String {
    if excerpt.is_empty() {
        ", empty body".to_string()
    } else {
        format!(": «{excerpt}»")
    }
}

fn size_text(bytes: Option<u64>) -> String {
    match bytes {
        Some(n) => format!("of {n} bytes, "),
        None => String::new(),
    }
}

/// The base config's HTTP client with the answer check in front.
#[derive(Debug, Clone)]
pub struct GuardedClient {
    inner: SharedHttpClient,
    limit: u64,
}

impl GuardedClient {
    /// The SDK's default HTTPS client (hyper 1, rustls with aws-lc, proxy from the
    /// environment), guarded.
    pub fn default_https() -> GuardedClient {
        use aws_smithy_http_client::proxy::ProxyConfig;
        use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
        use aws_smithy_http_client::{Builder, ConnectorBuilder};
        let inner = Builder::new().build_with_connector_fn(|settings, components| {
            let mut conn =
                ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
            conn.set_connector_settings(settings.cloned());
            if let Some(c) = components {
                conn.set_sleep_impl(c.sleep_impl());
            }
            conn.set_proxy_config(Some(ProxyConfig::from_env()));
            conn.build()
        });
        GuardedClient::new(inner, MAX_ANSWER_BYTES)
    }

    /// `inner` guarded, reading at most `limit` bytes of an answer.
    pub fn new(inner: SharedHttpClient, limit: u64) -> GuardedClient {
        GuardedClient { inner, limit }
    }
}

impl HttpClient for GuardedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(GuardedConnector {
            inner: self.inner.http_connector(settings, components),
            limit: self.limit,
        })
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }

    fn connector_metadata(
        &self,
    ) -> Option<aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[derive(Debug)]
struct GuardedConnector {
    inner: SharedHttpConnector,
    limit: u64,
}

impl HttpConnector for GuardedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let protocol = Protocol::of(&request);
        let url = url_of(request.uri());
        let limit = self.limit;
        let answer = self.inner.call(request);
        HttpConnectorFuture::new(async move {
            let response = answer.await?;
            check(response, protocol, url, limit).await
        })
    }
}

/// The wire protocol of a request, as far as its answer can be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Protocol {
    /// AWS JSON 1.0/1.1 (`X-Amz-Target`): SSM, Organizations.
    Json,
    /// AWS Query (a form with `Action=`): STS. The answer's root element is
    /// `<ActionResponse>` or `<ErrorResponse>`.
    Query { action: String },
    /// Anything else (instance metadata, SSO portal): only the size is checked.
    Other,
}

impl Protocol {
    fn of(request: &HttpRequest) -> Protocol {
        let headers = request.headers();
        let content_type = headers
            .get("content-type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if headers.get("x-amz-target").is_some()
            || content_type.starts_with("application/x-amz-json")
        {
            return Protocol::Json;
        }
        let form = content_type.starts_with("application/x-www-form-urlencoded");
        let action = request.body().bytes().and_then(|b| {
            form_urlencoded::parse(b)
                .find(|(k, _)| k == "Action")
                .map(|(_, v)| v.into_owned())
        });
        match action {
            Some(action) if form => Protocol::Query { action },
            _ => Protocol::Other,
        }
    }

    /// Whether an answer of this content type and body can come from AWS for this
    /// protocol.
    fn fits(&self, content_type: Option<&str>, body: &[u8]) -> bool {
        let media = content_type.map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
        let text = trim_ascii(body);
        match self {
            Protocol::Json => {
                let typed = match media.as_deref() {
                    None => true,
                    Some(m) => m.starts_with("application/x-amz-json-") || m == "application/json",
                };
                typed && (text.is_empty() || text.starts_with(b"{"))
            }
            Protocol::Query { action } => {
                let typed = matches!(
                    media.as_deref(),
                    None | Some("text/xml" | "application/xml")
                );
                typed
                    && root_element(text).is_some_and(|r| {
                        r == "ErrorResponse"
                            || r.strip_suffix("Response").is_some_and(|a| a == action)
                    })
            }
            Protocol::Other => true,
        }
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let b = match b.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest,
        None => b,
    };
    b.trim_ascii()
}

/// The name of the first element of an XML document (after the declaration, comments
/// and processing instructions).
fn root_element(mut text: &[u8]) -> Option<&str> {
    loop {
        text = text.trim_ascii_start();
        if let Some(rest) = text.strip_prefix(b"<!--") {
            let end = memchr::memmem::find(rest, b"-->")?;
            text = &rest[end + 3..];
        } else if text.starts_with(b"<?") || text.starts_with(b"<!") {
            let end = memchr::memchr(b'>', text)?;
            text = &text[end + 1..];
        } else {
            let rest = text.strip_prefix(b"<")?;
            let end = rest
                .iter()
                .position(|c| c.is_ascii_whitespace() || matches!(c, b'>' | b'/'))
                .unwrap_or(rest.len());
            return std::str::from_utf8(&rest[..end]).ok();
        }
    }
}

/// Scheme, host, port and path of `uri`: no user, no query.
fn url_of(uri: &str) -> String {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("", uri));
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    if scheme.is_empty() {
        rest.to_string()
    } else {
        format!("{scheme}://{rest}")
    }
}

/// Reads the answer (up to `limit` bytes) and refuses it when it is too large, broken
/// off, or not an AWS answer to a call of `protocol`.
async fn check(
    mut response: HttpResponse,
    protocol: Protocol,
    url: String,
    limit: u64,
) -> Result<HttpResponse, ConnectorError> {
    let status = response.status().as_u16();
    let headers = response.headers();
    let content_type = headers.get("content-type").map(str::to_string);
    let announced = headers
        .get("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(n) = announced.filter(|n| *n > limit) {
        return Err(refuse(Refused::TooLarge {
            status,
            url,
            bytes: Some(n),
            limit,
        }));
    }
    let body = match read_capped(response.take_body(), limit).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(refuse(Refused::TooLarge {
                status,
                url,
                bytes: None,
                limit,
            }));
        }
        Err((read, cause)) => {
            return Err(ConnectorError::io(Box::new(Refused::Cut {
                status,
                url,
                read,
                expected: announced,
                cause,
            })));
        }
    };
    if !protocol.fits(content_type.as_deref(), &body) {
        let refused = Refused::NotAws {
            status,
            url,
            content_type: content_type.unwrap_or_else(|| "no content type".to_string()),
            excerpt: excerpt(&body),
        };
        // A gateway's 5xx page is worth the SDK's retries; anything else is not.
        let kind = (status >= 500).then_some(RetryKind::TransientError);
        return Err(ConnectorError::other(Box::new(refused), kind));
    }
    *response.body_mut() = SdkBody::from(body);
    response.add_extension(AnswerFrom(url));
    Ok(response)
}

fn refuse(refused: Refused) -> ConnectorError {
    ConnectorError::other(Box::new(refused), None)
}

/// The body, or `None` when it is longer than `limit`; on a read error, the bytes read
/// and the cause.
async fn read_capped(mut body: SdkBody, limit: u64) -> Result<Option<Bytes>, (u64, String)> {
    if let Some(b) = body.bytes() {
        return Ok((b.len() as u64 <= limit).then(|| Bytes::copy_from_slice(b)));
    }
    let mut buf = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| (buf.len() as u64, innermost(&*e)))?;
        if let Ok(data) = frame.into_data() {
            if buf.len() as u64 + data.len() as u64 > limit {
                return Ok(None);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(Some(buf.freeze()))
}

/// The innermost cause of an error chain, as text.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut e = e;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}

/// A short, printable quote of a body: the text of an HTML or XML page without its
/// tags, whitespace collapsed, control characters dropped.
pub fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(16 * 1024)];
    let text = String::from_utf8_lossy(head);
    let markup = text.trim_start().starts_with('<');
    match quote(&text, markup) {
        // Markup with no text: the markup itself.
        q if q.is_empty() && markup => quote(&text, false),
        q => q,
    }
}

fn quote(text: &str, markup: bool) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let mut space = false;
    for c in text.chars() {
        if markup {
            match c {
                '<' => {
                    in_tag = true;
                    space = true;
                    continue;
                }
                '>' if in_tag => {
                    in_tag = false;
                    continue;
                }
                _ if in_tag => continue,
                _ => {}
            }
        }
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
        if out.chars().count() >= EXCERPT_CHARS {
            out.push('…');
            break;
        }
    }
    out
}

impl fmt::Display for AnswerFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_calls_take_amz_json_objects_only() {
        let p = Protocol::Json;
        assert!(p.fits(Some("application/x-amz-json-1.1"), b"{\"a\":1}"));
        assert!(p.fits(Some("application/json; charset=utf-8"), b" {}"));
        assert!(p.fits(Some("application/x-amz-json-1.0"), b""));
        assert!(!p.fits(Some("text/html"), b"<html></html>"));
        assert!(!p.fits(Some("application/xml"), b"<Error/>"));
        assert!(!p.fits(Some("text/plain"), b"{}"));
        assert!(!p.fits(Some("application/x-amz-json-1.1"), b"<html>"));
        assert!(!p.fits(None, b"OK"));
    }

    #[test]
    fn query_calls_take_xml_whose_root_is_their_response() {
        let p = Protocol::Query {
            action: "GetCallerIdentity".into(),
        };
        let ok = b"<?xml version=\"1.0\"?>\n<!-- x --><GetCallerIdentityResponse xmlns=\"x\"></GetCallerIdentityResponse>";
        assert!(p.fits(Some("text/xml"), ok));
        assert!(p.fits(Some("text/xml"), b"<ErrorResponse><Error/></ErrorResponse>"));
        assert!(!p.fits(
            Some("application/xml"),
            b"<Error><Code>Forbidden</Code></Error>"
        ));
        assert!(!p.fits(Some("text/html"), b"<html><body>Response</body></html>"));
        assert!(!p.fits(Some("text/xml"), b""));
        assert!(!p.fits(Some("text/xml"), b"<AssumeRoleResponse/>"));
        assert!(Protocol::Other.fits(Some("text/plain"), b"token"));
    }

    #[test]
    fn excerpts_are_short_printable_text() {
        let page = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\r\n<body>\x1b[31m<h1>502   Bad Gateway</h1><hr><center>nginx</center></body></html>";
        assert_eq!(excerpt(page), "502 Bad Gateway [31m 502 Bad Gateway nginx");
        let long = "x".repeat(1000);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(b"a\x00\x07b\n c"), "a b c");
        assert_eq!(excerpt(b""), "");
        assert_eq!(
            excerpt(
                b"<?xml version=\"1.0\"?>\n<Error><Code>Denied</Code><Message>no</Message></Error>"
            ),
            "Denied no"
        );
        assert_eq!(excerpt(b"<A><B/></A>"), "<A><B/></A>");
    }

    #[test]
    fn urls_lose_their_user_and_query() {
        assert_eq!(
            url_of("https://user:pw@ssm.us-east-1.amazonaws.com/?X-Amz-Security-Token=t"),
            "https://ssm.us-east-1.amazonaws.com/"
        );
        assert_eq!(url_of("http://127.0.0.1:9/x#f"), "http://127.0.0.1:9/x");
    }

    #[test]
    fn refusals_read_as_one_line() {
        let r = Refused::NotAws {
            status: 502,
            url: "https://ssm.eu-west-1.amazonaws.com/".into(),
            content_type: "text/html".into(),
            excerpt: "502 Bad Gateway".into(),
        };
        assert_eq!(
            r.to_string(),
            "HTTP 502 from https://ssm.eu-west-1.amazonaws.com/: text/html, not an AWS response: «502 Bad Gateway»"
        );
        let r = Refused::TooLarge {
            status: 200,
            url: "http://x/".into(),
            bytes: None,
            limit: MAX_ANSWER_BYTES,
        };
        assert_eq!(
            r.to_string(),
            "HTTP 200 from http://x/: an answer larger than the 16 MiB the cockpit reads"
        );
    }
}
