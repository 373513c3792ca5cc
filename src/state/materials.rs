//! Material flows of firms: what each needs and releases, what it costs,
//! what it emits.
//!
//! A firm of sector `s` with sales `S` (output units per year) and material
//! intensity `η` needs `η · inputs_s[m] · S` tonnes of material `m` per year
//! and releases `η · byproducts_s[m] · S` tonnes of it as by-products. A
//! declared firm with tonnages in the scenario uses them instead, scaled by
//! how far it has reached its declared size (and not by eco-innovation). Needs are met first by what the
//! firm receives through symbiosis exchanges, then by virgin inputs;
//! by-products not sent to another firm are disposed of. A firm that lost by
//! surprise in the last step (a partner closed) the exchanged supply of a
//! share `δ_m` of its need of `m`, or the
//! outlet of a share `δ_m` of its by-product `m`, runs at
//! `1 − disruption_effect · max_m(criticality_m · δ_m)` of its material
//! throughput (needs and by-products) while it re-sources or finds a way to
//! dispose: losing steam stops a process, losing a biomass outlet barely
//! matters (the domino effect of symbiosis).

use crate::scenario::{N_MATERIALS, RegimeParams, Scenario};
use crate::state::agents::{Firm, NONE};

/// Tonnes (or tonnes per year) for each material.
pub type Flows = [f64; N_MATERIALS];

/// Index of water among materials.
pub const WATER: usize = 0;

/// Material prices and costs in force during a step (output units).
#[derive(Debug, Clone)]
pub struct Prices {
    /// Price of a virgin tonne, energy shocks included.
    pub virgin: Flows,
    /// Cost of disposing of a tonne, landfill tax included for solids.
    pub disposal: Flows,
    /// Cost of moving a tonne one km.
    pub transport: Flows,
    /// Cost of preparing a tonne for reuse.
    pub treatment: Flows,
    pub co2_virgin: Flows,
    pub co2_disposal: Flows,
    /// Price of a tonne of CO2.
    pub carbon: f64,
}

impl Prices {
    /// Prices under a regime's levers (virgin and disposal price indices,
    /// landfill tax, carbon price), with virgin prices of energy materials
    /// multiplied by `energy_factor` (energy-price shocks).
    pub fn new(s: &Scenario, levers: &RegimeParams, energy_factor: f64) -> Self {
        let m = s.materials.all();
        let (vi, di) = (levers.virgin_price_index, levers.disposal_cost_index);
        let landfill_tax = levers.landfill_tax;
        Self {
            virgin: std::array::from_fn(|k| {
                vi * m[k].virgin_price * if m[k].energy { energy_factor } else { 1.0 }
            }),
            disposal: std::array::from_fn(|k| {
                di * m[k].disposal_cost + if m[k].solid { landfill_tax } else { 0.0 }
            }),
            transport: std::array::from_fn(|k| m[k].transport_cost),
            treatment: std::array::from_fn(|k| m[k].treatment_cost),
            co2_virgin: std::array::from_fn(|k| m[k].co2_virgin),
            co2_disposal: std::array::from_fn(|k| m[k].co2_disposal),
            carbon: levers.carbon_price,
        }
    }

    /// What a tonne of `m` exchanged saves in total: the supplier's disposal
    /// and the receiver's virgin purchase, with the CO2 both avoid.
    #[inline]
    pub fn avoided(&self, m: usize) -> f64 {
        self.disposal[m]
            + self.virgin[m]
            + self.carbon * (self.co2_disposal[m] + self.co2_virgin[m])
    }

    /// What moving and preparing a tonne of `m` over `d` km costs.
    #[inline]
    pub fn exchange_cost(&self, m: usize, d: f64) -> f64 {
        self.transport[m] * d + self.treatment[m]
    }
}

/// Yearly needs and by-products of a firm at full throughput (tonnes per
/// year); disruption is applied by the symbiosis step.
pub fn firm_flows(technology: &Technology, f: &Firm, year: i64) -> (Flows, Flows) {
    if f.declared != NONE
        && let Some(d) = technology.declared.get(f.declared as usize)
        && d.has_tonnages
    {
        // Declared tonnages are the firm's own figures: they scale with how
        // far it has reached its declared size, not with eco-innovation.
        let scale = (f64::from(f.employees) / d.employees).min(1.0);
        let need = d.needs.map(|x| x * scale);
        let byproduct = std::array::from_fn(|k| {
            if year >= d.byproducts_from[k] {
                d.byproducts[k] * scale
            } else {
                0.0
            }
        });
        return (need, byproduct);
    }
    let sec = f.sector as usize;
    let q = f.sales * f64::from(f.intensity);
    (
        technology.inputs[sec].map(|x| x * q),
        technology.byproducts[sec].map(|x| x * q),
    )
}

/// Material technology of sectors and declared firms.
#[derive(Debug, Clone)]
pub struct Technology {
    pub inputs: Vec<Flows>,
    pub byproducts: Vec<Flows>,
    pub process_co2: Vec<f64>,
    pub declared: Vec<DeclaredTechnology>,
}

