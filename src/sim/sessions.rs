//! Session Manager sessions: the API operations StartSession,
//! ResumeSession, TerminateSession and DescribeSessions over the registry in
//! [`super::session_store`]. The data channel of each
//! session is served by [`super::websocket`] and driven by [`super::agent`].

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use rand::RngCore;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::estate::Ping;
use super::input::{self, Object};
use super::request::{self, check_len_shown, list_text, page_json, token_start};
use super::session_store::{AgentCommand, Inner, Session, SessionKind, Status};
use super::wire::{ApiError, b64_encode, constraint_message, epoch_json, fnv64, now_secs};

pub(crate) const DEFAULT_DOCUMENT: &str = "SSM-SessionManagerRunShell";
const INTERACTIVE_DOCUMENT: &str = "AWS-StartInteractiveCommand";
const NON_INTERACTIVE_DOCUMENT: &str = "AWS-StartNonInteractiveCommand";
const PORT_DOCUMENT: &str = "AWS-StartPortForwardingSession";
const REMOTE_PORT_DOCUMENT: &str = "AWS-StartPortForwardingSessionToRemoteHost";

const PRINCIPAL: &str = "sim-admin";
/// Unredeemed tokens kept per session; older ones expire.
const MAX_TOKENS: usize = 8;
const DEFAULT_PAGE: usize = 20;
const MAX_SESSION_DURATION: &str = "60";

fn new_token() -> String {
    let mut bytes = [0u8; 96];
    rand::rng().fill_bytes(&mut bytes);
    b64_encode(&bytes)
}

fn new_session_id() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 17];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes
        .iter()
        .map(|b| char::from(HEX[usize::from(b & 0xf)]))
        .collect();
    format!("{PRINCIPAL}-{hex}")
}

fn required_str<'a>(body: &'a Object, key: &str, member: &str) -> Result<&'a str, ApiError> {
    input::opt_str(body, key)?.ok_or_else(|| {
        ApiError::validation(constraint_message(
            "null",
            member,
            "Member must not be null",
        ))
    })
}

/// A string's length within `[min, max]`, the whole value shown when it is too long.
fn check_len(value: &str, member: &str, min: usize, max: usize) -> Result<(), ApiError> {
    check_len_shown(value, member, (min, max), usize::MAX)
}

fn session_id_param(body: &Object) -> Result<&str, ApiError> {
    let id = required_str(body, "SessionId", "sessionId")?;
    check_len(id, "sessionId", 1, 96)?;
    Ok(id)
}

fn does_not_exist(session_id: &str) -> ApiError {
    ApiError::new(
        400,
        "DoesNotExistException",
        format!("Session with id {session_id} does not exist."),
    )
}

/// `Parameters`: map of string to list of strings.
fn parse_parameters(body: &Object) -> Result<BTreeMap<String, Vec<String>>, ApiError> {
    let mut out = BTreeMap::new();
    match body.get("Parameters") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let list = v.as_array().ok_or_else(|| {
                    ApiError::serialization(
                        "Unexpected value type for member 'Parameters': expected list",
                    )
                })?;
                out.insert(k.clone(), input::string_list(list, "Parameters")?);
            }
        }
        Some(_) => {
            return Err(ApiError::serialization(
                "Unexpected value type for member 'Parameters': expected map",
            ));
        }
    }
    Ok(out)
}

fn invalid_parameters(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidParameters", message)
}

/// The single value of an optional document parameter.
fn single<'a>(
    params: &'a BTreeMap<String, Vec<String>>,
    name: &str,
) -> Result<Option<&'a str>, ApiError> {
    match params.get(name).map(Vec::as_slice) {
        None | Some([]) => Ok(None),
        Some([v]) => Ok(Some(v.as_str())),
        Some(_) => Err(invalid_parameters(format!(
            "Parameter \"{name}\" takes a single value."
        ))),
    }
}

fn check_known(params: &BTreeMap<String, Vec<String>>, known: &[&str]) -> Result<(), ApiError> {
    if let Some(bad) = params.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid_parameters(format!(
            "Parameter \"{bad}\" is not defined in the document."
        )));
    }
    Ok(())
}

fn port_param(value: Option<&str>, name: &str, default: &str) -> Result<String, ApiError> {
    let v = value.unwrap_or(default);
    match v.parse::<u32>() {
        Ok(n) if n <= 65535 => Ok(v.to_string()),
        _ => Err(invalid_parameters(format!(
            "Parameter \"{name}\" value \"{v}\" does not match the allowed pattern."
        ))),
    }
}

