//! State Manager associations: `ListAssociations`, `DescribeAssociation`,
//! `DescribeAssociationExecutions`, `DescribeAssociationExecutionTargets`,
//! `DescribeInstanceAssociationsStatus` and `StartAssociationsOnce`.
//!
//! Every scope has the same five associations (ids derived from the seed, account and
//! region). A node whose `DescribeInstanceInformation` reports an association status
//! with a count of N is a target of the first N of them, each with the node's status, so
//! associations, node statuses and Association compliance agree. `StartAssociationsOnce`
//! re-runs an association: a new execution whose online targets finish within seconds;
//! once they finish their statuses replace the generated ones everywhere (node
//! information, instance association status, Association compliance).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::estate::{Estate, Node, Ping};
use super::input::{self, Object};
use super::ops_data::{self};
use super::request;
use super::request::{
    check_count, max_results, missing, page, page_json, page_start, query_hash, required_str,
};
use super::store;
use super::store::{PutCompliance, PutItem};
use super::wire::{ApiError, SplitMix, constraint_message, epoch_json, fnv64, targets_json};

/// (document, association name, schedule, period seconds, compliance severity); the
/// names and documents are those of the Association compliance items.
const DEFS: &[(&str, &str, &str, f64, &str)] = &[
    (
        "AWS-GatherSoftwareInventory",
        "Inventory-Collection",
        "rate(30 minutes)",
        1800.0,
        "UNSPECIFIED",
    ),
    (
        "AWS-UpdateSSMAgent",
        "SSMAgent-Update",
        "cron(0 3 ? * SUN *)",
        7.0 * 86_400.0,
        "MEDIUM",
    ),
    (
        "AWS-ConfigureCloudWatchOnEC2Instance",
        "CloudWatch-Agent",
        "rate(1 day)",
        86_400.0,
        "HIGH",
    ),
    (
        "AWS-RunPatchBaseline",
        "Patch-Scan-Daily",
        "cron(0 1 * * ? *)",
        86_400.0,
        "CRITICAL",
    ),
    (
        "AWS-ConfigureAWSPackage",
        "Install-CodeDeploy",
        "rate(7 days)",
        7.0 * 86_400.0,
        "LOW",
    ),
];

/// Generated executions kept per association (runs come on top).
const HISTORY: usize = 6;

/// One association of a scope.
#[derive(Debug, Clone)]
pub(crate) struct Def {
    pub index: usize,
    pub id: String,
    pub name: &'static str,
    pub document: &'static str,
    pub schedule: &'static str,
    pub period: f64,
    pub severity: &'static str,
    pub targets: Vec<(String, Vec<String>)>,
    pub created: f64,
}

fn uuid(h: u64, g: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (h >> 32) as u32,
        (h >> 16) as u16,
        (h & 0xfff) as u16,
        0x8000 | ((g >> 48) as u16 & 0x3fff),
        g & 0xffff_ffff_ffff
    )
}

fn id_of(parts: &[&[u8]]) -> String {
    let h = fnv64(parts);
    let mut g = parts.to_vec();
    g.push(b"more");
    uuid(h, fnv64(&g))
}

/// The association id of `name` in a scope.
pub(crate) fn association_id(seed: u64, account_id: &str, region: &str, name: &str) -> String {
    id_of(&[
        &seed.to_le_bytes(),
        account_id.as_bytes(),
        region.as_bytes(),
        name.as_bytes(),
        b"association",
    ])
}

/// The associations of one scope.
pub(crate) fn defs(estate: &Estate, account: usize, region: &str, nodes: &[Node]) -> Vec<Def> {
    let account_id = &estate.accounts[account].id;
    let env = nodes
        .iter()
        .find_map(|n| n.tag("Environment"))
        .unwrap_or("prod")
        .to_string();
    let mut groups: Vec<String> = nodes
        .iter()
        .filter_map(|n| n.tag("Patch Group").map(str::to_string))
        .collect();
    groups.sort();
    groups.dedup();
    groups.truncate(50);
    let mut rng = SplitMix::new(
        estate.seed ^ fnv64(&[account_id.as_bytes(), region.as_bytes(), b"assoc-created"]),
    );
    DEFS.iter()
        .enumerate()
        .map(|(index, (document, name, schedule, period, severity))| {
            let targets = match index {
                0 => vec![("InstanceIds".to_string(), vec!["*".to_string()])],
                1 => vec![("tag:Environment".to_string(), vec![env.clone()])],
                2 => vec![("tag-key".to_string(), vec!["Team".to_string()])],
                3 => vec![("tag:Patch Group".to_string(), groups.clone())],
                _ => vec![(
                    "resource-groups:Name".to_string(),
                    vec!["codedeploy-fleet".to_string()],
                )],
            };
            Def {
                index,
                id: association_id(estate.seed, account_id, region, name),
                name,
                document,
                schedule,
                period: *period,
                severity,
                targets,
                created: estate.started - rng.range(40 * 86_400, 700 * 86_400) as f64,
            }
        })
        .collect()
}

