//! The activations pane: the hybrid activations of every scope shown, as a
//! [`TableView`] judged at the clock's time; Enter shows one in full.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use super::feed_table::{FeedRow, FeedRows, FeedTable};
use super::record::RECORD_HELP;
use super::{KeyHint, PaneKind};
use crate::app::filter::FilterColumn;
use crate::app::overlay::Record;
use crate::app::table::{TableColumn, account_cell, region_cell};
use crate::model::{Activation, ActivationState, Estate, Feed, ScopeId};

/// A column of the activations table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActCol {
    State,
    Id,
    Name,
    Registrations,
    Expires,
    Created,
    IamRole,
    Description,
    Account,
    Region,
}

impl FilterColumn for ActCol {
    fn from_filter_key(key: &str) -> Option<ActCol> {
        Some(match key.to_ascii_lowercase().as_str() {
            "state" | "status" => ActCol::State,
            "id" => ActCol::Id,
            "name" => ActCol::Name,
            "role" | "iam" => ActCol::IamRole,
            "description" | "desc" => ActCol::Description,
            "account" => ActCol::Account,
            "region" => ActCol::Region,
            _ => return None,
        })
    }

    fn filter_keys() -> &'static str {
        "state, id, name, role, description, account, region"
    }
}

impl TableColumn for ActCol {
    const ALL: &'static [ActCol] = &[
        ActCol::State,
        ActCol::Id,
        ActCol::Name,
        ActCol::Registrations,
        ActCol::Expires,
        ActCol::Created,
        ActCol::IamRole,
        ActCol::Description,
        ActCol::Account,
        ActCol::Region,
    ];

    fn title(self) -> &'static str {
        match self {
            ActCol::State => "State",
            ActCol::Id => "Activation",
            ActCol::Name => "Default name",
            ActCol::Registrations => "Registered",
            ActCol::Expires => "Expires",
            ActCol::Created => "Created",
            ActCol::IamRole => "IAM role",
            ActCol::Description => "Description",
            ActCol::Account => "Account",
            ActCol::Region => "Region",
        }
    }
}

/// The activations of the scopes shown, judged at `now`.
pub type ActivationRows<'a> = FeedRows<'a, Activation>;

/// State of the activations pane.
pub type ActivationsView = FeedTable<Activation>;

impl FeedRow for Activation {
    type Col = ActCol;
    type At = DateTime<Utc>;
    const FEED: Feed = Feed::Activations;
    const SORT: ActCol = ActCol::State;

    fn of_scope(estate: &Estate, scope: ScopeId) -> &[Activation] {
        estate.scope_activations(scope)
    }

    fn at(now: DateTime<Utc>) -> DateTime<Utc> {
        now
    }

    fn cell<'a>(&'a self, estate: &'a Estate, at: DateTime<Utc>, col: ActCol) -> Cow<'a, str> {
        match col {
            ActCol::State => Cow::Borrowed(self.state(at).label()),
            ActCol::Id => Cow::Borrowed(&self.activation_id),
            ActCol::Name => Cow::Borrowed(&self.default_instance_name),
            ActCol::Registrations => Cow::Owned(format!(
                "{}/{}",
                self.registrations_count, self.registration_limit
            )),
            ActCol::Expires | ActCol::Created => Cow::Borrowed(""),
            ActCol::IamRole => Cow::Borrowed(&self.iam_role),
            ActCol::Description => Cow::Borrowed(&self.description),
            ActCol::Account => account_cell(estate, self.scope),
            ActCol::Region => region_cell(estate, self.scope),
        }
    }

    fn sort_key(&self, at: DateTime<Utc>, col: ActCol) -> Option<i64> {
        match col {
            // Expiring soon first, then expired, full, active; soonest expiry first within.
            ActCol::State => {
                let rank = match self.state(at) {
                    ActivationState::ExpiringSoon => 0,
                    ActivationState::Expired => 1,
                    ActivationState::Full => 2,
                    ActivationState::Active => 3,
                };
                Some(rank)
            }
            ActCol::Registrations => Some(i64::from(self.registrations_count)),
            ActCol::Expires => Some(self.expiration.map_or(i64::MAX, |t| t.timestamp())),
            ActCol::Created => Some(self.created.map_or(i64::MAX, |t| -t.timestamp())),
            _ => None,
        }
    }

    fn tags(&self) -> &[(String, String)] {
        &self.tags
    }

    fn row_key(&self) -> String {
        format!("{}/{}", self.scope, self.activation_id)
    }

    type Open = ();
    const HELP: &'static [KeyHint] = RECORD_HELP;

    fn record(&self) -> Option<Record> {
        Some(Record::Activation {
            scope: self.scope,
            id: self.activation_id.clone(),
        })
    }
}

impl ActivationsView {
    /// The rows judged at `now`.
    pub fn rows<'a>(&'a self, estate: &'a Estate, now: DateTime<Utc>) -> ActivationRows<'a> {
        self.rows_at(estate, now)
    }
}

impl PaneKind for ActivationsView {
    const TITLE: &'static str = "Activations";
    const ALIASES: &'static [&'static str] = &["activations", "act", "hybrid"];
    const FEEDS: &'static [Feed] = &[Feed::Nodes, Feed::Activations];
}
