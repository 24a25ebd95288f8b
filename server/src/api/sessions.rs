//! Bulk import through identity sources, as Okta's API has it:
//! `/api/v1/identity-sources/{identitySourceId}/sessions…`. The identity
//! source is a Custom Identity Source app; its id is the app's id.

use super::model::{
    BulkDeleteRequestBody, BulkGroupDeleteRequestBody, BulkGroupMembershipsRequestBody,
    BulkGroupUpsertRequestBody, BulkUpsertRequestBody, IdentitySourceSession,
};
use super::{ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::access::{PushedGroup, PushedMembership, PushedUser, Upload};
use serde_json::Value;

/// The largest body a bulk request takes.
pub const MAX_BODY_BYTES: usize = 200 * 1024;

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path(source): Path<String>,
) -> Result<Json<Vec<IdentitySourceSession>>, ApiError> {
    let sessions = state.engine.read(&admin).import_sessions(&source).await?;
    Ok(Json(
        sessions.iter().map(IdentitySourceSession::of).collect(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path(source): Path<String>,
) -> Result<Json<IdentitySourceSession>, ApiError> {
    let session = state
        .engine
        .write(&admin)?
        .create_import_session(&source)
        .await?;
    Ok(Json(IdentitySourceSession::of(&session)))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path((source, id)): Path<(String, String)>,
) -> Result<Json<IdentitySourceSession>, ApiError> {
    let session = state
        .engine
        .read(&admin)
        .import_session(&source, &id)
        .await?;
    Ok(Json(IdentitySourceSession::of(&session)))
}

pub async fn cancel(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path((source, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .engine
        .write(&admin)?
        .cancel_import_session(&source, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn start_import(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path((source, id)): Path<(String, String)>,
) -> Result<Json<IdentitySourceSession>, ApiError> {
    let session = state
        .engine
        .write(&admin)?
        .start_session_import(&source, &id)
        .await?;
    Ok(Json(IdentitySourceSession::of(&session)))
}

/// The body of a bulk request, within its size.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ApiError::validation(format!(
            "A bulk request body is at most 200 KB; this one is {} KB",
            body.len().div_ceil(1024)
        )));
    }
    serde_json::from_slice(body).map_err(ApiError::bad_body)
}

/// Only `USERS` can be upserted or deleted in bulk.
fn check_users(entity_type: Option<&str>) -> Result<(), ApiError> {
    match entity_type {
        None | Some("USERS") => Ok(()),
        Some(other) => Err(ApiError::validation(format!(
            "entityType: {other:?} is not supported; only USERS is"
        ))),
    }
}

fn users_of(body: BulkUpsertRequestBody) -> Result<Vec<PushedUser>, ApiError> {
    check_users(body.entity_type.as_deref())?;
    let mut causes = Vec::new();
    let users = body
        .profiles
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let profile = p
                .profile
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Null => None,
                    other => {
                        causes.push(format!(
                            "profiles[{i}].profile.{k}: profile values are strings, not {other}"
                        ));
                        None
                    }
                })
                .collect();
            PushedUser {
                external_id: p.external_id.unwrap_or_default(),
                profile,
            }
        })
        .collect();
    match causes.is_empty() {
        true => Ok(users),
        false => Err(ApiError::validation(causes.join("; "))),
    }
}

fn groups_of(body: BulkGroupUpsertRequestBody) -> Vec<PushedGroup> {
    body.profiles
        .into_iter()
        .map(|g| {
            let (display_name, description) = match g.profile {
                Some(p) => (p.display_name, p.description),
                None => (None, None),
            };
            PushedGroup {
                external_id: g.external_id.unwrap_or_default(),
                display_name: display_name.unwrap_or_default(),
                description,
            }
        })
        .collect()
}

fn memberships_of(body: BulkGroupMembershipsRequestBody) -> Vec<PushedMembership> {
    body.memberships
        .into_iter()
        .map(|m| PushedMembership {
            group_external_id: m.group_external_id.unwrap_or_default(),
            member_external_ids: m.member_external_ids,
        })
        .collect()
}

/// Every bulk request (`bulk-upsert`, `bulk-delete`, `bulk-groups-upsert`,
/// `bulk-groups-delete`, `bulk-group-memberships-upsert` and `-delete`):
/// its body read as the upload its path names and staged whole; 202 and no
/// body.
pub async fn bulk(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path((source, id)): Path<(String, String)>,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let (users, ids, groups, memberships);
    let upload = match uri.path().rsplit('/').next().unwrap_or_default() {
        "bulk-upsert" => {
            users = users_of(parse(&body)?)?;
            Upload::Users(&users)
        }
        "bulk-delete" => {
            let body = parse::<BulkDeleteRequestBody>(&body)?;
            check_users(body.entity_type.as_deref())?;
            ids = body
                .profiles
                .into_iter()
                .map(|u| u.external_id.unwrap_or_default())
                .collect::<Vec<_>>();
            Upload::DeleteUsers(&ids)
        }
        "bulk-groups-upsert" => {
            groups = groups_of(parse(&body)?);
            Upload::Groups(&groups)
        }
        "bulk-groups-delete" => {
            ids = parse::<BulkGroupDeleteRequestBody>(&body)?.external_ids;
            Upload::DeleteGroups(&ids)
        }
        "bulk-group-memberships-upsert" => {
            memberships = memberships_of(parse(&body)?);
            Upload::Memberships(&memberships)
        }
        "bulk-group-memberships-delete" => {
            memberships = memberships_of(parse(&body)?);
            Upload::DeleteMemberships(&memberships)
        }
        _ => return Err(ApiError::not_found("Resource not found")),
    };
    state
        .engine
        .write(&admin)?
        .upload_to_session(&source, &id, upload)
        .await?;
    Ok(StatusCode::ACCEPTED.into_response())
}
