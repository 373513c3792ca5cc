//! Writing a run: a folder that appears whole or not at all.
//!
//! Files are written into a hidden sibling folder (`.NAME.partial-PID`) and
//! the folder is renamed into place only when the run has finished. A run
//! that fails or is cancelled removes its partial folder, so a run folder
//! on disk is always complete. An existing folder is only replaced when the
//! caller asks for it (`--force`), and only if it is empty or a previous
//! Proxima run.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::mechanisms::shocks::EventRow;
use crate::scenario::ResolvedScenario;
use crate::state::model::Model;
use crate::state::timings::Timings;
use crate::statistics::StepOutput;
use crate::statistics::exchanges::{ExchangeRow, exchange_rows};
use crate::statistics::firms::{FirmRow, firm_rows};
use crate::statistics::network::{NodeRow, TieRow};
use crate::statistics::resilience::{self, ResilienceRow};

/// A run folder being written.
pub struct RunFolder {
    target: PathBuf,
    partial: PathBuf,
    force: bool,
    committed: bool,
    stale_removed: Vec<StalePartial>,
}

impl RunFolder {
    /// Check that `target` may be written and create the partial folder.
    /// Partial folders left in the same parent by processes that no longer
    /// run (killed by SIGKILL, or a crash) are removed first; see
    /// [`Self::stale_removed`].
    pub fn prepare(target: &Path, force: bool) -> Result<Self> {
        check_replaceable(target, force)?;
        let name = target
            .file_name()
            .ok_or_else(|| Error::Output {
                path: target.to_path_buf(),
                message: "is not a folder name".into(),
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let stale_removed = remove_stale_partials(&parent)?;
        let partial = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(|e| Error::io(&partial, e))?;
        }
        std::fs::create_dir(&partial).map_err(|e| Error::io(&partial, e))?;
        Ok(Self {
            target: target.to_path_buf(),
            partial,
            force,
            committed: false,
            stale_removed,
        })
    }

    /// Stale partial folders (with the process id that left each) that
    /// [`Self::prepare`] removed.
    pub fn stale_removed(&self) -> &[StalePartial] {
        &self.stale_removed
    }

    /// The folder being written (renamed into place by [`Self::commit`]).
    pub fn path(&self) -> &Path {
        &self.partial
    }

    /// Path of a file inside the folder being written.
    pub fn file(&self, name: &str) -> PathBuf {
        self.partial.join(name)
    }

    /// Write `manifest.json` (pretty JSON and a final newline).
    pub fn write_manifest<T: Serialize>(&self, manifest: &T) -> Result<()> {
        let path = self.file("manifest.json");
        let text = serde_json::to_string_pretty(manifest)
            .map_err(|e| Error::Internal(format!("manifest: {e}")))?;
        std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, e))
    }

    /// Move the finished folder into place. An existing target (allowed
    /// by `force`) is swapped with the new folder in one atomic step, so
    /// that at every instant the target holds a complete output, the old
    /// or the new; the old one is then removed.
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.target.exists() {
            check_replaceable(&self.target, self.force)?;
            exchange(&self.partial, &self.target).map_err(|e| Error::io(&self.target, e))?;
            // The partial path now holds the old output: a crash before it
            // is gone leaves a stale partial folder that the next run in
            // this parent removes.
            self.committed = true;
            std::fs::remove_dir_all(&self.partial).map_err(|e| Error::io(&self.partial, e))?;
        } else {
            std::fs::rename(&self.partial, &self.target).map_err(|e| Error::io(&self.target, e))?;
            self.committed = true;
        }
        Ok(self.target.clone())
    }
}

