//! Automation: StartAutomationExecution, GetAutomationExecution,
//! DescribeAutomationExecutions, DescribeAutomationStepExecutions and
//! StopAutomationExecution.
//!
//! An execution follows its runbook's `mainSteps`. What each step will do is worked out
//! when the execution starts, from the estate (an `aws:changeInstanceState` on an `mi-`
//! node fails the way EC2 does, an `aws:runCommand` on a node whose agent is not Online
//! fails as Undeliverable); a driver task then reveals the steps one pace at a time.
//! With `TargetParameterName` and `Targets` the execution is a rate-controlled parent
//! that starts one child execution per target within MaxConcurrency and stops starting
//! children once the failures exceed MaxErrors.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::commands::{limit, node_in_target, parse_parameters, validate_parameters};
use super::ctx::Ctx;
use super::documents::{self, Document, step_str};
use super::estate::{Node, Ping, Platform};
use super::input::{self, Object};
use super::records::{Execution, Step};
use super::request::{
    check_count, check_enum, check_len, check_rate, max_results, page, page_start, parse_targets,
    parse_time, query_hash, required_str,
};
use super::store::{ActionSim, ScopeKey, Store, forget_oldest, lock, scope_list};
use super::wire::{ApiError, SplitMix, epoch_json, fnv64, now_secs, params_json, targets_json};

/// Paces a step takes.
const STEP_PACES: u32 = 2;
/// Executions in progress allowed per scope.
const MAX_RUNNING: usize = 100;

impl Execution {
    fn terminal(&self) -> bool {
        is_terminal(self.status)
    }

    fn current_step(&self) -> Option<&Step> {
        self.steps.iter().rev().find(|s| s.start.is_some())
    }

    fn outputs(&self) -> BTreeMap<String, Vec<String>> {
        let mut out = BTreeMap::new();
        for name in &self.doc_outputs {
            let Some((step, key)) = name.split_once('.') else {
                continue;
            };
            if let Some(v) = self
                .steps
                .iter()
                .find(|s| s.name == step)
                .and_then(|s| s.outputs.get(key))
            {
                out.insert(name.clone(), v.clone());
            }
        }
        out
    }
}

fn is_terminal(status: &str) -> bool {
    matches!(
        status,
        "Success"
            | "TimedOut"
            | "Cancelled"
            | "Failed"
            | "Rejected"
            | "CompletedWithSuccess"
            | "CompletedWithFailure"
            | "Exited"
    )
}

const STATUSES: &[&str] = &[
    "Pending",
    "InProgress",
    "Waiting",
    "Success",
    "TimedOut",
    "Cancelling",
    "Cancelled",
    "Failed",
    "PendingApproval",
    "Approved",
    "Rejected",
    "Scheduled",
    "RunbookInProgress",
    "PendingChangeCalendarOverride",
    "ChangeCalendarOverrideApproved",
    "ChangeCalendarOverrideRejected",
    "CompletedWithSuccess",
    "CompletedWithFailure",
    "Exited",
];

// ---------------------------------------------------------------------------------------
// Planning

/// `{{ Name }}` placeholders replaced by parameter values; a value that is exactly one
/// placeholder of a list parameter becomes a list.
fn substitute(v: &Value, params: &BTreeMap<String, Vec<String>>, exec_id: &str) -> Value {
    match v {
        Value::String(s) => {
            let trimmed = s.trim();
            if let Some(inner) = trimmed
                .strip_prefix("{{")
                .and_then(|r| r.strip_suffix("}}"))
                && !inner.contains("{{")
                && let Some(values) = params.get(inner.trim())
                && values.len() != 1
            {
                return json!(values);
            }
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(open) = rest.find("{{") {
                out.push_str(&rest[..open]);
                let after = &rest[open + 2..];
                let Some(close) = after.find("}}") else {
                    out.push_str(&rest[open..]);
                    rest = "";
                    break;
                };
                let name = after[..close].trim();
                if name == "automation:EXECUTION_ID" {
                    out.push_str(exec_id);
                } else if let Some(values) = params.get(name) {
                    out.push_str(&values.join(","));
                } else {
                    out.push_str(&rest[open..open + 2 + close + 2]);
                }
                rest = &after[close + 2..];
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, params, exec_id)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, params, exec_id)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => s
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

type Plan = Result<BTreeMap<String, Vec<String>>, (String, &'static str, &'static str)>;

fn api_error(op: &str, code: &str, message: &str) -> (String, &'static str, &'static str) {
    (
        format!(
            "Step fails when it is Executing. Fix the passed parameters or the configuration of the account. An error occurred ({code}) when calling the {op} operation: {message}"
        ),
        "Executing",
        "Automation",
    )
}

/// What the steps of a runbook act on in a scope: its managed nodes and its RDS DB
/// instances.
#[derive(Clone, Copy)]
struct World<'a> {
    nodes: &'a [Node],
    dbs: &'a [String],
}

fn find_db(dbs: &[String], id: &str, op: &str) -> Result<(), (String, &'static str, &'static str)> {
    if dbs.iter().any(|d| d == id) {
        return Ok(());
    }
    Err(api_error(
        op,
        "DBInstanceNotFound",
        &format!("DBInstance {id} not found."),
    ))
}

/// The EC2 instance type the sim gives an instance (the estate does not model types).
fn instance_type(id: &str) -> &'static str {
    const TYPES: &[&str] = &[
        "t3.medium",
        "t3.large",
        "m5.large",
        "m5.xlarge",
        "c5.xlarge",
        "r5.large",
    ];
    TYPES[(fnv64(&[id.as_bytes()]) % TYPES.len() as u64) as usize]
}

fn input_str<'a>(inputs: &'a Map<String, Value>, key: &str) -> &'a str {
    inputs.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A value for an output a step declares, as the API it calls would return it.
