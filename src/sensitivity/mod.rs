//! Sensitivity indices of a Morris or Sobol' sweep folder
//! (`proxima analyse`).
//!
//! For each output asked (a time-series column, a sum `a+b` or a ratio
//! `a/b`) and each year (or mean over a span of years `A-B`), the value of
//! a design point is the mean over its replicates (failed runs left out):
//! the indices are those of the replicate mean. How much of the variance
//! is seed noise is reported beside them: `noise_share`, the mean
//! within-point variance of single runs over the variance of all runs, and
//! `noise_share_of_mean`, the same for the replicate means (within-point
//! variance / replicates over the variance of the point means).
//!
//! * Morris (`morris.rs`): elementary effects EE = ±(y' − y)/Δ along each
//!   trajectory (Δ in the unit cube, the sign that of the parameter's
//!   change), then μ, μ* (mean of |EE|) and σ (standard deviation, n − 1),
//!   as SALib's `morris.analyze`.
//! * Sobol' (`sobol.rs`): the outputs are standardised, then first-order
//!   indices by Saltelli et al. (2010), total indices by Jansen (1999) and
//!   second-order by Saltelli (2002), as SALib's `sobol.analyze`.
//!
//! Intervals are 95 % percentile bootstrap intervals (resampling
//! trajectories, or base samples) with draws from the project's ChaCha
//! streams keyed by the sweep's master seed, so they are reproducible.

mod morris;
mod read;
mod sobol;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::Result;
pub use read::{OutputSpec, YearSpec};

/// What to analyse.
#[derive(Debug, Clone)]
pub struct Request {
    /// Outputs (default: every numeric column kept).
    pub columns: Vec<OutputSpec>,
    /// Years or spans (default: the last year kept).
    pub years: Vec<YearSpec>,
    /// Bootstrap resamples for the intervals.
    pub resamples: usize,
}

/// One index of one parameter for one output.
#[derive(Debug, Clone, Serialize)]
pub struct IndexRow {
    pub output: String,
    pub years: String,
    pub method: &'static str,
    /// Parameter (Morris group) name; empty for the noise shares.
    pub parameter: String,
    /// Second parameter of a second-order index.
    pub parameter2: String,
    pub index: &'static str,
    pub value: f64,
    /// 95 % bootstrap interval (empty where none).
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The indices of a sweep folder.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub folder: PathBuf,
    pub method: &'static str,
    pub replicates: u64,
    /// Trajectories (Morris) or base samples (Sobol').
    pub size: u64,
    pub rows: Vec<IndexRow>,
}

/// The values of one output at the design points.
pub(crate) struct Series {
    /// Per point, the values of its successful replicates.
    pub runs: Vec<Vec<f64>>,
}

impl Series {
    /// The replicate mean of each point.
    fn means(&self) -> Vec<f64> {
        self.runs
            .iter()
            .map(|r| r.iter().sum::<f64>() / r.len() as f64)
            .collect()
    }

    /// (noise share of single runs, of the replicate means), when some point
    /// has two replicates or more.
    fn noise(&self) -> Option<(f64, f64)> {
        let within: Vec<f64> = self
            .runs
            .iter()
            .filter(|r| r.len() > 1)
            .map(|r| variance(r, 1))
            .collect();
        if within.is_empty() {
            return None;
        }
        let w = within.iter().sum::<f64>() / within.len() as f64;
        let all: Vec<f64> = self.runs.iter().flatten().copied().collect();
        let reps = all.len() as f64 / self.runs.len() as f64;
        let share = |num: f64, den: f64| {
            if den > 0.0 { (num / den).min(1.0) } else { 0.0 }
        };
        Some((
            share(w, variance(&all, 1)),
            share(w / reps, variance(&self.means(), 1)),
        ))
    }
}

pub(crate) fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Variance with `ddof` degrees of freedom removed.
pub(crate) fn variance(x: &[f64], ddof: usize) -> f64 {
    if x.len() <= ddof {
        return 0.0;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - ddof) as f64
}

/// The 2.5 % and 97.5 % percentiles (linear interpolation, as numpy).
pub(crate) fn interval(mut x: Vec<f64>) -> (Option<f64>, Option<f64>) {
    x.retain(|v| v.is_finite());
    if x.is_empty() {
        return (None, None);
    }
    x.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let h = p * (x.len() - 1) as f64;
        let (i, f) = (h.floor() as usize, h - h.floor());
        let j = (i + 1).min(x.len() - 1);
        x[i] + f * (x[j] - x[i])
    };
    (Some(q(0.025)), Some(q(0.975)))
}

/// Domain of the bootstrap draws.
const DOMAIN_BOOTSTRAP: u64 = 0x5357_4545_5000_0004;

