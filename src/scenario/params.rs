//! Units, valid ranges and meaning of every scenario parameter.
//!
//! This table is the single source for range checks ([`super::load`]) and for
//! the parameter tables of `docs/MODEL.md` (`proxima params` prints them; a
//! test checks the document holds the current text). A `*` in a path stands
//! for any sector or regime name.

/// Metadata of one parameter (or of the elements of a list parameter).
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    pub path: &'static str,
    pub unit: &'static str,
    pub min: f64,
    pub max: f64,
    pub doc: &'static str,
}

const fn p(
    path: &'static str,
    unit: &'static str,
    min: f64,
    max: f64,
    doc: &'static str,
) -> ParamSpec {
    ParamSpec {
        path,
        unit,
        min,
        max,
        doc,
    }
}

/// Marker range for non-numeric parameters (booleans, names).
pub const NOT_NUMERIC: f64 = f64::NAN;

/// Every parameter, in document order.
#[rustfmt::skip]
pub const PARAMS: &[ParamSpec] = &[
    // run
    p("run.start_year", "year", 1800.0, 2200.0, "First simulated year."),
    p("run.end_year", "year", 1800.0, 2200.0, "Last simulated year (inclusive); must be ≥ start_year."),
    p("run.steps_per_year", "steps/year", 1.0, 12.0, "Time steps per year; annual rates are converted per step."),
    p("run.seed", "integer", 0.0, 9.223_372_036_854_776e18, "Master seed of every random draw of the run."),
    // territory
    p("territory.regions_file", "path", NOT_NUMERIC, NOT_NUMERIC, "CSV of regions (code, name, x_km, y_km, pop_YYYY…); empty: the synthetic country below."),
    p("territory.seed", "integer", 0.0, 9.223_372_036_854_776e18, "Seed of the geography (region positions, ranks); kept fixed across replicates."),
    p("territory.regions", "count", 2.0, 2000.0, "Number of regions (with a regions file: its count)."),
    p("territory.width_km", "km", 10.0, 10_000.0, "Width of the country."),
    p("territory.height_km", "km", 10.0, 10_000.0, "Height of the country."),
    p("territory.zipf_exponent", "exponent", 0.0, 3.0, "Rank–size exponent of regional populations: weight of rank r ∝ r^−exponent."),
    p("territory.urban_radius_km", "km", 0.1, 200.0, "Spread (s.d.) of urban firms around the regional centre in the largest region; scales with √(population share)."),
    p("territory.rural_radius_km", "km", 0.1, 500.0, "Spread (s.d.) of rural firms (sectors with `rural = true`) around the regional centre."),
    p("territory.agglomeration_elasticity", "elasticity", 0.0, 0.5, "Elasticity of firm efficiency to regional employment relative to the mean region (urbanisation economies)."),
    p("territory.congestion_elasticity", "elasticity", 0.0, 0.5, "Elasticity of unit labour cost to regional employment relative to the mean region (congestion, land and wage costs)."),
    // population
    p("population.firms", "count", 1.0, 1.0e8, "Firms at the start."),
    p("population.citizens", "count", 1.0, 1.0e9, "Citizens (labour force) at the start."),
    p("population.initial_unemployment", "share", 0.0, 0.9, "Share of citizens without a job at the start."),
    p("population.labour_force_growth", "1/year", 0.0, 0.05, "Growth rate of the labour force (entrants beyond the replacement of retirees; the labour force does not shrink)."),
    p("population.entry_age", "years", 14.0, 30.0, "Age at which citizens enter the labour force."),
    p("population.retirement_age", "years", 40.0, 80.0, "Age at which citizens retire and are replaced by an entrant of their region."),
    p("population.scale", "units/agent", 1.0e-3, 1.0e6, "Real firms (and workers) one agent stands for. The simulation does not read it; `proxima compare` multiplies counts that grow with the number of agents by it."),
    // firms
    p("firms.max_initial_size", "employees", 10.0, 1.0e6, "Largest firm size drawn at initialisation."),
    p("firms.large_firm_urban_bias", "exponent", 0.0, 5.0, "Location weight of initial firms with ≥ 250 employees ∝ regional population^(1 + bias)."),
    p("firms.competition", "exponent", 1.0, 5.0, "φ: market share within a sector ∝ competitiveness^φ × employees; > 1 lets competitive firms grow."),
    p("firms.adjustment_speed", "1/year", 0.01, 1.0, "κ: share of the log gap between desired and current employment closed per year."),
    p("firms.growth_noise", "1/√year", 0.0, 2.0, "σ₀: s.d. of idiosyncratic log growth shocks of a one-employee firm."),
    p("firms.noise_size_elasticity", "elasticity", 0.0, 1.0, "Growth shocks s.d. = σ₀ × employees^−elasticity."),
    p("firms.labour_share", "share", 0.1, 0.95, "Wage bill as a share of average revenue per worker (sets the wage)."),
    p("firms.fixed_cost", "wage-years/year", 0.0, 5.0, "Fixed cost of running a firm, in annual wages."),
    p("firms.initial_cash", "years of wage bill", 0.0, 10.0, "Cash of firms at creation."),
    p("firms.bankruptcy_threshold", "years of wage bill", 0.0, 10.0, "A firm exits when its cash falls below −threshold × its annual wage bill."),
    p("firms.owner_exit_rate", "1/year", 0.0, 1.0, "Hazard that a micro-firm (< 10 employees) closes for non-economic reasons (owner retires or quits)."),
    p("firms.spinoff_rate", "1/(employee·year)", 0.0, 0.2, "Spin-offs per employee per year per unit of profit margin of the parent."),
    p("firms.opportunity_startup_rate", "1/year", 0.0, 0.1, "Probability that an employed citizen leaves to start a firm."),
    p("firms.productivity_dispersion", "log s.d.", 0.0, 2.0, "S.d. of log productivity of initial firms and entrants."),
    p("firms.diffusion_rate", "1/year", 0.0, 1.0, "Share of the log gap to its sector's mean productivity a firm closes per year (imitation by laggards, erosion of leaders' advantage)."),
    p("firms.large_group_share", "share", 0.0, 1.0, "Share of initial large firms owned by a national group."),
    p("firms.large_foreign_share", "share", 0.0, 1.0, "Share of initial large firms owned by a foreign multinational."),
    p("firms.sme_group_share", "share", 0.0, 1.0, "Share of initial SMEs (10–249) owned by a national group."),
    p("firms.sme_foreign_share", "share", 0.0, 1.0, "Share of initial SMEs owned by a foreign multinational."),
    p("firms.groups_per_sector", "count", 1.0, 1000.0, "National groups per sector (group plants share organised proximity)."),
    p("firms.initial_embeddedness", "share", 0.0, 1.0, "Initial share of local suppliers of group and multinational plants (independents start at 1)."),
    p("firms.embeddedness_rebuild", "1/year", 0.0, 1.0, "Rate at which local cooperation ties rebuild local sourcing (per unit of the strength share of local partners)."),
    p("firms.leading_firm_size", "employees", 10.0, 1.0e6, "Employees from which a firm is a leading firm (firme motrice) that pulls local suppliers."),
    p("firms.domestic_relocation_share", "share", 0.0, 1.0, "Share of globalisation-driven plant closures that relocate within the country instead of abroad."),
    p("firms.exposure_independent", "multiplier", 0.0, 5.0, "Footlooseness of independent firms under globalisation pressure."),
    p("firms.exposure_group", "multiplier", 0.0, 5.0, "Footlooseness of national-group plants."),
    p("firms.exposure_foreign", "multiplier", 0.0, 5.0, "Footlooseness of foreign multinationals' plants."),
    p("firms.skill_effect", "elasticity", 0.0, 1.5, "Efficiency ∝ 1 + skill_effect × (mean employee skill − 0.5)."),
    p("firms.knowledge_dispersion", "profile s.d.", 0.0, 1.0, "S.d. of the noise around the sector centroid in profiles of initial firms and start-ups."),
    p("firms.spinoff_diversification", "probability", 0.0, 1.0, "Probability that a spin-off enters a sector complementary to its parent's."),
    p("firms.spinoff_distance_km", "km", 0.0, 500.0, "S.d. of a spin-off's position around its parent's (capped by the urban radius)."),
    p("firms.spinoff_productivity_gap", "log points", -1.0, 1.0, "Mean log productivity of a spin-off below its parent's."),
    p("firms.spinoff_productivity_dispersion", "log s.d.", 0.0, 2.0, "S.d. of a spin-off's log productivity around its parent's minus the gap."),
    p("firms.spinoff_knowledge_dispersion", "profile s.d.", 0.0, 1.0, "S.d. of the noise around the parent's profile in a spin-off's profile."),
    p("firms.startup_own_sector", "probability", 0.0, 1.0, "Probability that a founder starts in the sector of their last job (otherwise by demand shares)."),
    p("firms.founder_skill_effect", "elasticity", 0.0, 1.5, "Start-up productivity ∝ 1 + effect × (founder skill − 0.5)."),
    p("firms.embeddedness_anchoring", "share", 0.0, 1.0, "How much local embeddedness anchors a plant: globalisation hazard × (1 − anchoring × embeddedness)."),
    // enterprises
    p("enterprises.initial_group_zipf", "exponent", 0.0, 5.0, "Initial group-owned plants are spread over a sector's groups with weights ∝ rank^−exponent (0: evenly)."),
    p("enterprises.acquisition_min_size", "employees", 1.0, 1.0e6, "Independent firms with at least this many employees may be acquired by a group."),
    p("enterprises.acquisition_selectivity", "exponent", 0.0, 10.0, "Acquisition hazard ∝ (productivity / sector mean)^selectivity: groups pick productive firms."),
    p("enterprises.acquirer_size_exponent", "exponent", 0.0, 3.0, "The acquiring group is drawn among the sector's groups of the chosen kind with weight employees^exponent."),
    p("enterprises.group_merger_factor", "ratio", 0.0, 100.0, "A group is taken over by a larger group of its sector with hazard group_merger_factor × acquisition_rate × (productivity / sector mean)^selectivity (consolidation)."),
    p("enterprises.expansion_min_size", "employees", 1.0, 1.0e6, "An independent firm needs this many employees to open a second establishment (and become a group); establishments of groups may open plants at any size."),
    p("enterprises.plant_share_of_growth", "share", 0.0, 1.0, "Share of an establishment's desired growth that a new plant takes over when the enterprise opens one."),
    p("enterprises.plant_distance_km", "km", 1.0, 10_000.0, "Decay length of the distance from the opening establishment in the choice of a new plant's region."),
    p("enterprises.group_transfer", "1/year", 0.0, 1.0, "Share of the log gap to its group's mean productivity an establishment closes per year (technology transfer within groups)."),
    p("enterprises.champion_size", "employees", 1.0, 1.0e7, "National groups with at least this many employees are national champions: the regime's state_support goes to their establishments."),
    // labour
    p("labour.search_decay_km", "km", 1.0, 5000.0, "Decay length of job applications with distance from home."),
    p("labour.applications", "count/step", 1.0, 50.0, "Applications sent by each job seeker per step."),
    p("labour.commute_km", "km", 0.0, 500.0, "A citizen hired farther than this from home moves to the employer's region."),
    p("labour.skill_learning", "1/year", 0.0, 1.0, "Share of the gap to skill 1 an employed citizen closes per year."),
    p("labour.skill_decay", "1/year", 0.0, 1.0, "Share of skill an unemployed citizen loses per year."),
    p("labour.newcomer_skill_1950", "skill (0–1)", 0.0, 1.0, "Mean skill of labour-market entrants in 1950."),
    p("labour.newcomer_skill_2025", "skill (0–1)", 0.0, 1.0, "Mean skill of entrants in 2025 (linear in between; after 2025 see trends.newcomer_skill_pace)."),
    p("labour.skill_noise", "skill s.d.", 0.0, 0.5, "S.d. of entrants' skills."),
    p("labour.training_effect", "1/year", 0.0, 1.0, "Share of the gap to skill 1 closed per year by job seekers of a region with a research or training organisation."),
    p("labour.hiring_noise", "skill units", 0.0, 5.0, "Firms rank applicants by skill + U(0, hiring_noise)."),
    p("labour.entrepreneurial_skill_effect", "elasticity", 0.0, 1.5, "Start-up probability ∝ 1 + effect × (skill − 0.5)."),
    // proximity
    p("proximity.decay_length_km", "km", 1.0, 5000.0, "λ in 1950: geographic proximity g = exp(−d × distance_cost / λ(t))."),
    p("proximity.decay_length_growth", "1/year", 0.0, 0.2, "Growth rate of λ as transport and communication costs fall: λ(t) = λ₁₉₅₀ e^{growth (t − 1950)} (after 2025 see trends.decay_length_pace)."),
    p("proximity.belonging_weight", "weight", 0.0, 1.0, "w_b: weight of the logic of belonging in organised proximity."),
    p("proximity.similarity_weight", "weight", 0.0, 1.0, "w_s: weight of the logic of similarity (knowledge-profile cosine)."),
    p("proximity.partner_of_partner_belonging", "share", 0.0, 1.0, "Belonging credited to a pair with a common partner (triadic closure)."),
    p("proximity.partner_belonging", "share", 0.0, 1.0, "Belonging credited to existing partners when their tie comes up for renewal."),
    p("proximity.event_proximity", "proximity", 0.0, 1.0, "Temporary geographic proximity of two firms meeting at an event."),
    // cooperation
    p("cooperation.network_share", "share", 0.0, 1.0, "Share of partner candidates drawn from the network (partners of partners, cluster and group co-members) rather than from space."),
    p("cooperation.max_ties_base", "ties", 0.0, 100.0, "Tie capacity of a firm = base + per_log_size × ln(1 + employees)."),
    p("cooperation.max_ties_per_log_size", "ties", 0.0, 100.0, "Increase of tie capacity per unit of ln(1 + employees)."),
    p("cooperation.tie_decay", "1/year", 0.0, 1.0, "Share of a tie's strength lost per year unless renewed."),
    p("cooperation.renewal_rate", "share", 0.0, 1.0, "A tie is renewed in a year with probability renewal_rate × its formation probability."),
    p("cooperation.dissolve_below", "strength", 0.01, 1.0, "A tie whose strength falls below this is dissolved."),
    p("cooperation.same_sector_complementarity", "complementarity", 0.0, 1.0, "Complementarity of two firms of the same sector."),
    p("cooperation.other_sector_complementarity", "complementarity", 0.0, 1.0, "Complementarity of unrelated sectors (listed complements have 1)."),
    p("cooperation.event_attendance", "probability", 0.0, 1.0, "Probability that a cluster member attends one of its organisation's events."),
    p("cooperation.event_external_attendees", "firms/event", 0.0, 10_000.0, "Firms from anywhere in the country attending a cluster event."),
    p("cooperation.event_meetings", "meetings/attendee", 0.0, 100.0, "Other attendees each attendee meets at an event."),
    p("cooperation.fair_size", "firms/fair", 2.0, 100_000.0, "Firms attending a national fair."),
    p("cooperation.learning_rate", "1/year", 0.0, 1.0, "Rate at which a firm's knowledge profile moves towards its partners' (per unit tie strength)."),
    p("cooperation.research_complementarity", "complementarity", 0.0, 1.0, "Complementarity of a firm and a research organisation in the research-link probability."),
    // innovation
    p("innovation.base_rate", "1/year", 0.0, 1.0, "Internal innovation intensity of a 10-employee firm."),
    p("innovation.size_elasticity", "elasticity", 0.0, 1.0, "Innovation hazard ∝ (employees/10)^elasticity; the gain per innovation ∝ its inverse."),
    p("innovation.knowledge_effect", "1/year", 0.0, 50.0, "Innovation intensity per unit of absorbed, not yet obsolete knowledge (the firm's ideas stock)."),
    p("innovation.productivity_step", "share", 0.0, 1.0, "Mean productivity gain of an innovation by a 10-employee firm (exponential; scaled by (E/10)^−size_elasticity)."),
    p("innovation.cognitive_distance_max", "distance", 0.05, 1.0, "c_max: knowledge gain 4(c/c_max)(1 − c/c_max) peaks at c_max/2 and vanishes beyond c_max."),
    p("innovation.research_gain", "knowledge", 0.0, 10.0, "Weight of a research-organisation link relative to a firm tie."),
    p("innovation.profile_mutation", "share", 0.0, 1.0, "How far an innovation moves the firm's knowledge profile towards a random field."),
    p("innovation.absorptive_skill_effect", "elasticity", 0.0, 1.5, "Absorptive capacity = 1 + effect × (mean employee skill − 0.5)."),
    p("innovation.eco_step", "share", 0.0, 1.0, "Mean reduction of a firm's material intensity by an eco-innovation (a share environmental_constraint of innovations are eco-innovations)."),
    p("innovation.knowledge_obsolescence", "1/year", 0.0, 1.0, "Share of a firm's absorbed knowledge (ideas stock) that becomes obsolete each year (R&D depreciation, Pakes & Schankerman 1984; Hall 2005)."),
    // institutions
    p("institutions.authority_adjustment", "1/year", 0.0, 1.0, "Speed at which local authorities' activity approaches the regime's budget."),
    p("institutions.cluster_min_firms", "firms", 2.0, 100_000.0, "Co-located firms of a sector a region needs to be eligible for a cluster organisation."),
    p("institutions.cluster_min_lq", "ratio", 0.0, 100.0, "Location quotient (employment) a region–sector needs to be eligible."),
    p("institutions.cluster_survival_firms", "firms", 1.0, 100_000.0, "A cluster organisation is dissolved when its region–sector has fewer firms than this (≤ cluster_min_firms)."),
    p("institutions.cluster_membership_rate", "1/year", 0.0, 1.0, "Probability per year that an eligible non-member joins its cluster organisation."),
    p("institutions.cluster_dissolution_rate", "1/year", 0.0, 1.0, "Hazard that a cluster organisation is dissolved (end of label or funding)."),
    p("institutions.research_organisations", "count", 0.0, 1.0e6, "Research and training organisations, placed in regions ∝ population."),
    p("institutions.research_link_decay", "1/year", 0.0, 1.0, "Hazard that a firm's research link ends."),
    p("institutions.research_knowledge_dispersion", "profile s.d.", 0.0, 1.0, "S.d. of the noise in research organisations' profiles around a blend of two sector centroids."),
    // sectors
    p("sectors.*.firm_share", "share", 0.0, 1.0, "Share of initial firms in the sector (normalised over sectors)."),
    p("sectors.*.demand_share_1950", "share", 0.0, 1.0, "Share of final demand in 1950 (normalised)."),
    p("sectors.*.demand_share_2025", "share", 0.0, 1.0, "Share of final demand in 2025; geometric interpolation in between (after 2025 see trends.demand_shares_pace)."),
    p("sectors.*.size_tail", "exponent", 0.5, 5.0, "Pareto tail exponent of initial firm sizes; smaller means more large firms."),
    p("sectors.*.knowledge", "weight per field", 0.0, 1.0, "Centroid knowledge profile (8 fields: biology, chemistry, materials, mechanics, electronics, energy, craft, organisation)."),
    p("sectors.*.complements", "sector names", NOT_NUMERIC, NOT_NUMERIC, "Sectors with complementarity 1 (made symmetric)."),
    p("sectors.*.rural", "boolean", NOT_NUMERIC, NOT_NUMERIC, "Firms spread over the rural area instead of the urban core."),
    p("sectors.*.pollution_intensity", "index (0–1)", 0.0, 1.0, "Exposure to the environmental constraint lever."),
    p("sectors.*.globalisation_exposure", "multiplier", 0.0, 5.0, "Multiplier of globalisation pressure on the sector's plants."),
    p("sectors.*.short_chain", "boolean", NOT_NUMERIC, NOT_NUMERIC, "The sector sells through short supply chains that concerned citizens favour."),
    p("sectors.*.process_co2", "t CO2/output unit", 0.0, 1000.0, "Process emissions per output unit, besides those of virgin inputs and disposal."),
    p("sectors.*.inputs.*", "t/output unit", 0.0, 1.0e6, "Material needs per output unit (water, heat, gas, gypsum, biomass, sludge, scrap)."),
    p("sectors.*.byproducts.*", "t/output unit", 0.0, 1.0e6, "By-products released per output unit, by material."),
    // regimes
    p("regimes.*.start", "year", 1800.0, 2200.0, "First year of the regime; starts are ordered (a start after the run's end never comes)."),
    p("regimes.*.aggregate_demand", "ratio", 0.3, 2.0, "Final demand relative to the output of the whole labour force at the current mean efficiency."),
    p("regimes.*.technical_progress", "1/year", -0.1, 0.2, "Exogenous productivity growth common to all firms."),
    p("regimes.*.state_support", "share", 0.0, 1.0, "Competitiveness premium of national champions (establishments of national groups of at least enterprises.champion_size employees)."),
    p("regimes.*.scale_economies", "elasticity", -0.2, 0.3, "Elasticity of efficiency to firm size (Fordist scale economies if > 0)."),
    p("regimes.*.growth_pole_pull", "share", 0.0, 5.0, "Competitiveness premium of firms per unit of local pull of complementary leading firms."),
    p("regimes.*.regional_policy", "share", 0.0, 1.0, "Competitiveness premium per unit of regional lag (aménagement du territoire)."),
    p("regimes.*.globalisation_pressure", "1/year", 0.0, 1.0, "Closure/relocation hazard of footloose plants and erosion rate of their local sourcing."),
    p("regimes.*.local_authority_budget", "activity (0–1)", 0.0, 1.0, "Level of local authorities' development budgets and powers they tend to."),
    p("regimes.*.sme_support", "share", 0.0, 2.0, "Per unit of local-authority activity: start-ups × (1 + support), micro-firm owner exits ÷ (1 + support), bankruptcy threshold of independent SMEs × (1 + support)."),
    p("regimes.*.entrepreneurship", "1/year", 0.0, 1.0, "Probability that a job seeker starts a micro-firm (before SME support)."),
    p("regimes.*.cluster_policy", "1/year", 0.0, 1.0, "Probability per year that an eligible region–sector gets a cluster organisation."),
    p("regimes.*.event_rate", "events/year", 0.0, 52.0, "Events each cluster organisation runs per year."),
    p("regimes.*.fairs_per_year", "events/year", 0.0, 10_000.0, "National fairs and conferences per year."),
    p("regimes.*.cooperation_propensity", "candidates/year", 0.0, 50.0, "Partner candidates a 10-employee firm examines per year."),
    p("regimes.*.weight_geographic", "logit weight", 0.0, 50.0, "β_g in the tie probability."),
    p("regimes.*.weight_organised", "logit weight", 0.0, 50.0, "β_o in the tie probability."),
    p("regimes.*.weight_knowledge_gain", "logit weight", 0.0, 50.0, "β_k: weight of the expected knowledge gain gain(c) (inverted U in cognitive distance c, innovation.cognitive_distance_max) in the tie probability: partners chosen for what they can teach (0: by proximity alone)."),
    p("regimes.*.weight_complementarity", "logit weight", 0.0, 50.0, "β_c in the tie probability."),
    p("regimes.*.tie_threshold", "logit", 0.0, 100.0, "θ: cost term of the tie probability."),
    p("regimes.*.distance_cost", "multiplier", 0.01, 100.0, "Multiplier of distance in geographic proximity (cost of distance)."),
    p("regimes.*.open_innovation", "1/year", 0.0, 1.0, "Probability per year that a firm without a research link seeks one."),
    p("regimes.*.environmental_constraint", "share", 0.0, 1.0, "Competitiveness penalty per unit of a sector's pollution intensity."),
    p("regimes.*.virgin_price_index", "multiplier", 0.1, 10.0, "Multiplier of every material's virgin price (resource scarcity, water pricing)."),
    p("regimes.*.disposal_cost_index", "multiplier", 0.1, 10.0, "Multiplier of every material's disposal cost (stricter discharge and landfill rules)."),
    p("regimes.*.landfill_tax", "output units/t", 0.0, 1.0, "Tax on each tonne of solid by-product disposed of."),
    p("regimes.*.carbon_price", "output units/t CO2", 0.0, 1.0, "Price of each tonne of CO2 emitted."),
    p("regimes.*.symbiosis_facilitation", "share", 0.0, 1.0, "National symbiosis facilitation (coordinators, programmes): lowers transaction costs and raises the search for partners."),
    p("regimes.*.environmental_salience", "share", 0.0, 1.0, "Salience of environmental issues in public debate, which citizens' concern tends to."),
    p("regimes.*.citizen_participation", "share", 0.0, 1.0, "Openness of local governance to citizens (consultations, forums): scales participation."),
    p("regimes.*.tiers_lieux_support", "1/year", 0.0, 10.0, "Tiers-lieux created per year per unit of a region's tiers-lieux budget."),
    p("regimes.*.business_ecosystems", "share", 0.0, 1.0, "Share of partner candidates drawn among the leading firms (ecosystem centres) of the region."),
    p("regimes.*.acquisition_rate", "1/year", 0.0, 1.0, "Hazard that an independent firm (of at least acquisition_min_size employees, at the sector's mean productivity) is acquired by a group: mergers, take-overs, filialisation."),
    p("regimes.*.plant_opening_rate", "1/year", 0.0, 1.0, "Probability per year that a growing establishment of a group (or a large independent firm) opens a new plant instead of growing on its site."),
    p("regimes.*.foreign_acquisitions", "share", 0.0, 1.0, "Share of acquisitions made by foreign multinationals."),
    // materials
    p("materials.*.virgin_price", "output units/t", 0.0, 10.0, "Price of a tonne of virgin input (before energy-price shocks)."),
    p("materials.*.disposal_cost", "output units/t", 0.0, 10.0, "Cost of disposing of a tonne of by-product (landfill, discharge, treatment), before the landfill tax."),
    p("materials.*.transport_cost", "output units/(t·km)", 0.0, 1.0, "Cost of moving a tonne of by-product one km to a receiver."),
    p("materials.*.treatment_cost", "output units/t", 0.0, 10.0, "Cost of preparing a tonne of by-product for reuse."),
    p("materials.*.co2_virgin", "t CO2/t", 0.0, 100.0, "CO2 emitted per tonne of virgin input (production and combustion)."),
    p("materials.*.co2_disposal", "t CO2/t", 0.0, 100.0, "CO2 (equivalent) emitted per tonne disposed of (flaring, landfill methane)."),
    p("materials.*.solid", "boolean", NOT_NUMERIC, NOT_NUMERIC, "The landfill tax applies to its disposal."),
    p("materials.*.energy", "boolean", NOT_NUMERIC, NOT_NUMERIC, "Energy-price shocks raise its virgin price."),
    p("materials.*.criticality", "share", 0.0, 1.0, "Share of a firm's material throughput at stake, for a step, when it loses by surprise all of its exchanged supply, or outlet, of the material."),
    // symbiosis
    p("symbiosis.enabled", "boolean", NOT_NUMERIC, NOT_NUMERIC, "Firms exchange by-products; false turns industrial symbiosis off."),
    p("symbiosis.search_rate", "searches/year", 0.0, 100.0, "Searches per year and material of a firm with an unused by-product, before facilitation."),
    p("symbiosis.candidates_per_search", "receivers", 1.0, 100.0, "Candidate receivers examined in one search; the firm approaches the one with which the exchange gains most."),
    p("symbiosis.facilitation_search", "multiplier", 0.0, 100.0, "Search is multiplied by 1 + facilitation_search × facilitation."),
    p("symbiosis.network_share", "share", 0.0, 1.0, "Share of candidate receivers drawn from the firm's cooperation partners and cluster co-members."),
    p("symbiosis.reach_km", "km", 1.0, 5000.0, "Decay length of the region drawn for a candidate receiver."),
    p("symbiosis.transaction_cost", "output units/year", 0.0, 1000.0, "Yearly cost of running one exchange (contracts, coordination) before trust and facilitation."),
    p("symbiosis.trust_discount", "share", 0.0, 1.0, "Transaction cost × (1 − trust_discount × organised proximity of the pair)."),
    p("symbiosis.min_tonnes", "t/year", 0.0, 1.0e9, "Smallest flow worth an exchange."),
    p("symbiosis.setup_years", "years", 0.0, 20.0, "Years between agreeing an exchange and its first flow (pipelines, permits)."),
    p("symbiosis.contract_years", "years", 1.0, 50.0, "Length of an exchange contract; at its end the exchange is renewed only if still worth it to both."),
    p("symbiosis.break_fraction", "share", 0.0, 1.0, "An exchange breaks when the supplier can deliver less than this share of the contracted flow."),
    p("symbiosis.process_change_rate", "1/year", 0.0, 1.0, "Hazard that a change of process ends an exchange."),
    p("symbiosis.cluster_facilitation", "share", 0.0, 1.0, "Facilitation when a partner is a member of a cluster organisation (animation, trust)."),
    p("symbiosis.authority_facilitation", "share/budget share", 0.0, 10.0, "Facilitation per unit of (local authority activity × symbiosis share of its budget)."),
    p("symbiosis.disruption_effect", "share", 0.0, 1.0, "Scales the disruption of a firm whose partner closed: its material throughput is 1 − effect × criticality × share of the need or outlet lost."),
    p("symbiosis.disruption_years", "years", 0.0, 20.0, "Years a firm needs to replace a supply or outlet lost by surprise (its own boiler, a disposal route or a new exchange; by default as long as setting up an exchange); its throughput stays disrupted meanwhile (at least one step)."),
    p("symbiosis.max_facilitation", "share", 0.0, 1.0, "Facilitation never removes more than this share of transaction costs."),
    // citizens
    p("citizens.initial_concern", "concern (0–1)", 0.0, 1.0, "Mean environmental concern at the start and of entrants, before it adjusts."),
    p("citizens.concern_adjustment", "1/year", 0.0, 1.0, "Share of the gap to its target a citizen's concern closes per year."),
    p("citizens.neighbour_weight", "share", 0.0, 1.0, "Weight of the region's mean concern (neighbours) in a citizen's target concern."),
    p("citizens.pollution_weight", "share", 0.0, 1.0, "Weight of local pollution, against the regime's environmental salience, in the personal part of the target."),
    p("citizens.participation_propensity", "probability/year", 0.0, 1.0, "Participation probability per year = propensity × concern × openness."),
    p("citizens.tiers_lieux_participation", "openness per tiers-lieu per 1,000 residents", 0.0, 10.0, "Openness added by tiers-lieux in the region (participation in them)."),
    p("citizens.tiers_lieux_per_budget", "tiers-lieux/(budget unit·year)", 0.0, 1000.0, "Tiers-lieux created per year per output unit of tiers-lieux budget, times the regime's support."),
    p("citizens.tiers_lieux_closure_rate", "1/year", 0.0, 1.0, "Hazard that a tiers-lieu closes."),
    p("citizens.tiers_lieux_startup_boost", "multiplier per tiers-lieu per 1,000 residents", 0.0, 100.0, "Start-ups of participating citizens × (1 + boost × tiers-lieux density)."),
    p("citizens.short_chain_premium", "share", 0.0, 1.0, "Competitiveness premium of short-chain sectors per unit of regional mean concern."),
    p("citizens.conflict_propensity", "probability", 0.0, 1.0, "Probability that an expansion of a polluting plant meets opposition, per unit of concern × participation."),
    p("citizens.conflict_pollution_threshold", "index (0–1)", 0.0, 1.0, "Pollution intensity from which a plant's expansion can be opposed."),
    p("citizens.remediation_effect", "share", 0.0, 1.0, "Reduction of perceived local pollution per unit of remediation effort (activity × remediation share)."),
    // governance
    p("governance.budget_per_resident", "output units/(resident·year)", 0.0, 10.0, "A fully active local authority's budget per resident."),
    p("governance.citizen_influence", "multiplier", 0.0, 100.0, "Weight of citizens' preferences = min(1, influence × participation rate of the region)."),
    p("governance.firm_weights.*", "share", 0.0, 1.0, "Budget shares firms (business stakeholders) want (normalised)."),
    p("governance.citizen_weights.*", "share", 0.0, 1.0, "Budget shares participating citizens want (normalised)."),
    // trends
    p("trends.demand_shares_pace", "× 1950–2025 pace", 0.0, 5.0, "Past 2025, sector demand shares follow their 1950–2025 geometric trend at this multiple of its pace: 0 holds the 2025 shares, 1 continues the trend."),
    p("trends.newcomer_skill_pace", "× 1950–2025 pace", 0.0, 5.0, "Past 2025, entrants' mean skill follows its 1950–2025 linear trend at this multiple of its pace (kept within 0–1): 0 holds the 2025 value."),
    p("trends.decay_length_pace", "× 1950–2025 pace", 0.0, 5.0, "Past 2025, the decay length λ grows at this multiple of decay_length_growth: 1 continues the trend, 0 holds λ(2025)."),
    // instruments
    p("instruments.*.kind", "name", NOT_NUMERIC, NOT_NUMERIC, "spl, pole or grappe: names the columns counting its organisations."),
    p("instruments.*.regime", "name", NOT_NUMERIC, NOT_NUMERIC, "Regime that enables it; no call before that regime starts."),
    p("instruments.*.calls", "year", 1800.0, 2200.0, "Years of the calls for projects."),
    p("instruments.*.labels", "count", 0.0, 100_000.0, "Organisations the State labels at each call (the State's input); fewer if fewer apply."),
    p("instruments.*.sectors", "name", NOT_NUMERIC, NOT_NUMERIC, "Eligible sectors; empty: all."),
    p("instruments.*.min_firms", "count", 1.0, 1.0e6, "Firms of the sector a region–sector needs to apply."),
    p("instruments.*.min_lq", "ratio", 0.0, 100.0, "Employment location quotient a region–sector needs to apply."),
    p("instruments.*.selection", "name", NOT_NUMERIC, NOT_NUMERIC, "How the State ranks applicants: declining (fastest fall of employment over selection_years first), strongest (highest mean productivity first) or random."),
    p("instruments.*.selection_years", "years", 1.0, 50.0, "Years over which `declining` measures the change of employment."),
    p("instruments.*.application_rate", "share", 0.0, 1.0, "Probability that an eligible region–sector applies at a call, × its local authority's activity."),
    p("instruments.*.membership_rate", "1/year", 0.0, 1.0, "Probability per year that a firm of the sector (or a complementary one) in the region joins."),
    p("instruments.*.min_members", "count", 0.0, 1.0e6, "An organisation with fewer members (after its first year) dissolves."),
    p("instruments.*.funding_years", "years", 0.0, 100.0, "Years of public animation funding after labelling."),
    p("instruments.*.project_rate", "1/year", 0.0, 10.0, "Collaborative R&D projects started per member per year."),
    p("instruments.*.project_size", "firms", 2.0, 100.0, "Member firms in a project."),
    p("instruments.*.project_years", "years", 1.0, 20.0, "Years a project lasts."),
    p("instruments.*.cofunding", "share", 0.0, 10.0, "Public co-funding of a project per unit of the participants' own R&D spending."),
    p("instruments.*.rd_effect", "share", 0.0, 10.0, "Rise of a participant's own innovation effort per unit of R&D the project finances: effort × (1 + rd_effect × (1 + cofunding))."),
    p("instruments.*.event_rate", "1/year", 0.0, 100.0, "Events per year an organisation holds while funded (then the regime's event_rate × the local authority's animation budget)."),
    p("instruments.*.shared_services", "share", 0.0, 1.0, "Share of members' fixed costs saved by shared services."),
    p("instruments.*.activity_norm", "1/year", 0.0, 100.0, "Projects and events per member per year at which an unfunded organisation runs no risk of dissolving."),
    p("instruments.*.dissolution_rate", "1/year", 0.0, 10.0, "Dissolution hazard of an unfunded organisation without activity (× the shortfall of its activity from activity_norm)."),
    p("instruments.*.evaluations", "year", 1800.0, 2200.0, "Years of evaluation rounds."),
    p("instruments.*.evaluation_thresholds", "1/year", 0.0, 100.0, "For each evaluation, the State's criterion: organisations whose mean activity (projects and events per member per year) since their labelling or the last evaluation is below it are de-labelled."),
    // shocks
    p("shocks.*.enabled", "boolean", NOT_NUMERIC, NOT_NUMERIC, "Whether the shock happens."),
    p("shocks.*.kind", "name", NOT_NUMERIC, NOT_NUMERIC, "energy_price (virgin prices of energy materials × (1 + magnitude)), demand (aggregate demand × (1 − magnitude)), remove_hub (the firm with the most exchanged tonnes closes), sector_closure (all firms of `sector` in `region` close)."),
    p("shocks.*.year", "year", 1800.0, 2200.0, "Year of the shock (not before the run's start; after its end the shock does not happen)."),
    p("shocks.*.magnitude", "share", 0.0, 100.0, "Size of an energy-price or demand shock."),
    p("shocks.*.duration", "years", 1.0, 200.0, "Years an energy-price or demand shock lasts."),
    p("shocks.*.sector", "sector name", NOT_NUMERIC, NOT_NUMERIC, "Sector of a sector_closure."),
    p("shocks.*.region", "region name", NOT_NUMERIC, NOT_NUMERIC, "Region of a sector_closure (R01 is the largest)."),
    // declared firms
    p("declared_firms.*.sector", "sector name", NOT_NUMERIC, NOT_NUMERIC, "Sector of the declared firm."),
    p("declared_firms.*.region", "region name", NOT_NUMERIC, NOT_NUMERIC, "Region (R01…); empty for R01."),
    p("declared_firms.*.dx_km", "km", -10000.0, 10000.0, "East offset from the regional centre."),
    p("declared_firms.*.dy_km", "km", -10000.0, 10000.0, "North offset from the regional centre."),
    p("declared_firms.*.employees", "employees", 1.0, 1.0e6, "Size the firm keeps (it hires towards it; it does not grow, shrink or go bankrupt)."),
    p("declared_firms.*.founded", "year", 0.0, 2200.0, "Year the firm starts (0 or before the run: at the start; after its end: never)."),
    p("declared_firms.*.closed", "year", 0.0, 2200.0, "Year the firm closes (0: never)."),
    p("declared_firms.*.ownership", "name", NOT_NUMERIC, NOT_NUMERIC, "independent, national_group or foreign."),
    p("declared_firms.*.needs.*", "t/year", 0.0, 1.0e12, "Needs at full size in tonnes per year (all zero: the sector's technology applies)."),
    p("declared_firms.*.byproducts.*", "t/year", 0.0, 1.0e12, "By-products at full size in tonnes per year (all zero: the sector's technology applies)."),
    p("declared_firms.*.byproducts_from.*", "year", 0.0, 2200.0, "Year from which each by-product is released (0: always)."),

    // output
    p("output.regions", "boolean", NOT_NUMERIC, NOT_NUMERIC, "Write regions.csv."),
    p("output.sectors", "boolean", NOT_NUMERIC, NOT_NUMERIC, "Write sectors.csv (one row per step and sector)."),
    p("output.exchanges", "boolean", NOT_NUMERIC, NOT_NUMERIC, "Write exchanges.csv (active exchanges per step)."),
    p("output.firm_snapshot_years", "years", 1800.0, 2200.0, "Years for which firms.csv lists every firm (empty: no firms.csv); not before the run's start (years after its end are not reached)."),
    p("output.network_snapshot_years", "years", 1800.0, 2200.0, "Years for which ties.csv, nodes.csv and network_YEAR.graphml hold the cooperation network (empty: none written); not before the run's start (years after its end are not reached)."),
];

