use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{nullable, page_response, resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::ids::CommitteeId;
use crate::domain::text::{self, Checks};
use crate::error::{ApiError, Problem};
use crate::http::body::Json;
use crate::http::etag::IfMatch;
use crate::http::idempotency::{created, respond, IdempotencyKey};
use crate::http::pagination::{self, Page, PageQuery};
use crate::ops::{self, Record};
use crate::store::{self, committees};

/// A panel hosted by a council.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Committee {
    #[schema(example = 1)]
    pub id: i64,
    /// Short code used in action references.
    #[schema(example = "KMPCP")]
    pub code: String,
    #[schema(example = "Kent and Medway Police and Crime Panel")]
    pub name: String,
    pub description: Option<String>,
    /// Increases with every change; sent as the ETag.
    #[schema(example = 1)]
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether its meetings and actions are open to the public (without
    /// exempt information) at `/public` and `/api/v1/public`.
    pub published: bool,
    /// When it was published; `null` while it is not.
    pub published_at: Option<DateTime<Utc>>,
}

impl From<committees::Committee> for Committee {
    fn from(c: committees::Committee) -> Self {
        Committee {
            id: c.id,
            code: c.code,
            name: c.name,
            description: c.description,
            version: c.version,
            created_at: store::utc(c.created_at),
            updated_at: store::utc(c.updated_at),
            published: c.published_at.is_some(),
            published_at: c.published_at.map(store::utc),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCommitteeRequest {
    /// 2 to 16 capital letters or digits, starting with a letter. Cannot be changed later.
    #[schema(example = "KMPCP", min_length = 2, max_length = 16, pattern = "^[A-Z][A-Z0-9]{1,15}$")]
    pub code: String,
    #[schema(example = "Kent and Medway Police and Crime Panel", max_length = 200)]
    pub name: String,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
}

/// Changes to a committee; fields left out stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitteePatch {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub description: Option<Option<String>>,
    /// `true` publishes the committee's meetings and actions to everyone
    /// without signing in (exempt information excepted); `false` withdraws
    /// them at once. Off by default.
    pub published: Option<bool>,
}

/// Lists committees in the order they were created.
#[utoipa::path(
    operation_id = "list_committees",
    security(("bearer" = [])),
    tag = "committees",
    params(PageQuery),
    responses(
        (status = 200, description = "A page of committees", body = Page<Committee>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/committees")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = query.by_id()?;
    let rows = ops::committees::list(&state, &caller, after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |c| vec![c.id], Committee::from)))
}

/// Creates a committee.
#[utoipa::path(
    operation_id = "create_committee",
    security(("bearer" = [])),
    tag = "committees",
    request_body = NewCommitteeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first response instead of creating twice")),
    responses(
        (status = 201, description = "Created", body = Committee,
            headers(("Location" = String, description = "The new committee"), ("ETag" = String, description = "Its version; left out on a replay (Idempotent-Replayed), whose body may be out of date: GET it for the current one"))),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/committees")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageMeetings>,
    key: IdempotencyKey,
    body: Json<NewCommitteeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = key.scoped(&caller.actor(), "POST /api/v1/committees", &body);
    let mut checks = Checks::new();
    let now = store::now();
    let new = committees::NewCommittee {
        code: checks.check(text::committee_code(&body.code)),
        name: checks.check(text::required("name", &body.name, text::SHORT)),
        description: checks.check(text::optional("description", body.description.as_deref(), text::LONG)),
        created_at: now,
        updated_at: now,
    };
    checks.finish().map_err(ApiError::Validation)?;
    let record: Record<_> =
        Box::new(|c: committees::Committee| created(format!("/api/v1/committees/{}", c.id), &Committee::from(c)));
    Ok(respond(ops::committees::create(&state, &caller, new, key, record).await?))
}

/// Fetches one committee.
#[utoipa::path(
    operation_id = "get_committee",
    security(("bearer" = [])),
    tag = "committees",
    params(("id" = i64, Path, description = "Committee id")),
    responses(
        (status = 200, description = "The committee", body = Committee, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/committees/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let committee = ops::committees::get(&state, &caller, CommitteeId(id)).await?;
    Ok(resource_response(committee.version, &Committee::from(committee)))
}

/// Edits a committee's name or description, or publishes or unpublishes it.
#[utoipa::path(
    operation_id = "update_committee",
    security(("bearer" = [])),
    tag = "committees",
    request_body = CommitteePatch,
    params(
        ("id" = i64, Path, description = "Committee id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The committee as changed", body = Committee, headers(("ETag" = String, description = "Its new version"))),
    )
)]
#[patch("/committees/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageMeetings>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<CommitteePatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let mut checks = Checks::new();
    let changes = committees::CommitteeChanges {
        name: body.name.as_deref().map(|n| checks.check(text::required("name", n, text::SHORT))),
        description: body.description.map(|d| checks.check(text::optional("description", d.as_deref(), text::LONG))),
        published_at: body.published.map(|p| p.then(store::now)),
    };
    checks.finish().map_err(ApiError::Validation)?;
    let committee = ops::committees::update(&state, &caller, CommitteeId(id), if_match.0, changes).await?;
    Ok(resource_response(committee.version, &Committee::from(committee)))
}
