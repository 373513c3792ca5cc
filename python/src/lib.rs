//! `proxima._native`: the Rust side of the Python package. Each function
//! takes what the command line takes, calls the library the command line
//! calls, and returns plain Python values; `proxima/__init__.py` turns
//! them into DataFrames and result objects.
//!
//! Runs and sweeps go on in a thread of their own with the GIL released.
//! This thread waits for their progress, and after each step (or run, or
//! at least every 100 ms) takes the GIL back briefly to update the
//! progress bar and check for signals: Ctrl-C (KeyboardInterrupt) sets the
//! library's cancel flag, the run stops between two steps and leaves
//! nothing behind, and the KeyboardInterrupt is raised.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use proxima::output::{Progress, RunOptions, run_to_folder};
use proxima::plot::{PlotOptions, plot as draw};
use proxima::scenario::{self, Override};
use proxima::sweep::{Plan, RunSpec, SweepOptions, SweepProgress};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

create_exception!(
    _native,
    ProximaError,
    PyException,
    "An error of Proxima; its message is the command line's one line."
);
create_exception!(
    _native,
    InputError,
    ProximaError,
    "Bad input (scenario, plan, option or folder): the command line's exit code 2."
);
create_exception!(
    _native,
    RunError,
    ProximaError,
    "A run or sweep failed (the command line's exit code 1)."
);

/// The library's error as a Python exception with the same one line.
fn py_error(e: proxima::Error) -> PyErr {
    let message = e.to_string();
    match e {
        proxima::Error::Scenario { .. }
        | proxima::Error::ScenarioFile { .. }
        | proxima::Error::Output { .. } => InputError::new_err(message),
        _ => RunError::new_err(message),
    }
}

/// What the worker thread reports.
enum Event {
    /// Progress: done of total, and a note (the year, or failed runs).
    Tick(u64, u64, String),
}

/// A step of a run, sent to the waiting thread.
struct StepSender(Sender<Event>);

impl Progress for StepSender {
    fn step_done(&mut self, done: u32, total: u32, year: i64) {
        let _ = self
            .0
            .send(Event::Tick(done.into(), total.into(), year.to_string()));
    }
}

/// A run of a sweep, sent to the waiting thread.
struct RunSender {
    tx: Mutex<Sender<Event>>,
    runs: std::sync::atomic::AtomicU64,
    done: std::sync::atomic::AtomicU64,
    failed: std::sync::atomic::AtomicU64,
}

impl RunSender {
    fn send(&self) {
        let note = format!("{} failed", self.failed.load(Ordering::Relaxed));
        let event = Event::Tick(
            self.done.load(Ordering::Relaxed),
            self.runs.load(Ordering::Relaxed),
            note,
        );
        if let Ok(tx) = self.tx.lock() {
            let _ = tx.send(event);
        }
    }
}

