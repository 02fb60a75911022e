//! Snapshot tests of the State Manager panes (associations with a detail and a jump to a
//! failing node, maintenance windows with a detail, the 7-day timeline with a change
//! calendar closure), drawn on ratatui's TestBackend at 120×40.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyCode;

mod ui_common;

use ssm_cockpit::app::{App, AppOptions, Effect, Msg, Pane};
use ssm_cockpit::model::{
    Association, AssociationDetail, AssociationExecution, AssociationTarget, ChangeCalendar,
    DetailRequest, Feed, FeedEvent, InstanceAssociationStatus, MaintenanceWindow, ManagedNode,
    PingStatus, WindowDetail, WindowExecution, WindowInvocation, WindowTarget, WindowTask,
    WindowTaskRun, parse_icalendar,
};
use ui_common::{app_at_t0, command, discover, draw, key, scope, t0, two_scopes};

fn node(id: &str, name: &str) -> ManagedNode {
    let mut n = ManagedNode::new(0, id);
    n.ping_status = PingStatus::Online;
    n.platform_name = "Amazon Linux".into();
    n.platform_version = "2023".into();
    n.agent_version = "3.3.1802.0".into();
    n.last_ping = Some(t0() - Duration::seconds(40));
    n.tags = Some(vec![("Name".into(), name.into())]);
    n
}

fn association(
    id: &str,
    name: &str,
    doc: &str,
    schedule: &str,
    status: &str,
    counts: &[(&str, u32)],
) -> Association {
    Association {
        scope: 0,
        association_id: id.into(),
        name: name.into(),
        document: doc.into(),
        document_version: "$DEFAULT".into(),
        targets: vec![("tag:Environment".into(), vec!["prod".into()])],
        schedule: schedule.into(),
        last_execution: Some(t0() - Duration::minutes(50)),
        status: status.into(),
        detailed_status: status.into(),
        counts: counts.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
    }
}

fn window(id: &str, name: &str, schedule: &str, enabled: bool, runs: &[i64]) -> MaintenanceWindow {
    let upcoming: Vec<DateTime<Utc>> = runs.iter().map(|h| t0() + Duration::hours(*h)).collect();
    MaintenanceWindow {
        scope: 0,
        window_id: id.into(),
        name: name.into(),
        description: "Install approved patches".into(),
        enabled,
        duration: 4,
        cutoff: 1,
        schedule: schedule.into(),
        timezone: "Europe/Dublin".into(),
        next_execution: upcoming.first().copied(),
        upcoming,
    }
}

const FREEZE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-CALENDAR-TYPE:DEFAULT_OPEN\r\nBEGIN:VEVENT\r\nUID:f1\r\nSUMMARY:Month-end freeze\r\nDTSTART:20250303T000000Z\r\nDTEND:20250304T120000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

const SLOTS: &str = "BEGIN:VCALENDAR\nX-CALENDAR-TYPE:DEFAULT_CLOSED\nBEGIN:VEVENT\nSUMMARY:Release slot\nDTSTART:20250301T080000Z\nDTEND:20250301T200000Z\nRRULE:FREQ=DAILY;COUNT=10\nEND:VEVENT\nEND:VCALENDAR\n";

/// Two scopes with nodes, associations, windows and a change calendar.
fn app() -> App {
    let mut app = app_at_t0("profile prod · 2 regions", false);
    discover(&mut app, two_scopes());
    let at = t0() - Duration::seconds(20);
    let mut feed = |e: FeedEvent| {
        app.update(Msg::Feed(e));
    };
    feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![
            node("i-0a1b2c3d4e5f60001", "web-1"),
            node("i-0a1b2c3d4e5f60002", "web-2"),
            node("i-0a1b2c3d4e5f60003", "db-1"),
        ],
        at,
    });
    feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![node("i-0fedcba9876540001", "web-dev")],
        at,
    });
    feed(FeedEvent::AssociationsLoaded {
        scope: 0,
        items: vec![
            association(
                "1a2b3c4d-0000-4000-8000-000000000001",
                "Inventory-Collection",
                "AWS-GatherSoftwareInventory",
                "rate(30 minutes)",
                "Success",
                &[("Success", 3)],
            ),
            association(
                "1a2b3c4d-0000-4000-8000-000000000002",
                "Patch-Scan-Daily",
                "AWS-RunPatchBaseline",
                "cron(0 1 * * ? *)",
                "Failed",
                &[("Failed", 2), ("Success", 1)],
            ),
        ],
        at,
    });
    feed(FeedEvent::AssociationsLoaded {
        scope: 1,
        items: vec![association(
            "1a2b3c4d-0000-4000-8000-000000000003",
            "SSMAgent-Update",
            "AWS-UpdateSSMAgent",
            "cron(0 3 ? * SUN *)",
            "Pending",
            &[("Pending", 1)],
        )],
        at,
    });
    feed(FeedEvent::WindowsLoaded {
        scope: 0,
        items: vec![
            window(
                "mw-0aaaaaaaaaaaaaaa1",
                "prod-linux-patch-wave1",
                "cron(0 2 ? * SUN *)",
                true,
                &[38, 206],
            ),
            window(
                "mw-0aaaaaaaaaaaaaaa2",
                "prod-fleet-reboot",
                "cron(30 3 ? * THU *)",
                true,
                &[111],
            ),
            window(
                "mw-0aaaaaaaaaaaaaaa3",
                "legacy-prod-patching",
                "cron(0 1 ? * MON *)",
                false,
                &[],
            ),
        ],
        at,
    });
    feed(FeedEvent::WindowsLoaded {
        scope: 1,
        items: vec![window(
            "mw-0bbbbbbbbbbbbbbb1",
            "dev-inventory-refresh",
            "rate(12 hours)",
            true,
            &[1, 13, 25, 37, 49, 61, 73, 85, 97, 109, 121, 133, 145, 157],
        )],
        at,
    });
    feed(FeedEvent::CalendarsLoaded {
        scope: 1,
        items: vec![ChangeCalendar {
            scope: 1,
            name: "dev-release-slots".into(),
            content: parse_icalendar(SLOTS),
        }],
        at,
    });
    feed(FeedEvent::CalendarsLoaded {
        scope: 0,
        items: vec![ChangeCalendar {
            scope: 0,
            name: "prod-change-freeze".into(),
            content: parse_icalendar(FREEZE),
        }],
        at,
    });
    app
}

