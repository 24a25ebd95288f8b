//! The records Muster hands out: apps, users, import runs with their plans,
//! the import queue, uploads and the dashboard.

use crate::kinds::{
    AppKind, AppStatus, ImportTrigger, ImportType, MatchType, QueueChoice, RemovalAction,
    RunStatus, SafeguardLevel, TextEncoding, UserStatus,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An app as the console lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct App {
    pub id: String,
    pub name: String,
    pub kind: AppKind,
    pub status: AppStatus,
    pub created: DateTime<Utc>,
    pub assigned_users: i64,
    pub unconfirmed: i64,
    /// The accounts (app users) its imports have brought in.
    pub accounts: i64,
}

/// One user of the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub status: UserStatus,
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub profile: serde_json::Value,
    pub source_app_id: Option<String>,
    pub source_app_name: Option<String>,
    pub created: DateTime<Utc>,
    pub activated: Option<DateTime<Utc>>,
    pub status_changed: Option<DateTime<Utc>>,
    pub last_updated: DateTime<Utc>,
}

/// One page of a list, with the total across all pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// What an import run counted. Each row scanned is new, updated, unchanged
/// or in error, so those four add up to `scanned`; the accounts it queued
/// are matched (exactly), partial matches or conflicts (the rest are new
/// people); and the people it changed are reactivated or removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct RunCounts {
    pub scanned: i64,
    pub new: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub errors: i64,
    /// Queued as an exact match.
    pub matched: i64,
    /// Queued as a partial match.
    pub partial: i64,
    /// Queued with more than one candidate.
    pub conflicts: i64,
    /// Queued with no match: a new person once confirmed.
    pub unmatched: i64,
    /// People reactivated or unsuspended because their account is back.
    pub reactivated: i64,
    /// People deactivated, suspended or unassigned because their account was
    /// deactivated in or removed from the source (for a preview or a paused
    /// run: who would be).
    pub deactivated: i64,
    pub suspended: i64,
    pub unassigned: i64,
}

/// What an import did to the groups of a source that has them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupCounts {
    /// Groups the source has.
    pub scanned: i64,
    pub new: i64,
    pub updated: i64,
    /// Groups gone from the source, and so from Muster.
    pub removed: i64,
    pub members_added: i64,
    pub members_removed: i64,
}

impl RunCounts {
    /// People the run removed (or would remove).
    pub fn removed(&self) -> i64 {
        self.deactivated + self.suspended + self.unassigned
    }
}

/// One import of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportRun {
    pub id: String,
    pub app_id: String,
    pub import_type: ImportType,
    pub trigger: ImportTrigger,
    pub status: RunStatus,
    pub upload_id: Option<String>,
    pub created: DateTime<Utc>,
    pub started: Option<DateTime<Utc>>,
    pub finished: Option<DateTime<Utc>>,
    pub total: Option<i64>,
    pub counts: RunCounts,
    pub message: Option<String>,
    /// A preview writes nothing but its plan.
    pub preview: bool,
    /// A preview's plan; a paused run's roadblock.
    pub plan: Option<Plan>,
    /// Rows read per second so far, for a running import.
    pub rate: Option<f64>,
    /// The uploaded file the run read, for upload sources.
    pub file: Option<RunFile>,
    /// What it did to groups, when its source has them and imports them.
    pub groups: Option<GroupCounts>,
}

/// The uploaded file a run read: its name, and when it was deleted once its
/// retention time passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunFile {
    pub name: String,
    pub deleted: Option<DateTime<Utc>>,
}

impl ImportRun {
    /// Running, or waiting to run.
    pub fn is_active(&self) -> bool {
        self.status.is_active()
    }
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Roadblock {
    pub level: SafeguardLevel,
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
    /// The app confirms these kinds of queued account itself (creating or
    /// linking the person); the others wait in the import queue.
    #[serde(default)]
    pub confirms: AutoConfirms,
}

/// The parts of a plan, in the order an admin reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::Type))]
#[cfg_attr(feature = "sqlx", sqlx(rename_all = "lowercase"))]
#[serde(rename_all = "lowercase")]
pub enum PlanPart {
    Create,
    Link,
    Conflict,
    Update,
    Deactivate,
    Suspend,
    Unassign,
    Reactivate,
}

impl PlanPart {
    pub const ALL: [PlanPart; 8] = [
        PlanPart::Create,
        PlanPart::Link,
        PlanPart::Conflict,
        PlanPart::Update,
        PlanPart::Deactivate,
        PlanPart::Suspend,
        PlanPart::Unassign,
        PlanPart::Reactivate,
    ];

    /// Its place in [`PlanPart::ALL`], the order a plan is read in.
    pub fn rank(self) -> i64 {
        self as i64
    }

