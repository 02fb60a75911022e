//! The fault knobs as one settable document: what `ssm-cockpit sim`'s fault flags set at
//! start and what `GET`/`POST /_sim/knobs` read and change while the sim serves
//! (docs/sim-faults.md).

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::call_faults::Hang;
use super::knobs::SimKnobs;

/// Fault settings; every field is optional, and a field left out is left as it is.
/// `GET /_sim/knobs` answers every field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnobSettings {
    /// Fraction of calls (0 to 1) answered with a 500 internal error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// Accounts (12-digit ids) whose every call is denied (AccessDeniedException), and
    /// AssumeRole into them; replaces the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deny_accounts: Option<Vec<String>>,
    /// Regions whose every call is throttled; replaces the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle_regions: Option<Vec<String>>,
    /// Latency added to every call, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Calls per second allowed per (account, region, operation); 0 lifts the limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
    /// Extra latency of every `spike_every`-th call, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_spike_ms: Option<u64>,
    /// The period of latency spikes, in calls; 0 turns them off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike_every: Option<u64>,
    /// Every operation hangs (no answer until lifted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hang: Option<bool>,
    /// These operations hang (e.g. `DescribeInstanceInformation`); replaces the list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hang_ops: Option<Vec<String>>,
    /// Drops the session WebSocket carrying every N-th output frame (all sessions
    /// counted); 0 stops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_sockets_every: Option<u64>,
    /// `true` drops every open session WebSocket now (sessions can resume). Never
    /// answered by `GET`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drop_sockets_now: Option<bool>,
    /// Delay of every frame the agents write, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_delay_ms: Option<u64>,
    /// Probability (0 to 1) that an agent frame is swapped with the next one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reorder: Option<f64>,
    /// Probability (0 to 1) that an agent frame is written twice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate: Option<f64>,
}

fn probability(name: &str, p: Option<f64>) -> Result<(), String> {
    match p {
        Some(p) if !(0.0..=1.0).contains(&p) => Err(format!(
            "{name} must be a fraction from 0 to 1 (like 0.2), got {p}"
        )),
        _ => Ok(()),
    }
}

