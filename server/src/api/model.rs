//! What the API answers and takes, as types. The handlers build their
//! answers from these and read their bodies and queries into them, and the
//! OpenAPI document ([`super::openapi`]) describes the same types, so the
//! document and the answers cannot drift apart. Okta's names are kept
//! (`User`, `Application`, `LogEvent`, …); Okta's members Muster has no
//! value for are left out.

use engine::model::{App, GroupSummary, ImportRun, ImportType, RunStatus};
use engine::store::stamp;
use proto::console::ImportSessionView;
use proto::records::{RunCounts, User as Person};
use proto::{AppStatus, ImportTrigger, SessionStatus, UserStatus};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A moment, as ISO 8601 in UTC with milliseconds
/// (`2026-12-01T09:30:00.000Z`).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(transparent)]
pub struct Time(pub String);

impl Time {
    pub fn of(t: chrono::DateTime<chrono::Utc>) -> Time {
        Time(stamp(t))
    }
}

impl JsonSchema for Time {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Time".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

/// A link to a resource.
#[derive(Serialize, JsonSchema)]
pub struct Link {
    pub href: String,
}

impl Link {
    pub fn to(href: String) -> Link {
        Link { href }
    }
}

/// The link to a resource itself.
#[derive(Serialize, JsonSchema)]
pub struct SelfLink {
    #[serde(rename = "self")]
    pub this: Link,
}

/// Okta's error answer.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    /// Okta's code, such as E0000001 (validation) or E0000007 (not found).
    #[schemars(regex(pattern = r"^E[0-9]{7}$"))]
    pub error_code: &'static str,
    pub error_summary: String,
    /// The code again, as Okta gives it.
    pub error_link: &'static str,
    /// This error's own id.
    pub error_id: String,
    /// What exactly was wrong, and where.
    pub error_causes: Vec<ErrorCause>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCause {
    pub error_summary: String,
}

/// An empty object: what a lifecycle operation answers.
#[derive(Serialize, JsonSchema)]
pub struct Empty {}

/// Okta's User.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub status: UserStatus,
    pub created: Time,
    pub activated: Option<Time>,
    pub status_changed: Option<Time>,
    /// Muster signs no user in: always null.
    pub last_login: Option<Time>,
    pub last_updated: Time,
    /// Muster keeps no user's password: always null.
    pub password_changed: Option<Time>,
    #[serde(rename = "type")]
    pub kind: UserType,
    pub profile: UserProfile,
    pub credentials: UserCredentials,
    #[serde(rename = "_links")]
    pub links: SelfLink,
}

/// The user's type: Okta's default.
#[derive(Serialize, JsonSchema)]
pub struct UserType {
    pub id: &'static str,
}

/// A user's profile: Okta's four required attributes and any others, each
/// a string.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    #[serde(flatten)]
    pub more: BTreeMap<String, Option<String>>,
}

#[derive(Serialize, JsonSchema)]
pub struct UserCredentials {
    pub provider: Provider,
}

/// Where a user's profile comes from: Muster (`OKTA`, as Okta names
/// itself) or the app that sources it (`IMPORT`, with the app's name).
#[derive(Serialize, JsonSchema)]
pub struct Provider {
    #[serde(rename = "type")]
    pub kind: ProviderType,
    pub name: String,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ProviderType {
    Okta,
    Import,
}

impl UserProfile {
    pub fn of(u: &Person) -> UserProfile {
        const OWN: [&str; 4] = ["login", "email", "firstName", "lastName"];
        let more = match &u.profile {
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| !OWN.contains(&k.as_str()))
                .map(|(k, v)| {
                    let text = match v {
                        Value::Null => None,
                        Value::String(s) => Some(s.clone()),
                        other => Some(other.to_string()),
                    };
                    (k.clone(), text)
                })
                .collect(),
            _ => BTreeMap::new(),
        };
        UserProfile {
            login: u.login.clone(),
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            more,
        }
    }
}

