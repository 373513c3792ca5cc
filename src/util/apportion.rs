//! Splitting a whole number into parts: proportionally to weights (largest
//! remainder), within bounds per part, and as heavy-tailed sizes adding up
//! to a total.

use rayon::prelude::*;

/// Split `total` into integer parts proportional to `weights` (largest remainder).
pub fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || weights.is_empty() {
        let mut out = vec![0; weights.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return out;
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut rest = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&i, &j| {
        (exact[j] - exact[j].floor())
            .total_cmp(&(exact[i] - exact[i].floor()))
            .then(i.cmp(&j))
    });
    for &i in order.iter().cycle() {
        if rest == 0 {
            break;
        }
        out[i] += 1;
        rest -= 1;
    }
    out
}

/// Split `total` proportionally to `weights` within per-part bounds
/// (water-filling: parts that would fall outside their bounds are fixed at
/// the bound and the rest is shared among the others). Needs
/// `Σ min ≤ total ≤ Σ max`.
pub fn bounded_apportion(total: u64, weights: &[f64], min: &[u64], max: &[u64]) -> Vec<u64> {
    let n = weights.len();
    let mut fixed: Vec<Option<u64>> = vec![None; n];
    loop {
        let taken: u64 = fixed.iter().flatten().sum();
        let free_w: Vec<f64> = (0..n)
            .map(|i| if fixed[i].is_some() { 0.0 } else { weights[i] })
            .collect();
        let share = apportion(total.saturating_sub(taken), &free_w);
        let mut changed = false;
        for i in 0..n {
            if fixed[i].is_none() {
                if share[i] < min[i] {
                    fixed[i] = Some(min[i]);
                    changed = true;
                } else if share[i] > max[i] {
                    fixed[i] = Some(max[i]);
                    changed = true;
                }
            }
        }
        if !changed {
            return (0..n).map(|i| fixed[i].unwrap_or(share[i])).collect();
        }
    }
}

/// Integer sizes ≥ 1 and ≤ `cap` from uniforms `u`, Pareto tail `alpha`,
/// adding up to `target` (which must lie in `[u.len(), u.len() × cap]`).
pub fn pareto_sizes(u: &[f64], alpha: f64, cap: u64, target: u64) -> Vec<u64> {
    let size =
        |x: f64, ui: f64| -> u64 { ((x * ui.powf(-1.0 / alpha)).floor() as u64).clamp(1, cap) };
    // An integer sum: the same in parallel.
    let total = |x: f64| -> u64 { u.par_iter().map(|&ui| size(x, ui)).sum() };
    let (mut lo, mut hi) = (1e-9, 1.0);
    while total(hi) < target && hi < 1e12 {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if total(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut sizes: Vec<u64> = u.iter().map(|&ui| size(lo, ui)).collect();
    // Close the remaining integer gap on the largest firms first (they
    // absorb ±1 with the least distortion of the distribution).
    let mut order: Vec<usize> = (0..u.len()).collect();
    order.sort_by(|&i, &j| sizes[j].cmp(&sizes[i]).then(i.cmp(&j)));
    let mut sum: u64 = sizes.iter().sum();
    let mut k = 0;
    let mut stalled = 0;
    while sum != target && stalled < order.len() {
        let i = order[k % order.len()];
        if sum < target && sizes[i] < cap {
            sizes[i] += 1;
            sum += 1;
            stalled = 0;
        } else if sum > target && sizes[i] > 1 {
            sizes[i] -= 1;
            sum -= 1;
            stalled = 0;
        } else {
            stalled += 1;
        }
        k += 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        let parts = apportion(10, &[1.0, 1.0, 1.0]);
        assert_eq!(parts.iter().sum::<u64>(), 10);
        assert_eq!(apportion(7, &[0.0, 2.0, 0.0]), vec![0, 7, 0]);
    }

    #[test]
    fn bounded_apportion_respects_bounds_and_total() {
        let parts = bounded_apportion(100, &[1.0, 1.0, 8.0], &[30, 0, 0], &[1000, 5, 1000]);
        assert_eq!(parts.iter().sum::<u64>(), 100);
        assert!(parts[0] >= 30 && parts[1] <= 5);
    }

    #[test]
    fn pareto_sizes_hit_target_and_bounds() {
        let u: Vec<f64> = (1..=1000).map(|i| i as f64 / 1001.0).collect();
        let sizes = pareto_sizes(&u, 1.1, 5000, 10_000);
        assert_eq!(sizes.iter().sum::<u64>(), 10_000);
        assert!(sizes.iter().all(|&x| (1..=5000).contains(&x)));
        assert!(sizes.iter().max().unwrap() > &100);
    }
}
