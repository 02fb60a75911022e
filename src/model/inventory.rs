use serde::{Deserialize, Serialize};

use super::ScopeId;

/// One inventory row: (attribute, value), sorted by attribute.
pub type InventoryEntry = Vec<(String, String)>;

/// The inventory of one type on one node (GetInventory content, or ListInventoryEntries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryRows {
    #[serde(skip)]
    pub scope: ScopeId,
    pub instance_id: String,
    /// `AWS:Application`, `AWS:InstanceInformation`, `Custom:...`.
    pub type_name: String,
    /// As AWS sends it (ISO 8601).
    pub capture_time: String,
    pub schema_version: String,
    pub entries: Vec<InventoryEntry>,
}

impl InventoryRows {
    /// Value of `attribute` in the first row (handy for single-row types).
    pub fn first(&self, attribute: &str) -> Option<&str> {
        self.entries
            .first()?
            .iter()
            .find(|(k, _)| k == attribute)
            .map(|(_, v)| v.as_str())
    }
}

/// One node running an application (GetInventory filtered on `AWS:Application.Name`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationHit {
    #[serde(skip)]
    pub scope: ScopeId,
    pub instance_id: String,
    pub name: String,
    pub version: String,
    pub publisher: String,
}

/// The answer to an application query across every scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationQuery {
    /// The name asked for (prefix match: `BeginWith`).
    pub name: String,
    pub hits: Vec<ApplicationHit>,
    /// Scopes that could not answer: (scope, error).
    pub failures: Vec<(ScopeId, String)>,
}
