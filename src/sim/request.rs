//! Validation of SSM requests, as the AWS API reference states it: required members,
//! length, count, enum and pattern constraints (answered with the `ValidationException`
//! text AWS writes), `Targets`, rates, instance ids, and paging (`MaxResults`,
//! `NextToken` tokens bound to their query).

use serde_json::Value;

use super::ctx::Ctx;
use super::input::{self, Object};
use super::wire::{ApiError, b64_decode, b64_encode, constraint_message, fnv64};

/// `MaxResults` within `[min, max]`, reported under `member` (e.g. `maxResults`).
pub(crate) fn max_results(
    body: &Object,
    member: &str,
    min: i64,
    max: i64,
    default: usize,
) -> Result<usize, ApiError> {
    match input::opt_int(body, "MaxResults")? {
        None => Ok(default),
        Some(m) => {
            input::check_range(m, member, min, max)?;
            Ok(usize::try_from(m).unwrap_or(default))
        }
    }
}

pub(crate) fn missing(member: &str) -> ApiError {
    ApiError::validation(constraint_message(
        "null",
        member,
        "Member must not be null",
    ))
}

pub(crate) fn required_str<'a>(
    body: &'a Object,
    key: &str,
    member: &str,
) -> Result<&'a str, ApiError> {
    input::opt_str(body, key)?.ok_or_else(|| missing(member))
}

/// Length of a string member within `[min, max]` characters.
/// Reads each member of the `Filters` list of `body` (none without one; between `min` and
/// `max` of them) with `read`, given the member and its path (`filters.N.member`).
pub(crate) fn read_filters<T>(
    body: &Object,
    (min, max): (usize, usize),
    mut read: impl FnMut(&Object, &str) -> Result<T, ApiError>,
) -> Result<Vec<T>, ApiError> {
    let Some(list) = input::opt_array(body, "Filters")? else {
        return Ok(Vec::new());
    };
    check_count(list.len(), "filters", min, max)?;
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let path = format!("filters.{}.member", i + 1);
            read(input::as_object(v, "Filters")?, &path)
        })
        .collect()
}

/// The required string `name` of a filter `o` at `path` (its member is `path.name` in
/// lower camel case: `Key` is `path.key`).
pub(crate) fn filter_str<'a>(o: &'a Object, name: &str, path: &str) -> Result<&'a str, ApiError> {
    input::opt_str(o, name)?.ok_or_else(|| missing(&format!("{path}.{}", lower_first(name))))
}

/// The required `Values` of a filter `o` at `path`.
pub(crate) fn filter_values(o: &Object, path: &str) -> Result<Vec<String>, ApiError> {
    let list = input::opt_array(o, "Values")?.ok_or_else(|| missing(&format!("{path}.values")))?;
    input::string_list(list, "Values")
}

/// The `Values` of a filter `o`, empty when absent.
pub(crate) fn optional_values(o: &Object) -> Result<Vec<String>, ApiError> {
    input::string_list(
        input::opt_array(o, "Values")?
            .map(Vec::as_slice)
            .unwrap_or_default(),
        "Values",
    )
}

fn lower_first(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_lowercase().chain(c).collect())
        .unwrap_or_default()
}

/// A string's length within `[min, max]`; a too-long value is shown cut to 64 characters.
pub(crate) fn check_len(value: &str, member: &str, min: usize, max: usize) -> Result<(), ApiError> {
    check_len_shown(value, member, (min, max), 64)
}

/// [`check_len`] that shows at most `shown` characters of a too-long value.
pub(crate) fn check_len_shown(
    value: &str,
    member: &str,
    (min, max): (usize, usize),
    shown: usize,
) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min {
        return Err(ApiError::validation(constraint_message(
            &format!("'{value}'"),
            member,
            &format!("Member must have length greater than or equal to {min}"),
        )));
    }
    if n > max {
        return Err(ApiError::validation(constraint_message(
            &format!("'{}'", value.chars().take(shown).collect::<String>()),
            member,
            &format!("Member must have length less than or equal to {max}"),
        )));
    }
    Ok(())
}

/// Number of members of a list within `[min, max]`.
pub(crate) fn check_count(n: usize, member: &str, min: usize, max: usize) -> Result<(), ApiError> {
    if n < min || n > max {
        let bound = if n < min {
            format!("Member must have length greater than or equal to {min}")
        } else {
            format!("Member must have length less than or equal to {max}")
        };
        return Err(ApiError::validation(constraint_message(
            &format!("'<list of {n}>'"),
            member,
            &bound,
        )));
    }
    Ok(())
}

pub(crate) fn check_enum(value: &str, member: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ApiError::validation(constraint_message(
        &format!("'{value}'"),
        member,
        &format!(
            "Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ),
    )))
}

