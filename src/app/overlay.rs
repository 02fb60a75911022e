//! What is drawn over a pane: the [`Overlay`] shown and the data of each popup. Panes
//! open popups (`Cmd::Open`) and take their keys, and the app keeps the one shown, so
//! these types sit below both and import neither.

use super::table::Viewport;
use crate::model::{ScopeId, SecretValue};
use crate::session::SessionTarget;

/// What is drawn over the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    /// Every field of one node, followed by (scope, instance id) across refreshes.
    Detail {
        scope: ScopeId,
        instance_id: String,
        scroll: u16,
    },
    /// The port-forward prompt.
    Forward(ForwardPrompt),
    /// One OpsItem in full; `cursor` picks among its resources.
    OpsItem {
        scope: ScopeId,
        id: String,
        scroll: u16,
        cursor: usize,
    },
    /// The compliance items of one resource.
    ComplianceItems {
        scope: ScopeId,
        resource_id: String,
        compliance_type: String,
        view: Viewport,
    },
    /// A command, automation execution, activation or audited call in full.
    Record {
        record: Record,
        scroll: u16,
    },
    /// A parameter, patch baseline or document in full.
    Catalog(CatalogDetail),
}

/// The port-forward prompt: `LOCAL:REMOTE[:HOST]` for the node it was opened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardPrompt {
    pub target: SessionTarget,
    pub text: String,
    pub error: Option<String>,
}

/// One record shown in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Command {
        scope: ScopeId,
        id: String,
    },
    Automation {
        scope: ScopeId,
        id: String,
    },
    Activation {
        scope: ScopeId,
        id: String,
    },
    /// One call of the audit log, by its request id.
    Audit {
        request_id: String,
    },
}

/// One entry shown in full.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogItem {
    Parameter { scope: ScopeId, name: String },
    Baseline { scope: ScopeId, id: String },
    Document { scope: ScopeId, name: String },
}

/// The detail view of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogDetail {
    pub item: CatalogItem,
    pub scroll: u16,
    /// A SecureString's plaintext is shown (parameters only).
    pub reveal: bool,
    /// The node picked in a baseline's node list, whose patches are listed.
    pub node: usize,
    /// The new value being typed for a parameter (`e`); `Enter` asks to put it.
    pub editing: Option<SecretValue>,
}
