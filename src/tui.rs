//! The terminal side: raw mode and alternate screen (always restored), the event loop that
//! feeds [`App::update`] from one channel of [`Msg`] (keys, pollers, sessions, actions and
//! a slow tick), draws only when dirty, and executes the app's [`Effect`]s.

use std::collections::HashMap;
use std::io::stdout;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use crossterm::execute;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub mod panic;

use crate::app::{App, Effect, Msg};
use crate::aws::SharedConnector;
use crate::model::{DetailRequest, FeedEvent, Snapshot};
use crate::poll::PollHandle;
use crate::session::client;
use crate::session::recording::RecordingOptions;
use crate::session::{
    SessionCommand, SessionEvent, SessionHandle, SessionId, SessionKind, SessionState,
    SessionTarget,
};

/// What the event loop needs to start Session Manager sessions. Not given in read-only
/// mode: then no session is ever started.
#[derive(Clone)]
pub struct SessionSetup {
    /// Filled by the pollers once the credential chain answered.
    pub connector: SharedConnector,
    /// Role assumed in member accounts.
    pub role_name: String,
    /// Record shells (asciicast) into this directory.
    pub record_dir: Option<PathBuf>,
}

/// Messages applied before a redraw, at most.
const MSG_BATCH: usize = 512;

/// Room in the app's channel: producers wait when it is full, so a key typed during a
/// flood waits behind about one batch.
const MSG_ROOM: usize = MSG_BATCH;

/// The slow clock: ages, the header clock and the disk cache's schedule move.
const TICK: Duration = Duration::from_secs(1);

/// How long quitting waits for open sessions to close.
const QUIT_GRACE: Duration = Duration::from_millis(1500);

/// How long quitting waits for a change call in flight to have its audit result line
/// written (at the same time as the sessions close).
const ACTION_QUIT_GRACE: Duration = Duration::from_millis(3000);

/// How long quitting waits for the last snapshot to be written to the disk cache.
const CACHE_QUIT_GRACE: Duration = Duration::from_secs(10);

/// The loop's side of the effects: starts sessions and routes commands to their
/// handles; tells the pollers which feeds to poll and passes on-demand requests.
struct EffectRunner {
    setup: Option<SessionSetup>,
    handles: HashMap<SessionId, SessionHandle>,
    events: mpsc::Sender<(SessionId, SessionEvent)>,
    poll: Option<PollHandle>,
    /// Requests nobody can answer, returned to the app as failures.
    unanswered: Vec<DetailRequest>,
    /// Runs confirmed changes (refuses them all in read-only mode).
    actions: crate::actions::ActionRunner,
    /// Writes the app's snapshots to the disk cache.
    cache: CacheWriter,
}

impl EffectRunner {
    fn execute(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::OpenSession {
                    id,
                    target,
                    kind,
                    cols,
                    rows,
                } => self.open(id, target, kind, cols, rows),
                Effect::Session(id, command) => self.command(id, command),
                Effect::WantFeeds(feeds) => {
                    if let Some(p) = &self.poll {
                        p.set_feeds(feeds);
                    }
                }
                Effect::Action(run) => self.actions.start(run),
                Effect::ActionRead(read) => self.actions.read(read),
                Effect::SaveCache { path, snapshot } => self.cache.save(path, snapshot),
                Effect::Request(request) => {
                    let sent = self
                        .poll
                        .as_ref()
                        .is_some_and(|p| p.request(request.clone()));
                    if !sent {
                        self.unanswered.push(request);
                    }
                }
            }
        }
        self.cache.start();
    }

    fn open(
        &mut self,
        id: SessionId,
        target: SessionTarget,
        kind: SessionKind,
        cols: u16,
        rows: u16,
    ) {
        let Some(setup) = &self.setup else {
            self.fail(id, "sessions are off in read-only mode");
            return;
        };
        let Some(connector) = setup.connector.get().cloned() else {
            self.fail(id, "not connected to AWS yet; try again in a moment");
            return;
        };
        let recording = match (&kind, &setup.record_dir) {
            (SessionKind::Shell, Some(dir)) => Some(RecordingOptions::new(dir.clone())),
            _ => None,
        };
        // The client (and any AssumeRole) is made inside the session's task.
        let handle = client::spawn_with_connector(
            connector,
            setup.role_name.clone(),
            client::SessionSpec {
                id,
                target,
                kind,
                size: (cols, rows),
                events: self.events.clone(),
                recording,
            },
        );
        self.handles.insert(id, handle);
    }

    fn fail(&self, id: SessionId, reason: &str) {
        let closed = SessionEvent::State(SessionState::Closed {
            reason: reason.to_string(),
        });
        let _ = self.events.try_send((id, closed));
    }

    fn command(&mut self, id: SessionId, command: SessionCommand) {
        if command == SessionCommand::Close {
            if let Some(handle) = self.handles.remove(&id) {
                handle.close();
            }
        } else if let Some(handle) = self.handles.get(&id) {
            handle.send(command);
        }
    }

    /// Ends every session (on quit); returns their ids.
    fn close_all(&mut self) -> Vec<SessionId> {
        self.handles
            .drain()
            .map(|(id, handle)| {
                handle.close();
                id
            })
            .collect()
    }
}