impl User {
    pub fn of(base: &str, u: &Person) -> User {
        let provider = match &u.source_app_name {
            Some(app) => Provider {
                kind: ProviderType::Import,
                name: app.clone(),
            },
            None => Provider {
                kind: ProviderType::Okta,
                name: "OKTA".into(),
            },
        };
        User {
            id: u.id.clone(),
            status: u.status,
            created: Time::of(u.created),
            activated: u.activated.map(Time::of),
            status_changed: u.status_changed.map(Time::of),
            last_login: None,
            last_updated: Time::of(u.last_updated),
            password_changed: None,
            kind: UserType { id: "oty_default" },
            profile: UserProfile::of(u),
            credentials: UserCredentials { provider },
            links: SelfLink {
                this: Link::to(format!("{base}/api/v1/users/{}", u.id)),
            },
        }
    }
}

/// An app, as Okta's Application: a bookmark to the app's page in the
/// console (Okta's SDKs read a BOOKMARK app's launch page from its
/// settings).
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    /// The app's kind, in lower case (`csv`, `ldap`, `custom_identity_source`, …).
    pub name: String,
    pub label: String,
    pub status: AppStatus,
    pub created: Time,
    pub last_updated: Time,
    pub sign_on_mode: SignOnMode,
    pub settings: AppSettings,
    pub features: Vec<String>,
    #[serde(rename = "_links")]
    pub links: AppLinks,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignOnMode {
    Bookmark,
}

#[derive(Serialize, JsonSchema)]
pub struct AppSettings {
    pub app: BookmarkSettings,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BookmarkSettings {
    /// The app's page in the console.
    pub url: String,
    pub request_integration: bool,
}

#[derive(Serialize, JsonSchema)]
pub struct AppLinks {
    #[serde(rename = "self")]
    pub this: Link,
    pub users: Link,
}

impl Application {
    pub fn of(base: &str, app: &App) -> Application {
        Application {
            id: app.id.clone(),
            name: app.kind.as_str().to_lowercase(),
            label: app.name.clone(),
            status: app.status,
            created: Time::of(app.created),
            last_updated: Time::of(app.created),
            sign_on_mode: SignOnMode::Bookmark,
            settings: AppSettings {
                app: BookmarkSettings {
                    url: format!("{base}/apps/{}", app.id),
                    request_integration: false,
                },
            },
            features: Vec::new(),
            links: AppLinks {
                this: Link::to(format!("{base}/api/v1/apps/{}", app.id)),
                users: Link::to(format!("{base}/api/v1/apps/{}/users", app.id)),
            },
        }
    }
}

/// An app's account linked to a person, as Okta's AppUser: its id is the
/// person's.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppUser {
    pub id: String,
    /// The account's id in the app.
    pub external_id: String,
    pub created: Time,
    pub last_updated: Time,
    pub scope: AppUserScope,
    pub status: UserStatus,
    pub credentials: AppUserCredentials,
    pub profile: UserProfile,
    #[serde(rename = "_links")]
    pub links: AppUserLinks,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum AppUserScope {
    User,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppUserCredentials {
    /// The account's login in the app.
    pub user_name: String,
}

#[derive(Serialize, JsonSchema)]
pub struct AppUserLinks {
    pub app: Link,
    pub user: Link,
}

/// A group, as Okta's Group of type APP_GROUP: the app it comes from is
/// its source.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: GroupType,
    pub object_class: Vec<String>,
    /// Given when one group is read, not in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_membership_updated: Option<Time>,
    pub profile: GroupProfile,
    pub source: GroupSource,
    #[serde(rename = "_links")]
    pub links: GroupLinks,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GroupType {
    AppGroup,
}

#[derive(Serialize, JsonSchema)]
pub struct GroupProfile {
    pub name: String,
    pub description: String,
}

#[derive(Serialize, JsonSchema)]
pub struct GroupSource {
    /// The app the group comes from.
    pub id: String,
}

#[derive(Serialize, JsonSchema)]
pub struct GroupLinks {
    #[serde(rename = "self")]
    pub this: Link,
    pub users: Link,
    pub source: Link,
}

impl Group {
    pub fn of(base: &str, g: &GroupSummary) -> Group {
        Group {
            id: g.id.clone(),
            kind: GroupType::AppGroup,
            object_class: vec!["okta:user_group".into()],
            created: None,
            last_updated: None,
            last_membership_updated: None,
            profile: GroupProfile {
                name: g.name.clone(),
                description: g.description.clone(),
            },
            source: GroupSource {
                id: g.app_id.clone(),
            },
            links: GroupLinks {
                this: Link::to(format!("{base}/api/v1/groups/{}", g.id)),
                users: Link::to(format!("{base}/api/v1/groups/{}/users", g.id)),
                source: Link::to(format!("{base}/api/v1/apps/{}", g.app_id)),
            },
        }
    }
}

/// An import session of an identity source, as Okta's.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySourceSession {
    pub id: String,
    pub identity_source_id: String,
    pub status: SessionStatus,
    pub import_type: SessionImportType,
    pub created: Time,
    pub last_updated: Time,
}

/// A session's import is always incremental: what it does not upload
/// stays as it is.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum SessionImportType {
    Incremental,
}

