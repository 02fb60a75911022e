//! Snapshot tests of the panes (Explorer, OpsCenter, Compliance, Inventory, Scopes), the
//! `:` command line and jumps to a node, drawn on ratatui's TestBackend at 120×40.

use std::collections::BTreeMap;

use chrono::Duration;
use crossterm::event::KeyCode;

mod ui_common;

use ssm_cockpit::app::{App, AppOptions, Effect, Msg, Overlay, Pane};
use ssm_cockpit::model::{
    ApplicationHit, ApplicationQuery, ComplianceItem, ComplianceSeverity, ComplianceSummary,
    DetailRequest, Feed, FeedEvent, FeedSet, InventoryRows, ManagedNode, OpsItem, OpsItemDetail,
    OpsItemEvent, OpsItemRelated, PatchState, PingStatus, PlatformType, ResourceCompliance,
    SeverityCounts,
};
use ui_common::{command, draw, key, scope, t0, typed};

fn node(id: &str, name: &str, ping: PingStatus, windows: bool, latest: bool) -> ManagedNode {
    let mut n = ManagedNode::new(0, id);
    n.ping_status = ping;
    n.platform_type = if windows {
        PlatformType::Windows
    } else {
        PlatformType::Linux
    };
    n.platform_name = if windows {
        "Microsoft Windows Server 2022".into()
    } else {
        "Amazon Linux".into()
    };
    n.platform_version = "2023".into();
    n.agent_version = if latest { "3.3.1142.0" } else { "3.2.582.0" }.into();
    n.is_latest_version = Some(latest);
    n.ip_address = "10.0.1.10".into();
    n.last_ping = Some(t0() - Duration::seconds(40));
    n.tags = Some(vec![("Name".into(), name.into())]);
    n
}

fn item(id: &str, title: &str, sev: &str, status: &str, source: &str, hours: i64) -> OpsItem {
    let mut i = OpsItem::new(0, id);
    i.title = title.into();
    i.severity = sev.into();
    i.status = status.into();
    i.source = source.into();
    i.category = "Availability".into();
    i.ops_item_type = "/aws/issue".into();
    i.created = Some(t0() - Duration::hours(hours));
    i.last_modified = i.created;
    i.created_by = "arn:aws:iam::123456789012:role/ops".into();
    i.last_modified_by = i.created_by.clone();
    i
}

fn counts(critical: u32, high: u32, medium: u32, low: u32) -> SeverityCounts {
    SeverityCounts {
        critical,
        high,
        medium,
        low,
        ..SeverityCounts::default()
    }
}

fn resource(id: &str, worst: ComplianceSeverity, n: u32) -> ResourceCompliance {
    ResourceCompliance {
        scope: 0,
        resource_id: id.into(),
        resource_type: "ManagedInstance".into(),
        compliance_type: "Patch".into(),
        status: "NON_COMPLIANT".into(),
        worst_severity: worst,
        compliant: counts(0, 0, 3, 10),
        non_compliant: SeverityCounts {
            critical: u32::from(worst == ComplianceSeverity::Critical) * n,
            high: u32::from(worst == ComplianceSeverity::High) * n,
            medium: u32::from(worst == ComplianceSeverity::Medium) * n,
            ..SeverityCounts::default()
        },
        execution_id: "exec-1".into(),
        execution_time: Some(t0() - Duration::hours(3)),
    }
}

fn app_entries(apps: &[(&str, &str)]) -> Vec<Vec<(String, String)>> {
    apps.iter()
        .map(|(name, version)| {
            vec![
                ("Name".to_string(), name.to_string()),
                ("Publisher".to_string(), "Amazon".to_string()),
                ("Version".to_string(), version.to_string()),
            ]
        })
        .collect()
}

