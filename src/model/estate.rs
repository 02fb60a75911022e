use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Activation, ApplicationQuery, Association, AssociationDetail, ChangeCalendar, ComplianceItem,
    ComplianceSeverity, ComplianceSummary, ExplorerSource, Feed, FeedSet, FeedState, Freshness,
    InventoryRows, MaintenanceWindow, ManagedNode, OpsAggregate, OpsItem, OpsItemDetail,
    PatchState, RecentAutomation, RecentCommand, ResourceCompliance, Scope, ScopeHealth, ScopeId,
    SeverityCounts, WindowDetail,
};

/// One scope and the state of its feeds.
///
/// `health`, `last_success`, `last_attempt` and `error` are those of the nodes feed
/// (the same as `feeds[Feed::Nodes]`); every feed's state is in `feeds`.
#[derive(Debug, Clone)]
pub struct ScopeState {
    pub scope: Scope,
    pub health: ScopeHealth,
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The error of the last failed nodes poll, user-facing text.
    pub error: Option<String>,
    /// Per feed, indexed by [`Feed::index`].
    pub feeds: [FeedState; Feed::COUNT],
}

impl ScopeState {
    fn new(scope: Scope) -> ScopeState {
        ScopeState {
            scope,
            health: ScopeHealth::Pending,
            last_success: None,
            last_attempt: None,
            error: None,
            feeds: Default::default(),
        }
    }

    pub fn feed(&self, feed: Feed) -> &FeedState {
        &self.feeds[feed.index()]
    }

    fn feed_mut(&mut self, feed: Feed) -> &mut FeedState {
        &mut self.feeds[feed.index()]
    }

    /// Copies the nodes feed's state into the legacy fields.
    fn sync_nodes(&mut self) {
        let f = &self.feeds[Feed::Nodes.index()];
        self.health = f.health;
        self.last_success = f.last_success;
        self.last_attempt = f.last_attempt;
        self.error = f.error.clone();
    }

    /// The earliest next poll of any active feed.
    pub fn next_poll(&self) -> Option<DateTime<Utc>> {
        self.feeds
            .iter()
            .filter(|f| f.active)
            .filter_map(|f| f.next_poll)
            .min()
    }

    /// Failed feeds and their errors.
    pub fn failures(&self) -> impl Iterator<Item = (Feed, &str)> {
        Feed::ALL.into_iter().filter_map(|f| {
            let s = self.feed(f);
            match (s.health, &s.error) {
                (ScopeHealth::Failed, Some(e)) => Some((f, e.as_str())),
                _ => None,
            }
        })
    }
}

/// A detail fetched on demand (not polled), answered by a [`FeedEvent`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DetailRequest {
    /// GetOpsItem + ListOpsItemEvents + ListOpsItemRelatedItems.
    OpsItem { scope: ScopeId, id: String },
    /// Every inventory type of one node (GetInventory filtered on the instance id);
    /// with `type_name`, that type only (ListInventoryEntries).
    NodeInventory {
        scope: ScopeId,
        instance_id: String,
        type_name: Option<String>,
    },
    /// ListComplianceItems of one resource.
    ComplianceItems { scope: ScopeId, resource_id: String },
    /// Nodes running an application whose name begins with `name`, in every scope.
    Applications { name: String },
    /// GetParameterHistory of one parameter (never decrypted).
    ParameterHistory { scope: ScopeId, name: String },
    /// GetParameter of one parameter (a version, or the current one); `decrypt` asks
    /// for a SecureString's plaintext. Its answer is never cached.
    ParameterValue {
        scope: ScopeId,
        name: String,
        version: Option<i64>,
        decrypt: bool,
    },
    /// DescribeInstancePatches of one node.
    NodePatches { scope: ScopeId, instance_id: String },
    /// DescribeDocument + GetDocument + ListDocumentVersions of one document.
    Document {
        scope: ScopeId,
        name: String,
        version: Option<String>,
    },
    /// DescribeAssociation + its executions and the latest execution's targets.
    Association { scope: ScopeId, id: String },
    /// A maintenance window in full: targets, tasks, executions and task results.
    Window { scope: ScopeId, id: String },
}

