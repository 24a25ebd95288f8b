//! Server tests: the axum router driven request by request, and the
//! `muster` binary run as a process (process.rs): stopped by a signal, and
//! killed at random points (crash.rs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod api;
mod assets;
mod auth;
mod crash;
mod directories;
mod identity;
mod ops;
mod process;
mod protect;
mod scim;
mod stop;
mod support;
mod tls;
mod uploads;
