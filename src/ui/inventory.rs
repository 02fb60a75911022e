//! The inventory pane: one node's inventory type by type, or an application query
//! across the fleet with counts by version.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::table::{
    ColSpec, TableDraw, account_name, col, draw_bars, draw_message, draw_table, draw_title,
    draw_view, fit, grow, record_rows, scope_label,
};
use super::text::{put, thousands};
use crate::app::{App, AppQueryView, Drawn, InventoryMode, TableSource};
use crate::model::{DetailRequest, Feed, InventoryEntry};
use crate::ui::theme::Theme;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    if area.height < 3 {
        return;
    }
    match app.panes.inventory.mode {
        InventoryMode::Node => draw_node(buf, area, app, out),
        InventoryMode::Query => draw_query(buf, area, app, out),
    }
}

fn draw_node(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let Some((scope, id)) = app.panes.inventory.node.clone() else {
        draw_title(buf, area, app, "Inventory", &[Feed::Inventory]);
        let body = Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        };
        draw_message(
            buf,
            body,
            "Pick a node in the nodes pane (1) and press i · or :app NAME for a fleet query",
            Style::default().fg(theme.muted),
        );
        return;
    };
    let types: Vec<(String, usize)> = crate::app::inventory_types(&app.estate, scope, &id)
        .into_iter()
        .map(|r| (r.type_name.clone(), r.entries.len()))
        .collect();
    let name = app
        .estate
        .find_node(scope, &id)
        .map(|n| n.name().to_string())
        .filter(|n| !n.is_empty())
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let label = scope_label(app, scope);
    let title = format!("Inventory of {id}{name} · {label} · {} types", types.len());
    draw_title(buf, area, app, &title, &[Feed::Inventory]);
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let list_w = 30.min(body.width / 3);
    let muted = Style::default().fg(theme.muted);
    let current = app.panes.inventory.type_name.as_deref();
    draw_type_list(buf, body, list_w, &types, current, &theme);
    let table = Rect {
        x: body.x + list_w + 1,
        width: body.width.saturating_sub(list_w + 1),
        ..body
    };
    record_rows(out, table);
    let req = DetailRequest::NodeInventory {
        scope,
        instance_id: id.clone(),
        type_name: None,
    };
    let fetched = app.estate.node_inventory(scope, &id).is_some();
    if types.is_empty() {
        let (msg, style) = match app.estate.detail_error(&req) {
            Some(e) => (format!("✗ {e}"), Style::default().fg(theme.error)),
            None if !fetched => ("Loading inventory…".to_string(), muted),
            None => ("No inventory reported by this node".to_string(), muted),
        };
        draw_message(buf, table, &msg, style);
        return;
    }
    let attrs = app.panes.inventory.attrs.clone();
    // Columns as wide as their widest value (of the first rows), the first one grows.
    let entries = app
        .panes
        .inventory
        .current(&app.estate)
        .map_or(&[][..], |r| r.entries.as_slice());
    let specs = attribute_specs(&attrs, entries);
    let widths = fit(table.width, &specs);
    let t = &app.panes.inventory.table;
    let (sort, desc) = t.sort();
    let cols = t.columns().to_vec();
    let draw = TableDraw {
        titles: attrs.clone(),
        widths,
        sort: cols.iter().position(|c| *c == sort).map(|i| (i, desc)),
        rows: t.viewport().visible(t.len()),
        selected: t.selected(),
        theme: &theme,
    };
    let cur = app.panes.inventory.current(&app.estate);
    let src = crate::app::InventoryEntries {
        entries: cur.map_or(&[], |r| r.entries.as_slice()),
        attrs: &attrs,
    };
    let body = draw_table(buf, table, &draw, |pos, c| {
        let Some(row) = t.rows().get(pos).map(|r| *r as usize) else {
            return (String::new(), Style::default());
        };
        match cols.get(c) {
            Some(col) => (src.cell(row, *col).into_owned(), Style::default()),
            None => (String::new(), Style::default()),
        }
    });
    if t.is_empty() {
        let msg = if t.filter_text().is_empty() {
            "No entries of this type"
        } else {
            "No entries match the filter"
        };
        draw_message(buf, body, msg, muted);
    }
    out.set_header(super::table::header_hits(table.x, table.y, &draw.widths));
}

/// The inventory types of the node (name, entries) down the left `list_w` columns of
/// `body`, under a header; `current` picked.
fn draw_type_list(
    buf: &mut Buffer,
    body: Rect,
    list_w: u16,
    types: &[(String, usize)],
    current: Option<&str>,
    theme: &Theme,
) {
    put(
        buf,
        body.x + 1,
        body.y,
        "Types  ←/→",
        usize::from(list_w),
        Style::default()
            .fg(theme.table_header_fg)
            .bg(theme.table_header_bg)
            .add_modifier(Modifier::BOLD),
    );
    for (i, t) in types.iter().enumerate() {
        let y = body.y + 1 + i as u16;
        if y >= body.bottom() {
            break;
        }
        let picked = current == Some(t.0.as_str());
        let style = if picked {
            Style::default()
                .fg(theme.selected_fg)
                .bg(theme.selected_bg)
                .add_modifier(theme.selection)
        } else {
            Style::default().fg(theme.fg)
        };
        let text = format!(" {:<22} {:>5}", t.0, thousands(t.1));
        put(buf, body.x, y, &text, usize::from(list_w), style);
    }
}

