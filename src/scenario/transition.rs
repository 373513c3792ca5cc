//! Parameters of the ecological and social transition: materials and their
//! economics, industrial symbiosis, citizens and governance, shocks, and
//! firms declared by name (e.g. the partners of Kalundborg).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The materials of industrial flows, in vector order.
pub const MATERIAL_NAMES: [&str; 7] = [
    "water", "heat", "gas", "gypsum", "biomass", "sludge", "scrap",
];

/// Number of materials.
pub const N_MATERIALS: usize = MATERIAL_NAMES.len();

/// One number per material (tonnes, tonnes per output unit, years…).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PerMaterial {
    pub water: f64,
    pub heat: f64,
    pub gas: f64,
    pub gypsum: f64,
    pub biomass: f64,
    pub sludge: f64,
    pub scrap: f64,
}

impl PerMaterial {
    /// The values in [`MATERIAL_NAMES`] order.
    pub fn to_array(&self) -> [f64; N_MATERIALS] {
        [
            self.water,
            self.heat,
            self.gas,
            self.gypsum,
            self.biomass,
            self.sludge,
            self.scrap,
        ]
    }

    /// Build from values in [`MATERIAL_NAMES`] order.
    pub fn from_array(a: [f64; N_MATERIALS]) -> Self {
        Self {
            water: a[0],
            heat: a[1],
            gas: a[2],
            gypsum: a[3],
            biomass: a[4],
            sludge: a[5],
            scrap: a[6],
        }
    }
}

/// Economics of one material (`[materials.<name>]`), in output units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialParams {
    pub virgin_price: f64,
    pub disposal_cost: f64,
    pub transport_cost: f64,
    pub treatment_cost: f64,
    pub co2_virgin: f64,
    pub co2_disposal: f64,
    pub solid: bool,
    pub energy: bool,
    pub criticality: f64,
}

/// `[materials]`: one table per material.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Materials {
    pub water: MaterialParams,
    pub heat: MaterialParams,
    pub gas: MaterialParams,
    pub gypsum: MaterialParams,
    pub biomass: MaterialParams,
    pub sludge: MaterialParams,
    pub scrap: MaterialParams,
}

impl Materials {
    /// The materials in [`MATERIAL_NAMES`] order.
    pub fn all(&self) -> [&MaterialParams; N_MATERIALS] {
        [
            &self.water,
            &self.heat,
            &self.gas,
            &self.gypsum,
            &self.biomass,
            &self.sludge,
            &self.scrap,
        ]
    }
}

#[allow(clippy::too_many_arguments)]
fn material(
    virgin_price: f64,
    disposal_cost: f64,
    transport_cost: f64,
    treatment_cost: f64,
    co2_virgin: f64,
    co2_disposal: f64,
    solid: bool,
    energy: bool,
    criticality: f64,
) -> MaterialParams {
    MaterialParams {
        virgin_price,
        disposal_cost,
        transport_cost,
        treatment_cost,
        co2_virgin,
        co2_disposal,
        solid,
        energy,
        criticality,
    }
}

impl Default for Materials {
    /// Prices in output units per tonne (one output unit ≈ one 1950 worker-year
    /// of output, taken as about €10,000), transport per tonne-km.
    fn default() -> Self {
        Self {
            water: material(1.0e-4, 5.0e-5, 5.0e-6, 6.0e-5, 0.0, 0.0, false, false, 0.5),
            heat: material(2.5e-3, 0.0, 1.0e-4, 5.0e-4, 0.25, 0.0, false, true, 1.0),
            gas: material(3.0e-2, 0.0, 2.0e-5, 2.0e-3, 2.7, 2.7, false, true, 0.8),
            gypsum: material(1.5e-3, 2.0e-3, 1.0e-5, 3.0e-4, 0.01, 0.0, true, false, 0.5),
            biomass: material(5.0e-4, 3.0e-3, 2.0e-5, 2.0e-4, 0.1, 0.5, true, false, 0.2),
            sludge: material(2.0e-4, 5.0e-3, 1.5e-5, 1.0e-3, 0.05, 0.3, true, false, 0.0),
            scrap: material(2.0e-2, 1.0e-3, 5.0e-6, 2.0e-3, 1.8, 0.0, true, false, 0.3),
        }
    }
}

