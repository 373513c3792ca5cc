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

use crate::scenario::{MATERIAL_NAMES, Scenario};
use crate::state::model::Model;

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
                let region = model.territory.index_of(&shock.region);
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
