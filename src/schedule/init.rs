//! Initial state: firms with a heavy-tailed size distribution per sector,
//! located by the urban hierarchy, and the labour force that works for them.
//!
//! Sector employment is set by the 1950 demand shares so that the economy
//! starts near balance; within a sector, sizes follow a truncated discrete
//! Pareto law whose scale is solved so that sizes add up exactly to the
//! sector's employment.

use rand::RngExt;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::mechanisms::demography;
use crate::scenario::{N_SECTORS, Scenario};
use crate::state::agents::{Citizen, Firm, NONE, Ownership, SizeClass};
use crate::state::enterprise::{Group, recount};
use crate::state::sectors::SectorTable;
use crate::state::territory::Territory;
use crate::util::apportion::{apportion, bounded_apportion, pareto_sizes};
use crate::util::draw::draw_cumulative;
use crate::util::profile::profile_near;
use crate::util::rng::{Purpose, Streams};

/// The initial firms and citizens.
pub struct InitialPopulation {
    pub firms: Vec<Firm>,
    /// The groups the firms were drawn into (the national groups of each
    /// sector, then the foreign ones), counted.
    pub groups: Vec<Group>,
    /// The buffer the firms were drawn into before being sorted by region,
    /// handed to the model as its spare firm buffer.
    pub spare: Vec<Firm>,
    pub citizens: Vec<Citizen>,
}

/// Build the initial population: firms drawn sector by sector and stored
/// by region, the firms declared by name that exist at the start, then the
/// labour force.
pub fn populate(
    s: &Scenario,
    streams: &Streams,
    territory: &Territory,
    sectors: &SectorTable,
) -> Result<InitialPopulation> {
    let init = Init {
        s,
        streams,
        territory,
        sectors,
    };
    let place = Placement::new(s, territory);
    // Room for the declared firms and the first steps' new firms: this
    // buffer and the sorted one below are the two the compaction
    // alternates between (see `bookkeeping::compact`).
    let n_firms = s.population.firms as u64;
    let room = n_firms as usize + n_firms as usize / 8 + s.declared_firms.len();
    let drawn = init.draw_firms(&place, room)?;
    let (mut firms, spare) = store_by_region(drawn, territory.len(), room);
    init.add_declared_firms(&mut firms)?;
    let citizens = init.labour_force(&firms, &place.urban);
    let groups = initial_groups(s, &firms);
    Ok(InitialPopulation {
        firms,
        groups,
        spare,
        citizens,
    })
}

/// What building the initial population reads.
struct Init<'a> {
    s: &'a Scenario,
    streams: &'a Streams,
    territory: &'a Territory,
    sectors: &'a SectorTable,
}

/// Cumulative weights of the regions where new firms are placed: by
/// population for most firms, more so for large ones (urban bias), evenly
/// for rural sectors.
struct Placement {
    urban: Vec<f64>,
    large: Vec<f64>,
    rural: Vec<f64>,
    /// Group ranks within a sector: group-owned plants are spread over a
    /// sector's groups with weights rank^−initial_group_zipf.
    groups: Vec<f64>,
}

impl Placement {
    fn new(s: &Scenario, territory: &Territory) -> Self {
        let n_regions = territory.len();
        let weights: Vec<f64> = territory.regions.iter().map(|r| r.weight).collect();
        let cumulate = |w: &[f64]| -> Vec<f64> {
            w.iter()
                .scan(0.0, |acc, x| {
                    *acc += x;
                    Some(*acc)
                })
                .collect()
        };
        let urban = cumulate(&weights);
        let bias = 1.0 + s.firms.large_firm_urban_bias;
        let large_w: Vec<f64> = weights.iter().map(|w| w.powf(bias)).collect();
        let large = cumulate(&large_w);
        let rural = cumulate(&vec![1.0; n_regions]);
        let ranks: Vec<f64> = (1..=s.firms.groups_per_sector)
            .map(|k| (k as f64).powf(-s.enterprises.initial_group_zipf))
            .collect();
        Self {
            urban,
            large,
            rural,
            groups: cumulate(&ranks),
        }
    }
}

