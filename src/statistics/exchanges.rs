//! The rows of `exchanges.csv`: every exchange that delivered in the step.

use serde::Serialize;

use crate::state::model::Model;

/// One row of `exchanges.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ExchangeRow {
    pub step: u32,
    pub year: i64,
    pub from_firm: u32,
    pub to_firm: u32,
    pub material: &'static str,
    pub tonnes: f64,
    pub from_label: String,
    pub to_label: String,
    pub from_sector: &'static str,
    pub to_sector: &'static str,
    pub distance_km: f64,
}

/// The exchanges that flowed in the step just simulated, as recorded when
/// they delivered.
pub fn exchange_rows(m: &Model, step: u32, year: i64) -> Vec<ExchangeRow> {
    let label = |d: u32| -> String {
        m.declared_labels
            .get(d as usize)
            .cloned()
            .unwrap_or_default()
    };
    m.symbiosis
        .delivered
        .iter()
        .map(|d| ExchangeRow {
            step,
            year,
            from_firm: d.from,
            to_firm: d.to,
            material: crate::scenario::MATERIAL_NAMES[d.material as usize],
            tonnes: d.tonnes,
            from_label: label(d.from_declared),
            to_label: label(d.to_declared),
            from_sector: crate::scenario::SECTOR_NAMES[d.from_sector as usize],
            to_sector: crate::scenario::SECTOR_NAMES[d.to_sector as usize],
            distance_km: d.distance_km,
        })
        .collect()
}
