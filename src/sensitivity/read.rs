//! Reading a finished Morris or Sobol' sweep folder: its manifest, the
//! parameter values of `design.csv`, the runs that succeeded and the
//! outputs asked of `timeseries.csv`.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::Series;
use crate::error::{Error, Result};

/// An output: a column, a sum of columns `a+b`, or a ratio `a/b` (0 when
/// the denominator is 0, as in the outputs).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSpec {
    pub text: String,
    terms: Vec<String>,
    ratio: bool,
}

impl OutputSpec {
    /// Parse `a`, `a+b+…` or `a/b`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        let (terms, ratio): (Vec<String>, bool) = if let Some((a, b)) = text.split_once('/') {
            (vec![a.trim().into(), b.trim().into()], true)
        } else {
            (
                text.split('+').map(|t| t.trim().to_string()).collect(),
                false,
            )
        };
        if terms.iter().any(|t| t.is_empty() || t.contains('/')) {
            return Err(format!(
                "`{}` is not an output; allowed: a column, a sum a+b, or a ratio a/b",
                text.escape_default()
            ));
        }
        Ok(Self {
            text: text.to_string(),
            terms,
            ratio,
        })
    }

    fn value(&self, row: &[f64], at: &HashMap<&str, usize>) -> f64 {
        let v = |t: &String| row[at[t.as_str()]];
        if self.ratio {
            let d = v(&self.terms[1]);
            if d == 0.0 { 0.0 } else { v(&self.terms[0]) / d }
        } else {
            self.terms.iter().map(v).sum()
        }
    }
}

/// A year, or the mean over the years `from` to `to`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearSpec {
    pub from: i64,
    pub to: i64,
}

impl YearSpec {
    /// Parse `2005` or `2000-2009`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let bad = || {
            format!(
                "`{}` is not a year; allowed: a year (2005) or a span (2000-2009, the mean over those years)",
                text.escape_default()
            )
        };
        let (a, b) = text
            .trim()
            .split_once('-')
            .unwrap_or((text.trim(), text.trim()));
        let from: i64 = a.trim().parse().map_err(|_| bad())?;
        let to: i64 = b.trim().parse().map_err(|_| bad())?;
        if to < from {
            return Err(bad());
        }
        Ok(Self { from, to })
    }

    pub fn label(&self) -> String {
        if self.from == self.to {
            self.from.to_string()
        } else {
            format!("{}-{}", self.from, self.to)
        }
    }
}

/// A finished Morris or Sobol' sweep.
pub struct Sweep {
    pub folder: PathBuf,
    pub method: &'static str,
    pub seed: u64,
    pub replicates: u64,
    pub points: u64,
    /// Trajectories or base samples.
    pub size: u64,
    /// Morris groups, or Sobol' parameters.
    pub names: Vec<String>,
    /// Group of each factor (Morris).
    pub factor_group: Vec<usize>,
    /// Parameter values of each point (Morris).
    pub values: Vec<Vec<f64>>,
    pub delta: f64,
    pub block: usize,
    pub second_order: bool,
    /// Years of the base run, for the default.
    last_year: i64,
}

