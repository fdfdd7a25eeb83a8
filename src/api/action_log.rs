//! A meeting's action log for the agenda pack (JSON, CSV or printable HTML),
//! carrying a meeting's unfinished actions forward in bulk, and committee
//! statistics.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::actions::CarryForwardRequest;
use super::committees::Committee;
use super::meetings::Meeting;
use super::AppState;
use crate::auth::{policy, Caller};
use crate::domain::action_log::{self, Heading, LogRow, Section, StatutoryLogRow, RATING_RULE, STATUTORY_TITLE};
use crate::domain::ids::{CommitteeId, MeetingId};
use crate::domain::text;
use crate::error::{ApiError, Problem};
use crate::http::body::OptionalJson;
use crate::ops;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LogSection {
    pub section: Section,
    #[schema(example = "Actions due at this meeting")]
    pub title: String,
    pub rows: Vec<LogRow>,
}

/// The action log of a meeting, as printed in its agenda pack.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ActionLog {
    pub committee: Committee,
    pub meeting: Meeting,
    /// The committee's previous meeting (not cancelled): the start of section 3's period.
    pub previous_meeting_id: Option<i64>,
    pub generated_at: DateTime<Utc>,
    /// How each row's red/amber/green rating is decided.
    pub rating_rule: String,
    /// Due at this meeting; outstanding from earlier meetings; closed since the previous meeting.
    pub sections: Vec<LogSection>,
    /// The title of the statutory section.
    #[schema(example = "Statutory deadlines and the panel's recommendations")]
    pub statutory_title: String,
    /// Statutory steps and the panel's recommendations due by this meeting
    /// and not done, and those done since the previous meeting (or at this one).
    pub statutory: Vec<StatutoryLogRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Csv,
    Html,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LogQuery {
    /// Overrides the `Accept` header: `json`, `csv` or `html`.
    pub format: Option<LogFormat>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BulkCarryForwardResult {
    /// The meeting the actions are now due at.
    pub to_meeting_id: i64,
    /// How many actions moved.
    pub moved: usize,
    /// Their references.
    pub references: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// Actions raised at meetings on or after this date.
    pub from: Option<NaiveDate>,
    /// Actions raised at meetings on or before this date.
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OwnerOverdue {
    /// `null` for unassigned actions.
    pub owner: Option<String>,
    pub overdue: usize,
}

/// Figures for a committee's actions raised in a date range.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CommitteeStats {
    pub committee_id: i64,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub actions: usize,
    /// Count per status (every status present, zero included).
    #[schema(value_type = Object, example = json!({"open": 3, "in_progress": 2, "response_submitted": 1, "completed": 9, "withdrawn": 1}))]
    pub by_status: std::collections::BTreeMap<String, usize>,
    pub overdue: usize,
    /// Most overdue first.
    pub overdue_by_owner: Vec<OwnerOverdue>,
    /// Median days from the meeting where an action was raised to its acceptance.
    pub median_days_to_complete: Option<f64>,
    /// Share (0 to 1) of completed actions accepted by the start of their due meeting.
    pub completed_by_due_meeting: Option<f64>,
}

/// `?format=` wins; otherwise the first of CSV or HTML that `Accept` names; otherwise JSON.
fn negotiate(req: &HttpRequest, query: Option<LogFormat>) -> LogFormat {
    if let Some(format) = query {
        return format;
    }
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let position = |needle: &str| accept.find(needle).unwrap_or(usize::MAX);
    let (csv, html, json) = (position("text/csv"), position("text/html"), position("application/json"));
    if csv < html && csv < json {
        LogFormat::Csv
    } else if html < json && html < csv {
        LogFormat::Html
    } else {
        LogFormat::Json
    }
}

/// The meeting's action log: (1) actions due at this meeting, (2) outstanding
/// actions from earlier meetings, (3) actions completed or withdrawn since the
/// previous meeting; each row rated red, amber or green (see `rating_rule`).
/// JSON, CSV (UTF-8, opens in Excel) or a printable A4 HTML page, by `Accept` or `?format=`.
#[utoipa::path(
    operation_id = "get_action_log",
    tag = "action log",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Meeting id"), LogQuery),
    responses(
        (status = 200, description = "The action log", content(
            (ActionLog = "application/json"),
            (String = "text/csv"),
            (String = "text/html"),
        )),
    )
)]
#[get("/meetings/{id}/action-log")]
pub async fn get_action_log(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    req: HttpRequest,
    id: web::Path<i64>,
    query: web::Query<LogQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let format = negotiate(&req, query.format);
    let mut data = ops::action_log::get(&state, &caller, MeetingId(id)).await?;
    let now = Utc::now();
    let sections = ops::action_log::rows(std::mem::take(&mut data.sections), &data.meeting_starts, now);
    let statutory = ops::action_log::statutory_rows(&data, ops::statutory::today(now.naive_utc()));
    let committee = Committee::from(data.committee);
    let meeting = Meeting::from(data.meeting);
    let filename = format!("action-log-{}-{}", committee.code, meeting.starts_at.format("%Y-%m-%d"));
    // The tag covers what the log says, not when it was generated, so a
    // poller gets 304 until an action, the meeting or the ratings change.
    let content = serde_json::json!({
        "format": format!("{format:?}"),
        "previous_meeting_id": data.previous.as_ref().map(|m| m.id),
        "committee": &committee,
        "meeting": &meeting,
        "sections": &sections,
        "statutory": &statutory,
    });
    let tag = crate::http::cache::tag(content.to_string().as_bytes());
    let mut response = match format {
        LogFormat::Json => HttpResponse::Ok().json(ActionLog {
            previous_meeting_id: data.previous.as_ref().map(|m| m.id),
            generated_at: now,
            rating_rule: RATING_RULE.into(),
            sections: sections
                .into_iter()
                .map(|(section, rows)| LogSection { section, title: section.title().into(), rows })
                .collect(),
            statutory_title: STATUTORY_TITLE.into(),
            statutory,
            committee,
            meeting,
        }),
        LogFormat::Csv => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}.csv\"")))
            .body(action_log::to_csv(&sections, &statutory)),
        LogFormat::Html => {
            let heading = Heading {
                committee: &committee.name,
                meeting_title: &meeting.title,
                meeting_date: meeting.starts_at.date_naive(),
                generated: &now.format("%-d %B %Y %H:%M UTC").to_string(),
            };
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                // The page is static: no script may run in it, whatever the text says.
                .insert_header(("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"))
                .body(action_log::to_html(&heading, &sections, &statutory))
        }
    };
    response
        .headers_mut()
        .insert(header::ETAG, header::HeaderValue::from_str(&tag).map_err(crate::domain::Error::internal)?);
    // The format follows `Accept` when `?format=` is absent.
    response.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}

