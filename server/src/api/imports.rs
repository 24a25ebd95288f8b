//! Muster's own extension: start an import of any app by API and poll it.
//! `POST /api/v1/apps/{appId}/imports` (`{"importType": "FULL" |
//! "INCREMENTAL", "uploadId": …}`, both optional: an incremental import of
//! a CSV app's newest upload) answers 201 with the run;
//! `GET /api/v1/apps/{appId}/imports/{runId}` answers it as it stands.

use super::{origin, ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::model::{ImportRun, ImportType};
use engine::store::stamp;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartImport {
    import_type: Option<String>,
    upload_id: Option<String>,
}

/// A run as the API answers it.
pub fn run_json(base: &str, run: &ImportRun) -> Value {
    json!({
        "id": run.id,
        "appId": run.app_id,
        "importType": run.import_type.as_str().to_uppercase(),
        "importTrigger": run.trigger.as_str(),
        "status": run.status.as_str(),
        "created": stamp(run.created),
        "started": run.started.map(stamp),
        "finished": run.finished.map(stamp),
        "total": run.total,
        "counts": run.counts,
        "message": run.message,
        "_links": {"self": {"href": format!("{base}/api/v1/apps/{}/imports/{}", run.app_id, run.id)}},
    })
}

pub async fn start(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(app_id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let ask: StartImport = match body.iter().all(u8::is_ascii_whitespace) {
        true => StartImport::default(),
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
    let body = run_json(&base, &run);
    let location = body["_links"]["self"]["href"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
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
) -> Result<Json<Value>, ApiError> {
    let run = state.engine.read(&admin).app_run(&app_id, &run_id).await?;
    Ok(Json(run_json(&origin(&headers), &run)))
}
