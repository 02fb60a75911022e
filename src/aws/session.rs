//! Session Manager API calls: StartSession, ResumeSession, TerminateSession.
//!
//! These open and end sessions, so they live apart from [`SsmRead`](super::SsmRead):
//! read-only and wallboard modes never construct a [`SessionClient`].

use std::collections::HashMap;
use std::fmt;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::error::{AwsError, ErrorKind};

/// The `TokenValue` of StartSession / ResumeSession. `Debug` and `Display` are redacted;
/// the only way to the text is [`SessionToken::expose`], for the OpenDataChannelInput.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(token: impl Into<String>) -> SessionToken {
        SessionToken(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

impl fmt::Display for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// What StartSession answered.
#[derive(Debug, Clone)]
pub struct StartedSession {
    pub session_id: String,
    pub stream_url: String,
    pub token: SessionToken,
}

/// Session-opening SSM calls for one scope.
#[derive(Clone, Debug)]
pub struct SessionClient {
    client: aws_sdk_ssm::Client,
}

impl SessionClient {
    pub fn new(client: aws_sdk_ssm::Client) -> SessionClient {
        SessionClient { client }
    }

    /// StartSession on `target` (an instance id). `document` None is the account's
    /// default shell document.
    pub async fn start_session(
        &self,
        target: &str,
        document: Option<&str>,
        parameters: HashMap<String, Vec<String>>,
        reason: Option<&str>,
    ) -> Result<StartedSession, AwsError> {
        let out = self
            .client
            .start_session()
            .target(target)
            .set_document_name(document.map(str::to_string))
            .set_parameters((!parameters.is_empty()).then_some(parameters))
            .set_reason(reason.map(str::to_string))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:StartSession", e))?;
        let missing = |field: &str| {
            AwsError::new(
                ErrorKind::Server,
                format!("ssm:StartSession: the answer has no {field}"),
            )
        };
        let session_id = out
            .session_id()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("SessionId"))?;
        let stream_url = out
            .stream_url()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("StreamUrl"))?;
        let token = out
            .token_value()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("TokenValue"))?;
        Ok(StartedSession {
            session_id: session_id.to_string(),
            stream_url: stream_url.to_string(),
            token: SessionToken::new(token),
        })
    }

    /// ResumeSession: a fresh token and the StreamUrl, or None when the session has
    /// ended or timed out (empty token, or DoesNotExistException).
    pub async fn resume_session(
        &self,
        session_id: &str,
    ) -> Result<Option<(SessionToken, String)>, AwsError> {
        let out = match self
            .client
            .resume_session()
            .session_id(session_id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.code() == Some("DoesNotExistException") => return Ok(None),
            Err(e) => return Err(AwsError::from_sdk("ssm:ResumeSession", e)),
        };
        Ok(out.token_value().filter(|t| !t.is_empty()).map(|t| {
            (
                SessionToken::new(t),
                out.stream_url().unwrap_or_default().to_string(),
            )
        }))
    }

    /// TerminateSession. Ending a session that is already gone is not an error.
    pub async fn terminate_session(&self, session_id: &str) -> Result<(), AwsError> {
        match self
            .client
            .terminate_session()
            .session_id(session_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("DoesNotExistException") => Ok(()),
            Err(e) => Err(AwsError::from_sdk("ssm:TerminateSession", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_redacted() {
        let t = SessionToken::new("SECRET-TOKEN");
        assert!(!format!("{t:?}").contains("SECRET"));
        assert!(!format!("{t}").contains("SECRET"));
        let s = StartedSession {
            session_id: "s-1".into(),
            stream_url: "wss://x".into(),
            token: t.clone(),
        };
        assert!(!format!("{s:?}").contains("SECRET"));
        assert_eq!(t.expose(), "SECRET-TOKEN");
    }
}
