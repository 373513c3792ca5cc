//! The scenario: every parameter of a run, with its default.
//!
//! A scenario file only lists what it changes; [`load`] merges it over the
//! defaults defined here (after any `extends` parents and `--set` overrides),
//! checks every key, type and range once, and hands the model a fully
//! resolved [`Scenario`]. Units and valid ranges live in [`params`], next to
//! the documentation they generate.

pub mod instruments;
mod load;
mod manifest;
pub mod params;
pub mod regions_file;
pub mod transition;
pub mod trends;
mod validate;

pub use validate::synthetic_region_names;

pub use load::{
    Override, ResolvedScenario, ScenarioChain, load, parse_override, resolve_str, seed_override,
    suggest,
};
pub(crate) use load::{PLAN_MARKERS, found, invalid_toml, kind, leaf_ok, one_line};
pub(crate) use validate::{below_upper_bound, is_cross_field};

/// The defaults of every parameter as a TOML value.
pub fn defaults_value() -> crate::Result<toml::Value> {
    load::defaults_table().map(toml::Value::Table)
}

use std::collections::BTreeMap;

pub use instruments::Instrument;
use serde::{Deserialize, Serialize};
pub use transition::{
    BudgetShares, CitizenParams, DeclaredFirm, GovernanceParams, MATERIAL_NAMES, MaterialParams,
    Materials, N_MATERIALS, PerMaterial, Shock, SymbiosisParams,
};

/// The sector classification of the model, in the order used everywhere
/// (sector index = position in this list).
pub const SECTOR_NAMES: [&str; 12] = [
    "agriculture",
    "agrifood",
    "textiles",
    "chemicals",
    "metals",
    "mechanical",
    "electronics",
    "pharma",
    "energy",
    "construction",
    "services",
    "environmental_services",
];

/// Number of sectors.
pub const N_SECTORS: usize = SECTOR_NAMES.len();

/// The fields of the knowledge profile (cognitive base) of firms and
/// research organisations, in vector order.
pub const KNOWLEDGE_FIELDS: [&str; 8] = [
    "biology",
    "chemistry",
    "materials",
    "mechanics",
    "electronics",
    "energy",
    "craft",
    "organisation",
];

/// Dimension of knowledge profiles.
pub const N_KNOWLEDGE: usize = KNOWLEDGE_FIELDS.len();

/// The four regimes, in chronological order.
pub const REGIME_NAMES: [&str; 4] = ["large_firm", "decentralisation", "clusters", "transition"];

/// A complete, validated scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub run: RunParams,
    pub territory: TerritoryParams,
    pub population: PopulationParams,
    pub firms: FirmParams,
    pub enterprises: EnterpriseParams,
    pub labour: LabourParams,
    pub proximity: ProximityParams,
    pub cooperation: CooperationParams,
    pub innovation: InnovationParams,
    pub institutions: InstitutionParams,
    pub sectors: Sectors,
    pub regimes: Regimes,
    pub materials: Materials,
    pub symbiosis: SymbiosisParams,
    pub citizens: CitizenParams,
    pub governance: GovernanceParams,
    pub trends: TrendParams,
    pub shocks: BTreeMap<String, Shock>,
    pub declared_firms: BTreeMap<String, DeclaredFirm>,
    pub instruments: BTreeMap<String, Instrument>,
    pub output: OutputParams,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            run: RunParams::default(),
            territory: TerritoryParams::default(),
            population: PopulationParams::default(),
            firms: FirmParams::default(),
            enterprises: EnterpriseParams::default(),
            labour: LabourParams::default(),
            proximity: ProximityParams::default(),
            cooperation: CooperationParams::default(),
            innovation: InnovationParams::default(),
            institutions: InstitutionParams::default(),
            sectors: Sectors::default(),
            regimes: Regimes::default(),
            materials: Materials::default(),
            symbiosis: SymbiosisParams::default(),
            citizens: CitizenParams::default(),
            governance: GovernanceParams::default(),
            trends: TrendParams::default(),
            shocks: transition::default_shocks(),
            declared_firms: BTreeMap::new(),
            instruments: BTreeMap::new(),
            output: OutputParams::default(),
        }
    }
}

