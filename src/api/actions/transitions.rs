//! The lifecycle transitions, each its own documented operation but all
//! declared by one table ([`transitions!`]) and run by one function
//! ([`run_transition`]); and carry-forward, which moves the due meeting.

use actix_web::{post, web, HttpResponse};

use super::{Action, CarryForwardRequest, NoBody, ReasonRequest, ResponseRequest, TransitionRequest};
use crate::api::{resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::lifecycle::Requirement;
use crate::domain::text::{self, Checks};
use crate::domain::Transition;
use crate::error::{ApiError, Problem};
use crate::http::body::OptionalJson;
use crate::http::etag::IfMatch;
use crate::store::{self, actions as db, Actor};

/// Checks a transition's body against what the transition needs.
fn transition_fields(
    transition: Transition,
    body: TransitionRequest,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let mut checks = Checks::new();
    let needs = transition.requirement();
    let response = match (needs, body.response) {
        (Requirement::Response, Some(r)) => Some(checks.check(text::required("response", &r, text::LONG))),
        (Requirement::Response, None) => {
            checks.push("response", "is required to submit a response");
            None
        }
        (_, Some(_)) => {
            checks.push("response", format!("is not accepted by `{transition}`"));
            None
        }
        (_, None) => None,
    };
    let reason = match (needs, body.reason) {
        (Requirement::Reason, Some(r)) => Some(checks.check(text::required("reason", &r, text::LONG))),
        (Requirement::Reason, None) => {
            checks.push("reason", format!("is required to {transition}"));
            None
        }
        (_, Some(_)) => {
            checks.push("reason", format!("is not accepted by `{transition}`"));
            None
        }
        (_, None) => None,
    };
    checks.finish().map_err(ApiError::Validation)?;
    Ok((response, reason))
}

/// Runs one transition in a write transaction and answers with the action
/// and its new ETag: the body of every handler [`transitions!`] declares.
async fn run_transition(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    if_match: IfMatch,
    transition: Transition,
    body: TransitionRequest,
) -> Result<HttpResponse, ApiError> {
    let (response, reason) = transition_fields(transition, body)?;
    let now = store::now();
    let view = state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                db::transition(conn, id, if_match, transition, response.as_deref(), reason.as_deref(), &actor, now)
            })
        })
        .await?;
    let action = Action::from_view(view, store::utc(now));
    Ok(resource_response(action.version, &action))
}

/// Declares each lifecycle transition as its own operation: its handler (the
/// actix service and the OpenAPI path of the same name), operation id,
/// route, the capability it needs, the [`Transition`] it runs and the body
/// it documents. Everything else (the `If-Match`, the answers, the running)
/// is the same for all of them.
macro_rules! transitions {
    ($(
        $(#[doc = $doc:tt])*
        $name:ident: $operation_id:tt, $path:tt, $capability:ident, $transition:ident, body [$($body:tt)*];
    )*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(
            operation_id = $operation_id,
            security(("bearer" = [])),
            tag = "action lifecycle",
            request_body $($body)*,
            params(
                ("id" = i64, Path, description = "Action id"),
                ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
            ),
            responses(
                (status = 200, description = "The action after the transition", body = Action, headers(("ETag" = String, description = "Its new version"))),
                (status = 409, description = "Not allowed from the current status; `allowed_transitions` names those that are", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "A field the transition needs is missing or invalid", body = Problem, content_type = "application/problem+json"),
            )
        )]
        #[post($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            caller: Caller<policy::$capability>,
            id: web::Path<i64>,
            if_match: IfMatch,
            body: OptionalJson<TransitionRequest>,
        ) -> Result<HttpResponse, ApiError> {
            run_transition(state, caller.actor(), id.into_inner(), if_match, Transition::$transition, body.0).await
        }
    )*};
}

transitions! {
    /// Records that work on the action has started (open -> in_progress).
    start: "start_action", "/actions/{id}/start", RecordProgress, Start,
        body [(content = Option<NoBody>, description = "May be left out, or `{}`")];
    /// The OPCC writes the response and marks the action complete
    /// (open | in_progress -> response_submitted). Requires `response`.
    submit_response: "submit_action_response", "/actions/{id}/submit-response", RecordProgress, SubmitResponse,
        body [= ResponseRequest];
    /// The secretariat accepts the submitted response (response_submitted -> completed).
    accept: "accept_action_response", "/actions/{id}/accept", DecideResponse, Accept,
        body [(content = Option<NoBody>, description = "May be left out, or `{}`")];
    /// The secretariat returns a submitted response (response_submitted -> in_progress). Requires `reason`.
    return_response: "return_action_response", "/actions/{id}/return", DecideResponse, Return,
        body [= ReasonRequest];
    /// The secretariat reopens a completed or withdrawn action (-> open). Requires `reason`.
    reopen: "reopen_action", "/actions/{id}/reopen", ManageActions, Reopen,
        body [= ReasonRequest];
    /// Closes an unfinished action without it being done (-> withdrawn). Requires `reason`.
    withdraw: "withdraw_action", "/actions/{id}/withdraw", ManageActions, Withdraw,
        body [= ReasonRequest];
}

/// Moves an unfinished action's due meeting on to a later meeting and counts it.
#[utoipa::path(
    operation_id = "carry_action_forward",
    security(("bearer" = [])),
    tag = "action lifecycle",
    request_body(content = Option<CarryForwardRequest>, description = "May be left out: then the next meeting after the current due meeting"),
    params(
        ("id" = i64, Path, description = "Action id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The action, due at its new meeting", body = Action, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "The action is completed or withdrawn", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No later meeting, or the named one is not a later meeting of the committee", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/actions/{id}/carry-forward")]
pub async fn carry_forward(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageActions>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: OptionalJson<CarryForwardRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.0;
    let reason =
        text::optional("reason", body.reason.as_deref(), text::LONG).map_err(|e| ApiError::Validation(vec![e]))?;
    let actor = caller.actor();
    let now = store::now();
    let view = state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                db::carry_forward(conn, id, if_match, body.to_meeting_id, reason.as_deref(), &actor, now)
            })
        })
        .await?;
    let action = Action::from_view(view, store::utc(now));
    Ok(resource_response(action.version, &action))
}
