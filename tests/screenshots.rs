//! Screenshots for the README, drawn from the demo estate: the real pollers against the
//! in-process sim, the real App and UI on ratatui's TestBackend, written as SVG.
//!
//! `cargo test --test screenshots -- --ignored` rewrites assets/screenshot-*.svg.
//! The ordinary run only checks that the SVG writer produces a well-formed picture.

use std::fmt::Write as _;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use tokio::sync::mpsc;

use ssm_cockpit::app::{App, AppOptions, Msg};
use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::FeedEvent;
use ssm_cockpit::poll::{PollOptions, run_estate};
use ssm_cockpit::sim::{self, SimConfig};
use ssm_cockpit::ui;

const CELL_W: f32 = 8.4;
const CELL_H: f32 = 17.0;

/// The xterm colours of the 16 named ones, for terminals' defaults.
fn named(c: Color) -> Option<&'static str> {
    Some(match c {
        Color::Black => "#15161e",
        Color::Red => "#f7768e",
        Color::Green => "#9ece6a",
        Color::Yellow => "#e0af68",
        Color::Blue => "#7aa2f7",
        Color::Magenta => "#bb9af7",
        Color::Cyan => "#7dcfff",
        Color::Gray => "#a9b1d6",
        Color::DarkGray => "#414868",
        Color::LightRed => "#ff899d",
        Color::LightGreen => "#9fe044",
        Color::LightYellow => "#faba4a",
        Color::LightBlue => "#8db0ff",
        Color::LightMagenta => "#c7a9ff",
        Color::LightCyan => "#a4daff",
        Color::White => "#c0caf5",
        _ => return None,
    })
}

fn hex(c: Color, default: &str) -> String {
    match c {
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Reset => default.to_string(),
        Color::Indexed(i) => {
            let v = i as u32;
            format!(
                "#{:02x}{:02x}{:02x}",
                (v * 37) % 256,
                (v * 91) % 256,
                (v * 53) % 256
            )
        }
        other => named(other).unwrap_or(default).to_string(),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The buffer as an SVG picture: a rect per run of background, a text span per run of style.
fn svg(buf: &Buffer) -> String {
    const BG: &str = "#1a1b26";
    const FG: &str = "#c0caf5";
    let area = buf.area;
    let (w, h) = (area.width as f32 * CELL_W, area.height as f32 * CELL_H);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="{BG}"/>"#);
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(x, y)];
            let bg = hex(cell.bg, BG);
            let mut end = x + 1;
            while end < area.width && hex(buf[(end, y)].bg, BG) == bg {
                end += 1;
            }
            if bg != BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{CELL_H}" fill="{bg}"/>"#,
                    x as f32 * CELL_W,
                    y as f32 * CELL_H,
                    (end - x) as f32 * CELL_W
                );
            }
            x = end;
        }
        let mut x = 0;
        while x < area.width {
            let cell = &buf[(x, y)];
            let style = (hex(cell.fg, FG), cell.modifier);
            let mut text = String::new();
            let mut end = x;
            while end < area.width {
                let c = &buf[(end, y)];
                if (hex(c.fg, FG), c.modifier) != style {
                    break;
                }
                text.push_str(c.symbol());
                end += 1;
            }
            if !text.trim().is_empty() {
                let weight = if style.1.contains(Modifier::BOLD) {
                    r#" font-weight="bold""#
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    r#"<text x="{:.1}" y="{:.1}" fill="{}"{weight} xml:space="preserve" textLength="{:.1}" lengthAdjust="spacingAndGlyphs">{}</text>"#,
                    x as f32 * CELL_W,
                    y as f32 * CELL_H + CELL_H * 0.78,
                    style.0,
                    (end - x) as f32 * CELL_W,
                    escape(&text)
                );
            }
            x = end.max(x + 1);
        }
    }
    out.push_str("</svg>\n");
    out
}

/// The demo estate loaded into an App, every scope answered and tags in.
async fn demo_app() -> App {
    let handle = sim::start(SimConfig {
        accounts: 6,
        regions: vec![
            "us-east-1".into(),
            "eu-west-1".into(),
            "ap-southeast-2".into(),
        ],
        nodes_per_scope: 30,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let aws = AwsOptions {
        profile: None,
        regions: vec![
            "us-east-1".into(),
            "eu-west-1".into(),
            "ap-southeast-2".into(),
        ],
        endpoint_url: Some(handle.endpoint().to_string()),
        static_credentials: Some(("AKIADEMOCOCKPIT00001".into(), "demo".into())),
        max_attempts: 3,
    };
    let poll = PollOptions {
        nodes_interval: Duration::from_secs(3600),
        tags_interval: Duration::from_secs(3600),
        rate_per_second: 50.0,
        role_name: "OrganizationAccountAccessRole".into(),
        with_tags: true,
        ..PollOptions::default()
    };
    let (tx, mut rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_estate(
        aws,
        AccountsConfig::default(),
        poll,
        tx,
        Default::default(),
    ));
    let mut app = App::new(AppOptions {
        context: "demo estate".into(),
        demo: true,
        ..AppOptions::default()
    });
    let mut tagged = 0;
    while tagged < 18 {
        let ev = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("demo estate answers")
            .expect("pollers running");
        if matches!(ev, FeedEvent::TagsLoaded { .. }) {
            tagged += 1;
        }
        app.update(Msg::Feed(ev));
    }
    task.abort();
    app
}

fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| ui::render(f, app)).expect("draw");
    t.backend().buffer().clone()
}

fn key(c: char) -> Msg {
    Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(c),
        crossterm::event::KeyModifiers::NONE,
    ))
}

#[test]
fn svg_writer_makes_a_well_formed_picture() {
    let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 4, 2));
    buf[(0, 0)]
        .set_symbol("<")
        .set_fg(Color::Red)
        .set_bg(Color::Blue);
    buf[(1, 0)].set_symbol("&");
    let s = svg(&buf);
    assert!(s.starts_with("<svg") && s.ends_with("</svg>\n"));
    assert!(s.contains("&lt;") && s.contains("&amp;"));
    assert!(
        s.contains(r##"fill="#7aa2f7""##),
        "background run of the blue cell"
    );
    assert_eq!(s.matches("<text").count(), 2, "{s}");
}

#[tokio::test]
#[ignore = "rewrites assets/screenshot-*.svg"]
async fn write_readme_screenshots() {
    let mut app = demo_app().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    std::fs::write(
        dir.join("screenshot-nodes.svg"),
        svg(&draw(&mut app, 160, 40)),
    )
    .unwrap();
    app.set_filter("platform=windows !ping=online");
    std::fs::write(
        dir.join("screenshot-filter.svg"),
        svg(&draw(&mut app, 160, 24)),
    )
    .unwrap();
    app.set_filter("");
    app.update(Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    )));
    std::fs::write(
        dir.join("screenshot-detail.svg"),
        svg(&draw(&mut app, 160, 40)),
    )
    .unwrap();
    app.update(Msg::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Esc,
        crossterm::event::KeyModifiers::NONE,
    )));
    app.update(key('?'));
    std::fs::write(
        dir.join("screenshot-help.svg"),
        svg(&draw(&mut app, 160, 40)),
    )
    .unwrap();
}
