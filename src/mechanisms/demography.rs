//! Firm demography: exits (bankruptcy, shrinking to nothing, owners
//! leaving micro-firms, plants closing or relocating under globalisation,
//! closures by shocks) and entries (spin-offs near successful parents,
//! start-ups by citizens, firms declared by name).
//!
//! The schedule runs its steps around the citizens' year and the labour
//! market: [`fates`] (firms decide their fate, let employees go and lose
//! founders to spin-offs), [`new_firms`] after the citizens' year has
//! chosen the start-ups, [`add_new_firms`] before the matching, and
//! [`remove_exits`] at the end of the step; [`close_marked`] closes the
//! firms a shock marked, before production.

use rand::RngExt;
use rand_distr::{Distribution, Poisson, StandardNormal};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::scenario::Scenario;
use crate::state::agents::{Firm, NONE, Ownership};
use crate::state::authorities::sme_support;
use crate::state::bookkeeping::{compact, for_each_in_ranges, recount, take_employer_keys};
use crate::state::context::{Market, StepContext, Turnover};
use crate::state::enterprise::found_group;
use crate::state::model::Model;
use crate::state::tally::Tally;
use crate::util::draw::draw_cumulative;
use crate::util::par;
use crate::util::profile::profile_near;
use crate::util::rng::Purpose;

/// What happens to a firm at the exit stage of a step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fate {
    Stays,
    /// Cash below the bankruptcy threshold.
    Bankrupt,
    /// Desired employment fell to zero.
    Shrunk,
    /// A micro-firm whose owner quits or retires.
    OwnerExit,
    /// A plant closed and moved abroad under globalisation pressure.
    Offshored,
    /// Closed by a shock, or a declared firm reaching its closing year.
    Closed,
    /// A plant moved to another region with its staff.
    Relocated {
        region: u16,
        x: f32,
        y: f32,
    },
}

impl Fate {
    /// Whether the firm leaves the economy.
    pub fn exits(self) -> bool {
        !matches!(self, Fate::Stays | Fate::Relocated { .. })
    }
}

/// Decide the fate of firm `i` given its desired employment, drawing from
/// the firm's turnover stream.
pub fn fate<R: rand::Rng + ?Sized>(
    m: &Model,
    ctx: &StepContext,
    market: &Market,
    relocation_weights: &[f64],
    i: usize,
    rng: &mut R,
) -> Fate {
    let f = &m.firms[i];
    let fp = &m.scenario.firms;
    if f.closing {
        return Fate::Closed;
    }
    if f.declared != NONE {
        // Declared firms live from their founding to their closing year.
        let closes = m
            .declared_closing
            .get(f.declared as usize)
            .copied()
            .unwrap_or(0);
        return if closes != 0 && ctx.year >= closes {
            Fate::Closed
        } else {
            Fate::Stays
        };
    }
    let target = market.targets[i];
    if target == 0 {
        return Fate::Shrunk;
    }
    let r = f.region as usize;
    let lev = &ctx.levers;
    // Local authorities' SME support (loans, guarantees, premises) helps
    // independent SMEs and micro-firms survive.
    let supported = f.ownership == Ownership::Independent && f.employees < 250;
    let support = if supported {
        sme_support(m, lev.sme_support, r)
    } else {
        1.0
    };
    let wage_bill = market.wage * market.region_cost[r] * f64::from(f.employees.max(1));
    if f.cash < -fp.bankruptcy_threshold * support * wage_bill {
        return Fate::Bankrupt;
    }
    if f.employees < 10 {
        let p = 1.0 - ctx.per_step(1.0 - fp.owner_exit_rate);
        if rng.random::<f64>() < p / support {
            return Fate::OwnerExit;
        }
    } else {
        let h = lev.globalisation_pressure
            * f.ownership.exposure(fp)
            * m.sectors.exposure[f.sector as usize]
            * (1.0 - fp.embeddedness_anchoring * f64::from(f.embeddedness));
        if rng.random::<f64>() < 1.0 - (-h * ctx.dt).exp() {
            if f.ownership != Ownership::Independent
                && rng.random::<f64>() < fp.domestic_relocation_share
            {
                let region = draw_cumulative(relocation_weights, rng.random()).unwrap_or(r);
                if region != r {
                    let (x, y) = m
                        .territory
                        .place(region, m.sectors.rural[f.sector as usize], rng);
                    return Fate::Relocated {
                        region: region as u16,
                        x,
                        y,
                    };
                }
            }
            return Fate::Offshored;
        }
    }
    Fate::Stays
}

