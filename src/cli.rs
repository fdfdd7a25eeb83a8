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
    /// Fill the database with a realistic sample panel, meetings and actions,
    /// and one demo user per role.
    Demo,
    /// Manage users from the command line (for the first admin).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input (one line);
    /// when standard input is a terminal, one is generated and printed once.
    Create {
        #[arg(long)]
        username: String,
        /// admin, secretariat, opcc, member or reader.
        #[arg(long)]
        role: String,
        /// Defaults to the username.
        #[arg(long)]
        display_name: Option<String>,
    },
}

/// The password for `user create`: a line from a pipe, or generated at a terminal.
fn password_from_stdin() -> Result<(String, bool), Box<dyn std::error::Error>> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok((crate::auth::password::generate(), true));
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Ok((crate::auth::password::generate(), true));
    }
    crate::auth::password::check_new(&password).map_err(|m| format!("the password {m}"))?;
    Ok((password, false))
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
        Command::User { command: UserCommand::Create { username, role, display_name } } => {
            let role: crate::auth::policy::Role = role.parse()?;
            let (password, generated) = password_from_stdin()?;
            let settings = Settings::from_env()?;
            let pool = db::build_pool(&settings.database, Some(1))?;
            let mut conn = pool.get()?;
            db::run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
            let display_name = display_name.unwrap_or_else(|| username.clone());
            let user = crate::api::users::create_user_record(&mut conn, &username, &display_name, role, &password)
                .map_err(|e| e.to_string())?;
            println!("created {} user {} (id {})", role, user.username, user.id);
            if generated {
                println!("password (shown once): {password}");
            }
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
