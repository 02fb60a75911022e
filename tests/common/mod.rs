//! What the SDK-against-sim tests share: a sim, SDK clients pointed at it, error codes.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use aws_credential_types::Credentials;
use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::config::{BehaviorVersion, Region};
use aws_sdk_ssm::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ssm::types::InstanceInformation;
use ssm_cockpit::aws::{AwsOptions, Connector};
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
    ssm_at(h.endpoint(), creds, region, retry)
}

/// An SSM client of `region` with `creds`, pointed at `endpoint`.
pub fn ssm_at(
    endpoint: &str,
    creds: Credentials,
    region: &str,
    retry: RetryConfig,
) -> aws_sdk_ssm::Client {
    let conf = aws_sdk_ssm::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .credentials_provider(creds)
        .endpoint_url(endpoint)
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

/// The AWS error code of an SDK error the service answered with; panics on any other error.
#[track_caller]
pub fn service_code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> String {
    code(e.as_service_error().expect("service error"))
}

/// Every node of the caller's scope, read 50 a page through the paginator.
pub async fn all_nodes(c: &aws_sdk_ssm::Client) -> Vec<InstanceInformation> {
    c.describe_instance_information()
        .max_results(50)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("nodes")
}

/// The built binary with `args`, pointed at `endpoint` in `regions` (comma-separated), with
/// the static keys `key_id` and nothing of the machine's AWS set-up (no config or
/// credentials file, no profile, no instance metadata, no endpoint override).
pub fn cockpit_cmd(endpoint: &str, regions: &str, key_id: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"));
    c.args(args)
        .args(["--endpoint-url", endpoint, "--region", regions])
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/ssm-cockpit-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/ssm-cockpit-test-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    c
}

/// `ssm-cockpit sim` in a process of its own, listening on a free port, with `args`; and the
/// endpoint its first line names. What it prints later is read and dropped, so that it never
/// writes into a closed pipe.
pub fn spawn_sim(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"))
        .args(["sim", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let endpoint = first
        .trim_end()
        .strip_prefix("endpoint: ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .to_string();
    (child, endpoint)
}

/// The cockpit's AWS options against the sim at `endpoint`: `regions`, the static keys
/// `key_id`, and `max_attempts` tries a call.
pub fn sim_aws(endpoint: &str, regions: &[&str], key_id: &str, max_attempts: u32) -> AwsOptions {
    AwsOptions {
        profile: None,
        regions: regions.iter().map(|r| r.to_string()).collect(),
        endpoint_url: Some(endpoint.to_string()),
        static_credentials: Some((key_id.into(), "secret".into())),
        max_attempts,
    }
}

/// The cockpit's connector to the sim at `endpoint` in `regions`, as the management account.
pub async fn connect_mgmt(endpoint: &str, regions: &[&str]) -> Connector {
    Connector::connect(&sim_aws(endpoint, regions, "AKIDSIMMGMT", 3))
        .await
        .expect("connects")
}

/// Why this machine cannot create user namespaces (`None` when it can). The sandbox tests
/// are skipped then, and say so.
pub fn user_namespaces_unavailable() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new("/bin/sh");
        cmd.args(["-c", "exit 0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only the unshare system call runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWUSER)
                    .map_err(Into::into)
            });
        }
        match cmd.status() {
            Ok(s) if s.success() => None,
            Ok(s) => Some(format!("a command in a new user namespace ended with {s}")),
            Err(e) => Some(format!("this machine cannot create user namespaces: {e}")),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Some("the sandbox needs Linux namespaces".to_string())
    }
}

/// True (after printing why) when the sandbox tests cannot run here.
pub fn skip_sandbox_test(test: &str) -> bool {
    match user_namespaces_unavailable() {
        Some(why) => {
            eprintln!("skipping {test}: {why}");
            true
        }
        None => false,
    }
}
