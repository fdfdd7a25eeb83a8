//! Fills an empty database with a decade of realistic data for the benchmark
//! (`bench/run`), in bulk: big transactions and multi-row inserts on the
//! concrete SQLite or PostgreSQL connection, never the API.
//!
//!     cargo run --release --example seed -- <DATABASE_URL> <ACTIONS> <META_JSON>
//!
//! The rows are real: references are `CODE/YEAR/NNN` numbered per committee
//! and year from the library's own formatter, every action has 2 to 5 events
//! whose hash chain `GET /actions/{id}/events/verify` accepts, and statuses,
//! owners, due meetings and carry-forwards are spread as a decade of panels
//! would leave them. One committee per 1,000 actions (about a dozen actions a
//! meeting, eight meetings a year), ten years back from now plus two meetings
//! ahead. The generator is seeded, so a size always yields the same rows.
//! `META_JSON` receives what the benchmark needs to address the data (ids of
//! a meeting's log, an owner, unfinished actions with their versions...).

use std::collections::HashMap;
use std::error::Error;

use chrono::{Datelike, Duration, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Map, Value};

use panel_tracker::db::{self, AnyConnection, Backend};
use panel_tracker::domain::chain::{self, EventContent};
use panel_tracker::domain::reference;
use panel_tracker::schema::{action_events, actions, agenda_items, committees, meetings};
use panel_tracker::store::events::hashed_time;

/// Small, fast, seeded generator (SplitMix64): the same size gives the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const AREAS: &[(&str, &str)] = &[
    ("KMPCP", "Kent and Medway"),
    ("ESPCP", "Essex"),
    ("SXPCP", "Sussex"),
    ("SYPCP", "Surrey"),
    ("HAPCP", "Hampshire and Isle of Wight"),
    ("TVPCP", "Thames Valley"),
    ("DCPCP", "Devon and Cornwall"),
    ("ASPCP", "Avon and Somerset"),
    ("DOPCP", "Dorset"),
    ("WIPCP", "Wiltshire and Swindon"),
    ("GLPCP", "Gloucestershire"),
    ("WMPCP", "West Mercia"),
    ("WAPCP", "Warwickshire"),
    ("STPCP", "Staffordshire"),
    ("DEPCP", "Derbyshire"),
    ("NTPCP", "Nottinghamshire"),
    ("LEPCP", "Leicester, Leicestershire and Rutland"),
    ("LIPCP", "Lincolnshire"),
    ("NHPCP", "Northamptonshire"),
    ("BEPCP", "Bedfordshire"),
    ("HEPCP", "Hertfordshire"),
    ("CAPCP", "Cambridgeshire and Peterborough"),
    ("NFPCP", "Norfolk"),
    ("SFPCP", "Suffolk"),
    ("CHPCP", "Cheshire"),
    ("MEPCP", "Merseyside"),
    ("LAPCP", "Lancashire"),
    ("CUPCP", "Cumbria"),
    ("DUPCP", "Durham"),
    ("CLPCP", "Cleveland"),
    ("NUPCP", "Northumbria"),
    ("NYPCP", "North Yorkshire"),
    ("HUPCP", "Humberside"),
    ("SOPCP", "South Yorkshire"),
    ("WYPCP", "West Yorkshire"),
    ("DPPCP", "Dyfed-Powys"),
    ("GWPCP", "Gwent"),
    ("NWPCP", "North Wales"),
    ("SWPCP", "South Wales"),
    ("GMPCP", "Greater Manchester"),
    ("CTPCP", "City of London"),
];

/// About twenty owners in the offices of the commissioners.
const OWNERS: &[&str] = &[
    "Head of Partnerships, OPCC",
    "Chief Executive, OPCC",
    "Chief Finance Officer, OPCC",
    "Head of Performance, OPCC",
    "Head of Commissioning, OPCC",
    "Head of Communications, OPCC",
    "Policy Officer, OPCC",
    "Victims Services Manager, OPCC",
    "Head of Governance, OPCC",
    "Deputy Chief Executive, OPCC",
    "Complaints Manager, OPCC",
    "Estates Lead, OPCC",
    "Youth Engagement Officer, OPCC",
    "Head of Strategy, OPCC",
    "Community Safety Lead, OPCC",
    "Data Protection Officer, OPCC",
    "Head of Finance, Constabulary",
    "Assistant Chief Constable",
    "Deputy Chief Constable",
    "Panel Support Officer",
];

