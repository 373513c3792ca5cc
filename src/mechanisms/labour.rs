//! The labour market: job seekers apply to vacancies, drawn with a
//! distance decay, and firms hire the best applicants in a random queue;
//! a citizen hired beyond commuting distance moves. Firms that exit this
//! step hire no one.

use rand::RngExt;
use rayon::prelude::*;

use crate::state::agents::NONE;
use crate::state::bookkeeping::for_each_in_ranges;
use crate::state::context::{Market, StepContext, Turnover};
use crate::state::model::Model;
use crate::state::reach::RegionDraw;
use crate::state::tally::Tally;
use crate::util::draw::Cumulative;
use crate::util::geometry::distance;
use crate::util::par;
use crate::util::rng::Purpose;

/// The matching of a step, towards each firm's desired employment
/// `targets` (see `demography::add_new_firms`).
pub fn match_jobs(
    model: &mut Model,
    ctx: &StepContext,
    market: &Market,
    mut targets: Vec<u32>,
    turnover: &mut Turnover,
    tally: &mut Tally,
) {
    for (i, d) in turnover.dead.iter().enumerate() {
        if *d {
            targets[i] = 0;
        }
    }
    let hires = matching(
        model,
        &mut turnover.keys,
        ctx,
        &targets,
        &market.hiring_priority,
        tally,
    );
    tally.hires = hires;
}

/// Citizens whose job applications are looked up together.
const APPLICATION_BLOCK: usize = 2048;

/// Match job seekers with vacancies; returns the number of hires.
fn matching(
    model: &mut Model,
    keys: &mut [u32],
    ctx: &StepContext,
    targets: &[u32],
    queue: &[u32],
    tally: &mut Tally,
) -> u32 {
    let decay = model.scenario.labour.search_decay_km;
    let reach = model.reaches.get(&model.territory, decay, ctx.step);
    let m: &Model = model;
    let Vacancies {
        open,
        by_region,
        cumulative,
        totals,
    } = vacancies(m, targets, queue);
    let kernel = RegionDraw::new(&m.territory, totals, decay, reach);
    let apps = applications(m, ctx, &kernel, &cumulative, &by_region);
    let hires = hire(apps, open, m.citizens.len());
    take_up(model, keys, hires, tally)
}

/// The vacancies of a step: per firm, and per region the firms with
/// vacancies (in firm order) with their rank in this step's hiring queue,
/// their cumulative vacancies and the region's total.
struct Vacancies {
    open: Vec<u32>,
    by_region: Vec<Vec<(u32, u32)>>,
    cumulative: Vec<Cumulative>,
    totals: Vec<f64>,
}

fn vacancies(m: &Model, targets: &[u32], queue: &[u32]) -> Vacancies {
    let n_regions = m.territory.len();
    let vacancies: Vec<u32> = m
        .firms
        .par_iter()
        .zip(targets.par_iter())
        .map(|(f, &t)| t.saturating_sub(f.employees))
        .collect();
    // Per region, the firms with vacancies (in firm order) and their rank
    // in this step's hiring queue side by side, so an application costs
    // one load for both; regions in parallel, each summed in firm order.
    let hiring: Vec<u32> = m
        .firms
        .par_iter()
        .zip(vacancies.par_iter())
        .map(|(f, &v)| if v > 0 { u32::from(f.region) } else { NONE })
        .collect();
    let hiring = par::Groups::build(&hiring, n_regions);
    let per_region: Vec<_> = (0..n_regions)
        .into_par_iter()
        .map(|r| {
            let firms = hiring.of(r);
            let mut list = Vec::with_capacity(firms.len());
            let mut cumulative = Vec::with_capacity(firms.len());
            let mut acc = 0.0;
            for &i in firms {
                acc += f64::from(vacancies[i as usize]);
                list.push((i, queue.get(i as usize).copied().unwrap_or(u32::MAX)));
                cumulative.push(acc);
            }
            (list, Cumulative::new(cumulative), acc)
        })
        .collect();
    let mut by_region = Vec::with_capacity(n_regions);
    let mut cumulative = Vec::with_capacity(n_regions);
    let mut region_vacancies = Vec::with_capacity(n_regions);
    for (list, cum, total) in per_region {
        by_region.push(list);
        cumulative.push(cum);
        region_vacancies.push(total);
    }
    Vacancies {
        open: vacancies,
        by_region,
        cumulative,
        totals: region_vacancies,
    }
}

/// A job application: the firm's rank in this step's hiring queue, the
/// firm, the applicant's priority key and the citizen.
type Application = (u32, u32, u32, u32);

