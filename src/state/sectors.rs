//! The sector table derived from the scenario: normalised knowledge
//! centroids, the complementarity matrix and final-demand shares over time.

use crate::scenario::trends::{FIRST_YEAR, LAST_YEAR, trend_year};
use crate::scenario::{N_KNOWLEDGE, N_SECTORS, Scenario};
use crate::util::profile::normalise;

/// Knowledge profile: non-negative weights over the knowledge fields, kept
/// at unit Euclidean length so that cosine similarity is a dot product.
pub type Profile = [f32; N_KNOWLEDGE];

/// Per-sector data used by the mechanisms.
#[derive(Debug, Clone)]
pub struct SectorTable {
    pub knowledge: [Profile; N_SECTORS],
    pub complementarity: [[f64; N_SECTORS]; N_SECTORS],
    /// Sectors with complementarity 1 to each sector.
    pub complements: [Vec<usize>; N_SECTORS],
    pub rural: [bool; N_SECTORS],
    pub short_chain: [bool; N_SECTORS],
    pub pollution: [f64; N_SECTORS],
    pub exposure: [f64; N_SECTORS],
    pub size_tail: [f64; N_SECTORS],
    pub firm_share: [f64; N_SECTORS],
    demand_1950: [f64; N_SECTORS],
    demand_2025: [f64; N_SECTORS],
    /// Pace of the demand trend past 2025 (`trends.demand_shares_pace`).
    demand_pace: f64,
}

fn normalised_shares(v: [f64; N_SECTORS]) -> [f64; N_SECTORS] {
    let total: f64 = v.iter().sum();
    v.map(|x| {
        if total > 0.0 {
            x / total
        } else {
            1.0 / N_SECTORS as f64
        }
    })
}

impl SectorTable {
    /// Build from a validated scenario.
    pub fn new(s: &Scenario) -> Self {
        let all = s.sectors.all();
        let mut knowledge = [[0f32; N_KNOWLEDGE]; N_SECTORS];
        let mut complementarity =
            [[s.cooperation.other_sector_complementarity; N_SECTORS]; N_SECTORS];
        for (i, sec) in all.iter().enumerate() {
            for (k, w) in sec.knowledge.iter().take(N_KNOWLEDGE).enumerate() {
                knowledge[i][k] = *w as f32;
            }
            normalise(&mut knowledge[i]);
            complementarity[i][i] = s.cooperation.same_sector_complementarity;
            for c in &sec.complements {
                if let Some(j) = Scenario::sector_index(c) {
                    complementarity[i][j] = 1.0;
                    complementarity[j][i] = 1.0;
                }
            }
        }
        let complements = std::array::from_fn(|i| {
            (0..N_SECTORS)
                .filter(|&j| j != i && complementarity[i][j] >= 1.0)
                .collect()
        });
        Self {
            knowledge,
            complementarity,
            complements,
            rural: std::array::from_fn(|i| all[i].rural),
            short_chain: std::array::from_fn(|i| all[i].short_chain),
            pollution: std::array::from_fn(|i| all[i].pollution_intensity),
            exposure: std::array::from_fn(|i| all[i].globalisation_exposure),
            size_tail: std::array::from_fn(|i| all[i].size_tail),
            firm_share: normalised_shares(std::array::from_fn(|i| all[i].firm_share)),
            demand_1950: normalised_shares(std::array::from_fn(|i| all[i].demand_share_1950)),
            demand_2025: normalised_shares(std::array::from_fn(|i| all[i].demand_share_2025)),
            demand_pace: s.trends.demand_shares_pace,
        }
    }

