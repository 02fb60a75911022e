//! Snapshot tests of the Parameter Store, patch baselines, documents and packages panes
//! and their detail views (SecureString values masked, then revealed), drawn on
//! ratatui's TestBackend at 120×40.

use chrono::Duration;
use crossterm::event::KeyCode;

mod ui_common;

use ssm_cockpit::app::{App, Effect, Msg, Overlay, Pane};
use ssm_cockpit::model::{
    ApprovalRule, DetailRequest, DocumentContent, DocumentDescription, DocumentDetail,
    DocumentParameter, DocumentSummary, DocumentVersion, Feed, FeedEvent, NodePatch,
    ParameterHistory, ParameterMeta, ParameterValue, ParameterVersion, PatchBaseline, PatchFilter,
    PatchGroupMapping, PatchState, SecretValue,
};
use ui_common::{app_at_t0, command, discover, draw, key, no_nodes, scope, t0, two_scopes, typed};

const SECRET: &str = "Tr0ub4dor-3-horse-staple";

fn param(name: &str, kind: &str, tier: &str, version: i64, days: i64) -> ParameterMeta {
    ParameterMeta {
        scope: 0,
        name: name.into(),
        param_type: kind.into(),
        tier: tier.into(),
        data_type: "text".into(),
        version,
        last_modified: Some(t0() - Duration::days(days)),
        last_modified_user: "arn:aws:iam::123456789012:role/ci-deployer".into(),
        description: String::new(),
        key_id: if kind == "SecureString" {
            "alias/aws/ssm".into()
        } else {
            String::new()
        },
        allowed_pattern: String::new(),
    }
}

fn parameters() -> Vec<ParameterMeta> {
    let mut pw = param(
        "/app/checkout/prod/db/password",
        "SecureString",
        "Standard",
        3,
        4,
    );
    pw.description = "Database master password (rotated)".into();
    vec![
        param("/app/checkout/prod/db/host", "String", "Standard", 1, 200),
        pw,
        param(
            "/app/checkout/prod/feature-flags",
            "StringList",
            "Standard",
            2,
            12,
        ),
        param(
            "/infra/cloudwatch-agent/config",
            "String",
            "Advanced",
            1,
            90,
        ),
    ]
}

