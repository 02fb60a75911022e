//! Parameter Store: `DescribeParameters`, `GetParametersByPath`, `GetParameter`,
//! `GetParameters`, `GetParameterHistory`, `PutParameter`, `LabelParameterVersion`.
//!
//! Every (account, region) starts with a generated hierarchy (`/app/<service>/<env>/...`,
//! `/shared/<env>/...`, `/infra/...`) with several versions, labels, SecureStrings under
//! the AWS-managed and a customer key, and an advanced-tier parameter; a few public
//! `/aws/service/...` parameters answer every account. Writes persist for the life of the
//! sim. SecureString values are returned as an opaque ciphertext unless decrypted.

use serde_json::{Map, Value, json};

use super::ctx::Ctx;
use super::input::{self, Object};
use super::records::{Param, ParamVersion, ParameterStore};
use super::request::{
    check_count, check_enum, check_len, filter_values, max_results, page, page_json, page_start,
    query_hash, read_filters, required_str,
};
use super::store::state;
use super::wire::{ApiError, SplitMix, b64_encode, constraint_message, epoch_json, fnv64};

const TYPES: &[&str] = &["String", "StringList", "SecureString"];
const TIERS: &[&str] = &["Standard", "Advanced", "Intelligent-Tiering"];
const DATA_TYPES: &[&str] = &["text", "aws:ec2:image", "aws:ssm:integration"];
/// Largest value of a standard and of an advanced parameter, in characters.
const STANDARD_MAX: usize = 4096;
const ADVANCED_MAX: usize = 8192;
/// Versions kept per parameter.
const MAX_VERSIONS: usize = 100;
/// Hierarchy depth allowed.
const MAX_LEVELS: usize = 15;
/// Standard parameters per account and region.
const STANDARD_LIMIT: usize = 10_000;
const LABELS_PER_VERSION: usize = 10;
const DEFAULT_KEY: &str = "alias/aws/ssm";

// ---------------------------------------------------------------------------------------
// Generated hierarchy

const SERVICES: &[&str] = &[
    "checkout",
    "ledger",
    "orders",
    "catalog",
    "auth",
    "search",
    "notifier",
    "reporting",
];

fn env_of(account_name: &str) -> &'static str {
    if account_name.contains("-staging-")
        || account_name.contains("-qa-")
        || account_name.contains("-perf-")
    {
        "staging"
    } else if account_name.contains("-dev-") || account_name.contains("sandbox") {
        "dev"
    } else {
        "prod"
    }
}

fn ciphertext(seed: u64, name: &str, version: i64) -> String {
    let mut rng = SplitMix::new(seed ^ fnv64(&[name.as_bytes(), &version.to_le_bytes()]));
    let mut bytes = b"\x01\x02\x02\x00\x78".to_vec();
    for _ in 0..12 {
        bytes.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    b64_encode(&bytes)
}

struct Gen<'a> {
    rng: SplitMix,
    started: f64,
    account: &'a str,
    store: ParameterStore,
}

impl Gen<'_> {
    /// Adds a parameter with `values.len()` versions (oldest first), labels given as
    /// (label, index of the version counted from the oldest).
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        name: &str,
        kind: &'static str,
        tier: &'static str,
        key_id: Option<&str>,
        data_type: &'static str,
        description: &str,
        values: &[String],
        labels: &[(&str, usize)],
    ) {
        let users = [
            format!("arn:aws:iam::{}:role/ci-deployer", self.account),
            format!(
                "arn:aws:sts::{}:assumed-role/AWSReservedSSO_PlatformAdmin_3f1a/alice",
                self.account
            ),
            format!("arn:aws:iam::{}:user/terraform", self.account),
        ];
        let mut t = self.started - self.rng.range(200, 400) as f64 * 86_400.0;
        let mut versions = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            t += self.rng.range(3, 60) as f64 * 86_400.0 + self.rng.range(0, 86_400) as f64;
            let t = t.min(self.started - 3_600.0 * (values.len() - i) as f64);
            versions.push(ParamVersion {
                version: i as i64 + 1,
                value: v.clone(),
                kind,
                tier,
                description: description.to_string(),
                key_id: (kind == "SecureString").then(|| key_id.unwrap_or(DEFAULT_KEY).to_string()),
                allowed_pattern: None,
                data_type,
                modified: t,
                user: self.rng.pick(&users).clone(),
                labels: labels
                    .iter()
                    .filter(|(_, at)| *at == i)
                    .map(|(l, _)| (*l).to_string())
                    .collect(),
            });
        }
        let env = name.split('/').nth(3).unwrap_or("shared");
        self.store.params.insert(
            name.to_string(),
            Param {
                versions,
                tags: vec![
                    ("Environment".into(), env.to_string()),
                    ("ManagedBy".into(), "terraform".into()),
                ],
            },
        );
    }
}

