//! The catalog exports, as the catalog feeds group them: `export parameters`,
//! `export baselines` and `export documents` — Parameter Store parameters (SecureString
//! values only with `--with-decryption`), patch baselines with their approval rules and
//! patch groups, and the documents every scope sees.

use std::collections::HashMap;

use serde::Serialize;

use super::{Record, Row, ScopeColumns, time};
use crate::aws::AwsError;
use crate::model::{DocumentSummary, ParameterMeta, PatchBaseline, Scope};
use crate::poll::{ScopeFeed, fetch_parameter_values, fetch_parameters};

/// A parameter and, unless it is a SecureString exported without decryption, its value.
#[derive(Debug, Serialize)]
pub(super) struct ParameterRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    name: &'a str,
    #[serde(rename = "type")]
    param_type: &'a str,
    tier: &'a str,
    data_type: &'a str,
    version: i64,
    last_modified: Option<String>,
    last_modified_user: &'a str,
    description: &'a str,
    key_id: &'a str,
    /// `None` for a SecureString without `--with-decryption`.
    value: Option<String>,
}

impl Record for ParameterRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(&[
            "name",
            "type",
            "tier",
            "data_type",
            "version",
            "last_modified",
            "last_modified_user",
            "description",
            "key_id",
            "value",
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
            self.name.into(),
            self.param_type.into(),
            self.tier.into(),
            self.data_type.into(),
            self.version.to_string(),
            self.last_modified.clone().unwrap_or_default(),
            self.last_modified_user.into(),
            self.description.into(),
            self.key_id.into(),
            self.value.clone().unwrap_or_default(),
        ])
    }
}

/// A parameter's metadata with the value read for it (already stripped of any
/// SecureString plaintext unless decryption was asked for).
pub(super) struct ParameterRow {
    meta: ParameterMeta,
    value: Option<String>,
}

/// A scope's parameters with their values. SecureString values are left out (empty) unless
/// `with_decryption`; the ciphertext is never written either.
pub(super) async fn parameter_rows(
    feed: &ScopeFeed,
    with_decryption: bool,
) -> Result<Vec<ParameterRow>, AwsError> {
    let metas = fetch_parameters(feed).await?;
    let values = fetch_parameter_values(feed, with_decryption).await?;
    let mut by_name: HashMap<String, Option<String>> = values
        .into_iter()
        .map(|v| {
            let value = match (&v.secret, v.is_secure()) {
                (Some(s), _) if with_decryption => Some(s.expose().to_string()),
                (_, true) => None,
                (_, false) => Some(v.value),
            };
            (v.name, value)
        })
        .collect();
    Ok(metas
        .into_iter()
        .map(|meta| {
            let value = by_name.remove(&meta.name).flatten();
            let value = if meta.is_secure() && !with_decryption {
                None
            } else {
                value
            };
            ParameterRow { meta, value }
        })
        .collect())
}

impl Row for ParameterRow {
    type Rec<'a> = ParameterRecord<'a>;
    fn key(&self) -> &str {
        &self.meta.name
    }
    fn records<'a>(&'a self, s: &'a Scope) -> impl Iterator<Item = ParameterRecord<'a>> {
        let p = &self.meta;
        std::iter::once(ParameterRecord {
            scope: ScopeColumns::new(s),
            name: &p.name,
            param_type: &p.param_type,
            tier: &p.tier,
            data_type: &p.data_type,
            version: p.version,
            last_modified: time(p.last_modified),
            last_modified_user: &p.last_modified_user,
            description: &p.description,
            key_id: &p.key_id,
            value: self.value.clone(),
        })
    }
}

#[derive(Debug, Serialize)]
pub(super) struct BaselineRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    baseline_id: &'a str,
    name: &'a str,
    operating_system: &'a str,
    default_baseline: bool,
    description: &'a str,
    global_filters: Vec<String>,
    approval_rules: Vec<String>,
    approved_patches: &'a [String],
    rejected_patches: &'a [String],
    rejected_patches_action: &'a str,
    patch_groups: &'a [String],
    modified: Option<String>,
}

