//! Maintenance Windows: `DescribeMaintenanceWindows`, `GetMaintenanceWindow`,
//! `DescribeMaintenanceWindowSchedule`, `DescribeMaintenanceWindowTargets`,
//! `DescribeMaintenanceWindowTasks`, `DescribeMaintenanceWindowExecutions`,
//! `DescribeMaintenanceWindowExecutionTasks` and
//! `DescribeMaintenanceWindowExecutionTaskInvocations`.
//!
//! Every scope has patching windows per patch group (Linux waves, Windows), a weekly
//! reboot window, a frequent inventory refresh and one disabled legacy window, in the
//! region's time zone. Executions follow the schedules back from now; a few fail.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::estate::{Estate, Node, Platform};
use super::input::{self, Object};
use super::request::{
    check_count, check_len, max_results, optional_values, page, page_json, page_start, query_hash,
    read_filters, required_str,
};
use super::schedule::{Schedule, iso_in};
use super::wire::{ApiError, SplitMix, constraint_message, epoch_json, fnv64, targets_json};

/// One target registration of a window.
#[derive(Debug, Clone)]
pub(crate) struct WindowTarget {
    pub id: String,
    pub name: String,
    pub targets: Vec<(String, Vec<String>)>,
    pub owner: String,
}

/// One task of a window.
#[derive(Debug, Clone)]
pub(crate) struct WindowTask {
    pub id: String,
    pub name: String,
    pub arn: &'static str,
    pub task_type: &'static str,
    pub priority: u32,
    pub parameters: Vec<(&'static str, &'static str)>,
    pub target_ids: Vec<String>,
    pub max_concurrency: &'static str,
    pub max_errors: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Window {
    pub id: String,
    pub name: String,
    pub description: String,
    pub schedule: String,
    pub tz: &'static str,
    pub duration: u32,
    pub cutoff: u32,
    pub enabled: bool,
    pub created: f64,
    pub modified: f64,
    pub targets: Vec<WindowTarget>,
    pub tasks: Vec<WindowTask>,
    /// Which execution back from now fails (`None`: none does).
    pub failing: Option<usize>,
}

/// Target registrations of a window being built: (name, targets).
type TargetSpecs = Vec<(String, Vec<(String, Vec<String>)>)>;
/// Tasks of a window being built: (name, document, type, parameters), by priority.
type TaskSpecs<'a> = Vec<(
    &'a str,
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
)>;

fn uuid(rng: &mut SplitMix) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        rng.hex(8),
        rng.hex(4),
        rng.hex(3),
        rng.hex(3),
        rng.hex(12)
    )
}

/// The time zone a region's windows are scheduled in.
pub(crate) fn region_tz(region: &str) -> &'static str {
    match region {
        "us-east-1" | "us-east-2" => "America/New_York",
        "us-west-1" | "us-west-2" => "America/Los_Angeles",
        "eu-west-1" => "Europe/Dublin",
        "eu-west-2" => "Europe/London",
        "eu-central-1" | "eu-north-1" | "eu-west-3" => "Europe/Berlin",
        "ap-southeast-2" => "Australia/Sydney",
        "ap-northeast-1" => "Asia/Tokyo",
        "ap-southeast-1" => "Asia/Singapore",
        "ap-south-1" => "Asia/Kolkata",
        _ => "UTC",
    }
}

fn tag_target(key: &str, values: &[String]) -> Vec<(String, Vec<String>)> {
    vec![(format!("tag:{key}"), values.to_vec())]
}

