//! LDAP directories and Active Directory: a paged search (RFC 2696) of the
//! users' base, so a server that caps a search's results (Active Directory
//! at 1,000) is still read whole, one page at a time.
//!
//! Each entry becomes a record whose `login`, `firstName`, `lastName` and
//! `email` come from the preset's attributes, beside every other attribute
//! the entry has (so mappings can use `appuser.department`), its `dn`, and
//! never a password. The external id is the entry's `entryUUID` (OpenLDAP)
//! or `objectGUID` (Active Directory, written as a GUID); an account is
//! disabled by `userAccountControl` bit 0x2 (Active Directory) or by an
//! attribute the settings name.
//!
//! An incremental import reads only the entries changed since the last
//! completed import: `modifyTimestamp` (OpenLDAP) or `uSNChanged` (Active
//! Directory) from the stored watermark on.

use super::{BoxFuture, GroupRecord, Item, Member, Record, Source};
use crate::error::{Error, Result};
use crate::model::RowError;
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, Scope, SearchEntry, SearchStream};
pub use proto::directory::{ConnectionTest, FoundUser, LdapSettings, Preset, Security, TestStep};
use std::sync::Arc;
use std::time::Duration;

/// Records handed to the pipeline at once.
pub const BATCH: usize = 2000;

/// What a preset's attributes mean.
fn shape(preset: Preset) -> Shape {
    match preset {
        Preset::OpenLdap => Shape {
            external_id: "entryUUID",
            login: "uid",
            marks: &[Mark::Csn, Mark::Timestamp],
            extra: &["entryUUID", "modifyTimestamp", "entryCSN"],
        },
        Preset::ActiveDirectory => Shape {
            external_id: "objectGUID",
            login: "userPrincipalName",
            marks: &[Mark::Usn],
            extra: &[
                "objectGUID",
                "uSNChanged",
                "whenChanged",
                "userAccountControl",
            ],
        },
    }
}

/// The attributes a preset reads for what Muster needs.
struct Shape {
    external_id: &'static str,
    login: &'static str,
    /// What an incremental import goes on from, best first.
    marks: &'static [Mark],
    /// Attributes asked for besides the entry's own (`*`): operational ones.
    extra: &'static [&'static str],
}

/// What marks a change, stored in the watermark as `kind:value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Active Directory's `uSNChanged`: a number that grows with every
    /// change; the next import reads from the one after the highest read.
    Usn,
    /// OpenLDAP's `entryCSN`: a change sequence to the microsecond; the
    /// next import reads what is strictly later.
    Csn,
    /// `modifyTimestamp`, whole seconds, on any LDAP server: the next
    /// import reads the highest second read again (what did not change in
    /// it is recognised and left alone).
    Timestamp,
}

impl Mark {
    fn attribute(self) -> &'static str {
        match self {
            Mark::Usn => "uSNChanged",
            Mark::Csn => "entryCSN",
            Mark::Timestamp => "modifyTimestamp",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Mark::Usn => "usn",
            Mark::Csn => "csn",
            Mark::Timestamp => "ts",
        }
    }

    fn of_tag(tag: &str) -> Option<Mark> {
        [Mark::Usn, Mark::Csn, Mark::Timestamp]
            .into_iter()
            .find(|m| m.tag() == tag)
    }

    /// The filter for what changed after `value`.
    fn since(self, value: &str) -> String {
        match self {
            Mark::Usn => {
                let next = value.parse::<u64>().map_or(0, |n| n.saturating_add(1));
                format!("(uSNChanged>={next})")
            }
            // After, not at: `>=` finds them through the server's entryCSN
            // index (a bare `!(<=)` makes it scan every entry).
            Mark::Csn => {
                let v = escape_value(value);
                format!("(entryCSN>={v})(!(entryCSN={v}))")
            }
            Mark::Timestamp => format!("(modifyTimestamp>={})", escape_value(value)),
        }
    }

    /// Whether `a` comes after `b`.
    fn later(self, a: &str, b: &str) -> bool {
        match self {
            Mark::Usn => match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(a), Ok(b)) => a > b,
                _ => a > b,
            },
            Mark::Csn | Mark::Timestamp => a > b,
        }
    }
}

/// A stored watermark: its kind and value.
fn parse_watermark(stored: &str) -> Option<(Mark, &str)> {
    let (tag, value) = stored.split_once(':')?;
    Some((Mark::of_tag(tag)?, value))
}

/// Attributes that change with every change of an entry (read for the
/// watermark), and Active Directory's account flags (read as the record's
/// `active`): not profile attributes, so a person enabled again in the
/// directory has the very profile they had and is reactivated, not left
/// pending.
const NOT_PROFILE: [&str; 5] = [
    "entrycsn",
    "modifytimestamp",
    "usnchanged",
    "whenchanged",
    "useraccountcontrol",
];

/// Never read into a record, whatever the server sends.
const SECRET_ATTRIBUTES: [&str; 4] = ["userpassword", "unicodepwd", "ntpwdhistory", "lmpwdhistory"];

/// Checks and filters of a directory's settings.
pub trait LdapSettingsExt {
    fn check(&self) -> Result<()>;
    fn user_search_filter(&self, since: Option<&str>) -> String;
    fn group_search_filter(&self) -> String;
    fn timeout(&self) -> Duration;
}

