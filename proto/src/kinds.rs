//! Every status, type and choice that is stored, shown and exchanged, as
//! enums. Each has one text form in the database (`as_str`); an unknown
//! stored text is an error when read, never a default.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The kinds of app Muster can import from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum AppKind {
    CsvDirectory,
    /// An LDAP directory (OpenLDAP and the like).
    LdapDirectory,
    ActiveDirectory,
    /// Records pushed by automation through the API's bulk import sessions
    /// (`/api/v1/identity-sources/{id}/sessions`).
    CustomIdentitySource,
    /// A SCIM 2.0 app, read (and provisioned) through its API.
    ScimApp,
}

impl AppKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::CsvDirectory => "CSV_DIRECTORY",
            AppKind::LdapDirectory => "LDAP_DIRECTORY",
            AppKind::ActiveDirectory => "ACTIVE_DIRECTORY",
            AppKind::CustomIdentitySource => "CUSTOM_IDENTITY_SOURCE",
            AppKind::ScimApp => "SCIM_APP",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AppKind::CsvDirectory => "CSV Directory",
            AppKind::LdapDirectory => "LDAP Directory",
            AppKind::ActiveDirectory => "Active Directory",
            AppKind::CustomIdentitySource => "Custom Identity Source",
            AppKind::ScimApp => "SCIM 2.0 app",
        }
    }
    /// A directory server Muster connects to (Directory Integrations).
    pub fn is_directory(self) -> bool {
        matches!(self, AppKind::LdapDirectory | AppKind::ActiveDirectory)
    }
    /// Muster connects to it and reads it (Import Now): a directory or a
    /// SCIM app, with a connection set on its Provisioning tab.
    pub fn is_connected(self) -> bool {
        self.is_directory() || self == AppKind::ScimApp
    }
    /// Its records are pushed through the API, never read by Muster.
    pub fn is_pushed(self) -> bool {
        self == AppKind::CustomIdentitySource
    }
}

/// Whether an app is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum AppStatus {
    Active,
    Inactive,
}

impl AppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Active => "ACTIVE",
            AppStatus::Inactive => "INACTIVE",
        }
    }
}

/// Okta's user statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
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
    /// Every status, in the order of a user's life.
    pub const ALL: [UserStatus; 8] = [
        UserStatus::Staged,
        UserStatus::Provisioned,
        UserStatus::Active,
        UserStatus::Recovery,
        UserStatus::PasswordExpired,
        UserStatus::LockedOut,
        UserStatus::Suspended,
        UserStatus::Deprovisioned,
    ];

    /// The status its text names (`ACTIVE`), in any case.
    pub fn parse(s: &str) -> Option<UserStatus> {
        UserStatus::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s.trim()))
    }

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

impl UserStatus {
    /// What the console writes beside the status, as Okta's admin console
    /// does: DEPROVISIONED is "Deactivated".
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Staged => "Staged",
            UserStatus::Provisioned => "Pending user action",
            UserStatus::Active => "Active",
            UserStatus::Recovery => "Password reset",
            UserStatus::PasswordExpired => "Password expired",
            UserStatus::LockedOut => "Locked out",
            UserStatus::Suspended => "Suspended",
            UserStatus::Deprovisioned => "Deactivated",
        }
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an admin can do to a person's status: Okta's lifecycle operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lifecycle {
    Activate,
    Suspend,
    Unsuspend,
    Deactivate,
    Reactivate,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 5] = [
        Lifecycle::Activate,
        Lifecycle::Suspend,
        Lifecycle::Unsuspend,
        Lifecycle::Deactivate,
        Lifecycle::Reactivate,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Lifecycle::Activate => "Activate",
            Lifecycle::Suspend => "Suspend",
            Lifecycle::Unsuspend => "Unsuspend",
            Lifecycle::Deactivate => "Deactivate",
            Lifecycle::Reactivate => "Reactivate",
        }
    }

    /// Whether it applies to a person in `status`: Activate a STAGED or
    /// PROVISIONED person, Suspend an active one, Unsuspend a SUSPENDED one,
    /// Deactivate anyone not DEPROVISIONED, Reactivate a DEPROVISIONED one.
    pub fn applies_to(self, status: UserStatus) -> bool {
        use UserStatus::*;
        match self {
            Lifecycle::Activate => matches!(status, Staged | Provisioned),
            Lifecycle::Suspend => matches!(status, Active | Recovery | PasswordExpired | LockedOut),
            Lifecycle::Unsuspend => status == Suspended,
            Lifecycle::Deactivate => status != Deprovisioned,
            Lifecycle::Reactivate => status == Deprovisioned,
        }
    }

    /// The status it leaves a person in.
    pub fn outcome(self) -> UserStatus {
        match self {
            Lifecycle::Suspend => UserStatus::Suspended,
            Lifecycle::Deactivate => UserStatus::Deprovisioned,
            Lifecycle::Activate | Lifecycle::Unsuspend | Lifecycle::Reactivate => {
                UserStatus::Active
            }
        }
    }

    /// The operations that apply to a person in `status`.
    pub fn for_status(status: UserStatus) -> Vec<Lifecycle> {
        Lifecycle::ALL
            .into_iter()
            .filter(|op| op.applies_to(status))
            .collect()
    }
}

/// Full reads the whole source; incremental only what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
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
    /// The import type as an admin or a client writes it, in any case.
    pub fn parse(s: &str) -> Option<ImportType> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Some(ImportType::Full),
            "incremental" => Some(ImportType::Incremental),
            _ => None,
        }
    }
}

