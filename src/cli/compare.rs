//! `proxima compare`: compare a sweep folder, or run folders taken as
//! replicates, with documented figures.

use std::path::PathBuf;

use clap::Args;

use crate::Failure;

#[derive(Args)]
pub struct CompareArgs {
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
}

pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let CompareArgs {
        folders,
        targets,
        out,
        force,
        quiet,
    } = args;
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
