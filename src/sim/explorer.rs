//! Explorer: `GetOpsSummary` over OpsData of the caller's scope or, through the
//! organization's resource data sync, of every account and region; `ListResourceDataSync`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::compliance::summaries;
use super::ctx::Ctx;
use super::estate::{Node, Ping};
use super::input::{self, Object};
use super::inventory::{FILTER_TYPES, invalid_type};
use super::ops_data::{iso, role};
use super::request::{
    check_count, check_enum, check_len, filter_str, filter_values, max_results, missing, page,
    page_json, page_start, query_hash,
};
use super::store::{ScopeState, scope, state};
use super::wire::{ApiError, constraint_message, epoch_json};

/// The organization-wide sync the management account owns in the first estate region.
pub(crate) const ORG_SYNC: &str = "org-explorer-sync";

const TYPES: &[&str] = &[
    "AWS:OpsItem",
    "AWS:EC2InstanceInformation",
    "AWS:ComplianceResourceSummary",
    "AWS:InstanceInformation",
];

type Row = Map<String, Value>;

fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

fn sync_not_found(name: &str) -> ApiError {
    ApiError::new(
        400,
        "ResourceDataSyncNotFoundException",
        format!("Resource data sync {name} not found."),
    )
}

/// Whether the caller sees the organization sync.
fn owns_sync(ctx: &Ctx<'_>) -> bool {
    ctx.account == 0 && ctx.estate.regions.first().is_some_and(|r| r == ctx.region)
}

/// Rows of one type in one scope: (entity id, attributes).
fn scope_rows(
    ctx: &Ctx<'_>,
    type_name: &str,
    account: usize,
    region: &str,
    nodes: &[Node],
    st: &ScopeState,
    out: &mut Vec<(String, Row)>,
) {
    let account_id = ctx.estate.accounts[account].id.as_str();
    let base = |r: &mut Row| {
        r.insert("AccountId".into(), s(account_id));
        r.insert("Region".into(), s(region));
    };
    match type_name {
        "AWS:OpsItem" => {
            for i in &st.ops_items {
                let mut r = Row::new();
                r.insert("OpsItemId".into(), s(&i.id));
                r.insert("Title".into(), s(&i.title));
                r.insert("Status".into(), s(&i.status));
                r.insert("Source".into(), s(&i.source));
                r.insert("OpsItemType".into(), s(&i.ops_item_type));
                if let Some(v) = &i.severity {
                    r.insert("Severity".into(), s(v));
                }
                if let Some(v) = i.priority {
                    r.insert("Priority".into(), s(v.to_string()));
                }
                if let Some(v) = &i.category {
                    r.insert("Category".into(), s(v));
                }
                r.insert("CreatedTime".into(), s(iso(i.created)));
                r.insert("LastModifiedTime".into(), s(iso(i.last_modified)));
                base(&mut r);
                out.push((i.id.clone(), r));
            }
        }
        "AWS:EC2InstanceInformation" => {
            for n in nodes.iter().filter(|n| !n.hybrid) {
                let mut r = Row::new();
                r.insert("ResourceId".into(), s(&n.instance_id));
                r.insert("InstanceId".into(), s(&n.instance_id));
                let state = if n.ping == Ping::Inactive {
                    "stopped"
                } else {
                    "running"
                };
                r.insert("InstanceState".into(), s(state));
                r.insert("InstanceType".into(), s(instance_type(n)));
                r.insert("PlatformType".into(), s(n.platform.as_str()));
                r.insert("PlatformName".into(), s(n.platform_name));
                r.insert("PrivateIpAddress".into(), s(n.ip_string()));
                base(&mut r);
                out.push((n.instance_id.clone(), r));
            }
        }
        "AWS:InstanceInformation" => {
            for n in nodes {
                let mut r = Row::new();
                r.insert("InstanceId".into(), s(&n.instance_id));
                r.insert("ResourceType".into(), s(n.resource_type()));
                r.insert("PingStatus".into(), s(n.ping.as_str()));
                r.insert("PlatformType".into(), s(n.platform.as_str()));
                r.insert("PlatformName".into(), s(n.platform_name));
                r.insert("PlatformVersion".into(), s(n.platform_version));
                r.insert("AgentVersion".into(), s(n.agent_version));
                r.insert("IsLatestVersion".into(), s(n.is_latest().to_string()));
                r.insert("ComputerName".into(), s(&n.computer_name));
                r.insert("IpAddress".into(), s(n.ip_string()));
                if let Some(a) = &n.association {
                    r.insert("AssociationStatus".into(), s(a.status));
                }
                base(&mut r);
                out.push((n.instance_id.clone(), r));
            }
        }
        "AWS:ComplianceResourceSummary" => {
            for n in nodes {
                for c in summaries(ctx.estate.seed, ctx.now, ctx.estate.started, st, n) {
                    let mut r = Row::new();
                    r.insert("ResourceId".into(), s(&n.instance_id));
                    r.insert("ResourceType".into(), s("ManagedInstance"));
                    r.insert("ComplianceType".into(), s(&c.compliance_type));
                    r.insert("Status".into(), s(c.status()));
                    r.insert("OverallSeverity".into(), s(c.overall_severity()));
                    r.insert("CompliantCount".into(), s(c.compliant_count.to_string()));
                    r.insert(
                        "NonCompliantCount".into(),
                        s(c.non_compliant_count.to_string()),
                    );
                    r.insert("ExecutionTime".into(), s(iso(c.execution_time)));
                    if let Some(g) = n.tag("Patch Group") {
                        r.insert("PatchGroup".into(), s(g));
                    }
                    base(&mut r);
                    out.push((format!("{}/{}", n.instance_id, c.compliance_type), r));
                }
            }
        }
        _ => {}
    }
}