/// Hash of a query: operation, caller scope and the body without its paging members.
pub(crate) fn query_hash(ctx: &Ctx<'_>, op: &str, body: &Object) -> u64 {
    let mut rest = body.clone();
    rest.remove("NextToken");
    rest.remove("MaxResults");
    fnv64(&[
        op.as_bytes(),
        ctx.estate.accounts[ctx.account].id.as_bytes(),
        ctx.region.as_bytes(),
        Value::Object(rest).to_string().as_bytes(),
    ])
}

/// Offset of the page a request asks for; `NextToken` must come from the same query.
pub(crate) fn page_start(body: &Object, hash: u64) -> Result<usize, ApiError> {
    token_start(input::opt_str(body, "NextToken")?, hash)
}

/// Where the page `token` (of the query with `hash`) starts: 0 without one.
pub(crate) fn token_start(token: Option<&str>, hash: u64) -> Result<usize, ApiError> {
    match token {
        None => Ok(0),
        Some(t) => decode_token(t, hash).ok_or_else(invalid_token),
    }
}

/// A list member as text for a query's hash (empty when absent).
pub(crate) fn list_text(list: Option<&Vec<Value>>) -> String {
    list.map(|l| Value::Array(l.clone()).to_string())
        .unwrap_or_default()
}

/// `[start, end)` of a page over `total` items and the token of the next page.
pub(crate) fn page(
    start: usize,
    size: usize,
    total: usize,
    hash: u64,
) -> Result<(usize, usize, Option<String>), ApiError> {
    if start > total {
        return Err(invalid_token());
    }
    let end = start.saturating_add(size.max(1)).min(total);
    let next = (end < total).then(|| page_token(end, hash));
    Ok((start, end, next))
}

/// A page of a list answer: the `items` under `key`, and `NextToken` when more follow.
pub(crate) fn page_json(key: &str, items: Vec<Value>, next: Option<String>) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(key.into(), Value::Array(items));
    if let Some(t) = next {
        out.insert("NextToken".into(), t.into());
    }
    Value::Object(out)
}

/// Epoch seconds from an RFC 3339 time or a number of epoch seconds.
pub(crate) fn parse_time(s: &str) -> Option<f64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp() as f64 + f64::from(t.timestamp_subsec_millis()) / 1000.0);
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub(crate) fn page_token(offset: usize, query_hash: u64) -> String {
    let raw = format!(
        "{offset}:{query_hash:016x}:{:08x}",
        query_hash.rotate_left(17) as u32
    );
    b64_encode(raw.as_bytes())
}

pub(crate) fn decode_token(token: &str, query_hash: u64) -> Option<usize> {
    let raw = String::from_utf8(b64_decode(token)?).ok()?;
    let mut parts = raw.split(':');
    let offset = parts.next()?.parse::<usize>().ok()?;
    let hash = u64::from_str_radix(parts.next()?, 16).ok()?;
    (hash == query_hash).then_some(offset)
}

pub(crate) fn invalid_token() -> ApiError {
    ApiError::new(400, "InvalidNextToken", "The specified token is not valid.")
}

/// `Targets` of a request (SendCommand, StartAutomationExecution and the like): at most 5,
/// each a `Key` of 1 to 163 characters and at most 50 `Values` (the API reference's
/// `Target` type). What a key means is up to the operation.
pub(crate) fn parse_targets(body: &Object) -> Result<Vec<(String, Vec<String>)>, ApiError> {
    let Some(list) = input::opt_array(body, "Targets")? else {
        return Ok(Vec::new());
    };
    check_count(list.len(), "targets", 0, 5)?;
    let mut out = Vec::new();
    for (i, t) in list.iter().enumerate() {
        let obj = input::as_object(t, "Targets")?;
        let member = format!("targets.{}.member", i + 1);
        let key = required_str(obj, "Key", &format!("{member}.key"))?;
        check_len(key, &format!("{member}.key"), 1, 163)?;
        let values = match input::opt_array(obj, "Values")? {
            Some(v) => input::string_list(v, "Values")?,
            None => Vec::new(),
        };
        check_count(values.len(), &format!("{member}.values"), 0, 50)?;
        out.push((key.to_string(), values));
    }
    Ok(out)
}

/// `MaxConcurrency` or `MaxErrors`: a number or a percentage; `zero_ok` for `MaxErrors`.
pub(crate) fn check_rate(value: &str, member: &str, zero_ok: bool) -> Result<(), ApiError> {
    let (digits, percent) = match value.strip_suffix('%') {
        Some(d) => (d, true),
        None => (value, false),
    };
    let ok = !digits.is_empty()
        && digits.len() <= 7
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !(digits.len() > 1 && digits.starts_with('0'))
        && (zero_ok || digits != "0")
        && (!percent || digits.parse::<u32>().is_ok_and(|p| p <= 100));
    if ok {
        return Ok(());
    }
    let pattern = if zero_ok {
        "^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$"
    } else {
        "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$"
    };
    Err(ApiError::validation(constraint_message(
        &format!("'{value}'"),
        member,
        &format!("Member must satisfy regular expression pattern: {pattern}"),
    )))
}

