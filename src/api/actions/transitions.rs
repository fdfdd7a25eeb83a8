//! The lifecycle transitions, each its own documented operation but all
//! declared by one table ([`transitions!`]) and run by one function
//! ([`run_transition`]); and carry-forward, which moves the due meeting.

use actix_web::{post, web, HttpResponse};
use chrono::Utc;

use super::{Action, CarryForwardRequest, NoBody, ReasonRequest, ResponseRequest, TransitionRequest};
use crate::api::{resource_response, AppState};
use crate::auth::{policy, Caller};
use crate::domain::ids::ActionId;
use crate::domain::Transition;
use crate::error::{ApiError, Problem};
use crate::http::body::OptionalJson;
use crate::http::etag::IfMatch;
use crate::ops::{self, actions::TransitionInput};

/// Runs one transition for a caller whose capability is the one the policy
/// table gives it, and answers with the action and its new ETag: the body
/// of every handler [`transitions!`] declares.
async fn run_transition<R: policy::Requirement>(
    state: web::Data<AppState>,
    caller: Caller<R>,
    id: i64,
    if_match: IfMatch,
    transition: Transition,
    body: TransitionRequest,
) -> Result<HttpResponse, ApiError> {
    let input = TransitionInput { response: body.response, reason: body.reason };
    let view = ops::actions::transition(&state, &caller, ActionId(id), if_match.0, transition, input).await?;
    let action = Action::from_view(view, Utc::now());
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
            run_transition(state, caller, id.into_inner(), if_match, Transition::$transition, body.0).await
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
    let body = body.0;
    let view = ops::actions::carry_forward(
        &state,
        &caller,
        ActionId(id.into_inner()),
        if_match.0,
        body.to_meeting_id,
        body.reason,
    )
    .await?;
    let action = Action::from_view(view, Utc::now());
    Ok(resource_response(action.version, &action))
}
