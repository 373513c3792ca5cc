//! The citizens' year: ageing, retirement and replacement by entrants,
//! skills learnt at work or lost out of it (and regained by training near
//! research organisations), environmental concern and participation, and
//! the decision to start a firm; at the start of a year, the labour force
//! grows. Concern and participation read the local authorities' state
//! (`state::authorities`; formulas: docs/MODEL.md, 7.8 and 7.11).

use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::scenario::{CitizenParams, LabourParams, N_SECTORS, PopulationParams};
use crate::state::agents::{Citizen, NONE};
use crate::state::authorities;
use crate::state::context::{Market, StepContext, Turnover};
use crate::state::model::Model;
use crate::state::tally::Tally;
use crate::util::draw::draw_cumulative;
use crate::util::rng::{Purpose, SCREEN_BLOCK};

/// The citizens' year, in parallel over blocks of citizens: returns the
/// start-ups decided, as (citizen, sector) in citizen order. Employees who
/// leave to found a spin-off (`turnover.founders`) or open a plant
/// (`turnover.openings`) start no other firm.
pub fn year(
    model: &mut Model,
    ctx: &StepContext,
    market: &Market,
    turnover: &mut Turnover,
    tally: &mut Tally,
) -> Vec<(u32, u8)> {
    // The citizens are taken out of the model so that each block can be
    // updated in place while the rest of the model is read.
    let mut citizens = std::mem::take(&mut model.citizens);
    let m: &Model = model;
    let life = Year::new(m, ctx, market, turnover, citizens.len());
    let blocks: Vec<(u32, Vec<(u32, u8)>)> = citizens
        .par_chunks_mut(SCREEN_BLOCK)
        .zip(turnover.keys.par_chunks_mut(SCREEN_BLOCK))
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
                let (retired, start) = life.live(ci, c, key, screen[k], take_part[k]);
                retired_here += u32::from(retired);
                if let Some(sector) = start {
                    starts.push((ci as u32, sector));
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
    startups
}

/// What every citizen's year reads, set once a step: the rates over the
/// step, each region's support, perceived pollution, openness and
/// tiers-lieux, and who founds a spin-off.
struct Year<'a> {
    m: &'a Model,
    ctx: &'a StepContext,
    lp: LabourParams,
    pp: PopulationParams,
    cp: CitizenParams,
    /// Entrants' mean skill this year.
    newcomer_skill: f64,
    learn: f64,
    forget: f64,
    train: f64,
    p_necessity: f64,
    p_opportunity: f64,
    concern_rate: f64,
    has_research: Vec<bool>,
    support: Vec<f64>,
    pollution: Vec<f64>,
    openness: Vec<f64>,
    density: Vec<f64>,
    is_founder: Vec<bool>,
}

