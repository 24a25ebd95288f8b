//! An app's "To Muster" provisioning settings and the org's import
//! safeguards (their types and defaults are `proto::settings`'s): how they
//! are checked before they are saved, and how they turn a source record
//! into a profile.

use crate::error::{Error, Result};
use crate::mapping::expr::{Expr, Scope};
pub use proto::settings::*;
use serde::Serialize;
use std::borrow::Cow;

/// A profile attribute's name: ASCII letters, digits and `_`.
fn is_attribute_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_percent(what: &str, s: &Safeguard) -> Result<()> {
    if !(1..=100).contains(&s.percent) {
        return Err(Error::InvalidInput(format!(
            "{what} must be a percentage from 1 to 100, not {}",
            s.percent
        )));
    }
    Ok(())
}

/// Checks the org's settings before they are saved.
pub fn validate_org(settings: &OrgSettings) -> Result<()> {
    check_percent("The org-level safeguard", &settings.safeguard)
}

/// Reads stored settings; a misspelt key or a value of the wrong shape is
/// an error that names it, never the defaults.
pub fn from_json(json: &str) -> Result<AppSettings> {
    AppSettings::from_json(json)
        .map_err(|e| Error::InvalidInput(format!("The app's settings cannot be read: {e}")))
}

/// Checks the settings before they are saved and normalizes them: the
/// attribute criterion turns the other two off. Errors say which field.
pub fn validate(mut settings: AppSettings) -> Result<AppSettings> {
    for (name, s) in [
        (
            "Incremental import schedule",
            &settings.incremental_schedule,
        ),
        ("Full import schedule", &settings.full_schedule),
    ] {
        if s.frequency != Frequency::Never && !(1..=1000).contains(&s.interval) {
            return Err(Error::InvalidInput(format!(
                "{name}: the interval must be from 1 to 1000, not {}",
                s.interval
            )));
        }
    }
    if let (Some(full), Some(incremental)) = (
        settings.full_schedule.period_seconds(),
        settings.incremental_schedule.period_seconds(),
    ) {
        if full < incremental {
            return Err(Error::InvalidInput(format!(
                "Full import schedule: \"{}\" is more often than the incremental schedule \"{}\"; a full import may run no more often than an incremental one",
                settings.full_schedule.describe(),
                settings.incremental_schedule.describe()
            )));
        }
    }
    check_percent("The app-level safeguard", &settings.safeguard)?;
    match &settings.username_format {
        UsernameFormat::Attribute(a) if a.trim().is_empty() => {
            return Err(Error::InvalidInput(
                "Username format: choose the source attribute".into(),
            ));
        }
        UsernameFormat::Custom(e) => {
            Expr::parse(e)
                .and_then(|e| e.check_budget())
                .map_err(|err| Error::InvalidInput(format!("Username format: {err}")))?;
        }
        _ => {}
    }
    if let Some(a) = &settings.matching.attribute {
        let a = a.trim();
        if a.is_empty() {
            return Err(Error::InvalidInput(
                "User matching: \"The following attribute matches\" is chosen but names no attribute; name one or untick it".into(),
            ));
        }
        if !is_attribute_name(a) {
            return Err(Error::InvalidInput(format!(
                "User matching: \"{a}\" is not an attribute name (letters, digits and _ only)"
            )));
        }
        settings.matching.attribute = Some(a.to_owned());
        settings.matching.username = false;
        settings.matching.email = false;
    }
    if settings.matching.auto_confirm_partial && !settings.matching.allow_partial {
        return Err(Error::InvalidInput(
            "User matching: \"Auto-confirm partial matches\" is on while \"Allow partial matches\" is off; partial matches are only confirmed when they are allowed".into(),
        ));
    }
    if settings.matching.auto_activate_new && !settings.matching.auto_confirm_new {
        return Err(Error::InvalidInput(
            "User matching: \"Auto-activate new users\" is on while \"Auto-confirm new users\" is off; only new users that are confirmed can be activated".into(),
        ));
    }
    if !settings.matching.username
        && !settings.matching.email
        && settings.matching.attribute.is_none()
    {
        return Err(Error::InvalidInput(
            "User matching: choose at least one way an imported user matches a Muster user".into(),
        ));
    }
    let mut seen = Vec::new();
    for m in &settings.mappings {
        let attribute = m.attribute.trim();
        if !is_attribute_name(attribute) {
            return Err(Error::InvalidInput(format!(
                "Attribute mappings: \"{}\" is not a user attribute name",
                m.attribute
            )));
        }
        if seen.contains(&attribute) {
            return Err(Error::InvalidInput(format!(
                "Attribute mappings: {attribute} is mapped twice"
            )));
        }
        seen.push(attribute);
        Expr::parse(&m.expression)
            .and_then(|e| e.check_budget())
            .map_err(|err| {
                Error::InvalidInput(format!("Attribute mappings: {attribute}: {err}"))
            })?;
    }
    Ok(settings)
}

