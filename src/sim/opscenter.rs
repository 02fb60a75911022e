//! OpsCenter: `CreateOpsItem`, `DescribeOpsItems`, `GetOpsItem`, `UpdateOpsItem`,
//! `ListOpsItemEvents`, `ListOpsItemRelatedItems`. OpsItems are generated per
//! (account, region) on first use and then live in memory; updates persist.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::estate::{Estate, Node, Ping};
use super::input::{self, Object};
use super::ops_data::role;
use super::request::{
    check_enum, check_len, max_results, missing, page, page_start, parse_time, query_hash,
    required_str,
};
use super::store::{caller_scope, state};
use super::wire::{ApiError, SplitMix, constraint_message, epoch_json, fnv64};

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
type OpsData = BTreeMap<String, (String, String)>;

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

pub(crate) const STATUSES: &[&str] = &[
    "Open",
    "InProgress",
    "Resolved",
    "Pending",
    "TimedOut",
    "Cancelled",
    "Scheduled",
    "RunbookInProgress",
    "PendingChangeCalendarOverride",
    "ChangeCalendarOverrideApproved",
    "ChangeCalendarOverrideRejected",
    "PendingApproval",
    "Approved",
    "Revoked",
    "Rejected",
    "Closed",
];

const ID_PATTERN: &str = "^(oi)-[0-9a-f]{12}$";

fn valid_id(id: &str) -> bool {
    id.strip_prefix("oi-")
        .is_some_and(|h| h.len() == 12 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

fn check_id(id: &str, member: &str) -> Result<(), ApiError> {
    if valid_id(id) {
        return Ok(());
    }
    Err(ApiError::validation(constraint_message(
        &format!("'{id}'"),
        member,
        &format!("Member must satisfy regular expression pattern: {ID_PATTERN}"),
    )))
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        400,
        "OpsItemNotFoundException",
        format!("OpsItem with id {id} not found."),
    )
}

fn invalid_parameter(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "OpsItemInvalidParameterException", message)
}

// ---------------------------------------------------------------------------------------
// Generation

struct Template {
    source: &'static str,
    category: &'static str,
    runbook: &'static str,
    event_source: &'static str,
    detail_type: &'static str,
    /// `{name}`, `{id}`, `{db}` are replaced.
    title: &'static str,
    description: &'static str,
}

const TEMPLATES: &[Template] = &[
    Template {
        source: "EC2",
        category: "Availability",
        runbook: "AWS-RestartEC2Instance",
        event_source: "aws.ec2",
        detail_type: "EC2 Instance Status Check Failed",
        title: "EC2 instance {name} ({id}) failed its system status check",
        description: "The instance failed the EC2 system status check twice in 10 minutes. The underlying host may need attention.",
    },
    Template {
        source: "EC2",
        category: "Recovery",
        runbook: "AWS-StopEC2Instance",
        event_source: "aws.health",
        detail_type: "AWS Health Event",
        title: "EC2 instance {name} ({id}) is scheduled for retirement",
        description: "AWS Health reported that the instance's underlying hardware is degraded; stop and start it before the retirement date.",
    },
    Template {
        source: "SSM",
        category: "Availability",
        runbook: "AWSSupport-TroubleshootManagedInstance",
        event_source: "aws.ssm",
        detail_type: "EC2 Instance Managed Status Change",
        title: "SSM Agent on {name} ({id}) stopped reporting",
        description: "The node has not pinged Systems Manager recently. Check the agent, its IAM role and its network path to the SSM endpoints.",
    },
    Template {
        source: "SSM",
        category: "Security",
        runbook: "AWS-RunPatchBaseline",
        event_source: "aws.ssm",
        detail_type: "Configuration Compliance State Change",
        title: "Patch compliance: {name} ({id}) is missing critical security updates",
        description: "The last patch scan reported missing patches classified Critical. Install them in the next maintenance window.",
    },
    Template {
        source: "SSM",
        category: "Availability",
        runbook: "AWSSupport-TroubleshootManagedInstance",
        event_source: "aws.ssm",
        detail_type: "EC2 State Manager Instance Association State Change",
        title: "Association AWS-GatherSoftwareInventory failed on {name} ({id})",
        description: "The State Manager association failed on its last run.",
    },
    Template {
        source: "CloudWatch",
        category: "Performance",
        runbook: "AWS-ResizeInstance",
        event_source: "aws.cloudwatch",
        detail_type: "CloudWatch Alarm State Change",
        title: "CloudWatch alarm cpu-high-{name} is in ALARM state",
        description: "CPUUtilization > 90 for 3 datapoints within 15 minutes on {id}.",
    },
    Template {
        source: "CloudWatch",
        category: "Performance",
        runbook: "AWSSupport-ExecuteEC2Rescue",
        event_source: "aws.cloudwatch",
        detail_type: "CloudWatch Alarm State Change",
        title: "CloudWatch alarm disk-used-{name} is in ALARM state",
        description: "disk_used_percent > 85 on / for {id}.",
    },
    Template {
        source: "RDS",
        category: "Performance",
        runbook: "AWS-CreateRdsSnapshot",
        event_source: "aws.rds",
        detail_type: "RDS DB Instance Event",
        title: "RDS DB instance {db} is running low on storage",
        description: "FreeStorageSpace fell below 10% of allocated storage.",
    },
    Template {
        source: "RDS",
        category: "Availability",
        runbook: "AWS-RebootRdsInstance",
        event_source: "aws.rds",
        detail_type: "RDS DB Instance Event",
        title: "RDS DB instance {db} failed over to its standby",
        description: "A Multi-AZ failover completed; investigate the cause on the former primary.",
    },
];

