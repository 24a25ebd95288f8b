//! Bulk import through identity sources, as Okta's API has it:
//! `/api/v1/identity-sources/{identitySourceId}/sessions…`. The identity
//! source is a Custom Identity Source app; its id is the app's id.

use super::{ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::access::{PushedGroup, PushedMembership, PushedUser, Upload};
use proto::console::ImportSessionView;
use serde::Deserialize;
use serde_json::{json, Value};

/// The largest body a bulk request takes.
pub const MAX_BODY_BYTES: usize = 200 * 1024;

/// A session as Okta answers it.
pub fn session_json(s: &ImportSessionView) -> Value {
    json!({
        "id": s.id,
        "identitySourceId": s.app_id,
        "status": s.status.as_str(),
        "importType": "INCREMENTAL",
        "created": s.created,
        "lastUpdated": s.last_updated,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path(source): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let sessions = state.engine.read(&admin).import_sessions(&source).await?;
    Ok(Json(sessions.iter().map(session_json).collect()))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path(source): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let session = state
        .engine
        .write(&admin)?
        .create_import_session(&source)
        .await?;
    Ok(Json(session_json(&session)))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path((source, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let session = state
        .engine
        .read(&admin)
        .import_session(&source, &id)
        .await?;
    Ok(Json(session_json(&session)))
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
) -> Result<Json<Value>, ApiError> {
    let session = state
        .engine
        .write(&admin)?
        .start_session_import(&source, &id)
        .await?;
    Ok(Json(session_json(&session)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsersBody {
    entity_type: Option<String>,
    #[serde(default)]
    profiles: Vec<UserEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserEntry {
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    profile: Option<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupsBody {
    #[serde(default)]
    profiles: Vec<GroupEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupEntry {
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    profile: Option<GroupProfile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupProfile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GroupIdsBody {
    #[serde(default)]
    external_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MembershipsBody {
    #[serde(default)]
    memberships: Vec<MembershipEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MembershipEntry {
    #[serde(default)]
    group_external_id: String,
    #[serde(default)]
    member_external_ids: Vec<String>,
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

fn users_of(body: UsersBody) -> Result<Vec<PushedUser>, ApiError> {
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

fn groups_of(body: GroupsBody) -> Vec<PushedGroup> {
    body.profiles
        .into_iter()
        .map(|g| {
            let profile = g.profile.unwrap_or(GroupProfile {
                display_name: None,
                description: None,
            });
            PushedGroup {
                external_id: g.external_id.unwrap_or_default(),
                display_name: profile.display_name.unwrap_or_default(),
                description: profile.description,
            }
        })
        .collect()
}

fn memberships_of(body: MembershipsBody) -> Vec<PushedMembership> {
    body.memberships
        .into_iter()
        .map(|m| PushedMembership {
            group_external_id: m.group_external_id,
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
            ids = users_of(parse(&body)?)?
                .into_iter()
                .map(|u| u.external_id)
                .collect::<Vec<_>>();
            Upload::DeleteUsers(&ids)
        }
        "bulk-groups-upsert" => {
            groups = groups_of(parse(&body)?);
            Upload::Groups(&groups)
        }
        "bulk-groups-delete" => {
            ids = parse::<GroupIdsBody>(&body)?.external_ids;
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