/// The maintenance windows of one scope.
pub(crate) fn windows(
    estate: &Estate,
    account: usize,
    region: &str,
    nodes: &[Node],
) -> Vec<Window> {
    if nodes.is_empty() {
        return Vec::new();
    }
    let account_id = &estate.accounts[account].id;
    let mut rng = SplitMix::new(
        estate.seed
            ^ fnv64(&[
                account_id.as_bytes(),
                region.as_bytes(),
                b"maintenance-windows",
            ]),
    );
    let env = nodes
        .iter()
        .find_map(|n| n.tag("Environment"))
        .unwrap_or("prod")
        .to_string();
    let tz = region_tz(region);
    let has_windows = nodes.iter().any(|n| n.platform == Platform::Windows);
    let mut out = Vec::new();
    let mut add = |rng: &mut SplitMix,
                   name: String,
                   description: &str,
                   schedule: &str,
                   duration: u32,
                   cutoff: u32,
                   enabled: bool,
                   targets: TargetSpecs,
                   tasks: TaskSpecs<'_>,
                   failing: Option<usize>| {
        let id = format!("mw-0{}", rng.hex(16));
        let created = estate.started - rng.range(60 * 86_400, 900 * 86_400) as f64;
        let modified = if enabled {
            created + rng.range(86_400, 50 * 86_400) as f64
        } else {
            estate.started - rng.range(20 * 86_400, 50 * 86_400) as f64
        };
        let targets: Vec<WindowTarget> = targets
            .into_iter()
            .map(|(tname, t)| WindowTarget {
                id: uuid(rng),
                name: tname,
                targets: t,
                owner: format!("{env}-ops"),
            })
            .collect();
        let ids: Vec<String> = targets.iter().map(|t| t.id.clone()).collect();
        // Registered out of order, as consoles do; listed by priority.
        let mut tasks: Vec<WindowTask> = tasks
            .into_iter()
            .enumerate()
            .map(|(i, (tname, arn, typ, params))| WindowTask {
                id: uuid(rng),
                name: tname.to_string(),
                arn,
                task_type: typ,
                priority: (i as u32 + 1) * 5,
                parameters: params,
                target_ids: ids.clone(),
                max_concurrency: if typ == "AUTOMATION" { "5" } else { "10%" },
                max_errors: "1",
            })
            .collect();
        tasks.reverse();
        out.push(Window {
            id,
            name,
            description: description.to_string(),
            schedule: schedule.to_string(),
            tz,
            duration,
            cutoff,
            enabled,
            created,
            modified,
            targets,
            tasks,
            failing,
        });
    };
    let patch = |op: &'static str| vec![("Operation", op), ("RebootOption", "RebootIfNeeded")];
    for wave in [1, 2] {
        let group = format!("{env}-linux-wave{wave}");
        add(
            &mut rng,
            format!("{env}-linux-patch-wave{wave}"),
            &format!("Install approved patches on patch group {group}"),
            if wave == 1 {
                "cron(0 2 ? * SUN *)"
            } else {
                "cron(0 2 ? * TUE *)"
            },
            4,
            1,
            true,
            vec![(
                format!("{group}-nodes"),
                tag_target("Patch Group", std::slice::from_ref(&group)),
            )],
            vec![
                (
                    "patch-install",
                    "AWS-RunPatchBaseline",
                    "RUN_COMMAND",
                    patch("Install"),
                ),
                ("agent-update", "AWS-UpdateSSMAgent", "RUN_COMMAND", vec![]),
            ],
            Some(if wave == 1 { 1 } else { 3 }),
        );
    }
    if has_windows {
        let groups = vec![
            format!("{env}-windows-wave1"),
            format!("{env}-windows-wave2"),
        ];
        add(
            &mut rng,
            format!("{env}-windows-patch"),
            "Monthly Windows updates for every Windows patch group",
            "cron(0 22 ? * SAT *)",
            5,
            1,
            true,
            vec![(
                format!("{env}-windows-nodes"),
                tag_target("Patch Group", &groups),
            )],
            vec![
                (
                    "patch-install",
                    "AWS-RunPatchBaseline",
                    "RUN_COMMAND",
                    patch("Install"),
                ),
                (
                    "clear-temp",
                    "AWS-RunPowerShellScript",
                    "RUN_COMMAND",
                    vec![("commands", "Remove-Item $env:TEMP\\* -Recurse -Force")],
                ),
            ],
            Some(0),
        );
    }
    add(
        &mut rng,
        format!("{env}-fleet-reboot"),
        "Weekly reboot of the fleet after patching",
        "cron(30 3 ? * THU *)",
        2,
        0,
        true,
        vec![(
            format!("{env}-all-nodes"),
            tag_target("Environment", std::slice::from_ref(&env)),
        )],
        vec![
            (
                "reboot",
                "AWS-RestartEC2Instance",
                "AUTOMATION",
                vec![("InstanceId", "{{RESOURCE_ID}}")],
            ),
            (
                "health-check",
                "AWS-RunShellScript",
                "RUN_COMMAND",
                vec![("commands", "systemctl is-system-running")],
            ),
        ],
        None,
    );
    add(
        &mut rng,
        format!("{env}-inventory-refresh"),
        "Refresh the software inventory twice a day",
        "rate(12 hours)",
        1,
        0,
        true,
        vec![(
            format!("{env}-all-nodes"),
            tag_target("Environment", std::slice::from_ref(&env)),
        )],
        vec![(
            "gather-inventory",
            "AWS-GatherSoftwareInventory",
            "RUN_COMMAND",
            vec![("applications", "Enabled")],
        )],
        None,
    );
    add(
        &mut rng,
        format!("legacy-{env}-patching"),
        "Replaced by the wave windows; kept disabled",
        "cron(0 1 ? * MON *)",
        3,
        1,
        false,
        vec![(
            format!("{env}-legacy"),
            tag_target("Environment", std::slice::from_ref(&env)),
        )],
        vec![(
            "patch-install",
            "AWS-RunPatchBaseline",
            "RUN_COMMAND",
            patch("Install"),
        )],
        None,
    );
    out
}

