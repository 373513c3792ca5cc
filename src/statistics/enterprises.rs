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
}

/// One pass over the firms, then the groups.
pub fn enterprise_stats(m: &Model) -> EnterpriseStats {
    let mut st = EnterpriseStats::default();
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
}

/// The rows of `sectors.csv` for the step just simulated.
pub fn sector_rows(ctx: &StepContext, st: &EnterpriseStats) -> Vec<SectorRow> {
    (0..N_SECTORS)
        .map(|s| SectorRow {
            step: ctx.step,
            year: ctx.year,
            sector: SECTOR_NAMES[s],
            enterprises: st.sector_enterprises[s],
            establishments: st.sector_establishments[s],
            employment: st.sector_employment[s],
            output: st.sector_output[s],
        })
        .collect()
}
