//! Institutions as state: one local authority per region (its activity,
//! budget shares, tiers-lieux and the opinion of its residents), cluster
//! organisations, and research and training organisations. What they do in
//! a step is `mechanisms::institutions` and `mechanisms::governance`.

use rand::RngExt;

use crate::scenario::{N_SECTORS, Scenario};
use crate::state::sectors::{Profile, SectorTable};
use crate::state::territory::Territory;
use crate::util::apportion::apportion;
use crate::util::profile::profile_near;
use crate::util::rng::{Purpose, Streams};

/// A cluster organisation (SPL, pôle de compétitivité, grappe) for one
/// sector in one region.
#[derive(Debug, Clone)]
pub struct ClusterOrg {
    pub id: u32,
    pub region: u16,
    pub sector: u8,
    /// Year it was created.
    pub created: i64,
    /// Member firms at the end of the last membership update.
    pub members: u32,
    /// Instrument that labelled it (index among the scenario's
    /// `[instruments]`, in name order), or `NONE` for the generic cluster
    /// policy.
    pub instrument: u32,
    /// Last year of its public animation funding.
    pub funded_until: i64,
    /// Collaborative projects started and events held in the last step.
    pub projects: u32,
    pub events: u32,
    /// Activity (projects and events per member per year) summed over the
    /// years since its labelling or the last evaluation, and those years.
    pub activity_sum: f64,
    pub activity_years: f64,
}

impl ClusterOrg {
    /// An organisation created in `year`, without activity yet.
    pub fn new(id: u32, region: u16, sector: u8, year: i64, instrument: u32) -> Self {
        Self {
            id,
            region,
            sector,
            created: year,
            members: 0,
            instrument,
            funded_until: 0,
            projects: 0,
            events: 0,
            activity_sum: 0.0,
            activity_years: 0.0,
        }
    }

    /// Projects and events per member per year in the last step.
    pub fn activity(&self, dt: f64) -> f64 {
        f64::from(self.projects + self.events) / f64::from(self.members.max(1)) / dt
    }
}

/// A research or training organisation (university, lab, technical centre).
#[derive(Debug, Clone)]
pub struct ResearchOrg {
    pub region: u16,
    pub x: f32,
    pub y: f32,
    pub knowledge: Profile,
}

/// All institutions but the State.
#[derive(Debug, Clone)]
pub struct Institutions {
    /// Activity of each region's local authority, in [0, 1]: the share of
    /// its potential development budget and powers in use.
    pub authority_activity: Vec<f64>,
    /// Active cluster organisations, sorted by id.
    pub clusters: Vec<ClusterOrg>,
    pub next_cluster_id: u32,
    pub research: Vec<ResearchOrg>,
    /// Research organisations of each region.
    pub research_by_region: Vec<Vec<u32>>,
    /// Each local authority's budget shares (see `mechanisms::governance`).
    pub budget_shares: Vec<[f64; 5]>,
    /// Tiers-lieux of each region.
    pub tiers_lieux: Vec<u32>,
    /// Mean environmental concern of each region's residents (last step).
    pub mean_concern: Vec<f64>,
    /// Share of each region's residents who took part (last step).
    pub participation: Vec<f64>,
    /// Organisations labelled so far by each instrument (scenario order).
    pub labelled_total: Vec<u32>,
    /// Employment of each region–sector at the last new years (oldest
    /// first), for instruments that select declining territories.
    pub cell_history: std::collections::VecDeque<Vec<f64>>,
}

impl Institutions {
    /// Local authorities at the first regime's level, no cluster
    /// organisation, research organisations placed by population.
    pub fn new(
        s: &Scenario,
        streams: &Streams,
        territory: &Territory,
        sectors: &SectorTable,
    ) -> Self {
        let n = territory.len();
        let weights: Vec<f64> = territory.regions.iter().map(|r| r.weight).collect();
        let counts = apportion(s.institutions.research_organisations as u64, &weights);
        let mut research = Vec::new();
        let mut research_by_region = vec![Vec::new(); n];
        for (r, &count) in counts.iter().enumerate() {
            for _ in 0..count {
                let id = research.len() as u32;
                let mut rng = streams.rng(Purpose::InitResearch, 0, u64::from(id));
                // A research organisation spans two sectors' knowledge bases.
                let a = rng.random_range(0..N_SECTORS);
                let b = rng.random_range(0..N_SECTORS);
                let mut centroid = sectors.knowledge[a];
                for (c, x) in centroid.iter_mut().zip(sectors.knowledge[b]) {
                    *c += x;
                }
                let (x, y) = territory.place(r, false, &mut rng);
                research.push(ResearchOrg {
                    region: r as u16,
                    x,
                    y,
                    knowledge: profile_near(
                        &centroid,
                        s.institutions.research_knowledge_dispersion,
                        &mut rng,
                    ),
                });
                research_by_region[r].push(id);
            }
        }
        Self {
            authority_activity: vec![s.regimes.large_firm.local_authority_budget; n],
            clusters: Vec::new(),
            next_cluster_id: 0,
            research,
            research_by_region,
            budget_shares: vec![[0.0; 5]; n],
            tiers_lieux: vec![0; n],
            mean_concern: vec![s.citizens.initial_concern; n],
            participation: vec![0.0; n],
            labelled_total: vec![0; s.instruments.len()],
            cell_history: std::collections::VecDeque::new(),
        }
    }

    /// Position of a cluster id in `clusters`.
    pub fn cluster_position(&self, id: u32) -> Option<usize> {
        self.clusters.binary_search_by_key(&id, |c| c.id).ok()
    }
}
