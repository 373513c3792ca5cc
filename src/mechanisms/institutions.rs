//! What institutions do in a step: local authorities move their activity
//! towards the regime's budget, and cluster policy creates, dissolves and
//! fills cluster organisations (the State's policy is the active regime's
//! levers). The institutions themselves are `state::institutions`.

use rand::RngExt;
use rayon::prelude::*;

use crate::scenario::{N_SECTORS, Scenario};
use crate::state::agents::{Firm, NONE};
use crate::state::cells::Cells;
use crate::state::institutions::{ClusterOrg, Institutions};
use crate::state::sectors::SectorTable;
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

/// Create and dissolve the organisations of the generic cluster policy.
///
/// A region–sector is eligible when it has at least `cluster_min_firms`
/// firms of the sector and an employment location quotient of at least
/// `cluster_min_lq`; each eligible region–sector without an organisation
/// gets one with probability `policy` per year. Organisations are dissolved
/// with a hazard, or when their region–sector falls below half the minimum.
/// Organisations labelled by an instrument live by its rules
/// (`mechanisms::instruments`). Returns what changed and the ids of the
/// dissolved organisations, whose members leave at [`membership`].
pub fn cluster_policy(
    inst: &mut Institutions,
    cells: &Cells,
    s: &Scenario,
    p: &ClusterPolicyStep<'_>,
) -> (ClusterChanges, Vec<u32>) {
    let n = p.n_regions;
    let inst_p = &s.institutions;
    let mut changes = ClusterChanges::default();

    // Dissolution.
    let dissolve_p = 1.0 - (1.0 - inst_p.cluster_dissolution_rate).powf(p.dt);
    let min_keep = inst_p.cluster_survival_firms as u32;
    let mut dissolved = Vec::new();
    inst.clusters.retain(|c| {
        if c.instrument != NONE {
            return true;
        }
        let k = c.region as usize * N_SECTORS + c.sector as usize;
        let mut rng = p.streams.rng(
            Purpose::ClusterPolicy,
            p.step,
            (1u64 << 40) | u64::from(c.id),
        );
        let keep = cells.count[k] >= min_keep && rng.random::<f64>() >= dissolve_p;
        if !keep {
            dissolved.push(c.id);
        }
        keep
    });
    changes.dissolved = dissolved.len() as u32;

    // Creation.
    let mut org_at = vec![NONE; n * N_SECTORS];
    for c in &inst.clusters {
        org_at[c.region as usize * N_SECTORS + c.sector as usize] = c.id;
    }
    let create_p = 1.0 - (1.0 - p.policy).powf(p.dt);
    if create_p > 0.0 {
        let eligible: Vec<usize> = (0..n * N_SECTORS)
            .filter(|&k| {
                org_at[k] == NONE
                    && cells.count[k] >= inst_p.cluster_min_firms as u32
                    && cells.lq[k] >= inst_p.cluster_min_lq
            })
            .collect();
        for k in eligible {
            let mut rng = p.streams.rng(Purpose::ClusterPolicy, p.step, k as u64);
            if rng.random::<f64>() < create_p {
                let id = inst.next_cluster_id;
                inst.next_cluster_id += 1;
                let (region, sector) = ((k / N_SECTORS) as u16, (k % N_SECTORS) as u8);
                inst.clusters
                    .push(ClusterOrg::new(id, region, sector, p.year, NONE));
                org_at[k] = id;
                changes.created += 1;
            }
        }
    }
    (changes, dissolved)
}

/// Membership, in one parallel pass over the firms: members of the
/// `dissolved` organisations (sorted ids) leave, firms outside any
/// organisation may join the most recent one of their region–sector (or of
/// a complementary sector when their own has none) at its rate per year
/// (the instrument's, or `cluster_membership_rate`), each deciding from its
/// own stream; members are counted per organisation (integers: the same
/// for any split).
pub fn membership(
    inst: &mut Institutions,
    firms: &mut [Firm],
    s: &Scenario,
    p: &ClusterPolicyStep<'_>,
    dissolved: &[u32],
) {
    let n = p.n_regions;
    let instruments = s.instrument_list();
    let mut org_at = vec![NONE; n * N_SECTORS];
    let mut rate_at = vec![0.0; n * N_SECTORS];
    for c in &inst.clusters {
        let k = c.region as usize * N_SECTORS + c.sector as usize;
        org_at[k] = c.id;
        let rate = instruments
            .get(c.instrument as usize)
            .map_or(s.institutions.cluster_membership_rate, |i| {
                i.membership_rate
            });
        rate_at[k] = 1.0 - (1.0 - rate).powf(p.dt);
    }
    let joining = !inst.clusters.is_empty();
    let join = |f: &Firm| -> u32 {
        let base = f.region as usize * N_SECTORS;
        let cell = if org_at[base + f.sector as usize] != NONE {
            Some(base + f.sector as usize)
        } else {
            p.sectors.complements[f.sector as usize]
                .iter()
                .map(|&c| base + c)
                .find(|&k| org_at[k] != NONE)
        };
        let Some(cell) = cell else {
            return NONE;
        };
        let (org, join_p) = (org_at[cell], rate_at[cell]);
        if join_p <= 0.0 {
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
}
