//! The only place that talks to AWS: clients per scope, one function per API returning
//! model types, pagination and error classification.
//!
//! Read calls live on [`SsmRead`]. Mutating calls get a type of their own, which read-only
//! and wallboard modes never construct.

mod connect;
mod discovery;
mod error;
mod nodes;
mod session;

pub use connect::{AwsOptions, CallerIdentity, Connector, SharedConnector};
pub use discovery::{Discovery, discover};
pub use error::{AwsError, ErrorKind};
pub use nodes::SsmRead;
pub use session::{SessionClient, SessionToken, StartedSession};
