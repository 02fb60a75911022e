//! The only place that talks to AWS: clients per scope, one function per API returning
//! model types, pagination and error classification.
//!
//! Read calls live on [`SsmRead`]. Mutating calls get a type of their own, which read-only
//! and wallboard modes never construct.

mod activations;
mod associations;
mod automation;
mod baselines;
mod bucket;
mod calendar;
mod commands;
mod compliance;
mod connect;
mod convert;
mod counter;
mod credentials;
mod discovery;
mod documents;
mod error;
mod explorer;
mod guard;
mod history;
mod inventory;
mod limits;
mod nodes;
pub mod operations;
mod opsitems;
mod parameters;
mod session;
mod windows;
mod write;

pub use activations::{ACTIVATION_TIER_SETTING, ACTIVATIONS_PAGE_SIZE, activation_from};
pub use associations::{ASSOCIATIONS_PAGE_SIZE, DescribedAssociation};
pub use automation::STEPS_PAGE_SIZE;
pub use baselines::BASELINES_PAGE_SIZE;
pub use bucket::TokenBucket;
pub use commands::INVOCATIONS_PAGE_SIZE;
pub use compliance::{COMPLIANCE_PAGE_SIZE, PATCH_BATCH};
pub use connect::{AwsOptions, CallerIdentity, Connector, SharedConnector};
pub use counter::CallCounter;
pub use discovery::{Discovery, discover};
pub use documents::DOCUMENTS_PAGE_SIZE;
pub use error::{AwsError, ErrorKind};
pub use explorer::{DataSync, MAX_AGGREGATORS};
pub use guard::{AnswerFrom, GuardedClient, MAX_ANSWER_BYTES, Refused};
pub use history::{
    AUTOMATIONS_PAGE_SIZE, COMMANDS_PAGE_SIZE, HISTORY_LIMIT, automation_from, command_from,
};
pub use limits::{ATTEMPT_TIMEOUT, CONNECT_TIMEOUT, OPERATION_TIMEOUT, TimedOut};
pub use nodes::{INVENTORY_PAGE_SIZE, NODES_PAGE_SIZE, NodesPage, Page, SsmRead};
pub use opsitems::OPS_PAGE_SIZE;
pub use parameters::{HISTORY_PAGE_SIZE, PARAMETERS_PAGE_SIZE};
pub use session::{SessionClient, SessionToken, StartedSession};
pub use windows::{WINDOWS_PAGE_SIZE, WindowInFull};
pub use write::{
    PutParameterInput, SendCommandInput, SsmWrite, StartAutomationInput, UpdateOpsItemInput,
    WriteAccess, WriteTarget,
};
