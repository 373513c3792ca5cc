//! The statistics of a step: every column of the output files is computed
//! in this folder, and only here (definitions and units: `docs/OUTPUTS.md`):
//! `timeseries.csv` and `regions.csv` in this file, `exchanges.csv`,
//! `firms.csv` and `resilience.csv` in their own files. They read the state
//! the step left and write nothing back but the regional opinion.

use rayon::prelude::*;
use serde::Serialize;

use crate::mechanisms::shocks::EventRow;
use crate::state::agents::{NONE, SizeClass};
use crate::state::context::{Market, StepContext};
use crate::state::model::Model;
use crate::state::network::Origin;
use crate::state::tally::Tally;
use crate::util::geometry::distance;
use enterprises::{EnterpriseStats, SectorRow, enterprise_stats, instrument_counts, sector_rows};
use opinion::{OpinionSums, RegionalOpinion};

pub mod enterprises;
pub mod exchanges;
pub mod firms;
pub mod opinion;
pub mod resilience;

/// One row of output per step: the national series and the regional rows.
#[derive(Debug, Clone)]
pub struct StepOutput {
    pub row: StepRow,
    pub regions: Vec<RegionRow>,
    /// One row per sector.
    pub sectors: Vec<SectorRow>,
    /// Shocks that started in this step.
    pub events: Vec<EventRow>,
}

/// One row of `timeseries.csv`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StepRow {
    pub step: u32,
    pub year: i64,
    pub regime: &'static str,
    pub firms: u64,
    pub employment: u64,
    pub large_firm_employment_share: f64,
    pub sme_employment_share: f64,
    pub micro_employment_share: f64,
    pub firm_entries: u32,
    pub firm_exits: u32,
    pub regional_employment_hhi: f64,
    pub ties: u64,
    pub ties_per_firm: f64,
    pub nonlocal_tie_share: f64,
    pub innovations: u32,
    pub cluster_organisations: u64,
    pub unemployment_rate: f64,
    pub output: f64,
    pub labour_force: u64,
    pub large_firms: u64,
    pub smes: u64,
    pub micro_firms: u64,
    pub spinoffs: u32,
    pub startups: u32,
    pub declared_entries: u32,
    pub exits_bankruptcy: u32,
    pub exits_shrinking: u32,
    pub exits_owner: u32,
    pub exits_offshored: u32,
    pub relocations: u32,
    pub hires: u32,
    pub separations: u32,
    pub migrations: u32,
    pub retirements: u32,
    pub entrants: u32,
    pub mean_firm_size: f64,
    pub mean_productivity: f64,
    pub wage: f64,
    pub mean_skill: f64,
    pub large_firm_local_sourcing: f64,
    pub local_authority_activity: f64,
    pub cluster_members_share: f64,
    pub cluster_organisations_created: u32,
    pub cluster_organisations_dissolved: u32,
    pub events: u32,
    pub ties_formed: u32,
    pub ties_dissolved: u32,
    pub ties_spatial_share: f64,
    pub ties_partner_of_partner_share: f64,
    pub ties_cluster_share: f64,
    pub ties_group_share: f64,
    pub ties_event_share: f64,
    pub mean_tie_distance_km: f64,
    pub research_links: u64,
    pub decay_length_km: f64,
    pub ties_ecosystem_share: f64,
    pub exits_shock: u32,
    pub symbiosis_exchanges: u32,
    pub exchanged_tonnes: f64,
    pub waste_generated: f64,
    pub waste_reused: f64,
    pub waste_reuse_rate: f64,
    pub virgin_resource_use: f64,
    pub virgin_resource_per_output: f64,
    pub water_use: f64,
    pub co2_emissions: f64,
    pub citizen_participation_rate: f64,
    pub tiers_lieux: u64,
    pub conflicts: u32,
    pub mean_environmental_concern: f64,
    pub exchanges_formed: u32,
    pub exchanges_broken: u32,
    pub material_cost_share: f64,
    pub energy_price_index: f64,
    pub landfill_tax: f64,
    pub carbon_price: f64,
    pub enterprises: u64,
    pub establishments: u64,
    pub groups: u64,
    pub enterprise_share_micro: f64,
    pub enterprise_share_sme: f64,
    pub enterprise_share_midsize: f64,
    pub enterprise_share_large: f64,
    pub enterprise_share_over_1000: f64,
    pub group_employment_share: f64,
    pub industry_small_establishment_share: f64,
    pub acquisitions: u32,
    pub plant_openings: u32,
    pub spl_labelled_total: u64,
    pub spl_active: u64,
    pub poles_active: u64,
    pub grappes_active: u64,
    pub cluster_projects: u32,
    pub ties_project_share: f64,
    pub symbiosis_firm_share: f64,
}

