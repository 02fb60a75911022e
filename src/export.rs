//! Headless export of the merged estate (for scripts), through the same poller code as the UI.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::{AwsError, AwsOptions, Connector, discover};
use crate::config::AccountsConfig;
use crate::model::{ComplianceSummary, InventoryRows, ManagedNode, OpsItem, Scope};
use crate::poll::{
    PollOptions, ScopeFeed, fetch_activations, fetch_associations, fetch_automations,
    fetch_baselines, fetch_commands, fetch_compliance, fetch_documents, fetch_inventory,
    fetch_nodes, fetch_ops_items, fetch_tags, fetch_windows,
};

mod catalog;
mod history;
mod state_manager;

/// Scopes polled at once.
const CONCURRENCY: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

/// What an export writes: one kind of record of every scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// Managed nodes; with `tags`, each node's tags too.
    Nodes {
        tags: bool,
    },
    OpsItems,
    /// One record per compliance type, with the severity split.
    Compliance,
    /// State Manager associations with their per-status node counts.
    Associations,
    /// Maintenance windows with their runs of the next days.
    Windows,
    /// Parameter Store parameters; SecureString values only `with_decryption`.
    Parameters {
        with_decryption: bool,
    },
    /// Patch baselines (the account's and AWS's), in full.
    Baselines,
    /// The documents every scope sees: its own, AWS's and shared ones.
    Documents,
    /// Hybrid activations with the scope's instance tier and each one's state.
    Activations,
    /// Recent Run Command commands (ListCommands, newest first up to the history limit).
    Commands,
    /// Recent Automation executions.
    Automations,
    /// One record per inventory row of `type_name` on every node.
    Inventory {
        type_name: String,
    },
}

impl What {
    /// The records' name in the summary line (`exported N <noun> from M scopes`).
    pub fn noun(&self) -> &'static str {
        match self {
            What::Nodes { .. } => "nodes",
            What::OpsItems => "OpsItems",
            What::Compliance => "compliance summaries",
            What::Associations => "associations",
            What::Windows => "maintenance windows",
            What::Parameters { .. } => "parameters",
            What::Baselines => "patch baselines",
            What::Documents => "documents",
            What::Activations => "activations",
            What::Commands => "commands",
            What::Automations => "automation executions",
            What::Inventory { .. } => "inventory rows",
        }
    }
}

/// Where an export polls and what it does when scopes fail.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub aws: &'a AwsOptions,
    pub accounts: &'a AccountsConfig,
    pub poll: &'a PollOptions,
    /// Export the scopes that answered even when others failed.
    pub allow_partial: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Aws(#[from] AwsError),
    #[error(
        "{failed} of {total} scopes failed (pass --allow-partial to export the rest):\n{details}"
    )]
    Partial {
        failed: usize,
        total: usize,
        details: String,
    },
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
}

/// What an export did, for the summary on stderr.
#[derive(Debug, Clone, Default)]
pub struct ExportSummary {
    /// Nodes exported (`export nodes`).
    pub nodes: usize,
    /// Records exported, whatever the kind.
    pub records: usize,
    pub scopes: usize,
    /// (scope label, error) of every failed scope.
    pub failures: Vec<(String, String)>,
}

/// One node as exported: flat, with its account and region.
#[derive(Debug, Serialize)]
struct NodeRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    instance_id: &'a str,
    name: &'a str,
    ping_status: &'static str,
    last_ping: Option<String>,
    platform_type: &'static str,
    platform_name: &'a str,
    platform_version: &'a str,
    agent_version: &'a str,
    is_latest_version: Option<bool>,
    resource_type: &'a str,
    ip_address: &'a str,
    computer_name: &'a str,
    iam_role: &'a str,
    association_status: &'a str,
    registration_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<BTreeMap<&'a str, &'a str>>,
}

/// The CSV columns of a node after the scope ones.
const CSV_COLUMNS: &[&str] = &[
    "instance_id",
    "name",
    "ping_status",
    "last_ping",
    "platform_type",
    "platform_name",
    "platform_version",
    "agent_version",
    "is_latest_version",
    "resource_type",
    "ip_address",
    "computer_name",
    "iam_role",
    "association_status",
    "registration_date",
    "tags",
];