/// Columns for the attributes `attrs`, as wide as their widest value (of the first rows of
/// `entries`), the first one growing.
fn attribute_specs(attrs: &[String], entries: &[InventoryEntry]) -> Vec<ColSpec> {
    attrs
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let widest = entries
                .iter()
                .take(200)
                .filter_map(|e| e.iter().find(|(k, _)| k == a))
                .map(|(_, v)| super::text::width(v))
                .max()
                .unwrap_or(0)
                .max(a.len() + 1)
                .min(40) as u16;
            if i == 0 {
                grow(10, widest)
            } else {
                col(6.min(widest), widest)
            }
        })
        .collect()
}

fn draw_query(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let q = &app.panes.inventory.query;
    let nodes: usize = q.versions.iter().map(|v| v.nodes).sum();
    let below = q
        .below
        .as_ref()
        .map(|b| {
            let n: usize = q.versions.iter().filter(|v| v.below).map(|v| v.nodes).sum();
            format!(" · {} below {b}", thousands(n))
        })
        .unwrap_or_default();
    let title = format!(
        "Application {}* · {} nodes · {} versions{below}",
        q.name,
        thousands(nodes),
        q.versions.len()
    );
    draw_title(buf, area, app, &title, &[Feed::Inventory]);
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    let muted = Style::default().fg(theme.muted);
    let req = DetailRequest::Applications {
        name: q.name.clone(),
    };
    if !q.answered(&app.estate) {
        let (msg, style) = match app.estate.detail_error(&req) {
            Some(e) => (format!("✗ {e}"), Style::default().fg(theme.error)),
            None => (format!("Asking every scope for {}…", q.name), muted),
        };
        draw_message(buf, body, &msg, style);
        return;
    }
    let chart_w = 30.min(body.width / 3);
    draw_version_chart(buf, body, chart_w, app, q, &theme);
    let table = Rect {
        x: body.x + chart_w + 1,
        width: body.width.saturating_sub(chart_w + 1),
        ..body
    };
    record_rows(out, table);
    let q = &app.panes.inventory.query;
    let t = &q.table;
    let widths = fit(
        table.width,
        &[
            col(12, 19),
            grow(6, 12),
            col(7, 12),
            col(7, 10),
            col(6, 10),
            col(8, 12),
            col(9, 12),
        ],
    );
    let draw = TableDraw::of(t, widths, &theme);
    let src = q.hits(&app.estate, app.scope_mask());
    let body = draw_view(buf, table, &draw, t, |row, col| match col {
        crate::app::AppCol::Account => (
            account_name(app, src.hits.get(row).map(|h| h.scope)),
            Style::default(),
        ),
        crate::app::AppCol::Version => (
            src.cell(row, col).into_owned(),
            Style::default().fg(theme.accent),
        ),
        col => (src.cell(row, col).into_owned(), Style::default()),
    });
    if t.is_empty() {
        let msg = if !t.filter_text().is_empty() {
            "No nodes match the filter".to_string()
        } else {
            format!("No node has {}*", q.name)
        };
        draw_message(buf, body, &msg, muted);
    }
    out.set_header(super::table::header_hits(table.x, table.y, &draw.widths));
}

/// The nodes by version of the application query `q` as bars down the left `chart_w`
/// columns of `body`, and how many scopes did not answer.
fn draw_version_chart(
    buf: &mut Buffer,
    body: Rect,
    chart_w: u16,
    app: &App,
    q: &AppQueryView,
    theme: &Theme,
) {
    let failures = app
        .estate
        .application_query()
        .map_or(0, |a| a.failures.len());
    put(
        buf,
        body.x + 1,
        body.y,
        "Nodes by version",
        usize::from(chart_w),
        Style::default()
            .fg(theme.table_header_fg)
            .bg(theme.table_header_bg)
            .add_modifier(Modifier::BOLD),
    );
    let items: Vec<(String, u64, Style)> = q
        .versions
        .iter()
        .map(|v| {
            let fg = if v.below { theme.warn } else { theme.accent };
            let label = if v.below {
                format!("{} <", v.version)
            } else {
                v.version.clone()
            };
            (label, v.nodes as u64, Style::default().fg(fg))
        })
        .collect();
    let chart = Rect {
        x: body.x + 1,
        y: body.y + 1,
        width: chart_w.saturating_sub(1),
        height: body.height.saturating_sub(2),
    };
    draw_bars(buf, chart, &items, theme);
    if failures > 0 {
        put(
            buf,
            body.x + 1,
            body.bottom() - 1,
            &format!("✗ {failures} scopes did not answer"),
            usize::from(chart_w),
            Style::default().fg(theme.warn),
        );
    }
}
