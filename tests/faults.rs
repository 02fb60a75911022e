//! The cockpit under faults, end to end: the real app, the real pollers and the real SDK
//! against the in-process simulated estate, a frame drawn through `tui::draw_frame` into a
//! test backend after every change, as the terminal loop draws it. Each scenario starts a
//! fault while the cockpit runs, ends it, and checks:
//!
//! - no panic (the pollers still run, and no thread panicked);
//! - the scopes the fault does not touch stay fresh throughout;
//! - the scopes it touches are shown failed or stale within two cadences, with a plain
//!   reason (no Rust debug output anywhere on the screen or in a scope's error);
//! - every scope is fresh again within one cadence after the fault ends (plus the time the
//!   calls themselves take on a loaded machine, [`CALL_SLACK`]);
//! - the app keeps answering keys: pane switches, j/k and a filter are typed throughout,
//!   and the time from handing each key to the app until its frame is drawn is measured;
//!   its p99 must stay under [`KEY_P99_BOUND`] (p50 and p99 are printed per scenario).
//!
//! Freshness is read as the views read it: `App::freshness_of` (the one definition) per
//! scope, and the status bar's `N/M scopes fresh` on the drawn frame.
//!
//! The scenarios run concurrently, each against its own sim; see docs/faults.md.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use ssm_cockpit::app::{App, AppOptions, Effect, Msg};
use ssm_cockpit::aws::AwsOptions;
use ssm_cockpit::config::AccountsConfig;
use ssm_cockpit::model::{Cadences, Feed, FeedEvent, Freshness, ScopeState};
use ssm_cockpit::poll::{Backoff, PollHandle, PollOptions, poll_control, run_estate};
use ssm_cockpit::sim::{
    self, BadAnswer, BadAnswerRule, Hang, SimConfig, SimCredentials, SimHandle,
};
use ssm_cockpit::tui::draw_frame;

/// The poll cadence of every feed.
const CADENCE: Duration = Duration::from_secs(3);
/// What the calls themselves may add to a bound in cadences on a loaded 2-core machine
/// (every scenario runs at once): a poll's calls and their SDK retries, an AssumeRole, a
/// redraw.
const CALL_SLACK: Duration = Duration::from_millis(3000);
/// The bound on the p99 of key-to-frame times (the figures measured are printed).
const KEY_P99_BOUND: Duration = Duration::from_millis(250);
/// A key is typed this often.
const KEY_EVERY: Duration = Duration::from_millis(100);
/// The harness's clock: the app is ticked this often (ages move, as the terminal loop's
/// one-second tick moves them; finer here so that samples are current).
const TICK_EVERY: Duration = Duration::from_millis(250);
/// How long each fault lasts: long enough for two cadences and the calls to show it.
const FAULT_FOR: Duration = Duration::from_millis(2 * 3000 + 3000 + 500);
/// The region some faults are confined to; the other region must stay fresh.
const BAD_REGION: &str = "eu-west-1";
const REGIONS: [&str; 2] = ["us-east-1", BAD_REGION];

/// Panics anywhere in this test process (pollers, sims, the app).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
}

/// A fault, how it is started and ended, and what the cockpit must show meanwhile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The sim is stopped, then a new one starts on the same port (new session keys: the
    /// member account's assumed-role credentials are refused until renewed).
    KilledAndRestarted,
    /// Nothing listens when the cockpit starts; the sim comes up later.
    DownAtStart,
    /// Every call in one region is throttled.
    ThrottlingStorm,
    /// 20% of all calls fail with a 500.
    ServerErrors,
    /// Every answer takes 2 s (the cadence is 3 s).
    Latency,
    /// No call is answered.
    EveryCallHangs,
    /// One region answers with a gateway's HTML page.
    Html,
    /// One region's answers break off after 64 bytes.
    Truncated,
    /// One region's answers announce 20 MiB.
    Oversized,
    /// One region's answers have members of the wrong type.
    WrongTyped,
    /// The member account is denied.
    DeniedAccount,
    /// Every assumed-role credential issued so far expires.
    ExpiredCredentials,
}

