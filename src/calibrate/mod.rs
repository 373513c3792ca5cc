//! Calibration (`proxima calibrate`): the parameters of a plan fitted to a
//! targets file by CMA-ES (Hansen's covariance matrix adaptation evolution
//! strategy, from the `cmaes` crate), a search that uses only the ranking of
//! the points of a generation, fit for a stochastic model.
//!
//! # The search
//!
//! CMA-ES works in the unit cube of the bounds (a parameter on a log scale
//! in the log of its range); a point outside is folded back by reflection
//! (`u = y mod 2`, mirrored above 1), the usual boundary handling. Restart
//! 0 starts at the base scenario's values, restart k > 0 at a uniform point;
//! each has its own CMA-ES seed. A point's value is the distance
//!
//!   d = √( Σ_k w_k e_k² / Σ_k w_k ),  e_k = relative error of target k
//!
//! (`Target::relative_error` of `proxima compare`: 0 within bounds) of the
//! mean over its replicates. Replicate r of every point of a generation
//! shares one seed (common random numbers), so the points of a generation
//! are ranked on the same noise; each generation draws new seeds. A failed
//! run gives its point the distance 10⁶.
//!
//! # Resuming, sharding, reproducibility
//!
//! Every run, when it ends, is written to `parts/` (whole or absent). The
//! state of CMA-ES is never saved: it is replayed from the seed and the
//! distances already known, which gives the same points again, so a search
//! killed at any moment resumes where it was and ends in the same files.
//! The runs of a generation are spread over `--jobs` workers; restarts run
//! one after the other. `--shard I/N` runs the restarts with `k % N == I`
//! into its own folder and `proxima merge` puts the shards together: the
//! merged folder is byte-identical to the whole plan run at once.
//!
//! # The folder
//!
//! `manifest.json`, then at the end `calibration.csv` (every evaluated
//! point), `distances.csv` (the best point, target by target) and
//! `best.toml` (a scenario that `extends` the base with the best values).

pub mod plan;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cmaes::DVector;
use rand::RngExt;
use serde::Serialize;

pub use plan::CalibrationPlan;

use crate::compare::{Scale, Target, number};
use crate::error::{Error, Result};
use crate::output::write_atomic;
use crate::scenario::{Override, one_line};
use crate::sweep::{MANIFEST, PARTS, SHARD, Shard, from_unit, to_unit, value_text};
use crate::util::rng;

const CALIBRATION: &str = "calibration.csv";
const DISTANCES: &str = "distances.csv";
const BEST: &str = "best.toml";

/// Distance of a point whose runs all failed.
const PENALTY: f64 = 1e6;
/// Domain of the restarts' starting points and CMA-ES seeds.
const DOMAIN_CALIBRATION: u64 = 0x5357_4545_5000_0005;

/// Options of a calibration: those of a sweep (`shard` splits the
/// restarts).
pub type CalibrationOptions = crate::sweep::SweepOptions;

/// What the caller may observe (called from workers).
pub trait CalibrationProgress: Sync {
    /// Before the first run: the runs of the budget, and those already done.
    fn start(&self, _budget: u64, _done: u64) {}
    fn run_done(&self, _ok: bool) {}
    /// After each generation: restart, generation, best distance so far.
    fn generation(&self, _restart: u64, _generation: u64, _best: f64) {}
}

impl CalibrationProgress for () {}

/// Outcome of [`calibrate`].
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationReport {
    pub folder: PathBuf,
    /// Runs simulated by this call, and found done.
    pub ran: u64,
    pub resumed: u64,
    pub evaluations: u64,
    pub best: Option<f64>,
    pub complete: bool,
}

/// What simulates a run: its scenario in, its time-series records out.
pub type Runner<'a> =
    dyn Fn(&crate::scenario::Scenario, &AtomicBool) -> Result<Vec<csv::StringRecord>> + Sync + 'a;