    /// Its name in data attributes and downloads.
    pub fn key(self) -> &'static str {
        match self {
            PlanPart::Create => "create",
            PlanPart::Link => "link",
            PlanPart::Conflict => "conflict",
            PlanPart::Update => "update",
            PlanPart::Deactivate => "deactivate",
            PlanPart::Suspend => "suspend",
            PlanPart::Unassign => "unassign",
            PlanPart::Reactivate => "reactivate",
        }
    }

    /// Its heading: accounts the app does not confirm itself are queued
    /// for the admin, and the heading says so.
    pub fn title(self, confirms: AutoConfirms) -> &'static str {
        match self {
            PlanPart::Create if confirms.new => "Users to create",
            PlanPart::Create => "To queue as New",
            PlanPart::Link => match (confirms.exact, confirms.partial) {
                (true, true) => "Users to link",
                (false, false) => "To queue as matched",
                _ => "Matched users to link or queue",
            },
            PlanPart::Conflict => "Conflicts to resolve",
            PlanPart::Update => "Attribute changes",
            PlanPart::Deactivate => "Users to deactivate",
            PlanPart::Suspend => "Users to suspend",
            PlanPart::Unassign => "Users to unassign",
            PlanPart::Reactivate => "Users to reactivate",
        }
    }
}

/// One line of a plan: an account, the part of the plan it is in, and what
/// happens to it, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanLine {
    pub part: PlanPart,
    pub external_id: String,
    pub login: String,
    pub what: String,
}

impl PlanUser {
    /// What happens to this account in a part of a plan.
    pub fn what(&self, part: PlanPart, confirms: AutoConfirms) -> String {
        match part {
            PlanPart::Create if confirms.new => "New user".into(),
            PlanPart::Create => "Queued: a new user once confirmed".into(),
            PlanPart::Link | PlanPart::Conflict => {
                let how = self.match_type.map(|m| m.label()).unwrap_or_default();
                let linked = match self.match_type {
                    Some(MatchType::Exact) => confirms.exact,
                    Some(MatchType::Partial) => confirms.partial,
                    _ => false,
                };
                let then = if linked { "linked" } else { "queued" };
                match &self.user_login {
                    Some(l) => format!("{how}: {l} ({then})"),
                    None => how.to_owned(),
                }
            }
            PlanPart::Update => String::new(),
            PlanPart::Deactivate => "Deactivate".into(),
            PlanPart::Suspend => "Suspend".into(),
            PlanPart::Unassign => "Remove from the app".into(),
            PlanPart::Reactivate => "Reactivate".into(),
        }
    }

    pub fn line(&self, part: PlanPart, confirms: AutoConfirms) -> PlanLine {
        PlanLine {
            part,
            external_id: self.external_id.clone(),
            login: self.login.clone(),
            what: self.what(part, confirms),
        }
    }
}

impl PlanUpdate {
    /// The attributes it changes: `lastName: Tag → Married; title: (empty) → Lead`.
    pub fn what(&self) -> String {
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| {
                format!(
                    "{}: {} → {}",
                    c.attribute,
                    c.old.as_deref().unwrap_or("(empty)"),
                    c.new.as_deref().unwrap_or("(empty)")
                )
            })
            .collect();
        changes.join("; ")
    }

    pub fn line(&self) -> PlanLine {
        PlanLine {
            part: PlanPart::Update,
            external_id: self.external_id.clone(),
            login: self.login.clone(),
            what: self.what(),
        }
    }
}

/// Which queued accounts an import confirms without the admin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoConfirms {
    pub new: bool,
    pub exact: bool,
    pub partial: bool,
}

/// A user a paused run would remove, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PlannedRemoval {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub action: RemovalAction,
}

/// A row of an import that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
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
    /// Every candidate of a partial match or conflict.
    pub candidate_users: Vec<UserRef>,
    /// The admin's decision, when it is not the match type's.
    pub action: Option<QueueChoice>,
    /// The user the admin chose to link to.
    pub action_user_id: Option<String>,
    pub action_user_login: Option<String>,
}

/// A user named by id and login, as a list of choices shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRef {
    pub id: String,
    pub login: String,
}

/// A person's account in an app: the app user linked to them. A person has
/// at most one account per app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppAccount {
    pub app_id: String,
    pub app_name: String,
    pub external_id: String,
    /// The account's login as the app has it (its external id when the app
    /// gives none).
    pub login: String,
    /// The app sources the person's profile.
    pub sources_profile: bool,
}

/// What a lifecycle operation on a set of people did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// People whose status changed.
    pub changed: i64,
    /// People it did not apply to, each as "login (STATUS)".
    pub skipped: Vec<String>,
}

