//! Enterprise-level statistics: employment by Insee size class of the
//! enterprise, groups, small industrial establishments, the instruments'
//! organisations, and the rows of `sectors.csv`.

use serde::Serialize;

use crate::scenario::{N_SECTORS, SECTOR_NAMES};
use crate::state::agents::NONE;
use crate::state::context::StepContext;
use crate::state::enterprise::{AGRICULTURE, EnterpriseClass, INDUSTRY, enterprise_employees};
use crate::state::model::Model;

/// What the statistics sum over the firms (establishments) for the
/// enterprise columns, in firm order (integers: exact in any order).
#[derive(Debug, Clone, Default)]
pub struct EnterpriseStats {
    /// Employment by the Insee class of its enterprise (micro, SME,
    /// mid-size, large), non-agricultural sectors.
    pub class_emp: [u64; 4],
    /// Employment in enterprises of 1,000 or more (non-agricultural).
    pub over_1000: u64,
    /// Employment in establishments of groups.
    pub in_groups: u64,
    /// Industrial employment, and that of establishments under 10.
    pub industry: u64,
    pub industry_small: u64,
    /// Independent firms (enterprises of one establishment).
    pub independents: u64,
    /// Groups with at least one establishment.
    pub live_groups: u64,
    /// Firms in an industrial symbiosis exchange.
    pub exchanging: u64,
    /// Per sector: enterprises (independent firms of the sector and groups
    /// whose main sector it is), establishments, employment, sales.
    pub sector_enterprises: [u64; N_SECTORS],
    pub sector_establishments: [u64; N_SECTORS],
    pub sector_employment: [u64; N_SECTORS],
    pub sector_output: [f64; N_SECTORS],
    /// Sum of the squared employment of the sector's establishments
    /// (for the plant Herfindahl `H_i` of the Ellison–Glaeser index).
    pub sector_emp_squares: [u128; N_SECTORS],
    /// Employment by region and sector.
    pub region_sector_emp: Vec<[u64; N_SECTORS]>,
}

/// One pass over the firms, then the groups.
pub fn enterprise_stats(m: &Model) -> EnterpriseStats {
    let mut st = EnterpriseStats {
        region_sector_emp: vec![[0; N_SECTORS]; m.territory.len()],
        ..EnterpriseStats::default()
    };
    for f in &m.firms {
        let e = u64::from(f.employees);
        let sector = f.sector as usize;
        if sector != AGRICULTURE {
            let size = enterprise_employees(&m.groups, f);
            st.class_emp[EnterpriseClass::of(size) as usize] += e;
            if size >= 1000 {
                st.over_1000 += e;
            }
        }
        if f.exchanged_tonnes > 0.0 {
            st.exchanging += 1;
        }
        if f.group == NONE {
            st.independents += 1;
            st.sector_enterprises[sector] += 1;
        } else {
            st.in_groups += e;
        }
        if INDUSTRY.contains(&sector) {
            st.industry += e;
            if f.employees < 10 {
                st.industry_small += e;
            }
        }
        st.sector_establishments[sector] += 1;
        st.sector_employment[sector] += e;
        st.sector_output[sector] += f.sales;
        st.sector_emp_squares[sector] += u128::from(e) * u128::from(e);
        st.region_sector_emp[f.region as usize][sector] += e;
    }
    for g in m.groups.iter().filter(|g| g.establishments > 0) {
        st.live_groups += 1;
        st.sector_enterprises[g.sector as usize] += 1;
    }
    st
}

/// Organisations labelled so far and active now by the instruments of a
/// kind (`spl`, `pole`, `grappe`).
pub fn instrument_counts(m: &Model, kind: &str) -> (u64, u64) {
    let list = m.scenario.instrument_list();
    let labelled = list
        .iter()
        .zip(&m.institutions.labelled_total)
        .filter(|(i, _)| i.kind == kind)
        .map(|(_, &n)| u64::from(n))
        .sum();
    let active = m
        .institutions
        .clusters
        .iter()
        .filter(|c| {
            list.get(c.instrument as usize)
                .is_some_and(|i| i.kind == kind)
        })
        .count() as u64;
    (labelled, active)
}

/// One row of `sectors.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SectorRow {
    pub step: u32,
    pub year: i64,
    pub sector: &'static str,
    /// Enterprises whose main activity is the sector: its independent
    /// firms and the groups whose main sector it is.
    pub enterprises: u64,
    /// Establishments (firms) of the sector.
    pub establishments: u64,
    pub employment: u64,
    /// Sales, output units per year.
    pub output: f64,
    /// Ellison–Glaeser index of the sector's geographic concentration.
    pub ellison_glaeser_gamma: f64,
    /// The sector's largest location quotient across regions.
    pub max_location_quotient: f64,
}

/// The rows of `sectors.csv` for the step just simulated.
pub fn sector_rows(ctx: &StepContext, st: &EnterpriseStats) -> Vec<SectorRow> {
    let (gamma, lq) = concentration(st);
    (0..N_SECTORS)
        .map(|s| SectorRow {
            step: ctx.step,
            year: ctx.year,
            sector: SECTOR_NAMES[s],
            enterprises: st.sector_enterprises[s],
            establishments: st.sector_establishments[s],
            employment: st.sector_employment[s],
            output: st.sector_output[s],
            ellison_glaeser_gamma: gamma[s],
            max_location_quotient: lq[s],
        })
        .collect()
}

/// Per sector, the Ellison–Glaeser γ and the largest location quotient
/// (brief §6). With `x_r` the region's share of all employment, `s_ir` its
/// share of the sector's, `G = Σ_r (s_ir − x_r)²` and `H_i = Σ_k z_k²` over
/// the sector's establishments: `γ = (G − (1 − Σ x_r²) H_i) / ((1 − Σ x_r²)(1 − H_i))`
/// (0 where the denominator is 0); `LQ_ir = (e_ir / e_r) / (E_i / E)`.
pub fn concentration(st: &EnterpriseStats) -> ([f64; N_SECTORS], [f64; N_SECTORS]) {
    let region_emp: Vec<u64> = st
        .region_sector_emp
        .iter()
        .map(|r| r.iter().sum())
        .collect();
    let total: u64 = region_emp.iter().sum();
    let mut gamma = [0.0; N_SECTORS];
    let mut lq = [0.0; N_SECTORS];
    if total == 0 {
        return (gamma, lq);
    }
    let e = total as f64;
    let sum_x2: f64 = region_emp.iter().map(|&r| (r as f64 / e).powi(2)).sum();
    for s in 0..N_SECTORS {
        let es = st.sector_employment[s];
        if es == 0 {
            continue;
        }
        let esf = es as f64;
        let mut g = 0.0;
        for (r, row) in st.region_sector_emp.iter().enumerate() {
            let share = row[s] as f64 / esf;
            let x = region_emp[r] as f64 / e;
            g += (share - x).powi(2);
            if region_emp[r] > 0 {
                lq[s] = f64::max(lq[s], (row[s] as f64 / region_emp[r] as f64) / (esf / e));
            }
        }
        let h = st.sector_emp_squares[s] as f64 / (esf * esf);
        let den = (1.0 - sum_x2) * (1.0 - h);
        if den > 0.0 {
            gamma[s] = (g - (1.0 - sum_x2) * h) / den;
        }
    }
    (gamma, lq)
}