/// Tonnages of a declared firm.
#[derive(Debug, Clone)]
pub struct DeclaredTechnology {
    pub employees: f64,
    pub has_tonnages: bool,
    pub needs: Flows,
    pub byproducts: Flows,
    pub byproducts_from: [i64; N_MATERIALS],
}

impl Technology {
    /// From the scenario (declared firms in label order).
    pub fn new(s: &Scenario) -> Self {
        let sectors = s.sectors.all();
        let declared = s
            .declared_firms
            .values()
            .map(|d| {
                let needs = d.needs.to_array();
                let byproducts = d.byproducts.to_array();
                DeclaredTechnology {
                    employees: d.employees.max(1) as f64,
                    has_tonnages: needs.iter().chain(&byproducts).any(|&x| x > 0.0),
                    needs,
                    byproducts,
                    byproducts_from: d.byproducts_from.to_array().map(|y| y as i64),
                }
            })
            .collect();
        Self {
            inputs: sectors.iter().map(|x| x.inputs.to_array()).collect(),
            byproducts: sectors.iter().map(|x| x.byproducts.to_array()).collect(),
            process_co2: sectors.iter().map(|x| x.process_co2).collect(),
            declared,
        }
    }
}

/// A firm's material account for a step (tonnes per year, output units per year).
#[derive(Debug, Clone, Copy, Default)]
pub struct Account {
    pub need: Flows,
    pub byproduct: Flows,
    pub received: Flows,
    pub sent: Flows,
    /// CO2 emitted, tonnes per year.
    pub co2: f64,
    /// Material costs: virgin purchases, disposal, carbon, its share of exchange costs.
    pub cost: f64,
}

impl Account {
    /// Virgin inputs of material `m`.
    #[inline]
    pub fn virgin(&self, m: usize) -> f64 {
        (self.need[m] - self.received[m]).max(0.0)
    }

    /// Tonnes of `m` disposed of.
    #[inline]
    pub fn disposed(&self, m: usize) -> f64 {
        (self.byproduct[m] - self.sent[m]).max(0.0)
    }

    /// All virgin inputs.
    pub fn virgin_total(&self) -> f64 {
        (0..N_MATERIALS).map(|m| self.virgin(m)).sum()
    }

    /// All by-products (waste generated).
    pub fn waste(&self) -> f64 {
        self.byproduct.iter().sum()
    }

    /// By-products sent to other firms (waste reused).
    pub fn reused(&self) -> f64 {
        self.sent.iter().sum()
    }

    /// Tonnes exchanged, sent and received.
    pub fn exchanged(&self) -> f64 {
        self.sent.iter().sum::<f64>() + self.received.iter().sum::<f64>()
    }

    /// Close the account: CO2 and costs given prices, process emissions and
    /// the firm's share of exchange costs.
    pub fn settle(&mut self, prices: &Prices, process_co2: f64, exchange_costs: f64) {
        let mut co2 = process_co2;
        let mut cost = exchange_costs;
        for m in 0..N_MATERIALS {
            let (v, d) = (self.virgin(m), self.disposed(m));
            co2 += v * prices.co2_virgin[m] + d * prices.co2_disposal[m];
            cost += v * prices.virgin[m] + d * prices.disposal[m];
        }
        self.co2 = co2;
        self.cost = cost + prices.carbon * co2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_is_worth_it_only_nearby() {
        let s = Scenario::default();
        let lev = s.regimes.large_firm.clone();
        let p = Prices::new(&s, &lev, 1.0);
        let heat = 1;
        assert!(p.avoided(heat) > p.exchange_cost(heat, 5.0));
        assert!(p.avoided(heat) < p.exchange_cost(heat, 100.0));
        let shocked = Prices::new(&s, &lev, 4.0);
        assert!(shocked.virgin[heat] > p.virgin[heat]);
        assert_eq!(shocked.virgin[WATER], p.virgin[WATER]);
    }

    #[test]
    fn account_balances() {
        let s = Scenario::default();
        let mut lev = s.regimes.large_firm.clone();
        lev.landfill_tax = 0.01;
        lev.carbon_price = 0.05;
        let p = Prices::new(&s, &lev, 1.0);
        let mut a = Account {
            need: [10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            byproduct: [0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0],
            ..Default::default()
        };
        a.received[0] = 4.0;
        a.sent[3] = 2.0;
        a.settle(&p, 1.5, 0.25);
        assert_eq!(a.virgin(0), 6.0);
        assert_eq!(a.disposed(3), 3.0);
        // CO2 of the process, the 6 t of virgin water and the 3 t of
        // gypsum disposed of, at the scenario's emission factors.
        let (water, gypsum) = (&s.materials.water, &s.materials.gypsum);
        let co2 = 1.5 + 6.0 * water.co2_virgin + 3.0 * gypsum.co2_disposal;
        assert!((a.co2 - co2).abs() < 1e-12, "{} vs {co2}", a.co2);
        let expected = 0.25 + 6.0 * p.virgin[0] + 3.0 * p.disposal[3] + 0.05 * co2;
        assert!((a.cost - expected).abs() < 1e-12);
        assert!(
            p.disposal[3] > s.materials.gypsum.disposal_cost,
            "landfill tax on a solid"
        );
    }
}
