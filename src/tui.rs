//! The terminal side: raw mode and alternate screen (always restored), the event loop that
//! feeds [`App::update`] from keys, pollers, sessions and a slow tick, draws only when
//! dirty, and executes the app's [`Effect`]s.

use std::collections::HashMap;
use std::io::stdout;
use std::path::PathBuf;
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
use crate::model::{DetailRequest, FeedEvent};
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

    draw_frame(&mut terminal, &mut app)?;
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
            draw_frame(&mut terminal, &mut app)?;
            // Drawing may resize the shells.
            runner.execute(app.take_effects());
        }
    }
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
    let _ = tokio::join!(sessions_closed, runner.actions.settle(ACTION_QUIT_GRACE));
    Ok(())
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
