//! Documents, Change Calendar, Run Command and Automation of the simulated estate,
//! exercised through the real AWS SDK client (and the typed reads of `SsmRead`).

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_ssm::types::{DocumentFilter, DocumentFilterKey, DocumentKeyValuesFilter};
use ssm_cockpit::aws::SsmRead;
use ssm_cockpit::model::{CalendarStatus, DocumentQuery, parse_icalendar};
use ssm_cockpit::sim::{ForcedCalendar, SimHandle};

mod common;
use common::{all_nodes, service_code, ssm, start};

fn kv(key: &str, values: &[&str]) -> DocumentKeyValuesFilter {
    DocumentKeyValuesFilter::builder()
        .key(key)
        .set_values(Some(values.iter().map(|v| v.to_string()).collect()))
        .build()
}

async fn doc_names(c: &aws_sdk_ssm::Client, filters: Vec<DocumentKeyValuesFilter>) -> Vec<String> {
    c.list_documents()
        .set_filters(Some(filters))
        .max_results(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("list documents")
        .iter()
        .filter_map(|d| d.name().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn documents_list_filter_and_page() {
    let h = start(5, 3).await;
    let c = ssm(&h);
    let all = doc_names(&c, Vec::new()).await;
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "paging repeats nothing");
    for name in [
        "AWS-RunShellScript",
        "AWS-RunPowerShellScript",
        "AWS-RunPatchBaseline",
        "AWS-ConfigureAWSPackage",
        "AWS-UpdateSSMAgent",
        "AWS-GatherSoftwareInventory",
        "AWS-RestartEC2Instance",
        "AWS-StopEC2Instance",
        "AWS-StartEC2Instance",
        "AWS-CreateImage",
        "AWS-TerminateEC2Instance",
        "AWS-StartInteractiveCommand",
        "AWS-StartPortForwardingSession",
        "AWS-StartPortForwardingSessionToRemoteHost",
        "SSM-SessionManagerRunShell",
        "AmazonCloudWatchAgent",
        "AWSCodeDeployAgent",
        "change-freeze",
        "prod-freeze",
    ] {
        assert!(all.iter().any(|n| n == name), "{name} listed");
    }

    let own = doc_names(&c, vec![kv("Owner", &["Self"])]).await;
    assert!(own.iter().all(|n| !n.starts_with("AWS-")), "{own:?}");
    assert!(own.iter().any(|n| n.ends_with("-RotateLogs")));
    assert!(own.iter().any(|n| n.ends_with("-RestartService")));
    let amazon = doc_names(&c, vec![kv("Owner", &["Amazon"])]).await;
    assert!(amazon.contains(&"AWS-RunShellScript".to_string()));
    assert!(!amazon.contains(&"change-freeze".to_string()));
    let private = doc_names(&c, vec![kv("Owner", &["Private"])]).await;
    assert!(
        private.len() > own.len(),
        "shared documents are private too"
    );
    // A document shared by another account is named by its ARN.
    let shared = private.iter().find(|n| !own.contains(n)).expect("shared");
    let e = c.describe_document().name(shared).send().await.unwrap_err();
    assert_eq!(service_code(&e), "InvalidDocument");
    let sharer = &h.accounts()[1].0;
    let arn = format!("arn:aws:ssm:us-east-1:{sharer}:document/{shared}");
    let d = c
        .describe_document()
        .name(&arn)
        .send()
        .await
        .expect("by arn");
    assert_eq!(d.document().and_then(|d| d.owner()), Some(sharer.as_str()));

    let packages = doc_names(&c, vec![kv("DocumentType", &["Package"])]).await;
    assert!(packages.contains(&"AmazonCloudWatchAgent".to_string()));
    assert!(packages.iter().any(|n| n.ends_with("-EdgeAgent")));
    let calendars = doc_names(
        &c,
        vec![
            kv("DocumentType", &["ChangeCalendar"]),
            kv("Owner", &["Self"]),
        ],
    )
    .await;
    assert_eq!(calendars, vec!["change-freeze", "prod-freeze"]);
    let prefix = doc_names(&c, vec![kv("Name", &["AWS-Run"])]).await;
    assert_eq!(prefix.len(), 3, "{prefix:?}");
    let keyword = doc_names(&c, vec![kv("SearchKeyword", &["ec2instance"])]).await;
    assert_eq!(keyword.len(), 4, "{keyword:?}");
    let windows = doc_names(&c, vec![kv("PlatformTypes", &["Windows"])]).await;
    assert!(!windows.contains(&"AWS-RunShellScript".to_string()));
    assert!(windows.contains(&"AWS-RunPowerShellScript".to_string()));

    // The legacy filter list.
    let legacy = c
        .list_documents()
        .document_filter_list(
            DocumentFilter::builder()
                .key(DocumentFilterKey::DocumentType)
                .value("Automation")
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("legacy filter");
    assert!(
        legacy
            .document_identifiers()
            .iter()
            .all(|d| d.document_type().map(|t| t.as_str()) == Some("Automation"))
    );

    // Limits and errors.
    let e = c.list_documents().max_results(51).send().await.unwrap_err();
    assert_eq!(service_code(&e), "ValidationException");
    let e = c
        .list_documents()
        .filters(kv("Colour", &["blue"]))
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidFilterKey");
    let first = c
        .list_documents()
        .max_results(2)
        .send()
        .await
        .expect("page");
    let token = first.next_token().expect("more").to_string();
    let e = c
        .list_documents()
        .filters(kv("Owner", &["Self"]))
        .next_token(token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidNextToken");
}

#[tokio::test]
async fn documents_describe_get_and_versions() {
    let h = start(5, 2).await;
    let c = ssm(&h);
    let d = c
        .describe_document()
        .name("AWS-RunShellScript")
        .send()
        .await
        .expect("describe");
    let d = d.document().expect("document");
    assert_eq!(d.owner(), Some("Amazon"));
    assert_eq!(d.document_type().map(|t| t.as_str()), Some("Command"));
    assert_eq!(d.schema_version(), Some("1.2"));
    let params: Vec<&str> = d.parameters().iter().filter_map(|p| p.name()).collect();
    assert_eq!(
        params,
        vec!["commands", "executionTimeout", "workingDirectory"]
    );
    let timeout = d
        .parameters()
        .iter()
        .find(|p| p.name() == Some("executionTimeout"))
        .expect("timeout");
    assert_eq!(timeout.default_value(), Some("3600"));
    assert!(d.hash().is_some_and(|h| h.len() == 64));

    let e = c
        .describe_document()
        .name("Nope-Doc")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidDocument");
    let e = c
        .describe_document()
        .name("AWS-RunShellScript")
        .document_version("9")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidDocumentVersion");

    // Typed reads.
    let read = SsmRead::new(c.clone());
    let pkg = read
        .describe_document(0, "AmazonCloudWatchAgent", None)
        .await
        .expect("package");
    assert_eq!(pkg.document_type, "Package");
    assert_eq!(pkg.latest_version, pkg.default_version);
    let versions = read
        .list_document_versions("AmazonCloudWatchAgent", None)
        .await
        .expect("versions");
    assert_eq!(versions.items.len(), 4);
    assert_eq!(
        versions
            .items
            .iter()
            .filter(|v| v.is_default_version)
            .count(),
        1
    );
    let first_name = versions.items.last().expect("oldest").version_name.clone();
    let old = read
        .get_document("AmazonCloudWatchAgent", Some(&first_name), None)
        .await
        .expect("old version");
    assert_eq!(old.document_version, "1");
    let manifest: serde_json::Value = serde_json::from_str(&old.content).expect("manifest json");
    assert!(manifest["packages"]["windows"]["_any"]["x86_64"]["file"].is_string());

    let own = read
        .list_all_documents(
            0,
            &DocumentQuery {
                owner: Some("Self".into()),
                document_types: vec!["Automation".into()],
                ..DocumentQuery::default()
            },
        )
        .await
        .expect("own runbooks");
    assert_eq!(own.len(), 1);
    let runbook = read
        .get_document(&own[0].name, None, None)
        .await
        .expect("runbook");
    assert_eq!(runbook.document_format, "YAML");
    assert!(
        runbook.content.contains("mainSteps:"),
        "{}",
        runbook.content
    );
    let as_json = read
        .get_document(&own[0].name, None, Some("JSON"))
        .await
        .expect("as json");
    assert!(serde_json::from_str::<serde_json::Value>(&as_json.content).is_ok());
    let restart = read
        .describe_document(0, "AWS-RestartEC2Instance", Some("$LATEST"))
        .await
        .expect("restart");
    assert!(
        restart
            .parameter("InstanceId")
            .is_some_and(|p| p.required())
    );
    assert!(
        restart
            .parameter("AutomationAssumeRole")
            .is_some_and(|p| !p.required())
    );

    let cal = read
        .get_document("change-freeze", None, None)
        .await
        .expect("calendar");
    assert_eq!(cal.document_type, "ChangeCalendar");
    assert_eq!(cal.document_format, "TEXT");
    let parsed = parse_icalendar(&cal.content);
    assert_eq!(parsed.events.len(), 2);
}

#[tokio::test]
async fn calendar_state_transitions_force_and_errors() {
    let h = start(5, 2).await;
    let c = ssm(&h);
    let read = SsmRead::new(c.clone());
    let now = chrono::Utc::now();

    let freeze = read
        .get_calendar_state(&["change-freeze".into()], None)
        .await
        .expect("freeze");
    assert_eq!(freeze.state, CalendarStatus::Open);
    let next = freeze.next_transition.expect("next transition");
    assert!(
        next > now && next < now + chrono::Duration::days(3),
        "{next}"
    );
    // During the freeze it is closed, and opens when the freeze ends.
    let during = read
        .get_calendar_state(
            &["change-freeze".into()],
            Some(next + chrono::Duration::hours(1)),
        )
        .await
        .expect("during");
    assert_eq!(during.state, CalendarStatus::Closed);
    assert_eq!(
        during.next_transition,
        Some(next + chrono::Duration::days(2))
    );

    let prod = read
        .get_calendar_state(&["prod-freeze".into()], None)
        .await
        .expect("prod");
    assert_eq!(prod.state, CalendarStatus::Closed);
    assert!(prod.next_transition.is_some());
    // Several calendars: closed when any is closed; by ARN too.
    let arn = format!(
        "arn:aws:ssm:us-east-1:{}:document/change-freeze",
        h.management_account()
    );
    let both = read
        .get_calendar_state(&[arn, "prod-freeze".into()], None)
        .await
        .expect("both");
    assert_eq!(both.state, CalendarStatus::Closed);

    h.knobs()
        .force_calendar("change-freeze", Some(ForcedCalendar::Closed));
    let forced = read
        .get_calendar_state(&["change-freeze".into()], None)
        .await
        .expect("forced");
    assert_eq!(forced.state, CalendarStatus::Closed);
    assert_eq!(forced.next_transition, None);
    h.knobs()
        .force_calendar("prod-freeze", Some(ForcedCalendar::Open));
    h.knobs().force_calendar("change-freeze", None);
    let open = read
        .get_calendar_state(&["change-freeze".into(), "prod-freeze".into()], None)
        .await
        .expect("open");
    assert!(open.is_open());

    let e = c
        .get_calendar_state()
        .calendar_names("no-such-calendar")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidDocument");
    let e = c
        .get_calendar_state()
        .calendar_names("AWS-RunShellScript")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidDocumentType");
    let e = c.get_calendar_state().send().await.unwrap_err();
    assert_eq!(service_code(&e), "ValidationException");
    let _ = Duration::ZERO;
}

// ---------------------------------------------------------------------------------------
// Run Command

use aws_sdk_ssm::types::{CommandInvocationStatus, CommandStatus, Target};

/// (instance id, platform, ping) of every node of the caller's scope.
async fn nodes(c: &aws_sdk_ssm::Client) -> Vec<(String, String, String)> {
    all_nodes(c)
        .await
        .iter()
        .map(|n| {
            (
                n.instance_id().unwrap_or_default().to_string(),
                n.platform_type()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
                n.ping_status()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

async fn pick(c: &aws_sdk_ssm::Client, platform: &str, ping: &str, n: usize) -> Vec<String> {
    let found: Vec<String> = nodes(c)
        .await
        .into_iter()
        .filter(|(id, p, s)| p == platform && s == ping && id.starts_with("i-"))
        .map(|(id, _, _)| id)
        .take(n)
        .collect();
    assert!(!found.is_empty(), "no {platform}/{ping} node");
    found
}

/// The id of the command a SendCommand call started.
fn command_id(sent: &aws_sdk_ssm::operation::send_command::SendCommandOutput) -> String {
    sent.command()
        .and_then(|c| c.command_id())
        .expect("id")
        .to_string()
}

fn shell(commands: &str) -> std::collections::HashMap<String, Vec<String>> {
    [("commands".to_string(), vec![commands.to_string()])].into()
}

/// Waits until the command is done; returns (status, status details) and, along the way,
/// the most invocations seen InProgress at once.
async fn wait_command(c: &aws_sdk_ssm::Client, id: &str) -> (CommandStatus, String, usize) {
    let mut peak = 0;
    for _ in 0..400 {
        let invs = c
            .list_command_invocations()
            .command_id(id)
            .send()
            .await
            .expect("invocations");
        let running = invs
            .command_invocations()
            .iter()
            .filter(|i| i.status() == Some(&CommandInvocationStatus::InProgress))
            .count();
        peak = peak.max(running);
        let cmd = c
            .list_commands()
            .command_id(id)
            .send()
            .await
            .expect("command");
        let cmd = &cmd.commands()[0];
        let status = cmd.status().cloned().expect("status");
        if matches!(
            status,
            CommandStatus::Success
                | CommandStatus::Failed
                | CommandStatus::Cancelled
                | CommandStatus::TimedOut
        ) {
            return (
                status,
                cmd.status_details().unwrap_or_default().to_string(),
                peak,
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("command {id} did not finish");
}

#[tokio::test]
async fn send_command_validation() {
    let h = start(20, 2).await;
    let c = ssm(&h);
    let ids = pick(&c, "Linux", "Online", 1).await;
    let err = |e: aws_sdk_ssm::error::SdkError<
        aws_sdk_ssm::operation::send_command::SendCommandError,
    >| { service_code(&e) };
    let base = || {
        c.send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids(&ids[0])
    };
    assert_eq!(err(base().send().await.unwrap_err()), "InvalidParameters");
    assert_eq!(
        err(base()
            .set_parameters(Some(shell("true")))
            .parameters("colour", vec!["x".into()])
            .send()
            .await
            .unwrap_err()),
        "InvalidParameters"
    );
    assert_eq!(
        err(base()
            .set_parameters(Some(shell("true")))
            .targets(
                Target::builder()
                    .key("tag:Environment")
                    .values("prod")
                    .build()
            )
            .send()
            .await
            .unwrap_err()),
        "ValidationException"
    );
    assert_eq!(
        err(base()
            .set_parameters(Some(shell("true")))
            .max_concurrency("0")
            .send()
            .await
            .unwrap_err()),
        "ValidationException"
    );
    assert_eq!(
        err(base()
            .set_parameters(Some(shell("true")))
            .comment("x".repeat(101))
            .send()
            .await
            .unwrap_err()),
        "ValidationException"
    );
    assert_eq!(
        err(base()
            .set_parameters(Some(shell("true")))
            .timeout_seconds(10)
            .send()
            .await
            .unwrap_err()),
        "ValidationException"
    );
    assert_eq!(
        err(c
            .send_command()
            .document_name("No-Such-Doc")
            .instance_ids(&ids[0])
            .send()
            .await
            .unwrap_err()),
        "InvalidDocument"
    );
    assert_eq!(
        err(c
            .send_command()
            .document_name("AWS-RestartEC2Instance")
            .instance_ids(&ids[0])
            .send()
            .await
            .unwrap_err()),
        "InvalidDocument"
    );
    assert_eq!(
        err(c
            .send_command()
            .document_name("AWS-RunShellScript")
            .instance_ids("i-0123456789abcdef0")
            .set_parameters(Some(shell("true")))
            .send()
            .await
            .unwrap_err()),
        "InvalidInstanceId"
    );
    let many: Vec<String> = (0..51).map(|i| format!("i-{i:017}")).collect();
    assert_eq!(
        err(c
            .send_command()
            .document_name("AWS-RunShellScript")
            .set_instance_ids(Some(many))
            .set_parameters(Some(shell("true")))
            .send()
            .await
            .unwrap_err()),
        "ValidationException"
    );
    assert_eq!(
        err(c
            .send_command()
            .document_name("AWS-RunPatchBaseline")
            .instance_ids(&ids[0])
            .parameters("Operation", vec!["Reboot".into()])
            .send()
            .await
            .unwrap_err()),
        "InvalidParameters"
    );
    assert!(h.stats().count("SendCommand") >= 11);
}

#[tokio::test]
async fn run_shell_script_runs_for_real_within_max_concurrency() {
    let h = start(40, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(20));
    let c = ssm(&h);
    let ids = pick(&c, "Linux", "Online", 6).await;
    let sent = c
        .send_command()
        .document_name("AWS-RunShellScript")
        .set_instance_ids(Some(ids.clone()))
        .set_parameters(Some(shell(
            "echo hello-$AWS_SSM_INSTANCE_ID\npwd\nsleep 0.2",
        )))
        .max_concurrency("2")
        .comment("real bash")
        .send()
        .await
        .expect("send");
    let cmd = sent.command().expect("command");
    assert_eq!(cmd.status(), Some(&CommandStatus::Pending));
    assert_eq!(cmd.target_count(), ids.len() as i32);
    assert_eq!(cmd.max_errors(), Some("0"));
    let id = cmd.command_id().expect("id").to_string();
    let (status, _, peak) = wait_command(&c, &id).await;
    assert_eq!(status, CommandStatus::Success);
    assert!(peak <= 2, "seen {peak} in progress");
    let max = h.knobs().command_max_in_flight(&id).expect("known command");
    assert!((1..=2).contains(&max), "max in flight {max}");
    for node in &ids {
        let inv = c
            .get_command_invocation()
            .command_id(&id)
            .instance_id(node)
            .send()
            .await
            .expect("invocation");
        assert_eq!(inv.status(), Some(&CommandInvocationStatus::Success));
        assert_eq!(inv.response_code(), 0);
        let out = inv.standard_output_content().unwrap_or_default();
        assert!(out.starts_with(&format!("hello-{node}\n")), "{out}");
        let dir = out.lines().nth(1).expect("pwd");
        assert!(
            !std::path::Path::new(dir).exists(),
            "scratch dir {dir} removed"
        );
        assert!(inv.execution_start_date_time().is_some());
    }
    let listed = c
        .list_command_invocations()
        .command_id(&id)
        .details(true)
        .send()
        .await
        .expect("details");
    let plugin = &listed.command_invocations()[0].command_plugins()[0];
    assert_eq!(plugin.name(), Some("aws:runShellScript"));
    assert!(plugin.output().unwrap_or_default().starts_with("hello-"));
    let e = c
        .get_command_invocation()
        .command_id(&id)
        .instance_id("i-0123456789abcdef0")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvocationDoesNotExist");
    assert!(h.knobs().peak_script_processes() <= 8);
}

#[tokio::test]
async fn max_errors_stops_sending_and_output_is_truncated() {
    let h = start(40, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(20));
    let c = ssm(&h);
    let ids = pick(&c, "Linux", "Online", 6).await;
    assert!(ids.len() >= 4);
    let sent = c
        .send_command()
        .document_name("AWS-RunShellScript")
        .set_instance_ids(Some(ids.clone()))
        .set_parameters(Some(shell("echo failing >&2\nexit 3")))
        .max_concurrency("1")
        .max_errors("1")
        .send()
        .await
        .expect("send");
    let id = command_id(&sent);
    let (status, details, _) = wait_command(&c, &id).await;
    assert_eq!(
        (status, details.as_str()),
        (CommandStatus::Failed, "Failed")
    );
    let cmd = c.list_commands().command_id(&id).send().await.expect("cmd");
    let cmd = &cmd.commands()[0];
    assert_eq!(
        cmd.error_count(),
        2,
        "stops after the error that exceeds MaxErrors"
    );
    assert_eq!(cmd.completed_count(), ids.len() as i32);
    let invs = c
        .list_command_invocations()
        .command_id(&id)
        .send()
        .await
        .expect("invs");
    let cancelled = invs
        .command_invocations()
        .iter()
        .filter(|i| i.status() == Some(&CommandInvocationStatus::Cancelled))
        .count();
    assert_eq!(cancelled, ids.len() - 2);
    let first = c
        .get_command_invocation()
        .command_id(&id)
        .instance_id(&ids[0])
        .send()
        .await
        .expect("first");
    assert_eq!(first.response_code(), 3);
    assert!(
        first
            .standard_error_content()
            .unwrap_or_default()
            .contains("failing")
    );

    // Output longer than AWS keeps is cut.
    let sent = c
        .send_command()
        .document_name("AWS-RunShellScript")
        .instance_ids(&ids[0])
        .set_parameters(Some(shell("head -c 30000 /dev/zero | tr '\\0' x")))
        .send()
        .await
        .expect("send");
    let id = command_id(&sent);
    wait_command(&c, &id).await;
    let inv = c
        .get_command_invocation()
        .command_id(&id)
        .instance_id(&ids[0])
        .send()
        .await
        .expect("inv");
    let out = inv.standard_output_content().unwrap_or_default();
    assert!(
        out.starts_with(&"x".repeat(24_000)) && out.len() < 24_100,
        "{}",
        out.len()
    );
    let listed = c
        .list_command_invocations()
        .command_id(&id)
        .details(true)
        .send()
        .await
        .expect("details");
    let plugin_out = listed.command_invocations()[0].command_plugins()[0]
        .output()
        .unwrap_or_default();
    assert!(plugin_out.len() < 2_600 && plugin_out.starts_with(&"x".repeat(2_500)));
}

#[tokio::test]
async fn undeliverable_windows_timeout_and_cancel() {
    let h = start(60, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(20));
    let c = ssm(&h);
    let lost = pick(&c, "Linux", "ConnectionLost", 1).await;
    let windows = pick(&c, "Windows", "Online", 1).await;
    let linux = pick(&c, "Linux", "Online", 2).await;
    let targets = vec![lost[0].clone(), windows[0].clone(), linux[0].clone()];
    let sent = c
        .send_command()
        .document_name("AWS-RunShellScript")
        .set_instance_ids(Some(targets))
        .set_parameters(Some(shell("echo ok")))
        .max_errors("5")
        .send()
        .await
        .expect("send");
    let id = command_id(&sent);
    let (status, details, _) = wait_command(&c, &id).await;
    assert_eq!(
        (status, details.as_str()),
        (CommandStatus::Failed, "Incomplete")
    );
    let get = |node: String| {
        let c = c.clone();
        let id = id.clone();
        async move {
            c.get_command_invocation()
                .command_id(id)
                .instance_id(node)
                .send()
                .await
                .expect("inv")
        }
    };
    assert_eq!(
        get(lost[0].clone()).await.status_details(),
        Some("Undeliverable")
    );
    let win = get(windows[0].clone()).await;
    assert_eq!(win.status(), Some(&CommandInvocationStatus::Failed));
    assert!(
        win.standard_error_content()
            .unwrap_or_default()
            .contains("not supported")
    );
    assert_eq!(
        get(linux[0].clone()).await.status(),
        Some(&CommandInvocationStatus::Success)
    );

    // Execution timeout.
    let sent = c
        .send_command()
        .document_name("AWS-RunShellScript")
        .instance_ids(&linux[0])
        .set_parameters(Some(shell("sleep 10")))
        .parameters("executionTimeout", vec!["1".into()])
        .send()
        .await
        .expect("send");
    let id = command_id(&sent);
    let (status, details, _) = wait_command(&c, &id).await;
    assert_eq!(
        (status, details.as_str()),
        (CommandStatus::TimedOut, "ExecutionTimedOut")
    );

    // Cancel.
    let sent = c
        .send_command()
        .document_name("AWS-RunShellScript")
        .set_instance_ids(Some(linux.clone()))
        .set_parameters(Some(shell("sleep 20")))
        .max_concurrency("1")
        .send()
        .await
        .expect("send");
    let id = command_id(&sent);
    for _ in 0..100 {
        let cmd = c.list_commands().command_id(&id).send().await.expect("cmd");
        if cmd.commands()[0].status() == Some(&CommandStatus::InProgress) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    c.cancel_command()
        .command_id(&id)
        .send()
        .await
        .expect("cancel");
    let started = std::time::Instant::now();
    let (status, _, _) = wait_command(&c, &id).await;
    assert_eq!(status, CommandStatus::Cancelled);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the script was killed"
    );
    let e = c
        .cancel_command()
        .command_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidCommandId");
}

#[tokio::test]
async fn simulated_documents_and_history() {
    let h = start(30, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(10));
    let c = ssm(&h);
    let linux = pick(&c, "Linux", "Online", 2).await;
    let scan = c
        .send_command()
        .document_name("AWS-RunPatchBaseline")
        .targets(
            Target::builder()
                .key("InstanceIds")
                .set_values(Some(linux.clone()))
                .build(),
        )
        .parameters("Operation", vec!["Scan".into()])
        .send()
        .await
        .expect("scan");
    let id = command_id(&scan);
    let (status, _, _) = wait_command(&c, &id).await;
    assert_eq!(status, CommandStatus::Success);
    let state = c
        .describe_instance_patch_states()
        .instance_ids(&linux[0])
        .send()
        .await
        .expect("patch state");
    let missing = state.instance_patch_states()[0].missing_count();
    let inv = c
        .get_command_invocation()
        .command_id(&id)
        .instance_id(&linux[0])
        .plugin_name("PatchLinux")
        .send()
        .await
        .expect("plugin");
    let out = inv.standard_output_content().unwrap_or_default();
    assert!(out.contains(&format!("Missing: {missing},")), "{out}");

    for (package, want) in [
        ("NoSuchPackage", CommandStatus::Failed),
        ("AmazonCloudWatchAgent", CommandStatus::Success),
    ] {
        let sent = c
            .send_command()
            .document_name("AWS-ConfigureAWSPackage")
            .instance_ids(&linux[0])
            .parameters("action", vec!["Install".into()])
            .parameters("name", vec![package.into()])
            .send()
            .await
            .expect("send");
        assert_eq!(
            wait_command(&c, &command_id(&sent)).await.0,
            want,
            "{package}"
        );
    }

    // History: past commands page, newest first.
    let all = c
        .list_commands()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("history");
    assert!(all.len() >= 8, "{} commands", all.len());
    let times: Vec<_> = all
        .iter()
        .filter_map(|c| c.requested_date_time().map(|t| t.secs()))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
    let e = c.list_commands().max_results(51).send().await.unwrap_err();
    assert_eq!(service_code(&e), "ValidationException");
    let done = c
        .list_commands()
        .filters(
            aws_sdk_ssm::types::CommandFilter::builder()
                .key(aws_sdk_ssm::types::CommandFilterKey::ExecutionStage)
                .value("Complete")
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("complete");
    assert_eq!(done.commands().len(), all.len());
}

// ---------------------------------------------------------------------------------------
// Automation

use aws_sdk_ssm::types::{AutomationExecutionStatus, StopType};

async fn wait_automation(
    c: &aws_sdk_ssm::Client,
    id: &str,
) -> aws_sdk_ssm::types::AutomationExecution {
    for _ in 0..400 {
        let e = c
            .get_automation_execution()
            .automation_execution_id(id)
            .send()
            .await
            .expect("get");
        let e = e.automation_execution().expect("execution").clone();
        let s = e.automation_execution_status().cloned().expect("status");
        if !matches!(
            s,
            AutomationExecutionStatus::Pending
                | AutomationExecutionStatus::Inprogress
                | AutomationExecutionStatus::Cancelling
        ) {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("automation {id} did not finish");
}

#[tokio::test]
async fn automation_success_failure_and_stop() {
    let h = start(40, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(15));
    let c = ssm(&h);
    let all = nodes(&c).await;
    let ec2 = all
        .iter()
        .find(|(id, _, s)| id.starts_with("i-") && s == "Online")
        .expect("ec2")
        .0
        .clone();
    let hybrid = all
        .iter()
        .find(|(id, _, _)| id.starts_with("mi-"))
        .expect("hybrid")
        .0
        .clone();
    let lost = all
        .iter()
        .find(|(_, _, s)| s == "ConnectionLost")
        .expect("lost")
        .0
        .clone();

    let token = "11111111-2222-3333-4444-555555555555";
    let start_restart = |id: &str| {
        c.start_automation_execution()
            .document_name("AWS-RestartEC2Instance")
            .parameters("InstanceId", vec![id.to_string()])
    };
    let ok = start_restart(&ec2)
        .client_token(token)
        .send()
        .await
        .expect("start");
    let ok_id = ok.automation_execution_id().expect("id").to_string();
    let again = start_restart(&ec2)
        .client_token(token)
        .send()
        .await
        .expect("idempotent");
    assert_eq!(again.automation_execution_id(), Some(ok_id.as_str()));
    let e = start_restart(&hybrid)
        .client_token(token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "IdempotentParameterMismatch");

    let done = wait_automation(&c, &ok_id).await;
    assert_eq!(
        done.automation_execution_status(),
        Some(&AutomationExecutionStatus::Success)
    );
    let steps: Vec<_> = done
        .step_executions()
        .iter()
        .filter_map(|s| s.step_name())
        .collect();
    assert_eq!(steps, vec!["stopInstances", "startInstances"]);

    let bad = start_restart(&hybrid).send().await.expect("start on mi-");
    let bad = wait_automation(&c, bad.automation_execution_id().expect("id")).await;
    assert_eq!(
        bad.automation_execution_status(),
        Some(&AutomationExecutionStatus::Failed)
    );
    assert!(
        bad.failure_message()
            .unwrap_or_default()
            .contains("InvalidInstanceID.Malformed")
    );

    let runbook = c
        .list_documents()
        .filters(kv("Owner", &["Self"]))
        .filters(kv("DocumentType", &["Automation"]))
        .send()
        .await
        .expect("runbooks");
    let runbook = runbook.document_identifiers()[0]
        .name()
        .expect("name")
        .to_string();
    let on_lost = c
        .start_automation_execution()
        .document_name(&runbook)
        .parameters("InstanceId", vec![lost.clone()])
        .parameters("ServiceName", vec!["nginx".into()])
        .send()
        .await
        .expect("start on lost");
    let on_lost = wait_automation(&c, on_lost.automation_execution_id().expect("id")).await;
    assert_eq!(
        on_lost.automation_execution_status(),
        Some(&AutomationExecutionStatus::Failed)
    );
    assert_eq!(
        on_lost.step_executions().len(),
        1,
        "fails at the first step"
    );

    // Errors.
    let e = c
        .start_automation_execution()
        .document_name("AWS-RestartEC2Instance")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        service_code(&e),
        "InvalidAutomationExecutionParametersException"
    );
    let e = c
        .start_automation_execution()
        .document_name("Nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "AutomationDefinitionNotFoundException");

    // Stop.
    h.knobs().set_action_pace(Duration::from_millis(400));
    let slow = c
        .start_automation_execution()
        .document_name("AWS-CreateImage")
        .parameters("InstanceId", vec![ec2.clone()])
        .send()
        .await
        .expect("start");
    let slow_id = slow.automation_execution_id().expect("id").to_string();
    c.stop_automation_execution()
        .automation_execution_id(&slow_id)
        .r#type(StopType::Cancel)
        .send()
        .await
        .expect("stop");
    h.knobs().set_action_pace(Duration::from_millis(15));
    let stopped = wait_automation(&c, &slow_id).await;
    assert_eq!(
        stopped.automation_execution_status(),
        Some(&AutomationExecutionStatus::Cancelled)
    );
    let e = c
        .stop_automation_execution()
        .automation_execution_id(&slow_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(service_code(&e), "InvalidAutomationStatusUpdateException");

    // Steps, reversed and paged.
    let steps = c
        .describe_automation_step_executions()
        .automation_execution_id(&ok_id)
        .reverse_order(true)
        .max_results(1)
        .send()
        .await
        .expect("steps");
    assert_eq!(
        steps.step_executions()[0].step_name(),
        Some("startInstances")
    );
    assert!(steps.next_token().is_some());

    // History: executions page, filter by status.
    let all = c
        .describe_automation_executions()
        .max_results(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("executions");
    assert!(all.len() >= 8, "{} executions", all.len());
    let failed = c
        .describe_automation_executions()
        .filters(
            aws_sdk_ssm::types::AutomationExecutionFilter::builder()
                .key(aws_sdk_ssm::types::AutomationExecutionFilterKey::ExecutionStatus)
                .values("Failed")
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("failed");
    assert!(failed.automation_execution_metadata_list().len() >= 2);
}

#[tokio::test]
async fn automation_rate_control_over_tagged_targets() {
    let h = start(30, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(10));
    let c = ssm(&h);
    let started = c
        .start_automation_execution()
        .document_name("AWS-StartEC2Instance")
        .target_parameter_name("InstanceId")
        .targets(
            Target::builder()
                .key("tag:Environment")
                .values("prod")
                .build(),
        )
        .max_concurrency("3")
        .max_errors("100%")
        .send()
        .await
        .expect("start");
    let id = started.automation_execution_id().expect("id").to_string();
    let parent = wait_automation(&c, &id).await;
    let resolved = parent
        .resolved_targets()
        .map(|r| r.parameter_values().len())
        .unwrap_or(0);
    assert!(resolved > 5);
    let children = c
        .describe_automation_executions()
        .filters(
            aws_sdk_ssm::types::AutomationExecutionFilter::builder()
                .key(aws_sdk_ssm::types::AutomationExecutionFilterKey::ParentExecutionId)
                .values(&id)
                .build()
                .expect("filter"),
        )
        .max_results(50)
        .send()
        .await
        .expect("children");
    assert_eq!(
        children.automation_execution_metadata_list().len(),
        resolved
    );
    // mi- nodes fail, EC2 nodes succeed.
    let has_hybrid = parent
        .resolved_targets()
        .map(|r| r.parameter_values().iter().any(|v| v.starts_with("mi-")))
        .unwrap_or(false);
    let expected = if has_hybrid {
        AutomationExecutionStatus::CompletedWithFailure
    } else {
        AutomationExecutionStatus::Success
    };
    assert_eq!(parent.automation_execution_status(), Some(&expected));
}

#[tokio::test]
async fn update_ops_item_persists() {
    let h = start(30, 1).await;
    let c = ssm(&h);
    let items = c
        .describe_ops_items()
        .max_results(1)
        .send()
        .await
        .expect("items");
    let id = items.ops_item_summaries()[0]
        .ops_item_id()
        .expect("id")
        .to_string();
    c.update_ops_item()
        .ops_item_id(&id)
        .status(aws_sdk_ssm::types::OpsItemStatus::Resolved)
        .send()
        .await
        .expect("update");
    let got = c.get_ops_item().ops_item_id(&id).send().await.expect("get");
    assert_eq!(
        got.ops_item().and_then(|i| i.status()),
        Some(&aws_sdk_ssm::types::OpsItemStatus::Resolved)
    );
    assert_eq!(h.stats().count("UpdateOpsItem"), 1);
}

// ---------------------------------------------------------------------------------------
// A client that is not ours

/// Runs the AWS CLI against the sim; `None` when the CLI is missing outside CI.
async fn aws_cli(h: &SimHandle, args: &[&str]) -> Option<serde_json::Value> {
    let mut cmd = tokio::process::Command::new("aws");
    cmd.arg("ssm")
        .args(args)
        .args([
            "--endpoint-url",
            h.endpoint(),
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .env("AWS_ACCESS_KEY_ID", &h.credentials().access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &h.credentials().secret_access_key)
        .env("AWS_CONFIG_FILE", "/nonexistent/ssm-cockpit-test-config")
        .env("AWS_PAGER", "");
    let out = match cmd.output().await {
        Ok(o) => o,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping the AWS CLI check: {e}");
            return None;
        }
        Err(e) => panic!("the AWS CLI is part of the CI machine: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("json"))
}

#[tokio::test]
async fn aws_cli_sends_a_command_and_reads_its_output() {
    let h = start(30, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(10));
    let c = ssm(&h);
    let node = pick(&c, "Linux", "Online", 1).await.remove(0);
    let Some(sent) = aws_cli(
        &h,
        &[
            "send-command",
            "--document-name",
            "AWS-RunShellScript",
            "--instance-ids",
            &node,
            "--parameters",
            "commands=echo from-the-cli",
            "--comment",
            "cli",
        ],
    )
    .await
    else {
        return;
    };
    let id = sent["Command"]["CommandId"]
        .as_str()
        .expect("id")
        .to_string();
    wait_command(&c, &id).await;
    let Some(invs) = aws_cli(
        &h,
        &["list-command-invocations", "--command-id", &id, "--details"],
    )
    .await
    else {
        return;
    };
    let inv = &invs["CommandInvocations"][0];
    assert_eq!(inv["Status"], "Success");
    assert_eq!(inv["CommandPlugins"][0]["Output"], "from-the-cli\n");
    let Some(cal) = aws_cli(
        &h,
        &["get-calendar-state", "--calendar-names", "prod-freeze"],
    )
    .await
    else {
        return;
    };
    assert_eq!(cal["State"], "CLOSED");
    assert!(cal["NextTransitionTime"].is_string());
}

/// The runbook parameter that takes the resource an OpsItem is about, in the order the
/// runbooks of OpsCenter name it.
const RESOURCE_PARAMETERS: &[&str] = &[
    "InstanceId",
    "UnreachableInstanceId",
    "DBInstanceIdentifier",
];

/// The resource id in an `/aws/resources` ARN: `i-…`, `mi-…` or an RDS DB instance id.
fn resource_id(resources: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(resources).ok()?;
    let arn = v.get(0)?.get("arn")?.as_str()?;
    let id = match arn.split_once(":db:") {
        Some((_, db)) => db,
        None => arn.rsplit('/').next()?,
    };
    Some(id.to_string())
}

#[tokio::test]
async fn ops_item_runbooks_exist_and_run_on_the_items_resource() {
    let h = start(200, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(2));
    let (mut rds, mut ec2, mut hybrid) = (0, 0, 0);
    for region in ["us-east-1", "eu-west-1"] {
        let c = common::ssm_with(
            &h,
            common::mgmt_creds(&h),
            region,
            aws_sdk_ssm::config::retry::RetryConfig::disabled(),
        );
        let summaries = c
            .describe_ops_items()
            .max_results(50)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .expect("ops items");
        assert!(!summaries.is_empty(), "{region}: no OpsItems");
        for summary in summaries {
            let id = summary.ops_item_id().expect("id");
            let item = c
                .get_ops_item()
                .ops_item_id(id)
                .send()
                .await
                .expect("get ops item");
            let data = item
                .ops_item()
                .and_then(|i| i.operational_data())
                .expect("operational data");
            let value = |k: &str| data.get(k).and_then(|v| v.value()).unwrap_or("");
            let resource = resource_id(value("/aws/resources")).expect("resource");
            let automations: serde_json::Value =
                serde_json::from_str(value("/aws/automations")).expect("automations json");
            for a in automations.as_array().expect("list") {
                let rb = a
                    .get("automationId")
                    .and_then(|v| v.as_str())
                    .expect("automationId");
                let d = c
                    .describe_document()
                    .name(rb)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{id}: {rb} is not in the catalog: {e:?}"));
                let d = d.document().expect("document");
                let kind = d.document_type().map(|t| t.as_str()).unwrap_or("");
                if kind == "Command" {
                    assert_eq!(rb, "AWS-RunPatchBaseline", "{id}");
                    continue;
                }
                assert_eq!(kind, "Automation", "{id}: {rb}");
                let params = d.parameters();
                let target = RESOURCE_PARAMETERS
                    .iter()
                    .find(|p| params.iter().any(|x| x.name() == Some(**p)))
                    .unwrap_or_else(|| panic!("{rb} takes no resource parameter"));
                let mut start = c
                    .start_automation_execution()
                    .document_name(rb)
                    .parameters(*target, vec![resource.clone()]);
                // Required parameters the OpsItem cannot know: only a resize's new type.
                for p in params {
                    let name = p.name().unwrap_or("");
                    if name == *target || p.default_value().is_some() {
                        continue;
                    }
                    assert_eq!(name, "InstanceType", "{rb} requires {name}");
                    start = start.parameters(name, vec!["m5.2xlarge".to_string()]);
                }
                let started = start
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{id}: {rb} on {resource}: {e:?}"));
                let done =
                    wait_automation(&c, started.automation_execution_id().expect("id")).await;
                let status = done.automation_execution_status().cloned();
                let failure = done.failure_message().unwrap_or_default().to_string();
                if resource.starts_with("mi-") {
                    hybrid += 1;
                    if rb.starts_with("AWS") {
                        assert!(
                            failure.contains("InvalidInstanceID.Malformed"),
                            "{rb}: {failure}"
                        );
                    } else if status == Some(AutomationExecutionStatus::Failed) {
                        // The account's restart runbook stops at a node that is not Online.
                        assert!(failure.contains("Verifying"), "{rb}: {failure}");
                    }
                } else {
                    if resource.starts_with("i-") {
                        ec2 += 1;
                    } else {
                        rds += 1;
                    }
                    assert_eq!(
                        status,
                        Some(AutomationExecutionStatus::Success),
                        "{id}: {rb} on {resource}: {failure}"
                    );
                }
            }
        }
    }
    assert!(
        rds > 0 && ec2 > 0 && hybrid > 0,
        "rds {rds} ec2 {ec2} hybrid {hybrid}"
    );
}

#[tokio::test]
async fn rds_and_rescue_runbooks_act_like_aws() {
    let h = start(30, 1).await;
    h.knobs().set_action_pace(Duration::from_millis(2));
    let c = ssm(&h);
    // An unknown DB instance fails the way RDS answers.
    for (rb, param) in [
        ("AWS-RebootRdsInstance", "InstanceId"),
        ("AWS-CreateRdsSnapshot", "DBInstanceIdentifier"),
    ] {
        let started = c
            .start_automation_execution()
            .document_name(rb)
            .parameters(param, vec!["no-such-db".to_string()])
            .send()
            .await
            .expect("start");
        let done = wait_automation(&c, started.automation_execution_id().expect("id")).await;
        assert_eq!(
            done.automation_execution_status(),
            Some(&AutomationExecutionStatus::Failed)
        );
        let failure = done.failure_message().unwrap_or_default();
        assert!(failure.contains("DBInstanceNotFound"), "{rb}: {failure}");
        assert!(
            failure.contains("DBInstance no-such-db not found."),
            "{rb}: {failure}"
        );
    }
    // Documented parameters and defaults.
    let d = c
        .describe_document()
        .name("AWSSupport-ExecuteEC2Rescue")
        .send()
        .await
        .expect("describe");
    let params = d.document().expect("doc").parameters();
    let default = |n: &str| {
        params
            .iter()
            .find(|p| p.name() == Some(n))
            .and_then(|p| p.default_value())
            .map(str::to_string)
    };
    assert_eq!(
        default("EC2RescueInstanceType").as_deref(),
        Some("t2.small")
    );
    assert_eq!(default("SubnetId").as_deref(), Some("CreateNewVPC"));
    assert_eq!(default("UnreachableInstanceId"), None);
    // The account's restart runbook runs with only the node filled in.
    let own = c
        .list_documents()
        .filters(kv("Owner", &["Self"]))
        .filters(kv("DocumentType", &["Automation"]))
        .send()
        .await
        .expect("runbooks");
    let own = own.document_identifiers()[0]
        .name()
        .expect("name")
        .to_string();
    let node = c
        .describe_instance_information()
        .send()
        .await
        .expect("nodes")
        .instance_information_list()
        .iter()
        .find(|n| n.ping_status().is_some_and(|p| p.as_str() == "Online"))
        .and_then(|n| n.instance_id().map(str::to_string))
        .expect("an Online node");
    let started = c
        .start_automation_execution()
        .document_name(&own)
        .parameters("InstanceId", vec![node.clone()])
        .send()
        .await
        .expect("start with InstanceId only");
    let done = wait_automation(&c, started.automation_execution_id().expect("id")).await;
    assert_eq!(
        done.automation_execution_status(),
        Some(&AutomationExecutionStatus::Success)
    );
    let params = done.parameters().expect("parameters");
    assert_eq!(
        params.get("ServiceName").map(Vec::as_slice),
        Some(&["amazon-ssm-agent".to_string()][..])
    );
    // Resizing to the type the instance has ends at the check.
    let ec2 = c
        .describe_instance_information()
        .send()
        .await
        .expect("nodes")
        .instance_information_list()
        .iter()
        .filter_map(|n| n.instance_id())
        .find(|i| i.starts_with("i-"))
        .expect("an EC2 node")
        .to_string();
    let mut steps_seen = Vec::new();
    for ty in [
        "t3.medium",
        "t3.large",
        "m5.large",
        "m5.xlarge",
        "c5.xlarge",
        "r5.large",
    ] {
        let started = c
            .start_automation_execution()
            .document_name("AWS-ResizeInstance")
            .parameters("InstanceId", vec![ec2.clone()])
            .parameters("InstanceType", vec![ty.to_string()])
            .send()
            .await
            .expect("resize");
        let done = wait_automation(&c, started.automation_execution_id().expect("id")).await;
        assert_eq!(
            done.automation_execution_status(),
            Some(&AutomationExecutionStatus::Success)
        );
        steps_seen.push(done.step_executions().len());
    }
    assert!(
        steps_seen.contains(&1),
        "one type is the current one: {steps_seen:?}"
    );
    assert!(steps_seen.contains(&5), "others resize: {steps_seen:?}");
    // The EC2 runbooks reject an on-premises node's id as EC2 does.
    let mi = all_nodes(&c)
        .await
        .iter()
        .filter_map(|n| n.instance_id())
        .find(|i| i.starts_with("mi-"))
        .expect("a managed node")
        .to_string();
    for (rb, param) in [
        ("AWS-ResizeInstance", "InstanceId"),
        ("AWSSupport-TroubleshootManagedInstance", "InstanceId"),
        ("AWSSupport-ExecuteEC2Rescue", "UnreachableInstanceId"),
    ] {
        let mut start = c
            .start_automation_execution()
            .document_name(rb)
            .parameters(param, vec![mi.clone()]);
        if rb == "AWS-ResizeInstance" {
            start = start.parameters("InstanceType", vec!["t3.large".to_string()]);
        }
        let started = start.send().await.expect("start");
        let done = wait_automation(&c, started.automation_execution_id().expect("id")).await;
        assert_eq!(
            done.automation_execution_status(),
            Some(&AutomationExecutionStatus::Failed),
            "{rb}"
        );
        let failure = done.failure_message().unwrap_or_default();
        assert!(
            failure.contains("InvalidInstanceID.Malformed"),
            "{rb}: {failure}"
        );
    }
}
