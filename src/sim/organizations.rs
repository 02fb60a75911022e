//! AWS Organizations operations (`AWSOrganizationsV20161128.*`).

use serde_json::{Value, json};

use super::ctx::Ctx;
use super::estate::Account;
use super::input::{self, Object};
use super::wire::{ApiError, b64_decode, b64_encode, fnv64};

pub(crate) const OPERATIONS: &[&str] = &["DescribeOrganization", "ListAccounts"];

const DEFAULT_PAGE: i64 = 20;

pub(crate) fn call(ctx: &Ctx<'_>, op: &str, body: &Object) -> Result<Value, ApiError> {
    match op {
        "DescribeOrganization" => Ok(describe_organization(ctx)),
        "ListAccounts" => list_accounts(ctx, body),
        _ => Err(ApiError::new(400, "UnknownOperationException", "")),
    }
}

fn org_arn(ctx: &Ctx<'_>) -> String {
    let e = ctx.estate;
    format!(
        "arn:aws:organizations::{}:organization/{}",
        e.management().id,
        e.org_id
    )
}

fn describe_organization(ctx: &Ctx<'_>) -> Value {
    let m = ctx.estate.management();
    json!({
        "Organization": {
            "Id": ctx.estate.org_id,
            "Arn": org_arn(ctx),
            "FeatureSet": "ALL",
            "MasterAccountArn": format!("arn:aws:organizations::{}:account/{}/{}", m.id, ctx.estate.org_id, m.id),
            "MasterAccountId": m.id,
            "MasterAccountEmail": m.email,
            "AvailablePolicyTypes": [
                { "Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED" }
            ],
        }
    })
}

pub(crate) fn access_denied() -> ApiError {
    ApiError::new(
        400,
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
    )
}

fn invalid_input(reason: &str, message: &str) -> ApiError {
    ApiError::new(400, "InvalidInputException", message).with("Reason", reason)
}

fn account_json(ctx: &Ctx<'_>, a: &Account) -> Value {
    let status = if a.suspended { "SUSPENDED" } else { "ACTIVE" };
    json!({
        "Id": a.id,
        "Arn": format!("arn:aws:organizations::{}:account/{}/{}", ctx.estate.management().id, ctx.estate.org_id, a.id),
        "Email": a.email,
        "Name": a.name,
        "Status": status,
        "State": status,
        "JoinedMethod": a.joined_method,
        "JoinedTimestamp": a.joined,
    })
}

fn list_accounts(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    // Only the management account may list accounts (no delegated administrators here).
    if ctx.account != 0 {
        return Err(access_denied());
    }
    let max = input::opt_int(body, "MaxResults")?;
    match max {
        Some(m) if m < 1 => {
            return Err(invalid_input(
                "MIN_VALUE_EXCEEDED",
                "You provided a value that is too small. The minimum value for MaxResults is 1.",
            ));
        }
        Some(m) if m > 20 => {
            return Err(invalid_input(
                "MAX_VALUE_EXCEEDED",
                "You provided a value that is too large. The maximum value for MaxResults is 20.",
            ));
        }
        _ => {}
    }
    let page = usize::try_from(max.unwrap_or(DEFAULT_PAGE)).unwrap_or(20);
    let salt = fnv64(&[ctx.estate.org_id.as_bytes(), b"ListAccounts"]);
    let offset = match input::opt_str(body, "NextToken")? {
        None => 0,
        Some(t) => decode_token(t, salt).ok_or_else(|| {
            invalid_input(
                "INVALID_NEXT_TOKEN",
                "The provided NextToken value is not valid.",
            )
        })?,
    };
    let accounts = &ctx.estate.accounts;
    if offset > accounts.len() {
        return Err(invalid_input(
            "INVALID_NEXT_TOKEN",
            "The provided NextToken value is not valid.",
        ));
    }
    let end = (offset + page).min(accounts.len());
    let items: Vec<Value> = accounts[offset..end]
        .iter()
        .map(|a| account_json(ctx, a))
        .collect();
    let mut out = serde_json::Map::new();
    out.insert("Accounts".into(), Value::Array(items));
    if end < accounts.len() {
        out.insert("NextToken".into(), encode_token(end, salt).into());
    }
    Ok(Value::Object(out))
}

fn encode_token(offset: usize, salt: u64) -> String {
    b64_encode(format!("acct:{offset}:{salt:016x}").as_bytes())
}

fn decode_token(token: &str, salt: u64) -> Option<usize> {
    let raw = String::from_utf8(b64_decode(token)?).ok()?;
    let mut parts = raw.split(':');
    if parts.next()? != "acct" {
        return None;
    }
    let offset = parts.next()?.parse().ok()?;
    let s = u64::from_str_radix(parts.next()?, 16).ok()?;
    (s == salt).then_some(offset)
}
