//! Morris μ, μ* and σ from the replicate means along the trajectories.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::read::Sweep;
use super::{interval, mean, variance};
use crate::error::{Error, Result};

/// The indices of one group.
pub struct MorrisIndex {
    pub mu: f64,
    pub mu_star: f64,
    pub sigma: f64,
    /// 95 % bootstrap interval of μ* (trajectories resampled).
    pub ci: (Option<f64>, Option<f64>),
}

/// The elementary effects of each group (one per trajectory): which group
/// moved between two consecutive points, and in which direction, is read
/// from the parameter values of `design.csv`, as SALib does.
fn effects(sweep: &Sweep, y: &[f64]) -> Result<Vec<Vec<f64>>> {
    let g = sweep.names.len();
    let size = g + 1;
    let delta = sweep.delta;
    let mut ee = vec![Vec::with_capacity(y.len() / size); g];
    for t in 0..y.len() / size {
        for s in 1..size {
            let (a, b) = (t * size + s - 1, t * size + s);
            let moved: Vec<usize> = (0..sweep.factor_group.len())
                .filter(|&i| sweep.values[a][i] != sweep.values[b][i])
                .collect();
            let Some(&first) = moved.first() else {
                return Err(Error::Output {
                    path: sweep.folder.join("design.csv"),
                    message: format!(
                        "design points {a} and {b} are equal: not a Morris trajectory"
                    ),
                });
            };
            let group = sweep.factor_group[first];
            if moved.iter().any(|&i| sweep.factor_group[i] != group) {
                return Err(Error::Output {
                    path: sweep.folder.join("design.csv"),
                    message: format!(
                        "design points {a} and {b} differ in more than one group: not a Morris trajectory"
                    ),
                });
            }
            let sign = if sweep.values[b][first] > sweep.values[a][first] {
                1.0
            } else {
                -1.0
            };
            ee[group].push(sign * (y[b] - y[a]) / delta);
        }
    }
    Ok(ee)
}

pub fn indices(
    sweep: &Sweep,
    y: &[f64],
    resamples: usize,
    mut rng: ChaCha8Rng,
) -> Result<Vec<MorrisIndex>> {
    let ee = effects(sweep, y)?;
    Ok(ee
        .iter()
        .map(|e| {
            let abs: Vec<f64> = e.iter().map(|x| x.abs()).collect();
            let boot: Vec<f64> = (0..resamples)
                .map(|_| {
                    let s: f64 = (0..abs.len())
                        .map(|_| abs[rng.random_range(0..abs.len())])
                        .sum();
                    s / abs.len() as f64
                })
                .collect();
            MorrisIndex {
                mu: mean(e),
                mu_star: mean(&abs),
                sigma: variance(e, 1).sqrt(),
                ci: interval(boot),
            }
        })
        .collect())
}
