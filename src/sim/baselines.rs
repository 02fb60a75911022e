//! Patch baselines in full: `GetPatchBaseline` (global filters, approval rules with an
//! auto-approval delay or a cutoff date, approved and rejected patches, patch groups) and
//! `GetPatchBaselineForPatchGroup`, and `DescribeEffectivePatchesForPatchBaseline` (Windows
//! baselines only, as in AWS). The baselines are those `DescribePatchBaselines` lists.

use serde_json::{Value, json};

use super::ctx::Ctx;
use super::input::{self, Object};
use super::ops_data::{custom_baseline_id, custom_baseline_os, iso};
use super::patch::{Baseline, baselines, scope_groups};
use super::request::{check_enum, check_len, page_json, required_str};
use super::wire::{ApiError, constraint_message, epoch_json, fnv64};

const OPERATING_SYSTEMS: &[&str] = &[
    "WINDOWS",
    "AMAZON_LINUX",
    "AMAZON_LINUX_2",
    "AMAZON_LINUX_2022",
    "AMAZON_LINUX_2023",
    "UBUNTU",
    "REDHAT_ENTERPRISE_LINUX",
    "SUSE",
    "CENTOS",
    "ORACLE_LINUX",
    "DEBIAN",
    "MACOS",
    "RASPBIAN",
    "ROCKY_LINUX",
    "ALMA_LINUX",
];

fn filter(key: &str, values: &[&str]) -> Value {
    json!({ "Key": key, "Values": values })
}

fn rule(
    filters: Vec<Value>,
    level: &str,
    approve: Result<u32, String>,
    non_security: bool,
) -> Value {
    let mut r = json!({
        "PatchFilterGroup": { "PatchFilters": filters },
        "ComplianceLevel": level,
        "EnableNonSecurity": non_security,
    });
    if let Some(o) = r.as_object_mut() {
        match approve {
            Ok(days) => o.insert("ApproveAfterDays".into(), days.into()),
            Err(date) => o.insert("ApproveUntilDate".into(), date.into()),
        };
    }
    r
}

fn is_windows(os: &str) -> bool {
    os == "WINDOWS"
}

/// The environment a custom baseline serves (`acme-al2023-dev` -> `dev`).
fn env_of(b: &Baseline) -> &str {
    b.name.rsplit('-').next().unwrap_or("")
}

fn global_filters(b: &Baseline) -> Vec<Value> {
    match b.os {
        "WINDOWS" => vec![filter("PRODUCT", &["*"])],
        "MACOS" => vec![filter("CLASSIFICATION", &["*"])],
        "UBUNTU" | "DEBIAN" => vec![filter("PRODUCT", &["*"])],
        _ => vec![filter("PRODUCT", &["*"])],
    }
}

fn approval_rules(b: &Baseline, started: f64) -> Vec<Value> {
    let win = is_windows(b.os);
    let (class_key, sev_key) = if win {
        ("CLASSIFICATION", "MSRC_SEVERITY")
    } else if b.os == "UBUNTU" || b.os == "DEBIAN" {
        ("SECTION", "PRIORITY")
    } else {
        ("CLASSIFICATION", "SEVERITY")
    };
    let security: &[&str] = if win {
        &["CriticalUpdates", "SecurityUpdates"]
    } else {
        &["Security"]
    };
    if b.aws {
        if b.os == "MACOS" {
            return vec![rule(
                vec![filter("CLASSIFICATION", &["Security", "Bugfix"])],
                "UNSPECIFIED",
                Ok(0),
                false,
            )];
        }
        if b.os == "UBUNTU" || b.os == "DEBIAN" {
            return vec![rule(
                vec![
                    filter("PRIORITY", &["Required", "Important", "Standard"]),
                    filter("SECTION", &["*"]),
                ],
                "UNSPECIFIED",
                Ok(7),
                false,
            )];
        }
        let mut rules = vec![rule(
            vec![
                filter(class_key, security),
                filter(sev_key, &["Critical", "Important"]),
            ],
            "UNSPECIFIED",
            Ok(7),
            false,
        )];
        if !win {
            rules.push(rule(
                vec![filter("CLASSIFICATION", &["Bugfix"])],
                "UNSPECIFIED",
                Ok(7),
                false,
            ));
        }
        return rules;
    }
    // Custom baselines: critical fast, the rest of security later; dev pins a cutoff date.
    if env_of(b) == "dev" {
        let cutoff = iso(started - 30.0 * 86_400.0);
        let date = cutoff.get(..10).unwrap_or("2026-01-01").to_string();
        return vec![rule(
            vec![filter(class_key, security)],
            "MEDIUM",
            Err(date),
            true,
        )];
    }
    vec![
        rule(
            vec![filter(class_key, security), filter(sev_key, &["Critical"])],
            "CRITICAL",
            Ok(2),
            false,
        ),
        rule(
            vec![
                filter(class_key, security),
                filter(sev_key, &["Important", "Medium"]),
            ],
            "HIGH",
            Ok(7),
            false,
        ),
    ]
}

