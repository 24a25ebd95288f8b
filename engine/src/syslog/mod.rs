//! The System Log: events as Okta's LogEvent, and the filter language that
//! searches them.

pub mod catalogue;
pub mod filter;

pub use catalogue::EventType;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Who did something.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "alternateId")]
    pub alternate_id: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
}

impl Actor {
    pub fn admin(admin: &crate::model::Admin) -> Actor {
        Actor {
            id: admin.id.clone(),
            kind: "User".into(),
            alternate_id: admin.username.clone(),
            display_name: admin.username.clone(),
        }
    }
    /// Muster itself, for work nobody asked for directly (schedules, recovery).
    pub fn system() -> Actor {
        Actor {
            id: "muster".into(),
            kind: "PublicClientApp".into(),
            alternate_id: "system@muster".into(),
            display_name: "Muster".into(),
        }
    }
}

/// What an event was done to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "alternateId")]
    pub alternate_id: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
}

impl Target {
    pub fn user(id: &str, login: &str, display_name: &str) -> Target {
        Target {
            id: id.into(),
            kind: "User".into(),
            alternate_id: login.into(),
            display_name: display_name.into(),
        }
    }
    pub fn app(id: &str, name: &str) -> Target {
        Target {
            id: id.into(),
            kind: "AppInstance".into(),
            alternate_id: name.into(),
            display_name: name.into(),
        }
    }
    pub fn app_user(external_id: &str, app_name: &str) -> Target {
        Target {
            id: external_id.into(),
            kind: "AppUser".into(),
            alternate_id: external_id.into(),
            display_name: format!("{external_id} ({app_name})"),
        }
    }
    pub fn group(id: &str, name: &str) -> Target {
        Target {
            id: id.into(),
            kind: "UserGroup".into(),
            alternate_id: name.into(),
            display_name: name.into(),
        }
    }
    pub fn api_token(id: &str, name: &str) -> Target {
        Target {
            id: id.into(),
            kind: "ApiToken".into(),
            alternate_id: name.into(),
            display_name: name.into(),
        }
    }
    pub fn import_session(id: &str) -> Target {
        Target {
            id: id.into(),
            kind: "IdentitySourceSession".into(),
            alternate_id: id.into(),
            display_name: id.into(),
        }
    }
    pub fn import_run(id: &str) -> Target {
        Target {
            id: id.into(),
            kind: "ImportRun".into(),
            alternate_id: id.into(),
            display_name: id.into(),
        }
    }
}

/// The browser or program a request came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Client {
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl Client {
    /// The client with its fields cut to a size fit for the System Log.
    pub fn bounded(self) -> Client {
        Client {
            ip_address: self.ip_address.map(|ip| bounded(&ip, 64)),
            user_agent: self.user_agent.map(|ua| bounded(&ua, 512)),
        }
    }
}

/// At most `chars` characters of `text`, with "…" when it was cut.
pub fn bounded(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// An event about to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event_type: EventType,
    pub severity: &'static str,
    pub display_message: String,
    pub actor: Actor,
    pub client: Option<Client>,
    /// SUCCESS, FAILURE, SKIPPED…
    pub outcome: &'static str,
    pub reason: Option<String>,
    pub targets: Vec<Target>,
    pub transaction_id: Option<String>,
    pub debug_data: Option<Value>,
}

impl NewEvent {
    pub fn new(
        event_type: EventType,
        display_message: impl Into<String>,
        actor: Actor,
    ) -> NewEvent {
        NewEvent {
            event_type,
            severity: "INFO",
            display_message: display_message.into(),
            actor,
            client: None,
            outcome: "SUCCESS",
            reason: None,
            targets: Vec::new(),
            transaction_id: None,
            debug_data: None,
        }
    }
    pub fn target(mut self, t: Target) -> Self {
        self.targets.push(t);
        self
    }
    pub fn debug(mut self, data: Value) -> Self {
        self.debug_data = Some(data);
        self
    }
    pub fn transaction(mut self, id: &str) -> Self {
        self.transaction_id = Some(id.to_owned());
        self
    }
    pub fn failure(mut self, reason: impl Into<String>) -> Self {
        self.outcome = "FAILURE";
        self.severity = "WARN";
        self.reason = Some(reason.into());
        self
    }
    pub fn client(mut self, client: Option<Client>) -> Self {
        self.client = client;
        self
    }
}