/// Swap two existing paths atomically (Linux `renameat2` with
/// `RENAME_EXCHANGE`). Where the system or file system cannot, the old
/// target is first renamed aside to `new`'s sibling and the new folder
/// renamed in: the target is then missing for the time between two
/// renames, and the old output is never lost.
fn exchange(new: &Path, target: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let a = std::ffi::CString::new(new.as_os_str().as_bytes())?;
        let b = std::ffi::CString::new(target.as_os_str().as_bytes())?;
        // SAFETY: both are valid NUL-terminated paths that live across the
        // call; the call only renames.
        let r = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
            return Err(e);
        }
    }
    let aside = new.with_file_name(format!(
        "{}.old",
        new.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::rename(target, &aside)?;
    if let Err(e) = std::fs::rename(new, target) {
        let _ = std::fs::rename(&aside, target);
        return Err(e);
    }
    std::fs::rename(&aside, new)
}

/// Write serialisable rows as a CSV file (header from the first row),
/// whole or not at all; an existing file is only replaced with `force`.
pub fn write_rows_csv<T: serde::Serialize>(rows: &[T], path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::Output {
            path: path.to_path_buf(),
            message: "already exists; pass --force to replace it, or choose another --out".into(),
        });
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|source| Error::Csv {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
    write_atomic(path, &bytes)
}

/// Write a file whole or not at all: a temporary sibling (`.NAME.tmp`),
/// synced, renamed into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    let mut f = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
    f.write_all(bytes).map_err(|e| Error::io(&tmp, e))?;
    f.sync_all().map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// A partial folder left by a process that no longer runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StalePartial {
    pub path: PathBuf,
    pub pid: u32,
}

/// The process id in the name of a partial folder, `.NAME.partial-PID`
/// (or its `.old` sibling during a replacement).
fn partial_pid(name: &str) -> Option<u32> {
    if !name.starts_with('.') {
        return None;
    }
    let name = name.strip_suffix(".old").unwrap_or(name);
    let (_, pid) = name.rsplit_once(".partial-")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this id runs (on systems where this cannot be
/// told, every process is taken to run, so nothing is removed).
fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Remove the partial folders in `parent` whose process no longer runs:
/// what a run or merge killed by SIGKILL, or a crash during a
/// replacement, left behind. Returns what was removed.
pub fn remove_stale_partials(parent: &Path) -> Result<Vec<StalePartial>> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(removed);
    };
    let mut stale: Vec<(PathBuf, u32)> = entries
        .flatten()
        .filter_map(|e| {
            let pid = partial_pid(&e.file_name().to_string_lossy())?;
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            (is_dir && pid != std::process::id() && !process_runs(pid)).then(|| (e.path(), pid))
        })
        .collect();
    stale.sort();
    for (path, pid) in stale {
        match std::fs::remove_dir_all(&path) {
            Ok(()) => removed.push(StalePartial { path, pid }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(removed)
}

/// Whether an output folder may be (re)written: it does not exist, or
/// `force` is given and it is an empty folder or a previous Proxima run
/// (it has a `manifest.json` written by Proxima). Anything else is refused,
/// so that `--force` can never delete unrelated files.
pub fn check_replaceable(target: &Path, force: bool) -> Result<()> {
    if !target.exists() {
        return Ok(());
    }
    let refuse = |message: &str| {
        Err(Error::Output {
            path: target.to_path_buf(),
            message: message.into(),
        })
    };
    if !force {
        return refuse("already exists; choose another --out or pass --force to replace it");
    }
    if !target.is_dir() {
        return refuse("exists and is not a folder; refusing to replace it, even with --force");
    }
    let empty = std::fs::read_dir(target)
        .map_err(|e| Error::io(target, e))?
        .next()
        .is_none();
    if empty || is_proxima_manifest(&target.join("manifest.json")) {
        Ok(())
    } else {
        refuse(
            "is not a Proxima run folder (no manifest.json); refusing to replace it, even with --force",
        )
    }
}

/// Whether `path` is a regular file starting like a manifest written by
/// Proxima (its first field names the program; only the head is read).
fn is_proxima_manifest(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = crate::util::input::open_regular(path) else {
        return false;
    };
    let mut head = Vec::new();
    file.take(4096).read_to_end(&mut head).is_ok()
        && String::from_utf8_lossy(&head).contains("\"program\": \"proxima\"")
}

impl Drop for RunFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.partial);
        }
    }
}

