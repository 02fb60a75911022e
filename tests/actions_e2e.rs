//! Remediation end to end, through the real SDK against the sim: Run Command across
//! accounts, Automation, the change-calendar gate and its override, and an audit log
//! that holds every mutating call — even when the process is killed mid-run.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sdk_ssm::config::retry::RetryConfig;
use ssm_cockpit::actions::audit::{Outcome, Phase, read_log};
use ssm_cockpit::actions::{
    ActionEvent, ActionRequest, AuditLog, AutomationSpec, CancelCommandSpec, CommandTarget,
    Executor, Gate, OpsItemUpdateSpec, RunCommandSpec, ScopedTarget,
};
use ssm_cockpit::aws::{Connector, WriteAccess, discover};
use ssm_cockpit::config::{AccountsConfig, ActionsConfig, DEFAULT_ROLE};
use ssm_cockpit::model::{InvocationStatus, ManagedNode, PingStatus, PlatformType, Scope};
use ssm_cockpit::sim::{self, SimConfig, SimCredentials, SimHandle};
use tokio::sync::mpsc;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ssm-cockpit-actions-e2e-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The audit log and the config file (`actions`, then the audit path) of a CLI run in `dir`.
fn cli_config(dir: &Path, actions: &str) -> (PathBuf, PathBuf) {
    let audit = dir.join("audit.jsonl");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{actions}[audit]\npath = {:?}\n",
            audit.display().to_string()
        ),
    )
    .unwrap();
    (audit, config)
}

async fn start_sim(accounts: usize, regions: &[&str], nodes: usize) -> SimHandle {
    let h = sim::start(SimConfig {
        accounts,
        regions: regions.iter().map(|r| r.to_string()).collect(),
        nodes_per_scope: nodes,
        ..SimConfig::default()
    })
    .await
    .expect("sim starts");
    h.knobs().set_action_pace(Duration::from_millis(15));
    h
}

async fn connect(h: &SimHandle, regions: &[&str]) -> Connector {
    common::connect_mgmt(h, regions).await
}

fn executor(conn: &Connector, audit: &Path, actions: ActionsConfig) -> Executor {
    Executor::new(
        conn.clone(),
        WriteAccess::unless_read_only(false, false).expect("operator mode"),
        DEFAULT_ROLE,
        Gate::new(actions),
        AuditLog::open(audit).expect("audit log opens"),
    )
    .with_poll_interval(Duration::from_millis(60))
}

async fn scopes(conn: &Connector) -> Vec<Scope> {
    discover(conn, &AccountsConfig::default())
        .await
        .expect("discovers")
        .scopes
}

async fn nodes_of(conn: &Connector, scope: &Scope) -> Vec<ManagedNode> {
    let read = conn
        .ssm_read(&scope.account.id, &scope.region, DEFAULT_ROLE)
        .await;
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = read.nodes_page(0, token).await.expect("nodes");
        all.extend(page.nodes);
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    all
}

/// Runs `request` to its end; every event, in order.
async fn run(
    exec: &Executor,
    request: &ActionRequest,
    typed: Option<&str>,
) -> (bool, Vec<ActionEvent>) {
    let (tx, mut rx) = mpsc::channel(4096);
    let collect = tokio::spawn(async move {
        let mut all = Vec::new();
        while let Some(e) = rx.recv().await {
            all.push(e);
        }
        all
    });
    let ok = tokio::time::timeout(Duration::from_secs(120), exec.run(7, request, typed, &tx))
        .await
        .expect("the run ends");
    drop(tx);
    (ok, collect.await.unwrap())
}

fn shell(lines: &[&str]) -> RunCommandSpec {
    RunCommandSpec::new("AWS-RunShellScript")
        .with_parameter("commands", lines.iter().map(|l| l.to_string()).collect())
}

