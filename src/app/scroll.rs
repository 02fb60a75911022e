//! The movement keys of popups and plain lists, shared by the panes and the app.

use super::keymap::Action;
use super::table::Viewport;

/// The keys that scroll a popup by `scroll` lines, as the key map binds them: down and up
/// by one, page down and up by ten, top to the first line. False for any other action.
pub fn scroll_key(action: Option<Action>, scroll: &mut u16) -> bool {
    match action {
        Some(Action::Down) => *scroll = scroll.saturating_add(1),
        Some(Action::Up) => *scroll = scroll.saturating_sub(1),
        Some(Action::PageDown) => *scroll = scroll.saturating_add(10),
        Some(Action::PageUp) => *scroll = scroll.saturating_sub(10),
        Some(Action::Top) => *scroll = 0,
        _ => return false,
    }
    true
}

/// The movement keys of a list of `len` rows in `v`, as the key map binds them: down and
/// up by one, page down and up by a page, top and bottom. False for any other action.
pub fn viewport_nav(v: &mut Viewport, len: usize, action: Option<Action>) -> bool {
    let page = v.page as isize;
    match action {
        Some(Action::Down) => v.move_by(1, len),
        Some(Action::Up) => v.move_by(-1, len),
        Some(Action::Top) => v.select(0, len),
        Some(Action::Bottom) => v.select(usize::MAX, len),
        Some(Action::PageDown) => v.move_by(page, len),
        Some(Action::PageUp) => v.move_by(-page, len),
        _ => return false,
    }
    true
}
