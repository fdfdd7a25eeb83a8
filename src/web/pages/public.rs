//! The public pages of published committees, under `/public`, for anyone
//! without signing in: the committees, a committee with its meetings, its
//! actions (searchable, filtered by status) and its open data, a meeting
//! with its action log, an action with its response and status history.
//! They render only the public API's types (`api::public`), so they can
//! show nothing the public API would not; answers are cacheable like it.

use actix_web::http::header::{self, HeaderName};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use crate::api::public::{
    PublicAction, PublicActionRecord, PublicCommittee, PublicCommitteeRecord, PublicMeeting, PublicMeetingRecord,
};
use crate::domain::search::SearchTerms;
use crate::domain::{ActionId, ActionStatus, CommitteeId, MeetingId, MeetingStatus};
use crate::http::cache;
use crate::ops::public::{self, ActionsPage};
use crate::ops::AppState;
use crate::store::{self, actions::ActionFilter};
use crate::web::view;
use crate::web::{Chrome, PageError, CONTENT_SECURITY_POLICY};

const PAGE_SIZE: i64 = 50;

/// A public page: the pages' security headers, and cacheable by anyone
/// (it shows nothing that depends on who asks).
fn page(req: &HttpRequest, page: &impl Template) -> Result<HttpResponse, PageError> {
    let body = page.render().map_err(PageError::internal)?;
    let headers: Vec<(HeaderName, String)> = vec![
        (HeaderName::from_static("content-security-policy"), CONTENT_SECURITY_POLICY.into()),
        (header::X_FRAME_OPTIONS, "DENY".into()),
        (header::REFERRER_POLICY, "same-origin".into()),
    ];
    Ok(cache::body(req, "text/html; charset=utf-8", body.into_bytes(), &headers))
}

fn chrome(title: impl Into<String>) -> Chrome {
    Chrome::public(title)
}

/// One action in a public list.
pub struct PublicLine {
    pub id: i64,
    pub reference: String,
    /// The description, or for an exempt action what it is exempt under.
    pub description: String,
    pub exempt: bool,
    pub due: String,
    pub status: &'static str,
    pub status_tag: &'static str,
    pub overdue: bool,
}

impl PublicLine {
    fn new(a: &PublicAction) -> PublicLine {
        PublicLine {
            id: a.id,
            reference: a.reference.clone(),
            description: match (&a.exempt, &a.description) {
                (Some(e), _) => format!("Exempt information (paragraph {} of Schedule 12A)", e.paragraph),
                (None, Some(d)) => d.clone(),
                (None, None) => String::new(),
            },
            exempt: a.exempt.is_some(),
            due: match (a.due_meeting_date, a.due_date) {
                (Some(d), _) => format!("Meeting of {}", view::date(d)),
                (None, Some(d)) => view::date(d),
                _ => "Not set".into(),
            },
            status: view::status_label(a.status),
            status_tag: view::status_tag(a.status),
            overdue: a.overdue,
        }
    }
}

fn meeting_line(m: &PublicMeeting) -> (i64, String, bool) {
    (m.id, format!("{}, {}", m.title, view::date(m.starts_at.date_naive())), m.status == MeetingStatus::Cancelled)
}

#[derive(Template)]
#[template(path = "public/committees.html")]
struct CommitteesPage {
    chrome: Chrome,
    committees: Vec<PublicCommittee>,
}

/// The published committees.
pub async fn committees(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let committees = public::committees(&state).await?.into_iter().map(PublicCommittee::from).collect();
    page(&req, &CommitteesPage { chrome: chrome("Police and Crime Panels"), committees })
}

#[derive(Deserialize, Default)]
pub struct ActionsQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "public/committee.html")]
struct CommitteePage {
    chrome: Chrome,
    committee: PublicCommittee,
    meetings: Vec<(i64, String, bool)>,
    actions: Vec<PublicLine>,
    q: String,
    q_error: Option<String>,
    status: String,
    searched: bool,
    next_page: Option<String>,
    reports: Vec<crate::api::public::PublicReport>,
}

impl CommitteePage {
    fn status_options(&self) -> Vec<(&'static str, &'static str)> {
        ActionStatus::ALL.iter().map(|s| (s.as_str(), view::status_label(*s))).collect()
    }
    fn response_tag(&self, r: &crate::api::public::PublicRecommendation) -> &'static str {
        view::rating_tag(r.rating)
    }
    fn response_label(&self, r: &crate::api::public::PublicRecommendation) -> &'static str {
        use crate::domain::statutory::PccResponse;
        match (r.response, r.overdue) {
            (Some(PccResponse::Accepted), _) => "Accepted",
            (Some(PccResponse::PartlyAccepted), _) => "Partly accepted",
            (Some(PccResponse::NotAccepted), _) => "Not accepted",
            (None, true) => "Response overdue",
            (None, false) => "Response awaited",
        }
    }
}