fn bad(path: &Path, message: impl Into<String>) -> Error {
    Error::Output {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn csv_text(e: &csv::Error) -> String {
    crate::scenario::one_line(&e.to_string())
}

fn reader(path: &Path) -> Result<csv::Reader<std::fs::File>> {
    let file = crate::util::input::open_regular(path).map_err(|m| bad(path, m))?;
    Ok(csv::Reader::from_reader(file))
}

impl Sweep {
    pub fn open(folder: &Path) -> Result<Self> {
        let path = folder.join("manifest.json");
        let text = crate::util::input::read_text(&path).map_err(|m| bad(&path, m))?;
        let m: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(&path, format!("is not readable JSON: {e}")))?;
        if m.get("kind").and_then(|k| k.as_str()) != Some("sweep") {
            return Err(bad(folder, "is not a sweep folder (manifest.json)"));
        }
        let design = m.get("design").and_then(|d| d.as_str()).unwrap_or("");
        let method = match design {
            "morris" => "morris",
            "sobol" => "sobol",
            other => {
                return Err(bad(
                    folder,
                    format!(
                        "is a `{other}` sweep; proxima analyse reads morris and sobol sweeps (analyse other designs from design.csv and timeseries.csv with the tool that made them)"
                    ),
                ));
            }
        };
        if folder.join("parts").exists() || !folder.join("runs.csv").exists() {
            return Err(bad(
                folder,
                "is not a finished sweep (resume it with proxima sweep PLAN --resume, or merge its shards)",
            ));
        }
        let u = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_u64);
        let s = m.get("structure").cloned().unwrap_or_default();
        let factors: Vec<String> = m
            .get("factors")
            .and_then(|f| f.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let missing = || {
            bad(
                &path,
                "lacks the design's structure; was it written by proxima?",
            )
        };
        let replicates = u(m.get("replicates")).ok_or_else(missing)?;
        let points = u(m.get("points")).ok_or_else(missing)?;
        let seed = m
            .get("plan")
            .and_then(|p| p.get("seed"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0);
        let last_year = m
            .get("years")
            .and_then(|y| y.as_array())
            .and_then(|a| a.iter().filter_map(serde_json::Value::as_i64).max())
            .or_else(|| {
                m.get("base_scenario")
                    .and_then(|b| b.get("run"))
                    .and_then(|r| r.get("end_year"))
                    .and_then(serde_json::Value::as_i64)
            })
            .ok_or_else(missing)?;
        let mut sweep = Sweep {
            folder: folder.to_path_buf(),
            method,
            seed,
            replicates,
            points,
            size: 0,
            names: factors.clone(),
            factor_group: (0..factors.len()).collect(),
            values: Vec::new(),
            delta: s
                .get("delta")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0),
            block: u(s.get("block")).unwrap_or(0) as usize,
            second_order: s
                .get("second_order")
                .and_then(|b| b.as_bool())
                .unwrap_or(false),
            last_year,
        };
        // Groups (Morris, or a grouped Sobol' design): their names, and
        // the group of each factor.
        if let Some(groups) = s.get("groups").and_then(|g| g.as_array()) {
            sweep.names.clear();
            for (k, g) in groups.iter().enumerate() {
                sweep.names.push(
                    g.get("name")
                        .and_then(|n| n.as_str())
                        .unwrap_or("")
                        .to_string(),
                );
                for f in g
                    .get("factors")
                    .and_then(|f| f.as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(i) = factors.iter().position(|x| Some(x.as_str()) == f.as_str()) {
                        sweep.factor_group[i] = k;
                    }
                }
            }
        }
        if method == "morris" {
            sweep.size = u(s.get("trajectories")).ok_or_else(missing)?;
            if s.get("groups").is_none() {
                return Err(missing());
            }
            sweep.values = sweep.point_values(factors.len())?;
        } else {
            sweep.size = u(s.get("samples")).ok_or_else(missing)?;
            if sweep.block == 0 {
                return Err(missing());
            }
        }
        Ok(sweep)
    }

    /// The parameter values of each point (its first replicate's row).
    fn point_values(&self, n: usize) -> Result<Vec<Vec<f64>>> {
        let path = self.folder.join("design.csv");
        let mut values = vec![Vec::new(); self.points as usize];
        for rec in reader(&path)?.records() {
            let rec = rec.map_err(|e| bad(&path, csv_text(&e)))?;
            let id: u64 = rec.get(0).and_then(|v| v.parse().ok()).unwrap_or(u64::MAX);
            let p = (id / self.replicates) as usize;
            if !id.is_multiple_of(self.replicates) || p >= values.len() {
                continue;
            }
            values[p] = (0..n)
                .map(|i| {
                    let text = rec.get(3 + i).unwrap_or("");
                    text.parse::<f64>()
                        .map_err(|_| bad(&path, format!("run {id}: `{text}` is not a number")))
                })
                .collect::<Result<_>>()?;
        }
        Ok(values)
    }

    fn ok_runs(&self) -> Result<BTreeSet<u64>> {
        let path = self.folder.join("runs.csv");
        let mut ok = BTreeSet::new();
        for rec in reader(&path)?.records() {
            let rec = rec.map_err(|e| bad(&path, csv_text(&e)))?;
            if rec.get(1) == Some("ok")
                && let Some(id) = rec.get(0).and_then(|v| v.parse().ok())
            {
                ok.insert(id);
            }
        }
        Ok(ok)
    }
}

/// The outputs asked, each with its years' label and its values at the
/// design points, in the order (output, years) asked.
pub fn outputs(sweep: &Sweep, request: &super::Request) -> Result<Vec<(String, String, Series)>> {
    let path = sweep.folder.join("timeseries.csv");
    let mut r = reader(&path)?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| bad(&path, csv_text(&e)))?
        .iter()
        .map(String::from)
        .collect();
    let first = header.iter().position(|h| h == "year").map_or(0, |y| y + 1);
    let columns: Vec<OutputSpec> = if request.columns.is_empty() {
        header[first..]
            .iter()
            .filter(|h| *h != "regime")
            .filter_map(|h| OutputSpec::parse(h).ok())
            .collect()
    } else {
        request.columns.clone()
    };
    let years = if request.years.is_empty() {
        vec![YearSpec {
            from: sweep.last_year,
            to: sweep.last_year,
        }]
    } else {
        request.years.clone()
    };
    // The columns needed, and where each is in a kept row.
    let mut needed: Vec<&str> = Vec::new();
    for c in &columns {
        for t in &c.terms {
            if !header[first..].iter().any(|h| h == t) || t == "regime" {
                let names: Vec<&str> = header[first..].iter().map(String::as_str).collect();
                return Err(bad(
                    &path,
                    format!(
                        "has no numeric column `{}` (output `{}`); {}",
                        t.escape_default(),
                        c.text,
                        crate::scenario::suggest(t, &names).replace("valid keys here", "columns")
                    ),
                ));
            }
            if !needed.contains(&t.as_str()) {
                needed.push(t);
            }
        }
    }
    let at: HashMap<&str, usize> = needed.iter().enumerate().map(|(k, n)| (*n, k)).collect();
    let index: Vec<usize> = needed
        .iter()
        .map(|n| header.iter().position(|h| h == n).unwrap_or(0))
        .collect();
    let year_col = first.saturating_sub(1);
    let wanted = |y: i64| years.iter().any(|s| s.from <= y && y <= s.to);
    let ok = sweep.ok_runs()?;
    let mut rows: HashMap<(u64, i64), Vec<f64>> = HashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(&path, csv_text(&e)))?;
        let id: u64 = rec.get(0).and_then(|v| v.parse().ok()).unwrap_or(u64::MAX);
        let year: i64 = rec
            .get(year_col)
            .and_then(|v| v.parse().ok())
            .unwrap_or(i64::MIN);
        if !ok.contains(&id) || !wanted(year) {
            continue;
        }
        let values = index
            .iter()
            .zip(&needed)
            .map(|(&i, n)| {
                let text = rec.get(i).unwrap_or("");
                text.parse::<f64>().map_err(|_| {
                    bad(
                        &path,
                        format!("run {id}, {year}: `{n}` holds `{text}`, not a number"),
                    )
                })
            })
            .collect::<Result<Vec<f64>>>()?;
        // The last row of a year (several steps per year) is its state.
        rows.insert((id, year), values);
    }
    let mut out = Vec::new();
    for c in &columns {
        for y in &years {
            let mut runs = vec![Vec::new(); sweep.points as usize];
            for &id in &ok {
                let mut total = 0.0;
                for year in y.from..=y.to {
                    let row = rows.get(&(id, year)).ok_or_else(|| {
                        bad(
                            &path,
                            format!(
                                "has no row of {year} for run {id}; keep the year in the plan's [output] years"
                            ),
                        )
                    })?;
                    total += c.value(row, &at);
                }
                if let Some(slot) = runs.get_mut((id / sweep.replicates) as usize) {
                    slot.push(total / (y.to - y.from + 1) as f64);
                }
            }
            if let Some(p) = runs.iter().position(Vec::is_empty) {
                return Err(bad(
                    &sweep.folder.join("runs.csv"),
                    format!("no run of design point {p} succeeded; its indices cannot be computed"),
                ));
            }
            out.push((c.text.clone(), y.label(), Series { runs }));
        }
    }
    Ok(out)
}
