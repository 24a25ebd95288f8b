//! A SCIM 2.0 client (RFC 7643, RFC 7644) for the apps Muster imports from
//! and provisions to. It reads what the app says it supports
//! (`ServiceProviderConfig`) rather than assuming, and says of every failure
//! what was asked, what the app answered (status and SCIM `detail`) and
//! what that likely means, for the admin who set up the integration.

use crate::error::{Error, Result};
use proto::directory::{ConnectionTest, FoundUser, TestStep};
use proto::scim::{ScimAuth, ScimFeatures, ScimSettings};
use serde_json::Value;
use std::time::Duration;

/// The media type of SCIM requests and answers (RFC 7644 §3.1).
const SCIM_JSON: &str = "application/scim+json";

/// Users Test API Credentials reads.
const TEST_USERS: u32 = 5;

/// A connection to one SCIM app.
pub struct Client {
    http: reqwest::Client,
    base: String,
    auth: Auth,
    timeout_seconds: u64,
}

enum Auth {
    Bearer(String),
    Basic { username: String, password: String },
}

/// What a request came to: the app's JSON, or a failure described.
type Answer = std::result::Result<Value, String>;

impl Client {
    /// A client of the app at `settings`, signing with `secret` (the token,
    /// or Basic's password). Refuses settings that cannot work.
    pub fn new(settings: &ScimSettings, secret: &str) -> Result<Client> {
        check(settings)?;
        let auth = match settings.auth {
            ScimAuth::Bearer => Auth::Bearer(secret.to_owned()),
            ScimAuth::Basic => Auth::Basic {
                username: settings.username.trim().to_owned(),
                password: secret.to_owned(),
            },
        };
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls_config()?)
            .connect_timeout(Duration::from_secs(settings.timeout_seconds.min(10)))
            .timeout(Duration::from_secs(settings.timeout_seconds))
            .user_agent(concat!("Muster/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        Ok(Client {
            http,
            base: settings.base().to_owned(),
            auth,
            timeout_seconds: settings.timeout_seconds,
        })
    }

    /// A request to `path` (under the base URL, with its query), signed.
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.base));
        let request = match &self.auth {
            Auth::Bearer(token) => request.bearer_auth(token),
            Auth::Basic { username, password } => request.basic_auth(username, Some(password)),
        };
        request.header(reqwest::header::ACCEPT, SCIM_JSON)
    }

    /// GETs `path` (under the base URL, with its query), signed.
    async fn get(&self, path: &str) -> Answer {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .map_err(|e| self.unreached("GET", path, &e))?;
        let status = response.status();
        let media = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("no content type")
            .to_owned();
        let body = response
            .text()
            .await
            .map_err(|e| self.unreached("GET", path, &e))?;
        let json = serde_json::from_str::<Value>(&body).ok();
        if !status.is_success() {
            return Err(format!(
                "GET {path} answered {status}{}",
                match json.as_ref().and_then(scim_detail) {
                    Some(detail) => format!(": {detail}"),
                    None => String::new(),
                }
            ));
        }
        match json {
            Some(json) if json.get("schemas").is_some() => Ok(json),
            _ => Err(format!(
                "GET {path} answered {status} with {media}, not SCIM JSON: is {} the app's SCIM base URL?",
                self.base
            )),
        }
    }

    /// Why a request got no answer: the address not reached, no answer in
    /// time, or something other than HTTP there.
    fn unreached(&self, method: &str, path: &str, e: &reqwest::Error) -> String {
        let why = if e.is_timeout() {
            format!("no answer within {} s", self.timeout_seconds)
        } else if e.is_connect() {
            format!("could not connect ({})", root_cause(e))
        } else {
            root_cause(e)
        };
        format!("{method} {}{path}: {why}", self.base)
    }

    /// Sends a write (or a read the pusher makes) and says what came of it,
    /// told apart as the pusher needs: done, the account exists, worth
    /// trying again, or refused for good.
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Sent {
        let mut request = self.request(method.clone(), path);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, SCIM_JSON)
                .body(body.to_string());
        }
        let transient = |why| Sent::Transient { why, after: None };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return transient(self.unreached(method.as_str(), path, &e)),
        };
        let status = response.status();
        let after = retry_after(response.headers());
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => return transient(self.unreached(method.as_str(), path, &e)),
        };
        let json = serde_json::from_str::<Value>(&text).ok();
        let said = format!(
            "{method} {path} answered {status}{}",
            match json.as_ref().and_then(scim_detail) {
                Some(detail) => format!(": {detail}"),
                None => String::new(),
            }
        );
        match status.as_u16() {
            200..=299 => Sent::Done(json.unwrap_or(Value::Null)),
            409 => Sent::Conflict(said),
            408 | 429 | 500..=599 => Sent::Transient { why: said, after },
            _ => Sent::Refused(said),
        }
    }

    /// POST /Users: the account created, as the app answers it.
    pub(crate) async fn create_user(&self, user: &Value) -> Sent {
        self.send(reqwest::Method::POST, "/Users", Some(user)).await
    }

    /// PATCH /Users/{id} with these operations (RFC 7644 §3.5.2); the app
    /// may answer 200 with the user or 204 with nothing.
    pub(crate) async fn patch_user(&self, id: &str, operations: Vec<Value>) -> Sent {
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        });
        let path = format!("/Users/{}", query_value(id));
        self.send(reqwest::Method::PATCH, &path, Some(&body)).await
    }

    /// GET /Users/{id}: the user as the app has it.
    pub(crate) async fn user(&self, id: &str) -> Sent {
        let path = format!("/Users/{}", query_value(id));
        self.send(reqwest::Method::GET, &path, None).await
    }

    /// PUT /Users/{id}: the whole user replaced, for apps without PATCH.
    pub(crate) async fn replace_user(&self, id: &str, user: &Value) -> Sent {
        let path = format!("/Users/{}", query_value(id));
        self.send(reqwest::Method::PUT, &path, Some(user)).await
    }

    /// The app's user with this userName (compared case-insensitively, as
    /// RFC 7643 makes userName): found by a filter when the app can filter,
    /// else by reading its users page by page.
    pub(crate) async fn user_named(
        &self,
        user_name: &str,
        filter: bool,
    ) -> std::result::Result<Option<Value>, Sent> {
        let wanted = user_name.to_lowercase();
        let same = |u: &&Value| text(u, "/userName").to_lowercase() == wanted;
        if filter {
            let quoted = user_name.replace('\\', "\\\\").replace('"', "\\\"");
            let path = format!(
                "/Users?filter={}",
                query_value(&format!("userName eq \"{quoted}\""))
            );
            return match self.send(reqwest::Method::GET, &path, None).await {
                Sent::Done(list) => Ok(resources(&list).iter().find(same).cloned()),
                other => Err(other),
            };
        }
        let mut start = 1;
        loop {
            let path = format!("/Users?startIndex={start}&count=200");
            let list = match self.send(reqwest::Method::GET, &path, None).await {
                Sent::Done(list) => list,
                other => return Err(other),
            };
            let page = resources(&list);
            if let Some(found) = page.iter().find(same) {
                return Ok(Some(found.clone()));
            }
            let total = list.get("totalResults").and_then(Value::as_u64);
            start += page.len() as u64;
            if page.is_empty() || total.is_some_and(|t| start > t) {
                return Ok(None);
            }
        }
    }

    /// One page of a resource's list (`/Users`, `/Groups`) from the
    /// 1-based `start`, of up to `count`, with the filter when given.
    pub(crate) async fn list(
        &self,
        resource: &str,
        start: u64,
        count: u64,
        filter: Option<&str>,
    ) -> Result<Value> {
        let mut path = format!("/{resource}?startIndex={start}&count={count}");
        if let Some(filter) = filter {
            path.push_str("&filter=");
            path.push_str(&query_value(filter));
        }
        self.get(&path).await.map_err(Error::Source)
    }

    /// What the app says it supports.
    pub async fn features(&self) -> Result<ScimFeatures> {
        self.get("/ServiceProviderConfig")
            .await
            .map(|config| features_of(&config))
            .map_err(Error::Source)
    }

    /// The app's user attributes as an import names them (Import User
    /// Schema): `login`, `firstName`, `lastName`, `email`, then every
    /// single-valued attribute of the User resource type's schema and its
    /// extensions, by path (`name.middleName`, `department`), read from the
    /// app's `/ResourceTypes` and `/Schemas`.
    pub async fn user_attributes(&self) -> Result<Vec<String>> {
        let types = self.get("/ResourceTypes").await.map_err(Error::Source)?;
        let user_type = resources(&types)
            .iter()
            .find(|t| text(t, "/endpoint") == "/Users" || text(t, "/name") == "User");
        let core = match user_type.map(|t| text(t, "/schema")) {
            Some(schema) if !schema.is_empty() => schema,
            _ => CORE_USER.to_owned(),
        };
        let extensions: Vec<String> = user_type
            .and_then(|t| t.get("schemaExtensions"))
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|e| text(e, "/schema"))
            .collect();
        let schemas = self.get("/Schemas").await.map_err(Error::Source)?;
        let mut paths: Vec<String> = ["login", "firstName", "lastName", "email"]
            .map(str::to_owned)
            .into();
        let mut found = false;
        for schema in resources(&schemas) {
            let id = text(schema, "/id");
            if id == core || extensions.contains(&id) {
                found |= id == core;
                let attributes = schema.get("attributes").and_then(Value::as_array);
                attribute_paths("", attributes.map_or(&[][..], Vec::as_slice), &mut paths);
            }
        }
        if !found {
            return Err(Error::Source(format!(
                "GET /Schemas answered no {core} schema: the app does not describe its users"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        paths.retain(|p| seen.insert(p.clone()));
        Ok(paths)
    }

    /// Test API Credentials: the app's ServiceProviderConfig, then one page
    /// of its users, each step saying what worked or what failed.
    pub async fn test(&self) -> ConnectionTest {
        let mut test = ConnectionTest {
            steps: Vec::new(),
            users: Vec::new(),
        };
        let mut step = |name: &str, answer: std::result::Result<String, String>| {
            let ok = answer.is_ok();
            test.steps.push(TestStep {
                name: name.into(),
                ok,
                detail: answer.unwrap_or_else(|e| e),
            });
            ok
        };
        let config = self.get("/ServiceProviderConfig").await;
        let supported = config.as_ref().map(|c| describe(&features_of(c)));
        if !step("ServiceProviderConfig", supported.map_err(Clone::clone)) {
            return test;
        }
        let page = self
            .get(&format!("/Users?startIndex=1&count={TEST_USERS}"))
            .await;
        let users: Vec<FoundUser> = match &page {
            Ok(list) => resources(list).iter().map(found_user).collect(),
            Err(_) => Vec::new(),
        };
        let read = page.map(|list| {
            let total = list.get("totalResults").and_then(Value::as_u64);
            let read = count(users.len() as u64);
            match total {
                Some(n) => format!("Signed in: the app has {}; read {read}", count(n)),
                None => format!("Signed in: read {read}"),
            }
        });
        step("Users", read);
        test.users = users;
        test
    }
}

/// The core User schema (RFC 7643 §4.1).
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The single-valued attributes of a schema by path, as an import flattens
/// a user: complex ones by their sub-attributes (`name.givenName`), the
/// core attributes the import names itself (`userName`, `emails`…) left out.
fn attribute_paths(prefix: &str, attributes: &[Value], out: &mut Vec<String>) {
    for a in attributes {
        let name = text(a, "/name");
        let multi = a.get("multiValued").and_then(Value::as_bool) == Some(true);
        if name.is_empty() || multi || (prefix.is_empty() && NOT_FLATTENED.contains(&name.as_str()))
        {
            continue;
        }
        let path = match prefix {
            "" => name,
            p => format!("{p}.{name}"),
        };
        match text(a, "/type").as_str() {
            "complex" => {
                let subs = a.get("subAttributes").and_then(Value::as_array);
                attribute_paths(&path, subs.map_or(&[][..], Vec::as_slice), out);
            }
            _ => out.push(path),
        }
    }
}

/// The attributes an import takes from the core schema's own names, or
/// that are not the person's (`schemas`, `meta`, `id`): never flattened.
pub(crate) const NOT_FLATTENED: [&str; 7] = [
    "schemas", "meta", "id", "userName", "emails", "password", "groups",
];

/// What a request of the pusher came to.
#[derive(Debug, Clone)]
pub(crate) enum Sent {
    /// 2xx: the app's JSON (null for 204 No Content).
    Done(Value),
    /// 409: the account exists (SCIM `uniqueness`).
    Conflict(String),
    /// Worth trying again later: no answer, 408, 429 or 5xx; after the
    /// delay the app asked for (`Retry-After`), when it did.
    Transient {
        why: String,
        after: Option<Duration>,
    },
    /// Refused for good (400, 401, 403, 404…), in the app's words.
    Refused(String),
}

/// A `Retry-After` given in seconds (RFC 9110 §10.2.3), at most an hour.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds.min(3600)))
}

/// Settings that cannot work are refused, field by field, before anything
/// is sent or saved.
pub(crate) fn check(settings: &ScimSettings) -> Result<()> {
    let problems = settings.problems();
    match problems.is_empty() {
        true => Ok(()),
        false => Err(Error::InvalidInput(problems.join("; "))),
    }
}

/// The text at `pointer` in a resource (`/name/givenName`), or "".
pub(crate) fn text(resource: &Value, pointer: &str) -> String {
    resource
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A query parameter's value, percent-encoded (RFC 3986: all but the
/// unreserved characters).
fn query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A ListResponse's resources (RFC 7644 §3.4.2).
pub(crate) fn resources(list: &Value) -> &[Value] {
    list.get("Resources")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// "1 user", "5 users".
fn count(users: u64) -> String {
    match users {
        1 => "1 user".to_owned(),
        n => format!("{n} users"),
    }
}

/// The innermost cause of an HTTP failure ("Connection refused (os error
/// 111)"), which says more than reqwest's outer "error sending request".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    cause.to_string()
}

/// A SCIM error's `detail` (RFC 7644 §3.12), with its `scimType` when
/// there is one.
fn scim_detail(error: &Value) -> Option<String> {
    let detail = error.get("detail").and_then(Value::as_str)?;
    Some(match error.get("scimType").and_then(Value::as_str) {
        Some(kind) => format!("{detail} ({kind})"),
        None => detail.to_owned(),
    })
}

/// A ServiceProviderConfig's features (RFC 7643 §5); a feature it does not
/// mention is not supported.
fn features_of(config: &Value) -> ScimFeatures {
    let supported = |name: &str| {
        config
            .get(name)
            .and_then(|f| f.get("supported"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    ScimFeatures {
        filter: supported("filter"),
        max_results: config
            .pointer("/filter/maxResults")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        patch: supported("patch"),
        sort: supported("sort"),
        bulk: supported("bulk"),
        etag: supported("etag"),
        change_password: supported("changePassword"),
    }
}

/// "Supports filtering (up to 1000 results), PATCH, sorting; not bulk".
fn describe(f: &ScimFeatures) -> String {
    let filter = match f.max_results {
        Some(n) => format!("filtering (up to {n} results)"),
        None => "filtering".to_owned(),
    };
    let all = [
        (f.filter, filter),
        (f.patch, "PATCH".to_owned()),
        (f.sort, "sorting".to_owned()),
        (f.bulk, "bulk".to_owned()),
        (f.etag, "ETags".to_owned()),
        (f.change_password, "password changes".to_owned()),
    ];
    let (yes, no): (Vec<_>, Vec<_>) = all.into_iter().partition(|(on, _)| *on);
    let names = |list: Vec<(bool, String)>| {
        list.into_iter()
            .map(|(_, name)| name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (yes.is_empty(), no.is_empty()) {
        (true, _) => format!("Supports none of: {}", names(no)),
        (false, true) => format!("Supports {}", names(yes)),
        (false, false) => format!("Supports {}; not {}", names(yes), names(no)),
    }
}

/// A SCIM user as Test API Credentials lists it.
fn found_user(user: &Value) -> FoundUser {
    let text = |pointer: &str| text(user, pointer);
    let name = match text("/name/formatted") {
        formatted if !formatted.is_empty() => formatted,
        _ => format!("{} {}", text("/name/givenName"), text("/name/familyName"))
            .trim()
            .to_owned(),
    };
    FoundUser {
        login: text("/userName"),
        name,
        email: primary_email(user).unwrap_or_default(),
        external_id: text("/id"),
    }
}

/// The user's primary email, or else the first.
pub(crate) fn primary_email(user: &Value) -> Option<String> {
    let emails = user.get("emails")?.as_array()?;
    let primary = emails
        .iter()
        .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| emails.first())?;
    primary.get("value")?.as_str().map(str::to_owned)
}

/// TLS trusting the system's certificates.
fn tls_config() -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in crate::sources::ldap::rustls_native_roots() {
        let _ = roots.add(cert);
    }
    crate::sources::ldap::client_config(roots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn features_are_read_from_the_service_provider_config() {
        let config = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0},
            "filter": {"supported": true, "maxResults": 200},
            "sort": {"supported": false},
        });
        let features = features_of(&config);
        assert_eq!(
            features,
            ScimFeatures {
                filter: true,
                max_results: Some(200),
                patch: true,
                ..ScimFeatures::default()
            }
        );
        assert_eq!(
            describe(&features),
            "Supports filtering (up to 200 results), PATCH; not sorting, bulk, ETags, password changes"
        );
    }

    #[test]
    fn a_scim_error_says_its_detail_and_type() {
        let error = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "409",
            "scimType": "uniqueness",
            "detail": "One or more of the attribute values are already in use",
        });
        assert_eq!(
            scim_detail(&error).as_deref(),
            Some("One or more of the attribute values are already in use (uniqueness)")
        );
        assert_eq!(scim_detail(&json!({"message": "nope"})), None);
    }

    #[test]
    fn a_user_is_listed_with_its_primary_email_and_name() {
        let user = json!({
            "id": "2819c223",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [
                {"value": "babs@home.example", "type": "home"},
                {"value": "bjensen@example.com", "type": "work", "primary": true},
            ],
        });
        assert_eq!(
            found_user(&user),
            FoundUser {
                login: "bjensen@example.com".into(),
                name: "Barbara Jensen".into(),
                email: "bjensen@example.com".into(),
                external_id: "2819c223".into(),
            }
        );
    }
}
