//! `proxima merge`: merge the finished shard folders of one plan into one
//! sweep (or calibration) folder.

use std::path::PathBuf;

use clap::Args;

use crate::Failure;
use crate::progress::report_stale;

#[derive(Args)]
pub struct MergeArgs {
    /// Folder to create.
    out: PathBuf,
    /// Shard folders (every shard of the plan, in any order).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Replace OUT if it exists.
    #[arg(long)]
    force: bool,
}

pub fn merge(args: MergeArgs) -> Result<(), Failure> {
    let MergeArgs { out, shards, force } = args;
    if shards
        .first()
        .is_some_and(|d| proxima::calibrate::is_calibration(d))
    {
        let (evaluations, best) =
            proxima::calibrate::merge(&out, &shards, force).map_err(Failure::Input)?;
        eprintln!(
            "wrote {} ({evaluations} points from {} shards; best distance {})",
            out.display(),
            shards.len(),
            best.map_or("none".into(), |b| format!("{b:.4}"))
        );
        return Ok(());
    }
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
