//! The regime timeline: which regime's levers apply in a given year.

use crate::scenario::{REGIME_NAMES, RegimeParams, Regimes};

/// The four regimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Regime {
    LargeFirm,
    Decentralisation,
    Clusters,
    Transition,
}

impl Regime {
    const ALL: [Regime; 4] = [
        Regime::LargeFirm,
        Regime::Decentralisation,
        Regime::Clusters,
        Regime::Transition,
    ];

    /// The name used in scenarios and in the `regime` output column.
    pub fn name(self) -> &'static str {
        REGIME_NAMES[self as usize]
    }
}

/// The regime active in `year` (the last one whose start is ≤ `year`) and
/// its levers. Before the first start, the first regime applies.
pub fn active(regimes: &Regimes, year: i64) -> (Regime, &RegimeParams) {
    let all = regimes.all();
    let mut current = 0;
    for (i, r) in all.iter().enumerate() {
        if r.start <= year {
            current = i;
        }
    }
    (Regime::ALL[current], all[current])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_timeline() {
        let r = Regimes::default();
        assert_eq!(active(&r, 1950).0, Regime::LargeFirm);
        assert_eq!(active(&r, 1972).0, Regime::LargeFirm);
        assert_eq!(active(&r, 1973).0, Regime::Decentralisation);
        assert_eq!(active(&r, 2009).0, Regime::Clusters);
        assert_eq!(active(&r, 2010).0, Regime::Transition);
        assert_eq!(active(&r, 2050).0.name(), "transition");
    }

    #[test]
    fn zero_length_regime_is_skipped() {
        let mut r = Regimes::default();
        r.clusters.start = 2010;
        assert_eq!(active(&r, 2010).0, Regime::Transition);
        assert_eq!(active(&r, 2009).0, Regime::Decentralisation);
    }
}
