//! Hybrid activations: `DescribeActivations`. The activations of a scope are those its
//! on-premises (`mi-`) nodes registered with — their `RegistrationsCount` is the number of
//! such nodes — plus some the nodes never used: about to expire, or fresh.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::estate::Node;
use super::input::{self, Object};
use super::request::{max_results, page, page_json, page_start, query_hash};
use super::wire::{ApiError, SplitMix, constraint_message, epoch_json, fnv64};

const DAY: f64 = 86_400.0;
const FILTER_KEYS: &[&str] = &["ActivationIds", "DefaultInstanceName", "IamRole"];
/// Page size when `MaxResults` is not given.
const DEFAULT_PAGE: usize = 10;

/// One activation as the sim holds it (times are epoch seconds).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimActivation {
    pub id: String,
    pub description: String,
    pub default_instance_name: String,
    pub iam_role: String,
    pub registration_limit: u32,
    pub registrations: u32,
    pub created: f64,
    pub expires: f64,
    pub tags: Vec<(String, String)>,
}

/// `dc1-app-prod-03` → `dc1-app-prod`.
fn name_stem(name: &str) -> String {
    match name.rsplit_once('-') {
        Some((stem, n)) if n.chars().all(|c| c.is_ascii_digit()) => stem.to_string(),
        _ => name.to_string(),
    }
}

/// The activations of one scope, oldest first.
pub(crate) fn scope_activations(ctx: &Ctx<'_>) -> Vec<SimActivation> {
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let started = ctx.estate.started;
    let mut by_id: BTreeMap<&str, Vec<&Node>> = BTreeMap::new();
    for n in nodes.iter().filter(|n| n.hybrid) {
        if let Some(a) = &n.activation_id {
            by_id.entry(a.as_str()).or_default().push(n);
        }
    }
    let mut rng = SplitMix::new(
        ctx.estate.seed ^ fnv64(&[b"activations", account_id.as_bytes(), ctx.region.as_bytes()]),
    );
    let mut out = Vec::new();
    for (id, used) in by_id {
        let registered: Vec<f64> = used
            .iter()
            .map(|n| started - f64::from(n.registered_ago.unwrap_or(0)))
            .collect();
        let first = registered.iter().copied().fold(f64::INFINITY, f64::min);
        let last = registered.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let created = (first - DAY).floor();
        let expires = (created + 30.0 * DAY).max(last + DAY).floor();
        let count = used.len() as u32;
        let stem = used
            .first()
            .and_then(|n| n.name.as_deref())
            .map(name_stem)
            .unwrap_or_default();
        out.push(SimActivation {
            id: id.to_string(),
            description: format!("Registration of {stem} servers"),
            default_instance_name: stem,
            iam_role: used
                .first()
                .and_then(|n| n.iam_role)
                .unwrap_or("SSMServiceRole")
                .to_string(),
            registration_limit: count + rng.range(0, 20) as u32,
            registrations: count,
            created,
            expires,
            tags: vec![("Site".into(), "dc1".into())],
        });
    }
    // Some the nodes never used: one expiring within days (in the management account's
    // first region, and a third of the other scopes), and a fresh one in half of them.
    let first_scope =
        ctx.account == 0 && ctx.estate.regions.first().map(String::as_str) == Some(ctx.region);
    if first_scope || rng.unit() < 0.35 {
        let soon = rng.range(1, 6) as f64;
        let (name, what) = *rng.pick(&[
            ("branch-srv", "Branch office rollout"),
            ("lab-node", "Test lab servers"),
            ("kiosk", "Store kiosks"),
        ]);
        out.push(SimActivation {
            id: rng.uuid(),
            description: what.into(),
            default_instance_name: name.into(),
            iam_role: "SSMServiceRole".into(),
            registration_limit: 5 * rng.range(1, 11) as u32,
            registrations: 0,
            created: (started - (30.0 - soon) * DAY).floor(),
            expires: (started + soon * DAY).floor(),
            tags: vec![("Site".into(), name.into())],
        });
    }
    if first_scope || rng.unit() < 0.5 {
        let age = rng.range(1, 10) as f64;
        out.push(SimActivation {
            id: rng.uuid(),
            description: "Factory floor HMIs".into(),
            default_instance_name: "factory-hmi".into(),
            iam_role: "service-role/AmazonSSMRoleForInstancesQuickSetup".into(),
            registration_limit: 100,
            registrations: 0,
            created: (started - age * DAY).floor(),
            expires: (started + (30.0 - age) * DAY).floor(),
            tags: Vec::new(),
        });
    }
    out.sort_by(|a, b| a.created.total_cmp(&b.created));
    out
}

fn activation_json(a: &SimActivation, now: f64) -> Value {
    let mut o = Map::new();
    o.insert("ActivationId".into(), a.id.clone().into());
    o.insert("Description".into(), a.description.clone().into());
    o.insert(
        "DefaultInstanceName".into(),
        a.default_instance_name.clone().into(),
    );
    o.insert("IamRole".into(), a.iam_role.clone().into());
    o.insert("RegistrationLimit".into(), a.registration_limit.into());
    o.insert("RegistrationsCount".into(), a.registrations.into());
    o.insert("ExpirationDate".into(), epoch_json(a.expires));
    o.insert("Expired".into(), (a.expires <= now).into());
    o.insert("CreatedDate".into(), epoch_json(a.created));
    let tags: Vec<Value> = a
        .tags
        .iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();
    o.insert("Tags".into(), tags.into());
    Value::Object(o)
}

