//! Patch Manager: `DescribeInstancePatchStates`, `DescribeInstancePatches`,
//! `DescribePatchGroups`, `DescribePatchBaselines`. Patch states derive from the same
//! facts as the `Patch` compliance type, so both agree.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::estate::Node;
use super::input::{self, Object};
use super::ops_data::{
    AWS_BASELINES, PatchFacts, baseline_for, custom_baseline_id, custom_baseline_os, patch_facts,
    patches,
};
use super::request::{
    check_count, check_len, is_instance_id, max_results, missing, optional_values, page, page_json,
    page_start, query_hash, read_filters, required_str,
};
use super::wire::{ApiError, constraint_message, epoch_json, fnv64};

struct Filter {
    key: String,
    values: Vec<String>,
}

/// `PatchOrchestratorFilter` list (0-5 filters, 0-20 values); keys must be in `keys`.
fn parse_filters(
    body: &Object,
    keys: &[&str],
    bad_key: fn(&str) -> ApiError,
) -> Result<Vec<Filter>, ApiError> {
    read_filters(body, (0, 5), |o, path| {
        let key = input::opt_str(o, "Key")?.unwrap_or("");
        check_len(key, &format!("{path}.key"), 1, 128)?;
        let values = optional_values(o)?;
        check_count(values.len(), &format!("{path}.values"), 0, 20)?;
        for v in &values {
            check_len(v, &format!("{path}.values.member"), 1, 256)?;
        }
        if !keys.contains(&key) {
            return Err(bad_key(key));
        }
        Ok(Filter {
            key: key.to_string(),
            values,
        })
    })
}

fn invalid_filter(key: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidFilter",
        format!("The filter key {key} is not valid."),
    )
}

fn validation_key(key: &str) -> ApiError {
    ApiError::validation(format!("Invalid filter key: {key}"))
}

fn pattern_error(value: &str, member: &str) -> ApiError {
    ApiError::validation(constraint_message(
        &format!("'{value}'"),
        member,
        "Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)",
    ))
}

fn snapshot_id(node: &Node, facts: &PatchFacts) -> String {
    let h = fnv64(&[node.instance_id.as_bytes(), &facts.scan_end.to_le_bytes()]);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h as u32,
        (h >> 32) as u16,
        (h >> 48) as u16 & 0xfff,
        (h >> 20) as u16 & 0xfff,
        h & 0xffff_ffff_ffff
    )
}

fn state_json(ctx: &Ctx<'_>, node: &Node) -> Value {
    let seed = ctx.estate.seed;
    let f = patch_facts(seed, node, ctx.now, ctx.estate.started);
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let nc = f.missing + f.failed;
    let security_nc = f.nc_severity.iter().filter(|s| **s != "Low").count() as u32;
    json!({
        "InstanceId": node.instance_id,
        "PatchGroup": f.group,
        "BaselineId": baseline_for(ctx.region, account_id, seed, node),
        "SnapshotId": snapshot_id(node, &f),
        "InstalledCount": f.installed,
        "InstalledOtherCount": f.installed_other,
        "InstalledPendingRebootCount": f.pending_reboot,
        "InstalledRejectedCount": f.rejected,
        "MissingCount": f.missing,
        "FailedCount": f.failed,
        "UnreportedNotApplicableCount": 0,
        "NotApplicableCount": f.not_applicable,
        "OperationStartTime": epoch_json(f.scan_end - f.scan_secs),
        "OperationEndTime": epoch_json(f.scan_end),
        "Operation": if f.install_operation { "Install" } else { "Scan" },
        "RebootOption": "RebootIfNeeded",
        "CriticalNonCompliantCount": f.critical_nc(),
        "SecurityNonCompliantCount": security_nc,
        "OtherNonCompliantCount": nc - security_nc,
    })
}

