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
use ssm_cockpit::sim::{self, SimConfig, SimCredentials, SimHandle};

/// A sim key pair as the SDK takes it.
pub fn sdk_creds(c: &SimCredentials) -> Credentials {
    Credentials::new(
        c.access_key_id.clone(),
        c.secret_access_key.clone(),
        None,
        None,
        "test",
    )
}

/// The sim's own key pair: it acts as the management account.
pub fn mgmt_creds(h: &SimHandle) -> Credentials {
    sdk_creds(h.credentials())
}

/// The headers (`authorization`, `x-amz-date`, and `x-amz-security-token` with a session
/// token) that AWS's own signer (aws-sigv4) adds to a request of `method` to `url` with
/// `headers` and `body`, signed for `service` in `region` at `time`.
#[allow(clippy::too_many_arguments)]
pub fn sigv4_headers(
    creds: &Credentials,
    service: &str,
    region: &str,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    time: std::time::SystemTime,
) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let identity = creds.clone().into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("signable request");
    let (instructions, _) = sign(request, &params).expect("signed").into_parts();
    instructions
        .headers()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
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
    ssm_with(h, mgmt_creds(h), "us-east-1", RetryConfig::disabled())
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
/// the static keys `creds` and nothing of the machine's AWS set-up (no config or
/// credentials file, no profile, no instance metadata, no endpoint override).
pub fn cockpit_cmd(
    endpoint: &str,
    regions: &str,
    creds: &SimCredentials,
    args: &[&str],
) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"));
    c.args(args)
        .args(["--endpoint-url", endpoint, "--region", regions])
        .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &creds.secret_access_key)
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

/// `ssm-cockpit sim` in a process of its own, listening on a free port, with `args`; the
/// endpoint its first line names and the key pair its second line names. What it prints
/// later is read and dropped, so that it never writes into a closed pipe.
pub fn spawn_sim(args: &[&str]) -> (Child, String, SimCredentials) {
    spawn_sim_with(Command::new(env!("CARGO_BIN_EXE_ssm-cockpit")), args)
}

/// [`spawn_sim`] from a prepared command (environment, say).
pub fn spawn_sim_with(mut cmd: Command, args: &[&str]) -> (Child, String, SimCredentials) {
    let mut child = cmd
        .args(["sim", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let mut second = String::new();
    reader.read_line(&mut second).unwrap();
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let endpoint = first
        .trim_end()
        .strip_prefix("endpoint: ")
        .unwrap_or_else(|| panic!("first line was {first:?}"))
        .to_string();
    let creds = second
        .trim_end()
        .strip_prefix("credentials: ")
        .and_then(|c| c.split_once(' '))
        .map(|(id, secret)| SimCredentials {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
        })
        .unwrap_or_else(|| panic!("second line was {second:?}"));
    (child, endpoint, creds)
}

/// The cockpit's AWS options against the sim at `endpoint`: `regions`, the static keys
/// `creds`, and `max_attempts` tries a call.
pub fn sim_aws(
    endpoint: &str,
    regions: &[&str],
    creds: &SimCredentials,
    max_attempts: u32,
) -> AwsOptions {
    AwsOptions {
        profile: None,
        regions: regions.iter().map(|r| r.to_string()).collect(),
        endpoint_url: Some(endpoint.to_string()),
        static_credentials: Some((creds.access_key_id.clone(), creds.secret_access_key.clone())),
        max_attempts,
    }
}

/// The cockpit's connector to the sim `h` in `regions`, as the management account.
pub async fn connect_mgmt(h: &SimHandle, regions: &[&str]) -> Connector {
    Connector::connect(&sim_aws(h.endpoint(), regions, h.credentials(), 3))
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
