//! Session tabs: the tab bar, a shell's screen (vt100 through tui-term), a port
//! forward's card, the session footer and the port-forward prompt.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use tui_term::widget::{Cursor, PseudoTerminal};

use super::text::{centered, clean, put, put_right, width};
use crate::app::{App, Focus, LEADER_LABEL, Overlay, SessionTab};
use crate::model::SessionState;
use crate::ui::theme::Theme;

/// State as words: `connecting…`, `live`, `reconnecting (2)`, `closed: reason`.
pub fn state_text(state: &SessionState) -> String {
    match state {
        SessionState::Connecting => "connecting…".into(),
        SessionState::Live => "live".into(),
        SessionState::Reconnecting { attempt } => format!("reconnecting ({attempt})"),
        SessionState::Closed { reason } if reason.is_empty() => "closed".into(),
        SessionState::Closed { reason } => format!("closed: {}", one_line(reason)),
    }
}

fn state_style(theme: &Theme, state: &SessionState) -> Style {
    let fg = match state {
        SessionState::Live => theme.ok,
        SessionState::Connecting | SessionState::Reconnecting { .. } => theme.warn,
        SessionState::Closed { .. } => theme.error,
    };
    Style::default().fg(fg)
}

fn one_line(s: &str) -> String {
    clean(&s.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

fn cut(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + width(c.encode_utf8(&mut [0; 4])) + 1 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// One tab's label at a level of detail: 0 full, 1 without scope, 2 short title,
/// 3 number and state only.
fn tab_label(n: usize, tab: &SessionTab, level: u8) -> (String, String) {
    let fwd = if tab.is_shell() { "" } else { "⇄ " };
    let title = one_line(tab.title());
    let scope = &tab.target.scope;
    let head = match level {
        0 => format!(
            " {n} {fwd}{title} · {}/{} ",
            one_line(&scope.account.name),
            scope.region
        ),
        1 => format!(" {n} {fwd}{title} "),
        2 => format!(" {n} {fwd}{} ", cut(&title, 12)),
        _ => format!(" {n} "),
    };
    let state = match (level, &tab.state) {
        (0, s) => cut(&state_text(s), 32),
        (1, SessionState::Closed { .. }) => "closed".into(),
        (1, s) => state_text(s),
        (_, SessionState::Connecting) => "◌".into(),
        (_, SessionState::Live) => "●".into(),
        (_, SessionState::Reconnecting { attempt }) => format!("↻{attempt}"),
        (_, SessionState::Closed { .. }) => "✗".into(),
    };
    (head, state)
}

/// The tab bar: `0 nodes`, then every session tab with its state and unread marker.
pub fn draw_tab_bar(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = app.theme();
    let (base, active) = super::pane_bar::bar_styles(theme);
    buf.set_style(area, base);
    let focus = app.focus();
    let tabs = app.session_tabs();

    let nodes_label = &format!(" 0 {} ", app.pane().title());
    let sep = "│";
    let total = |level: u8| -> usize {
        width(nodes_label)
            + tabs
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    // The focused tab keeps its full label as long as possible.
                    let lvl = if focus == Focus::Session(t.id) {
                        level.min(1)
                    } else {
                        level
                    };
                    let (h, s) = tab_label(i + 1, t, lvl);
                    width(&h) + width(&s) + 2 + width(sep) + usize::from(t.unread)
                })
                .sum::<usize>()
    };
    let avail = usize::from(area.width);
    let level = (0..=3).find(|l| total(*l) <= avail).unwrap_or(3);

    let right = area.right();
    let room = |x: u16| usize::from(right.saturating_sub(x));
    let mut x = area.x;
    let nodes_style = if focus == Focus::Nodes { active } else { base };
    x += put(buf, x, area.y, nodes_label, room(x), nodes_style) as u16;
    for (i, tab) in tabs.iter().enumerate() {
        if room(x) == 0 {
            break;
        }
        x += put(buf, x, area.y, sep, room(x), base.fg(theme.border)) as u16;
        let focused = focus == Focus::Session(tab.id);
        let lvl = if focused { level.min(1) } else { level };
        let (head, state) = tab_label(i + 1, tab, lvl);
        let style = if focused { active } else { base };
        x += put(buf, x, area.y, &head, room(x), style) as u16;
        let st = state_style(theme, &tab.state);
        let st = if focused {
            style.add_modifier(Modifier::BOLD)
        } else {
            style.patch(st)
        };
        x += put(buf, x, area.y, &state, room(x), st) as u16;
        if tab.unread {
            x += put(
                buf,
                x,
                area.y,
                "•",
                room(x),
                style.fg(theme.accent).add_modifier(Modifier::BOLD),
            ) as u16;
        }
        x += put(buf, x, area.y, " ", room(x), style) as u16;
    }
}

/// The focused tab's pane; returns where the terminal cursor goes.
pub fn draw_pane(buf: &mut Buffer, area: Rect, app: &App) -> Option<Position> {
    let tab = app.focused_session()?;
    if area.width == 0 || area.height == 0 {
        return None;
    }
    if !tab.is_shell() {
        draw_forward(buf, area, app, tab);
        return None;
    }
    let screen = tab.parser.screen();
    PseudoTerminal::new(screen)
        .cursor(Cursor::default().visibility(false))
        .render(area, buf);

    let theme = app.theme();
    if let SessionState::Closed { .. } = &tab.state {
        // Where the next output would have gone, like a terminal's "[process exited]".
        let (cur_row, cur_col) = screen.cursor_position();
        let row = (cur_row + u16::from(cur_col > 0)).min(area.height - 1);
        let banner = format!(
            " ✗ session {} · {LEADER_LABEL} x closes the tab ",
            state_text(&tab.state)
        );
        let line = Rect {
            y: area.y + row,
            height: 1,
            ..area
        };
        buf.set_style(line, Style::default().bg(theme.bg));
        put(
            buf,
            line.x,
            line.y,
            &banner,
            usize::from(line.width),
            Style::default()
                .fg(theme.error)
                .add_modifier(Modifier::BOLD),
        );
        return None;
    }
    let scrolled = tab.scrollback();
    if scrolled > 0 {
        let label = format!(" scrollback −{scrolled} ");
        let line = Rect { height: 1, ..area };
        put_right(
            buf,
            line,
            &label,
            Style::default().fg(theme.badge_fg).bg(theme.accent),
        );
        return None;
    }
    if screen.hide_cursor() || app.overlay() != &Overlay::None || app.leader_pending() {
        return None;
    }
    let (row, col) = screen.cursor_position();
    (row < area.height && col < area.width).then(|| Position::new(area.x + col, area.y + row))
}

fn draw_forward(buf: &mut Buffer, area: Rect, app: &App, tab: &SessionTab) {
    let theme = app.theme();
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    let muted = base.fg(theme.muted);
    let key = base.fg(theme.key).add_modifier(Modifier::BOLD);
    let scope = &tab.target.scope;
    let mapping = tab.forward_label().unwrap_or_default();
    let mut lines = vec![
        Line::styled(
            clean(&mapping).into_owned(),
            base.fg(theme.title).add_modifier(Modifier::BOLD),
        ),
        Line::default(),
        Line::from(vec![
            Span::styled("state    ", muted),
            Span::styled(state_text(&tab.state), state_style(theme, &tab.state)),
        ]),
        Line::from(vec![
            Span::styled("node     ", muted),
            Span::styled(clean(&tab.target.instance_id).into_owned(), base),
        ]),
        Line::from(vec![
            Span::styled("scope    ", muted),
            Span::styled(clean(&scope.label()).into_owned(), base),
        ]),
    ];
    if let Some(id) = &tab.aws_session_id {
        lines.push(Line::from(vec![
            Span::styled("session  ", muted),
            Span::styled(clean(id).into_owned(), base),
        ]));
    }
    lines.push(Line::default());
    if let (Some(addr), SessionState::Live) = (tab.listening, &tab.state) {
        lines.push(Line::styled(
            format!("Point any local client at {addr}."),
            base,
        ));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{LEADER_LABEL} x"), key),
        Span::styled(" stops the forward and closes the tab", muted),
    ]));
    let w = lines.iter().map(Line::width).max().unwrap_or(0) + 4;
    let h = lines.len() + 2;
    let card = centered(
        area,
        u16::try_from(w).unwrap_or(u16::MAX),
        u16::try_from(h).unwrap_or(u16::MAX),
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.border))
        .title(Span::styled(
            " Port forward ",
            base.fg(theme.accent).add_modifier(Modifier::BOLD),
        ))
        .style(base);
    Paragraph::new(lines)
        .block(block.padding(ratatui::widgets::Padding::horizontal(1)))
        .render(card, buf);
}

