//! Muster's own extension: start an import of any app by API and poll it.
//! `POST /api/v1/apps/{appId}/imports` (`{"importType": "FULL" |
//! "INCREMENTAL", "uploadId": …}`, both optional: an incremental import of
//! a CSV app's newest upload) answers 201 with the run;
//! `GET /api/v1/apps/{appId}/imports/{runId}` answers it as it stands.

use super::model::{Run, StartImportRequest};
use super::{origin, ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::model::ImportType;

pub async fn start(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(app_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let ask: StartImportRequest = match body.iter().all(u8::is_ascii_whitespace) {
        true => StartImportRequest::default(),
        false => serde_json::from_slice(&body).map_err(ApiError::bad_body)?,
    };
    let import_type = match ask.import_type.as_deref() {
        None => ImportType::Incremental,
        Some(text) => ImportType::parse(text).ok_or_else(|| {
            ApiError::validation(format!(
                "importType: {text:?} is neither FULL nor INCREMENTAL"
            ))
        })?,
    };
    let run = state
        .engine
        .write(&admin)?
        .start_import_by_api(&app_id, ask.upload_id.as_deref(), import_type)
        .await
        .map_err(|e| ApiError::about(e, "App", &app_id))?;
    let base = origin(&headers);
    let body = Run::of(&base, &run);
    let location = body.links.this.href.clone();
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(body),
    )
        .into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path((app_id, run_id)): Path<(String, String)>,
) -> Result<Json<Run>, ApiError> {
    let run = state.engine.read(&admin).app_run(&app_id, &run_id).await?;
    Ok(Json(Run::of(&origin(&headers), &run)))
}
