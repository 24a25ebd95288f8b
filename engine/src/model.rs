//! Domain types: values that can only hold valid data, and the read models the
//! engine hands out.

use serde::{Deserialize, Serialize};

pub use proto::records::*;
pub use proto::{
    AdminRole, AppKind, AppStatus, ImportTrigger, ImportType, Lifecycle, MatchType, QueueChoice,
    RemovalAction, RunStatus, SafeguardLevel, TextEncoding, UserStatus,
};

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

/// The form people are searched in: accents dropped (after compatibility
/// decomposition), then [`fold`]ed, so "zoe" finds "Zoë" and "ZOË".
pub fn search_fold(s: &str) -> String {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let bare: String = s.nfkd().filter(|c| !is_combining_mark(*c)).collect();
    fold(&bare)
}

/// What a person is found by: their name, login, email and every other
/// profile value, each on its own line, in [`search_fold`]'s form.
/// `attributes` is the whole profile; the four names in it are not repeated.
pub fn search_key(
    first_name: &str,
    last_name: &str,
    login: &str,
    email: &str,
    attributes: &serde_json::Map<String, serde_json::Value>,
) -> String {
    let mut key = format!("{first_name} {last_name}\n{login}\n{email}");
    let others = attributes
        .iter()
        .filter(|(name, _)| !REQUIRED_ATTRIBUTES.contains(&name.as_str()));
    for (_, value) in others {
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::String(s) => {
                key.push('\n');
                key.push_str(s);
            }
            other => {
                key.push('\n');
                key.push_str(&other.to_string());
            }
        }
    }
    search_fold(&key)
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
    /// What the person is found by ([`search_key`]).
    pub fn search_key(&self) -> String {
        search_key(
            &self.first_name,
            &self.last_name,
            self.login.as_str(),
            self.email.as_str(),
            &self.attributes,
        )
    }

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

/// Seconds from a time until now.
pub fn seconds_since(t: chrono::DateTime<chrono::Utc>) -> f64 {
    (chrono::Utc::now() - t).num_milliseconds() as f64 / 1000.0
}

/// A value as compact JSON text, written straight into a buffer (a map of
/// strings cannot fail to serialise; anything that does gives `null`).
pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
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
