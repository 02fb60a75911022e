//! The patch baselines pane: each baseline of the scopes shown with its operating
//! system, approval rules, approved and rejected patches, the patch groups it serves and
//! the nodes patched with it. `s` scans and `i` installs through AWS-RunPatchBaseline.

use std::borrow::Cow;

use crossterm::event::KeyEvent;

use super::catalog::{self, CatalogItem, CatalogList, columns};
use super::{Bound, Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind, hints};
use crate::actions::{CommandTarget, RunCommandSpec, ScopedTarget};
use crate::app::keymap::{Action, pane_keys};
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

/// The nodes of a scope patched with a baseline (from the patch feed), most missing
/// patches first.
pub fn baseline_nodes(estate: &Estate, scope: ScopeId, baseline_id: &str) -> Vec<String> {
    let mut v: Vec<_> = estate
        .scope_patch_states(scope)
        .iter()
        .filter(|p| p.baseline_id == baseline_id)
        .collect();
    v.sort_by(|a, b| {
        (b.missing + b.failed)
            .cmp(&(a.missing + a.failed))
            .then(a.instance_id.cmp(&b.instance_id))
    });
    v.into_iter().map(|p| p.instance_id.clone()).collect()
}

/// What AWS-RunPatchBaseline does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchOperation {
    Scan,
    Install,
}

/// The Run Command form for AWS-RunPatchBaseline on the patch groups a baseline serves
/// (or, without groups, the nodes patched with it); a note when neither exists, `None`
/// when the scope is gone.
pub fn patch_run(
    estate: &Estate,
    scope: ScopeId,
    baseline_id: &str,
    op: PatchOperation,
) -> Option<Cmd> {
    let s = estate.scope(scope).map(|s| s.scope.clone())?;
    let groups: Vec<String> = estate
        .scope_baselines(scope)
        .iter()
        .find(|b| b.id == baseline_id)
        .map(|b| b.patch_groups.clone())
        .unwrap_or_default();
    let states = estate.scope_patch_states(scope);
    let mut targets: Vec<ScopedTarget> = groups
        .iter()
        .map(|g| ScopedTarget {
            scope: s.clone(),
            target: CommandTarget::Tag {
                key: "Patch Group".into(),
                value: g.clone(),
            },
            expected: Some(states.iter().filter(|p| p.patch_group == *g).count()),
        })
        .collect();
    if targets.is_empty() {
        let nodes = baseline_nodes(estate, scope, baseline_id);
        if nodes.is_empty() {
            return Some(Cmd::Note {
                text: "no patch group or node uses this baseline".into(),
                error: true,
            });
        }
        targets.push(ScopedTarget::nodes(s, nodes));
    }
    let (operation, reboot) = match op {
        PatchOperation::Scan => ("Scan", "NoReboot"),
        PatchOperation::Install => ("Install", "RebootIfNeeded"),
    };
    let mut spec = RunCommandSpec::new("AWS-RunPatchBaseline")
        .with_parameter("Operation", vec![operation.into()])
        .with_parameter("RebootOption", vec![reboot.into()]);
    spec.targets = targets;
    spec.max_concurrency = "10%".into();
    spec.max_errors = "5%".into();
    spec.comment = format!("patch {} via {baseline_id}", operation.to_lowercase());
    Some(Cmd::RunCommand(Box::new(spec)))
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
        &[("Enter · n p", "baseline: rules, nodes' patches")]
    }
    fn footer(&self, _read_only: bool) -> &'static [KeyHint] {
        hints::TABLE
    }
    fn sync(&mut self, cx: &Cx) {
        let feeds = (Feed::Baselines, Feed::Patch);
        if self.list.collect(cx.estate, cx.mask, feeds, |e, s| {
            (0..e.scope_baselines(s).len() as u32).collect()
        }) {
            let src = BaselineRows {
                estate: cx.estate,
                refs: &self.list.refs,
            };
            self.list.table.rebuild(&src);
        }
    }
    fn list(&self, _cx: &Cx) -> Option<&dyn List> {
        Some(&self.list.table)
    }
    fn list_mut<'a>(&'a mut self, cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(Box::new(Bound {
            table: &mut self.list.table,
            src: BaselineRows {
                estate: cx.estate,
                refs: &self.list.refs,
            },
        }))
    }
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        let Some(item) = self.selected(cx.estate) else {
            return false;
        };
        if action == Some(Action::Details) {
            catalog::open(item, false, cx.estate, out);
            return true;
        }
        catalog::item_action(&item, cx.pane_action(key, pane_keys::BASELINES), cx, out)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::actions::CommandTarget;
    use crate::app::keymap::KeyMap;
    use crate::app::{CatalogDetail, Overlay};
    use crate::model::{Account, DetailRequest, FeedEvent, PatchState, Scope};

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
            scopes: vec![Scope {
                account: Account {
                    id: "111111111111".into(),
                    name: "acme".into(),
                },
                region: "eu-west-1".into(),
            }],
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

    fn cx<'a>(estate: &'a Estate, keys: &'a KeyMap, read_only: bool) -> Cx<'a> {
        Cx {
            estate,
            mask: &[true],
            keys,
            read_only,
            now: Utc::now(),
        }
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
