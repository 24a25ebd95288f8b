//! Real servers for Muster's tests and benchmarks, started on loopback
//! ports in temporary directories and stopped when dropped. Nothing here
//! is part of the `muster` binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod scim;
pub mod slapd;

/// A port nobody listens on now, on 127.0.0.1.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}
