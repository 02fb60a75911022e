//! The history panes (recent commands, automation executions), the activations pane, and
//! one record of those or of the audit log in full.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;

use super::fields::{DetailLines, draw_popup};
use super::table::{
    ColSpec, TablePane, account_name, col, count_refs, counts_title, grow, plain, scope_label,
    tinted,
};
use super::text::{age, centered, clean, thousands, timestamp};
use crate::app::{ActCol, App, AutoCol, CmdCol, Drawn, Record, audit_time};
use crate::model::{ActivationState, Feed, HistoryTarget, ScopeId};
use crate::ui::theme::Theme;

/// Colour of a command or automation status.
pub fn run_status_color(status: &str, theme: &Theme) -> Color {
    match status {
        "Success" => theme.ok,
        "Failed" | "TimedOut" | "Undeliverable" | "Terminated" | "CompletedWithFailure" => {
            theme.error
        }
        "Pending" | "InProgress" | "Waiting" | "Cancelling" | "Delayed" => theme.accent,
        "Cancelled" | "Cancelling…" => theme.warn,
        _ => theme.muted,
    }
}

/// Colour of an activation state.
pub fn activation_color(s: ActivationState, theme: &Theme) -> Color {
    match s {
        ActivationState::Expired => theme.error,
        ActivationState::ExpiringSoon => theme.warn,
        ActivationState::Full => theme.muted,
        ActivationState::Active => theme.ok,
    }
}

const CMD_SPECS: [ColSpec; 9] = [
    col(7, 11),   // status
    col(3, 5),    // age
    grow(12, 24), // document
    grow(10, 28), // targets
    col(7, 12),   // progress
    grow(8, 24),  // comment
    col(10, 36),  // id
    col(8, 16),   // account
    col(9, 14),   // region
];

pub fn draw_commands(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let v = &app.panes.commands;
    let running = count_refs(
        &v.refs,
        |s| app.estate.scope_commands(s),
        |c| c.is_running(),
    );
    let title = counts_title(
        "Commands",
        &[
            (v.table.total(), "recent"),
            (running, "running"),
            (v.table.len(), "shown"),
        ],
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Commands,
        also: &[],
        specs: &CMD_SPECS,
        table: &v.table,
        what: "commands",
    };
    let src = v.rows(&app.estate);
    let now = app.now();
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let item = src.item(row);
        match col {
            CmdCol::Status => tinted(
                text,
                run_status_color(item.map_or("", |i| &i.status), &theme),
            ),
            CmdCol::Requested => tinted(age(now, item.and_then(|i| i.requested)), theme.muted),
            CmdCol::Progress => {
                let bad = item.is_some_and(|i| i.error_count + i.delivery_timed_out_count > 0);
                tinted(text, if bad { theme.error } else { theme.fg })
            }
            CmdCol::Id => tinted(text, theme.muted),
            CmdCol::Account => plain(account_name(app, item.map(|i| i.scope))),
            _ => plain(text),
        }
    });
}

const AUTO_SPECS: [ColSpec; 9] = [
    col(7, 11),   // status
    col(3, 5),    // age
    grow(12, 28), // runbook
    col(6, 18),   // step
    grow(10, 28), // targets
    col(8, 24),   // executed by
    col(10, 36),  // id
    col(8, 16),   // account
    col(9, 14),   // region
];

pub fn draw_automations(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let v = &app.panes.automations;
    let running = count_refs(
        &v.refs,
        |s| app.estate.scope_automations(s),
        |a| a.is_running(),
    );
    let title = counts_title(
        "Automations",
        &[
            (v.table.total(), "recent"),
            (running, "running"),
            (v.table.len(), "shown"),
        ],
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Automations,
        also: &[],
        specs: &AUTO_SPECS,
        table: &v.table,
        what: "automation executions",
    };
    let src = v.rows(&app.estate);
    let now = app.now();
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let item = src.item(row);
        match col {
            AutoCol::Status => tinted(
                text,
                run_status_color(item.map_or("", |i| &i.status), &theme),
            ),
            AutoCol::Started => tinted(age(now, item.and_then(|i| i.started)), theme.muted),
            AutoCol::Id => tinted(text, theme.muted),
            AutoCol::Account => plain(account_name(app, item.map(|i| i.scope))),
            _ => plain(text),
        }
    });
}

