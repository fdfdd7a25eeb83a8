//! The clocks the law sets for a Police and Crime Panel's statutory work,
//! as pure rules: the precept cycle (Police Reform and Social Responsibility
//! Act 2011 Schedule 5; the Police and Crime Panels (Precepts and Chief
//! Constable Appointments) Regulations 2012, SI 2012/2271, regs 3 to 7), the
//! three weeks of a confirmation hearing (Schedule 8 para 4(6); Schedule 1),
//! and the two-thirds a veto needs (Schedule 5 para 4; Schedule 8 para 5).
//! `../shared/statutory.md` sets out the sources.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// Who owes a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// The Police and Crime Commissioner.
    Pcc,
    /// The Police and Crime Panel.
    Panel,
}

/// The steps of a precept cycle, in the order the law sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreceptStep {
    /// The PCC notifies the panel of the proposed precept (reg 3; Sch 5 para 2).
    ProposedPreceptNotified,
    /// The panel reviews it and reports, perhaps with a veto (reg 4(1); Sch 5 para 3).
    PanelReport,
    /// After a veto: the PCC responds and notifies the revised precept (reg 5).
    RevisedPreceptNotified,
    /// The panel reviews the revised precept and reports (reg 6).
    PanelReportOnRevised,
    /// The PCC responds to that report and issues the precept (reg 7).
    PreceptIssued,
}

impl PreceptStep {
    pub fn owed_by(self) -> Party {
        match self {
            PreceptStep::PanelReport | PreceptStep::PanelReportOnRevised => Party::Panel,
            _ => Party::Pcc,
        }
    }

    /// Where the law sets the step.
    pub fn source(self) -> &'static str {
        match self {
            PreceptStep::ProposedPreceptNotified => "SI 2012/2271 reg 3; PRSRA 2011 Sch 5 para 2",
            PreceptStep::PanelReport => "SI 2012/2271 reg 4(1); PRSRA 2011 Sch 5 para 3",
            PreceptStep::RevisedPreceptNotified => "SI 2012/2271 reg 5",
            PreceptStep::PanelReportOnRevised => "SI 2012/2271 reg 6",
            PreceptStep::PreceptIssued => "SI 2012/2271 reg 7",
        }
    }

    /// The last day for the step, for the precept of the financial year
    /// beginning 1 April `year`: the dates fall in the "relevant financial
    /// year", the one before, and are fixed calendar dates whatever the
    /// weekday. (The issue without a veto, where the law sets no date for
    /// the PCC, is left to the panel: `None`.)
    pub fn due(self, year: i32, vetoed: bool) -> Option<NaiveDate> {
        let (month, day) = match (self, vetoed) {
            (PreceptStep::ProposedPreceptNotified, _) => (2, 1),
            (PreceptStep::PanelReport, _) => (2, 8),
            (PreceptStep::RevisedPreceptNotified, true) => (2, 15),
            (PreceptStep::PanelReportOnRevised, true) => (2, 22),
            (PreceptStep::PreceptIssued, true) => (3, 1),
            _ => return None,
        };
        NaiveDate::from_ymd_opt(year - 1, month, day)
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
    (members * 2).div_ceil(3)
}

/// A step refused, naming the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// A precept cycle as recorded so far: the rules decide the next step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreceptCycle {
    pub notified: Option<NaiveDate>,
    pub report: Option<PanelReport>,
    pub revised_notified: Option<NaiveDate>,
    pub report_on_revised: Option<NaiveDate>,
    pub issued: Option<NaiveDate>,
}

/// The panel's report on the proposed precept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelReport {
    pub on: NaiveDate,
    /// A veto, with the votes for it and the panel's membership at the time.
    pub veto: Option<(u32, u32)>,
}

/// Where a cycle stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreceptState {
    /// This step is next.
    Awaiting(PreceptStep),
    /// The panel vetoed after 8 February: the scrutiny has ended and the
    /// PCC may issue the proposed precept (reg 4(2)).
    ScrutinyEnded,
    /// The precept has been issued.
    Done,
}

impl PreceptCycle {
    /// A valid veto made in time: the revised-precept steps follow.
    pub fn vetoed_in_time(&self, year: i32) -> bool {
        self.report.is_some_and(|r| {
            r.veto.is_some_and(|(for_, members)| veto_carries(for_, members))
                && PreceptStep::PanelReport.due(year, true).is_some_and(|due| r.on <= due)
        })
    }

    pub fn state(&self, year: i32) -> PreceptState {
        if self.issued.is_some() {
            return PreceptState::Done;
        }
        if self.notified.is_none() {
            return PreceptState::Awaiting(PreceptStep::ProposedPreceptNotified);
        }
        let Some(report) = self.report else { return PreceptState::Awaiting(PreceptStep::PanelReport) };
        if report.veto.is_some() && !self.vetoed_in_time(year) {
            return PreceptState::ScrutinyEnded;
        }
        if !self.vetoed_in_time(year) {
            return PreceptState::Awaiting(PreceptStep::PreceptIssued);
        }
        if self.revised_notified.is_none() {
            return PreceptState::Awaiting(PreceptStep::RevisedPreceptNotified);
        }
        if self.report_on_revised.is_none() {
            return PreceptState::Awaiting(PreceptStep::PanelReportOnRevised);
        }
        PreceptState::Awaiting(PreceptStep::PreceptIssued)
    }

