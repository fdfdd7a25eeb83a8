//! The change feed for other council systems: every committed change, in
//! commit order, from a position the reader remembers.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::actions::Action;
use super::agenda_items::AgendaItem;
use super::committees::Committee;
use super::meetings::Meeting;
use super::AppState;
use crate::auth::{policy, Caller};
use crate::domain::change::{ChangeType, ResourceType};
use crate::error::ApiError;
use crate::http::pagination;
use crate::ops::{self, changes::Resource};
use crate::store::{self, change_feed::ChangeFilter, change_feed::ChangeRow};

pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// The last position the reader processed (`next_after` of the last page); 0 or absent reads from the beginning.
    #[param(minimum = 0, example = 0)]
    pub after: Option<i64>,
    /// Page size, 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// Only changes to this type of resource.
    pub resource_type: Option<ResourceType>,
    /// Only changes within this committee (its meetings, agenda items and actions too).
    #[param(minimum = 1)]
    pub committee_id: Option<i64>,
}

/// The resource as it is when the feed is read (its `version` may be later
/// than the change's when it changed again since).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ChangedResource {
    Committee(Committee),
    Meeting(Meeting),
    AgendaItem(AgendaItem),
    Action(Box<Action>),
    StatutoryProcess(Box<super::statutory::StatutoryProcess>),
    PanelReport(Box<super::statutory::PanelReport>),
    Recommendation(Box<super::statutory::Recommendation>),
}

/// One committed change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// Its place in the feed: gapless, in commit order, never reused.
    #[schema(example = 1234)]
    pub position: i64,
    pub occurred_at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub change_type: ChangeType,
    pub resource_type: ResourceType,
    #[schema(example = 42)]
    pub resource_id: i64,
    /// The committee the resource belongs to (a committee's own id for a committee).
    #[schema(example = 1)]
    pub committee_id: i64,
    /// The resource's version this change made.
    #[schema(example = 3)]
    pub version: i64,
    pub resource: ChangedResource,
}

impl Change {
    /// A change as the feed (and a webhook delivery) shows it.
    pub fn new(row: ChangeRow, resource: Resource, now: DateTime<Utc>) -> Result<Change, crate::domain::Error> {
        let today = crate::ops::statutory::today(now.naive_utc());
        Ok(Change {
            position: row.position.unwrap_or_default(),
            occurred_at: store::utc(row.occurred_at),
            change_type: row.change_type()?,
            resource_type: row.resource()?,
            resource_id: row.resource_id,
            committee_id: row.committee_id,
            version: row.version,
            resource: match resource {
                Resource::Committee(c) => ChangedResource::Committee(c.into()),
                Resource::Meeting(m) => ChangedResource::Meeting(m.into()),
                Resource::AgendaItem(a) => ChangedResource::AgendaItem(a.into()),
                Resource::Action(a) => ChangedResource::Action(Box::new(Action::from_view(*a, now))),
                Resource::StatutoryProcess(p) => {
                    ChangedResource::StatutoryProcess(Box::new(super::statutory::StatutoryProcess::new(*p, today)))
                }
                Resource::PanelReport(r) => {
                    ChangedResource::PanelReport(Box::new(super::statutory::PanelReport::new(*r, today)))
                }
                Resource::Recommendation(r) => {
                    ChangedResource::Recommendation(Box::new(super::statutory::Recommendation::new(r, today)))
                }
            },
        })
    }
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// Pass as `after` for the next read: the last change's position when
    /// there are more, otherwise the feed's head (so a filtered reader skips
    /// what did not match). Remember it only once the page is processed.
    #[schema(example = 1234)]
    pub next_after: i64,
    /// True when more changes are waiting: read again at once.
    pub has_more: bool,
}

/// The change feed: every committed change to committees, meetings, agenda
/// items, actions, statutory processes, panel reports and recommendations
/// after a position, in commit order.
///
/// Positions are gapless and given in commit order, so a reader that
/// remembers the last position it processed and asks for `after=` it never
/// misses a change, however many writers commit concurrently. Each change
/// carries the resource as it now is: replaying the changes in order (keeping
/// the latest resource per type and id) reproduces every resource exactly.
#[utoipa::path(
    operation_id = "list_changes",
    security(("bearer" = [])),
    tag = "changes",
    params(ChangeQuery),
    responses(
        (status = 200, description = "The changes after the position", body = ChangePage,
            headers(("Link" = String, description = "`<...>; rel=\"next\"` when there are more"))),
    )
)]
#[get("/changes")]
pub async fn list_changes(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    query: web::Query<ChangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let after = match query.after {
        None => 0,
        Some(after) if after >= 0 => after,
        Some(after) => return Err(ApiError::BadRequest(format!("after must be 0 or more (got {after})"))),
    };
    let limit = pagination::limit_within(query.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    if let Some(id) = query.committee_id.filter(|id| *id < 1) {
        return Err(ApiError::BadRequest(format!("committee_id must be 1 or more (got {id})")));
    }
    let filter = ChangeFilter { resource_type: query.resource_type, committee_id: query.committee_id };
    let now = store::now();
    let page = ops::changes::list(&state, &caller, after, limit, filter, now).await?;
    let now = store::utc(now);
    let changes = page
        .changes
        .into_iter()
        .map(|(row, resource)| Change::new(row, resource, now))
        .collect::<Result<Vec<_>, crate::domain::Error>>()?;
    let body = ChangePage { changes, next_after: page.next_after, has_more: page.has_more };
    let mut response = HttpResponse::Ok();
    if body.has_more {
        let link = pagination::next_link_by(req.path(), req.query_string(), "after", &body.next_after.to_string());
        response.insert_header((header::LINK, link));
    }
    Ok(response.json(body))
}
