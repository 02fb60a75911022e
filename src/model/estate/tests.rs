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
    assert_eq!(e.scopes()[0].feed(Feed::Nodes).health, ScopeHealth::Failed);
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
    assert!(!e.apply(FeedEvent::OpsItemsLoaded {
        scope: 7,
        items: vec![],
        at: Utc::now()
    }));
}

#[test]
fn a_failed_feed_keeps_its_data_and_leaves_the_others_alone() {
    let mut e = Estate::with_scopes(vec![scope("111111111111", "eu-west-1")]);
    let at = Utc::now();
    let mut item = OpsItem::new(0, "oi-1");
    item.status = "Open".into();
    e.apply(FeedEvent::OpsItemsLoaded {
        scope: 0,
        items: vec![item],
        at,
    });
    e.apply(FeedEvent::FeedFailed {
        scope: 0,
        feed: Feed::OpsItems,
        error: "boom".into(),
        at,
    });
    assert_eq!(e.ops_item_count(), 1);
    let s = &e.scopes()[0];
    assert_eq!(s.feed(Feed::OpsItems).health, ScopeHealth::Failed);
    assert_eq!(s.feed(Feed::OpsItems).last_success, Some(at));
    assert_eq!(s.health, ScopeHealth::Pending, "nodes feed untouched");
    assert_eq!(
        s.failures().collect::<Vec<_>>(),
        vec![(Feed::OpsItems, "boom")]
    );
    let ex = e.explorer();
    let status = ex.iter().find(|a| a.key() == "AWS:OpsItem.Status");
    assert_eq!(
        status.map(|a| a.counts.clone()),
        Some(vec![("Open".into(), 1)])
    );
}

#[test]
fn the_cache_is_shown_marked_until_fresh_data_replaces_it() {
    let mut e = Estate::with_scopes(vec![
        scope("111111111111", "eu-west-1"),
        scope("222222222222", "eu-west-1"),
    ]);
    let at = Utc::now();
    e.apply(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![ManagedNode::new(1, "i-1")],
        at,
    });
    e.apply(FeedEvent::PatchLoaded {
        scope: 1,
        states: vec![PatchState::new(1, "i-1")],
        at,
    });
    let snap = e.snapshot(at);
    let json = serde_json::to_string(&snap).expect("serializes");
    let back: Snapshot = serde_json::from_str(&json).expect("parses");
    assert_eq!(serde_json::to_string(&back).expect("serializes"), json);

    let mut fresh = Estate::new();
    fresh.apply(FeedEvent::CacheLoaded {
        snapshot: Box::new(back),
    });
    assert_eq!(fresh.node_count(), 1);
    assert!(fresh.scopes()[1].feed(Feed::Nodes).cached);
    assert!(fresh.cache_saved_at.is_some());
    // Discovery in another order keeps the cached data of known scopes.
    fresh.apply(FeedEvent::ScopesDiscovered {
        scopes: vec![
            scope("222222222222", "eu-west-1"),
            scope("333333333333", "eu-west-1"),
        ],
        note: None,
    });
    assert_eq!(fresh.scope_nodes(0).len(), 1);
    assert_eq!(fresh.scope_nodes(0)[0].scope, 0);
    assert!(fresh.patch_state(0, "i-1").is_some());
    assert!(fresh.scopes()[0].feed(Feed::Nodes).cached);
    fresh.apply(FeedEvent::NodesLoaded {
        scope: 0,
        nodes: vec![],
        at,
    });
    fresh.apply(FeedEvent::PatchLoaded {
        scope: 0,
        states: vec![],
        at,
    });
    assert!(!fresh.scopes()[0].feed(Feed::Nodes).cached);
    assert_eq!(fresh.cache_saved_at, None);
    assert!(!fresh.complete(FeedSet::of(&[Feed::Nodes])));
    fresh.apply(FeedEvent::NodesLoaded {
        scope: 1,
        nodes: vec![],
        at,
    });
    assert!(fresh.complete(FeedSet::of(&[Feed::Nodes])));
}

#[test]
fn feed_sets() {
    let s = FeedSet::of(&[Feed::Nodes, Feed::Explorer]);
    assert!(s.contains(Feed::Explorer) && !s.contains(Feed::Patch));
    assert_eq!(s.iter().count(), 2);
    assert_eq!(FeedSet::all().iter().count(), Feed::COUNT);
    assert_eq!(Feed::parse("OpsItems"), Some(Feed::OpsItems));
}