fn patch_lists(b: &Baseline) -> (Vec<&'static str>, Vec<&'static str>) {
    if b.aws {
        return (Vec::new(), Vec::new());
    }
    if is_windows(b.os) {
        (vec!["KB5034439"], vec!["KB5034441", "KB5001330"])
    } else {
        (
            vec!["openssl-libs.x86_64:1:3.0.8-1.amzn2023.0.14"],
            vec!["kernel-6.1.90-99.173.amzn2023", "docker-25.*"],
        )
    }
}

/// Patch groups served by a baseline in the caller's scope.
fn groups_of(
    ctx: &Ctx<'_>,
    b: &Baseline,
    groups: &std::collections::BTreeSet<String>,
) -> Vec<String> {
    let account_id = &ctx.estate.accounts[ctx.account].id;
    groups
        .iter()
        .filter(|g| match custom_baseline_os(g) {
            Some(_) => custom_baseline_id(ctx.estate.seed, account_id, ctx.region, g) == b.id,
            None => b.aws && b.os == "MACOS",
        })
        .cloned()
        .collect()
}

fn check_baseline_id(id: &str) -> Result<(), ApiError> {
    check_len(id, "baselineId", 20, 128)?;
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-:/".contains(c))
    {
        return Err(ApiError::validation(constraint_message(
            &format!("'{id}'"),
            "baselineId",
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9_\\-:/]{20,128}$",
        )));
    }
    Ok(())
}

/// The baseline `id` names (its full id or, for AWS's, the part after the last `/`).
fn find_baseline<'a>(all: &'a [Baseline], id: &str) -> Result<&'a Baseline, ApiError> {
    all.iter()
        .find(|b| b.id == id || b.id.rsplit('/').next() == Some(id))
        .ok_or_else(|| {
            ApiError::new(
                400,
                "DoesNotExistException",
                format!("Patch Baseline {id} does not exist."),
            )
        })
}

pub(crate) fn get_patch_baseline(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let id = required_str(body, "BaselineId", "baselineId")?;
    check_baseline_id(id)?;
    let (nodes, _) = ctx.scope();
    let groups = scope_groups(&nodes);
    let all = baselines(ctx, &groups);
    let b = find_baseline(&all, id)?;
    let (approved, rejected) = patch_lists(b);
    let h = fnv64(&[b.id.as_bytes()]);
    let created = ctx.estate.started - (200 + h % 300) as f64 * 86_400.0;
    let modified = created + (h % 150) as f64 * 86_400.0;
    Ok(json!({
        "BaselineId": b.id,
        "Name": b.name,
        "OperatingSystem": b.os,
        "GlobalFilters": { "PatchFilters": global_filters(b) },
        "ApprovalRules": { "PatchRules": approval_rules(b, ctx.estate.started) },
        "ApprovedPatches": approved,
        "ApprovedPatchesComplianceLevel": if b.aws { "UNSPECIFIED" } else { "HIGH" },
        "ApprovedPatchesEnableNonSecurity": false,
        "RejectedPatches": rejected,
        "RejectedPatchesAction": if b.aws { "ALLOW_AS_DEPENDENCY" } else { "BLOCK" },
        "PatchGroups": groups_of(ctx, b, &groups),
        "CreatedDate": epoch_json(created),
        "ModifiedDate": epoch_json(modified),
        "Description": b.description,
        "Sources": [],
    }))
}

pub(crate) fn get_patch_baseline_for_patch_group(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let group = required_str(body, "PatchGroup", "patchGroup")?;
    check_len(group, "patchGroup", 1, 256)?;
    let os = input::opt_str(body, "OperatingSystem")?.unwrap_or("WINDOWS");
    check_enum(os, "operatingSystem", OPERATING_SYSTEMS)?;
    let (nodes, _) = ctx.scope();
    let groups = scope_groups(&nodes);
    let account_id = &ctx.estate.accounts[ctx.account].id;
    let registered = groups.contains(group) && custom_baseline_os(group) == Some(os);
    let id = if registered {
        custom_baseline_id(ctx.estate.seed, account_id, ctx.region, group)
    } else {
        // The default baseline of the operating system.
        let all = baselines(ctx, &groups);
        match all.iter().find(|b| b.aws && b.os == os) {
            Some(b) => b.id.clone(),
            None => super::ops_data::aws_baseline_id(ctx.region, os),
        }
    };
    Ok(json!({ "BaselineId": id, "PatchGroup": group, "OperatingSystem": os }))
}

