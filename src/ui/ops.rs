//! The OpsCenter pane: the OpsItems table and one OpsItem in full.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};

use chrono::{DateTime, Utc};

use super::fields::{DetailLines, draw_popup};
use super::table::{
    ColSpec, TablePane, account_name, col, count_refs, counts_title, grow, plain, scope_label,
    tinted,
};
use super::text::{age, centered, clean, timestamp};
use crate::app::{App, Drawn, OpsCol, Overlay, severity_label};
use crate::model::{DetailRequest, Feed, OpsItem, OpsItemDetail, ScopeId};
use crate::ui::theme::Theme;

pub fn severity_color(sev: &str, theme: &Theme) -> Color {
    match sev {
        "1" => theme.sev_critical,
        "2" => theme.sev_high,
        "3" => theme.sev_medium,
        "4" => theme.sev_low,
        _ => theme.muted,
    }
}

fn status_color(status: &str, theme: &Theme) -> Color {
    match status {
        "Open" => theme.warn,
        "InProgress" | "Pending" => theme.accent,
        "Resolved" => theme.ok,
        _ => theme.muted,
    }
}

const SPECS: [ColSpec; 8] = [
    col(5, 10),   // severity
    col(6, 10),   // status
    col(12, 17),  // id
    grow(16, 30), // title
    col(8, 16),   // source
    col(8, 16),   // account
    col(9, 14),   // region
    col(3, 5),    // age
];

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let v = &app.panes.ops;
    let open = count_refs(&v.refs, |s| app.estate.scope_ops_items(s), |i| i.is_open());
    let title = counts_title(
        "OpsCenter",
        &[
            (v.table.total(), "OpsItems"),
            (open, "open"),
            (v.table.len(), "shown"),
        ],
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::OpsItems,
        also: &[],
        specs: &SPECS,
        table: &v.table,
        what: "OpsItems",
    };
    let src = v.rows(&app.estate);
    let now = app.now();
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let item = src.item(row);
        match col {
            OpsCol::Severity => tinted(
                text,
                severity_color(item.map_or("", |i| &i.severity), &theme),
            ),
            OpsCol::Status => tinted(text, status_color(item.map_or("", |i| &i.status), &theme)),
            OpsCol::Created => tinted(age(now, item.and_then(|i| i.created)), theme.muted),
            OpsCol::Id => tinted(text, theme.muted),
            OpsCol::Account => plain(account_name(app, item.map(|i| i.scope))),
            _ => plain(text),
        }
    });
}

/// One OpsItem in full: fields, description, operational data, resources (the nodes
/// among them can be jumped to), runbooks, related items and events.
pub fn draw_detail(buf: &mut Buffer, area: Rect, app: &App) {
    let Overlay::OpsItem {
        scope,
        id,
        scroll,
        cursor,
    } = app.overlay()
    else {
        return;
    };
    let (title, lines) = item_lines(app, *scope, id, *cursor);
    let popup = centered(
        area,
        area.width.saturating_sub(6).clamp(40, 110),
        area.height.saturating_sub(2),
    );
    let hint = " j/k scroll · r refresh · Esc close ";
    draw_popup(buf, popup, app.theme(), title, hint, lines, *scroll);
}

/// The title and the lines of the popup of the OpsItem `id`, the node at `cursor` picked.
fn item_lines(app: &App, scope: ScopeId, id: &str, cursor: usize) -> (String, Vec<Line<'static>>) {
    let detail = app.estate.ops_item_detail(scope, id);
    let summary = app
        .estate
        .scope_ops_items(scope)
        .iter()
        .find(|i| i.id == id);
    let item: Option<&OpsItem> = detail.map(|d| &d.item).or(summary);
    let req = DetailRequest::OpsItem {
        scope,
        id: id.to_string(),
    };
    let mut d = DetailLines::after_fetch(app, 16, &req, detail.map(|d| d.fetched));
    let Some(item) = item else {
        d.gone("OpsItem");
        return (format!(" {} ", clean(id)), d.lines);
    };
    item_fields(&mut d, app, scope, item);
    item_description(&mut d, item, detail.is_some());
    let nodes = app.ops_item_nodes(scope, id);
    let cur = nodes.get(cursor.min(nodes.len().saturating_sub(1)));
    item_resources(&mut d, app, scope, item, detail, cur);
    if !nodes.is_empty() {
        d.muted("  n/p pick a node · Enter goes to it (Esc comes back)");
    }
    item_runbooks_and_data(&mut d, item);
    if let Some(detail) = detail {
        item_related_and_events(&mut d, app.now(), detail);
    }
    let title = format!(" {} · {} ", clean(&item.id), clean(&item.title));
    (title, d.lines)
}