impl<'a> Year<'a> {
    fn new(
        m: &'a Model,
        ctx: &'a StepContext,
        market: &Market,
        turnover: &Turnover,
        n_citizens: usize,
    ) -> Self {
        // Founders of spin-offs and employees sent to open a new plant.
        let is_founder = {
            let mut v = vec![false; n_citizens];
            for &(c, _) in &turnover.founders {
                v[c as usize] = true;
            }
            for &(c, _, _) in &turnover.openings {
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
        Self {
            m,
            ctx,
            lp,
            pp,
            cp,
            newcomer_skill,
            learn,
            forget,
            train,
            p_necessity,
            p_opportunity,
            concern_rate,
            has_research,
            support,
            pollution,
            openness,
            density,
            is_founder,
        }
    }

    /// One citizen's year (index `ci`, employer index `key`, its draws of
    /// the start-up and participation screens): whether it retired, and
    /// the sector of the firm it starts, if it starts one.
    fn live(
        &self,
        ci: usize,
        c: &mut Citizen,
        key: &mut u32,
        screen: f64,
        take_part: f64,
    ) -> (bool, Option<u8>) {
        let retired = self.retire(ci, c, key);
        self.form_opinion(c, take_part);
        if self.is_founder[ci] {
            return (retired, None);
        }
        (retired, self.learn_and_start(ci, c, *key, retired, screen))
    }

    /// At the start of a year, a citizen past retirement age leaves and an
    /// entrant of the same region takes its place (and index).
    fn retire(&self, ci: usize, c: &mut Citizen, key: &mut u32) -> bool {
        let (ctx, pp, lp) = (self.ctx, &self.pp, &self.lp);
        let year = ctx.year;
        if ctx.new_year && year - i64::from(c.born) >= pp.retirement_age {
            let mut rng = self.m.streams.rng(Purpose::Demography, ctx.step, ci as u64);
            let e: f64 = rng.sample(StandardNormal);
            let skill = self.newcomer_skill + lp.skill_noise * e;
            *c = Citizen::entrant(
                c.region,
                skill,
                year - pp.entry_age,
                self.m.scenario.citizens.initial_concern,
                rng.random(),
            );
            *key = NONE;
            return true;
        }
        false
    }

    /// Environmental concern moves towards the citizen's view of its
    /// region; it takes part (consultations, tiers-lieux) with a
    /// probability that grows with concern and the region's openness.
    fn form_opinion(&self, c: &mut Citizen, take_part: f64) {
        let (cp, m) = (&self.cp, self.m);
        let salience = self.ctx.levers.environmental_salience;
        let mean_concern = &m.institutions.mean_concern;
        let r = c.region as usize;
        let personal = f64::from(c.green)
            * (cp.pollution_weight * self.pollution[r] + (1.0 - cp.pollution_weight) * salience);
        let target = ((1.0 - cp.neighbour_weight) * personal
            + cp.neighbour_weight * mean_concern[r])
            .clamp(0.0, 1.0);
        let concern = f64::from(c.concern) + self.concern_rate * (target - f64::from(c.concern));
        c.concern = concern as f32;
        let p_part = 1.0
            - self.ctx.per_step(
                1.0 - (cp.participation_propensity * concern * self.openness[r]).clamp(0.0, 1.0),
            );
        c.participant = take_part < p_part;
    }

    /// Skills grow at work and fade out of it (training near research
    /// organisations); an employee may start a firm by opportunity, a job
    /// seeker (not one who just entered) by necessity, more readily with
    /// local support and tiers-lieux. Returns the new firm's sector.
    fn learn_and_start(
        &self,
        ci: usize,
        c: &mut Citizen,
        employer: u32,
        retired: bool,
        screen: f64,
    ) -> Option<u8> {
        let (cp, lp, ctx) = (&self.cp, &self.lp, self.ctx);
        let r = c.region as usize;
        let flair = |s: f64| 1.0 + lp.entrepreneurial_skill_effect * (s - 0.5);
        let s = f64::from(c.skill);
        let boost = if c.participant {
            1.0 + cp.tiers_lieux_startup_boost * self.density[r]
        } else {
            1.0
        };
        let support = self.support[r] * boost;
        // The sector a founder knows: their employer's (looked up
        // only for the few who start a firm), else their last one.
        let (p_start, known) = if employer != NONE {
            c.skill = (s + self.learn * (1.0 - s)) as f32;
            (self.p_opportunity * support * flair(s), None)
        } else {
            let mut skill = s - self.forget * s;
            if self.has_research[r] {
                skill += self.train * (1.0 - skill);
            }
            c.skill = skill.clamp(0.0, 1.0) as f32;
            (
                if retired {
                    0.0
                } else {
                    self.p_necessity * support * flair(s)
                },
                Some(c.last_sector),
            )
        };
        if screen < p_start {
            let known = known.unwrap_or_else(|| self.m.firms[employer as usize].sector);
            let mut rng = self.m.streams.rng(Purpose::Startup, ctx.step, ci as u64);
            let own_sector = self.m.scenario.firms.startup_own_sector;
            return Some(startup_sector(
                known,
                own_sector,
                &ctx.demand_shares,
                &mut rng,
            ));
        }
        None
    }
}

/// Sector of a citizen's start-up: usually the sector they know, otherwise
/// drawn by final-demand shares.
fn startup_sector<R: rand::Rng + ?Sized>(
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

/// Labour-force growth at the start of a year: entrants beyond
/// replacement, in regions drawn by residents, stored by region after the
/// citizens already there (`keys` gets a slot for each, unemployed).
pub fn labour_force_growth(
    model: &mut Model,
    ctx: &StepContext,
    market: &Market,
    keys: &mut Vec<u32>,
    tally: &mut Tally,
) {
    let lp = model.scenario.labour.clone();
    let pp = model.scenario.population.clone();
    let newcomer_skill = newcomer_skill(&lp, ctx.t, model.scenario.trends.newcomer_skill_pace);
    let initial_concern = model.scenario.citizens.initial_concern;
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
            ctx.year - pp.entry_age,
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
