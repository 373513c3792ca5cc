//! Drawing a destination region: region `s` for an agent of origin region
//! `r` with probability `w_s · exp(−d(r,s)/λ) / Σ_t w_t · exp(−d(r,t)/λ)`,
//! `d` the distance between regional centres and `w` weights of the step
//! (firms, research organisations, need for a by-product, vacancies). It is
//! the regional stage of every spatial search: partner candidates, research
//! links, receivers of by-products, job applications.
//!
//! * Up to [`DENSE_MAX_REGIONS`] regions the draw takes one uniform and
//!   searches the cumulative row of the origin over all regions with a
//!   non-zero weight (built on first use in a step). A row costs one term
//!   per region, so this is kept to territories where `regions²` is small.
//! * Beyond, a row per origin would make a step grow with the square of the
//!   regions whatever the agents. The regions are held in a quadtree; for
//!   each origin (and decay length) a partition of the regions into tree
//!   nodes and single regions is built once, finer near the origin and
//!   around large regions, coarser far away: a node stands for its regions
//!   with the bound `W_node · exp(−dmin/λ)`, `dmin` the distance from the
//!   origin to the node's bounding box. A draw picks a part by its bound,
//!   a region of a node by its weight, and accepts it with probability
//!   `exp(−(d − dmin)/λ)` (else draws again): an exact rejection sampler,
//!   the same distribution as the row, at a cost per origin that does not
//!   grow with the number of regions.
//!
//! Both ways draw from the same distribution; the first one draws exactly
//! the regions the full rows of earlier versions drew.

use std::collections::BinaryHeap;
use std::sync::{Arc, OnceLock};

use rand::RngExt;

use crate::state::territory::Territory;

/// Territories with at most this many regions use cumulative rows; larger
/// ones the quadtree.
pub const DENSE_MAX_REGIONS: usize = 128;

/// Regions per leaf of the quadtree, at most.
const LEAF: usize = 4;
/// Depth of the quadtree, at most.
const MAX_DEPTH: usize = 24;
/// Refinement stops when the bounds exceed the lower bounds by at most
/// this share, both for weights following the regions' population and for
/// a uniform weight (a draw then takes at most about 1 + `SLACK` trials on
/// average for such weights).
const SLACK: f64 = 1.0;
/// Parts per origin, at most.
const MAX_PARTS: usize = 512;
/// A partition built for one decay length serves decay lengths up to this
/// factor longer or shorter (the draws stay exact; only their number of
/// trials drifts).
const REUSE: f64 = 1.25;
/// Rejections after which a draw gives up (never reached in practice).
const MAX_TRIALS: usize = 10_000;
/// Flag of a part that is a tree node (else a region).
const NODE: u32 = 1 << 31;

/// A node of the quadtree of regions.
#[derive(Debug, Clone)]
struct Node {
    /// Its regions: `order[lo..hi]`.
    lo: u32,
    hi: u32,
    /// Its children `first..first + count` (no child: a leaf).
    first: u32,
    count: u32,
    /// Bounding box of its regions' centres, km.
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
    /// Population share and share of the regions of its regions.
    population: f64,
    share: f64,
}

impl Node {
    fn is_leaf(&self) -> bool {
        self.count == 0
    }

    /// Smallest and largest distance from `(x, y)` to the bounding box.
    fn distances(&self, x: f64, y: f64) -> (f64, f64) {
        let dx = (self.x0 - x).max(x - self.x1).max(0.0);
        let dy = (self.y0 - y).max(y - self.y1).max(0.0);
        let fx = (x - self.x0).abs().max((x - self.x1).abs());
        let fy = (y - self.y0).abs().max((y - self.y1).abs());
        ((dx * dx + dy * dy).sqrt(), (fx * fx + fy * fy).sqrt())
    }
}

/// The quadtree of a territory's regions.
#[derive(Debug, Clone)]
pub struct RegionTree {
    /// Region indices in tree order (every node's regions are contiguous).
    order: Vec<u32>,
    nodes: Vec<Node>,
}

impl RegionTree {
    /// Build the tree of a territory's regions.
    pub fn new(t: &Territory) -> Self {
        let n = t.len();
        let mut tree = RegionTree {
            order: (0..n as u32).collect(),
            nodes: Vec::new(),
        };
        tree.nodes.push(tree.node(t, 0, n));
        tree.split(t, 0, 0);
        tree
    }

