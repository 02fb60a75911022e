//! The Explorer pane: the estate's aggregates as bars and numbers, over the scopes shown.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::widgets::{Block, Borders, Widget};

use super::nodes::ping_color;
use super::ops::severity_color;
use super::table::{draw_bars, draw_title};
use super::text::{age, put, thousands};
use crate::app::{App, compliance_summary, severity_label};
use crate::model::{ComplianceSeverity, ExplorerSource, Feed, PingStatus, ScopeId};
use crate::ui::theme::Theme;

/// Everything the pane shows, counted once per frame over the scopes shown.
#[derive(Debug, Default)]
struct Stats {
    nodes: u64,
    ping: BTreeMap<PingStatus, u64>,
    platform: BTreeMap<String, u64>,
    /// version → (nodes, outdated).
    agents: BTreeMap<String, (u64, bool)>,
    outdated: u64,
    accounts: BTreeMap<String, u64>,
    regions: BTreeMap<String, u64>,
    open_items: u64,
    by_severity: BTreeMap<String, u64>,
    /// source → (open items, oldest created).
    by_source: BTreeMap<String, SourceCount>,
    oldest_open: Option<DateTime<Utc>>,
    patch_nodes: u64,
    patch_missing: u64,
    patch_failed: u64,
    patch_reboot: u64,
    patch_attention: u64,
}

fn count(app: &App) -> Stats {
    let mut s = Stats::default();
    let mask = app.scope_mask();
    let estate = &app.estate;
    for (i, st) in estate.scopes().iter().enumerate() {
        if !mask.get(i).copied().unwrap_or(true) {
            continue;
        }
        let id = i as ScopeId;
        let nodes = estate.scope_nodes(id);
        s.nodes += nodes.len() as u64;
        if !nodes.is_empty() {
            *s.accounts.entry(st.scope.account.name.clone()).or_default() += nodes.len() as u64;
            *s.regions.entry(st.scope.region.clone()).or_default() += nodes.len() as u64;
        }
        let mut platforms: HashMap<&str, u64> = HashMap::new();
        for n in nodes {
            *s.ping.entry(n.ping_status).or_default() += 1;
            *platforms.entry(n.platform_type.as_str()).or_default() += 1;
            let outdated = n.is_latest_version == Some(false);
            let label = if n.agent_version.is_empty() {
                "(unknown)"
            } else {
                n.agent_version.as_str()
            };
            match s.agents.get_mut(label) {
                Some(e) => {
                    e.0 += 1;
                    e.1 |= outdated;
                }
                None => {
                    s.agents.insert(label.to_string(), (1, outdated));
                }
            }
            s.outdated += u64::from(outdated);
        }
        for (p, n) in platforms {
            *s.platform.entry(p.to_string()).or_default() += n;
        }
        for item in estate.scope_ops_items(id).iter().filter(|i| i.is_open()) {
            s.open_items += 1;
            *s.by_severity.entry(item.severity.clone()).or_default() += 1;
            let e = s.by_source.entry(item.source.clone()).or_default();
            e.0 += 1;
            if let Some(c) = item.created {
                e.1 = Some(e.1.map_or(c, |o| o.min(c)));
                s.oldest_open = Some(s.oldest_open.map_or(c, |o| o.min(c)));
            }
        }
        for p in estate.scope_patch_states(id) {
            s.patch_nodes += 1;
            s.patch_missing += u64::from(p.missing);
            s.patch_failed += u64::from(p.failed);
            s.patch_reboot += u64::from(p.installed_pending_reboot);
            s.patch_attention += u64::from(p.needs_attention());
        }
    }
    s
}

/// `· org-wide (sync NAME): N nodes, M open OpsItems` from the sync's aggregates.
fn sync_totals(app: &App, name: &str) -> String {
    let aggregates = app.estate.explorer();
    let find = |t: &str, a: &str| {
        aggregates
            .iter()
            .find(|g| g.type_name == t && g.attribute == a)
    };
    let nodes = find("AWS:InstanceInformation", "PingStatus")
        .map(|g| g.counts.iter().map(|(_, n)| n).sum::<u64>());
    let open = find("AWS:OpsItem", "Status").map(|g| {
        g.counts
            .iter()
            .filter(|(v, _)| matches!(v.as_str(), "Open" | "InProgress" | "Pending"))
            .map(|(_, n)| n)
            .sum::<u64>()
    });
    let mut parts = Vec::new();
    if let Some(n) = nodes {
        parts.push(format!("{} nodes", thousands(n as usize)));
    }
    if let Some(n) = open {
        parts.push(format!("{} open OpsItems", thousands(n as usize)));
    }
    if parts.is_empty() {
        format!(" · sync {name}: no totals yet")
    } else {
        format!(" · org-wide (sync {name}): {}", parts.join(", "))
    }
}

