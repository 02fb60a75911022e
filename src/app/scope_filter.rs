//! The scope filter: which accounts and regions the panes show.

use crate::model::{Estate, ScopeState};

/// Which scopes the panes show: accounts (name or id) and regions; empty lists match all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeFilter {
    /// Lowercase; a scope's account matches if its id or name contains one.
    pub accounts: Vec<String>,
    /// Lowercase; a scope's region matches if it starts with one.
    pub regions: Vec<String>,
}

impl ScopeFilter {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.regions.is_empty()
    }

    pub fn matches(&self, s: &ScopeState) -> bool {
        let acct_ok = self.accounts.is_empty()
            || self.accounts.iter().any(|a| {
                s.scope.account.id.to_lowercase().contains(a.as_str())
                    || s.scope.account.name.to_lowercase().contains(a.as_str())
            });
        let region_ok = self.regions.is_empty()
            || self
                .regions
                .iter()
                .any(|r| s.scope.region.to_lowercase().starts_with(r.as_str()));
        acct_ok && region_ok
    }

    /// Per scope of `estate`: shown.
    pub fn mask(&self, estate: &Estate) -> Vec<bool> {
        estate.scopes().iter().map(|s| self.matches(s)).collect()
    }

    /// `@prod region:eu-west-1`, as typed.
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = self.accounts.iter().map(|a| format!("@{a}")).collect();
        parts.extend(self.regions.iter().map(|r| format!("region:{r}")));
        parts.join(" ")
    }
}