/// Copy a finished run or sweep folder to `target`, with the guarantees
/// of a run: the copy appears whole or not at all, and an existing
/// `target` is replaced only with `force` (and only if Proxima wrote it).
/// The files are those the run wrote, byte for byte; sub-folders (such as
/// `figures/`) are copied too.
pub fn copy_run(source: &Path, target: &Path, force: bool) -> Result<PathBuf> {
    if !source.join("manifest.json").is_file() {
        return Err(Error::Output {
            path: source.to_path_buf(),
            message: "is not a finished run folder (it has no manifest.json)".into(),
        });
    }
    let folder = RunFolder::prepare(target, force)?;
    copy_tree(source, folder.path())?;
    folder.commit()
}

/// Copy the files and folders of `from` into the existing folder `to`.
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(from)
        .map_err(|e| Error::io(from, e))?
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io(from, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            // A partial folder of figures being drawn, or a temporary file.
            continue;
        }
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(|e| Error::io(&src, e))?;
        if kind.is_dir() {
            std::fs::create_dir(&dst).map_err(|e| Error::io(&dst, e))?;
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        }
    }
    Ok(())
}

/// A CSV file of serialisable rows whose numbers must all be finite.
pub struct CsvSink {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
}

impl CsvSink {
    /// Create the file.
    pub fn create(path: PathBuf) -> Result<Self> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let writer = csv::Writer::from_writer(BufWriter::new(file));
        Ok(Self { path, writer })
    }

    /// Create the file for rows of type `T` and write its header at once, so
    /// that a file without rows still has its header.
    pub fn with_header<T: Columns>(path: PathBuf) -> Result<Self> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(BufWriter::new(file));
        let mut sink = Self { path, writer };
        sink.write_header(T::COLUMNS)?;
        Ok(sink)
    }

    /// Append a row (the header is written before the first).
    pub fn write<T: Serialize>(&mut self, row: &T) -> Result<()> {
        if let Some(name) = non_finite_field(row) {
            return Err(Error::Internal(format!(
                "{}: column `{name}` is not a finite number",
                self.path.display()
            )));
        }
        self.writer.serialize(row).map_err(|source| Error::Csv {
            path: self.path.clone(),
            source,
        })
    }

    /// Append a row whose `None` fields are written empty; its numbers
    /// must be finite (checked in debug builds by the caller's tests).
    pub fn write_with_gaps<T: Serialize>(&mut self, row: &T) -> Result<()> {
        self.writer.serialize(row).map_err(|source| Error::Csv {
            path: self.path.clone(),
            source,
        })
    }

    /// Write only a header (for a file that has no rows).
    pub fn write_header(&mut self, columns: &[&str]) -> Result<()> {
        self.writer
            .write_record(columns)
            .map_err(|source| Error::Csv {
                path: self.path.clone(),
                source,
            })
    }

    /// Flush to disk.
    pub fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|e| Error::io(&self.path, e))?;
        let inner = self
            .writer
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?;
        inner
            .into_inner()
            .map_err(|e| Error::io(&self.path, e.into_error()))?
            .sync_all()
            .map_err(|e| Error::io(&self.path, e))
    }
}

/// Name of the first float field of `row` that is NaN or infinite.
fn non_finite_field<T: Serialize>(row: &T) -> Option<String> {
    match serde_json::to_value(row) {
        Ok(serde_json::Value::Object(map)) => map
            .iter()
            .find(|(_, v)| v.is_null())
            .map(|(k, _)| k.clone()),
        _ => None,
    }
}

/// Rows whose CSV header is known before any row is written.
pub trait Columns: Serialize {
    /// Column names, in field order.
    const COLUMNS: &'static [&'static str];
}

impl Columns for ExchangeRow {
    const COLUMNS: &'static [&'static str] = &[
        "step",
        "year",
        "from_firm",
        "to_firm",
        "material",
        "tonnes",
        "from_label",
        "to_label",
        "from_sector",
        "to_sector",
        "distance_km",
    ];
}

impl Columns for FirmRow {
    const COLUMNS: &'static [&'static str] = &[
        "year",
        "firm_id",
        "label",
        "sector",
        "region",
        "employees",
        "output",
        "water_use",
        "virgin_resource_use",
        "waste_generated",
        "waste_reused",
        "exchanged_tonnes",
        "ownership",
        "cluster_member",
        "partners",
        "productivity",
    ];
}

