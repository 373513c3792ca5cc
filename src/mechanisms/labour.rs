//! The labour market and firm turnover of a step.
//!
//! Order: firms decide their fate (exit, relocation); shrinking firms let
//! employees go and profitable ones lose founders to spin-offs; citizens age,
//! retire and are replaced, learn, and may start a firm; new firms are
//! created; job seekers apply to vacancies with a distance decay and firms
//! hire the best applicants; a citizen hired beyond commuting distance moves.

use rand::RngExt;
use rand_distr::{Distribution, Poisson, StandardNormal};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::mechanisms::demography::{self, Fate, Founding};
use crate::state::agents::{Citizen, NONE};
use crate::state::authorities;
use crate::state::bookkeeping::{compact, for_each_in_ranges, recount, take_employer_keys};
use crate::state::context::{Market, StepContext};
use crate::state::model::Model;
use crate::state::reach::RegionDraw;
use crate::state::tally::Tally;
use crate::state::timings::Lap;
use crate::util::draw::{Cumulative, draw_cumulative};
use crate::util::geometry::distance;
use crate::util::par;
use crate::util::rng::{Purpose, SCREEN_BLOCK};

/// The whole labour-market and turnover phase.
pub fn labour_market(
    model: &mut Model,
    ctx: &StepContext,
    market: &Market,
    tally: &mut Tally,
) -> Result<()> {
    let mut clock = Lap::start();
    let n = model.firms.len();
    if market.targets.len() != n {
        return Err(Error::Internal("targets do not match firms".into()));
    }

    // 1. Per firm, from its turnover stream: its fate, the employees it lets
    //    go and the employees who leave to found spin-offs.
    let relocation = demography::relocation_weights(market);
    // Each citizen's employer index, kept up to date through the phase
    // (separations, retirements, founders, hires) and then from step to
    // step by the compaction, so that the recounts and the compaction
    // need no lookups of employer ids.
    let mut keys = take_employer_keys(model);
    let m: &Model = model;
    // Citizens of each firm (by index), in citizen order; the firms'
    // employee counts (recounted at the end of the last step) size the
    // groups.
    let counts: Vec<u32> = m.firms.par_iter().map(|f| f.employees).collect();
    let work =
        par::Groups::with_counts(&keys, &counts).unwrap_or_else(|| par::Groups::build(&keys, n));
    let sp_rate = m.scenario.firms.spinoff_rate;
    let turnover: Vec<(Fate, Vec<u32>, Vec<u32>)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let f = &m.firms[i];
            let staff = work.of(i);
            let mut rng = m.streams.rng(Purpose::Turnover, ctx.step, u64::from(f.id));
            let fate = demography::fate(m, ctx, market, &relocation, i, &mut rng);
            if let Fate::Relocated { .. } = fate {
                // The plant moves with its staff.
                return (fate, Vec::new(), Vec::new());
            }
            if fate != Fate::Stays {
                return (fate, staff.to_vec(), Vec::new());
            }
            let leave = (staff.len() as u32).saturating_sub(market.targets[i]) as usize;
            // Declared firms keep the staff the scenario gives them: no spin-offs.
            let rate = if f.declared == NONE { sp_rate } else { 0.0 };
            let mean_spinoffs = rate * f64::from(f.margin.max(0.0)) * staff.len() as f64 * ctx.dt;
            let spin = if mean_spinoffs > 0.0 {
                Poisson::new(mean_spinoffs)
                    .map(|p| p.sample(&mut rng) as usize)
                    .unwrap_or(0)
            } else {
                0
            };
            let spin = spin.min(staff.len().saturating_sub(leave + 1));
            let k = (leave + spin).min(staff.len());
            if k == 0 {
                return (fate, Vec::new(), Vec::new());
            }
            // Partial Fisher–Yates: the first `leave` go, the next `spin` found firms.
            let mut pool = staff.to_vec();
            for a in 0..k {
                let b = rng.random_range(a..pool.len());
                pool.swap(a, b);
            }
            let founders = pool[leave..k].to_vec();
            pool.truncate(leave);
            (fate, pool, founders)
        })
        .collect();

    // Apply fates of firms: relocations now, exits at compaction. The
    // counts are integers and relocations are few: the per-firm passes run
    // in parallel, the relocations in firm order.
    let mut dead: Vec<bool> = turnover
        .par_iter()
        .map(|(fate, _, _)| fate.exits())
        .collect();
    let exits = turnover
        .par_iter()
        .map(|(fate, _, _)| {
            let mut count = [0u32; 5];
            match fate {
                Fate::Stays | Fate::Relocated { .. } => {}
                Fate::Bankrupt => count[0] = 1,
                Fate::Shrunk => count[1] = 1,
                Fate::OwnerExit => count[2] = 1,
                Fate::Offshored => count[3] = 1,
                Fate::Closed => count[4] = 1,
            }
            count
        })
        .reduce(|| [0; 5], |a, b| std::array::from_fn(|k| a[k] + b[k]));
    tally.exits_bankrupt += exits[0];
    tally.exits_shrunk += exits[1];
    tally.exits_owner += exits[2];
    tally.exits_offshored += exits[3];
    tally.exits_shock += exits[4];
    let moved: Vec<(usize, u16, f32, f32)> = turnover
        .par_iter()
        .enumerate()
        .filter_map(|(i, (fate, _, _))| match *fate {
            Fate::Relocated { region, x, y } => Some((i, region, x, y)),
            _ => None,
        })
        .collect();
    for (i, region, x, y) in moved {
        let f = &mut model.firms[i];
        f.region = region;
        f.x = x;
        f.y = y;
        f.cluster = NONE;
        tally.relocations += 1;
        for &c in work.of(i) {
            model.citizens[c as usize].region = region;
            tally.migrations += 1;
        }
    }
    let firms = &model.firms;
    let mut separated: Vec<(u32, u8)> = turnover
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, (_, gone, _))| {
            let sector = firms[i].sector;
            gone.iter().map(move |&c| (c, sector))
        })
        .collect();
    let founders: Vec<(u32, usize)> = turnover
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, (_, _, found))| found.iter().map(move |&c| (c, i)))
        .collect();
    // The staff lists are freed in parallel too.
    turnover.into_par_iter().for_each(drop);
    tally.separations += separated.len() as u32;
    // A citizen has one employer, so appears at most once: applied in
    // citizen order, in parallel over ranges of citizens.
    separated.par_sort_unstable();
    for_each_in_ranges(
        &mut model.citizens,
        &mut keys,
        &separated,
        |cit, key, &(_, sector)| {
            cit.employer = NONE;
            *key = NONE;
            cit.last_sector = sector;
            0
        },
    );

    clock.lap(&mut model.timings.firm_demography);

    // 3. Citizens: retirement and replacement, skills, start-ups.
    let new_year = ctx
        .step
        .is_multiple_of(model.scenario.run.steps_per_year as u32);
    // The citizens are taken out of the model so that each block can be
    // updated in place while the rest of the model is read.
    let mut citizens = std::mem::take(&mut model.citizens);
    let m: &Model = model;
    let is_founder = {
        let mut v = vec![false; citizens.len()];
        for &(c, _) in &founders {
            v[c as usize] = true;
        }
        v
    };
    let lp = m.scenario.labour.clone();
    let pp = m.scenario.population.clone();
    let lev = &ctx.levers;
    let newcomer_skill = newcomer_skill(&lp, ctx.t, m.scenario.trends.newcomer_skill_pace);
    let learn = 1.0 - (1.0 - lp.skill_learning).powf(ctx.dt);
    let forget = 1.0 - (1.0 - lp.skill_decay).powf(ctx.dt);
    let train = lp.training_effect * ctx.dt;
    let p_necessity = 1.0 - (1.0 - lev.entrepreneurship).powf(ctx.dt);
    let p_opportunity = 1.0 - (1.0 - m.scenario.firms.opportunity_startup_rate).powf(ctx.dt);
    let has_research: Vec<bool> = m
        .institutions
        .research_by_region
        .iter()
        .map(|v| !v.is_empty())
        .collect();
    let n_regions = m.territory.len();
    let residents = &market.region_residents;
    let support: Vec<f64> = (0..n_regions)
        .map(|r| authorities::sme_support(m, lev.sme_support, r))
        .collect();
    let pollution = authorities::perceived_pollution(m, residents);
    let openness = authorities::openness(m, lev.citizen_participation, residents);
    let density: Vec<f64> = (0..n_regions)
        .map(|r| authorities::tiers_lieux_density(m, r, residents[r]))
        .collect();
    let cp = m.scenario.citizens.clone();
    let concern_rate = 1.0 - (1.0 - cp.concern_adjustment).powf(ctx.dt);
    let salience = lev.environmental_salience;
    let mean_concern = &m.institutions.mean_concern;
    let year = ctx.year;
    let own_sector = m.scenario.firms.startup_own_sector;
    let initial_concern = m.scenario.citizens.initial_concern;
    let flair = |s: f64| 1.0 + lp.entrepreneurial_skill_effect * (s - 0.5);
    let firms = &m.firms;
    let blocks: Vec<(u32, Vec<(u32, u8)>)> = citizens
        .par_chunks_mut(SCREEN_BLOCK)
        .zip(keys.par_chunks_mut(SCREEN_BLOCK))
        .enumerate()
        .map(|(b, (chunk, chunk_keys))| {
            let screen = m
                .streams
                .screening(Purpose::StartupScreen, ctx.step, b as u64);
            let take_part = m
                .streams
                .screening(Purpose::ParticipationScreen, ctx.step, b as u64);
            let mut retired_here = 0;
            let mut starts = Vec::new();
            for (k, (c, key)) in chunk.iter_mut().zip(chunk_keys.iter_mut()).enumerate() {
                let ci = b * SCREEN_BLOCK + k;
                let mut retired = false;
                if new_year && year - i64::from(c.born) >= pp.retirement_age {
                    let mut rng = m.streams.rng(Purpose::Demography, ctx.step, ci as u64);
                    let e: f64 = rng.sample(StandardNormal);
                    let skill = newcomer_skill + lp.skill_noise * e;
                    *c = Citizen::entrant(
                        c.region,
                        skill,
                        year - pp.entry_age,
                        initial_concern,
                        rng.random(),
                    );
                    *key = NONE;
                    retired = true;
                    retired_here += 1;
                }
                // Environmental concern and participation.
                let r = c.region as usize;
                let personal = f64::from(c.green)
                    * (cp.pollution_weight * pollution[r] + (1.0 - cp.pollution_weight) * salience);
                let target = ((1.0 - cp.neighbour_weight) * personal
                    + cp.neighbour_weight * mean_concern[r])
                    .clamp(0.0, 1.0);
                let concern = f64::from(c.concern) + concern_rate * (target - f64::from(c.concern));
                c.concern = concern as f32;
                let p_part = 1.0
                    - ctx.per_step(
                        1.0 - (cp.participation_propensity * concern * openness[r]).clamp(0.0, 1.0),
                    );
                c.participant = take_part[k] < p_part;
                if is_founder[ci] {
                    continue;
                }
                let s = f64::from(c.skill);
                let boost = if c.participant {
                    1.0 + cp.tiers_lieux_startup_boost * density[r]
                } else {
                    1.0
                };
                let support = support[r] * boost;
                // The sector a founder knows: their employer's (looked up
                // only for the few who start a firm), else their last one.
                let employer = *key;
                let (p_start, known) = if employer != NONE {
                    c.skill = (s + learn * (1.0 - s)) as f32;
                    (p_opportunity * support * flair(s), None)
                } else {
                    let mut skill = s - forget * s;
                    if has_research[r] {
                        skill += train * (1.0 - skill);
                    }
                    c.skill = skill.clamp(0.0, 1.0) as f32;
                    (
                        if retired {
                            0.0
                        } else {
                            p_necessity * support * flair(s)
                        },
                        Some(c.last_sector),
                    )
                };
                if screen[k] < p_start {
                    let known = known.unwrap_or_else(|| firms[employer as usize].sector);
                    let mut rng = m.streams.rng(Purpose::Startup, ctx.step, ci as u64);
                    starts.push((
                        ci as u32,
                        demography::startup_sector(known, own_sector, &ctx.demand_shares, &mut rng),
                    ));
                }
            }
            (retired_here, starts)
        })
        .collect();
    model.citizens = citizens;
    let mut startups: Vec<(u32, u8)> = Vec::new();
    for (retired, starts) in blocks {
        tally.retirements += retired;
        startups.extend(starts);
    }

    clock.lap(&mut model.timings.citizens);

    // 4. New firms: spin-offs (by parent), then start-ups (by citizen).
    // Each new firm draws from the stream of its id, fixed by its position
    // in the list: built in parallel.
    let m: &Model = model;
    let first_id = m.next_firm_id;
    let spinoffs = founders.par_iter().enumerate().map(|(k, &(c, parent))| {
        let id = first_id + k as u32;
        (
            demography::new_firm(m, ctx, id, Founding::Spinoff { parent }),
            c,
        )
    });
    let mut created: Vec<_> = spinoffs.collect();
    let offset = first_id + created.len() as u32;
    let started = startups.par_iter().enumerate().map(|(k, &(c, sector))| {
        let cit = m.citizens[c as usize];
        let founding = Founding::Startup {
            sector,
            region: cit.region,
            skill: cit.skill,
        };
        (demography::new_firm(m, ctx, offset + k as u32, founding), c)
    });
    created.par_extend(started);
    tally.entries_spinoff += founders.len() as u32;
    tally.entries_startup += startups.len() as u32;
    let mut declared_targets = Vec::new();
    if new_year {
        // Firms declared by name start in their founding year (or the first
        // year after it with a job seeker), with a job seeker of their region
        // as first employee; they then hire towards their declared size.
        let mut taken: std::collections::BTreeSet<u32> = startups.iter().map(|s| s.0).collect();
        let declared: Vec<_> = model.scenario.declared_firms.values().cloned().collect();
        for (index, d) in declared.iter().enumerate() {
            let pending = !model.declared_created[index]
                && d.founded <= ctx.year
                && (d.closed == 0 || ctx.year < d.closed);
            if !pending {
                continue;
            }
            let id = model.next_firm_id + created.len() as u32;
            let productivity = model.memory.sector_productivity
                [crate::scenario::Scenario::sector_index(&d.sector).unwrap_or(0)];
            let Some(firm) = demography::declared_firm(
                &model.scenario,
                &model.territory,
                &model.sectors,
                demography::DeclaredStart {
                    index,
                    id,
                    born: ctx.step,
                    employees: 1,
                    productivity,
                },
            ) else {
                continue;
            };
            let founder = model
                .citizens
                .iter()
                .enumerate()
                .position(|(ci, c)| {
                    !c.employed() && c.region == firm.region && !taken.contains(&(ci as u32))
                })
                .or_else(|| {
                    model
                        .citizens
                        .iter()
                        .enumerate()
                        .position(|(ci, c)| !c.employed() && !taken.contains(&(ci as u32)))
                });
            if let Some(c) = founder {
                taken.insert(c as u32);
                declared_targets.push((created.len(), d.employees as u32));
                created.push((firm, c as u32));
                model.declared_created[index] = true;
                tally.entries_declared += 1;
            }
        }
    }
    model.next_firm_id += created.len() as u32;

    clock.lap(&mut model.timings.firm_demography);

    // Labour-force growth (entrants beyond replacement), at the start of a year.
    if new_year {
        let growth = model.citizens.len() as f64 * pp.labour_force_growth;
        let mut rng = model.streams.rng(Purpose::Demography, ctx.step, u64::MAX);
        let extra = growth.floor() as usize + usize::from(rng.random::<f64>() < growth.fract());
        let mut cumulative = Vec::with_capacity(market.region_residents.len());
        let mut acc = 0.0;
        for r in &market.region_residents {
            acc += r;
            cumulative.push(acc);
        }
        // Each entrant draws from the stream of its own (new) citizen
        // index: built in parallel.
        let first = model.citizens.len();
        let streams = &model.streams;
        let entrants = (0..extra).into_par_iter().map(|k| {
            let mut rng = streams.rng(Purpose::Demography, ctx.step, (first + k) as u64);
            let region = draw_cumulative(&cumulative, rng.random()).unwrap_or(0);
            let e: f64 = rng.sample(StandardNormal);
            let skill = newcomer_skill + lp.skill_noise * e;
            Citizen::entrant(
                region as u16,
                skill,
                year - pp.entry_age,
                initial_concern,
                rng.random(),
            )
        });
        // Stored by region, as the citizens before them (see `compact`).
        let mut entrants: Vec<Citizen> = entrants.collect();
        entrants.par_sort_by_key(|c| c.region);
        model.citizens.extend(entrants);
        keys.resize(model.citizens.len(), NONE);
        tally.entrants = tally.retirements + extra as u32;
    }

    clock.lap(&mut model.timings.citizens);

    // Founders work in their firms; the new firms join the population.
    let mut targets = market.targets.clone();
    let first_new = targets.len();
    // Each founder founds one firm: in citizen order, in parallel over
    // ranges of citizens.
    let mut founded: Vec<(u32, u32)> = created
        .iter()
        .enumerate()
        .map(|(k, &(_, c))| (c, k as u32))
        .collect();
    founded.par_sort_unstable();
    for_each_in_ranges(
        &mut model.citizens,
        &mut keys,
        &founded,
        |cit, key, &(_, k)| {
            let f = &created[k as usize].0;
            cit.employer = f.id;
            cit.last_sector = f.sector;
            *key = first_new as u32 + k;
            0
        },
    );
    let n_created = created.len();
    model
        .index_of
        .extend((first_new..first_new + n_created).map(|i| i as u32));
    model.firms.extend(created.into_iter().map(|(f, _)| f));
    targets.resize(first_new + n_created, 1);
    dead.resize(first_new + n_created, false);
    for (k, size) in declared_targets {
        targets[first_new + k] = size;
    }

    // 5. Matching job seekers and vacancies (mean skills are recounted
    //    after it, before anything reads them).
    recount(model, &keys, false);
    clock.lap(&mut model.timings.firm_demography);
    for (i, d) in dead.iter().enumerate() {
        if *d {
            targets[i] = 0;
        }
    }
    let hires = matching(
        model,
        &mut keys,
        ctx,
        &targets,
        &market.hiring_priority,
        tally,
    );
    tally.hires = hires;
    clock.lap(&mut model.timings.labour_market);

    // 6. Remove firms that exited or have no one left.
    recount(model, &keys, true);
    let emptied: u32 = model
        .firms
        .par_iter()
        .zip(dead.par_iter_mut())
        .map(|(f, d)| {
            let empty = !*d && f.employees == 0 && f.declared == NONE;
            *d |= empty;
            u32::from(empty)
        })
        .sum();
    tally.exits_shrunk += emptied;
    model.employer_keys = compact(model, &dead, keys);
    clock.lap(&mut model.timings.firm_demography);
    Ok(())
}

