//! Maintenance windows: what DescribeMaintenanceWindows (and the schedule) report per
//! scope, one window in full, change calendars' closures, and readable schedules.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ScopeId;
use super::calendar::CalendarContent;

/// One maintenance window (DescribeMaintenanceWindows + its upcoming executions).
///
/// Strings AWS may omit are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    #[serde(skip)]
    pub scope: ScopeId,
    pub window_id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// Hours.
    pub duration: u32,
    /// Hours before the end when no new task starts.
    pub cutoff: u32,
    /// `cron(...)` or `rate(...)`.
    pub schedule: String,
    /// IANA zone of the schedule; empty means UTC.
    pub timezone: String,
    pub next_execution: Option<DateTime<Utc>>,
    /// Upcoming executions (DescribeMaintenanceWindowSchedule), soonest first.
    pub upcoming: Vec<DateTime<Utc>>,
}

impl MaintenanceWindow {
    pub fn schedule_label(&self) -> String {
        schedule_label(&self.schedule)
    }

    /// The zone to show: UTC when none is set.
    pub fn zone(&self) -> &str {
        if self.timezone.is_empty() {
            "UTC"
        } else {
            &self.timezone
        }
    }
}

/// One target registration of a window (DescribeMaintenanceWindowTargets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowTarget {
    pub target_id: String,
    pub name: String,
    pub resource_type: String,
    pub targets: Vec<(String, Vec<String>)>,
    pub owner: String,
}

/// One task of a window (DescribeMaintenanceWindowTasks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowTask {
    pub task_id: String,
    pub name: String,
    /// Document or automation name, Lambda or Step Functions ARN.
    pub arn: String,
    /// `RUN_COMMAND`, `AUTOMATION`, `LAMBDA`, `STEP_FUNCTIONS`.
    pub task_type: String,
    pub priority: u32,
    pub max_concurrency: String,
    pub max_errors: String,
}

/// One invocation of a task on a target (…ExecutionTaskInvocations).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowInvocation {
    pub invocation_id: String,
    /// The command or automation execution it started.
    pub execution_id: String,
    pub status: String,
    pub details: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub target_id: String,
    pub owner: String,
}

/// One task's run in a window execution (DescribeMaintenanceWindowExecutionTasks).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowTaskRun {
    pub task_execution_id: String,
    pub arn: String,
    pub task_type: String,
    pub status: String,
    pub details: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Fetched for the latest executions only.
    pub invocations: Vec<WindowInvocation>,
}

/// One execution of a window (DescribeMaintenanceWindowExecutions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowExecution {
    pub execution_id: String,
    /// `SUCCESS`, `FAILED`, `IN_PROGRESS`, `TIMED_OUT`, `CANCELLED`, ...
    pub status: String,
    pub details: String,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// Fetched for the latest executions only.
    pub tasks: Vec<WindowTaskRun>,
}

/// One window in full: GetMaintenanceWindow, targets, tasks by priority, executions
/// newest first (with their task results for the latest few).
#[derive(Debug, Clone, PartialEq)]
pub struct WindowDetail {
    pub window: MaintenanceWindow,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    pub targets: Vec<WindowTarget>,
    pub tasks: Vec<WindowTask>,
    pub executions: Vec<WindowExecution>,
    pub fetched: DateTime<Utc>,
}

/// A change calendar of a scope and its parsed content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeCalendar {
    #[serde(skip)]
    pub scope: ScopeId,
    pub name: String,
    pub content: CalendarContent,
}

/// Maintenance-window times as AWS writes them: RFC 3339, or ISO 8601 without seconds
/// (`2026-11-29T02:00-05:00`, `2026-11-29T07:00Z`).
pub fn parse_window_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z") {
        return Some(t.with_timezone(&Utc));
    }
    let naive = s.strip_suffix('Z').unwrap_or(s);
    for f in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(naive, f) {
            return Some(t.and_utc());
        }
    }
    None
}

