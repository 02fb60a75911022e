//! AWS Security Token Service operations (AWS Query protocol, XML responses).

use super::auth::{AssumedSession, Keyring};
use super::ctx::Ctx;
use super::knobs::SimKnobs;
use super::wire::{ApiError, SplitMix, constraint_message, fnv64, xml_escape};

pub(crate) const OPERATIONS: &[&str] = &["AssumeRole", "GetCallerIdentity"];

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub(crate) const VERSION: &str = "2011-06-15";

/// What an STS call needs beyond the shared context.
pub(crate) struct StsRequest<'a> {
    pub params: &'a [(String, String)],
    pub access_key: &'a str,
    /// The caller's AssumeRole session, when it signed with issued credentials.
    pub session: Option<&'a AssumedSession>,
    /// Issues AssumeRole credentials.
    pub keys: &'a Keyring,
    pub knobs: &'a SimKnobs,
    pub nonce: u32,
    pub request_id: &'a str,
}

impl StsRequest<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn call(ctx: &Ctx<'_>, op: &str, req: &StsRequest<'_>) -> Result<String, ApiError> {
    match op {
        "AssumeRole" => assume_role(ctx, req),
        "GetCallerIdentity" => Ok(get_caller_identity(ctx, req)),
        _ => Err(invalid_action(op)),
    }
}

pub(crate) fn invalid_action(op: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidAction",
        format!("Could not find operation {op} for version {VERSION}"),
    )
}

fn validation(message: String) -> ApiError {
    ApiError::new(400, "ValidationError", message)
}

fn id_chars(parts: &[&[u8]]) -> String {
    SplitMix::new(fnv64(parts)).upper_alnum(17)
}

/// (UserId, Arn) of the caller.
fn identity(ctx: &Ctx<'_>, req: &StsRequest<'_>) -> (String, String) {
    let account = &ctx.estate.accounts[ctx.account].id;
    if let Some(s) = req.session {
        let (role, session) = (&s.role, &s.name);
        let user_id = format!(
            "AROA{}:{session}",
            id_chars(&[account.as_bytes(), role.as_bytes()])
        );
        (
            user_id,
            format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"),
        )
    } else {
        (
            format!("AIDA{}", id_chars(&[req.access_key.as_bytes()])),
            format!("arn:aws:iam::{account}:user/sim-admin"),
        )
    }
}

fn get_caller_identity(ctx: &Ctx<'_>, req: &StsRequest<'_>) -> String {
    let (user_id, arn) = identity(ctx, req);
    let account = &ctx.estate.accounts[ctx.account].id;
    format!(
        "<GetCallerIdentityResponse xmlns=\"{NS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        xml_escape(&arn),
        xml_escape(&user_id),
        xml_escape(account),
        xml_escape(req.request_id)
    )
}

/// (account id, role path+name, role name) of `arn:aws:iam::<acct>:role/<path/name>`.
fn parse_role_arn(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let role_path = resource.strip_prefix("role/")?;
    let name = role_path.rsplit('/').next()?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
    };
    name_ok(name).then_some((account, role_path, name))
}

fn session_name_ok(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

fn assume_role(ctx: &Ctx<'_>, req: &StsRequest<'_>) -> Result<String, ApiError> {
    let Some(role_arn) = req.param("RoleArn") else {
        return Err(validation(constraint_message(
            "null",
            "roleArn",
            "Member must not be null",
        )));
    };
    let Some(session) = req.param("RoleSessionName") else {
        return Err(validation(constraint_message(
            "null",
            "roleSessionName",
            "Member must not be null",
        )));
    };
    if role_arn.len() < 20 || role_arn.len() > 2048 {
        let bound = if role_arn.len() < 20 {
            "Member must have length greater than or equal to 20"
        } else {
            "Member must have length less than or equal to 2048"
        };
        return Err(validation(constraint_message(
            &format!("'{role_arn}'"),
            "roleArn",
            bound,
        )));
    }
    if session.len() < 2 || session.len() > 64 {
        let bound = if session.len() < 2 {
            "Member must have length greater than or equal to 2"
        } else {
            "Member must have length less than or equal to 64"
        };
        return Err(validation(constraint_message(
            &format!("'{session}'"),
            "roleSessionName",
            bound,
        )));
    }
    if !session_name_ok(session) {
        return Err(validation(constraint_message(
            &format!("'{session}'"),
            "roleSessionName",
            "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        )));
    }
    let duration = match req.param("DurationSeconds") {
        None => 3600,
        Some(d) => match d.parse::<i64>() {
            Ok(v) if (900..=43_200).contains(&v) => v,
            Ok(v) => {
                let bound = if v < 900 {
                    "Member must have value greater than or equal to 900"
                } else {
                    "Member must have value less than or equal to 43200"
                };
                return Err(validation(constraint_message(
                    &format!("'{v}'"),
                    "durationSeconds",
                    bound,
                )));
            }
            Err(_) => {
                return Err(validation(format!(
                    "Value '{d}' for parameter DurationSeconds is invalid."
                )));
            }
        },
    };
    let Some((account_id, role_path, role_name)) = parse_role_arn(role_arn) else {
        return Err(validation(format!("{role_arn} is invalid")));
    };
    let (_, caller_arn) = identity(ctx, req);
    let denied = || {
        ApiError::new(
            403,
            "AccessDenied",
            format!(
                "User: {caller_arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            ),
        )
    };
    let index = ctx.estate.account_index(account_id).ok_or_else(denied)?;
    let target = &ctx.estate.accounts[index];
    if target.suspended || req.knobs.is_denied(&target.id) {
        return Err(denied());
    }
    let index16 = u16::try_from(index).map_err(|_| denied())?;
    let expires = chrono::Utc::now() + chrono::Duration::seconds(duration);
    let issued = req.keys.issue(
        index16,
        req.nonce,
        account_id,
        role_name,
        session,
        expires.timestamp(),
    );
    let role_id = format!(
        "AROA{}",
        id_chars(&[account_id.as_bytes(), role_path.as_bytes()])
    );
    Ok(format!(
        "<AssumeRoleResponse xmlns=\"{NS}\">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      <AssumedRoleId>{role_id}:{}</AssumedRoleId>\n      <Arn>arn:aws:sts::{account_id}:assumed-role/{}/{}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n  </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</AssumeRoleResponse>\n",
        xml_escape(session),
        xml_escape(role_name),
        xml_escape(session),
        xml_escape(&issued.access_key),
        xml_escape(&issued.secret),
        xml_escape(&issued.token),
        expires.format("%Y-%m-%dT%H:%M:%SZ"),
        xml_escape(req.request_id),
    ))
}
