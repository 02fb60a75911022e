//! JSON and flag payloads of the data channel (§3.2, §5.3, §6.2, §7, §9.2, §10.1).
//!
//! Field order of every `Serialize` type is the order the official client emits, so
//! `serde_json::to_vec` output is byte-exact with the test vectors.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::frame::Frame;

/// Version string reported to the agent (§13).
pub const CLIENT_VERSION: &str = "1.2.650.0";

/// `SessionType` values a shell client can handle (§2).
pub const SHELL_SESSION_TYPES: &[&str] = &[
    "Standard_Stream",
    "InteractiveCommands",
    "NonInteractiveCommands",
];

/// First text frame on a new WebSocket (§3.2). `Debug` redacts the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OpenDataChannelInput {
    pub message_schema_version: String,
    pub request_id: String,
    pub token_value: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_version: Option<String>,
}

impl OpenDataChannelInput {
    /// A fresh `RequestId`; `client_id` is the per-session id reused on reconnects.
    pub fn new(token: impl Into<String>, client_id: Uuid, client_version: &str) -> Self {
        Self {
            message_schema_version: "1.0".to_owned(),
            request_id: Uuid::new_v4().to_string(),
            token_value: token.into(),
            client_id: client_id.to_string(),
            client_version: Some(client_version.to_owned()),
        }
    }

    /// The text-frame body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl fmt::Debug for OpenDataChannelInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenDataChannelInput")
            .field("message_schema_version", &self.message_schema_version)
            .field("request_id", &self.request_id)
            .field("token_value", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("client_version", &self.client_version)
            .finish()
    }
}

/// Payload of an `acknowledge` message (§6.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AcknowledgeContent {
    pub acknowledged_message_type: String,
    pub acknowledged_message_id: String,
    pub acknowledged_message_sequence_number: i64,
    #[serde(default = "default_true")]
    pub is_sequential_message: bool,
}

impl AcknowledgeContent {
    /// The acknowledgement of a received stream message (§6.2).
    pub fn for_frame(frame: &Frame) -> Self {
        Self {
            acknowledged_message_type: frame.message_type.as_str().to_owned(),
            acknowledged_message_id: frame.message_id.to_string(),
            acknowledged_message_sequence_number: frame.sequence_number,
            is_sequential_message: true,
        }
    }
}

fn default_true() -> bool {
    true
}

/// `ActionType` of a handshake action (§7.2); unknown names are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ActionType {
    SessionType,
    KmsEncryption,
    Other(String),
}

impl From<String> for ActionType {
    fn from(name: String) -> Self {
        match name.as_str() {
            "SessionType" => Self::SessionType,
            "KMSEncryption" => Self::KmsEncryption,
            _ => Self::Other(name),
        }
    }
}

impl From<ActionType> for String {
    fn from(action: ActionType) -> Self {
        action.as_str().to_owned()
    }
}

impl ActionType {
    pub fn as_str(&self) -> &str {
        match self {
            Self::SessionType => "SessionType",
            Self::KmsEncryption => "KMSEncryption",
            Self::Other(name) => name,
        }
    }
}

/// `ActionStatus` of a processed action (§7.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "i64", into = "i64")]
pub enum ActionStatus {
    Success,
    Failed,
    Unsupported,
    Other(i64),
}

impl From<i64> for ActionStatus {
    fn from(value: i64) -> Self {
        match value {
            1 => Self::Success,
            2 => Self::Failed,
            3 => Self::Unsupported,
            other => Self::Other(other),
        }
    }
}

impl From<ActionStatus> for i64 {
    fn from(status: ActionStatus) -> Self {
        match status {
            ActionStatus::Success => 1,
            ActionStatus::Failed => 2,
            ActionStatus::Unsupported => 3,
            ActionStatus::Other(value) => value,
        }
    }
}

/// HandshakeRequest payload, agent → client (§7.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HandshakeRequest {
    #[serde(default)]
    pub agent_version: String,
    #[serde(default)]
    pub requested_client_actions: Vec<RequestedClientAction>,
}

/// One requested action; parameters stay free-form JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RequestedClientAction {
    pub action_type: ActionType,
    #[serde(default)]
    pub action_parameters: Value,
}

/// Parameters of the `SessionType` action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SessionTypeRequest {
    pub session_type: String,
    #[serde(default)]
    pub properties: Value,
}

impl HandshakeRequest {
    /// Parameters of the first `SessionType` action, if present and well-formed.
    pub fn session_type(&self) -> Option<SessionTypeRequest> {
        self.requested_client_actions
            .iter()
            .find(|a| a.action_type == ActionType::SessionType)
            .and_then(|a| serde_json::from_value(a.action_parameters.clone()).ok())
    }

    /// Whether the agent asks for KMS encryption (§8).
    pub fn requests_kms(&self) -> bool {
        self.requested_client_actions
            .iter()
            .any(|a| a.action_type == ActionType::KmsEncryption)
    }
}

