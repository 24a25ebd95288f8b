//! `/metrics` in the Prometheus text format, for operators: requests and
//! their latency by route, import runs by status, rows imported, the import
//! queue's depth and failed sign-ins. Off unless a token is configured;
//! then a scrape must carry it as `Authorization: Bearer <token>`.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// The latency buckets, in seconds.
const BUCKETS: [f64; 9] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Debug, Default, Clone)]
struct Latency {
    count: u64,
    sum: f64,
    /// How many took at most each bucket's bound.
    within: [u64; BUCKETS.len()],
}

/// What the server counts of its requests, by route.
#[derive(Debug, Default)]
pub struct RequestMetrics {
    /// Requests by (route, method, status).
    counts: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// Latency by route.
    latency: Mutex<BTreeMap<String, Latency>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl RequestMetrics {
    fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        *lock(&self.counts)
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default() += 1;
        let mut latency = lock(&self.latency);
        let l = latency.entry(route.to_owned()).or_default();
        l.count += 1;
        l.sum += seconds;
        for (bound, within) in BUCKETS.iter().zip(l.within.iter_mut()) {
            if seconds <= *bound {
                *within += 1;
            }
        }
    }
}

/// Counts every request under the route it matched (a page, a server
/// function, a console route), or "other" for files and unknown paths.
pub async fn count(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("other", |m| m.as_str())
        .to_owned();
    let method = req.method().as_str().to_owned();
    let start = Instant::now();
    let res = next.run(req).await;
    state.requests.record(
        &route,
        &method,
        res.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    res
}

/// A label value with `\`, `"` and line breaks escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn authorised(expected: &str, headers: &HeaderMap) -> bool {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared as hashes, so the time taken says nothing of the token.
    engine::auth::token_hash(given) == engine::auth::token_hash(expected)
}

/// `GET /metrics`.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.http.metrics_token.as_deref() else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    if !authorised(expected, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "A metrics token is required",
        )
            .into_response();
    }
    let gauges = match state.engine.operating_counts().await {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the counts for /metrics");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The database does not answer",
            )
                .into_response();
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP muster_http_requests_total HTTP requests answered, by route, method and status."
    );
    let _ = writeln!(out, "# TYPE muster_http_requests_total counter");
    for ((route, method, status), n) in lock(&state.requests.counts).iter() {
        let _ = writeln!(
            out,
            "muster_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
            label(route)
        );
    }
    let _ = writeln!(
        out,
        "# HELP muster_http_request_duration_seconds Time to answer, by route."
    );
    let _ = writeln!(out, "# TYPE muster_http_request_duration_seconds histogram");
    for (route, l) in lock(&state.requests.latency).iter() {
        let route = label(route);
        for (bound, within) in BUCKETS.iter().zip(l.within.iter()) {
            let _ = writeln!(
                out,
                "muster_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {within}"
            );
        }
        let _ = writeln!(
            out,
            "muster_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
            l.count
        );
        let _ = writeln!(
            out,
            "muster_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
            l.sum
        );
        let _ = writeln!(
            out,
            "muster_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
            l.count
        );
    }
    let _ = writeln!(out, "# HELP muster_import_runs Import runs, by status.");
    let _ = writeln!(out, "# TYPE muster_import_runs gauge");
    for (status, n) in &gauges.runs_by_status {
        let _ = writeln!(
            out,
            "muster_import_runs{{status=\"{}\"}} {n}",
            label(status)
        );
    }
    for (name, kind, help, value) in [
        (
            "muster_import_rows_scanned_total",
            "counter",
            "Rows read by imports.",
            gauges.rows_scanned,
        ),
        (
            "muster_import_queue_depth",
            "gauge",
            "Imported users waiting for confirmation.",
            gauges.queue_depth,
        ),
        (
            "muster_sign_in_failures_total",
            "counter",
            "Failed sign-ins since the server started.",
            gauges.sign_in_failures,
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        let _ = writeln!(out, "{name} {value}");
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}
