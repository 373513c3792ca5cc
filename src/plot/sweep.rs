//! The figure of a sweep folder: for each design point, the mean of its
//! replicates over time with a 95 % confidence band.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use super::Figure;
use super::chart::{
    Band, Line, Panel, category, draw_panel, legend, regime_legend, regime_spans, svg,
};
use super::run::time_axis;
use super::table::Table;
use crate::error::{Error, Result};

/// Columns drawn first when the sweep kept them.
const PREFERRED: [&str; 8] = [
    "firms",
    "employment",
    "unemployment_rate",
    "ties_per_firm",
    "innovations",
    "nonlocal_tie_share",
    "exchanged_tonnes",
    "mean_productivity",
];

/// Panels of the figure at most.
const PANELS: usize = 6;

/// Design points named in the legend at most.
const NAMED_POINTS: usize = 12;

/// Mean, and half-width of the 95 % confidence interval of the mean
/// (Student's t; 0 for one value).
fn mean_band(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n.max(1) as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = crate::compare::student_t_975(n - 1) * (var / n as f64).sqrt();
    (mean, if half.is_finite() { half } else { 0.0 })
}

/// The sweep figure.
pub fn figures(dir: &Path) -> Result<(Vec<Figure>, Vec<String>)> {
    let t = Table::read_all(&dir.join("timeseries.csv"))?;
    let position = |name: &str| {
        t.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Output {
                path: t.path.clone(),
                message: format!("has no `{name}` column; is this a sweep folder?"),
            })
    };
    let (seed, step) = (position("seed")?, position("step")?);
    let factors: Vec<&str> = t.header[seed + 1..step]
        .iter()
        .map(String::as_str)
        .collect();
    let kept: Vec<&str> = t.header[step + 1..]
        .iter()
        .map(String::as_str)
        .filter(|c| *c != "year" && t.is_numeric(c))
        .collect();
    let mut shown: Vec<&str> = PREFERRED
        .iter()
        .copied()
        .filter(|c| kept.contains(c))
        .collect();
    shown.extend(kept.iter().copied().filter(|c| !PREFERRED.contains(c)));
    shown.truncate(PANELS);
    if shown.is_empty() {
        return Ok((
            Vec::new(),
            vec!["sweep: no numeric column kept in timeseries.csv".to_string()],
        ));
    }
    // Design points in order of first appearance, keyed by factor values.
    let cells: Vec<Vec<&str>> = factors.iter().map(|f| t.text(f)).collect::<Result<_>>()?;
    let mut points: Vec<Vec<&str>> = Vec::new();
    let point_of: Vec<usize> = (0..t.len())
        .map(|i| {
            let key: Vec<&str> = cells.iter().map(|c| c[i]).collect();
            match points.iter().position(|p| *p == key) {
                Some(k) => k,
                None => {
                    points.push(key);
                    points.len() - 1
                }
            }
        })
        .collect();
    let steps = t.numbers("step")?;
    let years = t.numbers("year")?;
    // The time axis of the steps, from the distinct (step, year) pairs.
    let mut pairs: BTreeMap<i64, f64> = BTreeMap::new();
    for (s, y) in steps.iter().zip(&years) {
        pairs.insert(*s as i64, *y);
    }
    let axis = time_axis(&pairs.values().copied().collect::<Vec<_>>());
    let x_of: BTreeMap<i64, f64> = pairs.keys().copied().zip(axis).collect();
    let spans = if t.has("regime") {
        // The regimes of the first run.
        let regime = t.text("regime")?;
        let run = t.numbers("run_id")?;
        let first: Vec<usize> = (0..t.len()).filter(|&i| run[i] == run[0]).collect();
        regime_spans(
            &first
                .iter()
                .map(|&i| x_of[&(steps[i] as i64)])
                .collect::<Vec<_>>(),
            &first.iter().map(|&i| regime[i]).collect::<Vec<_>>(),
        )
    } else {
        Vec::new()
    };
    let mut panels = Vec::new();
    for column in &shown {
        let values = t.numbers(column)?;
        let mut by: BTreeMap<(usize, i64), Vec<f64>> = BTreeMap::new();
        for i in 0..t.len() {
            by.entry((point_of[i], steps[i] as i64))
                .or_default()
                .push(values[i]);
        }
        let mut lines = Vec::new();
        let mut bands = Vec::new();
        for k in 0..points.len() {
            let stats: Vec<(f64, f64, f64)> = by
                .range((k, i64::MIN)..=(k, i64::MAX))
                .map(|(&(_, s), v)| {
                    let (m, h) = mean_band(v);
                    (x_of[&s], m, h)
                })
                .collect();
            bands.push(Band {
                colour: category(k),
                opacity: 0.2,
                points: stats.iter().map(|&(x, m, h)| (x, m - h, m + h)).collect(),
            });
            lines.push(Line {
                colour: category(k),
                points: stats.iter().map(|&(x, m, _)| (x, m)).collect(),
            });
        }
        panels.push(Panel {
            title: column.to_string(),
            lines,
            bands,
            regimes: &spans,
        });
    }
    let mut items: Vec<(String, RGBColor, bool)> = points
        .iter()
        .take(NAMED_POINTS)
        .enumerate()
        .map(|(k, p)| {
            let text = factors
                .iter()
                .zip(p)
                .map(|(f, v)| format!("{}={v}", f.rsplit('.').next().unwrap_or(f)))
                .collect::<Vec<_>>()
                .join(", ");
            (
                if text.is_empty() {
                    "all runs".into()
                } else {
                    text
                },
                category(k),
                false,
            )
        })
        .collect();
    if points.len() > NAMED_POINTS {
        items.push((
            format!("… {} more points", points.len() - NAMED_POINTS),
            RGBColor(127, 127, 127),
            false,
        ));
    }
    items.extend(regime_legend(&spans));
    let legend_rows = 1 + items.len() / 3;
    let head = 12 + 18 * legend_rows as u32;
    let text = svg((1200, 720 + head), |root| {
        let (top, rest) = root.split_vertically(head);
        legend(&top, &items)?;
        for (cell, panel) in rest.split_evenly((2, 3)).iter().zip(&panels) {
            draw_panel(cell, panel)?;
        }
        Ok(())
    })?;
    let replicates = {
        let mut r: Vec<&str> = t.text("replicate")?;
        r.sort_unstable();
        r.dedup();
        r.len()
    };
    let figure = Figure::new(
        "sweep.svg",
        "Design points: replicate mean and 95 % band",
        &format!(
            "For each of the {} design points (colours), the mean over its {replicates} replicates of each kept column of timeseries.csv, with the 95 % confidence interval of the mean (Student's t) as a band; the background shades the regimes of the first run.",
            points.len()
        ),
        text,
    );
    Ok((vec![figure], Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_of_replicates() {
        let (m, h) = mean_band(&[1.0, 2.0, 3.0]);
        assert_eq!(m, 2.0);
        // t(0.975, 2) = 4.303; sd = 1; half = 4.303 / sqrt(3).
        assert!((h - 4.302_652_7 / 3f64.sqrt()).abs() < 1e-5, "{h}");
        assert_eq!(mean_band(&[5.0]), (5.0, 0.0));
    }
}
