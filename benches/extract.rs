//! Extraction speed (not a test: run it, read it).
//!
//!     cargo bench --bench extract              # every case
//!     cargo bench --bench extract -- would     # the cases whose name contains "would"
//!
//! First 1 MB of minutes generated here in several councils' styles, so the
//! figure does not depend on any corpus being present. Then hostile shapes,
//! each as large as the API accepts (2 MiB): the extractor must stay linear
//! in its input, so each must finish well within 2 s. A case that has not
//! finished after `EXTRACT_BENCH_GIVE_UP_SECONDS` (default 60) is reported
//! as such and the run stops there. `EXTRACT_BENCH_BYTES` sets the shapes'
//! size (default 2 MiB, the most the API accepts).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use panel_tracker::extract::{extract, MAX_TEXT_BYTES};

const STYLES: &[&str] = &[
    "Agenda item\n\nUpdate on Expenditure\n\nMinutes:\n\n7.    In response to a question about the youth scheme the Commissioner would report back to the Member on which school would be involved.\n\n8.    The victims fund had been protected and would be protected next year.\n\n",
    "(a) (Minute No. 43 - Self-Assessment) - a document is to be distributed to all Members prior to the next meeting; the document will be considered in July;\n\n(b) preparatory work has begun on the Annual Governance Statement;\n\n",
    "14/2018/P - Stop and Search\n\n·         The Assistant Commissioner agreed to circulate the action plan arising from the staff survey.\n\n·         Members noted that this reference had been completed and could be closed.\n\n",
    "Action 1: Secretariat to contact the Youth Commission.\n\n• Complete - the invitation was accepted.\n\nAction: Head of Performance to send Members the breakdown by district.\n\n",
    "The Panel asked if it could be involved in the design of the review of the new\n\nNeighbourhood Policing Model. The Commissioner advised that she would\n\nensure that the Chief Constable heard the Panel's concerns.\n\nRESOLVED that the report be noted.\n\n",
];

/// `unit` repeated up to `bytes` (whole repeats only, so never a split character).
fn repeat(unit: &str, bytes: usize) -> String {
    unit.repeat((bytes / unit.len()).max(1))
}

/// Lines indented one step deeper each time, back to the margin every 64.
fn nested_bullets(bytes: usize) -> String {
    let mut out = String::new();
    let mut depth = 0;
    loop {
        let line =
            format!("{}{} the officer would check the figures\n", "  ".repeat(depth), ["•", "-", "*", "▪"][depth % 4]);
        if out.len() + line.len() > bytes {
            return out;
        }
        out.push_str(&line);
        depth = (depth + 1) % 64;
    }
}

/// The hostile shapes, each `bytes` long (or just under).
fn shapes(bytes: usize) -> Vec<(&'static str, String)> {
    let spaced = |word: &str| repeat(&format!("{word}{}", " ".repeat(1000)), bytes);
    vec![
        ("full stops '.' * n", repeat(".", bytes)),
        ("'would ' * n", repeat("would ", bytes)),
        ("'will ' * n", repeat("will ", bytes)),
        ("'A\\n\\n' * n", repeat("A\n\n", bytes)),
        ("'a\\n\\n' * n (broken lines joined)", repeat("a\n\n", bytes)),
        ("one enormous sentence", repeat("the officer said the panel would see the figures ", bytes)),
        ("one enormous word", repeat("a", bytes)),
        ("one enormous word then '.'", repeat("a", bytes - 3) + ". A"),
        ("deep bullet nesting", nested_bullets(bytes)),
        ("'• ' * n on one line", repeat("• ", bytes)),
        ("'- \\n' * n list markers", repeat("- \n", bytes)),
        ("'7. ' * n paragraph numbers", repeat("7. ", bytes)),
        ("'(a) ' * n", repeat("(a) ", bytes)),
        ("'(a)\\n' * n", repeat("(a)\n", bytes)),
        ("'\\n' * n line breaks", repeat("\n", bytes)),
        ("'x\\n' * n", repeat("x\n", bytes)),
        ("'\\r\\n' * n", repeat("\r\n", bytes)),
        ("spaces ' ' * n", repeat(" ", bytes)),
        ("'would' + 1000 spaces, * n", spaced("would")),
        ("'1.1.1.' * n", repeat("1.1.1.", bytes)),
        ("'A. ' * n", repeat("A. ", bytes)),
        ("'Mr. ' * n", repeat("Mr. ", bytes)),
        ("'; ' * n", repeat("; ", bytes)),
        ("'that ' * n", repeat("that ", bytes)),
        ("'would provide ' * n", repeat("would provide ", bytes)),
        ("'he would provide ' * n", repeat("he would provide ", bytes)),
        ("'how would provide ' * n", repeat("how would provide ", bytes)),
        ("'would be provided ' * n", repeat("would be provided ", bytes)),
        ("'the panel agreed to provide ' * n", repeat("the panel agreed to provide ", bytes)),
        ("'happy to provide ' * n", repeat("happy to provide ", bytes)),
        ("'to the ' * n", repeat("he would provide it to the ", bytes)),
        ("'Action: Clerk to İnform ' * n", repeat("Action: Clerk to İnform ", bytes)),
        ("'İ' * n", repeat("İ", bytes)),
        ("'Ⱥ would ' * n", repeat("Ⱥ would ", bytes)),
        ("styles to 2 MiB", repeat(&STYLES.concat(), bytes)),
        ("'A\\n\\n' * n joined to a long line", format!("{}\n\n{}", "word ".repeat(11), repeat("A\n\n", bytes - 64))),
    ]
}

