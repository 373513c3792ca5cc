//! `proxima`: the command line. It parses arguments, resolves the scenario
//! once, owns the progress bar and maps errors to exit codes; everything
//! else lives in the library.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use proxima::output::{Progress, RunOptions, run_to_folder};
use proxima::scenario::{self, Override};
use proxima::sweep::{Plan, RunSpec, Shard, SweepOptions, SweepProgress};

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
        /// Without a terminal, print a plain progress line at most every SECONDS.
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        progress_every: u64,
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
    /// Print every parameter with its default, unit, range and meaning.
    Params {
        /// markdown (the tables of docs/MODEL.md), or json or csv for scripts (one
        /// entry per parameter: path, default, unit, min, max, meaning).
        #[arg(long, value_enum, default_value_t = ParamsFormat::Markdown)]
        format: ParamsFormat,
    },
    /// Run the design of a plan file (sweep_*.toml): many runs, in parallel, resumable.
    Sweep {
        /// Plan file (TOML, named sweep_*.toml).
        plan: PathBuf,
        /// Sweep folder [default: output/<plan file stem>, or output/<stem>.shard-I-of-N].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Runs simulated at the same time [default: all cores].
        #[arg(long)]
        jobs: Option<usize>,
        /// Threads shared by the runs' steps [default: all cores]. Results do not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run only part I of N (runs with run_id % N == I), or `slurm` to take it from
        /// SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT.
        #[arg(long, value_name = "I/N|slurm")]
        shard: Option<String>,
        /// Continue an interrupted sweep in its folder: only the missing runs are simulated.
        #[arg(long)]
        resume: bool,
        /// Print the number of runs and write design.csv only.
        #[arg(long)]
        dry_run: bool,
        /// Replace the sweep folder if it exists.
        #[arg(long)]
        force: bool,
        /// No progress bar and no summary.
        #[arg(long)]
        quiet: bool,
        /// Without a terminal, print a plain progress line at most every SECONDS.
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        progress_every: u64,
    },
    /// Compare a sweep folder, or run folders (replicates), with documented figures.
    Compare {
        /// A sweep folder, or one or more run folders (taken as replicates).
        #[arg(required = true, num_args = 1..)]
        folders: Vec<PathBuf>,
        /// Targets file (TOML), e.g. data/france/targets.toml.
        targets: PathBuf,
        /// Where to write the comparison [default: comparison.csv in the first folder].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace the comparison file if it exists.
        #[arg(long)]
        force: bool,
        /// Do not print the table.
        #[arg(long)]
        quiet: bool,
    },
    /// Merge the finished shard folders of one plan into one sweep folder.
    Merge {
        /// Folder to create.
        out: PathBuf,
        /// Shard folders (every shard of the plan, in any order).
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Replace OUT if it exists.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ParamsFormat {
    Markdown,
    Json,
    Csv,
}

enum Failure {
    /// Bad input: exit code 2.
    Input(proxima::Error),
    /// The run failed or was interrupted: exit code 1 (130 on Ctrl-C).
    Run(proxima::Error),
    /// A sweep stopped on Ctrl-C after saying how to resume: exit code 130.
    Stopped,
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match execute(cli.command) {
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

/// The command line, or the exit code after `--help`, `--version` (0) or
/// a usage error (2, in one line).
fn parse_args() -> Result<Cli, ExitCode> {
    use clap::{CommandFactory, FromArgMatches};
    // A negative number reaches its option's check (`--seed -1` is out of
    // range) instead of passing for an unknown flag; so does a shard.
    let command = Cli::command()
        .mut_subcommands(|c| c.allow_negative_numbers(true))
        .mut_subcommand("sweep", |c| {
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
                "`{}` is not a command; {suggested}commands: run, validate, params, sweep, merge",
                text(K::InvalidSubcommand)
            )
        }
        ErrorKind::MissingRequiredArgument => {
            format!("{command}: missing {}; usage: {usage}", text(K::InvalidArg))
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "a command is needed: run, validate, params, sweep or merge (`proxima --help` says more)"
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

/// The system allocator, asking Linux to back large buffers with 2 MiB
/// pages (transparent huge pages, where the system leaves them to
/// `madvise`). A run of a million firms reads its agents at random over
/// gigabytes: with 4 KiB pages nearly every such read also misses the
/// address-translation cache. Results do not depend on it.
struct HugePages;

/// Buffers of at least this many bytes are advised (the aligned 2 MiB
/// pages inside them).
const HUGE_BUFFER: usize = 4 << 20;

/// Advise the 2 MiB-aligned pages inside `[p, p + size)` as huge.
fn advise_huge(p: *mut u8, size: usize) {
    #[cfg(target_os = "linux")]
    if !p.is_null() && size >= HUGE_BUFFER {
        const PAGE: usize = 2 << 20;
        let start = (p as usize).next_multiple_of(PAGE);
        let end = (p as usize + size) & !(PAGE - 1);
        if end > start {
            // SAFETY: the range lies inside a live allocation of ours;
            // `MADV_HUGEPAGE` only sets how its pages are backed and never
            // changes its contents. A refusal leaves the default.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}

// SAFETY: every call is passed to the system allocator unchanged; the
// advice only concerns pages of the block it returned.
unsafe impl std::alloc::GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc(layout) };
        advise_huge(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        advise_huge(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(p, layout) }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: std::alloc::Layout, size: usize) -> *mut u8 {
        let q = unsafe { std::alloc::System.realloc(p, layout, size) };
        advise_huge(q, size);
        q
    }
}

#[global_allocator]
static ALLOCATOR: HugePages = HugePages;

/// Keep memory freed between steps in the process instead of returning it
/// to the system. By default glibc serves large buffers (a step's
/// per-agent scratch vectors) with fresh `mmap`s and unmaps them when
/// freed, so every step page-faults and zeroes them again: on
/// `bench_1m` that was tens of millions of faults and about 8 % of the
/// run. Results do not depend on it; peak memory rises by a few percent
/// (docs/PERFORMANCE.md).
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets allocator parameters; it is called once,
    // before any other thread exists. A refused setting leaves the default.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

/// Run `f` on this thread while the pool's workers stay awake, looking
/// for work, until it returns. A step is a long series of short parallel
/// passes between short serial parts; an idle rayon worker goes to sleep
/// after a few microseconds and takes tens of microseconds to wake up,
/// which at hundreds of passes a step cost 7 % of `bench_100k` on 2
/// threads (docs/PERFORMANCE.md). Only
/// *when* work is picked up changes, never what is computed: results do
/// not depend on it.
fn with_workers_awake<R>(f: impl FnOnce() -> R) -> R {
    // One thread asked for: one core busy, as before. More threads than
    // cores: workers kept spinning would take turns on the cores and
    // delay the ones with work, so they sleep between passes as usual.
    let threads = rayon::current_num_threads();
    if threads < 2 || threads > cores() {
        return f();
    }
    let done = AtomicBool::new(false);
    rayon::in_place_scope(|scope| {
        // This thread is not a worker: one job per worker, each run by a
        // worker (jobs spawned from outside the pool never run here).
        for _ in 0..rayon::current_num_threads() {
            scope.spawn(|_| {
                // Between jobs it yields its core to any other runnable
                // thread (an immediate return on an otherwise idle core).
                while !done.load(Ordering::Acquire) {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        std::thread::yield_now();
                    }
                }
            });
        }
        // Set when `f` returns or unwinds, so that the jobs end and the
        // scope can close either way.
        struct Done<'a>(&'a AtomicBool);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::Release);
            }
        }
        let _done = Done(&done);
        f()
    })
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

/// `; after the run's end, never happen: …` for what a short run leaves
/// out (empty if nothing).
fn after_the_run(s: &proxima::Scenario) -> String {
    let late = s.after_the_run();
    if late.is_empty() {
        return String::new();
    }
    let items: Vec<String> = late
        .iter()
        .map(|a| format!("{} = {}", a.key, a.year))
        .collect();
    format!(
        "; after the run's end ({}), never happen: {}",
        s.run.end_year,
        items.join(", ")
    )
}

fn default_out(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    PathBuf::from("output").join(stem)
}

/// How a command shows its progress: a bar on a terminal, plain lines at
/// a bounded rate in a log (SLURM, nohup, CI), or nothing (`--quiet`).
enum Shown {
    Bar(ProgressBar),
    Lines(LogLines),
    Nothing,
}

impl Shown {
    /// A bar with `template` on a terminal, else plain lines every `every`
    /// seconds; nothing when quiet.
    fn new(quiet: bool, every: u64, length: u64, template: &str) -> Self {
        if quiet {
            return Shown::Nothing;
        }
        if !std::io::stderr().is_terminal() {
            return Shown::Lines(LogLines::new(every));
        }
        let b = ProgressBar::new(length);
        if let Ok(style) = ProgressStyle::with_template(template) {
            b.set_style(style.progress_chars("=> "));
        }
        Shown::Bar(b)
    }

    fn finish(&self) {
        if let Shown::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}

/// Plain progress lines: `progress: <what> k of n, <elapsed> elapsed,
/// about <left> left`, at most one every `every` seconds (and the first
/// only after `every` seconds, so short runs print none).
struct LogLines {
    started: std::time::Instant,
    last: std::time::Instant,
    every: std::time::Duration,
}

impl LogLines {
    fn new(every: u64) -> Self {
        let now = std::time::Instant::now();
        Self {
            started: now,
            last: now,
            every: std::time::Duration::from_secs(every),
        }
    }

    /// Print a line if one is due; `done` of `total` items, of which
    /// `skipped` were done before this call started (resumed runs).
    fn tick(&mut self, what: &str, done: u64, total: u64, skipped: u64, detail: &str) {
        let now = std::time::Instant::now();
        if now - self.last < self.every && done < total {
            return;
        }
        if done >= total && self.every > std::time::Duration::ZERO {
            // The command's own summary line says it is done.
            return;
        }
        self.last = now;
        let elapsed = (now - self.started).as_secs_f64();
        let fresh = done.saturating_sub(skipped);
        let left = if fresh > 0 {
            let rate = elapsed / fresh as f64;
            format!(
                ", about {} left",
                clock(rate * total.saturating_sub(done) as f64)
            )
        } else {
            String::new()
        };
        eprintln!(
            "progress: {what} {done} of {total}{detail}, {} elapsed{left}",
            clock(elapsed)
        );
    }
}

/// Seconds as `1h02m03s`, `2m05s` or `7s`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, s) => format!("{h}h{m:02}m{s:02}s"),
    }
}

impl Progress for Shown {
    fn step_done(&mut self, done: u32, total: u32, year: i64) {
        match self {
            Shown::Bar(bar) => {
                bar.set_position(u64::from(done));
                bar.set_message(year.to_string());
            }
            Shown::Lines(lines) => lines.tick(
                "step",
                u64::from(done),
                u64::from(total),
                0,
                &format!(" ({year})"),
            ),
            Shown::Nothing => {}
        }
    }
}

/// Memory the system can give a new process (MemAvailable), if known.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Pre-flight: refuse a run whose estimated peak memory exceeds what is
/// available, unless forced.
fn check_memory(resolved: &scenario::ResolvedScenario, force: bool) -> Result<(), Failure> {
    let s = &resolved.scenario;
    let e = proxima::memory::estimate(s);
    let Some(available) = available_memory() else {
        return Ok(());
    };
    if e.bytes > available && !force {
        let origin = resolved
            .origins
            .get("population.citizens")
            .or_else(|| resolved.origins.get("population.firms"))
            .cloned()
            .unwrap_or_else(|| resolved.source.display().to_string());
        return Err(Failure::Input(proxima::Error::scenario(
            origin,
            "population",
            format!(
                "the run needs about {} of memory ({:.0} citizens by {}, {:.0} firms at the start) but {} is available; use fewer citizens and firms, or pass --force to run anyway",
                proxima::memory::human(e.bytes),
                e.citizens_at_end,
                s.run.end_year,
                e.firms,
                proxima::memory::human(available)
            ),
        )));
    }
    Ok(())
}

/// Cores of this machine (1 if unknown).
fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Most threads (or jobs) a command may use: twice the machine's cores,
/// and at least 64. Threads beyond the cores only add waiting (results do
/// not depend on their number), and each thread holds per-pass buffers.
fn thread_cap() -> usize {
    (2 * cores()).max(64)
}

fn count_option(name: &str, value: Option<usize>) -> Result<usize, Failure> {
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

/// `I/N`, or `slurm` read from the array task's environment.
fn parse_shard(text: &str) -> Result<Shard, Failure> {
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

struct SweepBar {
    shown: std::sync::Mutex<Shown>,
    failed: AtomicU64,
    runs: AtomicU64,
    done: AtomicU64,
    resumed: AtomicU64,
}

impl SweepProgress for SweepBar {
    fn start(&self, runs: u64, done: u64) {
        self.runs.store(runs, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
        self.resumed.store(done, Ordering::Relaxed);
        if let Ok(shown) = self.shown.lock()
            && let Shown::Bar(b) = &*shown
        {
            b.set_length(runs);
            b.set_position(done);
            b.reset_eta();
        }
    }

    fn run_done(&self, _spec: &RunSpec, ok: bool) {
        let failed = if ok {
            self.failed.load(Ordering::Relaxed)
        } else {
            self.failed.fetch_add(1, Ordering::Relaxed) + 1
        };
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let Ok(mut shown) = self.shown.lock() else {
            return;
        };
        match &mut *shown {
            Shown::Bar(b) => {
                b.inc(1);
                b.set_message(format!("{failed} failed"));
            }
            Shown::Lines(lines) => lines.tick(
                "run",
                done,
                self.runs.load(Ordering::Relaxed),
                self.resumed.load(Ordering::Relaxed),
                &format!(" ({failed} failed)"),
            ),
            Shown::Nothing => {}
        }
    }
}

/// One line per partial folder of a dead process that was removed.
fn report_stale(removed: &[proxima::output::StalePartial]) {
    for s in removed {
        eprintln!(
            "note: removed {}, left by process {} that no longer runs",
            s.path.display(),
            s.pid
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn sweep(
    plan_path: PathBuf,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    threads: Option<usize>,
    shard: Option<String>,
    resume: bool,
    dry_run: bool,
    force: bool,
    quiet: bool,
    progress_every: u64,
) -> Result<(), Failure> {
    let shard = shard.as_deref().map(parse_shard).transpose()?;
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
    let out = out.unwrap_or_else(|| {
        let base = default_out(&plan_path);
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
    // Pre-flight: as many runs at once as fit in memory (results do not depend on it).
    let per_run = proxima::memory::estimate(&plan.resolved_base.scenario).bytes;
    let jobs = match available_memory() {
        Some(available) if per_run.saturating_mul(jobs as u64) > available => {
            let fit = (available / per_run.max(1)) as usize;
            if fit == 0 && !force {
                return Err(Failure::Input(proxima::Error::scenario(
                    plan_path.display().to_string(),
                    "base",
                    format!(
                        "one run needs about {} of memory but {} is available; use a smaller base scenario",
                        proxima::memory::human(per_run),
                        proxima::memory::human(available)
                    ),
                )));
            }
            let fit = fit.max(1);
            if !quiet {
                eprintln!(
                    "note: --jobs {jobs} lowered to {fit}: each run needs about {} of memory and {} is available",
                    proxima::memory::human(per_run),
                    proxima::memory::human(available)
                );
            }
            fit
        }
        _ => jobs,
    };
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

fn execute(command: Command) -> Result<(), Failure> {
    match command {
        Command::Sweep {
            plan,
            out,
            jobs,
            threads,
            shard,
            resume,
            dry_run,
            force,
            quiet,
            progress_every,
        } => sweep(
            plan,
            out,
            jobs,
            threads,
            shard,
            resume,
            dry_run,
            force,
            quiet,
            progress_every,
        ),
        Command::Compare {
            folders,
            targets,
            out,
            force,
            quiet,
        } => {
            let targets = proxima::compare::load_targets(&targets).map_err(Failure::Input)?;
            let c = proxima::compare::compare(&folders, &targets).map_err(Failure::Input)?;
            let path = out.unwrap_or_else(|| c.folder.join("comparison.csv"));
            proxima::compare::write_csv(&c, &path, force).map_err(Failure::Input)?;
            if !quiet {
                print!("{}", proxima::compare::table(&c));
                eprintln!("wrote {}", path.display());
            }
            Ok(())
        }
        Command::Merge { out, shards, force } => {
            let r = proxima::sweep::merge(&out, &shards, force).map_err(Failure::Input)?;
            report_stale(&r.stale_removed);
            eprintln!(
                "wrote {} ({} runs from {} shards, {} failed)",
                r.folder.display(),
                r.runs,
                shards.len(),
                r.failed
            );
            if r.failed > 0 {
                return Err(Failure::Run(proxima::Error::Output {
                    path: r.folder.join("runs.csv"),
                    message: format!("{} of {} runs failed", r.failed, r.runs),
                }));
            }
            Ok(())
        }
        Command::Validate { scenario, set } => {
            let o = overrides(&set, None)?;
            let r = scenario::load(&scenario, &o).map_err(Failure::Input)?;
            let s = &r.scenario;
            println!(
                "{}: valid ({}–{}, {} firms, {} citizens, {} regions; peak memory about {}){}",
                scenario.display(),
                s.run.start_year,
                s.run.end_year,
                s.population.firms,
                s.population.citizens,
                s.territory.regions,
                proxima::memory::human(proxima::memory::estimate(s).bytes),
                after_the_run(s)
            );
            Ok(())
        }
        Command::Params { format } => {
            let defaults = scenario::defaults_value().map_err(Failure::Run)?;
            let text = match format {
                ParamsFormat::Markdown => scenario::params::markdown_tables(&defaults),
                ParamsFormat::Json => scenario::params::json(&defaults).map_err(Failure::Run)?,
                ParamsFormat::Csv => scenario::params::csv(&defaults).map_err(Failure::Run)?,
            };
            // A closed pipe (`proxima params | head`) is not an error.
            use std::io::Write;
            match std::io::stdout().lock().write_all(text.as_bytes()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Failure::Run(proxima::Error::Io {
                        path: "stdout".into(),
                        source: e,
                    }))
                }
                _ => Ok(()),
            }
        }
        Command::Run {
            scenario,
            out,
            seed,
            set,
            threads,
            force,
            quiet,
            progress_every,
            timings,
        } => {
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
                    after_the_run(&resolved.scenario).trim_start_matches("; ")
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
            let result =
                with_workers_awake(|| run_to_folder(&resolved, &opts, &mut progress, &cancel));
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
    }
}
