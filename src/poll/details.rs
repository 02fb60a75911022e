//! On-demand fetches (one OpsItem, one node's inventory, a resource's compliance items, an
//! application query), answered by [`FeedEvent`]s and cached for a while.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use crate::model::{ApplicationQuery, DetailRequest, FeedEvent};

use super::scope::{
    ScopeFeed, fetch_applications, fetch_compliance_items, fetch_node_inventory,
    fetch_ops_item_detail,
};

/// Requests served at once.
const CONCURRENCY: usize = 8;
/// Scopes asked at once by an application query.
const QUERY_CONCURRENCY: usize = 16;

#[derive(Default)]
struct State {
    answers: HashMap<DetailRequest, (Instant, FeedEvent)>,
    in_flight: HashSet<DetailRequest>,
}

/// Serves requests until the request channel or the event receiver closes. An answer
/// younger than `ttl` is sent again without asking AWS.
pub(crate) async fn serve(
    mut requests: mpsc::UnboundedReceiver<DetailRequest>,
    feeds: Arc<Vec<Arc<ScopeFeed>>>,
    tx: mpsc::Sender<FeedEvent>,
    ttl: Duration,
) {
    let state = Arc::new(Mutex::new(State::default()));
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    loop {
        let req = tokio::select! {
            r = requests.recv() => match r {
                Some(r) => r,
                None => return,
            },
            _ = tx.closed() => return,
        };
        {
            let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, ev)) = s.answers.get(&req)
                && at.elapsed() < ttl
            {
                let ev = ev.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(ev).await;
                });
                continue;
            }
            if !s.in_flight.insert(req.clone()) {
                continue;
            }
        }
        let (feeds, tx, state, limit) = (feeds.clone(), tx.clone(), state.clone(), limit.clone());
        tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            let ev = answer(&req, &feeds).await;
            {
                let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                s.in_flight.remove(&req);
                // A decrypted value is never kept here.
                let secret = matches!(req, DetailRequest::ParameterValue { decrypt: true, .. });
                if !secret && !matches!(ev, FeedEvent::DetailFailed { .. }) {
                    s.answers.insert(req, (Instant::now(), ev.clone()));
                }
            }
            let _ = tx.send(ev).await;
        });
    }
}

fn failed(request: &DetailRequest, error: impl std::fmt::Display) -> FeedEvent {
    FeedEvent::DetailFailed {
        request: request.clone(),
        error: error.to_string(),
    }
}

/// Fetches one request's answer.
pub(crate) async fn answer(req: &DetailRequest, feeds: &[Arc<ScopeFeed>]) -> FeedEvent {
    let feed_of = |scope: u32| feeds.get(scope as usize).cloned();
    match req {
        DetailRequest::OpsItem { scope, id } => {
            let Some(f) = feed_of(*scope) else {
                return failed(req, "unknown scope");
            };
            match fetch_ops_item_detail(&f, id).await {
                Ok(detail) => FeedEvent::OpsItemDetailLoaded {
                    scope: *scope,
                    detail,
                },
                Err(e) => failed(req, e),
            }
        }
        DetailRequest::NodeInventory {
            scope,
            instance_id,
            type_name,
        } => {
            let Some(f) = feed_of(*scope) else {
                return failed(req, "unknown scope");
            };
            match fetch_node_inventory(&f, instance_id, type_name.as_deref()).await {
                Ok(rows) => FeedEvent::NodeInventoryLoaded {
                    scope: *scope,
                    instance_id: instance_id.clone(),
                    rows,
                    at: Utc::now(),
                },
                Err(e) => failed(req, e),
            }
        }
        DetailRequest::ComplianceItems { scope, resource_id } => {
            let Some(f) = feed_of(*scope) else {
                return failed(req, "unknown scope");
            };
            match fetch_compliance_items(&f, resource_id).await {
                Ok(items) => FeedEvent::ComplianceItemsLoaded {
                    scope: *scope,
                    resource_id: resource_id.clone(),
                    items,
                    at: Utc::now(),
                },
                Err(e) => failed(req, e),
            }
        }
        DetailRequest::Applications { name } => FeedEvent::ApplicationsLoaded {
            query: application_query(name, feeds).await,
        },
        DetailRequest::Association { scope, id } => {
            let Some(f) = feed_of(*scope) else {
                return failed(req, "unknown scope");
            };
            match super::scope::fetch_association_detail(&f, id).await {
                Ok(detail) => FeedEvent::AssociationDetailLoaded {
                    scope: *scope,
                    detail,
                },
                Err(e) => failed(req, e),
            }
        }
        DetailRequest::ParameterHistory { .. }
        | DetailRequest::ParameterValue { .. }
        | DetailRequest::NodePatches { .. }
        | DetailRequest::Document { .. } => catalog_answer(req, feeds).await,
        DetailRequest::Window { scope, id } => {
            let Some(f) = feed_of(*scope) else {
                return failed(req, "unknown scope");
            };
            match super::scope::fetch_window_detail(&f, id).await {
                Ok(detail) => FeedEvent::WindowDetailLoaded {
                    scope: *scope,
                    detail,
                },
                Err(e) => failed(req, e),
            }
        }
    }
}

