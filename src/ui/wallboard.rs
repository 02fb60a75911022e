//! The wallboard: headline numbers, a staleness banner, the rotation bar and the pane shown.

use std::collections::{BTreeMap, HashSet};

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Widget};

use super::text::{age, put, put_right, thousands, width};
use crate::app::{App, Drawn, StaleFeed, wallboard_clock};
use crate::model::{Estate, PingStatus, ScopeHealth};
use crate::ui::theme::Theme;

/// The estate's headline numbers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Headline {
    pub online: usize,
    pub offline: usize,
    pub lost: usize,
    pub inactive: usize,
    pub open_items: usize,
    /// Open OpsItems by severity 1..4; index 4: any other.
    pub by_severity: [usize; 5],
    /// Distinct (scope, resource) with a non-compliant record.
    pub non_compliant: usize,
    /// Non-compliant resources by compliance type.
    pub by_type: BTreeMap<String, usize>,
    pub scopes: usize,
    pub stale_scopes: usize,
    pub failed_scopes: usize,
}

impl Headline {
    pub fn count(estate: &Estate, stale: &[StaleFeed]) -> Headline {
        let mut h = Headline {
            scopes: estate.scopes().len(),
            ..Headline::default()
        };
        for n in estate.nodes() {
            match n.ping_status {
                PingStatus::Online => h.online += 1,
                PingStatus::ConnectionLost => h.lost += 1,
                PingStatus::Inactive => h.inactive += 1,
                PingStatus::Unknown => {}
            }
        }
        h.offline = estate.node_count().saturating_sub(h.online);
        for item in estate.ops_items().filter(|i| i.is_open()) {
            h.open_items += 1;
            let i = match item.severity.as_str() {
                "1" => 0,
                "2" => 1,
                "3" => 2,
                "4" => 3,
                _ => 4,
            };
            h.by_severity[i] += 1;
        }
        let mut seen = HashSet::new();
        for r in estate
            .resource_compliance()
            .filter(|r| r.status == "NON_COMPLIANT")
        {
            *h.by_type.entry(r.compliance_type.clone()).or_default() += 1;
            if seen.insert((r.scope, r.resource_id.as_str())) {
                h.non_compliant += 1;
            }
        }
        h.stale_scopes = stale.iter().map(|s| s.scope).collect::<HashSet<_>>().len();
        h.failed_scopes = estate
            .scopes()
            .iter()
            .filter(|s| s.feeds.iter().any(|f| f.health == ScopeHealth::Failed))
            .count();
        h
    }
}

pub fn draw(buf: &mut Buffer, area: Rect, app: &App, out: &mut Drawn) {
    let theme = *app.theme();
    let now = app.now();
    let stale = app.stale_feeds();
    let head = Headline::count(&app.estate, &stale);
    let tile_h: u16 = if area.height >= 60 { 6 } else { 4 };
    let [top, tiles, banner, bar, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(tile_h.min(area.height.saturating_sub(1))),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);

    draw_top(buf, top, app, now);
    draw_tiles(buf, tiles, &head, &theme);
    draw_banner(buf, banner, app, &stale, now);
    draw_rotation(buf, bar, app);
    if body.height == 0 {
        return;
    }
    super::draw_pane(buf, body, app, out);
}

fn draw_top(buf: &mut Buffer, area: Rect, app: &App, now: chrono::DateTime<chrono::Utc>) {
    if area.height == 0 {
        return;
    }
    let theme = app.theme();
    let base = Style::default().fg(theme.header_fg).bg(theme.header_bg);
    buf.set_style(area, base);
    let refreshed = match app.last_complete_refresh() {
        Some(t) => format!("last complete refresh {}", t.format("%H:%M:%S UTC")),
        None => "waiting for a complete refresh".to_string(),
    };
    let right = format!("{refreshed} · now {} ", wallboard_clock(now));
    let rx = put_right(
        buf,
        area,
        &right,
        base.fg(theme.fg).add_modifier(Modifier::BOLD),
    );
    let limit = |x: u16| usize::from(rx.saturating_sub(x).saturating_sub(1));
    let mut x = super::header::draw_name(buf, area, rx, base, theme) + 1;
    let badge = super::header::badge_style(theme, theme.badge_ro_bg);
    x += put(buf, x, area.y, " WALLBOARD ", limit(x), badge) as u16;
    if !app.options.context.is_empty() {
        x += 2;
        x += put(buf, x, area.y, &app.options.context, limit(x), base) as u16;
    }
    if let Some(p) = super::progress::loading(app) {
        x += 2;
        super::progress::draw_gauge(
            buf,
            x,
            area.y,
            limit(x),
            &p,
            base.add_modifier(Modifier::BOLD),
            base.fg(theme.ok),
        );
    }
}

