//! The State Manager panes in the app: associations, maintenance windows and the
//! timeline — syncing, filtering, moving, clicking, sorting, details and their keys.

use crossterm::event::{KeyCode, KeyEvent};

use super::associations::{AssociationOpen, AssociationRows, failing_nodes};
use super::filter::FilterError;
use super::keymap::Action;
use super::navigate::{click_sort, scroll_key, table_nav};
use super::table::{Lines, TableColumn, TableOps};
use super::timeline::{TimelineGroup, timeline_rows};
use super::windows::{WindowOpen, WindowRows};
use super::{App, Effect, Notice, Overlay, Pane};
use crate::actions::{ActionRequest, AssociationsOnceSpec};
use crate::model::DetailRequest;

/// The State Manager panes.
pub fn is_state_manager_pane(p: Pane) -> bool {
    matches!(p, Pane::Associations | Pane::Windows | Pane::Timeline)
}

impl App {
    fn sm_request(&mut self, r: DetailRequest) {
        self.push_effect(Effect::Request(r));
    }

    fn sm_note(&mut self, text: impl Into<String>, error: bool) {
        self.notice = Some(Notice {
            text: text.into(),
            error,
        });
    }

    pub(super) fn sm_sync(&mut self) {
        match self.pane {
            Pane::Associations => self.associations.sync(&self.estate, &self.mask),
            Pane::Windows => self.windows.sync(&self.estate, &self.mask),
            _ => {}
        }
    }

    pub(super) fn sm_filter_text(&self) -> &str {
        match self.pane {
            Pane::Associations => self.associations.table.filter_text(),
            Pane::Windows => self.windows.table.filter_text(),
            _ => "",
        }
    }

    pub(super) fn sm_filter_error(&self) -> Option<&FilterError> {
        match self.pane {
            Pane::Associations => self.associations.table.filter_error(),
            Pane::Windows => self.windows.table.filter_error(),
            _ => None,
        }
    }

    pub(super) fn sm_row_count(&self) -> usize {
        match self.pane {
            Pane::Associations => self.associations.table.len(),
            Pane::Windows => self.windows.table.len(),
            Pane::Timeline => self.timeline_len(),
            _ => 0,
        }
    }

    /// Lines of the timeline as shown now.
    pub fn timeline_len(&self) -> usize {
        timeline_rows(
            &self.estate,
            &self.mask,
            self.now(),
            self.timeline.group,
            self.timeline.all_calendars,
        )
        .len()
    }

    pub(super) fn sm_set_filter(&mut self, text: &str) {
        let estate = &self.estate;
        match self.pane {
            Pane::Associations => {
                let src = AssociationRows {
                    estate,
                    refs: &self.associations.refs,
                };
                self.associations.table.set_filter(&src, text);
            }
            Pane::Windows => {
                let src = WindowRows {
                    estate,
                    refs: &self.windows.refs,
                };
                self.windows.table.set_filter(&src, text);
            }
            _ => {}
        }
    }

    /// Runs `f` on the list of the State Manager pane shown.
    fn sm_table_op(&mut self, f: impl FnOnce(&mut dyn TableOps)) {
        match self.pane {
            Pane::Associations => f(&mut self.associations.table),
            Pane::Windows => f(&mut self.windows.table),
            Pane::Timeline => {
                let len = self.timeline_len();
                f(&mut Lines {
                    view: &mut self.timeline.view,
                    len,
                })
            }
            _ => {}
        }
    }

    pub(super) fn sm_set_page(&mut self, rows: usize) {
        self.sm_table_op(|t| t.set_page(rows));
    }

    pub(super) fn sm_move(&mut self, delta: isize) {
        self.sm_table_op(|t| t.move_by(delta));
    }

    pub(super) fn sm_scroll(&mut self, delta: isize) {
        self.sm_table_op(|t| t.scroll_by(delta));
    }