/// The columns an event is stored as.
pub(crate) struct StoredEvent {
    pub seq: i64,
    pub uuid: String,
    pub published: String,
    pub event_type: String,
    pub severity: String,
    pub display_message: String,
    pub actor: String,
    pub client: Option<String>,
    pub outcome: String,
    pub targets: String,
    pub transaction_id: Option<String>,
    pub debug_data: Option<String>,
    /// A row of several events: the first target of each, before `targets`.
    pub members: Option<String>,
}

fn parse_or_null(s: Option<&str>) -> Value {
    s.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

impl StoredEvent {
    /// The row's events as Okta's LogEvent JSON: one, or one per member
    /// (its uuid the row's counted on by the member's place, its targets
    /// the member's followed by the row's).
    pub fn to_log_events(&self) -> Vec<Value> {
        let event = self.to_log_event();
        let Some(Value::Array(members)) = self.members.as_deref().map(|m| parse_or_null(Some(m)))
        else {
            return vec![event];
        };
        let base = uuid::Uuid::parse_str(&self.uuid).map_or(0, |u| u.as_u128());
        let shared = event["target"].as_array().cloned().unwrap_or_default();
        members
            .into_iter()
            .enumerate()
            .map(|(i, member)| {
                let mut e = event.clone();
                let mut targets = vec![member];
                targets.extend(shared.iter().cloned());
                e["target"] = targets_with_details(Value::Array(targets));
                e["uuid"] = json!(member_uuid(base, i).to_string());
                e
            })
            .collect()
    }

    /// The event as Okta's LogEvent JSON.
    pub fn to_log_event(&self) -> Value {
        let client: Client = self
            .client
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .unwrap_or_default();
        let outcome = parse_or_null(Some(&self.outcome));
        let debug = match parse_or_null(self.debug_data.as_deref()) {
            Value::Null => json!({}),
            v => v,
        };
        json!({
            "uuid": self.uuid,
            "published": self.published,
            "eventType": self.event_type,
            "version": "0",
            "severity": self.severity,
            "legacyEventType": Value::Null,
            "displayMessage": self.display_message,
            "actor": merge(parse_or_null(Some(&self.actor)), json!({"detailEntry": Value::Null})),
            "client": {
                "userAgent": {
                    "rawUserAgent": client.user_agent,
                    "os": Value::Null,
                    "browser": Value::Null,
                },
                "zone": "null",
                "device": if client.user_agent.is_some() { json!("Computer") } else { Value::Null },
                "ipAddress": client.ip_address,
                "geographicalContext": Value::Null,
            },
            "outcome": outcome,
            "target": targets_with_details(parse_or_null(Some(&self.targets))),
            "transaction": {
                "type": if client.user_agent.is_some() { "WEB" } else { "JOB" },
                "id": self.transaction_id,
                "detail": {},
            },
            "debugContext": { "debugData": debug },
            "authenticationContext": {},
            "securityContext": {},
            "request": { "ipChain": client.ip_address.iter().map(|ip| json!({"ip": ip})).collect::<Vec<_>>() },
        })
    }
}

/// The uuid of a row's member `i`: the row's, its last 48 bits counted on
/// by `i` (still a version-4 uuid, distinct for each member).
fn member_uuid(base: u128, i: usize) -> uuid::Uuid {
    const NODE: u128 = (1 << 48) - 1;
    let node = (base & NODE).wrapping_add(i as u128) & NODE;
    uuid::Uuid::from_u128((base & !NODE) | node)
}

/// The LogEvent attributes a filter can name.
const FIELDS: [&str; 35] = [
    "uuid",
    "published",
    "eventType",
    "version",
    "severity",
    "legacyEventType",
    "displayMessage",
    "actor",
    "actor.id",
    "actor.type",
    "actor.alternateId",
    "actor.displayName",
    "client",
    "client.userAgent",
    "client.userAgent.rawUserAgent",
    "client.userAgent.os",
    "client.userAgent.browser",
    "client.zone",
    "client.device",
    "client.ipAddress",
    "client.geographicalContext",
    "outcome",
    "outcome.result",
    "outcome.reason",
    "target",
    "target.id",
    "target.type",
    "target.alternateId",
    "target.displayName",
    "transaction",
    "transaction.type",
    "transaction.id",
    "debugContext",
    "debugContext.debugData",
    "request.ipChain.ip",
];

/// Attributes under which any name may appear.
const OPEN_FIELDS: [&str; 6] = [
    "debugContext.debugData.",
    "actor.detailEntry",
    "target.detailEntry",
    "transaction.detail",
    "authenticationContext",
    "securityContext",
];

/// Refuses a filter that names an attribute no LogEvent has (a misspelt
/// `eventtype` would otherwise match nothing, silently), naming the field,
/// the one it was probably meant to be, and the known ones.
pub fn check_fields(filter: &filter::Filter, text: &str) -> Result<(), filter::FilterError> {
    for path in filter.paths() {
        let known = FIELDS.contains(&path.as_str())
            || OPEN_FIELDS.iter().any(|open| path.starts_with(open))
            || path == "request";
        if known {
            continue;
        }
        let position = text.find(&path).map_or(0, |b| text[..b].chars().count());
        let hint = FIELDS
            .iter()
            .find(|f| f.eq_ignore_ascii_case(&path))
            .map(|f| format!(" Did you mean {f}? Field names are case-sensitive."))
            .unwrap_or_default();
        return Err(filter::FilterError::new(
            position,
            format!(
                "Unknown field {path} at position {position}.{hint} Known fields: {}, and debugContext.debugData.<name>",
                FIELDS.join(", ")
            ),
        ));
    }
    Ok(())
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Value::Object(e)) = (base.as_object_mut(), extra) {
        for (k, v) in e {
            b.entry(k).or_insert(v);
        }
    }
    base
}

