//! Many regions: the memory estimate follows the measured peak from 2 to
//! 2,000 regions, and the regional draws of large territories (a quadtree
//! beyond 128 regions) give the same bytes on any number of threads.

mod common;

use common::{root, run_to, stderr};

/// Peak resident memory (kB) of `proxima ARGS`: the child's own high-water
/// mark (`VmHWM` in `/proc/PID/status`, which only ever grows), read every
/// 2 ms until it exits. (The kernel's `ru_maxrss` of a child would also
/// count the memory of this test process at the time it was spawned.)
#[cfg(target_os = "linux")]
fn peak_kb(args: &[&str]) -> u64 {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run proxima");
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        let hwm = std::fs::read_to_string(&status).ok().and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
        peak = peak.max(hwm.unwrap_or(0));
        if let Some(exit) = child.try_wait().expect("wait for proxima") {
            assert!(
                exit.success(),
                "proxima {args:?} failed: {}",
                stderr(&common::proxima(args))
            );
            return peak;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn memory_estimate_follows_the_peak_from_2_to_2000_regions() {
    // tiny.toml's 300 firms and 3,000 citizens in 2 to 2,000 regions, on 2
    // threads: the estimate lies within a factor 1.5 of the measured peak
    // (measured 8.7–12.3 MB against estimates of 9.2–13.4 MB, ratios
    // 1.00–1.09; before the regional draws were made linear, 2,000 regions
    // peaked at 260–290 MB against an estimate of 22 MB).
    let dir = tempfile::tempdir().unwrap();
    let tiny = root().join("tests/data/tiny.toml");
    for regions in [2, 40, 400, 2000] {
        let set = format!("territory.regions={regions}");
        let out = dir.path().join(format!("r{regions}"));
        let measured = peak_kb(&[
            "run",
            tiny.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--threads",
            "2",
            "--set",
            &set,
        ]) as f64;
        let o = proxima::scenario::parse_override(&set).unwrap();
        let s = proxima::scenario::load(&tiny, &[o]).unwrap().scenario;
        let estimate = proxima::memory::estimate(&s).bytes as f64 / 1024.0;
        let ratio = estimate / measured;
        assert!(
            (1.0 / 1.5..=1.5).contains(&ratio),
            "{regions} regions: estimate {estimate:.0} kB, measured peak {measured:.0} kB"
        );
    }
}

#[test]
fn many_regions_give_the_same_bytes_on_any_number_of_threads() {
    // 600 regions draw through the quadtree, whose partitions and tables
    // are built on first use by whichever thread needs them.
    let dir = tempfile::tempdir().unwrap();
    let small = common::small();
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let o = run_to(
            &small,
            &out,
            &[
                "--threads",
                threads,
                "--set",
                "territory.regions=600",
                "--set",
                "run.end_year=2012",
            ],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let (one, three) = (run("1"), run("3"));
    for f in [
        "timeseries.csv",
        "regions.csv",
        "exchanges.csv",
        "events.csv",
    ] {
        let a = std::fs::read(one.join(f)).unwrap();
        let b = std::fs::read(three.join(f)).unwrap();
        assert!(a == b, "{f} differs between 1 and 3 threads");
    }
}
