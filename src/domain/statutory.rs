//! The clocks the law sets for a Police and Crime Panel's statutory work,
//! as pure rules: the precept cycle (Police Reform and Social Responsibility
//! Act 2011 Schedule 5; the Police and Crime Panels (Precepts and Chief
//! Constable Appointments) Regulations 2012, SI 2012/2271, regs 3 to 7), the
//! three weeks of a confirmation hearing (Schedule 8 para 4(6); Schedule 1),
//! the two-thirds a veto needs (Schedule 5 para 4; Schedule 8 para 5), the
//! plan and the annual report (s.5, s.12, s.28), and the panel's
//! recommendations. `../shared/statutory.md` sets out the sources.
//!
//! A [`Process`] is what has been recorded so far; the rules decide which
//! steps apply, when each is due, whether a new record is allowed (refused
//! with the rule named), and where the process stands.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Duration, NaiveDate};
use diesel::deserialize::FromSqlRow;
use diesel::expression::AsExpression;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::action_log::Rating;
use super::sql_text::text_enum;

/// An enum named in the API and stored as TEXT by its snake_case name.
macro_rules! named {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema, AsExpression, FromSqlRow)]
        #[diesel(sql_type = Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("unknown {} `{s}`", stringify!($name)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        text_enum!($name);
    };
}

named! {
    /// Who owes a step.
    pub enum Party {
        /// The Police and Crime Commissioner.
        Pcc => "pcc",
        /// The Police and Crime Panel.
        Panel => "panel",
    }
}

named! {
    /// The kinds of statutory process a panel runs.
    pub enum ProcessKind {
        /// The precept for a financial year (Sch 5; SI 2012/2271 Part 2).
        Precept => "precept",
        /// The Police and Crime Plan or a variation of it (s.5, s.28(3)).
        PoliceAndCrimePlan => "police_and_crime_plan",
        /// The PCC's annual report for a financial year (s.12, s.28(4)).
        AnnualReport => "annual_report",
        /// The appointment of a chief constable (Sch 8 Part 1).
        ChiefConstableAppointment => "chief_constable_appointment",
        /// A confirmation hearing for a deputy PCC, chief executive or chief finance officer (Sch 1).
        ConfirmationHearing => "confirmation_hearing",
    }
}

named! {
    /// The steps of the processes, in the panel's words.
    pub enum StatutoryStep {
        /// The PCC notifies the panel of the proposed precept (reg 3; Sch 5 para 2).
        ProposedPreceptNotified => "proposed_precept_notified",
        /// The PCC gives the panel the draft plan or variation (s.5, s.28(3)).
        DraftPlanReceived => "draft_plan_received",
        /// The PCC sends the panel the annual report (s.12(1)).
        AnnualReportReceived => "annual_report_received",
        /// The PCC notifies the panel of the proposed appointment (Sch 8 para 3; Sch 1).
        AppointmentNotified => "appointment_notified",
        /// The panel's public meeting where the PCC presents the annual report (s.12(2), (3)).
        PublicMeetingHeld => "public_meeting_held",
        /// The panel's confirmation hearing (Sch 8 para 4; Sch 1).
        ConfirmationHearingHeld => "confirmation_hearing_held",
        /// The panel's report (on the precept: perhaps with a veto).
        PanelReport => "panel_report",
        /// After a veto: the PCC responds and notifies the revised precept (reg 5).
        RevisedPreceptNotified => "revised_precept_notified",
        /// The panel reviews the revised precept and reports (reg 6).
        PanelReportOnRevised => "panel_report_on_revised",
        /// The PCC responds to the panel and issues the precept (reg 7).
        PreceptIssued => "precept_issued",
        /// The PCC gives the panel a response and publishes it (s.5(6), s.12(4)).
        PccResponsePublished => "pcc_response_published",
        /// The PCC notifies the panel whether they accept its recommendation (Sch 8 para 7(3)).
        PccDecisionNotified => "pcc_decision_notified",
    }
}

named! {
    /// What a panel report is about.
    pub enum ReportSubject {
        Precept => "precept",
        PoliceAndCrimePlan => "police_and_crime_plan",
        AnnualReport => "annual_report",
        /// A chief constable appointment or a confirmation hearing.
        Appointment => "appointment",
        /// Any other decision or action of the PCC (s.28(6)).
        Decision => "decision",
    }
}

named! {
    /// The PCC's response to a recommendation.
    pub enum PccResponse {
        Accepted => "accepted",
        PartlyAccepted => "partly_accepted",
        NotAccepted => "not_accepted",
    }
}

named! {
    /// Where a process stands.
    pub enum ProcessStatus {
        /// Steps remain.
        Open => "open",
        /// The panel vetoed the proposed precept after 8 February: the
        /// scrutiny has ended and the PCC may issue the proposed precept (reg 4(2)).
        ScrutinyEnded => "scrutiny_ended",
        /// The panel vetoed the appointment: the PCC must not appoint the
        /// candidate (Sch 8 para 8).
        Vetoed => "vetoed",
        /// Three weeks passed with no report: the confirmation process has
        /// ended (Sch 8 para 2 for a chief constable; Sch 1 for the senior posts).
        Lapsed => "lapsed",
        /// Every step that applies has happened.
        Completed => "completed",
    }
}

