//! Helpers shared by the integration tests: run the `proxima` binary like a
//! user would and read its CSV output.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of the project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A shipped scenario.
pub fn scenario(name: &str) -> PathBuf {
    root().join("scenarios").join(name)
}

/// The small test scenario.
pub fn small() -> PathBuf {
    root().join("tests/data/small.toml")
}

/// Origins of firm-to-firm ties in ties.csv (research links and cluster
/// memberships are ties to organisations).
pub const FIRM_ORIGINS: [&str; 7] = [
    "spatial",
    "partner_of_partner",
    "cluster",
    "group",
    "event",
    "ecosystem",
    "project",
];

/// Run the binary with arguments.
pub fn proxima(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args(args)
        .output()
        .expect("run proxima")
}

/// `proxima run SCENARIO --out OUT --quiet EXTRA...`.
pub fn run_to(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        scenario.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    proxima(&args)
}

/// Run the binary in a working directory.
pub fn proxima_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_proxima"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run proxima")
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A CSV file as a header and rows of strings.
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let mut r =
            csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let header = r
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.expect("record").iter().map(String::from).collect())
            .collect();
        Table { header, rows }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    pub fn f64s(&self, name: &str) -> Vec<f64> {
        let c = self.col(name);
        self.rows
            .iter()
            .map(|r| {
                r[c].parse::<f64>()
                    .unwrap_or_else(|_| panic!("{name}: {}", r[c]))
            })
            .collect()
    }

    /// Numeric columns by year (one step per year).
    pub fn by_year(&self) -> BTreeMap<i64, BTreeMap<String, f64>> {
        let year = self.col("year");
        let mut out = BTreeMap::new();
        for row in &self.rows {
            let y: i64 = row[year].parse().expect("year");
            let mut values = BTreeMap::new();
            for (h, v) in self.header.iter().zip(row) {
                if let Ok(x) = v.parse::<f64>() {
                    values.insert(h.clone(), x);
                }
            }
            out.insert(y, values);
        }
        out
    }
}

/// Run `scenario` with `seed` into a fresh folder under `dir`; return its time series by year.
pub fn run_series(
    dir: &Path,
    scenario: &Path,
    seed: u64,
    extra: &[&str],
) -> BTreeMap<i64, BTreeMap<String, f64>> {
    let out = dir.join(format!(
        "{}-{seed}-{}",
        scenario.file_stem().unwrap().to_string_lossy(),
        extra.join("_").replace(['/', '=', '.'], "-")
    ));
    let seed = seed.to_string();
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--seed",
        &seed,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = proxima(&args);
    assert!(o.status.success(), "run failed: {}", stderr(&o));
    Table::read(&out.join("timeseries.csv")).by_year()
}

/// Mean of several runs' series, year by year.
pub fn mean(runs: &[BTreeMap<i64, BTreeMap<String, f64>>]) -> BTreeMap<i64, BTreeMap<String, f64>> {
    let mut out = BTreeMap::new();
    for (year, first) in &runs[0] {
        let mut m = BTreeMap::new();
        for key in first.keys() {
            let total: f64 = runs.iter().map(|r| r[year][key]).sum();
            m.insert(key.clone(), total / runs.len() as f64);
        }
        out.insert(*year, m);
    }
    out
}

/// The tests' Python (a venv in `target/pyenv` with the pinned packages of
/// `python/requirements-test.txt`, made by `scripts/pyenv.sh` on first use),
/// or why there is none (no `python3`, no network): callers print the reason
/// and skip, as the SLURM test does where no cluster is up.
pub fn python_env() -> Result<PathBuf, String> {
    let out = Command::new("bash")
        .arg(root().join("scripts/pyenv.sh"))
        .output()
        .map_err(|e| format!("cannot run scripts/pyenv.sh: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("scripts/pyenv.sh failed: {last}"));
    }
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}
