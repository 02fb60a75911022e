//! What an operator asks to change: one [`ActionRequest`] per kind of action, with the
//! validation, the confirmation text and the audit record of each.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::aws::{
    PutParameterInput, SendCommandInput, StartAutomationInput, UpdateOpsItemInput, WriteTarget,
};
use crate::model::{OPS_ITEM_STATUSES, Scope};

/// SendCommand takes at most this many node ids (and values per target).
pub const MAX_INSTANCE_IDS: usize = 50;

/// Shown instead of a secret parameter's value in the audit log and the confirmation.
pub const REDACTED: &str = "********";

/// Run Command documents offered when the account's own cannot be listed yet.
pub const COMMON_COMMAND_DOCUMENTS: &[&str] = &[
    "AWS-RunShellScript",
    "AWS-RunPowerShellScript",
    "AWS-RunPatchBaseline",
    "AWS-ConfigureAWSPackage",
    "AWS-UpdateSSMAgent",
    "AWS-ApplyAnsiblePlaybooks",
];

/// Automation runbooks offered when the account's own cannot be listed yet.
pub const COMMON_RUNBOOKS: &[&str] = &[
    "AWS-RestartEC2Instance",
    "AWS-StopEC2Instance",
    "AWS-StartEC2Instance",
    "AWS-CreateImage",
    "AWS-TerminateEC2Instance",
];

/// What one SendCommand is sent to, inside one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandTarget {
    /// These nodes (any number: sent in batches of 50).
    Nodes(Vec<String>),
    /// Every node tagged `key=value`.
    Tag { key: String, value: String },
    /// Every node of a resource group.
    ResourceGroup(String),
}

impl CommandTarget {
    /// `3 nodes`, `tag:Env=prod`, `resource group web`.
    pub fn label(&self) -> String {
        match self {
            CommandTarget::Nodes(ids) if ids.len() == 1 => ids[0].clone(),
            CommandTarget::Nodes(ids) => format!("{} nodes", ids.len()),
            CommandTarget::Tag { key, value } => format!("tag:{key}={value}"),
            CommandTarget::ResourceGroup(g) => format!("resource group {g}"),
        }
    }

    /// Parses `tag:Key=Value`, `resource-group:Name` (or `rg:Name`), or node ids
    /// separated by commas (`i-…`, `mi-…`).
    pub fn parse(text: &str) -> Result<CommandTarget, String> {
        let t = text.trim();
        if let Some(rest) = t.strip_prefix("tag:") {
            let (k, v) = rest
                .split_once('=')
                .ok_or_else(|| format!("`{t}`: a tag target is tag:KEY=VALUE"))?;
            if k.is_empty() {
                return Err(format!("`{t}`: the tag key is empty"));
            }
            return Ok(CommandTarget::Tag {
                key: k.to_string(),
                value: v.to_string(),
            });
        }
        if let Some(g) = t
            .strip_prefix("resource-group:")
            .or_else(|| t.strip_prefix("rg:"))
        {
            if g.is_empty() {
                return Err(format!("`{t}`: the resource group name is empty"));
            }
            return Ok(CommandTarget::ResourceGroup(g.to_string()));
        }
        let ids: Vec<String> = t
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if ids.is_empty() {
            return Err("no target: node ids, tag:KEY=VALUE or resource-group:NAME".into());
        }
        if let Some(bad) = ids
            .iter()
            .find(|id| !(id.starts_with("i-") || id.starts_with("mi-")))
        {
            return Err(format!(
                "`{bad}` is not a node id (i-… or mi-…); targets are node ids, \
                 tag:KEY=VALUE or resource-group:NAME"
            ));
        }
        Ok(CommandTarget::Nodes(ids))
    }

    /// The SendCommand inputs of this target: node ids in batches, or one `Targets` entry.
    fn sends(&self) -> Vec<(Vec<String>, Vec<WriteTarget>)> {
        match self {
            CommandTarget::Nodes(ids) => ids
                .chunks(MAX_INSTANCE_IDS)
                .map(|c| (c.to_vec(), Vec::new()))
                .collect(),
            CommandTarget::Tag { key, value } => vec![(
                Vec::new(),
                vec![WriteTarget {
                    key: format!("tag:{key}"),
                    values: vec![value.clone()],
                }],
            )],
            CommandTarget::ResourceGroup(g) => vec![(
                Vec::new(),
                vec![WriteTarget {
                    key: "resource-groups:Name".into(),
                    values: vec![g.clone()],
                }],
            )],
        }
    }

