//! The audit pane: who did what, where, when, with which result and override.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};

use super::table::{
    ColSpec, TableDraw, col, draw_message, draw_view, fit, grow, table_below_title,
};
use super::text::{clean, put, put_right, thousands};
use crate::app::{App, AuditCol, Drawn, NO_RESULT, TableSource};
use crate::ui::theme::Theme;

/// Colour of a call's result.
pub fn result_color(result: &str, theme: &Theme) -> Color {
    match result {
        "ok" => theme.ok,
        "error" => theme.error,
        "refused" => theme.warn,
        NO_RESULT => theme.warn,
        _ => theme.muted,
    }
}

const SPECS: [ColSpec; 9] = [
    col(19, 19),  // time
    col(6, 9),    // result
    col(10, 26),  // action
    grow(16, 40), // summary
    col(8, 12),   // account
    col(9, 14),   // region
    col(8, 24),   // who
    col(6, 12),   // override
    col(8, 36),   // id
];

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    if area.height < 2 {
        return;
    }
    let theme = *app.theme();
    let audit = &app.panes.audit;
    let overrides = audit
        .calls
        .iter()
        .filter(|c| c.override_word.is_some())
        .count();
    let failed = audit
        .calls
        .iter()
        .filter(|c| c.result == "error" || c.result == "refused")
        .count();
    let plural = |n: usize, one: &str, many: &str| {
        format!("{} {}", thousands(n), if n == 1 { one } else { many })
    };
    let title = format!(
        "Audit · {} · {} failed or refused · {} · {} shown",
        plural(audit.table.total(), "call", "calls"),
        thousands(failed),
        plural(overrides, "override", "overrides"),
        thousands(audit.table.len())
    );
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let line = Rect { height: 1, ..area };
    buf.set_style(line, base);
    let path = audit
        .path()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "no audit log".into());
    let mut right = clean(&path).into_owned();
    if audit.skipped > 0 {
        right = format!("{} unreadable lines · {right}", audit.skipped);
    }
    let bx = put_right(buf, line, &format!("{right} "), base.fg(theme.muted));
    put(
        buf,
        area.x + 1,
        area.y,
        &title,
        usize::from(bx.saturating_sub(area.x + 2)),
        base.fg(theme.accent)
            .add_modifier(ratatui::style::Modifier::BOLD),
    );
    let area = table_below_title(out, area);
    let widths = fit(area.width, &SPECS);
    let audit = &app.panes.audit;
    let t = &audit.table;
    let draw = TableDraw::of(t, widths, &theme);
    let src = audit.rows();
    let body = draw_view(buf, area, &draw, t, |row, col| {
        let call = src.calls.get(row);
        let text = src.cell(row, col).into_owned();
        match col {
            AuditCol::Result => {
                let fg = result_color(call.map_or("", |c| &c.result), &theme);
                (text, Style::default().fg(fg))
            }
            AuditCol::Override => (text, Style::default().fg(theme.warn)),
            AuditCol::Time | AuditCol::Id => (text, Style::default().fg(theme.muted)),
            _ => (text, Style::default()),
        }
    });
    if t.is_empty() {
        let (msg, fg) = match &audit.error {
            Some(e) => (format!("Cannot read the audit log: {e}"), theme.error),
            None if !t.filter_text().is_empty() => {
                ("No calls match the filter".to_string(), theme.muted)
            }
            None if !audit.loaded => ("Reading the audit log…".to_string(), theme.muted),
            None => ("No mutating call recorded yet".to_string(), theme.muted),
        };
        draw_message(buf, body, &clean(&msg), Style::default().fg(fg));
    }
    out.set_header(super::table::header_hits(area.x, area.y, &draw.widths));
}
