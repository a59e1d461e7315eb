//! Cursor pagination for the list routes: how many items a page holds, and the opaque cursor
//! that says where the next page starts. A cursor is the base64url text of `kind:position`, so
//! a client cannot mistake one list's cursor for another's, and keel can change what a position
//! holds without breaking clients that only hand cursors back.

use super::error::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The most items one page holds.
pub const MAX_LIMIT: usize = 500;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: usize = 100;

/// The page size asked for, checked: 1 to [`MAX_LIMIT`].
pub fn limit(asked: Option<usize>) -> Result<usize, ApiError> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::BadRequest(format!(
            "limit must be 1 to {MAX_LIMIT}, not {n}; fetch more with the next_cursor of each page"
        ))),
    }
}

/// The cursor of a position in the list `kind`.
pub fn encode(kind: &str, position: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{position}"))
}

/// The position a cursor of the list `kind` holds, or a 400 saying to start over.
pub fn decode(kind: &str, cursor: &str) -> Result<String, ApiError> {
    decode_as(kind, cursor, |position| Some(position.to_string()))
}

/// As [`decode`], the position read by `read` (`None`: not one this list writes).
pub fn decode_as<T>(
    kind: &str,
    cursor: &str,
    read: impl Fn(&str) -> Option<T>,
) -> Result<T, ApiError> {
    let refused = || {
        ApiError::BadRequest(format!(
            "the cursor `{}` is not one this list gave; start again without a cursor",
            crate::engine::form::truncate(cursor, 40)
        ))
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| refused())?;
    let text = String::from_utf8(bytes).map_err(|_| refused())?;
    text.strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix(':'))
        .filter(|position| !position.contains('\0'))
        .and_then(read)
        .ok_or_else(refused)
}

/// The first `limit` of `items` (fetched as `limit + 1` to learn whether more follow), and the
/// cursor after the last one kept when more do.
pub fn page<T>(
    mut items: Vec<T>,
    limit: usize,
    kind: &str,
    position: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if items.len() <= limit {
        return (items, None);
    }
    items.truncate(limit);
    let next = items.last().map(|last| encode(kind, &position(last)));
    (items, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_gives_back_its_position_in_its_own_list_only() {
        let cursor = encode("records", "P001");
        assert_eq!(decode("records", &cursor).ok(), Some("P001".to_string()));
        assert!(decode("requests", &cursor).is_err());
        assert!(decode("records", "not base64!").is_err());
        assert!(decode("records", &URL_SAFE_NO_PAD.encode("recordsP001")).is_err());
    }

    #[test]
    fn a_limit_outside_one_to_five_hundred_is_refused() {
        assert_eq!(limit(None).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(limit(Some(500)).ok(), Some(500));
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(501)).is_err());
    }

    #[test]
    fn a_page_has_a_next_cursor_only_when_more_items_follow() {
        let (items, next) = page(vec![1, 2, 3], 2, "n", |n| n.to_string());
        assert_eq!(items, vec![1, 2]);
        assert_eq!(
            next.as_deref().and_then(|c| decode("n", c).ok()),
            Some("2".into())
        );
        let (items, next) = page(vec![1, 2], 2, "n", |n| n.to_string());
        assert_eq!((items.len(), next), (2, None));
    }
}