/// Draws one panel of the grid.
type Panel<'a> = Box<dyn Fn(&mut Buffer, Rect) + 'a>;

/// Open OpsItems of one source and the oldest one's creation.
type SourceCount = (u64, Option<DateTime<Utc>>);

fn panel<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(theme.border))
        .title(ratatui::text::Span::styled(
            format!(" {title} "),
            Style::default()
                .fg(theme.accent)
                .add_modifier(Modifier::BOLD),
        ))
}

/// Largest first, at most `n` (the rest summed as "other").
fn top(map: impl IntoIterator<Item = (String, u64)>, n: usize) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = map.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if v.len() > n && n > 1 {
        let rest: u64 = v[n - 1..].iter().map(|(_, c)| c).sum();
        let others = v.len() - (n - 1);
        v.truncate(n - 1);
        v.push((format!("{others} others"), rest));
    }
    v
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let theme = *app.theme();
    let s = count(app);
    // The panels count what the pollers brought over the scopes shown; a resource data
    // sync's organization-wide totals are shown beside them.
    let source = match app.estate.explorer_source() {
        Some(ExplorerSource::Sync(name)) => sync_totals(app, name),
        _ => String::new(),
    };
    let title = format!(
        "Explorer · {} nodes · {} open OpsItems in the scopes shown{source}",
        thousands(s.nodes as usize),
        thousands(s.open_items as usize)
    );
    draw_title(
        buf,
        area,
        app,
        &title,
        &[Feed::Nodes, Feed::OpsItems, Feed::Compliance, Feed::Patch],
    );
    let body = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    // Scrolling moves the grid up a row of panels at a time.
    let rows = Layout::vertical([
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
        Constraint::Ratio(1, 3),
    ])
    .split(body);
    let skip = usize::from(app.panes.explorer.scroll).min(2);
    let panels: [[Panel; 3]; 3] = [
        [
            Box::new(|b, r| nodes_by_ping(b, r, &s, &theme)),
            Box::new(|b, r| {
                let items = top(s.platform.clone(), 6)
                    .into_iter()
                    .map(|(l, n)| (l, n, Style::default().fg(theme.accent)))
                    .collect::<Vec<_>>();
                bars_panel(b, r, "Nodes by platform".into(), &items, &theme);
            }),
            Box::new(|b, r| agents(b, r, &s, &theme)),
        ],
        [
            Box::new(|b, r| ops_by_severity(b, r, &s, app, &theme)),
            Box::new(|b, r| ops_by_source(b, r, &s, app, &theme)),
            Box::new(|b, r| patch(b, r, &s, &theme)),
        ],
        [
            Box::new(|b, r| compliance(b, r, app, &theme)),
            Box::new(|b, r| {
                let items = top(s.accounts.clone(), 8)
                    .into_iter()
                    .map(|(l, n)| (l, n, Style::default().fg(theme.accent)))
                    .collect::<Vec<_>>();
                bars_panel(b, r, "Nodes by account".into(), &items, &theme);
            }),
            Box::new(|b, r| {
                let items = top(s.regions.clone(), 8)
                    .into_iter()
                    .map(|(l, n)| (l, n, Style::default().fg(theme.accent)))
                    .collect::<Vec<_>>();
                bars_panel(b, r, "Nodes by region".into(), &items, &theme);
            }),
        ],
    ];
    let heights = rows.len();
    for (slot, row) in panels.iter().skip(skip).enumerate() {
        if slot >= heights {
            break;
        }
        let area = if slot + 1 == heights - skip {
            // The last visible row takes what the skipped rows left.
            Rect {
                height: body.bottom().saturating_sub(rows[slot].y),
                ..rows[slot]
            }
        } else {
            rows[slot]
        };
        let cols = Layout::horizontal([
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
        ])
        .split(area);
        for (draw, r) in row.iter().zip(cols.iter()) {
            draw(buf, *r);
        }
    }
}

