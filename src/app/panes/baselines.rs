//! The patch baselines pane: each baseline of the scopes shown with its operating
//! system, approval rules, approved and rejected patches, the patch groups it serves and
//! the nodes patched with it. `s` scans and `i` installs through AWS-RunPatchBaseline.

use std::borrow::Cow;

use crossterm::event::KeyEvent;

use super::catalog::{self, CatalogList, columns};
use super::{Cmd, Component, Cx, KeyHint, PaneKind, hints};
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::overlay::CatalogItem;
use crate::app::table::{TableSource, account_cell, region_cell};
use crate::model::{Estate, Feed, PatchBaseline, ScopeId};

columns!(
    /// A column of the baselines table.
    BaseCol {
        Name => "Baseline", "name";
        Os => "OS", "os";
        Default => "Default", "default";
        Approval => "Auto-approval", "approval";
        Approved => "Approved", "approved";
        Rejected => "Rejected", "rejected";
        Groups => "Patch groups", "groups";
        Nodes => "Nodes", "nodes";
        NonCompliant => "Missing/failed", "missing";
        Account => "Account", "account";
        Region => "Region", "region";
    }
);

/// The baselines of the scopes shown: (scope, index) into the estate.
pub struct BaselineRows<'a> {
    pub estate: &'a Estate,
    pub refs: &'a [(ScopeId, u32)],
}

impl BaselineRows<'_> {
    pub fn item(&self, row: usize) -> Option<&PatchBaseline> {
        let (s, i) = *self.refs.get(row)?;
        self.estate.scope_baselines(s).get(i as usize)
    }

    /// (nodes patched with the baseline, missing + failed patches over them).
    pub fn node_counts(&self, row: usize) -> (u32, u32) {
        let Some(b) = self.item(row) else {
            return (0, 0);
        };
        self.estate
            .scope_patch_states(b.scope)
            .iter()
            .filter(|p| p.baseline_id == b.id)
            .fold((0, 0), |(n, m), p| (n + 1, m + p.missing + p.failed))
    }
}

impl TableSource for BaselineRows<'_> {
    type Col = BaseCol;

    fn len(&self) -> usize {
        self.refs.len()
    }

    fn cell(&self, row: usize, col: BaseCol) -> Cow<'_, str> {
        let Some(b) = self.item(row) else {
            return Cow::Borrowed("");
        };
        match col {
            BaseCol::Name => Cow::Borrowed(&b.name),
            BaseCol::Os => Cow::Borrowed(&b.operating_system),
            BaseCol::Default => Cow::Borrowed(if b.default_baseline { "default" } else { "" }),
            BaseCol::Approval => Cow::Owned(b.approval_summary()),
            BaseCol::Approved => Cow::Owned(b.approved_patches.len().to_string()),
            BaseCol::Rejected => Cow::Owned(b.rejected_patches.len().to_string()),
            BaseCol::Groups => Cow::Owned(b.patch_groups.join(", ")),
            BaseCol::Nodes => Cow::Owned(self.node_counts(row).0.to_string()),
            BaseCol::NonCompliant => Cow::Owned(self.node_counts(row).1.to_string()),
            BaseCol::Account => account_cell(self.estate, b.scope),
            BaseCol::Region => region_cell(self.estate, b.scope),
        }
    }

    fn sort_key(&self, row: usize, col: BaseCol) -> Option<i64> {
        let b = self.item(row)?;
        match col {
            BaseCol::Approved => Some(b.approved_patches.len() as i64),
            BaseCol::Rejected => Some(b.rejected_patches.len() as i64),
            BaseCol::Nodes => Some(i64::from(self.node_counts(row).0)),
            // Most missing first.
            BaseCol::NonCompliant => Some(-i64::from(self.node_counts(row).1)),
            _ => None,
        }
    }

    fn row_key(&self, row: usize) -> String {
        self.item(row)
            .map(|b| format!("{}/{}", b.scope, b.id))
            .unwrap_or_default()
    }
}

/// State of the patch baselines pane.
#[derive(Debug)]
pub struct BaselinesView {
    pub list: CatalogList<BaseCol>,
}

