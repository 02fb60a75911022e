//! The maintenance windows pane: the windows table and one window in full (targets,
//! tasks in priority order, execution history with task results).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::associations::{popup, status_color};
use super::fields::DetailLines;
use super::table::{
    ColSpec, TablePane, account_name, col, count_refs, counts_title, grow, plain, scope_label,
    tinted,
};
use super::text::{age, clean, timestamp};
use crate::app::{App, Drawn, WinCol};
use crate::model::{
    DetailRequest, Feed, MaintenanceWindow, ScopeId, WindowDetail, association_targets_label,
};

const SPECS: [ColSpec; 10] = [
    col(7, 8),    // state
    grow(14, 28), // name
    col(10, 16),  // schedule
    col(8, 19),   // zone
    col(5, 5),    // hours
    col(6, 6),    // cutoff
    col(17, 19),  // next
    col(8, 22),   // account
    col(9, 14),   // region
    col(8, 20),   // id
];

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let v = &app.panes.windows;
    let src = v.rows(&app.estate);
    let enabled = count_refs(&v.refs, |s| app.estate.scope_windows(s), |w| w.enabled);
    let title = counts_title(
        "Maintenance windows",
        &[
            (v.table.total(), ""),
            (enabled, "enabled"),
            (v.table.len(), "shown"),
        ],
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Windows,
        also: &[],
        specs: &SPECS,
        table: &v.table,
        what: "maintenance windows",
    };
    let now = app.now();
    let drawn = pane.draw(buf, area, app, out, &src, |row, col, text| {
        let w = src.item(row);
        let on = w.is_some_and(|w| w.enabled);
        match col {
            WinCol::Enabled => tinted(text, if on { theme.ok } else { theme.muted }),
            WinCol::Next => match w.and_then(|w| w.next_execution) {
                Some(t) if t > now => plain(format!(
                    "{} (in {})",
                    t.format("%a %H:%M"),
                    age(t, Some(now))
                )),
                _ => plain(text),
            },
            WinCol::Account => plain(account_name(app, w.map(|w| w.scope))),
            WinCol::Id | WinCol::Zone => tinted(text, theme.muted),
            _ if !on => tinted(text, theme.muted),
            _ => plain(text),
        }
    });
    if let Some(area) = drawn
        && v.open.is_some()
    {
        draw_detail(buf, area, app);
    }
}

const HINT: &str = " j/k scroll · r refresh · Esc close ";

fn draw_detail(buf: &mut Buffer, area: Rect, app: &App) {
    let Some(open) = &app.panes.windows.open else {
        return;
    };
    let detail = app.estate.window_detail(open.scope, &open.id);
    let summary = app
        .estate
        .scope_windows(open.scope)
        .iter()
        .find(|w| w.window_id == open.id);
    let w = detail.map(|d| &d.window).or(summary);
    let req = DetailRequest::Window {
        scope: open.scope,
        id: open.id.clone(),
    };
    let mut d = DetailLines::after_fetch(app, 14, &req, detail.map(|d| d.fetched));
    let Some(w) = w else {
        d.gone("window");
        let title = format!(" {} ", clean(&open.id));
        popup(buf, area, app, title, d.lines, open.scroll, HINT);
        return;
    };
    window_fields(&mut d, app, open.scope, w);
    if let Some(detail) = detail {
        targets_and_tasks(&mut d, detail);
        executions_section(&mut d, detail);
    }
    let title = format!(" {} · {} ", clean(&w.name), clean(&w.window_id));
    popup(buf, area, app, title, d.lines, open.scroll, HINT);
}

