//! Domain types: values that can only hold valid data, and the read models the
//! engine hands out.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Length limits of Okta's user profile (see OKTA-API.md).
pub const LOGIN_MAX: usize = 100;
pub const EMAIL_MIN: usize = 5;
pub const EMAIL_MAX: usize = 100;
pub const NAME_MAX: usize = 50;
pub const PHONE_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 4096;
pub const EXTERNAL_ID_MAX: usize = 512;
/// Any other profile attribute.
pub const ATTRIBUTE_MAX: usize = 4096;

/// The profile attributes every imported user must have.
pub const REQUIRED_ATTRIBUTES: [&str; 4] = ["login", "firstName", "lastName", "email"];

/// The form logins and emails are compared in: Unicode default case
/// folding, so `STRASSE` and `straße`, `ΣΊΣΥΦΟΣ` and `σίσυφος` are one. The
/// store keeps this key beside each login and email.
pub fn fold(s: &str) -> String {
    // ASCII folds to ASCII lower case; only other text needs the tables.
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        caseless::default_case_fold_str(s)
    }
}

/// A user's login: unique case-insensitively, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(value: &str) -> Result<Login, String> {
        let v = value.trim();
        if v.is_empty() {
            return Err("login is required".into());
        }
        if v.chars().count() > LOGIN_MAX {
            return Err(format!("login is longer than {LOGIN_MAX} characters"));
        }
        if v.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("login must not contain spaces or control characters".into());
        }
        Ok(Login(v.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The form logins are compared in.
    pub fn key(&self) -> String {
        fold(&self.0)
    }
}

/// An email address: 5–100 characters, `local@domain.tld`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Email, String> {
        let v = value.trim();
        if v.is_empty() {
            return Err("email is required".into());
        }
        let valid = match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
                    && !v.chars().any(|c| {
                        c.is_whitespace() || c.is_control() || c == ',' || c == '<' || c == '>'
                    })
            }
            None => false,
        };
        if !valid {
            return Err("is not an email address".into());
        }
        let len = v.chars().count();
        if !(EMAIL_MIN..=EMAIL_MAX).contains(&len) {
            return Err(format!(
                "email must be {EMAIL_MIN} to {EMAIL_MAX} characters"
            ));
        }
        Ok(Email(v.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn key(&self) -> String {
        fold(&self.0)
    }
}

/// One problem with one field of one imported record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub value: String,
    pub message: String,
}

/// A validated user profile: the four required attributes plus any others,
/// in the order the source gave them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserProfile {
    pub login: Login,
    pub email: Email,
    pub first_name: String,
    pub last_name: String,
    /// Every attribute, including the four above, as profile JSON.
    pub attributes: serde_json::Map<String, serde_json::Value>,
}

impl UserProfile {
    /// Builds a profile from source attributes, or every problem found.
    pub fn from_attributes(attrs: &[(String, String)]) -> Result<UserProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let fail = |errors: &mut Vec<FieldError>, field: &str, value: &str, message: String| {
            errors.push(FieldError {
                field: field.into(),
                value: value.into(),
                message,
            });
        };
        let login = Login::parse(get("login"))
            .map_err(|m| fail(&mut errors, "login", get("login"), m))
            .ok();
        let email = Email::parse(get("email"))
            .map_err(|m| fail(&mut errors, "email", get("email"), m))
            .ok();
        let mut name = |field: &str| {
            let v = get(field).trim();
            if v.is_empty() {
                fail(&mut errors, field, v, format!("{field} is required"));
            } else if v.chars().count() > NAME_MAX {
                fail(
                    &mut errors,
                    field,
                    v,
                    format!("{field} is longer than {NAME_MAX} characters"),
                );
            }
            v.to_owned()
        };
        let first_name = name("firstName");
        let last_name = name("lastName");
        let mut attributes = serde_json::Map::new();
        for (key, value) in attrs {
            let limit = match key.as_str() {
                "login" | "email" | "firstName" | "lastName" => None,
                "secondEmail" => Some(EMAIL_MAX),
                "mobilePhone" | "primaryPhone" => Some(PHONE_MAX),
                "homeAddress" | "streetAddress" => Some(ADDRESS_MAX),
                _ => Some(ATTRIBUTE_MAX),
            };
            if let Some(limit) = limit {
                if value.chars().count() > limit {
                    fail(
                        &mut errors,
                        key,
                        value,
                        format!("{key} is longer than {limit} characters"),
                    );
                }
            }
            if !value.is_empty() {
                attributes.insert(
                    key.clone(),
                    serde_json::Value::String(value.trim().to_owned()),
                );
            }
        }
        match (login, email) {
            (Some(login), Some(email)) if errors.is_empty() => Ok(UserProfile {
                login,
                email,
                first_name,
                last_name,
                attributes,
            }),
            _ => Err(errors),
        }
    }
}

