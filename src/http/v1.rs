//! The REST API under `/api/v1`: its routes, gathered with their OpenAPI descriptions, and what
//! holds for all of them: JSON errors for every failure (an unknown route, a method the route
//! does not take, a parameter that does not parse), and `Idempotency-Key` replays on POSTs.

use super::error::error_answer;
use super::openapi::{ApiDoc, Served};
use super::{
    api, ask_api, directory_api, openapi, records_api, records_read, replay, requests_list,
};
use crate::service::Keel;
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Router, middleware};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Where the API lives.
pub const PREFIX: &str = "/api/v1";

/// The routes and the document they describe.
fn described() -> (Router<Keel>, utoipa::openapi::OpenApi) {
    let routes = OpenApiRouter::new()
        .routes(routes!(records_read::list))
        .routes(routes!(records_read::get, records_api::put))
        .routes(routes!(records_read::history))
        .routes(routes!(requests_list::list, api::submit))
        .routes(routes!(api::show))
        .routes(routes!(api::act))
        .routes(routes!(directory_api::events))
        .routes(routes!(directory_api::verify))
        .routes(routes!(directory_api::people))
        .routes(routes!(ask_api::ask))
        .routes(routes!(openapi::document));
    let (router, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(PREFIX, routes)
        .split_for_parts();
    (router, openapi::finish(document))
}

/// The OpenAPI document of the REST API.
pub fn document() -> utoipa::openapi::OpenApi {
    described().1
}

/// The REST API's routes, ready to merge into keel's router.
pub fn router(keel: &Keel) -> Router<Keel> {
    let (router, document) = described();
    let served = document
        .to_json()
        .expect("the OpenAPI document is serializable");
    let fallback = Router::new().fallback(unknown_route);
    router
        .nest(PREFIX, fallback)
        .layer(middleware::from_fn_with_state(
            keel.clone(),
            replay::replay_or_run,
        ))
        .layer(middleware::from_fn(json_errors))
        .layer(Extension(Served(Arc::new(served))))
}

async fn unknown_route(uri: Uri) -> Response {
    let message = format!(
        "There is no route {}; the routes are listed in {PREFIX}/openapi.json.",
        crate::engine::form::truncate(uri.path(), 80)
    );
    error_answer(StatusCode::NOT_FOUND, message, None)
}

/// Any error answered without a JSON body (a method the route does not take, a query or path
/// that does not parse) in the API's error shape. (The `Allow` header of a 405 is added after
/// this runs, by the route itself.)
async fn json_errors(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let text = to_bytes(response.into_body(), 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = match status {
        StatusCode::METHOD_NOT_ALLOWED => format!(
            "{} does not take {method}: its methods are in the Allow header and in \
             {PREFIX}/openapi.json.",
            crate::engine::form::truncate(&path, 80)
        ),
        _ if !text.is_empty() => text,
        _ => status
            .canonical_reason()
            .unwrap_or("The request failed")
            .to_string(),
    };
    error_answer(status, message, None)
}