/// `i-` and 8 or 17 word characters, or `mi-` and 17.
pub(crate) fn is_instance_id(id: &str) -> bool {
    let ok = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if let Some(rest) = id.strip_prefix("mi-") {
        return rest.len() == 17 && ok(rest);
    }
    id.strip_prefix("i-")
        .is_some_and(|r| (r.len() == 8 || r.len() == 17) && ok(r))
}

pub(crate) fn check_instance_id(id: &str, member: &str) -> Result<(), ApiError> {
    if is_instance_id(id) {
        return Ok(());
    }
    Err(ApiError::validation(constraint_message(
        &format!("'{id}'"),
        member,
        "Member must satisfy regular expression pattern: (^i-(\\w{8}|\\w{17})$)|(^mi-\\w{17}$)",
    )))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(v: Value) -> Object {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    fn message(e: ApiError) -> String {
        assert_eq!((e.status, e.code.as_str()), (400, "ValidationException"));
        e.message
    }

    #[test]
    fn targets_follow_the_api_reference_limits() {
        let ok = parse_targets(&body(json!({
            "Targets": [{"Key": "tag:Env", "Values": ["prod", "dev"]}]
        })));
        assert_eq!(
            ok.ok(),
            Some(vec![(
                "tag:Env".to_string(),
                vec!["prod".into(), "dev".into()]
            )])
        );
        assert_eq!(parse_targets(&body(json!({}))).ok(), Some(Vec::new()));

        let long_key = format!("tag:{}", "k".repeat(160));
        assert_eq!(long_key.chars().count(), 164);
        let e = parse_targets(&body(
            json!({"Targets": [{"Key": long_key, "Values": ["v"]}]}),
        ));
        let e = message(e.expect_err("a 164-character key"));
        assert!(
            e.contains("targets.1.member.key") && e.contains("less than or equal to 163"),
            "{e}"
        );
        let key_163 = format!("tag:{}", "k".repeat(159));
        assert!(
            parse_targets(&body(
                json!({"Targets": [{"Key": key_163, "Values": ["v"]}]})
            ))
            .is_ok()
        );

        let e = parse_targets(&body(json!({"Targets": [{"Key": "", "Values": ["v"]}]})));
        assert!(message(e.expect_err("an empty key")).contains("greater than or equal to 1"));
        let e = parse_targets(&body(json!({"Targets": [{"Values": ["v"]}]})));
        assert!(message(e.expect_err("no key")).contains("must not be null"));

        let values: Vec<String> = (0..51).map(|i| format!("v{i}")).collect();
        let e = parse_targets(&body(
            json!({"Targets": [{"Key": "tag:Env", "Values": values}]}),
        ));
        assert!(message(e.expect_err("51 values")).contains("targets.1.member.values"));

        let six: Vec<Value> = (0..6)
            .map(|i| json!({"Key": format!("tag:K{i}"), "Values": ["v"]}))
            .collect();
        let e = parse_targets(&body(json!({ "Targets": six })));
        assert!(message(e.expect_err("6 targets")).contains("less than or equal to 5"));
    }

    #[test]
    fn rates_and_instance_ids() {
        assert!(check_rate("50", "m", false).is_ok());
        assert!(check_rate("100%", "m", false).is_ok());
        assert!(check_rate("0", "m", true).is_ok());
        assert!(check_rate("0%", "m", true).is_ok());
        for bad in ["0", "101%", "05", "", "x", "-1", "0%"] {
            assert!(check_rate(bad, "m", false).is_err(), "{bad}");
        }
        for good in ["i-0123abcd", "i-0123456789abcdef0", "mi-0123456789abcdef0"] {
            assert!(check_instance_id(good, "instanceId").is_ok(), "{good}");
        }
        for bad in ["i-123", "mi-0123abcd", "x-0123abcd", "i-0123abc!", ""] {
            assert!(check_instance_id(bad, "instanceId").is_err(), "{bad}");
        }
    }

    #[test]
    fn pages_and_tokens() {
        let (start, end, next) = page(0, 10, 25, 7).expect("first page");
        assert_eq!((start, end), (0, 10));
        let next = next.expect("a next page");
        assert_eq!(decode_token(&next, 7), Some(10));
        assert_eq!(decode_token(&next, 8), None, "a token of another query");
        let (_, end, next) = page(20, 10, 25, 7).expect("last page");
        assert_eq!((end, next), (25, None));
        assert!(page(26, 10, 25, 7).is_err());
    }
}
