//! What enterprises do as owners: groups (national groups and foreign
//! multinationals) acquire independent firms and take each other over
//! (docs/MODEL.md §7.16). Their plants open in firm turnover
//! (`mechanisms::demography`); the groups themselves are
//! `state::enterprise`.

use rand::RngExt;
use rayon::prelude::*;

use crate::scenario::N_SECTORS;
use crate::state::agents::{NONE, Ownership};
use crate::state::context::StepContext;
use crate::state::enterprise::found_group;
use crate::state::model::Model;
use crate::util::draw::draw_cumulative;
use crate::util::rng::Purpose;

/// Who buys an acquired firm.
#[derive(Debug, Clone, Copy)]
enum Acquirer {
    Group(u32),
    /// A large independent firm (index), which becomes a group.
    Firm(usize),
}

/// Acquisitions of the step: each independent firm of at least
/// `acquisition_min_size` employees is acquired with hazard
/// `acquisition_rate · (A / Ā_s)^selectivity`; a share
/// `foreign_acquisitions` of buyers are foreign multinationals of its
/// sector, the others national groups of its sector or large independent
/// firms of its sector (which become groups), drawn with weight
/// `employees^acquirer_size_exponent`. Returns the number of acquisitions.
pub fn acquire(model: &mut Model, ctx: &StepContext) -> u32 {
    let rate = ctx.levers.acquisition_rate;
    if rate <= 0.0 {
        return 0;
    }
    let e = model.scenario.enterprises.clone();
    let weight = |employees: u32| f64::from(employees.max(1)).powf(e.acquirer_size_exponent);
    // Buyers per (kind, sector): [national of sector s] = s, [foreign] = N + s.
    let mut buyers: Vec<(Vec<Acquirer>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); 2 * N_SECTORS];
    let mut push = |k: usize, a: Acquirer, w: f64| {
        let (list, cum) = &mut buyers[k];
        let acc = cum.last().copied().unwrap_or(0.0) + w;
        list.push(a);
        cum.push(acc);
    };
    for (g, group) in model.groups.iter().enumerate() {
        if group.establishments == 0 {
            continue;
        }
        let k = usize::from(group.sector)
            + if group.kind == Ownership::Foreign {
                N_SECTORS
            } else {
                0
            };
        push(k, Acquirer::Group(g as u32), weight(group.employees));
    }
    let big = e.expansion_min_size as u32;
    for (i, f) in model.firms.iter().enumerate() {
        if f.group == NONE && f.declared == NONE && f.employees >= big {
            push(
                usize::from(f.sector),
                Acquirer::Firm(i),
                weight(f.employees),
            );
        }
    }
    let m: &Model = model;
    // Probability of being bought in the step at hazard `rate`: groups
    // pick productive firms.
    let bought = |productivity: f64, sector: u8, rate: f64| -> f64 {
        let mean = m.memory.sector_productivity[sector as usize];
        let relative = if mean > 0.0 {
            (productivity / mean).powf(e.acquisition_selectivity)
        } else {
            1.0
        };
        1.0 - (-rate * relative * ctx.dt).exp()
    };
    let min_size = e.acquisition_min_size as u32;
    let foreign_share = ctx.levers.foreign_acquisitions;
    let deals: Vec<(usize, Acquirer)> = m
        .firms
        .par_iter()
        .enumerate()
        .filter_map(|(i, f)| {
            if f.group != NONE || f.declared != NONE || f.employees < min_size || f.closing {
                return None;
            }
            let p = bought(f.productivity, f.sector, rate);
            let mut rng = m
                .streams
                .rng(Purpose::Acquisition, ctx.step, u64::from(f.id));
            if rng.random::<f64>() >= p {
                return None;
            }
            let foreign = rng.random::<f64>() < foreign_share;
            let (list, cum) = &buyers[usize::from(f.sector) + if foreign { N_SECTORS } else { 0 }];
            let k = draw_cumulative(cum, rng.random())?;
            match list[k] {
                Acquirer::Firm(j) if j == i => None,
                a => Some((i, a)),
            }
        })
        .collect();
    // Groups are taken over by larger groups of their sector: hazard
    // `group_merger_factor · acquisition_rate · (A_g / Ā_s)^selectivity`.
    let merger_rate = rate * e.group_merger_factor;
    let mergers: Vec<(usize, u32)> = if merger_rate > 0.0 {
        m.groups
            .par_iter()
            .enumerate()
            .filter_map(|(g, group)| {
                if group.establishments == 0 {
                    return None;
                }
                let p = bought(group.productivity, group.sector, merger_rate);
                let mut rng =
                    m.streams
                        .rng(Purpose::Acquisition, ctx.step, (1u64 << 40) | g as u64);
                if rng.random::<f64>() >= p {
                    return None;
                }
                let foreign = rng.random::<f64>() < foreign_share;
                let (list, cum) =
                    &buyers[usize::from(group.sector) + if foreign { N_SECTORS } else { 0 }];
                let k = draw_cumulative(cum, rng.random())?;
                match list[k] {
                    Acquirer::Group(h) if m.groups[h as usize].employees > group.employees => {
                        Some((g, h))
                    }
                    _ => None,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut done = 0;
    let embedded = model.scenario.firms.initial_embeddedness as f32;
    for (i, buyer) in deals {
        let group = match buyer {
            Acquirer::Group(g) => g,
            Acquirer::Firm(j) => {
                // A buyer already acquired this step (or that became a
                // group) buys for its group.
                if model.firms[j].group != NONE {
                    model.firms[j].group
                } else {
                    found_group(&mut model.groups, &mut model.firms[j], ctx.step)
                }
            }
        };
        if model.firms[i].group != NONE {
            continue;
        }
        let kind = model.groups[group as usize].kind;
        let f = &mut model.firms[i];
        f.group = group;
        f.ownership = kind;
        f.embeddedness = f.embeddedness.min(embedded);
        done += 1;
    }
    if !mergers.is_empty() {
        // Each taken-over group points to its buyer; a buyer taken over in
        // the same step passes its purchases on (buyers are larger, so the
        // chain ends).
        let mut into: Vec<u32> = (0..model.groups.len() as u32).collect();
        for &(g, h) in &mergers {
            into[g] = h;
        }
        let root = |mut g: u32| {
            while into[g as usize] != g {
                g = into[g as usize];
            }
            g
        };
        let roots: Vec<u32> = (0..model.groups.len() as u32).map(root).collect();
        let groups = &model.groups;
        model.firms.par_iter_mut().for_each(|f| {
            if f.group != NONE {
                let r = roots[f.group as usize];
                if r != f.group {
                    f.group = r;
                    f.ownership = groups[r as usize].kind;
                }
            }
        });
        for &(g, _) in &mergers {
            model.groups[g].establishments = 0;
        }
        done += mergers.len() as u32;
    }
    done
}