/// Two scopes answered every feed; a third has not answered.
fn app() -> App {
    let mut app = App::new(AppOptions {
        context: "profile prod · 3 regions".into(),
        read_only: true,
        theme: Default::default(),
        demo: false,
        demo_unsandboxed: None,
    });
    app.set_now(Some(t0()));
    let at = t0() - Duration::seconds(20);
    let feed = |app: &mut App, e: FeedEvent| {
        app.update(Msg::Feed(e));
    };
    feed(
        &mut app,
        FeedEvent::ScopesDiscovered {
            scopes: vec![
                scope("acme-prod", "123456789012", "eu-west-1"),
                scope("acme-dev", "210987654321", "us-east-1"),
                scope("acme-data", "555566667777", "ap-southeast-2"),
            ],
            note: Some("organization: 3 accounts".into()),
        },
    );
    feed(
        &mut app,
        FeedEvent::NodesLoaded {
            scope: 0,
            nodes: vec![
                node(
                    "i-0a1b2c3d4e5f60001",
                    "web-1",
                    PingStatus::Online,
                    false,
                    true,
                ),
                node(
                    "i-0a1b2c3d4e5f60002",
                    "web-2",
                    PingStatus::ConnectionLost,
                    false,
                    false,
                ),
                node(
                    "i-0a1b2c3d4e5f60003",
                    "db-primary",
                    PingStatus::Online,
                    false,
                    true,
                ),
                node(
                    "i-0a1b2c3d4e5f60004",
                    "ad-1",
                    PingStatus::Online,
                    true,
                    false,
                ),
            ],
            at,
        },
    );
    feed(
        &mut app,
        FeedEvent::NodesLoaded {
            scope: 1,
            nodes: vec![
                node(
                    "i-0fedcba9876540001",
                    "web-dev",
                    PingStatus::Online,
                    false,
                    true,
                ),
                node(
                    "i-0fedcba9876540002",
                    "batch",
                    PingStatus::Inactive,
                    false,
                    true,
                ),
            ],
            at,
        },
    );
    let mut disk = item(
        "oi-0a1b2c3d4e5f",
        "Disk almost full on web-2",
        "2",
        "Open",
        "EC2",
        30,
    );
    disk.resources = vec!["arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f60002".into()];
    disk.runbooks = vec!["AWS-ExtendEbsVolume".into()];
    disk.operational_data = vec![
        ("/aws/resources".into(), "[...]".into()),
        ("Env".into(), "prod".into()),
    ];
    feed(
        &mut app,
        FeedEvent::OpsItemsLoaded {
            scope: 0,
            items: vec![
                disk,
                item(
                    "oi-111111111111",
                    "CPU credit balance exhausted",
                    "3",
                    "InProgress",
                    "CloudWatch",
                    5,
                ),
                item(
                    "oi-222222222222",
                    "Patch baseline drift",
                    "1",
                    "Open",
                    "SSM",
                    80,
                ),
                item(
                    "oi-333333333333",
                    "Old snapshot cleaned up",
                    "4",
                    "Resolved",
                    "EC2",
                    400,
                ),
            ],
            at,
        },
    );
    feed(
        &mut app,
        FeedEvent::OpsItemsLoaded {
            scope: 1,
            items: vec![item(
                "oi-444444444444",
                "Lambda errors spiking",
                "2",
                "Open",
                "CloudWatch",
                2,
            )],
            at,
        },
    );
    feed(
        &mut app,
        FeedEvent::ComplianceLoaded {
            scope: 0,
            summaries: vec![
                ComplianceSummary {
                    scope: 0,
                    compliance_type: "Patch".into(),
                    compliant: counts(0, 0, 1, 1),
                    non_compliant: counts(1, 1, 0, 0),
                },
                ComplianceSummary {
                    scope: 0,
                    compliance_type: "Association".into(),
                    compliant: counts(0, 0, 0, 4),
                    non_compliant: counts(0, 0, 0, 0),
                },
            ],
            resources: vec![
                resource("i-0a1b2c3d4e5f60002", ComplianceSeverity::Critical, 3),
                resource("i-0a1b2c3d4e5f60004", ComplianceSeverity::High, 1),
            ],
            at,
        },
    );
    feed(
        &mut app,
        FeedEvent::ComplianceLoaded {
            scope: 1,
            summaries: vec![ComplianceSummary {
                scope: 1,
                compliance_type: "Patch".into(),
                compliant: counts(0, 0, 1, 0),
                non_compliant: counts(0, 0, 1, 0),
            }],
            resources: vec![resource(
                "i-0fedcba9876540002",
                ComplianceSeverity::Medium,
                2,
            )],
            at,
        },
    );
    let mut p1 = PatchState::new(0, "i-0a1b2c3d4e5f60002");
    p1.missing = 4;
    p1.failed = 1;
    let mut p2 = PatchState::new(0, "i-0a1b2c3d4e5f60004");
    p2.installed_pending_reboot = 2;
    let mut p3 = PatchState::new(0, "i-0a1b2c3d4e5f60001");
    p3.installed = 40;
    feed(
        &mut app,
        FeedEvent::PatchLoaded {
            scope: 0,
            states: vec![p1, p2, p3],
            at,
        },
    );
    feed(
        &mut app,
        FeedEvent::InventoryLoaded {
            scope: 0,
            rows: vec![
                InventoryRows {
                    scope: 0,
                    instance_id: "i-0a1b2c3d4e5f60001".into(),
                    type_name: "AWS:Application".into(),
                    capture_time: "2025-03-01T11:00:00Z".into(),
                    schema_version: "1.1".into(),
                    entries: app_entries(&[
                        ("nginx", "1.24.0"),
                        ("openssl", "3.0.8"),
                        ("amazon-ssm-agent", "3.3.1142.0"),
                    ]),
                },
                InventoryRows {
                    scope: 0,
                    instance_id: "i-0a1b2c3d4e5f60001".into(),
                    type_name: "AWS:Network".into(),
                    capture_time: "2025-03-01T11:00:00Z".into(),
                    schema_version: "1.0".into(),
                    entries: vec![vec![
                        ("IPV4".into(), "10.0.1.10".into()),
                        ("MacAddress".into(), "0a:1b:2c:3d:4e:5f".into()),
                        ("Name".into(), "eth0".into()),
                    ]],
                },
            ],
            at,
        },
    );
    app
}

