//! Shared drawing of the table panes: column fitting, a virtual table that draws only
//! the rows in view, horizontal bars, the feed state of a pane and its empty states.

use std::ops::Range;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::text::{put, put_right, thousands, width};
use crate::app::{App, Drawn, HitSpans, TableArea, TableColumn, TableView};
use crate::model::{Feed, Freshness, ScopeHealth, ScopeId};
use crate::ui::theme::Theme;

/// A column to fit: it never gets less than `min` unless dropped; `grow` takes the spare.
#[derive(Debug, Clone, Copy)]
pub struct ColSpec {
    pub min: u16,
    pub want: u16,
    pub grow: bool,
}

pub const fn col(min: u16, want: u16) -> ColSpec {
    ColSpec {
        min,
        want,
        grow: false,
    }
}

pub const fn grow(min: u16, want: u16) -> ColSpec {
    ColSpec {
        min,
        want,
        grow: true,
    }
}

/// Widths that fit `avail` cells with one space between columns: columns shrink from
/// the right to their minimum, then the rightmost are dropped (width 0).
pub fn fit(avail: u16, specs: &[ColSpec]) -> Vec<u16> {
    let mut w: Vec<u16> = specs.iter().map(|s| s.want).collect();
    let total = |w: &[u16]| -> u16 {
        let shown = w.iter().filter(|x| **x > 0).count() as u16;
        w.iter().sum::<u16>() + shown.saturating_sub(1)
    };
    for i in (0..w.len()).rev() {
        let over = total(&w).saturating_sub(avail);
        if over == 0 {
            break;
        }
        w[i] -= over.min(w[i].saturating_sub(specs[i].min));
    }
    for i in (1..w.len()).rev() {
        if total(&w) <= avail {
            break;
        }
        w[i] = 0;
    }
    if total(&w) > avail
        && let Some(first) = w.first_mut()
    {
        *first = avail;
    }
    let spare = avail.saturating_sub(total(&w));
    if let Some(i) = specs.iter().position(|s| s.grow)
        && w[i] > 0
    {
        w[i] += spare;
    }
    w
}

/// What a table draws: titles and widths, the sort column, rows in view, selection.
pub struct TableDraw<'a> {
    pub titles: Vec<String>,
    pub widths: Vec<u16>,
    /// (column position, descending).
    pub sort: Option<(usize, bool)>,
    pub rows: Range<usize>,
    pub selected: usize,
    pub theme: &'a Theme,
}

impl<'a> TableDraw<'a> {
    /// The columns `C::ALL` of `t`, its sort mark and the rows in view.
    pub fn of<C: TableColumn>(t: &TableView<C>, widths: Vec<u16>, theme: &'a Theme) -> Self {
        let (sort, desc) = t.sort();
        TableDraw {
            titles: C::ALL.iter().map(|c| c.title().to_string()).collect(),
            widths,
            sort: C::ALL.iter().position(|c| *c == sort).map(|i| (i, desc)),
            rows: t.viewport().visible(t.len()),
            selected: t.selected(),
            theme,
        }
    }
}

/// The header spans of columns `widths` drawn from `x` on line `y`, as `draw_table`
/// lays them out; the index is the column position.
pub fn header_hits(x: u16, y: u16, widths: &[u16]) -> HitSpans {
    let mut at = x;
    let mut spans = Vec::new();
    for (i, w) in widths.iter().enumerate() {
        if *w == 0 {
            continue;
        }
        spans.push((at, *w, i));
        at = at.saturating_add(w + 1);
    }
    HitSpans { y, spans }
}

/// The account name of `scope`, as an Account cell shows it.
pub fn account_name(app: &App, scope: Option<ScopeId>) -> String {
    scope
        .and_then(|s| app.estate.scope(s))
        .map(|s| s.scope.account.name.clone())
        .unwrap_or_default()
}

/// The label of `scope` (account and region), as detail views show it.
pub fn scope_label(app: &App, scope: ScopeId) -> String {
    app.estate
        .scope(scope)
        .map(|s| s.scope.label())
        .unwrap_or_default()
}