fn association_detail() -> AssociationDetail {
    let target = |id: &str, status: &str| AssociationTarget {
        resource_id: id.into(),
        resource_type: "ManagedInstance".into(),
        status: status.into(),
        detailed_status: status.into(),
        last_execution: Some(t0() - Duration::minutes(49)),
        output_source_id: "c0ffee00-0000-4000-8000-000000000001".into(),
    };
    let exec = |n: i64, status: &str, counts: &str| AssociationExecution {
        execution_id: format!("e0000000-0000-4000-8000-00000000000{n}"),
        status: status.into(),
        detailed_status: status.into(),
        created: Some(t0() - Duration::minutes(50) - Duration::days(n)),
        last_execution: Some(t0() - Duration::minutes(48) - Duration::days(n)),
        resource_counts: counts.into(),
    };
    AssociationDetail {
        association: association(
            "1a2b3c4d-0000-4000-8000-000000000002",
            "Patch-Scan-Daily",
            "AWS-RunPatchBaseline",
            "cron(0 1 * * ? *)",
            "Failed",
            &[("Failed", 2), ("Success", 1)],
        ),
        compliance_severity: "CRITICAL".into(),
        max_concurrency: "50".into(),
        max_errors: "10%".into(),
        executions: vec![
            exec(0, "Failed", "{Failed=2,Success=1}"),
            exec(1, "Success", "{Success=3}"),
        ],
        targets: vec![
            target("i-0a1b2c3d4e5f60001", "Success"),
            target("i-0a1b2c3d4e5f60002", "Failed"),
            target("i-0a1b2c3d4e5f60003", "Failed"),
        ],
        failing_nodes: vec![InstanceAssociationStatus {
            association_id: "1a2b3c4d-0000-4000-8000-000000000002".into(),
            association_name: "Patch-Scan-Daily".into(),
            document: "AWS-RunPatchBaseline".into(),
            instance_id: "i-0a1b2c3d4e5f60002".into(),
            status: "Failed".into(),
            detailed_status: "Failed".into(),
            execution_date: Some(t0() - Duration::minutes(49)),
            execution_summary:
                "1 out of 1 plugin processed, 0 success, 1 failed, 0 timedout, 0 skipped. ".into(),
            error_code: "1".into(),
        }],
        fetched: t0() - Duration::seconds(5),
    }
}