    fn to_json(&self) -> Value {
        match self {
            CommandTarget::Nodes(ids) => json!({"InstanceIds": ids}),
            CommandTarget::Tag { key, value } => {
                json!({"Key": format!("tag:{key}"), "Values": [value]})
            }
            CommandTarget::ResourceGroup(g) => {
                json!({"Key": "resource-groups:Name", "Values": [g]})
            }
        }
    }
}

/// The targets of a command in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedTarget {
    pub scope: Scope,
    pub target: CommandTarget,
    /// How many nodes the cockpit expects this to reach (the nodes it knows with the tag);
    /// `None` when it cannot tell (a resource group).
    pub expected: Option<usize>,
}

impl ScopedTarget {
    pub fn nodes(scope: Scope, ids: Vec<String>) -> ScopedTarget {
        let n = ids.len();
        ScopedTarget {
            scope,
            target: CommandTarget::Nodes(ids),
            expected: Some(n),
        }
    }
}

/// A Run Command request: one document with its parameters, sent to targets that may span
/// accounts and regions (one SendCommand per scope, per 50 nodes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCommandSpec {
    pub document: String,
    /// A version number, `$LATEST` or `$DEFAULT`; `None` is the default version.
    pub document_version: Option<String>,
    /// (name, values). A multi-line `commands` parameter is one value per line.
    pub parameters: Vec<(String, Vec<String>)>,
    /// Parameters whose values never reach the audit log or the screen (SecureString,
    /// passwords, tokens).
    pub secret_parameters: Vec<String>,
    pub targets: Vec<ScopedTarget>,
    /// A number of nodes (`10`) or a percentage (`10%`).
    pub max_concurrency: String,
    /// A number of errors (`0`) or a percentage (`5%`).
    pub max_errors: String,
    /// Seconds the command may wait to be delivered.
    pub timeout_seconds: Option<i32>,
    pub comment: String,
    /// How scopes that see the document as shared by another account must name it (its
    /// ARN: AWS finds a shared document by ARN only); other scopes use `document`.
    pub document_refs: Vec<(Scope, String)>,
}

impl RunCommandSpec {
    /// The name to send in `scope`.
    pub fn document_in(&self, scope: &Scope) -> String {
        self.document_refs
            .iter()
            .find(|(s, _)| s == scope)
            .map_or_else(|| self.document.clone(), |(_, r)| r.clone())
    }

    /// A request for `document` with the defaults of the form (50, 0 errors, 600 s).
    pub fn new(document: impl Into<String>) -> RunCommandSpec {
        RunCommandSpec {
            document: document.into(),
            document_version: None,
            parameters: Vec::new(),
            secret_parameters: Vec::new(),
            targets: Vec::new(),
            max_concurrency: "50".into(),
            max_errors: "0".into(),
            timeout_seconds: Some(600),
            comment: String::new(),
            document_refs: Vec::new(),
        }
    }

    /// Sets (or replaces) one parameter.
    pub fn with_parameter(mut self, name: &str, values: Vec<String>) -> RunCommandSpec {
        self.parameters.retain(|(n, _)| n != name);
        self.parameters.push((name.to_string(), values));
        self
    }