fn instance_type(n: &Node) -> &'static str {
    match role(n) {
        "db" | "db-replica" | "sql" | "kafka" | "search" => "r6i.xlarge",
        "cache" => "r6g.large",
        "bastion" | "proxy" | "rdgw" => "t3.small",
        "build-mac" => "mac2.metal",
        "batch" | "etl" | "worker" => "c6i.2xlarge",
        _ => "m6i.large",
    }
}

/// Rows of `type_name` for the query's scopes.
fn rows(ctx: &Ctx<'_>, type_name: &str, org: bool) -> Vec<(String, Row)> {
    let mut out = Vec::new();
    let scopes: Vec<(usize, String)> = if org {
        (0..ctx.estate.accounts.len())
            .filter(|a| !ctx.estate.accounts[*a].suspended)
            .flat_map(|a| ctx.estate.regions.iter().map(move |r| (a, r.clone())))
            .collect()
    } else {
        vec![(ctx.account, ctx.region.to_string())]
    };
    for (a, r) in scopes {
        if let Some((nodes, st)) = scope(ctx.estate, a, &r) {
            let st = state(&st);
            scope_rows(ctx, type_name, a, &r, &nodes, &st, &mut out);
        }
    }
    out
}

struct Filter {
    /// `None`: applies to whatever type is queried.
    type_name: Option<String>,
    attribute: String,
    values: Vec<String>,
    op: String,
}

impl Filter {
    fn applies(&self, type_name: &str) -> bool {
        self.type_name.as_deref().is_none_or(|t| t == type_name)
    }

    fn test(&self, r: &Row) -> bool {
        let Some(v) = r.get(&self.attribute).and_then(Value::as_str) else {
            return false;
        };
        let cmp = |x: &str| match (v.parse::<f64>(), x.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.total_cmp(&b),
            _ => v.cmp(x),
        };
        match self.op.as_str() {
            "Exists" => true,
            "NotEqual" => self.values.iter().all(|x| x != v),
            "BeginWith" => self.values.iter().any(|x| v.starts_with(x.as_str())),
            "LessThan" => self.values.iter().any(|x| cmp(x).is_lt()),
            "GreaterThan" => self.values.iter().any(|x| cmp(x).is_gt()),
            _ => self.values.iter().any(|x| x == v),
        }
    }
}

fn parse_filters(list: &[Value], member: &str) -> Result<Vec<Filter>, ApiError> {
    check_count(list.len(), member, 1, 5)?;
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let path = format!("{member}.{}.member", i + 1);
        let o = input::as_object(v, "Filters")?;
        let key = filter_str(o, "Key", &path)?;
        check_len(key, &format!("{path}.key"), 1, 200)?;
        let values = filter_values(o, &path)?;
        check_count(values.len(), &format!("{path}.values"), 1, 40)?;
        let op = input::opt_str(o, "Type")?.unwrap_or("Equal");
        check_enum(op, &format!("{path}.type"), FILTER_TYPES)?;
        let (type_name, attribute) = match key.rsplit_once('.') {
            Some((t, a)) if TYPES.contains(&t) && !a.is_empty() => (Some(t.to_string()), a),
            Some((t, _)) if t.contains(':') => {
                return Err(ApiError::new(
                    400,
                    "InvalidFilter",
                    format!("The filter key {key} is not valid: unknown type {t}."),
                ));
            }
            _ => (None, key),
        };
        out.push(Filter {
            type_name,
            attribute: attribute.to_string(),
            values,
            op: op.to_string(),
        });
    }
    Ok(out)
}

