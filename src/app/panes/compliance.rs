//! The compliance pane: summaries per type and the non-compliant resources (a
//! [`TableView`]) of the scopes shown.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::app::filter::FilterColumn;
use crate::app::table::{
    TableColumn, TableSource, TableView, account_cell, region_cell, shown_scopes,
};
use crossterm::event::{KeyCode, KeyEvent};

use super::{Cmd, Component, Cx, KeyHint, PaneKind, hints};
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::Overlay;
use crate::app::scroll::viewport_nav;
use crate::app::table::Viewport;
use crate::model::{DetailRequest, Estate, Feed, ResourceCompliance, ScopeId, SeverityCounts};

/// A column of the non-compliant resources table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResCol {
    Account,
    Region,
    Resource,
    Name,
    Type,
    Severity,
    NonCompliant,
    Executed,
}

impl FilterColumn for ResCol {
    fn from_filter_key(key: &str) -> Option<ResCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "account" => ResCol::Account,
            "region" => ResCol::Region,
            "id" | "resource" => ResCol::Resource,
            "name" => ResCol::Name,
            "type" => ResCol::Type,
            "severity" | "sev" => ResCol::Severity,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "account, region, id, name, type, severity"
    }
}

impl TableColumn for ResCol {
    const ALL: &'static [ResCol] = &[
        ResCol::Severity,
        ResCol::Resource,
        ResCol::Name,
        ResCol::Type,
        ResCol::NonCompliant,
        ResCol::Account,
        ResCol::Region,
        ResCol::Executed,
    ];

    fn title(self) -> &'static str {
        match self {
            ResCol::Account => "Account",
            ResCol::Region => "Region",
            ResCol::Resource => "Resource",
            ResCol::Name => "Name",
            ResCol::Type => "Type",
            ResCol::Severity => "Worst",
            ResCol::NonCompliant => "Non-compl.",
            ResCol::Executed => "Checked",
        }
    }
}

/// The non-compliant resources of the scopes shown.
pub struct ResourceRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
}

impl ResourceRows<'_> {
    pub fn resource(&self, row: usize) -> Option<&ResourceCompliance> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_resource_compliance(s).get(i as usize)
    }
}

impl TableSource for ResourceRows<'_> {
    type Col = ResCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: ResCol) -> Cow<'_, str> {
        let Some(r) = self.resource(row) else {
            return Cow::Borrowed("");
        };
        match col {
            ResCol::Account => account_cell(self.estate, r.scope),
            ResCol::Region => region_cell(self.estate, r.scope),
            ResCol::Resource => Cow::Borrowed(&r.resource_id),
            ResCol::Name => Cow::Borrowed(
                self.estate
                    .find_node(r.scope, &r.resource_id)
                    .map_or("", |n| n.name()),
            ),
            ResCol::Type => Cow::Borrowed(&r.compliance_type),
            ResCol::Severity => Cow::Borrowed(r.worst_severity.as_str()),
            ResCol::NonCompliant => Cow::Owned(r.non_compliant.total().to_string()),
            ResCol::Executed => Cow::Borrowed(""),
        }
    }

    fn sort_key(&self, row: usize, col: ResCol) -> Option<i64> {
        let r = self.resource(row)?;
        match col {
            ResCol::Severity => Some(r.worst_severity as i64),
            ResCol::NonCompliant => Some(-i64::from(r.non_compliant.total())),
            ResCol::Executed => Some(r.execution_time.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn row_key(&self, row: usize) -> String {
        self.resource(row)
            .map(|r| format!("{}/{}/{}", r.scope, r.resource_id, r.compliance_type))
            .unwrap_or_default()
    }
}

/// Compliance of one type over the scopes shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    pub compliance_type: String,
    pub compliant: SeverityCounts,
    pub non_compliant: SeverityCounts,
}

/// Summaries per compliance type over the scopes in `mask`, sorted by type.
pub fn compliance_summary(estate: &Estate, mask: &[bool]) -> Vec<SummaryRow> {
    let mut by: BTreeMap<&str, (SeverityCounts, SeverityCounts)> = BTreeMap::new();
    for s in shown_scopes(estate, mask) {
        for c in estate.scope_compliance(s) {
            let e = by.entry(&c.compliance_type).or_default();
            e.0.add(&c.compliant);
            e.1.add(&c.non_compliant);
        }
    }
    by.into_iter()
        .map(|(t, (c, n))| SummaryRow {
            compliance_type: t.to_string(),
            compliant: c,
            non_compliant: n,
        })
        .collect()
}

/// State of the compliance pane.
#[derive(Debug)]
pub struct ComplianceView {
    pub table: TableView<ResCol>,
    pub refs: Vec<(ScopeId, u32)>,
    pub summary: Vec<SummaryRow>,
    key: Option<(u64, u64, Vec<bool>)>,
}

impl Default for ComplianceView {
    fn default() -> Self {
        ComplianceView {
            table: TableView::new(ResCol::Severity, false),
            refs: Vec::new(),
            summary: Vec::new(),
            key: None,
        }
    }
}

impl ComplianceView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> ResourceRows<'a> {
        ResourceRows {
            estate,
            refs: &self.refs,
        }
    }

    /// Re-reads when the compliance feed, the nodes (names) or the scope mask changed.
    pub fn sync(&mut self, estate: &Estate, mask: &[bool]) {
        let key = (
            estate.feed_generation(Feed::Compliance),
            estate.generation(),
            mask.to_vec(),
        );
        if self.key.as_ref() == Some(&key) {
            return;
        }
        self.refs.clear();
        for s in shown_scopes(estate, mask) {
            let list = estate.scope_resource_compliance(s);
            self.refs.extend(
                list.iter()
                    .enumerate()
                    .filter(|(_, r)| r.non_compliant.total() > 0 || r.status == "NON_COMPLIANT")
                    .map(|(i, _)| (s, i as u32)),
            );
        }
        self.summary = compliance_summary(estate, mask);
        let src = ResourceRows {
            estate,
            refs: &self.refs,
        };
        self.table.rebuild(&src);
        self.key = Some(key);
    }

    pub fn selected<'a>(&self, estate: &'a Estate) -> Option<&'a ResourceCompliance> {
        let (s, i) = *self.refs.get(self.table.selected_row()?)?;
        estate.scope_resource_compliance(s).get(i as usize)
    }
}

