//! `proxima calibrate`: fit the parameters of a calibration plan to a
//! targets file by CMA-ES, resumable, optionally one shard of its restarts.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use clap::Args;
use proxima::calibrate::{CalibrationOptions, CalibrationPlan};

use crate::Failure;
use crate::args::{count_option, default_out};
use crate::progress::{CalibrationBar, Shown};
use crate::sweep::parse_shard;

#[derive(Args)]
pub struct CalibrateArgs {
    /// Calibration plan (TOML with base, seed, targets, method and [vary]).
    plan: PathBuf,
    /// Calibration folder [default: output/<plan file stem>, or output/<stem>.shard-I-of-N].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Runs simulated at the same time [default: all cores].
    #[arg(long)]
    jobs: Option<usize>,
    /// Threads shared by the runs' steps [default: all cores]. Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Run only the restarts k with k % N == I, or `slurm` to take I/N from the array task.
    #[arg(long, value_name = "I/N|slurm")]
    shard: Option<String>,
    /// Continue an interrupted calibration in its folder.
    #[arg(long)]
    resume: bool,
    /// Replace the calibration folder if it exists.
    #[arg(long)]
    force: bool,
    /// No progress and no summary.
    #[arg(long)]
    quiet: bool,
    /// Without a terminal, print a plain progress line at most every SECONDS.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    progress_every: u64,
}

pub fn calibrate(args: CalibrateArgs) -> Result<(), Failure> {
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let jobs = count_option("jobs", args.jobs)?;
    let threads = count_option("threads", args.threads)?;
    let plan = CalibrationPlan::load(&args.plan).map_err(Failure::Input)?;
    let out = args.out.unwrap_or_else(|| {
        let base = default_out(&args.plan);
        match shard {
            Some(s) => {
                let name = base
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                base.with_file_name(format!("{name}.shard-{}-of-{}", s.index, s.count))
            }
            None => base,
        }
    });
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let budget = plan.budget();
    let progress = CalibrationBar {
        shown: std::sync::Mutex::new(Shown::new(
            args.quiet,
            args.progress_every,
            budget,
            "{spinner} [{bar:40}] {pos}/{len} runs, {msg}, {elapsed} (eta {eta})",
        )),
        runs: AtomicU64::new(budget),
        done: AtomicU64::new(0),
        resumed: AtomicU64::new(0),
        best: std::sync::Mutex::new(String::new()),
    };
    let opts = CalibrationOptions {
        out: out.clone(),
        jobs,
        threads,
        shard,
        resume: args.resume,
        force: args.force,
    };
    let result = proxima::calibrate::calibrate(
        &plan,
        &opts,
        &proxima::calibrate::simulate,
        &progress,
        &cancel,
    );
    if let Ok(shown) = progress.shown.lock() {
        shown.finish();
    }
    let report = result.map_err(|e| match e {
        e @ (proxima::Error::Output { .. } | proxima::Error::Scenario { .. }) => Failure::Input(e),
        e => Failure::Run(e),
    })?;
    if !report.complete {
        let mut again = format!(
            "proxima calibrate {} --out {}",
            args.plan.display(),
            out.display()
        );
        if let Some(s) = shard {
            again.push_str(&format!(" --shard {}/{}", s.index, s.count));
        }
        eprintln!(
            "stopped: {} runs are saved in {}; continue with: {again} --resume",
            report.resumed + report.ran,
            out.display()
        );
        return Err(Failure::Stopped);
    }
    if !args.quiet {
        eprintln!(
            "wrote {} ({} points evaluated, {} runs simulated now, {} already done; best distance {})",
            report.folder.display(),
            report.evaluations,
            report.ran,
            report.resumed,
            report
                .best
                .map_or("none (every run failed)".into(), |b| format!("{b:.4}"))
        );
    }
    Ok(())
}
