//! Snapshot and key tests of the action flows: the Run Command form, the confirmation,
//! the change-calendar refusal, the live view of a run, and the OpsItem paths.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

mod ui_common;

use ssm_cockpit::actions::{ActionEvent, ActionRequest, RunCommandSpec};
use ssm_cockpit::app::{ActionDialog, App, Effect, Msg, Pane};
use ssm_cockpit::model::{
    AutomationExecution, AutomationStep, CommandInvocation, CommandProgress, FeedEvent,
    InvocationStatus, ManagedNode, OpsItem, PingStatus, PlatformType,
};
use ui_common::{app_at_t0, command, discover, draw, key, scope, t0, two_scopes, typed};

fn node(scope: u32, id: &str, name: &str, ping: PingStatus) -> ManagedNode {
    let mut n = ManagedNode::new(scope, id);
    n.ping_status = ping;
    n.platform_type = PlatformType::Linux;
    n.platform_name = "Amazon Linux".into();
    n.platform_version = "2023".into();
    n.agent_version = "3.3.1142.0".into();
    n.is_latest_version = Some(true);
    n.computer_name = format!("{name}.internal");
    n.last_ping = Some(t0() - Duration::seconds(30));
    n.tags = Some(vec![
        ("Name".into(), name.into()),
        ("Env".into(), "prod".into()),
    ]);
    n
}

fn app(read_only: bool) -> App {
    let mut app = app_at_t0("profile prod · 2 regions", read_only);
    let at = t0() - Duration::seconds(10);
    discover(&mut app, two_scopes());
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node(0, "i-0a1b2c3d4e5f60001", "web-1", PingStatus::Online),
            node(
                0,
                "i-0a1b2c3d4e5f60002",
                "web-2",
                PingStatus::ConnectionLost,
            ),
        ],
        at,
    }));
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![node(1, "i-0d0d0d0d0d0d00001", "dev-1", PingStatus::Online)],
        at,
    }));
    let mut disk = OpsItem::new(0, "oi-0123456789ab");
    disk.title = "Disk full on web-1".into();
    disk.status = "Open".into();
    disk.severity = "2".into();
    disk.source = "CloudWatch".into();
    disk.created = Some(t0() - Duration::hours(2));
    disk.resources = vec!["arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f60001".into()];
    disk.runbooks = vec!["AWS-RestartEC2Instance".into()];
    app.update(Msg::Feed(FeedEvent::OpsItemsLoaded {
        scope: 0,
        items: vec![disk],
        at,
    }));
    app
}

fn ctrl(app: &mut App, c: char) {
    app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )));
}

/// The Run Command form on the two marked prod nodes, `uptime` typed.
fn form_with_two_nodes() -> App {
    let mut app = app(false);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('r'));
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Form(_))));
    // The document is chosen: the form starts on its commands.
    typed(&mut app, "uptime");
    key(&mut app, KeyCode::Enter);
    typed(&mut app, "df -h /");
    app
}

fn actions(app: &mut App) -> Vec<ssm_cockpit::actions::ActionRun> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Action(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn run_command_form() {
    let mut app = form_with_two_nodes();
    insta::assert_snapshot!(draw(&mut app, 120, 36));
}

#[test]
fn confirmation_shows_what_will_run() {
    let mut app = form_with_two_nodes();
    ctrl(&mut app, 's');
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))));
    insta::assert_snapshot!(draw(&mut app, 120, 36));
    // Nothing leaves before the deliberate key.
    assert!(actions(&mut app).is_empty());
    key(&mut app, KeyCode::Enter);
    assert!(actions(&mut app).is_empty());
    key(&mut app, KeyCode::Char('y'));
    let runs = actions(&mut app);
    assert_eq!(runs.len(), 1);
    match &runs[0].request {
        ActionRequest::RunCommand(spec) => {
            assert_eq!(spec.document, "AWS-RunShellScript");
            assert_eq!(
                spec.parameter("commands").as_deref(),
                Some("uptime\ndf -h /")
            );
            assert_eq!(spec.target_count(), Some(2));
        }
        r => panic!("{r:?}"),
    }
    assert!(app.actions.live.is_some());
    // The marks went with the run, and so did the note about them.
    assert!(app.actions.marked.is_empty());
    let note = app.notice().map(|n| n.text.clone()).unwrap_or_default();
    assert!(!note.contains("marked"), "{note}");
}

#[test]
fn a_destructive_command_needs_the_count_typed() {
    let mut app = app(false);
    key(&mut app, KeyCode::Char('r'));
    typed(&mut app, "sudo reboot");
    key(&mut app, KeyCode::F(2));
    key(&mut app, KeyCode::Char('y'));
    assert!(actions(&mut app).is_empty(), "y is not enough");
    typed(&mut app, "2");
    key(&mut app, KeyCode::Enter);
    assert!(actions(&mut app).is_empty(), "the wrong count");
    insta::assert_snapshot!(draw(&mut app, 120, 36));
    typed(&mut app, "1");
    key(&mut app, KeyCode::Enter);
    assert_eq!(actions(&mut app).len(), 1);
}

