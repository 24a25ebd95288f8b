//! `GET /api/v1/openapi.json`: the API as OpenAPI 3.1, generated from the
//! routes ([`super::routes`]) and the types their handlers answer and take
//! ([`super::model`], the handlers' query types). Each route carries a
//! [`Doc`]: its operation id, summary, and which types it reads and answers
//! with each status; the schemas are those types' own, derived with
//! schemars, so a field added to an answer is in the document at once.

use super::model::Error;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

/// How a schema is made, for a type known where the route is declared.
type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn root_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.root_schema_for::<T>()
}

/// One answer of an operation: its status, what it means, and its body's
/// type (none for an empty body).
struct Answer {
    status: u16,
    description: &'static str,
    body: Option<SchemaFn>,
}

/// What the document says of one route.
pub struct Doc {
    id: &'static str,
    summary: &'static str,
    query: Option<SchemaFn>,
    body: Option<SchemaFn>,
    answers: Vec<Answer>,
}

impl Doc {
    /// An operation; like every one, it may answer 401 and 429.
    pub fn new(id: &'static str, summary: &'static str) -> Doc {
        Doc {
            id,
            summary,
            query: None,
            body: None,
            answers: Vec::new(),
        }
        .error(401, "No valid API token (E0000011)")
        .error(429, "Past the rate limit (E0000047)")
    }

    /// The query parameters: the fields of `T`, the type the handler reads
    /// its query into.
    pub fn query<T: JsonSchema>(mut self) -> Doc {
        self.query = Some(root_of::<T>);
        self
    }

    /// The request body: `T`, as JSON.
    pub fn body<T: JsonSchema>(mut self) -> Doc {
        self.body = Some(schema_of::<T>);
        self
    }

    /// A success answering `T` as JSON.
    pub fn answer<T: JsonSchema>(mut self, status: u16, description: &'static str) -> Doc {
        self.answers.push(Answer {
            status,
            description,
            body: Some(schema_of::<T>),
        });
        self
    }

    /// A success with no body.
    pub fn empty(mut self, status: u16, description: &'static str) -> Doc {
        self.answers.push(Answer {
            status,
            description,
            body: None,
        });
        self
    }

    /// An error answer (Okta's [`Error`]).
    pub fn error(mut self, status: u16, description: &'static str) -> Doc {
        self.answers.push(Answer {
            status,
            description,
            body: Some(schema_of::<Error>),
        });
        self
    }

    /// 400: a bad value (E0000001) or a body that is not the JSON it takes
    /// (E0000003).
    pub fn invalid(self) -> Doc {
        self.error(400, "A bad value (E0000001) or body (E0000003)")
    }

    /// 403: a read-only admin's token asked for a change.
    pub fn forbidden(self) -> Doc {
        self.error(403, "A read-only admin's token (E0000006)")
    }

    pub fn not_found(self) -> Doc {
        self.error(404, "Not found (E0000007)")
    }

    /// The operation, its schemas made by `answers` (what Muster sends) and
    /// `takes` (what it reads).
    fn operation(
        &self,
        path: &str,
        answers: &mut SchemaGenerator,
        takes: &mut SchemaGenerator,
    ) -> Value {
        let mut parameters: Vec<Value> = path_names(path)
            .map(|name| {
                json!({ "name": name, "in": "path", "required": true,
                        "description": path_description(name), "schema": { "type": "string" } })
            })
            .collect();
        if let Some(query) = self.query {
            parameters.extend(query_parameters(query(takes)));
        }
        let mut responses = Map::new();
        for answer in &self.answers {
            let mut value = json!({ "description": answer.description });
            if let Some(body) = answer.body {
                value["content"] = content(body(answers));
            }
            responses.insert(answer.status.to_string(), value);
        }
        let mut op = json!({
            "operationId": self.id,
            "summary": self.summary,
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(body) = self.body {
            op["requestBody"] = json!({ "required": true, "content": content(body(takes)) });
        }
        op
    }
}

fn content(schema: Schema) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// The `{name}`s of a path template.
fn path_names(path: &str) -> impl Iterator<Item = &str> {
    path.split('/')
        .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
}

fn path_description(name: &str) -> &'static str {
    match name {
        "userId" => "The user's id, or their login",
        "appId" => "The app's id",
        "groupId" => "The group's id",
        "identitySourceId" => "The id of a Custom Identity Source app",
        "sessionId" => "The import session's id",
        "runId" => "The import run's id",
        "op" => "The lifecycle operation: activate, reactivate, deactivate, suspend or unsuspend",
        _ => "",
    }
}

/// A query type's fields as query parameters: name, description (the
/// field's doc comment), whether it is required, and the value's schema.
fn query_parameters(schema: Schema) -> Vec<Value> {
    let schema = schema.to_value();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let mut property = not_null(property.clone());
            let description = property
                .as_object_mut()
                .and_then(|p| p.remove("description"))
                .unwrap_or(Value::String(String::new()));
            json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "description": description,
                "schema": property,
            })
        })
        .collect()
}