/// Restores the terminal when dropped: on quit, on error and while unwinding a panic.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        panic::set_tui_active(false);
    }
}

fn restore() {
    let _ = execute!(stdout(), DisableBracketedPaste, DisableMouseCapture);
    ratatui::restore();
}

/// Runs the cockpit until the user quits (or SIGTERM/SIGHUP). `feed` delivers poller
/// events; `sessions` starts Session Manager sessions (`None`: none are started); `poll`
/// takes the feeds the panes want and on-demand requests (`None`: none are answered).
/// No change can be made: see [`run_with_actions`].
pub async fn run(
    app: App,
    feed: mpsc::Receiver<FeedEvent>,
    sessions: Option<SessionSetup>,
    poll: Option<PollHandle>,
) -> std::io::Result<Ended> {
    run_with_actions(app, feed, sessions, poll, None).await
}

/// [`run`], with `actions` running the changes the operator confirms (`None`: every
/// change is refused, as in read-only mode).
///
/// Everything the app reacts to arrives on one channel of [`Msg`]: a task reads the
/// terminal, a task ticks once a second, and the poller events, session events and action
/// progress are passed on as messages by a small task each. The loop applies what is
/// queued (at most [`MSG_BATCH`] messages), carries out the app's effects, and draws once
/// if anything changed.
pub async fn run_with_actions(
    mut app: App,
    feed: mpsc::Receiver<FeedEvent>,
    sessions: Option<SessionSetup>,
    poll: Option<PollHandle>,
    actions: Option<crate::actions::ActionSetup>,
) -> std::io::Result<Ended> {
    // A panic in any task ends the loop below (main installs the hook with the log's path).
    panic::install(None);
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    panic::set_tui_active(true);
    execute!(stdout(), EnableMouseCapture, EnableBracketedPaste)?;

    let (tx, mut rx) = mpsc::channel(MSG_ROOM);
    // Ended (aborted) when dropped: on quit and on error.
    let mut producers = JoinSet::new();
    let mut input = JoinSet::new();
    input.spawn(read_terminal(tx.clone()));
    producers.spawn(tick(tx.clone(), TICK));
    forward(&mut producers, feed, tx.clone(), Msg::Feed);
    let (session_tx, session_rx) = mpsc::channel(1024);
    forward(&mut producers, session_rx, tx.clone(), |(id, event)| {
        Msg::Session(id, event)
    });
    let (action_runner, action_rx) =
        crate::actions::ActionRunner::new(actions.filter(|_| !app.options.read_only));
    forward(&mut producers, action_rx, tx, Msg::Action);

    let mut runner = EffectRunner {
        actions: action_runner,
        setup: sessions.filter(|_| !app.options.read_only),
        handles: HashMap::new(),
        events: session_tx,
        poll,
        unanswered: Vec::new(),
        cache: CacheWriter::default(),
    };
    if let Some(p) = &runner.poll {
        p.set_feeds(app.wanted_feeds());
    }

    use tokio::signal::unix::SignalKind;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut ended = Ended::Quit;
    let mut trim = MemoryTrim::default();

    draw_frame(&mut terminal, &mut app)?;
    runner.execute(app.take_effects());
    panic::test_hook();
    loop {
        let first = tokio::select! {
            biased;
            () = panic::raised() => {
                ended = Ended::InternalError;
                break;
            }
            _ = term.recv() => {
                ended = Ended::Signal(SIGTERM);
                break;
            }
            _ = hup.recv() => {
                ended = Ended::Signal(SIGHUP);
                break;
            }
            _ = int.recv() => {
                ended = Ended::Signal(SIGINT);
                break;
            }
            _ = quit.recv() => {
                ended = Ended::Signal(SIGQUIT);
                break;
            }
            ended = input.join_next() => match ended {
                Some(Ok(Err(e))) => {
                    tracing::error!("terminal input: {e}");
                    return Err(e);
                }
                Some(Err(e)) => {
                    tracing::error!("terminal input stopped: {e}");
                    return Err(std::io::Error::other(format!("terminal input stopped: {e}")));
                }
                // The terminal's input ended.
                Some(Ok(Ok(()))) | None => break,
            },
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                // The tick task holds a sender: not before it is gone.
                None => break,
            },
        };
        let batch = apply_queued(&mut app, first, &mut rx, MSG_BATCH);
        if batch.fed {
            trim.maybe_trim();
        }
        runner.execute(app.take_effects());
        let mut dirty = batch.dirty;
        for request in std::mem::take(&mut runner.unanswered) {
            dirty |= app.update(Msg::Feed(FeedEvent::DetailFailed {
                request,
                error: "no poller answers requests here".into(),
            }));
        }
        if app.should_quit() {
            break;
        }
        if dirty {
            draw_frame(&mut terminal, &mut app)?;
            // Drawing may resize the shells.
            runner.execute(app.take_effects());
        }
    }
    // The keyboard is no longer read; the estate's last changes go to the disk cache.
    drop(input);
    app.flush_disk_cache();
    runner.execute(app.take_effects());
    // Give the sessions a moment to end on the AWS side (TerminateSession).
    let mut open = runner.close_all();
    open.retain(|id| {
        app.session_tabs()
            .iter()
            .any(|t| t.id == *id && !t.is_closed())
    });
    let sessions_closed = tokio::time::timeout(QUIT_GRACE, async {
        while !open.is_empty() {
            match rx.recv().await {
                Some(Msg::Session(id, SessionEvent::State(SessionState::Closed { .. }))) => {
                    open.retain(|o| *o != id);
                }
                Some(_) => {}
                None => break,
            }
        }
    });
    // A change call in flight gets its result line written before the process ends.
    let _ = tokio::join!(
        sessions_closed,
        runner.actions.settle(ACTION_QUIT_GRACE),
        runner.cache.finish(CACHE_QUIT_GRACE),
    );
    drop(producers);
    Ok(ended)
}

