//! `ssm-cockpit sim`'s fault flags and its `/_sim/knobs` control endpoint, seen from
//! outside: the binary runs in a process of its own and the SDK calls it.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::config::timeout::TimeoutConfig;
use ssm_cockpit::sim::{self, SimConfig, SimCredentials};

/// A spawned sim, killed when dropped.
struct Sim {
    child: Child,
    endpoint: String,
    creds: SimCredentials,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(args: &[&str]) -> Sim {
    let (child, endpoint, creds) =
        common::spawn_sim(&[&["--accounts", "2", "--nodes-per-scope", "3"], args].concat());
    Sim {
        child,
        endpoint,
        creds,
    }
}

impl Sim {
    fn ssm(&self, region: &str) -> aws_sdk_ssm::Client {
        common::ssm_at(
            &self.endpoint,
            common::sdk_creds(&self.creds),
            region,
            RetryConfig::disabled(),
        )
    }

    /// An SSM client whose calls give up after `timeout`.
    fn ssm_timeout(&self, timeout: Duration) -> aws_sdk_ssm::Client {
        let conf = aws_sdk_ssm::Config::builder()
            .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
            .region(aws_sdk_ssm::config::Region::new("us-east-1"))
            .credentials_provider(common::sdk_creds(&self.creds))
            .endpoint_url(&self.endpoint)
            .retry_config(RetryConfig::disabled())
            .timeout_config(TimeoutConfig::builder().operation_timeout(timeout).build())
            .build();
        aws_sdk_ssm::Client::from_conf(conf)
    }

    /// A signed request to a control endpoint: (status, body).
    fn control(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let signed = common::sigv4_headers(
            &common::sdk_creds(&self.creds),
            "sim",
            "us-east-1",
            method,
            &format!("{}{path}", self.endpoint),
            &[("host", self.host())],
            body.as_bytes(),
            SystemTime::now(),
        );
        raw_http(self.host(), method, path, &signed, body)
    }

    fn host(&self) -> &str {
        self.endpoint.trim_start_matches("http://")
    }

    fn knobs(&self) -> serde_json::Value {
        let (status, body) = self.control("GET", "/_sim/knobs", "");
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("knobs JSON")
    }

