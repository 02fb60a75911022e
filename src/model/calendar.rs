//! Change calendars: the state GetCalendarState reports, and the events of a calendar's
//! iCalendar content (GetDocument of a `ChangeCalendar` document).

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Whether changes may be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarStatus {
    Open,
    Closed,
}

impl CalendarStatus {
    /// `OPEN` or `CLOSED`, as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CalendarStatus::Open => "OPEN",
            CalendarStatus::Closed => "CLOSED",
        }
    }

    pub fn parse(s: &str) -> Option<CalendarStatus> {
        match s {
            "OPEN" => Some(CalendarStatus::Open),
            "CLOSED" => Some(CalendarStatus::Closed),
            _ => None,
        }
    }
}

/// The combined state of one or more calendars at a time (GetCalendarState): CLOSED when
/// any of them is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarState {
    /// The names or ARNs asked about.
    pub calendars: Vec<String>,
    pub state: CalendarStatus,
    /// The time the state is for (now when none was asked).
    pub at_time: Option<DateTime<Utc>>,
    /// When the state next changes, if it does.
    pub next_transition: Option<DateTime<Utc>>,
}

impl CalendarState {
    pub fn is_open(&self) -> bool {
        self.state == CalendarStatus::Open
    }
}

/// What a calendar is outside its events (`X-CALENDAR-TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CalendarDefault {
    /// Events are closed periods.
    DefaultOpen,
    /// Events are open windows.
    DefaultClosed,
}

/// One occurrence of an event of a change calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarEvent {
    pub uid: String,
    pub summary: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A change calendar's content, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarContent {
    pub default: CalendarDefault,
    pub description: String,
    /// Event occurrences (recurring events expanded), by start time.
    pub events: Vec<CalendarEvent>,
}

impl CalendarContent {
    /// Event occurrences overlapping `[from, to)`.
    pub fn events_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Iterator<Item = &CalendarEvent> {
        self.events
            .iter()
            .filter(move |e| e.start < to && e.end > from)
    }

    /// The calendar's own state at `at`.
    pub fn state_at(&self, at: DateTime<Utc>) -> CalendarStatus {
        let in_event = self.events.iter().any(|e| e.start <= at && at < e.end);
        match (self.default, in_event) {
            (CalendarDefault::DefaultOpen, false) | (CalendarDefault::DefaultClosed, true) => {
                CalendarStatus::Open
            }
            _ => CalendarStatus::Closed,
        }
    }
}

/// Occurrences of a recurring event kept at most.
const MAX_OCCURRENCES: usize = 400;

/// Occurrences of a whole calendar kept at most (the events first in the document first):
/// a change calendar document holds at most 64 KB, yet could expand to 250,000.
const MAX_TOTAL_OCCURRENCES: usize = 20_000;

/// Parses iCalendar text (RFC 5545, the subset change calendars use): `X-CALENDAR-TYPE`,
/// `X-WR-CALDESC`, and `VEVENT`s with `UID`, `SUMMARY`, `DESCRIPTION`, `DTSTART`, `DTEND`
/// and a `RRULE` with `FREQ=DAILY|WEEKLY`, `INTERVAL`, `COUNT`, `UNTIL` (at most 400
/// occurrences an event, 20,000 in all). Times with a
/// `TZID` or without a zone are read as UTC. Unreadable events are skipped; nothing fails.
pub fn parse_icalendar(text: &str) -> CalendarContent {
    let mut default = CalendarDefault::DefaultOpen;
    let mut description = String::new();
    let mut events = Vec::new();
    let mut current: Option<RawEvent> = None;
    for line in unfold(text) {
        let (name_params, value) = match line.split_once(':') {
            Some(x) => x,
            None => continue,
        };
        let name = name_params
            .split(';')
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match (name.as_str(), current.as_mut()) {
            ("BEGIN", _) if value.eq_ignore_ascii_case("VEVENT") => {
                current = Some(RawEvent::default());
            }
            ("END", Some(_)) if value.eq_ignore_ascii_case("VEVENT") => {
                if let Some(raw) = current.take() {
                    raw.expand(&mut events);
                }
            }
            ("UID", Some(e)) => e.uid = value.to_string(),
            ("SUMMARY", Some(e)) => e.summary = unescape(value),
            ("DESCRIPTION", Some(e)) => e.description = unescape(value),
            ("DTSTART", Some(e)) => e.start = parse_ical_time(value),
            ("DTEND", Some(e)) => e.end = parse_ical_time(value),
            ("RRULE", Some(e)) => e.rrule = Some(value.to_string()),
            ("X-CALENDAR-TYPE", None) if value.trim().eq_ignore_ascii_case("DEFAULT_CLOSED") => {
                default = CalendarDefault::DefaultClosed;
            }
            ("X-WR-CALDESC", None) => description = unescape(value),
            _ => {}
        }
    }
    events.sort_by_key(|e: &CalendarEvent| e.start);
    CalendarContent {
        default,
        description,
        events,
    }
}

