//! What the SDK-against-sim tests share: a sim, SDK clients pointed at it, error codes.
#![allow(dead_code)]

use aws_credential_types::Credentials;
use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::config::{BehaviorVersion, Region};
use aws_sdk_ssm::error::ProvideErrorMetadata;
use ssm_cockpit::sim::{self, SimConfig, SimHandle};

/// Keys the sim did not issue act as the management account.
pub fn mgmt_creds() -> Credentials {
    Credentials::new("AKIDSIMMGMT", "secret", None, None, "test")
}

/// A sim with `accounts` accounts and `nodes` nodes in each of the default regions.
pub async fn start(nodes: usize, accounts: usize) -> SimHandle {
    sim::start(SimConfig {
        nodes_per_scope: nodes,
        accounts,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts")
}

pub fn ssm_with(
    h: &SimHandle,
    creds: Credentials,
    region: &str,
    retry: RetryConfig,
) -> aws_sdk_ssm::Client {
    let conf = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(creds)
        .endpoint_url(h.endpoint())
        .retry_config(retry)
        .build();
    aws_sdk_ssm::Client::from_conf(conf)
}

/// The management account's SSM client in us-east-1, without retries.
pub fn ssm(h: &SimHandle) -> aws_sdk_ssm::Client {
    ssm_with(h, mgmt_creds(), "us-east-1", RetryConfig::disabled())
}

/// The AWS error code of a service error ("" when there is none).
pub fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or_default().to_string()
}
