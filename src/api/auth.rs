use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AppState;
use crate::auth::policy::{self, Role};
use crate::auth::throttle::{self, Subjects};
use crate::auth::token::{Claims, TokenKind, AUDIENCE, ISSUER};
use crate::auth::{password, Caller, Identity};
use crate::error::{ApiError, FieldError, Problem};
use crate::http::body::Json;
use crate::http::client_address::client_address;
use crate::store::{self, users};

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
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

pub fn new_jti() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

fn failed_sign_in() -> ApiError {
    ApiError::Unauthorized("the username or password is wrong".into())
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
    // A username that could never exist is refused like a wrong password,
    // before it reaches the database (PostgreSQL refuses NUL in text), and
    // nothing is written for it. Not the full username rule: accounts made
    // by the command line before it applied the rule must still sign in.
    let plausible = !body.username.is_empty()
        && body.username.len() <= 200
        && !body.username.chars().any(char::is_control)
        && body.password.len() <= password::MAX_LENGTH * 4;
    if !plausible {
        return Err(failed_sign_in());
    }
    let subjects = Subjects::new(&body.username, client_address(&req, &state.auth.trusted_proxies));
    let now = store::now();
    let username = body.username.clone();
    let (subjects, counted, user) = state
        .db(move |conn| {
            // Counted before the password is checked, so parallel guesses count too.
            let counted = users::begin_sign_in_attempt(conn, &subjects, now)?;
            let user = users::find_by_username(conn, &username)?;
            Ok((subjects, counted, user))
        })
        .await?;
    // The hash is checked off the pool (it takes a while) and whether or not
    // the user exists, so the two failures take the same time.
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let given = body.password;
    let matches = web::block(move || match hash {
        Some(hash) => password::verify(&given, &hash),
        None => {
            password::verify_dummy(&given);
            false
        }
    })
    .await?;
    match user {
        Some(user) if matches && user.active => {
            state.db(move |conn| users::sign_in_succeeded(conn, &subjects, now)).await?;
            let auth = &state.auth;
            let claims = Claims {
                sub: user.username.clone(),
                role: user.role,
                iat: now.and_utc().timestamp(),
                nbf: now.and_utc().timestamp(),
                exp: now.and_utc().timestamp() + auth.token_ttl_secs,
                iss: ISSUER.into(),
                aud: AUDIENCE.into(),
                jti: new_jti(),
                kind: TokenKind::User,
                generation: user.token_generation,
            };
            let token = auth.keys.issue(&claims).map_err(ApiError::internal)?;
            let body =
                TokenResponse { access_token: token, token_type: "Bearer".into(), expires_in: auth.token_ttl_secs };
            Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(body))
        }
        _ => {
            actix_web::rt::time::sleep(throttle::delay(counted.most())).await;
            Err(failed_sign_in())
        }
    }
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
    let me = match caller.identity {
        Identity::User { id, username } => {
            let user = state.db(move |conn| users::get(conn, id)).await?;
            Me { kind: "user".into(), name: username, display_name: Some(user.display_name), role: caller.role }
        }
        Identity::Service { name, .. } => Me { kind: "service".into(), name, display_name: None, role: caller.role },
        Identity::Sso { subject } => Me { kind: "sso".into(), name: subject, display_name: None, role: caller.role },
    };
    Ok(HttpResponse::Ok().json(me))
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
    let Identity::User { id, username } = caller.identity else {
        return Err(ApiError::Forbidden("only people who sign in with a password have one to change".into()));
    };
    let body = body.into_inner();
    password::check_new(&body.new_password)
        .map_err(|m| ApiError::Validation(vec![FieldError::new("new_password", m)]))?;
    let now = store::now();
    let subjects = Subjects::new(&username, client_address(&req, &state.auth.trusted_proxies));
    let (subjects, user) = state
        .db(move |conn| {
            // Guessing the current password is throttled like signing in.
            users::begin_sign_in_attempt(conn, &subjects, now)?;
            Ok((subjects, users::get(conn, id)?))
        })
        .await?;
    let new_hash = web::block(move || {
        if !password::verify(&body.current_password, &user.password_hash) {
            // The request is well formed; the caller is not allowed to make
            // this change without the password, so 403 (and the attempt counts).
            return Err(ApiError::Forbidden("the current password is wrong".into()));
        }
        password::hash(&body.new_password).map_err(ApiError::internal)
    })
    .await??;
    state
        .db(move |conn| {
            crate::db::write_transaction(conn, |conn| users::set_password(conn, id, &new_hash, now))?;
            users::sign_in_succeeded(conn, &subjects, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
