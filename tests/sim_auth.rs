//! The sim lets in only callers that sign (SigV4) with a key pair it knows, as AWS does:
//! the real SDK, AWS's own signer (aws-sigv4) and the AWS CLI with the sim's credentials.
//! Everyone else gets the error AWS gives, in the protocol of the service called.

use std::process::Command;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::error::ProvideErrorMetadata;
use futures_util::{SinkExt, StreamExt};
use ssm_cockpit::session::messages::OpenDataChannelInput;
use ssm_cockpit::sim::{self, SimConfig, SimCredentials, SimHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

mod common;
use common::{mgmt_creds, sdk_creds, ssm, ssm_with, start};

const REGION: &str = "us-east-1";
const SEND_COMMAND: &str = "AmazonSSM.SendCommand";

fn sts(h: &SimHandle, creds: Credentials) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(REGION))
        .credentials_provider(creds)
        .endpoint_url(h.endpoint())
        .retry_config(aws_sdk_sts::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

fn orgs(h: &SimHandle, creds: Credentials) -> aws_sdk_organizations::Client {
    let conf = aws_sdk_organizations::Config::builder()
        .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
        .region(aws_sdk_organizations::config::Region::new(REGION))
        .credentials_provider(creds)
        .endpoint_url(h.endpoint())
        .retry_config(aws_sdk_organizations::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_organizations::Client::from_conf(conf)
}

fn ssm_as(h: &SimHandle, creds: Credentials) -> aws_sdk_ssm::Client {
    ssm_with(h, creds, REGION, RetryConfig::disabled())
}

/// A raw HTTP/1.1 exchange: (status, response head, body).
async fn exchange(endpoint: &str, request: String) -> (u16, String, String) {
    let addr = endpoint.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    s.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// A raw request to the sim: `POST /` to SSM (`target`) or STS (`None`), or a `GET` of
/// `path` when `body` is `None`. With `signer`, signed by aws-sigv4 at `time` over
/// `signed_body` (normally the body sent).
struct Raw<'a> {
    target: Option<&'a str>,
    get: Option<&'a str>,
    body: &'a str,
    signer: Option<(&'a Credentials, &'a str)>,
    /// An `Authorization` header of the right shape for this access key, with a made-up
    /// signature: what anyone can send without the secret.
    forged: Option<&'a str>,
    signed_body: Option<&'a str>,
    time: SystemTime,
}

impl<'a> Raw<'a> {
    fn post(target: Option<&'a str>, body: &'a str) -> Self {
        Raw {
            target,
            get: None,
            body,
            signer: None,
            forged: None,
            signed_body: None,
            time: SystemTime::now(),
        }
    }

    fn get(path: &'a str) -> Self {
        Raw {
            get: Some(path),
            ..Raw::post(None, "")
        }
    }

    /// Signed with `creds` for `service`.
    fn signed(mut self, creds: &'a Credentials, service: &'a str) -> Self {
        self.signer = Some((creds, service));
        self
    }

    /// With a made-up signature by `access_key`.
    fn forged(mut self, access_key: &'a str) -> Self {
        self.forged = Some(access_key);
        self
    }

    fn render(&self) -> String {
        let mut headers = vec![("Host", "sim"), ("Connection", "close")];
        match self.target {
            Some(t) => {
                headers.push(("X-Amz-Target", t));
                headers.push(("Content-Type", "application/x-amz-json-1.1"));
            }
            None if self.get.is_none() => {
                headers.push(("Content-Type", "application/x-www-form-urlencoded"));
            }
            None => {}
        }
        let (method, path) = match self.get {
            Some(p) => ("GET", p),
            None => ("POST", "/"),
        };
        let mut r = format!("{method} {path} HTTP/1.1\r\n");
        for (k, v) in &headers {
            r.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some((creds, service)) = self.signer {
            let signed_body = self.signed_body.unwrap_or(self.body);
            for (k, v) in common::sigv4_headers(
                creds,
                service,
                REGION,
                method,
                &format!("http://sim{path}"),
                &headers,
                signed_body.as_bytes(),
                self.time,
            ) {
                r.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        if let Some(key) = self.forged {
            let now = chrono::Utc::now();
            r.push_str(&format!(
                "X-Amz-Date: {}\r\nAuthorization: AWS4-HMAC-SHA256 Credential={key}/{}/{REGION}/ssm/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature={}\r\n",
                now.format("%Y%m%dT%H%M%SZ"),
                now.format("%Y%m%d"),
                "0".repeat(64)
            ));
        }
        r.push_str(&format!(
            "Content-Length: {}\r\n\r\n{}",
            self.body.len(),
            self.body
        ));
        r
    }

    async fn send(&self, h: &SimHandle) -> (u16, String, String) {
        exchange(h.endpoint(), self.render()).await
    }
}

/// A body for SendCommand on the first node.
fn send_command_body(instance: &str, comment: &str) -> String {
    serde_json::json!({
        "DocumentName": "AWS-RunShellScript",
        "InstanceIds": [instance],
        "Parameters": {"commands": ["echo reached"]},
        "Comment": comment,
    })
    .to_string()
}

async fn first_online_node(c: &aws_sdk_ssm::Client) -> String {
    common::all_nodes(c)
        .await
        .into_iter()
        .find(|n| n.ping_status().is_some_and(|p| p.as_str() == "Online"))
        .and_then(|n| n.instance_id().map(str::to_string))
        .expect("an online node")
}

/// Commands the management account's us-east-1 holds with `comment`.
async fn commands_with_comment(c: &aws_sdk_ssm::Client, comment: &str) -> usize {
    c.list_commands()
        .send()
        .await
        .expect("list commands")
        .commands()
        .iter()
        .filter(|c| c.comment() == Some(comment))
        .count()
}

fn json_type(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["__type"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("a JSON error: {body}"))
}

#[tokio::test]
async fn unsigned_calls_are_refused_before_anything_runs() {
    let h = start(6, 1).await;
    let c = ssm(&h);
    let node = first_online_node(&c).await;
    let root_key = h.credentials().access_key_id.clone();
    let stranger = SimCredentials::random().access_key_id;

    let body = send_command_body(&node, "unsigned");
    let start = serde_json::json!({ "Target": node }).to_string();
    for (target, payload) in [(SEND_COMMAND, &body), ("AmazonSSM.StartSession", &start)] {
        let (st, head, resp) = Raw::post(Some(target), payload).send(&h).await;
        assert_eq!(st, 400, "{resp}");
        assert_eq!(json_type(&resp), "MissingAuthenticationTokenException");
        assert!(
            head.to_ascii_lowercase()
                .contains("x-amzn-errortype: missingauthenticationtokenexception"),
            "{head}"
        );
        // A well-formed header with a made-up signature, with the sim's key id or any other.
        let (st, _, resp) = Raw::post(Some(target), payload)
            .forged(&root_key)
            .send(&h)
            .await;
        assert_eq!(st, 400, "{resp}");
        assert_eq!(json_type(&resp), "InvalidSignatureException", "{target}");
        let (st, _, resp) = Raw::post(Some(target), payload)
            .forged(&stranger)
            .send(&h)
            .await;
        assert_eq!(st, 400, "{resp}");
        assert_eq!(json_type(&resp), "UnrecognizedClientException", "{target}");
        assert!(!resp.contains("StreamUrl"));
    }
    assert_eq!(commands_with_comment(&c, "unsigned").await, 0);
    let active = c
        .describe_sessions()
        .state(aws_sdk_ssm::types::SessionState::Active)
        .send()
        .await
        .expect("sessions");
    assert!(active.sessions().is_empty());

    let (st, _, resp) = Raw::post(None, "Action=GetCallerIdentity&Version=2011-06-15")
        .send(&h)
        .await;
    assert_eq!(st, 403, "{resp}");
    assert!(
        resp.contains("<Code>MissingAuthenticationToken</Code>"),
        "{resp}"
    );

    // The same calls, signed, go through: the refusals above are about the signature.
    let creds = mgmt_creds(&h);
    let (st, _, resp) = Raw::post(Some(SEND_COMMAND), &body)
        .signed(&creds, "ssm")
        .send(&h)
        .await;
    assert_eq!(st, 200, "{resp}");
    assert_eq!(commands_with_comment(&c, "unsigned").await, 1);
    let (st, _, resp) = Raw::post(Some("AmazonSSM.StartSession"), &start)
        .signed(&creds, "ssm")
        .send(&h)
        .await;
    assert_eq!(st, 200, "{resp}");
    assert!(resp.contains("StreamUrl"));
    h.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_an_invalid_signature() {
    let h = start(3, 1).await;
    let wrong = Credentials::new(
        h.credentials().access_key_id.clone(),
        "not-the-secret-the-sim-printed",
        None,
        None,
        "test",
    );
    let err = ssm_as(&h, wrong.clone())
        .describe_instance_information()
        .send()
        .await
        .expect_err("wrong secret");
    let svc = err.into_service_error();
    assert_eq!(svc.code(), Some("InvalidSignatureException"));
    let msg = svc.message().unwrap_or_default();
    assert!(
        msg.starts_with("The request signature we calculated does not match"),
        "{msg}"
    );
    assert!(
        msg.contains("The Canonical String for this request should have been\n'POST\n/\n"),
        "{msg}"
    );

    let err = orgs(&h, wrong.clone())
        .describe_organization()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(
        err.into_service_error().code(),
        Some("InvalidSignatureException")
    );

    // STS speaks AWS Query: SignatureDoesNotMatch, 403, in XML.
    let err = sts(&h, wrong.clone())
        .get_caller_identity()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(
        err.into_service_error().code(),
        Some("SignatureDoesNotMatch")
    );
    let (st, _, resp) = Raw::post(None, "Action=GetCallerIdentity&Version=2011-06-15")
        .signed(&wrong, "sts")
        .send(&h)
        .await;
    assert_eq!(st, 403, "{resp}");
    assert!(resp.starts_with("<ErrorResponse"), "{resp}");
    assert!(resp.contains("<Type>Sender</Type>"), "{resp}");
    assert!(
        resp.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{resp}"
    );

    // The right pair passes everywhere.
    assert!(ssm(&h).describe_instance_information().send().await.is_ok());
    assert!(
        sts(&h, mgmt_creds(&h))
            .get_caller_identity()
            .send()
            .await
            .is_ok()
    );
    h.shutdown().await;
}

#[tokio::test]
async fn an_unknown_key_is_an_unrecognized_client() {
    let h = start(3, 1).await;
    let stranger = sdk_creds(&SimCredentials::random());
    let err = ssm_as(&h, stranger.clone())
        .describe_instance_information()
        .send()
        .await
        .expect_err("unknown key");
    let svc = err.into_service_error();
    assert_eq!(svc.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        svc.message(),
        Some("The security token included in the request is invalid.")
    );
    let err = orgs(&h, stranger.clone())
        .list_accounts()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(
        err.into_service_error().code(),
        Some("UnrecognizedClientException")
    );
    let err = sts(&h, stranger.clone())
        .get_caller_identity()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(
        err.into_service_error().code(),
        Some("InvalidClientTokenId")
    );
    let (st, _, resp) = Raw::post(None, "Action=GetCallerIdentity&Version=2011-06-15")
        .signed(&stranger, "sts")
        .send(&h)
        .await;
    assert_eq!(st, 403, "{resp}");
    assert!(resp.contains("<Code>InvalidClientTokenId</Code>"), "{resp}");
    h.shutdown().await;
}

#[tokio::test]
async fn a_tampered_body_fails_the_signature() {
    let h = start(6, 1).await;
    let c = ssm(&h);
    let node = first_online_node(&c).await;
    let creds = mgmt_creds(&h);
    let signed = send_command_body(&node, "harmless");
    let sent = send_command_body(&node, "tampered");
    let mut req = Raw::post(Some(SEND_COMMAND), &sent).signed(&creds, "ssm");
    req.signed_body = Some(&signed);
    let (st, _, resp) = req.send(&h).await;
    assert_eq!(st, 400, "{resp}");
    assert_eq!(json_type(&resp), "InvalidSignatureException");
    assert_eq!(commands_with_comment(&c, "tampered").await, 0);

    // A request signed for another service does not pass either.
    let (st, _, resp) = Raw::post(Some(SEND_COMMAND), &sent)
        .signed(&creds, "ec2")
        .send(&h)
        .await;
    assert_eq!(st, 400, "{resp}");
    assert!(
        resp.contains("Credential should be scoped to correct service: 'ssm'"),
        "{resp}"
    );

    // The body that was signed goes through.
    let (st, _, resp) = Raw::post(Some(SEND_COMMAND), &signed)
        .signed(&creds, "ssm")
        .send(&h)
        .await;
    assert_eq!(st, 200, "{resp}");
    assert_eq!(commands_with_comment(&c, "harmless").await, 1);
    h.shutdown().await;
}

#[tokio::test]
async fn old_and_future_signatures_are_refused() {
    let h = start(3, 1).await;
    let creds = mgmt_creds(&h);
    let body = "{}";
    let target = Some("AmazonSSM.DescribeInstanceInformation");
    let at = |offset: i64| {
        let now = SystemTime::now();
        let d = Duration::from_secs(offset.unsigned_abs());
        if offset < 0 { now - d } else { now + d }
    };

    let mut old = Raw::post(target, body).signed(&creds, "ssm");
    old.time = at(-20 * 60);
    let (st, _, resp) = old.send(&h).await;
    assert_eq!(st, 400, "{resp}");
    assert_eq!(json_type(&resp), "InvalidSignatureException");
    assert!(resp.contains("Signature expired: "), "{resp}");
    assert!(resp.contains(" - 15 min.)"), "{resp}");

    let mut future = Raw::post(target, body).signed(&creds, "ssm");
    future.time = at(20 * 60);
    let (st, _, resp) = future.send(&h).await;
    assert_eq!(st, 400, "{resp}");
    assert!(resp.contains("Signature not yet current: "), "{resp}");

    let mut old_sts =
        Raw::post(None, "Action=GetCallerIdentity&Version=2011-06-15").signed(&creds, "sts");
    old_sts.time = at(-20 * 60);
    let (st, _, resp) = old_sts.send(&h).await;
    assert_eq!(st, 403, "{resp}");
    assert!(
        resp.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{resp}"
    );
    assert!(resp.contains("Signature expired: "), "{resp}");

    // Within AWS's 15 minutes of skew it passes.
    let mut skewed = Raw::post(target, body).signed(&creds, "ssm");
    skewed.time = at(-5 * 60);
    let (st, _, resp) = skewed.send(&h).await;
    assert_eq!(st, 200, "{resp}");
    h.shutdown().await;
}

/// Credentials the sim's AssumeRole issues into `account`, as the SDK takes them.
async fn assume(h: &SimHandle, account: &str, session: &str) -> Credentials {
    let out = sts(h, mgmt_creds(h))
        .assume_role()
        .role_arn(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .role_session_name(session)
        .send()
        .await
        .expect("assume");
    let c = out.credentials().expect("creds");
    Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        None,
        "assumed",
    )
}

#[tokio::test]
async fn assumed_role_keys_need_their_own_session_token() {
    let h = start(3, 3).await;
    let member = h.accounts()[1].0.clone();
    let a = assume(&h, &member, "first").await;
    let b = assume(&h, &member, "second").await;
    assert!(a.access_key_id().starts_with("ASIA"));

    // With its token: the member account.
    let who = sts(&h, a.clone())
        .get_caller_identity()
        .send()
        .await
        .expect("whoami");
    assert_eq!(who.account(), Some(member.as_str()));
    assert!(
        ssm_as(&h, a.clone())
            .describe_instance_information()
            .send()
            .await
            .is_ok()
    );

    let without = Credentials::new(a.access_key_id(), a.secret_access_key(), None, None, "t");
    let swapped = Credentials::new(
        a.access_key_id(),
        a.secret_access_key(),
        b.session_token().map(str::to_string),
        None,
        "t",
    );
    let forged = Credentials::new(
        a.access_key_id(),
        a.secret_access_key(),
        Some(format!("{}x", a.session_token().unwrap_or_default())),
        None,
        "t",
    );
    for (what, creds) in [
        ("no token", without),
        ("another session's token", swapped),
        ("a changed token", forged),
    ] {
        let err = ssm_as(&h, creds.clone())
            .describe_instance_information()
            .send()
            .await
            .expect_err(what);
        let svc = err.into_service_error();
        assert_eq!(svc.code(), Some("UnrecognizedClientException"), "{what}");
        assert_eq!(
            svc.message(),
            Some("The security token included in the request is invalid."),
            "{what}"
        );
        let err = sts(&h, creds)
            .get_caller_identity()
            .send()
            .await
            .expect_err(what);
        assert_eq!(
            err.into_service_error().code(),
            Some("InvalidClientTokenId"),
            "{what}"
        );
    }

    // Its secret is its own: another session's secret does not sign for it.
    let mixed = Credentials::new(
        a.access_key_id(),
        b.secret_access_key(),
        a.session_token().map(str::to_string),
        None,
        "t",
    );
    let err = ssm_as(&h, mixed)
        .describe_instance_information()
        .send()
        .await
        .expect_err("another secret");
    assert_eq!(
        err.into_service_error().code(),
        Some("InvalidSignatureException")
    );

    // A sim of the same seed did not issue it.
    let other = start(3, 3).await;
    let err = ssm_as(&other, a)
        .describe_instance_information()
        .send()
        .await
        .expect_err("another sim");
    assert_eq!(
        err.into_service_error().code(),
        Some("UnrecognizedClientException")
    );
    h.shutdown().await;
    other.shutdown().await;
}

#[tokio::test]
async fn every_sim_makes_its_own_key_pair_unless_given_one() {
    let a = start(2, 1).await;
    let b = start(2, 1).await;
    assert_ne!(a.credentials(), b.credentials());
    for h in [&a, &b] {
        let c = h.credentials();
        assert!(c.access_key_id.starts_with("AKIA") && c.access_key_id.len() == 20);
        assert_eq!(c.secret_access_key.len(), 40);
    }
    let err = ssm_as(&b, mgmt_creds(&a))
        .describe_instance_information()
        .send()
        .await
        .expect_err("a's key on b");
    assert_eq!(
        err.into_service_error().code(),
        Some("UnrecognizedClientException")
    );

    let given = SimCredentials::new("AKIAGIVENTOTHESIM001", "given/secret+1").unwrap();
    let g = sim::start(SimConfig {
        accounts: 1,
        nodes_per_scope: 2,
        credentials: Some(given.clone()),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    assert_eq!(g.credentials(), &given);
    assert!(ssm(&g).describe_instance_information().send().await.is_ok());
    a.shutdown().await;
    b.shutdown().await;
    g.shutdown().await;
}

#[tokio::test]
async fn stats_answer_the_key_pair_only() {
    let h = start(3, 2).await;
    let (st, _, resp) = Raw::get("/_sim/stats").send(&h).await;
    assert_eq!(st, 400, "{resp}");
    assert_eq!(json_type(&resp), "MissingAuthenticationTokenException");

    let stranger = sdk_creds(&SimCredentials::random());
    let (st, _, resp) = Raw::get("/_sim/stats")
        .signed(&stranger, "sim")
        .send(&h)
        .await;
    assert_eq!(st, 400, "{resp}");
    assert_eq!(json_type(&resp), "UnrecognizedClientException");

    let member = h.accounts()[1].0.clone();
    let assumed = assume(&h, &member, "peek").await;
    let (st, _, resp) = Raw::get("/_sim/stats")
        .signed(&assumed, "sim")
        .send(&h)
        .await;
    assert_eq!(st, 403, "{resp}");
    assert_eq!(json_type(&resp), "AccessDeniedException");

    let creds = mgmt_creds(&h);
    let (st, _, resp) = Raw::get("/_sim/stats").signed(&creds, "sim").send(&h).await;
    assert_eq!(st, 200, "{resp}");
    let stats: serde_json::Value = serde_json::from_str(&resp).expect("stats json");
    assert_eq!(stats["by_operation"]["AssumeRole"], 1);

    // curl signs SigV4 by itself (run without blocking the runtime the sim serves on).
    let c = h.credentials();
    let out = tokio::process::Command::new("curl")
        .args([
            "-s",
            "-f",
            "--max-time",
            "20",
            "--aws-sigv4",
            "aws:amz:us-east-1:sim",
        ])
        .arg("--user")
        .arg(format!("{}:{}", c.access_key_id, c.secret_access_key))
        .arg(format!("{}/_sim/stats", h.endpoint()))
        .output()
        .await;
    match out {
        Ok(o) => {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
            assert!(v["total"].as_u64().is_some(), "{v}");
        }
        Err(e) if std::env::var_os("CI").is_none() => eprintln!("skipping the curl check: {e}"),
        Err(e) => panic!("curl is part of the CI machine: {e}"),
    }
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_token_opens_its_own_session_only() {
    let h = start(6, 1).await;
    let c = ssm(&h);
    let node = first_online_node(&c).await;
    let a = c.start_session().target(&node).send().await.expect("a");
    let b = c.start_session().target(&node).send().await.expect("b");
    let (a_url, a_token) = (a.stream_url().unwrap(), a.token_value().unwrap());
    let b_token = b.token_value().unwrap();
    assert_ne!(a_token, b_token);
    assert!(
        a_token.len() >= 64,
        "unguessable: {} characters",
        a_token.len()
    );

    let open =
        |token: &str| OpenDataChannelInput::new(token, Uuid::new_v4(), "1.2.650.0").to_json();
    let wait = Duration::from_secs(10);
    let (mut ws, _) = tokio_tungstenite::connect_async(a_url)
        .await
        .expect("connect");
    ws.send(Message::Text(open(b_token).into()))
        .await
        .expect("send");
    let next = tokio::time::timeout(wait, ws.next())
        .await
        .expect("the sim closes the socket");
    assert!(!matches!(next, Some(Ok(Message::Binary(_)))), "{next:?}");

    let (mut ws, _) = tokio_tungstenite::connect_async(a_url)
        .await
        .expect("connect");
    ws.send(Message::Text(open(a_token).into()))
        .await
        .expect("send");
    let next = tokio::time::timeout(wait, ws.next()).await.expect("data");
    assert!(matches!(next, Some(Ok(Message::Binary(_)))), "{next:?}");
    drop(ws);
    h.shutdown().await;
}

/// The AWS CLI (botocore) with `envs`, against `endpoint`; `None` when the CLI is missing
/// outside CI.
fn aws_cli(endpoint: &str, envs: &[(&str, &str)], args: &[&str]) -> Option<std::process::Output> {
    let mut cmd = Command::new("aws");
    cmd.args(args)
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            REGION,
            "--output",
            "json",
        ])
        .env("AWS_CONFIG_FILE", "/nonexistent/ssm-cockpit-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/ssm-cockpit-test-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    match cmd.output() {
        Ok(o) => Some(o),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping the AWS CLI check: {e}");
            None
        }
        Err(e) => panic!("the AWS CLI is part of the CI machine: {e}"),
    }
}

#[test]
fn the_aws_cli_needs_the_credentials_the_sim_printed() {
    let (mut child, endpoint, creds) =
        common::spawn_sim(&["--accounts", "1", "--nodes-per-scope", "3"]);
    assert!(creds.access_key_id.starts_with("AKIA"), "{creds:?}");
    let printed = [
        ("AWS_ACCESS_KEY_ID", creds.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key.as_str()),
    ];
    let describe = ["ssm", "describe-instance-information"];
    let runs = (|| {
        let ok = aws_cli(&endpoint, &printed, &describe)?;
        let who = aws_cli(&endpoint, &printed, &["sts", "get-caller-identity"])?;
        let other = SimCredentials::random();
        let unknown = aws_cli(
            &endpoint,
            &[
                ("AWS_ACCESS_KEY_ID", other.access_key_id.as_str()),
                ("AWS_SECRET_ACCESS_KEY", other.secret_access_key.as_str()),
            ],
            &describe,
        )?;
        let wrong = [
            ("AWS_ACCESS_KEY_ID", creds.access_key_id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", "not-the-printed-secret"),
        ];
        let bad_secret = aws_cli(&endpoint, &wrong, &describe)?;
        let bad_sts = aws_cli(&endpoint, &wrong, &["sts", "get-caller-identity"])?;
        let unsigned = aws_cli(
            &endpoint,
            &[],
            &["ssm", "describe-instance-information", "--no-sign-request"],
        )?;
        Some((ok, who, unknown, bad_secret, bad_sts, unsigned))
    })();
    let _ = child.kill();
    let _ = child.wait();
    let Some((ok, who, unknown, bad_secret, bad_sts, unsigned)) = runs else {
        return;
    };
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).to_string();
    assert!(ok.status.success(), "{}", text(&ok));
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(
        v["InstanceInformationList"].as_array().map(Vec::len),
        Some(3)
    );
    assert!(who.status.success(), "{}", text(&who));
    for (o, code) in [
        (&unknown, "UnrecognizedClientException"),
        (&bad_secret, "InvalidSignatureException"),
        (&bad_sts, "SignatureDoesNotMatch"),
        (&unsigned, "MissingAuthenticationTokenException"),
    ] {
        assert!(!o.status.success(), "{code}");
        assert!(text(o).contains(code), "{code}: {}", text(o));
    }
}

#[test]
fn the_sim_writes_its_key_pair_as_a_profile_and_keeps_the_others() {
    let dir = std::env::temp_dir().join(format!("ssm-cockpit-sim-profile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials");
    let kept = "[default]\naws_access_key_id = AKIAKEEPMEUNCHANGED1\naws_secret_access_key = keep\n\n[simtest]\naws_access_key_id = AKIASTALESTALESTALE1\naws_secret_access_key = stale\nregion = eu-west-1\n";
    std::fs::write(&file, kept).unwrap();

    // The key pair given through the environment (not the command line, which other users
    // can read) is the one printed and written.
    let given = SimCredentials::new("AKIAFROMTHEENVIRON01", "from/the+environment").unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"));
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", &file)
        .env("SSM_COCKPIT_SIM_ACCESS_KEY_ID", &given.access_key_id)
        .env(
            "SSM_COCKPIT_SIM_SECRET_ACCESS_KEY",
            &given.secret_access_key,
        );
    let (mut child, endpoint, creds) = common::spawn_sim_with(
        cmd,
        &[
            "--accounts",
            "1",
            "--nodes-per-scope",
            "2",
            "--write-profile",
            "simtest",
        ],
    );
    assert_eq!(creds, given);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with(
            "[default]\naws_access_key_id = AKIAKEEPMEUNCHANGED1\naws_secret_access_key = keep\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("[simtest]\naws_access_key_id = AKIAFROMTHEENVIRON01\naws_secret_access_key = from/the+environment\nregion = eu-west-1\n"),
        "{text}"
    );
    assert!(!text.contains("STALE"), "{text}");

    let out = {
        let mut cmd = Command::new("aws");
        cmd.args([
            "ssm",
            "describe-instance-information",
            "--profile",
            "simtest",
        ])
        .args([
            "--endpoint-url",
            &endpoint,
            "--region",
            REGION,
            "--output",
            "json",
        ])
        .env("AWS_SHARED_CREDENTIALS_FILE", &file)
        .env("AWS_CONFIG_FILE", "/nonexistent/ssm-cockpit-test-config")
        .env("AWS_PAGER", "")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE");
        cmd.output()
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr)),
        Err(e) if std::env::var_os("CI").is_none() => eprintln!("skipping the AWS CLI check: {e}"),
        Err(e) => panic!("the AWS CLI is part of the CI machine: {e}"),
    }
}

#[test]
fn a_bad_key_pair_or_profile_name_stops_the_sim_with_the_fix() {
    let run = |envs: &[(&str, &str)], args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"));
        cmd.args(["sim", "--listen", "127.0.0.1:0"]).args(args);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(!out.status.success());
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let err = run(
        &[
            ("SSM_COCKPIT_SIM_ACCESS_KEY_ID", "ASIAAAAAAAAAAAAAAAAA"),
            ("SSM_COCKPIT_SIM_SECRET_ACCESS_KEY", "x"),
        ],
        &[],
    );
    assert!(err.contains("ASIA") && err.contains("AKIA"), "{err}");
    let err = run(&[], &["--write-profile", "no spaces"]);
    assert!(err.contains("profile name"), "{err}");
    let err = run(&[], &["--access-key-id", "AKIAONLYTHEKEYID0001"]);
    assert!(err.contains("--secret-access-key"), "{err}");
}
