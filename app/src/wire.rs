//! What the console's server functions send to the browser.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminView {
    pub username: String,
    pub can_write: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub created: String,
    pub assigned_users: i64,
    pub unconfirmed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunView {
    pub id: String,
    pub app_id: String,
    pub import_type: String,
    pub trigger: String,
    pub status: String,
    pub created: String,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub total: Option<i64>,
    pub scanned: i64,
    pub new: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub matched: i64,
    pub conflicts: i64,
    pub errors: i64,
    pub message: Option<String>,
    /// Rows read per second so far, for a running import.
    pub rate: Option<f64>,
}

impl RunView {
    pub fn is_active(&self) -> bool {
        self.status == "RUNNING" || self.status == "QUEUED"
    }
}

/// An uploaded CSV file, previewed (the upload route's JSON answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadView {
    pub id: String,
    pub file_name: String,
    pub size: u64,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub row_count: u64,
    pub problems: Vec<String>,
    pub custom_attributes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRowView {
    pub seq: i64,
    pub match_type: String,
    pub match_label: String,
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub matched_user_login: Option<String>,
    pub candidates: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowErrorView {
    pub line: Option<i64>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub status: String,
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub source: Option<String>,
    pub created: String,
}

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogPageView {
    pub rows: Vec<LogRowView>,
    pub next: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfirmView {
    pub created: i64,
    pub activated: i64,
    pub linked: i64,
    pub skipped: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub apps: i64,
    pub users: i64,
    pub unconfirmed: i64,
    pub recent: Vec<(String, RunView)>,
}
