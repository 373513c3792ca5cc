//! `proxima plot`: the figures of a run and of a sweep are valid SVG with
//! real content, the page shows them all, and bad options stop with one
//! line and exit code 2.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{proxima, root, run_to, stderr};

/// What an SVG figure holds: its elements by name and its distinct colours.
struct Svg {
    elements: std::collections::BTreeMap<String, usize>,
    colours: BTreeSet<String>,
}

fn read_svg(path: &Path) -> Svg {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.starts_with("<svg ") && text.trim_end().ends_with("</svg>"),
        "{} is not one SVG document",
        path.display()
    );
    assert_eq!(text.matches("<svg").count(), 1, "{}", path.display());
    let mut elements = std::collections::BTreeMap::new();
    for piece in text.split('<').skip(1) {
        let name: String = piece
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if !name.is_empty() {
            *elements.entry(name).or_insert(0) += 1;
        }
    }
    let mut colours = BTreeSet::new();
    for attr in ["fill=\"#", "stroke=\"#"] {
        for piece in text.split(attr).skip(1) {
            colours.insert(piece.chars().take(6).collect::<String>());
        }
    }
    Svg { elements, colours }
}

fn count(svg: &Svg, element: &str) -> usize {
    svg.elements.get(element).copied().unwrap_or(0)
}

fn tiny() -> std::path::PathBuf {
    root().join("tests/data/tiny.toml")
}