/// What the pollers tell the app. Plain data: the app applies it to its [`Estate`].
/// Each event is moved once, so the large detail variant is not boxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum FeedEvent {
    /// The scopes to watch are known. Replaces every scope; data of scopes that were
    /// already known (same account and region, e.g. from the cache) is kept.
    /// `note` says how they were found (e.g. "organization: 12 accounts").
    ScopesDiscovered {
        scopes: Vec<Scope>,
        note: Option<String>,
    },
    /// Discovery itself failed: nothing can be polled (until a `DiscoveryRetrying`).
    DiscoveryFailed { error: String },
    /// The failure just sent may pass: the start is tried again at `next`, as its
    /// `attempt`th attempt.
    DiscoveryRetrying { attempt: u32, next: DateTime<Utc> },
    /// The failure just sent (discovery or any poll) was a credentials error: expired
    /// or missing credentials. Cleared by the next successful poll.
    CredentialsFailed { error: String },
    /// A complete poll of a scope's managed nodes. Replaces that scope's nodes.
    NodesLoaded {
        scope: ScopeId,
        nodes: Vec<ManagedNode>,
        at: DateTime<Utc>,
    },
    /// Tags for some nodes of a scope: (instance id, sorted tags).
    TagsLoaded {
        scope: ScopeId,
        tags: Vec<(String, Vec<(String, String)>)>,
    },
    /// A nodes poll of a scope failed; its last good data stays.
    ScopeFailed {
        scope: ScopeId,
        error: String,
        at: DateTime<Utc>,
    },
    /// Every OpsItem of a scope (DescribeOpsItems). Replaces that scope's items.
    OpsItemsLoaded {
        scope: ScopeId,
        items: Vec<OpsItem>,
        at: DateTime<Utc>,
    },
    /// Compliance of a scope: per-type summaries and the non-compliant resources.
    ComplianceLoaded {
        scope: ScopeId,
        summaries: Vec<ComplianceSummary>,
        resources: Vec<ResourceCompliance>,
        at: DateTime<Utc>,
    },
    /// Patch states of a scope's nodes.
    PatchLoaded {
        scope: ScopeId,
        states: Vec<PatchState>,
        at: DateTime<Utc>,
    },
    /// Inventory of the polled types for every node of a scope.
    InventoryLoaded {
        scope: ScopeId,
        rows: Vec<InventoryRows>,
        at: DateTime<Utc>,
    },
    /// Explorer numbers. With [`ExplorerSource::Sync`], org-wide aggregates read in
    /// `scope` (the one owning the sync); with [`ExplorerSource::Pollers`] (no sync),
    /// `aggregates` is empty and [`Estate::explorer`] counts what the pollers brought.
    ExplorerLoaded {
        scope: ScopeId,
        source: ExplorerSource,
        aggregates: Vec<OpsAggregate>,
        at: DateTime<Utc>,
    },
    /// The recent commands of a scope (ListCommands). Replaces that scope's.
    CommandsLoaded {
        scope: ScopeId,
        items: Vec<RecentCommand>,
        at: DateTime<Utc>,
    },
    /// The recent automation executions of a scope. Replaces that scope's.
    AutomationsLoaded {
        scope: ScopeId,
        items: Vec<RecentAutomation>,
        at: DateTime<Utc>,
    },
    /// The hybrid activations of a scope and the instance tier of its on-premises nodes
    /// (`standard` / `advanced`; `None`: not known). Replaces that scope's.
    ActivationsLoaded {
        scope: ScopeId,
        items: Vec<Activation>,
        tier: Option<String>,
        at: DateTime<Utc>,
    },
    /// The associations of a scope (ListAssociations). Replaces that scope's.
    AssociationsLoaded {
        scope: ScopeId,
        items: Vec<Association>,
        at: DateTime<Utc>,
    },
    /// The maintenance windows of a scope with their upcoming runs. Replaces that scope's.
    WindowsLoaded {
        scope: ScopeId,
        items: Vec<MaintenanceWindow>,
        at: DateTime<Utc>,
    },
    /// The change calendars of a scope. Replaces that scope's.
    CalendarsLoaded {
        scope: ScopeId,
        items: Vec<ChangeCalendar>,
        at: DateTime<Utc>,
    },
    /// On-demand: one association in full.
    AssociationDetailLoaded {
        scope: ScopeId,
        detail: AssociationDetail,
    },
    /// On-demand: one maintenance window in full.
    WindowDetailLoaded {
        scope: ScopeId,
        detail: WindowDetail,
    },
    /// A poll of one feed of a scope failed; its last good data stays.
    /// (`feed: Nodes` is the same as [`FeedEvent::ScopeFailed`].)
    FeedFailed {
        scope: ScopeId,
        feed: Feed,
        error: String,
        at: DateTime<Utc>,
    },
    /// A poll of one feed of a scope started.
    FeedPolling {
        scope: ScopeId,
        feed: Feed,
        at: DateTime<Utc>,
    },
    /// When a feed of a scope will be polled next; `active: false` when it is not
    /// polled (not wanted, or not applicable to this scope).
    FeedScheduled {
        scope: ScopeId,
        feed: Feed,
        next: Option<DateTime<Utc>>,
        active: bool,
    },
    /// On-demand: one OpsItem in full.
    OpsItemDetailLoaded {
        scope: ScopeId,
        detail: OpsItemDetail,
    },
    /// On-demand: a node's inventory (every type, or the one asked for).
    NodeInventoryLoaded {
        scope: ScopeId,
        instance_id: String,
        rows: Vec<InventoryRows>,
        at: DateTime<Utc>,
    },
    /// On-demand: compliance items of one resource.
    ComplianceItemsLoaded {
        scope: ScopeId,
        resource_id: String,
        items: Vec<ComplianceItem>,
        at: DateTime<Utc>,
    },
    /// On-demand: an application query across scopes.
    ApplicationsLoaded { query: ApplicationQuery },
    /// Every parameter of a scope (DescribeParameters; metadata, no values).
    ParametersLoaded {
        scope: ScopeId,
        items: Vec<super::ParameterMeta>,
        at: DateTime<Utc>,
    },
    /// Every patch baseline of a scope in full, and its patch groups.
    BaselinesLoaded {
        scope: ScopeId,
        baselines: Vec<super::PatchBaseline>,
        groups: Vec<super::PatchGroupMapping>,
        at: DateTime<Utc>,
    },
    /// The documents of a scope (ListDocuments: the account's, AWS's and shared ones).
    DocumentsLoaded {
        scope: ScopeId,
        items: Vec<super::DocumentSummary>,
        at: DateTime<Utc>,
    },
    /// On-demand: a parameter's versions.
    ParameterHistoryLoaded { history: super::ParameterHistory },
    /// On-demand: a parameter's value (a SecureString's plaintext only when asked).
    ParameterValueLoaded {
        scope: ScopeId,
        value: super::ParameterValue,
    },
    /// On-demand: the patches of one node.
    NodePatchesLoaded {
        scope: ScopeId,
        instance_id: String,
        patches: Vec<super::NodePatch>,
        at: DateTime<Utc>,
    },
    /// On-demand: one document in full (description, content, versions).
    DocumentLoaded {
        scope: ScopeId,
        detail: Box<catalog::DocumentDetail>,
    },
    /// An on-demand request failed.
    DetailFailed {
        request: DetailRequest,
        error: String,
    },
    /// API calls made so far, by operation (cumulative: replaces the previous counts).
    ApiCalls { counts: BTreeMap<String, u64> },
    /// The last snapshot, read from the disk cache at start-up. Its data is marked
    /// cached until a poll replaces it.
    CacheLoaded { snapshot: Box<Snapshot> },
}