fn record<'a>(scope: &'a Scope, n: &'a ManagedNode) -> NodeRecord<'a> {
    NodeRecord {
        scope: ScopeColumns::new(scope),
        instance_id: &n.instance_id,
        name: n.name(),
        ping_status: n.ping_status.as_str(),
        last_ping: n.last_ping.map(|t| t.to_rfc3339()),
        platform_type: n.platform_type.as_str(),
        platform_name: &n.platform_name,
        platform_version: &n.platform_version,
        agent_version: &n.agent_version,
        is_latest_version: n.is_latest_version,
        resource_type: &n.resource_type,
        ip_address: &n.ip_address,
        computer_name: &n.computer_name,
        iam_role: &n.iam_role,
        association_status: &n.association_status,
        registration_date: n.registration_date.map(|t| t.to_rfc3339()),
        tags: n
            .tags
            .as_ref()
            .map(|t| t.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()),
    }
}

/// Polls every scope once with `fetch` and returns what each scope gave, sorted by account
/// and region; failed scopes are an error unless `allow_partial`.
async fn poll_scopes<T, F, Fut>(
    src: &Source<'_>,
    fetch: F,
) -> Result<(Vec<(Scope, Vec<T>)>, ExportSummary), ExportError>
where
    T: Send + 'static,
    F: Fn(Arc<ScopeFeed>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<Vec<T>, AwsError>> + Send + 'static,
{
    let conn = Connector::connect(src.aws).await?;
    let discovery = discover(&conn, src.accounts).await?;
    let total = discovery.scopes.len();
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (i, scope) in discovery.scopes.into_iter().enumerate() {
        let conn = conn.clone();
        let poll = src.poll.clone();
        let limit = limit.clone();
        let fetch = fetch.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let read = conn
                .ssm_read(&scope.account.id, &scope.region, &poll.role_name)
                .await;
            let feed = Arc::new(ScopeFeed::new(i as u32, scope, read, poll.rate_per_second));
            let result = fetch(feed.clone()).await;
            (feed.scope.clone(), result)
        });
    }
    let mut done: Vec<(Scope, Vec<T>)> = Vec::with_capacity(total);
    let mut summary = ExportSummary {
        scopes: total,
        ..ExportSummary::default()
    };
    let mut progress = Progress::new(total);
    while let Some(joined) = tasks.join_next().await {
        progress.step();
        match joined {
            Ok((scope, Ok(rows))) => done.push((scope, rows)),
            Ok((scope, Err(e))) => summary.failures.push((scope.label(), e.to_string())),
            Err(e) => summary
                .failures
                .push(("(task)".into(), format!("poller stopped: {e}"))),
        }
    }
    progress.finish();
    if !summary.failures.is_empty() && !src.allow_partial {
        summary.failures.sort();
        let details = summary
            .failures
            .iter()
            .map(|(s, e)| format!("  {s}: {e}"))
            .collect::<Vec<_>>()
            .join("\n");
        return Err(ExportError::Partial {
            failed: summary.failures.len(),
            total,
            details,
        });
    }
    done.sort_by(|a, b| {
        (&a.0.account.name, &a.0.account.id, &a.0.region).cmp(&(
            &b.0.account.name,
            &b.0.account.id,
            &b.0.region,
        ))
    });
    Ok((done, summary))
}

/// `polled N/M scopes` on one stderr line, rewritten with `\r`; only when stderr is a
/// terminal.
struct Progress {
    total: usize,
    polled: usize,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            polled: 0,
            shown: std::io::stderr().is_terminal(),
        }
    }

    fn step(&mut self) {
        self.polled += 1;
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rpolled {}/{} scopes", self.polled, self.total);
            let _ = err.flush();
        }
    }

    fn finish(&mut self) {
        if self.shown && self.polled > 0 {
            eprintln!();
        }
        self.shown = false;
    }
}