/// The model as a [`Runner`].
pub fn simulate(
    scenario: &crate::scenario::Scenario,
    cancel: &AtomicBool,
) -> Result<Vec<csv::StringRecord>> {
    let spec = crate::sweep::RunSpec {
        run_id: 0,
        point: 0,
        replicate: 0,
        seed: scenario.run.seed as u64,
    };
    let rows = crate::sweep::simulate(&spec, scenario, cancel)?;
    crate::sweep::row_fields(&rows)
}

#[derive(Serialize)]
struct Manifest<'a> {
    program: &'static str,
    kind: &'static str,
    version: &'static str,
    plan_file: &'a str,
    plan: &'a indexmap::IndexMap<String, crate::sweep::plan::Node>,
    method: &'static str,
    base_file: String,
    factors: Vec<&'a str>,
    targets: Vec<ManifestTarget<'a>>,
    replicates: u64,
    generations: u64,
    population: u64,
    restarts: u64,
    sigma: f64,
    files: [&'static str; 4],
    base_scenario: &'a crate::scenario::Scenario,
}

#[derive(Serialize, serde::Deserialize)]
struct ManifestTarget<'a> {
    id: std::borrow::Cow<'a, str>,
    year: i64,
    column: std::borrow::Cow<'a, str>,
    value: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    tolerance: Option<f64>,
    weight: f64,
}

/// The text of `manifest.json` (the same for every shard).
pub fn manifest_text(plan: &CalibrationPlan) -> Result<String> {
    let base_file = std::fs::canonicalize(&plan.base_path)
        .unwrap_or_else(|_| plan.base_path.clone())
        .display()
        .to_string();
    let m = Manifest {
        program: "proxima",
        kind: "calibration",
        version: env!("CARGO_PKG_VERSION"),
        plan_file: &plan.file_name,
        plan: &plan.raw,
        method: "cmaes",
        base_file,
        factors: plan.factors.iter().map(|f| f.path.as_str()).collect(),
        targets: plan
            .targets
            .iter()
            .map(|(t, w)| ManifestTarget {
                id: t.id.as_str().into(),
                year: t.year,
                column: t.column.as_str().into(),
                value: t.value,
                min: t.min,
                max: t.max,
                tolerance: t.tolerance,
                weight: *w,
            })
            .collect(),
        replicates: plan.replicates,
        generations: plan.generations,
        population: plan.population,
        restarts: plan.restarts,
        sigma: plan.sigma,
        files: [MANIFEST, CALIBRATION, DISTANCES, BEST],
        base_scenario: &plan.resolved_base.scenario,
    };
    serde_json::to_string_pretty(&m)
        .map(|t| t + "\n")
        .map_err(|e| Error::Internal(format!("manifest: {e}")))
}

/// The unit-cube point of CMA-ES coordinates (reflected into [0, 1]).
fn reflect(y: f64) -> f64 {
    let t = y.rem_euclid(2.0);
    if t > 1.0 { 2.0 - t } else { t }
}

/// One evaluated point of a restart.
#[derive(Debug, Clone)]
struct Evaluation {
    /// Parameter values, as text.
    values: Vec<String>,
    distance: f64,
    ok: bool,
    /// Model value of each target (mean over replicates, scaled).
    model: Vec<f64>,
}

/// The values of a point in the unit cube.
fn point_values(plan: &CalibrationPlan, unit: &[f64]) -> Vec<toml::Value> {
    plan.factors
        .iter()
        .zip(unit)
        .map(|(f, &u)| from_unit(&f.domain, u, &f.base))
        .collect()
}

fn run_seed(plan: &CalibrationPlan, restart: u64, generation: u64, replicate: u64) -> u64 {
    rng::run_seed(
        plan.seed ^ DOMAIN_CALIBRATION,
        (restart << 32) | generation,
        replicate,
    )
}

fn part_path(parts: &Path, restart: u64, evaluation: u64, replicate: u64) -> PathBuf {
    parts.join(format!("{restart:05}-{evaluation:07}-{replicate:04}.csv"))
}