/// The data of one scope as cached on disk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScopeData {
    pub nodes: Vec<ManagedNode>,
    pub ops_items: Vec<OpsItem>,
    pub compliance: Vec<ComplianceSummary>,
    pub resource_compliance: Vec<ResourceCompliance>,
    pub patch: Vec<PatchState>,
    pub inventory: Vec<InventoryRows>,
    #[serde(default)]
    pub associations: Vec<Association>,
    #[serde(default)]
    pub windows: Vec<MaintenanceWindow>,
    #[serde(default)]
    pub calendars: Vec<ChangeCalendar>,
    #[serde(default)]
    pub commands: Vec<RecentCommand>,
    #[serde(default)]
    pub automations: Vec<RecentAutomation>,
    #[serde(default)]
    pub activations: Vec<Activation>,
    /// Instance tier of the on-premises nodes (`standard` / `advanced`), once read.
    #[serde(default)]
    pub instance_tier: Option<String>,
    #[serde(default)]
    pub parameters: Vec<super::ParameterMeta>,
    #[serde(default)]
    pub baselines: Vec<super::PatchBaseline>,
    #[serde(default)]
    pub patch_groups: Vec<super::PatchGroupMapping>,
    #[serde(default)]
    pub documents: Vec<super::DocumentSummary>,
}

/// One scope in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeSnapshot {
    pub scope: Scope,
    /// Last success of each feed that has data.
    pub loaded: Vec<(Feed, DateTime<Utc>)>,
    pub data: ScopeData,
}

/// Org-wide Explorer numbers in a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplorerData {
    pub source: ExplorerSource,
    pub aggregates: Vec<OpsAggregate>,
    pub at: DateTime<Utc>,
}

/// Everything worth showing at the next start-up, before fresh data arrives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub saved_at: DateTime<Utc>,
    pub discovery_note: Option<String>,
    pub scopes: Vec<ScopeSnapshot>,
    pub explorer: Option<ExplorerData>,
}

/// The aggregates Explorer shows: (type, attribute). Asked of GetOpsSummary through the
/// sync, or counted from the pollers' data.
pub const EXPLORER_AGGREGATES: &[(&str, &str)] = &[
    ("AWS:OpsItem", "Status"),
    ("AWS:OpsItem", "Severity"),
    ("AWS:OpsItem", "Source"),
    ("AWS:InstanceInformation", "PingStatus"),
    ("AWS:InstanceInformation", "PlatformType"),
    ("AWS:ComplianceResourceSummary", "Status"),
    ("AWS:ComplianceResourceSummary", "ComplianceType"),
];

/// The merged snapshot of every scope: each feed's data and per-scope freshness.
#[derive(Debug, Default, Clone)]
pub struct Estate {
    scopes: Vec<ScopeState>,
    data: Vec<ScopeData>,
    explorer: Option<ExplorerData>,
    ops_item_details: HashMap<(ScopeId, String), OpsItemDetail>,
    node_inventory: HashMap<(ScopeId, String), Vec<InventoryRows>>,
    compliance_items: HashMap<(ScopeId, String), Vec<ComplianceItem>>,
    association_details: HashMap<(ScopeId, String), AssociationDetail>,
    window_details: HashMap<(ScopeId, String), WindowDetail>,
    application_query: Option<ApplicationQuery>,
    detail_errors: HashMap<DetailRequest, String>,
    /// Parameter histories and values, node patches and documents fetched on demand.
    catalog: catalog::Details,
    /// How scopes were found, for the status bar.
    pub discovery_note: Option<String>,
    /// Set when discovery failed.
    pub discovery_error: Option<String>,
    /// Set when the failed discovery is tried again: (the attempt it will be, when).
    pub discovery_retry: Option<(u32, DateTime<Utc>)>,
    /// The last credentials error, until a poll succeeds again.
    pub credentials_error: Option<String>,
    /// API calls made so far, by operation (e.g. `ssm:DescribeOpsItems`).
    pub api_calls: BTreeMap<String, u64>,
    /// When the cached snapshot shown was saved (None once nothing shown is cached).
    pub cache_saved_at: Option<DateTime<Utc>>,
    /// Bumped whenever the node set or a node changes; views re-index when it moves.
    generation: u64,
    /// Per feed, bumped whenever that feed's data changes.
    feed_generations: [u64; Feed::COUNT],
}

/// First-load progress: scopes whose nodes feed and wanted feeds all answered once
/// (fresh or failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadProgress {
    pub answered: usize,
    pub total: usize,
    /// A counted feed is still pending and being polled.
    pub loading: bool,
}

/// Counts of scopes by health, for the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthCounts {
    pub total: usize,
    pub fresh: usize,
    pub failed: usize,
    pub pending: usize,
    /// Answered, but too long ago or with a poll stuck ([`Freshness`]; only counted by
    /// [`Estate::freshness_counts`]).
    pub stale: usize,
}

fn scope_key(s: &Scope) -> (String, String) {
    (s.account.id.clone(), s.region.clone())
}

impl Estate {
    pub fn new() -> Estate {
        Estate::default()
    }

    /// An estate with these scopes, all pending.
    pub fn with_scopes(scopes: Vec<Scope>) -> Estate {
        let mut e = Estate::new();
        e.set_scopes(scopes);
        e
    }

