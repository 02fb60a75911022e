/// Where a Session Manager session stands, as shown on its tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    Connecting,
    Live,
    Reconnecting { attempt: u32 },
    Closed { reason: String },
}