#[test]
fn a_run_gets_five_figures_and_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let o = run_to(
        &tiny(),
        &run,
        &["--set", "output.firm_snapshot_years=[1980, 2010]"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = proxima(&["plot", run.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let figures = run.join("figures");
    let page = std::fs::read_to_string(figures.join("index.html")).unwrap();
    // Figure: (least distinct colours, elements that carry the data, least
    // of them). Employment by sector is a bar per sector and snapshot year
    // from firms.csv, or an area per sector where the run writes sectors.csv.
    let expected: [(&str, usize, &[&str], usize); 5] = [
        ("headline.svg", 8, &["polyline"], 6),
        ("employment_size.svg", 4, &["polygon"], 3),
        ("employment_sector.svg", 10, &["rect", "polygon"], 12),
        ("map.svg", 5, &["circle"], 2 * 6),
        ("network.svg", 5, &["circle"], 2 * 6),
    ];
    for (file, colours, elements, least) in expected {
        let svg = read_svg(&figures.join(file));
        assert!(
            svg.colours.len() >= colours,
            "{file}: {} distinct colours: {:?}",
            svg.colours.len(),
            svg.colours
        );
        let drawn: usize = elements.iter().map(|e| count(&svg, e)).sum();
        assert!(
            drawn >= least,
            "{file}: {drawn} {elements:?} elements, fewer than {least}"
        );
        assert!(count(&svg, "text") >= 5, "{file}: no labels");
        assert!(
            page.contains(&format!("<img src=\"{file}\"")),
            "{file} not on the page"
        );
    }
    // The headline figure shades the four regimes: one rectangle each per
    // panel, in four distinct shades.
    let headline = std::fs::read_to_string(figures.join("headline.svg")).unwrap();
    for shade in ["9ECAE1", "FDD0A2", "C7E9C0", "DADAEB"] {
        assert!(headline.contains(shade), "regime shade {shade} missing");
    }
    // Another map: a column and year of the user's choice.
    let o = proxima(&[
        "plot",
        run.to_str().unwrap(),
        "--out",
        dir.path().join("fig2").to_str().unwrap(),
        "--map-column",
        "firms",
        "--map-year",
        "1990",
        "--network-year",
        "1980",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty());
    let map = std::fs::read_to_string(dir.path().join("fig2/map.svg")).unwrap();
    assert!(map.contains("firms in 1990"), "map title");
    let network = std::fs::read_to_string(dir.path().join("fig2/network.svg")).unwrap();
    assert!(network.contains("in 1980"), "network title");
}

#[test]
fn bad_options_stop_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert!(run_to(&tiny(), &run, &[]).status.success());
    let r = run.to_str().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--map-column", "nope"],
            "error: --map-column: map_column: `nope` is not a numeric column of regions.csv; allowed: firms, employment,",
        ),
        (
            &["--map-year", "1900"],
            "error: --map-year: map_year: 1900 is not a year of regions.csv; allowed: 1950 to 2012",
        ),
        (
            &["--network-year", "2013"],
            "error: --network-year: network_year: 2013 is not a year of regions.csv; allowed: 1950 to 2012",
        ),
        (
            &["--out", r],
            "already exists; choose another --out or pass --force",
        ),
    ];
    for (extra, message) in cases {
        let mut args = vec!["plot", r];
        args.extend_from_slice(extra);
        let o = proxima(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    assert!(
        !run.join("figures").exists(),
        "nothing written on a bad option"
    );
    let o = proxima(&["plot", dir.path().join("none").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not a finished run or sweep folder"));
    // Figures are replaced only with --force.
    assert!(proxima(&["plot", r, "--quiet"]).status.success());
    let o = proxima(&["plot", r, "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(proxima(&["plot", r, "--quiet", "--force"]).status.success());
}

#[test]
fn tables_of_later_runs_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert!(run_to(&tiny(), &run, &[]).status.success());
    // Ties and nodes as issue 20 will write them.
    let mut nodes =
        String::from("year,firm_id,enterprise,sector,region,x_km,y_km,employees,cluster_member\n");
    for i in 0..60 {
        nodes.push_str(&format!(
            "2010,{i},{i},{},R01,{},{},5,false\n",
            ["energy", "metals", "services"][i % 3],
            (i * 37 % 500) as f64,
            (i * 53 % 400) as f64
        ));
    }
    let mut ties = String::from("year,from_firm,to_firm,origin,km\n");
    for i in 0..120 {
        ties.push_str(&format!(
            "2010,{},{},geographic,1.0\n",
            i % 60,
            (i * 7 + 1) % 60
        ));
    }
    // Employment by sector as sectors.csv will hold it.
    let mut sectors =
        String::from("step,year,sector,enterprises,establishments,employment,output\n");
    for year in 1950..=2012 {
        for (k, sector) in ["energy", "metals", "services"].iter().enumerate() {
            let employment = 100 * (k + 1) + (year - 1950) * (k + 1);
            sectors.push_str(&format!(
                "{},{year},{sector},10,12,{employment},1.5\n",
                year - 1950
            ));
        }
    }
    std::fs::write(run.join("nodes.csv"), nodes).unwrap();
    std::fs::write(run.join("ties.csv"), ties).unwrap();
    std::fs::write(run.join("sectors.csv"), sectors).unwrap();
    let o = proxima(&["plot", run.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = read_svg(&run.join("figures/network.svg"));
    assert!(count(&svg, "polyline") >= 120, "{:?}", svg.elements);
    assert!(count(&svg, "circle") >= 60, "{:?}", svg.elements);
    assert!(svg.colours.len() >= 4, "{:?}", svg.colours);
    let svg = read_svg(&run.join("figures/employment_sector.svg"));
    assert!(count(&svg, "polygon") >= 3, "{:?}", svg.elements);
    let page = std::fs::read_to_string(run.join("figures/index.html")).unwrap();
    assert!(page.contains("Employment of each sector (sectors.csv)"));
}

#[test]
fn a_sweep_gets_replicate_means_with_bands() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "base = \"{}\"\nseed = 5\nreplicates = 3\ndesign = \"grid\"\n[fixed]\n\"run.end_year\" = 1975\n[vary]\n\"regimes.large_firm.aggregate_demand\" = [0.8, 1.2]\n",
            tiny().display()
        ),
    )
    .unwrap();
    let out = dir.path().join("sweep");
    let o = proxima(&[
        "sweep",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = proxima(&["plot", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = read_svg(&out.join("figures/sweep.svg"));
    // Six panels, each with a band and a mean line per design point.
    assert!(count(&svg, "polygon") >= 12, "{:?}", svg.elements);
    assert!(count(&svg, "polyline") >= 12, "{:?}", svg.elements);
    assert!(svg.colours.len() >= 4, "{:?}", svg.colours);
    let page = std::fs::read_to_string(out.join("figures/index.html")).unwrap();
    assert!(page.contains("<img src=\"sweep.svg\""));
    let o = proxima(&["plot", out.to_str().unwrap(), "--map-column", "firms"]);
    assert_eq!(o.status.code(), Some(2));
}
