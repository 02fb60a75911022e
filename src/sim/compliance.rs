//! Compliance: `ListComplianceSummaries`, `ListResourceComplianceSummaries`,
//! `ListComplianceItems`, `PutComplianceItems`. Generated compliance follows the nodes'
//! patch groups and association status; what is put replaces it per (resource, type).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::associations;
use super::ctx::Ctx;
use super::estate::Node;
use super::input::{self, Object};
use super::ops_data::{
    ComplianceItem, SEVERITIES, baseline_for, compliance_severity, generated_items,
    generated_types, installed_severity, patch_facts, sev_index,
};
use super::request::{
    check_count, check_enum, check_len, filter_str, filter_values, max_results, missing, page,
    page_json, page_start, query_hash, read_filters, required_str,
};
use super::store::{PutCompliance, PutItem, ScopeState, state};
use super::wire::{ApiError, constraint_message, epoch_json};

const FILTER_TYPES: &[&str] = &[
    "EQUAL",
    "NOT_EQUAL",
    "BEGIN_WITH",
    "LESS_THAN",
    "GREATER_THAN",
];
const RESOURCE_TYPE: &str = "ManagedInstance";

pub(crate) struct Filter {
    pub key: String,
    pub values: Vec<String>,
    pub op: String,
}

impl Filter {
    pub fn test(&self, v: &str) -> bool {
        match self.op.as_str() {
            "NOT_EQUAL" => self.values.iter().all(|x| x != v),
            "BEGIN_WITH" => self.values.iter().any(|x| v.starts_with(x.as_str())),
            "LESS_THAN" => self.values.iter().any(|x| v < x.as_str()),
            "GREATER_THAN" => self.values.iter().any(|x| v > x.as_str()),
            _ => self.values.iter().any(|x| x == v),
        }
    }
}

fn invalid_filter(key: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidFilter",
        format!("The filter key {key} is not valid for this operation."),
    )
}

/// `ComplianceStringFilter` list; keys must be in `keys`.
pub(crate) fn parse_filters(body: &Object, keys: &[&str]) -> Result<Vec<Filter>, ApiError> {
    read_filters(body, (0, usize::MAX), |o, path| {
        let key = filter_str(o, "Key", path)?;
        check_len(key, &format!("{path}.key"), 1, 200)?;
        let values = filter_values(o, path)?;
        check_count(values.len(), &format!("{path}.values"), 1, 20)?;
        let op = input::opt_str(o, "Type")?.unwrap_or("EQUAL");
        check_enum(op, &format!("{path}.type"), FILTER_TYPES)?;
        if !keys.contains(&key) {
            return Err(invalid_filter(key));
        }
        Ok(Filter {
            key: key.to_string(),
            values,
            op: op.to_string(),
        })
    })
}

fn severity_summary(counts: &[u32; 6]) -> Value {
    json!({
        "CriticalCount": counts[0],
        "HighCount": counts[1],
        "MediumCount": counts[2],
        "LowCount": counts[3],
        "InformationalCount": counts[4],
        "UnspecifiedCount": counts[5],
    })
}

fn execution_json(time: f64, id: Option<&str>, typ: &str) -> Value {
    let mut o = Map::new();
    o.insert("ExecutionTime".into(), epoch_json(time));
    if let Some(id) = id {
        o.insert("ExecutionId".into(), id.into());
    }
    if !typ.is_empty() {
        o.insert("ExecutionType".into(), typ.into());
    }
    Value::Object(o)
}

fn summary_field<'a>(node: &'a Node, s: &'a TypeSummary, key: &str) -> &'a str {
    match key {
        "ComplianceType" => &s.compliance_type,
        "Status" => s.status(),
        "OverallSeverity" => s.overall_severity(),
        "ResourceId" | "InstanceId" => &node.instance_id,
        "ResourceType" => RESOURCE_TYPE,
        "PatchGroup" => node.tag("Patch Group").unwrap_or(""),
        "ExecutionType" => &s.execution_type,
        _ => "",
    }
}

const SUMMARY_KEYS: &[&str] = &[
    "ComplianceType",
    "Status",
    "OverallSeverity",
    "ResourceId",
    "InstanceId",
    "ResourceType",
    "PatchGroup",
    "ExecutionType",
];

