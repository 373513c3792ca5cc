//! Sweeps: the runs of a plan, in parallel, streamed to disk as they finish,
//! resumable after any interruption, and splittable into shards that
//! [`merge`] puts back together.
//!
//! # The sweep folder
//!
//! * `manifest.json`, `design.csv` (and `shard.json` for a shard) are
//!   written first, atomically.
//! * Each finished run is written to `parts/<run_id>.csv` (a temporary file
//!   renamed into place, so a part is whole or absent). A run is done if and
//!   only if its part exists, so a sweep killed at any moment loses at most
//!   the runs in flight, and `--resume` runs exactly the missing ones.
//! * When every run of the folder is done, the parts are concatenated in
//!   `run_id` order into `timeseries.csv`, `summary.csv` and `runs.csv`
//!   (each written to a temporary file and renamed), then `parts/` is
//!   removed. The files therefore never depend on which worker ran what or
//!   when, and memory stays bounded by the runs in flight.

mod design;
mod morris;
pub mod plan;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;

pub use design::{
    DesignKind, Domain, Factor, Structure, from_unit, groups, saltelli_block, to_unit,
};
pub use plan::{Plan, RunSpec, series_columns, value_text};

use crate::error::{Error, Result};
use crate::output::check_replaceable;
use crate::scenario::{Scenario, one_line};
use crate::state::model::Model;
use crate::statistics::StepRow;

pub(crate) const MANIFEST: &str = "manifest.json";
const DESIGN: &str = "design.csv";
pub(crate) const SHARD: &str = "shard.json";
pub(crate) const PARTS: &str = "parts";
const TIMESERIES: &str = "timeseries.csv";
const SUMMARY: &str = "summary.csv";
const RUNS: &str = "runs.csv";
const RUNS_HEADER: [&str; 4] = ["run_id", "status", "wall_seconds", "error"];

/// A fixed part of a sweep's runs: those with `run_id % count == index`.
/// Round-robin spreads every region of the design over the shards, so
/// shards take about the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether a run belongs to this shard.
    pub fn contains(&self, run_id: u64) -> bool {
        run_id % self.count == self.index
    }

    /// Number of the runs `0..total` that belong to this shard.
    pub fn runs_of(&self, total: u64) -> u64 {
        if total > self.index {
            (total - self.index - 1) / self.count + 1
        } else {
            0
        }
    }
}

/// Options of a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    pub out: PathBuf,
    /// Runs simulated at the same time.
    pub jobs: usize,
    /// Threads of the pool the runs' steps use.
    pub threads: usize,
    pub shard: Option<Shard>,
    /// Continue a sweep folder instead of refusing it.
    pub resume: bool,
    /// Replace an existing sweep folder.
    pub force: bool,
}

/// What the caller may observe while a sweep goes (called from workers).
pub trait SweepProgress: Sync {
    /// Before the first run: runs of the folder and how many were already done.
    fn start(&self, _runs: u64, _done: u64) {}
    /// After each run, with whether it succeeded.
    fn run_done(&self, _spec: &RunSpec, _ok: bool) {}
}

impl SweepProgress for () {}

/// Outcome of [`run_sweep`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepReport {
    pub folder: PathBuf,
    /// Runs of the folder (the plan's, or the shard's).
    pub runs: u64,
    /// Runs simulated by this call.
    pub ran: u64,
    /// Runs found done in the folder (resumed sweeps).
    pub resumed: u64,
    /// Runs recorded as failed in the folder.
    pub failed: u64,
    /// Every run is done and the files are assembled. False only when the
    /// sweep was cancelled.
    pub complete: bool,
    /// Partial folders of dead processes removed from the sweep folder's
    /// parent before the sweep.
    pub stale_removed: Vec<crate::output::StalePartial>,
}

/// What simulates one run: its spec and scenario in, its time series out.
/// Checks `cancel` between steps and returns [`Error::Cancelled`].
pub type Runner<'a> = dyn Fn(&RunSpec, &Scenario, &AtomicBool) -> Result<Vec<StepRow>> + Sync + 'a;