/// The session a document and its parameters describe.
fn session_kind(
    document: &str,
    params: &BTreeMap<String, Vec<String>>,
) -> Result<SessionKind, ApiError> {
    match document {
        DEFAULT_DOCUMENT => {
            check_known(params, &[])?;
            Ok(SessionKind::Shell {
                session_type: "Standard_Stream",
                command: None,
            })
        }
        INTERACTIVE_DOCUMENT | NON_INTERACTIVE_DOCUMENT => {
            check_known(params, &["command"])?;
            let command = single(params, "command")?
                .filter(|c| !c.is_empty())
                .ok_or_else(|| invalid_parameters("Parameter \"command\" is required."))?;
            Ok(SessionKind::Shell {
                session_type: if document == INTERACTIVE_DOCUMENT {
                    "InteractiveCommands"
                } else {
                    "NonInteractiveCommands"
                },
                command: Some(command.to_string()),
            })
        }
        PORT_DOCUMENT | REMOTE_PORT_DOCUMENT => {
            let remote = document == REMOTE_PORT_DOCUMENT;
            let known: &[&str] = if remote {
                &["host", "portNumber", "localPortNumber"]
            } else {
                &["portNumber", "localPortNumber"]
            };
            check_known(params, known)?;
            let port = port_param(single(params, "portNumber")?, "portNumber", "80")?;
            let local_port =
                port_param(single(params, "localPortNumber")?, "localPortNumber", "0")?;
            let host = if remote {
                let h = single(params, "host")?
                    .filter(|h| !h.is_empty())
                    .ok_or_else(|| invalid_parameters("Parameter \"host\" is required."))?;
                Some(h.to_string())
            } else {
                None
            };
            Ok(SessionKind::Port {
                host,
                port: port.parse().unwrap_or(80),
                local_port,
            })
        }
        other => Err(ApiError::new(
            400,
            "InvalidDocument",
            format!("Document with name {other} does not exist."),
        )),
    }
}

/// The loopback address a port session may reach; `Err` names the refused destination.
pub(crate) fn loopback_destination(host: Option<&str>, port: u16) -> Result<SocketAddr, String> {
    let ip: IpAddr = match host {
        None => IpAddr::from([127, 0, 0, 1]),
        Some(h) if h.eq_ignore_ascii_case("localhost") => IpAddr::from([127, 0, 0, 1]),
        Some(h) => match h.trim_start_matches('[').trim_end_matches(']').parse() {
            Ok(ip) => ip,
            Err(_) => return Err(h.to_string()),
        },
    };
    if ip.is_loopback() {
        Ok(SocketAddr::new(ip, port))
    } else {
        Err(ip.to_string())
    }
}

pub(crate) fn start_session(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let sessions = ctx.sessions;
    let target = required_str(body, "Target", "target")?;
    check_len(target, "target", 1, 400)?;
    let document = input::opt_str(body, "DocumentName")?.unwrap_or(DEFAULT_DOCUMENT);
    let reason = input::opt_str(body, "Reason")?;
    if let Some(r) = reason {
        check_len(r, "reason", 1, 256)?;
    }
    let params = parse_parameters(body)?;
    let nodes = ctx.estate.nodes(ctx.account, ctx.region);
    let node = nodes
        .iter()
        .find(|n| n.instance_id == target)
        .filter(|n| n.ping == Ping::Online)
        .ok_or_else(|| {
            ApiError::new(
                400,
                "TargetNotConnected",
                format!("{target} is not connected."),
            )
        })?;
    let kind = session_kind(document, &params)?;

    let account_id = ctx.estate.accounts[ctx.account].id.clone();
    let id = new_session_id();
    let token = new_token();
    let url = sessions.stream_url(&id, ctx.region);
    let mut inner = sessions.lock();
    let slot = inner.sessions.len();
    let ordinal = slot as u64;
    inner.index.insert(id.clone(), slot);
    inner.sessions.push(Session {
        id: id.clone(),
        account: ctx.account,
        region: ctx.region.to_string(),
        target: target.to_string(),
        document: document.to_string(),
        owner: format!("arn:aws:iam::{account_id}:user/{PRINCIPAL}"),
        reason: reason.map(str::to_string),
        start: ctx.now,
        end: None,
        status: Status::Connecting,
        kind,
        computer_name: node.computer_name.clone(),
        agent_version: node.agent_version.to_string(),
        ordinal,
        tokens: vec![token.clone()],
        agent: None,
    });
    Ok(json!({ "SessionId": id, "TokenValue": token, "StreamUrl": url }))
}

