//! Run Command: SendCommand, ListCommands, ListCommandInvocations, GetCommandInvocation
//! and CancelCommand.
//!
//! Every command gets a driver task that ticks at the sim's action pace: it delivers the
//! command to at most MaxConcurrency nodes at a time, stops sending once the errors
//! exceed MaxErrors, and settles the command's status when every invocation is done.
//! AWS-RunShellScript runs its script for real with bash (sandboxed as the node when the
//! machine allows it), in a scratch directory per invocation, under the document's
//! executionTimeout; other documents produce believable simulated output. Nodes that are
//! not Online are Undeliverable.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::{Semaphore, watch};

use super::command_exec::{ScriptNode, exec_script};
use super::command_work::{WorkCtx, failed, ok, plan};
use super::ctx::Ctx;
use super::documents::{self, Document};
use super::estate::{Estate, Node, Ping, Platform};
use super::input::{self, Object};
use super::knobs::SimKnobs;
use super::records::{Command, InvState, Invocation, Outcome, Plugin, Work};
use super::request::{
    check_count, check_instance_id, check_len, check_rate, max_results, page, page_json,
    page_start, parse_targets, parse_time, query_hash, required_str,
};
use super::store::{ScopeKey, Store, forget_oldest, lock, scope_list};
use super::wire::{ApiError, SplitMix, epoch_json, fnv64, now_secs, params_json, targets_json};

/// `StandardOutputContent`/`StandardErrorContent` of GetCommandInvocation keep this many
/// characters.
pub(crate) const INVOCATION_OUTPUT_LIMIT: usize = 24_000;
/// `Output` of a command plugin in ListCommandInvocations keeps this many characters.
pub(crate) const PLUGIN_OUTPUT_LIMIT: usize = 2_500;
const TRUNCATED: &str = "\n---Output truncated---";

// ---------------------------------------------------------------------------------------
// Commands

impl Invocation {
    fn stdout(&self) -> String {
        self.output(|p| &p.stdout)
    }

    fn stderr(&self) -> String {
        self.output(|p| &p.stderr)
    }

    /// One stream (`part`) of every plugin that ran, in order.
    fn output(&self, part: impl Fn(&Plugin) -> &str) -> String {
        self.plugins
            .iter()
            .filter(|p| !p.skipped)
            .map(part)
            .collect::<Vec<_>>()
            .join("")
    }

    /// Gives the plugins that ran their `outcomes` in order (a missing one succeeds) and the
    /// invocation the worst state among them; all end at `end`, and start at `start` if given.
    fn settle(&mut self, outcomes: Vec<Outcome>, start: Option<f64>, end: f64) {
        let mut it = outcomes.into_iter();
        let mut worst = InvState::Success;
        for p in self.plugins.iter_mut().filter(|p| !p.skipped) {
            let o = it.next().unwrap_or_else(|| ok(""));
            p.state = o.state;
            p.code = o.code;
            p.stdout = o.stdout;
            p.stderr = o.stderr;
            if start.is_some() {
                p.start = start;
            }
            p.end = Some(end);
            if o.state != InvState::Success {
                worst = o.state;
            }
        }
        self.state = worst;
        if start.is_some() {
            self.start = start;
        }
        self.end = Some(end);
    }

    fn code(&self) -> i64 {
        self.plugins
            .iter()
            .filter(|p| !p.skipped)
            .map(|p| p.code)
            .find(|c| *c != 0)
            .unwrap_or(if self.state.terminal() { 0 } else { -1 })
    }

    fn set_state(&mut self, state: InvState, now: f64) {
        self.state = state;
        for p in &mut self.plugins {
            if !p.skipped && !p.state.terminal() {
                p.state = state;
                if state.terminal() {
                    p.end = Some(now);
                    // A plugin that never ran has no exit code: AWS reports -1.
                    if p.start.is_none() {
                        p.code = -1;
                    }
                }
            }
        }
        if state.terminal() {
            self.end = Some(now);
        }
    }
}

impl Command {
    fn concurrency(&self) -> usize {
        limit(&self.max_concurrency, self.invocations.len(), 50).max(1)
    }

    fn error_limit(&self) -> usize {
        limit(&self.max_errors, self.invocations.len(), 0)
    }

    fn count(&self, f: impl Fn(InvState) -> bool) -> usize {
        self.invocations.iter().filter(|i| f(i.state)).count()
    }

    fn errors(&self) -> usize {
        self.count(|s| matches!(s, InvState::Failed | InvState::ExecutionTimedOut))
    }

    fn status(&self) -> (&'static str, &'static str) {
        if let Some(s) = self.settled {
            return s;
        }
        if self.cancelled {
            return ("Cancelling", "Cancelling");
        }
        if self
            .invocations
            .iter()
            .all(|i| i.state == InvState::Pending)
        {
            ("Pending", "Pending")
        } else {
            ("InProgress", "InProgress")
        }
    }

    /// The final status once every invocation is terminal.
    fn settle(&mut self) {
        if self.settled.is_some() || !self.invocations.iter().all(|i| i.state.terminal()) {
            return;
        }
        let errors = self.errors();
        let limit = self.error_limit();
        let timed_out = self.count(|s| s == InvState::ExecutionTimedOut);
        let delivery = self.count(|s| s == InvState::DeliveryTimedOut);
        self.settled = Some(if self.cancelled {
            ("Cancelled", "Cancelled")
        } else if self.invocations.is_empty() {
            ("Failed", "NoInstancesInTag")
        } else if errors > limit && timed_out * 2 > errors {
            ("TimedOut", "ExecutionTimedOut")
        } else if errors > limit {
            ("Failed", "Failed")
        } else if delivery > limit {
            ("TimedOut", "DeliveryTimedOut")
        } else if self
            .invocations
            .iter()
            .all(|i| i.state == InvState::Success)
        {
            ("Success", "Success")
        } else {
            ("Failed", "Incomplete")
        });
    }
}

