//! One parameter, patch baseline or document in full (a popup over its pane).
//!
//! A SecureString value is drawn masked unless the view was asked to reveal it and the
//! decrypted value has arrived; history never shows SecureString values.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::fields::{DetailLines, draw_popup};
use super::table::scope_label;
use super::text::{age, centered, clean, timestamp};
use crate::app::{
    App, CatalogDetail, CatalogItem, Overlay, baseline_nodes, package_platforms, readable_content,
};
use crate::model::ScopeId;

/// What a masked value looks like.
pub const MASK: &str = "••••••••";

/// The entry shown in full, if one is open.
pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let Overlay::Catalog(d) = app.overlay() else {
        return;
    };
    let theme = app.theme();
    let mut l = DetailLines::new(theme, 17);
    let (title, hint) = match &d.item {
        CatalogItem::Parameter { scope, name } => {
            parameter(&mut l, app, d, *scope, name);
            (
                format!(" Parameter {} ", clean(name)),
                if app.options.read_only {
                    " v reveal/hide · r refresh · j/k scroll · Esc close "
                } else {
                    " v reveal/hide · e new version · r refresh · Esc close "
                },
            )
        }
        CatalogItem::Baseline { scope, id } => {
            baseline(&mut l, app, d, *scope, id);
            (
                " Patch baseline ".to_string(),
                if app.options.read_only {
                    " n/p node · r refresh · j/k scroll · Esc close "
                } else {
                    " n/p node · s scan · i install · j/k scroll · Esc close "
                },
            )
        }
        CatalogItem::Document { scope, name } => {
            let package = app
                .estate
                .scope_documents(*scope)
                .iter()
                .any(|d| d.name == *name && d.document_type == "Package");
            document(&mut l, app, *scope, name);
            (
                format!(" Document {} ", clean(name)),
                if package && !app.options.read_only {
                    " [ ] version · i install · u uninstall · j/k scroll · Esc close "
                } else {
                    " [ ] version · r refresh · j/k scroll · Esc close "
                },
            )
        }
    };
    let popup = centered(
        area,
        area.width.saturating_sub(6).clamp(40, 120),
        u16::try_from(l.lines.len() + 2)
            .unwrap_or(u16::MAX)
            .min(area.height.saturating_sub(2)),
    );
    draw_popup(buf, popup, theme, title, hint, l.lines, d.scroll);
}

fn parameter(l: &mut DetailLines<'_>, app: &App, d: &CatalogDetail, scope: ScopeId, name: &str) {
    let theme = app.theme();
    let now = app.now();
    let Some(p) = app
        .estate
        .scope_parameters(scope)
        .iter()
        .find(|p| p.name == name)
    else {
        l.text("This parameter is no longer listed.", l.key);
        return;
    };
    l.field("Type", &p.param_type, l.base);
    l.field(
        "Tier",
        &p.tier,
        if p.tier == "Advanced" {
            l.base.fg(theme.accent)
        } else {
            l.base
        },
    );
    l.field("Data type", &p.data_type, l.base);
    l.field("Version", p.version.to_string(), l.base);
    l.field(
        "Last modified",
        format!(
            "{} ({} ago) by {}",
            timestamp(p.last_modified),
            age(now, p.last_modified),
            p.last_modified_user
        ),
        l.base,
    );
    if p.is_secure() {
        l.field("KMS key", &p.key_id, l.base);
    }
    if !p.description.is_empty() {
        l.field("Description", &p.description, l.base);
    }
    if !p.allowed_pattern.is_empty() {
        l.field("Allowed pattern", &p.allowed_pattern, l.base);
    }
    l.field("Scope", scope_label(app, scope), l.base);
    if let Some(typed) = &d.editing {
        l.section(format!(
            "New value: version {} (Enter reviews, Esc cancels)",
            p.version + 1
        ));
        let shown = if p.is_secure() {
            "•".repeat(typed.expose().chars().count())
        } else {
            typed.expose().to_string()
        };
        l.text(format!("{shown}▏"), l.base.fg(theme.accent));
    }
    l.section("Value");
    let value = app.estate.parameter_value(scope, name, p.version);
    if p.is_secure() {
        match (d.reveal, value.and_then(|v| v.secret.as_ref())) {
            (true, Some(secret)) => {
                for line in secret.expose().lines() {
                    l.text(line, l.base.fg(theme.warn));
                }
            }
            (true, None) => l.text("decrypting…", l.key),
            (false, _) => l.text(format!("{MASK}  (SecureString: v reveals)"), l.key),
        }
    } else {
        match value {
            Some(v) => {
                let shown = if p.param_type == "StringList" {
                    v.value.split(',').collect::<Vec<_>>().join("\n")
                } else {
                    readable_content(&v.value)
                };
                for line in shown.lines() {
                    l.text(line, l.base);
                }
            }
            None => match app
                .estate
                .detail_error(&crate::model::DetailRequest::ParameterValue {
                    scope,
                    name: name.to_string(),
                    version: None,
                    decrypt: false,
                }) {
                Some(e) => l.text(e, l.base.fg(theme.error)),
                None => l.text("loading…", l.key),
            },
        }
    }
    parameter_history(l, app, scope, name);
}

