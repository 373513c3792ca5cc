//! Cluster policy instruments declared by a scenario (`[instruments.<name>]`):
//! the State's dated calls for projects (SPL, pôles de compétitivité,
//! grappes d'entreprises), what it labels, how labelled organisations act
//! and how they are evaluated.

use serde::{Deserialize, Serialize};

/// The kinds of instruments (each names a family of output columns).
pub const INSTRUMENT_KINDS: [&str; 3] = ["spl", "pole", "grappe"];

/// How the State ranks the territories that apply to a call.
pub const SELECTIONS: [&str; 3] = ["declining", "strongest", "random"];

/// One instrument (`[instruments.<name>]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// `spl`, `pole` or `grappe`.
    pub kind: String,
    /// The regime that enables it; it never acts before that regime starts.
    pub regime: String,
    /// Years of the calls for projects.
    pub calls: Vec<i64>,
    /// How many organisations the State labels at each call (same length as `calls`).
    pub labels: Vec<i64>,
    /// Eligible sectors (names); empty: all.
    pub sectors: Vec<String>,
    /// Firms of the sector a region–sector needs to apply.
    pub min_firms: i64,
    /// Employment location quotient a region–sector needs to apply.
    pub min_lq: f64,
    /// `declining`, `strongest` or `random`.
    pub selection: String,
    /// Years over which `declining` measures the change of employment.
    pub selection_years: i64,
    /// Probability that an eligible region–sector applies at a call, × its
    /// local authority's activity.
    pub application_rate: f64,
    /// Probability per year that a firm of the organisation's sector (or a
    /// complementary one) in its region joins.
    pub membership_rate: f64,
    /// An organisation with fewer members dissolves.
    pub min_members: i64,
    /// Years of public animation funding after labelling.
    pub funding_years: i64,
    /// Collaborative R&D projects started per member per year.
    pub project_rate: f64,
    /// Member firms in a project.
    pub project_size: i64,
    /// Years a project lasts.
    pub project_years: i64,
    /// Share of a project's cost paid by public co-funding (State, local authorities).
    pub cofunding: f64,
    /// Rise of a project participant's internal innovation effort per unit
    /// of its own R&D spending (the effort it finances is 1 + cofunding).
    pub rd_effect: f64,
    /// Events per year an organisation holds while funded.
    pub event_rate: f64,
    /// Share of members' fixed costs saved by the organisation's shared services.
    pub shared_services: f64,
    /// Projects and events per member per year at which an unfunded
    /// organisation is fully active (no dissolution hazard).
    pub activity_norm: f64,
    /// Hazard per year of an unfunded organisation with no activity.
    pub dissolution_rate: f64,
    /// Years of evaluation rounds.
    pub evaluations: Vec<i64>,
    /// For each evaluation, the projects and events per member per year,
    /// averaged since the last evaluation (or the labelling), below which an
    /// organisation is de-labelled (the State's criterion at that round).
    pub evaluation_thresholds: Vec<f64>,
}

impl Default for Instrument {
    fn default() -> Self {
        Self {
            kind: "spl".into(),
            regime: "clusters".into(),
            calls: Vec::new(),
            labels: Vec::new(),
            sectors: Vec::new(),
            min_firms: 10,
            min_lq: 1.0,
            selection: "random".into(),
            selection_years: 5,
            application_rate: 0.5,
            membership_rate: 0.1,
            min_members: 3,
            funding_years: 3,
            project_rate: 0.05,
            project_size: 3,
            project_years: 3,
            cofunding: 0.3,
            rd_effect: 0.2,
            event_rate: 2.0,
            shared_services: 0.0,
            activity_norm: 0.1,
            dissolution_rate: 0.2,
            evaluations: Vec::new(),
            evaluation_thresholds: Vec::new(),
        }
    }
}