impl Columns for TieRow {
    const COLUMNS: &'static [&'static str] = &[
        "year",
        "from_firm",
        "to_firm",
        "origin",
        "km",
        "cognitive_distance",
        "organised",
        "age",
        "knowledge_gain",
        "strength",
    ];
}

impl Columns for NodeRow {
    const COLUMNS: &'static [&'static str] = &[
        "year",
        "firm_id",
        "enterprise",
        "sector",
        "region",
        "x_km",
        "y_km",
        "employees",
        "cluster_member",
        "kind",
    ];
}

impl Columns for EventRow {
    const COLUMNS: &'static [&'static str] = &["step", "year", "kind", "subject", "value"];
}

impl Columns for ResilienceRow {
    const COLUMNS: &'static [&'static str] = &[
        "year",
        "kind",
        "subject",
        "indicator",
        "before",
        "trough",
        "trough_year",
        "loss",
        "recovered",
        "recovery_years",
    ];
}

/// What the caller may observe while a run goes.
pub trait Progress {
    /// Called after each step with the number of steps done and the year.
    fn step_done(&mut self, done: u32, total: u32, year: i64);
}

impl Progress for () {
    fn step_done(&mut self, _: u32, _: u32, _: i64) {}
}

/// Outcome of a finished run.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub folder: PathBuf,
    pub steps: u32,
    pub wall_seconds: f64,
    /// Seconds spent building the initial population.
    pub setup_seconds: f64,
    /// Seconds per phase of the step, summed over steps.
    pub timings: Timings,
    /// Seconds spent writing the output files.
    pub output_seconds: f64,
    /// Partial folders of dead processes removed before the run.
    pub stale_removed: Vec<StalePartial>,
}

/// Options of a run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub out: PathBuf,
    pub force: bool,
    /// Threads of the pool the caller runs the model in (recorded in the manifest).
    pub threads: usize,
    /// The `--set` options as given, for the manifest.
    pub overrides: Vec<String>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    program: &'static str,
    version: &'static str,
    scenario_file: String,
    extends_chain: Vec<String>,
    overrides: &'a [String],
    set_by: &'a std::collections::BTreeMap<String, String>,
    seed: i64,
    threads: usize,
    steps: u32,
    wall_seconds: f64,
    setup_seconds: f64,
    phase_seconds: &'a Timings,
    output_seconds: f64,
    files: Vec<String>,
    /// The calendar trends and how each continues past its last year.
    trends: Vec<crate::scenario::trends::Trend>,
    /// Regimes, shocks, firms and snapshots dated after the run's end.
    after_the_run: Vec<crate::scenario::AfterTheRun>,
    scenario: &'a crate::Scenario,
}

/// `ties.csv`, `nodes.csv` and a GraphML file per snapshot year, written
/// year by year (one year's network in memory at a time).
struct NetworkSinks {
    years: Vec<i64>,
    ties: CsvSink,
    nodes: CsvSink,
    graphs: Vec<String>,
}

impl NetworkSinks {
    /// The sinks, if any snapshot year is asked for.
    fn open(folder: &RunFolder, years: &[i64]) -> Result<Option<Self>> {
        if years.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            years: years.to_vec(),
            ties: CsvSink::with_header::<TieRow>(folder.file("ties.csv"))?,
            nodes: CsvSink::with_header::<NodeRow>(folder.file("nodes.csv"))?,
            graphs: Vec::new(),
        }))
    }

    /// Write the network of `year` if it is a snapshot year (and not
    /// written yet: a year is listed once however often it is given).
    fn snapshot(&mut self, folder: &RunFolder, model: &Model, year: i64) -> Result<()> {
        let name = format!("network_{year}.graphml");
        if !self.years.contains(&year) || self.graphs.contains(&name) {
            return Ok(());
        }
        let (nodes, ties) = crate::statistics::network::snapshot(model, &model.last_kernel(), year);
        for n in &nodes {
            self.nodes.write_with_gaps(n)?;
        }
        for t in &ties {
            self.ties.write_with_gaps(t)?;
        }
        let path = folder.file(&name);
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let mut out = BufWriter::new(file);
        crate::statistics::network::write_graphml(&mut out, &nodes, &ties)
            .and_then(|()| std::io::Write::flush(&mut out))
            .map_err(|e| Error::io(&path, e))?;
        self.graphs.push(name);
        Ok(())
    }

    /// Flush the CSV files; the names of the files written.
    fn finish(self) -> Result<Vec<String>> {
        self.ties.finish()?;
        self.nodes.finish()?;
        let mut files = vec!["ties.csv".to_string(), "nodes.csv".to_string()];
        files.extend(self.graphs);
        Ok(files)
    }
}