#[test]
fn refusal_offers_the_override() {
    let mut app = form_with_two_nodes();
    ctrl(&mut app, 's');
    key(&mut app, KeyCode::Char('y'));
    let run = actions(&mut app).remove(0);
    app.update(Msg::Action(ActionEvent::Refused {
        run: run.run,
        reason: "change calendar prod-freeze is CLOSED in acme-prod (123456789012)/eu-west-1 \
                 until 2025-03-02 08:00 UTC"
            .into(),
        next_transition: Some(t0() + Duration::hours(20)),
        can_override: true,
        wrong_word: false,
    }));
    typed(&mut app, "BREAK-GLASS");
    insta::assert_snapshot!(draw(&mut app, 120, 36));
    key(&mut app, KeyCode::Enter);
    let again = actions(&mut app);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].run, run.run);
    assert_eq!(again[0].typed_override.as_deref(), Some("BREAK-GLASS"));
    assert_eq!(again[0].request, run.request);
}

fn invocation(id: &str, name: &str, status: InvocationStatus, out: &str) -> CommandInvocation {
    let mut i = CommandInvocation::new("0c2d5e8f-1111-2222-3333-444455556666", id);
    i.instance_name = name.into();
    i.status = status;
    i.output = out.into();
    i.response_code = status
        .is_terminal()
        .then_some(if status == InvocationStatus::Success {
            0
        } else {
            1
        });
    i
}

#[test]
fn live_view_groups_by_scope_and_shows_output() {
    let mut app = form_with_two_nodes();
    ctrl(&mut app, 's');
    key(&mut app, KeyCode::Char('y'));
    let run = actions(&mut app).remove(0).run;
    let prod = scope("acme-prod", "123456789012", "eu-west-1");
    let dev = scope("acme-dev", "210987654321", "us-east-1");
    for (s, id) in [(&prod, "0c2d5e8f-1111"), (&dev, "7ab3c9d0-2222")] {
        app.update(Msg::Action(ActionEvent::Sent {
            run,
            scope: s.clone(),
            action: "SendCommand",
            id: id.into(),
            overridden: false,
        }));
    }
    app.update(Msg::Action(ActionEvent::Invocations {
        run,
        scope: prod.clone(),
        command_id: "0c2d5e8f-1111".into(),
        progress: Some(CommandProgress {
            command_id: "0c2d5e8f-1111".into(),
            status: "InProgress".into(),
            target_count: 2,
            completed_count: 1,
            error_count: 1,
        }),
        invocations: vec![
            invocation(
                "i-0a1b2c3d4e5f60001",
                "web-1.internal",
                InvocationStatus::Success,
                " 12:00:01 up 3 days,  load average: 0.01\nFilesystem  Size  Used\n/dev/xvda1  8G  3G",
            ),
            invocation(
                "i-0a1b2c3d4e5f60002",
                "web-2.internal",
                InvocationStatus::Undeliverable,
                "",
            ),
        ],
    }));
    app.update(Msg::Action(ActionEvent::Invocations {
        run,
        scope: dev.clone(),
        command_id: "7ab3c9d0-2222".into(),
        progress: None,
        invocations: vec![invocation(
            "i-0d0d0d0d0d0d00001",
            "dev-1.internal",
            InvocationStatus::InProgress,
            "",
        )],
    }));
    insta::assert_snapshot!(draw(&mut app, 120, 36));
    // Cancel: a confirmation of CancelCommand for both scopes.
    key(&mut app, KeyCode::Char('c'));
    key(&mut app, KeyCode::Char('y'));
    let cancel = actions(&mut app);
    match &cancel[0].request {
        ActionRequest::CancelCommand(c) => assert_eq!(c.commands.len(), 2),
        r => panic!("{r:?}"),
    }
    // Esc closes the view; :runs brings it back.
    key(&mut app, KeyCode::Esc);
    assert!(app.actions.live.is_none());
    command(&mut app, "runs");
    assert!(app.actions.live.is_some());
}

#[test]
fn automation_live_view() {
    let mut app = app(false);
    key(&mut app, KeyCode::Char('a'));
    ctrl(&mut app, 's');
    // A restart: the count typed.
    typed(&mut app, "1");
    key(&mut app, KeyCode::Enter);
    let run = actions(&mut app).remove(0);
    match &run.request {
        ActionRequest::StartAutomation(s) => {
            assert_eq!(s.document, "AWS-RestartEC2Instance");
            let selected = app
                .panes
                .nodes
                .selected_node(&app.estate)
                .unwrap()
                .instance_id
                .clone();
            assert_eq!(
                s.parameters,
                vec![("InstanceId".to_string(), vec![selected])]
            );
        }
        r => panic!("{r:?}"),
    }
    let mut e = AutomationExecution::new("5f1c2b7a-aaaa-bbbb-cccc-000000000001");
    e.document_name = "AWS-RestartEC2Instance".into();
    e.status = "InProgress".into();
    let mut stop = AutomationStep::new("stopInstances");
    stop.action = "aws:changeInstanceState".into();
    stop.status = "Success".into();
    let mut start = AutomationStep::new("startInstances");
    start.action = "aws:changeInstanceState".into();
    start.status = "InProgress".into();
    e.steps = vec![stop, start];
    app.update(Msg::Action(ActionEvent::Automation {
        run: run.run,
        scope: scope("acme-prod", "123456789012", "eu-west-1"),
        execution: e,
    }));
    insta::assert_snapshot!(draw(&mut app, 120, 30));
}