/// Polls every scope once and writes `what` to `out`, by account, region and each kind's
/// own order (node id, OpsItem id, name, ...).
pub async fn export(
    what: &What,
    src: &Source<'_>,
    format: Format,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    match what {
        What::Nodes { tags } => {
            let tags = *tags;
            let mut summary = export_rows(src, format, out, move |feed| async move {
                nodes_with_tags(&feed, tags).await
            })
            .await?;
            summary.nodes = summary.records;
            Ok(summary)
        }
        What::OpsItems => {
            export_rows(src, format, out, |feed| async move {
                fetch_ops_items(&feed).await
            })
            .await
        }
        What::Compliance => {
            export_rows(src, format, out, |feed| async move {
                Ok(fetch_compliance(&feed).await?.0)
            })
            .await
        }
        What::Associations => {
            export_rows(src, format, out, |feed| async move {
                fetch_associations(&feed).await
            })
            .await
        }
        What::Windows => {
            export_rows(src, format, out, |feed| async move {
                fetch_windows(&feed).await
            })
            .await
        }
        What::Parameters { with_decryption } => {
            let with_decryption = *with_decryption;
            export_rows(src, format, out, move |feed| async move {
                catalog::parameter_rows(&feed, with_decryption).await
            })
            .await
        }
        What::Baselines => {
            export_rows(src, format, out, |feed| async move {
                Ok(fetch_baselines(&feed).await?.0)
            })
            .await
        }
        What::Documents => {
            export_rows(src, format, out, |feed| async move {
                fetch_documents(&feed).await
            })
            .await
        }
        What::Activations => {
            export_rows(src, format, out, |feed| async move {
                let (items, tier) = fetch_activations(&feed).await?;
                Ok(items
                    .into_iter()
                    .map(|a| (a, tier.clone()))
                    .collect::<Vec<_>>())
            })
            .await
        }
        What::Commands => {
            export_rows(src, format, out, |feed| async move {
                fetch_commands(&feed).await
            })
            .await
        }
        What::Automations => {
            export_rows(src, format, out, |feed| async move {
                fetch_automations(&feed).await
            })
            .await
        }
        What::Inventory { type_name } => {
            let types = vec![type_name.clone()];
            export_rows(src, format, out, move |feed| {
                let types = types.clone();
                async move { fetch_inventory(&feed, &types).await }
            })
            .await
        }
    }
}

/// A scope's nodes, with their tags when `tags` (a failed tag read is logged, not fatal).
async fn nodes_with_tags(feed: &ScopeFeed, tags: bool) -> Result<Vec<ManagedNode>, AwsError> {
    let mut nodes = fetch_nodes(feed).await?;
    if tags {
        match fetch_tags(feed, &nodes).await {
            Ok(tags) => {
                for (n, (_, t)) in nodes.iter_mut().zip(tags) {
                    n.tags = Some(t);
                }
            }
            Err(e) => tracing::warn!("tags of {}: {e}", feed.scope.label()),
        }
    }
    Ok(nodes)
}

/// Polls every scope with `fetch` and writes what they gave as records.
async fn export_rows<T, F, Fut>(
    src: &Source<'_>,
    format: Format,
    out: &mut dyn Write,
    fetch: F,
) -> Result<ExportSummary, ExportError>
where
    T: Row,
    F: Fn(Arc<ScopeFeed>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<Vec<T>, AwsError>> + Send + 'static,
{
    let (done, mut summary) = poll_scopes(src, fetch).await?;
    let mut records = Vec::new();
    for (scope, items) in &done {
        let mut sorted: Vec<&T> = items.iter().collect();
        sorted.sort_by(|a, b| a.key().cmp(b.key()));
        for t in sorted {
            records.extend(t.records(scope));
        }
    }
    summary.records = records.len();
    write_table(&records, format, out)?;
    Ok(summary)
}

/// An item a scope gave, written as one or more records.
trait Row: Send + 'static {
    /// The record, borrowing from the item and its scope.
    type Rec<'a>: Record
    where
        Self: 'a;
    /// What orders the items of one scope.
    fn key(&self) -> &str;
    /// The item's records (an inventory row gives one per entry, the rest one).
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = Self::Rec<'a>>;
}

impl Row for ManagedNode {
    type Rec<'a> = NodeRecord<'a>;
    fn key(&self) -> &str {
        &self.instance_id
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = NodeRecord<'a>> {
        std::iter::once(record(scope, self))
    }
}

