//! Wallboard mode: read-only, panes rotating on the slow tick, stale feeds flagged, no
//! input but quit and pause. A tick redraws only when the pane or a timed text changes.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{App, Msg, Pane};
use crate::model::{Feed, FeedSet, FeedState, Freshness, ScopeId};

/// How the wallboard rotates and what counts as stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallboardOptions {
    /// Panes shown in turn; never empty (the nodes pane when given none).
    pub panes: Vec<Pane>,
    /// Time each pane stays on screen.
    pub rotate: Duration,
    /// Poll cadence per feed, indexed by [`Feed::index`].
    pub cadence: [Duration; Feed::COUNT],
}

impl WallboardOptions {
    /// `cadence` gives each feed's poll interval (from the poll options).
    pub fn new(
        panes: Vec<Pane>,
        rotate: Duration,
        cadence: impl Fn(Feed) -> Duration,
    ) -> WallboardOptions {
        let panes = if panes.is_empty() {
            vec![Pane::Nodes]
        } else {
            panes
        };
        WallboardOptions {
            panes,
            rotate: rotate.clamp(Duration::from_secs(1), Duration::from_secs(86_400)),
            cadence: Feed::ALL.map(cadence),
        }
    }

    pub fn cadence(&self, feed: Feed) -> Duration {
        self.cadence[feed.index()]
    }

    /// A feed is stale when it has not succeeded for this long: twice its cadence (see
    /// [`Freshness`], which also counts a poll in flight for longer than its cadence).
    pub fn stale_after(&self, feed: Feed) -> TimeDelta {
        TimeDelta::from_std(self.cadence(feed).saturating_mul(2)).unwrap_or(TimeDelta::MAX)
    }

    /// Feeds polled all the time: every rotated pane's, and the headline numbers'.
    pub fn feeds(&self) -> FeedSet {
        let mut set = FeedSet::of(&[Feed::Nodes, Feed::OpsItems, Feed::Compliance]);
        for p in &self.panes {
            for f in p.feeds().iter() {
                set.insert(f);
            }
        }
        set
    }
}

/// The rotation's state.
#[derive(Debug, Clone)]
pub(super) struct Wallboard {
    opts: WallboardOptions,
    index: usize,
    paused: bool,
    next_rotation: Option<DateTime<Utc>>,
    /// The timed texts of the last tick; a tick redraws only when they change.
    shown: Option<String>,
}

/// One feed of one scope stale by [`Freshness`]: no success within twice its cadence, or
/// a poll in flight for longer than its cadence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleFeed {
    pub scope: ScopeId,
    pub feed: Feed,
    /// None: it never answered.
    pub last_success: Option<DateTime<Utc>>,
}

impl App {
    /// Turns the app into a wallboard: read-only, showing `opts.panes` in turn.
    pub fn set_wallboard(&mut self, opts: WallboardOptions) {
        self.options.read_only = true;
        self.cadences = crate::model::Cadences::new(|feed| opts.cadence(feed));
        let first = opts.panes.first().copied().unwrap_or(Pane::Nodes);
        self.wallboard = Some(Wallboard {
            opts,
            index: 0,
            paused: false,
            next_rotation: None,
            shown: None,
        });
        self.show_pane(first);
    }

    pub fn wallboard(&self) -> Option<&WallboardOptions> {
        self.wallboard.as_ref().map(|w| &w.opts)
    }

    /// Rotation is paused (space).
    pub fn wallboard_paused(&self) -> bool {
        self.wallboard.as_ref().is_some_and(|w| w.paused)
    }

    /// Position of the pane shown in the rotation.
    pub fn wallboard_index(&self) -> usize {
        self.wallboard.as_ref().map_or(0, |w| w.index)
    }

    /// The feeds polled while `pane` shows.
    pub(super) fn feeds_for(&self, pane: Pane) -> FeedSet {
        match &self.wallboard {
            Some(w) => w.opts.feeds(),
            None => pane.feeds(),
        }
    }

    pub(super) fn wallboard_update(&mut self, msg: Msg) -> bool {
        let now = self.now();
        match msg {
            Msg::Key(key) => self.wallboard_key(key),
            Msg::Tick => self.wallboard_tick(now),
            Msg::Resize(..) => true,
            Msg::Feed(event) => self.on_feed(event),
            Msg::Mouse(_) | Msg::Paste(_) | Msg::Session(..) | Msg::Action(_) | Msg::Drawn(_) => {
                false
            }
        }
    }

