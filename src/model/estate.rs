use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{ManagedNode, Scope, ScopeId};

/// How a scope's feed stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeHealth {
    /// Not answered yet.
    Pending,
    /// The last poll succeeded.
    Fresh,
    /// The last poll failed; the last good data (if any) is kept.
    Failed,
}

/// One scope and the state of its feed.
#[derive(Debug, Clone)]
pub struct ScopeState {
    pub scope: Scope,
    pub health: ScopeHealth,
    pub last_success: Option<DateTime<Utc>>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The error of the last failed poll, user-facing text.
    pub error: Option<String>,
}

/// What the pollers tell the app. Plain data: the app applies it to its [`Estate`].
#[derive(Debug, Clone)]
pub enum FeedEvent {
    /// The scopes to watch are known. Replaces every scope (and drops their nodes).
    /// `note` says how they were found (e.g. "organization: 12 accounts").
    ScopesDiscovered {
        scopes: Vec<Scope>,
        note: Option<String>,
    },
    /// Discovery itself failed: nothing can be polled.
    DiscoveryFailed { error: String },
    /// A complete poll of a scope's managed nodes. Replaces that scope's nodes.
    NodesLoaded {
        scope: ScopeId,
        nodes: Vec<ManagedNode>,
        at: DateTime<Utc>,
    },
    /// Tags for some nodes of a scope: (instance id, sorted tags).
    TagsLoaded {
        scope: ScopeId,
        tags: Vec<(String, Vec<(String, String)>)>,
    },
    /// A poll of a scope failed; its last good data stays.
    ScopeFailed {
        scope: ScopeId,
        error: String,
        at: DateTime<Utc>,
    },
}

/// The merged snapshot of every scope: nodes and per-scope freshness.
#[derive(Debug, Default, Clone)]
pub struct Estate {
    scopes: Vec<ScopeState>,
    nodes: Vec<Vec<ManagedNode>>,
    /// How scopes were found, for the status bar.
    pub discovery_note: Option<String>,
    /// Set when discovery failed.
    pub discovery_error: Option<String>,
    /// Bumped whenever the node set or a node changes; views re-index when it moves.
    generation: u64,
}

/// Counts of scopes by health, for the status bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthCounts {
    pub total: usize,
    pub fresh: usize,
    pub failed: usize,
    pub pending: usize,
}

impl Estate {
    pub fn new() -> Estate {
        Estate::default()
    }

    /// An estate with these scopes, all pending.
    pub fn with_scopes(scopes: Vec<Scope>) -> Estate {
        let mut e = Estate::new();
        e.set_scopes(scopes);
        e
    }

    fn set_scopes(&mut self, scopes: Vec<Scope>) {
        self.nodes = scopes.iter().map(|_| Vec::new()).collect();
        self.scopes = scopes
            .into_iter()
            .map(|scope| ScopeState {
                scope,
                health: ScopeHealth::Pending,
                last_success: None,
                last_attempt: None,
                error: None,
            })
            .collect();
        self.generation += 1;
    }

    pub fn scopes(&self) -> &[ScopeState] {
        &self.scopes
    }

    pub fn scope(&self, id: ScopeId) -> Option<&ScopeState> {
        self.scopes.get(id as usize)
    }

