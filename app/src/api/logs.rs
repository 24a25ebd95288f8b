//! The System Log.

use leptos::prelude::*;
use proto::console::{LogCounts, LogPageView};

/// A page of the view's events, newest first: the newest, those older than
/// `older`, or those newer than `newer`. The window is a range's short form
/// and, for a custom range, RFC 3339 `from` and `to`.
#[server]
#[allow(clippy::too_many_arguments)]
pub async fn query_logs(
    filter: String,
    q: String,
    range: String,
    from: String,
    to: String,
    older: Option<i64>,
    newer: Option<i64>,
) -> Result<LogPageView, ServerFnError> {
    use super::ssr::*;
    use engine::access::LogCursor;
    use proto::console::LogWindow;
    let (engine, admin) = require_admin().await?;
    let window = LogWindow::parse(&range, &from, &to).map_err(invalid)?;
    let at = match (older, newer) {
        (Some(cursor), _) => LogCursor::Older(cursor),
        (None, Some(cursor)) => LogCursor::Newer(cursor),
        (None, None) => LogCursor::Newest,
    };
    let page = engine
        .read(&admin)
        .log_page(&filter, &q, &window, at, 50)
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
        older: page.older,
        newer: page.newer,
        stopped: page.stopped,
    })
}

/// How many events of the range match a filter expression and keywords,
/// and how they spread over the range.
#[server]
pub async fn count_logs(
    filter: String,
    q: String,
    range: String,
    from: String,
    to: String,
) -> Result<LogCounts, ServerFnError> {
    use super::ssr::*;
    use proto::console::LogWindow;
    let (engine, admin) = require_admin().await?;
    let window = LogWindow::parse(&range, &from, &to).map_err(invalid)?;
    engine
        .read(&admin)
        .count_events(&filter, &q, &window)
        .await
        .map_err(to_error)
}