/// Runs the extraction up to `runs` times (fewer once one takes over 2 s):
/// (candidates, median, min, max) in milliseconds.
fn timed(runs: usize, text: &str) -> (usize, f64, f64, f64) {
    let mut times = Vec::with_capacity(runs);
    let mut found = 0;
    for _ in 0..runs {
        let start = Instant::now();
        found = extract(text).len();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        if times[times.len() - 1] > 2000.0 {
            break;
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    (found, times[times.len() / 2], times[0], times[times.len() - 1])
}

fn main() {
    // Filters: a number picks that shape, other words the cases whose name contains them.
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |n: usize, name: &str| {
        filter.is_empty() || filter.iter().any(|f| f.parse::<usize>().map_or(name.contains(f.as_str()), |k| k == n))
    };
    let number = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let give_up = Duration::from_secs(number("EXTRACT_BENCH_GIVE_UP_SECONDS", 60));
    let bytes = number("EXTRACT_BENCH_BYTES", MAX_TEXT_BYTES as u64) as usize;

    if wanted(0, "extract") {
        let mut minutes = String::new();
        while minutes.len() < 1_000_000 {
            for s in STYLES {
                minutes.push_str(s);
            }
        }
        let runs = 20;
        let (found, median, min, max) = timed(runs, &minutes);
        println!(
            "extract: {:.2} MB of minutes, {found} candidates, {runs} runs: median {median:.1} ms, min {min:.1} ms, max {max:.1} ms",
            minutes.len() as f64 / 1e6,
        );
    }

    let mut worst: f64 = 0.0;
    for (n, (name, text)) in shapes(bytes).into_iter().enumerate().map(|(n, s)| (n + 1, s)) {
        if !wanted(n, name) {
            continue;
        }
        assert!(text.len() <= bytes.max(MAX_TEXT_BYTES), "{name}");
        let size = text.len() as f64 / 1048576.0;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(timed(3, &text));
        });
        match rx.recv_timeout(give_up) {
            Ok((found, median, _, max)) => {
                worst = worst.max(max);
                let over = if max > 2000.0 { "  OVER 2 s" } else { "" };
                println!(
                    "shape {n:>2} {name:<36} {size:>5.2} MiB, {found:>6} candidates: median {median:>7.1} ms, max {max:>7.1} ms{over}"
                );
            }
            Err(_) => {
                println!(
                    "shape {n:>2} {name:<36} {size:>5.2} MiB: not finished after {} s; stopping here",
                    give_up.as_secs()
                );
                // Its thread cannot be stopped and would skew every later figure.
                std::process::exit(1);
            }
        }
    }
    if worst > 0.0 {
        println!("slowest shape: max {worst:.1} ms (the bar is 2000 ms)");
    }
}
