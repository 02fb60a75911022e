//! The first-load gauge and the credentials banner.

mod ui_common;

use ssm_cockpit::app::{App, AppOptions, Msg};
use ssm_cockpit::model::{Feed, FeedEvent, ManagedNode, PingStatus};
use ui_common::{draw, scope, t0};

/// Three scopes polling their nodes; only the first answered.
fn loading() -> App {
    let mut app = App::new(AppOptions {
        context: "profile prod · eu-west-1".into(),
        ..AppOptions::default()
    });
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![
            scope("acme-prod", "123456789012", "eu-west-1"),
            scope("acme-dev", "210987654321", "eu-west-1"),
            scope("acme-data", "555566667777", "eu-west-1"),
        ],
        note: Some("organization: 3 accounts".into()),
    }));
    for s in 0..3 {
        app.update(Msg::Feed(FeedEvent::FeedPolling {
            scope: s,
            feed: Feed::Nodes,
            at: t0(),
        }));
    }
    let mut n = ManagedNode::new(0, "i-0a1b2c3d4e5f60001");
    n.ping_status = PingStatus::Online;
    n.last_ping = Some(t0());
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![n],
        at: t0(),
    }));
    app
}

#[test]
fn gauge_while_scopes_load() {
    let mut app = loading();
    let screen = draw(&mut app, 100, 12);
    assert!(screen.contains("loading 1/3 scopes"), "{screen}");
    insta::assert_snapshot!(screen);
    for s in 1..3 {
        app.update(Msg::Feed(FeedEvent::NodesLoaded {
            scope: s,
            nodes: Vec::new(),
            at: t0(),
        }));
    }
    assert!(!draw(&mut app, 100, 12).contains("loading"));
}

#[test]
fn credentials_banner_until_a_poll_succeeds() {
    let mut app = loading();
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 1,
        error: "DescribeInstanceInformation: ExpiredTokenException: expired".into(),
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::CredentialsFailed {
        error: "DescribeInstanceInformation: ExpiredTokenException: expired".into(),
    }));
    let screen = draw(&mut app, 100, 12);
    assert!(
        screen
            .lines()
            .next()
            .is_some_and(|l| l.contains("aws sso login --profile prod")),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: Vec::new(),
        at: t0(),
    }));
    assert!(!draw(&mut app, 100, 12).contains("credentials expired"));
}
