//! The maintenance windows pane: every window of the scopes shown, as a [`TableView`],
//! and one window in full (targets, tasks by priority, executions with task results);
//! `t` shows the timeline.

use std::borrow::Cow;

use crossterm::event::{KeyCode, KeyEvent};

use super::{Cmd, Component, Cx, KeyHint, Pane, PaneKind, hints};
use crate::app::filter::FilterColumn;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Overlay;
use crate::app::scroll::scroll_key;
use crate::app::table::{
    TableColumn, TableSource, TableView, account_cell, collect_refs, region_cell,
};
use crate::model::{DetailRequest, Estate, Feed, MaintenanceWindow, ScopeId, schedule_label};

/// A column of the windows table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WinCol {
    Enabled,
    Name,
    Schedule,
    Zone,
    Duration,
    Cutoff,
    Next,
    Account,
    Region,
    Id,
}

impl FilterColumn for WinCol {
    fn from_filter_key(key: &str) -> Option<WinCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "enabled" | "state" => WinCol::Enabled,
            "name" => WinCol::Name,
            "schedule" => WinCol::Schedule,
            "zone" | "tz" | "timezone" => WinCol::Zone,
            "account" => WinCol::Account,
            "region" => WinCol::Region,
            "id" => WinCol::Id,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "enabled, name, schedule, zone, account, region, id"
    }
}

impl TableColumn for WinCol {
    const ALL: &'static [WinCol] = &[
        WinCol::Enabled,
        WinCol::Name,
        WinCol::Schedule,
        WinCol::Zone,
        WinCol::Duration,
        WinCol::Cutoff,
        WinCol::Next,
        WinCol::Account,
        WinCol::Region,
        WinCol::Id,
    ];

    fn title(self) -> &'static str {
        match self {
            WinCol::Enabled => "State",
            WinCol::Name => "Window",
            WinCol::Schedule => "Schedule",
            WinCol::Zone => "Time zone",
            WinCol::Duration => "Hours",
            WinCol::Cutoff => "Cutoff",
            WinCol::Next => "Next run",
            WinCol::Account => "Account",
            WinCol::Region => "Region",
            WinCol::Id => "Window id",
        }
    }
}

/// The windows of the scopes shown: (scope, index) into the estate.
pub struct WindowRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
}

impl WindowRows<'_> {
    pub fn item(&self, row: usize) -> Option<&MaintenanceWindow> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_windows(s).get(i as usize)
    }
}

impl TableSource for WindowRows<'_> {
    type Col = WinCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: WinCol) -> Cow<'_, str> {
        let Some(w) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            WinCol::Enabled => Cow::Borrowed(if w.enabled { "enabled" } else { "disabled" }),
            WinCol::Name => Cow::Borrowed(&w.name),
            WinCol::Schedule => Cow::Owned(schedule_label(&w.schedule)),
            WinCol::Zone => Cow::Borrowed(w.zone()),
            WinCol::Duration => Cow::Owned(format!("{}h", w.duration)),
            WinCol::Cutoff => Cow::Owned(format!("{}h", w.cutoff)),
            WinCol::Next => Cow::Owned(
                w.next_execution
                    .map(|t| t.format("%a %d %b %H:%M").to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            WinCol::Account => account_cell(self.estate, w.scope),
            WinCol::Region => region_cell(self.estate, w.scope),
            WinCol::Id => Cow::Borrowed(&w.window_id),
        }
    }

    fn sort_key(&self, row: usize, col: WinCol) -> Option<i64> {
        let w = self.item(row)?;
        match col {
            // Soonest first; disabled windows last.
            WinCol::Next => Some(w.next_execution.map_or(i64::MAX, |t| t.timestamp())),
            WinCol::Duration => Some(i64::from(w.duration)),
            WinCol::Cutoff => Some(i64::from(w.cutoff)),
            WinCol::Enabled => Some(i64::from(!w.enabled)),
            _ => None,
        }
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|w| format!("{}/{}", w.scope, w.window_id))
            .unwrap_or_default()
    }
}

