use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

use super::bucket::TokenBucket;
use super::counter::{CallCounter, CountCalls};
use super::credentials::{RenewRefused, SharedAssumedRole};
use super::error::{AwsError, ErrorKind};
use super::guard::GuardedClient;
use super::limits::{TimeoutReport, call_limits};
use super::nodes::SsmRead;
use super::session::SessionClient;

/// How to reach AWS: everything the standard chain does not already say.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Profile of ~/.aws/config (SSO profiles included); else the default chain.
    pub profile: Option<String>,
    /// Regions to watch; empty = the profile's region.
    pub regions: Vec<String>,
    /// Endpoint override for every service (also read by the chain from `AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// Fixed credentials instead of the chain (the in-process demo estate).
    pub static_credentials: Option<(String, String)>,
    /// Attempts per call, the first included (throttling and transient errors are retried).
    pub max_attempts: u32,
}

/// Who the base credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
}

/// The connector once the pollers have made it, for whoever needs AWS later (sessions,
/// actions). Empty until the credential chain answered.
pub type SharedConnector = Arc<std::sync::OnceLock<Connector>>;

/// An account's SDK config, and the role assumed in it (none in the caller's own).
#[derive(Clone)]
pub(super) struct AccountConfig {
    pub(super) config: SdkConfig,
    pub(super) role: Option<SharedAssumedRole>,
}

/// Base SDK config plus a cache of per-account credentials (assumed roles).
#[derive(Clone)]
pub struct Connector {
    base: SdkConfig,
    regions: Vec<String>,
    caller: CallerIdentity,
    /// account id -> SdkConfig whose credentials are that account's (shared by its regions).
    accounts: Arc<Mutex<HashMap<String, AccountConfig>>>,
    /// Calls sent by every client made here, by operation.
    calls: Arc<CallCounter>,
    /// Paces AssumeRole calls (they share the caller's STS bucket), once set.
    sts_pace: Arc<std::sync::OnceLock<TokenBucket>>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector")
            .field("regions", &self.regions)
            .field("caller", &self.caller)
            .finish_non_exhaustive()
    }
}

impl Connector {
    /// Loads the credential chain and asks STS who we are.
    pub async fn connect(opts: &AwsOptions) -> Result<Connector, AwsError> {
        let (retry, timeout) = call_limits(opts.max_attempts);
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(GuardedClient::default_https())
            .retry_config(retry)
            .timeout_config(timeout);
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = opts.regions.first() {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(url) = &opts.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some((id, secret)) = &opts.static_credentials {
            loader = loader.credentials_provider(Credentials::new(
                id.clone(),
                secret.clone(),
                None,
                None,
                "ssm-cockpit",
            ));
        }
        let base = loader.load().await;
        let regions = if opts.regions.is_empty() {
            match base.region() {
                Some(r) => vec![r.to_string()],
                None => {
                    return Err(AwsError::new(
                        ErrorKind::Validation,
                        "no region: pass --region eu-west-1 (or several with --regions), \
                         set AWS_REGION, or set region in your AWS profile",
                    ));
                }
            }
        } else {
            opts.regions.clone()
        };
        let who = caller_identity(&base).await?;
        let caller = CallerIdentity {
            account: who.account().unwrap_or_default().to_string(),
            arn: who.arn().unwrap_or_default().to_string(),
        };
        Ok(Connector {
            base,
            regions,
            caller,
            accounts: Arc::default(),
            calls: Arc::default(),
            sts_pace: Arc::default(),
        })
    }

    pub fn caller(&self) -> &CallerIdentity {
        &self.caller
    }

    /// Calls sent so far by the clients this connector made, by operation.
    pub fn calls(&self) -> &Arc<CallCounter> {
        &self.calls
    }

    /// Paces AssumeRole into member accounts at `rate` calls per second (set once).
    pub fn pace_assume_role(&self, rate: f64) {
        let _ = self
            .sts_pace
            .set(TokenBucket::new(rate * 0.98, rate.floor().max(1.0)));
    }

    fn count_calls(&self) -> CountCalls {
        CountCalls {
            counter: self.calls.clone(),
        }
    }

    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    pub fn base_config(&self) -> &SdkConfig {
        &self.base
    }

    /// An Organizations client (a global service: signed for us-east-1).
    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        let conf = aws_sdk_organizations::config::Builder::from(&self.base)
            .region(Region::new("us-east-1"))
            .interceptor(self.count_calls())
            .interceptor(TimeoutReport)
            .build();
        aws_sdk_organizations::Client::from_conf(conf)
    }

