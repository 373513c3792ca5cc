//! `proxima run`: simulate a scenario and write its run folder.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use proxima::output::{RunOptions, run_to_folder};
use proxima::scenario;

use crate::Failure;
use crate::args::{count_option, default_out, overrides};
use crate::preflight::check_memory;
use crate::progress::{Shown, report_stale};
use crate::tuning::with_workers_awake;

#[derive(Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Output folder [default: output/<scenario file stem>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Master seed (overrides run.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a parameter by its dotted path, e.g. regimes.clusters.start=1995 (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Replace the output folder if it exists.
    #[arg(long)]
    force: bool,
    /// No progress bar and no summary.
    #[arg(long)]
    quiet: bool,
    /// Without a terminal, print a plain progress line at most every SECONDS.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    progress_every: u64,
    /// Print the wall time of each phase of the step at the end.
    #[arg(long)]
    timings: bool,
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let RunArgs {
        scenario,
        out,
        seed,
        set,
        threads,
        force,
        quiet,
        progress_every,
        timings,
    } = args;
    let o = overrides(&set, seed)?;
    let resolved = scenario::load(&scenario, &o).map_err(Failure::Input)?;
    let out = out.unwrap_or_else(|| default_out(&scenario));
    proxima::output::check_replaceable(&out, force).map_err(Failure::Input)?;
    check_memory(&resolved, force)?;
    if let Some(note) = proxima::scenario::trends::note(&resolved.scenario) {
        eprintln!("{note}");
    }
    if !quiet && !resolved.scenario.after_the_run().is_empty() {
        eprintln!(
            "note: {}",
            resolved
                .scenario
                .after_the_run_text()
                .trim_start_matches("; ")
        );
    }
    let threads = count_option("threads", threads)?;
    // The global pool, driven from this thread (not `install`): the
    // model's serial code and its large per-step buffers then live on
    // the main thread, whose allocator heap keeps freed memory (see
    // `keep_freed_memory`); a worker's heap returns it to the system.
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| Failure::Run(proxima::Error::Internal(format!("thread pool: {e}"))))?;
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let total = {
        let r = &resolved.scenario.run;
        ((r.end_year - r.start_year + 1) * r.steps_per_year) as u64
    };
    let mut progress = Shown::new(
        quiet,
        progress_every,
        total,
        "{spinner} {msg} [{bar:40}] {pos}/{len} steps, {elapsed} (eta {eta})",
    );
    let opts = RunOptions {
        out,
        force,
        threads,
        overrides: set,
    };
    let result = with_workers_awake(|| run_to_folder(&resolved, &opts, &mut progress, &cancel));
    progress.finish();
    let summary = result.map_err(Failure::Run)?;
    if !quiet {
        report_stale(&summary.stale_removed);
        eprintln!(
            "wrote {} ({} steps in {:.1} s, {} threads)",
            summary.folder.display(),
            summary.steps,
            summary.wall_seconds,
            threads
        );
    }
    if timings {
        eprintln!("phase seconds (wall, summed over steps):");
        eprintln!("  {:<16} {:8.2}", "start-up", summary.setup_seconds);
        for (name, secs) in summary.timings.phases() {
            eprintln!("  {name:<16} {secs:8.2}");
        }
        eprintln!("  {:<16} {:8.2}", "output", summary.output_seconds);
        eprintln!("  {:<16} {:8.2}", "total", summary.wall_seconds);
    }
    Ok(())
}