/// Where a due date comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DueSource {
    /// Computed from the law's rules.
    Law,
    /// Set by the panel, where the law sets none.
    Panel,
}

impl ProcessKind {
    /// The steps the law sets, in order (some apply only after a veto).
    pub fn steps(self) -> &'static [StatutoryStep] {
        use StatutoryStep::*;
        match self {
            ProcessKind::Precept => {
                &[ProposedPreceptNotified, PanelReport, RevisedPreceptNotified, PanelReportOnRevised, PreceptIssued]
            }
            ProcessKind::PoliceAndCrimePlan => &[DraftPlanReceived, PanelReport, PccResponsePublished],
            ProcessKind::AnnualReport => &[AnnualReportReceived, PublicMeetingHeld, PanelReport, PccResponsePublished],
            ProcessKind::ChiefConstableAppointment | ProcessKind::ConfirmationHearing => {
                &[AppointmentNotified, ConfirmationHearingHeld, PanelReport, PccDecisionNotified]
            }
        }
    }

    /// Whether the panel may veto (the precept and the chief constable only).
    pub fn may_veto(self) -> bool {
        matches!(self, ProcessKind::Precept | ProcessKind::ChiefConstableAppointment)
    }

    /// Whether the process is for a financial year.
    pub fn has_financial_year(self) -> bool {
        matches!(self, ProcessKind::Precept | ProcessKind::AnnualReport)
    }

    /// Whether the process is an appointment, with a post and a candidate.
    pub fn is_appointment(self) -> bool {
        matches!(self, ProcessKind::ChiefConstableAppointment | ProcessKind::ConfirmationHearing)
    }

    /// The subject of the panel's reports in this process.
    pub fn report_subject(self) -> ReportSubject {
        match self {
            ProcessKind::Precept => ReportSubject::Precept,
            ProcessKind::PoliceAndCrimePlan => ReportSubject::PoliceAndCrimePlan,
            ProcessKind::AnnualReport => ReportSubject::AnnualReport,
            ProcessKind::ChiefConstableAppointment | ProcessKind::ConfirmationHearing => ReportSubject::Appointment,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ProcessKind::Precept => "Precept",
            ProcessKind::PoliceAndCrimePlan => "Police and Crime Plan",
            ProcessKind::AnnualReport => "Annual report",
            ProcessKind::ChiefConstableAppointment => "Chief constable appointment",
            ProcessKind::ConfirmationHearing => "Confirmation hearing",
        }
    }
}

impl StatutoryStep {
    pub fn owed_by(self) -> Party {
        use StatutoryStep::*;
        match self {
            PublicMeetingHeld | ConfirmationHearingHeld | PanelReport | PanelReportOnRevised => Party::Panel,
            _ => Party::Pcc,
        }
    }

    /// The step as a secretariat would put it in a calendar.
    pub fn title(self) -> &'static str {
        use StatutoryStep::*;
        match self {
            ProposedPreceptNotified => "PCC notifies the panel of the proposed precept",
            DraftPlanReceived => "PCC gives the panel the draft plan or variation",
            AnnualReportReceived => "PCC sends the panel the annual report",
            AppointmentNotified => "PCC notifies the panel of the proposed appointment",
            PublicMeetingHeld => "Panel holds a public meeting on the annual report",
            ConfirmationHearingHeld => "Panel holds the confirmation hearing",
            PanelReport => "Panel reports to the PCC",
            RevisedPreceptNotified => "PCC responds and notifies the revised precept",
            PanelReportOnRevised => "Panel reports on the revised precept",
            PreceptIssued => "PCC responds and issues the precept",
            PccResponsePublished => "PCC responds to the panel and publishes the response",
            PccDecisionNotified => "PCC notifies the panel whether they accept its recommendation",
        }
    }

    /// Where the law sets the step, for a process of this kind.
    pub fn source(self, kind: ProcessKind) -> &'static str {
        use ProcessKind as K;
        use StatutoryStep::*;
        match (kind, self) {
            (_, ProposedPreceptNotified) => "SI 2012/2271 reg 3; PRSRA 2011 Sch 5 para 2",
            (K::Precept, PanelReport) => "SI 2012/2271 reg 4(1); PRSRA 2011 Sch 5 para 3",
            (_, RevisedPreceptNotified) => "SI 2012/2271 reg 5",
            (_, PanelReportOnRevised) => "SI 2012/2271 reg 6",
            (_, PreceptIssued) => "SI 2012/2271 reg 7",
            (_, DraftPlanReceived) => "PRSRA 2011 s.5, s.28(3)",
            (K::PoliceAndCrimePlan, PanelReport) => "PRSRA 2011 s.28(3)",
            (K::PoliceAndCrimePlan, PccResponsePublished) => "PRSRA 2011 s.5(6)",
            (_, AnnualReportReceived) => "PRSRA 2011 s.12(1)",
            (_, PublicMeetingHeld) => "PRSRA 2011 s.12(2), (3)",
            (K::AnnualReport, PanelReport) => "PRSRA 2011 s.28(4)",
            (_, PccResponsePublished) => "PRSRA 2011 s.12(4)",
            (K::ChiefConstableAppointment, AppointmentNotified) => "PRSRA 2011 Sch 8 para 3",
            (K::ChiefConstableAppointment, ConfirmationHearingHeld | PanelReport) => "PRSRA 2011 Sch 8 para 4",
            (K::ChiefConstableAppointment, PccDecisionNotified) => "PRSRA 2011 Sch 8 para 7(3)",
            // Deputy PCC, chief executive, chief finance officer: the same shape, no veto.
            (_, AppointmentNotified | ConfirmationHearingHeld | PanelReport | PccDecisionNotified) => {
                "PRSRA 2011 Sch 1"
            }
        }
    }
}

