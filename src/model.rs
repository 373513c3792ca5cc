//! The model: state of all agents and the schedule of one step.
//!
//! Each step reads the state left by the previous one and writes the next.
//! Parallel phases compute decisions per agent from that state (with the
//! agent's own random streams) and collect them in agent order; the
//! decisions are then applied sequentially. Results therefore do not depend
//! on the number of threads.

use std::time::Instant;

use crate::agents::{Citizen, Firm, NONE};
use crate::cooperation::{self, Network};
use crate::error::{Error, Result};
use crate::governance;
use crate::init;
use crate::innovation;
use crate::institutions::{self, ClusterPolicyStep, Institutions};
use crate::labour;
use crate::materials::{Prices, Technology};
use crate::metrics::{self, RegionRow, StepRow, Tally};
use crate::production::{self, Market};
use crate::proximity::Kernel;
use crate::reach::Reaches;
use crate::regimes::{self, Regime};
use crate::scenario::trends::trend_year;
use crate::scenario::{N_SECTORS, RegimeParams, Scenario};
use crate::sectors::SectorTable;
use crate::shocks::{self, EventRow};
use crate::symbiosis::{self, Symbiosis};
use crate::territory::Territory;
use crate::util::rng::Streams;

/// What holds for the whole of one step.
#[derive(Debug, Clone)]
pub struct StepContext {
    pub step: u32,
    /// Calendar year of the step.
    pub year: i64,
    /// Fractional year at the start of the step.
    pub t: f64,
    /// Length of the step, years.
    pub dt: f64,
    pub regime: Regime,
    pub levers: RegimeParams,
    pub kernel: Kernel,
    pub demand_shares: [f64; N_SECTORS],
    /// Multiplier of energy materials' virgin prices (energy-price shocks).
    pub energy_factor: f64,
    /// Material prices in force.
    pub prices: Prices,
    /// First step of a calendar year.
    pub new_year: bool,
}

impl StepContext {
    /// `x^dt`, the share of a yearly survival probability `x` over one
    /// step. For yearly steps this is `x` itself (`pow(x, 1)` is exactly `x`),
    /// which saves a `pow` call per agent in the hottest loops.
    #[inline]
    pub fn per_step(&self, x: f64) -> f64 {
        if self.dt == 1.0 { x } else { x.powf(self.dt) }
    }
}

/// Aggregates of the previous step that agents react to.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// Employment-weighted geometric mean productivity per sector.
    pub sector_productivity: [f64; N_SECTORS],
}

/// One row of output per step: the national series and the regional rows.
#[derive(Debug, Clone)]
pub struct StepOutput {
    pub row: StepRow,
    pub regions: Vec<RegionRow>,
    /// Shocks that started in this step.
    pub events: Vec<EventRow>,
}

/// Wall time spent in each phase of the step, summed over steps (seconds).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    /// Shocks, local authorities' budgets, cluster policy, tiers-lieux.
    pub institutions: f64,
    /// Sales, profits and desired employment.
    pub production: f64,
    /// Material flows and industrial symbiosis.
    pub symbiosis: f64,
    /// Innovation and productivity.
    pub innovation: f64,
    /// Cooperation, part 1: drawing partner candidates (space, network,
    /// ecosystem centres, research links, events) and their tie probability.
    pub partner_search: f64,
    /// Cooperation, part 2: renewal and decay of ties, applying proposals
    /// within capacities, learning.
    pub cooperation: f64,
    /// Firm fates (exits, relocations, lay-offs) and new firms.
    pub firm_demography: f64,
    /// Citizens: retirement and entrants, skills, start-up decisions,
    /// labour-force growth, and (in the statistics step) regional opinion.
    pub citizens: f64,
    /// Matching job seekers and vacancies.
    pub labour_market: f64,
    /// The step's statistics (time-series and regional rows).
    pub statistics: f64,
}

impl Timings {
    /// Phases in schedule order with their names.
    pub fn phases(&self) -> [(&'static str, f64); 10] {
        [
            ("institutions", self.institutions),
            ("production", self.production),
            ("symbiosis", self.symbiosis),
            ("innovation", self.innovation),
            ("partner search", self.partner_search),
            ("cooperation", self.cooperation),
            ("firm demography", self.firm_demography),
            ("citizens", self.citizens),
            ("labour market", self.labour_market),
            ("statistics", self.statistics),
        ]
    }
}

/// A stopwatch that charges the time since its last lap to a phase.
pub(crate) struct Lap(Instant);

impl Lap {
    pub(crate) fn start() -> Self {
        Self(Instant::now())
    }