    fn node(&self, t: &Territory, lo: usize, hi: usize) -> Node {
        let mut node = Node {
            lo: lo as u32,
            hi: hi as u32,
            first: 0,
            count: 0,
            x0: f64::INFINITY,
            y0: f64::INFINITY,
            x1: f64::NEG_INFINITY,
            y1: f64::NEG_INFINITY,
            population: 0.0,
            share: (hi - lo) as f64 / t.len() as f64,
        };
        for &s in &self.order[lo..hi] {
            let r = &t.regions[s as usize];
            node.x0 = node.x0.min(r.x);
            node.y0 = node.y0.min(r.y);
            node.x1 = node.x1.max(r.x);
            node.y1 = node.y1.max(r.y);
            node.population += r.weight;
        }
        node
    }

    /// Split node `k` into the quadrants of its box, recursively.
    fn split(&mut self, t: &Territory, k: usize, depth: usize) {
        let (lo, hi) = (self.nodes[k].lo as usize, self.nodes[k].hi as usize);
        if hi - lo <= LEAF || depth >= MAX_DEPTH {
            return;
        }
        let node = &self.nodes[k];
        let (mx, my) = (0.5 * (node.x0 + node.x1), 0.5 * (node.y0 + node.y1));
        let quadrant = |s: u32| {
            let r = &t.regions[s as usize];
            usize::from(r.x >= mx) + 2 * usize::from(r.y >= my)
        };
        // Stable partition of the node's regions by quadrant.
        let mut parts: [Vec<u32>; 4] = Default::default();
        for &s in &self.order[lo..hi] {
            parts[quadrant(s)].push(s);
        }
        if parts.iter().filter(|p| !p.is_empty()).count() < 2 {
            return; // all centres in one quadrant: coincident points
        }
        let mut at = lo;
        let mut ranges = Vec::with_capacity(4);
        for p in &parts {
            if !p.is_empty() {
                self.order[at..at + p.len()].copy_from_slice(p);
                ranges.push((at, at + p.len()));
                at += p.len();
            }
        }
        let first = self.nodes.len();
        for &(a, b) in &ranges {
            let child = self.node(t, a, b);
            self.nodes.push(child);
        }
        self.nodes[k].first = first as u32;
        self.nodes[k].count = ranges.len() as u32;
        for c in first..first + ranges.len() {
            self.split(t, c, depth + 1);
        }
    }

    /// Sum of `weights` over every node's regions (children after their
    /// parent, so a reverse pass sums leaves first).
    fn node_weights(&self, weights: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.nodes.len()];
        for k in (0..self.nodes.len()).rev() {
            let node = &self.nodes[k];
            out[k] = if node.is_leaf() {
                self.order[node.lo as usize..node.hi as usize]
                    .iter()
                    .map(|&s| weights[s as usize])
                    .sum()
            } else {
                (node.first..node.first + node.count)
                    .map(|c| out[c as usize])
                    .sum()
            };
        }
        out
    }
}

/// One part of an origin's partition of the regions: a region or a tree
/// node, with its distance from the origin (to the node's bounding box).
#[derive(Debug, Clone, Copy)]
struct Part {
    /// Region index, or node index | [`NODE`].
    id: u32,
    /// Distance, km: to the region, or to the node's bounding box.
    dmin: f64,
}

/// Bounds `(upper, lower)` of a node's kernel mass for the two static
/// weightings (population, uniform).
type Bounds = [(f64, f64); 2];

/// A node waiting to be refined, by how much its bounds exceed its lower
/// bounds relative to the whole territory's weight.
struct Open {
    key: f64,
    node: u32,
    bounds: Bounds,
    dmin: f64,
}

impl PartialEq for Open {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}
impl Eq for Open {}
impl PartialOrd for Open {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Open {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key
            .total_cmp(&other.key)
            .then(other.node.cmp(&self.node))
    }
}

/// Partitions of the regions, one per origin (built on first use), for
/// decay lengths near the one they were built for.
#[derive(Debug)]
struct Partitions {
    tree: Arc<RegionTree>,
    decay_km: f64,
    parts: Vec<OnceLock<Box<[Part]>>>,
}