impl<'a> BaselineRecord<'a> {
    fn new(s: &'a Scope, b: &'a PatchBaseline) -> Self {
        BaselineRecord {
            scope: ScopeColumns::new(s),
            baseline_id: &b.id,
            name: &b.name,
            operating_system: &b.operating_system,
            default_baseline: b.default_baseline,
            description: &b.description,
            global_filters: b.global_filters.iter().map(|f| f.text()).collect(),
            approval_rules: b
                .rules
                .iter()
                .map(|r| {
                    let f: Vec<String> = r.filters.iter().map(|f| f.text()).collect();
                    format!(
                        "{} approve {} compliance {}",
                        f.join(" "),
                        r.approval(),
                        r.compliance_level
                    )
                })
                .collect(),
            approved_patches: &b.approved_patches,
            rejected_patches: &b.rejected_patches,
            rejected_patches_action: &b.rejected_action,
            patch_groups: &b.patch_groups,
            modified: time(b.modified),
        }
    }
}

impl Record for BaselineRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(&[
            "baseline_id",
            "name",
            "operating_system",
            "default_baseline",
            "description",
            "global_filters",
            "approval_rules",
            "approved_patches",
            "rejected_patches",
            "rejected_patches_action",
            "patch_groups",
            "modified",
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
            self.baseline_id.into(),
            self.name.into(),
            self.operating_system.into(),
            self.default_baseline.to_string(),
            self.description.into(),
            self.global_filters.join(";"),
            self.approval_rules.join(";"),
            self.approved_patches.join(";"),
            self.rejected_patches.join(";"),
            self.rejected_patches_action.into(),
            self.patch_groups.join(";"),
            self.modified.clone().unwrap_or_default(),
        ])
    }
}

impl Row for PatchBaseline {
    type Rec<'a> = BaselineRecord<'a>;
    fn key(&self) -> &str {
        &self.name
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = BaselineRecord<'a>> {
        std::iter::once(BaselineRecord::new(scope, self))
    }
}

#[derive(Debug, Serialize)]
pub(super) struct DocumentRecord<'a> {
    #[serde(flatten)]
    scope: ScopeColumns<'a>,
    name: &'a str,
    document_type: &'a str,
    owner: &'a str,
    document_version: &'a str,
    version_name: &'a str,
    document_format: &'a str,
    schema_version: &'a str,
    platform_types: &'a [String],
    target_type: &'a str,
    created: Option<String>,
}

impl<'a> DocumentRecord<'a> {
    fn new(s: &'a Scope, d: &'a DocumentSummary) -> Self {
        DocumentRecord {
            scope: ScopeColumns::new(s),
            name: &d.name,
            document_type: &d.document_type,
            owner: &d.owner,
            document_version: &d.document_version,
            version_name: &d.version_name,
            document_format: &d.document_format,
            schema_version: &d.schema_version,
            platform_types: &d.platform_types,
            target_type: &d.target_type,
            created: time(d.created),
        }
    }
}

impl Record for DocumentRecord<'_> {
    fn columns(_: &[Self]) -> Vec<String> {
        ScopeColumns::header(&[
            "name",
            "document_type",
            "owner",
            "document_version",
            "version_name",
            "document_format",
            "schema_version",
            "platform_types",
            "target_type",
            "created",
        ])
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        self.scope.row(vec![
            self.name.into(),
            self.document_type.into(),
            self.owner.into(),
            self.document_version.into(),
            self.version_name.into(),
            self.document_format.into(),
            self.schema_version.into(),
            self.platform_types.join(";"),
            self.target_type.into(),
            self.created.clone().unwrap_or_default(),
        ])
    }
}

impl Row for DocumentSummary {
    type Rec<'a> = DocumentRecord<'a>;
    fn key(&self) -> &str {
        &self.name
    }
    fn records<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = DocumentRecord<'a>> {
        std::iter::once(DocumentRecord::new(scope, self))
    }
}
