//! Call counting: every call, failed or not, by operation and by account.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// A snapshot of the sim's call counts.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SimStats {
    pub total: u64,
    pub by_operation: BTreeMap<String, u64>,
    /// account id -> operation -> calls
    pub by_account: BTreeMap<String, BTreeMap<String, u64>>,
}

impl SimStats {
    /// Calls of one operation (e.g. `DescribeInstanceInformation`).
    pub fn count(&self, op: &str) -> u64 {
        self.by_operation.get(op).copied().unwrap_or(0)
    }
}

/// Account key for calls whose caller could not be identified.
pub(crate) const ANONYMOUS: &str = "anonymous";

#[derive(Default)]
pub(crate) struct Recorder {
    inner: Mutex<SimStats>,
}

impl Recorder {
    pub fn record(&self, op: &str, account: &str) {
        let mut s = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        s.total += 1;
        *s.by_operation.entry(op.to_string()).or_insert(0) += 1;
        *s.by_account
            .entry(account.to_string())
            .or_default()
            .entry(op.to_string())
            .or_insert(0) += 1;
    }

    pub fn snapshot(&self) -> SimStats {
        match self.inner.lock() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}