fn to_dt(secs: f64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs as i64, 0).unwrap_or_default()
}

impl Window {
    fn parsed(&self) -> Option<Schedule> {
        Schedule::parse(&self.schedule)
    }

    fn next(&self, now: f64) -> Option<DateTime<Utc>> {
        if !self.enabled {
            return None;
        }
        self.parsed()?
            .next(self.tz, to_dt(self.created), to_dt(now))
    }

    /// Start times of past executions, newest first.
    fn past(&self, now: f64, limit: usize) -> Vec<DateTime<Utc>> {
        let before = if self.enabled { now } else { self.modified };
        let Some(s) = self.parsed() else {
            return Vec::new();
        };
        s.previous(self.tz, to_dt(self.created), to_dt(before), limit)
            .into_iter()
            .filter(|t| t.timestamp() as f64 > self.created)
            .collect()
    }

    /// Nodes of the scope one of the window's targets names.
    fn target_nodes<'a>(&self, nodes: &'a [Node]) -> Vec<(&'a Node, &WindowTarget)> {
        let mut out = Vec::new();
        for n in nodes {
            if let Some(t) = self.targets.iter().find(|t| {
                t.targets
                    .iter()
                    .all(|(k, vals)| match k.strip_prefix("tag:") {
                        Some(tag) => n.tag(tag).is_some_and(|v| vals.iter().any(|x| x == v)),
                        None => {
                            k == "InstanceIds"
                                && vals.iter().any(|x| x == "*" || *x == n.instance_id)
                        }
                    })
            }) {
                out.push((n, t));
            }
        }
        out
    }

    /// Tasks in priority order.
    fn tasks_by_priority(&self) -> Vec<&WindowTask> {
        let mut t: Vec<&WindowTask> = self.tasks.iter().collect();
        t.sort_by_key(|t| t.priority);
        t
    }
}

/// One execution of a window: (id, start, end, status, details).
#[derive(Debug, Clone)]
struct Exec {
    id: String,
    start: f64,
    end: Option<f64>,
    status: &'static str,
    details: String,
    /// Index into the tasks by priority of the task that failed.
    failed_task: Option<usize>,
}

/// Executions kept per window.
const HISTORY: usize = 10;

fn executions(w: &Window, now: f64) -> Vec<Exec> {
    w.past(now, HISTORY)
        .into_iter()
        .enumerate()
        .map(|(k, t)| {
            let start = t.timestamp() as f64;
            let mut rng = SplitMix::new(fnv64(&[w.id.as_bytes(), &t.timestamp().to_le_bytes()]));
            let id = uuid(&mut rng);
            let took = rng.range(300, 1800) as f64;
            let running = now < start + took;
            let failed = w.failing == Some(k) && !running;
            let (status, details) = if running {
                (
                    "IN_PROGRESS",
                    "One or more tasks are in progress.".to_string(),
                )
            } else if failed {
                (
                    "FAILED",
                    "One or more tasks in the orchestration failed.".to_string(),
                )
            } else {
                ("SUCCESS", String::new())
            };
            Exec {
                id,
                start,
                end: (!running).then_some(start + took),
                status,
                details,
                failed_task: failed.then_some(0),
            }
        })
        .collect()
}

