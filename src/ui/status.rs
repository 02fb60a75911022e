//! The status bar: scope freshness, node counts, errors and key hints.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::{age, put, put_right, thousands, width};
use crate::app::App;
use crate::model::{Feed, Freshness, ScopeHealth};

/// `38/40 scopes fresh, 2 failed · 10,000 nodes · 1,234 shown`: the nodes feed of every
/// scope by [`Freshness`](crate::model::Freshness).
pub fn summary(app: &App) -> String {
    let c = app.freshness_counts(Feed::Nodes);
    if c.total == 0 {
        return "discovering scopes…".to_string();
    }
    let mut s = format!("{}/{} scopes fresh", c.fresh, c.total);
    if c.stale > 0 {
        s.push_str(&format!(", {} stale", c.stale));
    }
    if c.failed > 0 {
        s.push_str(&format!(", {} failed", c.failed));
    }
    if c.pending > 0 {
        s.push_str(&format!(", {} pending", c.pending));
    }
    s.push_str(&format!(" · {} nodes", thousands(app.estate.node_count())));
    if app.pane_has_filter() {
        s.push_str(&format!(" · {} shown", thousands(app.pane_row_count())));
    }
    if let Some(t) = app.estate.cache_saved_at {
        s.push_str(&format!(" · ◷ cached {}", t.format("%H:%M")));
    }
    s
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let theme = app.theme();
    let base = Style::default().fg(theme.status_fg).bg(theme.status_bg);
    buf.set_style(area, base);
    draw_summary_and_hints(buf, area, app, base);
    if area.height < 2 {
        return;
    }
    let line2 = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    draw_news(buf, line2, app, base);
}

/// The first line: the summary on the left, the key hints that fit on the right.
fn draw_summary_and_hints(buf: &mut Buffer, area: Rect, app: &App, base: Style) {
    let theme = app.theme();
    // Key hints on the right, the summary on the left.
    let summary = summary(app);
    let hints = app.panes.get(app.pane()).footer();
    // The keys bound to the hints' actions; read-only mode leaves out those that change AWS.
    let hints = crate::app::footer_entries(hints, app.keys(), app.options.read_only);
    let hints_w = |n: usize| -> usize {
        hints[..n]
            .iter()
            .map(|(k, d)| width(k) + width(d) + 3)
            .sum()
    };
    // As many hints as fit: the summary comes first.
    let shown = (0..=hints.len())
        .rev()
        .find(|n| width(&summary) + hints_w(*n) + 2 <= usize::from(area.width))
        .unwrap_or(0);
    let mut x = area.right().saturating_sub(hints_w(shown) as u16);
    let counts = app.freshness_counts(Feed::Nodes);
    let summary_style = if counts.failed > 0 || counts.stale > 0 {
        base.fg(theme.warn)
    } else {
        base
    };
    put(
        buf,
        area.x + 1,
        area.y,
        &summary,
        usize::from(x.saturating_sub(area.x + 2)),
        summary_style,
    );
    for (key, what) in &hints[..shown] {
        x += put(buf, x, area.y, key, width(key), base.fg(theme.key)) as u16;
        x += put(
            buf,
            x + 1,
            area.y,
            what,
            usize::from(area.right().saturating_sub(x + 1)),
            base.fg(theme.muted),
        ) as u16
            + 3;
    }
}