fn fabricate(name: &str, inputs: &Map<String, Value>, rng: &mut SplitMix) -> String {
    match name {
        "ImageId" => format!("ami-0{}", rng.hex(16)),
        "VpcId" => format!("vpc-0{}", rng.hex(16)),
        "SubnetId" => format!("subnet-0{}", rng.hex(16)),
        "SnapshotId" => match input_str(inputs, "DBSnapshotIdentifier") {
            "" => format!(
                "{}-{}",
                input_str(inputs, "DBInstanceIdentifier"),
                rng.hex(8)
            ),
            given => given.to_string(),
        },
        "ExecutionId" => rng.uuid(),
        "Output" => "EC2Rescue found no blocking issue on the offline root volume; the report is in the nested execution's output.".into(),
        _ => String::new(),
    }
}

/// An `aws:assertAwsResourceProperty` / `aws:waitForAwsResourceProperty` on EC2 or RDS.
fn check_property(service: &str, inputs: &Map<String, Value>, world: World<'_>) -> Plan {
    let api = input_str(inputs, "Api");
    let selector = input_str(inputs, "PropertySelector");
    let desired = strings(inputs.get("DesiredValues"));
    let (id, actual) = if service == "ec2" {
        let id = strings(inputs.get("InstanceIds"))
            .into_iter()
            .next()
            .unwrap_or_default();
        let node = find_ec2(world.nodes, &id, api)?;
        let actual = if selector.ends_with(".Platform") {
            if node.platform == Platform::Windows {
                "windows"
            } else {
                ""
            }
        } else if selector.ends_with(".InstanceType") {
            instance_type(&id)
        } else {
            "running"
        };
        (id, actual)
    } else {
        let id = input_str(inputs, "DBInstanceIdentifier").to_string();
        find_db(world.dbs, &id, api)?;
        (id, "available")
    };
    if desired.iter().any(|d| d == actual) {
        return Ok(BTreeMap::new());
    }
    Err((
        format!(
            "Step fails when it is Verifying. The property value \"{actual}\" of {id} doesn't match the desired values {desired:?}."
        ),
        "Verification",
        "Automation",
    ))
}

fn find_ec2<'a>(
    nodes: &'a [Node],
    id: &str,
    op: &str,
) -> Result<&'a Node, (String, &'static str, &'static str)> {
    if !id.starts_with("i-") {
        return Err(api_error(
            op,
            "InvalidInstanceID.Malformed",
            &format!("Invalid id: \"{id}\" (expecting \"i-...\")"),
        ));
    }
    nodes
        .iter()
        .find(|n| n.instance_id == id && !n.hybrid)
        .ok_or_else(|| {
            api_error(
                op,
                "InvalidInstanceID.NotFound",
                &format!("The instance ID '{id}' does not exist"),
            )
        })
}

