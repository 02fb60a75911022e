//! The managed-nodes table: a virtual table that draws only the rows in view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::text::{age, put, thousands};
use crate::app::{App, Column, Drawn, HitSpans, TableArea};
use crate::model::{ManagedNode, PingStatus, ScopeHealth};
use crate::ui::theme::Theme;

/// How the table gives up width on narrow terminals, step by step.
enum Step {
    Shrink(Column, u16),
    Drop(Column),
}

const STEPS: [Step; 16] = [
    Step::Shrink(Column::Os, 16),
    Step::Drop(Column::Platform),
    Step::Shrink(Column::Account, 16),
    Step::Shrink(Column::Name, 14),
    Step::Drop(Column::Agent),
    Step::Shrink(Column::Os, 10),
    Step::Drop(Column::Os),
    Step::Drop(Column::Region),
    Step::Drop(Column::Ip),
    Step::Shrink(Column::Account, 10),
    Step::Shrink(Column::Ping, 8),
    Step::Drop(Column::LastPing),
    Step::Shrink(Column::Name, 8),
    Step::Drop(Column::Account),
    Step::Drop(Column::Name),
    Step::Shrink(Column::Ping, 4),
];

/// Widths that fit `avail` cells, columns separated by one space; spare width goes
/// to the name.
pub fn layout_columns(avail: u16, account: u16, region: u16) -> Vec<(Column, u16)> {
    let mut cols: Vec<(Column, u16)> = Column::ALL
        .into_iter()
        .map(|c| {
            let w = match c {
                Column::Account => account.clamp(10, 40),
                Column::Region => region.clamp(6, 16),
                Column::InstanceId => 20,
                Column::Name => 20,
                Column::Ping => 14,
                Column::Platform => 8,
                Column::Os => 22,
                Column::Agent => 11,
                Column::Ip => 15,
                Column::LastPing => 10,
            };
            (c, w)
        })
        .collect();
    let total = |cols: &[(Column, u16)]| -> u16 {
        let gaps = cols.len().saturating_sub(1) as u16;
        cols.iter().map(|(_, w)| *w).sum::<u16>() + gaps
    };
    for step in &STEPS {
        let over = total(&cols).saturating_sub(avail);
        if over == 0 {
            break;
        }
        match *step {
            Step::Shrink(col, min) => {
                if let Some((_, w)) = cols.iter_mut().find(|(c, _)| *c == col) {
                    *w -= over.min(w.saturating_sub(min));
                }
            }
            Step::Drop(col) => cols.retain(|(c, _)| *c != col),
        }
    }
    while total(&cols) > avail {
        // Only the id and ping are left: cut from the right.
        let over = total(&cols) - avail;
        let Some((_, w)) = cols.last_mut() else {
            break;
        };
        if *w > over {
            *w -= over;
        } else {
            cols.pop();
        }
    }
    let spare = avail.saturating_sub(total(&cols));
    if let Some((_, w)) = cols.iter_mut().find(|(c, _)| *c == Column::Name) {
        *w += spare;
    }
    cols
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let theme = *app.theme();
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    out.set_table(TableArea {
        x: body.x,
        y: body.y,
        width: body.width,
        height: body.height,
    });

    let (account_w, region_w) = app.estate.scopes().iter().fold((0, 0), |(a, r), s| {
        let acc = super::text::width(&account_label(&s.scope));
        (a.max(acc), r.max(s.scope.region.len()))
    });
    let cols = layout_columns(
        area.width,
        u16::try_from(account_w).unwrap_or(u16::MAX),
        u16::try_from(region_w).unwrap_or(u16::MAX),
    );

    out.set_header(draw_header(buf, area, app, &cols, &theme));

    if app.panes.nodes.is_empty() {
        draw_empty(buf, body, app, &theme);
        return;
    }

    let now = app.now();
    let start = app.panes.nodes.offset();
    let end = (start + usize::from(body.height)).min(app.panes.nodes.len());
    let selected = app.panes.nodes.selected();
    let base = Style::default().fg(theme.fg);
    for (line, pos) in (start..end).enumerate() {
        let Some(row) = app.panes.nodes.rows().get(pos) else {
            break;
        };
        let Some(node) = app.estate.node(row.scope, row.idx) else {
            continue;
        };
        let y = body.y + line as u16;
        let is_selected = pos == selected;
        let row_style = if is_selected {
            Style::default()
                .fg(theme.selected_fg)
                .bg(theme.selected_bg)
                .add_modifier(theme.selection)
        } else {
            base
        };
        if is_selected {
            buf.set_style(
                Rect {
                    y,
                    height: 1,
                    ..body
                },
                row_style,
            );
        }
        let scope = app.estate.scope(row.scope).map(|s| &s.scope);
        let marked = !app.actions.marked.is_empty()
            && app
                .actions
                .marked
                .contains(&(row.scope, node.instance_id.clone()));
        let mut x = body.x;
        for (col, w) in &cols {
            let (mut text, mut style) = cell(*col, node, scope, now, &theme);
            if node.is_hybrid() {
                // On-premises nodes: marked by their name, with the tier when advanced.
                match col {
                    Column::Name => {
                        let mark = hybrid_mark(app.estate.scope_instance_tier(row.scope));
                        text = format!("{mark} {text}");
                    }
                    Column::InstanceId => style = style.fg(theme.accent),
                    _ => {}
                }
            }
            if marked && *col == Column::Name {
                // Marked for Run Command.
                text = format!("✓ {text}");
                style = style.fg(theme.key);
            }
            if *col == Column::Account && super::text::width(&text) > usize::from(*w) {
                // Too narrow for "name (id)": the name alone.
                text = scope.map_or_else(String::new, |s| s.account.name.clone());
            }
            let style = if is_selected {
                row_style
            } else {
                base.patch(style)
            };
            put(buf, x, y, &text, usize::from(*w), style);
            x = x.saturating_add(w + 1);
        }
    }
}

