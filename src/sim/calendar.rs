//! Change Calendar: GetCalendarState over the iCalendar content of `ChangeCalendar`
//! documents, with a knob that forces a calendar OPEN or CLOSED.

use serde_json::{Map, Value};

use super::ctx::Ctx;
use super::documents::{self, Document};
use super::input::{self, Object};
use super::knobs::ForcedCalendar;
use super::ops_data::iso;
use super::request::{check_count, missing, parse_time};
use super::wire::ApiError;

/// A calendar's events as closed/open periods: (start, end) in epoch seconds.
struct Parsed {
    default_open: bool,
    periods: Vec<(f64, f64)>,
}

const MAX_OCCURRENCES: usize = 400;
/// Occurrences of a whole calendar kept at most, as the cockpit keeps them (a 64 KB
/// document could expand to 250,000).
const MAX_TOTAL_OCCURRENCES: usize = 20_000;

fn ical_secs(v: &str) -> Option<f64> {
    let v = v.trim().trim_end_matches('Z');
    let t = chrono::NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(v, "%Y%m%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    Some(t.and_utc().timestamp() as f64)
}

/// `None` when the content is not an iCalendar a change calendar supports.
fn parse(text: &str) -> Option<Parsed> {
    if !text.contains("BEGIN:VCALENDAR") {
        return None;
    }
    let mut default_open = true;
    let mut periods = Vec::new();
    let mut ev: Option<(Option<f64>, Option<f64>, Option<String>)> = None;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.split(';').next().unwrap_or("");
        match name {
            "X-CALENDAR-TYPE" => match value {
                "DEFAULT_OPEN" => default_open = true,
                "DEFAULT_CLOSED" => default_open = false,
                _ => return None,
            },
            "BEGIN" if value == "VEVENT" => ev = Some((None, None, None)),
            "DTSTART" => {
                if let Some(e) = ev.as_mut() {
                    e.0 = ical_secs(value);
                }
            }
            "DTEND" => {
                if let Some(e) = ev.as_mut() {
                    e.1 = ical_secs(value);
                }
            }
            "RRULE" => {
                if let Some(e) = ev.as_mut() {
                    e.2 = Some(value.to_string());
                }
            }
            "END" if value == "VEVENT" => {
                let (Some(start), Some(end), rule) = ev.take()? else {
                    return None;
                };
                expand(start, end, rule.as_deref(), &mut periods)?;
            }
            _ => {}
        }
    }
    periods.sort_by(|a, b| a.0.total_cmp(&b.0));
    Some(Parsed {
        default_open,
        periods,
    })
}

fn expand(start: f64, end: f64, rule: Option<&str>, out: &mut Vec<(f64, f64)>) -> Option<()> {
    if end <= start {
        return None;
    }
    let Some(rule) = rule else {
        out.push((start, end));
        return Some(());
    };
    let (mut step, mut interval, mut count, mut until) = (None, 1.0, MAX_OCCURRENCES, None);
    for part in rule.split(';') {
        match part.split_once('=') {
            Some(("FREQ", "DAILY")) => step = Some(86_400.0),
            Some(("FREQ", "WEEKLY")) => step = Some(7.0 * 86_400.0),
            Some(("FREQ", _)) => return None,
            Some(("INTERVAL", n)) => interval = n.parse::<f64>().ok()?.max(1.0),
            Some(("COUNT", n)) => count = n.parse::<usize>().ok()?.clamp(1, MAX_OCCURRENCES),
            Some(("UNTIL", t)) => until = Some(ical_secs(t)?),
            _ => {}
        }
    }
    let step = step? * interval;
    let mut at = start;
    for _ in 0..count {
        if until.is_some_and(|u| at > u) || out.len() >= MAX_TOTAL_OCCURRENCES {
            break;
        }
        out.push((at, at + end - start));
        at += step;
    }
    Some(())
}

impl Parsed {
    fn open_at(&self, t: f64) -> bool {
        let in_event = self.periods.iter().any(|(s, e)| *s <= t && t < *e);
        self.default_open != in_event
    }

    fn boundaries_after(&self, t: f64) -> impl Iterator<Item = f64> + '_ {
        self.periods
            .iter()
            .flat_map(|(s, e)| [*s, *e])
            .filter(move |b| *b > t)
    }
}

/// A calendar as GetCalendarState evaluates it.
enum Eval {
    Forced(bool),
    Events(Parsed),
}

impl Eval {
    fn open_at(&self, t: f64) -> bool {
        match self {
            Eval::Forced(open) => *open,
            Eval::Events(p) => p.open_at(t),
        }
    }
}