    /// Add the time since the last lap to `slot`.
    pub(crate) fn lap(&mut self, slot: &mut f64) {
        let now = Instant::now();
        *slot += (now - self.0).as_secs_f64();
        self.0 = now;
    }
}

/// The simulated territory and its agents.
pub struct Model {
    pub scenario: Scenario,
    pub(crate) streams: Streams,
    pub territory: Territory,
    pub sectors: SectorTable,
    /// Living firms, stored by region (see `labour::compact`).
    pub firms: Vec<Firm>,
    /// Spare buffer the compaction gathers the firms into (performance
    /// only: its contents mean nothing).
    pub(crate) firm_buffer: Vec<Firm>,
    /// Firm id → index in `firms`, or [`NONE`] for firms that exited.
    pub(crate) index_of: Vec<u32>,
    /// Each citizen's employer index in `firms` (or [`NONE`]), kept in step
    /// with the citizens and firms by the labour phase and the compaction,
    /// so that no step looks up every citizen's employer id.
    pub(crate) employer_keys: Vec<u32>,
    pub(crate) next_firm_id: u32,
    pub citizens: Vec<Citizen>,
    pub network: Network,
    pub symbiosis: Symbiosis,
    pub institutions: Institutions,
    pub(crate) technology: Technology,
    /// Labels of declared firms (index = `Firm::declared`).
    pub declared_labels: Vec<String>,
    /// Closing year of each declared firm (0: never).
    pub(crate) declared_closing: Vec<i64>,
    /// Whether each declared firm has been created.
    pub(crate) declared_created: Vec<bool>,
    /// CO2 emitted by firms of each region in the last step, t/year.
    pub region_co2: Vec<f64>,
    /// Material costs of all firms in the last step, output units/year.
    pub material_cost: f64,
    /// By-products sent to other firms by firms of each region in the last step, t/year.
    pub region_reused: Vec<f64>,
    /// Tonnes exchanged in the last step.
    pub exchanged_last: f64,
    pub(crate) memory: Memory,
    /// Partitions of the regions for the destination draws of large
    /// territories (see `reach`).
    pub(crate) reaches: Reaches,
    step: u32,
    pub(crate) timings: Timings,
}

impl Model {
    /// Build the initial state of a validated scenario.
    pub fn new(scenario: Scenario) -> Result<Self> {
        let streams = Streams::new(scenario.run.seed as u64);
        let territory = Territory::new(&scenario.territory);
        let sectors = SectorTable::new(&scenario);
        let pop = init::populate(&scenario, &streams, &territory, &sectors)?;
        let institutions = Institutions::new(&scenario, &streams, &territory, &sectors);
        let scenario_for_tech = scenario.clone();
        let declared_labels: Vec<String> = scenario.declared_firms.keys().cloned().collect();
        let n_regions = territory.len();
        let next_firm_id = pop.firms.len() as u32;
        let index_of = (0..next_firm_id).collect();
        let mut model = Self {
            scenario,
            streams,
            territory,
            sectors,
            firms: pop.firms,
            index_of,
            firm_buffer: pop.spare,
            employer_keys: Vec::new(),
            next_firm_id,
            citizens: pop.citizens,
            network: Network::default(),
            symbiosis: Symbiosis::default(),
            institutions,
            technology: Technology::new(&scenario_for_tech),
            declared_closing: scenario_for_tech
                .declared_firms
                .values()
                .map(|d| d.closed)
                .collect(),
            declared_created: scenario_for_tech
                .declared_firms
                .values()
                .map(|d| d.founded <= scenario_for_tech.run.start_year)
                .collect(),
            declared_labels,
            region_co2: vec![0.0; n_regions],
            material_cost: 0.0,
            region_reused: vec![0.0; n_regions],
            exchanged_last: 0.0,
            memory: Memory::default(),
            reaches: Reaches::default(),
            step: 0,
            timings: Timings::default(),
        };
        labour::refresh_workforce(&mut model);
        model.memory = production::initial_memory(&model);
        Ok(model)
    }

    /// Number of steps of the run.
    pub fn total_steps(&self) -> u32 {
        let r = &self.scenario.run;
        ((r.end_year - r.start_year + 1) * r.steps_per_year) as u32
    }

    /// Steps done so far.
    pub fn steps_done(&self) -> u32 {
        self.step
    }

