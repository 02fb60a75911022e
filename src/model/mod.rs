//! Plain data, no I/O: what the cockpit knows about an estate.
//!
//! Nothing here imports any other module of the crate.

mod association;
mod automation;
mod baseline;
mod calendar;
mod command;
mod compliance;
mod document;
mod estate;
mod explorer;
mod feed;
mod history;
mod inventory;
mod node;
mod opsitem;
mod parameter;
mod parameter_rules;
mod scope;
mod session;
mod version;
mod window;

pub use association::{
    Association, AssociationDetail, AssociationExecution, AssociationTarget,
    InstanceAssociationStatus, targets_label as association_targets_label,
};
pub use automation::{AutomationExecution, AutomationStep, automation_status_is_terminal};
pub use baseline::{ApprovalRule, NodePatch, PatchBaseline, PatchFilter, PatchGroupMapping};
pub use calendar::{
    CalendarContent, CalendarDefault, CalendarEvent, CalendarState, CalendarStatus,
    parse_ical_time, parse_icalendar,
};
pub use command::{
    CommandInvocation, CommandProgress, InvocationOutput, InvocationStatus, InvocationTally,
};
pub use compliance::{
    ComplianceItem, ComplianceSeverity, ComplianceSummary, PatchState, ResourceCompliance,
    SeverityCounts,
};
pub use document::{
    DocumentContent, DocumentDescription, DocumentParameter, DocumentQuery, DocumentSummary,
    DocumentVersion,
};
pub use estate::DocumentDetail;
pub use estate::{
    DetailRequest, EXPLORER_AGGREGATES, Estate, ExplorerData, FeedEvent, HealthCounts,
    LoadProgress, ScopeData, ScopeSnapshot, ScopeState, Snapshot, worst_severity,
};
pub use explorer::{ExplorerSource, OpsAggregate};
pub use feed::{Cadences, Feed, FeedSet, FeedState, Freshness, ScopeHealth};
pub use history::{
    Activation, ActivationState, EXPIRING_SOON_DAYS, HistoryTarget, RecentAutomation,
    RecentCommand, targets_label,
};
pub use inventory::{ApplicationHit, ApplicationQuery, InventoryEntry, InventoryRows};
pub use node::{ManagedNode, PingStatus, PlatformType};
pub use opsitem::{OPS_ITEM_STATUSES, OpsItem, OpsItemDetail, OpsItemEvent, OpsItemRelated};
pub use parameter::{
    ParameterHistory, ParameterMeta, ParameterValue, ParameterVersion, SecretValue, parent_path,
};
pub use parameter_rules::{
    EXECUTION_TIMEOUT_PATTERN, ParameterRule, check_parameters, parameter_rules,
};
pub use scope::{Account, Scope, ScopeId};
pub use session::SessionState;
pub use version::{compare_versions, version_below};
pub use window::{
    ChangeCalendar, MaintenanceWindow, WindowDetail, WindowExecution, WindowInvocation,
    WindowTarget, WindowTask, WindowTaskRun, parse_window_time, schedule_label,
};
