//! The site's files: sent in the encoding the browser accepts best, the
//! console's files under hashed names cached for a year, the page never.

use crate::support::*;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Request, Response, StatusCode};
use http_body_util::BodyExt;
use server::assets::Site;
use std::borrow::Cow;
use std::io::{Read, Write};

const SCRIPT: &str = "export function hydrate() { console.log('hydrated'); }\n";

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams::default();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A site as `scripts/build` leaves it: the console's files and a public
/// file, each with its `.br` and `.gz`.
fn built_site() -> (Site, Vec<u8>) {
    let script = SCRIPT.repeat(50).into_bytes();
    let wasm = [b"\0asm".as_slice(), &[7; 4000]].concat();
    let css = b"body { margin: 0; }\n".repeat(40);
    let icon = b"<svg xmlns='http://www.w3.org/2000/svg'><circle r='4'/></svg>\n".repeat(10);
    let mut files = Vec::new();
    for (path, data) in [
        ("pkg/muster.js", script.clone()),
        ("pkg/muster.wasm", wasm),
        ("pkg/muster.css", css),
        ("favicon.svg", icon),
    ] {
        files.push((format!("{path}.br"), Cow::Owned(brotli(&data))));
        files.push((format!("{path}.gz"), Cow::Owned(gzip(&data))));
        files.push((path.to_owned(), Cow::Owned(data)));
    }
    (Site::from_files("muster", files), script)
}

fn accepting(encodings: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(encodings) = encodings {
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(encodings).unwrap(),
        );
    }
    headers
}

fn header_of(res: &Response<Body>, name: header::HeaderName) -> &str {
    res.headers().get(name).map_or("", |v| v.to_str().unwrap())
}

async fn body_bytes(res: Response<Body>) -> Vec<u8> {
    res.into_body().collect().await.unwrap().to_bytes().to_vec()
}

#[tokio::test]
async fn a_file_is_sent_in_the_encoding_the_browser_accepts_best() {
    let (site, script) = built_site();
    let path = format!("pkg/{}.js", site.output_name());
    for (accepts, encoding) in [
        (Some("gzip, deflate, br, zstd"), "br"),
        (Some("gzip, deflate"), "gzip"),
        (Some("br;q=0.5, gzip"), "gzip"),
        (Some("br;q=0, *"), "gzip"),
        (Some("identity"), ""),
        (None, ""),
    ] {
        let res = site.respond(&path, &accepting(accepts)).unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            header_of(&res, header::CONTENT_ENCODING),
            encoding,
            "{accepts:?}"
        );
        assert_eq!(header_of(&res, header::CONTENT_TYPE), "text/javascript");
        assert_eq!(header_of(&res, header::VARY), "accept-encoding");
        let length: usize = header_of(&res, header::CONTENT_LENGTH).parse().unwrap();
        let body = body_bytes(res).await;
        assert_eq!(body.len(), length);
        let mut decoded = Vec::new();
        match encoding {
            "br" => {
                brotli::Decompressor::new(&body[..], 4096)
                    .read_to_end(&mut decoded)
                    .unwrap();
            }
            "gzip" => {
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut decoded)
                    .unwrap();
            }
            _ => decoded = body,
        }
        assert_eq!(decoded, script, "{accepts:?}");
    }
}

#[tokio::test]
async fn the_console_files_have_hashed_names_cached_for_a_year_other_files_briefly() {
    let (site, _) = built_site();
    let name = site.output_name();
    let hash = name.strip_prefix("muster.").unwrap();
    assert_eq!(hash.len(), 16);
    assert!(hash.chars().all(|c| c.is_ascii_hexdigit()));
    for (ext, content_type) in [
        ("js", "text/javascript"),
        ("wasm", "application/wasm"),
        ("css", "text/css"),
    ] {
        let res = site
            .respond(&format!("pkg/{name}.{ext}"), &accepting(Some("br")))
            .unwrap();
        assert_eq!(
            header_of(&res, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header_of(&res, header::CONTENT_TYPE), content_type);
        assert!(site
            .respond(&format!("pkg/muster.{ext}"), &HeaderMap::new())
            .is_none());
    }
    let icon = site.respond("favicon.svg", &HeaderMap::new()).unwrap();
    assert_eq!(
        header_of(&icon, header::CACHE_CONTROL),
        "public, max-age=300"
    );
    assert_eq!(header_of(&icon, header::CONTENT_TYPE), "image/svg+xml");

    let rebuilt = Site::from_files(
        "muster",
        [
            (
                "pkg/muster.js".to_owned(),
                Cow::Borrowed(&b"export {};\n"[..]),
            ),
            ("pkg/muster.wasm".to_owned(), Cow::Borrowed(&b"\0asm"[..])),
        ],
    );
    assert_ne!(rebuilt.output_name(), name, "another build has other names");
}

#[tokio::test]
async fn a_file_the_browser_has_is_answered_not_modified() {
    let (site, _) = built_site();
    let first = site.respond("favicon.svg", &accepting(Some("br"))).unwrap();
    let etag = header_of(&first, header::ETAG).to_owned();
    assert!(etag.starts_with('"') && etag.ends_with("-br\""), "{etag}");

    let mut again = accepting(Some("br"));
    again.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&etag).unwrap());
    let res = site.respond("favicon.svg", &again).unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header_of(&res, header::ETAG), etag);
    assert_eq!(
        header_of(&res, header::CACHE_CONTROL),
        "public, max-age=300"
    );
    assert_eq!(header_of(&res, header::CONTENT_TYPE), "image/svg+xml");
    assert!(body_bytes(res).await.is_empty());

    // The same tag does not stand for the gzip bytes.
    let mut gzip_only = accepting(Some("gzip"));
    gzip_only.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&etag).unwrap());
    let res = site.respond("favicon.svg", &gzip_only).unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CONTENT_ENCODING), "gzip");
    assert_ne!(header_of(&res, header::ETAG), etag);
}

#[tokio::test]
async fn the_page_is_never_cached_and_names_the_files_the_server_sends() {
    let server = spawn().await;
    let res = server
        .send(Request::get("/signin").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header_of(&res, header::CACHE_CONTROL), "no-store");
    let page = body_text(res).await;
    let name = Site::embedded().output_name();
    let files = ["js", "wasm", "css"].map(|ext| format!("/pkg/{name}.{ext}"));
    for file in &files {
        assert!(
            page.contains(&format!("\"{file}\"")),
            "{file} not in {page}"
        );
    }
    if name == "muster" {
        eprintln!("target/site holds no built console: only the page is checked");
        return;
    }
    for file in &files {
        let res = server
            .send(
                Request::get(file)
                    .header(header::ACCEPT_ENCODING, "gzip, br")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{file}");
        assert_eq!(
            header_of(&res, header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{file}"
        );
    }
}