impl IdentitySourceSession {
    pub fn of(s: &ImportSessionView) -> IdentitySourceSession {
        IdentitySourceSession {
            id: s.id.clone(),
            identity_source_id: s.app_id.clone(),
            status: s.status,
            import_type: SessionImportType::Incremental,
            created: Time(s.created.clone()),
            last_updated: Time(s.last_updated.clone()),
        }
    }
}

/// Muster's extension: an import run of an app.
#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub id: String,
    pub app_id: String,
    pub import_type: RunType,
    pub import_trigger: ImportTrigger,
    /// QUEUED, RUNNING, PAUSED (at an import safeguard, before removing
    /// anyone), RESUMING (the admin chose Resume), COMPLETED or FAILED.
    #[schemars(schema_with = "run_statuses")]
    pub status: &'static str,
    pub created: Time,
    pub started: Option<Time>,
    pub finished: Option<Time>,
    /// Rows the source gave, once known.
    pub total: Option<i64>,
    pub counts: RunCounts,
    /// Why it failed or paused.
    pub message: Option<String>,
    #[serde(rename = "_links")]
    pub links: SelfLink,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum RunType {
    Full,
    Incremental,
}

/// A run's statuses, as [`RunStatus::as_str`] writes them.
fn run_statuses(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = RunStatus::ALL.iter().map(|s| s.as_str()).collect();
    json_schema!({ "type": "string", "enum": names })
}

impl Run {
    pub fn of(base: &str, run: &ImportRun) -> Run {
        Run {
            id: run.id.clone(),
            app_id: run.app_id.clone(),
            import_type: match run.import_type {
                ImportType::Full => RunType::Full,
                ImportType::Incremental => RunType::Incremental,
            },
            import_trigger: run.trigger,
            status: run.status.as_str(),
            created: Time::of(run.created),
            started: run.started.map(Time::of),
            finished: run.finished.map(Time::of),
            total: run.total,
            counts: run.counts,
            message: run.message.clone(),
            links: SelfLink {
                this: Link::to(format!(
                    "{base}/api/v1/apps/{}/imports/{}",
                    run.app_id, run.id
                )),
            },
        }
    }
}

/// Okta's LogEvent. Members with no value are left out (Okta's schema has
/// none of them nullable, and its SDKs read a missing member as unset).
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    pub uuid: String,
    pub published: Time,
    pub event_type: String,
    pub version: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_event_type: Option<String>,
    pub display_message: String,
    pub actor: LogActor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<LogClient>,
    pub outcome: LogOutcome,
    #[serde(default)]
    pub target: Vec<LogActor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<LogTransaction>,
    #[serde(default)]
    pub debug_context: LogDebugContext,
    #[serde(default)]
    pub authentication_context: Map<String, Value>,
    #[serde(default)]
    pub security_context: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<LogRequest>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Debug,
    Info,
    Warn,
    Error,
}