impl Partitions {
    /// The partition for origin `r`: refine the node whose bounds exceed
    /// its lower bounds the most, for the population and the uniform
    /// weights, until the excess is a share [`SLACK`] of the lower bounds
    /// for both.
    fn of(&self, t: &Territory, r: usize) -> &[Part] {
        self.parts[r].get_or_init(|| {
            let tree = &*self.tree;
            let lambda = self.decay_km;
            let (x, y) = (t.regions[r].x, t.regions[r].y);
            let mut parts = Vec::new();
            let mut heap = BinaryHeap::new();
            // Sums of the upper and lower bounds of all parts, per weighting.
            let mut sums: Bounds = [(0.0, 0.0); 2];
            let add = |sums: &mut Bounds, b: &Bounds, sign: f64| {
                for (s, b) in sums.iter_mut().zip(b) {
                    s.0 += sign * b.0;
                    s.1 += sign * b.1;
                }
            };
            let open = |k: usize, heap: &mut BinaryHeap<Open>, sums: &mut Bounds| {
                let node = &tree.nodes[k];
                let (dmin, dmax) = node.distances(x, y);
                let (near, far) = ((-dmin / lambda).exp(), (-dmax / lambda).exp());
                let bounds = [node.population, node.share].map(|w| (w * near, w * far));
                add(sums, &bounds, 1.0);
                heap.push(Open {
                    key: bounds.iter().map(|b| b.0 - b.1).sum(),
                    node: k as u32,
                    bounds,
                    dmin,
                });
            };
            open(0, &mut heap, &mut sums);
            let loose = |s: &Bounds| s.iter().any(|&(hi, lo)| hi - lo > SLACK * lo);
            while loose(&sums) && parts.len() + heap.len() < MAX_PARTS {
                let Some(top) = heap.pop() else { break };
                add(&mut sums, &top.bounds, -1.0);
                let node = &tree.nodes[top.node as usize];
                if node.is_leaf() {
                    for &s in &tree.order[node.lo as usize..node.hi as usize] {
                        let d = t.distance(r, s as usize);
                        let f = (-d / lambda).exp();
                        let w = [t.regions[s as usize].weight, 1.0 / t.len() as f64];
                        add(&mut sums, &w.map(|w| (w * f, w * f)), 1.0);
                        parts.push(Part { id: s, dmin: d });
                    }
                } else {
                    for c in node.first..node.first + node.count {
                        open(c as usize, &mut heap, &mut sums);
                    }
                }
            }
            let mut nodes: Vec<Part> = heap
                .into_iter()
                .map(|o| Part {
                    id: o.node | NODE,
                    dmin: o.dmin,
                })
                .collect();
            nodes.sort_unstable_by_key(|p| p.id);
            parts.extend(nodes);
            parts.into_boxed_slice()
        })
    }
}

/// What the draws of one decay length share: the partitions and, per
/// origin, the factors `exp(−dmin/λ)` of its parts (built on first use).
#[derive(Debug)]
pub struct Reach {
    partitions: Arc<Partitions>,
    decay_km: f64,
    factors: Vec<OnceLock<Box<[f64]>>>,
}

impl Reach {
    fn parts(&self, t: &Territory, r: usize) -> (&[Part], &[f64]) {
        let parts = self.partitions.of(t, r);
        let factors = self.factors[r].get_or_init(|| {
            parts
                .iter()
                .map(|p| (-p.dmin / self.decay_km).exp())
                .collect()
        });
        (parts, factors)
    }

    fn tree(&self) -> &RegionTree {
        &self.partitions.tree
    }
}

/// The quadtree, partitions and factors of the decay lengths in use, kept
/// from step to step (the model holds one).
#[derive(Debug, Default)]
pub struct Reaches {
    tree: Option<Arc<RegionTree>>,
    /// Partitions and the step they were last used.
    partitions: Vec<(Arc<Partitions>, u32)>,
    /// Decay length's bits, what its draws share, step last used.
    reaches: Vec<(u64, Arc<Reach>, u32)>,
}