/// The kinds of app Muster can import from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AppKind {
    CsvDirectory,
}

impl AppKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::CsvDirectory => "CSV_DIRECTORY",
        }
    }
    pub fn parse(s: &str) -> Option<AppKind> {
        match s {
            "CSV_DIRECTORY" => Some(AppKind::CsvDirectory),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AppKind::CsvDirectory => "CSV Directory",
        }
    }
}

/// Okta's user statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    Staged,
    Provisioned,
    Active,
    Recovery,
    PasswordExpired,
    LockedOut,
    Suspended,
    Deprovisioned,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
        }
    }
}

/// Full reads the whole source; incremental only what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportType {
    Full,
    Incremental,
}

impl ImportType {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportType::Full => "Full",
            ImportType::Incremental => "Incremental",
        }
    }
    pub fn parse(s: &str) -> Option<ImportType> {
        match s {
            "Full" | "FULL" | "full" => Some(ImportType::Full),
            "Incremental" | "INCREMENTAL" | "incremental" => Some(ImportType::Incremental),
            _ => None,
        }
    }
}

/// What started an import, as the System Log's `importTrigger` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportTrigger {
    Manual,
    Scheduled,
    Api,
}

impl ImportTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportTrigger::Manual => "Manual action",
            ImportTrigger::Scheduled => "Scheduled",
            ImportTrigger::Api => "API",
        }
    }
}

/// The result of matching an imported user against the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchType {
    New,
    Exact,
    Partial,
    Conflict,
}

impl MatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::New => "NEW",
            MatchType::Exact => "EXACT",
            MatchType::Partial => "PARTIAL",
            MatchType::Conflict => "CONFLICT",
        }
    }
    pub fn parse(s: &str) -> Option<MatchType> {
        match s {
            "NEW" => Some(MatchType::New),
            "EXACT" => Some(MatchType::Exact),
            "PARTIAL" => Some(MatchType::Partial),
            "CONFLICT" => Some(MatchType::Conflict),
            _ => None,
        }
    }
    /// The words the console shows.
    pub fn label(self) -> &'static str {
        match self {
            MatchType::New => "New",
            MatchType::Exact => "Exact match",
            MatchType::Partial => "Partial match",
            MatchType::Conflict => "Conflict",
        }
    }
}

impl fmt::Display for MatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What an admin may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdminRole {
    SuperAdmin,
    /// Can look but not change.
    ReadOnlyAdmin,
}

impl AdminRole {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminRole::SuperAdmin => "SUPER_ADMIN",
            AdminRole::ReadOnlyAdmin => "READ_ONLY_ADMIN",
        }
    }
    pub fn parse(s: &str) -> Option<AdminRole> {
        match s {
            "SUPER_ADMIN" => Some(AdminRole::SuperAdmin),
            "READ_ONLY_ADMIN" => Some(AdminRole::ReadOnlyAdmin),
            _ => None,
        }
    }
}

/// A signed-in console administrator. Only the engine makes one (from a
/// session or a sign-in), so holding one proves who is asking.
/// Other crates cannot make one up (`non_exhaustive`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Admin {
    pub id: String,
    pub username: String,
    pub role: AdminRole,
}

impl Admin {
    pub(crate) fn new(id: String, username: String, role: AdminRole) -> Admin {
        Admin { id, username, role }
    }
    pub fn can_write(&self) -> bool {
        self.role == AdminRole::SuperAdmin
    }
}

/// An app as the console lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct App {
    pub id: String,
    pub name: String,
    pub kind: AppKind,
    pub status: String,
    pub created: String,
    pub assigned_users: i64,
    pub unconfirmed: i64,
}

/// One user of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub status: String,
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub profile: serde_json::Value,
    pub source_app_id: Option<String>,
    pub source_app_name: Option<String>,
    pub created: String,
    pub activated: Option<String>,
    pub status_changed: Option<String>,
    pub last_updated: String,
}

