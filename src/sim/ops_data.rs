//! Operational data shared by the OpsCenter, Explorer, Compliance, Inventory and Patch
//! operations: the mutable state of each (account, region), per-node facts derived from
//! the node and the seed, and request helpers (limits, required members, paging).
//!
//! Mutable state lives in a registry keyed by the identity of the scope's cached node
//! list (`Estate::nodes` returns the same `Arc` for the life of the estate), so each sim
//! instance has its own state without the estate carrying it. A `Weak` to the node list
//! keeps its allocation (and so the key) from being reused while the entry exists.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde_json::Value;

use super::estate::{Estate, Node, Ping, Platform};
use super::input::{self, Object};
use super::opscenter::{self, OpsItem};
use super::server::Ctx;
use super::ssm::{decode_token, invalid_token, page_token};
use super::wire::{ApiError, SplitMix, constraint_message, fnv64};

/// A compliance item as `PutComplianceItems` stores it.
#[derive(Debug, Clone)]
pub(crate) struct PutItem {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PutCompliance {
    pub execution_time: f64,
    pub execution_id: Option<String>,
    pub execution_type: String,
    pub items: Vec<PutItem>,
}

/// An inventory item as `PutInventory` stores it.
#[derive(Debug, Clone)]
pub(crate) struct PutInventoryItem {
    pub schema_version: String,
    pub capture_time: String,
    pub content: Vec<serde_json::Map<String, Value>>,
}

/// What changes in one (account, region).
#[derive(Default)]
pub(crate) struct ScopeState {
    pub ops_items: Vec<OpsItem>,
    /// (resource id, compliance type) -> items put by `PutComplianceItems`.
    pub compliance: HashMap<(String, String), PutCompliance>,
    /// instance id -> type name -> item put by `PutInventory`.
    pub inventory: HashMap<String, BTreeMap<String, PutInventoryItem>>,
    /// Parameter Store, generated on first use.
    pub parameters: Option<super::parameters::Store>,
}

/// A scope's cached nodes and its mutable state.
pub(crate) type Scope = (Arc<Vec<Node>>, Arc<Mutex<ScopeState>>);

type Registry = HashMap<usize, (Weak<Vec<Node>>, Arc<Mutex<ScopeState>>)>;

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The nodes and state of one scope; `None` for a region or account the estate lacks.
pub(crate) fn scope(estate: &Estate, account: usize, region: &str) -> Option<Scope> {
    if account >= estate.accounts.len() || !estate.regions.iter().any(|r| r == region) {
        return None;
    }
    let nodes = estate.nodes(account, region);
    let key = Arc::as_ptr(&nodes) as usize;
    let mut reg = lock(&REGISTRY);
    let map = reg.get_or_insert_with(HashMap::new);
    if let Some((weak, state)) = map.get(&key)
        && weak.upgrade().is_some_and(|n| Arc::ptr_eq(&n, &nodes))
    {
        return Some((nodes, state.clone()));
    }
    map.retain(|_, (w, _)| w.strong_count() > 0);
    let state = Arc::new(Mutex::new(ScopeState {
        ops_items: opscenter::generate(estate, account, region, &nodes),
        ..ScopeState::default()
    }));
    map.insert(key, (Arc::downgrade(&nodes), state.clone()));
    Some((nodes, state))
}

/// The caller's scope; an estate region always has one, others get an empty scope.
pub(crate) fn caller_scope(ctx: &Ctx<'_>) -> Scope {
    scope(ctx.estate, ctx.account, ctx.region).unwrap_or_else(|| {
        (
            Arc::new(Vec::new()),
            Arc::new(Mutex::new(ScopeState::default())),
        )
    })
}

pub(crate) fn state(s: &Mutex<ScopeState>) -> MutexGuard<'_, ScopeState> {
    lock(s)
}

// ---------------------------------------------------------------------------------------
// Request helpers

/// `MaxResults` within `[min, max]`, reported under `member` (e.g. `maxResults`).
pub(crate) fn max_results(
    body: &Object,
    member: &str,
    min: i64,
    max: i64,
    default: usize,
) -> Result<usize, ApiError> {
    match input::opt_int(body, "MaxResults")? {
        None => Ok(default),
        Some(m) => {
            input::check_range(m, member, min, max)?;
            Ok(usize::try_from(m).unwrap_or(default))
        }
    }
}