const COMMITTED_BY: &[&str] =
    &["Commissioner", "Deputy Commissioner", "Chief Executive", "Chief Finance Officer", "Chief Constable"];
const OWED_TO: &[&str] = &[
    "Mr Smith, Member",
    "Mrs Patel, Member",
    "Councillor Jones",
    "Councillor Brown",
    "the Panel",
    "Ms O'Neill, Independent Member",
    "Dr Hughes, Member",
];
const VERBS: &[(&str, &str)] = &[
    ("report_back", "Report back on"),
    ("check", "Check"),
    ("look_into", "Look into"),
    ("provide_information", "Provide figures on"),
    ("provide_information", "Circulate a briefing on"),
    ("publish", "Publish"),
    ("other", "Arrange a visit concerning"),
];
const TOPICS: &[&str] = &[
    "the number of officers deployed to rural neighbourhood teams",
    "which school in Folkestone will be involved in the Magnate Generation project",
    "response times to 999 calls in the last quarter, by district",
    "the cost of the new custody suite against its budget",
    "the outcome of the stop and search scrutiny panel",
    "the victims' fund allocation for the coming year",
    "the staff survey action plan",
    "the breakdown of the precept increase by policing priority",
    "the use of body-worn video in domestic abuse cases",
    "the waiting times at the sexual assault referral centre",
    "knife crime referrals to the violence reduction unit",
    "the estates strategy and the sale of the former police station",
    "call handling performance on 101",
    "the youth commission's recommendations",
    "the complaints received about the Commissioner and how they were resolved",
    "drone deployments and their cost",
    "the rural crime team's results against the plan",
    "the equality, diversity and inclusion strategy",
    "fraud against older people and the prevention campaign",
    "the road safety partnership's speed camera income",
];
const AGENDA_TITLES: &[&str] = &[
    "Minutes of the previous meeting",
    "Police and Crime Plan performance report",
    "Update on expenditure to support the Police and Crime Plan",
    "Commissioner's decisions",
    "Complaints against the Commissioner",
    "Proposed precept",
    "Work programme",
];

fn ts(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[derive(Insertable)]
#[diesel(table_name = committees)]
struct NewCommittee {
    id: i64,
    code: String,
    name: String,
    description: Option<String>,
    actions_raised: i64,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable, Clone)]
#[diesel(table_name = meetings)]
struct NewMeeting {
    id: i64,
    committee_id: i64,
    title: String,
    starts_at: NaiveDateTime,
    location: Option<String>,
    status: &'static str,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = agenda_items)]
struct NewAgendaItem {
    id: i64,
    meeting_id: i64,
    number: String,
    title: &'static str,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = actions, treat_none_as_default_value = false)]
struct NewAction {
    id: i64,
    committee_id: i64,
    reference: String,
    reference_year: i32,
    reference_number: i32,
    raised_at_meeting_id: i64,
    agenda_item_id: Option<i64>,
    minute_paragraph: Option<String>,
    committed_by: Option<&'static str>,
    owed_to: Option<&'static str>,
    source_sentence: Option<String>,
    description: String,
    kind: &'static str,
    owner: Option<&'static str>,
    due_meeting_id: Option<i64>,
    due_date: Option<chrono::NaiveDate>,
    status: &'static str,
    response: Option<String>,
    status_reason: Option<String>,
    times_carried_forward: i32,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    completed_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = action_events, treat_none_as_default_value = false)]
struct NewEvent {
    id: i64,
    action_id: i64,
    sequence: i32,
    occurred_at: NaiveDateTime,
    actor: &'static str,
    kind: &'static str,
    changes: String,
    reason: Option<&'static str>,
    prev_hash: String,
    hash: String,
}

/// Multi-row inserts on the concrete connection, in chunks under each
/// backend's limit on bound parameters (SQLite 32,766; PostgreSQL 65,535).
macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = &$rows[..];
        match $conn {
            AnyConnection::Sqlite(c) => {
                for chunk in rows.chunks(32_000 / $columns) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
            AnyConnection::Postgresql(c) => {
                for chunk in rows.chunks(65_000 / $columns) {
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
        }
    }};
}

/// One event of an action's chain, hashed as `store::events::append` does.
struct Chain {
    action_id: i64,
    prev: String,
    sequence: i32,
}

impl Chain {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        out: &mut Vec<NewEvent>,
        next_id: &mut i64,
        at: NaiveDateTime,
        actor: &'static str,
        kind: &'static str,
        changes: Map<String, Value>,
        reason: Option<&'static str>,
    ) {
        self.sequence += 1;
        let changes = Value::Object(changes).to_string();
        let time = hashed_time(at);
        let hash = chain::hash(&EventContent {
            action_id: self.action_id,
            sequence: self.sequence,
            occurred_at: &time,
            actor,
            kind,
            changes: &changes,
            reason,
            prev_hash: &self.prev,
        });
        *next_id += 1;
        out.push(NewEvent {
            id: *next_id,
            action_id: self.action_id,
            sequence: self.sequence,
            occurred_at: at,
            actor,
            kind,
            changes,
            reason,
            prev_hash: std::mem::replace(&mut self.prev, hash.clone()),
            hash,
        });
    }
}