#[test]
fn ops_item_to_fix_in_three_keys() {
    let mut app = app(false);
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.pane(), Pane::OpsCenter);
    key(&mut app, KeyCode::Char('x'));
    // A restart: the count typed.
    typed(&mut app, "1");
    key(&mut app, KeyCode::Enter);
    let runs = actions(&mut app);
    assert_eq!(runs.len(), 1);
    match &runs[0].request {
        ActionRequest::StartAutomation(s) => {
            assert_eq!(s.document, "AWS-RestartEC2Instance");
            assert_eq!(s.ops_item_id.as_deref(), Some("oi-0123456789ab"));
            assert_eq!(s.parameters[0].1, vec!["i-0a1b2c3d4e5f60001".to_string()]);
            assert_eq!(s.scope.account.id, "123456789012");
        }
        r => panic!("{r:?}"),
    }
}

#[test]
fn ops_item_status_and_note() {
    let mut app = app(false);
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('u'));
    insta::assert_snapshot!("ops_item_status_picker", draw(&mut app, 100, 30));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    let runs = actions(&mut app);
    match &runs[0].request {
        ActionRequest::UpdateOpsItem(u) => {
            assert_eq!(u.status.as_deref(), Some("InProgress"));
            assert!(u.note.is_none());
        }
        r => panic!("{r:?}"),
    }
    key(&mut app, KeyCode::Char('e'));
    typed(&mut app, "restarted the agent");
    ctrl(&mut app, 's');
    key(&mut app, KeyCode::Char('y'));
    let runs = actions(&mut app);
    match &runs[0].request {
        ActionRequest::UpdateOpsItem(u) => {
            assert_eq!(u.note.as_deref(), Some("restarted the agent"));
        }
        r => panic!("{r:?}"),
    }
}

#[test]
fn other_panes_open_the_form_pre_filled() {
    let mut app = app(false);
    let spec = RunCommandSpec::new("AWS-ConfigureAWSPackage")
        .with_parameter("name", vec!["AmazonCloudWatchAgent".into()]);
    app.open_run_command(spec);
    let Some(ActionDialog::Form(form)) = &app.actions.dialog else {
        panic!("no form");
    };
    assert_eq!(form.document(), "AWS-ConfigureAWSPackage");
    let text = draw(&mut app, 120, 36);
    assert!(text.contains("AmazonCloudWatchAgent"), "{text}");
    assert!(text.contains("Install"), "{text}");
}

#[test]
fn read_only_offers_no_action() {
    let mut app = app(true);
    for c in ['r', 'R', 'a', ' '] {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Char('3'));
    for c in ['x', 'u', 'e'] {
        key(&mut app, KeyCode::Char(c));
    }
    command(&mut app, "run");
    assert!(app.actions.dialog.is_none());
    assert!(actions(&mut app).is_empty());
    let mut app = app_with_confirm_in_read_only();
    assert!(actions(&mut app).is_empty());
}

/// Even a pane asking directly gets nothing in read-only mode.
fn app_with_confirm_in_read_only() -> App {
    let mut app = app(true);
    app.open_run_command(RunCommandSpec::new("AWS-RunShellScript"));
    assert!(app.actions.dialog.is_none());
    app
}

#[test]
fn the_form_shows_the_parameters_aws_describes() {
    use ssm_cockpit::model::{DetailRequest, DocumentContent, DocumentDetail};
    let mut app = app(false);
    command(&mut app, "run Custom-Deploy");
    // The form asks AWS for the document's parameters.
    let asked = app.take_effects().into_iter().find_map(|e| match e {
        Effect::Request(DetailRequest::Document { scope, name, .. }) => Some((scope, name)),
        _ => None,
    });
    let (scope, name) = asked.expect("DescribeDocument asked for");
    assert_eq!(name, "Custom-Deploy");
    let description = serde_json::from_value(serde_json::json!({
        "name": "Custom-Deploy", "display_name": "", "description": "Deploys the app",
        "owner": "123456789012", "status": "Active", "status_information": "",
        "document_version": "1", "version_name": "", "latest_version": "1",
        "default_version": "1", "document_type": "Command", "document_format": "YAML",
        "schema_version": "2.2", "target_type": "", "platform_types": ["Linux"],
        "parameters": [
            {"name": "version", "param_type": "String", "description": "Release to deploy\nmore",
             "default_value": "1.0"},
            {"name": "dbPassword", "param_type": "String", "description": "Database password",
             "default_value": null}
        ],
        "hash": "", "hash_type": "", "author": "", "created": null, "tags": []
    }))
    .unwrap();
    let content: DocumentContent = serde_json::from_value(serde_json::json!({
        "name": "Custom-Deploy", "display_name": "", "document_version": "1",
        "version_name": "", "status": "Active", "document_type": "Command",
        "document_format": "YAML", "content": "schemaVersion: '2.2'"
    }))
    .unwrap();
    app.update(Msg::Feed(FeedEvent::DocumentLoaded {
        scope,
        detail: Box::new(DocumentDetail {
            scope,
            description,
            content,
            versions: Vec::new(),
            parameter_rules: Vec::new(),
        }),
    }));
    // Document → Targets → version → dbPassword.
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    typed(&mut app, "s3cret");
    let text = draw(&mut app, 120, 36);
    assert!(text.contains("dbPassword*"), "{text}");
    assert!(text.contains("1.0"), "{text}");
    assert!(!text.contains("s3cret"), "a secret is masked:\n{text}");
    // Reviewed: the secret is not shown either.
    ctrl(&mut app, 's');
    let text = draw(&mut app, 120, 36);
    assert!(text.contains("Confirm: Run Command"), "{text}");
    assert!(
        text.contains("********") && !text.contains("s3cret"),
        "{text}"
    );
}