pub(crate) fn missing(member: &str) -> ApiError {
    ApiError::validation(constraint_message(
        "null",
        member,
        "Member must not be null",
    ))
}

pub(crate) fn required_str<'a>(
    body: &'a Object,
    key: &str,
    member: &str,
) -> Result<&'a str, ApiError> {
    input::opt_str(body, key)?.ok_or_else(|| missing(member))
}

/// Length of a string member within `[min, max]` characters.
pub(crate) fn check_len(value: &str, member: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min {
        return Err(ApiError::validation(constraint_message(
            &format!("'{value}'"),
            member,
            &format!("Member must have length greater than or equal to {min}"),
        )));
    }
    if n > max {
        return Err(ApiError::validation(constraint_message(
            &format!("'{}'", value.chars().take(64).collect::<String>()),
            member,
            &format!("Member must have length less than or equal to {max}"),
        )));
    }
    Ok(())
}

/// Number of members of a list within `[min, max]`.
pub(crate) fn check_count(n: usize, member: &str, min: usize, max: usize) -> Result<(), ApiError> {
    if n < min || n > max {
        let bound = if n < min {
            format!("Member must have length greater than or equal to {min}")
        } else {
            format!("Member must have length less than or equal to {max}")
        };
        return Err(ApiError::validation(constraint_message(
            &format!("'<list of {n}>'"),
            member,
            &bound,
        )));
    }
    Ok(())
}

pub(crate) fn check_enum(value: &str, member: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ApiError::validation(constraint_message(
        &format!("'{value}'"),
        member,
        &format!(
            "Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ),
    )))
}

/// Hash of a query: operation, caller scope and the body without its paging members.
pub(crate) fn query_hash(ctx: &Ctx<'_>, op: &str, body: &Object) -> u64 {
    let mut rest = body.clone();
    rest.remove("NextToken");
    rest.remove("MaxResults");
    fnv64(&[
        op.as_bytes(),
        ctx.estate.accounts[ctx.account].id.as_bytes(),
        ctx.region.as_bytes(),
        Value::Object(rest).to_string().as_bytes(),
    ])
}

/// Offset of the page a request asks for; `NextToken` must come from the same query.
pub(crate) fn page_start(body: &Object, hash: u64) -> Result<usize, ApiError> {
    match input::opt_str(body, "NextToken")? {
        None => Ok(0),
        Some(t) => decode_token(t, hash).ok_or_else(invalid_token),
    }
}

/// `[start, end)` of a page over `total` items and the token of the next page.
pub(crate) fn page(
    start: usize,
    size: usize,
    total: usize,
    hash: u64,
) -> Result<(usize, usize, Option<String>), ApiError> {
    if start > total {
        return Err(invalid_token());
    }
    let end = start.saturating_add(size.max(1)).min(total);
    let next = (end < total).then(|| page_token(end, hash));
    Ok((start, end, next))
}

/// ISO-8601 UTC, second precision (inventory capture times).
pub(crate) fn iso(secs: f64) -> String {
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Epoch seconds from an RFC 3339 time or a number of epoch seconds.
pub(crate) fn parse_time(s: &str) -> Option<f64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp() as f64 + f64::from(t.timestamp_subsec_millis()) / 1000.0);
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn node_rng(seed: u64, node: &Node, salt: &str) -> SplitMix {
    SplitMix::new(seed ^ fnv64(&[node.instance_id.as_bytes(), salt.as_bytes()]))
}

/// The role part of a node's Name tag (`web-prod-03` -> `web`).
pub(crate) fn role(node: &Node) -> &str {
    let name = node.tag("Name").unwrap_or("");
    match name.rfind('-').and_then(|i| name[..i].rfind('-')) {
        Some(i) => &name[..i],
        None => name,
    }
}

// ---------------------------------------------------------------------------------------
// Patch facts

/// `OperatingSystem` of Patch Manager for a node.
pub(crate) fn operating_system(node: &Node) -> &'static str {
    match (node.platform, node.platform_name, node.platform_version) {
        (Platform::Windows, _, _) => "WINDOWS",
        (Platform::MacOs, _, _) => "MACOS",
        (_, "Amazon Linux", "2023") => "AMAZON_LINUX_2023",
        (_, "Amazon Linux", _) => "AMAZON_LINUX_2",
        (_, "Ubuntu", _) => "UBUNTU",
        (_, "Red Hat Enterprise Linux", _) => "REDHAT_ENTERPRISE_LINUX",
        (_, "SLES", _) => "SUSE",
        (_, "Debian GNU/Linux", _) => "DEBIAN",
        _ => "AMAZON_LINUX_2023",
    }
}

