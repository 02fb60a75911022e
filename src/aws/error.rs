use std::error::Error as StdError;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::guard::{AnswerFrom, Refused, excerpt};

/// The broad class of a failed call: what the poller and the user should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Missing permission, or a role that cannot be assumed.
    AccessDenied,
    /// Rate exceeded; retry later with backoff.
    Throttled,
    /// No credentials, or they expired.
    Credentials,
    /// The request was invalid.
    Validation,
    /// Could not reach the endpoint, or it timed out.
    Network,
    /// The service failed (5xx).
    Server,
    Other,
}

/// A failed AWS call, with user-facing text.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct AwsError {
    pub kind: ErrorKind,
    /// The AWS error code when the service answered (e.g. `AccessDeniedException`).
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> AwsError {
        AwsError {
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// Classifies an SDK error and words it for the user; the one place that does.
    /// `what` names the call, e.g. "ssm:DescribeInstanceInformation".
    ///
    /// An answer the answer check refused ([`Refused`]) reads as that refusal (status,
    /// content type, excerpt); an answer the SDK could not read, as its status, content
    /// type and an excerpt; never as the SDK's debug output.
    pub fn from_sdk<E>(what: &str, err: SdkError<E, HttpResponse>) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_string);
        let service_message = err.message().map(str::to_string);
        let links = chain_links(&err);
        let in_credentials = links.iter().any(|l| l.contains("credentials"));
        let chain = links.join(": ");
        if let Some(refused) = find_refused(&err) {
            let kind = match refused {
                Refused::NotAws { .. } | Refused::Cut { .. } => ErrorKind::Network,
                Refused::TooLarge { .. } => ErrorKind::Server,
            };
            let context = if in_credentials {
                "loading credentials: "
            } else {
                ""
            };
            return AwsError {
                kind,
                code: None,
                message: format!("{what}: {context}{refused}{}", hint(kind, &chain)),
            };
        }
        let kind = classify(code.as_deref(), &chain);
        let (detail, hint) = match (&code, &service_message, err.raw_response()) {
            (Some(c), Some(m), _) => (format!("{c}: {m}"), hint(kind, &chain)),
            (Some(c), None, _) => (c.clone(), hint(kind, &chain)),
            (None, _, Some(raw)) => (
                unreadable(raw, &links),
                match hint(kind, &chain) {
                    "" => " (check the proxy and --endpoint-url)",
                    h => h,
                },
            ),
            _ => (summarize(&links), hint(kind, &chain)),
        };
        AwsError {
            kind,
            code,
            message: format!("{what}: {detail}{hint}"),
        }
    }
}

/// What the user can do about an error of `kind`.
fn hint(kind: ErrorKind, chain: &str) -> &'static str {
    match kind {
        ErrorKind::Credentials => {
            " (refresh credentials: `aws sso login`, or check AWS_PROFILE / --profile)"
        }
        ErrorKind::AccessDenied if chain.contains("credentials") => {
            " (check that the role exists in the account and trusts the caller)"
        }
        ErrorKind::Network => " (check the network, proxy and --endpoint-url)",
        ErrorKind::Server if chain.contains("the cockpit reads") => {
            " (AWS pages are far smaller: check the proxy and --endpoint-url)"
        }
        _ => "",
    }
}

/// The answer check's refusal somewhere in the chain of `err`.
fn find_refused<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a Refused> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<Refused>() {
            return Some(r);
        }
        next = e.source();
    }
    None
}

/// An answer the SDK could not read: status, where from, content type, why, excerpt.
fn unreadable(raw: &HttpResponse, links: &[String]) -> String {
    let status = raw.status().as_u16();
    let from = raw
        .extension::<AnswerFrom>()
        .map(|u| format!(" from {u}"))
        .unwrap_or_default();
    let content_type = raw
        .headers()
        .get("content-type")
        .unwrap_or("no content type");
    let cause = summarize(links);
    let excerpt = raw.body().bytes().map(excerpt).unwrap_or_default();
    let quoted = if excerpt.is_empty() {
        String::new()
    } else {
        format!(": «{excerpt}»")
    };
    format!(
        "HTTP {status}{from}: {content_type}, an answer that could not be read ({cause}){quoted}"
    )
}

/// The Display text of `err` and of each of its sources, outermost first.
fn chain_links(err: &(dyn StdError + 'static)) -> Vec<String> {
    let mut links = vec![err.to_string()];
    let mut next = err.source();
    while let Some(e) = next {
        links.push(e.to_string());
        next = e.source();
    }
    links
}

/// A short reading of an error chain: the innermost cause, with "loading credentials"
/// in front when that is where it failed.
fn summarize(links: &[String]) -> String {
    let innermost = links
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !GENERIC.contains(&l.as_str()))
        .or(links.last())
        .cloned()
        .unwrap_or_default();
    let innermost = tidy_metadata(&innermost).unwrap_or_else(|| without_debug(&innermost));
    let in_credentials = links.iter().any(|l| l.contains("credentials"));
    if in_credentials && !innermost.contains("credentials") {
        format!("loading credentials: {innermost}")
    } else {
        innermost
    }
}

