//! The associations pane: every State Manager association of the scopes shown, as a
//! [`TableView`], and one association in full (its executions and failing nodes); `a`
//! applies the one selected now.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::feed_table::{FeedRow, FeedRows, FeedTable, OpenKey};
use super::{Cmd, Cx, KeyHint, PaneKind};
use crate::actions::{ActionRequest, AssociationsOnceSpec};
use crate::app::filter::FilterColumn;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Overlay;
use crate::app::table::{TableColumn, account_cell, region_cell};
use crate::model::{Association, DetailRequest, Estate, Feed, ScopeId, schedule_label};

/// A column of the associations table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssocCol {
    Status,
    Name,
    Document,
    Failed,
    Targets,
    Schedule,
    LastRun,
    Account,
    Region,
    TargetSpec,
}

impl FilterColumn for AssocCol {
    fn from_filter_key(key: &str) -> Option<AssocCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "status" => AssocCol::Status,
            "name" => AssocCol::Name,
            "document" | "doc" => AssocCol::Document,
            "schedule" => AssocCol::Schedule,
            "account" => AssocCol::Account,
            "region" => AssocCol::Region,
            "targets" | "target" => AssocCol::TargetSpec,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "status, name, document, schedule, account, region, targets"
    }
}

impl TableColumn for AssocCol {
    const ALL: &'static [AssocCol] = &[
        AssocCol::Status,
        AssocCol::Name,
        AssocCol::Document,
        AssocCol::Failed,
        AssocCol::Targets,
        AssocCol::Schedule,
        AssocCol::LastRun,
        AssocCol::Account,
        AssocCol::Region,
        AssocCol::TargetSpec,
    ];

    fn title(self) -> &'static str {
        match self {
            AssocCol::Status => "Status",
            AssocCol::Name => "Association",
            AssocCol::Document => "Document",
            AssocCol::Failed => "Failed",
            AssocCol::Targets => "Nodes",
            AssocCol::Schedule => "Schedule",
            AssocCol::LastRun => "Last run",
            AssocCol::Account => "Account",
            AssocCol::Region => "Region",
            AssocCol::TargetSpec => "Targets",
        }
    }
}

/// Sort rank of an overview status: failing first.
pub fn status_rank(status: &str) -> i64 {
    match status {
        "Failed" => 0,
        "Pending" | "InProgress" => 1,
        "Success" => 2,
        _ => 3,
    }
}

/// The associations of the scopes shown: (scope, index) into the estate.
pub type AssociationRows<'a> = FeedRows<'a, Association>;

/// One association shown in full, with a cursor over its failing nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationOpen {
    pub scope: ScopeId,
    pub id: String,
    pub cursor: usize,
    pub scroll: u16,
}

