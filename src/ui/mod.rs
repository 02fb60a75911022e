//! Drawing only: reads [`App`] state and paints a frame.

mod actions;
mod associations;
mod audit;
mod compliance;
mod detail;
mod explorer;
mod fields;
mod filter_bar;
mod header;
mod help;
mod history;
mod inventory;
mod nodes;
mod ops;
mod pane_bar;
mod parameters;
mod parameters_detail;
pub mod progress;
mod scopes;
pub mod sessions;
mod status;
pub mod table;
#[cfg(test)]
mod tests;
pub mod text;
pub mod theme;
mod timeline;
pub mod wallboard;
mod windows;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

pub use nodes::layout_columns;

use crate::app::{App, Drawn, Overlay, Pane, TableArea};

/// Draws the whole screen from `app`, which it never changes. What drawing learns (where
/// the table rows and the clickable spans are) is returned, for `Msg::Drawn`.
pub fn render(frame: &mut Frame, app: &App) -> Drawn {
    let mut out = Drawn::default();
    draw_screen(frame, app, &mut out);
    out
}

fn draw_screen(frame: &mut Frame, app: &App, out: &mut Drawn) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let theme = *app.theme();
    frame
        .buffer_mut()
        .set_style(area, Style::default().fg(theme.fg).bg(theme.bg));
    // The credentials banner takes the top line of every screen.
    let area = match progress::credentials_banner(app) {
        Some(text) if area.height > 2 => {
            progress::draw_banner(frame.buffer_mut(), area, app, &text);
            Rect {
                y: area.y + 1,
                height: area.height - 1,
                ..area
            }
        }
        _ => area,
    };
    if app.wallboard().is_some() {
        wallboard::draw(frame.buffer_mut(), area, app, out);
        return;
    }

    let header = Rect { height: 1, ..area };
    // A shell's pane: everything between the tab bar and a one-line footer. Recorded
    // even while the nodes pane shows, so new shells start at the right size.
    let pane = Rect {
        y: area.y.saturating_add(2),
        height: area.height.saturating_sub(3),
        ..area
    };
    out.session_pane = Some(TableArea {
        x: pane.x,
        y: pane.y,
        width: pane.width,
        height: pane.height,
    });
    let tab_h = u16::from(!app.session_tabs().is_empty() && area.height > 2);
    let tab_bar = Rect {
        y: header.bottom(),
        height: tab_h,
        ..area
    };
    if app.focused_session().is_some() && area.height > 3 {
        header::draw(frame.buffer_mut(), header, app);
        sessions::draw_tab_bar(frame.buffer_mut(), tab_bar, app);
        let cursor = sessions::draw_pane(frame.buffer_mut(), pane, app);
        let footer = Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        };
        sessions::draw_footer(frame.buffer_mut(), footer, app);
        match cursor {
            Some(c) if app.overlay() == &Overlay::None => frame.set_cursor_position(c),
            _ => {}
        }
        draw_overlay(frame, area, app);
        return;
    }

    let bar = Rect {
        y: header.bottom(),
        height: u16::from(area.height > 2),
        ..area
    };
    let tab_bar = Rect {
        y: bar.bottom(),
        height: tab_h.min(u16::from(area.height > 3)),
        ..area
    };
    let tab_h = tab_bar.height;
    let editing_line = app.command_line().is_some() || app.filter_editing();
    let show_filter = editing_line || (app.pane_has_filter() && !app.pane_filter_text().is_empty());
    let used = 1 + bar.height + tab_h;
    let status_h = 2.min(area.height.saturating_sub(used));
    let filter_h = u16::from(show_filter && area.height > used + 2);
    let status = Rect {
        y: area.bottom() - status_h,
        height: status_h,
        ..area
    };
    let filter = Rect {
        y: tab_bar.bottom(),
        height: filter_h,
        ..area
    };
    let body = Rect {
        y: filter.bottom(),
        height: status.y.saturating_sub(filter.bottom()),
        ..area
    };

    header::draw(frame.buffer_mut(), header, app);
    out.pane_bar = pane_bar::draw(frame.buffer_mut(), bar, app);
    if tab_h > 0 {
        sessions::draw_tab_bar(frame.buffer_mut(), tab_bar, app);
    }
    draw_pane(frame.buffer_mut(), body, app, out);
    if filter_h > 0 {
        let cursor = if app.command_line().is_some() {
            filter_bar::draw_command(frame.buffer_mut(), filter, app)
        } else {
            filter_bar::draw(frame.buffer_mut(), filter, app)
        };
        if let Some(cursor) = cursor {
            frame.set_cursor_position(cursor);
        }
    }
    status::draw(frame.buffer_mut(), status, app);
    draw_overlay(frame, area, app);
    actions::draw(frame.buffer_mut(), area, app);
}

/// The body of the pane shown: the one place that knows each pane's draw function.
pub(crate) fn draw_pane(buf: &mut Buffer, body: Rect, app: &App, out: &mut Drawn) {
    match app.pane() {
        Pane::Nodes => nodes::draw(buf, body, app, out),
        Pane::Explorer => explorer::draw(buf, body, app),
        Pane::OpsCenter => ops::draw(buf, body, app, out),
        Pane::Compliance => compliance::draw(buf, body, app, out),
        Pane::Inventory => inventory::draw(buf, body, app, out),
        Pane::Scopes => scopes::draw(buf, body, app, out),
        Pane::Commands => history::draw_commands(buf, body, app, out),
        Pane::Automations => history::draw_automations(buf, body, app, out),
        Pane::Audit => audit::draw(buf, body, app, out),
        Pane::Activations => history::draw_activations(buf, body, app, out),
        Pane::Associations => associations::draw(buf, body, app, out),
        Pane::Windows => windows::draw(buf, body, app, out),
        Pane::Timeline => timeline::draw(buf, body, app, out),
        Pane::Parameters => parameters::draw_parameters(buf, body, app, out),
        Pane::Baselines => parameters::draw_baselines(buf, body, app, out),
        Pane::Documents => parameters::draw_documents(buf, body, app, out, false),
        Pane::Packages => parameters::draw_documents(buf, body, app, out, true),
    }
}

fn draw_overlay(frame: &mut Frame, area: Rect, app: &App) {
    match app.overlay() {
        Overlay::None => {}
        Overlay::Help => help::draw(frame.buffer_mut(), area, app),
        Overlay::Detail { .. } => detail::draw(frame.buffer_mut(), area, app),
        Overlay::OpsItem { .. } => ops::draw_detail(frame.buffer_mut(), area, app),
        Overlay::ComplianceItems { .. } => compliance::draw_items(frame.buffer_mut(), area, app),
        Overlay::Record { .. } => history::draw_record(frame.buffer_mut(), area, app),
        Overlay::Catalog(_) => parameters_detail::draw(frame.buffer_mut(), area, app),
        Overlay::Forward(_) => {
            if let Some(c) = sessions::draw_forward_prompt(frame.buffer_mut(), area, app) {
                frame.set_cursor_position(c);
            }
        }
    }
}
