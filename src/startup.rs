//! Builds the application: the pool, migrations, the router and the server.
//! Tests start exactly this, on port 0.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, Logger};
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, AppState};
use crate::auth::token::{parse_role_map, SsoKeys, TokenKeys};
use crate::auth::AuthConfig;
use crate::config::{Limits, Settings};
use crate::db;
use crate::http::body;

pub struct Application {
    port: u16,
    server: Server,
    /// What the webhook worker shares with the handlers.
    state: web::Data<AppState>,
    /// SQLite's background checkpoints, for as long as the server runs.
    _checkpointer: Option<db::Checkpointer>,
}

impl Application {
    /// Connects, migrates and binds; `BIND_ADDR` with port 0 picks a free port.
    pub fn build(settings: &Settings) -> Result<Self, Box<dyn std::error::Error>> {
        db::warn_if_readable_by_others(&settings.database);
        {
            let mut conn = db::connect(&settings.database)?;
            let ran = db::run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
            if ran > 0 {
                log::info!("applied {ran} migration(s)");
            }
        }
        let limits = settings.limits;
        let pool = db::build_pool_with(&settings.database, settings.pool_size, limits.pool_wait, limits.busy_timeout)?;
        let auth = auth_config(settings)?;
        let listener = TcpListener::bind(&settings.bind_addr)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        if !settings.sessions.secure_cookies && !listener.local_addr()?.ip().is_loopback() {
            // Behind an https load balancer the service cannot see the TLS: it must be told.
            log::warn!(
                "web session cookies are sent without Secure: set PUBLIC_URL=https://... when people reach \
                 this service over https"
            );
        }
        let public_limiter = crate::http::rate_limit::Limiter::new(settings.public_rate_limit);
        let webhooks = settings.webhooks.clone();
        let reminders = settings.reminders.clone();
        let state = AppState { pool, auth, sessions: settings.sessions, public_limiter, webhooks, reminders };
        let state = web::Data::new(state);
        let server = run(listener, state.clone(), settings.workers, limits)?;
        let checkpointer = db::Checkpointer::start(&settings.database);
        Ok(Application { port, server, state, _checkpointer: checkpointer })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from outside (tests stop theirs when they end).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Application { server, state, _checkpointer: checkpointer, .. } = self;
        // The webhook worker runs as long as the server does.
        let worker = actix_web::rt::spawn(crate::webhooks::run(state.clone()));
        let reminders = actix_web::rt::spawn(crate::reminders::run(state));
        let result = server.await;
        worker.abort();
        reminders.abort();
        drop(checkpointer);
        result
    }
}

/// Keys for the service's own tokens and, when configured, the council's
/// identity provider. A weak or unreadable secret stops start-up.
pub fn auth_config(settings: &Settings) -> Result<AuthConfig, String> {
    let secret = crate::auth::secret::load(&settings.jwt_secret)?;
    let keys = TokenKeys::from_secret(&secret)?;
    let sso = match &settings.sso {
        None => None,
        Some(sso) => {
            // Whoever can write the key set can sign in as anyone.
            let jwks = crate::auth::secret::read_checked(&sso.jwks_file, crate::auth::secret::Contents::PublicKeys)
                .map_err(|e| format!("SSO_JWKS_FILE: {e}"))?;
            let role_map = parse_role_map(&sso.role_map)?;
            Some(SsoKeys::from_jwks(&jwks, sso.issuer.clone(), sso.audience.clone(), sso.role_claim.clone(), role_map)?)
        }
    };
    Ok(AuthConfig {
        keys,
        token_ttl_secs: settings.token_ttl_secs,
        service_token_ttl_days: settings.service_token_ttl_days,
        sso,
        trusted_proxies: settings.trusted_proxies.clone(),
    })
}

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    workers: Option<usize>,
    limits: Limits,
) -> std::io::Result<Server> {
    // The one document, built once: the same as `panel-tracker openapi` prints.
    let document = crate::openapi::document();
    let routes = crate::http::routes::RouteTable::from_document(&document);
    let mut server = HttpServer::new(move || {
        let document = document.clone();
        let routes = routes.clone();
        App::new()
            .into_utoipa_app()
            .openapi(crate::openapi::ApiDoc::openapi())
            .map(|app| {
                app.wrap(actix_web::middleware::from_fn(crate::http::cache::conditional_requests))
                    .wrap(actix_web::middleware::from_fn(body::query_must_be_utf8))
                    .wrap(actix_web::middleware::from_fn(crate::http::caller::authenticate_requests))
                    .wrap(actix_web::middleware::from_fn(crate::http::rate_limit::limit_public_requests))
                    .wrap(
                        Logger::new("%a \"%{request}xi\" %s %b %Dms")
                            .custom_request_replace("request", crate::logging::request_line),
                    )
                    .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                    .app_data(state.clone())
                    .app_data(body::BodyTimeout(limits.request_timeout))
                    .app_data(crate::ops::extractions::ExtractionTimeLimit(limits.extraction_time_limit))
                    .app_data(routes)
                    .app_data(web::QueryConfig::default().error_handler(body::query_error))
                    .app_data(web::PathConfig::default().error_handler(body::path_error))
            })
            .service(api::health::healthz)
            .service(api::health::readyz)
            .service(api::routes())
            .openapi_service(move |_| {
                SwaggerUi::new("/docs/{_:.*}")
                    .url("/api-docs/openapi.json", document)
                    .config(utoipa_swagger_ui::Config::default().validator_url("none"))
            })
            .into_app()
            .route("/docs", web::get().to(docs_redirect))
            .configure(crate::web::configure)
            .default_service(web::to(crate::web::unmatched))
    })
    // A client that sends its request slowly is cut off instead of holding a worker.
    .client_request_timeout(limits.request_timeout)
    .client_disconnect_timeout(Duration::from_secs(2))
    // A client that closes its connection has gone: its handler is dropped
    // at once (which stops an extraction), not run on to answer nobody.
    // (Allowing half-closed connections, actix's default, would keep it.)
    .h1_allow_half_closed(false)
    .keep_alive(limits.keep_alive)
    .listen(listener)?;
    if let Some(workers) = workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// `/docs` without the slash would otherwise be a 404.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header(("Location", "/docs/")).finish()
}
