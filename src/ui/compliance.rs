//! The compliance pane: summaries per type, the non-compliant resources, and the
//! compliance items of one resource.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::{Clear, Widget};

use super::fields::popup_block;
use super::table::{
    ColSpec, TableDraw, TablePane, account_name, col, draw_message, draw_table, draw_title, fit,
    grow, plain, tinted,
};
use super::text::{age, centered, put, thousands};
use crate::app::{App, Drawn, Overlay, ResCol, SummaryRow};
use crate::model::{ComplianceSeverity, DetailRequest, Feed};
use crate::ui::theme::Theme;

pub fn severity_color(s: ComplianceSeverity, theme: &Theme) -> Color {
    match s {
        ComplianceSeverity::Critical => theme.sev_critical,
        ComplianceSeverity::High => theme.sev_high,
        ComplianceSeverity::Medium => theme.sev_medium,
        ComplianceSeverity::Low => theme.sev_low,
        _ => theme.muted,
    }
}

/// `Patch  ██████░░░░ 80%  120/150 compliant`.
pub fn draw_summary_line(buf: &mut Buffer, area: Rect, r: &SummaryRow, theme: &Theme) {
    let ok = u64::from(r.compliant.total());
    let bad = u64::from(r.non_compliant.total());
    let total = ok + bad;
    let pct = (ok * 100).checked_div(total).unwrap_or(0);
    let name_w = 14.min(area.width / 3);
    put(
        buf,
        area.x,
        area.y,
        &r.compliance_type,
        usize::from(name_w),
        Style::default().fg(theme.fg),
    );
    let tail = format!(
        " {pct:>3}% {}/{}",
        thousands(ok as usize),
        thousands(total as usize)
    );
    let bar_w = area
        .width
        .saturating_sub(name_w + 1 + super::text::width(&tail) as u16);
    let good = (u64::from(bar_w) * ok).checked_div(total).unwrap_or(0) as u16;
    let x = area.x + name_w + 1;
    put(
        buf,
        x,
        area.y,
        &"█".repeat(usize::from(good)),
        usize::from(bar_w),
        Style::default().fg(theme.compliant),
    );
    put(
        buf,
        x + good,
        area.y,
        &"█".repeat(usize::from(bar_w - good)),
        usize::from(bar_w - good),
        Style::default().fg(theme.non_compliant),
    );
    put(
        buf,
        x + bar_w,
        area.y,
        &tail,
        usize::from(area.right().saturating_sub(x + bar_w)),
        Style::default().fg(theme.muted),
    );
}

const SPECS: [ColSpec; 8] = [
    col(6, 13),  // worst
    col(12, 20), // resource
    grow(8, 16), // name
    col(8, 14),  // type
    col(5, 10),  // non-compliant
    col(8, 16),  // account
    col(9, 14),  // region
    col(5, 8),   // checked
];

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    if area.height == 0 {
        return;
    }
    let theme = *app.theme();
    let summary = app.panes.compliance.summary.clone();
    let bad: u32 = summary.iter().map(|r| r.non_compliant.total()).sum();
    let total: u32 = summary.iter().map(|r| r.compliant.total()).sum::<u32>() + bad;
    let title = format!(
        "Compliance · {} types · {}/{} resource checks non-compliant",
        summary.len(),
        thousands(bad as usize),
        thousands(total as usize)
    );
    draw_title(buf, area, app, &title, &[Feed::Compliance]);
    // Summaries: one line per type, then the severity split, in two columns if wide.
    let sum_h = (summary.len() as u16)
        .min(6)
        .min(area.height.saturating_sub(4) / 3);
    let mut y = area.y + 1;
    for r in summary.iter().take(usize::from(sum_h)) {
        let half = area.width / 2;
        draw_summary_line(
            buf,
            Rect {
                x: area.x + 1,
                y,
                width: half.saturating_sub(2),
                height: 1,
            },
            r,
            &theme,
        );
        let mut x = area.x + half + 1;
        let label = "non-compliant: ";
        x += put(
            buf,
            x,
            y,
            label,
            usize::from(area.right().saturating_sub(x)),
            Style::default().fg(theme.muted),
        ) as u16;
        for sev in ComplianceSeverity::ALL {
            let n = r.non_compliant.get(sev);
            if n == 0 && sev >= ComplianceSeverity::Informational {
                continue;
            }
            let text = format!(
                "{} {n}  ",
                sev.as_str()
                    .to_lowercase()
                    .chars()
                    .take(4)
                    .collect::<String>()
            );
            x += put(
                buf,
                x,
                y,
                &text,
                usize::from(area.right().saturating_sub(x)),
                Style::default().fg(severity_color(sev, &theme)),
            ) as u16;
        }
        y += 1;
    }
    let table_area = Rect {
        y: y + u16::from(sum_h > 0),
        height: area.bottom().saturating_sub(y + u16::from(sum_h > 0)),
        ..area
    };
    draw_resources(buf, table_area, app, out);
}

