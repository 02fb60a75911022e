//! The OpsCenter pane: every OpsItem of the scopes shown, as a [`TableView`].

use std::borrow::Cow;

use crate::app::filter::FilterColumn;
use crate::app::table::{TableColumn, account_cell, region_cell};
use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::feed_table::{FeedRow, FeedRows, FeedTable};
use super::{Cmd, Cx, KeyHint, PaneKind};
use crate::app::documents::document_ref;
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Overlay;
use crate::app::scroll::scroll_key;
use crate::model::{DetailRequest, Estate, Feed, OpsItem, ScopeId};

/// A column of the OpsItems table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsCol {
    Account,
    Region,
    Id,
    Severity,
    Status,
    Source,
    Title,
    Created,
}

impl FilterColumn for OpsCol {
    fn from_filter_key(key: &str) -> Option<OpsCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "account" => OpsCol::Account,
            "region" => OpsCol::Region,
            "id" => OpsCol::Id,
            "severity" | "sev" => OpsCol::Severity,
            "status" => OpsCol::Status,
            "source" => OpsCol::Source,
            "title" => OpsCol::Title,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "account, region, id, severity, status, source, title"
    }
}

impl TableColumn for OpsCol {
    const ALL: &'static [OpsCol] = &[
        OpsCol::Severity,
        OpsCol::Status,
        OpsCol::Id,
        OpsCol::Title,
        OpsCol::Source,
        OpsCol::Account,
        OpsCol::Region,
        OpsCol::Created,
    ];

    fn title(self) -> &'static str {
        match self {
            OpsCol::Account => "Account",
            OpsCol::Region => "Region",
            OpsCol::Id => "OpsItem",
            OpsCol::Severity => "Sev",
            OpsCol::Status => "Status",
            OpsCol::Source => "Source",
            OpsCol::Title => "Title",
            OpsCol::Created => "Age",
        }
    }
}

/// `1 critical`, `2 high`, `3 medium`, `4 low`; other values as they are.
pub fn severity_label(sev: &str) -> Cow<'_, str> {
    match sev {
        "1" => "1 critical".into(),
        "2" => "2 high".into(),
        "3" => "3 medium".into(),
        "4" => "4 low".into(),
        "" => "-".into(),
        s => s.into(),
    }
}

/// The OpsItems of the scopes shown: (scope, index) into the estate.
pub type OpsRows<'a> = FeedRows<'a, OpsItem>;

/// State of the OpsCenter pane.
pub type OpsView = FeedTable<OpsItem>;

impl FeedRow for OpsItem {
    type Col = OpsCol;
    type At = ();
    const FEED: Feed = Feed::OpsItems;
    const SORT: OpsCol = OpsCol::Severity;

    fn of_scope(estate: &Estate, scope: ScopeId) -> &[OpsItem] {
        estate.scope_ops_items(scope)
    }

    fn at(_now: DateTime<Utc>) {}

    fn cell<'a>(&'a self, estate: &'a Estate, _at: (), col: OpsCol) -> Cow<'a, str> {
        match col {
            OpsCol::Account => account_cell(estate, self.scope),
            OpsCol::Region => region_cell(estate, self.scope),
            OpsCol::Id => Cow::Borrowed(&self.id),
            OpsCol::Severity => severity_label(&self.severity),
            OpsCol::Status => Cow::Borrowed(&self.status),
            OpsCol::Source => Cow::Borrowed(&self.source),
            OpsCol::Title => Cow::Borrowed(&self.title),
            OpsCol::Created => Cow::Borrowed(""),
        }
    }