/// Every (node, type summary) of the caller's scope that passes `filters`.
fn scoped_summaries(ctx: &Ctx<'_>, filters: &[Filter]) -> Vec<(Node, TypeSummary)> {
    let (nodes, st) = ctx.scope();
    let st = state(&st);
    let mut out = Vec::new();
    for n in nodes.iter() {
        for s in summaries(ctx.estate.seed, ctx.now, ctx.estate.started, &st, n) {
            if filters.iter().all(|f| f.test(summary_field(n, &s, &f.key))) {
                out.push((n.clone(), s));
            }
        }
    }
    out
}

pub(crate) fn list_compliance_summaries(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let filters = parse_filters(body, SUMMARY_KEYS)?;
    let hash = query_hash(ctx, "ListComplianceSummaries", body);
    let start = page_start(body, hash)?;
    // Per compliance type: resources compliant / not, counted by their overall severity.
    let mut by_type: BTreeMap<String, (u32, [u32; 6], u32, [u32; 6])> = BTreeMap::new();
    for (_, s) in scoped_summaries(ctx, &filters) {
        let e = by_type.entry(s.compliance_type.clone()).or_default();
        let sev = sev_index(s.overall_severity());
        if s.non_compliant_count > 0 {
            e.2 += 1;
            e.3[sev] += 1;
        } else {
            e.0 += 1;
            e.1[sev] += 1;
        }
    }
    let rows: Vec<Value> = by_type
        .into_iter()
        .map(|(t, (c, cs, n, ns))| {
            json!({
                "ComplianceType": t,
                "CompliantSummary": { "CompliantCount": c, "SeveritySummary": severity_summary(&cs) },
                "NonCompliantSummary": { "NonCompliantCount": n, "SeveritySummary": severity_summary(&ns) },
            })
        })
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json(
        "ComplianceSummaryItems",
        rows[s..e].to_vec(),
        next,
    ))
}

pub(crate) fn list_resource_compliance_summaries(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let filters = parse_filters(body, SUMMARY_KEYS)?;
    let hash = query_hash(ctx, "ListResourceComplianceSummaries", body);
    let start = page_start(body, hash)?;
    let all = scoped_summaries(ctx, &filters);
    let (s, e, next) = page(start, size, all.len(), hash)?;
    let rows: Vec<Value> = all[s..e]
        .iter()
        .map(|(n, s)| {
            json!({
                "ComplianceType": s.compliance_type,
                "ResourceType": RESOURCE_TYPE,
                "ResourceId": n.instance_id,
                "Status": s.status(),
                "OverallSeverity": s.overall_severity(),
                "ExecutionSummary": execution_json(s.execution_time, s.execution_id.as_deref(), &s.execution_type),
                "CompliantSummary": { "CompliantCount": s.compliant_count, "SeveritySummary": severity_summary(&s.compliant_sev) },
                "NonCompliantSummary": { "NonCompliantCount": s.non_compliant_count, "SeveritySummary": severity_summary(&s.non_compliant_sev) },
            })
        })
        .collect();
    Ok(page_json("ResourceComplianceSummaryItems", rows, next))
}

const ITEM_KEYS: &[&str] = &[
    "ComplianceType",
    "Status",
    "Severity",
    "Id",
    "Title",
    "ExecutionId",
];

fn item_field<'a>(i: &'a ComplianceItem, key: &str) -> &'a str {
    match key {
        "ComplianceType" => &i.compliance_type,
        "Status" => &i.status,
        "Severity" => &i.severity,
        "Id" => &i.id,
        "Title" => &i.title,
        "ExecutionId" => i.execution_id.as_deref().unwrap_or(""),
        _ => "",
    }
}

fn invalid_resource_id() -> ApiError {
    ApiError::new(
        400,
        "InvalidResourceId",
        "The resource ID isn't valid. Verify that you entered the correct ID and try again.",
    )
}

fn invalid_resource_type() -> ApiError {
    ApiError::new(
        400,
        "InvalidResourceType",
        "The resource type isn't valid. For example, if you are attempting to tag an EC2 instance, the instance must be a registered managed node.",
    )
}

