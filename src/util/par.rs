//! Parallel building blocks whose results do not depend on the number of
//! threads.
//!
//! Grouping items by key (firms' employees, firms' partners) and summing
//! floating-point values per key must give the same bits for any thread
//! count: per key, values are taken in item order, as a sequential loop
//! would. The work is split by ranges of keys: each part scans all the
//! items (a cheap sequential read of compact keys) and keeps those whose
//! key falls in its range, writing only its own slice of the output.

use rayon::prelude::*;

/// Hint the processor to start loading the cache line of `x`, to be read
/// soon. It has no effect on results.
#[inline(always)]
pub fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and writes nothing; SSE is part of
    // the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch(
            (x as *const T).cast::<i8>(),
            std::arch::x86_64::_MM_HINT_T0,
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// `n` copies of `value`, written in parallel (`vec![value; n]` zeroes or
/// fills on one thread).
pub fn filled<T: Copy + Send + Sync>(value: T, n: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    v.par_extend(rayon::iter::repeat_n(value, n));
    v
}

/// The parts, one after the other, copied into place in parallel (a
/// sequential `extend` of each part, or rayon's `collect` of a flattened
/// iterator, copies every item on one thread).
pub fn concat<T: Copy + Send + Sync>(parts: &[Vec<T>]) -> Vec<T> {
    let mut ranges = Vec::with_capacity(parts.len());
    let mut total = 0usize;
    for p in parts {
        ranges.push((total, total + p.len()));
        total += p.len();
    }
    let mut out: Vec<T> = Vec::with_capacity(total);
    let slots = &mut out.spare_capacity_mut()[..total];
    split_by(slots, &ranges)
        .into_par_iter()
        .zip(parts.par_iter())
        .for_each(|(dst, src)| {
            for (d, s) in dst.iter_mut().zip(src) {
                d.write(*s);
            }
        });
    // SAFETY: the ranges are consecutive from 0 and cover `0..total`, and
    // `split_by` gives the slot range `k` exactly `parts[k].len()` slots,
    // each of which the zip above wrote from `parts[k]`: all `total` slots
    // are initialised. `T: Copy`, so nothing is dropped twice.
    unsafe { out.set_len(total) };
    out
}

/// Split `0..n` into `parts` contiguous ranges of nearly equal length.
pub fn key_ranges(n: usize, parts: usize) -> Vec<(usize, usize)> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|p| (n * p / parts, n * (p + 1) / parts))
        .collect()
}

/// How many key ranges to split work into: one per thread.
pub fn parts() -> usize {
    rayon::current_num_threads().max(1)
}

/// Number of items of each key in `0..n` (keys outside are left out).
/// Each thread counts a contiguous block of the items and the per-block
/// counts are added: integers, so the result does not depend on the split,
/// and each item is read once whatever the number of threads.
pub fn count_by_key(keys: &[u32], n: usize) -> Vec<u32> {
    let partial = counts_per_block(keys, n, &key_ranges(keys.len(), parts()));
    match partial.split_first() {
        None => vec![0; n],
        Some((first, [])) => first.clone(),
        Some(_) => (0..n)
            .into_par_iter()
            .map(|k| partial.iter().map(|p| p[k]).sum())
            .collect(),
    }
}

/// Number of items of each key in `0..n` within each block of `keys`
/// (keys outside are left out), blocks counted in parallel.
fn counts_per_block(keys: &[u32], n: usize, blocks: &[(usize, usize)]) -> Vec<Vec<u32>> {
    blocks
        .par_iter()
        .map(|&(a, b)| {
            let mut count = vec![0u32; n];
            for &k in &keys[a..b] {
                if let Some(c) = count.get_mut(k as usize) {
                    *c += 1;
                }
            }
            count
        })
        .collect()
}

/// Start of each key's run in a list grouped by key, from the counts per
/// key, followed by the total: `counts.len() + 1` values.
pub fn offsets(counts: &[u32]) -> Vec<u32> {
    let mut offsets = Vec::with_capacity(counts.len() + 1);
    let mut acc = 0u32;
    for c in counts {
        offsets.push(acc);
        acc += c;
    }
    offsets.push(acc);
    offsets
}

/// Grouping of items `0..keys.len()` by key in `0..n` (keys `u32::MAX`
/// are left out): `offsets[k]..offsets[k + 1]` indexes `members`, which
/// lists the items of key `k` in increasing order.
#[derive(Debug, Clone, Default)]
pub struct Groups {
    pub offsets: Vec<u32>,
    pub members: Vec<u32>,
}

impl Groups {
    /// Group items by key, in parallel over ranges of keys.
    pub fn build(keys: &[u32], n: usize) -> Self {
        // The counts are those of the keys: the groups are always full.
        Self::fill(keys, offsets(&count_by_key(keys, n))).0
    }

