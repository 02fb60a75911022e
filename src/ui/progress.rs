//! The first-load gauge and the credentials banner.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::text::{put, width};
use crate::app::App;
use crate::model::LoadProgress;

/// Widest the gauge's bar gets, in cells.
const BAR_MAX: usize = 20;

/// The first-load progress of the visible pane while it is still loading.
/// Counts come from the per-scope feed states (O(scopes), not nodes).
pub fn loading(app: &App) -> Option<LoadProgress> {
    let p = app.estate.load_progress(app.pane().feeds());
    (p.loading && p.total > 0 && p.answered < p.total).then_some(p)
}

/// `loading N/M scopes`.
pub fn label(p: &LoadProgress) -> String {
    format!("loading {}/{} scopes", p.answered, p.total)
}

/// Draws `loading N/M scopes ▕███░░░▏` at (x, y) in at most `max` cells; returns the
/// cells written.
pub fn draw_gauge(
    buf: &mut Buffer,
    x: u16,
    y: u16,
    max: usize,
    p: &LoadProgress,
    style: Style,
    bar: Style,
) -> usize {
    let text = label(p);
    let mut used = put(buf, x, y, &text, max, style);
    let room = max.saturating_sub(used + 3).min(BAR_MAX);
    if room < 4 || p.total == 0 {
        return used;
    }
    let filled = (p.answered * room).div_ceil(p.total).min(room);
    let filled = if p.answered < p.total {
        filled.min(room - 1)
    } else {
        filled
    };
    let cells = format!(
        "▕{}{}▏",
        "█".repeat(filled),
        "░".repeat(room.saturating_sub(filled))
    );
    used += 1;
    used += put(
        buf,
        x + used as u16,
        y,
        &cells,
        max.saturating_sub(used),
        bar,
    );
    used
}

/// The profile named in the context line (`profile prod · eu-west-1`), if any.
pub fn profile(context: &str) -> Option<&str> {
    let rest = context.strip_prefix("profile ")?;
    let name = rest.split(" · ").next()?.trim();
    (!name.is_empty() && name != "default chain" && !name.contains(' ')).then_some(name)
}

/// The banner text while the last failure was a credentials error.
pub fn credentials_banner(app: &App) -> Option<String> {
    app.estate.credentials_error.as_ref()?;
    let fix = match profile(&app.options.context) {
        Some(p) => format!("run: aws sso login --profile {p}"),
        None => "run: aws sso login (or check AWS_PROFILE or aws configure)".to_string(),
    };
    Some(format!("credentials expired or missing — {fix}"))
}

/// Draws the credentials banner on `area`'s first line.
pub fn draw_banner(buf: &mut Buffer, area: Rect, app: &App, text: &str) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let theme = app.theme();
    let style = Style::default()
        .fg(theme.badge_fg)
        .bg(theme.error)
        .add_modifier(Modifier::BOLD);
    let line = Rect { height: 1, ..area };
    buf.set_style(line, style);
    let text = format!("✗ {text}");
    let w = width(&text);
    let x = if w + 2 <= usize::from(line.width) {
        line.x + ((usize::from(line.width) - w) / 2) as u16
    } else {
        line.x
    };
    put(buf, x, line.y, &text, usize::from(line.width), style);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_from_context() {
        assert_eq!(profile("profile prod · eu-west-1"), Some("prod"));
        assert_eq!(profile("profile prod"), Some("prod"));
        assert_eq!(profile("profile default chain · 3 regions"), None);
        assert_eq!(profile("demo estate"), None);
        assert_eq!(profile(""), None);
    }
}
