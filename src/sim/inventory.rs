//! SSM Inventory: `GetInventory` over the inventory the nodes' agents collect.
//!
//! Types served: `AWS:InstanceInformation` (every node) and `AWS:Tag` (EC2 instances).

use serde_json::{Map, Value, json};

use super::estate::Node;
use super::input::{self, Object};
use super::server::Ctx;
use super::ssm::{decode_token, invalid_token, page_token};
use super::wire::{ApiError, constraint_message, fnv64};

const TYPES: &[&str] = &["AWS:InstanceInformation", "AWS:Tag"];
const FILTER_TYPES: &[&str] = &[
    "Equal",
    "NotEqual",
    "BeginWith",
    "LessThan",
    "GreaterThan",
    "Exists",
];
const DEFAULT_PAGE: i64 = 50;

struct Filter {
    type_name: String,
    attribute: String,
    values: Vec<String>,
    op: String,
}

fn invalid_type(name: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidTypeNameException",
        format!("The parameter type name {name} is not valid."),
    )
}

/// The rows of inventory type `type_name` for `n`; `None` when the node has none.
fn content(n: &Node, type_name: &str) -> Option<Vec<Map<String, Value>>> {
    match type_name {
        "AWS:InstanceInformation" => {
            let mut row = Map::new();
            row.insert("AgentType".into(), "amazon-ssm-agent".into());
            row.insert("AgentVersion".into(), n.agent_version.into());
            row.insert("ComputerName".into(), n.computer_name.clone().into());
            row.insert("IpAddress".into(), n.ip_string().into());
            row.insert("InstanceId".into(), n.instance_id.clone().into());
            row.insert("InstanceStatus".into(), n.ping.as_str().into());
            row.insert("PlatformName".into(), n.platform_name.into());
            row.insert("PlatformType".into(), n.platform.as_str().into());
            row.insert("PlatformVersion".into(), n.platform_version.into());
            row.insert("ResourceType".into(), n.resource_type().into());
            Some(vec![row])
        }
        "AWS:Tag" if !n.hybrid => Some(
            n.tags
                .iter()
                .map(|(k, v)| {
                    let mut row = Map::new();
                    row.insert("Key".into(), (*k).into());
                    row.insert("Value".into(), v.clone().into());
                    row
                })
                .collect(),
        ),
        _ => None,
    }
}

fn parse_filters(list: &[Value]) -> Result<Vec<Filter>, ApiError> {
    let mut out = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let obj = input::as_object(item, "filters")?;
        let path = format!("filters.{}.member", i + 1);
        let key = input::opt_str(obj, "Key")?.ok_or_else(|| {
            ApiError::validation(constraint_message(
                "null",
                &format!("{path}.key"),
                "Member must not be null",
            ))
        })?;
        let values = input::string_list(
            input::opt_array(obj, "Values")?
                .map(Vec::as_slice)
                .unwrap_or_default(),
            "Values",
        )?;
        if values.is_empty() || values.len() > 40 {
            return Err(ApiError::validation(constraint_message(
                &format!("'[{}]'", values.join(", ")),
                &format!("{path}.values"),
                if values.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 40"
                },
            )));
        }
        let op = input::opt_str(obj, "Type")?.unwrap_or("Equal");
        if !FILTER_TYPES.contains(&op) {
            return Err(ApiError::validation(constraint_message(
                &format!("'{op}'"),
                &format!("{path}.type"),
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    FILTER_TYPES.join(", ")
                ),
            )));
        }
        let Some((type_name, attribute)) = key.rsplit_once('.') else {
            return Err(ApiError::new(
                400,
                "InvalidFilter",
                format!("The filter key {key} is not valid. Use TypeName.Attribute."),
            ));
        };
        if !TYPES.contains(&type_name) {
            return Err(invalid_type(type_name));
        }
        out.push(Filter {
            type_name: type_name.into(),
            attribute: attribute.into(),
            values,
            op: op.into(),
        });
    }
    Ok(out)
}

