//! Schedule expressions of maintenance windows and associations: `cron(...)` (six fields,
//! minutes to years, in a named time zone) and `rate(N unit)`, evaluated to the next run
//! times. Time zones are the few the simulated estate uses, with their daylight-saving
//! rules (EU, US, southern Australia).

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

/// Offset from UTC, in seconds, of `tz` at the UTC instant `at`; `None` for a zone the
/// sim does not know.
pub(crate) fn offset(tz: &str, at: DateTime<Utc>) -> Option<i64> {
    let h = 3600;
    Some(match tz {
        "" | "UTC" | "Etc/UTC" | "GMT" => 0,
        "Europe/London" | "Europe/Dublin" => eu_dst(at) * h,
        "Europe/Berlin" | "Europe/Paris" | "Europe/Frankfurt" | "Europe/Stockholm" => {
            h + eu_dst(at) * h
        }
        "America/New_York" => -5 * h + us_dst(at, -5) * h,
        "America/Chicago" => -6 * h + us_dst(at, -6) * h,
        "America/Los_Angeles" => -8 * h + us_dst(at, -8) * h,
        "Asia/Tokyo" => 9 * h,
        "Asia/Singapore" => 8 * h,
        "Asia/Kolkata" => 5 * h + 1800,
        "Australia/Sydney" => 10 * h + au_dst(at) * h,
        _ => return None,
    })
}

fn nth_sunday(year: i32, month: u32, n: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or_default();
    let to_sun = (7 - first.weekday().num_days_from_sunday()) % 7;
    first + Duration::days(i64::from(to_sun + 7 * (n - 1)))
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap_or_default();
    let last = next - Duration::days(1);
    last - Duration::days(i64::from(last.weekday().num_days_from_sunday()))
}

fn utc_at(d: NaiveDate, hour: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(hour, 0, 0).unwrap_or_default())
}

/// 1 in EU summer time (last Sunday of March to last Sunday of October, 01:00 UTC).
fn eu_dst(at: DateTime<Utc>) -> i64 {
    let y = at.year();
    let start = utc_at(last_sunday(y, 3), 1);
    let end = utc_at(last_sunday(y, 10), 1);
    i64::from(at >= start && at < end)
}

/// 1 in US daylight time (second Sunday of March to first Sunday of November, 02:00 local).
fn us_dst(at: DateTime<Utc>, std_hours: i64) -> i64 {
    let y = at.year();
    let start = utc_at(nth_sunday(y, 3, 2), 2) - Duration::hours(std_hours);
    let end = utc_at(nth_sunday(y, 11, 1), 2) - Duration::hours(std_hours + 1);
    i64::from(at >= start && at < end)
}