/// A MaxConcurrency / MaxErrors value (`10` or `10%`) for `total` targets.
pub(crate) fn limit(value: &str, total: usize, default: usize) -> usize {
    match value.strip_suffix('%') {
        Some(p) => p
            .parse::<usize>()
            .map(|p| (total * p).div_ceil(100))
            .unwrap_or(default),
        None => value.parse().unwrap_or(default),
    }
}

// ---------------------------------------------------------------------------------------
// JSON

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push_str(TRUNCATED);
    out
}

fn command_json(c: &Command) -> Value {
    let (status, details) = c.status();
    let mut o = Map::new();
    o.insert("CommandId".into(), c.id.clone().into());
    o.insert("DocumentName".into(), c.document_name.clone().into());
    o.insert("DocumentVersion".into(), c.document_version.clone().into());
    o.insert("Comment".into(), c.comment.clone().into());
    o.insert("ExpiresAfter".into(), epoch_json(c.expires_after));
    o.insert("Parameters".into(), params_json(&c.parameters));
    o.insert("InstanceIds".into(), json!(c.instance_ids));
    o.insert("Targets".into(), targets_json(&c.targets));
    o.insert("RequestedDateTime".into(), epoch_json(c.requested));
    o.insert("Status".into(), status.into());
    o.insert("StatusDetails".into(), details.into());
    if let Some(r) = &c.output_s3.0 {
        o.insert("OutputS3Region".into(), r.clone().into());
    }
    if let Some(b) = &c.output_s3.1 {
        o.insert("OutputS3BucketName".into(), b.clone().into());
    }
    if let Some(p) = &c.output_s3.2 {
        o.insert("OutputS3KeyPrefix".into(), p.clone().into());
    }
    o.insert("MaxConcurrency".into(), c.max_concurrency.clone().into());
    o.insert("MaxErrors".into(), c.max_errors.clone().into());
    o.insert("TargetCount".into(), c.invocations.len().into());
    o.insert("CompletedCount".into(), c.count(InvState::terminal).into());
    o.insert("ErrorCount".into(), c.errors().into());
    o.insert(
        "DeliveryTimedOutCount".into(),
        c.count(|s| s == InvState::DeliveryTimedOut).into(),
    );
    if let Some(r) = &c.service_role {
        o.insert("ServiceRole".into(), r.clone().into());
    }
    if let Some(n) = &c.notification {
        o.insert("NotificationConfig".into(), n.clone());
    }
    o.insert("CloudWatchOutputConfig".into(), cloudwatch_json(c));
    o.insert("TimeoutSeconds".into(), c.timeout_seconds.into());
    Value::Object(o)
}

fn cloudwatch_json(c: &Command) -> Value {
    c.cloudwatch
        .clone()
        .unwrap_or_else(|| json!({"CloudWatchOutputEnabled": false}))
}

fn plugin_output(p: &Plugin) -> String {
    let mut out = p.stdout.clone();
    if !p.stderr.is_empty() {
        out.push_str("\n\n----------ERROR-------\n");
        out.push_str(&p.stderr);
    }
    truncate(&out, PLUGIN_OUTPUT_LIMIT)
}

fn invocation_json(c: &Command, i: &Invocation, details: bool) -> Value {
    let (status, status_details) = i.state.wire();
    let mut o = Map::new();
    o.insert("CommandId".into(), c.id.clone().into());
    o.insert("InstanceId".into(), i.instance_id.clone().into());
    o.insert("InstanceName".into(), i.instance_name.clone().into());
    o.insert("Comment".into(), c.comment.clone().into());
    o.insert("DocumentName".into(), c.document_name.clone().into());
    o.insert("DocumentVersion".into(), c.document_version.clone().into());
    o.insert("RequestedDateTime".into(), epoch_json(i.requested));
    o.insert("Status".into(), status.into());
    o.insert("StatusDetails".into(), status_details.into());
    o.insert("StandardOutputUrl".into(), "".into());
    o.insert("StandardErrorUrl".into(), "".into());
    if details {
        let plugins: Vec<Value> = i
            .plugins
            .iter()
            .map(|p| {
                let (ps, pd) = p.state.wire();
                let mut po = Map::new();
                po.insert("Name".into(), p.name.clone().into());
                po.insert("Status".into(), ps.into());
                po.insert("StatusDetails".into(), pd.into());
                po.insert(
                    "ResponseCode".into(),
                    if p.state.terminal() { p.code } else { -1 }.into(),
                );
                if let Some(s) = p.start {
                    po.insert("ResponseStartDateTime".into(), epoch_json(s));
                }
                if let Some(e) = p.end {
                    po.insert("ResponseFinishDateTime".into(), epoch_json(e));
                }
                po.insert("Output".into(), plugin_output(p).into());
                po.insert("StandardOutputUrl".into(), "".into());
                po.insert("StandardErrorUrl".into(), "".into());
                if let Some(b) = &c.output_s3.1 {
                    po.insert("OutputS3BucketName".into(), b.clone().into());
                }
                Value::Object(po)
            })
            .collect();
        o.insert("CommandPlugins".into(), Value::Array(plugins));
    } else {
        o.insert("CommandPlugins".into(), json!([]));
    }
    o.insert("CloudWatchOutputConfig".into(), cloudwatch_json(c));
    Value::Object(o)
}

// ---------------------------------------------------------------------------------------
// Targets and parameters

fn resource_group(node: &Node) -> String {
    format!(
        "{}-{}",
        node.tag("Team").unwrap_or("product"),
        node.tag("Environment").unwrap_or("prod")
    )
}

