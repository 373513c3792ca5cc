//! Industrial symbiosis as state: the by-product exchanges between firms,
//! their contracts and flows, what was delivered in the last step (the rows
//! of `exchanges.csv`) and a step's totals. How exchanges form, deliver and
//! end is `mechanisms::symbiosis`.

/// A by-product exchange between two firms.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub id: u32,
    pub from: u32,
    pub to: u32,
    pub material: u8,
    /// Contracted flow, tonnes per year.
    pub contracted: f64,
    /// Yearly transaction cost agreed at formation.
    pub transaction: f64,
    /// Step from which it flows.
    pub flows_from: u32,
    /// Step at which the contract is up for renewal.
    pub renew_at: u32,
    /// Flow of the last step, tonnes per year.
    pub flow: f64,
    /// Contracted flow agreed at the last renewal, in force from `expands_at`
    /// (a larger flow needs new capacity, which takes `setup_years`).
    pub expansion: f64,
    pub expands_at: u32,
}

impl Exchange {
    /// Capacity the exchange reserves: its contract, or the larger flow
    /// agreed at renewal while the new capacity is being built.
    pub fn committed(&self) -> f64 {
        self.contracted.max(self.expansion)
    }
}

/// All exchanges, sorted by id, and the deliveries of the last step.
#[derive(Debug, Clone, Default)]
pub struct Symbiosis {
    pub exchanges: Vec<Exchange>,
    pub delivered: Vec<Delivery>,
    pub(crate) next_id: u32,
}

/// Totals of a step.
#[derive(Debug, Clone, Copy, Default)]
pub struct SymbiosisTotals {
    pub exchanges: u32,
    pub formed: u32,
    pub broken: u32,
    pub exchanged: f64,
    pub waste: f64,
    pub reused: f64,
    pub virgin: f64,
    pub water: f64,
    pub co2: f64,
    pub material_cost: f64,
}

/// An exchange's delivery in a step, recorded when it flows (for
/// `exchanges.csv`).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub from: u32,
    pub to: u32,
    pub material: u8,
    pub tonnes: f64,
    pub distance_km: f64,
    pub from_sector: u8,
    pub to_sector: u8,
    pub from_declared: u32,
    pub to_declared: u32,
}