/// The message of an empty table of `what` fed by `feed`.
pub fn draw_empty(buf: &mut Buffer, body: Rect, app: &App, feed: Feed, what: &str, filtered: bool) {
    let (msg, style) = feed_summary(app, feed).empty_message(app, what, filtered);
    draw_message(buf, body, &msg, style);
}

/// The area of a table pane's table, below its title line; records where the rows are
/// drawn so that clicks find them.
pub fn table_below_title(out: &mut Drawn, area: Rect) -> Rect {
    let area = Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    };
    record_rows(out, area);
    area
}

/// Records where the rows of a table drawn in `table` (under its header line) are, so
/// that clicks find them.
pub fn record_rows(out: &mut Drawn, table: Rect) {
    out.set_table(TableArea {
        x: table.x,
        y: table.y + 1,
        width: table.width,
        height: table.height.saturating_sub(1),
    });
}

/// `draw_table` over the rows of `t` in view: `cell(row, col)` gives the text and style
/// of column `col` of source row `row`. Returns the body area.
pub fn draw_view<C: TableColumn>(
    buf: &mut Buffer,
    area: Rect,
    draw: &TableDraw,
    t: &TableView<C>,
    mut cell: impl FnMut(usize, C) -> (String, Style),
) -> Rect {
    draw_table(buf, area, draw, |pos, c| {
        let Some(row) = t.rows().get(pos).map(|r| *r as usize) else {
            return (String::new(), Style::default());
        };
        cell(row, C::ALL[c])
    })
}

/// Ends a table pane whose table `draw` was drawn in `area`: the empty message of
/// `what`, fed by `feed`, when `empty` (a table's `empty_state`) says no row is shown;
/// then the header's click spans.
pub fn finish_table(
    buf: &mut Buffer,
    app: &App,
    out: &mut Drawn,
    area: Rect,
    draw: &TableDraw,
    empty: Option<bool>,
    (feed, what): (Feed, &str),
) {
    if let Some(filtered) = empty {
        draw_empty(buf, body_of(area), app, feed, what, filtered);
    }
    out.set_header(header_hits(area.x, area.y, &draw.widths));
}

/// The rows of a table drawn in `area`, below its header line.
fn body_of(area: Rect) -> Rect {
    if area.height == 0 || area.width == 0 {
        return area;
    }
    Rect {
        y: area.y + 1,
        height: area.height - 1,
        ..area
    }
}

/// Draws the header line and the rows in view; `cell(pos, col)` gives a cell's text and
/// style. Returns the body area.
pub fn draw_table(
    buf: &mut Buffer,
    area: Rect,
    t: &TableDraw,
    mut cell: impl FnMut(usize, usize) -> (String, Style),
) -> Rect {
    if area.height == 0 || area.width == 0 {
        return area;
    }
    let theme = t.theme;
    let header = Style::default()
        .fg(theme.table_header_fg)
        .bg(theme.table_header_bg)
        .add_modifier(Modifier::BOLD);
    buf.set_style(Rect { height: 1, ..area }, header);
    let mut x = area.x;
    for (i, (title, w)) in t.titles.iter().zip(&t.widths).enumerate() {
        if *w == 0 {
            continue;
        }
        let title = match t.sort {
            Some((c, desc)) if c == i => format!("{title}{}", if desc { "▼" } else { "▲" }),
            _ => title.clone(),
        };
        put(buf, x, area.y, &title, usize::from(*w), header);
        x = x.saturating_add(w + 1);
    }
    let body = body_of(area);
    let base = Style::default().fg(theme.fg);
    let sel_style = Style::default()
        .fg(theme.selected_fg)
        .bg(theme.selected_bg)
        .add_modifier(theme.selection);
    for (line, pos) in t.rows.clone().enumerate() {
        if line >= usize::from(body.height) {
            break;
        }
        let y = body.y + line as u16;
        let selected = pos == t.selected;
        if selected {
            buf.set_style(
                Rect {
                    y,
                    height: 1,
                    ..body
                },
                sel_style,
            );
        }
        let mut x = body.x;
        for (c, w) in t.widths.iter().enumerate() {
            if *w == 0 {
                continue;
            }
            let (text, style) = cell(pos, c);
            let style = if selected {
                sel_style
            } else {
                base.patch(style)
            };
            put(buf, x, y, &text, usize::from(*w), style);
            x = x.saturating_add(w + 1);
        }
    }
    body
}

