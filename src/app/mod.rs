//! App state and update (The Elm Architecture): messages in, state changes, a redraw flag out.

mod columns;
mod filter;
mod keys;
mod nodes;
mod sessions;
pub mod term_keys;

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

pub use columns::Column;
pub use filter::{Filter, FilterError, Matcher, Term};
pub use keys::{FILTER_HELP, KEY_HELP, SESSION_HELP, SESSION_KEY_HELP};
pub use nodes::{NodesView, RowRef};
pub use sessions::{
    Effect, Focus, ForwardPrompt, LEADER_LABEL, SCROLLBACK_LINES, SessionTab, parse_forward,
};

use crate::model::{Estate, FeedEvent, ManagedNode, ScopeId};
use crate::session::{SessionEvent, SessionId};
use crate::ui::theme::Theme;

/// Everything the app reacts to.
#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The slow clock: ages and the header clock move.
    Tick,
    Feed(FeedEvent),
    /// An event of a running session.
    Session(SessionId, SessionEvent),
    /// Text pasted into the cockpit's terminal (bracketed paste).
    Paste(String),
}

/// How the app was started.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Shown in the header, e.g. "profile prod · 3 regions".
    pub context: String,
    pub read_only: bool,
    pub theme: Theme,
    pub demo: bool,
}

/// What is drawn over the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    /// Every field of one node, followed by (scope, instance id) across refreshes.
    Detail {
        scope: ScopeId,
        instance_id: String,
        scroll: u16,
    },
    /// The port-forward prompt.
    Forward(ForwardPrompt),
}

/// Where the table body was last drawn, for mouse clicks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableArea {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
}

pub struct App {
    pub estate: Estate,
    pub nodes: NodesView,
    pub options: AppOptions,
    overlay: Overlay,
    /// The filter bar has the keyboard.
    filter_editing: bool,
    /// Cursor in the filter text, a byte offset on a char boundary.
    filter_cursor: usize,
    quit: bool,
    fixed_now: Option<DateTime<Utc>>,
    table_area: TableArea,
    sessions: sessions::Sessions,
}

impl App {
    pub fn new(opts: AppOptions) -> App {
        App {
            estate: Estate::new(),
            nodes: NodesView::default(),
            options: opts,
            overlay: Overlay::None,
            filter_editing: false,
            filter_cursor: 0,
            quit: false,
            fixed_now: None,
            table_area: TableArea::default(),
            sessions: sessions::Sessions::default(),
        }
    }

    /// Applies a message; true when the screen needs a redraw.
    pub fn update(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Key(key) => {
                self.nodes.sync(&self.estate);
                self.on_key(key)
            }
            Msg::Mouse(mouse) => {
                self.nodes.sync(&self.estate);
                self.on_mouse(mouse)
            }
            Msg::Resize(..) | Msg::Tick => true,
            Msg::Feed(event) => self.on_feed(event),
            Msg::Session(id, event) => self.on_session(id, event),
            Msg::Paste(text) => self.on_paste(text),
        }
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// Same as typing `text` in the filter bar.
    pub fn set_filter(&mut self, text: &str) {
        self.nodes.sync(&self.estate);
        self.nodes.set_filter(&self.estate, text);
        self.filter_cursor = text.len();
    }

    /// Rows after the filter.
    pub fn visible_row_count(&self) -> usize {
        self.nodes.len()
    }

    /// Freezes the clock (ages, header) at `now`; `None` follows the wall clock.
    pub fn set_now(&mut self, now: Option<DateTime<Utc>>) {
        self.fixed_now = now;
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    pub fn theme(&self) -> &Theme {
        &self.options.theme
    }

    pub fn overlay(&self) -> &Overlay {
        &self.overlay
    }

    pub fn filter_editing(&self) -> bool {
        self.filter_editing
    }

    pub fn filter_cursor(&self) -> usize {
        self.filter_cursor
    }

    /// The node the detail view shows, if it is open and the node still reported.
    pub fn detail_node(&self) -> Option<&ManagedNode> {
        let Overlay::Detail {
            scope, instance_id, ..
        } = &self.overlay
        else {
            return None;
        };
        self.estate
            .scope_nodes(*scope)
            .iter()
            .find(|n| n.instance_id == *instance_id)
    }

    /// Brings the table index up to date; called by the renderer.
    pub fn sync(&mut self) {
        self.nodes.sync(&self.estate);
    }

    /// Records where the table body is drawn.
    pub fn set_table_area(&mut self, area: TableArea) {
        self.table_area = area;
        self.nodes.set_page(usize::from(area.height));
    }

    fn on_feed(&mut self, event: FeedEvent) -> bool {
        let stale = self.nodes_stale();
        let changed_scope = match &event {
            FeedEvent::NodesLoaded { scope, .. } | FeedEvent::TagsLoaded { scope, .. } => {
                Some(*scope)
            }
            _ => None,
        };
        let discovered = matches!(event, FeedEvent::ScopesDiscovered { .. });
        let changed = self.estate.apply(event);
        if stale || discovered {
            self.nodes.rebuild_all(&self.estate);
        } else if let (true, Some(scope)) = (changed, changed_scope) {
            self.nodes.rebuild_scope(&self.estate, scope);
        }
        changed
    }

    fn nodes_stale(&self) -> bool {
        self.nodes.indexed_generation() != Some(self.estate.generation())
    }

    fn on_mouse(&mut self, mouse: MouseEvent) -> bool {
        if let (Focus::Session(id), Overlay::None) = (self.sessions.focus, &self.overlay) {
            return self.session_mouse(id, mouse);
        }
        let detail = matches!(self.overlay, Overlay::Detail { .. });
        match mouse.kind {
            MouseEventKind::ScrollDown if detail => self.scroll_detail(3),
            MouseEventKind::ScrollUp if detail => self.scroll_detail(-3),
            MouseEventKind::ScrollDown if self.overlay == Overlay::None => {
                self.nodes.scroll_by(&self.estate, 3)
            }
            MouseEventKind::ScrollUp if self.overlay == Overlay::None => {
                self.nodes.scroll_by(&self.estate, -3)
            }
            MouseEventKind::Down(MouseButton::Left) if self.overlay == Overlay::None => {
                let a = self.table_area;
                let inside = mouse.column >= a.x
                    && mouse.column < a.x.saturating_add(a.width)
                    && mouse.row >= a.y
                    && mouse.row < a.y.saturating_add(a.height);
                if !inside {
                    return false;
                }
                let row = self.nodes.offset() + usize::from(mouse.row - a.y);
                if row >= self.nodes.len() {
                    return false;
                }
                self.nodes.select(&self.estate, row);
            }
            _ => return false,
        }
        true
    }

    fn scroll_detail(&mut self, delta: i32) {
        if let Overlay::Detail { scroll, .. } = &mut self.overlay {
            *scroll = u16::try_from((i32::from(*scroll) + delta).max(0)).unwrap_or(u16::MAX);
        }
    }

    fn open_detail(&mut self) {
        if let Some(node) = self.nodes.selected_node(&self.estate) {
            self.overlay = Overlay::Detail {
                scope: node.scope,
                instance_id: node.instance_id.clone(),
                scroll: 0,
            };
        }
    }
}

#[cfg(test)]
mod tests;