    /// Seconds spent in each phase so far.
    pub fn timings(&self) -> &Timings {
        &self.timings
    }

    /// Whether every step of the run has been simulated.
    pub fn is_done(&self) -> bool {
        self.step >= self.total_steps()
    }

    /// Index of a living firm.
    #[inline]
    pub(crate) fn index(&self, id: u32) -> Option<usize> {
        match self.index_of.get(id as usize) {
            Some(&i) if i != NONE => Some(i as usize),
            _ => None,
        }
    }

    fn context(&self) -> StepContext {
        let run = &self.scenario.run;
        let spy = run.steps_per_year as u32;
        let dt = 1.0 / f64::from(spy);
        let year = run.start_year + i64::from(self.step / spy);
        let t = year as f64 + f64::from(self.step % spy) * dt;
        let (regime, levers) = regimes::active(&self.scenario.regimes, year);
        let (energy_factor, demand_factor) = shocks::multipliers(&self.scenario, year);
        let mut levers = levers.clone();
        levers.aggregate_demand *= demand_factor;
        let prices = Prices::new(&self.scenario, &levers, energy_factor);
        StepContext {
            step: self.step,
            year,
            t,
            dt,
            regime,
            kernel: Kernel::at(
                &self.scenario.proximity,
                &levers,
                trend_year(t, self.scenario.trends.decay_length_pace),
            ),
            levers,
            demand_shares: self.sectors.demand_shares(t),
            energy_factor,
            prices,
            new_year: self.step.is_multiple_of(spy),
        }
    }

    /// Simulate one step and return its output rows.
    pub fn step(&mut self) -> Result<StepOutput> {
        if self.is_done() {
            return Err(Error::Internal(
                "step called after the end of the run".into(),
            ));
        }
        let ctx = self.context();
        let mut tally = Tally::default();
        let mut clock = Lap::start();

        // 0. Shocks starting this year.
        let events = if ctx.new_year {
            shocks::start(self, ctx.step, ctx.year)
        } else {
            Vec::new()
        };
        labour::close_marked(self, &mut tally);

        // 1. Institutions: local authorities and their budgets, cluster
        //    policy, tiers-lieux.
        governance::update_budgets(self);
        let s = &self.scenario;
        self.institutions.update_authorities(
            ctx.levers.local_authority_budget,
            s.institutions.authority_adjustment,
            ctx.dt,
        );
        let changes = institutions::cluster_policy(
            &mut self.institutions,
            &mut self.firms,
            s,
            &ClusterPolicyStep {
                streams: &self.streams,
                step: ctx.step,
                year: ctx.year,
                dt: ctx.dt,
                policy: ctx.levers.cluster_policy,
                n_regions: self.territory.len(),
                sectors: &self.sectors,
            },
        );
        tally.clusters_created = changes.created;
        tally.clusters_dissolved = changes.dissolved;
        let (_, residents) = production::regional_counts(self);
        governance::update_tiers_lieux(
            self,
            ctx.step,
            ctx.dt,
            ctx.levers.tiers_lieux_support,
            &residents,
        );
        clock.lap(&mut self.timings.institutions);

        // 2. Production: sales, profits and desired employment.
        let market: Market = production::produce(self, &ctx, &mut tally);
        clock.lap(&mut self.timings.production);

        // 2b. Material flows and industrial symbiosis.
        tally.symbiosis = symbiosis::exchange_step(self, &ctx, &ctx.prices);
        self.material_cost = tally.symbiosis.material_cost;
        clock.lap(&mut self.timings.symbiosis);

        // 3. Innovation and productivity.
        tally.innovations = innovation::innovate(self, &ctx);
        clock.lap(&mut self.timings.innovation);

        // 4. Cooperation: ties decay or are renewed, new ties form.
        // (Times its partner search and its other parts itself.)
        cooperation::cooperate(self, &ctx, &mut tally);

        // 5. Firm exits, separations, entries, citizens, labour market.
        labour::labour_market(self, &ctx, &market, &mut tally)?;
        clock = Lap::start();

        // 6. Statistics (with the regions' opinion, summed in the same pass
        //    over the citizens) and memory for the next step.
        let (mut out, opinion) = metrics::collect(self, &ctx, &market, &tally);
        governance::set_opinion(self, opinion);
        out.events = events;
        self.memory = production::remember(self);
        clock.lap(&mut self.timings.statistics);
        self.step += 1;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_override, resolve_str};