/// A run's result in its part: `ok` and the targets' values, or `failed`
/// and the message.
type RunResult = std::result::Result<Vec<f64>, String>;

fn write_part(path: &Path, result: &RunResult) -> Result<()> {
    let text = match result {
        Ok(values) => {
            let v: Vec<String> = values.iter().map(|x| format!("{x:?}")).collect();
            format!("ok,{}\n", v.join(","))
        }
        Err(m) => format!("failed,{}\n", m.replace(['\n', ','], " ")),
    };
    let tmp = crate::sweep::tmp_path(path);
    let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_data())
        .map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn read_part(path: &Path) -> Option<RunResult> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.strip_suffix('\n')?;
    let (status, rest) = line.split_once(',').unwrap_or((line, ""));
    match status {
        "ok" if rest.is_empty() => Some(Ok(Vec::new())),
        "ok" => rest
            .split(',')
            .map(|v| v.parse().ok())
            .collect::<Option<_>>()
            .map(Ok),
        "failed" => Some(Err(rest.to_string())),
        _ => None,
    }
}

/// The targets' values of a run (scaled as `proxima compare` scales them).
fn target_values(
    plan: &CalibrationPlan,
    scenario: &crate::scenario::Scenario,
    records: &[csv::StringRecord],
) -> std::result::Result<Vec<f64>, String> {
    let year_col = 1;
    plan.targets
        .iter()
        .zip(&plan.target_columns)
        .map(|((t, _), &c)| {
            let row = records
                .iter()
                .rev()
                .find(|r| r.get(year_col).and_then(|y| y.parse::<i64>().ok()) == Some(t.year))
                .ok_or_else(|| format!("the run has no row of {} (target {})", t.year, t.id))?;
            let v: f64 = row
                .get(c)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("column {} is not a number in {}", t.column, t.year))?;
            Ok(match t.scale {
                Scale::None => v,
                Scale::Agents => v * scenario.population.scale,
            })
        })
        .collect()
}

/// The distance of a point from the replicates' results.
fn evaluate(plan: &CalibrationPlan, values: Vec<String>, runs: &[RunResult]) -> Evaluation {
    let ok: Vec<&Vec<f64>> = runs.iter().filter_map(|r| r.as_ref().ok()).collect();
    if ok.is_empty() {
        return Evaluation {
            values,
            distance: PENALTY,
            ok: false,
            model: vec![f64::NAN; plan.targets.len()],
        };
    }
    let model: Vec<f64> = (0..plan.targets.len())
        .map(|k| ok.iter().map(|r| r[k]).sum::<f64>() / ok.len() as f64)
        .collect();
    let (mut num, mut den) = (0.0, 0.0);
    for ((t, w), m) in plan.targets.iter().zip(&model) {
        num += w * t.relative_error(*m).powi(2);
        den += w;
    }
    Evaluation {
        values,
        distance: (num / den).sqrt(),
        ok: true,
        model,
    }
}

/// A run to simulate: restart, evaluation, replicate, its unit point.
#[derive(Debug, Clone)]
struct Pending {
    restart: u64,
    evaluation: u64,
    replicate: u64,
    unit: Vec<f64>,
}

