//! `proxima sweep`: run the design of a plan file, many runs in parallel,
//! resumable, optionally one shard of it (SLURM arrays).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use clap::Args;
use proxima::sweep::{Plan, Shard, SweepOptions};

use crate::Failure;
use crate::args::{BatchArgs, count_option};
use crate::preflight::fit_jobs;
use crate::progress::{Shown, SweepBar, report_stale};

#[derive(Args)]
pub struct SweepArgs {
    /// Plan file (TOML, named sweep_*.toml).
    plan: PathBuf,
    #[command(flatten)]
    batch: BatchArgs,
    /// Print the number of runs and write design.csv only.
    #[arg(long)]
    dry_run: bool,
}

pub fn sweep(args: SweepArgs) -> Result<(), Failure> {
    let SweepArgs {
        plan: plan_path,
        batch,
        dry_run,
    } = args;
    let BatchArgs {
        jobs,
        threads,
        resume,
        force,
        quiet,
        progress_every,
        ..
    } = batch;
    let shard = batch.shard.as_deref().map(parse_shard).transpose()?;
    let jobs = count_option("jobs", jobs)?;
    let threads = count_option("threads", threads)?;
    // Plans whose factors enter rules across keys are checked point by
    // point: say how far it got, at most every 5 s.
    let started = std::time::Instant::now();
    let shown = std::sync::Mutex::new(0u64);
    let checking = |done: u64, total: u64| {
        let secs = started.elapsed().as_secs();
        if let Ok(mut last) = shown.lock()
            && !quiet
            && secs >= *last + 5
        {
            *last = secs;
            eprintln!("checking design points: {done} of {total} ({secs} s)");
        }
    };
    let plan = Plan::load_with_progress(&plan_path, &checking).map_err(Failure::Input)?;
    let out = batch.folder(&plan_path, shard);
    // Pre-flight: as many runs at once as fit in memory (results do not depend on it).
    let jobs = fit_jobs(&plan, &plan_path, jobs, force, quiet)?;
    let runs = plan.runs();
    let in_shard = shard.map_or(runs, |s| s.runs_of(runs));
    if dry_run {
        let path = proxima::sweep::write_design(&plan, &out, force).map_err(Failure::Input)?;
        println!(
            "{runs} runs ({} design points × {} replicates){}; wrote {}",
            plan.point_count(),
            plan.replicates,
            match shard {
                Some(s) => format!(", {in_shard} in shard {}/{}", s.index, s.count),
                None => String::new(),
            },
            path.display()
        );
        return Ok(());
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let shown = Shown::new(
        quiet,
        progress_every,
        in_shard,
        "{spinner} [{bar:40}] {pos}/{len} runs, {msg}, {elapsed} (eta {eta})",
    );
    if let Shown::Bar(b) = &shown {
        b.set_message("0 failed");
    }
    let progress = SweepBar {
        shown: std::sync::Mutex::new(shown),
        failed: AtomicU64::new(0),
        runs: AtomicU64::new(in_shard),
        done: AtomicU64::new(0),
        resumed: AtomicU64::new(0),
    };
    let opts = SweepOptions {
        out: out.clone(),
        jobs,
        threads,
        shard,
        resume,
        force,
    };
    let result =
        proxima::sweep::run_sweep(&plan, &opts, &proxima::sweep::simulate, &progress, &cancel);
    if let Ok(shown) = progress.shown.lock() {
        shown.finish();
    }
    let report = result.map_err(|e| match e {
        e @ (proxima::Error::Output { .. } | proxima::Error::Scenario { .. }) => Failure::Input(e),
        e => Failure::Run(e),
    })?;
    if !quiet {
        report_stale(&report.stale_removed);
    }
    if !report.complete {
        let mut again = format!(
            "proxima sweep {} --out {}",
            plan_path.display(),
            out.display()
        );
        if let Some(s) = shard {
            again.push_str(&format!(" --shard {}/{}", s.index, s.count));
        }
        eprintln!(
            "stopped: {} of {} runs are saved in {}; continue with: {again} --resume",
            report.resumed + report.ran,
            report.runs,
            out.display()
        );
        return Err(Failure::Stopped);
    }
    if !quiet {
        eprintln!(
            "wrote {} ({} runs: {} simulated now, {} already done, {} failed)",
            report.folder.display(),
            report.runs,
            report.ran,
            report.resumed,
            report.failed
        );
    }
    if report.failed > 0 {
        return Err(Failure::Run(proxima::Error::Output {
            path: report.folder.join("runs.csv"),
            message: format!(
                "{} of {} runs failed; their errors are in the error column",
                report.failed, report.runs
            ),
        }));
    }
    Ok(())
}

/// `I/N`, or `slurm` read from the array task's environment.
pub(crate) fn parse_shard(text: &str) -> Result<Shard, Failure> {
    let bad =
        |message: String| Failure::Input(proxima::Error::scenario("--shard", "shard", message));
    if text == "slurm" {
        let var = |name: &str| -> Result<Option<u64>, Failure> {
            match std::env::var(name) {
                Ok(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| bad(format!("{name}={v} is not a non-negative integer"))),
                Err(_) => Ok(None),
            }
        };
        let Some(id) = var("SLURM_ARRAY_TASK_ID")? else {
            return Err(bad(
                "`slurm` needs SLURM_ARRAY_TASK_ID: run it inside a SLURM array job (sbatch --array)".into(),
            ));
        };
        let min = var("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = var("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let count = match var("SLURM_ARRAY_TASK_COUNT")? {
            Some(c) => c,
            None => match var("SLURM_ARRAY_TASK_MAX")? {
                Some(max) => (max.saturating_sub(min)) / step + 1,
                None => return Err(bad("`slurm` needs SLURM_ARRAY_TASK_COUNT".into())),
            },
        };
        let index = id.saturating_sub(min) / step;
        if id < min || index >= count {
            return Err(bad(format!(
                "array task {id} is not one of the {count} tasks from {min} by {step}"
            )));
        }
        return Ok(Shard { index, count });
    }
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((index, count)) if count >= 1 && index < count => Ok(Shard { index, count }),
        _ => Err(bad(format!(
            "`{text}` is not a shard; allowed: I/N with 0 ≤ I < N (e.g. 0/4), or slurm"
        ))),
    }
}
