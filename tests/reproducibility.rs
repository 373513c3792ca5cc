//! Same scenario and seed give byte-identical output whatever the number of
//! threads; another seed gives another history.

mod common;

use common::{run_to, scenario, stderr};

/// The CSV files every run writes.
const OUTPUT_FILES: [&str; 5] = [
    "timeseries.csv",
    "regions.csv",
    "exchanges.csv",
    "events.csv",
    "resilience.csv",
];

#[test]
fn thread_count_does_not_change_a_single_byte() {
    let dir = tempfile::tempdir().unwrap();
    let default = scenario("default.toml");
    let run = |name: &str, threads: &str, seed: &str| {
        let out = dir.path().join(name);
        let o = run_to(&default, &out, &["--threads", threads, "--seed", seed]);
        assert!(o.status.success(), "{}", stderr(&o));
        OUTPUT_FILES.map(|f| std::fs::read(out.join(f)).unwrap_or_else(|e| panic!("{f}: {e}")))
    };
    let one = run("t1", "1", "42");
    let four = run("t4", "4", "42");
    for (k, f) in OUTPUT_FILES.iter().enumerate() {
        assert!(one[k] == four[k], "{f} differs between 1 and 4 threads");
    }
    let other = run("s43", "4", "43");
    assert!(
        other[0] != one[0],
        "seed 43 gave the same time series as seed 42"
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
        out
    };
    let (one, two) = (run("1"), run("2"));
    for f in OUTPUT_FILES {
        let a = std::fs::read(one.join(f)).unwrap();
        let b = std::fs::read(two.join(f)).unwrap();
        assert!(a == b, "{f} of bench_100k differs between 1 and 2 threads");
    }
}
