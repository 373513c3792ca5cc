//! The schedule: building the initial state and the order of the phases
//! of a step. The state is `state`, each phase's behaviour a file of
//! `mechanisms`, the rows of a step `statistics`.
//!
//! Each step reads the state left by the previous one and writes the next.
//! Parallel phases compute decisions per agent from that state (with the
//! agent's own random streams) and collect them in agent order; the
//! decisions are then applied sequentially. Results therefore do not depend
//! on the number of threads.

use crate::error::{Error, Result};
use crate::mechanisms::{
    citizens, cooperation, demography, enterprises, governance, innovation, institutions,
    instruments, labour, production, shocks, symbiosis,
};
use crate::scenario::Scenario;
use crate::scenario::trends::trend_year;
use crate::state::bookkeeping;
use crate::state::cells::Cells;
use crate::state::context::{Market, Memory, StepContext};
use crate::state::enterprise::recount;
use crate::state::exchanges::Symbiosis;
use crate::state::institutions::Institutions;
use crate::state::materials::{Prices, Technology};
use crate::state::model::Model;
use crate::state::network::Network;
use crate::state::proximity::Kernel;
use crate::state::reach::Reaches;
use crate::state::regimes;
use crate::state::sectors::SectorTable;
use crate::state::tally::Tally;
use crate::state::territory::Territory;
use crate::state::timings::{Lap, Timings};
use crate::statistics::{self, StepOutput};
use crate::util::rng::Streams;

pub mod init;

/// The territory of a scenario: read from its regions file (populations at
/// the run's first year), or the synthetic country.
fn territory_of(scenario: &Scenario) -> Result<Territory> {
    let p = &scenario.territory;
    if p.regions_file.is_empty() {
        return Ok(Territory::new(p));
    }
    let records = crate::scenario::regions_file::read(std::path::Path::new(&p.regions_file))?;
    Ok(Territory::from_records(
        &records,
        p,
        scenario.run.start_year as f64,
    ))
}

impl Model {
    /// Build the initial state of a validated scenario.
    pub fn new(scenario: Scenario) -> Result<Self> {
        let streams = Streams::new(scenario.run.seed as u64);
        let territory = territory_of(&scenario)?;
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
            groups: pop.groups,
            project_pairs: Vec::new(),
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
        bookkeeping::refresh_workforce(&mut model);
        model.memory = production::initial_memory(&model);
        Ok(model)
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
        demography::close_marked(self, &mut tally);

        // 1. Institutions: local authorities and their budgets, cluster
        //    policy, tiers-lieux.
        self.institutions_phase(&ctx, &mut tally);
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

        // 5. Acquisitions, firm turnover (new plants of groups among the
        //    new firms), the citizens' year, new firms and the labour
        //    market; then the groups are recounted.
        clock = Lap::start();
        tally.acquisitions = enterprises::acquire(self, &ctx);
        let mut turnover = demography::fates(self, &ctx, &market, &mut tally)?;
        clock.lap(&mut self.timings.firm_demography);
        let startups = citizens::year(self, &ctx, &market, &mut turnover, &mut tally);
        clock.lap(&mut self.timings.citizens);
        let new = demography::new_firms(self, &ctx, &turnover, &market, &startups, &mut tally);
        clock.lap(&mut self.timings.firm_demography);
        if ctx.new_year {
            citizens::labour_force_growth(self, &ctx, &market, &mut turnover.keys, &mut tally);
        }
        clock.lap(&mut self.timings.citizens);
        let targets = demography::add_new_firms(self, &market, new, &mut turnover);
        clock.lap(&mut self.timings.firm_demography);
        labour::match_jobs(self, &ctx, &market, targets, &mut turnover, &mut tally);
        clock.lap(&mut self.timings.labour_market);
        demography::remove_exits(self, turnover, &mut tally);
        recount(&mut self.groups, &self.firms);
        clock.lap(&mut self.timings.firm_demography);

        // 6. Statistics (with the regions' opinion, summed in the same pass
        //    over the citizens) and memory for the next step.
        let (mut out, opinion) = statistics::collect(self, &ctx, &market, &tally);
        self.institutions.mean_concern = opinion.mean_concern;
        self.institutions.participation = opinion.participation;
        out.events = events;
        self.memory = production::remember(self);
        clock.lap(&mut self.timings.statistics);
        self.step += 1;
        Ok(out)
    }