/// The footer of a focused session: the target and state left, the leader key right;
/// after the leader, what the next key does.
pub fn draw_footer(buf: &mut Buffer, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let theme = app.theme();
    let base = Style::default().fg(theme.status_fg).bg(theme.status_bg);
    buf.set_style(area, base);
    let key = base.fg(theme.key).add_modifier(Modifier::BOLD);
    let room = |x: u16| usize::from(area.right().saturating_sub(x));

    if app.leader_pending() {
        let mut x = area.x + 1;
        x += put(buf, x, area.y, &format!("{LEADER_LABEL} …"), room(x), key) as u16;
        for (k, what) in [
            ("n/p", "tab"),
            ("0-9", "go to"),
            ("x", "close"),
            ("q", "panes"),
            ("?", "help"),
            (LEADER_LABEL, "send it"),
        ] {
            x += 2;
            x += put(buf, x, area.y, k, room(x), key) as u16;
            x += 1;
            x += put(buf, x, area.y, what, room(x), base.fg(theme.muted)) as u16;
        }
        return;
    }

    let hint = format!("{LEADER_LABEL} cockpit keys ");
    let hint_x = if width(&hint) + 20 <= usize::from(area.width) {
        let x = area.right() - width(&hint) as u16;
        let kw = put(buf, x, area.y, LEADER_LABEL, room(x), base.fg(theme.key)) as u16;
        put(
            buf,
            x + kw + 1,
            area.y,
            "cockpit keys",
            room(x + kw + 1),
            base.fg(theme.muted),
        );
        x
    } else {
        area.right()
    };

    let Some(tab) = app.focused_session() else {
        return;
    };
    let room = usize::from(hint_x.saturating_sub(area.x + 2));
    let target = &tab.target;
    let name = if target.name.is_empty() {
        String::new()
    } else {
        format!("{} ", target.name)
    };
    let left = format!(
        "{name}{} · {}/{} · ",
        target.instance_id, target.scope.account.name, target.scope.region
    );
    let x = area.x + 1;
    let used = put(buf, x, area.y, &left, room, base) as u16;
    put(
        buf,
        x + used,
        area.y,
        &state_text(&tab.state),
        room.saturating_sub(usize::from(used)),
        base.patch(state_style(theme, &tab.state)),
    );
}

