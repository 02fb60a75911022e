//! The timeline pane: the next days of maintenance windows across the scopes shown, and
//! the change-calendar closures they run into; Enter shows the windows of a line.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::KeyEvent;

use super::{Cmd, Component, Cx, KeyHint, List, ListMut, Pane, PaneKind, hints};
use crate::app::keymap::{Action, PaneAction, pane_keys};
use crate::app::scroll::viewport_nav;
use crate::app::table::{Viewport, shown_scopes};
use crate::model::{CalendarDefault, ChangeCalendar, Estate, Feed, ScopeId};

/// Days the timeline spans from now.
pub const TIMELINE_DAYS: i64 = 7;

/// One run of a window on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowSpan {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub window: String,
    /// The run overlaps a closure of a change calendar of its scope.
    pub conflict: bool,
}

/// A period a change calendar is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub calendar: String,
    pub summary: String,
}

/// One line of the timeline: a scope, or one window of a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineRow {
    pub scope: ScopeId,
    pub label: String,
    pub spans: Vec<WindowSpan>,
    pub closures: Vec<Closure>,
}

/// What a line of the timeline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimelineGroup {
    /// One line per account and region.
    #[default]
    Scope,
    /// One line per window.
    Window,
}

/// State of the timeline pane.
#[derive(Debug, Default)]
pub struct TimelineView {
    pub group: TimelineGroup,
    /// Also shade the closed periods of default-closed calendars (outside their open
    /// events); otherwise only the events of default-open calendars (freezes) close.
    pub all_calendars: bool,
    pub view: Viewport,
    /// Lines of the timeline as last synced (the app syncs the pane shown after every
    /// message).
    len: usize,
}

/// Whether a calendar's closures are shown: freezes always, default-closed calendars
/// only with `all_calendars`.
pub fn shows_calendar(cal: &ChangeCalendar, all_calendars: bool) -> bool {
    all_calendars || cal.content.default == CalendarDefault::DefaultOpen
}

/// Closed periods of one calendar within `[from, to)`.
pub fn closures(cal: &ChangeCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Closure> {
    let c = &cal.content;
    let events: Vec<(DateTime<Utc>, DateTime<Utc>, String)> = c
        .events_between(from, to)
        .map(|e| (e.start.max(from), e.end.min(to), e.summary.clone()))
        .collect();
    let closure = |start, end, summary: String| Closure {
        start,
        end,
        calendar: cal.name.clone(),
        summary,
    };
    match c.default {
        CalendarDefault::DefaultOpen => events
            .into_iter()
            .map(|(s, e, summary)| closure(s, e, summary))
            .collect(),
        // Events are the open periods: the gaps between them are closed.
        CalendarDefault::DefaultClosed => {
            let mut out = Vec::new();
            let mut at = from;
            let mut sorted = events;
            sorted.sort_by_key(|(s, _, _)| *s);
            for (s, e, _) in sorted {
                if s > at {
                    out.push(closure(at, s, "closed (outside open events)".into()));
                }
                at = at.max(e);
            }
            if at < to {
                out.push(closure(at, to, "closed (outside open events)".into()));
            }
            out
        }
    }
}

fn overlaps(s: &WindowSpan, c: &Closure) -> bool {
    s.start < c.end && s.end > c.start
}

/// The timeline's lines from `now` for [`TIMELINE_DAYS`] days, over the scopes shown.
pub fn timeline_rows(
    estate: &Estate,
    mask: &[bool],
    now: DateTime<Utc>,
    group: TimelineGroup,
    all_calendars: bool,
) -> Vec<TimelineRow> {
    let to = now + Duration::days(TIMELINE_DAYS);
    let mut out = Vec::new();
    for s in shown_scopes(estate, mask) {
        let Some(scope) = estate.scope(s) else {
            continue;
        };
        let closed: Vec<Closure> = estate
            .scope_calendars(s)
            .iter()
            .filter(|c| shows_calendar(c, all_calendars))
            .flat_map(|c| closures(c, now, to))
            .collect();
        let scope_label = format!("{} · {}", scope.scope.account.name, scope.scope.region);
        let mut scope_row = TimelineRow {
            scope: s,
            label: scope_label.clone(),
            spans: Vec::new(),
            closures: closed.clone(),
        };
        for w in estate.scope_windows(s).iter().filter(|w| w.enabled) {
            let hours = Duration::hours(i64::from(w.duration.max(1)));
            let spans: Vec<WindowSpan> = w
                .upcoming
                .iter()
                .filter(|t| **t < to && **t + hours > now)
                .map(|t| {
                    let mut span = WindowSpan {
                        start: *t,
                        end: *t + hours,
                        window: w.name.clone(),
                        conflict: false,
                    };
                    span.conflict = closed.iter().any(|c| overlaps(&span, c));
                    span
                })
                .collect();
            match group {
                TimelineGroup::Scope => scope_row.spans.extend(spans),
                TimelineGroup::Window => out.push(TimelineRow {
                    scope: s,
                    label: format!(
                        "{} · {} · {}",
                        w.name, scope.scope.account.name, scope.scope.region
                    ),
                    spans,
                    closures: closed.clone(),
                }),
            }
        }
        if group == TimelineGroup::Scope {
            scope_row.spans.sort_by_key(|x| x.start);
            out.push(scope_row);
        }
    }
    out
}

impl PaneKind for TimelineView {
    const TITLE: &'static str = "Timeline";
    const ALIASES: &'static [&'static str] = &["timeline", "tl", "calendar"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Windows, Feed::Calendars];
}

