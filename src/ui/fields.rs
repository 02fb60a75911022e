//! What the detail popups share: their frame, a labelled field, the state of a details
//! fetch and the note that a record is gone.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use super::text::{age, clean};
use crate::app::App;
use crate::model::DetailRequest;
use crate::ui::theme::Theme;

/// The frame of a popup: `title` on top, the key `hint` at the bottom right.
pub fn popup_block(theme: &Theme, title: String, hint: &str) -> Block<'static> {
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    Block::default()
        .borders(Borders::ALL)
        .border_style(base.fg(theme.popup_border))
        .title(Span::styled(
            title,
            base.fg(theme.accent).add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::styled(hint.to_string(), base.fg(theme.muted)).right_aligned())
        .style(base)
}

/// `lines` wrapped in a popup framed by `popup_block` over `rect`, scrolled by `scroll`.
pub fn draw_popup(
    buf: &mut Buffer,
    rect: Rect,
    theme: &Theme,
    title: String,
    hint: &str,
    lines: Vec<Line>,
    scroll: u16,
) {
    Clear.render(rect, buf);
    Paragraph::new(lines)
        .block(popup_block(theme, title, hint))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(rect, buf);
}

/// `label` padded to `width` in `key`, then `value` (control characters made visible) in
/// `style`.
pub fn field_line(
    label: &str,
    width: usize,
    value: &str,
    key: Style,
    style: Style,
) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:<width$}"), key),
        Span::styled(clean(value).into_owned(), style),
    ])
}

/// Whether the details asked for with `req` came (`fetched`, when), failed or are still
/// on the way, in the popup colours.
pub fn fetch_line(app: &App, req: &DetailRequest, fetched: Option<DateTime<Utc>>) -> Line<'static> {
    let theme = app.theme();
    let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
    match (fetched, app.estate.detail_error(req)) {
        (None, Some(e)) => Line::styled(
            format!("✗ details: {} (r retries)", clean(e)),
            base.fg(theme.error),
        ),
        (None, None) => Line::styled("fetching details…", base.fg(theme.muted)),
        (Some(at), _) => Line::styled(
            format!("details fetched {} ago", age(app.now(), Some(at))),
            base.fg(theme.muted),
        ),
    }
}

/// The note that the record `what` (a command, a window…) is no longer reported.
pub fn gone_line(what: &str, base: Style, theme: &Theme) -> Line<'static> {
    Line::styled(
        format!("This {what} is no longer reported by its scope."),
        base.fg(theme.warn),
    )
}

/// The lines of a detail popup as they are gathered, with the popup styles: `base` for
/// values, `key` for labels (and quiet text), `heading` for section titles, and the width
/// labels of fields are padded to.
pub struct DetailLines<'t> {
    pub theme: &'t Theme,
    pub base: Style,
    pub key: Style,
    pub heading: Style,
    width: usize,
    pub lines: Vec<Line<'static>>,
}

impl<'t> DetailLines<'t> {
    /// No lines yet, in the popup colours of `theme`, field labels padded to `width`.
    pub fn new(theme: &'t Theme, width: usize) -> Self {
        let base = Style::default().fg(theme.popup_fg).bg(theme.popup_bg);
        Self {
            theme,
            base,
            key: base.fg(theme.muted),
            heading: base.fg(theme.accent).add_modifier(Modifier::BOLD),
            width,
            lines: Vec::new(),
        }
    }

    /// Lines that begin with how the details asked for with `req` stand (`fetch_line`).
    pub fn after_fetch(
        app: &'t App,
        width: usize,
        req: &DetailRequest,
        fetched: Option<DateTime<Utc>>,
    ) -> Self {
        let mut d = Self::new(app.theme(), width);
        d.push(fetch_line(app, req, fetched));
        d
    }

    /// Adds `line`.
    pub fn push(&mut self, line: Line<'static>) {
        self.lines.push(line);
    }

    /// Adds the field `label`: `value` in `style`.
    pub fn field(&mut self, label: &str, value: impl AsRef<str>, style: Style) {
        let line = field_line(label, self.width, value.as_ref(), self.key, style);
        self.lines.push(line);
    }

    /// Adds a blank line and the section title `title`.
    pub fn section(&mut self, title: impl Into<String>) {
        self.lines.push(Line::default());
        self.lines.push(Line::styled(title.into(), self.heading));
    }

    /// Adds a titled block of key/value rows, indented; nothing when there are none.
    pub fn pairs(&mut self, title: &str, rows: &[(String, String)]) {
        if rows.is_empty() {
            return;
        }
        self.section(title);
        for (k, v) in rows {
            self.lines.push(Line::from(vec![
                Span::styled(format!("  {:<18}", clean(k)), self.key),
                Span::styled(clean(v).into_owned(), self.base),
            ]));
        }
    }

    /// Adds `text` indented, in `style`.
    pub fn text(&mut self, text: impl AsRef<str>, style: Style) {
        self.lines
            .push(Line::styled(format!("  {}", clean(text.as_ref())), style));
    }

    /// Adds the note that the record `what` (a command, a window…) is no longer reported.
    pub fn gone(&mut self, what: &str) {
        self.lines.push(gone_line(what, self.base, self.theme));
    }

    /// Adds `text` in the muted colour.
    pub fn muted(&mut self, text: impl Into<String>) {
        self.lines
            .push(Line::styled(text.into(), self.base.fg(self.theme.muted)));
    }

    /// The style of the picked row of a list in the popup.
    pub fn picked(&self) -> Style {
        self.base
            .fg(self.theme.selected_fg)
            .bg(self.theme.selected_bg)
            .add_modifier(self.theme.selection)
    }
}