/// The fields at the top of the OpsItem popup.
fn item_fields(d: &mut DetailLines, app: &App, scope: ScopeId, item: &OpsItem) {
    let (base, theme, now) = (d.base, d.theme, app.now());
    d.field(
        "Status",
        &item.status,
        base.fg(status_color(&item.status, theme)),
    );
    d.field(
        "Severity",
        severity_label(&item.severity),
        base.fg(severity_color(&item.severity, theme)),
    );
    if let Some(p) = item.priority {
        d.field("Priority", p.to_string(), base);
    }
    d.field("Source", &item.source, base);
    d.field("Category", &item.category, base);
    d.field("Type", &item.ops_item_type, base);
    d.field("Scope", scope_label(app, scope), base);
    let created = format!(
        "{} ({} ago) by {}",
        timestamp(item.created),
        age(now, item.created),
        item.created_by
    );
    d.field("Created", &created, base);
    let modified = format!(
        "{} by {}",
        timestamp(item.last_modified),
        item.last_modified_by
    );
    d.field("Modified", &modified, base);
}

/// The description of the OpsItem: "…" until the details (`fetched`) tell it is empty.
fn item_description(d: &mut DetailLines, item: &OpsItem, fetched: bool) {
    d.section("Description");
    if item.description.is_empty() {
        d.muted(if fetched { "(none)" } else { "…" });
    } else {
        for l in item.description.lines() {
            d.push(Line::styled(clean(l).into_owned(), d.base));
        }
    }
}

/// The resources of the OpsItem and the related ones of its details; the nodes among them
/// can be picked, `cur` is.
fn item_resources(
    d: &mut DetailLines,
    app: &App,
    scope: ScopeId,
    item: &OpsItem,
    detail: Option<&OpsItemDetail>,
    cur: Option<&String>,
) {
    let (base, theme) = (d.base, d.theme);
    d.section("Related resources");
    let mut resources: Vec<(String, String)> = item
        .resources
        .iter()
        .map(|r| (r.clone(), String::new()))
        .collect();
    if let Some(detail) = detail {
        for r in &detail.related {
            if !resources.iter().any(|(u, _)| *u == r.resource_uri) {
                resources.push((
                    r.resource_uri.clone(),
                    format!("{} {}", r.resource_type, r.association_type),
                ));
            }
        }
    }
    if resources.is_empty() {
        d.muted("(none)");
    }
    for (uri, what) in &resources {
        let node = crate::app::node_id_of(uri);
        let picked = node.is_some() && node.as_ref() == cur;
        let name = node
            .as_ref()
            .and_then(|n| app.estate.find_node(scope, n))
            .map(|n| n.name().to_string())
            .filter(|n| !n.is_empty())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let marker = if picked { "▸ " } else { "  " };
        let style = if picked {
            d.picked()
        } else if node.is_some() {
            base.fg(theme.accent)
        } else {
            base
        };
        d.push(Line::from(vec![
            Span::styled(marker, base.fg(theme.key)),
            Span::styled(format!("{}{name}", clean(uri)), style),
            Span::styled(format!("  {}", clean(what)), base.fg(theme.muted)),
        ]));
    }
}

/// The suggested runbooks and the operational data (but the resources and automations,
/// shown apart) of the OpsItem.
fn item_runbooks_and_data(d: &mut DetailLines, item: &OpsItem) {
    let (base, theme) = (d.base, d.theme);
    d.section("Suggested runbooks");
    if item.runbooks.is_empty() {
        d.muted("(none)");
    }
    for r in &item.runbooks {
        d.text(r, base.fg(theme.accent));
    }
    d.section("Operational data");
    let data: Vec<&(String, String)> = item
        .operational_data
        .iter()
        .filter(|(k, _)| k != "/aws/resources" && k != "/aws/automations")
        .collect();
    if data.is_empty() {
        d.muted("(none)");
    }
    for (k, v) in data {
        let v: String = clean(v).chars().take(300).collect();
        d.field(k, &v, base);
    }
}

/// The related OpsItems and the events of the fetched details.
fn item_related_and_events(d: &mut DetailLines, now: DateTime<Utc>, detail: &OpsItemDetail) {
    let (base, key, theme) = (d.base, d.key, d.theme);
    if !detail.item.related_ops_items.is_empty() {
        d.section("Related OpsItems");
        d.text(detail.item.related_ops_items.join(", "), base);
    }
    d.section(format!("Events ({})", detail.events.len()));
    for e in &detail.events {
        d.push(Line::from(vec![
            Span::styled(format!("  {:<6}", age(now, e.created)), key),
            Span::styled(
                format!("{} · {} ", clean(&e.source), clean(&e.detail_type)),
                base,
            ),
            Span::styled(
                clean(&e.detail).chars().take(160).collect::<String>(),
                base.fg(theme.muted),
            ),
        ]));
    }
}
