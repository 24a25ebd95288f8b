//! Server tests: the axum router driven request by request.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod assets;
mod auth;
mod ops;
mod protect;
mod support;
mod tls;
mod uploads;