fn window_detail() -> WindowDetail {
    let w = window(
        "mw-0aaaaaaaaaaaaaaa1",
        "prod-linux-patch-wave1",
        "cron(0 2 ? * SUN *)",
        true,
        &[38, 206],
    );
    let inv = |n: u32, status: &str| WindowInvocation {
        invocation_id: format!("inv-{n}"),
        execution_id: format!("c0ffee00-0000-4000-8000-00000000000{n}"),
        status: status.into(),
        details: if status == "FAILED" {
            "Failed on i-0a1b2c3d4e5f60002: exit code 1".into()
        } else {
            String::new()
        },
        start: Some(t0() - Duration::days(6)),
        end: Some(t0() - Duration::days(6) + Duration::minutes(9)),
        target_id: "t-1".into(),
        owner: "prod-ops".into(),
    };
    WindowDetail {
        window: w.clone(),
        created: Some(t0() - Duration::days(400)),
        modified: Some(t0() - Duration::days(30)),
        targets: vec![WindowTarget {
            target_id: "t-1".into(),
            name: "prod-linux-wave1-nodes".into(),
            resource_type: "INSTANCE".into(),
            targets: vec![("tag:Patch Group".into(), vec!["prod-linux-wave1".into()])],
            owner: "prod-ops".into(),
        }],
        tasks: vec![
            WindowTask {
                task_id: "task-1".into(),
                name: "patch-install".into(),
                arn: "AWS-RunPatchBaseline".into(),
                task_type: "RUN_COMMAND".into(),
                priority: 5,
                max_concurrency: "10%".into(),
                max_errors: "1".into(),
            },
            WindowTask {
                task_id: "task-2".into(),
                name: "agent-update".into(),
                arn: "AWS-UpdateSSMAgent".into(),
                task_type: "RUN_COMMAND".into(),
                priority: 10,
                max_concurrency: "10%".into(),
                max_errors: "1".into(),
            },
        ],
        executions: vec![
            WindowExecution {
                execution_id: "x-1".into(),
                status: "FAILED".into(),
                details: "One or more tasks in the orchestration failed.".into(),
                start: Some(t0() - Duration::days(6)),
                end: Some(t0() - Duration::days(6) + Duration::minutes(20)),
                tasks: vec![WindowTaskRun {
                    task_execution_id: "te-1".into(),
                    arn: "AWS-RunPatchBaseline".into(),
                    task_type: "RUN_COMMAND".into(),
                    status: "FAILED".into(),
                    details: "One or more invocations failed.".into(),
                    start: Some(t0() - Duration::days(6)),
                    end: Some(t0() - Duration::days(6) + Duration::minutes(10)),
                    invocations: vec![inv(1, "SUCCESS"), inv(2, "FAILED")],
                }],
            },
            WindowExecution {
                execution_id: "x-2".into(),
                status: "SUCCESS".into(),
                details: String::new(),
                start: Some(t0() - Duration::days(13)),
                end: Some(t0() - Duration::days(13) + Duration::minutes(18)),
                tasks: Vec::new(),
            },
        ],
        fetched: t0() - Duration::seconds(3),
    }
}

#[test]
fn associations_pane() {
    let mut app = app();
    app.take_effects();
    command(&mut app, "associations");
    assert_eq!(app.pane(), Pane::Associations);
    let effects = app.take_effects();
    assert!(effects.iter().any(|e| matches!(e,
        Effect::WantFeeds(f) if f.contains(Feed::Associations) && !f.contains(Feed::Windows))));
    insta::assert_snapshot!(draw(&mut app, 120, 40));
}

#[test]
fn association_detail_drills_down_and_jumps_to_a_failing_node() {
    let mut app = app();
    command(&mut app, "associations");
    // Failed first: the failing association is selected.
    app.take_effects();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Request(DetailRequest::Association {
            scope: 0,
            id: "1a2b3c4d-0000-4000-8000-000000000002".into(),
        })]
    );
    app.update(Msg::Feed(FeedEvent::AssociationDetailLoaded {
        scope: 0,
        detail: association_detail(),
    }));
    key(&mut app, KeyCode::Char('j'));
    insta::assert_snapshot!(draw(&mut app, 120, 40));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane(), Pane::Nodes);
    assert_eq!(
        app.panes
            .nodes
            .selected_node(&app.estate)
            .map(|n| n.instance_id.clone()),
        Some("i-0a1b2c3d4e5f60003".into())
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.pane(), Pane::Associations);
    assert!(app.panes.associations.open.is_some());
    key(&mut app, KeyCode::Esc);
    assert!(app.panes.associations.open.is_none());
}

#[test]
fn windows_pane_and_detail() {
    let mut app = app();
    command(&mut app, "windows");
    assert_eq!(app.pane(), Pane::Windows);
    insta::assert_snapshot!("windows_pane", draw(&mut app, 120, 40));
    app.take_effects();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Request(DetailRequest::Window {
            scope: 1,
            id: "mw-0bbbbbbbbbbbbbbb1".into(),
        })]
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    app.update(Msg::Feed(FeedEvent::WindowDetailLoaded {
        scope: 0,
        detail: window_detail(),
    }));
    insta::assert_snapshot!("window_detail", draw(&mut app, 120, 40));
}

#[test]
fn timeline_flags_windows_in_a_closure() {
    let mut app = app();
    command(&mut app, "timeline");
    assert_eq!(app.pane(), Pane::Timeline);
    insta::assert_snapshot!("timeline_by_scope", draw(&mut app, 120, 40));
    key(&mut app, KeyCode::Char('w'));
    key(&mut app, KeyCode::Char('j'));
    insta::assert_snapshot!("timeline_by_window", draw(&mut app, 120, 40));
    // Default-closed calendars shade what lies outside their open events on demand.
    key(&mut app, KeyCode::Char('c'));
    insta::assert_snapshot!("timeline_every_calendar", draw(&mut app, 120, 40));
}

