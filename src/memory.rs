//! Estimated peak memory of a run, for the pre-flight check of large runs.
//!
//! Peak resident memory is dominated by per-agent state that grows over the
//! run: firms (their struct, twice: the compaction sorts them into a spare
//! buffer; ids, ties and the busiest phase's per-firm
//! buffers) and citizens (their struct and the labour market's per-step
//! keys). Over 1950–2025 with the default dynamics, firms end at about 2.8 ×
//! their initial number, ties at about 3.4 × the initial firms and the labour
//! force at 1.576 × its start. Regions cost a little each (their rows and
//! per-region sums) and, beyond 128 regions, the partitions and tables of
//! the regional draws (`crate::state::reach`) of every region that has agents.
//! Measured peaks (`/usr/bin/time -v`, 2 threads, see docs/PERFORMANCE.md)
//! give, per agent at the start of a 1950–2025 run:
//!
//! peak ≈ 8 MiB + 2 750 B × firms + 90 B × citizens
//!        + 2 KiB × regions + 8 KiB × min(regions, firms / 10)
//!
//! which is 1–12 % above the measured peaks of 100 000 to 1 000 000 firms,
//! within −7 % to +20 % of those of 300 to 20 000 firms in 2 to 2 000
//! regions, and 52 % above `france_1to1`'s (the command line keeps freed
//! memory in the process between steps, which costs 15–25 % of peak memory
//! and saves refaulting it).
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
/// Program, tables and output buffers.
pub const FIXED_BYTES: f64 = 8.0 * 1024.0 * 1024.0;
/// Bytes per region (rows, per-region sums and draw slots).
pub const BYTES_PER_REGION: f64 = 2048.0;
/// Bytes per region with agents in it, counted as one per ten firms (the
/// regional draws' partitions and tables of its origin).
pub const BYTES_PER_OCCUPIED_REGION: f64 = 8192.0;
/// Firms per region from which every region counts as occupied.
const FIRMS_PER_OCCUPIED_REGION: f64 = 10.0;
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
    let regions = s.territory.regions as f64;
    let occupied = regions.min(firms / FIRMS_PER_OCCUPIED_REGION);
    let bytes = FIXED_BYTES
        + BYTES_PER_REGION * regions
        + BYTES_PER_OCCUPIED_REGION * occupied
        + scale * (BYTES_PER_FIRM * firms + BYTES_PER_CITIZEN * citizens);
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
    fn lies_near_the_measured_peaks() {
        // (firms, citizens, regions, last year, measured peak RSS in kB) of
        // runs of `proxima run --threads 2` (docs/PERFORMANCE.md): the
        // default territory with 20 000 to 1 000 000 firms (the largest
        // peak measured for each), the default agents in 2 000 regions,
        // tiny.toml's 300 firms in 2 to 2 000.
        for (firms, citizens, regions, end_year, measured_kb) in [
            (20_000, 200_000, 40, 2025, 85_204.0),
            (20_000, 600_000, 40, 2025, 203_584.0),
            (100_000, 1_000_000, 40, 2025, 359_956.0),
            (1_000_000, 10_000_000, 40, 2025, 3_190_916.0),
            (20_000, 200_000, 2000, 2025, 101_240.0),
            (300, 3000, 2, 2012, 8_944.0),
            (300, 3000, 400, 2012, 9_324.0),
            (300, 3000, 2000, 2012, 12_356.0),
        ] {
            let mut s = Scenario::default();
            s.population.firms = firms;
            s.population.citizens = citizens;
            s.territory.regions = regions;
            s.run.end_year = end_year;
            // Large runs, where the pre-flight matters, from above; small
            // ones within a few percent below.
            let low = if firms >= 100_000 { 1.0 } else { 0.9 };
            let kb = estimate(&s).bytes as f64 / 1024.0;
            assert!(
                kb >= low * measured_kb && kb <= 1.3 * measured_kb,
                "{firms} firms, {regions} regions: estimate {kb:.0} kB vs measured {measured_kb} kB"
            );
        }
    }
}