    fn set_knobs(&self, json: &str) -> serde_json::Value {
        let (status, body) = self.control("POST", "/_sim/knobs", json);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("knobs JSON")
    }
}

/// One HTTP/1.1 request over a fresh connection: (status, body).
fn raw_http(
    host: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(host).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("an answer");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("status line of {answer:?}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

async fn nodes_call(c: &aws_sdk_ssm::Client) -> Result<usize, String> {
    c.describe_instance_information()
        .send()
        .await
        .map(|o| o.instance_information_list().len())
        .map_err(|e| match e.as_service_error() {
            Some(s) => common::code(s),
            None => format!("{e:?}"),
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_rate_flag_fails_calls_until_lifted() {
    let sim = spawn(&["--error-rate", "1"]);
    let c = sim.ssm("us-east-1");
    for _ in 0..3 {
        assert_eq!(nodes_call(&c).await, Err("InternalServerError".to_string()));
    }
    assert_eq!(sim.knobs()["error_rate"], 1.0);
    let now = sim.set_knobs(r#"{"error_rate": 0}"#);
    assert_eq!(now["error_rate"], 0.0);
    assert_eq!(nodes_call(&c).await, Ok(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_accounts_flag_denies_that_account_only() {
    // The same seed and shape make the same account ids.
    let probe = sim::start(SimConfig {
        accounts: 2,
        nodes_per_scope: 3,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    let management = probe.management_account().to_string();
    let member = probe.accounts()[1].0.clone();
    probe.shutdown().await;

    let sim = spawn(&["--deny-accounts", &management]);
    assert_eq!(
        nodes_call(&sim.ssm("us-east-1")).await,
        Err("AccessDeniedException".to_string())
    );
    assert_eq!(
        sim.knobs()["deny_accounts"],
        serde_json::json!([management])
    );
    // Switching to the member lifts the management account's denial.
    sim.set_knobs(&format!(r#"{{"deny_accounts": ["{member}"]}}"#));
    assert_eq!(nodes_call(&sim.ssm("us-east-1")).await, Ok(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttle_regions_flag_throttles_that_region_only() {
    let sim = spawn(&["--throttle-regions", "eu-west-1"]);
    assert_eq!(
        nodes_call(&sim.ssm("eu-west-1")).await,
        Err("ThrottlingException".to_string())
    );
    assert_eq!(nodes_call(&sim.ssm("us-east-1")).await, Ok(3));
    sim.set_knobs(r#"{"throttle_regions": []}"#);
    assert_eq!(nodes_call(&sim.ssm("eu-west-1")).await, Ok(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_spike_flags_slow_every_nth_call() {
    const SPIKE: Duration = Duration::from_millis(700);
    let sim = spawn(&["--latency-spike-ms", "700", "--spike-every", "3"]);
    let c = sim.ssm("us-east-1");
    let mut took = Vec::new();
    for _ in 0..6 {
        let t = Instant::now();
        assert_eq!(nodes_call(&c).await, Ok(3));
        took.push(t.elapsed());
    }
    assert!(took[2] >= SPIKE && took[5] >= SPIKE, "{took:?}");
    let mut others: Vec<Duration> = [0, 1, 3, 4].iter().map(|&i| took[i]).collect();
    others.sort();
    assert!(others[1] < SPIKE, "most calls are not slowed: {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hang_ops_flag_holds_answers_until_lifted() {
    let sim = spawn(&["--hang-ops", "DescribeInstanceInformation"]);
    let quick = sim.ssm_timeout(Duration::from_millis(800));
    let err = nodes_call(&quick).await.unwrap_err();
    assert!(err.contains("Timeout"), "{err}");
    // Other operations answer.
    sim.ssm("us-east-1")
        .describe_document()
        .name("AWS-RunShellScript")
        .send()
        .await
        .expect("an operation that does not hang answers");

    let c = sim.ssm("us-east-1");
    let call = tokio::spawn(async move { nodes_call(&c).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!call.is_finished(), "the call hangs");
    assert_eq!(
        sim.knobs()["hang_ops"],
        serde_json::json!(["DescribeInstanceInformation"])
    );
    sim.set_knobs(r#"{"hang_ops": []}"#);
    let answer = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("the hung call is answered once lifted")
        .unwrap();
    assert_eq!(answer, Ok(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hang_flag_hangs_every_call() {
    let sim = spawn(&["--hang"]);
    let quick = sim.ssm_timeout(Duration::from_millis(600));
    let err = nodes_call(&quick).await.unwrap_err();
    assert!(err.contains("Timeout"), "{err}");
    let doc = quick
        .describe_document()
        .name("AWS-RunShellScript")
        .send()
        .await;
    assert!(doc.is_err(), "every operation hangs");
    assert_eq!(sim.knobs()["hang"], true);
    sim.set_knobs(r#"{"hang": false}"#);
    assert_eq!(nodes_call(&quick).await, Ok(3));
}

#[test]
fn session_and_latency_flags_read_back() {
    let sim = spawn(&[
        "--drop-sockets-every",
        "40",
        "--frame-delay-ms",
        "3",
        "--reorder",
        "0.25",
        "--duplicate",
        "0.5",
        "--latency-ms",
        "20",
    ]);
    let k = sim.knobs();
    assert_eq!(k["drop_sockets_every"], 40);
    assert_eq!(k["frame_delay_ms"], 3);
    assert_eq!(k["reorder"], 0.25);
    assert_eq!(k["duplicate"], 0.5);
    assert_eq!(k["latency_ms"], 20);
    assert_eq!(k["hang"], false);
}

#[test]
fn control_endpoint_refuses_strangers_and_bad_settings() {
    let sim = spawn(&[]);
    let (status, body) = raw_http(sim.host(), "GET", "/_sim/knobs", &[], "");
    assert_eq!(status, 400, "unsigned: {body}");
    assert!(body.contains("MissingAuthenticationToken"), "{body}");

    let (status, body) = sim.control("POST", "/_sim/knobs", r#"{"error_rate": 3}"#);
    assert_eq!(status, 400);
    assert!(body.contains("error_rate must be a fraction"), "{body}");
    let (status, body) = sim.control("POST", "/_sim/knobs", r#"{"eror_rate": 0.1}"#);
    assert_eq!(status, 400);
    assert!(body.contains("unknown field `eror_rate`"), "{body}");
    let (status, body) = sim.control("POST", "/_sim/knobs", "not json");
    assert_eq!(status, 400);
    assert!(body.contains("JSON object of knob settings"), "{body}");
    let (status, body) = sim.control("DELETE", "/_sim/knobs", "");
    assert_eq!(status, 404);
    assert!(body.contains("POST /_sim/knobs"), "{body}");
    assert_eq!(sim.knobs()["error_rate"], 0.0, "nothing changed");
}

#[test]
fn bad_fault_flags_name_the_flag() {
    for (args, expected) in [
        (
            &["sim", "--error-rate", "1.5"][..],
            "--error-rate must be a fraction from 0 to 1",
        ),
        (
            &["sim", "--deny-accounts", "prod"][..],
            "--deny-accounts takes 12-digit account ids",
        ),
        (
            &["sim", "--latency-spike-ms", "5"][..],
            "--spike-every <CALLS>",
        ),
        (
            &["sim", "--demo"][..],
            "--demo is not an option of `ssm-cockpit sim`",
        ),
        (
            &["--wallboard", "sim", "--regions", "eu-west-1"][..],
            "--wallboard is not an option of `ssm-cockpit sim`",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn sim_help_lists_the_sims_options_only() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"))
        .args(["sim", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for own in [
        "--listen",
        "--error-rate",
        "--deny-accounts",
        "--throttle-regions",
        "--latency-spike-ms",
        "--spike-every",
        "--hang-ops",
        "--drop-sockets-every",
    ] {
        assert!(help.contains(own), "{own} missing from:\n{help}");
    }
    for cockpit in [
        "--demo",
        "--wallboard",
        "--theme",
        "--profile",
        "--log-file",
    ] {
        assert!(!help.contains(cockpit), "{cockpit} listed in:\n{help}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_sockets_every_flag_drops_session_sockets_that_resume() {
    use ssm_cockpit::model::{Account, PingStatus, Scope};
    use ssm_cockpit::session::{SessionEvent, SessionKind, SessionState, SessionTarget};
    const REGION: &str = "us-east-1";
    const ROLE: &str = "OrganizationAccountAccessRole";

    let sim = spawn(&["--regions", REGION, "--drop-sockets-every", "10"]);
    let connector = ssm_cockpit::aws::Connector::connect(&common::sim_aws(
        &sim.endpoint,
        &[REGION],
        &sim.creds,
        3,
    ))
    .await
    .expect("connects");
    let account = connector.caller().account.clone();
    let read = connector.ssm_read(&account, REGION, ROLE).await;
    let node = read
        .nodes_page(0, None)
        .await
        .expect("nodes")
        .nodes
        .into_iter()
        .find(|n| n.ping_status == PingStatus::Online)
        .expect("an Online node");
    let target = SessionTarget {
        scope: Scope {
            account: Account {
                id: account.clone(),
                name: "management".to_string(),
            },
            region: REGION.to_string(),
        },
        name: node.name().to_string(),
        instance_id: node.instance_id,
    };
    let client = connector.session_client(&account, REGION, ROLE).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let handle = ssm_cockpit::session::client::spawn(
        client,
        ssm_cockpit::session::client::SessionSpec {
            id: 1,
            target,
            kind: SessionKind::Shell,
            size: (80, 24),
            events: tx,
            recording: None,
        },
    );
    // One output frame a line or so: paced, so the agent does not coalesce them.
    handle.input(b"for i in $(seq 1 40); do echo line-$i; sleep 0.05; done; echo seq-done\r");
    let mut out = Vec::new();
    let mut states = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&out).contains("\r\nseq-done") {
        let ev = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("no seq-done in time; states {states:?}"))
            .expect("the session runs");
        match ev.1 {
            SessionEvent::Output(b) => out.extend_from_slice(&b),
            SessionEvent::State(s) => states.push(s),
            _ => {}
        }
    }
    let reconnects = states
        .iter()
        .filter(|s| matches!(s, SessionState::Reconnecting { .. }))
        .count();
    assert!(
        reconnects >= 2,
        "sockets dropped again and again: {states:?}"
    );
    let text = String::from_utf8_lossy(&out);
    for n in 1..=40 {
        assert!(text.contains(&format!("line-{n}\r\n")), "line-{n} missing");
    }
    handle.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sim_stopping_answers_its_hung_calls() {
    let h = common::start(2, 1).await;
    h.knobs().set_hang(sim::Hang {
        all: true,
        ..sim::Hang::default()
    });
    let c = common::ssm(&h);
    let call = tokio::spawn(async move { nodes_call(&c).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!call.is_finished(), "the call hangs");
    tokio::time::timeout(Duration::from_secs(10), h.shutdown())
        .await
        .expect("the sim stops with a call hung");
    let answer = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("the hung call ends")
        .unwrap();
    assert!(answer.is_err(), "{answer:?}");
}
