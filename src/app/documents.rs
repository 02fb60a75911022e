//! Documents as the panes and the action forms read them: who owns one, how a scope
//! names it, its content made readable, a package manifest's platforms.

use crate::model::{DocumentSummary, Estate, ScopeId};

/// Who owns a document: `AWS`, `Self`, or `Shared` (another account).
pub fn owner_kind(d: &DocumentSummary, account_id: &str) -> &'static str {
    if d.owner == "Amazon" || d.name.starts_with("AWS-") || d.name.starts_with("AWSSupport-") {
        "AWS"
    } else if d.owner == account_id || d.owner.is_empty() {
        "Self"
    } else {
        "Shared"
    }
}

/// How a scope names a document in DescribeDocument and GetDocument: its name, or for a
/// document shared by another account, its ARN.
pub fn document_ref(estate: &Estate, scope: ScopeId, name: &str) -> String {
    let Some(s) = estate.scope(scope) else {
        return name.to_string();
    };
    let account = s.scope.account.id.as_str();
    match estate
        .scope_documents(scope)
        .iter()
        .find(|d| d.name == name)
    {
        Some(d) if owner_kind(d, account) == "Shared" && !name.starts_with("arn:") => {
            format!("arn:aws:ssm:{}:{}:document/{name}", s.scope.region, d.owner)
        }
        _ => name.to_string(),
    }
}

/// Content made readable: JSON indented (keys in their order), anything else (YAML,
/// text) as it is.
pub fn readable_content(content: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(content) {
        Ok(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => indent_json(content),
        _ => content.to_string(),
    }
}

/// Re-indents valid JSON text two spaces a level, keeping its key order.
fn indent_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                if chars.peek() == Some(&close) {
                    chars.next();
                    out.push(close);
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// The platforms of a Distributor manifest: (platform, platform version, architectures).
/// Content that is not a manifest yields nothing.
pub fn package_platforms(content: &str) -> Vec<(String, String, Vec<String>)> {
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(content)
    else {
        return Vec::new();
    };
    let Some(serde_json::Value::Object(packages)) = m.get("packages") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (platform, versions) in packages {
        let Some(versions) = versions.as_object() else {
            continue;
        };
        for (version, arches) in versions {
            let arches = arches
                .as_object()
                .map(|a| a.keys().cloned().collect())
                .unwrap_or_default();
            out.push((platform.clone(), version.clone(), arches));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_and_content() {
        let m = r#"{"packages":{"amazon":{"_any":{"x86_64":{"file":"a"},"arm64":{"file":"b"}}}}}"#;
        assert_eq!(
            package_platforms(m),
            vec![(
                "amazon".to_string(),
                "_any".to_string(),
                vec!["arm64".to_string(), "x86_64".to_string()]
            )]
        );
        assert!(package_platforms("schemaVersion: '2.2'").is_empty());
        assert_eq!(
            readable_content(r#"{"z":1,"a":[1,{"b":"x,{y}"}],"e":{}}"#),
            "{\n  \"z\": 1,\n  \"a\": [\n    1,\n    {\n      \"b\": \"x,{y}\"\n    }\n  ],\n  \"e\": {}\n}"
        );
        assert_eq!(readable_content("a: 1"), "a: 1");
    }
}