    /// The value of one parameter, lines joined.
    pub fn parameter(&self, name: &str) -> Option<String> {
        self.parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.join("\n"))
    }

    /// One SendCommand per scope and batch of at most 50 node ids.
    pub fn sends(&self) -> Vec<(Scope, SendCommandInput)> {
        let mut out = Vec::new();
        for t in &self.targets {
            for (ids, targets) in t.target.sends() {
                out.push((
                    t.scope.clone(),
                    SendCommandInput {
                        document_name: self.document_in(&t.scope),
                        document_version: self.document_version.clone(),
                        instance_ids: ids,
                        targets,
                        parameters: self.parameters.clone(),
                        max_concurrency: Some(self.max_concurrency.clone()),
                        max_errors: Some(self.max_errors.clone()),
                        timeout_seconds: self.timeout_seconds,
                        comment: (!self.comment.is_empty()).then(|| self.comment.clone()),
                    },
                ));
            }
        }
        out
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.document.trim().is_empty() {
            return Err("pick a document".into());
        }
        if self.targets.is_empty() {
            return Err("no targets: select nodes, or give tag:KEY=VALUE".into());
        }
        if let Some(t) = self
            .targets
            .iter()
            .find(|t| matches!(&t.target, CommandTarget::Nodes(ids) if ids.is_empty()))
        {
            return Err(format!("no nodes in {}", t.scope.label()));
        }
        validate_rate("MaxConcurrency", &self.max_concurrency, 1)?;
        validate_rate("MaxErrors", &self.max_errors, 0)?;
        if let Some(t) = self.timeout_seconds
            && !(30..=2_592_000).contains(&t)
        {
            return Err("the timeout is 30 to 2592000 seconds".into());
        }
        if self.comment.chars().count() > 100 {
            return Err("the comment is at most 100 characters".into());
        }
        Ok(())
    }

    /// The nodes this should reach, when every scope can tell.
    pub fn target_count(&self) -> Option<usize> {
        self.targets.iter().map(|t| t.expected).sum()
    }

    /// Stops, reboots, deletes…: the operator must type the target count to confirm.
    pub fn is_destructive(&self) -> bool {
        destructive_name(&self.document)
            || self
                .parameters
                .iter()
                .filter(|(n, _)| n == "commands")
                .flat_map(|(_, v)| v)
                .any(|line| destructive_command(line))
    }

    fn redacted_parameters(&self) -> Value {
        redacted(&self.parameters, &self.secret_parameters)
    }
}

/// A runbook execution in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutomationSpec {
    pub scope: Scope,
    pub document: String,
    pub document_version: Option<String>,
    pub parameters: Vec<(String, Vec<String>)>,
    pub secret_parameters: Vec<String>,
    /// The OpsItem this execution remediates (noted in the audit log).
    pub ops_item_id: Option<String>,
}

impl AutomationSpec {
    pub fn new(scope: Scope, document: impl Into<String>) -> AutomationSpec {
        AutomationSpec {
            scope,
            document: document.into(),
            document_version: None,
            parameters: Vec::new(),
            secret_parameters: Vec::new(),
            ops_item_id: None,
        }
    }

    pub fn with_parameter(mut self, name: &str, values: Vec<String>) -> AutomationSpec {
        self.parameters.retain(|(n, _)| n != name);
        self.parameters.push((name.to_string(), values));
        self
    }

    pub fn input(&self, client_token: &str) -> StartAutomationInput {
        StartAutomationInput {
            document_name: self.document.clone(),
            document_version: self.document_version.clone(),
            parameters: self
                .parameters
                .iter()
                .filter(|(_, v)| !v.is_empty() && !v.iter().all(String::is_empty))
                .cloned()
                .collect(),
            client_token: Some(client_token.to_string()),
            ..StartAutomationInput::default()
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.document.trim().is_empty() {
            return Err("pick a runbook".into());
        }
        Ok(())
    }

    /// The instance ids the runbook is given (`InstanceId` / `InstanceIds`).
    pub fn instance_targets(&self) -> usize {
        self.parameters
            .iter()
            .filter(|(n, _)| n == "InstanceId" || n == "InstanceIds")
            .flat_map(|(_, v)| v)
            .filter(|v| !v.is_empty())
            .count()
    }

    pub fn is_destructive(&self) -> bool {
        destructive_name(&self.document)
    }
}

/// Cancel a command (every node of it) in the scopes it was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelCommandSpec {
    /// (scope, CommandId).
    pub commands: Vec<(Scope, String)>,
}

/// Stop a runbook execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StopAutomationSpec {
    pub scope: Scope,
    pub execution_id: String,
}

/// Operational data key of the notes the cockpit adds to an OpsItem.
pub const NOTE_KEY_PREFIX: &str = "ssm-cockpit:note";

/// Change an OpsItem: its status and/or a note in its operational data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpsItemUpdateSpec {
    pub scope: Scope,
    pub ops_item_id: String,
    pub status: Option<String>,
    /// A note, stored as operational data `ssm-cockpit:note:<time>`.
    pub note: Option<String>,
}

/// Run State Manager associations once, now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociationsOnceSpec {
    pub scope: Scope,
    pub association_ids: Vec<String>,
}

