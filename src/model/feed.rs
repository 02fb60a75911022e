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
