//! A slapd for the browser journeys: `slapd-fixture openldap|ad N` starts
//! one with N people (OpenLDAP `inetOrgPerson`, or Active Directory `user`s
//! of which every tenth is disabled) and two groups, "Finance" (the first
//! half of them) and "VPN Users" (every third), prints one JSON line (`port`,
//! `tls_port`, `ca_pem`, `bind_dn`, `bind_password`, `people`, `groups`)
//! and runs until its standard input closes.

use std::io::{BufRead, Write};
use testkit::slapd::{self, Slapd};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = args.get(1).map(String::as_str).unwrap_or("openldap");
    let n: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let dn = |i: u64| match shape {
        "ad" => format!("cn=First{i} Last{i},{}", slapd::PEOPLE),
        _ => slapd::person_dn(&format!("u{i}")),
    };
    let finance: Vec<String> = (0..n.div_ceil(2)).map(dn).collect();
    let vpn: Vec<String> = (0..n).step_by(3).map(dn).collect();
    let groups = match shape {
        "ad" => [
            slapd::ad_group("Finance", 1_000_000, &finance),
            slapd::ad_group("VPN Users", 1_000_001, &vpn),
        ],
        _ => [
            slapd::group("groupOfNames", "Finance", &finance),
            slapd::group("groupOfNames", "VPN Users", &vpn),
        ],
    };
    let people = match shape {
        "ad" => (0..n)
            .map(|i| {
                slapd::ad_user(
                    &format!("sam{i}"),
                    &format!("First{i}"),
                    &format!("Last{i}"),
                    i,
                    i % 10 != 9,
                    100 + i,
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => slapd::people("u", n as usize, "20260101000000Z"),
    };
    let ldif = format!("{people}\n{}", groups.join("\n"));
    let server = Slapd::serving(ldif);
    let line = format!(
        "{{\"port\":{},\"tls_port\":{},\"ca_pem\":{:?},\"bind_dn\":{:?},\"bind_password\":{:?},\"people\":{:?},\"groups\":{:?}}}",
        server.port,
        server.tls_port,
        server.ca_pem,
        slapd::BIND_DN,
        slapd::BIND_PASSWORD,
        slapd::PEOPLE,
        slapd::GROUPS
    );
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
    // Until whoever started it closes our input (or goes away).
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
    }
    drop(server);
}