    /// Records the panel's report, refusing what the law does not allow:
    /// a report before the notification, a second report, a veto short of
    /// two-thirds of the membership.
    pub fn record_report(&mut self, report: PanelReport) -> Result<(), Refused> {
        if self.notified.is_none() {
            return Err(Refused("the panel reports on a proposed precept the PCC has notified (reg 4(1))".into()));
        }
        if self.report.is_some() {
            return Err(Refused(
                "the panel makes one report on the proposed precept, and may veto once (Sch 5 para 3, 4)".into(),
            ));
        }
        if let Some((for_, members)) = report.veto {
            if !veto_carries(for_, members) {
                return Err(Refused(format!(
                    "a veto needs at least two-thirds of the {members} members of the panel at the time: {} votes, not {for_} (PRSRA 2011 Sch 5 para 4)",
                    votes_needed(members)
                )));
            }
        }
        self.report = Some(report);
        Ok(())
    }

    /// Records the revised precept: only after a valid veto in time.
    pub fn record_revised(&mut self, on: NaiveDate, year: i32) -> Result<(), Refused> {
        if !self.vetoed_in_time(year) {
            return Err(Refused("a revised precept follows only a veto made by 8 February (reg 5)".into()));
        }
        if self.revised_notified.is_some() {
            return Err(Refused("the PCC notifies one revised precept (reg 5)".into()));
        }
        self.revised_notified = Some(on);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_precept_dates_are_fixed_for_every_year() {
        // 2019/20: notified by 1 February 2019 (a Friday) ... issued by 1 March 2019.
        // 2020/21: 1 February 2020 is a Saturday: the dates do not move.
        // 2024/25: February 2024 has 29 days: 1 March is still 1 March.
        for year in [2019, 2020, 2021, 2024, 2025, 2028] {
            let y = year - 1;
            assert_eq!(PreceptStep::ProposedPreceptNotified.due(year, false), Some(d(y, 2, 1)));
            assert_eq!(PreceptStep::PanelReport.due(year, false), Some(d(y, 2, 8)));
            assert_eq!(PreceptStep::RevisedPreceptNotified.due(year, true), Some(d(y, 2, 15)));
            assert_eq!(PreceptStep::PanelReportOnRevised.due(year, true), Some(d(y, 2, 22)));
            assert_eq!(PreceptStep::PreceptIssued.due(year, true), Some(d(y, 3, 1)));
            assert_eq!(PreceptStep::RevisedPreceptNotified.due(year, false), None, "no veto, no revised precept");
        }
        assert_eq!(d(2020, 2, 1).format("%A").to_string(), "Saturday");
        assert_eq!(PreceptStep::ProposedPreceptNotified.owed_by(), Party::Pcc);
        assert_eq!(PreceptStep::PanelReportOnRevised.owed_by(), Party::Panel);
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
        let year = 2025;
        let mut cycle = PreceptCycle::default();
        assert_eq!(cycle.state(year), PreceptState::Awaiting(PreceptStep::ProposedPreceptNotified));
        let early = cycle.clone().record_report(PanelReport { on: d(2024, 2, 5), veto: None });
        assert!(early.unwrap_err().0.contains("reg 4(1)"));
        cycle.notified = Some(d(2024, 1, 30));
        let short = cycle.clone().record_report(PanelReport { on: d(2024, 2, 6), veto: Some((7, 12)) });
        assert!(short.unwrap_err().0.contains("8 votes, not 7"));
        assert!(cycle.clone().record_revised(d(2024, 2, 14), year).is_err(), "a revised precept without a veto");
        cycle.record_report(PanelReport { on: d(2024, 2, 6), veto: Some((9, 12)) }).unwrap();
        assert!(cycle.record_report(PanelReport { on: d(2024, 2, 7), veto: Some((9, 12)) }).is_err(), "a second veto");
        assert_eq!(cycle.state(year), PreceptState::Awaiting(PreceptStep::RevisedPreceptNotified));
        cycle.record_revised(d(2024, 2, 14), year).unwrap();
        assert_eq!(cycle.state(year), PreceptState::Awaiting(PreceptStep::PanelReportOnRevised));
        cycle.report_on_revised = Some(d(2024, 2, 21));
        assert_eq!(cycle.state(year), PreceptState::Awaiting(PreceptStep::PreceptIssued));
        cycle.issued = Some(d(2024, 2, 28));
        assert_eq!(cycle.state(year), PreceptState::Done);
    }

    #[test]
    fn a_veto_after_8_february_ends_the_scrutiny() {
        let mut cycle = PreceptCycle { notified: Some(d(2024, 1, 31)), ..Default::default() };
        cycle.record_report(PanelReport { on: d(2024, 2, 9), veto: Some((10, 12)) }).unwrap();
        assert_eq!(cycle.state(2025), PreceptState::ScrutinyEnded);
        assert!(cycle.record_revised(d(2024, 2, 14), 2025).is_err());
        // Without a veto the PCC issues the precept; the law sets no date for it.
        let mut accepted = PreceptCycle { notified: Some(d(2024, 1, 31)), ..Default::default() };
        accepted.record_report(PanelReport { on: d(2024, 2, 7), veto: None }).unwrap();
        assert_eq!(accepted.state(2025), PreceptState::Awaiting(PreceptStep::PreceptIssued));
    }
}