/// Whether node `n` is a target of association `index`.
fn targeted(n: &Node, index: usize) -> bool {
    n.association
        .as_ref()
        .is_some_and(|a| (a.count as usize) > index)
}

// ---------------------------------------------------------------------------------------
// Runs started by StartAssociationsOnce

#[derive(Debug, Clone)]
struct Run {
    execution_id: String,
    started: f64,
    /// (instance id, final status, finish time).
    outcomes: Vec<(String, &'static str, f64)>,
}

/// Runs of one scope, by association index, oldest first.
#[derive(Default)]
struct Runs {
    by_assoc: HashMap<usize, Vec<Run>>,
}

type Registry = HashMap<usize, (Weak<Vec<Node>>, Arc<Mutex<Runs>>)>;

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The runs of the scope whose node list is `nodes`; `create` makes an empty entry.
fn runs_of(nodes: &Arc<Vec<Node>>, create: bool) -> Option<Arc<Mutex<Runs>>> {
    let key = Arc::as_ptr(nodes) as usize;
    let mut reg = lock(&REGISTRY);
    let map = reg.get_or_insert_with(HashMap::new);
    if let Some((weak, runs)) = map.get(&key)
        && weak.upgrade().is_some_and(|n| Arc::ptr_eq(&n, nodes))
    {
        return Some(runs.clone());
    }
    if !create {
        return None;
    }
    map.retain(|_, (w, _)| w.strong_count() > 0);
    let runs = Arc::new(Mutex::new(Runs::default()));
    map.insert(key, (Arc::downgrade(nodes), runs.clone()));
    Some(runs)
}

/// The scope of the caller: its nodes, its associations and a copy of its runs.
struct View {
    nodes: Arc<Vec<Node>>,
    defs: Vec<Def>,
    runs: HashMap<usize, Vec<Run>>,
    now: f64,
    started: f64,
}

fn view(ctx: &Ctx<'_>) -> View {
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let defs = if nodes.is_empty() {
        Vec::new()
    } else {
        defs(ctx.estate, ctx.account, ctx.region, &nodes)
    };
    let runs = runs_of(&nodes, false)
        .map(|r| lock(&r).by_assoc.clone())
        .unwrap_or_default();
    View {
        nodes,
        defs,
        runs,
        now: ctx.now,
        started: ctx.estate.started,
    }
}

/// Status of one node for one association now: (status, execution time, last success).
#[derive(Debug, Clone, Copy)]
struct NodeStatus {
    status: &'static str,
    exec: f64,
    last_success: Option<f64>,
}

impl View {
    fn generated(&self, n: &Node) -> Option<NodeStatus> {
        let a = n.association.as_ref()?;
        let exec = n.last_ping(self.now, self.started) - f64::from(a.last_exec_before_ping);
        Some(NodeStatus {
            status: a.status,
            exec,
            last_success: a.last_success_before_exec.map(|b| exec - f64::from(b)),
        })
    }

    fn status(&self, n: &Node, index: usize) -> Option<NodeStatus> {
        if !targeted(n, index) {
            return None;
        }
        let mut st = self.generated(n)?;
        for run in self.runs.get(&index).into_iter().flatten() {
            if let Some((_, status, done)) =
                run.outcomes.iter().find(|(id, _, _)| *id == n.instance_id)
                && *done <= self.now
            {
                st.status = status;
                st.exec = *done;
                if *status == "Success" {
                    st.last_success = Some(*done);
                }
            }
        }
        Some(st)
    }

