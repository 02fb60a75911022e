//! The help overlay: every key and the filter grammar.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::app::{
    ACTION_KEY_HELP, Action, App, COMMAND_HELP, FILTER_HELP, KEY_HELP, KeyHint, KeyMap,
    SESSION_HELP, SESSION_KEY_HELP, help_lines,
};

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = app.theme();
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    let key = base.fg(theme.key).add_modifier(Modifier::BOLD);
    let heading = base.fg(theme.accent).add_modifier(Modifier::BOLD);

    let entry = |k: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!("  {k:<18} "), key),
            Span::styled(what.to_string(), base),
        ])
    };
    let mut lines = vec![Line::styled("Keys", heading)];
    let read_only = app.options.read_only;
    let keys = app.keys();
    for (k, what) in help_lines(KEY_HELP, keys, read_only) {
        lines.push(entry(&k, what));
    }
    // The right column (or the rest of one): sessions, pane keys, commands.
    let mut session_lines = Vec::new();
    // Sessions change AWS state: not offered in read-only mode.
    if !app.options.read_only {
        session_lines.push(Line::styled("Sessions", heading));
        for (k, what) in help_lines(SESSION_KEY_HELP, keys, read_only) {
            session_lines.push(entry(&k, what));
        }
        session_lines.push(Line::styled(
            "In a shell tab every key goes to it but:",
            base.fg(theme.muted),
        ));
        for (k, what) in SESSION_HELP {
            session_lines.push(entry(k, what));
        }
        session_lines.push(Line::default());
    }
    session_lines.push(Line::styled("Panes", heading));
    for (k, what) in help_lines(&app.pane_help(), keys, read_only) {
        session_lines.push(entry(&k, what));
    }
    session_lines.push(Line::default());
    session_lines.push(Line::styled("Commands", heading));
    for (k, what) in COMMAND_HELP {
        session_lines.push(entry(k, what));
    }
    // Actions change AWS: not offered in read-only mode.
    if !read_only {
        lines.push(Line::default());
        lines.push(Line::styled("Actions", heading));
        for (k, what) in help_lines(ACTION_KEY_HELP, keys, read_only) {
            lines.push(entry(&k, what));
        }
    }
    lines.push(Line::default());
    lines.push(Line::styled("Filter", heading));
    for (example, what) in FILTER_HELP {
        lines.push(Line::from(vec![
            Span::styled(format!("  {example:<18} "), key),
            Span::styled(*what, base),
        ]));
    }
    session_lines.push(Line::default());
    session_lines.push(Line::styled(
        "Agent 3.2.0*: an update is available",
        base.fg(theme.muted),
    ));
    session_lines.push(Line::styled(
        "⌂ on-premises (mi-) node · ⌂+ advanced tier",
        base.fg(theme.muted),
    ));

    // Side by side when there is room, else one column.
    let two_columns = area.width >= 100;
    if !two_columns && !session_lines.is_empty() {
        lines.push(Line::default());
        lines.append(&mut session_lines);
    }
    let rows = lines.len().max(session_lines.len());
    let h = u16::try_from(rows + 2).unwrap_or(u16::MAX);
    let w = if two_columns { area.width.min(128) } else { 64 };
    let popup = super::text::centered(area, w, h);
    // Taller than the terminal: it scrolls (j/k, PgDn/PgUp, g/G).
    let room = usize::from(popup.height.saturating_sub(2));
    let max_scroll = u16::try_from(rows.saturating_sub(room)).unwrap_or(u16::MAX);
    let scroll = app.help_scroll().min(max_scroll);
    let hint = frame_hint(keys, max_scroll > 0, || {
        format!(
            "lines {}-{} of {rows}",
            usize::from(scroll) + 1,
            (usize::from(scroll) + room).min(rows)
        )
    });
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.popup_border))
        .title(Span::styled(" Help ", heading))
        .title_bottom(Line::styled(hint, base.fg(theme.muted)).right_aligned())
        .style(base);
    Clear.render(popup, buf);
    let inner = block.inner(popup);
    block.render(popup, buf);
    if two_columns {
        let half = inner.width / 2;
        let left = Rect {
            width: half,
            ..inner
        };
        let right = Rect {
            x: inner.x + half,
            width: inner.width - half,
            ..inner
        };
        Paragraph::new(lines).scroll((scroll, 0)).render(left, buf);
        Paragraph::new(session_lines)
            .scroll((scroll, 0))
            .render(right, buf);
    } else {
        Paragraph::new(lines).scroll((scroll, 0)).render(inner, buf);
    }
}

/// The overlay's bottom line: its closing keys, and while it scrolls the lines shown and
/// the scrolling keys, as the key map binds them.
fn frame_hint(keys: &KeyMap, scrolls: bool, lines: impl FnOnce() -> String) -> String {
    const CLOSE: KeyHint = KeyHint::table("?", &[Action::Help], "close");
    const ROWS: KeyHint = KeyHint::table("j/k", &[Action::Down, Action::Up], "");
    const PAGES: KeyHint = KeyHint::table("PgDn/PgUp", &[Action::PageDown, Action::PageUp], "");
    let close = match CLOSE.footer_keys(keys) {
        k if k.is_empty() => "Esc close".to_string(),
        k => format!("Esc or {k} close"),
    };
    if !scrolls {
        return format!(" {close} ");
    }
    let scroll: Vec<String> = [ROWS, PAGES]
        .iter()
        .map(|h| h.footer_keys(keys))
        .filter(|k| !k.is_empty())
        .collect();
    let scroll = if scroll.is_empty() {
        String::new()
    } else {
        format!("{} scroll · ", scroll.join(" "))
    };
    format!(" {} · {scroll}{close} ", lines())
}
