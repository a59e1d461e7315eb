//! HTTP errors mapped to status codes in one place; internal details never reach the response.
//! Every error answers `{"error": {"code": "...", "message": "..."}}`: `code` for programs to
//! branch on, `message` telling a person what to do.

use crate::engine::lifecycle::Refusal;
use crate::service::{ServiceError, UserError};
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

pub enum ApiError {
    Unauthorized(String),
    Forbidden(String),
    Service(ServiceError),
    BadRequest(String),
    TooLarge(String),
    NotFound(String),
    MethodNotAllowed(String),
    /// A repeated `Idempotency-Key` sent with another request.
    KeyReused(String),
}

/// The body of every error answer.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `precondition_failed`, `payload_too_large`,
    /// `unsupported_media_type`,
    /// `unprocessable`, `internal`.
    pub code: String,
    /// For people: what is wrong and what to do about it.
    pub message: String,
    /// On `precondition_failed`: the record's current version (0 when it is not stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        ApiError::Service(error)
    }
}

impl From<UserError> for ApiError {
    fn from(error: UserError) -> Self {
        ApiError::Service(ServiceError::User(error))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError::Service(ServiceError::Internal(error))
    }
}

/// The body of a JSON request, or an error saying what is wrong with it.
pub fn json_body<T>(
    body: Result<axum::Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, ApiError> {
    match body {
        Ok(axum::Json(body)) => Ok(body),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            Err(ApiError::TooLarge(format!(
                "The request is larger than {} KB; shorten it and try again. Nothing was changed.",
                super::MAX_BODY / 1024
            )))
        }
        Err(rejection) => Err(ApiError::BadRequest(format!(
            "invalid body: {}",
            rejection.body_text()
        ))),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut current_version = None;
        let (status, message) = match self {
            ApiError::Unauthorized(message) => (StatusCode::UNAUTHORIZED, message),
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, message),
            ApiError::TooLarge(message) => (StatusCode::PAYLOAD_TOO_LARGE, message),
            ApiError::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            ApiError::NotFound(message) => (StatusCode::NOT_FOUND, message),
            ApiError::MethodNotAllowed(message) => (StatusCode::METHOD_NOT_ALLOWED, message),
            ApiError::KeyReused(message) => (StatusCode::CONFLICT, message),
            ApiError::Service(ServiceError::User(error)) => {
                if let UserError::StaleVersion { current, .. } = &error {
                    current_version = Some(*current);
                }
                (user_status(&error), error.to_string())
            }
            ApiError::Service(ServiceError::Internal(error)) => {
                let reference = crate::log_limit::error("answering a request", &error);
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("Something went wrong (ref {reference})."),
                )
            }
        };
        let mut response = error_answer(status, message, current_version);
        if let Some(version) = current_version.filter(|v| *v > 0)
            && let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\""))
        {
            response.headers_mut().insert(header::ETAG, etag);
        }
        response
    }
}

/// An error answer: `status` with `{"error": {"code", "message"}}`.
pub fn error_answer(status: StatusCode, message: String, current_version: Option<i64>) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code_of(status).to_string(),
            message,
            current_version,
        },
    };
    (status, Json(body)).into_response()
}

/// The `code` of an error answer with `status`.
fn code_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::CONFLICT => "conflict",
        StatusCode::PRECONDITION_FAILED => "precondition_failed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "unprocessable",
        _ => "internal",
    }
}

fn user_status(error: &UserError) -> StatusCode {
    match error {
        UserError::UnknownRequest(_)
        | UserError::UnknownWorkflow { .. }
        | UserError::UnknownRecordType { .. }
        | UserError::UnknownRecord { .. } => StatusCode::NOT_FOUND,
        UserError::StaleVersion { .. } => StatusCode::PRECONDITION_FAILED,
        UserError::UnknownPerson(_)
        | UserError::UnknownChatMember { .. }
        | UserError::NotVisible(_) => StatusCode::FORBIDDEN,
        UserError::Refused(
            Refusal::NotYourTurn { .. } | Refusal::OwnRequest { .. } | Refusal::NotRequester { .. },
        )
        | UserError::Refused(Refusal::NotParticipant { .. }) => StatusCode::FORBIDDEN,
        UserError::KeyReused(_) | UserError::OwnedElsewhere(_) => StatusCode::CONFLICT,
        UserError::Refused(
            Refusal::Closed { .. }
            | Refusal::StepMovedOn { .. }
            | Refusal::StepNotStarted { .. }
            | Refusal::AlreadyApproved { .. },
        ) => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .expect("a body");
        (status, serde_json::from_slice(&bytes).expect("JSON"))
    }

    #[tokio::test]
    async fn every_error_answers_a_code_and_a_message() {
        let (status, body) = body_of(ApiError::NotFound("There is no route.".into())).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body["error"]["code"], "not_found");
        assert_eq!(body["error"]["message"], "There is no route.");
        assert!(body["error"].get("current_version").is_none());
    }

    #[tokio::test]
    async fn a_stale_version_is_412_naming_the_current_one() {
        let stale = UserError::StaleVersion {
            record_type: "project".into(),
            key: "P001".into(),
            expected: 2,
            current: 3,
        };
        let response = ApiError::from(stale).into_response();
        assert_eq!(response.headers()[header::ETAG], "\"3\"");
        let (status, body) = body_of(ApiError::from(UserError::StaleVersion {
            record_type: "project".into(),
            key: "P001".into(),
            expected: 2,
            current: 3,
        }))
        .await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(body["error"]["code"], "precondition_failed");
        assert_eq!(body["error"]["current_version"], 3);
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("If-Match: \"3\""))
        );
    }
}
