//! Reading AWS JSON 1.1 request bodies with AWS-like errors for bad shapes.

use serde_json::{Map, Value};

use super::wire::{ApiError, constraint_message};

pub(crate) type Object = Map<String, Value>;

/// The request body as a JSON object; an empty body is an empty object.
pub(crate) fn parse_body(body: &[u8]) -> Result<Object, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::serialization(
            "Start of structure or map found where not expected.",
        )),
        Err(e) => Err(ApiError::serialization(format!(
            "Unable to parse request body: {e}"
        ))),
    }
}

fn type_error(member: &str, expected: &str) -> ApiError {
    ApiError::serialization(format!(
        "Unexpected value type for member '{member}': expected {expected}"
    ))
}

pub(crate) fn opt_str<'a>(obj: &'a Object, key: &str) -> Result<Option<&'a str>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(type_error(key, "string")),
    }
}

pub(crate) fn opt_int(obj: &Object, key: &str) -> Result<Option<i64>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .filter(|v| i32::try_from(*v).is_ok())
            .map(Some)
            .ok_or_else(|| type_error(key, "integer")),
        Some(_) => Err(type_error(key, "integer")),
    }
}

pub(crate) fn opt_array<'a>(
    obj: &'a Object,
    key: &str,
) -> Result<Option<&'a Vec<Value>>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a)),
        Some(_) => Err(type_error(key, "list")),
    }
}

pub(crate) fn as_object<'a>(v: &'a Value, member: &str) -> Result<&'a Object, ApiError> {
    v.as_object().ok_or_else(|| type_error(member, "structure"))
}

pub(crate) fn string_list(arr: &[Value], member: &str) -> Result<Vec<String>, ApiError> {
    arr.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| type_error(member, "string"))
        })
        .collect()
}

/// Validates an integer range the way AWS reports it (`'maxResults'` style member names).
pub(crate) fn check_range(value: i64, member: &str, min: i64, max: i64) -> Result<(), ApiError> {
    if value < min {
        return Err(ApiError::validation(constraint_message(
            &format!("'{value}'"),
            member,
            &format!("Member must have value greater than or equal to {min}"),
        )));
    }
    if value > max {
        return Err(ApiError::validation(constraint_message(
            &format!("'{value}'"),
            member,
            &format!("Member must have value less than or equal to {max}"),
        )));
    }
    Ok(())
}
