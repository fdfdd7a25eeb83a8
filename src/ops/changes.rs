//! The change feed: every committed change, in commit order, with the
//! resource as it now is (see `store::change_feed` for how positions are
//! given in commit order).

use std::collections::HashMap;

use diesel::prelude::*;

use super::AppState;
use crate::auth::policy::Read;
use crate::auth::Caller;
use crate::db::{snapshot, AnyConnection};
use crate::domain::change::ResourceType;
use crate::domain::Error;
use crate::store::actions::{self, ActionFilter, ActionView};
use crate::store::agenda_items::AgendaItem;
use crate::store::change_feed::{self, ChangeFilter, ChangeRow};
use crate::store::committees::Committee;
use crate::store::meetings::Meeting;

/// A resource as it is when the feed is read.
#[derive(Debug, Clone)]
pub enum Resource {
    Committee(Committee),
    Meeting(Meeting),
    AgendaItem(AgendaItem),
    Action(Box<ActionView>),
    StatutoryProcess(Box<crate::store::statutory::ProcessRecord>),
    PanelReport(Box<crate::store::panel_reports::ReportRecord>),
    Recommendation(crate::store::panel_reports::RecommendationRow),
}

/// A page of the feed.
#[derive(Debug, Clone)]
pub struct ChangePage {
    pub changes: Vec<(ChangeRow, Resource)>,
    /// Where the next read starts: the last change on the page when there
    /// are more, otherwise the highest committed position (nothing between
    /// matched the filter), so a filtered reader does not scan again.
    pub next_after: i64,
    pub has_more: bool,
}

/// The changes after `after`, with each resource as it now is, read in one
/// snapshot so a change's resource is at its version or later.
pub async fn list(
    state: &AppState,
    _: &Caller<Read>,
    after: i64,
    limit: i64,
    filter: ChangeFilter,
    now: chrono::NaiveDateTime,
) -> Result<ChangePage, Error> {
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let head = change_feed::last_position(conn)?;
                let mut rows = change_feed::list(conn, after, limit, &filter)?;
                let has_more = rows.len() as i64 > limit;
                rows.truncate(limit as usize);
                let next_after = match rows.last() {
                    Some(last) if has_more => last.position.unwrap_or(after),
                    _ => head.max(after),
                };
                let resources = load(conn, &rows, now)?;
                let changes = rows
                    .into_iter()
                    .map(|row| {
                        let key = (row.resource()?, row.resource_id);
                        let resource = resources.get(&key).cloned().ok_or_else(|| {
                            Error::internal(format!("change {:?} names a missing {:?}", row.position, key))
                        })?;
                        Ok((row, resource))
                    })
                    .collect::<Result<Vec<_>, Error>>()?;
                Ok(ChangePage { changes, next_after, has_more })
            })
        })
        .await
}

/// The change at a position with its resource as it now is, for a webhook
/// delivery (the worker acts for the admin who made the webhook).
pub async fn at(
    state: &AppState,
    position: i64,
    now: chrono::NaiveDateTime,
) -> Result<Option<(ChangeRow, Resource)>, Error> {
    state
        .db(move |conn| {
            snapshot(conn, |conn| {
                let rows = change_feed::list(conn, position - 1, 1, &ChangeFilter::default())?;
                let Some(row) = rows.into_iter().find(|r| r.position == Some(position)) else { return Ok(None) };
                let mut resources = load(conn, std::slice::from_ref(&row), now)?;
                let key = (row.resource()?, row.resource_id);
                Ok(resources.remove(&key).map(|resource| (row, resource)))
            })
        })
        .await
}

/// Each resource the rows name, loaded with one query per type.
fn load(
    conn: &mut AnyConnection,
    rows: &[ChangeRow],
    now: chrono::NaiveDateTime,
) -> Result<HashMap<(ResourceType, i64), Resource>, Error> {
    use crate::schema::{agenda_items, committees, meetings};
    let mut ids: HashMap<ResourceType, Vec<i64>> = HashMap::new();
    for row in rows {
        ids.entry(row.resource()?).or_default().push(row.resource_id);
    }
    let mut found = HashMap::new();
    for (resource_type, mut ids) in ids {
        ids.sort_unstable();
        ids.dedup();
        match resource_type {
            ResourceType::Committee => {
                let list: Vec<Committee> = committees::table.filter(committees::id.eq_any(&ids)).load(conn)?;
                found.extend(list.into_iter().map(|c| ((resource_type, c.id), Resource::Committee(c))));
            }
            ResourceType::Meeting => {
                let list: Vec<Meeting> = meetings::table.filter(meetings::id.eq_any(&ids)).load(conn)?;
                found.extend(list.into_iter().map(|m| ((resource_type, m.id), Resource::Meeting(m))));
            }
            ResourceType::AgendaItem => {
                let list: Vec<AgendaItem> = agenda_items::table.filter(agenda_items::id.eq_any(&ids)).load(conn)?;
                found.extend(list.into_iter().map(|a| ((resource_type, a.id), Resource::AgendaItem(a))));
            }
            ResourceType::Action => {
                let limit = ids.len() as i64;
                let filter = ActionFilter { ids: Some(ids), ..Default::default() };
                let list = actions::list(conn, &filter, None, limit, now)?;
                found.extend(list.into_iter().map(|a| ((resource_type, a.row.id), Resource::Action(Box::new(a)))));
            }
            ResourceType::StatutoryProcess => {
                let filter = crate::store::statutory::ProcessFilter { ids: Some(ids), ..Default::default() };
                let list = crate::store::statutory::list(conn, &filter, None, i64::MAX - 1)?;
                found.extend(
                    list.into_iter().map(|p| ((resource_type, p.process.id), Resource::StatutoryProcess(Box::new(p)))),
                );
            }
            ResourceType::PanelReport => {
                let filter = crate::store::panel_reports::ReportFilter { ids: Some(ids), ..Default::default() };
                let list = crate::store::panel_reports::list(conn, &filter, None, i64::MAX - 1)?;
                found.extend(
                    list.into_iter().map(|r| ((resource_type, r.report.id), Resource::PanelReport(Box::new(r)))),
                );
            }
            ResourceType::Recommendation => {
                let filter = crate::store::panel_reports::RecommendationFilter { ids: Some(ids), ..Default::default() };
                let list = crate::store::panel_reports::list_recommendations(conn, &filter, None, i64::MAX - 1)?;
                found.extend(list.into_iter().map(|r| ((resource_type, r.id), Resource::Recommendation(r))));
            }
        }
    }
    Ok(found)
}
