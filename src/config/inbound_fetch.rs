//! The checks of a `[source.fetch]` table: the URL a template with its `{id}`, each header's
//! name one keel may send, each templated value's placeholders well formed (their paths
//! parse), each secret header's variable set. What passes becomes a [`FetchBack`].

use super::inbound::FetchBack;
use super::inbound_check::Check;
use super::inbound_file::FetchFile;
use crate::sync::sources::template::Template;
use http_client::header::HeaderName;
use std::collections::BTreeSet;
use std::time::Duration;

/// Headers keel sets on a fetch itself, which `headers` and `headers_from` may not replace.
const OWN_HEADERS: &[&str] = &["host", "content-length", "user-agent"];

impl Check<'_> {
    pub(super) fn fetch(&mut self, f: FetchFile) -> Option<FetchBack> {
        let before = self.problems.len();
        let url = self.template(&f.url);
        if url.as_ref().is_some_and(|url| !url.has_id()) {
            self.report(
                f.url.span(),
                "the fetch URL has no `{id}`",
                "write where the record's id goes, e.g. https://api.example.com/projects/{id}",
            );
        }
        let auth_header = f.auth_header.to_ascii_lowercase();
        let mut named: BTreeSet<String> = f.auth_from.iter().map(|_| auth_header.clone()).collect();
        let mut headers = Vec::new();
        for (name, value) in &f.headers {
            if self.header_name(name, value, &mut named)
                && let Some(template) = self.template(value)
            {
                headers.push((name.to_ascii_lowercase(), template));
            }
        }
        let mut secret_headers = Vec::new();
        for (name, var) in &f.headers_from {
            if self.header_name(name, var, &mut named)
                && let Some(secret) = self.secret(var.get_ref(), var.span())
            {
                secret_headers.push((name.to_ascii_lowercase(), secret));
            }
        }
        let fetch = FetchBack {
            url: url?,
            id: self.path(f.id.get_ref(), f.id.span())?,
            auth: self.auth(f.auth_from.as_ref(), &f.auth_header),
            headers,
            secret_headers,
            timeout: Duration::from_secs(f.timeout_seconds.clamp(1, 120)),
            max_attempts: f.max_attempts.max(1),
        };
        (self.problems.len() == before).then_some(fetch)
    }

    fn template(&mut self, text: &toml::Spanned<String>) -> Option<Template> {
        Template::parse(text.get_ref())
            .map_err(|message| {
                self.report(
                    text.span(),
                    message,
                    "placeholders are {id} (the record's id) and {$.path} (a value of the event)",
                )
            })
            .ok()
    }

    /// Whether `name` is a header keel may send that no other of the fetch's headers names
    /// (`named`, lowercase, takes it); a problem at `at`'s line otherwise.
    fn header_name(
        &mut self,
        name: &str,
        at: &toml::Spanned<String>,
        named: &mut BTreeSet<String>,
    ) -> bool {
        let lower = name.to_ascii_lowercase();
        if OWN_HEADERS.contains(&lower.as_str()) || HeaderName::from_bytes(name.as_bytes()).is_err()
        {
            self.report(
                at.span(),
                format!("`{name}` cannot be sent as a fetch header"),
                "name a header the source's API asks for, e.g. \"Procore-Company-Id\"",
            );
            return false;
        }
        if !named.insert(lower) {
            self.report(
                at.span(),
                format!("the header `{name}` is set twice"),
                "set it once: in headers, in headers_from, or as the auth_header",
            );
            return false;
        }
        true
    }
}
