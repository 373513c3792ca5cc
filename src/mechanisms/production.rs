//! Production, sales, profits and desired employment.
//!
//! Efficiency (output per worker) of firm f in region r:
//! `a_f = A_f · (E_f/10)^γ · (E_r/Ē)^α · (1 + h · (skill_f − 0.5))`, with `A_f` its
//! productivity, `γ` the regime's scale economies, `α` the agglomeration
//! elasticity, `h` the skill effect and `skill_f` its employees' mean skill.
//!
//! Competitiveness `z_f = a_f · (1 + premium_f) · (1 − env · pollution_s) / c_r`
//! adds the regime's policy premiums (State support of national champions,
//! growth-pole pull of leading firms, regional policy) and the congestion
//! cost `c_r = (E_r/Ē)^κ_c`. (Local authorities' SME support acts on entry
//! and survival, see `demography` and `labour`.)
//!
//! Final demand `D = ρ · L · ā` (ρ the regime's aggregate demand, L the
//! labour force, ā mean efficiency) is split over sectors by the demand
//! shares, and within a sector by `z_f^φ · E_f`. A firm wants the
//! employment that produces its sales, `E*_f = S_f / a_f`, and closes a
//! share κ of the log gap per year, with Gibrat-like shocks of s.d.
//! `σ₀ E^−β`.

use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::scenario::N_SECTORS;
use crate::state::agents::Ownership;
use crate::state::context::{Market, Memory, StepContext};
use crate::state::enterprise::enterprise_employees;
use crate::state::model::Model;
use crate::state::tally::Tally;
use crate::util::rng::Purpose;

/// Pull of leading firms on firms of each sector in each region:
/// `Σ E_g · embeddedness_g · complementarity(s_g, s) / E_r` over leading
/// firms g of the region.
pub fn growth_pole_pull(model: &Model, region_employment: &[f64]) -> Vec<f64> {
    let n = model.territory.len();
    let leading = model.scenario.firms.leading_firm_size as u32;
    let mut pull = vec![0.0; n * N_SECTORS];
    for f in model.firms.iter().filter(|f| f.employees >= leading) {
        let r = f.region as usize;
        let w = f64::from(f.employees) * f64::from(f.embeddedness);
        for (s, p) in pull[r * N_SECTORS..(r + 1) * N_SECTORS]
            .iter_mut()
            .enumerate()
        {
            *p += w * model.sectors.complementarity[f.sector as usize][s];
        }
    }
    for r in 0..n {
        let e = region_employment[r].max(1.0);
        for p in &mut pull[r * N_SECTORS..(r + 1) * N_SECTORS] {
            *p /= e;
        }
    }
    pull
}

/// Employment and residents by region.
/// Counted in integers, in parallel: the same values as summing in order
/// (integer sums in f64 are exact below 2^53).
pub fn regional_counts(model: &Model) -> (Vec<f64>, Vec<f64>) {
    let n = model.territory.len();
    (
        totals_by_region(&model.firms, n, |f| (f.region, u64::from(f.employees))),
        totals_by_region(&model.citizens, n, |c| (c.region, 1)),
    )
}