impl Default for BaselinesView {
    fn default() -> Self {
        BaselinesView {
            list: CatalogList::new(BaseCol::Name),
        }
    }
}

impl BaselinesView {
    pub fn rows<'a>(&'a self, estate: &'a Estate) -> BaselineRows<'a> {
        BaselineRows {
            estate,
            refs: &self.list.refs,
        }
    }

    /// The baseline selected.
    pub fn selected(&self, estate: &Estate) -> Option<CatalogItem> {
        let (s, i) = self.list.selected_ref()?;
        let b = estate.scope_baselines(s).get(i as usize)?;
        Some(CatalogItem::Baseline {
            scope: b.scope,
            id: b.id.clone(),
        })
    }
}

impl PaneKind for BaselinesView {
    const TITLE: &'static str = "Baselines";
    const ALIASES: &'static [&'static str] = &["baselines", "baseline", "patch", "patches"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Baselines, Feed::Patch];
}

impl Component for BaselinesView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[KeyHint::both(
            "Enter · n p",
            &[Action::Details],
            &[PaneAction::NextNode, PaneAction::PrevNode],
            "baseline: rules, nodes' patches",
        )];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        hints::TABLE
    }
    fn sync(&mut self, cx: &Cx) {
        let feeds = (Feed::Baselines, Feed::Patch);
        let pick = |e: &Estate, s| (0..e.scope_baselines(s).len() as u32).collect();
        self.list
            .sync(cx, feeds, pick, |estate, refs| BaselineRows {
                estate,
                refs,
            });
    }
    table_rows!(list.table, list.refs, cx => BaselineRows {});
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let pane_action = cx.pane_action(key, pane_keys::BASELINES);
        catalog::table_key(self.selected(cx.estate), action, pane_action, cx, out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::actions::{CommandTarget, ScopedTarget};
    use crate::app::keymap::KeyMap;
    use crate::app::overlay::{CatalogDetail, Overlay};
    use crate::app::panes::runs::{PatchOperation, baseline_nodes, patch_run};
    use crate::app::tests::{cx, scope};
    use crate::model::{DetailRequest, FeedEvent, PatchState};

    fn baseline(id: &str, name: &str, groups: &[&str]) -> PatchBaseline {
        PatchBaseline {
            scope: 0,
            id: id.into(),
            name: name.into(),
            operating_system: "AMAZON_LINUX_2023".into(),
            description: String::new(),
            default_baseline: false,
            global_filters: Vec::new(),
            rules: Vec::new(),
            approved_patches: Vec::new(),
            approved_compliance_level: "UNSPECIFIED".into(),
            rejected_patches: Vec::new(),
            rejected_action: "ALLOW_AS_DEPENDENCY".into(),
            patch_groups: groups.iter().map(|g| g.to_string()).collect(),
            created: None,
            modified: None,
        }
    }

    fn state(id: &str, baseline: &str, group: &str, missing: u32) -> PatchState {
        let mut p = PatchState::new(0, id);
        p.baseline_id = baseline.into();
        p.patch_group = group.into();
        p.missing = missing;
        p
    }

    /// One scope: `alpha` serves group wave1 (two nodes), `beta` no group (one node),
    /// `gamma` neither.
    fn estate() -> Estate {
        let at = Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).single().unwrap();
        let mut e = Estate::new();
        e.apply(FeedEvent::ScopesDiscovered {
            scopes: vec![scope("acme", "111111111111", "eu-west-1")],
            note: None,
        });
        e.apply(FeedEvent::BaselinesLoaded {
            scope: 0,
            baselines: vec![
                baseline("pb-1", "alpha", &["wave1"]),
                baseline("pb-2", "beta", &[]),
                baseline("pb-3", "gamma", &[]),
            ],
            groups: Vec::new(),
            at,
        });
        e.apply(FeedEvent::PatchLoaded {
            scope: 0,
            states: vec![
                state("i-a", "pb-1", "wave1", 0),
                state("i-b", "pb-1", "wave1", 3),
                state("i-c", "pb-2", "", 1),
            ],
            at,
        });
        e
    }

    fn press(view: &mut BaselinesView, c: char, cx: &Cx) -> (bool, Vec<Cmd>) {
        let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let mut out = Vec::new();
        let done = view.on_key(&key, cx.keys.action(&key), cx, &mut out);
        (done, out)
    }

    #[test]
    fn nodes_most_missing_first() {
        let e = estate();
        assert_eq!(baseline_nodes(&e, 0, "pb-1"), vec!["i-b", "i-a"]);
        assert!(baseline_nodes(&e, 0, "pb-3").is_empty());
    }

    #[test]
    fn patch_runs_target_groups_then_nodes() {
        let e = estate();
        let Some(Cmd::RunCommand(spec)) = patch_run(&e, 0, "pb-1", PatchOperation::Install) else {
            panic!("no form for a baseline with a patch group");
        };
        assert_eq!(spec.document, "AWS-RunPatchBaseline");
        assert!(
            spec.parameters
                .contains(&("Operation".into(), vec!["Install".into()]))
        );
        assert!(
            spec.parameters
                .contains(&("RebootOption".into(), vec!["RebootIfNeeded".into()]))
        );
        assert_eq!(spec.targets.len(), 1);
        assert_eq!(spec.targets[0].expected, Some(2));
        assert!(matches!(
            &spec.targets[0].target,
            CommandTarget::Tag { key, value } if key == "Patch Group" && value == "wave1"
        ));
        let Some(Cmd::RunCommand(spec)) = patch_run(&e, 0, "pb-2", PatchOperation::Scan) else {
            panic!("no form for a baseline with nodes");
        };
        assert!(
            spec.parameters
                .contains(&("RebootOption".into(), vec!["NoReboot".into()]))
        );
        assert_eq!(
            spec.targets,
            vec![ScopedTarget::nodes(
                e.scopes()[0].scope.clone(),
                vec!["i-c".to_string()]
            )]
        );
        assert!(matches!(
            patch_run(&e, 0, "pb-3", PatchOperation::Scan),
            Some(Cmd::Note { error: true, .. })
        ));
        assert_eq!(patch_run(&e, 7, "pb-1", PatchOperation::Scan), None);
    }

    #[test]
    fn install_key_closes_and_opens_the_form_unless_read_only() {
        let e = estate();
        let keys = KeyMap::default();
        let mut view = BaselinesView::default();
        view.sync(&cx(&e, &keys, true));
        assert_eq!(view.list.table.len(), 3);
        let (done, out) = press(&mut view, 'i', &cx(&e, &keys, true));
        assert!(!done);
        assert!(out.is_empty(), "{out:?}");
        let (done, out) = press(&mut view, 'i', &cx(&e, &keys, false));
        assert!(done);
        assert_eq!(out.len(), 3, "{out:?}");
        assert_eq!(out[0], Cmd::Open(Overlay::None));
        assert_eq!(out[1], Cmd::ForgetSecrets);
        assert!(matches!(&out[2], Cmd::RunCommand(s) if s.comment == "patch install via pb-1"));
    }

    #[test]
    fn detail_picks_nodes_in_turn() {
        let e = estate();
        let keys = KeyMap::default();
        let cx = cx(&e, &keys, false);
        let mut d = CatalogDetail {
            item: CatalogItem::Baseline {
                scope: 0,
                id: "pb-1".into(),
            },
            scroll: 0,
            reveal: false,
            node: 0,
            editing: None,
        };
        let mut asked = Vec::new();
        for c in ['n', 'n', 'p'] {
            let mut out = Vec::new();
            assert!(d.on_key(&KeyEvent::from(KeyCode::Char(c)), &cx, &mut out));
            let [Cmd::Request(DetailRequest::NodePatches { instance_id, .. })] = out.as_slice()
            else {
                panic!("{out:?}");
            };
            asked.push(instance_id.clone());
        }
        assert_eq!(asked, ["i-a", "i-b", "i-a"]);
        assert_eq!(d.node, 1);
    }
}