#[tokio::test(flavor = "multi_thread")]
async fn run_command_on_120_nodes_across_3_accounts_progresses_and_counts_failures() {
    let h = start_sim(3, &["us-east-1"], 40).await;
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("run120");
    let audit = dir.join("audit.jsonl");
    let exec = executor(&conn, &audit, ActionsConfig::default());

    let scopes = scopes(&conn).await;
    assert_eq!(scopes.len(), 3);
    let mut expected: HashMap<String, InvocationStatus> = HashMap::new();
    let mut spec = shell(&["echo cockpit-ok $((6*7))", "pwd >/dev/null"]);
    spec.max_concurrency = "10%".into();
    spec.max_errors = "100%".into();
    for s in &scopes {
        let nodes = nodes_of(&conn, s).await;
        assert_eq!(nodes.len(), 40);
        for n in &nodes {
            let status = match (n.ping_status, n.platform_type) {
                (PingStatus::Online, PlatformType::Windows) => InvocationStatus::Failed,
                (PingStatus::Online, _) => InvocationStatus::Success,
                _ => InvocationStatus::Undeliverable,
            };
            expected.insert(n.instance_id.clone(), status);
        }
        spec.targets.push(ScopedTarget::nodes(
            s.clone(),
            nodes.iter().map(|n| n.instance_id.clone()).collect(),
        ));
    }
    assert_eq!(expected.len(), 120);
    let request = ActionRequest::RunCommand(spec);
    let (ok, events) = run(&exec, &request, None).await;

    // One SendCommand per scope.
    let sent: Vec<(&Scope, &String)> = events
        .iter()
        .filter_map(|e| match e {
            ActionEvent::Sent { scope, id, .. } => Some((scope, id)),
            _ => None,
        })
        .collect();
    assert_eq!(sent.len(), 3, "{events:#?}");
    assert_eq!(h.stats().count("SendCommand"), 3);

    // It progressed: some reading saw finished and unfinished invocations together.
    let progressed = events.iter().any(|e| match e {
        ActionEvent::Invocations { invocations, .. } => {
            invocations.iter().any(|i| i.status.is_terminal())
                && invocations.iter().any(|i| !i.status.is_terminal())
        }
        _ => false,
    });
    assert!(progressed, "no intermediate progress was seen");
    // MaxConcurrency 10% of 40 nodes: at most 4 at a time.
    for (_, id) in &sent {
        let peak = h.knobs().command_max_in_flight(id).unwrap_or(0);
        assert!((1..=4).contains(&peak), "{id}: {peak} in flight");
    }

    // The last reading of each command: every node, with the right outcome and output.
    let mut last: HashMap<String, Vec<ssm_cockpit::model::CommandInvocation>> = HashMap::new();
    for e in &events {
        if let ActionEvent::Invocations {
            command_id,
            invocations,
            ..
        } = e
        {
            last.insert(command_id.clone(), invocations.clone());
        }
    }
    let finals: Vec<_> = last.values().flatten().collect();
    assert_eq!(finals.len(), 120);
    let mut failures = 0;
    for i in &finals {
        let want = expected[&i.instance_id];
        assert_eq!(i.status, want, "{}: {i:?}", i.instance_id);
        if want == InvocationStatus::Success {
            assert!(i.output.contains("cockpit-ok 42"), "{:?}", i.output);
            assert_eq!(i.response_code, Some(0));
        } else {
            failures += 1;
        }
    }
    let expected_failures = expected
        .values()
        .filter(|s| **s != InvocationStatus::Success)
        .count();
    assert!(expected_failures > 0, "the estate has nodes that fail");
    assert_eq!(failures, expected_failures);
    assert!(!ok, "failures make the run not ok");
    match events.last() {
        Some(ActionEvent::Finished { summary, ok, .. }) => {
            assert!(!ok);
            assert!(summary.contains("Success"), "{summary}");
            assert!(
                summary.contains("Undeliverable") || summary.contains("Failed"),
                "{summary}"
            );
        }
        e => panic!("last event {e:?}"),
    }

    // The audit log: an intent and a result per SendCommand, linked, with the caller.
    let log = read_log(&audit).unwrap();
    assert_eq!(log.skipped, 0);
    assert_eq!(log.entries.len(), 6);
    let results: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.phase == Phase::Result)
        .collect();
    for r in &results {
        assert_eq!(r.result, Some(Outcome::Ok));
        assert_eq!(r.action, "SendCommand");
        assert!(r.caller.starts_with("arn:aws:"), "{}", r.caller);
        assert!(
            log.entries
                .iter()
                .any(|i| i.phase == Phase::Intent && i.request_id == r.request_id)
        );
        assert!(sent.iter().any(|(_, id)| Some(*id) == r.id.as_ref()));
        assert_eq!(r.request["max_concurrency"], "10%");
    }
    // Member accounts act through the assumed role.
    assert!(
        results.iter().any(|r| r
            .caller
            .contains("assumed-role/OrganizationAccountAccessRole")),
        "{:?}",
        results.iter().map(|r| &r.caller).collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_can_be_cancelled() {
    let h = start_sim(1, &["us-east-1"], 30).await;
    h.knobs().set_action_pace(Duration::from_millis(200));
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("cancel");
    let audit = dir.join("audit.jsonl");
    let exec = std::sync::Arc::new(executor(&conn, &audit, ActionsConfig::default()));
    let scope = scopes(&conn).await.remove(0);
    let mut spec = shell(&["sleep 5"]);
    spec.max_concurrency = "1".into();
    spec.max_errors = "100%".into();
    spec.targets = vec![ScopedTarget {
        scope: scope.clone(),
        target: CommandTarget::Tag {
            key: "Environment".into(),
            value: "prod".into(),
        },
        expected: None,
    }];
    let (tx, mut rx) = mpsc::channel(4096);
    let e2 = exec.clone();
    let runner =
        tokio::spawn(async move { e2.run(1, &ActionRequest::RunCommand(spec), None, &tx).await });
    let command_id = loop {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(ActionEvent::Sent { id, .. })) => break id,
            Ok(Some(_)) => {}
            other => panic!("no Sent event: {other:?}"),
        }
    };
    let cancel = ActionRequest::CancelCommand(CancelCommandSpec {
        commands: vec![(scope.clone(), command_id.clone())],
    });
    let (ok, _) = run(&exec, &cancel, None).await;
    assert!(ok);
    let mut saw_cancelled = false;
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
        if let ActionEvent::Invocations { invocations, .. } = &e {
            saw_cancelled |= invocations
                .iter()
                .any(|i| i.status == InvocationStatus::Cancelled);
        }
        if matches!(e, ActionEvent::Finished { .. }) {
            break;
        }
    }
    assert!(saw_cancelled);
    let _ = runner.await;
    let log = read_log(&audit).unwrap();
    assert!(
        log.entries
            .iter()
            .any(|e| e.action == "CancelCommand" && e.id.as_deref() == Some(&command_id))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_automation_runs_to_success() {
    let h = start_sim(2, &["us-east-1"], 12).await;
    // Steps slower than the executor's reads, so that it sees them progress.
    h.knobs().set_action_pace(Duration::from_millis(200));
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("automation");
    let audit = dir.join("audit.jsonl");
    let exec = executor(&conn, &audit, ActionsConfig::default());
    let scope = scopes(&conn).await.remove(0);
    let node = nodes_of(&conn, &scope)
        .await
        .into_iter()
        .find(|n| n.ping_status == PingStatus::Online && n.instance_id.starts_with("i-"))
        .expect("an online EC2 node");
    let spec = AutomationSpec::new(scope.clone(), "AWS-RestartEC2Instance")
        .with_parameter("InstanceId", vec![node.instance_id.clone()]);
    let (ok, events) = run(&exec, &ActionRequest::StartAutomation(spec), None).await;
    let executions: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ActionEvent::Automation { execution, .. } => Some(execution),
            _ => None,
        })
        .collect();
    let last = executions.last().expect("the execution was read");
    assert_eq!(last.status, "Success", "{last:#?}");
    assert!(!last.steps.is_empty());
    assert!(
        last.steps.iter().all(|s| s.status == "Success"),
        "{last:#?}"
    );
    // Its steps were seen progressing.
    assert!(executions.len() >= 2);
    assert!(ok, "{events:#?}");
    let log = read_log(&audit).unwrap();
    let result = log
        .entries
        .iter()
        .find(|e| e.phase == Phase::Result)
        .unwrap();
    assert_eq!(result.action, "StartAutomationExecution");
    assert_eq!(result.id.as_deref(), Some(last.execution_id.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ops_item_update_is_audited_and_persists() {
    let h = start_sim(1, &["us-east-1"], 12).await;
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("opsitem");
    let audit = dir.join("audit.jsonl");
    let exec = executor(&conn, &audit, ActionsConfig::default());
    let scope = scopes(&conn).await.remove(0);
    let read = conn
        .ssm_read(&scope.account.id, &scope.region, DEFAULT_ROLE)
        .await;
    let page = read.ops_items_page(0, None).await.expect("ops items");
    let item = page
        .items
        .into_iter()
        .find(|i| i.status == "Open")
        .expect("an open OpsItem");
    let update = ActionRequest::UpdateOpsItem(OpsItemUpdateSpec {
        scope: scope.clone(),
        ops_item_id: item.id.clone(),
        status: Some("InProgress".into()),
        note: Some("looking at it".into()),
    });
    let (ok, _) = run(&exec, &update, None).await;
    assert!(ok);
    let after = read.ops_item(0, &item.id).await.unwrap();
    assert_eq!(after.status, "InProgress");
    assert!(
        after
            .operational_data
            .iter()
            .any(|(k, v)| k.starts_with("ssm-cockpit:note") && v == "looking at it")
    );
    let log = read_log(&audit).unwrap();
    assert_eq!(log.entries.len(), 2);
    assert_eq!(log.entries[1].id.as_deref(), Some(item.id.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_calendar_blocks_and_the_override_is_audited() {
    let h = start_sim(2, &["us-east-1"], 10).await;
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("calendar");
    let audit = dir.join("audit.jsonl");
    let actions = ActionsConfig {
        change_calendars: vec!["change-freeze".into(), "prod-freeze".into()],
        ..ActionsConfig::default()
    };
    let word = actions.override_word.clone();
    let exec = executor(&conn, &audit, actions);
    let scope = scopes(&conn).await.remove(0);
    let node = nodes_of(&conn, &scope).await.remove(0);
    let mut spec = shell(&["uptime"]);
    spec.targets = vec![ScopedTarget::nodes(scope.clone(), vec![node.instance_id])];
    let request = ActionRequest::RunCommand(spec);

    // prod-freeze is CLOSED outside its weekly window: refused, nothing sent.
    let (ok, events) = run(&exec, &request, None).await;
    assert!(!ok);
    match &events[..] {
        [
            ActionEvent::Refused {
                reason,
                can_override,
                wrong_word,
                next_transition,
                ..
            },
        ] => {
            assert!(reason.contains("prod-freeze is CLOSED"), "{reason}");
            assert!(!reason.contains("change-freeze"), "{reason}");
            assert!(*can_override && !*wrong_word);
            assert!(next_transition.is_some(), "AWS names the next window");
        }
        other => panic!("{other:#?}"),
    }
    assert_eq!(h.stats().count("SendCommand"), 0);
    assert!(h.stats().count("GetCalendarState") >= 2);

    // A wrong word is refused too.
    let (ok, events) = run(&exec, &request, Some("please")).await;
    assert!(!ok);
    assert!(matches!(
        events[0],
        ActionEvent::Refused {
            wrong_word: true,
            ..
        }
    ));
    assert_eq!(h.stats().count("SendCommand"), 0);

    // The override word lets it through, and is recorded.
    let (_, events) = run(&exec, &request, Some(&word)).await;
    assert!(events.iter().any(|e| matches!(
        e,
        ActionEvent::Sent {
            overridden: true,
            ..
        }
    )));
    assert_eq!(h.stats().count("SendCommand"), 1);

    // Cancelling is never held back by the calendar.
    let id = events
        .iter()
        .find_map(|e| match e {
            ActionEvent::Sent { id, .. } => Some(id.clone()),
            _ => None,
        })
        .unwrap();
    let cancel = ActionRequest::CancelCommand(CancelCommandSpec {
        commands: vec![(scope.clone(), id)],
    });
    let (_, events) = run(&exec, &cancel, None).await;
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ActionEvent::Refused { .. }))
    );

    let log = read_log(&audit).unwrap();
    let refused: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.result == Some(Outcome::Refused))
        .collect();
    assert_eq!(refused.len(), 2);
    for r in &refused {
        assert!(r.error.as_deref().unwrap_or("").contains("prod-freeze"));
        let states: HashSet<(&str, &str)> = r
            .calendars
            .iter()
            .map(|c| (c.name.as_str(), c.state.as_str()))
            .collect();
        assert!(states.contains(&("prod-freeze", "CLOSED")), "{states:?}");
        assert!(states.contains(&("change-freeze", "OPEN")), "{states:?}");
        assert!(r.override_word.is_none());
    }
    let sent = log
        .entries
        .iter()
        .find(|e| e.action == "SendCommand" && e.result == Some(Outcome::Ok))
        .expect("the overridden call's result");
    assert_eq!(sent.override_word.as_deref(), Some(word.as_str()));
    let intent = log
        .entries
        .iter()
        .find(|e| e.phase == Phase::Intent && e.request_id == sent.request_id)
        .unwrap();
    assert_eq!(intent.override_word.as_deref(), Some(word.as_str()));
}

/// The AWS environment of a spawned cockpit: the sim's management account, nothing from
/// the machine.
fn cockpit(endpoint: &str, creds: &SimCredentials, config: &Path, args: &[&str]) -> Command {
    let mut c = common::cockpit_cmd(endpoint, "us-east-1,eu-west-1", creds, args);
    c.arg("--config").arg(config);
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_runs_a_command_and_prints_each_node() {
    let h = start_sim(2, &["us-east-1", "eu-west-1"], 6).await;
    let (audit, config) = cli_config(&scratch("cli"), "");
    let out = cockpit(
        h.endpoint(),
        h.credentials(),
        &config,
        &[
            "run",
            "--document",
            "AWS-RunShellScript",
            "--target",
            "tag:Environment=prod",
            "--param",
            "commands=echo from-cli",
            "--max-concurrency",
            "10%",
            "--max-errors",
            "100%",
            "--poll-ms",
            "100",
            "--yes",
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "{:?}\n{stderr}",
        out.status
    );
    assert!(stderr.contains("SendCommand"), "{stderr}");
    assert!(stderr.contains("MaxConcurrency 10%"), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(!lines.is_empty(), "{stderr}");
    for l in &lines {
        let cols: Vec<&str> = l.split('\t').collect();
        assert_eq!(cols.len(), 6, "{l}");
        if cols[3] == "Success" {
            assert_eq!(cols[5], "from-cli", "{l}");
        }
    }
    // One SendCommand per scope (2 accounts × 2 regions), each audited twice.
    assert_eq!(h.stats().count("SendCommand"), 4);
    let log = read_log(&audit).unwrap();
    assert_eq!(log.entries.len(), 8);

    // Read-only mode refuses before anything is sent.
    let out = cockpit(
        h.endpoint(),
        h.credentials(),
        &config,
        &[
            "--read-only",
            "run",
            "--document",
            "AWS-RunShellScript",
            "--target",
            "tag:Environment=prod",
            "--param",
            "commands=echo no",
            "--yes",
        ],
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));
    assert_eq!(h.stats().count("SendCommand"), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_checks_parameters_against_the_document_before_anything_is_sent() {
    let h = start_sim(1, &["us-east-1", "eu-west-1"], 2).await;
    let (audit, config) = cli_config(&scratch("cli-params"), "");
    let run = |timeout: &str| {
        let timeout = format!("executionTimeout={timeout}");
        cockpit(
            h.endpoint(),
            h.credentials(),
            &config,
            &[
                "run",
                "--document",
                "AWS-RunShellScript",
                "--target",
                "tag:Environment=prod",
                "--param",
                "commands=echo hi",
                "--param",
                &timeout,
                "--yes",
            ],
        )
        .output()
        .unwrap()
    };
    for bad in ["172801", "ten", "0"] {
        let out = run(bad);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "parameter executionTimeout: `{bad}` is not allowed: it takes a whole number of seconds from 1 to 172800 (48 hours)"
            )),
            "{bad}: {stderr}"
        );
    }
    assert_eq!(h.stats().count("SendCommand"), 0);
    assert!(
        read_log(&audit).map_or(true, |l| l.entries.is_empty()),
        "nothing audited"
    );
    // In range, it runs: one SendCommand per scope (one account, two regions).
    let out = run("600");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 2)), "{stderr}");
    assert_eq!(h.stats().count("SendCommand"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_is_refused_at_a_closed_calendar_unless_overridden() {
    let h = start_sim(1, &["us-east-1", "eu-west-1"], 4).await;
    let (audit, config) = cli_config(
        &scratch("cli-calendar"),
        "[actions]\nchange_calendars = [\"prod-freeze\"]\noverride_word = \"I-ACCEPT\"\n",
    );
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "run",
            "--document",
            "AWS-RunShellScript",
            "--target",
            "tag:Environment=prod",
            "--param",
            "commands=true",
            "--poll-ms",
            "100",
            "--yes",
        ];
        a.extend_from_slice(extra);
        a
    };
    let out = cockpit(h.endpoint(), h.credentials(), &config, &args(&[]))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("prod-freeze is CLOSED"), "{stderr}");
    assert!(stderr.contains("--override"), "{stderr}");
    assert_eq!(h.stats().count("SendCommand"), 0);

    let out = cockpit(
        h.endpoint(),
        h.credentials(),
        &config,
        &args(&["--override", "I-ACCEPT"]),
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("overridden"), "{stderr}");
    assert_eq!(h.stats().count("SendCommand"), 2);
    let log = read_log(&audit).unwrap();
    let overridden = log
        .entries
        .iter()
        .filter(|e| e.override_word.as_deref() == Some("I-ACCEPT"))
        .count();
    assert_eq!(overridden, 4, "intent and result in both regions");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_survives_a_kill_mid_run() {
    // The sim in a process of its own, slow enough to kill the cockpit between calls.
    let (mut sim, endpoint, creds) = common::spawn_sim(&[
        "--accounts",
        "3",
        "--regions",
        "us-east-1,eu-west-1",
        "--nodes-per-scope",
        "10",
        "--latency-ms",
        "150",
    ]);

    let (audit, config) = cli_config(
        &scratch("crash"),
        "[actions]\nchange_calendars = [\"change-freeze\"]\n",
    );
    let mut child = cockpit(
        &endpoint,
        &creds,
        &config,
        &[
            "run",
            "--document",
            "AWS-RunShellScript",
            "--target",
            "tag:Environment=prod",
            "--param",
            "commands=sleep 1; echo done",
            "--max-concurrency",
            "1",
            "--comment",
            "crash-test",
            "--poll-ms",
            "100",
            "--yes",
        ],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Kill it (SIGKILL) right after its second SendCommand answered: the others are
    // still to come, or in flight.
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = 0;
    let mut line = String::new();
    while seen < 2 {
        line.clear();
        if err.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.starts_with("SendCommand ") {
            seen += 1;
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert_eq!(seen, 2, "the run ended before it could be killed");

    // Every complete line parses; every call the sim received has its intent line.
    let text = std::fs::read_to_string(&audit).unwrap();
    let complete = text.matches('\n').count();
    let log = read_log(&audit).unwrap();
    assert_eq!(log.entries.len(), complete, "{text}");
    let intents: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.phase == Phase::Intent)
        .collect();
    let results: Vec<_> = log
        .entries
        .iter()
        .filter(|e| e.phase == Phase::Result)
        .collect();
    assert!(results.len() >= 2, "{text}");
    assert!(intents.len() < 6, "killed before the last call: {text}");
    for r in &results {
        assert!(intents.iter().any(|i| i.request_id == r.request_id));
        assert_eq!(r.calendars[0].name, "change-freeze");
    }
    // What the sim received, across every account and region.
    let mut commands = HashSet::new();
    for (account, region) in sim_scopes(&endpoint, &creds).await {
        let ssm = member_ssm(&endpoint, &creds, &account, &region).await;
        let out = ssm.list_commands().send().await.unwrap();
        // The sim has a history of its own: only this run's commands count.
        for c in out
            .commands()
            .iter()
            .filter(|c| c.comment() == Some("crash-test"))
        {
            commands.insert(c.command_id().unwrap_or_default().to_string());
        }
    }
    assert!(commands.len() <= intents.len(), "{commands:?} vs {text}");
    for r in &results {
        assert!(commands.contains(r.id.as_deref().unwrap_or("")));
    }
    let _ = sim.kill();
    let _ = sim.wait();
}

/// Every (account, region) of the standalone sim.
async fn sim_scopes(endpoint: &str, creds: &SimCredentials) -> Vec<(String, String)> {
    let conf = aws_sdk_organizations::Config::builder()
        .behavior_version(aws_sdk_organizations::config::BehaviorVersion::latest())
        .region(aws_sdk_organizations::config::Region::new("us-east-1"))
        .credentials_provider(common::sdk_creds(creds))
        .endpoint_url(endpoint)
        .build();
    let org = aws_sdk_organizations::Client::from_conf(conf);
    let accounts = org.list_accounts().send().await.unwrap();
    let mut out = Vec::new();
    for a in accounts.accounts() {
        for r in ["us-east-1", "eu-west-1"] {
            out.push((a.id().unwrap_or_default().to_string(), r.to_string()));
        }
    }
    out
}

/// An SSM client acting in `account` (through AssumeRole, as the cockpit does).
async fn member_ssm(
    endpoint: &str,
    mgmt: &SimCredentials,
    account: &str,
    region: &str,
) -> aws_sdk_ssm::Client {
    let sts_conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .credentials_provider(common::sdk_creds(mgmt))
        .endpoint_url(endpoint)
        .build();
    let sts = aws_sdk_sts::Client::from_conf(sts_conf);
    let role = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account}:role/{DEFAULT_ROLE}"))
        .role_session_name("test")
        .send()
        .await;
    // The management account itself is reached with its own keys.
    let creds = match role.ok().and_then(|r| r.credentials().cloned()) {
        Some(c) => aws_credential_types::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "test",
        ),
        None => common::sdk_creds(mgmt),
    };
    common::ssm_at(endpoint, creds, region, RetryConfig::disabled())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runbook_can_be_stopped() {
    let h = start_sim(1, &["us-east-1"], 12).await;
    h.knobs().set_action_pace(Duration::from_millis(400));
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("stop");
    let audit = dir.join("audit.jsonl");
    let exec = std::sync::Arc::new(executor(&conn, &audit, ActionsConfig::default()));
    let scope = scopes(&conn).await.remove(0);
    let node = nodes_of(&conn, &scope)
        .await
        .into_iter()
        .find(|n| n.ping_status == PingStatus::Online && n.instance_id.starts_with("i-"))
        .expect("an online EC2 node");
    let spec = AutomationSpec::new(scope.clone(), "AWS-RestartEC2Instance")
        .with_parameter("InstanceId", vec![node.instance_id]);
    let (tx, mut rx) = mpsc::channel(4096);
    let e2 = exec.clone();
    let runner = tokio::spawn(async move {
        e2.run(1, &ActionRequest::StartAutomation(spec), None, &tx)
            .await
    });
    let execution_id = loop {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Some(ActionEvent::Sent { id, .. })) => break id,
            Ok(Some(_)) => {}
            other => panic!("no Sent event: {other:?}"),
        }
    };
    let stop = ActionRequest::StopAutomation(ssm_cockpit::actions::StopAutomationSpec {
        scope: scope.clone(),
        execution_id: execution_id.clone(),
    });
    let (ok, _) = run(&exec, &stop, None).await;
    assert!(ok);
    let mut last = None;
    while let Ok(Some(e)) = tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
        match e {
            ActionEvent::Automation { execution, .. } => last = Some(execution),
            ActionEvent::Finished { .. } => break,
            _ => {}
        }
    }
    let last = last.expect("the execution was read");
    assert!(
        matches!(last.status.as_str(), "Cancelled" | "Cancelling"),
        "{last:#?}"
    );
    assert!(!runner.await.unwrap(), "a stopped runbook is not a success");
    let log = read_log(&audit).unwrap();
    assert!(
        log.entries
            .iter()
            .any(|e| e.action == "StopAutomationExecution"
                && e.result == Some(Outcome::Ok)
                && e.id.as_deref() == Some(execution_id.as_str()))
    );
}

