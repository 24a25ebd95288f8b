//! A SCIM 2.0 app's users (and groups), read page by page through its API
//! (`GET /Users`, `GET /Groups`). Paging follows what the app returns: a
//! page may hold fewer than asked, and the list may grow or shrink between
//! pages. An incremental import reads the users whose `meta.lastModified`
//! is at or after the latest one the last import read (that instant read
//! again: what did not change in it is recognised and left alone).

use super::{BoxFuture, GroupRecord, Item, Member, Record, Source};
use crate::error::{Error, Result};
use crate::model::RowError;
use crate::scim::{check, primary_email, resources, text, Client, NOT_FLATTENED};
use chrono::{DateTime, SecondsFormat, Utc};
use proto::scim::ScimSettings;
use serde_json::Value;

/// Resources asked for per page (an app may return fewer).
const PAGE: u64 = 200;

/// The users of a SCIM app, read page by page.
pub struct ScimSource {
    client: Client,
    import_groups: bool,
    /// The filter of an incremental import.
    since: Option<String>,
    /// The latest `meta.lastModified` read (or the one the run started
    /// from).
    latest: Option<DateTime<Utc>>,
    /// The next page's 1-based start, or None once read to the end.
    next: Option<u64>,
}

/// A SCIM app's stored connection settings, read and checked.
pub fn settings_of(stored: Value) -> Result<ScimSettings> {
    let settings = serde_json::from_value(stored)
        .map_err(|e| Error::InvalidInput(format!("SCIM connection: {e}")))?;
    check(&settings)?;
    Ok(settings)
}

/// Refuses to read an app whose API integration is not enabled (or not
/// set up at all).
pub fn require_enabled(stored: &Value, app_name: &str) -> Result<()> {
    match stored.get("enabled").and_then(Value::as_bool) {
        Some(true) => Ok(()),
        _ => Err(Error::InvalidInput(format!(
            "The API integration of {app_name} is not enabled: on its Provisioning tab, open API Integration, select Enable API integration and save"
        ))),
    }
}

/// A stored watermark: the instant, as RFC 3339 in UTC.
fn parse_watermark(stored: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(stored)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn watermark_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// One page of `resource` (`Users`, `Groups`) from the 1-based `start`:
/// the app's ListResponse and where the next page starts (None at the end: an empty
/// page, or the last of the total the app gave). An empty page before that
/// total is an error: it would end a full import early, as if the rest
/// were gone from the app.
async fn page(
    client: &Client,
    resource: &str,
    start: u64,
    filter: Option<&str>,
) -> Result<(Value, Option<u64>)> {
    let list = client.list(resource, start, PAGE, filter).await?;
    let total = list.get("totalResults").and_then(Value::as_u64);
    let read = resources(&list).len() as u64;
    if let Some(total) = total.filter(|&total| read == 0 && start <= total) {
        return Err(Error::Source(format!(
            "GET /{resource} answered an empty page at {start} of the {total} {} it said it has: the import stops rather than miss the rest",
            resource.to_lowercase()
        )));
    }
    let next = match (read, total) {
        (0, _) => None,
        (n, Some(total)) if start + n > total => None,
        (n, _) => Some(start + n),
    };
    Ok((list, next))
}

impl ScimSource {
    /// A source reading with `settings` and `secret`; an incremental import
    /// passes the watermark it goes on from.
    pub fn new(settings: &ScimSettings, secret: &str, since: Option<String>) -> Result<ScimSource> {
        let latest = since.as_deref().and_then(parse_watermark);
        Ok(ScimSource {
            client: Client::new(settings, secret)?,
            import_groups: settings.import_groups,
            since: latest.map(|t| format!("meta.lastModified ge \"{}\"", watermark_text(t))),
            latest,
            next: Some(1),
        })
    }

    async fn batch(&mut self) -> Result<Option<Vec<Item>>> {
        let Some(start) = self.next else {
            return Ok(None);
        };
        let (list, next) = page(&self.client, "Users", start, self.since.as_deref()).await?;
        self.next = next;
        let users = resources(&list);
        for user in users {
            let modified = user
                .pointer("/meta/lastModified")
                .and_then(Value::as_str)
                .and_then(parse_watermark);
            if let Some(t) = modified {
                if self.latest.is_none_or(|latest| t > latest) {
                    self.latest = Some(t);
                }
            }
        }
        Ok((!users.is_empty()).then(|| users.iter().map(record_of).collect()))
    }

    /// Every group with its members, page by page.
    async fn read_groups(&mut self) -> Result<Option<Vec<GroupRecord>>> {
        if !self.import_groups {
            return Ok(None);
        }
        let mut groups = Vec::new();
        let mut next = Some(1);
        while let Some(start) = next {
            let (list, after) = page(&self.client, "Groups", start, None).await?;
            groups.extend(resources(&list).iter().filter_map(group_of));
            next = after;
        }
        Ok(Some(groups))
    }
}

/// Why an incremental import of the app must read it whole: its
/// ServiceProviderConfig says it cannot filter (so not by
/// `meta.lastModified`). None when it can, or there is nothing to go on from.
pub async fn unfilterable(input: &super::SourceInput) -> Result<Option<String>> {
    let (Some(_), Some((settings, secret))) = (&input.watermark, &input.connection) else {
        return Ok(None);
    };
    let settings = settings_of(settings.clone())?;
    let client = Client::new(&settings, secret.as_deref().unwrap_or_default())?;
    Ok((!client.features().await?.filter).then(|| {
        "The app does not support filtering (its ServiceProviderConfig says so), so it cannot say what changed: this incremental import runs as a full import".to_owned()
    }))
}

impl Source for ScimSource {
    fn total(&self) -> Option<i64> {
        None
    }

    fn next_batch(&mut self) -> BoxFuture<'_, Result<Option<Vec<Item>>>> {
        Box::pin(self.batch())
    }

    fn watermark(&self) -> Option<String> {
        self.latest.map(watermark_text)
    }

    fn groups(&mut self) -> BoxFuture<'_, Result<Option<Vec<GroupRecord>>>> {
        Box::pin(self.read_groups())
    }
}