/// Replay restart `k` of CMA-ES with the distances known; returns the
/// points of the first generation not yet evaluated (empty when the
/// restart is over).
fn replay(plan: &CalibrationPlan, k: u64, known: &[Evaluation]) -> Result<Vec<Vec<f64>>> {
    let d = plan.factors.len();
    let mut stream = rng::keyed_stream(plan.seed, DOMAIN_CALIBRATION, k);
    let cma_seed: u64 = stream.random();
    let mean: Vec<f64> = if k == 0 {
        plan.factors
            .iter()
            .map(|f| {
                let x = f
                    .base
                    .as_float()
                    .or(f.base.as_integer().map(|i| i as f64))
                    .unwrap_or(0.0);
                to_unit(&f.domain, x)
            })
            .collect()
    } else {
        (0..d).map(|_| stream.random::<f64>()).collect()
    };
    let wanted = std::cell::RefCell::new(Vec::new());
    let counter = std::cell::Cell::new(0usize);
    let objective = |y: &DVector<f64>| -> f64 {
        let i = counter.get();
        counter.set(i + 1);
        match known.get(i) {
            Some(e) => e.distance,
            None => {
                wanted
                    .borrow_mut()
                    .push(y.iter().map(|&v| reflect(v)).collect::<Vec<f64>>());
                0.0
            }
        }
    };
    let mut cma = cmaes::CMAESOptions::new(mean, plan.sigma)
        .population_size(plan.population as usize)
        .max_generations(plan.generations as usize)
        .seed(cma_seed)
        .build(objective)
        .map_err(|e| Error::Internal(format!("CMA-ES options: {e:?}")))?;
    loop {
        let done = cma.next();
        if !wanted.borrow().is_empty() {
            return Ok(wanted.take());
        }
        if done.is_some() {
            return Ok(Vec::new());
        }
    }
}

