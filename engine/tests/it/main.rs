//! Integration tests of the engine, driven the way the console drives it:
//! upload, Import Now, run the job, look at the queue, confirm, read the
//! System Log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod accounts;
mod backup;
mod counts;
mod csv_import;
mod fuzz;
mod golden;
mod groups;
mod ldap;
mod people;
mod properties;
mod push;
mod queue;
mod races;
mod restart;
mod rules;
mod scim;
mod settings;
mod signin;
mod sources;
mod stored;
mod syslog;
mod uploads;
