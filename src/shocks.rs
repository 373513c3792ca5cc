//! Scenario-defined shocks and the event log.
//!
//! * `energy_price`: virgin prices of energy materials × (1 + magnitude) for
//!   `duration` years (several shocks multiply);
//! * `demand`: aggregate demand × (1 − magnitude) for `duration` years;
//! * `remove_hub`: at the start of `year`, the firm with the most tonnes
//!   exchanged (sent and received) in the previous step closes, before
//!   anything is produced; the event's value is its share of all tonnes
//!   exchanged in that step;
//! * `sector_closure`: at the start of `year`, every firm of `sector` in
//!   `region` closes; the value is the employment closed.
//!
//! Every shock is logged in `events.csv` when it starts.

use serde::Serialize;

use crate::model::Model;
use crate::scenario::{MATERIAL_NAMES, Scenario, region_index};

/// One row of `events.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventRow {
    pub step: u32,
    pub year: i64,
    pub kind: String,
    pub subject: String,
    pub value: f64,
}

/// Price and demand multipliers in force in `year`.
pub fn multipliers(s: &Scenario, year: i64) -> (f64, f64) {
    let (mut energy, mut demand) = (1.0, 1.0);
    for shock in s
        .shocks
        .values()
        .filter(|x| x.enabled && year >= x.year && year < x.year + x.duration)
    {
        match shock.kind.as_str() {
            "energy_price" => energy *= 1.0 + shock.magnitude,
            "demand" => demand *= (1.0 - shock.magnitude).max(0.0),
            _ => {}
        }
    }
    (energy, demand)
}

/// Start the shocks of `year` (at its first step): mark firms to close and
/// return the log rows.
pub fn start(model: &mut Model, step: u32, year: i64) -> Vec<EventRow> {
    let mut rows = Vec::new();
    let shocks: Vec<_> = model
        .scenario
        .shocks
        .values()
        .filter(|x| x.enabled && x.year == year)
        .cloned()
        .collect();
    for shock in shocks {
        let (subject, value) = match shock.kind.as_str() {
            "energy_price" => {
                let energy: Vec<&str> = MATERIAL_NAMES
                    .iter()
                    .zip(model.scenario.materials.all())
                    .filter(|(_, m)| m.energy)
                    .map(|(n, _)| *n)
                    .collect();
                (energy.join("+"), shock.magnitude)
            }
            "demand" => ("aggregate_demand".to_string(), shock.magnitude),
            "remove_hub" => {
                let total = model.exchanged_last;
                let hub = model
                    .firms
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.exchanged_tonnes > 0.0)
                    .max_by(|a, b| {
                        a.1.exchanged_tonnes
                            .total_cmp(&b.1.exchanged_tonnes)
                            .then(b.1.id.cmp(&a.1.id))
                    });
                match hub {
                    Some((i, f)) => {
                        let share = if total > 0.0 {
                            f.exchanged_tonnes / total
                        } else {
                            0.0
                        };
                        let subject = firm_name(model, i);
                        model.firms[i].closing = true;
                        (subject, share)
                    }
                    None => ("none".to_string(), 0.0),
                }
            }
            "sector_closure" => {
                let sector = crate::scenario::Scenario::sector_index(&shock.sector);
                let region = region_index(&shock.region, model.territory.len() as i64);
                let mut employment = 0.0;
                if let (Some(s), Some(r)) = (sector, region) {
                    for f in model
                        .firms
                        .iter_mut()
                        .filter(|f| f.sector as usize == s && f.region as usize == r)
                    {
                        f.closing = true;
                        employment += f64::from(f.employees);
                    }
                }
                (format!("{}@{}", shock.sector, shock.region), employment)
            }
            _ => continue,
        };
        rows.push(EventRow {
            step,
            year,
            kind: shock.kind.clone(),
            subject,
            value,
        });
    }
    rows
}

/// Label of a declared firm, or `firm:<id>`.
pub fn firm_name(m: &Model, i: usize) -> String {
    let f = &m.firms[i];
    match m.declared_labels.get(f.declared as usize) {
        Some(label) => label.clone(),
        None => format!("firm:{}", f.id),
    }
}

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
