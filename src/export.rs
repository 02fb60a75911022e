//! Headless export of the merged estate (for scripts), through the same poller code as the UI.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::{AwsError, AwsOptions, Connector, discover};
use crate::config::AccountsConfig;
use crate::model::{ManagedNode, Scope};
use crate::poll::{PollOptions, ScopeFeed, fetch_nodes, fetch_tags};

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
    pub nodes: usize,
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

/// Polls every scope once and writes its nodes to `out`, sorted by account, region, id.
pub async fn export_nodes(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let conn = Connector::connect(aws).await?;
    let discovery = discover(&conn, accounts).await?;
    let total = discovery.scopes.len();
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = JoinSet::new();
    for (i, scope) in discovery.scopes.into_iter().enumerate() {
        let conn = conn.clone();
        let poll = poll.clone();
        let limit = limit.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let read = conn
                .ssm_read(&scope.account.id, &scope.region, &poll.role_name)
                .await;
            let feed = ScopeFeed::new(i as u32, scope, read, poll.rate_per_second);
            let result = match fetch_nodes(&feed).await {
                Ok(mut nodes) => {
                    if poll.with_tags {
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
                }
                Err(e) => Err(e),
            };
            (feed.scope, result)
        });
    }
    let mut done: Vec<(Scope, Vec<ManagedNode>)> = Vec::with_capacity(total);
    let mut summary = ExportSummary {
        scopes: total,
        ..ExportSummary::default()
    };
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((scope, Ok(nodes))) => done.push((scope, nodes)),
            Ok((scope, Err(e))) => summary.failures.push((scope.label(), e.to_string())),
            Err(e) => summary
                .failures
                .push(("(task)".into(), format!("poller stopped: {e}"))),
        }
    }
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
    let mut records = Vec::new();
    for (scope, nodes) in &done {
        let mut sorted: Vec<&ManagedNode> = nodes.iter().collect();
        sorted.sort_by(|a, b| a.instance_id.cmp(&b.instance_id));
        records.extend(sorted.into_iter().map(|n| record(scope, n)));
    }
    summary.nodes = records.len();
    write_records(&records, format, out)?;
    Ok(summary)
}

fn write_records(
    records: &[NodeRecord<'_>],
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, records)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(out, "{}", CSV_COLUMNS.join(","))?;
            for r in records {
                let tags = r
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
                let fields: [String; 19] = [
                    r.account_id.into(),
                    r.account_name.into(),
                    r.region.into(),
                    r.instance_id.into(),
                    r.name.into(),
                    r.ping_status.into(),
                    opt(&r.last_ping),
                    r.platform_type.into(),
                    r.platform_name.into(),
                    r.platform_version.into(),
                    r.agent_version.into(),
                    r.is_latest_version
                        .map(|b| b.to_string())
                        .unwrap_or_default(),
                    r.resource_type.into(),
                    r.ip_address.into(),
                    r.computer_name.into(),
                    r.iam_role.into(),
                    r.association_status.into(),
                    opt(&r.registration_date),
                    tags,
                ];
                let line = fields
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