impl Reaches {
    /// What the draws with decay length `decay_km` at `step` share (none
    /// for a territory small enough for rows). Whatever was not used in
    /// this step or the previous one is dropped.
    pub fn get(&mut self, t: &Territory, decay_km: f64, step: u32) -> Option<Arc<Reach>> {
        if t.len() <= DENSE_MAX_REGIONS {
            return None;
        }
        let recent = |last: u32| last + 1 >= step;
        self.reaches.retain(|c| recent(c.2));
        self.partitions.retain(|c| recent(c.1));
        if let Some(c) = self.reaches.iter_mut().find(|c| c.0 == decay_km.to_bits()) {
            c.2 = step;
            return Some(c.1.clone());
        }
        let fits =
            |p: &Partitions| decay_km <= p.decay_km * REUSE && decay_km * REUSE >= p.decay_km;
        let partitions = match self.partitions.iter_mut().find(|p| fits(&p.0)) {
            Some(p) => {
                p.1 = step;
                p.0.clone()
            }
            None => {
                let tree = self
                    .tree
                    .get_or_insert_with(|| Arc::new(RegionTree::new(t)))
                    .clone();
                let p = Arc::new(Partitions {
                    tree,
                    decay_km,
                    parts: (0..t.len()).map(|_| OnceLock::new()).collect(),
                });
                self.partitions.push((p.clone(), step));
                p
            }
        };
        let reach = Arc::new(Reach {
            partitions,
            decay_km,
            factors: (0..t.len()).map(|_| OnceLock::new()).collect(),
        });
        self.reaches.push((decay_km.to_bits(), reach.clone(), step));
        Some(reach)
    }
}

/// Draws of a destination region for one set of weights in one step.
#[derive(Debug)]
pub struct RegionDraw<'a> {
    territory: &'a Territory,
    weights: Vec<f64>,
    decay_km: f64,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// Cumulative rows over the regions of non-zero weight (`nonzero`),
    /// per origin.
    Rows {
        nonzero: Vec<u32>,
        rows: Vec<OnceLock<Box<[f64]>>>,
    },
    /// Cumulative bounds of the origin's parts, per origin.
    Tree {
        reach: Arc<Reach>,
        node_weight: Vec<f64>,
        tables: Vec<OnceLock<Box<[f64]>>>,
    },
}

impl<'a> RegionDraw<'a> {
    /// Draws with `weights` (one per region, finite and non-negative) and
    /// decay length `decay_km`; `reach` is what [`Reaches::get`] gave for
    /// that decay length.
    pub fn new(
        territory: &'a Territory,
        weights: Vec<f64>,
        decay_km: f64,
        reach: Option<Arc<Reach>>,
    ) -> Self {
        let n = territory.len();
        let slots = || (0..n).map(|_| OnceLock::new()).collect();
        let kind = match reach {
            Some(reach) => {
                debug_assert_eq!(reach.decay_km.to_bits(), decay_km.to_bits());
                Kind::Tree {
                    node_weight: reach.tree().node_weights(&weights),
                    reach,
                    tables: slots(),
                }
            }
            None => Kind::Rows {
                nonzero: (0..n as u32)
                    .filter(|&s| weights[s as usize] != 0.0)
                    .collect(),
                rows: slots(),
            },
        };
        RegionDraw {
            territory,
            weights,
            decay_km,
            kind,
        }
    }

    /// A region for an agent of region `origin`, or `None` if no region has
    /// weight. With rows, takes exactly one uniform from `rng`.
    pub fn draw<R: rand::Rng + ?Sized>(&self, origin: usize, rng: &mut R) -> Option<usize> {
        match &self.kind {
            Kind::Rows { nonzero, rows } => {
                let u: f64 = rng.random();
                let row = rows[origin].get_or_init(|| {
                    let mut acc = 0.0;
                    nonzero
                        .iter()
                        .map(|&s| {
                            let d = self.territory.distance(origin, s as usize);
                            acc += self.weights[s as usize] * (-d / self.decay_km).exp();
                            acc
                        })
                        .collect()
                });
                let total = *row.last()?;
                if total <= 0.0 {
                    return None;
                }
                let target = u * total;
                // The first region whose running sum exceeds the target;
                // if rounding leaves none, the last region, as the full row
                // over all regions gives.
                let i = row.partition_point(|&c| c <= target);
                Some(
                    nonzero
                        .get(i)
                        .map_or(self.territory.len() - 1, |&s| s as usize),
                )
            }
            Kind::Tree {
                reach,
                node_weight,
                tables,
            } => self.draw_tree(reach, node_weight, tables, origin, rng),
        }
    }

