//! `proxima compare`: a run or a sweep folder against documented figures.
//!
//! A targets file (`data/france/targets.toml`, schema in its header) lists
//! documented figures, each with its year, the `timeseries.csv` column it
//! is read from, and a value with a relative tolerance or bounds. The model
//! value of a target is the column's value in the last row of that year.
//! Counts of things that grow with the number of agents (`scale =
//! "agents"`) are first multiplied by the run's `population.scale` (real
//! units per agent, recorded in its manifest).
//!
//! A sweep folder is compared design point by design point: the mean over
//! its replicates (runs that failed are left out) with the 95 % interval of
//! that mean (Student's t), and "met" refers to the mean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a target's model value relates to the number of agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Compared as it is (shares; counts the State sets).
    None,
    /// Multiplied by `population.scale` before the comparison.
    Agents,
}

/// One documented figure.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    pub description: String,
    pub year: i64,
    pub column: String,
    pub unit: String,
    pub value: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub tolerance: Option<f64>,
    pub scale: Scale,
    pub source: String,
    pub in_run: bool,
    #[serde(default)]
    pub note: Option<String>,
}

impl Target {
    /// Whether a model value meets the target.
    pub fn met(&self, model: f64) -> bool {
        match (self.value, self.tolerance) {
            // A relative 1e-12 absorbs the rounding of `model - v`.
            (Some(v), Some(t)) => (model - v).abs() <= t * v.abs() * (1.0 + 1e-12),
            (Some(v), None) => model == v,
            _ => self.min.is_none_or(|m| model >= m) && self.max.is_none_or(|m| model <= m),
        }
    }