/// Whether target `key` with `values` selects node `n`, for the keys Run Command and
/// Automation share (`InstanceIds`, `tag-key`, `tag:NAME`); `None` for other keys.
pub(crate) fn node_in_target(n: &Node, key: &str, values: &[String]) -> Option<bool> {
    let any = |x: &str| values.iter().any(|v| v == x);
    if key == "InstanceIds" {
        Some(any(&n.instance_id))
    } else if key == "tag-key" {
        Some(n.tags.iter().any(|(tk, _)| any(tk)))
    } else {
        let t = key.strip_prefix("tag:")?;
        Some(n.tag(t).is_some_and(any))
    }
}

/// The nodes `Targets` select (resource groups are named `<Team>-<Environment>`).
fn resolve_targets<'a>(
    nodes: &'a [Node],
    targets: &[(String, Vec<String>)],
) -> Result<Vec<&'a Node>, ApiError> {
    let mut out: Vec<&Node> = Vec::new();
    for n in nodes {
        let all = targets.iter().all(|(k, values)| {
            node_in_target(n, k, values).unwrap_or_else(|| {
                if k == "resource-groups:Name" {
                    values.contains(&resource_group(n))
                } else {
                    // resource-groups:ResourceTypeFilters
                    values.iter().any(|v| {
                        v == "AWS::EC2::Instance" && !n.hybrid
                            || v == "AWS::SSM::ManagedInstance" && n.hybrid
                    })
                }
            })
        });
        if all {
            out.push(n);
        }
    }
    Ok(out)
}

/// `Targets` of SendCommand: valid [`parse_targets`], with keys Run Command knows and at
/// least one value each.
fn command_targets(body: &Object) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let targets = parse_targets(body)?;
    for (key, values) in &targets {
        let known = key == "InstanceIds"
            || key == "tag-key"
            || key.starts_with("tag:") && key.len() > 4
            || key == "resource-groups:Name"
            || key == "resource-groups:ResourceTypeFilters";
        if !known {
            return Err(ApiError::new(
                400,
                "InvalidTarget",
                format!("Target key {key} is not valid."),
            ));
        }
        if values.is_empty() {
            return Err(ApiError::new(
                400,
                "InvalidTarget",
                format!("Target {key} needs at least one value."),
            ));
        }
    }
    Ok(targets)
}

/// `Parameters` of a request: name to list of values.
pub(crate) fn parse_parameters(body: &Object) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let mut out = BTreeMap::new();
    let Some(v) = body.get("Parameters").filter(|v| !v.is_null()) else {
        return Ok(out);
    };
    let obj = input::as_object(v, "Parameters")?;
    for (k, v) in obj {
        let list = v.as_array().ok_or_else(|| {
            ApiError::serialization("Unexpected value type for member 'Parameters': expected list")
        })?;
        out.insert(k.clone(), input::string_list(list, "Parameters")?);
    }
    Ok(out)
}

pub(crate) fn invalid_parameters(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameters", message)
}

