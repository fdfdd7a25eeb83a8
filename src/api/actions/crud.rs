//! Listing, creating, reading and editing actions.

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::{Action, ActionListQuery, ActionPatch, NewActionRequest};
use crate::api::{page_response, resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::ids::{ActionId, UserId};
use crate::domain::search::SearchTerms;
use crate::domain::text::{self, Checks};
use crate::domain::{ActionKind, ActionStatus};
use crate::error::{ApiError, Problem};
use crate::http::body::Json;
use crate::http::etag::IfMatch;
use crate::http::idempotency::{created, respond, IdempotencyKey};
use crate::http::pagination::{self, ListQuery, Page, PageQuery};
use crate::ops::{self, Record};
use crate::store::{self, actions};

fn parse_statuses(value: Option<&str>) -> Result<Vec<ActionStatus>, ApiError> {
    let Some(value) = value else {
        return Ok(vec![]);
    };
    value
        .split(',')
        .map(|s| s.parse::<ActionStatus>())
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: status: {e}")))
}

/// Lists actions in the order they were logged, with filters; with `q`, the
/// actions matching a search, best first.
#[utoipa::path(
    operation_id = "list_actions",
    security(("bearer" = [])),
    tag = "actions",
    params(ActionListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of actions", body = Page<Action>,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 422, description = "`mine=true` from a caller without a user account (a service credential or single sign-on)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/actions")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    query: ListQuery<ActionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let ListQuery { page, filter: query } = query;
    let (after, limit) = page.by_id()?;
    let owner = text::optional("owner", query.owner.as_deref(), text::SHORT)
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: owner {}", e.message)))?;
    let filter = actions::ActionFilter {
        statuses: parse_statuses(query.status.as_deref())?,
        committee_id: query.committee_id,
        raised_at_meeting_id: query.raised_at_meeting_id,
        due_meeting_id: query.due_meeting_id,
        owner,
        owner_id: query.owner_id.map(UserId),
        unassigned: query.unassigned.unwrap_or(false),
        overdue: query.overdue,
        updated_since: match query.updated_since {
            Some(t) => {
                text::plausible_date("updated_since", t.date_naive()).map_err(|e| {
                    ApiError::BadRequest(format!("invalid query parameter: updated_since {}", e.message))
                })?;
                Some(t.naive_utc())
            }
            None => None,
        },
        ids: None,
        due_within: None,
    };
    let now = store::now();
    let mine = query.mine.unwrap_or(false);
    let search = SearchTerms::parse("q", query.q.as_deref().unwrap_or_default())
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: q {}", e.message)))?;
    if let Some(terms) = search {
        // Any cursor of the documented shape is a position, as for id cursors: below 0 is the start.
        let offset = after.unwrap_or(0).max(0);
        let rows = ops::actions::search(&state, &caller, terms, filter, mine, offset, limit, now).await?;
        let page = pagination::page(
            rows,
            limit,
            |(position, _)| vec![*position],
            |(_, v)| Action::from_view(v, store::utc(now)),
        );
        return Ok(page_response(&req, page));
    }
    let rows = ops::actions::list(&state, &caller, filter, mine, after, limit, now).await?;
    let page = pagination::page(rows, limit, |v| vec![v.row.id], |v| Action::from_view(v, store::utc(now)));
    Ok(page_response(&req, page))
}

/// Logs an action raised at a meeting. Its reference is allocated here, and
/// it is due at the committee's next meeting unless another is named.
#[utoipa::path(
    operation_id = "create_action",
    security(("bearer" = [])),
    tag = "actions",
    request_body = NewActionRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create return the first response instead of creating twice")),
    responses(
        (status = 201, description = "Created", body = Action,
            headers(("Location" = String, description = "The new action"), ("ETag" = String, description = "Its version; left out on a replay (Idempotent-Replayed), whose body may be out of date: GET it for the current one"))),
    )
)]
#[post("/actions")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    key: IdempotencyKey,
    body: Json<NewActionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let key = key.scoped(&caller.actor(), "POST /api/v1/actions", &body);
    let mut checks = Checks::new();
    let new = actions::NewAction {
        raised_at_meeting_id: body.raised_at_meeting_id,
        agenda_item_id: body.agenda_item_id,
        minute_paragraph: checks.check(text::optional(
            "minute_paragraph",
            body.minute_paragraph.as_deref(),
            text::SHORT,
        )),
        committed_by: checks.check(text::optional("committed_by", body.committed_by.as_deref(), text::SHORT)),
        owed_to: checks.check(text::optional("owed_to", body.owed_to.as_deref(), text::SHORT)),
        source_sentence: checks.check(text::optional("source_sentence", body.source_sentence.as_deref(), text::LONG)),
        description: checks.check(text::required("description", &body.description, text::LONG)),
        kind: body.kind.unwrap_or(ActionKind::Other),
        owner: checks.check(text::optional("owner", body.owner.as_deref(), text::SHORT)),
        owner_id: body.owner_id.map(UserId),
        due_meeting_id: body.due_meeting_id,
        due_date: body.due_date,
        exemption: body.exempt.and_then(|e| checks.check_all(e.parse())),
    };
    if let Some(date) = new.due_date {
        checks.check(text::plausible_date("due_date", date));
    }
    checks.finish().map_err(ApiError::Validation)?;
    let record: Record<_> = Box::new(|view: actions::ActionView| {
        let action = Action::from_view(view, Utc::now());
        created(format!("/api/v1/actions/{}", action.id), &action)
    });
    Ok(respond(ops::actions::create(&state, &caller, new, key, record).await?))
}