    /// Relative error `(model − value) / value`, or for a bound the
    /// distance to the bound broken relative to it (0 when within).
    pub fn relative_error(&self, model: f64) -> f64 {
        let rel = |r: f64| if r != 0.0 { (model - r) / r.abs() } else { 0.0 };
        if let Some(v) = self.value {
            return rel(v);
        }
        match (self.min, self.max) {
            (Some(m), _) if model < m => rel(m),
            (_, Some(m)) if model > m => rel(m),
            _ => 0.0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    schema: i64,
    target: Vec<Target>,
}

/// The targets of a file, checked.
pub fn load_targets(path: &Path) -> Result<Vec<Target>> {
    let origin = path.display().to_string();
    let text = read_text(path)?;
    let file: TargetsFile = toml::from_str(&text)
        .map_err(|e| crate::scenario::invalid_toml(&origin, &text, e.span(), e.message()))?;
    let bad = |key: String, message: String| Error::scenario(&origin, key, message);
    if file.schema != 1 {
        return Err(bad(
            "schema".into(),
            format!("{} is not a known version; allowed: 1", file.schema),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (k, t) in file.target.iter().enumerate() {
        let key = |field: &str| format!("target[{k}].{field}");
        if !seen.insert(t.id.as_str()) {
            return Err(bad(key("id"), format!("`{}` is used twice", t.id)));
        }
        if t.value.is_none() && t.min.is_none() && t.max.is_none() {
            return Err(bad(
                key("value"),
                format!("target `{}` needs a value, or min and/or max", t.id),
            ));
        }
        if t.value.is_some() && (t.min.is_some() || t.max.is_some()) {
            return Err(bad(
                key("value"),
                format!(
                    "target `{}` has both a value and bounds; give one or the other",
                    t.id
                ),
            ));
        }
        if let Some(tol) = t.tolerance
            && !(tol >= 0.0 && tol.is_finite())
        {
            return Err(bad(
                key("tolerance"),
                format!("{tol} is out of range; allowed: 0 or more"),
            ));
        }
        if let (Some(a), Some(b)) = (t.min, t.max)
            && a > b
        {
            return Err(bad(key("min"), format!("min = {a} is above max = {b}")));
        }
    }
    Ok(file.target)
}

/// One target at one design point (a run is one point).
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// Design point (0 for a run).
    pub point: usize,
    /// Values of the varied parameters at the point, `path=value; …`.
    pub factors: String,
    pub id: String,
    pub year: i64,
    pub column: String,
    pub unit: String,
    /// The documented value, or empty for a bound.
    pub value: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub tolerance: Option<f64>,
    pub scale: String,
    /// Replicates the model value is the mean of.
    pub replicates: usize,
    pub model_mean: f64,
    /// 95 % interval of the mean over replicates (empty with one replicate).
    pub model_low: Option<f64>,
    pub model_high: Option<f64>,
    pub relative_error: f64,
    pub met: bool,
    pub source: String,
}

impl ComparisonRow {
    /// The documented value as text: the value, or the bounds.
    pub fn documented(&self) -> String {
        match (self.value, self.min, self.max) {
            (Some(v), _, _) => number(v),
            (None, Some(a), Some(b)) => format!("{}–{}", number(a), number(b)),
            (None, Some(a), None) => format!("≥ {}", number(a)),
            (None, None, Some(b)) => format!("≤ {}", number(b)),
            (None, None, None) => String::new(),
        }
    }
}

/// The comparison of a folder with targets.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub folder: PathBuf,
    /// Whether the folder is a sweep.
    pub sweep: bool,
    pub rows: Vec<ComparisonRow>,
    /// Targets outside the run (informational), by id.
    pub not_compared: Vec<String>,
}

impl Comparison {
    /// Targets met and compared, at a design point.
    pub fn met_at(&self, point: usize) -> (usize, usize) {
        let at: Vec<&ComparisonRow> = self.rows.iter().filter(|r| r.point == point).collect();
        (at.iter().filter(|r| r.met).count(), at.len())
    }

    /// Design points compared.
    pub fn points(&self) -> usize {
        self.rows.iter().map(|r| r.point + 1).max().unwrap_or(0)
    }
}

/// The values of one run: per target, its model value (before scaling).
struct RunValues {
    scale: f64,
    values: Vec<f64>,
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| Error::Output {
        path: path.to_path_buf(),
        message: format!(
            "is not readable JSON: {}",
            crate::scenario::one_line(&e.to_string())
        ),
    })
}

fn scale_of(scenario: Option<&serde_json::Value>) -> f64 {
    scenario
        .and_then(|s| s.get("population"))
        .and_then(|p| p.get("scale"))
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(1.0)
}

/// Compare one sweep folder, or one or more run folders (taken as the
/// replicates of one design point, e.g. the same scenario run with seeds
/// 1 to 5), with `targets`.
pub fn compare(folders: &[PathBuf], targets: &[Target]) -> Result<Comparison> {
    let Some(folder) = folders.first() else {
        return Err(Error::Internal("compare: no folder".into()));
    };
    let compared: Vec<&Target> = targets.iter().filter(|t| t.in_run).collect();
    let not_compared = targets
        .iter()
        .filter(|t| !t.in_run)
        .map(|t| t.id.clone())
        .collect();
    let mut sweep = false;
    let mut runs = Vec::new();
    let mut points: Vec<(String, Vec<RunValues>)> = Vec::new();
    for dir in folders {
        let manifest = read_json(&dir.join("manifest.json"))?;
        if manifest.get("kind").and_then(|k| k.as_str()) == Some("sweep") {
            if folders.len() > 1 {
                return Err(Error::Output {
                    path: dir.clone(),
                    message: "is a sweep folder; compare a sweep alone, or several run folders"
                        .into(),
                });
            }
            sweep = true;
            points = sweep_values(dir, &manifest, &compared)?;
        } else {
            let scale = scale_of(manifest.get("scenario"));
            let values = run_values(&dir.join("timeseries.csv"), None, &compared)?;
            let values = values.into_values().next().unwrap_or_default();
            runs.push(RunValues { scale, values });
        }
    }
    if !sweep {
        points.push((String::new(), runs));
    }
    let mut rows = Vec::new();
    for (point, (factors, runs)) in points.iter().enumerate() {
        for (k, t) in compared.iter().enumerate() {
            let xs: Vec<f64> = runs
                .iter()
                .map(|r| match t.scale {
                    Scale::None => r.values[k],
                    Scale::Agents => r.values[k] * r.scale,
                })
                .collect();
            let (mean, half) = mean_and_half_interval(&xs);
            rows.push(ComparisonRow {
                point,
                factors: factors.clone(),
                id: t.id.clone(),
                year: t.year,
                column: t.column.clone(),
                unit: t.unit.clone(),
                value: t.value,
                min: t.min,
                max: t.max,
                tolerance: t.tolerance,
                scale: match t.scale {
                    Scale::None => "none".into(),
                    Scale::Agents => "agents".into(),
                },
                replicates: xs.len(),
                model_mean: mean,
                model_low: half.map(|h| mean - h),
                model_high: half.map(|h| mean + h),
                relative_error: t.relative_error(mean),
                met: t.met(mean),
                source: t.source.clone(),
            });
        }
    }
    Ok(Comparison {
        folder: folder.clone(),
        sweep,
        rows,
        not_compared,
    })
}

/// Mean and the half-width of its 95 % interval (Student's t; none for
/// fewer than two values).
fn mean_and_half_interval(xs: &[f64]) -> (f64, Option<f64>) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, None);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, None);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = student_t_975(n - 1);
    (mean, Some(t * (var / n as f64).sqrt()))
}