/// The generated parameters of one scope.
pub(crate) fn generate(
    seed: u64,
    account_id: &str,
    account_name: &str,
    region: &str,
    started: f64,
) -> ParameterStore {
    let env = env_of(account_name);
    let mut g = Gen {
        rng: SplitMix::new(
            seed ^ fnv64(&[account_id.as_bytes(), region.as_bytes(), b"parameters"]),
        ),
        started,
        account: account_id,
        store: ParameterStore::default(),
    };
    let first = g.rng.range(0, SERVICES.len() as u64) as usize;
    let count = g.rng.range(3, 6) as usize;
    let services: Vec<&str> = (0..count)
        .map(|i| SERVICES[(first + i) % SERVICES.len()])
        .collect();
    let app_key = format!("arn:aws:kms:{region}:{account_id}:alias/app-secrets");
    for svc in &services {
        let base = format!("/app/{svc}/{env}");
        let host = format!("{svc}-{env}.cluster-c9x2k.{region}.rds.amazonaws.com");
        let versions = g.rng.range(1, 4) as usize;
        g.add(
            &format!("{base}/db/host"),
            "String",
            "Standard",
            None,
            "text",
            "Primary database endpoint",
            &vec![host; versions],
            &[],
        );
        g.add(
            &format!("{base}/db/port"),
            "String",
            "Standard",
            None,
            "text",
            "",
            &["5432".to_string()],
            &[],
        );
        let pw: Vec<String> = (0..g.rng.range(2, 6))
            .map(|_| format!("{}-{}", g.rng.upper_alnum(12), g.rng.hex(8)))
            .collect();
        let n = pw.len();
        g.add(
            &format!("{base}/db/password"),
            "SecureString",
            "Standard",
            None,
            "text",
            "Database master password (rotated)",
            &pw,
            &[("current", n - 1), ("previous", n - 2)],
        );
        let key: Vec<String> = (0..g.rng.range(1, 3))
            .map(|_| format!("sk_live_{}", g.rng.hex(24)))
            .collect();
        g.add(
            &format!("{base}/api-key"),
            "SecureString",
            "Standard",
            Some(&app_key),
            "text",
            "Third-party API key",
            &key,
            &[],
        );
        let levels = ["info", "debug", "info", "warn"];
        let lv: Vec<String> = (0..g.rng.range(1, 5))
            .map(|i| levels[i as usize % levels.len()].to_string())
            .collect();
        g.add(
            &format!("{base}/log-level"),
            "String",
            "Standard",
            None,
            "text",
            "",
            &lv,
            &[],
        );
        let flags = [
            "new-checkout",
            "dark-mode",
            "fast-search,beta-api",
            "new-checkout,beta-api",
        ];
        let fv: Vec<String> = (0..g.rng.range(2, 5))
            .map(|i| flags[i as usize % flags.len()].to_string())
            .collect();
        let n = fv.len();
        g.add(
            &format!("{base}/feature-flags"),
            "StringList",
            "Standard",
            None,
            "text",
            "Enabled feature flags",
            &fv,
            &[("stable", n.saturating_sub(2)), ("canary", n - 1)],
        );
    }
    let subnets: Vec<String> = (0..3)
        .map(|_| format!("subnet-0{}", g.rng.hex(16)))
        .collect();
    let vpc = format!("vpc-0{}", g.rng.hex(16));
    g.add(
        &format!("/shared/{env}/network/vpc-id"),
        "String",
        "Standard",
        None,
        "text",
        "VPC of the workload",
        &[vpc],
        &[],
    );
    g.add(
        &format!("/shared/{env}/network/private-subnets"),
        "StringList",
        "Standard",
        None,
        "text",
        "",
        &[subnets.join(",")],
        &[],
    );
    let amis: Vec<String> = (0..g.rng.range(3, 7))
        .map(|_| format!("ami-0{}", g.rng.hex(16)))
        .collect();
    let n = amis.len();
    g.add(
        "/ami/golden/al2023",
        "String",
        "Standard",
        None,
        "aws:ec2:image",
        "Hardened Amazon Linux 2023 image",
        &amis,
        &[("approved", n - 1), ("previous", n - 2)],
    );
    let mut config = String::from(
        "{\"agent\":{\"metrics_collection_interval\":60},\"logs\":{\"logs_collected\":{\"files\":{\"collect_list\":[",
    );
    for i in 0..40 {
        if i > 0 {
            config.push(',');
        }
        config.push_str(&format!(
            "{{\"file_path\":\"/var/log/app/service-{i:02}.log\",\"log_group_name\":\"/{env}/app/service-{i:02}\",\"log_stream_name\":\"{{instance_id}}\",\"retention_in_days\":30}}"
        ));
    }
    config.push_str("]}}}}");
    g.add(
        "/infra/cloudwatch-agent/config",
        "String",
        "Advanced",
        None,
        "text",
        "CloudWatch agent configuration (larger than 4 KB)",
        &[config],
        &[],
    );
    let webhook = format!(
        "https://hooks.slack.com/services/T0{}/B0{}/{}",
        g.rng.upper_alnum(8),
        g.rng.upper_alnum(8),
        g.rng.hex(24)
    );
    g.add(
        "/infra/slack-webhook",
        "SecureString",
        "Standard",
        None,
        "text",
        "Incident channel webhook",
        &[webhook],
        &[],
    );
    g.store
}