/// Fetches one action.
#[utoipa::path(
    operation_id = "get_action",
    security(("bearer" = [])),
    tag = "actions",
    params(("id" = i64, Path, description = "Action id")),
    responses(
        (status = 200, description = "The action", body = Action, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/actions/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let view = ops::actions::get(&state, &caller, ActionId(id.into_inner())).await?;
    let action = Action::from_view(view, Utc::now());
    Ok(resource_response(action.version, &action))
}

/// Edits an action: what was promised, to whom, its owner, due meeting or date.
#[utoipa::path(
    operation_id = "update_action",
    security(("bearer" = [])),
    tag = "actions",
    request_body = ActionPatch,
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The action as changed", body = Action, headers(("ETag" = String, description = "Its new version"))),
    )
)]
#[patch("/actions/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<ActionPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let b = body.into_inner();
    let mut checks = Checks::new();
    let mut optional = |field: &str, value: Option<Option<String>>, max: usize| {
        value.map(|v| checks.check(text::optional(field, v.as_deref(), max)))
    };
    let mut patch = actions::ActionPatch {
        agenda_item_id: b.agenda_item_id,
        minute_paragraph: optional("minute_paragraph", b.minute_paragraph, text::SHORT),
        committed_by: optional("committed_by", b.committed_by, text::SHORT),
        owed_to: optional("owed_to", b.owed_to, text::SHORT),
        source_sentence: optional("source_sentence", b.source_sentence, text::LONG),
        owner: optional("owner", b.owner, text::SHORT),
        owner_id: b.owner_id.map(|id| id.map(UserId)),
        kind: b.kind,
        due_meeting_id: b.due_meeting_id,
        due_date: b.due_date.inspect(|d| {
            if let Some(date) = d {
                checks.check(text::plausible_date("due_date", *date));
            }
        }),
        description: None,
        exemption: None,
    };
    patch.exemption = b.exempt.map(|e| e.and_then(|e| checks.check_all(e.parse())));
    patch.description = b.description.as_deref().map(|d| checks.check(text::required("description", d, text::LONG)));
    checks.finish().map_err(ApiError::Validation)?;
    let view = ops::actions::update(&state, &caller, ActionId(id), if_match.0, patch).await?;
    let action = Action::from_view(view, Utc::now());
    Ok(resource_response(action.version, &action))
}