    /// Replaces the scopes, keeping the data and feed states of scopes already known.
    fn set_scopes(&mut self, scopes: Vec<Scope>) {
        let mut old: HashMap<(String, String), (ScopeState, ScopeData)> =
            std::mem::take(&mut self.scopes)
                .into_iter()
                .zip(std::mem::take(&mut self.data))
                .map(|(s, d)| (scope_key(&s.scope), (s, d)))
                .collect();
        let mut states = Vec::with_capacity(scopes.len());
        let mut data = Vec::with_capacity(scopes.len());
        for (i, scope) in scopes.into_iter().enumerate() {
            let id = i as ScopeId;
            match old.remove(&scope_key(&scope)) {
                Some((mut st, mut d)) => {
                    st.scope = scope;
                    for f in &mut st.feeds {
                        f.in_flight = false;
                        f.next_poll = None;
                        f.active = false;
                    }
                    d.set_scope(id);
                    states.push(st);
                    data.push(d);
                }
                None => {
                    states.push(ScopeState::new(scope));
                    data.push(ScopeData::default());
                }
            }
        }
        self.scopes = states;
        self.data = data;
        self.ops_item_details.clear();
        self.node_inventory.clear();
        self.compliance_items.clear();
        self.clear_state_manager_details();
        self.detail_errors.clear();
        self.bump_all();
    }

    fn bump_all(&mut self) {
        self.generation += 1;
        for g in &mut self.feed_generations {
            *g += 1;
        }
    }

    fn bump(&mut self, feed: Feed) {
        self.feed_generations[feed.index()] += 1;
        if feed == Feed::Nodes {
            self.generation += 1;
        }
    }

    pub fn scopes(&self) -> &[ScopeState] {
        &self.scopes
    }

    pub fn scope(&self, id: ScopeId) -> Option<&ScopeState> {
        self.scopes.get(id as usize)
    }

    /// The state of one feed of one scope.
    pub fn feed_state(&self, id: ScopeId, feed: Feed) -> Option<&FeedState> {
        self.scope(id).map(|s| s.feed(feed))
    }

    /// The nodes of one scope.
    pub fn scope_nodes(&self, id: ScopeId) -> &[ManagedNode] {
        self.data
            .get(id as usize)
            .map(|d| d.nodes.as_slice())
            .unwrap_or(&[])
    }

    /// Every node of every scope, scope by scope.
    pub fn nodes(&self) -> impl Iterator<Item = &ManagedNode> {
        self.data.iter().flat_map(|d| &d.nodes)
    }

    /// Node `idx` of scope `scope`.
    pub fn node(&self, scope: ScopeId, idx: u32) -> Option<&ManagedNode> {
        self.data.get(scope as usize)?.nodes.get(idx as usize)
    }

    /// The node of `scope` with this instance id.
    pub fn find_node(&self, scope: ScopeId, instance_id: &str) -> Option<&ManagedNode> {
        self.scope_nodes(scope)
            .iter()
            .find(|n| n.instance_id == instance_id)
    }

    pub fn node_count(&self) -> usize {
        self.data.iter().map(|d| d.nodes.len()).sum()
    }

    /// Bumped whenever the node set or a node changes.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Bumped whenever the data of `feed` changes (any scope).
    pub fn feed_generation(&self, feed: Feed) -> u64 {
        self.feed_generations[feed.index()]
    }

    /// The OpsItems of one scope.
    pub fn scope_ops_items(&self, id: ScopeId) -> &[OpsItem] {
        self.data
            .get(id as usize)
            .map(|d| d.ops_items.as_slice())
            .unwrap_or(&[])
    }

    /// Every OpsItem of every scope, scope by scope.
    pub fn ops_items(&self) -> impl Iterator<Item = &OpsItem> {
        self.data.iter().flat_map(|d| &d.ops_items)
    }

    pub fn ops_item_count(&self) -> usize {
        self.data.iter().map(|d| d.ops_items.len()).sum()
    }

    /// Compliance summaries of one scope.
    pub fn scope_compliance(&self, id: ScopeId) -> &[ComplianceSummary] {
        self.data
            .get(id as usize)
            .map(|d| d.compliance.as_slice())
            .unwrap_or(&[])
    }

    /// Every compliance summary of every scope (one per scope and type).
    pub fn compliance_summaries(&self) -> impl Iterator<Item = &ComplianceSummary> {
        self.data.iter().flat_map(|d| &d.compliance)
    }

    /// Compliance summed over every scope, one per compliance type (sorted by type);
    /// `scope` of each is `ScopeId::MAX`.
    pub fn compliance_by_type(&self) -> Vec<ComplianceSummary> {
        let mut by: BTreeMap<&str, (SeverityCounts, SeverityCounts)> = BTreeMap::new();
        for s in self.compliance_summaries() {
            let e = by.entry(&s.compliance_type).or_default();
            e.0.add(&s.compliant);
            e.1.add(&s.non_compliant);
        }
        by.into_iter()
            .map(|(t, (c, n))| ComplianceSummary {
                scope: ScopeId::MAX,
                compliance_type: t.to_string(),
                compliant: c,
                non_compliant: n,
            })
            .collect()
    }

    /// Non-compliant resources of every scope.
    pub fn resource_compliance(&self) -> impl Iterator<Item = &ResourceCompliance> {
        self.data.iter().flat_map(|d| &d.resource_compliance)
    }

    /// Non-compliant resources of one scope.
    pub fn scope_resource_compliance(&self, id: ScopeId) -> &[ResourceCompliance] {
        self.data
            .get(id as usize)
            .map(|d| d.resource_compliance.as_slice())
            .unwrap_or(&[])
    }

    /// Patch states of every node of every scope.
    pub fn patch_states(&self) -> impl Iterator<Item = &PatchState> {
        self.data.iter().flat_map(|d| &d.patch)
    }

    /// Patch states of one scope.
    pub fn scope_patch_states(&self, id: ScopeId) -> &[PatchState] {
        self.data
            .get(id as usize)
            .map(|d| d.patch.as_slice())
            .unwrap_or(&[])
    }