fn targets_with_details(targets: Value) -> Value {
    match targets {
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|t| merge(t, json!({"detailEntry": Value::Null})))
                .collect(),
        ),
        _ => json!([]),
    }
}

/// What the System Log is asked for.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    pub filter: Option<filter::Filter>,
    /// Keywords, all of which must appear (case-insensitive).
    pub keywords: Vec<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    /// Continue after this event (a cursor from a previous page).
    pub after: Option<i64>,
    pub limit: usize,
    pub descending: bool,
    /// The most events to read; [`SCAN_BUDGET`] when unset.
    pub scan_budget: Option<usize>,
}

/// One page of System Log events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPage {
    pub events: Vec<Value>,
    /// The cursor of the next page, when there may be more.
    pub next: Option<i64>,
    /// The cursor of the page's first event.
    pub first: Option<i64>,
    /// The search stopped at its budget before the page was full: the
    /// events past `next` were not looked at.
    pub stopped: Option<proto::console::LogSearchStop>,
    /// The place of the last event read, when one was: where a query that
    /// polls for newer events goes on from.
    pub last: Option<i64>,
    /// How many events were read for it.
    pub scanned: usize,
}

/// The most events one System Log query reads to fill a page, unless the
/// query says otherwise: a filter that matches little over a large log stops
/// here and says how far it got.
pub const SCAN_BUDGET: usize = 200_000;

/// Splits a `q` search into keywords, Okta's way: at most 10 of at most 40
/// characters.
pub fn parse_keywords(q: &str) -> crate::error::Result<Vec<String>> {
    let words: Vec<String> = q.split_whitespace().map(|w| w.to_lowercase()).collect();
    if words.len() > 10 {
        return Err(crate::error::Error::InvalidInput(
            "Search may have at most 10 keywords".into(),
        ));
    }
    if let Some(w) = words.iter().find(|w| w.chars().count() > 40) {
        return Err(crate::error::Error::InvalidInput(format!(
            "The keyword \"{w}\" is longer than 40 characters"
        )));
    }
    Ok(words)
}

/// True when every keyword occurs somewhere in the event.
pub(crate) fn matches_keywords(event: &Value, keywords: &[String]) -> bool {
    if keywords.is_empty() {
        return true;
    }
    let text = event.to_string().to_lowercase();
    keywords.iter().all(|k| text.contains(k.as_str()))
}

#[cfg(test)]
mod field_tests {
    use super::*;

    fn check(text: &str) -> Result<(), filter::FilterError> {
        check_fields(&filter::Filter::parse(text).unwrap(), text)
    }

    #[test]
    fn a_misspelt_field_is_named_with_the_right_one() {
        let e = check(r#"eventtype eq "system.import.start""#).unwrap_err();
        assert!(
            e.message
                .starts_with("Unknown field eventtype at position 0."),
            "{e}"
        );
        assert!(e.message.contains("Did you mean eventType?"), "{e}");
        let e = check(r#"eventType eq "x" and actor.login eq "a""#).unwrap_err();
        assert_eq!(e.position, 21);
        assert!(e.message.contains("actor.alternateId"), "{e}");
    }

    #[test]
    fn known_and_open_fields_pass() {
        for ok in [
            r#"eventType eq "x" and target.id eq "00u1""#,
            r#"debugContext.debugData.importTrigger eq "Manual action""#,
            r#"outcome.result eq "FAILURE" or client.ipAddress pr"#,
            r#"not (published lt "2026-01-01T00:00:00.000Z")"#,
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }
}
