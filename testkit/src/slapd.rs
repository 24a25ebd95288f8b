//! OpenLDAP's `slapd`, run unprivileged from a flat `slapd.conf` in a
//! temporary directory, listening on `ldap://` and `ldaps://` loopback
//! ports with a certificate made for the run. Its tree:
//!
//! - `dc=example,dc=com`, with `ou=People` and `ou=Groups`;
//! - `cn=muster,dc=example,dc=com`, the account Muster binds as
//!   ([`BIND_DN`], [`BIND_PASSWORD`]); reading needs a bind;
//! - the schemas core, cosine, inetorgperson, nis (posixGroup) and a small
//!   one of Active Directory's attributes and classes (`ad.schema`).
//!
//! A size limit applies to everyone but the root DN, as a server's does; a
//! paged search still reads everything, as from Active Directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BASE: &str = "dc=example,dc=com";
pub const PEOPLE: &str = "ou=People,dc=example,dc=com";
pub const GROUPS: &str = "ou=Groups,dc=example,dc=com";
pub const BIND_DN: &str = "cn=muster,dc=example,dc=com";
pub const BIND_PASSWORD: &str = "muster-bind-password";
const ROOT_DN: &str = "cn=admin,dc=example,dc=com";
const ROOT_PASSWORD: &str = "root-password";

const AD_SCHEMA: &str = include_str!("ad.schema");

/// What the server is started with.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Entries a search returns at most (a page of a paged search too).
    pub size_limit: Option<u32>,
    /// LDIF loaded with `slapadd` before the server starts (fast, for many
    /// entries), after the base tree.
    pub ldif: Option<String>,
    /// Attributes the root DSE shows besides slapd's own, as LDIF lines
    /// (`highestCommittedUSN: 200`).
    pub root_dse: Option<String>,
}

/// A running slapd; killed and its directory removed when dropped.
pub struct Slapd {
    dir: tempfile::TempDir,
    child: Option<Child>,
    pub port: u16,
    pub tls_port: u16,
    /// The PEM of the certificate the server presents (self-signed, for
    /// `localhost` and 127.0.0.1): what an admin pastes as the CA to trust.
    pub ca_pem: String,
}

fn slapd_binary() -> PathBuf {
    for dir in ["/usr/sbin", "/usr/local/sbin", "/usr/bin"] {
        let p = Path::new(dir).join("slapd");
        if p.exists() {
            return p;
        }
    }
    panic!("slapd is not installed: scripts/setup --test installs it (Debian's slapd)");
}

impl Slapd {
    /// A server holding `ldif` after the base tree, with no size limit and
    /// slapd's own root DSE.
    pub fn serving(ldif: impl Into<String>) -> Slapd {
        Slapd::start(Options {
            ldif: Some(ldif.into()),
            ..Options::default()
        })
    }

    pub fn start(options: Options) -> Slapd {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("db")).unwrap();
        std::fs::write(root.join("ad.schema"), AD_SCHEMA).unwrap();
        let made = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap();
        std::fs::write(root.join("cert.pem"), made.cert.pem()).unwrap();
        std::fs::write(root.join("key.pem"), made.signing_key.serialize_pem()).unwrap();
        std::fs::write(root.join("slapd.conf"), config(root, options.size_limit)).unwrap();
        write_root_dse(root, options.root_dse.as_deref().unwrap_or_default());
        let mut ldif = base_ldif();
        if let Some(more) = &options.ldif {
            ldif.push('\n');
            ldif.push_str(more);
        }
        std::fs::write(root.join("load.ldif"), ldif).unwrap();
        let out = Command::new(slapd_binary().with_file_name("slapadd"))
            .args(["-q", "-f"])
            .arg(root.join("slapd.conf"))
            .arg("-l")
            .arg(root.join("load.ldif"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "slapadd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut slapd = Slapd {
            ca_pem: made.cert.pem(),
            dir,
            child: None,
            port: 0,
            tls_port: 0,
        };
        slapd.run();
        slapd
    }

