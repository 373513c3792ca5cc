//! Cluster policy instruments: the State's dated calls for projects (SPL
//! from 1998, pôles de compétitivité from 2005, grappes d'entreprises
//! 2009–2011), which territories apply and are labelled, how labelled
//! organisations live on after their funding, and evaluation rounds.
//!
//! What the State decides is an input: the years of its calls, how many
//! organisations it labels at each, how it ranks applicants, the years of
//! its evaluations and their threshold. Which region–sectors are eligible
//! and apply, how many organisations stay active and which are de-labelled
//! emerge from firms and local authorities. Labelled organisations act
//! through collaborative R&D projects among members (publicly co-funded,
//! raising the participants' R&D effort and forming ties), events
//! (temporary proximity, see `cooperation`) and shared services (lower
//! fixed costs of members, see `production`).

use rand::RngExt;
use rand_distr::{Distribution, Poisson};

use crate::scenario::{Instrument, N_SECTORS, Scenario};
use crate::state::agents::{Firm, NONE};
use crate::state::cells::Cells;
use crate::state::institutions::{ClusterOrg, Institutions};
use crate::util::par;
use crate::util::rng::{Purpose, Streams};

/// What the instruments did in a step.
#[derive(Debug, Clone, Default)]
pub struct InstrumentChanges {
    pub labelled: u32,
    /// Organisations de-labelled or dissolved (ids, sorted).
    pub dissolved: Vec<u32>,
}

/// Whether the instrument's regime has started by `year`.
fn enabled(s: &Scenario, ins: &Instrument, year: i64) -> bool {
    year >= s.regime_start(&ins.regime)
}

/// What the instruments' phase of a step reads.
pub struct InstrumentStep<'a> {
    pub streams: &'a Streams,
    pub step: u32,
    pub year: i64,
    pub dt: f64,
    /// First step of a calendar year (calls and evaluations).
    pub new_year: bool,
}

/// Evaluations, dissolutions and calls of every instrument for one step
/// (calls and evaluations at the first step of their year).
pub fn act(
    inst: &mut Institutions,
    firms: &[Firm],
    s: &Scenario,
    p: &InstrumentStep<'_>,
    cells: &Cells,
) -> InstrumentChanges {
    let (streams, step, year, dt, new_year) = (p.streams, p.step, p.year, p.dt, p.new_year);
    let mut changes = InstrumentChanges::default();
    let list = s.instrument_list();
    if list.is_empty() {
        return changes;
    }
    if inst.labelled_total.len() != list.len() {
        inst.labelled_total = vec![0; list.len()];
    }
    // Activity of the last step, summed for the evaluations.
    for c in inst.clusters.iter_mut().filter(|c| c.instrument != NONE) {
        c.activity_sum += c.activity(dt) * dt;
        c.activity_years += dt;
    }
    // Evaluations and the dissolution of inactive organisations.
    let mut gone = Vec::new();
    inst.clusters.retain(|c| {
        let Some(ins) = list.get(c.instrument as usize) else {
            return true;
        };
        let round = ins.evaluations.iter().position(|&y| y == year);
        let keep = if let (true, Some(round)) = (new_year, round) {
            let mean = c.activity_sum / c.activity_years.max(dt);
            mean >= ins.evaluation_thresholds.get(round).copied().unwrap_or(0.0)
        } else if year > c.created && c.members < ins.min_members as u32 {
            false
        } else if year > c.funded_until {
            let shortfall = (1.0 - c.activity(dt) / ins.activity_norm.max(1e-12)).max(0.0);
            let p = 1.0 - (-(ins.dissolution_rate * shortfall) * dt).exp();
            let mut rng = streams.rng(Purpose::Instruments, step, (1u64 << 40) | u64::from(c.id));
            rng.random::<f64>() >= p
        } else {
            true
        };
        if !keep {
            gone.push(c.id);
        }
        keep
    });
    if new_year {
        for c in inst.clusters.iter_mut().filter(|c| c.instrument != NONE) {
            if let Some(ins) = list.get(c.instrument as usize)
                && ins.evaluations.contains(&year)
            {
                c.activity_sum = 0.0;
                c.activity_years = 0.0;
            }
        }
    }
    gone.sort_unstable();
    changes.dissolved = gone;
    // Calls for projects.
    if new_year {
        for (k, ins) in list.iter().enumerate() {
            let Some(call) = ins.calls.iter().position(|&y| y == year) else {
                continue;
            };
            if !enabled(s, ins, year) {
                continue;
            }
            let labels = ins.labels.get(call).copied().unwrap_or(0).max(0) as usize;
            let call = Call {
                instrument: k,
                ins,
                labels,
            };
            let labelled = call_for_projects(inst, firms, p, &call, cells);
            inst.labelled_total[k] += labelled;
            changes.labelled += labelled;
        }
        // Employment history of the cells for `declining` selections.
        inst.cell_history.push_back(cells.emp.to_vec());
        let keep = list
            .iter()
            .map(|i| i.selection_years.max(1) as usize)
            .max()
            .unwrap_or(1)
            + 1;
        while inst.cell_history.len() > keep {
            inst.cell_history.pop_front();
        }
    }
    changes
}