/// The 0.975 quantile of Student's t with `dof` degrees of freedom.
pub(crate) fn student_t_975(dof: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, dof as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// Model values of every target for each run of a time-series file: keyed
/// by run id (`run_id` column) or one run (key 0) without it.
fn run_values(
    path: &Path,
    keep: Option<&BTreeMap<u64, ()>>,
    targets: &[&Target],
) -> Result<BTreeMap<u64, Vec<f64>>> {
    let bad = |message: String| Error::Output {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(csv_text(&e)))?;
    let header = reader.headers().map_err(|e| bad(csv_text(&e)))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let year_col = col("year").ok_or_else(|| bad("has no `year` column".into()))?;
    let run_col = col("run_id");
    let mut columns = Vec::new();
    for t in targets {
        columns.push(col(&t.column).ok_or_else(|| {
            bad(format!(
                "has no column `{}` (target `{}`){}",
                t.column,
                t.id,
                if run_col.is_some() {
                    "; add it to the plan's [output] columns"
                } else {
                    ""
                }
            ))
        })?);
    }
    let mut values: BTreeMap<u64, Vec<Option<f64>>> = BTreeMap::new();
    let mut years: BTreeMap<u64, (i64, i64)> = BTreeMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(csv_text(&e)))?;
        let run = match run_col {
            Some(c) => record
                .get(c)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| bad("has a row without a run id".into()))?,
            None => 0,
        };
        if keep.is_some_and(|k| !k.contains_key(&run)) {
            continue;
        }
        let year: i64 = record
            .get(year_col)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad("has a row without a year".into()))?;
        let span = years.entry(run).or_insert((year, year));
        span.0 = span.0.min(year);
        span.1 = span.1.max(year);
        let slot = values
            .entry(run)
            .or_insert_with(|| vec![None; targets.len()]);
        for (k, t) in targets.iter().enumerate() {
            if t.year == year {
                let text = record.get(columns[k]).unwrap_or("");
                let v: f64 = text.parse().map_err(|_| {
                    bad(format!(
                        "column `{}` holds `{}` in {year}, not a number (target `{}`)",
                        t.column,
                        text.escape_default(),
                        t.id
                    ))
                })?;
                slot[k] = Some(v);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (run, slot) in values {
        let mut row = Vec::with_capacity(targets.len());
        for (k, v) in slot.into_iter().enumerate() {
            let (from, to) = years[&run];
            row.push(v.ok_or_else(|| {
                bad(format!(
                    "has no row of {} (target `{}`; {} {from}–{to}){}",
                    targets[k].year,
                    targets[k].id,
                    if run_col.is_some() {
                        format!("run {run} covers")
                    } else {
                        "the run covers".into()
                    },
                    if run_col.is_some() {
                        "; add the year to the plan's [output] years"
                    } else {
                        ""
                    }
                ))
            })?);
        }
        out.insert(run, row);
    }
    if out.is_empty() {
        return Err(bad("has no rows".into()));
    }
    Ok(out)
}

fn csv_text(e: &csv::Error) -> String {
    crate::scenario::one_line(&e.to_string())
}

/// The values of each design point's successful runs, in design order.
fn sweep_values(
    folder: &Path,
    manifest: &serde_json::Value,
    targets: &[&Target],
) -> Result<Vec<(String, Vec<RunValues>)>> {
    let base_scale = scale_of(manifest.get("base_scenario"));
    let design_path = folder.join("design.csv");
    let bad = |path: &Path, message: String| Error::Output {
        path: path.to_path_buf(),
        message,
    };
    let mut design =
        csv::Reader::from_path(&design_path).map_err(|e| bad(&design_path, csv_text(&e)))?;
    let header = design
        .headers()
        .map_err(|e| bad(&design_path, csv_text(&e)))?
        .clone();
    let factors: Vec<String> = header.iter().skip(3).map(String::from).collect();
    let scale_col = factors.iter().position(|f| f == "population.scale");
    // Runs that succeeded.
    let runs_path = folder.join("runs.csv");
    let mut ok = BTreeMap::new();
    let mut runs = csv::Reader::from_path(&runs_path).map_err(|e| bad(&runs_path, csv_text(&e)))?;
    for record in runs.records() {
        let record = record.map_err(|e| bad(&runs_path, csv_text(&e)))?;
        if record.get(1) == Some("ok")
            && let Some(id) = record.get(0).and_then(|v| v.parse::<u64>().ok())
        {
            ok.insert(id, ());
        }
    }
    let values = run_values(&folder.join("timeseries.csv"), Some(&ok), targets)?;
    let mut points: Vec<(String, Vec<RunValues>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for record in design.records() {
        let record = record.map_err(|e| bad(&design_path, csv_text(&e)))?;
        let Some(id) = record.get(0).and_then(|v| v.parse::<u64>().ok()) else {
            return Err(bad(&design_path, "has a row without a run id".into()));
        };
        let key = factors
            .iter()
            .zip(record.iter().skip(3))
            .map(|(f, v)| format!("{f}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let slot = *index.entry(key.clone()).or_insert_with(|| {
            points.push((key, Vec::new()));
            points.len() - 1
        });
        if let Some(v) = values.get(&id) {
            let scale = scale_col
                .and_then(|c| record.get(c + 3))
                .and_then(|v| v.parse().ok())
                .unwrap_or(base_scale);
            points[slot].1.push(RunValues {
                scale,
                values: v.clone(),
            });
        }
    }
    if let Some((key, _)) = points.iter().find(|(_, runs)| runs.is_empty()) {
        return Err(bad(
            &runs_path,
            format!(
                "no run of design point `{}` succeeded; nothing to compare",
                if key.is_empty() { "(the base)" } else { key }
            ),
        ));
    }
    Ok(points)
}

/// The text of an input file, through the shared reader.
fn read_text(path: &Path) -> Result<String> {
    crate::util::input::read_text(path).map_err(|message| Error::Output {
        path: path.to_path_buf(),
        message,
    })
}

/// A number as short text (up to 6 significant digits, no exponent for
/// ordinary sizes).
pub fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (6 - 1 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Write the comparison as CSV to `path` (whole or not at all); an
/// existing file is only replaced with `force`.
pub fn write_csv(c: &Comparison, path: &Path, force: bool) -> Result<()> {
    crate::output::write_rows_csv(&c.rows, path, force)
}

/// The comparison as a text table, one line per target and design point,
/// and a last line per point with the share of targets met.
pub fn table(c: &Comparison) -> String {
    let mut out = String::new();
    let width = c.rows.iter().map(|r| r.id.len()).max().unwrap_or(6).max(6);
    for point in 0..c.points() {
        let rows: Vec<&ComparisonRow> = c.rows.iter().filter(|r| r.point == point).collect();
        if let Some(first) = rows.first()
            && c.sweep
        {
            out += &format!(
                "design point {point}{}\n",
                if first.factors.is_empty() {
                    String::new()
                } else {
                    format!(": {}", first.factors)
                }
            );
        }
        out += &format!(
            "{:<width$}  {:>12}  {:>12}  {:>23}  {:>8}  met\n",
            "figure", "documented", "model", "95 % interval", "error"
        );
        for r in &rows {
            let interval = match (r.model_low, r.model_high) {
                (Some(a), Some(b)) => format!("[{}, {}]", number(a), number(b)),
                _ => String::new(),
            };
            out += &format!(
                "{:<width$}  {:>12}  {:>12}  {:>23}  {:>7.1}%  {}\n",
                r.id,
                r.documented(),
                number(r.model_mean),
                interval,
                100.0 * r.relative_error,
                if r.met { "yes" } else { "no" }
            );
        }
        let (met, n) = c.met_at(point);
        out += &format!(
            "{met} of {n} figures met ({:.0} %){}\n",
            if n > 0 {
                100.0 * met as f64 / n as f64
            } else {
                0.0
            },
            match rows.first() {
                Some(r) if r.replicates > 1 => format!(", mean of {} replicates", r.replicates),
                _ => String::new(),
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(value: Option<f64>, min: Option<f64>, max: Option<f64>) -> Target {
        Target {
            id: "t".into(),
            description: String::new(),
            year: 2000,
            column: "c".into(),
            unit: "share".into(),
            value,
            min,
            max,
            tolerance: value.map(|_| 0.25),
            scale: Scale::None,
            source: String::new(),
            in_run: true,
            note: None,
        }
    }

    #[test]
    fn met_and_error_follow_the_tolerance_and_bounds() {
        let t = target(Some(0.2), None, None);
        assert!(t.met(0.25) && t.met(0.15) && !t.met(0.2501) && !t.met(0.149));
        assert!((t.relative_error(0.3) - 0.5).abs() < 1e-12);
        let b = target(None, None, Some(0.01));
        assert!(b.met(0.0) && b.met(0.01) && !b.met(0.02));
        assert_eq!(b.relative_error(0.005), 0.0);
        assert!((b.relative_error(0.02) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn interval_is_students() {
        // Mean 2, s.d. 1, n = 3: t(0.975, 2) = 4.3027 → half 4.3027/√3.
        let (m, h) = mean_and_half_interval(&[1.0, 2.0, 3.0]);
        assert_eq!(m, 2.0);
        assert!((h.unwrap() - 4.302_652_7 / 3f64.sqrt()).abs() < 1e-6);
        assert_eq!(mean_and_half_interval(&[5.0]), (5.0, None));
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(0.27), "0.27");
        assert_eq!(number(1800.0), "1800");
        assert_eq!(number(0.123456789), "0.123457");
    }
}
