//! The System Log.

use leptos::prelude::*;
use proto::console::{LogCounts, LogPageView, LogRange};

/// Events of the range newest first, narrowed by a filter expression and
/// keywords; `after` continues from a previous page.
#[server]
pub async fn query_logs(
    filter: String,
    q: String,
    range: LogRange,
    after: Option<i64>,
) -> Result<LogPageView, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let query = engine::syslog::EventQuery {
        after,
        limit: 50,
        descending: true,
        since: engine::access::since(range),
        ..Default::default()
    };
    let page = engine
        .read(&admin)
        .query_events(query, &filter, &q)
        .await
        .map_err(to_error)?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let rows = page
        .events
        .iter()
        .map(|e| proto::console::LogRowView {
            uuid: text(&e["uuid"]),
            published: text(&e["published"]),
            actor: text(&e["actor"]["alternateId"]),
            event_type: text(&e["eventType"]),
            message: text(&e["displayMessage"]),
            outcome: text(&e["outcome"]["result"]),
            targets: e["target"]
                .as_array()
                .map(|ts| {
                    ts.iter()
                        .map(|t| text(&t["displayName"]))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            json: serde_json::to_string_pretty(e).unwrap_or_default(),
        })
        .collect();
    Ok(LogPageView {
        rows,
        next: page.next,
    })
}

/// How many events of the range match a filter expression and keywords,
/// and how they spread over the range.
#[server]
pub async fn count_logs(
    filter: String,
    q: String,
    range: LogRange,
) -> Result<LogCounts, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .count_events(&filter, &q, range)
        .await
        .map_err(to_error)
}
