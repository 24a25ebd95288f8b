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
    pub preview: bool,
    /// A preview's plan, or what a paused run waits on.
    pub plan: Option<PlanView>,
}

impl RunView {
    pub fn is_active(&self) -> bool {
        self.status == "RUNNING" || self.status == "QUEUED"
    }
}

/// One part of a plan: a title, how many users in all, the first ones as
/// (user, what happens to them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSectionView {
    pub key: String,
    pub title: String,
    pub total: i64,
    pub rows: Vec<(String, String)>,
}

/// A run's plan as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub sections: Vec<PlanSectionView>,
    /// The safeguard the run trips (or would), in words.
    pub roadblock: Option<String>,
}

/// An import stopped at a safeguard, for the banner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PausedRunView {
    pub run_id: String,
    pub app_id: String,
    pub app_name: String,
    pub message: String,
}

// The To Muster settings as the Provisioning tab edits them. They travel as
// the engine's settings JSON (`engine::settings::AppSettings`), so the field
// names and shapes below are that JSON's.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleForm {
    /// `Never`, `Hourly`, `Daily` or `Weekly`.
    pub frequency: String,
    pub interval: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsernameFormatForm {
    /// `Email`, `EmailPrefix`, `Attribute` or `Custom`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeguardForm {
    pub enabled: bool,
    pub percent: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchingForm {
    pub username: bool,
    pub email: bool,
    pub attribute: Option<String>,
    pub allow_partial: bool,
    pub auto_confirm_exact: bool,
    pub auto_confirm_partial: bool,
    pub auto_confirm_new: bool,
    pub auto_activate_new: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourcingForm {
    pub enabled: bool,
    /// `DoNothing`, `Deactivate` or `Suspend`.
    pub on_deactivated: String,
    pub reactivate_suspended: bool,
    pub reactivate_deactivated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingForm {
    pub attribute: String,
    pub expression: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsForm {
    pub incremental_schedule: ScheduleForm,
    pub full_schedule: ScheduleForm,
    pub username_format: UsernameFormatForm,
    pub safeguard: SafeguardForm,
    pub matching: MatchingForm,
    pub sourcing: SourcingForm,
    pub mappings: Vec<MappingForm>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgSettingsForm {
    pub safeguard: SafeguardForm,
}

/// The mappings evaluated on a row of the last import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingPreviewView {
    pub external_id: String,
    pub profile: Vec<(String, String)>,
    pub error: Option<String>,
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
    pub candidate_logins: Vec<String>,
    /// The admin's decision: `CREATE`, `LINK` or `IGNORE`; `None` by match type.
    pub action: Option<String>,
    pub action_user_login: Option<String>,
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
    /// Every profile attribute, as name and value.
    pub profile: Vec<(String, String)>,
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
    pub ignored: i64,
    pub skipped: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashboardView {
    pub apps: i64,
    pub users: i64,
    pub unconfirmed: i64,
    pub recent: Vec<(String, RunView)>,
}