/// The caller's session `id`, if it exists in the caller's scope.
fn find<'a>(inner: &'a mut Inner, ctx: &Ctx<'_>, id: &str) -> Option<&'a mut Session> {
    let i = *inner.index.get(id)?;
    let s = &mut inner.sessions[i];
    (s.account == ctx.account && s.region == ctx.region).then_some(s)
}

pub(crate) fn resume_session(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let sessions = ctx.sessions;
    let id = session_id_param(body)?;
    let url = sessions.stream_url(id, ctx.region);
    let mut inner = sessions.lock();
    let session = find(&mut inner, ctx, id).ok_or_else(|| does_not_exist(id))?;
    if !session.status.is_active() || session.status == Status::Terminating {
        // A session that ended cannot be resumed: no token (§11).
        return Ok(json!({ "SessionId": id }));
    }
    let token = new_token();
    session.tokens.push(token.clone());
    if session.tokens.len() > MAX_TOKENS {
        session.tokens.remove(0);
    }
    Ok(json!({ "SessionId": id, "TokenValue": token, "StreamUrl": url }))
}

pub(crate) fn terminate_session(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let sessions = ctx.sessions;
    let id = session_id_param(body)?;
    let mut inner = sessions.lock();
    let session = find(&mut inner, ctx, id).ok_or_else(|| does_not_exist(id))?;
    if session.status.is_active() && session.status != Status::Terminating {
        session.tokens.clear();
        let delivered = session
            .agent
            .as_ref()
            .is_some_and(|a| a.send(AgentCommand::Terminate).is_ok());
        if delivered {
            session.status = Status::Terminating;
        } else {
            session.status = Status::Terminated;
            session.end = Some(now_secs());
            session.agent = None;
        }
    }
    Ok(json!({ "SessionId": id }))
}

const FILTER_KEYS: &[&str] = &[
    "InvokedAfter",
    "InvokedBefore",
    "Target",
    "Owner",
    "Status",
    "SessionId",
    "AccessType",
];
const STATUS_VALUES: &[&str] = &[
    "Connected",
    "Connecting",
    "Disconnected",
    "Terminated",
    "Terminating",
    "Failed",
];

enum SessionFilter {
    After(f64),
    Before(f64),
    Target(String),
    Owner(String),
    Status(String),
    Id(String),
    AccessType(String),
}

fn parse_time(value: &str, member: &str) -> Result<f64, ApiError> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(value) {
        return Ok(t.timestamp_millis() as f64 / 1000.0);
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc().timestamp() as f64);
    }
    Err(ApiError::validation(format!(
        "Invalid value {value} for filter {member}: expected a timestamp such as 2024-08-29T00:00:00Z."
    )))
}

fn parse_session_filters(list: &[Value]) -> Result<Vec<SessionFilter>, ApiError> {
    if list.is_empty() || list.len() > 6 {
        let bound = if list.is_empty() {
            "Member must have length greater than or equal to 1"
        } else {
            "Member must have length less than or equal to 6"
        };
        return Err(ApiError::validation(constraint_message(
            "'[...]'", "filters", bound,
        )));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let obj = input::as_object(item, "Filters")?;
        let path = format!("filters.{}.member", i + 1);
        let key = required_str(obj, "key", &format!("{path}.key"))?;
        let value = required_str(obj, "value", &format!("{path}.value"))?;
        if !FILTER_KEYS.contains(&key) {
            return Err(ApiError::validation(constraint_message(
                &format!("'{key}'"),
                &format!("{path}.key"),
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    FILTER_KEYS.join(", ")
                ),
            )));
        }
        check_len(value, &format!("{path}.value"), 1, 400)?;
        let f = match key {
            "InvokedAfter" => SessionFilter::After(parse_time(value, key)?),
            "InvokedBefore" => SessionFilter::Before(parse_time(value, key)?),
            "Target" => SessionFilter::Target(value.to_string()),
            "Owner" => SessionFilter::Owner(value.to_string()),
            "Status" => {
                if !STATUS_VALUES.contains(&value) {
                    return Err(ApiError::validation(format!(
                        "The filter value {value} is not valid for the Status filter key."
                    )));
                }
                SessionFilter::Status(value.to_string())
            }
            "SessionId" => SessionFilter::Id(value.to_string()),
            _ => SessionFilter::AccessType(value.to_string()),
        };
        out.push(f);
    }
    Ok(out)
}