/// Sum of `value` over `items` in each of `n` regions, in integers.
fn totals_by_region<T: Sync>(
    items: &[T],
    n: usize,
    value: impl Fn(&T) -> (u16, u64) + Sync,
) -> Vec<f64> {
    items
        .par_iter()
        .fold(
            || vec![0u64; n],
            |mut v, item| {
                let (region, x) = value(item);
                v[region as usize] += x;
                v
            },
        )
        .reduce(
            || vec![0u64; n],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
        .into_iter()
        .map(|x| x as f64)
        .collect()
}

/// Agglomeration factor of each region, `(E_r / Ē)^α`.
fn relative_size(emp: &[f64]) -> Vec<f64> {
    let mean = emp.iter().sum::<f64>() / emp.len().max(1) as f64;
    emp.iter().map(|e| e.max(1.0) / mean.max(1.0)).collect()
}

/// Efficiency of a firm: output per worker-year.
#[inline]
pub fn efficiency(
    productivity: f64,
    employees: u32,
    gamma: f64,
    agglomeration: f64,
    skill: f32,
    skill_effect: f64,
) -> f64 {
    productivity
        * (f64::from(employees.max(1)) / 10.0).powf(gamma)
        * agglomeration
        * (1.0 + skill_effect * (f64::from(skill) - 0.5)).max(0.0)
}

/// Run the market of a step: update sales, margins and cash of every firm
/// and return desired employment.
pub fn produce(model: &mut Model, ctx: &StepContext, tally: &mut Tally) -> Market {
    let s = &model.scenario;
    let lev = &ctx.levers;
    let (region_employment, region_residents) = regional_counts(model);
    let rel = relative_size(&region_employment);
    let agglo: Vec<f64> = rel
        .iter()
        .map(|x| x.powf(s.territory.agglomeration_elasticity))
        .collect();
    let cost: Vec<f64> = rel
        .iter()
        .map(|x| x.powf(s.territory.congestion_elasticity))
        .collect();
    let pull = growth_pole_pull(model, &region_employment);
    let total_emp: f64 = region_employment.iter().sum();
    let total_res: f64 = region_residents.iter().sum();
    let national_rate = if total_res > 0.0 {
        total_emp / total_res
    } else {
        0.0
    };
    let lag: Vec<f64> = region_employment
        .iter()
        .zip(&region_residents)
        .map(|(e, r)| {
            if *r > 0.0 && national_rate > 0.0 {
                (1.0 - (e / r) / national_rate).max(0.0)
            } else {
                0.0
            }
        })
        .collect();
    let leading = s.firms.leading_firm_size as u32;
    let phi = s.firms.competition;
    let concern = &model.institutions.mean_concern;
    let participation = &model.institutions.participation;
    let sectors = &model.sectors;
    let groups = &model.groups;
    let champion = s.enterprises.champion_size as u32;

    // Efficiency and market weight of every firm.
    let pre: Vec<(f64, f64)> = model
        .firms
        .par_iter()
        .map(|f| {
            let r = f.region as usize;
            let sec = f.sector as usize;
            let a = efficiency(
                f.productivity,
                f.employees,
                lev.scale_economies,
                agglo[r],
                f.mean_skill,
                s.firms.skill_effect,
            );
            let mut premium = lev.regional_policy * lag[r];
            // National champions: the establishments of national groups
            // of at least `champion_size` employees.
            if f.ownership == Ownership::NationalGroup
                && enterprise_employees(groups, f) >= champion
            {
                premium += lev.state_support;
            }
            if f.employees < leading {
                premium += lev.growth_pole_pull * pull[r * N_SECTORS + sec];
            }
            if sectors.short_chain[sec] {
                premium += s.citizens.short_chain_premium * concern[r];
            }
            let env = (1.0 - lev.environmental_constraint * sectors.pollution[sec]).max(0.0);
            let materials = 1.0 - f64::from(f.material_cost_share).min(0.9);
            let z = a * (1.0 + premium) * env * materials / cost[r];
            (a, z.powf(phi) * f64::from(f.employees))
        })
        .collect();

    let mut weight_sum = [0.0; N_SECTORS];
    let mut eff_sum = 0.0;
    for (f, (a, w)) in model.firms.iter().zip(&pre) {
        weight_sum[f.sector as usize] += w;
        eff_sum += a * f64::from(f.employees);
    }
    let mean_efficiency = if total_emp > 0.0 {
        eff_sum / total_emp
    } else {
        1.0
    };
    let labour_force = model.citizens.len() as f64;
    let demand = lev.aggregate_demand * labour_force * mean_efficiency;
    let sector_demand: [f64; N_SECTORS] = std::array::from_fn(|k| demand * ctx.demand_shares[k]);
    let output: f64 = (0..N_SECTORS)
        .filter(|&k| weight_sum[k] > 0.0)
        .map(|k| sector_demand[k])
        .sum();
    // Wages share value added: output net of last step's material costs.
    let value_added = (output - model.material_cost).max(0.0);
    let wage = if total_emp > 0.0 {
        s.firms.labour_share * value_added / total_emp
    } else {
        s.firms.labour_share
    };

    let fp = &s.firms;
    let dt = ctx.dt;
    let adjust = 1.0 - (1.0 - fp.adjustment_speed).powf(dt);
    let streams = &model.streams;
    let step = ctx.step;
    let declared = &model.technology.declared;
    let cit = &s.citizens;
    let polluting = &sectors.pollution;
    let services = shared_services(model);
    let plans: Vec<(u32, u32, bool)> = model
        .firms
        .par_iter_mut()
        .zip(pre.par_iter())
        .map(|(f, &(a, w))| {
            let sec = f.sector as usize;
            let sales = if weight_sum[sec] > 0.0 {
                sector_demand[sec] * w / weight_sum[sec]
            } else {
                0.0
            };
            let e = f64::from(f.employees);
            let wage_bill = wage * cost[f.region as usize] * e;
            // Members of a labelled organisation share services.
            let shared = services.get(f.cluster as usize).copied().unwrap_or(0.0);
            let profit = (sales - wage_bill - fp.fixed_cost * wage * (1.0 - shared)) * dt;
            f.sales = sales;
            f.cash += profit;
            f.margin = if sales > 0.0 {
                (profit / (sales * dt)).clamp(-1.0, 1.0) as f32
            } else {
                -1.0
            };
            let mut rng = streams.rng(Purpose::Growth, step, u64::from(f.id));
            let priority: u32 = rng.random();
            if let Some(d) = declared.get(f.declared as usize) {
                // A declared firm keeps its declared size.
                return (d.employees as u32, priority, false);
            }
            if f.employees == 0 || a <= 0.0 {
                return (0, priority, false);
            }
            let desired = (sales / a).max(1e-9);
            let shock: f64 = rng.sample(StandardNormal);
            let sigma = fp.growth_noise * e.powf(-fp.noise_size_elasticity) * dt.sqrt();
            let log_target = e.ln() + adjust * (desired / e).ln() + sigma * shock;
            let target = log_target.exp();
            let rounded = target.floor()
                + if rng.random::<f64>() < target.fract() {
                    1.0
                } else {
                    0.0
                };
            let mut target = rounded.min(f64::from(u32::MAX / 2)) as u32;
            // Citizens may oppose the expansion of a polluting plant near them.
            let r = f.region as usize;
            let mut conflict = false;
            if target > f.employees && polluting[sec] >= cit.conflict_pollution_threshold {
                let p = cit.conflict_propensity * concern[r] * participation[r] * polluting[sec];
                if rng.random::<f64>() < p {
                    target = f.employees;
                    conflict = true;
                }
            }
            (target, priority, conflict)
        })
        .collect();
    let mut targets = Vec::with_capacity(plans.len());
    let mut hiring_priority = Vec::with_capacity(plans.len());
    for (t, p, conflict) in plans {
        targets.push(t);
        hiring_priority.push(p);
        tally.conflicts += u32::from(conflict);
    }

    Market {
        wage,
        demand,
        output,
        mean_efficiency,
        targets,
        hiring_priority,
        region_employment,
        region_residents,
        region_cost: cost,
    }
}

/// Memory of the initial state.
pub fn initial_memory(model: &Model) -> Memory {
    remember(model)
}

/// Aggregates of the state just reached, for the next step.
pub fn remember(model: &Model) -> Memory {
    let mut log_prod = [0.0; N_SECTORS];
    let mut emp = [0.0; N_SECTORS];
    // Logarithms in parallel (one per firm, written in place); the sums in
    // firm order.
    let terms: Vec<Option<(u8, f64, f64)>> = model
        .firms
        .par_iter()
        .map(|f| {
            let e = f64::from(f.employees.max(1));
            (f.productivity > 0.0).then(|| (f.sector, f.productivity.ln() * e, e))
        })
        .collect();
    for (sector, lp, e) in terms.into_iter().flatten() {
        log_prod[sector as usize] += lp;
        emp[sector as usize] += e;
    }
    let fallback = {
        let total: f64 = emp.iter().sum();
        if total > 0.0 {
            (log_prod.iter().sum::<f64>() / total).exp()
        } else {
            1.0
        }
    };
    let sector_productivity = std::array::from_fn(|k| {
        if emp[k] > 0.0 {
            (log_prod[k] / emp[k]).exp()
        } else {
            fallback
        }
    });
    Memory {
        sector_productivity,
    }
}

/// The share of fixed costs the shared services of each organisation (by
/// id) save its members: its instrument's `shared_services`, 0 for the
/// generic cluster policy's.
fn shared_services(model: &Model) -> Vec<f64> {
    let list = model.scenario.instrument_list();
    let mut v = vec![0.0; model.institutions.next_cluster_id as usize];
    for c in &model.institutions.clusters {
        if let Some(ins) = list.get(c.instrument as usize) {
            v[c.id as usize] = ins.shared_services;
        }
    }
    v
}
