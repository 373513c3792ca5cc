//! The cooperation network as state: ties between firms (each stored once,
//! sorted by its firms' ids), the indices of the two firms of every tie and
//! the adjacency of every firm, kept in step with the firms as ties form and
//! dissolve and firms exit. How ties form, are renewed and decay is
//! `mechanisms::cooperation`.

use rand::RngExt;
use rayon::prelude::*;

use crate::state::agents::{NONE, Near};
use crate::util::par;

/// How a tie came about: the proximity that brought the partners together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Origin {
    /// Drawn from the spatial neighbourhood.
    Spatial,
    /// A partner of a partner (triadic closure).
    PartnerOfPartner,
    /// A co-member of the same cluster organisation.
    ClusterCoMember,
    /// A plant of the same group.
    GroupCoMember,
    /// Met at an event (temporary geographic proximity).
    Event,
    /// A leading firm at the centre of the region's business ecosystem.
    Ecosystem,
    /// A partner in a collaborative R&D project of a cluster organisation.
    Project,
}

impl Origin {
    /// All origins, in order.
    pub const ALL: [Origin; 7] = [
        Origin::Spatial,
        Origin::PartnerOfPartner,
        Origin::ClusterCoMember,
        Origin::GroupCoMember,
        Origin::Event,
        Origin::Ecosystem,
        Origin::Project,
    ];
}

/// An undirected cooperation tie, stored once with `a < b` (firm ids).
#[derive(Debug, Clone, Copy)]
pub struct Tie {
    pub a: u32,
    pub b: u32,
    /// Strength in (dissolve_below, 1]; 1 when formed or renewed.
    pub strength: f32,
    pub origin: Origin,
    /// Year the tie was formed.
    pub formed: i16,
}

/// Partners of each firm by index (rows sorted by partner index).
#[derive(Debug, Clone, Default)]
pub struct Adjacency {
    offsets: Vec<u32>,
    entries: Vec<(u32, f32)>,
}

impl Adjacency {
    /// Build from ties and the indices of their firms (`ends`, aligned
    /// with `ties`) for `n` firms. Rows are filled in tie order then
    /// sorted, in parallel over ranges of firms (see [`crate::util::par`]).
    pub fn build(ties: &[Tie], ends: &[(u32, u32)], n: usize) -> Self {
        let ranges = par::key_ranges(n, par::parts());
        let inside = |k: u32, lo: usize, hi: usize| (k as usize) >= lo && (k as usize) < hi;
        let mut degree = par::filled(0u32, n);
        par::split_by(&mut degree, &ranges)
            .into_par_iter()
            .zip(ranges.par_iter())
            .for_each(|(degree, &(lo, hi))| {
                for &(i, j) in ends {
                    if inside(i, lo, hi) {
                        degree[i as usize - lo] += 1;
                    }
                    if inside(j, lo, hi) {
                        degree[j as usize - lo] += 1;
                    }
                }
            });
        let offsets = par::offsets(&degree);
        let mut entries = par::filled((0u32, 0f32), offsets[n] as usize);
        let entry_ranges: Vec<(usize, usize)> = ranges
            .iter()
            .map(|&(lo, hi)| (offsets[lo] as usize, offsets[hi] as usize))
            .collect();
        par::split_by(&mut entries, &entry_ranges)
            .into_par_iter()
            .zip(ranges.par_iter())
            .for_each(|(entries, &(lo, hi))| {
                let base = offsets[lo];
                let mut fill: Vec<u32> = offsets[lo..hi].iter().map(|o| o - base).collect();
                for (t, &(i, j)) in ties.iter().zip(ends) {
                    if inside(i, lo, hi) {
                        let f = &mut fill[i as usize - lo];
                        entries[*f as usize] = (j, t.strength);
                        *f += 1;
                    }
                    if inside(j, lo, hi) {
                        let f = &mut fill[j as usize - lo];
                        entries[*f as usize] = (i, t.strength);
                        *f += 1;
                    }
                }
                for k in lo..hi {
                    let (a, b) = (offsets[k] - base, offsets[k + 1] - base);
                    entries[a as usize..b as usize].sort_unstable_by_key(|e| e.0);
                }
            });
        Self { offsets, entries }
    }