    /// q and Ctrl-c quit; space pauses or resumes the rotation; nothing else does anything.
    fn wallboard_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('c' | 'C') if ctrl => self.quit = true,
            KeyCode::Char('q') if !ctrl && !alt => self.quit = true,
            KeyCode::Char(' ') if !ctrl && !alt => {
                let now = self.now();
                let Some(w) = &mut self.wallboard else {
                    return false;
                };
                w.paused = !w.paused;
                w.next_rotation = Some(later(now, &w.opts));
            }
            _ => return false,
        }
        true
    }

    /// Rotates when due; true when the pane or a timed text changed.
    fn wallboard_tick(&mut self, now: DateTime<Utc>) -> bool {
        let Some(w) = &mut self.wallboard else {
            return false;
        };
        let mut next_pane = None;
        match w.next_rotation {
            None => w.next_rotation = Some(later(now, &w.opts)),
            Some(due) if !w.paused && now >= due => {
                w.index = (w.index + 1) % w.opts.panes.len().max(1);
                w.next_rotation = Some(later(now, &w.opts));
                next_pane = w.opts.panes.get(w.index).copied();
            }
            Some(_) => {}
        }
        let rotated = match next_pane {
            Some(p) if p != self.pane => self.show_pane(p),
            _ => false,
        };
        let timed = self.wallboard_timed_text(now);
        let Some(w) = &mut self.wallboard else {
            return rotated;
        };
        let changed = w.shown.as_deref() != Some(timed.as_str());
        w.shown = Some(timed);
        rotated || changed
    }

    /// Everything on the wallboard that moves with time alone.
    fn wallboard_timed_text(&self, now: DateTime<Utc>) -> String {
        let stale: Vec<String> = self
            .stale_feeds_at(now)
            .iter()
            .map(|s| format!("{}:{}", s.scope, s.feed))
            .collect();
        format!(
            "{}|{}|{}",
            wallboard_clock(now),
            self.last_complete_refresh()
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            stale.join(",")
        )
    }

    /// Stale scope × feeds now.
    pub fn stale_feeds(&self) -> Vec<StaleFeed> {
        self.stale_feeds_at(self.now())
    }

    fn stale_feeds_at(&self, now: DateTime<Utc>) -> Vec<StaleFeed> {
        let Some(w) = &self.wallboard else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, st) in self.estate.scopes().iter().enumerate() {
            for feed in w.opts.feeds().iter() {
                let f = st.feed(feed);
                if !counted(feed, f) {
                    continue;
                }
                // By the age of the data: failing scopes are counted on their own.
                let fresh = Freshness::of_data(f, now, w.opts.cadence(feed), self.started);
                if fresh.is_stale() {
                    out.push(StaleFeed {
                        scope: i as ScopeId,
                        feed,
                        last_success: f.last_success,
                    });
                }
            }
        }
        out
    }

    /// Since when every polled feed of every scope has answered from AWS (the oldest
    /// last success); None while one has not.
    pub fn last_complete_refresh(&self) -> Option<DateTime<Utc>> {
        let w = self.wallboard.as_ref()?;
        let mut oldest: Option<DateTime<Utc>> = None;
        for st in self.estate.scopes() {
            for feed in w.opts.feeds().iter() {
                let f = st.feed(feed);
                if !counted(feed, f) {
                    continue;
                }
                if f.cached {
                    return None;
                }
                let t = f.last_success?;
                oldest = Some(oldest.map_or(t, |o| o.min(t)));
            }
        }
        oldest
    }
}

/// Feeds that count in a scope: nodes always; others where a poller runs or ran.
fn counted(feed: Feed, f: &FeedState) -> bool {
    feed == Feed::Nodes || f.active || f.has_data() || f.error.is_some()
}

/// When the pane shown from `now` on rotates away.
fn later(now: DateTime<Utc>, opts: &WallboardOptions) -> DateTime<Utc> {
    TimeDelta::from_std(opts.rotate)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(now)
}

/// The wall clock as the wallboard shows it: minutes, so it redraws once a minute.
pub fn wallboard_clock(now: DateTime<Utc>) -> String {
    now.format("%H:%M UTC").to_string()
}