/// Write a Parameter Store parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutParameterSpec {
    pub scope: Scope,
    pub name: String,
    pub value: String,
    /// `String`, `StringList`, `SecureString`.
    pub parameter_type: Option<String>,
    pub description: Option<String>,
    pub overwrite: bool,
}

impl PutParameterSpec {
    pub fn input(&self) -> PutParameterInput {
        PutParameterInput {
            name: self.name.clone(),
            value: self.value.clone(),
            parameter_type: self.parameter_type.clone(),
            description: self.description.clone(),
            overwrite: self.overwrite,
        }
    }

    fn secret(&self) -> bool {
        self.parameter_type.as_deref() == Some("SecureString") || secret_name(&self.name)
    }
}

/// Everything the cockpit can change. Each variant becomes one or more mutating calls,
/// each behind the change-calendar gate and between an intent and a result audit line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRequest {
    RunCommand(RunCommandSpec),
    StartAutomation(AutomationSpec),
    CancelCommand(CancelCommandSpec),
    StopAutomation(StopAutomationSpec),
    UpdateOpsItem(OpsItemUpdateSpec),
    StartAssociationsOnce(AssociationsOnceSpec),
    PutParameter(PutParameterSpec),
}

/// The target count of one (account, region), for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeCount {
    pub scope: Scope,
    /// Nodes (or items) expected; `None` when only AWS can tell (a tag or a group).
    pub count: Option<usize>,
    /// How they are targeted: `40 nodes`, `tag:Env=prod`.
    pub how: String,
}

/// Exactly what will run, as the confirmation dialog and `--yes`-less CLI show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// `Run Command`, `Start runbook`, ...
    pub title: String,
    /// The API operation.
    pub action: &'static str,
    /// Document / runbook, or the item changed.
    pub what: String,
    /// Parameters as shown (secrets redacted).
    pub parameters: Vec<(String, String)>,
    pub scopes: Vec<ScopeCount>,
    /// `MaxConcurrency 10% · MaxErrors 0 · timeout 600 s`, when it applies.
    pub rate: Option<String>,
    /// The total the operator must type for a destructive action.
    pub typed_count: Option<usize>,
    /// What that total counts: `target count`, or `number of scopes` when only AWS
    /// can tell how many nodes a tag or group reaches.
    pub typed_what: &'static str,
    /// True when the action stops, terminates, reboots or deletes.
    pub destructive: bool,
}