const ACT_SPECS: [ColSpec; 10] = [
    col(7, 13),   // state
    col(12, 36),  // id
    col(8, 16),   // default name
    col(6, 10),   // registered
    col(10, 16),  // expires
    col(3, 5),    // created (age)
    col(8, 24),   // role
    grow(10, 30), // description
    col(8, 16),   // account
    col(9, 14),   // region
];

pub fn draw_activations(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let now = app.now();
    let v = &app.panes.activations;
    let in_state = |state| {
        count_refs(
            &v.refs,
            |s| app.estate.scope_activations(s),
            |a| a.state(now) == state,
        )
    };
    let mask = app.scope_mask();
    let advanced = (0..app.estate.scopes().len())
        .filter(|i| mask.get(*i).copied().unwrap_or(true))
        .filter(|i| {
            app.estate
                .scope_instance_tier(*i as u32)
                .is_some_and(|t| t.eq_ignore_ascii_case("advanced"))
        })
        .count();
    let counts = counts_title(
        "Activations",
        &[
            (v.table.total(), ""),
            (in_state(ActivationState::ExpiringSoon), "expiring soon"),
            (in_state(ActivationState::Expired), "expired"),
            (v.table.len(), "shown"),
        ],
    );
    let title = format!(
        "{counts} · advanced tier in {} {}",
        thousands(advanced),
        if advanced == 1 { "scope" } else { "scopes" }
    );
    let pane = TablePane {
        title: Some(&title),
        feed: Feed::Activations,
        also: &[],
        specs: &ACT_SPECS,
        table: &v.table,
        what: "activations",
    };
    let src = v.rows(&app.estate, now);
    pane.draw(buf, area, app, out, &src, |row, col, text| {
        let item = src.item(row);
        let state = item.map(|a| a.state(now));
        match col {
            ActCol::State => tinted(
                text,
                state.map_or(theme.muted, |s| activation_color(s, &theme)),
            ),
            ActCol::Expires => {
                let t = item.and_then(|a| a.expiration);
                let text = match t {
                    Some(t) if t > now => format!("in {}", age(t, Some(now))),
                    Some(_) => format!("{} ago", age(now, t)),
                    None => "-".into(),
                };
                let fg = state.map_or(theme.muted, |s| match s {
                    ActivationState::Expired | ActivationState::ExpiringSoon => {
                        activation_color(s, &theme)
                    }
                    _ => theme.fg,
                });
                tinted(text, fg)
            }
            ActCol::Created => tinted(age(now, item.and_then(|a| a.created)), theme.muted),
            ActCol::Registrations => {
                let full = state == Some(ActivationState::Full);
                tinted(text, if full { theme.warn } else { theme.fg })
            }
            ActCol::Id => tinted(text, theme.muted),
            ActCol::Account => plain(account_name(app, item.map(|i| i.scope))),
            _ => plain(text),
        }
    });
}

fn targets_lines(targets: &[HistoryTarget], ids: &[String], out: &mut Vec<(String, String)>) {
    for t in targets {
        out.push((t.key.clone(), t.values.join(", ")));
    }
    if targets.is_empty() && !ids.is_empty() {
        out.push((format!("{} node ids", ids.len()), ids.join(", ")));
    }
}

/// A record of the history, activations or audit panes in full.
pub fn draw_record(buf: &mut Buffer, area: Rect, app: &App) {
    let Some((record, scroll)) = app.record() else {
        return;
    };
    let theme = app.theme();
    let mut w = RecordLines::new(app);
    let (title, hint) = match record {
        Record::Command { scope, id } => {
            command_lines(&mut w, app, *scope, id);
            (
                format!(" Command {} ", clean(id)),
                " n node · j/k scroll · Esc close ",
            )
        }
        Record::Automation { scope, id } => {
            automation_lines(&mut w, app, *scope, id);
            (
                format!(" Automation {} ", clean(id)),
                " j/k scroll · Esc close ",
            )
        }
        Record::Activation { scope, id } => {
            activation_lines(&mut w, app, *scope, id);
            (
                format!(" Activation {} ", clean(id)),
                " j/k scroll · Esc close ",
            )
        }
        Record::Audit { request_id } => {
            audit_lines(&mut w, app, request_id);
            (
                format!(" Audit · {} ", clean(request_id)),
                " j/k scroll · Esc close ",
            )
        }
    };
    let lines = w.d.lines;
    let popup = centered(
        area,
        area.width.saturating_sub(6).clamp(40, 110),
        u16::try_from(lines.len() + 2)
            .unwrap_or(u16::MAX)
            .min(area.height.saturating_sub(2)),
    );
    draw_popup(buf, popup, theme, title, hint, lines, scroll);
}

