//! Estimated peak memory of a run, for the pre-flight check of large runs.
//!
//! Peak resident memory is dominated by per-agent state that grows over the
//! run: firms (their struct, twice: the compaction sorts them into a spare
//! buffer; ids, ties and the busiest phase's per-firm
//! buffers) and citizens (their struct and the labour market's per-step
//! keys). Over 1950–2025 with the default dynamics, firms end at about 2.8 ×
//! their initial number, ties at about 3.4 × the initial firms and the labour
//! force at 1.576 × its start. Measured peaks (`/usr/bin/time -v`, see
//! docs/PERFORMANCE.md) give, per agent at the start of a 1950–2025 run:
//!
//! peak ≈ 20 MiB + 2 750 B × firms + 90 B × citizens
//!
//! which is 5–16 % above the largest measured peaks of 20 000 to 1 000 000 firms
//! (the command line keeps freed memory in the process between steps,
//! which costs 15–25 % of peak memory and saves refaulting it).
//! The number of firms follows the labour force (about one firm per ten
//! workers in the default), whatever it starts from, so fewer firms than
//! that count as that many. Longer or shorter runs scale the agent terms by
//! the growth of the labour force relative to the default period.

use serde::Serialize;

use crate::scenario::Scenario;

/// Bytes per firm at the start of a 1950–2025 run.
pub const BYTES_PER_FIRM: f64 = 2750.0;
/// Bytes per citizen at the start of a 1950–2025 run.
pub const BYTES_PER_CITIZEN: f64 = 90.0;
/// Firms per citizen the economy settles to (the firm population follows
/// the labour force whatever it starts from).
pub const FIRMS_PER_CITIZEN: f64 = 0.1;
/// Program, territory, tables and output buffers.
pub const FIXED_BYTES: f64 = 20.0 * 1024.0 * 1024.0;
/// Growth of the labour force over the reference period (1950–2025 at the
/// default 0.6 % a year).
const REFERENCE_GROWTH: f64 = 1.576;

/// A run's estimated peak memory and what it is made of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MemoryEstimate {
    /// Labour force at the end of the run.
    pub citizens_at_end: f64,
    /// Initial firms as counted by the estimate (at least the firms the
    /// initial labour force supports).
    pub firms: f64,
    /// Estimated peak resident memory in bytes.
    pub bytes: u64,
}

/// Estimate the peak resident memory of a run of `s`.
pub fn estimate(s: &Scenario) -> MemoryEstimate {
    let years = (s.run.end_year - s.run.start_year + 1).max(1) as f64;
    let growth = (1.0 + s.population.labour_force_growth).powf(years);
    let citizens = s.population.citizens as f64;
    let firms = (s.population.firms as f64).max(FIRMS_PER_CITIZEN * citizens);
    let scale = growth / REFERENCE_GROWTH;
    let bytes = FIXED_BYTES + scale * (BYTES_PER_FIRM * firms + BYTES_PER_CITIZEN * citizens);
    MemoryEstimate {
        citizens_at_end: citizens * growth,
        firms,
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
    fn matches_the_measured_peaks_from_above() {
        // (firms, citizens, measured peak RSS in kB) of full default-territory
        // runs of `proxima run --threads 2` (docs/PERFORMANCE.md).
        for (firms, citizens, measured_kb) in [
            (20_000, 200_000, 79_060.0),
            (20_000, 600_000, 203_584.0),
            (100_000, 1_000_000, 359_956.0),
            (1_000_000, 10_000_000, 3_190_916.0),
        ] {
            let mut s = Scenario::default();
            s.population.firms = firms;
            s.population.citizens = citizens;
            let kb = estimate(&s).bytes as f64 / 1024.0;
            assert!(
                kb >= measured_kb && kb <= 1.4 * measured_kb,
                "{firms} firms: estimate {kb:.0} kB vs measured {measured_kb} kB"
            );
        }
    }
}