/// Draws the frame of the panel `title` over `area`; returns its inside, or `None` with
/// "no data yet" written there when it has nothing (`empty`) to show.
fn open_panel(
    buf: &mut Buffer,
    area: Rect,
    title: String,
    empty: bool,
    theme: &Theme,
) -> Option<Rect> {
    let block = panel(title, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    if empty {
        put(
            buf,
            inner.x,
            inner.y,
            "no data yet",
            usize::from(inner.width),
            Style::default().fg(theme.muted),
        );
        return None;
    }
    Some(inner)
}

fn bars_panel(
    buf: &mut Buffer,
    area: Rect,
    title: String,
    items: &[(String, u64, Style)],
    theme: &Theme,
) {
    if let Some(inner) = open_panel(buf, area, title, items.is_empty(), theme) {
        draw_bars(buf, inner, items, theme);
    }
}

fn nodes_by_ping(buf: &mut Buffer, area: Rect, s: &Stats, theme: &Theme) {
    let items: Vec<(String, u64, Style)> = s
        .ping
        .iter()
        .map(|(p, n)| {
            (
                p.as_str().to_string(),
                *n,
                Style::default().fg(ping_color(*p, theme)),
            )
        })
        .collect();
    let online = s.ping.get(&PingStatus::Online).copied().unwrap_or(0);
    let pct = (online * 100).checked_div(s.nodes).unwrap_or(0);
    bars_panel(
        buf,
        area,
        format!("Nodes by ping · {pct}% online"),
        &items,
        theme,
    );
}

fn agents(buf: &mut Buffer, area: Rect, s: &Stats, theme: &Theme) {
    let mut v: Vec<(&String, &(u64, bool))> = s.agents.iter().collect();
    v.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0)));
    let items: Vec<(String, u64, Style)> = v
        .into_iter()
        .take(8)
        .map(|(ver, (n, old))| {
            let (label, fg) = if *old {
                (format!("{ver}*"), theme.agent_outdated)
            } else {
                (ver.clone(), theme.ok)
            };
            (label, *n, Style::default().fg(fg))
        })
        .collect();
    bars_panel(
        buf,
        area,
        format!(
            "Agent versions · {} outdated*",
            thousands(s.outdated as usize)
        ),
        &items,
        theme,
    );
}

fn ops_by_severity(buf: &mut Buffer, area: Rect, s: &Stats, app: &App, theme: &Theme) {
    let items: Vec<(String, u64, Style)> = s
        .by_severity
        .iter()
        .map(|(sev, n)| {
            (
                severity_label(sev).into_owned(),
                *n,
                Style::default().fg(severity_color(sev, theme)),
            )
        })
        .collect();
    let oldest = age(app.now(), s.oldest_open);
    bars_panel(
        buf,
        area,
        format!("Open OpsItems by severity · oldest {oldest}"),
        &items,
        theme,
    );
}

fn ops_by_source(buf: &mut Buffer, area: Rect, s: &Stats, app: &App, theme: &Theme) {
    let now = app.now();
    let mut v: Vec<(&String, &SourceCount)> = s.by_source.iter().collect();
    v.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(b.0)));
    let items: Vec<(String, u64, Style)> = v
        .into_iter()
        .take(8)
        .map(|(src, (n, oldest))| {
            let src = if src.is_empty() { "(none)" } else { src };
            (
                format!("{src} ({})", age(now, *oldest)),
                *n,
                Style::default().fg(theme.accent),
            )
        })
        .collect();
    bars_panel(
        buf,
        area,
        "Open OpsItems by source (oldest)".into(),
        &items,
        theme,
    );
}

fn patch(buf: &mut Buffer, area: Rect, s: &Stats, theme: &Theme) {
    let items = vec![
        (
            "missing".to_string(),
            s.patch_missing,
            Style::default().fg(theme.warn),
        ),
        (
            "failed".to_string(),
            s.patch_failed,
            Style::default().fg(theme.error),
        ),
        (
            "pending reboot".to_string(),
            s.patch_reboot,
            Style::default().fg(theme.accent),
        ),
    ];
    let title = format!(
        "Patches · {}/{} nodes need attention",
        thousands(s.patch_attention as usize),
        thousands(s.patch_nodes as usize)
    );
    if s.patch_nodes == 0 {
        bars_panel(buf, area, title, &[], theme);
    } else {
        bars_panel(buf, area, title, &items, theme);
    }
}

fn compliance(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let rows = compliance_summary(&app.estate, app.scope_mask());
    let title = "Compliance by type".to_string();
    let Some(inner) = open_panel(buf, area, title, rows.is_empty(), theme) else {
        return;
    };
    let mut y = inner.y;
    for r in rows {
        if y + 1 >= inner.bottom() {
            break;
        }
        super::compliance::draw_summary_line(
            buf,
            Rect {
                y,
                height: 1,
                ..inner
            },
            &r,
            theme,
        );
        let mut x = inner.x + 2;
        for sev in [
            ComplianceSeverity::Critical,
            ComplianceSeverity::High,
            ComplianceSeverity::Medium,
            ComplianceSeverity::Low,
        ] {
            let n = r.non_compliant.get(sev);
            let text = format!("{} {n} ", &sev.as_str()[..1]);
            x += put(
                buf,
                x,
                y + 1,
                &text,
                usize::from(inner.right().saturating_sub(x)),
                Style::default().fg(super::compliance::severity_color(sev, theme)),
            ) as u16;
        }
        y += 2;
    }
}