fn history() -> ParameterHistory {
    let v = |n: i64, days: i64, labels: &[&str]| ParameterVersion {
        version: n,
        param_type: "SecureString".into(),
        tier: "Standard".into(),
        data_type: "text".into(),
        value: String::new(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
        description: "Database master password (rotated)".into(),
        key_id: "alias/aws/ssm".into(),
        last_modified: Some(t0() - Duration::days(days)),
        last_modified_user: "arn:aws:iam::123456789012:role/ci-deployer".into(),
    };
    ParameterHistory {
        scope: 0,
        name: "/app/checkout/prod/db/password".into(),
        versions: vec![
            v(1, 120, &[]),
            v(2, 60, &["previous"]),
            v(3, 4, &["current"]),
        ],
        at: t0(),
    }
}

fn masked_value() -> ParameterValue {
    ParameterValue {
        name: "/app/checkout/prod/db/password".into(),
        param_type: "SecureString".into(),
        version: 3,
        value: String::new(),
        secret: None,
        masked: true,
        data_type: "text".into(),
        last_modified: Some(t0() - Duration::days(4)),
    }
}

fn baselines() -> (Vec<PatchBaseline>, Vec<PatchGroupMapping>) {
    let filter = |k: &str, v: &[&str]| PatchFilter {
        key: k.into(),
        values: v.iter().map(|s| s.to_string()).collect(),
    };
    let custom = PatchBaseline {
        scope: 0,
        id: "pb-0a1b2c3d4e5f60718".into(),
        name: "acme-al2023-prod".into(),
        operating_system: "AMAZON_LINUX_2023".into(),
        description: "prod: security updates approved after 7 days, critical after 2".into(),
        default_baseline: false,
        global_filters: vec![filter("PRODUCT", &["*"])],
        rules: vec![
            ApprovalRule {
                filters: vec![
                    filter("CLASSIFICATION", &["Security"]),
                    filter("SEVERITY", &["Critical"]),
                ],
                compliance_level: "CRITICAL".into(),
                approve_after_days: Some(2),
                approve_until: None,
                enable_non_security: false,
            },
            ApprovalRule {
                filters: vec![filter("CLASSIFICATION", &["Security"])],
                compliance_level: "HIGH".into(),
                approve_after_days: Some(7),
                approve_until: None,
                enable_non_security: false,
            },
        ],
        approved_patches: vec!["openssl-libs.x86_64:1:3.0.8-1.amzn2023.0.14".into()],
        approved_compliance_level: "HIGH".into(),
        rejected_patches: vec!["kernel-6.1.90-99.173.amzn2023".into()],
        rejected_action: "BLOCK".into(),
        patch_groups: vec!["prod-linux-wave1".into()],
        created: Some(t0() - Duration::days(300)),
        modified: Some(t0() - Duration::days(20)),
    };
    let aws = PatchBaseline {
        scope: 0,
        id: "arn:aws:ssm:eu-west-1:aws:patchbaseline/pb-0123456789abcdef0".into(),
        name: "AWS-DefaultPatchBaseline".into(),
        operating_system: "WINDOWS".into(),
        description: "Default Patch Baseline for WINDOWS Provided by AWS.".into(),
        default_baseline: true,
        global_filters: vec![filter("PRODUCT", &["*"])],
        rules: vec![ApprovalRule {
            filters: vec![filter("MSRC_SEVERITY", &["Critical", "Important"])],
            compliance_level: "UNSPECIFIED".into(),
            approve_after_days: None,
            approve_until: Some("2025-02-01".into()),
            enable_non_security: false,
        }],
        approved_patches: Vec::new(),
        approved_compliance_level: "UNSPECIFIED".into(),
        rejected_patches: Vec::new(),
        rejected_action: "ALLOW_AS_DEPENDENCY".into(),
        patch_groups: Vec::new(),
        created: Some(t0() - Duration::days(900)),
        modified: Some(t0() - Duration::days(400)),
    };
    let groups = vec![PatchGroupMapping {
        scope: 0,
        group: "prod-linux-wave1".into(),
        baseline_id: custom.id.clone(),
        baseline_name: custom.name.clone(),
        operating_system: custom.operating_system.clone(),
    }];
    (vec![custom, aws], groups)
}

fn patch_states() -> Vec<PatchState> {
    let state = |id: &str, missing: u32, failed: u32| {
        let mut p = PatchState::new(0, id);
        p.patch_group = "prod-linux-wave1".into();
        p.baseline_id = "pb-0a1b2c3d4e5f60718".into();
        p.installed = 120;
        p.missing = missing;
        p.failed = failed;
        p.operation = "Scan".into();
        p.operation_end = Some(t0() - Duration::hours(5));
        p
    };
    vec![
        state("i-0aaa1111bbbb2222c", 3, 1),
        state("i-0aaa1111bbbb2222d", 0, 0),
    ]
}

fn doc(name: &str, kind: &str, owner: &str, format: &str) -> DocumentSummary {
    DocumentSummary {
        scope: 0,
        name: name.into(),
        display_name: String::new(),
        owner: owner.into(),
        version_name: String::new(),
        platform_types: vec!["Linux".into(), "Windows".into()],
        document_version: "1".into(),
        document_type: kind.into(),
        schema_version: "2.2".into(),
        document_format: format.into(),
        target_type: String::new(),
        author: String::new(),
        created: Some(t0() - Duration::days(30)),
        tags: Vec::new(),
    }
}

fn documents() -> Vec<DocumentSummary> {
    vec![
        doc("AWS-RunPatchBaseline", "Command", "Amazon", "JSON"),
        doc("AWS-RestartEC2Instance", "Automation", "Amazon", "YAML"),
        doc("AWSSupport-TroubleshootSSH", "Automation", "Amazon", "YAML"),
        doc("acme-agent", "Package", "123456789012", "JSON"),
        doc("acme-prod-freeze", "ChangeCalendar", "123456789012", "TEXT"),
        doc("acme-rotate-logs", "Command", "123456789012", "YAML"),
        doc(
            "SSM-SessionManagerRunShell",
            "Session",
            "123456789012",
            "JSON",
        ),
        doc("partner-hardening", "Command", "999988887777", "JSON"),
    ]
}

fn package_detail() -> DocumentDetail {
    let content = r#"{"schemaVersion":"2.0","version":"1.4.2","publisher":"Acme","packages":{"amazon":{"_any":{"x86_64":{"file":"acme-agent-amazon-x86_64.zip"},"arm64":{"file":"acme-agent-amazon-arm64.zip"}}},"windows":{"_any":{"x86_64":{"file":"acme-agent-windows-x86_64.zip"}}}},"files":{}}"#;
    DocumentDetail {
        scope: 0,
        description: DocumentDescription {
            scope: 0,
            name: "acme-agent".into(),
            display_name: String::new(),
            description: "Acme monitoring agent".into(),
            owner: "123456789012".into(),
            status: "Active".into(),
            status_information: String::new(),
            document_version: "2".into(),
            version_name: "1.4.2".into(),
            latest_version: "2".into(),
            default_version: "2".into(),
            document_type: "Package".into(),
            document_format: "JSON".into(),
            schema_version: "2.0".into(),
            target_type: String::new(),
            platform_types: vec!["Linux".into(), "Windows".into()],
            parameters: vec![DocumentParameter {
                name: "installationType".into(),
                param_type: "String".into(),
                description: "Uninstall and reinstall, or in-place update".into(),
                default_value: Some("Uninstall and reinstall".into()),
            }],
            hash: String::new(),
            hash_type: String::new(),
            author: String::new(),
            created: Some(t0() - Duration::days(30)),
            tags: Vec::new(),
        },
        content: DocumentContent {
            name: "acme-agent".into(),
            display_name: String::new(),
            document_version: "2".into(),
            version_name: "1.4.2".into(),
            status: "Active".into(),
            document_type: "Package".into(),
            document_format: "JSON".into(),
            content: content.into(),
        },
        versions: vec![
            DocumentVersion {
                name: "acme-agent".into(),
                display_name: String::new(),
                document_version: "2".into(),
                version_name: "1.4.2".into(),
                created: Some(t0() - Duration::days(10)),
                is_default_version: true,
                document_format: "JSON".into(),
                status: "Active".into(),
            },
            DocumentVersion {
                name: "acme-agent".into(),
                display_name: String::new(),
                document_version: "1".into(),
                version_name: "1.3.0".into(),
                created: Some(t0() - Duration::days(30)),
                is_default_version: false,
                document_format: "JSON".into(),
                status: "Active".into(),
            },
        ],
        parameter_rules: Vec::new(),
    }
}

fn app() -> App {
    let mut app = app_at_t0("profile prod · 2 regions", false);
    discover(&mut app, two_scopes());
    let at = t0() - Duration::seconds(20);
    no_nodes(&mut app, 2, at);
    let mut feed = |e: FeedEvent| {
        app.update(Msg::Feed(e));
    };
    feed(FeedEvent::ParametersLoaded {
        scope: 0,
        items: parameters(),
        at,
    });
    feed(FeedEvent::ParametersLoaded {
        scope: 1,
        items: Vec::new(),
        at,
    });
    let (baselines, groups) = baselines();
    feed(FeedEvent::BaselinesLoaded {
        scope: 0,
        baselines,
        groups,
        at,
    });
    feed(FeedEvent::PatchLoaded {
        scope: 0,
        states: patch_states(),
        at,
    });
    feed(FeedEvent::DocumentsLoaded {
        scope: 0,
        items: documents(),
        at,
    });
    app
}

fn requests(app: &mut App) -> Vec<DetailRequest> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Request(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[test]
fn parameters_pane() {
    let mut app = app();
    command(&mut app, "parameters");
    assert_eq!(app.pane(), Pane::Parameters);
    assert!(app.wanted_feeds().contains(Feed::Parameters));
    assert!(!app.wanted_feeds().contains(Feed::Documents));
    insta::assert_snapshot!(draw(&mut app, 120, 40));
    // Path navigation: into /app, then /app/checkout, and back up.
    key(&mut app, KeyCode::Right);
    assert_eq!(app.panes.parameters.path, "/app");
    assert_eq!(app.pane_row_count(), 3);
    key(&mut app, KeyCode::Char('l'));
    assert_eq!(app.panes.parameters.path, "/app/checkout");
    key(&mut app, KeyCode::Char('l'));
    assert_eq!(app.panes.parameters.path, "/app/checkout/prod");
    assert_eq!(app.pane_row_count(), 3);
    insta::assert_snapshot!("parameters_in_a_path", draw(&mut app, 120, 12));
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Char('h'));
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.panes.parameters.path, "/");
    assert_eq!(app.pane_row_count(), 4);
}