/// Risk of a patch group: a third of the groups carry most of the missing patches.
pub(crate) fn group_risk(seed: u64, group: &str) -> f64 {
    let h = fnv64(&[&seed.to_le_bytes(), group.as_bytes(), b"risk"]);
    if h.is_multiple_of(3) { 0.6 } else { 0.08 }
}

#[derive(Debug, Clone)]
pub(crate) struct PatchFacts {
    pub group: String,
    pub missing: u32,
    pub failed: u32,
    pub pending_reboot: u32,
    pub installed_other: u32,
    pub rejected: u32,
    pub installed: u32,
    pub not_applicable: u32,
    /// Severities of the missing and failed patches, in list order.
    pub nc_severity: Vec<&'static str>,
    pub scan_end: f64,
    pub scan_secs: f64,
    pub install_operation: bool,
}

impl PatchFacts {
    pub fn total(&self) -> u32 {
        self.missing
            + self.failed
            + self.pending_reboot
            + self.installed_other
            + self.rejected
            + self.installed
    }
    pub fn critical_nc(&self) -> u32 {
        self.nc_severity
            .iter()
            .filter(|s| **s == "Critical")
            .count() as u32
    }
}

const PATCH_SEVERITIES: &[(&str, f64)] = &[
    ("Critical", 0.25),
    ("Important", 0.4),
    ("Medium", 0.25),
    ("Low", 0.1),
];

pub(crate) fn patch_facts(seed: u64, node: &Node, now: f64, started: f64) -> PatchFacts {
    let mut rng = node_rng(seed, node, "patch");
    let group = node.tag("Patch Group").unwrap_or("default").to_string();
    let risk = group_risk(seed, &group);
    let (lo, hi) = match node.platform {
        Platform::Linux => (40, 160),
        Platform::Windows => (15, 60),
        Platform::MacOs => (8, 25),
    };
    let installed = rng.range(lo, hi) as u32;
    let stale = node.ping != Ping::Online;
    let non_compliant = rng.unit() < if stale { risk + 0.25 } else { risk };
    let (missing, failed) = if non_compliant {
        let m = rng.range(1, if risk > 0.5 { 12 } else { 4 }) as u32;
        let f = u32::from(rng.unit() < 0.2);
        (m, f)
    } else {
        (0, 0)
    };
    let nc_severity = (0..missing + failed)
        .map(|_| rng.weighted(PATCH_SEVERITIES))
        .collect();
    let pending_reboot = u32::from(rng.unit() < 0.1) * rng.range(1, 3) as u32;
    let installed_other = rng.range(0, 6) as u32;
    let last_ping = node.last_ping(now, started);
    // Scans run daily; a node that stopped pinging stopped scanning too.
    let scan_end = last_ping - rng.range(600, 20 * 3600) as f64;
    PatchFacts {
        group,
        missing,
        failed,
        pending_reboot,
        installed_other,
        rejected: 0,
        installed,
        not_applicable: rng.range(100, 900) as u32,
        nc_severity,
        scan_end,
        scan_secs: rng.range(40, 400) as f64,
        install_operation: rng.unit() < 0.3,
    }
}

/// One patch of a node, by index into its list (non-compliant patches first).
#[derive(Debug, Clone)]
pub(crate) struct Patch {
    pub kb: String,
    pub title: String,
    pub classification: &'static str,
    pub severity: &'static str,
    pub state: &'static str,
    pub installed_time: Option<f64>,
    pub cves: String,
}

const LINUX_PACKAGES: &[&str] = &[
    "kernel",
    "openssl-libs",
    "glibc",
    "curl",
    "libcurl",
    "systemd",
    "sudo",
    "openssh",
    "bind-libs",
    "python3",
    "tzdata",
    "ca-certificates",
    "expat",
    "libxml2",
    "zlib",
    "vim-minimal",
    "krb5-libs",
    "nss",
    "git",
    "polkit",
];

fn patch_rng(seed: u64, node: &Node, i: u32) -> SplitMix {
    SplitMix::new(seed ^ fnv64(&[node.instance_id.as_bytes(), &i.to_le_bytes(), b"patch-item"]))
}

