//! The design points of a plan, computed on demand from their index.
//!
//! A plan may ask for millions of points; holding each as a list of TOML
//! values took a gigabyte at ten million. Grid and one-at-a-time points
//! follow from their index alone; a random draw over a range is the draw at
//! a known position of its factor's stream (one 64-bit word per draw), so
//! it is recomputed by seeking there. What depends on all earlier draws is
//! kept, compactly: the index of each random choice from a list, and each
//! latin-hypercube stratum (4 bytes per point and factor). The values are
//! those the points had when they were generated all at once, so sweep
//! outputs do not change.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::util::rng;

/// How design points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DesignKind {
    /// Full factorial over lists of values.
    Grid,
    /// `samples` independent uniform draws (ranges) or choices (lists).
    Random,
    /// Latin hypercube of `samples` points over ranges.
    Lhs,
    /// One factor at a time around the base scenario's values.
    Oat,
    /// Morris elementary-effects trajectories over ranges.
    Morris,
    /// Saltelli's scheme on a scrambled Sobol' sequence over ranges.
    Sobol,
    /// The rows of a CSV design matrix.
    File,
}

impl DesignKind {
    /// Designs whose factors are ranges sampled in the unit cube.
    pub fn samples_ranges(self) -> bool {
        matches!(
            self,
            DesignKind::Lhs | DesignKind::Morris | DesignKind::Sobol
        )
    }
}

/// The values a factor takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// A list of values.
    Values(Vec<toml::Value>),
    /// A range: integer if the parameter is an integer, else real; on a
    /// log scale if `log` (then `min > 0`).
    Range {
        min: f64,
        max: f64,
        integer: bool,
        log: bool,
    },
    /// A column of a design file (its values are held by the design).
    File,
}

/// A varied parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// Dotted scenario path, also the column name.
    pub path: String,
    pub domain: Domain,
    /// Its value in the base scenario (with `[fixed]` applied).
    pub base: toml::Value,
    /// Morris group: factors of one group move together (one unit value).
    pub group: Option<String>,
}

/// What a Morris, Sobol' or file design needs besides its factors.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    /// Morris: trajectories kept (r).
    pub trajectories: u64,
    /// Morris: grid levels (p, even).
    pub levels: u64,
    /// Morris: candidate trajectories the r are chosen from (0: no choice).
    pub candidates: u64,
    /// Sobol': base samples (N).
    pub samples: u64,
    /// Sobol': second-order indices designed.
    pub second_order: bool,
    /// File: one column of values per factor.
    pub file: Vec<Vec<toml::Value>>,
}

impl Structure {
    /// The Morris grid jump Δ = p / (2 (p − 1)).
    pub fn delta(&self) -> f64 {
        self.levels as f64 / (2.0 * (self.levels as f64 - 1.0))
    }
}

/// The Morris groups of factors (a factor without a group is its own), in
/// order of first appearance, and each factor's group index.
pub fn groups(factors: &[Factor]) -> (Vec<String>, Vec<usize>) {
    let mut names: Vec<String> = Vec::new();
    let of = factors
        .iter()
        .map(|f| {
            let name = f.group.clone().unwrap_or_else(|| f.path.clone());
            match names.iter().position(|n| *n == name) {
                Some(i) => i,
                None => {
                    names.push(name);
                    names.len() - 1
                }
            }
        })
        .collect();
    (names, of)
}

/// Points of a Saltelli block over d groups: A, the d matrices AB_i, (the
/// d BA_i), B.
pub fn saltelli_block(d: usize, second_order: bool) -> u64 {
    (if second_order { 2 * d + 2 } else { d + 2 }) as u64
}

/// Largest memory the kept draws of a design may take (lhs ranges and
/// random choices from lists: 4 bytes per point and factor).
pub const MAX_DESIGN_BYTES: u64 = 256 << 20;

/// Bytes a design of `points` points keeps for these factors.
pub fn kept_bytes(kind: DesignKind, factors: &[Factor], points: u64) -> u64 {
    let kept = factors
        .iter()
        .filter(|f| {
            matches!(
                (kind, &f.domain),
                (DesignKind::Lhs, _) | (DesignKind::Random, Domain::Values(_))
            )
        })
        .count() as u64;
    kept.saturating_mul(points).saturating_mul(4)
}