impl LdapSettingsExt for LdapSettings {
    /// What is wrong with the settings, field by field.
    fn check(&self) -> Result<()> {
        let mut problems = Vec::new();
        if self.host.trim().is_empty() {
            problems.push("Host is required".to_owned());
        }
        if self.host.contains(['/', ' ']) {
            problems.push(format!(
                "Host {:?} is a host name or address, not a URL",
                self.host
            ));
        }
        if self.port == 0 {
            problems.push("Port must be between 1 and 65535".to_owned());
        }
        if self.users_base.trim().is_empty() {
            problems.push("Users' base DN is required".to_owned());
        }
        if self.user_class.trim().is_empty() || !is_name(&self.user_class) {
            problems.push(format!(
                "User object class {:?} is not a class name",
                self.user_class
            ));
        }
        if group_classes(&self.group_class).any(|c| !is_name(c)) {
            problems.push(format!(
                "Group object class {:?} is not a class name or a list of them separated by commas",
                self.group_class
            ));
        }
        if self.import_groups && self.groups_base.trim().is_empty() {
            problems.push("Groups' base DN is required to import groups".to_owned());
        }
        if self.import_groups && group_classes(&self.group_class).next().is_none() {
            problems.push("Group object class is required to import groups".to_owned());
        }
        if !self.user_filter.trim().is_empty() && !balanced_filter(&self.user_filter) {
            problems.push(format!(
                "User filter {:?} is not an LDAP filter in parentheses, e.g. (department=Sales)",
                self.user_filter
            ));
        }
        if !(1..=5000).contains(&self.page_size) {
            problems.push(format!(
                "Page size {} must be between 1 and 5000",
                self.page_size
            ));
        }
        if !self.disabled_attribute.is_empty() && !is_name(&self.disabled_attribute) {
            problems.push(format!(
                "Disabled attribute {:?} is not an attribute name",
                self.disabled_attribute
            ));
        }
        if !(1..=600).contains(&self.timeout_seconds) {
            problems.push("Timeout must be between 1 and 600 seconds".to_owned());
        }
        if !self.ca_pem.trim().is_empty() {
            if let Err(e) = certificates(&self.ca_pem) {
                problems.push(e);
            }
        }
        match problems.is_empty() {
            true => Ok(()),
            false => Err(Error::InvalidInput(problems.join("; "))),
        }
    }

    /// The users' filter: their class, the admin's filter, and for an
    /// incremental import what changed from the watermark on.
    fn user_search_filter(&self, since: Option<&str>) -> String {
        let mut parts = vec![format!("(objectClass={})", self.user_class.trim())];
        if !self.user_filter.trim().is_empty() {
            parts.push(self.user_filter.trim().to_owned());
        }
        if let Some((mark, value)) = since.and_then(parse_watermark) {
            parts.push(mark.since(value));
        }
        format!("(&{})", parts.concat())
    }

    /// The groups' filter: any of their classes.
    fn group_search_filter(&self) -> String {
        let classes: Vec<String> = group_classes(&self.group_class)
            .map(|c| format!("(objectClass={c})"))
            .collect();
        match classes.len() {
            1 => classes.concat(),
            _ => format!("(|{})", classes.concat()),
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_seconds.max(1))
    }
}

/// The group classes of a setting: names separated by commas.
fn group_classes(setting: &str) -> impl Iterator<Item = &str> {
    setting.split(',').map(str::trim).filter(|c| !c.is_empty())
}

/// The stored settings of a directory app, with its kind's preset, checked.
pub fn settings_of(kind: crate::model::AppKind, stored: serde_json::Value) -> Result<LdapSettings> {
    let empty = stored.as_object().is_none_or(|o| o.is_empty());
    if empty {
        return Err(Error::InvalidInput(
            "The directory's connection is not set up yet: enter it on the Provisioning tab".into(),
        ));
    }
    let mut settings: LdapSettings = serde_json::from_value(stored).map_err(|e| {
        Error::InvalidInput(format!(
            "The directory's connection settings are not readable: {e}"
        ))
    })?;
    settings.preset = match kind {
        crate::model::AppKind::ActiveDirectory => Preset::ActiveDirectory,
        _ => Preset::OpenLdap,
    };
    settings.check()?;
    Ok(settings)
}

fn is_name(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';' || c == '.')
}

/// Parentheses that open and close in order, around the whole filter.
fn balanced_filter(filter: &str) -> bool {
    let f = filter.trim();
    if !(f.starts_with('(') && f.ends_with(')')) {
        return false;
    }
    let mut depth = 0i32;
    for (i, c) in f.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 || (depth == 0 && i + 1 != f.len()) {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// A value escaped for a filter (RFC 4515).
fn escape_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '*' => out.push_str("\\2a"),
            '(' => out.push_str("\\28"),
            ')' => out.push_str("\\29"),
            '\\' => out.push_str("\\5c"),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
    out
}

/// The certificates of a PEM text, or what is wrong with it.
fn certificates(
    pem: &str,
) -> std::result::Result<Vec<rustls::pki_types::CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| format!("CA certificate is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("CA certificate has no -----BEGIN CERTIFICATE----- block".into());
    }
    Ok(certs)
}

