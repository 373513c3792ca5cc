//! Local authorities as the mechanisms read them: the uses of their budget,
//! the support they give SMEs, their openness to citizens and the pollution
//! residents perceive. These read the institutions' state and change
//! nothing; how budgets are split and tiers-lieux open is
//! `mechanisms::governance` (formulas: docs/MODEL.md, 7.11).

use crate::scenario::BudgetShares;
use crate::state::model::Model;

/// Budget uses, in the order of [`BudgetShares::to_array`].
pub const SME: usize = 0;
pub const CLUSTER: usize = 1;
pub const TIERS_LIEUX: usize = 2;
pub const SYMBIOSIS: usize = 3;
pub const REMEDIATION: usize = 4;

pub fn normalised(w: &BudgetShares) -> [f64; 5] {
    let a = w.to_array();
    let total: f64 = a.iter().sum();
    a.map(|x| if total > 0.0 { x / total } else { 0.2 })
}

/// How a use's share compares with what firms alone would give it (1 when
/// citizens do not take part): scales the effect of that use.
pub fn relative_share(m: &Model, shares: &[f64; 5], use_: usize) -> f64 {
    let fw = normalised(&m.scenario.governance.firm_weights);
    if fw[use_] > 0.0 {
        shares[use_] / fw[use_]
    } else {
        0.0
    }
}

/// Multiplier of local SME support in region `r`: `1 + sme_support · a_r ·`
/// (the SME share of the budget relative to what firms alone would give).
pub fn sme_support(m: &Model, lever: f64, r: usize) -> f64 {
    let inst = &m.institutions;
    1.0 + lever * inst.authority_activity[r] * relative_share(m, &inst.budget_shares[r], SME)
}

/// Perceived local pollution of each region.
pub fn perceived_pollution(m: &Model, residents: &[f64]) -> Vec<f64> {
    let total_co2: f64 = m.region_co2.iter().sum();
    let total_res: f64 = residents.iter().sum();
    let national = if total_res > 0.0 {
        total_co2 / total_res
    } else {
        0.0
    };
    let inst = &m.institutions;
    let effect = m.scenario.citizens.remediation_effect;
    (0..m.territory.len())
        .map(|r| {
            let per_resident = if residents[r] > 0.0 {
                m.region_co2[r] / residents[r]
            } else {
                0.0
            };
            let raw = if national > 0.0 {
                (per_resident / (2.0 * national)).min(1.0)
            } else {
                0.0
            };
            let remediation = inst.authority_activity[r] * inst.budget_shares[r][REMEDIATION];
            raw * (1.0 - effect * remediation).max(0.0)
        })
        .collect()
}

/// Openness of each region's governance to citizens.
pub fn openness(m: &Model, lever: f64, residents: &[f64]) -> Vec<f64> {
    let c = &m.scenario.citizens;
    (0..m.territory.len())
        .map(|r| lever + c.tiers_lieux_participation * tiers_lieux_density(m, r, residents[r]))
        .collect()
}

/// Tiers-lieux per 1,000 residents.
pub fn tiers_lieux_density(m: &Model, r: usize, residents: f64) -> f64 {
    if residents > 0.0 {
        1000.0 * f64::from(m.institutions.tiers_lieux[r]) / residents
    } else {
        0.0
    }
}
