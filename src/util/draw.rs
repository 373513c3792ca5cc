//! Drawing an index from cumulative weights: a plain binary search for short
//! rows, and [`Cumulative`], an indexed list for long ones (the vacancies of
//! a region), which draws the same index.

/// Index drawn from a cumulative weight row by a uniform `u ∈ [0, 1)`;
/// `None` if the row sums to zero.
#[inline]
pub fn draw_cumulative(cumulative: &[f64], u: f64) -> Option<usize> {
    let total = *cumulative.last()?;
    if total <= 0.0 {
        return None;
    }
    let target = u * total;
    let i = cumulative.partition_point(|&c| c <= target);
    Some(i.min(cumulative.len() - 1))
}

/// Elements per block of a [`Cumulative`] index (two cache lines of f64).
const BLOCK: usize = 16;

/// A long cumulative weight list with a coarse index (the last value of
/// every block of 16), so that a draw searches a small, cache-resident
/// array, then one block: on lists of 10^5 firms a plain binary search
/// misses the cache at most of its steps. Draws give exactly the index
/// [`draw_cumulative`] gives.
#[derive(Debug, Clone, Default)]
pub struct Cumulative {
    values: Vec<f64>,
    coarse: Vec<f64>,
}

impl Cumulative {
    /// Index a non-decreasing list of cumulative weights.
    pub fn new(values: Vec<f64>) -> Self {
        let coarse = values.chunks(BLOCK).map(|b| b[b.len() - 1]).collect();
        Self { values, coarse }
    }

    /// Same as `draw_cumulative(values, u)`.
    #[inline]
    pub fn draw(&self, u: f64) -> Option<usize> {
        let (target, start) = self.locate(u)?;
        Some(self.finish(target, start))
    }

    /// First half of [`Cumulative::draw`]: the target value and the start
    /// of the block holding the answer, found in the small coarse index
    /// (so a caller can prefetch the block before [`Cumulative::finish`]).
    #[inline]
    pub fn locate(&self, u: f64) -> Option<(f64, usize)> {
        let total = *self.values.last()?;
        if total <= 0.0 {
            return None;
        }
        let target = u * total;
        // First block whose last value exceeds the target, then the first
        // value of it that does: the first value exceeding the target.
        let b = self.coarse.partition_point(|&c| c <= target);
        Some((target, (b * BLOCK).min(self.values.len())))
    }

    /// Start loading the block that starts at `start`.
    #[inline]
    pub fn prefetch(&self, start: usize) {
        if let Some(v) = self.values.get(start) {
            super::par::prefetch(v);
        }
    }

    /// Second half of [`Cumulative::draw`].
    #[inline]
    pub fn finish(&self, target: f64, start: usize) -> usize {
        let end = (start + BLOCK).min(self.values.len());
        let i = start + self.values[start..end].partition_point(|&c| c <= target);
        i.min(self.values.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_draw_matches_plain_draw() {
        for n in [1usize, 2, 15, 16, 17, 33, 100, 1000] {
            let mut acc = 0.0;
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    acc += [0.0, 1.0, 2.5, 0.0, 7.0][i % 5];
                    acc
                })
                .collect();
            let idx = Cumulative::new(values.clone());
            for k in 0..2000 {
                let u = k as f64 / 2000.0;
                assert_eq!(idx.draw(u), draw_cumulative(&values, u), "n {n} u {u}");
            }
        }
        assert_eq!(Cumulative::new(vec![0.0, 0.0]).draw(0.5), None);
        assert_eq!(Cumulative::new(Vec::new()).draw(0.5), None);
    }

    #[test]
    fn cumulative_draw() {
        let c = [0.0, 1.0, 1.0, 3.0];
        assert_eq!(draw_cumulative(&c, 0.0), Some(1));
        assert_eq!(draw_cumulative(&c, 0.5), Some(3));
        assert_eq!(draw_cumulative(&c, 0.999), Some(3));
        assert_eq!(draw_cumulative(&[0.0, 0.0], 0.5), None);
    }
}
