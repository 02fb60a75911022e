//! The maintenance windows pane: every window of the scopes shown, as a [`TableView`],
//! and one window in full (targets, tasks by priority, executions with task results);
//! `t` shows the timeline.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::feed_table::{FeedRow, FeedRows, FeedTable, OpenKey};
use super::{Cmd, Cx, KeyHint, Pane, PaneKind};
use crate::app::filter::FilterColumn;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Overlay;
use crate::app::scroll::scroll_key;
use crate::app::table::{TableColumn, account_cell, region_cell};
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
pub type WindowRows<'a> = FeedRows<'a, MaintenanceWindow>;

/// One window shown in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowOpen {
    pub scope: ScopeId,
    pub id: String,
    pub scroll: u16,
}

/// State of the maintenance windows pane.
pub type WindowsView = FeedTable<MaintenanceWindow>;

impl FeedRow for MaintenanceWindow {
    type Col = WinCol;
    type At = ();
    const FEED: Feed = Feed::Windows;
    const SORT: WinCol = WinCol::Next;

    fn of_scope(estate: &Estate, scope: ScopeId) -> &[MaintenanceWindow] {
        estate.scope_windows(scope)
    }

    fn at(_now: DateTime<Utc>) {}

    fn cell<'a>(&'a self, estate: &'a Estate, _at: (), col: WinCol) -> Cow<'a, str> {
        match col {
            WinCol::Enabled => Cow::Borrowed(if self.enabled { "enabled" } else { "disabled" }),
            WinCol::Name => Cow::Borrowed(&self.name),
            WinCol::Schedule => Cow::Owned(schedule_label(&self.schedule)),
            WinCol::Zone => Cow::Borrowed(self.zone()),
            WinCol::Duration => Cow::Owned(format!("{}h", self.duration)),
            WinCol::Cutoff => Cow::Owned(format!("{}h", self.cutoff)),
            WinCol::Next => Cow::Owned(
                self.next_execution
                    .map(|t| t.format("%a %d %b %H:%M").to_string())
                    .unwrap_or_else(|| "-".into()),
            ),
            WinCol::Account => account_cell(estate, self.scope),
            WinCol::Region => region_cell(estate, self.scope),
            WinCol::Id => Cow::Borrowed(&self.window_id),
        }
    }

    fn sort_key(&self, _at: (), col: WinCol) -> Option<i64> {
        match col {
            // Soonest first; disabled windows last.
            WinCol::Next => Some(self.next_execution.map_or(i64::MAX, |t| t.timestamp())),
            WinCol::Duration => Some(i64::from(self.duration)),
            WinCol::Cutoff => Some(i64::from(self.cutoff)),
            WinCol::Enabled => Some(i64::from(!self.enabled)),
            _ => None,
        }
    }

    fn row_key(&self) -> String {
        format!("{}/{}", self.scope, self.window_id)
    }

    type Open = WindowOpen;
    const HELP: &'static [KeyHint] = &[
        KeyHint::table("Enter", &[Action::Details], "windows: targets, tasks, runs"),
        KeyHint::pane("t", &[PaneAction::Timeline], "windows: the 7-day timeline"),
    ];

    fn on_key(
        view: &mut WindowsView,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let sel = view
            .selected(cx.estate)
            .map(|w| (w.scope, w.window_id.clone()));
        match (cx.pane_action(key, pane_keys::WINDOWS), sel) {
            (_, Some((scope, id))) if action == Some(Action::Details) => {
                out.push(Cmd::Request(DetailRequest::Window {
                    scope,
                    id: id.clone(),
                }));
                view.open = Some(WindowOpen {
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

    /// Keys of the window shown in full: it scrolls.
    fn open_key(o: &mut WindowOpen, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> OpenKey {
        let action = cx.keys.action(key);
        if scroll_key(action, &mut o.scroll) {
            return OpenKey::Taken;
        }
        if cx.pane_action(key, pane_keys::WINDOW) == Some(PaneAction::Refresh) {
            out.push(Cmd::Request(DetailRequest::Window {
                scope: o.scope,
                id: o.id.clone(),
            }));
            return OpenKey::Taken;
        }
        match (action, key.code) {
            (Some(Action::Quit), _) | (_, KeyCode::Esc) => return OpenKey::Close,
            (Some(Action::Help), _) => out.push(Cmd::Open(Overlay::Help)),
            _ => return OpenKey::Passed,
        }
        OpenKey::Taken
    }
}

impl PaneKind for WindowsView {
    const TITLE: &'static str = "Windows";
    const ALIASES: &'static [&'static str] = &["windows", "mw", "win"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Windows];
}
