//! What institutions do in a step: local authorities move their activity
//! towards the regime's budget, and cluster policy creates, dissolves and
//! fills cluster organisations (the State's policy is the active regime's
//! levers). The institutions themselves are `state::institutions`.

use rand::RngExt;
use rayon::prelude::*;

use crate::scenario::{N_SECTORS, Scenario};
use crate::state::agents::{Firm, NONE};
use crate::state::institutions::{ClusterOrg, Institutions};
use crate::state::sectors::SectorTable;
use crate::util::par;
use crate::util::rng::{Purpose, Streams};

/// What the cluster policy did in a step.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterChanges {
    pub created: u32,
    pub dissolved: u32,
}

/// Local authorities move their activity towards the regime's budget.
pub fn update_authorities(inst: &mut Institutions, budget: f64, adjustment: f64, dt: f64) {
    let rate = 1.0 - (1.0 - adjustment).powf(dt);
    for a in &mut inst.authority_activity {
        *a += rate * (budget - *a);
    }
}

/// Inputs of the cluster policy for one step.
pub struct ClusterPolicyStep<'a> {
    pub streams: &'a Streams,
    pub step: u32,
    pub year: i64,
    pub dt: f64,
    /// Probability per year that an eligible region–sector gets an organisation.
    pub policy: f64,
    pub n_regions: usize,
    pub sectors: &'a SectorTable,
}

/// Firms and employment per region–sector (`region * N_SECTORS + sector`),
/// counted in integers (integer sums in f64 are exact, so the values are
/// those of a sequential loop). Each thread counts a contiguous block of
/// the firms into a grid over the regions the block spans: firms are
/// stored by region, so the blocks' grids add up to about one grid of all
/// regions whatever the number of threads (a grid per thread or per
/// split would grow with threads × regions).
fn region_sector_counts(firms: &[Firm], n: usize) -> Vec<(u32, u64)> {
    let blocks = par::key_ranges(firms.len(), par::parts());
    let partial: Vec<(usize, Vec<(u32, u64)>)> = blocks
        .par_iter()
        .map(|&(a, b)| {
            let block = &firms[a..b];
            let mut lo = block.first().map_or(0, |f| f.region as usize);
            let mut hi = block.last().map_or(0, |f| f.region as usize).max(lo);
            let mut grid = vec![(0u32, 0u64); (hi - lo + 1) * N_SECTORS];
            for f in block {
                let r = f.region as usize;
                if r < lo || r > hi {
                    // Not stored by region: widen the grid.
                    let (l, h) = (lo.min(r), hi.max(r));
                    let mut wider = vec![(0u32, 0u64); (h - l + 1) * N_SECTORS];
                    wider[(lo - l) * N_SECTORS..(hi - l + 1) * N_SECTORS].copy_from_slice(&grid);
                    (grid, lo, hi) = (wider, l, h);
                }
                let c = &mut grid[(r - lo) * N_SECTORS + f.sector as usize];
                c.0 += 1;
                c.1 += u64::from(f.employees);
            }
            (lo, grid)
        })
        .collect();
    let mut cells = vec![(0u32, 0u64); n * N_SECTORS];
    for (lo, grid) in partial {
        for (x, y) in cells[lo * N_SECTORS..].iter_mut().zip(grid) {
            x.0 += y.0;
            x.1 += y.1;
        }
    }
    cells
}

