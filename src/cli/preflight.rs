//! Memory pre-flight: a run whose estimated peak memory exceeds what the
//! system has available is refused (unless forced), and a sweep runs only
//! as many runs at once as fit.

use std::path::Path;

use proxima::scenario;
use proxima::sweep::Plan;

use crate::Failure;

/// Memory the system can give a new process (MemAvailable), if known.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Pre-flight: refuse a run whose estimated peak memory exceeds what is
/// available, unless forced.
pub fn check_memory(resolved: &scenario::ResolvedScenario, force: bool) -> Result<(), Failure> {
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

/// Runs a sweep may simulate at once: `jobs`, lowered to what fits in the
/// memory available (with a note), or refused if not even one run fits
/// (unless forced).
pub fn fit_jobs(
    plan: &Plan,
    plan_path: &Path,
    jobs: usize,
    force: bool,
    quiet: bool,
) -> Result<usize, Failure> {
    let per_run = proxima::memory::estimate(&plan.resolved_base.scenario).bytes;
    match available_memory() {
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
            Ok(fit)
        }
        _ => Ok(jobs),
    }
}
