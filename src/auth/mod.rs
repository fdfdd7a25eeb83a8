//! Sign-in and access control: tokens, the policy table, and the `Caller`
//! extractor that every guarded handler names in its signature.

pub mod password;
pub mod policy;
pub mod secret;
pub mod throttle;
pub mod token;

use std::future::{ready, Ready};
use std::marker::PhantomData;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use jsonwebtoken::Algorithm;

use crate::api::AppState;
use crate::error::ApiError;
use crate::store::{self, users, Actor};
use policy::{Requirement, Role};
use token::{SsoKeys, TokenKeys, TokenKind};

/// Everything needed to check credentials; the same on every instance.
#[derive(Clone)]
pub struct AuthConfig {
    pub keys: TokenKeys,
    /// Lifetime of a person's token, in seconds.
    pub token_ttl_secs: i64,
    /// Lifetime of a service credential, in days, unless the admin names another.
    pub service_token_ttl_days: i64,
    pub sso: Option<SsoKeys>,
    /// Load balancers whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<crate::http::client_address::Network>,
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    User { id: i64, username: String },
    Service { id: i64, name: String },
    Sso { subject: String },
}

/// An authenticated caller whose role allows `R`'s capability. Extracting it
/// answers 401 for missing or bad credentials and 403 for a role that may not.
pub struct Caller<R: Requirement> {
    pub identity: Identity,
    pub role: Role,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> Caller<R> {
    /// The name recorded in timelines.
    pub fn actor(&self) -> Actor {
        match &self.identity {
            Identity::User { username, .. } => Actor(username.clone()),
            Identity::Service { name, .. } => Actor::service(name),
            Identity::Sso { subject } => Actor::sso(subject),
        }
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("this endpoint needs a bearer token from POST /api/v1/auth/token".into())
    })?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized("the Authorization header is not ASCII".into()))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(token.trim().to_string())
        }
        _ => Err(ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())),
    }
}

fn invalid_token() -> ApiError {
    ApiError::Unauthorized("the token is invalid, expired or revoked; sign in again".into())
}

/// Checks a bearer token and finds who it names, with their current role.
pub async fn authenticate(state: &AppState, token: String) -> Result<(Identity, Role), ApiError> {
    let now = store::now();
    match token::algorithm(&token).map_err(|_| invalid_token())? {
        Algorithm::HS256 => {
            let claims = state.auth.keys.verify(&token, now.and_utc().timestamp()).map_err(|e| {
                log::info!("token refused: {e}");
                invalid_token()
            })?;
            state
                .db(move |conn| match claims.kind {
                    TokenKind::User => {
                        let user = users::find_by_username(conn, &claims.sub)?.ok_or_else(invalid_token)?;
                        if !user.active || user.token_generation != claims.generation {
                            return Err(invalid_token());
                        }
                        let role = user.role;
                        Ok((Identity::User { id: user.id, username: user.username }, role))
                    }
                    TokenKind::Service => {
                        let credential = users::find_credential_by_jti(conn, &claims.jti)?.ok_or_else(invalid_token)?;
                        if credential.revoked_at.is_some() || credential.expires_at <= now {
                            return Err(invalid_token());
                        }
                        users::touch_credential(conn, credential.id, now)?;
                        let role = credential.role;
                        Ok((Identity::Service { id: credential.id, name: credential.name }, role))
                    }
                })
                .await
        }
        Algorithm::RS256 => {
            let sso = state.auth.sso.as_ref().ok_or_else(invalid_token)?;
            let identity = sso.verify(&token).map_err(|e| {
                log::info!("single sign-on token refused: {e}");
                invalid_token()
            })?;
            let role = identity.role.ok_or_else(|| {
                ApiError::Forbidden("your identity provider's groups map to no panel-tracker role".into())
            })?;
            let subject = identity.subject;
            // An admin's local block outranks the identity provider.
            state
                .db(move |conn| match users::sso_subject_blocked(conn, &subject)? {
                    true => Err(invalid_token()),
                    false => Ok((Identity::Sso { subject }, role)),
                })
                .await
        }
        _ => Err(invalid_token()),
    }
}

/// Who a request was authenticated as, put in the request by [`authenticate_requests`].
#[derive(Debug, Clone)]
struct Authenticated {
    identity: Identity,
    role: Role,
}

/// The API routes anyone may call without a token.
fn is_public(path: &str) -> bool {
    !path.starts_with("/api/v1/") || path == "/api/v1/auth/token"
}

/// Middleware: every request under `/api/v1` except sign-in must carry valid
/// credentials, checked before anything else about the request, so a caller
/// without them learns nothing (401 whatever the path, body or query).
pub async fn authenticate_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    // The path as the router matches it (percent-decoded), not the raw URI:
    // `/%61pi/v1/...` must not pass for a public path.
    if !is_public(req.match_info().as_str()) {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::internal("application state missing"))?;
        let (identity, role) = authenticate(&state, bearer(req.request())?).await?;
        req.extensions_mut().insert(Authenticated { identity, role });
    }
    next.call(req).await
}

impl<R: Requirement> FromRequest for Caller<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    /// The role check; authentication already happened in the middleware.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<Authenticated>().cloned();
        ready(match found {
            None => {
                Err(ApiError::Unauthorized("this endpoint needs a bearer token from POST /api/v1/auth/token".into()))
            }
            Some(a) if !policy::allows(R::CAPABILITY, a.role) => {
                Err(ApiError::Forbidden(format!("the {} role may not do this", a.role)))
            }
            Some(Authenticated { identity: Identity::Service { .. }, .. }) if policy::people_only(R::CAPABILITY) => {
                Err(ApiError::Forbidden("service credentials cannot manage users or service credentials".into()))
            }
            Some(a) => Ok(Caller { identity: a.identity, role: a.role, _requirement: PhantomData }),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_sign_in_and_non_api_paths_are_public() {
        assert!(super::is_public("/healthz"));
        assert!(super::is_public("/docs/"));
        assert!(super::is_public("/api-docs/openapi.json"));
        assert!(super::is_public("/api/v1/auth/token"));
        assert!(!super::is_public("/api/v1/actions"));
        assert!(!super::is_public("/api/v1/auth/token/../../users"));
        assert!(!super::is_public("/api/v1/no-such-thing"));
    }
}