/// Marks the account's own runbook in a template: `{org}` becomes the organization's
/// name, as in the documents the account owns (e.g. `Acme-RestartService`).
const ORG: &str = "{org}";

/// What an OpsItem about an on-premises managed node (`mi-...`) says instead of the
/// template at the same index of `TEMPLATES`: EC2 status checks, retirement, resizing
/// and EC2Rescue do not apply to it, and the EC2 runbooks reject `mi-` ids. The
/// account's restart runbook takes the node as its `InstanceId`.
const MANAGED_NODE_TEMPLATES: &[(usize, Template)] = &[
    (
        0,
        Template {
            source: "CloudWatch",
            category: "Availability",
            runbook: "{org}-RestartService",
            event_source: "aws.cloudwatch",
            detail_type: "CloudWatch Alarm State Change",
            title: "CloudWatch alarm service-down-{name} is in ALARM state",
            description: "procstat_lookup_pid_count < 1 for 2 datapoints within 10 minutes on the on-premises server {id}: a service on the managed node stopped. Restart that service.",
        },
    ),
    (
        1,
        Template {
            source: "SSM",
            category: "Recovery",
            runbook: "{org}-RestartService",
            event_source: "aws.ssm",
            detail_type: "Managed Node Connection Change",
            title: "SSM Agent on managed node {name} ({id}) keeps reconnecting",
            description: "The SSM Agent of the on-premises server lost its connection to Systems Manager several times in the last hour. Restart the amazon-ssm-agent service on the managed node and check the service role of its hybrid activation.",
        },
    ),
    (
        2,
        Template {
            source: "SSM",
            category: "Availability",
            runbook: "{org}-RestartService",
            event_source: "aws.ssm",
            detail_type: "Managed Node Status Change",
            title: "SSM Agent on {name} ({id}) stopped reporting",
            description: "The on-premises server has not pinged Systems Manager recently. Check the agent, the service role of its hybrid activation and its network path to the SSM endpoints; once it is back, restart amazon-ssm-agent on the managed node.",
        },
    ),
    (
        4,
        Template {
            source: "SSM",
            category: "Availability",
            runbook: "{org}-RestartService",
            event_source: "aws.ssm",
            detail_type: "EC2 State Manager Instance Association State Change",
            title: "Association AWS-GatherSoftwareInventory failed on {name} ({id})",
            description: "The State Manager association failed on its last run on the on-premises server. Restart amazon-ssm-agent on the managed node if the agent reports errors.",
        },
    ),
    (
        5,
        Template {
            source: "CloudWatch",
            category: "Performance",
            runbook: "{org}-RestartService",
            event_source: "aws.cloudwatch",
            detail_type: "CloudWatch Alarm State Change",
            title: "CloudWatch alarm cpu-high-{name} is in ALARM state",
            description: "cpu_usage_active > 90 for 3 datapoints within 15 minutes on the on-premises server {id} (CloudWatch agent). Restart the service that spins on the managed node.",
        },
    ),
    (
        6,
        Template {
            source: "CloudWatch",
            category: "Performance",
            runbook: "{org}-RestartService",
            event_source: "aws.cloudwatch",
            detail_type: "CloudWatch Alarm State Change",
            title: "CloudWatch alarm disk-used-{name} is in ALARM state",
            description: "disk_used_percent > 85 on / for the on-premises server {id}. Rotate the logs, then restart the service on the managed node that still holds deleted files open.",
        },
    ),
];

/// The template for an item about `node`: the managed-node variant for a hybrid node.
fn template_for(t: usize, node: &Node) -> &'static Template {
    let tpl = &TEMPLATES[t];
    if !node.hybrid {
        return tpl;
    }
    MANAGED_NODE_TEMPLATES
        .iter()
        .find(|(i, _)| *i == t)
        .map_or(tpl, |(_, m)| m)
}

