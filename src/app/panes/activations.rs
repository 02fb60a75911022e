//! The activations pane: the hybrid activations of every scope shown, as a
//! [`TableView`] judged at the clock's time; Enter shows one in full.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::record::RECORD_HELP;
use super::{Cmd, Component, Cx, KeyHint, PaneKind, hints};
use crate::app::filter::FilterColumn;
use crate::app::keymap::Action;
use crate::app::overlay::Record;
use crate::app::table::{
    TableColumn, TableSource, TableView, account_cell, collect_refs, region_cell,
};
use crate::model::{Activation, ActivationState, Estate, Feed, ScopeId};

/// A column of the activations table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActCol {
    State,
    Id,
    Name,
    Registrations,
    Expires,
    Created,
    IamRole,
    Description,
    Account,
    Region,
}

impl FilterColumn for ActCol {
    fn from_filter_key(key: &str) -> Option<ActCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "state" | "status" => ActCol::State,
            "id" => ActCol::Id,
            "name" => ActCol::Name,
            "role" | "iam" => ActCol::IamRole,
            "description" | "desc" => ActCol::Description,
            "account" => ActCol::Account,
            "region" => ActCol::Region,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "state, id, name, role, description, account, region"
    }
}

impl TableColumn for ActCol {
    const ALL: &'static [ActCol] = &[
        ActCol::State,
        ActCol::Id,
        ActCol::Name,
        ActCol::Registrations,
        ActCol::Expires,
        ActCol::Created,
        ActCol::IamRole,
        ActCol::Description,
        ActCol::Account,
        ActCol::Region,
    ];

    fn title(self) -> &'static str {
        match self {
            ActCol::State => "State",
            ActCol::Id => "Activation",
            ActCol::Name => "Default name",
            ActCol::Registrations => "Registered",
            ActCol::Expires => "Expires",
            ActCol::Created => "Created",
            ActCol::IamRole => "IAM role",
            ActCol::Description => "Description",
            ActCol::Account => "Account",
            ActCol::Region => "Region",
        }
    }
}

/// The activations of the scopes shown, judged at `now`.
pub struct ActivationRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
    pub now: DateTime<Utc>,
}

impl ActivationRows<'_> {
    pub fn item(&self, row: usize) -> Option<&Activation> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_activations(s).get(i as usize)
    }
}

impl TableSource for ActivationRows<'_> {
    type Col = ActCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: ActCol) -> Cow<'_, str> {
        let Some(a) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            ActCol::State => Cow::Borrowed(a.state(self.now).label()),
            ActCol::Id => Cow::Borrowed(&a.activation_id),
            ActCol::Name => Cow::Borrowed(&a.default_instance_name),
            ActCol::Registrations => Cow::Owned(format!(
                "{}/{}",
                a.registrations_count, a.registration_limit
            )),
            ActCol::Expires | ActCol::Created => Cow::Borrowed(""),
            ActCol::IamRole => Cow::Borrowed(&a.iam_role),
            ActCol::Description => Cow::Borrowed(&a.description),
            ActCol::Account => account_cell(self.estate, a.scope),
            ActCol::Region => region_cell(self.estate, a.scope),
        }
    }

    fn sort_key(&self, row: usize, col: ActCol) -> Option<i64> {
        let a = self.item(row)?;
        match col {
            // Expiring soon first, then expired, full, active; soonest expiry first within.
            ActCol::State => {
                let rank = match a.state(self.now) {
                    ActivationState::ExpiringSoon => 0,
                    ActivationState::Expired => 1,
                    ActivationState::Full => 2,
                    ActivationState::Active => 3,
                };
                Some(rank)
            }
            ActCol::Registrations => Some(i64::from(a.registrations_count)),
            ActCol::Expires => Some(a.expiration.map_or(i64::MAX, |t| t.timestamp())),
            ActCol::Created => Some(a.created.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn tags(&self, row: usize) -> &[(String, String)] {
        self.item(row).map_or(&[], |a| a.tags.as_slice())
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|a| format!("{}/{}", a.scope, a.activation_id))
            .unwrap_or_default()
    }
}

/// State of the activations pane.
#[derive(Debug)]
pub struct ActivationsView {
    pub table: TableView<ActCol>,
    pub refs: Vec<(ScopeId, u32)>,
    /// (feed generation, scope mask) the rows reflect.
    key: Option<(u64, Vec<bool>)>,
}

impl Default for ActivationsView {
    fn default() -> Self {
        ActivationsView {
            table: TableView::new(ActCol::State, false),
            refs: Vec::new(),
            key: None,
        }
    }
}

impl ActivationsView {
    pub fn rows<'a>(&'a self, estate: &'a Estate, now: DateTime<Utc>) -> ActivationRows<'a> {
        ActivationRows {
            estate,
            refs: &self.refs,
            now,
        }
    }

    /// Re-reads the activations when their feed or the scope mask changed.
    pub fn sync(&mut self, estate: &Estate, mask: &[bool], now: DateTime<Utc>) {
        let count = |e: &Estate, s| e.scope_activations(s).len();
        if collect_refs(
            &mut self.key,
            &mut self.refs,
            estate,
            mask,
            Feed::Activations,
            count,
        ) {
            let src = ActivationRows {
                estate,
                refs: &self.refs,
                now,
            };
            self.table.rebuild(&src);
        }
    }

    pub fn selected<'a>(&self, estate: &'a Estate) -> Option<&'a Activation> {
        let (s, i) = *self.refs.get(self.table.selected_row()?)?;
        estate.scope_activations(s).get(i as usize)
    }
}

impl PaneKind for ActivationsView {
    const TITLE: &'static str = "Activations";
    const ALIASES: &'static [&'static str] = &["activations", "act", "hybrid"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Activations];
}

impl Component for ActivationsView {
    fn help(&self) -> &'static [KeyHint] {
        RECORD_HELP
    }
    fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
        hints::OPS
    }
    fn sync(&mut self, cx: &Cx) {
        ActivationsView::sync(self, cx.estate, cx.mask, cx.now);
    }
    table_rows!(table, refs, cx => ActivationRows { now: cx.now });
    fn on_key(
        &mut self,
        _key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if action != Some(Action::Details) {
            return false;
        }
        let Some(a) = self.selected(cx.estate) else {
            return false;
        };
        out.push(Cmd::OpenRecord(Record::Activation {
            scope: a.scope,
            id: a.activation_id.clone(),
        }));
        true
    }
}
