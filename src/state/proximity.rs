//! Proximities (French proximity school, Torre & Rallet 2005) and the
//! probability that two agents cooperate.
//!
//! * geographic proximity `g = exp(−d · distance_cost / λ(t))`, with the decay
//!   length `λ(t) = λ₁₉₅₀ · exp(growth · (t − 1950))` growing as transport and
//!   communication costs fall; at an event, `g` is raised to the temporary
//!   proximity of the meeting;
//! * organised proximity `o = w_b · belonging + w_s · similarity`, belonging
//!   from a shared cluster organisation, group or partner, similarity the
//!   cosine of knowledge profiles;
//! * tie probability `P = logistic(β_g g + β_o o + β_c c − θ)` with
//!   complementarity `c` and regime-dependent weights;
//! * knowledge gained from a partner at cognitive distance `c = 1 − similarity`
//!   follows Nooteboom's inverted U, `4 (c/c_max)(1 − c/c_max)` below `c_max`.

use crate::scenario::{ProximityParams, RegimeParams};

/// The proximity kernel in force at a step.
#[derive(Debug, Clone, Copy)]
pub struct Kernel {
    /// Effective decay length, km (λ(t) / distance_cost).
    pub decay_km: f64,
    pub belonging_weight: f64,
    pub similarity_weight: f64,
    pub event_proximity: f64,
    pub beta_g: f64,
    pub beta_o: f64,
    pub beta_c: f64,
    pub beta_k: f64,
    pub theta: f64,
}

impl Kernel {
    /// The kernel at fractional year `t` under `levers` (`t` on the decay
    /// length's trend clock past 2025: see `crate::scenario::trends::trend_year`).
    pub fn at(p: &ProximityParams, levers: &RegimeParams, t: f64) -> Self {
        let lambda = p.decay_length_km * (p.decay_length_growth * (t - 1950.0)).exp();
        Self {
            decay_km: lambda / levers.distance_cost,
            belonging_weight: p.belonging_weight,
            similarity_weight: p.similarity_weight,
            event_proximity: p.event_proximity,
            beta_g: levers.weight_geographic,
            beta_o: levers.weight_organised,
            beta_c: levers.weight_complementarity,
            beta_k: levers.weight_knowledge_gain,
            theta: levers.tie_threshold,
        }
    }

    /// Geographic proximity at distance `d` km.
    #[inline]
    pub fn geographic(&self, d: f64) -> f64 {
        (-d / self.decay_km).exp()
    }

    /// Organised proximity from belonging and similarity, both in [0, 1].
    #[inline]
    pub fn organised(&self, belonging: f64, similarity: f64) -> f64 {
        self.belonging_weight * belonging + self.similarity_weight * similarity
    }

    /// Probability of cooperation given the three proximities.
    #[inline]
    pub fn tie_probability(&self, g: f64, o: f64, c: f64) -> f64 {
        self.tie_probability_with_gain(g, o, c, 0.0)
    }

    /// Probability of cooperation when the pair also expects the knowledge
    /// gain `gain` from the tie (weighted by `β_k`).
    #[inline]
    pub fn tie_probability_with_gain(&self, g: f64, o: f64, c: f64, gain: f64) -> f64 {
        logistic(
            self.beta_g * g + self.beta_o * o + self.beta_c * c + self.beta_k * gain - self.theta,
        )
    }
}

/// The logistic function.
#[inline]
pub fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Knowledge gained from a partner at cognitive distance `c` (inverted U,
/// maximum 1 at `c_max / 2`, zero at 0 and from `c_max` on).
#[inline]
pub fn knowledge_gain(c: f64, c_max: f64) -> f64 {
    if c <= 0.0 || c >= c_max {
        0.0
    } else {
        let x = c / c_max;
        4.0 * x * (1.0 - x)
    }
}

/// Knowledge a firm absorbs in a year from a partner (or research link) of
/// weight `strength` at cognitive distance `c`: `λ · strength · gain(c) ·
/// absorb`, `λ` the learning rate, `absorb` its absorptive capacity.
#[inline]
pub fn realised_gain(learning_rate: f64, strength: f64, c: f64, c_max: f64, absorb: f64) -> f64 {
    learning_rate * strength * knowledge_gain(c, c_max) * absorb
}

/// Absorptive capacity of a firm whose employees have mean skill `skill`
/// (Cohen & Levinthal 1990): `max(0, 1 + effect · (skill − 0.5))`.
#[inline]
pub fn absorptive_capacity(effect: f64, skill: f32) -> f64 {
    (1.0 + effect * (f64::from(skill) - 0.5)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn gain_peaks_at_intermediate_distance() {
        let cmax = 0.8;
        assert_eq!(knowledge_gain(0.0, cmax), 0.0);
        assert!((knowledge_gain(0.4, cmax) - 1.0).abs() < 1e-12);
        assert!(knowledge_gain(0.2, cmax) < 1.0 && knowledge_gain(0.6, cmax) < 1.0);
        assert_eq!(knowledge_gain(0.9, cmax), 0.0);
    }

    #[test]
    fn decay_length_grows_and_distance_cost_shrinks_it() {
        let s = Scenario::default();
        let mut levers = s.regimes.large_firm.clone();
        let k1950 = Kernel::at(&s.proximity, &levers, 1950.0);
        let k2000 = Kernel::at(&s.proximity, &levers, 2000.0);
        assert!(k2000.decay_km > 3.0 * k1950.decay_km);
        levers.distance_cost = 2.0;
        assert!(
            (Kernel::at(&s.proximity, &levers, 1950.0).decay_km - k1950.decay_km / 2.0).abs()
                < 1e-9
        );
        assert!(k1950.geographic(10.0) > k1950.geographic(100.0));
    }

    #[test]
    fn probability_rises_with_each_proximity() {
        let s = Scenario::default();
        let k = Kernel::at(&s.proximity, &s.regimes.clusters, 2000.0);
        let base = k.tie_probability(0.2, 0.2, 0.2);
        assert!(k.tie_probability(0.8, 0.2, 0.2) > base);
        assert!(k.tie_probability(0.2, 0.8, 0.2) > base);
        assert!(k.tie_probability(0.2, 0.2, 0.8) > base);
    }
}