fn row_matches(row: &Map<String, Value>, f: &Filter) -> bool {
    let Some(v) = row.get(&f.attribute).and_then(Value::as_str) else {
        return false;
    };
    match f.op.as_str() {
        "Exists" => true,
        "NotEqual" => f.values.iter().all(|x| x != v),
        "BeginWith" => f.values.iter().any(|x| v.starts_with(x.as_str())),
        "LessThan" => f.values.iter().any(|x| v < x.as_str()),
        "GreaterThan" => f.values.iter().any(|x| v > x.as_str()),
        _ => f.values.iter().any(|x| x == v),
    }
}

fn node_matches(n: &Node, f: &Filter) -> bool {
    content(n, &f.type_name).is_some_and(|rows| rows.iter().any(|r| row_matches(r, f)))
}

pub(crate) fn get_inventory(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let max_results = input::opt_int(body, "MaxResults")?;
    if let Some(m) = max_results {
        input::check_range(m, "maxResults", 1, 50)?;
    }
    let raw_filters = input::opt_array(body, "Filters")?;
    let filters = parse_filters(raw_filters.map(Vec::as_slice).unwrap_or_default())?;
    let mut types = Vec::new();
    if let Some(attrs) = input::opt_array(body, "ResultAttributes")? {
        if attrs.is_empty() {
            return Err(ApiError::validation(constraint_message(
                "'[]'",
                "resultAttributes",
                "Member must have length greater than or equal to 1",
            )));
        }
        for a in attrs {
            let obj = input::as_object(a, "resultAttributes")?;
            let name = input::opt_str(obj, "TypeName")?.unwrap_or_default();
            if !TYPES.contains(&name) {
                return Err(ApiError::new(
                    400,
                    "InvalidResultAttributeException",
                    format!("The result attribute {name} is not valid."),
                ));
            }
            types.push(name);
        }
    }
    if input::opt_array(body, "Aggregators")?.is_some_and(|a| !a.is_empty()) {
        return Err(ApiError::new(
            400,
            "InvalidAggregatorException",
            "Aggregators are not supported for these inventory types.",
        ));
    }
    if types.is_empty() {
        types.push("AWS:InstanceInformation");
    }

    let query_hash = fnv64(&[
        ctx.estate.accounts[ctx.account].id.as_bytes(),
        ctx.region.as_bytes(),
        Value::from(types.clone()).to_string().as_bytes(),
        raw_filters
            .map(|f| Value::Array(f.clone()).to_string())
            .unwrap_or_default()
            .as_bytes(),
    ]);
    let offset = match input::opt_str(body, "NextToken")? {
        None => 0,
        Some(t) => decode_token(t, query_hash).ok_or_else(invalid_token)?,
    };

    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let selected: Vec<&Node> = nodes
        .iter()
        .filter(|n| types.iter().all(|t| content(n, t).is_some()))
        .filter(|n| filters.iter().all(|f| node_matches(n, f)))
        .collect();
    if offset > selected.len() {
        return Err(invalid_token());
    }
    let page = usize::try_from(max_results.unwrap_or(DEFAULT_PAGE)).unwrap_or(50);
    let end = (offset + page).min(selected.len());
    let capture = chrono::DateTime::from_timestamp(ctx.estate.started as i64 - 3600, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    let entities: Vec<Value> = selected[offset..end]
        .iter()
        .map(|n| {
            let mut data = Map::new();
            for t in &types {
                let rows = content(n, t).unwrap_or_default();
                let hash = format!(
                    "{:016x}",
                    fnv64(&[Value::from(rows.clone()).to_string().as_bytes()])
                );
                data.insert(
                    (*t).to_string(),
                    json!({
                        "TypeName": t,
                        "SchemaVersion": "1.0",
                        "CaptureTime": capture,
                        "ContentHash": hash,
                        "Content": rows,
                    }),
                );
            }
            json!({ "Id": n.instance_id, "Data": data })
        })
        .collect();
    let mut out = Map::new();
    out.insert("Entities".into(), Value::Array(entities));
    if end < selected.len() {
        out.insert("NextToken".into(), page_token(end, query_hash).into());
    }
    Ok(Value::Object(out))
}
