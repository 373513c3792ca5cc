//! `proxima plot`: the figures of a run or sweep folder and a page that
//! shows them.

use std::path::PathBuf;

use clap::Args;
use proxima::plot::{PlotOptions, plot as draw};

use crate::Failure;

#[derive(Args)]
pub struct PlotArgs {
    /// Run or sweep folder.
    run_dir: PathBuf,
    /// Folder of the figures [default: RUN_DIR/figures].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Column of regions.csv that colours the map [default: unemployment_rate].
    #[arg(long, value_name = "COLUMN")]
    map_column: Option<String>,
    /// Year of the map [default: the last].
    #[arg(long, value_name = "YEAR")]
    map_year: Option<i64>,
    /// Year of the cooperation network [default: the last firm snapshot year, else the last].
    #[arg(long, value_name = "YEAR")]
    network_year: Option<i64>,
    /// Replace the figures folder if it exists.
    #[arg(long)]
    force: bool,
    /// No summary.
    #[arg(long)]
    quiet: bool,
}

pub fn plot(args: PlotArgs) -> Result<(), Failure> {
    let opts = PlotOptions {
        out: args.out,
        force: args.force,
        map_column: args.map_column,
        map_year: args.map_year,
        network_year: args.network_year,
    };
    let report = draw(&args.run_dir, &opts).map_err(|e| match e {
        e @ (proxima::Error::Output { .. }
        | proxima::Error::Scenario { .. }
        | proxima::Error::Io { .. }
        | proxima::Error::Csv { .. }) => Failure::Input(e),
        e => Failure::Run(e),
    })?;
    if !args.quiet {
        for note in &report.notes {
            eprintln!("note: not drawn: {note}");
        }
        eprintln!(
            "wrote {} ({} figures; open index.html)",
            report.folder.display(),
            report.figures.len()
        );
    }
    Ok(())
}