/// Analyse a finished Morris or Sobol' sweep folder.
pub fn analyse(folder: &Path, request: &Request) -> Result<Analysis> {
    let sweep = read::Sweep::open(folder)?;
    let outputs = read::outputs(&sweep, request)?;
    let method = sweep.method;
    let mut rows = Vec::new();
    for (k, (name, years, series)) in outputs.iter().enumerate() {
        let stream = crate::util::rng::keyed_stream(sweep.seed, DOMAIN_BOOTSTRAP, k as u64);
        let label = |parameter: String, parameter2: String, index, value, ci: (_, _)| IndexRow {
            output: name.clone(),
            years: years.clone(),
            method,
            parameter,
            parameter2,
            index,
            value,
            low: ci.0,
            high: ci.1,
        };
        let means = series.means();
        match method {
            "morris" => {
                for (g, ix) in morris::indices(&sweep, &means, request.resamples, stream)?
                    .into_iter()
                    .enumerate()
                {
                    let p = sweep.names[g].clone();
                    rows.push(label(
                        p.clone(),
                        String::new(),
                        "mu_star",
                        ix.mu_star,
                        ix.ci,
                    ));
                    rows.push(label(p.clone(), String::new(), "mu", ix.mu, (None, None)));
                    rows.push(label(p, String::new(), "sigma", ix.sigma, (None, None)));
                }
            }
            _ => {
                let ix = sobol::indices(&sweep, &means, request.resamples, stream);
                for (i, p) in sweep.names.iter().enumerate() {
                    rows.push(label(
                        p.clone(),
                        String::new(),
                        "S1",
                        ix.s1[i].0,
                        ix.s1[i].1,
                    ));
                    rows.push(label(
                        p.clone(),
                        String::new(),
                        "ST",
                        ix.st[i].0,
                        ix.st[i].1,
                    ));
                }
                for (i, j, v, ci) in ix.s2 {
                    rows.push(label(
                        sweep.names[i].clone(),
                        sweep.names[j].clone(),
                        "S2",
                        v,
                        ci,
                    ));
                }
            }
        }
        if let Some((single, of_mean)) = series.noise() {
            rows.push(label(
                String::new(),
                String::new(),
                "noise_share",
                single,
                (None, None),
            ));
            rows.push(label(
                String::new(),
                String::new(),
                "noise_share_of_mean",
                of_mean,
                (None, None),
            ));
        }
    }
    Ok(Analysis {
        folder: folder.to_path_buf(),
        method,
        replicates: sweep.replicates,
        size: sweep.size,
        rows,
    })
}

/// Write `sensitivity.csv` whole or not at all; an existing file is only
/// replaced with `force`.
pub fn write_csv(a: &Analysis, path: &Path, force: bool) -> Result<()> {
    crate::output::write_rows_csv(&a.rows, path, force)
}

/// The indices as text: per output and years, the parameters ranked by μ*
/// (Morris) or by the total index (Sobol').
pub fn table(a: &Analysis) -> String {
    use crate::compare::number;
    let mut out = String::new();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for r in &a.rows {
        if !keys.contains(&(r.output.as_str(), r.years.as_str())) {
            keys.push((r.output.as_str(), r.years.as_str()));
        }
    }
    let (rank_by, cols) = if a.method == "morris" {
        ("mu_star", ["mu_star", "mu", "sigma"])
    } else {
        ("ST", ["ST", "S1", ""])
    };
    for (output, years) in keys {
        let at: Vec<&IndexRow> = a
            .rows
            .iter()
            .filter(|r| r.output == output && r.years == years)
            .collect();
        let get = |p: &str, index: &str| {
            at.iter()
                .find(|r| r.parameter == p && r.parameter2.is_empty() && r.index == index)
        };
        let noise = match (get("", "noise_share"), get("", "noise_share_of_mean")) {
            (Some(s), Some(m)) => format!(
                "; seed noise: {:.0} % of the variance of runs, {:.0} % of the replicate means'",
                100.0 * s.value,
                100.0 * m.value
            ),
            _ => String::new(),
        };
        out += &format!(
            "{output}, {years} ({} {}, {} replicate{}{noise})\n",
            a.size,
            if a.method == "morris" {
                "trajectories"
            } else {
                "base samples"
            },
            a.replicates,
            if a.replicates == 1 { "" } else { "s" },
        );
        let mut ranked: Vec<&&IndexRow> = at
            .iter()
            .filter(|r| r.index == rank_by && r.parameter2.is_empty())
            .collect();
        ranked.sort_by(|x, y| y.value.total_cmp(&x.value));
        let width = ranked
            .iter()
            .map(|r| r.parameter.chars().count())
            .max()
            .unwrap_or(9)
            .max(9);
        out += &format!("  {:>4}  {:<width$}", "rank", "parameter");
        for c in cols.iter().filter(|c| !c.is_empty()) {
            out += &format!("  {c:>32}");
        }
        out += "\n";
        for (k, r) in ranked.iter().enumerate() {
            out += &format!("  {:>4}  {:<width$}", k + 1, r.parameter);
            for c in cols.iter().filter(|c| !c.is_empty()) {
                let text = match get(&r.parameter, c) {
                    Some(x) => match (x.low, x.high) {
                        (Some(l), Some(h)) => {
                            format!("{} [{}, {}]", number(x.value), number(l), number(h))
                        }
                        _ => number(x.value),
                    },
                    None => String::new(),
                };
                out += &format!("  {text:>32}");
            }
            out += "\n";
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_as_numpy() {
        // numpy.percentile([1..=5], [2.5, 97.5]) = [1.1, 4.9].
        let (lo, hi) = interval(vec![5.0, 1.0, 3.0, 2.0, 4.0]);
        assert!((lo.unwrap() - 1.1).abs() < 1e-12 && (hi.unwrap() - 4.9).abs() < 1e-12);
        assert_eq!(interval(vec![]), (None, None));
    }

    #[test]
    fn noise_shares_separate_seed_noise_from_the_points() {
        // Two points far apart, replicates close: little noise.
        let s = Series {
            runs: vec![vec![0.0, 0.2], vec![10.0, 10.2]],
        };
        let (single, of_mean) = s.noise().unwrap();
        assert!(single < 0.01 && of_mean < single);
        // Points equal on average: all of it is noise.
        let s = Series {
            runs: vec![vec![0.0, 1.0], vec![1.0, 0.0]],
        };
        assert!((s.noise().unwrap().0 - 1.0).abs() < 1e-12);
        assert!(
            Series {
                runs: vec![vec![1.0]]
            }
            .noise()
            .is_none()
        );
    }
}
