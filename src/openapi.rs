//! The OpenAPI document's frame: title, description, tags and the shared
//! schemas. The paths come from the handlers as `startup` registers them.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "panel-tracker",
        description = "Records the commitments made at Police and Crime Panel meetings (actions), \
who owes them to whom and at which meeting they are due, and tracks each one until the \
panel accepts the response.\n\n\
Conventions: JSON with snake_case fields; RFC 3339 UTC timestamps; errors as \
`application/problem+json` (RFC 9457) with an `errors` list for invalid fields; lists use \
cursor pagination (`limit` up to 200, `cursor` from `next_cursor` or the `Link` header); \
every resource has a `version` sent as a strong `ETag`, and PATCH and lifecycle transitions \
require `If-Match` (412 when stale, 428 when missing); creating POSTs accept an \
`Idempotency-Key`.",
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Sign in with `POST /api/v1/auth/token`, then send `Authorization: Bearer <access_token>`"),
        (name = "administration", description = "Users and service credentials (admin only)"),
        (name = "committees", description = "Panels and their short codes"),
        (name = "meetings", description = "Meetings of a committee, in time order"),
        (name = "agenda items", description = "The numbered items of a meeting"),
        (name = "actions", description = "Commitments made at meetings, and their timelines"),
        (name = "action lifecycle", description = "open -> in_progress -> response_submitted -> completed, with return, reopen, withdraw and carry-forward"),
        (name = "action log", description = "The action log for a meeting's agenda pack, bulk carry-forward and statistics"),
        (name = "extraction", description = "Find the commitments in a meeting's minutes, then log the confirmed ones"),
        (name = "health", description = "Liveness and readiness for load balancers"),
    ),
    components(schemas(Problem, FieldError))
)]
pub struct ApiDoc;

/// Declares the bearer scheme that operations name in their `security`, so
/// the docs page's Authorize button takes a token from `/api/v1/auth/token`.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A token from POST /api/v1/auth/token, or a service credential"))
                    .build(),
            ),
        );
    }
}

/// The document as committed in `openapi/openapi.json`: pretty JSON with a final newline.
pub fn to_pretty_json(doc: &utoipa::openapi::OpenApi) -> String {
    let mut json = doc.to_pretty_json().expect("the OpenAPI document serialises");
    json.push('\n');
    json
}