/// One headline tile: a label, a number (big when there is room) and a detail line.
struct Tile<'a> {
    label: &'a str,
    value: String,
    color: Color,
    detail: Vec<(String, Color)>,
}

fn draw_tiles(buf: &mut Buffer, area: Rect, h: &Headline, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    let alarm = |n: usize| if n > 0 { theme.error } else { theme.ok };
    let mut sev: Vec<(String, Color)> = [
        ("crit", theme.sev_critical),
        ("high", theme.sev_high),
        ("med", theme.sev_medium),
        ("low", theme.sev_low),
        ("other", theme.muted),
    ]
    .iter()
    .zip(h.by_severity)
    .filter(|((name, _), n)| *n > 0 || *name != "other")
    .map(|((name, c), n)| (format!("{name} {n}  "), *c))
    .collect();
    if let Some(last) = sev.last_mut() {
        last.0 = last.0.trim_end().to_string();
    }
    let mut types: Vec<(&String, &usize)> = h.by_type.iter().collect();
    types.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let types = types
        .iter()
        .map(|(t, n)| format!("{t} {n}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let mut stale_detail = format!("of {} scopes", h.scopes);
    if h.failed_scopes > 0 {
        stale_detail.push_str(&format!(" · {} failing", h.failed_scopes));
    }
    let tiles = [
        Tile {
            label: "NODES ONLINE",
            value: h.online.to_string(),
            color: theme.ok,
            detail: vec![(
                format!("of {} nodes", thousands(h.online + h.offline)),
                theme.fg,
            )],
        },
        Tile {
            label: "NODES OFFLINE",
            value: h.offline.to_string(),
            color: alarm(h.offline),
            detail: vec![(
                format!("lost {} · inactive {}", h.lost, h.inactive),
                theme.fg,
            )],
        },
        Tile {
            label: "OPEN OPSITEMS",
            value: h.open_items.to_string(),
            color: alarm(h.by_severity[0] + h.by_severity[1]),
            detail: sev,
        },
        Tile {
            label: "NON-COMPLIANT",
            value: h.non_compliant.to_string(),
            color: alarm(h.non_compliant),
            detail: vec![(
                if types.is_empty() {
                    "resources".to_string()
                } else {
                    types
                },
                theme.fg,
            )],
        },
        Tile {
            label: "SCOPES STALE",
            value: h.stale_scopes.to_string(),
            color: alarm(h.stale_scopes),
            detail: vec![(stale_detail, theme.fg)],
        },
    ];
    let cols = Layout::horizontal([
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Fill(2),
    ])
    .split(area);
    for (tile, rect) in tiles.iter().zip(cols.iter()) {
        draw_tile(buf, *rect, tile, theme);
    }
}

fn draw_tile(buf: &mut Buffer, area: Rect, tile: &Tile, theme: &Theme) {
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.border))
        .title(format!(" {} ", tile.label))
        .title_style(base.fg(theme.fg).add_modifier(Modifier::BOLD));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let value_style = base.fg(tile.color).add_modifier(Modifier::BOLD);
    let big = big_rows(&tile.value);
    let value_h = if inner.height >= 4 && width(&big[0]) <= usize::from(inner.width) {
        for (i, row) in big.iter().enumerate() {
            put(
                buf,
                inner.x + 1,
                inner.y + i as u16,
                row,
                usize::from(inner.width.saturating_sub(1)),
                value_style,
            );
        }
        3
    } else {
        put(
            buf,
            inner.x + 1,
            inner.y,
            &tile.value,
            usize::from(inner.width.saturating_sub(1)),
            value_style,
        );
        1
    };
    if inner.height <= value_h {
        return;
    }
    let y = inner.y + value_h;
    let mut x = inner.x + 1;
    for (text, color) in &tile.detail {
        let room = usize::from(inner.right().saturating_sub(x));
        x += put(buf, x, y, text, room, base.fg(*color)) as u16;
    }
}

/// Digits three cells wide and three rows high; other characters as they are.
fn big_rows(s: &str) -> [String; 3] {
    const FONT: [[&str; 3]; 10] = [
        ["█▀█", "█ █", "▀▀▀"],
        ["▀█ ", " █ ", "▀▀▀"],
        ["▀▀█", "█▀▀", "▀▀▀"],
        ["▀▀█", " ▀█", "▀▀▀"],
        ["█ █", "▀▀█", "  ▀"],
        ["█▀▀", "▀▀█", "▀▀▀"],
        ["█▀▀", "█▀█", "▀▀▀"],
        ["▀▀█", "  █", "  ▀"],
        ["█▀█", "█▀█", "▀▀▀"],
        ["█▀█", "▀▀█", "▀▀▀"],
    ];
    let mut rows = [String::new(), String::new(), String::new()];
    for (i, c) in s.chars().enumerate() {
        let glyph = c
            .to_digit(10)
            .and_then(|d| FONT.get(d as usize))
            .map_or([" ", " ", " "], |g| *g);
        for (row, part) in rows.iter_mut().zip(glyph) {
            if i > 0 {
                row.push(' ');
            }
            row.push_str(part);
        }
    }
    rows
}