/// How one factor's values are found for a sampled (random or lhs) design.
#[derive(Debug, Clone)]
enum Column {
    /// Random choices from a list: the index of each point's value.
    Choices(Vec<u32>),
    /// Random draws over a range: draw `j` is at word `start + 2j` of `rng`.
    Uniform { rng: ChaCha8Rng, start: u128 },
    /// Latin hypercube: the stratum of each point, then draw `j` at word
    /// `start + 2j` of `rng` places the point within its stratum.
    Strata {
        strata: Vec<u32>,
        rng: ChaCha8Rng,
        start: u128,
    },
}

/// The points of a design.
#[derive(Debug, Clone)]
pub struct Design {
    kind: DesignKind,
    points: u64,
    /// Grid: number of values of each factor. Oat: first point of each
    /// factor's values (point 0 is the base).
    sizes: Vec<u64>,
    /// Random and lhs: one column per factor.
    columns: Vec<Column>,
    /// Morris: unit values, `groups` per point. Sobol': the sequence's seed
    /// and block. File: the columns.
    unit: Vec<f64>,
    group_of: Vec<usize>,
    n_groups: usize,
    sobol_seed: u32,
    /// Sobol': the base sample whose B row pairs with A row j.
    sobol_pairs: Vec<u32>,
    structure: Structure,
}

impl Design {
    /// The design of `points` points (counted and bounded by the caller).
    pub fn new(
        kind: DesignKind,
        factors: &[Factor],
        points: u64,
        seed: u64,
        structure: Structure,
    ) -> Self {
        let values = |f: &Factor| match &f.domain {
            Domain::Values(v) => v.len() as u64,
            _ => 0,
        };
        let mut sizes = Vec::new();
        let mut columns = Vec::new();
        match kind {
            DesignKind::Grid => sizes = factors.iter().map(values).collect(),
            DesignKind::Oat => {
                let mut first = 1;
                for f in factors {
                    sizes.push(first);
                    first += values(f);
                }
            }
            DesignKind::Random | DesignKind::Lhs => {
                columns = factors
                    .iter()
                    .enumerate()
                    .map(|(i, f)| column(f, points, kind == DesignKind::Lhs, seed, i as u64))
                    .collect();
            }
            DesignKind::Morris | DesignKind::Sobol | DesignKind::File => {}
        }
        let (names, group_of) = groups(factors);
        let unit = if kind == DesignKind::Morris && points > 0 {
            super::morris::trajectories(
                structure.trajectories,
                structure.levels,
                structure.candidates,
                names.len(),
                seed,
            )
        } else {
            Vec::new()
        };
        // B rows are paired with A rows at random (a permutation of the
        // base samples): the first points of dimensions g and d + g of a
        // Sobol' sequence share their leading digits, so pairing them by
        // index made A and B strongly dependent in small designs.
        let sobol_pairs = if kind == DesignKind::Sobol {
            let n = structure.samples as usize;
            let mut r = rng::keyed_stream(seed, rng::DOMAIN_DESIGN, u64::MAX - 1);
            let mut p: Vec<u32> = (0..n as u32).collect();
            for i in (1..n).rev() {
                let j = r.random_range(0..=i);
                p.swap(i, j);
            }
            p
        } else {
            Vec::new()
        };
        Self {
            kind,
            points,
            sizes,
            columns,
            sobol_pairs,
            unit,
            group_of,
            n_groups: names.len(),
            sobol_seed: (rng::keyed_stream(seed, rng::DOMAIN_DESIGN, u64::MAX).random::<u64>()
                >> 32) as u32,
            structure,
        }
    }

    /// Number of points.
    pub fn points(&self) -> u64 {
        self.points
    }

