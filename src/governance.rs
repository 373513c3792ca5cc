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

use crate::model::Model;
use crate::scenario::BudgetShares;
use crate::util::rng::Purpose;

/// Budget uses, in the order of [`BudgetShares::to_array`].
pub const SME: usize = 0;
pub const CLUSTER: usize = 1;
pub const TIERS_LIEUX: usize = 2;
pub const SYMBIOSIS: usize = 3;
pub const REMEDIATION: usize = 4;

fn normalised(w: &BudgetShares) -> [f64; 5] {
    let a = w.to_array();
    let total: f64 = a.iter().sum();
    a.map(|x| if total > 0.0 { x / total } else { 0.2 })
}

/// Budget shares of a region given its participation rate.
pub fn budget_shares(m: &Model, participation: f64) -> [f64; 5] {
    let g = &m.scenario.governance;
    let (fw, cw) = (normalised(&g.firm_weights), normalised(&g.citizen_weights));
    let pi = (g.citizen_influence * participation).clamp(0.0, 1.0);
    std::array::from_fn(|k| (1.0 - pi) * fw[k] + pi * cw[k])
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

/// Update budget shares from last step's participation.
pub fn update_budgets(model: &mut Model) {
    let shares: Vec<[f64; 5]> = (0..model.territory.len())
        .map(|r| budget_shares(model, model.institutions.participation[r]))
        .collect();
    model.institutions.budget_shares = shares;
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

/// Sums of concern, participants and residents of each region, added in
/// citizen order (the statistics' pass over the citizens fills it, see
/// [`crate::metrics::collect`]).
#[derive(Debug, Clone, Default)]
pub struct OpinionSums {
    concern: Vec<f64>,
    participants: Vec<u64>,
    residents: Vec<u64>,
    /// The region whose run of consecutive citizens is being summed, and
    /// its concern so far: a run adds in a register, in the same order.
    run: Option<(usize, f64)>,
}

impl OpinionSums {
    /// Empty sums for `n` regions.
    pub fn new(n: usize) -> Self {
        Self {
            concern: vec![0.0; n],
            participants: vec![0; n],
            residents: vec![0; n],
            run: None,
        }
    }

    /// Add one citizen of region `r`.
    #[inline]
    pub fn add(&mut self, r: usize, concern: f32, participant: bool) {
        if let (Some(p), Some(n)) = (self.participants.get_mut(r), self.residents.get_mut(r)) {
            *p += u64::from(participant);
            *n += 1;
        }
        let x = f64::from(concern);
        match &mut self.run {
            Some((cur, acc)) if *cur == r => *acc += x,
            run => {
                if let Some((cur, acc)) = *run {
                    self.concern[cur] = acc;
                }
                *run = self.concern.get(r).map(|&c| (r, c + x));
            }
        }
    }

    /// Citizens added so far in each region.
    pub fn residents(&self) -> &[u64] {
        &self.residents
    }

    /// Mean concern and participation rate of each region (0 where no
    /// citizen lives).
    pub fn finish(mut self) -> RegionalOpinion {
        if let Some((cur, acc)) = self.run.take() {
            self.concern[cur] = acc;
        }
        let mean = |sum: f64, n: u64| if n > 0 { sum / n as f64 } else { 0.0 };
        RegionalOpinion {
            mean_concern: (self.concern.iter().zip(&self.residents))
                .map(|(&c, &n)| mean(c, n))
                .collect(),
            participation: (self.participants.iter().zip(&self.residents))
                .map(|(&p, &n)| mean(p as f64, n))
                .collect(),
        }
    }
}

/// Mean concern and participation rate of each region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegionalOpinion {
    pub mean_concern: Vec<f64>,
    pub participation: Vec<f64>,
}

/// Store the regional opinion for the next step.
pub fn set_opinion(model: &mut Model, opinion: RegionalOpinion) {
    model.institutions.mean_concern = opinion.mean_concern;
    model.institutions.participation = opinion.participation;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

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

    #[test]
    fn opinion_sums_add_in_citizen_order_bit_for_bit() {
        // Runs of one region and interleaved regions, concerns of mixed
        // magnitudes (so that the order of additions shows in the bits).
        let citizens: Vec<(usize, f32, bool)> = (0..5000u32)
            .map(|k| {
                let r = if k % 7 < 4 { (k / 50) % 3 } else { k % 5 } as usize;
                let concern = ((k * 2_654_435_761) % 1000) as f32 / 997.0 * (1.0 + (k % 13) as f32);
                (r, concern, k % 3 == 0)
            })
            .collect();
        let n = 6;
        let mut sums = OpinionSums::new(n);
        let (mut concern, mut part, mut count) =
            (vec![0.0f64; n], vec![0.0f64; n], vec![0.0f64; n]);
        for &(r, c, p) in &citizens {
            sums.add(r, c, p);
            concern[r] += f64::from(c);
            part[r] += if p { 1.0 } else { 0.0 };
            count[r] += 1.0;
        }
        let got = sums.finish();
        for r in 0..n {
            let (mc, mp) = if count[r] > 0.0 {
                (concern[r] / count[r], part[r] / count[r])
            } else {
                (0.0, 0.0)
            };
            assert_eq!(got.mean_concern[r].to_bits(), mc.to_bits(), "region {r}");
            assert_eq!(got.participation[r].to_bits(), mp.to_bits(), "region {r}");
        }
        assert_eq!(got.mean_concern[5], 0.0, "a region without citizens");
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
