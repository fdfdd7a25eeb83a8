//! The secretariat's review queue: submitted responses to accept or return.

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;

use crate::auth::policy::{DecideResponse, Read};
use crate::domain::ActionStatus;
use crate::ops::{self, AppState};
use crate::store::actions::ActionFilter;
use crate::web::session::Signed;
use crate::web::{html, Chrome, PageError};

struct Submitted {
    id: i64,
    reference: String,
    description: String,
    owner: String,
    response: String,
    version: i64,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    chrome: Chrome,
    submitted: Vec<Submitted>,
}

pub async fn queue(page: Signed<DecideResponse>, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let Signed { session, .. } = page;
    let reader = session.caller::<Read>()?;
    let filter = ActionFilter { statuses: vec![ActionStatus::ResponseSubmitted], ..Default::default() };
    let views = ops::actions::list(&state, &reader, filter, false, None, 200, Utc::now().naive_utc()).await?;
    let submitted = views
        .into_iter()
        .take(200)
        .map(|v| Submitted {
            id: v.row.id,
            reference: v.row.reference,
            description: v.row.description,
            owner: v.row.owner.unwrap_or_else(|| "Unassigned".into()),
            response: v.row.response.unwrap_or_default(),
            version: v.row.version,
        })
        .collect();
    html(&ReviewPage { chrome: Chrome::new("Review responses", Some(&session), "/review"), submitted })
}