    fn sort_key(&self, _at: (), col: OpsCol) -> Option<i64> {
        match col {
            // Unset severity after 4 (low).
            OpsCol::Severity => Some(self.severity.parse::<i64>().unwrap_or(9)),
            // Newest first when ascending.
            OpsCol::Created => Some(self.created.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn tags(&self) -> &[(String, String)] {
        &self.operational_data
    }

    fn row_key(&self) -> String {
        format!("{}/{}", self.scope, self.id)
    }

    type Open = ();
    const HELP: &'static [KeyHint] = &[
        KeyHint::pane("n", &[PaneAction::GoToNode], "ops, compliance: go to node"),
        KeyHint::table("Enter", &[Action::Details], "OpsItem / compliance items"),
        KeyHint::both(
            "n p / Enter",
            &[Action::Details],
            &[PaneAction::NextNode, PaneAction::PrevNode],
            "OpsItem: pick node, go to it",
        ),
    ];

    fn on_key(
        view: &mut OpsView,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let Some(item) = view.selected(cx.estate) else {
            return action != Some(Action::Details)
                && cx.pane_action(key, pane_keys::OPS) == Some(PaneAction::GoToNode)
                && {
                    out.push(no_node());
                    true
                };
        };
        if action == Some(Action::Details) {
            open_item(item, cx, out);
            return true;
        }
        if cx.pane_action(key, pane_keys::OPS) != Some(PaneAction::GoToNode) {
            return false;
        }
        match node_ids(&item.resources).into_iter().next() {
            Some(id) => out.push(Cmd::JumpToNode {
                scope: Some(item.scope),
                instance_id: id,
            }),
            None => out.push(no_node()),
        }
        true
    }
}

impl PaneKind for OpsView {
    const TITLE: &'static str = "OpsCenter";
    const SHORT: &'static str = "Ops";
    const ALIASES: &'static [&'static str] = &["ops", "opscenter", "oi", "opsitems"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::OpsItems];
}

fn no_node() -> Cmd {
    Cmd::Note {
        text: "this OpsItem names no managed node".into(),
        error: true,
    }
}

/// Opens `item` in full and asks for its detail, and for its suggested runbook's
/// parameters so that `x` knows whether the item fills them.
fn open_item(item: &OpsItem, cx: &Cx, out: &mut Vec<Cmd>) {
    let (scope, id) = (item.scope, item.id.clone());
    out.push(Cmd::Request(DetailRequest::OpsItem {
        scope,
        id: id.clone(),
    }));
    if let Some(runbook) = item.runbooks.first().filter(|_| !cx.read_only) {
        out.push(Cmd::Request(DetailRequest::Document {
            scope,
            name: document_ref(cx.estate, scope, runbook),
            version: None,
        }));
    }
    out.push(Cmd::Open(Overlay::OpsItem {
        scope,
        id,
        scroll: 0,
        cursor: 0,
    }));
}

/// The managed nodes an OpsItem names (its resources and, once its detail is in, its
/// related items), each once.
pub fn item_nodes(estate: &Estate, scope: ScopeId, id: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(d) = estate.ops_item_detail(scope, id) {
        out.extend(node_ids(&d.item.resources));
        out.extend(d.related.iter().filter_map(|r| node_id(&r.resource_uri)));
    } else if let Some(i) = estate.scope_ops_items(scope).iter().find(|i| i.id == id) {
        out.extend(node_ids(&i.resources));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    out
}

/// Keys of the OpsItem shown in full (`Overlay::OpsItem`): it scrolls, `n`/`p` (and
/// Tab/Shift-Tab) pick one of the nodes it names, Enter goes to that node, `r` fetches
/// the item again.
pub fn item_key(overlay: &mut Overlay, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
    let Overlay::OpsItem {
        scope,
        id,
        scroll,
        cursor,
    } = overlay
    else {
        return false;
    };
    let nodes = item_nodes(cx.estate, *scope, id);
    let action = cx.keys.action(key);
    if scroll_key(action, scroll) {
        return true;
    }
    let cur = *cursor;
    let pane_action = cx.pane_action(key, pane_keys::OPS_ITEM);
    match (pane_action, key.code) {
        (Some(PaneAction::NextNode), _) | (_, KeyCode::Tab) if !nodes.is_empty() => {
            *cursor = (cur + 1) % nodes.len();
        }
        (Some(PaneAction::PrevNode), _) | (_, KeyCode::BackTab) if !nodes.is_empty() => {
            *cursor = (cur + nodes.len() - 1) % nodes.len();
        }
        (Some(PaneAction::Refresh), _) => out.push(Cmd::Request(DetailRequest::OpsItem {
            scope: *scope,
            id: id.clone(),
        })),
        (_, KeyCode::Esc) => out.push(Cmd::Open(Overlay::None)),
        _ if action == Some(Action::Quit) => out.push(Cmd::Open(Overlay::None)),
        (_, KeyCode::Enter) => match nodes.get(cur.min(nodes.len().saturating_sub(1))) {
            Some(node) => out.push(Cmd::JumpToNode {
                scope: Some(*scope),
                instance_id: node.clone(),
            }),
            None => out.push(no_node()),
        },
        _ if action == Some(Action::Help) => out.push(Cmd::Open(Overlay::Help)),
        _ => return false,
    }
    true
}

/// Managed-node ids among an OpsItem's resources (ids or ARNs).
pub fn node_ids(resources: &[String]) -> Vec<String> {
    resources.iter().filter_map(|r| node_id(r)).collect()
}

/// `i-…` / `mi-…` from an instance id or ARN.
pub fn node_id(resource: &str) -> Option<String> {
    let last = resource.rsplit(['/', ':']).next().unwrap_or(resource);
    let ok = (last.starts_with("i-") || last.starts_with("mi-"))
        && last.len() > 3
        && last.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then(|| last.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_from_arns_and_ids() {
        let r = vec![
            "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc".to_string(),
            "mi-0123456789abcdef0".to_string(),
            "arn:aws:s3:::bucket".to_string(),
            "i-".to_string(),
            "i-ab c".to_string(),
        ];
        assert_eq!(node_ids(&r), vec!["i-0abc", "mi-0123456789abcdef0"]);
        assert_eq!(severity_label("2"), "2 high");
        assert_eq!(severity_label(""), "-");
    }
}