/// 1 in Sydney summer time (first Sunday of October to first Sunday of April).
fn au_dst(at: DateTime<Utc>) -> i64 {
    let y = at.year();
    let end = utc_at(nth_sunday(y, 4, 1), 3) - Duration::hours(11);
    let start = utc_at(nth_sunday(y, 10, 1), 2) - Duration::hours(10);
    i64::from(at < end || at >= start)
}

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Schedule {
    Cron(Cron),
    /// Every `secs` seconds from the anchor.
    Rate {
        secs: i64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cron {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    /// Days of month; empty for `?`/`*`.
    days: Vec<u32>,
    months: Vec<u32>,
    /// (weekday 1=SUN..7=SAT, nth occurrence or 0 for every); empty for `?`/`*`.
    weekdays: Vec<(u32, u32)>,
}

const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

fn field_value(s: &str, names: &[&str], base: u32) -> Option<u32> {
    if let Ok(n) = s.parse::<u32>() {
        return Some(n);
    }
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(s))
        .map(|i| i as u32 + base)
}

/// Values of one cron field within `[lo, hi]`; `None` when malformed.
fn field(s: &str, lo: u32, hi: u32, names: &[&str], base: u32) -> Option<Vec<u32>> {
    if s == "*" {
        return Some((lo..=hi).collect());
    }
    let mut out = Vec::new();
    for part in s.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, st)) => (r, st.parse::<u32>().ok().filter(|v| *v > 0)?),
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (field_value(a, names, base)?, field_value(b, names, base)?)
        } else {
            let v = field_value(range, names, base)?;
            (v, if part.contains('/') { hi } else { v })
        };
        if a < lo || b > hi || a > b {
            return None;
        }
        out.extend((a..=b).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

impl Schedule {
    /// `cron(0 2 ? * SUN *)`, `cron(0 4 ? * TUE#2 *)`, `rate(12 hours)`.
    pub fn parse(expr: &str) -> Option<Schedule> {
        let expr = expr.trim();
        if let Some(body) = expr.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
            let mut w = body.split_whitespace();
            let n: i64 = w.next()?.parse().ok().filter(|n| *n > 0)?;
            let unit = match w.next()?.trim_end_matches('s') {
                "minute" => 60,
                "hour" => 3600,
                "day" => 86_400,
                _ => return None,
            };
            return Some(Schedule::Rate { secs: n * unit });
        }
        let body = expr.strip_prefix("cron(")?.strip_suffix(')')?;
        let f: Vec<&str> = body.split_whitespace().collect();
        if f.len() != 6 {
            return None;
        }
        let minutes = field(f[0], 0, 59, &[], 0)?;
        let hours = field(f[1], 0, 23, &[], 0)?;
        let days = if matches!(f[2], "?" | "*") {
            Vec::new()
        } else {
            field(f[2], 1, 31, &[], 0)?
        };
        let months = field(f[3], 1, 12, &MONTH_NAMES, 1)?;
        let weekdays = if matches!(f[4], "?" | "*") {
            Vec::new()
        } else if let Some((d, n)) = f[4].split_once('#') {
            let d = field_value(d, &DAY_NAMES, 1)?;
            let n: u32 = n.parse().ok().filter(|n| (1..=5).contains(n))?;
            vec![(d, n)]
        } else {
            field(f[4], 1, 7, &DAY_NAMES, 1)?
                .into_iter()
                .map(|d| (d, 0))
                .collect()
        };
        Some(Schedule::Cron(Cron {
            minutes,
            hours,
            days,
            months,
            weekdays,
        }))
    }

    /// Run times in `[from, to)`, at most `limit`. `anchor` is where rates count from.
    pub fn between(
        &self,
        tz: &str,
        anchor: DateTime<Utc>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        match self {
            Schedule::Rate { secs } => {
                let step = Duration::seconds(*secs);
                let mut k = ((from - anchor).num_seconds() as f64 / *secs as f64).ceil() as i64;
                k = k.max(0);
                loop {
                    let t = anchor + step * i32::try_from(k).unwrap_or(i32::MAX);
                    if t >= to || out.len() >= limit {
                        break;
                    }
                    if t >= from {
                        out.push(t);
                    }
                    k += 1;
                }
            }
            Schedule::Cron(c) => {
                let Some(off) = offset(tz, from) else {
                    return out;
                };
                let mut day = (from + Duration::seconds(off)).date_naive() - Duration::days(1);
                let last = (to + Duration::seconds(off)).date_naive() + Duration::days(1);
                while day <= last && out.len() < limit {
                    if c.matches_day(day) {
                        for h in &c.hours {
                            for m in &c.minutes {
                                let local = NaiveDateTime::new(
                                    day,
                                    chrono::NaiveTime::from_hms_opt(*h, *m, 0).unwrap_or_default(),
                                );
                                let guess = Utc.from_utc_datetime(&local);
                                let off = offset(tz, guess - Duration::seconds(off)).unwrap_or(0);
                                let t = guess - Duration::seconds(off);
                                if t >= from && t < to && out.len() < limit {
                                    out.push(t);
                                }
                            }
                        }
                    }
                    day += Duration::days(1);
                }
                out.sort();
            }
        }
        out
    }

    /// The first run at or after `from`, looking a year ahead.
    pub fn next(
        &self,
        tz: &str,
        anchor: DateTime<Utc>,
        from: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.between(tz, anchor, from, from + Duration::days(400), 1)
            .into_iter()
            .next()
    }

    /// Runs before `before`, newest first, at most `limit` (looking a year back).
    pub fn previous(
        &self,
        tz: &str,
        anchor: DateTime<Utc>,
        before: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let mut all = self.between(tz, anchor, before - Duration::days(120), before, 10_000);
        all.reverse();
        all.truncate(limit);
        all
    }
}