/// The column titles across the top line of `area`, the sorted one marked; where they are.
fn draw_header(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    cols: &[(Column, u16)],
    theme: &Theme,
) -> HitSpans {
    let header_style = Style::default()
        .fg(theme.table_header_fg)
        .bg(theme.table_header_bg)
        .add_modifier(Modifier::BOLD);
    buf.set_style(Rect { height: 1, ..area }, header_style);
    let (sort_col, desc) = app.panes.nodes.sort();
    let mut x = area.x;
    let mut hits = HitSpans {
        y: area.y,
        spans: Vec::with_capacity(cols.len()),
    };
    for (col, w) in cols {
        if let Some(i) = Column::ALL.iter().position(|c| c == col) {
            hits.spans.push((x, *w, i));
        }
        let title = if *col == sort_col {
            format!("{}{}", col.title(), if desc { "▼" } else { "▲" })
        } else {
            col.title().to_string()
        };
        put(buf, x, area.y, &title, usize::from(*w), header_style);
        x = x.saturating_add(w + 1);
    }
    hits
}

fn account_label(s: &crate::model::Scope) -> String {
    if s.account.name.is_empty() {
        s.account.id.clone()
    } else {
        format!("{} ({})", s.account.name, s.account.id)
    }
}

fn cell(
    col: Column,
    node: &ManagedNode,
    scope: Option<&crate::model::Scope>,
    now: chrono::DateTime<chrono::Utc>,
    theme: &Theme,
) -> (String, Style) {
    let plain = Style::default();
    match col {
        Column::Account => (scope.map_or_else(String::new, account_label), plain),
        Column::Region => (scope.map_or_else(String::new, |s| s.region.clone()), plain),
        Column::InstanceId => (node.instance_id.clone(), plain),
        Column::Name => (node.name().to_string(), plain),
        Column::Ping => (
            node.ping_status.as_str().to_string(),
            Style::default().fg(ping_color(node.ping_status, theme)),
        ),
        Column::Platform => (node.platform_type.as_str().to_string(), plain),
        Column::Os => (
            format!("{} {}", node.platform_name, node.platform_version)
                .trim()
                .to_string(),
            plain,
        ),
        Column::Agent => {
            if node.is_latest_version == Some(false) {
                (
                    format!("{}*", node.agent_version),
                    Style::default().fg(theme.agent_outdated),
                )
            } else {
                (node.agent_version.clone(), plain)
            }
        }
        Column::Ip => (node.ip_address.clone(), plain),
        Column::LastPing => (age(now, node.last_ping), Style::default().fg(theme.muted)),
    }
}