    fn def(&self, id: &str) -> Option<&Def> {
        self.defs.iter().find(|d| d.id == id)
    }

    /// Executions of an association, newest first.
    fn executions(&self, def: &Def) -> Vec<Execution> {
        let mut out = Vec::new();
        for run in self.runs.get(&def.index).into_iter().flatten().rev() {
            let targets: Vec<Target> = run
                .outcomes
                .iter()
                .map(|(id, status, done)| {
                    let finished = *done <= self.now;
                    Target {
                        instance_id: id.clone(),
                        status: if finished { status } else { "Pending" },
                        detailed: if finished { status } else { "InProgress" },
                        date: if finished { *done } else { run.started },
                    }
                })
                .collect();
            let pending = run.outcomes.iter().any(|(_, _, d)| *d > self.now);
            let status = if self.now < run.started + 1.0 {
                "Pending"
            } else if pending {
                "InProgress"
            } else {
                aggregate(targets.iter().map(|t| t.status))
            };
            out.push(Execution {
                id: run.execution_id.clone(),
                status,
                created: run.started,
                last: targets.iter().map(|t| t.date).fold(run.started, f64::max),
                targets,
            });
        }
        let targets: Vec<(&Node, NodeStatus)> = self
            .nodes
            .iter()
            .filter_map(|n| Some((n, self.generated(n).filter(|_| targeted(n, def.index))?)))
            .collect();
        if targets.is_empty() {
            return out;
        }
        // The scheduled run started when the first online target ran it; nodes that
        // stopped answering report older runs.
        let online = targets
            .iter()
            .filter(|(n, _)| n.ping == Ping::Online)
            .map(|(_, s)| s.exec)
            .fold(f64::INFINITY, f64::min);
        let latest = if online.is_finite() {
            online
        } else {
            targets.iter().map(|(_, s)| s.exec).fold(f64::MIN, f64::max)
        };
        for k in 0..HISTORY {
            let created = latest - def.period * k as f64;
            let mut rng = SplitMix::new(fnv64(&[def.id.as_bytes(), &k.to_le_bytes(), b"exec"]));
            let list: Vec<Target> = targets
                .iter()
                .map(|(n, s)| {
                    let status = if k == 0 {
                        s.status
                    } else if s.status == "Success" {
                        if rng.unit() < 0.97 {
                            "Success"
                        } else {
                            "Failed"
                        }
                    } else if s.last_success.is_some_and(|t| created <= t) {
                        "Success"
                    } else {
                        s.status
                    };
                    let date = if k == 0 {
                        s.exec
                    } else {
                        created + rng.range(5, 240) as f64
                    };
                    Target {
                        instance_id: n.instance_id.clone(),
                        status,
                        detailed: status,
                        date,
                    }
                })
                .collect();
            out.push(Execution {
                id: id_of(&[def.id.as_bytes(), &(k as u64).to_le_bytes(), b"execution"]),
                status: aggregate(list.iter().map(|t| t.status)),
                created,
                last: list.iter().map(|t| t.date).fold(created, f64::max),
                targets: list,
            });
        }
        out
    }

    /// Current per-status counts of an association's targets and its overview status.
    fn overview(&self, def: &Def) -> (&'static str, BTreeMap<&'static str, u32>) {
        let mut counts: BTreeMap<&'static str, u32> = BTreeMap::new();
        for n in self.nodes.iter() {
            if let Some(s) = self.status(n, def.index) {
                *counts.entry(s.status).or_default() += 1;
            }
        }
        if counts.is_empty() {
            return ("Pending", counts);
        }
        (aggregate(counts.keys().copied()), counts)
    }
}

#[derive(Debug, Clone)]
struct Target {
    instance_id: String,
    status: &'static str,
    detailed: &'static str,
    date: f64,
}

#[derive(Debug, Clone)]
struct Execution {
    id: String,
    status: &'static str,
    created: f64,
    last: f64,
    targets: Vec<Target>,
}

/// Failed when any failed, else Pending when any is pending, else Success.
fn aggregate<'a>(statuses: impl Iterator<Item = &'a str>) -> &'static str {
    let mut any_pending = false;
    for s in statuses {
        match s {
            "Failed" => return "Failed",
            "Pending" | "InProgress" => any_pending = true,
            _ => {}
        }
    }
    if any_pending { "Pending" } else { "Success" }
}

