//! The request that reads a thin event's record back: its source's URL template and header
//! templates filled from the event, beside the auth and secret headers from the environment.

use super::template::Target;
use crate::config::FetchBack;
use secrecy::ExposeSecret;
use serde_json::Value;

/// One fetch-back, ready to send; it borrows the secrets from the source's config.
#[derive(Debug)]
pub struct FetchRequest<'a> {
    pub url: String,
    /// Headers filled from the event, lowercase names.
    pub filled: Vec<(&'a str, String)>,
    fetch: &'a FetchBack,
}

impl FetchRequest<'_> {
    /// Every header of the request: the auth header, the secret ones, the filled ones.
    pub fn headers(&self) -> Vec<(&str, &str)> {
        let secrets = self.fetch.auth.iter().chain(&self.fetch.secret_headers);
        secrets
            .map(|(name, value)| (name.as_str(), value.expose_secret()))
            .chain(
                self.filled
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            )
            .collect()
    }
}

/// The fetch-back of the record `id` that `event` names, or why it cannot be made (a dead
/// letter's reason, naming the placeholder whose value the event lacks).
pub fn fetch_request<'a>(
    fetch: &'a FetchBack,
    event: &Value,
    id: &str,
) -> Result<FetchRequest<'a>, String> {
    let url = fetch
        .url
        .fill(event, id, Target::Url)
        .map_err(|why| format!("the fetch URL cannot be written: {why}"))?;
    let mut filled = Vec::with_capacity(fetch.headers.len());
    for (name, template) in &fetch.headers {
        let value = template
            .fill(event, id, Target::Header)
            .map_err(|why| format!("the fetch header {name} cannot be written: {why}"))?;
        filled.push((name.as_str(), value));
    }
    Ok(FetchRequest { url, filled, fetch })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::sources::path::JsonPath;
    use crate::sync::sources::template::Template;
    use secrecy::SecretString;
    use serde_json::json;
    use std::time::Duration;

    fn procore() -> FetchBack {
        FetchBack {
            url: Template::parse(
                "https://api.example.com/rest/v1.0/change_order_packages/{id}?project_id={$.project_id}",
            )
            .unwrap(),
            id: JsonPath::parse("$.resource_id").unwrap(),
            auth: Some(("authorization".into(), SecretString::from("Bearer t"))),
            headers: vec![(
                "procore-company-id".into(),
                Template::parse("{$.company_id}").unwrap(),
            )],
            secret_headers: vec![("x-client".into(), SecretString::from("c-1"))],
            timeout: Duration::from_secs(5),
            max_attempts: 3,
        }
    }

    #[test]
    fn the_url_and_headers_are_filled_from_the_event_beside_the_secrets() {
        let fetch = procore();
        let event = json!({"resource_id": 88, "project_id": 562949, "company_id": 4264});
        let request = fetch_request(&fetch, &event, "88").unwrap();
        assert_eq!(
            request.url,
            "https://api.example.com/rest/v1.0/change_order_packages/88?project_id=562949"
        );
        assert_eq!(
            request.headers(),
            vec![
                ("authorization", "Bearer t"),
                ("x-client", "c-1"),
                ("procore-company-id", "4264"),
            ]
        );
    }

    #[test]
    fn an_event_lacking_a_value_says_which_placeholder() {
        let fetch = procore();
        let no_project = json!({"resource_id": 88, "company_id": 4264});
        let why = fetch_request(&fetch, &no_project, "88").unwrap_err();
        assert_eq!(
            why,
            "the fetch URL cannot be written: the event has no value at $.project_id"
        );
        let no_company = json!({"resource_id": 88, "project_id": 1});
        let why = fetch_request(&fetch, &no_company, "88").unwrap_err();
        assert_eq!(
            why,
            "the fetch header procore-company-id cannot be written: the event has no value at $.company_id"
        );
    }
}