impl TimelineView {
    fn rows(&self, cx: &Cx) -> Vec<TimelineRow> {
        timeline_rows(cx.estate, cx.mask, cx.now, self.group, self.all_calendars)
    }

    /// The windows pane, filtered to the line selected (its scope, or its window).
    fn to_windows(&self, cx: &Cx) -> Cmd {
        let rows = self.rows(cx);
        let filter = rows
            .get(self.view.selected.min(rows.len().saturating_sub(1)))
            .and_then(|row| {
                let scope = &cx.estate.scope(row.scope)?.scope;
                let mut filter = format!("account={} region={}", scope.account.id, scope.region);
                if self.group == TimelineGroup::Window
                    && let Some(span) = row.spans.first()
                {
                    filter.push_str(&format!(" name={}", span.window));
                }
                Some(filter)
            });
        Cmd::ShowPane {
            pane: Pane::Windows,
            filter,
        }
    }
}

/// The timeline's lines as a list: movement only.
struct Lines<'a> {
    view: &'a mut Viewport,
    len: usize,
}

impl List for Lines<'_> {
    fn len(&self) -> usize {
        self.len
    }
    fn offset(&self) -> usize {
        self.view.offset
    }
}

impl ListMut for Lines<'_> {
    fn move_by(&mut self, delta: isize) {
        self.view.move_by(delta, self.len);
    }
    fn scroll_by(&mut self, delta: isize) {
        self.view.scroll_by(delta, self.len);
    }
    fn select(&mut self, row: usize) {
        self.view.select(row, self.len);
    }
    fn set_page(&mut self, rows: usize) {
        self.view.set_page(rows, self.len);
    }
    fn nav(&mut self, action: Option<Action>) -> bool {
        viewport_nav(self.view, self.len, action)
    }
}

impl List for TimelineView {
    fn len(&self) -> usize {
        self.len
    }
    fn offset(&self) -> usize {
        self.view.offset
    }
}