fn counts_string(targets: &[Target]) -> String {
    let mut c: BTreeMap<&str, u32> = BTreeMap::new();
    for t in targets {
        *c.entry(t.status).or_default() += 1;
    }
    let parts: Vec<String> = c.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(","))
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn check_uuid(value: &str, member: &str) -> Result<(), ApiError> {
    if is_uuid(value) {
        return Ok(());
    }
    Err(ApiError::validation(constraint_message(
        &format!("'{value}'"),
        member,
        "Member must satisfy regular expression pattern: [0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    )))
}

fn not_found() -> ApiError {
    ApiError::new(
        400,
        "AssociationDoesNotExist",
        "The specified association does not exist.",
    )
}

fn overview_json(status: &str, counts: &BTreeMap<&'static str, u32>) -> Value {
    let detailed = if counts.is_empty() {
        "Associated"
    } else {
        status
    };
    json!({
        "Status": status,
        "DetailedStatus": detailed,
        "AssociationStatusAggregatedCount": counts,
    })
}

fn last_execution(v: &View, def: &Def) -> Option<f64> {
    v.executions(def).first().map(|e| e.created)
}

fn association_json(v: &View, def: &Def) -> Value {
    let (status, counts) = v.overview(def);
    let mut o = Map::new();
    o.insert("Name".into(), def.document.into());
    o.insert("AssociationId".into(), def.id.clone().into());
    o.insert("AssociationVersion".into(), "1".into());
    o.insert("DocumentVersion".into(), "$DEFAULT".into());
    o.insert("Targets".into(), targets_json(&def.targets));
    if let Some(t) = last_execution(v, def) {
        o.insert("LastExecutionDate".into(), epoch_json(t));
    }
    o.insert("Overview".into(), overview_json(status, &counts));
    o.insert("ScheduleExpression".into(), def.schedule.into());
    o.insert("AssociationName".into(), def.name.into());
    Value::Object(o)
}

const LIST_KEYS: &[&str] = &[
    "InstanceId",
    "Name",
    "AssociationId",
    "AssociationStatusName",
    "LastExecutedBefore",
    "LastExecutedAfter",
    "AssociationName",
    "ResourceGroupName",
];

pub(crate) fn list_associations(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let mut filters: Vec<(String, String)> = Vec::new();
    if let Some(list) = input::opt_array(body, "AssociationFilterList")? {
        check_count(list.len(), "associationFilterList", 1, usize::MAX)?;
        for (i, f) in list.iter().enumerate() {
            let path = format!("associationFilterList.{}.member", i + 1);
            let o = input::as_object(f, "AssociationFilterList")?;
            let key = required_str(o, "key", &format!("{path}.key"))
                .or_else(|_| required_str(o, "Key", &format!("{path}.key")))?;
            let value = input::opt_str(o, "value")?
                .or(input::opt_str(o, "Value")?)
                .ok_or_else(|| missing(&format!("{path}.value")))?;
            request::check_enum(key, &format!("{path}.key"), LIST_KEYS)?;
            request::check_len(value, &format!("{path}.value"), 1, usize::MAX)?;
            filters.push((key.to_string(), value.to_string()));
        }
    }
    let hash = query_hash(ctx, "ListAssociations", body);
    let start = page_start(body, hash)?;
    let v = view(ctx);
    let time = |s: &str| request::parse_time(s);
    let rows: Vec<Value> = v
        .defs
        .iter()
        .filter(|d| {
            filters.iter().all(|(k, val)| match k.as_str() {
                "Name" => d.document == val,
                "AssociationId" => d.id == *val,
                "AssociationName" => d.name == val,
                "InstanceId" => v
                    .nodes
                    .iter()
                    .any(|n| n.instance_id == *val && targeted(n, d.index)),
                "AssociationStatusName" => v.overview(d).0 == val,
                "LastExecutedBefore" => {
                    matches!((last_execution(&v, d), time(val)), (Some(l), Some(t)) if l < t)
                }
                "LastExecutedAfter" => {
                    matches!((last_execution(&v, d), time(val)), (Some(l), Some(t)) if l > t)
                }
                _ => false,
            })
        })
        .map(|d| association_json(&v, d))
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json("Associations", rows[s..e].to_vec(), next))
}

pub(crate) fn describe_association(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = input::opt_str(body, "AssociationId")?;
    let name = input::opt_str(body, "Name")?;
    let instance = input::opt_str(body, "InstanceId")?;
    let v = view(ctx);
    let def = match (id, name, instance) {
        (Some(id), _, _) => {
            check_uuid(id, "associationId")?;
            v.def(id).ok_or_else(not_found)?
        }
        (None, Some(name), Some(instance)) => {
            let node = v
                .nodes
                .iter()
                .find(|n| n.instance_id == instance)
                .ok_or_else(|| {
                    ApiError::new(400, "InvalidInstanceId", "The instance ID is not valid.")
                })?;
            v.defs
                .iter()
                .find(|d| d.document == name && targeted(node, d.index))
                .ok_or_else(not_found)?
        }
        _ => {
            return Err(ApiError::validation(
                "Either AssociationId, or Name and InstanceId, must be specified.",
            ));
        }
    };
    if let Some(ver) = input::opt_str(body, "AssociationVersion")?
        && ver != "1"
        && ver != "$LATEST"
    {
        return Err(ApiError::new(
            400,
            "InvalidAssociationVersion",
            format!("Association version {ver} is not valid."),
        ));
    }
    let (status, counts) = v.overview(def);
    let mut o = match association_json(&v, def) {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    o.insert("Date".into(), epoch_json(def.created));
    o.insert(
        "Status".into(),
        json!({ "Date": epoch_json(def.created), "Name": "Associated", "Message": "Associated with targets" }),
    );
    o.insert("Overview".into(), overview_json(status, &counts));
    o.insert("ComplianceSeverity".into(), def.severity.into());
    o.insert("SyncCompliance".into(), "AUTO".into());
    o.insert("ApplyOnlyAtCronInterval".into(), false.into());
    o.insert("MaxConcurrency".into(), "50".into());
    o.insert("MaxErrors".into(), "10%".into());
    o.insert("Parameters".into(), json!({}));
    if let Some(last_success) = v
        .executions(def)
        .iter()
        .find(|e| e.status == "Success")
        .map(|e| e.created)
    {
        o.insert(
            "LastSuccessfulExecutionDate".into(),
            epoch_json(last_success),
        );
    }
    if let Some(t) = last_execution(&v, def) {
        o.insert("LastUpdateAssociationDate".into(), epoch_json(def.created));
        o.insert("LastExecutionDate".into(), epoch_json(t));
    }
    Ok(json!({ "AssociationDescription": Value::Object(o) }))
}

/// `{Key, Value, Type}` filters of DescribeAssociationExecutions.
fn exec_filters(body: &Object) -> Result<Vec<(String, String, String)>, ApiError> {
    let Some(list) = input::opt_array(body, "Filters")? else {
        return Ok(Vec::new());
    };
    check_count(list.len(), "filters", 1, usize::MAX)?;
    let mut out = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let path = format!("filters.{}.member", i + 1);
        let o = input::as_object(f, "Filters")?;
        let key = required_str(o, "Key", &format!("{path}.key"))?;
        let value = required_str(o, "Value", &format!("{path}.value"))?;
        let typ = required_str(o, "Type", &format!("{path}.type"))?;
        request::check_enum(
            key,
            &format!("{path}.key"),
            &["ExecutionId", "Status", "CreatedTime"],
        )?;
        request::check_enum(
            typ,
            &format!("{path}.type"),
            &["EQUAL", "LESS_THAN", "GREATER_THAN"],
        )?;
        out.push((key.to_string(), value.to_string(), typ.to_string()));
    }
    Ok(out)
}

pub(crate) fn describe_association_executions(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = required_str(body, "AssociationId", "associationId")?;
    check_uuid(id, "associationId")?;
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let filters = exec_filters(body)?;
    let hash = query_hash(ctx, "DescribeAssociationExecutions", body);
    let start = page_start(body, hash)?;
    let v = view(ctx);
    let def = v.def(id).ok_or_else(not_found)?;
    let rows: Vec<Value> = v
        .executions(def)
        .into_iter()
        .filter(|e| {
            filters.iter().all(|(k, val, typ)| match k.as_str() {
                "ExecutionId" => e.id == *val,
                "Status" => e.status == val,
                "CreatedTime" => match request::parse_time(val) {
                    Some(t) if typ == "LESS_THAN" => e.created < t,
                    Some(t) if typ == "GREATER_THAN" => e.created > t,
                    Some(t) => (e.created - t).abs() < 1.0,
                    None => false,
                },
                _ => false,
            })
        })
        .map(|e| {
            json!({
                "AssociationId": def.id,
                "AssociationVersion": "1",
                "ExecutionId": e.id,
                "Status": e.status,
                "DetailedStatus": e.status,
                "CreatedTime": epoch_json(e.created),
                "LastExecutionDate": epoch_json(e.last),
                "ResourceCountByStatus": counts_string(&e.targets),
            })
        })
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json(
        "AssociationExecutions",
        rows[s..e].to_vec(),
        next,
    ))
}

pub(crate) fn describe_association_execution_targets(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = required_str(body, "AssociationId", "associationId")?;
    let exec_id = required_str(body, "ExecutionId", "executionId")?;
    check_uuid(id, "associationId")?;
    check_uuid(exec_id, "executionId")?;
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let mut filters: Vec<(String, String)> = Vec::new();
    if let Some(list) = input::opt_array(body, "Filters")? {
        check_count(list.len(), "filters", 1, usize::MAX)?;
        for (i, f) in list.iter().enumerate() {
            let path = format!("filters.{}.member", i + 1);
            let o = input::as_object(f, "Filters")?;
            let key = required_str(o, "Key", &format!("{path}.key"))?;
            let value = required_str(o, "Value", &format!("{path}.value"))?;
            request::check_enum(
                key,
                &format!("{path}.key"),
                &["Status", "ResourceId", "ResourceType"],
            )?;
            filters.push((key.to_string(), value.to_string()));
        }
    }
    let hash = query_hash(ctx, "DescribeAssociationExecutionTargets", body);
    let start = page_start(body, hash)?;
    let v = view(ctx);
    let def = v.def(id).ok_or_else(not_found)?;
    let exec = v
        .executions(def)
        .into_iter()
        .find(|e| e.id == exec_id)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "AssociationExecutionDoesNotExist",
                "The specified execution ID does not exist. Verify the ID number and try again.",
            )
        })?;
    let rows: Vec<Value> = exec
        .targets
        .iter()
        .filter(|t| {
            filters.iter().all(|(k, val)| match k.as_str() {
                "Status" => t.status == val,
                "ResourceId" => t.instance_id == *val,
                "ResourceType" => val == "ManagedInstance",
                _ => false,
            })
        })
        .map(|t| {
            let command = id_of(&[exec.id.as_bytes(), t.instance_id.as_bytes(), b"command"]);
            json!({
                "AssociationId": def.id,
                "AssociationVersion": "1",
                "ExecutionId": exec.id,
                "ResourceId": t.instance_id,
                "ResourceType": "ManagedInstance",
                "Status": t.status,
                "DetailedStatus": t.detailed,
                "LastExecutionDate": epoch_json(t.date),
                "OutputSource": { "OutputSourceId": command, "OutputSourceType": "RunCommand" },
            })
        })
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json(
        "AssociationExecutionTargets",
        rows[s..e].to_vec(),
        next,
    ))
}