/// HandshakeResponse payload, client → agent (§7.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HandshakeResponse {
    pub client_version: String,
    pub processed_client_actions: Vec<ProcessedClientAction>,
    pub errors: Option<Vec<String>>,
}

/// One processed action, in request order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessedClientAction {
    pub action_type: ActionType,
    pub action_status: ActionStatus,
    #[serde(default)]
    pub action_result: Option<Value>,
    #[serde(default)]
    pub error: String,
}

impl HandshakeResponse {
    /// Answers every requested action in order (§7.3): `SessionType` succeeds when it is
    /// in `supported`, otherwise fails; KMS encryption and unknown actions are declined
    /// as Unsupported (V8).
    pub fn answer(request: &HandshakeRequest, client_version: &str, supported: &[&str]) -> Self {
        let actions: Vec<ProcessedClientAction> = request
            .requested_client_actions
            .iter()
            .map(|action| {
                let (status, error) = match &action.action_type {
                    ActionType::SessionType => {
                        let session = serde_json::from_value::<SessionTypeRequest>(
                            action.action_parameters.clone(),
                        )
                        .ok();
                        match session {
                            Some(s) if supported.contains(&s.session_type.as_str()) => {
                                (ActionStatus::Success, String::new())
                            }
                            Some(s) => (
                                ActionStatus::Failed,
                                format!("Unsupported session type {}", s.session_type),
                            ),
                            None => (
                                ActionStatus::Failed,
                                "Invalid SessionType parameters".to_owned(),
                            ),
                        }
                    }
                    other => (
                        ActionStatus::Unsupported,
                        format!("Unsupported action {}", other.as_str()),
                    ),
                };
                ProcessedClientAction {
                    action_type: action.action_type.clone(),
                    action_status: status,
                    action_result: None,
                    error,
                }
            })
            .collect();
        let errors: Vec<String> = actions
            .iter()
            .filter(|a| !a.error.is_empty())
            .map(|a| a.error.clone())
            .collect();
        Self {
            client_version: client_version.to_owned(),
            processed_client_actions: actions,
            errors: (!errors.is_empty()).then_some(errors),
        }
    }

    /// True when every action succeeded; otherwise the agent ends the session (§7.3).
    pub fn is_success(&self) -> bool {
        self.processed_client_actions
            .iter()
            .all(|a| a.action_status == ActionStatus::Success)
    }
}

/// HandshakeComplete payload, agent → client (§7.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HandshakeComplete {
    /// Nanoseconds.
    #[serde(default)]
    pub handshake_time_to_complete: i64,
    #[serde(default)]
    pub customer_message: String,
}

/// EncChallengeRequest / EncChallengeResponse payload (§8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EncChallenge {
    pub challenge: String,
}

/// Terminal size payload (§9.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Size {
    pub cols: u32,
    pub rows: u32,
}

/// `channel_closed` payload (§10.1); every field is optional on input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ChannelClosed {
    pub message_id: String,
    pub created_date: String,
    pub destination_id: String,
    pub session_id: String,
    pub message_type: String,
    pub schema_version: i64,
    pub output: String,
}

impl ChannelClosed {
    /// The text to show the user (§10.1 step 1).
    pub fn user_message(&self) -> String {
        if self.output.is_empty() {
            format!("Exiting session with sessionId: {}", self.session_id)
        } else {
            format!("SessionId: {} : {}", self.session_id, self.output)
        }
    }
}

/// Flag payload values (§5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    DisconnectToPort,
    TerminateSession,
    ConnectToPortError,
    Other(u32),
}

impl Flag {
    pub fn to_u32(self) -> u32 {
        match self {
            Self::DisconnectToPort => 1,
            Self::TerminateSession => 2,
            Self::ConnectToPortError => 3,
            Self::Other(value) => value,
        }
    }

    pub fn from_u32(value: u32) -> Self {
        match value {
            1 => Self::DisconnectToPort,
            2 => Self::TerminateSession,
            3 => Self::ConnectToPortError,
            other => Self::Other(other),
        }
    }

    /// Four big-endian bytes.
    pub fn encode(self) -> [u8; 4] {
        self.to_u32().to_be_bytes()
    }

    /// `None` unless the payload is exactly four bytes.
    pub fn decode(payload: &[u8]) -> Option<Self> {
        let bytes: [u8; 4] = payload.try_into().ok()?;
        Some(Self::from_u32(u32::from_be_bytes(bytes)))
    }
}

/// Parses an ExitCode payload `EXIT_CODE: <n>` (§5.2).
pub fn parse_exit_code(payload: &[u8]) -> Option<i32> {
    let text = std::str::from_utf8(payload).ok()?;
    text.trim().strip_prefix("EXIT_CODE:")?.trim().parse().ok()
}
