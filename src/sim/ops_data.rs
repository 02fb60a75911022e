//! Generated operational data shared by the OpsCenter, Explorer, Compliance, Inventory
//! and Patch operations: per-node facts derived from the node and the seed (role,
//! operating system, patch state, compliance items) and their summaries. Nothing here
//! changes; what requests change is kept in [`super::store`].

use std::collections::BTreeMap;

use super::estate::{Node, Ping, Platform};
use super::wire::{SplitMix, fnv64};

/// ISO-8601 UTC, second precision (inventory capture times).
pub(crate) fn iso(secs: f64) -> String {
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
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
pub(crate) fn installed_severity(seed: u64, node: &Node, i: u32) -> &'static str {
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
pub(crate) fn generated_items(
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
                    let id = rng.uuid();
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

pub(crate) fn sev_index(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(5)
}
