//! Change Calendar: GetCalendarState.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::model::{CalendarState, CalendarStatus};

use super::error::{AwsError, ErrorKind};
use super::nodes::SsmRead;

fn parse_time(s: Option<&str>) -> Option<DateTime<Utc>> {
    let s = s.filter(|s| !s.is_empty())?;
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl SsmRead {
    /// GetCalendarState of one or more calendars (names or ARNs) at `at` (now when
    /// `None`): CLOSED when any of them is closed.
    pub async fn get_calendar_state(
        &self,
        calendars: &[String],
        at: Option<DateTime<Utc>>,
    ) -> Result<CalendarState, AwsError> {
        let out = self
            .client
            .get_calendar_state()
            .set_calendar_names(Some(calendars.to_vec()))
            .set_at_time(at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk("ssm:GetCalendarState", e))?;
        let state = out
            .state()
            .and_then(|s| CalendarStatus::parse(s.as_str()))
            .ok_or_else(|| {
                AwsError::new(
                    ErrorKind::Server,
                    "ssm:GetCalendarState: the answer has no OPEN/CLOSED state",
                )
            })?;
        Ok(CalendarState {
            calendars: calendars.to_vec(),
            state,
            at_time: parse_time(out.at_time()),
            next_transition: parse_time(out.next_transition_time()),
        })
    }
}
