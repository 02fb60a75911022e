//! Drawing together with the app: what a draw records (click targets) and what the
//! progress line and the credentials banner read from the app's state.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::tests::{app, left_click, scope, t0};
use crate::app::{App, AppOptions, Drawn, Msg, OpsCol, Pane, TableColumn};
use crate::model::{Feed, FeedEvent};
use crate::ui::progress::{credentials_banner, label, loading};

/// The screen after a frame (drawn, what it learned applied, drawn again when that
/// changed the layout), one string per row.
fn draw(term: &mut Terminal<TestBackend>, app: &mut App) -> Vec<String> {
    for _ in 0..2 {
        let mut drawn = Drawn::default();
        let _ = term.draw(|f| drawn = crate::ui::render(f, app));
        if !app.update(Msg::Drawn(drawn)) {
            break;
        }
    }
    let buf = term.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

/// Column (in cells) and row of the first `text` on the screen.
fn find(screen: &[String], text: &str) -> Option<(u16, u16)> {
    screen.iter().enumerate().find_map(|(y, row)| {
        let at = row.find(text)?;
        let x = row[..at].chars().count();
        Some((u16::try_from(x).ok()?, u16::try_from(y).ok()?))
    })
}

#[test]
fn drawing_records_pane_bar_and_header_clicks() {
    let mut app = app();
    let Ok(mut term) = Terminal::new(TestBackend::new(120, 20));
    draw(&mut term, &mut app);
    // Line 2 of the screen: " 1 Nodes  2 Explorer  3 OpsCenter …".
    assert!(left_click(&mut app, 12, 1));
    assert_eq!(app.pane(), Pane::Explorer);
    assert!(left_click(&mut app, 25, 1));
    assert_eq!(app.pane(), Pane::OpsCenter);
    let screen = draw(&mut term, &mut app);
    let (before, _) = app.panes.ops.table.sort();
    let Some(col) = OpsCol::ALL
        .iter()
        .copied()
        .find(|c| *c != before && c.title().len() > 3)
    else {
        panic!("one column only");
    };
    let Some((x, y)) = find(&screen[2..], col.title()).map(|(x, y)| (x, y + 2)) else {
        panic!(
            "no header {:?} on screen:\n{}",
            col.title(),
            screen.join("\n")
        );
    };
    assert!(left_click(&mut app, x, y));
    assert_eq!(app.panes.ops.table.sort(), (col, false));
    assert!(left_click(&mut app, x, y));
    assert_eq!(app.panes.ops.table.sort(), (col, true));
    assert!(left_click(&mut app, 12, 1));
    assert_eq!(app.pane(), Pane::Explorer);
}

/// Three scopes, each nodes feed polling; none answered yet.
fn loading_app(context: &str) -> App {
    let mut app = App::new(AppOptions {
        context: context.into(),
        ..AppOptions::default()
    });
    app.set_now(Some(t0()));
    app.update(Msg::Feed(FeedEvent::ScopesDiscovered {
        scopes: vec![
            scope("acme-prod", "111111111111", "eu-west-1"),
            scope("acme-dev", "222222222222", "us-east-1"),
            scope("acme-data", "333333333333", "us-east-1"),
        ],
        note: None,
    }));
    for s in 0..3 {
        app.update(Msg::Feed(FeedEvent::FeedPolling {
            scope: s,
            feed: Feed::Nodes,
            at: t0(),
        }));
    }
    app
}

#[test]
fn load_gauge_counts_answered_scopes_and_goes_when_all_answered() {
    let mut app = loading_app("");
    let p = loading(&app).expect("loading");
    assert_eq!((p.answered, p.total), (0, 3));
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: Vec::new(),
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 1,
        error: "boom".into(),
        at: t0(),
    }));
    let p = loading(&app).expect("still loading");
    assert_eq!(label(&p), "loading 2/3 scopes");
    // The visible pane's feeds count too, where they are polled.
    app.update(Msg::Feed(FeedEvent::FeedPolling {
        scope: 0,
        feed: Feed::OpsItems,
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 2,
        nodes: Vec::new(),
        at: t0(),
    }));
    assert_eq!(loading(&app), None);
    app.show_pane(Pane::OpsCenter);
    let p = loading(&app).expect("opsitems pending in scope 0");
    assert_eq!((p.answered, p.total), (2, 3));
    app.update(Msg::Feed(FeedEvent::OpsItemsLoaded {
        scope: 0,
        items: Vec::new(),
        at: t0(),
    }));
    assert_eq!(loading(&app), None);
}

#[test]
fn credentials_banner_comes_on_a_credentials_failure_and_goes_on_success() {
    let mut app = loading_app("profile prod · eu-west-1");
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 0,
        error: "throttled".into(),
        at: t0(),
    }));
    assert_eq!(credentials_banner(&app), None);
    app.update(Msg::Feed(FeedEvent::ScopeFailed {
        scope: 1,
        error: "ExpiredToken".into(),
        at: t0(),
    }));
    app.update(Msg::Feed(FeedEvent::CredentialsFailed {
        error: "ExpiredToken".into(),
    }));
    assert_eq!(
        credentials_banner(&app).as_deref(),
        Some("credentials expired or missing — run: aws sso login --profile prod")
    );
    app.update(Msg::Feed(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: Vec::new(),
        at: t0(),
    }));
    assert_eq!(credentials_banner(&app), None);

    let mut app = loading_app("profile default chain");
    app.update(Msg::Feed(FeedEvent::CredentialsFailed {
        error: "no credentials".into(),
    }));
    assert_eq!(
        credentials_banner(&app).as_deref(),
        Some(
            "credentials expired or missing — run: aws sso login (or check AWS_PROFILE or aws configure)"
        )
    );
}