/// One page of a list, with the total across all pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// The state of an import run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunStatus {
    Queued,
    Running,
    /// Stopped at an import safeguard before removing anyone.
    Paused,
    /// The admin chose Resume: the kept removals are being applied.
    Resuming,
    Completed,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "QUEUED",
            RunStatus::Running => "RUNNING",
            RunStatus::Paused => "PAUSED",
            RunStatus::Resuming => "RESUMING",
            RunStatus::Completed => "COMPLETED",
            RunStatus::Failed => "FAILED",
        }
    }
    pub fn parse(s: &str) -> Option<RunStatus> {
        match s {
            "QUEUED" => Some(RunStatus::Queued),
            "RUNNING" => Some(RunStatus::Running),
            "PAUSED" => Some(RunStatus::Paused),
            "RESUMING" => Some(RunStatus::Resuming),
            "COMPLETED" => Some(RunStatus::Completed),
            "FAILED" => Some(RunStatus::Failed),
            _ => None,
        }
    }
}

/// What an import run counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    pub scanned: i64,
    pub new: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub matched: i64,
    pub conflicts: i64,
    pub errors: i64,
}

/// One import of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRun {
    pub id: String,
    pub app_id: String,
    pub import_type: ImportType,
    pub trigger: String,
    pub status: RunStatus,
    pub upload_id: Option<String>,
    pub created: String,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub total: Option<i64>,
    pub counts: RunCounts,
    pub message: Option<String>,
    /// A preview writes nothing but its plan.
    pub preview: bool,
    /// A preview's plan; a paused run's roadblock.
    pub plan: Option<Plan>,
}

/// Users listed in one part of a plan: the first ones and how many in all.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanSection<T> {
    pub total: i64,
    pub items: Vec<T>,
}

/// Entries listed per part of a plan; the total counts them all.
pub const PLAN_ITEMS: usize = 500;

impl<T> PlanSection<T> {
    pub fn push(&mut self, item: T) {
        self.total += 1;
        if self.items.len() < PLAN_ITEMS {
            self.items.push(item);
        }
    }
}

/// An imported user in a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanUser {
    pub external_id: String,
    pub login: String,
    /// The Muster user it is linked or matched to, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_type: Option<MatchType>,
}

/// One attribute a run changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeChange {
    pub attribute: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A linked user whose profile a run changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanUpdate {
    pub external_id: String,
    pub login: String,
    pub changes: Vec<AttributeChange>,
}

/// A safeguard that stops a run's removals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Roadblock {
    /// `"APP"` or `"ORG"`.
    pub level: String,
    /// The limit, in percent.
    pub threshold: u32,
    /// The share of users the run would remove, in percent.
    pub percentage: f64,
    pub removals: i64,
    /// The users the share is of: the app's or the org's assignments.
    pub assigned: i64,
}

/// What a run does (a preview) or would have done: users to create and
/// link, profile changes, removals, and the safeguard it trips.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    pub create: PlanSection<PlanUser>,
    pub link: PlanSection<PlanUser>,
    pub conflict: PlanSection<PlanUser>,
    pub update: PlanSection<PlanUpdate>,
    pub deactivate: PlanSection<PlanUser>,
    pub suspend: PlanSection<PlanUser>,
    pub unassign: PlanSection<PlanUser>,
    pub reactivate: PlanSection<PlanUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roadblock: Option<Roadblock>,
}

/// A row of an import that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Line number in the source file (1 is the header), when it has lines.
    pub line: Option<i64>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

/// An unconfirmed import result awaiting the admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub seq: i64,
    pub external_id: String,
    pub match_type: MatchType,
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub matched_user_id: Option<String>,
    pub matched_user_login: Option<String>,
    pub candidates: i64,
    /// Logins of every candidate of a partial match or conflict.
    pub candidate_logins: Vec<String>,
    /// The admin's decision: `CREATE`, `LINK` or `IGNORE`.
    pub action: Option<String>,
    pub action_user_login: Option<String>,
}

/// What confirming a queue row should do, as the admin chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueAction {
    /// As the match type says: create a new user, link a match.
    Default,
    Create,
    /// Link to the match, or to this user.
    Link(Option<String>),
    Ignore,
}

/// Mappings evaluated on one imported row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappingPreview {
    pub external_id: String,
    pub profile: Vec<(String, String)>,
    pub error: Option<String>,
}

