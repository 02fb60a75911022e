//! Plain data, no I/O: what the cockpit knows about an estate.
//!
//! Nothing here imports any other module of the crate.

mod compliance;
mod estate;
mod explorer;
mod feed;
mod inventory;
mod node;
mod opsitem;
mod scope;

pub use compliance::{
    ComplianceItem, ComplianceSeverity, ComplianceSummary, PatchState, ResourceCompliance,
    SeverityCounts,
};
pub use estate::{
    DetailRequest, EXPLORER_AGGREGATES, Estate, ExplorerData, FeedEvent, HealthCounts,
    LoadProgress, ScopeData, ScopeSnapshot, ScopeState, Snapshot, worst_severity,
};
pub use explorer::{ExplorerSource, OpsAggregate};
pub use feed::{Feed, FeedSet, FeedState, ScopeHealth};
pub use inventory::{ApplicationHit, ApplicationQuery, InventoryEntry, InventoryRows};
pub use node::{ManagedNode, PingStatus, PlatformType};
pub use opsitem::{OpsItem, OpsItemDetail, OpsItemEvent, OpsItemRelated};
pub use scope::{Account, Scope, ScopeId};