/// Public parameters every account can read.
fn public(region: &str) -> Vec<(String, String)> {
    let h = |s: &str| format!("{:016x}", fnv64(&[region.as_bytes(), s.as_bytes()]));
    vec![
        (
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64".into(),
            format!("ami-0{}", h("al2023")),
        ),
        (
            "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64".into(),
            format!("ami-0{}", h("al2023-arm")),
        ),
        (
            "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2".into(),
            format!("ami-0{}", h("amzn2")),
        ),
        (
            "/aws/service/global-infrastructure/regions/".to_string() + region + "/longName",
            "Simulated region".into(),
        ),
    ]
}

fn public_param(region: &str, name: &str, value: String, started: f64) -> Param {
    Param {
        versions: vec![ParamVersion {
            version: 1 + (fnv64(&[name.as_bytes()]) % 90) as i64,
            value,
            kind: "String",
            tier: "Standard",
            description: String::new(),
            key_id: None,
            allowed_pattern: None,
            data_type: if name.contains("/ami-") {
                "aws:ec2:image"
            } else {
                "text"
            },
            modified: started - 86_400.0 * 3.0,
            user: String::new(),
            labels: Vec::new(),
        }],
        tags: vec![("Region".into(), region.to_string())],
    }
}

/// Runs `f` on the caller's store, generating it on first use.
fn with_store<T>(ctx: &Ctx<'_>, f: impl FnOnce(&mut ParameterStore) -> T) -> T {
    let (_, scope) = ctx.scope();
    let mut st = state(&scope);
    let acct = &ctx.estate.accounts[ctx.account];
    let store = st.parameters.get_or_insert_with(|| {
        generate(
            ctx.estate.seed,
            &acct.id,
            &acct.name,
            ctx.region,
            ctx.estate.started,
        )
    });
    f(store)
}

// ---------------------------------------------------------------------------------------
// Shapes

fn arn(ctx: &Ctx<'_>, name: &str) -> String {
    let account = if name.starts_with("/aws/service/") {
        "aws"
    } else {
        ctx.estate.accounts[ctx.account].id.as_str()
    };
    let sep = if name.starts_with('/') { "" } else { "/" };
    format!("arn:aws:ssm:{}:{account}:parameter{sep}{name}", ctx.region)
}

fn shown_value(seed: u64, name: &str, v: &ParamVersion, decrypt: bool) -> String {
    if v.kind == "SecureString" && !decrypt {
        ciphertext(seed, name, v.version)
    } else {
        v.value.clone()
    }
}

fn parameter_json(
    ctx: &Ctx<'_>,
    name: &str,
    v: &ParamVersion,
    decrypt: bool,
    selector: Option<&str>,
) -> Value {
    let mut o = Map::new();
    o.insert("Name".into(), name.into());
    o.insert("Type".into(), v.kind.into());
    o.insert(
        "Value".into(),
        shown_value(ctx.estate.seed, name, v, decrypt).into(),
    );
    o.insert("Version".into(), v.version.into());
    if let Some(s) = selector {
        o.insert("Selector".into(), s.into());
    }
    o.insert("LastModifiedDate".into(), epoch_json(v.modified));
    o.insert("ARN".into(), arn(ctx, name).into());
    o.insert("DataType".into(), v.data_type.into());
    Value::Object(o)
}

/// What DescribeParameters and GetParameterHistory both say of a version.
fn version_fields(name: &str, v: &ParamVersion) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("Name".into(), name.into());
    o.insert("Type".into(), v.kind.into());
    if let Some(k) = &v.key_id {
        o.insert("KeyId".into(), k.clone().into());
    }
    o.insert("LastModifiedDate".into(), epoch_json(v.modified));
    o.insert("LastModifiedUser".into(), v.user.clone().into());
    if !v.description.is_empty() {
        o.insert("Description".into(), v.description.clone().into());
    }
    if let Some(p) = &v.allowed_pattern {
        o.insert("AllowedPattern".into(), p.clone().into());
    }
    o.insert("Version".into(), v.version.into());
    o.insert("Tier".into(), v.tier.into());
    o.insert("Policies".into(), Value::Array(Vec::new()));
    o.insert("DataType".into(), v.data_type.into());
    o
}

fn metadata_json(ctx: &Ctx<'_>, name: &str, v: &ParamVersion) -> Value {
    let mut o = version_fields(name, v);
    o.insert("ARN".into(), arn(ctx, name).into());
    Value::Object(o)
}

fn history_json(ctx: &Ctx<'_>, name: &str, v: &ParamVersion, decrypt: bool) -> Value {
    let mut o = version_fields(name, v);
    o.insert(
        "Value".into(),
        shown_value(ctx.estate.seed, name, v, decrypt).into(),
    );
    o.insert("Labels".into(), v.labels.clone().into());
    Value::Object(o)
}

// ---------------------------------------------------------------------------------------
// Errors

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        400,
        "ParameterNotFound",
        format!("Parameter {name} not found."),
    )
}

fn version_not_found(name: &str, selector: &str) -> ApiError {
    ApiError::new(
        400,
        "ParameterVersionNotFound",
        format!(
            "Systems Manager could not find version {selector} of {name}. Verify the version and try again."
        ),
    )
}