/// Cumulative weights of regions as relocation targets: residents per unit
/// of labour cost (plants move where labour is available and cheap).
pub fn relocation_weights(market: &Market) -> Vec<f64> {
    let mut acc = 0.0;
    market
        .region_residents
        .iter()
        .zip(&market.region_cost)
        .map(|(res, cost)| {
            acc += res / cost.max(1e-9);
            acc
        })
        .collect()
}

/// A new firm's founding data.
#[derive(Debug, Clone, Copy)]
pub enum Founding {
    /// An employee of `parent` (index) founds a spin-off.
    Spinoff { parent: usize },
    /// A citizen starts a firm in `sector` in `region`.
    Startup { sector: u8, region: u16, skill: f32 },
}

/// Create a new firm with id `id`.
pub fn new_firm(m: &Model, ctx: &StepContext, id: u32, founding: Founding) -> Firm {
    let mut rng = m.streams.rng(Purpose::NewFirm, ctx.step, u64::from(id));
    let fp = &m.scenario.firms;
    let sigma = fp.productivity_dispersion;
    let wage = fp.labour_share;
    let (sector, region, x, y, productivity, knowledge, skill) = match founding {
        Founding::Spinoff { parent } => {
            let p = &m.firms[parent];
            let complements = &m.sectors.complements[p.sector as usize];
            let sector =
                if !complements.is_empty() && rng.random::<f64>() < fp.spinoff_diversification {
                    complements[rng.random_range(0..complements.len())] as u8
                } else {
                    p.sector
                };
            let dx: f64 = rng.sample(StandardNormal);
            let dy: f64 = rng.sample(StandardNormal);
            let spread = m.territory.regions[p.region as usize]
                .urban_radius
                .min(fp.spinoff_distance_km);
            let x = (f64::from(p.x) + spread * dx).clamp(0.0, m.territory.width) as f32;
            let y = (f64::from(p.y) + spread * dy).clamp(0.0, m.territory.height) as f32;
            let e: f64 = rng.sample(StandardNormal);
            let productivity = p.productivity
                * (fp.spinoff_productivity_dispersion * e - fp.spinoff_productivity_gap).exp();
            (
                sector,
                p.region,
                x,
                y,
                productivity,
                profile_near(&p.knowledge, fp.spinoff_knowledge_dispersion, &mut rng),
                p.mean_skill,
            )
        }
        Founding::Startup {
            sector,
            region,
            skill,
        } => {
            let (x, y) =
                m.territory
                    .place(region as usize, m.sectors.rural[sector as usize], &mut rng);
            let e: f64 = rng.sample(StandardNormal);
            let mean = m.memory.sector_productivity[sector as usize];
            let productivity = mean
                * (sigma * e - 0.5 * sigma * sigma).exp()
                * (1.0 + fp.founder_skill_effect * (f64::from(skill) - 0.5));
            let knowledge = profile_near(
                &m.sectors.knowledge[sector as usize],
                fp.knowledge_dispersion,
                &mut rng,
            );
            (sector, region, x, y, productivity, knowledge, skill)
        }
    };
    Firm {
        id,
        sector,
        region,
        x,
        y,
        employees: 1,
        productivity,
        cash: fp.initial_cash * wage * m.memory.sector_productivity[sector as usize].max(0.0),
        knowledge,
        born: ctx.step,
        mean_skill: skill,
        ..Firm::FRESH
    }
}

