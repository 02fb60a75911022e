//! Freshness as every view shows it: [`Freshness`], the one definition, at the app's clock,
//! with the feeds' poll cadences and since when the cockpit has been waiting for answers.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::App;
use crate::model::{Cadences, Feed, FeedState, Freshness, HealthCounts, ScopeId};

impl App {
    /// The poll cadence of every feed (the poll options'); staleness is measured in them.
    pub fn set_cadences(&mut self, cadences: Cadences) {
        self.cadences = cadences;
    }

    /// How often `feed` is polled.
    pub fn cadence(&self, feed: Feed) -> Duration {
        self.cadences.get(feed)
    }

    /// When the app saw its first message: a feed that never answered is waited for since.
    pub fn watching_since(&self) -> Option<DateTime<Utc>> {
        self.started
    }

    /// How `feed` of `f`'s scope stands now.
    pub fn freshness_of(&self, feed: Feed, f: &FeedState) -> Freshness {
        Freshness::of(f, self.now(), self.cadence(feed), self.started)
    }

    /// How `feed` of `scope` stands now (`Never` for an unknown scope).
    pub fn freshness(&self, scope: ScopeId, feed: Feed) -> Freshness {
        self.estate
            .scope(scope)
            .map_or(Freshness::Never, |s| self.freshness_of(feed, s.feed(feed)))
    }

    /// Scopes of `feed` by freshness now, over the scopes where it is polled or has data.
    pub fn freshness_counts(&self, feed: Feed) -> HealthCounts {
        self.estate
            .freshness_counts(feed, self.now(), self.cadence(feed), self.started)
    }
}
