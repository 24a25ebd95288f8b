//! An app's "To Muster" provisioning settings and the org's import
//! safeguards: what they hold and their defaults. The engine checks them
//! before they are saved (`engine::settings::validate`).

use serde::{Deserialize, Serialize};

/// How often a scheduled import runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Frequency {
    #[default]
    Never,
    Hourly,
    Daily,
    Weekly,
}

/// An import schedule: every `interval` hours, days or weeks, counted from
/// the end of the app's previous import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    pub frequency: Frequency,
    pub interval: u32,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            frequency: Frequency::Never,
            interval: 1,
        }
    }
}

impl Schedule {
    /// Seconds between runs, or `None` when not scheduled.
    pub fn period_seconds(&self) -> Option<i64> {
        let unit = match self.frequency {
            Frequency::Never => return None,
            Frequency::Hourly => 3600,
            Frequency::Daily => 86_400,
            Frequency::Weekly => 604_800,
        };
        Some(unit * i64::from(self.interval.max(1)))
    }

    pub fn describe(&self) -> String {
        let unit = match self.frequency {
            Frequency::Never => return "Do not schedule".into(),
            Frequency::Hourly => "hour",
            Frequency::Daily => "day",
            Frequency::Weekly => "week",
        };
        if self.interval <= 1 {
            format!("Every {unit}")
        } else {
            format!("Every {} {unit}s", self.interval)
        }
    }
}

/// How an imported user's Muster username is formed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value")]
pub enum UsernameFormat {
    Email,
    EmailPrefix,
    /// A source attribute, taken as it is.
    Attribute(String),
    /// An expression over the app user's attributes.
    Custom(String),
}

impl Default for UsernameFormat {
    fn default() -> Self {
        UsernameFormat::Attribute("login".into())
    }
}

/// When an imported user is the same person as a Muster user, and what is
/// confirmed without an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Matching {
    /// The username the format gives equals the user's login.
    pub username: bool,
    /// The imported email equals the user's email.
    pub email: bool,
    /// "The following attribute matches": when set, the other two are off.
    pub attribute: Option<String>,
    /// First and last name equal while username/email do not.
    pub allow_partial: bool,
    pub auto_confirm_exact: bool,
    pub auto_confirm_partial: bool,
    pub auto_confirm_new: bool,
    pub auto_activate_new: bool,
}

impl Default for Matching {
    fn default() -> Self {
        Matching {
            username: true,
            email: false,
            attribute: None,
            allow_partial: false,
            auto_confirm_exact: false,
            auto_confirm_partial: false,
            auto_confirm_new: false,
            auto_activate_new: false,
        }
    }
}

/// What happens to a Muster user whose account is deactivated in (or gone
/// from) a source app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum DeactivateAction {
    DoNothing,
    #[default]
    Deactivate,
    Suspend,
}

/// Profile & Lifecycle Sourcing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Sourcing {
    /// "Allow <app> to source Muster users".
    pub enabled: bool,
    pub on_deactivated: DeactivateAction,
    pub reactivate_suspended: bool,
    pub reactivate_deactivated: bool,
}

impl Default for Sourcing {
    fn default() -> Self {
        Sourcing {
            enabled: true,
            on_deactivated: DeactivateAction::Deactivate,
            reactivate_suspended: false,
            reactivate_deactivated: false,
        }
    }
}

/// One import safeguard: on or off, and the share of users that may be
/// removed by one import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Safeguard {
    pub enabled: bool,
    pub percent: u32,
}

impl Default for Safeguard {
    fn default() -> Self {
        Safeguard {
            enabled: true,
            percent: 20,
        }
    }
}

/// A source attribute mapped onto a user attribute by an expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub attribute: String,
    pub expression: String,
}

/// Everything on an app's Provisioning tab, "To Muster".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AppSettings {
    pub incremental_schedule: Schedule,
    pub full_schedule: Schedule,
    pub username_format: UsernameFormat,
    pub safeguard: Safeguard,
    pub matching: Matching,
    pub sourcing: Sourcing,
    pub mappings: Vec<Mapping>,
}

/// The org's settings (Settings → Import Safeguards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgSettings {
    pub safeguard: Safeguard,
}

impl AppSettings {
    /// Parses settings; anything missing takes its default, and anything
    /// unknown (a misspelt key, a value of the wrong shape) is an error that
    /// names it.
    pub fn from_json(json: &str) -> Result<AppSettings, serde_json::Error> {
        serde_json::from_str(json)
    }
}

/// The parts of the To Muster settings that are edited and saved on their
/// own, each with its Edit, Save and Cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SettingsSection {
    /// The schedules, the username format and the app's safeguard.
    General,
    Matching,
    Sourcing,
    Mappings,
}

impl SettingsSection {
    pub const ALL: [SettingsSection; 4] = [
        SettingsSection::General,
        SettingsSection::Matching,
        SettingsSection::Sourcing,
        SettingsSection::Mappings,
    ];

