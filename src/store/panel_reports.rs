//! The panel's reports and their recommendations, each tracked until the
//! PCC responds; the PCC's published response to the report as a whole.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{json, Map};

use super::statutory_events::{self, Subject};
use super::{write_versioned, Actor};
use crate::db::AnyConnection;
use crate::domain::change::ChangeType;
use crate::domain::statutory::{recommendation_reference, PccResponse, ReportSubject};
use crate::domain::{Error, FieldError, Version};
use crate::schema::{committees, meetings, panel_reports, recommendations, statutory_processes};

#[derive(Debug, Clone, Queryable)]
pub struct ReportRow {
    pub id: i64,
    pub committee_id: i64,
    pub process_id: Option<i64>,
    pub subject: ReportSubject,
    pub title: String,
    pub meeting_id: Option<i64>,
    pub reported_on: NaiveDate,
    pub published_url: Option<String>,
    pub response_due_on: Option<NaiveDate>,
    pub response_published_on: Option<NaiveDate>,
    pub response_url: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable)]
pub struct RecommendationRow {
    pub id: i64,
    pub report_id: i64,
    pub committee_id: i64,
    pub reference: String,
    pub reference_year: i32,
    pub reference_number: i32,
    pub body: String,
    pub due_on: Option<NaiveDate>,
    pub response: Option<PccResponse>,
    pub response_text: Option<String>,
    pub responded_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub report: ReportRow,
    pub recommendations: Vec<RecommendationRow>,
}

pub struct NewReport {
    pub committee_id: i64,
    pub process_id: Option<i64>,
    pub subject: ReportSubject,
    pub title: String,
    pub meeting_id: Option<i64>,
    pub reported_on: NaiveDate,
    pub published_url: Option<String>,
    pub response_due_on: Option<NaiveDate>,
}

pub struct NewRecommendation {
    pub body: String,
    /// Defaults to the report's `response_due_on`.
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub committee_id: Option<i64>,
    pub process_id: Option<i64>,
    pub ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Default)]
pub struct RecommendationFilter {
    pub committee_id: Option<i64>,
    pub report_id: Option<i64>,
    /// Only those the PCC has (true) or has not (false) responded to.
    pub answered: Option<bool>,
    /// Only those due on or before this day with no response (overdue when before today).
    pub due_by: Option<NaiveDate>,
    /// Only those due from this day on.
    pub due_from: Option<NaiveDate>,
    /// Only those overdue on this day: unanswered and due before it.
    pub overdue_on: Option<NaiveDate>,
    /// Only those not overdue on this day: answered, undated, or due from it on.
    pub not_overdue_on: Option<NaiveDate>,
    pub ids: Option<Vec<i64>>,
}

fn unknown(field: &str, message: &str) -> Error {
    Error::UnknownReference(vec![FieldError::new(field, message)])
}

fn conflicting(field: &str, message: &str) -> Error {
    Error::ConflictingReference(vec![FieldError::new(field, message)])
}