/// The port-forward prompt; returns where the terminal cursor goes.
pub fn draw_forward_prompt(buf: &mut Buffer, area: Rect, app: &App) -> Option<Position> {
    let Overlay::Forward(prompt) = app.overlay() else {
        return None;
    };
    let theme = app.theme();
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    let muted = base.fg(theme.muted);
    let title = if prompt.target.name.is_empty() {
        prompt.target.instance_id.clone()
    } else {
        format!("{} ({})", prompt.target.name, prompt.target.instance_id)
    };
    let popup = centered(area, 64, 7);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.popup_border))
        .title(Span::styled(
            format!(" Port forward to {} ", clean(&title)),
            base.fg(theme.accent).add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::styled(" Enter open · Esc cancel ", muted).right_aligned())
        .style(base);
    Clear.render(popup, buf);
    let inner = block.inner(popup);
    block.render(popup, buf);
    if inner.height == 0 || inner.width == 0 {
        return None;
    }
    let label = "LOCAL:REMOTE[:HOST] › ";
    let lx = inner.x + 1;
    let used = put(
        buf,
        lx,
        inner.y,
        label,
        usize::from(inner.width.saturating_sub(1)),
        base.fg(theme.filter_prompt).add_modifier(Modifier::BOLD),
    ) as u16;
    let tx = lx + used;
    let room = usize::from(inner.right().saturating_sub(tx + 1));
    let shown = if width(&prompt.text) > room {
        let skip = prompt.text.chars().count().saturating_sub(room);
        prompt.text.chars().skip(skip).collect()
    } else {
        prompt.text.clone()
    };
    let tw = put(buf, tx, inner.y, &shown, room, base) as u16;
    let (line, style) = match &prompt.error {
        Some(e) => (format!("✗ {e}"), base.fg(theme.error)),
        None => ("e.g. 8080:80 · 5432:5432:db.internal".to_string(), muted),
    };
    if inner.height > 2 {
        put(
            buf,
            lx,
            inner.y + 2,
            &line,
            usize::from(inner.width.saturating_sub(2)),
            style,
        );
    }
    if inner.height > 3 {
        put(
            buf,
            lx,
            inner.y + 3,
            "LOCAL 0 picks a free port; HOST is reached through the node",
            usize::from(inner.width.saturating_sub(2)),
            muted,
        );
    }
    let cx = tx + tw;
    (cx < inner.right()).then(|| Position::new(cx, inner.y))
}