impl ActionRequest {
    /// The API operation of this request.
    pub fn api_action(&self) -> &'static str {
        match self {
            ActionRequest::RunCommand(_) => "SendCommand",
            ActionRequest::StartAutomation(_) => "StartAutomationExecution",
            ActionRequest::CancelCommand(_) => "CancelCommand",
            ActionRequest::StopAutomation(_) => "StopAutomationExecution",
            ActionRequest::UpdateOpsItem(_) => "UpdateOpsItem",
            ActionRequest::StartAssociationsOnce(_) => "StartAssociationsOnce",
            ActionRequest::PutParameter(_) => "PutParameter",
        }
    }

    /// Every scope the request calls into, in first-seen order.
    pub fn scopes(&self) -> Vec<Scope> {
        let all: Vec<&Scope> = match self {
            ActionRequest::RunCommand(s) => s.targets.iter().map(|t| &t.scope).collect(),
            ActionRequest::StartAutomation(s) => vec![&s.scope],
            ActionRequest::CancelCommand(s) => s.commands.iter().map(|(sc, _)| sc).collect(),
            ActionRequest::StopAutomation(s) => vec![&s.scope],
            ActionRequest::UpdateOpsItem(s) => vec![&s.scope],
            ActionRequest::StartAssociationsOnce(s) => vec![&s.scope],
            ActionRequest::PutParameter(s) => vec![&s.scope],
        };
        let mut out: Vec<Scope> = Vec::new();
        for s in all {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }

    /// Stopping work in flight is never held back by a closed change calendar: the
    /// calendars are still read and recorded.
    pub fn stops_work(&self) -> bool {
        matches!(
            self,
            ActionRequest::CancelCommand(_) | ActionRequest::StopAutomation(_)
        )
    }

    pub fn validate(&self) -> Result<(), String> {
        match self {
            ActionRequest::RunCommand(s) => s.validate(),
            ActionRequest::StartAutomation(s) => s.validate(),
            ActionRequest::CancelCommand(s) if s.commands.is_empty() => {
                Err("no command to cancel".into())
            }
            ActionRequest::UpdateOpsItem(s) if s.status.is_none() && s.note.is_none() => {
                Err("nothing to change".into())
            }
            ActionRequest::UpdateOpsItem(s)
                if s.status
                    .as_deref()
                    .is_some_and(|st| !OPS_ITEM_STATUSES.contains(&st)) =>
            {
                Err(format!("status is one of {}", OPS_ITEM_STATUSES.join(", ")))
            }
            ActionRequest::StartAssociationsOnce(s) if s.association_ids.is_empty() => {
                Err("no association".into())
            }
            ActionRequest::PutParameter(s) if s.name.is_empty() => {
                Err("the parameter needs a name".into())
            }
            _ => Ok(()),
        }
    }

    /// One human line: what is asked.
    pub fn summary(&self) -> String {
        match self {
            ActionRequest::RunCommand(s) => {
                let n = s
                    .target_count()
                    .map_or_else(|| "targets".to_string(), |n| plural(n, "node"));
                let scopes = self.scopes().len();
                format!("{} on {n} in {}", s.document, plural(scopes, "scope"))
            }
            ActionRequest::StartAutomation(s) => match &s.ops_item_id {
                Some(id) => format!("runbook {} for {id}", s.document),
                None => format!("runbook {}", s.document),
            },
            ActionRequest::CancelCommand(s) => match s.commands.as_slice() {
                [(_, id)] => format!("cancel command {id}"),
                many => format!("cancel {} commands", many.len()),
            },
            ActionRequest::StopAutomation(s) => format!("stop execution {}", s.execution_id),
            ActionRequest::UpdateOpsItem(s) => {
                let mut parts = Vec::new();
                if let Some(st) = &s.status {
                    parts.push(format!("status {st}"));
                }
                if s.note.is_some() {
                    parts.push("add a note".to_string());
                }
                format!("{}: {}", s.ops_item_id, parts.join(", "))
            }
            ActionRequest::StartAssociationsOnce(s) => {
                format!("run {} now", plural(s.association_ids.len(), "association"))
            }
            ActionRequest::PutParameter(s) => format!("put parameter {}", s.name),
        }
    }

    /// Stops, terminates, reboots, deletes: the confirmation needs the count typed.
    pub fn is_destructive(&self) -> bool {
        match self {
            ActionRequest::RunCommand(s) => s.is_destructive(),
            ActionRequest::StartAutomation(s) => s.is_destructive(),
            _ => false,
        }
    }

    /// Exactly what will run.
    pub fn confirmation(&self) -> Confirmation {
        let destructive = self.is_destructive();
        let mut c = Confirmation {
            title: String::new(),
            action: self.api_action(),
            what: String::new(),
            parameters: Vec::new(),
            scopes: Vec::new(),
            rate: None,
            typed_count: None,
            typed_what: "target count",
            destructive,
        };
        match self {
            ActionRequest::RunCommand(s) => {
                c.title = "Run Command".into();
                c.what = match &s.document_version {
                    Some(v) => format!("{} (version {v})", s.document),
                    None => s.document.clone(),
                };
                c.parameters = shown(&s.parameters, &s.secret_parameters);
                let mut by_scope: Vec<ScopeCount> = Vec::new();
                for t in &s.targets {
                    match by_scope.iter_mut().find(|b| b.scope == t.scope) {
                        Some(b) => {
                            b.count = b.count.zip(t.expected).map(|(a, b)| a + b);
                            b.how = format!("{}, {}", b.how, t.target.label());
                        }
                        None => by_scope.push(ScopeCount {
                            scope: t.scope.clone(),
                            count: t.expected,
                            how: t.target.label(),
                        }),
                    }
                }
                c.scopes = by_scope;
                c.rate = Some(format!(
                    "MaxConcurrency {} · MaxErrors {}{}",
                    s.max_concurrency,
                    s.max_errors,
                    s.timeout_seconds
                        .map(|t| format!(" · timeout {t} s"))
                        .unwrap_or_default()
                ));
                if destructive {
                    c.typed_count = Some(match s.target_count() {
                        Some(n) => n,
                        None => {
                            c.typed_what = "number of scopes";
                            c.scopes.len()
                        }
                    });
                }
            }
            ActionRequest::StartAutomation(s) => {
                c.title = "Start runbook".into();
                c.what = s.document.clone();
                c.parameters = shown(&s.parameters, &s.secret_parameters);
                let n = s.instance_targets().max(1);
                c.scopes = vec![ScopeCount {
                    scope: s.scope.clone(),
                    count: Some(n),
                    how: match &s.ops_item_id {
                        Some(id) => format!("for {id}"),
                        None => "one execution".into(),
                    },
                }];
                if destructive {
                    c.typed_count = Some(n);
                }
            }
            ActionRequest::CancelCommand(s) => {
                c.title = "Cancel command".into();
                c.what = s
                    .commands
                    .iter()
                    .map(|(_, id)| id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                c.scopes = s
                    .commands
                    .iter()
                    .map(|(sc, id)| ScopeCount {
                        scope: sc.clone(),
                        count: None,
                        how: id.clone(),
                    })
                    .collect();
            }
            ActionRequest::StopAutomation(s) => {
                c.title = "Stop runbook".into();
                c.what = s.execution_id.clone();
                c.scopes = vec![one(&s.scope, "one execution")];
            }
            ActionRequest::UpdateOpsItem(s) => {
                c.title = "Update OpsItem".into();
                c.what = s.ops_item_id.clone();
                if let Some(st) = &s.status {
                    c.parameters.push(("Status".into(), st.clone()));
                }
                if let Some(n) = &s.note {
                    c.parameters.push(("Note".into(), n.clone()));
                }
                c.scopes = vec![one(&s.scope, "one OpsItem")];
            }
            ActionRequest::StartAssociationsOnce(s) => {
                c.title = "Run associations now".into();
                c.what = s.association_ids.join(", ");
                c.scopes = vec![ScopeCount {
                    scope: s.scope.clone(),
                    count: Some(s.association_ids.len()),
                    how: plural(s.association_ids.len(), "association"),
                }];
            }
            ActionRequest::PutParameter(s) => {
                c.title = "Put parameter".into();
                c.what = s.name.clone();
                let value = if s.secret() {
                    REDACTED.to_string()
                } else {
                    s.value.clone()
                };
                c.parameters.push(("Value".into(), value));
                if let Some(t) = &s.parameter_type {
                    c.parameters.push(("Type".into(), t.clone()));
                }
                c.parameters
                    .push(("Overwrite".into(), s.overwrite.to_string()));
                c.scopes = vec![one(&s.scope, "one parameter")];
            }
        }
        c
    }

    /// The audit log's `request` object for the calls into `scope` (secrets redacted).
    pub fn audit_request(&self, scope: &Scope) -> Value {
        match self {
            ActionRequest::RunCommand(s) => {
                let targets: Vec<Value> = s
                    .targets
                    .iter()
                    .filter(|t| t.scope == *scope)
                    .map(|t| t.target.to_json())
                    .collect();
                json!({
                    "document": s.document,
                    "document_version": s.document_version,
                    "parameters": s.redacted_parameters(),
                    "targets": targets,
                    "max_concurrency": s.max_concurrency,
                    "max_errors": s.max_errors,
                    "timeout_seconds": s.timeout_seconds,
                    "comment": s.comment,
                })
            }
            ActionRequest::StartAutomation(s) => json!({
                "document": s.document,
                "document_version": s.document_version,
                "parameters": redacted(&s.parameters, &s.secret_parameters),
                "ops_item_id": s.ops_item_id,
            }),
            ActionRequest::CancelCommand(s) => {
                let ids: Vec<&String> = s
                    .commands
                    .iter()
                    .filter(|(sc, _)| sc == scope)
                    .map(|(_, id)| id)
                    .collect();
                json!({ "command_ids": ids })
            }
            ActionRequest::StopAutomation(s) => json!({
                "automation_execution_id": s.execution_id,
                "type": "Cancel",
            }),
            ActionRequest::UpdateOpsItem(s) => json!({
                "ops_item_id": s.ops_item_id,
                "status": s.status,
                "note": s.note,
            }),
            ActionRequest::StartAssociationsOnce(s) => json!({
                "association_ids": s.association_ids,
            }),
            ActionRequest::PutParameter(s) => json!({
                "name": s.name,
                "value": if s.secret() { REDACTED.to_string() } else { s.value.clone() },
                "type": s.parameter_type,
                "overwrite": s.overwrite,
            }),
        }
    }
}

impl OpsItemUpdateSpec {
    /// The UpdateOpsItem input; `now` names the note's key.
    pub fn input(&self, now: chrono::DateTime<chrono::Utc>) -> UpdateOpsItemInput {
        UpdateOpsItemInput {
            ops_item_id: self.ops_item_id.clone(),
            status: self.status.clone(),
            operational_data: self
                .note
                .iter()
                .map(|n| {
                    (
                        format!("{NOTE_KEY_PREFIX}:{}", now.format("%Y-%m-%dT%H:%M:%SZ")),
                        n.clone(),
                        false,
                    )
                })
                .collect(),
        }
    }
}

fn one(scope: &Scope, how: &str) -> ScopeCount {
    ScopeCount {
        scope: scope.clone(),
        count: Some(1),
        how: how.into(),
    }
}

/// `1 node`, `3 nodes`.
pub fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// A parameter name that suggests a secret.
pub fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "credential",
        "privatekey",
        "apikey",
    ]
    .iter()
    .any(|w| n.contains(w))
}