    /// Group items by key when the number of items of each key is known
    /// (`counts`, one per key): saves counting the keys. `None` if the
    /// counts do not match the keys.
    pub fn with_counts(keys: &[u32], counts: &[u32]) -> Option<Self> {
        let (groups, full) = Self::fill(keys, offsets(counts));
        full.then_some(groups)
    }

    /// Fill the groups whose starts `offsets` gives; with `false` if a key
    /// has more or fewer items than its group has room for.
    fn fill(keys: &[u32], offsets: Vec<u32>) -> (Self, bool) {
        let n = offsets.len() - 1;
        let ranges = key_ranges(n, parts());
        let mut members = filled(0u32, offsets[n] as usize);
        let member_ranges: Vec<(usize, usize)> = ranges
            .iter()
            .map(|&(lo, hi)| (offsets[lo] as usize, offsets[hi] as usize))
            .collect();
        // A part that finds a group overfull stops (the groups are then
        // thrown away, so the others may stop too).
        let full = split_by(&mut members, &member_ranges)
            .into_par_iter()
            .zip(ranges.par_iter())
            .all(|(slice, &(lo, hi))| {
                let base = offsets[lo];
                let mut fill: Vec<u32> = offsets[lo..hi].iter().map(|o| o - base).collect();
                for (item, &k) in keys.iter().enumerate() {
                    let k = k as usize;
                    if k >= lo && k < hi {
                        let f = &mut fill[k - lo];
                        if *f >= offsets[k + 1] - base {
                            return false;
                        }
                        slice[*f as usize] = item as u32;
                        *f += 1;
                    }
                }
                (lo..hi).all(|k| fill[k - lo] == offsets[k + 1] - base)
            });
        (Self { offsets, members }, full)
    }

