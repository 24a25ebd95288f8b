//! A slapd for the browser journeys: `slapd-fixture openldap|ad N` starts
//! one with N people (OpenLDAP `inetOrgPerson`, or Active Directory `user`s
//! of which every tenth is disabled), prints one JSON line (`port`,
//! `tls_port`, `ca_pem`, `bind_dn`, `bind_password`, `people`, `groups`)
//! and runs until its standard input closes.

use std::io::{BufRead, Write};
use testkit::slapd::{self, Options, Slapd};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let shape = args.get(1).map(String::as_str).unwrap_or("openldap");
    let n: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let ldif = match shape {
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
    let server = Slapd::start(Options {
        size_limit: None,
        ldif: Some(ldif),
    });
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