/// How the cockpit ended: the operator quit, a signal ended it, or a task panicked
/// (terminal restored and sessions terminated in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Quit,
    /// The signal's number: the process exits with 128 + it, as a shell reports a
    /// process a signal ended, so that a supervisor can tell it from a quit.
    Signal(i32),
    /// A thread or task panicked: the process exits with [`panic::EXIT_STATUS`] (70) after
    /// printing [`panic::report`].
    InternalError,
}

impl Ended {
    /// The process exit status.
    pub fn exit_status(self) -> u8 {
        match self {
            Ended::Quit => 0,
            Ended::Signal(n) => u8::try_from(128 + n).unwrap_or(u8::MAX),
            Ended::InternalError => panic::EXIT_STATUS,
        }
    }
}

const SIGHUP: i32 = 1;
const SIGINT: i32 = 2;
const SIGQUIT: i32 = 3;
const SIGTERM: i32 = 15;

/// What one [`apply_queued`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Batch {
    /// Messages applied.
    applied: usize,
    /// A redraw is needed.
    dirty: bool,
    /// A poller event was among them.
    fed: bool,
}

/// Applies `first` and what is already queued behind it, so a burst is drawn once; at
/// most `limit` messages, so a flooding shell cannot starve the keyboard (its keys wait
/// behind one batch at most), and none after the app quit.
fn apply_queued(app: &mut App, first: Msg, rx: &mut mpsc::Receiver<Msg>, limit: usize) -> Batch {
    let mut batch = Batch {
        applied: 0,
        dirty: false,
        fed: false,
    };
    let mut next = Some(first);
    while let Some(msg) = next {
        batch.fed |= matches!(msg, Msg::Feed(_));
        batch.dirty |= app.update(msg);
        batch.applied += 1;
        next = if batch.applied < limit && !app.should_quit() {
            rx.try_recv().ok()
        } else {
            None
        };
    }
    batch
}