/// ARN of a runbook: AWS-owned ones have no account, the account's own carry its id.
fn runbook_arn(region: &str, account: &str, runbook: &str) -> String {
    if runbook.starts_with("AWS") {
        format!("arn:aws:ssm:{region}::document/{runbook}")
    } else {
        format!("arn:aws:ssm:{region}:{account}:document/{runbook}")
    }
}

fn node_arn(region: &str, account: &str, n: &Node) -> String {
    if n.hybrid {
        format!(
            "arn:aws:ssm:{region}:{account}:managed-instance/{}",
            n.instance_id
        )
    } else {
        format!("arn:aws:ec2:{region}:{account}:instance/{}", n.instance_id)
    }
}

/// The OpsItems of a scope as the estate starts with them.
pub(crate) fn generate(
    estate: &Estate,
    account: usize,
    region: &str,
    nodes: &[Node],
) -> Vec<OpsItem> {
    let acct = &estate.accounts[account];
    let mut rng =
        SplitMix::new(estate.seed ^ fnv64(&[acct.id.as_bytes(), region.as_bytes(), b"opsitems"]));
    if nodes.is_empty() {
        return Vec::new();
    }
    let count = (nodes.len() / 8).max(2) + rng.range(0, 3) as usize;
    let env = acct.name.split('-').nth(1).unwrap_or("prod");
    let org = super::documents::org_name(estate);
    let mut items = Vec::with_capacity(count);
    for i in 0..count {
        // Agent and patch items concentrate on the nodes that have those problems.
        let mut t = rng.range(0, TEMPLATES.len() as u64) as usize;
        let mut node = &nodes[rng.range(0, nodes.len() as u64) as usize];
        if t == 2
            && let Some(lost) = nodes
                .iter()
                .skip(i)
                .find(|n| n.ping == Ping::ConnectionLost)
        {
            node = lost;
        }
        if TEMPLATES[t].source == "RDS" && rng.unit() < 0.3 {
            t = 5;
        }
        let tpl = template_for(t, node);
        let runbook = tpl.runbook.replace(ORG, &org);
        let name = node.tag("Name").unwrap_or(&node.instance_id).to_string();
        let db = format!(
            "{env}-{}-db-{:02}",
            role(node).replace("db-", ""),
            i % 7 + 1
        );
        let fill = |s: &str| {
            s.replace("{name}", &name)
                .replace("{id}", &node.instance_id)
                .replace("{db}", &db)
        };
        let created = estate.started - rng.range(3600, 30 * 86_400) as f64;
        let status = rng.weighted(&[("Open", 0.55), ("InProgress", 0.25), ("Resolved", 0.2)]);
        let modified = if status == "Open" && rng.unit() < 0.5 {
            created
        } else {
            (created + rng.range(600, 5 * 86_400) as f64).min(estate.started)
        };
        let severity = rng.weighted(&[("1", 0.12), ("2", 0.3), ("3", 0.38), ("4", 0.2)]);
        let priority = rng.range(1, 6) as i64;
        let resource_arn = if tpl.source == "RDS" {
            format!("arn:aws:rds:{region}:{}:db:{db}", acct.id)
        } else {
            node_arn(region, &acct.id, node)
        };
        let mut data = BTreeMap::new();
        data.insert(
            "/aws/resources".to_string(),
            (
                json!([{ "arn": resource_arn }]).to_string(),
                "SearchableString".to_string(),
            ),
        );
        data.insert(
            "/aws/automations".to_string(),
            (
                json!([{ "automationType": "AWS:SSM:Automation", "automationId": runbook }])
                    .to_string(),
                "SearchableString".to_string(),
            ),
        );
        data.insert(
            "/aws/dedup".to_string(),
            (
                json!({ "dedupString": format!("{}-{}", tpl.detail_type, resource_arn) })
                    .to_string(),
                "SearchableString".to_string(),
            ),
        );
        let created_by = format!(
            "arn:aws:sts::{}:assumed-role/AWSServiceRoleForSystemsManagerOpsData/events",
            acct.id
        );
        let modifier = if modified > created {
            format!(
                "arn:aws:sts::{}:assumed-role/OpsOnCall/{}",
                acct.id,
                rng.pick(&["alice", "bob", "carol", "dan"])
            )
        } else {
            created_by.clone()
        };
        let id = format!("oi-{}", rng.hex(12));
        let events = (0..rng.range(1, 4))
            .map(|k| Event {
                id: format!("{}", 1000 + k),
                source: tpl.event_source.to_string(),
                detail_type: tpl.detail_type.to_string(),
                detail: json!({
                    "resources": [resource_arn],
                    "state": if k == 0 { "ALARM" } else { "ALARM_REPEAT" },
                })
                .to_string(),
                created_by: format!(
                    "arn:aws:events:{region}:{}:rule/opscenter-{}",
                    acct.id,
                    tpl.event_source.replace('.', "-")
                ),
                created: created + (k * 900) as f64,
            })
            .collect();
        let mut related = Vec::new();
        if rng.unit() < 0.6 {
            related.push(Related {
                association_id: format!(
                    "{}-{}-{}-{}-{}",
                    rng.hex(8),
                    rng.hex(4),
                    rng.hex(4),
                    rng.hex(4),
                    rng.hex(12)
                ),
                resource_type: "AWS::SSM::Document".into(),
                association_type: "RelatesTo".into(),
                resource_uri: runbook_arn(region, &acct.id, &runbook),
                created_by: created_by.clone(),
                created,
            });
        }
        items.push(OpsItem {
            id,
            account_id: acct.id.clone(),
            region: region.to_string(),
            title: fill(tpl.title),
            description: fill(tpl.description),
            source: tpl.source.to_string(),
            status: status.to_string(),
            severity: Some(severity.to_string()),
            priority: Some(priority),
            category: Some(tpl.category.to_string()),
            ops_item_type: "/aws/issue".into(),
            created_by,
            created,
            last_modified_by: modifier,
            last_modified: modified,
            data,
            notifications: Vec::new(),
            related_ops_items: Vec::new(),
            version: 1 + u64::from(modified > created),
            events,
            related,
        });
    }
    items
}

