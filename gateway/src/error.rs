//! One error type for every HTTP handler: logs the cause, returns `{"code","message"}`
//! with the status that says whose move it is.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use finstream_storage::StorageError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error answered to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is wrong; the message says how to fix it.
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or credentials that are not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials without the role the request needs.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing is served at this path, or the thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request ran into a limit of its own (a query's time limit).
    #[error("{0}")]
    Timeout(String),
    /// The body is over a size limit; the message gives the limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The body is of a type the endpoint does not take; the message says which it does.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Too many requests; retry after the reset the headers give.
    #[error("{0}")]
    TooManyRequests(String),
    /// A backend the request needs is down or not configured in this process.
    #[error("{0}")]
    Unavailable(String),
    /// Our fault; details go to the log, not the client.
    #[error("internal error")]
    Internal(String),
}

/// The body of every error: the HTTP status again, and what to do about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code.
    #[schema(example = 400)]
    pub code: u16,
    /// What went wrong and how to fix it.
    #[schema(example = "limit must be between 1 and 10000")]
    pub message: String,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Sql { message } => ApiError::BadRequest(message),
            e @ StorageError::QueryTimeout { .. } => ApiError::Timeout(e.to_string()),
            e @ StorageError::Backend { .. } => ApiError::Unavailable(e.to_string()),
            e => ApiError::Internal(e.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::Internal(cause) => tracing::error!(cause = %cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(cause = %cause, "backend unavailable"),
            _ => {}
        }
        let body = ErrorBody {
            code: status.as_u16(),
            message: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}