/// The versions of the parameter `name`, newest first, secure values masked.
fn parameter_history(l: &mut DetailLines<'_>, app: &App, scope: ScopeId, name: &str) {
    let theme = app.theme();
    let now = app.now();
    l.section("History");
    match app.estate.parameter_history(scope, name) {
        None => l.text("loading…", l.key),
        Some(h) => {
            for v in h.versions.iter().rev() {
                let labels = if v.labels.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", v.labels.join(", "))
                };
                let value = if v.param_type == "SecureString" {
                    MASK.to_string()
                } else {
                    let one: String = v
                        .value
                        .lines()
                        .next()
                        .unwrap_or("")
                        .chars()
                        .take(60)
                        .collect();
                    one
                };
                l.lines.push(Line::from(vec![
                    Span::styled(format!("  v{:<4}", v.version), l.base),
                    Span::styled(
                        format!(
                            "{} ({} ago)  ",
                            timestamp(v.last_modified),
                            age(now, v.last_modified)
                        ),
                        l.key,
                    ),
                    Span::styled(clean(&value).into_owned(), l.base),
                    Span::styled(labels, l.base.fg(theme.accent)),
                ]));
                let who = v.last_modified_user.rsplit('/').next().unwrap_or("");
                if !who.is_empty() {
                    l.text(format!("      by {who} · {}", v.tier), l.key);
                }
            }
        }
    }
}

fn baseline(l: &mut DetailLines<'_>, app: &App, d: &CatalogDetail, scope: ScopeId, id: &str) {
    let theme = app.theme();
    let now = app.now();
    let Some(b) = app
        .estate
        .scope_baselines(scope)
        .iter()
        .find(|b| b.id == id)
    else {
        l.text("This baseline is no longer listed.", l.key);
        return;
    };
    l.field("Name", &b.name, l.base);
    l.field("Id", &b.id, l.base);
    l.field("OS", &b.operating_system, l.base);
    l.field(
        "Owner",
        if b.aws_owned() { "AWS" } else { "this account" },
        l.base,
    );
    if b.default_baseline {
        l.field(
            "Default",
            format!("default baseline for {}", b.operating_system),
            l.base,
        );
    }
    if !b.description.is_empty() {
        l.field("Description", &b.description, l.base);
    }
    l.field(
        "Modified",
        format!("{} ({} ago)", timestamp(b.modified), age(now, b.modified)),
        l.base,
    );
    l.field("Scope", scope_label(app, scope), l.base);
    l.section("Global filters");
    for f in &b.global_filters {
        l.text(f.text(), l.base);
    }
    l.section("Approval rules");
    for (i, r) in b.rules.iter().enumerate() {
        let filters: Vec<String> = r.filters.iter().map(|f| f.text()).collect();
        l.text(format!("{}. {}", i + 1, filters.join(" · ")), l.base);
        l.text(
            format!(
                "   approve {} · compliance {}{}",
                r.approval(),
                r.compliance_level,
                if r.enable_non_security {
                    " · non-security too"
                } else {
                    ""
                }
            ),
            l.key,
        );
    }
    l.section(format!(
        "Approved patches ({}, compliance {})",
        b.approved_patches.len(),
        b.approved_compliance_level
    ));
    for p in &b.approved_patches {
        l.text(p, l.base);
    }
    l.section(format!(
        "Rejected patches ({}, {})",
        b.rejected_patches.len(),
        b.rejected_action
    ));
    for p in &b.rejected_patches {
        l.text(p, l.base.fg(theme.warn));
    }
    l.section("Patch groups");
    if b.patch_groups.is_empty() {
        l.text("none", l.key);
    }
    let states = app.estate.scope_patch_states(scope);
    for g in &b.patch_groups {
        let n = states.iter().filter(|s| s.patch_group == *g).count();
        l.text(format!("{g} ({n} nodes)"), l.base);
    }
    baseline_node_states(l, app, d, scope, id);
}

