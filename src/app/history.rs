//! The App's side of the history panes (commands, automations, audit, activations; the
//! panes themselves are in `panes/`): a record opened from a pane, the keys of its popup,
//! and the audit log the audit pane reads.

use crossterm::event::KeyEvent;

use super::overlay::Record;
use super::{App, Overlay};

impl App {
    /// The audit log file the audit pane reads.
    pub fn set_audit_path(&mut self, path: Option<std::path::PathBuf>) {
        self.panes.audit.set_path(path);
    }

    /// The run this session started that sent command (or automation execution) `id`.
    fn run_of(&self, id: &str) -> Option<crate::actions::RunId> {
        self.actions
            .runs
            .iter()
            .find(|r| {
                r.commands.iter().any(|c| c.command_id == id)
                    || r.automations.iter().any(|(_, a)| a.execution_id == id)
            })
            .map(|r| r.run)
    }

    /// Opens `record`: the live view when this session started it, else the record in
    /// full.
    pub(super) fn open_record(&mut self, record: Record) {
        let started = match &record {
            Record::Command { id, .. } | Record::Automation { id, .. } => self.run_of(id),
            Record::Activation { .. } | Record::Audit { .. } => None,
        };
        match started {
            Some(run) => self.actions.live = Some(run),
            None => self.overlay = Overlay::Record { record, scroll: 0 },
        }
    }

    /// Keys of a record shown in full.
    pub(super) fn record_key(&mut self, key: KeyEvent) -> bool {
        let now = self.now();
        let cx = cx!(self, now);
        let Overlay::Record { record, scroll } = &mut self.overlay else {
            return false;
        };
        let mut out = Vec::new();
        let handled = record.on_key(scroll, &key, &cx, &mut out);
        self.apply_cmds(out) && handled
    }

    /// The record the detail view shows, if one is open.
    pub fn record(&self) -> Option<(&Record, u16)> {
        match &self.overlay {
            Overlay::Record { record, scroll } => Some((record, *scroll)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use crate::actions::{ActionRequest, CancelCommandSpec};
    use crate::app::tests::{app, scope, t0};
    use crate::app::{App, CommandView, Msg, Overlay, Pane, Record, RunPhase, RunView};
    use crate::model::{FeedEvent, HistoryTarget, RecentCommand};

    fn press(app: &mut App, code: KeyCode) {
        app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    /// The commands pane over two commands of scope 0, newest first: one that targets a
    /// tag, then one sent to node i-0002.
    fn commands_pane() -> App {
        let mut app = app();
        let mut tags = RecentCommand::new(0, "cmd-tags");
        tags.requested = Some(t0() - Duration::minutes(1));
        tags.targets = vec![HistoryTarget {
            key: "tag:Env".into(),
            values: vec!["prod".into()],
        }];
        let mut node = RecentCommand::new(0, "cmd-node");
        node.requested = Some(t0() - Duration::minutes(10));
        node.instance_ids = vec!["i-0002".into()];
        app.update(Msg::Feed(FeedEvent::CommandsLoaded {
            scope: 0,
            items: vec![tags, node],
            at: t0(),
        }));
        app.run_command("commands");
        assert_eq!(app.pane(), Pane::Commands);
        assert_eq!(app.pane_row_count(), 2);
        app
    }

    fn selected_node(app: &App) -> Option<&str> {
        app.panes
            .nodes
            .selected_node(&app.estate)
            .map(|n| n.instance_id.as_str())
    }

    #[test]
    fn n_goes_to_the_first_node_or_says_why_not() {
        let mut app = commands_pane();
        press(&mut app, KeyCode::Char('n'));
        assert_eq!(app.pane(), Pane::Commands);
        let notice = app.notice().expect("a notice");
        assert!(notice.error, "{notice:?}");
        assert!(notice.text.contains("tag targets"), "{notice:?}");
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Char('n'));
        assert_eq!(app.pane(), Pane::Nodes);
        assert_eq!(selected_node(&app), Some("i-0002"));
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.pane(), Pane::Commands);
    }

    #[test]
    fn the_record_scrolls_goes_to_its_node_and_comes_back() {
        let mut app = commands_pane();
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Enter);
        let shown = Record::Command {
            scope: 0,
            id: "cmd-node".into(),
        };
        assert_eq!(app.record(), Some((&shown, 0)));
        press(&mut app, KeyCode::Char('j'));
        press(&mut app, KeyCode::Char('j'));
        press(&mut app, KeyCode::Char('k'));
        assert_eq!(app.record(), Some((&shown, 1)));
        press(&mut app, KeyCode::Char('n'));
        assert_eq!(app.pane(), Pane::Nodes);
        assert_eq!(app.overlay(), &Overlay::None);
        assert_eq!(selected_node(&app), Some("i-0002"));
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.pane(), Pane::Commands);
        assert_eq!(app.record(), Some((&shown, 1)));
        press(&mut app, KeyCode::Char('?'));
        assert_eq!(app.overlay(), &Overlay::Help);
    }

    #[test]
    fn a_record_without_a_node_keeps_n_and_closes_on_esc() {
        let mut app = commands_pane();
        press(&mut app, KeyCode::Enter);
        assert!(app.record().is_some());
        press(&mut app, KeyCode::Char('n'));
        assert_eq!(app.pane(), Pane::Commands);
        assert!(app.record().is_some());
        press(&mut app, KeyCode::Esc);
        assert_eq!(app.overlay(), &Overlay::None);
    }

    #[test]
    fn a_command_this_session_sent_opens_its_live_view() {
        let mut app = commands_pane();
        let prod = scope("acme-prod", "111111111111", "eu-west-1");
        app.actions.runs.push(RunView {
            run: 7,
            request: ActionRequest::CancelCommand(CancelCommandSpec {
                commands: Vec::new(),
            }),
            started: t0(),
            phase: RunPhase::Starting,
            sent: Vec::new(),
            overridden: false,
            errors: Vec::new(),
            commands: vec![CommandView {
                scope: prod,
                command_id: "cmd-node".into(),
                progress: None,
                invocations: Vec::new(),
            }],
            automations: Vec::new(),
            cursor: 0,
            output_scroll: 0,
            full_outputs: Vec::new(),
        });
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.actions.live, None, "cmd-tags is not this session's");
        assert!(app.record().is_some());
        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.actions.live, Some(7));
        assert_eq!(app.record(), None);
    }
}
