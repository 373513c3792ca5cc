//! The command line as a user meets it: bad input is refused with a
//! one-line message naming the file and key, nothing is written or lost,
//! and a run's folder holds tidy, complete output.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Table, proxima, proxima_in, root, run_to, scenario, small, stderr};

/// Run `proxima run` on a scenario written from `files` and check that it
/// is refused: exit code 2, exactly the one line `expected` on stderr
/// (`{dir}` stands for the folder holding the files), and no output folder
/// (partial or whole) left behind.
fn refused(files: &[(&str, &str)], run: &str, extra: &[&str], expected: &str) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = dir.path().join("out");
    let scen = dir.path().join(run);
    let mut args = vec![
        "run",
        scen.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = proxima(&args);
    let err = stderr(&o);
    let want = expected.replace("{dir}", dir.path().to_str().unwrap());
    assert_eq!(o.status.code(), Some(2), "exit code for {want}: {err}");
    assert_eq!(
        err,
        format!("{want}\n"),
        "stderr is not the one expected line"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(!out.exists(), "output folder written");
    assert!(
        left.iter()
            .all(|n| !n.to_string_lossy().contains("partial")),
        "partial folder left: {left:?}"
    );
}

#[test]
fn malformed_toml() {
    refused(
        &[("s.toml", "[run\nseed = 3\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: invalid TOML at line 1, column 5: unclosed table, expected `]`",
    );
}

#[test]
fn unknown_key_with_close_match() {
    refused(
        &[("s.toml", "[regimes.clusters]\nstrat = 1995\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: regimes.clusters.strat: unknown key; did you mean `start`?",
    );
}

#[test]
fn unknown_section_lists_valid_names() {
    refused(
        &[("s.toml", "[regime]\nx = 1\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: regime: unknown key; did you mean `regimes`?",
    );
}

#[test]
fn wrong_type() {
    refused(
        &[("s.toml", "[population]\nfirms = \"many\"\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: population.firms: expected an integer, found \"many\" (a string)",
    );
}

#[test]
fn negative_count() {
    refused(
        &[("s.toml", "[population]\ncitizens = -10\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: population.citizens: -10 is out of range; allowed: 1 to 1000000000 (count)",
    );
}

#[test]
fn probability_above_one() {
    refused(
        &[("s.toml", "[regimes.clusters]\ncluster_policy = 1.2\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: regimes.clusters.cluster_policy: 1.2 is out of range; allowed: 0 to 1 (1/year)",
    );
}

#[test]
fn regimes_out_of_order() {
    refused(
        &[("s.toml", "[regimes.decentralisation]\nstart = 1995\n")],
        "s.toml",
        &[],
        concat!(
            "error: {dir}/s.toml: regimes.decentralisation.start: regimes must start in the order ",
            "large_firm, decentralisation, clusters, transition ",
            "(regimes.decentralisation.start = 1995, regimes.clusters.start = 1990)"
        ),
    );
}

#[test]
fn regime_after_the_run_never_starts() {
    // A regime starting after the run's end is no error (issue 18): it
    // never starts, and `validate` says so.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        "[regimes.transition]\nstart = 2030\n",
    )
    .unwrap();
    let o = proxima_in(dir.path(), &["validate", "s.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.trim_end()
            .ends_with("after the run's end (2025), never happen: regimes.transition.start = 2030"),
        "{out}"
    );
}

#[test]
fn end_before_start() {
    refused(
        &[("s.toml", "[run]\nend_year = 1949\n")],
        "s.toml",
        &[],
        concat!(
            "error: {dir}/s.toml: run.end_year: the run must end in or after its first year ",
            "(run.start_year = 1950, run.end_year = 1949)"
        ),
    );
}

#[test]
fn missing_extends() {
    refused(
        &[("s.toml", "extends = \"nowhere.toml\"\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: extends: cannot read `nowhere.toml`: No such file or directory (os error 2)",
    );
}

#[test]
fn cyclic_extends() {
    refused(
        &[
            ("a.toml", "extends = \"b.toml\"\n"),
            ("b.toml", "extends = \"a.toml\"\n"),
        ],
        "a.toml",
        &[],
        "error: {dir}/b.toml: extends: `a.toml` makes a cycle of extends (a.toml → b.toml → a.toml); a scenario may extend a file that does not extend it back",
    );
}

#[test]
fn error_in_parent_names_the_parent() {
    refused(
        &[
            ("base.toml", "[firms]\ncompetition = 9.0\n"),
            ("child.toml", "extends = \"base.toml\"\n"),
        ],
        "child.toml",
        &[],
        "error: {dir}/base.toml: firms.competition: 9 is out of range; allowed: 1 to 5 (exponent)",
    );
}

#[test]
fn bad_set_path() {
    refused(
        &[("s.toml", "")],
        "s.toml",
        &["--set", "regimes.clusters.strt=1995"],
        "error: --set regimes.clusters.strt=1995: regimes.clusters.strt: unknown key; did you mean `start`?",
    );
}

#[test]
fn bad_set_value() {
    refused(
        &[("s.toml", "")],
        "s.toml",
        &["--set", "run.end_year=1900"],
        "error: --set run.end_year=1900: run.end_year: the run must end in or after its first year (run.start_year = 1950, run.end_year = 1900)",
    );
    refused(
        &[("s.toml", "")],
        "s.toml",
        &["--set", "no_equals_sign"],
        "error: --set no_equals_sign: expected KEY=VALUE with a dotted key, e.g. regimes.clusters.start=1995",
    );
}

#[test]
fn missing_scenario_file() {
    refused(
        &[],
        "absent.toml",
        &[],
        "error: {dir}/absent.toml: cannot read: No such file or directory (os error 2)",
    );
}

#[test]
fn validate_accepts_and_refuses() {
    let o = proxima(&["validate", scenario("default.toml").to_str().unwrap()]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("valid"));
    let o = proxima(&[
        "validate",
        scenario("default.toml").to_str().unwrap(),
        "--set",
        "run.seed=-1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --set run.seed=-1: run.seed: -1 is out of range; allowed: 0 to 2^63−1 (integer)\n"
    );
    assert!(o.stdout.is_empty());
}

const REQUIRED: [&str; 18] = [
    "step",
    "year",
    "regime",
    "firms",
    "employment",
    "large_firm_employment_share",
    "sme_employment_share",
    "micro_employment_share",
    "firm_entries",
    "firm_exits",
    "regional_employment_hhi",
    "ties",
    "ties_per_firm",
    "nonlocal_tie_share",
    "innovations",
    "cluster_organisations",
    "unemployment_rate",
    "output",
];

fn run_small(out: &Path, extra: &[&str]) -> std::process::Output {
    run_to(&small(), out, extra)
}

#[test]
fn outputs_are_tidy_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = run_small(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "--quiet printed: {}", stderr(&o));

    let ts = Table::read(&out.join("timeseries.csv"));
    for (i, name) in REQUIRED.iter().enumerate() {
        assert_eq!(ts.header[i], *name, "column {i}");
    }
    assert_eq!(ts.rows.len(), 76, "one row per step, 1950–2025");
    let text = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(
        !text.to_lowercase().contains("nan") && !text.contains("inf"),
        "non-finite number"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("step,")).count(),
        1,
        "one header"
    );
    let regime = ts.col("regime");
    let year = ts.col("year");
    for row in &ts.rows {
        let y: i64 = row[year].parse().unwrap();
        let expected = match y {
            ..=1972 => "large_firm",
            1973..=1989 => "decentralisation",
            1990..=2009 => "clusters",
            _ => "transition",
        };
        assert_eq!(row[regime], expected, "regime in {y}");
        for (h, v) in ts.header.iter().zip(row) {
            if h != "regime" {
                let x: f64 = v
                    .parse()
                    .unwrap_or_else(|_| panic!("{h} = {v} is not a number"));
                assert!(x.is_finite() && x >= 0.0, "{h} = {v}");
            }
        }
    }
    let (l, s, m) = (
        ts.f64s("large_firm_employment_share"),
        ts.f64s("sme_employment_share"),
        ts.f64s("micro_employment_share"),
    );
    for i in 0..l.len() {
        assert!(
            (l[i] + s[i] + m[i] - 1.0).abs() < 1e-9,
            "shares sum to {}",
            l[i] + s[i] + m[i]
        );
    }
    for (i, u) in ts.f64s("unemployment_rate").iter().enumerate() {
        assert!((0.0..1.0).contains(u), "step {i}: unemployment {u}");
    }

    let rg = Table::read(&out.join("regions.csv"));
    for (i, name) in ["step", "year", "region", "firms", "employment", "ties"]
        .iter()
        .enumerate()
    {
        assert_eq!(rg.header[i], *name);
    }
    assert_eq!(rg.rows.len(), 76 * 12, "one row per step and region");
    // Regional rows add up to the national ones.
    let emp: Vec<f64> = ts.f64s("employment");
    let remp = rg.f64s("employment");
    for step in 0..76 {
        let total: f64 = remp[step * 12..(step + 1) * 12].iter().sum();
        assert_eq!(total, emp[step]);
    }

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 42);
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert!(manifest["threads"].as_u64().unwrap() >= 1);
    assert!(manifest["wall_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(manifest["scenario"]["population"]["firms"], 1500);
    assert_eq!(
        manifest["scenario"]["firms"]["competition"],
        proxima::Scenario::default().firms.competition
    );
    assert_eq!(manifest["scenario"]["regimes"]["clusters"]["start"], 1990);
}

#[test]
fn existing_output_is_kept_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("precious.txt"), "keep me").unwrap();
    let o = run_small(&out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: already exists; choose another --out or pass --force to replace it\n",
            out.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(out.join("precious.txt")).unwrap(),
        "keep me"
    );
    // --force never deletes a folder that is not a Proxima run.
    let o = run_small(&out, &["--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: is not a Proxima run folder (no manifest.json); refusing to replace it, even with --force\n",
            out.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(out.join("precious.txt")).unwrap(),
        "keep me"
    );
    // A previous run is replaced with --force.
    let run = dir.path().join("previous");
    assert!(run_small(&run, &[]).status.success());
    let o = run_small(&run, &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(run.join("timeseries.csv").exists());
}

#[test]
fn default_output_folder_is_named_after_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let scen = dir.path().join("my_case.toml");
    let base = root().join("tests/data/small.toml");
    std::fs::write(
        &scen,
        format!(
            "extends = {:?}\n[run]\nend_year = 2025\n",
            base.to_str().unwrap()
        ),
    )
    .unwrap();
    let o = proxima_in(dir.path(), &["run", "my_case.toml", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("output/my_case/timeseries.csv").exists());
}

#[test]
fn no_progress_bar_when_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = proxima(&[
        "run",
        small().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("wrote "), "{err}");
}

#[test]
fn projection_past_the_present() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = run_small(&out, &["--set", "run.end_year=2050"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ts = Table::read(&out.join("timeseries.csv"));
    assert_eq!(ts.rows.len(), 101);
    assert_eq!(ts.rows.last().unwrap()[ts.col("regime")], "transition");
}

#[test]
fn quarterly_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = run_small(&out, &["--set", "run.steps_per_year=4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ts = Table::read(&out.join("timeseries.csv"));
    assert_eq!(ts.rows.len(), 76 * 4);
    assert_eq!(ts.rows[5][ts.col("year")], "1951");
}

/// A run stopped midway (Ctrl-C) leaves neither its folder nor a partial one.
#[cfg(unix)]
#[test]
fn interrupted_run_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let child = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args([
            "run",
            scenario("default.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let partial = || {
        std::fs::read_dir(dir.path())
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().contains("partial"))
    };
    while !partial() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{err}");
    assert!(err.contains("stopped"), "{err}");
    assert!(!out.exists());
    assert!(!partial(), "partial folder left behind");
}

#[test]
fn unknown_shock_kind() {
    refused(
        &[("s.toml", "[shocks.big]\nkind = \"meteor\"\nyear = 2000\n")],
        "s.toml",
        &[],
        concat!(
            "error: {dir}/s.toml: shocks.big.kind: `meteor` is not a shock kind; ",
            "kinds are energy_price, demand, remove_hub, sector_closure"
        ),
    );
}

#[test]
fn shock_before_the_run() {
    // A shock after the run's end simply does not happen (a pilot run may
    // stop early); one set before its start is a mistake.
    refused(
        &[("s.toml", "[shocks.early]\nkind = \"demand\"\nyear = 1940\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: shocks.early.year: a shock cannot happen before the run's start (shocks.early.year = 1940, run.start_year = 1950); allowed: 1950 or later",
    );
}

#[test]
fn unknown_key_in_a_shock() {
    refused(
        &[("s.toml", "[shocks.big]\nkind = \"demand\"\nyaer = 2000\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: shocks.big.yaer: unknown key; did you mean `year`?",
    );
}

#[test]
fn declared_firm_in_unknown_sector_or_region() {
    refused(
        &[("s.toml", "[declared_firms.plant]\nsector = \"steel\"\n")],
        "s.toml",
        &[],
        concat!(
            "error: {dir}/s.toml: declared_firms.plant.sector: `steel` is not a sector; sectors are ",
            "agriculture, agrifood, textiles, chemicals, metals, mechanical, electronics, pharma, ",
            "energy, construction, services, environmental_services"
        ),
    );
    refused(
        &[(
            "s.toml",
            "[declared_firms.plant]\nsector = \"energy\"\nregion = \"R99\"\n",
        )],
        "s.toml",
        &[],
        "error: {dir}/s.toml: declared_firms.plant.region: `R99` is not a region; regions are named R01 (the largest) to R40",
    );
    refused(
        &[(
            "s.toml",
            "[declared_firms.plant]\nneeds = { water = -1.0 }\n",
        )],
        "s.toml",
        &[],
        "error: {dir}/s.toml: declared_firms.plant.needs.water: -1 is out of range; allowed: 0 to 1000000000000 (t/year)",
    );
}

#[test]
fn snapshot_year_outside_the_run() {
    refused(
        &[("s.toml", "[output]\nfirm_snapshot_years = [1900]\n")],
        "s.toml",
        &[],
        "error: {dir}/s.toml: output.firm_snapshot_years[0]: 1900 is before the run's start; allowed: 1950 or later (run.start_year = 1950)",
    );
}

#[test]
fn transition_outputs_are_complete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = run_small(
        &out,
        &[
            "--set",
            "output.firm_snapshot_years=[1960, 2000]",
            "--set",
            "declared_firms.anchor.sector=\"energy\"",
            "--set",
            "declared_firms.anchor.employees=300",
            "--set",
            "shocks.hub.kind=\"remove_hub\"",
            "--set",
            "shocks.hub.year=2015",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let ts = Table::read(&out.join("timeseries.csv"));
    for name in [
        "symbiosis_exchanges",
        "exchanged_tonnes",
        "waste_generated",
        "waste_reused",
        "waste_reuse_rate",
        "virgin_resource_use",
        "virgin_resource_per_output",
        "water_use",
        "co2_emissions",
        "citizen_participation_rate",
        "tiers_lieux",
        "conflicts",
        "mean_environmental_concern",
    ] {
        ts.col(name);
    }
    for (w, r) in ts
        .f64s("waste_reused")
        .iter()
        .zip(ts.f64s("waste_generated"))
    {
        assert!(*w <= r + 1e-6, "reused {w} > generated {r}");
    }
    let (reused, exchanged) = (ts.f64s("waste_reused"), ts.f64s("exchanged_tonnes"));
    assert!(
        reused
            .iter()
            .zip(&exchanged)
            .all(|(a, b)| (a - b).abs() <= 1e-6 * b.max(1.0))
    );

    let ex = Table::read(&out.join("exchanges.csv"));
    for (i, name) in ["step", "year", "from_firm", "to_firm", "material", "tonnes"]
        .iter()
        .enumerate()
    {
        assert_eq!(ex.header[i], *name);
    }
    // exchanges.csv adds up to exchanged_tonnes, step by step.
    let mut by_step = vec![0.0; 76];
    for (s, t) in ex.f64s("step").iter().zip(ex.f64s("tonnes")) {
        by_step[*s as usize] += t;
    }
    for (a, b) in by_step.iter().zip(&exchanged) {
        assert!((a - b).abs() <= 1e-6 * b.max(1.0), "{a} vs {b}");
    }

    let firms = Table::read(&out.join("firms.csv"));
    let expected = [
        "year",
        "firm_id",
        "label",
        "sector",
        "region",
        "employees",
        "output",
        "water_use",
        "virgin_resource_use",
        "waste_generated",
        "waste_reused",
        "exchanged_tonnes",
    ];
    for (i, name) in expected.iter().enumerate() {
        assert_eq!(firms.header[i], *name);
    }
    let years: std::collections::BTreeSet<String> =
        firms.rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(years.into_iter().collect::<Vec<_>>(), vec!["1960", "2000"]);
    let label = firms.col("label");
    assert!(
        firms.rows.iter().any(|r| r[label] == "anchor"),
        "declared firm keeps its label"
    );

    let events = std::fs::read_to_string(out.join("events.csv")).unwrap();
    assert!(
        events.starts_with("step,year,kind,subject,value\n"),
        "{events}"
    );
    assert!(
        events.contains(",1973,energy_price,") && events.contains(",2009,demand,"),
        "{events}"
    );
    assert!(events.contains(",2015,remove_hub,"), "{events}");
    let res = Table::read(&out.join("resilience.csv"));
    assert_eq!(res.header[..4], ["year", "kind", "subject", "indicator"]);
    assert_eq!(res.rows.len(), 4 * 2, "two indicators per shock");
}

#[test]
fn symbiosis_can_be_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = run_small(&out, &["--set", "symbiosis.enabled=false"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ts = Table::read(&out.join("timeseries.csv"));
    assert!(ts.f64s("exchanged_tonnes").iter().all(|&x| x == 0.0));
    assert!(ts.f64s("waste_generated").iter().any(|&x| x > 0.0));
    let ex = std::fs::read_to_string(out.join("exchanges.csv")).unwrap();
    assert_eq!(ex.lines().count(), 1, "only the header: {ex}");
    assert!(ex.starts_with("step,year,from_firm,to_firm,material,tonnes"));
}

#[test]
fn a_run_too_large_for_memory_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("huge");
    let o = run_to(
        &small(),
        &out,
        &[
            "--set",
            "population.citizens=900000000",
            "--set",
            "population.firms=100000000",
        ],
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--set population.citizens=900000000: population: the run needs about")
            && err.contains("GiB is available")
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!out.exists());
    let v = proxima(&["validate", scenario("default.toml").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&v.stdout).contains("peak memory about"));
}
