//! The site (WASM, JS, CSS, public files) compiled into the binary and served
//! the way a hosted site serves it. In debug builds the files are read from
//! `target/site` once, when the site is first asked for.
//!
//! - The console's script, WASM and stylesheet are served under names that
//!   carry a hash of the three (`pkg/muster.1f2e3d4c5b6a7988.wasm`); Leptos
//!   writes those names into the page because they are its
//!   `LeptosOptions::output_name`. A new build has new names, so these files
//!   are cached for a year. Other files are cached briefly and revalidated
//!   by their ETag.
//! - `scripts/build` precompresses the site: `<file>.br` and `<file>.gz`
//!   beside each file. A client gets the smallest encoding it accepts
//!   (brotli, then gzip, then the file as it is).

use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(RustEmbed)]
#[folder = "../target/site"]
#[allow_missing = true]
struct Embedded;

/// The site directory of the console's script, WASM and stylesheet.
const PKG_DIR: &str = "pkg";
/// For files whose name changes with their content.
const CACHE_HASHED: &str = "public, max-age=31536000, immutable";
/// For files that keep their name from build to build.
const CACHE_NAMED: &str = "public, max-age=300";

/// The files of a built site, by the path they are served at.
pub struct Site {
    files: HashMap<String, SiteFile>,
    output_name: String,
}

struct SiteFile {
    content_type: HeaderValue,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
    /// A digest of `identity`; each encoding's ETag adds its own suffix.
    digest: String,
    cache_control: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Site {
    /// The site compiled into this binary.
    pub fn embedded() -> &'static Site {
        static SITE: OnceLock<Site> = OnceLock::new();
        SITE.get_or_init(|| {
            Site::from_files(
                option_env!("LEPTOS_OUTPUT_NAME").unwrap_or("muster"),
                Embedded::iter().filter_map(|path| {
                    let file = Embedded::get(&path)?;
                    Some((path.into_owned(), file.data))
                }),
            )
        })
    }

    /// A site laid out as cargo-leptos builds it: `files` are paths and
    /// contents, `<path>.br` and `<path>.gz` are the precompressed variants
    /// of `<path>`, and `name` is the file stem of the console's script,
    /// WASM and stylesheet in `pkg/`.
    pub fn from_files(
        name: &str,
        files: impl IntoIterator<Item = (String, Cow<'static, [u8]>)>,
    ) -> Site {
        let mut contents: HashMap<String, Bytes> = files
            .into_iter()
            .map(|(path, data)| (path, into_bytes(data)))
            .collect();
        let console = ["js", "wasm", "css"].map(|ext| (format!("{PKG_DIR}/{name}.{ext}"), ext));
        let output_name = match hash_of(console.iter().map(|(path, _)| path), &contents) {
            Some(hash) => format!("{name}.{hash}"),
            None => name.to_owned(),
        };
        let originals: Vec<String> = contents
            .keys()
            .filter(|path| variant_of(path).is_none_or(|base| !contents.contains_key(base)))
            .cloned()
            .collect();
        let mut files = HashMap::new();
        for path in originals {
            let Some(identity) = contents.remove(&path) else {
                continue;
            };
            let smaller = |variant: Option<Bytes>| variant.filter(|v| v.len() < identity.len());
            let brotli = smaller(contents.remove(&format!("{path}.br")));
            let gzip = smaller(contents.remove(&format!("{path}.gz")));
            let hashed = console
                .iter()
                .find(|(console_path, _)| *console_path == path);
            let (served_at, cache_control) = match hashed {
                Some((_, ext)) if output_name != name => {
                    (format!("{PKG_DIR}/{output_name}.{ext}"), CACHE_HASHED)
                }
                _ => (path.clone(), CACHE_NAMED),
            };
            let content_type = mime_guess::from_path(&path)
                .first_or_octet_stream()
                .essence_str()
                .parse()
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            let digest = hex(&Sha256::digest(&identity)[..16]);
            files.insert(
                served_at,
                SiteFile {
                    content_type,
                    identity,
                    brotli,
                    gzip,
                    digest,
                    cache_control,
                },
            );
        }
        Site { files, output_name }
    }

    /// The file stem Leptos names the console's files by: `muster.<hash>`
    /// once the site is built, plain `muster` before.
    pub fn output_name(&self) -> &str {
        &self.output_name
    }

    /// The answer for the file served at `path` (without its leading `/`),
    /// in the encoding `headers` accept best; `None` when there is no such
    /// file.
    pub fn respond(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        let file = self.files.get(path)?;
        let (encoding, body) = file.encoded_for(headers);
        let etag = format!("\"{}{}\"", file.digest, encoding.etag_suffix());
        let mut res = if none_match(headers, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut res = Body::from(body.clone()).into_response();
            res.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            if let Some(coding) = encoding.token() {
                res.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
            }
            res
        };
        let out = res.headers_mut();
        // A 304 keeps the content type too: it is what tells the sign-in
        // guard that this is a site file and not a private page.
        out.insert(header::CONTENT_TYPE, file.content_type.clone());
        out.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(file.cache_control),
        );
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            out.insert(header::ETAG, etag);
        }
        if file.brotli.is_some() || file.gzip.is_some() {
            out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        Some(res)
    }
}

