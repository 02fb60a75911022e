//! The top line: app name, context, mode badges, last refresh and clock.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use super::text::{put, put_right};
use crate::app::App;
use crate::ui::theme::Theme;

/// The app's name at the left of the top line `area`, whose right part starts at
/// `right_x`; returns where the text after it goes.
pub(super) fn draw_name(
    buf: &mut Buffer,
    area: Rect,
    right_x: u16,
    base: Style,
    theme: &Theme,
) -> u16 {
    let x = area.x + 1;
    let room = usize::from(right_x.saturating_sub(x).saturating_sub(1));
    let name = base.fg(theme.title).add_modifier(Modifier::BOLD);
    x + put(buf, x, area.y, "ssm-cockpit", room, name) as u16
}

/// The style of a badge of the top line on the background `bg`.
pub(super) fn badge_style(theme: &Theme, bg: Color) -> Style {
    Style::default()
        .fg(theme.badge_fg)
        .bg(bg)
        .add_modifier(Modifier::BOLD)
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = app.theme();
    let base = Style::default().fg(theme.header_fg).bg(theme.header_bg);
    buf.set_style(area, base);

    let now = app.now();
    let refreshed = app
        .estate
        .scopes()
        .iter()
        .filter_map(|s| s.last_success)
        .max();
    let mut right = match refreshed {
        Some(t) => format!("refreshed {} · ", t.format("%H:%M:%S")),
        None => String::new(),
    };
    right.push_str(&now.format("%H:%M:%S UTC ").to_string());
    let right_x = put_right(buf, area, &right, base.fg(theme.muted));
    let limit = |x: u16| usize::from(right_x.saturating_sub(x).saturating_sub(1));
    let mut x = draw_name(buf, area, right_x, base, theme);
    let badge = |bg| badge_style(theme, bg);
    if app.options.read_only {
        x += 1;
        x += put(buf, x, area.y, " RO ", limit(x), badge(theme.badge_ro_bg)) as u16;
    }
    if app.options.demo {
        x += 1;
        x += put(
            buf,
            x,
            area.y,
            match app.options.demo_unsandboxed {
                Some(_) => " DEMO · runs on this machine ",
                None => " DEMO ",
            },
            limit(x),
            badge(theme.badge_demo_bg),
        ) as u16;
    }
    if !app.options.context.is_empty() {
        x += 2;
        put(buf, x, area.y, &app.options.context, limit(x), base);
    }
}
