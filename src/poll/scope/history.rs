//! Fetches of the history feeds (recent commands, automation executions) and of the
//! activations feed, for one scope.

use crate::aws::{AwsError, HISTORY_LIMIT};
use crate::model::{Activation, RecentAutomation, RecentCommand};

use super::ScopeFeed;

/// The most recent commands of the scope, newest first ([`HISTORY_LIMIT`] at most).
pub async fn fetch_commands(feed: &ScopeFeed) -> Result<Vec<RecentCommand>, AwsError> {
    let mut v = feed
        .pages_up_to("ListCommands", HISTORY_LIMIT, |t| {
            feed.read.commands_page(feed.id, t)
        })
        .await?;
    v.sort_by_key(|c| std::cmp::Reverse(c.requested));
    Ok(v)
}

/// The most recent automation executions of the scope, newest first.
pub async fn fetch_automations(feed: &ScopeFeed) -> Result<Vec<RecentAutomation>, AwsError> {
    let mut v = feed
        .pages_up_to("DescribeAutomationExecutions", HISTORY_LIMIT, |t| {
            feed.read.automations_page(feed.id, t)
        })
        .await?;
    v.sort_by_key(|a| std::cmp::Reverse(a.started));
    Ok(v)
}

/// Every hybrid activation of the scope, and the instance tier of its on-premises nodes
/// (`None` when the setting could not be read: the activations still show).
pub async fn fetch_activations(
    feed: &ScopeFeed,
) -> Result<(Vec<Activation>, Option<String>), AwsError> {
    let items = feed
        .all_pages("DescribeActivations", |t| {
            feed.read.activations_page(feed.id, t)
        })
        .await?;
    let tier = match feed
        .paced("GetServiceSetting", || feed.read.activation_tier())
        .await
    {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::warn!(scope = %feed.scope.label(), "activation tier: {e}");
            None
        }
    };
    Ok((items, tier))
}
