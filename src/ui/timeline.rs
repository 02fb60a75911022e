//! The timeline pane: the next days of maintenance windows across the scopes shown, time
//! across, now at the left edge, change-calendar closures shaded, and runs that fall in
//! a closure flagged.

use chrono::{DateTime, Duration, Timelike, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::table::{draw_message, draw_title};
use super::text::{clean, put, thousands};
use crate::app::{App, Drawn, TIMELINE_DAYS, TableArea, TimelineGroup, TimelineRow, timeline_rows};
use crate::model::Feed;

/// What one character cell of a row shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell {
    Empty,
    Midnight,
    Closed,
    Window,
    Conflict,
}

fn cells(row: &TimelineRow, now: DateTime<Utc>, width: usize) -> Vec<Cell> {
    let total = Duration::days(TIMELINE_DAYS).num_seconds() as f64;
    let step = total / width.max(1) as f64;
    (0..width)
        .map(|c| {
            let from = now + Duration::seconds((c as f64 * step) as i64);
            let to = now + Duration::seconds(((c + 1) as f64 * step) as i64);
            let win = row.spans.iter().filter(|s| s.start < to && s.end > from);
            let mut any = false;
            let mut conflict = false;
            for s in win {
                any = true;
                conflict |= s.conflict;
            }
            let closed = row.closures.iter().any(|c| c.start < to && c.end > from);
            let midnight = {
                let next = (from + Duration::days(1))
                    .with_hour(0)
                    .and_then(|t| t.with_minute(0))
                    .and_then(|t| t.with_second(0));
                let day_start = from
                    .with_hour(0)
                    .and_then(|t| t.with_minute(0))
                    .and_then(|t| t.with_second(0));
                [next, day_start]
                    .into_iter()
                    .flatten()
                    .any(|m| m > from && m <= to)
            };
            match (any, conflict, closed) {
                (true, true, _) => Cell::Conflict,
                (true, _, _) => Cell::Window,
                (false, _, true) => Cell::Closed,
                _ if midnight => Cell::Midnight,
                _ => Cell::Empty,
            }
        })
        .collect()
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    if area.height < 4 {
        return;
    }
    let theme = *app.theme();
    let now = app.now();
    let group = app.panes.timeline.group;
    let all_calendars = app.panes.timeline.all_calendars;
    let rows = timeline_rows(&app.estate, app.scope_mask(), now, group, all_calendars);
    let runs: usize = rows.iter().map(|r| r.spans.len()).sum();
    let conflicts: usize = rows
        .iter()
        .map(|r| r.spans.iter().filter(|s| s.conflict).count())
        .sum();
    let closures: usize = match group {
        TimelineGroup::Scope => rows.iter().map(|r| r.closures.len()).sum(),
        TimelineGroup::Window => 0,
    };
    let mut title = format!(
        "Timeline · next {TIMELINE_DAYS} days · {} window runs · {} in a closure",
        thousands(runs),
        thousands(conflicts)
    );
    if group == TimelineGroup::Scope {
        title.push_str(&format!(" · {} closures", thousands(closures)));
    }
    draw_title(buf, area, app, &title, &[Feed::Windows, Feed::Calendars]);
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let muted = base.fg(theme.muted);
    let label_w = (area.width / 3).clamp(12, 40);
    let chart_x = area.x + label_w + 1;
    let chart_w = area.width.saturating_sub(label_w + 2);
    // Day ruler (UTC), "now" at the left edge.
    let ruler_y = area.y + 1;
    put(
        buf,
        area.x + 1,
        ruler_y,
        match group {
            TimelineGroup::Scope => "account · region (UTC)",
            TimelineGroup::Window => "window · account · region (UTC)",
        },
        usize::from(label_w.saturating_sub(1)),
        base.fg(theme.table_header_fg).add_modifier(Modifier::BOLD),
    );
    put(buf, chart_x, ruler_y, "▼now", 4, base.fg(theme.accent));
    let total = Duration::days(TIMELINE_DAYS).num_seconds() as f64;
    let mut day = now
        .with_hour(0)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
        + Duration::days(1);
    while day < now + Duration::days(TIMELINE_DAYS) {
        let off = (day - now).num_seconds() as f64 / total * f64::from(chart_w);
        let x = chart_x + off as u16;
        if x >= chart_x + 5 && x + 6 < chart_x + chart_w {
            put(buf, x, ruler_y, &day.format("┊%a %d").to_string(), 7, muted);
        }
        day += Duration::days(1);
    }
    let body = Rect {
        x: area.x,
        y: area.y + 2,
        width: area.width,
        height: area.height.saturating_sub(5),
    };
    out.set_table(TableArea {
        x: body.x,
        y: body.y,
        width: body.width,
        height: body.height,
    });
    if rows.is_empty() {
        let shown = app.scope_mask().iter().filter(|m| **m).count();
        draw_message(
            buf,
            body,
            &format!("No maintenance windows in {shown} scopes yet"),
            muted,
        );
        return;
    }
    let v = app.panes.timeline.view;
    let selected = v.selected.min(rows.len() - 1);
    for (line, i) in v.visible(rows.len()).enumerate() {
        let y = body.y + line as u16;
        if y >= body.bottom() {
            break;
        }
        let row = &rows[i];
        let label_style = if i == selected {
            base.fg(theme.selected_fg)
                .bg(theme.selected_bg)
                .add_modifier(theme.selection)
        } else {
            base
        };
        let conflicted = row.spans.iter().any(|s| s.conflict);
        let mark = if conflicted { "!" } else { " " };
        put(buf, area.x, y, mark, 1, base.fg(theme.error));
        put(
            buf,
            area.x + 1,
            y,
            &format!(
                "{:<w$}",
                clean(&row.label),
                w = usize::from(label_w.saturating_sub(1))
            ),
            usize::from(label_w.saturating_sub(1)),
            label_style,
        );
        for (c, cell) in cells(row, now, usize::from(chart_w)).iter().enumerate() {
            let (ch, style) = match cell {
                Cell::Empty => ("·", base.fg(theme.border)),
                Cell::Midnight => ("┊", muted),
                Cell::Closed => ("░", base.fg(theme.warn)),
                Cell::Window => ("█", base.fg(theme.ok)),
                Cell::Conflict => ("█", base.fg(theme.error)),
            };
            put(buf, chart_x + c as u16, y, ch, 1, style);
        }
    }
    // The selected line's runs and closures, then the legend.
    let info_y = area.bottom().saturating_sub(3);
    let row = &rows[selected];
    let next: Vec<String> = row
        .spans
        .iter()
        .take(4)
        .map(|s| {
            format!(
                "{}{} {}",
                if s.conflict { "! " } else { "" },
                s.window,
                s.start.format("%a %H:%M")
            )
        })
        .collect();
    put(
        buf,
        area.x + 1,
        info_y,
        &format!(
            "{}: {}",
            clean(&row.label),
            if next.is_empty() {
                "no window runs in the next 7 days".to_string()
            } else {
                next.join(" · ")
            }
        ),
        usize::from(area.width.saturating_sub(2)),
        base,
    );
    let closed: Vec<String> = row
        .closures
        .iter()
        .take(3)
        .map(|c| {
            format!(
                "{} ({}) {}–{}",
                c.summary,
                c.calendar,
                c.start.format("%a %H:%M"),
                c.end.format("%a %H:%M")
            )
        })
        .collect();
    if !closed.is_empty() {
        put(
            buf,
            area.x + 1,
            info_y + 1,
            &format!("closed: {}", clean(&closed.join(" · "))),
            usize::from(area.width.saturating_sub(2)),
            base.fg(theme.warn),
        );
    }
    let legend_y = area.bottom().saturating_sub(1);
    let mut x = area.x + 1;
    for (sym, text, style) in [
        ("█", " window run  ", base.fg(theme.ok)),
        ("█", " run in a closure (!)  ", base.fg(theme.error)),
        (
            "░",
            if all_calendars {
                " calendar closed (c: freezes only)  "
            } else {
                " change freeze (c: every calendar)  "
            },
            base.fg(theme.warn),
        ),
        ("┊", " midnight UTC  ", muted),
        ("w", " per window / per scope", base.fg(theme.key)),
    ] {
        let end = area.right();
        if x >= end {
            break;
        }
        x += put(buf, x, legend_y, sym, usize::from(end - x), style) as u16;
        x += put(
            buf,
            x,
            legend_y,
            text,
            usize::from(end.saturating_sub(x)),
            muted,
        ) as u16;
    }
}