/// Severity of an installed patch: the first draw of its generator, as in `patches`.
fn installed_severity(seed: u64, node: &Node, i: u32) -> &'static str {
    patch_rng(seed, node, i).weighted(PATCH_SEVERITIES)
}

pub(crate) fn patches(seed: u64, node: &Node, facts: &PatchFacts) -> Vec<Patch> {
    let total = facts.total();
    let mut out = Vec::with_capacity(total as usize);
    let nc = facts.missing + facts.failed;
    for i in 0..total {
        let mut rng = patch_rng(seed, node, i);
        let (state, severity) = if i < facts.missing {
            ("MISSING", facts.nc_severity[i as usize])
        } else if i < nc {
            ("FAILED", facts.nc_severity[i as usize])
        } else if i < nc + facts.pending_reboot {
            ("INSTALLED_PENDING_REBOOT", rng.weighted(PATCH_SEVERITIES))
        } else if i < nc + facts.pending_reboot + facts.installed_other {
            ("INSTALLED_OTHER", "Low")
        } else {
            ("INSTALLED", rng.weighted(PATCH_SEVERITIES))
        };
        let installed_time = state
            .starts_with("INSTALLED")
            .then(|| facts.scan_end - rng.range(86_400, 400 * 86_400) as f64);
        let (kb, title, classification) = match node.platform {
            Platform::Windows => {
                let kb = format!("KB{}", 5_000_000 + rng.range(0, 60_000) + u64::from(i));
                let title = format!(
                    "{}-{:02} Cumulative Update for Microsoft server operating system ({kb})",
                    2023 + rng.range(0, 3),
                    rng.range(1, 13)
                );
                let class = if severity == "Low" {
                    "Updates"
                } else {
                    "SecurityUpdates"
                };
                (kb, title, class)
            }
            Platform::MacOs => {
                let kb = format!("macOS-update-{}", 100 + i);
                (kb.clone(), kb, "Security")
            }
            Platform::Linux => {
                let pkg = LINUX_PACKAGES[i as usize % LINUX_PACKAGES.len()];
                let kb = format!(
                    "{pkg}.x86_64:0:{}.{}.{}-{}",
                    rng.range(1, 6),
                    rng.range(0, 20),
                    rng.range(0, 40),
                    rng.range(1, 200)
                );
                let class = if severity == "Low" {
                    "Bugfix"
                } else {
                    "Security"
                };
                (kb.clone(), kb, class)
            }
        };
        let cves = if classification.contains("Security") {
            format!(
                "CVE-{}-{}",
                2021 + rng.range(0, 4),
                1000 + rng.range(0, 40_000)
            )
        } else {
            String::new()
        };
        out.push(Patch {
            kb,
            title,
            classification,
            severity,
            state,
            installed_time,
            cves,
        });
    }
    out
}

/// Compliance severity of a patch severity.
pub(crate) fn compliance_severity(patch_severity: &str) -> &'static str {
    match patch_severity {
        "Critical" => "CRITICAL",
        "Important" => "HIGH",
        "Medium" => "MEDIUM",
        "Low" => "LOW",
        _ => "UNSPECIFIED",
    }
}

/// The baseline id a node is patched with: its group's custom baseline when the group is
/// registered for the node's operating system, else the AWS default for the OS.
pub(crate) fn baseline_for(ctx_region: &str, account_id: &str, seed: u64, node: &Node) -> String {
    let os = operating_system(node);
    let group = node.tag("Patch Group").unwrap_or("");
    match custom_baseline_os(group) {
        Some(g_os) if g_os == os => custom_baseline_id(seed, account_id, ctx_region, group),
        _ => aws_baseline_id(ctx_region, os),
    }
}

/// The OS a patch group's custom baseline is registered for.
pub(crate) fn custom_baseline_os(group: &str) -> Option<&'static str> {
    if group.contains("-linux-") {
        Some("AMAZON_LINUX_2023")
    } else if group.contains("-windows-") {
        Some("WINDOWS")
    } else {
        None
    }
}

pub(crate) fn custom_baseline_id(seed: u64, account_id: &str, region: &str, group: &str) -> String {
    let os = custom_baseline_os(group).unwrap_or("");
    let env = group.split('-').next().unwrap_or("");
    format!(
        "pb-0{:016x}",
        fnv64(&[
            &seed.to_le_bytes(),
            account_id.as_bytes(),
            region.as_bytes(),
            env.as_bytes(),
            os.as_bytes()
        ])
    )
}

