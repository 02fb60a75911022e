//! The pane bar: the panes by number, the scope filter and the session count.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::text::{put, put_right};
use crate::app::{App, HitSpans, LEADER_LABEL, PANE_ALIASES, Pane};
use crate::ui::theme::Theme;

/// Returns where each pane's label is, for clicks.
pub fn draw(buf: &mut Buffer, area: Rect, app: &App) -> HitSpans {
    let mut hits = HitSpans {
        y: area.y,
        spans: Vec::new(),
    };
    if area.height == 0 {
        return hits;
    }
    let theme = app.theme();
    let (base, active) = bar_styles(theme);
    buf.set_style(area, base);
    let mut right = String::new();
    let f = app.scope_filter();
    if !f.is_empty() {
        let shown = app.scope_mask().iter().filter(|m| **m).count();
        right.push_str(&format!("scopes {} ({shown}) ", f.label()));
    }
    let tabs = app.session_tabs().len();
    if tabs > 0 {
        right.push_str(&format!("· {tabs} sessions: {LEADER_LABEL} 1-9 "));
    }
    if app.back_depth() > 0 {
        right = format!("Esc back · {right}");
    }
    let right_x = if right.is_empty() {
        area.right()
    } else {
        put_right(buf, area, &right, base.fg(theme.muted))
    };
    let room = |x: u16| usize::from(right_x.saturating_sub(x));
    let mut x = area.x;
    // The panes with a number key; a pane past them (reached with `:` or Tab) is shown by
    // its command name after them while it is the one on screen.
    let numbered = &Pane::ALL[..NUMBERED.min(Pane::ALL.len())];
    let current = app.pane();
    let extra = (!numbered.contains(&current)).then(|| format!(" :{} ", command_name(current)));
    let extra_w = extra.as_ref().map_or(0, |e| e.len() + 1);
    // Short titles when the full ones do not fit.
    let full: usize = numbered.iter().map(|p| p.title().len() + 5).sum::<usize>() + extra_w;
    let short = full > usize::from(right_x.saturating_sub(area.x));
    for (i, p) in numbered.iter().copied().enumerate() {
        let title = if short { p.short_title() } else { p.title() };
        let label = format!(" {} {title} ", p.number());
        let style = if p == current { active } else { base };
        let w = put(buf, x, area.y, &label, room(x), style) as u16;
        hits.spans.push((x, w, i));
        x += w;
        x += put(buf, x, area.y, " ", room(x), base) as u16;
    }
    if let Some(label) = extra {
        let i = Pane::ALL.iter().position(|p| *p == current).unwrap_or(0);
        let w = put(buf, x, area.y, &label, room(x), active) as u16;
        hits.spans.push((x, w, i));
    }
    hits
}

/// The styles of a bar of labels (the pane bar, the session tab bar): the bar's own, and
/// the active label's.
pub(super) fn bar_styles(theme: &Theme) -> (Style, Style) {
    let base = Style::default()
        .fg(theme.header_fg)
        .bg(theme.table_header_bg);
    let active = base
        .fg(theme.selected_fg)
        .bg(theme.selected_bg)
        .add_modifier(Modifier::BOLD | theme.selection);
    (base, active)
}

/// How many panes have a number key (1-9).
const NUMBERED: usize = 9;

/// The pane's first `:` command name.
fn command_name(pane: Pane) -> &'static str {
    PANE_ALIASES
        .iter()
        .find(|(_, p)| *p == pane)
        .and_then(|(names, _)| names.first().copied())
        .unwrap_or("")
}