/// Checks that the settings name only attributes the app's source has:
/// `known` are its columns (from its last import). Attribute mappings read
/// the source; the username format and the matching attribute read the
/// profile, which also has the attributes the mappings set.
pub fn check_known_attributes(settings: &AppSettings, known: &[String]) -> Result<()> {
    let list = || known.join(", ");
    let in_source = |name: &str| known.iter().any(|k| k == name);
    let mapped = |name: &str| settings.mappings.iter().any(|m| m.attribute.trim() == name);
    let unknown = |what: &str, name: &str| {
        Error::InvalidInput(format!(
            "{what}: the app's source has no attribute \"{name}\"; its attributes (from its user schema or the last import) are {}",
            list()
        ))
    };
    for m in &settings.mappings {
        let attribute = m.attribute.trim();
        if let Ok(expr) = Expr::parse(&m.expression) {
            if let Some(name) = expr
                .app_user_attributes()
                .into_iter()
                .find(|a| !in_source(a))
            {
                return Err(unknown(&format!("Attribute mappings: {attribute}"), &name));
            }
        }
    }
    match &settings.username_format {
        UsernameFormat::Attribute(a) => {
            let a = a.trim();
            if !in_source(a) && !mapped(a) {
                return Err(unknown("Username format", a));
            }
        }
        UsernameFormat::Email | UsernameFormat::EmailPrefix => {
            if !in_source("email") && !mapped("email") {
                return Err(unknown("Username format", "email"));
            }
        }
        UsernameFormat::Custom(e) => {
            if let Ok(expr) = Expr::parse(e) {
                if let Some(name) = expr
                    .app_user_attributes()
                    .into_iter()
                    .find(|a| !in_source(a))
                {
                    return Err(unknown("Username format", &name));
                }
            }
        }
    }
    if let Some(a) = &settings.matching.attribute {
        let a = a.trim();
        if !in_source(a) && !mapped(a) && a != "login" {
            return Err(unknown("User matching", a));
        }
    }
    Ok(())
}

impl ProfileMapper {
    /// Compiles the username format and mappings for a run.
    pub fn new(settings: &AppSettings) -> Result<ProfileMapper> {
        let mappings = settings
            .mappings
            .iter()
            .map(|m| {
                Expr::parse(&m.expression)
                    .map(|e| (m.attribute.trim().to_owned(), e))
                    .map_err(|err| {
                        Error::InvalidInput(format!("Attribute mappings: {}: {err}", m.attribute))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let username = match &settings.username_format {
            UsernameFormat::Email => Username::Attribute("email".into()),
            UsernameFormat::EmailPrefix => Username::EmailPrefix,
            UsernameFormat::Attribute(a) => Username::Attribute(a.clone()),
            UsernameFormat::Custom(e) => Username::Expr(
                Expr::parse(e)
                    .map_err(|err| Error::InvalidInput(format!("Username format: {err}")))?,
            ),
        };
        Ok(ProfileMapper { mappings, username })
    }
}

enum Username {
    Attribute(String),
    EmailPrefix,
    Expr(Expr),
}

/// Turns a source record's attributes into profile attributes: each mapping
/// replaces (or, on `null`, removes) its attribute, then the username format
/// sets `login`.
pub struct ProfileMapper {
    mappings: Vec<(String, Expr)>,
    username: Username,
}

struct RecordScope<'a>(&'a [(String, String)]);

impl Scope for RecordScope<'_> {
    fn app_user(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn user(&self, _name: &str) -> Option<&str> {
        None
    }
}

/// A mapping that failed on one record: which attribute and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub attribute: String,
    pub message: String,
}

impl ProfileMapper {
    /// True when the record's attributes are used as they are.
    pub fn is_identity(&self) -> bool {
        self.mappings.is_empty() && matches!(&self.username, Username::Attribute(a) if a == "login")
    }

    pub fn map<'a>(
        &self,
        source: &'a [(String, String)],
    ) -> Result<Cow<'a, [(String, String)]>, MappingError> {
        if self.is_identity() {
            return Ok(Cow::Borrowed(source));
        }
        let scope = RecordScope(source);
        let mut out: Vec<(String, String)> = source.to_vec();
        let set = |out: &mut Vec<(String, String)>, name: &str, value: Option<String>| {
            let at = out.iter().position(|(k, _)| k == name);
            match (at, value) {
                (Some(i), Some(v)) => {
                    if let Some(slot) = out.get_mut(i) {
                        slot.1 = v;
                    }
                }
                (None, Some(v)) => out.push((name.to_owned(), v)),
                (Some(i), None) => {
                    out.remove(i);
                }
                (None, None) => {}
            }
        };
        for (attribute, expr) in &self.mappings {
            let value = expr
                .eval(&scope)
                .map_err(|e| MappingError {
                    attribute: attribute.clone(),
                    message: e.message,
                })?
                .to_profile_string();
            set(&mut out, attribute, value);
        }
        let get = |out: &[(String, String)], name: &str| {
            out.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        };
        let login = match &self.username {
            Username::Attribute(a) => get(&out, a),
            Username::EmailPrefix => {
                get(&out, "email").map(|e| e.split('@').next().unwrap_or_default().to_owned())
            }
            Username::Expr(e) => e
                .eval(&scope)
                .map_err(|e| MappingError {
                    attribute: "login".into(),
                    message: e.message,
                })?
                .to_profile_string(),
        };
        set(&mut out, "login", Some(login.unwrap_or_default()));
        Ok(Cow::Owned(out))
    }
}

