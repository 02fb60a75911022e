//! The terminal side: raw mode and alternate screen (always restored), the event loop that
//! feeds [`App::update`] from keys, pollers, sessions and a slow tick, draws only when
//! dirty, and executes the app's [`Effect`]s.

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

/// Session events applied before a redraw, at most.
const SESSION_BATCH: usize = 512;

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
            id,
            target,
            kind,
            cols,
            rows,
            self.events.clone(),
            recording,
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
) -> std::io::Result<()> {
    run_with_actions(app, feed, sessions, poll, None).await
}

/// [`run`], with `actions` running the changes the operator confirms (`None`: every
/// change is refused, as in read-only mode).
pub async fn run_with_actions(
    mut app: App,
    mut feed: mpsc::Receiver<FeedEvent>,
    sessions: Option<SessionSetup>,
    poll: Option<PollHandle>,
    actions: Option<crate::actions::ActionSetup>,
) -> std::io::Result<()> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    execute!(stdout(), EnableMouseCapture, EnableBracketedPaste)?;

    let (session_tx, mut session_rx) = mpsc::channel(1024);
    let (action_runner, mut action_rx) =
        crate::actions::ActionRunner::new(actions.filter(|_| !app.options.read_only));
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

    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut feed_open = true;
    let mut trim = MemoryTrim::default();

    terminal.draw(|f| crate::ui::render(f, &mut app))?;
    runner.execute(app.take_effects());
    loop {
        let dirty = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => app.update(Msg::Key(k)),
                Some(Ok(Event::Mouse(m))) => app.update(Msg::Mouse(m)),
                Some(Ok(Event::Resize(w, h))) => app.update(Msg::Resize(w, h)),
                Some(Ok(Event::Paste(text))) => app.update(Msg::Paste(text)),
                Some(Ok(_)) => false,
                Some(Err(e)) => {
                    tracing::error!("terminal input: {e}");
                    return Err(e);
                }
                None => break,
            },
            fe = feed.recv(), if feed_open => match fe {
                Some(fe) => {
                    // Apply everything already queued before drawing once.
                    let mut dirty = app.update(Msg::Feed(fe));
                    while let Ok(more) = feed.try_recv() {
                        dirty |= app.update(Msg::Feed(more));
                    }
                    trim.maybe_trim();
                    dirty
                }
                None => {
                    feed_open = false;
                    false
                }
            },
            se = session_rx.recv() => match se {
                Some((id, event)) => {
                    // A bounded batch, so a flooding shell cannot starve the keyboard.
                    let mut dirty = app.update(Msg::Session(id, event));
                    for _ in 0..SESSION_BATCH {
                        let Ok((id, event)) = session_rx.try_recv() else {
                            break;
                        };
                        dirty |= app.update(Msg::Session(id, event));
                    }
                    dirty
                }
                // The runner holds a sender: never closed.
                None => false,
            },
            ae = action_rx.recv() => match ae {
                Some(event) => {
                    let mut dirty = app.update(Msg::Action(event));
                    while let Ok(more) = action_rx.try_recv() {
                        dirty |= app.update(Msg::Action(more));
                    }
                    dirty
                }
                // The runner holds a sender: never closed.
                None => false,
            },
            _ = tick.tick() => app.update(Msg::Tick),
            _ = term.recv() => break,
            _ = hup.recv() => break,
        };
        runner.execute(app.take_effects());
        let mut dirty = dirty;
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
            terminal.draw(|f| crate::ui::render(f, &mut app))?;
            // Drawing may resize the shells.
            runner.execute(app.take_effects());
        }
    }
    // The estate's last changes go to the disk cache.
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
            match session_rx.recv().await {
                Some((id, SessionEvent::State(SessionState::Closed { .. }))) => {
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
    Ok(())
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
    use super::*;

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
