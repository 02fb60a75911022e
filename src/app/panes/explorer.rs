//! The Explorer pane: the estate's aggregates, scrolled as a page.

use crossterm::event::KeyEvent;

use super::{Cmd, Component, Cx, List, ListMut, PaneKind};
use crate::app::keymap::Action;
use crate::model::Feed;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExplorerView {
    /// First line shown.
    pub scroll: u16,
}

impl ExplorerView {
    fn scroll_by(&mut self, delta: isize) {
        let now = isize::from(self.scroll.min(i16::MAX as u16) as i16);
        self.scroll = u16::try_from((now + delta).max(0)).unwrap_or(0);
    }
}

impl PaneKind for ExplorerView {
    const TITLE: &'static str = "Explorer";
    const SHORT: &'static str = "Expl";
    const ALIASES: &'static [&'static str] = &["explorer", "ex", "x"];
    const FEEDS: &'static [Feed] = &[
        Feed::Nodes,
        Feed::OpsItems,
        Feed::Compliance,
        Feed::Patch,
        Feed::Explorer,
    ];
}

/// The page as a list without rows: movement scrolls it.
struct Page<'a>(&'a mut ExplorerView);

impl List for ExplorerView {
    fn len(&self) -> usize {
        0
    }
    fn offset(&self) -> usize {
        0
    }
}

impl List for Page<'_> {
    fn len(&self) -> usize {
        0
    }
    fn offset(&self) -> usize {
        0
    }
}

impl ListMut for Page<'_> {
    fn move_by(&mut self, delta: isize) {
        self.0.scroll_by(delta);
    }
    fn scroll_by(&mut self, delta: isize) {
        self.0.scroll_by(delta);
    }
    fn select(&mut self, _row: usize) {}
    fn set_page(&mut self, _rows: usize) {}
    fn nav(&mut self, _action: Option<Action>) -> bool {
        false
    }
    fn click(&mut self, _line: usize) -> bool {
        false
    }
}

impl Component for ExplorerView {
    page_list!();
    fn list_mut<'a>(&'a mut self, _cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(Box::new(Page(self)))
    }
    fn on_key(
        &mut self,
        _key: &KeyEvent,
        action: Option<Action>,
        _cx: &Cx,
        _out: &mut Vec<Cmd>,
    ) -> bool {
        match action {
            Some(Action::Down) => self.scroll_by(1),
            Some(Action::Up) => self.scroll_by(-1),
            Some(Action::PageDown) => self.scroll_by(10),
            Some(Action::PageUp) => self.scroll_by(-10),
            Some(Action::Top) => self.scroll = 0,
            _ => return false,
        }
        true
    }
}