/// Run a calibration plan (or its shard) into `opts.out`, resuming if
/// asked. Returns when every restart has ended (the files are written) or
/// when `cancel` is set (the folder can be resumed).
pub fn calibrate(
    plan: &CalibrationPlan,
    opts: &CalibrationOptions,
    runner: &Runner<'_>,
    progress: &dyn CalibrationProgress,
    cancel: &AtomicBool,
) -> Result<CalibrationReport> {
    let out = &opts.out;
    let manifest = manifest_text(plan)?;
    let shard = opts.shard.map(|s| shard_text(&s)).transpose()?;
    prepare_folder(out, opts, &manifest, shard.as_deref())?;
    let parts = out.join(PARTS);
    if !parts.exists() && out.join(CALIBRATION).exists() {
        return Ok(CalibrationReport {
            folder: out.clone(),
            ran: 0,
            resumed: 0,
            evaluations: 0,
            best: None,
            complete: true,
        });
    }
    std::fs::create_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
    let restarts: Vec<u64> = (0..plan.restarts)
        .filter(|k| opts.shard.is_none_or(|s| s.contains(*k)))
        .collect();
    let done_before = std::fs::read_dir(&parts)
        .map_err(|e| Error::io(&parts, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        .count() as u64;
    let budget = restarts.len() as u64 * plan.generations * plan.population * plan.replicates;
    progress.start(budget, done_before);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Internal(format!("thread pool: {e}")))?;
    let mut ran = 0;
    let mut all: Vec<(u64, Vec<Evaluation>)> = Vec::new();
    for &k in &restarts {
        let mut known: Vec<Evaluation> = Vec::new();
        loop {
            let points = replay(plan, k, &known)?;
            if points.is_empty() {
                break;
            }
            let first = known.len() as u64;
            let generation = first / plan.population;
            let pending: Vec<Pending> = points
                .iter()
                .enumerate()
                .flat_map(|(c, unit)| {
                    (0..plan.replicates).map(move |r| Pending {
                        restart: k,
                        evaluation: first + c as u64,
                        replicate: r,
                        unit: unit.clone(),
                    })
                })
                .filter(|p| !part_path(&parts, k, p.evaluation, p.replicate).exists())
                .collect();
            ran += run_pending(
                plan, &parts, &pending, generation, opts, &pool, runner, progress, cancel,
            )?;
            if cancel.load(Ordering::Relaxed) {
                return Ok(CalibrationReport {
                    folder: out.clone(),
                    ran,
                    resumed: done_before,
                    evaluations: 0,
                    best: None,
                    complete: false,
                });
            }
            for (c, unit) in points.iter().enumerate() {
                let e = first + c as u64;
                let runs: Vec<RunResult> = (0..plan.replicates)
                    .map(|r| {
                        let p = part_path(&parts, k, e, r);
                        read_part(&p).ok_or_else(|| Error::Output {
                            path: p.clone(),
                            message: "is not a part written by Proxima".into(),
                        })
                    })
                    .collect::<Result<_>>()?;
                let values = point_values(plan, unit).iter().map(value_text).collect();
                known.push(evaluate(plan, values, &runs));
            }
            let best = known
                .iter()
                .map(|e| e.distance)
                .fold(f64::INFINITY, f64::min);
            progress.generation(k, generation + 1, best);
        }
        all.push((k, known));
    }
    let rows = calibration_rows(plan, &all);
    let evaluations = rows.len() as u64;
    let best = finish(out, out, &manifest, &header(plan), &rows)?;
    std::fs::remove_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
    Ok(CalibrationReport {
        folder: out.clone(),
        ran,
        resumed: done_before,
        evaluations,
        best,
        complete: true,
    })
}

/// Simulate the pending runs of a generation on `jobs` workers.
#[allow(clippy::too_many_arguments)]
fn run_pending(
    plan: &CalibrationPlan,
    parts: &Path,
    pending: &[Pending],
    generation: u64,
    opts: &CalibrationOptions,
    pool: &rayon::ThreadPool,
    runner: &Runner<'_>,
    progress: &dyn CalibrationProgress,
    cancel: &AtomicBool,
) -> Result<u64> {
    let next = AtomicUsize::new(0);
    let ran = AtomicUsize::new(0);
    let fatal: Mutex<Option<Error>> = Mutex::new(None);
    let worker = || {
        loop {
            if cancel.load(Ordering::Relaxed) || fatal.lock().map(|f| f.is_some()).unwrap_or(true) {
                return;
            }
            let Some(p) = pending.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return;
            };
            let result = pool.install(|| {
                catch_unwind(AssertUnwindSafe(|| -> Result<RunResult> {
                    let mut o: Vec<Override> = plan.fixed.clone();
                    for (f, v) in plan.factors.iter().zip(point_values(plan, &p.unit)) {
                        o.push(Override {
                            path: f.path.clone(),
                            text: format!(
                                "{}={} ({} point {})",
                                f.path,
                                value_text(&v),
                                plan.file_name,
                                p.evaluation
                            ),
                            value: v,
                        });
                    }
                    let seed = run_seed(plan, p.restart, generation, p.replicate);
                    o.push(Override {
                        path: "run.seed".into(),
                        value: toml::Value::Integer(seed as i64),
                        text: format!("run.seed={seed}"),
                    });
                    let scenario = plan.base.resolve(&o)?.scenario;
                    let records = runner(&scenario, cancel)?;
                    Ok(target_values(plan, &scenario, &records))
                }))
            });
            let outcome: RunResult = match result {
                Ok(Ok(r)) => r,
                Ok(Err(Error::Cancelled { .. })) if cancel.load(Ordering::Relaxed) => return,
                Ok(Err(e)) => Err(one_line(&e.to_string())),
                Err(payload) => Err(format!(
                    "panicked: {}",
                    one_line(&crate::sweep::panic_text(&*payload))
                )),
            };
            let path = part_path(parts, p.restart, p.evaluation, p.replicate);
            if let Err(e) = write_part(&path, &outcome) {
                if let Ok(mut f) = fatal.lock() {
                    f.get_or_insert(e);
                }
                return;
            }
            ran.fetch_add(1, Ordering::Relaxed);
            progress.run_done(outcome.is_ok());
        }
    };
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(worker);
        }
    });
    if let Some(e) = fatal.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(ran.into_inner() as u64)
}

