//! `GET /api/v1/openapi.json`: the API as OpenAPI 3.1, every route of
//! [`super::routes`] with its parameters, bodies and answers. The schemas
//! describe what Muster sends; Okta's own fields Muster does not keep are
//! left out of them.

use serde_json::{json, Map, Value};

fn schema(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn answer(description: &str, body: Option<Value>) -> Value {
    match body {
        Some(schema) => json!({ "description": description, "content": content(schema) }),
        None => json!({ "description": description }),
    }
}

fn error(description: &str) -> Value {
    answer(description, Some(schema("Error")))
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description,
            "schema": { "type": "string" } })
}

fn query_param(name: &str, description: &str, kind: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description,
            "schema": { "type": kind } })
}

/// One operation: its id, summary, parameters, request body and answers
/// (`(status, description, schema)`); every operation may also answer 401
/// and 429 with an Error.
fn operation(
    id: &str,
    summary: &str,
    parameters: Vec<Value>,
    body: Option<Value>,
    answers: &[(&str, &str, Option<Value>)],
) -> Value {
    let mut responses = Map::new();
    for (status, description, schema) in answers {
        let value = match status.starts_with('2') {
            true => answer(description, schema.clone()),
            false => error(description),
        };
        responses.insert((*status).to_owned(), value);
    }
    responses.insert("401".into(), error("No valid API token (E0000011)"));
    responses.insert("429".into(), error("Past the rate limit (E0000047)"));
    let mut op = json!({
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(schema) = body {
        op["requestBody"] = json!({ "required": true, "content": content(schema) });
    }
    op
}

fn list_of(name: &str) -> Option<Value> {
    Some(json!({ "type": "array", "items": schema(name) }))
}

fn nullable(kind: &str) -> Value {
    json!({ "type": [kind, "null"] })
}

fn page_params() -> Vec<Value> {
    vec![
        query_param(
            "after",
            "The cursor of the next page, from the Link header",
            "string",
        ),
        query_param("limit", "How many on a page (at most 200)", "integer"),
    ]
}

fn schemas() -> Value {
    let link = json!({ "type": "object", "properties": { "href": { "type": "string" } } });
    json!({
        "Error": {
            "type": "object",
            "required": ["errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"],
            "properties": {
                "errorCode": { "type": "string", "pattern": "^E[0-9]{7}$" },
                "errorSummary": { "type": "string" },
                "errorLink": { "type": "string" },
                "errorId": { "type": "string" },
                "errorCauses": { "type": "array", "items": {
                    "type": "object", "properties": { "errorSummary": { "type": "string" } } } },
            },
        },
        "User": {
            "type": "object",
            "required": ["id", "status", "created", "lastUpdated", "profile", "_links"],
            "properties": {
                "id": { "type": "string" },
                "status": { "enum": ["STAGED", "PROVISIONED", "ACTIVE", "RECOVERY",
                    "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"] },
                "created": { "type": "string", "format": "date-time" },
                "activated": nullable("string"),
                "statusChanged": nullable("string"),
                "lastLogin": nullable("string"),
                "lastUpdated": { "type": "string", "format": "date-time" },
                "passwordChanged": nullable("string"),
                "type": { "type": "object", "properties": { "id": { "type": "string" } } },
                "profile": schema("UserProfile"),
                "credentials": { "type": "object", "properties": { "provider": {
                    "type": "object", "properties": {
                        "type": { "enum": ["OKTA", "IMPORT"] }, "name": { "type": "string" } } } } },
                "_links": { "type": "object", "properties": { "self": link.clone() } },
            },
        },
        "UserProfile": {
            "type": "object",
            "required": ["login", "email", "firstName", "lastName"],
            "properties": {
                "login": { "type": "string" },
                "email": { "type": "string" },
                "firstName": { "type": "string" },
                "lastName": { "type": "string" },
            },
            "additionalProperties": { "type": ["string", "null"] },
        },
        "CreateUserRequest": {
            "type": "object",
            "required": ["profile"],
            "properties": { "profile": schema("UserProfile") },
        },
        "UpdateUserRequest": {
            "type": "object",
            "required": ["profile"],
            "properties": { "profile": { "type": "object",
                "additionalProperties": { "type": ["string", "null"] } } },
        },
        "Application": {
            "type": "object",
            "required": ["id", "name", "label", "status", "signOnMode", "settings", "_links"],
            "properties": {
                "id": { "type": "string" },
                "name": { "type": "string" },
                "label": { "type": "string" },
                "status": { "enum": ["ACTIVE", "INACTIVE"] },
                "created": { "type": "string" },
                "lastUpdated": { "type": "string" },
                "signOnMode": { "const": "BOOKMARK" },
                "settings": { "type": "object", "properties": { "app": {
                    "type": "object", "required": ["url"],
                    "properties": { "url": { "type": "string" } } } } },
                "_links": { "type": "object" },
            },
        },
        "AppUser": {
            "type": "object",
            "required": ["id", "externalId", "status"],
            "properties": {
                "id": { "type": "string" },
                "externalId": { "type": "string" },
                "status": { "type": "string" },
                "scope": { "type": "string" },
                "credentials": { "type": "object" },
                "profile": { "type": "object" },
                "_links": { "type": "object" },
            },
        },
        "Group": {
            "type": "object",
            "required": ["id", "type", "profile"],
            "properties": {
                "id": { "type": "string" },
                "type": { "type": "string" },
                "created": { "type": "string" },
                "lastUpdated": { "type": "string" },
                "lastMembershipUpdated": { "type": "string" },
                "profile": { "type": "object", "required": ["name"], "properties": {
                    "name": { "type": "string" }, "description": { "type": ["string", "null"] } } },
                "_links": { "type": "object" },
            },
        },
        "LogEvent": {
            "type": "object",
            "required": ["uuid", "published", "eventType", "actor", "outcome", "severity"],
            "properties": {
                "uuid": { "type": "string" },
                "published": { "type": "string", "format": "date-time" },
                "eventType": { "type": "string" },
                "displayMessage": { "type": "string" },
                "severity": { "enum": ["DEBUG", "INFO", "WARN", "ERROR"] },
                "version": { "type": "string" },
                "legacyEventType": { "type": ["string", "null"] },
                "actor": schema("LogActor"),
                "target": { "type": ["array", "null"], "items": schema("LogActor") },
                "outcome": { "type": "object", "properties": {
                    "result": { "type": "string" }, "reason": { "type": ["string", "null"] } } },
                "client": { "type": ["object", "null"] },
                "transaction": { "type": ["object", "null"] },
                "debugContext": { "type": ["object", "null"] },
                "authenticationContext": { "type": ["object", "null"] },
                "securityContext": { "type": ["object", "null"] },
                "request": { "type": ["object", "null"] },
            },
        },
        "LogActor": {
            "type": "object",
            "required": ["id", "type"],
            "properties": {
                "id": { "type": "string" },
                "type": { "type": "string" },
                "alternateId": { "type": ["string", "null"] },
                "displayName": { "type": ["string", "null"] },
                "detailEntry": { "type": ["object", "null"] },
            },
        },
        "IdentitySourceSession": {
            "type": "object",
            "required": ["id", "identitySourceId", "status", "importType", "created", "lastUpdated"],
            "properties": {
                "id": { "type": "string" },
                "identitySourceId": { "type": "string" },
                "status": { "enum": ["CREATED", "IN_PROGRESS", "TRIGGERED", "COMPLETED",
                    "CLOSED", "EXPIRED", "ERROR"] },
                "importType": { "const": "INCREMENTAL" },
                "created": { "type": "string", "format": "date-time" },
                "lastUpdated": { "type": "string", "format": "date-time" },
            },
        },
        "BulkUpsertRequestBody": {
            "type": "object",
            "properties": {
                "entityType": { "const": "USERS" },
                "profiles": { "type": "array", "maxItems": 200, "items": {
                    "type": "object",
                    "properties": {
                        "externalId": { "type": "string", "maxLength": 512 },
                        "profile": { "type": "object",
                            "additionalProperties": { "type": ["string", "null"] } },
                    },
                } },
            },
        },
        "BulkDeleteRequestBody": {
            "type": "object",
            "properties": {
                "entityType": { "const": "USERS" },
                "profiles": { "type": "array", "maxItems": 200, "items": {
                    "type": "object",
                    "properties": { "externalId": { "type": "string", "maxLength": 512 } },
                } },
            },
        },
        "BulkGroupUpsertRequestBody": {
            "type": "object",
            "properties": { "profiles": { "type": "array", "maxItems": 200, "items": {
                "type": "object",
                "properties": {
                    "externalId": { "type": "string", "maxLength": 255 },
                    "profile": { "type": "object", "properties": {
                        "displayName": { "type": "string", "minLength": 1, "maxLength": 255 },
                        "description": { "type": ["string", "null"], "maxLength": 1024 } } },
                },
            } } },
        },
        "BulkGroupDeleteRequestBody": {
            "type": "object",
            "properties": { "externalIds": { "type": "array", "maxItems": 200,
                "items": { "type": "string", "maxLength": 255 } } },
        },
        "BulkGroupMembershipsRequestBody": {
            "type": "object",
            "properties": { "memberships": { "type": "array", "maxItems": 200, "items": {
                "type": "object",
                "properties": {
                    "groupExternalId": { "type": "string", "maxLength": 255 },
                    "memberExternalIds": { "type": "array",
                        "items": { "type": "string", "maxLength": 255 } },
                },
            } } },
        },
        "StartImportRequest": {
            "type": "object",
            "properties": {
                "importType": { "enum": ["FULL", "INCREMENTAL"] },
                "uploadId": { "type": "string" },
            },
        },
        "ImportRun": {
            "type": "object",
            "required": ["id", "appId", "importType", "importTrigger", "status", "created", "counts"],
            "properties": {
                "id": { "type": "string" },
                "appId": { "type": "string" },
                "importType": { "enum": ["FULL", "INCREMENTAL"] },
                "importTrigger": { "type": "string" },
                "status": { "enum": ["QUEUED", "RUNNING", "PAUSED", "RESUMING", "COMPLETED", "FAILED"] },
                "created": { "type": "string" },
                "started": { "type": ["string", "null"] },
                "finished": { "type": ["string", "null"] },
                "total": { "type": ["integer", "null"] },
                "counts": { "type": "object" },
                "message": { "type": ["string", "null"] },
                "_links": { "type": "object" },
            },
        },
    })
}

/// The document, with `base` as its server.
pub fn document(base: &str) -> Value {
    let user_id = || path_param("userId", "The user's id, or their login");
    let app_id = || path_param("appId", "The app's id");
    let group_id = || path_param("groupId", "The group's id");
    let source = || path_param("identitySourceId", "The id of a Custom Identity Source app");
    let session = || path_param("sessionId", "The import session's id");
    let mut users_list = page_params();
    users_list.extend([
        query_param("q", "A prefix of first name, last name or email; deactivated users aside", "string"),
        query_param("search", "An expression over any attribute, deactivated users included", "string"),
        query_param("filter", "An expression over status, lastUpdated, id and profile.login, email, firstName, lastName", "string"),
    ]);
    let logs_params = vec![
        query_param(
            "since",
            "From this moment (ISO 8601); by default 7 days ago",
            "string",
        ),
        query_param("until", "Up to this moment (ISO 8601)", "string"),
        query_param(
            "after",
            "The cursor of the next page, from the Link header",
            "string",
        ),
        query_param(
            "filter",
            "An expression over the LogEvent's attributes",
            "string",
        ),
        query_param("q", "Keywords every event found holds", "string"),
        query_param("limit", "How many on a page (at most 1,000)", "integer"),
        query_param("sortOrder", "ASCENDING or DESCENDING", "string"),
    ];
    let upload = |id: &str, summary: &str, body: &str| {
        operation(
            id,
            summary,
            vec![source(), session()],
            Some(schema(body)),
            &[
                ("202", "Accepted", None),
                (
                    "400",
                    "Past a limit or a bad value (E0000001), or a bad body (E0000003)",
                    None,
                ),
                ("403", "A read-only admin's token (E0000006)", None),
                ("404", "No such identity source or session (E0000007)", None),
            ],
        )
    };
    let not_found = ("404", "Not found (E0000007)", None);
    let forbidden = ("403", "A read-only admin's token (E0000006)", None);
    let invalid = ("400", "A bad value (E0000001) or body (E0000003)", None);
    let sessions = "/api/v1/identity-sources/{identitySourceId}/sessions";
    let paths = json!({
        "/api/v1/users": {
            "get": operation("listUsers", "List users", users_list,
                None, &[("200", "Users, a page", list_of("User")),
                        ("400", "A bad search or filter (E0000053)", None)]),
            "post": operation("createUser", "Create a user (active unless activate=false)",
                vec![query_param("activate", "true (the default) or false (STAGED)", "boolean")],
                Some(schema("CreateUserRequest")),
                &[("200", "The user", Some(schema("User"))), invalid.clone(), forbidden.clone()]),
        },
        "/api/v1/users/{userId}": {
            "get": operation("getUser", "Retrieve a user", vec![user_id()], None,
                &[("200", "The user", Some(schema("User"))), not_found.clone()]),
            "post": operation("updateUser", "Update a user's profile in part",
                vec![user_id()], Some(schema("UpdateUserRequest")),
                &[("200", "The user", Some(schema("User"))), invalid.clone(), forbidden.clone(), not_found.clone()]),
            "put": operation("replaceUser", "Replace a user's profile",
                vec![user_id()], Some(schema("CreateUserRequest")),
                &[("200", "The user", Some(schema("User"))), invalid.clone(), forbidden.clone(), not_found.clone()]),
            "delete": operation("deleteUser", "Deactivate a user, or delete a deactivated one",
                vec![user_id()], None,
                &[("204", "Done", None), forbidden.clone(), not_found.clone()]),
        },
        "/api/v1/users/{userId}/lifecycle/{op}": {
            "post": operation("userLifecycle",
                "activate, deactivate, suspend, unsuspend or reactivate a user",
                vec![user_id(), path_param("op", "The lifecycle operation")], None,
                &[("200", "Done", Some(json!({"type": "object"}))), invalid.clone(), forbidden.clone(), not_found.clone()]),
        },
        "/api/v1/logs": {
            "get": operation("listLogEvents", "List System Log events", logs_params, None,
                &[("200", "Events, a page", list_of("LogEvent")),
                  ("400", "A bad filter or time (E0000053)", None)]),
        },
        "/api/v1/apps": {
            "get": operation("listApplications", "List apps", page_params(), None,
                &[("200", "Apps, a page", list_of("Application"))]),
        },
        "/api/v1/apps/{appId}": {
            "get": operation("getApplication", "Retrieve an app", vec![app_id()], None,
                &[("200", "The app", Some(schema("Application"))), not_found.clone()]),
        },
        "/api/v1/apps/{appId}/users": {
            "get": operation("listApplicationUsers", "List an app's accounts linked to people",
                { let mut p = vec![app_id()]; p.extend(page_params()); p }, None,
                &[("200", "App users, a page", list_of("AppUser")), not_found.clone()]),
        },
        "/api/v1/groups": {
            "get": operation("listGroups", "List groups",
                { let mut p = page_params(); p.push(query_param("q", "A prefix of the name", "string")); p },
                None, &[("200", "Groups, a page", list_of("Group"))]),
        },
        "/api/v1/groups/{groupId}": {
            "get": operation("getGroup", "Retrieve a group", vec![group_id()], None,
                &[("200", "The group", Some(schema("Group"))), not_found.clone()]),
        },
        "/api/v1/groups/{groupId}/users": {
            "get": operation("listGroupUsers", "List a group's people",
                { let mut p = vec![group_id()]; p.extend(page_params()); p }, None,
                &[("200", "People, a page", list_of("User")), not_found.clone()]),
        },
        "/api/v1/apps/{appId}/imports": {
            "post": operation("startImport",
                "Muster's extension: start an import of any app (CSV, directory)",
                vec![app_id()], Some(schema("StartImportRequest")),
                &[("201", "The run, queued; Location is its address", Some(schema("ImportRun"))),
                  invalid.clone(), forbidden.clone(), not_found.clone()]),
        },
        "/api/v1/apps/{appId}/imports/{runId}": {
            "get": operation("getImport", "Muster's extension: an import run as it stands",
                vec![app_id(), path_param("runId", "The run's id")], None,
                &[("200", "The run", Some(schema("ImportRun"))), not_found.clone()]),
        },
        sessions: {
            "get": operation("listIdentitySourceSessions", "List an identity source's sessions",
                vec![source()], None,
                &[("200", "Sessions, newest first", list_of("IdentitySourceSession")), not_found.clone()]),
            "post": operation("createIdentitySourceSession", "Open an import session",
                vec![source()], None,
                &[("200", "The session", Some(schema("IdentitySourceSession"))),
                  ("400", "The source has an active session (E0000001)", None),
                  forbidden.clone(), not_found.clone()]),
        },
        format!("{sessions}/{{sessionId}}"): {
            "get": operation("getIdentitySourceSession", "Retrieve an import session",
                vec![source(), session()], None,
                &[("200", "The session", Some(schema("IdentitySourceSession"))), not_found.clone()]),
            "delete": operation("deleteIdentitySourceSession", "Cancel an open session (CLOSED)",
                vec![source(), session()], None,
                &[("204", "Cancelled", None), ("400", "The session is not open (E0000001)", None),
                  forbidden.clone(), not_found.clone()]),
        },
        format!("{sessions}/{{sessionId}}/bulk-upsert"): {
            "post": upload("uploadIdentitySourceDataForUpsert", "Upload users to create or update", "BulkUpsertRequestBody"),
        },
        format!("{sessions}/{{sessionId}}/bulk-delete"): {
            "post": upload("uploadIdentitySourceDataForDelete", "Upload users to deactivate", "BulkDeleteRequestBody"),
        },
        format!("{sessions}/{{sessionId}}/bulk-groups-upsert"): {
            "post": upload("uploadIdentitySourceGroupsForUpsert", "Upload groups to create or update", "BulkGroupUpsertRequestBody"),
        },
        format!("{sessions}/{{sessionId}}/bulk-groups-delete"): {
            "post": upload("uploadIdentitySourceGroupsDataForDelete", "Upload groups to delete", "BulkGroupDeleteRequestBody"),
        },
        format!("{sessions}/{{sessionId}}/bulk-group-memberships-upsert"): {
            "post": upload("uploadIdentitySourceGroupMembershipsForUpsert", "Upload memberships to add", "BulkGroupMembershipsRequestBody"),
        },
        format!("{sessions}/{{sessionId}}/bulk-group-memberships-delete"): {
            "post": upload("uploadIdentitySourceGroupMembershipsForDelete", "Upload memberships to remove", "BulkGroupMembershipsRequestBody"),
        },
        format!("{sessions}/{{sessionId}}/start-import"): {
            "post": operation("startImportFromIdentitySource", "Start the session's import (TRIGGERED)",
                vec![source(), session()], None,
                &[("200", "The session", Some(schema("IdentitySourceSession"))),
                  ("400", "The session is not IN_PROGRESS (E0000001)", None),
                  forbidden.clone(), not_found.clone()]),
        },
        "/api/v1/openapi.json": {
            "get": operation("getOpenApiDocument", "This document", vec![], None,
                &[("200", "The OpenAPI document", Some(json!({"type": "object"})))]),
        },
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Muster API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Okta's Management API as Muster answers it: Users, Groups, Apps, the System Log and bulk import through identity sources, plus Muster's own import extension. Every call carries Authorization: SSWS <API token>.",
        },
        "servers": [{ "url": base }],
        "security": [{ "apiToken": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiToken": { "type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "SSWS <API token>, from the console's API page" },
            },
            "schemas": schemas(),
        },
    })
}