/// `[run]`: time frame and master seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunParams {
    pub start_year: i64,
    pub end_year: i64,
    pub steps_per_year: i64,
    pub seed: i64,
}

impl Default for RunParams {
    fn default() -> Self {
        Self {
            start_year: 1950,
            end_year: 2025,
            steps_per_year: 1,
            seed: 42,
        }
    }
}

/// `[territory]`: the synthetic country, or regions read from a file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerritoryParams {
    pub regions_file: String,
    pub seed: i64,
    pub regions: i64,
    pub width_km: f64,
    pub height_km: f64,
    pub zipf_exponent: f64,
    pub urban_radius_km: f64,
    pub rural_radius_km: f64,
    pub agglomeration_elasticity: f64,
    pub congestion_elasticity: f64,
}

impl Default for TerritoryParams {
    fn default() -> Self {
        Self {
            regions_file: String::new(),
            seed: 1,
            regions: 40,
            width_km: 1000.0,
            height_km: 1000.0,
            zipf_exponent: 1.0,
            urban_radius_km: 12.0,
            rural_radius_km: 45.0,
            agglomeration_elasticity: 0.03,
            congestion_elasticity: 0.03,
        }
    }
}

/// `[population]`: initial counts and the labour force's demography.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationParams {
    pub firms: i64,
    pub citizens: i64,
    pub initial_unemployment: f64,
    pub labour_force_growth: f64,
    pub entry_age: i64,
    pub retirement_age: i64,
    pub scale: f64,
}

impl Default for PopulationParams {
    fn default() -> Self {
        Self {
            firms: 20_000,
            citizens: 200_000,
            initial_unemployment: 0.02,
            labour_force_growth: 0.006,
            entry_age: 20,
            retirement_age: 65,
            scale: 1.0,
        }
    }
}

/// `[firms]`: production, growth, finance, entry and exit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirmParams {
    pub max_initial_size: i64,
    pub large_firm_urban_bias: f64,
    pub competition: f64,
    pub adjustment_speed: f64,
    pub growth_noise: f64,
    pub noise_size_elasticity: f64,
    pub labour_share: f64,
    pub fixed_cost: f64,
    pub initial_cash: f64,
    pub bankruptcy_threshold: f64,
    pub owner_exit_rate: f64,
    pub spinoff_rate: f64,
    pub opportunity_startup_rate: f64,
    pub productivity_dispersion: f64,
    pub diffusion_rate: f64,
    pub large_group_share: f64,
    pub large_foreign_share: f64,
    pub sme_group_share: f64,
    pub sme_foreign_share: f64,
    pub groups_per_sector: i64,
    pub initial_embeddedness: f64,
    pub embeddedness_rebuild: f64,
    pub leading_firm_size: i64,
    pub domestic_relocation_share: f64,
    pub exposure_independent: f64,
    pub exposure_group: f64,
    pub exposure_foreign: f64,
    pub skill_effect: f64,
    pub knowledge_dispersion: f64,
    pub spinoff_diversification: f64,
    pub spinoff_distance_km: f64,
    pub spinoff_productivity_gap: f64,
    pub spinoff_productivity_dispersion: f64,
    pub spinoff_knowledge_dispersion: f64,
    pub startup_own_sector: f64,
    pub founder_skill_effect: f64,
    pub embeddedness_anchoring: f64,
}

impl Default for FirmParams {
    fn default() -> Self {
        Self {
            max_initial_size: 8000,
            large_firm_urban_bias: 1.0,
            competition: 1.5,
            adjustment_speed: 0.35,
            growth_noise: 0.2,
            noise_size_elasticity: 0.15,
            labour_share: 0.65,
            fixed_cost: 0.05,
            initial_cash: 0.3,
            bankruptcy_threshold: 0.5,
            owner_exit_rate: 0.04,
            spinoff_rate: 0.01,
            opportunity_startup_rate: 0.001,
            productivity_dispersion: 0.2,
            diffusion_rate: 0.1,
            large_group_share: 0.6,
            large_foreign_share: 0.15,
            sme_group_share: 0.15,
            sme_foreign_share: 0.05,
            groups_per_sector: 8,
            initial_embeddedness: 0.7,
            embeddedness_rebuild: 0.01,
            leading_firm_size: 1000,
            domestic_relocation_share: 0.3,
            exposure_independent: 0.4,
            exposure_group: 0.6,
            exposure_foreign: 1.0,
            skill_effect: 1.0,
            knowledge_dispersion: 0.1,
            spinoff_diversification: 0.2,
            spinoff_distance_km: 5.0,
            spinoff_productivity_gap: 0.05,
            spinoff_productivity_dispersion: 0.1,
            spinoff_knowledge_dispersion: 0.05,
            startup_own_sector: 0.7,
            founder_skill_effect: 0.4,
            embeddedness_anchoring: 0.5,
        }
    }
}