/// A published committee: its actions (searchable), meetings and open data.
pub async fn committee(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<ActionsQuery>,
) -> Result<HttpResponse, PageError> {
    let id = CommitteeId(id.into_inner());
    let q = query.into_inner();
    let record = PublicCommitteeRecord::from(public::committee(&state, id).await?);
    let status: Option<ActionStatus> = q.status.parse().ok();
    let filter = ActionFilter { statuses: status.into_iter().collect(), ..Default::default() };
    let now = store::now();
    let (terms, q_error) = match SearchTerms::parse("q", &q.q) {
        Ok(terms) => (terms, None),
        Err(e) => (None, Some(format!("Search {}", e.message))),
    };
    let searched = terms.is_some();
    let mut lines = Vec::new();
    let mut next_page = None;
    if q_error.is_none() {
        let ActionsPage { actions, meeting_starts, .. } =
            public::actions(&state, id, filter, terms, q.after, PAGE_SIZE, now).await?;
        let more = actions.len() as i64 > PAGE_SIZE;
        let shown: Vec<(i64, PublicAction)> = actions
            .into_iter()
            .take(PAGE_SIZE as usize)
            .map(|(key, v)| (key, PublicAction::new(v, &meeting_starts, store::utc(now))))
            .collect();
        if let (true, Some((last, _))) = (more, shown.last()) {
            next_page = Some(format!(
                "/public/committees/{}?q={}&status={}&after={last}",
                id.0,
                view::url_encode(&q.q),
                view::url_encode(&q.status)
            ));
        }
        lines = shown.iter().map(|(_, a)| PublicLine::new(a)).collect();
    }
    let (_, reports) = public::reports(&state, id).await?;
    let today = crate::ops::statutory::today(now);
    let reports = reports.into_iter().map(|r| crate::api::public::PublicReport::new(r, today)).collect();
    let title = record.committee.name.clone();
    page(
        &req,
        &CommitteePage {
            reports,
            chrome: chrome(title),
            meetings: record.meetings.iter().map(meeting_line).collect(),
            committee: record.committee,
            actions: lines,
            q: q.q.trim().to_string(),
            q_error,
            status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            searched,
            next_page,
        },
    )
}

#[derive(Template)]
#[template(path = "public/meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    committee: PublicCommittee,
    meeting: PublicMeeting,
    when: String,
    agenda: Vec<(String, String)>,
    sections: Vec<(String, Vec<PublicLine>)>,
}

/// A meeting of a published committee with its agenda and action log.
pub async fn meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let record = PublicMeetingRecord::new(public::meeting(&state, MeetingId(id.into_inner())).await?, Utc::now());
    page(
        &req,
        &MeetingPage {
            chrome: chrome(record.meeting.title.clone()),
            when: view::date_time(record.meeting.starts_at.naive_utc()),
            agenda: record.agenda_items.into_iter().map(|a| (a.number, a.title)).collect(),
            sections: record
                .action_log
                .iter()
                .map(|s| (s.title.clone(), s.actions.iter().map(PublicLine::new).collect()))
                .collect(),
            committee: record.committee,
            meeting: record.meeting,
        },
    )
}

#[derive(Template)]
#[template(path = "public/action.html")]
struct ActionPage {
    chrome: Chrome,
    record: PublicActionRecord,
    line: PublicLine,
    raised: String,
    history: Vec<(String, String)>,
}

/// An action of a published committee: what was promised, the response and
/// the history of its status (for an exempt action, only that it exists).
pub async fn action(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let record = PublicActionRecord::new(public::action(&state, ActionId(id.into_inner())).await?, Utc::now());
    let line = PublicLine::new(&record.action);
    let history = record
        .status_history
        .iter()
        .map(|c| {
            let what = match c.from {
                None => format!("Logged as {}", view::status_label(c.to).to_lowercase()),
                Some(_) => view::status_label(c.to).to_string(),
            };
            (view::date_time(c.at.naive_utc()), what)
        })
        .collect();
    let raised = record.action.raised_at_meeting_date.map(view::date).unwrap_or_default();
    page(&req, &ActionPage { chrome: chrome(record.action.reference.clone()), line, raised, history, record })
}