/// A query parameter's schema without the `null` an `Option` adds: a
/// parameter left out is not given, and none is ever null.
fn not_null(mut schema: Value) -> Value {
    let null = json!("null");
    if let Some(kinds) = schema.get_mut("type").and_then(Value::as_array_mut) {
        kinds.retain(|k| *k != null);
        if let [one] = kinds.as_slice() {
            schema["type"] = one.clone();
        }
    }
    if let Some(options) = schema.get("anyOf").and_then(Value::as_array) {
        let kept: Vec<Value> = options
            .iter()
            .filter(|o| o.get("type") != Some(&null))
            .cloned()
            .collect();
        if let [one] = kept.as_slice() {
            let mut one = one.clone();
            if let (Some(into), Some(from)) = (one.as_object_mut(), schema.as_object()) {
                for (k, v) in from.iter().filter(|(k, _)| *k != "anyOf") {
                    into.insert(k.clone(), v.clone());
                }
            }
            return one;
        }
    }
    schema
}

/// The settings both generators share: JSON Schema 2020-12 (OpenAPI 3.1's
/// dialect) with the definitions under `components/schemas`.
fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    })
}

/// The document's paths and its schemas: those of what the API answers
/// (how serde writes them) and of what it takes (how serde reads them).
fn paths_and_schemas() -> (Map<String, Value>, Map<String, Value>, Map<String, Value>) {
    let mut answers = settings().for_serialize().into_generator();
    let mut takes = settings().for_deserialize().into_generator();
    let mut paths = Map::new();
    for route in super::routes() {
        let op = route.doc.operation(route.path, &mut answers, &mut takes);
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        item[route.method.as_str().to_lowercase()] = op;
    }
    (
        paths,
        answers.take_definitions(true),
        takes.take_definitions(true),
    )
}

/// The document, with `base` as its server.
pub fn document(base: &str) -> Value {
    let (paths, mut schemas, taken) = paths_and_schemas();
    schemas.extend(taken);
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
            "schemas": schemas,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A type both answered and taken is described the same both ways, so
    /// one name in `components/schemas` cannot stand for two schemas.
    #[test]
    fn a_schema_answered_and_taken_is_one_schema() {
        let (_, answered, taken) = paths_and_schemas();
        for (name, schema) in &taken {
            if let Some(other) = answered.get(name) {
                assert_eq!(schema, other, "{name}");
            }
        }
    }

    #[test]
    fn query_fields_are_parameters_with_their_doc_comments() {
        let doc = document("http://localhost");
        let params = doc["paths"]["/api/v1/logs"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let since = params.iter().find(|p| p["name"] == "since").unwrap();
        assert_eq!(since["in"], "query");
        assert!(since["description"].as_str().unwrap().contains("ISO 8601"));
        let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
        assert_eq!(limit["schema"]["type"], "integer", "not null: {limit}");
        let order = params.iter().find(|p| p["name"] == "sortOrder").unwrap();
        assert_eq!(
            order["schema"]["$ref"], "#/components/schemas/SortOrder",
            "{order}"
        );
        let user = &doc["paths"]["/api/v1/users/{userId}"]["get"]["parameters"][0];
        assert_eq!(user["in"], "path");
        assert_eq!(user["required"], true);
    }

    #[test]
    fn answers_name_the_types_the_handlers_answer_with() {
        let doc = document("http://localhost");
        let ok = &doc["paths"]["/api/v1/users/{userId}"]["get"]["responses"]["200"];
        assert_eq!(
            ok["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/User"
        );
        let user = &doc["components"]["schemas"]["User"];
        assert!(user["required"]
            .as_array()
            .unwrap()
            .contains(&json!("lastUpdated")));
        let time = &user["properties"]["created"];
        assert_eq!(time["format"], "date-time", "{time}");
        let profile = &doc["components"]["schemas"]["UserProfile"];
        assert!(
            profile["additionalProperties"].is_object(),
            "any other attribute: {profile}"
        );
    }
}