/// The RDS DB instances of a scope: the ones its generated RDS OpsItems name in
/// `/aws/resources` (`arn:aws:rds:REGION:ACCOUNT:db:ID`), sorted, without repeats.
pub(crate) fn db_instances(
    estate: &Estate,
    account: usize,
    region: &str,
    nodes: &[Node],
) -> Vec<String> {
    let mut dbs: Vec<String> = generate(estate, account, region, nodes)
        .iter()
        .filter_map(|item| {
            let text = item.resources();
            let start = text.find(":db:")? + 4;
            let id = text[start..].split('"').next()?;
            Some(id.to_string())
        })
        .collect();
    dbs.sort();
    dbs.dedup();
    dbs
}

// ---------------------------------------------------------------------------------------
// JSON

fn data_json(item: &OpsItem) -> Value {
    let mut m = Map::new();
    for (k, (v, t)) in &item.data {
        m.insert(k.clone(), json!({ "Value": v, "Type": t }));
    }
    Value::Object(m)
}

fn summary_json(item: &OpsItem) -> Value {
    let mut o = Map::new();
    o.insert("OpsItemId".into(), item.id.clone().into());
    o.insert("Title".into(), item.title.clone().into());
    o.insert("Source".into(), item.source.clone().into());
    o.insert("Status".into(), item.status.clone().into());
    o.insert("CreatedBy".into(), item.created_by.clone().into());
    o.insert("CreatedTime".into(), epoch_json(item.created));
    o.insert(
        "LastModifiedBy".into(),
        item.last_modified_by.clone().into(),
    );
    o.insert("LastModifiedTime".into(), epoch_json(item.last_modified));
    o.insert("OpsItemType".into(), item.ops_item_type.clone().into());
    o.insert("OperationalData".into(), data_json(item));
    if let Some(p) = item.priority {
        o.insert("Priority".into(), p.into());
    }
    if let Some(s) = &item.severity {
        o.insert("Severity".into(), s.clone().into());
    }
    if let Some(c) = &item.category {
        o.insert("Category".into(), c.clone().into());
    }
    Value::Object(o)
}

