//! The state the sim keeps for Run Command, Automation, OpsCenter and Parameter Store,
//! as plain types. [`super::store`] holds them, so they sit below it and import nothing
//! but the estate; the operations that read and change them (`commands`, `automation`,
//! `opscenter`, `parameters`) add their own methods where they use them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use tokio::sync::watch;

use super::estate::Ping;

// ---------------------------------------------------------------------------------------
// Run Command

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvState {
    Pending,
    InProgress,
    Success,
    Failed,
    ExecutionTimedOut,
    DeliveryTimedOut,
    Undeliverable,
    Cancelling,
    Cancelled,
}

impl InvState {
    pub fn terminal(self) -> bool {
        !matches!(
            self,
            InvState::Pending | InvState::InProgress | InvState::Cancelling
        )
    }

    /// (Status, StatusDetails).
    pub fn wire(self) -> (&'static str, &'static str) {
        match self {
            InvState::Pending => ("Pending", "Pending"),
            InvState::InProgress => ("InProgress", "InProgress"),
            InvState::Success => ("Success", "Success"),
            InvState::Failed => ("Failed", "Failed"),
            InvState::ExecutionTimedOut => ("TimedOut", "ExecutionTimedOut"),
            InvState::DeliveryTimedOut => ("TimedOut", "DeliveryTimedOut"),
            InvState::Undeliverable => ("Failed", "Undeliverable"),
            InvState::Cancelling => ("Cancelling", "Cancelling"),
            InvState::Cancelled => ("Cancelled", "Cancelled"),
        }
    }
}

/// What running a plugin produced.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub state: InvState,
    pub code: i64,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Plugin {
    pub name: String,
    pub state: InvState,
    pub code: i64,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub stdout: String,
    pub stderr: String,
    /// Skipped for an unsatisfied precondition (not part of the invocation's output).
    pub skipped: bool,
}

/// How an invocation is carried out.
#[derive(Debug, Clone)]
pub(crate) enum Work {
    /// A bash script, with its timeout in seconds, on the node named `host`.
    Script {
        script: String,
        timeout: f64,
        host: String,
    },
    /// A precomputed outcome per plugin, revealed after `paces` steps.
    Simulated { outcomes: Vec<Outcome>, paces: u32 },
}

#[derive(Debug)]
pub(crate) struct Invocation {
    pub instance_id: String,
    pub instance_name: String,
    pub ping: Ping,
    pub state: InvState,
    pub requested: f64,
    pub start: Option<f64>,
    pub end: Option<f64>,
    /// When a simulated invocation completes.
    pub due: Option<f64>,
    pub plugins: Vec<Plugin>,
    pub work: Work,
    /// Set to true to stop a running script.
    pub kill: Option<watch::Sender<bool>>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub id: String,
    pub document_name: String,
    pub document_version: String,
    pub comment: String,
    /// The parameters as sent (defaults are not filled in).
    pub parameters: BTreeMap<String, Vec<String>>,
    pub instance_ids: Vec<String>,
    pub targets: Vec<(String, Vec<String>)>,
    pub requested: f64,
    pub expires_after: f64,
    pub max_concurrency: String,
    pub max_errors: String,
    pub timeout_seconds: i64,
    pub service_role: Option<String>,
    pub output_s3: (Option<String>, Option<String>, Option<String>),
    pub cloudwatch: Option<Value>,
    pub notification: Option<Value>,
    pub invocations: Vec<Invocation>,
    /// (Status, StatusDetails) once settled.
    pub settled: Option<(&'static str, &'static str)>,
    /// Errors went over MaxErrors: nothing more is sent.
    pub stopped: bool,
    pub cancelled: bool,
    pub max_in_flight: usize,
}

// ---------------------------------------------------------------------------------------
// Automation

#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub id: String,
    pub name: String,
    pub action: String,
    pub on_failure: String,
    pub timeout: i64,
    pub max_attempts: i64,
    pub inputs: Map<String, Value>,
    pub status: &'static str,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub due: Option<f64>,
    pub outputs: BTreeMap<String, Vec<String>>,
    pub failure: Option<String>,
    /// (FailureStage, FailureType).
    pub failure_details: Option<(&'static str, &'static str)>,
    pub response: Option<String>,
    /// What the step will do, decided at start.
    pub plan: Result<BTreeMap<String, Vec<String>>, (String, &'static str, &'static str)>,
}