impl Fault {
    const ALL: [Fault; 12] = [
        Fault::KilledAndRestarted,
        Fault::DownAtStart,
        Fault::ThrottlingStorm,
        Fault::ServerErrors,
        Fault::Latency,
        Fault::EveryCallHangs,
        Fault::Html,
        Fault::Truncated,
        Fault::Oversized,
        Fault::WrongTyped,
        Fault::DeniedAccount,
        Fault::ExpiredCredentials,
    ];

    fn name(self) -> &'static str {
        match self {
            Fault::KilledAndRestarted => "estate killed and restarted",
            Fault::DownAtStart => "estate down at start",
            Fault::ThrottlingStorm => "throttling storm",
            Fault::ServerErrors => "20% 500s",
            Fault::Latency => "2 s latency",
            Fault::EveryCallHangs => "every call hanging",
            Fault::Html => "HTML answer",
            Fault::Truncated => "truncated answer",
            Fault::Oversized => "oversized answer",
            Fault::WrongTyped => "wrong-typed answer",
            Fault::DeniedAccount => "denied account",
            Fault::ExpiredCredentials => "expired credentials mid-run",
        }
    }

    /// Which scopes the fault touches.
    fn touches(self, scope: &ScopeState, member: &str) -> bool {
        match self {
            Fault::KilledAndRestarted | Fault::DownAtStart | Fault::EveryCallHangs => true,
            Fault::ServerErrors | Fault::Latency => false,
            Fault::ThrottlingStorm
            | Fault::Html
            | Fault::Truncated
            | Fault::Oversized
            | Fault::WrongTyped => scope.scope.region == BAD_REGION,
            Fault::DeniedAccount | Fault::ExpiredCredentials => scope.scope.account.id == member,
        }
    }

    /// Words the error of a failed touched scope must contain (any one of the sets).
    fn reason(self, endpoint: &str) -> Vec<String> {
        let url = format!("{endpoint}/");
        match self {
            Fault::KilledAndRestarted => vec!["Connection refused".into()],
            Fault::DownAtStart => vec![],
            Fault::ThrottlingStorm => vec!["Throttl".into()],
            Fault::ServerErrors => vec!["500".into()],
            Fault::Latency | Fault::EveryCallHangs => vec![],
            Fault::Html => vec![format!(
                "HTTP 502 from {url}: text/html, not an AWS response"
            )],
            Fault::Truncated => vec![format!(
                "HTTP 200 from {url}: the answer broke off after 64 bytes of 4096"
            )],
            Fault::Oversized => vec!["16 MiB".into()],
            Fault::WrongTyped => vec![format!(
                "HTTP 200 from {url}: application/x-amz-json-1.1, an answer that could not be read"
            )],
            Fault::DeniedAccount => vec!["AccessDenied".into()],
            Fault::ExpiredCredentials => vec!["expired".into()],
        }
    }

    /// Whether the touched scopes must be shown failed or stale (else the fault is
    /// absorbed, or over before it can show).
    fn must_show(self) -> bool {
        !self.absorbed() && self != Fault::ExpiredCredentials
    }

    /// Faults the cockpit absorbs: 500s are retried, and answers 2 s late still come
    /// within the 3 s cadence. A poll may fail or take long now and then, but every scope
    /// has an answer younger than three cadences (one failed poll is tried again).
    fn absorbed(self) -> bool {
        matches!(self, Fault::ServerErrors | Fault::Latency)
    }

    /// Whether the touched scopes' calls fail outright (rather than hang, crawl or get
    /// retried): they must then be shown failed, with the reason.
    fn fails_calls(self) -> bool {
        matches!(
            self,
            Fault::KilledAndRestarted
                | Fault::Html
                | Fault::Truncated
                | Fault::Oversized
                | Fault::WrongTyped
                | Fault::DeniedAccount
        )
    }

    /// Extra time recovery may take beyond a cadence: answers delayed by the fault still
    /// on their way when it ends, or the start's calls.
    fn lingering(self) -> Duration {
        match self {
            Fault::Latency => LATENCY,
            // The start's own calls come first: the caller's identity, the organization's
            // accounts, the member account's role.
            Fault::DownAtStart => CALL_SLACK,
            _ => Duration::ZERO,
        }
    }
}

