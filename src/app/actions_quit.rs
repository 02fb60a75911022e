//! Quitting with work in flight: `q`, `:q` and Ctrl-c quit at once when nothing is
//! running, and ask first while a run is in flight (a call sent and its result not yet
//! heard, or a command or runbook still watched) or a Session Manager tab is open, so an
//! operator cannot lose track of a running change by accident. `:q!` and SIGTERM or
//! SIGHUP never ask.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::actions::request::plural;

use super::App;
use super::actions::{ActionDialog, QuitDialog};

/// What quitting now would leave behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuitBlockers {
    /// Summaries of the runs in flight, oldest first.
    pub runs: Vec<String>,
    /// Titles of the open shell tabs.
    pub shells: Vec<String>,
    /// Titles of the open port-forward tabs.
    pub forwards: Vec<String>,
}

impl QuitBlockers {
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty() && self.shells.is_empty() && self.forwards.is_empty()
    }

    /// `2 runs in flight, 1 shell open — quit anyway? y/N`.
    pub fn question(&self) -> String {
        if self.is_empty() {
            return "Nothing is in flight any more — quit? y/N".into();
        }
        let mut parts = Vec::new();
        if !self.runs.is_empty() {
            parts.push(format!("{} in flight", plural(self.runs.len(), "run")));
        }
        if !self.shells.is_empty() {
            parts.push(format!("{} open", plural(self.shells.len(), "shell")));
        }
        if !self.forwards.is_empty() {
            parts.push(format!(
                "{} open",
                plural(self.forwards.len(), "port forward")
            ));
        }
        format!("{} — quit anyway? y/N", parts.join(", "))
    }
}

impl App {
    /// The runs in flight and the session tabs open.
    pub fn quit_blockers(&self) -> QuitBlockers {
        let mut b = QuitBlockers {
            runs: self
                .actions
                .runs
                .iter()
                .filter(|r| !r.is_finished())
                .map(|r| format!("run {} · {}", r.run, r.request.summary()))
                .collect(),
            ..QuitBlockers::default()
        };
        for tab in self.session_tabs().iter().filter(|t| !t.is_closed()) {
            if tab.is_shell() {
                b.shells.push(tab.title().to_string());
            } else {
                b.forwards.push(tab.title().to_string());
            }
        }
        b
    }

    /// `q`, `:q`, Ctrl-c: quits at once when nothing would be left behind, else asks.
    pub(super) fn request_quit(&mut self) {
        if matches!(self.actions.dialog, Some(ActionDialog::Quit(_))) {
            return;
        }
        let blockers = self.quit_blockers();
        if blockers.is_empty() {
            self.quit = true;
            return;
        }
        let previous = self.actions.dialog.take().map(Box::new);
        self.actions.dialog = Some(ActionDialog::Quit(QuitDialog { previous }));
    }

    /// Keys of the quit question: `y` quits, any other key stays (and brings back the
    /// dialog the question covered).
    pub(super) fn quit_key(&mut self, q: QuitDialog, key: &KeyEvent) -> bool {
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('y' | 'Y') if plain => self.quit = true,
            _ => self.actions.dialog = q.previous.map(|d| *d),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_counts_what_is_left_behind() {
        let b = QuitBlockers {
            runs: vec!["a".into(), "b".into()],
            shells: vec!["web-1".into()],
            forwards: Vec::new(),
        };
        assert_eq!(
            b.question(),
            "2 runs in flight, 1 shell open — quit anyway? y/N"
        );
        let f = QuitBlockers {
            forwards: vec!["db".into()],
            ..QuitBlockers::default()
        };
        assert_eq!(f.question(), "1 port forward open — quit anyway? y/N");
        assert!(QuitBlockers::default().is_empty());
        assert_eq!(
            QuitBlockers::default().question(),
            "Nothing is in flight any more — quit? y/N"
        );
    }
}
