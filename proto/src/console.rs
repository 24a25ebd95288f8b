//! What only the console shows: who is signed in, the paused-import banner
//! and System Log rows and counts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The signed-in admin, as the console shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminView {
    pub username: String,
    pub can_write: bool,
}

/// An API token, for Security → API: never its value, which is shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: String,
    pub name: String,
    /// The admin it acts as.
    pub created_by: String,
    pub created: String,
    pub last_used: Option<String>,
}

/// A token just created: its value, shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub token: ApiTokenView,
    pub value: String,
}

/// One of the signed-in admin's sessions, for the Your sessions page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: String,
    pub created: String,
    pub last_seen: String,
    pub expires: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The session this request carries.
    pub current: bool,
}

/// An import stopped at a safeguard, for the banner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PausedRunView {
    pub run_id: String,
    pub app_id: String,
    pub app_name: String,
    pub message: String,
}

/// One System Log event as a row of the log page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRowView {
    pub uuid: String,
    pub published: String,
    pub actor: String,
    pub event_type: String,
    pub message: String,
    pub outcome: String,
    pub targets: String,
    /// The whole LogEvent, pretty-printed.
    pub json: String,
}

/// A page of System Log rows, newest first, and the cursors of the pages
/// either side of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPageView {
    pub rows: Vec<LogRowView>,
    /// Older events follow this cursor, when there may be some.
    pub older: Option<i64>,
    /// Newer events precede this cursor, unless the page is the newest.
    pub newer: Option<i64>,
    /// The search stopped at its budget before the page was full.
    pub stopped: Option<LogSearchStop>,
}

/// Where a System Log search stopped at its budget: how many events it read
/// and the time of the last one. What lies beyond was not searched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogSearchStop {
    pub scanned: i64,
    pub reached: DateTime<Utc>,
}

/// How many events a System Log view matches, and when they happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogCounts {
    /// Matching events counted; counting stops at [`LogCounts::MAX`].
    pub total: i64,
    /// More events match than were counted.
    pub more: bool,
    /// The range in equal slices, oldest first; empty when nothing matches.
    pub buckets: Vec<LogBucket>,
    /// Counting stopped at the search budget, this far back.
    pub stopped: Option<LogSearchStop>,
}

impl LogCounts {
    /// The most events one count reads.
    pub const MAX: i64 = 100_000;
    /// The slices a range is cut into.
    pub const BUCKETS: usize = 24;
}

/// The events of one slice of a System Log range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogBucket {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub count: i64,
}

/// How far back the System Log looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum LogRange {
    LastHour,
    #[default]
    Last24Hours,
    Last7Days,
    Last30Days,
    All,
    /// Between two moments the admin picks.
    Custom,
}

impl LogRange {
    pub const ALL: [LogRange; 6] = [
        LogRange::LastHour,
        LogRange::Last24Hours,
        LogRange::Last7Days,
        LogRange::Last30Days,
        LogRange::All,
        LogRange::Custom,
    ];
    /// Its form in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            LogRange::LastHour => "1h",
            LogRange::Last24Hours => "24h",
            LogRange::Last7Days => "7d",
            LogRange::Last30Days => "30d",
            LogRange::All => "all",
            LogRange::Custom => "custom",
        }
    }
    pub fn parse(s: &str) -> Option<LogRange> {
        LogRange::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            LogRange::LastHour => "Last hour",
            LogRange::Last24Hours => "Last 24 hours",
            LogRange::Last7Days => "Last 7 days",
            LogRange::Last30Days => "Last 30 days",
            LogRange::All => "All time",
            LogRange::Custom => "Custom range",
        }
    }
    /// How many seconds back it reaches; `None` for all time or a custom
    /// range.
    pub fn seconds(self) -> Option<i64> {
        match self {
            LogRange::LastHour => Some(3600),
            LogRange::Last24Hours => Some(86_400),
            LogRange::Last7Days => Some(7 * 86_400),
            LogRange::Last30Days => Some(30 * 86_400),
            LogRange::All | LogRange::Custom => None,
        }
    }
}

/// The time a System Log view covers: a range back from now, or a custom
/// range from one moment to another (or to now).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogWindow {
    pub range: LogRange,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl LogWindow {
    /// A window from a URL's text: the range's short form and, for a custom
    /// range, RFC 3339 times. Errors name the field and the value.
    pub fn parse(range: &str, from: &str, to: &str) -> Result<LogWindow, String> {
        let range = match range.trim() {
            "" => LogRange::default(),
            text => LogRange::parse(text).ok_or_else(|| {
                let known: Vec<&str> = LogRange::ALL.iter().map(|r| r.as_str()).collect();
                format!("Time range: \"{text}\" is not one of {}", known.join(", "))
            })?,
        };
        if range != LogRange::Custom {
            return Ok(LogWindow {
                range,
                ..Default::default()
            });
        }
        let time = |field: &str, text: &str| match text.trim() {
            "" => Ok(None),
            t => DateTime::parse_from_rfc3339(t)
                .map(|at| Some(at.to_utc()))
                .map_err(|_| format!("{field}: \"{t}\" is not a date and time")),
        };
        let (from, to) = (time("From", from)?, time("To", to)?);
        let Some(start) = from else {
            return Err("A custom range needs a From date and time".into());
        };
        if let Some(end) = to {
            if end <= start {
                return Err(format!(
                    "The custom range ends ({}) before it starts ({})",
                    end.format("%Y-%m-%d %H:%M UTC"),
                    start.format("%Y-%m-%d %H:%M UTC")
                ));
            }
        }
        Ok(LogWindow { range, from, to })
    }

    /// Where it starts and ends at `now`; `None` is open.
    pub fn bounds(&self, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        match self.range {
            LogRange::Custom => (self.from, self.to),
            range => (
                range.seconds().map(|s| now - chrono::Duration::seconds(s)),
                None,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_reads_its_range_and_a_custom_ranges_times() {
        assert_eq!(
            LogWindow::parse("", "", "").unwrap().range,
            LogRange::Last24Hours
        );
        let w = LogWindow::parse("7d", "2026-01-01T00:00:00Z", "").unwrap();
        assert_eq!((w.range, w.from), (LogRange::Last7Days, None));
        let w = LogWindow::parse(
            "custom",
            "2026-01-01T09:00:00+09:00",
            "2026-01-02T00:00:00Z",
        )
        .unwrap();
        assert_eq!(w.from.unwrap().to_rfc3339(), "2026-01-01T00:00:00+00:00");
        let now = Utc::now();
        assert_eq!(w.bounds(now), (w.from, w.to));
        assert_eq!(
            LogWindow::parse("2d", "", ""),
            Err("Time range: \"2d\" is not one of 1h, 24h, 7d, 30d, all, custom".into())
        );
        assert_eq!(
            LogWindow::parse("custom", "yesterday", ""),
            Err("From: \"yesterday\" is not a date and time".into())
        );
        assert!(LogWindow::parse("custom", "", "")
            .unwrap_err()
            .contains("needs a From"));
        assert!(
            LogWindow::parse("custom", "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z")
                .unwrap_err()
                .contains("ends (2026-01-01 00:00 UTC) before it starts (2026-01-02 00:00 UTC)")
        );
    }
}

/// A bulk import session of a Custom Identity Source, for its Import tab
/// and the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportSessionView {
    pub id: String,
    pub app_id: String,
    pub status: crate::SessionStatus,
    pub created: String,
    pub last_updated: String,
    /// Bulk requests received.
    pub requests: i64,
    /// Users staged (to create or update, and to deactivate).
    pub users: i64,
    /// The import it started, once started.
    pub run_id: Option<String>,
}
