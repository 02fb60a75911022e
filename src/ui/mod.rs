//! Drawing only: reads [`App`] state and paints a frame.

mod detail;
mod filter_bar;
mod header;
mod help;
mod nodes;
mod status;
pub mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub use nodes::layout_columns;

use crate::app::{App, Overlay};

/// Draws the whole screen. Takes `&mut App` to record the table's height and scroll.
pub fn render(frame: &mut Frame, app: &mut App) {
    app.sync();
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let theme = *app.theme();
    frame
        .buffer_mut()
        .set_style(area, Style::default().fg(theme.fg).bg(theme.bg));

    let show_filter = app.filter_editing() || !app.nodes.filter_text().is_empty();
    let status_h = 2.min(area.height.saturating_sub(1));
    let filter_h = u16::from(show_filter && area.height > 3);
    let header = Rect { height: 1, ..area };
    let status = Rect {
        y: area.bottom() - status_h,
        height: status_h,
        ..area
    };
    let filter = Rect {
        y: header.bottom(),
        height: filter_h,
        ..area
    };
    let table = Rect {
        y: filter.bottom(),
        height: status.y.saturating_sub(filter.bottom()),
        ..area
    };

    header::draw(frame.buffer_mut(), header, app);
    nodes::draw(frame.buffer_mut(), table, app);
    if filter_h > 0
        && let Some(cursor) = filter_bar::draw(frame.buffer_mut(), filter, app)
    {
        frame.set_cursor_position(cursor);
    }
    status::draw(frame.buffer_mut(), status, app);

    match app.overlay() {
        Overlay::None => {}
        Overlay::Help => help::draw(frame.buffer_mut(), area, app),
        Overlay::Detail { .. } => detail::draw(frame.buffer_mut(), area, app),
    }
}