/// `Error { code: "X", message: "Y", .. }` (how unmodeled errors display) as `X: Y`.
fn tidy_metadata(link: &str) -> Option<String> {
    let field = |name: &str| {
        let start = link.find(&format!("{name}: \""))? + name.len() + 3;
        let end = start + link[start..].find('"')?;
        Some(link[start..end].to_string())
    };
    if !link.starts_with("Error {") {
        return None;
    }
    match (field("code"), field("message")) {
        (Some(c), Some(m)) => Some(format!("{c}: {m}")),
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// `text` with each Rust debug structure (`Name { field: .. }`) cut down to its name:
/// `got StartEl { name: Name { .. }, .. }` reads `got StartEl`.
fn without_debug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" { ") {
        let before = &rest[..at];
        let is_name = before
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_uppercase()));
        if !is_name {
            out.push_str(&rest[..at + 3]);
            rest = &rest[at + 3..];
            continue;
        }
        out.push_str(before);
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest[at..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = at + i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Links of an SDK error chain that say nothing about the cause.
const GENERIC: &[&str] = &[
    "service error",
    "dispatch failure",
    "failed to construct request",
    "response error",
    "unhandled error",
    "other",
];

fn classify(code: Option<&str>, chain: &str) -> ErrorKind {
    let has = |needle: &str| code == Some(needle) || chain.contains(needle);
    if has("AccessDenied")
        || has("AccessDeniedException")
        || has("AWSOrganizationsNotInUseException")
    {
        return ErrorKind::AccessDenied;
    }
    if has("ExpiredToken")
        || has("ExpiredTokenException")
        || has("InvalidClientTokenId")
        || has("UnrecognizedClientException")
        || chain.contains("no credentials")
        || chain.contains("NoCredentials")
        || chain.contains("the credential provider was not enabled")
        || chain.contains("failed to load credentials")
    {
        return ErrorKind::Credentials;
    }
    if has("ThrottlingException")
        || has("Throttling")
        || has("TooManyRequestsException")
        || has("RequestLimitExceeded")
    {
        return ErrorKind::Throttled;
    }
    if has("ValidationException") || has("ValidationError") || has("InvalidNextToken") {
        return ErrorKind::Validation;
    }
    if has("InternalServerError") || has("InternalFailure") || has("ServiceUnavailable") {
        return ErrorKind::Server;
    }
    if chain.contains("dispatch failure")
        || chain.contains("timeout")
        || chain.contains("timed out")
        || chain.contains("connection")
        || chain.contains("Connection refused")
        || chain.contains("dns error")
    {
        return ErrorKind::Network;
    }
    ErrorKind::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_by_code_and_chain() {
        assert_eq!(
            classify(Some("AccessDeniedException"), ""),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify(Some("ThrottlingException"), ""),
            ErrorKind::Throttled
        );
        assert_eq!(
            classify(Some("ExpiredTokenException"), ""),
            ErrorKind::Credentials
        );
        assert_eq!(
            classify(None, "dispatch failure: io error: Connection refused"),
            ErrorKind::Network
        );
        assert_eq!(
            classify(
                None,
                "failed to load credentials: AssumeRole: AccessDenied: no"
            ),
            ErrorKind::AccessDenied
        );
        assert_eq!(classify(Some("InternalServerError"), ""), ErrorKind::Server);
    }

    #[test]
    fn summary_takes_the_innermost_cause() {
        let links: Vec<String> = [
            "dispatch failure",
            "other",
            "io error",
            "Connection refused",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(summarize(&links), "Connection refused");
        let links: Vec<String> = [
            "failed to construct request",
            "an error occurred while loading credentials",
            "service error",
            "AccessDenied: not authorized to perform sts:AssumeRole",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            summarize(&links),
            "loading credentials: AccessDenied: not authorized to perform sts:AssumeRole"
        );
        let links = vec![
            r#"Error { code: "AccessDenied", message: "no", aws_request_id: "r" }"#.to_string(),
        ];
        assert_eq!(summarize(&links), "AccessDenied: no");
    }

    #[test]
    fn debug_structures_are_cut_to_their_names() {
        let xml = r#"error parsing XML: invalid root, expected AssumeRoleResponse got StartEl { name: Name { prefix: "", local: "FillerResponse" }, attributes: [], closed: false, depth: 0 }"#;
        assert_eq!(
            without_debug(xml),
            "error parsing XML: invalid root, expected AssumeRoleResponse got StartEl"
        );
        assert_eq!(
            without_debug("Unhandled { source: X { a: 1 } } and { plain } text"),
            "Unhandled and { plain } text"
        );
        assert_eq!(without_debug("no braces"), "no braces");
        assert_eq!(without_debug("Open { never closed"), "Open");
        let links = vec!["service error".to_string(), xml.to_string()];
        assert!(!summarize(&links).contains('{'));
    }
}
