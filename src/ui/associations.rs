//! The associations pane: the associations table and one association in full (its
//! executions and the nodes its latest execution failed on).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};

use super::fields::{DetailLines, draw_popup};
use super::table::{
    ColSpec, TablePane, account_name, col, count_refs, counts_title, grow, plain, scope_label,
    tinted,
};
use super::text::{age, centered, clean, timestamp};
use crate::app::{App, AssocCol, AssociationOpen, Drawn, TableSource, failing_nodes};
use crate::model::{
    Association, AssociationDetail, DetailRequest, Feed, ScopeId, association_targets_label,
    schedule_label,
};
use crate::ui::theme::Theme;

/// Colour of an association or execution status.
pub fn status_color(status: &str, theme: &Theme) -> Color {
    match status {
        "Failed" | "FAILED" | "TIMED_OUT" => theme.error,
        "Pending" | "InProgress" | "IN_PROGRESS" | "PENDING" => theme.warn,
        "Success" | "SUCCESS" => theme.ok,
        _ => theme.muted,
    }
}

const SPECS: [ColSpec; 10] = [
    col(7, 8),    // status
    grow(14, 24), // name
    col(12, 30),  // document
    col(6, 6),    // failed
    col(5, 5),    // nodes
    col(12, 16),  // schedule
    col(5, 8),    // last run
    col(8, 22),   // account
    col(9, 14),   // region
    grow(8, 40),  // targets
];

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let v = &app.panes.associations;
    let src = v.rows(&app.estate);
    let failing = count_refs(
        &v.refs,
        |s| app.estate.scope_associations(s),
        |a| a.status == "Failed",
    );
    let failed_nodes: u32 = (0..src.len())
        .filter_map(|r| src.item(r))
        .map(|a| a.count("Failed"))
        .sum();
    let title = counts_title(
        "Associations",
        &[
            (v.table.total(), ""),
            (failing, "failing"),
            (failed_nodes as usize, "failed nodes"),
            (v.table.len(), "shown"),
        ],
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Associations,
        also: &[],
        specs: &SPECS,
        table: &v.table,
        what: "associations",
    };
    let now = app.now();
    let drawn = pane.draw(buf, area, app, out, &src, |row, col, text| {
        let a = src.item(row);
        match col {
            AssocCol::Status => tinted(text, status_color(a.map_or("", |a| &a.status), &theme)),
            AssocCol::Failed => {
                let n = a.map_or(0, |a| a.count("Failed"));
                tinted(n.to_string(), if n > 0 { theme.error } else { theme.muted })
            }
            AssocCol::LastRun => tinted(age(now, a.and_then(|a| a.last_execution)), theme.muted),
            AssocCol::Account => plain(account_name(app, a.map(|a| a.scope))),
            AssocCol::Document | AssocCol::TargetSpec => tinted(text, theme.muted),
            _ => plain(text),
        }
    });
    if let Some(area) = drawn
        && v.open.is_some()
    {
        draw_detail(buf, area, app);
    }
}

/// One association in full over the table.
fn draw_detail(buf: &mut Buffer, area: Rect, app: &App) {
    let Some(open) = &app.panes.associations.open else {
        return;
    };
    let detail = app.estate.association_detail(open.scope, &open.id);
    let summary = app
        .estate
        .scope_associations(open.scope)
        .iter()
        .find(|a| a.association_id == open.id);
    let assoc = detail.map(|d| &d.association).or(summary);
    let req = DetailRequest::Association {
        scope: open.scope,
        id: open.id.clone(),
    };
    let mut d = DetailLines::after_fetch(app, 14, &req, detail.map(|d| d.fetched));
    let Some(a) = assoc else {
        d.gone("association");
        let title = format!(" {} ", clean(&open.id));
        popup(buf, area, app, title, d.lines, open.scroll, HINT);
        return;
    };
    association_fields(&mut d, app, open.scope, a);
    if let Some(detail) = detail {
        let rollout = format!(
            "max concurrency {} · max errors {} · compliance {}",
            detail.max_concurrency, detail.max_errors, detail.compliance_severity
        );
        d.field("Rollout", &rollout, d.base);
        failing_section(&mut d, app, open, detail);
        executions_section(&mut d, detail);
    }
    let title = format!(" {} · {} ", clean(a.label()), clean(&a.document));
    popup(buf, area, app, title, d.lines, open.scroll, HINT);
}