impl Component for TimelineView {
    fn help(&self) -> &'static [KeyHint] {
        const HELP: &[KeyHint] = &[
            KeyHint::pane(
                "w",
                &[PaneAction::Group],
                "timeline: per window / per scope",
            ),
            KeyHint::pane(
                "c",
                &[PaneAction::Calendars],
                "timeline: freezes / every calendar",
            ),
            KeyHint::table("Enter", &[Action::Details], "timeline: that line's windows"),
        ];
        HELP
    }
    fn footer(&self) -> &'static [KeyHint] {
        hints::VIEW
    }
    fn has_filter(&self) -> bool {
        false
    }
    fn sync(&mut self, cx: &Cx) {
        self.len = self.rows(cx).len();
    }
    fn list(&self, _cx: &Cx) -> Option<&dyn List> {
        Some(self)
    }
    fn list_mut<'a>(&'a mut self, _cx: &Cx<'a>) -> Option<Box<dyn ListMut + 'a>> {
        Some(Box::new(Lines {
            view: &mut self.view,
            len: self.len,
        }))
    }
    fn on_key(
        &mut self,
        key: &KeyEvent,
        action: Option<Action>,
        cx: &Cx,
        out: &mut Vec<Cmd>,
    ) -> bool {
        if viewport_nav(&mut self.view, self.len, action) {
            return true;
        }
        match (action, cx.pane_action(key, pane_keys::TIMELINE)) {
            (_, Some(PaneAction::Group)) => {
                self.group = match self.group {
                    TimelineGroup::Scope => TimelineGroup::Window,
                    TimelineGroup::Window => TimelineGroup::Scope,
                };
                self.view = Viewport::default();
            }
            (_, Some(PaneAction::Calendars)) => self.all_calendars = !self.all_calendars,
            (Some(Action::Details), _) => out.push(self.to_windows(cx)),
            _ => return false,
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse_icalendar;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("time")
    }

    const FREEZE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-CALENDAR-TYPE:DEFAULT_OPEN\r\nBEGIN:VEVENT\r\nUID:f1\r\nSUMMARY:Black Friday freeze\r\nDTSTART:20261127T000000Z\r\nDTEND:20261130T060000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:f2\r\nSUMMARY:Quarter close\r\nDTSTART:20261231T000000Z\r\nDTEND:20270102T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    const OPEN_HOURS: &str = "BEGIN:VCALENDAR\nX-CALENDAR-TYPE:DEFAULT_CLOSED\nBEGIN:VEVENT\nSUMMARY:Change slot\nDTSTART:20261129T020000Z\nDTEND:20261129T060000Z\nEND:VEVENT\nEND:VCALENDAR\n";

    fn cal(name: &str, text: &str) -> ChangeCalendar {
        ChangeCalendar {
            scope: 0,
            name: name.into(),
            content: parse_icalendar(text),
        }
    }

    #[test]
    fn default_open_events_are_closures_clipped_to_the_range() {
        let c = closures(
            &cal("prod-freeze", FREEZE),
            t("2026-11-28T00:00:00Z"),
            t("2026-12-05T00:00:00Z"),
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].summary, "Black Friday freeze");
        assert_eq!(c[0].start, t("2026-11-28T00:00:00Z"));
        assert_eq!(c[0].end, t("2026-11-30T06:00:00Z"));
    }

    #[test]
    fn default_closed_calendars_close_the_gaps() {
        let c = closures(
            &cal("slots", OPEN_HOURS),
            t("2026-11-29T00:00:00Z"),
            t("2026-11-30T00:00:00Z"),
        );
        let spans: Vec<_> = c.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(
            spans,
            vec![
                (t("2026-11-29T00:00:00Z"), t("2026-11-29T02:00:00Z")),
                (t("2026-11-29T06:00:00Z"), t("2026-11-30T00:00:00Z")),
            ]
        );
        let inside = WindowSpan {
            start: t("2026-11-29T02:00:00Z"),
            end: t("2026-11-29T06:00:00Z"),
            window: "w".into(),
            conflict: false,
        };
        assert!(!c.iter().any(|c| overlaps(&inside, c)));
        let late = WindowSpan {
            start: t("2026-11-29T05:00:00Z"),
            end: t("2026-11-29T07:00:00Z"),
            ..inside
        };
        assert!(c.iter().any(|c| overlaps(&late, c)));
    }
}