/// Checks parameters against the document's declarations and fills in defaults.
pub(crate) fn validate_parameters(
    doc: &Document,
    version: usize,
    given: &BTreeMap<String, Vec<String>>,
) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let declared = doc.parameters(version);
    if let Some(unknown) = given
        .keys()
        .find(|k| !declared.iter().any(|(n, _)| n == *k))
    {
        return Err(invalid_parameters(format!(
            "Parameters provided are not valid: {unknown} is not a parameter of document {}.",
            doc.name
        )));
    }
    let mut out = BTreeMap::new();
    for (name, def) in &declared {
        let values = match (given.get(name), def.get("default")) {
            (Some(v), _) => v.clone(),
            (None, Some(d)) => match d {
                Value::Array(a) => a.iter().map(documents::default_text).collect(),
                other => vec![documents::default_text(other)],
            },
            (None, None) => {
                return Err(invalid_parameters(format!(
                    "Parameters provided are not valid: required parameter {name} of document {} is missing.",
                    doc.name
                )));
            }
        };
        let kind = def.get("type").and_then(Value::as_str).unwrap_or("String");
        if kind != "StringList" && kind != "MapList" && values.len() > 1 {
            return Err(invalid_parameters(format!(
                "Parameter {name} takes one value, got {}.",
                values.len()
            )));
        }
        if let Some(allowed) = def.get("allowedValues").and_then(Value::as_array) {
            let allowed: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            if let Some(bad) = values.iter().find(|v| !allowed.contains(&v.as_str())) {
                return Err(invalid_parameters(format!(
                    "Parameter \"{name}\" value \"{bad}\" is not in the allowed values list: [{}].",
                    allowed.join(", ")
                )));
            }
        }
        if (name == "executionTimeout" || kind == "Integer")
            && let Some(bad) = values
                .iter()
                .find(|v| v.parse::<u64>().map_or(true, |n| n == 0 || n > 172_800))
        {
            return Err(invalid_parameters(format!(
                "Parameter \"{name}\" value \"{bad}\" is not a valid number of seconds (1..172800)."
            )));
        }
        out.insert(name.clone(), values);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// SendCommand

#[allow(clippy::too_many_arguments)]
fn new_invocation(
    estate: &Estate,
    now: f64,
    account: usize,
    region: &str,
    node: &Node,
    doc: &Document,
    version: usize,
    params: &BTreeMap<String, Vec<String>>,
    packages: &[Document],
    salt: &str,
) -> Invocation {
    let mut w = WorkCtx {
        estate,
        now,
        account,
        region,
        node,
        params,
        packages,
        rng: SplitMix::new(fnv64(&[node.instance_id.as_bytes(), salt.as_bytes()])),
    };
    let (plugins, work) = plan(&mut w, doc, version);
    Invocation {
        instance_id: node.instance_id.clone(),
        instance_name: node.computer_name.clone(),
        ping: node.ping,
        state: InvState::Pending,
        requested: now,
        start: None,
        end: None,
        due: None,
        plugins,
        work,
        kill: None,
    }
}

pub(crate) fn send_command(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let name = required_str(body, "DocumentName", "documentName")?;
    let instance_ids = match input::opt_array(body, "InstanceIds")? {
        Some(v) => input::string_list(v, "InstanceIds")?,
        None => Vec::new(),
    };
    check_count(instance_ids.len(), "instanceIds", 0, 50)?;
    for (i, id) in instance_ids.iter().enumerate() {
        check_instance_id(id, &format!("instanceIds.{}.member", i + 1))?;
    }
    let targets = command_targets(body)?;
    if instance_ids.is_empty() == targets.is_empty() {
        return Err(ApiError::validation(
            "Specify either InstanceIds or Targets, not both and not neither.",
        ));
    }
    let comment = input::opt_str(body, "Comment")?.unwrap_or_default();
    check_len(comment, "comment", 0, 100)?;
    let max_concurrency = input::opt_str(body, "MaxConcurrency")?.unwrap_or("50");
    check_rate(max_concurrency, "maxConcurrency", false)?;
    let max_errors = input::opt_str(body, "MaxErrors")?.unwrap_or("0");
    check_rate(max_errors, "maxErrors", true)?;
    let timeout_seconds = input::opt_int(body, "TimeoutSeconds")?.unwrap_or(3600);
    input::check_range(timeout_seconds, "timeoutSeconds", 30, 2_592_000)?;
    let output_region = input::opt_str(body, "OutputS3Region")?.map(str::to_string);
    let output_bucket = input::opt_str(body, "OutputS3BucketName")?.map(str::to_string);
    let output_prefix = input::opt_str(body, "OutputS3KeyPrefix")?.map(str::to_string);
    let service_role = input::opt_str(body, "ServiceRoleArn")?.map(str::to_string);
    let cloudwatch = body
        .get("CloudWatchOutputConfig")
        .filter(|v| v.is_object())
        .cloned();
    let notification = body
        .get("NotificationConfig")
        .filter(|v| v.is_object())
        .cloned();
    let given = parse_parameters(body)?;

    let doc = documents::find(ctx, name).ok_or_else(|| documents::invalid_document(name))?;
    if doc.doc_type != "Command" {
        return Err(ApiError::new(
            400,
            "InvalidDocument",
            format!(
                "Document {} of type {} can't be run with SendCommand; it needs a Command document.",
                doc.name, doc.doc_type
            ),
        ));
    }
    let version = documents::resolve_version(&doc, input::opt_str(body, "DocumentVersion")?, None)?;
    let params = validate_parameters(&doc, version, &given)?;

    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let selected: Vec<&Node> = if instance_ids.is_empty() {
        resolve_targets(&nodes, &targets)?
    } else {
        let mut missing_ids = Vec::new();
        let mut out = Vec::new();
        for id in &instance_ids {
            match nodes.iter().find(|n| &n.instance_id == id) {
                Some(n) if !out.iter().any(|x: &&Node| x.instance_id == n.instance_id) => {
                    out.push(n)
                }
                Some(_) => {}
                None => missing_ids.push(id.clone()),
            }
        }
        if !missing_ids.is_empty() {
            return Err(ApiError::new(
                400,
                "InvalidInstanceId",
                format!(
                    "Instances [[{}]] not in a valid state for account {}",
                    missing_ids.join(", "),
                    ctx.estate.accounts[ctx.account].id
                ),
            ));
        }
        out
    };

    let packages: Vec<Document> = if doc.name == "AWS-ConfigureAWSPackage" {
        documents::catalog(ctx.estate, ctx.account, ctx.region)
            .into_iter()
            .filter(|d| d.doc_type == "Package")
            .collect()
    } else {
        Vec::new()
    };
    let id = uuid::Uuid::new_v4().to_string();
    let now = ctx.now;
    let invocations = selected
        .iter()
        .map(|n| {
            new_invocation(
                ctx.estate,
                now,
                ctx.account,
                ctx.region,
                n,
                &doc,
                version,
                &params,
                &packages,
                &id,
            )
        })
        .collect();
    let execution_timeout = params
        .get("executionTimeout")
        .and_then(|v| v.first())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(3600.0);
    let command = Command {
        id: id.clone(),
        document_name: doc.name.clone(),
        document_version: version.to_string(),
        comment: comment.to_string(),
        parameters: given,
        instance_ids,
        targets,
        requested: now,
        expires_after: now + timeout_seconds as f64 + execution_timeout,
        max_concurrency: max_concurrency.to_string(),
        max_errors: max_errors.to_string(),
        timeout_seconds,
        service_role,
        output_s3: (output_region, output_bucket, output_prefix),
        cloudwatch,
        notification,
        invocations,
        settled: None,
        stopped: false,
        cancelled: false,
        max_in_flight: 0,
    };
    let value = command_json(&command);
    let key = (ctx.account, ctx.region.to_string());
    {
        let mut store = lock(&ctx.knobs.actions.store);
        let commands = scope_commands(&mut store, ctx);
        commands.push(command);
        forget_oldest(commands, |c| c.settled.is_some());
    }
    spawn_driver(ctx.knobs, key, id);
    Ok(json!({ "Command": value }))
}

// ---------------------------------------------------------------------------------------
// The driver

fn spawn_driver(knobs: &SimKnobs, key: ScopeKey, id: String) {
    let Ok(rt) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let sim = &knobs.actions;
    rt.spawn(drive(
        Arc::downgrade(&sim.store),
        key,
        id,
        Scripts {
            procs: sim.processes.clone(),
            peak: sim.peak_processes.clone(),
            running: sim.running.clone(),
            sandboxed: knobs.isolation.is_sandboxed(),
        },
        sim.pace_nanos.clone(),
    ));
}

/// (invocation index, script, timeout, instance id, hostname, kill switch).
type Spawn = (usize, String, f64, String, String, watch::Receiver<bool>);

/// How the scripts of a sim run: at most `procs` at once, sandboxed or not.
#[derive(Clone)]
struct Scripts {
    procs: Arc<Semaphore>,
    peak: Arc<AtomicUsize>,
    running: Arc<AtomicUsize>,
    sandboxed: bool,
}

async fn drive(
    store: Weak<Mutex<Store>>,
    key: ScopeKey,
    id: String,
    scripts: Scripts,
    pace_nanos: Arc<AtomicU64>,
) {
    loop {
        let pace = Duration::from_nanos(pace_nanos.load(Ordering::Relaxed));
        tokio::time::sleep(pace).await;
        let Some(store_arc) = store.upgrade() else {
            return;
        };
        let mut spawns: Vec<Spawn> = Vec::new();
        let done = {
            let mut guard = lock(&store_arc);
            let Some(cmd) = command_mut(&mut guard, &key, &id) else {
                return;
            };
            tick(cmd, now_secs(), pace, &mut spawns);
            cmd.settle();
            cmd.settled.is_some()
        };
        for (idx, script, timeout, instance, host, kill) in spawns {
            let node = ScriptNode {
                instance,
                region: key.1.clone(),
                host,
                sandboxed: scripts.sandboxed,
            };
            let job = Job {
                idx,
                script,
                timeout,
                node,
            };
            tokio::spawn(run_script(
                store.clone(),
                key.clone(),
                id.clone(),
                job,
                kill,
                scripts.clone(),
            ));
        }
        if done {
            return;
        }
    }
}

/// The command `id` of the scope `key`, if the store still has it.
fn command_mut<'s>(store: &'s mut Store, key: &ScopeKey, id: &str) -> Option<&'s mut Command> {
    store.commands.get_mut(key)?.iter_mut().find(|c| c.id == id)
}