pub fn create(
    conn: &mut AnyConnection,
    new: &NewReport,
    items: &[NewRecommendation],
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ReportRecord, Error> {
    let code: String = committees::table
        .find(new.committee_id)
        .select(committees::code)
        .first(conn)
        .optional()?
        .ok_or_else(|| unknown("committee_id", "no committee has this id"))?;
    if let Some(meeting_id) = new.meeting_id {
        let committee: i64 = meetings::table
            .find(meeting_id)
            .select(meetings::committee_id)
            .first(conn)
            .optional()?
            .ok_or_else(|| unknown("meeting_id", "no meeting has this id"))?;
        if committee != new.committee_id {
            return Err(conflicting("meeting_id", "the meeting is another committee's"));
        }
    }
    if let Some(process_id) = new.process_id {
        let (committee, kind): (i64, crate::domain::statutory::ProcessKind) = statutory_processes::table
            .find(process_id)
            .select((statutory_processes::committee_id, statutory_processes::kind))
            .first(conn)
            .optional()?
            .ok_or_else(|| unknown("process_id", "no statutory process has this id"))?;
        if committee != new.committee_id {
            return Err(conflicting("process_id", "the process is another committee's"));
        }
        if kind.report_subject() != new.subject {
            return Err(conflicting(
                "subject",
                &format!("a report in a {} process is on the subject `{}`", kind.as_str(), kind.report_subject()),
            ));
        }
    }
    let report: ReportRow = diesel::insert_into(panel_reports::table)
        .values((
            panel_reports::committee_id.eq(new.committee_id),
            panel_reports::process_id.eq(new.process_id),
            panel_reports::subject.eq(new.subject),
            panel_reports::title.eq(&new.title),
            panel_reports::meeting_id.eq(new.meeting_id),
            panel_reports::reported_on.eq(new.reported_on),
            panel_reports::published_url.eq(&new.published_url),
            panel_reports::response_due_on.eq(new.response_due_on),
            panel_reports::version.eq(1),
            panel_reports::created_at.eq(now),
            panel_reports::updated_at.eq(now),
        ))
        .returning(panel_reports::all_columns)
        .get_result(conn)?;
    // Numbering one at a time: this no-op update takes the committee's row
    // lock on PostgreSQL (SQLite's write lock is already held).
    diesel::update(committees::table.find(new.committee_id))
        .set(committees::actions_raised.eq(committees::actions_raised))
        .execute(conn)?;
    let year = new.reported_on.year();
    let last: Option<i32> = recommendations::table
        .filter(recommendations::committee_id.eq(new.committee_id))
        .filter(recommendations::reference_year.eq(year))
        .select(diesel::dsl::max(recommendations::reference_number))
        .first(conn)?;
    let mut number = last.unwrap_or(0);
    for item in items {
        number += 1;
        let reference = recommendation_reference(&code, year, number);
        let id: i64 = diesel::insert_into(recommendations::table)
            .values((
                recommendations::report_id.eq(report.id),
                recommendations::committee_id.eq(new.committee_id),
                recommendations::reference.eq(&reference),
                recommendations::reference_year.eq(year),
                recommendations::reference_number.eq(number),
                recommendations::body.eq(&item.body),
                recommendations::due_on.eq(item.due_on.or(new.response_due_on)),
                recommendations::version.eq(1),
                recommendations::created_at.eq(now),
                recommendations::updated_at.eq(now),
            ))
            .returning(recommendations::id)
            .get_result(conn)?;
        let mut changes = Map::new();
        changes.insert("reference".into(), json!({ "from": null, "to": reference }));
        changes.insert("report_id".into(), json!({ "from": null, "to": report.id }));
        statutory_events::append(conn, Subject::Recommendation, id, "created", &changes, actor, now)?;
        super::change_feed::record(conn, ChangeType::RecommendationCreated, id, new.committee_id, 1, now)?;
    }
    let mut changes = Map::new();
    changes.insert("title".into(), json!({ "from": null, "to": new.title }));
    changes.insert("recommendations".into(), json!(items.len()));
    statutory_events::append(conn, Subject::PanelReport, report.id, "created", &changes, actor, now)?;
    super::change_feed::record(conn, ChangeType::PanelReportCreated, report.id, new.committee_id, 1, now)?;
    get(conn, report.id)
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<ReportRecord, Error> {
    let filter = ReportFilter { ids: Some(vec![id]), ..Default::default() };
    list(conn, &filter, None, 1)?.into_iter().next().ok_or_else(|| Error::not_found("panel report", id))
}

/// Reports newest first (by id), after the id of the last one seen.
pub fn list(
    conn: &mut AnyConnection,
    filter: &ReportFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<ReportRecord>, Error> {
    let mut query = panel_reports::table.order(panel_reports::id.desc()).limit(limit + 1).into_boxed();
    if let Some(committee_id) = filter.committee_id {
        query = query.filter(panel_reports::committee_id.eq(committee_id));
    }
    if let Some(process_id) = filter.process_id {
        query = query.filter(panel_reports::process_id.eq(process_id));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(panel_reports::id.eq_any(ids.clone()));
    }
    if let Some(before) = before {
        query = query.filter(panel_reports::id.lt(before));
    }
    let reports: Vec<ReportRow> = query.load(conn)?;
    let ids: Vec<i64> = reports.iter().map(|r| r.id).collect();
    let recs: Vec<RecommendationRow> =
        recommendations::table.filter(recommendations::report_id.eq_any(&ids)).order(recommendations::id).load(conn)?;
    let mut by_report: HashMap<i64, Vec<RecommendationRow>> = HashMap::new();
    for r in recs {
        by_report.entry(r.report_id).or_default().push(r);
    }
    Ok(reports
        .into_iter()
        .map(|report| {
            let recommendations = by_report.remove(&report.id).unwrap_or_default();
            ReportRecord { report, recommendations }
        })
        .collect())
}

pub fn get_recommendation(conn: &mut AnyConnection, id: i64) -> Result<RecommendationRow, Error> {
    recommendations::table.find(id).first(conn).optional()?.ok_or_else(|| Error::not_found("recommendation", id))
}

/// Recommendations in the order they were made, after the id of the last one seen.
pub fn list_recommendations(
    conn: &mut AnyConnection,
    filter: &RecommendationFilter,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<RecommendationRow>, Error> {
    let mut query = recommendations::table.order(recommendations::id).limit(limit + 1).into_boxed();
    if let Some(committee_id) = filter.committee_id {
        query = query.filter(recommendations::committee_id.eq(committee_id));
    }
    if let Some(report_id) = filter.report_id {
        query = query.filter(recommendations::report_id.eq(report_id));
    }
    match filter.answered {
        Some(true) => query = query.filter(recommendations::response.is_not_null()),
        Some(false) => query = query.filter(recommendations::response.is_null()),
        None => {}
    }
    if let Some(due_by) = filter.due_by {
        query = query.filter(recommendations::due_on.le(due_by));
    }
    if let Some(due_from) = filter.due_from {
        query = query.filter(recommendations::due_on.ge(due_from));
    }
    if let Some(day) = filter.overdue_on {
        query = query.filter(recommendations::response.is_null().and(recommendations::due_on.lt(day)));
    }
    if let Some(day) = filter.not_overdue_on {
        query = query.filter(
            recommendations::response
                .is_not_null()
                .or(recommendations::due_on.is_null())
                .or(recommendations::due_on.ge(day)),
        );
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(recommendations::id.eq_any(ids.clone()));
    }
    if let Some(after) = after {
        query = query.filter(recommendations::id.gt(after));
    }
    Ok(query.load(conn)?)
}

/// Records the PCC's response to one recommendation (once). The report's
/// version moves on too, since it shows its recommendations.
#[allow(clippy::too_many_arguments)]
pub fn respond(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    response: PccResponse,
    text: &str,
    responded_on: NaiveDate,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<RecommendationRow, Error> {
    let current = get_recommendation(conn, id)?;
    expected.check(current.version)?;
    if current.response.is_some() {
        return Err(Error::Conflict(format!(
            "the PCC has already responded to {} ({}); the response stands as recorded",
            current.reference,
            current.response.map(|r| r.as_str()).unwrap_or_default()
        )));
    }
    let report = get(conn, current.report_id)?.report;
    if responded_on < report.reported_on {
        return Err(Error::Conflict(format!(
            "the response cannot be dated {responded_on}, before the panel's report of {}",
            report.reported_on
        )));
    }
    write_versioned!(
        conn,
        recommendations,
        id,
        current.version,
        now,
        (
            recommendations::response.eq(Some(response)),
            recommendations::response_text.eq(Some(text)),
            recommendations::responded_on.eq(Some(responded_on)),
        )
    )?;
    let mut changes = Map::new();
    changes.insert("response".into(), json!({ "from": null, "to": response }));
    changes.insert("responded_on".into(), json!({ "from": null, "to": responded_on }));
    statutory_events::append(conn, Subject::Recommendation, id, "responded", &changes, actor, now)?;
    super::change_feed::record(
        conn,
        ChangeType::RecommendationResponded,
        id,
        current.committee_id,
        current.version + 1,
        now,
    )?;
    bump_report(conn, &report, "recommendation_responded", json!({ "recommendation_id": id }), actor, now)?;
    get_recommendation(conn, id)
}

fn bump_report(
    conn: &mut AnyConnection,
    report: &ReportRow,
    kind: &str,
    detail: serde_json::Value,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), Error> {
    let updated = diesel::update(panel_reports::table.find(report.id))
        .set((panel_reports::version.eq(panel_reports::version + 1), panel_reports::updated_at.eq(now)))
        .returning(panel_reports::version)
        .get_result::<i64>(conn)?;
    let mut changes = Map::new();
    if let serde_json::Value::Object(map) = detail {
        changes.extend(map);
    }
    statutory_events::append(conn, Subject::PanelReport, report.id, kind, &changes, actor, now)?;
    super::change_feed::record(conn, ChangeType::PanelReportUpdated, report.id, report.committee_id, updated, now)?;
    Ok(())
}

/// Records where and when the PCC published their response to the report.
pub fn publish_response(
    conn: &mut AnyConnection,
    id: i64,
    expected: Version,
    published_on: NaiveDate,
    url: Option<&str>,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<ReportRecord, Error> {
    let current = get(conn, id)?.report;
    expected.check(current.version)?;
    if published_on < current.reported_on {
        return Err(Error::Conflict(format!(
            "the PCC's response cannot be published on {published_on}, before the panel's report of {}",
            current.reported_on
        )));
    }
    write_versioned!(
        conn,
        panel_reports,
        id,
        current.version,
        now,
        (panel_reports::response_published_on.eq(Some(published_on)), panel_reports::response_url.eq(url))
    )?;
    let mut changes = Map::new();
    changes
        .insert("response_published_on".into(), json!({ "from": current.response_published_on, "to": published_on }));
    changes.insert("response_url".into(), json!({ "from": current.response_url, "to": url }));
    statutory_events::append(conn, Subject::PanelReport, id, "response_published", &changes, actor, now)?;
    super::change_feed::record(
        conn,
        ChangeType::PanelReportUpdated,
        id,
        current.committee_id,
        current.version + 1,
        now,
    )?;
    get(conn, id)
}