fn bad_bool(body: &Object, key: &str) -> Result<bool, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::serialization(format!(
            "Unexpected value type for member '{key}': expected boolean"
        ))),
    }
}

/// A name as given (an ARN is reduced to its name), split from its `:version` or
/// `:label` selector.
fn split_selector(raw: &str) -> (String, Option<String>) {
    let raw = match raw.find(":parameter/") {
        Some(i) if raw.starts_with("arn:") => {
            let rest = &raw[i + ":parameter".len()..];
            if rest[1..].contains('/') {
                rest.to_string()
            } else {
                rest[1..].to_string()
            }
        }
        _ => raw.to_string(),
    };
    match raw.rfind(':') {
        Some(i) => (raw[..i].to_string(), Some(raw[i + 1..].to_string())),
        None => (raw, None),
    }
}

/// The version a selector picks, if any.
fn select<'a>(p: &'a Param, selector: Option<&str>) -> Option<&'a ParamVersion> {
    match selector {
        None => Some(p.current()),
        Some(s) => match s.parse::<i64>() {
            Ok(n) => p.versions.iter().find(|v| v.version == n),
            Err(_) => p.versions.iter().find(|v| v.labels.iter().any(|l| l == s)),
        },
    }
}

/// Looks a name up in the store, then among the public parameters.
fn lookup(ctx: &Ctx<'_>, store: &ParameterStore, name: &str) -> Option<Param> {
    if let Some(p) = store.params.get(name) {
        return Some(p.clone());
    }
    if !name.starts_with('/')
        && let Some(p) = store.params.get(&format!("/{name}"))
    {
        return Some(p.clone());
    }
    public(ctx.region)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(n, v)| public_param(ctx.region, &n, v, ctx.estate.started))
}

// ---------------------------------------------------------------------------------------
// Filters

#[derive(Debug)]
struct StringFilter {
    key: String,
    option: String,
    values: Vec<String>,
}

fn parse_string_filters(body: &Object, by_path: bool) -> Result<Vec<StringFilter>, ApiError> {
    let Some(list) = input::opt_array(body, "ParameterFilters")? else {
        return Ok(Vec::new());
    };
    let mut out: Vec<StringFilter> = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let path = format!("parameterFilters.{}.member", i + 1);
        let o = input::as_object(v, "ParameterFilters")?;
        let key = required_str(o, "Key", &format!("{path}.key"))?;
        check_len(key, &format!("{path}.key"), 1, 132)?;
        let named = ["Name", "Type", "KeyId", "Path", "Label", "Tier", "DataType"];
        let is_tag = key.strip_prefix("tag:").is_some_and(|t| !t.is_empty());
        if !is_tag && !named.contains(&key) {
            return Err(ApiError::validation(constraint_message(
                &format!("'{key}'"),
                &format!("{path}.key"),
                "Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType",
            )));
        }
        let option = input::opt_str(o, "Option")?;
        if let Some(opt) = option {
            check_len(opt, &format!("{path}.option"), 1, 10)?;
        }
        let values = match input::opt_array(o, "Values")? {
            Some(a) => input::string_list(a, "Values")?,
            None => Vec::new(),
        };
        check_count(values.len(), &format!("{path}.values"), 1, 50)?;
        for v in &values {
            check_len(v, &format!("{path}.values.member"), 1, 1024)?;
        }
        let allowed: &[&str] = if by_path {
            &["Type", "KeyId", "Label"]
        } else {
            &["Name", "Type", "KeyId", "Path", "Tier", "DataType"]
        };
        if !is_tag && !allowed.contains(&key) || (by_path && is_tag) {
            return Err(ApiError::new(
                400,
                "InvalidFilterKey",
                format!(
                    "The following filter key is not valid: {key}. Valid filter keys include: [{}].",
                    allowed.join(", ")
                ),
            ));
        }
        if out.iter().any(|f| f.key == key) {
            return Err(ApiError::validation(format!(
                "The following filter is duplicated in the request: {key}. A request can contain only one occurrence of a specific filter."
            )));
        }
        let option = match (key, option) {
            ("Path", None) => "OneLevel",
            ("Path", Some(o @ ("Recursive" | "OneLevel"))) => o,
            ("Path", Some(_)) => {
                return Err(ApiError::new(
                    400,
                    "InvalidFilterOption",
                    "The following filter option is not valid for Path: valid options are Recursive and OneLevel.",
                ));
            }
            ("Label", None | Some("Equals")) => "Equals",
            ("Label", Some(_)) => {
                return Err(ApiError::new(
                    400,
                    "InvalidFilterOption",
                    "The following filter option is not valid for Label: the only valid option is Equals.",
                ));
            }
            ("Name", Some("Contains")) if !by_path => "Contains",
            (_, None | Some("Equals")) => "Equals",
            (_, Some("BeginsWith")) => "BeginsWith",
            (k, Some(o)) => {
                return Err(ApiError::new(
                    400,
                    "InvalidFilterOption",
                    format!(
                        "The filter option {o} is not valid for {k}. Valid options include: [Equals, BeginsWith]."
                    ),
                ));
            }
        };
        let valid: Option<&[&str]> = match key {
            "Type" => Some(TYPES),
            "Tier" => Some(&["Standard", "Advanced"]),
            "DataType" => Some(DATA_TYPES),
            _ => None,
        };
        if let Some(valid) = valid
            && option == "Equals"
            && let Some(bad) = values.iter().find(|v| !valid.contains(&v.as_str()))
        {
            return Err(ApiError::new(
                400,
                "InvalidFilterValue",
                format!(
                    "The following filter value is not valid: {bad}. Valid values include: [{}].",
                    valid.join(", ")
                ),
            ));
        }
        if key == "Path"
            && let Some(bad) = values
                .iter()
                .find(|v| !v.starts_with('/') || (v.len() > 1 && v.ends_with('/')))
        {
            return Err(ApiError::new(
                400,
                "InvalidFilterValue",
                format!(
                    "The parameter path {bad} is not valid. A path must begin with a forward slash (/) and must not end with one."
                ),
            ));
        }
        out.push(StringFilter {
            key: key.to_string(),
            option: option.to_string(),
            values,
        });
    }
    Ok(out)
}