    fn row(&self, i: usize) -> &[(u32, f32)] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.entries[a as usize..b as usize],
            _ => &[],
        }
    }

    /// `f(j)` for the partner `j` of every entry, aligned with the rows
    /// (see [`Adjacency::span`]). Gathering in one tight parallel pass keeps
    /// many cache misses in flight; the loops over rows then read in order.
    pub fn gather<T: Send>(&self, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
        self.entries
            .par_iter()
            .map(|&(j, _)| f(j as usize))
            .collect()
    }

    /// Position of the row of firm `i` among the entries.
    pub fn span(&self, i: usize) -> std::ops::Range<usize> {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// Partners of firm `i` with tie strengths.
    pub fn neighbours(&self, i: usize) -> impl Iterator<Item = (u32, f32)> + '_ {
        self.row(i).iter().copied()
    }

    /// A partner of `i` drawn uniformly, if it has any.
    pub fn random_partner<R: rand::Rng + ?Sized>(&self, i: usize, rng: &mut R) -> Option<usize> {
        let row = self.row(i);
        if row.is_empty() {
            None
        } else {
            Some(row[rng.random_range(0..row.len())].0 as usize)
        }
    }

    /// Record in each firm's view where its row is (see [`Near::row`]).
    pub fn place(&self, near: &mut [Near]) {
        near.par_iter_mut()
            .zip(self.offsets.par_windows(2))
            .for_each(|(v, o)| {
                v.row = o[0];
                v.degree = o[1] - o[0];
            });
    }

    /// Partners of the firm whose placed view is `v` (see
    /// [`Adjacency::place`]).
    #[inline]
    fn row_of(&self, v: &Near) -> &[(u32, f32)] {
        let start = v.row as usize;
        self.entries
            .get(start..start + v.degree as usize)
            .unwrap_or(&[])
    }

    /// Start loading the first partners of the firm whose placed view is `v`.
    #[inline]
    pub fn prefetch_entries(&self, v: &Near) {
        if let Some(e) = self.entries.get(v.row as usize) {
            par::prefetch(e);
        }
    }

    /// Number of partners of firm `i`.
    pub fn degree(&self, i: usize) -> usize {
        self.row(i).len()
    }

    /// Whether `i` and `j` are partners.
    pub fn linked(&self, i: usize, j: usize) -> bool {
        self.row(i)
            .binary_search_by_key(&(j as u32), |e| e.0)
            .is_ok()
    }

    /// Whether two firms, by their placed views (see [`Adjacency::place`]),
    /// have a partner in common.
    pub fn common_partner(&self, vi: &Near, vj: &Near) -> bool {
        let (a, b) = (self.row_of(vi), self.row_of(vj));
        let (mut x, mut y) = (0, 0);
        while x < a.len() && y < b.len() {
            match a[x].0.cmp(&b[y].0) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// All ties, sorted by `(a, b)`, the index in `firms` of the two firms of
/// each tie, and the adjacency of the current firms. The indices are kept
/// with the ties (and remapped when firms exit), so that no step looks up
/// the ids of every tie's firms.
#[derive(Debug, Clone, Default)]
pub struct Network {
    ties: Vec<Tie>,
    ends: Vec<(u32, u32)>,
    pub adjacency: Adjacency,
}

impl Network {
    /// All ties, sorted by `(a, b)`.
    pub fn ties(&self) -> &[Tie] {
        &self.ties
    }

    /// Index in `firms` of the firms `(a, b)` of each tie, aligned with
    /// [`Network::ties`].
    pub fn ends(&self) -> &[(u32, u32)] {
        &self.ends
    }

    /// Keep each tie with the strength `kept` gives it (aligned with the
    /// ties; `None` dissolves it) and rebuild the adjacency of `n` firms.
    pub fn retain(&mut self, kept: &[Option<f32>], n: usize) {
        let (ties, ends) = (&self.ties, &self.ends);
        let next = self.filtered(|k| {
            let strength = (*kept.get(k)?)?;
            Some((
                Tie {
                    strength,
                    ..ties[k]
                },
                ends[k],
            ))
        });
        self.set(next, n);
    }

    /// What `keep` makes of each tie (`None` drops it), in tie order:
    /// filtered by blocks of ties in parallel, then copied into place in
    /// parallel.
    fn filtered(&self, keep: impl Fn(usize) -> Option<(Tie, (u32, u32))> + Sync) -> TieList {
        let blocks = par::key_ranges(self.ties.len(), 4 * par::parts());
        let parts: Vec<TieList> = blocks
            .into_par_iter()
            .map(|(lo, hi)| (lo..hi).filter_map(&keep).unzip())
            .collect();
        join_parts(parts)
    }

    /// Replace the ties and their ends, and rebuild the adjacency of `n`
    /// firms.
    fn set(&mut self, (ties, ends): TieList, n: usize) {
        self.adjacency = Adjacency::build(&ties, &ends, n);
        (self.ties, self.ends) = (ties, ends);
    }

    /// Add new ties (pairs not yet tied, with the indices of their firms)
    /// and rebuild the adjacency of `n` firms. The new ties are sorted and
    /// merged into the sorted ties, in parallel over ranges of the ties:
    /// pairs are unique, so the result is the one sorted order.
    pub fn add(&mut self, mut formed: Vec<(Tie, (u32, u32))>, n: usize) {
        let key = |t: &Tie| (t.a, t.b);
        formed.par_sort_unstable_by_key(|(t, _)| key(t));
        let old = &self.ties;
        // The new ties that go before `old[k]`; the first part starts with
        // all the new ties before it, the last one ends with all the rest.
        let cut = |k: usize| match old.get(k) {
            Some(t) => formed.partition_point(|(f, _)| key(f) < key(t)),
            None => formed.len(),
        };
        let parts: Vec<(usize, usize, usize, usize)> = par::key_ranges(old.len(), par::parts())
            .into_iter()
            .map(|(lo, hi)| {
                let flo = if lo == 0 { 0 } else { cut(lo) };
                (lo, hi, flo, cut(hi))
            })
            .collect();
        let (ends, formed) = (&self.ends, &formed);
        let merged: Vec<TieList> = parts
            .into_par_iter()
            .map(|(lo, hi, flo, fhi)| {
                let mut a = old[lo..hi].iter().zip(&ends[lo..hi]).peekable();
                let mut b = formed[flo..fhi].iter().map(|(t, e)| (t, e)).peekable();
                std::iter::from_fn(move || {
                    let next = match (a.peek(), b.peek()) {
                        (Some(x), Some(y)) if key(x.0) < key(y.0) => a.next(),
                        (Some(_), Some(_)) | (None, _) => b.next(),
                        (Some(_), None) => a.next(),
                    };
                    next.map(|(t, e)| (*t, *e))
                })
                .unzip()
            })
            .collect();
        self.set(join_parts(merged), n);
    }

    /// After firms were removed, `new_index[i]` being the new index of the
    /// firm at index `i` (or [`NONE`] if it exited): drop the ties to firms
    /// that exited, renumber the others' ends and rebuild the adjacency of
    /// the `n` remaining firms.
    pub fn remap(&mut self, new_index: &[u32], n: usize) {
        let (ties, ends) = (&self.ties, &self.ends);
        let next = self.filtered(|k| {
            let (i, j) = ends[k];
            let (a, b) = (new_index[i as usize], new_index[j as usize]);
            (a != NONE && b != NONE).then_some((ties[k], (a, b)))
        });
        self.set(next, n);
    }
}

/// Ties and the indices of their firms, aligned.
type TieList = (Vec<Tie>, Vec<(u32, u32)>);

/// The ties and ends of consecutive parts, each list copied into place in
/// parallel.
fn join_parts(parts: Vec<TieList>) -> TieList {
    let (ties, ends): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    rayon::join(|| par::concat(&ties), || par::concat(&ends))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tie(a: u32, b: u32) -> Tie {
        Tie {
            a,
            b,
            strength: 1.0,
            origin: Origin::Spatial,
            formed: 1950,
        }
    }

    /// Pairs of the network with their ends (index = id + 100 here).
    fn pairs(net: &Network) -> Vec<(u32, u32, u32, u32)> {
        net.ties()
            .iter()
            .zip(net.ends())
            .map(|(t, &(i, j))| (t.a, t.b, i, j))
            .collect()
    }

    #[test]
    fn added_ties_merge_into_sorted_order_for_any_thread_count() {
        let n = 400;
        let all: Vec<(u32, u32)> = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .filter(|&(a, b)| (a * 7 + b * 13) % 11 == 0)
            .collect();
        // Every third pair already tied, the others added in scrambled order.
        let (old, new): (Vec<_>, Vec<_>) = all.iter().enumerate().partition(|(k, _)| k % 3 == 0);
        let ends = |a: u32, b: u32| (a + 100, b + 100);
        let mut expected: Vec<(u32, u32, u32, u32)> =
            all.iter().map(|&(a, b)| (a, b, a + 100, b + 100)).collect();
        expected.sort_unstable();
        for threads in [1, 2, 3, 7] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut net = Network::default();
            let first: Vec<(Tie, (u32, u32))> = old
                .iter()
                .map(|&(_, &(a, b))| (tie(a, b), ends(a, b)))
                .collect();
            let mut formed: Vec<(Tie, (u32, u32))> = new
                .iter()
                .map(|&(_, &(a, b))| (tie(a, b), ends(a, b)))
                .collect();
            formed.reverse();
            formed.swap(0, 5);
            pool.install(|| {
                net.add(Vec::new(), 600);
                net.add(first, 600);
                net.add(formed, 600);
            });
            assert_eq!(pairs(&net), expected, "{threads} threads");
        }
    }

    #[test]
    fn placed_views_find_the_rows_and_common_partners() {
        let mut net = Network::default();
        // Firms 0..5: 0-1, 0-2, 1-3, 2-3, 3-4; firm 5 alone.
        let pairs = [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)];
        net.add(
            pairs
                .iter()
                .map(|&(i, j)| (tie(i + 1, j + 1), (i, j)))
                .collect(),
            6,
        );
        let firm = crate::state::agents::Firm::FRESH;
        let mut views = vec![Near::of(&firm); 6];
        net.adjacency.place(&mut views);
        let adj = &net.adjacency;
        for (i, v) in views.iter().enumerate() {
            assert_eq!(adj.row_of(v), adj.row(i), "firm {i}");
            assert_eq!(v.degree as usize, adj.degree(i));
        }
        let common = |i: usize, j: usize| adj.common_partner(&views[i], &views[j]);
        assert!(common(0, 3) && common(1, 2) && common(2, 4));
        assert!(!common(0, 4) && !common(0, 1) && !common(5, 3));
    }

    #[test]
    fn remap_drops_ties_of_removed_firms_and_renumbers_the_rest() {
        let mut net = Network::default();
        net.add(
            vec![
                (tie(1, 2), (0, 1)),
                (tie(1, 3), (0, 2)),
                (tie(2, 4), (1, 3)),
                (tie(3, 4), (2, 3)),
            ],
            4,
        );
        // Firm 2 (index 1) exits.
        net.remap(&[0, NONE, 1, 2], 3);
        assert_eq!(pairs(&net), vec![(1, 3, 0, 1), (3, 4, 1, 2)]);
        assert!(net.adjacency.linked(0, 1) && net.adjacency.linked(1, 2));
        assert!(!net.adjacency.linked(0, 2));
        net.retain(&[None, Some(0.5)], 3);
        assert_eq!(pairs(&net), vec![(3, 4, 1, 2)]);
        assert_eq!(net.ties()[0].strength, 0.5);
    }
}
