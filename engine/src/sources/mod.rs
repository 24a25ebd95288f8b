//! Where imported records come from. A source only yields records; staging,
//! matching, deciding and applying do not know which source they came from.
//!
//! Each app kind names its source in [`SourceKind`]: what a run of it reads
//! (an upload, a pull from a server, or records pushed through the API) and
//! how an incremental import finds what changed. Adding a source is a module
//! here, its entry in [`SourceKind::of`] and its arm in [`open`].

pub mod csv;
pub mod encoding;
pub mod ldap;
pub mod pushed;
pub mod scim;

use crate::error::{Error, Result};
use crate::model::{AppKind, ImportType, RowError};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

/// One account as the source sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Where the record stands in the source, for error reports (a CSV line).
    pub line: Option<i64>,
    /// The source's stable id for the account.
    pub external_id: String,
    /// Attribute name and value, in the source's order.
    pub attributes: Vec<(String, String)>,
    /// False when the source says the account is disabled.
    pub active: bool,
}

/// What a source yields: a record, or a row it could not read.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Record(Record),
    /// A row that could not be read at all.
    Rejected(RowError),
    /// A row that could not be used, of an account the source still has
    /// (its id was readable): a full import does not treat it as gone.
    RejectedAccount {
        external_id: String,
        error: RowError,
    },
}

/// One group as the source sees it, with its members as the source names
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRecord {
    /// The source's stable id for the group.
    pub external_id: String,
    pub name: String,
    pub description: String,
    /// Where the group stands in the source (an LDAP DN).
    pub dn: String,
    pub members: Vec<Member>,
}

/// How a group names a member account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Member {
    /// By the account's DN (`member`, `uniqueMember`).
    Dn(String),
    /// By the account's login attribute's value (`memberUid`).
    Uid(String),
    /// By the account's external id (an identity source's memberships).
    Account(String),
}

impl Member {
    /// A member named by DN, in the form two spellings of one DN share:
    /// letters in lower case, no spaces around `,` and `=`.
    pub fn dn(dn: &str) -> Member {
        Member::Dn(dn_key(dn))
    }

    /// A member named by login (`memberUid`), in lower case.
    pub fn uid(uid: &str) -> Member {
        Member::Uid(uid.trim().to_lowercase())
    }
}

fn dn_key(dn: &str) -> String {
    dn.split(',')
        .map(|rdn| rdn.split('=').map(str::trim).collect::<Vec<_>>().join("="))
        .collect::<Vec<_>>()
        .join(",")
        .to_lowercase()
}

/// A boxed future, so sources of every kind fit behind one trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A stream of records, read in batches so memory stays bounded.
pub trait Source: Send {
    /// How many records the source holds, when it knows.
    fn total(&self) -> Option<i64>;
    /// The next batch, or `None` at the end.
    fn next_batch(&mut self) -> BoxFuture<'_, Result<Option<Vec<Item>>>>;
    /// Where the next incremental import starts reading (LDAP
    /// `modifyTimestamp` or `uSNChanged`, SCIM `meta.lastModified`), known
    /// once the source is read to its end. The engine stores it only when
    /// the run completes.
    fn watermark(&self) -> Option<String> {
        None
    }
    /// Every group of the source with its members, read once the users
    /// are; `None` when the source has no groups or is not set to import
    /// them.
    fn groups(&mut self) -> BoxFuture<'_, Result<Option<Vec<GroupRecord>>>> {
        Box::pin(async { Ok(None) })
    }
}

/// What a run of an app kind reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunInput {
    /// A file the admin uploaded (CSV Directory).
    Upload,
    /// A pull from the app's server with its connection settings.
    Pull,
    /// Records pushed through the API and staged in a session.
    Pushed,
}

/// How an incremental import finds the records that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeDetection {
    /// The whole source is read and each record's content hash compared
    /// with the last import's (a file has no change feed).
    ContentHash,
    /// The source reads only what changed since a stored watermark; with no
    /// watermark yet, an incremental import runs as a full one.
    Watermark,
}

/// An app kind's source, as the engine needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceKind {
    pub input: RunInput,
    pub changes: ChangeDetection,
}

impl SourceKind {
    /// The registry: the source that reads each kind of app.
    pub fn of(kind: AppKind) -> SourceKind {
        match kind {
            AppKind::CsvDirectory => SourceKind {
                input: RunInput::Upload,
                changes: ChangeDetection::ContentHash,
            },
            AppKind::LdapDirectory | AppKind::ActiveDirectory | AppKind::ScimApp => SourceKind {
                input: RunInput::Pull,
                changes: ChangeDetection::Watermark,
            },
            AppKind::CustomIdentitySource => SourceKind {
                input: RunInput::Pushed,
                changes: ChangeDetection::ContentHash,
            },
        }
    }

