//! Keeping the state's indices in step with its agents: each citizen's
//! employer index, the firms' employee counts and mean skills (recounted
//! from the citizens), updates of chosen citizens in parallel, and the
//! compaction that removes exited firms and keeps the others stored by
//! region. No decision of the model is taken here: the mechanisms call
//! these to keep the state's invariants.

use rayon::prelude::*;

use crate::state::agents::{Citizen, Firm, NONE};
use crate::state::model::Model;
use crate::util::par;

/// Index of each citizen's employer, or [`NONE`] (looked up in parallel).
fn employer_keys(m: &Model) -> Vec<u32> {
    m.citizens
        .par_iter()
        .map(|c| m.index(c.employer).map_or(NONE, |i| i as u32))
        .collect()
}

/// Recount employees and their mean skill for every firm from the citizens
/// (and set each citizen's employer index from its employer id).
pub fn refresh_workforce(model: &mut Model) {
    let keys = employer_keys(model);
    recount(model, &keys, true);
    model.employer_keys = keys;
}

/// The employer indices kept in the model (see `Model::employer_keys`),
/// taken out for a phase that updates them; looked up if they are not
/// one per citizen.
pub(crate) fn take_employer_keys(model: &mut Model) -> Vec<u32> {
    let keys = std::mem::take(&mut model.employer_keys);
    if keys.len() == model.citizens.len() {
        keys
    } else {
        employer_keys(model)
    }
}

/// Recount the employees of every firm from each citizen's employer index
/// `keys` (and, with `skills`, their mean skill; otherwise it is left as
/// it was). Each firm's skills are summed in citizen order, as a
/// sequential loop would, whatever the number of threads.
pub(crate) fn recount(model: &mut Model, keys: &[u32], skills: bool) {
    let n = model.firms.len();
    if !skills {
        let count = par::count_by_key(keys, n);
        model
            .firms
            .par_iter_mut()
            .zip(count.par_iter())
            .for_each(|(f, &count)| f.employees = count);
        return;
    }
    // Employees counted and their skills summed together, per key range in
    // citizen order, from a compact copy of (employer, skill): every part
    // scans 8 bytes per citizen and touches one slot per employee.
    let pairs: Vec<(u32, f32)> = keys
        .par_iter()
        .zip(model.citizens.par_iter())
        .map(|(&k, c)| (k, c.skill))
        .collect();
    let ranges = par::key_ranges(n, par::parts());
    let mut tally = par::filled((0u32, 0f64), n);
    par::split_by(&mut tally, &ranges)
        .into_par_iter()
        .zip(ranges.par_iter())
        .for_each(|(tally, &(lo, hi))| {
            for &(k, s) in &pairs {
                let k = k as usize;
                if k >= lo && k < hi {
                    let t = &mut tally[k - lo];
                    t.0 += 1;
                    t.1 += f64::from(s);
                }
            }
        });
    model
        .firms
        .par_iter_mut()
        .zip(tally.par_iter())
        .for_each(|(f, &(count, sum))| {
            f.employees = count;
            f.mean_skill = if count > 0 {
                (sum / f64::from(count)) as f32
            } else {
                0.0
            };
        });
}

/// Apply `update` to the citizen and employer key of each item (`.0` a
/// citizen index; items sorted by it, each citizen at most once), in
/// parallel over ranges of citizens; returns the sum of what `update`
/// returns (an integer count, so the sum does not depend on the split).
pub(crate) fn for_each_in_ranges<T: Sync>(
    citizens: &mut [Citizen],
    keys: &mut [u32],
    items: &[(u32, T)],
    update: impl Fn(&mut Citizen, &mut u32, &(u32, T)) -> u32 + Sync,
) -> u32 {
    let ranges = par::key_ranges(citizens.len(), par::parts());
    par::split_by(citizens, &ranges)
        .into_par_iter()
        .zip(par::split_by(keys, &ranges))
        .zip(ranges.par_iter())
        .map(|((citizens, keys), &(lo, hi))| {
            let a = items.partition_point(|h| (h.0 as usize) < lo);
            let b = items.partition_point(|h| (h.0 as usize) < hi);
            items[a..b]
                .iter()
                .map(|item| {
                    let c = item.0 as usize - lo;
                    update(&mut citizens[c], &mut keys[c], item)
                })
                .sum::<u32>()
        })
        .sum()
}

/// Remove dead firms and store the others by region (in their previous
/// order within a region), and drop the dead firms' ties; `keys` is each
/// citizen's employer index before the removal, returned renumbered.
///
/// Storing firms by region keeps what a step reads together close in
/// memory: partners, suppliers and receivers are mostly drawn from the
/// firm's own and nearby regions, and a region's job seekers apply to its
/// firms. Firms created in the step (appended at the end) and firms that
/// relocated join their region's run here. The order is a function of the
/// state only: the same for any number of threads.
pub(crate) fn compact(model: &mut Model, dead: &[bool], mut keys: Vec<u32>) -> Vec<u32> {
    let n_old = model.firms.len();
    let n_regions = model.territory.len();
    let region: Vec<u32> = model
        .firms
        .par_iter()
        .zip(dead.par_iter())
        .map(|(f, &d)| if d { NONE } else { u32::from(f.region) })
        .collect();
    // The spare buffer keeps its length and capacity from step to step
    // (stale firms are overwritten, not cleared). When it is too small it
    // is replaced, without copying its stale contents, by one with room
    // for the population to grow: the firms it receives are appended to
    // in the next step.
    let mut moved = std::mem::take(&mut model.firm_buffer);
    if moved.capacity() < n_old {
        moved = Vec::new();
        moved.reserve_exact(2 * n_old);
    }
    let new_index =
        par::sort_by_small_key(&model.firms, &region, n_regions, &mut moved, Firm::FRESH);
    model.firm_buffer = std::mem::replace(&mut model.firms, moved);
    model.index_of.par_iter_mut().for_each(|i| {
        if *i != NONE {
            *i = new_index[*i as usize];
        }
    });
    model
        .citizens
        .par_iter_mut()
        .zip(keys.par_iter_mut())
        .for_each(|(c, k)| {
            if *k != NONE {
                *k = new_index[*k as usize];
                if *k == NONE {
                    c.employer = NONE;
                }
            }
        });
    let n = model.firms.len();
    model.network.remap(&new_index, n);
    keys
}
