//! Estimated peak memory of a run, for the pre-flight check of large runs.
//!
//! Memory is dominated by the per-agent state (citizens, firms, their ties
//! and the labour market's per-step buffers), which grows over the run: the
//! labour force compounds at `population.labour_force_growth`, and the
//! number of firms follows the labour force. The coefficients are fitted on
//! measured peak resident memory (`/usr/bin/time -v`) of full 1950–2025 runs
//! of the default territory at several sizes (see docs/PERFORMANCE.md), and
//! rounded up: the estimate is meant to be an upper bound within about 20 %.

use serde::Serialize;

use crate::scenario::Scenario;

/// Bytes per citizen at the end of the run (the citizen, its share of the
/// labour market's buffers and of the regional lists).
pub const BYTES_PER_CITIZEN: f64 = 220.0;
/// Bytes per firm (the firm, its ties, its workforce list, spatial index).
pub const BYTES_PER_FIRM: f64 = 150.0;
/// Firms per member of the labour force that the economy settles to (the
/// firm population follows the labour force whatever it starts from).
pub const FIRMS_PER_WORKER: f64 = 0.2;
/// Program, territory, tables and output buffers.
pub const FIXED_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

/// A run's estimated peak memory and what it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MemoryEstimate {
    /// Labour force at the end of the run.
    pub citizens_at_end: f64,
    /// Firms assumed at the peak: the larger of the initial firms and the
    /// firms the final labour force supports.
    pub firms_at_peak: f64,
    /// Estimated peak resident memory in bytes.
    pub bytes: u64,
}

/// Estimate the peak resident memory of a run of `s`.
pub fn estimate(s: &Scenario) -> MemoryEstimate {
    let years = (s.run.end_year - s.run.start_year + 1).max(1) as f64;
    let growth = (1.0 + s.population.labour_force_growth).powf(years);
    let citizens_at_end = s.population.citizens as f64 * growth;
    let firms_at_peak = (s.population.firms as f64).max(FIRMS_PER_WORKER * citizens_at_end);
    let bytes = FIXED_BYTES + BYTES_PER_CITIZEN * citizens_at_end + BYTES_PER_FIRM * firms_at_peak;
    MemoryEstimate {
        citizens_at_end,
        firms_at_peak,
        bytes: bytes.ceil() as u64,
    }
}

/// Bytes as GiB or MiB for messages.
pub fn human(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} GiB", b / (1024.0 * 1024.0 * 1024.0))
    } else {
        format!("{:.0} MiB", b / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_linearly_with_agents() {
        let mut s = Scenario::default();
        let small = estimate(&s).bytes as f64 - FIXED_BYTES;
        s.population.firms *= 10;
        s.population.citizens *= 10;
        let large = estimate(&s).bytes as f64 - FIXED_BYTES;
        assert!((large / small - 10.0).abs() < 1e-6);
    }

    #[test]
    fn default_is_under_a_few_hundred_mib() {
        let e = estimate(&Scenario::default());
        assert!(
            e.bytes > 50 << 20 && e.bytes < 300 << 20,
            "{}",
            human(e.bytes)
        );
        assert!(e.citizens_at_end > 200_000.0);
    }
}