pub(crate) fn list_compliance_items(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let filters = parse_filters(body, ITEM_KEYS)?;
    let ids = match input::opt_array(body, "ResourceIds")? {
        Some(a) => {
            let ids = input::string_list(a, "ResourceIds")?;
            check_count(ids.len(), "resourceIds", 1, usize::MAX)?;
            for id in &ids {
                check_len(id, "resourceIds.member", 1, 100)?;
            }
            Some(ids)
        }
        None => None,
    };
    if let Some(a) = input::opt_array(body, "ResourceTypes")? {
        let types = input::string_list(a, "ResourceTypes")?;
        check_count(types.len(), "resourceTypes", 1, usize::MAX)?;
        if types.iter().any(|t| t != RESOURCE_TYPE) {
            return Err(invalid_resource_type());
        }
    }
    let hash = query_hash(ctx, "ListComplianceItems", body);
    let start = page_start(body, hash)?;
    let (nodes, st) = ctx.scope();
    let st = state(&st);
    let selected: Vec<&Node> = match &ids {
        Some(ids) => {
            let mut v = Vec::new();
            for id in ids {
                v.push(
                    nodes
                        .iter()
                        .find(|n| &n.instance_id == id)
                        .ok_or_else(invalid_resource_id)?,
                );
            }
            v
        }
        None => nodes.iter().collect(),
    };
    let mut items: Vec<(&Node, ComplianceItem)> = Vec::new();
    for n in selected {
        for i in compliance_items(ctx, &st, n) {
            if filters.iter().all(|f| f.test(item_field(&i, &f.key))) {
                items.push((n, i));
            }
        }
    }
    let (s, e, next) = page(start, size, items.len(), hash)?;
    let rows: Vec<Value> = items[s..e]
        .iter()
        .map(|(n, i)| {
            json!({
                "ComplianceType": i.compliance_type,
                "ResourceType": RESOURCE_TYPE,
                "ResourceId": n.instance_id,
                "Id": i.id,
                "Title": i.title,
                "Status": i.status,
                "Severity": i.severity,
                "ExecutionSummary": execution_json(i.execution_time, i.execution_id.as_deref(), &i.execution_type),
                "Details": i.details,
            })
        })
        .collect();
    Ok(page_json("ComplianceItems", rows, next))
}

fn valid_compliance_type(t: &str) -> bool {
    let word = |s: &str| {
        let mut c = s.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphanumeric() || f == '_' || f == '-')
            && c.clone().count() >= 1
            && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
    };
    match t.strip_prefix("Custom:") {
        Some(rest) => word(rest),
        None => word(t),
    }
}

