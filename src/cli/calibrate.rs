//! `proxima calibrate`: fit the parameters of a calibration plan to a
//! targets file by CMA-ES, resumable, optionally one shard of its restarts.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use clap::Args;
use proxima::calibrate::{CalibrationOptions, CalibrationPlan};

use crate::Failure;
use crate::args::{BatchArgs, count_option};
use crate::progress::{CalibrationBar, Shown};
use crate::sweep::parse_shard;

#[derive(Args)]
pub struct CalibrateArgs {
    /// Calibration plan (TOML with base, seed, targets, method and [vary]).
    plan: PathBuf,
    #[command(flatten)]
    batch: BatchArgs,
}

pub fn calibrate(args: CalibrateArgs) -> Result<(), Failure> {
    let batch = &args.batch;
    let shard = batch.shard.as_deref().map(parse_shard).transpose()?;
    let jobs = count_option("jobs", batch.jobs)?;
    let threads = count_option("threads", batch.threads)?;
    let plan = CalibrationPlan::load(&args.plan).map_err(Failure::Input)?;
    let out = batch.folder(&args.plan, shard);
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let budget = plan.budget();
    let progress = CalibrationBar {
        shown: std::sync::Mutex::new(Shown::new(
            batch.quiet,
            batch.progress_every,
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
        resume: batch.resume,
        force: batch.force,
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
    if !batch.quiet {
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
