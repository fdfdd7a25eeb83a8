use clap::Parser;

fn main() {
    // An optional .env file; real environment variables win.
    let _ = dotenvy::dotenv();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    if let Err(e) = panel_tracker::cli::run(panel_tracker::cli::Cli::parse()) {
        eprintln!("panel-tracker: {e}");
        std::process::exit(1);
    }
}