/// One row of `regions.csv`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegionRow {
    pub step: u32,
    pub year: i64,
    pub region: String,
    pub firms: u64,
    pub employment: u64,
    pub ties: u64,
    pub local_ties: u64,
    pub residents: u64,
    pub unemployment_rate: f64,
    pub large_firm_employment_share: f64,
    pub cluster_organisations: u64,
    pub local_authority_activity: f64,
    pub output: f64,
    pub co2_emissions: f64,
    pub waste_reused: f64,
    pub tiers_lieux: u64,
    pub citizen_participation_rate: f64,
    pub mean_environmental_concern: f64,
    pub rank: u32,
    pub x_km: f64,
    pub y_km: f64,
    pub region_name: String,
    pub region_group: String,
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 && a.is_finite() { a / b } else { 0.0 }
}

/// What the statistics sum over the citizens, in citizen order.
#[derive(Default)]
struct CitizenStats {
    region_residents: Vec<u64>,
    region_unemployed: Vec<u64>,
    unemployed: u64,
    skill_sum: f64,
    participants: u64,
    concern_sum: f64,
    opinion: RegionalOpinion,
}

/// Compute the rows of the step just simulated, and each region's mean
/// concern and participation rate (summed in the same pass over the
/// citizens; the model keeps them for the next step).
pub fn collect(
    m: &Model,
    ctx: &StepContext,
    market: &Market,
    tally: &Tally,
) -> (StepOutput, RegionalOpinion) {
    let n_regions = m.territory.len();
    // Citizens on one side, firms then ties on the other: each side sums
    // in its own fixed order, so the bits do not depend on the threads.
    let (people, (firms, ties, ent)) = rayon::join(
        || citizen_stats(m, n_regions),
        || {
            (
                firm_stats(m, n_regions),
                tie_stats(m, n_regions),
                enterprise_stats(m),
            )
        },
    );
    let mut row = step_row(m, ctx, market, tally, &people, &firms, &ties);
    enterprise_columns(m, tally, &ent, &ties, &mut row);
    let regions = region_rows(m, ctx, &people, &firms, &ties);
    let out = StepOutput {
        row,
        regions,
        sectors: sector_rows(ctx, &ent),
        events: Vec::new(),
    };
    (out, people.opinion)
}

/// One pass over the citizens: unemployment, skills, concern and
/// participation, and each region's opinion.
fn citizen_stats(m: &Model, n_regions: usize) -> CitizenStats {
    let mut c_stats = CitizenStats {
        region_unemployed: vec![0u64; n_regions],
        ..CitizenStats::default()
    };
    let mut opinion = OpinionSums::new(n_regions);
    for c in &m.citizens {
        opinion.add(c.region as usize, c.concern, c.participant);
        if !c.employed() {
            c_stats.region_unemployed[c.region as usize] += 1;
            c_stats.unemployed += 1;
        }
        c_stats.skill_sum += f64::from(c.skill);
        c_stats.participants += u64::from(c.participant);
        c_stats.concern_sum += f64::from(c.concern);
    }
    c_stats.region_residents = opinion.residents().to_vec();
    c_stats.opinion = opinion.finish();
    c_stats
}

/// What the statistics sum over the firms, in firm order.
struct FirmStats {
    /// Employment and firms by size class (micro, SME, large).
    emp_class: [u64; 3],
    count_class: [u64; 3],
    region_firms: Vec<u64>,
    region_emp: Vec<u64>,
    /// Employment in large firms.
    region_large: Vec<u64>,
    region_output: Vec<f64>,
    /// Employment-weighted sums of productivity, and of local sourcing
    /// over large firms (with their employment).
    prod_sum: f64,
    sourcing: f64,
    large_emp: f64,
    members: u64,
    research_links: u64,
}