/// `[enterprises]`: groups of establishments — how they start, acquire
/// firms, open plants and share their technology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseParams {
    pub initial_group_zipf: f64,
    pub acquisition_min_size: i64,
    pub acquisition_selectivity: f64,
    pub acquirer_size_exponent: f64,
    pub group_merger_factor: f64,
    pub expansion_min_size: i64,
    pub plant_share_of_growth: f64,
    pub plant_distance_km: f64,
    pub group_transfer: f64,
    pub champion_size: i64,
}

impl Default for EnterpriseParams {
    fn default() -> Self {
        Self {
            initial_group_zipf: 1.0,
            acquisition_min_size: 10,
            acquisition_selectivity: 1.0,
            acquirer_size_exponent: 1.0,
            group_merger_factor: 0.0,
            expansion_min_size: 50,
            plant_share_of_growth: 1.0,
            plant_distance_km: 150.0,
            group_transfer: 0.1,
            champion_size: 1000,
        }
    }
}

/// `[labour]`: job search, migration and skills of citizens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabourParams {
    pub search_decay_km: f64,
    pub applications: i64,
    pub commute_km: f64,
    pub skill_learning: f64,
    pub skill_decay: f64,
    pub newcomer_skill_1950: f64,
    pub newcomer_skill_2025: f64,
    pub skill_noise: f64,
    pub training_effect: f64,
    pub hiring_noise: f64,
    pub entrepreneurial_skill_effect: f64,
}

impl Default for LabourParams {
    fn default() -> Self {
        Self {
            search_decay_km: 80.0,
            applications: 3,
            commute_km: 40.0,
            skill_learning: 0.03,
            skill_decay: 0.02,
            newcomer_skill_1950: 0.3,
            newcomer_skill_2025: 0.6,
            skill_noise: 0.15,
            training_effect: 0.05,
            hiring_noise: 0.5,
            entrepreneurial_skill_effect: 1.0,
        }
    }
}

/// `[trends]`: how the calendar trends of 1950–2025 (sector demand shares,
/// entrants' mean skill, the decay length λ) continue past 2025, each as a
/// multiple of its 1950–2025 pace (see `crate::scenario::trends`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrendParams {
    pub demand_shares_pace: f64,
    pub newcomer_skill_pace: f64,
    pub decay_length_pace: f64,
}

impl Default for TrendParams {
    fn default() -> Self {
        Self {
            demand_shares_pace: 0.0,
            newcomer_skill_pace: 0.0,
            decay_length_pace: 1.0,
        }
    }
}

/// `[proximity]`: how geographic and organised proximity are measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProximityParams {
    pub decay_length_km: f64,
    pub decay_length_growth: f64,
    pub belonging_weight: f64,
    pub similarity_weight: f64,
    pub partner_of_partner_belonging: f64,
    pub partner_belonging: f64,
    pub event_proximity: f64,
}

impl Default for ProximityParams {
    fn default() -> Self {
        Self {
            decay_length_km: 20.0,
            decay_length_growth: 0.025,
            belonging_weight: 0.5,
            similarity_weight: 0.5,
            partner_of_partner_belonging: 0.5,
            partner_belonging: 1.0,
            event_proximity: 0.2,
        }
    }
}

/// `[cooperation]`: partner search, ties and learning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CooperationParams {
    pub network_share: f64,
    pub max_ties_base: f64,
    pub max_ties_per_log_size: f64,
    pub tie_decay: f64,
    pub renewal_rate: f64,
    pub dissolve_below: f64,
    pub same_sector_complementarity: f64,
    pub other_sector_complementarity: f64,
    pub event_attendance: f64,
    pub event_external_attendees: i64,
    pub event_meetings: i64,
    pub fair_size: i64,
    pub learning_rate: f64,
    pub research_complementarity: f64,
}

