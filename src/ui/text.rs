//! Small text helpers shared by the panes.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;

/// `s` with control characters replaced, so data never drives the terminal.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_control) {
        Cow::Owned(
            s.chars()
                .map(|c| if c.is_control() { '�' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// Display width in cells.
pub fn width(s: &str) -> usize {
    Span::raw(s).width()
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How long ago `then` was: `42s`, `3m`, `5h`, `12d`; `-` when unknown.
pub fn age(now: DateTime<Utc>, then: Option<DateTime<Utc>>) -> String {
    let Some(then) = then else {
        return "-".to_string();
    };
    let secs = (now - then).num_seconds();
    match secs {
        s if s < 0 => "now".to_string(),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// A timestamp as `2024-05-01 12:00:00 UTC`, or `-`.
pub fn timestamp(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "-".to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// Writes `s` at (x, y) in at most `max` cells, ending in `…` when cut.
/// Returns the cells written.
pub fn put(buf: &mut Buffer, x: u16, y: u16, s: &str, max: usize, style: Style) -> usize {
    let area = buf.area;
    if max == 0 || x >= area.right() || y >= area.bottom() || x < area.x || y < area.y {
        return 0;
    }
    let max = max.min(usize::from(area.right() - x));
    let s = clean(s);
    if width(&s) <= max {
        let (end_x, _) = buf.set_stringn(x, y, &s, max, style);
        return usize::from(end_x.saturating_sub(x));
    }
    let (end_x, _) = buf.set_stringn(x, y, &s, max - 1, style);
    let used = usize::from(end_x.saturating_sub(x));
    buf.set_stringn(end_x, y, "…", 1, style);
    used + 1
}

/// Writes `s` right-aligned to the end of `area`'s first line; returns its start x.
pub fn put_right(buf: &mut Buffer, area: Rect, s: &str, style: Style) -> u16 {
    let w = width(s).min(usize::from(area.width)) as u16;
    let x = area.x + area.width - w;
    put(buf, x, area.y, s, usize::from(w), style);
    x
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn ages() {
        let now = Utc
            .with_ymd_and_hms(2025, 1, 1, 12, 0, 0)
            .single()
            .expect("valid");
        let ago = |s| Some(now - chrono::Duration::seconds(s));
        assert_eq!(age(now, None), "-");
        assert_eq!(age(now, ago(5)), "5s");
        assert_eq!(age(now, ago(180)), "3m");
        assert_eq!(age(now, ago(7200)), "2h");
        assert_eq!(age(now, ago(3 * 86_400)), "3d");
        assert_eq!(age(now, ago(-10)), "now");
    }

    #[test]
    fn put_cuts_with_ellipsis_and_cleans() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        assert_eq!(put(&mut buf, 0, 0, "abcdefgh", 5, Style::default()), 5);
        assert_eq!(buf.content()[4].symbol(), "…");
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        put(&mut buf, 0, 0, "a\x1bb", 6, Style::default());
        assert_eq!(buf.content()[1].symbol(), "�");
    }
}