/// One step of a command: finish due invocations, time out undelivered ones, deliver to
/// free concurrency slots.
fn tick(cmd: &mut Command, now: f64, pace: Duration, spawns: &mut Vec<Spawn>) {
    let step = pace.as_secs_f64();
    for inv in &mut cmd.invocations {
        if inv.state == InvState::Cancelling {
            if let Some(k) = inv.kill.take() {
                let _ = k.send(true);
            }
            inv.set_state(InvState::Cancelled, now);
            continue;
        }
        if inv.state != InvState::InProgress {
            continue;
        }
        if let (Some(due), Work::Simulated { outcomes, .. }) = (inv.due, &inv.work)
            && now >= due
        {
            let outcomes = outcomes.clone();
            inv.settle(outcomes, None, now);
        }
    }
    if cmd.cancelled {
        for inv in &mut cmd.invocations {
            if inv.state == InvState::Pending {
                inv.set_state(InvState::Cancelled, now);
            }
        }
    }
    if cmd.errors() > cmd.error_limit() {
        cmd.stopped = true;
    }
    let delivery_deadline = cmd.requested + cmd.timeout_seconds as f64;
    let limit = cmd.concurrency();
    let mut in_flight = cmd.count(|s| s == InvState::InProgress);
    for idx in 0..cmd.invocations.len() {
        if cmd.invocations[idx].state != InvState::Pending {
            continue;
        }
        if cmd.stopped {
            cmd.invocations[idx].set_state(InvState::Cancelled, now);
            continue;
        }
        if now > delivery_deadline {
            cmd.invocations[idx].set_state(InvState::DeliveryTimedOut, now);
            continue;
        }
        if in_flight >= limit {
            break;
        }
        let inv = &mut cmd.invocations[idx];
        if inv.ping != Ping::Online {
            // The agent is not there to take the command.
            inv.set_state(InvState::Undeliverable, now);
            continue;
        }
        inv.state = InvState::InProgress;
        inv.start = Some(now);
        for p in inv.plugins.iter_mut().filter(|p| !p.skipped) {
            p.state = InvState::InProgress;
            p.start = Some(now);
        }
        match &inv.work {
            Work::Simulated { paces, .. } => {
                inv.due = Some(now + step * f64::from(*paces));
            }
            Work::Script {
                script,
                timeout,
                host,
            } => {
                let (tx, rx) = watch::channel(false);
                inv.kill = Some(tx);
                spawns.push((
                    idx,
                    script.clone(),
                    *timeout,
                    inv.instance_id.clone(),
                    host.clone(),
                    rx,
                ));
            }
        }
        in_flight += 1;
    }
    cmd.max_in_flight = cmd.max_in_flight.max(in_flight);
}

/// The script of one invocation (index `idx` of its command).
struct Job {
    idx: usize,
    script: String,
    timeout: f64,
    node: ScriptNode,
}

/// Runs a script with bash (sandboxed when the sim can) and records its outcome.
async fn run_script(
    store: Weak<Mutex<Store>>,
    key: ScopeKey,
    id: String,
    job: Job,
    mut kill: watch::Receiver<bool>,
    scripts: Scripts,
) {
    let Job {
        idx,
        script,
        timeout,
        node,
    } = job;
    let outcome = {
        let permit = tokio::select! {
            p = scripts.procs.clone().acquire_owned() => p.ok(),
            _ = kill.changed() => None,
        };
        match permit {
            None => None,
            Some(_permit) => {
                let now_running = scripts.running.fetch_add(1, Ordering::SeqCst) + 1;
                scripts.peak.fetch_max(now_running, Ordering::SeqCst);
                let result = exec_script(&script, timeout, &node, &mut kill).await;
                scripts.running.fetch_sub(1, Ordering::SeqCst);
                result
            }
        }
    };
    let Some(store) = store.upgrade() else {
        return;
    };
    let mut guard = lock(&store);
    let Some(cmd) = command_mut(&mut guard, &key, &id) else {
        return;
    };
    let now = now_secs();
    let Some(inv) = cmd.invocations.get_mut(idx) else {
        return;
    };
    inv.kill = None;
    if inv.state.terminal() {
        return;
    }
    match outcome {
        None => inv.set_state(InvState::Cancelled, now),
        Some(o) => {
            for p in inv.plugins.iter_mut().filter(|p| !p.skipped) {
                p.state = o.state;
                p.code = o.code;
                p.stdout = o.stdout.clone();
                p.stderr = o.stderr.clone();
                p.end = Some(now);
            }
            inv.state = o.state;
            inv.end = Some(now);
        }
    }
}