    pub(super) fn sm_click(&mut self, line: usize) -> bool {
        let mut hit = false;
        self.sm_table_op(|t| hit = t.click(line));
        hit
    }

    pub(super) fn sm_sort_by_header(&mut self, i: usize) -> bool {
        let estate = &self.estate;
        match self.pane {
            Pane::Associations => {
                let src = AssociationRows {
                    estate,
                    refs: &self.associations.refs,
                };
                let col = super::associations::AssocCol::ALL.get(i).copied();
                click_sort(&mut self.associations.table, &src, col)
            }
            Pane::Windows => {
                let src = WindowRows {
                    estate,
                    refs: &self.windows.refs,
                };
                let col = super::windows::WinCol::ALL.get(i).copied();
                click_sort(&mut self.windows.table, &src, col)
            }
            _ => false,
        }
    }

    /// Whether a State Manager pane shows a detail (Esc closes it first).
    pub fn sm_detail_open(&self) -> bool {
        match self.pane {
            Pane::Associations => self.associations.open.is_some(),
            Pane::Windows => self.windows.open.is_some(),
            _ => false,
        }
    }

    /// Keys of the State Manager panes.
    pub(super) fn sm_key(&mut self, key: KeyEvent, action: Option<Action>) -> bool {
        match self.pane {
            Pane::Associations if self.associations.open.is_some() => {
                self.association_detail_key(key)
            }
            Pane::Windows if self.windows.open.is_some() => self.window_detail_key(key),
            Pane::Associations => {
                let src = AssociationRows {
                    estate: &self.estate,
                    refs: &self.associations.refs,
                };
                if table_nav(&mut self.associations.table, &src, action) {
                    return true;
                }
                let sel = self
                    .associations
                    .selected(&self.estate)
                    .map(|a| (a.scope, a.association_id.clone()));
                match (key.code, sel) {
                    (_, Some((scope, id))) if action == Some(Action::Details) => {
                        self.open_association(scope, id);
                        true
                    }
                    (KeyCode::Char('a'), Some((scope, id))) => self.apply_association(scope, &id),
                    _ => false,
                }
            }
            Pane::Windows => {
                let src = WindowRows {
                    estate: &self.estate,
                    refs: &self.windows.refs,
                };
                if table_nav(&mut self.windows.table, &src, action) {
                    return true;
                }
                let sel = self
                    .windows
                    .selected(&self.estate)
                    .map(|w| (w.scope, w.window_id.clone()));
                match (key.code, sel) {
                    (_, Some((scope, id))) if action == Some(Action::Details) => {
                        self.sm_request(DetailRequest::Window {
                            scope,
                            id: id.clone(),
                        });
                        self.windows.open = Some(WindowOpen {
                            scope,
                            id,
                            scroll: 0,
                        });
                        true
                    }
                    (KeyCode::Char('t'), _) => self.show_pane(Pane::Timeline),
                    _ => false,
                }
            }
            Pane::Timeline => {
                let n = self.timeline_len();
                let v = &mut self.timeline.view;
                let page = v.page as isize;
                match (action, key.code) {
                    (Some(Action::Down), _) => v.move_by(1, n),
                    (Some(Action::Up), _) => v.move_by(-1, n),
                    (Some(Action::PageDown), _) => v.move_by(page, n),
                    (Some(Action::PageUp), _) => v.move_by(-page, n),
                    (Some(Action::Top), _) => v.select(0, n),
                    (Some(Action::Bottom), _) => v.select(usize::MAX, n),
                    (_, KeyCode::Char('w')) => {
                        self.timeline.group = match self.timeline.group {
                            TimelineGroup::Scope => TimelineGroup::Window,
                            TimelineGroup::Window => TimelineGroup::Scope,
                        };
                        self.timeline.view = Default::default();
                    }
                    (_, KeyCode::Char('c')) => {
                        self.timeline.all_calendars = !self.timeline.all_calendars;
                    }
                    (Some(Action::Details), _) => return self.timeline_to_windows(),
                    _ => return false,
                }
                true
            }
            _ => false,
        }
    }