/// Where and how a declared firm starts.
#[derive(Debug, Clone, Copy)]
pub struct DeclaredStart {
    /// Index among the scenario's declared firms (label order).
    pub index: usize,
    pub id: u32,
    /// Step of creation.
    pub born: u32,
    pub employees: u32,
    pub productivity: f64,
}

/// A firm declared by name in the scenario, at its regional centre plus its
/// offsets, with the sector's centroid profile.
pub fn declared_firm(
    s: &crate::scenario::Scenario,
    territory: &crate::state::territory::Territory,
    sectors: &crate::state::sectors::SectorTable,
    start: DeclaredStart,
) -> Option<Firm> {
    let DeclaredStart {
        index,
        id,
        born,
        employees,
        productivity,
    } = start;
    let d = s.declared_firms.values().nth(index)?;
    let sector = crate::scenario::Scenario::sector_index(&d.sector)?;
    let region = if d.region.is_empty() {
        0
    } else {
        territory.index_of(&d.region)?
    };
    let centre = &territory.regions[region];
    let ownership = match d.ownership.as_str() {
        "national_group" => Ownership::NationalGroup,
        "foreign" => Ownership::Foreign,
        _ => Ownership::Independent,
    };
    Some(Firm {
        id,
        sector: sector as u8,
        region: region as u16,
        ownership,
        x: (centre.x + d.dx_km).clamp(0.0, territory.width) as f32,
        y: (centre.y + d.dy_km).clamp(0.0, territory.height) as f32,
        employees,
        productivity,
        cash: s.firms.initial_cash
            * s.firms.labour_share
            * productivity
            * f64::from(employees.max(1)),
        knowledge: sectors.knowledge[sector],
        embeddedness: if ownership == Ownership::Independent {
            1.0
        } else {
            s.firms.initial_embeddedness as f32
        },
        born,
        declared: index as u32,
        ..Firm::FRESH
    })
}

/// Firm turnover, first part: each firm decides its fate, lets employees
/// go and loses founders to spin-offs. Relocations and separations apply
/// at once; the firms that exit leave at [`remove_exits`].
pub fn fates(
    model: &mut Model,
    ctx: &StepContext,
    market: &Market,
    tally: &mut Tally,
) -> Result<Turnover> {
    let n = model.firms.len();
    if market.targets.len() != n {
        return Err(Error::Internal("targets do not match firms".into()));
    }
    // Each citizen's employer index, kept up to date through the phase
    // (separations, retirements, founders, hires) and then from step to
    // step by the compaction, so that the recounts and the compaction
    // need no lookups of employer ids.
    let mut keys = take_employer_keys(model);
    // Citizens of each firm (by index), in citizen order; the firms'
    // employee counts (recounted at the end of the last step) size the
    // groups.
    let counts: Vec<u32> = model.firms.par_iter().map(|f| f.employees).collect();
    let work =
        par::Groups::with_counts(&keys, &counts).unwrap_or_else(|| par::Groups::build(&keys, n));
    let decisions = decide(model, ctx, market, &work);
    let dead = count_exits(&decisions, tally);
    relocate(model, &decisions, &work, tally);
    let (founders, openings) = separate(model, decisions, &mut keys, tally);
    Ok(Turnover {
        keys,
        dead,
        founders,
        openings,
    })
}

/// A firm's decision at the exit stage: its fate, the employees it lets go,
/// those who leave to found spin-offs (citizen indices), and a new plant it
/// opens (the employee transferred to it and the growth it takes over).
type Decision = (Fate, Vec<u32>, Vec<u32>, Option<(u32, u32)>);