// ---------------------------------------------------------------------------------------
// ListCommands, ListCommandInvocations, GetCommandInvocation, CancelCommand

fn check_command_id(id: &str, member: &str) -> Result<(), ApiError> {
    check_len(id, member, 36, 36)
}

struct CmdFilter {
    key: String,
    value: String,
}

fn parse_command_filters(body: &Object) -> Result<Vec<CmdFilter>, ApiError> {
    let Some(list) = input::opt_array(body, "Filters")? else {
        return Ok(Vec::new());
    };
    check_count(list.len(), "filters", 1, 5)?;
    let mut out = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let obj = input::as_object(f, "Filters")?;
        let member = format!("filters.{}.member", i + 1);
        let key = required_str(obj, "key", &format!("{member}.key"))?;
        let value = required_str(obj, "value", &format!("{member}.value"))?;
        super::request::check_enum(
            key,
            &format!("{member}.key"),
            &[
                "InvokedAfter",
                "InvokedBefore",
                "Status",
                "ExecutionStage",
                "DocumentName",
            ],
        )?;
        check_len(value, &format!("{member}.value"), 1, 256)?;
        if key.starts_with("Invoked") && parse_time(value).is_none() {
            return Err(ApiError::new(
                400,
                "InvalidFilterValue",
                format!("The filter value {value} is not a valid timestamp."),
            ));
        }
        if key == "ExecutionStage" && value != "Executing" && value != "Complete" {
            return Err(ApiError::new(
                400,
                "InvalidFilterValue",
                format!(
                    "The filter value {value} is not valid for ExecutionStage (Executing, Complete)."
                ),
            ));
        }
        out.push(CmdFilter {
            key: key.to_string(),
            value: value.to_string(),
        });
    }
    Ok(out)
}

fn filter_matches(f: &CmdFilter, requested: f64, status: &str, terminal: bool, doc: &str) -> bool {
    match f.key.as_str() {
        "InvokedAfter" => parse_time(&f.value).is_some_and(|t| requested >= t),
        "InvokedBefore" => parse_time(&f.value).is_some_and(|t| requested <= t),
        "Status" => status == f.value,
        "ExecutionStage" => (f.value == "Complete") == terminal,
        "DocumentName" => doc == f.value,
        _ => true,
    }
}

/// What ListCommands and ListCommandInvocations share: the page asked for, the command
/// and instance they are narrowed to, and the filters.
struct CommandQuery<'b> {
    size: usize,
    command_id: Option<&'b str>,
    instance_id: Option<&'b str>,
    filters: Vec<CmdFilter>,
    hash: u64,
    start: usize,
}

impl<'b> CommandQuery<'b> {
    fn parse(ctx: &Ctx<'_>, op: &str, body: &'b Object) -> Result<Self, ApiError> {
        let size = max_results(body, "maxResults", 1, 50, 50)?;
        let command_id = input::opt_str(body, "CommandId")?;
        if let Some(c) = command_id {
            check_command_id(c, "commandId")?;
        }
        let instance_id = input::opt_str(body, "InstanceId")?;
        if let Some(i) = instance_id {
            check_instance_id(i, "instanceId")?;
        }
        let filters = parse_command_filters(body)?;
        let hash = query_hash(ctx, op, body);
        let start = page_start(body, hash)?;
        Ok(CommandQuery {
            size,
            command_id,
            instance_id,
            filters,
            hash,
            start,
        })
    }

    /// The commands of `commands` the query's `CommandId` names (all without one), newest
    /// first; InvalidCommandId when it names none.
    fn commands<'c>(
        &self,
        commands: &'c [Command],
    ) -> Result<impl Iterator<Item = &'c Command> + use<'c, 'b>, ApiError> {
        let id = self.command_id;
        if let Some(c) = id
            && !commands.iter().any(|x| x.id == c)
        {
            return Err(ApiError::new(400, "InvalidCommandId", ""));
        }
        Ok(commands
            .iter()
            .rev()
            .filter(move |c| id.is_none_or(|id| c.id == id)))
    }
}

pub(crate) fn list_commands(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let q = CommandQuery::parse(ctx, "ListCommands", body)?;
    let mut store = lock(&ctx.knobs.actions.store);
    let matching: Vec<&Command> = q
        .commands(scope_commands(&mut store, ctx))?
        .filter(|c| {
            q.instance_id
                .is_none_or(|i| c.invocations.iter().any(|x| x.instance_id == i))
        })
        .filter(|c| {
            let (status, _) = c.status();
            q.filters.iter().all(|f| {
                filter_matches(
                    f,
                    c.requested,
                    status,
                    c.settled.is_some(),
                    &c.document_name,
                )
            })
        })
        .collect();
    let (start, end, next) = page(q.start, q.size, matching.len(), q.hash)?;
    let items: Vec<Value> = matching[start..end]
        .iter()
        .map(|c| command_json(c))
        .collect();
    Ok(page_json("Commands", items, next))
}

