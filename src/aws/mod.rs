//! The only place that talks to AWS: clients per scope, one function per API returning
//! model types, pagination and error classification.
//!
//! Read calls live on [`SsmRead`]. Mutating calls get a type of their own, which read-only
//! and wallboard modes never construct.

mod bucket;
mod compliance;
mod connect;
mod convert;
mod counter;
mod credentials;
mod discovery;
mod error;
mod explorer;
mod inventory;
mod nodes;
mod opsitems;
mod session;

pub use bucket::TokenBucket;
pub use compliance::{COMPLIANCE_PAGE_SIZE, PATCH_BATCH};
pub use connect::{AwsOptions, CallerIdentity, Connector, SharedConnector};
pub use counter::CallCounter;
pub use discovery::{Discovery, discover};
pub use error::{AwsError, ErrorKind};
pub use explorer::{DataSync, MAX_AGGREGATORS};
pub use nodes::{INVENTORY_PAGE_SIZE, NODES_PAGE_SIZE, NodesPage, Page, SsmRead};
pub use opsitems::OPS_PAGE_SIZE;
pub use session::{SessionClient, SessionToken, StartedSession};