#[test]
fn apply_now_asks_for_confirmation_and_read_only_ignores_it() {
    use ssm_cockpit::actions::ActionRequest;
    use ssm_cockpit::app::ActionDialog;
    let mut app = app();
    command(&mut app, "associations");
    key(&mut app, KeyCode::Char('a'));
    match &app.actions.dialog {
        Some(ActionDialog::Confirm(c)) => match &c.request {
            ActionRequest::StartAssociationsOnce(s) => {
                assert_eq!(
                    s.association_ids,
                    vec!["1a2b3c4d-0000-4000-8000-000000000002".to_string()]
                );
                assert_eq!(s.scope.account.id, "123456789012");
            }
            other => panic!("{other:?}"),
        },
        other => panic!("no confirmation: {other:?}"),
    }
    insta::assert_snapshot!("apply_now_confirmation", draw(&mut app, 120, 40));

    let mut ro = App::new(AppOptions {
        read_only: true,
        ..AppOptions::default()
    });
    discover(
        &mut ro,
        vec![scope("acme-prod", "123456789012", "eu-west-1")],
    );
    ro.update(Msg::Feed(FeedEvent::AssociationsLoaded {
        scope: 0,
        items: vec![association(
            "1a2b3c4d-0000-4000-8000-000000000002",
            "Patch-Scan-Daily",
            "AWS-RunPatchBaseline",
            "cron(0 1 * * ? *)",
            "Failed",
            &[("Failed", 2)],
        )],
        at: t0(),
    }));
    command(&mut ro, "associations");
    key(&mut ro, KeyCode::Char('a'));
    assert!(ro.actions.dialog.is_none());
}

#[test]
fn tiny_terminals_never_panic() {
    let mut app = app();
    for pane in ["associations", "windows", "timeline"] {
        command(&mut app, pane);
        for (w, h) in [(1, 1), (10, 3), (20, 6), (40, 12), (300, 80)] {
            draw(&mut app, w, h);
        }
        key(&mut app, KeyCode::Enter);
        for (w, h) in [(10, 3), (30, 8), (60, 20)] {
            draw(&mut app, w, h);
        }
        key(&mut app, KeyCode::Esc);
    }
}

#[test]
fn enter_on_the_timeline_shows_that_scopes_windows() {
    let mut app = app();
    command(&mut app, "timeline");
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane(), Pane::Windows);
    assert_eq!(
        app.pane_filter_text(),
        "account=210987654321 region=us-east-1"
    );
    assert_eq!(app.pane_row_count(), 1);
}

#[test]
fn a_detail_takes_the_keys_before_quit_and_help() {
    use ssm_cockpit::app::Overlay;
    let mut app = app();
    command(&mut app, "associations");
    key(&mut app, KeyCode::Enter);
    assert!(app.panes.associations.open.is_some());
    // `q` closes the detail, not the cockpit; `?` opens help over it.
    key(&mut app, KeyCode::Char('q'));
    assert!(app.panes.associations.open.is_none());
    assert!(!app.should_quit());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay(), &Overlay::Help);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay(), &Overlay::None);
    assert!(app.panes.associations.open.is_some());
    // `r` asks for the association again.
    app.take_effects();
    key(&mut app, KeyCode::Char('r'));
    assert_eq!(
        app.take_effects(),
        vec![Effect::Request(DetailRequest::Association {
            scope: 0,
            id: "1a2b3c4d-0000-4000-8000-000000000002".into(),
        })]
    );

    command(&mut app, "windows");
    key(&mut app, KeyCode::Enter);
    assert!(app.panes.windows.open.is_some());
    key(&mut app, KeyCode::Char('q'));
    assert!(app.panes.windows.open.is_none());
    assert!(!app.should_quit());
    assert_eq!(app.pane(), Pane::Windows);
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.pane(), Pane::Timeline);
}

#[test]
fn the_timeline_counts_its_lines_and_enter_filters_to_a_window() {
    let mut app = app();
    command(&mut app, "timeline");
    // One line per scope, then one per enabled window.
    assert_eq!(app.pane_row_count(), 2);
    assert!(!app.pane_has_filter());
    key(&mut app, KeyCode::Char('w'));
    assert_eq!(app.pane_row_count(), 3);
    key(&mut app, KeyCode::End);
    assert_eq!(app.panes.timeline.view.selected, 2);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane(), Pane::Windows);
    assert_eq!(
        app.pane_filter_text(),
        "account=210987654321 region=us-east-1 name=dev-inventory-refresh"
    );
    assert_eq!(app.pane_row_count(), 1);
}