struct Aggregator {
    type_name: String,
    attributes: Vec<String>,
    filters: Vec<Filter>,
}

fn invalid_aggregator(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidAggregatorException", message)
}

fn parse_aggregators(
    list: &[Value],
    parent: Option<&Aggregator>,
    depth: usize,
    out: &mut Vec<Aggregator>,
) -> Result<(), ApiError> {
    check_count(list.len(), "aggregators", 1, 12)?;
    for v in list {
        let o = input::as_object(v, "Aggregators")?;
        let kind = input::opt_str(o, "AggregatorType")?.unwrap_or("count");
        check_len(kind, "aggregators.member.aggregatorType", 1, 20)?;
        if !matches!(kind, "range" | "count" | "sum") {
            return Err(ApiError::validation(constraint_message(
                &format!("'{kind}'"),
                "aggregators.member.aggregatorType",
                "Member must satisfy regular expression pattern: ^(range|count|sum)",
            )));
        }
        if kind != "count" {
            return Err(invalid_aggregator(format!(
                "The {kind} aggregator type is not supported by the simulated estate; use count."
            )));
        }
        let type_name = match (input::opt_str(o, "TypeName")?, parent) {
            (Some(t), _) => t.to_string(),
            (None, Some(p)) => p.type_name.clone(),
            (None, None) => {
                return Err(invalid_aggregator("An aggregator needs a TypeName."));
            }
        };
        if !TYPES.contains(&type_name.as_str()) {
            return Err(invalid_type(&type_name));
        }
        if let Some(p) = parent
            && p.type_name != type_name
        {
            return Err(invalid_aggregator(format!(
                "A nested aggregator must use the type of its parent ({}), not {type_name}.",
                p.type_name
            )));
        }
        let attribute = input::opt_str(o, "AttributeName")?
            .ok_or_else(|| invalid_aggregator("An aggregator needs an AttributeName."))?;
        check_len(attribute, "aggregators.member.attributeName", 1, 128)?;
        let mut attributes = parent.map(|p| p.attributes.clone()).unwrap_or_default();
        attributes.push(attribute.to_string());
        let mut filters = Vec::new();
        if let Some(p) = parent {
            for f in &p.filters {
                filters.push(Filter {
                    type_name: f.type_name.clone(),
                    attribute: f.attribute.clone(),
                    values: f.values.clone(),
                    op: f.op.clone(),
                });
            }
        }
        if let Some(list) = input::opt_array(o, "Filters")? {
            filters.extend(parse_filters(list, "aggregators.member.filters")?);
        }
        let this = Aggregator {
            type_name,
            attributes,
            filters,
        };
        match input::opt_array(o, "Aggregators")? {
            Some(nested) if !nested.is_empty() => {
                if depth >= 5 {
                    return Err(invalid_aggregator("Aggregators are nested too deeply."));
                }
                parse_aggregators(nested, Some(&this), depth + 1, out)?;
            }
            _ => out.push(this),
        }
    }
    Ok(())
}

