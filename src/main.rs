//! `proxima`: the command line. It parses arguments, resolves the scenario
//! once, owns the progress bar and maps errors to exit codes; everything
//! else lives in the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use proxima::output::{Progress, RunOptions, run_to_folder};
use proxima::scenario::{self, Override};

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
    Run {
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
        /// Print the wall time of each phase of the step at the end.
        #[arg(long)]
        timings: bool,
    },
    /// Check a scenario (and overrides) without running it.
    Validate {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Override a parameter by its dotted path (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Print every parameter with its default, unit, range and meaning (Markdown).
    Params,
}

enum Failure {
    /// Bad input: exit code 2.
    Input(proxima::Error),
    /// The run failed or was interrupted: exit code 1 (130 on Ctrl-C).
    Run(proxima::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
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

fn overrides(set: &[String], seed: Option<u64>) -> Result<Vec<Override>, Failure> {
    let mut out: Vec<Override> = set
        .iter()
        .map(|s| scenario::parse_override(s))
        .collect::<Result<_, _>>()
        .map_err(Failure::Input)?;
    if let Some(seed) = seed {
        let seed = i64::try_from(seed).map_err(|_| {
            Failure::Input(proxima::Error::scenario(
                "--seed",
                "run.seed",
                format!("{seed} is out of range; allowed: 0 to 2^63−1"),
            ))
        })?;
        out.push(Override {
            path: "run.seed".into(),
            value: toml::Value::Integer(seed),
            text: format!("run.seed={seed} (--seed)"),
        });
    }
    Ok(out)
}

fn default_out(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("output").join(stem)
}

struct Bar(Option<ProgressBar>);

impl Progress for Bar {
    fn step_done(&mut self, done: u32, _total: u32, year: i64) {
        if let Some(bar) = &self.0 {
            bar.set_position(u64::from(done));
            bar.set_message(year.to_string());
        }
    }
}

fn execute(command: Command) -> Result<(), Failure> {
    match command {
        Command::Validate { scenario, set } => {
            let o = overrides(&set, None)?;
            let r = scenario::load(&scenario, &o).map_err(Failure::Input)?;
            let s = &r.scenario;
            println!(
                "{}: valid ({}–{}, {} firms, {} citizens, {} regions)",
                scenario.display(),
                s.run.start_year,
                s.run.end_year,
                s.population.firms,
                s.population.citizens,
                s.territory.regions
            );
            Ok(())
        }
        Command::Params => {
            print!(
                "{}",
                scenario::params::markdown_tables(
                    &scenario::defaults_value().map_err(Failure::Run)?
                )
            );
            Ok(())
        }
        Command::Run {
            scenario,
            out,
            seed,
            set,
            threads,
            force,
            quiet,
            timings,
        } => {
            let o = overrides(&set, seed)?;
            let resolved = scenario::load(&scenario, &o).map_err(Failure::Input)?;
            let out = out.unwrap_or_else(|| default_out(&scenario));
            proxima::output::check_replaceable(&out, force).map_err(Failure::Input)?;
            let threads = match threads {
                Some(0) => {
                    return Err(Failure::Input(proxima::Error::scenario(
                        "--threads",
                        "threads",
                        "0 is out of range; allowed: 1 or more",
                    )));
                }
                Some(n) => n,
                None => std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1),
            };
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Failure::Run(proxima::Error::Internal(format!("thread pool: {e}"))))?;
            let cancel = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&cancel);
            let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
            let total = {
                let r = &resolved.scenario.run;
                ((r.end_year - r.start_year + 1) * r.steps_per_year) as u64
            };
            let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
                let b = ProgressBar::new(total);
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:40}] {pos}/{len} steps, {elapsed} (eta {eta})",
                ) {
                    b.set_style(style.progress_chars("=> "));
                }
                b
            });
            let mut progress = Bar(bar);
            let opts = RunOptions {
                out,
                force,
                threads,
                overrides: set,
            };
            let result = pool.install(|| run_to_folder(&resolved, &opts, &mut progress, &cancel));
            if let Some(b) = &progress.0 {
                b.finish_and_clear();
            }
            let summary = result.map_err(Failure::Run)?;
            if !quiet {
                eprintln!(
                    "wrote {} ({} steps in {:.1} s, {} threads)",
                    summary.folder.display(),
                    summary.steps,
                    summary.wall_seconds,
                    threads
                );
            }
            if timings {
                let t = &summary.timings;
                eprintln!("phase seconds: setup {:.2}", summary.setup_seconds);
                for (name, secs) in [
                    ("institutions", t.institutions),
                    ("production", t.production),
                    ("symbiosis", t.symbiosis),
                    ("innovation", t.innovation),
                    ("cooperation", t.cooperation),
                    ("labour market", t.labour_market),
                    ("statistics", t.statistics),
                ] {
                    eprintln!("  {name:<14} {secs:8.2}");
                }
            }
            Ok(())
        }
    }
}