/// The fields at the top of the association popup.
fn association_fields(d: &mut DetailLines, app: &App, scope: ScopeId, a: &Association) {
    let (base, theme, now) = (d.base, d.theme, app.now());
    let status = format!(
        "{} · {}",
        a.status,
        a.counts
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    d.field("Status", &status, base.fg(status_color(&a.status, theme)));
    let document = format!("{} ({})", a.document, a.document_version);
    d.field("Document", &document, base);
    d.field("Targets", association_targets_label(&a.targets), base);
    let schedule = format!("{} — {}", schedule_label(&a.schedule), a.schedule);
    d.field("Schedule", &schedule, base);
    let last = format!(
        "{} ({} ago)",
        timestamp(a.last_execution),
        age(now, a.last_execution)
    );
    d.field("Last run", &last, base);
    d.field("Scope", scope_label(app, scope), base);
    d.field("Id", &a.association_id, base.fg(theme.muted));
}

/// The nodes not succeeding in the latest execution, with their error: selectable, the
/// cursor of `open` on one of them.
fn failing_section(
    d: &mut DetailLines,
    app: &App,
    open: &AssociationOpen,
    detail: &AssociationDetail,
) {
    let (base, theme, now) = (d.base, d.theme, app.now());
    let failing = detail.failing_targets();
    let nodes = failing_nodes(&app.estate, open);
    let cur = nodes.get(open.cursor.min(nodes.len().saturating_sub(1)));
    d.section(format!(
        "Nodes not succeeding in the latest run ({})",
        failing.len()
    ));
    if failing.is_empty() {
        d.push(Line::styled("(none)", base.fg(theme.ok)));
    }
    for t in &failing {
        let picked = cur == Some(&t.resource_id);
        let name = app
            .estate
            .find_node(open.scope, &t.resource_id)
            .map(|n| n.name().to_string())
            .filter(|n| !n.is_empty())
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let why = failure_of(detail, &t.resource_id);
        let style = if picked {
            d.picked()
        } else {
            base.fg(status_color(&t.status, theme))
        };
        d.push(Line::from(vec![
            Span::styled(if picked { "▸ " } else { "  " }, base.fg(theme.key)),
            Span::styled(format!("{:<8}", t.status), style),
            Span::styled(format!(" {}{name}", clean(&t.resource_id)), style),
            Span::styled(
                format!("  {} ago  {}", age(now, t.last_execution), clean(&why)),
                base.fg(theme.muted),
            ),
        ]));
    }
    if !nodes.is_empty() {
        d.muted("  j/k pick a node · Enter goes to it (Esc comes back)");
    }
}

/// Why `node` failed in the latest execution: its error code and the summary without the
/// count of processed steps; empty when unknown.
fn failure_of(detail: &AssociationDetail, node: &str) -> String {
    detail
        .failing_nodes
        .iter()
        .find(|s| s.instance_id == node)
        .map(|s| {
            let code = if s.error_code.is_empty() {
                String::new()
            } else {
                format!("error {} · ", s.error_code)
            };
            let summary = s.execution_summary.trim();
            let summary = summary
                .split_once("processed, ")
                .map_or(summary, |(_, rest)| rest);
            format!("{code}{summary}")
        })
        .unwrap_or_default()
}

/// The executions of the association, newest first as fetched.
fn executions_section(d: &mut DetailLines, detail: &AssociationDetail) {
    let (base, key, theme) = (d.base, d.key, d.theme);
    d.section(format!("Executions ({})", detail.executions.len()));
    for e in &detail.executions {
        d.push(Line::from(vec![
            Span::styled(format!("  {:<25}", timestamp(e.created)), key),
            Span::styled(
                format!("{:<11}", e.status),
                base.fg(status_color(&e.status, theme)),
            ),
            Span::styled(format!("{:<28}", clean(&e.resource_counts)), base),
            Span::styled(clean(&e.execution_id).into_owned(), base.fg(theme.muted)),
        ]));
    }
}

const HINT: &str = " j/k node · Enter go · a apply now · r refresh · Esc close ";

/// A popup over `area` with `lines`, scrolled by `scroll`.
pub(super) fn popup(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    title: String,
    lines: Vec<Line>,
    scroll: u16,
    hint: &str,
) {
    let theme = app.theme();
    let rect = centered(
        area,
        area.width.saturating_sub(4).clamp(40, 120),
        area.height,
    );
    let hint = if app.options.read_only {
        hint.replace(" a apply now ·", "")
    } else {
        hint.to_string()
    };
    draw_popup(buf, rect, theme, title, &hint, lines, scroll);
}
