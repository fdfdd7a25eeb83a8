//! Human references for actions: `CODE/YEAR/NNN`, e.g. `KMPCP/2018/007`.
//! Numbered per committee and year of the meeting the action was raised at,
//! from 1 with no gaps; never reused.

/// Formats a reference; numbers below 1000 are padded to three digits, as the
/// panel's spreadsheets do, and larger ones are written in full.
pub fn format(committee_code: &str, year: i32, number: i32) -> String {
    format!("{committee_code}/{year}/{number:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_action_log() {
        assert_eq!(format("KMPCP", 2018, 7), "KMPCP/2018/007");
        assert_eq!(format("KMPCP", 2018, 120), "KMPCP/2018/120");
        assert_eq!(format("KMPCP", 2019, 1234), "KMPCP/2019/1234");
    }
}