fn is_secret(name: &str, secrets: &[String]) -> bool {
    secrets.iter().any(|s| s == name) || secret_name(name)
}

fn redacted(parameters: &[(String, Vec<String>)], secrets: &[String]) -> Value {
    let map: BTreeMap<&str, Value> = parameters
        .iter()
        .map(|(n, v)| {
            let v = if is_secret(n, secrets) {
                json!([REDACTED])
            } else {
                json!(v)
            };
            (n.as_str(), v)
        })
        .collect();
    json!(map)
}

fn shown(parameters: &[(String, Vec<String>)], secrets: &[String]) -> Vec<(String, String)> {
    parameters
        .iter()
        .map(|(n, v)| {
            let v = if is_secret(n, secrets) {
                REDACTED.to_string()
            } else {
                v.join("\n")
            };
            (n.clone(), v)
        })
        .collect()
}

/// A document or runbook name that stops, terminates, reboots, restarts or deletes.
pub fn destructive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "stop",
        "terminate",
        "reboot",
        "restart",
        "delete",
        "shutdown",
        "detach",
    ]
    .iter()
    .any(|w| n.contains(w))
}

/// A shell or PowerShell line that reboots, halts or wipes.
pub fn destructive_command(line: &str) -> bool {
    let l = line.to_ascii_lowercase();
    let words = [
        "reboot",
        "shutdown",
        "poweroff",
        "halt",
        "init 0",
        "init 6",
        "restart-computer",
        "stop-computer",
        "rm -rf",
        "mkfs",
        "terminate-instances",
    ];
    words.iter().any(|w| l.contains(w))
}

