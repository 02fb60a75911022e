//! Where a form's document exists. The forms offer the documents of every account the
//! estate listed; a document of one account (not AWS-owned, not shared with the others)
//! cannot run in another. The form says in which accounts a document exists, and the
//! review refuses targets in scopes whose ListDocuments does not have it.

use std::collections::BTreeMap;

use crate::model::{Feed, Scope, ScopeId};

use super::App;

/// Names AWS keeps for its own documents: customers cannot create documents that start
/// with `AWS`, `Amazon` or `AMZN` (any case).
pub fn aws_reserved_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["aws", "amazon", "amzn"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// How a document is present in one scope's listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Own,
    Shared,
}

impl App {
    /// The scope's ListDocuments has answered (else nothing is known of its documents).
    fn documents_known(&self, scope: ScopeId) -> bool {
        !self.estate.scope_documents(scope).is_empty()
            || self
                .estate
                .feed_state(scope, Feed::Documents)
                .is_some_and(|f| f.last_success.is_some())
    }

    /// The document is AWS-owned: a reserved name, or listed with owner `Amazon`.
    fn aws_document(&self, name: &str) -> bool {
        aws_reserved_name(name)
            || self
                .estate
                .documents()
                .any(|d| d.name == name && d.owner == "Amazon")
    }

    /// Whether `name` is in the listing of `scope`: `None` when unknown (not listed yet,
    /// or named by ARN), `Some(None)` when absent.
    fn presence(&self, scope: ScopeId, name: &str) -> Option<Option<Presence>> {
        if !self.documents_known(scope) {
            return None;
        }
        let account = self
            .estate
            .scope(scope)
            .map(|s| s.scope.account.id.clone())
            .unwrap_or_default();
        Some(
            self.estate
                .scope_documents(scope)
                .iter()
                .find(|d| d.name == name)
                .map(|d| {
                    if d.is_shared(&account) {
                        Presence::Shared
                    } else {
                        Presence::Own
                    }
                }),
        )
    }

    /// In which accounts a document of the accounts exists, for the form:
    /// `in acme-dev (shared), acme-prod`; the regions are named when the account has it
    /// in only some of its regions. `None` for AWS documents and documents nobody listed.
    pub fn document_homes(&self, name: &str) -> Option<String> {
        if name.is_empty() || name.starts_with("arn:") || self.aws_document(name) {
            return None;
        }
        // account name -> (regions with it, regions known, shared)
        let mut accounts: BTreeMap<String, (Vec<String>, usize, bool)> = BTreeMap::new();
        for (i, s) in self.estate.scopes().iter().enumerate() {
            let Some(presence) = self.presence(i as ScopeId, name) else {
                continue;
            };
            let e = accounts.entry(s.scope.account.name.clone()).or_default();
            e.1 += 1;
            if let Some(p) = presence {
                e.0.push(s.scope.region.clone());
                e.2 |= p == Presence::Shared;
            }
        }
        let homes: Vec<String> = accounts
            .into_iter()
            .filter(|(_, (regions, _, _))| !regions.is_empty())
            .map(|(account, (regions, known, shared))| {
                let mut notes = Vec::new();
                if regions.len() < known {
                    notes.push(regions.join(", "));
                }
                if shared {
                    notes.push("shared".to_string());
                }
                if notes.is_empty() {
                    account
                } else {
                    format!("{account} ({})", notes.join(", "))
                }
            })
            .collect();
        if homes.is_empty() {
            return None;
        }
        Some(format!("in {}", homes.join(", ")))
    }

    /// How `scope` must name `document`: its ARN when another account shares it there.
    pub(super) fn document_ref_in(&self, scope: &Scope, document: &str) -> String {
        match self.scope_id_of(scope) {
            Some(id) => super::documents::document_ref(&self.estate, id, document),
            None => document.to_string(),
        }
    }

    /// Refuses a document that does not exist in some of `scopes` (unless it is AWS-owned
    /// or shared with them), naming the accounts it is missing from and those that have
    /// it. Scopes whose documents are not listed yet are not judged.
    pub(super) fn check_document_scopes(&self, name: &str, scopes: &[Scope]) -> Result<(), String> {
        if name.starts_with("arn:") || self.aws_document(name) {
            return Ok(());
        }
        let mut missing: Vec<&Scope> = Vec::new();
        for scope in scopes {
            let Some(id) = self.scope_id_of(scope) else {
                continue;
            };
            if let Some(None) = self.presence(id, name)
                && !missing.contains(&scope)
            {
                missing.push(scope);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        // Group by account: `acme-dev (210987654321)`, with the regions when the account
        // is targeted in regions that have it too.
        let mut by_account: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for s in &missing {
            by_account
                .entry((s.account.name.clone(), s.account.id.clone()))
                .or_default()
                .push(s.region.clone());
        }
        let names: Vec<String> = by_account
            .into_iter()
            .map(|((name, id), regions)| {
                let all_targeted_missing = scopes
                    .iter()
                    .filter(|s| s.account.id == id)
                    .all(|s| regions.contains(&s.region));
                if all_targeted_missing {
                    format!("{name} ({id})")
                } else {
                    format!("{name} ({id}) in {}", regions.join(", "))
                }
            })
            .collect();
        let homes = self
            .document_homes(name)
            .map(|h| format!(" — it exists {h}"))
            .unwrap_or_default();
        Err(format!(
            "{name} does not exist in {}{homes}: target only where it exists, or share it",
            names.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::aws_reserved_name;

    #[test]
    fn aws_names_are_reserved() {
        assert!(aws_reserved_name("AWS-RunShellScript"));
        assert!(aws_reserved_name("AWSSupport-ResetAccess"));
        assert!(aws_reserved_name("AmazonInspector-ManageAWSAgent"));
        assert!(!aws_reserved_name("Acme-Restart"));
    }
}
