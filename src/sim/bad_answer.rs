//! Answers no AWS service sends ([`BadAnswer`]): an HTML page, a proxy's XML, a wrong
//! content type, a body cut short, an oversized body produced as it is sent.
//!
//! The request is handled up to its operation (counted, authenticated, delayed); then
//! `handle` returns a [`marked`] answer, which [`finish`] turns into the bad one when
//! the connection writes it. Every other answer passes through unchanged.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::Response;
use hyper::body::{Body, Frame};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};

use super::knobs::{BadAnswer, SimKnobs};
use super::wire::{JSON_CONTENT_TYPE, Resp};

/// What the server writes: a service's answer, or a bad one.
pub(crate) type AnswerBody = Either<Full<Bytes>, BadBody>;

/// The bad answer a handled request is to get.
#[derive(Clone)]
struct Marked {
    answer: BadAnswer,
    /// The service speaks AWS JSON (else AWS Query, XML).
    json: bool,
    sent: Arc<AtomicU64>,
}

/// An empty answer carrying the bad answer to write instead.
pub(crate) fn marked(answer: BadAnswer, json: bool, knobs: &SimKnobs) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::new()));
    resp.extensions_mut().insert(Marked {
        answer,
        json,
        sent: knobs.bad_answer_bytes.clone(),
    });
    resp
}

/// The answer to write: the marked bad answer, or `resp` as it is.
pub(crate) fn finish(mut resp: Resp) -> Response<AnswerBody> {
    match resp.extensions_mut().remove::<Marked>() {
        Some(m) => bad(m),
        None => resp.map(Either::Left),
    }
}

const HTML_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";

const PROXY_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>ServiceUnavailable</Code><Message>upstream connect error or disconnect/reset before headers</Message></Error>\n";

/// The length a truncated answer announces, and how much of it is sent.
const TRUNCATED_LENGTH: u64 = 4096;
const TRUNCATED_SENT: usize = 64;
/// How long the head of a truncated answer has to reach the client before the cut.
const CUT_AFTER: std::time::Duration = std::time::Duration::from_millis(50);

fn bad(m: Marked) -> Response<AnswerBody> {
    let service_type = if m.json {
        JSON_CONTENT_TYPE
    } else {
        "text/xml"
    };
    let (status, content_type, length, body) = match m.answer {
        BadAnswer::Html => (502, "text/html", None, BadBody::text(HTML_PAGE, &m.sent)),
        BadAnswer::ProxyXml => (
            503,
            "application/xml",
            None,
            BadBody::text(PROXY_XML, &m.sent),
        ),
        BadAnswer::WrongType => (200, "text/plain", None, BadBody::text("OK\n", &m.sent)),
        BadAnswer::WrongShape => {
            let text = if m.json {
                "{\"InstanceInformationList\":{\"not\":\"a list\"},\"NextToken\":7}"
            } else {
                "<OtherResponse><Result/></OtherResponse>"
            };
            (200, service_type, None, BadBody::text(text, &m.sent))
        }
        BadAnswer::Truncated => {
            let start = if m.json {
                "{\"InstanceInformationList\":[{\"InstanceId\":\"i-0123456789abcdef0\",\"PingStatus\":\"Online\"},"
            } else {
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>"
            };
            let head = &start.as_bytes()[..TRUNCATED_SENT.min(start.len())];
            let body = BadBody {
                head: Some(Bytes::copy_from_slice(head)),
                filler: 0,
                tail: None,
                cut: Some(Box::pin(tokio::time::sleep(CUT_AFTER))),
                sent: m.sent.clone(),
            };
            (200, service_type, Some(TRUNCATED_LENGTH), body)
        }
        BadAnswer::Oversized { bytes, announced } => {
            let (head, tail): (&'static str, &'static str) = if m.json {
                ("{\"Filler\":\"", "\"}")
            } else {
                ("<FillerResponse><Filler>", "</Filler></FillerResponse>")
            };
            let fixed = (head.len() + tail.len()) as u64;
            let body = BadBody {
                head: Some(Bytes::from_static(head.as_bytes())),
                filler: bytes.saturating_sub(fixed),
                tail: Some(Bytes::from_static(tail.as_bytes())),
                cut: None,
                sent: m.sent.clone(),
            };
            let length = announced.then_some(bytes.max(fixed));
            (200, service_type, length, body)
        }
    };
    let mut resp = Response::new(Either::Right(body));
    *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(n) = length {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(n));
    }
    resp
}

/// Filler of oversized answers, sent a slice at a time.
static FILLER: [u8; 64 * 1024] = [b'x'; 64 * 1024];

/// A body produced as it is written: a head, `filler` bytes, a tail; or a head and then
/// a broken connection.
pub(crate) struct BadBody {
    head: Option<Bytes>,
    filler: u64,
    tail: Option<Bytes>,
    /// Fail after the head (the server then drops the connection), once the head had
    /// time to leave.
    cut: Option<Pin<Box<tokio::time::Sleep>>>,
    sent: Arc<AtomicU64>,
}

impl BadBody {
    fn text(text: &'static str, sent: &Arc<AtomicU64>) -> BadBody {
        BadBody {
            head: Some(Bytes::from_static(text.as_bytes())),
            filler: 0,
            tail: None,
            cut: None,
            sent: sent.clone(),
        }
    }

    fn data(&self, b: Bytes) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.sent.fetch_add(b.len() as u64, Ordering::Relaxed);
        Poll::Ready(Some(Ok(Frame::data(b))))
    }
}

impl Body for BadBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let this = self.get_mut();
        if let Some(head) = this.head.take() {
            return this.data(head);
        }
        if let Some(wait) = this.cut.as_mut() {
            if wait.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.cut = None;
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "answer cut short",
            ))));
        }
        if this.filler > 0 {
            let n = usize::try_from(this.filler)
                .unwrap_or(usize::MAX)
                .min(FILLER.len());
            this.filler -= n as u64;
            return this.data(Bytes::from_static(&FILLER[..n]));
        }
        match this.tail.take() {
            Some(tail) => this.data(tail),
            None => Poll::Ready(None),
        }
    }
}