/// The spec governing a dotted path, if any (`*` matches one segment).
/// The first matching entry of [`PARAMS`] wins.
pub fn spec_for(path: &str) -> Option<&'static ParamSpec> {
    let index = spec_index();
    let segments: Vec<&str> = path.split('.').collect();
    let (first, last) = (segments.first()?, segments.last()?);
    let bucket = index.by_ends.get(&(*first, *last, segments.len()));
    bucket
        .into_iter()
        .flatten()
        .chain(&index.others)
        .filter(|&&i| pattern_matches(PARAMS[i].path, path))
        .min()
        .map(|&i| &PARAMS[i])
}

/// Entries of [`PARAMS`] by (first segment, last segment, segment count),
/// so that resolving a scenario does not scan the whole table per key;
/// patterns starting or ending with `*` are in `others`.
struct SpecIndex {
    by_ends: std::collections::HashMap<(&'static str, &'static str, usize), Vec<usize>>,
    others: Vec<usize>,
}

fn spec_index() -> &'static SpecIndex {
    static INDEX: std::sync::OnceLock<SpecIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = SpecIndex {
            by_ends: std::collections::HashMap::new(),
            others: Vec::new(),
        };
        for (i, spec) in PARAMS.iter().enumerate() {
            let segments: Vec<&'static str> = spec.path.split('.').collect();
            match (segments.first(), segments.last()) {
                (Some(&f), Some(&l)) if f != "*" && l != "*" => index
                    .by_ends
                    .entry((f, l, segments.len()))
                    .or_default()
                    .push(i),
                _ => index.others.push(i),
            }
        }
        index
    })
}