/// One window shown in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowOpen {
    pub scope: ScopeId,
    pub id: String,
    pub scroll: u16,
}

/// State of the windows pane.
#[derive(Debug)]
pub struct WindowsView {
    pub table: TableView<WinCol>,
    pub refs: Vec<(ScopeId, u32)>,
    pub open: Option<WindowOpen>,
    key: Option<(u64, Vec<bool>)>,
}

impl Default for WindowsView {
    fn default() -> Self {
        WindowsView {
            table: TableView::new(WinCol::Next, false),
            refs: Vec::new(),
            open: None,
            key: None,
        }
    }
}

impl WindowsView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> WindowRows<'a> {
        WindowRows {
            estate,
            refs: &self.refs,
        }
    }

    /// Re-reads the windows when their feed or the scope mask changed.
    pub fn sync(&mut self, estate: &Estate, mask: &[bool]) {
        let count = |e: &Estate, s| e.scope_windows(s).len();
        if collect_refs(
            &mut self.key,
            &mut self.refs,
            estate,
            mask,
            Feed::Windows,
            count,
        ) {
            let src = WindowRows {
                estate,
                refs: &self.refs,
            };
            self.table.rebuild(&src);
        }
    }

    pub fn selected<'a>(&self, estate: &'a Estate) -> Option<&'a MaintenanceWindow> {
        let (s, i) = *self.refs.get(self.table.selected_row()?)?;
        estate.scope_windows(s).get(i as usize)
    }
}

impl PaneKind for WindowsView {
    const TITLE: &'static str = "Windows";
    const ALIASES: &'static [&'static str] = &["windows", "mw", "win"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Windows];
}

impl Component for WindowsView {
    fn help(&self) -> &'static [KeyHint] {
        &[
            ("Enter", "windows: targets, tasks, runs"),
            ("t", "windows: the 7-day timeline"),
        ]
    }
    fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
        hints::OPS
    }
    fn takes_keys(&self) -> bool {
        self.open.is_some()
    }
    fn sync(&mut self, cx: &Cx) {
        WindowsView::sync(self, cx.estate, cx.mask);
    }
    table_rows!(table, refs, cx => WindowRows {});
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if self.open.is_some() {
            return self.detail_key(key, cx, out);
        }
        let sel = self
            .selected(cx.estate)
            .map(|w| (w.scope, w.window_id.clone()));
        match (cx.pane_action(key, pane_keys::WINDOWS), sel) {
            (_, Some((scope, id))) if action == Some(Action::Details) => {
                out.push(Cmd::Request(DetailRequest::Window {
                    scope,
                    id: id.clone(),
                }));
                self.open = Some(WindowOpen {
                    scope,
                    id,
                    scroll: 0,
                });
            }
            (Some(PaneAction::Timeline), _) => out.push(Cmd::ShowPane {
                pane: Pane::Timeline,
                filter: None,
            }),
            _ => return false,
        }
        true
    }
}

impl WindowsView {
    /// Keys of the window shown in full: it scrolls.
    fn detail_key(&mut self, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
        let Some(o) = self.open.as_mut() else {
            return false;
        };
        let action = cx.keys.action(key);
        if scroll_key(action, &mut o.scroll) {
            return true;
        }
        if cx.pane_action(key, pane_keys::WINDOW) == Some(PaneAction::Refresh) {
            out.push(Cmd::Request(DetailRequest::Window {
                scope: o.scope,
                id: o.id.clone(),
            }));
            return true;
        }
        match (action, key.code) {
            (Some(Action::Quit), _) | (_, KeyCode::Esc) => self.open = None,
            (Some(Action::Help), _) => out.push(Cmd::Open(Overlay::Help)),
            _ => return false,
        }
        true
    }
}
