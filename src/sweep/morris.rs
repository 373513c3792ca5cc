//! Morris trajectories in the unit cube (Morris 1991; the choice among
//! candidates follows Campolongo, Cariboni & Saltelli 2007).
//!
//! A trajectory over G groups has G + 1 points on the grid
//! {0, 1/(p−1), …, 1} of p levels (p even): a random start x*, drawn from
//! the levels 0 … 1 − Δ with Δ = p / (2(p − 1)), then each group in a
//! random order moves by +Δ or −Δ (it starts at x* or x* + Δ), so
//! consecutive points differ in one group only. With `candidates = M > r`,
//! M trajectories are drawn and r kept that spread over the cube: the pair
//! farthest apart first, then, one at a time, the candidate whose summed
//! squared distance to those kept is largest (a greedy form of
//! Campolongo's criterion, as in Ruano et al. 2012). The distance between
//! two trajectories is the sum of the Euclidean distances between all their
//! pairs of points.
//!
//! Trajectory t is drawn from its own ChaCha8 stream of the plan's seed,
//! so it does not depend on how many are drawn after it.

use rand::RngExt;

use crate::util::rng;

/// Domain of the Morris trajectories' draws.
const DOMAIN_MORRIS: u64 = 0x5357_4545_5000_0003;

/// Unit values of the kept trajectories: point `t·(G+1) + s`, group `g` at
/// `(t·(G+1) + s)·G + g`.
/// `r` trajectories on `levels` levels, chosen among `candidates` (0: the
/// first r drawn).
pub fn trajectories(r: u64, levels: u64, candidates: u64, groups: usize, seed: u64) -> Vec<f64> {
    let r = r as usize;
    let m = (candidates as usize).max(r);
    let all: Vec<Vec<f64>> = (0..m)
        .map(|t| trajectory(levels, groups, seed, t as u64))
        .collect();
    let keep = if m > r {
        choose(&all, groups, r)
    } else {
        (0..r).collect()
    };
    keep.into_iter().flat_map(|t| all[t].clone()).collect()
}

fn trajectory(p: u64, g: usize, seed: u64, t: u64) -> Vec<f64> {
    let mut rng = rng::keyed_stream(seed, DOMAIN_MORRIS, t);
    let delta = p as f64 / (2.0 * (p as f64 - 1.0));
    let step = 1.0 / (p - 1) as f64;
    // Start levels 0 … p/2 − 1 (so that x* + Δ ≤ 1), directions, order.
    let start: Vec<f64> = (0..g)
        .map(|_| rng.random_range(0..p / 2) as f64 * step)
        .collect();
    let up: Vec<bool> = (0..g).map(|_| rng.random::<bool>()).collect();
    let mut order: Vec<usize> = (0..g).collect();
    for i in (1..g).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
    let mut x: Vec<f64> = (0..g)
        .map(|i| if up[i] { start[i] } else { start[i] + delta })
        .collect();
    let mut out = Vec::with_capacity((g + 1) * g);
    out.extend_from_slice(&x);
    for &i in &order {
        x[i] = if up[i] { start[i] + delta } else { start[i] };
        // Keep exact grid values (x* + Δ may round off the grid).
        x[i] = (x[i] / step).round() * step;
        out.extend_from_slice(&x);
    }
    out
}

fn distance(a: &[f64], b: &[f64], g: usize) -> f64 {
    let mut total = 0.0;
    for pa in a.chunks(g) {
        for pb in b.chunks(g) {
            let d2: f64 = pa.iter().zip(pb).map(|(x, y)| (x - y) * (x - y)).sum();
            total += d2.sqrt();
        }
    }
    total
}

/// The r candidates kept (greedy maximisation of the summed squared
/// distances), in the order chosen.
fn choose(all: &[Vec<f64>], g: usize, r: usize) -> Vec<usize> {
    let m = all.len();
    let mut d = vec![0.0; m * m];
    for i in 0..m {
        for j in i + 1..m {
            let x = distance(&all[i], &all[j], g);
            d[i * m + j] = x;
            d[j * m + i] = x;
        }
    }
    let mut kept = Vec::with_capacity(r);
    let (mut bi, mut bj, mut best) = (0, 1.min(m - 1), -1.0);
    for i in 0..m {
        for j in i + 1..m {
            if d[i * m + j] > best {
                (bi, bj, best) = (i, j, d[i * m + j]);
            }
        }
    }
    kept.push(bi);
    if r > 1 {
        kept.push(bj);
    }
    while kept.len() < r {
        let next = (0..m)
            .filter(|c| !kept.contains(c))
            .map(|c| (c, kept.iter().map(|&k| d[c * m + k].powi(2)).sum::<f64>()))
            .fold((usize::MAX, -1.0), |a, b| if b.1 > a.1 { b } else { a });
        kept.push(next.0);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_moves_one_group_by_delta_on_the_grid() {
        for p in [2, 4, 6] {
            let g = 5;
            let x = trajectories(7, p, 0, g, 11);
            let delta = p as f64 / (2.0 * (p as f64 - 1.0));
            assert_eq!(x.len(), 7 * (g + 1) * g);
            let levels: Vec<f64> = (0..p).map(|k| k as f64 / (p - 1) as f64).collect();
            for t in x.chunks((g + 1) * g) {
                let mut moved = vec![0; g];
                for (a, b) in t.chunks(g).zip(t.chunks(g).skip(1)) {
                    let changed: Vec<usize> = (0..g).filter(|&i| a[i] != b[i]).collect();
                    assert_eq!(changed.len(), 1);
                    let i = changed[0];
                    assert!(((a[i] - b[i]).abs() - delta).abs() < 1e-12);
                    moved[i] += 1;
                }
                assert_eq!(moved, vec![1; g]);
                for v in t {
                    assert!(levels.iter().any(|l| (l - v).abs() < 1e-15), "{v} off grid");
                }
            }
        }
    }

    #[test]
    fn chosen_trajectories_spread_more_than_the_first_drawn() {
        let g = 4;
        let spread = |x: &[f64]| {
            let t: Vec<&[f64]> = x.chunks((g + 1) * g).collect();
            let mut total = 0.0;
            for i in 0..t.len() {
                for j in i + 1..t.len() {
                    total += distance(t[i], t[j], g).powi(2);
                }
            }
            total
        };
        let plain = trajectories(6, 4, 0, g, 3);
        let chosen = trajectories(6, 4, 40, g, 3);
        assert!(spread(&chosen) > spread(&plain));
        // The same seed gives the same design.
        assert_eq!(chosen, trajectories(6, 4, 40, g, 3));
    }
}
