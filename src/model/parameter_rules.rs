//! What a document allows of its parameters, read from the `parameters` block of its
//! content (DescribeDocument does not carry it), and the check of typed values against
//! it, so that a form or `ssm-cockpit run` says what is wrong before anything is sent.
//!
//! The rules are AWS's (SSM document syntax, "parameters"): `type` is `String`,
//! `StringList`, `Integer`, `Boolean`, `MapList` or `StringMap`; `allowedValues` lists the
//! values a String (or each item of a StringList) may take; `allowedPattern` is a regular
//! expression the whole value (or each item) must match; `minChars`/`maxChars` bound a
//! value's length, `minItems`/`maxItems` a list's count.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What a document allows of one parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterRule {
    pub name: String,
    /// `String` when the document gives no type.
    pub param_type: String,
    pub allowed_values: Vec<String>,
    pub allowed_pattern: Option<String>,
    pub min_chars: Option<u64>,
    pub max_chars: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
}

/// The `allowedPattern` of `executionTimeout` in AWS-RunShellScript and
/// AWS-RunPowerShellScript: 1 to 172800 seconds.
pub const EXECUTION_TIMEOUT_PATTERN: &str =
    "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)";

/// AWS's patterns worth putting in words, with those words.
const PATTERN_WORDS: &[(&str, &str)] = &[(
    EXECUTION_TIMEOUT_PATTERN,
    "a whole number of seconds from 1 to 172800 (48 hours)",
)];

