//! The HTTP server: accepts connections, identifies the protocol, service and operation
//! of each request, authenticates its caller (SigV4, see [`super::auth`]), applies the
//! fault knobs, and dispatches.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::auth;
use super::control::KnobSettings;
use super::ctx::{Ctx, State};
use super::stats::ANONYMOUS;
use super::sts::StsRequest;
use super::wire::{self, ApiError, Resp};
use super::{bad_answer, input, organizations, ssm, sts};

/// Request bodies above this are refused.
const MAX_BODY: usize = 1 << 20;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Service {
    Ssm,
    Organizations,
    Sts,
    Unknown,
}

impl Service {
    fn is_json(self) -> bool {
        self != Service::Sts
    }

    /// The name requests to the service are signed for (`None`: unknown service, any name).
    fn signing_name(self) -> Option<&'static str> {
        match self {
            Service::Ssm => Some("ssm"),
            Service::Organizations => Some("organizations"),
            Service::Sts => Some("sts"),
            Service::Unknown => None,
        }
    }

    fn render(self, err: &ApiError, request_id: &str) -> Resp {
        if self.is_json() {
            wire::json_error(err, request_id)
        } else {
            wire::xml_error(err, request_id)
        }
    }

    fn internal_error(self) -> ApiError {
        match self {
            Service::Organizations => ApiError::new(
                500,
                "ServiceException",
                "AWS Organizations can't complete your request because of an internal service error. Try again later.",
            ),
            Service::Sts => ApiError::new(500, "InternalFailure", "An internal error occurred."),
            _ => ApiError::new(500, "InternalServerError", "An internal error occurred."),
        }
    }

    fn throttled(self) -> ApiError {
        match self {
            Service::Organizations => ApiError::new(
                400,
                "TooManyRequestsException",
                "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.",
            ),
            Service::Sts => ApiError::new(400, "Throttling", "Rate exceeded"),
            _ => ApiError::new(400, "ThrottlingException", "Rate exceeded"),
        }
    }

    fn known(self, op: &str) -> bool {
        match self {
            Service::Ssm => ssm::OPERATIONS.contains(&op),
            Service::Organizations => organizations::OPERATIONS.contains(&op),
            Service::Sts => sts::OPERATIONS.contains(&op),
            Service::Unknown => false,
        }
    }

    fn unknown_op(self, op: &str) -> ApiError {
        match self {
            Service::Sts => sts::invalid_action(op),
            _ => ssm::unknown_operation(),
        }
    }
}

/// Operation name as recorded in stats: kept when it looks like an operation name.
fn stats_name(op: &str) -> &str {
    if !op.is_empty() && op.len() <= 64 && op.bytes().all(|b| b.is_ascii_alphanumeric()) {
        op
    } else {
        "(invalid)"
    }
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The request body, or the error to answer when it is too large or unreadable.
async fn read_body(body: Incoming) -> Result<Bytes, ApiError> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e) => {
            let too_large = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            Err(if too_large {
                ApiError::new(413, "RequestEntityTooLarge", "Request body is too large.")
            } else {
                ApiError::serialization("Unable to read request body.")
            })
        }
    }
}

/// Checks the signature of a request whose body has been read.
fn authenticate(
    state: &State,
    parts: &hyper::http::request::Parts,
    body: &[u8],
    service: Option<&str>,
) -> Result<auth::Caller, auth::AuthError> {
    let caller = state.keys.authenticate(
        &auth::Incoming {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body,
        },
        service,
        chrono::Utc::now(),
    )?;
    // Sessions issued before `SimHandle::expire_sessions` count as expired.
    if caller.session.is_some()
        && state
            .keys
            .issue_nonce(&caller.access_key)
            .is_some_and(|n| state.knobs.session_expired(n))
    {
        return Err(auth::AuthError::ExpiredToken);
    }
    Ok(caller)
}

