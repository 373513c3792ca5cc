//! `proxima validate`: check a scenario (and overrides) without running it.

use std::path::PathBuf;

use clap::Args;
use proxima::scenario;

use crate::Failure;
use crate::args::overrides;

#[derive(Args)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Override a parameter by its dotted path (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

pub fn validate(args: ValidateArgs) -> Result<(), Failure> {
    let ValidateArgs { scenario, set } = args;
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
        s.after_the_run_text()
    );
    Ok(())
}