impl Default for CooperationParams {
    fn default() -> Self {
        Self {
            network_share: 0.4,
            max_ties_base: 2.0,
            max_ties_per_log_size: 1.5,
            tie_decay: 0.25,
            renewal_rate: 0.8,
            dissolve_below: 0.3,
            same_sector_complementarity: 0.4,
            other_sector_complementarity: 0.1,
            event_attendance: 0.3,
            event_external_attendees: 20,
            event_meetings: 3,
            fair_size: 50,
            learning_rate: 0.05,
            research_complementarity: 1.0,
        }
    }
}

/// `[innovation]`: innovation hazard and its effect on productivity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InnovationParams {
    pub base_rate: f64,
    pub size_elasticity: f64,
    pub knowledge_effect: f64,
    pub productivity_step: f64,
    pub cognitive_distance_max: f64,
    pub research_gain: f64,
    pub profile_mutation: f64,
    pub absorptive_skill_effect: f64,
    pub eco_step: f64,
    pub knowledge_obsolescence: f64,
}

impl Default for InnovationParams {
    fn default() -> Self {
        Self {
            base_rate: 0.02,
            size_elasticity: 0.3,
            knowledge_effect: 2.0,
            productivity_step: 0.05,
            cognitive_distance_max: 0.8,
            research_gain: 1.0,
            profile_mutation: 0.05,
            absorptive_skill_effect: 1.0,
            eco_step: 0.05,
            knowledge_obsolescence: 0.2,
        }
    }
}

/// `[institutions]`: local authorities, cluster organisations, research
/// and training organisations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionParams {
    pub authority_adjustment: f64,
    pub cluster_min_firms: i64,
    pub cluster_min_lq: f64,
    pub cluster_survival_firms: i64,
    pub cluster_membership_rate: f64,
    pub cluster_dissolution_rate: f64,
    pub research_organisations: i64,
    pub research_link_decay: f64,
    pub research_knowledge_dispersion: f64,
}

impl Default for InstitutionParams {
    fn default() -> Self {
        Self {
            authority_adjustment: 0.15,
            cluster_min_firms: 12,
            cluster_min_lq: 1.2,
            cluster_survival_firms: 6,
            cluster_membership_rate: 0.1,
            cluster_dissolution_rate: 0.03,
            research_organisations: 50,
            research_link_decay: 0.1,
            research_knowledge_dispersion: 0.15,
        }
    }
}

/// Parameters of one sector (`[sectors.<name>]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectorParams {
    pub firm_share: f64,
    pub demand_share_1950: f64,
    pub demand_share_2025: f64,
    pub size_tail: f64,
    pub knowledge: Vec<f64>,
    pub complements: Vec<String>,
    pub rural: bool,
    pub pollution_intensity: f64,
    pub globalisation_exposure: f64,
    pub short_chain: bool,
    pub process_co2: f64,
    pub inputs: PerMaterial,
    pub byproducts: PerMaterial,
}

/// `[sectors]`: one table per sector of [`SECTOR_NAMES`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sectors {
    pub agriculture: SectorParams,
    pub agrifood: SectorParams,
    pub textiles: SectorParams,
    pub chemicals: SectorParams,
    pub metals: SectorParams,
    pub mechanical: SectorParams,
    pub electronics: SectorParams,
    pub pharma: SectorParams,
    pub energy: SectorParams,
    pub construction: SectorParams,
    pub services: SectorParams,
    pub environmental_services: SectorParams,
}

impl Sectors {
    /// The sectors in [`SECTOR_NAMES`] order.
    pub fn all(&self) -> [&SectorParams; N_SECTORS] {
        [
            &self.agriculture,
            &self.agrifood,
            &self.textiles,
            &self.chemicals,
            &self.metals,
            &self.mechanical,
            &self.electronics,
            &self.pharma,
            &self.energy,
            &self.construction,
            &self.services,
            &self.environmental_services,
        ]
    }
}