/// The second line `line2`: the latest notice, else a discovery error, a stale scope, the
/// loading progress, a failed scope or that every scope is fresh; the discovery note on
/// the right.
fn draw_news(buf: &mut Buffer, line2: Rect, app: &App, base: Style) {
    let theme = app.theme();
    let counts = app.freshness_counts(Feed::Nodes);
    let note_x = match &app.estate.discovery_note {
        // The question before an unsandboxed demo's first shell needs the whole line.
        Some(note) if app.estate.discovery_error.is_none() && !app.asks_unsandboxed() => {
            put_right(buf, line2, &format!("{note} "), base.fg(theme.muted))
        }
        _ => line2.right(),
    };
    let room = usize::from(note_x.saturating_sub(line2.x + 3));
    let failed: Vec<_> = app
        .estate
        .scopes()
        .iter()
        .filter(|s| s.health == ScopeHealth::Failed)
        .collect();
    if let Some(n) = app.notice() {
        let style = if n.error {
            base.fg(theme.error)
        } else {
            base.fg(theme.ok)
        };
        let mark = if n.error { "✗" } else { "·" };
        put(
            buf,
            line2.x + 1,
            line2.y,
            &format!("{mark} {}", one_line(&n.text)),
            room,
            style,
        );
    } else if let Some((text, retrying)) = discovery_news(app) {
        let fg = if retrying { theme.warn } else { theme.error };
        put(buf, line2.x + 1, line2.y, &text, room, base.fg(fg));
    } else if let Some(stale) = stale_news(app, counts.stale) {
        put(buf, line2.x + 1, line2.y, &stale, room, base.fg(theme.warn));
    } else if let Some(p) = super::progress::loading(app) {
        super::progress::draw_gauge(
            buf,
            line2.x + 1,
            line2.y,
            room,
            &p,
            base.fg(theme.fg),
            base.fg(theme.ok),
        );
    } else if let Some(first) = failed.first() {
        let more = if failed.len() > 1 {
            format!(" (+{} more)", failed.len() - 1)
        } else {
            String::new()
        };
        let error = one_line(first.error.as_deref().unwrap_or("failed"));
        let label = first.scope.label();
        // The "(+n more)" stays visible: the error is cut first.
        let fixed = width(&label) + width(&more) + 4;
        let err_room = room.saturating_sub(fixed).max(8);
        let error = if width(&error) > err_room {
            let cut: String = error.chars().take(err_room.saturating_sub(1)).collect();
            format!("{cut}…")
        } else {
            error
        };
        put(
            buf,
            line2.x + 1,
            line2.y,
            &format!("✗ {label}: {error}{more}"),
            room,
            base.fg(theme.error),
        );
    } else if counts.total > 0 && counts.fresh == counts.total {
        put(
            buf,
            line2.x + 1,
            line2.y,
            "✓ every scope answered its last poll",
            room,
            base.fg(theme.ok),
        );
    }
}

/// `⚠ 6 stale: acme-prod/eu-west-1: poll in flight 45s (cadence 15s)`: the first scope
/// whose nodes feed is stale and why; None when `stale` is 0.
fn stale_news(app: &App, stale: usize) -> Option<String> {
    if stale == 0 {
        return None;
    }
    let now = app.now();
    let cadence = app.cadence(Feed::Nodes);
    let (scope, why) = app.estate.scopes().iter().find_map(|s| {
        let f = s.feed(Feed::Nodes);
        let why = match app.freshness_of(Feed::Nodes, f) {
            Freshness::InFlightTooLong => {
                format!("poll in flight {}", age(now, f.last_attempt))
            }
            Freshness::Stale if f.last_success.is_some() => {
                format!("last answer {} ago", age(now, f.last_success))
            }
            Freshness::Stale => format!("no answer in {}", age(now, app.watching_since())),
            _ => return None,
        };
        Some((s.scope.label(), why))
    })?;
    Some(format!(
        "⚠ {stale} stale: {scope}: {why} (polled every {}s)",
        cadence.as_secs()
    ))
}

/// A failed discovery: `↻ discovery: retrying in 4s (attempt 2): <error>` while it is
/// tried again (true), else `✗ discovery: <error>` (false).
pub fn discovery_news(app: &App) -> Option<(String, bool)> {
    let err = one_line(app.estate.discovery_error.as_deref()?);
    Some(match discovery_retry(app) {
        Some(retry) => (format!("↻ discovery: {retry}: {err}"), true),
        None => (format!("✗ discovery: {err}"), false),
    })
}

/// `retrying in 4s (attempt 2)` while a failed discovery waits to be tried again.
pub fn discovery_retry(app: &App) -> Option<String> {
    let (attempt, next) = app.estate.discovery_retry?;
    let wait = (next - app.now()).num_seconds().max(0);
    Some(if wait == 0 {
        format!("retrying now (attempt {attempt})")
    } else {
        format!("retrying in {wait}s (attempt {attempt})")
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