fn change(from: Value, to: Value) -> Value {
    json!({ "from": from, "to": to })
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        return Err("usage: seed <DATABASE_URL> <ACTIONS> <META_JSON>".into());
    }
    let backend = Backend::parse(&args[1])?;
    let total: usize = args[2].parse()?;
    let meta_path = &args[3];
    let started = std::time::Instant::now();

    let pool = db::build_pool(&backend, Some(1))?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn).map_err(|e| format!("migrations failed: {e}"))?;
    let existing: i64 = actions::table.count().get_result(&mut *conn)?;
    if existing > 0 {
        return Err(format!("{backend} already holds {existing} actions; seed an empty database").into());
    }
    match &mut *conn {
        // Seeding only: a crash here loses nothing, the file is thrown away
        // and seeded again. The service itself always runs with WAL and
        // synchronous=NORMAL.
        AnyConnection::Sqlite(c) => c.batch_execute(
            "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY; \
             PRAGMA cache_size = -1000000;",
        )?,
        // Skips foreign-key triggers while loading rows that are consistent by construction.
        AnyConnection::Postgresql(c) => {
            c.batch_execute("SET session_replication_role = replica; SET synchronous_commit = off;")?
        }
    }

    let now = Utc::now().naive_utc().trunc_subsecs(0);
    let start = now - Duration::days(3653);
    let mut rng = Rng(0x5EED_0000 ^ total as u64);
    let n_committees = total.div_ceil(1000).max(1);

    // Committees and their meetings: eight a year (about every 45.6 days),
    // offset per committee, from ten years ago to two meetings ahead.
    let mut committee_rows = Vec::new();
    let mut all_meetings: Vec<NewMeeting> = Vec::new();
    let mut by_committee: Vec<Vec<usize>> = vec![Vec::new(); n_committees];
    for c in 0..n_committees {
        let (code, area) = AREAS[c % AREAS.len()];
        let round = c / AREAS.len();
        let (code, name) = if round == 0 {
            (code.to_string(), format!("{area} Police and Crime Panel"))
        } else {
            (format!("{code}{round}"), format!("{area} Police and Crime Panel, committee {}", round + 1))
        };
        committee_rows.push(NewCommittee {
            id: c as i64 + 1,
            code,
            name,
            description: Some(format!("Scrutinises the Police and Crime Commissioner for {area}")),
            actions_raised: 0,
            version: 1,
            created_at: start - Duration::days(30),
            updated_at: start - Duration::days(30),
        });
        let offset = Duration::hours(((c * 7919) % (45 * 24)) as i64);
        let mut k = 0i64;
        loop {
            let starts_at =
                (start + offset + Duration::minutes(k * 65_700)).date().and_hms_opt(10, 0, 0).expect("10:00 is a time");
            if starts_at > now + Duration::days(92) {
                break;
            }
            let status = if starts_at > now {
                "scheduled"
            } else if rng.chance(2) {
                "cancelled"
            } else {
                "held"
            };
            all_meetings.push(NewMeeting {
                id: 0,
                committee_id: c as i64 + 1,
                title: "Panel meeting".into(),
                starts_at,
                location: Some("Council Chamber, County Hall".into()),
                status,
                version: if status == "held" { 2 } else { 1 },
                created_at: starts_at - Duration::days(60),
                updated_at: if status == "held" {
                    starts_at + Duration::hours(3)
                } else {
                    starts_at - Duration::days(60)
                },
            });
            k += 1;
        }
    }
    // Ids in time order, as the meetings would have been scheduled.
    all_meetings.sort_by_key(|m| (m.starts_at, m.committee_id));
    for (i, m) in all_meetings.iter_mut().enumerate() {
        m.id = i as i64 + 1;
        by_committee[(m.committee_id - 1) as usize].push(i);
    }
    // Each meeting's next meeting of its committee that is not cancelled.
    let mut next_of: Vec<Option<usize>> = vec![None; all_meetings.len()];
    let mut later_of: Vec<Vec<usize>> = vec![Vec::new(); all_meetings.len()];
    for list in &by_committee {
        for (pos, &i) in list.iter().enumerate() {
            let later: Vec<usize> =
                list[pos + 1..].iter().copied().filter(|&j| all_meetings[j].status != "cancelled").take(4).collect();
            next_of[i] = later.first().copied();
            later_of[i] = later;
        }
    }
    let held: Vec<usize> = (0..all_meetings.len()).filter(|&i| all_meetings[i].status == "held").collect();
    const ITEMS_PER_MEETING: usize = 7;
    let agenda_rows: Vec<NewAgendaItem> = all_meetings
        .iter()
        .flat_map(|m| {
            (0..ITEMS_PER_MEETING).map(move |n| NewAgendaItem {
                id: (m.id - 1) * ITEMS_PER_MEETING as i64 + n as i64 + 1,
                meeting_id: m.id,
                number: (n + 1).to_string(),
                title: AGENDA_TITLES[n],
                version: 1,
                created_at: m.created_at,
                updated_at: m.created_at,
            })
        })
        .collect();

    // How many actions each held meeting raised: even, with jitter, summing to `total`.
    let weights: Vec<f64> = held.iter().map(|_| 0.5 + (rng.next() % 1000) as f64 / 1000.0).collect();
    let weight_sum: f64 = weights.iter().sum();
    let mut counts = Vec::with_capacity(held.len());
    let (mut acc, mut given) = (0.0, 0usize);
    for w in &weights {
        acc += w;
        let upto = ((acc / weight_sum) * total as f64).round() as usize;
        counts.push(upto.min(total) - given);
        given = upto.min(total);
    }
    if let Some(last) = counts.last_mut() {
        *last += total - given;
    }

    let conn: &mut AnyConnection = &mut conn;
    let mut meta_log_meetings: Vec<i64> = Vec::new();
    let mut unfinished: Vec<(i64, i64, &'static str)> = Vec::new();
    let mut open_ids: Vec<i64> = Vec::new();
    let mut sample_ids: Vec<i64> = Vec::new();
    let mut counters: HashMap<(i64, i32), i32> = HashMap::new();
    let mut raised_per_committee = vec![0i64; n_committees];
    let (mut events_total, mut next_event_id, mut next_action_id) = (0usize, 0i64, 0i64);

    conn.transaction::<_, Box<dyn Error>, _>(|conn| {
        insert_chunks!(conn, committees::table, committee_rows, 8);
        insert_chunks!(conn, meetings::table, all_meetings, 9);
        insert_chunks!(conn, agenda_items::table, agenda_rows, 7);
        Ok(())
    })?;

    let mut action_buf: Vec<NewAction> = Vec::with_capacity(2048);
    let mut event_buf: Vec<NewEvent> = Vec::with_capacity(8192);
    let flush = |conn: &mut AnyConnection,
                 action_buf: &mut Vec<NewAction>,
                 event_buf: &mut Vec<NewEvent>|
     -> Result<(), Box<dyn Error>> {
        insert_chunks!(conn, actions::table, *action_buf, 25);
        insert_chunks!(conn, action_events::table, *event_buf, 10);
        action_buf.clear();
        event_buf.clear();
        Ok(())
    };

    match conn {
        AnyConnection::Sqlite(c) => c.batch_execute("BEGIN")?,
        AnyConnection::Postgresql(c) => c.batch_execute("BEGIN")?,
    }
    for (&mi, &count) in held.iter().zip(&counts) {
        let m = all_meetings[mi].clone();
        let age_days = (now - m.starts_at).num_days();
        let year = m.starts_at.year();
        let cidx = (m.committee_id - 1) as usize;
        let code = committee_rows[cidx].code.clone();
        for _ in 0..count {
            next_action_id += 1;
            let id = next_action_id;
            let counter = counters.entry((m.committee_id, year)).or_insert(0);
            *counter += 1;
            let number = *counter;
            raised_per_committee[cidx] += 1;
            let reference = reference::format(&code, year, number);
            let item = rng.below(ITEMS_PER_MEETING);
            let agenda_item_id = (m.id - 1) * ITEMS_PER_MEETING as i64 + item as i64 + 1;
            let minute_paragraph = format!("{}.{}", item + 1, rng.below(12) + 1);
            let (kind, verb) = *rng.pick(VERBS);
            let topic = *rng.pick(TOPICS);
            let description = format!("{verb} {topic}");
            let committed_by = *rng.pick(COMMITTED_BY);
            let owed_to = *rng.pick(OWED_TO);
            let source_sentence = Some(format!(
                "In response to a question from {owed_to} the {committed_by} would {} {topic}.",
                verb.to_lowercase()
            ));
            let owner = if rng.chance(5) { None } else { Some(*rng.pick(OWNERS)) };
            // Old meetings' actions are mostly done; recent ones mostly not.
            let roll = rng.below(100);
            let status: &'static str = if age_days > 365 {
                match roll {
                    0..=89 => "completed",
                    90..=95 => "withdrawn",
                    96..=97 => "in_progress",
                    _ => "open",
                }
            } else if age_days > 100 {
                match roll {
                    0..=69 => "completed",
                    70..=74 => "withdrawn",
                    75..=79 => "response_submitted",
                    80..=89 => "in_progress",
                    _ => "open",
                }
            } else {
                match roll {
                    0..=14 => "completed",
                    15..=29 => "response_submitted",
                    30..=59 => "in_progress",
                    _ => "open",
                }
            };
            let unfinished_status = matches!(status, "open" | "in_progress" | "response_submitted");
            // Long-outstanding actions were carried forward a few times.
            let later = &later_of[mi];
            let past = later.iter().take_while(|&&j| all_meetings[j].starts_at < now).count();
            let carries = if unfinished_status && age_days > 100 && past > 0 { rng.below(past.min(3)) } else { 0 };
            let due = later.get(carries).copied().or(next_of[mi]);
            let due_meeting_id = due.map(|j| all_meetings[j].id);
            let due_starts = due.map(|j| all_meetings[j].starts_at);

            // The timeline, oldest first, never in the future.
            let created = m.starts_at + Duration::days(1) + Duration::minutes(rng.below(600) as i64);
            let mut t = created;
            let step = |t: &mut NaiveDateTime, days: i64, rng: &mut Rng| {
                let next = *t + Duration::days(days) + Duration::minutes(rng.below(1440) as i64);
                *t = next.min(now - Duration::minutes(5)).max(*t + Duration::seconds(1));
                *t
            };
            let mut chain = Chain { action_id: id, prev: chain::GENESIS.to_string(), sequence: 0 };
            let mut created_changes = Map::new();
            created_changes.insert("reference".into(), change(Value::Null, json!(reference)));
            created_changes.insert("raised_at_meeting_id".into(), change(Value::Null, json!(m.id)));
            created_changes.insert("agenda_item_id".into(), change(Value::Null, json!(agenda_item_id)));
            created_changes.insert("minute_paragraph".into(), change(Value::Null, json!(minute_paragraph)));
            created_changes.insert("committed_by".into(), change(Value::Null, json!(committed_by)));
            created_changes.insert("owed_to".into(), change(Value::Null, json!(owed_to)));
            created_changes.insert("source_sentence".into(), change(Value::Null, json!(source_sentence)));
            created_changes.insert("description".into(), change(Value::Null, json!(description)));
            created_changes.insert("kind".into(), change(Value::Null, json!(kind)));
            created_changes.insert("due_meeting_id".into(), change(Value::Null, json!(due_meeting_id)));
            created_changes.insert("status".into(), change(Value::Null, json!("open")));
            created_changes.insert("times_carried_forward".into(), change(Value::Null, json!(0)));
            let first = event_buf.len();
            chain.push(&mut event_buf, &mut next_event_id, created, "secretariat", "created", created_changes, None);
            if let Some(owner) = owner {
                let mut c = Map::new();
                c.insert("owner".into(), change(Value::Null, json!(owner)));
                chain.push(
                    &mut event_buf,
                    &mut next_event_id,
                    step(&mut t, 2, &mut rng),
                    "secretariat",
                    "updated",
                    c,
                    None,
                );
            }
            for (n, pair) in later.windows(2).take(carries).enumerate() {
                let (from, to) = (pair[0], pair[1]);
                let mut c = Map::new();
                c.insert("due_meeting_id".into(), change(json!(all_meetings[from].id), json!(all_meetings[to].id)));
                c.insert("times_carried_forward".into(), change(json!(n), json!(n + 1)));
                let at = all_meetings[from].starts_at + Duration::hours(4);
                t = at.max(t + Duration::seconds(1)).min(now - Duration::minutes(4));
                chain.push(
                    &mut event_buf,
                    &mut next_event_id,
                    t,
                    "secretariat",
                    "carried_forward",
                    c,
                    Some("Figures not yet available"),
                );
            }
            let mut response = None;
            let mut status_reason = None;
            let (mut completed_at, mut closed_at) = (None, None);
            if matches!(status, "in_progress" | "response_submitted" | "completed") {
                let mut c = Map::new();
                c.insert("status".into(), change(json!("open"), json!("in_progress")));
                chain.push(&mut event_buf, &mut next_event_id, step(&mut t, 7, &mut rng), "opcc", "start", c, None);
            }
            if matches!(status, "response_submitted" | "completed") {
                let text = format!("The figures on {topic} were circulated to Members by email.");
                let mut c = Map::new();
                c.insert("response".into(), change(Value::Null, json!(text)));
                c.insert("status".into(), change(json!("in_progress"), json!("response_submitted")));
                chain.push(
                    &mut event_buf,
                    &mut next_event_id,
                    step(&mut t, 20, &mut rng),
                    "opcc",
                    "submit_response",
                    c,
                    None,
                );
                response = Some(text);
            }
            if status == "completed" {
                // Most are accepted before the due meeting starts; some after.
                let target = match due_starts {
                    Some(d) if rng.chance(75) => d - Duration::days(3),
                    Some(d) => d + Duration::days(2),
                    None => t + Duration::days(10),
                };
                let at = target.max(t + Duration::seconds(1)).min(now - Duration::minutes(3));
                t = at;
                let mut c = Map::new();
                c.insert("closed_at".into(), change(Value::Null, json!(ts(at))));
                c.insert("completed_at".into(), change(Value::Null, json!(ts(at))));
                c.insert("status".into(), change(json!("response_submitted"), json!("completed")));
                chain.push(&mut event_buf, &mut next_event_id, at, "secretariat", "accept", c, None);
                completed_at = Some(at);
                closed_at = Some(at);
            }
            if status == "withdrawn" {
                let at = step(&mut t, 30, &mut rng);
                let reason = "Superseded by the new Police and Crime Plan";
                let mut c = Map::new();
                c.insert("closed_at".into(), change(Value::Null, json!(ts(at))));
                c.insert("status".into(), change(json!("open"), json!("withdrawn")));
                c.insert("status_reason".into(), change(Value::Null, json!(reason)));
                chain.push(&mut event_buf, &mut next_event_id, at, "secretariat", "withdraw", c, Some(reason));
                status_reason = Some(reason.to_string());
                closed_at = Some(at);
            }
            let version = (event_buf.len() - first) as i64;
            events_total += version as usize;
            let updated_at = event_buf.last().map(|e| e.occurred_at).unwrap_or(created);

            if unfinished_status && status != "response_submitted" {
                unfinished.push((id, version, status));
            }
            if status == "open" {
                open_ids.push(id);
            }
            if rng.chance(1) || (sample_ids.len() < 100 && rng.chance(20)) {
                sample_ids.push(id);
            }
            action_buf.push(NewAction {
                id,
                committee_id: m.committee_id,
                reference,
                reference_year: year,
                reference_number: number,
                raised_at_meeting_id: m.id,
                agenda_item_id: Some(agenda_item_id),
                minute_paragraph: Some(minute_paragraph),
                committed_by: Some(committed_by),
                owed_to: Some(owed_to),
                source_sentence,
                description,
                kind,
                owner,
                due_meeting_id,
                due_date: None,
                status,
                response,
                status_reason,
                times_carried_forward: carries as i32,
                version,
                created_at: created,
                updated_at,
                completed_at,
                closed_at,
            });
            if action_buf.len() >= 2000 {
                flush(conn, &mut action_buf, &mut event_buf)?;
            }
        }
    }
    flush(conn, &mut action_buf, &mut event_buf)?;
    // Each committee's counter, as the service keeps it.
    for (c, n) in raised_per_committee.iter().enumerate() {
        diesel::update(committees::table.find(c as i64 + 1)).set(committees::actions_raised.eq(n)).execute(conn)?;
    }
    match conn {
        AnyConnection::Sqlite(c) => c.batch_execute("COMMIT")?,
        AnyConnection::Postgresql(c) => {
            c.batch_execute("COMMIT")?;
            // Explicit ids were inserted: move each identity on past them.
            for table in ["committees", "meetings", "agenda_items", "actions", "action_events"] {
                c.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                ))?;
            }
            c.batch_execute("SET session_replication_role = origin")?;
            c.batch_execute("VACUUM ANALYZE")?;
        }
    }
    if let AnyConnection::Sqlite(c) = conn {
        c.batch_execute("PRAGMA journal_mode = WAL;")?;
    }

    // What the benchmark addresses: the last held meeting of each of the
    // first committees (their action logs; creates are raised there), an
    // owner, a cursor deep in the open list, ids to fetch, and unfinished
    // actions with their versions for transitions.
    for list in by_committee.iter().take(64) {
        if let Some(&i) = list.iter().rev().find(|&&i| all_meetings[i].status == "held") {
            meta_log_meetings.push(all_meetings[i].id);
        }
    }
    let database_version: String = match conn {
        AnyConnection::Sqlite(c) => {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("'SQLite ' || sqlite_version()"))
                .get_result(c)?
        }
        AnyConnection::Postgresql(c) => {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("version()")).get_result(c)?
        }
    };
    let deep_after = open_ids.get(open_ids.len() * 9 / 10).copied().unwrap_or(0);
    let meta = json!({
        "actions": total,
        "events": events_total,
        "committees": n_committees,
        "meetings": all_meetings.len(),
        "seeded_at": ts(now),
        "database_version": database_version,
        "agenda_items_per_meeting": ITEMS_PER_MEETING,
        "recent_meetings": meta_log_meetings,
        "owner": OWNERS[0],
        "open_actions": open_ids.len(),
        "deep_cursor_after": deep_after,
        "sample_ids": sample_ids,
        "unfinished": unfinished.iter().map(|(id, v, s)| json!([id, v, s])).collect::<Vec<_>>(),
    });
    std::fs::write(meta_path, serde_json::to_string(&meta)?)?;
    eprintln!(
        "seeded {backend}: {total} actions, {events_total} events, {n_committees} committees, {} meetings in {:.1} s",
        all_meetings.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