pub(crate) fn pattern_matches(pattern: &str, path: &str) -> bool {
    let mut a = pattern.split('.');
    let mut b = path.split('.');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x == "*" || x == y => {}
            _ => return false,
        }
    }
}

/// Format a range bound for people.
pub fn fmt_bound(x: f64) -> String {
    if x.abs() >= 1.0e15 {
        "2^63−1".to_string()
    } else if x == x.trunc() && x.abs() < 1.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The parameter tables as Markdown: one table per section with default,
/// unit, range and meaning, then the regime levers by regime and the sector
/// parameters by sector. `defaults` is the fully resolved default scenario.
pub fn markdown_tables(defaults: &toml::Value) -> String {
    use super::transition::{DeclaredFirm, MATERIAL_NAMES, Shock};
    use super::{REGIME_NAMES, SECTOR_NAMES};
    let entry = |v: Result<toml::Value, toml::ser::Error>| {
        v.unwrap_or(toml::Value::Table(toml::Table::new()))
    };
    let shock = entry(toml::Value::try_from(Shock::default()));
    let declared = entry(toml::Value::try_from(DeclaredFirm::default()));
    let mut out = String::new();
    let mut section = "";
    for spec in PARAMS {
        let top = spec.path.split('.').next().unwrap_or("");
        if top != section {
            section = top;
            out.push_str(&format!("\n#### `[{section}]`\n\n"));
            out.push_str(
                "| parameter | default | unit | range | meaning |\n|---|---|---|---|---|\n",
            );
        }
        let rest = spec.path.splitn(3, '.').nth(2).unwrap_or("");
        let default = match top {
            "regimes" => "by regime, below".to_string(),
            "sectors" => "by sector, below".to_string(),
            "materials" => "by material, below".to_string(),
            "shocks" => render(lookup(&shock, rest)),
            "declared_firms" => render(lookup(&declared, rest)),
            _ => render(lookup(defaults, spec.path)),
        };
        let range = if spec.min.is_nan() {
            "—".to_string()
        } else {
            format!("{} – {}", fmt_bound(spec.min), fmt_bound(spec.max))
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            spec.path, default, spec.unit, range, spec.doc
        ));
    }
    let regimes: Vec<String> = REGIME_NAMES
        .iter()
        .map(|r| format!("regimes.{r}"))
        .collect();
    out.push_str(&by_entity(
        defaults,
        "Regime levers by regime",
        "lever",
        "regimes.*.",
        &regimes,
        &REGIME_NAMES,
        true,
    ));
    let sectors: Vec<String> = SECTOR_NAMES
        .iter()
        .map(|r| format!("sectors.{r}"))
        .collect();
    out.push_str(&by_entity(
        defaults,
        "Sector parameters by sector",
        "sector",
        "sectors.*.",
        &sectors,
        &SECTOR_NAMES,
        false,
    ));
    let materials: Vec<String> = MATERIAL_NAMES
        .iter()
        .map(|r| format!("materials.{r}"))
        .collect();
    out.push_str(&by_entity(
        defaults,
        "Material parameters by material",
        "material",
        "materials.*.",
        &materials,
        &MATERIAL_NAMES,
        false,
    ));
    out.push_str("\n#### Default shocks\n\n| name | kind | year | magnitude | duration |\n|---|---|---|---|---|\n");
    if let Some(toml::Value::Table(shocks)) = lookup(defaults, "shocks") {
        for (name, s) in shocks {
            let f = |k: &str| render(s.get(k));
            out.push_str(&format!(
                "| {name} | {} | {} | {} | {} |\n",
                f("kind"),
                f("year"),
                f("magnitude"),
                f("duration")
            ));
        }
    }
    out
}

