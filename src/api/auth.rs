use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::auth::policy::{self, Role};
use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::http::body::Json;
use crate::http::client_address::client_address;
use crate::ops;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    #[schema(example = "clerk")]
    pub username: String,
    #[schema(example = "correct horse battery staple")]
    pub password: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until it expires.
    #[schema(example = 3600)]
    pub expires_in: i64,
}

/// The caller as the service sees them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// `user`, `service` or `sso`.
    #[schema(example = "user")]
    pub kind: String,
    /// Username, service credential name, or single sign-on subject.
    #[schema(example = "clerk")]
    pub name: String,
    pub display_name: Option<String>,
    pub role: Role,
    /// A person's account only: where reminders before meetings are emailed (absent when nowhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A person's account only: whether they want reminder emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_emails: Option<bool>,
}

/// What a person may change about their own account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// Where reminders are emailed; `null` for nowhere.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(max_length = 254, example = "anna.clerk@council.example")]
    pub email: Option<Option<String>>,
    /// `false` turns reminder emails off (webhook reminders still name you).
    pub reminder_emails: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Signs in with a username and password and returns a bearer token.
///
/// Failed answers are slowed as failures grow. More than 20 failures from an
/// address within 15 minutes refuse that address for 15 minutes; more than 5
/// for one username from one address refuse that username there; more than
/// 5 for one username from anywhere refuse it at the addresses that failed
/// for it, while an address that has not failed for it can still sign in
/// (429 with `Retry-After` for each).
#[utoipa::path(
    operation_id = "create_token",
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong username or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failures; see Retry-After", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/token")]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let address = client_address(&req, &state.auth.trusted_proxies);
    let issued = ops::sign_in::sign_in(&state, body.username, body.password, address).await?;
    let body = TokenResponse { access_token: issued.token, token_type: "Bearer".into(), expires_in: issued.expires_in };
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(body))
}

/// Who the token belongs to, and their role.
#[utoipa::path(
    operation_id = "get_me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
    )
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Caller<policy::SignedIn>) -> Result<HttpResponse, ApiError> {
    let me = ops::sign_in::me(&state, &caller).await?;
    Ok(HttpResponse::Ok().json(Me::from(me)))
}

impl From<ops::sign_in::Me> for Me {
    fn from(me: ops::sign_in::Me) -> Self {
        Me {
            kind: me.kind.into(),
            name: me.name,
            display_name: me.display_name,
            role: me.role,
            email: me.email,
            reminder_emails: me.reminder_emails,
        }
    }
}

/// Changes the caller's own email address, or turns their reminder emails
/// off or on. For people's accounts (403 for a service or single sign-on caller).
#[utoipa::path(
    operation_id = "update_me",
    tag = "auth",
    security(("bearer" = [])),
    request_body = MePatch,
    responses(
        (status = 200, description = "The caller as changed", body = Me),
        (status = 403, description = "Not a person's account (a service or single sign-on caller)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    caller: Caller<policy::SignedIn>,
    body: Json<MePatch>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = crate::domain::text::Checks::new();
    let email = body.email.map(|e| e.map(|e| checks.check(crate::domain::text::email("email", &e))));
    checks.finish().map_err(ApiError::Validation)?;
    let me = ops::sign_in::update_me(&state, &caller, email, body.reminder_emails).await?;
    Ok(HttpResponse::Ok().json(Me::from(me)))
}

/// Changes the caller's own password. Every token issued before stops working,
/// this one included: sign in again.
#[utoipa::path(
    operation_id = "change_my_password",
    tag = "auth",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 403, description = "The current password is wrong, or not a password account (service or single sign-on)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too weak a new password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = String, description = "Seconds to wait"))),
    )
)]
#[post("/me/password")]
pub async fn change_my_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller<policy::SignedIn>,
    body: Json<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let address = client_address(&req, &state.auth.trusted_proxies);
    ops::sign_in::change_own_password(&state, &caller, body.current_password, body.new_password, address).await?;
    Ok(HttpResponse::NoContent().finish())
}
