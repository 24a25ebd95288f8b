//! `GET /api/v1/logs`: the System Log as Okta's LogEvent objects, with the
//! same filter grammar and errors as the console, and Okta's `Link` rules:
//! a bounded query (since and until) ends without `next`; a polling query
//! (no until, ascending) always has one, even when it found nothing.

use super::model::LogEvent;
use super::{encode, link_header, origin, ApiError, Caller};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::syslog::EventQuery;
use schemars::JsonSchema;
use serde::Deserialize;

/// Events a page holds when `limit` is not given, and at most.
const PAGE_DEFAULT: usize = 100;
const PAGE_MAX: usize = 1000;

#[derive(Deserialize, Default, JsonSchema)]
pub struct LogsQuery {
    /// From this moment (ISO 8601); by default 7 days ago
    #[schemars(extend("format" = "date-time"))]
    since: Option<String>,
    /// Up to this moment (ISO 8601)
    #[schemars(extend("format" = "date-time"))]
    until: Option<String>,
    /// The cursor of the next page, from the Link header
    after: Option<String>,
    /// An expression over the LogEvent's attributes, such as
    /// `eventType eq "system.import.complete"`
    filter: Option<String>,
    /// Keywords every event found holds
    q: Option<String>,
    /// How many on a page (at most 1,000; 100 by default)
    #[schemars(with = "Option<u32>", range(max = 1000))]
    limit: Option<String>,
    /// ASCENDING (the default) or DESCENDING
    #[serde(rename = "sortOrder")]
    #[schemars(with = "Option<SortOrder>")]
    sort_order: Option<String>,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
#[serde(rename_all = "UPPERCASE")]
enum SortOrder {
    Ascending,
    Descending,
}

/// An ISO 8601 time as the log stores it, or E0000053 naming the parameter.
fn time(name: &str, value: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    chrono::DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.to_utc())
        .map_err(|_| {
            ApiError::bad_query(format!(
                "{name}: {value:?} is not an ISO 8601 time such as 2026-12-01T00:00:00.000Z"
            ))
        })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<LogsQuery>,
) -> Result<Response, ApiError> {
    let descending = match query.sort_order.as_deref() {
        None | Some("ASCENDING") => false,
        Some("DESCENDING") => true,
        Some(other) => {
            return Err(ApiError::bad_query(format!(
                "sortOrder: {other:?} is neither ASCENDING nor DESCENDING"
            )))
        }
    };
    let limit = match query.limit.as_deref() {
        None => PAGE_DEFAULT,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n <= PAGE_MAX => n,
            _ => {
                return Err(ApiError::validation(format!(
                    "limit: {text:?} is not a number from 0 to {PAGE_MAX}"
                )))
            }
        },
    };
    if query.after.is_some() && query.since.is_some() {
        return Err(ApiError::bad_query("after cannot be used with since"));
    }
    let after = match query.after.as_deref() {
        None => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            ApiError::bad_query(format!("after: {text:?} is not a cursor this log gave"))
        })?),
    };
    let now = engine::ids::now();
    let until = query
        .until
        .as_deref()
        .map(|u| time("until", u))
        .transpose()?;
    let since = match query.since.as_deref() {
        Some(s) => Some(time("since", s)?),
        None if after.is_none() => Some(until.unwrap_or(now) - chrono::Duration::days(7)),
        None => None,
    };
    if let (Some(since), Some(until)) = (since, until) {
        if since > until {
            return Err(ApiError::bad_query("since is after until"));
        }
    }
    let filter = query.filter.clone().unwrap_or_default();
    let keywords = query.q.clone().unwrap_or_default();
    let page = match limit {
        0 => None,
        _ => Some(
            state
                .engine
                .read(&admin)
                .query_events(
                    EventQuery {
                        since: since.map(engine::store::stamp),
                        until: until.map(engine::store::stamp),
                        after,
                        limit,
                        descending,
                        ..EventQuery::default()
                    },
                    &filter,
                    &keywords,
                )
                .await?,
        ),
    };
    let link = |after: Option<i64>, since: Option<chrono::DateTime<chrono::Utc>>| {
        let mut path = format!("/api/v1/logs?limit={limit}");
        for (name, value) in [("filter", &filter), ("q", &keywords)] {
            if !value.is_empty() {
                path.push_str(&format!("&{name}={}", encode(value)));
            }
        }
        if let Some(since) = since {
            path.push_str(&format!("&since={}", encode(&engine::store::stamp(since))));
        }
        if let Some(until) = until {
            path.push_str(&format!("&until={}", encode(&engine::store::stamp(until))));
        }
        if let Some(after) = after {
            path.push_str(&format!("&after={after}"));
        }
        if descending {
            path.push_str("&sortOrder=DESCENDING");
        }
        path
    };
    let this = link(after, since);
    let (events, more, last) = match page {
        Some(p) => (p.events, p.next, p.last),
        None => (Vec::new(), None, None),
    };
    let events = events
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<Vec<LogEvent>, _>>()
        .map_err(|e| ApiError::internal(format!("An event of the log cannot be read: {e}")))?;
    let polling = until.is_none() && !descending;
    let next = match (more, polling) {
        (Some(next), _) => Some(link(Some(next), None)),
        // A poll goes on from the last event read, or asks the same again.
        (None, true) => match last.or(after) {
            Some(last) => Some(link(Some(last), None)),
            None => Some(this.clone()),
        },
        (None, false) => None,
    };
    let base = origin(&headers);
    Ok((
        [(header::LINK, link_header(&base, &this, next.as_deref()))],
        Json(events),
    )
        .into_response())
}