/// Create, dissolve and fill cluster organisations.
///
/// A region–sector is eligible when it has at least `cluster_min_firms`
/// firms of the sector and an employment location quotient of at least
/// `cluster_min_lq`; each eligible region–sector without an organisation
/// gets one with probability `policy` per year. Organisations are dissolved
/// with a hazard, or when their region–sector falls below half the minimum.
/// Firms of the sector (or of a complementary sector when their own has no
/// organisation) in the region join with a probability per year.
pub fn cluster_policy(
    inst: &mut Institutions,
    firms: &mut [Firm],
    s: &Scenario,
    p: &ClusterPolicyStep<'_>,
) -> ClusterChanges {
    let n = p.n_regions;
    let cells = region_sector_counts(firms, n);
    let count: Vec<u32> = cells.iter().map(|c| c.0).collect();
    let emp: Vec<f64> = cells.iter().map(|c| c.1 as f64).collect();
    let mut emp_region = vec![0u64; n];
    let mut emp_sector = [0u64; N_SECTORS];
    for (k, c) in cells.iter().enumerate() {
        emp_region[k / N_SECTORS] += c.1;
        emp_sector[k % N_SECTORS] += c.1;
    }
    let emp_region: Vec<f64> = emp_region.into_iter().map(|x| x as f64).collect();
    let emp_sector: [f64; N_SECTORS] = emp_sector.map(|x| x as f64);
    let total: f64 = emp_region.iter().sum();
    let lq = |k: usize| -> f64 {
        let (r, sec) = (k / N_SECTORS, k % N_SECTORS);
        if emp_region[r] <= 0.0 || emp_sector[sec] <= 0.0 {
            0.0
        } else {
            (emp[k] / emp_region[r]) / (emp_sector[sec] / total)
        }
    };
    let inst_p = &s.institutions;
    let mut changes = ClusterChanges::default();

    // Dissolution.
    let dissolve_p = 1.0 - (1.0 - inst_p.cluster_dissolution_rate).powf(p.dt);
    let min_keep = inst_p.cluster_survival_firms as u32;
    let mut dissolved = Vec::new();
    inst.clusters.retain(|c| {
        let k = c.region as usize * N_SECTORS + c.sector as usize;
        let mut rng = p.streams.rng(
            Purpose::ClusterPolicy,
            p.step,
            (1u64 << 40) | u64::from(c.id),
        );
        let keep = count[k] >= min_keep && rng.random::<f64>() >= dissolve_p;
        if !keep {
            dissolved.push(c.id);
        }
        keep
    });
    changes.dissolved = dissolved.len() as u32;
    // Their members leave in the membership pass below.

    // Creation.
    let mut org_at = vec![NONE; n * N_SECTORS];
    for c in &inst.clusters {
        org_at[c.region as usize * N_SECTORS + c.sector as usize] = c.id;
    }
    let create_p = 1.0 - (1.0 - p.policy).powf(p.dt);
    if create_p > 0.0 {
        for k in 0..n * N_SECTORS {
            if org_at[k] != NONE
                || count[k] < inst_p.cluster_min_firms as u32
                || lq(k) < inst_p.cluster_min_lq
            {
                continue;
            }
            let mut rng = p.streams.rng(Purpose::ClusterPolicy, p.step, k as u64);
            if rng.random::<f64>() < create_p {
                let id = inst.next_cluster_id;
                inst.next_cluster_id += 1;
                inst.clusters.push(ClusterOrg {
                    id,
                    region: (k / N_SECTORS) as u16,
                    sector: (k % N_SECTORS) as u8,
                    created: p.year,
                    members: 0,
                });
                org_at[k] = id;
                changes.created += 1;
            }
        }
    }

    // Membership: in one parallel pass over the firms, members of the
    // dissolved organisations leave, firms outside any organisation may
    // join one (each decides from its own stream), and members are
    // counted per organisation (integers: the same for any split).
    let join_p = 1.0 - (1.0 - inst_p.cluster_membership_rate).powf(p.dt);
    let joining = !inst.clusters.is_empty() && join_p > 0.0;
    let join = |f: &Firm| -> u32 {
        let base = f.region as usize * N_SECTORS;
        let own = org_at[base + f.sector as usize];
        let org = if own != NONE {
            own
        } else {
            p.sectors.complements[f.sector as usize]
                .iter()
                .map(|&c| org_at[base + c])
                .find(|&o| o != NONE)
                .unwrap_or(NONE)
        };
        if org == NONE {
            return NONE;
        }
        let mut rng = p
            .streams
            .rng(Purpose::ClusterMembership, p.step, u64::from(f.id));
        if rng.random::<f64>() < join_p {
            org
        } else {
            NONE
        }
    };
    let n_clusters = inst.clusters.len();
    let inst_ref: &Institutions = inst;
    let members = firms
        .par_iter_mut()
        .fold(
            || vec![0u32; n_clusters],
            |mut v, f| {
                if f.cluster != NONE && dissolved.binary_search(&f.cluster).is_ok() {
                    f.cluster = NONE;
                }
                if joining && f.cluster == NONE {
                    f.cluster = join(f);
                }
                if f.cluster != NONE
                    && let Some(pos) = inst_ref.cluster_position(f.cluster)
                {
                    v[pos] += 1;
                }
                v
            },
        )
        .reduce(
            || vec![0u32; n_clusters],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    for (c, m) in inst.clusters.iter_mut().zip(members) {
        c.members = m;
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_sector_counts_match_a_plain_count_in_any_firm_order() {
        // Stored by region (the model's order) and shuffled: the same
        // counts as one sequential pass, on one and on three threads.
        let mut firms: Vec<Firm> = (0..5000u32)
            .map(|i| Firm {
                region: ((i * 7) % 97) as u16,
                sector: (i % N_SECTORS as u32) as u8,
                employees: 1 + i % 13,
                ..Firm::FRESH
            })
            .collect();
        let plain = |firms: &[Firm]| {
            let mut v = vec![(0u32, 0u64); 97 * N_SECTORS];
            for f in firms {
                let c = &mut v[f.region as usize * N_SECTORS + f.sector as usize];
                c.0 += 1;
                c.1 += u64::from(f.employees);
            }
            v
        };
        let expected = plain(&firms);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(pool.install(|| region_sector_counts(&firms, 97)), expected);
            firms.sort_by_key(|f| f.region);
            assert_eq!(pool.install(|| region_sector_counts(&firms, 97)), expected);
            firms.reverse();
        }
    }
}