fn header(plan: &CalibrationPlan) -> Vec<String> {
    let mut h: Vec<String> = ["restart", "generation", "candidate", "evaluation"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    h.extend(plan.factors.iter().map(|f| f.path.clone()));
    h.extend(["distance".into(), "status".into()]);
    h.extend(plan.targets.iter().map(|(t, _)| t.id.clone()));
    h
}

fn calibration_rows(plan: &CalibrationPlan, all: &[(u64, Vec<Evaluation>)]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for (k, evals) in all {
        for (e, ev) in evals.iter().enumerate() {
            let e = e as u64;
            let mut r = vec![
                k.to_string(),
                (e / plan.population).to_string(),
                (e % plan.population).to_string(),
                e.to_string(),
            ];
            r.extend(ev.values.iter().cloned());
            r.push(format!("{:?}", ev.distance));
            r.push(if ev.ok { "ok" } else { "failed" }.into());
            r.extend(ev.model.iter().map(|m| {
                if m.is_finite() {
                    format!("{m:?}")
                } else {
                    String::new()
                }
            }));
            rows.push(r);
        }
    }
    rows
}

fn csv_bytes(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::Internal(format!("calibration.csv: {e}"));
    w.write_record(header).map_err(fail)?;
    for r in rows {
        w.write_record(r).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("calibration.csv: {e}")))
}

/// Write `calibration.csv`, `distances.csv` and `best.toml` from every
/// evaluated point (the files of a whole run and of a merge are made here
/// alike). Returns the best distance.
fn finish(
    out: &Path,
    final_dir: &Path,
    manifest: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<Option<f64>> {
    let m: serde_json::Value =
        serde_json::from_str(manifest).map_err(|e| Error::Internal(format!("manifest: {e}")))?;
    let factors: Vec<String> = serde_json::from_value(m["factors"].clone()).unwrap_or_default();
    let targets: Vec<ManifestTarget<'_>> =
        serde_json::from_value(m["targets"].clone()).unwrap_or_default();
    let dist_col = 4 + factors.len();
    let best = rows
        .iter()
        .filter(|r| r[dist_col + 1] == "ok")
        .min_by(|a, b| {
            let d = |r: &Vec<String>| r[dist_col].parse::<f64>().unwrap_or(f64::INFINITY);
            d(a).total_cmp(&d(b))
        });
    let mut files: Vec<(PathBuf, Vec<u8>)> =
        vec![(out.join(CALIBRATION), csv_bytes(header, rows)?)];
    if let Some(b) = best {
        let dh: Vec<String> = [
            "target",
            "year",
            "column",
            "documented",
            "model",
            "relative_error",
            "weight",
            "met",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut drows = Vec::new();
        for (k, t) in targets.iter().enumerate() {
            let model: f64 = b[dist_col + 2 + k].parse().unwrap_or(f64::NAN);
            let target = Target {
                id: t.id.to_string(),
                description: String::new(),
                year: t.year,
                column: t.column.to_string(),
                unit: String::new(),
                value: t.value,
                min: t.min,
                max: t.max,
                tolerance: t.tolerance,
                scale: Scale::None,
                source: String::new(),
                in_run: true,
                note: None,
            };
            let documented = match (t.value, t.min, t.max) {
                (Some(v), _, _) => number(v),
                (None, Some(a), Some(b)) => format!("{}–{}", number(a), number(b)),
                (None, Some(a), None) => format!("≥ {}", number(a)),
                (None, None, Some(b)) => format!("≤ {}", number(b)),
                (None, None, None) => String::new(),
            };
            drows.push(vec![
                t.id.to_string(),
                t.year.to_string(),
                t.column.to_string(),
                documented,
                format!("{model:?}"),
                format!("{:?}", target.relative_error(model)),
                format!("{:?}", t.weight),
                target.met(model).to_string(),
            ]);
        }
        files.push((out.join(DISTANCES), csv_bytes(&dh, &drows)?));
        files.push((
            out.join(BEST),
            best_toml(&m, &factors, b, final_dir).into_bytes(),
        ));
    }
    for (path, bytes) in &files {
        write_atomic(path, bytes)?;
    }
    Ok(best.and_then(|b| b[dist_col].parse().ok()))
}

/// A scenario that extends the base with `[fixed]` and the best values.
fn best_toml(m: &serde_json::Value, factors: &[String], best: &[String], out: &Path) -> String {
    let base = PathBuf::from(m["base_file"].as_str().unwrap_or_default());
    let extends = relative(&base, out);
    let mut text = format!(
        "# Best point of calibration {} (restart {}, evaluation {}): distance {}\n# Written by proxima calibrate; run it with proxima run.\nextends = {}\n",
        m["plan_file"].as_str().unwrap_or_default(),
        best[0],
        best[3],
        best[4 + factors.len()],
        toml::Value::String(extends.display().to_string())
    );
    let mut lines = BTreeMap::new();
    if let Some(fixed) = m["plan"].get("fixed").and_then(|f| f.as_object()) {
        let mut flat = Vec::new();
        flatten_json(fixed, "", &mut flat);
        for (p, v) in flat {
            lines.insert(p, v);
        }
    }
    for (f, v) in factors.iter().zip(&best[4..]) {
        lines.insert(f.clone(), v.clone());
    }
    for (p, v) in lines {
        let key: Vec<String> = p
            .split('.')
            .map(|s| {
                if s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    s.to_string()
                } else {
                    toml::Value::String(s.to_string()).to_string()
                }
            })
            .collect();
        text += &format!("{} = {v}\n", key.join("."));
    }
    text
}

fn flatten_json(
    t: &serde_json::Map<String, serde_json::Value>,
    prefix: &str,
    out: &mut Vec<(String, String)>,
) {
    for (k, v) in t {
        let p = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            serde_json::Value::Object(o) => flatten_json(o, &p, out),
            other => {
                let value: Option<toml::Value> = serde_json::from_value(other.clone()).ok();
                out.push((
                    p,
                    value
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| other.to_string()),
                ));
            }
        }
    }
}

