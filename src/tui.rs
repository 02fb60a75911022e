//! The terminal side: raw mode and alternate screen (always restored), the event loop that
//! feeds [`App::update`] from keys, pollers and a slow tick, and draws only when dirty.

use std::io::stdout;
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use crossterm::execute;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::app::{App, Msg};
use crate::model::FeedEvent;

/// Restores the terminal when dropped: on quit, on error and while unwinding a panic.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn restore() {
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// Runs the cockpit until the user quits (or SIGTERM/SIGHUP). `feed` delivers poller events.
pub async fn run(mut app: App, mut feed: mpsc::Receiver<FeedEvent>) -> std::io::Result<()> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    execute!(stdout(), EnableMouseCapture)?;

    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut term = signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut hup = signal(tokio::signal::unix::SignalKind::hangup())?;
    let mut feed_open = true;

    terminal.draw(|f| crate::ui::render(f, &mut app))?;
    loop {
        let dirty = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => app.update(Msg::Key(k)),
                Some(Ok(Event::Mouse(m))) => app.update(Msg::Mouse(m)),
                Some(Ok(Event::Resize(w, h))) => app.update(Msg::Resize(w, h)),
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
                    dirty
                }
                None => {
                    feed_open = false;
                    false
                }
            },
            _ = tick.tick() => app.update(Msg::Tick),
            _ = term.recv() => break,
            _ = hup.recv() => break,
        };
        if app.should_quit() {
            break;
        }
        if dirty {
            terminal.draw(|f| crate::ui::render(f, &mut app))?;
        }
    }
    Ok(())
}

fn signal(kind: tokio::signal::unix::SignalKind) -> std::io::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind)
}
