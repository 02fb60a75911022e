//! Fetches of the State Manager and Maintenance Windows feeds (associations, windows with
//! their upcoming runs, change calendars) and of their on-demand details, for one scope.

use chrono::{Duration, Utc};

use crate::aws::AwsError;
use crate::model::{
    AssociationDetail, ChangeCalendar, DocumentQuery, MaintenanceWindow, WindowDetail,
    parse_icalendar,
};

use super::ScopeFeed;

/// How far ahead the windows feed reads each window's schedule.
pub const SCHEDULE_DAYS: i64 = 8;
/// Executions of a window whose task results are fetched in a detail.
const DETAILED_EXECUTIONS: usize = 3;
/// Failing targets whose association statuses are fetched in a detail.
const FAILING_NODES: usize = 10;
/// Executions listed in a detail at most.
const EXECUTIONS: usize = 20;

/// Every association of the scope.
pub async fn fetch_associations(
    feed: &ScopeFeed,
) -> Result<Vec<crate::model::Association>, AwsError> {
    feed.all_pages("ListAssociations", |t| {
        feed.read.associations_page(feed.id, t)
    })
    .await
}

/// Every maintenance window of the scope, enabled ones with their runs of the next
/// [`SCHEDULE_DAYS`] days.
pub async fn fetch_windows(feed: &ScopeFeed) -> Result<Vec<MaintenanceWindow>, AwsError> {
    let mut windows = feed
        .all_pages("DescribeMaintenanceWindows", |t| {
            feed.read.windows_page(feed.id, t)
        })
        .await?;
    let horizon = Utc::now() + Duration::days(SCHEDULE_DAYS);
    for w in windows.iter_mut().filter(|w| w.enabled) {
        let mut token: Option<String> = None;
        loop {
            let p = feed
                .paced("DescribeMaintenanceWindowSchedule", || {
                    feed.read.window_schedule_page(&w.window_id, token.clone())
                })
                .await?;
            let past_horizon = p.items.iter().any(|t| *t > horizon);
            w.upcoming
                .extend(p.items.into_iter().filter(|t| *t <= horizon));
            match p.next {
                Some(t) if !past_horizon => token = Some(t),
                _ => break,
            }
        }
        w.upcoming.sort();
        if w.next_execution.is_none() {
            w.next_execution = w.upcoming.first().copied();
        }
    }
    Ok(windows)
}

/// The scope's own change calendars (ChangeCalendar documents) and their events.
pub async fn fetch_calendars(feed: &ScopeFeed) -> Result<Vec<ChangeCalendar>, AwsError> {
    let query = DocumentQuery {
        owner: Some("Self".into()),
        document_types: vec!["ChangeCalendar".into()],
        ..DocumentQuery::default()
    };
    let docs = feed
        .all_pages("ListDocuments", |t| {
            feed.read.list_documents(feed.id, &query, t)
        })
        .await?;
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        let content = feed
            .paced("GetDocument", || {
                feed.read.get_document(&d.name, None, None)
            })
            .await?;
        out.push(ChangeCalendar {
            scope: feed.id,
            name: d.name.clone(),
            content: parse_icalendar(&content.content),
        });
    }
    Ok(out)
}

/// One association in full: DescribeAssociation, its executions, the targets of the
/// latest one and the association statuses of a few failing nodes.
pub async fn fetch_association_detail(
    feed: &ScopeFeed,
    id: &str,
) -> Result<AssociationDetail, AwsError> {
    let (association, severity, concurrency, errors) = feed
        .paced("DescribeAssociation", || {
            feed.read.describe_association(feed.id, id)
        })
        .await?;
    let mut executions = feed
        .all_pages("DescribeAssociationExecutions", |t| {
            feed.read.association_executions_page(id, t)
        })
        .await?;
    executions.truncate(EXECUTIONS);
    let targets = match executions.first() {
        Some(e) => {
            feed.all_pages("DescribeAssociationExecutionTargets", |t| {
                feed.read.association_targets_page(id, &e.execution_id, t)
            })
            .await?
        }
        None => Vec::new(),
    };
    let mut detail = AssociationDetail {
        association,
        compliance_severity: severity,
        max_concurrency: concurrency,
        max_errors: errors,
        executions,
        targets,
        failing_nodes: Vec::new(),
        fetched: Utc::now(),
    };
    let failing: Vec<String> = detail
        .failing_targets()
        .iter()
        .take(FAILING_NODES)
        .map(|t| t.resource_id.clone())
        .collect();
    for node in failing {
        let statuses = feed
            .all_pages("DescribeInstanceAssociationsStatus", |t| {
                feed.read.instance_associations_page(&node, t)
            })
            .await?;
        detail
            .failing_nodes
            .extend(statuses.into_iter().filter(|s| s.association_id == id));
    }
    Ok(detail)
}

/// One window in full: the window, its targets, its tasks by priority, its executions
/// (newest first) with the task results and invocations of the latest few.
pub async fn fetch_window_detail(feed: &ScopeFeed, id: &str) -> Result<WindowDetail, AwsError> {
    let (mut window, created, modified) = feed
        .paced("GetMaintenanceWindow", || feed.read.window(feed.id, id))
        .await?;
    let targets = feed
        .all_pages("DescribeMaintenanceWindowTargets", |t| {
            feed.read.window_targets_page(id, t)
        })
        .await?;
    let mut tasks = feed
        .all_pages("DescribeMaintenanceWindowTasks", |t| {
            feed.read.window_tasks_page(id, t)
        })
        .await?;
    tasks.sort_by_key(|t| t.priority);
    let mut executions = feed
        .paced("DescribeMaintenanceWindowExecutions", || {
            feed.read.window_executions_page(id, None)
        })
        .await?
        .items;
    executions.sort_by_key(|e| std::cmp::Reverse(e.start));
    executions.truncate(EXECUTIONS);
    if window.enabled {
        window.upcoming = feed
            .paced("DescribeMaintenanceWindowSchedule", || {
                feed.read.window_schedule_page(id, None)
            })
            .await?
            .items;
        window.upcoming.truncate(10);
    }
    for e in executions.iter_mut().take(DETAILED_EXECUTIONS) {
        let mut runs = feed
            .all_pages("DescribeMaintenanceWindowExecutionTasks", |t| {
                feed.read.window_execution_tasks_page(&e.execution_id, t)
            })
            .await?;
        for r in runs.iter_mut() {
            r.invocations = feed
                .all_pages("DescribeMaintenanceWindowExecutionTaskInvocations", |t| {
                    feed.read
                        .window_invocations_page(&e.execution_id, &r.task_execution_id, t)
                })
                .await?;
        }
        runs.sort_by_key(|r| r.start);
        e.tasks = runs;
    }
    Ok(WindowDetail {
        window,
        created,
        modified,
        targets,
        tasks,
        executions,
        fetched: Utc::now(),
    })
}
