//! What the mechanisms count during a step (entries, exits, ties formed,
//! hires…), for the step's statistics.

use crate::state::exchanges::SymbiosisTotals;

/// Counts accumulated by the mechanisms during a step.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub innovations: u32,
    pub eco_innovations: u32,
    pub conflicts: u32,
    pub exits_shock: u32,
    pub symbiosis: SymbiosisTotals,
    pub clusters_created: u32,
    pub clusters_dissolved: u32,
    pub ties_formed: u32,
    pub ties_dissolved: u32,
    pub ties_formed_by_origin: [u32; 7],
    pub events: u32,
    pub entries_spinoff: u32,
    pub entries_startup: u32,
    pub entries_declared: u32,
    pub exits_bankrupt: u32,
    pub exits_shrunk: u32,
    pub exits_owner: u32,
    pub exits_offshored: u32,
    pub relocations: u32,
    pub separations: u32,
    pub hires: u32,
    pub migrations: u32,
    pub retirements: u32,
    pub entrants: u32,
    pub acquisitions: u32,
    pub plant_openings: u32,
    pub projects: u32,
}
