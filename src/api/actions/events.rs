//! An action's timeline and the check of its hash chain.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::{ActionEvent, ChainVerification};
use crate::api::{page_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::ids::ActionId;
use crate::error::ApiError;
use crate::http::pagination::{self, Page, PageQuery};
use crate::ops;

/// The action's timeline: every change, oldest first.
#[utoipa::path(
    operation_id = "list_action_events",
    security(("bearer" = [])),
    tag = "actions",
    params(("id" = i64, Path, description = "Action id"), PageQuery),
    responses(
        (status = 200, description = "A page of events", body = Page<ActionEvent>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/actions/{id}/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (after, limit) = query.by_id()?;
    let rows = ops::actions::events(&state, &caller, ActionId(id), after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |e| vec![i64::from(e.sequence)], ActionEvent::from)))
}

/// Checks the action's hash chain: reports the first event that was altered,
/// removed or reordered since it was written.
#[utoipa::path(
    operation_id = "verify_action_events",
    security(("bearer" = [])),
    tag = "actions",
    params(("id" = i64, Path, description = "Action id")),
    responses(
        (status = 200, description = "The result of the check", body = ChainVerification),
    )
)]
#[get("/actions/{id}/events/verify")]
pub async fn verify_events(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let result = ops::actions::verify_events(&state, &caller, ActionId(id)).await?;
    Ok(HttpResponse::Ok().json(ChainVerification {
        action_id: id,
        intact: result.first_broken_sequence.is_none(),
        events_checked: result.events_checked,
        first_broken_sequence: result.first_broken_sequence,
    }))
}