    fn small(extra: &[&str]) -> Scenario {
        let mut sets = vec![
            "population.firms=800",
            "population.citizens=8000",
            "territory.regions=8",
        ];
        sets.extend_from_slice(extra);
        let o: Vec<_> = sets.iter().map(|s| parse_override(s).unwrap()).collect();
        resolve_str("test", "", &o).unwrap().scenario
    }

    fn check_invariants(m: &Model, out: &StepOutput) {
        assert!(
            m.firms.windows(2).all(|w| w[0].region <= w[1].region),
            "firms stored by region"
        );
        assert!(
            crate::metrics::firm_rows(m, 0)
                .windows(2)
                .all(|w| w[0].firm_id < w[1].firm_id),
            "firms.csv lists firms by id"
        );
        for (i, f) in m.firms.iter().enumerate() {
            assert_eq!(m.index(f.id), Some(i));
            assert!(f.employees >= 1, "firm {} has no employee", f.id);
            assert!(f.productivity.is_finite() && f.productivity > 0.0);
            if f.cluster != NONE {
                assert!(
                    m.institutions.cluster_position(f.cluster).is_some(),
                    "member of a dissolved cluster"
                );
            }
        }
        let employed = m.citizens.iter().filter(|c| c.employed()).count() as u64;
        let jobs: u64 = m.firms.iter().map(|f| u64::from(f.employees)).sum();
        assert_eq!(employed, jobs, "employment conserved");
        assert!(
            m.citizens
                .iter()
                .filter(|c| c.employed())
                .all(|c| m.index(c.employer).is_some())
        );
        assert!(
            m.citizens
                .iter()
                .zip(&m.employer_keys)
                .all(|(c, &k)| k == m.index(c.employer).map_or(NONE, |i| i as u32)),
            "employer keys in step with the citizens"
        );
        assert_eq!(m.employer_keys.len(), m.citizens.len());
        assert!(
            m.network
                .ties()
                .windows(2)
                .all(|w| (w[0].a, w[0].b) < (w[1].a, w[1].b)),
            "ties sorted, unique"
        );
        assert_eq!(m.network.ties().len(), m.network.ends().len());
        for (t, &(i, j)) in m.network.ties().iter().zip(m.network.ends()) {
            assert!(t.a < t.b && m.index(t.a).is_some() && m.index(t.b).is_some());
            assert_eq!(
                (m.index(t.a), m.index(t.b)),
                (Some(i as usize), Some(j as usize))
            );
            assert!(t.strength > 0.0 && t.strength <= 1.0);
        }
        let r = &out.row;
        let shares =
            r.large_firm_employment_share + r.sme_employment_share + r.micro_employment_share;
        assert!((shares - 1.0).abs() < 1e-9);
        assert_eq!(r.employment, jobs);
        assert_eq!(r.firms, m.firms.len() as u64);
        assert_eq!(r.ties, m.network.ties().len() as u64);
        assert_eq!(out.regions.iter().map(|x| x.employment).sum::<u64>(), jobs);
        assert_eq!(
            out.regions.iter().map(|x| x.residents).sum::<u64>(),
            m.citizens.len() as u64
        );
    }

    #[test]
    fn invariants_hold_every_step() {
        let mut m = Model::new(small(&[])).unwrap();
        while !m.is_done() {
            let out = m.step().unwrap();
            check_invariants(&m, &out);
        }
        assert!(
            m.step().is_err(),
            "stepping past the end is an error, not a panic"
        );
    }

    #[test]
    fn invariants_hold_with_quarterly_steps() {
        let mut m = Model::new(small(&[
            "run.steps_per_year=4",
            "run.end_year=1975",
            "regimes.clusters.start=1974",
            "regimes.transition.start=1975",
        ]))
        .unwrap();
        assert_eq!(m.total_steps(), 26 * 4);
        while !m.is_done() {
            let out = m.step().unwrap();
            check_invariants(&m, &out);
        }
    }

    fn rows_with_threads(threads: usize) -> Vec<crate::metrics::StepRow> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut m = Model::new(small(&["run.end_year=2025"])).unwrap();
            let mut rows = Vec::new();
            while !m.is_done() {
                rows.push(m.step().unwrap().row);
            }
            rows
        })
    }

    #[test]
    fn sequential_and_parallel_agree() {
        assert_eq!(rows_with_threads(1), rows_with_threads(3));
    }
}