fn plan_step(
    action: &str,
    inputs: &Map<String, Value>,
    outputs: &[String],
    world: World<'_>,
    rng: &mut SplitMix,
) -> Plan {
    let nodes = world.nodes;
    let service = input_str(inputs, "Service");
    match action {
        "aws:assertAwsResourceProperty" | "aws:waitForAwsResourceProperty"
            if matches!(service, "ec2" | "rds") =>
        {
            check_property(service, inputs, world)
        }
        "aws:executeAwsApi" => {
            let api = input_str(inputs, "Api");
            match service {
                "ec2" => {
                    let mut ids = strings(inputs.get("InstanceIds"));
                    ids.extend(strings(inputs.get("InstanceId")));
                    for id in &ids {
                        find_ec2(nodes, id, api)?;
                    }
                }
                "rds" => find_db(world.dbs, input_str(inputs, "DBInstanceIdentifier"), api)?,
                _ => {}
            }
            Ok(outputs
                .iter()
                .map(|o| (o.clone(), vec![fabricate(o, inputs, rng)]))
                .collect())
        }
        "aws:executeAutomation" => {
            let id = inputs
                .get("RuntimeParameters")
                .and_then(|p| p.get("InstanceId"))
                .map(|v| strings(Some(v)))
                .and_then(|v| v.into_iter().next());
            if let Some(id) = id {
                find_ec2(nodes, &id, "DescribeInstances")?;
            }
            let mut out = BTreeMap::new();
            out.insert("ExecutionId".into(), vec![rng.uuid()]);
            out.insert("Status".into(), vec!["Success".into()]);
            out.insert("Output".into(), vec![String::new()]);
            Ok(out)
        }
        "aws:executeScript" => {
            let payload = inputs.get("InputPayload").and_then(Value::as_object);
            let id = payload
                .and_then(|p| p.get("InstanceId"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let node = nodes.iter().find(|n| n.instance_id == id);
            let report = match node {
                Some(n) => format!(
                    "{id}: instance state running; the security groups, network ACLs and route tables allow HTTPS to the ssm, ssmmessages and ec2messages endpoints; instance profile: {}; SSM Agent {} with ping status {}.",
                    n.iam_role
                        .unwrap_or("none (attach one with AmazonSSMManagedInstanceCore)"),
                    n.agent_version,
                    n.ping.as_str()
                ),
                None => String::new(),
            };
            Ok(outputs
                .iter()
                .map(|o| (o.clone(), vec![report.clone()]))
                .collect())
        }
        "aws:changeInstanceState" => {
            let ids = strings(inputs.get("InstanceIds"));
            let desired = inputs
                .get("DesiredState")
                .and_then(Value::as_str)
                .unwrap_or("running");
            let op = match desired {
                "stopped" => "StopInstances",
                "terminated" => "TerminateInstances",
                _ => "StartInstances",
            };
            if ids.is_empty() {
                return Err((
                    "Step fails when it is Validating. InstanceIds must not be empty.".into(),
                    "Inputs",
                    "Automation",
                ));
            }
            for id in &ids {
                find_ec2(nodes, id, op)?;
            }
            Ok(BTreeMap::new())
        }
        "aws:createImage" => {
            let id = inputs
                .get("InstanceId")
                .and_then(Value::as_str)
                .unwrap_or_default();
            find_ec2(nodes, id, "CreateImage")?;
            let name = inputs
                .get("ImageName")
                .and_then(Value::as_str)
                .unwrap_or(id)
                .to_string();
            let mut out = BTreeMap::new();
            out.insert("ImageId".into(), vec![format!("ami-0{}", rng.hex(16))]);
            out.insert("ImageName".into(), vec![name]);
            out.insert("ImageState".into(), vec!["available".into()]);
            Ok(out)
        }
        "aws:assertAwsResourceProperty" => {
            let id = inputs
                .get("InstanceInformationFilterList")
                .and_then(|l| l.get(0))
                .and_then(|f| f.get("valueSet"))
                .map(|v| strings(Some(v)))
                .and_then(|v| v.into_iter().next())
                .unwrap_or_default();
            let desired = strings(inputs.get("DesiredValues"));
            let actual = nodes
                .iter()
                .find(|n| n.instance_id == id)
                .map(|n| n.ping.as_str());
            match actual {
                Some(p) if desired.iter().any(|d| d == p) => Ok(BTreeMap::new()),
                Some(p) => Err((
                    format!(
                        "Step fails when it is Verifying. The property value {p} of {id} doesn't match the desired values {desired:?}."
                    ),
                    "Verification",
                    "Automation",
                )),
                None => Err((
                    format!(
                        "Step fails when it is Verifying. The resource {id} was not found in DescribeInstanceInformation."
                    ),
                    "Verification",
                    "Automation",
                )),
            }
        }
        "aws:runCommand" => {
            let ids = strings(inputs.get("InstanceIds"));
            let command_id = rng.uuid();
            for id in &ids {
                let node = nodes.iter().find(|n| &n.instance_id == id);
                let status = match node.map(|n| n.ping) {
                    Some(Ping::Online) => None,
                    Some(_) => Some("Undeliverable"),
                    None => Some("InvalidInstanceId"),
                };
                if let Some(detail) = status {
                    return Err((
                        format!(
                            "Step fails when it is Poll action status for completion. Command {command_id} returns unexpected invocation result: \n{{Status=[Failed], ResponseCode=[-1], Output=[], CommandPluginStatusDetails=[{detail}]}}. Please refer to Automation Service Troubleshooting Guide for more diagnosis details."
                        ),
                        "Executing",
                        "Automation",
                    ));
                }
            }
            let mut out = BTreeMap::new();
            out.insert("CommandId".into(), vec![command_id]);
            out.insert("Status".into(), vec!["Success".into()]);
            out.insert("ResponseCode".into(), vec!["0".into()]);
            out.insert("Output".into(), vec![String::new()]);
            Ok(out)
        }
        _ => Ok(BTreeMap::new()),
    }
}

/// The steps an execution will run, in order, each with what it will do. The path
/// follows `nextStep`, `isEnd` and `onFailure: step:NAME` as Automation does; steps
/// off the path are left out.
fn plan_steps(
    doc: &Document,
    version: usize,
    params: &BTreeMap<String, Vec<String>>,
    exec_id: &str,
    world: World<'_>,
) -> Vec<Step> {
    let mut rng = SplitMix::new(fnv64(&[exec_id.as_bytes(), b"steps"]));
    let steps = doc
        .body(version)
        .and_then(|b| b.get("mainSteps"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let index_of = |name: &str| {
        steps
            .iter()
            .position(|s| s.get("name").and_then(Value::as_str) == Some(name))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < steps.len() && out.len() <= steps.len() * 2 {
        let s = &steps[i];
        let name = step_str(s, "name", "step");
        let action = step_str(s, "action", "aws:sleep");
        let inputs = substitute(s.get("inputs").unwrap_or(&Value::Null), params, exec_id)
            .as_object()
            .cloned()
            .unwrap_or_default();
        let declared: Vec<String> = s
            .get("outputs")
            .and_then(Value::as_array)
            .map(|o| {
                o.iter()
                    .filter_map(|x| x.get("Name").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let plan = plan_step(&action, &inputs, &declared, world, &mut rng);
        let on_failure = s
            .get("onFailure")
            .and_then(Value::as_str)
            .unwrap_or("Abort")
            .to_string();
        let next = match &plan {
            Err(_) => on_failure
                .strip_prefix("step:")
                .map_or(Some(i + 1), index_of),
            Ok(_) if s.get("isEnd").and_then(Value::as_bool) == Some(true) => None,
            Ok(_) => match s.get("nextStep").and_then(Value::as_str) {
                Some(n) => index_of(n),
                None => Some(i + 1),
            },
        };
        out.push(Step {
            id: rng.uuid(),
            name,
            action,
            on_failure,
            timeout: s
                .get("timeoutSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(3600),
            max_attempts: s.get("maxAttempts").and_then(Value::as_i64).unwrap_or(1),
            inputs,
            status: "Pending",
            start: None,
            end: None,
            due: None,
            outputs: BTreeMap::new(),
            failure: None,
            failure_details: None,
            response: None,
            plan,
        });
        match next {
            Some(n) => i = n,
            None => break,
        }
    }
    out
}

/// Moves an execution forward to `now`; `pace` is the length of a step's stage.
fn advance(e: &mut Execution, now: f64, pace: f64) {
    if e.terminal() || e.target_parameter_name.is_some() {
        return;
    }
    if let Some(stop) = e.stop {
        for s in e.steps.iter_mut().filter(|s| s.status == "InProgress") {
            s.status = "Cancelled";
            s.end = Some(now);
        }
        e.status = if stop == "Complete" {
            "Success"
        } else {
            "Cancelled"
        };
        e.end = Some(now);
        return;
    }
    e.status = "InProgress";
    // Finish the running step when due.
    if let Some(step) = e.steps.iter_mut().find(|s| s.status == "InProgress") {
        if step.due.is_some_and(|d| now < d) {
            return;
        }
        step.end = Some(now);
        match step.plan.clone() {
            Ok(outputs) => {
                step.status = "Success";
                step.outputs = outputs;
            }
            Err((message, stage, kind)) => {
                step.status = "Failed";
                step.failure = Some(message.clone());
                step.failure_details = Some((stage, kind));
                if step.on_failure == "Abort" {
                    e.status = "Failed";
                    e.failure = Some(message);
                    e.end = Some(now);
                    return;
                }
            }
        }
    }
    // Start the next step.
    match e.steps.iter_mut().find(|s| s.status == "Pending") {
        Some(next) => {
            next.status = "InProgress";
            next.start = Some(now);
            next.due = Some(now + pace * f64::from(STEP_PACES));
        }
        None => {
            // A step whose failure branches to another step does not fail the run.
            let failed = e
                .steps
                .iter()
                .any(|s| s.status == "Failed" && !s.on_failure.starts_with("step:"));
            e.status = if failed { "Failed" } else { "Success" };
            if failed && e.failure.is_none() {
                e.failure = e
                    .steps
                    .iter()
                    .filter(|s| !s.on_failure.starts_with("step:"))
                    .find_map(|s| s.failure.clone());
            }
            e.end = Some(now);
        }
    }
}

/// Runs an execution to completion at once (for history).
fn finish_now(e: &mut Execution, start: f64) {
    let mut t = start;
    for _ in 0..(e.steps.len() * 2 + 2) {
        advance(e, t, 20.0);
        if e.terminal() {
            break;
        }
        t += 40.0;
    }
}

// ---------------------------------------------------------------------------------------
// JSON

fn step_json(s: &Step) -> Value {
    let mut o = Map::new();
    o.insert("StepName".into(), s.name.clone().into());
    o.insert("Action".into(), s.action.clone().into());
    o.insert("TimeoutSeconds".into(), s.timeout.into());
    o.insert("OnFailure".into(), s.on_failure.clone().into());
    o.insert("MaxAttempts".into(), s.max_attempts.into());
    if let Some(t) = s.start {
        o.insert("ExecutionStartTime".into(), epoch_json(t));
    }
    if let Some(t) = s.end {
        o.insert("ExecutionEndTime".into(), epoch_json(t));
    }
    o.insert("StepStatus".into(), s.status.into());
    let inputs: Map<String, Value> = s
        .inputs
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(x) => format!("\"{x}\""),
                other => other.to_string(),
            };
            (k.clone(), text.into())
        })
        .collect();
    o.insert("Inputs".into(), Value::Object(inputs));
    if !s.outputs.is_empty() {
        o.insert(
            "Outputs".into(),
            Value::Object(
                s.outputs
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect(),
            ),
        );
    }
    if let Some(r) = &s.response {
        o.insert("Response".into(), r.clone().into());
    }
    if let Some(f) = &s.failure {
        o.insert("FailureMessage".into(), f.clone().into());
    }
    if let Some((stage, kind)) = s.failure_details {
        o.insert(
            "FailureDetails".into(),
            json!({"FailureStage": stage, "FailureType": kind, "Details": {}}),
        );
    }
    o.insert("StepExecutionId".into(), s.id.clone().into());
    o.insert("IsEnd".into(), false.into());
    o.insert("IsCritical".into(), true.into());
    Value::Object(o)
}

fn common_json(e: &Execution, o: &mut Map<String, Value>) {
    o.insert("AutomationExecutionId".into(), e.id.clone().into());
    o.insert("DocumentName".into(), e.document_name.clone().into());
    o.insert("DocumentVersion".into(), e.document_version.clone().into());
    o.insert("AutomationExecutionStatus".into(), e.status.into());
    o.insert("ExecutionStartTime".into(), epoch_json(e.start));
    if let Some(t) = e.end {
        o.insert("ExecutionEndTime".into(), epoch_json(t));
    }
    o.insert("ExecutedBy".into(), e.executed_by.clone().into());
    o.insert("Mode".into(), e.mode.clone().into());
    o.insert(
        "Outputs".into(),
        Value::Object(
            e.outputs()
                .into_iter()
                .map(|(k, v)| (k, json!(v)))
                .collect(),
        ),
    );
    if let Some(f) = &e.failure {
        o.insert("FailureMessage".into(), f.clone().into());
    }
    if let Some(p) = &e.parent {
        o.insert("ParentAutomationExecutionId".into(), p.clone().into());
    }
    if !e.terminal()
        && let Some(s) = e.current_step()
    {
        o.insert("CurrentStepName".into(), s.name.clone().into());
        o.insert("CurrentAction".into(), s.action.clone().into());
    }
    if let Some(t) = &e.target_parameter_name {
        o.insert("TargetParameterName".into(), t.clone().into());
        o.insert("Targets".into(), targets_json(&e.targets));
        o.insert(
            "ResolvedTargets".into(),
            json!({"ParameterValues": e.resolved, "Truncated": false}),
        );
    }
    if let Some(m) = &e.max_concurrency {
        o.insert("MaxConcurrency".into(), m.clone().into());
    }
    if let Some(m) = &e.max_errors {
        o.insert("MaxErrors".into(), m.clone().into());
    }
    if let Some(t) = &e.target {
        o.insert("Target".into(), t.clone().into());
    }
}

fn execution_json(e: &Execution) -> Value {
    let mut o = Map::new();
    common_json(e, &mut o);
    o.insert(
        "StepExecutions".into(),
        Value::Array(
            e.steps
                .iter()
                .filter(|s| s.start.is_some())
                .map(step_json)
                .collect(),
        ),
    );
    o.insert("StepExecutionsTruncated".into(), false.into());
    o.insert("Parameters".into(), params_json(&e.parameters));
    Value::Object(o)
}

fn metadata_json(e: &Execution) -> Value {
    let mut o = Map::new();
    common_json(e, &mut o);
    o.insert("LogFile".into(), "".into());
    o.insert("AutomationType".into(), "Local".into());
    Value::Object(o)
}

// ---------------------------------------------------------------------------------------
// StartAutomationExecution

fn not_found_definition(name: &str) -> ApiError {
    ApiError::new(
        400,
        "AutomationDefinitionNotFoundException",
        format!("Automation definition {name} not found."),
    )
}

fn invalid_params(message: String) -> ApiError {
    ApiError::new(
        400,
        "InvalidAutomationExecutionParametersException",
        message,
    )
}

fn target_values(
    nodes: &[Node],
    targets: &[(String, Vec<String>)],
) -> Result<Vec<String>, ApiError> {
    if let Some((_, values)) = targets.iter().find(|(k, _)| k == "ParameterValues") {
        return Ok(values.clone());
    }
    let mut out = Vec::new();
    for n in nodes {
        let all = targets.iter().all(|(k, values)| {
            node_in_target(n, k, values).unwrap_or_else(|| {
                k == "ResourceGroup"
                    && values.contains(&format!(
                        "{}-{}",
                        n.tag("Team").unwrap_or("product"),
                        n.tag("Environment").unwrap_or("prod")
                    ))
            })
        });
        if all {
            out.push(n.instance_id.clone());
        }
    }
    if out.is_empty() {
        return Err(ApiError::new(
            400,
            "InvalidTarget",
            "The targets don't resolve to any resources.",
        ));
    }
    Ok(out)
}

fn caller_arn(ctx: &Ctx<'_>) -> String {
    format!(
        "arn:aws:iam::{}:user/sim-admin",
        ctx.estate.accounts[ctx.account].id
    )
}

#[allow(clippy::too_many_arguments)]
fn new_execution(
    id: String,
    doc: &Document,
    version: usize,
    params: BTreeMap<String, Vec<String>>,
    mode: &str,
    now: f64,
    executed_by: String,
    world: World<'_>,
) -> Execution {
    let steps = plan_steps(doc, version, &params, &id, world);
    let doc_outputs = doc
        .body(version)
        .and_then(|b| b.get("outputs"))
        .map(|v| strings(Some(v)))
        .unwrap_or_default();
    Execution {
        id,
        document_name: doc.name.clone(),
        document_version: version.to_string(),
        parameters: params,
        mode: mode.to_string(),
        start: now,
        end: None,
        status: "Pending",
        failure: None,
        steps,
        doc_outputs,
        executed_by,
        parent: None,
        target_parameter_name: None,
        targets: Vec::new(),
        max_concurrency: None,
        max_errors: None,
        resolved: Vec::new(),
        children: Vec::new(),
        target: None,
        client_token: None,
        stop: None,
        tags: Vec::new(),
    }
}

pub(crate) fn start_automation_execution(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let name = required_str(body, "DocumentName", "documentName")?;
    let version_text = input::opt_str(body, "DocumentVersion")?;
    let mode = input::opt_str(body, "Mode")?.unwrap_or("Auto");
    check_enum(mode, "mode", &["Auto", "Interactive"])?;
    let client_token = input::opt_str(body, "ClientToken")?;
    if let Some(t) = client_token {
        check_len(t, "clientToken", 36, 36)?;
    }
    let target_parameter = input::opt_str(body, "TargetParameterName")?;
    if let Some(t) = target_parameter {
        check_len(t, "targetParameterName", 1, 50)?;
    }
    let targets = parse_targets(body)?;
    if input::opt_array(body, "TargetMaps")?.is_some_and(|m| !m.is_empty()) {
        return Err(ApiError::validation(
            "TargetMaps are not supported here; use TargetParameterName with Targets.",
        ));
    }
    let max_concurrency = input::opt_str(body, "MaxConcurrency")?;
    if let Some(m) = max_concurrency {
        check_rate(m, "maxConcurrency", false)?;
    }
    let max_errors = input::opt_str(body, "MaxErrors")?;
    if let Some(m) = max_errors {
        check_rate(m, "maxErrors", true)?;
    }
    let given = parse_parameters(body)?;
    let tags: Vec<(String, String)> = input::opt_array(body, "Tags")?
        .map(|l| {
            l.iter()
                .filter_map(|t| {
                    Some((
                        t.get("Key")?.as_str()?.to_string(),
                        t.get("Value")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();

    let doc = documents::find(ctx, name).ok_or_else(|| not_found_definition(name))?;
    if doc.doc_type != "Automation" {
        return Err(ApiError::new(
            400,
            "InvalidAutomationExecutionParametersException",
            format!(
                "{} is a {} document; StartAutomationExecution needs an Automation runbook.",
                doc.name, doc.doc_type
            ),
        ));
    }
    let version = documents::resolve_version(&doc, version_text, None).map_err(|_| {
        ApiError::new(
            400,
            "AutomationDefinitionVersionNotFoundException",
            format!(
                "Automation definition {name}:{} not found.",
                version_text.unwrap_or_default()
            ),
        )
    })?;
    let rate_control = target_parameter.is_some() || !targets.is_empty();
    if rate_control && (target_parameter.is_none() || targets.is_empty()) {
        return Err(invalid_params(
            "TargetParameterName and Targets must be given together.".into(),
        ));
    }
    let mut check = given.clone();
    if let Some(tp) = target_parameter {
        if !doc.parameters(version).iter().any(|(n, _)| n == tp) {
            return Err(invalid_params(format!(
                "The target parameter {tp} is not a parameter of the automation definition."
            )));
        }
        check.insert(tp.to_string(), vec!["placeholder".into()]);
    }
    let mut params =
        validate_parameters(&doc, version, &check).map_err(|e| invalid_params(e.message))?;
    if let Some(tp) = target_parameter {
        params.remove(tp);
    }

    let request_hash = fnv64(&[
        name.as_bytes(),
        version_text.unwrap_or_default().as_bytes(),
        Value::Object(body.clone())
            .get("Parameters")
            .map(|p| p.to_string())
            .unwrap_or_default()
            .as_bytes(),
        target_parameter.unwrap_or_default().as_bytes(),
    ]);
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let dbs = Arc::new(super::ops_items::db_instances(
        ctx.estate,
        ctx.account,
        ctx.region,
        &nodes,
    ));
    let key: ScopeKey = (ctx.account, ctx.region.to_string());
    let mut store = lock(&ctx.knobs.actions.store);
    let automations = scope_executions(&mut store, ctx);
    if let Some(t) = client_token
        && let Some(e) = automations
            .iter()
            .find(|e| e.client_token.as_ref().is_some_and(|(tok, _)| tok == t))
    {
        if e.client_token
            .as_ref()
            .is_some_and(|(_, h)| *h == request_hash)
        {
            return Ok(json!({ "AutomationExecutionId": e.id }));
        }
        return Err(ApiError::new(
            400,
            "IdempotentParameterMismatch",
            "Error while processing request: the client token was used with different parameters.",
        ));
    }
    let running = automations.iter().filter(|e| !e.terminal()).count();
    if running >= MAX_RUNNING {
        return Err(ApiError::new(
            400,
            "AutomationExecutionLimitExceededException",
            format!(
                "The number of simultaneously running Automation executions exceeded {MAX_RUNNING}."
            ),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    // A rate-controlled execution plans no steps of its own: it runs one child per target.
    let resolved = target_parameter
        .map(|_| target_values(&nodes, &targets))
        .transpose()?;
    let world = match resolved {
        Some(_) => World {
            nodes: &[],
            dbs: &[],
        },
        None => World {
            nodes: &nodes,
            dbs: &dbs,
        },
    };
    let mut exec = new_execution(
        id.clone(),
        &doc,
        version,
        params,
        mode,
        ctx.now,
        caller_arn(ctx),
        world,
    );
    if let (Some(tp), Some(resolved)) = (target_parameter, resolved) {
        exec.steps.clear();
        exec.target_parameter_name = Some(tp.to_string());
        exec.targets = targets;
        exec.resolved = resolved;
        exec.max_concurrency = Some(max_concurrency.unwrap_or("10").to_string());
        exec.max_errors = Some(max_errors.unwrap_or("0").to_string());
        exec.status = "Pending";
    }
    exec.client_token = client_token.map(|t| (t.to_string(), request_hash));
    exec.tags = tags;
    automations.push(exec);
    forget_oldest(automations, Execution::terminal);
    drop(store);
    spawn(
        &ctx.knobs.actions,
        key,
        id.clone(),
        doc,
        version,
        (nodes, dbs),
    );
    Ok(json!({ "AutomationExecutionId": id }))
}

fn spawn(
    sim: &ActionSim,
    key: ScopeKey,
    id: String,
    doc: Document,
    version: usize,
    world: (Arc<Vec<Node>>, Arc<Vec<String>>),
) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    rt.spawn(drive(
        Arc::downgrade(&sim.store),
        key,
        id,
        doc,
        version,
        world,
        sim.pace_nanos.clone(),
    ));
}

/// [`limit`] of a MaxConcurrency / MaxErrors that may be missing.
fn limit_or(value: Option<&str>, total: usize, default: usize) -> usize {
    value.map_or(default, |v| limit(v, total, default))
}

async fn drive(
    store: Weak<Mutex<Store>>,
    key: ScopeKey,
    id: String,
    doc: Document,
    version: usize,
    (nodes, dbs): (Arc<Vec<Node>>, Arc<Vec<String>>),
    pace: Arc<std::sync::atomic::AtomicU64>,
) {
    loop {
        let step = Duration::from_nanos(pace.load(Ordering::Relaxed));
        tokio::time::sleep(step).await;
        let Some(store) = store.upgrade() else {
            return;
        };
        let now = now_secs();
        let mut guard = lock(&store);
        let Some(automations) = guard.automations.get_mut(&key) else {
            return;
        };
        let Some(pos) = automations.iter().position(|e| e.id == id) else {
            return;
        };
        if automations[pos].target_parameter_name.is_none() {
            let e = &mut automations[pos];
            advance(e, now, step.as_secs_f64());
            if e.terminal() {
                return;
            }
            continue;
        }
        // A rate-controlled parent: advance its children, start more, settle.
        let children: Vec<String> = automations[pos].children.clone();
        for child in &children {
            if let Some(c) = automations.iter_mut().find(|e| &e.id == child) {
                advance(c, now, step.as_secs_f64());
            }
        }
        let states: Vec<&'static str> = children
            .iter()
            .filter_map(|c| automations.iter().find(|e| &e.id == c).map(|e| e.status))
            .collect();
        let failed = states
            .iter()
            .filter(|s| matches!(**s, "Failed" | "TimedOut" | "Cancelled"))
            .count();
        let running = states.iter().filter(|s| !is_terminal(s)).count();
        let parent = &automations[pos];
        let total = parent.resolved.len();
        let concurrency = limit_or(parent.max_concurrency.as_deref(), total, 10).max(1);
        let errors_allowed = limit_or(parent.max_errors.as_deref(), total, 0);
        let stop = parent.stop;
        let stopped_sending = failed > errors_allowed || stop.is_some();
        let mut new_children = Vec::new();
        if !stopped_sending {
            let mut slots = concurrency.saturating_sub(running);
            for value in parent.resolved.iter().skip(children.len()) {
                if slots == 0 {
                    break;
                }
                slots -= 1;
                let mut params = parent.parameters.clone();
                let tp = parent.target_parameter_name.clone().unwrap_or_default();
                params.insert(tp, vec![value.clone()]);
                let child_id = uuid::Uuid::new_v4().to_string();
                let mut child = new_execution(
                    child_id,
                    &doc,
                    version,
                    params,
                    &parent.mode,
                    now,
                    parent.executed_by.clone(),
                    World {
                        nodes: &nodes,
                        dbs: &dbs,
                    },
                );
                child.parent = Some(parent.id.clone());
                child.target = Some(value.clone());
                new_children.push(child);
            }
        }
        if stop.is_some() {
            for child in &children {
                if let Some(c) = automations.iter_mut().find(|e| &e.id == child)
                    && !c.terminal()
                {
                    c.stop = stop;
                }
            }
        }
        let started_all = children.len() + new_children.len() >= total;
        let parent = &mut automations[pos];
        parent
            .children
            .extend(new_children.iter().map(|c| c.id.clone()));
        parent.status = "InProgress";
        let done = running == 0 && new_children.is_empty() && (started_all || stopped_sending);
        if done {
            parent.end = Some(now);
            parent.status = if let Some(s) = stop {
                if s == "Complete" {
                    "Success"
                } else {
                    "Cancelled"
                }
            } else if failed > errors_allowed {
                "Failed"
            } else if failed > 0 {
                "CompletedWithFailure"
            } else {
                "Success"
            };
            if parent.status == "Failed" {
                parent.failure = Some(format!(
                    "{failed} of {total} target executions failed; more than MaxErrors ({errors_allowed})."
                ));
            }
        }
        automations.extend(new_children);
        if done {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reads and Stop

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "AutomationExecutionNotFoundException",
        format!("Automation Execution {id} not found."),
    )
}

/// The execution `id` of a scope, or AutomationExecutionNotFoundException.
fn find_execution<'a>(automations: &'a [Execution], id: &str) -> Result<&'a Execution, ApiError> {
    automations
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| not_found(id))
}

pub(crate) fn get_automation_execution(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "AutomationExecutionId", "automationExecutionId")?;
    check_len(id, "automationExecutionId", 36, 36)?;
    let mut store = lock(&ctx.knobs.actions.store);
    let automations = scope_executions(&mut store, ctx);
    let e = find_execution(automations, id)?;
    Ok(json!({ "AutomationExecution": execution_json(e) }))
}

const EXEC_FILTER_KEYS: &[&str] = &[
    "DocumentNamePrefix",
    "ExecutionStatus",
    "ExecutionId",
    "ParentExecutionId",
    "CurrentAction",
    "StartTimeBefore",
    "StartTimeAfter",
    "AutomationType",
    "TagKey",
    "TargetResourceGroup",
    "AutomationSubtype",
    "OpsItemId",
];

fn parse_filters(
    body: &Object,
    keys: &[&str],
    max: usize,
) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let Some(list) = input::opt_array(body, "Filters")? else {
        return Ok(Vec::new());
    };
    check_count(list.len(), "filters", 1, max)?;
    let mut out = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let obj = input::as_object(f, "Filters")?;
        let member = format!("filters.{}.member", i + 1);
        let key = required_str(obj, "Key", &format!("{member}.key"))?;
        check_enum(key, &format!("{member}.key"), keys)?;
        let values = match input::opt_array(obj, "Values")? {
            Some(v) => input::string_list(v, "Values")?,
            None => return Err(super::request::missing(&format!("{member}.values"))),
        };
        check_count(values.len(), &format!("{member}.values"), 1, 10)?;
        if key.contains("Time")
            && let Some(bad) = values.iter().find(|v| parse_time(v).is_none())
        {
            return Err(ApiError::new(
                400,
                "InvalidFilterValue",
                format!("The filter value {bad} is not a valid time."),
            ));
        }
        if (key == "ExecutionStatus" || key == "StepExecutionStatus")
            && let Some(bad) = values.iter().find(|v| !STATUSES.contains(&v.as_str()))
        {
            return Err(ApiError::new(
                400,
                "InvalidFilterValue",
                format!("The filter value {bad} is not a valid status."),
            ));
        }
        out.push((key.to_string(), values));
    }
    Ok(out)
}

fn exec_matches(e: &Execution, (key, values): &(String, Vec<String>)) -> bool {
    let any = |x: &str| values.iter().any(|v| v == x);
    match key.as_str() {
        "DocumentNamePrefix" => values
            .iter()
            .any(|p| e.document_name.starts_with(p.as_str())),
        "ExecutionStatus" => any(e.status),
        "ExecutionId" => any(&e.id),
        "ParentExecutionId" => e.parent.as_deref().is_some_and(any),
        "CurrentAction" => e.current_step().is_some_and(|s| any(&s.action)),
        "StartTimeBefore" => values
            .iter()
            .filter_map(|v| parse_time(v))
            .any(|t| e.start <= t),
        "StartTimeAfter" => values
            .iter()
            .filter_map(|v| parse_time(v))
            .any(|t| e.start >= t),
        "AutomationType" => any("Local"),
        "TagKey" => e.tags.iter().any(|(k, _)| any(k)),
        "TargetResourceGroup" => e
            .targets
            .iter()
            .any(|(k, v)| k == "ResourceGroup" && v.iter().any(|x| any(x))),
        "AutomationSubtype" | "OpsItemId" => false,
        _ => true,
    }
}

pub(crate) fn describe_automation_executions(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let filters = parse_filters(body, EXEC_FILTER_KEYS, 10)?;
    let hash = query_hash(ctx, "DescribeAutomationExecutions", body);
    let start = page_start(body, hash)?;
    let mut store = lock(&ctx.knobs.actions.store);
    let automations = scope_executions(&mut store, ctx);
    let mut matching: Vec<&Execution> = automations
        .iter()
        .filter(|e| filters.iter().all(|f| exec_matches(e, f)))
        .collect();
    matching.sort_by(|a, b| b.start.total_cmp(&a.start).then_with(|| a.id.cmp(&b.id)));
    let (start, end, next) = page(start, size, matching.len(), hash)?;
    let mut out = Map::new();
    out.insert(
        "AutomationExecutionMetadataList".into(),
        Value::Array(
            matching[start..end]
                .iter()
                .map(|e| metadata_json(e))
                .collect(),
        ),
    );
    if let Some(t) = next {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}

const STEP_FILTER_KEYS: &[&str] = &[
    "StartTimeBefore",
    "StartTimeAfter",
    "StepExecutionStatus",
    "StepExecutionId",
    "StepName",
    "Action",
    "ParentStepExecutionId",
    "ParentStepIteration",
    "ParentStepIteratorValue",
];

fn step_matches(s: &Step, (key, values): &(String, Vec<String>)) -> bool {
    let any = |x: &str| values.iter().any(|v| v == x);
    match key.as_str() {
        "StartTimeBefore" => s
            .start
            .is_some_and(|st| values.iter().filter_map(|v| parse_time(v)).any(|t| st <= t)),
        "StartTimeAfter" => s
            .start
            .is_some_and(|st| values.iter().filter_map(|v| parse_time(v)).any(|t| st >= t)),
        "StepExecutionStatus" => any(s.status),
        "StepExecutionId" => any(&s.id),
        "StepName" => any(&s.name),
        "Action" => any(&s.action),
        _ => false,
    }
}

pub(crate) fn describe_automation_step_executions(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = required_str(body, "AutomationExecutionId", "automationExecutionId")?;
    check_len(id, "automationExecutionId", 36, 36)?;
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let filters = parse_filters(body, STEP_FILTER_KEYS, 6)?;
    let reverse = matches!(body.get("ReverseOrder"), Some(Value::Bool(true)));
    let hash = query_hash(ctx, "DescribeAutomationStepExecutions", body);
    let start = page_start(body, hash)?;
    let mut store = lock(&ctx.knobs.actions.store);
    let automations = scope_executions(&mut store, ctx);
    let e = find_execution(automations, id)?;
    let mut steps: Vec<&Step> = e
        .steps
        .iter()
        .filter(|s| s.start.is_some())
        .filter(|s| filters.iter().all(|f| step_matches(s, f)))
        .collect();
    if reverse {
        steps.reverse();
    }
    let (start, end, next) = page(start, size, steps.len(), hash)?;
    let mut out = Map::new();
    out.insert(
        "StepExecutions".into(),
        Value::Array(steps[start..end].iter().map(|s| step_json(s)).collect()),
    );
    if let Some(t) = next {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}

pub(crate) fn stop_automation_execution(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "AutomationExecutionId", "automationExecutionId")?;
    check_len(id, "automationExecutionId", 36, 36)?;
    let kind = input::opt_str(body, "Type")?.unwrap_or("Cancel");
    check_enum(kind, "type", &["Complete", "Cancel"])?;
    let mut store = lock(&ctx.knobs.actions.store);
    let automations = scope_executions(&mut store, ctx);
    let e = automations
        .iter_mut()
        .find(|e| e.id == id)
        .ok_or_else(|| not_found(id))?;
    if e.terminal() {
        return Err(ApiError::new(
            400,
            "InvalidAutomationStatusUpdateException",
            format!("The automation execution {id} is already {}.", e.status),
        ));
    }
    e.stop = Some(if kind == "Complete" {
        "Complete"
    } else {
        "Cancel"
    });
    if kind == "Cancel" {
        e.status = "Cancelling";
    }
    Ok(json!({}))
}

/// The caller's executions, with a few past ones made on first use.
fn scope_executions<'a>(store: &'a mut Store, ctx: &Ctx<'_>) -> &'a mut Vec<Execution> {
    scope_list(
        &mut store.automations,
        ctx.estate,
        ctx.account,
        ctx.region,
        |nodes| history(ctx, nodes),
    )
}

// ---------------------------------------------------------------------------------------
// History

/// A few finished executions of the last days, so history panes have content.
pub(crate) fn history(ctx: &Ctx<'_>, nodes: &[Node]) -> Vec<Execution> {
    let acct = &ctx.estate.accounts[ctx.account];
    let ec2: Vec<&Node> = nodes.iter().filter(|n| !n.hybrid).collect();
    let hybrid = nodes.iter().find(|n| n.hybrid);
    let Some(first) = ec2.first() else {
        return Vec::new();
    };
    let mut rng = SplitMix::new(
        ctx.estate.seed
            ^ fnv64(&[
                acct.id.as_bytes(),
                ctx.region.as_bytes(),
                b"automation-history",
            ]),
    );
    let catalog = documents::catalog(ctx.estate, ctx.account, ctx.region);
    let own = catalog
        .iter()
        .find(|d| d.owner == acct.id && d.doc_type == "Automation")
        .map(|d| d.name.clone());
    let pick = |rng: &mut SplitMix| {
        ec2[rng.range(0, ec2.len() as u64) as usize]
            .instance_id
            .clone()
    };
    let mut runs: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            "AWS-RestartEC2Instance".into(),
            vec![("InstanceId", pick(&mut rng))],
        ),
        (
            "AWS-CreateImage".into(),
            vec![("InstanceId", first.instance_id.clone())],
        ),
    ];
    if let Some(h) = hybrid {
        runs.push((
            "AWS-StopEC2Instance".into(),
            vec![("InstanceId", h.instance_id.clone())],
        ));
    }
    if let Some(own) = own {
        runs.push((
            own,
            vec![
                ("InstanceId", pick(&mut rng)),
                ("ServiceName", "nginx".into()),
            ],
        ));
    }
    let mut out = Vec::new();
    let count = runs.len();
    for (i, (name, given)) in runs.into_iter().enumerate() {
        let Some(doc) = catalog.iter().find(|d| d.name == name) else {
            continue;
        };
        let given: BTreeMap<String, Vec<String>> = given
            .into_iter()
            .map(|(k, v)| (k.to_string(), vec![v]))
            .collect();
        let Ok(params) = validate_parameters(doc, doc.default_version, &given) else {
            continue;
        };
        let start = ctx.estate.started - (count - i) as f64 * 21_600.0 - rng.range(0, 3600) as f64;
        let id = rng.uuid();
        let mut e = new_execution(
            id,
            doc,
            doc.default_version,
            params,
            "Auto",
            start,
            format!("arn:aws:iam::{}:user/sim-admin", acct.id),
            World { nodes, dbs: &[] },
        );
        finish_now(&mut e, start);
        out.push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_substituted() {
        let mut p = BTreeMap::new();
        p.insert(
            "InstanceId".to_string(),
            vec!["i-1".to_string(), "i-2".to_string()],
        );
        p.insert("Svc".to_string(), vec!["nginx".to_string()]);
        let v = json!({"ids": "{{ InstanceId }}", "cmd": ["restart {{Svc}} {{ Missing }}"], "name": "{{automation:EXECUTION_ID}}-x"});
        let out = substitute(&v, &p, "e-1");
        assert_eq!(out["ids"], json!(["i-1", "i-2"]));
        assert_eq!(out["cmd"][0], "restart nginx {{ Missing }}");
        assert_eq!(out["name"], "e-1-x");
    }
}
