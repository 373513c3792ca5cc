//! The model's state: the scenario, the territory and sector table, the
//! firms and citizens, the network, the exchanges, the institutions and
//! what the next step remembers of the last. Building it and the order of
//! a step are in `schedule`.

use crate::scenario::Scenario;
use crate::state::agents::{Citizen, Firm, NONE};
use crate::state::context::Memory;
use crate::state::enterprise::Group;
use crate::state::exchanges::Symbiosis;
use crate::state::institutions::Institutions;
use crate::state::materials::Technology;
use crate::state::network::Network;
use crate::state::reach::Reaches;
use crate::state::sectors::SectorTable;
use crate::state::territory::Territory;
use crate::state::timings::Timings;
use crate::util::rng::Streams;

/// The simulated territory and its agents.
pub struct Model {
    pub scenario: Scenario,
    pub(crate) streams: Streams,
    pub territory: Territory,
    pub sectors: SectorTable,
    /// Living firms, stored by region (see `bookkeeping::compact`).
    pub firms: Vec<Firm>,
    /// Spare buffer the compaction gathers the firms into (performance
    /// only: its contents mean nothing).
    pub(crate) firm_buffer: Vec<Firm>,
    /// Firm id → index in `firms`, or [`NONE`] for firms that exited.
    pub(crate) index_of: Vec<u32>,
    /// Each citizen's employer index in `firms` (or [`NONE`]), kept in step
    /// with the citizens and firms by the labour phase and the compaction,
    /// so that no step looks up every citizen's employer id.
    pub(crate) employer_keys: Vec<u32>,
    pub(crate) next_firm_id: u32,
    pub citizens: Vec<Citizen>,
    pub network: Network,
    /// Multi-establishment enterprises (national groups and foreign
    /// multinationals), by id; see `state::enterprise`.
    pub groups: Vec<Group>,
    /// Pairs of partners (firm indices) of the collaborative projects
    /// started in this step, which cooperation turns into ties.
    pub project_pairs: Vec<(u32, u32)>,
    pub symbiosis: Symbiosis,
    pub institutions: Institutions,
    pub(crate) technology: Technology,
    /// Labels of declared firms (index = `Firm::declared`).
    pub declared_labels: Vec<String>,
    /// Closing year of each declared firm (0: never).
    pub(crate) declared_closing: Vec<i64>,
    /// Whether each declared firm has been created.
    pub(crate) declared_created: Vec<bool>,
    /// CO2 emitted by firms of each region in the last step, t/year.
    pub region_co2: Vec<f64>,
    /// Material costs of all firms in the last step, output units/year.
    pub material_cost: f64,
    /// By-products sent to other firms by firms of each region in the last step, t/year.
    pub region_reused: Vec<f64>,
    /// Tonnes exchanged in the last step.
    pub exchanged_last: f64,
    pub(crate) memory: Memory,
    /// Partitions of the regions for the destination draws of large
    /// territories (see `reach`).
    pub(crate) reaches: Reaches,
    /// Steps done so far.
    pub(crate) step: u32,
    pub(crate) timings: Timings,
}

impl Model {
    /// Number of steps of the run.
    pub fn total_steps(&self) -> u32 {
        let r = &self.scenario.run;
        ((r.end_year - r.start_year + 1) * r.steps_per_year) as u32
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> u32 {
        self.step
    }

    /// Seconds spent in each phase so far.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// Whether every step of the run has been simulated.
    pub fn is_done(&self) -> bool {
        self.step >= self.total_steps()
    }

    /// Index of a living firm.
    #[inline]
    pub(crate) fn index(&self, id: u32) -> Option<usize> {
        match self.index_of.get(id as usize) {
            Some(&i) if i != NONE => Some(i as usize),
            _ => None,
        }
    }
}
