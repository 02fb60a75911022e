use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;

/// `PingStatus` of DescribeInstanceInformation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PingStatus {
    Online,
    ConnectionLost,
    Inactive,
    Unknown,
}

impl PingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PingStatus::Online => "Online",
            PingStatus::ConnectionLost => "ConnectionLost",
            PingStatus::Inactive => "Inactive",
            PingStatus::Unknown => "Unknown",
        }
    }

    pub fn parse(s: &str) -> PingStatus {
        match s {
            "Online" => PingStatus::Online,
            "ConnectionLost" => PingStatus::ConnectionLost,
            "Inactive" => PingStatus::Inactive,
            _ => PingStatus::Unknown,
        }
    }
}

/// `PlatformType` of DescribeInstanceInformation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PlatformType {
    Linux,
    Windows,
    MacOS,
    Unknown,
}

impl PlatformType {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformType::Linux => "Linux",
            PlatformType::Windows => "Windows",
            PlatformType::MacOS => "MacOS",
            PlatformType::Unknown => "Unknown",
        }
    }

    pub fn parse(s: &str) -> PlatformType {
        match s {
            "Linux" => PlatformType::Linux,
            "Windows" => PlatformType::Windows,
            "MacOS" => PlatformType::MacOS,
            _ => PlatformType::Unknown,
        }
    }
}

/// A managed node (an `InstanceInformation` of DescribeInstanceInformation, plus its tags).
///
/// Strings that AWS may omit are empty rather than optional: the table shows them blank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedNode {
    /// The scope (account, region) the node was read from.
    #[serde(skip)]
    pub scope: ScopeId,
    pub instance_id: String,
    pub ping_status: PingStatus,
    pub last_ping: Option<DateTime<Utc>>,
    pub agent_version: String,
    pub is_latest_version: Option<bool>,
    pub platform_type: PlatformType,
    pub platform_name: String,
    pub platform_version: String,
    pub resource_type: String,
    pub ip_address: String,
    pub computer_name: String,
    pub iam_role: String,
    pub registration_date: Option<DateTime<Utc>>,
    pub association_status: String,
    pub last_association_execution: Option<DateTime<Utc>>,
    pub source_id: String,
    pub source_type: String,
    /// Activation of a hybrid node.
    pub activation_id: String,
    /// The `Name` a hybrid node was registered with (DescribeInstanceInformation `Name`).
    pub registered_name: String,
    /// Tags (key, value), sorted by key; `None` until ListTagsForResource answered.
    pub tags: Option<Vec<(String, String)>>,
}

impl ManagedNode {
    /// A node with only its id set; the rest empty. Handy for builders and tests.
    pub fn new(scope: ScopeId, instance_id: impl Into<String>) -> ManagedNode {
        ManagedNode {
            scope,
            instance_id: instance_id.into(),
            ping_status: PingStatus::Unknown,
            last_ping: None,
            agent_version: String::new(),
            is_latest_version: None,
            platform_type: PlatformType::Unknown,
            platform_name: String::new(),
            platform_version: String::new(),
            resource_type: String::new(),
            ip_address: String::new(),
            computer_name: String::new(),
            iam_role: String::new(),
            registration_date: None,
            association_status: String::new(),
            last_association_execution: None,
            source_id: String::new(),
            source_type: String::new(),
            activation_id: String::new(),
            registered_name: String::new(),
            tags: None,
        }
    }

    /// The value of tag `key`, if tags are loaded and it is set.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .as_ref()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The `Name` tag; else the name a hybrid node was registered with; else "".
    pub fn name(&self) -> &str {
        self.tag("Name").unwrap_or(&self.registered_name)
    }

    /// True for hybrid (on-premises) nodes: `mi-` ids.
    pub fn is_hybrid(&self) -> bool {
        self.instance_id.starts_with("mi-")
    }
}