#[derive(Debug, Clone)]
pub(crate) struct Execution {
    pub id: String,
    pub document_name: String,
    pub document_version: String,
    pub parameters: BTreeMap<String, Vec<String>>,
    pub mode: String,
    pub start: f64,
    pub end: Option<f64>,
    pub status: &'static str,
    pub failure: Option<String>,
    pub steps: Vec<Step>,
    /// `step.Output` names the runbook declares as outputs.
    pub doc_outputs: Vec<String>,
    pub executed_by: String,
    pub parent: Option<String>,
    pub target_parameter_name: Option<String>,
    pub targets: Vec<(String, Vec<String>)>,
    pub max_concurrency: Option<String>,
    pub max_errors: Option<String>,
    /// Target values a rate-controlled parent resolved.
    pub resolved: Vec<String>,
    /// Children started so far (rate-controlled parent).
    pub children: Vec<String>,
    /// The value of the target parameter (child of a rate-controlled execution).
    pub target: Option<String>,
    pub client_token: Option<(String, u64)>,
    /// A stop was asked for: `Cancel` or `Complete`.
    pub stop: Option<&'static str>,
    pub tags: Vec<(String, String)>,
}

// ---------------------------------------------------------------------------------------
// OpsCenter

#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub id: String,
    pub source: String,
    pub detail_type: String,
    pub detail: String,
    pub created_by: String,
    pub created: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Related {
    pub association_id: String,
    pub resource_type: String,
    pub association_type: String,
    pub resource_uri: String,
    pub created_by: String,
    pub created: f64,
}

/// Operational data: key -> (value, type).
pub(crate) type OpsData = BTreeMap<String, (String, String)>;

#[derive(Debug, Clone)]
pub(crate) struct OpsItem {
    pub id: String,
    pub account_id: String,
    pub region: String,
    pub title: String,
    pub description: String,
    pub source: String,
    pub status: String,
    pub severity: Option<String>,
    pub priority: Option<i64>,
    pub category: Option<String>,
    pub ops_item_type: String,
    pub created_by: String,
    pub created: f64,
    pub last_modified_by: String,
    pub last_modified: f64,
    pub data: OpsData,
    pub notifications: Vec<String>,
    pub related_ops_items: Vec<String>,
    pub version: u64,
    pub events: Vec<Event>,
    pub related: Vec<Related>,
}

impl OpsItem {
    pub fn arn(&self) -> String {
        format!(
            "arn:aws:ssm:{}:{}:opsitem/{}",
            self.region, self.account_id, self.id
        )
    }

    /// Text of `/aws/resources`, searched by the `ResourceId` filter.
    pub fn resources(&self) -> &str {
        self.data
            .get("/aws/resources")
            .map(|(v, _)| v.as_str())
            .unwrap_or("")
    }

    pub fn automations(&self) -> Vec<String> {
        let Some((v, _)) = self.data.get("/aws/automations") else {
            return Vec::new();
        };
        serde_json::from_str::<Vec<Value>>(v)
            .unwrap_or_default()
            .iter()
            .filter_map(|a| a.get("automationId").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }
}

// ---------------------------------------------------------------------------------------
// Parameter Store

/// One version of a parameter.
#[derive(Debug, Clone)]
pub(crate) struct ParamVersion {
    pub version: i64,
    pub value: String,
    pub kind: &'static str,
    pub tier: &'static str,
    pub description: String,
    pub key_id: Option<String>,
    pub allowed_pattern: Option<String>,
    pub data_type: &'static str,
    pub modified: f64,
    pub user: String,
    pub labels: Vec<String>,
}

/// A parameter: its versions, oldest first (the last one is current), and tags.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub versions: Vec<ParamVersion>,
    pub tags: Vec<(String, String)>,
}

impl Param {
    pub fn current(&self) -> &ParamVersion {
        // A parameter always has at least one version.
        &self.versions[self.versions.len() - 1]
    }
}

/// The parameters of one (account, region), by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct ParameterStore {
    pub params: BTreeMap<String, Param>,
}