/// Every window of the caller's scope.
fn scope_windows(ctx: &Ctx<'_>) -> (std::sync::Arc<Vec<Node>>, Vec<Window>) {
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let w = windows(ctx.estate, ctx.account, ctx.region, &nodes);
    (nodes, w)
}

fn check_pattern(
    value: &str,
    member: &str,
    ok: bool,
    len: usize,
    pattern: &str,
) -> Result<(), ApiError> {
    if value.chars().count() != len {
        return Err(ApiError::validation(constraint_message(
            &format!("'{value}'"),
            member,
            &format!(
                "Member must have length {} {len}",
                if value.chars().count() < len {
                    "greater than or equal to"
                } else {
                    "less than or equal to"
                }
            ),
        )));
    }
    if !ok {
        return Err(ApiError::validation(constraint_message(
            &format!("'{value}'"),
            member,
            &format!("Member must satisfy regular expression pattern: {pattern}"),
        )));
    }
    Ok(())
}

fn window_id(body: &Object) -> Result<&str, ApiError> {
    let id = required_str(body, "WindowId", "windowId")?;
    let ok = id.strip_prefix("mw-").is_some_and(|h| {
        h.len() == 17
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    });
    check_pattern(id, "windowId", ok, 20, "^mw-[0-9a-f]{17}$")?;
    Ok(id)
}

fn uuid_member<'a>(body: &'a Object, key: &str, member: &str) -> Result<&'a str, ApiError> {
    let v = required_str(body, key, member)?;
    let parts: Vec<&str> = v.split('-').collect();
    let ok = parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()));
    check_pattern(
        v,
        member,
        ok,
        36,
        "^[0-9a-fA-F]{8}\\-[0-9a-fA-F]{4}\\-[0-9a-fA-F]{4}\\-[0-9a-fA-F]{4}\\-[0-9a-fA-F]{12}$",
    )?;
    Ok(v)
}

fn does_not_exist(what: String) -> ApiError {
    ApiError::new(400, "DoesNotExistException", what)
}

fn find<'a>(windows: &'a [Window], id: &str) -> Result<&'a Window, ApiError> {
    windows
        .iter()
        .find(|w| w.id == id)
        .ok_or_else(|| does_not_exist(format!("Maintenance window {id} does not exist")))
}

/// `MaintenanceWindowFilter` list (`Key`, `Values`), keys from `keys`.
fn parse_filters(body: &Object, keys: &[&str]) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    read_filters(body, (0, 5), |o, path| {
        let key = required_str(o, "Key", &format!("{path}.key"))?;
        check_len(key, &format!("{path}.key"), 1, 128)?;
        let values = match input::opt_array(o, "Values")? {
            Some(v) => input::string_list(v, "Values")?,
            None => Vec::new(),
        };
        if !keys.contains(&key) {
            return Err(ApiError::validation(format!(
                "Filter key {key} is not valid. Valid keys: {}",
                keys.join(", ")
            )));
        }
        Ok((key.to_string(), values))
    })
}

fn paged(
    body: &Object,
    ctx: &Ctx<'_>,
    op: &str,
    key: &str,
    rows: Vec<Value>,
    min: i64,
    max: i64,
) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", min, max, max as usize)?;
    let hash = query_hash(ctx, op, body);
    let start = page_start(body, hash)?;
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json(key, rows[s..e].to_vec(), next))
}

