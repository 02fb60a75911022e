use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A kind of data polled per scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Feed {
    /// DescribeInstanceInformation (+ tags).
    Nodes,
    /// DescribeOpsItems.
    OpsItems,
    /// ListComplianceSummaries + ListResourceComplianceSummaries.
    Compliance,
    /// DescribeInstancePatchStates for the scope's nodes.
    Patch,
    /// GetInventory of the configured types.
    Inventory,
    /// GetOpsSummary through the organization's resource data sync.
    Explorer,
    /// ListCommands: the recent Run Command commands.
    Commands,
    /// DescribeAutomationExecutions: the recent Automation executions.
    Automations,
    /// DescribeActivations: hybrid activations.
    Activations,
    /// ListAssociations: State Manager associations.
    Associations,
    /// DescribeMaintenanceWindows + each window's schedule.
    Windows,
    /// ChangeCalendar documents and their events (ListDocuments + GetDocument).
    Calendars,
    /// DescribeParameters: Parameter Store metadata (never values).
    Parameters,
    /// DescribePatchBaselines + GetPatchBaseline of each + DescribePatchGroups.
    Baselines,
    /// ListDocuments: the account's, AWS's and shared documents.
    Documents,
}

impl Feed {
    pub const COUNT: usize = 15;
    pub const ALL: [Feed; Feed::COUNT] = [
        Feed::Nodes,
        Feed::OpsItems,
        Feed::Compliance,
        Feed::Patch,
        Feed::Inventory,
        Feed::Explorer,
        Feed::Commands,
        Feed::Automations,
        Feed::Activations,
        Feed::Associations,
        Feed::Windows,
        Feed::Calendars,
        Feed::Parameters,
        Feed::Baselines,
        Feed::Documents,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    /// Lower-case name, as in the config file and `:scopes`.
    pub fn as_str(self) -> &'static str {
        match self {
            Feed::Nodes => "nodes",
            Feed::OpsItems => "opsitems",
            Feed::Compliance => "compliance",
            Feed::Patch => "patch",
            Feed::Inventory => "inventory",
            Feed::Explorer => "explorer",
            Feed::Commands => "commands",
            Feed::Automations => "automations",
            Feed::Activations => "activations",
            Feed::Associations => "associations",
            Feed::Windows => "windows",
            Feed::Calendars => "calendars",
            Feed::Parameters => "parameters",
            Feed::Baselines => "baselines",
            Feed::Documents => "documents",
        }
    }

