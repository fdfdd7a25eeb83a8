//! Extraction speed on 1 MB of minutes (not a test: run it, read it).
//!
//!     cargo bench --bench extract
//!
//! The minutes are generated here in several councils' styles, repeated to
//! 1 MB, so the figure does not depend on any corpus being present.

use std::time::Instant;

const STYLES: &[&str] = &[
    "Agenda item\n\nUpdate on Expenditure\n\nMinutes:\n\n7.    In response to a question about the youth scheme the Commissioner would report back to the Member on which school would be involved.\n\n8.    The victims fund had been protected and would be protected next year.\n\n",
    "(a) (Minute No. 43 - Self-Assessment) - a document is to be distributed to all Members prior to the next meeting; the document will be considered in July;\n\n(b) preparatory work has begun on the Annual Governance Statement;\n\n",
    "14/2018/P - Stop and Search\n\n·         The Assistant Commissioner agreed to circulate the action plan arising from the staff survey.\n\n·         Members noted that this reference had been completed and could be closed.\n\n",
    "Action 1: Secretariat to contact the Youth Commission.\n\n• Complete - the invitation was accepted.\n\nAction: Head of Performance to send Members the breakdown by district.\n\n",
    "The Panel asked if it could be involved in the design of the review of the new\n\nNeighbourhood Policing Model. The Commissioner advised that she would\n\nensure that the Chief Constable heard the Panel's concerns.\n\nRESOLVED that the report be noted.\n\n",
];

fn main() {
    let mut minutes = String::new();
    while minutes.len() < 1_000_000 {
        for s in STYLES {
            minutes.push_str(s);
        }
    }
    let runs = 20;
    let mut times = Vec::with_capacity(runs);
    let mut found = 0;
    for _ in 0..runs {
        let start = Instant::now();
        found = panel_tracker::extract::extract(&minutes).len();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "extract: {:.2} MB of minutes, {found} candidates, {runs} runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
        minutes.len() as f64 / 1e6,
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
}
