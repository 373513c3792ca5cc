//! The rows of `firms.csv`: every living firm at the end of a step.

use serde::Serialize;

use crate::state::agents::{Firm, NONE, Ownership};
use crate::state::model::Model;

/// One row of `firms.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FirmRow {
    pub year: i64,
    pub firm_id: u32,
    pub label: String,
    pub sector: &'static str,
    pub region: String,
    pub employees: u32,
    pub output: f64,
    pub water_use: f64,
    pub virgin_resource_use: f64,
    pub waste_generated: f64,
    pub waste_reused: f64,
    pub exchanged_tonnes: f64,
    pub ownership: &'static str,
    pub cluster_member: bool,
    pub partners: u32,
    pub productivity: f64,
}

/// Every living firm at the end of the step just simulated, by id.
pub fn firm_rows(m: &Model, year: i64) -> Vec<FirmRow> {
    let mut by_id: Vec<(usize, &Firm)> = m.firms.iter().enumerate().collect();
    by_id.sort_unstable_by_key(|(_, f)| f.id);
    by_id
        .into_iter()
        .map(|(i, f)| FirmRow {
            year,
            firm_id: f.id,
            label: m
                .declared_labels
                .get(f.declared as usize)
                .cloned()
                .unwrap_or_default(),
            sector: crate::scenario::SECTOR_NAMES[f.sector as usize],
            region: m.territory.regions[f.region as usize].name.clone(),
            employees: f.employees,
            output: f.sales,
            water_use: f64::from(f.water_use),
            virgin_resource_use: f64::from(f.virgin_use),
            waste_generated: f64::from(f.waste),
            waste_reused: f64::from(f.reused),
            exchanged_tonnes: f.exchanged_tonnes,
            ownership: match f.ownership {
                Ownership::Independent => "independent",
                Ownership::NationalGroup => "national_group",
                Ownership::Foreign => "foreign",
            },
            cluster_member: f.cluster != NONE,
            partners: m.network.adjacency.degree(i) as u32,
            productivity: f.productivity,
        })
        .collect()
}