/// The lines of a record popup as they are written: fields (`-` when empty), times with
/// how long ago they are, sections.
struct RecordLines<'a> {
    d: DetailLines<'a>,
    now: DateTime<Utc>,
}

impl<'a> RecordLines<'a> {
    fn new(app: &'a App) -> RecordLines<'a> {
        RecordLines {
            d: DetailLines::new(app.theme(), 20),
            now: app.now(),
        }
    }

    /// A time with how long ago (or how soon) it is.
    fn when(&self, t: Option<DateTime<Utc>>) -> String {
        let now = self.now;
        match t {
            Some(v) if v > now => format!("{} (in {})", timestamp(t), age(v, Some(now))),
            Some(_) => format!("{} ({} ago)", timestamp(t), age(now, t)),
            None => "-".to_string(),
        }
    }

    /// `k` and `v` (`-` when empty) in `style`.
    fn field(&mut self, k: &str, v: String, style: Style) {
        let v = if v.is_empty() { "-" } else { &v };
        self.d.field(k, v, style);
    }

    /// `base` in the error colour when `n` is not zero.
    fn bad_if_any(&self, n: u32) -> Style {
        if n > 0 {
            self.d.base.fg(self.d.theme.error)
        } else {
            self.d.base
        }
    }
}

/// `name (version v)`, or the name alone when the version is unknown.
fn document_label(name: &str, version: &str) -> String {
    if version.is_empty() {
        name.to_string()
    } else {
        format!("{name} (version {version})")
    }
}

fn command_lines(w: &mut RecordLines, app: &App, scope: ScopeId, id: &str) {
    let Some(c) = app
        .estate
        .scope_commands(scope)
        .iter()
        .find(|c| c.command_id == *id)
    else {
        w.d.gone("command");
        return;
    };
    let base = w.d.base;
    let st = base.fg(run_status_color(&c.status, w.d.theme));
    w.field("Status", c.status.clone(), st);
    if c.status_details != c.status {
        w.field("Status details", c.status_details.clone(), base);
    }
    w.field(
        "Document",
        document_label(&c.document_name, &c.document_version),
        base,
    );
    w.field("Comment", c.comment.clone(), base);
    w.field("Requested", w.when(c.requested), base);
    w.field("Expires after", w.when(c.expires_after), base);
    w.field("Scope", scope_label(app, scope), base);
    w.field("Targets", c.target_count.to_string(), base);
    w.field("Completed", c.completed_count.to_string(), base);
    w.field(
        "Errors",
        c.error_count.to_string(),
        w.bad_if_any(c.error_count),
    );
    w.field(
        "Delivery timed out",
        c.delivery_timed_out_count.to_string(),
        w.bad_if_any(c.delivery_timed_out_count),
    );
    let or_dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    w.field(
        "Concurrency",
        format!(
            "max {} · max errors {}",
            or_dash(&c.max_concurrency),
            or_dash(&c.max_errors)
        ),
        base,
    );
    if let Some(t) = c.timeout_seconds {
        w.field("Timeout", format!("{t} s"), base);
    }
    let mut rows = Vec::new();
    targets_lines(&c.targets, &c.instance_ids, &mut rows);
    w.d.pairs("Targets", &rows);
    w.d.pairs("Parameters", &c.parameters);
}

fn automation_lines(w: &mut RecordLines, app: &App, scope: ScopeId, id: &str) {
    let Some(a) = app
        .estate
        .scope_automations(scope)
        .iter()
        .find(|a| a.execution_id == *id)
    else {
        w.d.gone("execution");
        return;
    };
    let base = w.d.base;
    let st = base.fg(run_status_color(&a.status, w.d.theme));
    w.field("Status", a.status.clone(), st);
    w.field(
        "Runbook",
        document_label(&a.document_name, &a.document_version),
        base,
    );
    w.field("Started", w.when(a.started), base);
    w.field("Ended", w.when(a.ended), base);
    w.field("Executed by", a.executed_by.clone(), base);
    w.field("Mode", a.mode.clone(), base);
    w.field("Type", a.automation_type.clone(), base);
    w.field("Scope", scope_label(app, scope), base);
    w.field("Current step", a.current_step.clone(), base);
    w.field("Current action", a.current_action.clone(), base);
    if !a.failure_message.is_empty() {
        let error = base.fg(w.d.theme.error);
        w.field("Failure", a.failure_message.clone(), error);
    }
    w.field("Target parameter", a.target_parameter.clone(), base);
    if !a.max_concurrency.is_empty() || !a.max_errors.is_empty() {
        w.field(
            "Concurrency",
            format!("max {} · max errors {}", a.max_concurrency, a.max_errors),
            base,
        );
    }
    if !a.parent_execution_id.is_empty() {
        w.field("Parent", a.parent_execution_id.clone(), base);
    }
    if !a.ops_item_id.is_empty() {
        w.field("OpsItem", a.ops_item_id.clone(), base);
    }
    let mut rows = Vec::new();
    targets_lines(&a.targets, &a.resolved_targets, &mut rows);
    w.d.pairs("Targets", &rows);
}

fn activation_lines(w: &mut RecordLines, app: &App, scope: ScopeId, id: &str) {
    let Some(a) = app
        .estate
        .scope_activations(scope)
        .iter()
        .find(|a| a.activation_id == *id)
    else {
        w.d.gone("activation");
        return;
    };
    let base = w.d.base;
    let s = a.state(w.now);
    let state = base.fg(activation_color(s, w.d.theme));
    w.field("State", s.label().to_string(), state);
    w.field("Description", a.description.clone(), base);
    w.field("Default name", a.default_instance_name.clone(), base);
    w.field("IAM role", a.iam_role.clone(), base);
    w.field(
        "Registrations",
        format!("{} of {}", a.registrations_count, a.registration_limit),
        base,
    );
    w.field("Created", w.when(a.created), base);
    w.field("Expires", w.when(a.expiration), base);
    w.field("Scope", scope_label(app, scope), base);
    let tier = app.estate.scope_instance_tier(scope).unwrap_or("-");
    w.field("Instance tier", tier.to_string(), base);
    let hybrid = app
        .estate
        .scope_nodes(scope)
        .iter()
        .filter(|n| n.activation_id == *id)
        .count();
    w.field(
        "Nodes reporting",
        format!("{hybrid} managed nodes registered with it"),
        base,
    );
    w.d.pairs("Tags", &a.tags);
}

fn audit_lines(w: &mut RecordLines, app: &App, request_id: &str) {
    let base = w.d.base;
    let Some(c) = app.panes.audit.call(request_id) else {
        w.d.push(Line::styled(
            "This call is no longer in the audit log.",
            base.fg(w.d.theme.warn),
        ));
        return;
    };
    let st = base.fg(super::audit::result_color(&c.result, w.d.theme));
    w.field("Result", c.result.clone(), st);
    if let Some(e) = &c.error {
        w.field("Error", e.clone(), base.fg(w.d.theme.error));
    }
    w.field("Action", c.action.clone(), base);
    w.field("What", c.summary.clone(), base);
    w.field("Who", c.caller.clone(), base);
    w.field("Where", format!("{} {}", c.account, c.region), base);
    w.field("When", audit_time(c.time), base);
    if let Some(f) = c.finished {
        w.field("Answered", audit_time(f), base);
    }
    w.field("Id", c.id.clone().unwrap_or_default(), base);
    if let Some(o) = &c.override_word {
        w.field(
            "Override",
            format!("{o} (typed at a closed change calendar)"),
            base.fg(w.d.theme.warn),
        );
    }
    w.field("Request id", c.request_id.clone(), base);
    let cals: Vec<(String, String)> = c
        .calendars
        .iter()
        .map(|k| (k.name.clone(), k.state.clone()))
        .collect();
    w.d.pairs("Change calendars", &cals);
    let req = serde_json::to_string_pretty(&c.request).unwrap_or_default();
    if !req.is_empty() && req != "null" {
        w.d.section("Request");
        for l in req.lines() {
            w.d.text(l, base);
        }
    }
}