fn summary(status: &str) -> &'static str {
    match status {
        "Success" => "1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped. ",
        "Failed" => "1 out of 1 plugin processed, 0 success, 1 failed, 0 timedout, 0 skipped. ",
        _ => "0 out of 1 plugin processed. ",
    }
}

pub(crate) fn describe_instance_associations_status(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let instance = required_str(body, "InstanceId", "instanceId")?;
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let hash = query_hash(ctx, "DescribeInstanceAssociationsStatus", body);
    let start = page_start(body, hash)?;
    let v = view(ctx);
    let node = v
        .nodes
        .iter()
        .find(|n| n.instance_id == instance)
        .ok_or_else(|| ApiError::new(400, "InvalidInstanceId", "The instance ID is not valid."))?;
    let rows: Vec<Value> = v
        .defs
        .iter()
        .filter_map(|d| {
            let s = v.status(node, d.index)?;
            let mut o = Map::new();
            o.insert("AssociationId".into(), d.id.clone().into());
            o.insert("Name".into(), d.document.into());
            o.insert("DocumentVersion".into(), "$DEFAULT".into());
            o.insert("AssociationVersion".into(), "1".into());
            o.insert("InstanceId".into(), node.instance_id.clone().into());
            o.insert("ExecutionDate".into(), epoch_json(s.exec));
            o.insert("Status".into(), s.status.into());
            o.insert("DetailedStatus".into(), s.status.into());
            o.insert("ExecutionSummary".into(), summary(s.status).into());
            if s.status == "Failed" {
                o.insert("ErrorCode".into(), "1".into());
            }
            o.insert("AssociationName".into(), d.name.into());
            Some(Value::Object(o))
        })
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json(
        "InstanceAssociationStatusInfos",
        rows[s..e].to_vec(),
        next,
    ))
}