/// The TLS setup: the system's roots and the settings' own certificates.
fn tls_config(settings: &LdapSettings) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    if settings.ca_pem.trim().is_empty() {
        for cert in rustls_native_roots() {
            let _ = roots.add(cert);
        }
    } else {
        for cert in certificates(&settings.ca_pem).map_err(Error::InvalidInput)? {
            roots
                .add(cert)
                .map_err(|e| Error::InvalidInput(format!("CA certificate is not usable: {e}")))?;
        }
    }
    Ok(Arc::new(client_config(roots)?))
}

/// A TLS client trusting `roots`, on ring (the provider all of Muster's
/// TLS uses).
pub(crate) fn client_config(roots: rustls::RootCertStore) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The operating system's trusted certificates (Debian keeps them in one file).
pub(crate) fn rustls_native_roots() -> Vec<rustls::pki_types::CertificateDer<'static>> {
    [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok())
    .and_then(|pem| certificates(&pem).ok())
    .unwrap_or_default()
}

/// What an LDAP failure tells the admin.
pub fn describe(e: &ldap3::LdapError) -> String {
    match e {
        ldap3::LdapError::LdapResult { result } => result_text(result),
        other => {
            let text = other.to_string();
            if text.contains("UnknownIssuer") || text.contains("invalid peer certificate") {
                format!("certificate not trusted ({text})")
            } else {
                text
            }
        }
    }
}

/// A server's result as an admin reads it: "invalid credentials (49)".
pub fn result_text(result: &ldap3::LdapResult) -> String {
    let name = match result.rc {
        1 => "operations error",
        2 => "protocol error",
        3 => "time limit exceeded",
        4 => "size limit exceeded",
        8 => "stronger authentication required",
        11 => "administrative limit exceeded",
        12 => "unavailable critical extension",
        13 => "confidentiality required",
        32 => "no such object",
        34 => "invalid DN syntax",
        48 => "inappropriate authentication",
        49 => "invalid credentials",
        50 => "insufficient access rights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwilling to perform",
        80 => "other",
        _ => "error",
    };
    let mut text = format!("{name} ({})", result.rc);
    if !result.matched.is_empty() && result.rc == 32 {
        text.push_str(&format!(", nearest existing entry {}", result.matched));
    }
    if !result.text.is_empty() {
        text.push_str(&format!(": {}", result.text));
    }
    text
}

/// Connects, secures and binds.
pub async fn connect(settings: &LdapSettings, password: &str) -> Result<Ldap> {
    let step = |what: &str, e: &ldap3::LdapError| {
        Error::Source(format!("{what} {}: {}", settings.url(), describe(e)))
    };
    let mut ldap = session(settings)
        .await?
        .map_err(|e| step("Could not connect to", &e))?;
    let bound = bind(&mut ldap, settings, password)
        .await
        .map_err(|e| step("Could not bind to", &e))?;
    if bound.rc != 0 {
        return Err(Error::Source(format!(
            "{} refused the bind as {}: {}",
            settings.url(),
            settings.bind_dn.trim(),
            result_text(&bound)
        )));
    }
    Ok(ldap)
}

/// An LDAP session with the server (TLS set up as the settings say), or the
/// server's refusal; the outer error is the settings' own.
async fn session(settings: &LdapSettings) -> Result<std::result::Result<Ldap, ldap3::LdapError>> {
    let mut conn = LdapConnSettings::new()
        .set_conn_timeout(settings.timeout())
        .set_starttls(settings.security == Security::StartTls);
    if settings.security != Security::None {
        conn = conn.set_config(tls_config(settings)?);
    }
    Ok(LdapConnAsync::with_settings(conn, &settings.url())
        .await
        .map(|(driver, ldap)| {
            tokio::spawn(async move {
                if let Err(e) = driver.drive().await {
                    tracing::debug!(error = %e, "LDAP connection ended");
                }
            });
            ldap
        }))
}

async fn bind(
    ldap: &mut Ldap,
    settings: &LdapSettings,
    password: &str,
) -> std::result::Result<ldap3::LdapResult, ldap3::LdapError> {
    ldap.with_timeout(settings.timeout());
    ldap.simple_bind(settings.bind_dn.trim(), password).await
}

/// How many users Test Connection shows.
const FOUND_USERS: i32 = 5;