const DAYS: [(&str, &str); 7] = [
    ("SUN", "Sun"),
    ("MON", "Mon"),
    ("TUE", "Tue"),
    ("WED", "Wed"),
    ("THU", "Thu"),
    ("FRI", "Fri"),
    ("SAT", "Sat"),
];

fn day_name(s: &str) -> String {
    let (d, nth) = match s.split_once('#') {
        Some((d, n)) => (d, Some(n)),
        None => (s, None),
    };
    let name = match d.parse::<usize>() {
        Ok(n) if (1..=7).contains(&n) => DAYS[n - 1].1.to_string(),
        _ => DAYS
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(d))
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| d.to_string()),
    };
    match nth {
        Some("1") => format!("1st {name}"),
        Some("2") => format!("2nd {name}"),
        Some("3") => format!("3rd {name}"),
        Some(n) => format!("{n}th {name}"),
        None => name,
    }
}

/// A schedule expression in words: `cron(0 2 ? * SUN *)` → `Sun 02:00`,
/// `cron(30 1 * * ? *)` → `daily 01:30`, `rate(12 hours)` → `every 12 hours`.
/// Anything else is returned as it is.
pub fn schedule_label(expr: &str) -> String {
    let e = expr.trim();
    if let Some(body) = e.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let body = body.trim();
        return match body.split_once(' ') {
            Some(("1", unit)) => format!("every {}", unit.trim_end_matches('s')),
            _ => format!("every {body}"),
        };
    }
    if let Some(at) = e.strip_prefix("at(").and_then(|r| r.strip_suffix(')')) {
        return format!("once at {}", at.replace('T', " "));
    }
    let Some(body) = e.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) else {
        return e.to_string();
    };
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() < 5 {
        return e.to_string();
    }
    let (min, hour, dom, dow) = (f[0], f[1], f[2], f[4]);
    let simple = |s: &str| s.parse::<u32>().ok();
    let time = match (simple(hour), simple(min)) {
        (Some(h), Some(m)) => format!("{h:02}:{m:02}"),
        _ => format!("{hour}:{min}"),
    };
    match (dom, dow) {
        ("*" | "?", "*" | "?") => format!("daily {time}"),
        ("*" | "?", d) => {
            let days: Vec<String> = d.split(',').map(day_name).collect();
            format!("{} {time}", days.join(","))
        }
        (d, "*" | "?") => format!("day {d} {time}"),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_read_as_words() {
        assert_eq!(schedule_label("cron(0 2 ? * SUN *)"), "Sun 02:00");
        assert_eq!(schedule_label("cron(30 22 ? * MON,WED *)"), "Mon,Wed 22:30");
        assert_eq!(schedule_label("cron(0 4 ? * TUE#2 *)"), "2nd Tue 04:00");
        assert_eq!(schedule_label("cron(0 1 * * ? *)"), "daily 01:00");
        assert_eq!(schedule_label("cron(0 1 15 * ? *)"), "day 15 01:00");
        assert_eq!(schedule_label("rate(12 hours)"), "every 12 hours");
        assert_eq!(schedule_label("rate(1 day)"), "every day");
        assert_eq!(
            schedule_label("at(2026-12-01T10:00:00)"),
            "once at 2026-12-01 10:00:00"
        );
        assert_eq!(schedule_label("weird"), "weird");
        assert_eq!(schedule_label("cron(0 2)"), "cron(0 2)");
    }

    #[test]
    fn window_times_with_and_without_seconds() {
        let want = DateTime::parse_from_rfc3339("2026-11-29T07:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        assert_eq!(parse_window_time("2026-11-29T02:00-05:00"), want);
        assert_eq!(parse_window_time("2026-11-29T07:00Z"), want);
        assert_eq!(parse_window_time("2026-11-29T07:00:00Z"), want);
        assert_eq!(parse_window_time("2026-11-29T07:00"), want);
        assert_eq!(parse_window_time("soon"), None);
    }
}