/// One parameter for scripts: a leaf of the default scenario, or a field of
/// the entries a scenario names itself (`shocks.*.kind`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ParamRow {
    pub path: String,
    pub default: toml::Value,
    pub unit: &'static str,
    /// The range; `None` for booleans and names.
    pub min: Option<serde_json::Number>,
    pub max: Option<serde_json::Number>,
    pub meaning: &'static str,
}

/// Every parameter, in the order of [`PARAMS`]: each leaf of `defaults`
/// (every sector, regime, material and default shock spelled out), then
/// for `shocks.*` and `declared_firms.*` the defaults of a new entry.
pub fn rows(defaults: &toml::Value) -> crate::Result<Vec<ParamRow>> {
    use super::transition::{DeclaredFirm, Shock};
    let entry = |v: Result<toml::Value, toml::ser::Error>| {
        v.map_err(|e| crate::Error::Internal(format!("entry defaults: {e}")))
    };
    let mut leaves = Vec::new();
    collect_leaves(defaults, "", &mut leaves);
    for (name, value) in [
        ("shocks.*", entry(toml::Value::try_from(Shock::default()))?),
        (
            "declared_firms.*",
            entry(toml::Value::try_from(DeclaredFirm::default()))?,
        ),
    ] {
        collect_leaves(&value, name, &mut leaves);
    }
    let mut by_spec: Vec<Vec<(String, toml::Value)>> = vec![Vec::new(); PARAMS.len()];
    for (path, value) in leaves {
        let index = spec_for(&path)
            .and_then(|spec| PARAMS.iter().position(|p| std::ptr::eq(p, spec)))
            .ok_or_else(|| crate::Error::Internal(format!("parameter `{path}` has no spec")))?;
        by_spec[index].push((path, value));
    }
    let bound = |x: f64, integer: bool| {
        if x.is_nan() {
            None
        } else if integer || x == x.trunc() && x.abs() < 9.0e15 {
            // Integer parameters' bounds as integers (2^63 stands for i64::MAX).
            Some(serde_json::Number::from(if x >= 9.2e18 {
                i64::MAX
            } else {
                x as i64
            }))
        } else {
            serde_json::Number::from_f64(x)
        }
    };
    let mut out = Vec::new();
    for (spec, leaves) in PARAMS.iter().zip(by_spec) {
        for (path, default) in leaves {
            let integer = match &default {
                toml::Value::Integer(_) => true,
                toml::Value::Array(a) => a.first().is_some_and(toml::Value::is_integer),
                _ => false,
            };
            out.push(ParamRow {
                path,
                min: bound(spec.min, integer),
                max: bound(spec.max, integer),
                default,
                unit: spec.unit,
                meaning: spec.doc,
            });
        }
    }
    Ok(out)
}

