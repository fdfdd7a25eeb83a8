//! Builds the application: the pool, migrations, the router and the server.
//! Tests start exactly this, on port 0.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, Logger};
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, AppState};
use crate::config::Settings;
use crate::db::{self, DbPool};
use crate::http::body;
use crate::openapi::ApiDoc;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects, migrates and binds; `BIND_ADDR` with port 0 picks a free port.
    pub fn build(settings: &Settings) -> Result<Self, Box<dyn std::error::Error>> {
        let pool = db::build_pool(&settings.database, settings.pool_size)?;
        {
            let mut conn = pool.get()?;
            let ran = db::run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
            if ran > 0 {
                log::info!("applied {ran} migration(s)");
            }
        }
        let listener = TcpListener::bind(&settings.bind_addr)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let server = run(listener, pool, settings.workers)?;
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from outside (tests stop theirs when they end).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Registers every API handler together with its OpenAPI path. The one list
/// of endpoints: adding a handler here adds it to the served document too.
fn api_routes() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    use api::{actions, agenda_items, committees, meetings};
    scope("/api/v1")
        .service(committees::list)
        .service(committees::create)
        .service(committees::get)
        .service(committees::update)
        .service(meetings::list)
        .service(meetings::create)
        .service(meetings::get)
        .service(meetings::update)
        .service(agenda_items::list)
        .service(agenda_items::create)
        .service(agenda_items::get)
        .service(agenda_items::update)
        .service(actions::list)
        .service(actions::create)
        .service(actions::get)
        .service(actions::update)
        .service(actions::start)
        .service(actions::submit_response)
        .service(actions::accept)
        .service(actions::return_response)
        .service(actions::reopen)
        .service(actions::withdraw)
        .service(actions::carry_forward)
        .service(actions::list_events)
        .service(actions::verify_events)
}

/// The OpenAPI document the service serves, generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(api::health::healthz)
        .service(api::health::readyz)
        .service(api_routes())
        .split_for_parts();
    doc
}

fn run(listener: TcpListener, pool: DbPool, workers: Option<usize>) -> std::io::Result<Server> {
    let state = web::Data::new(AppState { pool });
    let mut server = HttpServer::new(move || {
        App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .map(|app| {
                app.wrap(Logger::new("%a \"%r\" %s %b %Dms"))
                    .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                    .app_data(state.clone())
                    .app_data(web::QueryConfig::default().error_handler(body::query_error))
                    .app_data(web::PathConfig::default().error_handler(body::path_error))
            })
            .service(api::health::healthz)
            .service(api::health::readyz)
            .service(api_routes())
            .openapi_service(|doc| {
                SwaggerUi::new("/docs/{_:.*}")
                    .url("/api-docs/openapi.json", doc)
                    .config(utoipa_swagger_ui::Config::default().validator_url("none"))
            })
            .into_app()
            .route("/docs", web::get().to(docs_redirect))
            .default_service(web::to(body::not_found))
    })
    // A client that sends its request slowly is cut off instead of holding a worker.
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(2))
    .keep_alive(Duration::from_secs(30))
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