/// Entrants' mean skill at (fractional) year `t`: linear between its 1950
/// and 2025 values, held before 1950 and continued past 2025 at `pace`
/// (see `crate::scenario::trends`), within 0–1.
fn newcomer_skill(lp: &crate::scenario::LabourParams, t: f64, pace: f64) -> f64 {
    use crate::scenario::trends::{FIRST_YEAR, LAST_YEAR, trend_year};
    let span = (LAST_YEAR - FIRST_YEAR) as f64;
    let tau = ((trend_year(t, pace) - FIRST_YEAR as f64) / span).max(0.0);
    let skill = lp.newcomer_skill_1950 + tau * (lp.newcomer_skill_2025 - lp.newcomer_skill_1950);
    if tau > 1.0 {
        skill.clamp(0.0, 1.0)
    } else {
        skill
    }
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
    let n_regions = model.territory.len();
    let decay = model.scenario.labour.search_decay_km;
    let reach = model.reaches.get(&model.territory, decay, ctx.step);
    let m: &Model = model;
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
    let kernel = RegionDraw::new(&m.territory, region_vacancies, decay, reach);
    let applications = m.scenario.labour.applications as usize;
    let noise = m.scenario.labour.hiring_noise;
    // (firm's rank in this step's hiring queue, firm, applicant's priority
    // key, citizen); applicant priority: skill plus noise.
    let (cumulative, by_region) = (&cumulative, &by_region);
    // The order of `apps` does not matter (it is sorted on every field
    // next), so each block of citizens does its lookups in three passes
    // over all its applications: draw and find the block of the region's
    // vacancy list (then prefetch it), find the firm's slot (prefetch it),
    // read it. The loads of a pass are independent and in flight together.
    let apps: Vec<Vec<(u32, u32, u32, u32)>> = m
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
    // Greedy, in queue order: a bit per citizen keeps the "already hired"
    // test in cache at any population size.
    let mut hired = vec![0u64; model.citizens.len().div_ceil(64)];
    let mut hires = Vec::new();
    let mut open = vacancies;
    for (_, firm, _, ci) in apps {
        let (f, c) = (firm as usize, ci as usize);
        let bit = 1u64 << (c % 64);
        if open[f] > 0 && hired[c / 64] & bit == 0 {
            open[f] -= 1;
            hired[c / 64] |= bit;
            hires.push((ci, firm));
        }
    }
    // Each citizen is hired at most once: in citizen order, the hires are
    // applied in parallel over ranges of citizens.
    hires.par_sort_unstable();
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

/// Close at once the firms a shock marked as closing: their employees lose
/// their jobs and the firms leave before this step's production.
pub fn close_marked(model: &mut Model, tally: &mut Tally) {
    let dead: Vec<bool> = model.firms.par_iter().map(|f| f.closing).collect();
    let n = dead.par_iter().filter(|&&d| d).count();
    if n == 0 {
        return;
    }
    let keys = take_employer_keys(model);
    for (c, &k) in model.citizens.iter_mut().zip(&keys) {
        if k != NONE && dead[k as usize] {
            c.last_sector = model.firms[k as usize].sector;
            c.employer = NONE;
            tally.separations += 1;
        }
    }
    tally.exits_shock += n as u32;
    let keys = compact(model, &dead, keys);
    recount(model, &keys, true);
    model.employer_keys = keys;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::LabourParams;

    #[test]
    fn entrants_skill_is_held_or_continued_past_2025() {
        let lp = LabourParams::default(); // 0.3 in 1950, 0.6 in 2025
        assert_eq!(newcomer_skill(&lp, 1900.0, 1.0), 0.3);
        assert!((newcomer_skill(&lp, 1987.5, 0.0) - 0.45).abs() < 1e-12);
        assert_eq!(
            newcomer_skill(&lp, 2050.0, 0.0),
            newcomer_skill(&lp, 2025.0, 0.0)
        );
        // Continued: +0.004 a year, 0.7 in 2050; at half the pace 0.65.
        assert!((newcomer_skill(&lp, 2050.0, 1.0) - 0.7).abs() < 1e-12);
        assert!((newcomer_skill(&lp, 2050.0, 0.5) - 0.65).abs() < 1e-12);
        // Never above 1.
        assert_eq!(newcomer_skill(&lp, 2200.0, 5.0), 1.0);
    }
}