/// Test Connection: reaches the server, sets up TLS, binds and searches
/// the users, in turn, stopping at the first step that fails with what the
/// server said; then the first users found.
pub async fn test_connection(settings: &LdapSettings, password: &str) -> Result<ConnectionTest> {
    settings.check()?;
    let mut test = ConnectionTest {
        steps: Vec::new(),
        users: Vec::new(),
    };
    let mut step = |name: &str, ok: bool, detail: String| {
        test.steps.push(TestStep {
            name: name.into(),
            ok,
            detail,
        });
        ok
    };
    let (host, port) = (settings.host.trim(), settings.port);
    let reached = tokio::time::timeout(
        settings.timeout(),
        tokio::net::TcpStream::connect((host, port)),
    )
    .await;
    let tcp_ok = match reached {
        Ok(Ok(_)) => step("TCP", true, format!("Reached {host} on port {port}")),
        Ok(Err(e)) => step(
            "TCP",
            false,
            format!("Could not reach {host} on port {port}: {e}"),
        ),
        Err(_) => step(
            "TCP",
            false,
            format!(
                "{host} did not answer on port {port} within {} s",
                settings.timeout_seconds
            ),
        ),
    };
    if !tcp_ok {
        return Ok(test);
    }
    let secured = match settings.security {
        Security::Ldaps => "TLS (LDAPS)",
        Security::StartTls => "TLS (StartTLS)",
        Security::None => "LDAP session (not encrypted)",
    };
    let mut ldap = match session(settings).await? {
        Ok(ldap) => {
            step("TLS", true, format!("{secured} set up"));
            ldap
        }
        Err(e) => {
            step("TLS", false, describe(&e));
            return Ok(test);
        }
    };
    match bind(&mut ldap, settings, password).await {
        Ok(r) if r.rc == 0 => step(
            "Bind",
            true,
            format!("Bound as {}", settings.bind_dn.trim()),
        ),
        Ok(r) => step("Bind", false, result_text(&r)),
        Err(e) => step("Bind", false, describe(&e)),
    };
    if !test.steps.iter().all(|s| s.ok) {
        return Ok(test);
    }
    let base = settings.users_base.trim();
    let mut attrs = vec!["*".to_owned()];
    attrs.extend(shape(settings.preset).extra.iter().map(|a| (*a).to_owned()));
    ldap.with_timeout(settings.timeout());
    let searched = ldap
        .with_search_options(ldap3::SearchOptions::new().sizelimit(FOUND_USERS))
        .search(
            base,
            Scope::Subtree,
            &settings.user_search_filter(None),
            attrs,
        )
        .await;
    let mut step = |name: &str, ok: bool, detail: String| {
        test.steps.push(TestStep {
            name: name.into(),
            ok,
            detail,
        });
    };
    match searched {
        // A full first page stops at the size limit asked for: that is fine.
        Ok(found) if found.1.rc == 0 || found.1.rc == 4 => {
            let entries = found.0;
            step(
                "Search",
                true,
                format!(
                    "Searched {base}: found {}{} users",
                    entries.len(),
                    if found.1.rc == 4 { " or more" } else { "" }
                ),
            );
            for entry in entries {
                if let Item::Record(r) = record_of(settings, &SearchEntry::construct(entry)) {
                    let get = |k: &str| {
                        r.attributes
                            .iter()
                            .find(|(n, _)| n == k)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    };
                    test.users.push(FoundUser {
                        login: get("login"),
                        name: format!("{} {}", get("firstName"), get("lastName"))
                            .trim()
                            .to_owned(),
                        email: get("email"),
                        external_id: r.external_id,
                    });
                }
            }
        }
        Ok(found) => step("Search", false, result_text(&found.1)),
        Err(e) => step("Search", false, describe(&e)),
    }
    let _ = ldap.unbind().await;
    Ok(test)
}

type Stream = SearchStream<'static, String, Vec<String>>;

/// Opens a paged search of the users.
async fn search_users(
    ldap: &mut Ldap,
    settings: &LdapSettings,
    page_size: u32,
    since: Option<&str>,
) -> Result<Stream> {
    let shape = shape(settings.preset);
    let mut attrs = vec!["*".to_owned()];
    attrs.extend(shape.extra.iter().map(|a| (*a).to_owned()));
    let filter = settings.user_search_filter(since);
    paged_search(
        ldap,
        settings,
        settings.users_base.trim(),
        &filter,
        attrs,
        page_size,
    )
    .await
}

/// What a group entry is read for.
const GROUP_ATTRIBUTES: [&str; 8] = [
    "cn",
    "description",
    "member",
    "uniqueMember",
    "memberUid",
    "entryUUID",
    "objectGUID",
    "objectClass",
];

/// Opens a paged search.
async fn paged_search(
    ldap: &mut Ldap,
    settings: &LdapSettings,
    base: &str,
    filter: &str,
    attrs: Vec<String>,
    page_size: u32,
) -> Result<Stream> {
    let adapters: Vec<Box<dyn Adapter<'static, String, Vec<String>>>> = vec![
        Box::new(EntriesOnly::new()),
        Box::new(PagedResults::new(page_size.clamp(1, 5000) as i32)),
    ];
    ldap.with_timeout(settings.timeout());
    ldap.streaming_search_with(adapters, base, Scope::Subtree, filter, attrs)
        .await
        .map_err(|e| Error::Source(format!("Could not search {base}: {}", describe(&e))))
}

