//! The help overlay: every key and the filter grammar.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use crate::app::{App, FILTER_HELP, KEY_HELP};

pub fn draw(buf: &mut Buffer, area: Rect, app: &App) {
    let theme = app.theme();
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    let key = base.fg(theme.key).add_modifier(Modifier::BOLD);
    let heading = base.fg(theme.accent).add_modifier(Modifier::BOLD);

    let mut lines = vec![Line::styled("Keys", heading)];
    for (k, what) in KEY_HELP {
        lines.push(Line::from(vec![
            Span::styled(format!("  {k:<17}"), key),
            Span::styled(*what, base),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::styled("Filter", heading));
    for (example, what) in FILTER_HELP {
        lines.push(Line::from(vec![
            Span::styled(format!("  {example:<17}"), key),
            Span::styled(*what, base),
        ]));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        "Agent 3.2.0*: an update is available",
        base.fg(theme.muted),
    ));

    let h = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
    let popup = super::text::centered(area, 64, h);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.popup_border))
        .title(Span::styled(" Help ", heading))
        .title_bottom(Line::styled(" Esc or ? close ", base.fg(theme.muted)).right_aligned())
        .style(base);
    Clear.render(popup, buf);
    Paragraph::new(lines).block(block).render(popup, buf);
}
