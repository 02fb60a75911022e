//! Snapshot tests of the history panes (recent commands, automation executions), the audit
//! pane and the activations pane, and of the hybrid marks of the nodes pane, drawn on
//! ratatui's TestBackend at 120×40.

use chrono::Duration;
use crossterm::event::KeyCode;

mod ui_common;

use ssm_cockpit::actions::audit::{AuditEntry, AuditLog, CalendarCheck, Outcome};
use ssm_cockpit::app::{App, AppOptions, Msg, Overlay, Pane};
use ssm_cockpit::model::{
    Activation, Feed, FeedEvent, HistoryTarget, RecentAutomation, RecentCommand,
};
use ui_common::{app_at_t0, command, discover, draw, key, no_nodes, t0, two_scopes, typed};

fn cmd(id: &str, doc: &str, status: &str, minutes: i64) -> RecentCommand {
    let mut c = RecentCommand::new(0, id);
    c.document_name = doc.into();
    c.document_version = "1".into();
    c.status = status.into();
    c.status_details = status.into();
    c.requested = Some(t0() - Duration::minutes(minutes));
    c.expires_after = c.requested.map(|t| t + Duration::hours(1));
    c.max_concurrency = "10%".into();
    c.max_errors = "1".into();
    c.timeout_seconds = Some(3600);
    c
}

fn commands() -> Vec<RecentCommand> {
    let mut a = cmd(
        "0b1e2f3a-1111-4c4c-9d9d-000000000001",
        "AWS-RunShellScript",
        "Success",
        5,
    );
    a.comment = "restart nginx".into();
    a.instance_ids = vec!["i-0aaa1111bbbb2222c".into(), "i-0aaa1111bbbb2222d".into()];
    a.target_count = 2;
    a.completed_count = 2;
    a.parameters = vec![("commands".into(), "systemctl restart nginx".into())];
    let mut b = cmd(
        "0b1e2f3a-1111-4c4c-9d9d-000000000002",
        "AWS-RunPatchBaseline",
        "InProgress",
        2,
    );
    b.targets = vec![HistoryTarget {
        key: "tag:Patch Group".into(),
        values: vec!["prod-linux-wave1".into()],
    }];
    b.target_count = 40;
    b.completed_count = 12;
    b.error_count = 3;
    b.parameters = vec![("Operation".into(), "Install".into())];
    let mut c = cmd(
        "0b1e2f3a-1111-4c4c-9d9d-000000000003",
        "AWS-RunPowerShellScript",
        "Failed",
        90,
    );
    c.instance_ids = vec!["i-0ccc3333dddd4444e".into()];
    c.target_count = 1;
    c.completed_count = 1;
    c.error_count = 1;
    vec![a, b, c]
}

fn automations() -> Vec<RecentAutomation> {
    let mut a = RecentAutomation::new(0, "5d1c6a2e-2222-4a4a-8b8b-000000000001");
    a.document_name = "AWS-RestartEC2Instance".into();
    a.document_version = "1".into();
    a.status = "Success".into();
    a.started = Some(t0() - Duration::minutes(30));
    a.ended = Some(t0() - Duration::minutes(27));
    a.executed_by = "arn:aws:sts::123456789012:assumed-role/Ops/alice".into();
    a.mode = "Auto".into();
    a.automation_type = "Local".into();
    a.current_step = "startInstances".into();
    a.target_parameter = "InstanceId".into();
    a.resolved_targets = vec!["i-0aaa1111bbbb2222c".into()];
    let mut b = RecentAutomation::new(0, "5d1c6a2e-2222-4a4a-8b8b-000000000002");
    b.document_name = "AWS-StopEC2Instance".into();
    b.status = "Failed".into();
    b.started = Some(t0() - Duration::minutes(3));
    b.ended = Some(t0() - Duration::minutes(2));
    b.executed_by = "arn:aws:sts::123456789012:assumed-role/Ops/bob".into();
    b.mode = "Auto".into();
    b.current_step = "stopInstances".into();
    b.failure_message = "Step fails when it is verifying the command has completed.".into();
    vec![a, b]
}