    /// The windows pane, filtered to the timeline line selected (its scope, or its window).
    fn timeline_to_windows(&mut self) -> bool {
        let rows = timeline_rows(
            &self.estate,
            &self.mask,
            self.now(),
            self.timeline.group,
            self.timeline.all_calendars,
        );
        let Some(row) = rows.get(
            self.timeline
                .view
                .selected
                .min(rows.len().saturating_sub(1)),
        ) else {
            return self.show_pane(Pane::Windows);
        };
        let Some(scope) = self.estate.scope(row.scope).map(|s| s.scope.clone()) else {
            return self.show_pane(Pane::Windows);
        };
        let mut filter = format!("account={} region={}", scope.account.id, scope.region);
        if self.timeline.group == TimelineGroup::Window
            && let Some(span) = row.spans.first()
        {
            filter.push_str(&format!(" name={}", span.window));
        }
        self.show_pane(Pane::Windows);
        self.sm_set_filter(&filter);
        true
    }

    fn open_association(&mut self, scope: u32, id: String) {
        self.sm_request(DetailRequest::Association {
            scope,
            id: id.clone(),
        });
        self.associations.open = Some(AssociationOpen {
            scope,
            id,
            cursor: 0,
            scroll: 0,
        });
    }

    fn association_detail_key(&mut self, key: KeyEvent) -> bool {
        let Some(open) = self.associations.open.clone() else {
            return false;
        };
        let nodes = failing_nodes(&self.estate, &open);
        let Some(o) = self.associations.open.as_mut() else {
            return false;
        };
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.associations.open = None,
            KeyCode::Char('j') | KeyCode::Down if !nodes.is_empty() => {
                o.cursor = (o.cursor + 1).min(nodes.len() - 1);
            }
            KeyCode::Char('k') | KeyCode::Up => o.cursor = o.cursor.saturating_sub(1),
            KeyCode::PageDown => o.scroll = o.scroll.saturating_add(10),
            KeyCode::PageUp => o.scroll = o.scroll.saturating_sub(10),
            KeyCode::Char('g') | KeyCode::Home => {
                o.cursor = 0;
                o.scroll = 0;
            }
            KeyCode::Enter | KeyCode::Char('n') => {
                return match nodes.get(open.cursor.min(nodes.len().saturating_sub(1))) {
                    Some(node) => self.jump_to_node(Some(open.scope), &node.clone()),
                    None => {
                        self.sm_note("no failing node to go to", true);
                        true
                    }
                };
            }
            KeyCode::Char('r') => self.sm_request(DetailRequest::Association {
                scope: open.scope,
                id: open.id,
            }),
            KeyCode::Char('a') => return self.apply_association(open.scope, &open.id),
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
    }

    fn window_detail_key(&mut self, key: KeyEvent) -> bool {
        let Some(o) = self.windows.open.as_mut() else {
            return false;
        };
        if scroll_key(key.code, &mut o.scroll) {
            return true;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.windows.open = None,
            KeyCode::Char('r') => {
                let r = DetailRequest::Window {
                    scope: o.scope,
                    id: o.id.clone(),
                };
                self.sm_request(r);
            }
            KeyCode::Char('?') => self.overlay = Overlay::Help,
            _ => return false,
        }
        true
    }

    /// Apply now (StartAssociationsOnce): through the actions' confirmation, change
    /// calendar gate and audit log; absent in read-only mode.
    fn apply_association(&mut self, scope: u32, id: &str) -> bool {
        if self.options.read_only {
            return false;
        }
        let Some(s) = self.estate.scope(scope).map(|s| s.scope.clone()) else {
            return false;
        };
        self.confirm_action(ActionRequest::StartAssociationsOnce(AssociationsOnceSpec {
            scope: s,
            association_ids: vec![id.to_string()],
        }))
    }
}