/// `MaxConcurrency` / `MaxErrors`: a whole number (at least `min`) or a percentage
/// (`min`% to 100%).
pub fn validate_rate(what: &str, text: &str, min: u32) -> Result<(), String> {
    let t = text.trim();
    let (digits, pct) = match t.strip_suffix('%') {
        Some(d) => (d, true),
        None => (t, false),
    };
    let n: u32 = digits
        .parse()
        .map_err(|_| format!("{what} is a number (10) or a percentage (10%), not `{t}`"))?;
    if n < min || (pct && n > 100) {
        let range = if pct {
            format!("{min}% to 100%")
        } else {
            format!("at least {min}")
        };
        return Err(format!("{what} must be {range}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Account;

    fn scope(id: &str) -> Scope {
        Scope {
            account: Account {
                id: id.into(),
                name: format!("acct-{id}"),
            },
            region: "eu-west-1".into(),
        }
    }

    #[test]
    fn targets_parse() {
        assert_eq!(
            CommandTarget::parse("tag:Env=prod"),
            Ok(CommandTarget::Tag {
                key: "Env".into(),
                value: "prod".into()
            })
        );
        assert_eq!(
            CommandTarget::parse("rg:web"),
            Ok(CommandTarget::ResourceGroup("web".into()))
        );
        assert_eq!(
            CommandTarget::parse("i-1, mi-2"),
            Ok(CommandTarget::Nodes(vec!["i-1".into(), "mi-2".into()]))
        );
        assert!(CommandTarget::parse("tag:Env").is_err());
        assert!(CommandTarget::parse("web01").is_err());
        assert!(CommandTarget::parse("").is_err());
    }

    #[test]
    fn nodes_are_sent_in_batches_of_fifty_per_scope() {
        let ids: Vec<String> = (0..120).map(|i| format!("i-{i:04}")).collect();
        let mut spec = RunCommandSpec::new("AWS-RunShellScript")
            .with_parameter("commands", vec!["uptime".into()]);
        spec.targets = vec![
            ScopedTarget::nodes(scope("111111111111"), ids.clone()),
            ScopedTarget {
                scope: scope("222222222222"),
                target: CommandTarget::Tag {
                    key: "Env".into(),
                    value: "prod".into(),
                },
                expected: Some(7),
            },
        ];
        let sends = spec.sends();
        assert_eq!(sends.len(), 4);
        assert_eq!(sends[0].1.instance_ids.len(), 50);
        assert_eq!(sends[2].1.instance_ids.len(), 20);
        assert_eq!(sends[3].1.targets[0].key, "tag:Env");
        assert_eq!(spec.target_count(), Some(127));
        let c = ActionRequest::RunCommand(spec).confirmation();
        assert_eq!(c.scopes.len(), 2);
        assert_eq!(c.scopes[0].count, Some(120));
        assert!(!c.destructive);
    }

    #[test]
    fn rates_validate() {
        assert!(validate_rate("MaxConcurrency", "10%", 1).is_ok());
        assert!(validate_rate("MaxConcurrency", "50", 1).is_ok());
        assert!(validate_rate("MaxConcurrency", "0", 1).is_err());
        assert!(validate_rate("MaxErrors", "0", 0).is_ok());
        assert!(validate_rate("MaxErrors", "101%", 0).is_err());
        assert!(validate_rate("MaxErrors", "x", 0).is_err());
    }

    #[test]
    fn destructive_actions_need_the_count() {
        let mut spec = RunCommandSpec::new("AWS-RunShellScript")
            .with_parameter("commands", vec!["sudo reboot".into()]);
        spec.targets = vec![ScopedTarget::nodes(
            scope("111111111111"),
            vec!["i-1".into(), "i-2".into()],
        )];
        let c = ActionRequest::RunCommand(spec).confirmation();
        assert!(c.destructive);
        assert_eq!(c.typed_count, Some(2));
        // Only AWS knows how many nodes a tag reaches: the number of scopes is typed.
        let mut spec = RunCommandSpec::new("AWS-RunShellScript")
            .with_parameter("commands", vec!["shutdown -r now".into()]);
        spec.targets = ["111111111111", "222222222222"]
            .iter()
            .map(|id| ScopedTarget {
                scope: scope(id),
                target: CommandTarget::Tag {
                    key: "Env".into(),
                    value: "prod".into(),
                },
                expected: None,
            })
            .collect();
        let c = ActionRequest::RunCommand(spec).confirmation();
        assert_eq!(c.typed_count, Some(2));
        assert_eq!(c.typed_what, "number of scopes");
        let a = AutomationSpec::new(scope("111111111111"), "AWS-RestartEC2Instance")
            .with_parameter("InstanceId", vec!["i-1".into()]);
        assert!(ActionRequest::StartAutomation(a).is_destructive());
        let a = AutomationSpec::new(scope("111111111111"), "AWS-CreateImage");
        assert!(!ActionRequest::StartAutomation(a).is_destructive());
    }

    #[test]
    fn secrets_never_reach_the_audit_request() {
        let mut spec = RunCommandSpec::new("Custom-Deploy")
            .with_parameter("dbPassword", vec!["hunter2".into()])
            .with_parameter("apiKeyValue", vec!["k".into()])
            .with_parameter("version", vec!["1.2".into()]);
        spec.secret_parameters = vec!["apiKeyValue".into()];
        spec.targets = vec![ScopedTarget::nodes(scope("1"), vec!["i-1".into()])];
        let s = scope("1");
        let r = ActionRequest::RunCommand(spec);
        let v = r.audit_request(&s).to_string();
        assert!(!v.contains("hunter2") && !v.contains("\"k\""), "{v}");
        assert!(v.contains("1.2"));
        let c = r.confirmation();
        assert!(c.parameters.iter().all(|(_, v)| v != "hunter2"));
    }
}
