//! Firm demography: exits (bankruptcy, shrinking to nothing, owners
//! leaving micro-firms, plants closing or relocating under globalisation)
//! and entries (spin-offs near successful parents, start-ups by citizens).

use rand::RngExt;
use rand_distr::StandardNormal;

use crate::scenario::N_SECTORS;
use crate::state::agents::{Firm, NONE, Ownership};
use crate::state::authorities::sme_support;
use crate::state::context::{Market, StepContext};
use crate::state::model::Model;
use crate::util::draw::draw_cumulative;
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

/// Sector of a citizen's start-up: usually the sector they know, otherwise
/// drawn by final-demand shares.
pub fn startup_sector<R: rand::Rng + ?Sized>(
    known: u8,
    own_sector: f64,
    demand_shares: &[f64; N_SECTORS],
    rng: &mut R,
) -> u8 {
    if (known as usize) < N_SECTORS && rng.random::<f64>() < own_sector {
        return known;
    }
    let u: f64 = rng.random();
    let mut acc = 0.0;
    for (k, s) in demand_shares.iter().enumerate() {
        acc += s;
        if u < acc {
            return k as u8;
        }
    }
    (N_SECTORS - 1) as u8
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
        crate::scenario::region_index(&d.region, territory.len() as i64)?
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