    /// Final-demand shares at (fractional) year `t`: geometric interpolation
    /// between the 1950 and 2025 shares, held before 1950 and continued
    /// past 2025 at the scenario's pace (see `crate::scenario::trends`), renormalised.
    pub fn demand_shares(&self, t: f64) -> [f64; N_SECTORS] {
        let t = trend_year(t, self.demand_pace);
        let tau = ((t - FIRST_YEAR as f64) / (LAST_YEAR - FIRST_YEAR) as f64).max(0.0);
        let raw = std::array::from_fn(|i| {
            let (a, b) = (self.demand_1950[i], self.demand_2025[i]);
            if a <= 0.0 || b <= 0.0 {
                (a + tau * (b - a)).max(0.0)
            } else {
                a.powf(1.0 - tau) * b.powf(tau)
            }
        });
        normalised_shares(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::profile::similarity;

    #[test]
    fn demand_shares_sum_to_one_and_move() {
        let t = SectorTable::new(&Scenario::default());
        for y in [1900.0, 1950.0, 1973.5, 2025.0, 2100.0] {
            let s = t.demand_shares(y);
            assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
        let a = Scenario::sector_index("agriculture").unwrap();
        assert!(t.demand_shares(1990.0)[a] < t.demand_shares(1960.0)[a]);
        assert_eq!(t.demand_shares(2025.0), t.demand_shares(2050.0));
    }

    #[test]
    fn demand_shares_continue_past_2025_at_the_pace_set() {
        // Agriculture fell and services rose over 1950–2025: continued, both
        // go on; at half the pace, 2050 looks like 2037.5 at full pace.
        let mut s = Scenario::default();
        s.trends.demand_shares_pace = 1.0;
        let t = SectorTable::new(&s);
        let (a, sv) = (
            Scenario::sector_index("agriculture").unwrap(),
            Scenario::sector_index("services").unwrap(),
        );
        assert_eq!(
            t.demand_shares(2025.0),
            SectorTable::new(&Scenario::default()).demand_shares(2025.0)
        );
        assert!(t.demand_shares(2050.0)[a] < t.demand_shares(2025.0)[a]);
        assert!(t.demand_shares(2050.0)[sv] > t.demand_shares(2025.0)[sv]);
        s.trends.demand_shares_pace = 0.5;
        assert_eq!(
            SectorTable::new(&s).demand_shares(2050.0),
            t.demand_shares(2037.5)
        );
    }

    /// A complement named by one sector only makes both sectors each
    /// other's complements; other pairs get the scenario's same-sector and
    /// other-sector values.
    #[test]
    fn a_complement_named_on_one_side_counts_both_ways() {
        let mut s = Scenario::default();
        s.cooperation.same_sector_complementarity = 0.7;
        s.cooperation.other_sector_complementarity = 0.2;
        for sector in [
            &mut s.sectors.agriculture,
            &mut s.sectors.agrifood,
            &mut s.sectors.textiles,
            &mut s.sectors.chemicals,
            &mut s.sectors.metals,
            &mut s.sectors.mechanical,
            &mut s.sectors.electronics,
            &mut s.sectors.pharma,
            &mut s.sectors.energy,
            &mut s.sectors.construction,
            &mut s.sectors.services,
            &mut s.sectors.environmental_services,
        ] {
            sector.complements.clear();
        }
        s.sectors.agriculture.complements = vec!["agrifood".into()];
        let t = SectorTable::new(&s);
        let (a, f) = (
            Scenario::sector_index("agriculture").unwrap(),
            Scenario::sector_index("agrifood").unwrap(),
        );
        for i in 0..N_SECTORS {
            for j in 0..N_SECTORS {
                let want = if (i, j) == (a, f) || (i, j) == (f, a) {
                    1.0
                } else if i == j {
                    0.7
                } else {
                    0.2
                };
                assert_eq!(t.complementarity[i][j], want, "sectors {i} and {j}");
            }
        }
        assert_eq!(t.complements[a], vec![f]);
        assert_eq!(t.complements[f], vec![a]);
        assert!((0..N_SECTORS).all(|i| i == a || i == f || t.complements[i].is_empty()));
    }

    #[test]
    fn profiles_are_unit_length_and_a_zero_one_uniform() {
        let mut p = [0.0, 3.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0];
        normalise(&mut p);
        assert_eq!(p, [0.0, 0.6, 0.0, 0.8, 0.0, 0.0, 0.0, 0.0]);
        let mut z = [0.0; N_KNOWLEDGE];
        normalise(&mut z);
        assert!(z.iter().all(|&x| (x - z[0]).abs() < 1e-7));
        assert!((similarity(&z, &z) - 1.0).abs() < 1e-6);
        assert!((similarity(&p, &z) - 1.4 / 8f64.sqrt()).abs() < 1e-6);
    }
}