#[test]
fn explorer_pane() {
    let mut app = app();
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.pane(), Pane::Explorer);
    insta::assert_snapshot!(draw(&mut app, 120, 40));
}

#[test]
fn explorer_shows_the_org_wide_totals_of_a_resource_data_sync() {
    let mut app = app();
    app.update(Msg::Feed(FeedEvent::ExplorerLoaded {
        scope: 0,
        source: ssm_cockpit::model::ExplorerSource::Sync("org-sync".into()),
        aggregates: vec![
            ssm_cockpit::model::OpsAggregate {
                type_name: "AWS:InstanceInformation".into(),
                attribute: "PingStatus".into(),
                counts: vec![("Online".into(), 1200), ("ConnectionLost".into(), 34)],
            },
            ssm_cockpit::model::OpsAggregate {
                type_name: "AWS:OpsItem".into(),
                attribute: "Status".into(),
                counts: vec![
                    ("Open".into(), 7),
                    ("InProgress".into(), 2),
                    ("Resolved".into(), 40),
                ],
            },
        ],
        at: t0(),
    }));
    key(&mut app, KeyCode::Char('2'));
    let screen = draw(&mut app, 160, 40);
    assert!(
        screen.contains("org-wide (sync org-sync): 1,234 nodes, 9 open OpsItems"),
        "{screen}"
    );
    assert!(screen.contains("in the scopes shown"), "{screen}");
}

#[test]
fn explorer_pane_loading() {
    let mut app = App::new(AppOptions::default());
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![scope("acme-prod", "123456789012", "eu-west-1")],
        note: None,
    }));
    key(&mut app, KeyCode::Char('2'));
    insta::assert_snapshot!(draw(&mut app, 120, 40));
}

#[test]
fn opscenter_pane() {
    let mut app = app();
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.pane(), Pane::OpsCenter);
    insta::assert_snapshot!(draw(&mut app, 120, 40));
}

