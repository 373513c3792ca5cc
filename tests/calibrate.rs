//! `proxima calibrate`: it finds again the parameter values that produced
//! its targets, and its folder is the same whatever the jobs, interruptions
//! (SIGKILL, then --resume) or shards.

mod common;

use std::path::{Path, PathBuf};

use common::{Table, proxima, stderr};

fn tiny() -> String {
    common::root()
        .join("tests/data/tiny.toml")
        .display()
        .to_string()
}

/// A targets file of the values a run of the tiny scenario gave.
fn targets_from_run(dir: &Path, sets: &[&str]) -> PathBuf {
    let out = dir.join("truth");
    let mut args = vec![
        "run".to_string(),
        tiny(),
        "--out".into(),
        out.display().to_string(),
        "--quiet".into(),
        "--seed".into(),
        "3".into(),
        "--set".into(),
        "run.end_year=2005".into(),
    ];
    for s in sets {
        args.extend(["--set".to_string(), s.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = proxima(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let by_year = Table::read(&out.join("timeseries.csv")).by_year();
    let mut text = String::from("schema = 1\n");
    for column in ["ties_per_firm", "mean_tie_distance_km"] {
        for year in [1990, 2005] {
            text += &format!(
                "[[target]]\nid = \"{column}_{year}\"\ndescription = \"test\"\nyear = {year}\n\
                 column = \"{column}\"\nunit = \"count\"\nvalue = {:?}\ntolerance = 0.1\n\
                 scale = \"none\"\nsource = \"a run\"\nin_run = true\n",
                by_year[&year][column]
            );
        }
    }
    let path = dir.join("targets.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn plan(dir: &Path, budget: &str) -> PathBuf {
    let path = dir.join("cal.toml");
    std::fs::write(
        &path,
        format!(
            "base = \"{}\"\nseed = 4\ntargets = \"targets.toml\"\nmethod = \"cmaes\"\n{budget}\n\
             [fixed]\n\"run.end_year\" = 2005\n\
             [vary]\n\"cooperation.max_ties_base\" = {{ min = 0.5, max = 6.0 }}\n\
             \"proximity.decay_length_km\" = {{ min = 5.0, max = 80.0, scale = \"log\" }}\n",
            tiny()
        ),
    )
    .unwrap();
    path
}

fn calibrate(plan: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "calibrate",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    proxima(&args)
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    [
        "manifest.json",
        "calibration.csv",
        "distances.csv",
        "best.toml",
    ]
    .iter()
    .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
    .collect()
}

#[test]
fn recovers_the_values_that_made_the_targets() {
    let dir = tempfile::tempdir().unwrap();
    targets_from_run(
        dir.path(),
        &[
            "cooperation.max_ties_base=3.5",
            "proximity.decay_length_km=40.0",
        ],
    );
    let plan = plan(
        dir.path(),
        "replicates = 2\ngenerations = 8\npopulation = 6",
    );
    let out = dir.path().join("out");
    let o = calibrate(&plan, &out, &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let best = std::fs::read_to_string(out.join("best.toml")).unwrap();
    let value = |key: &str| -> f64 {
        best.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("{key} not in {best}"))
            .parse()
            .unwrap()
    };
    // Within 15 % of each range (the log range in logs) of the truth.
    let ties = value("cooperation.max_ties_base");
    let decay = value("proximity.decay_length_km");
    assert!(
        (ties - 3.5).abs() <= 0.15 * 5.5,
        "max_ties_base {ties}\n{best}"
    );
    assert!(
        (decay / 40.0).ln().abs() <= 0.15 * 16f64.ln(),
        "decay_length_km {decay}\n{best}"
    );
    // The search improved on where it started (the base values 2 and 20 km).
    let t = Table::read(&out.join("calibration.csv"));
    let d = t.f64s("distance");
    let best_d = d.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(best_d < 0.05, "best distance {best_d}");
    assert!(d[..6].iter().cloned().fold(f64::INFINITY, f64::min) > 2.0 * best_d);
    assert_eq!(t.rows.len(), 8 * 6);
    // Per target, at the best point; and best.toml is a scenario that runs.
    let dist = Table::read(&out.join("distances.csv"));
    assert_eq!(dist.rows.len(), 4);
    let o = proxima(&["validate", out.join("best.toml").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn same_folder_for_any_jobs_after_sigkill_and_across_shards() {
    let dir = tempfile::tempdir().unwrap();
    targets_from_run(dir.path(), &["cooperation.max_ties_base=3.5"]);
    let plan = plan(
        dir.path(),
        "replicates = 1\ngenerations = 3\npopulation = 4\nrestarts = 2",
    );
    let whole = dir.path().join("whole");
    let o = calibrate(&plan, &whole, &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        Table::read(&whole.join("calibration.csv")).rows.len(),
        2 * 3 * 4
    );

    // Killed with SIGKILL once some runs are saved, then resumed on one job.
    let killed = dir.path().join("killed");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args([
            "calibrate",
            plan.to_str().unwrap(),
            "--out",
            killed.to_str().unwrap(),
            "--quiet",
            "--jobs",
            "1",
        ])
        .spawn()
        .unwrap();
    let parts = killed.join("parts");
    let started = std::time::Instant::now();
    while std::fs::read_dir(&parts).map(|d| d.count()).unwrap_or(0) < 5
        && started.elapsed().as_secs() < 120
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!killed.join("calibration.csv").exists());
    let o = calibrate(&plan, &killed, &["--jobs", "1"]);
    assert!(
        !o.status.success(),
        "an existing folder is kept without --resume"
    );
    let o = calibrate(
        &plan,
        &killed,
        &["--jobs", "1", "--resume", "--threads", "1"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files(&killed), files(&whole));

    // Two shards (one restart each), merged.
    let mut shards = Vec::new();
    for i in 0..2 {
        let s = dir.path().join(format!("shard{i}"));
        let o = calibrate(&plan, &s, &["--shard", &format!("{i}/2")]);
        assert!(o.status.success(), "{}", stderr(&o));
        shards.push(s.display().to_string());
    }
    let merged = dir.path().join("merged");
    let o = proxima(&["merge", merged.to_str().unwrap(), &shards[1], &shards[0]]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files(&merged), files(&whole));
    let o = proxima(&["merge", dir.path().join("m2").to_str().unwrap(), &shards[0]]);
    assert!(!o.status.success(), "a missing shard is refused");
}

#[test]
fn bad_calibration_plans_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    targets_from_run(dir.path(), &[]);
    for (budget, needle) in [
        ("generations = 0", "generations"),
        ("generations = 3\nmethod2 = 1", "method2"),
        ("generations = 3\nsigma = 2.0", "sigma"),
        (
            "generations = 3\n[weights]\nnot_a_target = 1.0",
            "weights.not_a_target",
        ),
    ] {
        let plan = plan(dir.path(), budget);
        let out = dir.path().join("never");
        let o = calibrate(&plan, &out, &[]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{budget}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{budget}: {err}");
        assert!(!out.exists());
    }
}