/// One call of an instrument: which one (index and parameters) and how
/// many organisations the State labels.
struct Call<'a> {
    instrument: usize,
    ins: &'a Instrument,
    labels: usize,
}

/// One call: eligible region–sectors apply, the State ranks the applicants
/// and labels up to `labels` of them; returns how many it labelled.
fn call_for_projects(
    inst: &mut Institutions,
    firms: &[Firm],
    p: &InstrumentStep<'_>,
    call: &Call<'_>,
    cells: &Cells,
) -> u32 {
    let (streams, step, year) = (p.streams, p.step, p.year);
    let (k, ins, labels) = (call.instrument, call.ins, call.labels);
    let n_cells = cells.len();
    let sectors: Vec<bool> = (0..N_SECTORS)
        .map(|sec| {
            ins.sectors.is_empty()
                || ins
                    .sectors
                    .iter()
                    .any(|n| Scenario::sector_index(n) == Some(sec))
        })
        .collect();
    let mut taken = vec![false; n_cells];
    for c in inst.clusters.iter().filter(|c| c.instrument == k as u32) {
        taken[c.region as usize * N_SECTORS + c.sector as usize] = true;
    }
    // Which cells apply: eligible ones, each with its own draw.
    let mut applicants: Vec<(usize, f64)> = Vec::new();
    for (cell, &taken) in taken.iter().enumerate() {
        let (r, sec) = (cell / N_SECTORS, cell % N_SECTORS);
        if taken
            || !sectors[sec]
            || cells.count[cell] < ins.min_firms as u32
            || cells.lq[cell] < ins.min_lq
        {
            continue;
        }
        let mut rng = streams.rng(Purpose::Instruments, step, ((k as u64) << 32) | cell as u64);
        let p = ins.application_rate * inst.authority_activity[r];
        if rng.random::<f64>() < p {
            applicants.push((cell, rng.random::<f64>()));
        }
    }
    let strength = if ins.selection == "strongest" && !applicants.is_empty() {
        cell_productivity(firms, n_cells)
    } else {
        Vec::new()
    };
    // The State's ranking: highest score first, ties by cell.
    let score = |cell: usize, noise: f64| -> f64 {
        match ins.selection.as_str() {
            "declining" => {
                let years = ins.selection_years.max(1) as usize;
                let past = inst
                    .cell_history
                    .len()
                    .checked_sub(years)
                    .and_then(|i| inst.cell_history.get(i))
                    .map_or(cells.emp[cell], |h| h[cell]);
                // Fastest fall of employment first.
                if past > 0.0 {
                    1.0 - cells.emp[cell] / past
                } else {
                    0.0
                }
            }
            "strongest" => strength[cell],
            _ => noise,
        }
    };
    let mut ranked: Vec<(f64, usize)> = applicants
        .iter()
        .map(|&(cell, noise)| (score(cell, noise), cell))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut labelled = 0;
    for &(_, cell) in ranked.iter().take(labels) {
        let id = inst.next_cluster_id;
        inst.next_cluster_id += 1;
        let (region, sector) = ((cell / N_SECTORS) as u16, (cell % N_SECTORS) as u8);
        inst.clusters.push(ClusterOrg {
            funded_until: year + ins.funding_years - 1,
            ..ClusterOrg::new(id, region, sector, year, k as u32)
        });
        labelled += 1;
    }
    labelled
}

