//! The command line: `serve` (the default), `migrate`, `openapi`, `demo`.

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::db;
use crate::startup::Application;

#[derive(Debug, Parser)]
#[command(name = "panel-tracker", version, about = "Tracks what is promised at Police and Crime Panel meetings")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (migrating the database first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the OpenAPI document as JSON.
    Openapi,
    /// Fill the database with a realistic sample panel, meetings and actions.
    Demo,
}

pub fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", crate::openapi::to_pretty_json(&crate::startup::openapi()));
            Ok(())
        }
        Command::Migrate => {
            let settings = Settings::from_env()?;
            let pool = db::build_pool(&settings.database, Some(1))?;
            let ran = db::run_migrations(&mut *pool.get()?).map_err(|e| format!("migrations failed: {e}"))?;
            println!("{}: {ran} migration(s) applied", settings.database);
            Ok(())
        }
        Command::Demo => {
            let settings = Settings::from_env()?;
            let pool = db::build_pool(&settings.database, Some(1))?;
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
            let summary = crate::demo::seed(&mut conn).map_err(|e| match e {
                crate::error::ApiError::Conflict(_) => "the demo data is already in this database".to_string(),
                other => other.to_string(),
            })?;
            println!("{}: {summary}", settings.database);
            Ok(())
        }
        Command::Serve => {
            let settings = Settings::from_env()?;
            actix_web::rt::System::new().block_on(async {
                let app = Application::build(&settings)?;
                let host = settings.bind_addr.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
                println!("panel-tracker listening on http://{host}:{} (database: {})", app.port(), settings.database);
                println!("API docs at http://{host}:{}/docs/", app.port());
                app.run_until_stopped().await?;
                Ok::<(), Box<dyn std::error::Error>>(())
            })?;
            Ok(())
        }
    }
}