    /// Patch state of one node.
    pub fn patch_state(&self, scope: ScopeId, instance_id: &str) -> Option<&PatchState> {
        self.scope_patch_states(scope)
            .iter()
            .find(|p| p.instance_id == instance_id)
    }

    /// Polled inventory of every node of every scope (every polled type).
    pub fn inventory(&self) -> impl Iterator<Item = &InventoryRows> {
        self.data.iter().flat_map(|d| &d.inventory)
    }

    /// Polled inventory of one type, every scope.
    pub fn inventory_of_type<'a>(
        &'a self,
        type_name: &'a str,
    ) -> impl Iterator<Item = &'a InventoryRows> + 'a {
        self.inventory().filter(move |r| r.type_name == type_name)
    }

    /// Polled inventory of one scope.
    pub fn scope_inventory(&self, id: ScopeId) -> &[InventoryRows] {
        self.data
            .get(id as usize)
            .map(|d| d.inventory.as_slice())
            .unwrap_or(&[])
    }

    /// Where the Explorer numbers come from (None until the Explorer feed answered).
    pub fn explorer_source(&self) -> Option<&ExplorerSource> {
        self.explorer.as_ref().map(|e| &e.source)
    }

    /// Explorer breakdowns: those of the resource data sync when one answered, else
    /// counted from what the pollers brought (every scope).
    pub fn explorer(&self) -> Vec<OpsAggregate> {
        match &self.explorer {
            Some(ExplorerData {
                source: ExplorerSource::Sync(_),
                aggregates,
                ..
            }) => aggregates.clone(),
            _ => self.counted_aggregates(),
        }
    }

    /// [`EXPLORER_AGGREGATES`] counted from the polled data.
    pub fn counted_aggregates(&self) -> Vec<OpsAggregate> {
        let mut out = Vec::new();
        for (type_name, attribute) in EXPLORER_AGGREGATES {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            let mut add = |v: &str, n: u64| {
                if n > 0 {
                    *counts.entry(v.to_string()).or_default() += n;
                }
            };
            match (*type_name, *attribute) {
                ("AWS:OpsItem", "Status") => self.ops_items().for_each(|i| add(&i.status, 1)),
                ("AWS:OpsItem", "Severity") => self
                    .ops_items()
                    .filter(|i| !i.severity.is_empty())
                    .for_each(|i| add(&i.severity, 1)),
                ("AWS:OpsItem", "Source") => self.ops_items().for_each(|i| add(&i.source, 1)),
                ("AWS:InstanceInformation", "PingStatus") => {
                    self.nodes().for_each(|n| add(n.ping_status.as_str(), 1))
                }
                ("AWS:InstanceInformation", "PlatformType") => {
                    self.nodes().for_each(|n| add(n.platform_type.as_str(), 1))
                }
                ("AWS:ComplianceResourceSummary", "Status") => {
                    for s in self.compliance_summaries() {
                        add("COMPLIANT", u64::from(s.compliant_count()));
                        add("NON_COMPLIANT", u64::from(s.non_compliant_count()));
                    }
                }
                ("AWS:ComplianceResourceSummary", "ComplianceType") => {
                    for s in self.compliance_summaries() {
                        add(
                            &s.compliance_type,
                            u64::from(s.compliant_count() + s.non_compliant_count()),
                        );
                    }
                }
                _ => {}
            }
            let mut agg = OpsAggregate {
                type_name: type_name.to_string(),
                attribute: attribute.to_string(),
                counts: counts.into_iter().collect(),
            };
            agg.normalize();
            out.push(agg);
        }
        out
    }

    /// A fetched OpsItem in full.
    pub fn ops_item_detail(&self, scope: ScopeId, id: &str) -> Option<&OpsItemDetail> {
        self.ops_item_details.get(&(scope, id.to_string()))
    }

    /// A node's inventory fetched on demand.
    pub fn node_inventory(&self, scope: ScopeId, instance_id: &str) -> Option<&[InventoryRows]> {
        self.node_inventory
            .get(&(scope, instance_id.to_string()))
            .map(Vec::as_slice)
    }

    /// Compliance items of a resource fetched on demand.
    pub fn compliance_items(&self, scope: ScopeId, resource_id: &str) -> Option<&[ComplianceItem]> {
        self.compliance_items
            .get(&(scope, resource_id.to_string()))
            .map(Vec::as_slice)
    }

    /// The last application query's answer.
    pub fn application_query(&self) -> Option<&ApplicationQuery> {
        self.application_query.as_ref()
    }

    /// Why an on-demand request failed (cleared when it succeeds).
    pub fn detail_error(&self, request: &DetailRequest) -> Option<&str> {
        self.detail_errors.get(request).map(String::as_str)
    }

    /// Health of the nodes feed of every scope.
    pub fn health_counts(&self) -> HealthCounts {
        self.feed_health_counts(Feed::Nodes)
    }

    /// The state of `feed` in each scope where it is polled or has data (the nodes feed:
    /// every scope).
    fn counted_feeds(&self, feed: Feed) -> impl Iterator<Item = &FeedState> {
        self.scopes
            .iter()
            .map(move |s| s.feed(feed))
            .filter(move |f| feed == Feed::Nodes || f.active || f.has_data() || f.error.is_some())
    }

    /// Health of one feed over the scopes where it is polled or has data.
    pub fn feed_health_counts(&self, feed: Feed) -> HealthCounts {
        let mut c = HealthCounts::default();
        for f in self.counted_feeds(feed) {
            c.total += 1;
            match f.health {
                ScopeHealth::Pending => c.pending += 1,
                ScopeHealth::Fresh => c.fresh += 1,
                ScopeHealth::Failed => c.failed += 1,
            }
        }
        c
    }

    /// [`Freshness`] of one feed over the scopes where it is polled or has data, at `now`
    /// for a feed polled every `cadence` and waited for since `since`.
    pub fn freshness_counts(
        &self,
        feed: Feed,
        now: DateTime<Utc>,
        cadence: std::time::Duration,
        since: Option<DateTime<Utc>>,
    ) -> HealthCounts {
        let mut c = HealthCounts::default();
        for f in self.counted_feeds(feed) {
            c.total += 1;
            match Freshness::of(f, now, cadence, since) {
                Freshness::Fresh => c.fresh += 1,
                Freshness::Never => c.pending += 1,
                Freshness::Stale | Freshness::InFlightTooLong => c.stale += 1,
                Freshness::Failed => c.failed += 1,
            }
        }
        c
    }

    /// First-load progress for the nodes feed and `feeds`; a feed other than nodes
    /// counts in a scope only where it is polled or has answered.
    pub fn load_progress(&self, feeds: FeedSet) -> LoadProgress {
        let mut p = LoadProgress {
            total: self.scopes.len(),
            ..LoadProgress::default()
        };
        for s in &self.scopes {
            let mut done = true;
            for feed in feeds.with(Feed::Nodes).iter() {
                let f = s.feed(feed);
                if f.health != ScopeHealth::Pending {
                    continue;
                }
                if feed == Feed::Nodes || f.active {
                    done = false;
                    p.loading |= f.active;
                }
            }
            p.answered += usize::from(done);
        }
        p
    }

    /// Whether every feed of `feeds` has answered (fresh from AWS, not cached) in every
    /// scope where it is polled; Explorer counts once, wherever it answered.
    pub fn complete(&self, feeds: FeedSet) -> bool {
        !self.scopes.is_empty()
            && feeds.iter().all(|feed| {
                if feed == Feed::Explorer {
                    return self.explorer.is_some()
                        && self.scopes.iter().all(|s| !s.feed(feed).cached);
                }
                self.scopes
                    .iter()
                    .all(|s| s.feed(feed).health == ScopeHealth::Fresh)
            })
    }

    /// The data worth caching on disk.
    pub fn snapshot(&self, saved_at: DateTime<Utc>) -> Snapshot {
        Snapshot {
            saved_at,
            discovery_note: self.discovery_note.clone(),
            scopes: self
                .scopes
                .iter()
                .zip(&self.data)
                .map(|(s, d)| ScopeSnapshot {
                    scope: s.scope.clone(),
                    loaded: Feed::ALL
                        .into_iter()
                        .filter_map(|f| s.feed(f).last_success.map(|t| (f, t)))
                        .collect(),
                    data: d.clone(),
                })
                .collect(),
            explorer: self.explorer.clone(),
        }
    }

    fn load_cache(&mut self, snap: Snapshot) -> bool {
        if self.scopes.is_empty() {
            self.set_scopes(snap.scopes.iter().map(|s| s.scope.clone()).collect());
            if self.discovery_note.is_none() {
                self.discovery_note = snap.discovery_note.clone();
            }
        }
        let index: HashMap<(String, String), usize> = self
            .scopes
            .iter()
            .enumerate()
            .map(|(i, s)| (scope_key(&s.scope), i))
            .collect();
        let mut any = false;
        for ss in snap.scopes {
            let Some(&i) = index.get(&scope_key(&ss.scope)) else {
                continue;
            };
            let id = i as ScopeId;
            let mut d = ss.data;
            d.set_scope(id);
            for (feed, at) in ss.loaded {
                let st = self.scopes[i].feed_mut(feed);
                if st.last_success.is_some() {
                    continue;
                }
                st.cached = true;
                st.last_success = Some(at);
                let slot = &mut self.data[i];
                match feed {
                    Feed::Nodes => slot.nodes = std::mem::take(&mut d.nodes),
                    Feed::OpsItems => slot.ops_items = std::mem::take(&mut d.ops_items),
                    Feed::Compliance => {
                        slot.compliance = std::mem::take(&mut d.compliance);
                        slot.resource_compliance = std::mem::take(&mut d.resource_compliance);
                    }
                    Feed::Patch => slot.patch = std::mem::take(&mut d.patch),
                    Feed::Inventory => slot.inventory = std::mem::take(&mut d.inventory),
                    Feed::Explorer => {}
                    Feed::Associations => slot.associations = std::mem::take(&mut d.associations),
                    Feed::Windows => slot.windows = std::mem::take(&mut d.windows),
                    Feed::Calendars => slot.calendars = std::mem::take(&mut d.calendars),
                    Feed::Commands => slot.commands = std::mem::take(&mut d.commands),
                    Feed::Automations => slot.automations = std::mem::take(&mut d.automations),
                    Feed::Activations => {
                        slot.activations = std::mem::take(&mut d.activations);
                        slot.instance_tier = d.instance_tier.take();
                    }
                    Feed::Parameters => slot.parameters = std::mem::take(&mut d.parameters),
                    Feed::Baselines => {
                        slot.baselines = std::mem::take(&mut d.baselines);
                        slot.patch_groups = std::mem::take(&mut d.patch_groups);
                    }
                    Feed::Documents => slot.documents = std::mem::take(&mut d.documents),
                }
                self.scopes[i].sync_nodes();
                any = true;
            }
        }
        if self.explorer.is_none()
            && let Some(e) = snap.explorer
        {
            self.explorer = Some(e);
            any = true;
        }
        if any {
            self.cache_saved_at = Some(snap.saved_at);
            self.bump_all();
        }
        any
    }

    /// Keeps what `fill` takes from an answer of `feed` for `scope` (when [`Self::loaded`]
    /// takes it) and marks the feed changed.
    fn store(
        &mut self,
        scope: ScopeId,
        feed: Feed,
        at: DateTime<Utc>,
        fill: impl FnOnce(&mut ScopeData),
    ) -> bool {
        if !self.loaded(scope, feed, at) {
            return false;
        }
        fill(&mut self.data[scope as usize]);
        self.bump(feed);
        true
    }

    /// Marks a feed answered; returns false for an unknown scope.
    fn loaded(&mut self, scope: ScopeId, feed: Feed, at: DateTime<Utc>) -> bool {
        let Some(state) = self.scopes.get_mut(scope as usize) else {
            return false;
        };
        let f = state.feed_mut(feed);
        f.health = ScopeHealth::Fresh;
        f.last_success = Some(at);
        f.last_attempt = Some(at);
        f.error = None;
        f.cached = false;
        f.in_flight = false;
        state.sync_nodes();
        self.credentials_error = None;
        if self.cache_saved_at.is_some()
            && self
                .scopes
                .iter()
                .all(|s| s.feeds.iter().all(|f| !f.cached))
        {
            self.cache_saved_at = None;
        }
        true
    }

    fn failed(&mut self, scope: ScopeId, feed: Feed, error: String, at: DateTime<Utc>) -> bool {
        let Some(state) = self.scopes.get_mut(scope as usize) else {
            return false;
        };
        let f = state.feed_mut(feed);
        f.health = ScopeHealth::Failed;
        f.last_attempt = Some(at);
        f.error = Some(error);
        f.in_flight = false;
        state.sync_nodes();
        true
    }

    /// Applies one event. Returns whether anything visible changed.
    pub fn apply(&mut self, event: FeedEvent) -> bool {
        match event {
            FeedEvent::ScopesDiscovered { scopes, note } => {
                self.set_scopes(scopes);
                self.discovery_note = note;
                self.discovery_error = None;
                self.discovery_retry = None;
                self.credentials_error = None;
                true
            }
            FeedEvent::DiscoveryFailed { error } => {
                self.discovery_error = Some(error);
                self.discovery_retry = None;
                true
            }
            FeedEvent::DiscoveryRetrying { attempt, next } => {
                self.discovery_retry = Some((attempt, next));
                true
            }
            FeedEvent::CredentialsFailed { error } => {
                let changed = self.credentials_error.as_deref() != Some(error.as_str());
                self.credentials_error = Some(error);
                changed
            }
            FeedEvent::NodesLoaded { scope, nodes, at } => {
                self.store(scope, Feed::Nodes, at, |d| {
                    let slot = &mut d.nodes;
                    let mut old: HashMap<String, Vec<(String, String)>> = std::mem::take(slot)
                        .into_iter()
                        .filter_map(|n| n.tags.map(|t| (n.instance_id, t)))
                        .collect();
                    *slot = nodes
                        .into_iter()
                        .map(|mut n| {
                            n.scope = scope;
                            if n.tags.is_none() {
                                n.tags = old.remove(&n.instance_id);
                            }
                            n
                        })
                        .collect();
                })
            }
            FeedEvent::TagsLoaded { scope, tags } => {
                let Some(slot) = self.data.get_mut(scope as usize) else {
                    return false;
                };
                let mut by_id: HashMap<String, Vec<(String, String)>> = tags.into_iter().collect();
                let mut changed = false;
                for n in slot.nodes.iter_mut() {
                    if let Some(t) = by_id.remove(&n.instance_id)
                        && n.tags.as_ref() != Some(&t)
                    {
                        n.tags = Some(t);
                        changed = true;
                    }
                }
                if changed {
                    self.bump(Feed::Nodes);
                }
                changed
            }
            FeedEvent::ScopeFailed { scope, error, at } => {
                self.failed(scope, Feed::Nodes, error, at)
            }
            FeedEvent::OpsItemsLoaded { scope, items, at } => {
                self.store(scope, Feed::OpsItems, at, |d| {
                    d.ops_items = with_scope(items, scope, |i, s| i.scope = s);
                })
            }
            FeedEvent::ComplianceLoaded {
                scope,
                summaries,
                resources,
                at,
            } => self.store(scope, Feed::Compliance, at, |d| {
                d.compliance = with_scope(summaries, scope, |i, s| i.scope = s);
                d.resource_compliance = with_scope(resources, scope, |i, s| i.scope = s);
            }),
            FeedEvent::PatchLoaded { scope, states, at } => {
                self.store(scope, Feed::Patch, at, |d| {
                    d.patch = with_scope(states, scope, |i, s| i.scope = s);
                })
            }
            FeedEvent::InventoryLoaded { scope, rows, at } => {
                self.store(scope, Feed::Inventory, at, |d| {
                    d.inventory = with_scope(rows, scope, |i, s| i.scope = s);
                })
            }
            FeedEvent::ExplorerLoaded {
                scope,
                source,
                aggregates,
                at,
            } => {
                if !self.loaded(scope, Feed::Explorer, at) {
                    return false;
                }
                for s in &mut self.scopes {
                    s.feed_mut(Feed::Explorer).cached = false;
                }
                self.explorer = Some(ExplorerData {
                    source,
                    aggregates,
                    at,
                });
                self.bump(Feed::Explorer);
                true
            }
            FeedEvent::CommandsLoaded { scope, items, at } => {
                self.store(scope, Feed::Commands, at, |d| {
                    d.commands = with_scope(items, scope, |i, s| i.scope = s);
                })
            }
            FeedEvent::AutomationsLoaded { scope, items, at } => {
                self.store(scope, Feed::Automations, at, |d| {
                    d.automations = with_scope(items, scope, |i, s| i.scope = s);
                })
            }
            FeedEvent::ActivationsLoaded {
                scope,
                items,
                tier,
                at,
            } => self.store(scope, Feed::Activations, at, |d| {
                d.activations = with_scope(items, scope, |i, s| i.scope = s);
                if tier.is_some() {
                    d.instance_tier = tier;
                }
            }),
            FeedEvent::AssociationsLoaded { scope, items, at } => {
                self.set_associations(scope, items, at)
            }
            FeedEvent::WindowsLoaded { scope, items, at } => self.set_windows(scope, items, at),
            FeedEvent::CalendarsLoaded { scope, items, at } => self.set_calendars(scope, items, at),
            FeedEvent::AssociationDetailLoaded { scope, detail } => {
                self.set_association_detail(scope, detail)
            }
            FeedEvent::WindowDetailLoaded { scope, detail } => {
                self.set_window_detail(scope, detail)
            }
            FeedEvent::FeedFailed {
                scope,
                feed,
                error,
                at,
            } => self.failed(scope, feed, error, at),
            FeedEvent::FeedPolling { scope, feed, at } => {
                let Some(state) = self.scopes.get_mut(scope as usize) else {
                    return false;
                };
                let f = state.feed_mut(feed);
                f.in_flight = true;
                f.active = true;
                f.last_attempt = Some(at);
                state.sync_nodes();
                true
            }
            FeedEvent::FeedScheduled {
                scope,
                feed,
                next,
                active,
            } => {
                let Some(state) = self.scopes.get_mut(scope as usize) else {
                    return false;
                };
                let f = state.feed_mut(feed);
                f.next_poll = next;
                f.active = active;
                true
            }
            FeedEvent::OpsItemDetailLoaded { scope, mut detail } => {
                if self.scope(scope).is_none() {
                    return false;
                }
                detail.item.scope = scope;
                self.detail_errors.remove(&DetailRequest::OpsItem {
                    scope,
                    id: detail.item.id.clone(),
                });
                self.ops_item_details
                    .insert((scope, detail.item.id.clone()), detail);
                self.bump(Feed::OpsItems);
                true
            }
            FeedEvent::NodeInventoryLoaded {
                scope,
                instance_id,
                rows,
                at: _,
            } => {
                if self.scope(scope).is_none() {
                    return false;
                }
                self.detail_errors.retain(|r, _| {
                    !matches!(r, DetailRequest::NodeInventory { scope: s, instance_id: i, .. }
                        if *s == scope && *i == instance_id)
                });
                let rows = with_scope(rows, scope, |i, s| i.scope = s);
                let slot = self.node_inventory.entry((scope, instance_id)).or_default();
                // A one-type answer replaces that type only.
                for r in rows {
                    slot.retain(|o| o.type_name != r.type_name);
                    slot.push(r);
                }
                slot.sort_by(|a, b| a.type_name.cmp(&b.type_name));
                self.bump(Feed::Inventory);
                true
            }
            FeedEvent::ComplianceItemsLoaded {
                scope,
                resource_id,
                items,
                at: _,
            } => {
                if self.scope(scope).is_none() {
                    return false;
                }
                self.detail_errors.remove(&DetailRequest::ComplianceItems {
                    scope,
                    resource_id: resource_id.clone(),
                });
                let items = with_scope(items, scope, |i, s| i.scope = s);
                self.compliance_items.insert((scope, resource_id), items);
                self.bump(Feed::Compliance);
                true
            }
            FeedEvent::ApplicationsLoaded { query } => {
                self.detail_errors.remove(&DetailRequest::Applications {
                    name: query.name.clone(),
                });
                self.application_query = Some(query);
                self.bump(Feed::Inventory);
                true
            }
            FeedEvent::ParametersLoaded { .. }
            | FeedEvent::BaselinesLoaded { .. }
            | FeedEvent::DocumentsLoaded { .. }
            | FeedEvent::ParameterHistoryLoaded { .. }
            | FeedEvent::ParameterValueLoaded { .. }
            | FeedEvent::NodePatchesLoaded { .. }
            | FeedEvent::DocumentLoaded { .. } => self.apply_catalog(event),
            FeedEvent::DetailFailed { request, error } => {
                self.detail_errors.insert(request, error);
                true
            }
            FeedEvent::ApiCalls { counts } => {
                if self.api_calls == counts {
                    return false;
                }
                self.api_calls = counts;
                true
            }
            FeedEvent::CacheLoaded { snapshot } => self.load_cache(*snapshot),
        }
    }
}

