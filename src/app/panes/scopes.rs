//! The Scopes pane: every (account, region) polled, its feeds and their health; Enter
//! narrows every pane to the selected scope.

use crossterm::event::KeyEvent;

use super::{Cmd, Component, Cx, KeyHint, List, ListMut, PaneKind};
use crate::app::keymap::Action;
use crate::app::scope_filter::ScopeFilter;
use crate::app::scroll::viewport_nav;
use crate::app::table::Viewport;
use crate::model::{Feed, ScopeId};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopesView {
    /// The selection among the scopes shown.
    pub view: Viewport,
}

impl PaneKind for ScopesView {
    const TITLE: &'static str = "Scopes";
    const SHORT: &'static str = "Scop";
    const ALIASES: &'static [&'static str] = &["scopes", "scope", "sc"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes];
}

/// The scopes shown: `shown` lines, paged over every scope.
struct Lines<'a> {
    view: &'a mut Viewport,
    shown: usize,
    total: usize,
}

impl List for Lines<'_> {
    fn len(&self) -> usize {
        self.shown
    }
    fn offset(&self) -> usize {
        self.view.offset
    }
}

impl ListMut for Lines<'_> {
    fn move_by(&mut self, delta: isize) {
        self.view.move_by(delta, self.shown);
    }
    fn scroll_by(&mut self, delta: isize) {
        self.view.scroll_by(delta, self.shown);
    }
    fn select(&mut self, row: usize) {
        self.view.select(row, self.shown);
    }
    fn set_page(&mut self, rows: usize) {
        self.view.set_page(rows, self.total);
    }
    fn nav(&mut self, action: Option<Action>) -> bool {
        viewport_nav(self.view, self.shown, action)
    }
}

impl List for ScopesView {
    fn len(&self) -> usize {
        0
    }
    fn offset(&self) -> usize {
        self.view.offset
    }
}

impl Component for ScopesView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[KeyHint::table(
            "Enter",
            &[Action::Details],
            "scopes: only that scope",
        )];
        HELP
    }
    page_list!();
    fn list_mut<'a>(&'a mut self, cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(Box::new(Lines {
            view: &mut self.view,
            shown: cx.shown_scopes(),
            total: cx.estate.scopes().len(),
        }))
    }
    fn on_key(
        &mut self,
        _key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if action != Some(Action::Details) {
            return false;
        }
        let Some(s) = (0..cx.mask.len())
            .filter(|i| cx.mask[*i])
            .nth(self.view.selected)
            .and_then(|i| cx.estate.scope(i as ScopeId))
        else {
            return false;
        };
        out.push(Cmd::ScopeFilter(ScopeFilter {
            accounts: vec![s.scope.account.id.clone()],
            regions: vec![s.scope.region.to_lowercase()],
        }));
        true
    }
}
