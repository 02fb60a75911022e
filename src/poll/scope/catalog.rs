//! Fetches of the Parameter Store, patch baselines and documents feeds, and of their
//! on-demand details, for one scope.

use chrono::Utc;

use crate::aws::AwsError;
use crate::model::{
    DocumentContent, DocumentDetail, DocumentQuery, DocumentSummary, NodePatch, ParameterHistory,
    ParameterMeta, ParameterRule, ParameterValue, PatchBaseline, PatchGroupMapping,
    parameter_rules,
};

use super::ScopeFeed;

/// Every parameter of the scope (metadata only), by name.
pub async fn fetch_parameters(feed: &ScopeFeed) -> Result<Vec<ParameterMeta>, AwsError> {
    let mut v = feed
        .all_pages("DescribeParameters", |t| {
            feed.read.parameters_page(feed.id, None, t)
        })
        .await?;
    v.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(v)
}

/// The values of every parameter below `/` (GetParametersByPath, recursive), by name.
/// SecureString values come decrypted only with `decrypt`.
pub async fn fetch_parameter_values(
    feed: &ScopeFeed,
    decrypt: bool,
) -> Result<Vec<ParameterValue>, AwsError> {
    let mut v = feed
        .all_pages("GetParametersByPath", |t| {
            feed.read.parameter_values_page("/", decrypt, t)
        })
        .await?;
    v.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(v)
}

/// Every baseline of the scope in full, and its patch groups.
pub async fn fetch_baselines(
    feed: &ScopeFeed,
) -> Result<(Vec<PatchBaseline>, Vec<PatchGroupMapping>), AwsError> {
    let baselines = feed
        .paced("GetPatchBaseline", || feed.read.all_baselines(feed.id))
        .await?;
    let groups = feed
        .paced("DescribePatchGroups", || feed.read.patch_groups(feed.id))
        .await?;
    Ok((baselines, groups))
}

/// Every document the scope sees (its own, AWS's and shared ones), by name.
pub async fn fetch_documents(feed: &ScopeFeed) -> Result<Vec<DocumentSummary>, AwsError> {
    let query = DocumentQuery::default();
    let mut v = feed
        .paced("ListDocuments", || {
            feed.read.list_all_documents(feed.id, &query)
        })
        .await?;
    v.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(v)
}

/// A parameter's versions (never decrypted).
pub async fn fetch_parameter_history(
    feed: &ScopeFeed,
    name: &str,
) -> Result<ParameterHistory, AwsError> {
    let versions = feed
        .paced("GetParameterHistory", || feed.read.parameter_history(name))
        .await?;
    Ok(ParameterHistory {
        scope: feed.id,
        name: name.to_string(),
        versions,
        at: Utc::now(),
    })
}

/// One parameter's value; a SecureString is decrypted only when `decrypt` is set.
pub async fn fetch_parameter_value(
    feed: &ScopeFeed,
    name: &str,
    version: Option<i64>,
    decrypt: bool,
) -> Result<ParameterValue, AwsError> {
    feed.paced("GetParameter", || {
        feed.read.parameter_value(name, version, decrypt)
    })
    .await
}

/// Every patch of one node.
pub async fn fetch_node_patches(
    feed: &ScopeFeed,
    instance_id: &str,
) -> Result<Vec<NodePatch>, AwsError> {
    feed.paced("DescribeInstancePatches", || {
        feed.read.node_patches(instance_id)
    })
    .await
}

/// One document in full: description, content (of the version asked for) and versions.
pub async fn fetch_document(
    feed: &ScopeFeed,
    name: &str,
    version: Option<&str>,
) -> Result<DocumentDetail, AwsError> {
    let description = feed.paced("DescribeDocument", || {
        feed.read.describe_document(feed.id, name, version)
    });
    let content = feed.paced("GetDocument", || {
        feed.read.get_document(name, version, None)
    });
    let versions = feed.all_pages("ListDocumentVersions", |t| {
        feed.read.list_document_versions(name, t)
    });
    let (description, content, versions) = tokio::join!(description, content, versions);
    let content = content?;
    let parameter_rules = document_rules(feed, name, version, &content).await;
    Ok(DocumentDetail {
        scope: feed.id,
        description: description?,
        content,
        versions: versions?,
        parameter_rules,
    })
}

/// What a document allows of its parameters, from its content: as it came when it is
/// JSON, else as AWS converts it to JSON (one more GetDocument). A document whose rules
/// cannot be read has none (AWS still checks what is sent), with a log line.
pub async fn document_rules(
    feed: &ScopeFeed,
    name: &str,
    version: Option<&str>,
    content: &DocumentContent,
) -> Vec<ParameterRule> {
    let json = match content.document_format.as_str() {
        "JSON" => Ok(content.content.clone()),
        "TEXT" => return Vec::new(),
        _ => feed
            .paced("GetDocument", || {
                feed.read.get_document(name, version, Some("JSON"))
            })
            .await
            .map(|c| c.content),
    };
    match json
        .map_err(|e| e.to_string())
        .and_then(|j| parameter_rules(&j))
    {
        Ok(rules) => rules,
        Err(e) => {
            tracing::info!(document = name, "parameter rules not read: {e}");
            Vec::new()
        }
    }
}