    /// Phase 1: local authorities and their budgets, cluster policy,
    /// tiers-lieux.
    fn institutions_phase(&mut self, ctx: &StepContext, tally: &mut Tally) {
        governance::update_budgets(self);
        let s = &self.scenario;
        institutions::update_authorities(
            &mut self.institutions,
            ctx.levers.local_authority_budget,
            s.institutions.authority_adjustment,
            ctx.dt,
        );
        let step = institutions::ClusterPolicyStep {
            streams: &self.streams,
            step: ctx.step,
            year: ctx.year,
            dt: ctx.dt,
            policy: ctx.levers.cluster_policy,
            n_regions: self.territory.len(),
            sectors: &self.sectors,
        };
        let cells = Cells::of(&self.firms, self.territory.len());
        let (changes, mut dissolved) =
            institutions::cluster_policy(&mut self.institutions, &cells, s, &step);
        // The instruments: evaluations, dissolutions, calls for projects.
        let acted = instruments::act(
            &mut self.institutions,
            &self.firms,
            s,
            &instruments::InstrumentStep {
                streams: &self.streams,
                step: ctx.step,
                year: ctx.year,
                dt: ctx.dt,
                new_year: ctx.new_year,
            },
            &cells,
        );
        dissolved.extend(&acted.dissolved);
        dissolved.sort_unstable();
        institutions::membership(
            &mut self.institutions,
            &mut self.firms,
            s,
            &step,
            &dissolved,
        );
        tally.clusters_created = changes.created + acted.labelled;
        tally.clusters_dissolved = changes.dissolved + acted.dissolved.len() as u32;
        // Collaborative projects of the organisations labelled by instruments.
        self.project_pairs = instruments::projects(
            &mut self.institutions,
            &mut self.firms,
            s,
            &self.streams,
            ctx.step,
            ctx.dt,
            s.run.steps_per_year as u32,
        );
        tally.projects = self.institutions.clusters.iter().map(|c| c.projects).sum();
        let (_, residents) = production::regional_counts(self);
        governance::update_tiers_lieux(
            self,
            ctx.step,
            ctx.dt,
            ctx.levers.tiers_lieux_support,
            &residents,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse_override, resolve_str};
    use crate::state::agents::NONE;

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
            crate::statistics::firms::firm_rows(m, 0)
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
        // Groups: counted from their establishments, of their kind.
        let mut per_group = vec![(0u32, 0u64); m.groups.len()];
        for f in &m.firms {
            if let Some(g) = per_group.get_mut(f.group as usize) {
                g.0 += 1;
                g.1 += u64::from(f.employees);
                assert_eq!(f.ownership, m.groups[f.group as usize].kind);
            } else {
                assert_eq!(f.group, NONE, "firm {} of an unknown group", f.id);
            }
        }
        for (g, &(n, e)) in m.groups.iter().zip(&per_group) {
            assert_eq!((g.establishments, u64::from(g.employees)), (n, e));
        }
        let r = &out.row;
        let shares =
            r.large_firm_employment_share + r.sme_employment_share + r.micro_employment_share;
        assert!((shares - 1.0).abs() < 1e-9);
        let classes = r.enterprise_share_micro
            + r.enterprise_share_sme
            + r.enterprise_share_midsize
            + r.enterprise_share_large;
        assert!(
            (classes - 1.0).abs() < 1e-9,
            "enterprise classes sum to {classes}"
        );
        assert_eq!(
            r.groups,
            per_group.iter().filter(|g| g.0 > 0).count() as u64
        );
        assert_eq!(out.sectors.iter().map(|x| x.employment).sum::<u64>(), jobs);
        assert_eq!(
            out.sectors.iter().map(|x| x.establishments).sum::<u64>(),
            r.firms
        );
        assert_eq!(
            out.sectors.iter().map(|x| x.enterprises).sum::<u64>(),
            r.enterprises
        );
        for c in &m.institutions.clusters {
            assert!(c.instrument == NONE || (c.instrument as usize) < m.scenario.instruments.len());
        }
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

    /// With an instrument of each kind and a busy market for firms: groups,
    /// plants, calls, projects and evaluations keep every invariant, and
    /// the instruments label what they may.
    #[test]
    fn invariants_hold_with_instruments_and_groups() {
        let mut sets = vec![
            "run.end_year=2015",
            "regimes.clusters.acquisition_rate=0.1",
            "regimes.clusters.plant_opening_rate=0.3",
            "enterprises.group_merger_factor=0.5",
        ];
        for (name, kind, calls, labels, selection) in [
            ("a", "spl", "[1991, 1995]", "[3, 2]", "declining"),
            ("b", "pole", "[2000]", "[4]", "strongest"),
            ("c", "grappe", "[2005]", "[5]", "random"),
        ] {
            for set in [
                format!("instruments.{name}.kind=\"{kind}\""),
                format!("instruments.{name}.calls={calls}"),
                format!("instruments.{name}.labels={labels}"),
                format!("instruments.{name}.selection=\"{selection}\""),
                format!("instruments.{name}.min_firms=3"),
                format!("instruments.{name}.min_lq=0.5"),
                format!("instruments.{name}.application_rate=1.0"),
                format!("instruments.{name}.project_rate=0.5"),
                format!("instruments.{name}.evaluations=[2010]"),
                format!("instruments.{name}.evaluation_thresholds=[0.5]"),
            ] {
                sets.push(Box::leak(set.into_boxed_str()));
            }
        }
        let mut m = Model::new(small(&sets)).unwrap();
        let (mut projects, mut acquisitions, mut openings) = (0, 0, 0);
        while !m.is_done() {
            let out = m.step().unwrap();
            check_invariants(&m, &out);
            projects += out.row.cluster_projects;
            acquisitions += out.row.acquisitions;
            openings += out.row.plant_openings;
            if out.row.year < 1991 {
                assert_eq!(m.institutions.labelled_total, vec![0, 0, 0]);
            }
        }
        let labelled = &m.institutions.labelled_total;
        assert!(labelled[0] > 0 && labelled[0] <= 5, "{labelled:?}");
        assert!(labelled[1] > 0 && labelled[1] <= 4, "{labelled:?}");
        assert!(labelled[2] > 0 && labelled[2] <= 5, "{labelled:?}");
        assert!(projects > 0 && acquisitions > 0 && openings > 0);
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

    fn rows_with_threads(threads: usize) -> Vec<crate::statistics::StepRow> {
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

    /// Replicates share one map: a model's territory follows the territory
    /// seed, not the run seed.
    #[test]
    fn the_map_follows_the_territory_seed_not_the_run_seed() {
        let map = |run_seed: i64, territory_seed: i64| {
            let mut s = crate::scenario::Scenario::default();
            s.population.firms = 200;
            s.population.citizens = 2000;
            s.run.seed = run_seed;
            s.territory.seed = territory_seed;
            let m = crate::state::model::Model::new(s).unwrap();
            let centres: Vec<(f64, f64, f64)> = m
                .territory
                .regions
                .iter()
                .map(|r| (r.x, r.y, r.weight))
                .collect();
            let firms: Vec<(f32, f32)> = m.firms.iter().map(|f| (f.x, f.y)).collect();
            (centres, firms)
        };
        let (a, firms_a) = map(1, 1);
        let (b, firms_b) = map(2, 1);
        assert_eq!(a, b, "another run seed moved the regions");
        assert_ne!(firms_a, firms_b, "the run seed places the firms");
        let (c, _) = map(1, 2);
        assert_eq!(a.len(), c.len());
        assert!(
            a.iter().zip(&c).all(|(p, q)| (p.0, p.1) != (q.0, q.1)),
            "another territory seed kept a region in place"
        );
    }
}