/// The AWS-owned default baselines: (OS, name, description).
pub(crate) const AWS_BASELINES: &[(&str, &str)] = &[
    (
        "AMAZON_LINUX_2023",
        "AWS-AmazonLinux2023DefaultPatchBaseline",
    ),
    ("AMAZON_LINUX_2", "AWS-AmazonLinux2DefaultPatchBaseline"),
    ("UBUNTU", "AWS-UbuntuDefaultPatchBaseline"),
    ("REDHAT_ENTERPRISE_LINUX", "AWS-RedHatDefaultPatchBaseline"),
    ("SUSE", "AWS-SuseDefaultPatchBaseline"),
    ("DEBIAN", "AWS-DebianDefaultPatchBaseline"),
    ("WINDOWS", "AWS-DefaultPatchBaseline"),
    ("MACOS", "AWS-MacOSDefaultPatchBaseline"),
];

pub(crate) fn aws_baseline_id(region: &str, os: &str) -> String {
    format!(
        "arn:aws:ssm:{region}:aws:patchbaseline/pb-0{:016x}",
        fnv64(&[region.as_bytes(), os.as_bytes(), b"aws-baseline"])
    )
}

// ---------------------------------------------------------------------------------------
// Compliance items

pub(crate) const SEVERITIES: &[&str] = &[
    "CRITICAL",
    "HIGH",
    "MEDIUM",
    "LOW",
    "INFORMATIONAL",
    "UNSPECIFIED",
];

#[derive(Debug, Clone)]
pub(crate) struct ComplianceItem {
    pub compliance_type: String,
    pub id: String,
    pub title: String,
    pub status: String,
    pub severity: String,
    pub execution_time: f64,
    pub execution_id: Option<String>,
    pub execution_type: String,
    pub details: BTreeMap<String, String>,
}

const ASSOCIATIONS: &[(&str, &str)] = &[
    ("AWS-GatherSoftwareInventory", "Inventory-Collection"),
    ("AWS-UpdateSSMAgent", "SSMAgent-Update"),
    ("AWS-ConfigureCloudWatchOnEC2Instance", "CloudWatch-Agent"),
    ("AWS-RunPatchBaseline", "Patch-Scan-Daily"),
    ("AWS-ConfigureAWSPackage", "Install-CodeDeploy"),
];

const CIS_RULES: &[(&str, &str)] = &[
    (
        "1.1.1.1",
        "Ensure mounting of cramfs filesystems is disabled",
    ),
    (
        "1.4.1",
        "Ensure permissions on bootloader config are configured",
    ),
    ("3.3.1", "Ensure source routed packets are not accepted"),
    ("4.1.1.1", "Ensure auditd is installed"),
    ("5.2.4", "Ensure SSH access is limited"),
    (
        "5.3.1",
        "Ensure password creation requirements are configured",
    ),
];

/// Compliance types a node reports, without building the items.
pub(crate) fn generated_types(seed: u64, node: &Node) -> Vec<&'static str> {
    let mut types = vec!["Patch"];
    if node
        .association
        .as_ref()
        .is_some_and(|a| a.status != "Pending")
    {
        types.push("Association");
    }
    if has_cis(seed, node) {
        types.push("Custom:CISBenchmark");
    }
    types
}

fn has_cis(seed: u64, node: &Node) -> bool {
    node.platform == Platform::Linux
        && fnv64(&[&seed.to_le_bytes(), node.instance_id.as_bytes(), b"cis"]).is_multiple_of(3)
}

