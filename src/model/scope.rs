use serde::{Deserialize, Serialize};

/// An AWS account as the cockpit knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
}

/// One (account, region) pair: the unit every feed is polled for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    pub account: Account,
    pub region: String,
}

impl Scope {
    /// `name (id)/region`, as shown in the status bar and errors.
    pub fn label(&self) -> String {
        format!(
            "{} ({})/{}",
            self.account.name, self.account.id, self.region
        )
    }
}

/// Index of a scope in [`crate::model::Estate::scopes`].
pub type ScopeId = u32;