/// Moves every unfinished action due at this meeting on to the committee's
/// next meeting (or a named later one), one event per action, in one transaction.
#[utoipa::path(
    operation_id = "carry_meeting_actions_forward",
    tag = "action log",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Meeting id")),
    request_body(content = Option<CarryForwardRequest>, description = "May be left out"),
    responses(
        (status = 200, description = "What moved, and where to", body = BulkCarryForwardResult),
        (status = 422, description = "No later meeting, or the named one is not a later meeting of the committee", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/meetings/{id}/carry-forward")]
pub async fn carry_meeting_actions_forward(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    id: web::Path<i64>,
    body: OptionalJson<CarryForwardRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let (target, moved) = ops::action_log::carry_forward_all(
        &state,
        &caller,
        MeetingId(id.into_inner()),
        body.to_meeting_id,
        body.reason,
    )
    .await?;
    Ok(HttpResponse::Ok().json(BulkCarryForwardResult {
        to_meeting_id: target.id,
        moved: moved.len(),
        references: moved.into_iter().map(|v| v.row.reference).collect(),
    }))
}

/// Counts by status, overdue by owner, median days to completion and the
/// share completed by the due meeting, for actions raised in a date range.
#[utoipa::path(
    operation_id = "get_committee_stats",
    tag = "action log",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Committee id"), StatsQuery),
    responses(
        (status = 200, description = "The figures", body = CommitteeStats),
    )
)]
#[get("/committees/{id}/stats")]
pub async fn get_committee_stats(
    state: web::Data<AppState>,
    caller: Caller<policy::Read>,
    id: web::Path<i64>,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (from, to) = (query.from, query.to);
    for (name, date) in [("from", from), ("to", to)] {
        if let Some(date) = date {
            text::plausible_date(name, date)
                .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: {name} {}", e.message)))?;
        }
    }
    let start = from.map(|d| d.and_time(chrono::NaiveTime::MIN));
    let end = to.and_then(|d| d.succ_opt()).map(|d| d.and_time(chrono::NaiveTime::MIN));
    let stats = ops::action_log::stats(&state, &caller, CommitteeId(id), start, end).await?;
    Ok(HttpResponse::Ok().json(CommitteeStats {
        committee_id: id,
        from,
        to,
        actions: stats.actions,
        by_status: stats.by_status.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        overdue: stats.overdue,
        overdue_by_owner: stats
            .overdue_by_owner
            .into_iter()
            .map(|(owner, overdue)| OwnerOverdue { owner, overdue })
            .collect(),
        median_days_to_complete: stats.median_days_to_complete,
        completed_by_due_meeting: stats.completed_by_due_meeting,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn format_negotiation() {
        let with =
            |accept: &str| negotiate(&TestRequest::default().insert_header(("Accept", accept)).to_http_request(), None);
        assert_eq!(with("text/csv"), LogFormat::Csv);
        assert_eq!(with("text/html,application/xhtml+xml,*/*;q=0.8"), LogFormat::Html);
        assert_eq!(with("application/json"), LogFormat::Json);
        assert_eq!(with("*/*"), LogFormat::Json);
        let req = TestRequest::default().insert_header(("Accept", "text/html")).to_http_request();
        assert_eq!(negotiate(&req, Some(LogFormat::Csv)), LogFormat::Csv);
    }
}