const LATENCY: Duration = Duration::from_secs(2);

/// Starts or ends `fault` on the sim.
fn set_fault(fault: Fault, h: &SimHandle, member: &str, on: bool) {
    let k = h.knobs();
    let bad = |answer| BadAnswerRule {
        answer,
        operation: None,
        region: Some(BAD_REGION.to_string()),
    };
    match fault {
        Fault::KilledAndRestarted | Fault::DownAtStart => {}
        Fault::ThrottlingStorm => k.throttle_region(BAD_REGION, on),
        Fault::ServerErrors => k.set_error_rate(if on { 0.2 } else { 0.0 }),
        Fault::Latency => k.set_latency(if on { LATENCY } else { Duration::ZERO }),
        Fault::EveryCallHangs => k.set_hang(Hang {
            all: on,
            ..Hang::default()
        }),
        Fault::Html | Fault::Truncated | Fault::Oversized | Fault::WrongTyped => {
            k.clear_bad_answers();
            if on {
                k.add_bad_answer(bad(match fault {
                    Fault::Html => BadAnswer::Html,
                    Fault::Truncated => BadAnswer::Truncated,
                    Fault::Oversized => BadAnswer::Oversized {
                        bytes: 20 << 20,
                        announced: true,
                    },
                    _ => BadAnswer::WrongShape,
                }));
            }
        }
        Fault::DeniedAccount => k.deny_account(member, on),
        Fault::ExpiredCredentials => {
            if on {
                h.expire_sessions();
            }
        }
    }
}

fn sim_config(listen: SocketAddr, credentials: Option<SimCredentials>) -> SimConfig {
    SimConfig {
        listen,
        accounts: 2,
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        nodes_per_scope: 3,
        credentials,
        ..SimConfig::default()
    }
}

