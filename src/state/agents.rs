//! State variables of firms and citizens.

use crate::state::sectors::Profile;

/// Identifier of a firm, never reused within a run.
pub type FirmId = u32;

/// "No firm / no organisation" marker for id fields.
pub const NONE: u32 = u32::MAX;

/// Who owns a firm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Ownership {
    Independent,
    NationalGroup,
    Foreign,
}

impl Ownership {
    /// How footloose a plant of this ownership is under globalisation.
    pub fn exposure(self, p: &crate::scenario::FirmParams) -> f64 {
        match self {
            Ownership::Independent => p.exposure_independent,
            Ownership::NationalGroup => p.exposure_group,
            Ownership::Foreign => p.exposure_foreign,
        }
    }
}

/// EU size classes by employees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeClass {
    /// Fewer than 10 employees.
    Micro,
    /// 10 to 249 employees.
    Sme,
    /// 250 employees or more.
    Large,
}

impl SizeClass {
    /// The class of a firm with `employees` employees.
    pub fn of(employees: u32) -> Self {
        match employees {
            0..=9 => SizeClass::Micro,
            10..=249 => SizeClass::Sme,
            _ => SizeClass::Large,
        }
    }
}

/// A step stored in 16 bits (a run has at most 401 × 12 = 4,812 steps; a
/// later step saturates).
#[inline]
pub fn step16(step: u32) -> u16 {
    step.min(u32::from(u16::MAX)) as u16
}

/// A firm (one establishment; group plants share a `group`).
#[derive(Debug, Clone, Copy)]
pub struct Firm {
    pub id: FirmId,
    pub sector: u8,
    pub region: u16,
    pub ownership: Ownership,
    /// Position, km.
    pub x: f32,
    pub y: f32,
    /// National group or multinational the plant belongs to, or [`NONE`].
    pub group: u32,
    /// Employees (citizens whose employer is this firm) at the end of the last step.
    pub employees: u32,
    /// Productivity (output per worker-year, before scale, agglomeration and skills).
    pub productivity: f64,
    /// Cash, in output units.
    pub cash: f64,
    pub knowledge: Profile,
    /// Share of inputs bought from local suppliers.
    pub embeddedness: f32,
    /// Cluster organisation the firm is a member of, or [`NONE`].
    pub cluster: u32,
    /// Research organisation the firm is linked to, or [`NONE`].
    pub research: u32,
    /// Step at which the firm was created.
    pub born: u32,
    /// Sales of the last step, output units per year.
    pub sales: f64,
    /// Profit margin of the last step (profit / sales).
    pub margin: f32,
    /// Mean skill of its employees at the end of the last step.
    pub mean_skill: f32,
    /// Material intensity: multiplies its sector's material coefficients
    /// (1 at creation, lowered by eco-innovations).
    pub intensity: f32,
    /// Material costs of the last step per unit of sales.
    pub material_cost_share: f32,
    /// Tonnes it sent and received through exchanges in the last step.
    pub exchanged_tonnes: f64,
    /// Last step's material account, tonnes per year: virgin water, all
    /// virgin inputs, by-products generated, by-products sent to others.
    pub water_use: f32,
    pub virgin_use: f32,
    pub waste: f32,
    pub reused: f32,
    /// Index of the scenario's declared firm it is, or [`NONE`].
    pub declared: u32,
    /// Closed by a shock at this step.
    pub closing: bool,
    /// Disruption of its material throughput after losing an exchanged
    /// supply or outlet by surprise (criticality × share lost), in force
    /// until step `disrupted_until` while it re-sources.
    pub disruption: f32,
    pub disrupted_until: u16,
    /// Step until which it takes part in a collaborative R&D project of
    /// its cluster organisation (see `mechanisms::instruments`). Steps fit
    /// in 16 bits: a run lasts at most 401 years of 12 steps.
    pub project_until: u16,
    /// Knowledge absorbed from partners and from its research link that is
    /// not yet obsolete (knowledge units): raised by learning
    /// (`mechanisms::cooperation`), lost at `knowledge_obsolescence` a year;
    /// drives the knowledge term of the innovation hazard.
    pub ideas: f32,
}

