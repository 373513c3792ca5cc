//! `proxima analyse`: Morris or Sobol' indices of a sweep folder.

use std::path::PathBuf;

use clap::Args;
use proxima::sensitivity::{OutputSpec, Request, YearSpec};

use crate::Failure;

#[derive(Args)]
pub struct AnalyseArgs {
    /// A finished sweep folder of a morris or sobol design.
    folder: PathBuf,
    /// Outputs: time-series columns, sums a+b or ratios a/b, comma-separated
    /// [default: every column kept].
    #[arg(long, value_delimiter = ',')]
    columns: Vec<String>,
    /// Years, or spans A-B (the mean over those years), comma-separated
    /// [default: the last year kept].
    #[arg(long, value_delimiter = ',')]
    years: Vec<String>,
    /// Bootstrap resamples for the 95 % intervals.
    #[arg(long, default_value_t = 1000)]
    resamples: usize,
    /// Where to write the indices [default: sensitivity.csv in the folder].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace the indices file if it exists.
    #[arg(long)]
    force: bool,
    /// Do not print the table.
    #[arg(long)]
    quiet: bool,
}

pub fn analyse(args: AnalyseArgs) -> Result<(), Failure> {
    let bad = |key: &str, message: String| {
        Failure::Input(proxima::Error::scenario(format!("--{key}"), key, message))
    };
    let columns = args
        .columns
        .iter()
        .map(|c| OutputSpec::parse(c).map_err(|m| bad("columns", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let years = args
        .years
        .iter()
        .map(|y| YearSpec::parse(y).map_err(|m| bad("years", m)))
        .collect::<Result<Vec<_>, _>>()?;
    if !(10..=1_000_000).contains(&args.resamples) {
        return Err(bad(
            "resamples",
            format!("{} is out of range; allowed: 10 to 1000000", args.resamples),
        ));
    }
    let request = Request {
        columns,
        years,
        resamples: args.resamples,
    };
    let a = proxima::sensitivity::analyse(&args.folder, &request).map_err(Failure::Input)?;
    let path = args.out.unwrap_or_else(|| a.folder.join("sensitivity.csv"));
    proxima::sensitivity::write_csv(&a, &path, args.force).map_err(Failure::Input)?;
    if !args.quiet {
        print!("{}", proxima::sensitivity::table(&a));
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