/// The last day of a period of three weeks "beginning with the day on
/// which the panel receives the notification" (Sch 8 para 4(6)): the day of
/// notification counts, so notified on day D the last day is D + 20.
pub fn three_weeks_from(notified: NaiveDate) -> NaiveDate {
    notified + Duration::days(20)
}

/// Whether a veto carries: at least two-thirds of the persons who are
/// members of the panel at the time (not of those present or voting).
pub fn veto_carries(votes_for: u32, members: u32) -> bool {
    members > 0 && votes_for <= members && u64::from(votes_for) * 3 >= u64::from(members) * 2
}

/// The votes a veto needs with this many members.
pub fn votes_needed(members: u32) -> u32 {
    u32::try_from((u64::from(members) * 2).div_ceil(3)).unwrap_or(u32::MAX)
}

/// The fixed date of a precept step for the financial year beginning 1 April
/// `year`: the dates fall in the "relevant financial year", the one before
/// (so February of `year`: for 2019/20, February 2019), and are fixed
/// calendar dates whatever the weekday. `None` where the law sets no date
/// (the revised steps without a veto; the issue without one).
pub fn precept_due(step: StatutoryStep, year: i32, vetoed: bool) -> Option<NaiveDate> {
    let (month, day) = match (step, vetoed) {
        (StatutoryStep::ProposedPreceptNotified, _) => (2, 1),
        (StatutoryStep::PanelReport, _) => (2, 8),
        (StatutoryStep::RevisedPreceptNotified, true) => (2, 15),
        (StatutoryStep::PanelReportOnRevised, true) => (2, 22),
        (StatutoryStep::PreceptIssued, true) => (3, 1),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A veto: the votes for it and the panel's membership at the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vote {
    pub votes_for: u32,
    pub members: u32,
}

/// A step as recorded: the day it happened, and a veto where there was one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub on: NaiveDate,
    pub veto: Option<Vote>,
}

/// A step refused, naming the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// A statutory process as recorded so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub kind: ProcessKind,
    /// The financial year (beginning 1 April) of a precept or annual report.
    pub financial_year: Option<i32>,
    pub recorded: BTreeMap<StatutoryStep, Recorded>,
    /// Dates the panel set where the law sets none.
    pub panel_dates: BTreeMap<StatutoryStep, NaiveDate>,
}

/// One step of a process as the rules see it today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduledStep {
    pub step: StatutoryStep,
    pub owed_by: Party,
    pub source: &'static str,
    /// Whether the step is required, given what has happened (the revised
    /// precept only after a veto in time; nothing after a process ends).
    pub applies: bool,
    pub due_on: Option<NaiveDate>,
    pub due_source: Option<DueSource>,
    pub happened_on: Option<NaiveDate>,
    /// Happened after its due date, or still awaited after it.
    pub late: bool,
}