/// Per firm, from its turnover stream: its fate, the employees it lets go
/// and the employees who leave to found spin-offs.
fn decide(m: &Model, ctx: &StepContext, market: &Market, work: &par::Groups) -> Vec<Decision> {
    let relocation = relocation_weights(market);
    let sp_rate = m.scenario.firms.spinoff_rate;
    let p_open = 1.0 - (1.0 - ctx.levers.plant_opening_rate).powf(ctx.dt);
    (0..m.firms.len())
        .into_par_iter()
        .map(|i| {
            let f = &m.firms[i];
            let staff = work.of(i);
            let mut rng = m.streams.rng(Purpose::Turnover, ctx.step, u64::from(f.id));
            let fate = fate(m, ctx, market, &relocation, i, &mut rng);
            if let Fate::Relocated { .. } = fate {
                // The plant moves with its staff.
                return (fate, Vec::new(), Vec::new(), None);
            }
            if fate != Fate::Stays {
                return (fate, staff.to_vec(), Vec::new(), None);
            }
            let target = market.targets[i] as usize;
            if let Some(opening) = open_plant(m, f, staff, target, p_open, &mut rng) {
                return (fate, Vec::new(), Vec::new(), Some(opening));
            }
            let leave = staff.len().saturating_sub(target);
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
                return (fate, Vec::new(), Vec::new(), None);
            }
            // Partial Fisher–Yates: the first `leave` go, the next `spin` found firms.
            let mut pool = staff.to_vec();
            for a in 0..k {
                let b = rng.random_range(a..pool.len());
                pool.swap(a, b);
            }
            let founders = pool[leave..k].to_vec();
            pool.truncate(leave);
            (fate, pool, founders, None)
        })
        .collect()
}

/// Whether a growing establishment opens a new plant this step, which then
/// takes over a share `plant_share_of_growth` of its desired growth: with
/// probability `plant_opening_rate` per year for an establishment of a
/// group, or of an independent firm of at least `expansion_min_size`
/// employees (which becomes a group). Returns the employee transferred to
/// the plant and the growth it takes over.
fn open_plant<R: rand::Rng + ?Sized>(
    m: &Model,
    f: &Firm,
    staff: &[u32],
    target: usize,
    p_open: f64,
    rng: &mut R,
) -> Option<(u32, u32)> {
    let ent = &m.scenario.enterprises;
    let can_open = f.declared == NONE
        && !staff.is_empty()
        && (f.group != NONE || staff.len() >= ent.expansion_min_size as usize);
    if !can_open || target <= staff.len() || p_open <= 0.0 || rng.random::<f64>() >= p_open {
        return None;
    }
    let moved = ((target - staff.len()) as f64 * ent.plant_share_of_growth).ceil() as u32;
    if moved < 1 {
        return None;
    }
    let founder = staff[rng.random_range(0..staff.len())];
    Some((founder, moved))
}

/// Which firms exit (they leave at [`remove_exits`]), with the exits
/// counted by cause. The counts are integers: the per-firm passes run in
/// parallel.
fn count_exits(decisions: &[Decision], tally: &mut Tally) -> Vec<bool> {
    let dead: Vec<bool> = decisions
        .par_iter()
        .map(|(fate, _, _, _)| fate.exits())
        .collect();
    let exits = decisions
        .par_iter()
        .map(|(fate, _, _, _)| {
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
    dead
}

/// Plants that relocate move with their staff, in firm order (they are few).
fn relocate(model: &mut Model, decisions: &[Decision], work: &par::Groups, tally: &mut Tally) {
    let moved: Vec<(usize, u16, f32, f32)> = decisions
        .par_iter()
        .enumerate()
        .filter_map(|(i, (fate, _, _, _))| match *fate {
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
}

/// The employees let go lose their jobs; returns the founders of spin-offs
/// with their parent firm's index, and the plant openings, in firm order.
type Openings = Vec<(u32, usize, u32)>;
fn separate(
    model: &mut Model,
    decisions: Vec<Decision>,
    keys: &mut [u32],
    tally: &mut Tally,
) -> (Vec<(u32, usize)>, Openings) {
    let firms = &model.firms;
    let mut separated: Vec<(u32, u8)> = decisions
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, (_, gone, _, _))| {
            let sector = firms[i].sector;
            gone.iter().map(move |&c| (c, sector))
        })
        .collect();
    let founders: Vec<(u32, usize)> = decisions
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, (_, _, found, _))| found.iter().map(move |&c| (c, i)))
        .collect();
    let openings: Openings = decisions
        .par_iter()
        .enumerate()
        .filter_map(|(i, (_, _, _, open))| open.map(|(c, moved)| (c, i, moved)))
        .collect();
    // The staff lists are freed in parallel too.
    decisions.into_par_iter().for_each(drop);
    tally.separations += separated.len() as u32;
    // A citizen has one employer, so appears at most once: applied in
    // citizen order, in parallel over ranges of citizens.
    separated.par_sort_unstable();
    for_each_in_ranges(
        &mut model.citizens,
        keys,
        &separated,
        |cit, key, &(_, sector)| {
            cit.employer = NONE;
            *key = NONE;
            cit.last_sector = sector;
            0
        },
    );
    (founders, openings)
}

