//! `ssm-cockpit export nodes` and `ssm-cockpit sim`, run as a user would: the built binary.

use std::process::Command;

use ssm_cockpit::sim::{self, SimConfig, SimCredentials, SimHandle};

mod common;

fn cockpit(endpoint: &str, creds: &SimCredentials, args: &[&str]) -> Command {
    let mut c = common::cockpit_cmd(endpoint, "us-east-1,eu-west-1", creds, args);
    c.env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg");
    c
}

fn sim_config(accounts: usize, nodes: usize) -> SimConfig {
    SimConfig {
        accounts,
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        nodes_per_scope: nodes,
        ..SimConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn export_json_has_every_node_once_with_account_and_region() {
    let handle = sim::start(sim_config(3, 7)).await.unwrap();
    let out = cockpit(
        handle.endpoint(),
        handle.credentials(),
        &["export", "nodes", "--format", "json"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let nodes: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(nodes.len(), 3 * 2 * 7);
    let mut ids: Vec<&str> = nodes
        .iter()
        .filter_map(|n| n["instance_id"].as_str())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 42);
    let accounts: Vec<String> = handle.accounts().into_iter().map(|(id, _)| id).collect();
    for n in &nodes {
        assert!(
            accounts.iter().any(|a| n["account_id"] == a.as_str()),
            "{n}"
        );
        assert!(
            n["region"] == "us-east-1" || n["region"] == "eu-west-1",
            "{n}"
        );
        assert!(n["ping_status"].is_string());
        assert!(n.get("tags").is_none(), "no tags unless asked");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("exported 42 nodes from 6 scopes"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn export_csv_with_tags() {
    let handle = sim::start(sim_config(2, 4)).await.unwrap();
    let out = cockpit(
        handle.endpoint(),
        handle.credentials(),
        &["export", "nodes", "--format", "csv", "--tags"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("account_id,account_name,region,instance_id,name,"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2 * 2 * 4);
    assert!(rows.iter().any(|r| r.contains("Environment=")), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_scope_fails_the_export_unless_partial_is_allowed() {
    let handle = sim::start(sim_config(3, 5)).await.unwrap();
    let member = handle
        .accounts()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id != handle.management_account())
        .unwrap();
    handle.knobs().deny_account(&member, true);

    let out = cockpit(
        handle.endpoint(),
        handle.credentials(),
        &["export", "nodes"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing half-written on stdout");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 of 6 scopes failed"), "{stderr}");
    assert!(stderr.contains("--allow-partial"), "{stderr}");
    assert!(stderr.contains(&member), "{stderr}");

    let out = cockpit(
        handle.endpoint(),
        handle.credentials(),
        &["export", "nodes", "--allow-partial"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let nodes: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(nodes.len(), 2 * 2 * 5);
    assert!(nodes.iter().all(|n| n["account_id"] != member.as_str()));
}

#[test]
fn bad_config_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("ssm-cockpit-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        "regions = [\"eu-west-1\"]\n[poll]\nnodes_secs = 30\n",
    )
    .unwrap();
    let out = cockpit(
        "http://127.0.0.1:9",
        &SimCredentials::random(),
        &["export", "nodes"],
    )
    .arg("--config")
    .arg(&path)
    .output()
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:3:1", path.display())),
        "{stderr}"
    );
    assert!(stderr.contains("nodes_secs"), "{stderr}");
}

#[test]
fn unreachable_endpoint_is_a_clear_error() {
    let out = cockpit(
        "http://127.0.0.1:9",
        &SimCredentials::random(),
        &["export", "nodes"],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("GetCallerIdentity"), "{stderr}");
    assert!(stderr.contains("endpoint"), "{stderr}");
}

#[test]
fn sim_prints_its_endpoint_first_and_serves_the_aws_cli() {
    let (mut child, endpoint, creds) =
        common::spawn_sim(&["--accounts", "2", "--nodes-per-scope", "12"]);
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    // A client that is not ours: the AWS CLI (botocore) parses the sim's answers.
    let aws = Command::new("aws")
        .args([
            "ssm",
            "describe-instance-information",
            "--endpoint-url",
            &endpoint,
        ])
        .args(["--region", "eu-west-1", "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &creds.secret_access_key)
        .env("AWS_CONFIG_FILE", "/nonexistent/ssm-cockpit-test-config")
        .env("AWS_PAGER", "")
        .output();
    let _ = child.kill();
    let _ = child.wait();
    let aws = match aws {
        Ok(o) => o,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping the AWS CLI check: {e}");
            return;
        }
        Err(e) => panic!("the AWS CLI is part of the CI machine: {e}"),
    };
    assert!(
        aws.status.success(),
        "{}",
        String::from_utf8_lossy(&aws.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&aws.stdout).unwrap();
    let list = v["InstanceInformationList"].as_array().unwrap();
    // The CLI follows NextToken itself: all 12 nodes of the management account's region.
    assert_eq!(list.len(), 12);
    assert!(
        list.iter()
            .all(|n| n["InstanceId"].is_string() && n["PingStatus"].is_string())
    );
}

fn run_ok(h: &SimHandle, args: &[&str]) -> (Vec<u8>, String) {
    let out = cockpit(h.endpoint(), h.credentials(), args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (out.stdout, stderr)
}

#[tokio::test(flavor = "multi_thread")]
async fn export_opsitems_compliance_and_inventory() {
    let handle = sim::start(sim_config(2, 5)).await.unwrap();
    let ep = &handle;

    let (stdout, stderr) = run_ok(ep, &["export", "opsitems"]);
    let items: Vec<serde_json::Value> = serde_json::from_slice(&stdout).unwrap();
    assert!(!items.is_empty());
    assert!(stderr.contains("OpsItems from 4 scopes"), "{stderr}");
    for i in &items {
        assert!(
            i["id"].as_str().is_some_and(|s| s.starts_with("oi-")),
            "{i}"
        );
        assert!(i["status"].is_string() && i["account_id"].is_string());
        assert!(i["resources"].is_array());
    }
    let (csv, _) = run_ok(ep, &["export", "opsitems", "--format", "csv"]);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("account_id,account_name,region,id,title,status,"));

    let (stdout, _) = run_ok(ep, &["export", "compliance"]);
    let types: Vec<serde_json::Value> = serde_json::from_slice(&stdout).unwrap();
    assert!(
        types.iter().any(|t| t["compliance_type"] == "Patch"),
        "{types:?}"
    );
    for t in &types {
        assert!(t["compliant"].is_u64() && t["non_compliant_critical"].is_u64());
    }
    let (csv, _) = run_ok(ep, &["export", "compliance", "--format", "csv"]);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().count() > 1);
    assert!(csv.starts_with("account_id,account_name,region,compliance_type,compliant,"));

    let (stdout, stderr) = run_ok(ep, &["export", "inventory"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(
        rows.len(),
        2 * 2 * 5,
        "one AWS:InstanceInformation row per node"
    );
    assert!(stderr.contains("exported 20 inventory rows"), "{stderr}");
    assert!(
        rows.iter()
            .all(|r| r["type_name"] == "AWS:InstanceInformation")
    );
    let (csv, _) = run_ok(
        ep,
        &[
            "export",
            "inventory",
            "--type",
            "AWS:Application",
            "--format",
            "csv",
        ],
    );
    let csv = String::from_utf8(csv).unwrap();
    let header = csv.lines().next().unwrap_or("");
    assert!(
        header.starts_with("account_id,account_name,region,instance_id,type_name,capture_time,"),
        "{header}"
    );
    assert!(
        header.contains(",Name,") && header.contains("Version"),
        "{header}"
    );
    assert!(csv.lines().count() > 20);
    assert!(csv.contains("amazon-ssm-agent"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_scope_fails_every_kind_of_export_unless_partial_is_allowed() {
    let handle = sim::start(sim_config(2, 3)).await.unwrap();
    let member = handle
        .accounts()
        .into_iter()
        .map(|(id, _)| id)
        .find(|id| id != handle.management_account())
        .unwrap();
    handle.knobs().deny_account(&member, true);
    for kind in ["opsitems", "compliance", "inventory"] {
        let out = cockpit(handle.endpoint(), handle.credentials(), &["export", kind])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{kind}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("2 of 4 scopes failed"), "{kind}: {stderr}");
        let (stdout, _) = run_ok(&handle, &["export", kind, "--allow-partial"]);
        let v: Vec<serde_json::Value> = serde_json::from_slice(&stdout).unwrap();
        assert!(!v.is_empty(), "{kind}");
        assert!(
            v.iter().all(|r| r["account_id"] != member.as_str()),
            "{kind}"
        );
    }
}

/// An empty endpoint URL, given as a flag or in AWS_ENDPOINT_URL, is refused with the fix;
/// nothing panics.
#[test]
fn an_empty_endpoint_url_is_refused_with_the_fix() {
    let flag = cockpit("", &SimCredentials::random(), &["export", "nodes"])
        .output()
        .unwrap();
    let env = Command::new(env!("CARGO_BIN_EXE_ssm-cockpit"))
        .args(["export", "nodes", "--region", "us-east-1"])
        .env("AWS_ENDPOINT_URL", "")
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/ssm-cockpit-test-config")
        .env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg")
        .output()
        .unwrap();
    for out in [flag, env] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains("endpoint URL is empty") && stderr.contains("AWS_ENDPOINT_URL"),
            "{stderr}"
        );
    }
}

/// A region named twice is polled once: the export has each node once.
#[tokio::test(flavor = "multi_thread")]
async fn a_region_named_twice_is_polled_once() {
    let handle = sim::start(sim_config(1, 4)).await.unwrap();
    let out = common::cockpit_cmd(
        handle.endpoint(),
        "eu-west-1,eu-west-1",
        handle.credentials(),
        &["export", "nodes", "--format", "csv"],
    )
    .env("XDG_CONFIG_HOME", "/nonexistent/ssm-cockpit-test-xdg")
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
    let stats = handle.stats();
    assert_eq!(
        stats.count("DescribeInstanceInformation"),
        1,
        "one scope polled once"
    );
}

/// An estate where every call hangs: the export gives up in well under a minute and says
/// which call, how many attempts it made and the limits that ended them.
#[test]
fn a_hanging_estate_fails_the_export_within_the_call_timeout_naming_the_attempts() {
    let (mut sim, endpoint, creds) = common::spawn_sim(&["--latency-ms", "600000"]);
    let started = std::time::Instant::now();
    let out = cockpit(&endpoint, &creds, &["export", "nodes"])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let _ = sim.kill();
    let _ = sim.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    let limit = ssm_cockpit::aws::OPERATION_TIMEOUT;
    assert!(
        elapsed < limit + std::time::Duration::from_secs(10),
        "took {elapsed:?}: {stderr}"
    );
    assert!(
        elapsed >= limit,
        "gave up after {elapsed:?}, before its limit"
    );
    // Attempts of 10 s each and the backoff between them: the third is cut at 30 s.
    assert!(
        stderr.contains("sts:GetCallerIdentity: no answer: timed out after 3 attempts in 30 s"),
        "{stderr}"
    );
    assert!(
        stderr.contains("per-attempt timeout 10 s, per-call timeout 30 s"),
        "{stderr}"
    );
    assert!(!stderr.contains("single attempt"), "{stderr}");
}