fn evaluate(ctx: &Ctx<'_>, name: &str) -> Result<Eval, ApiError> {
    let doc: Document =
        documents::find(ctx, name).ok_or_else(|| documents::invalid_document(name))?;
    if doc.doc_type != "ChangeCalendar" {
        return Err(ApiError::new(
            400,
            "InvalidDocumentType",
            format!(
                "The document {} is of type {}; GetCalendarState needs a ChangeCalendar document.",
                doc.name, doc.doc_type
            ),
        ));
    }
    if let Some(f) = ctx.knobs.calendars.get(&doc.name) {
        return Ok(Eval::Forced(f == ForcedCalendar::Open));
    }
    let text = doc.text(doc.default_version).unwrap_or_default();
    parse(text).map(Eval::Events).ok_or_else(|| {
        ApiError::new(
            400,
            "UnsupportedCalendarException",
            "The calendar entry contained in the specified SSM document isn't supported.",
        )
    })
}

/// An ISO 8601 time: RFC 3339, or without a zone (UTC), or a date.
fn at_time(t: &str) -> Option<f64> {
    if let Some(v) = parse_time(t).filter(|_| t.contains('T') || t.contains(' ')) {
        return Some(v);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    Some(naive.and_utc().timestamp() as f64)
}

/// Whether every calendar is open at `at`, and the first time after it when that changes.
fn state_and_next(calendars: &[Eval], at: f64) -> (bool, Option<f64>) {
    let open_at = |t: f64| calendars.iter().all(|c| c.open_at(t));
    let open = open_at(at);
    let mut boundaries: Vec<f64> = calendars
        .iter()
        .filter_map(|c| match c {
            Eval::Events(p) => Some(p.boundaries_after(at)),
            Eval::Forced(_) => None,
        })
        .flatten()
        .collect();
    boundaries.sort_by(f64::total_cmp);
    let next = boundaries.into_iter().find(|b| open_at(*b) != open);
    (open, next)
}

/// GetCalendarState of one calendar's iCalendar `text` at `at` (epoch seconds): `None`
/// when the content is not supported, else (open, next transition).
pub(crate) fn state_of(text: &str, at: f64) -> Option<(bool, Option<f64>)> {
    let calendar = Eval::Events(parse(text)?);
    Some(state_and_next(std::slice::from_ref(&calendar), at))
}

pub(crate) fn get_calendar_state(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let names = input::opt_array(body, "CalendarNames")?.ok_or_else(|| missing("calendarNames"))?;
    let names = input::string_list(names, "CalendarNames")?;
    check_count(names.len(), "calendarNames", 1, 100)?;
    let at_text = input::opt_str(body, "AtTime")?;
    let at = match at_text {
        None => ctx.now.floor(),
        Some(t) => at_time(t).ok_or_else(|| {
            ApiError::validation(format!(
                "AtTime {t} is not a valid ISO 8601 date and time string."
            ))
        })?,
    };
    let calendars = names
        .iter()
        .map(|n| evaluate(ctx, n))
        .collect::<Result<Vec<_>, _>>()?;
    let (open, next) = state_and_next(&calendars, at);
    let mut out = Map::new();
    out.insert("State".into(), if open { "OPEN" } else { "CLOSED" }.into());
    out.insert(
        "AtTime".into(),
        at_text
            .map(str::to_string)
            .unwrap_or_else(|| iso(at))
            .into(),
    );
    if let Some(n) = next {
        out.insert("NextTransitionTime".into(), iso(n).into());
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calendar_expands_to_at_most_the_total_cap() {
        let event = "BEGIN:VEVENT\r\nDTSTART:20260101T000000Z\r\nDTEND:20260101T010000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n";
        let p = parse(&format!(
            "BEGIN:VCALENDAR\r\n{}END:VCALENDAR\r\n",
            event.repeat(60)
        ))
        .expect("parses");
        assert_eq!(p.periods.len(), MAX_TOTAL_OCCURRENCES);
    }

    #[test]
    fn default_closed_with_weekly_window() {
        let p = parse("BEGIN:VCALENDAR\r\nX-CALENDAR-TYPE:DEFAULT_CLOSED\r\nBEGIN:VEVENT\r\nDTSTART:20261201T080000Z\r\nDTEND:20261201T120000Z\r\nRRULE:FREQ=WEEKLY;COUNT=2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").expect("parses");
        let t = |s: &str| ical_secs(s).expect("time");
        assert!(!p.open_at(t("20261201T070000Z")));
        assert!(p.open_at(t("20261208T090000Z")));
        assert!(!p.open_at(t("20261215T090000Z")));
        assert!(parse("BEGIN:VCALENDAR\nX-CALENDAR-TYPE:WEIRD\nEND:VCALENDAR").is_none());
        assert!(parse("hello").is_none());
    }
}