/// `[symbiosis]`: how firms find and keep by-product exchanges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymbiosisParams {
    pub enabled: bool,
    pub search_rate: f64,
    pub candidates_per_search: i64,
    pub facilitation_search: f64,
    pub network_share: f64,
    pub reach_km: f64,
    pub transaction_cost: f64,
    pub trust_discount: f64,
    pub min_tonnes: f64,
    pub setup_years: i64,
    pub contract_years: i64,
    pub break_fraction: f64,
    pub process_change_rate: f64,
    pub cluster_facilitation: f64,
    pub authority_facilitation: f64,
    pub disruption_effect: f64,
    pub disruption_years: f64,
    pub max_facilitation: f64,
}

impl Default for SymbiosisParams {
    fn default() -> Self {
        Self {
            enabled: true,
            search_rate: 0.3,
            candidates_per_search: 3,
            facilitation_search: 4.0,
            network_share: 0.3,
            reach_km: 60.0,
            transaction_cost: 10.0,
            trust_discount: 0.5,
            min_tonnes: 5000.0,
            setup_years: 2,
            contract_years: 5,
            break_fraction: 0.5,
            process_change_rate: 0.02,
            cluster_facilitation: 0.3,
            authority_facilitation: 1.0,
            disruption_effect: 1.0,
            disruption_years: 2.0,
            max_facilitation: 0.8,
        }
    }
}

/// `[citizens]`: environmental concern, participation, tiers-lieux,
/// short supply chains and conflicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CitizenParams {
    pub initial_concern: f64,
    pub concern_adjustment: f64,
    pub neighbour_weight: f64,
    pub pollution_weight: f64,
    pub participation_propensity: f64,
    pub tiers_lieux_participation: f64,
    pub tiers_lieux_per_budget: f64,
    pub tiers_lieux_closure_rate: f64,
    pub tiers_lieux_startup_boost: f64,
    pub short_chain_premium: f64,
    pub conflict_propensity: f64,
    pub conflict_pollution_threshold: f64,
    pub remediation_effect: f64,
}

impl Default for CitizenParams {
    fn default() -> Self {
        Self {
            initial_concern: 0.1,
            concern_adjustment: 0.2,
            neighbour_weight: 0.3,
            pollution_weight: 0.5,
            participation_propensity: 0.5,
            tiers_lieux_participation: 0.2,
            tiers_lieux_per_budget: 0.01,
            tiers_lieux_closure_rate: 0.05,
            tiers_lieux_startup_boost: 0.5,
            short_chain_premium: 0.05,
            conflict_propensity: 0.5,
            conflict_pollution_threshold: 0.5,
            remediation_effect: 0.5,
        }
    }
}

/// Shares of a local authority's budget between its five uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetShares {
    pub sme_support: f64,
    pub cluster_animation: f64,
    pub tiers_lieux: f64,
    pub symbiosis_facilitation: f64,
    pub remediation: f64,
}

impl BudgetShares {
    /// The shares in order (SME support, cluster animation, tiers-lieux,
    /// symbiosis facilitation, remediation).
    pub fn to_array(&self) -> [f64; 5] {
        [
            self.sme_support,
            self.cluster_animation,
            self.tiers_lieux,
            self.symbiosis_facilitation,
            self.remediation,
        ]
    }
}

/// `[governance]`: how local authorities split their budget between the
/// preferences of firms and of participating citizens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceParams {
    pub budget_per_resident: f64,
    pub citizen_influence: f64,
    pub firm_weights: BudgetShares,
    pub citizen_weights: BudgetShares,
}

