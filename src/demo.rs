//! `panel-tracker demo`: a realistic sample so a newcomer sees real-looking
//! data at once. It goes through the same store functions as the API, so
//! every action has its references and timeline like any other.

use chrono::{Duration, NaiveDateTime, NaiveTime};

use crate::db::{write_transaction, AnyConnection};
use crate::domain::{ActionKind, Actor, Error, MeetingStatus, Role, Transition, UserId, Version};
use crate::store::{self, actions, agenda_items, committees, meetings};

struct DemoAction {
    meeting: usize,
    item: usize,
    paragraph: &'static str,
    owed_to: &'static str,
    sentence: &'static str,
    description: &'static str,
    kind: ActionKind,
    owner: Option<&'static str>,
    /// Transitions applied after creation, with their response or reason.
    steps: &'static [(Transition, &'static str)],
    carry_forward: bool,
}

const MEETINGS: [(&str, i64); 5] = [
    ("Police and Crime Panel: budget and precept", -150),
    ("Police and Crime Panel: annual report", -90),
    ("Police and Crime Panel: Police and Crime Plan update", -20),
    ("Police and Crime Panel: performance and expenditure", 40),
    ("Police and Crime Panel: annual report", 110),
];

const AGENDA: [(&str, &str); 3] = [
    ("4", "Commissioner's proposed precept"),
    ("5", "Update on expenditure to support the Police and Crime Plan"),
    ("6", "Questions to the Commissioner"),
];

const ACTIONS: &[DemoAction] = &[
    DemoAction {
        meeting: 0,
        item: 1,
        paragraph: "7",
        owed_to: "Mrs Okafor, Member",
        sentence: "Asked about the youth enterprise scheme, the Commissioner said he would let the Member know which secondary school in Ashford would host the pilot.",
        description: "Confirm which Ashford secondary school will host the youth enterprise pilot",
        kind: ActionKind::ReportBack,
        owner: Some("Partnerships Manager, OPCC"),
        steps: &[
            (Transition::Start, ""),
            (Transition::SubmitResponse, "The pilot will run at Highworth Grammar School from the spring term."),
            (Transition::Accept, ""),
        ],
        carry_forward: false,
    },
    DemoAction {
        meeting: 0,
        item: 0,
        paragraph: "12.b",
        owed_to: "the Panel",
        sentence: "The Commissioner undertook to circulate the breakdown of the reserves held for estates projects before the next meeting.",
        description: "Circulate the breakdown of reserves held for estates projects",
        kind: ActionKind::ProvideInformation,
        owner: Some("Chief Finance Officer, OPCC"),
        steps: &[(Transition::SubmitResponse, "Breakdown attached as a table.")],
        carry_forward: false,
    },
    DemoAction {
        meeting: 1,
        item: 2,
        paragraph: "3",
        owed_to: "Mr Patel, Member",
        sentence: "Regarding the rural crime figures, he would check whether the increase reported in the Weald included fly-tipping offences.",
        description: "Check whether the Weald rural crime increase includes fly-tipping",
        kind: ActionKind::Check,
        owner: Some("Head of Performance, OPCC"),
        steps: &[
            (Transition::SubmitResponse, "See attached."),
            (Transition::Return, "Not in the required format: the Panel asked for figures by district."),
        ],
        carry_forward: false,
    },
    DemoAction {
        meeting: 1,
        item: 1,
        paragraph: "9",
        owed_to: "the Panel",
        sentence: "The related survey data would be published on the Commissioner's website in due course.",
        description: "Publish the victim satisfaction survey data",
        kind: ActionKind::Publish,
        owner: None,
        steps: &[],
        carry_forward: true,
    },
    DemoAction {
        meeting: 2,
        item: 2,
        paragraph: "5",
        owed_to: "Cllr Jones, Member",
        sentence: "The Commissioner agreed to look into the points raised about response times in Thanet and to provide further information.",
        description: "Look into response times in Thanet and provide further information",
        kind: ActionKind::LookInto,
        owner: Some("Head of Performance, OPCC"),
        steps: &[(Transition::Start, "")],
        carry_forward: false,
    },
    DemoAction {
        meeting: 2,
        item: 1,
        paragraph: "8",
        owed_to: "the Panel",
        sentence: "It was agreed that officers would send Members a note on how the violence reduction funding had been allocated.",
        description: "Send Members a note on the allocation of violence reduction funding",
        kind: ActionKind::ProvideInformation,
        owner: None,
        steps: &[],
        carry_forward: false,
    },
    DemoAction {
        meeting: 0,
        item: 2,
        paragraph: "14",
        owed_to: "Mr Patel, Member",
        sentence: "The Commissioner would write to the Member about the cost of the mounted unit review.",
        description: "Write to the Member about the cost of the mounted unit review",
        kind: ActionKind::ReportBack,
        owner: Some("Chief Executive, OPCC"),
        steps: &[(Transition::Withdraw, "Superseded: the review was cancelled by the Force.")],
        carry_forward: false,
    },
];