impl Cron {
    fn matches_day(&self, d: NaiveDate) -> bool {
        if !self.months.contains(&d.month()) {
            return false;
        }
        if !self.days.is_empty() && !self.days.contains(&d.day()) {
            return false;
        }
        if self.weekdays.is_empty() {
            return true;
        }
        let wd = d.weekday().num_days_from_sunday() + 1;
        let nth = (d.day() - 1) / 7 + 1;
        self.weekdays
            .iter()
            .any(|(w, n)| *w == wd && (*n == 0 || *n == nth))
    }
}

/// ISO 8601 with the zone's offset, as `NextExecutionTime` reads (`2026-12-06T02:00Z`
/// style for UTC, `2026-12-06T02:00-05:00` otherwise).
pub(crate) fn iso_in(tz: &str, t: DateTime<Utc>) -> String {
    let off = offset(tz, t).unwrap_or(0);
    let local = t + Duration::seconds(off);
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute()
    );
    if off == 0 {
        format!("{base}Z")
    } else {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.abs();
        format!("{base}{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .expect("time")
    }

    #[test]
    fn weekly_cron_in_a_zone_with_dst() {
        let s = Schedule::parse("cron(0 2 ? * SUN *)").expect("parse");
        let anchor = t("2026-01-01T00:00:00Z");
        // Winter: New York is UTC-5.
        let next = s.next("America/New_York", anchor, t("2026-11-28T00:00:00Z"));
        assert_eq!(next, Some(t("2026-11-29T07:00:00Z")));
        // Summer: UTC-4.
        let next = s.next("America/New_York", anchor, t("2026-07-01T00:00:00Z"));
        assert_eq!(next, Some(t("2026-07-05T06:00:00Z")));
        let next = s.next("Europe/Berlin", anchor, t("2026-07-01T00:00:00Z"));
        assert_eq!(next, Some(t("2026-07-05T00:00:00Z")));
    }

    #[test]
    fn nth_weekday_rates_and_errors() {
        let s = Schedule::parse("cron(0 4 ? * TUE#2 *)").expect("parse");
        let next = s.next("UTC", t("2026-01-01T00:00:00Z"), t("2026-12-01T00:00:00Z"));
        assert_eq!(next, Some(t("2026-12-08T04:00:00Z")));
        let r = Schedule::parse("rate(12 hours)").expect("rate");
        let anchor = t("2026-11-01T01:00:00Z");
        let got = r.between(
            "UTC",
            anchor,
            t("2026-11-28T00:00:00Z"),
            t("2026-11-29T00:00:00Z"),
            10,
        );
        assert_eq!(
            got,
            vec![t("2026-11-28T01:00:00Z"), t("2026-11-28T13:00:00Z")]
        );
        let prev = r.previous("UTC", anchor, t("2026-11-28T02:00:00Z"), 2);
        assert_eq!(
            prev,
            vec![t("2026-11-28T01:00:00Z"), t("2026-11-27T13:00:00Z")]
        );
        assert!(Schedule::parse("cron(0 2 * *)").is_none());
        assert!(Schedule::parse("cron(61 2 ? * SUN *)").is_none());
        assert!(Schedule::parse("rate(0 days)").is_none());
        assert_eq!(
            iso_in("America/New_York", t("2026-11-29T07:00:00Z")),
            "2026-11-29T02:00-05:00"
        );
        assert_eq!(
            iso_in("UTC", t("2026-11-29T07:00:00Z")),
            "2026-11-29T07:00Z"
        );
    }
}