async fn start_sim(listen: SocketAddr, credentials: Option<SimCredentials>) -> SimHandle {
    // The port was just released: binding it again may take a moment.
    let mut tries = 0;
    loop {
        match sim::start(sim_config(listen, credentials.clone())).await {
            Ok(h) => return h,
            Err(e) if tries < 50 => {
                tries += 1;
                eprintln!("sim on {listen}: {e}; trying again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("the sim cannot listen on {listen}: {e}"),
        }
    }
}

fn aws(endpoint: &str, creds: &SimCredentials) -> AwsOptions {
    common::sim_aws(endpoint, &REGIONS, creds, 3)
}

fn poll_options() -> PollOptions {
    PollOptions {
        rate_per_second: 50.0,
        role_name: "OrganizationAccountAccessRole".into(),
        // A start that failed is tried again within a cadence, so that "up again" is
        // seen within one (the default backoff grows to 30 s).
        start_retry_cap: CADENCE,
        // The retries of a throttled page, scaled down with the cadence as the rest of
        // the timings are (by default 0.5 s doubling to 20 s, against cadences of 15 s
        // and more).
        backoff: Backoff {
            tries: 4,
            base: Duration::from_millis(100),
            cap: CADENCE / 2,
        },
        ..PollOptions::default()
    }
    .every_feed(CADENCE)
}

/// The keys typed during a scenario, in a loop: pane switches, moves and a filter.
fn key_script() -> Vec<KeyEvent> {
    let mut keys = Vec::new();
    let typed = |keys: &mut Vec<KeyEvent>, text: &str| {
        for c in text.chars() {
            keys.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    };
    let code = |keys: &mut Vec<KeyEvent>, c| keys.push(KeyEvent::new(c, KeyModifiers::NONE));
    for pane in [":scopes", ":nodes"] {
        typed(&mut keys, pane);
        code(&mut keys, KeyCode::Enter);
        typed(&mut keys, "jjk");
    }
    typed(&mut keys, "/i-");
    code(&mut keys, KeyCode::Enter);
    typed(&mut keys, "jk");
    code(&mut keys, KeyCode::Esc);
    code(&mut keys, KeyCode::Esc);
    keys
}

/// The text of the last frame, one string per row.
fn frame_rows(term: &Terminal<TestBackend>) -> Vec<String> {
    let buf = term.backend().buffer();
    let area = buf.area;
    (area.top()..area.bottom())
        .map(|y| {
            (area.left()..area.right())
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// `(fresh, total)` from the status bar's `N/M scopes fresh`.
fn status_counts(rows: &[String]) -> Option<(usize, usize)> {
    rows.iter().rev().find_map(|row| {
        let at = row.find(" scopes fresh")?;
        let head = row[..at].split_whitespace().last()?;
        let (fresh, total) = head.split_once('/')?;
        Some((fresh.parse().ok()?, total.parse().ok()?))
    })
}

/// Rust debug output in user-facing text.
fn debug_output(text: &str) -> Option<&'static str> {
    [
        "StartEl {",
        "Error {",
        "aws_request_id",
        "Some(",
        "{ kind:",
        "\\\"",
    ]
    .into_iter()
    .find(|d| text.contains(d))
}

/// The cockpit as the terminal loop runs it, on a test backend.
struct Cockpit {
    app: App,
    term: Terminal<TestBackend>,
    rx: mpsc::Receiver<FeedEvent>,
    poll: PollHandle,
    pollers: JoinHandle<()>,
    keys: Vec<KeyEvent>,
    next_key: usize,
    last_key: Instant,
    last_tick: Instant,
    /// Key-to-frame times.
    latencies: Vec<Duration>,
    /// Status-bar counts that disagreed with the per-scope freshness twice in a row.
    disagreements: Vec<String>,
    disagreed_last: bool,
}

impl Cockpit {
    fn start(endpoint: &str, creds: &SimCredentials) -> Cockpit {
        let mut app = App::new(AppOptions {
            read_only: true,
            ..AppOptions::default()
        });
        app.set_audit_path(None);
        let opts = poll_options();
        app.set_cadences(Cadences::new(|f| opts.interval(f)));
        let (tx, rx) = mpsc::channel(4096);
        let (poll, control) = poll_control(app.wanted_feeds());
        let pollers = tokio::spawn(run_estate(
            aws(endpoint, creds),
            AccountsConfig::default(),
            PollOptions {
                control: Some(control),
                ..opts
            },
            tx,
            Default::default(),
        ));
        let term = Terminal::new(TestBackend::new(140, 36)).expect("test terminal");
        let mut c = Cockpit {
            app,
            term,
            rx,
            poll,
            pollers,
            keys: key_script(),
            next_key: 0,
            last_key: Instant::now(),
            last_tick: Instant::now(),
            latencies: Vec::new(),
            disagreements: Vec::new(),
            disagreed_last: false,
        };
        c.draw();
        c
    }

    fn draw(&mut self) {
        draw_frame(&mut self.term, &mut self.app).expect("frame drawn");
        self.effects();
    }

    /// The app's effects, as the terminal loop carries them out in read-only mode.
    fn effects(&mut self) {
        for effect in self.app.take_effects() {
            match effect {
                Effect::WantFeeds(feeds) => self.poll.set_feeds(feeds),
                Effect::Request(r) if !self.poll.request(r.clone()) => {
                    self.app.update(Msg::Feed(FeedEvent::DetailFailed {
                        request: r,
                        error: "no poller answers requests here".into(),
                    }));
                }
                _ => {}
            }
        }
    }

    /// One turn of the loop: the poller events that arrive within 40 ms, the clock, a
    /// key when one is due (timed until its frame is drawn), and a frame when anything
    /// changed.
    async fn step(&mut self, typing: bool) {
        let mut dirty = false;
        if let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(40), self.rx.recv()).await
        {
            dirty |= self.app.update(Msg::Feed(ev));
            for _ in 0..511 {
                match self.rx.try_recv() {
                    Ok(ev) => dirty |= self.app.update(Msg::Feed(ev)),
                    Err(_) => break,
                }
            }
        }
        if self.last_tick.elapsed() >= TICK_EVERY {
            self.last_tick = Instant::now();
            dirty |= self.app.update(Msg::Tick);
        }
        self.effects();
        if dirty {
            self.draw();
            self.check_status_bar();
        }
        if typing && self.last_key.elapsed() >= KEY_EVERY {
            self.last_key = Instant::now();
            let key = self.keys[self.next_key % self.keys.len()];
            self.next_key += 1;
            let handed = Instant::now();
            self.app.update(Msg::Key(key));
            self.effects();
            self.draw();
            self.latencies.push(handed.elapsed());
            self.check_status_bar();
        }
    }

    /// The freshness of every scope's nodes feed, as the views compute it.
    fn freshness(&self) -> Vec<(usize, Freshness)> {
        self.app
            .estate
            .scopes()
            .iter()
            .enumerate()
            .map(|(i, s)| (i, self.app.freshness_of(Feed::Nodes, s.feed(Feed::Nodes))))
            .collect()
    }

    /// Every scope known and fresh, by the one definition and on the status bar.
    fn all_fresh(&self) -> bool {
        let f = self.freshness();
        !f.is_empty()
            && f.iter().all(|(_, f)| f.is_fresh())
            && status_counts(&frame_rows(&self.term)) == Some((f.len(), f.len()))
    }

    /// Right after a frame: the status bar must count what the freshness function says
    /// (a disagreement once, the clock moving on between the two, is not one).
    fn check_status_bar(&mut self) {
        let rows = frame_rows(&self.term);
        let Some((fresh, total)) = status_counts(&rows) else {
            return;
        };
        let f = self.freshness();
        let counted = f.iter().filter(|(_, f)| f.is_fresh()).count();
        let agree = total == f.len() && fresh == counted;
        if !agree && self.disagreed_last {
            self.disagreements.push(format!(
                "status bar says {fresh}/{total} fresh, the scopes {counted}/{}",
                f.len()
            ));
        }
        self.disagreed_last = !agree;
    }

    /// Debug output on screen or in any scope's error.
    fn debug_text(&self) -> Option<String> {
        let screen = frame_rows(&self.term).join("\n");
        if let Some(d) = debug_output(&screen) {
            return Some(format!("{d:?} on screen:\n{screen}"));
        }
        for s in self.app.estate.scopes() {
            for feed in Feed::ALL {
                if let Some(e) = s.feed(feed).error.as_deref()
                    && let Some(d) = debug_output(e)
                {
                    return Some(format!("{d:?} in {} {feed}: {e}", s.scope.label()));
                }
            }
        }
        None
    }
}

/// What one scenario measured.
#[derive(Debug, Default)]
struct Outcome {
    /// From the fault's start until every touched scope was shown failed or stale.
    shown_after: Option<Duration>,
    /// From the fault's end until every scope was fresh again.
    recovered_after: Option<Duration>,
    /// The reasons shown for the touched scopes (a failed poll's error, else how they
    /// were stale).
    reasons: BTreeMap<String, String>,
    /// Other figures worth printing.
    notes: Vec<String>,
    p50: Duration,
    p99: Duration,
    keys: usize,
    failures: Vec<String>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Drives the cockpit until `done` holds or `limit` passes; how long it took.
async fn until(
    c: &mut Cockpit,
    limit: Duration,
    mut done: impl FnMut(&Cockpit) -> bool,
) -> Option<Duration> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        c.step(true).await;
        if done(c) {
            return Some(t0.elapsed());
        }
    }
    None
}

async fn run(fault: Fault) -> Outcome {
    let mut out = Outcome::default();
    let fail = |out: &mut Outcome, what: String| out.failures.push(what);

    // A free port, for the scenarios that take the sim down.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let creds = SimCredentials::random();
    let endpoint = format!("http://{free}");
    let mut handle = if fault == Fault::DownAtStart {
        None
    } else {
        Some(start_sim(free, Some(creds.clone())).await)
    };
    let member = {
        // The member account's id is the same in every sim of this shape.
        let probe = match &handle {
            Some(h) => h.accounts(),
            None => start_sim(SocketAddr::from(([127, 0, 0, 1], 0)), None)
                .await
                .accounts(),
        };
        probe[1].0.clone()
    };
    let mut c = Cockpit::start(&endpoint, &creds);
    let touched = |c: &Cockpit| -> Vec<usize> {
        c.app
            .estate
            .scopes()
            .iter()
            .enumerate()
            .filter(|(_, s)| fault.touches(s, &member))
            .map(|(i, _)| i)
            .collect()
    };

    let fault_start;
    if fault == Fault::DownAtStart {
        fault_start = Instant::now();
        // Down: the start is retried, and the status bar says so.
        let shown = until(&mut c, 2 * CADENCE + CALL_SLACK, |c| {
            frame_rows(&c.term)
                .iter()
                .any(|r| r.contains("↻ discovery: retrying"))
        })
        .await;
        match shown {
            Some(t) => out.shown_after = Some(t),
            None => fail(
                &mut out,
                format!(
                    "no \"↻ discovery: retrying\" within two cadences:\n{}",
                    frame_rows(&c.term).join("\n")
                ),
            ),
        }
        if let Some(e) = c.app.estate.discovery_error.clone() {
            out.reasons.insert("discovery".into(), e);
        }
        until(
            &mut c,
            FAULT_FOR.saturating_sub(fault_start.elapsed()),
            |_| false,
        )
        .await;
    } else {
        // Healthy first.
        if until(&mut c, Duration::from_secs(30), Cockpit::all_fresh)
            .await
            .is_none()
        {
            fail(
                &mut out,
                format!(
                    "never fresh before the fault:\n{}",
                    frame_rows(&c.term).join("\n")
                ),
            );
            return finish(c, out);
        }
        until(&mut c, CADENCE, |_| false).await;
        fault_start = Instant::now();
        if fault == Fault::KilledAndRestarted {
            if let Some(h) = handle.take() {
                h.shutdown().await;
            }
        } else if let Some(h) = &handle {
            set_fault(fault, h, &member, true);
        }
        let assume_roles = handle.as_ref().map(|h| h.stats().count("AssumeRole"));
        let touched_ids = touched(&c);
        let healthy: Vec<usize> = (0..c.app.estate.scopes().len())
            .filter(|i| !touched_ids.contains(i))
            .collect();
        let show_limit = 2 * CADENCE + CALL_SLACK;
        let mut unhealthy_seen = vec![false; c.app.estate.scopes().len()];
        let mut fresh_samples = vec![0usize; c.app.estate.scopes().len()];
        let mut samples = 0usize;
        let mut retried_reason = BTreeMap::new();
        while fault_start.elapsed() < FAULT_FOR {
            c.step(true).await;
            let f = c.freshness();
            samples += 1;
            for &i in &healthy {
                let (_, state) = f[i];
                if state.is_fresh() {
                    fresh_samples[i] += 1;
                }
                if state == Freshness::Failed {
                    let s = &c.app.estate.scopes()[i];
                    let why = s.error.clone().unwrap_or_default();
                    if let Some(d) = debug_output(&why) {
                        fail(&mut out, format!("{d:?} in {}: {why}", s.scope.label()));
                    }
                    retried_reason.entry(i).or_insert(why);
                }
                // See `Fault::absorbed`.
                let broken = if fault.absorbed() {
                    let s = &c.app.estate.scopes()[i];
                    let age = s
                        .feed(Feed::Nodes)
                        .last_success
                        .map(|t| (c.app.now() - t).to_std().unwrap_or_default());
                    age.is_none_or(|a| a > 3 * CADENCE + CALL_SLACK)
                } else {
                    !state.is_fresh()
                };
                if broken {
                    let s = &c.app.estate.scopes()[i];
                    fail(
                        &mut out,
                        format!(
                            "healthy scope {} went {state:?} at +{:?}: {:?}",
                            s.scope.label(),
                            fault_start.elapsed(),
                            s.error
                        ),
                    );
                }
            }
            for &i in &touched_ids {
                let (_, state) = f[i];
                if !state.is_fresh() {
                    unhealthy_seen[i] = true;
                    let s = &c.app.estate.scopes()[i];
                    let label = s.scope.label();
                    match state {
                        // A failed poll's error wins over a state name.
                        Freshness::Failed => {
                            out.reasons
                                .insert(label, s.error.clone().unwrap_or_default());
                        }
                        other => {
                            out.reasons.entry(label).or_insert(format!("{other:?}"));
                        }
                    }
                }
            }
            if out.shown_after.is_none()
                && !touched_ids.is_empty()
                && touched_ids.iter().all(|&i| unhealthy_seen[i])
            {
                out.shown_after = Some(fault_start.elapsed());
            }
            if out.failures.len() > 20 {
                break;
            }
        }
        if fault.absorbed() {
            for &i in &healthy {
                let share = fresh_samples[i] as f64 / samples.max(1) as f64;
                let label = c.app.estate.scopes()[i].scope.label();
                let failed = retried_reason
                    .get(&i)
                    .map_or(String::new(), |why| format!("; a poll failed: {why}"));
                out.notes.push(format!(
                    "{label}: fresh {:.0}% of the time{failed}",
                    share * 100.0
                ));
            }
        }
        if fault.must_show() {
            match out.shown_after {
                Some(t) if t <= show_limit => {}
                Some(t) => fail(
                    &mut out,
                    format!("the touched scopes showed failed/stale only after {t:?}"),
                ),
                None => fail(
                    &mut out,
                    format!(
                        "the touched scopes were never shown failed/stale:\n{}",
                        frame_rows(&c.term).join("\n")
                    ),
                ),
            }
        }
        // The reason of every failed touched scope names the fault; the faults that
        // fail calls outright must have been shown failed, with it, for every one.
        let words = fault.reason(&endpoint);
        if fault.fails_calls() {
            for &i in &touched_ids {
                let label = c.app.estate.scopes()[i].scope.label();
                let why = out.reasons.get(&label).cloned().unwrap_or_default();
                if !words.iter().any(|w| why.contains(w)) {
                    fail(
                        &mut out,
                        format!("{label} was never shown failed with {words:?}: {why:?}"),
                    );
                }
            }
        }
        for (scope, why) in out.reasons.clone() {
            let failed_reason = !why.starts_with("Stale")
                && !why.starts_with("InFlightTooLong")
                && !why.starts_with("Never");
            if failed_reason && !words.is_empty() && !words.iter().any(|w| why.contains(w)) {
                fail(
                    &mut out,
                    format!("{scope}: reason {why:?} names none of {words:?}"),
                );
            }
        }
        if fault == Fault::ExpiredCredentials
            && let (Some(before), Some(h)) = (assume_roles, handle.as_ref())
            && h.stats().count("AssumeRole") <= before
        {
            fail(
                &mut out,
                "the expired credentials were never renewed (no AssumeRole since)".into(),
            );
        }
    }

    // The fault ends.
    if matches!(fault, Fault::KilledAndRestarted | Fault::DownAtStart) {
        handle = Some(start_sim(free, Some(creds.clone())).await);
    } else if let Some(h) = &handle {
        set_fault(fault, h, &member, false);
    }
    let ended = Instant::now();
    let limit = CADENCE + CALL_SLACK + fault.lingering();
    match until(&mut c, limit + Duration::from_secs(20), Cockpit::all_fresh).await {
        Some(t) => {
            out.recovered_after = Some(t);
            if t > limit {
                fail(
                    &mut out,
                    format!("fresh again only {t:?} after the fault ended (bound {limit:?})"),
                );
            }
        }
        None => fail(
            &mut out,
            format!(
                "not fresh {:?} after the fault ended:\n{}\nerrors: {:?}",
                ended.elapsed(),
                frame_rows(&c.term).join("\n"),
                c.app
                    .estate
                    .scopes()
                    .iter()
                    .map(|s| (s.scope.label(), s.error.clone()))
                    .collect::<Vec<_>>()
            ),
        ),
    }
    // A little more typing on the healthy cockpit.
    until(&mut c, CADENCE, |_| false).await;
    drop(handle);
    finish(c, out)
}

fn finish(mut c: Cockpit, mut out: Outcome) -> Outcome {
    if c.pollers.is_finished() {
        out.failures.push("the pollers ended".into());
    }
    c.pollers.abort();
    if let Some(d) = c.debug_text() {
        out.failures.push(format!("debug output: {d}"));
    }
    out.failures.append(&mut c.disagreements);
    let mut sorted = c.latencies.clone();
    sorted.sort();
    out.keys = sorted.len();
    out.p50 = percentile(&sorted, 0.50);
    out.p99 = percentile(&sorted, 0.99);
    if out.keys < 20 {
        out.failures
            .push(format!("only {} keys were typed", out.keys));
    }
    if out.p99 > KEY_P99_BOUND {
        out.failures.push(format!(
            "key-to-frame p99 {:?} over {KEY_P99_BOUND:?}",
            out.p99
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_fault_is_survived_shown_and_recovered_from() {
    count_panics();
    let mut report = String::new();
    let mut failed = Vec::new();
    let mut outcomes = Vec::new();
    // In two waves: half the scenarios at a time keeps a loaded machine's pollers within
    // their cadence.
    for wave in Fault::ALL.chunks(Fault::ALL.len().div_ceil(2)) {
        let runs: Vec<_> = wave.iter().map(|&f| (f, tokio::spawn(run(f)))).collect();
        for (fault, run) in runs {
            outcomes.push((fault, run.await));
        }
    }
    for (fault, run) in outcomes {
        let out = match run {
            Ok(o) => o,
            Err(e) => Outcome {
                failures: vec![format!("the scenario panicked: {e}")],
                ..Outcome::default()
            },
        };
        let _ = writeln!(
            report,
            "{:<30} {:<4} shown after {:>9} · fresh again after {:>9} · keys {:>3}: p50 {:>7.1?} p99 {:>7.1?}",
            fault.name(),
            if out.failures.is_empty() {
                "ok"
            } else {
                "FAIL"
            },
            out.shown_after
                .map_or("-".to_string(), |d| format!("{:.1?}", d)),
            out.recovered_after
                .map_or("-".to_string(), |d| format!("{:.1?}", d)),
            out.keys,
            out.p50,
            out.p99,
        );
        for (scope, why) in &out.reasons {
            let _ = writeln!(report, "    {scope}: {why}");
        }
        for note in &out.notes {
            let _ = writeln!(report, "    {note}");
        }
        if !out.failures.is_empty() {
            failed.push(format!(
                "{}:\n  {}",
                fault.name(),
                out.failures.join("\n  ")
            ));
        }
    }
    println!("{report}");
    assert!(failed.is_empty(), "{}\n\n{report}", failed.join("\n\n"));
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a thread panicked (see above)"
    );
}