#[test]
fn opscenter_filter_and_sort() {
    let mut app = app();
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "status=open !source=ssm");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('<'));
    key(&mut app, KeyCode::Char('S'));
    let screen = draw(&mut app, 120, 20);
    assert!(screen.contains("oi-0a1b2c3d4e5f"), "{screen}");
    assert!(!screen.contains("oi-222222222222"), "{screen}");
    assert!(!screen.contains("oi-333333333333"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn opsitem_detail_and_jump_to_node_and_back() {
    let mut app = app();
    key(&mut app, KeyCode::Char('3'));
    app.take_effects();
    // Severity 1 first, then the severity-2 items in scope order: the disk one is second.
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Enter);
    let req = DetailRequest::OpsItem {
        scope: 0,
        id: "oi-0a1b2c3d4e5f".into(),
    };
    assert_eq!(app.take_effects(), vec![Effect::Request(req)]);
    insta::assert_snapshot!("opsitem_detail_loading", draw(&mut app, 120, 40));

    let mut full = app.estate.scope_ops_items(0)[0].clone();
    full.description = "The root volume of web-2 is 97% full.\nLogs rotate hourly.".into();
    full.detailed = true;
    full.version = "3".into();
    app.update(Msg::Feed(FeedEvent::OpsItemDetailLoaded {
        scope: 0,
        detail: OpsItemDetail {
            item: full,
            events: vec![OpsItemEvent {
                event_id: "ev-1".into(),
                source: "aws.cloudwatch".into(),
                detail_type: "CloudWatch Alarm State Change".into(),
                detail: "{\"state\":\"ALARM\"}".into(),
                created_by: "cloudwatch".into(),
                created: Some(t0() - Duration::hours(29)),
            }],
            related: vec![OpsItemRelated {
                association_id: "a-1".into(),
                resource_type: "AWS::SSM::Document".into(),
                resource_uri: "arn:aws:ssm:eu-west-1::document/AWS-ExtendEbsVolume".into(),
                association_type: "RelatesTo".into(),
                created_by: "ops".into(),
                created: None,
            }],
            fetched: t0() - Duration::seconds(1),
        },
    }));
    insta::assert_snapshot!("opsitem_detail", draw(&mut app, 120, 40));

    // Enter on the node resource jumps to it; Esc comes back to the detail.
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane(), Pane::Nodes);
    assert_eq!(
        app.panes
            .nodes
            .selected_node(&app.estate)
            .map(|n| n.instance_id.as_str()),
        Some("i-0a1b2c3d4e5f60002")
    );
    assert_eq!(app.back_depth(), 1);
    let screen = draw(&mut app, 120, 16);
    assert!(screen.contains("Esc back"), "{screen}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.pane(), Pane::OpsCenter);
    assert!(matches!(app.overlay(), Overlay::OpsItem { .. }));
    assert_eq!(app.back_depth(), 0);
}

#[test]
fn compliance_pane() {
    let mut app = app();
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(app.pane(), Pane::Compliance);
    insta::assert_snapshot!(draw(&mut app, 120, 40));
}

#[test]
fn compliance_drill_down_and_jump() {
    let mut app = app();
    key(&mut app, KeyCode::Char('4'));
    app.take_effects();
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_effects(),
        vec![Effect::Request(DetailRequest::ComplianceItems {
            scope: 0,
            resource_id: "i-0a1b2c3d4e5f60002".into()
        })]
    );
    let items = ["KB5031364", "KB5032190", "openssl-3.0.8"]
        .iter()
        .enumerate()
        .map(|(i, id)| ComplianceItem {
            scope: 0,
            resource_id: "i-0a1b2c3d4e5f60002".into(),
            resource_type: "ManagedInstance".into(),
            compliance_type: "Patch".into(),
            id: id.to_string(),
            title: format!("Security update {id}"),
            status: if i == 2 { "COMPLIANT" } else { "NON_COMPLIANT" }.into(),
            severity: if i == 0 {
                ComplianceSeverity::Critical
            } else {
                ComplianceSeverity::Medium
            },
            details: Vec::new(),
            execution_id: "exec-1".into(),
            execution_type: "Command".into(),
            execution_time: Some(t0() - Duration::hours(3)),
        })
        .collect();
    app.update(Msg::Feed(FeedEvent::ComplianceItemsLoaded {
        scope: 0,
        resource_id: "i-0a1b2c3d4e5f60002".into(),
        items,
        at: t0(),
    }));
    insta::assert_snapshot!(draw(&mut app, 120, 40));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.pane(), Pane::Nodes);
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.pane(), Pane::Compliance);
    assert!(matches!(app.overlay(), Overlay::ComplianceItems { .. }));
}

#[test]
fn inventory_of_one_node() {
    let mut app = app();
    // `i` on the nodes pane opens the selected node's inventory (acme-dev sorts first).
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('j'));
    app.take_effects();
    key(&mut app, KeyCode::Char('i'));
    assert_eq!(app.pane(), Pane::Inventory);
    let effects = app.take_effects();
    assert!(
        effects.contains(&Effect::Request(DetailRequest::NodeInventory {
            scope: 0,
            instance_id: "i-0a1b2c3d4e5f60001".into(),
            type_name: None
        })),
        "{effects:?}"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::WantFeeds(f) if f.contains(Feed::Inventory)))
    );
    insta::assert_snapshot!("inventory_node", draw(&mut app, 120, 40));
    key(&mut app, KeyCode::Right);
    let screen = draw(&mut app, 120, 40);
    assert!(screen.contains("0a:1b:2c:3d:4e:5f"), "{screen}");
    // Filter by attribute name.
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "name=open");
    key(&mut app, KeyCode::Enter);
    let screen = draw(&mut app, 120, 40);
    assert!(
        screen.contains("openssl") && !screen.contains("nginx"),
        "{screen}"
    );
}