pub(crate) fn put_compliance_items(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let resource_id = required_str(body, "ResourceId", "resourceId")?;
    check_len(resource_id, "resourceId", 1, 100)?;
    let resource_type = required_str(body, "ResourceType", "resourceType")?;
    check_len(resource_type, "resourceType", 1, 50)?;
    let compliance_type = required_str(body, "ComplianceType", "complianceType")?;
    check_len(compliance_type, "complianceType", 1, 100)?;
    if !valid_compliance_type(compliance_type) {
        return Err(ApiError::validation(constraint_message(
            &format!("'{compliance_type}'"),
            "complianceType",
            "Member must satisfy regular expression pattern: [A-Za-z0-9_\\-]\\w+|Custom:[a-zA-Z0-9_\\-]\\w+",
        )));
    }
    let summary = body
        .get("ExecutionSummary")
        .filter(|v| !v.is_null())
        .ok_or_else(|| missing("executionSummary"))?;
    let summary = input::as_object(summary, "ExecutionSummary")?;
    let execution_time = match summary.get("ExecutionTime") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        None | Some(Value::Null) => return Err(missing("executionSummary.executionTime")),
        Some(_) => {
            return Err(ApiError::serialization(
                "Unexpected value type for member 'ExecutionTime': expected timestamp",
            ));
        }
    };
    let execution_id = input::opt_str(summary, "ExecutionId")?.map(str::to_string);
    if let Some(id) = &execution_id {
        check_len(id, "executionSummary.executionId", 0, 100)?;
    }
    let execution_type = input::opt_str(summary, "ExecutionType")?
        .unwrap_or("")
        .to_string();
    check_len(&execution_type, "executionSummary.executionType", 0, 50)?;
    let raw_items = input::opt_array(body, "Items")?.ok_or_else(|| missing("items"))?;
    check_count(raw_items.len(), "items", 0, 10_000)?;
    let upload = input::opt_str(body, "UploadType")?.unwrap_or("COMPLETE");
    check_enum(upload, "uploadType", &["COMPLETE", "PARTIAL"])?;
    let mut items = Vec::with_capacity(raw_items.len());
    for (i, v) in raw_items.iter().enumerate() {
        let path = format!("items.{}.member", i + 1);
        let o = input::as_object(v, "Items")?;
        let id = input::opt_str(o, "Id")?.unwrap_or("").to_string();
        check_len(&id, &format!("{path}.id"), 0, 100)?;
        let title = input::opt_str(o, "Title")?.unwrap_or("").to_string();
        check_len(&title, &format!("{path}.title"), 0, 500)?;
        let severity =
            input::opt_str(o, "Severity")?.ok_or_else(|| missing(&format!("{path}.severity")))?;
        check_enum(severity, &format!("{path}.severity"), SEVERITIES)?;
        let status =
            input::opt_str(o, "Status")?.ok_or_else(|| missing(&format!("{path}.status")))?;
        check_enum(
            status,
            &format!("{path}.status"),
            &["COMPLIANT", "NON_COMPLIANT"],
        )?;
        let mut details = BTreeMap::new();
        if let Some(d) = o.get("Details").and_then(Value::as_object) {
            for (k, v) in d {
                if let Some(s) = v.as_str() {
                    details.insert(k.clone(), s.to_string());
                }
            }
        }
        items.push(PutItem {
            id,
            title,
            severity: severity.to_string(),
            status: status.to_string(),
            details,
        });
    }
    if resource_type != RESOURCE_TYPE {
        return Err(invalid_resource_type());
    }
    let (nodes, st) = ctx.scope();
    let node = nodes
        .iter()
        .find(|n| n.instance_id == resource_id)
        .ok_or_else(invalid_resource_id)?;
    let mut st = state(&st);
    let key = (resource_id.to_string(), compliance_type.to_string());
    if upload == "PARTIAL" {
        let mut current: Vec<PutItem> = compliance_items(ctx, &st, node)
            .into_iter()
            .filter(|i| i.compliance_type == compliance_type)
            .map(|i| PutItem {
                id: i.id,
                title: i.title,
                severity: i.severity,
                status: i.status,
                details: i.details,
            })
            .collect();
        for it in items {
            match current.iter_mut().find(|c| c.id == it.id) {
                Some(c) => *c = it,
                None => current.push(it),
            }
        }
        items = current;
    }
    st.compliance.insert(
        key,
        PutCompliance {
            execution_time,
            execution_id,
            execution_type,
            items,
        },
    );
    Ok(json!({}))
}

// ---------------------------------------------------------------------------------------
// Compliance of a node: generated items overlaid with what PutComplianceItems stored

/// The compliance types a node reports: the generated ones, then the ones put for it.
fn compliance_types(seed: u64, state: &ScopeState, node: &Node) -> Vec<String> {
    let mut types: Vec<String> = generated_types(seed, node)
        .into_iter()
        .map(String::from)
        .collect();
    for (rid, t) in state.compliance.keys() {
        if rid == &node.instance_id && !types.contains(t) {
            types.push(t.clone());
        }
    }
    types
}

/// All compliance items of a node, generated ones overlaid with what was put.
pub(crate) fn compliance_items(
    ctx: &Ctx<'_>,
    state: &ScopeState,
    node: &Node,
) -> Vec<ComplianceItem> {
    let seed = ctx.estate.seed;
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let baseline = baseline_for(ctx.region, account_id, seed, node);
    let types = compliance_types(seed, state, node);
    let mut out = Vec::new();
    for t in types {
        match state.compliance.get(&(node.instance_id.clone(), t.clone())) {
            Some(put) => out.extend(put.items.iter().map(|i| ComplianceItem {
                compliance_type: t.clone(),
                id: i.id.clone(),
                title: i.title.clone(),
                status: i.status.clone(),
                severity: i.severity.clone(),
                execution_time: put.execution_time,
                execution_id: put.execution_id.clone(),
                execution_type: put.execution_type.clone(),
                details: i.details.clone(),
            })),
            None => out.extend(associations::with_scope_ids(
                ctx,
                generated_items(seed, node, &t, ctx.now, ctx.estate.started, &baseline),
            )),
        }
    }
    out
}