    fn draw_tree<R: rand::Rng + ?Sized>(
        &self,
        reach: &Reach,
        node_weight: &[f64],
        tables: &[OnceLock<Box<[f64]>>],
        origin: usize,
        rng: &mut R,
    ) -> Option<usize> {
        let t = self.territory;
        let tree = reach.tree();
        let (parts, factors) = reach.parts(t, origin);
        let weight = |p: &Part| {
            if p.id & NODE != 0 {
                node_weight[(p.id & !NODE) as usize]
            } else {
                self.weights[p.id as usize]
            }
        };
        let table = tables[origin].get_or_init(|| {
            let mut acc = 0.0;
            parts
                .iter()
                .zip(factors)
                .map(|(p, f)| {
                    acc += weight(p) * f;
                    acc
                })
                .collect()
        });
        let total = *table.last()?;
        if total <= 0.0 {
            let _: f64 = rng.random();
            return None;
        }
        for _ in 0..MAX_TRIALS {
            let target = rng.random::<f64>() * total;
            let i = table.partition_point(|&c| c <= target).min(table.len() - 1);
            let part = parts[i];
            if weight(&part) <= 0.0 {
                continue; // only after rounding at the end of the table
            }
            if part.id & NODE == 0 {
                return Some(part.id as usize);
            }
            // A region of the node by its weight, accepted with
            // exp(−(d − dmin)/λ).
            let mut k = (part.id & !NODE) as usize;
            let s = loop {
                let node = &tree.nodes[k];
                let mut target = rng.random::<f64>() * node_weight[k];
                if node.is_leaf() {
                    let regions = &tree.order[node.lo as usize..node.hi as usize];
                    let mut pick = None;
                    for &s in regions {
                        let w = self.weights[s as usize];
                        if w > 0.0 {
                            pick = Some(s as usize);
                            if target < w {
                                break;
                            }
                            target -= w;
                        }
                    }
                    break pick;
                }
                let mut next = None;
                for c in node.first..node.first + node.count {
                    let w = node_weight[c as usize];
                    if w > 0.0 {
                        next = Some(c as usize);
                        if target < w {
                            break;
                        }
                        target -= w;
                    }
                }
                match next {
                    Some(c) => k = c,
                    None => break None,
                }
            };
            let Some(s) = s else { continue };
            let excess = t.distance(origin, s) - part.dmin;
            if rng.random::<f64>() < (-excess.max(0.0) / reach.decay_km).exp() {
                return Some(s);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::TerritoryParams;
    use crate::util::rng::{Purpose, Streams};

    /// The probabilities a full row gives.
    fn exact(t: &Territory, w: &[f64], lambda: f64, r: usize) -> Vec<f64> {
        let p: Vec<f64> = (0..t.len())
            .map(|s| w[s] * (-t.distance(r, s) / lambda).exp())
            .collect();
        let total: f64 = p.iter().sum();
        p.iter().map(|x| x / total).collect()
    }

    fn territory(regions: i64) -> Territory {
        Territory::new(&TerritoryParams {
            regions,
            ..TerritoryParams::default()
        })
    }

    /// Frequencies of `draws` draws from origin `r`, and the largest
    /// standardised deviation from the exact probabilities.
    fn deviation(d: &RegionDraw<'_>, exact: &[f64], r: usize, draws: usize, seed: u64) -> f64 {
        let streams = Streams::new(seed);
        let mut counts = vec![0usize; exact.len()];
        let mut rng = streams.rng(Purpose::PartnerSearch, 0, r as u64);
        for _ in 0..draws {
            counts[d.draw(r, &mut rng).expect("weights are positive")] += 1;
        }
        counts
            .iter()
            .zip(exact)
            .map(|(&c, &p)| {
                let expected = p * draws as f64;
                (c as f64 - expected).abs() / (expected * (1.0 - p)).sqrt().max(1.0)
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn tree_draws_follow_the_kernel() {
        // 600 regions (the tree), population weights with a few empty and a
        // uniform weight, a short and a long decay length, origins of
        // every size: each region's count stays within 5 standard
        // deviations of its expectation (of 600 regions, a larger
        // deviation happens by chance with probability below 1e-3).
        let t = territory(600);
        let mut reaches = Reaches::default();
        for (lambda, uniform) in [(30.0, false), (200.0, true)] {
            let w: Vec<f64> = (0..t.len())
                .map(|s| match (uniform, s % 7) {
                    (true, _) => 1.0,
                    (false, 3) => 0.0,
                    (false, _) => t.regions[s].weight,
                })
                .collect();
            let reach = reaches.get(&t, lambda, 0);
            assert!(reach.is_some(), "600 regions use the tree");
            let d = RegionDraw::new(&t, w.clone(), lambda, reach);
            for r in [0, 17, 599] {
                let dev = deviation(&d, &exact(&t, &w, lambda, r), r, 200_000, 7);
                assert!(dev < 5.0, "λ {lambda} origin {r}: deviation {dev:.2}");
            }
        }
    }

    #[test]
    fn tree_draws_detect_a_wrong_kernel() {
        // The test above can fail: the same draws against the kernel of
        // another decay length deviate far beyond 5 standard deviations.
        let t = territory(600);
        let w: Vec<f64> = t.regions.iter().map(|r| r.weight).collect();
        let reach = Reaches::default().get(&t, 30.0, 0);
        let d = RegionDraw::new(&t, w.clone(), 30.0, reach);
        assert!(deviation(&d, &exact(&t, &w, 40.0, 17), 17, 200_000, 7) > 10.0);
    }

    #[test]
    fn rows_draw_what_full_rows_drew() {
        // The full row over all regions, as before the rows skipped empty
        // regions: the same region for every uniform, including the
        // boundaries between regions and the last region when rounding
        // leaves no running sum above the target.
        let t = territory(40);
        let mut w: Vec<f64> = t.regions.iter().map(|r| r.weight).collect();
        for s in [0, 5, 6, 39] {
            w[s] = 0.0;
        }
        let d = RegionDraw::new(&t, w.clone(), 60.0, None);
        for r in [0, 5, 20] {
            let mut full = Vec::new();
            let mut acc = 0.0;
            for (s, &ws) in w.iter().enumerate() {
                acc += ws * (-t.distance(r, s) / 60.0).exp();
                full.push(acc);
            }
            let mut us: Vec<f64> = (0..10_000).map(|k| k as f64 / 10_000.0).collect();
            us.extend(full.iter().map(|c| c / acc).filter(|&u| u < 1.0));
            us.push(1.0 - f64::EPSILON / 2.0);
            for u in us {
                // As the generator gives it: a multiple of 2^-53.
                let u = (u * (1u64 << 53) as f64).floor() / (1u64 << 53) as f64;
                let mut one = ConstRng(u);
                assert_eq!(
                    d.draw(r, &mut one),
                    crate::util::draw::draw_cumulative(&full, u),
                    "origin {r}, u {u}"
                );
            }
        }
        let none = RegionDraw::new(&t, vec![0.0; 40], 60.0, None);
        assert_eq!(none.draw(3, &mut ConstRng(0.5)), None);
    }

    /// A generator whose every f64 is `u`.
    struct ConstRng(f64);

    impl rand_core::TryRng for ConstRng {
        type Error = std::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok((self.try_next_u64()? >> 32) as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            // rand's f64 takes the high 53 bits.
            Ok(((self.0 * (1u64 << 53) as f64) as u64) << 11)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0);
            Ok(())
        }
    }

    #[test]
    fn parts_partition_the_regions_and_stay_few() {
        // Every region is in exactly one part of every origin's partition,
        // and a partition of 2000 regions has far fewer parts than regions.
        let t = territory(2000);
        let reach = Reaches::default().get(&t, 60.0, 0).unwrap();
        for r in [0, 999, 1999] {
            let (parts, _) = reach.parts(&t, r);
            let mut seen = vec![0u32; t.len()];
            for p in parts {
                if p.id & NODE == 0 {
                    seen[p.id as usize] += 1;
                } else {
                    let node = &reach.tree().nodes[(p.id & !NODE) as usize];
                    for &s in &reach.tree().order[node.lo as usize..node.hi as usize] {
                        seen[s as usize] += 1;
                    }
                }
            }
            assert!(seen.iter().all(|&c| c == 1), "origin {r}");
            assert!(
                parts.len() <= MAX_PARTS,
                "origin {r}: {} parts",
                parts.len()
            );
        }
    }
}