/// The legacy `Filters` (`ParametersFilter`: Name, Type, KeyId; Equals).
fn parse_legacy_filters(body: &Object) -> Result<Vec<StringFilter>, ApiError> {
    read_filters(body, (0, usize::MAX), |o, path| {
        let key = required_str(o, "Key", &format!("{path}.key"))?;
        check_enum(key, &format!("{path}.key"), &["Name", "Type", "KeyId"])?;
        let values = filter_values(o, path)?;
        check_count(values.len(), &format!("{path}.values"), 1, 50)?;
        Ok(StringFilter {
            key: key.to_string(),
            option: "Equals".into(),
            values,
        })
    })
}

fn in_path(name: &str, path: &str, recursive: bool) -> bool {
    let name = if name.starts_with('/') {
        name.to_string()
    } else {
        format!("/{name}")
    };
    let prefix = if path == "/" {
        "/".to_string()
    } else {
        format!("{path}/")
    };
    let Some(rest) = name.strip_prefix(&prefix) else {
        return false;
    };
    !rest.is_empty() && (recursive || !rest.contains('/'))
}

fn text_match(option: &str, values: &[String], field: &str) -> bool {
    values.iter().any(|v| match option {
        "BeginsWith" => field.starts_with(v.as_str()),
        "Contains" => field.contains(v.as_str()),
        _ => field == v,
    })
}

