//! The disk cache, written from the app's own estate: once the estate's data changed, and
//! at most once per interval, a [`Snapshot`](crate::model::Snapshot) of it goes out as
//! [`Effect::SaveCache`]; the event loop writes it off the UI thread and the pollers load
//! it back at the next start.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{App, Effect};
use crate::model::FeedEvent;

/// Where the snapshot goes and when it is due.
pub(super) struct DiskCache {
    path: PathBuf,
    /// At most one write per this long.
    every: Duration,
    /// The last write (or when the cache was set up: the first write waits an interval).
    last_write: Instant,
    /// The data changed since the last write.
    changed: bool,
}

/// The events that change what a snapshot holds (the polled lists and the scopes).
fn changes_snapshot(event: &FeedEvent) -> bool {
    matches!(
        event,
        FeedEvent::NodesLoaded { .. }
            | FeedEvent::TagsLoaded { .. }
            | FeedEvent::OpsItemsLoaded { .. }
            | FeedEvent::ComplianceLoaded { .. }
            | FeedEvent::PatchLoaded { .. }
            | FeedEvent::InventoryLoaded { .. }
            | FeedEvent::ExplorerLoaded { .. }
            | FeedEvent::ParametersLoaded { .. }
            | FeedEvent::BaselinesLoaded { .. }
            | FeedEvent::DocumentsLoaded { .. }
            | FeedEvent::AssociationsLoaded { .. }
            | FeedEvent::WindowsLoaded { .. }
            | FeedEvent::CalendarsLoaded { .. }
            | FeedEvent::CommandsLoaded { .. }
            | FeedEvent::AutomationsLoaded { .. }
            | FeedEvent::ActivationsLoaded { .. }
            | FeedEvent::ScopesDiscovered { .. }
    )
}

impl App {
    /// Keeps the disk cache at `path`: after the estate's data changed, a snapshot is
    /// queued as [`Effect::SaveCache`] on the next tick, at most once per `every`.
    pub fn set_disk_cache(&mut self, path: PathBuf, every: Duration) {
        self.disk_cache = Some(DiskCache {
            path,
            every,
            last_write: Instant::now(),
            changed: false,
        });
    }

    /// Queues a snapshot now if the data changed since the last one (at quit).
    pub fn flush_disk_cache(&mut self) {
        if self.disk_cache.as_ref().is_some_and(|c| c.changed) {
            self.save_cache();
        }
    }

    /// Notes a feed event that changes what the cache holds.
    pub(super) fn cache_note(&mut self, event: &FeedEvent) {
        if let Some(c) = &mut self.disk_cache
            && changes_snapshot(event)
        {
            c.changed = true;
        }
    }

    /// On the tick: queues a snapshot when the data changed and the interval has passed.
    pub(super) fn cache_tick(&mut self) {
        if self
            .disk_cache
            .as_ref()
            .is_some_and(|c| c.changed && c.last_write.elapsed() >= c.every)
        {
            self.save_cache();
        }
    }

    fn save_cache(&mut self) {
        let snapshot = Box::new(self.estate.snapshot(self.now()));
        let Some(c) = &mut self.disk_cache else {
            return;
        };
        c.changed = false;
        c.last_write = Instant::now();
        let path = c.path.clone();
        self.push_effect(Effect::SaveCache { path, snapshot });
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use chrono::{TimeZone, Utc};

    use super::super::{App, AppOptions, Effect, Msg, Pane, WallboardOptions};
    use crate::model::{Account, Feed, FeedEvent, ManagedNode, Scope, Snapshot};

    fn path() -> PathBuf {
        PathBuf::from("/cache/ssm-cockpit/test.json")
    }

    fn app(every: Duration) -> App {
        let mut app = App::new(AppOptions::default());
        app.set_now(Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).single());
        app.set_disk_cache(path(), every);
        app
    }

    fn discovered() -> Msg {
        Msg::Feed(FeedEvent::ScopesDiscovered {
            scopes: vec![Scope {
                account: Account {
                    id: "111111111111".into(),
                    name: "acme-prod".into(),
                },
                region: "eu-west-1".into(),
            }],
            note: Some("1 account".into()),
        })
    }