impl Row for OpsItem {
    type Rec<'a> = OpsItemRecord<'a>;
    fn key(&self) -> &str {
        &self.id
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = OpsItemRecord<'a>> {
        std::iter::once(OpsItemRecord::new(scope, self))
    }
}

impl Row for ComplianceSummary {
    type Rec<'a> = ComplianceRecord<'a>;
    fn key(&self) -> &str {
        &self.compliance_type
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = ComplianceRecord<'a>> {
        std::iter::once(ComplianceRecord::new(scope, self))
    }
}

impl Row for InventoryRows {
    type Rec<'a> = InventoryRecord<'a>;
    fn key(&self) -> &str {
        &self.instance_id
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = InventoryRecord<'a>> {
        self.entries
            .iter()
            .map(move |e| InventoryRecord::new(scope, self, e))
    }
}

/// A flat record of an export: JSON through serde, CSV through its columns.
trait Record: Serialize {
    /// The CSV header for these records.
    fn columns(records: &[Self]) -> Vec<String>
    where
        Self: Sized;
    /// The CSV fields, in the order of `columns`.
    fn fields(&self, columns: &[String]) -> Vec<String>;
}

/// Writes records as a JSON array or as CSV with a header.
fn write_table<R: Record>(
    records: &[R],
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, records)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let columns = R::columns(records);
            writeln!(out, "{}", columns.join(","))?;
            for r in records {
                let line = r
                    .fields(&columns)
                    .iter()
                    .map(|f| csv_field(f))
                    .collect::<Vec<_>>()
                    .join(",");
                writeln!(out, "{line}")?;
            }
        }
    }
    out.flush()
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339())
}

/// The columns every record starts with.
const SCOPE_COLUMNS: &[&str] = &["account_id", "account_name", "region"];

/// The account and region every record starts with (flattened into its JSON object).
#[derive(Debug, Serialize)]
struct ScopeColumns<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
}

impl<'a> ScopeColumns<'a> {
    fn new(scope: &'a Scope) -> Self {
        ScopeColumns {
            account_id: &scope.account.id,
            account_name: &scope.account.name,
            region: &scope.region,
        }
    }

    /// The CSV header: the scope columns, then `rest`.
    fn header(rest: &[&str]) -> Vec<String> {
        SCOPE_COLUMNS
            .iter()
            .chain(rest)
            .map(|c| c.to_string())
            .collect()
    }

    /// A CSV row: the scope fields, then `rest`.
    fn row(&self, rest: Vec<String>) -> Vec<String> {
        [self.account_id, self.account_name, self.region]
            .map(String::from)
            .into_iter()
            .chain(rest)
            .collect()
    }
}

#[derive(Debug, Serialize)]
struct OpsItemRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    id: &'a str,
    title: &'a str,
    status: &'a str,
    severity: &'a str,
    priority: Option<i32>,
    source: &'a str,
    category: &'a str,
    ops_item_type: &'a str,
    created: Option<String>,
    last_modified: Option<String>,
    resources: &'a [String],
    runbooks: &'a [String],
}

impl<'a> OpsItemRecord<'a> {
    fn new(scope: &'a Scope, i: &'a OpsItem) -> Self {
        OpsItemRecord {
            scope: ScopeColumns::new(scope),
            id: &i.id,
            title: &i.title,
            status: &i.status,
            severity: &i.severity,
            priority: i.priority,
            source: &i.source,
            category: &i.category,
            ops_item_type: &i.ops_item_type,
            created: time(i.created),
            last_modified: time(i.last_modified),
            resources: &i.resources,
            runbooks: &i.runbooks,
        }
    }
}

impl Record for OpsItemRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(&[
            "id",
            "title",
            "status",
            "severity",
            "priority",
            "source",
            "category",
            "ops_item_type",
            "created",
            "last_modified",
            "resources",
            "runbooks",
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
            self.id.into(),
            self.title.into(),
            self.status.into(),
            self.severity.into(),
            self.priority.map(|p| p.to_string()).unwrap_or_default(),
            self.source.into(),
            self.category.into(),
            self.ops_item_type.into(),
            self.created.clone().unwrap_or_default(),
            self.last_modified.clone().unwrap_or_default(),
            self.resources.join(";"),
            self.runbooks.join(";"),
        ])
    }
}