/// The nodes patched with the baseline `id`, their patch counts, and the patches the
/// picked one (`d.node`) misses or failed.
fn baseline_node_states(
    l: &mut DetailLines<'_>,
    app: &App,
    d: &CatalogDetail,
    scope: ScopeId,
    id: &str,
) {
    let theme = app.theme();
    let now = app.now();
    let nodes = baseline_nodes(&app.estate, scope, id);
    l.section(format!("Nodes patched with it ({})", nodes.len()));
    for (i, node) in nodes.iter().enumerate().take(40) {
        let Some(s) = app.estate.patch_state(scope, node) else {
            continue;
        };
        let mark = if i == d.node { "▶" } else { " " };
        let bad = s.missing + s.failed > 0;
        l.lines.push(Line::from(vec![
            Span::styled(format!(" {mark} {:<20} ", s.instance_id), l.base),
            Span::styled(
                format!(
                    "installed {:<4} missing {:<3} failed {:<3} pending reboot {:<3}",
                    s.installed, s.missing, s.failed, s.installed_pending_reboot
                ),
                if bad {
                    l.base.fg(theme.error)
                } else {
                    l.base.fg(theme.ok)
                },
            ),
            Span::styled(
                format!(" {} {} ago", s.operation, age(now, s.operation_end)),
                l.key,
            ),
        ]));
    }
    if let Some(node) = nodes.get(d.node) {
        l.section(format!("Missing and failed patches of {node}"));
        match app.estate.node_patches(scope, node) {
            None => l.text("loading…", l.key),
            Some((patches, _)) => {
                let bad: Vec<_> = patches.iter().filter(|p| p.needs_action()).collect();
                if bad.is_empty() {
                    l.text("none: the node is compliant", l.base.fg(theme.ok));
                }
                for p in bad {
                    l.lines.push(Line::from(vec![
                        Span::styled(format!("  {:<7} ", p.state), l.base.fg(theme.error)),
                        Span::styled(format!("{:<10} ", p.severity), l.base),
                        Span::styled(clean(&p.title).into_owned(), l.base),
                    ]));
                }
            }
        }
    }
}

fn document(l: &mut DetailLines<'_>, app: &App, scope: ScopeId, name: &str) {
    let theme = app.theme();
    let summary = app
        .estate
        .scope_documents(scope)
        .iter()
        .find(|d| d.name == name);
    if let Some(s) = summary {
        l.field("Type", &s.document_type, l.base);
        l.field("Owner", &s.owner, l.base);
        l.field("Format", &s.document_format, l.base);
        l.field("Platforms", s.platform_types.join(", "), l.base);
    }
    l.field("Scope", scope_label(app, scope), l.base);
    let Some(detail) = app.estate.document_detail(scope, name) else {
        match app
            .estate
            .detail_error(&crate::model::DetailRequest::Document {
                scope,
                name: crate::app::document_ref(&app.estate, scope, name),
                version: None,
            }) {
            Some(e) => l.text(e, l.base.fg(theme.error)),
            None => l.text("loading…", l.key),
        }
        return;
    };
    let desc = &detail.description;
    l.field(
        "Versions",
        format!(
            "default {} · latest {}{}",
            desc.default_version,
            desc.latest_version,
            if desc.version_name.is_empty() {
                String::new()
            } else {
                format!(" · {}", desc.version_name)
            }
        ),
        l.base,
    );
    l.field("Status", &desc.status, l.base);
    l.field("Schema", &desc.schema_version, l.base);
    if !desc.target_type.is_empty() {
        l.field("Target type", &desc.target_type, l.base);
    }
    if !desc.description.is_empty() {
        l.field("Description", &desc.description, l.base);
    }
    l.section(format!("Parameters ({})", desc.parameters.len()));
    for p in &desc.parameters {
        let default = match &p.default_value {
            Some(d) => format!(" = {d}"),
            None => " (required)".to_string(),
        };
        l.lines.push(Line::from(vec![
            Span::styled(
                format!("  {} ", p.name),
                l.base.add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{}{default}", p.param_type), l.key),
        ]));
        if !p.description.is_empty() {
            l.text(format!("    {}", p.description), l.key);
        }
    }
    if desc.document_type == "Package" || detail.content.document_type == "Package" {
        l.section("Platforms (manifest)");
        let platforms = package_platforms(&detail.content.content);
        if platforms.is_empty() {
            l.text("no manifest platforms", l.key);
        }
        for (platform, version, arches) in platforms {
            l.text(
                format!("{platform} {version}: {}", arches.join(", ")),
                l.base,
            );
        }
    }
    l.section(format!("Versions ({})", detail.versions.len()));
    for v in &detail.versions {
        let shown = v.document_version == detail.content.document_version;
        l.text(
            format!(
                "{}{}{} {} {}",
                if shown { "▶ " } else { "  " },
                v.document_version,
                if v.is_default_version {
                    " (default)"
                } else {
                    ""
                },
                v.version_name,
                timestamp(v.created)
            ),
            l.base,
        );
    }
    l.section(format!(
        "Content (version {}, {})",
        detail.content.document_version, detail.content.document_format
    ));
    for line in readable_content(&detail.content.content).lines() {
        l.text(line, l.base);
    }
}
