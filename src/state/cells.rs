//! Region–sector cells (`region × N_SECTORS + sector`): firms, employment
//! and employment location quotient of each, counted once per step for the
//! cluster policy and the instruments' calls.

use rayon::prelude::*;

use crate::scenario::N_SECTORS;
use crate::state::agents::Firm;
use crate::util::par;

/// Firms, employment and location quotient of every region–sector.
#[derive(Debug, Clone, Default)]
pub struct Cells {
    pub count: Vec<u32>,
    pub emp: Vec<f64>,
    pub lq: Vec<f64>,
}

impl Cells {
    /// The cells of `n` regions. The location quotient of a cell is its
    /// share of its region's employment over its sector's share of all
    /// employment (0 where the region or sector employs no one).
    pub fn of(firms: &[Firm], n: usize) -> Self {
        let cells = region_sector_counts(firms, n);
        let count: Vec<u32> = cells.iter().map(|c| c.0).collect();
        let emp: Vec<f64> = cells.iter().map(|c| c.1 as f64).collect();
        let mut emp_region = vec![0u64; n];
        let mut emp_sector = [0u64; N_SECTORS];
        for (k, c) in cells.iter().enumerate() {
            emp_region[k / N_SECTORS] += c.1;
            emp_sector[k % N_SECTORS] += c.1;
        }
        let total = emp_region.iter().sum::<u64>() as f64;
        let lq = (0..n * N_SECTORS)
            .map(|k| {
                let (r, sec) = (
                    emp_region[k / N_SECTORS] as f64,
                    emp_sector[k % N_SECTORS] as f64,
                );
                if r <= 0.0 || sec <= 0.0 {
                    0.0
                } else {
                    (emp[k] / r) / (sec / total)
                }
            })
            .collect();
        Self { count, emp, lq }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.count.len()
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.count.is_empty()
    }
}

/// Firms and employment per region–sector (`region * N_SECTORS + sector`),
/// counted in integers (integer sums in f64 are exact, so the values are
/// those of a sequential loop). Each thread counts a contiguous block of
/// the firms into a grid over the regions the block spans: firms are
/// stored by region, so the blocks' grids add up to about one grid of all
/// regions whatever the number of threads (a grid per thread or per
/// split would grow with threads × regions).
fn region_sector_counts(firms: &[Firm], n: usize) -> Vec<(u32, u64)> {
    let blocks = par::key_ranges(firms.len(), par::parts());
    let partial: Vec<(usize, Vec<(u32, u64)>)> = blocks
        .par_iter()
        .map(|&(a, b)| {
            let block = &firms[a..b];
            let mut lo = block.first().map_or(0, |f| f.region as usize);
            let mut hi = block.last().map_or(0, |f| f.region as usize).max(lo);
            let mut grid = vec![(0u32, 0u64); (hi - lo + 1) * N_SECTORS];
            for f in block {
                let r = f.region as usize;
                if r < lo || r > hi {
                    // Not stored by region: widen the grid.
                    let (l, h) = (lo.min(r), hi.max(r));
                    let mut wider = vec![(0u32, 0u64); (h - l + 1) * N_SECTORS];
                    wider[(lo - l) * N_SECTORS..(hi - l + 1) * N_SECTORS].copy_from_slice(&grid);
                    (grid, lo, hi) = (wider, l, h);
                }
                let c = &mut grid[(r - lo) * N_SECTORS + f.sector as usize];
                c.0 += 1;
                c.1 += u64::from(f.employees);
            }
            (lo, grid)
        })
        .collect();
    let mut cells = vec![(0u32, 0u64); n * N_SECTORS];
    for (lo, grid) in partial {
        for (x, y) in cells[lo * N_SECTORS..].iter_mut().zip(grid) {
            x.0 += y.0;
            x.1 += y.1;
        }
    }
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_sector_counts_match_a_plain_count_in_any_firm_order() {
        // Stored by region (the model's order) and shuffled: the same
        // counts as one sequential pass, on one and on three threads.
        let mut firms: Vec<Firm> = (0..5000u32)
            .map(|i| Firm {
                region: ((i * 7) % 97) as u16,
                sector: (i % N_SECTORS as u32) as u8,
                employees: 1 + i % 13,
                ..Firm::FRESH
            })
            .collect();
        let plain = |firms: &[Firm]| {
            let mut v = vec![(0u32, 0u64); 97 * N_SECTORS];
            for f in firms {
                let c = &mut v[f.region as usize * N_SECTORS + f.sector as usize];
                c.0 += 1;
                c.1 += u64::from(f.employees);
            }
            v
        };
        let expected = plain(&firms);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(pool.install(|| region_sector_counts(&firms, 97)), expected);
            firms.sort_by_key(|f| f.region);
            assert_eq!(pool.install(|| region_sector_counts(&firms, 97)), expected);
            firms.reverse();
        }
    }
}