fn item_json(item: &OpsItem) -> Value {
    let mut v = summary_json(item);
    if let Value::Object(o) = &mut v {
        o.insert("Description".into(), item.description.clone().into());
        o.insert("Version".into(), item.version.to_string().into());
        o.insert("OpsItemArn".into(), item.arn().into());
        o.insert(
            "Notifications".into(),
            item.notifications
                .iter()
                .map(|a| json!({ "Arn": a }))
                .collect::<Vec<_>>()
                .into(),
        );
        o.insert(
            "RelatedOpsItems".into(),
            item.related_ops_items
                .iter()
                .map(|id| json!({ "OpsItemId": id }))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    v
}

// ---------------------------------------------------------------------------------------
// Request parsing shared by create and update

fn parse_operational_data(body: &Object, key: &str) -> Result<Option<OpsData>, ApiError> {
    let Some(v) = body.get(key) else {
        return Ok(None);
    };
    if v.is_null() {
        return Ok(None);
    }
    let Some(m) = v.as_object() else {
        return Err(ApiError::serialization(format!(
            "Unexpected value type for member '{key}': expected map"
        )));
    };
    let mut out = BTreeMap::new();
    for (k, val) in m {
        check_len(k, "operationalData.key", 1, 128)?;
        let lower = k.to_ascii_lowercase();
        let reserved = ["/aws/resources", "/aws/automations", "/aws/dedup"];
        if (lower.starts_with("aws")
            || lower.starts_with("amazon")
            || lower.starts_with("amzn")
            || lower.starts_with("/aws"))
            && !reserved.contains(&k.as_str())
        {
            return Err(invalid_parameter(format!(
                "Operational data keys can't begin with the reserved prefixes aws, amazon or amzn: {k}"
            )));
        }
        let obj = input::as_object(val, "OperationalData")?;
        let value = input::opt_str(obj, "Value")?.unwrap_or("").to_string();
        let typ = input::opt_str(obj, "Type")?.unwrap_or("SearchableString");
        check_enum(
            typ,
            "operationalData.value.type",
            &["SearchableString", "String"],
        )?;
        out.insert(k.clone(), (value, typ.to_string()));
    }
    Ok(Some(out))
}

fn parse_priority(body: &Object) -> Result<Option<i64>, ApiError> {
    let p = input::opt_int(body, "Priority")?;
    if let Some(p) = p {
        input::check_range(p, "priority", 1, 5)?;
    }
    Ok(p)
}

fn parse_arn_list(body: &Object, key: &str, field: &str) -> Result<Option<Vec<String>>, ApiError> {
    let Some(list) = input::opt_array(body, key)? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for v in list {
        let o = input::as_object(v, key)?;
        if let Some(s) = input::opt_str(o, field)? {
            out.push(s.to_string());
        }
    }
    Ok(Some(out))
}

fn opt_len(
    body: &Object,
    key: &str,
    member: &str,
    min: usize,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match input::opt_str(body, key)? {
        None => Ok(None),
        Some(s) => {
            check_len(s, member, min, max)?;
            Ok(Some(s.to_string()))
        }
    }
}

fn caller_arn(ctx: &Ctx<'_>) -> String {
    format!(
        "arn:aws:iam::{}:user/sim-admin",
        ctx.estate.accounts[ctx.account].id
    )
}

// ---------------------------------------------------------------------------------------
// Operations

pub(crate) fn create_ops_item(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let description = required_str(body, "Description", "description")?;
    check_len(description, "description", 1, 2048)?;
    let source = required_str(body, "Source", "source")?;
    check_len(source, "source", 1, 128)?;
    if source.trim().is_empty() {
        return Err(ApiError::validation(constraint_message(
            &format!("'{source}'"),
            "source",
            "Member must satisfy regular expression pattern: ^(?!\\s*$).+",
        )));
    }
    let title = required_str(body, "Title", "title")?;
    check_len(title, "title", 1, 1024)?;
    let priority = parse_priority(body)?;
    let severity = opt_len(body, "Severity", "severity", 1, 64)?;
    let category = opt_len(body, "Category", "category", 1, 64)?;
    let ops_item_type = opt_len(body, "OpsItemType", "opsItemType", 1, 256)?;
    let data = parse_operational_data(body, "OperationalData")?.unwrap_or_default();
    let notifications = parse_arn_list(body, "Notifications", "Arn")?.unwrap_or_default();
    let related = parse_arn_list(body, "RelatedOpsItems", "OpsItemId")?.unwrap_or_default();
    for id in &related {
        check_id(id, "relatedOpsItems.member.opsItemId")?;
    }
    if let Some(acct) = input::opt_str(body, "AccountId")?
        && acct != ctx.estate.accounts[ctx.account].id
    {
        return Err(ApiError::new(
            400,
            "OpsItemAccessDeniedException",
            "You don't have permission to create OpsItems in that account.",
        ));
    }

    let (_, st) = caller_scope(ctx);
    let mut st = state(&st);
    let mut rng = SplitMix::new(
        fnv64(&[title.as_bytes(), &ctx.now.to_le_bytes()]) ^ st.ops_items.len() as u64,
    );
    let id = loop {
        let candidate = format!("oi-{}", rng.hex(12));
        if !st.ops_items.iter().any(|i| i.id == candidate) {
            break candidate;
        }
    };
    let by = caller_arn(ctx);
    let item = OpsItem {
        id: id.clone(),
        account_id: ctx.estate.accounts[ctx.account].id.clone(),
        region: ctx.region.to_string(),
        title: title.to_string(),
        description: description.to_string(),
        source: source.to_string(),
        status: "Open".into(),
        severity,
        priority,
        category,
        ops_item_type: ops_item_type.unwrap_or_else(|| "/aws/issue".into()),
        created_by: by.clone(),
        created: ctx.now,
        last_modified_by: by,
        last_modified: ctx.now,
        data,
        notifications,
        related_ops_items: related,
        version: 1,
        events: Vec::new(),
        related: Vec::new(),
    };
    let arn = item.arn();
    st.ops_items.push(item);
    Ok(json!({ "OpsItemId": id, "OpsItemArn": arn }))
}

pub(crate) fn get_ops_item(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "OpsItemId", "opsItemId")?;
    check_id(id, "opsItemId")?;
    let (_, st) = caller_scope(ctx);
    let st = state(&st);
    let item = st
        .ops_items
        .iter()
        .find(|i| i.id == id)
        .ok_or_else(|| not_found(id))?;
    Ok(json!({ "OpsItem": item_json(item) }))
}

pub(crate) fn update_ops_item(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "OpsItemId", "opsItemId")?;
    check_id(id, "opsItemId")?;
    let description = opt_len(body, "Description", "description", 1, 2048)?;
    let title = opt_len(body, "Title", "title", 1, 1024)?;
    let status = input::opt_str(body, "Status")?;
    if let Some(s) = status {
        check_enum(s, "status", STATUSES)?;
    }
    let priority = parse_priority(body)?;
    let severity = opt_len(body, "Severity", "severity", 1, 64)?;
    let category = opt_len(body, "Category", "category", 1, 64)?;
    let data = parse_operational_data(body, "OperationalData")?;
    let delete = input::opt_array(body, "OperationalDataToDelete")?
        .map(|a| input::string_list(a, "OperationalDataToDelete"))
        .transpose()?;
    let notifications = parse_arn_list(body, "Notifications", "Arn")?;
    let related = parse_arn_list(body, "RelatedOpsItems", "OpsItemId")?;
    if let Some(r) = &related {
        for rid in r {
            check_id(rid, "relatedOpsItems.member.opsItemId")?;
        }
    }

    let (_, st) = caller_scope(ctx);
    let mut st = state(&st);
    let item = st
        .ops_items
        .iter_mut()
        .find(|i| i.id == id)
        .ok_or_else(|| not_found(id))?;
    if let Some(v) = description {
        item.description = v;
    }
    if let Some(v) = title {
        item.title = v;
    }
    if let Some(v) = status {
        item.status = v.to_string();
    }
    if let Some(v) = priority {
        item.priority = Some(v);
    }
    if let Some(v) = severity {
        item.severity = Some(v);
    }
    if let Some(v) = category {
        item.category = Some(v);
    }
    if let Some(d) = data {
        item.data.extend(d);
    }
    for k in delete.unwrap_or_default() {
        item.data.remove(&k);
    }
    if let Some(n) = notifications {
        item.notifications = n;
    }
    if let Some(r) = related {
        item.related_ops_items = r;
    }
    item.last_modified = ctx.now.max(item.last_modified);
    item.last_modified_by = caller_arn(ctx);
    item.version += 1;
    Ok(json!({}))
}

