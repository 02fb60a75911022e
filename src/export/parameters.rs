//! `export parameters`, `export baselines` and `export documents`: Parameter Store
//! parameters (SecureString values only with `--with-decryption`), patch baselines with
//! their approval rules and patch groups, and the documents every scope sees.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use super::{ExportError, ExportSummary, Format, Record, poll_scopes, time, write_records};
use crate::aws::AwsOptions;
use crate::config::AccountsConfig;
use crate::model::{DocumentSummary, ParameterMeta, PatchBaseline, Scope};
use crate::poll::{
    PollOptions, fetch_baselines, fetch_documents, fetch_parameter_values, fetch_parameters,
};

/// A parameter and, unless it is a SecureString exported without decryption, its value.
#[derive(Debug, Serialize)]
struct ParameterRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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
        [
            "account_id",
            "account_name",
            "region",
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
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
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
        ]
    }
}

/// A parameter's metadata with the value read for it (already stripped of any
/// SecureString plaintext unless decryption was asked for).
struct ParameterRow {
    meta: ParameterMeta,
    value: Option<String>,
}

/// Every parameter of every scope. SecureString values are left out (empty) unless
/// `with_decryption`; the ciphertext is never written either.
pub async fn export_parameters(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    with_decryption: bool,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, move |feed| async move {
        let metas = fetch_parameters(&feed).await?;
        let values = fetch_parameter_values(&feed, with_decryption).await?;
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
    })
    .await?;
    write_records(
        &done,
        |r| r.meta.name.as_str(),
        |s: &Scope, r: &ParameterRow| {
            let p = &r.meta;
            [ParameterRecord {
                account_id: &s.account.id,
                account_name: &s.account.name,
                region: &s.region,
                name: &p.name,
                param_type: &p.param_type,
                tier: &p.tier,
                data_type: &p.data_type,
                version: p.version,
                last_modified: time(p.last_modified),
                last_modified_user: &p.last_modified_user,
                description: &p.description,
                key_id: &p.key_id,
                value: r.value.clone(),
            }]
        },
        format,
        out,
        summary,
    )
}

#[derive(Debug, Serialize)]
struct BaselineRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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
            account_id: &s.account.id,
            account_name: &s.account.name,
            region: &s.region,
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
        [
            "account_id",
            "account_name",
            "region",
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
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
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
        ]
    }
}

/// Every patch baseline of every scope (the account's and AWS's), in full.
pub async fn export_baselines(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        Ok(fetch_baselines(&feed).await?.0)
    })
    .await?;
    write_records(
        &done,
        |b| b.name.as_str(),
        |s, b| [BaselineRecord::new(s, b)],
        format,
        out,
        summary,
    )
}

#[derive(Debug, Serialize)]
struct DocumentRecord<'a> {
    account_id: &'a str,
    account_name: &'a str,
    region: &'a str,
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
            account_id: &s.account.id,
            account_name: &s.account.name,
            region: &s.region,
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
        [
            "account_id",
            "account_name",
            "region",
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
        ]
        .map(String::from)
        .to_vec()
    }

    fn fields(&self, _: &[String]) -> Vec<String> {
        vec![
            self.account_id.into(),
            self.account_name.into(),
            self.region.into(),
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
        ]
    }
}

/// Every document every scope sees: its own, AWS's and shared ones.
pub async fn export_documents(
    aws: &AwsOptions,
    accounts: &AccountsConfig,
    poll: &PollOptions,
    format: Format,
    allow_partial: bool,
    out: &mut dyn Write,
) -> Result<ExportSummary, ExportError> {
    let (done, summary) = poll_scopes(aws, accounts, poll, allow_partial, |feed| async move {
        fetch_documents(&feed).await
    })
    .await?;
    write_records(
        &done,
        |d| d.name.as_str(),
        |s, d| [DocumentRecord::new(s, d)],
        format,
        out,
        summary,
    )
}
