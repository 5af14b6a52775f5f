//! The OpenAPI document, generated from the handlers' annotations together with the
//! router (`utoipa-axum`), so every route is in the document and nothing else is; a test
//! also keeps a copy checked in (`docs/openapi.json`) in step.

use super::{import, meetings, reads, Shared};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The document's fixed parts.
#[derive(OpenApi)]
#[openapi(
    info(title = "dms: distributed meeting scheduler API", description = "Offices, people, rooms, meetings across offices, free/busy, suggestions. Errors are RFC 9457 problem details with a stable `type` (urn:dms:problem:NAME)."),
    components(schemas(super::problem::Problem)),
    modifiers(&Bearer)
)]
pub struct Doc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(
                    HttpBuilder::new()
                        .scheme(HttpAuthScheme::Bearer)
                        .bearer_format("dms_ID_SECRET")
                        .build(),
                ),
            );
        }
    }
}

/// Every documented route, with its handler.
pub fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::with_openapi(Doc::openapi())
        .routes(routes!(reads::offices))
        .routes(routes!(reads::people))
        .routes(routes!(reads::rooms))
        .routes(routes!(reads::free_busy))
        .routes(routes!(reads::suggest))
        .routes(routes!(reads::meetings))
        .routes(routes!(reads::ics))
        .routes(routes!(meetings::create))
        .routes(routes!(meetings::get, meetings::update, meetings::cancel))
        .routes(routes!(meetings::respond))
        .routes(routes!(import::import))
}
