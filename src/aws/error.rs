use std::error::Error as StdError;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

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

    /// Classifies an SDK error. `what` names the call, e.g. "DescribeInstanceInformation".
    pub fn from_sdk<E>(what: &str, err: E) -> AwsError
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let code = err.code().map(str::to_string);
        let service_message = err.message().map(str::to_string);
        let links = chain_links(&err);
        let chain = links.join(": ");
        let kind = classify(code.as_deref(), &chain);
        let detail = match (&code, &service_message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            _ => summarize(&links),
        };
        let hint = match kind {
            ErrorKind::Credentials => {
                " (refresh credentials: `aws sso login`, or check AWS_PROFILE / --profile)"
            }
            ErrorKind::AccessDenied if chain.contains("credentials") => {
                " (check that the role exists in the account and trusts the caller)"
            }
            ErrorKind::Network => " (check the network, proxy and --endpoint-url)",
            _ => "",
        };
        AwsError {
            kind,
            code,
            message: format!("{what}: {detail}{hint}"),
        }
    }
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
    let innermost = tidy_metadata(&innermost).unwrap_or(innermost);
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
}
