//! The estate's Parameter Store, patch baselines and documents, per scope, and what is
//! fetched of them on demand: parameter histories and values, a node's patches, a
//! document in full. Revealed SecureString plaintext is kept only until forgotten.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::super::{
    DocumentContent, DocumentDescription, DocumentSummary, DocumentVersion, Feed, NodePatch,
    ParameterHistory, ParameterMeta, ParameterRule, ParameterValue, PatchBaseline,
    PatchGroupMapping, ScopeId,
};
use super::{DetailRequest, Estate, FeedEvent, with_scope};

/// One document in full.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentDetail {
    pub scope: ScopeId,
    pub description: DocumentDescription,
    pub content: DocumentContent,
    pub versions: Vec<DocumentVersion>,
    /// What the document allows of its parameters (from its content).
    pub parameter_rules: Vec<ParameterRule>,
}

/// What was fetched on demand.
#[derive(Debug, Clone, Default)]
pub(super) struct Details {
    histories: HashMap<(ScopeId, String), ParameterHistory>,
    /// Values read, by (scope, name, version asked for).
    values: HashMap<(ScopeId, String, Option<i64>), ParameterValue>,
    node_patches: HashMap<(ScopeId, String), (Vec<NodePatch>, DateTime<Utc>)>,
    documents: HashMap<(ScopeId, String), DocumentDetail>,
}

impl Estate {
    pub(super) fn apply_catalog(&mut self, event: FeedEvent) -> bool {
        match event {
            FeedEvent::ParametersLoaded { scope, items, at } => {
                if !self.loaded(scope, Feed::Parameters, at) {
                    return false;
                }
                self.data[scope as usize].parameters = with_scope(items, scope, |p, s| p.scope = s);
                self.bump(Feed::Parameters);
            }
            FeedEvent::BaselinesLoaded {
                scope,
                baselines,
                groups,
                at,
            } => {
                if !self.loaded(scope, Feed::Baselines, at) {
                    return false;
                }
                let d = &mut self.data[scope as usize];
                d.baselines = with_scope(baselines, scope, |b, s| b.scope = s);
                d.patch_groups = with_scope(groups, scope, |g, s| g.scope = s);
                self.bump(Feed::Baselines);
            }
            FeedEvent::DocumentsLoaded { scope, items, at } => {
                if !self.loaded(scope, Feed::Documents, at) {
                    return false;
                }
                self.data[scope as usize].documents = with_scope(items, scope, |d, s| d.scope = s);
                self.bump(Feed::Documents);
            }
            FeedEvent::ParameterHistoryLoaded { history } => {
                self.detail_errors.remove(&DetailRequest::ParameterHistory {
                    scope: history.scope,
                    name: history.name.clone(),
                });
                self.catalog
                    .histories
                    .insert((history.scope, history.name.clone()), history);
                self.bump(Feed::Parameters);
            }
            FeedEvent::ParameterValueLoaded { scope, value } => {
                self.detail_errors.retain(|r, _| {
                    !matches!(r, DetailRequest::ParameterValue { scope: s, name, .. }
                        if *s == scope && *name == value.name)
                });
                self.catalog
                    .values
                    .insert((scope, value.name.clone(), Some(value.version)), value);
                self.bump(Feed::Parameters);
            }
            FeedEvent::NodePatchesLoaded {
                scope,
                instance_id,
                patches,
                at,
            } => {
                self.detail_errors.remove(&DetailRequest::NodePatches {
                    scope,
                    instance_id: instance_id.clone(),
                });
                self.catalog
                    .node_patches
                    .insert((scope, instance_id), (patches, at));
                self.bump(Feed::Baselines);
            }
            FeedEvent::DocumentLoaded { scope, detail } => {
                self.detail_errors.retain(|r, _| {
                    !matches!(r, DetailRequest::Document { scope: s, name, .. }
                        if *s == scope && (*name == detail.description.name
                            || name.ends_with(&format!("/{}", detail.description.name))))
                });
                self.catalog
                    .documents
                    .insert((scope, detail.description.name.clone()), *detail);
                self.bump(Feed::Documents);
            }
            _ => return false,
        }
        true
    }

