use clap::Parser;

fn main() {
    limit_malloc_arenas();
    // An optional .env file; real environment variables win.
    let _ = dotenvy::dotenv();
    panel_tracker::logging::init();
    if let Err(e) = panel_tracker::cli::run(panel_tracker::cli::Cli::parse()) {
        eprintln!("panel-tracker: {e}");
        std::process::exit(1);
    }
}

/// glibc gives each thread that meets contention its own malloc arena (up to
/// eight per core) and keeps what is freed in each, and after the first large
/// buffer is freed it serves ever larger ones (a 2 MB extraction, a page of
/// JSON) from those arenas too: under load resident memory grew by tens of
/// megabytes that were never used again. Two arenas per core, and buffers
/// from 256 KiB up always mapped and unmapped on their own, keep it flat.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(2 * cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only sets a tuning parameter; called first thing in
        // main, before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        }
    }
}
