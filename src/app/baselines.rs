//! The patch baselines table: each baseline of the scopes shown with its operating
//! system, approval rules, approved and rejected patches, the patch groups it serves and
//! the nodes patched with it.

use std::borrow::Cow;

use super::parameters::columns;
use super::table::{TableSource, account_cell, region_cell};
use crate::model::{Estate, PatchBaseline, ScopeId};

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