    /// The section's heading in the console.
    pub fn label(self) -> &'static str {
        match self {
            SettingsSection::General => "General",
            SettingsSection::Matching => "User Creation & Matching",
            SettingsSection::Sourcing => "Profile & Lifecycle Sourcing",
            SettingsSection::Mappings => "Attribute mappings",
        }
    }

    /// `to` with this section's settings taken from `from`.
    pub fn copy(self, from: &AppSettings, to: &AppSettings) -> AppSettings {
        let mut out = to.clone();
        match self {
            SettingsSection::General => {
                out.incremental_schedule = from.incremental_schedule;
                out.full_schedule = from.full_schedule;
                out.username_format = from.username_format.clone();
                out.safeguard = from.safeguard;
            }
            SettingsSection::Matching => out.matching = from.matching.clone(),
            SettingsSection::Sourcing => out.sourcing = from.sourcing.clone(),
            SettingsSection::Mappings => out.mappings = from.mappings.clone(),
        }
        out
    }

    /// Only this section's settings, as JSON (for comparing and listing
    /// changes).
    pub fn of(self, settings: &AppSettings) -> serde_json::Value {
        let all = serde_json::to_value(settings).unwrap_or_default();
        let keys: &[&str] = match self {
            SettingsSection::General => &[
                "incrementalSchedule",
                "fullSchedule",
                "usernameFormat",
                "safeguard",
            ],
            SettingsSection::Matching => &["matching"],
            SettingsSection::Sourcing => &["sourcing"],
            SettingsSection::Mappings => &["mappings"],
        };
        keys.iter()
            .filter_map(|k| all.get(*k).map(|v| ((*k).to_owned(), v.clone())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

/// How many times each section has been saved with a change. An editor
/// sends back the version it started from; a save from an older one is
/// refused, so a second admin cannot silently undo the first one's change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct SectionVersions {
    pub general: i64,
    pub matching: i64,
    pub sourcing: i64,
    pub mappings: i64,
}

impl SectionVersions {
    pub fn get(&self, section: SettingsSection) -> i64 {
        match section {
            SettingsSection::General => self.general,
            SettingsSection::Matching => self.matching,
            SettingsSection::Sourcing => self.sourcing,
            SettingsSection::Mappings => self.mappings,
        }
    }

    pub fn bump(&mut self, section: SettingsSection) {
        match section {
            SettingsSection::General => self.general += 1,
            SettingsSection::Matching => self.matching += 1,
            SettingsSection::Sourcing => self.sourcing += 1,
            SettingsSection::Mappings => self.mappings += 1,
        }
    }
}

/// What the settings editor opens with: the saved settings, each section's
/// version, and the attributes the app's source is known to have (the
/// columns of its last import; `None` before any import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct EditableSettings {
    pub settings: AppSettings,
    pub versions: SectionVersions,
    pub known_attributes: Option<Vec<String>>,
    /// Where the known attributes come from, for the editor's hint ("the
    /// last import", "the directory's schema for inetOrgPerson").
    pub known_from: String,
}

/// The org's settings as the Settings page opens them, with their version
/// (bumped by each save that changes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct EditableOrgSettings {
    pub settings: OrgSettings,
    pub version: i64,
}

/// Reads a whole number typed into a number field. Each way of getting it
/// wrong has its own message: nothing typed, a negative number, a fraction,
/// something that is not a number. Whether the number is in the field's
/// range is the engine's to say (`engine::settings::validate`).
pub fn parse_whole_number(text: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("Enter a number".into());
    }
    let is_number = |s: &str| !s.is_empty() && s.parse::<f64>().is_ok_and(f64::is_finite);
    if let Some(rest) = t.strip_prefix('-').or_else(|| t.strip_prefix('\u{2212}')) {
        if is_number(rest) {
            return Err(format!("{t} is negative: enter a positive whole number"));
        }
    }
    if !t.chars().all(|c| c.is_ascii_digit()) {
        if is_number(t) {
            return Err(format!(
                "{t} is not a whole number: enter a number without a fraction"
            ));
        }
        return Err(format!("\"{t}\" is not a number"));
    }
    t.parse::<u32>().map_err(|_| format!("{t} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wrong_number_has_its_own_message() {
        assert_eq!(parse_whole_number(" 20 "), Ok(20));
        assert_eq!(
            parse_whole_number("0"),
            Ok(0),
            "the range is the engine's to check"
        );
        let e = |t| parse_whole_number(t).unwrap_err();
        assert_eq!(e(""), "Enter a number");
        assert_eq!(e("-3"), "-3 is negative: enter a positive whole number");
        assert!(e("\u{2212}3").contains("negative"));
        assert_eq!(
            e("1.5"),
            "1.5 is not a whole number: enter a number without a fraction"
        );
        assert_eq!(e("abc"), "\"abc\" is not a number");
        assert_eq!(e("-x"), "\"-x\" is not a number");
        assert_eq!(e("99999999999"), "99999999999 is too large");
    }

    #[test]
    fn a_section_is_copied_alone() {
        let a = AppSettings::default();
        let mut b = a.clone();
        b.safeguard.percent = 40;
        b.matching.email = true;
        let merged = SettingsSection::Matching.copy(&b, &a);
        assert!(merged.matching.email);
        assert_eq!(merged.safeguard.percent, 20);
        assert_eq!(
            SettingsSection::General.of(&a),
            SettingsSection::General.of(&merged)
        );
        assert_ne!(
            SettingsSection::Matching.of(&a),
            SettingsSection::Matching.of(&merged)
        );
    }
}