/// A Run Command sent to the two prod nodes: its run id (the live view shows it).
fn run_in_flight(app: &mut App) -> u64 {
    ctrl(app, 's');
    key(app, KeyCode::Char('y'));
    actions(app).remove(0).run
}

#[test]
fn quitting_with_a_run_in_flight_asks_first() {
    let mut app = form_with_two_nodes();
    let run = run_in_flight(&mut app);
    // Ctrl-c over the live view: the question, not the end.
    ctrl(&mut app, 'c');
    assert!(!app.should_quit());
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Quit(_))));
    insta::assert_snapshot!(draw(&mut app, 100, 24));
    // Ctrl-c again does not answer it; any key but y stays.
    ctrl(&mut app, 'c');
    assert!(!app.should_quit());
    key(&mut app, KeyCode::Char('n'));
    assert!(!app.should_quit());
    assert!(app.actions.dialog.is_none());
    assert!(app.actions.live.is_some(), "the live view is still there");
    // q closes the live view; q on the pane asks; :q asks too.
    key(&mut app, KeyCode::Char('q'));
    assert!(app.actions.live.is_none());
    key(&mut app, KeyCode::Char('q'));
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Quit(_))));
    key(&mut app, KeyCode::Esc);
    command(&mut app, "q");
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Quit(_))));
    assert_eq!(
        app.quit_blockers().question(),
        "1 run in flight — quit anyway? y/N"
    );
    key(&mut app, KeyCode::Char('y'));
    assert!(app.should_quit());

    // :q! never asks.
    let mut app = form_with_two_nodes();
    run_in_flight(&mut app);
    key(&mut app, KeyCode::Esc);
    command(&mut app, "q!");
    assert!(app.should_quit());
    assert!(app.actions.dialog.is_none());

    // Once the run has ended, q quits at once.
    let mut app = form_with_two_nodes();
    let run2 = run_in_flight(&mut app);
    assert_eq!(run2, run);
    ctrl(&mut app, 'c');
    // The run ends while the question shows: the question says so.
    app.update(Msg::Action(ActionEvent::Finished {
        run,
        ok: true,
        summary: "AWS-RunShellScript: 2 succeeded".into(),
    }));
    let text = draw(&mut app, 100, 24);
    assert!(
        text.contains("Nothing is in flight any more — quit? y/N"),
        "{text}"
    );
    key(&mut app, KeyCode::Esc);
    assert!(app.actions.dialog.is_none());
    key(&mut app, KeyCode::Esc);
    assert!(app.quit_blockers().is_empty());
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit());
}

#[test]
fn quitting_with_a_shell_open_asks_and_keeps_the_dialog_it_covers() {
    use ssm_cockpit::session::{SessionEvent, SessionState};
    let mut app = app(false);
    key(&mut app, KeyCode::Char('c'));
    let id = app
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            Effect::OpenSession { id, .. } => Some(id),
            _ => None,
        })
        .expect("a shell is opened");
    // Back to the panes (Ctrl-] q), then the Run Command form, then Ctrl-c.
    ctrl(&mut app, ']');
    key(&mut app, KeyCode::Char('q'));
    key(&mut app, KeyCode::Char('r'));
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Form(_))));
    ctrl(&mut app, 'c');
    assert!(!app.should_quit());
    let text = draw(&mut app, 120, 36);
    assert!(text.contains("1 shell open — quit anyway? y/N"), "{text}");
    assert!(text.contains("▸ shell dev-1"), "{text}");
    // Staying brings the form back.
    key(&mut app, KeyCode::Esc);
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Form(_))));
    key(&mut app, KeyCode::Esc);
    // The shell closed: quitting is immediate again.
    app.update(Msg::Session(
        id,
        SessionEvent::State(SessionState::Closed {
            reason: "exit".into(),
        }),
    ));
    ctrl(&mut app, 'c');
    assert!(app.should_quit());
}

#[test]
fn nothing_in_flight_quits_at_once() {
    let mut app = app(false);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit());
    assert!(app.actions.dialog.is_none());
}