impl Init<'_> {
    /// Firms and employment of each sector: firms by the sectors' firm
    /// shares; employment by the start year's demand, but every firm needs
    /// one employee and takes at most `max_initial_size`.
    fn sector_sizes(&self) -> (Vec<u64>, Vec<u64>) {
        let (s, sectors) = (self.s, self.sectors);
        let n_firms = s.population.firms as u64;
        let n_citizens = s.population.citizens as u64;
        let employed =
            ((n_citizens as f64) * (1.0 - s.population.initial_unemployment)).floor() as u64;
        let cap = s.firms.max_initial_size as u64;
        let firms_per_sector = apportion(n_firms, &sectors.firm_share);
        // Sector employment follows the start year's demand, but every firm
        // needs one employee and takes at most `cap`.
        let demand = sectors.demand_shares(s.run.start_year as f64);
        let min: Vec<u64> = firms_per_sector.clone();
        let max: Vec<u64> = firms_per_sector.iter().map(|n| n * cap).collect();
        let emp_per_sector = bounded_apportion(employed, &demand, &min, &max);
        (firms_per_sector, emp_per_sector)
    }

    /// The firms of every sector in drawing order (their ids): within a
    /// sector, sizes follow a truncated Pareto law adding up to its
    /// employment.
    fn draw_firms(&self, place: &Placement, room: usize) -> Result<Vec<Firm>> {
        let (s, streams, sectors) = (self.s, self.streams, self.sectors);
        let n_firms = s.population.firms as u64;
        let cap = s.firms.max_initial_size as u64;
        let (firms_per_sector, emp_per_sector) = self.sector_sizes();
        let mut firms = Vec::with_capacity(room);
        for sector in 0..N_SECTORS {
            let n = firms_per_sector[sector] as usize;
            if n == 0 {
                continue;
            }
            let mut rng = streams.rng(Purpose::InitFirms, 0, sector as u64);
            let u: Vec<f64> = (0..n).map(|_| 1.0 - rng.random::<f64>()).collect();
            let sizes = pareto_sizes(&u, sectors.size_tail[sector], cap, emp_per_sector[sector]);
            for size in sizes {
                let id = firms.len() as u32;
                firms.push(self.initial_firm(place, sector, size, id));
            }
        }
        if firms.len() as u64 != n_firms {
            return Err(Error::Internal(format!(
                "initialised {} firms instead of {n_firms}",
                firms.len()
            )));
        }
        Ok(firms)
    }

    /// An initial firm of `sector` with `size` employees, drawn from the
    /// stream of its id: its region and place, owner and group,
    /// productivity and knowledge.
    fn initial_firm(&self, place: &Placement, sector: usize, size: u64, id: u32) -> Firm {
        let (s, streams, territory, sectors) = (self.s, self.streams, self.territory, self.sectors);
        let wage = s.firms.labour_share;
        let mut rng = streams.rng(Purpose::InitFirms, 1, u64::from(id));
        let class = SizeClass::of(size as u32);
        let table = if sectors.rural[sector] {
            &place.rural
        } else if class == SizeClass::Large {
            &place.large
        } else {
            &place.urban
        };
        let region = draw_cumulative(table, rng.random()).unwrap_or(0);
        let (x, y) = territory.place(region, sectors.rural[sector], &mut rng);
        let (p_group, p_foreign) = match class {
            SizeClass::Large => (s.firms.large_group_share, s.firms.large_foreign_share),
            SizeClass::Sme => (s.firms.sme_group_share, s.firms.sme_foreign_share),
            SizeClass::Micro => (0.0, 0.0),
        };
        let draw: f64 = rng.random();
        let gps = s.firms.groups_per_sector as u32;
        let rank = draw_cumulative(&place.groups, rng.random()).unwrap_or(0) as u32;
        let (ownership, group) = if draw < p_group {
            (Ownership::NationalGroup, sector as u32 * gps + rank)
        } else if draw < p_group + p_foreign {
            (
                Ownership::Foreign,
                (N_SECTORS as u32 + sector as u32) * gps + rank,
            )
        } else {
            (Ownership::Independent, NONE)
        };
        let sigma = s.firms.productivity_dispersion;
        let e: f64 = rng.sample(StandardNormal);
        let productivity = (sigma * e - 0.5 * sigma * sigma).exp();
        Firm {
            id,
            sector: sector as u8,
            region: region as u16,
            ownership,
            x,
            y,
            group,
            employees: size as u32,
            productivity,
            cash: s.firms.initial_cash * wage * size as f64,
            knowledge: profile_near(
                &sectors.knowledge[sector],
                s.firms.knowledge_dispersion,
                &mut rng,
            ),
            embeddedness: if ownership == Ownership::Independent {
                1.0
            } else {
                s.firms.initial_embeddedness as f32
            },
            ..Firm::FRESH
        }
    }

    /// Firms declared by name that exist at the start, with their staff.
    fn add_declared_firms(&self, firms: &mut Vec<Firm>) -> Result<()> {
        let (s, territory, sectors) = (self.s, self.territory, self.sectors);
        // Firms declared by name that exist at the start, with their staff.
        for (index, d) in s.declared_firms.values().enumerate() {
            if d.founded <= s.run.start_year {
                let id = firms.len() as u32;
                let firm = demography::declared_firm(
                    s,
                    territory,
                    sectors,
                    demography::DeclaredStart {
                        index,
                        id,
                        born: 0,
                        employees: d.employees as u32,
                        productivity: 1.0,
                    },
                )
                .ok_or_else(|| {
                    Error::Internal(format!("declared firm {index} could not be placed"))
                })?;
                firms.push(firm);
            }
        }
        Ok(())
    }

    /// The labour force: the employees of each firm live in its region;
    /// the others are spread by population weight (`urban`).
    fn labour_force(&self, firms: &[Firm], urban: &[f64]) -> Vec<Citizen> {
        let (s, streams) = (self.s, self.streams);
        let n_citizens = s.population.citizens as u64;
        let mut citizens = Vec::with_capacity(n_citizens as usize);
        let p = &s.population;
        let start = s.run.start_year;
        let make = |region: usize, employer: u32, sector: u8, index: u64| {
            let mut rng = streams.rng(Purpose::InitCitizens, 0, index);
            let age = rng.random_range(p.entry_age..p.retirement_age);
            let e: f64 = rng.sample(StandardNormal);
            let base = (s.labour.newcomer_skill_1950 + s.labour.skill_noise * e).clamp(0.0, 1.0);
            let years = (age - p.entry_age) as f64;
            let skill = 1.0 - (1.0 - base) * (1.0 - s.labour.skill_learning).powf(years);
            let mut c = Citizen::entrant(
                region as u16,
                skill,
                start - age,
                s.citizens.initial_concern,
                rng.random(),
            );
            c.employer = employer;
            c.last_sector = sector;
            c
        };
        // Each citizen draws from the stream of its index: the employees of
        // firm k are the citizens after those of firms 0..k, built in parallel.
        let mut first = Vec::with_capacity(firms.len());
        let mut acc = 0u64;
        for f in firms {
            first.push(acc);
            acc += u64::from(f.employees);
        }
        let staff = firms
            .par_iter()
            .zip(first.par_iter())
            .flat_map_iter(|(f, &first)| {
                (0..u64::from(f.employees))
                    .map(move |k| make(f.region as usize, f.id, f.sector, first + k))
            });
        citizens.par_extend(staff);
        // The regions of the unemployed come from one stream, in order.
        let mut rng = streams.rng(Purpose::InitCitizens, 1, 0);
        let start = citizens.len() as u64;
        let mut regions: Vec<usize> = (start..n_citizens.max(start))
            .map(|_| draw_cumulative(urban, rng.random()).unwrap_or(0))
            .collect();
        // Stored by region too.
        regions.sort_unstable();
        let seekers = regions
            .par_iter()
            .enumerate()
            .map(|(k, &region)| make(region, NONE, u8::MAX, start + k as u64));
        citizens.par_extend(seekers);
        citizens
    }
}

