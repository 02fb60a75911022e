//! The sim's mutable state, shared by the operations that change it and those that read
//! it back.
//!
//! * Per (account, region) operational data: OpsItems, what `PutComplianceItems` and
//!   `PutInventory` stored, the Parameter Store. It lives in a registry keyed by the
//!   identity of the scope's cached node list (`Estate::nodes` returns the same `Arc` for
//!   the life of the estate), so each sim instance has its own state without the estate
//!   carrying it. A `Weak` to the node list keeps its allocation (and so the key) from
//!   being reused while the entry exists.
//! * Run Command and Automation ([`ActionSim`]): the commands and executions of each
//!   scope, the pace their steps advance at and the limit on scripts running at once. It
//!   is held by the sim's `SimKnobs`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Semaphore;

use super::estate::{Estate, Node};
use super::ops_items;
use super::records::{Command, Execution, OpsItem, ParameterStore};

/// Default time between two steps of a command or an automation.
pub(crate) const DEFAULT_PACE: Duration = Duration::from_millis(150);
/// Scripts running at once in one sim, over every command.
pub(crate) const MAX_PROCESSES: usize = 8;

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

// ---------------------------------------------------------------------------------------
// Operational data of each scope

/// A compliance item as `PutComplianceItems` stores it.
#[derive(Debug, Clone)]
pub(crate) struct PutItem {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub details: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PutCompliance {
    pub execution_time: f64,
    pub execution_id: Option<String>,
    pub execution_type: String,
    pub items: Vec<PutItem>,
}

/// An inventory item as `PutInventory` stores it.
#[derive(Debug, Clone)]
pub(crate) struct PutInventoryItem {
    pub schema_version: String,
    pub capture_time: String,
    pub content: Vec<serde_json::Map<String, Value>>,
}

/// What changes in one (account, region).
#[derive(Default)]
pub(crate) struct ScopeState {
    pub ops_items: Vec<OpsItem>,
    /// (resource id, compliance type) -> items put by `PutComplianceItems`.
    pub compliance: HashMap<(String, String), PutCompliance>,
    /// instance id -> type name -> item put by `PutInventory`.
    pub inventory: HashMap<String, BTreeMap<String, PutInventoryItem>>,
    /// Parameter Store, generated on first use.
    pub parameters: Option<ParameterStore>,
}

/// A scope's cached nodes and its mutable state.
pub(crate) type Scope = (Arc<Vec<Node>>, Arc<Mutex<ScopeState>>);

type Registry = HashMap<usize, (Weak<Vec<Node>>, Arc<Mutex<ScopeState>>)>;

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

/// The nodes and state of one scope; `None` for a region or account the estate lacks.
pub(crate) fn scope(estate: &Estate, account: usize, region: &str) -> Option<Scope> {
    if account >= estate.accounts.len() || !estate.regions.iter().any(|r| r == region) {
        return None;
    }
    let nodes = estate.nodes(account, region);
    let key = Arc::as_ptr(&nodes) as usize;
    let mut reg = lock(&REGISTRY);
    let map = reg.get_or_insert_with(HashMap::new);
    if let Some((weak, state)) = map.get(&key)
        && weak.upgrade().is_some_and(|n| Arc::ptr_eq(&n, &nodes))
    {
        return Some((nodes, state.clone()));
    }
    map.retain(|_, (w, _)| w.strong_count() > 0);
    let state = Arc::new(Mutex::new(ScopeState {
        ops_items: ops_items::generate(estate, account, region, &nodes),
        ..ScopeState::default()
    }));
    map.insert(key, (Arc::downgrade(&nodes), state.clone()));
    Some((nodes, state))
}

/// The scope of `account` and `region`; an estate region always has one, others get an
/// empty scope.
pub(crate) fn scope_or_empty(estate: &Estate, account: usize, region: &str) -> Scope {
    scope(estate, account, region).unwrap_or_else(|| {
        (
            Arc::new(Vec::new()),
            Arc::new(Mutex::new(ScopeState::default())),
        )
    })
}

pub(crate) fn state(s: &Mutex<ScopeState>) -> MutexGuard<'_, ScopeState> {
    lock(s)
}

// ---------------------------------------------------------------------------------------
// Run Command and Automation

/// Run Command and Automation state of one sim, and their knobs.
#[derive(Debug)]
pub(crate) struct ActionSim {
    pub(crate) pace_nanos: Arc<AtomicU64>,
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) processes: Arc<Semaphore>,
    /// Highest number of scripts that ran at once.
    pub(crate) peak_processes: Arc<AtomicUsize>,
    pub(crate) running: Arc<AtomicUsize>,
}

impl Default for ActionSim {
    fn default() -> Self {
        ActionSim {
            pace_nanos: Arc::new(AtomicU64::new(DEFAULT_PACE.as_nanos() as u64)),
            store: Arc::default(),
            processes: Arc::new(Semaphore::new(MAX_PROCESSES)),
            peak_processes: Arc::default(),
            running: Arc::default(),
        }
    }
}

/// (account index, region).
pub(crate) type ScopeKey = (usize, String);

/// Commands and automation executions of each (account, region), newest last. Each
/// list starts with a little past history, made by its operations on first use.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub commands: HashMap<ScopeKey, Vec<Command>>,
    pub automations: HashMap<ScopeKey, Vec<Execution>>,
}

/// The list of `account` and `region` in `lists`, made by `history` (from the scope's
/// nodes) on first use.
pub(crate) fn scope_list<'a, T>(
    lists: &'a mut HashMap<ScopeKey, Vec<T>>,
    estate: &Estate,
    account: usize,
    region: &str,
    history: impl FnOnce(&[Node]) -> Vec<T>,
) -> &'a mut Vec<T> {
    lists
        .entry((account, region.to_string()))
        .or_insert_with(|| history(&estate.nodes(account, region)))
}

/// Commands or executions kept per scope; the oldest finished ones go first.
pub(crate) const KEEP_PER_SCOPE: usize = 1000;

/// Drops the oldest finished entries beyond [`KEEP_PER_SCOPE`].
pub(crate) fn forget_oldest<T>(list: &mut Vec<T>, finished: impl Fn(&T) -> bool) {
    let mut excess = list.len().saturating_sub(KEEP_PER_SCOPE);
    if excess == 0 {
        return;
    }
    list.retain(|x| {
        if excess > 0 && finished(x) {
            excess -= 1;
            false
        } else {
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_finished_entries_are_forgotten() {
        let mut v: Vec<usize> = (0..KEEP_PER_SCOPE + 3).collect();
        forget_oldest(&mut v, |x| x % 2 == 1);
        assert_eq!(v.len(), KEEP_PER_SCOPE);
        assert_eq!(&v[..3], &[0, 2, 4]);
    }
}