const FILTER_KEYS: &[&str] = &[
    "Status",
    "CreatedBy",
    "Source",
    "Priority",
    "Title",
    "OpsItemId",
    "CreatedTime",
    "LastModifiedTime",
    "ActualStartTime",
    "ActualEndTime",
    "PlannedStartTime",
    "PlannedEndTime",
    "OperationalData",
    "OperationalDataKey",
    "OperationalDataValue",
    "ResourceId",
    "AutomationId",
    "Category",
    "Severity",
    "OpsItemType",
    "AccessRequestByRequesterArn",
    "AccessRequestByRequesterId",
    "AccessRequestByApproverArn",
    "AccessRequestByApproverId",
    "AccessRequestBySourceAccountId",
    "AccessRequestBySourceOpsItemId",
    "AccessRequestBySourceRegion",
    "AccessRequestByIsReplica",
    "AccessRequestByTargetResourceId",
    "ChangeRequestByRequesterArn",
    "ChangeRequestByRequesterName",
    "ChangeRequestByApproverArn",
    "ChangeRequestByApproverName",
    "ChangeRequestByTemplate",
    "ChangeRequestByTargetsResourceGroup",
    "InsightByType",
    "AccountId",
];
const OPERATORS: &[&str] = &["Equal", "Contains", "GreaterThan", "LessThan"];

/// Operators the reference allows per key; keys not listed take `Equal`.
fn allowed_operators(key: &str) -> &'static [&'static str] {
    match key {
        "CreatedTime" | "LastModifiedTime" | "ActualStartTime" | "ActualEndTime"
        | "PlannedStartTime" | "PlannedEndTime" => &["GreaterThan", "LessThan"],
        "Source" | "Title" | "OperationalDataValue" => &["Equal", "Contains"],
        "ResourceId" => &["Contains"],
        _ => &["Equal"],
    }
}

struct OpsFilter {
    key: String,
    values: Vec<String>,
    op: String,
    times: Vec<f64>,
}

