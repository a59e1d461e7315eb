//! A target URL's one placeholder, `{webhook_id}`: the payload's id in keel's outbox, the same
//! on every retry. An API that creates a record takes such an idempotency key in its URL
//! (QuickBooks' `?requestid=`), so a POST retried after a lost answer creates one record.

const PLACEHOLDER: &str = "{webhook_id}";

/// `url` with `{webhook_id}` replaced by `id`.
pub fn fill(url: &str, id: &str) -> String {
    url.replace(PLACEHOLDER, &crate::sync::sources::fetch::encode(id))
}

/// Whether `url`'s braces are all `{webhook_id}`; why not, otherwise.
pub fn check(url: &str) -> Result<(), String> {
    let rest = url.replace(PLACEHOLDER, "");
    match rest.find(['{', '}']) {
        None => Ok(()),
        Some(at) => {
            let from = &rest[at..];
            let shown = from.find('}').map_or(from, |end| &from[..=end]);
            Err(format!(
                "`{shown}` in the target URL `{url}` is not a placeholder keel fills"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webhook_id_goes_into_the_url() {
        let url = "https://q.example.com/v3/company/123/purchaseorder?requestid={webhook_id}";
        assert_eq!(
            fill(url, "418"),
            "https://q.example.com/v3/company/123/purchaseorder?requestid=418"
        );
        assert_eq!(fill("https://x/hooks", "418"), "https://x/hooks");
    }

    #[test]
    fn only_the_webhook_id_placeholder_is_allowed() {
        assert!(check("https://x/po?requestid={webhook_id}").is_ok());
        assert!(check("https://x/hooks").is_ok());
        let why = check("https://x/po?requestid={request.id}").unwrap_err();
        assert!(why.starts_with("`{request.id}` in the target URL"), "{why}");
        assert!(check("https://x/po?requestid={webhook_id").is_err());
    }
}
