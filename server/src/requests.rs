//! Every request gets an id: answers carry it (`x-request-id`), and every
//! log line written while serving it names it, so an error a browser or an
//! API client reports can be found in the server's log. One line per
//! request says what was asked, what was answered and how long it took.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;
use web::RequestId;

pub async fn identify(mut req: Request, next: Next) -> Response {
    let id = RequestId::new();
    req.extensions_mut().insert(id.clone());
    let span = tracing::info_span!("request", request_id = %id.0);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let start = Instant::now();
    let mut res = web::serving(id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    let status = res.status().as_u16();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            target: "muster::http",
            %method,
            path,
            route = route.as_deref().unwrap_or(""),
            status,
            ms = format!("{ms:.1}"),
            "answered"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id.0) {
        res.headers_mut().insert("x-request-id", value);
    }
    res
}