impl SweepProgress for RunSender {
    fn start(&self, runs: u64, done: u64) {
        self.runs.store(runs, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
        self.send();
    }

    fn run_done(&self, _spec: &RunSpec, ok: bool) {
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
        self.done.fetch_add(1, Ordering::Relaxed);
        self.send();
    }
}

/// Run `work` in a thread of its own with the GIL released; meanwhile wait
/// for its events, and between them (at least every 100 ms) take the GIL
/// to call `progress(done, total, note)` and check for signals. A signal's
/// exception (KeyboardInterrupt) sets `cancel`, waits for `work` to stop
/// and is raised.
fn drive<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    cancel: &AtomicBool,
    work: impl FnOnce(Sender<Event>) -> T + Send,
) -> PyResult<T> {
    let (tx, rx): (Sender<Event>, Receiver<Event>) = channel();
    // Shared with the GIL-free waits (a receiver is not `Sync`).
    let rx = Mutex::new(rx);
    let mut interrupted: Option<PyErr> = None;
    let outcome = std::thread::scope(|s| -> PyResult<T> {
        let handle = s.spawn(move || work(tx));
        loop {
            let event = py.detach(|| match rx.lock() {
                Ok(rx) => rx.recv_timeout(Duration::from_millis(100)),
                Err(_) => Err(RecvTimeoutError::Disconnected),
            });
            match event {
                Ok(Event::Tick(done, total, note)) => {
                    if let (Some(p), None) = (progress, &interrupted)
                        && let Err(e) = p.call1((done, total, note))
                    {
                        cancel.store(true, Ordering::Relaxed);
                        interrupted = Some(e);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if interrupted.is_none()
                && let Err(e) = py.check_signals()
            {
                cancel.store(true, Ordering::Relaxed);
                interrupted = Some(e);
            }
        }
        py.detach(move || handle.join())
            .map_err(|_| RunError::new_err("internal error: the run's thread panicked"))
    });
    match interrupted {
        Some(e) => Err(e),
        None => outcome,
    }
}

/// The `--set` strings and the seed as overrides.
fn overrides(set: &[String], seed: Option<u64>) -> PyResult<Vec<Override>> {
    let mut out: Vec<Override> = set
        .iter()
        .map(|s| scenario::parse_override(s))
        .collect::<Result<_, _>>()
        .map_err(py_error)?;
    if let Some(seed) = seed {
        out.push(scenario::seed_override(seed).map_err(py_error)?);
    }
    Ok(out)
}

/// Threads of a run: all cores if not given.
fn thread_count(name: &str, threads: Option<usize>) -> PyResult<usize> {
    match threads {
        Some(0) => Err(InputError::new_err(format!(
            "--{name}: {name}: 0 is out of range; allowed: 1 or more"
        ))),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)),
    }
}

/// A pool of `threads` workers.
fn pool(threads: usize) -> PyResult<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| RunError::new_err(format!("internal error: thread pool: {e}")))
}

/// Simulate a scenario into the folder `out`, as `proxima run`; returns
/// `{folder, steps, wall_seconds, threads, notes}` (the notes the command
/// line prints before a run).
#[pyfunction]
#[pyo3(signature = (scenario, out, set=Vec::new(), seed=None, threads=None, force=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    scenario: PathBuf,
    out: PathBuf,
    set: Vec<String>,
    seed: Option<u64>,
    threads: Option<usize>,
    force: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let o = overrides(&set, seed)?;
    let resolved = scenario::load(&scenario, &o).map_err(py_error)?;
    proxima::output::check_replaceable(&out, force).map_err(py_error)?;
    let threads = thread_count("threads", threads)?;
    let pool = pool(threads)?;
    let opts = RunOptions {
        out,
        force,
        threads,
        overrides: set,
    };
    // What the command line notes before a run (unless quiet).
    let mut notes: Vec<String> = proxima::scenario::trends::note(&resolved.scenario)
        .into_iter()
        .collect();
    let late = resolved.scenario.after_the_run_text();
    if !late.is_empty() {
        notes.push(format!("note: {}", late.trim_start_matches("; ")));
    }
    let cancel = AtomicBool::new(false);
    let result = drive(py, progress.as_ref(), &cancel, |tx| {
        pool.install(|| run_to_folder(&resolved, &opts, &mut StepSender(tx), &cancel))
    })?;
    let summary = result.map_err(py_error)?;
    let d = PyDict::new(py);
    d.set_item("folder", summary.folder)?;
    d.set_item("steps", summary.steps)?;
    d.set_item("wall_seconds", summary.wall_seconds)?;
    d.set_item("threads", threads)?;
    d.set_item("notes", notes)?;
    Ok(d)
}

/// Check a scenario without running it, as `proxima validate`; returns
/// what it would run.
#[pyfunction]
#[pyo3(signature = (scenario, set=Vec::new()))]
fn validate<'py>(
    py: Python<'py>,
    scenario: PathBuf,
    set: Vec<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let o = overrides(&set, None)?;
    let r = scenario::load(&scenario, &o).map_err(py_error)?;
    let s = &r.scenario;
    let d = PyDict::new(py);
    d.set_item("scenario", scenario.display().to_string())?;
    d.set_item("start_year", s.run.start_year)?;
    d.set_item("end_year", s.run.end_year)?;
    d.set_item("seed", s.run.seed)?;
    d.set_item("firms", s.population.firms)?;
    d.set_item("citizens", s.population.citizens)?;
    d.set_item("regions", s.territory.regions)?;
    d.set_item("peak_memory_bytes", proxima::memory::estimate(s).bytes)?;
    let late = PyList::empty(py);
    for a in s.after_the_run() {
        let item = PyDict::new(py);
        item.set_item("key", a.key)?;
        item.set_item("year", a.year)?;
        late.append(item)?;
    }
    d.set_item("after_the_run", late)?;
    Ok(d)
}

