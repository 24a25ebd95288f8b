//! Attribute mappings: how an app user's imported attributes become Muster
//! user profile attributes, written in a subset of the Okta Expression Language.

pub mod expr;
