//! The Change Calendar gate: before any change, the calendars named in the config are
//! asked (GetCalendarState, in each scope the change calls into). A CLOSED calendar, or
//! one that cannot be read, refuses the change unless the operator typed the override
//! word, which the audit log records.

use chrono::{DateTime, Utc};

use crate::config::ActionsConfig;
use crate::model::{CalendarState, CalendarStatus, Scope};

use super::audit::CalendarCheck;

/// Which calendars apply where, and the override word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    config: ActionsConfig,
}

impl Default for Gate {
    fn default() -> Self {
        Gate::new(ActionsConfig::default())
    }
}

/// One calendar as read in one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarReading {
    pub scope: Scope,
    pub name: String,
    /// The state, or why it could not be read.
    pub state: Result<CalendarState, String>,
}

impl CalendarReading {
    /// `OPEN`, `CLOSED` or `UNKNOWN`.
    pub fn state_label(&self) -> &'static str {
        match &self.state {
            Ok(s) => s.state.as_str(),
            Err(_) => "UNKNOWN",
        }
    }

    fn blocks(&self) -> bool {
        !matches!(&self.state, Ok(s) if s.state == CalendarStatus::Open)
    }
}

/// What the gate says about a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Every calendar is open (or none is configured).
    Open,
    /// A calendar is closed, and the operator typed the override word.
    Overridden { word: String, reason: String },
    /// Closed: not sent.
    Refused {
        /// Which calendars are closed (or unreadable), where, and until when.
        reason: String,
        /// The earliest time a closed calendar opens again, when AWS says.
        next_transition: Option<DateTime<Utc>>,
        /// The operator typed something, but not the override word.
        wrong_word: bool,
    },
}

impl Decision {
    pub fn allows(&self) -> bool {
        !matches!(self, Decision::Refused { .. })
    }

    /// The override word to record in the audit log.
    pub fn override_word(&self) -> Option<&str> {
        match self {
            Decision::Overridden { word, .. } => Some(word),
            _ => None,
        }
    }
}

impl Gate {
    pub fn new(config: ActionsConfig) -> Gate {
        Gate { config }
    }

    pub fn override_word(&self) -> &str {
        &self.config.override_word
    }

    /// The calendars checked before a change in `scope`.
    pub fn calendars_for(&self, scope: &Scope) -> Vec<String> {
        let mut names: Vec<String> = self.config.change_calendars.clone();
        for s in &self.config.scoped_calendars {
            if s.applies_to(&scope.account.id, &scope.region) {
                names.extend(s.change_calendars.iter().cloned());
            }
        }
        let mut seen = Vec::new();
        names.retain(|n| {
            let new = !seen.contains(n);
            if new {
                seen.push(n.clone());
            }
            new
        });
        names
    }

    /// Decides from the readings. `typed` is what the operator typed at the override
    /// prompt, if anything. `stops_work`: cancelling or stopping is never refused.
    pub fn decide(
        &self,
        readings: &[CalendarReading],
        typed: Option<&str>,
        stops_work: bool,
    ) -> Decision {
        let blocking: Vec<&CalendarReading> = readings.iter().filter(|r| r.blocks()).collect();
        if blocking.is_empty() || stops_work {
            return Decision::Open;
        }
        let reason = blocking
            .iter()
            .map(|r| match &r.state {
                Ok(s) => format!(
                    "change calendar {} is CLOSED in {}{}",
                    r.name,
                    r.scope.label(),
                    s.next_transition
                        .map(|t| format!(" until {}", t.format("%Y-%m-%d %H:%M UTC")))
                        .unwrap_or_default()
                ),
                Err(e) => format!(
                    "change calendar {} cannot be read in {}: {e}",
                    r.name,
                    r.scope.label()
                ),
            })
            .collect::<Vec<_>>()
            .join("; ");
        let next_transition = blocking
            .iter()
            .filter_map(|r| r.state.as_ref().ok().and_then(|s| s.next_transition))
            .min();
        match typed.map(str::trim) {
            Some(w) if w == self.config.override_word => Decision::Overridden {
                word: w.to_string(),
                reason,
            },
            other => Decision::Refused {
                reason,
                next_transition,
                wrong_word: other.is_some_and(|w| !w.is_empty()),
            },
        }
    }
}

/// The audit log's `calendars` of one scope.
pub fn checks_in(readings: &[CalendarReading], scope: &Scope) -> Vec<CalendarCheck> {
    readings
        .iter()
        .filter(|r| r.scope == *scope)
        .map(|r| CalendarCheck {
            name: r.name.clone(),
            state: r.state_label().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScopedCalendars;
    use crate::model::Account;

    fn scope(id: &str, region: &str) -> Scope {
        Scope {
            account: Account {
                id: id.into(),
                name: "prod".into(),
            },
            region: region.into(),
        }
    }

    fn gate() -> Gate {
        Gate::new(ActionsConfig {
            change_calendars: vec!["global".into()],
            scoped_calendars: vec![ScopedCalendars {
                accounts: vec!["111111111111".into()],
                regions: vec![],
                change_calendars: vec!["prod-freeze".into(), "global".into()],
            }],
            override_word: "BREAK-GLASS".into(),
        })
    }

    fn reading(name: &str, state: CalendarStatus) -> CalendarReading {
        CalendarReading {
            scope: scope("111111111111", "eu-west-1"),
            name: name.into(),
            state: Ok(CalendarState {
                calendars: vec![name.into()],
                state,
                at_time: None,
                next_transition: DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
                    .ok()
                    .map(|t| t.with_timezone(&Utc)),
            }),
        }
    }

    #[test]
    fn calendars_per_scope() {
        let g = gate();
        assert_eq!(
            g.calendars_for(&scope("111111111111", "eu-west-1")),
            vec!["global".to_string(), "prod-freeze".to_string()]
        );
        assert_eq!(
            g.calendars_for(&scope("222222222222", "eu-west-1")),
            vec!["global".to_string()]
        );
    }

    #[test]
    fn closed_refuses_unless_the_word_is_typed() {
        let g = gate();
        let r = [
            reading("global", CalendarStatus::Open),
            reading("prod-freeze", CalendarStatus::Closed),
        ];
        match g.decide(&r, None, false) {
            Decision::Refused {
                reason,
                next_transition,
                wrong_word,
            } => {
                assert!(reason.contains("prod-freeze is CLOSED"), "{reason}");
                assert!(reason.contains("until 2026-12-01 08:00 UTC"), "{reason}");
                assert!(next_transition.is_some());
                assert!(!wrong_word);
            }
            d => panic!("{d:?}"),
        }
        assert!(matches!(
            g.decide(&r, Some("please"), false),
            Decision::Refused {
                wrong_word: true,
                ..
            }
        ));
        let d = g.decide(&r, Some("BREAK-GLASS"), false);
        assert_eq!(d.override_word(), Some("BREAK-GLASS"));
        assert_eq!(g.decide(&r, None, true), Decision::Open);
        assert_eq!(
            g.decide(&[reading("global", CalendarStatus::Open)], None, false),
            Decision::Open
        );
    }

    #[test]
    fn an_unreadable_calendar_refuses() {
        let g = gate();
        let r = [CalendarReading {
            scope: scope("111111111111", "eu-west-1"),
            name: "prod-freeze".into(),
            state: Err("AccessDenied".into()),
        }];
        let d = g.decide(&r, None, false);
        assert!(!d.allows());
        assert_eq!(
            checks_in(&r, &scope("111111111111", "eu-west-1"))[0].state,
            "UNKNOWN"
        );
    }
}