#[test]
fn a_finished_node_shows_its_full_output_on_demand() {
    use ssm_cockpit::actions::ActionRead;
    use ssm_cockpit::model::InvocationOutput;
    let mut app = form_with_two_nodes();
    let run = run_in_flight(&mut app);
    let prod = scope("acme-prod", "123456789012", "eu-west-1");
    let cid = "0c2d5e8f-1111-2222-3333-444455556666";
    app.update(Msg::Action(ActionEvent::Sent {
        run,
        scope: prod.clone(),
        action: "SendCommand",
        id: cid.into(),
        overridden: false,
    }));
    let mut short = String::new();
    for n in 1..=400 {
        short.push_str(&format!("line {n}\n"));
    }
    short.truncate(2500);
    short.push_str("\n---Output truncated---");
    app.update(Msg::Action(ActionEvent::Invocations {
        run,
        scope: prod.clone(),
        command_id: cid.into(),
        progress: None,
        invocations: vec![
            invocation(
                "i-0a1b2c3d4e5f60001",
                "web-1.internal",
                InvocationStatus::Success,
                &short,
            ),
            invocation(
                "i-0a1b2c3d4e5f60002",
                "web-2.internal",
                InvocationStatus::InProgress,
                "",
            ),
        ],
    }));
    // A node still running: nothing to fetch yet.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('o'));
    assert!(app.take_effects().is_empty());
    assert!(app.notice().is_some_and(|n| n.error));
    // The finished one: one read leaves, in a task of the event loop.
    key(&mut app, KeyCode::Char('k'));
    key(&mut app, KeyCode::Char('o'));
    let reads: Vec<ActionRead> = app
        .take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::ActionRead(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(
        reads,
        vec![ActionRead::CommandOutput {
            run,
            scope: prod.clone(),
            command_id: cid.into(),
            instance_id: "i-0a1b2c3d4e5f60001".into(),
        }]
    );
    assert!(draw(&mut app, 120, 36).contains("reading the full output…"));
    // Asking again while it is read sends nothing more.
    key(&mut app, KeyCode::Char('o'));
    assert!(app.take_effects().is_empty());
    let mut full = String::new();
    for n in 1..=3000 {
        full.push_str(&format!("line {n}\n"));
    }
    full.truncate(24_000);
    full.push_str("\n---Output truncated---");
    app.update(Msg::Action(ActionEvent::Output {
        run,
        command_id: cid.into(),
        instance_id: "i-0a1b2c3d4e5f60001".into(),
        output: Ok(InvocationOutput {
            command_id: cid.into(),
            instance_id: "i-0a1b2c3d4e5f60001".into(),
            status: InvocationStatus::Success,
            status_details: "Success".into(),
            response_code: Some(0),
            stdout: full,
            stderr: "warning: big\n".into(),
        }),
    }));
    // Scrolled to where the short output had ended.
    for _ in 0..30 {
        key(&mut app, KeyCode::PageDown);
    }
    insta::assert_snapshot!(draw(&mut app, 120, 36));
    // A failed read says why.
    app.update(Msg::Action(ActionEvent::Output {
        run,
        command_id: cid.into(),
        instance_id: "i-0a1b2c3d4e5f60001".into(),
        output: Err("ssm:GetCommandInvocation: AccessDenied".into()),
    }));
    key(&mut app, KeyCode::Char('g'));
    let text = draw(&mut app, 120, 36);
    assert!(text.contains("full output unreadable"), "{text}");
    assert!(text.contains("AccessDenied"), "{text}");
}

fn document(scope: u32, name: &str, owner: &str) -> ssm_cockpit::model::DocumentSummary {
    ssm_cockpit::model::DocumentSummary {
        scope,
        name: name.into(),
        display_name: String::new(),
        owner: owner.into(),
        version_name: String::new(),
        platform_types: vec!["Linux".into()],
        document_version: "1".into(),
        document_type: "Command".into(),
        schema_version: "2.2".into(),
        document_format: "YAML".into(),
        target_type: String::new(),
        author: String::new(),
        created: None,
        tags: Vec::new(),
    }
}

/// Prod owns Acme-Restart and shares Acme-Shared with dev; dev has only AWS's.
fn with_documents(app: &mut App) {
    let at = t0() - Duration::seconds(5);
    app.update(Msg::Feed(FeedEvent::DocumentsLoaded {
        scope: 0,
        items: vec![
            document(0, "AWS-RunShellScript", "Amazon"),
            document(0, "Acme-Restart", "123456789012"),
            document(0, "Acme-Shared", "123456789012"),
        ],
        at,
    }));
    app.update(Msg::Feed(FeedEvent::DocumentsLoaded {
        scope: 1,
        items: vec![
            document(1, "AWS-RunShellScript", "Amazon"),
            document(1, "Acme-Shared", "123456789012"),
        ],
        at,
    }));
}

fn form_error(app: &App) -> Option<String> {
    match &app.actions.dialog {
        Some(ActionDialog::Form(f)) => f.error.clone(),
        _ => None,
    }
}

/// The Run Command form for `doc` on every prod-tagged node of both accounts (the
/// commands of AWS-RunShellScript typed).
fn form_on_tag(doc: &str) -> App {
    let mut app = app(false);
    with_documents(&mut app);
    command(&mut app, &format!("run {doc}"));
    let Some(ActionDialog::Form(form)) = &app.actions.dialog else {
        panic!("no form");
    };
    if form.focus != 0 {
        typed(&mut app, "uptime");
        while !matches!(&app.actions.dialog, Some(ActionDialog::Form(f)) if f.focus == 1) {
            key(&mut app, KeyCode::BackTab);
        }
    } else {
        key(&mut app, KeyCode::Tab);
    }
    typed(&mut app, "tag:Env=prod");
    app
}

#[test]
fn a_document_of_one_account_is_refused_for_targets_in_others() {
    let mut app = app(false);
    with_documents(&mut app);
    assert_eq!(
        app.document_homes("Acme-Restart").as_deref(),
        Some("in acme-prod")
    );
    assert_eq!(
        app.document_homes("Acme-Shared").as_deref(),
        Some("in acme-dev (shared), acme-prod")
    );
    assert_eq!(app.document_homes("AWS-RunShellScript"), None);
    let mut app = form_on_tag("Acme-Restart");
    let text = draw(&mut app, 120, 36);
    assert!(text.contains("in acme-prod"), "{text}");
    insta::assert_snapshot!(text);
    ctrl(&mut app, 's');
    let error = form_error(&app).expect("refused at review");
    assert_eq!(
        error,
        "Acme-Restart does not exist in acme-dev (210987654321) — it exists in acme-prod: \
         target only where it exists, or share it"
    );
    // The form shows why.
    let text = draw(&mut app, 160, 36);
    assert!(
        text.contains("does not exist in acme-dev (210987654321)"),
        "{text}"
    );
    // Shared with dev, or AWS's own: reviewed.
    for doc in ["Acme-Shared", "AWS-RunShellScript"] {
        let mut app = form_on_tag(doc);
        ctrl(&mut app, 's');
        assert!(
            matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))),
            "{doc}: {:?}",
            form_error(&app)
        );
    }
    // Only prod nodes targeted: fine.
    let mut app = self::app(false);
    with_documents(&mut app);
    let prod = scope("acme-prod", "123456789012", "eu-west-1");
    app.open_run_command(RunCommandSpec {
        targets: vec![ssm_cockpit::actions::ScopedTarget::nodes(
            prod,
            vec!["i-0a1b2c3d4e5f60001".into()],
        )],
        ..RunCommandSpec::new("Acme-Restart")
    });
    ctrl(&mut app, 's');
    assert!(
        matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))),
        "{:?}",
        form_error(&app)
    );
}

