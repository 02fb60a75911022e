//! The table panes over one list the estate keeps per scope: OpsItems, commands,
//! automation executions, activations, associations, maintenance windows. Such a pane is
//! a [`FeedTable`] of its record type: the rows are (scope, index) refs into the estate,
//! re-collected when the feed or the scope filter moved, and what differs from pane to
//! pane (columns, cells, sort keys, help lines, its own keys) is the record's [`FeedRow`]
//! implementation. Such a pane is a [`Component`] through the one implementation here.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::{Bound, Cmd, Component, Cx, KeyHint, List, ListMut, hints};
use crate::app::keymap::Action;
use crate::app::overlay::Record;
use crate::app::table::{TableColumn, TableSource, TableView, collect_refs};
use crate::model::{Estate, Feed, ScopeId};

/// A record of a list the estate keeps per scope, as a table pane lists it, and what
/// that pane does with it.
pub trait FeedRow: Sized + std::fmt::Debug + 'static {
    /// The columns of its table.
    type Col: TableColumn;
    /// What a row is judged at besides the estate: `()`, or the clock's time for records
    /// whose state moves with it (an activation expires).
    type At: Copy;
    /// The feed that brings the list.
    const FEED: Feed;
    /// The column sorted by (ascending) until a key sorts by another.
    const SORT: Self::Col;
    /// The list of one scope.
    fn of_scope(estate: &Estate, scope: ScopeId) -> &[Self];
    /// What the rows are judged at, from the clock's time.
    fn at(now: DateTime<Utc>) -> Self::At;
    /// The text of a cell, as shown and searched.
    fn cell<'a>(&'a self, estate: &'a Estate, at: Self::At, col: Self::Col) -> Cow<'a, str>;
    /// A numeric sort key; `None` sorts by text.
    fn sort_key(&self, at: Self::At, col: Self::Col) -> Option<i64>;
    /// Extra searchable values, reachable with `tag:KEY=value`.
    fn tags(&self) -> &[(String, String)] {
        &[]
    }
    /// What the selection follows across refreshes.
    fn row_key(&self) -> String;

    /// What the pane shows in full inside itself (`()` when its detail is a popup).
    type Open: std::fmt::Debug;
    /// The pane's lines in the help overlay.
    const HELP: &'static [KeyHint];
    /// The record Enter shows in full ([`Cmd::OpenRecord`]), for a history pane.
    fn record(&self) -> Option<Record> {
        None
    }
    /// The pane's own keys (after Enter on a [`record`](FeedRow::record)); true when
    /// `key` was one.
    fn on_key(
        _view: &mut FeedTable<Self>,
        _key: &KeyEvent,
        _action: Option<Action>,
        _cx: &Cx,
        _out: &mut Vec<Cmd>,
    ) -> bool {
        false
    }
    /// The keys of the record shown in full inside the pane: while `open` is set, every
    /// key comes here first.
    fn open_key(_open: &mut Self::Open, _key: &KeyEvent, _cx: &Cx, _out: &mut Vec<Cmd>) -> OpenKey {
        OpenKey::Passed
    }
}

/// What a key did to the record shown in full inside a pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenKey {
    /// Not one of its keys.
    Passed,
    Taken,
    /// Closes it.
    Close,
}

impl From<bool> for OpenKey {
    /// Taken when true.
    fn from(taken: bool) -> OpenKey {
        match taken {
            true => OpenKey::Taken,
            false => OpenKey::Passed,
        }
    }
}

/// The records of the scopes shown: (scope, index) into the estate, judged at `at`.
pub struct FeedRows<'a, R: FeedRow> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
    pub at: R::At,
}

impl<'a, R: FeedRow> FeedRows<'a, R> {
    pub fn item(&self, row: usize) -> Option<&'a R> {
        let (s, i) = *self.refs.get(row)?;
        R::of_scope(self.estate, s).get(i as usize)
    }
}

