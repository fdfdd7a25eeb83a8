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
    /// Find the commitments in meeting minutes (a file, or - for standard input).
    Extract {
        /// Print a JSON array instead of a table.
        #[arg(long, conflicts_with = "eval")]
        json: bool,
        /// Score the extractor on a corpus folder (minutes/*.txt and labels.json) instead;
        /// repeat it to score several corpora, each on its own.
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        eval: Vec<std::path::PathBuf>,
        /// The minutes; `-` reads standard input.
        #[arg(required_unless_present = "eval")]
        file: Option<String>,
    },
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
            print!("{}", crate::openapi::to_pretty_json(&crate::openapi::document()));
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
            let summary = crate::demo::seed(&mut conn).map_err(|e| e.to_string())?;
            println!("{}: {summary}", settings.database);
            Ok(())
        }
        Command::User { command: UserCommand::Create { username, role, display_name } } => {
            create_user(username, role, display_name)
        }
        Command::Extract { eval, .. } if !eval.is_empty() => evaluate_corpora(&eval),
        Command::Extract { json, eval: _, file } => extract(json, file.as_deref().unwrap_or("-")),
        Command::Serve => serve(),
    }
}

/// `user create`: checks the role and username, reads or generates the
/// password, then creates the user in the migrated database.
fn create_user(username: String, role: String, display_name: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let role: crate::auth::policy::Role = role.parse()?;
    // The same rule as the API, checked before a password is asked for.
    crate::domain::username::Username::parse(&username).map_err(|rule| format!("the username {rule}"))?;
    let (password, generated) = password_from_stdin()?;
    let settings = Settings::from_env()?;
    let pool = db::build_pool(&settings.database, Some(1))?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
    let display_name = display_name.unwrap_or_else(|| username.clone());
    let user = crate::ops::users::create_user_record(&mut conn, &username, &display_name, role, &password).map_err(
        |e| match e {
            crate::domain::Error::Invalid(fields) => {
                fields.iter().map(|f| format!("the {} {}", f.field, f.message)).collect::<Vec<_>>().join("; ")
            }
            other => other.to_string(),
        },
    )?;
    println!("created {} user {} (id {})", role, user.username, user.id);
    if generated {
        println!("password (shown once): {password}");
    }
    Ok(())
}

/// `extract --eval`: scores the extractor on each corpus.
fn evaluate_corpora(eval: &[std::path::PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let reports = eval.iter().map(|dir| evaluate(dir)).collect::<Result<Vec<_>, _>>()?;
    for (k, (dir, report)) in eval.iter().zip(&reports).enumerate() {
        // The rules' support in the other corpora counts for the held-out figure.
        let also = reports.iter().enumerate().filter(|(j, _)| *j != k).flat_map(|(_, r)| r.support()).collect();
        print_evaluation(dir, report, &also);
    }
    Ok(())
}

/// `extract`: prints the commitments in the minutes at `path`, as JSON or a table.
fn extract(json: bool, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let text = read_minutes(path)?;
    let candidates = crate::extract::extract(&text);
    if json {
        println!("{}", serde_json::to_string_pretty(&candidates)?);
        return Ok(());
    }
    println!("{:<8} {:<20} {:<5} {:<30} sentence", "para", "kind", "conf", "committed by -> owed to");
    for c in &candidates {
        let who = format!("{} -> {}", c.committed_by.as_deref().unwrap_or("?"), c.owed_to.as_deref().unwrap_or("?"));
        let sentence: String = c.sentence.split_whitespace().collect::<Vec<_>>().join(" ");
        let kind = serde_json::to_value(c.kind)?.as_str().unwrap_or("").to_string();
        println!(
            "{:<8} {:<20} {:<5.2} {:<30} {}",
            c.paragraph.as_deref().unwrap_or("-"),
            kind,
            c.confidence,
            who.chars().take(30).collect::<String>(),
            sentence
        );
    }
    println!("{} commitment(s)", candidates.len());
    Ok(())
}

/// `serve`: runs the HTTP service until it is stopped.
fn serve() -> Result<(), Box<dyn std::error::Error>> {
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

/// Reads minutes from a file or standard input: UTF-8, not empty, within the size limit.
fn read_minutes(path: &str) -> Result<String, Box<dyn std::error::Error>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin().take(crate::extract::MAX_TEXT_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)
            .map_err(|e| format!("cannot read {path}: {e}"))?
            .take(crate::extract::MAX_TEXT_BYTES as u64 + 1)
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() > crate::extract::MAX_TEXT_BYTES {
        return Err(format!("the minutes are larger than {} bytes", crate::extract::MAX_TEXT_BYTES).into());
    }
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("the minutes are not UTF-8 text (byte {})", e.utf8_error().valid_up_to()))?;
    if text.trim().is_empty() {
        return Err("the minutes are empty".into());
    }
    Ok(if crate::extract::segment::looks_like_html(&text) { crate::extract::strip_html(&text) } else { text })
}

/// Prints a corpus's scores: misses, false alarms, then per source, per
/// rule, the whole corpus (the `precision` and `recall` lines CI reads) and
/// the held-out figure.
fn print_evaluation(
    dir: &std::path::Path,
    report: &crate::extract::eval::Report,
    also: &std::collections::BTreeSet<(String, crate::extract::Rule)>,
) {
    println!("== {}", dir.display());
    for (file, sentence) in &report.misses {
        println!("miss         {file}: {sentence}");
    }
    for s in &report.scored {
        if s.hit.is_none() {
            let what = if s.ambiguous { "ambiguous  " } else { "false alarm" };
            println!("{what}  {}: [{}] {}", s.file, s.rule.as_str(), s.sentence);
        }
    }
    println!(
        "{:<16} {:>10} {:>5} {:>9} {:>6} {:>9} {:>6}",
        "source", "candidates", "hits", "labelled", "found", "precision", "recall"
    );
    for (source, t) in report.by_source() {
        println!(
            "{:<16} {:>10} {:>5} {:>9} {:>6} {:>9.3} {:>6.3}",
            source,
            t.candidates,
            t.hits,
            t.labelled,
            t.found,
            t.precision(),
            t.recall()
        );
    }
    println!("{:<16} {:>10} {:>5}", "rule", "candidates", "hits");
    for (rule, t) in report.by_rule() {
        println!("{:<16} {:>10} {:>5}", rule.as_str(), t.candidates, t.hits);
    }
    let ambiguous = report.scored.iter().filter(|s| s.ambiguous).count();
    println!(
        "candidates {} hits {} labelled {} found {} (ambiguous, not scored: {ambiguous})\nprecision {:.3}\nrecall {:.3}",
        report.candidates,
        report.hits,
        report.labelled,
        report.labelled_hit,
        report.precision(),
        report.recall()
    );
    let held = report.held_out(also);
    println!(
        "held-out (leave one source out: only rules that find commitments in other sources) precision {:.3} recall {:.3} ({} of {} found)",
        held.precision(),
        held.recall(),
        held.found,
        held.labelled
    );
}

/// Runs the extractor over a corpus folder and scores it.
fn evaluate(dir: &std::path::Path) -> Result<crate::extract::eval::Report, Box<dyn std::error::Error>> {
    let labels: crate::extract::eval::Labels = serde_json::from_str(
        &std::fs::read_to_string(dir.join("labels.json")).map_err(|e| format!("cannot read labels.json: {e}"))?,
    )?;
    let mut files = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("minutes"))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".txt") {
            files.push((name, std::fs::read_to_string(entry.path())?));
        }
    }
    Ok(crate::extract::eval::score(&files, &labels))
}