pub(crate) fn list_command_invocations(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let q = CommandQuery::parse(ctx, "ListCommandInvocations", body)?;
    let details = matches!(body.get("Details"), Some(Value::Bool(true)));
    let mut store = lock(&ctx.knobs.actions.store);
    let matching: Vec<(&Command, &Invocation)> = q
        .commands(scope_commands(&mut store, ctx))?
        .flat_map(|c| c.invocations.iter().map(move |i| (c, i)))
        .filter(|(_, i)| q.instance_id.is_none_or(|x| i.instance_id == x))
        .filter(|(c, i)| {
            let (status, _) = i.state.wire();
            q.filters.iter().all(|f| {
                filter_matches(f, i.requested, status, i.state.terminal(), &c.document_name)
            })
        })
        .collect();
    let (start, end, next) = page(q.start, q.size, matching.len(), q.hash)?;
    let items: Vec<Value> = matching[start..end]
        .iter()
        .map(|(c, i)| invocation_json(c, i, details))
        .collect();
    Ok(page_json("CommandInvocations", items, next))
}

fn iso_millis(secs: f64) -> String {
    chrono::DateTime::from_timestamp_millis((secs * 1000.0) as i64)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

pub(crate) fn get_command_invocation(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let command_id = required_str(body, "CommandId", "commandId")?;
    check_command_id(command_id, "commandId")?;
    let instance_id = required_str(body, "InstanceId", "instanceId")?;
    check_instance_id(instance_id, "instanceId")?;
    let plugin_name = input::opt_str(body, "PluginName")?;
    let mut store = lock(&ctx.knobs.actions.store);
    let commands = scope_commands(&mut store, ctx);
    let not_found = || ApiError::new(400, "InvocationDoesNotExist", "");
    let cmd = commands
        .iter()
        .find(|c| c.id == command_id)
        .ok_or_else(not_found)?;
    let inv = cmd
        .invocations
        .iter()
        .find(|i| i.instance_id == instance_id)
        .ok_or_else(not_found)?;
    let (state, stdout, stderr, code, start, end, name) = match plugin_name {
        Some(p) => {
            let plugin = inv.plugins.iter().find(|x| x.name == p).ok_or_else(|| {
                ApiError::new(400, "InvalidPluginName", "The plugin name isn't valid.")
            })?;
            (
                plugin.state,
                plugin.stdout.clone(),
                plugin.stderr.clone(),
                if plugin.state.terminal() {
                    plugin.code
                } else {
                    -1
                },
                plugin.start,
                plugin.end,
                p.to_string(),
            )
        }
        None => (
            inv.state,
            inv.stdout(),
            inv.stderr(),
            inv.code(),
            inv.start,
            inv.end,
            inv.plugins
                .iter()
                .find(|p| !p.skipped)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
        ),
    };
    let (status, details) = state.wire();
    let mut o = Map::new();
    o.insert("CommandId".into(), cmd.id.clone().into());
    o.insert("InstanceId".into(), inv.instance_id.clone().into());
    o.insert("Comment".into(), cmd.comment.clone().into());
    o.insert("DocumentName".into(), cmd.document_name.clone().into());
    o.insert(
        "DocumentVersion".into(),
        cmd.document_version.clone().into(),
    );
    o.insert("PluginName".into(), name.into());
    o.insert("ResponseCode".into(), code.into());
    if let Some(s) = start {
        o.insert("ExecutionStartDateTime".into(), iso_millis(s).into());
        let until = end.unwrap_or(ctx.now);
        o.insert(
            "ExecutionElapsedTime".into(),
            format!("PT{:.3}S", (until - s).max(0.0)).into(),
        );
    }
    if let Some(e) = end {
        o.insert("ExecutionEndDateTime".into(), iso_millis(e).into());
    }
    o.insert("Status".into(), status.into());
    o.insert("StatusDetails".into(), details.into());
    o.insert(
        "StandardOutputContent".into(),
        truncate(&stdout, INVOCATION_OUTPUT_LIMIT).into(),
    );
    o.insert("StandardOutputUrl".into(), "".into());
    o.insert(
        "StandardErrorContent".into(),
        truncate(&stderr, INVOCATION_OUTPUT_LIMIT).into(),
    );
    o.insert("StandardErrorUrl".into(), "".into());
    o.insert(
        "CloudWatchOutputConfig".into(),
        cmd.cloudwatch
            .clone()
            .unwrap_or_else(|| json!({"CloudWatchOutputEnabled": false})),
    );
    Ok(Value::Object(o))
}

pub(crate) fn cancel_command(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let command_id = required_str(body, "CommandId", "commandId")?;
    check_command_id(command_id, "commandId")?;
    let ids = match input::opt_array(body, "InstanceIds")? {
        Some(v) => input::string_list(v, "InstanceIds")?,
        None => Vec::new(),
    };
    check_count(ids.len(), "instanceIds", 0, 50)?;
    for (i, id) in ids.iter().enumerate() {
        check_instance_id(id, &format!("instanceIds.{}.member", i + 1))?;
        if ids[..i].contains(id) {
            return Err(ApiError::new(
                400,
                "DuplicateInstanceId",
                "You can't specify a managed node ID in more than one association.",
            ));
        }
    }
    let mut store = lock(&ctx.knobs.actions.store);
    let commands = scope_commands(&mut store, ctx);
    let cmd = commands
        .iter_mut()
        .find(|c| c.id == command_id)
        .ok_or_else(|| ApiError::new(400, "InvalidCommandId", ""))?;
    if let Some(bad) = ids
        .iter()
        .find(|id| !cmd.invocations.iter().any(|i| &i.instance_id == *id))
    {
        return Err(ApiError::new(
            400,
            "InvalidInstanceId",
            format!(
                "Instances [[{bad}]] not in a valid state for account {}",
                ctx.estate.accounts[ctx.account].id
            ),
        ));
    }
    if cmd.settled.is_some() {
        return Ok(json!({}));
    }
    if ids.is_empty() {
        cmd.cancelled = true;
    }
    for inv in &mut cmd.invocations {
        if !ids.is_empty() && !ids.contains(&inv.instance_id) {
            continue;
        }
        match inv.state {
            InvState::Pending => inv.set_state(InvState::Cancelled, ctx.now),
            InvState::InProgress => {
                if let Some(k) = inv.kill.take() {
                    let _ = k.send(true);
                }
                inv.state = InvState::Cancelling;
            }
            _ => {}
        }
    }
    Ok(json!({}))
}

/// The caller's commands, with a few past ones made on first use.
fn scope_commands<'a>(store: &'a mut Store, ctx: &Ctx<'_>) -> &'a mut Vec<Command> {
    scope_list(
        &mut store.commands,
        ctx.estate,
        ctx.account,
        ctx.region,
        |nodes| history(ctx.estate, ctx.account, ctx.region, nodes),
    )
}

// ---------------------------------------------------------------------------------------
// History

/// A few finished commands of the last days, so history panes have content.
pub(crate) fn history(
    estate: &Estate,
    account: usize,
    region: &str,
    nodes: &[Node],
) -> Vec<Command> {
    if nodes.is_empty() {
        return Vec::new();
    }
    let acct = &estate.accounts[account];
    let mut rng = SplitMix::new(
        estate.seed ^ fnv64(&[acct.id.as_bytes(), region.as_bytes(), b"command-history"]),
    );
    let catalog = documents::catalog(estate, account, region);
    let packages: Vec<Document> = catalog
        .iter()
        .filter(|d| d.doc_type == "Package")
        .cloned()
        .collect();
    let own_command = catalog
        .iter()
        .find(|d| d.owner == acct.id && d.doc_type == "Command")
        .map(|d| d.name.clone())
        .unwrap_or_else(|| "AWS-UpdateSSMAgent".into());
    let plans: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("AWS-RunPatchBaseline".into(), vec![("Operation", "Scan")]),
        ("AWS-RunShellScript".into(), vec![("commands", "uptime")]),
        (
            "AWS-ConfigureAWSPackage".into(),
            vec![("action", "Install"), ("name", "AmazonCloudWatchAgent")],
        ),
        (own_command, vec![]),
        ("AWS-UpdateSSMAgent".into(), vec![]),
    ];
    let started = estate.started;
    let mut out = Vec::new();
    for (i, (name, given)) in plans.into_iter().enumerate() {
        let Some(doc) = catalog.iter().find(|d| d.name == name) else {
            continue;
        };
        let given: BTreeMap<String, Vec<String>> = given
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect();
        let Ok(params) = validate_parameters(doc, doc.default_version, &given) else {
            continue;
        };
        let requested = started - (5 - i) as f64 * 14_400.0 - rng.range(0, 3600) as f64;
        let count = (2 + rng.range(0, 8) as usize).min(nodes.len());
        let first = rng.range(0, nodes.len() as u64) as usize;
        let id = rng.uuid();
        let mut invocations = Vec::new();
        for k in 0..count {
            let node = &nodes[(first + k) % nodes.len()];
            let mut inv = new_invocation(
                estate,
                requested,
                account,
                region,
                node,
                doc,
                doc.default_version,
                &params,
                &packages,
                &id,
            );
            let start = requested + 1.0 + k as f64;
            let end = start + rng.range(2, 40) as f64;
            if node.ping != Ping::Online {
                inv.set_state(InvState::Undeliverable, start);
            } else {
                let outcomes = match &inv.work {
                    Work::Simulated { outcomes, .. } => outcomes.clone(),
                    Work::Script { .. } if node.platform == Platform::Windows => {
                        vec![failed(1, "", "not supported\n")]
                    }
                    Work::Script { .. } => vec![ok(format!(
                        " {:02}:{:02}:{:02} up {} days,  1 user,  load average: 0.{:02}, 0.{:02}, 0.{:02}\n",
                        rng.range(0, 24),
                        rng.range(0, 60),
                        rng.range(0, 60),
                        rng.range(3, 300),
                        rng.range(0, 99),
                        rng.range(0, 99),
                        rng.range(0, 99)
                    ))],
                };
                inv.settle(outcomes, Some(start), end);
            }
            invocations.push(inv);
        }
        let mut cmd = Command {
            id,
            document_name: doc.name.clone(),
            document_version: doc.default_version.to_string(),
            comment: String::new(),
            parameters: params,
            instance_ids: invocations.iter().map(|i| i.instance_id.clone()).collect(),
            targets: Vec::new(),
            requested,
            expires_after: requested + 7200.0,
            max_concurrency: "50".into(),
            max_errors: "0".into(),
            timeout_seconds: 3600,
            service_role: None,
            output_s3: (None, None, None),
            cloudwatch: None,
            notification: None,
            invocations,
            settled: None,
            stopped: false,
            cancelled: false,
            max_in_flight: count,
        };
        cmd.targets = vec![("InstanceIds".into(), cmd.instance_ids.clone())];
        cmd.settle();
        out.push(cmd);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_limits() {
        assert_eq!(limit("10%", 120, 50), 12);
        assert_eq!(limit("10%", 5, 50), 1);
        assert_eq!(limit("7", 120, 50), 7);
        assert_eq!(limit("0", 3, 50), 0);
        assert!(check_rate("50", "m", false).is_ok());
        assert!(check_rate("100%", "m", false).is_ok());
        assert!(check_rate("0", "m", true).is_ok());
        for bad in ["0", "101%", "05", "", "x", "-1"] {
            assert!(check_rate(bad, "m", false).is_err(), "{bad}");
        }
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), format!("abc{TRUNCATED}"));
    }
}
