//! SSM documents: ListDocuments, DescribeDocument, GetDocument, ListDocumentVersions.

use aws_sdk_ssm::types::DocumentKeyValuesFilter;

use crate::model::{
    DocumentContent, DocumentDescription, DocumentParameter, DocumentQuery, DocumentSummary,
    DocumentVersion, ScopeId,
};

use super::convert::{next_token, text, time};
use super::error::{AwsError, ErrorKind};
use super::nodes::{Page, SsmRead};

/// Largest page ListDocuments and ListDocumentVersions allow.
pub const DOCUMENTS_PAGE_SIZE: i32 = 50;
/// Pages `list_all_documents` reads at most (50 × 40 = 2000 documents).
const MAX_DOCUMENT_PAGES: usize = 40;

fn key_filter(key: &str, values: &[String]) -> DocumentKeyValuesFilter {
    DocumentKeyValuesFilter::builder()
        .key(key)
        .set_values(Some(values.to_vec()))
        .build()
}

/// The `Filters` of a query.
fn filters(q: &DocumentQuery) -> Vec<DocumentKeyValuesFilter> {
    let mut out = Vec::new();
    if let Some(owner) = &q.owner {
        out.push(key_filter("Owner", std::slice::from_ref(owner)));
    }
    if !q.document_types.is_empty() {
        out.push(key_filter("DocumentType", &q.document_types));
    }
    if let Some(name) = &q.name {
        out.push(key_filter("Name", std::slice::from_ref(name)));
    }
    if !q.platform_types.is_empty() {
        out.push(key_filter("PlatformTypes", &q.platform_types));
    }
    if let Some(k) = &q.search_keyword {
        out.push(key_filter("SearchKeyword", std::slice::from_ref(k)));
    }
    out
}

fn tags(t: &[aws_sdk_ssm::types::Tag]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = t
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    v.sort();
    v
}

fn platforms(p: &[aws_sdk_ssm::types::PlatformType]) -> Vec<String> {
    p.iter().map(|p| p.as_str().to_string()).collect()
}

fn summary(scope: ScopeId, d: &aws_sdk_ssm::types::DocumentIdentifier) -> DocumentSummary {
    DocumentSummary {
        scope,
        name: text(d.name()),
        display_name: text(d.display_name()),
        owner: text(d.owner()),
        version_name: text(d.version_name()),
        platform_types: platforms(d.platform_types()),
        document_version: text(d.document_version()),
        document_type: text(d.document_type().map(|t| t.as_str())),
        schema_version: text(d.schema_version()),
        document_format: text(d.document_format().map(|f| f.as_str())),
        target_type: text(d.target_type()),
        author: text(d.author()),
        created: time(d.created_date()),
        tags: tags(d.tags()),
    }
}