fn firm_stats(m: &Model, n_regions: usize) -> FirmStats {
    let mut emp_class = [0u64; 3];
    let mut count_class = [0u64; 3];
    let mut region_firms = vec![0u64; n_regions];
    let mut region_emp = vec![0u64; n_regions];
    let mut region_large = vec![0u64; n_regions];
    let mut region_output = vec![0f64; n_regions];
    let mut prod_sum = 0.0;
    let (mut sourcing, mut large_emp) = (0.0, 0.0);
    let mut members = 0u64;
    let mut research_links = 0u64;
    for f in &m.firms {
        let e = u64::from(f.employees);
        let class = match SizeClass::of(f.employees) {
            SizeClass::Micro => 0,
            SizeClass::Sme => 1,
            SizeClass::Large => 2,
        };
        emp_class[class] += e;
        count_class[class] += 1;
        let r = f.region as usize;
        region_firms[r] += 1;
        region_emp[r] += e;
        region_output[r] += f.sales;
        prod_sum += f.productivity * e as f64;
        if class == 2 {
            region_large[r] += e;
            sourcing += f64::from(f.embeddedness) * e as f64;
            large_emp += e as f64;
        }
        if f.cluster != NONE {
            members += 1;
        }
        if f.research != NONE {
            research_links += 1;
        }
    }
    FirmStats {
        emp_class,
        count_class,
        region_firms,
        region_emp,
        region_large,
        region_output,
        prod_sum,
        sourcing,
        large_emp,
        members,
        research_links,
    }
}

/// What the statistics sum over the ties, in tie order.
struct TieStats {
    /// Ties with an end in each region, and those with both.
    region_ties: Vec<u64>,
    local_ties: Vec<u64>,
    nonlocal: u64,
    dist_sum: f64,
    by_origin: [u64; 7],
}

fn tie_stats(m: &Model, n_regions: usize) -> TieStats {
    let mut region_ties = vec![0u64; n_regions];
    let mut local_ties = vec![0u64; n_regions];
    let mut nonlocal = 0u64;
    let mut dist_sum = 0.0;
    let mut by_origin = [0u64; 7];
    // Looking up both firms of every tie is the costly part: done in
    // parallel; the sums below then run in tie order, as before.
    let located: Vec<(u16, u16, f64)> = m
        .network
        .ends()
        .par_iter()
        .map(|&(i, j)| {
            let (a, b) = (&m.firms[i as usize], &m.firms[j as usize]);
            (a.region, b.region, distance((a.x, a.y), (b.x, b.y)))
        })
        .collect();
    for (t, (ra, rb, d)) in m.network.ties().iter().zip(located) {
        let (ra, rb) = (ra as usize, rb as usize);
        if ra == rb {
            region_ties[ra] += 1;
            local_ties[ra] += 1;
        } else {
            region_ties[ra] += 1;
            region_ties[rb] += 1;
            nonlocal += 1;
        }
        dist_sum += d;
        by_origin[t.origin as usize] += 1;
    }
    TieStats {
        region_ties,
        local_ties,
        nonlocal,
        dist_sum,
        by_origin,
    }
}