fn activations() -> Vec<Activation> {
    let mut a = Activation::new(0, "e488f2f6-e686-4afb-8a04-ef6dfexample");
    a.description = "Registration of dc1-app servers".into();
    a.default_instance_name = "dc1-app".into();
    a.iam_role = "SSMServiceRole".into();
    a.registration_limit = 10;
    a.registrations_count = 4;
    a.created = Some(t0() - Duration::days(300));
    a.expiration = Some(t0() - Duration::days(270));
    a.expired = true;
    a.tags = vec![("Site".into(), "dc1".into())];
    let mut b = Activation::new(0, "a1b2c3d4-0000-4000-8000-00000000soon");
    b.description = "Branch office rollout".into();
    b.default_instance_name = "branch-srv".into();
    b.iam_role = "SSMServiceRole".into();
    b.registration_limit = 25;
    b.created = Some(t0() - Duration::days(27));
    b.expiration = Some(t0() + Duration::days(3));
    let mut c = Activation::new(0, "a1b2c3d4-0000-4000-8000-000000000new");
    c.description = "Factory floor HMIs".into();
    c.default_instance_name = "factory-hmi".into();
    c.iam_role = "service-role/AmazonSSMRoleForInstancesQuickSetup".into();
    c.registration_limit = 100;
    c.registrations_count = 1;
    c.created = Some(t0() - Duration::days(2));
    c.expiration = Some(t0() + Duration::days(28));
    vec![a, b, c]
}

fn app() -> App {
    let mut app = app_at_t0("profile prod · 3 regions", false);
    app.set_audit_path(None);
    discover(&mut app, two_scopes());
    let at = t0() - Duration::seconds(20);
    no_nodes(&mut app, 2, at);
    let mut feed = |e: FeedEvent| {
        app.update(Msg::Feed(e));
    };
    feed(FeedEvent::CommandsLoaded {
        scope: 0,
        items: commands(),
        at,
    });
    feed(FeedEvent::CommandsLoaded {
        scope: 1,
        items: Vec::new(),
        at,
    });
    feed(FeedEvent::AutomationsLoaded {
        scope: 0,
        items: automations(),
        at,
    });
    feed(FeedEvent::AutomationsLoaded {
        scope: 1,
        items: Vec::new(),
        at,
    });
    feed(FeedEvent::ActivationsLoaded {
        scope: 0,
        items: activations(),
        tier: Some("advanced".into()),
        at,
    });
    feed(FeedEvent::ActivationsLoaded {
        scope: 1,
        items: Vec::new(),
        tier: Some("standard".into()),
        at,
    });
    app
}

#[test]
fn commands_pane_newest_first() {
    let mut app = app();
    command(&mut app, "commands");
    assert_eq!(app.pane(), Pane::Commands);
    assert!(app.wanted_feeds().contains(Feed::Commands));
    assert!(!app.wanted_feeds().contains(Feed::Automations));
    insta::assert_snapshot!(draw(&mut app, 120, 40));
}

#[test]
fn commands_filter_and_detail() {
    let mut app = app();
    command(&mut app, "commands");
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "status=inprogress");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane_row_count(), 1);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay(), Overlay::Record { .. }));
    insta::assert_snapshot!(draw(&mut app, 120, 40));
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay(), &Overlay::None);
}

#[test]
fn automations_pane_and_detail() {
    let mut app = app();
    command(&mut app, "automations");
    assert_eq!(app.pane(), Pane::Automations);
    insta::assert_snapshot!("automations_pane", draw(&mut app, 120, 40));
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("automation_detail", draw(&mut app, 120, 40));
}

#[test]
fn activations_pane_flags_expiry() {
    let mut app = app();
    command(&mut app, "activations");
    assert_eq!(app.pane(), Pane::Activations);
    let screen = draw(&mut app, 120, 40);
    assert!(screen.contains("expiring soon"), "{screen}");
    assert!(screen.contains("expired"), "{screen}");
    insta::assert_snapshot!("activations_pane", screen);
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("activation_detail", draw(&mut app, 120, 40));
}

#[test]
fn sort_by_header_reverses() {
    let mut app = app();
    command(&mut app, "commands");
    key(&mut app, KeyCode::Char('S'));
    let screen = draw(&mut app, 120, 40);
    let first = screen.find("RunPowerShell").unwrap_or(usize::MAX);
    let last = screen.find("RunPatchBaseline").unwrap_or(0);
    assert!(first < last, "oldest first after reversing:\n{screen}");
}

/// A fresh log path, relative to the package (the audit pane shows it, so it is stable).
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new("target/tmp-ui-history").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("audit.jsonl")
}

fn entry(request_id: &str, action: &str, summary: &str, minutes: i64) -> AuditEntry {
    let mut e = AuditEntry::intent(
        request_id,
        "arn:aws:sts::123456789012:assumed-role/Ops/alice",
        action,
        "123456789012",
        "eu-west-1",
        summary,
        serde_json::json!({"document": "AWS-RunShellScript", "targets": 3}),
    );
    e.time = t0() - Duration::minutes(minutes);
    e
}