/// The mark of an on-premises (`mi-`) node in the nodes table: `⌂`, or `⌂+` when the
/// scope's on-premises nodes are advanced-tier.
pub fn hybrid_mark(tier: Option<&str>) -> &'static str {
    match tier {
        Some(t) if t.eq_ignore_ascii_case("advanced") => "⌂+",
        _ => "⌂",
    }
}

pub fn ping_color(p: PingStatus, theme: &Theme) -> ratatui::style::Color {
    match p {
        PingStatus::Online => theme.ping_online,
        PingStatus::ConnectionLost => theme.ping_lost,
        PingStatus::Inactive => theme.ping_inactive,
        PingStatus::Unknown => theme.ping_unknown,
    }
}

fn draw_empty(buf: &mut Buffer, body: Rect, app: &App, theme: &Theme) {
    if body.height == 0 {
        return;
    }
    let estate = &app.estate;
    let counts = estate.health_counts();
    let (text, style) = if let Some(err) = &estate.discovery_error {
        match super::status::discovery_retry(app) {
            Some(retry) => (
                format!("Discovery failed, {retry}: {err}"),
                Style::default().fg(theme.warn),
            ),
            None => (
                format!("Discovery failed: {err}"),
                Style::default().fg(theme.error),
            ),
        }
    } else if counts.total == 0 {
        (
            "Discovering accounts…".to_string(),
            Style::default().fg(theme.muted),
        )
    } else if estate.node_count() == 0 && counts.pending > 0 {
        (
            format!(
                "Loading managed nodes… ({}/{} scopes answered)",
                counts.total - counts.pending,
                counts.total
            ),
            Style::default().fg(theme.muted),
        )
    } else if estate.node_count() == 0 {
        let all_failed = estate
            .scopes()
            .iter()
            .all(|s| s.health == ScopeHealth::Failed);
        if all_failed {
            (
                "Every scope failed: see the status bar".to_string(),
                Style::default().fg(theme.error),
            )
        } else {
            (
                format!("No managed nodes in {} scopes", thousands(counts.total)),
                Style::default().fg(theme.muted),
            )
        }
    } else {
        (
            "No nodes match filter".to_string(),
            Style::default().fg(theme.muted),
        )
    };
    let w = super::text::width(&text).min(usize::from(body.width)) as u16;
    let x = body.x + (body.width - w) / 2;
    let y = body.y + body.height.saturating_sub(1) / 3;
    put(buf, x, y, &text, usize::from(body.width), style);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width_of(cols: &[(Column, u16)]) -> u16 {
        cols.iter().map(|(_, w)| *w).sum::<u16>() + cols.len().saturating_sub(1) as u16
    }

    #[test]
    fn wide_terminal_shows_every_column_and_fills() {
        let cols = layout_columns(200, 24, 9);
        assert_eq!(cols.len(), Column::ALL.len());
        assert_eq!(width_of(&cols), 200);
    }

    #[test]
    fn narrow_terminals_drop_columns_in_order() {
        let cols = layout_columns(80, 24, 9);
        assert_eq!(width_of(&cols), 80);
        let names: Vec<Column> = cols.iter().map(|(c, _)| *c).collect();
        assert!(names.contains(&Column::InstanceId));
        assert!(names.contains(&Column::Ping));
        assert!(!names.contains(&Column::Platform));
        for w in [0u16, 1, 5, 20, 33, 40, 60, 100, 140] {
            let cols = layout_columns(w, 24, 9);
            assert!(width_of(&cols) <= w, "width {w}");
            if w >= 19 {
                assert!(cols.iter().any(|(c, _)| *c == Column::InstanceId));
            }
        }
    }
}