struct Filter {
    key: String,
    values: Vec<String>,
}

fn parse_filters(body: &Object) -> Result<Vec<Filter>, ApiError> {
    let Some(list) = input::opt_array(body, "Filters")? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let o = input::as_object(v, "Filters")?;
        let key = input::opt_str(o, "FilterKey")?.unwrap_or("");
        if !FILTER_KEYS.contains(&key) {
            return Err(ApiError::validation(constraint_message(
                &format!("'{key}'"),
                &format!("filters.{}.member.filterKey", i + 1),
                "Member must satisfy enum value set: [ActivationIds, DefaultInstanceName, IamRole]",
            )));
        }
        let values = input::string_list(
            input::opt_array(o, "FilterValues")?
                .map(Vec::as_slice)
                .unwrap_or_default(),
            "FilterValues",
        )?;
        out.push(Filter {
            key: key.to_string(),
            values,
        });
    }
    Ok(out)
}

fn matches(a: &SimActivation, f: &Filter) -> bool {
    if f.values.is_empty() {
        return true;
    }
    let field = match f.key.as_str() {
        "ActivationIds" => &a.id,
        "DefaultInstanceName" => &a.default_instance_name,
        _ => &a.iam_role,
    };
    f.values.iter().any(|v| v == field)
}

pub(crate) fn describe_activations(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let filters = parse_filters(body)?;
    let size = max_results(body, "maxResults", 1, 50, DEFAULT_PAGE)?;
    let hash = query_hash(ctx, "DescribeActivations", body);
    let start = page_start(body, hash)?;
    let all: Vec<SimActivation> = scope_activations(ctx)
        .into_iter()
        .filter(|a| filters.iter().all(|f| matches(a, f)))
        .collect();
    let (s, e, next) = page(start, size, all.len(), hash)?;
    let list: Vec<Value> = all[s..e]
        .iter()
        .map(|a| activation_json(a, ctx.now))
        .collect();
    Ok(page_json("ActivationList", list, next))
}

/// Service settings the sim knows, with their default values.
const SETTINGS: &[(&str, &str)] = &[
    ("/ssm/managed-instance/activation-tier", "standard"),
    ("/ssm/parameter-store/default-parameter-tier", "Standard"),
    ("/ssm/parameter-store/high-throughput-enabled", "false"),
    ("/ssm/opsinsights/opscenter", "Enabled"),
    ("/ssm/automation/customer-script-log-destination", "None"),
];

/// The instance tier of a scope's on-premises nodes: `advanced` in about a third of the
/// scopes that have hybrid nodes (a customized setting), else the default `standard`.
pub(crate) fn activation_tier(ctx: &Ctx<'_>) -> &'static str {
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    if !nodes.iter().any(|n| n.hybrid) {
        return "standard";
    }
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let h = fnv64(&[
        b"activation-tier",
        &ctx.estate.seed.to_le_bytes(),
        account_id.as_bytes(),
        ctx.region.as_bytes(),
    ]);
    if h.is_multiple_of(3) {
        "advanced"
    } else {
        "standard"
    }
}

pub(crate) fn get_service_setting(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let raw = input::opt_str(body, "SettingId")?.ok_or_else(|| {
        ApiError::validation(constraint_message(
            "null",
            "settingId",
            "Member must not be null",
        ))
    })?;
    if raw.is_empty() || raw.chars().count() > 1000 {
        return Err(ApiError::validation(constraint_message(
            &format!("'{raw}'"),
            "settingId",
            "Member must have length between 1 and 1000",
        )));
    }
    // The id alone, or the setting's ARN.
    let id = match raw.split_once(":servicesetting") {
        Some((_, rest)) => rest,
        None => raw,
    };
    let Some((id, default)) = SETTINGS.iter().find(|(s, _)| *s == id) else {
        return Err(ApiError::new(
            400,
            "ServiceSettingNotFound",
            format!("The service setting {raw} is not found."),
        ));
    };
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let (value, status, user) = if *id == "/ssm/managed-instance/activation-tier" {
        match activation_tier(ctx) {
            "advanced" => (
                "advanced",
                "Customized",
                format!("arn:aws:iam::{account_id}:root"),
            ),
            _ => (*default, "Default", "System".to_string()),
        }
    } else {
        (*default, "Default", "System".to_string())
    };
    Ok(json!({
        "ServiceSetting": {
            "SettingId": id,
            "SettingValue": value,
            "LastModifiedDate": epoch_json((ctx.estate.started - 90.0 * DAY).floor()),
            "LastModifiedUser": user,
            "ARN": format!("arn:aws:ssm:{}:{account_id}:servicesetting{id}", ctx.region),
            "Status": status,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drop_the_sequence_number() {
        assert_eq!(name_stem("dc1-app-prod-03"), "dc1-app-prod");
        assert_eq!(name_stem("edge"), "edge");
    }
}