fn with_scope<T>(mut v: Vec<T>, scope: ScopeId, set: impl Fn(&mut T, ScopeId)) -> Vec<T> {
    for x in &mut v {
        set(x, scope);
    }
    v
}

impl ScopeData {
    fn set_scope(&mut self, id: ScopeId) {
        self.nodes.iter_mut().for_each(|x| x.scope = id);
        self.ops_items.iter_mut().for_each(|x| x.scope = id);
        self.compliance.iter_mut().for_each(|x| x.scope = id);
        self.resource_compliance
            .iter_mut()
            .for_each(|x| x.scope = id);
        self.patch.iter_mut().for_each(|x| x.scope = id);
        self.inventory.iter_mut().for_each(|x| x.scope = id);
        self.associations.iter_mut().for_each(|x| x.scope = id);
        self.windows.iter_mut().for_each(|x| x.scope = id);
        self.calendars.iter_mut().for_each(|x| x.scope = id);
        self.commands.iter_mut().for_each(|x| x.scope = id);
        self.automations.iter_mut().for_each(|x| x.scope = id);
        self.activations.iter_mut().for_each(|x| x.scope = id);
        self.parameters.iter_mut().for_each(|x| x.scope = id);
        self.baselines.iter_mut().for_each(|x| x.scope = id);
        self.patch_groups.iter_mut().for_each(|x| x.scope = id);
        self.documents.iter_mut().for_each(|x| x.scope = id);
    }
}

/// Worst severity of a set of resources, for summaries.
pub fn worst_severity<'a>(
    it: impl IntoIterator<Item = &'a ResourceCompliance>,
) -> Option<ComplianceSeverity> {
    it.into_iter().map(|r| r.worst_severity).min()
}

mod catalog;
mod history;

pub use catalog::DocumentDetail;
mod state_manager;

#[cfg(test)]
mod tests;