/// The nodes an open association's latest execution did not succeed on, failed first.
pub fn failing_nodes(estate: &Estate, open: &AssociationOpen) -> Vec<String> {
    estate
        .association_detail(open.scope, &open.id)
        .map(|d| {
            d.failing_targets()
                .iter()
                .map(|t| t.resource_id.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// State of the associations pane.
pub type AssociationsView = FeedTable<Association>;

impl FeedRow for Association {
    type Col = AssocCol;
    type At = ();
    const FEED: Feed = Feed::Associations;
    const SORT: AssocCol = AssocCol::Status;

    fn of_scope(estate: &Estate, scope: ScopeId) -> &[Association] {
        estate.scope_associations(scope)
    }

    fn at(_now: DateTime<Utc>) {}

    fn cell<'a>(&'a self, estate: &'a Estate, _at: (), col: AssocCol) -> Cow<'a, str> {
        match col {
            AssocCol::Status => Cow::Borrowed(&self.status),
            AssocCol::Name => Cow::Borrowed(self.label()),
            AssocCol::Document => Cow::Borrowed(&self.document),
            AssocCol::Failed => Cow::Owned(self.count("Failed").to_string()),
            AssocCol::Targets => Cow::Owned(self.total().to_string()),
            AssocCol::Schedule => Cow::Owned(schedule_label(&self.schedule)),
            AssocCol::LastRun => Cow::Borrowed(""),
            AssocCol::Account => account_cell(estate, self.scope),
            AssocCol::Region => region_cell(estate, self.scope),
            AssocCol::TargetSpec => Cow::Owned(self.targets_label()),
        }
    }

    fn sort_key(&self, _at: (), col: AssocCol) -> Option<i64> {
        match col {
            AssocCol::Status => {
                Some(status_rank(&self.status) * 1_000_000 - i64::from(self.count("Failed")))
            }
            // Most failures first when ascending.
            AssocCol::Failed => Some(-i64::from(self.count("Failed"))),
            AssocCol::Targets => Some(-i64::from(self.total())),
            // Most recent first when ascending.
            AssocCol::LastRun => Some(self.last_execution.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn row_key(&self) -> String {
        format!("{}/{}", self.scope, self.association_id)
    }

    type Open = AssociationOpen;
    const HELP: &'static [KeyHint] = &[
        KeyHint::table("Enter", &[Action::Details], "associations: executions and"),
        KeyHint::more("failing nodes; j/k Enter: go to node"),
        KeyHint::pane("a", &[PaneAction::Apply], "associations: apply now"),
    ];

    fn on_key(
        view: &mut AssociationsView,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let Some((scope, id)) = view
            .selected(cx.estate)
            .map(|a| (a.scope, a.association_id.clone()))
        else {
            return false;
        };
        if action == Some(Action::Details) {
            out.push(Cmd::Request(DetailRequest::Association {
                scope,
                id: id.clone(),
            }));
            view.open = Some(AssociationOpen {
                scope,
                id,
                cursor: 0,
                scroll: 0,
            });
            return true;
        }
        cx.pane_action(key, pane_keys::ASSOCIATIONS) == Some(PaneAction::Apply)
            && apply_now(scope, &id, cx, out)
    }

    /// Keys of the association shown in full: the cursor over its failing nodes, Enter
    /// goes to one.
    fn open_key(o: &mut AssociationOpen, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> OpenKey {
        let nodes = failing_nodes(cx.estate, o);
        let pane_action = cx.pane_action(key, pane_keys::ASSOCIATION);
        match (pane_action, key.code) {
            (Some(PaneAction::GoToNode), _) | (_, KeyCode::Enter) => {
                out.push(
                    match nodes.get(o.cursor.min(nodes.len().saturating_sub(1))) {
                        Some(node) => Cmd::JumpToNode {
                            scope: Some(o.scope),
                            instance_id: node.clone(),
                        },
                        None => Cmd::Note {
                            text: "no failing node to go to".into(),
                            error: true,
                        },
                    },
                );
            }
            (Some(PaneAction::Refresh), _) => out.push(Cmd::Request(DetailRequest::Association {
                scope: o.scope,
                id: o.id.clone(),
            })),
            (Some(PaneAction::Apply), _) => return apply_now(o.scope, &o.id, cx, out).into(),
            (_, KeyCode::Esc) => return OpenKey::Close,
            _ => match cx.keys.action(key) {
                Some(Action::Quit) => return OpenKey::Close,
                Some(Action::Down) if !nodes.is_empty() => {
                    o.cursor = (o.cursor + 1).min(nodes.len() - 1);
                }
                Some(Action::Up) => o.cursor = o.cursor.saturating_sub(1),
                Some(Action::PageDown) => o.scroll = o.scroll.saturating_add(10),
                Some(Action::PageUp) => o.scroll = o.scroll.saturating_sub(10),
                Some(Action::Top) => {
                    o.cursor = 0;
                    o.scroll = 0;
                }
                Some(Action::Help) => out.push(Cmd::Open(Overlay::Help)),
                _ => return OpenKey::Passed,
            },
        }
        OpenKey::Taken
    }
}

impl PaneKind for AssociationsView {
    const TITLE: &'static str = "Associations";
    const ALIASES: &'static [&'static str] = &["associations", "assoc", "sm", "state"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Associations];
}

/// Apply now (StartAssociationsOnce): through the actions' confirmation, change
/// calendar gate and audit log (the key map never hands its key over in read-only mode).
fn apply_now(scope: ScopeId, id: &str, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
    let Some(s) = cx.estate.scope(scope).map(|s| s.scope.clone()) else {
        return false;
    };
    out.push(Cmd::Confirm(Box::new(
        ActionRequest::StartAssociationsOnce(AssociationsOnceSpec {
            scope: s,
            association_ids: vec![id.to_string()],
        }),
    )));
    true
}