/// A SCIM user as a record: `login`, `firstName`, `lastName` and `email`
/// from the core schema, then every other single-valued attribute by its
/// path (`title`, `name.formatted`, an extension's `department` by its
/// name); its SCIM `id` is the external id, `active` whether it is enabled.
pub fn record_of(user: &Value) -> Item {
    let text = |pointer: &str| text(user, pointer);
    let id = text("/id");
    if id.is_empty() {
        return Item::Rejected(RowError {
            line: None,
            field: Some("id".into()),
            value: Some(text("/userName")),
            message: format!(
                "The app's user {:?} has no id: it cannot be followed between imports",
                text("/userName")
            ),
        });
    }
    let mut attributes = vec![
        ("login".to_owned(), text("/userName")),
        ("firstName".to_owned(), text("/name/givenName")),
        ("lastName".to_owned(), text("/name/familyName")),
        ("email".to_owned(), primary_email(user).unwrap_or_default()),
    ];
    let mut others = Vec::new();
    flatten("", user, &mut others);
    attributes.extend(others);
    Item::Record(Record {
        line: None,
        external_id: id,
        attributes,
        active: user.get("active").and_then(Value::as_bool) != Some(false),
    })
}

/// Single-valued attributes by path (`name.formatted`); an extension's
/// (`urn:…:enterprise:2.0:User`) by their own names.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let Some(object) = value.as_object() else {
        return;
    };
    for (key, v) in object {
        if prefix.is_empty() && NOT_FLATTENED.contains(&key.as_str()) {
            continue;
        }
        let path = match (prefix.is_empty(), key.starts_with("urn:")) {
            (_, true) => String::new(),
            (true, false) => key.clone(),
            (false, false) => format!("{prefix}.{key}"),
        };
        match v {
            Value::String(s) => out.push((path, s.clone())),
            Value::Bool(b) => out.push((path, b.to_string())),
            Value::Number(n) => out.push((path, n.to_string())),
            Value::Object(_) => flatten(&path, v, out),
            Value::Array(_) | Value::Null => {}
        }
    }
}

/// A SCIM group with its members (by the members' SCIM ids).
fn group_of(group: &Value) -> Option<GroupRecord> {
    let id = group.get("id")?.as_str()?.to_owned();
    let members = group
        .get("members")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .filter_map(|m| m.get("value")?.as_str())
                .map(|id| Member::Account(id.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    Some(GroupRecord {
        name: group
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or(&id)
            .to_owned(),
        external_id: id,
        description: String::new(),
        dn: String::new(),
        members,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_becomes_a_record_with_its_attributes_by_path() {
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen", "formatted": "Ms. Barbara Jensen"},
            "title": "Tour Guide",
            "active": false,
            "emails": [{"value": "bjensen@example.com", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tours"},
            "meta": {"lastModified": "2026-12-01T10:00:00Z"},
        });
        let Item::Record(record) = record_of(&user) else {
            panic!("rejected")
        };
        assert_eq!(record.external_id, "2819c223");
        assert!(!record.active);
        let get = |name: &str| {
            record
                .attributes
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("login"), Some("bjensen@example.com"));
        assert_eq!(get("firstName"), Some("Barbara"));
        assert_eq!(get("lastName"), Some("Jensen"));
        assert_eq!(get("email"), Some("bjensen@example.com"));
        assert_eq!(get("name.formatted"), Some("Ms. Barbara Jensen"));
        assert_eq!(get("title"), Some("Tour Guide"));
        assert_eq!(get("department"), Some("Tours"));
        assert_eq!(get("meta.lastModified"), None);
    }

    #[test]
    fn a_user_without_an_id_is_rejected_by_name() {
        let Item::Rejected(error) = record_of(&json!({"userName": "ann"})) else {
            panic!("accepted")
        };
        assert_eq!(error.field.as_deref(), Some("id"));
        assert!(error.message.contains("\"ann\""), "{}", error.message);
    }

    #[test]
    fn the_watermark_is_the_latest_change_in_utc() {
        let t = parse_watermark("2026-12-04T19:00:00.5+01:00").unwrap();
        assert_eq!(watermark_text(t), "2026-12-04T18:00:00.500000Z");
    }
}
