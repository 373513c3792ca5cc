//! Runs past 2025, the last year of the calendar trends (sector demand
//! shares, entrants' skill, decay length): the terminal and the manifest
//! say how each trend continues, and `[trends]` sets it.

mod common;

use std::path::Path;

use common::{Table, run_to, small, stderr};

/// Column `name` of the time-series row of `year`.
fn value(t: &Table, year: &str, name: &str) -> String {
    let col = t.header.iter().position(|h| h == name).expect(name);
    let y = t.header.iter().position(|h| h == "year").unwrap();
    t.rows
        .iter()
        .find(|r| r[y] == year)
        .unwrap_or_else(|| panic!("no row for {year}"))[col]
        .clone()
}

/// Employment share of `sector` in firms.csv.
fn employment_share(folder: &Path, sector: &str) -> f64 {
    let t = Table::read(&folder.join("firms.csv"));
    let (s, e) = (t.col("sector"), t.col("employees"));
    let emp = |keep: &dyn Fn(&str) -> bool| -> f64 {
        t.rows
            .iter()
            .filter(|r| keep(&r[s]))
            .map(|r| r[e].parse::<f64>().unwrap())
            .sum()
    };
    emp(&|x| x == sector) / emp(&|_| true)
}

#[test]
fn continued_trends_move_2050_the_way_they_moved_before_2025() {
    // The small scenario to 2050, every trend held against every trend
    // continued at its 1950–2025 pace, seeds 1 and 2. Up to 2025 the runs
    // are the same; in 2050 (paired by seed) continued skill is higher
    // (measured +0.023, seed to seed ±0.001), services hold a larger
    // share of employment (+0.044 to +0.047; seeds differ by ±0.035) and
    // agriculture about half its held share, and λ has grown by
    // e^{0.025 · 25} where held it stayed at its 2025 value.
    let dir = tempfile::tempdir().unwrap();
    for seed in ["1", "2"] {
        let run = |name: &str, pace: &str| {
            let out = dir.path().join(format!("{name}{seed}"));
            let sets = [
                "run.end_year=2050".to_string(),
                "output.firm_snapshot_years=[2050]".to_string(),
                format!("trends.demand_shares_pace={pace}"),
                format!("trends.newcomer_skill_pace={pace}"),
                format!("trends.decay_length_pace={pace}"),
            ];
            let mut args = vec!["--seed", seed];
            for s in &sets {
                args.extend(["--set", s]);
            }
            let o = run_to(&small(), &out, &args);
            assert!(o.status.success(), "{}", stderr(&o));
            out
        };
        let (held, continued) = (run("held", "0"), run("continued", "1"));
        let (h, c) = (
            Table::read(&held.join("timeseries.csv")),
            Table::read(&continued.join("timeseries.csv")),
        );
        let y = h.col("year");
        let upto = |t: &Table| -> Vec<Vec<String>> {
            t.rows
                .iter()
                .filter(|r| r[y].parse::<i64>().unwrap() <= 2025)
                .cloned()
                .collect()
        };
        assert_eq!(upto(&h), upto(&c), "seed {seed}: runs differ before 2026");
        assert_ne!(h.rows, c.rows, "seed {seed}: runs do not differ after 2025");

        let skill = |t: &Table| value(t, "2050", "mean_skill").parse::<f64>().unwrap();
        assert!(
            skill(&c) > skill(&h) + 0.01,
            "seed {seed}: mean skill {} continued vs {} held",
            skill(&c),
            skill(&h)
        );
        let (sh, sc) = (
            employment_share(&held, "services"),
            employment_share(&continued, "services"),
        );
        assert!(sc > sh + 0.02, "seed {seed}: services {sc} vs {sh}");
        let (ah, ac) = (
            employment_share(&held, "agriculture"),
            employment_share(&continued, "agriculture"),
        );
        assert!(ac < 0.7 * ah, "seed {seed}: agriculture {ac} vs {ah}");

        let lambda = |t: &Table, year| value(t, year, "decay_length_km").parse::<f64>().unwrap();
        assert_eq!(lambda(&h, "2050"), lambda(&h, "2025"), "seed {seed}");
        let growth = lambda(&c, "2050") / lambda(&c, "2025");
        assert!(
            (growth - (0.025f64 * 25.0).exp()).abs() < 1e-9,
            "seed {seed}: λ grew {growth}×"
        );
    }
}

#[test]
fn a_run_past_2025_says_how_the_trends_continue() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = common::root().join("tests/data/tiny.toml");
    let past = dir.path().join("past");
    let o = run_to(
        &tiny,
        &past,
        &[
            "--set",
            "run.end_year=2030",
            "--set",
            "trends.newcomer_skill_pace=0.5",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(
        notes,
        [
            "note: the run goes past 2025, the last year of the model's calendar trends: \
             sector demand shares held at the 2025 value; entrants' mean skill extrapolated at \
             0.5 × the 1950–2025 pace; decay length of geographic proximity extrapolated at \
             1 × the 1950–2025 pace (set with [trends] *_pace)"
        ],
        "stderr: {err}"
    );

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(past.join("manifest.json")).unwrap())
            .unwrap();
    let trends = manifest["trends"].as_array().expect("a trends list");
    let listed: Vec<(&str, f64, &str, bool)> = trends
        .iter()
        .map(|t| {
            assert_eq!(t["last_year"], 2025);
            (
                t["parameter"].as_str().unwrap(),
                t["pace"].as_f64().unwrap(),
                t["after_last_year"].as_str().unwrap(),
                t["run_goes_past"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (
                "trends.demand_shares_pace",
                0.0,
                "held at the 2025 value",
                true
            ),
            (
                "trends.newcomer_skill_pace",
                0.5,
                "extrapolated at 0.5 × the 1950–2025 pace",
                true
            ),
            (
                "trends.decay_length_pace",
                1.0,
                "extrapolated at 1 × the 1950–2025 pace",
                true
            ),
        ]
    );

    // A run that ends in 2025 or before: no note, and the manifest says the
    // run does not go past.
    let within = dir.path().join("within");
    let o = run_to(&tiny, &within, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("note:"), "{}", stderr(&o));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(within.join("manifest.json")).unwrap())
            .unwrap();
    assert!(
        manifest["trends"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["run_goes_past"] == false)
    );
}