fn matches(name: &str, p: &Param, v: &ParamVersion, f: &StringFilter) -> bool {
    match f.key.as_str() {
        "Name" => {
            let bare = name.trim_start_matches('/');
            f.values.iter().any(|val| {
                let val_bare = val.trim_start_matches('/');
                match f.option.as_str() {
                    "BeginsWith" => bare.starts_with(val_bare),
                    "Contains" => name.contains(val.as_str()),
                    _ => bare == val_bare,
                }
            })
        }
        "Type" => text_match(&f.option, &f.values, v.kind),
        "KeyId" => v
            .key_id
            .as_deref()
            .is_some_and(|k| text_match(&f.option, &f.values, k)),
        "Tier" => text_match(&f.option, &f.values, v.tier),
        "DataType" => text_match(&f.option, &f.values, v.data_type),
        "Path" => f
            .values
            .iter()
            .any(|path| in_path(name, path, f.option == "Recursive")),
        "Label" => p
            .versions
            .iter()
            .any(|v| v.labels.iter().any(|l| f.values.contains(l))),
        key => {
            let tag = key.trim_start_matches("tag:");
            p.tags
                .iter()
                .any(|(k, val)| k == tag && text_match(&f.option, &f.values, val))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Operations

pub(crate) fn describe_parameters(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let size = max_results(body, "maxResults", 1, 50, 10)?;
    let legacy = parse_legacy_filters(body)?;
    let filters = parse_string_filters(body, false)?;
    if !legacy.is_empty() && !filters.is_empty() {
        return Err(ApiError::validation(
            "You can use either Filters or ParameterFilters in a single request.",
        ));
    }
    // Parameters shared with the caller through AWS RAM: the sim shares none.
    let shared = bad_bool(body, "Shared")?;
    let hash = query_hash(ctx, "DescribeParameters", body);
    let start = page_start(body, hash)?;
    let rows: Vec<Value> = with_store(ctx, |store| {
        if shared {
            return Vec::new();
        }
        store
            .params
            .iter()
            .filter(|(name, p)| {
                legacy
                    .iter()
                    .chain(&filters)
                    .all(|f| matches(name, p, p.current(), f))
            })
            .map(|(name, p)| metadata_json(ctx, name, p.current()))
            .collect()
    });
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json("Parameters", rows[s..e].to_vec(), next))
}

fn check_path(path: &str) -> Result<(), ApiError> {
    check_len(path, "path", 1, 2048)?;
    if !path.starts_with('/') {
        return Err(ApiError::validation(format!(
            "The parameter path {path} is not valid. A path must begin with a forward slash (/)."
        )));
    }
    if path.split('/').filter(|s| !s.is_empty()).count() > MAX_LEVELS {
        return Err(ApiError::new(
            400,
            "HierarchyLevelLimitExceededException",
            "A hierarchy can have a maximum of 15 levels.",
        ));
    }
    Ok(())
}

pub(crate) fn get_parameters_by_path(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let path = required_str(body, "Path", "path")?;
    check_path(path)?;
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let recursive = bad_bool(body, "Recursive")?;
    let decrypt = bad_bool(body, "WithDecryption")?;
    let size = max_results(body, "maxResults", 1, 10, 10)?;
    let filters = parse_string_filters(body, true)?;
    let hash = query_hash(ctx, "GetParametersByPath", body);
    let start = page_start(body, hash)?;
    let label = filters
        .iter()
        .find(|f| f.key == "Label")
        .map(|f| f.values.clone());
    let mut list: Vec<(String, Param)> = with_store(ctx, |store| {
        store
            .params
            .iter()
            .filter(|(name, _)| in_path(name, path, recursive))
            .map(|(n, p)| (n.clone(), p.clone()))
            .collect()
    });
    if path.starts_with("/aws/service") {
        for (n, v) in public(ctx.region) {
            if in_path(&n, path, recursive) {
                let p = public_param(ctx.region, &n, v, ctx.estate.started);
                list.push((n, p));
            }
        }
    }
    let rows: Vec<Value> = list
        .iter()
        .filter_map(|(name, p)| {
            let v = match &label {
                Some(labels) => p
                    .versions
                    .iter()
                    .rev()
                    .find(|v| v.labels.iter().any(|l| labels.contains(l)))?,
                None => p.current(),
            };
            filters
                .iter()
                .filter(|f| f.key != "Label")
                .all(|f| matches(name, p, v, f))
                .then(|| {
                    let sel = label.as_ref().and_then(|ls| {
                        v.labels
                            .iter()
                            .find(|l| ls.contains(l))
                            .map(|l| format!(":{l}"))
                    });
                    parameter_json(ctx, name, v, decrypt, sel.as_deref())
                })
        })
        .collect();
    let (s, e, next) = page(start, size, rows.len(), hash)?;
    Ok(page_json("Parameters", rows[s..e].to_vec(), next))
}

/// The parameter a (possibly selected) name asks for.
fn resolve(ctx: &Ctx<'_>, raw: &str, decrypt: bool) -> Result<Value, ApiError> {
    let (name, selector) = split_selector(raw);
    let param = with_store(ctx, |store| lookup(ctx, store, &name));
    let Some(p) = param else {
        return Err(not_found(raw));
    };
    let sel = selector.as_deref();
    let v = select(&p, sel).ok_or_else(|| version_not_found(&name, sel.unwrap_or("")))?;
    let shown = sel.map(|s| format!(":{s}"));
    Ok(parameter_json(ctx, &name, v, decrypt, shown.as_deref()))
}

pub(crate) fn get_parameter(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let name = required_str(body, "Name", "name")?;
    check_len(name, "name", 1, 2048)?;
    let decrypt = bad_bool(body, "WithDecryption")?;
    Ok(json!({ "Parameter": resolve(ctx, name, decrypt)? }))
}

pub(crate) fn get_parameters(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let names = input::opt_array(body, "Names")?.ok_or_else(|| super::request::missing("names"))?;
    let names = input::string_list(names, "Names")?;
    check_count(names.len(), "names", 1, 10)?;
    for n in &names {
        check_len(n, "names.member", 1, 2048)?;
    }
    let decrypt = bad_bool(body, "WithDecryption")?;
    let mut found = Vec::new();
    let mut invalid = Vec::new();
    for n in &names {
        match resolve(ctx, n, decrypt) {
            Ok(p) => found.push(p),
            Err(_) => invalid.push(Value::from(n.clone())),
        }
    }
    Ok(json!({ "Parameters": found, "InvalidParameters": invalid }))
}

pub(crate) fn get_parameter_history(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let name = required_str(body, "Name", "name")?;
    check_len(name, "name", 1, 2048)?;
    let decrypt = bad_bool(body, "WithDecryption")?;
    let size = max_results(body, "maxResults", 1, 50, 50)?;
    let hash = query_hash(ctx, "GetParameterHistory", body);
    let start = page_start(body, hash)?;
    let (bare, _) = split_selector(name);
    let lookup_name = if name.starts_with("arn:") {
        bare
    } else {
        name.to_string()
    };
    let p =
        with_store(ctx, |store| lookup(ctx, store, &lookup_name)).ok_or_else(|| not_found(name))?;
    let (s, e, next) = page(start, size, p.versions.len(), hash)?;
    let rows: Vec<Value> = p.versions[s..e]
        .iter()
        .map(|v| history_json(ctx, &lookup_name, v, decrypt))
        .collect();
    Ok(page_json("Parameters", rows, next))
}

fn check_name(name: &str) -> Result<(), ApiError> {
    check_len(name, "name", 1, 2048)?;
    let bad_char = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.-/".contains(*c)));
    if let Some(c) = bad_char {
        return Err(ApiError::validation(format!(
            "Parameter name: can't contain '{c}'. Only a-z, A-Z, 0-9, the symbols . - _ and the forward slash (/) are allowed."
        )));
    }
    let first = name.trim_start_matches('/').to_ascii_lowercase();
    if first.starts_with("aws") || first.starts_with("ssm") {
        return Err(ApiError::validation(
            "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).",
        ));
    }
    if name.contains("//") || (name.len() > 1 && name.ends_with('/')) {
        return Err(ApiError::validation(format!(
            "Parameter name {name} is not valid: a hierarchy level can't be empty."
        )));
    }
    if name.matches('/').count() > MAX_LEVELS {
        return Err(ApiError::new(
            400,
            "HierarchyLevelLimitExceededException",
            "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.",
        ));
    }
    Ok(())
}

fn check_key_id(key: &str) -> Result<(), ApiError> {
    let ok = key.starts_with("alias/")
        || key.starts_with("arn:aws:kms:")
        || (key.len() == 36 && key.chars().all(|c| c.is_ascii_hexdigit() || c == '-'));
    if ok && key.len() <= 256 {
        Ok(())
    } else {
        Err(ApiError::new(
            400,
            "InvalidKeyId",
            "The query key ID isn't valid.",
        ))
    }
}

fn caller_user(ctx: &Ctx<'_>) -> String {
    format!(
        "arn:aws:sts::{}:assumed-role/OrganizationAccountAccessRole/ssm-cockpit",
        ctx.estate.accounts[ctx.account].id
    )
}

pub(crate) fn put_parameter(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let name = required_str(body, "Name", "name")?;
    let value = required_str(body, "Value", "value")?;
    check_name(name)?;
    check_len(value, "value", 0, ADVANCED_MAX)?;
    let kind = input::opt_str(body, "Type")?;
    if let Some(k) = kind {
        check_enum(k, "type", TYPES)?;
    }
    let tier = input::opt_str(body, "Tier")?;
    if let Some(t) = tier {
        check_enum(t, "tier", TIERS)?;
    }
    let data_type = input::opt_str(body, "DataType")?;
    if let Some(d) = data_type {
        check_len(d, "dataType", 0, 128)?;
        if !DATA_TYPES.contains(&d) {
            return Err(ApiError::validation(format!(
                "The following data type is not supported: {d}. Supported data types are: text, aws:ec2:image, aws:ssm:integration."
            )));
        }
    }
    let description = input::opt_str(body, "Description")?;
    if let Some(d) = description {
        check_len(d, "description", 0, 1024)?;
    }
    let key_id = input::opt_str(body, "KeyId")?;
    if let Some(k) = key_id {
        check_len(k, "keyId", 1, 256)?;
        check_key_id(k)?;
    }
    let allowed = input::opt_str(body, "AllowedPattern")?;
    if let Some(p) = allowed {
        check_len(p, "allowedPattern", 0, 1024)?;
    }
    let overwrite = bad_bool(body, "Overwrite")?;
    let tags = input::opt_array(body, "Tags")?;
    if overwrite && tags.is_some_and(|t| !t.is_empty()) {
        return Err(ApiError::validation(
            "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
        ));
    }
    let mut tag_pairs = Vec::new();
    for t in tags.map(Vec::as_slice).unwrap_or_default() {
        let o = input::as_object(t, "Tags")?;
        let k = required_str(o, "Key", "tags.member.key")?;
        let v = required_str(o, "Value", "tags.member.value")?;
        tag_pairs.push((k.to_string(), v.to_string()));
    }
    if input::opt_str(body, "Policies")?.is_some_and(|p| !p.is_empty()) {
        // Policies need the advanced tier.
        if tier == Some("Standard") {
            return Err(ApiError::validation(
                "Parameter policies are supported only for advanced parameters.",
            ));
        }
    }
    let user = caller_user(ctx);
    let now = ctx.now;
    with_store(ctx, |store| {
        let existing = store.params.get(name);
        if existing.is_some() && !overwrite {
            return Err(ApiError::new(
                400,
                "ParameterAlreadyExists",
                "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
            ));
        }
        let prev = existing.map(|p| p.current().clone());
        let kind: &'static str = match (kind, &prev) {
            (Some(k), _) => TYPES.iter().copied().find(|t| *t == k).unwrap_or("String"),
            (None, Some(p)) => p.kind,
            (None, None) => {
                return Err(ApiError::validation(
                    "A parameter type is required when you create a parameter.",
                ));
            }
        };
        if let Some(p) = &prev
            && (p.kind == "SecureString") != (kind == "SecureString")
        {
            return Err(ApiError::new(
                400,
                "HierarchyTypeMismatchException",
                format!(
                    "The parameter type can't be changed from {} to {kind}. Create a new, unique parameter.",
                    p.kind
                ),
            ));
        }
        if key_id.is_some() && kind != "SecureString" {
            return Err(ApiError::validation(
                "KeyId is required for SecureString type parameter only.",
            ));
        }
        let data_type: &'static str = match (data_type, &prev) {
            (Some(d), _) => DATA_TYPES
                .iter()
                .copied()
                .find(|t| *t == d)
                .unwrap_or("text"),
            (None, Some(p)) => p.data_type,
            (None, None) => "text",
        };
        if data_type == "aws:ec2:image" {
            let ok = value.strip_prefix("ami-").is_some_and(|h| {
                (8..=17).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit())
            });
            if !ok {
                return Err(ApiError::validation(format!(
                    "Parameter value, {value}, is not a valid format for data type aws:ec2:image."
                )));
            }
        }
        let was_advanced = prev.as_ref().is_some_and(|p| p.tier == "Advanced");
        let large = value.chars().count() > STANDARD_MAX;
        let tier: &'static str = match tier {
            Some("Advanced") => "Advanced",
            Some("Standard") => {
                if was_advanced {
                    return Err(ApiError::validation(
                        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
                    ));
                }
                "Standard"
            }
            _ if was_advanced || large => "Advanced",
            Some(_) => "Standard",
            None => "Standard",
        };
        if tier == "Standard" && large {
            return Err(ApiError::validation(
                "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.",
            ));
        }
        if prev.is_none()
            && tier == "Standard"
            && store
                .params
                .values()
                .filter(|p| p.current().tier == "Standard")
                .count()
                >= STANDARD_LIMIT
        {
            return Err(ApiError::new(
                400,
                "ParameterLimitExceeded",
                "You have exceeded the number of parameters for this AWS account. Delete one or more parameters and try again.",
            ));
        }
        let version = prev.as_ref().map_or(1, |p| p.version + 1);
        let entry = store
            .params
            .entry(name.to_string())
            .or_insert_with(|| Param {
                versions: Vec::new(),
                tags: tag_pairs,
            });
        if entry.versions.len() >= MAX_VERSIONS {
            if entry.versions[0].labels.is_empty() {
                entry.versions.remove(0);
            } else {
                return Err(ApiError::new(
                    400,
                    "ParameterMaxVersionLimitExceeded",
                    format!(
                        "You attempted to create a new version of {name} by calling the PutParameter API with the overwrite flag. Version {}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.",
                        entry.versions[0].version
                    ),
                ));
            }
        }
        entry.versions.push(ParamVersion {
            version,
            value: value.to_string(),
            kind,
            tier,
            description: description
                .map(str::to_string)
                .or_else(|| prev.as_ref().map(|p| p.description.clone()))
                .unwrap_or_default(),
            key_id: (kind == "SecureString").then(|| {
                key_id
                    .map(str::to_string)
                    .or_else(|| prev.as_ref().and_then(|p| p.key_id.clone()))
                    .unwrap_or_else(|| DEFAULT_KEY.to_string())
            }),
            allowed_pattern: allowed
                .map(str::to_string)
                .or_else(|| prev.as_ref().and_then(|p| p.allowed_pattern.clone())),
            data_type,
            modified: now,
            user: user.clone(),
            labels: Vec::new(),
        });
        // Once advanced, every version is.
        if tier == "Advanced" {
            for v in &mut entry.versions {
                v.tier = "Advanced";
            }
        }
        Ok(json!({ "Version": version, "Tier": tier }))
    })
}