impl Firm {
    /// How every firm starts: constructors set the firm's identity (id,
    /// sector, place, size, productivity, cash, knowledge…) and take the
    /// rest from here with `..Firm::FRESH`.
    pub const FRESH: Firm = Firm {
        id: 0,
        sector: 0,
        region: 0,
        ownership: Ownership::Independent,
        x: 0.0,
        y: 0.0,
        group: NONE,
        employees: 0,
        productivity: 1.0,
        cash: 0.0,
        knowledge: [0.0; crate::scenario::N_KNOWLEDGE],
        embeddedness: 1.0,
        cluster: NONE,
        research: NONE,
        born: 0,
        sales: 0.0,
        margin: 0.0,
        mean_skill: 0.0,
        intensity: 1.0,
        material_cost_share: 0.0,
        exchanged_tonnes: 0.0,
        water_use: 0.0,
        virgin_use: 0.0,
        waste: 0.0,
        reused: 0.0,
        declared: NONE,
        closing: false,
        disruption: 0.0,
        disrupted_until: 0,
        project_until: 0,
        ideas: 0.0,
    };
}

/// What other firms read of a firm when they meet it (position, knowledge,
/// belonging, sector, where its partners are), packed in one cache line.
/// Phases that look up many random firms (partner search, tie renewal,
/// learning, knowledge inflow) read this copy instead of the whole
/// [`Firm`], which spans three lines: with millions of firms these lookups
/// are cache misses and dominate the step. Built from the firms when a
/// phase starts; never written back.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub struct Near {
    pub x: f32,
    pub y: f32,
    pub knowledge: Profile,
    pub cluster: u32,
    pub group: u32,
    pub region: u16,
    pub sector: u8,
    /// Where the firm's partners start in the network's adjacency and how
    /// many there are, once placed (see `Adjacency::place`): a candidate's
    /// partners are then found from this line, without loading the
    /// adjacency's row bounds too. Zero until placed.
    pub row: u32,
    pub degree: u32,
}

impl Near {
    /// The view of one firm.
    #[inline]
    pub fn of(f: &Firm) -> Self {
        Near {
            x: f.x,
            y: f.y,
            knowledge: f.knowledge,
            cluster: f.cluster,
            group: f.group,
            region: f.region,
            sector: f.sector,
            row: 0,
            degree: 0,
        }
    }

    /// The view of every firm, by index (built in parallel).
    pub fn all(firms: &[Firm]) -> Vec<Near> {
        use rayon::prelude::*;
        firms.par_iter().map(Near::of).collect()
    }
}

/// A citizen of working age (the labour force).
#[derive(Debug, Clone, Copy)]
pub struct Citizen {
    /// Region of residence.
    pub region: u16,
    /// Sector of the last job, or `u8::MAX` if never employed.
    pub last_sector: u8,
    /// Employer, or [`NONE`] if looking for a job.
    pub employer: FirmId,
    /// Skill in [0, 1].
    pub skill: f32,
    /// Year of birth.
    pub born: i16,
    /// Environmental concern in [0, 1].
    pub concern: f32,
    /// Personal predisposition to environmental concern (about 0.5–1.5).
    pub green: f32,
    /// Took part in consultations or tiers-lieux in the last step.
    pub participant: bool,
}

impl Citizen {
    /// A new member of the labour force: unemployed, with the given skill,
    /// an initial concern and a predisposition `green` drawn from `u ∈ [0, 1)`.
    pub fn entrant(region: u16, skill: f64, born: i64, concern: f64, u: f64) -> Self {
        Citizen {
            region,
            last_sector: u8::MAX,
            employer: NONE,
            skill: skill.clamp(0.0, 1.0) as f32,
            born: born as i16,
            concern: concern as f32,
            green: (0.5 + u) as f32,
            participant: false,
        }
    }

    /// Whether the citizen has a job.
    #[inline]
    pub fn employed(&self) -> bool {
        self.employer != NONE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eu_size_classes() {
        assert_eq!(SizeClass::of(0), SizeClass::Micro);
        assert_eq!(SizeClass::of(9), SizeClass::Micro);
        assert_eq!(SizeClass::of(10), SizeClass::Sme);
        assert_eq!(SizeClass::of(249), SizeClass::Sme);
        assert_eq!(SizeClass::of(250), SizeClass::Large);
    }
}
