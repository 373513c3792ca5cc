//! `proxima params`: every parameter with its default, unit, range and
//! meaning, as the tables of docs/MODEL.md or for scripts.

use clap::{Args, ValueEnum};
use proxima::scenario;

use crate::Failure;

#[derive(Args)]
pub struct ParamsArgs {
    /// markdown (the tables of docs/MODEL.md), or json or csv for scripts (one
    /// entry per parameter: path, default, unit, min, max, meaning).
    #[arg(long, value_enum, default_value_t = ParamsFormat::Markdown)]
    format: ParamsFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ParamsFormat {
    Markdown,
    Json,
    Csv,
}

pub fn params(args: ParamsArgs) -> Result<(), Failure> {
    let ParamsArgs { format } = args;
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