pub(crate) fn start_associations_once(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let ids = input::opt_array(body, "AssociationIds")?.ok_or_else(|| missing("associationIds"))?;
    let ids = input::string_list(ids, "AssociationIds")?;
    check_count(ids.len(), "associationIds", 1, 10)?;
    for id in &ids {
        check_uuid(id, "associationIds")?;
    }
    let v = view(ctx);
    let defs: Vec<&Def> = ids
        .iter()
        .map(|id| v.def(id).ok_or_else(not_found))
        .collect::<Result<_, _>>()?;
    let runs = runs_of(&v.nodes, true).ok_or_else(not_found)?;
    let mut finished: Vec<(String, usize, &'static str, f64)> = Vec::new();
    {
        let mut runs = lock(&runs);
        for def in defs {
            let list = runs.by_assoc.entry(def.index).or_default();
            let ordinal = list.len() as u64;
            let execution_id = id_of(&[
                def.id.as_bytes(),
                &ordinal.to_le_bytes(),
                &ctx.now.to_bits().to_le_bytes(),
                b"run",
            ]);
            let mut outcomes = Vec::new();
            for n in v.nodes.iter().filter(|n| targeted(n, def.index)) {
                // Only nodes whose agent answers run the association now.
                if n.ping != Ping::Online {
                    continue;
                }
                let h = fnv64(&[execution_id.as_bytes(), n.instance_id.as_bytes()]);
                let before = v.status(n, def.index).map_or("Success", |s| s.status);
                let ok = match before {
                    "Success" => !h.is_multiple_of(25),
                    _ => h % 10 < 6,
                };
                let status = if ok { "Success" } else { "Failed" };
                let done = ctx.now + 1.0 + (h % 5) as f64;
                outcomes.push((n.instance_id.clone(), status, done));
                finished.push((n.instance_id.clone(), def.index, status, done));
            }
            list.push(Run {
                execution_id,
                started: ctx.now,
                outcomes,
            });
        }
    }
    record_compliance(ctx, &v, &finished);
    Ok(json!({}))
}

/// Association compliance of the nodes a run touched, as State Manager reports it.
fn record_compliance(ctx: &Ctx<'_>, v: &View, finished: &[(String, usize, &'static str, f64)]) {
    let Some((_, state)) = store::scope(ctx.estate, ctx.account, ctx.region) else {
        return;
    };
    let mut st = store::state(&state);
    let mut touched: Vec<&str> = finished.iter().map(|(id, ..)| id.as_str()).collect();
    touched.sort_unstable();
    touched.dedup();
    for id in touched {
        let Some(node) = v.nodes.iter().find(|n| n.instance_id == id) else {
            continue;
        };
        let mut when = 0.0f64;
        let items: Vec<PutItem> = v
            .defs
            .iter()
            .filter_map(|d| {
                let mut s = v.status(node, d.index)?;
                if let Some((_, _, status, done)) = finished
                    .iter()
                    .find(|(i, idx, ..)| i == id && *idx == d.index)
                {
                    s.status = status;
                    when = when.max(*done);
                }
                let mut details = BTreeMap::new();
                details.insert("DocumentName".to_string(), d.document.to_string());
                details.insert("DocumentVersion".to_string(), "1".to_string());
                Some(PutItem {
                    id: d.id.clone(),
                    title: d.name.to_string(),
                    severity: d.severity.to_string(),
                    status: if s.status == "Success" {
                        "COMPLIANT".into()
                    } else {
                        "NON_COMPLIANT".into()
                    },
                    details,
                })
            })
            .collect();
        st.compliance.insert(
            (id.to_string(), "Association".to_string()),
            PutCompliance {
                execution_time: when,
                execution_id: None,
                execution_type: "Command".into(),
                items,
            },
        );
    }
}