/// The model as a [`Runner`].
pub fn simulate(_spec: &RunSpec, scenario: &Scenario, cancel: &AtomicBool) -> Result<Vec<StepRow>> {
    let mut model = Model::new(scenario.clone())?;
    let mut rows = Vec::with_capacity(model.total_steps() as usize);
    while !model.is_done() {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled {
                step: model.steps_done(),
            });
        }
        rows.push(model.step()?.row);
    }
    Ok(rows)
}

#[derive(Serialize)]
struct Manifest<'a> {
    program: &'static str,
    kind: &'static str,
    version: &'static str,
    plan_file: &'a str,
    plan: &'a indexmap::IndexMap<String, plan::Node>,
    design: DesignKind,
    seeds: &'static str,
    factors: Vec<&'a str>,
    points: u64,
    replicates: u64,
    runs: u64,
    columns: &'a [String],
    years: Option<&'a BTreeSet<i64>>,
    files: [&'static str; 5],
    #[serde(skip_serializing_if = "Option::is_none")]
    structure: Option<serde_json::Value>,
    base_scenario: &'a Scenario,
}

/// What the analysis of a Morris or Sobol' sweep (and a reader) needs of
/// its design, recorded in `manifest.json`; a file design records the
/// file's size and FNV-1a hash, so `--resume` refuses a changed file.
fn structure_json(plan: &Plan) -> Option<serde_json::Value> {
    let s = plan.structure();
    match plan.design {
        DesignKind::Morris | DesignKind::Sobol => {
            let (names, of) = groups(&plan.factors);
            let members: Vec<serde_json::Value> = names
                .iter()
                .enumerate()
                .map(|(g, name)| {
                    let paths: Vec<&str> = plan
                        .factors
                        .iter()
                        .zip(&of)
                        .filter(|(_, k)| **k == g)
                        .map(|(f, _)| f.path.as_str())
                        .collect();
                    serde_json::json!({ "name": name, "factors": paths })
                })
                .collect();
            Some(if plan.design == DesignKind::Morris {
                serde_json::json!({
                    "trajectories": s.trajectories,
                    "levels": s.levels,
                    "delta": s.delta(),
                    "candidates": s.candidates,
                    "groups": members,
                })
            } else {
                serde_json::json!({
                    "samples": s.samples,
                    "second_order": s.second_order,
                    "block": saltelli_block(names.len(), s.second_order),
                    "sequence": "Sobol' (Joe-Kuo directions of sobol_burley 0.5), Owen-scrambled, B rows paired with A rows at random",
                    "sequence_seed": plan.sobol_seed(),
                    "groups": members,
                })
            })
        }
        DesignKind::File => {
            let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
            let mut cells = 0u64;
            for column in &s.file {
                for v in column {
                    for b in value_text(v).bytes().chain([0x1f]) {
                        hash = (hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
                    }
                    cells += 1;
                }
            }
            Some(serde_json::json!({ "cells": cells, "fnv1a64": format!("{hash:016x}") }))
        }
        _ => None,
    }
}

/// The text of a sweep's `manifest.json` (identical for every shard).
pub fn manifest_text(plan: &Plan) -> Result<String> {
    let m = Manifest {
        program: "proxima",
        kind: "sweep",
        version: env!("CARGO_PKG_VERSION"),
        plan_file: &plan.file_name,
        plan: &plan.raw,
        design: plan.design,
        seeds: if plan.common_seeds {
            "common"
        } else {
            "independent"
        },
        factors: plan.factors.iter().map(|f| f.path.as_str()).collect(),
        points: plan.point_count(),
        replicates: plan.replicates,
        runs: plan.runs(),
        columns: &plan.columns,
        years: plan.years.as_ref(),
        files: [MANIFEST, DESIGN, TIMESERIES, SUMMARY, RUNS],
        structure: structure_json(plan),
        base_scenario: &plan.resolved_base.scenario,
    };
    serde_json::to_string_pretty(&m)
        .map(|t| t + "\n")
        .map_err(|e| Error::Internal(format!("manifest: {e}")))
}

/// The text of `design.csv`: one row per run.
pub fn design_csv(plan: &Plan) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    write_design_csv(plan, &mut bytes)?;
    Ok(bytes)
}

