//! Console routes that a server function does not fit: the streamed CSV
//! upload and the CSV downloads (row errors, a paused import's removals,
//! the System Log). Each requires an admin session.

use crate::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::model::Admin;
use futures_util::TryStreamExt;
use proto::console::LogWindow;
use proto::{PeopleFilter, UserStatus};

/// The signed-in admin of a console route; anyone else is answered 401.
pub struct SignedIn(Admin);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match web::session_admin(&state.engine, &parts.headers).await {
            Ok(Some(admin)) => Ok(SignedIn(admin)),
            _ => Err(refuse(StatusCode::UNAUTHORIZED, "Sign in required".into())),
        }
    }
}

fn refuse(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

fn engine_error(e: engine::Error) -> Response {
    refuse(web::status_of(&e), web::report_error(&e))
}

/// Decodes a percent-encoded header value (the browser encodes file names).
/// A `%` not followed by two hex digits is kept as it is, and bytes that are
/// not UTF-8 become U+FFFD: a file name is shown, never refused.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// `POST /console/apps/{id}/uploads`: the request body is the CSV file,
/// streamed to disk; the answer is its preview as JSON.
pub async fn upload_csv(
    State(state): State<AppState>,
    SignedIn(admin): SignedIn,
    Path(app_id): Path<String>,
    req: Request,
) -> Response {
    let file_name = req
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .unwrap_or_else(|| "upload.csv".into());
    let declared: Option<u64> = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    if declared.is_some_and(|n| n > state.engine.max_upload_bytes()) {
        return engine_error(engine::Error::TooLarge {
            limit_mib: state.engine.max_upload_bytes().div_ceil(1 << 20),
        });
    }
    if let Err(e) = state.engine.room_for_upload(declared) {
        return engine_error(e);
    }
    let stream = req
        .into_body()
        .into_data_stream()
        .map_err(std::io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream);
    let saved = match state.engine.write(&admin) {
        Ok(handle) => handle.save_upload(&app_id, &file_name, reader).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(preview) => axum::Json(preview).into_response(),
        Err(e) => engine_error(e),
    }
}

/// `GET /console/runs/{id}/errors.csv`: the run's row errors as CSV.
pub async fn error_report(
    State(state): State<AppState>,
    SignedIn(admin): SignedIn,
    Path(run_id): Path<String>,
) -> Response {
    let report = state.engine.read(&admin).row_errors_csv(&run_id).await;
    csv_download(report, &format!("import-errors-{run_id}.csv"))
}

/// The users a paused import would remove, as a CSV download.
pub async fn removals_report(
    State(state): State<AppState>,
    SignedIn(admin): SignedIn,
    Path(run_id): Path<String>,
) -> Response {
    let report = state.engine.read(&admin).removals_csv(&run_id).await;
    csv_download(report, &format!("import-removals-{run_id}.csv"))
}

/// `GET /console/runs/{id}/plan.csv`: a preview's whole plan as CSV.
pub async fn plan_report(
    State(state): State<AppState>,
    SignedIn(admin): SignedIn,
    Path(run_id): Path<String>,
) -> Response {
    let report = state.engine.read(&admin).plan_csv(&run_id).await;
    csv_download(report, &format!("import-plan-{run_id}.csv"))
}

/// The System Log events that match `filter`, `q` and the time window
/// (`range`, and a custom range's `from` and `to`), as a CSV
/// download.
pub async fn log_report(
    State(state): State<AppState>,
    SignedIn(admin): SignedIn,
    Query(params): Query<LogParams>,
) -> Response {
    let window = match LogWindow::parse(&params.range, &params.from, &params.to) {
        Ok(window) => window,
        Err(message) => return engine_error(engine::Error::InvalidInput(message)),
    };
    let report = state
        .engine
        .read(&admin)
        .events_csv(&params.filter, &params.q, &window)
        .await;
    csv_download(report, "system-log.csv")
}

/// `GET /console/people.csv`: the people the People page's filter picks, as
/// a CSV download.
pub async fn people_report(
    State(state): State<AppState>,
    SignedIn(admin): SignedIn,
    Query(params): Query<PeopleParams>,
) -> Response {
    let status = match params.status.as_str() {
        "" => None,
        text => match UserStatus::parse(text) {
            Some(status) => Some(status),
            None => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    format!("status: {text:?} is not a user status"),
                )
            }
        },
    };
    let filter = PeopleFilter {
        search: params.q,
        status,
        app_id: (!params.app.is_empty()).then_some(params.app),
        include_deactivated: true,
    };
    let report = state.engine.read(&admin).people_csv(&filter).await;
    csv_download(report, "people.csv")
}

/// A People view as its URL has it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PeopleParams {
    q: String,
    status: String,
    app: String,
}

/// A System Log view as its URL has it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LogParams {
    filter: String,
    q: String,
    range: String,
    from: String,
    to: String,
}

fn csv_download(report: Result<String, engine::Error>, file_name: &str) -> Response {
    match report {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            Body::from(csv),
        )
            .into_response(),
        Err(e) => engine_error(e),
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn file_names_are_percent_decoded() {
        assert_eq!(percent_decode("caf%C3%A9.csv"), "café.csv");
        assert_eq!(percent_decode("my%20users%2Bmore.csv"), "my users+more.csv");
        assert_eq!(percent_decode("plain.csv"), "plain.csv");
        assert_eq!(percent_decode("a+b.csv"), "a+b.csv", "+ is not a space");
    }

    #[test]
    fn malformed_escapes_are_kept_as_they_are() {
        assert_eq!(percent_decode("100%.csv"), "100%.csv");
        assert_eq!(percent_decode("50%zz.csv"), "50%zz.csv");
        assert_eq!(percent_decode("end%4"), "end%4");
    }

    #[test]
    fn bytes_that_are_not_utf8_become_replacement_characters() {
        assert_eq!(percent_decode("G%FFna.csv"), "G\u{fffd}na.csv");
    }
}
