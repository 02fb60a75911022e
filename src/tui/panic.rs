//! A panic anywhere ends the cockpit cleanly. The hook [`install`] sets logs the panic
//! (message, place, backtrace) to the log file and wakes the event loop, which ends as on
//! SIGTERM: terminal restored, open sessions terminated. `main` then prints
//! [`report`] and exits with [`EXIT_STATUS`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use tokio::sync::watch;

/// The exit status after an internal error (EX_SOFTWARE of sysexits.h).
pub const EXIT_STATUS: u8 = 70;

/// Set while the terminal loop runs: the hook then prints nothing over the screen.
static TUI_ACTIVE: AtomicBool = AtomicBool::new(false);

/// The first panic's message, and the loop's wake-up.
struct Raised {
    first: Mutex<Option<String>>,
    wake: watch::Sender<bool>,
    log: Option<PathBuf>,
}

static RAISED: OnceLock<Raised> = OnceLock::new();

/// Installs the panic hook (once; later calls change nothing). `log` is where the
/// details go, named by [`report`].
pub fn install(log: Option<PathBuf>) {
    if RAISED
        .set(Raised {
            first: Mutex::new(None),
            wake: watch::channel(false).0,
            log,
        })
        .is_err()
    {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = panic_message(info.payload());
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string();
        let backtrace = std::backtrace::Backtrace::force_capture();
        tracing::error!(%thread, %place, "panic: {message}\n{backtrace}");
        if let Some(r) = RAISED.get() {
            let mut first = r.first.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert(message);
            drop(first);
            r.wake.send_replace(true);
        }
        if !TUI_ACTIVE.load(Ordering::SeqCst) {
            previous(info);
        }
    }));
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Marks the terminal loop running (true) or ended (false).
pub(super) fn set_tui_active(active: bool) {
    TUI_ACTIVE.store(active, Ordering::SeqCst);
}

/// Waits until some thread or task panics (forever without [`install`]).
pub(super) async fn raised() {
    let Some(r) = RAISED.get() else {
        return std::future::pending().await;
    };
    let mut rx = r.wake.subscribe();
    if rx.wait_for(|raised| *raised).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The first panic's message, if any panicked.
pub fn message() -> Option<String> {
    RAISED
        .get()?
        .first
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
}

/// `internal error: <message> (details in <log>)`, for the terminal once it is restored.
pub fn report() -> String {
    let message = message().unwrap_or_else(|| "a task ended unexpectedly".into());
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    match RAISED.get().and_then(|r| r.log.as_ref()) {
        Some(log) => format!("internal error: {message} (details in {})", log.display()),
        None => format!("internal error: {message} (details on stderr above)"),
    }
}

/// The hidden test hook: with `SSM_COCKPIT_TEST_PANIC` set, a task the loop spawns panics
/// a moment after the first frame, so that tests can watch the cockpit end cleanly.
pub(super) fn test_hook() {
    if std::env::var_os("SSM_COCKPIT_TEST_PANIC").is_some() {
        tokio::spawn(async {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            panic!("test panic requested by SSM_COCKPIT_TEST_PANIC");
        });
    }
}