#[test]
fn a_runbook_of_another_account_is_refused_straight_to_the_confirmation_too() {
    use ssm_cockpit::actions::AutomationSpec;
    let mut app = app(false);
    with_documents(&mut app);
    let dev = scope("acme-dev", "210987654321", "us-east-1");
    app.confirm_action(ActionRequest::StartAutomation(AutomationSpec::new(
        dev,
        "Acme-Restart",
    )));
    assert!(app.actions.dialog.is_none());
    let notice = app.notice().expect("a notice");
    assert!(notice.error);
    assert!(
        notice
            .text
            .contains("does not exist in acme-dev (210987654321)"),
        "{}",
        notice.text
    );
}

#[test]
fn a_runbook_of_another_account_is_refused() {
    use ssm_cockpit::actions::AutomationSpec;
    let mut app = app(false);
    with_documents(&mut app);
    let dev = scope("acme-dev", "210987654321", "us-east-1");
    app.open_automation(AutomationSpec::new(dev, "Acme-Restart"));
    ctrl(&mut app, 's');
    let error = form_error(&app).expect("refused");
    assert!(
        error.starts_with("Acme-Restart does not exist in acme-dev (210987654321)"),
        "{error}"
    );
}

/// Ctrl-u in a form field clears the line up to the cursor, as in the filter bar.
#[test]
fn ctrl_u_clears_a_form_field_line() {
    let mut app = form_with_two_nodes();
    ctrl(&mut app, 'u');
    let Some(ActionDialog::Form(form)) = &app.actions.dialog else {
        panic!("the form stays open");
    };
    let text = form.fields[form.focus].text();
    assert_eq!(
        text, "uptime\n",
        "the second line is cleared, the first kept"
    );
}

/// Rebinds the app's keys to those of `keys`.
fn rebound(app: &mut App, keys: ssm_cockpit::app::KeysConfig) {
    match ssm_cockpit::app::KeyMap::from_config(&keys) {
        Ok(map) => app.set_keys(map),
        Err(e) => panic!("{e}"),
    }
}