fn filter_matches(s: &Session, f: &SessionFilter) -> bool {
    match f {
        SessionFilter::After(t) => s.start >= *t,
        SessionFilter::Before(t) => s.start < *t,
        SessionFilter::Target(t) => &s.target == t,
        // The owner matches as the full ARN or as the user name.
        SessionFilter::Owner(o) => &s.owner == o || s.owner.ends_with(&format!("/{o}")),
        SessionFilter::Status(v) => s.status.as_str() == v,
        SessionFilter::Id(id) => &s.id == id,
        SessionFilter::AccessType(a) => a == "Standard",
    }
}

fn session_json(s: &Session) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("SessionId".into(), s.id.clone().into());
    o.insert("Target".into(), s.target.clone().into());
    o.insert("Status".into(), s.status.as_str().into());
    o.insert("StartDate".into(), epoch_json(s.start));
    if let Some(end) = s.end {
        o.insert("EndDate".into(), epoch_json(end));
    }
    o.insert("DocumentName".into(), s.document.clone().into());
    o.insert("Owner".into(), s.owner.clone().into());
    if let Some(r) = &s.reason {
        o.insert("Reason".into(), r.clone().into());
    }
    o.insert("Details".into(), "".into());
    o.insert("OutputUrl".into(), json!({}));
    o.insert("MaxSessionDuration".into(), MAX_SESSION_DURATION.into());
    o.insert("AccessType".into(), "Standard".into());
    Value::Object(o)
}

pub(crate) fn describe_sessions(ctx: &Ctx<'_>, body: &Object) -> Result<Value, ApiError> {
    let sessions = ctx.sessions;
    let state = required_str(body, "State", "state")?;
    if state != "Active" && state != "History" {
        return Err(ApiError::validation(constraint_message(
            &format!("'{state}'"),
            "state",
            "Member must satisfy enum value set: [Active, History]",
        )));
    }
    let max_results = input::opt_int(body, "MaxResults")?;
    if let Some(m) = max_results {
        input::check_range(m, "maxResults", 1, 200)?;
    }
    let next_token = input::opt_str(body, "NextToken")?;
    let raw_filters = input::opt_array(body, "Filters")?;
    let filters = match raw_filters {
        Some(list) => parse_session_filters(list)?,
        None => Vec::new(),
    };
    let query_hash = fnv64(&[
        ctx.estate.accounts[ctx.account].id.as_bytes(),
        ctx.region.as_bytes(),
        state.as_bytes(),
        list_text(raw_filters).as_bytes(),
    ]);
    let offset = token_start(next_token, query_hash)?;
    let page = max_results
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(DEFAULT_PAGE);
    let inner = sessions.lock();
    let active = state == "Active";
    // Newest first.
    let all: Vec<&Session> = inner
        .sessions
        .iter()
        .rev()
        .filter(|s| s.account == ctx.account && s.region == ctx.region)
        .filter(|s| s.status.is_active() == active)
        .filter(|s| filters.iter().all(|f| filter_matches(s, f)))
        .collect();
    let (start, end, next) = request::page(offset, page, all.len(), query_hash)?;
    let items: Vec<Value> = all[start..end].iter().map(|s| session_json(s)).collect();
    Ok(page_json("Sessions", items, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_destinations() {
        assert!(loopback_destination(None, 80).is_ok());
        assert!(loopback_destination(Some("localhost"), 80).is_ok());
        assert!(loopback_destination(Some("127.0.0.2"), 80).is_ok());
        assert!(loopback_destination(Some("::1"), 80).is_ok());
        assert!(loopback_destination(Some("[::1]"), 80).is_ok());
        assert!(loopback_destination(Some("10.0.0.1"), 80).is_err());
        assert!(loopback_destination(Some("example.com"), 80).is_err());
    }

    #[test]
    fn documents_map_to_session_kinds() {
        let none = BTreeMap::new();
        assert!(matches!(
            session_kind(DEFAULT_DOCUMENT, &none),
            Ok(SessionKind::Shell {
                session_type: "Standard_Stream",
                command: None
            })
        ));
        assert!(session_kind(INTERACTIVE_DOCUMENT, &none).is_err());
        assert_eq!(
            session_kind("AWS-Nope", &none).err().map(|e| e.code),
            Some("InvalidDocument".to_string())
        );
        let mut p = BTreeMap::new();
        p.insert("portNumber".to_string(), vec!["8080".to_string()]);
        assert!(matches!(
            session_kind(PORT_DOCUMENT, &p),
            Ok(SessionKind::Port { port: 8080, .. })
        ));
        assert!(session_kind(REMOTE_PORT_DOCUMENT, &p).is_err());
    }
}