/// Write `design.csv` row by row (a design of millions of runs is never
/// held whole in memory).
fn write_design_csv(plan: &Plan, to: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(to);
    let fail = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    };
    let mut write = || -> std::result::Result<(), std::io::Error> {
        w.write_record(plan.id_header()).map_err(fail)?;
        for id in 0..plan.runs() {
            w.write_record(plan.id_fields(&plan.run(id)))
                .map_err(fail)?;
        }
        w.flush()
    };
    write().map_err(|e| Error::Internal(format!("design.csv: {e}")))
}

/// Whether `path` is a regular file holding the plan's `design.csv`
/// (compared as it is generated, in chunks).
fn holds_design(plan: &Plan, path: &Path) -> bool {
    /// A sink that compares what is written with a file.
    struct Compare<R: std::io::Read> {
        file: R,
        same: bool,
    }
    impl<R: std::io::Read> Write for Compare<R> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            let mut found = vec![0; bytes.len()];
            if self.same && (self.file.read_exact(&mut found).is_err() || found != bytes) {
                self.same = false;
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let Ok(file) = crate::util::input::open_regular(path) else {
        return false;
    };
    let mut c = Compare {
        file: std::io::BufReader::new(file),
        same: true,
    };
    if write_design_csv(plan, &mut c).is_err() || !c.same {
        return false;
    }
    // Nothing may follow.
    let mut rest = [0u8; 1];
    matches!(std::io::Read::read(&mut c.file, &mut rest), Ok(0))
}

/// Write the plan's `design.csv` whole or not at all (a temporary file,
/// synced, renamed).
fn write_design_file(plan: &Plan, path: &Path) -> Result<()> {
    let tmp = tmp_path(path);
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut w = BufWriter::new(file);
    write_design_csv(plan, &mut w)?;
    let file = w
        .into_inner()
        .map_err(|e| Error::io(&tmp, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn shard_text(shard: &Shard, runs: u64) -> Result<String> {
    #[derive(Serialize)]
    struct S<'a> {
        shard: &'a Shard,
        rule: &'static str,
        runs: u64,
    }
    serde_json::to_string_pretty(&S {
        shard,
        rule: "run_id % count == index",
        runs: shard.runs_of(runs),
    })
    .map(|t| t + "\n")
    .map_err(|e| Error::Internal(format!("shard.json: {e}")))
}

use crate::output::write_atomic;

pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Write `design.csv` alone (the dry run).
pub fn write_design(plan: &Plan, out: &Path, force: bool) -> Result<PathBuf> {
    let path = out.join(DESIGN);
    if out.exists() && !is_fresh(out, plan)? {
        if !force {
            check_replaceable(out, false)?;
        }
        replace_folder(out)?;
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_design_file(plan, &path)?;
    Ok(path)
}

fn folder_names(out: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(out).map_err(|e| Error::io(out, e))? {
        let entry = entry.map_err(|e| Error::io(out, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(names)
}

/// An empty folder, or one holding only this plan's `design.csv` (a dry run).
fn is_fresh(out: &Path, plan: &Plan) -> Result<bool> {
    Ok(match folder_names(out)?.as_slice() {
        [] => true,
        [n] if n == DESIGN => holds_design(plan, &out.join(DESIGN)),
        _ => false,
    })
}

/// Remove an existing folder for `--force`: a Proxima folder, or the
/// `design.csv` of a dry run; anything else is refused.
fn replace_folder(out: &Path) -> Result<()> {
    let dry_run = out.is_dir() && folder_names(out)? == [DESIGN];
    if !dry_run {
        check_replaceable(out, true)?;
    }
    std::fs::remove_dir_all(out).map_err(|e| Error::io(out, e))
}

fn part_path(parts: &Path, run_id: u64) -> PathBuf {
    parts.join(format!("{run_id:010}.csv"))
}

/// A regular file of a sweep folder opened for reading (a FIFO or device
/// put in its place is refused, never waited on).
fn open_input(path: &Path) -> Result<File> {
    crate::util::input::open_regular(path).map_err(|message| Error::Output {
        path: path.to_path_buf(),
        message,
    })
}

fn io_err(path: &Path) -> impl Fn(csv::Error) -> Error + '_ {
    move |source| Error::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// Fields of a run's rows, exactly as a single run writes them.
pub(crate) fn row_fields(rows: &[StepRow]) -> Result<Vec<csv::StringRecord>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::Internal(format!("time series: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("time series: {e}")))?;
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice())
        .records()
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Internal(format!("time series: {e}")))
}

/// Write a run's part: `R` (its `runs.csv` row), `S` (its `summary.csv` row)
/// and `T` (its `timeseries.csv` rows) records, in a file renamed into place.
fn write_part(
    plan: &Plan,
    parts: &Path,
    spec: &RunSpec,
    outcome: &std::result::Result<Vec<StepRow>, String>,
    wall: f64,
) -> Result<()> {
    let path = part_path(parts, spec.run_id);
    let tmp = tmp_path(&path);
    let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(BufWriter::new(file));
    let id = spec.run_id.to_string();
    let wall = format!("{wall:.3}");
    match outcome {
        Err(message) => {
            w.write_record(["R", &id, "failed", &wall, message])
                .map_err(io_err(&tmp))?;
        }
        Ok(rows) => {
            w.write_record(["R", &id, "ok", &wall, ""])
                .map_err(io_err(&tmp))?;
            let ids = plan.id_fields(spec);
            let records = row_fields(rows)?;
            let line = |tag: &str, r: &csv::StringRecord| -> Vec<String> {
                std::iter::once(tag.to_string())
                    .chain(ids.iter().cloned())
                    .chain(
                        plan.column_index
                            .iter()
                            .map(|&i| r.get(i).unwrap_or_default().to_string()),
                    )
                    .collect()
            };
            if let Some(last) = records.last() {
                w.write_record(line("S", last)).map_err(io_err(&tmp))?;
            }
            for (row, r) in rows.iter().zip(&records) {
                let kept = plan.years.as_ref().is_none_or(|y| y.contains(&row.year));
                if kept {
                    w.write_record(line("T", r)).map_err(io_err(&tmp))?;
                }
            }
        }
    }
    let file = w
        .into_inner()
        .map_err(|e| Error::io(&tmp, e.into_error()))?
        .into_inner()
        .map_err(|e| Error::io(&tmp, e.into_error()))?;
    file.sync_data().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

/// Run a plan (or one shard of it) into `opts.out`, resuming if asked.
/// Returns when every run is done (then the files are assembled) or when
/// `cancel` is set (then the folder can be resumed). A failed run is
/// recorded and the others go on; an I/O error stops the sweep.
pub fn run_sweep(
    plan: &Plan,
    opts: &SweepOptions,
    runner: &Runner<'_>,
    progress: &dyn SweepProgress,
    cancel: &AtomicBool,
) -> Result<SweepReport> {
    if let Some(s) = opts.shard
        && (s.count == 0 || s.index >= s.count)
    {
        return Err(Error::scenario(
            "--shard",
            "shard",
            format!(
                "{}/{} is out of range; allowed: I/N with 0 ≤ I < N",
                s.index, s.count
            ),
        ));
    }
    let out = &opts.out;
    let manifest = manifest_text(plan)?;
    if manifest.len() as u64 > crate::util::input::MAX_INPUT_BYTES {
        // `--resume` and `merge` read it back under the input cap.
        return Err(Error::scenario(
            plan.file.display().to_string(),
            "vary",
            "the plan is too large to record in manifest.json (over 1 MiB); list fewer values",
        ));
    }
    let shard = opts
        .shard
        .map(|s| shard_text(&s, plan.runs()))
        .transpose()?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let stale_removed = crate::output::remove_stale_partials(parent)?;
    prepare_folder(out, opts, &manifest, plan, shard.as_deref())?;
    let ids: Vec<u64> = (0..plan.runs())
        .filter(|id| opts.shard.is_none_or(|s| s.contains(*id)))
        .collect();
    let parts = out.join(PARTS);
    let runs = ids.len() as u64;
    if !parts.exists() && out.join(RUNS).exists() {
        // Already complete.
        let failed = count_failed(&out.join(RUNS))?;
        return Ok(SweepReport {
            folder: out.clone(),
            runs,
            ran: 0,
            resumed: runs,
            failed,
            complete: true,
            stale_removed,
        });
    }
    std::fs::create_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
    let done = done_runs(&parts)?;
    let pending: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| !done.contains(id))
        .collect();
    let resumed = runs - pending.len() as u64;
    progress.start(runs, resumed);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| Error::Internal(format!("thread pool: {e}")))?;
    let next = AtomicUsize::new(0);
    let ran = AtomicU64::new(0);
    let fatal: Mutex<Option<Error>> = Mutex::new(None);
    let stop = AtomicBool::new(false);
    let worker = || {
        loop {
            if cancel.load(Ordering::Relaxed) || stop.load(Ordering::Relaxed) {
                return;
            }
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&run_id) = pending.get(i) else {
                return;
            };
            let spec = plan.run(run_id);
            let started = Instant::now();
            let result = pool.install(|| {
                catch_unwind(AssertUnwindSafe(|| {
                    let resolved = plan.scenario(&spec)?;
                    runner(&spec, &resolved.scenario, cancel)
                }))
            });
            let outcome = match result {
                Ok(Ok(rows)) => Ok(rows),
                Ok(Err(Error::Cancelled { .. })) if cancel.load(Ordering::Relaxed) => return,
                Ok(Err(e)) => Err(one_line(&e.to_string())),
                Err(payload) => Err(format!("panicked: {}", one_line(&panic_text(&*payload)))),
            };
            let wall = started.elapsed().as_secs_f64();
            if let Err(e) = write_part(plan, &parts, &spec, &outcome, wall) {
                stop.store(true, Ordering::Relaxed);
                if let Ok(mut slot) = fatal.lock() {
                    slot.get_or_insert(e);
                }
                return;
            }
            ran.fetch_add(1, Ordering::Relaxed);
            progress.run_done(&spec, outcome.is_ok());
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
    let ran = ran.into_inner();
    if cancel.load(Ordering::Relaxed) && (resumed + ran) < runs {
        return Ok(SweepReport {
            folder: out.clone(),
            runs,
            ran,
            resumed,
            failed: 0,
            complete: false,
            stale_removed,
        });
    }
    let failed = assemble(plan, out, &ids)?;
    Ok(SweepReport {
        folder: out.clone(),
        runs,
        ran,
        resumed,
        failed,
        complete: true,
        stale_removed,
    })
}

fn prepare_folder(
    out: &Path,
    opts: &SweepOptions,
    manifest: &str,
    plan: &Plan,
    shard: Option<&str>,
) -> Result<()> {
    let refuse = |message: String| Error::Output {
        path: out.to_path_buf(),
        message,
    };
    if out.exists() {
        let fresh = out.is_dir() && is_fresh(out, plan)?;
        if opts.resume && !fresh {
            if !crate::util::input::holds(&out.join(MANIFEST), manifest.as_bytes()) {
                return Err(refuse(
                    "is not a sweep of this plan (its manifest.json differs: another plan, base scenario or program version); use another --out, or --force to start over".into(),
                ));
            }
            let same_shard = match shard {
                Some(text) => crate::util::input::holds(&out.join(SHARD), text.as_bytes()),
                None => !out.join(SHARD).exists(),
            };
            if !same_shard {
                return Err(refuse(
                    "holds another shard of this plan (shard.json differs); use the --shard it was started with, or another --out".into(),
                ));
            }
            return Ok(());
        }
        if !fresh {
            if !opts.force {
                return Err(refuse(
                    "already exists; pass --resume to continue the sweep, --force to start it over, or choose another --out".into(),
                ));
            }
            replace_folder(out)?;
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    write_atomic(&out.join(MANIFEST), manifest.as_bytes())?;
    write_design_file(plan, &out.join(DESIGN))?;
    if let Some(text) = shard {
        write_atomic(&out.join(SHARD), text.as_bytes())?;
    }
    Ok(())
}

/// Run ids whose part is written; stray temporary files are removed.
fn done_runs(parts: &Path) -> Result<BTreeSet<u64>> {
    let mut done = BTreeSet::new();
    for entry in std::fs::read_dir(parts).map_err(|e| Error::io(parts, e))? {
        let entry = entry.map_err(|e| Error::io(parts, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(id) = name
            .strip_suffix(".csv")
            .and_then(|n| n.parse::<u64>().ok())
        {
            done.insert(id);
        } else if name.ends_with(".tmp") {
            let p = entry.path();
            std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(done)
}

fn count_failed(runs: &Path) -> Result<u64> {
    let mut r = csv::Reader::from_reader(open_input(runs)?);
    let mut n = 0;
    for rec in r.byte_records() {
        let rec = rec.map_err(io_err(runs))?;
        if rec.get(1) != Some(b"ok") {
            n += 1;
        }
    }
    Ok(n)
}

/// One output file being assembled under a temporary name.
struct Assembled {
    path: PathBuf,
    tmp: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl Assembled {
    fn create<I, T>(out: &Path, name: &str, header: I) -> Result<Self>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let path = out.join(name);
        let tmp = tmp_path(&path);
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(BufWriter::new(file));
        writer.write_record(header).map_err(io_err(&tmp))?;
        Ok(Self { path, tmp, writer })
    }

    fn write<I, T>(&mut self, record: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.writer.write_record(record).map_err(io_err(&self.tmp))
    }

    /// Flush and sync; returns (temporary, final) paths for the rename.
    fn finish(self) -> Result<(PathBuf, PathBuf)> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?
            .into_inner()
            .map_err(|e| Error::io(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&self.tmp, e))?;
        Ok((self.tmp, self.path))
    }
}

/// Rename finished files into place, `runs.csv` last.
fn publish(files: Vec<Assembled>) -> Result<()> {
    let mut renames = Vec::new();
    for f in files {
        renames.push(f.finish()?);
    }
    for (tmp, path) in renames {
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}

fn output_files(plan: &Plan, out: &Path) -> Result<Vec<Assembled>> {
    let mut header = plan.id_header();
    header.extend(plan.columns.iter().cloned());
    Ok(vec![
        Assembled::create(out, TIMESERIES, &header)?,
        Assembled::create(out, SUMMARY, &header)?,
        Assembled::create(out, RUNS, RUNS_HEADER)?,
    ])
}

/// Concatenate the parts in run order into the output files, then remove
/// the parts. Returns the number of failed runs.
fn assemble(plan: &Plan, out: &Path, ids: &[u64]) -> Result<u64> {
    let parts = out.join(PARTS);
    let mut files = output_files(plan, out)?;
    let mut failed = 0;
    for &id in ids {
        let path = part_path(&parts, id);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(open_input(&path)?);
        for rec in r.byte_records() {
            let rec = rec.map_err(io_err(&path))?;
            let slot = match rec.get(0) {
                Some(b"T") => 0,
                Some(b"S") => 1,
                Some(b"R") => {
                    if rec.get(2) != Some(b"ok") {
                        failed += 1;
                    }
                    2
                }
                _ => {
                    return Err(Error::Output {
                        path,
                        message: "is not a part written by Proxima".into(),
                    });
                }
            };
            files[slot].write(rec.iter().skip(1))?;
        }
    }
    publish(files)?;
    std::fs::remove_dir_all(&parts).map_err(|e| Error::io(&parts, e))?;
    Ok(failed)
}

/// Outcome of [`merge`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeReport {
    pub folder: PathBuf,
    pub runs: u64,
    pub failed: u64,
    /// Partial folders of dead processes removed before the merge.
    pub stale_removed: Vec<crate::output::StalePartial>,
}

/// A shard folder being read for a merge.
struct ShardIn {
    dir: PathBuf,
    /// Headers of its time series, summary and runs files.
    heads: Vec<csv::ByteRecord>,
    readers: Vec<(PathBuf, csv::Reader<File>, Option<csv::ByteRecord>)>,
}

fn run_id_of(rec: &csv::ByteRecord) -> Option<u64> {
    std::str::from_utf8(rec.get(0)?).ok()?.parse().ok()
}

/// The shard of `dir`, a finished shard folder (it holds `finished` and no
/// `parts/`) made from the same plan as `first` (the same `manifest`).
pub(crate) fn same_plan_shard(
    dir: &Path,
    first: &Path,
    manifest: &[u8],
    finished: &str,
) -> Result<Shard> {
    let bad = |message: String| Error::Output {
        path: dir.to_path_buf(),
        message,
    };
    let read = |name: &str| -> Result<Vec<u8>> {
        let path = dir.join(name);
        crate::util::input::read_text(&path)
            .map(String::into_bytes)
            .map_err(|message| Error::Output { path, message })
    };
    if dir.join(PARTS).exists() || !dir.join(finished).exists() {
        return Err(bad(
            "is not a finished shard (resume it with --resume first)".into(),
        ));
    }
    if read(MANIFEST)? != manifest {
        return Err(bad(format!(
            "was not made from the same plan as {} (manifest.json differs)",
            first.display()
        )));
    }
    serde_json::from_slice::<serde_json::Value>(&read(SHARD)?)
        .ok()
        .and_then(|v| v.get("shard").cloned())
        .and_then(|s| serde_json::from_value(s).ok())
        .ok_or_else(|| bad("is not a shard (no readable shard.json)".into()))
}

/// Put finished shards of one plan back into one sweep folder, identical
/// byte for byte to the folder of the whole plan run at once.
pub fn merge(out: &Path, shard_dirs: &[PathBuf], force: bool) -> Result<MergeReport> {
    let bad = |dir: &Path, message: String| Error::Output {
        path: dir.to_path_buf(),
        message,
    };
    let Some(first) = shard_dirs.first() else {
        return Err(bad(out, "no shard folders to merge".into()));
    };
    // manifest.json and shard.json are read whole (at most 1 MiB each);
    // design.csv, as large as the design, is compared in chunks.
    let read = |dir: &Path, name: &str| -> Result<Vec<u8>> {
        let path = dir.join(name);
        crate::util::input::read_text(&path)
            .map(String::into_bytes)
            .map_err(|message| Error::Output { path, message })
    };
    let manifest = read(first, MANIFEST)?;
    let design = first.join(DESIGN);
    open_input(&design)?;
    let meta: serde_json::Value = serde_json::from_slice(&manifest)
        .map_err(|e| bad(first, format!("manifest.json is not readable: {e}")))?;
    if meta.get("kind").and_then(|k| k.as_str()) != Some("sweep") {
        return Err(bad(first, "is not a sweep folder (manifest.json)".into()));
    }
    let total = meta
        .get("runs")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| bad(first, "manifest.json has no run count".into()))?;
    let mut by_index: Vec<Option<ShardIn>> = Vec::new();
    let mut count = None;
    for dir in shard_dirs {
        let shard = same_plan_shard(dir, first, &manifest, RUNS)?;
        let same =
            crate::util::input::same_bytes(&dir.join(DESIGN), &design).map_err(|message| {
                Error::Output {
                    path: dir.join(DESIGN),
                    message,
                }
            })?;
        if !same {
            return Err(bad(
                dir,
                format!("has another design.csv than {}", first.display()),
            ));
        }
        match count {
            None => {
                count = Some(shard.count);
                by_index = (0..shard.count).map(|_| None).collect();
            }
            Some(c) if c != shard.count => {
                return Err(bad(
                    dir,
                    format!(
                        "is shard {}/{} but the others are out of {c}",
                        shard.index, shard.count
                    ),
                ));
            }
            Some(_) => {}
        }
        let slot = by_index
            .get_mut(shard.index as usize)
            .ok_or_else(|| bad(dir, "has a shard index out of range".into()))?;
        if let Some(other) = slot {
            return Err(bad(
                dir,
                format!(
                    "is shard {}/{}, like {}",
                    shard.index,
                    shard.count,
                    other.dir.display()
                ),
            ));
        }
        let mut readers = Vec::new();
        let mut heads = Vec::new();
        for name in [TIMESERIES, SUMMARY, RUNS] {
            let path = dir.join(name);
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(open_input(&path)?);
            let mut head = csv::ByteRecord::new();
            r.read_byte_record(&mut head).map_err(io_err(&path))?;
            let mut next = csv::ByteRecord::new();
            let has = r.read_byte_record(&mut next).map_err(io_err(&path))?;
            readers.push((path, r, has.then_some(next)));
            heads.push(head);
        }
        *slot = Some(ShardIn {
            dir: dir.clone(),
            heads,
            readers,
        });
    }
    let count = count.unwrap_or(1);
    let shards: Vec<ShardIn> = by_index
        .into_iter()
        .enumerate()
        .map(|(i, s)| s.ok_or_else(|| bad(out, format!("shard {i}/{count} is missing"))))
        .collect::<Result<_>>()?;

    let folder = crate::output::RunFolder::prepare(out, force)?;
    let stale_removed = folder.stale_removed().to_vec();
    let target = folder.path().to_path_buf();
    std::fs::write(folder.file(MANIFEST), &manifest)
        .map_err(|e| Error::io(folder.file(MANIFEST), e))?;
    std::fs::copy(&design, folder.file(DESIGN)).map_err(|e| Error::io(folder.file(DESIGN), e))?;
    let mut files = Vec::new();
    for (name, head) in [TIMESERIES, SUMMARY, RUNS].iter().zip(&shards[0].heads) {
        files.push(Assembled::create(&target, name, head)?);
    }
    let mut shards = shards;
    let mut failed = 0;
    for id in 0..total {
        let s = &mut shards[(id % count) as usize];
        for (slot, (path, reader, current)) in s.readers.iter_mut().enumerate() {
            let mut rows = 0;
            while let Some(rec) = current.take() {
                if run_id_of(&rec) != Some(id) {
                    *current = Some(rec);
                    break;
                }
                rows += 1;
                if slot == 2 && rec.get(1) != Some(b"ok") {
                    failed += 1;
                }
                files[slot].write(&rec)?;
                let mut next = csv::ByteRecord::new();
                if reader.read_byte_record(&mut next).map_err(io_err(path))? {
                    *current = Some(next);
                }
            }
            if slot == 2 && rows != 1 {
                return Err(bad(
                    path,
                    format!("has {rows} rows for run {id}; expected one"),
                ));
            }
        }
    }
    for s in &shards {
        for (path, _, current) in &s.readers {
            if current.is_some() {
                return Err(bad(
                    path,
                    "has rows of runs that are not in its shard, or out of order".into(),
                ));
            }
        }
    }
    publish(files)?;
    let folder = folder.commit()?;
    Ok(MergeReport {
        folder,
        runs: total,
        failed,
        stale_removed,
    })
}