/// An uploaded CSV file, previewed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadPreview {
    pub id: String,
    pub file_name: String,
    pub size: u64,
    pub columns: Vec<String>,
    /// The first rows, as read.
    pub rows: Vec<Vec<String>>,
    pub row_count: u64,
    /// What stops this file being imported; empty when it can be.
    pub problems: Vec<String>,
    /// Columns beyond the standard ones, which become custom profile attributes.
    pub custom_attributes: Vec<String>,
    /// Encodings the file can be read in instead: offered when it is text
    /// but not UTF-8.
    pub encodings: Vec<TextEncoding>,
    /// The encoding the file was read in and converted to UTF-8 from.
    pub decoded_from: Option<TextEncoding>,
}

/// An encoding that an upload which is not UTF-8 can be read in. The file is
/// converted to UTF-8 once, when the admin chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextEncoding {
    /// Western European Windows: what Excel's "CSV (Comma delimited)" saves
    /// on Windows set up for English, French, German, Spanish and the like.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// Every encoding offered for a file that is not UTF-8.
    pub const ALL: [TextEncoding; 1] = [TextEncoding::Windows1252];

    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Windows1252 => "windows-1252",
        }
    }
    pub fn parse(s: &str) -> Option<TextEncoding> {
        TextEncoding::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(s.trim()))
    }
    pub(crate) fn encoding(self) -> &'static encoding_rs::Encoding {
        match self {
            TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }
}

/// What confirming a set of queue rows did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmOutcome {
    pub created: i64,
    pub activated: i64,
    pub linked: i64,
    pub ignored: i64,
    pub skipped: i64,
}

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub apps: i64,
    pub users: i64,
    pub unconfirmed: i64,
    /// The latest imports, with their app's name.
    pub recent: Vec<(String, ImportRun)>,
}

/// Seconds from an ISO-8601 timestamp until now.
pub fn seconds_since(ts: &str) -> Option<f64> {
    let t = chrono::DateTime::parse_from_rfc3339(ts).ok()?;
    Some((chrono::Utc::now() - t.with_timezone(&chrono::Utc)).num_milliseconds() as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn email_rules() {
        assert!(Email::parse("a@b.co").is_ok());
        assert!(Email::parse("a@b").is_err());
        assert!(Email::parse("a@@b.co").is_err());
        assert!(Email::parse("a b@c.co").is_err());
        assert!(Email::parse("@b.co").is_err());
        assert!(Email::parse("a@b.").is_err());
        assert!(Email::parse(&format!("{}@b.co", "x".repeat(100))).is_err());
    }

    #[test]
    fn login_compares_case_insensitively() {
        let a = Login::parse("Ann@Example.com").unwrap();
        let b = Login::parse("ann@example.COM").unwrap();
        assert_eq!(a.key(), b.key());
        assert!(Login::parse("has space").is_err());
        assert!(Login::parse(&"x".repeat(101)).is_err());
    }

    #[test]
    fn logins_and_emails_fold_for_all_of_unicode() {
        let key = |s: &str| Login::parse(s).unwrap().key();
        assert_eq!(key("STRASSE@Example.com"), key("straße@example.com"));
        assert_eq!(key("ΣΊΣΥΦΟΣ"), key("σίσυφος"));
        assert_eq!(key("ÉLODIE"), key("élodie"));
        assert_ne!(key("elodie"), key("élodie"));
        let email = |s: &str| Email::parse(s).unwrap().key();
        assert_eq!(email("GROSS@Straße.de"), email("gross@STRASSE.de"));
    }

    #[test]
    fn profile_reports_every_problem() {
        let errs = UserProfile::from_attributes(&attrs(&[
            ("login", ""),
            ("firstName", "Ann"),
            ("lastName", &"L".repeat(51)),
            ("email", "nope"),
        ]))
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["login", "email", "lastName"]);
    }

    #[test]
    fn profile_keeps_custom_attributes() {
        let p = UserProfile::from_attributes(&attrs(&[
            ("login", "ann@example.com"),
            ("firstName", "Ann"),
            ("lastName", "Lee"),
            ("email", "ann@example.com"),
            ("department", "Finance"),
            ("costCenter", ""),
        ]))
        .unwrap();
        assert_eq!(p.attributes["department"], "Finance");
        assert!(!p.attributes.contains_key("costCenter"));
    }
}
