//! The HTTP server: accepts connections, identifies the protocol, service, operation and
//! caller of each request, applies the fault knobs, and dispatches.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::auth::{self, AuthError};
use super::estate::Estate;
use super::knobs::SimKnobs;
use super::limits::RateLimiter;
use super::stats::{ANONYMOUS, Recorder};
use super::sts::StsRequest;
use super::wire::{self, ApiError, Resp, SplitMix};
use super::{input, organizations, ssm, sts};

/// Request bodies above this are refused.
const MAX_BODY: usize = 1 << 20;

/// What an operation sees of the world: the estate and the caller's scope.
pub(crate) struct Ctx<'a> {
    pub estate: &'a Estate,
    pub account: usize,
    pub region: &'a str,
    pub now: f64,
    pub sessions: &'a super::sessions::Sessions,
    pub knobs: &'a SimKnobs,
}

pub(crate) struct State {
    pub estate: Estate,
    pub knobs: SimKnobs,
    pub stats: Recorder,
    pub sessions: super::sessions::Sessions,
    limiter: RateLimiter,
    faults: Mutex<SplitMix>,
    nonce: AtomicU32,
}

impl State {
    pub fn new(estate: Estate, knobs: SimKnobs) -> Self {
        let seed = estate.seed;
        State {
            estate,
            knobs,
            stats: Recorder::default(),
            sessions: super::sessions::Sessions::default(),
            limiter: RateLimiter::default(),
            faults: Mutex::new(SplitMix::new(seed ^ 0xfa17)),
            nonce: AtomicU32::new(0),
        }
    }

    fn roll(&self) -> f64 {
        match self.faults.lock() {
            Ok(mut g) => g.unit(),
            Err(poisoned) => poisoned.into_inner().unit(),
        }
    }
}

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

pub(crate) async fn handle(state: Arc<State>, req: Request<Incoming>) -> Resp {
    if super::websocket::is_data_channel(&req) {
        return super::websocket::upgrade(state, req);
    }
    let request_id = wire::request_id();
    if req.uri().path() == "/_sim/stats" && req.method() == Method::GET {
        let stats = serde_json::to_value(state.stats.snapshot()).unwrap_or_default();
        return wire::plain_json(200, &stats, &request_id);
    }

    let target = header(&req, "x-amz-target").map(str::to_string);
    let (service, json_op) = match &target {
        Some(t) => {
            let (prefix, op) = t.split_once('.').unwrap_or((t.as_str(), ""));
            let service = match prefix {
                "AmazonSSM" => Service::Ssm,
                "AWSOrganizationsV20161128" => Service::Organizations,
                _ => Service::Unknown,
            };
            (service, Some(op.to_string()))
        }
        None => (Service::Sts, None),
    };
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
    let authorization = header(&req, "authorization").map(str::to_string);
    let security_token = header(&req, "x-amz-security-token").map(str::to_string);
    let query = req.uri().query().map(str::to_string);

    let scope = auth::parse_authorization(authorization.as_deref());
    let caller = scope.as_ref().ok().map(|s| {
        let issued = auth::decode_access_key(state.estate.seed, &s.access_key)
            .filter(|i| *i < state.estate.accounts.len());
        auth::Caller {
            access_key: s.access_key.clone(),
            account: issued.unwrap_or(0),
            region: s.region.clone(),
            service: s.service.clone(),
            assumed: issued.is_some(),
        }
    });
    let account_label = caller
        .as_ref()
        .map(|c| state.estate.accounts[c.account].id.clone())
        .unwrap_or_else(|| ANONYMOUS.to_string());
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_large = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            let op = json_op.as_deref().unwrap_or("(invalid)");
            state.stats.record(stats_name(op), &account_label);
            let err = if too_large {
                ApiError::new(413, "RequestEntityTooLarge", "Request body is too large.")
            } else {
                ApiError::serialization("Unable to read request body.")
            };
            return service.render(&err, &request_id);
        }
    };

    let mut params = Vec::new();
    let op = match json_op {
        Some(op) => op,
        None => {
            if let Some(q) = &query {
                params.extend(form_urlencoded::parse(q.as_bytes()).into_owned());
            }
            params.extend(form_urlencoded::parse(&body).into_owned());
            match params.iter().find(|(k, _)| k == "Action") {
                Some((_, a)) => a.clone(),
                None => {
                    state.stats.record("(invalid)", &account_label);
                    let err = ApiError::new(400, "MissingAction", "Missing Action");
                    return wire::xml_error(&err, &request_id);
                }
            }
        }
    };

    state.stats.record(stats_name(&op), &account_label);

    let latency = state.knobs.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let result = respond(
        &state,
        service,
        &op,
        caller,
        scope.err(),
        &body,
        &params,
        security_token.as_deref(),
        &request_id,
    );
    match result {
        Ok(resp) => resp,
        Err(err) => service.render(&err, &request_id),
    }
}

#[allow(clippy::too_many_arguments)]
fn respond(
    state: &State,
    service: Service,
    op: &str,
    caller: Option<auth::Caller>,
    auth_error: Option<AuthError>,
    body: &Bytes,
    params: &[(String, String)],
    security_token: Option<&str>,
    request_id: &str,
) -> Result<Resp, ApiError> {
    let Some(caller) = caller else {
        let e = auth_error.unwrap_or(AuthError::Missing);
        return Err(if service.is_json() {
            e.json()
        } else {
            e.query()
        });
    };
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
                assumed: caller.assumed,
                session_token: security_token,
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
                async move { Ok::<_, Infallible>(handle(state, req).await) }
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
    // Session agents stop on the same signal: wait until their shells are gone.
    state.sessions.join_all().await;
}