#[derive(Default)]
struct RawEvent {
    uid: String,
    summary: String,
    description: String,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    rrule: Option<String>,
}

impl RawEvent {
    fn expand(self, out: &mut Vec<CalendarEvent>) {
        let (Some(start), Some(end)) = (self.start, self.end) else {
            return;
        };
        if end <= start {
            return;
        }
        let length = end - start;
        let mut step = None;
        let mut count = 1usize;
        let mut until = None;
        if let Some(rule) = &self.rrule {
            let mut interval = 1i64;
            count = MAX_OCCURRENCES;
            for part in rule.split(';') {
                match part.split_once('=') {
                    Some(("FREQ", "DAILY")) => step = Some(Duration::days(1)),
                    Some(("FREQ", "WEEKLY")) => step = Some(Duration::weeks(1)),
                    Some(("INTERVAL", n)) => interval = n.parse().unwrap_or(1).max(1),
                    Some(("COUNT", n)) => count = n.parse().unwrap_or(1).clamp(1, MAX_OCCURRENCES),
                    Some(("UNTIL", t)) => until = parse_ical_time(t),
                    _ => {}
                }
            }
            step = step.map(|s| s * i32::try_from(interval).unwrap_or(1));
            if step.is_none() {
                count = 1;
            }
        }
        let mut at = start;
        for _ in 0..count {
            if until.is_some_and(|u| at > u) || out.len() >= MAX_TOTAL_OCCURRENCES {
                break;
            }
            // Past the last representable time: no more occurrences.
            let Some(end) = at.checked_add_signed(length) else {
                break;
            };
            out.push(CalendarEvent {
                uid: self.uid.clone(),
                summary: self.summary.clone(),
                description: self.description.clone(),
                start: at,
                end,
            });
            match step.and_then(|s| at.checked_add_signed(s)) {
                Some(next) => at = next,
                None => break,
            }
        }
    }
}

/// Lines with RFC 5545 folding (a leading space continues the previous line) undone.
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.lines() {
        let raw = raw.trim_end_matches('\r');
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = lines.last_mut()
        {
            last.push_str(rest);
            continue;
        }
        lines.push(raw.to_string());
    }
    lines
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n")
        .replace("\\N", "\n")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
}

/// `20261201T080000Z`, `20261201T080000` or `20261201` as UTC.
pub fn parse_ical_time(value: &str) -> Option<DateTime<Utc>> {
    let v = value.trim().trim_end_matches('Z');
    if let Ok(t) = NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S") {
        return Some(Utc.from_utc_datetime(&t));
    }
    NaiveDate::parse_from_str(v, "%Y%m%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Utc.from_utc_datetime(&t))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAL: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-CALENDAR-TYPE:DEFAULT_CLOSED\r\nX-WR-CALDESC:Prod\r\n  freeze\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Window\\, weekly\r\nDTSTART:20261201T100000Z\r\nDTEND:20261201T140000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=UTC:20261203T000000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    #[test]
    fn parses_default_description_and_recurrences() {
        let c = parse_icalendar(CAL);
        assert_eq!(c.default, CalendarDefault::DefaultClosed);
        assert_eq!(c.description, "Prod freeze");
        assert_eq!(c.events.len(), 3);
        assert_eq!(c.events[0].summary, "Window, weekly");
        let t = |s: &str| parse_ical_time(s).expect("time");
        assert_eq!(c.events[2].start, t("20261215T100000Z"));
        assert_eq!(c.state_at(t("20261208T110000Z")), CalendarStatus::Open);
        assert_eq!(c.state_at(t("20261208T150000Z")), CalendarStatus::Closed);
        assert_eq!(
            c.events_between(t("20261207T000000Z"), t("20261209T000000Z"))
                .count(),
            1
        );
    }

    #[test]
    fn recurrences_stop_at_the_end_of_time_and_at_the_total_cap() {
        // Found by tests/fuzz.rs: the second occurrence is past the last representable
        // time, which used to panic.
        let c = parse_icalendar(
            "BEGIN:VEVENT\r\nDTSTART:20260101T000000Z\r\nDTEND:20260102T000000Z\r\nRRULE:FREQ=DAILY;INTERVAL=2147483647;COUNT=3\r\nEND:VEVENT\r\n",
        );
        assert_eq!(c.events.len(), 1);
        let event = "BEGIN:VEVENT\r\nDTSTART:20260101T000000Z\r\nDTEND:20260101T010000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n";
        let c = parse_icalendar(&event.repeat(60));
        assert_eq!(c.events.len(), MAX_TOTAL_OCCURRENCES);
    }

    #[test]
    fn garbage_is_an_empty_default_open_calendar() {
        let c = parse_icalendar("not a calendar\nBEGIN:VEVENT\nDTSTART:x\nEND:VEVENT");
        assert_eq!(c.default, CalendarDefault::DefaultOpen);
        assert!(c.events.is_empty());
    }
}
