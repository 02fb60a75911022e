//! The OpsItems a scope starts with: generated from the estate on first use of the scope
//! (by [`super::store::scope`]), then kept and changed by the OpsCenter operations. The
//! RDS DB instances Automation acts on are the ones these items name.

use std::collections::BTreeMap;

use serde_json::json;

use super::estate::{Estate, Node, Ping};
use super::ops_data::role;
use super::records::{Event, OpsItem, Related};
use super::wire::{SplitMix, fnv64};

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
    let org = estate.org_name();
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
                association_id: rng.uuid(),
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