    /// The value of factor `i` at point `point`; for a list, also the
    /// index of the value in it.
    pub fn value(&self, factors: &[Factor], point: u64, i: usize) -> (toml::Value, Option<usize>) {
        let f = &factors[i];
        match self.kind {
            DesignKind::Grid => {
                // Nested loops in file order: the last factor varies fastest.
                let below: u64 = self.sizes[i + 1..].iter().product();
                let index = ((point / below.max(1)) % self.sizes[i].max(1)) as usize;
                listed(f, index)
            }
            DesignKind::Oat => {
                // Point 0 is the base; then each factor's values in turn,
                // the others at their base values.
                let first = self.sizes[i];
                let n = match &f.domain {
                    Domain::Values(v) => v.len() as u64,
                    _ => 0,
                };
                if point >= first && point < first + n {
                    listed(f, (point - first) as usize)
                } else {
                    (f.base.clone(), None)
                }
            }
            DesignKind::Random | DesignKind::Lhs => match (&self.columns[i], &f.domain) {
                (Column::Choices(indices), _) => listed(f, indices[point as usize] as usize),
                (Column::Uniform { rng, start }, d @ Domain::Range { .. }) => {
                    let u = draw(rng, *start, point);
                    (in_range(d, u), None)
                }
                (Column::Strata { strata, rng, start }, d @ Domain::Range { .. }) => {
                    let u = draw(rng, *start, point);
                    let x = (strata[point as usize] as f64 + u) / self.points as f64;
                    (in_range(d, x), None)
                }
                // A column always matches its factor's domain.
                _ => (f.base.clone(), None),
            },
            DesignKind::Morris => {
                let u = self.unit[point as usize * self.n_groups + self.group_of[i]];
                (from_unit(&f.domain, u, &f.base), None)
            }
            DesignKind::Sobol => {
                // Over groups (a parameter without a group is its own).
                let (d, g) = (self.n_groups, self.group_of[i]);
                let block = saltelli_block(d, self.structure.second_order);
                let (j, k) = ((point / block) as u32, (point % block) as usize);
                // A (k = 0), AB_m (k = 1 + m: A with column m of B), BA_m
                // (k = 1 + d + m: B with column m of A), B (last).
                let from_b = match k {
                    0 => false,
                    k if k <= d => k - 1 == g,
                    k if (k as u64) < block - 1 => k - 1 - d != g,
                    _ => true,
                };
                let (index, dim) = if from_b {
                    (self.sobol_pairs[j as usize], d + g)
                } else {
                    (j, g)
                };
                let u = sobol_owen(index, dim as u32, self.sobol_seed);
                (from_unit(&f.domain, u, &f.base), None)
            }
            DesignKind::File => (self.structure.file[i][point as usize].clone(), None),
        }
    }

    /// What a Morris, Sobol' or file design holds besides its factors.
    pub fn structure(&self) -> &Structure {
        &self.structure
    }

    /// The seed of the scrambled Sobol' sequence.
    pub fn sobol_seed(&self) -> u32 {
        self.sobol_seed
    }

    /// The values of every factor at point `point`.
    pub fn point(&self, factors: &[Factor], point: u64) -> Vec<toml::Value> {
        (0..factors.len())
            .map(|i| self.value(factors, point, i).0)
            .collect()
    }
}

fn listed(f: &Factor, index: usize) -> (toml::Value, Option<usize>) {
    match &f.domain {
        Domain::Values(v) => (v[index].clone(), Some(index)),
        _ => (f.base.clone(), None),
    }
}

/// Point `index`, dimension `dim` of the Sobol' sequence (Joe and Kuo's
/// direction numbers, from `sobol_burley`), Owen-scrambled: bit b is
/// flipped by a hash of (seed, dimension, b, the bits above it), a nested
/// uniform scramble (Owen 1995) that keeps the sequence's nets. The
/// crate's own scramble (a fast hash meant for graphics) gave nearly equal
/// values in several dimensions of one point of small designs; this one
/// draws every bit independently.
pub fn sobol_owen(index: u32, dim: u32, seed: u32) -> f64 {
    let raw = sobol_burley::parts::sobol_rev(index.reverse_bits(), dim).reverse_bits();
    let mut out = raw;
    for b in 0..32u32 {
        let above = if b == 31 { 0 } else { raw >> (b + 1) };
        let mut h = (u64::from(seed) << 32 | u64::from(dim))
            ^ (u64::from(b) << 56)
            ^ u64::from(above).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        h ^= h >> 31;
        out ^= ((h & 1) as u32) << b;
    }
    (f64::from(out) + 0.5) / 4_294_967_296.0
}