    fn nodes(ids: &[&str]) -> Msg {
        Msg::Feed(FeedEvent::NodesLoaded {
            scope: 0,
            nodes: ids.iter().map(|id| ManagedNode::new(0, *id)).collect(),
            at: Utc::now(),
        })
    }

    /// The snapshots among the effects queued so far (the other effects are dropped).
    fn saved(app: &mut App) -> Vec<(PathBuf, Snapshot)> {
        app.take_effects()
            .into_iter()
            .filter_map(|e| match e {
                Effect::SaveCache { path, snapshot } => Some((path, *snapshot)),
                _ => None,
            })
            .collect()
    }

    fn node_ids(s: &Snapshot) -> Vec<String> {
        s.scopes
            .iter()
            .flat_map(|sc| sc.data.nodes.iter().map(|n| n.instance_id.clone()))
            .collect()
    }

    #[test]
    fn the_snapshot_is_the_app_estate_queued_on_the_tick_after_data_changed() {
        let mut app = app(Duration::ZERO);
        app.update(Msg::Tick);
        assert!(saved(&mut app).is_empty(), "nothing changed yet");
        app.update(discovered());
        app.update(nodes(&["i-0002", "i-0001"]));
        assert!(
            saved(&mut app).is_empty(),
            "written on the tick, not per event"
        );

        app.update(Msg::Tick);
        let written = saved(&mut app);
        let [(p, snapshot)] = written.as_slice() else {
            panic!("one snapshot, got {written:?}");
        };
        assert_eq!(*p, path());
        assert_eq!(snapshot, &app.estate.snapshot(app.now()));
        let mut ids = node_ids(snapshot);
        ids.sort();
        assert_eq!(ids, ["i-0001", "i-0002"]);
        assert_eq!(snapshot.discovery_note.as_deref(), Some("1 account"));
        assert!(
            snapshot.scopes[0]
                .loaded
                .iter()
                .any(|(f, _)| *f == Feed::Nodes)
        );

        app.update(Msg::Tick);
        assert!(saved(&mut app).is_empty(), "unchanged since the last write");
        // Events that are not in a snapshot do not make it due.
        app.update(Msg::Feed(FeedEvent::ApiCalls {
            counts: [("DescribeInstanceInformation".to_string(), 3)]
                .into_iter()
                .collect(),
        }));
        app.update(Msg::Tick);
        assert!(saved(&mut app).is_empty(), "API call counts are not cached");

        app.update(nodes(&["i-0003"]));
        app.update(Msg::Tick);
        let written = saved(&mut app);
        assert_eq!(written.len(), 1);
        assert_eq!(node_ids(&written[0].1), ["i-0003"]);
    }

    #[test]
    fn one_write_per_interval_and_quit_writes_what_is_left() {
        let mut app = app(Duration::from_secs(3600));
        app.update(discovered());
        app.update(nodes(&["i-0001"]));
        app.update(Msg::Tick);
        assert!(saved(&mut app).is_empty(), "the interval has not passed");
        app.flush_disk_cache();
        let written = saved(&mut app);
        assert_eq!(written.len(), 1);
        assert_eq!(node_ids(&written[0].1), ["i-0001"]);
        app.flush_disk_cache();
        assert!(
            saved(&mut app).is_empty(),
            "nothing changed since the last write"
        );
    }

    #[test]
    fn the_wallboard_keeps_the_cache_too() {
        let mut app = app(Duration::ZERO);
        app.set_wallboard(WallboardOptions::new(
            vec![Pane::Nodes, Pane::OpsCenter],
            Duration::from_secs(30),
            |_| Duration::from_secs(60),
        ));
        app.update(discovered());
        app.update(nodes(&["i-0009"]));
        app.update(Msg::Tick);
        let written = saved(&mut app);
        assert_eq!(written.len(), 1);
        assert_eq!(node_ids(&written[0].1), ["i-0009"]);
    }

    #[test]
    fn without_a_cache_no_snapshot_is_made() {
        let mut app = App::new(AppOptions::default());
        app.update(discovered());
        app.update(nodes(&["i-0001"]));
        app.update(Msg::Tick);
        app.flush_disk_cache();
        assert!(saved(&mut app).is_empty());
    }
}