impl<R: FeedRow> TableSource for FeedRows<'_, R> {
    type Col = R::Col;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: R::Col) -> Cow<'_, str> {
        self.item(row)
            .map_or(Cow::Borrowed(""), |r| r.cell(self.estate, self.at, col))
    }

    fn sort_key(&self, row: usize, col: R::Col) -> Option<i64> {
        self.item(row)?.sort_key(self.at, col)
    }

    fn tags(&self, row: usize) -> &[(String, String)] {
        self.item(row).map_or(&[], |r| r.tags())
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row).map(R::row_key).unwrap_or_default()
    }
}

/// State of a table pane over the records `R`, with `open`, the record shown in full
/// inside the pane (for panes that show one there rather than in a popup).
#[derive(Debug)]
pub struct FeedTable<R: FeedRow> {
    pub table: TableView<R::Col>,
    pub refs: Vec<(ScopeId, u32)>,
    pub open: Option<R::Open>,
    /// (feed generation, scope mask) the rows reflect.
    key: Option<(u64, Vec<bool>)>,
}

impl<R: FeedRow> Default for FeedTable<R> {
    fn default() -> Self {
        FeedTable {
            table: TableView::new(R::SORT, false),
            refs: Vec::new(),
            open: None,
            key: None,
        }
    }
}

impl<R: FeedRow> FeedTable<R> {
    /// The rows judged at `at`.
    pub fn rows_at<'a>(&'a self, estate: &'a Estate, at: R::At) -> FeedRows<'a, R> {
        FeedRows {
            estate,
            refs: &self.refs,
            at,
        }
    }

    /// Re-reads the records when their feed or the scope mask changed.
    fn sync_rows(&mut self, cx: &Cx) {
        let count = |e: &Estate, s| R::of_scope(e, s).len();
        if collect_refs(
            &mut self.key,
            &mut self.refs,
            cx.estate,
            cx.mask,
            R::FEED,
            count,
        ) {
            let src = FeedRows::<R> {
                estate: cx.estate,
                refs: &self.refs,
                at: R::at(cx.now),
            };
            self.table.rebuild(&src);
        }
    }

    /// The rows bound to the table, for the shared keys.
    fn bound<'a>(&'a mut self, cx: &Cx<'a>) -> Box<dyn ListMut + 'a> {
        Box::new(Bound {
            table: &mut self.table,
            src: FeedRows::<R> {
                estate: cx.estate,
                refs: &self.refs,
                at: R::at(cx.now),
            },
        })
    }

    pub fn selected<'a>(&self, estate: &'a Estate) -> Option<&'a R> {
        let (s, i) = *self.refs.get(self.table.selected_row()?)?;
        R::of_scope(estate, s).get(i as usize)
    }
}

impl<R: FeedRow<At = ()>> FeedTable<R> {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> FeedRows<'a, R> {
        self.rows_at(estate, ())
    }
}

impl<R: FeedRow> Component for FeedTable<R> {
    fn help(&self) -> &'static [KeyHint] {
        R::HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        hints::OPS
    }
    fn takes_keys(&self) -> bool {
        self.open.is_some()
    }
    fn sync(&mut self, cx: &Cx) {
        self.sync_rows(cx);
    }
    fn list(&self, _cx: &Cx) -> Option<&dyn List> {
        Some(&self.table)
    }
    fn list_mut<'a>(&'a mut self, cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(self.bound(cx))
    }
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if let Some(open) = self.open.as_mut() {
            return match R::open_key(open, key, cx, out) {
                OpenKey::Passed => false,
                OpenKey::Taken => true,
                OpenKey::Close => {
                    self.open = None;
                    true
                }
            };
        }
        if action == Some(Action::Details)
            && let Some(record) = self.selected(cx.estate).and_then(R::record)
        {
            out.push(Cmd::OpenRecord(record));
            return true;
        }
        R::on_key(self, key, action, cx, out)
    }
}
