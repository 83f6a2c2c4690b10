//! Pages and the opaque tokens that continue them.
//!
//! A token encodes which list it belongs to (`kind` and `scope`, for instance the execution ARN
//! of a history) and the key of the last row returned. A token presented to another list, or one
//! this store did not issue, is `StoreError::InvalidToken`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::StoreError;

/// Page size when the caller asks for 0 (AWS's default).
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page AWS allows.
pub const MAX_PAGE_SIZE: usize = 1000;

/// One page of a list and the token for the next page (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

/// 0 → the default; above the maximum → an error naming the limit.
pub(crate) fn page_size(max: usize) -> Result<usize, StoreError> {
    match max {
        0 => Ok(DEFAULT_PAGE_SIZE),
        1..=MAX_PAGE_SIZE => Ok(max),
        _ => Err(StoreError::Invalid(format!("maxResults {max} is above the limit of {MAX_PAGE_SIZE}"))),
    }
}

/// Makes the token that continues after the row with key `key`.
pub(crate) fn encode(kind: &str, scope: &str, key: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("1|{kind}|{key}|{scope}"))
}

/// Reads a token made by [`encode`] for the same `kind` and `scope`; returns its key.
pub(crate) fn decode(token: &str, kind: &str, scope: &str) -> Result<i64, StoreError> {
    let bad = || StoreError::InvalidToken(format!("{token:?} is not a token for this {kind} list"));
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.splitn(4, '|');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("1"), Some(k), Some(key), Some(s)) if k == kind && s == scope => key.parse().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// Turns `limit + 1` fetched rows into a page: the extra row only says that another page exists.
pub(crate) fn paginate<T>(
    mut rows: Vec<(i64, T)>,
    limit: usize,
    kind: &str,
    scope: &str,
) -> Page<T> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_token = if more { rows.last().map(|(key, _)| encode(kind, scope, *key)) } else { None };
    Page { items: rows.into_iter().map(|(_, item)| item).collect(), next_token }
}