fn at_ten(now: NaiveDateTime, days: i64) -> NaiveDateTime {
    (now + Duration::days(days)).date().and_time(NaiveTime::from_hms_opt(10, 0, 0).expect("valid time"))
}

/// The demo users, one per role: for trying the service out, never for real use.
pub const DEMO_USERS: [(&str, Role, &str); 5] = [
    ("demo-admin", Role::Admin, "demo-admin-password"),
    ("demo-secretariat", Role::Secretariat, "demo-secretariat-password"),
    ("demo-opcc", Role::Opcc, "demo-opcc-password"),
    ("demo-member", Role::Member, "demo-member-password"),
    ("demo-reader", Role::Reader, "demo-reader-password"),
];

/// The owner label of the demo actions the demo OPCC user owns.
const DEMO_OPCC_OWNS: &str = "Head of Performance, OPCC";

/// Fills an empty database with the sample; refuses one that holds any user,
/// service credential or committee.
pub fn seed(conn: &mut AnyConnection) -> Result<String, Error> {
    // The demo users have published passwords: never add them beside real data.
    let (users, credentials, committees) = store::users::population(conn)?;
    if users + credentials + committees > 0 {
        return Err(Error::Conflict(format!(
            "the demo adds users whose passwords are published, so it runs only on an empty database; \
             this one holds {users} user(s), {credentials} service credential(s) and {committees} committee(s)"
        )));
    }
    let mut opcc = None;
    for (username, role, password) in DEMO_USERS {
        let display = format!("Demo {role} (demo only)");
        let user = crate::ops::users::create_user_record(conn, username, &display, role, password)?;
        if role == Role::Opcc {
            opcc = Some(user.id);
        }
    }
    let summary = seed_records(conn, opcc)?;
    Ok(format!("{summary}; demo users demo-admin, demo-secretariat, demo-opcc, demo-member, demo-reader (password: <username>-password; demo only)"))
}

/// The records; the actions of [`DEMO_OPCC_OWNS`] are owned by the demo OPCC
/// user's account, so "owed by me" shows something when they sign in.
fn seed_records(conn: &mut AnyConnection, opcc: Option<i64>) -> Result<String, Error> {
    let now = store::now();
    let actor = Actor("demo".into());
    write_transaction(conn, |conn| {
        let committee = committees::create(
            conn,
            &committees::NewCommittee {
                code: "DEMOPCP".into(),
                name: "Demonstration Police and Crime Panel".into(),
                description: Some(
                    "Sample data from `panel-tracker demo`: invented, in the style of real minutes.".into(),
                ),
                created_at: now,
                updated_at: now,
            },
        )?;
        let (meeting_ids, item_ids) = seed_meetings(conn, committee.id, now)?;
        for a in ACTIONS {
            let owner_id = opcc.filter(|_| a.owner == Some(DEMO_OPCC_OWNS)).map(UserId);
            seed_action(conn, a, owner_id, &meeting_ids, &item_ids, &actor, now)?;
        }
        seed_statutory(conn, committee.id, &actor, now)?;
        Ok(format!(
            "demo data added: committee DEMOPCP (id {}), {} meetings, {} actions",
            committee.id,
            MEETINGS.len(),
            ACTIONS.len()
        ))
    })
}