    /// Title-case name for headers.
    pub fn label(self) -> &'static str {
        match self {
            Feed::Nodes => "Nodes",
            Feed::OpsItems => "OpsItems",
            Feed::Compliance => "Compliance",
            Feed::Patch => "Patch",
            Feed::Inventory => "Inventory",
            Feed::Explorer => "Explorer",
            Feed::Commands => "Commands",
            Feed::Automations => "Automations",
            Feed::Activations => "Activations",
            Feed::Associations => "Associations",
            Feed::Windows => "Windows",
            Feed::Calendars => "Calendars",
            Feed::Parameters => "Parameters",
            Feed::Baselines => "Baselines",
            Feed::Documents => "Documents",
        }
    }

    pub fn parse(s: &str) -> Option<Feed> {
        Feed::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of feeds (which ones the visible panes want). The nodes feed is always polled,
/// whatever the set says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct FeedSet(u32);

impl FeedSet {
    pub const fn empty() -> FeedSet {
        FeedSet(0)
    }

    pub const fn all() -> FeedSet {
        FeedSet((1 << Feed::COUNT) - 1)
    }

    pub fn of(feeds: &[Feed]) -> FeedSet {
        let mut s = FeedSet::empty();
        for f in feeds {
            s.insert(*f);
        }
        s
    }

    pub fn insert(&mut self, f: Feed) {
        self.0 |= 1 << f.index();
    }

    pub fn remove(&mut self, f: Feed) {
        self.0 &= !(1 << f.index());
    }

    pub fn with(mut self, f: Feed) -> FeedSet {
        self.insert(f);
        self
    }

    pub fn contains(self, f: Feed) -> bool {
        self.0 & (1 << f.index()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Feed> {
        Feed::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Feed> for FeedSet {
    fn from_iter<I: IntoIterator<Item = Feed>>(iter: I) -> FeedSet {
        let mut s = FeedSet::empty();
        for f in iter {
            s.insert(f);
        }
        s
    }
}

/// How a scope's feed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScopeHealth {
    /// Not answered yet.
    Pending,
    /// The last poll succeeded.
    Fresh,
    /// The last poll failed; the last good data (if any) is kept.
    Failed,
}

/// The state of one feed of one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedState {
    pub health: ScopeHealth,
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// When the poller means to poll next (None: not scheduled, e.g. not wanted).
    pub next_poll: Option<DateTime<Utc>>,
    /// The error of the last failed poll, user-facing text.
    pub error: Option<String>,
    /// The data shown came from the disk cache and no poll has replaced it yet.
    pub cached: bool,
    /// A poll is running.
    pub in_flight: bool,
    /// A poller runs for this feed of this scope (wanted by a pane, and applicable:
    /// the Explorer feed is polled only in the scope that owns the resource data sync).
    pub active: bool,
}

impl Default for FeedState {
    fn default() -> FeedState {
        FeedState {
            health: ScopeHealth::Pending,
            last_success: None,
            last_attempt: None,
            next_poll: None,
            error: None,
            cached: false,
            in_flight: false,
            active: false,
        }
    }
}

impl FeedState {
    /// Loaded at least once (from AWS or the cache).
    pub fn has_data(&self) -> bool {
        self.last_success.is_some() || self.cached
    }
}

/// How often each feed is polled, indexed by [`Feed::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadences([std::time::Duration; Feed::COUNT]);

impl Cadences {
    /// `cadence` gives each feed's poll interval.
    pub fn new(cadence: impl Fn(Feed) -> std::time::Duration) -> Cadences {
        Cadences(Feed::ALL.map(cadence))
    }

    pub fn get(&self, feed: Feed) -> std::time::Duration {
        self.0[feed.index()]
    }
}

/// How one feed of one scope stands now. The one definition of "fresh" every view uses:
/// a feed is stale once its data is older than twice its cadence, or once a poll has been
/// in flight for longer than its cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freshness {
    /// Answered within twice its cadence, and no poll is stuck.
    Fresh,
    /// No answer yet, for less than twice its cadence.
    Never,
    /// Its data is older than twice its cadence (or it never answered in that long).
    Stale,
    /// A poll has been in flight for longer than its cadence.
    InFlightTooLong,
    /// The last poll failed (the last good data, if any, is kept).
    Failed,
}

impl Freshness {
    /// How `f` stands at `now`, polled every `cadence`; `since` is when the cockpit began
    /// waiting for it (a feed that never answered is stale twice its cadence after that).
    /// A failed last poll is [`Freshness::Failed`], whatever the age of the data.
    pub fn of(
        f: &FeedState,
        now: DateTime<Utc>,
        cadence: std::time::Duration,
        since: Option<DateTime<Utc>>,
    ) -> Freshness {
        if f.health == ScopeHealth::Failed {
            return Freshness::Failed;
        }
        Freshness::of_data(f, now, cadence, since)
    }

    /// [`Freshness::of`] by age alone: a failed poll counts by the age of the data kept.
    pub fn of_data(
        f: &FeedState,
        now: DateTime<Utc>,
        cadence: std::time::Duration,
        since: Option<DateTime<Utc>>,
    ) -> Freshness {
        let limit = chrono::TimeDelta::from_std(cadence).unwrap_or(chrono::TimeDelta::MAX);
        let older_than = |t: DateTime<Utc>, d: chrono::TimeDelta| now.signed_duration_since(t) > d;
        let twice = limit.checked_mul(2).unwrap_or(chrono::TimeDelta::MAX);
        if f.in_flight && f.last_attempt.is_some_and(|t| older_than(t, limit)) {
            return Freshness::InFlightTooLong;
        }
        match f.last_success {
            Some(t) if older_than(t, twice) => Freshness::Stale,
            // Data from the disk cache stands for no answer until a poll replaces it.
            Some(_) if f.cached => Freshness::Never,
            Some(_) => Freshness::Fresh,
            None if since.is_some_and(|t| older_than(t, twice)) => Freshness::Stale,
            None => Freshness::Never,
        }
    }

    pub fn is_fresh(self) -> bool {
        self == Freshness::Fresh
    }

    /// Stale by age or by a poll in flight too long.
    pub fn is_stale(self) -> bool {
        matches!(self, Freshness::Stale | Freshness::InFlightTooLong)
    }
}

#[cfg(test)]
mod freshness_tests {
    use std::time::Duration;

    use chrono::TimeDelta;

    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_740_830_400, 0).expect("valid")
    }

    const CADENCE: Duration = Duration::from_secs(15);

    fn answered(ago: i64) -> FeedState {
        FeedState {
            health: ScopeHealth::Fresh,
            last_success: Some(t0() - TimeDelta::seconds(ago)),
            last_attempt: Some(t0() - TimeDelta::seconds(ago)),
            ..FeedState::default()
        }
    }

    fn of(f: &FeedState) -> Freshness {
        Freshness::of(f, t0(), CADENCE, Some(t0() - TimeDelta::seconds(60)))
    }

    #[test]
    fn data_is_fresh_up_to_twice_the_cadence_and_stale_after() {
        assert_eq!(of(&answered(0)), Freshness::Fresh);
        assert_eq!(of(&answered(30)), Freshness::Fresh, "exactly twice");
        assert_eq!(of(&answered(31)), Freshness::Stale);
        assert!(of(&answered(31)).is_stale());
        assert!(!of(&answered(31)).is_fresh());
    }

    #[test]
    fn a_poll_in_flight_longer_than_the_cadence_is_stale_even_with_young_data() {
        let mut f = answered(10);
        f.in_flight = true;
        f.last_attempt = Some(t0() - TimeDelta::seconds(15));
        assert_eq!(of(&f), Freshness::Fresh, "in flight for one cadence");
        f.last_attempt = Some(t0() - TimeDelta::seconds(16));
        assert_eq!(of(&f), Freshness::InFlightTooLong);
        assert!(of(&f).is_stale());
    }

    #[test]
    fn no_answer_is_pending_then_stale_twice_the_cadence_after_the_wait_began() {
        let f = FeedState::default();
        let at =
            |waited: i64| Freshness::of(&f, t0(), CADENCE, Some(t0() - TimeDelta::seconds(waited)));
        assert_eq!(at(30), Freshness::Never);
        assert_eq!(at(31), Freshness::Stale);
        assert_eq!(Freshness::of(&f, t0(), CADENCE, None), Freshness::Never);
    }

    #[test]
    fn a_failed_poll_is_failed_and_counts_by_its_data_age_alone() {
        let mut f = answered(20);
        f.health = ScopeHealth::Failed;
        assert_eq!(of(&f), Freshness::Failed);
        assert_eq!(
            Freshness::of_data(&f, t0(), CADENCE, None),
            Freshness::Fresh
        );
        f.last_success = Some(t0() - TimeDelta::seconds(40));
        assert_eq!(
            Freshness::of_data(&f, t0(), CADENCE, None),
            Freshness::Stale
        );
    }

    #[test]
    fn cached_data_waits_for_a_poll_unless_it_is_already_old() {
        let mut f = FeedState {
            cached: true,
            last_success: Some(t0() - TimeDelta::seconds(10)),
            ..FeedState::default()
        };
        assert_eq!(of(&f), Freshness::Never);
        f.last_success = Some(t0() - TimeDelta::hours(3));
        assert_eq!(of(&f), Freshness::Stale);
    }

    #[test]
    fn cadences_are_kept_per_feed() {
        let c = Cadences::new(|f| Duration::from_secs(10 + f.index() as u64));
        assert_eq!(c.get(Feed::Nodes), Duration::from_secs(10));
        assert_eq!(c.get(Feed::Documents), Duration::from_secs(24));
    }
}