/// The fields at the top of the window popup.
fn window_fields(d: &mut DetailLines, app: &App, scope: ScopeId, w: &MaintenanceWindow) {
    let (base, theme, now) = (d.base, d.theme, app.now());
    d.field(
        "State",
        if w.enabled { "enabled" } else { "disabled" },
        base.fg(if w.enabled { theme.ok } else { theme.muted }),
    );
    let schedule = format!("{} — {} ({})", w.schedule_label(), w.schedule, w.zone());
    d.field("Schedule", &schedule, base);
    let duration = if w.cutoff == 0 {
        format!("{}h, tasks may start until the end (no cutoff)", w.duration)
    } else {
        format!(
            "{}h, no new task in the last {}h (cutoff)",
            w.duration, w.cutoff
        )
    };
    d.field("Duration", &duration, base);
    let next = match w.next_execution {
        Some(t) => format!("{} (in {})", timestamp(Some(t)), age(t, Some(now))),
        None => "-".into(),
    };
    d.field("Next run", &next, base);
    d.field("Scope", scope_label(app, scope), base);
    if !w.description.is_empty() {
        d.field("Description", &w.description, base);
    }
}

/// The next runs, the targets and the tasks (by priority) of the fetched details.
fn targets_and_tasks(d: &mut DetailLines, detail: &WindowDetail) {
    let (base, key, theme) = (d.base, d.key, d.theme);
    if !detail.window.upcoming.is_empty() {
        let next: Vec<String> = detail
            .window
            .upcoming
            .iter()
            .take(5)
            .map(|t| t.format("%a %d %b %H:%M").to_string())
            .collect();
        d.field("Upcoming", format!("{} (UTC)", next.join(" · ")), base);
    }
    d.section(format!("Targets ({})", detail.targets.len()));
    for t in &detail.targets {
        d.push(Line::from(vec![
            Span::styled(format!("  {:<24}", clean(&t.name)), base),
            Span::styled(
                format!("{} ", clean(&association_targets_label(&t.targets))),
                base.fg(theme.accent),
            ),
            Span::styled(format!("owner {}", clean(&t.owner)), key),
        ]));
    }
    d.section(format!("Tasks by priority ({})", detail.tasks.len()));
    for t in &detail.tasks {
        d.push(Line::from(vec![
            Span::styled(format!("  {:>3}  ", t.priority), base.fg(theme.key)),
            Span::styled(format!("{:<18}", clean(&t.name)), base),
            Span::styled(format!("{:<30}", clean(&t.arn)), base.fg(theme.accent)),
            Span::styled(
                format!(
                    "{} · concurrency {} · errors {}",
                    t.task_type, t.max_concurrency, t.max_errors
                ),
                key,
            ),
        ]));
    }
}

/// The executions of the window, each with its task results and their failed
/// invocations (the first five).
fn executions_section(d: &mut DetailLines, detail: &WindowDetail) {
    let (base, key, theme) = (d.base, d.key, d.theme);
    d.section(format!("Executions ({})", detail.executions.len()));
    for e in &detail.executions {
        d.push(Line::from(vec![
            Span::styled(format!("  {:<25}", timestamp(e.start)), key),
            Span::styled(
                format!("{:<12}", e.status),
                base.fg(status_color(&e.status, theme)),
            ),
            Span::styled(clean(&e.details).into_owned(), base.fg(theme.muted)),
        ]));
        for r in &e.tasks {
            let failed = r
                .invocations
                .iter()
                .filter(|i| i.status == "FAILED")
                .count();
            d.push(Line::from(vec![
                Span::styled("      ", base),
                Span::styled(
                    format!("{:<12}", r.status),
                    base.fg(status_color(&r.status, theme)),
                ),
                Span::styled(format!("{:<30}", clean(&r.arn)), base),
                Span::styled(
                    format!("{} invocations, {failed} failed", r.invocations.len()),
                    key,
                ),
            ]));
            for i in r
                .invocations
                .iter()
                .filter(|i| i.status == "FAILED")
                .take(5)
            {
                d.push(Line::from(vec![
                    Span::styled("        ✗ ", base.fg(theme.error)),
                    Span::styled(clean(&i.details).into_owned(), base.fg(theme.error)),
                    Span::styled(format!("  {}", clean(&i.execution_id)), key),
                ]));
            }
        }
    }
}
