//! Citizens in the governance of territories: environmental concern,
//! participation, tiers-lieux, and how local authorities split their budget
//! between stakeholders' preferences.
//!
//! * Perceived local pollution of region `r`:
//!   `P_r = min(1, (CO2_r / L_r) / (2 · CO2 / L)) · (1 − remediation_effect · a_r · share_rem,r)`.
//! * A citizen's concern `c` moves towards
//!   `(1 − w_N) · green · (w_P P_r + (1 − w_P) S) + w_N · C̄_r`, clipped to
//!   [0, 1], by a share `concern_adjustment` per year, with `green` a
//!   personal predisposition, `S` the regime's environmental salience and
//!   `C̄_r` the region's mean concern (neighbours).
//! * Openness of the region: `O_r = citizen_participation + tiers_lieux_participation · (tiers-lieux per 1,000 residents)`;
//!   a citizen takes part in consultations or tiers-lieux in a year with
//!   probability `participation_propensity · c · O_r`.
//! * Each local authority splits its budget `a_r · budget_per_resident · L_r`
//!   between SME support, cluster animation, tiers-lieux, symbiosis
//!   facilitation and remediation: `(1 − π_r) · firm_weights + π_r · citizen_weights`
//!   (normalised), with `π_r = min(1, citizen_influence · participation rate_r)`.
//! * Tiers-lieux are created at a rate `tiers_lieux_support · tiers_lieux_per_budget · budget_r · share_tl,r`
//!   per year and close with a hazard.

use rand_distr::{Binomial, Distribution, Poisson};

use crate::state::authorities::{TIERS_LIEUX, normalised};
use crate::state::model::Model;
use crate::util::rng::Purpose;

/// Budget shares of a region given its participation rate.
pub fn budget_shares(m: &Model, participation: f64) -> [f64; 5] {
    let g = &m.scenario.governance;
    let (fw, cw) = (normalised(&g.firm_weights), normalised(&g.citizen_weights));
    let pi = (g.citizen_influence * participation).clamp(0.0, 1.0);
    std::array::from_fn(|k| (1.0 - pi) * fw[k] + pi * cw[k])
}

/// Update budget shares from last step's participation.
pub fn update_budgets(model: &mut Model) {
    let shares: Vec<[f64; 5]> = (0..model.territory.len())
        .map(|r| budget_shares(model, model.institutions.participation[r]))
        .collect();
    model.institutions.budget_shares = shares;
}

/// Create and close tiers-lieux.
pub fn update_tiers_lieux(model: &mut Model, step: u32, dt: f64, support: f64, residents: &[f64]) {
    let c = model.scenario.citizens.clone();
    let per_resident = model.scenario.governance.budget_per_resident;
    let close = 1.0 - (1.0 - c.tiers_lieux_closure_rate).powf(dt);
    for (r, &res) in residents.iter().enumerate().take(model.territory.len()) {
        let mut rng = model.streams.rng(Purpose::TiersLieux, step, r as u64);
        let inst = &model.institutions;
        let budget = inst.authority_activity[r] * per_resident * res;
        let mean =
            support * c.tiers_lieux_per_budget * budget * inst.budget_shares[r][TIERS_LIEUX] * dt;
        let opened = if mean > 0.0 {
            Poisson::new(mean)
                .map(|p| p.sample(&mut rng) as u32)
                .unwrap_or(0)
        } else {
            0
        };
        let existing = inst.tiers_lieux[r];
        let closed = if existing > 0 && close > 0.0 {
            Binomial::new(u64::from(existing), close.min(1.0))
                .map(|b| b.sample(&mut rng) as u32)
                .unwrap_or(0)
        } else {
            0
        };
        model.institutions.tiers_lieux[r] = existing - closed + opened;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::state::authorities::{SME, relative_share};

    #[test]
    fn shares_follow_participation() {
        let m = Model::new(small()).unwrap();
        let none = budget_shares(&m, 0.0);
        let many = budget_shares(&m, 1.0);
        assert!((none.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((many.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(none[TIERS_LIEUX], 0.0);
        assert!(many[TIERS_LIEUX] > 0.0 && many[SME] < none[SME]);
        assert!((relative_share(&m, &none, SME) - 1.0).abs() < 1e-12);
    }

    /// After two steps of the transition regime, the opinion the institutions
    /// hold is the citizens' own: each region's mean concern and share of
    /// participants, counted here with plain sums in citizen order (the
    /// order the model promises, see the test above).
    #[test]
    fn statistics_report_the_regional_opinion() {
        let mut s = small();
        s.run.start_year = 2015;
        for r in [
            &mut s.regimes.large_firm,
            &mut s.regimes.decentralisation,
            &mut s.regimes.clusters,
            &mut s.regimes.transition,
        ] {
            r.start = 2015;
        }
        let mut m = Model::new(s).unwrap();
        m.step().unwrap();
        m.step().unwrap();
        let n = m.territory.len();
        let (mut concern, mut part, mut count) =
            (vec![0.0f64; n], vec![0.0f64; n], vec![0.0f64; n]);
        for c in &m.citizens {
            let r = c.region as usize;
            concern[r] += f64::from(c.concern);
            part[r] += f64::from(u8::from(c.participant));
            count[r] += 1.0;
        }
        assert!(part.iter().sum::<f64>() > 0.0, "nobody takes part");
        for r in 0..n {
            assert!(count[r] > 0.0, "region {r} without citizens");
            let (mc, mp) = (concern[r] / count[r], part[r] / count[r]);
            assert_eq!(
                m.institutions.mean_concern[r].to_bits(),
                mc.to_bits(),
                "region {r}"
            );
            assert_eq!(
                m.institutions.participation[r].to_bits(),
                mp.to_bits(),
                "region {r}"
            );
        }
    }

    fn small() -> Scenario {
        let mut s = Scenario::default();
        s.population.firms = 300;
        s.population.citizens = 3000;
        s.territory.regions = 4;
        s
    }
}