#[derive(Debug, Serialize)]
struct ComplianceRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    compliance_type: &'a str,
    compliant: u32,
    non_compliant: u32,
    non_compliant_critical: u32,
    non_compliant_high: u32,
    non_compliant_medium: u32,
    non_compliant_low: u32,
    non_compliant_informational: u32,
    non_compliant_unspecified: u32,
}

impl<'a> ComplianceRecord<'a> {
    fn new(scope: &'a Scope, c: &'a ComplianceSummary) -> Self {
        let n = &c.non_compliant;
        ComplianceRecord {
            scope: ScopeColumns::new(scope),
            compliance_type: &c.compliance_type,
            compliant: c.compliant_count(),
            non_compliant: c.non_compliant_count(),
            non_compliant_critical: n.critical,
            non_compliant_high: n.high,
            non_compliant_medium: n.medium,
            non_compliant_low: n.low,
            non_compliant_informational: n.informational,
            non_compliant_unspecified: n.unspecified,
        }
    }
}

impl Record for ComplianceRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(&[
            "compliance_type",
            "compliant",
            "non_compliant",
            "non_compliant_critical",
            "non_compliant_high",
            "non_compliant_medium",
            "non_compliant_low",
            "non_compliant_informational",
            "non_compliant_unspecified",
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
            self.compliance_type.into(),
            self.compliant.to_string(),
            self.non_compliant.to_string(),
            self.non_compliant_critical.to_string(),
            self.non_compliant_high.to_string(),
            self.non_compliant_medium.to_string(),
            self.non_compliant_low.to_string(),
            self.non_compliant_informational.to_string(),
            self.non_compliant_unspecified.to_string(),
        ])
    }
}

#[derive(Debug, Serialize)]
struct InventoryRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    instance_id: &'a str,
    type_name: &'a str,
    capture_time: &'a str,
    attributes: BTreeMap<&'a str, &'a str>,
}

impl<'a> InventoryRecord<'a> {
    fn new(scope: &'a Scope, r: &'a InventoryRows, entry: &'a [(String, String)]) -> Self {
        InventoryRecord {
            scope: ScopeColumns::new(scope),
            instance_id: &r.instance_id,
            type_name: &r.type_name,
            capture_time: &r.capture_time,
            attributes: entry
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        }
    }
}

/// The columns of an inventory row after the scope ones, before its attributes.
const INVENTORY_FIXED: &[&str] = &["instance_id", "type_name", "capture_time"];

impl Record for InventoryRecord<'_> {
    /// The fixed columns, then every attribute any row has, sorted.
    fn columns(records: &[Self]) -> Vec<String> {
        let attrs: std::collections::BTreeSet<&str> = records
            .iter()
            .flat_map(|r| r.attributes.keys().copied())
            .collect();
        let rest: Vec<&str> = INVENTORY_FIXED.iter().copied().chain(attrs).collect();
        ScopeColumns::header(&rest)
    }

    fn fields(&self, columns: &[String]) -> Vec<String> {
        let attrs = columns
            .iter()
            .skip(SCOPE_COLUMNS.len() + INVENTORY_FIXED.len())
            .map(|c| self.attributes.get(c.as_str()).unwrap_or(&"").to_string());
        self.scope.row(
            [self.instance_id, self.type_name, self.capture_time]
                .map(String::from)
                .into_iter()
                .chain(attrs)
                .collect(),
        )
    }
}

impl Record for NodeRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(CSV_COLUMNS)
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        let tags = self
            .tags
            .as_ref()
            .map(|t| {
                t.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(";")
            })
            .unwrap_or_default();
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        self.scope.row(vec![
            self.instance_id.into(),
            self.name.into(),
            self.ping_status.into(),
            opt(&self.last_ping),
            self.platform_type.into(),
            self.platform_name.into(),
            self.platform_version.into(),
            self.agent_version.into(),
            self.is_latest_version
                .map(|b| b.to_string())
                .unwrap_or_default(),
            self.resource_type.into(),
            self.ip_address.into(),
            self.computer_name.into(),
            self.iam_role.into(),
            self.association_status.into(),
            opt(&self.registration_date),
            tags,
        ])
    }
}

/// Quotes a CSV field when it holds a separator, a quote or a line break (RFC 4180).
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
