//! JSON parsing that says where a document went wrong.

use serde::de::DeserializeOwned;

/// Why a JSON text could not be turned into a value of the requested type.
#[derive(Debug, thiserror::Error)]
pub enum JsonError {
    /// The text is not JSON at all (bad syntax, truncated, trailing characters).
    #[error("not valid JSON: {0}")]
    Syntax(serde_json::Error),
    /// The text is JSON but does not have the expected shape.
    #[error("at `{path}`: {source}")]
    Shape {
        /// Where in the document the mismatch is (`.` for the root).
        path: String,
        /// What was wrong there.
        source: serde_json::Error,
    },
}

/// Parses `text` as a `T`, reporting the path of the first mismatch.
///
/// Nesting deeper than serde_json's recursion limit (128) is rejected as a
/// syntax error rather than overflowing the stack.
///
/// A text that parses is parsed once, without tracking paths; only a failure
/// is parsed again, with [`serde_path_to_error`], to say where it went wrong.
/// Tracking the path of every value costs a call more than the parse itself
/// for a typical task input.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(_) => from_str_tracked(text),
    }
}

/// [`from_str`] with the path of every value tracked: the error names where
/// the document stopped matching `T`.
fn from_str_tracked<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            JsonError::Shape {
                path,
                source: inner,
            }
        } else {
            JsonError::Syntax(inner)
        }
    })?;
    de.end().map_err(JsonError::Syntax)?;
    Ok(value)
}