#[allow(clippy::too_many_arguments)]
fn sector(
    firm_share: f64,
    demand_share_1950: f64,
    demand_share_2025: f64,
    size_tail: f64,
    knowledge: [f64; N_KNOWLEDGE],
    complements: &[&str],
    rural: bool,
    pollution_intensity: f64,
    globalisation_exposure: f64,
) -> SectorParams {
    SectorParams {
        firm_share,
        demand_share_1950,
        demand_share_2025,
        size_tail,
        knowledge: knowledge.to_vec(),
        complements: complements.iter().map(|s| s.to_string()).collect(),
        rural,
        pollution_intensity,
        globalisation_exposure,
        short_chain: false,
        process_co2: 0.0,
        inputs: PerMaterial::default(),
        byproducts: PerMaterial::default(),
    }
}

/// Add a sector's material technology: CO2 of the process per output unit,
/// inputs and by-products in tonnes per output unit (order of
/// [`MATERIAL_NAMES`]), and whether it sells through short supply chains.
fn with_technology(
    mut s: SectorParams,
    short_chain: bool,
    process_co2: f64,
    inputs: [f64; N_MATERIALS],
    byproducts: [f64; N_MATERIALS],
) -> SectorParams {
    s.short_chain = short_chain;
    s.process_co2 = process_co2;
    s.inputs = PerMaterial::from_array(inputs);
    s.byproducts = PerMaterial::from_array(byproducts);
    s
}