    /// The import a run really does, and why it differs from the one asked
    /// for: an incremental import of a watermark source that has no
    /// watermark yet reads everything.
    pub fn effective_import_type(
        self,
        requested: ImportType,
        watermark: Option<&str>,
    ) -> (ImportType, Option<&'static str>) {
        match (requested, self.changes, watermark) {
            (ImportType::Incremental, ChangeDetection::Watermark, None) => (
                ImportType::Full,
                Some("No earlier import to continue from: this incremental import runs as a full import"),
            ),
            (requested, _, _) => (requested, None),
        }
    }
}

/// Everything a source may need to open for one run.
#[derive(Debug, Clone, Default)]
pub struct SourceInput {
    /// The uploaded file and what was recorded of it, for upload sources.
    pub upload: Option<(PathBuf, csv::Uploaded)>,
    /// The app's connection settings (JSON) and its secret, opened, for
    /// pull sources.
    pub connection: Option<(serde_json::Value, Option<String>)>,
    /// The stored watermark of an incremental import.
    pub watermark: Option<String>,
    /// The import session whose staged records a pushed source reads.
    pub session: Option<pushed::Staged>,
}

/// Why the stored watermark can no longer be gone on from, when the
/// server says so: Active Directory's highest committed USN below the one
/// the last import reached (the directory was restored from a backup, or
/// this is another domain controller), or a SCIM app that cannot filter by
/// `meta.lastModified`.
pub async fn stale_watermark(kind: AppKind, input: &SourceInput) -> Result<Option<String>> {
    if kind == AppKind::ScimApp {
        return scim::unfilterable(input).await;
    }
    if kind != AppKind::ActiveDirectory {
        return Ok(None);
    }
    let (Some(watermark), Some((settings, password))) = (&input.watermark, &input.connection)
    else {
        return Ok(None);
    };
    let Some(reached) = watermark
        .strip_prefix("usn:")
        .and_then(|n| n.parse::<u64>().ok())
    else {
        return Ok(None);
    };
    let settings = ldap::settings_of(kind, settings.clone())?;
    let highest = ldap::highest_usn(&settings, password.as_deref().unwrap_or_default()).await?;
    Ok(highest.filter(|h| *h < reached).map(|h| {
        format!(
            "The directory's highest USN ({h}) is below the one the last import reached ({reached}): it was restored or is another domain controller, so this incremental import runs as a full import"
        )
    }))
}

/// Opens the source of an app kind for one run.
pub fn open(kind: AppKind, input: SourceInput) -> Result<Box<dyn Source>> {
    match kind {
        AppKind::CsvDirectory => {
            let (path, uploaded) = input
                .upload
                .ok_or_else(|| Error::InvalidInput("The import has no CSV file".into()))?;
            Ok(Box::new(csv::CsvSource::open(&path, Some(uploaded))?))
        }
        AppKind::LdapDirectory | AppKind::ActiveDirectory => {
            let (settings, password) = input.connection.unwrap_or_default();
            let settings = ldap::settings_of(kind, settings)?;
            Ok(Box::new(ldap::LdapSource::new(
                settings,
                password.unwrap_or_default(),
                input.watermark,
            )))
        }
        AppKind::ScimApp => {
            let (settings, secret) = input.connection.unwrap_or_default();
            scim::require_enabled(&settings, "the app")?;
            Ok(Box::new(scim::ScimSource::new(
                &scim::settings_of(settings)?,
                secret.as_deref().unwrap_or_default(),
                input.watermark,
            )?))
        }
        AppKind::CustomIdentitySource => {
            let staged = input.session.ok_or_else(|| {
                Error::InvalidInput("The import has no import session to read".into())
            })?;
            Ok(Box::new(pushed::PushedSource::new(staged)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incremental_import_without_a_watermark_runs_in_full() {
        let pull = SourceKind {
            input: RunInput::Pull,
            changes: ChangeDetection::Watermark,
        };
        let (t, why) = pull.effective_import_type(ImportType::Incremental, None);
        assert_eq!(t, ImportType::Full);
        assert!(why.is_some_and(|w| w.contains("runs as a full import")));
        assert_eq!(
            pull.effective_import_type(ImportType::Incremental, Some("20261201000000Z")),
            (ImportType::Incremental, None)
        );
        assert_eq!(
            pull.effective_import_type(ImportType::Full, None),
            (ImportType::Full, None)
        );
        // A CSV file compares row hashes: an incremental import needs no watermark.
        let csv = SourceKind::of(AppKind::CsvDirectory);
        assert_eq!(
            csv.effective_import_type(ImportType::Incremental, None),
            (ImportType::Incremental, None)
        );
    }
}