    /// Parameters of one scope, by name.
    pub fn scope_parameters(&self, id: ScopeId) -> &[ParameterMeta] {
        self.data
            .get(id as usize)
            .map(|d| d.parameters.as_slice())
            .unwrap_or(&[])
    }

    /// Parameters of every scope, scope by scope.
    pub fn parameters(&self) -> impl Iterator<Item = &ParameterMeta> {
        self.data.iter().flat_map(|d| &d.parameters)
    }

    /// Patch baselines of one scope.
    pub fn scope_baselines(&self, id: ScopeId) -> &[PatchBaseline] {
        self.data
            .get(id as usize)
            .map(|d| d.baselines.as_slice())
            .unwrap_or(&[])
    }

    /// Patch baselines of every scope.
    pub fn baselines(&self) -> impl Iterator<Item = &PatchBaseline> {
        self.data.iter().flat_map(|d| &d.baselines)
    }

    /// Patch groups of one scope.
    pub fn scope_patch_groups(&self, id: ScopeId) -> &[PatchGroupMapping] {
        self.data
            .get(id as usize)
            .map(|d| d.patch_groups.as_slice())
            .unwrap_or(&[])
    }

    /// Patch groups of every scope.
    pub fn patch_groups(&self) -> impl Iterator<Item = &PatchGroupMapping> {
        self.data.iter().flat_map(|d| &d.patch_groups)
    }

    /// Documents of one scope.
    pub fn scope_documents(&self, id: ScopeId) -> &[DocumentSummary] {
        self.data
            .get(id as usize)
            .map(|d| d.documents.as_slice())
            .unwrap_or(&[])
    }

    /// Documents of every scope.
    pub fn documents(&self) -> impl Iterator<Item = &DocumentSummary> {
        self.data.iter().flat_map(|d| &d.documents)
    }

    /// A parameter's versions, once fetched.
    pub fn parameter_history(&self, scope: ScopeId, name: &str) -> Option<&ParameterHistory> {
        self.catalog.histories.get(&(scope, name.to_string()))
    }

    /// A value read of a parameter: of `version` if read, else the newest read.
    pub fn parameter_value(
        &self,
        scope: ScopeId,
        name: &str,
        version: i64,
    ) -> Option<&ParameterValue> {
        self.catalog
            .values
            .get(&(scope, name.to_string(), Some(version)))
            .or_else(|| {
                self.catalog
                    .values
                    .iter()
                    .filter(|((s, n, _), _)| *s == scope && n == name)
                    .max_by_key(|(_, v)| v.version)
                    .map(|(_, v)| v)
            })
    }

    /// Records a version this cockpit just wrote: the parameter's metadata says so and
    /// what was read of it is dropped. The next poll of the feed replaces it.
    pub fn parameter_put(
        &mut self,
        scope: ScopeId,
        name: &str,
        version: i64,
        at: DateTime<Utc>,
    ) -> bool {
        let Some(p) = self
            .data
            .get_mut(scope as usize)
            .and_then(|d| d.parameters.iter_mut().find(|p| p.name == name))
        else {
            return false;
        };
        p.version = p.version.max(version);
        p.last_modified = Some(at);
        self.catalog.histories.remove(&(scope, name.to_string()));
        self.catalog
            .values
            .retain(|(s, n, _), _| !(*s == scope && n == name));
        self.bump(Feed::Parameters);
        true
    }

    /// Drops every revealed SecureString plaintext.
    pub fn forget_secrets(&mut self) {
        self.catalog.values.retain(|_, v| v.secret.is_none());
    }

    /// The patches of one node and when they were read.
    pub fn node_patches(
        &self,
        scope: ScopeId,
        instance_id: &str,
    ) -> Option<(&[NodePatch], DateTime<Utc>)> {
        self.catalog
            .node_patches
            .get(&(scope, instance_id.to_string()))
            .map(|(p, at)| (p.as_slice(), *at))
    }

    /// A document in full, once fetched.
    pub fn document_detail(&self, scope: ScopeId, name: &str) -> Option<&DocumentDetail> {
        self.catalog.documents.get(&(scope, name.to_string()))
    }
}