#[test]
fn inventory_application_query() {
    let mut app = app();
    app.take_effects();
    command(&mut app, "app openssl <3.0.10");
    assert_eq!(app.pane(), Pane::Inventory);
    assert!(
        app.take_effects()
            .contains(&Effect::Request(DetailRequest::Applications {
                name: "openssl".into()
            }))
    );
    insta::assert_snapshot!("inventory_query_loading", draw(&mut app, 120, 16));
    let hit = |scope, id: &str, version: &str| ApplicationHit {
        scope,
        instance_id: id.into(),
        name: "openssl".into(),
        version: version.into(),
        publisher: "OpenSSL".into(),
    };
    app.update(Msg::Feed(FeedEvent::ApplicationsLoaded {
        query: ApplicationQuery {
            name: "openssl".into(),
            hits: vec![
                hit(0, "i-0a1b2c3d4e5f60001", "3.0.8"),
                hit(0, "i-0a1b2c3d4e5f60002", "3.0.8"),
                hit(0, "i-0a1b2c3d4e5f60003", "3.0.13"),
                hit(1, "i-0fedcba9876540001", "1.1.1k"),
            ],
            failures: vec![(2, "AccessDenied".into())],
        },
    }));
    let screen = draw(&mut app, 120, 40);
    assert!(
        !screen.contains("i-0a1b2c3d4e5f60003"),
        "3.0.13 is not below 3.0.10"
    );
    insta::assert_snapshot!("inventory_query", screen);
}

#[test]
fn scopes_pane_and_scope_filter() {
    let mut app = app();
    app.update(Msg::Feed(FeedEvent::FeedFailed {
        scope: 1,
        feed: Feed::Patch,
        error: "AccessDeniedException: not authorized to perform ssm:DescribeInstancePatchStates"
            .into(),
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::FeedScheduled {
        scope: 0,
        feed: Feed::Nodes,
        next: Some(t0() + Duration::seconds(45)),
        active: true,
    }));
    let mut calls = BTreeMap::new();
    calls.insert("ssm:DescribeInstanceInformation".to_string(), 42u64);
    calls.insert("ssm:DescribeOpsItems".to_string(), 12);
    calls.insert("sts:AssumeRole".to_string(), 3);
    app.update(Msg::Feed(FeedEvent::ApiCalls { counts: calls }));
    command(&mut app, "scopes");
    assert_eq!(app.pane(), Pane::Scopes);
    insta::assert_snapshot!("scopes_pane", draw(&mut app, 120, 40));

    // The scope grammar narrows every pane.
    command(&mut app, "ops @acme-dev");
    assert_eq!(app.pane(), Pane::OpsCenter);
    assert_eq!(app.panes.ops.table.len(), 1);
    command(&mut app, "nodes region:eu-west-1");
    assert_eq!(app.visible_row_count(), 4);
    command(&mut app, "*");
    assert_eq!(app.visible_row_count(), 6);
    command(&mut app, "bogus");
    let screen = draw(&mut app, 120, 12);
    assert!(screen.contains("unknown command"), "{screen}");
}

#[test]
fn command_line_is_drawn() {
    let mut app = app();
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "ops @prod");
    insta::assert_snapshot!(draw(&mut app, 120, 10));
}

#[test]
fn tab_cycles_panes_and_asks_for_their_feeds() {
    let mut app = app();
    app.take_effects();
    let mut seen = Vec::new();
    for _ in 0..6 {
        key(&mut app, KeyCode::Tab);
        seen.push(app.pane());
        draw(&mut app, 120, 40);
    }
    assert_eq!(
        seen,
        Pane::ALL
            .iter()
            .cycle()
            .skip(1)
            .take(6)
            .copied()
            .collect::<Vec<_>>()
    );
    key(&mut app, KeyCode::BackTab);
    assert_eq!(app.pane(), Pane::Scopes);
    let wants: Vec<FeedSet> = app
        .take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::WantFeeds(f) => Some(f),
            _ => None,
        })
        .collect();
    assert!(wants.iter().any(|f| f.contains(Feed::OpsItems)));
    assert!(wants.iter().all(|f| f.contains(Feed::Nodes)));
}

#[test]
fn every_pane_survives_tiny_and_empty_screens() {
    for mut app in [app(), App::new(AppOptions::default())] {
        for p in 1..=6u8 {
            key(&mut app, KeyCode::Char(char::from(b'0' + p)));
            for (w, h) in [(1, 1), (10, 3), (40, 8), (80, 24), (200, 60)] {
                draw(&mut app, w, h);
            }
            for k in [
                KeyCode::Enter,
                KeyCode::Char('j'),
                KeyCode::Char('n'),
                KeyCode::Right,
                KeyCode::Esc,
                KeyCode::Esc,
            ] {
                key(&mut app, k);
                draw(&mut app, 100, 30);
            }
        }
    }
}
