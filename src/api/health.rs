use actix_web::{get, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::error::ApiError;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` when the check passed.
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process is up and answering.
#[utoipa::path(
    operation_id = "healthz",
    tag = "health",
    responses((status = 200, description = "The process is up", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Readiness: the database answers a query. A load balancer should route
/// only to instances that are ready.
#[utoipa::path(
    operation_id = "readyz",
    tag = "health",
    responses(
        (status = 200, description = "The database is reachable", body = Health),
        (status = 503, description = "The database is not reachable", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    crate::ops::ready(&state).await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok".into() }))
}