#[test]
fn secure_string_masked_until_revealed() {
    let mut app = app();
    command(&mut app, "params");
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "type=securestring");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.pane_row_count(), 1);
    requests(&mut app);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay(), Overlay::Catalog(_)));
    let asked = requests(&mut app);
    assert!(
        asked
            .iter()
            .all(|r| !matches!(r, DetailRequest::ParameterValue { decrypt: true, .. })),
        "{asked:?}"
    );
    app.update(Msg::Feed(FeedEvent::ParameterHistoryLoaded {
        history: history(),
    }));
    app.update(Msg::Feed(FeedEvent::ParameterValueLoaded {
        scope: 0,
        value: masked_value(),
    }));
    let masked = draw(&mut app, 120, 40);
    assert!(!masked.contains(SECRET));
    insta::assert_snapshot!("secure_string_masked", masked);

    key(&mut app, KeyCode::Char('v'));
    let asked = requests(&mut app);
    assert!(asked.iter().any(|r| matches!(
        r,
        DetailRequest::ParameterValue { decrypt: true, name, .. } if name == "/app/checkout/prod/db/password"
    )));
    let mut revealed = masked_value();
    revealed.secret = Some(SecretValue::new(SECRET));
    revealed.masked = false;
    app.update(Msg::Feed(FeedEvent::ParameterValueLoaded {
        scope: 0,
        value: revealed,
    }));
    let shown = draw(&mut app, 120, 40);
    assert!(shown.contains(SECRET));
    insta::assert_snapshot!("secure_string_revealed", shown);

    // Closing forgets the plaintext; opening again shows it masked.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Enter);
    let again = draw(&mut app, 120, 40);
    assert!(!again.contains(SECRET));
    assert!(
        app.estate
            .parameter_value(0, "/app/checkout/prod/db/password", 3)
            .is_none_or(|v| v.secret.is_none())
    );
}