/// Replaces the generated ids of Association compliance items with the scope's
/// association ids (the items' titles are the association names).
pub(crate) fn with_scope_ids(
    ctx: &Ctx<'_>,
    mut items: Vec<ops_data::ComplianceItem>,
) -> Vec<ops_data::ComplianceItem> {
    let account_id = &ctx.estate.accounts[ctx.account].id;
    for i in &mut items {
        if i.compliance_type == "Association" {
            i.id = association_id(ctx.estate.seed, account_id, ctx.region, &i.title);
        }
    }
    items
}

/// The scope's nodes with the association status of finished runs (the same list when
/// no run finished), so that filtering on `AssociationStatus` sees what is reported.
pub(crate) fn overlay_nodes(ctx: &Ctx<'_>, nodes: Arc<Vec<Node>>) -> Arc<Vec<Node>> {
    let Some(runs) = runs_of(&nodes, false) else {
        return nodes;
    };
    let touched: Vec<String> = lock(&runs)
        .by_assoc
        .values()
        .flatten()
        .flat_map(|r| r.outcomes.iter())
        .filter(|(_, _, done)| *done <= ctx.now)
        .map(|(id, _, _)| id.clone())
        .collect();
    if touched.is_empty() {
        return nodes;
    }
    let v = view(ctx);
    let mut out: Vec<Node> = nodes.as_ref().clone();
    for n in out.iter_mut().filter(|n| touched.contains(&n.instance_id)) {
        let statuses: Vec<&'static str> = v
            .defs
            .iter()
            .filter_map(|d| v.status(n, d.index).map(|s| s.status))
            .collect();
        if let Some(a) = n.association.as_mut()
            && !statuses.is_empty()
        {
            a.status = aggregate(statuses.into_iter());
        }
    }
    Arc::new(out)
}

