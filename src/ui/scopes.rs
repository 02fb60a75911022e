//! The scopes pane: every scope's state per feed, last success, next poll and error,
//! and the API calls made so far by operation.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::table::{TableDraw, col, draw_message, draw_table, draw_title, fit, grow, record_rows};
use super::text::{age, put, thousands};
use crate::app::{App, Drawn};
use crate::model::{Feed, FeedState, Freshness, ScopeHealth, ScopeId};
use crate::ui::theme::Theme;

/// Whether a feed has been asked for in the scope (wanted, answered or tried).
fn polled(f: &FeedState) -> bool {
    f.active || f.has_data() || f.in_flight || f.health != ScopeHealth::Pending
}

/// The estate-wide feeds always have a column; the others (a pane's own, polled while it is
/// on screen) only once some shown scope has polled them, so the table stays readable.
const ALWAYS_SHOWN: usize = 6;

/// A feed's state in one cell by [`Freshness`]: `✓ 12s`, `◷ 5m` (cached), `⚠ 2m` (stale,
/// or a poll in flight too long), `✗ 3m`, `…`, `-` (not polled).
fn feed_cell(
    f: &FeedState,
    fresh: Freshness,
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
) -> (String, Style) {
    if !polled(f) {
        return ("-".into(), Style::default().fg(theme.muted));
    }
    let spin = if f.in_flight { "↻" } else { "" };
    match fresh {
        Freshness::Failed => (
            format!("✗ {}{spin}", age(now, f.last_success)),
            Style::default().fg(theme.error),
        ),
        // Too old (or a poll stuck): the age of what is shown, marked.
        Freshness::Stale | Freshness::InFlightTooLong => (
            format!("⚠ {}{spin}", age(now, f.last_success)),
            Style::default().fg(theme.warn),
        ),
        _ if f.cached => (
            format!("◷ {}{spin}", age(now, f.last_success)),
            Style::default().fg(theme.warn),
        ),
        Freshness::Fresh => (
            format!("✓ {}{spin}", age(now, f.last_success)),
            Style::default().fg(theme.ok),
        ),
        Freshness::Never => (format!("…{spin}"), Style::default().fg(theme.muted)),
    }
}

/// Width of a cell of the API calls by operation.
const CELL_W: u16 = 44;

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    if area.height < 3 {
        return;
    }
    let theme = *app.theme();
    let shown: Vec<ScopeId> = (0..app.estate.scopes().len())
        .filter(|i| app.scope_mask().get(*i).copied().unwrap_or(true))
        .map(|i| i as ScopeId)
        .collect();
    let calls: u64 = app.estate.api_calls.values().sum();
    let title = format!(
        "Scopes · {} shown of {} · {} API calls",
        shown.len(),
        app.estate.scopes().len(),
        thousands(calls as usize)
    );
    draw_title(buf, area, app, &title, &[Feed::Nodes]);
    // API calls by operation at the bottom, in columns.
    let ops: Vec<(String, u64)> = app
        .estate
        .api_calls
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let per_line = (area.width / CELL_W).max(1);
    let calls_h = if ops.is_empty() {
        2
    } else {
        (ops.len() as u16).div_ceil(per_line) + 1
    }
    .min(area.height / 3);
    let table = Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1 + calls_h),
        ..area
    };
    record_rows(out, table);
    let feeds: Vec<Feed> = Feed::ALL
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            *i < ALWAYS_SHOWN
                || shown
                    .iter()
                    .filter_map(|id| app.estate.scope(*id))
                    .any(|s| polled(s.feed(**f)))
        })
        .map(|(_, f)| *f)
        .collect();
    let mut titles = vec!["Account".to_string(), "Region".to_string()];
    titles.extend(feeds.iter().map(|f| f.label().to_string()));
    titles.push("Next poll".into());
    titles.push("Error".into());
    let mut specs = vec![col(10, 24), col(9, 14)];
    specs.extend(feeds.iter().map(|_| col(5, 8)));
    specs.push(col(6, 9));
    specs.push(grow(10, 20));
    let widths = fit(table.width, &specs);
    let v = app.panes.scopes.view;
    let draw = TableDraw {
        titles,
        widths,
        sort: None,
        rows: v.visible(shown.len()),
        selected: v.selected,
        theme: &theme,
    };
    let now = app.now();
    let estate = &app.estate;
    let body = draw_table(buf, table, &draw, |pos, c| {
        let Some(s) = shown.get(pos).and_then(|id| estate.scope(*id)) else {
            return (String::new(), Style::default());
        };
        let nf = feeds.len();
        match c {
            0 => (
                format!("{} ({})", s.scope.account.name, s.scope.account.id),
                Style::default(),
            ),
            1 => (s.scope.region.clone(), Style::default()),
            c if c < 2 + nf => {
                let feed = feeds[c - 2];
                let f = s.feed(feed);
                feed_cell(f, app.freshness_of(feed, f), now, &theme)
            }
            c if c == 2 + nf => match s.next_poll() {
                Some(t) if t > now => (
                    format!("in {}", age(t, Some(now))),
                    Style::default().fg(theme.muted),
                ),
                Some(_) => ("now".into(), Style::default().fg(theme.muted)),
                None => ("-".into(), Style::default().fg(theme.muted)),
            },
            _ => match s.failures().next() {
                Some((f, e)) => (
                    format!(
                        "{}: {}",
                        f.as_str(),
                        e.split_whitespace().collect::<Vec<_>>().join(" ")
                    ),
                    Style::default().fg(theme.error),
                ),
                None => (String::new(), Style::default()),
            },
        }
    });
    if shown.is_empty() {
        let (msg, style) = empty_message(app, &theme);
        draw_message(buf, body, &msg, style);
    }
    let calls_area = Rect {
        y: table.bottom(),
        height: calls_h,
        ..area
    };
    draw_api_calls(buf, calls_area, &ops, per_line, &theme);
}

