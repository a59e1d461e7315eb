//! The OpenAPI 3.1 document of the REST API, served at `GET /api/v1/openapi.json`. It is built
//! from the routes themselves (each handler's `#[utoipa::path]`, gathered by [`super::v1`]), so
//! a route cannot be added or changed without the document following. What every route may
//! answer alike (a missing token, a refused scope, a bad body…) is added here once.

use super::error::ErrorBody;
use axum::Extension;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// The document's fixed parts: title, the bearer token every route needs, the shared schemas.
#[derive(OpenApi)]
#[openapi(
    info(title = "keel REST API", description = "Records, requests, the audit trail, the \
        directory and questions, for scripts and other systems. Every route takes a bearer token \
        (`Authorization: Bearer …`) holding the scope it names; `KEEL_API_TOKEN` holds them all. \
        Every error answers `{\"error\": {\"code\", \"message\"}}`. A POST may carry an \
        `Idempotency-Key`: the same request sent again with it gets the first answer."),
    modifiers(&BearerToken),
    security(("bearer" = [])),
    components(schemas(ErrorBody)),
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The errors any route may answer, by status: (status, component name, when).
const COMMON_ERRORS: [(&str, &str, &str); 7] = [
    (
        "400",
        "BadRequest",
        "A parameter, header or body is not what the route takes",
    ),
    (
        "401",
        "Unauthorized",
        "No bearer token, or not one keel knows",
    ),
    (
        "403",
        "Forbidden",
        "The token lacks the route's scope, or the person may not do this",
    ),
    ("404", "NotFound", "What the path names does not exist"),
    ("413", "TooLarge", "The body is larger than 64 KB"),
    (
        "422",
        "Unprocessable",
        "The values do not fit (a form field, a filter, a question)",
    ),
    (
        "500",
        "Internal",
        "keel failed; the message holds a reference to its log",
    ),
];

/// The `Idempotency-Key` header, as every POST takes it.
const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// Adds what every route shares to the document `routes` built: the common error answers (as
/// shared components), `415` on routes with a body, and `Idempotency-Key` (and its `409`) on
/// every POST.
pub fn finish(mut document: Document) -> Document {
    let components = document.components.get_or_insert_with(Default::default);
    for (_, name, when) in COMMON_ERRORS.iter().chain(&[(
        "415",
        "UnsupportedMediaType",
        "The body is not sent as application/json",
    )]) {
        components
            .responses
            .insert(name.to_string(), error_answer(when).into());
    }
    components.responses.insert(
        "KeyReused".to_string(),
        error_answer("The Idempotency-Key was used before with another request").into(),
    );
    for item in document.paths.paths.values_mut() {
        let with_body = [&mut item.put, &mut item.post];
        for operation in with_body.into_iter().flatten() {
            add_error(operation, "415", "UnsupportedMediaType");
        }
        if let Some(post) = &mut item.post {
            add_error(post, "409", "KeyReused");
            post.parameters
                .get_or_insert_with(Vec::new)
                .push(idempotency_parameter());
        }
        for operation in [&mut item.get, &mut item.put, &mut item.post]
            .into_iter()
            .flatten()
        {
            for (status, name, _) in COMMON_ERRORS {
                add_error(operation, status, name);
            }
        }
    }
    document
}

/// `name`'s shared answer for `status`, unless the route says its own.
fn add_error(operation: &mut Operation, status: &str, name: &str) {
    operation
        .responses
        .responses
        .entry(status.to_string())
        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
}

fn error_answer(when: &str) -> Response {
    let schema = RefOr::Ref(Ref::from_schema_name(ErrorBody::name()));
    ResponseBuilder::new()
        .description(when)
        .content("application/json", Content::new(Some(schema)))
        .build()
}

fn idempotency_parameter() -> utoipa::openapi::path::Parameter {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    ParameterBuilder::new()
        .name(IDEMPOTENCY_HEADER)
        .parameter_in(ParameterIn::Header)
        .description(Some(
            "Any string of 1 to 255 visible ASCII characters, unique per request (a UUID): a \
             retry with it gets the first answer instead of acting again.",
        ))
        .schema(Some(String::schema()))
        .build()
}

/// The document as served, built once at start-up.
#[derive(Clone)]
pub struct Served(pub Arc<String>);

#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi_document", tag = "meta",
    summary = "This document",
    description = "The OpenAPI 3.1 description of the REST API. Needs no token.",
    security(()),
    responses((status = 200, description = "The document", body = Object)))]
pub async fn document(Extension(served): Extension<Served>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        served.0.as_str().to_owned(),
    )
}