/// The row of `timeseries.csv`.
fn step_row(
    m: &Model,
    ctx: &StepContext,
    market: &Market,
    tally: &Tally,
    people: &CitizenStats,
    fs: &FirmStats,
    ts: &TieStats,
) -> StepRow {
    let n_regions = m.territory.len();
    let &CitizenStats {
        unemployed,
        skill_sum,
        participants,
        concern_sum,
        ..
    } = people;
    let &FirmStats {
        emp_class,
        count_class,
        ref region_emp,
        prod_sum,
        sourcing,
        large_emp,
        members,
        research_links,
        ..
    } = fs;
    let &TieStats {
        nonlocal,
        dist_sum,
        by_origin,
        ..
    } = ts;
    let labour_force = m.citizens.len() as u64;
    let employment: u64 = emp_class.iter().sum();
    let emp_f = employment as f64;
    let firms = m.firms.len() as u64;
    let hhi = if employment > 0 {
        region_emp.iter().map(|&e| (e as f64 / emp_f).powi(2)).sum()
    } else {
        0.0
    };
    let ties = m.network.ties().len() as u64;
    let ties_f = ties as f64;
    let share = |o: Origin| ratio(by_origin[o as usize] as f64, ties_f);
    let sym = &tally.symbiosis;
    let activity = &m.institutions.authority_activity;
    StepRow {
        step: ctx.step,
        year: ctx.year,
        regime: ctx.regime.name(),
        firms,
        employment,
        large_firm_employment_share: ratio(emp_class[2] as f64, emp_f),
        sme_employment_share: ratio(emp_class[1] as f64, emp_f),
        micro_employment_share: ratio(emp_class[0] as f64, emp_f),
        firm_entries: tally.entries_spinoff + tally.entries_startup + tally.entries_declared,
        firm_exits: tally.exits_bankrupt
            + tally.exits_shrunk
            + tally.exits_owner
            + tally.exits_offshored,
        regional_employment_hhi: hhi,
        ties,
        ties_per_firm: ratio(2.0 * ties_f, firms as f64),
        nonlocal_tie_share: ratio(nonlocal as f64, ties_f),
        innovations: tally.innovations,
        cluster_organisations: m.institutions.clusters.len() as u64,
        unemployment_rate: ratio(unemployed as f64, labour_force as f64),
        output: market.output,
        labour_force,
        large_firms: count_class[2],
        smes: count_class[1],
        micro_firms: count_class[0],
        spinoffs: tally.entries_spinoff,
        startups: tally.entries_startup,
        declared_entries: tally.entries_declared,
        exits_bankruptcy: tally.exits_bankrupt,
        exits_shrinking: tally.exits_shrunk,
        exits_owner: tally.exits_owner,
        exits_offshored: tally.exits_offshored,
        relocations: tally.relocations,
        hires: tally.hires,
        separations: tally.separations,
        migrations: tally.migrations,
        retirements: tally.retirements,
        entrants: tally.entrants,
        mean_firm_size: ratio(emp_f, firms as f64),
        mean_productivity: ratio(prod_sum, emp_f),
        wage: market.wage,
        mean_skill: ratio(skill_sum, labour_force as f64),
        large_firm_local_sourcing: ratio(sourcing, large_emp),
        local_authority_activity: ratio(activity.iter().sum(), n_regions as f64),
        cluster_members_share: ratio(members as f64, firms as f64),
        cluster_organisations_created: tally.clusters_created,
        cluster_organisations_dissolved: tally.clusters_dissolved,
        events: tally.events,
        ties_formed: tally.ties_formed,
        ties_dissolved: tally.ties_dissolved,
        ties_spatial_share: share(Origin::Spatial),
        ties_partner_of_partner_share: share(Origin::PartnerOfPartner),
        ties_cluster_share: share(Origin::ClusterCoMember),
        ties_group_share: share(Origin::GroupCoMember),
        ties_event_share: share(Origin::Event),
        mean_tie_distance_km: ratio(dist_sum, ties_f),
        research_links,
        decay_length_km: ctx.kernel.decay_km,
        ties_ecosystem_share: share(Origin::Ecosystem),
        exits_shock: tally.exits_shock,
        symbiosis_exchanges: sym.exchanges,
        exchanged_tonnes: sym.exchanged,
        waste_generated: sym.waste,
        waste_reused: sym.reused,
        waste_reuse_rate: ratio(sym.reused, sym.waste),
        virgin_resource_use: sym.virgin,
        virgin_resource_per_output: ratio(sym.virgin, market.output),
        water_use: sym.water,
        co2_emissions: sym.co2,
        citizen_participation_rate: ratio(participants as f64, labour_force as f64),
        tiers_lieux: m
            .institutions
            .tiers_lieux
            .iter()
            .map(|&x| u64::from(x))
            .sum(),
        conflicts: tally.conflicts,
        mean_environmental_concern: ratio(concern_sum, labour_force as f64),
        exchanges_formed: sym.formed,
        exchanges_broken: sym.broken,
        material_cost_share: ratio(sym.material_cost, market.output),
        energy_price_index: ctx.energy_factor,
        landfill_tax: ctx.levers.landfill_tax,
        carbon_price: ctx.levers.carbon_price,
        // Filled by `enterprise_columns`.
        ..StepRow::default()
    }
}

