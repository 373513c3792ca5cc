//! Wall time per phase of the step (`proxima run --timings`).

use std::time::Instant;

/// Wall time spent in each phase of the step, summed over steps (seconds).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    /// Shocks, local authorities' budgets, cluster policy, tiers-lieux.
    pub institutions: f64,
    /// Sales, profits and desired employment.
    pub production: f64,
    /// Material flows and industrial symbiosis.
    pub symbiosis: f64,
    /// Innovation and productivity.
    pub innovation: f64,
    /// Cooperation, part 1: drawing partner candidates (space, network,
    /// ecosystem centres, research links, events) and their tie probability.
    pub partner_search: f64,
    /// Cooperation, part 2: renewal and decay of ties, applying proposals
    /// within capacities, learning.
    pub cooperation: f64,
    /// Firm fates (exits, relocations, lay-offs) and new firms.
    pub firm_demography: f64,
    /// Citizens: retirement and entrants, skills, start-up decisions,
    /// labour-force growth, and (in the statistics step) regional opinion.
    pub citizens: f64,
    /// Matching job seekers and vacancies.
    pub labour_market: f64,
    /// The step's statistics (time-series and regional rows).
    pub statistics: f64,
}

impl Timings {
    /// Phases in schedule order with their names.
    pub fn phases(&self) -> [(&'static str, f64); 10] {
        [
            ("institutions", self.institutions),
            ("production", self.production),
            ("symbiosis", self.symbiosis),
            ("innovation", self.innovation),
            ("partner search", self.partner_search),
            ("cooperation", self.cooperation),
            ("firm demography", self.firm_demography),
            ("citizens", self.citizens),
            ("labour market", self.labour_market),
            ("statistics", self.statistics),
        ]
    }
}

/// A stopwatch that charges the time since its last lap to a phase.
pub(crate) struct Lap(Instant);

impl Lap {
    pub(crate) fn start() -> Self {
        Self(Instant::now())
    }

    /// Add the time since the last lap to `slot`.
    pub(crate) fn lap(&mut self, slot: &mut f64) {
        let now = Instant::now();
        *slot += (now - self.0).as_secs_f64();
        self.0 = now;
    }
}