impl SiteFile {
    /// The encoding the client prefers among those this file has (brotli
    /// first when it likes both equally), and the bytes to send.
    fn encoded_for(&self, headers: &HeaderMap) -> (Encoding, &Bytes) {
        let mut best = (Encoding::Identity, &self.identity, 0.0);
        for (encoding, variant) in [
            (Encoding::Brotli, &self.brotli),
            (Encoding::Gzip, &self.gzip),
        ] {
            let Some(body) = variant else { continue };
            let quality = accepted_quality(headers, encoding);
            if quality > 0.0 && quality > best.2 {
                best = (encoding, body, quality);
            }
        }
        (best.0, best.1)
    }
}

impl Encoding {
    /// Its `Content-Encoding` token.
    fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Brotli => Some("br"),
            Encoding::Gzip => Some("gzip"),
            Encoding::Identity => None,
        }
    }

    fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Brotli => "-br",
            Encoding::Gzip => "-gzip",
            Encoding::Identity => "",
        }
    }
}

/// How much `Accept-Encoding` wants `encoding`, from 0 (not at all) to 1.
fn accepted_quality(headers: &HeaderMap, encoding: Encoding) -> f32 {
    let Some(token) = encoding.token() else {
        return 1.0;
    };
    let mut named = None;
    let mut any = None;
    let items = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','));
    for item in items {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let quality = parts
            .find_map(|p| {
                let (key, value) = p.split_once('=')?;
                key.trim().eq_ignore_ascii_case("q").then(|| value.trim())
            })
            .map_or(1.0, |q| q.parse::<f32>().unwrap_or(0.0));
        if coding.eq_ignore_ascii_case(token) {
            named = Some(quality);
        } else if coding == "*" {
            any = Some(quality);
        }
    }
    named.or(any).unwrap_or(0.0)
}

/// Whether `If-None-Match` names `etag` (or `*`): the client has it.
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

/// For `x.br` or `x.gz`, the file `x` it may be a variant of.
fn variant_of(path: &str) -> Option<&str> {
    path.strip_suffix(".br")
        .or_else(|| path.strip_suffix(".gz"))
}

/// A short hash of the files at `paths` that exist; `None` when none does.
fn hash_of<'a>(
    paths: impl Iterator<Item = &'a String>,
    contents: &HashMap<String, Bytes>,
) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut any = false;
    for path in paths {
        if let Some(data) = contents.get(path) {
            any = true;
            hasher.update(path.as_bytes());
            hasher.update((data.len() as u64).to_le_bytes());
            hasher.update(data);
        }
    }
    any.then(|| hex(&hasher.finalize()[..8]))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn into_bytes(data: Cow<'static, [u8]>) -> Bytes {
    match data {
        Cow::Borrowed(data) => Bytes::from_static(data),
        Cow::Owned(data) => Bytes::from(data),
    }
}

/// Serves a file of the site, or the console's "not found" page.
pub async fn static_or_not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().trim_start_matches('/');
    if let Some(res) = Site::embedded().respond(path, req.headers()) {
        return res;
    }
    let handler = leptos_axum::render_app_to_stream_with_context(
        crate::page_context(state.engine.clone(), state.http.secure_cookies),
        {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        },
    );
    let mut res = handler(req).await.into_response();
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn accept_encoding_is_read_with_its_qualities() {
        let browser = accepting("gzip, deflate, br, zstd");
        assert_eq!(accepted_quality(&browser, Encoding::Brotli), 1.0);
        assert_eq!(accepted_quality(&browser, Encoding::Gzip), 1.0);
        let refusing = accepting("br;q=0, gzip;q=0.5");
        assert_eq!(accepted_quality(&refusing, Encoding::Brotli), 0.0);
        assert_eq!(accepted_quality(&refusing, Encoding::Gzip), 0.5);
        let anything = accepting("*;q=0.3, gzip;Q=0");
        assert_eq!(accepted_quality(&anything, Encoding::Brotli), 0.3);
        assert_eq!(accepted_quality(&anything, Encoding::Gzip), 0.0);
        assert_eq!(accepted_quality(&HeaderMap::new(), Encoding::Brotli), 0.0);
        assert_eq!(accepted_quality(&HeaderMap::new(), Encoding::Identity), 1.0);
    }

    #[test]
    fn a_variant_is_one_only_beside_its_file() {
        let site = Site::from_files(
            "muster",
            [
                (
                    "notes.txt".to_owned(),
                    Cow::Borrowed(&b"plain text, long enough"[..]),
                ),
                ("notes.txt.gz".to_owned(), Cow::Borrowed(&b"short"[..])),
                ("archive.gz".to_owned(), Cow::Borrowed(&b"an archive"[..])),
            ],
        );
        assert!(site.files["notes.txt"].gzip.is_some());
        assert!(!site.files.contains_key("notes.txt.gz"));
        assert!(site.files.contains_key("archive.gz"));
        assert_eq!(site.output_name(), "muster");
    }
}
