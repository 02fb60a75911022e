use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, future};

use super::bucket::TokenBucket;

/// Credentials are renewed this long before they expire.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// An assumed role shared by every client of one account: one AssumeRole at a time (the
/// first caller asks, the others wait for its answer), paced by the connector's STS
/// bucket, and kept until shortly before it expires.
#[derive(Debug)]
pub(crate) struct SharedAssumedRole {
    inner: AssumeRoleProvider,
    pace: Arc<std::sync::OnceLock<TokenBucket>>,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl SharedAssumedRole {
    pub fn new(
        inner: AssumeRoleProvider,
        pace: Arc<std::sync::OnceLock<TokenBucket>>,
    ) -> SharedAssumedRole {
        SharedAssumedRole {
            inner,
            pace,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    async fn credentials(&self) -> aws_credential_types::provider::Result {
        let mut cached = self.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && c.expiry()
                .is_none_or(|e| e > SystemTime::now() + REFRESH_MARGIN)
        {
            return Ok(c.clone());
        }
        if let Some(bucket) = self.pace.get() {
            bucket.acquire().await;
        }
        let fresh = self.inner.provide_credentials().await?;
        *cached = Some(fresh.clone());
        Ok(fresh)
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