fn description(scope: ScopeId, d: &aws_sdk_ssm::types::DocumentDescription) -> DocumentDescription {
    DocumentDescription {
        scope,
        name: text(d.name()),
        display_name: text(d.display_name()),
        description: text(d.description()),
        owner: text(d.owner()),
        status: text(d.status().map(|s| s.as_str())),
        status_information: text(d.status_information()),
        document_version: text(d.document_version()),
        version_name: text(d.version_name()),
        latest_version: text(d.latest_version()),
        default_version: text(d.default_version()),
        document_type: text(d.document_type().map(|t| t.as_str())),
        document_format: text(d.document_format().map(|f| f.as_str())),
        schema_version: text(d.schema_version()),
        target_type: text(d.target_type()),
        platform_types: platforms(d.platform_types()),
        parameters: d
            .parameters()
            .iter()
            .map(|p| DocumentParameter {
                name: text(p.name()),
                param_type: text(p.r#type().map(|t| t.as_str())),
                description: text(p.description()),
                default_value: p.default_value().map(str::to_string),
            })
            .collect(),
        hash: text(d.hash()),
        hash_type: text(d.hash_type().map(|h| h.as_str())),
        author: text(d.author()),
        created: time(d.created_date()),
        tags: tags(d.tags()),
    }
}

/// `DocumentVersion` for a version number or `$LATEST`/`$DEFAULT`; else `VersionName`.
fn is_version_number(v: &str) -> bool {
    v == "$LATEST" || v == "$DEFAULT" || (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
}

impl SsmRead {
    /// One page of ListDocuments matching `query`.
    pub async fn list_documents(
        &self,
        scope: ScopeId,
        query: &DocumentQuery,
        token: Option<String>,
    ) -> Result<Page<DocumentSummary>, AwsError> {
        let f = filters(query);
        let out = self
            .client
            .list_documents()
            .set_filters((!f.is_empty()).then_some(f))
            .max_results(DOCUMENTS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListDocuments", e))?;
        Ok(Page {
            items: out
                .document_identifiers()
                .iter()
                .map(|d| summary(scope, d))
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// Every document matching `query` (all pages, up to 2000 documents).
    pub async fn list_all_documents(
        &self,
        scope: ScopeId,
        query: &DocumentQuery,
    ) -> Result<Vec<DocumentSummary>, AwsError> {
        let mut all = Vec::new();
        let mut token = None;
        for _ in 0..MAX_DOCUMENT_PAGES {
            let page = self.list_documents(scope, query, token).await?;
            all.extend(page.items);
            match page.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        Ok(all)
    }

    /// DescribeDocument: a document (by name or ARN) with its parameters. `version` is a
    /// version number, `$LATEST`, `$DEFAULT` or a version name; `None` is the default
    /// version.
    pub async fn describe_document(
        &self,
        scope: ScopeId,
        name: &str,
        version: Option<&str>,
    ) -> Result<DocumentDescription, AwsError> {
        let mut req = self.client.describe_document().name(name);
        match version {
            Some(v) if is_version_number(v) => req = req.document_version(v),
            Some(v) => req = req.version_name(v),
            None => {}
        }
        let out = req
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeDocument", e))?;
        out.document()
            .map(|d| description(scope, d))
            .ok_or_else(|| AwsError::new(ErrorKind::Server, "ssm:DescribeDocument: no document"))
    }

    /// GetDocument: a document's content. `version` as for `describe_document`; `format`
    /// (`JSON`, `YAML`) asks for a conversion, `None` returns it as stored.
    pub async fn get_document(
        &self,
        name: &str,
        version: Option<&str>,
        format: Option<&str>,
    ) -> Result<DocumentContent, AwsError> {
        let mut req = self.client.get_document().name(name);
        match version {
            Some(v) if is_version_number(v) => req = req.document_version(v),
            Some(v) => req = req.version_name(v),
            None => {}
        }
        if let Some(f) = format {
            req = req.document_format(aws_sdk_ssm::types::DocumentFormat::from(f));
        }
        let out = req
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetDocument", e))?;
        Ok(DocumentContent {
            name: text(out.name()),
            display_name: text(out.display_name()),
            document_version: text(out.document_version()),
            version_name: text(out.version_name()),
            status: text(out.status().map(|s| s.as_str())),
            document_type: text(out.document_type().map(|t| t.as_str())),
            document_format: text(out.document_format().map(|f| f.as_str())),
            content: text(out.content()),
        })
    }

    /// One page of ListDocumentVersions of a document, newest first as AWS lists them.
    pub async fn list_document_versions(
        &self,
        name: &str,
        token: Option<String>,
    ) -> Result<Page<DocumentVersion>, AwsError> {
        let out = self
            .client
            .list_document_versions()
            .name(name)
            .max_results(DOCUMENTS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:ListDocumentVersions", e))?;
        Ok(Page {
            items: out
                .document_versions()
                .iter()
                .map(|v| DocumentVersion {
                    name: text(v.name()),
                    display_name: text(v.display_name()),
                    document_version: text(v.document_version()),
                    version_name: text(v.version_name()),
                    created: time(v.created_date()),
                    is_default_version: v.is_default_version(),
                    document_format: text(v.document_format().map(|f| f.as_str())),
                    status: text(v.status().map(|s| s.as_str())),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_becomes_filters() {
        let q = DocumentQuery {
            owner: Some("Self".into()),
            document_types: vec!["Command".into(), "Automation".into()],
            ..DocumentQuery::default()
        };
        let f = filters(&q);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].key(), Some("Owner"));
        assert_eq!(f[1].values(), ["Command", "Automation"]);
        assert!(filters(&DocumentQuery::default()).is_empty());
        assert!(is_version_number("3") && is_version_number("$LATEST"));
        assert!(!is_version_number("v2.1"));
    }
}
