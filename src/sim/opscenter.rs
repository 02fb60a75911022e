//! OpsCenter: `CreateOpsItem`, `DescribeOpsItems`, `GetOpsItem`, `UpdateOpsItem`,
//! `ListOpsItemEvents`, `ListOpsItemRelatedItems`. OpsItems are generated per
//! (account, region) on first use and then live in memory; updates persist.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::input::{self, Object};
use super::records::{Event, OpsData, OpsItem, Related};
use super::request::{
    check_enum, check_len, filter_str, filter_values, max_results, page, page_json, page_start,
    parse_time, query_hash, required_str,
};
use super::store::state;
use super::wire::{ApiError, SplitMix, constraint_message, epoch_json, fnv64};

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

    let (_, st) = ctx.scope();
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
    let (_, st) = ctx.scope();
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

    let (_, st) = ctx.scope();
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
        let key = filter_str(o, "Key", &path)?;
        let op = filter_str(o, "Operator", &path)?;
        let values = filter_values(o, &path)?;
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
    let (_, st) = ctx.scope();
    let st = state(&st);
    let mut selected: Vec<&OpsItem> = st
        .ops_items
        .iter()
        .filter(|i| filters.iter().all(|f| matches(i, f)))
        .collect();
    // Newest first; creation time does not change, so pages stay stable across updates.
    selected.sort_by(|a, b| b.created.total_cmp(&a.created).then(a.id.cmp(&b.id)));
    let (s, e, next) = page(start, size, selected.len(), hash)?;
    let summaries = selected[s..e].iter().map(|i| summary_json(i)).collect();
    Ok(page_json("OpsItemSummaries", summaries, next))
}

/// Filter `i` of `Filters` in ListOpsItemEvents and ListOpsItemRelatedItems: a `Key` of
/// `keys`, the `Equal` operator, and its `Values`.
fn equal_filter(v: &Value, i: usize, keys: &[&str]) -> Result<(String, Vec<String>), ApiError> {
    let path = format!("filters.{}.member", i + 1);
    let o = input::as_object(v, "Filters")?;
    let key = filter_str(o, "Key", &path)?;
    check_enum(key, &format!("{path}.key"), keys)?;
    let op = filter_str(o, "Operator", &path)?;
    check_enum(op, &format!("{path}.operator"), &["Equal"])?;
    let values = filter_values(o, &path)?;
    Ok((key.to_string(), values))
}

pub(crate) fn list_ops_item_events(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let mut ids: Option<Vec<String>> = None;
    if let Some(list) = input::opt_array(body, "Filters")? {
        for (i, v) in list.iter().enumerate() {
            let (_, values) = equal_filter(v, i, &["OpsItemId"])?;
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
    let (_, st) = ctx.scope();
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
    Ok(page_json("Summaries", summaries, next))
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
            filters.push(equal_filter(
                v,
                i,
                &["ResourceType", "AssociationId", "ResourceUri"],
            )?);
        }
    }
    let hash = query_hash(ctx, "ListOpsItemRelatedItems", body);
    let start = page_start(body, hash)?;
    let (_, st) = ctx.scope();
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
    Ok(page_json("Summaries", summaries, next))
}