fn collect_leaves(v: &toml::Value, prefix: &str, out: &mut Vec<(String, toml::Value)>) {
    match v {
        toml::Value::Table(t) => {
            for (k, child) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                collect_leaves(child, &path, out);
            }
        }
        leaf => out.push((prefix.to_string(), leaf.clone())),
    }
}

/// The parameters as a JSON array of `{path, default, unit, min, max,
/// meaning}` objects (`min` and `max` are null for booleans and names).
pub fn json(defaults: &toml::Value) -> crate::Result<String> {
    serde_json::to_string_pretty(&rows(defaults)?)
        .map(|t| t + "\n")
        .map_err(|e| crate::Error::Internal(format!("params json: {e}")))
}

/// The parameters as CSV: `path,default,unit,min,max,meaning`; a default
/// that is a list is written as TOML (`[0.6, 0.1]`), a name as is.
pub fn csv(defaults: &toml::Value) -> crate::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let fail = |e: ::csv::Error| crate::Error::Internal(format!("params csv: {e}"));
    w.write_record(["path", "default", "unit", "min", "max", "meaning"])
        .map_err(fail)?;
    let number =
        |n: &Option<serde_json::Number>| n.as_ref().map(|n| n.to_string()).unwrap_or_default();
    for r in rows(defaults)? {
        let default = match &r.default {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        w.write_record([
            r.path.as_str(),
            &default,
            r.unit,
            &number(&r.min),
            &number(&r.max),
            r.meaning,
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| crate::Error::Internal(format!("params csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| crate::Error::Internal(format!("params csv: {e}")))
}

/// A table of the parameters under `prefix` for several entities: one row
/// per parameter (`by_row = true`) or one row per entity.
fn by_entity(
    defaults: &toml::Value,
    title: &str,
    label: &str,
    prefix: &str,
    paths: &[String],
    names: &[&str],
    by_row: bool,
) -> String {
    let fields: Vec<&str> = PARAMS
        .iter()
        .filter_map(|s| s.path.strip_prefix(prefix))
        .collect();
    let value = |path: &str, field: &str| -> String {
        match field.strip_suffix(".*") {
            Some(table) => render_nonzero(lookup(defaults, &format!("{path}.{table}"))),
            None => render(lookup(defaults, &format!("{path}.{field}"))),
        }
    };
    let mut out = format!("\n#### {title}\n\n");
    if by_row {
        out.push_str(&format!("| {label} |"));
        for n in names {
            out.push_str(&format!(" {n} |"));
        }
        out.push_str(&format!("\n|---|{}\n", "---|".repeat(names.len())));
        for f in &fields {
            out.push_str(&format!("| `{f}` |"));
            for p in paths {
                out.push_str(&format!(" {} |", value(p, f)));
            }
            out.push('\n');
        }
    } else {
        out.push_str(&format!("| {label} |"));
        for f in &fields {
            out.push_str(&format!(" `{}` |", f.trim_end_matches(".*")));
        }
        out.push_str(&format!("\n|---|{}\n", "---|".repeat(fields.len())));
        for (n, p) in names.iter().zip(paths) {
            out.push_str(&format!("| {n} |"));
            for f in &fields {
                out.push_str(&format!(" {} |", value(p, f)));
            }
            out.push('\n');
        }
    }
    out
}

fn render(v: Option<&toml::Value>) -> String {
    match v {
        Some(toml::Value::Table(t)) => render_nonzero(Some(&toml::Value::Table(t.clone()))),
        Some(v) => short(v),
        None => "—".into(),
    }
}

/// A table of numbers as `name value` pairs, zeros left out.
fn render_nonzero(v: Option<&toml::Value>) -> String {
    let Some(toml::Value::Table(t)) = v else {
        return "—".into();
    };
    let parts: Vec<String> = t
        .iter()
        .filter(|(_, x)| {
            x.as_float().map(|f| f != 0.0).unwrap_or(true) && x.as_integer() != Some(0)
        })
        .map(|(k, x)| format!("{k} {}", short(x)))
        .collect();
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join(", ")
    }
}

fn lookup<'a>(v: &'a toml::Value, path: &str) -> Option<&'a toml::Value> {
    path.split('.').try_fold(v, |node, key| node.get(key))
}

fn short(v: &toml::Value) -> String {
    match v {
        toml::Value::Array(a) => {
            let items: Vec<String> = a.iter().map(short).collect();
            format!("[{}]", items.join(", "))
        }
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