/// Why no scope is listed: discovery failed (and when it is tried again), is under way,
/// or the scope filter hides every scope.
fn empty_message(app: &App, theme: &Theme) -> (String, Style) {
    let (msg, fg) = if let Some((text, retrying)) = super::status::discovery_news(app) {
        (text, if retrying { theme.warn } else { theme.error })
    } else if app.estate.scopes().is_empty() {
        ("Discovering accounts…".to_string(), theme.muted)
    } else {
        (
            "No scope matches the scope filter (:* shows every scope)".to_string(),
            theme.muted,
        )
    };
    (msg, Style::default().fg(fg))
}

/// The API calls made, by operation (`ops`), `per_line` columns of `CELL_W` a line, under
/// a header line across `calls_area`.
fn draw_api_calls(
    buf: &mut Buffer,
    calls_area: Rect,
    ops: &[(String, u64)],
    per_line: u16,
    theme: &Theme,
) {
    if calls_area.height == 0 {
        return;
    }
    let head = Style::default()
        .fg(theme.table_header_fg)
        .bg(theme.table_header_bg)
        .add_modifier(Modifier::BOLD);
    buf.set_style(
        Rect {
            height: 1,
            ..calls_area
        },
        head,
    );
    put(
        buf,
        calls_area.x + 1,
        calls_area.y,
        "API calls by operation (since start)",
        usize::from(calls_area.width),
        head,
    );
    if ops.is_empty() {
        put(
            buf,
            calls_area.x + 1,
            calls_area.y + 1,
            "none yet",
            usize::from(calls_area.width),
            Style::default().fg(theme.muted),
        );
        return;
    }
    for (i, (op, n)) in ops.iter().enumerate() {
        let line = i as u16 / per_line;
        let y = calls_area.y + 1 + line;
        if y >= calls_area.bottom() {
            break;
        }
        let x = calls_area.x + 1 + (i as u16 % per_line) * CELL_W;
        let num = thousands(*n as usize);
        let name_w = usize::from(CELL_W).saturating_sub(num.len() + 3);
        put(buf, x, y, op, name_w, Style::default().fg(theme.fg));
        put(
            buf,
            x + name_w as u16 + 1,
            y,
            &format!("{num:>w$}", w = num.len()),
            num.len(),
            Style::default().fg(theme.accent),
        );
    }
}