impl Process {
    /// The rule that ends a confirmation process: Sch 8 for a chief
    /// constable, Sch 1 for the senior posts.
    fn confirmation_rule(&self) -> &'static str {
        match self.kind {
            ProcessKind::ConfirmationHearing => "PRSRA 2011 Sch 1",
            _ => "PRSRA 2011 Sch 8 para 2, 4(6)",
        }
    }

    pub fn new(kind: ProcessKind, financial_year: Option<i32>) -> Self {
        Process { kind, financial_year, recorded: BTreeMap::new(), panel_dates: BTreeMap::new() }
    }

    fn report(&self) -> Option<Recorded> {
        self.recorded.get(&StatutoryStep::PanelReport).copied()
    }

    fn notified(&self) -> Option<NaiveDate> {
        self.recorded.get(&StatutoryStep::AppointmentNotified).map(|r| r.on)
    }

    /// The last day of the three weeks for the panel's report on an appointment.
    fn report_period_ends(&self) -> Option<NaiveDate> {
        self.notified().filter(|_| self.kind.is_appointment()).map(three_weeks_from)
    }

    /// A valid veto of the proposed precept made by 8 February: the revised
    /// precept steps follow (reg 5).
    pub fn precept_vetoed_in_time(&self) -> bool {
        self.kind == ProcessKind::Precept
            && self.report().is_some_and(|r| {
                r.veto.is_some()
                    && self
                        .financial_year
                        .and_then(|y| precept_due(StatutoryStep::PanelReport, y, true))
                        .is_some_and(|due| r.on <= due)
            })
    }

    /// The date the law sets for a step, given what has happened.
    pub fn law_due(&self, step: StatutoryStep) -> Option<NaiveDate> {
        match self.kind {
            ProcessKind::Precept => precept_due(step, self.financial_year?, self.precept_vetoed_in_time()),
            ProcessKind::ChiefConstableAppointment | ProcessKind::ConfirmationHearing => match step {
                StatutoryStep::ConfirmationHearingHeld | StatutoryStep::PanelReport => self.report_period_ends(),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether the law sets this step's date (then the panel may not set one).
    pub fn law_sets_date(&self, step: StatutoryStep) -> bool {
        match self.kind {
            ProcessKind::Precept => step != StatutoryStep::PreceptIssued || self.precept_vetoed_in_time(),
            ProcessKind::ChiefConstableAppointment | ProcessKind::ConfirmationHearing => {
                matches!(step, StatutoryStep::ConfirmationHearingHeld | StatutoryStep::PanelReport)
            }
            _ => false,
        }
    }

    pub fn due(&self, step: StatutoryStep) -> Option<(NaiveDate, DueSource)> {
        match self.law_due(step) {
            Some(d) => Some((d, DueSource::Law)),
            None if self.law_sets_date(step) => None,
            None => self.panel_dates.get(&step).map(|d| (*d, DueSource::Panel)),
        }
    }

    /// Where the process stands on `today`.
    pub fn status(&self, today: NaiveDate) -> ProcessStatus {
        if self.kind == ProcessKind::ChiefConstableAppointment && self.report().is_some_and(|r| r.veto.is_some()) {
            return ProcessStatus::Vetoed;
        }
        if self.kind.is_appointment()
            && self.report().is_none()
            && self.report_period_ends().is_some_and(|end| today > end)
        {
            return ProcessStatus::Lapsed;
        }
        // The precept once issued, whether or not the panel reported in time.
        let issued = self.kind == ProcessKind::Precept && self.recorded.contains_key(&StatutoryStep::PreceptIssued);
        if issued || self.kind.steps().iter().all(|s| !self.applies(*s) || self.recorded.contains_key(s)) {
            return ProcessStatus::Completed;
        }
        if self.kind == ProcessKind::Precept
            && self.report().is_some_and(|r| r.veto.is_some())
            && !self.precept_vetoed_in_time()
        {
            return ProcessStatus::ScrutinyEnded;
        }
        ProcessStatus::Open
    }

    /// Whether a step is required, given what has happened.
    pub fn applies(&self, step: StatutoryStep) -> bool {
        use StatutoryStep::*;
        match step {
            RevisedPreceptNotified | PanelReportOnRevised => self.precept_vetoed_in_time(),
            // After a veto the PCC must not appoint the candidate (Sch 8 para 8).
            PccDecisionNotified => self.report().is_none_or(|r| r.veto.is_none()),
            _ => true,
        }
    }

    /// Every step of the process as the rules see it on `today`.
    pub fn schedule(&self, today: NaiveDate) -> Vec<ScheduledStep> {
        // Once a process has ended or been completed, nothing more is owed.
        let ended =
            matches!(self.status(today), ProcessStatus::Vetoed | ProcessStatus::Lapsed | ProcessStatus::Completed);
        self.kind
            .steps()
            .iter()
            .map(|&step| {
                let happened_on = self.recorded.get(&step).map(|r| r.on);
                // A step's date stays shown after its process ended (a lapsed
                // hearing's three weeks), but nothing more is owed.
                let due = if self.applies(step) { self.due(step) } else { None };
                let applies = self.applies(step) && (happened_on.is_some() || !ended);
                let late = applies
                    && due.is_some_and(|(d, _)| match happened_on {
                        Some(on) => on > d,
                        None => today > d,
                    });
                ScheduledStep {
                    step,
                    owed_by: step.owed_by(),
                    source: step.source(self.kind),
                    applies,
                    due_on: due.map(|(d, _)| d),
                    due_source: due.map(|(_, s)| s),
                    happened_on,
                    late,
                }
            })
            .collect()
    }

    /// Checks a new record against the law, naming the rule it would break.
    /// `today` keeps records out of the future.
    pub fn check(&self, step: StatutoryStep, record: Recorded, today: NaiveDate) -> Result<(), Refused> {
        let kind = self.kind;
        let refuse = |message: String| Err(Refused(message));
        if !kind.steps().contains(&step) {
            return refuse(format!("a {} process has no step `{step}`", kind.as_str()));
        }
        if record.on > today {
            return refuse(format!("{step} is recorded once it has happened: {} is after today", record.on));
        }
        if self.recorded.contains_key(&step) {
            return refuse(match (kind, step) {
                (ProcessKind::Precept, StatutoryStep::PanelReport) => {
                    "the panel makes one report on the proposed precept, and may veto it once (PRSRA 2011 Sch 5 para 3, 4)"
                        .to_string()
                }
                _ => format!("{step} has already been recorded for this process ({})", step.source(kind)),
            });
        }
        match self.status(today) {
            ProcessStatus::Vetoed => {
                return refuse(
                    "the panel vetoed the appointment: the PCC must not appoint the candidate and proposes another, in a new process (PRSRA 2011 Sch 8 para 8)"
                        .into(),
                )
            }
            ProcessStatus::Lapsed if step == StatutoryStep::PccDecisionNotified => {
                return refuse(format!(
                    "three weeks passed from the notification with no report from the panel, so the confirmation process ended on {} ({})",
                    self.report_period_ends().map(|d| d.to_string()).unwrap_or_default(),
                    self.confirmation_rule()
                ))
            }
            _ => {}
        }
        if !self.applies(step) {
            return refuse(match step {
                StatutoryStep::RevisedPreceptNotified | StatutoryStep::PanelReportOnRevised => {
                    "a revised precept follows only a veto of the proposed precept reported by 8 February (SI 2012/2271 reg 4(2), 5)".into()
                }
                _ => format!("{step} does not apply to this process ({})", step.source(kind)),
            });
        }
        // Every earlier step that applies must have happened, and not later.
        for &earlier in kind.steps().iter().take_while(|s| **s != step) {
            if !self.applies(earlier) {
                continue;
            }
            // The panel that makes no report by its date cannot stop the PCC
            // issuing the precept (reg 4(1), 6 set the panel's last days).
            let panel_silent = self.kind == ProcessKind::Precept
                && step == StatutoryStep::PreceptIssued
                && matches!(earlier, StatutoryStep::PanelReport | StatutoryStep::PanelReportOnRevised)
                && self.law_due(earlier).is_some_and(|last| record.on > last);
            match self.recorded.get(&earlier) {
                None if panel_silent => {}
                None => {
                    return refuse(format!("{step} follows {earlier} ({}): record {earlier} first", step.source(kind)))
                }
                Some(r) if r.on > record.on => {
                    return refuse(format!("{step} on {} cannot come before {earlier} on {}", record.on, r.on))
                }
                _ => {}
            }
        }
        if let Some(vote) = record.veto {
            let may = kind.may_veto() && matches!(step, StatutoryStep::PanelReport);
            if !may {
                return refuse(match kind {
                    ProcessKind::ConfirmationHearing => {
                        "the panel has no veto over a deputy PCC, chief executive or chief finance officer: it reports with a recommendation (PRSRA 2011 Sch 1)".into()
                    }
                    ProcessKind::Precept if step == StatutoryStep::PanelReportOnRevised => {
                        "the panel may veto the proposed precept once; on the revised precept it reports, accepting it or not, with recommendations (SI 2012/2271 reg 6)".into()
                    }
                    _ => "the law gives the panel a veto only in its report on the proposed precept (PRSRA 2011 Sch 5 para 4) or on a chief constable's appointment (Sch 8 para 5)".into(),
                });
            }
            if !veto_carries(vote.votes_for, vote.members) {
                let rule =
                    if kind == ProcessKind::Precept { "PRSRA 2011 Sch 5 para 4" } else { "PRSRA 2011 Sch 8 para 5" };
                return refuse(format!(
                    "a veto needs at least two-thirds of the {} members of the panel at the time: {} votes, not {} ({rule})",
                    vote.members,
                    votes_needed(vote.members),
                    vote.votes_for
                ));
            }
        }
        if kind.is_appointment() && matches!(step, StatutoryStep::ConfirmationHearingHeld | StatutoryStep::PanelReport)
        {
            if let Some(end) = self.report_period_ends() {
                if record.on > end {
                    return refuse(format!(
                        "the panel's hearing and report fall within three weeks beginning with the day of notification, which ended on {end}; after that the confirmation process has ended ({})",
                        self.confirmation_rule()
                    ));
                }
            }
        }
        Ok(())
    }

    /// Records a step after [`Process::check`].
    pub fn record(&mut self, step: StatutoryStep, record: Recorded, today: NaiveDate) -> Result<(), Refused> {
        self.check(step, record, today)?;
        self.recorded.insert(step, record);
        Ok(())
    }

    /// Checks a date the panel sets for a step where the law sets none.
    pub fn check_panel_date(&self, step: StatutoryStep) -> Result<(), Refused> {
        if !self.kind.steps().contains(&step) {
            return Err(Refused(format!("a {} process has no step `{step}`", self.kind.as_str())));
        }
        if self.law_sets_date(step) {
            return Err(Refused(format!(
                "the law sets the date for {step} ({}): the panel cannot move it",
                step.source(self.kind)
            )));
        }
        Ok(())
    }

    /// The consequences of what has happened, in words, for the record.
    pub fn consequence(&self, today: NaiveDate) -> Option<&'static str> {
        match self.status(today) {
            ProcessStatus::ScrutinyEnded => Some(
                "The panel's veto was reported after 8 February: the scrutiny has ended and the PCC may issue the proposed precept (SI 2012/2271 reg 4(2)).",
            ),
            ProcessStatus::Vetoed => Some(
                "The panel vetoed the appointment: the PCC must not appoint the candidate and proposes another (PRSRA 2011 Sch 8 para 8).",
            ),
            ProcessStatus::Lapsed if self.kind == ProcessKind::ConfirmationHearing => Some(
                "Three weeks passed from the notification with no report: the confirmation process has ended (PRSRA 2011 Sch 1).",
            ),
            ProcessStatus::Lapsed => Some(
                "Three weeks passed from the notification with no report: the confirmation process has ended (PRSRA 2011 Sch 8 para 2).",
            ),
            _ if self.precept_vetoed_in_time() && !self.recorded.contains_key(&StatutoryStep::RevisedPreceptNotified) => Some(
                "The panel vetoed the proposed precept by 8 February: the PCC responds with a revised precept by 15 February (SI 2012/2271 reg 5).",
            ),
            _ if self.precept_vetoed_in_time() => Some(
                "The panel vetoed the proposed precept by 8 February, so the revised precept's steps apply (SI 2012/2271 regs 5 to 7).",
            ),
            _ => None,
        }
    }
}

/// A recommendation is overdue once its due date has passed with no
/// response from the PCC (the action rule, for a date).
pub fn recommendation_overdue(due_on: Option<NaiveDate>, responded: bool, today: NaiveDate) -> bool {
    !responded && due_on.is_some_and(|d| today > d)
}

/// Red, amber or green as for actions: red overdue, amber awaiting a
/// response, green answered.
pub fn recommendation_rating(responded: bool, overdue: bool) -> Rating {
    match (responded, overdue) {
        (true, _) => Rating::Green,
        (false, true) => Rating::Red,
        (false, false) => Rating::Amber,
    }
}

/// A recommendation's reference: `CODE/R/YEAR/NNN`, numbered per committee
/// and year apart from actions' `CODE/YEAR/NNN`.
pub fn recommendation_reference(committee_code: &str, year: i32, number: i32) -> String {
    format!("{committee_code}/R/{year}/{number:03}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatutoryStep as S;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn on(date: NaiveDate) -> Recorded {
        Recorded { on: date, veto: None }
    }

    fn veto(date: NaiveDate, votes_for: u32, members: u32) -> Recorded {
        Recorded { on: date, veto: Some(Vote { votes_for, members }) }
    }

    const TODAY: fn() -> NaiveDate = || NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();

    #[test]
    fn the_precept_dates_are_fixed_for_every_year() {
        // 2019/20: notified by 1 February 2019 (a Friday) ... issued by 1 March 2019.
        // 2020/21: 1 February 2020 is a Saturday: the dates do not move.
        // 2024/25: February 2024 has 29 days: 1 March is still 1 March.
        for year in [2019, 2020, 2021, 2024, 2025, 2028] {
            let y = year;
            assert_eq!(precept_due(S::ProposedPreceptNotified, year, false), Some(d(y, 2, 1)));
            assert_eq!(precept_due(S::PanelReport, year, false), Some(d(y, 2, 8)));
            assert_eq!(precept_due(S::RevisedPreceptNotified, year, true), Some(d(y, 2, 15)));
            assert_eq!(precept_due(S::PanelReportOnRevised, year, true), Some(d(y, 2, 22)));
            assert_eq!(precept_due(S::PreceptIssued, year, true), Some(d(y, 3, 1)));
            assert_eq!(precept_due(S::RevisedPreceptNotified, year, false), None, "no veto, no revised precept");
            assert_eq!(precept_due(S::PreceptIssued, year, false), None, "no date without a veto");
        }
        // The precept for 2019/20 (the financial year from 1 April 2019): notified by Friday 1 February 2019.
        assert_eq!(precept_due(S::ProposedPreceptNotified, 2019, false), Some(d(2019, 2, 1)));
        assert_eq!(d(2019, 2, 1).format("%A").to_string(), "Friday");
        assert_eq!(d(2020, 2, 1).format("%A").to_string(), "Saturday");
        assert_eq!(d(2026, 2, 1).format("%A").to_string(), "Sunday");
        assert_eq!(S::ProposedPreceptNotified.owed_by(), Party::Pcc);
        assert_eq!(S::PanelReportOnRevised.owed_by(), Party::Panel);
    }

    #[test]
    fn three_weeks_begin_with_the_day_of_notification() {
        assert_eq!(three_weeks_from(d(2024, 3, 1)), d(2024, 3, 21));
        // Across the end of February in a leap year and in a common year.
        assert_eq!(three_weeks_from(d(2024, 2, 20)), d(2024, 3, 11));
        assert_eq!(three_weeks_from(d(2023, 2, 20)), d(2023, 3, 12));
        assert_eq!(three_weeks_from(d(2025, 12, 20)), d(2026, 1, 9));
    }

    #[test]
    fn a_veto_needs_two_thirds_of_the_membership() {
        assert!(veto_carries(8, 12) && !veto_carries(7, 12));
        assert!(veto_carries(7, 10) && !veto_carries(6, 10));
        assert!(veto_carries(2, 3) && !veto_carries(1, 3));
        assert!(!veto_carries(0, 0) && !veto_carries(11, 10));
        assert_eq!(votes_needed(12), 8);
        assert_eq!(votes_needed(10), 7);
        assert_eq!(votes_needed(20), 14);
    }

    #[test]
    fn a_cycle_with_a_valid_veto_goes_through_the_revised_steps() {
        let mut p = Process::new(ProcessKind::Precept, Some(2024));
        let today = TODAY();
        assert_eq!(p.status(today), ProcessStatus::Open);
        let early = p.check(S::PanelReport, on(d(2024, 2, 5)), today);
        assert!(early.unwrap_err().0.contains("follows proposed_precept_notified"));
        p.record(S::ProposedPreceptNotified, on(d(2024, 1, 30)), today).unwrap();
        let short = p.check(S::PanelReport, veto(d(2024, 2, 6), 7, 12), today);
        assert!(short.unwrap_err().0.contains("8 votes, not 7"));
        let revised = p.check(S::RevisedPreceptNotified, on(d(2024, 2, 14)), today);
        assert!(revised.unwrap_err().0.contains("reg 4(2), 5"), "a revised precept without a veto");
        assert!(!p.schedule(today)[2].applies);
        p.record(S::PanelReport, veto(d(2024, 2, 6), 9, 12), today).unwrap();
        let again = p.check(S::PanelReport, veto(d(2024, 2, 7), 9, 12), today);
        assert!(again.unwrap_err().0.contains("may veto it once"), "a second veto");
        let schedule = p.schedule(today);
        assert!(schedule.iter().all(|s| s.applies));
        assert_eq!(schedule[2].due_on, Some(d(2024, 2, 15)));
        assert_eq!(schedule[4].due_on, Some(d(2024, 3, 1)));
        assert!(p.check(S::PanelReportOnRevised, veto(d(2024, 2, 20), 12, 12), today).unwrap_err().0.contains("reg 6"));
        p.record(S::RevisedPreceptNotified, on(d(2024, 2, 14)), today).unwrap();
        p.record(S::PanelReportOnRevised, on(d(2024, 2, 21)), today).unwrap();
        assert_eq!(p.status(today), ProcessStatus::Open);
        p.record(S::PreceptIssued, on(d(2024, 2, 28)), today).unwrap();
        assert_eq!(p.status(today), ProcessStatus::Completed);
        assert!(p.schedule(today).iter().all(|s| !s.late));
    }

    #[test]
    fn a_veto_after_8_february_ends_the_scrutiny() {
        let today = TODAY();
        let mut p = Process::new(ProcessKind::Precept, Some(2024));
        p.record(S::ProposedPreceptNotified, on(d(2024, 1, 31)), today).unwrap();
        p.record(S::PanelReport, veto(d(2024, 2, 9), 10, 12), today).unwrap();
        assert_eq!(p.status(today), ProcessStatus::ScrutinyEnded);
        assert!(p.consequence(today).unwrap().contains("reg 4(2)"));
        assert!(p.check(S::RevisedPreceptNotified, on(d(2024, 2, 14)), today).is_err());
        let schedule = p.schedule(today);
        assert!(schedule[1].late, "reported after 8 February");
        assert!(!schedule[2].applies && !schedule[3].applies);
        p.record(S::PreceptIssued, on(d(2024, 2, 12)), today).unwrap();
        assert_eq!(p.status(today), ProcessStatus::Completed);
    }

    #[test]
    fn a_panel_that_never_reports_cannot_stop_the_issue() {
        let today = TODAY();
        let mut p = Process::new(ProcessKind::Precept, Some(2024));
        p.record(S::ProposedPreceptNotified, on(d(2024, 1, 31)), today).unwrap();
        assert!(p.check(S::PreceptIssued, on(d(2024, 2, 8)), today).unwrap_err().0.contains("follows panel_report"));
        p.record(S::PreceptIssued, on(d(2024, 2, 9)), today).unwrap();
        assert_eq!(p.status(today), ProcessStatus::Completed);
        let report = p.schedule(today)[1];
        assert!(!report.applies && !report.late, "nothing is owed once the precept is issued");
    }

    #[test]
    fn without_a_veto_the_panel_sets_the_date_of_the_issue() {
        let today = TODAY();
        let mut p = Process::new(ProcessKind::Precept, Some(2024));
        assert!(p.check_panel_date(S::PanelReport).unwrap_err().0.contains("the law sets the date"));
        p.check_panel_date(S::PreceptIssued).unwrap();
        p.panel_dates.insert(S::PreceptIssued, d(2024, 2, 20));
        p.record(S::ProposedPreceptNotified, on(d(2024, 2, 2)), today).unwrap();
        p.record(S::PanelReport, on(d(2024, 2, 7)), today).unwrap();
        let schedule = p.schedule(today);
        assert!(schedule[0].late, "notified after 1 February");
        assert_eq!((schedule[4].due_on, schedule[4].due_source), (Some(d(2024, 2, 20)), Some(DueSource::Panel)));
        assert!(p.check(S::PreceptIssued, on(d(2024, 2, 6)), today).unwrap_err().0.contains("cannot come before"));
        assert!(p.check(S::PreceptIssued, on(d(2031, 1, 1)), today).unwrap_err().0.contains("after today"));
    }

    #[test]
    fn a_chief_constable_appointment_runs_three_weeks_from_notification() {
        let today = d(2026, 3, 30);
        let mut p = Process::new(ProcessKind::ChiefConstableAppointment, None);
        assert_eq!(p.law_due(S::PanelReport), None, "no date before the notification");
        p.record(S::AppointmentNotified, on(d(2026, 3, 2)), today).unwrap();
        assert_eq!(p.due(S::PanelReport), Some((d(2026, 3, 22), DueSource::Law)));
        assert!(p
            .check(S::ConfirmationHearingHeld, on(d(2026, 3, 23)), today)
            .unwrap_err()
            .0
            .contains("ended on 2026-03-22"));
        p.record(S::ConfirmationHearingHeld, on(d(2026, 3, 16)), today).unwrap();
        p.record(S::PanelReport, on(d(2026, 3, 18)), today).unwrap();
        p.record(S::PccDecisionNotified, on(d(2026, 3, 25)), today).unwrap();
        assert_eq!(p.status(today), ProcessStatus::Completed);
        // With no report in the three weeks, the process lapses.
        let mut late = Process::new(ProcessKind::ChiefConstableAppointment, None);
        late.record(S::AppointmentNotified, on(d(2026, 3, 2)), today).unwrap();
        assert_eq!(late.status(d(2026, 3, 22)), ProcessStatus::Open);
        assert_eq!(late.status(d(2026, 3, 23)), ProcessStatus::Lapsed);
        // A veto ends it.
        let mut vetoed = Process::new(ProcessKind::ChiefConstableAppointment, None);
        vetoed.record(S::AppointmentNotified, on(d(2026, 3, 2)), today).unwrap();
        vetoed.record(S::ConfirmationHearingHeld, on(d(2026, 3, 10)), today).unwrap();
        vetoed.record(S::PanelReport, veto(d(2026, 3, 10), 8, 12), today).unwrap();
        assert_eq!(vetoed.status(today), ProcessStatus::Vetoed);
        assert!(vetoed.check(S::PccDecisionNotified, on(d(2026, 3, 12)), today).unwrap_err().0.contains("para 8"));
    }

    #[test]
    fn no_veto_for_senior_posts_or_the_plan() {
        let today = TODAY();
        let mut p = Process::new(ProcessKind::ConfirmationHearing, None);
        p.record(S::AppointmentNotified, on(d(2026, 5, 1)), today).unwrap();
        p.record(S::ConfirmationHearingHeld, on(d(2026, 5, 12)), today).unwrap();
        let v = p.check(S::PanelReport, veto(d(2026, 5, 12), 12, 12), today);
        assert!(v.unwrap_err().0.contains("no veto"));
        let mut plan = Process::new(ProcessKind::PoliceAndCrimePlan, None);
        plan.record(S::DraftPlanReceived, on(d(2026, 1, 5)), today).unwrap();
        assert!(plan
            .check(S::PanelReport, veto(d(2026, 1, 20), 12, 12), today)
            .unwrap_err()
            .0
            .contains("Sch 5 para 4"));
        assert!(plan.check(S::PreceptIssued, on(d(2026, 1, 20)), today).unwrap_err().0.contains("has no step"));
        plan.check_panel_date(S::PccResponsePublished).unwrap();
    }

    #[test]
    fn recommendations_are_rated_like_actions() {
        let today = d(2026, 6, 10);
        assert!(!recommendation_overdue(Some(d(2026, 6, 10)), false, today));
        assert!(recommendation_overdue(Some(d(2026, 6, 9)), false, today));
        assert!(!recommendation_overdue(Some(d(2026, 6, 9)), true, today));
        assert!(!recommendation_overdue(None, false, today));
        assert_eq!(recommendation_rating(false, true), Rating::Red);
        assert_eq!(recommendation_rating(false, false), Rating::Amber);
        assert_eq!(recommendation_rating(true, false), Rating::Green);
        assert_eq!(recommendation_reference("KMPCP", 2026, 4), "KMPCP/R/2026/004");
    }
}
