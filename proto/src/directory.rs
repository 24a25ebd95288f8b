//! A directory's connection (Directory Integrations), as the console edits
//! it and the engine reads with it. The bind password is not here: it is a
//! secret, written apart and never read back.

use serde::{Deserialize, Serialize};

/// How the connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Security {
    /// TLS from the start (`ldaps://`, usually port 636).
    #[default]
    Ldaps,
    /// A plain connection upgraded with StartTLS (usually port 389).
    StartTls,
    /// No encryption: the bind password and every entry cross the network
    /// readable.
    None,
}

/// Which kind of directory, and so which attributes mean what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    /// OpenLDAP `inetOrgPerson`: `uid`, `givenName`, `sn`, `mail`,
    /// `entryUUID`, `modifyTimestamp`.
    OpenLdap,
    /// Active Directory `user`: `userPrincipalName`, `sAMAccountName`,
    /// `givenName`, `sn`, `mail`, `objectGUID`, `userAccountControl`,
    /// `uSNChanged`.
    ActiveDirectory,
}

/// A directory's connection settings (the bind password is a secret, kept
/// apart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LdapSettings {
    pub preset: Preset,
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// PEM certificates to trust besides the system's (a private CA).
    pub ca_pem: String,
    pub bind_dn: String,
    pub users_base: String,
    pub user_class: String,
    /// An LDAP filter the users must also match, e.g. `(department=Sales)`.
    pub user_filter: String,
    /// Whether groups and their members are imported too.
    pub import_groups: bool,
    pub groups_base: String,
    /// The classes of group entries, any of them, separated by commas.
    pub group_class: String,
    pub page_size: u32,
    /// For OpenLDAP: an attribute that marks a disabled account, and the
    /// value that does (empty: any value does).
    pub disabled_attribute: String,
    pub disabled_value: String,
    /// How long connecting and each answer may take.
    pub timeout_seconds: u64,
}

impl Default for LdapSettings {
    fn default() -> LdapSettings {
        LdapSettings::preset(Preset::OpenLdap)
    }
}

impl LdapSettings {
    /// The settings a preset starts from.
    pub fn preset(preset: Preset) -> LdapSettings {
        let (user_class, group_class) = match preset {
            Preset::OpenLdap => (
                "inetOrgPerson",
                "groupOfNames, groupOfUniqueNames, posixGroup",
            ),
            Preset::ActiveDirectory => ("user", "group"),
        };
        LdapSettings {
            preset,
            host: String::new(),
            port: 636,
            security: Security::Ldaps,
            ca_pem: String::new(),
            bind_dn: String::new(),
            users_base: String::new(),
            user_class: user_class.into(),
            user_filter: String::new(),
            import_groups: false,
            groups_base: String::new(),
            group_class: group_class.into(),
            page_size: 500,
            disabled_attribute: String::new(),
            disabled_value: String::new(),
            timeout_seconds: 30,
        }
    }

    pub fn url(&self) -> String {
        let scheme = match self.security {
            Security::Ldaps => "ldaps",
            Security::StartTls | Security::None => "ldap",
        };
        format!("{scheme}://{}:{}", self.host.trim(), self.port)
    }
}

/// One step of Test Connection and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestStep {
    /// "TCP", "TLS", "Bind", "Search".
    pub name: String,
    pub ok: bool,
    /// What happened: the address reached, the server's message…
    pub detail: String,
}

/// A user Test Connection found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundUser {
    pub login: String,
    pub name: String,
    pub email: String,
    pub external_id: String,
}

/// What Test Connection did, step by step, up to the first that failed,
/// and the first users the search found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub steps: Vec<TestStep>,
    pub users: Vec<FoundUser>,
}

impl ConnectionTest {
    pub fn ok(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| s.ok)
    }
}

/// A directory's connection as the console shows it: the settings, and
/// whether a bind password is stored (never the password).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryConnection {
    pub settings: LdapSettings,
    pub password_set: bool,
}
