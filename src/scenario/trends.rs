//! Calendar trends and how they continue past their last year.
//!
//! Three inputs follow the calendar from 1950 to 2025: sector demand shares
//! (geometric interpolation between their 1950 and 2025 values), entrants'
//! mean skill (linear between `newcomer_skill_1950` and
//! `newcomer_skill_2025`) and the decay length `λ(t)` of geographic
//! proximity (exponential growth at `decay_length_growth` from 1950). Past
//! 2025 each trend reads its formula at the year `2025 + pace · (t − 2025)`,
//! `pace` set in `[trends]`: 0 holds the 2025 value, 1 continues the
//! 1950–2025 trend at the same pace. The defaults (shares and skill held, λ
//! continued) are the model's behaviour before these parameters existed.

use serde::Serialize;

use crate::scenario::Scenario;

/// First year of the trends.
pub const FIRST_YEAR: i64 = 1950;
/// Last year of the trends.
pub const LAST_YEAR: i64 = 2025;

/// The year at which a trend with `pace` is read at (fractional) year `t`:
/// `t` itself up to [`LAST_YEAR`], then `2025 + pace · (t − 2025)` (with
/// pace 1 this is exactly `t`).
#[inline]
pub fn trend_year(t: f64, pace: f64) -> f64 {
    let last = LAST_YEAR as f64;
    if t > last {
        last + pace * (t - last)
    } else {
        t
    }
}

/// One trend and how it continues past its last year.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// What follows the trend.
    pub trend: &'static str,
    /// The parameter that sets its pace past the last year.
    pub parameter: &'static str,
    pub first_year: i64,
    pub last_year: i64,
    /// Pace past the last year, × the trend's 1950–2025 pace.
    pub pace: f64,
    /// How it continues, in words.
    pub after_last_year: String,
    /// Whether this run goes past the last year.
    pub run_goes_past: bool,
}

/// The trends of scenario `s` and how each continues past 2025.
pub fn trends(s: &Scenario) -> Vec<Trend> {
    let t = &s.trends;
    [
        (
            "sector demand shares",
            "trends.demand_shares_pace",
            t.demand_shares_pace,
        ),
        (
            "entrants' mean skill",
            "trends.newcomer_skill_pace",
            t.newcomer_skill_pace,
        ),
        (
            "decay length of geographic proximity",
            "trends.decay_length_pace",
            t.decay_length_pace,
        ),
    ]
    .into_iter()
    .map(|(trend, parameter, pace)| Trend {
        trend,
        parameter,
        first_year: FIRST_YEAR,
        last_year: LAST_YEAR,
        pace,
        after_last_year: if pace == 0.0 {
            format!("held at the {LAST_YEAR} value")
        } else {
            format!("extrapolated at {pace} × the {FIRST_YEAR}–{LAST_YEAR} pace")
        },
        run_goes_past: s.run.end_year > LAST_YEAR,
    })
    .collect()
}

/// A one-line note for a run that goes past the trends' last year (none
/// otherwise), for the command line to show.
pub fn note(s: &Scenario) -> Option<String> {
    if s.run.end_year <= LAST_YEAR {
        return None;
    }
    let how: Vec<String> = trends(s)
        .iter()
        .map(|t| format!("{} {}", t.trend, t.after_last_year))
        .collect();
    Some(format!(
        "note: the run goes past {LAST_YEAR}, the last year of the model's calendar trends: {} (set with [trends] *_pace)",
        how.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trend_year_holds_continues_or_slows() {
        assert_eq!(trend_year(2000.0, 0.0), 2000.0);
        assert_eq!(trend_year(2050.0, 0.0), 2025.0);
        assert_eq!(trend_year(2050.0, 0.5), 2037.5);
        // Pace 1 gives the calendar year itself, bit for bit.
        for k in 0..4000 {
            let t = 2025.0 + k as f64 * 0.043;
            assert_eq!(trend_year(t, 1.0).to_bits(), t.to_bits());
        }
    }

    #[test]
    fn a_note_only_past_the_last_year() {
        let mut s = Scenario::default();
        assert_eq!(note(&s), None);
        s.run.end_year = 2050;
        s.trends.newcomer_skill_pace = 0.5;
        let line = note(&s).unwrap();
        assert!(!line.contains('\n'));
        assert!(line.contains("sector demand shares held at the 2025 value"));
        assert!(line.contains("entrants' mean skill extrapolated at 0.5 ×"));
        assert!(line.contains("decay length of geographic proximity extrapolated at 1 ×"));
        assert!(trends(&s).iter().all(|t| t.run_goes_past));
    }
}