/// A group entry as a group: its id (`entryUUID`, or `objectGUID` for
/// Active Directory; its DN when it has neither), name (`cn`), description
/// and members (`member` and `uniqueMember` DNs, `memberUid` logins).
pub fn group_of(settings: &LdapSettings, entry: &SearchEntry) -> GroupRecord {
    let values = |name: &str| -> Vec<String> {
        entry
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let first = |name: &str| values(name).into_iter().next();
    let external_id = match settings.preset {
        Preset::ActiveDirectory => entry
            .bin_attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("objectGUID"))
            .and_then(|(_, v)| v.first())
            .and_then(|b| guid_text(b)),
        Preset::OpenLdap => first("entryUUID"),
    }
    .unwrap_or_else(|| entry.dn.to_lowercase());
    let mut members: Vec<Member> = values("member").iter().map(|dn| Member::dn(dn)).collect();
    // uniqueMember may carry the member's unique id after a '#'.
    members.extend(values("uniqueMember").iter().map(|v| {
        let dn = v.rsplit_once("#'").map_or(v.as_str(), |(dn, _)| dn);
        Member::dn(dn)
    }));
    members.extend(values("memberUid").iter().map(|uid| Member::uid(uid)));
    members.sort_unstable();
    members.dedup();
    GroupRecord {
        external_id,
        name: first("cn").unwrap_or_else(|| entry.dn.clone()),
        description: first("description").unwrap_or_default(),
        dn: entry.dn.clone(),
        members,
    }
}

/// An entry as a record, or why it cannot be one.
pub fn record_of(settings: &LdapSettings, entry: &SearchEntry) -> Item {
    let shape = shape(settings.preset);
    let first = |name: &str| -> Option<String> {
        entry
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.first().cloned())
    };
    let external_id = match settings.preset {
        Preset::ActiveDirectory => entry
            .bin_attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(shape.external_id))
            .and_then(|(_, v)| v.first().cloned())
            .or_else(|| first(shape.external_id).map(String::into_bytes))
            .and_then(|bytes| guid_text(&bytes)),
        Preset::OpenLdap => first(shape.external_id),
    };
    let Some(external_id) = external_id.filter(|id| !id.is_empty()) else {
        return Item::Rejected(RowError {
            line: None,
            field: Some(shape.external_id.into()),
            value: Some(entry.dn.clone()),
            message: format!(
                "{} has no {}: it cannot be followed between imports",
                entry.dn, shape.external_id
            ),
        });
    };
    let mut attributes = vec![
        ("login".to_owned(), first(shape.login).unwrap_or_default()),
        (
            "firstName".to_owned(),
            first("givenName").unwrap_or_default(),
        ),
        ("lastName".to_owned(), first("sn").unwrap_or_default()),
        ("email".to_owned(), first("mail").unwrap_or_default()),
        ("dn".to_owned(), entry.dn.clone()),
    ];
    let mut names: Vec<&String> = entry.attrs.keys().collect();
    names.sort();
    for name in names {
        let lower = name.to_ascii_lowercase();
        if SECRET_ATTRIBUTES.contains(&lower.as_str())
            || NOT_PROFILE.contains(&lower.as_str())
            || lower == "objectguid"
            || name.eq_ignore_ascii_case(&settings.disabled_attribute)
        {
            continue;
        }
        if let Some(values) = entry.attrs.get(name) {
            attributes.push((name.clone(), values.join(", ")));
        }
    }
    if settings.preset == Preset::ActiveDirectory {
        attributes.push(("objectGUID".into(), external_id.clone()));
    }
    let active = match settings.preset {
        Preset::ActiveDirectory => first("userAccountControl")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .is_none_or(|flags| flags & 0x2 == 0),
        Preset::OpenLdap if !settings.disabled_attribute.is_empty() => {
            match first(&settings.disabled_attribute) {
                None => true,
                Some(v) => {
                    !settings.disabled_value.is_empty()
                        && !v
                            .trim()
                            .eq_ignore_ascii_case(settings.disabled_value.trim())
                }
            }
        }
        Preset::OpenLdap => true,
    };
    Item::Record(Record {
        line: None,
        external_id,
        attributes,
        active,
    })
}

/// A GUID as Active Directory writes it: the first three fields of its 16
/// bytes are little-endian.
pub fn guid_text(b: &[u8]) -> Option<String> {
    let b: &[u8; 16] = b.try_into().ok()?;
    Some(format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    ))
}

/// The attributes a directory's schema gives its users' class (with its
/// superclasses, `MUST` and `MAY`), sorted, after the ones every record has
/// (`login`, `firstName`, `lastName`, `email`, `dn`); never a password.
pub async fn user_attributes(settings: &LdapSettings, password: &str) -> Result<Vec<String>> {
    let mut ldap = connect(settings, password).await?;
    let root = ldap
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["subschemaSubentry"],
        )
        .await
        .map_err(|e| Error::Source(format!("Could not read the root DSE: {}", describe(&e))))?;
    let subschema = root
        .0
        .into_iter()
        .next()
        .and_then(|e| {
            SearchEntry::construct(e)
                .attrs
                .into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("subschemaSubentry"))
                .and_then(|(_, v)| v.into_iter().next())
        })
        .ok_or_else(|| {
            Error::Source("The directory does not name its schema (subschemaSubentry)".into())
        })?;
    let schema = ldap
        .search(
            &subschema,
            Scope::Base,
            "(objectClass=*)",
            vec!["objectClasses"],
        )
        .await
        .map_err(|e| {
            Error::Source(format!(
                "Could not read the schema {subschema}: {}",
                describe(&e)
            ))
        })?;
    let _ = ldap.unbind().await;
    let definitions: Vec<String> = schema
        .0
        .into_iter()
        .next()
        .map(|e| {
            SearchEntry::construct(e)
                .attrs
                .into_iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("objectClasses"))
                .flat_map(|(_, v)| v)
                .collect()
        })
        .unwrap_or_default();
    let classes: Vec<ObjectClass> = definitions.iter().map(|d| ObjectClass::parse(d)).collect();
    let mut found = std::collections::BTreeSet::new();
    let mut todo = vec![settings.user_class.trim().to_owned()];
    let mut seen = std::collections::HashSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.to_ascii_lowercase()) {
            continue;
        }
        if let Some(class) = classes
            .iter()
            .find(|c| c.names.iter().any(|n| n.eq_ignore_ascii_case(&name)))
        {
            found.extend(class.attributes.iter().cloned());
            todo.extend(class.superclasses.iter().cloned());
        }
    }
    let mut out: Vec<String> = ["login", "firstName", "lastName", "email", "dn"]
        .map(str::to_owned)
        .to_vec();
    out.extend(found.into_iter().filter(|a| {
        let lower = a.to_ascii_lowercase();
        !SECRET_ATTRIBUTES.contains(&lower.as_str()) && a != "objectClass"
    }));
    Ok(out)
}

