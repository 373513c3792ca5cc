//! Enterprises and their establishments (the state; what groups do is
//! `mechanisms::enterprises` and the plant openings of
//! `mechanisms::demography`).
//!
//! A firm of the model is an establishment (a site with its employees). An
//! enterprise owns one or more establishments: an independent firm is an
//! enterprise of one establishment (its `group` is [`NONE`]); a national
//! group or a foreign multinational is an enterprise of several
//! establishments, possibly in several regions, recorded in the group table
//! below. Groups grow by acquiring independent firms and by opening plants,
//! shrink when plants close or move abroad, and disappear with their last
//! establishment. Employment is counted at both levels; size classes at
//! enterprise level follow Insee (micro < 10, SME 10–249, mid-size
//! 250–4,999, large ≥ 5,000 employees).

use rayon::prelude::*;

use crate::state::agents::{Firm, NONE, Ownership};

/// Index of agriculture, left out of the enterprise size classes (Insee's
/// figures cover the non-agricultural market sectors).
pub const AGRICULTURE: usize = 0;

/// The industrial sectors (manufacturing and energy; construction and
/// services are not industry), for `industry_small_establishment_share`.
pub const INDUSTRY: [usize; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

/// A multi-establishment enterprise: a national group or a foreign
/// multinational.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Group {
    pub kind: Ownership,
    /// Sector of the establishment it started from (its main activity).
    pub sector: u8,
    /// Region of its head office (where it started).
    pub head_region: u16,
    /// Step at which it was created (0 for the initial groups).
    pub founded: u32,
    /// Employees of all its establishments at the last count.
    pub employees: u32,
    /// Its establishments at the last count (0: it has ceased).
    pub establishments: u32,
    /// Employment-weighted geometric mean productivity of its
    /// establishments at the last count.
    pub productivity: f64,
}

/// Insee's size classes of enterprises by employees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnterpriseClass {
    /// Fewer than 10 employees.
    Micro,
    /// 10 to 249.
    Sme,
    /// 250 to 4,999 (entreprises de taille intermédiaire).
    MidSize,
    /// 5,000 or more.
    Large,
}

impl EnterpriseClass {
    /// The class of an enterprise with `employees` employees.
    pub fn of(employees: u32) -> Self {
        match employees {
            0..=9 => EnterpriseClass::Micro,
            10..=249 => EnterpriseClass::Sme,
            250..=4999 => EnterpriseClass::MidSize,
            _ => EnterpriseClass::Large,
        }
    }
}

/// Employees of the enterprise an establishment belongs to.
#[inline]
pub fn enterprise_employees(groups: &[Group], f: &Firm) -> u32 {
    match groups.get(f.group as usize) {
        Some(g) if f.group != NONE => g.employees,
        _ => f.employees,
    }
}

/// Recount every group's employees, establishments and mean productivity
/// from the establishments (integer counts and sums in firm order: the same
/// for any number of threads).
pub fn recount(groups: &mut [Group], firms: &[Firm]) {
    let n = groups.len();
    if n == 0 {
        return;
    }
    // Per group: establishments, employees, Σ E·ln(productivity). The
    // integer counts are exact in any order; the float sum is taken over
    // each group's establishments in firm order.
    let keys: Vec<u32> = firms.par_iter().map(|f| f.group).collect();
    let members = crate::util::par::Groups::build(&keys, n);
    groups.par_iter_mut().enumerate().for_each(|(g, group)| {
        let mut employees = 0u64;
        let mut log_sum = 0.0;
        let list = members.of(g);
        for &i in list {
            let f = &firms[i as usize];
            employees += u64::from(f.employees);
            if f.productivity > 0.0 {
                log_sum += f64::from(f.employees.max(1)) * f.productivity.ln();
            }
        }
        group.establishments = list.len() as u32;
        group.employees = employees.min(u64::from(u32::MAX)) as u32;
        let weight: f64 = list
            .iter()
            .map(|&i| f64::from(firms[i as usize].employees.max(1)))
            .sum();
        group.productivity = if weight > 0.0 {
            (log_sum / weight).exp()
        } else {
            1.0
        };
    });
}

/// Make the independent firm `f` the first establishment of a new national
/// group (it opens a second establishment or buys a firm); returns the
/// group's id.
pub fn found_group(groups: &mut Vec<Group>, f: &mut Firm, step: u32) -> u32 {
    let id = groups.len() as u32;
    groups.push(Group {
        kind: Ownership::NationalGroup,
        sector: f.sector,
        head_region: f.region,
        founded: step,
        employees: f.employees,
        establishments: 1,
        productivity: f.productivity,
    });
    f.group = id;
    f.ownership = Ownership::NationalGroup;
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insee_classes() {
        assert_eq!(EnterpriseClass::of(9), EnterpriseClass::Micro);
        assert_eq!(EnterpriseClass::of(10), EnterpriseClass::Sme);
        assert_eq!(EnterpriseClass::of(249), EnterpriseClass::Sme);
        assert_eq!(EnterpriseClass::of(250), EnterpriseClass::MidSize);
        assert_eq!(EnterpriseClass::of(4999), EnterpriseClass::MidSize);
        assert_eq!(EnterpriseClass::of(5000), EnterpriseClass::Large);
    }

    #[test]
    fn recount_sums_the_establishments_of_each_group() {
        let firm = |group: u32, employees: u32, productivity: f64| Firm {
            group,
            employees,
            productivity,
            ..Firm::FRESH
        };
        let firms = [
            firm(1, 100, 2.0),
            firm(NONE, 7, 1.0),
            firm(1, 300, 2.0),
            firm(0, 20, 1.0),
        ];
        let g = Group {
            kind: Ownership::NationalGroup,
            sector: 0,
            head_region: 0,
            founded: 0,
            employees: 0,
            establishments: 0,
            productivity: 0.0,
        };
        let mut groups = vec![g; 3];
        recount(&mut groups, &firms);
        assert_eq!((groups[1].employees, groups[1].establishments), (400, 2));
        assert!((groups[1].productivity - 2.0).abs() < 1e-12);
        assert_eq!((groups[0].employees, groups[0].establishments), (20, 1));
        assert_eq!(groups[2].establishments, 0);
        assert_eq!(enterprise_employees(&groups, &firms[0]), 400);
        assert_eq!(enterprise_employees(&groups, &firms[1]), 7);
    }
}