fn draw_resources(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let pane = TablePane {
        title: None,
        feed: Feed::Compliance,
        also: &[],
        specs: &SPECS,
        table: &app.panes.compliance.table,
        what: "non-compliant resources",
    };
    let src = app.panes.compliance.rows(&app.estate);
    let now = app.now();
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let r = src.resource(row);
        match col {
            ResCol::Severity => {
                let sev = r.map(|r| r.worst_severity).unwrap_or_default();
                tinted(sev.as_str(), severity_color(sev, &theme))
            }
            ResCol::Executed => tinted(age(now, r.and_then(|r| r.execution_time)), theme.muted),
            ResCol::Account => plain(account_name(app, r.map(|r| r.scope))),
            _ => plain(text),
        }
    });
}

/// The compliance items of one resource, in a popup.
pub fn draw_items(buf: &mut Buffer, area: Rect, app: &App) {
    let Overlay::ComplianceItems {
        scope,
        resource_id,
        compliance_type,
        view,
    } = app.overlay()
    else {
        return;
    };
    let theme = app.theme();
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    let popup = centered(
        area,
        area.width.saturating_sub(8).max(40),
        area.height.saturating_sub(4),
    );
    let name = app
        .estate
        .find_node(*scope, resource_id)
        .map(|n| n.name().to_string())
        .filter(|n| !n.is_empty())
        .map(|n| format!(" · {n}"))
        .unwrap_or_default();
    let block = popup_block(
        theme,
        format!(" {resource_id}{name} · {compliance_type} compliance "),
        " j/k move · n go to the node · r refresh · Esc close ",
    );
    Clear.render(popup, buf);
    let inner = block.inner(popup);
    block.render(popup, buf);
    let req = DetailRequest::ComplianceItems {
        scope: *scope,
        resource_id: resource_id.clone(),
    };
    let Some(items) = app.estate.compliance_items(*scope, resource_id) else {
        let (msg, style) = match app.estate.detail_error(&req) {
            Some(e) => (format!("✗ {e}"), base.fg(theme.error)),
            None => (
                "Loading compliance items…".to_string(),
                base.fg(theme.muted),
            ),
        };
        draw_message(buf, inner, &msg, style);
        return;
    };
    if items.is_empty() {
        draw_message(
            buf,
            inner,
            "No compliance items reported",
            base.fg(theme.muted),
        );
        return;
    }
    let mut items: Vec<_> = items.iter().collect();
    items.sort_by(|a, b| {
        (a.status == "COMPLIANT")
            .cmp(&(b.status == "COMPLIANT"))
            .then(a.severity.cmp(&b.severity))
            .then_with(|| a.id.cmp(&b.id))
    });
    let widths = fit(
        inner.width,
        &[
            col(10, 14),
            col(6, 13),
            col(8, 14),
            grow(10, 30),
            col(6, 20),
            col(4, 8),
        ],
    );
    let body_rows = usize::from(inner.height.saturating_sub(1));
    let mut v = *view;
    v.set_page(body_rows, items.len());
    let draw = TableDraw {
        titles: ["Status", "Severity", "Type", "Title", "Id", "Checked"]
            .map(String::from)
            .to_vec(),
        widths,
        sort: None,
        rows: v.visible(items.len()),
        selected: v.selected,
        theme,
    };
    let now = app.now();
    draw_table(buf, inner, &draw, |pos, c| {
        let Some(i) = items.get(pos) else {
            return (String::new(), Style::default());
        };
        match c {
            0 => (
                i.status.clone(),
                Style::default().fg(if i.status == "COMPLIANT" {
                    theme.compliant
                } else {
                    theme.non_compliant
                }),
            ),
            1 => (
                i.severity.as_str().to_string(),
                Style::default().fg(severity_color(i.severity, theme)),
            ),
            2 => (i.compliance_type.clone(), Style::default()),
            3 => (i.title.clone(), Style::default()),
            4 => (i.id.clone(), Style::default().fg(theme.muted)),
            _ => (age(now, i.execution_time), Style::default().fg(theme.muted)),
        }
    });
}