/// Asks every scope which nodes run an application whose name begins with `name`.
pub async fn application_query(name: &str, feeds: &[Arc<ScopeFeed>]) -> ApplicationQuery {
    let limit = Arc::new(Semaphore::new(QUERY_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for f in feeds {
        let (f, name, limit) = (f.clone(), name.to_string(), limit.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            (f.id, fetch_applications(&f, &name).await)
        });
    }
    let mut query = ApplicationQuery {
        name: name.to_string(),
        hits: Vec::new(),
        failures: Vec::new(),
    };
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((_, Ok(hits))) => query.hits.extend(hits),
            Ok((scope, Err(e))) => query.failures.push((scope, e.to_string())),
            Err(e) => tracing::warn!("application query task: {e}"),
        }
    }
    query.hits.sort_by(|a, b| {
        (a.scope, &a.instance_id, &a.name).cmp(&(b.scope, &b.instance_id, &b.name))
    });
    query.failures.sort();
    query
}

/// Answers of the Parameter Store, patch and document requests.
async fn catalog_answer(req: &DetailRequest, feeds: &[Arc<ScopeFeed>]) -> FeedEvent {
    use super::scope::{
        fetch_document, fetch_node_patches, fetch_parameter_history, fetch_parameter_value,
    };
    let scope = match req {
        DetailRequest::ParameterHistory { scope, .. }
        | DetailRequest::ParameterValue { scope, .. }
        | DetailRequest::NodePatches { scope, .. }
        | DetailRequest::Document { scope, .. } => *scope,
        _ => return failed(req, "not a catalog request"),
    };
    let Some(f) = feeds.get(scope as usize).cloned() else {
        return failed(req, "unknown scope");
    };
    match req {
        DetailRequest::ParameterHistory { name, .. } => {
            match fetch_parameter_history(&f, name).await {
                Ok(history) => FeedEvent::ParameterHistoryLoaded { history },
                Err(e) => failed(req, e),
            }
        }
        DetailRequest::ParameterValue {
            name,
            version,
            decrypt,
            ..
        } => match fetch_parameter_value(&f, name, *version, *decrypt).await {
            Ok(value) => FeedEvent::ParameterValueLoaded { scope, value },
            Err(e) => failed(req, e),
        },
        DetailRequest::NodePatches { instance_id, .. } => {
            match fetch_node_patches(&f, instance_id).await {
                Ok(patches) => FeedEvent::NodePatchesLoaded {
                    scope,
                    instance_id: instance_id.clone(),
                    patches,
                    at: Utc::now(),
                },
                Err(e) => failed(req, e),
            }
        }
        DetailRequest::Document { name, version, .. } => {
            match fetch_document(&f, name, version.as_deref()).await {
                Ok(detail) => FeedEvent::DocumentLoaded {
                    scope,
                    detail: Box::new(detail),
                },
                Err(e) => failed(req, e),
            }
        }
        _ => failed(req, "not a catalog request"),
    }
}
