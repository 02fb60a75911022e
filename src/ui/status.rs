//! The status bar: scope freshness, node counts, errors and key hints.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use super::text::{put, put_right, thousands, width};
use crate::app::App;
use crate::model::ScopeHealth;

/// `38/40 scopes fresh, 2 failed · 10,000 nodes · 1,234 shown`.
pub fn summary(app: &App) -> String {
    let c = app.estate.health_counts();
    if c.total == 0 {
        return "discovering scopes…".to_string();
    }
    let mut s = format!("{}/{} scopes fresh", c.fresh, c.total);
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
    let hints = app.panes.get(app.pane()).footer(app.options.read_only);
    // Read-only mode leaves out the keys that change AWS.
    let hints: Vec<(&str, &str)> =
        crate::app::shown_entries(hints.iter().copied(), app.options.read_only).collect();
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
    let counts = app.estate.health_counts();
    let summary_style = if counts.failed > 0 {
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

/// The second line `line2`: the latest notice, else a discovery error, the loading
/// progress, a failed scope or that every scope answered; the discovery note on the right.
fn draw_news(buf: &mut Buffer, line2: Rect, app: &App, base: Style) {
    let theme = app.theme();
    let counts = app.estate.health_counts();
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
    } else if let Some(err) = &app.estate.discovery_error {
        put(
            buf,
            line2.x + 1,
            line2.y,
            &format!("✗ discovery: {}", one_line(err)),
            room,
            base.fg(theme.error),
        );
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
    } else if counts.total > 0 && counts.pending == 0 {
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

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