/// Who acted, or what was acted on.
#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogActor {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_entry: Option<Map<String, Value>>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogClient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<LogUserAgent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogUserAgent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct LogOutcome {
    /// SUCCESS, FAILURE, SKIPPED, ALLOW, DENY, CHALLENGE or UNKNOWN.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct LogTransaction {
    /// WEB for an admin's or a token's request, JOB for an import.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub detail: Map<String, Value>,
}

/// The event's own details, such as an import's `importType` and
/// `importTrigger`; a null is a value here (a setting that was unset).
#[derive(Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct LogDebugContext {
    #[serde(default)]
    pub debug_data: Map<String, Value>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogRequest {
    #[serde(default)]
    pub ip_chain: Vec<LogIp>,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct LogIp {
    pub ip: String,
}

// What the API takes.

/// A new user.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateUserRequest {
    #[schemars(required)]
    pub profile: Option<NewUserProfile>,
}

/// A new user's profile; Muster checks each attribute (a login is an
/// email address).
#[derive(Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct NewUserProfile {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
}

/// A profile update: the attributes to change (a partial update), or the
/// whole new profile (a replacement); each a string, or null to clear it.
#[derive(Deserialize, JsonSchema)]
pub struct UpdateUserRequest {
    #[schemars(required, with = "Option<BTreeMap<String, Option<String>>>")]
    pub profile: Option<Map<String, Value>>,
}

/// Users to create or update (`bulk-upsert`).
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkUpsertRequestBody {
    /// Only `USERS`, the default.
    #[schemars(with = "Option<EntityType>")]
    pub entity_type: Option<String>,
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub profiles: Vec<BulkUpsertEntry>,
}

/// What a bulk request holds: only users.
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum EntityType {
    Users,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkUpsertEntry {
    /// The user's id in the source.
    #[schemars(length(min = 1, max = 512))]
    pub external_id: Option<String>,
    /// The user's attributes, each a string (null: not given).
    #[schemars(with = "Option<BTreeMap<String, Option<String>>>")]
    pub profile: Option<Map<String, Value>>,
}

/// Users to deactivate (`bulk-delete`).
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleteRequestBody {
    /// Only `USERS`, the default.
    #[schemars(with = "Option<EntityType>")]
    pub entity_type: Option<String>,
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub profiles: Vec<BulkDeleteEntry>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkDeleteEntry {
    #[schemars(length(min = 1, max = 512))]
    pub external_id: Option<String>,
}

/// Groups to create or update (`bulk-groups-upsert`).
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkGroupUpsertRequestBody {
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub profiles: Vec<BulkGroupEntry>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkGroupEntry {
    #[schemars(length(min = 1, max = 255))]
    pub external_id: Option<String>,
    pub profile: Option<BulkGroupProfile>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkGroupProfile {
    #[schemars(length(min = 1, max = 255))]
    pub display_name: Option<String>,
    #[schemars(length(max = 1024))]
    pub description: Option<String>,
}

/// Groups to delete (`bulk-groups-delete`).
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkGroupDeleteRequestBody {
    #[serde(default)]
    #[schemars(length(max = 200), inner(length(min = 1, max = 255)))]
    pub external_ids: Vec<String>,
}

/// Memberships to add or remove (`bulk-group-memberships-upsert`, `-delete`).
#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkGroupMembershipsRequestBody {
    #[serde(default)]
    #[schemars(length(max = 200))]
    pub memberships: Vec<BulkMembershipEntry>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkMembershipEntry {
    #[schemars(length(min = 1, max = 255))]
    pub group_external_id: Option<String>,
    /// The members' user external ids.
    #[serde(default)]
    #[schemars(inner(length(min = 1, max = 255)))]
    pub member_external_ids: Vec<String>,
}

/// Muster's extension: which import to start. Both optional: by default an
/// incremental import (of a CSV app: of its newest upload).
#[derive(Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartImportRequest {
    #[schemars(with = "Option<RunType>")]
    pub import_type: Option<String>,
    /// A CSV app's upload to read, from its Import tab.
    pub upload_id: Option<String>,
}
