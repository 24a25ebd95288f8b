//! Server tests: the axum router driven request by request, and the
//! `muster` binary killed at random points (crash.rs).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod assets;
mod auth;
mod crash;
mod ops;
mod protect;
mod support;
mod tls;
mod uploads;
