//! Reminders before meetings, the pure part: which actions are reminded now,
//! under which lead time, grouped into one digest per owner.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDateTime;

/// An action awaiting its owner's response, due at a scheduled meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub action_id: i64,
    pub reference: String,
    pub description: String,
    pub committee_id: i64,
    pub meeting_id: i64,
    pub meeting_title: String,
    pub meeting_starts_at: NaiveDateTime,
    pub owner_id: i64,
}

/// One action in a digest, with the lead times it is now reminded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub candidate: Candidate,
    /// The shortest lead time that has come (the one the reminder is for)...
    pub lead_days: u32,
    /// ...and every lead time that has come, each recorded as sent, so a
    /// longer one is not sent after a shorter one.
    pub leads_reached: Vec<u32>,
}

/// The lead times (in days) that have come for a meeting starting then.
fn reached(leads: &[u32], starts_at: NaiveDateTime, now: NaiveDateTime) -> Vec<u32> {
    let mut reached: Vec<u32> =
        leads.iter().copied().filter(|days| starts_at <= now + chrono::Duration::days(i64::from(*days))).collect();
    reached.sort_unstable();
    reached
}

/// What to send now: for each owner (in id order), the actions whose
/// shortest reached lead time has not been sent for that meeting. A meeting
/// already started is not reminded of.
pub fn plan(
    candidates: &[Candidate],
    sent: &HashSet<(i64, i64, u32)>,
    leads: &[u32],
    now: NaiveDateTime,
) -> BTreeMap<i64, Vec<Reminder>> {
    let mut digests: BTreeMap<i64, Vec<Reminder>> = BTreeMap::new();
    for candidate in candidates {
        if candidate.meeting_starts_at <= now {
            continue;
        }
        let reached = reached(leads, candidate.meeting_starts_at, now);
        let Some(&shortest) = reached.first() else { continue };
        if sent.contains(&(candidate.action_id, candidate.meeting_id, shortest)) {
            continue;
        }
        let leads_reached =
            reached.into_iter().filter(|l| !sent.contains(&(candidate.action_id, candidate.meeting_id, *l))).collect();
        digests.entry(candidate.owner_id).or_default().push(Reminder {
            candidate: candidate.clone(),
            lead_days: shortest,
            leads_reached,
        });
    }
    for reminders in digests.values_mut() {
        reminders.sort_by(|a, b| {
            (a.candidate.meeting_starts_at, &a.candidate.reference)
                .cmp(&(b.candidate.meeting_starts_at, &b.candidate.reference))
        });
    }
    digests
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn candidate(action_id: i64, owner_id: i64, meeting_id: i64, starts: &str) -> Candidate {
        Candidate {
            action_id,
            reference: format!("KMPCP/2026/{action_id:03}"),
            description: "Report back".into(),
            committee_id: 1,
            meeting_id,
            meeting_title: "Panel".into(),
            meeting_starts_at: at(starts),
            owner_id,
        }
    }

    #[test]
    fn each_lead_time_once_and_one_digest_per_owner() {
        let now = at("2027-01-05 09:00");
        let leads = [10, 2];
        let candidates = [
            candidate(1, 7, 100, "2027-01-06 10:00"), // one day away: the 2-day reminder
            candidate(2, 7, 100, "2027-01-06 10:00"),
            candidate(3, 8, 101, "2027-01-12 10:00"), // seven days: the 10-day reminder
            candidate(4, 8, 102, "2027-02-01 10:00"), // too far
            candidate(5, 8, 103, "2027-01-05 08:00"), // already begun
        ];
        let plan1 = plan(&candidates, &HashSet::new(), &leads, now);
        assert_eq!(plan1.keys().copied().collect::<Vec<_>>(), vec![7, 8]);
        assert_eq!(plan1[&7].iter().map(|r| r.candidate.action_id).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(plan1[&7][0].lead_days, 2);
        assert_eq!(plan1[&7][0].leads_reached, vec![2, 10], "the 10-day reminder is not sent after the 2-day one");
        assert_eq!(plan1[&8].len(), 1);
        assert_eq!(plan1[&8][0].lead_days, 10);

        // Recorded as sent: nothing again.
        let mut sent = HashSet::new();
        for reminders in plan1.values() {
            for r in reminders {
                for lead in &r.leads_reached {
                    sent.insert((r.candidate.action_id, r.candidate.meeting_id, *lead));
                }
            }
        }
        assert!(plan(&candidates, &sent, &leads, now).is_empty());
        // Five days on, action 3's meeting is two days away: its 2-day reminder.
        let later = plan(&candidates, &sent, &leads, at("2027-01-10 11:00"));
        assert_eq!(later.len(), 1);
        assert_eq!(later[&8][0].candidate.action_id, 3);
        assert_eq!(later[&8][0].lead_days, 2);
        // Carried forward to another meeting: reminded afresh for that one.
        let moved = [candidate(1, 7, 104, "2027-01-06 10:00")];
        assert_eq!(plan(&moved, &sent, &leads, now)[&7][0].lead_days, 2);
    }
}