impl fmt::Display for ImportType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What started an import, as the System Log's `importTrigger` says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
pub enum ImportTrigger {
    #[serde(rename = "Manual action")]
    #[cfg_attr(feature = "sqlx", sqlx(rename = "Manual action"))]
    Manual,
    Scheduled,
    #[serde(rename = "API")]
    #[cfg_attr(feature = "sqlx", sqlx(rename = "API"))]
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

impl fmt::Display for ImportTrigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of an import run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
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
    pub const ALL: [RunStatus; 6] = [
        RunStatus::Queued,
        RunStatus::Running,
        RunStatus::Paused,
        RunStatus::Resuming,
        RunStatus::Completed,
        RunStatus::Failed,
    ];
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
    /// Running, or waiting to run.
    pub fn is_active(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of matching an imported user against the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum MatchType {
    New,
    Exact,
    Partial,
    Conflict,
}

impl MatchType {
    pub const ALL: [MatchType; 4] = [
        MatchType::New,
        MatchType::Exact,
        MatchType::Partial,
        MatchType::Conflict,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::New => "NEW",
            MatchType::Exact => "EXACT",
            MatchType::Partial => "PARTIAL",
            MatchType::Conflict => "CONFLICT",
        }
    }
    pub fn parse(s: &str) -> Option<MatchType> {
        MatchType::ALL.into_iter().find(|m| m.as_str() == s)
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

/// What an admin chose for a queue row, in place of what its match type
/// would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum QueueChoice {
    Create,
    Link,
    Ignore,
}

impl QueueChoice {
    pub const ALL: [QueueChoice; 3] = [QueueChoice::Create, QueueChoice::Link, QueueChoice::Ignore];
    pub fn parse(s: &str) -> Option<QueueChoice> {
        QueueChoice::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            QueueChoice::Create => "CREATE",
            QueueChoice::Link => "LINK",
            QueueChoice::Ignore => "IGNORE",
        }
    }
}

/// What an admin may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
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
}

/// An encoding an upload that is not UTF-8 can be read in. The file is
/// converted to UTF-8 once, when the admin chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TextEncoding {
    /// Western European Windows: what Excel's "CSV (Comma delimited)" saves
    /// on Windows set up for English, French, German, Spanish and the like.
    #[serde(rename = "windows-1252")]
    Windows1252,
}

impl TextEncoding {
    /// Every encoding offered for a file that is not UTF-8.
    pub const ALL: [TextEncoding; 1] = [TextEncoding::Windows1252];

    /// Its WHATWG name, as a client sends it.
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
    /// As the console offers it.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Windows1252 => "Windows-1252 (Western)",
        }
    }
}

/// What a run's removal does to a user who left the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "SCREAMING_SNAKE_CASE"))]
pub enum RemovalAction {
    Deactivate,
    Suspend,
    Unassign,
}

impl RemovalAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalAction::Deactivate => "DEACTIVATE",
            RemovalAction::Suspend => "SUSPEND",
            RemovalAction::Unassign => "UNASSIGN",
        }
    }
    /// What happens to the user, in the console's words.
    pub fn label(self) -> &'static str {
        match self {
            RemovalAction::Deactivate => "Deactivate",
            RemovalAction::Suspend => "Suspend",
            RemovalAction::Unassign => "Remove from the app",
        }
    }
}

/// Which import safeguard a run trips: the app's or the org's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SafeguardLevel {
    App,
    Org,
}

impl SafeguardLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            SafeguardLevel::App => "APP",
            SafeguardLevel::Org => "ORG",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_forms_round_trip() {
        for s in RunStatus::ALL {
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(format!("{s:?}")))
            );
        }
        for m in MatchType::ALL {
            assert_eq!(MatchType::parse(m.as_str()), Some(m));
        }
        assert_eq!(MatchType::parse("new"), None);
        assert_eq!(
            ImportType::parse("INCREMENTAL"),
            Some(ImportType::Incremental)
        );
        assert_eq!(ImportType::parse("Delta"), None);
        assert_eq!(
            serde_json::to_value(UserStatus::PasswordExpired).ok(),
            Some(serde_json::json!("PASSWORD_EXPIRED"))
        );
        for e in TextEncoding::ALL {
            assert_eq!(
                serde_json::to_value(e).ok(),
                Some(serde_json::json!(e.as_str()))
            );
            assert_eq!(TextEncoding::parse(&e.as_str().to_uppercase()), Some(e));
        }
        assert_eq!(TextEncoding::parse("latin1"), None);
    }
}

/// Where a bulk import session of a Custom Identity Source stands, as Okta
/// names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SessionStatus {
    /// Open; nothing uploaded yet.
    Created,
    /// Open, with uploads.
    InProgress,
    /// Import started; no more uploads.
    Triggered,
    /// Its import finished.
    Completed,
    /// Cancelled; its uploads were dropped.
    Closed,
    /// Open and unused for 24 hours.
    Expired,
    /// Its import failed.
    Error,
}

impl SessionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Created => "CREATED",
            SessionStatus::InProgress => "IN_PROGRESS",
            SessionStatus::Triggered => "TRIGGERED",
            SessionStatus::Completed => "COMPLETED",
            SessionStatus::Closed => "CLOSED",
            SessionStatus::Expired => "EXPIRED",
            SessionStatus::Error => "ERROR",
        }
    }
    pub fn parse(s: &str) -> Option<SessionStatus> {
        [
            SessionStatus::Created,
            SessionStatus::InProgress,
            SessionStatus::Triggered,
            SessionStatus::Completed,
            SessionStatus::Closed,
            SessionStatus::Expired,
            SessionStatus::Error,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
    /// Open for uploads.
    pub fn is_open(self) -> bool {
        matches!(self, SessionStatus::Created | SessionStatus::InProgress)
    }
    /// Open or importing: a source has at most one such session.
    pub fn is_active(self) -> bool {
        self.is_open() || self == SessionStatus::Triggered
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
