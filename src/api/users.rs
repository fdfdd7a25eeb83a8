//! Administration of people and of service credentials for council systems.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{page_response, resource_response, AppState};
use crate::auth::policy::{self, Role};
use crate::auth::Caller;
use crate::domain::ids::{CredentialId, SsoBlockId, UserId};
use crate::domain::text::{self, Checks};
use crate::error::{ApiError, Problem};
use crate::http::body::{Json, OptionalJson};
use crate::http::etag::IfMatch;
use crate::http::pagination::{self, Page, PageQuery};
use crate::ops::{self, users::NewUserInput};
use crate::store::users::UserChanges;
use crate::store::{self, users};

/// A person who signs in. The password hash never leaves the service.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i64,
    #[schema(example = "clerk")]
    pub username: String,
    #[schema(example = "Anna Clerk, Democratic Services")]
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Where reminders before meetings are emailed.
    #[schema(example = "anna.clerk@council.example")]
    pub email: Option<String>,
    /// Whether they want reminder emails (each person may turn them off).
    pub reminder_emails: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<users::User> for User {
    fn from(u: users::User) -> Self {
        User {
            role: u.role,
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            active: u.active,
            email: u.email,
            reminder_emails: u.reminder_emails,
            version: u.version,
            created_at: store::utc(u.created_at),
            updated_at: store::utc(u.updated_at),
        }
    }
}

/// A user just created or given a new password; a generated password is shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UserWithPassword {
    pub user: User,
    /// Present when the service generated the password: pass it on, it is not shown again.
    pub generated_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// 2 to 64 lower-case letters, digits, dots, hyphens or underscores.
    #[schema(example = "clerk")]
    pub username: String,
    #[schema(example = "Anna Clerk, Democratic Services", max_length = 200)]
    pub display_name: String,
    pub role: Role,
    /// At least 12 characters; leave out to have one generated.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(max_length = 200)]
    pub display_name: Option<String>,
    pub role: Option<Role>,
    /// `false` deactivates the user and ends every token issued to them.
    pub active: Option<bool>,
    /// Where reminders are emailed; `null` for nowhere.
    #[serde(default, deserialize_with = "super::nullable")]
    #[schema(max_length = 254)]
    pub email: Option<Option<String>>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// At least 12 characters; leave out to have one generated.
    pub password: Option<String>,
}

/// A long-lived token for another council system. The token itself is shown once, at creation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceCredential {
    pub id: i64,
    #[schema(example = "committee-management-sync")]
    pub name: String,
    pub role: Role,
    #[schema(example = "admin")]
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When the token was last used (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<users::ServiceCredential> for ServiceCredential {
    fn from(c: users::ServiceCredential) -> Self {
        ServiceCredential {
            role: c.role,
            id: c.id,
            name: c.name,
            created_by: c.created_by,
            created_at: store::utc(c.created_at),
            expires_at: store::utc(c.expires_at),
            last_used_at: c.last_used_at.map(store::utc),
            revoked_at: c.revoked_at.map(store::utc),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IssuedServiceCredential {
    pub credential: ServiceCredential,
    /// Send as `Authorization: Bearer <token>`. Shown only now.
    pub token: String,
}

/// The roles a service credential may hold: any but `admin`. A long-lived
/// token kept on another system that could manage users could deactivate
/// every admin and then revoke itself; council systems never need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceRole {
    Reader,
    Member,
    Opcc,
    Secretariat,
}

impl From<ServiceRole> for Role {
    fn from(r: ServiceRole) -> Role {
        match r {
            ServiceRole::Reader => Role::Reader,
            ServiceRole::Member => Role::Member,
            ServiceRole::Opcc => Role::Opcc,
            ServiceRole::Secretariat => Role::Secretariat,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceCredentialRequest {
    #[schema(example = "committee-management-sync", max_length = 200)]
    pub name: String,
    /// Normally `reader`, the default.
    pub role: Option<ServiceRole>,
    /// Days until it expires (default `SERVICE_TOKEN_TTL_DAYS`, at most 3650).
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

/// Lists users.
#[utoipa::path(
    operation_id = "list_users",
    tag = "administration",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<User>),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = query.by_id()?;
    let rows = ops::users::list(&state, &caller, after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |u| vec![u.id], User::from)))
}

/// Creates a user; without a password one is generated and shown once.
#[utoipa::path(
    operation_id = "create_user",
    tag = "administration",
    security(("bearer" = [])),
    request_body = NewUserRequest,
    responses(
        (status = 201, description = "Created", body = UserWithPassword),
        (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    body: Json<NewUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewUserInput {
        username: body.username,
        display_name: body.display_name,
        role: body.role,
        password: body.password,
    };
    let (user, generated_password) = ops::users::create(&state, &caller, new).await?;
    let location = format!("/api/v1/users/{}", user.id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-store"))
        .json(UserWithPassword { user: User::from(user), generated_password }))
}

/// Fetches a user.
#[utoipa::path(
    operation_id = "get_user",
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String, description = "Its version"))),
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let user = ops::users::get(&state, &caller, UserId(id.into_inner())).await?;
    Ok(resource_response(user.version, &User::from(user)))
}

