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
use crate::ui::theme::Theme;

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
    draw_title(
        buf,
        area,
        app,
        &title(&rows, group),
        &[Feed::Windows, Feed::Calendars],
    );
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let muted = base.fg(theme.muted);
    let chart = Chart::of(area);
    draw_ruler(buf, area, &chart, now, group, &theme);
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
        draw_row(buf, area, &chart, y, &rows[i], i == selected, now, &theme);
    }
    draw_selected(buf, area, &rows[selected], &theme);
    draw_legend(buf, area, all_calendars, &theme);
}

/// "Timeline · next 7 days · N window runs · M in a closure[ · K closures]".
fn title(rows: &[TimelineRow], group: TimelineGroup) -> String {
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
    title
}

/// Where the labels end and the chart runs, across the pane.
struct Chart {
    label_w: u16,
    x: u16,
    width: u16,
}

impl Chart {
    fn of(area: Rect) -> Chart {
        let label_w = (area.width / 3).clamp(12, 40);
        Chart {
            label_w,
            x: area.x + label_w + 1,
            width: area.width.saturating_sub(label_w + 2),
        }
    }
}

/// The day ruler (UTC), "now" at the left edge, over the label column's heading.
fn draw_ruler(
    buf: &mut Buffer,
    area: Rect,
    chart: &Chart,
    now: DateTime<Utc>,
    group: TimelineGroup,
    theme: &Theme,
) {
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let ruler_y = area.y + 1;
    put(
        buf,
        area.x + 1,
        ruler_y,
        match group {
            TimelineGroup::Scope => "account · region (UTC)",
            TimelineGroup::Window => "window · account · region (UTC)",
        },
        usize::from(chart.label_w.saturating_sub(1)),
        base.fg(theme.table_header_fg).add_modifier(Modifier::BOLD),
    );
    put(buf, chart.x, ruler_y, "▼now", 4, base.fg(theme.accent));
    let total = Duration::days(TIMELINE_DAYS).num_seconds() as f64;
    let mut day = now
        .with_hour(0)
        .and_then(|t| t.with_minute(0))
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
        + Duration::days(1);
    while day < now + Duration::days(TIMELINE_DAYS) {
        let off = (day - now).num_seconds() as f64 / total * f64::from(chart.width);
        let x = chart.x + off as u16;
        if x >= chart.x + 5 && x + 6 < chart.x + chart.width {
            let label = day.format("┊%a %d").to_string();
            put(buf, x, ruler_y, &label, 7, base.fg(theme.muted));
        }
        day += Duration::days(1);
    }
}

/// One line: the conflict mark, the label, and the chart cells.
#[allow(clippy::too_many_arguments)]
fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    chart: &Chart,
    y: u16,
    row: &TimelineRow,
    selected: bool,
    now: DateTime<Utc>,
    theme: &Theme,
) {
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let label_style = if selected {
        base.fg(theme.selected_fg)
            .bg(theme.selected_bg)
            .add_modifier(theme.selection)
    } else {
        base
    };
    let conflicted = row.spans.iter().any(|s| s.conflict);
    let mark = if conflicted { "!" } else { " " };
    put(buf, area.x, y, mark, 1, base.fg(theme.error));
    let label_w = usize::from(chart.label_w.saturating_sub(1));
    put(
        buf,
        area.x + 1,
        y,
        &format!("{:<label_w$}", clean(&row.label)),
        label_w,
        label_style,
    );
    for (c, cell) in cells(row, now, usize::from(chart.width)).iter().enumerate() {
        let (ch, style) = match cell {
            Cell::Empty => ("·", base.fg(theme.border)),
            Cell::Midnight => ("┊", base.fg(theme.muted)),
            Cell::Closed => ("░", base.fg(theme.warn)),
            Cell::Window => ("█", base.fg(theme.ok)),
            Cell::Conflict => ("█", base.fg(theme.error)),
        };
        put(buf, chart.x + c as u16, y, ch, 1, style);
    }
}

/// The selected line's next runs and closures, over the legend.
fn draw_selected(buf: &mut Buffer, area: Rect, row: &TimelineRow, theme: &Theme) {
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let info_y = area.bottom().saturating_sub(3);
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
}

/// The legend on the last line.
fn draw_legend(buf: &mut Buffer, area: Rect, all_calendars: bool, theme: &Theme) {
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let muted = base.fg(theme.muted);
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
