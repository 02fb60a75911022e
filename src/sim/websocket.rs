//! The data-channel endpoint `/v1/data-channel/<SessionId>`: a plain RFC 6455 upgrade
//! (no authentication headers), then the first text frame must be an
//! OpenDataChannelInput carrying a token StartSession or ResumeSession issued for that
//! session (§3.2). Anything else closes the socket.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONNECTION, HeaderValue, SEC_WEBSOCKET_ACCEPT, UPGRADE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::session::messages::OpenDataChannelInput;

use super::ctx::State;
use super::session_store::Ws;
use super::wire::Resp;

pub(crate) const PATH_PREFIX: &str = "/v1/data-channel/";
const OPEN_TIMEOUT: Duration = Duration::from_secs(15);

fn header_has(req: &Request<Incoming>, name: hyper::header::HeaderName, token: &str) -> bool {
    req.headers().get_all(name).iter().any(|v| {
        v.to_str()
            .map(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
            .unwrap_or(false)
    })
}

fn plain(status: StatusCode, text: &str) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(text.to_string())));
    *resp.status_mut() = status;
    resp
}

/// Whether a request is for the data-channel endpoint.
pub(crate) fn is_data_channel(req: &Request<Incoming>) -> bool {
    req.uri().path().starts_with(PATH_PREFIX)
}

/// Answers the upgrade and serves the socket in a task of its own.
pub(crate) fn upgrade(state: Arc<State>, mut req: Request<Incoming>) -> Resp {
    let session_id = req
        .uri()
        .path()
        .strip_prefix(PATH_PREFIX)
        .unwrap_or_default()
        .to_string();
    if req.method() != Method::GET
        || !header_has(&req, UPGRADE, "websocket")
        || !header_has(&req, CONNECTION, "upgrade")
    {
        return plain(StatusCode::BAD_REQUEST, "expected a WebSocket upgrade");
    }
    if req
        .headers()
        .get("sec-websocket-version")
        .and_then(|v| v.to_str().ok())
        != Some("13")
    {
        let mut resp = plain(
            StatusCode::UPGRADE_REQUIRED,
            "unsupported WebSocket version",
        );
        resp.headers_mut()
            .insert("sec-websocket-version", HeaderValue::from_static("13"));
        return resp;
    }
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
        return plain(StatusCode::BAD_REQUEST, "missing Sec-WebSocket-Key");
    };
    if session_id.is_empty() || session_id.contains('/') {
        return plain(StatusCode::NOT_FOUND, "no such data channel");
    }
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!("data channel upgrade failed: {e}");
                return;
            }
        };
        let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        serve(state, session_id, ws).await;
    });
    let mut resp = plain(StatusCode::SWITCHING_PROTOCOLS, "");
    let headers = resp.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, v);
    }
    resp
}

/// Waits for OpenDataChannelInput and hands the socket to the session.
async fn serve(state: Arc<State>, session_id: String, mut ws: Ws) {
    let mut shutdown = match state.sessions.shutdown_signal() {
        Some(s) => s,
        None => return,
    };
    let first = tokio::select! {
        r = tokio::time::timeout(OPEN_TIMEOUT, first_text(&mut ws)) => r.ok().flatten(),
        _ = shutdown.changed() => None,
    };
    let Some(text) = first else {
        tracing::debug!(
            session_id,
            "data channel opened without OpenDataChannelInput"
        );
        return;
    };
    let open: OpenDataChannelInput = match serde_json::from_str(&text) {
        Ok(o) => o,
        Err(e) => {
            tracing::debug!(session_id, "unreadable OpenDataChannelInput: {e}");
            return;
        }
    };
    if let Some(start) = state.sessions.attach(
        &state.estate,
        &session_id,
        &open.token_value,
        open.client_version.clone(),
        ws,
    ) {
        super::agent::start(&state, start);
    }
}

/// The first data message, if it is text; pings before it are answered.
async fn first_text(ws: &mut Ws) -> Option<String> {
    while let Some(msg) = ws.next().await {
        match msg.ok()? {
            Message::Text(t) => return Some(t.as_str().to_string()),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            Message::Binary(_) | Message::Close(_) => return None,
        }
    }
    None
}