#[test]
fn baselines_pane_and_detail() {
    let mut app = app();
    command(&mut app, "baselines");
    assert_eq!(app.pane(), Pane::Baselines);
    assert!(app.wanted_feeds().contains(Feed::Baselines));
    assert!(app.wanted_feeds().contains(Feed::Patch));
    insta::assert_snapshot!("baselines_pane", draw(&mut app, 120, 40));
    requests(&mut app);
    // The custom baseline sorts first by name.
    key(&mut app, KeyCode::Enter);
    let asked = requests(&mut app);
    assert!(asked.iter().any(|r| matches!(
        r,
        DetailRequest::NodePatches { instance_id, .. } if instance_id == "i-0aaa1111bbbb2222c"
    )));
    let patch = |state: &str, sev: &str, title: &str| NodePatch {
        title: title.into(),
        kb_id: title.into(),
        classification: "Security".into(),
        severity: sev.into(),
        state: state.into(),
        installed_time: None,
        cves: String::new(),
    };
    app.update(Msg::Feed(FeedEvent::NodePatchesLoaded {
        scope: 0,
        instance_id: "i-0aaa1111bbbb2222c".into(),
        patches: vec![
            patch(
                "MISSING",
                "Critical",
                "openssl-libs.x86_64:1:3.0.8-1.amzn2023.0.15",
            ),
            patch("MISSING", "Important", "curl.x86_64:0:8.5.0-1.amzn2023.0.4"),
            patch("FAILED", "Medium", "sudo.x86_64:0:1.9.15-1.amzn2023.0.2"),
            patch("INSTALLED", "Low", "tzdata.noarch:0:2024a-1.amzn2023.0.1"),
        ],
        at: t0(),
    }));
    insta::assert_snapshot!("baseline_detail", draw(&mut app, 120, 60));
}