/// The rules of a document whose content is JSON. Content of another format, or JSON
/// without a `parameters` object, gives no rules (and so no check); JSON that does not
/// parse is an error.
pub fn parameter_rules(json_content: &str) -> Result<Vec<ParameterRule>, String> {
    let doc: Value = serde_json::from_str(json_content)
        .map_err(|e| format!("the document's content is not JSON: {e}"))?;
    let Some(params) = doc.get("parameters").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let count = |def: &Value, key: &str| {
        def.get(key).and_then(|v| match v {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    };
    Ok(params
        .iter()
        .map(|(name, def)| ParameterRule {
            name: name.clone(),
            param_type: def
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("String")
                .to_string(),
            allowed_values: def
                .get("allowedValues")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default(),
            allowed_pattern: def
                .get("allowedPattern")
                .and_then(Value::as_str)
                .map(str::to_string),
            min_chars: count(def, "minChars"),
            max_chars: count(def, "maxChars"),
            min_items: count(def, "minItems"),
            max_items: count(def, "maxItems"),
        })
        .collect())
}

/// Checks typed values (name, one value per line or item) against `rules`. Values of
/// parameters without a rule pass (AWS refuses unknown names; the form shows the
/// document's own). The error names the parameter and says what it accepts.
pub fn check_parameters(
    rules: &[ParameterRule],
    given: &[(String, Vec<String>)],
) -> Result<(), String> {
    for (name, values) in given {
        if let Some(rule) = rules.iter().find(|r| r.name == *name) {
            rule.check(values)
                .map_err(|what| format!("parameter {name}: {what}"))?;
        }
    }
    Ok(())
}

impl ParameterRule {
    fn check(&self, values: &[String]) -> Result<(), String> {
        let list = matches!(self.param_type.as_str(), "StringList" | "MapList");
        if !list && values.len() > 1 {
            return Err(format!(
                "takes one value ({}), got {} lines",
                self.param_type,
                values.len()
            ));
        }
        if list {
            let n = values.len() as u64;
            if let Some(min) = self.min_items.filter(|m| n < *m) {
                return Err(format!("takes at least {min} items, got {n}"));
            }
            if let Some(max) = self.max_items.filter(|m| n > *m) {
                return Err(format!("takes at most {max} items, got {n}"));
            }
        }
        for v in values {
            self.check_value(v)?;
        }
        Ok(())
    }

    fn check_value(&self, v: &str) -> Result<(), String> {
        match self.param_type.as_str() {
            "Integer" if v.trim().parse::<i64>().is_err() => {
                return Err(format!("`{v}` is not a whole number"));
            }
            "Boolean" if !matches!(v.trim(), "true" | "false") => {
                return Err(format!("`{v}` is not true or false"));
            }
            "StringMap" if !is_object(v) => {
                return Err(format!("`{v}` is not a JSON object"));
            }
            "MapList" if !is_object(v) => {
                return Err(format!("item `{v}` is not a JSON object"));
            }
            _ => {}
        }
        let chars = v.chars().count() as u64;
        if let Some(min) = self.min_chars.filter(|m| chars < *m) {
            return Err(format!("`{v}` is shorter than {min} characters"));
        }
        if let Some(max) = self.max_chars.filter(|m| chars > *m) {
            return Err(format!("a value is longer than {max} characters ({chars})"));
        }
        if !self.allowed_values.is_empty() && !self.allowed_values.iter().any(|a| a == v) {
            return Err(format!(
                "`{v}` is not one of {}",
                self.allowed_values.join(", ")
            ));
        }
        if let Some(pattern) = &self.allowed_pattern
            && !full_match(pattern, v)
        {
            let words = PATTERN_WORDS
                .iter()
                .find(|(p, _)| p == pattern)
                .map(|(_, w)| (*w).to_string())
                .unwrap_or_else(|| format!("a value matching {pattern}"));
            return Err(format!("`{v}` is not allowed: it takes {words}"));
        }
        Ok(())
    }
}

fn is_object(v: &str) -> bool {
    serde_json::from_str::<Value>(v).is_ok_and(|j| j.is_object())
}

/// Whether `pattern` matches all of `v` (AWS matches the whole value). A pattern this
/// regex engine cannot read is left to AWS.
fn full_match(pattern: &str, v: &str) -> bool {
    match regex_lite::Regex::new(&format!("^(?:{pattern})$")) {
        Ok(re) => re.is_match(v),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS-RunShellScript's parameters, as AWS publishes the document.
    const RUN_SHELL_SCRIPT: &str = r#"{
      "schemaVersion": "1.2",
      "description": "Run a shell script or specify the commands to run.",
      "parameters": {
        "commands": {"type": "StringList", "description": "(Required) Specify a shell script or a command to run.", "minItems": 1, "displayType": "textarea"},
        "workingDirectory": {"type": "String", "default": "", "description": "(Optional) The path to the working directory on your instance.", "maxChars": 4096},
        "executionTimeout": {"type": "String", "default": "3600", "description": "(Optional) The time in seconds for a command to complete before it is considered to have failed. Default is 3600 (1 hour). Maximum is 172800 (48 hours).", "allowedPattern": "([1-9][0-9]{0,4})|(1[0-6][0-9]{4})|(17[0-1][0-9]{3})|(172[0-7][0-9]{2})|(172800)"}
      },
      "runtimeConfig": {}
    }"#;

    fn given(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn execution_timeout_takes_1_to_172800_seconds() {
        let rules = parameter_rules(RUN_SHELL_SCRIPT).expect("rules");
        assert_eq!(rules.len(), 3);
        for ok in [
            "1", "3600", "99999", "100000", "169999", "171999", "172799", "172800",
        ] {
            check_parameters(&rules, &given(&[("executionTimeout", &[ok])]))
                .unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in ["0", "172801", "200000", "abc", "-5", "36 00", "", "01"] {
            let e =
                check_parameters(&rules, &given(&[("executionTimeout", &[bad])])).expect_err(bad);
            assert_eq!(
                e,
                format!(
                    "parameter executionTimeout: `{bad}` is not allowed: it takes a whole number of seconds from 1 to 172800 (48 hours)"
                )
            );
        }
    }

    #[test]
    fn lists_counts_lengths_and_types_are_checked() {
        let rules = parameter_rules(RUN_SHELL_SCRIPT).expect("rules");
        let e = check_parameters(&rules, &given(&[("commands", &[])])).expect_err("no items");
        assert_eq!(e, "parameter commands: takes at least 1 items, got 0");
        check_parameters(&rules, &given(&[("commands", &["uptime", "df -h"])])).expect("two");
        let e = check_parameters(&rules, &given(&[("workingDirectory", &["/a", "/b"])]))
            .expect_err("two lines");
        assert_eq!(
            e,
            "parameter workingDirectory: takes one value (String), got 2 lines"
        );
        let long = "x".repeat(4097);
        let e = check_parameters(&rules, &given(&[("workingDirectory", &[long.as_str()])]))
            .expect_err("long");
        assert!(e.contains("longer than 4096 characters"), "{e}");
        // A name the document does not declare is AWS's to refuse.
        check_parameters(&rules, &given(&[("other", &["x"])])).expect("unknown passes");
    }

    #[test]
    fn allowed_values_and_typed_parameters() {
        let content = r#"{"parameters": {
            "Operation": {"type": "String", "allowedValues": ["Scan", "Install"]},
            "Count": {"type": "Integer"},
            "Force": {"type": "Boolean", "default": false},
            "Tags": {"type": "StringMap"},
            "Items": {"type": "MapList", "maxItems": 2},
            "Name": {"type": "String", "minChars": "2", "allowedPattern": "^[a-z]+$"}
        }}"#;
        let rules = parameter_rules(content).expect("rules");
        let err = |n: &str, v: &[&str]| check_parameters(&rules, &given(&[(n, v)])).err();
        assert_eq!(
            err("Operation", &["Reboot"]).as_deref(),
            Some("parameter Operation: `Reboot` is not one of Scan, Install")
        );
        assert_eq!(err("Operation", &["Install"]), None);
        assert_eq!(
            err("Count", &["ten"]).as_deref(),
            Some("parameter Count: `ten` is not a whole number")
        );
        assert_eq!(err("Count", &["10"]), None);
        assert_eq!(
            err("Force", &["yes"]).as_deref(),
            Some("parameter Force: `yes` is not true or false")
        );
        assert_eq!(err("Force", &["true"]), None);
        assert!(err("Tags", &["a=b"]).is_some());
        assert_eq!(err("Tags", &[r#"{"a":"b"}"#]), None);
        assert!(err("Items", &["{}", "{}", "{}"]).is_some());
        assert!(err("Items", &["[1]"]).is_some());
        assert_eq!(err("Items", &["{}", r#"{"k":1}"#]), None);
        assert!(err("Name", &["a"]).is_some());
        assert_eq!(
            err("Name", &["ab1"]).as_deref(),
            Some("parameter Name: `ab1` is not allowed: it takes a value matching ^[a-z]+$")
        );
        assert_eq!(err("Name", &["abc"]), None);
    }

    #[test]
    fn content_without_rules_checks_nothing() {
        assert_eq!(parameter_rules("{}").expect("empty"), Vec::new());
        assert!(parameter_rules("schemaVersion: '2.2'").is_err());
        // A pattern the engine cannot read is left to AWS.
        let rules = parameter_rules(r#"{"parameters": {"p": {"allowedPattern": "(?<=a)b"}}}"#)
            .expect("rules");
        check_parameters(&rules, &given(&[("p", &["zzz"])])).expect("left to AWS");
    }
}
