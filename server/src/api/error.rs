//! Okta's error answers: `{"errorCode", "errorSummary", "errorLink",
//! "errorId", "errorCauses"}` with Okta's codes.

use super::model::{Error, ErrorCause};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error as the API answers it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub summary: String,
    pub causes: Vec<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
        }
    }

    /// E0000001: the request's values are wrong; `cause` says which.
    pub fn validation(cause: impl Into<String>) -> ApiError {
        let cause = cause.into();
        ApiError {
            causes: vec![cause.clone()],
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "E0000001",
                format!("Api validation failed: {cause}"),
            )
        }
    }

    /// E0000003: the body is not the JSON the call takes.
    pub fn bad_body(e: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "E0000003",
            format!("The request body was not well-formed: {e}"),
        )
    }

    pub fn invalid_token() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        )
    }

    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: {what}"),
        )
    }

    /// E0000009: Muster could not do what it should have (`what` says
    /// what).
    pub fn internal(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E0000009",
            format!("Internal Server Error: {what}"),
        )
    }

    /// An engine error met reading the `kind` (User, App, UserGroup) named
    /// `id`: not found said as Okta says it, anything else as it is.
    pub fn about(e: engine::Error, kind: &str, id: &str) -> ApiError {
        match e {
            engine::Error::NotFound(_) => {
                ApiError::not_found(&format!("Resource not found: {id} ({kind})"))
            }
            e => e.into(),
        }
    }

    pub fn rate_limited() -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// E0000053: a System Log query the API cannot run (a bad filter, a
    /// bad time).
    pub fn bad_query(cause: impl Into<String>) -> ApiError {
        let cause = cause.into();
        ApiError {
            causes: vec![cause.clone()],
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "E0000053",
                "Invalid search criteria.",
            )
        }
    }
}

impl From<engine::Error> for ApiError {
    fn from(e: engine::Error) -> ApiError {
        let text = web::report_error(&e);
        match e {
            engine::Error::NotFound(what) => {
                ApiError::not_found(&format!("Resource not found: {what}"))
            }
            engine::Error::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "E0000006",
                "You do not have permission to perform the requested action",
            ),
            engine::Error::Unauthenticated => ApiError::invalid_token(),
            engine::Error::InvalidFilter(_) => ApiError::bad_query(text),
            engine::Error::InvalidInput(_) | engine::Error::Conflict(_) => {
                ApiError::validation(text)
            }
            e if e.is_internal() => ApiError::internal(text),
            e => ApiError::new(web::status_of(&e), "E0000009", text),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let id = engine::ids::secret_token();
        let body = Error {
            error_code: self.code,
            error_summary: self.summary,
            error_link: self.code,
            error_id: format!("oae{}", &id[..22]),
            error_causes: self
                .causes
                .into_iter()
                .map(|error_summary| ErrorCause { error_summary })
                .collect(),
        };
        (self.status, axum::Json(body)).into_response()
    }
}