/// An object class definition of a schema (RFC 4512), as far as Muster
/// needs it.
#[derive(Debug, Default, PartialEq)]
struct ObjectClass {
    names: Vec<String>,
    superclasses: Vec<String>,
    /// `MUST` and `MAY` together.
    attributes: Vec<String>,
}

impl ObjectClass {
    fn parse(definition: &str) -> ObjectClass {
        // Words, quoted strings and parentheses; `$` separates list items.
        let mut tokens = Vec::new();
        let mut chars = definition.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                '(' | ')' => {
                    tokens.push(c.to_string());
                    chars.next();
                }
                '\'' => {
                    chars.next();
                    let word: String = chars.by_ref().take_while(|c| *c != '\'').collect();
                    tokens.push(word);
                }
                c if c.is_whitespace() || c == '$' => {
                    chars.next();
                }
                _ => {
                    let mut word = String::new();
                    while let Some(&c) = chars.peek() {
                        if c.is_whitespace() || c == '(' || c == ')' || c == '$' {
                            break;
                        }
                        word.push(c);
                        chars.next();
                    }
                    tokens.push(word);
                }
            }
        }
        let mut class = ObjectClass::default();
        let mut i = 1; // after the opening parenthesis
        while i < tokens.len() {
            let keyword = tokens[i].as_str();
            let target = match keyword {
                "NAME" => Some(&mut class.names),
                "SUP" => Some(&mut class.superclasses),
                "MUST" | "MAY" => Some(&mut class.attributes),
                _ => None,
            };
            i += 1;
            let Some(target) = target else { continue };
            if tokens.get(i).map(String::as_str) == Some("(") {
                i += 1;
                while i < tokens.len() && tokens[i] != ")" {
                    target.push(tokens[i].clone());
                    i += 1;
                }
                i += 1;
            } else if let Some(t) = tokens.get(i) {
                target.push(t.clone());
                i += 1;
            }
        }
        class
    }
}

/// Active Directory's `highestCommittedUSN` from the root DSE, when the
/// server has one.
pub async fn highest_usn(settings: &LdapSettings, password: &str) -> Result<Option<u64>> {
    let mut ldap = connect(settings, password).await?;
    let ldap3::SearchResult(entries, _) = ldap
        .search(
            "",
            Scope::Base,
            "(objectClass=*)",
            vec!["highestCommittedUSN"],
        )
        .await
        .map_err(|e| Error::Source(format!("Could not read the root DSE: {}", describe(&e))))?;
    let _ = ldap.unbind().await;
    Ok(entries.into_iter().next().and_then(|e| {
        SearchEntry::construct(e)
            .attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("highestCommittedUSN"))
            .and_then(|(_, v)| v.first()?.trim().parse().ok())
    }))
}