/// A `/_sim/` control endpoint, for the holder of the sim's root key pair only (signed like
/// any AWS call, with any region and service name): `GET /_sim/stats` (the call counts),
/// `GET /_sim/knobs` (the fault settings) and `POST /_sim/knobs` (changes them; the body
/// is a [`KnobSettings`] document, the answer the settings after the change).
async fn control(state: &State, req: Request<Incoming>, request_id: &str) -> Resp {
    let (parts, body) = req.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(err) => return wire::json_error(&err, request_id),
    };
    match authenticate(state, &parts, &body, None) {
        Err(e) => wire::json_error(&e.json(), request_id),
        Ok(caller) if caller.session.is_some() => wire::json_error(
            &ApiError::new(
                403,
                "AccessDeniedException",
                "The sim's control endpoints answer the key pair the sim was started with, not credentials from AssumeRole.",
            ),
            request_id,
        ),
        Ok(_) => match (parts.method.clone(), parts.uri.path()) {
            (Method::GET, "/_sim/stats") => {
                let stats = serde_json::to_value(state.stats.snapshot()).unwrap_or_default();
                wire::plain_json(200, &stats, request_id)
            }
            (Method::GET, "/_sim/knobs") => knobs_answer(state, request_id),
            (Method::POST, "/_sim/knobs") => {
                let set = match serde_json::from_slice::<KnobSettings>(&body) {
                    Ok(set) => set,
                    Err(e) => {
                        let err = ApiError::serialization(format!(
                            "The body must be a JSON object of knob settings (docs/sim-faults.md): {e}"
                        ));
                        return wire::json_error(&err, request_id);
                    }
                };
                match set.apply(&state.knobs) {
                    Ok(()) => knobs_answer(state, request_id),
                    Err(e) => wire::json_error(&ApiError::validation(e), request_id),
                }
            }
            _ => wire::json_error(
                &ApiError::new(
                    404,
                    "UnknownOperationException",
                    "The sim's control endpoints are GET /_sim/stats, GET /_sim/knobs and POST /_sim/knobs.",
                ),
                request_id,
            ),
        },
    }
}

fn knobs_answer(state: &State, request_id: &str) -> Resp {
    let now = serde_json::to_value(KnobSettings::current(&state.knobs)).unwrap_or_default();
    wire::plain_json(200, &now, request_id)
}

/// The service and, for the JSON protocol, the operation an `X-Amz-Target` header names
/// (no header: the Query protocol of STS).
fn classify(target: Option<&str>) -> (Service, Option<String>) {
    match target {
        Some(t) => {
            let (prefix, op) = t.split_once('.').unwrap_or((t, ""));
            let service = match prefix {
                "AmazonSSM" => Service::Ssm,
                "AWSOrganizationsV20161128" => Service::Organizations,
                _ => Service::Unknown,
            };
            (service, Some(op.to_string()))
        }
        None => (Service::Sts, None),
    }
}

/// The parameters of a Query protocol request: the URL's query, then the form body.
fn query_params(query: Option<&str>, body: &[u8]) -> Vec<(String, String)> {
    let mut params = Vec::new();
    if let Some(q) = query {
        params.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
    }
    params.extend(form_urlencoded::parse(body).into_owned());
    params
}

fn action(params: &[(String, String)]) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, a)| a.clone())
}

/// What the sim reads of a request before its signature and the operation itself: the
/// service, the operation, whether it is known, and (JSON) the body's members or (Query)
/// the parameters; or the error it would answer. For the fuzz tests.
pub(crate) fn read_request(
    target: Option<&str>,
    query: Option<&str>,
    body: &[u8],
) -> Result<String, String> {
    let (service, json_op) = classify(target);
    let mut params = Vec::new();
    let op = match json_op {
        Some(op) => op,
        None => {
            params = query_params(query, body);
            action(&params).ok_or("MissingAction")?
        }
    };
    let name = stats_name(&op);
    if !service.known(&op) {
        return Err(service.unknown_op(&op).code);
    }
    if service.is_json() {
        let obj = input::parse_body(body).map_err(|e| e.code)?;
        Ok(format!("{service:?} {name} {} members", obj.len()))
    } else {
        if let Some((_, v)) = params.iter().find(|(k, _)| k == "Version")
            && v != sts::VERSION
        {
            return Err(sts::invalid_action(&op).code);
        }
        Ok(format!("{service:?} {name} {} params", params.len()))
    }
}

pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Resp {
    if super::websocket::is_data_channel(&req) {
        return super::websocket::upgrade(state, req);
    }
    let request_id = wire::request_id();
    if req.uri().path().starts_with("/_sim/") {
        return control(&state, req, &request_id).await;
    }

    let (service, json_op) = classify(header(&req, "x-amz-target"));
    if req.method() != Method::POST {
        let err = ApiError::new(
            404,
            if service.is_json() {
                "UnknownOperationException"
            } else {
                "InvalidAction"
            },
            "Only POST requests are supported.",
        );
        return service.render(&err, &request_id);
    }
    let (parts, body) = req.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(err) => {
            let op = json_op.as_deref().unwrap_or("(invalid)");
            state.stats.record(stats_name(op), ANONYMOUS);
            return service.render(&err, &request_id);
        }
    };

    let mut params = Vec::new();
    let op = match json_op {
        Some(op) => Some(op),
        None => {
            params = query_params(parts.uri.query(), &body);
            action(&params)
        }
    };

    let caller = match authenticate(&state, &parts, &body, service.signing_name()) {
        Ok(c) => c,
        Err(e) => {
            state
                .stats
                .record(stats_name(op.as_deref().unwrap_or("")), ANONYMOUS);
            let err = if service.is_json() {
                e.json()
            } else {
                e.query()
            };
            return service.render(&err, &request_id);
        }
    };
    let account_label = state.estate.accounts[caller.account].id.clone();
    let Some(op) = op else {
        state.stats.record("(invalid)", &account_label);
        let err = ApiError::new(400, "MissingAction", "Missing Action");
        return wire::xml_error(&err, &request_id);
    };

    state.stats.record(stats_name(&op), &account_label);

    let latency = state.knobs.latency() + state.knobs.calls.next_spike();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if !state.knobs.calls.wait_unhung(&op).await {
        // The sim is stopping: a hung call stays unanswered.
        return wire::json_error(&service.internal_error(), &request_id);
    }
    if let Some(bad) = state.knobs.bad_answer(&op, &caller.region) {
        return bad_answer::marked(bad, service.is_json(), &state.knobs);
    }

    match respond(&state, service, &op, &caller, &body, &params, &request_id) {
        Ok(resp) => resp,
        Err(err) => service.render(&err, &request_id),
    }
}

fn respond(
    state: &State,
    service: Service,
    op: &str,
    caller: &auth::Caller,
    body: &Bytes,
    params: &[(String, String)],
    request_id: &str,
) -> Result<Resp, ApiError> {
    if !service.known(op) {
        return Err(service.unknown_op(op));
    }
    let account_id = state.estate.accounts[caller.account].id.as_str();

    let error_rate = state.knobs.error_rate();
    if error_rate > 0.0 && state.roll() < error_rate {
        return Err(service.internal_error());
    }
    if state.knobs.is_throttled(&caller.region) {
        return Err(service.throttled());
    }
    if let Some(tps) = state.knobs.rate_limit()
        && !state
            .limiter
            .try_acquire(tps, account_id, &caller.region, op)
    {
        return Err(service.throttled());
    }
    if service != Service::Sts && state.knobs.is_denied(account_id) {
        return Err(match service {
            Service::Organizations => organizations::access_denied(),
            _ => ApiError::new(
                400,
                "AccessDeniedException",
                format!(
                    "User: arn:aws:iam::{account_id}:user/sim-admin is not authorized to perform: {}:{op}",
                    caller.service
                ),
            ),
        });
    }

    let ctx = Ctx {
        estate: &state.estate,
        account: caller.account,
        region: &caller.region,
        now: wire::now_secs(),
        sessions: &state.sessions,
        knobs: &state.knobs,
    };
    match service {
        Service::Ssm | Service::Organizations => {
            let obj = input::parse_body(body)?;
            let value = if service == Service::Ssm {
                ssm::call(&ctx, op, &obj)?
            } else {
                organizations::call(&ctx, op, &obj)?
            };
            Ok(wire::json_ok(&value, request_id))
        }
        Service::Sts => {
            if let Some((_, v)) = params.iter().find(|(k, _)| k == "Version")
                && v != sts::VERSION
            {
                return Err(sts::invalid_action(op));
            }
            let req = StsRequest {
                params,
                access_key: &caller.access_key,
                session: caller.session.as_ref(),
                keys: &state.keys,
                knobs: &state.knobs,
                nonce: state.nonce.fetch_add(1, Ordering::Relaxed),
                request_id,
            };
            let xml = sts::call(&ctx, op, &req)?;
            Ok(wire::xml_ok(xml, request_id))
        }
        Service::Unknown => Err(service.unknown_op(op)),
    }
}

/// Accepts connections until `shutdown` changes or its sender is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            res = listener.accept() => res,
            _ = shutdown.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::debug!("sim accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(bad_answer::finish(handle(state, req).await)) }
            });
            let conn = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                res = conn.as_mut() => {
                    if let Err(e) = res {
                        tracing::debug!("sim connection error: {e}");
                    }
                }
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    state.knobs.calls.stop();
    // Session agents stop on the same signal: wait until their shells are gone.
    state.sessions.join_all().await;
}