/// Per-type summary of one resource: (type, compliant?, items) without building patch
/// lists when the facts suffice.
#[derive(Debug, Clone, Default)]
pub(crate) struct TypeSummary {
    pub compliance_type: String,
    pub compliant_count: u32,
    pub non_compliant_count: u32,
    /// Counts by severity index in `SEVERITIES`, compliant and non-compliant.
    pub compliant_sev: [u32; 6],
    pub non_compliant_sev: [u32; 6],
    pub execution_time: f64,
    pub execution_id: Option<String>,
    pub execution_type: String,
}

impl TypeSummary {
    pub fn status(&self) -> &'static str {
        if self.non_compliant_count > 0 {
            "NON_COMPLIANT"
        } else {
            "COMPLIANT"
        }
    }
    pub fn overall_severity(&self) -> &'static str {
        let counts = if self.non_compliant_count > 0 {
            &self.non_compliant_sev
        } else {
            &self.compliant_sev
        };
        counts
            .iter()
            .position(|c| *c > 0)
            .map(|i| SEVERITIES[i])
            .unwrap_or("UNSPECIFIED")
    }
}

/// Summaries of every compliance type of a node.
pub(crate) fn summaries(
    seed: u64,
    now: f64,
    started: f64,
    state: &ScopeState,
    node: &Node,
) -> Vec<TypeSummary> {
    let mut types = compliance_types(seed, state, node);
    types.sort();
    let mut out = Vec::with_capacity(types.len());
    for t in types {
        let mut s = TypeSummary {
            compliance_type: t.clone(),
            ..TypeSummary::default()
        };
        let put = state.compliance.get(&(node.instance_id.clone(), t.clone()));
        match (put, t.as_str()) {
            (None, "Patch") => {
                // Counts from the facts: installed patches split by a fixed severity mix.
                let f = patch_facts(seed, node, now, started);
                for sev in &f.nc_severity {
                    s.non_compliant_sev[sev_index(compliance_severity(sev))] += 1;
                }
                s.non_compliant_count = f.missing + f.failed;
                let compliant = f.total() - s.non_compliant_count;
                s.compliant_count = compliant;
                let nc = f.missing + f.failed;
                for i in nc..f.total() {
                    let sev = if i >= nc + f.pending_reboot
                        && i < nc + f.pending_reboot + f.installed_other
                    {
                        "Low"
                    } else {
                        installed_severity(seed, node, i)
                    };
                    s.compliant_sev[sev_index(compliance_severity(sev))] += 1;
                }
                s.execution_time = f.scan_end;
                s.execution_type = "Command".into();
            }
            _ => {
                let items: Vec<ComplianceItem> = match put {
                    Some(p) => p
                        .items
                        .iter()
                        .map(|i| ComplianceItem {
                            compliance_type: t.clone(),
                            id: i.id.clone(),
                            title: i.title.clone(),
                            status: i.status.clone(),
                            severity: i.severity.clone(),
                            execution_time: p.execution_time,
                            execution_id: p.execution_id.clone(),
                            execution_type: p.execution_type.clone(),
                            details: BTreeMap::new(),
                        })
                        .collect(),
                    None => generated_items(seed, node, &t, now, started, ""),
                };
                if let Some(p) = put {
                    s.execution_time = p.execution_time;
                    s.execution_id = p.execution_id.clone();
                    s.execution_type = p.execution_type.clone();
                } else if let Some(first) = items.first() {
                    s.execution_time = first.execution_time;
                    s.execution_type = first.execution_type.clone();
                }
                for i in &items {
                    if i.status == "COMPLIANT" {
                        s.compliant_count += 1;
                        s.compliant_sev[sev_index(&i.severity)] += 1;
                    } else {
                        s.non_compliant_count += 1;
                        s.non_compliant_sev[sev_index(&i.severity)] += 1;
                    }
                }
            }
        }
        out.push(s);
    }
    out
}
