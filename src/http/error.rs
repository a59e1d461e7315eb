//! HTTP errors mapped to status codes in one place; internal details never reach the response.

use crate::engine::lifecycle::Refusal;
use crate::service::{ServiceError, UserError};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub enum ApiError {
    Unauthorized(String),
    Forbidden(String),
    Service(ServiceError),
    BadRequest(String),
    TooLarge(String),
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        ApiError::Service(error)
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
        let (status, message) = match self {
            ApiError::Unauthorized(message) => (StatusCode::UNAUTHORIZED, message),
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, message),
            ApiError::TooLarge(message) => (StatusCode::PAYLOAD_TOO_LARGE, message),
            ApiError::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            ApiError::Service(ServiceError::User(error)) => {
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
        (status, Json(json!({ "error": message }))).into_response()
    }
}

fn user_status(error: &UserError) -> StatusCode {
    match error {
        UserError::UnknownRequest(_) | UserError::UnknownWorkflow { .. } => StatusCode::NOT_FOUND,
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
