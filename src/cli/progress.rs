//! What a command shows while it works, on stderr: a progress bar on a
//! terminal, plain lines at a bounded rate in a log (SLURM, nohup, CI), or
//! nothing (`--quiet`); and the notes about partial folders left by dead
//! processes.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressStyle};
use proxima::output::Progress;
use proxima::sweep::{RunSpec, SweepProgress};

/// How a command shows its progress: a bar on a terminal, plain lines at
/// a bounded rate in a log (SLURM, nohup, CI), or nothing (`--quiet`).
pub enum Shown {
    Bar(ProgressBar),
    Lines(LogLines),
    Nothing,
}

impl Shown {
    /// A bar with `template` on a terminal, else plain lines every `every`
    /// seconds; nothing when quiet.
    pub fn new(quiet: bool, every: u64, length: u64, template: &str) -> Self {
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

    pub fn finish(&self) {
        if let Shown::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}

/// Plain progress lines: `progress: <what> k of n, <elapsed> elapsed,
/// about <left> left`, at most one every `every` seconds (and the first
/// only after `every` seconds, so short runs print none).
pub struct LogLines {
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

/// The progress of a sweep, shared by the runs' threads.
pub struct SweepBar {
    pub shown: std::sync::Mutex<Shown>,
    pub failed: AtomicU64,
    pub runs: AtomicU64,
    pub done: AtomicU64,
    pub resumed: AtomicU64,
}

impl SweepProgress for SweepBar {
    fn start(&self, runs: u64, done: u64) {
        start_bar(
            &self.shown,
            [&self.runs, &self.done, &self.resumed],
            runs,
            done,
        );
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
pub fn report_stale(removed: &[proxima::output::StalePartial]) {
    for s in removed {
        eprintln!(
            "note: removed {}, left by process {} that no longer runs",
            s.path.display(),
            s.pid
        );
    }
}

/// The progress of a calibration: runs of the budget, and the best
/// distance so far.
pub struct CalibrationBar {
    pub shown: std::sync::Mutex<Shown>,
    pub runs: AtomicU64,
    pub done: AtomicU64,
    pub resumed: AtomicU64,
    pub best: std::sync::Mutex<String>,
}

impl proxima::calibrate::CalibrationProgress for CalibrationBar {
    fn start(&self, runs: u64, done: u64) {
        start_bar(
            &self.shown,
            [&self.runs, &self.done, &self.resumed],
            runs,
            done,
        );
    }

    fn run_done(&self, _ok: bool) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let best = self.best.lock().map(|b| b.clone()).unwrap_or_default();
        let Ok(mut shown) = self.shown.lock() else {
            return;
        };
        match &mut *shown {
            Shown::Bar(b) => b.inc(1),
            Shown::Lines(lines) => lines.tick(
                "run",
                done,
                self.runs.load(Ordering::Relaxed),
                self.resumed.load(Ordering::Relaxed),
                &best,
            ),
            Shown::Nothing => {}
        }
    }

    fn generation(&self, restart: u64, generation: u64, best: f64) {
        let text =
            format!(" (restart {restart}, generation {generation}, best distance {best:.4})");
        if let Ok(mut b) = self.best.lock() {
            *b = text.clone();
        }
        if let Ok(shown) = self.shown.lock()
            && let Shown::Bar(b) = &*shown
        {
            b.set_message(text.trim().to_string());
        }
    }
}

/// Set the length and position of a progress bar at the start of a sweep
/// or calibration, and its counters (runs, done, resumed).
fn start_bar(shown: &std::sync::Mutex<Shown>, counters: [&AtomicU64; 3], runs: u64, done: u64) {
    counters[0].store(runs, Ordering::Relaxed);
    counters[1].store(done, Ordering::Relaxed);
    counters[2].store(done, Ordering::Relaxed);
    if let Ok(shown) = shown.lock()
        && let Shown::Bar(b) = &*shown
    {
        b.set_length(runs);
        b.set_position(done);
        b.reset_eta();
    }
}
