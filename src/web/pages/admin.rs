//! Administration: users (create, change role, deactivate, reset password)
//! and service credentials (issue, shown once; revoke). Admins only, and
//! only people (`auth::policy::people_only`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::auth::policy::ManageUsers;
use crate::domain::{CredentialId, Error, FieldError, Role, UserId, Version};
use crate::ops::users::NewUserInput;
use crate::ops::{self, AppState};
use crate::store::users::{ServiceCredential, User, UserChanges};
use crate::web::session::{Posted, Signed};
use crate::web::view;
use crate::web::{field_message, html_with_status, see_other, Chrome, PageError};

const ROLES: [Role; 5] = [Role::Admin, Role::Secretariat, Role::Opcc, Role::Member, Role::Reader];

fn roles() -> Vec<(&'static str, &'static str)> {
    ROLES.iter().map(|r| (r.as_str(), view::role_label(*r))).collect()
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<User>,
    roles: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    typed: NewUserForm,
    /// A password generated just now, shown once.
    shown_once: Option<(String, String)>,
}

impl UsersPage {
    fn error(&self, field: &str) -> Option<String> {
        field_message(&self.errors, field)
    }
    fn role_label(&self, role: &Role) -> &'static str {
        view::role_label(*role)
    }
}

#[derive(Deserialize, Default)]
struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

async fn users_page(
    state: &AppState,
    session: &crate::ops::sessions::BrowserSession,
    caller: &crate::auth::Caller<ManageUsers>,
    status: StatusCode,
    errors: Vec<FieldError>,
    typed: NewUserForm,
    shown_once: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let users = ops::users::list(state, caller, None, 500).await?.into_iter().take(500).collect();
    html_with_status(
        status,
        &UsersPage {
            chrome: Chrome::new("Users", Some(session), "/admin/users"),
            users,
            roles: roles(),
            errors,
            typed,
            shown_once,
        },
    )
}

pub async fn users(page: Signed<ManageUsers>, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    users_page(&state, &page.session, &page.caller, StatusCode::OK, vec![], NewUserForm::default(), None).await
}

/// Creates a user with a generated password, shown once on the next page.
pub async fn create_user(posted: Posted<ManageUsers>, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let form: NewUserForm = posted.form()?;
    let Ok(role) = form.role.parse::<Role>() else {
        let errors = vec![FieldError::new("role", "Choose a role")];
        return users_page(
            &state,
            &posted.session,
            &posted.caller,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            form,
            None,
        )
        .await;
    };
    let input = NewUserInput {
        username: form.username.trim().to_string(),
        display_name: form.display_name.trim().to_string(),
        role,
        password: None,
    };
    match ops::users::create(&state, &posted.caller, input).await {
        Ok((user, generated)) => {
            let shown = generated.map(|p| (user.username.clone(), p));
            users_page(&state, &posted.session, &posted.caller, StatusCode::OK, vec![], NewUserForm::default(), shown)
                .await
        }
        Err(Error::Invalid(errors)) => {
            users_page(&state, &posted.session, &posted.caller, StatusCode::UNPROCESSABLE_ENTITY, errors, form, None)
                .await
        }
        Err(Error::Conflict(message)) => {
            let errors = vec![FieldError::new("username", &message)];
            users_page(&state, &posted.session, &posted.caller, StatusCode::CONFLICT, errors, form, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct UserAction {
    #[serde(default)]
    action: String,
    #[serde(default)]
    role: String,
    version: i64,
}

/// Changes a user's role, deactivates or reactivates them, or resets their
/// password (shown once). Deactivating and resetting end their sessions.
pub async fn update_user(
    posted: Posted<ManageUsers>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let form: UserAction = posted.form()?;
    let id = UserId(*id);
    let changes = match form.action.as_str() {
        "deactivate" => UserChanges { active: Some(false), ..Default::default() },
        "reactivate" => UserChanges { active: Some(true), ..Default::default() },
        "role" => UserChanges {
            role: Some(form.role.parse::<Role>().map_err(|_| PageError::BadForm("Choose a role".into()))?),
            ..Default::default()
        },
        "reset_password" => {
            let (user, generated) = ops::users::reset_password(&state, &posted.caller, id, None).await?;
            let shown = generated.map(|p| (user.username, p));
            return users_page(
                &state,
                &posted.session,
                &posted.caller,
                StatusCode::OK,
                vec![],
                Default::default(),
                shown,
            )
            .await;
        }
        _ => return Err(PageError::BadForm("unknown action".into())),
    };
    ops::users::update(&state, &posted.caller, id, Version(form.version), changes).await?;
    Ok(see_other("/admin/users"))
}

#[derive(Template)]
#[template(path = "credentials.html")]
struct CredentialsPage {
    chrome: Chrome,
    credentials: Vec<ServiceCredential>,
    roles: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    /// A token issued just now, shown once.
    shown_once: Option<(String, String)>,
}

impl CredentialsPage {
    fn error(&self, field: &str) -> Option<String> {
        field_message(&self.errors, field)
    }
    fn role_label(&self, role: &Role) -> &'static str {
        view::role_label(*role)
    }
}

async fn credentials_page(
    state: &AppState,
    posted_or_page: (&crate::ops::sessions::BrowserSession, &crate::auth::Caller<ManageUsers>),
    status: StatusCode,
    errors: Vec<FieldError>,
    shown_once: Option<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let (session, caller) = posted_or_page;
    let credentials = ops::users::list_credentials(state, caller, None, 500).await?.into_iter().take(500).collect();
    let roles = roles().into_iter().filter(|(r, _)| *r != "admin").collect();
    html_with_status(
        status,
        &CredentialsPage {
            chrome: Chrome::new("Service credentials", Some(session), "/admin/credentials"),
            credentials,
            roles,
            errors,
            shown_once,
        },
    )
}

pub async fn credentials(page: Signed<ManageUsers>, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    credentials_page(&state, (&page.session, &page.caller), StatusCode::OK, vec![], None).await
}

#[derive(Deserialize)]
struct IssueForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn issue_credential(
    posted: Posted<ManageUsers>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let form: IssueForm = posted.form()?;
    let who = (&posted.session, &posted.caller);
    let Ok(role) = form.role.parse::<Role>() else {
        let errors = vec![FieldError::new("role", "Choose a role")];
        return credentials_page(&state, who, StatusCode::UNPROCESSABLE_ENTITY, errors, None).await;
    };
    match ops::users::issue_credential(&state, &posted.caller, form.name.trim(), role, None).await {
        Ok((credential, token)) => {
            credentials_page(&state, who, StatusCode::OK, vec![], Some((credential.name, token))).await
        }
        Err(Error::Invalid(errors)) => {
            credentials_page(&state, who, StatusCode::UNPROCESSABLE_ENTITY, errors, None).await
        }
        Err(Error::Conflict(message)) => {
            credentials_page(&state, who, StatusCode::CONFLICT, vec![FieldError::new("name", &message)], None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_credential(
    posted: Posted<ManageUsers>,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    ops::users::revoke_credential(&state, &posted.caller, CredentialId(*id)).await?;
    Ok(see_other("/admin/credentials"))
}