impl Default for GovernanceParams {
    fn default() -> Self {
        Self {
            budget_per_resident: 0.01,
            citizen_influence: 2.0,
            firm_weights: BudgetShares {
                sme_support: 0.5,
                cluster_animation: 0.3,
                tiers_lieux: 0.0,
                symbiosis_facilitation: 0.1,
                remediation: 0.1,
            },
            citizen_weights: BudgetShares {
                sme_support: 0.1,
                cluster_animation: 0.0,
                tiers_lieux: 0.35,
                symbiosis_facilitation: 0.2,
                remediation: 0.35,
            },
        }
    }
}

/// One scenario-defined shock (`[shocks.<name>]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shock {
    pub enabled: bool,
    /// `energy_price`, `demand`, `remove_hub` or `sector_closure`.
    pub kind: String,
    pub year: i64,
    pub magnitude: f64,
    pub duration: i64,
    /// Sector closed by a `sector_closure`.
    pub sector: String,
    /// Region (name such as `R03`) of a `sector_closure`.
    pub region: String,
}

impl Default for Shock {
    fn default() -> Self {
        Self {
            enabled: true,
            kind: "energy_price".into(),
            year: 1973,
            magnitude: 1.0,
            duration: 1,
            sector: String::new(),
            region: String::new(),
        }
    }
}

/// The shock kinds.
pub const SHOCK_KINDS: [&str; 4] = ["energy_price", "demand", "remove_hub", "sector_closure"];

/// The default shocks: the two oil shocks and the 2008 demand crisis.
pub fn default_shocks() -> BTreeMap<String, Shock> {
    let mut m = BTreeMap::new();
    m.insert(
        "oil_1973".into(),
        Shock {
            kind: "energy_price".into(),
            year: 1973,
            magnitude: 3.0,
            duration: 6,
            ..Shock::default()
        },
    );
    m.insert(
        "oil_1979".into(),
        Shock {
            kind: "energy_price".into(),
            year: 1979,
            magnitude: 1.5,
            duration: 7,
            ..Shock::default()
        },
    );
    m.insert(
        "crisis_2008".into(),
        Shock {
            kind: "demand".into(),
            year: 2009,
            magnitude: 0.04,
            duration: 2,
            ..Shock::default()
        },
    );
    m
}

/// A firm declared by name (`[declared_firms.<label>]`): it keeps its label
/// in the outputs, its size is set by the scenario and its material flows can
/// be given in tonnes per year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredFirm {
    pub sector: String,
    /// Region name (`R01`…); empty for the largest region.
    pub region: String,
    /// Position offset from the regional centre, km.
    pub dx_km: f64,
    pub dy_km: f64,
    pub employees: i64,
    /// Year the firm starts (at the start of the run if earlier).
    pub founded: i64,
    /// Year the firm closes (0: never).
    pub closed: i64,
    /// Ownership: `independent`, `national_group` or `foreign`.
    pub ownership: String,
    /// Needs in tonnes per year at full size (all zero: the sector's technology).
    pub needs: PerMaterial,
    /// By-products in tonnes per year at full size (all zero: the sector's technology).
    pub byproducts: PerMaterial,
    /// Year from which each by-product is released (0: from the start).
    pub byproducts_from: PerMaterial,
}

impl Default for DeclaredFirm {
    fn default() -> Self {
        Self {
            sector: "services".into(),
            region: String::new(),
            dx_km: 0.0,
            dy_km: 0.0,
            employees: 10,
            founded: 0,
            closed: 0,
            ownership: "independent".into(),
            needs: PerMaterial::default(),
            byproducts: PerMaterial::default(),
            byproducts_from: PerMaterial::default(),
        }
    }
}

/// Ownership names of declared firms.
pub const OWNERSHIP_NAMES: [&str; 3] = ["independent", "national_group", "foreign"];