/// A node's `DescribeInstanceInformation` entry with the association fields brought up
/// to date with finished runs (unchanged when none touched the node).
pub(crate) fn overlay_instance(ctx: &Ctx<'_>, node: &Node, mut info: Value) -> Value {
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let Some(runs) = runs_of(&nodes, false) else {
        return info;
    };
    let touched = lock(&runs).by_assoc.values().flatten().any(|r| {
        r.outcomes
            .iter()
            .any(|(id, _, done)| *id == node.instance_id && *done <= ctx.now)
    });
    if !touched {
        return info;
    }
    let v = view(ctx);
    let mut counts: BTreeMap<&'static str, u32> = BTreeMap::new();
    let mut last = f64::MIN;
    let mut success: Option<f64> = None;
    for d in &v.defs {
        if let Some(s) = v.status(node, d.index) {
            *counts.entry(s.status).or_default() += 1;
            last = last.max(s.exec);
            success = match (success, s.last_success) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
    }
    if counts.is_empty() {
        return info;
    }
    let status = aggregate(counts.keys().copied());
    if let Value::Object(o) = &mut info {
        o.insert("AssociationStatus".into(), status.into());
        o.insert("LastAssociationExecutionDate".into(), epoch_json(last));
        if let Some(s) = success {
            o.insert(
                "LastSuccessfulAssociationExecutionDate".into(),
                epoch_json(s),
            );
        }
        o.insert(
            "AssociationOverview".into(),
            json!({
                "DetailedStatus": status,
                "InstanceAssociationStatusAggregatedCount": counts,
            }),
        );
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_and_stable() {
        let a = association_id(1, "123456789012", "eu-west-1", "Inventory-Collection");
        assert!(is_uuid(&a), "{a}");
        assert_eq!(
            a,
            association_id(1, "123456789012", "eu-west-1", "Inventory-Collection")
        );
        assert_ne!(
            a,
            association_id(1, "123456789012", "us-east-1", "Inventory-Collection")
        );
        assert_eq!(aggregate(["Success", "Pending"].into_iter()), "Pending");
        assert_eq!(aggregate(["Failed", "Pending"].into_iter()), "Failed");
    }
}