fn draw_banner(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    stale: &[StaleFeed],
    now: chrono::DateTime<chrono::Utc>,
) {
    if area.height == 0 {
        return;
    }
    let theme = app.theme();
    let estate = &app.estate;
    // Without colours (NO_COLOR) the alarm is reversed, not black on the default.
    let alarm_fg = if theme.error == Color::Reset {
        Color::Reset
    } else {
        Color::Black
    };
    let alarm = Style::default()
        .fg(alarm_fg)
        .bg(theme.error)
        .add_modifier(Modifier::BOLD | theme.selection);
    let (text, style) = if let Some(err) = &estate.discovery_error {
        (format!(" ✗ DISCOVERY FAILED: {err}"), alarm)
    } else if !stale.is_empty() {
        (stale_text(app, stale, now, usize::from(area.width)), alarm)
    } else if estate.scopes().is_empty() {
        (
            " discovering scopes…".to_string(),
            Style::default().fg(theme.muted).bg(theme.bg),
        )
    } else {
        (
            " ✓ every scope and feed refreshed within twice its cadence".to_string(),
            Style::default()
                .fg(theme.ok)
                .bg(theme.bg)
                .add_modifier(Modifier::BOLD),
        )
    };
    buf.set_style(area, style);
    put(buf, area.x, area.y, &text, usize::from(area.width), style);
}

/// ` ⚠ STALE 3: prod/eu-west-1 nodes 5m · … (+2 more)`, as many as fit in `room`.
fn stale_text(
    app: &App,
    stale: &[StaleFeed],
    now: chrono::DateTime<chrono::Utc>,
    room: usize,
) -> String {
    let head = format!(" ⚠ STALE {} (no refresh in 2× cadence): ", stale.len());
    let items: Vec<String> = stale
        .iter()
        .map(|s| {
            let scope = app
                .estate
                .scope(s.scope)
                .map(|st| format!("{}/{}", st.scope.account.name, st.scope.region))
                .unwrap_or_else(|| format!("scope {}", s.scope));
            let last = match s.last_success {
                Some(_) => format!("{} ago", age(now, s.last_success)),
                None => "never".to_string(),
            };
            format!("{scope} {} {last}", s.feed)
        })
        .collect();
    let mut text = head;
    for (i, item) in items.iter().enumerate() {
        let rest = items.len() - i - 1;
        let more = if rest > 0 {
            format!(" (+{rest} more)")
        } else {
            String::new()
        };
        let sep = if i > 0 { " · " } else { "" };
        if width(&text) + width(sep) + width(item) + width(&more) > room && i > 0 {
            text.push_str(&format!(" (+{} more)", items.len() - i));
            return text;
        }
        text.push_str(sep);
        text.push_str(item);
    }
    text
}

fn draw_rotation(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let Some(opts) = app.wallboard() else {
        return;
    };
    let theme = app.theme();
    let base = Style::default()
        .fg(theme.header_fg)
        .bg(theme.table_header_bg);
    buf.set_style(area, base);
    let active = Style::default()
        .fg(theme.selected_fg)
        .bg(theme.selected_bg)
        .add_modifier(Modifier::BOLD | theme.selection);
    let paused = app.wallboard_paused();
    let right = if paused {
        " ⏸ PAUSED · space resumes · q quits ".to_string()
    } else {
        format!("every {}s · space pauses · q quits ", opts.rotate.as_secs())
    };
    let right_style = if paused {
        Style::default()
            .fg(theme.badge_fg)
            .bg(theme.warn)
            .add_modifier(Modifier::BOLD)
    } else {
        base.fg(theme.header_fg)
    };
    let rx = put_right(buf, area, &right, right_style);
    let shown = app.wallboard_index();
    let mut x = area.x + 1;
    for (i, pane) in opts.panes.iter().enumerate() {
        let room = usize::from(rx.saturating_sub(x).saturating_sub(1));
        let label = if i == shown {
            format!(" ▶ {} ", pane.title())
        } else {
            format!(" {} ", pane.title())
        };
        let style = if i == shown { active } else { base };
        x += put(buf, x, area.y, &label, room, style) as u16 + 1;
    }
}
