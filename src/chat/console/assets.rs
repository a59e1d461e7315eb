//! The console's pages, stylesheet and scripts, compiled into the binary so that keel needs no
//! CDN, no internet and no files beside it.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const CONSOLE_PAGE: &str = include_str!("assets/index.html");
const DASHBOARD_PAGE: &str = include_str!("assets/dashboard.html");
const POLICY_PAGE: &str = include_str!("assets/dashboard_policy.html");
const FILES: &[(&str, &str, &str)] = &[
    (
        "common.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/common.js"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    (
        "console.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/console.js"),
    ),
    (
        "dashboard.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard.js"),
    ),
    (
        "dashboard_policy.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard_policy.js"),
    ),
    (
        "dashboard_integrations.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/dashboard_integrations.js"),
    ),
];

/// Pages and scripts may not be framed or pull anything from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

fn page(html: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response()
}

pub async fn console_page() -> Response {
    page(CONSOLE_PAGE)
}

pub async fn dashboard_page() -> Response {
    page(DASHBOARD_PAGE)
}

pub async fn policy_page() -> Response {
    page(POLICY_PAGE)
}

pub async fn asset(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