impl PaneKind for ComplianceView {
    const TITLE: &'static str = "Compliance";
    const SHORT: &'static str = "Comp";
    const ALIASES: &'static [&'static str] = &["compliance", "comp", "co"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Compliance];
}

impl Component for ComplianceView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[
            KeyHint::pane("n", &[PaneAction::GoToNode], "ops, compliance: go to node"),
            KeyHint::table("Enter", &[Action::Details], "OpsItem / compliance items"),
        ];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        hints::OPS
    }
    fn sync(&mut self, cx: &Cx) {
        ComplianceView::sync(self, cx.estate, cx.mask);
    }
    table_rows!(table, refs, cx => ResourceRows {});
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let Some(r) = self.selected(cx.estate) else {
            return false;
        };
        let (scope, resource_id) = (r.scope, r.resource_id.clone());
        if action == Some(Action::Details) {
            out.push(Cmd::Request(DetailRequest::ComplianceItems {
                scope,
                resource_id: resource_id.clone(),
            }));
            out.push(Cmd::Open(Overlay::ComplianceItems {
                scope,
                resource_id,
                compliance_type: r.compliance_type.clone(),
                view: Viewport::default(),
            }));
            return true;
        }
        if cx.pane_action(key, pane_keys::COMPLIANCE) != Some(PaneAction::GoToNode) {
            return false;
        }
        out.push(Cmd::JumpToNode {
            scope: Some(scope),
            instance_id: resource_id,
        });
        true
    }
}

/// Keys of a resource's compliance items (`Overlay::ComplianceItems`): they scroll,
/// `n` or Enter goes to the resource's node, `r` fetches them again.
pub fn items_key(overlay: &mut Overlay, key: &KeyEvent, cx: &Cx, out: &mut Vec<Cmd>) -> bool {
    let Overlay::ComplianceItems {
        scope,
        resource_id,
        view,
        ..
    } = overlay
    else {
        return false;
    };
    let len = cx
        .estate
        .compliance_items(*scope, resource_id)
        .map_or(0, <[_]>::len);
    let action = cx.keys.action(key);
    if viewport_nav(view, len, action) {
        return true;
    }
    let (scope, resource_id) = (*scope, resource_id.clone());
    match (cx.pane_action(key, pane_keys::COMPLIANCE_ITEMS), key.code) {
        (Some(PaneAction::GoToNode), _) | (_, KeyCode::Enter) => out.push(Cmd::JumpToNode {
            scope: Some(scope),
            instance_id: resource_id,
        }),
        (Some(PaneAction::Refresh), _) => out.push(Cmd::Request(DetailRequest::ComplianceItems {
            scope,
            resource_id,
        })),
        (_, KeyCode::Esc) => out.push(Cmd::Open(Overlay::None)),
        _ if action == Some(Action::Quit) => out.push(Cmd::Open(Overlay::None)),
        _ if action == Some(Action::Help) => out.push(Cmd::Open(Overlay::Help)),
        _ => return false,
    }
    true
}