fn spec(s: &str) -> ssm_cockpit::app::KeySpec {
    match ssm_cockpit::app::KeySpec::parse(s) {
        Ok(k) => k,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn rebound_dialog_and_live_view_keys_work_and_the_old_ones_do_not() {
    let mut app = app(false);
    rebound(
        &mut app,
        ssm_cockpit::app::KeysConfig {
            review: Some(vec![spec("F3")]),
            confirm: Some(vec![spec("Y")]),
            back: Some(vec![spec("b")]),
            cancel: Some(vec![spec("K")]),
            full_output: Some(vec![spec("O")]),
            mark: Some(vec![spec("m")]),
            ..ssm_cockpit::app::KeysConfig::default()
        },
    );
    // The nodes pane's mark key: m marks, Space no longer does.
    key(&mut app, KeyCode::Char(' '));
    assert!(app.actions.marked.is_empty(), "Space is no longer bound");
    key(&mut app, KeyCode::Char('m'));
    assert_eq!(app.actions.marked.len(), 1);
    key(&mut app, KeyCode::Char('r'));
    typed(&mut app, "uptime");
    // The form: Ctrl-s is text now (nothing), F3 reviews; the footer says so.
    ctrl(&mut app, 's');
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Form(_))));
    let text = draw(&mut app, 120, 36);
    assert!(
        text.contains("F3 review") && !text.contains("Ctrl-s"),
        "{text}"
    );
    key(&mut app, KeyCode::F(3));
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))));
    let text = draw(&mut app, 120, 36);
    assert!(
        text.contains("Y run") && text.contains("b/Esc back"),
        "{text}"
    );
    // The confirmation: y and n are nothing, b goes back, Y sends.
    key(&mut app, KeyCode::Char('y'));
    key(&mut app, KeyCode::Char('n'));
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))));
    assert!(actions(&mut app).is_empty());
    key(&mut app, KeyCode::Char('b'));
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Form(_))));
    key(&mut app, KeyCode::F(3));
    key(&mut app, KeyCode::Char('Y'));
    let run = match actions(&mut app).as_slice() {
        [r] => r.run,
        other => panic!("{other:?}"),
    };
    app.update(Msg::Action(ActionEvent::Sent {
        run,
        scope: scope("acme-prod", "123456789012", "eu-west-1"),
        action: "SendCommand",
        id: "0c2d5e8f-1111".into(),
        overridden: false,
    }));
    app.update(Msg::Action(ActionEvent::Invocations {
        run,
        scope: scope("acme-prod", "123456789012", "eu-west-1"),
        command_id: "0c2d5e8f-1111".into(),
        progress: None,
        invocations: vec![invocation(
            "i-0a1b2c3d4e5f60001",
            "web-1.internal",
            InvocationStatus::Success,
            "up 3 days",
        )],
    }));
    // The live view: its footer names the bound keys.
    let text = draw(&mut app, 120, 36);
    assert!(
        text.contains("O full output") && text.contains("K cancel"),
        "{text}"
    );
    assert!(!text.contains("c cancel"), "{text}");
    // o and c are nothing now; O reads the full output, K asks to cancel.
    key(&mut app, KeyCode::Char('o'));
    key(&mut app, KeyCode::Char('c'));
    assert!(app.actions.dialog.is_none());
    assert!(
        !app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::ActionRead(_)))
    );
    key(&mut app, KeyCode::Char('O'));
    assert!(
        app.take_effects()
            .iter()
            .any(|e| matches!(e, Effect::ActionRead(_)))
    );
    key(&mut app, KeyCode::Char('K'));
    let Some(ActionDialog::Confirm(c)) = &app.actions.dialog else {
        panic!("K did not ask to cancel: {:?}", app.actions.dialog);
    };
    assert!(matches!(c.request, ActionRequest::CancelCommand(_)));
}

/// Moves the form's focus to the field labelled `label`.
fn focus_field(app: &mut App, label: &str) {
    for _ in 0..20 {
        if let Some(ActionDialog::Form(f)) = &app.actions.dialog
            && f.fields[f.focus].label == label
        {
            return;
        }
        key(app, KeyCode::Tab);
    }
    panic!("no field {label}");
}

/// Replaces the focused field's text.
fn retype(app: &mut App, text: &str) {
    key(app, KeyCode::End);
    ctrl(app, 'u');
    typed(app, text);
}

#[test]
fn a_timeout_outside_the_documents_range_stops_at_the_form() {
    let mut app = form_with_two_nodes();
    focus_field(&mut app, "executionTimeout");
    for bad in ["172801", "1h", "0"] {
        retype(&mut app, bad);
        ctrl(&mut app, 's');
        assert_eq!(
            form_error(&app).as_deref(),
            Some(
                format!(
                    "parameter executionTimeout: `{bad}` is not allowed: it takes a whole number of seconds from 1 to 172800 (48 hours)"
                )
                .as_str()
            ),
            "{bad}"
        );
        assert!(actions(&mut app).is_empty());
    }
    let text = draw(&mut app, 120, 36);
    assert!(
        text.contains("it takes a whole number of seconds"),
        "{text}"
    );
    retype(&mut app, "172800");
    ctrl(&mut app, 's');
    assert!(matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))));
}