pub(crate) fn describe_instance_patch_states(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let ids = input::opt_array(body, "InstanceIds")?.ok_or_else(|| missing("instanceIds"))?;
    let ids = input::string_list(ids, "InstanceIds")?;
    check_count(ids.len(), "instanceIds", 0, 50)?;
    for id in &ids {
        if !is_instance_id(id) {
            return Err(pattern_error(id, "instanceIds.member"));
        }
    }
    let size = max_results(body, "maxResults", 10, 100, 10)?;
    let hash = query_hash(ctx, "DescribeInstancePatchStates", body);
    let start = page_start(body, hash)?;
    let (nodes, _) = ctx.scope();
    let found: Vec<&Node> = ids
        .iter()
        .filter_map(|id| nodes.iter().find(|n| &n.instance_id == id))
        .collect();
    let (s, e, next) = page(start, size, found.len(), hash)?;
    Ok(page_json(
        "InstancePatchStates",
        found[s..e]
            .iter()
            .map(|n| state_json(ctx, n))
            .collect::<Vec<_>>(),
        next,
    ))
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) fn describe_instance_patches(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "InstanceId", "instanceId")?;
    if !is_instance_id(id) {
        return Err(pattern_error(id, "instanceId"));
    }
    let filters = parse_filters(
        body,
        &["Classification", "KBId", "Severity", "State"],
        invalid_filter,
    )?;
    let size = max_results(body, "maxResults", 10, 100, 10)?;
    let hash = query_hash(ctx, "DescribeInstancePatches", body);
    let start = page_start(body, hash)?;
    let (nodes, _) = ctx.scope();
    let node = nodes.iter().find(|n| n.instance_id == id).ok_or_else(|| {
        ApiError::new(
            400,
            "InvalidInstanceId",
            format!("Instance Id {id} is not valid or not in a valid state for account."),
        )
    })?;
    let facts = patch_facts(ctx.estate.seed, node, ctx.now, ctx.estate.started);
    let list: Vec<_> = patches(ctx.estate.seed, node, &facts)
        .into_iter()
        .filter(|p| {
            filters.iter().all(|f| {
                f.values.is_empty()
                    || f.values.iter().any(|v| match f.key.as_str() {
                        "Classification" => v == p.classification,
                        "KBId" => v == &p.kb,
                        "Severity" => v == p.severity,
                        _ => norm(v) == norm(p.state),
                    })
            })
        })
        .collect();
    let (s, e, next) = page(start, size, list.len(), hash)?;
    let rows: Vec<Value> = list[s..e]
        .iter()
        .map(|p| {
            let mut o = Map::new();
            o.insert("Title".into(), p.title.clone().into());
            o.insert("KBId".into(), p.kb.clone().into());
            o.insert("Classification".into(), p.classification.into());
            o.insert("Severity".into(), p.severity.into());
            o.insert("State".into(), p.state.into());
            o.insert(
                "InstalledTime".into(),
                epoch_json(p.installed_time.unwrap_or(0.0)),
            );
            if !p.cves.is_empty() {
                o.insert("CVEIds".into(), p.cves.clone().into());
            }
            Value::Object(o)
        })
        .collect();
    Ok(page_json("Patches", rows, next))
}

pub(crate) struct Baseline {
    pub id: String,
    pub name: String,
    pub os: &'static str,
    pub description: String,
    pub default: bool,
    pub aws: bool,
}

pub(crate) fn scope_groups(nodes: &[Node]) -> BTreeSet<String> {
    nodes
        .iter()
        .filter_map(|n| n.tag("Patch Group"))
        .map(str::to_string)
        .collect()
}

