//! The filter bar: the filter text, its error or match count.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};

use super::text::{put, put_right, thousands, width};
use crate::app::App;

/// Draws the bar; returns where the terminal cursor goes while editing.
pub fn draw(buf: &mut Buffer, area: Rect, app: &App) -> Option<Position> {
    let theme = app.theme();
    let base = Style::default().fg(theme.filter_fg).bg(theme.bg);
    buf.set_style(area, base);
    let text = app.pane_filter_text();
    let error = app.pane_filter_error();

    let (right, right_style) = match &error {
        Some(e) => (format!("✗ {e} "), base.fg(theme.filter_error)),
        None => {
            let hint = if app.filter_editing() {
                "Enter keep · Esc clear"
            } else {
                "/ edit · Esc clear"
            };
            (
                format!("{} shown · {hint} ", thousands(app.pane_row_count())),
                base.fg(theme.muted),
            )
        }
    };
    let right_w = width(&right).min(usize::from(area.width) / 2) as u16;
    let right_area = Rect {
        x: area.right() - right_w,
        width: right_w,
        ..area
    };
    put_right(buf, right_area, &right, right_style);

    let prompt_style = base.fg(theme.filter_prompt).add_modifier(Modifier::BOLD);
    let x = area.x
        + put(
            buf,
            area.x,
            area.y,
            "/ ",
            usize::from(area.width),
            prompt_style,
        ) as u16;
    let room = usize::from(right_area.x.saturating_sub(x).saturating_sub(1));
    let text_style = if error.is_some() {
        base.fg(theme.filter_error)
    } else {
        base
    };
    put(buf, x, area.y, text, room, text_style);
    if !app.filter_editing() {
        return None;
    }
    let before = text.get(..app.filter_cursor()).unwrap_or(text);
    let cx = x.saturating_add(width(before).min(room) as u16);
    Some(Position::new(
        cx.min(area.right().saturating_sub(1)),
        area.y,
    ))
}

/// The `:` command line; returns where the terminal cursor goes.
pub fn draw_command(buf: &mut Buffer, area: Rect, app: &App) -> Option<Position> {
    let line = app.command_line()?;
    let theme = app.theme();
    let base = Style::default().fg(theme.filter_fg).bg(theme.bg);
    buf.set_style(area, base);
    let hint = "Enter run · Tab complete · Esc cancel · :help ";
    let right_w = width(hint).min(usize::from(area.width) / 2) as u16;
    let right_area = Rect {
        x: area.right() - right_w,
        width: right_w,
        ..area
    };
    put_right(buf, right_area, hint, base.fg(theme.muted));
    let prompt = base.fg(theme.filter_prompt).add_modifier(Modifier::BOLD);
    let x = area.x + put(buf, area.x, area.y, ": ", usize::from(area.width), prompt) as u16;
    let room = usize::from(right_area.x.saturating_sub(x).saturating_sub(1));
    put(buf, x, area.y, &line.text, room, base);
    let cx = x.saturating_add(width(&line.text).min(room) as u16);
    Some(Position::new(
        cx.min(area.right().saturating_sub(1)),
        area.y,
    ))
}