#[test]
fn a_described_document_s_own_rules_are_checked() {
    use ssm_cockpit::model::{DetailRequest, DocumentContent, DocumentDetail, parameter_rules};
    let mut app = app(false);
    command(&mut app, "run Custom-Deploy");
    let (scope, _) = app
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            Effect::Request(DetailRequest::Document { scope, name, .. }) => Some((scope, name)),
            _ => None,
        })
        .expect("the document asked for");
    let json = r#"{"schemaVersion": "2.2", "parameters": {
        "strategy": {"type": "String", "default": "rolling", "allowedValues": ["rolling", "blue-green"]},
        "batch": {"type": "Integer", "default": 1}
    }}"#;
    let description = serde_json::from_value(serde_json::json!({
        "name": "Custom-Deploy", "display_name": "", "description": "Deploys the app",
        "owner": "123456789012", "status": "Active", "status_information": "",
        "document_version": "1", "version_name": "", "latest_version": "1",
        "default_version": "1", "document_type": "Command", "document_format": "JSON",
        "schema_version": "2.2", "target_type": "", "platform_types": ["Linux"],
        "parameters": [
            {"name": "strategy", "param_type": "String", "description": "How", "default_value": "rolling"},
            {"name": "batch", "param_type": "Integer", "description": "Nodes at a time", "default_value": "1"}
        ],
        "hash": "", "hash_type": "", "author": "", "created": null, "tags": []
    }))
    .unwrap();
    let content: DocumentContent = serde_json::from_value(serde_json::json!({
        "name": "Custom-Deploy", "display_name": "", "document_version": "1",
        "version_name": "", "status": "Active", "document_type": "Command",
        "document_format": "JSON", "content": json
    }))
    .unwrap();
    app.update(Msg::Feed(FeedEvent::DocumentLoaded {
        scope,
        detail: Box::new(DocumentDetail {
            scope,
            description,
            content,
            versions: Vec::new(),
            parameter_rules: parameter_rules(json).expect("rules"),
        }),
    }));
    focus_field(&mut app, "Targets");
    typed(&mut app, "tag:Env=prod");
    focus_field(&mut app, "strategy");
    retype(&mut app, "big-bang");
    ctrl(&mut app, 's');
    assert_eq!(
        form_error(&app).as_deref(),
        Some("parameter strategy: `big-bang` is not one of rolling, blue-green")
    );
    retype(&mut app, "blue-green");
    focus_field(&mut app, "batch");
    retype(&mut app, "two");
    ctrl(&mut app, 's');
    assert_eq!(
        form_error(&app).as_deref(),
        Some("parameter batch: `two` is not a whole number")
    );
    retype(&mut app, "2");
    ctrl(&mut app, 's');
    assert!(
        matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))),
        "{:?}",
        form_error(&app)
    );
}

#[test]
fn a_runbook_s_parameters_are_checked_too() {
    use ssm_cockpit::actions::AutomationSpec;
    use ssm_cockpit::model::{DocumentContent, DocumentDetail, parameter_rules};
    let mut app = app(false);
    let json = r#"{"schemaVersion": "0.3", "parameters": {
        "SleepWait": {"type": "String", "default": "PT5S", "allowedPattern": "^PT([0-9]{1,6}S|[0-9]{1,5}M|[0-9]{1,3}H)$|^PD[0-7]$"}
    }}"#;
    let description = serde_json::from_value(serde_json::json!({
        "name": "Custom-Restart", "display_name": "", "description": "Restarts",
        "owner": "123456789012", "status": "Active", "status_information": "",
        "document_version": "1", "version_name": "", "latest_version": "1",
        "default_version": "1", "document_type": "Automation", "document_format": "JSON",
        "schema_version": "0.3", "target_type": "", "platform_types": [],
        "parameters": [
            {"name": "SleepWait", "param_type": "String", "description": "Wait", "default_value": "PT5S"}
        ],
        "hash": "", "hash_type": "", "author": "", "created": null, "tags": []
    }))
    .unwrap();
    let content: DocumentContent = serde_json::from_value(serde_json::json!({
        "name": "Custom-Restart", "display_name": "", "document_version": "1",
        "version_name": "", "status": "Active", "document_type": "Automation",
        "document_format": "JSON", "content": json
    }))
    .unwrap();
    app.update(Msg::Feed(FeedEvent::DocumentLoaded {
        scope: 0,
        detail: Box::new(DocumentDetail {
            scope: 0,
            description,
            content,
            versions: Vec::new(),
            parameter_rules: parameter_rules(json).expect("rules"),
        }),
    }));
    let spec = AutomationSpec {
        parameters: vec![("SleepWait".into(), vec!["5 seconds".into()])],
        ..AutomationSpec::new(two_scopes()[0].clone(), "Custom-Restart")
    };
    app.open_automation(spec);
    ctrl(&mut app, 's');
    assert_eq!(
        form_error(&app).as_deref(),
        Some(
            "parameter SleepWait: `5 seconds` is not allowed: it takes a value matching ^PT([0-9]{1,6}S|[0-9]{1,5}M|[0-9]{1,3}H)$|^PD[0-7]$"
        )
    );
    focus_field(&mut app, "SleepWait");
    retype(&mut app, "PT30S");
    ctrl(&mut app, 's');
    assert!(
        matches!(app.actions.dialog, Some(ActionDialog::Confirm(_))),
        "{:?}",
        form_error(&app)
    );
}