/// A runner in operator mode on `conn`, auditing to `audit`.
fn runner(
    conn: &Connector,
    audit: &Path,
) -> (
    ssm_cockpit::actions::ActionRunner,
    mpsc::Receiver<ActionEvent>,
) {
    let shared: ssm_cockpit::aws::SharedConnector = Default::default();
    let _ = shared.set(conn.clone());
    ssm_cockpit::actions::ActionRunner::new(Some(ssm_cockpit::actions::ActionSetup {
        connector: shared,
        access: WriteAccess::unless_read_only(false, false).expect("operator mode"),
        role_name: DEFAULT_ROLE.into(),
        gate: Gate::new(ActionsConfig::default()),
        audit_path: Some(audit.to_path_buf()),
    }))
}

/// An online Linux node of the first scope.
async fn linux_node(conn: &Connector) -> (Scope, String) {
    let scope = scopes(conn).await.remove(0);
    let node = nodes_of(conn, &scope)
        .await
        .into_iter()
        .find(|n| n.ping_status == PingStatus::Online && n.platform_type == PlatformType::Linux)
        .expect("an online Linux node");
    (scope, node.instance_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_full_output_of_a_finished_node_is_read_on_demand() {
    use ssm_cockpit::actions::{ActionRead, ActionRun};
    let h = start_sim(1, &["us-east-1"], 6).await;
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("full-output");
    let (mut runner, mut rx) = runner(&conn, &dir.join("audit.jsonl"));
    let (scope, node) = linux_node(&conn).await;
    // 13,893 characters: cut by ListCommandInvocations, whole in GetCommandInvocation;
    // 28,893: cut by both.
    for (run, lines, cut) in [(1, 3000, false), (2, 6000, true)] {
        let mut spec = shell(&[&format!("seq 1 {lines}")]);
        spec.targets = vec![ScopedTarget::nodes(scope.clone(), vec![node.clone()])];
        runner.start(ActionRun {
            run,
            request: ActionRequest::RunCommand(spec),
            typed_override: None,
        });
        let mut last = None;
        let mut command_id = String::new();
        loop {
            let e = tokio::time::timeout(Duration::from_secs(60), rx.recv())
                .await
                .expect("progress")
                .expect("open");
            match e {
                ActionEvent::Invocations {
                    command_id: c,
                    invocations,
                    ..
                } => {
                    command_id = c;
                    last = invocations.into_iter().next();
                }
                ActionEvent::Finished { ok, summary, .. } => {
                    assert!(ok, "{summary}");
                    break;
                }
                _ => {}
            }
        }
        let listed = last.expect("the invocation was listed");
        assert_eq!(listed.status, InvocationStatus::Success);
        assert!(
            listed.output.contains("---Output truncated---") && listed.output.len() < 2600,
            "ListCommandInvocations keeps 2,500 characters: {} long",
            listed.output.len()
        );
        assert_eq!(runner.calls_in_flight(), 0);
        runner.read(ActionRead::CommandOutput {
            run,
            scope: scope.clone(),
            command_id: command_id.clone(),
            instance_id: node.clone(),
        });
        let answer = loop {
            let e = tokio::time::timeout(Duration::from_secs(30), rx.recv())
                .await
                .expect("an answer")
                .expect("open");
            if let ActionEvent::Output {
                run: r,
                command_id: c,
                instance_id,
                output,
            } = e
            {
                assert_eq!(
                    (r, c.as_str(), instance_id.as_str()),
                    (run, command_id.as_str(), node.as_str())
                );
                break output.expect("GetCommandInvocation answers");
            }
        };
        assert_eq!(answer.status, InvocationStatus::Success);
        assert_eq!(answer.stdout.contains("---Output truncated---"), cut);
        if cut {
            assert!(answer.stdout.len() < 24_100, "{}", answer.stdout.len());
        } else {
            assert!(
                answer.stdout.trim_end().ends_with("\n3000"),
                "the whole output"
            );
        }
    }
    // A read of an unknown invocation comes back as an error, not a panic.
    runner.read(ActionRead::CommandOutput {
        run: 3,
        scope: scope.clone(),
        command_id: "00000000-0000-0000-0000-000000000000".into(),
        instance_id: node.clone(),
    });
    let e = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("an answer")
        .expect("open");
    assert!(
        matches!(
            &e,
            ActionEvent::Output {
                run: 3,
                output: Err(_),
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn quitting_mid_call_waits_for_the_result_line() {
    use ssm_cockpit::actions::ActionRun;
    let h = start_sim(1, &["us-east-1"], 4).await;
    let conn = connect(&h, &["us-east-1"]).await;
    let dir = scratch("quit-grace");
    let audit = dir.join("audit.jsonl");
    let (mut runner, _rx) = runner(&conn, &audit);
    let (scope, node) = linux_node(&conn).await;
    // Slow answers: the SendCommand is in flight long enough to quit during it.
    h.knobs().set_latency(Duration::from_millis(700));
    let mut spec = shell(&["uptime"]);
    spec.targets = vec![ScopedTarget::nodes(scope, vec![node])];
    runner.start(ActionRun {
        run: 1,
        request: ActionRequest::RunCommand(spec),
        typed_override: None,
    });
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        while runner.calls_in_flight() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "the call was never in flight");
    // The answer takes 700 ms: the intent line is written, the result not yet.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(runner.calls_in_flight(), 1);
    let log = read_log(&audit).unwrap();
    assert_eq!(log.entries.len(), 1, "only the intent line so far");
    // The quit: a grace for the call in flight.
    runner.settle(Duration::from_secs(10)).await;
    assert_eq!(runner.calls_in_flight(), 0);
    let log = read_log(&audit).unwrap();
    let phases: Vec<Phase> = log.entries.iter().map(|e| e.phase).collect();
    assert_eq!(phases, vec![Phase::Intent, Phase::Result]);
    assert_eq!(log.entries[1].result, Some(Outcome::Ok));
    assert_eq!(log.entries[0].request_id, log.entries[1].request_id);
}