    /// Restarts the server on the same ports with a changed root DSE, as a
    /// directory restored from a backup comes back.
    pub fn restart_with_root_dse(&mut self, lines: &str) {
        self.kill();
        write_root_dse(self.dir.path(), lines);
        self.listen();
    }

    /// Starts the server process (again, after [`Slapd::kill`]) on new ports.
    pub fn run(&mut self) {
        self.port = crate::free_port();
        self.tls_port = crate::free_port();
        self.listen();
    }

    fn listen(&mut self) {
        let urls = format!(
            "ldap://127.0.0.1:{}/ ldaps://127.0.0.1:{}/",
            self.port, self.tls_port
        );
        let child = Command::new(slapd_binary())
            .arg("-f")
            .arg(self.dir.path().join("slapd.conf"))
            .args(["-h", &urls, "-d", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                let mut err = String::new();
                if let Some(mut e) = self.child.take().and_then(|mut c| c.stderr.take()) {
                    std::io::Read::read_to_string(&mut e, &mut err).unwrap_or_default();
                }
                panic!("slapd exited ({status}): {err}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "slapd did not start"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// `ldap://127.0.0.1:port`
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// Stops the server at once (SIGKILL), as a crash or a lost network would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Pauses the server (SIGSTOP): connections stay open and nothing
    /// answers, as with a hung server or a network gone quiet.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn go_on(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, which: &str) {
        if let Some(child) = &self.child {
            let status = Command::new("kill")
                .args([which, &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }
    }

    /// Adds, changes or deletes entries with `ldapmodify` as the root DN
    /// (LDIF with `changetype`s; plain entries are added).
    pub fn modify(&self, ldif: &str) {
        let mut child = Command::new("ldapmodify")
            .args([
                "-x",
                "-a",
                "-H",
                &self.url(),
                "-D",
                ROOT_DN,
                "-w",
                ROOT_PASSWORD,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(ldif.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "ldapmodify: {}\n{ldif}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.kill();
    }
}

fn write_root_dse(root: &Path, lines: &str) {
    std::fs::write(root.join("rootdse.ldif"), format!("dn:\n{lines}\n")).unwrap();
}

fn config(root: &Path, size_limit: Option<u32>) -> String {
    let r = root.display();
    let limit = match size_limit {
        Some(n) => {
            format!("sizelimit size.soft={n} size.hard={n} size.pr={n} size.prtotal=unlimited\n")
        }
        None => "sizelimit unlimited\n".to_owned(),
    };
    format!(
        "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include {r}/ad.schema
rootDSE {r}/rootdse.ldif
pidfile {r}/slapd.pid
argsfile {r}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile {r}/cert.pem
TLSCertificateKeyFile {r}/key.pem
{limit}
database mdb
maxsize 4294967296
suffix \"{BASE}\"
rootdn \"{ROOT_DN}\"
rootpw {ROOT_PASSWORD}
directory {r}/db
index objectClass eq
index uid,cn,mail,sAMAccountName eq
index entryUUID eq
index modifyTimestamp,entryCSN eq
index uSNChanged eq
index member,memberUid,uniqueMember eq
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
"
    )
}

fn base_ldif() -> String {
    format!(
        "dn: {BASE}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {PEOPLE}
objectClass: organizationalUnit
ou: People

dn: {GROUPS}
objectClass: organizationalUnit
ou: Groups

dn: {BIND_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: muster
userPassword: {BIND_PASSWORD}
"
    )
}

/// An OpenLDAP person (`inetOrgPerson`) under `ou=People`.
pub fn person(uid: &str, first: &str, last: &str) -> String {
    format!(
        "dn: uid={uid},{PEOPLE}
objectClass: inetOrgPerson
uid: {uid}
cn: {first} {last}
givenName: {first}
sn: {last}
mail: {uid}@example.com
"
    )
}

/// The same, last changed at `stamp` (`YYYYMMDDHHMMSSZ`), as if loaded
/// long before: a later change is newer than anything read before it.
pub fn person_changed_at(uid: &str, first: &str, last: &str, stamp: &str) -> String {
    format!("{}modifyTimestamp: {stamp}\n", person(uid, first, last))
}

/// `n` people `{prefix}0`… under `ou=People`, last changed at `stamp`.
pub fn people(prefix: &str, n: usize, stamp: &str) -> String {
    (0..n)
        .map(|i| {
            person_changed_at(
                &format!("{prefix}{i}"),
                &format!("First{i}"),
                &format!("Last{i}"),
                stamp,
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An Active Directory `user` under `ou=People`: a GUID made from `n`,
/// `userAccountControl` 512 (enabled) or 514 (disabled), and `usn` as
/// `uSNCreated` and `uSNChanged`.
pub fn ad_user(sam: &str, first: &str, last: &str, n: u64, enabled: bool, usn: u64) -> String {
    let guid = guid_bytes(n);
    format!(
        "dn: cn={first} {last},{PEOPLE}
objectClass: user
cn: {first} {last}
sAMAccountName: {sam}
userPrincipalName: {sam}@corp.example.com
givenName: {first}
sn: {last}
mail: {sam}@example.com
objectGUID:: {}
userAccountControl: {}
uSNCreated: {usn}
uSNChanged: {usn}
whenChanged: 20261201000000.0Z
",
        base64(&guid),
        if enabled { 512 } else { 514 }
    )
}

/// The DN of [`person`] `uid`.
pub fn person_dn(uid: &str) -> String {
    format!("uid={uid},{PEOPLE}")
}

/// A group under `ou=Groups` of class `groupOfNames` (members by DN),
/// `groupOfUniqueNames` (by DN) or `posixGroup` (by `memberUid`).
pub fn group<S: AsRef<str>>(class: &str, cn: &str, members: &[S]) -> String {
    let mut entry = format!("dn: cn={cn},{GROUPS}\nobjectClass: {class}\ncn: {cn}\n");
    let attribute = match class {
        "groupOfUniqueNames" => "uniqueMember",
        "posixGroup" => {
            entry.push_str("gidNumber: 5000\n");
            "memberUid"
        }
        _ => "member",
    };
    for m in members {
        entry.push_str(&format!("{attribute}: {}\n", m.as_ref()));
    }
    entry
}

/// An Active Directory `group` under `ou=Groups`, its GUID made from `n`,
/// its members by DN.
pub fn ad_group<S: AsRef<str>>(cn: &str, n: u64, members: &[S]) -> String {
    let mut entry = format!(
        "dn: cn={cn},{GROUPS}\nobjectClass: group\ncn: {cn}\nsAMAccountName: {cn}\nobjectGUID:: {}\n",
        base64(&guid_bytes(n))
    );
    for m in members {
        entry.push_str(&format!("member: {}\n", m.as_ref()));
    }
    entry
}

/// The 16 bytes of a GUID made from `n` (little-endian first fields, as
/// Active Directory stores them).
pub fn guid_bytes(n: u64) -> [u8; 16] {
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&n.to_le_bytes());
    g[8..].copy_from_slice(&0x4d55_5354_4552_0001u64.to_be_bytes());
    g
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_server_answers_a_bound_search_and_refuses_an_anonymous_one() {
        let slapd = Slapd::start(Options {
            size_limit: Some(2),
            ldif: Some(format!(
                "{}\n{}\n{}",
                person("ann", "Ann", "Lee"),
                person("bo", "Bo", "Ray"),
                person("cy", "Cy", "Tan")
            )),
            root_dse: None,
        });
        let search = |bind: &[&str]| {
            Command::new("ldapsearch")
                .args(["-x", "-LLL", "-H", &slapd.url(), "-b", PEOPLE])
                .args(bind)
                .args(["-E", "pr=2/noprompt", "(objectClass=inetOrgPerson)", "uid"])
                .output()
                .unwrap()
        };
        let out = search(&["-D", BIND_DN, "-w", BIND_PASSWORD]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.matches("uid: ").count(), 3, "{text}");
        let anonymous = String::from_utf8_lossy(&search(&[]).stdout).into_owned();
        assert_eq!(anonymous.matches("uid: ").count(), 0, "{anonymous}");
        assert_eq!(base64(b"Ma"), "TWE=");
        assert_eq!(base64(b"Man"), "TWFu");
    }
}