/// The bytes of a GUID written as Active Directory writes it.
fn guid_bytes_of(text: &str) -> Option<[u8; 16]> {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut b = [0u8; 16];
    for (i, slot) in b.iter_mut().enumerate() {
        *slot = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    // The first three fields are little-endian.
    b[..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// The filter that finds one account by its external id.
fn account_filter(settings: &LdapSettings, external_id: &str) -> Option<String> {
    let by_id = match settings.preset {
        Preset::OpenLdap => format!("(entryUUID={})", escape_value(external_id)),
        Preset::ActiveDirectory => {
            let bytes = guid_bytes_of(external_id)?;
            let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
            format!("(objectGUID={escaped})")
        }
    };
    Some(format!(
        "(&(objectClass={}){by_id})",
        settings.user_class.trim()
    ))
}

/// Reads one account of the directory by its external id, for Real-Time
/// Sync: `None` when the directory no longer has it under the users' base.
pub async fn lookup(
    settings: &LdapSettings,
    password: &str,
    external_id: &str,
) -> Result<Option<Item>> {
    let filter = account_filter(settings, external_id).ok_or_else(|| {
        Error::InvalidInput(format!("{external_id:?} is not an id of this directory"))
    })?;
    let mut ldap = connect(settings, password).await?;
    let mut attrs = vec!["*".to_owned()];
    attrs.extend(shape(settings.preset).extra.iter().map(|a| (*a).to_owned()));
    let base = settings.users_base.trim();
    let ldap3::SearchResult(entries, result) = ldap
        .with_search_options(ldap3::SearchOptions::new().sizelimit(1))
        .search(base, Scope::Subtree, &filter, attrs)
        .await
        .map_err(|e| Error::Source(format!("Could not search {base}: {}", describe(&e))))?;
    let _ = ldap.unbind().await;
    if result.rc != 0 && result.rc != 4 {
        return Err(Error::Source(format!(
            "Searching {base} ended with {}",
            result_text(&result)
        )));
    }
    Ok(entries
        .into_iter()
        .next()
        .map(|e| record_of(settings, &SearchEntry::construct(e))))
}

/// The users of a directory, read page by page.
pub struct LdapSource {
    settings: LdapSettings,
    password: String,
    since: Option<String>,
    /// The latest change read of each kind of mark the preset knows (or
    /// the watermark the run started from).
    marks: Vec<(Mark, Option<String>)>,
    /// The page size the search asks for: the settings', or less when the
    /// server refuses it.
    page_size: u32,
    /// Entries read so far.
    read: u64,
    state: State,
}

enum State {
    Unopened,
    Reading { _ldap: Ldap, stream: Box<Stream> },
    Done,
}

impl LdapSource {
    /// A source reading with `settings` as `password`; an incremental
    /// import passes the watermark it goes on from.
    pub fn new(settings: LdapSettings, password: String, since: Option<String>) -> LdapSource {
        let start = since.as_deref().and_then(parse_watermark);
        let marks = shape(settings.preset)
            .marks
            .iter()
            .map(|&m| (m, start.filter(|(k, _)| *k == m).map(|(_, v)| v.to_owned())))
            .collect();
        LdapSource {
            page_size: settings.page_size,
            settings,
            password,
            since,
            marks,
            read: 0,
            state: State::Unopened,
        }
    }

    async fn open(&mut self) -> Result<()> {
        let mut ldap = connect(&self.settings, &self.password).await?;
        let stream = search_users(
            &mut ldap,
            &self.settings,
            self.page_size,
            self.since.as_deref(),
        )
        .await?;
        self.state = State::Reading {
            _ldap: ldap,
            stream: Box::new(stream),
        };
        Ok(())
    }

    async fn batch(&mut self) -> Result<Option<Vec<Item>>> {
        if let State::Unopened = self.state {
            self.open().await?;
        }
        let mut items = Vec::new();
        while items.len() < BATCH {
            let State::Reading { stream, .. } = &mut self.state else {
                break;
            };
            let next = stream.next().await.map_err(|e| {
                Error::Source(format!(
                    "Reading {} stopped: {}",
                    self.settings.users_base.trim(),
                    describe(&e)
                ))
            })?;
            let Some(entry) = next else {
                let result = stream.finish().await;
                // A server that caps pages (OpenLDAP's size.pr) refuses a
                // larger one before sending anything: ask for smaller pages.
                if result.rc == 11 && self.read == 0 && self.page_size > 1 {
                    self.page_size /= 2;
                    tracing::info!(
                        page_size = self.page_size,
                        "the directory refused the page size; asking for smaller pages"
                    );
                    self.open().await?;
                    continue;
                }
                if result.rc != 0 {
                    return Err(Error::Source(format!(
                        "Reading {} ended with {}",
                        self.settings.users_base.trim(),
                        result_text(&result)
                    )));
                }
                self.state = State::Done;
                break;
            };
            let entry = SearchEntry::construct(entry);
            self.read += 1;
            for (mark, highest) in &mut self.marks {
                let value = entry
                    .attrs
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(mark.attribute()))
                    .and_then(|(_, v)| v.first());
                if let Some(value) = value {
                    if highest.as_deref().is_none_or(|h| mark.later(value, h)) {
                        *highest = Some(value.clone());
                    }
                }
            }
            items.push(record_of(&self.settings, &entry));
        }
        Ok((!items.is_empty()).then_some(items))
    }
}

impl LdapSource {
    /// Every group under the groups' base, read page by page.
    async fn read_groups(&mut self) -> Result<Option<Vec<GroupRecord>>> {
        if !self.settings.import_groups {
            return Ok(None);
        }
        let settings = &self.settings;
        let base = settings.groups_base.trim();
        let mut ldap = connect(settings, &self.password).await?;
        let attrs = GROUP_ATTRIBUTES.iter().map(|a| (*a).to_owned()).collect();
        let filter = settings.group_search_filter();
        let mut stream =
            paged_search(&mut ldap, settings, base, &filter, attrs, self.page_size).await?;
        let mut groups = Vec::new();
        while let Some(entry) = stream.next().await.map_err(|e| {
            Error::Source(format!(
                "Reading the groups of {base} stopped: {}",
                describe(&e)
            ))
        })? {
            groups.push(group_of(settings, &SearchEntry::construct(entry)));
        }
        let result = stream.finish().await;
        if result.rc != 0 {
            return Err(Error::Source(format!(
                "Reading the groups of {base} ended with {}",
                result_text(&result)
            )));
        }
        let _ = ldap.unbind().await;
        Ok(Some(groups))
    }
}

impl Source for LdapSource {
    fn total(&self) -> Option<i64> {
        None
    }

    fn groups(&mut self) -> BoxFuture<'_, Result<Option<Vec<GroupRecord>>>> {
        Box::pin(self.read_groups())
    }

    fn next_batch(&mut self) -> BoxFuture<'_, Result<Option<Vec<Item>>>> {
        Box::pin(self.batch())
    }

    fn watermark(&self) -> Option<String> {
        let State::Done = self.state else {
            return None;
        };
        // The best kind of mark the entries carry.
        self.marks
            .iter()
            .find_map(|(mark, highest)| highest.as_ref().map(|h| format!("{}:{h}", mark.tag())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_take_the_class_the_admins_filter_and_the_watermark() {
        let mut s = LdapSettings::preset(Preset::OpenLdap);
        s.user_filter = "(departmentNumber=7)".into();
        assert_eq!(
            s.user_search_filter(None),
            "(&(objectClass=inetOrgPerson)(departmentNumber=7))"
        );
        assert_eq!(
            s.user_search_filter(Some("ts:20261201000000Z")),
            "(&(objectClass=inetOrgPerson)(departmentNumber=7)(modifyTimestamp>=20261201000000Z))"
        );
        assert_eq!(
            s.user_search_filter(Some("csn:20261203161731.600133Z#000000#000#000000")),
            "(&(objectClass=inetOrgPerson)(departmentNumber=7)(entryCSN>=20261203161731.600133Z#000000#000#000000)(!(entryCSN=20261203161731.600133Z#000000#000#000000)))"
        );
        let ad = LdapSettings::preset(Preset::ActiveDirectory);
        assert_eq!(
            ad.user_search_filter(Some("usn:41")),
            "(&(objectClass=user)(uSNChanged>=42))"
        );
        // A watermark of an unknown kind reads everything.
        assert_eq!(ad.user_search_filter(Some("41")), "(&(objectClass=user))");
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let mut s = LdapSettings::preset(Preset::OpenLdap);
        s.host = "ldap://x".into();
        s.page_size = 0;
        s.user_filter = "department=Sales".into();
        s.ca_pem = "not a certificate".into();
        let e = s.check().unwrap_err().to_string();
        for part in [
            "not a URL",
            "Users' base DN is required",
            "Page size 0",
            "User filter",
            "CA certificate",
        ] {
            assert!(e.contains(part), "{part}: {e}");
        }
        assert!(balanced_filter("(&(a=1)(b=2))"));
        assert!(!balanced_filter("(a=1))(("));
        assert_eq!(escape_value("a*(b)\\"), "a\\2a\\28b\\29\\5c");
    }

    #[test]
    fn a_guid_is_written_as_active_directory_writes_it() {
        let bytes = [
            0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34,
            0x56, 0x78,
        ];
        assert_eq!(
            guid_text(&bytes).unwrap(),
            "12345678-1234-5678-9abc-def012345678"
        );
        assert_eq!(guid_text(&bytes[..15]), None);
    }

    #[test]
    fn a_guid_is_searched_for_as_the_bytes_it_was_read_from() {
        let bytes = [
            0x78, 0x56, 0x34, 0x12, 0x34, 0x12, 0x78, 0x56, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34,
            0x56, 0x78,
        ];
        let text = guid_text(&bytes).unwrap();
        assert_eq!(guid_bytes_of(&text), Some(bytes));
        assert_eq!(guid_bytes_of("not-a-guid"), None);
        let ad = LdapSettings::preset(Preset::ActiveDirectory);
        assert_eq!(
            account_filter(&ad, &text).unwrap(),
            "(&(objectClass=user)(objectGUID=\\78\\56\\34\\12\\34\\12\\78\\56\\9a\\bc\\de\\f0\\12\\34\\56\\78))"
        );
    }

    #[test]
    fn object_classes_are_read_from_their_schema_definitions() {
        let class = ObjectClass::parse(
            "( 2.16.840.1.113730.3.2.2 NAME 'inetOrgPerson' DESC 'RFC2798: Internet Organizational Person' \
             SUP organizationalPerson STRUCTURAL MAY ( audio $ businessCategory $ departmentNumber ) )",
        );
        assert_eq!(class.names, ["inetOrgPerson"]);
        assert_eq!(class.superclasses, ["organizationalPerson"]);
        assert_eq!(
            class.attributes,
            ["audio", "businessCategory", "departmentNumber"]
        );
        let person = ObjectClass::parse(
            "( 2.5.6.6 NAME ( 'person' 'human' ) SUP top STRUCTURAL MUST ( sn $ cn ) MAY userPassword )",
        );
        assert_eq!(person.names, ["person", "human"]);
        assert_eq!(person.attributes, ["sn", "cn", "userPassword"]);
    }

    #[test]
    fn usns_compare_as_numbers_and_timestamps_as_text() {
        assert!(Mark::Usn.later("100", "99"));
        assert!(Mark::Timestamp.later("20261202000000Z", "20261201235959Z"));
        assert_eq!(parse_watermark("csn:a:b"), Some((Mark::Csn, "a:b")));
    }
}