/// One Windows update of the simulated catalogue: (KB, title suffix, classification,
/// MSRC severity, days since release).
fn windows_catalogue(
    baseline_id: &str,
    started: f64,
) -> Vec<(String, String, &'static str, &'static str, f64)> {
    const CLASSES: &[&str] = &["SecurityUpdates", "CriticalUpdates", "Updates"];
    const SEVERITIES: &[&str] = &["Critical", "Important", "Moderate", "Low"];
    let mut rng = super::wire::SplitMix::new(fnv64(&[baseline_id.as_bytes(), b"effective"]));
    (0..36)
        .map(|i| {
            let kb = format!("KB50{:05}", 30_000 + i * 37 + rng.range(0, 30) as usize);
            let days = rng.range(0, 120) as f64;
            let released = started - days * 86_400.0;
            let class = CLASSES[rng.range(0, CLASSES.len() as u64) as usize];
            let sev = SEVERITIES[rng.range(0, SEVERITIES.len() as u64) as usize];
            let title = format!(
                "{} Cumulative Update for Windows Server ({kb})",
                iso(released).get(..7).unwrap_or("2026-01")
            );
            (kb, title, class, sev, days)
        })
        .collect()
}

pub(crate) fn describe_effective_patches_for_patch_baseline(
    ctx: &Ctx<'_>,
    body: &Object,
) -> Result<Value, ApiError> {
    let id = required_str(body, "BaselineId", "baselineId")?;
    check_baseline_id(id)?;
    let size = super::request::max_results(body, "maxResults", 1, 100, 100)?;
    let hash = super::request::query_hash(ctx, "DescribeEffectivePatchesForPatchBaseline", body);
    let start = super::request::page_start(body, hash)?;
    let (nodes, _) = ctx.scope();
    let groups = scope_groups(&nodes);
    let all = baselines(ctx, &groups);
    let b = find_baseline(&all, id)?;
    if !is_windows(b.os) {
        return Err(ApiError::new(
            400,
            "UnsupportedOperatingSystem",
            format!(
                "DescribeEffectivePatchesForPatchBaseline is supported for Windows patch baselines only, not {}.",
                b.os
            ),
        ));
    }
    let (approved, rejected) = patch_lists(b);
    let started = ctx.estate.started;
    let delay = |class: &str, sev: &str| -> Option<f64> {
        if b.aws {
            let ok = matches!(class, "SecurityUpdates" | "CriticalUpdates")
                && matches!(sev, "Critical" | "Important");
            return ok.then_some(7.0);
        }
        match (class, sev) {
            ("SecurityUpdates" | "CriticalUpdates", "Critical") => Some(2.0),
            ("SecurityUpdates" | "CriticalUpdates", "Important" | "Moderate") => Some(7.0),
            _ => None,
        }
    };
    let mut rows: Vec<Value> = Vec::new();
    let mut catalogue = windows_catalogue(&b.id, started);
    for kb in approved.iter().chain(&rejected) {
        catalogue.push((
            (*kb).to_string(),
            format!("Update for Windows Server ({kb})"),
            "Updates",
            "Moderate",
            45.0,
        ));
    }
    for (kb, title, class, sev, days) in &catalogue {
        let released = started - days * 86_400.0;
        let (status, approval) = if rejected.contains(&kb.as_str()) {
            ("EXPLICIT_REJECTED", None)
        } else if approved.contains(&kb.as_str()) {
            ("EXPLICIT_APPROVED", Some(released))
        } else {
            match delay(class, sev) {
                Some(d) if *days >= d => ("APPROVED", Some(released + d * 86_400.0)),
                Some(d) => ("PENDING_APPROVAL", Some(released + d * 86_400.0)),
                None => continue,
            }
        };
        let mut st = serde_json::Map::new();
        st.insert("DeploymentStatus".into(), status.into());
        st.insert(
            "ComplianceLevel".into(),
            if b.aws { "UNSPECIFIED" } else { "HIGH" }.into(),
        );
        if let Some(t) = approval {
            st.insert("ApprovalDate".into(), epoch_json(t));
        }
        rows.push(json!({
            "Patch": {
                "Id": format!("{:08x}-{}", fnv64(&[kb.as_bytes()]) as u32, kb.to_lowercase()),
                "ReleaseDate": epoch_json(released),
                "Title": title,
                "Description": format!("Install this update to resolve issues in Windows. {kb}"),
                "ContentUrl": format!("https://support.microsoft.com/help/{}", kb.trim_start_matches("KB")),
                "Vendor": "Microsoft",
                "ProductFamily": "Windows",
                "Product": "WindowsServer2022",
                "Classification": class,
                "MsrcSeverity": sev,
                "KbNumber": kb,
                "Language": "All",
            },
            "PatchStatus": Value::Object(st),
        }));
    }
    let (s, e, next) = super::request::page(start, size, rows.len(), hash)?;
    Ok(page_json("EffectivePatches", rows[s..e].to_vec(), next))
}