/// Firms stored by region (see `bookkeeping::compact`), in the order they
/// were drawn within a region; ids follow that order. Returns them and the
/// buffer they were drawn into (the model's spare buffer).
/// The initial groups: `groups_per_sector` national groups per sector,
/// then as many foreign ones; each has its head office in the region of its
/// largest establishment.
fn initial_groups(s: &Scenario, firms: &[Firm]) -> Vec<Group> {
    let gps = s.firms.groups_per_sector as usize;
    let n = 2 * N_SECTORS * gps;
    let mut head = vec![(0u32, 0u16); n];
    for f in firms {
        if let Some(h) = head.get_mut(f.group as usize)
            && f.employees > h.0
        {
            *h = (f.employees, f.region);
        }
    }
    let mut groups: Vec<Group> = (0..n)
        .map(|g| Group {
            kind: if g < N_SECTORS * gps {
                Ownership::NationalGroup
            } else {
                Ownership::Foreign
            },
            sector: ((g / gps) % N_SECTORS) as u8,
            head_region: head[g].1,
            founded: 0,
            employees: 0,
            establishments: 0,
            productivity: 1.0,
        })
        .collect();
    recount(&mut groups, firms);
    groups
}

fn store_by_region(firms: Vec<Firm>, n_regions: usize, room: usize) -> (Vec<Firm>, Vec<Firm>) {
    let regions: Vec<u32> = firms.iter().map(|f| u32::from(f.region)).collect();
    let (mut firms, spare) = {
        let mut sorted = Vec::with_capacity(room);
        crate::util::par::sort_by_small_key(&firms, &regions, n_regions, &mut sorted, Firm::FRESH);
        (sorted, firms)
    };
    for (k, f) in firms.iter_mut().enumerate() {
        f.id = k as u32;
    }
    (firms, spare)
}