impl Default for Sectors {
    fn default() -> Self {
        // knowledge: biology, chemistry, materials, mechanics, electronics, energy, craft, organisation
        Self {
            agriculture: with_technology(
                sector(
                    0.40,
                    0.22,
                    0.03,
                    2.2,
                    [0.6, 0.1, 0.0, 0.1, 0.0, 0.0, 0.2, 0.0],
                    &["agrifood", "environmental_services"],
                    true,
                    0.3,
                    0.3,
                ),
                true,
                2.0,
                [200.0, 0.0, 0.0, 0.0, 20.0, 5.0, 0.0],
                [0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0],
            ),
            agrifood: with_technology(
                sector(
                    0.05,
                    0.05,
                    0.04,
                    1.1,
                    [0.45, 0.2, 0.0, 0.1, 0.0, 0.0, 0.15, 0.1],
                    &["agriculture", "mechanical", "services"],
                    false,
                    0.2,
                    0.4,
                ),
                true,
                0.3,
                [50.0, 10.0, 0.5, 0.0, 10.0, 0.0, 0.0],
                [40.0, 0.0, 0.0, 0.0, 4.0, 3.0, 0.0],
            ),
            textiles: with_technology(
                sector(
                    0.05,
                    0.07,
                    0.005,
                    1.0,
                    [0.05, 0.15, 0.3, 0.1, 0.0, 0.0, 0.35, 0.05],
                    &["chemicals", "services"],
                    false,
                    0.3,
                    1.5,
                ),
                false,
                0.3,
                [60.0, 10.0, 0.3, 0.0, 0.0, 0.0, 0.0],
                [50.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0],
            ),
            chemicals: with_technology(
                sector(
                    0.01,
                    0.03,
                    0.025,
                    0.8,
                    [0.05, 0.6, 0.15, 0.05, 0.0, 0.1, 0.0, 0.05],
                    &["pharma", "energy", "textiles", "metals"],
                    false,
                    0.8,
                    0.8,
                ),
                false,
                2.0,
                [150.0, 20.0, 1.0, 0.0, 0.0, 0.0, 0.0],
                [120.0, 20.0, 3.0, 0.0, 0.0, 3.0, 0.0],
            ),
            metals: with_technology(
                sector(
                    0.015,
                    0.05,
                    0.01,
                    0.75,
                    [0.0, 0.1, 0.55, 0.2, 0.0, 0.1, 0.05, 0.0],
                    &["mechanical", "energy", "construction"],
                    false,
                    0.9,
                    1.2,
                ),
                false,
                4.0,
                [80.0, 10.0, 1.0, 0.0, 0.0, 0.0, 3.0],
                [60.0, 40.0, 0.0, 6.0, 0.0, 0.0, 0.5],
            ),
            mechanical: with_technology(
                sector(
                    0.04,
                    0.08,
                    0.05,
                    0.8,
                    [0.0, 0.0, 0.2, 0.55, 0.1, 0.05, 0.05, 0.05],
                    &["metals", "electronics", "agrifood"],
                    false,
                    0.3,
                    1.0,
                ),
                false,
                0.2,
                [10.0, 5.0, 0.2, 0.0, 0.0, 0.0, 0.5],
                [8.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.8],
            ),
            electronics: with_technology(
                sector(
                    0.005,
                    0.02,
                    0.04,
                    0.8,
                    [0.0, 0.05, 0.1, 0.1, 0.6, 0.0, 0.0, 0.15],
                    &["mechanical", "services", "energy"],
                    false,
                    0.2,
                    1.2,
                ),
                false,
                0.1,
                [15.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                [12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1],
            ),
            pharma: with_technology(
                sector(
                    0.003,
                    0.01,
                    0.02,
                    0.8,
                    [0.4, 0.45, 0.0, 0.0, 0.05, 0.0, 0.0, 0.1],
                    &["chemicals", "environmental_services"],
                    false,
                    0.4,
                    0.6,
                ),
                false,
                0.3,
                [100.0, 20.0, 0.2, 0.0, 0.0, 0.0, 0.0],
                [80.0, 0.0, 0.0, 0.0, 5.0, 0.0, 0.0],
            ),
            energy: with_technology(
                sector(
                    0.002,
                    0.03,
                    0.02,
                    0.7,
                    [0.0, 0.1, 0.1, 0.2, 0.1, 0.5, 0.0, 0.0],
                    &["chemicals", "metals", "environmental_services"],
                    false,
                    1.0,
                    0.2,
                ),
                false,
                10.0,
                [400.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0],
                [100.0, 200.0, 0.0, 10.0, 0.0, 0.0, 0.0],
            ),
            construction: with_technology(
                sector(
                    0.10,
                    0.09,
                    0.08,
                    1.2,
                    [0.0, 0.05, 0.35, 0.2, 0.0, 0.05, 0.3, 0.05],
                    &["metals", "services", "environmental_services"],
                    false,
                    0.5,
                    0.1,
                ),
                false,
                0.8,
                [10.0, 0.0, 0.3, 30.0, 0.0, 2.0, 1.0],
                [0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 2.0],
            ),
            services: with_technology(
                sector(
                    0.32,
                    0.34,
                    0.65,
                    1.15,
                    [0.0, 0.0, 0.0, 0.0, 0.15, 0.0, 0.15, 0.7],
                    &["electronics", "construction"],
                    false,
                    0.05,
                    0.2,
                ),
                false,
                0.05,
                [3.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                [2.0, 0.0, 0.0, 0.0, 1.0, 0.2, 0.0],
            ),
            environmental_services: with_technology(
                sector(
                    0.005,
                    0.01,
                    0.03,
                    1.0,
                    [0.25, 0.25, 0.15, 0.1, 0.0, 0.1, 0.0, 0.15],
                    &["agriculture", "energy", "construction", "chemicals"],
                    false,
                    0.2,
                    0.1,
                ),
                false,
                0.5,
                [20.0, 10.0, 0.0, 0.0, 5.0, 10.0, 0.0],
                [15.0, 5.0, 0.0, 0.0, 5.0, 3.0, 0.0],
            ),
        }
    }
}

/// The levers of one regime (`[regimes.<name>]`). Every regime has the same
/// levers; their default values differ by regime.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegimeParams {
    pub start: i64,
    pub aggregate_demand: f64,
    pub technical_progress: f64,
    pub state_support: f64,
    pub scale_economies: f64,
    pub growth_pole_pull: f64,
    pub regional_policy: f64,
    pub globalisation_pressure: f64,
    pub local_authority_budget: f64,
    pub sme_support: f64,
    pub entrepreneurship: f64,
    pub cluster_policy: f64,
    pub event_rate: f64,
    pub fairs_per_year: f64,
    pub cooperation_propensity: f64,
    pub weight_geographic: f64,
    pub weight_organised: f64,
    pub weight_complementarity: f64,
    pub weight_knowledge_gain: f64,
    pub tie_threshold: f64,
    pub distance_cost: f64,
    pub open_innovation: f64,
    pub environmental_constraint: f64,
    pub virgin_price_index: f64,
    pub disposal_cost_index: f64,
    pub landfill_tax: f64,
    pub carbon_price: f64,
    pub symbiosis_facilitation: f64,
    pub environmental_salience: f64,
    pub citizen_participation: f64,
    pub tiers_lieux_support: f64,
    pub business_ecosystems: f64,
    pub acquisition_rate: f64,
    pub plant_opening_rate: f64,
    pub foreign_acquisitions: f64,
}

/// `[regimes]`: the four regimes and their levers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regimes {
    pub large_firm: RegimeParams,
    pub decentralisation: RegimeParams,
    pub clusters: RegimeParams,
    pub transition: RegimeParams,
}