#[test]
fn audit_pane_follows_the_log() {
    let path = scratch("pane");
    let log = AuditLog::open(&path).expect("open log");
    let a = entry("r-1", "SendCommand", "AWS-RunShellScript on 3 nodes", 10);
    log.append(&a).expect("append");
    let mut done = a.result(Outcome::Ok, Some("cmd-1".into()), None);
    done.time = a.time + Duration::seconds(1);
    done.override_word = Some("BREAKGLASS".into());
    done.calendars = vec![CalendarCheck {
        name: "prod-freeze".into(),
        state: "CLOSED".into(),
    }];
    log.append(&done).expect("append");
    let b = entry("r-2", "StopAutomationExecution", "stop 5d1c…0002", 4);
    log.append(&b).expect("append");
    let mut refused = b.result(
        Outcome::Refused,
        None,
        Some("change calendar CLOSED".into()),
    );
    refused.time = b.time;
    log.append(&refused).expect("append");

    let mut app = app();
    app.set_audit_path(Some(path.clone()));
    command(&mut app, "audit");
    assert_eq!(app.pane(), Pane::Audit);
    insta::assert_snapshot!("audit_pane", draw(&mut app, 120, 40));

    // A new call appears at the next tick, newest first.
    let c = entry("r-3", "UpdateOpsItem", "oi-123 → Resolved", 1);
    log.append(&c).expect("append");
    app.update(Msg::Tick);
    let screen = draw(&mut app, 120, 40);
    let newest = screen.find("UpdateOpsItem").unwrap_or(usize::MAX);
    let older = screen.find("SendCommand").unwrap_or(0);
    assert!(newest < older, "{screen}");
    assert!(screen.contains("no result"), "{screen}");

    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "override=breakglass");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane_row_count(), 1);
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("audit_detail", draw(&mut app, 120, 40));
}

#[test]
fn audit_pane_without_a_log() {
    let mut app = app();
    app.set_audit_path(Some(scratch("missing")));
    command(&mut app, "audit");
    let screen = draw(&mut app, 120, 40);
    assert!(screen.contains("No mutating call recorded yet"), "{screen}");
}

#[test]
fn nodes_pane_marks_on_premises_nodes_and_their_tier() {
    use ssm_cockpit::model::{ManagedNode, PingStatus, PlatformType};
    let mut app = app();
    let node = |id: &str, name: &str| {
        let mut n = ManagedNode::new(0, id);
        n.ping_status = PingStatus::Online;
        n.platform_type = PlatformType::Linux;
        n.platform_name = "Ubuntu".into();
        n.platform_version = "22.04".into();
        n.agent_version = "3.3.1142.0".into();
        n.is_latest_version = Some(true);
        n.last_ping = Some(t0() - Duration::seconds(30));
        n.tags = Some(vec![("Name".into(), name.into())]);
        if id.starts_with("mi-") {
            n.resource_type = "ManagedInstance".into();
            n.activation_id = "e488f2f6-e686-4afb-8a04-ef6dfexample".into();
            n.ip_address = "192.168.1.20".into();
        } else {
            n.resource_type = "EC2Instance".into();
            n.ip_address = "10.0.1.20".into();
        }
        n
    };
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node("i-0a1b2c3d4e5f60001", "web-1"),
            node("mi-0123456789abcdef0", "dc1-app-prod-01"),
        ],
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![node("mi-0fedcba98765432a1", "branch-srv-01")],
        at: t0(),
    }));
    command(&mut app, "nodes");
    let screen = draw(&mut app, 150, 12);
    assert!(
        screen.contains("⌂+ dc1-app-prod-01"),
        "advanced tier:\n{screen}"
    );
    assert!(
        screen.contains("⌂ branch-srv-01"),
        "standard tier:\n{screen}"
    );
    assert!(
        screen.contains("web-1") && !screen.contains("⌂ web-1"),
        "{screen}"
    );
    insta::assert_snapshot!("nodes_pane_hybrid", screen);
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "name=dc1");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let detail = draw(&mut app, 120, 40);
    assert!(
        detail.contains("Instance tier         Advanced"),
        "{detail}"
    );
    assert!(
        detail.contains("e488f2f6-e686-4afb-8a04-ef6dfexample"),
        "{detail}"
    );
}

#[test]
fn read_only_help_and_footer_leave_out_mutating_keys() {
    let help = |read_only: bool| {
        let mut app = App::new(AppOptions {
            read_only,
            ..AppOptions::default()
        });
        app.set_now(Some(t0()));
        key(&mut app, KeyCode::Char('?'));
        draw(&mut app, 160, 70)
    };
    let operator = help(false);
    let ro = help(true);
    for mutating in ["shell on the selected node", "apply now"] {
        assert!(operator.contains(mutating), "{mutating} in:\n{operator}");
        assert!(!ro.contains(mutating), "{mutating} in:\n{ro}");
    }
    assert!(ro.contains(":commands :automations"), "{ro}");
}