fn parse_ops_filters(body: &Object) -> Result<Vec<OpsFilter>, ApiError> {
    let Some(list) = input::opt_array(body, "OpsItemFilters")? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let path = format!("opsItemFilters.{}.member", i + 1);
        let o = input::as_object(v, "OpsItemFilters")?;
        let key = input::opt_str(o, "Key")?.ok_or_else(|| missing(&format!("{path}.key")))?;
        let op =
            input::opt_str(o, "Operator")?.ok_or_else(|| missing(&format!("{path}.operator")))?;
        let values = input::string_list(
            input::opt_array(o, "Values")?.ok_or_else(|| missing(&format!("{path}.values")))?,
            "Values",
        )?;
        check_enum(key, &format!("{path}.key"), FILTER_KEYS)?;
        check_enum(op, &format!("{path}.operator"), OPERATORS)?;
        if !allowed_operators(key).contains(&op) {
            return Err(ApiError::validation(format!(
                "The operator {op} is not supported for the filter key {key}. Supported operators: {}.",
                allowed_operators(key).join(", ")
            )));
        }
        if key == "Title" && op == "Equal" && values.iter().any(|v| v.chars().count() > 100) {
            return Err(ApiError::validation(
                "The filter value for Title exceeds the length limit of 100 characters.",
            ));
        }
        let mut times = Vec::new();
        if allowed_operators(key)[0] == "GreaterThan" {
            for v in &values {
                times.push(parse_time(v).ok_or_else(|| {
                    ApiError::validation(format!(
                        "The filter value {v} is not a valid timestamp for {key}."
                    ))
                })?);
            }
        }
        if key == "OpsItemId"
            && let Some(bad) = values.iter().find(|v| !valid_id(v))
        {
            return Err(ApiError::validation(format!(
                "The filter value {bad} is not a valid OpsItem id."
            )));
        }
        out.push(OpsFilter {
            key: key.to_string(),
            values,
            op: op.to_string(),
            times,
        });
    }
    Ok(out)
}

fn matches(item: &OpsItem, f: &OpsFilter) -> bool {
    let text = |field: &str| -> bool {
        f.values.iter().any(|v| match f.op.as_str() {
            "Contains" => field.contains(v.as_str()),
            _ => field == v,
        })
    };
    let time = |t: f64| -> bool {
        f.times.iter().any(|x| match f.op.as_str() {
            "GreaterThan" => t > *x,
            _ => t < *x,
        })
    };
    match f.key.as_str() {
        "Status" => text(&item.status),
        "CreatedBy" => text(&item.created_by),
        "Source" => text(&item.source),
        "Priority" => item.priority.is_some_and(|p| text(&p.to_string())),
        "Title" => text(&item.title.chars().take(100).collect::<String>()) || text(&item.title),
        "OpsItemId" => text(&item.id),
        "CreatedTime" => time(item.created),
        "LastModifiedTime" => time(item.last_modified),
        "OperationalData" => f.values.iter().any(|v| {
            serde_json::from_str::<Value>(v).ok().is_some_and(|q| {
                let key = q.get("key").and_then(Value::as_str).unwrap_or("");
                let value = q.get("value").and_then(Value::as_str).unwrap_or("");
                item.data.get(key).is_some_and(|(dv, _)| dv == value)
            })
        }),
        "OperationalDataKey" => item.data.keys().any(|k| text(k)),
        "OperationalDataValue" => item.data.values().any(|(v, _)| text(v)),
        "ResourceId" => text(item.resources()),
        "AutomationId" => item.automations().iter().any(|a| text(a)),
        "Category" => item.category.as_deref().is_some_and(text),
        "Severity" => item.severity.as_deref().is_some_and(text),
        "OpsItemType" => text(&item.ops_item_type),
        "AccountId" => text(&item.account_id),
        _ => false,
    }
}