fn label_ok(label: &str) -> bool {
    let lower = label.to_ascii_lowercase();
    !label.is_empty()
        && label.len() <= 100
        && !lower.starts_with("aws")
        && !lower.starts_with("ssm")
        && !label.chars().all(|c| c.is_ascii_digit())
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

pub(crate) fn label_parameter_version(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let name = required_str(body, "Name", "name")?;
    check_len(name, "name", 1, 2048)?;
    let labels =
        input::opt_array(body, "Labels")?.ok_or_else(|| super::request::missing("labels"))?;
    let labels = input::string_list(labels, "Labels")?;
    check_count(labels.len(), "labels", 1, 10)?;
    let version = input::opt_int(body, "ParameterVersion")?;
    with_store(ctx, |store| {
        let p = store.params.get_mut(name).ok_or_else(|| not_found(name))?;
        let target = match version {
            Some(n) => n,
            None => p.current().version,
        };
        let idx = p
            .versions
            .iter()
            .position(|v| v.version == target)
            .ok_or_else(|| version_not_found(name, &target.to_string()))?;
        let (good, bad): (Vec<String>, Vec<String>) = labels.into_iter().partition(|l| label_ok(l));
        let mut after: Vec<String> = p.versions[idx].labels.clone();
        for l in &good {
            if !after.contains(l) {
                after.push(l.clone());
            }
        }
        if after.len() > LABELS_PER_VERSION {
            return Err(ApiError::new(
                400,
                "ParameterVersionLabelLimitExceeded",
                "A parameter version can have a maximum of ten labels. Move one or more labels to another version and try again.",
            ));
        }
        for v in &mut p.versions {
            v.labels.retain(|l| !good.contains(l));
        }
        p.versions[idx].labels = after;
        Ok(json!({ "InvalidLabels": bad, "ParameterVersion": target }))
    })
}
