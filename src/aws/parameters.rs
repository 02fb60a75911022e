//! Parameter Store reads: DescribeParameters (metadata, never values), GetParameterHistory
//! (read without decryption) and GetParameter, decrypting only when asked to reveal.

use aws_sdk_ssm::types::ParameterStringFilter;

use crate::model::{ParameterMeta, ParameterValue, ParameterVersion, ScopeId, SecretValue};

use super::convert::{next_token, text, time};
use super::error::AwsError;
use super::nodes::{Page, SsmRead};

/// Largest page DescribeParameters allows.
pub const PARAMETERS_PAGE_SIZE: i32 = 50;
/// Largest page GetParametersByPath allows.
pub const BY_PATH_PAGE_SIZE: i32 = 10;
/// Largest page GetParameterHistory allows.
pub const HISTORY_PAGE_SIZE: i32 = 50;

/// A parameter as read: a SecureString's value only as a [`SecretValue`], and only when
/// `decrypt` (its plain `value` stays empty either way).
fn parameter_value(p: &aws_sdk_ssm::types::Parameter, decrypt: bool) -> ParameterValue {
    let param_type = p
        .r#type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let secure = param_type == "SecureString";
    ParameterValue {
        name: text(p.name()),
        version: p.version(),
        value: if secure {
            String::new()
        } else {
            text(p.value())
        },
        secret: (secure && decrypt).then(|| SecretValue::new(text(p.value()))),
        masked: secure && !decrypt,
        param_type,
        data_type: text(p.data_type()),
        last_modified: time(p.last_modified_date()),
    }
}

impl SsmRead {
    /// One page of DescribeParameters; with `path`, the parameters below it (recursive).
    pub async fn parameters_page(
        &self,
        scope: ScopeId,
        path: Option<&str>,
        token: Option<String>,
    ) -> Result<Page<ParameterMeta>, AwsError> {
        let filters = match path.filter(|p| *p != "/") {
            Some(p) => Some(vec![
                ParameterStringFilter::builder()
                    .key("Path")
                    .option("Recursive")
                    .values(p)
                    .build()
                    .map_err(|e| AwsError::new(super::ErrorKind::Other, e.to_string()))?,
            ]),
            None => None,
        };
        let out = self
            .client
            .describe_parameters()
            .set_parameter_filters(filters)
            .max_results(PARAMETERS_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:DescribeParameters", e))?;
        Ok(Page {
            items: out
                .parameters()
                .iter()
                .map(|p| ParameterMeta {
                    scope,
                    name: text(p.name()),
                    param_type: p
                        .r#type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    tier: p.tier().map(|t| t.as_str().to_string()).unwrap_or_default(),
                    data_type: text(p.data_type()),
                    version: p.version(),
                    last_modified: time(p.last_modified_date()),
                    last_modified_user: text(p.last_modified_user()),
                    description: text(p.description()),
                    key_id: text(p.key_id()),
                    allowed_pattern: text(p.allowed_pattern()),
                })
                .collect(),
            next: next_token(out.next_token()),
        })
    }

    /// Every parameter of the scope (DescribeParameters, all pages).
    pub async fn all_parameters(&self, scope: ScopeId) -> Result<Vec<ParameterMeta>, AwsError> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let page = self.parameters_page(scope, None, token).await?;
            all.extend(page.items);
            match page.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
    }

    /// Every version of a parameter, oldest first (GetParameterHistory without
    /// decryption: SecureString values are dropped).
    pub async fn parameter_history(&self, name: &str) -> Result<Vec<ParameterVersion>, AwsError> {
        let mut all = Vec::new();
        let mut token = None;
        loop {
            let out = self
                .client
                .get_parameter_history()
                .name(name)
                .with_decryption(false)
                .max_results(HISTORY_PAGE_SIZE)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk("ssm:GetParameterHistory", e))?;
            for h in out.parameters() {
                let param_type = h
                    .r#type()
                    .map(|t| t.as_str().to_string())
                    .unwrap_or_default();
                let secure = param_type == "SecureString";
                all.push(ParameterVersion {
                    version: h.version(),
                    tier: h.tier().map(|t| t.as_str().to_string()).unwrap_or_default(),
                    data_type: text(h.data_type()),
                    value: if secure {
                        String::new()
                    } else {
                        text(h.value())
                    },
                    param_type,
                    labels: h.labels().to_vec(),
                    description: text(h.description()),
                    key_id: text(h.key_id()),
                    last_modified: time(h.last_modified_date()),
                    last_modified_user: text(h.last_modified_user()),
                });
            }
            match next_token(out.next_token()) {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        all.sort_by_key(|v| v.version);
        Ok(all)
    }

    /// One parameter's value (GetParameter). `version` selects a version; `decrypt`
    /// asks for a SecureString's plaintext, which comes back only as a [`SecretValue`].
    pub async fn parameter_value(
        &self,
        name: &str,
        version: Option<i64>,
        decrypt: bool,
    ) -> Result<ParameterValue, AwsError> {
        let selected = match version {
            Some(v) => format!("{name}:{v}"),
            None => name.to_string(),
        };
        let out = self
            .client
            .get_parameter()
            .name(selected)
            .with_decryption(decrypt)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetParameter", e))?;
        let Some(p) = out.parameter() else {
            return Err(AwsError::new(
                super::ErrorKind::Other,
                format!("GetParameter returned no parameter for {name}"),
            ));
        };
        Ok(parameter_value(p, decrypt))
    }

    /// One page of GetParametersByPath below `path` (recursive). SecureString values are
    /// decrypted only with `decrypt`; without it they are dropped, never passed on.
    pub async fn parameter_values_page(
        &self,
        path: &str,
        decrypt: bool,
        token: Option<String>,
    ) -> Result<Page<ParameterValue>, AwsError> {
        let out = self
            .client
            .get_parameters_by_path()
            .path(path)
            .recursive(true)
            .with_decryption(decrypt)
            .max_results(BY_PATH_PAGE_SIZE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetParametersByPath", e))?;
        Ok(Page {
            items: out
                .parameters()
                .iter()
                .map(|p| parameter_value(p, decrypt))
                .collect(),
            next: next_token(out.next_token()),
        })
    }
}
