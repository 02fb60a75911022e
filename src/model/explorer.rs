use serde::{Deserialize, Serialize};

/// One Explorer breakdown: how many entities of `type_name` have each value of
/// `attribute` (GetOpsSummary with one aggregator, or counted from polled data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsAggregate {
    /// `AWS:OpsItem`, `AWS:InstanceInformation`, `AWS:ComplianceResourceSummary`, ...
    pub type_name: String,
    /// `Status`, `Severity`, `PlatformType`, ...
    pub attribute: String,
    /// (value, count), by count descending then value.
    pub counts: Vec<(String, u64)>,
}

impl OpsAggregate {
    /// `type.attribute`, e.g. `AWS:OpsItem.Status`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.type_name, self.attribute)
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// Sorts counts by count descending, then value.
    pub fn normalize(&mut self) {
        self.counts
            .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    }
}

/// Where the Explorer numbers come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExplorerSource {
    /// GetOpsSummary through the organization's resource data sync of this name.
    Sync(String),
    /// Counted from what the pollers brought (no sync configured).
    Pollers,
}