/// `target` relative to the folder `from`, which may not exist yet
/// (absolute if they share nothing).
fn relative(target: &Path, from: &Path) -> PathBuf {
    let from = match (from.parent(), from.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            std::fs::canonicalize(parent)
                .map(|p| p.join(name))
                .unwrap_or_else(|_| from.to_path_buf())
        }
        _ => from.to_path_buf(),
    };
    let t: Vec<_> = target.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    if common <= 1 {
        return target.to_path_buf();
    }
    let mut p = PathBuf::new();
    for _ in common..f.len() {
        p.push("..");
    }
    for c in &t[common..] {
        p.push(c);
    }
    p
}

fn shard_text(shard: &Shard) -> Result<String> {
    serde_json::to_string_pretty(&serde_json::json!({
        "shard": shard,
        "rule": "restart % count == index",
    }))
    .map(|t| t + "\n")
    .map_err(|e| Error::Internal(format!("shard.json: {e}")))
}

fn prepare_folder(
    out: &Path,
    opts: &CalibrationOptions,
    manifest: &str,
    shard: Option<&str>,
) -> Result<()> {
    let refuse = |message: &str| Error::Output {
        path: out.to_path_buf(),
        message: message.into(),
    };
    let empty = out.is_dir()
        && std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    if out.exists() && !empty {
        if opts.resume {
            if !crate::util::input::holds(&out.join(MANIFEST), manifest.as_bytes()) {
                return Err(refuse(
                    "is not a calibration of this plan (its manifest.json differs: another plan, base scenario, targets or program version); use another --out, or --force to start over",
                ));
            }
            let same = match shard {
                Some(text) => crate::util::input::holds(&out.join(SHARD), text.as_bytes()),
                None => !out.join(SHARD).exists(),
            };
            if !same {
                return Err(refuse(
                    "holds another shard of this calibration (shard.json differs); use the --shard it was started with",
                ));
            }
            return Ok(());
        }
        if !opts.force {
            return Err(refuse(
                "already exists; pass --resume to continue the calibration, --force to start it over, or choose another --out",
            ));
        }
        crate::output::check_replaceable(out, true)?;
        std::fs::remove_dir_all(out).map_err(|e| Error::io(out, e))?;
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_atomic(&out.join(MANIFEST), manifest.as_bytes())?;
    if let Some(text) = shard {
        write_atomic(&out.join(SHARD), text.as_bytes())?;
    }
    Ok(())
}

/// Whether a folder holds a calibration (its manifest says so).
pub fn is_calibration(dir: &Path) -> bool {
    crate::util::input::read_text(&dir.join(MANIFEST))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|m| m["kind"] == "calibration")
}