fn identity_json(w: &Window, now: f64) -> Value {
    let mut o = Map::new();
    o.insert("WindowId".into(), w.id.clone().into());
    o.insert("Name".into(), w.name.clone().into());
    o.insert("Description".into(), w.description.clone().into());
    o.insert("Enabled".into(), w.enabled.into());
    o.insert("Duration".into(), w.duration.into());
    o.insert("Cutoff".into(), w.cutoff.into());
    o.insert("Schedule".into(), w.schedule.clone().into());
    o.insert("ScheduleTimezone".into(), w.tz.into());
    if let Some(t) = w.next(now) {
        o.insert("NextExecutionTime".into(), iso_in(w.tz, t).into());
    }
    Value::Object(o)
}

pub(crate) fn describe_maintenance_windows(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let filters = parse_filters(body, &["Name", "Enabled"])?;
    max_results(body, "maxResults", 10, 100, 100)?;
    for (k, vals) in &filters {
        if k == "Enabled"
            && let Some(bad) = vals.iter().find(|v| *v != "true" && *v != "false")
        {
            return Err(ApiError::validation(format!(
                "Filter value {bad} is not valid for key Enabled. Valid values: true, false"
            )));
        }
    }
    let (_, ws) = scope_windows(ctx);
    let rows: Vec<Value> = ws
        .iter()
        .filter(|w| {
            filters.iter().all(|(k, vals)| {
                vals.is_empty()
                    || match k.as_str() {
                        "Name" => vals.contains(&w.name),
                        _ => vals.iter().any(|v| (v == "true") == w.enabled),
                    }
            })
        })
        .map(|w| identity_json(w, ctx.now))
        .collect();
    paged(
        body,
        ctx,
        "DescribeMaintenanceWindows",
        "WindowIdentities",
        rows,
        10,
        100,
    )
}

