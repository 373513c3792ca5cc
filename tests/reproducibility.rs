//! Same scenario and seed give byte-identical output whatever the number of
//! threads; another seed gives another history.

mod common;

use std::path::Path;

use common::{run_to, scenario, stderr};

/// Every CSV and GraphML file of a run folder, by name (the manifest records the thread
/// count and timings, so it is left out).
fn csv_files(folder: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv" || x == "graphml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Run `scenario` on 1, 2 and 3 threads and check that every CSV file,
/// `firms.csv` included, is the same byte for byte; return the files.
fn same_on_1_2_3_threads(dir: &Path, file: &str, extra: &[&str]) -> Vec<(String, Vec<u8>)> {
    let runs: Vec<Vec<(String, Vec<u8>)>> = ["1", "2", "3"]
        .iter()
        .map(|threads| {
            let out = dir.join(format!("{file}-t{threads}"));
            let mut args = vec!["--threads", threads];
            args.extend_from_slice(extra);
            let o = run_to(&scenario(file), &out, &args);
            assert!(o.status.success(), "{}", stderr(&o));
            csv_files(&out)
        })
        .collect();
    let names: Vec<&str> = runs[0].iter().map(|f| f.0.as_str()).collect();
    assert!(
        names.contains(&"firms.csv"),
        "{file}: no firms.csv in {names:?}"
    );
    for (k, threads) in [(1, 2), (2, 3)] {
        assert_eq!(
            names,
            runs[k].iter().map(|f| f.0.as_str()).collect::<Vec<_>>()
        );
        for ((name, a), (_, b)) in runs[0].iter().zip(&runs[k]) {
            assert!(
                a == b,
                "{file}: {name} differs between 1 and {threads} threads"
            );
        }
    }
    runs.into_iter().next().unwrap()
}

#[test]
fn thread_count_does_not_change_a_single_byte() {
    let dir = tempfile::tempdir().unwrap();
    let snapshots = [
        "--set",
        "output.firm_snapshot_years=[1960, 1990, 2025]",
        "--set",
        "output.network_snapshot_years=[1990, 2025]",
    ];
    let one = same_on_1_2_3_threads(dir.path(), "default.toml", &snapshots);
    let out = dir.path().join("s43");
    let mut args = vec!["--seed", "43"];
    args.extend_from_slice(&snapshots);
    let o = run_to(&scenario("default.toml"), &out, &args);
    assert!(o.status.success(), "{}", stderr(&o));
    let other = csv_files(&out);
    for name in ["timeseries.csv", "firms.csv"] {
        let find = |files: &[(String, Vec<u8>)]| {
            files
                .iter()
                .find(|f| f.0 == name)
                .map(|f| f.1.clone())
                .unwrap()
        };
        assert!(
            find(&other) != find(&one),
            "seed 43 gave the same {name} as seed 42"
        );
    }
}

/// Firms declared by name (Kalundborg's partners) enter at their founding
/// year with their own sizes and flows: the same bytes on any thread count.
#[test]
fn declared_firms_do_not_change_with_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let files = same_on_1_2_3_threads(dir.path(), "kalundborg.toml", &[]);
    let exchanges = files.iter().find(|f| f.0 == "exchanges.csv").unwrap();
    assert!(
        String::from_utf8_lossy(&exchanges.1).contains(",refinery,power_plant,"),
        "no exchange between declared partners"
    );
}

/// The performance work must not buy speed with results: the 100,000-firm,
/// 1,000,000-citizen bench scenario gives the same bytes on 1 and 2 threads.
#[test]
fn bench_100k_is_identical_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let bench = scenario("bench_100k.toml");
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let o = run_to(&bench, &out, &["--threads", threads]);
        assert!(o.status.success(), "{}", stderr(&o));
        csv_files(&out)
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(
        one.iter().map(|f| &f.0).collect::<Vec<_>>(),
        two.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for ((name, a), (_, b)) in one.iter().zip(&two) {
        assert!(
            a == b,
            "{name} of bench_100k differs between 1 and 2 threads"
        );
    }
}
