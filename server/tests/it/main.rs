//! Server tests: the axum router driven request by request.

mod auth;
mod support;