/// The statutory work: the coming precept (nothing recorded yet, its dates
/// from the law), and last year's annual report with the panel's report and
/// three recommendations: one answered, one overdue, one not yet due.
fn seed_statutory(conn: &mut AnyConnection, committee_id: i64, actor: &Actor, now: NaiveDateTime) -> Result<(), Error> {
    use crate::domain::statutory::{PccResponse, ProcessKind, ReportSubject, StatutoryStep};
    use crate::store::{panel_reports, statutory};
    use chrono::Datelike;
    let today = crate::ops::statutory::today(now);
    // The precept whose February dates are next: this year's until 8 February has passed.
    let precept_year = if (today.month(), today.day()) <= (2, 8) { today.year() } else { today.year() + 1 };
    let precept = statutory::NewProcess {
        committee_id,
        kind: ProcessKind::Precept,
        title: format!("Precept {}/{:02}", precept_year, (precept_year + 1) % 100),
        financial_year: Some(precept_year),
        post: None,
        candidate: None,
    };
    statutory::create(conn, &precept, actor, now)?;
    let last_year = if today.month() >= 4 { today.year() - 1 } else { today.year() - 2 };
    let annual = statutory::NewProcess {
        committee_id,
        kind: ProcessKind::AnnualReport,
        title: format!("Annual report {}/{:02}", last_year, (last_year + 1) % 100),
        financial_year: Some(last_year),
        post: None,
        candidate: None,
    };
    let process = statutory::create(conn, &annual, actor, now)?;
    let id = process.process.id;
    for (version, (step, days_ago)) in (1..).zip([
        (StatutoryStep::AnnualReportReceived, 60),
        (StatutoryStep::PublicMeetingHeld, 40),
        (StatutoryStep::PanelReport, 35),
    ]) {
        let record = statutory::StepRecord {
            happened_on: today - Duration::days(days_ago),
            meeting_id: None,
            veto: None,
            document_url: None,
            notes: None,
        };
        statutory::record_step(conn, id, Version(version), step, &record, actor, today, now)?;
    }
    let report = panel_reports::NewReport {
        committee_id,
        process_id: Some(id),
        subject: ReportSubject::AnnualReport,
        title: format!(
            "The panel's report on the PCC's annual report {}",
            annual.title.trim_start_matches("Annual report ")
        ),
        meeting_id: None,
        reported_on: today - Duration::days(35),
        published_url: None,
        response_due_on: Some(today - Duration::days(5)),
    };
    let items = [
        ("Publish the workforce plan behind the growth in officer numbers.", None),
        ("Report to the panel each quarter on 101 and 999 answering times.", None),
        ("Set out how rural crime will be measured in the next plan.", Some(today + Duration::days(20))),
    ]
    .map(|(body, due_on)| panel_reports::NewRecommendation { body: body.into(), due_on });
    let report = panel_reports::create(conn, &report, &items, actor, now)?;
    let first = &report.recommendations[0];
    panel_reports::respond(
        conn,
        first.id,
        Version(1),
        PccResponse::Accepted,
        "The workforce plan is published on the OPCC website with the budget papers.",
        today - Duration::days(10),
        actor,
        now,
    )?;
    Ok(())
}

/// The [`MEETINGS`] of the committee, each with the [`AGENDA`]: their ids,
/// and for each meeting its agenda items' ids.
fn seed_meetings(
    conn: &mut AnyConnection,
    committee_id: i64,
    now: NaiveDateTime,
) -> Result<(Vec<i64>, Vec<Vec<i64>>), Error> {
    let mut meeting_ids = Vec::new();
    let mut item_ids = Vec::new();
    for (title, offset) in MEETINGS {
        let starts_at = at_ten(now, offset);
        let meeting = meetings::create(
            conn,
            &meetings::NewMeeting {
                committee_id,
                title: title.into(),
                starts_at,
                location: Some("Council Chamber, County Hall".into()),
                status: if offset < 0 { MeetingStatus::Held } else { MeetingStatus::Scheduled },
                created_at: now,
                updated_at: now,
            },
        )?;
        item_ids.push(seed_agenda(conn, meeting.id, now)?);
        meeting_ids.push(meeting.id);
    }
    Ok((meeting_ids, item_ids))
}

/// The [`AGENDA`] of one meeting: the items' ids.
fn seed_agenda(conn: &mut AnyConnection, meeting_id: i64, now: NaiveDateTime) -> Result<Vec<i64>, Error> {
    let mut items = Vec::new();
    for (number, item_title) in AGENDA {
        let item = agenda_items::create(
            conn,
            &agenda_items::NewAgendaItem {
                meeting_id,
                number: number.into(),
                title: item_title.into(),
                created_at: now,
                updated_at: now,
            },
        )?;
        items.push(item.id);
    }
    Ok(items)
}

/// One demo action: created, taken through its steps, and carried forward
/// if it says so.
fn seed_action(
    conn: &mut AnyConnection,
    a: &DemoAction,
    owner_id: Option<UserId>,
    meeting_ids: &[i64],
    item_ids: &[Vec<i64>],
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<(), Error> {
    let mut view = actions::create(
        conn,
        &actions::NewAction {
            raised_at_meeting_id: meeting_ids[a.meeting],
            agenda_item_id: Some(item_ids[a.meeting][a.item]),
            minute_paragraph: Some(a.paragraph.into()),
            committed_by: Some("Commissioner".into()),
            owed_to: Some(a.owed_to.into()),
            source_sentence: Some(a.sentence.into()),
            description: a.description.into(),
            kind: a.kind,
            owner: a.owner.map(Into::into),
            owner_id,
            due_meeting_id: None,
            due_date: None,
            exemption: None,
        },
        actor,
        now,
    )?;
    for (transition, text) in a.steps {
        let (response, reason) = match transition.requirement() {
            crate::domain::lifecycle::Requirement::Response => (Some(*text), None),
            crate::domain::lifecycle::Requirement::Reason => (None, Some(*text)),
            crate::domain::lifecycle::Requirement::Nothing => (None, None),
        };
        let version = Version(view.row.version);
        view = actions::transition(conn, view.row.id, version, *transition, response, reason, actor, now)?;
    }
    if a.carry_forward {
        let version = Version(view.row.version);
        actions::carry_forward(conn, view.row.id, version, None, Some("Data not yet validated"), actor, now)?;
    }
    Ok(())
}
