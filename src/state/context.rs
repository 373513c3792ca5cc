//! What holds for a whole step and what its phases hand on to each other:
//! the step's context (year, regime, levers, proximity kernel, prices), the
//! aggregates of the last step that agents react to, and the market outcome
//! that production leaves for the labour market and the statistics.

use crate::scenario::{N_SECTORS, RegimeParams};
use crate::state::materials::Prices;
use crate::state::proximity::Kernel;
use crate::state::regimes::Regime;

/// What holds for the whole of one step.
#[derive(Debug, Clone)]
pub struct StepContext {
    pub step: u32,
    /// Calendar year of the step.
    pub year: i64,
    /// Fractional year at the start of the step.
    pub t: f64,
    /// Length of the step, years.
    pub dt: f64,
    pub regime: Regime,
    pub levers: RegimeParams,
    pub kernel: Kernel,
    pub demand_shares: [f64; N_SECTORS],
    /// Multiplier of energy materials' virgin prices (energy-price shocks).
    pub energy_factor: f64,
    /// Material prices in force.
    pub prices: Prices,
    /// First step of a calendar year.
    pub new_year: bool,
}

impl StepContext {
    /// `x^dt`, the share of a yearly survival probability `x` over one
    /// step. For yearly steps this is `x` itself (`pow(x, 1)` is exactly `x`),
    /// which saves a `pow` call per agent in the hottest loops.
    #[inline]
    pub fn per_step(&self, x: f64) -> f64 {
        if self.dt == 1.0 { x } else { x.powf(self.dt) }
    }
}

/// Aggregates of the previous step that agents react to.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// Employment-weighted geometric mean productivity per sector.
    pub sector_productivity: [f64; N_SECTORS],
}

/// The market outcome of a step.
#[derive(Debug, Clone, Default)]
pub struct Market {
    /// Mean wage per worker-year, output units.
    pub wage: f64,
    /// Total final demand, output units per year.
    pub demand: f64,
    /// Total sales, output units per year.
    pub output: f64,
    /// Employment-weighted mean efficiency.
    pub mean_efficiency: f64,
    /// Desired employment of each firm (aligned with `Model::firms`).
    pub targets: Vec<u32>,
    /// Random rank of each firm in the hiring queue of this step (drawn
    /// from its growth stream), so that no firm is always served first.
    pub hiring_priority: Vec<u32>,
    /// Employment by region at the start of the step.
    pub region_employment: Vec<f64>,
    /// Residents (labour force) by region at the start of the step.
    pub region_residents: Vec<f64>,
    /// Labour cost multiplier by region (congestion).
    pub region_cost: Vec<f64>,
}

/// What firm turnover, the citizens' year and the labour market hand on to
/// each other within a step: filled by `demography::fates`, updated by the
/// steps after it, given back by `demography::remove_exits`.
#[derive(Debug, Default)]
pub struct Turnover {
    /// Each citizen's employer index in `firms` (or `NONE`), kept up to date
    /// through the phase: separations, retirements, founders, hires.
    pub keys: Vec<u32>,
    /// Whether each firm (by index) exits at the end of the step.
    pub dead: Vec<bool>,
    /// Employees who leave to found a spin-off: (citizen, parent firm
    /// index), in firm order.
    pub founders: Vec<(u32, usize)>,
    /// New plants of enterprises: (employee transferred to it, opening
    /// establishment's index, desired growth the plant takes over), in
    /// firm order.
    pub openings: Vec<(u32, usize, u32)>,
}