/// Simulate a resolved scenario and write its folder. Checks `cancel`
/// between steps; a cancelled or failed run leaves nothing behind.
pub fn run_to_folder(
    resolved: &ResolvedScenario,
    opts: &RunOptions,
    progress: &mut dyn Progress,
    cancel: &AtomicBool,
) -> Result<RunSummary> {
    let started = Instant::now();
    let folder = RunFolder::prepare(&opts.out, opts.force)?;
    let stale_removed = folder.stale_removed().to_vec();
    let scenario = &resolved.scenario;
    let mut model = Model::new(scenario.clone())?;
    let setup_seconds = started.elapsed().as_secs_f64();
    let mut series = CsvSink::create(folder.file("timeseries.csv"))?;
    let mut regions = if scenario.output.regions {
        Some(CsvSink::create(folder.file("regions.csv"))?)
    } else {
        None
    };
    let mut sectors = if scenario.output.sectors {
        Some(CsvSink::create(folder.file("sectors.csv"))?)
    } else {
        None
    };
    let mut exchanges = if scenario.output.exchanges {
        Some(CsvSink::with_header::<ExchangeRow>(
            folder.file("exchanges.csv"),
        )?)
    } else {
        None
    };
    let snapshots = &scenario.output.firm_snapshot_years;
    let mut firms = if snapshots.is_empty() {
        None
    } else {
        Some(CsvSink::create(folder.file("firms.csv"))?)
    };
    let mut network = NetworkSinks::open(&folder, &scenario.output.network_snapshot_years)?;
    let mut events = CsvSink::with_header::<EventRow>(folder.file("events.csv"))?;
    let mut log = Vec::new();
    let mut indicators = Vec::new();
    let total = model.total_steps();
    let spy = scenario.run.steps_per_year as u32;
    let mut output_seconds = 0.0;
    while !model.is_done() {
        if cancel.load(Ordering::Relaxed) {
            return Err(Error::Cancelled {
                step: model.steps_done(),
            });
        }
        let StepOutput {
            row,
            regions: rows,
            sectors: sector_rows,
            events: shocks,
        } = model.step()?;
        let writing = Instant::now();
        series.write(&row)?;
        if let Some(sink) = regions.as_mut() {
            for r in &rows {
                sink.write(r)?;
            }
        }
        if let Some(sink) = sectors.as_mut() {
            for r in &sector_rows {
                sink.write(r)?;
            }
        }
        if let Some(sink) = exchanges.as_mut() {
            for r in exchange_rows(&model, row.step, row.year) {
                sink.write(&r)?;
            }
        }
        let last_of_year = (row.step + 1).is_multiple_of(spy);
        if let Some(sink) = firms.as_mut()
            && last_of_year
            && snapshots.contains(&row.year)
        {
            for r in firm_rows(&model, row.year) {
                sink.write(&r)?;
            }
        }
        if let Some(sinks) = network.as_mut()
            && last_of_year
        {
            sinks.snapshot(&folder, &model, row.year)?;
        }
        for e in &shocks {
            events.write(e)?;
        }
        log.extend(shocks);
        indicators.push((
            row.step,
            row.year,
            vec![row.exchanged_tonnes, row.employment as f64],
        ));
        output_seconds += writing.elapsed().as_secs_f64();
        progress.step_done(model.steps_done(), total, row.year);
    }
    let writing = Instant::now();
    series.finish()?;
    let mut files: Vec<String> = vec!["timeseries.csv".into()];
    if let Some(sink) = regions {
        sink.finish()?;
        files.push("regions.csv".into());
    }
    if let Some(sink) = sectors {
        sink.finish()?;
        files.push("sectors.csv".into());
    }
    if let Some(sink) = exchanges {
        sink.finish()?;
        files.push("exchanges.csv".into());
    }
    if let Some(sink) = firms {
        sink.finish()?;
        files.push("firms.csv".into());
    }
    if let Some(sinks) = network {
        files.extend(sinks.finish()?);
    }
    events.finish()?;
    files.push("events.csv".into());
    let mut resilience = CsvSink::with_header::<ResilienceRow>(folder.file("resilience.csv"))?;
    let rows = resilience::resilience(&log, &indicators, &["exchanged_tonnes", "employment"]);
    for r in &rows {
        resilience.write(r)?;
    }
    resilience.finish()?;
    files.push("resilience.csv".into());
    output_seconds += writing.elapsed().as_secs_f64();
    files.push("manifest.json".into());
    let wall_seconds = started.elapsed().as_secs_f64();
    let manifest = Manifest {
        program: "proxima",
        version: env!("CARGO_PKG_VERSION"),
        scenario_file: resolved.source.display().to_string(),
        extends_chain: resolved
            .files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        overrides: &opts.overrides,
        set_by: &resolved.origins,
        seed: scenario.run.seed,
        threads: opts.threads,
        steps: total,
        wall_seconds,
        setup_seconds,
        phase_seconds: model.timings(),
        output_seconds,
        files,
        trends: crate::scenario::trends::trends(scenario),
        after_the_run: scenario.after_the_run(),
        scenario,
    };
    folder.write_manifest(&manifest)?;
    let folder = folder.commit()?;
    Ok(RunSummary {
        folder,
        steps: total,
        wall_seconds,
        setup_seconds,
        timings: model.timings().clone(),
        output_seconds,
        stale_removed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The declared columns are the serialised field names.
    fn header_of<T: Columns>(row: &T) -> Vec<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        text.lines()
            .next()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect()
    }

    #[test]
    fn declared_columns_match_fields() {
        let e = EventRow {
            step: 0,
            year: 0,
            kind: String::new(),
            subject: String::new(),
            value: 0.0,
        };
        assert_eq!(header_of(&e), EventRow::COLUMNS);
        let r = ResilienceRow {
            year: 0,
            kind: String::new(),
            subject: String::new(),
            indicator: String::new(),
            before: 0.0,
            trough: 0.0,
            trough_year: 0,
            loss: 0.0,
            recovered: false,
            recovery_years: 0,
        };
        assert_eq!(header_of(&r), ResilienceRow::COLUMNS);
        let x = ExchangeRow {
            step: 0,
            year: 0,
            from_firm: 0,
            to_firm: 0,
            material: "water",
            tonnes: 0.0,
            from_label: String::new(),
            to_label: String::new(),
            from_sector: "energy",
            to_sector: "energy",
            distance_km: 0.0,
        };
        assert_eq!(header_of(&x), ExchangeRow::COLUMNS);
        let f = FirmRow {
            year: 0,
            firm_id: 0,
            label: String::new(),
            sector: "energy",
            region: String::new(),
            employees: 0,
            output: 0.0,
            water_use: 0.0,
            virgin_resource_use: 0.0,
            waste_generated: 0.0,
            waste_reused: 0.0,
            exchanged_tonnes: 0.0,
            ownership: "independent",
            cluster_member: false,
            partners: 0,
            productivity: 0.0,
        };
        assert_eq!(header_of(&f), FirmRow::COLUMNS);
        let t = TieRow {
            year: 0,
            from_firm: 0,
            to_firm: String::new(),
            origin: "spatial",
            km: 0.0,
            cognitive_distance: None,
            organised: None,
            age: None,
            knowledge_gain: None,
            strength: None,
        };
        assert_eq!(header_of(&t), TieRow::COLUMNS);
        let n = NodeRow {
            year: 0,
            firm_id: String::new(),
            enterprise: None,
            sector: "",
            region: String::new(),
            x_km: 0.0,
            y_km: 0.0,
            employees: None,
            cluster_member: false,
            kind: "firm",
        };
        assert_eq!(header_of(&n), NodeRow::COLUMNS);
    }
}
