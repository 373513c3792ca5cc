//! Figures of a run or sweep folder: SVG files and one HTML page that shows
//! them, written into a folder of their own (default `RUN_DIR/figures`)
//! that appears whole or not at all. The command line (`proxima plot`) and
//! the Python package (`result.plot()`) both call [`plot`].
//!
//! A run folder gets the headline series with the regimes shaded
//! (`headline.svg`), employment by size class (`employment_size.svg`) and by
//! sector (`employment_sector.svg`, from `sectors.csv` or the firm
//! snapshots), a map of the regions coloured by a column of `regions.csv`
//! (`map.svg`) and the cooperation network of a year (`network.svg`: the
//! ties of `ties.csv` at the positions of `nodes.csv` where the run wrote
//! them, else each region's ties). A sweep folder gets the replicate mean
//! and 95 % band of each design point (`sweep.svg`).

mod chart;
mod run;
mod sweep;
mod table;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::output::RunFolder;

/// What to draw and where.
#[derive(Debug, Clone, Default)]
pub struct PlotOptions {
    /// Folder of the figures (default: `figures` inside the run folder).
    pub out: Option<PathBuf>,
    /// Replace the figures folder if it exists.
    pub force: bool,
    /// Column of `regions.csv` that colours the map (default `unemployment_rate`).
    pub map_column: Option<String>,
    /// Year of the map (default: the last).
    pub map_year: Option<i64>,
    /// Year of the network (default: the last firm snapshot year, else the last year).
    pub network_year: Option<i64>,
}

/// A figure drawn.
pub struct Figure {
    /// File name in the figures folder.
    pub file: String,
    pub title: String,
    /// What it shows, from which file and column.
    pub caption: String,
    svg: String,
}

impl Figure {
    fn new(file: &str, title: &str, caption: &str, svg: String) -> Self {
        Self {
            file: file.into(),
            title: title.into(),
            caption: caption.into(),
            svg,
        }
    }
}

/// What [`plot`] wrote.
pub struct PlotReport {
    /// The figures folder.
    pub folder: PathBuf,
    /// Its figures, in page order (`index.html` shows them all).
    pub figures: Vec<Figure>,
    /// Figures this folder has no data for, and why.
    pub notes: Vec<String>,
}

/// A bad plot option, in the command line's words.
fn option_error(option: &str, key: &str, message: &str) -> Error {
    Error::scenario(option, key, message)
}

/// Draw the figures of the run or sweep folder `dir` into their folder.
pub fn plot(dir: &Path, opts: &PlotOptions) -> Result<PlotReport> {
    if !dir.join("timeseries.csv").is_file() {
        return Err(Error::Output {
            path: dir.to_path_buf(),
            message: "is not a finished run or sweep folder (it has no timeseries.csv)".into(),
        });
    }
    let is_sweep = dir.join("design.csv").is_file();
    if is_sweep
        && (opts.map_column.is_some() || opts.map_year.is_some() || opts.network_year.is_some())
    {
        return Err(option_error(
            "--map-column",
            "map_column",
            "a sweep folder has no map or network; these options are for run folders",
        ));
    }
    let (figures, notes) = if is_sweep {
        sweep::figures(dir)?
    } else {
        run::figures(dir, opts)?
    };
    let out = opts.out.clone().unwrap_or_else(|| dir.join("figures"));
    let folder = RunFolder::prepare(&out, opts.force)?;
    for f in &figures {
        let path = folder.file(&f.file);
        std::fs::write(&path, &f.svg).map_err(|e| Error::io(&path, e))?;
    }
    let page = folder.file("index.html");
    std::fs::write(&page, html(dir, &figures, &notes)).map_err(|e| Error::io(&page, e))?;
    let manifest = serde_json::json!({
        "program": "proxima",
        "version": env!("CARGO_PKG_VERSION"),
        "kind": "figures",
        "source": dir.display().to_string(),
        "map_column": opts.map_column,
        "map_year": opts.map_year,
        "network_year": opts.network_year,
        "files": figures.iter().map(|f| f.file.as_str()).chain(["index.html", "manifest.json"]).collect::<Vec<_>>(),
    });
    folder.write_manifest(&manifest)?;
    let folder = folder.commit()?;
    Ok(PlotReport {
        folder,
        figures,
        notes,
    })
}

/// Text for HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the folder's manifest says about it, in one line.
fn facts(dir: &Path) -> String {
    let manifest: serde_json::Value = std::fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let get = |k: &str| match &manifest[k] {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        v => Some(v.to_string()),
    };
    let mut parts = Vec::new();
    for (key, label) in [
        ("scenario_file", "scenario"),
        ("plan_file", "plan"),
        ("seed", "seed"),
        ("steps", "steps"),
        ("points", "design points"),
        ("replicates", "replicates"),
        ("version", "proxima"),
    ] {
        if let Some(v) = get(key) {
            parts.push(format!("{label} {v}"));
        }
    }
    parts.join(" · ")
}

/// The page that shows the figures.
fn html(dir: &Path, figures: &[Figure], notes: &[String]) -> String {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"generator\" content=\"proxima plot\">\n<title>Proxima: {0}</title>\n<style>body{{font-family:sans-serif;max-width:1240px;margin:2em auto;padding:0 1em;color:#222}}figure{{margin:2.5em 0}}img{{max-width:100%;border:1px solid #ddd}}figcaption{{color:#444;margin-top:.5em}}</style>\n</head>\n<body>\n<h1>{0}</h1>\n<p>{1}</p>\n",
        escape_html(&name),
        escape_html(&facts(dir))
    );
    for f in figures {
        page.push_str(&format!(
            "<figure>\n<h2>{}</h2>\n<img src=\"{}\" alt=\"{}\">\n<figcaption>{}</figcaption>\n</figure>\n",
            escape_html(&f.title),
            escape_html(&f.file),
            escape_html(&f.title),
            escape_html(&f.caption)
        ));
    }
    if !notes.is_empty() {
        page.push_str("<h2>Not drawn</h2>\n<ul>\n");
        for n in notes {
            page.push_str(&format!("<li>{}</li>\n", escape_html(n)));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</body>\n</html>\n");
    page
}