/// The compliance items of one node and one type as generated (before any put).
fn generated_items(
    seed: u64,
    node: &Node,
    compliance_type: &str,
    now: f64,
    started: f64,
    baseline: &str,
) -> Vec<ComplianceItem> {
    match compliance_type {
        "Patch" => {
            let facts = patch_facts(seed, node, now, started);
            let exec_id = format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                fnv64(&[node.instance_id.as_bytes(), b"exec"]) as u32,
                0x1a2b,
                0x3c4,
                0x5d6,
                fnv64(&[node.instance_id.as_bytes()]) & 0xffff_ffff_ffff
            );
            patches(seed, node, &facts)
                .into_iter()
                .map(|p| {
                    let status = if matches!(p.state, "MISSING" | "FAILED") {
                        "NON_COMPLIANT"
                    } else {
                        "COMPLIANT"
                    };
                    let mut details = BTreeMap::new();
                    details.insert("Classification".into(), p.classification.to_string());
                    details.insert("PatchBaselineId".into(), baseline.to_string());
                    details.insert("PatchGroup".into(), facts.group.clone());
                    details.insert("PatchSeverity".into(), p.severity.to_string());
                    details.insert("PatchState".into(), pascal_state(p.state));
                    details.insert("DocumentName".into(), "AWS-RunPatchBaseline".into());
                    details.insert("DocumentVersion".into(), "1".into());
                    if let Some(t) = p.installed_time {
                        details.insert("InstalledTime".into(), iso(t));
                    }
                    ComplianceItem {
                        compliance_type: "Patch".into(),
                        id: p.kb,
                        title: p.title,
                        status: status.into(),
                        severity: compliance_severity(p.severity).into(),
                        execution_time: facts.scan_end,
                        execution_id: Some(exec_id.clone()),
                        execution_type: "Command".into(),
                        details,
                    }
                })
                .collect()
        }
        "Association" => {
            let Some(a) = node.association.as_ref().filter(|a| a.status != "Pending") else {
                return Vec::new();
            };
            let exec = node.last_ping(now, started) - f64::from(a.last_exec_before_ping);
            let mut rng = node_rng(seed, node, "association");
            (0..a.count as usize)
                .map(|i| {
                    let (doc, name) = ASSOCIATIONS[i % ASSOCIATIONS.len()];
                    let id = format!(
                        "{}-{}-{}-{}-{}",
                        rng.hex(8),
                        rng.hex(4),
                        rng.hex(4),
                        rng.hex(4),
                        rng.hex(12)
                    );
                    let severity =
                        *rng.pick(&["UNSPECIFIED", "UNSPECIFIED", "HIGH", "MEDIUM", "CRITICAL"]);
                    let mut details = BTreeMap::new();
                    details.insert("DocumentName".into(), doc.to_string());
                    details.insert("DocumentVersion".into(), "1".into());
                    ComplianceItem {
                        compliance_type: "Association".into(),
                        id,
                        title: name.into(),
                        status: if a.status == "Success" {
                            "COMPLIANT".into()
                        } else {
                            "NON_COMPLIANT".into()
                        },
                        severity: severity.into(),
                        execution_time: exec,
                        execution_id: None,
                        execution_type: "Command".into(),
                        details,
                    }
                })
                .collect()
        }
        "Custom:CISBenchmark" if has_cis(seed, node) => {
            let mut rng = node_rng(seed, node, "cis");
            let exec = node.last_ping(now, started) - rng.range(3600, 7 * 86_400) as f64;
            CIS_RULES
                .iter()
                .map(|(id, title)| ComplianceItem {
                    compliance_type: "Custom:CISBenchmark".into(),
                    id: (*id).into(),
                    title: (*title).into(),
                    status: if rng.unit() < 0.2 {
                        "NON_COMPLIANT".into()
                    } else {
                        "COMPLIANT".into()
                    },
                    severity: (*rng.pick(&["HIGH", "MEDIUM", "LOW", "INFORMATIONAL"])).into(),
                    execution_time: exec,
                    execution_id: None,
                    execution_type: "Custom".into(),
                    details: BTreeMap::new(),
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

fn pascal_state(state: &str) -> String {
    state
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_string() + &c.as_str().to_lowercase(),
                None => String::new(),
            }
        })
        .collect()
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
    let mut types: Vec<String> = generated_types(seed, node)
        .into_iter()
        .map(String::from)
        .collect();
    for (rid, t) in state.compliance.keys() {
        if rid == &node.instance_id && !types.contains(t) {
            types.push(t.clone());
        }
    }
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
            None => out.extend(super::associations::with_scope_ids(
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

pub(crate) fn sev_index(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(5)
}

/// Summaries of every compliance type of a node.
pub(crate) fn summaries(
    seed: u64,
    now: f64,
    started: f64,
    state: &ScopeState,
    node: &Node,
) -> Vec<TypeSummary> {
    let mut types: Vec<String> = generated_types(seed, node)
        .into_iter()
        .map(String::from)
        .collect();
    for (rid, t) in state.compliance.keys() {
        if rid == &node.instance_id && !types.contains(t) {
            types.push(t.clone());
        }
    }
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
