//! Parameter Store: parameters as DescribeParameters lists them, their history, and
//! values fetched on demand. SecureString plaintext only ever lives in a [`SecretValue`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// A parameter's metadata (DescribeParameters). Never holds a value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterMeta {
    #[serde(skip)]
    pub scope: ScopeId,
    pub name: String,
    /// `String`, `StringList` or `SecureString`.
    pub param_type: String,
    /// `Standard`, `Advanced` or `Intelligent-Tiering`.
    pub tier: String,
    /// `text`, `aws:ec2:image`, `aws:ssm:integration`.
    pub data_type: String,
    pub version: i64,
    pub last_modified: Option<DateTime<Utc>>,
    pub last_modified_user: String,
    pub description: String,
    /// KMS key of a SecureString.
    pub key_id: String,
    pub allowed_pattern: String,
}

impl ParameterMeta {
    pub fn is_secure(&self) -> bool {
        self.param_type == "SecureString"
    }

    /// The path the parameter sits in: `/app/x/prod` for `/app/x/prod/db`, `/` at the top.
    pub fn parent(&self) -> &str {
        parent_path(&self.name)
    }

    /// The last level of the name.
    pub fn leaf(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }
}

/// The path a name sits in (`/` for top-level names, with or without a leading slash).
pub fn parent_path(name: &str) -> &str {
    match name.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &name[..i],
    }
}

/// A SecureString's plaintext. Its `Debug` never shows the value, and it is never
/// serialised; read it with [`SecretValue::expose`] where it is meant to be seen.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> SecretValue {
        SecretValue(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// A parameter value as read. For a SecureString read without decryption, `value` is
/// empty (the ciphertext is dropped) and `masked` is true; read with decryption, the
/// plaintext is in `secret`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterValue {
    pub name: String,
    pub param_type: String,
    pub version: i64,
    /// Plain value of a String or StringList.
    pub value: String,
    pub secret: Option<SecretValue>,
    pub masked: bool,
    pub data_type: String,
    pub last_modified: Option<DateTime<Utc>>,
}

impl ParameterValue {
    pub fn is_secure(&self) -> bool {
        self.param_type == "SecureString"
    }
}

/// One version of a parameter (GetParameterHistory, read without decryption: the value
/// of a SecureString version is left empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterVersion {
    pub version: i64,
    pub param_type: String,
    pub tier: String,
    pub data_type: String,
    /// Empty for SecureString versions.
    pub value: String,
    pub labels: Vec<String>,
    pub description: String,
    pub key_id: String,
    pub last_modified: Option<DateTime<Utc>>,
    pub last_modified_user: String,
}

/// A parameter's versions, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterHistory {
    pub scope: ScopeId,
    pub name: String,
    pub versions: Vec<ParameterVersion>,
    pub at: DateTime<Utc>,
}

impl ParameterHistory {
    /// The newest version.
    pub fn current(&self) -> Option<&ParameterVersion> {
        self.versions.iter().max_by_key(|v| v.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = SecretValue::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn parents() {
        assert_eq!(parent_path("/app/x/prod/db"), "/app/x/prod");
        assert_eq!(parent_path("/top"), "/");
        assert_eq!(parent_path("plain"), "/");
    }
}