impl Regimes {
    /// The regimes in chronological order (same order as [`REGIME_NAMES`]).
    pub fn all(&self) -> [&RegimeParams; 4] {
        [
            &self.large_firm,
            &self.decentralisation,
            &self.clusters,
            &self.transition,
        ]
    }
}

impl Default for Regimes {
    fn default() -> Self {
        let large_firm = RegimeParams {
            start: 1950,
            aggregate_demand: 1.0,
            technical_progress: 0.03,
            state_support: 0.04,
            scale_economies: 0.02,
            growth_pole_pull: 0.5,
            regional_policy: 0.05,
            globalisation_pressure: 0.0,
            local_authority_budget: 0.1,
            sme_support: 0.0,
            entrepreneurship: 0.02,
            cluster_policy: 0.0,
            event_rate: 0.0,
            fairs_per_year: 2.0,
            cooperation_propensity: 0.5,
            weight_geographic: 4.0,
            weight_organised: 1.0,
            weight_complementarity: 2.0,
            weight_knowledge_gain: 0.0,
            tie_threshold: 6.0,
            distance_cost: 1.0,
            open_innovation: 0.01,
            environmental_constraint: 0.0,
            virgin_price_index: 1.0,
            disposal_cost_index: 1.0,
            landfill_tax: 0.0,
            carbon_price: 0.0,
            symbiosis_facilitation: 0.0,
            environmental_salience: 0.05,
            citizen_participation: 0.0,
            tiers_lieux_support: 0.0,
            business_ecosystems: 0.0,
            acquisition_rate: 0.01,
            plant_opening_rate: 0.05,
            foreign_acquisitions: 0.1,
        };
        let decentralisation = RegimeParams {
            start: 1973,
            aggregate_demand: 0.93,
            technical_progress: 0.015,
            state_support: 0.01,
            growth_pole_pull: 0.2,
            scale_economies: -0.02,
            regional_policy: 0.02,
            globalisation_pressure: 0.05,
            local_authority_budget: 0.8,
            sme_support: 0.8,
            entrepreneurship: 0.06,
            cluster_policy: 0.0,
            event_rate: 0.0,
            fairs_per_year: 5.0,
            cooperation_propensity: 1.0,
            weight_organised: 2.0,
            open_innovation: 0.03,
            environmental_constraint: 0.05,
            environmental_salience: 0.15,
            acquisition_rate: 0.005,
            plant_opening_rate: 0.1,
            foreign_acquisitions: 0.2,
            ..large_firm.clone()
        };
        let clusters = RegimeParams {
            start: 1990,
            aggregate_demand: 0.95,
            technical_progress: 0.005,
            state_support: 0.01,
            scale_economies: -0.01,
            growth_pole_pull: 0.1,
            globalisation_pressure: 0.04,
            local_authority_budget: 1.0,
            entrepreneurship: 0.04,
            cluster_policy: 0.15,
            event_rate: 2.0,
            fairs_per_year: 150.0,
            cooperation_propensity: 2.5,
            weight_organised: 6.0,
            open_innovation: 0.1,
            environmental_constraint: 0.1,
            disposal_cost_index: 1.3,
            landfill_tax: 0.001,
            carbon_price: 0.001,
            symbiosis_facilitation: 0.05,
            environmental_salience: 0.3,
            citizen_participation: 0.05,
            business_ecosystems: 0.1,
            acquisition_rate: 0.015,
            foreign_acquisitions: 0.3,
            ..decentralisation.clone()
        };
        let transition = RegimeParams {
            start: 2010,
            technical_progress: 0.0,
            globalisation_pressure: 0.03,
            cluster_policy: 0.1,
            event_rate: 3.0,
            fairs_per_year: 200.0,
            cooperation_propensity: 3.0,
            weight_organised: 6.5,
            open_innovation: 0.15,
            environmental_constraint: 0.5,
            virgin_price_index: 1.5,
            disposal_cost_index: 2.0,
            landfill_tax: 0.008,
            carbon_price: 0.008,
            symbiosis_facilitation: 0.6,
            environmental_salience: 0.7,
            citizen_participation: 0.4,
            tiers_lieux_support: 1.0,
            business_ecosystems: 0.3,
            ..clusters.clone()
        };
        Self {
            large_firm,
            decentralisation,
            clusters,
            transition,
        }
    }
}

