//! Screenshots for the README, drawn from the demo estate: the real pollers against the
//! in-process sim, the real App and UI on ratatui's TestBackend, written as SVG.
//!
//! `cargo test --test screenshots -- --ignored` rewrites assets/screenshot-*.svg: every pane,
//! an OpsItem, a node's inventory, an `:app` query, the Run Command form, its confirmation,
//! the change calendar's refusal with the override word typed, and the live view (a real
//! run against the sim, written to a scratch audit log), the details
//! of an association, a maintenance window, a SecureString parameter (masked), a patch
//! baseline and a document, a shell tab and the wallboard.
//! The ordinary run only checks that the SVG writer produces a well-formed picture.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use tokio::sync::mpsc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ssm_cockpit::actions::{ActionEvent, ActionRunner, ActionSetup, Gate};
use ssm_cockpit::app::{
    ActionDialog, App, AppOptions, Effect, InventoryMode, Msg, Pane, WallboardOptions,
};
use ssm_cockpit::aws::{AwsOptions, SharedConnector, WriteAccess};
use ssm_cockpit::config::{AccountsConfig, ActionsConfig};
use ssm_cockpit::model::FeedEvent;
use ssm_cockpit::poll::{PollHandle, PollOptions, poll_control, run_estate};
use ssm_cockpit::session::client;
use ssm_cockpit::session::{SessionCommand, SessionEvent, SessionHandle, SessionId};
use ssm_cockpit::sim::{self, SimConfig};

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

/// The demo estate (src/main.rs's `demo_sim_config`) polled into an App; the test executes
/// the app's effects the way src/tui.rs does.
struct Demo {
    app: App,
    rx: mpsc::Receiver<FeedEvent>,
    poll: PollHandle,
    opts: PollOptions,
    task: tokio::task::JoinHandle<()>,
    /// TagsLoaded events seen.
    tagged: usize,
    connector: SharedConnector,
    sessions: HashMap<SessionId, SessionHandle>,
    session_tx: mpsc::Sender<(SessionId, SessionEvent)>,
    session_rx: mpsc::Receiver<(SessionId, SessionEvent)>,
    /// Runs the changes confirmed in the pictures (against the sim only).
    actions: ActionRunner,
    action_rx: mpsc::Receiver<ActionEvent>,
    _sim: sim::SimHandle,
}

/// A scratch audit log for the pictures' runs, empty at start (a fixed path, so the
/// pictures that show it do not change from run to run).
fn scratch_audit() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("ssm-cockpit-screenshots");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join("audit.jsonl")
}

impl Demo {
    async fn start() -> Demo {
        let cfg = SimConfig {
            accounts: 6,
            regions: vec![
                "us-east-1".into(),
                "eu-west-1".into(),
                "ap-southeast-2".into(),
            ],
            nodes_per_scope: 30,
            ..SimConfig::default()
        };
        let handle = sim::start(cfg.clone()).await.expect("sim");
        let aws = AwsOptions {
            profile: None,
            regions: cfg.regions.clone(),
            endpoint_url: Some(handle.endpoint().to_string()),
            static_credentials: Some((
                handle.credentials().access_key_id.clone(),
                handle.credentials().secret_access_key.clone(),
            )),
            max_attempts: 3,
        };
        let mut app = App::new(AppOptions {
            context: "demo estate".into(),
            demo: true,
            ..AppOptions::default()
        });
        let audit = scratch_audit();
        app.set_audit_path(Some(audit.clone()));
        let (poll, control) = poll_control(app.wanted_feeds());
        let opts = PollOptions {
            nodes_interval: Duration::from_secs(3600),
            tags_interval: Duration::from_secs(3600),
            rate_per_second: 50.0,
            role_name: "OrganizationAccountAccessRole".into(),
            with_tags: true,
            ..PollOptions::default()
        };
        let mut run = opts.clone();
        run.control = Some(control);
        let (tx, rx) = mpsc::channel(1024);
        let connector = SharedConnector::default();
        let task = tokio::spawn(run_estate(
            aws,
            AccountsConfig::default(),
            run,
            tx,
            connector.clone(),
        ));
        let (session_tx, session_rx) = mpsc::channel(1024);
        let (actions, action_rx) = ActionRunner::new(Some(ActionSetup {
            connector: connector.clone(),
            access: WriteAccess::unless_read_only(false, false).expect("operator mode"),
            role_name: opts.role_name.clone(),
            // The demo's prod-freeze calendar (DEFAULT_CLOSED) is closed at start: the run
            // is refused, then sent with the override word.
            gate: Gate::new(ActionsConfig {
                change_calendars: vec!["prod-freeze".into()],
                ..ActionsConfig::default()
            }),
            audit_path: Some(audit),
        }));
        Demo {
            app,
            rx,
            poll,
            opts,
            task,
            tagged: 0,
            connector,
            sessions: HashMap::new(),
            session_tx,
            session_rx,
            actions,
            action_rx,
            _sim: handle,
        }
    }