pub(crate) fn get_maintenance_window(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = window_id(body)?;
    let (_, ws) = scope_windows(ctx);
    let w = find(&ws, id)?;
    let mut o = match identity_json(w, ctx.now) {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    o.insert("AllowUnassociatedTargets".into(), false.into());
    o.insert("CreatedDate".into(), epoch_json(w.created));
    o.insert("ModifiedDate".into(), epoch_json(w.modified));
    Ok(Value::Object(o))
}

pub(crate) fn describe_maintenance_window_schedule(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = match input::opt_str(body, "WindowId")? {
        Some(_) => Some(window_id(body)?),
        None => None,
    };
    let targets = input::opt_array(body, "Targets")?;
    let resource_type = input::opt_str(body, "ResourceType")?;
    if let Some(rt) = resource_type {
        super::request::check_enum(rt, "resourceType", &["INSTANCE", "RESOURCE_GROUP"])?;
    }
    let mut before: Option<f64> = None;
    let mut after: Option<f64> = None;
    if let Some(list) = input::opt_array(body, "Filters")? {
        check_count(list.len(), "filters", 0, 5)?;
        for f in list {
            let o = input::as_object(f, "Filters")?;
            let key = required_str(o, "Key", "filters.member.key")?;
            let values = optional_values(o)?;
            let t = values.first().and_then(|v| super::request::parse_time(v));
            match key {
                "ScheduledBefore" => before = t,
                "ScheduledAfter" => after = t,
                _ => {
                    return Err(ApiError::validation(format!(
                        "Filter key {key} is not valid. Valid keys: ScheduledBefore, ScheduledAfter"
                    )));
                }
            }
        }
    }
    let (nodes, ws) = scope_windows(ctx);
    let chosen: Vec<&Window> = match (id, targets) {
        (Some(id), _) => vec![find(&ws, id)?],
        (None, Some(t)) => {
            if resource_type.is_none() {
                return Err(ApiError::validation(
                    "ResourceType must be specified when Targets are specified.",
                ));
            }
            let mut ids = Vec::new();
            for x in t {
                let o = input::as_object(x, "Targets")?;
                if input::opt_str(o, "Key")? == Some("InstanceIds")
                    && let Some(v) = input::opt_array(o, "Values")?
                {
                    ids.extend(input::string_list(v, "Values")?);
                }
            }
            ws.iter()
                .filter(|w| {
                    w.target_nodes(&nodes)
                        .iter()
                        .any(|(n, _)| ids.contains(&n.instance_id))
                })
                .collect()
        }
        (None, None) => {
            return Err(ApiError::validation(
                "Either WindowId or Targets must be specified.",
            ));
        }
    };
    let from = after.unwrap_or(ctx.now).max(ctx.now);
    let to = before.unwrap_or(ctx.now + 60.0 * 86_400.0);
    let mut rows: Vec<(i64, Value)> = Vec::new();
    for w in chosen.into_iter().filter(|w| w.enabled) {
        let Some(s) = w.parsed() else { continue };
        for t in s.between(w.tz, to_dt(w.created), to_dt(from), to_dt(to), 200) {
            rows.push((
                t.timestamp(),
                json!({ "WindowId": w.id, "Name": w.name, "ExecutionTime": iso_in(w.tz, t) }),
            ));
        }
    }
    rows.sort_by_key(|(t, _)| *t);
    let rows = rows.into_iter().map(|(_, v)| v).collect();
    paged(
        body,
        ctx,
        "DescribeMaintenanceWindowSchedule",
        "ScheduledWindowExecutions",
        rows,
        1,
        100,
    )
}

pub(crate) fn describe_maintenance_window_targets(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = window_id(body)?;
    let filters = parse_filters(body, &["Type", "WindowTargetId", "OwnerInformation"])?;
    max_results(body, "maxResults", 10, 100, 100)?;
    let (_, ws) = scope_windows(ctx);
    let w = find(&ws, id)?;
    let rows = w
        .targets
        .iter()
        .filter(|t| {
            filters.iter().all(|(k, v)| {
                v.is_empty()
                    || match k.as_str() {
                        "WindowTargetId" => v.contains(&t.id),
                        "OwnerInformation" => v.contains(&t.owner),
                        _ => v.iter().any(|x| x == "INSTANCE"),
                    }
            })
        })
        .map(|t| {
            json!({
                "WindowId": w.id,
                "WindowTargetId": t.id,
                "ResourceType": "INSTANCE",
                "Targets": targets_json(&t.targets),
                "OwnerInformation": t.owner,
                "Name": t.name,
            })
        })
        .collect();
    paged(
        body,
        ctx,
        "DescribeMaintenanceWindowTargets",
        "Targets",
        rows,
        10,
        100,
    )
}

fn params_json(p: &[(&str, &str)]) -> Value {
    let mut o = Map::new();
    for (k, v) in p {
        o.insert((*k).into(), json!({ "Values": [v] }));
    }
    Value::Object(o)
}

pub(crate) fn describe_maintenance_window_tasks(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = window_id(body)?;
    let filters = parse_filters(body, &["WindowTaskId", "TaskArn", "Priority", "TaskType"])?;
    max_results(body, "maxResults", 10, 100, 100)?;
    let (_, ws) = scope_windows(ctx);
    let w = find(&ws, id)?;
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let rows = w
        .tasks_by_priority()
        .into_iter()
        .filter(|t| {
            filters.iter().all(|(k, v)| {
                v.is_empty()
                    || match k.as_str() {
                        "WindowTaskId" => v.contains(&t.id),
                        "TaskArn" => v.iter().any(|x| x == t.arn),
                        "Priority" => v.iter().any(|x| *x == t.priority.to_string()),
                        _ => v.iter().any(|x| x == t.task_type),
                    }
            })
        })
        .map(|t| {
            json!({
                "WindowId": w.id,
                "WindowTaskId": t.id,
                "TaskArn": t.arn,
                "Type": t.task_type,
                "Targets": [{ "Key": "WindowTargetIds", "Values": t.target_ids }],
                "TaskParameters": params_json(&t.parameters),
                "Priority": t.priority,
                "ServiceRoleArn": format!("arn:aws:iam::{account_id}:role/aws-service-role/ssm.amazonaws.com/AWSServiceRoleForAmazonSSM"),
                "MaxConcurrency": t.max_concurrency,
                "MaxErrors": t.max_errors,
                "Name": t.name,
                "CutoffBehavior": "CONTINUE_TASK",
            })
        })
        .collect();
    paged(
        body,
        ctx,
        "DescribeMaintenanceWindowTasks",
        "Tasks",
        rows,
        10,
        100,
    )
}

pub(crate) fn describe_maintenance_window_executions(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = window_id(body)?;
    let filters = parse_filters(body, &["ExecutedBefore", "ExecutedAfter"])?;
    max_results(body, "maxResults", 10, 100, 100)?;
    let (_, ws) = scope_windows(ctx);
    let w = find(&ws, id)?;
    let rows = executions(w, ctx.now)
        .into_iter()
        .filter(|e| {
            filters.iter().all(|(k, v)| {
                let t = v.first().and_then(|x| super::request::parse_time(x));
                match (k.as_str(), t) {
                    ("ExecutedBefore", Some(t)) => e.start < t,
                    ("ExecutedAfter", Some(t)) => e.start > t,
                    _ => true,
                }
            })
        })
        .map(|e| {
            let mut o = Map::new();
            o.insert("WindowId".into(), w.id.clone().into());
            o.insert("WindowExecutionId".into(), e.id.into());
            o.insert("Status".into(), e.status.into());
            if !e.details.is_empty() {
                o.insert("StatusDetails".into(), e.details.into());
            }
            o.insert("StartTime".into(), epoch_json(e.start));
            if let Some(end) = e.end {
                o.insert("EndTime".into(), epoch_json(end));
            }
            Value::Object(o)
        })
        .collect();
    paged(
        body,
        ctx,
        "DescribeMaintenanceWindowExecutions",
        "WindowExecutions",
        rows,
        10,
        100,
    )
}

/// The execution with this id among every window of the scope.
fn find_execution<'a>(
    ws: &'a [Window],
    id: &str,
    now: f64,
) -> Result<(&'a Window, Exec), ApiError> {
    for w in ws {
        if let Some(e) = executions(w, now).into_iter().find(|e| e.id == id) {
            return Ok((w, e));
        }
    }
    Err(does_not_exist(format!(
        "Maintenance window execution {id} does not exist"
    )))
}

