//! Polling a source's list endpoint, the pure part: the URL of each page (the `since`
//! watermark, the page number or cursor) and what a page holds (its records, the newest change
//! time among them, where the next page is). The poller in the service runs the requests and
//! moves the stored watermark only once a page's records are queued.

use super::fetch::encode;
use crate::config::{Paging, Poll};
use crate::domain::field::{canonical_timestamp, parse_timestamp};
use serde_json::Value;

/// Which page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    First,
    Page(u64),
    Cursor(String),
}

/// What one page holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub items: Vec<Value>,
    /// The latest change time among the items (canonical), the watermark once they are queued.
    pub newest: Option<String>,
    /// The next page, `None` at the end.
    pub next: Option<Position>,
}

/// The URL of the page at `position` of the records changed since `since`.
pub fn page_url(poll: &Poll, since: &str, position: &Position) -> String {
    let mut url = poll.url.clone();
    let mut add = |name: &str, value: &str| {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&encode(name));
        url.push('=');
        url.push_str(&encode(value));
    };
    add(&poll.since_param, since);
    match (&poll.paging, position) {
        (Paging::Page { param }, Position::First) => add(param, "1"),
        (Paging::Page { param }, Position::Page(n)) => add(param, &n.to_string()),
        (Paging::Cursor { param, .. }, Position::Cursor(cursor)) => add(param, cursor),
        _ => {}
    }
    url
}

/// Reads a page's answer, or says why it cannot be read.
pub fn read_page(poll: &Poll, answer: &Value, position: &Position) -> Result<Page, String> {
    let items = match poll.items.find(answer) {
        Some(Value::Array(items)) => items.clone(),
        _ => return Err(format!("the page has no list at {}", poll.items)),
    };
    let mut newest: Option<String> = None;
    for item in &items {
        let Some(text) = poll.updated.find(item).and_then(Value::as_str) else {
            continue;
        };
        if let Ok(at) = parse_timestamp(text) {
            let at = canonical_timestamp(&at);
            if newest.as_ref().is_none_or(|n| at > *n) {
                newest = Some(at);
            }
        }
    }
    let next = match &poll.paging {
        Paging::None => None,
        Paging::Page { .. } if items.is_empty() => None,
        Paging::Page { .. } => Some(Position::Page(match position {
            Position::Page(n) => n + 1,
            _ => 2,
        })),
        Paging::Cursor { path, .. } => match path.find(answer) {
            Some(Value::String(cursor)) if !cursor.is_empty() => {
                Some(Position::Cursor(cursor.clone()))
            }
            _ => None,
        },
    };
    Ok(Page {
        items,
        newest,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::sources::path::JsonPath;
    use serde_json::json;
    use std::time::Duration;

    fn poll(paging: Paging) -> Poll {
        Poll {
            url: "http://pm.test/projects?archived=false".into(),
            items: JsonPath::parse("$.results").unwrap(),
            updated: JsonPath::parse("$.updated_at").unwrap(),
            since_param: "updated_since".into(),
            paging,
            interval: Duration::from_secs(60),
            auth: None,
            timeout: Duration::from_secs(5),
            start: "1970-01-01T00:00:00.000000Z".into(),
        }
    }

    #[test]
    fn pages_are_numbered_until_one_is_empty() {
        let poll = poll(Paging::Page {
            param: "page".into(),
        });
        let url = page_url(&poll, "2026-01-01T00:00:00Z", &Position::First);
        assert_eq!(
            url,
            "http://pm.test/projects?archived=false&updated_since=2026-01-01T00%3A00%3A00Z&page=1"
        );
        let answer = json!({"results": [
            {"id": 1, "updated_at": "2026-01-02T00:00:00Z"},
            {"id": 2, "updated_at": "2026-01-03T00:00:00+01:00"},
        ]});
        let page = read_page(&poll, &answer, &Position::First).unwrap();
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.newest.as_deref(), Some("2026-01-02T23:00:00.000000Z"));
        assert_eq!(page.next, Some(Position::Page(2)));
        let empty = read_page(&poll, &json!({"results": []}), &Position::Page(2)).unwrap();
        assert_eq!(empty.next, None);
    }

    #[test]
    fn a_cursor_is_followed_until_there_is_none() {
        let poll = poll(Paging::Cursor {
            param: "cursor".into(),
            path: JsonPath::parse("$.next").unwrap(),
        });
        let page = read_page(
            &poll,
            &json!({"results": [], "next": "abc"}),
            &Position::First,
        )
        .unwrap();
        assert_eq!(page.next, Some(Position::Cursor("abc".into())));
        assert!(page_url(&poll, "x", &Position::Cursor("abc".into())).ends_with("&cursor=abc"));
        let last = read_page(
            &poll,
            &json!({"results": [], "next": null}),
            &Position::First,
        )
        .unwrap();
        assert_eq!(last.next, None);
        assert!(read_page(&poll, &json!({"items": []}), &Position::First).is_err());
    }
}