    /// Runs the app's effects: wanted feeds and requests go to the pollers.
    fn effects(&mut self) {
        for effect in self.app.take_effects() {
            match effect {
                Effect::WantFeeds(feeds) => self.poll.set_feeds(feeds),
                Effect::Request(r) => assert!(self.poll.request(r), "pollers gone"),
                Effect::OpenSession {
                    id,
                    target,
                    kind,
                    cols,
                    rows,
                } => {
                    let c = self.connector.get().cloned().expect("connected");
                    let h = client::spawn_with_connector(
                        c,
                        self.opts.role_name.clone(),
                        client::SessionSpec {
                            id,
                            target,
                            kind,
                            size: (cols, rows),
                            events: self.session_tx.clone(),
                            recording: None,
                        },
                    );
                    self.sessions.insert(id, h);
                }
                Effect::Session(id, SessionCommand::Close) => {
                    if let Some(h) = self.sessions.remove(&id) {
                        h.close();
                    }
                }
                Effect::Session(id, command) => {
                    if let Some(h) = self.sessions.get(&id) {
                        h.send(command);
                    }
                }
                Effect::Action(run) => self.actions.start(run),
                Effect::ActionRead(read) => self.actions.read(read),
                Effect::SaveCache { path, snapshot } => {
                    ssm_cockpit::poll::save_cache(&path, &snapshot).expect("cache written");
                }
            }
        }
    }

    fn update(&mut self, msg: Msg) {
        self.app.update(msg);
        self.effects();
    }

    /// Feeds the app poller events until `done`, or panics after a minute.
    async fn wait(&mut self, what: &str, done: impl Fn(&Demo) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        self.effects();
        while !done(self) {
            self.step(what, deadline, false).await;
        }
    }

    /// Applies the next poller, session or action event (with `tick`, also the
    /// one-second clock tick).
    async fn step(&mut self, what: &str, deadline: tokio::time::Instant, tick: bool) {
        let msg = tokio::time::timeout_at(deadline, async {
            tokio::select! {
                ev = self.rx.recv() => Msg::Feed(ev.expect("pollers running")),
                Some((id, ev)) = self.session_rx.recv() => Msg::Session(id, ev),
                Some(ev) = self.action_rx.recv() => Msg::Action(ev),
                _ = tokio::time::sleep(Duration::from_secs(1)), if tick => Msg::Tick,
            }
        })
        .await
        .unwrap_or_else(|_| panic!("timed out after 60 s waiting for {what}"));
        self.tagged += usize::from(matches!(msg, Msg::Feed(FeedEvent::TagsLoaded { .. })));
        self.update(msg);
    }

    /// Draws (160×40) and feeds events, clock ticks included, until the screen's text
    /// satisfies `done`, or panics after a minute.
    async fn wait_screen(&mut self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let text = screen_text(&draw(&mut self.app, 160, 40));
            self.effects();
            if done(&text) {
                return;
            }
            self.step(what, deadline, true).await;
        }
    }

    /// Waits for a detail overlay to have its answers (no "fetching"/"loading…" left).
    async fn wait_detail(&mut self, what: &str) {
        self.wait_screen(what, |t| {
            !t.contains("fetching details…") && !t.contains("loading…")
        })
        .await;
    }

    fn keys(&mut self, text: &str) {
        for c in text.chars() {
            self.update(key(c));
        }
    }

    /// Waits for every feed of `pane` to be fresh in every scope, then shows it.
    async fn show(&mut self, pane: Pane) {
        self.app.show_pane(pane);
        let feeds = pane.feeds();
        self.wait(&format!("the {} feeds", pane.title()), |d| {
            d.app.estate.complete(feeds)
        })
        .await;
    }

    fn shot(&mut self, name: &str, w: u16, h: u16) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
        let buf = draw(&mut self.app, w, h);
        self.effects();
        std::fs::write(dir.join(format!("screenshot-{name}.svg")), svg(&buf)).unwrap();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.task.abort();
        for h in self.sessions.values() {
            h.close();
        }
    }
}

fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    ssm_cockpit::tui::draw_frame(&mut t, app).expect("draw");
    t.backend().buffer().clone()
}

/// The buffer's characters, row by row.
fn screen_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
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

/// The screen of the focused shell.
fn shell_text(app: &App) -> String {
    app.focused_session()
        .map(|t| t.parser.screen().contents())
        .unwrap_or_default()
}

fn special(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "rewrites assets/screenshot-*.svg"]
async fn write_readme_screenshots() {
    let mut d = Demo::start().await;
    d.wait("the nodes and tags of 18 scopes", |d| {
        d.tagged >= 18 && d.app.estate.complete(Pane::Nodes.feeds())
    })
    .await;
    d.shot("nodes", 160, 40);
    d.app.set_filter("platform=windows !ping=online");
    d.shot("filter", 160, 24);
    d.app.set_filter("");
    d.update(special(KeyCode::Enter));
    d.shot("detail", 160, 40);
    d.update(special(KeyCode::Esc));
    d.update(key('?'));
    d.shot("help", 160, 64);
    d.update(special(KeyCode::Esc));

    d.show(Pane::Explorer).await;
    d.shot("explorer", 160, 40);

    d.show(Pane::OpsCenter).await;
    d.shot("opscenter", 160, 40);
    let (scope, id) = {
        let item = d.app.panes.ops.selected(&d.app.estate).expect("an OpsItem");
        (item.scope, item.id.clone())
    };
    d.update(special(KeyCode::Enter));
    d.wait("the OpsItem detail", |d| {
        d.app.estate.ops_item_detail(scope, &id).is_some()
    })
    .await;
    d.shot("opsitem", 160, 40);
    d.update(special(KeyCode::Esc));

    d.show(Pane::Compliance).await;
    d.shot("compliance", 160, 40);

    d.show(Pane::Inventory).await;
    // The node with the most applications: a picture worth looking at.
    let (scope, node) = d
        .app
        .estate
        .inventory()
        .filter(|r| r.type_name == "AWS:Application")
        .max_by_key(|r| r.entries.len())
        .map(|r| (r.scope, r.instance_id.clone()))
        .expect("application inventory");
    // The polled types of the node. Not open_inventory_of: its GetInventory (no
    // ResultAttributes) answers AWS:InstanceInformation only, and replaces them.
    d.app.panes.inventory.mode = InventoryMode::Node;
    d.app.panes.inventory.node = Some((scope, node));
    d.app.panes.inventory.type_name = Some("AWS:Application".into());
    d.app.show_pane(Pane::Inventory);
    d.shot("inventory", 160, 40);
    d.app.run_command("app openssl");
    d.wait("the :app openssl query", |d| {
        d.app.panes.inventory.query.answered(&d.app.estate)
    })
    .await;
    d.shot("inventory-query", 160, 40);

    d.show(Pane::Scopes).await;
    d.shot("scopes", 160, 40);

    // Run Command on three marked online Linux nodes: the form, the confirmation, and the
    // live view of the real run (the sim runs the script with bash).
    d.app.show_pane(Pane::Nodes);
    d.app.set_filter("platform=linux ping=online");
    d.keys("   r");
    d.keys("echo \"hello from $AWS_SSM_INSTANCE_ID in $AWS_SSM_REGION_NAME\"");
    d.update(special(KeyCode::Enter));
    d.keys("uname -s");
    d.shot("run-form", 160, 40);
    d.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('s'),
        KeyModifiers::CONTROL,
    )));
    d.shot("run-confirm", 160, 40);
    d.update(key('y'));
    d.wait("the change calendar's refusal", |d| {
        matches!(d.app.actions.dialog, Some(ActionDialog::Refused(_)))
    })
    .await;
    d.keys("BREAK-GLASS");
    d.shot("run-refused", 160, 40);
    d.update(special(KeyCode::Enter));
    d.wait("the run to finish", |d| {
        d.app.actions.live_run().is_some_and(|r| r.is_finished())
    })
    .await;
    d.wait_screen("the run's output", |t| t.contains("hello from i-"))
        .await;
    d.shot("run-live", 160, 40);
    // Esc closes the live view (the run is done; starting it cleared the marks), then
    // the filter, and with it the last note.
    d.update(special(KeyCode::Esc));
    d.update(special(KeyCode::Esc));

    d.show(Pane::Commands).await;
    d.shot("commands", 160, 40);
    d.show(Pane::Automations).await;
    d.shot("automations", 160, 40);
    d.app.show_pane(Pane::Audit);
    d.wait_screen("the audit rows", |t| t.contains("SendCommand"))
        .await;
    d.shot("audit", 160, 40);
    d.show(Pane::Activations).await;
    d.shot("activations", 160, 40);

    d.show(Pane::Associations).await;
    d.shot("associations", 160, 40);
    d.update(special(KeyCode::Enter));
    d.wait_detail("the association detail").await;
    d.shot("association", 160, 40);
    d.update(special(KeyCode::Esc));

    d.show(Pane::Windows).await;
    d.shot("windows", 160, 40);
    d.update(special(KeyCode::Enter));
    d.wait_detail("the maintenance window detail").await;
    d.shot("window", 160, 40);
    d.update(special(KeyCode::Esc));

    d.show(Pane::Timeline).await;
    d.shot("timeline", 160, 40);

    d.show(Pane::Parameters).await;
    d.shot("parameters", 160, 40);
    // A SecureString's detail: masked (nothing asked to decrypt it).
    d.update(key('/'));
    d.keys("type=securestring");
    d.update(special(KeyCode::Enter));
    d.update(special(KeyCode::Enter));
    d.wait_detail("the parameter detail").await;
    d.shot("parameter", 160, 48);
    d.update(special(KeyCode::Esc));

    d.show(Pane::Baselines).await;
    d.shot("baselines", 160, 40);
    d.update(special(KeyCode::Enter));
    d.wait_detail("the baseline detail").await;
    d.shot("baseline", 160, 48);
    d.update(special(KeyCode::Esc));

    d.show(Pane::Documents).await;
    d.shot("documents", 160, 40);
    d.update(key('/'));
    d.keys("AWS-RunPatchBaseline");
    d.update(special(KeyCode::Enter));
    d.update(special(KeyCode::Enter));
    d.wait_detail("the document detail").await;
    d.shot("document", 160, 48);
    d.update(special(KeyCode::Esc));

    d.show(Pane::Packages).await;
    d.shot("packages", 160, 40);

    // A shell on an online Linux node of the sim, with a command's output.
    d.app.show_pane(Pane::Nodes);
    d.app.set_filter("platform=linux ping=online");
    d.update(key('c'));
    draw(&mut d.app, 160, 40); // sizes the shell
    d.effects();
    d.wait("the shell's prompt", |d| shell_text(&d.app).contains('$'))
        .await;
    d.update(Msg::Paste("uname -s; ls -a; date -u".into()));
    d.update(special(KeyCode::Enter));
    // Output done: the prompt is back.
    d.wait("the shell's output", |d| {
        let t = shell_text(&d.app);
        t.contains("Linux") && t.trim_end().ends_with('$')
    })
    .await;
    d.shot("session", 160, 40);
    d.app.set_filter("");

    let opts = d.opts.clone();
    d.app.set_wallboard(WallboardOptions::new(
        vec![
            Pane::Explorer,
            Pane::OpsCenter,
            Pane::Compliance,
            Pane::Nodes,
        ],
        Duration::from_secs(20),
        |feed| opts.interval(feed),
    ));
    d.update(Msg::Tick);
    d.wait("the wallboard feeds", |d| {
        let a = &d.app;
        a.estate.complete(a.wallboard().expect("wallboard").feeds())
    })
    .await;
    d.shot("wallboard", 160, 48);
}
