//! HTTPS served by Muster itself: a browser that trusts the certificate
//! gets the console over TLS, told to keep to HTTPS; a bad key or
//! certificate file is named at start.

use crate::support::*;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

fn certificate(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    (cert, key, made.cert.der().to_vec())
}

#[tokio::test]
async fn the_console_is_served_over_https_when_given_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, der) = certificate(dir.path());
    let acceptor = server::tls::acceptor(&cert, &key).unwrap();
    let server = spawn_with(server::HttpSettings {
        https: true,
        secure_cookies: true,
        ..Default::default()
    })
    .await;
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let listener = server::tls::TlsListener::new(tcp, acceptor).unwrap();
    let app = server.router.clone();
    tokio::spawn(async move {
        use axum::serve::ListenerExt;
        axum::serve(
            listener.tap_io(|_| {}),
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });

    // A client that connects and never says hello holds up no one.
    let _silent = tokio::net::TcpStream::connect(addr).await.unwrap();

    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(der)).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    tls.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(
        answer.contains("strict-transport-security: max-age=31536000"),
        "{answer}"
    );
    assert!(answer.ends_with("ok"), "{answer}");
}

#[test]
fn a_missing_or_mismatched_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _key, _) = certificate(dir.path());
    let missing = dir.path().join("nothing.pem");
    let e = server::tls::acceptor(&cert, &missing).err().unwrap();
    assert!(
        e.starts_with(&format!("--tls-key {}", missing.display())),
        "{e}"
    );
    let other = tempfile::tempdir().unwrap();
    let (_, other_key, _) = certificate(other.path());
    let e = server::tls::acceptor(&cert, &other_key).err().unwrap();
    assert!(
        e.starts_with("--tls-cert and --tls-key do not make a usable pair"),
        "{e}"
    );
    let e = server::tls::acceptor(&missing, &other_key).err().unwrap();
    assert!(e.starts_with("--tls-cert"), "{e}");
}