pub(crate) fn baselines(ctx: &Ctx<'_>, groups: &BTreeSet<String>) -> Vec<Baseline> {
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let mut out: Vec<Baseline> = AWS_BASELINES
        .iter()
        .map(|(os, name)| Baseline {
            id: super::ops_data::aws_baseline_id(ctx.region, os),
            name: (*name).to_string(),
            os,
            description: format!("Default Patch Baseline for {os} Provided by AWS."),
            default: true,
            aws: true,
        })
        .collect();
    let mut seen = BTreeSet::new();
    for g in groups {
        let Some(os) = custom_baseline_os(g) else {
            continue;
        };
        let env = g.split('-').next().unwrap_or("");
        if !seen.insert((env.to_string(), os)) {
            continue;
        }
        let short = if os == "WINDOWS" { "windows" } else { "al2023" };
        out.push(Baseline {
            id: custom_baseline_id(ctx.estate.seed, account_id, ctx.region, g),
            name: format!("acme-{short}-{env}"),
            os,
            description: format!("{env}: security updates approved after 7 days, critical after 2"),
            default: false,
            aws: false,
        });
    }
    out
}

fn identity_json(b: &Baseline) -> Value {
    json!({
        "BaselineId": b.id,
        "BaselineName": b.name,
        "OperatingSystem": b.os,
        "BaselineDescription": b.description,
        "DefaultBaseline": b.default,
    })
}

pub(crate) fn describe_patch_baselines(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let filters = parse_filters(
        body,
        &["NAME_PREFIX", "OWNER", "OPERATING_SYSTEM"],
        validation_key,
    )?;
    let size = max_results(body, "maxResults", 1, 100, 100)?;
    let hash = query_hash(ctx, "DescribePatchBaselines", body);
    let start = page_start(body, hash)?;
    let (nodes, _) = ctx.scope();
    let all = baselines(ctx, &scope_groups(&nodes));
    let list: Vec<&Baseline> = all
        .iter()
        .filter(|b| {
            filters.iter().all(|f| {
                f.values.is_empty()
                    || f.values.iter().any(|v| match f.key.as_str() {
                        "NAME_PREFIX" => b.name.starts_with(v.as_str()),
                        "OWNER" => match v.as_str() {
                            "AWS" => b.aws,
                            "Self" => !b.aws,
                            "All" => true,
                            _ => false,
                        },
                        _ => v == b.os,
                    })
            })
        })
        .collect();
    let (s, e, next) = page(start, size, list.len(), hash)?;
    Ok(page_json(
        "BaselineIdentities",
        list[s..e]
            .iter()
            .map(|b| identity_json(b))
            .collect::<Vec<_>>(),
        next,
    ))
}

pub(crate) fn describe_patch_groups(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let filters = parse_filters(body, &["NAME_PREFIX", "OPERATING_SYSTEM"], validation_key)?;
    let size = max_results(body, "maxResults", 1, 100, 100)?;
    let hash = query_hash(ctx, "DescribePatchGroups", body);
    let start = page_start(body, hash)?;
    let (nodes, _) = ctx.scope();
    let groups = scope_groups(&nodes);
    let all = baselines(ctx, &groups);
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let mappings: Vec<(String, &Baseline)> = groups
        .iter()
        .filter_map(|g| {
            let b = match custom_baseline_os(g) {
                Some(_) => {
                    let id = custom_baseline_id(ctx.estate.seed, account_id, ctx.region, g);
                    all.iter().find(|b| b.id == id)
                }
                None => all.iter().find(|b| b.aws && b.os == "MACOS"),
            }?;
            Some((g.clone(), b))
        })
        .filter(|(g, b)| {
            filters.iter().all(|f| {
                f.values.is_empty()
                    || f.values.iter().any(|v| match f.key.as_str() {
                        "NAME_PREFIX" => g.starts_with(v.as_str()),
                        _ => v == b.os,
                    })
            })
        })
        .collect();
    let (s, e, next) = page(start, size, mappings.len(), hash)?;
    let rows: Vec<Value> = mappings[s..e]
        .iter()
        .map(|(g, b)| json!({ "PatchGroup": g, "BaselineIdentity": identity_json(b) }))
        .collect();
    Ok(page_json("Mappings", rows, next))
}