/// Put the finished shards of one calibration into one folder, identical
/// to the whole plan run at once. Returns the number of evaluations and
/// the best distance.
pub fn merge(out: &Path, shard_dirs: &[PathBuf], force: bool) -> Result<(u64, Option<f64>)> {
    let bad = |dir: &Path, message: String| Error::Output {
        path: dir.to_path_buf(),
        message,
    };
    let Some(first) = shard_dirs.first() else {
        return Err(bad(out, "no shard folders to merge".into()));
    };
    let read = |dir: &Path, name: &str| {
        let p = dir.join(name);
        crate::util::input::read_text(&p).map_err(|m| bad(&p, m))
    };
    let manifest = read(first, MANIFEST)?;
    let mut by_index: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut count = None;
    for dir in shard_dirs {
        let shard = crate::sweep::same_plan_shard(dir, first, manifest.as_bytes(), CALIBRATION)?;
        if *count.get_or_insert(shard.count) != shard.count {
            return Err(bad(
                dir,
                format!(
                    "is shard {}/{} but the others are out of {}",
                    shard.index,
                    shard.count,
                    count.unwrap_or(0)
                ),
            ));
        }
        if by_index.insert(shard.index, dir.clone()).is_some() {
            return Err(bad(
                dir,
                format!("is shard {}/{} twice", shard.index, shard.count),
            ));
        }
    }
    let count = count.unwrap_or(1);
    if let Some(i) = (0..count).find(|i| !by_index.contains_key(i)) {
        return Err(bad(out, format!("shard {i}/{count} is missing")));
    }
    // Rows of every shard, in restart order (each restart is in one shard).
    let mut header = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for dir in by_index.values() {
        let path = dir.join(CALIBRATION);
        let file = crate::util::input::open_regular(&path).map_err(|m| bad(&path, m))?;
        let mut r = csv::Reader::from_reader(file);
        header = r
            .headers()
            .map_err(|e| bad(&path, one_line(&e.to_string())))?
            .iter()
            .map(String::from)
            .collect();
        for rec in r.records() {
            let rec = rec.map_err(|e| bad(&path, one_line(&e.to_string())))?;
            rows.push(rec.iter().map(String::from).collect());
        }
    }
    let key = |r: &Vec<String>| {
        (
            r[0].parse::<u64>().unwrap_or(u64::MAX),
            r[3].parse::<u64>().unwrap_or(u64::MAX),
        )
    };
    rows.sort_by_key(key);
    let folder = crate::output::RunFolder::prepare(out, force)?;
    let target = folder.path().to_path_buf();
    std::fs::write(folder.file(MANIFEST), &manifest)
        .map_err(|e| Error::io(folder.file(MANIFEST), e))?;
    let best = finish(&target, out, &manifest, &header, &rows)?;
    folder.commit()?;
    Ok((rows.len() as u64, best))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_folds_any_coordinate_into_the_unit_interval() {
        for (y, u) in [
            (0.3, 0.3),
            (1.2, 0.8),
            (-0.25, 0.25),
            (2.1, 0.1),
            (-1.5, 0.5),
            (1.0, 1.0),
        ] {
            assert!((reflect(y) - u).abs() < 1e-12, "{y}: {}", reflect(y));
        }
        // Continuous across the walls.
        for wall in [0.0, 1.0, 2.0, -1.0] {
            assert!((reflect(wall - 1e-9) - reflect(wall + 1e-9)).abs() < 1e-8);
        }
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        assert_eq!(
            relative(
                Path::new("/a/b/scenarios/x.toml"),
                Path::new("/a/b/output/cal")
            ),
            PathBuf::from("../../scenarios/x.toml")
        );
        assert_eq!(
            relative(Path::new("/x/y.toml"), Path::new("/a/b")),
            PathBuf::from("/x/y.toml")
        );
    }
}