/// A message centred in the upper third of `area`.
pub fn draw_message(buf: &mut Buffer, area: Rect, text: &str, style: Style) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = width(text).min(usize::from(area.width)) as u16;
    let x = area.x + (area.width - w) / 2;
    let y = area.y + area.height.saturating_sub(1) / 3;
    put(buf, x, y, text, usize::from(area.width), style);
}

/// One labelled bar per item, scaled to the largest: `label ████▌ 123`.
pub fn draw_bars(buf: &mut Buffer, area: Rect, items: &[(String, u64, Style)], theme: &Theme) {
    if area.width < 8 || area.height == 0 {
        return;
    }
    let max = items.iter().map(|(_, n, _)| *n).max().unwrap_or(0).max(1);
    let label_w = items
        .iter()
        .map(|(l, _, _)| width(l))
        .max()
        .unwrap_or(0)
        .min(usize::from(area.width) / 2) as u16;
    let num_w = items
        .iter()
        .map(|(_, n, _)| thousands(*n as usize).len())
        .max()
        .unwrap_or(1) as u16;
    let bar_w = area.width.saturating_sub(label_w + num_w + 2);
    let muted = Style::default().fg(theme.muted);
    for (i, (label, n, style)) in items.iter().enumerate() {
        if i >= usize::from(area.height) {
            break;
        }
        let y = area.y + i as u16;
        put(
            buf,
            area.x,
            y,
            label,
            usize::from(label_w),
            Style::default().fg(theme.fg),
        );
        let eighths = (u64::from(bar_w) * 8 * n / max) as usize;
        let mut bar = "█".repeat(eighths / 8);
        if !eighths.is_multiple_of(8) {
            bar.push(['▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8 - 1]);
        }
        if *n > 0 && bar.is_empty() {
            bar.push('▏');
        }
        put(
            buf,
            area.x + label_w + 1,
            y,
            &bar,
            usize::from(bar_w),
            *style,
        );
        let num = thousands(*n as usize);
        let line = Rect {
            y,
            height: 1,
            ..area
        };
        put_right(buf, line, &num, muted);
    }
}

/// How one feed stands over the scopes shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// Scopes where the feed is polled or has data.
    pub total: usize,
    pub fresh: usize,
    pub failed: usize,
    pub pending: usize,
    /// Answered too long ago, or a poll stuck ([`Freshness`]).
    pub stale: usize,
    /// Some data shown came from the disk cache.
    pub cached: bool,
    /// The first failure: (scope label, error).
    pub first_error: Option<(String, String)>,
    pub last_success: Option<DateTime<Utc>>,
}

pub fn feed_summary(app: &App, feed: Feed) -> FeedSummary {
    let mut s = FeedSummary::default();
    let mask = app.scope_mask();
    for (i, st) in app.estate.scopes().iter().enumerate() {
        if !mask.get(i).copied().unwrap_or(true) && feed != Feed::Explorer {
            continue;
        }
        let f = st.feed(feed);
        let polled = feed == Feed::Nodes
            || f.active
            || f.has_data()
            || f.in_flight
            || f.health != ScopeHealth::Pending;
        if !polled {
            continue;
        }
        s.total += 1;
        s.cached |= f.cached;
        s.last_success = s.last_success.max(f.last_success);
        match app.freshness_of(feed, f) {
            Freshness::Fresh => s.fresh += 1,
            Freshness::Stale | Freshness::InFlightTooLong => s.stale += 1,
            Freshness::Failed => {
                s.failed += 1;
                if s.first_error.is_none() {
                    s.first_error = Some((
                        st.scope.label(),
                        f.error.clone().unwrap_or_else(|| "failed".into()),
                    ));
                }
            }
            Freshness::Never => s.pending += 1,
        }
    }
    s
}

impl FeedSummary {
    /// `✓ 18/18 scopes` / `… 3 pending` / `✗ 2 failed`, plus `◷ cached`; `unit` names
    /// what is counted ("scopes", or "scope feeds" over several feeds).
    pub fn badge(&self, theme: &Theme, unit: &str) -> (String, Style) {
        let mut text = if self.total == 0 {
            "waiting for the feed".to_string()
        } else {
            format!("{}/{} {unit} fresh", self.fresh, self.total)
        };
        let mut fg = theme.ok;
        if self.pending > 0 {
            text.push_str(&format!(" · {} pending", self.pending));
            fg = theme.muted;
        }
        if self.stale > 0 {
            text.push_str(&format!(" · ⚠ {} stale", self.stale));
            fg = theme.warn;
        }
        if self.failed > 0 {
            text.push_str(&format!(" · ✗ {} failed", self.failed));
            fg = theme.warn;
        }
        if self.cached {
            text.push_str(" · ◷ cached");
            fg = theme.warn;
        }
        (text, Style::default().fg(fg))
    }

    /// The message for an empty table of `what` (e.g. "OpsItems").
    pub fn empty_message(&self, app: &App, what: &str, filtered: bool) -> (String, Style) {
        let theme = app.theme();
        let muted = Style::default().fg(theme.muted);
        let err = Style::default().fg(theme.error);
        if let Some(e) = &app.estate.discovery_error {
            return match super::status::discovery_retry(app) {
                Some(retry) => (
                    format!("Discovery failed, {retry}: {e}"),
                    Style::default().fg(theme.warn),
                ),
                None => (format!("Discovery failed: {e}"), err),
            };
        }
        if app.estate.scopes().is_empty() {
            return ("Discovering accounts…".into(), muted);
        }
        if filtered {
            return (format!("No {what} match the filter"), muted);
        }
        if self.total == 0 || (self.pending > 0 && self.fresh == 0 && !self.cached) {
            let answered = self.total.saturating_sub(self.pending);
            return (
                format!(
                    "Loading {what}… ({answered}/{} scopes answered)",
                    self.total
                ),
                muted,
            );
        }
        if self.failed > 0 && self.failed == self.total {
            let e = self
                .first_error
                .as_ref()
                .map(|(l, e)| format!(": {l}: {e}"))
                .unwrap_or_default();
            return (format!("Every scope failed{e}"), err);
        }
        let shown = app.scope_mask().iter().filter(|m| **m).count();
        (format!("No {what} in {} scopes", thousands(shown)), muted)
    }
}

/// The first line of a pane: its title and counts on the left, the feed state right.
pub fn draw_title(buf: &mut Buffer, area: Rect, app: &App, left: &str, feeds: &[Feed]) {
    if area.height == 0 {
        return;
    }
    let theme = app.theme();
    let base = Style::default().fg(theme.fg).bg(theme.bg);
    buf.set_style(Rect { height: 1, ..area }, base);
    let mut sum = FeedSummary::default();
    for f in feeds {
        let s = feed_summary(app, *f);
        sum.total += s.total;
        sum.fresh += s.fresh;
        sum.failed += s.failed;
        sum.pending += s.pending;
        sum.stale += s.stale;
        sum.cached |= s.cached;
        if sum.first_error.is_none() {
            sum.first_error = s.first_error;
        }
    }
    let unit = if feeds.len() > 1 {
        "scope feeds"
    } else {
        "scopes"
    };
    let (badge, style) = sum.badge(theme, unit);
    let line = Rect { height: 1, ..area };
    let bx = put_right(buf, line, &format!("{badge} "), base.patch(style));
    put(
        buf,
        area.x + 1,
        area.y,
        left,
        usize::from(bx.saturating_sub(area.x + 2)),
        base.fg(theme.accent).add_modifier(Modifier::BOLD),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_shrinks_then_drops_and_grows() {
        let specs = [col(4, 10), grow(5, 20), col(3, 8)];
        assert_eq!(fit(100, &specs), vec![10, 80, 8]);
        assert_eq!(fit(30, &specs), vec![10, 15, 3]);
        let w = fit(12, &specs);
        assert_eq!(w[2], 0);
        for a in 0..60 {
            let w = fit(a, &specs);
            let shown = w.iter().filter(|x| **x > 0).count() as u16;
            assert!(w.iter().sum::<u16>() + shown.saturating_sub(1) <= a.max(w[0]));
        }
    }
}