/// A person an admin adds by hand (Add person): Muster is then the source
/// of their profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NewPerson {
    pub first_name: String,
    pub last_name: String,
    /// Unique regardless of case.
    pub login: String,
    pub email: String,
    /// ACTIVE now; otherwise STAGED until an admin activates them.
    pub activate: bool,
}

/// Which people a list of the directory shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeopleFilter {
    /// Text in a name, login, email or any other profile value; case and
    /// accents do not matter ("zoe" finds "Zoë").
    pub search: String,
    /// Only people in this status.
    pub status: Option<UserStatus>,
    /// Only people with an account in this app.
    pub app_id: Option<String>,
    /// DEPROVISIONED people too; a status filter of DEPROVISIONED shows them
    /// anyway.
    pub include_deactivated: bool,
}

/// A person of the directory with their app accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub user: User,
    pub accounts: Vec<AppAccount>,
}

/// What setting a queue row's action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum QueueActionOutcome {
    Saved,
    /// Nothing was saved: the chosen person's profile is sourced by another
    /// app. The message says so; the admin confirms by sending the choice
    /// again, confirmed.
    ConfirmationNeeded(String),
}

/// What confirming a set of queue rows will do, counted before it runs (the
/// Confirm Imported User Assignments dialog; Clear's tally is `total`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTally {
    /// Rows in the set.
    pub total: i64,
    /// New users to create (each activated when confirming activates).
    pub create: i64,
    /// Rows to link to an existing person.
    pub link: i64,
    pub ignore: i64,
    /// Rows that need a decision first (a conflict, a link with no user).
    pub undecided: i64,
    /// Links that will be refused: the person already has an account in the app.
    pub refused: i64,
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

/// What confirming a set of queue rows did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmOutcome {
    pub created: i64,
    pub activated: i64,
    pub linked: i64,
    pub ignored: i64,
    /// Rows left in the queue: undecided, refused, or changed meanwhile.
    pub skipped: i64,
    /// Links refused because the person already has an account in the app
    /// (counted in `skipped`).
    pub refused: i64,
    /// Why links were refused, naming who holds the account: the first
    /// [`PROBLEMS_LISTED`] of them.
    pub problems: Vec<String>,
}

/// Refusals a [`ConfirmOutcome`] spells out.
pub const PROBLEMS_LISTED: usize = 20;

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub apps: i64,
    pub users: i64,
    pub unconfirmed: i64,
    /// The latest imports, with their app's name.
    pub recent: Vec<(String, ImportRun)>,
    /// Apps with pushes that failed for good: id, name and how many people.
    pub failed_pushes: Vec<(String, String, i64)>,
}

impl User {
    /// Every profile attribute as name and text, in the profile's order.
    pub fn profile_pairs(&self) -> Vec<(String, String)> {
        self.profile
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        (k.clone(), text)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod plan_tests {
    use super::PlanPart;

    #[test]
    fn a_parts_rank_is_its_place_in_the_reading_order() {
        for (i, part) in PlanPart::ALL.into_iter().enumerate() {
            assert_eq!(part.rank(), i as i64, "{part:?}");
        }
    }
}

/// A group, as the Groups page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The app or directory the group comes from.
    pub app_id: String,
    pub app_name: String,
    /// Its member accounts (linked to a person or not yet).
    pub members: i64,
}

/// A member of a group: an account of the group's app, and the person it is
/// linked to once the account is confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMember {
    pub external_id: String,
    /// The account's login as the app has it.
    pub login: String,
    pub user: Option<User>,
}

/// A group with its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub summary: GroupSummary,
    /// Where it stands in its directory (a DN).
    pub dn: String,
    pub created: DateTime<Utc>,
    pub last_updated: DateTime<Utc>,
    pub members: Page<GroupMember>,
}

/// What Real-Time Sync did when a person's page was opened: their profile
/// read again from the directory that sources them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RealTimeSync {
    /// No directory sources the person: nothing to read.
    NotSourced,
    /// Read; nothing had changed.
    Unchanged { app_name: String },
    /// Read; these profile attributes changed.
    Updated {
        app_name: String,
        attributes: Vec<String>,
    },
    /// The directory could not be read (or no longer has the account): the
    /// page shows the stored profile.
    Failed { app_name: String, reason: String },
}

/// A person as their page shows them, after Real-Time Sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncedPerson {
    pub person: Person,
    pub sync: RealTimeSync,
}

/// An app allowed to source users, as the Profile Sources page lists it
/// (highest priority first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSource {
    pub app_id: String,
    pub name: String,
    pub kind: AppKind,
    /// People whose profile it sources now.
    pub users: i64,
}
