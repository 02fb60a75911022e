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
    PollOptions, ScopeFeed, fetch_compliance, fetch_inventory, fetch_nodes, fetch_ops_items,
    fetch_tags,
};

mod activations;
mod parameters;
mod state_manager;

pub use activations::{export_activations, export_automations, export_commands};
pub use parameters::{export_baselines, export_documents, export_parameters};
pub use state_manager::{export_associations, export_windows};

/// Scopes polled at once.
const CONCURRENCY: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
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
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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

const CSV_COLUMNS: &[&str] = &[
    "account_id",
    "account_name",
    "region",
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
        account_id: &scope.account.id,
        account_name: &scope.account.name,
        region: &scope.region,
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
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    allow_partial: bool,
    fetch: F,
) -> Result<(Vec<(Scope, Vec<T>)>, ExportSummary), ExportError>
where
    T: Send + 'static,
    F: Fn(Arc<ScopeFeed>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<Vec<T>, AwsError>> + Send + 'static,
{
    let conn = Connector::connect(aws).await?;
    let discovery = discover(&conn, accounts).await?;
    let total = discovery.scopes.len();
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (i, scope) in discovery.scopes.into_iter().enumerate() {
        let conn = conn.clone();
        let poll = poll.clone();
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
    if !summary.failures.is_empty() && !allow_partial {
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

/// Polls every scope once and writes its nodes to `out`, sorted by account, region, id.
pub async fn export_nodes(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let with_tags = poll.with_tags;
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, move |feed| async move {
        let mut nodes = fetch_nodes(&feed).await?;
        if with_tags {
            match fetch_tags(&feed, &nodes).await {
                Ok(tags) => {
                    for (n, (_, t)) in nodes.iter_mut().zip(tags) {
                        n.tags = Some(t);
                    }
                }
                Err(e) => tracing::warn!("tags of {}: {e}", feed.scope.label()),
            }
        }
        Ok(nodes)
    })
    .await?;
    let mut summary = write_records(
        &done,
        |n| n.instance_id.as_str(),
        |s, n| [record(s, n)],
        format,
        out,
        summary,
    )?;
    summary.nodes = summary.records;
    Ok(summary)
}

/// Every OpsItem of every scope, by account, region, id.
pub async fn export_ops_items(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        fetch_ops_items(&feed).await
    })
    .await?;
    write_records(
        &done,
        |i| i.id.as_str(),
        |s, i| [OpsItemRecord::new(s, i)],
        format,
        out,
        summary,
    )
}

/// Compliance of every scope: one record per compliance type, with the severity split.
pub async fn export_compliance(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        fetch_compliance(&feed).await.map(|(s, _)| s)
    })
    .await?;
    write_records(
        &done,
        |c| c.compliance_type.as_str(),
        |s, c| [ComplianceRecord::new(s, c)],
        format,
        out,
        summary,
    )
}

/// Inventory of one type on every node: one record per inventory row.
pub async fn export_inventory(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    type_name: &str,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let types = vec![type_name.to_string()];
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, move |feed| {
        let types = types.clone();
        async move { fetch_inventory(&feed, &types).await }
    })
    .await?;
    write_records(
        &done,
        |r| r.instance_id.as_str(),
        |s, r| r.entries.iter().map(move |e| InventoryRecord::new(s, r, e)),
        format,
        out,
        summary,
    )
}

/// Each scope's items in `key` order, made records by `to_records`, written to `out`.
fn write_records<'a, T, R: Record, I: IntoIterator<Item = R>>(
    done: &'a [(Scope, Vec<T>)],
    key: impl Fn(&T) -> &str,
    mut to_records: impl FnMut(&'a Scope, &'a T) -> I,
    format: Format,
    out: &mut dyn Write,
    mut summary: ExportSummary,
) -> Result<ExportSummary, ExportError> {
    let mut records = Vec::new();
    for (scope, items) in done {
        let mut sorted: Vec<&T> = items.iter().collect();
        sorted.sort_by(|a, b| key(a).cmp(key(b)));
        for t in sorted {
            records.extend(to_records(scope, t));
        }
    }
    summary.records = records.len();
    write_table(&records, format, out)?;
    Ok(summary)
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

#[derive(Debug, Serialize)]
struct OpsItemRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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
            account_id: &scope.account.id,
            account_name: &scope.account.name,
            region: &scope.region,
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
        [
            "account_id",
            "account_name",
            "region",
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
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
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
        ]
    }
}

#[derive(Debug, Serialize)]
struct ComplianceRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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
            account_id: &scope.account.id,
            account_name: &scope.account.name,
            region: &scope.region,
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
        [
            "account_id",
            "account_name",
            "region",
            "compliance_type",
            "compliant",
            "non_compliant",
            "non_compliant_critical",
            "non_compliant_high",
            "non_compliant_medium",
            "non_compliant_low",
            "non_compliant_informational",
            "non_compliant_unspecified",
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
            self.compliance_type.into(),
            self.compliant.to_string(),
            self.non_compliant.to_string(),
            self.non_compliant_critical.to_string(),
            self.non_compliant_high.to_string(),
            self.non_compliant_medium.to_string(),
            self.non_compliant_low.to_string(),
            self.non_compliant_informational.to_string(),
            self.non_compliant_unspecified.to_string(),
        ]
    }
}

#[derive(Debug, Serialize)]
struct InventoryRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
    instance_id: &'a str,
    type_name: &'a str,
    capture_time: &'a str,
    attributes: BTreeMap<&'a str, &'a str>,
}

impl<'a> InventoryRecord<'a> {
    fn new(scope: &'a Scope, r: &'a InventoryRows, entry: &'a [(String, String)]) -> Self {
        InventoryRecord {
            account_id: &scope.account.id,
            account_name: &scope.account.name,
            region: &scope.region,
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

const INVENTORY_FIXED: &[&str] = &[
    "account_id",
    "account_name",
    "region",
    "instance_id",
    "type_name",
    "capture_time",
];

impl Record for InventoryRecord<'_> {
    /// The fixed columns, then every attribute any row has, sorted.
    fn columns(records: &[Self]) -> Vec<String> {
        let attrs: std::collections::BTreeSet<&str> = records
            .iter()
            .flat_map(|r| r.attributes.keys().copied())
            .collect();
        INVENTORY_FIXED
            .iter()
            .copied()
            .chain(attrs)
            .map(String::from)
            .collect()
    }

    fn fields(&self, columns: &[String]) -> Vec<String> {
        let fixed = [
            self.account_id,
            self.account_name,
            self.region,
            self.instance_id,
            self.type_name,
            self.capture_time,
        ];
        fixed
            .iter()
            .map(|s| s.to_string())
            .chain(
                columns
                    .iter()
                    .skip(INVENTORY_FIXED.len())
                    .map(|c| self.attributes.get(c.as_str()).unwrap_or(&"").to_string()),
            )
            .collect()
    }
}

impl Record for NodeRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        CSV_COLUMNS.iter().map(|c| c.to_string()).collect()
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
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
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
        ]
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
