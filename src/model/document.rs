use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// What ListDocuments is asked for. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentQuery {
    /// `Self`, `Amazon`, `Private`, `Public`, `ThirdParty` or `All`; `None` lists every
    /// document the caller can see.
    pub owner: Option<String>,
    /// `Command`, `Automation`, `Package`, `ChangeCalendar`, `Session`, ... (any of).
    pub document_types: Vec<String>,
    /// Name prefix (the `Name` filter key).
    pub name: Option<String>,
    /// `Linux`, `Windows`, `MacOS` (any of).
    pub platform_types: Vec<String>,
    /// Substring of the name (the `SearchKeyword` filter key).
    pub search_keyword: Option<String>,
}

/// A document as ListDocuments describes it (`DocumentIdentifier`).
///
/// Strings AWS may omit are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentSummary {
    #[serde(skip)]
    pub scope: ScopeId,
    pub name: String,
    pub display_name: String,
    /// `Amazon`, the owning account id, or another account's id for shared documents.
    pub owner: String,
    pub version_name: String,
    /// `Linux`, `Windows`, `MacOS`.
    pub platform_types: Vec<String>,
    /// The default version.
    pub document_version: String,
    /// `Command`, `Automation`, `Package`, `ChangeCalendar`, `Session`, ...
    pub document_type: String,
    pub schema_version: String,
    /// `JSON`, `YAML` or `TEXT`.
    pub document_format: String,
    pub target_type: String,
    pub author: String,
    pub created: Option<DateTime<Utc>>,
    pub tags: Vec<(String, String)>,
}

impl DocumentSummary {
    /// Shared by another account (neither AWS-owned nor the scope's own).
    pub fn is_shared(&self, own_account: &str) -> bool {
        self.owner != "Amazon" && self.owner != own_account
    }

    /// `arn:aws:ssm:REGION:OWNER:document/NAME` (no account for AWS-owned documents).
    /// Documents shared by another account must be named by this ARN in
    /// DescribeDocument, GetDocument, SendCommand, StartAutomationExecution, ...
    pub fn arn(&self, region: &str) -> String {
        let owner = if self.owner == "Amazon" {
            ""
        } else {
            &self.owner
        };
        format!("arn:aws:ssm:{region}:{owner}:document/{}", self.name)
    }

    /// What to name the document by in other calls: the ARN when it is shared by
    /// another account, else the name.
    pub fn reference(&self, region: &str, own_account: &str) -> String {
        if self.is_shared(own_account) {
            self.arn(region)
        } else {
            self.name.clone()
        }
    }
}

/// One parameter a document declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentParameter {
    pub name: String,
    /// `String`, `StringList`, `Integer`, `Boolean`, `MapList`, `StringMap`.
    pub param_type: String,
    pub description: String,
    /// The default, as text; `None` when the document gives none.
    pub default_value: Option<String>,
}

impl DocumentParameter {
    /// A parameter without a default must be given.
    pub fn required(&self) -> bool {
        self.default_value.is_none()
    }
}

/// A document in full, as DescribeDocument describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentDescription {
    #[serde(skip)]
    pub scope: ScopeId,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub owner: String,
    /// `Creating`, `Active`, `Updating`, `Deleting`, `Failed`.
    pub status: String,
    pub status_information: String,
    /// The version described.
    pub document_version: String,
    pub version_name: String,
    pub latest_version: String,
    pub default_version: String,
    pub document_type: String,
    pub document_format: String,
    pub schema_version: String,
    pub target_type: String,
    pub platform_types: Vec<String>,
    pub parameters: Vec<DocumentParameter>,
    pub hash: String,
    pub hash_type: String,
    pub author: String,
    pub created: Option<DateTime<Utc>>,
    pub tags: Vec<(String, String)>,
}

impl DocumentDescription {
    pub fn parameter(&self, name: &str) -> Option<&DocumentParameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

/// A document's content (GetDocument).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentContent {
    pub name: String,
    pub display_name: String,
    pub document_version: String,
    pub version_name: String,
    pub status: String,
    pub document_type: String,
    /// The format of `content`: `JSON`, `YAML` or `TEXT` (iCalendar for change calendars).
    pub document_format: String,
    pub content: String,
}

/// One version of a document (ListDocumentVersions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub name: String,
    pub display_name: String,
    pub document_version: String,
    pub version_name: String,
    pub created: Option<DateTime<Utc>>,
    pub is_default_version: bool,
    pub document_format: String,
    pub status: String,
}
