//! The history panes (recent commands, automation executions), the activations pane, and
//! one record of those or of the audit log in full.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::fields::{draw_popup, field_line, gone_line};
use super::table::{
    ColSpec, TableDraw, account_name, col, draw_title, draw_view, finish_table, fit, grow,
    scope_label, table_below_title,
};
use super::text::{age, centered, clean, thousands, timestamp};
use crate::app::{ActCol, App, AutoCol, CmdCol, Drawn, Record, TableSource, audit_time};
use crate::model::{ActivationState, Feed, HistoryTarget};
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
    if area.height < 2 {
        return;
    }
    let theme = *app.theme();
    let v = &app.panes.commands;
    let running = v
        .refs
        .iter()
        .filter_map(|(s, i)| app.estate.scope_commands(*s).get(*i as usize))
        .filter(|c| c.is_running())
        .count();
    let title = format!(
        "Commands · {} recent · {} running · {} shown",
        thousands(v.table.total()),
        thousands(running),
        thousands(v.table.len())
    );
    draw_title(buf, area, app, &title, &[Feed::Commands]);
    let area = table_below_title(out, area);
    let widths = fit(area.width, &CMD_SPECS);
    let t = &v.table;
    let draw = TableDraw::of(t, widths, &theme);
    let src = v.rows(&app.estate);
    let now = app.now();
    draw_view(buf, area, &draw, t, |row, col| {
        let item = src.item(row);
        match col {
            CmdCol::Status => (
                src.cell(row, col).into_owned(),
                Style::default().fg(run_status_color(item.map_or("", |i| &i.status), &theme)),
            ),
            CmdCol::Requested => (
                age(now, item.and_then(|i| i.requested)),
                Style::default().fg(theme.muted),
            ),
            CmdCol::Progress => {
                let bad = item.is_some_and(|i| i.error_count + i.delivery_timed_out_count > 0);
                let fg = if bad { theme.error } else { theme.fg };
                (src.cell(row, col).into_owned(), Style::default().fg(fg))
            }
            CmdCol::Id => (
                src.cell(row, col).into_owned(),
                Style::default().fg(theme.muted),
            ),
            CmdCol::Account => (account_name(app, item.map(|i| i.scope)), Style::default()),
            _ => (src.cell(row, col).into_owned(), Style::default()),
        }
    });
    let empty = t.empty_state();
    finish_table(
        buf,
        app,
        out,
        area,
        &draw,
        empty,
        (Feed::Commands, "commands"),
    );
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
    if area.height < 2 {
        return;
    }
    let theme = *app.theme();
    let v = &app.panes.automations;
    let running = v
        .refs
        .iter()
        .filter_map(|(s, i)| app.estate.scope_automations(*s).get(*i as usize))
        .filter(|a| a.is_running())
        .count();
    let title = format!(
        "Automations · {} recent · {} running · {} shown",
        thousands(v.table.total()),
        thousands(running),
        thousands(v.table.len())
    );
    draw_title(buf, area, app, &title, &[Feed::Automations]);
    let area = table_below_title(out, area);
    let widths = fit(area.width, &AUTO_SPECS);
    let t = &v.table;
    let draw = TableDraw::of(t, widths, &theme);
    let src = v.rows(&app.estate);
    let now = app.now();
    draw_view(buf, area, &draw, t, |row, col| {
        let item = src.item(row);
        match col {
            AutoCol::Status => (
                src.cell(row, col).into_owned(),
                Style::default().fg(run_status_color(item.map_or("", |i| &i.status), &theme)),
            ),
            AutoCol::Started => (
                age(now, item.and_then(|i| i.started)),
                Style::default().fg(theme.muted),
            ),
            AutoCol::Id => (
                src.cell(row, col).into_owned(),
                Style::default().fg(theme.muted),
            ),
            AutoCol::Account => (account_name(app, item.map(|i| i.scope)), Style::default()),
            _ => (src.cell(row, col).into_owned(), Style::default()),
        }
    });
    let empty = t.empty_state();
    finish_table(
        buf,
        app,
        out,
        area,
        &draw,
        empty,
        (Feed::Automations, "automation executions"),
    );
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
    if area.height < 2 {
        return;
    }
    let theme = *app.theme();
    let now = app.now();
    let v = &app.panes.activations;
    let (mut expired, mut soon) = (0, 0);
    for a in v
        .refs
        .iter()
        .filter_map(|(s, i)| app.estate.scope_activations(*s).get(*i as usize))
    {
        match a.state(now) {
            ActivationState::Expired => expired += 1,
            ActivationState::ExpiringSoon => soon += 1,
            _ => {}
        }
    }
    let mask = app.scope_mask();
    let advanced = (0..app.estate.scopes().len())
        .filter(|i| mask.get(*i).copied().unwrap_or(true))
        .filter(|i| {
            app.estate
                .scope_instance_tier(*i as u32)
                .is_some_and(|t| t.eq_ignore_ascii_case("advanced"))
        })
        .count();
    let title = format!(
        "Activations · {} · {} expiring soon · {} expired · {} shown · advanced tier in {} {}",
        thousands(v.table.total()),
        thousands(soon),
        thousands(expired),
        thousands(v.table.len()),
        thousands(advanced),
        if advanced == 1 { "scope" } else { "scopes" }
    );
    draw_title(buf, area, app, &title, &[Feed::Activations]);
    let area = table_below_title(out, area);
    let widths = fit(area.width, &ACT_SPECS);
    let t = &v.table;
    let draw = TableDraw::of(t, widths, &theme);
    let src = v.rows(&app.estate, now);
    draw_view(buf, area, &draw, t, |row, col| {
        let item = src.item(row);
        let state = item.map(|a| a.state(now));
        match col {
            ActCol::State => (
                src.cell(row, col).into_owned(),
                Style::default().fg(state.map_or(theme.muted, |s| activation_color(s, &theme))),
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
                (text, Style::default().fg(fg))
            }
            ActCol::Created => (
                age(now, item.and_then(|a| a.created)),
                Style::default().fg(theme.muted),
            ),
            ActCol::Registrations => {
                let full = state == Some(ActivationState::Full);
                let fg = if full { theme.warn } else { theme.fg };
                (src.cell(row, col).into_owned(), Style::default().fg(fg))
            }
            ActCol::Id => (
                src.cell(row, col).into_owned(),
                Style::default().fg(theme.muted),
            ),
            ActCol::Account => (account_name(app, item.map(|i| i.scope)), Style::default()),
            _ => (src.cell(row, col).into_owned(), Style::default()),
        }
    });
    let empty = t.empty_state();
    finish_table(
        buf,
        app,
        out,
        area,
        &draw,
        empty,
        (Feed::Activations, "activations"),
    );
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
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    let key = base.fg(theme.muted);
    let heading = base.fg(theme.accent).add_modifier(Modifier::BOLD);
    let now = app.now();
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| match t {
        Some(v) if v > now => format!("{} (in {})", timestamp(t), age(v, Some(now))),
        Some(_) => format!("{} ({} ago)", timestamp(t), age(now, t)),
        None => "-".to_string(),
    };
    let scope_label = |s| scope_label(app, s);
    let mut lines: Vec<Line> = Vec::new();
    let field = |lines: &mut Vec<Line>, k: &str, v: String, style: Style| {
        let v = if v.is_empty() { "-".to_string() } else { v };
        lines.push(field_line(k, 20, &v, key, style));
    };
    let section = |lines: &mut Vec<Line>, title: &str, rows: &[(String, String)]| {
        if rows.is_empty() {
            return;
        }
        lines.push(Line::default());
        lines.push(Line::styled(title.to_string(), heading));
        for (k, v) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", clean(k)), key),
                Span::styled(clean(v).into_owned(), base),
            ]));
        }
    };
    let gone = |lines: &mut Vec<Line>, what: &str| {
        lines.push(gone_line(what, base, theme));
    };
    let (title, hint) = match record {
        Record::Command { scope, id } => {
            match app
                .estate
                .scope_commands(*scope)
                .iter()
                .find(|c| c.command_id == *id)
            {
                None => gone(&mut lines, "command"),
                Some(c) => {
                    let st = base.fg(run_status_color(&c.status, theme));
                    field(&mut lines, "Status", c.status.clone(), st);
                    if c.status_details != c.status {
                        field(&mut lines, "Status details", c.status_details.clone(), base);
                    }
                    let doc = if c.document_version.is_empty() {
                        c.document_name.clone()
                    } else {
                        format!("{} (version {})", c.document_name, c.document_version)
                    };
                    field(&mut lines, "Document", doc, base);
                    field(&mut lines, "Comment", c.comment.clone(), base);
                    field(&mut lines, "Requested", when(c.requested), base);
                    field(&mut lines, "Expires after", when(c.expires_after), base);
                    field(&mut lines, "Scope", scope_label(*scope), base);
                    field(&mut lines, "Targets", c.target_count.to_string(), base);
                    field(&mut lines, "Completed", c.completed_count.to_string(), base);
                    let bad = |n: u32| if n > 0 { base.fg(theme.error) } else { base };
                    field(
                        &mut lines,
                        "Errors",
                        c.error_count.to_string(),
                        bad(c.error_count),
                    );
                    field(
                        &mut lines,
                        "Delivery timed out",
                        c.delivery_timed_out_count.to_string(),
                        bad(c.delivery_timed_out_count),
                    );
                    field(
                        &mut lines,
                        "Concurrency",
                        format!(
                            "max {} · max errors {}",
                            if c.max_concurrency.is_empty() {
                                "-"
                            } else {
                                &c.max_concurrency
                            },
                            if c.max_errors.is_empty() {
                                "-"
                            } else {
                                &c.max_errors
                            }
                        ),
                        base,
                    );
                    if let Some(t) = c.timeout_seconds {
                        field(&mut lines, "Timeout", format!("{t} s"), base);
                    }
                    let mut rows = Vec::new();
                    targets_lines(&c.targets, &c.instance_ids, &mut rows);
                    section(&mut lines, "Targets", &rows);
                    section(&mut lines, "Parameters", &c.parameters);
                }
            }
            (
                format!(" Command {} ", clean(id)),
                " n node · j/k scroll · Esc close ",
            )
        }
        Record::Automation { scope, id } => {
            match app
                .estate
                .scope_automations(*scope)
                .iter()
                .find(|a| a.execution_id == *id)
            {
                None => gone(&mut lines, "execution"),
                Some(a) => {
                    let st = base.fg(run_status_color(&a.status, theme));
                    field(&mut lines, "Status", a.status.clone(), st);
                    let doc = if a.document_version.is_empty() {
                        a.document_name.clone()
                    } else {
                        format!("{} (version {})", a.document_name, a.document_version)
                    };
                    field(&mut lines, "Runbook", doc, base);
                    field(&mut lines, "Started", when(a.started), base);
                    field(&mut lines, "Ended", when(a.ended), base);
                    field(&mut lines, "Executed by", a.executed_by.clone(), base);
                    field(&mut lines, "Mode", a.mode.clone(), base);
                    field(&mut lines, "Type", a.automation_type.clone(), base);
                    field(&mut lines, "Scope", scope_label(*scope), base);
                    field(&mut lines, "Current step", a.current_step.clone(), base);
                    field(&mut lines, "Current action", a.current_action.clone(), base);
                    if !a.failure_message.is_empty() {
                        field(
                            &mut lines,
                            "Failure",
                            a.failure_message.clone(),
                            base.fg(theme.error),
                        );
                    }
                    field(
                        &mut lines,
                        "Target parameter",
                        a.target_parameter.clone(),
                        base,
                    );
                    if !a.max_concurrency.is_empty() || !a.max_errors.is_empty() {
                        field(
                            &mut lines,
                            "Concurrency",
                            format!("max {} · max errors {}", a.max_concurrency, a.max_errors),
                            base,
                        );
                    }
                    if !a.parent_execution_id.is_empty() {
                        field(&mut lines, "Parent", a.parent_execution_id.clone(), base);
                    }
                    if !a.ops_item_id.is_empty() {
                        field(&mut lines, "OpsItem", a.ops_item_id.clone(), base);
                    }
                    let mut rows = Vec::new();
                    targets_lines(&a.targets, &a.resolved_targets, &mut rows);
                    section(&mut lines, "Targets", &rows);
                }
            }
            (
                format!(" Automation {} ", clean(id)),
                " j/k scroll · Esc close ",
            )
        }
        Record::Activation { scope, id } => {
            match app
                .estate
                .scope_activations(*scope)
                .iter()
                .find(|a| a.activation_id == *id)
            {
                None => gone(&mut lines, "activation"),
                Some(a) => {
                    let s = a.state(now);
                    field(
                        &mut lines,
                        "State",
                        s.label().to_string(),
                        base.fg(activation_color(s, theme)),
                    );
                    field(&mut lines, "Description", a.description.clone(), base);
                    field(
                        &mut lines,
                        "Default name",
                        a.default_instance_name.clone(),
                        base,
                    );
                    field(&mut lines, "IAM role", a.iam_role.clone(), base);
                    field(
                        &mut lines,
                        "Registrations",
                        format!("{} of {}", a.registrations_count, a.registration_limit),
                        base,
                    );
                    field(&mut lines, "Created", when(a.created), base);
                    field(&mut lines, "Expires", when(a.expiration), base);
                    field(&mut lines, "Scope", scope_label(*scope), base);
                    let tier = app.estate.scope_instance_tier(*scope).unwrap_or("-");
                    field(&mut lines, "Instance tier", tier.to_string(), base);
                    let hybrid = app
                        .estate
                        .scope_nodes(*scope)
                        .iter()
                        .filter(|n| n.activation_id == *id)
                        .count();
                    field(
                        &mut lines,
                        "Nodes reporting",
                        format!("{hybrid} managed nodes registered with it"),
                        base,
                    );
                    section(&mut lines, "Tags", &a.tags);
                }
            }
            (
                format!(" Activation {} ", clean(id)),
                " j/k scroll · Esc close ",
            )
        }
        Record::Audit { request_id } => {
            match app.panes.audit.call(request_id) {
                None => lines.push(Line::styled(
                    "This call is no longer in the audit log.",
                    base.fg(theme.warn),
                )),
                Some(c) => {
                    let st = base.fg(super::audit::result_color(&c.result, theme));
                    field(&mut lines, "Result", c.result.clone(), st);
                    if let Some(e) = &c.error {
                        field(&mut lines, "Error", e.clone(), base.fg(theme.error));
                    }
                    field(&mut lines, "Action", c.action.clone(), base);
                    field(&mut lines, "What", c.summary.clone(), base);
                    field(&mut lines, "Who", c.caller.clone(), base);
                    field(
                        &mut lines,
                        "Where",
                        format!("{} {}", c.account, c.region),
                        base,
                    );
                    field(&mut lines, "When", audit_time(c.time), base);
                    if let Some(f) = c.finished {
                        field(&mut lines, "Answered", audit_time(f), base);
                    }
                    field(&mut lines, "Id", c.id.clone().unwrap_or_default(), base);
                    if let Some(o) = &c.override_word {
                        field(
                            &mut lines,
                            "Override",
                            format!("{o} (typed at a closed change calendar)"),
                            base.fg(theme.warn),
                        );
                    }
                    field(&mut lines, "Request id", c.request_id.clone(), base);
                    let cals: Vec<(String, String)> = c
                        .calendars
                        .iter()
                        .map(|k| (k.name.clone(), k.state.clone()))
                        .collect();
                    section(&mut lines, "Change calendars", &cals);
                    let req = serde_json::to_string_pretty(&c.request).unwrap_or_default();
                    if !req.is_empty() && req != "null" {
                        lines.push(Line::default());
                        lines.push(Line::styled("Request", heading));
                        for l in req.lines() {
                            lines.push(Line::styled(format!("  {}", clean(l)), base));
                        }
                    }
                }
            }
            (
                format!(" Audit · {} ", clean(request_id)),
                " j/k scroll · Esc close ",
            )
        }
    };
    let popup = centered(
        area,
        area.width.saturating_sub(6).clamp(40, 110),
        u16::try_from(lines.len() + 2)
            .unwrap_or(u16::MAX)
            .min(area.height.saturating_sub(2)),
    );
    draw_popup(buf, popup, theme, title, hint, lines, scroll);
}
