//! Plain data, no I/O: what the cockpit knows about an estate.
//!
//! Nothing here imports any other module of the crate.

mod estate;
mod node;
mod scope;

pub use estate::{Estate, FeedEvent, HealthCounts, ScopeHealth, ScopeState};
pub use node::{ManagedNode, PingStatus, PlatformType};
pub use scope::{Account, Scope, ScopeId};