#[test]
fn documents_and_packages_panes() {
    let mut app = app();
    command(&mut app, "documents");
    assert_eq!(app.pane(), Pane::Documents);
    insta::assert_snapshot!("documents_pane", draw(&mut app, 120, 40));
    command(&mut app, "packages");
    assert_eq!(app.pane(), Pane::Packages);
    assert_eq!(app.pane_row_count(), 1);
    requests(&mut app);
    key(&mut app, KeyCode::Enter);
    let asked = requests(&mut app);
    assert!(asked.iter().any(|r| matches!(
        r,
        DetailRequest::Document { name, .. } if name == "acme-agent"
    )));
    app.update(Msg::Feed(FeedEvent::DocumentLoaded {
        scope: 0,
        detail: Box::new(package_detail()),
    }));
    insta::assert_snapshot!("package_detail", draw(&mut app, 120, 60));
    // `[` asks for the previous version of the document.
    key(&mut app, KeyCode::Char('['));
    let asked = requests(&mut app);
    assert!(asked.iter().any(|r| matches!(
        r,
        DetailRequest::Document { name, version: Some(v), .. } if name == "acme-agent" && v == "1"
    )));
    // Installing the package opens the Run Command form with AWS-ConfigureAWSPackage.
    key(&mut app, KeyCode::Char('i'));
    assert!(app.overlay() == &Overlay::None);
    let s = draw(&mut app, 120, 40);
    assert!(s.contains("AWS-ConfigureAWSPackage"), "{s}");
    assert!(s.contains("acme-agent"), "{s}");
}

#[test]
fn read_only_offers_no_changes() {
    let mut app = app_at_t0("read-only", true);
    let at = t0();
    discover(
        &mut app,
        vec![scope("acme-prod", "123456789012", "eu-west-1")],
    );
    app.update(Msg::Feed(FeedEvent::ParametersLoaded {
        scope: 0,
        items: parameters(),
        at,
    }));
    command(&mut app, "parameters");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('e'));
    let s = draw(&mut app, 120, 40);
    assert!(!s.contains("New value"), "{s}");
    assert!(!s.contains("e new version"), "{s}");
}

#[test]
fn a_put_version_shows_before_the_next_poll() {
    let mut app = app();
    command(&mut app, "parameters");
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "name=db/host");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('e'));
    assert!(matches!(app.overlay(), Overlay::Catalog(d) if d.editing.is_some()));
    typed(&mut app, "db2.internal");
    let s = draw(&mut app, 120, 40);
    assert!(s.contains("New value: version 2"), "{s}");
    assert!(s.contains("db2.internal"), "{s}");
    key(&mut app, KeyCode::Enter);
    // The confirmation of the actions flow takes over.
    assert_eq!(app.overlay(), &Overlay::None);
    let s = draw(&mut app, 120, 40);
    assert!(s.contains("Put parameter"), "{s}");
    app.update(Msg::Action(ssm_cockpit::actions::ActionEvent::Sent {
        run: 1,
        scope: scope("acme-prod", "123456789012", "eu-west-1"),
        action: "PutParameter",
        id: "/app/checkout/prod/db/host:2".into(),
        overridden: false,
    }));
    let p = app
        .estate
        .scope_parameters(0)
        .iter()
        .find(|p| p.name == "/app/checkout/prod/db/host")
        .expect("parameter");
    assert_eq!(p.version, 2);
}