/// The firms created in a step with their founders (citizen indices), in
/// id order, and the sizes the declared ones among them hire towards.
pub struct NewFirms {
    pub created: Vec<(Firm, u32)>,
    /// Position in `created` and declared employees.
    pub declared_targets: Vec<(usize, u32)>,
}

/// New firms: spin-offs (by parent), then start-ups (by citizen), then the
/// new plants of enterprises (by opening establishment), then, at the start
/// of a year, the firms declared by name that are due.
pub fn new_firms(
    model: &mut Model,
    ctx: &StepContext,
    turnover: &Turnover,
    market: &Market,
    startups: &[(u32, u8)],
    tally: &mut Tally,
) -> NewFirms {
    let mut created = spinoffs_and_startups(model, ctx, &turnover.founders, startups, tally);
    let mut declared_targets = new_plants(model, ctx, market, &turnover.openings, &mut created);
    tally.plant_openings += turnover.openings.len() as u32;
    if ctx.new_year {
        let declared = declared_firms_due(model, ctx, startups, &mut created, tally);
        declared_targets.extend(declared);
    }
    model.next_firm_id += created.len() as u32;
    NewFirms {
        created,
        declared_targets,
    }
}

/// Spin-offs, then start-ups. Each new firm draws from the stream of its
/// id, fixed by its position in the list: built in parallel.
fn spinoffs_and_startups(
    model: &Model,
    ctx: &StepContext,
    founders: &[(u32, usize)],
    startups: &[(u32, u8)],
    tally: &mut Tally,
) -> Vec<(Firm, u32)> {
    let m = model;
    let first_id = m.next_firm_id;
    let spinoffs = founders.par_iter().enumerate().map(|(k, &(c, parent))| {
        let id = first_id + k as u32;
        (new_firm(m, ctx, id, Founding::Spinoff { parent }), c)
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
        (new_firm(m, ctx, offset + k as u32, founding), c)
    });
    created.par_extend(started);
    tally.entries_spinoff += founders.len() as u32;
    tally.entries_startup += startups.len() as u32;
    created
}

/// The new plants: an independent firm opening its second establishment
/// becomes a national group first (in firm order); each plant draws its
/// region from the stream of its id. Appended to `created`; returns the
/// growth each plant takes over as its desired size.
fn new_plants(
    model: &mut Model,
    ctx: &StepContext,
    market: &Market,
    openings: &[(u32, usize, u32)],
    created: &mut Vec<(Firm, u32)>,
) -> Vec<(usize, u32)> {
    for &(_, parent, _) in openings {
        if model.firms[parent].group == NONE {
            found_group(&mut model.groups, &mut model.firms[parent], ctx.step);
        }
    }
    let m: &Model = model;
    let offset = m.next_firm_id + created.len() as u32;
    let first = created.len();
    let plants: Vec<(Firm, u32)> = openings
        .par_iter()
        .enumerate()
        .map(|(k, &(c, parent, _))| (new_plant(m, ctx, market, offset + k as u32, parent), c))
        .collect();
    created.extend(plants);
    openings
        .iter()
        .enumerate()
        .map(|(k, &(_, _, moved))| (first + k, moved))
        .collect()
}