/// `[output]`: what a run writes besides `timeseries.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputParams {
    pub regions: bool,
    pub sectors: bool,
    pub exchanges: bool,
    pub firm_snapshot_years: Vec<i64>,
    pub network_snapshot_years: Vec<i64>,
}

impl Default for OutputParams {
    fn default() -> Self {
        Self {
            regions: true,
            sectors: true,
            exchanges: true,
            firm_snapshot_years: Vec::new(),
            network_snapshot_years: Vec::new(),
        }
    }
}

impl Scenario {
    /// The instruments in the scenario's (name) order: an organisation's
    /// `instrument` indexes this list.
    pub fn instrument_list(&self) -> Vec<&Instrument> {
        self.instruments.values().collect()
    }

    /// First year of the regime named `name` (never, for an unknown name).
    pub fn regime_start(&self, name: &str) -> i64 {
        REGIME_NAMES
            .iter()
            .zip(self.regimes.all())
            .find(|(n, _)| **n == name)
            .map_or(i64::MAX, |(_, r)| r.start)
    }

    /// Index of a sector by name.
    pub fn sector_index(name: &str) -> Option<usize> {
        SECTOR_NAMES.iter().position(|s| *s == name)
    }

    /// What is dated after the run's last year and so never happens within
    /// it (a short pilot run stops before later regimes, shocks, firms and
    /// snapshots): regime starts, enabled shocks, declared firms' founding
    /// years and firm snapshot years, as (key, year) in scenario order.
    pub fn after_the_run(&self) -> Vec<AfterTheRun> {
        let end = self.run.end_year;
        let mut out = Vec::new();
        let mut add = |key: String, year: i64| {
            if year > end {
                out.push(AfterTheRun { key, year });
            }
        };
        for (name, r) in REGIME_NAMES.iter().zip(self.regimes.all()) {
            add(format!("regimes.{name}.start"), r.start);
        }
        for (name, shock) in self.shocks.iter().filter(|(_, s)| s.enabled) {
            add(format!("shocks.{name}.year"), shock.year);
        }
        for (label, firm) in &self.declared_firms {
            add(format!("declared_firms.{label}.founded"), firm.founded);
        }
        for (i, &year) in self.output.firm_snapshot_years.iter().enumerate() {
            add(format!("output.firm_snapshot_years[{i}]"), year);
        }
        for (i, &year) in self.output.network_snapshot_years.iter().enumerate() {
            add(format!("output.network_snapshot_years[{i}]"), year);
        }
        out
    }

    /// [`Self::after_the_run`] in words: `; after the run's end (YEAR),
    /// never happen: key = year, …`, or empty if nothing.
    pub fn after_the_run_text(&self) -> String {
        let late = self.after_the_run();
        if late.is_empty() {
            return String::new();
        }
        let items: Vec<String> = late
            .iter()
            .map(|a| format!("{} = {}", a.key, a.year))
            .collect();
        format!(
            "; after the run's end ({}), never happen: {}",
            self.run.end_year,
            items.join(", ")
        )
    }
}

/// A dated setting that lies after the run's end (see
/// [`Scenario::after_the_run`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AfterTheRun {
    pub key: String,
    pub year: i64,
}