/// The value of a range at `u` in [0, 1] of the unit cube (its log if the
/// range is on a log scale); integers are rounded to the nearest.
pub fn from_unit(domain: &Domain, u: f64, base: &toml::Value) -> toml::Value {
    let Domain::Range {
        min,
        max,
        integer,
        log,
    } = *domain
    else {
        return base.clone();
    };
    let x = if log {
        (min.ln() + u * (max.ln() - min.ln())).exp().clamp(min, max)
    } else {
        min + u * (max - min)
    };
    if integer {
        toml::Value::Integer(x.round().clamp(min, max) as i64)
    } else {
        toml::Value::Float(x)
    }
}

/// Where a value lies in a range, in [0, 1] (the inverse of [`from_unit`]).
pub fn to_unit(domain: &Domain, x: f64) -> f64 {
    match *domain {
        Domain::Range { min, max, log, .. } => {
            let u = if log {
                (x.max(min).ln() - min.ln()) / (max.ln() - min.ln())
            } else {
                (x - min) / (max - min)
            };
            u.clamp(0.0, 1.0)
        }
        _ => 0.0,
    }
}

/// The uniform draw `point` of a column: the 64-bit word pair at
/// `start + 2 × point` (a draw of an `f64` takes exactly one `u64`).
fn draw(rng: &ChaCha8Rng, start: u128, point: u64) -> f64 {
    let mut r = rng.clone();
    r.set_word_pos(start + 2 * u128::from(point));
    r.random()
}

/// The value at `x` in [0, 1) of a range (random and lhs designs: an
/// integer range is cut into equal cells, one per integer).
fn in_range(domain: &Domain, x: f64) -> toml::Value {
    match *domain {
        Domain::Range {
            min,
            max,
            integer: true,
            ..
        } => {
            let width = max - min + 1.0;
            let v = (min + (x * width).floor()).min(max);
            toml::Value::Integer(v as i64)
        }
        Domain::Range {
            min,
            max,
            log: true,
            ..
        } => toml::Value::Float((min.ln() + x * (max.ln() - min.ln())).exp().clamp(min, max)),
        Domain::Range { min, max, .. } => toml::Value::Float(min + x * (max - min)),
        _ => toml::Value::Float(x),
    }
}