/// A 12-digit account id.
fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Lowercase letters, digits and dashes, like `eu-west-1`.
fn is_region(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.contains('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An operation name, like `DescribeInstanceInformation`.
fn is_operation(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// At most one day, in milliseconds: anything longer is a hang, which has its knob.
const MAX_MS: u64 = 86_400_000;

impl KnobSettings {
    /// Every setting as the sim has it now (`drop_sockets_now` left out).
    pub fn current(knobs: &SimKnobs) -> KnobSettings {
        let (spike, every) = knobs.latency_spike();
        let hang = knobs.hang();
        KnobSettings {
            error_rate: Some(knobs.error_rate()),
            deny_accounts: Some(knobs.denied_accounts()),
            throttle_regions: Some(knobs.throttled_regions()),
            latency_ms: Some(millis(knobs.latency())),
            rate_limit: Some(knobs.rate_limit().unwrap_or(0.0)),
            latency_spike_ms: Some(millis(spike)),
            spike_every: Some(every),
            hang: Some(hang.all),
            hang_ops: Some(hang.ops.into_iter().collect()),
            drop_sockets_every: Some(knobs.session_socket_drop_every()),
            drop_sockets_now: None,
            frame_delay_ms: Some(millis(knobs.session.delay())),
            reorder: Some(knobs.session.reorder()),
            duplicate: Some(knobs.session.duplicate()),
        }
    }

    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == KnobSettings::default()
    }

    /// Why these settings cannot be applied, naming the field and what it takes.
    pub fn check(&self) -> Result<(), String> {
        probability("error_rate", self.error_rate)?;
        probability("reorder", self.reorder)?;
        probability("duplicate", self.duplicate)?;
        if let Some(r) = self.rate_limit
            && !(r.is_finite() && r >= 0.0)
        {
            return Err(format!(
                "rate_limit must be calls per second (0 for no limit), got {r}"
            ));
        }
        for (name, ms) in [
            ("latency_ms", self.latency_ms),
            ("latency_spike_ms", self.latency_spike_ms),
            ("frame_delay_ms", self.frame_delay_ms),
        ] {
            if let Some(ms) = ms
                && ms > MAX_MS
            {
                return Err(format!(
                    "{name} must be at most {MAX_MS} (a day), got {ms}; to hold answers back for good, use hang"
                ));
            }
        }
        for a in self.deny_accounts.iter().flatten() {
            if !is_account_id(a) {
                return Err(format!(
                    "deny_accounts takes 12-digit account ids (like 111111111111), got {a:?}"
                ));
            }
        }
        for r in self.throttle_regions.iter().flatten() {
            if !is_region(r) {
                return Err(format!(
                    "throttle_regions takes region names (like eu-west-1), got {r:?}"
                ));
            }
        }
        for op in self.hang_ops.iter().flatten() {
            if !is_operation(op) {
                return Err(format!(
                    "hang_ops takes operation names (like DescribeInstanceInformation), got {op:?}"
                ));
            }
        }
        Ok(())
    }

    /// Checks, then applies every field that is set.
    pub fn apply(&self, knobs: &SimKnobs) -> Result<(), String> {
        self.check()?;
        if let Some(p) = self.error_rate {
            knobs.set_error_rate(p);
        }
        if let Some(a) = &self.deny_accounts {
            knobs.set_denied_accounts(a);
        }
        if let Some(r) = &self.throttle_regions {
            knobs.set_throttled_regions(r);
        }
        if let Some(ms) = self.latency_ms {
            knobs.set_latency(Duration::from_millis(ms));
        }
        if let Some(r) = self.rate_limit {
            knobs.set_rate_limit((r > 0.0).then_some(r));
        }
        if self.latency_spike_ms.is_some() || self.spike_every.is_some() {
            let (spike, every) = knobs.latency_spike();
            knobs.set_latency_spike(
                self.latency_spike_ms
                    .map(Duration::from_millis)
                    .unwrap_or(spike),
                self.spike_every.unwrap_or(every),
            );
        }
        if self.hang.is_some() || self.hang_ops.is_some() {
            let now = knobs.hang();
            knobs.set_hang(Hang {
                all: self.hang.unwrap_or(now.all),
                ops: match &self.hang_ops {
                    Some(ops) => ops.iter().cloned().collect::<BTreeSet<_>>(),
                    None => now.ops,
                },
            });
        }
        if let Some(n) = self.drop_sockets_every {
            knobs.drop_session_socket_every(n);
        }
        if self.drop_sockets_now == Some(true) {
            knobs.drop_session_sockets();
        }
        if let Some(ms) = self.frame_delay_ms {
            knobs.set_session_frame_delay(Duration::from_millis(ms));
        }
        if let Some(p) = self.reorder {
            knobs.set_session_reorder(p);
        }
        if let Some(p) = self.duplicate {
            knobs.set_session_duplicate(p);
        }
        Ok(())
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applied_settings_read_back() {
        let knobs = SimKnobs::default();
        let set = KnobSettings {
            error_rate: Some(0.25),
            deny_accounts: Some(vec!["111111111111".into()]),
            throttle_regions: Some(vec!["eu-west-1".into()]),
            latency_ms: Some(30),
            rate_limit: Some(5.0),
            latency_spike_ms: Some(900),
            spike_every: Some(4),
            hang: Some(false),
            hang_ops: Some(vec!["DescribeInstanceInformation".into()]),
            drop_sockets_every: Some(7),
            drop_sockets_now: None,
            frame_delay_ms: Some(3),
            reorder: Some(0.5),
            duplicate: Some(0.125),
        };
        set.apply(&knobs).unwrap();
        assert_eq!(KnobSettings::current(&knobs), set);
        // A partial update leaves the rest alone.
        let part = KnobSettings {
            spike_every: Some(0),
            deny_accounts: Some(vec![]),
            ..KnobSettings::default()
        };
        part.apply(&knobs).unwrap();
        let now = KnobSettings::current(&knobs);
        assert_eq!(now.spike_every, Some(0));
        assert_eq!(now.latency_spike_ms, Some(900));
        assert_eq!(now.deny_accounts, Some(vec![]));
        assert_eq!(now.error_rate, Some(0.25));
    }

    #[test]
    fn bad_settings_name_the_field_and_change_nothing() {
        let knobs = SimKnobs::default();
        for (set, field) in [
            (
                KnobSettings {
                    error_rate: Some(1.5),
                    ..Default::default()
                },
                "error_rate",
            ),
            (
                KnobSettings {
                    deny_accounts: Some(vec!["12".into()]),
                    ..Default::default()
                },
                "deny_accounts",
            ),
            (
                KnobSettings {
                    throttle_regions: Some(vec!["EU WEST".into()]),
                    ..Default::default()
                },
                "throttle_regions",
            ),
            (
                KnobSettings {
                    hang_ops: Some(vec!["Describe*".into()]),
                    ..Default::default()
                },
                "hang_ops",
            ),
            (
                KnobSettings {
                    rate_limit: Some(f64::NAN),
                    latency_ms: Some(5),
                    ..Default::default()
                },
                "rate_limit",
            ),
            (
                KnobSettings {
                    latency_spike_ms: Some(MAX_MS + 1),
                    ..Default::default()
                },
                "latency_spike_ms",
            ),
        ] {
            let err = set.apply(&knobs).unwrap_err();
            assert!(err.starts_with(field), "{err}");
        }
        assert_eq!(
            KnobSettings::current(&knobs),
            KnobSettings::current(&SimKnobs::default())
        );
    }

    #[test]
    fn spikes_hit_every_nth_call() {
        let knobs = SimKnobs::default();
        knobs.set_latency_spike(Duration::from_millis(50), 3);
        let spikes: Vec<bool> = (0..9)
            .map(|_| !knobs.calls.next_spike().is_zero())
            .collect();
        assert_eq!(
            spikes,
            [false, false, true, false, false, true, false, false, true]
        );
        knobs.set_latency_spike(Duration::from_millis(50), 0);
        assert!((0..5).all(|_| knobs.calls.next_spike().is_zero()));
    }

    #[test]
    fn socket_drops_rearm_every_n_frames() {
        let knobs = SimKnobs::default();
        knobs.drop_session_socket_every(3);
        let drops: Vec<bool> = (0..7)
            .map(|_| knobs.session.output_frame_written())
            .collect();
        assert_eq!(drops, [false, false, true, false, false, true, false]);
        knobs.drop_session_socket_every(0);
        assert!((0..5).all(|_| !knobs.session.output_frame_written()));
    }
}
