//! `proxima`: the command line. It parses the arguments, hands each command
//! to its file (`run.rs`, `validate.rs`, `params.rs`, `sweep.rs`,
//! `compare.rs`, `merge.rs`, `plot.rs`, `analyse.rs`, `calibrate.rs`) and maps the error to an exit code; the
//! progress display is `progress.rs`, the memory pre-flight
//! `preflight.rs`, the allocator and thread tuning `tuning.rs`. Everything
//! else lives in the library.

mod analyse;
mod args;
mod calibrate;
mod compare;
mod merge;
mod params;
mod plot;
mod preflight;
mod progress;
mod run;
mod sweep;
mod tuning;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "proxima",
    version,
    about = "Agent-based simulation of territorial productive systems, 1950 to today"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and write its time series.
    Run(run::RunArgs),
    /// Check a scenario (and overrides) without running it.
    Validate(validate::ValidateArgs),
    /// Print every parameter with its default, unit, range and meaning.
    Params(params::ParamsArgs),
    /// Run the design of a plan file (sweep_*.toml): many runs, in parallel, resumable.
    Sweep(sweep::SweepArgs),
    /// Compare a sweep folder, or run folders (replicates), with documented figures.
    Compare(compare::CompareArgs),
    /// Merge the finished shard folders of one plan into one sweep folder.
    Merge(merge::MergeArgs),
    /// Draw the figures of a run or sweep folder (SVG) and a page that shows them.
    Plot(plot::PlotArgs),
    /// Morris or Sobol' sensitivity indices of a sweep folder.
    Analyse(analyse::AnalyseArgs),
    /// Fit parameters to documented figures (CMA-ES): resumable, shardable.
    Calibrate(calibrate::CalibrateArgs),
}

/// How a command failed.
pub(crate) enum Failure {
    /// Bad input: exit code 2.
    Input(proxima::Error),
    /// The run failed or was interrupted: exit code 1 (130 on Ctrl-C).
    Run(proxima::Error),
    /// A sweep stopped on Ctrl-C after saying how to resume: exit code 130.
    Stopped,
}

fn main() -> ExitCode {
    tuning::keep_freed_memory();
    let cli = match args::parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Validate(a) => validate::validate(a),
        Command::Params(a) => params::params(a),
        Command::Sweep(a) => sweep::sweep(a),
        Command::Compare(a) => compare::compare(a),
        Command::Merge(a) => merge::merge(a),
        Command::Plot(a) => plot::plot(a),
        Command::Analyse(a) => analyse::analyse(a),
        Command::Calibrate(a) => calibrate::calibrate(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Stopped) => ExitCode::from(130),
        Err(Failure::Run(e)) => {
            eprintln!("error: {e}");
            if matches!(e, proxima::Error::Cancelled { .. }) {
                eprintln!(
                    "the run was stopped; nothing was written. Run the same command again to start over."
                );
                ExitCode::from(130)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