pub(crate) fn get_ops_summary(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let sync = input::opt_str(body, "SyncName")?;
    if let Some(name) = sync {
        check_len(name, "syncName", 1, 64)?;
        if name != ORG_SYNC || !owns_sync(ctx) {
            return Err(sync_not_found(name));
        }
    }
    let filters = match input::opt_array(body, "Filters")? {
        Some(list) => parse_filters(list, "filters")?,
        None => Vec::new(),
    };
    let mut types = Vec::new();
    if let Some(list) = input::opt_array(body, "ResultAttributes")? {
        check_count(list.len(), "resultAttributes", 1, usize::MAX)?;
        for (i, v) in list.iter().enumerate() {
            let o = input::as_object(v, "ResultAttributes")?;
            let t = input::opt_str(o, "TypeName")?
                .ok_or_else(|| missing(&format!("resultAttributes.{}.member.typeName", i + 1)))?;
            check_len(t, "resultAttributes.member.typeName", 1, 100)?;
            if !TYPES.contains(&t) {
                return Err(invalid_type(t));
            }
            types.push(t.to_string());
        }
    }
    let mut aggregators = Vec::new();
    if let Some(list) = input::opt_array(body, "Aggregators")? {
        parse_aggregators(list, None, 1, &mut aggregators)?;
    }
    if types.is_empty() && aggregators.is_empty() {
        types.push("AWS:OpsItem".into());
    }
    let hash = query_hash(ctx, "GetOpsSummary", body);
    let start = page_start(body, hash)?;
    let org = sync.is_some();
    let capture = iso(ctx.now);
    let pass = |t: &str, r: &Row, extra: &[Filter]| {
        filters
            .iter()
            .chain(extra)
            .filter(|f| f.applies(t))
            .all(|f| f.test(r))
    };

    let mut entities: Vec<Value> = Vec::new();
    if !aggregators.is_empty() {
        let mut cache: BTreeMap<String, Vec<(String, Row)>> = BTreeMap::new();
        for a in &aggregators {
            let all = cache
                .entry(a.type_name.clone())
                .or_insert_with(|| rows(ctx, &a.type_name, org));
            let mut counts: BTreeMap<Vec<String>, u64> = BTreeMap::new();
            for (_, r) in all
                .iter()
                .filter(|(_, r)| pass(&a.type_name, r, &a.filters))
            {
                let key: Option<Vec<String>> = a
                    .attributes
                    .iter()
                    .map(|k| r.get(k).and_then(Value::as_str).map(str::to_string))
                    .collect();
                if let Some(k) = key {
                    *counts.entry(k).or_default() += 1;
                }
            }
            let content: Vec<Value> = counts
                .into_iter()
                .map(|(k, c)| {
                    let mut r = Row::new();
                    for (a, v) in a.attributes.iter().zip(k) {
                        r.insert(a.clone(), v.into());
                    }
                    r.insert("Count".into(), c.to_string().into());
                    Value::Object(r)
                })
                .collect();
            let mut data = Map::new();
            data.insert(
                a.type_name.clone(),
                json!({ "CaptureTime": capture, "Content": content }),
            );
            entities.push(json!({
                "Id": format!("{}.{}", a.type_name, a.attributes.join(".")),
                "Data": data,
            }));
        }
    } else {
        for t in &types {
            for (id, r) in rows(ctx, t, org) {
                if !pass(t, &r, &[]) {
                    continue;
                }
                let mut data = Map::new();
                data.insert(
                    t.clone(),
                    json!({ "CaptureTime": capture, "Content": [Value::Object(r)] }),
                );
                entities.push(json!({ "Id": id, "Data": data }));
            }
        }
    }
    let (s, e, next) = page(start, size, entities.len(), hash)?;
    Ok(page_json("Entities", entities[s..e].to_vec(), next))
}

pub(crate) fn list_resource_data_sync(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let sync_type = input::opt_str(body, "SyncType")?;
    if let Some(t) = sync_type {
        check_len(t, "syncType", 1, 64)?;
        if !matches!(t, "SyncFromSource" | "SyncToDestination") {
            return Err(ApiError::new(
                400,
                "ResourceDataSyncInvalidConfigurationException",
                format!(
                    "The sync type {t} is not valid. Valid values: SyncFromSource, SyncToDestination."
                ),
            ));
        }
    }
    let hash = query_hash(ctx, "ListResourceDataSync", body);
    let start = page_start(body, hash)?;
    let mut items = Vec::new();
    if owns_sync(ctx) && sync_type.is_none_or(|t| t == "SyncFromSource") {
        let created = ctx.estate.started - 200.0 * 86_400.0;
        let last = ctx.now - (ctx.now % 1800.0);
        items.push(json!({
            "SyncName": ORG_SYNC,
            "SyncType": "SyncFromSource",
            "SyncSource": {
                "SourceType": "AwsOrganizations",
                "AwsOrganizationsSource": { "OrganizationSourceType": "EntireOrganization" },
                "SourceRegions": ctx.estate.regions,
                "IncludeFutureRegions": false,
                "State": "Active",
                "EnableAllOpsDataSources": true,
            },
            "LastSyncTime": epoch_json(last),
            "LastSuccessfulSyncTime": epoch_json(last),
            "SyncLastModifiedTime": epoch_json(created),
            "LastStatus": "Successful",
            "SyncCreatedTime": epoch_json(created),
        }));
    }
    let (s, e, next) = page(start, size, items.len(), hash)?;
    Ok(page_json(
        "ResourceDataSyncItems",
        items[s..e].to_vec(),
        next,
    ))
}