    /// The SDK config for `account`: base credentials for the caller's own account,
    /// else credentials of `role_name` assumed in it (cached, refreshed by the SDK).
    pub async fn account_config(&self, account: &str, role_name: &str) -> SdkConfig {
        self.account(account, role_name).await.config
    }

    /// [`Connector::account_config`] and, in a member account, its assumed role.
    pub(super) async fn account(&self, account: &str, role_name: &str) -> AccountConfig {
        if let Some(c) = self.lock_accounts().get(account) {
            return c.clone();
        }
        let made = if account == self.caller.account {
            AccountConfig {
                config: self.base.clone(),
                role: None,
            }
        } else {
            let arn = format!(
                "arn:{}:iam::{account}:role/{role_name}",
                partition_of(self.regions.first().map(String::as_str).unwrap_or(""))
            );
            let provider = AssumeRoleProvider::builder(arn)
                .session_name("ssm-cockpit")
                .configure(&self.base)
                .build()
                .await;
            let role = SharedAssumedRole::new(provider, self.sts_pace.clone());
            let config = self
                .base
                .clone()
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(role.clone()))
                // The role keeps its credentials itself, and renews those AWS refuses;
                // a cache in front of it would keep them until they expire.
                .identity_cache(IdentityCache::no_cache())
                .build();
            AccountConfig {
                config,
                role: Some(role),
            }
        };
        self.lock_accounts()
            .entry(account.to_string())
            .or_insert(made)
            .clone()
    }

    /// The read-only SSM client for one scope. Its SDK retries draw on a quota of their
    /// own, so that a throttled scope does not use up the retries of the others.
    pub async fn ssm_read(&self, account: &str, region: &str, role_name: &str) -> SsmRead {
        let conf = self.account(account, role_name).await;
        let mut ssm = aws_sdk_ssm::config::Builder::from(&conf.config)
            .region(Region::new(region.to_string()))
            .retry_partition(aws_sdk_ssm::config::retry::RetryPartition::new(format!(
                "ssm-{account}-{region}"
            )))
            .interceptor(self.count_calls())
            .interceptor(TimeoutReport);
        if let Some(role) = conf.role {
            let renew = RenewRefused { role };
            ssm = ssm.interceptor(renew.clone()).retry_classifier(renew);
        }
        SsmRead::new(aws_sdk_ssm::Client::from_conf(ssm.build()))
    }

    /// The session-opening SSM client for one scope (StartSession and friends); never
    /// made in read-only or wallboard mode.
    pub async fn session_client(
        &self,
        account: &str,
        region: &str,
        role_name: &str,
    ) -> SessionClient {
        let conf = self.account(account, role_name).await;
        let mut ssm = aws_sdk_ssm::config::Builder::from(&conf.config)
            .region(Region::new(region.to_string()))
            .interceptor(TimeoutReport);
        if let Some(role) = conf.role {
            let renew = RenewRefused { role };
            ssm = ssm.interceptor(renew.clone()).retry_classifier(renew);
        }
        SessionClient::new(aws_sdk_ssm::Client::from_conf(ssm.build()))
    }

    fn lock_accounts(&self) -> std::sync::MutexGuard<'_, HashMap<String, AccountConfig>> {
        self.accounts.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The ARN partition of a region.
/// GetCallerIdentity with the credentials of `conf`.
pub(crate) async fn caller_identity(
    conf: &SdkConfig,
) -> Result<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput, AwsError> {
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(conf)
            .interceptor(TimeoutReport)
            .build(),
    );
    sts.get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::from_sdk("sts:GetCallerIdentity", e))
}

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}