/// Each job seeker's applications, drawn from its job-search stream:
/// a region by the distance kernel over vacancies, then a vacancy in it.
/// Sorted on every field (the hiring order).
fn applications(
    m: &Model,
    ctx: &StepContext,
    kernel: &RegionDraw,
    cumulative: &[Cumulative],
    by_region: &[Vec<(u32, u32)>],
) -> Vec<Application> {
    let applications = m.scenario.labour.applications as usize;
    let noise = m.scenario.labour.hiring_noise;
    // (firm's rank in this step's hiring queue, firm, applicant's priority
    // key, citizen); applicant priority: skill plus noise.
    // The order of `apps` does not matter (it is sorted on every field
    // next), so each block of citizens does its lookups in three passes
    // over all its applications: draw and find the block of the region's
    // vacancy list (then prefetch it), find the firm's slot (prefetch it),
    // read it. The loads of a pass are independent and in flight together.
    let apps: Vec<Vec<Application>> = m
        .citizens
        .par_chunks(APPLICATION_BLOCK)
        .enumerate()
        .map(|(b, chunk)| {
            // (region, target or slot, block start, priority key, citizen)
            let mut draws: Vec<(u32, f64, u32, u32, u32)> = Vec::new();
            for (k, c) in chunk.iter().enumerate() {
                if c.employed() {
                    continue;
                }
                let ci = (b * APPLICATION_BLOCK + k) as u32;
                let mut rng = m.streams.rng(Purpose::JobSearch, ctx.step, u64::from(ci));
                let r = c.region as usize;
                for _ in 0..applications {
                    let Some(region) = kernel.draw(r, &mut rng) else {
                        break;
                    };
                    let u = rng.random::<f64>();
                    // A region without vacancies (which the kernel never
                    // picks) fails before its priority draw.
                    let Some((target, start)) = cumulative[region].locate(u) else {
                        continue;
                    };
                    cumulative[region].prefetch(start);
                    let priority = f64::from(c.skill) + noise * rng.random::<f64>();
                    // Larger priority first: sort ascending on the complement.
                    let key = u32::MAX - (priority.clamp(0.0, 6.0) * 7.0e8) as u32;
                    draws.push((region as u32, target, start as u32, key, ci));
                }
            }
            for d in &mut draws {
                let region = d.0 as usize;
                let slot = cumulative[region].finish(d.1, d.2 as usize);
                par::prefetch(&by_region[region][slot]);
                d.2 = slot as u32;
            }
            draws
                .into_iter()
                .map(|(region, _, slot, key, ci)| {
                    let (firm, rank) = by_region[region as usize][slot as usize];
                    (rank, firm, key, ci)
                })
                .collect()
        })
        .collect();
    let mut apps = par::concat(&apps);
    apps.par_sort_unstable();
    apps
}

/// Firms hire in queue order, each applicant at most once; returns the
/// hires (citizen, firm index) in citizen order.
fn hire(apps: Vec<Application>, mut open: Vec<u32>, n_citizens: usize) -> Vec<(u32, u32)> {
    // Greedy, in queue order: a bit per citizen keeps the "already hired"
    // test in cache at any population size.
    let mut hired = vec![0u64; n_citizens.div_ceil(64)];
    let mut hires = Vec::new();
    for (_, firm, _, ci) in apps {
        let (f, c) = (firm as usize, ci as usize);
        let bit = 1u64 << (c % 64);
        if open[f] > 0 && hired[c / 64] & bit == 0 {
            open[f] -= 1;
            hired[c / 64] |= bit;
            hires.push((ci, firm));
        }
    }
    hires.par_sort_unstable();
    hires
}

/// The hired start work; one hired beyond commuting distance moves to the
/// firm's region. Returns the number of hires.
fn take_up(model: &mut Model, keys: &mut [u32], hires: Vec<(u32, u32)>, tally: &mut Tally) -> u32 {
    // Each citizen is hired at most once: in citizen order, the hires are
    // applied in parallel over ranges of citizens.
    let commute = model.scenario.labour.commute_km;
    let n_hires = hires.len();
    let firms = &model.firms;
    let regions = &model.territory.regions;
    let migrations = for_each_in_ranges(&mut model.citizens, keys, &hires, |cit, key, &(_, f)| {
        let firm = &firms[f as usize];
        let home = &regions[cit.region as usize];
        let moves = distance((home.x as f32, home.y as f32), (firm.x, firm.y)) > commute;
        cit.employer = firm.id;
        *key = f;
        cit.last_sector = firm.sector;
        if moves && cit.region != firm.region {
            cit.region = firm.region;
            1
        } else {
            0
        }
    });
    tally.migrations += migrations;
    n_hires as u32
}