pub(crate) fn describe_ops_items(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let filters = parse_ops_filters(body)?;
    let hash = query_hash(ctx, "DescribeOpsItems", body);
    let start = page_start(body, hash)?;
    let (_, st) = caller_scope(ctx);
    let st = state(&st);
    let mut selected: Vec<&OpsItem> = st
        .ops_items
        .iter()
        .filter(|i| filters.iter().all(|f| matches(i, f)))
        .collect();
    // Newest first; creation time does not change, so pages stay stable across updates.
    selected.sort_by(|a, b| b.created.total_cmp(&a.created).then(a.id.cmp(&b.id)));
    let (s, e, next) = page(start, size, selected.len(), hash)?;
    let mut out = Map::new();
    out.insert(
        "OpsItemSummaries".into(),
        selected[s..e]
            .iter()
            .map(|i| summary_json(i))
            .collect::<Vec<_>>()
            .into(),
    );
    if let Some(t) = next {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}

pub(crate) fn list_ops_item_events(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let mut ids: Option<Vec<String>> = None;
    if let Some(list) = input::opt_array(body, "Filters")? {
        for (i, v) in list.iter().enumerate() {
            let path = format!("filters.{}.member", i + 1);
            let o = input::as_object(v, "Filters")?;
            let key = input::opt_str(o, "Key")?.ok_or_else(|| missing(&format!("{path}.key")))?;
            check_enum(key, &format!("{path}.key"), &["OpsItemId"])?;
            let op = input::opt_str(o, "Operator")?
                .ok_or_else(|| missing(&format!("{path}.operator")))?;
            check_enum(op, &format!("{path}.operator"), &["Equal"])?;
            let values = input::string_list(
                input::opt_array(o, "Values")?.ok_or_else(|| missing(&format!("{path}.values")))?,
                "Values",
            )?;
            for v in &values {
                if !valid_id(v) {
                    return Err(invalid_parameter(format!(
                        "The OpsItem id {v} is not valid."
                    )));
                }
            }
            ids.get_or_insert_with(Vec::new).extend(values);
        }
    }
    let hash = query_hash(ctx, "ListOpsItemEvents", body);
    let start = page_start(body, hash)?;
    let (_, st) = caller_scope(ctx);
    let st = state(&st);
    if let Some(ids) = &ids
        && let Some(missing_id) = ids
            .iter()
            .find(|id| !st.ops_items.iter().any(|i| &i.id == *id))
    {
        return Err(not_found(missing_id));
    }
    let mut events: Vec<(&OpsItem, &Event)> = st
        .ops_items
        .iter()
        .filter(|i| ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .flat_map(|i| i.events.iter().map(move |e| (i, e)))
        .collect();
    events.sort_by(|a, b| {
        b.1.created
            .total_cmp(&a.1.created)
            .then(a.0.id.cmp(&b.0.id))
    });
    let (s, e, next) = page(start, size, events.len(), hash)?;
    let summaries: Vec<Value> = events[s..e]
        .iter()
        .map(|(i, ev)| {
            json!({
                "OpsItemId": i.id,
                "EventId": ev.id,
                "Source": ev.source,
                "DetailType": ev.detail_type,
                "Detail": ev.detail,
                "CreatedBy": { "Arn": ev.created_by },
                "CreatedTime": epoch_json(ev.created),
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("Summaries".into(), summaries.into());
    if let Some(t) = next {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}

pub(crate) fn list_ops_item_related_items(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let ops_item_id = input::opt_str(body, "OpsItemId")?;
    if let Some(id) = ops_item_id {
        check_id(id, "opsItemId")?;
    }
    let mut filters: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(list) = input::opt_array(body, "Filters")? {
        for (i, v) in list.iter().enumerate() {
            let path = format!("filters.{}.member", i + 1);
            let o = input::as_object(v, "Filters")?;
            let key = input::opt_str(o, "Key")?.ok_or_else(|| missing(&format!("{path}.key")))?;
            check_enum(
                key,
                &format!("{path}.key"),
                &["ResourceType", "AssociationId", "ResourceUri"],
            )?;
            let op = input::opt_str(o, "Operator")?
                .ok_or_else(|| missing(&format!("{path}.operator")))?;
            check_enum(op, &format!("{path}.operator"), &["Equal"])?;
            let values = input::string_list(
                input::opt_array(o, "Values")?.ok_or_else(|| missing(&format!("{path}.values")))?,
                "Values",
            )?;
            filters.push((key.to_string(), values));
        }
    }
    let hash = query_hash(ctx, "ListOpsItemRelatedItems", body);
    let start = page_start(body, hash)?;
    let (_, st) = caller_scope(ctx);
    let st = state(&st);
    let rows: Vec<(&OpsItem, &Related)> = st
        .ops_items
        .iter()
        .filter(|i| ops_item_id.is_none_or(|id| id == i.id))
        .flat_map(|i| i.related.iter().map(move |r| (i, r)))
        .filter(|(_, r)| {
            filters.iter().all(|(k, vals)| {
                let field = match k.as_str() {
                    "ResourceType" => &r.resource_type,
                    "AssociationId" => &r.association_id,
                    _ => &r.resource_uri,
                };
                vals.iter().any(|v| v == field)
            })
        })
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    let summaries: Vec<Value> = rows[s..e]
        .iter()
        .map(|(i, r)| {
            json!({
                "OpsItemId": i.id,
                "AssociationId": r.association_id,
                "ResourceType": r.resource_type,
                "AssociationType": r.association_type,
                "ResourceUri": r.resource_uri,
                "CreatedBy": { "Arn": r.created_by },
                "CreatedTime": epoch_json(r.created),
                "LastModifiedBy": { "Arn": r.created_by },
                "LastModifiedTime": epoch_json(r.created),
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("Summaries".into(), summaries.into());
    if let Some(t) = next {
        out.insert("NextToken".into(), t.into());
    }
    Ok(Value::Object(out))
}
