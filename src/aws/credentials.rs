use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, future};

use aws_sdk_ssm::config::interceptors::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_ssm::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use super::bucket::TokenBucket;

/// Credentials are renewed this long before they expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// An assumed role shared by every client of one account: one AssumeRole at a time (the
/// first caller asks, the others wait for its answer), paced by the connector's STS
/// bucket, and kept until shortly before it expires, or until AWS refuses it as expired
/// or unknown (see [`RenewRefused`]). Clones share the credentials.
#[derive(Debug, Clone)]
pub(crate) struct SharedAssumedRole {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    inner: AssumeRoleProvider,
    pace: Arc<std::sync::OnceLock<TokenBucket>>,
    cached: tokio::sync::Mutex<Option<Credentials>>,
    /// The access key id AWS refused: credentials with it are assumed anew.
    refused: std::sync::Mutex<Option<String>>,
}

impl SharedAssumedRole {
    pub fn new(
        inner: AssumeRoleProvider,
        pace: Arc<std::sync::OnceLock<TokenBucket>>,
    ) -> SharedAssumedRole {
        SharedAssumedRole {
            shared: Arc::new(Shared {
                inner,
                pace,
                cached: tokio::sync::Mutex::new(None),
                refused: std::sync::Mutex::new(None),
            }),
        }
    }

    /// AWS refused the credentials with `access_key_id` (expired, or unknown to it): the
    /// next call assumes the role again instead of reusing them.
    pub fn refused(&self, access_key_id: &str) {
        let mut refused = self
            .shared
            .refused
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *refused = Some(access_key_id.to_string());
    }

    async fn credentials(&self) -> aws_credential_types::provider::Result {
        let s = &self.shared;
        let mut cached = s.cached.lock().await;
        let refused = s.refused.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(c) = cached.as_ref()
            && refused.as_deref() != Some(c.access_key_id())
            && c.expiry()
                .is_none_or(|e| e > SystemTime::now() + REFRESH_MARGIN)
        {
            return Ok(c.clone());
        }
        if let Some(bucket) = s.pace.get() {
            bucket.acquire().await;
        }
        let fresh = s.inner.provide_credentials().await?;
        *cached = Some(fresh.clone());
        Ok(fresh)
    }
}

/// Tells the account's [`SharedAssumedRole`] when AWS answers a call with an expired or
/// unknown security token (`ExpiredToken`, `UnrecognizedClient`, `InvalidClientTokenId`),
/// and has the call tried again (within its attempts): the retry assumes the role anew.
/// Credentials revoked, expired early (a clock jump, a sleeping laptop) or issued by an
/// endpoint that restarted are renewed at once instead of failing until their expiry.
#[derive(Debug, Clone)]
pub(crate) struct RenewRefused {
    pub role: SharedAssumedRole,
}

/// The access key id a request was signed with (kept in the call's config bag).
#[derive(Debug, Clone)]
struct SignedWith(String);

impl Storable for SignedWith {
    type Storer = StoreReplace<SignedWith>;
}

/// The error codes of a refused security token, in the `x-amzn-ErrorType` header (JSON
/// protocols) of a 400 or 403 answer.
fn token_refused(status: u16, error_type: Option<&str>) -> bool {
    let Some(t) = error_type else {
        return false;
    };
    // The header may carry a namespace after a colon.
    let code = t.split(':').next().unwrap_or(t);
    matches!(status, 400 | 403)
        && matches!(
            code,
            "ExpiredToken"
                | "ExpiredTokenException"
                | "UnrecognizedClientException"
                | "InvalidClientTokenId"
        )
}

impl ClassifyRetry for RenewRefused {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.response() {
            Some(r) if token_refused(r.status().as_u16(), r.headers().get("x-amzn-errortype")) => {
                RetryAction::transient_error()
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "RenewRefused"
    }

    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

impl Intercept for RenewRefused {
    fn name(&self) -> &'static str {
        "RenewRefused"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let key = context
            .request()
            .headers()
            .get("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').next());
        if let Some(key) = key {
            cfg.interceptor_state()
                .store_put(SignedWith(key.to_string()));
        }
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let response = context.response();
        let error_type = response.headers().get("x-amzn-errortype");
        if token_refused(response.status().as_u16(), error_type)
            && let Some(SignedWith(key)) = cfg.load::<SignedWith>()
        {
            tracing::info!("AWS refused the assumed role's credentials {key}: renewing them");
            self.role.refused(key);
        }
        Ok(())
    }
}

impl ProvideCredentials for SharedAssumedRole {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}

#[cfg(test)]
mod tests {
    use super::token_refused;

    #[test]
    fn only_refused_tokens_renew_the_role() {
        assert!(token_refused(400, Some("ExpiredTokenException")));
        assert!(token_refused(403, Some("ExpiredToken")));
        assert!(token_refused(400, Some("UnrecognizedClientException")));
        assert!(token_refused(
            403,
            Some("InvalidClientTokenId:http://internal.amazon.com/coral/com.amazon.coral/")
        ));
        assert!(!token_refused(400, Some("AccessDeniedException")));
        assert!(!token_refused(400, Some("ThrottlingException")));
        assert!(!token_refused(500, Some("ExpiredTokenException")));
        assert!(!token_refused(400, None));
    }
}