    /// The nodes of one scope.
    pub fn scope_nodes(&self, id: ScopeId) -> &[ManagedNode] {
        self.nodes
            .get(id as usize)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every node of every scope, scope by scope.
    pub fn nodes(&self) -> impl Iterator<Item = &ManagedNode> {
        self.nodes.iter().flatten()
    }

    /// Node `idx` of scope `scope`.
    pub fn node(&self, scope: ScopeId, idx: u32) -> Option<&ManagedNode> {
        self.nodes.get(scope as usize)?.get(idx as usize)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.iter().map(Vec::len).sum()
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn health_counts(&self) -> HealthCounts {
        let mut c = HealthCounts {
            total: self.scopes.len(),
            ..HealthCounts::default()
        };
        for s in &self.scopes {
            match s.health {
                ScopeHealth::Pending => c.pending += 1,
                ScopeHealth::Fresh => c.fresh += 1,
                ScopeHealth::Failed => c.failed += 1,
            }
        }
        c
    }

    /// Applies one event. Returns whether anything visible changed.
    pub fn apply(&mut self, event: FeedEvent) -> bool {
        match event {
            FeedEvent::ScopesDiscovered { scopes, note } => {
                self.set_scopes(scopes);
                self.discovery_note = note;
                self.discovery_error = None;
                true
            }
            FeedEvent::DiscoveryFailed { error } => {
                self.discovery_error = Some(error);
                true
            }
            FeedEvent::NodesLoaded { scope, nodes, at } => {
                let Some(state) = self.scopes.get_mut(scope as usize) else {
                    return false;
                };
                state.health = ScopeHealth::Fresh;
                state.last_success = Some(at);
                state.last_attempt = Some(at);
                state.error = None;
                let slot = &mut self.nodes[scope as usize];
                let mut old: HashMap<String, Vec<(String, String)>> = std::mem::take(slot)
                    .into_iter()
                    .filter_map(|n| n.tags.map(|t| (n.instance_id, t)))
                    .collect();
                *slot = nodes
                    .into_iter()
                    .map(|mut n| {
                        n.scope = scope;
                        if n.tags.is_none() {
                            n.tags = old.remove(&n.instance_id);
                        }
                        n
                    })
                    .collect();
                self.generation += 1;
                true
            }
            FeedEvent::TagsLoaded { scope, tags } => {
                let Some(slot) = self.nodes.get_mut(scope as usize) else {
                    return false;
                };
                let mut by_id: HashMap<String, Vec<(String, String)>> = tags.into_iter().collect();
                let mut changed = false;
                for n in slot.iter_mut() {
                    if let Some(t) = by_id.remove(&n.instance_id)
                        && n.tags.as_ref() != Some(&t)
                    {
                        n.tags = Some(t);
                        changed = true;
                    }
                }
                if changed {
                    self.generation += 1;
                }
                changed
            }
            FeedEvent::ScopeFailed { scope, error, at } => {
                let Some(state) = self.scopes.get_mut(scope as usize) else {
                    return false;
                };
                state.health = ScopeHealth::Failed;
                state.last_attempt = Some(at);
                state.error = Some(error);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Account;

    fn scope(id: &str, region: &str) -> Scope {
        Scope {
            account: Account {
                id: id.into(),
                name: format!("acct-{id}"),
            },
            region: region.into(),
        }
    }

    #[test]
    fn failed_poll_keeps_last_good_nodes() {
        let mut e = Estate::with_scopes(vec![scope("111111111111", "eu-west-1")]);
        let at = Utc::now();
        e.apply(FeedEvent::NodesLoaded {
            scope: 0,
            nodes: vec![ManagedNode::new(0, "i-1"), ManagedNode::new(0, "i-2")],
            at,
        });
        e.apply(FeedEvent::ScopeFailed {
            scope: 0,
            error: "Throttled".into(),
            at,
        });
        assert_eq!(e.node_count(), 2);
        assert_eq!(e.scopes()[0].health, ScopeHealth::Failed);
        assert_eq!(e.scopes()[0].last_success, Some(at));
        assert_eq!(e.health_counts().failed, 1);
    }

    #[test]
    fn tags_survive_a_node_reload() {
        let mut e = Estate::with_scopes(vec![scope("111111111111", "eu-west-1")]);
        let at = Utc::now();
        e.apply(FeedEvent::NodesLoaded {
            scope: 0,
            nodes: vec![ManagedNode::new(0, "i-1")],
            at,
        });
        e.apply(FeedEvent::TagsLoaded {
            scope: 0,
            tags: vec![("i-1".into(), vec![("Name".into(), "web-1".into())])],
        });
        e.apply(FeedEvent::NodesLoaded {
            scope: 0,
            nodes: vec![ManagedNode::new(0, "i-1"), ManagedNode::new(0, "i-3")],
            at,
        });
        assert_eq!(e.node(0, 0).map(|n| n.name()), Some("web-1"));
        assert_eq!(e.node(0, 1).map(|n| n.name()), Some(""));
    }

    #[test]
    fn events_for_unknown_scopes_are_ignored() {
        let mut e = Estate::new();
        assert!(!e.apply(FeedEvent::ScopeFailed {
            scope: 7,
            error: "x".into(),
            at: Utc::now()
        }));
    }
}