/// Task executions of a window execution: (task, task execution id, status, start, end).
fn task_runs<'a>(
    w: &'a Window,
    e: &Exec,
) -> Vec<(&'a WindowTask, String, &'static str, f64, Option<f64>)> {
    let tasks = w.tasks_by_priority();
    let n = tasks.len().max(1) as f64;
    let span = e.end.map_or(600.0, |end| end - e.start);
    tasks
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            let mut rng = SplitMix::new(fnv64(&[e.id.as_bytes(), t.id.as_bytes()]));
            let start = e.start + span * i as f64 / n;
            let end = start + span / n - 1.0;
            let status = match (e.status, e.failed_task) {
                ("IN_PROGRESS", _) if i == 0 => "IN_PROGRESS",
                ("IN_PROGRESS", _) => "PENDING",
                (_, Some(f)) if f == i => "FAILED",
                _ => "SUCCESS",
            };
            let done = matches!(status, "SUCCESS" | "FAILED");
            (t, uuid(&mut rng), status, start, done.then_some(end))
        })
        .collect()
}

pub(crate) fn describe_maintenance_window_execution_tasks(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = uuid_member(body, "WindowExecutionId", "windowExecutionId")?;
    let filters = parse_filters(body, &["Status"])?;
    max_results(body, "maxResults", 10, 100, 100)?;
    let (_, ws) = scope_windows(ctx);
    let (w, e) = find_execution(&ws, id, ctx.now)?;
    let rows = task_runs(w, &e)
        .into_iter()
        .filter(|(_, _, status, ..)| {
            filters
                .iter()
                .all(|(_, v)| v.is_empty() || v.iter().any(|x| x == status))
        })
        .map(|(t, task_exec, status, start, end)| {
            let mut o = Map::new();
            o.insert("WindowExecutionId".into(), e.id.clone().into());
            o.insert("TaskExecutionId".into(), task_exec.into());
            o.insert("Status".into(), status.into());
            if status == "FAILED" {
                o.insert(
                    "StatusDetails".into(),
                    "One or more invocations failed.".into(),
                );
            }
            o.insert("StartTime".into(), epoch_json(start));
            if let Some(end) = end {
                o.insert("EndTime".into(), epoch_json(end));
            }
            o.insert("TaskArn".into(), t.arn.into());
            o.insert("TaskType".into(), t.task_type.into());
            Value::Object(o)
        })
        .collect();
    paged(
        body,
        ctx,
        "DescribeMaintenanceWindowExecutionTasks",
        "WindowExecutionTaskIdentities",
        rows,
        10,
        100,
    )
}