/// Draw the kept part of factor `index`'s column from its own stream, so
/// that adding a factor never changes the others.
fn column(f: &Factor, n: u64, lhs: bool, seed: u64, index: u64) -> Column {
    let mut r = rng::keyed_stream(seed, rng::DOMAIN_DESIGN, index);
    match &f.domain {
        Domain::Values(values) => Column::Choices(
            (0..n)
                .map(|_| r.random_range(0..values.len()) as u32)
                .collect(),
        ),
        Domain::Range { .. } | Domain::File if lhs => {
            // A random permutation of the strata (Fisher–Yates), then the
            // draws within them.
            let n = n as usize;
            let mut strata: Vec<u32> = (0..n as u32).collect();
            for i in (1..n).rev() {
                let j = r.random_range(0..=i);
                strata.swap(i, j);
            }
            let start = r.get_word_pos();
            Column::Strata {
                strata,
                rng: r,
                start,
            }
        }
        Domain::Range { .. } | Domain::File => {
            let start = r.get_word_pos();
            Column::Uniform { rng: r, start }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The points as they were generated before designs were computed on
    /// demand: every column drawn in one pass.
    fn all_at_once(f: &Factor, n: usize, lhs: bool, seed: u64, index: u64) -> Vec<toml::Value> {
        let mut r = rng::keyed_stream(seed, rng::DOMAIN_DESIGN, index);
        match &f.domain {
            Domain::Values(values) => (0..n)
                .map(|_| values[r.random_range(0..values.len())].clone())
                .collect(),
            d @ Domain::Range { .. } => {
                let strata: Option<Vec<usize>> = lhs.then(|| {
                    let mut p: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        let j = r.random_range(0..=i);
                        p.swap(i, j);
                    }
                    p
                });
                (0..n)
                    .map(|j| {
                        let u: f64 = r.random();
                        let x = match &strata {
                            Some(p) => (p[j] as f64 + u) / n as f64,
                            None => u,
                        };
                        in_range(d, x)
                    })
                    .collect()
            }
            Domain::File => Vec::new(),
        }
    }

    fn factor(domain: Domain) -> Factor {
        Factor {
            path: "x".into(),
            domain,
            base: toml::Value::Float(0.0),
            group: None,
        }
    }

    #[test]
    fn points_on_demand_are_the_points_drawn_at_once() {
        let factors = [
            factor(Domain::Range {
                min: 0.1,
                max: 0.6,
                integer: false,
                log: false,
            }),
            factor(Domain::Values(
                (0..7).map(|i| toml::Value::Integer(i * 10)).collect(),
            )),
            factor(Domain::Range {
                min: 100.0,
                max: 124.0,
                integer: true,
                log: false,
            }),
        ];
        for (kind, n, seed) in [
            (DesignKind::Random, 1, 3),
            (DesignKind::Random, 333, 9),
            (DesignKind::Lhs, 1, 4),
            (DesignKind::Lhs, 257, 7),
        ] {
            let lhs = kind == DesignKind::Lhs;
            let used: Vec<Factor> = factors
                .iter()
                .filter(|f| !(lhs && matches!(f.domain, Domain::Values(_))))
                .cloned()
                .collect();
            let d = Design::new(kind, &used, n, seed, Structure::default());
            for (i, f) in used.iter().enumerate() {
                let want = all_at_once(f, n as usize, lhs, seed, i as u64);
                // Out of order, as workers ask for them.
                for p in (0..n).rev().chain(0..n) {
                    assert_eq!(d.value(&used, p, i).0, want[p as usize], "{kind:?} {i} {p}");
                }
            }
        }
    }

    #[test]
    fn scrambled_sobol_dimensions_are_nets_and_independent() {
        // Each dimension of the first 2^k points has one point in each of
        // the 2^k strata; the pairs (dim 0, dim d) are not near-equal.
        for dim in [0, 1, 5, 9, 200] {
            let mut strata: Vec<usize> = (0..16)
                .map(|j| (sobol_owen(j, dim, 7) * 16.0) as usize)
                .collect();
            strata.sort();
            assert_eq!(strata, (0..16).collect::<Vec<_>>(), "dim {dim}");
        }
        let close = (0..16)
            .filter(|&j| (sobol_owen(j, 0, 7) - sobol_owen(j, 5, 7)).abs() < 0.1)
            .count();
        assert!(
            close <= 6,
            "{close} of 16 points nearly equal in dims 0 and 5"
        );
        let other = sobol_owen(3, 2, 8);
        assert_ne!(other, sobol_owen(3, 2, 7));
    }

    #[test]
    fn grid_and_oat_points_follow_from_the_index() {
        let list = |v: &[i64]| {
            let mut f = factor(Domain::Values(
                v.iter().map(|&i| toml::Value::Integer(i)).collect(),
            ));
            f.base = toml::Value::Integer(-1);
            f
        };
        let factors = vec![list(&[1, 2, 3]), list(&[10, 20])];
        let grid = Design::new(DesignKind::Grid, &factors, 6, 0, Structure::default());
        let points: Vec<Vec<toml::Value>> = (0..6).map(|p| grid.point(&factors, p)).collect();
        let ints = |p: &Vec<toml::Value>| {
            p.iter()
                .map(|v| v.as_integer().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            points.iter().map(ints).collect::<Vec<_>>(),
            [[1, 10], [1, 20], [2, 10], [2, 20], [3, 10], [3, 20]]
        );
        let oat = Design::new(DesignKind::Oat, &factors, 6, 0, Structure::default());
        let points: Vec<Vec<i64>> = (0..6).map(|p| ints(&oat.point(&factors, p))).collect();
        assert_eq!(
            points,
            [[-1, -1], [1, -1], [2, -1], [3, -1], [-1, 10], [-1, 20]]
        );
    }
}
