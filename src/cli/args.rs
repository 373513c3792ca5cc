//! The command line's arguments: parsed once, with usage errors in one
//! line, and the options shared by commands checked into what the library
//! takes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use proxima::scenario::{self, Override};

use crate::tuning::{cores, thread_cap};
use crate::{Cli, Failure};

/// The command line, or the exit code after `--help`, `--version` (0) or
/// a usage error (2, in one line).
pub fn parse_args() -> Result<Cli, ExitCode> {
    // A negative number reaches its option's check (`--seed -1` is out of
    // range) instead of passing for an unknown flag; so does a shard.
    let command = Cli::command()
        .mut_subcommands(|c| c.allow_negative_numbers(true))
        .mut_subcommand("sweep", |c| {
            c.mut_arg("shard", |a| a.allow_hyphen_values(true))
        })
        .mut_subcommand("calibrate", |c| {
            c.mut_arg("shard", |a| a.allow_hyphen_values(true))
        });
    let result = command
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    match result {
        Ok(cli) => Ok(cli),
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            let _ = e.print();
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            // The subcommand as typed, to name it (clap's usage line may
            // show a suggestion instead).
            let names: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            let sub = std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .find(|a| !a.starts_with('-'))
                .filter(|a| names.contains(a));
            let command = match sub {
                Some(s) => format!("proxima {s}"),
                None => "proxima".into(),
            };
            eprintln!(
                "error: {}",
                proxima::error::escape(&usage_error(&e, &command))
            );
            Err(ExitCode::from(2))
        }
    }
}

/// A usage error of clap as one line: the option, what was found and what
/// is allowed (clap's own text spans several lines).
fn usage_error(e: &clap::Error, command: &str) -> String {
    use clap::error::{ContextKind as K, ContextValue as V, ErrorKind};
    let text = |k: K| match e.get(k) {
        Some(V::String(s)) => s.clone(),
        Some(V::Strings(v)) => v.join(", "),
        Some(V::StyledStr(s)) => s.to_string(),
        Some(V::StyledStrs(v)) => v
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        Some(V::Number(n)) => n.to_string(),
        Some(V::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    // "Usage: proxima run [OPTIONS] <SCENARIO>" → the command and its usage.
    let usage = text(K::Usage)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .trim_start_matches("Usage:")
        .trim()
        .to_string();
    let option = |k: K| {
        text(k)
            .split([' ', '='])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let suggestion = match text(K::SuggestedArg) {
        s if s.is_empty() => String::new(),
        s => format!("; did you mean `{s}`?"),
    };
    match e.kind() {
        ErrorKind::UnknownArgument => {
            let arg = text(K::InvalidArg);
            if arg.starts_with('-') {
                format!(
                    "{command}: unknown option `{arg}`{suggestion}; `{command} --help` lists the options"
                )
            } else {
                format!("{command}: unexpected argument `{arg}`; usage: {usage}")
            }
        }
        ErrorKind::InvalidSubcommand => {
            let suggested = match text(K::SuggestedSubcommand) {
                s if s.is_empty() => String::new(),
                s => format!("did you mean `{s}`? "),
            };
            format!(
                "`{}` is not a command; {suggested}commands: run, validate, params, sweep, merge, plot",
                text(K::InvalidSubcommand)
            )
        }
        ErrorKind::MissingRequiredArgument => {
            format!("{command}: missing {}; usage: {usage}", text(K::InvalidArg))
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "a command is needed: run, validate, params, sweep, merge or plot (`proxima --help` says more)"
                .into()
        }
        ErrorKind::InvalidValue => {
            let value = text(K::InvalidValue);
            let allowed = text(K::ValidValue);
            if value.is_empty() {
                format!("{}: needs a value", option(K::InvalidArg))
            } else if allowed.is_empty() {
                format!("{}: `{value}` is not allowed", option(K::InvalidArg))
            } else {
                format!("{}: `{value}` is not allowed; allowed: {allowed}", option(K::InvalidArg))
            }
        }
        ErrorKind::ValueValidation => {
            let arg = option(K::InvalidArg);
            let why = std::error::Error::source(e)
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            let allowed = match arg.as_str() {
                "--seed" => "; allowed: an integer from 0 to 2^63−1",
                "--threads" | "--jobs" => "; allowed: a whole number, 1 or more",
                _ => "",
            };
            format!("{arg}: `{}` is not allowed{why}{allowed}", text(K::InvalidValue))
        }
        ErrorKind::ArgumentConflict => {
            let arg = option(K::InvalidArg);
            let prior = option(K::PriorArg);
            if prior.is_empty() || prior == arg {
                format!("{arg}: given more than once; allowed: once")
            } else {
                format!("{arg}: cannot be used with {prior}")
            }
        }
        _ => {
            // Clap's text without its usage and help lines, joined.
            let rendered = e.render().to_string();
            rendered
                .lines()
                .map(str::trim)
                .filter(|l| {
                    !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information")
                })
                .map(|l| l.trim_start_matches("error: "))
                .collect::<Vec<_>>()
                .join("; ")
        }
    }
}

/// The `--set` overrides, and `--seed` as `run.seed`.
pub fn overrides(set: &[String], seed: Option<u64>) -> Result<Vec<Override>, Failure> {
    let mut out: Vec<Override> = set
        .iter()
        .map(|s| scenario::parse_override(s))
        .collect::<Result<_, _>>()
        .map_err(Failure::Input)?;
    if let Some(seed) = seed {
        out.push(scenario::seed_override(seed).map_err(Failure::Input)?);
    }
    Ok(out)
}

/// `output/<file stem>` for a scenario or plan file.
pub fn default_out(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("output").join(stem)
}

/// `--threads` or `--jobs`: 1 to the cap, all cores if not given.
pub fn count_option(name: &str, value: Option<usize>) -> Result<usize, Failure> {
    let bad = |message: String| {
        Failure::Input(proxima::Error::scenario(format!("--{name}"), name, message))
    };
    match value {
        Some(0) => Err(bad("0 is out of range; allowed: 1 or more".into())),
        Some(n) if n > thread_cap() => Err(bad(format!(
            "{n} is more than this machine can use; allowed: 1 to {} (twice its {} cores, at least 64): more only slow the work down, and results do not depend on it",
            thread_cap(),
            cores()
        ))),
        Some(n) => Ok(n),
        None => Ok(cores()),
    }
}

/// The options of commands that run many simulations into a folder
/// (`sweep`, `calibrate`).
#[derive(clap::Args)]
pub struct BatchArgs {
    /// Folder [default: output/<plan file stem>, or output/<stem>.shard-I-of-N].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Runs simulated at the same time [default: all cores].
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Threads shared by the runs' steps [default: all cores]. Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only part I of N (a sweep's runs with run_id % N == I, a calibration's restarts
    /// with k % N == I), or `slurm` to take it from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT.
    #[arg(long, value_name = "I/N|slurm")]
    pub shard: Option<String>,
    /// Continue an interrupted sweep or calibration in its folder: only the missing runs are simulated.
    #[arg(long)]
    pub resume: bool,
    /// Replace the folder if it exists.
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
    /// Without a terminal, print a plain progress line at most every SECONDS.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub progress_every: u64,
}

impl BatchArgs {
    /// `--out`, or `output/<plan stem>` (with `.shard-I-of-N` for a shard).
    pub fn folder(&self, plan: &Path, shard: Option<proxima::sweep::Shard>) -> PathBuf {
        if let Some(out) = &self.out {
            return out.clone();
        }
        let base = default_out(plan);
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
    }
}