/// Reads the terminal: keys, mouse, resizes and pastes go to the app as messages. Ends
/// with `Ok` when the input ends or the app is gone, and with the error when reading fails
/// (the loop then ends with it).
async fn read_terminal(tx: mpsc::Sender<Msg>) -> std::io::Result<()> {
    let mut events = EventStream::new();
    while let Some(event) = events.next().await {
        let msg = match event? {
            Event::Key(k) => Msg::Key(k),
            Event::Mouse(m) => Msg::Mouse(m),
            Event::Resize(w, h) => Msg::Resize(w, h),
            Event::Paste(text) => Msg::Paste(text),
            Event::FocusGained | Event::FocusLost => continue,
        };
        if tx.send(msg).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// Sends [`Msg::Tick`] every `every` (missed ticks are skipped, not caught up).
async fn tick(tx: mpsc::Sender<Msg>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if tx.send(Msg::Tick).await.is_err() {
            break;
        }
    }
}

/// Passes what `rx` receives on to the app's channel as messages, until either side is
/// closed.
fn forward<T: Send + 'static>(
    tasks: &mut JoinSet<()>,
    mut rx: mpsc::Receiver<T>,
    tx: mpsc::Sender<Msg>,
    wrap: fn(T) -> Msg,
) {
    tasks.spawn(async move {
        while let Some(item) = rx.recv().await {
            if tx.send(wrap(item)).await.is_err() {
                break;
            }
        }
    });
}

/// Writes snapshots to the disk cache off the UI thread, one at a time; while one is being
/// written only the newest next one waits.
#[derive(Default)]
struct CacheWriter {
    writing: Option<tokio::task::JoinHandle<()>>,
    waiting: Option<(PathBuf, Box<Snapshot>)>,
}

impl CacheWriter {
    fn save(&mut self, path: PathBuf, snapshot: Box<Snapshot>) {
        self.waiting = Some((path, snapshot));
        self.start();
    }

    /// Starts the waiting write once the one before it finished.
    fn start(&mut self) {
        if self.writing.as_ref().is_some_and(|w| !w.is_finished()) {
            return;
        }
        if let Some((path, snapshot)) = self.waiting.take() {
            self.writing = Some(tokio::task::spawn_blocking(move || {
                write_cache(&path, &snapshot)
            }));
        }
    }

    /// Waits, at most `grace`, for the write under way and the one waiting.
    async fn finish(&mut self, grace: Duration) {
        let _ = tokio::time::timeout(grace, async {
            while self.writing.is_some() || self.waiting.is_some() {
                if let Some(w) = self.writing.take() {
                    let _ = w.await;
                }
                self.start();
            }
        })
        .await;
    }
}

/// Writes `snapshot` in the format the pollers load; a failure is logged (the cache is
/// only a head start for the next run).
fn write_cache(path: &Path, snapshot: &Snapshot) {
    if let Err(e) = crate::poll::save_cache(path, snapshot) {
        tracing::warn!(path = %path.display(), "cache not written: {e}");
    }
}

