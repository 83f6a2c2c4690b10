//! The one mapping from engine and store errors to AWS error codes.

use asl::diagnostic::Diagnostic;
use engine::EngineError;
use store::StoreError;

use super::ApiError;

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        let message = e.to_string();
        match e {
            EngineError::MapRunDoesNotExist(arn) => ApiError::new("ResourceNotFound", message).with("resourceName", arn),
            EngineError::InvalidDefinition(d) => invalid_definition(&d),
            EngineError::Store(s) => s.into(),
            EngineError::Unavailable(_) => ApiError { status: 503, code: "ServiceUnavailable", message, extra: Vec::new() },
            other => ApiError::new(other.code(), message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let message = e.to_string();
        match e {
            StoreError::NotFound(what) => ApiError::new("ResourceNotFound", format!("Resource not found: '{what}'")),
            StoreError::AlreadyExists(_) => ApiError::new("ConflictException", message).status(409),
            StoreError::Conflict(m) => ApiError::new("ConflictException", m).status(409),
            StoreError::InvalidToken(m) => ApiError::new("InvalidToken", format!("Invalid Token: {m}")),
            StoreError::Invalid(m) => ApiError::validation(m),
            StoreError::Closed => ApiError { status: 503, code: "ServiceUnavailable", message, extra: Vec::new() },
            _ => {
                tracing::error!(error = %message, "store failure");
                ApiError::internal(message)
            }
        }
    }
}

impl ApiError {
    pub fn status(mut self, status: u16) -> ApiError {
        self.status = status;
        self
    }
}

/// AWS's InvalidDefinition: `Invalid State Machine Definition: 'CODE: message at /pointer, …'`.
pub fn invalid_definition(diagnostics: &[Diagnostic]) -> ApiError {
    let errors: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == asl::diagnostic::Severity::Error)
        .map(|d| d.to_string())
        .collect();
    ApiError::new("InvalidDefinition", format!("Invalid State Machine Definition: '{}'", errors.join(", ")))
}