/// Employment-weighted mean log productivity of each cell's firms (summed
/// in firm order, one pass; `f64::MIN` for a cell without firms).
fn cell_productivity(firms: &[Firm], n_cells: usize) -> Vec<f64> {
    let mut sum = vec![0.0; n_cells];
    let mut weight = vec![0.0; n_cells];
    for f in firms {
        let cell = f.region as usize * N_SECTORS + f.sector as usize;
        if f.productivity > 0.0 && cell < n_cells {
            let e = f64::from(f.employees.max(1));
            sum[cell] += e * f.productivity.ln();
            weight[cell] += e;
        }
    }
    sum.iter()
        .zip(&weight)
        .map(|(s, &w)| if w > 0.0 { s / w } else { f64::MIN })
        .collect()
}

/// Collaborative R&D projects of the step: each organisation labelled by an
/// instrument starts `Poisson(project_rate · members · dt)` projects among
/// `project_size` members drawn at random. Returns the pairs of partners
/// (firm indices), and marks each participant's project (until which step,
/// and its R&D effort factor `1 + rd_effect · (1 + cofunding)`).
pub fn projects(
    inst: &mut Institutions,
    firms: &mut [Firm],
    s: &Scenario,
    streams: &Streams,
    step: u32,
    dt: f64,
    steps_per_year: u32,
) -> Vec<(u32, u32)> {
    let list = s.instrument_list();
    if list.is_empty() || inst.clusters.is_empty() {
        return Vec::new();
    }
    // Members of each organisation, in firm order.
    let keys: Vec<u32> = firms
        .iter()
        .map(|f| {
            if f.cluster == NONE {
                NONE
            } else {
                inst.cluster_position(f.cluster).map_or(NONE, |p| p as u32)
            }
        })
        .collect();
    let members = par::Groups::build(&keys, inst.clusters.len());
    let mut pairs = Vec::new();
    for (pos, c) in inst.clusters.iter_mut().enumerate() {
        c.projects = 0;
        let Some(ins) = list.get(c.instrument as usize) else {
            continue;
        };
        let of = members.of(pos);
        let size = (ins.project_size.max(2) as usize).min(of.len());
        let mean = ins.project_rate * of.len() as f64 * dt;
        if size < 2 || mean <= 0.0 {
            continue;
        }
        let mut rng = streams.rng(Purpose::Projects, step, u64::from(c.id));
        let n = Poisson::new(mean)
            .map(|p| p.sample(&mut rng) as u64)
            .unwrap_or(0);
        let until = step + (ins.project_years.max(1) as u32) * steps_per_year;
        let boost = (1.0 + ins.rd_effect * (1.0 + ins.cofunding)) as f32;
        for _ in 0..n {
            // `size` distinct members: a partial shuffle of their positions.
            let mut pool: Vec<u32> = of.to_vec();
            for a in 0..size {
                let b = rng.random_range(a..pool.len());
                pool.swap(a, b);
            }
            let team = &pool[..size];
            for (x, &i) in team.iter().enumerate() {
                let f = &mut firms[i as usize];
                f.project_until = f.project_until.max(until);
                f.project_boost = f.project_boost.max(boost);
                for &j in &team[x + 1..] {
                    pairs.push((i.min(j), i.max(j)));
                }
            }
            c.projects += 1;
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}