pub(crate) fn describe_maintenance_window_execution_task_invocations(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = uuid_member(body, "WindowExecutionId", "windowExecutionId")?;
    let task_id = uuid_member(body, "TaskId", "taskId")?;
    let filters = parse_filters(body, &["Status"])?;
    max_results(body, "maxResults", 10, 100, 100)?;
    let (nodes, ws) = scope_windows(ctx);
    let (w, e) = find_execution(&ws, id, ctx.now)?;
    let runs = task_runs(w, &e);
    let Some((task, task_exec, status, start, end)) = runs.iter().find(|(_, te, ..)| te == task_id)
    else {
        return Err(does_not_exist(format!(
            "Maintenance window task execution {task_id} does not exist"
        )));
    };
    let params = serde_json::to_string(&params_json(&task.parameters)).unwrap_or_default();
    let targets = w.target_nodes(&nodes);
    let mut failed_one = false;
    let rows = targets
        .iter()
        .enumerate()
        .filter_map(|(i, (n, t))| {
            let mut rng = SplitMix::new(fnv64(&[task_exec.as_bytes(), n.instance_id.as_bytes()]));
            let inv_status = match *status {
                "FAILED" if !failed_one && (rng.unit() < 0.2 || i + 1 == targets.len()) => {
                    failed_one = true;
                    "FAILED"
                }
                "FAILED" => "SUCCESS",
                s => s,
            };
            if !filters
                .iter()
                .all(|(_, v)| v.is_empty() || v.iter().any(|x| x == inv_status))
            {
                return None;
            }
            let mut o = Map::new();
            o.insert("WindowExecutionId".into(), e.id.clone().into());
            o.insert("TaskExecutionId".into(), task_exec.clone().into());
            o.insert("InvocationId".into(), uuid(&mut rng).into());
            o.insert("ExecutionId".into(), uuid(&mut rng).into());
            o.insert("TaskType".into(), task.task_type.into());
            o.insert("Parameters".into(), params.clone().into());
            o.insert("Status".into(), inv_status.into());
            if inv_status == "FAILED" {
                o.insert(
                    "StatusDetails".into(),
                    format!("Failed on {}: exit code 1", n.instance_id).into(),
                );
            }
            o.insert(
                "StartTime".into(),
                epoch_json(*start + rng.range(0, 30) as f64),
            );
            if let Some(end) = end {
                o.insert("EndTime".into(), epoch_json(*end));
            }
            o.insert("OwnerInformation".into(), t.owner.clone().into());
            o.insert("WindowTargetId".into(), t.id.clone().into());
            Some(Value::Object(o))
        })
        .collect();
    paged(
        body,
        ctx,
        "DescribeMaintenanceWindowExecutionTaskInvocations",
        "WindowExecutionTaskInvocationIdentities",
        rows,
        10,
        100,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_have_believable_windows() {
        let e = Estate::new(3, 3, vec!["us-east-1".into()], 30, 1_795_000_000.0);
        let nodes = e.nodes(1, "us-east-1");
        let ws = windows(&e, 1, "us-east-1", &nodes);
        assert!(ws.len() >= 5);
        assert_eq!(ws.iter().filter(|w| !w.enabled).count(), 1);
        assert!(
            ws.iter()
                .all(|w| w.id.len() == 20 && w.tz == "America/New_York")
        );
        let now = 1_795_000_000.0;
        let wave = &ws[0];
        assert!(wave.next(now).is_some());
        let ex = executions(wave, now);
        assert!(ex.iter().any(|x| x.status == "FAILED"));
        assert!(wave.target_nodes(&nodes).len() < nodes.len());
        assert!(
            ws.iter()
                .find(|w| !w.enabled)
                .and_then(|w| w.next(now))
                .is_none()
        );
    }
}