    /// Items of key `k`.
    #[inline]
    pub fn of(&self, k: usize) -> &[u32] {
        match (self.offsets.get(k), self.offsets.get(k + 1)) {
            (Some(&a), Some(&b)) => &self.members[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Positions in `members` of the items of key `k`.
    #[inline]
    pub fn span(&self, k: usize) -> std::ops::Range<usize> {
        match (self.offsets.get(k), self.offsets.get(k + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Stable counting sort by a small key, in parallel: `out` receives the
/// items whose key is below `n` grouped by key, each key's items in their
/// order in `items` (items with other keys are left out); returns the new
/// position of every item, or `u32::MAX` for those left out.
///
/// `out` is resized (only its tail is written with `fill`, then every slot
/// is overwritten), so a buffer passed from call to call is reused without
/// a pass over it. Each thread moves a contiguous block of the items: block
/// `b`'s items of key `r` go after those of the blocks before it, after all
/// items of the keys before `r` — the order of a sequential stable sort,
/// whatever the split.
pub fn sort_by_small_key<T: Copy + Send + Sync>(
    items: &[T],
    keys: &[u32],
    n: usize,
    out: &mut Vec<T>,
    fill: T,
) -> Vec<u32> {
    let blocks = key_ranges(items.len().min(keys.len()), parts());
    let counts = counts_per_block(keys, n, &blocks);
    // Segments of `out` in key-major, block-minor order.
    let mut ranges = Vec::with_capacity(n * blocks.len());
    let mut starts = vec![vec![0u32; n]; blocks.len()];
    let mut next = 0usize;
    for k in 0..n {
        for (start, count) in starts.iter_mut().zip(&counts) {
            start[k] = next as u32;
            ranges.push((next, next + count[k] as usize));
            next += count[k] as usize;
        }
    }
    out.resize(next, fill);
    let mut segments: Vec<Vec<&mut [T]>> = (0..blocks.len()).map(|_| Vec::new()).collect();
    for (s, segment) in split_by(out, &ranges).into_iter().enumerate() {
        segments[s % blocks.len()].push(segment);
    }
    let mut position = filled(u32::MAX, items.len());
    split_by(&mut position, &blocks)
        .into_par_iter()
        .zip(segments)
        .zip(blocks.par_iter().zip(starts))
        .for_each(|((position, mut segments), (&(a, b), start))| {
            let mut filled = vec![0usize; n];
            for ((slot, &k), item) in position.iter_mut().zip(&keys[a..b]).zip(&items[a..b]) {
                let k = k as usize;
                if let (Some(segment), Some(f)) = (segments.get_mut(k), filled.get_mut(k)) {
                    segment[*f] = *item;
                    *slot = start[k] + *f as u32;
                    *f += 1;
                }
            }
        });
    position
}

/// Cut `v` into consecutive mutable slices covering `ranges` (which must be
/// contiguous, in order, and start at 0).
pub fn split_by<'a, T>(v: &'a mut [T], ranges: &[(usize, usize)]) -> Vec<&'a mut [T]> {
    let mut out = Vec::with_capacity(ranges.len());
    let mut rest = v;
    let mut at = 0;
    for &(lo, hi) in ranges {
        let skip = lo.saturating_sub(at).min(rest.len());
        let tail = std::mem::take(&mut rest);
        let (_, tail) = tail.split_at_mut(skip);
        let len = (hi - lo.max(at)).min(tail.len());
        let (head, tail) = tail.split_at_mut(len);
        out.push(head);
        rest = tail;
        at = hi;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_is_n_copies() {
        assert_eq!(filled(7u8, 5), vec![7u8; 5]);
        assert!(filled(0u32, 0).is_empty());
        assert_eq!(
            filled((1u32, 2.5f32), 100_000),
            vec![(1u32, 2.5f32); 100_000]
        );
    }

    #[test]
    fn concat_keeps_the_parts_in_order_for_any_thread_count() {
        let parts: Vec<Vec<u32>> = (0..37u32)
            .map(|k| (0..(k * 7919) % 41).map(|x| k * 1000 + x).collect())
            .collect();
        let expected: Vec<u32> = parts.iter().flatten().copied().collect();
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(pool.install(|| concat(&parts)), expected);
        }
        assert!(concat::<u8>(&[]).is_empty());
        assert!(concat::<u8>(&[vec![], vec![]]).is_empty());
    }

    #[test]
    fn groups_keep_item_order_for_any_split() {
        let keys: Vec<u32> = (0..1000u32)
            .map(|i| if i % 7 == 0 { u32::MAX } else { (i * 31) % 13 })
            .collect();
        let reference = {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            pool.install(|| Groups::build(&keys, 13))
        };
        for threads in [2, 3, 5] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let g = pool.install(|| Groups::build(&keys, 13));
            assert_eq!(g.offsets, reference.offsets);
            assert_eq!(g.members, reference.members);
        }
        for k in 0..13 {
            let m = reference.of(k);
            assert!(m.windows(2).all(|w| w[0] < w[1]));
            assert!(m.iter().all(|&i| keys[i as usize] == k as u32));
        }
        assert_eq!(
            reference.members.len(),
            keys.iter().filter(|&&k| k != u32::MAX).count()
        );
    }

    #[test]
    fn known_counts_give_the_same_groups_and_wrong_ones_are_refused() {
        let keys: Vec<u32> = (0..500u32)
            .map(|i| if i % 5 == 0 { u32::MAX } else { (i * 17) % 11 })
            .collect();
        let counts = count_by_key(&keys, 11);
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let g = Groups::with_counts(&keys, &counts).unwrap();
                let b = Groups::build(&keys, 11);
                assert_eq!((g.offsets, g.members), (b.offsets, b.members));
                let mut more = counts.clone();
                more[3] += 1;
                assert!(Groups::with_counts(&keys, &more).is_none());
                let mut fewer = counts.clone();
                fewer[10] -= 1;
                assert!(Groups::with_counts(&keys, &fewer).is_none());
            });
        }
    }

    #[test]
    fn sort_by_small_key_is_stable_and_the_same_for_any_split() {
        let keys: Vec<u32> = (0..997u32)
            .map(|i| if i % 11 == 0 { u32::MAX } else { (i * 7) % 5 })
            .collect();
        let items: Vec<u64> = (0..997u64).map(|i| i * 3).collect();
        // The sequential stable sort it must equal.
        let mut expected: Vec<(u32, u64)> = keys
            .iter()
            .zip(&items)
            .filter(|(k, _)| **k < 5)
            .map(|(&k, &v)| (k, v))
            .collect();
        expected.sort_by_key(|&(k, _)| k);
        let expected: Vec<u64> = expected.into_iter().map(|(_, v)| v).collect();
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            // A reused buffer, longer than needed and with stale contents.
            let mut out = vec![7u64; 2000];
            let position = pool.install(|| sort_by_small_key(&items, &keys, 5, &mut out, 0));
            assert_eq!(out, expected);
            for (i, &p) in position.iter().enumerate() {
                if keys[i] < 5 {
                    assert_eq!(out[p as usize], items[i]);
                } else {
                    assert_eq!(p, u32::MAX);
                }
            }
        }
    }

    #[test]
    fn ranges_cover() {
        assert_eq!(key_ranges(10, 3), vec![(0, 3), (3, 6), (6, 10)]);
        assert_eq!(key_ranges(0, 4), vec![(0, 0)]);
        let mut v: Vec<u32> = (0..10).collect();
        let s = split_by(&mut v, &key_ranges(10, 3));
        assert_eq!(s.iter().map(|x| x.len()).collect::<Vec<_>>(), vec![3, 3, 4]);
    }
}
