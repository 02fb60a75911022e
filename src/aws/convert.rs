//! SDK shapes to model types. Nothing here fails: what AWS omits is left empty.

use chrono::{DateTime, Utc};

use crate::model::{ComplianceSeverity, SeverityCounts};

pub(crate) fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    let t = t?;
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

pub(crate) fn text(s: Option<&str>) -> String {
    s.unwrap_or_default().to_string()
}

pub(crate) fn count(n: Option<i32>) -> u32 {
    n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

pub(crate) fn next_token(t: Option<&str>) -> Option<String> {
    t.filter(|t| !t.is_empty()).map(str::to_string)
}

pub(crate) fn severity_counts(s: Option<&aws_sdk_ssm::types::SeveritySummary>) -> SeverityCounts {
    let Some(s) = s else {
        return SeverityCounts::default();
    };
    SeverityCounts {
        critical: count(Some(s.critical_count())),
        high: count(Some(s.high_count())),
        medium: count(Some(s.medium_count())),
        low: count(Some(s.low_count())),
        informational: count(Some(s.informational_count())),
        unspecified: count(Some(s.unspecified_count())),
    }
}

pub(crate) fn severity(s: Option<&str>) -> ComplianceSeverity {
    ComplianceSeverity::parse(s.unwrap_or_default())
}

/// A string → string map as sorted pairs.
pub(crate) fn sorted_pairs<'a>(
    m: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = m.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort();
    v
}

/// Resource ids/ARNs of `/aws/resources` (`[{"arn": "..."}]`); unparsable text yields
/// nothing.
pub(crate) fn parse_resources(json: &str) -> Vec<String> {
    json_objects(json)
        .iter()
        .filter_map(|o| o.get("arn").and_then(|v| v.as_str()).map(str::to_string))
        .collect()
}

/// Runbooks of `/aws/automations` (`[{"automationId": "AWS-...", ...}]`).
pub(crate) fn parse_automations(json: &str) -> Vec<String> {
    json_objects(json)
        .iter()
        .filter_map(|o| {
            o.get("automationId")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        })
        .collect()
}

fn json_objects(json: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Array(a)) => a
            .into_iter()
            .filter_map(|v| match v {
                serde_json::Value::Object(o) => Some(o),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_and_automations_parse_leniently() {
        assert_eq!(
            parse_resources(r#"[{"arn":"arn:aws:ec2:eu-west-1:1:instance/i-1"},{"x":1}]"#),
            vec!["arn:aws:ec2:eu-west-1:1:instance/i-1".to_string()]
        );
        assert!(parse_resources("not json").is_empty());
        assert_eq!(
            parse_automations(
                r#"[{"automationType":"AWS:SSM:Automation","automationId":"AWS-RestartEC2Instance"}]"#
            ),
            vec!["AWS-RestartEC2Instance".to_string()]
        );
    }
}
