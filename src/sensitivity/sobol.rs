//! Sobol' indices from a Saltelli design (the estimators of SALib's
//! `sobol.analyze`: Saltelli et al. 2010 for S1, Jansen 1999 for ST,
//! Saltelli 2002 for S2), on outputs standardised over the design.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::read::Sweep;
use super::{interval, mean, variance};

type Ci = (Option<f64>, Option<f64>);

pub struct SobolIndices {
    pub s1: Vec<(f64, Ci)>,
    pub st: Vec<(f64, Ci)>,
    /// (j, k, S2, interval) for j < k.
    pub s2: Vec<(usize, usize, f64, Ci)>,
}

/// The outputs of one Saltelli block, in design order.
struct Blocks<'a> {
    y: &'a [f64],
    step: usize,
    d: usize,
}

impl Blocks<'_> {
    fn a(&self, j: usize) -> f64 {
        self.y[j * self.step]
    }
    fn b(&self, j: usize) -> f64 {
        self.y[j * self.step + self.step - 1]
    }
    fn ab(&self, j: usize, i: usize) -> f64 {
        self.y[j * self.step + 1 + i]
    }
    fn ba(&self, j: usize, i: usize) -> f64 {
        self.y[j * self.step + 1 + self.d + i]
    }

    /// var(A ∪ B) over the rows `rows` (0 when constant).
    fn var(&self, rows: &[usize]) -> f64 {
        let all: Vec<f64> = rows
            .iter()
            .map(|&j| self.a(j))
            .chain(rows.iter().map(|&j| self.b(j)))
            .collect();
        variance(&all, 0)
    }

    fn first(&self, rows: &[usize], i: usize, v: f64) -> f64 {
        if v == 0.0 {
            return 0.0;
        }
        mean(
            &rows
                .iter()
                .map(|&j| self.b(j) * (self.ab(j, i) - self.a(j)))
                .collect::<Vec<_>>(),
        ) / v
    }

    fn total(&self, rows: &[usize], i: usize, v: f64) -> f64 {
        if v == 0.0 {
            return 0.0;
        }
        0.5 * mean(
            &rows
                .iter()
                .map(|&j| (self.a(j) - self.ab(j, i)).powi(2))
                .collect::<Vec<_>>(),
        ) / v
    }

    fn second(&self, rows: &[usize], i: usize, k: usize, v: f64) -> f64 {
        if v == 0.0 {
            return 0.0;
        }
        let vjk = mean(
            &rows
                .iter()
                .map(|&j| self.ba(j, i) * self.ab(j, k) - self.a(j) * self.b(j))
                .collect::<Vec<_>>(),
        ) / v;
        vjk - self.first(rows, i, v) - self.first(rows, k, v)
    }
}

pub fn indices(sweep: &Sweep, y: &[f64], resamples: usize, mut rng: ChaCha8Rng) -> SobolIndices {
    let d = sweep.names.len();
    let step = sweep.block;
    let n = y.len() / step;
    // Standardised as SALib does (population standard deviation).
    let (m, sd) = (mean(y), variance(y, 0).sqrt());
    let z: Vec<f64> = y
        .iter()
        .map(|v| if sd > 0.0 { (v - m) / sd } else { 0.0 })
        .collect();
    let blocks = Blocks { y: &z, step, d };
    let all: Vec<usize> = (0..n).collect();
    let draws: Vec<Vec<usize>> = (0..resamples)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect();
    let v_all = blocks.var(&all);
    let v_boot: Vec<f64> = draws.iter().map(|r| blocks.var(r)).collect();
    let with_ci = |f: &dyn Fn(&[usize], f64) -> f64| -> (f64, Ci) {
        let boot = draws.iter().zip(&v_boot).map(|(r, &v)| f(r, v)).collect();
        (f(&all, v_all), interval(boot))
    };
    let s1 = (0..d)
        .map(|i| with_ci(&|r, v| blocks.first(r, i, v)))
        .collect();
    let st = (0..d)
        .map(|i| with_ci(&|r, v| blocks.total(r, i, v)))
        .collect();
    let mut s2 = Vec::new();
    if sweep.second_order {
        for i in 0..d {
            for k in i + 1..d {
                let (v, ci) = with_ci(&|r, v| blocks.second(r, i, k, v));
                s2.push((i, k, v, ci));
            }
        }
    }
    SobolIndices { s1, st, s2 }
}
