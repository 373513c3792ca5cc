//! The rows of `resilience.csv`: how each indicator fared after each shock,
//! from the time series of the whole run.

use serde::Serialize;

use crate::mechanisms::shocks::EventRow;

/// One row of `resilience.csv`: how an indicator fared after a shock.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResilienceRow {
    pub year: i64,
    pub kind: String,
    pub subject: String,
    pub indicator: String,
    /// Value in the step before the shock.
    pub before: f64,
    /// Lowest value from the shock until the next shock (or the end).
    pub trough: f64,
    pub trough_year: i64,
    /// `(before − trough) / before`, at least 0.
    pub loss: f64,
    /// Whether the indicator got back to its value before the shock.
    pub recovered: bool,
    /// Years from the shock to the recovery, or years observed if not recovered.
    pub recovery_years: i64,
}

/// Resilience of each indicator after each logged shock. `series` holds, per
/// step, the year and one value per indicator (named by `indicators`).
pub fn resilience(
    events: &[EventRow],
    series: &[(u32, i64, Vec<f64>)],
    indicators: &[&str],
) -> Vec<ResilienceRow> {
    let mut rows = Vec::new();
    for (e, event) in events.iter().enumerate() {
        let start = event.step as usize;
        let end = events
            .iter()
            .skip(e + 1)
            .map(|x| x.step as usize)
            .find(|&s| s > start)
            .unwrap_or(series.len())
            .min(series.len());
        if start >= end {
            continue;
        }
        for (k, name) in indicators.iter().enumerate() {
            let before = series[start.saturating_sub(1)].2[k];
            let window = &series[start..end];
            let (t, trough) = window.iter().enumerate().map(|(i, x)| (i, x.2[k])).fold(
                (0, f64::INFINITY),
                |best, x| if x.1 < best.1 { x } else { best },
            );
            let trough_year = window[t].1;
            // Never below its level before: recovered at once.
            let recovery = if trough >= before {
                Some(event.year)
            } else {
                window[t..].iter().find(|x| x.2[k] >= before).map(|x| x.1)
            };
            let last_year = window[window.len() - 1].1;
            rows.push(ResilienceRow {
                year: event.year,
                kind: event.kind.clone(),
                subject: event.subject.clone(),
                indicator: (*name).to_string(),
                before,
                trough,
                trough_year,
                loss: if before > 0.0 {
                    ((before - trough) / before).max(0.0)
                } else {
                    0.0
                },
                recovered: recovery.is_some(),
                recovery_years: recovery.unwrap_or(last_year) - event.year,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_and_recovery() {
        let ev = vec![EventRow {
            step: 2,
            year: 2002,
            kind: "demand".into(),
            subject: "x".into(),
            value: 0.1,
        }];
        let series: Vec<(u32, i64, Vec<f64>)> = [10.0, 10.0, 8.0, 7.0, 9.0, 10.5, 11.0]
            .iter()
            .enumerate()
            .map(|(i, v)| (i as u32, 2000 + i as i64, vec![*v]))
            .collect();
        let r = resilience(&ev, &series, &["x"]);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].before, 10.0);
        assert_eq!(r[0].trough, 7.0);
        assert_eq!(r[0].trough_year, 2003);
        assert!((r[0].loss - 0.3).abs() < 1e-12);
        assert!(r[0].recovered);
        assert_eq!(r[0].recovery_years, 3);
    }
}
