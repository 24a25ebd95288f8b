//! What only the console shows: who is signed in, the paused-import banner
//! and System Log rows.

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