/// Every parameter as the JSON of `proxima params --format json`.
#[pyfunction]
fn params_json() -> PyResult<String> {
    let defaults = scenario::defaults_value().map_err(py_error)?;
    scenario::params::json(&defaults).map_err(py_error)
}

/// Run a plan into the folder `out`, as `proxima sweep`; returns the
/// report `{folder, runs, ran, resumed, failed}`.
#[pyfunction]
#[pyo3(signature = (plan, out, jobs=None, threads=None, resume=false, force=false, progress=None))]
#[allow(clippy::too_many_arguments)]
fn sweep<'py>(
    py: Python<'py>,
    plan: PathBuf,
    out: PathBuf,
    jobs: Option<usize>,
    threads: Option<usize>,
    resume: bool,
    force: bool,
    progress: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let jobs = thread_count("jobs", jobs)?;
    let threads = thread_count("threads", threads)?;
    let plan = Plan::load(&plan).map_err(py_error)?;
    let opts = SweepOptions {
        out,
        jobs,
        threads,
        shard: None,
        resume,
        force,
    };
    let cancel = AtomicBool::new(false);
    let result = drive(py, progress.as_ref(), &cancel, |tx| {
        let sender = RunSender {
            tx: Mutex::new(tx),
            runs: plan.runs().into(),
            done: 0.into(),
            failed: 0.into(),
        };
        proxima::sweep::run_sweep(&plan, &opts, &proxima::sweep::simulate, &sender, &cancel)
    })?;
    let report = result.map_err(py_error)?;
    if !report.complete {
        // Cancelled without a signal seen here (cannot happen but by a race).
        return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(format!(
            "stopped: {} of {} runs are saved in {}; continue with resume=True",
            report.resumed + report.ran,
            report.runs,
            report.folder.display()
        )));
    }
    let d = PyDict::new(py);
    d.set_item("folder", report.folder)?;
    d.set_item("runs", report.runs)?;
    d.set_item("ran", report.ran)?;
    d.set_item("resumed", report.resumed)?;
    d.set_item("failed", report.failed)?;
    Ok(d)
}

/// Draw the figures of a run or sweep folder, as `proxima plot`; returns
/// `{folder, figures: [{file, title, caption}], notes}`.
#[pyfunction]
#[pyo3(signature = (run_dir, out=None, force=false, map_column=None, map_year=None, network_year=None))]
fn plot<'py>(
    py: Python<'py>,
    run_dir: PathBuf,
    out: Option<PathBuf>,
    force: bool,
    map_column: Option<String>,
    map_year: Option<i64>,
    network_year: Option<i64>,
) -> PyResult<Bound<'py, PyDict>> {
    let opts = PlotOptions {
        out,
        force,
        map_column,
        map_year,
        network_year,
    };
    let report = py.detach(|| draw(&run_dir, &opts)).map_err(py_error)?;
    let figures = PyList::empty(py);
    for f in &report.figures {
        let item = PyDict::new(py);
        item.set_item("file", &f.file)?;
        item.set_item("title", &f.title)?;
        item.set_item("caption", &f.caption)?;
        figures.append(item)?;
    }
    let d = PyDict::new(py);
    d.set_item("folder", report.folder)?;
    d.set_item("figures", figures)?;
    d.set_item("notes", report.notes)?;
    Ok(d)
}

/// Copy a finished run or sweep folder to `target` (whole or not at all;
/// an existing target only with `force`); returns the target.
#[pyfunction]
#[pyo3(signature = (source, target, force=false))]
fn copy_run(py: Python<'_>, source: PathBuf, target: PathBuf, force: bool) -> PyResult<PathBuf> {
    py.detach(|| proxima::output::copy_run(&source, &target, force))
        .map_err(py_error)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("ProximaError", py.get_type::<ProximaError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("RunError", py.get_type::<RunError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(params_json, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(plot, m)?)?;
    m.add_function(wrap_pyfunction!(copy_run, m)?)?;
    Ok(())
}