/// The settings that differ between two versions, as `(path, old, new)`,
/// for the System Log.
pub fn changes(
    old: &impl Serialize,
    new: &impl Serialize,
) -> Vec<(String, serde_json::Value, serde_json::Value)> {
    fn walk(
        path: &str,
        a: &serde_json::Value,
        b: &serde_json::Value,
        out: &mut Vec<(String, serde_json::Value, serde_json::Value)>,
    ) {
        match (a, b) {
            (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
                let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    let null = serde_json::Value::Null;
                    walk(
                        &p,
                        x.get(k).unwrap_or(&null),
                        y.get(k).unwrap_or(&null),
                        out,
                    );
                }
            }
            _ if a != b => out.push((path.to_owned(), a.clone(), b.clone())),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let a = serde_json::to_value(old).unwrap_or_default();
    let b = serde_json::to_value(new).unwrap_or_default();
    walk("", &a, &b, &mut out);
    out
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
    fn defaults_read_from_empty_or_partial_json() {
        let s = AppSettings::from_json("{}").unwrap();
        assert_eq!(s, AppSettings::default());
        assert!(s.matching.username && !s.matching.email);
        assert_eq!(
            s.safeguard,
            Safeguard {
                enabled: true,
                percent: 20
            }
        );
        assert_eq!(s.sourcing.on_deactivated, DeactivateAction::Deactivate);
        let s = AppSettings::from_json(r#"{"matching":{"email":true}}"#).unwrap();
        assert!(s.matching.email && s.matching.username);
    }

    #[test]
    fn a_misspelt_or_misshapen_setting_is_an_error_not_a_default() {
        let e = AppSettings::from_json(r#"{"matching":{"emial":true}}"#).unwrap_err();
        assert!(e.to_string().contains("emial"), "{e}");
        assert!(AppSettings::from_json(r#"{"safeguard":{"percent":"20"}}"#).is_err());
        assert!(AppSettings::from_json(r#"{"sourcing":{"onDeactivated":"Vanish"}}"#).is_err());
    }

    #[test]
    fn the_matching_attribute_must_be_a_name() {
        let with = |a: &str| AppSettings {
            matching: Matching {
                attribute: Some(a.into()),
                ..Matching::default()
            },
            ..AppSettings::default()
        };
        let ok = validate(with(" employeeNumber ")).unwrap();
        assert_eq!(ok.matching.attribute.as_deref(), Some("employeeNumber"));
        for bad in ["a.b", "x[0]", "$.login", "first name", "é"] {
            let e = validate(with(bad)).unwrap_err().to_string();
            assert!(e.contains("is not an attribute name"), "{bad}: {e}");
        }
    }

    #[test]
    fn contradictions_are_refused_with_what_to_change() {
        let with = |change: fn(&mut Matching)| {
            let mut s = AppSettings::default();
            change(&mut s.matching);
            validate(s)
        };
        let e = with(|m| m.attribute = Some("  ".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("names no attribute"), "{e}");
        let e = with(|m| m.auto_confirm_partial = true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"Allow partial matches\" is off"), "{e}");
        assert!(with(|m| {
            m.auto_confirm_partial = true;
            m.allow_partial = true;
        })
        .is_ok());
        let e = with(|m| m.auto_activate_new = true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"Auto-confirm new users\" is off"), "{e}");
        assert!(with(|m| {
            m.auto_activate_new = true;
            m.auto_confirm_new = true;
        })
        .is_ok());
    }

    #[test]
    fn only_attributes_the_source_has_are_named() {
        let known: Vec<String> = ["login", "firstName", "lastName", "email", "dept"]
            .map(String::from)
            .to_vec();
        let check = |s: &AppSettings| check_known_attributes(s, &known);
        assert!(check(&AppSettings::default()).is_ok());
        let mut s = AppSettings {
            username_format: UsernameFormat::Attribute("emplid".into()),
            ..Default::default()
        };
        let e = check(&s).unwrap_err().to_string();
        assert!(
            e.starts_with("Username format:")
                && e.contains("\"emplid\"")
                && e.contains("login, firstName, lastName, email, dept"),
            "{e}"
        );
        // An attribute a mapping sets is in the profile the format reads.
        s.mappings.push(Mapping {
            attribute: "emplid".into(),
            expression: "appuser.dept + appuser.login".into(),
        });
        assert!(check(&s).is_ok());
        s.mappings[0].expression = "appuser.department".into();
        let e = check(&s).unwrap_err().to_string();
        assert!(
            e.starts_with("Attribute mappings: emplid:") && e.contains("\"department\""),
            "{e}"
        );
        let s = AppSettings {
            username_format: UsernameFormat::Custom(
                "appuser.first + '.' + appuser.lastName".into(),
            ),
            ..Default::default()
        };
        assert!(check(&s).unwrap_err().to_string().contains("\"first\""));
        let mut s = AppSettings::default();
        s.matching.attribute = Some("employeeNumber".into());
        let e = check(&s).unwrap_err().to_string();
        assert!(
            e.starts_with("User matching:") && e.contains("\"employeeNumber\""),
            "{e}"
        );
    }

    #[test]
    fn attribute_criterion_turns_the_others_off() {
        let mut s = AppSettings::default();
        s.matching.email = true;
        s.matching.attribute = Some("employeeNumber".into());
        let s = validate(s).unwrap();
        assert!(!s.matching.username && !s.matching.email);
    }

    #[test]
    fn full_schedule_may_not_run_more_often_than_incremental() {
        let mut s = AppSettings {
            incremental_schedule: Schedule {
                frequency: Frequency::Daily,
                interval: 1,
            },
            full_schedule: Schedule {
                frequency: Frequency::Hourly,
                interval: 6,
            },
            ..Default::default()
        };
        let e = validate(s.clone()).unwrap_err().to_string();
        assert!(e.contains("more often than the incremental"), "{e}");
        s.full_schedule = Schedule {
            frequency: Frequency::Weekly,
            interval: 1,
        };
        assert!(validate(s).is_ok());
    }

    #[test]
    fn invalid_mapping_is_refused_with_its_position() {
        let mut s = AppSettings::default();
        s.mappings.push(Mapping {
            attribute: "nickName".into(),
            expression: "String.toLowerCase(appuser.firstName".into(),
        });
        let e = validate(s).unwrap_err().to_string();
        assert!(
            e.starts_with("Attribute mappings: nickName:") && e.contains("position"),
            "{e}"
        );
    }

    #[test]
    fn username_formats_and_mappings_shape_the_profile() {
        let source = attrs(&[
            ("login", "ann"),
            ("email", "Ann.Lee@x.io"),
            ("firstName", "Ann"),
            ("lastName", "Lee"),
            ("dept", ""),
        ]);
        let mut s = AppSettings {
            username_format: UsernameFormat::EmailPrefix,
            ..Default::default()
        };
        s.mappings.push(Mapping {
            attribute: "nickName".into(),
            expression: "String.toLowerCase(appuser.firstName)".into(),
        });
        s.mappings.push(Mapping {
            attribute: "dept".into(),
            expression: "appuser.dept ?: null".into(),
        });
        let out = ProfileMapper::new(&s).unwrap().map(&source).unwrap();
        let get = |k: &str| out.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("login"), Some("Ann.Lee"));
        assert_eq!(get("nickName"), Some("ann"));
        assert_eq!(get("dept"), None, "a null mapping removes the attribute");

        let s = AppSettings {
            username_format: UsernameFormat::Email,
            ..Default::default()
        };
        assert_eq!(
            ProfileMapper::new(&s)
                .unwrap()
                .map(&source)
                .unwrap()
                .iter()
                .find(|(k, _)| k == "login")
                .unwrap()
                .1,
            "Ann.Lee@x.io"
        );
        let s = AppSettings {
            username_format: UsernameFormat::Custom(
                "appuser.firstName + '.' + appuser.lastName + '@corp.io'".into(),
            ),
            ..Default::default()
        };
        assert_eq!(
            ProfileMapper::new(&s)
                .unwrap()
                .map(&source)
                .unwrap()
                .iter()
                .find(|(k, _)| k == "login")
                .unwrap()
                .1,
            "Ann.Lee@corp.io"
        );
    }

    #[test]
    fn changes_lists_old_and_new_values() {
        let a = AppSettings::default();
        let mut b = a.clone();
        b.safeguard.percent = 30;
        b.matching.allow_partial = true;
        let c = changes(&a, &b);
        assert_eq!(c.len(), 2);
        assert!(c.contains(&("safeguard.percent".into(), 20.into(), 30.into())));
        assert!(c.contains(&("matching.allowPartial".into(), false.into(), true.into())));
    }
}