/// A new plant of the enterprise of establishment `parent`, with id `id`:
/// same sector, ownership, technology and knowledge, in a region drawn with
/// weight residents / labour cost × exp(−distance / plant_distance_km) from
/// the opening establishment's region.
fn new_plant(m: &Model, ctx: &StepContext, market: &Market, id: u32, parent: usize) -> Firm {
    let p = &m.firms[parent];
    let mut rng = m.streams.rng(Purpose::PlantSite, ctx.step, u64::from(id));
    let decay = m.scenario.enterprises.plant_distance_km;
    let from = p.region as usize;
    let weights: Vec<f64> = market
        .region_residents
        .iter()
        .zip(&market.region_cost)
        .enumerate()
        .scan(0.0, |acc, (r, (res, cost))| {
            *acc += res / cost.max(1e-9) * (-m.territory.distance(from, r) / decay).exp();
            Some(*acc)
        })
        .collect();
    let region = draw_cumulative(&weights, rng.random()).unwrap_or(from);
    let (x, y) = m
        .territory
        .place(region, m.sectors.rural[p.sector as usize], &mut rng);
    let fp = &m.scenario.firms;
    Firm {
        id,
        sector: p.sector,
        region: region as u16,
        ownership: p.ownership,
        x,
        y,
        group: p.group,
        employees: 1,
        productivity: p.productivity,
        cash: fp.initial_cash * fp.labour_share * p.productivity,
        knowledge: p.knowledge,
        embeddedness: fp.initial_embeddedness as f32,
        born: ctx.step,
        mean_skill: p.mean_skill,
        ..Firm::FRESH
    }
}

/// Firms declared by name start in their founding year (or the first year
/// after it with a job seeker), with a job seeker of their region as first
/// employee (not one starting a firm); they then hire towards their
/// declared size. Appended to `created`; returns their declared sizes.
fn declared_firms_due(
    model: &mut Model,
    ctx: &StepContext,
    startups: &[(u32, u8)],
    created: &mut Vec<(Firm, u32)>,
    tally: &mut Tally,
) -> Vec<(usize, u32)> {
    let mut declared_targets = Vec::new();
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
        let productivity =
            model.memory.sector_productivity[Scenario::sector_index(&d.sector).unwrap_or(0)];
        let Some(firm) = declared_firm(
            &model.scenario,
            &model.territory,
            &model.sectors,
            DeclaredStart {
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
    declared_targets
}

/// Founders work in their firms and the new firms join the population:
/// returns every firm's desired employment (a new firm wants its founder,
/// a declared one its declared size), with employees recounted (their mean
/// skills are recounted after the matching, before anything reads them).
pub fn add_new_firms(
    model: &mut Model,
    market: &Market,
    new: NewFirms,
    turnover: &mut Turnover,
) -> Vec<u32> {
    let NewFirms {
        created,
        declared_targets,
    } = new;
    let mut targets = market.targets.clone();
    // An establishment that opened a plant hands it the growth.
    for &(_, parent, moved) in &turnover.openings {
        targets[parent] = targets[parent].saturating_sub(moved);
    }
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
        &mut turnover.keys,
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
    turnover.dead.resize(first_new + n_created, false);
    for (k, size) in declared_targets {
        targets[first_new + k] = size;
    }
    recount(model, &turnover.keys, false);
    targets
}

/// Firm turnover, last part: firms that exited or have no one left are
/// removed and the others stored by region; the employer indices go back
/// to the model.
pub fn remove_exits(model: &mut Model, turnover: Turnover, tally: &mut Tally) {
    let Turnover { keys, mut dead, .. } = turnover;
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