/// The enterprise, instrument and symbiosis columns of the row.
fn enterprise_columns(
    m: &Model,
    tally: &Tally,
    st: &EnterpriseStats,
    ts: &TieStats,
    row: &mut StepRow,
) {
    let ent_emp = st.class_emp.iter().sum::<u64>() as f64;
    let emp_f = row.employment as f64;
    let firms = m.firms.len() as f64;
    let ties_f = m.network.ties().len() as f64;
    let (spl_labelled, spl_active) = instrument_counts(m, "spl");
    row.enterprises = st.independents + st.live_groups;
    row.establishments = m.firms.len() as u64;
    row.groups = st.live_groups;
    row.enterprise_share_micro = ratio(st.class_emp[0] as f64, ent_emp);
    row.enterprise_share_sme = ratio(st.class_emp[1] as f64, ent_emp);
    row.enterprise_share_midsize = ratio(st.class_emp[2] as f64, ent_emp);
    row.enterprise_share_large = ratio(st.class_emp[3] as f64, ent_emp);
    row.enterprise_share_over_1000 = ratio(st.over_1000 as f64, ent_emp);
    row.group_employment_share = ratio(st.in_groups as f64, emp_f);
    row.industry_small_establishment_share = ratio(st.industry_small as f64, st.industry as f64);
    row.acquisitions = tally.acquisitions;
    row.plant_openings = tally.plant_openings;
    row.spl_labelled_total = spl_labelled;
    row.spl_active = spl_active;
    row.poles_active = instrument_counts(m, "pole").1;
    row.grappes_active = instrument_counts(m, "grappe").1;
    row.cluster_projects = tally.projects;
    row.ties_project_share = ratio(ts.by_origin[Origin::Project as usize] as f64, ties_f);
    row.symbiosis_firm_share = ratio(st.exchanging as f64, firms);
}

/// The rows of `regions.csv`.
fn region_rows(
    m: &Model,
    ctx: &StepContext,
    people: &CitizenStats,
    fs: &FirmStats,
    ts: &TieStats,
) -> Vec<RegionRow> {
    let n_regions = m.territory.len();
    let (region_residents, region_unemployed) =
        (&people.region_residents, &people.region_unemployed);
    let opinion = &people.opinion;
    let (region_firms, region_emp) = (&fs.region_firms, &fs.region_emp);
    let (region_large, region_output) = (&fs.region_large, &fs.region_output);
    let (region_ties, local_ties) = (&ts.region_ties, &ts.local_ties);
    let region_reused = &m.region_reused;
    let mut region_clusters = vec![0u64; n_regions];
    for c in &m.institutions.clusters {
        region_clusters[c.region as usize] += 1;
    }
    let activity = &m.institutions.authority_activity;
    (0..n_regions)
        .map(|r| {
            let reg = &m.territory.regions[r];
            RegionRow {
                step: ctx.step,
                year: ctx.year,
                region: reg.name.clone(),
                rank: reg.rank as u32,
                x_km: reg.x + m.territory.origin.0,
                y_km: reg.y + m.territory.origin.1,
                firms: region_firms[r],
                employment: region_emp[r],
                ties: region_ties[r],
                local_ties: local_ties[r],
                residents: region_residents[r],
                unemployment_rate: ratio(region_unemployed[r] as f64, region_residents[r] as f64),
                large_firm_employment_share: ratio(region_large[r] as f64, region_emp[r] as f64),
                cluster_organisations: region_clusters[r],
                local_authority_activity: activity[r],
                output: region_output[r],
                co2_emissions: m.region_co2[r],
                waste_reused: region_reused[r],
                tiers_lieux: u64::from(m.institutions.tiers_lieux[r]),
                citizen_participation_rate: opinion.participation[r],
                mean_environmental_concern: opinion.mean_concern[r],
                region_name: reg.label.clone(),
                region_group: reg.group.clone(),
            }
        })
        .collect()
}