/// Edits a user's name or role, or deactivates them (ending their tokens and
/// revoking the service credentials they issued). Admins cannot deactivate or
/// demote themselves, and nobody can deactivate or demote the last active
/// admin (409).
#[utoipa::path(
    operation_id = "update_user",
    tag = "administration",
    security(("bearer" = [])),
    request_body = UserPatch,
    params(
        ("id" = i64, Path, description = "User id"),
        ("If-Match" = String, Header, description = "The ETag from the last GET, e.g. `\"1\"`"),
    ),
    responses(
        (status = 200, description = "The user as changed", body = User, headers(("ETag" = String, description = "Its new version"))),
        (status = 409, description = "An admin deactivating or demoting themselves, or anyone deactivating or demoting the last active admin", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut checks = Checks::new();
    let changes = UserChanges {
        display_name: body
            .display_name
            .as_deref()
            .map(|d| checks.check(text::required("display_name", d, text::SHORT))),
        role: body.role,
        active: body.active,
        email: body.email.map(|e| e.map(|e| checks.check(text::email("email", &e)))),
        reminder_emails: None,
    };
    checks.finish().map_err(ApiError::Validation)?;
    let user = ops::users::update(&state, &caller, UserId(id.into_inner()), if_match.0, changes).await?;
    Ok(resource_response(user.version, &User::from(user)))
}

/// Sets a new password for a user (generated when none is given) and ends their tokens.
/// Not for the admin's own account (409): that is `POST /me/password`.
#[utoipa::path(
    operation_id = "reset_user_password",
    tag = "administration",
    security(("bearer" = [])),
    request_body(content = Option<PasswordReset>, description = "May be left out: then a password is generated"),
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Reset", body = UserWithPassword),
        (status = 409, description = "The caller's own account (use /me/password)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too weak a password", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{id}/password")]
pub async fn reset_user_password(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    id: web::Path<i64>,
    body: OptionalJson<PasswordReset>,
) -> Result<HttpResponse, ApiError> {
    let (user, generated_password) =
        ops::users::reset_password(&state, &caller, UserId(id.into_inner()), body.0.password).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(UserWithPassword { user: User::from(user), generated_password }))
}

/// Lists service credentials, with when each was last used.
#[utoipa::path(
    operation_id = "list_service_credentials",
    tag = "administration",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of service credentials", body = Page<ServiceCredential>),
    )
)]
#[get("/service-credentials")]
pub async fn list_service_credentials(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = query.by_id()?;
    let rows = ops::users::list_credentials(&state, &caller, after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |c| vec![c.id], ServiceCredential::from)))
}

