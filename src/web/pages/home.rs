//! Home: what each role needs to see first.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::policy::Read;
use crate::domain::{ActionStatus, Role, UserId};
use crate::ops::{self, AppState};
use crate::store::actions::ActionFilter;
use crate::web::session;
use crate::web::view::{self, ActionLine};
use crate::web::{html, see_other, Chrome, PageError};

/// A committee as the home page lists it.
struct CommitteeSummary {
    id: i64,
    name: String,
    next_meeting: Option<(i64, String, i64)>,
    open: i64,
    overdue: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    role: Role,
    committees: Vec<CommitteeSummary>,
    to_review: Vec<ActionLine>,
    overdue: Vec<ActionLine>,
    owed_by_me: Vec<ActionLine>,
    unassigned: Vec<ActionLine>,
}

const SHOWN: i64 = 25;
/// A panel's secretariat serves a handful of committees; past this many the
/// home page lists the first ones (every committee's page is still there).
const COMMITTEES_SHOWN: i64 = 50;

fn unfinished() -> Vec<ActionStatus> {
    ActionStatus::ALL.into_iter().filter(|s| s.is_unfinished()).collect()
}

/// `/`: signed out, to the sign-in page; signed in, the page for the role.
pub async fn home(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let Some(session) = session::current(&req).await? else {
        return Ok(see_other("/sign-in"));
    };
    let caller = session.caller::<Read>().map_err(|e| PageError::Forbidden { detail: e.to_string() })?;
    let now = chrono::Utc::now().naive_utc();
    let lines = |views: Vec<crate::store::actions::ActionView>| {
        views.iter().take(SHOWN as usize).map(|v| ActionLine::new(v, None)).collect::<Vec<_>>()
    };
    let list = |filter: ActionFilter| ops::actions::list(&state, &caller, filter, false, None, SHOWN, now);

    let committees = ops::committees::overview(&state, &caller, COMMITTEES_SHOWN, now)
        .await?
        .into_iter()
        .map(|o| CommitteeSummary {
            id: o.committee.id,
            name: o.committee.name,
            next_meeting: o.next_meeting.map(|(m, due)| (m.id, view::meeting_name(&m), due)),
            open: o.unfinished,
            overdue: o.overdue,
        })
        .collect();

    let role = session.role;
    let (mut to_review, mut overdue, mut owed_by_me, mut unassigned) = (vec![], vec![], vec![], vec![]);
    if matches!(role, Role::Admin | Role::Secretariat) {
        to_review =
            lines(list(ActionFilter { statuses: vec![ActionStatus::ResponseSubmitted], ..Default::default() }).await?);
        overdue = lines(list(ActionFilter { overdue: Some(true), ..Default::default() }).await?);
    }
    if role == Role::Opcc {
        owed_by_me = lines(
            list(ActionFilter {
                owner_id: Some(UserId(session.user_id)),
                statuses: unfinished(),
                ..Default::default()
            })
            .await?,
        );
        unassigned =
            lines(list(ActionFilter { unassigned: true, statuses: unfinished(), ..Default::default() }).await?);
    }
    let page = HomePage {
        chrome: Chrome::new("Home", Some(&session), "/"),
        role,
        committees,
        to_review,
        overdue,
        owed_by_me,
        unassigned,
    };
    html(&page)
}
