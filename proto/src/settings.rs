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