/// Draws a frame and hands what it learned to the app; when that changed the page sizes
/// or click areas (a resize, another pane shown), draws once more with them.
pub fn draw_frame<B: ratatui::backend::Backend>(
    terminal: &mut ratatui::Terminal<B>,
    app: &mut App,
) -> Result<(), B::Error> {
    for _ in 0..2 {
        let mut drawn = crate::app::Drawn::default();
        terminal.draw(|f| drawn = crate::ui::render(f, app))?;
        if !app.update(Msg::Drawn(drawn)) {
            break;
        }
    }
    Ok(())
}

fn signal(kind: tokio::signal::unix::SignalKind) -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind)
}

/// Hands freed heap pages back to the system at most once a minute. glibc keeps what a burst
/// of poll answers freed in its per-thread arenas; a cockpit left running for days should hold
/// what it uses, not every high-water mark it passed.
pub struct MemoryTrim {
    last: std::time::Instant,
}

impl Default for MemoryTrim {
    fn default() -> Self {
        MemoryTrim {
            last: std::time::Instant::now(),
        }
    }
}

impl MemoryTrim {
    const EVERY: Duration = Duration::from_secs(60);

    /// Trims if a minute has passed since the last trim.
    pub fn maybe_trim(&mut self) {
        if self.last.elapsed() >= Self::EVERY {
            self.last = std::time::Instant::now();
            trim_heap();
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_heap() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: malloc_trim only walks glibc's own arenas; any pad value is valid.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::AppOptions;

    fn quit_key() -> Msg {
        Msg::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE))
    }

    #[test]
    fn a_batch_is_bounded_and_the_rest_waits_for_the_next_frame() {
        let mut app = App::new(AppOptions::default());
        let (tx, mut rx) = mpsc::channel(64);
        for _ in 0..40 {
            tx.try_send(Msg::Tick).expect("room");
        }
        tx.try_send(quit_key()).expect("room");
        let batch = apply_queued(&mut app, Msg::Tick, &mut rx, 16);
        assert_eq!(
            batch,
            Batch {
                applied: 16,
                dirty: true,
                fed: false
            }
        );
        assert_eq!(rx.len(), 41 - 15, "the rest waits");
        assert!(!app.should_quit());

        // The key queued behind the flood is applied in the next batch.
        let first = rx.try_recv().expect("queued");
        let batch = apply_queued(&mut app, first, &mut rx, 100);
        assert_eq!(batch.applied, 26);
        assert!(app.should_quit());
        assert!(rx.is_empty());
    }

    #[test]
    fn nothing_is_applied_after_quit_and_poller_events_are_noted() {
        let mut app = App::new(AppOptions::default());
        let (tx, mut rx) = mpsc::channel(8);
        tx.try_send(Msg::Feed(FeedEvent::ApiCalls {
            counts: [("ListNodes".to_string(), 1)].into_iter().collect(),
        }))
        .expect("room");
        tx.try_send(quit_key()).expect("room");
        tx.try_send(Msg::Tick).expect("room");
        let batch = apply_queued(&mut app, Msg::Tick, &mut rx, 100);
        assert_eq!(batch.applied, 3);
        assert!(batch.fed);
        assert!(app.should_quit());
        assert_eq!(rx.len(), 1, "the tick after the quit stays queued");
    }

    fn snapshot(note: &str) -> Box<Snapshot> {
        Box::new(Snapshot {
            saved_at: chrono::Utc::now(),
            discovery_note: Some(note.into()),
            scopes: Vec::new(),
            explorer: None,
        })
    }

    #[tokio::test]
    async fn the_cache_writer_keeps_the_newest_snapshot_and_finishes_at_quit() {
        let dir = std::env::temp_dir().join(format!("ssm-cockpit-writer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("profile.json");
        let mut writer = CacheWriter::default();
        for i in 0..5 {
            writer.save(path.clone(), snapshot(&i.to_string()));
        }
        writer.finish(Duration::from_secs(30)).await;
        assert!(writer.writing.is_none() && writer.waiting.is_none());
        let on_disk = crate::poll::load_cache(&path).expect("written");
        assert_eq!(on_disk.discovery_note.as_deref(), Some("4"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
