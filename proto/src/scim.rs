//! A SCIM 2.0 app's API Integration (Provisioning → API Integration), as
//! the console edits it and the engine connects with it. The token or
//! password is not here: it is a secret, written apart and never read back.

use serde::{Deserialize, Serialize};

/// How Muster signs its requests to the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ScimAuth {
    /// `Authorization: Bearer <token>`; the token is the secret.
    #[default]
    Bearer,
    /// HTTP Basic with the username here and the password as the secret.
    Basic,
}

/// A SCIM app's connection settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScimSettings {
    /// Enable API integration: Muster reads from and writes to the app
    /// only while this is on.
    pub enabled: bool,
    /// The SCIM base URL: `https://app.example.com/scim/v2`, under which
    /// `/Users`, `/Groups` and `/ServiceProviderConfig` are.
    pub base_url: String,
    pub auth: ScimAuth,
    /// Basic authentication's username.
    pub username: String,
    /// An attribute emptied in Muster is sent to the app as null (cleared
    /// there) rather than left out.
    pub push_null_values: bool,
    /// The app's groups are imported with its users.
    pub import_groups: bool,
    /// A request the app has not answered in this long fails.
    pub timeout_seconds: u64,
    /// Provisioning To App: what Muster writes to the app.
    pub to_app: ToApp,
}

/// Provisioning To App (seed 003's "Configuration settings for To App
/// provisioning"): each is off until enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ToApp {
    /// Create Users: a person assigned to the app gets an account there
    /// (or is linked to the one with their username).
    pub create_users: bool,
    /// Update User Attributes: a change to an assigned person's profile is
    /// pushed, overwriting the app's own change.
    pub update_attributes: bool,
    /// Deactivate Users: unassigned or deactivated people's accounts are
    /// deactivated in the app, and reactivated when they are reassigned.
    pub deactivate_users: bool,
    /// Exclude Username Updates: the app keeps the username it has.
    pub exclude_username_updates: bool,
}

impl Default for ScimSettings {
    fn default() -> ScimSettings {
        ScimSettings {
            enabled: false,
            base_url: String::new(),
            auth: ScimAuth::Bearer,
            username: String::new(),
            push_null_values: false,
            import_groups: true,
            timeout_seconds: 30,
            to_app: ToApp::default(),
        }
    }
}

impl ScimSettings {
    /// The base URL without surrounding spaces or a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim().trim_end_matches('/')
    }

    /// What is wrong with the settings, field by field, before anything
    /// is sent.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let base = self.base();
        if base.is_empty() {
            problems.push("Base URL: enter the app's SCIM base URL".to_owned());
        } else if !(base.starts_with("https://") || base.starts_with("http://")) {
            problems.push(format!(
                "Base URL: {base:?} is not an http:// or https:// URL"
            ));
        }
        if self.auth == ScimAuth::Basic && self.username.trim().is_empty() {
            problems.push("Username: Basic authentication needs a username".to_owned());
        }
        if !(1..=300).contains(&self.timeout_seconds) {
            problems.push(format!(
                "Timeout: {} s is not between 1 and 300 seconds",
                self.timeout_seconds
            ));
        }
        problems
    }
}

/// A SCIM app's connection as the console shows it: the settings, and
/// whether a token or password is stored (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScimConnection {
    pub settings: ScimSettings,
    pub secret_set: bool,
    /// The user attributes Import User Schema read from the app, if it has.
    pub user_schema: Option<Vec<String>>,
}

/// What the app says it supports (its `ServiceProviderConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ScimFeatures {
    pub filter: bool,
    /// The most results a filtered list returns (`filter.maxResults`).
    pub max_results: Option<u32>,
    pub patch: bool,
    pub sort: bool,
    pub bulk: bool,
    pub etag: bool,
    pub change_password: bool,
}

/// A person assigned to an app, as its Assignments tab lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedPerson {
    pub user_id: String,
    pub login: String,
    pub name: String,
    /// Assigned directly (not only through a group).
    pub direct: bool,
    /// The groups they are assigned through.
    pub groups: Vec<String>,
    /// Their account in the app, once Muster has one: its id there and
    /// whether it is active.
    pub account: Option<(String, bool)>,
}

/// A group assigned to an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignedGroup {
    pub group_id: String,
    pub name: String,
    /// The app the group comes from.
    pub source: String,
    /// The people it assigns (linked to its member accounts).
    pub people: i64,
}

/// A push the app refused for good, waiting for Retry or Dismiss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedPush {
    pub user_id: String,
    pub login: String,
    /// What the app said.
    pub error: String,
    pub attempts: i64,
    /// When the change that called for it was made.
    pub created: String,
}

/// An app's Assignments tab: its people (the first [`AppAssignments::SHOWN`]
/// by login), its groups, and its failed pushes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAssignments {
    pub people: Vec<AssignedPerson>,
    /// All assigned, when more than are listed.
    pub total_people: i64,
    pub groups: Vec<AssignedGroup>,
    pub failed: Vec<FailedPush>,
    /// Pushes waiting to be sent or tried again.
    pub pending: i64,
}

impl AppAssignments {
    pub const SHOWN: i64 = 500;
}

/// An app a person is assigned to that Muster provisions, as their page
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonApp {
    pub app_id: String,
    pub app_name: String,
    pub direct: bool,
    /// The groups that assign them.
    pub groups: Vec<String>,
    /// Their account there, once Muster has one: its id and whether active.
    pub account: Option<(String, bool)>,
}