/// Issues a named, long-lived token for another council system.
#[utoipa::path(
    operation_id = "create_service_credential",
    tag = "administration",
    security(("bearer" = [])),
    request_body = NewServiceCredentialRequest,
    responses(
        (status = 201, description = "Issued; the token is shown only now", body = IssuedServiceCredential),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/service-credentials")]
pub async fn create_service_credential(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    body: Json<NewServiceCredentialRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let role = Role::from(body.role.unwrap_or(ServiceRole::Reader));
    let (credential, token) =
        ops::users::issue_credential(&state, &caller, &body.name, role, body.expires_in_days).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(IssuedServiceCredential { credential: ServiceCredential::from(credential), token }))
}

/// Revokes a service credential: its token stops working at once on every instance.
#[utoipa::path(
    operation_id = "revoke_service_credential",
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Service credential id")),
    responses(
        (status = 200, description = "Revoked", body = ServiceCredential),
    )
)]
#[post("/service-credentials/{id}/revoke")]
pub async fn revoke_service_credential(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let credential = ops::users::revoke_credential(&state, &caller, CredentialId(id.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ServiceCredential::from(credential)))
}

/// A single sign-on subject refused here whatever the identity provider says.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SsoBlock {
    pub id: i64,
    /// The identity provider's `sub` for the person, exactly as it sends it.
    #[schema(example = "a.leaver@council.example")]
    pub subject: String,
    #[schema(example = "Left the council on 30 November; account closure pending")]
    pub reason: String,
    /// Who blocked it.
    #[schema(example = "admin")]
    pub blocked_by: String,
    pub blocked_at: DateTime<Utc>,
}

impl From<users::SsoBlock> for SsoBlock {
    fn from(b: users::SsoBlock) -> Self {
        SsoBlock {
            id: b.id,
            subject: b.subject,
            reason: b.reason,
            blocked_by: b.blocked_by,
            blocked_at: store::utc(b.blocked_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSsoBlockRequest {
    #[schema(example = "a.leaver@council.example", max_length = 200)]
    pub subject: String,
    #[schema(example = "Left the council on 30 November; account closure pending", max_length = 200)]
    pub reason: String,
}

/// Lists the single sign-on subjects blocked here.
#[utoipa::path(
    operation_id = "list_sso_blocks",
    tag = "administration",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of blocks", body = Page<SsoBlock>),
    )
)]
#[get("/sso-blocks")]
pub async fn list_sso_blocks(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    req: HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (after, limit) = query.by_id()?;
    let rows = ops::users::list_sso_blocks(&state, &caller, after, limit).await?;
    Ok(page_response(&req, pagination::page(rows, limit, |b| vec![b.id], SsoBlock::from)))
}

/// Blocks a single sign-on subject: its tokens are refused (401) on every
/// instance at once, and the service credentials it issued are revoked.
/// For someone who must lose access before the identity provider acts.
#[utoipa::path(
    operation_id = "create_sso_block",
    tag = "administration",
    security(("bearer" = [])),
    request_body = NewSsoBlockRequest,
    responses(
        (status = 201, description = "Blocked", body = SsoBlock,
            headers(("Location" = String, description = "The new block"))),
        (status = 409, description = "Already blocked, or the caller's own subject", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/sso-blocks")]
pub async fn create_sso_block(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    body: Json<NewSsoBlockRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let block = ops::users::block_sso_subject(&state, &caller, body.subject, &body.reason).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/sso-blocks/{}", block.id)))
        .json(SsoBlock::from(block)))
}

/// Lifts a block: the subject's tokens are accepted again.
#[utoipa::path(
    operation_id = "delete_sso_block",
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Block id")),
    responses(
        (status = 204, description = "Lifted"),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/sso-blocks/{id}")]
pub async fn delete_sso_block(
    state: web::Data<AppState>,
    caller: Caller<policy::ManageUsers>,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    ops::users::unblock_sso_subject(&state, &caller, SsoBlockId(id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}
