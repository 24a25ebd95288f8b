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

/// A page of System Log rows, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPageView {
    pub rows: Vec<LogRowView>,
    pub next: Option<i64>,
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
}

impl LogRange {
    pub const ALL: [LogRange; 5] = [
        LogRange::LastHour,
        LogRange::Last24Hours,
        LogRange::Last7Days,
        LogRange::Last30Days,
        LogRange::All,
    ];
    /// Its form in a URL.
    pub fn as_str(self) -> &'static str {
        match self {
            LogRange::LastHour => "1h",
            LogRange::Last24Hours => "24h",
            LogRange::Last7Days => "7d",
            LogRange::Last30Days => "30d",
            LogRange::All => "all",
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
        }
    }
    /// How many seconds back it reaches; `None` for all time.
    pub fn seconds(self) -> Option<i64> {
        match self {
            LogRange::LastHour => Some(3600),
            LogRange::Last24Hours => Some(86_400),
            LogRange::Last7Days => Some(7 * 86_400),
            LogRange::Last30Days => Some(30 * 86_400),
            LogRange::All => None,
        }
    }
}
