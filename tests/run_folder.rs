//! The life of an output folder and of the processes that write it: a
//! signal leaves nothing behind, a dead process's partial folder is
//! cleaned up, `--force` swaps whole folders, a manifest repeats its run,
//! a log gets plain progress lines, thread counts are bounded.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{proxima, run_to, scenario, small, stderr};

fn tiny() -> std::path::PathBuf {
    common::root().join("tests/data/tiny.toml")
}

/// Names of the entries of a folder.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A plan of `replicates` runs of `base` in `dir`.
fn sweep_plan(dir: &Path, base: &Path, replicates: u32) -> std::path::PathBuf {
    let plan = dir.join("sweep_plan.toml");
    std::fs::write(
        &plan,
        format!(
            "base = \"{}\"\nseed = 1\nreplicates = {replicates}\ndesign = \"grid\"\n\n[vary]\n\"proximity.similarity_weight\" = [0.5]\n",
            base.display()
        ),
    )
    .unwrap();
    plan
}

/// The id of a process that has ended (so no process runs with it, for
/// the short time of a test).
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Start `proxima ARGS`, wait until a partial folder appears in `dir`,
/// send `signal`, and return the exit code and standard error.
#[cfg(unix)]
fn signalled(dir: &Path, args: &[&str], signal: &str, settle: Duration) -> (Option<i32>, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let started = || {
        names(dir)
            .iter()
            .any(|n| n.contains("partial") || n.starts_with("sweep"))
    };
    while !started() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(settle);
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `timeout` and SLURM stop jobs with SIGTERM: a run stopped so leaves
/// neither its folder nor a partial one, like Ctrl-C.
#[cfg(unix)]
#[test]
fn sigterm_stops_a_run_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let (code, err) = signalled(
        dir.path(),
        &[
            "run",
            scenario("default.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
        "-TERM",
        Duration::from_millis(300),
    );
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("the run was stopped; nothing was written"),
        "{err}"
    );
    assert_eq!(names(dir.path()), Vec::<String>::new(), "{err}");
}

/// A sweep stopped by SIGTERM keeps its finished runs and says how to
/// resume; resuming completes it.
#[cfg(unix)]
#[test]
fn sigterm_stops_a_sweep_that_can_resume() {
    let dir = tempfile::tempdir().unwrap();
    let plan = sweep_plan(dir.path(), &small(), 6);
    let out = dir.path().join("sweep");
    let args = [
        "sweep",
        plan.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        "1",
        "--threads",
        "1",
        "--quiet",
    ];
    let (code, err) = signalled(dir.path(), &args, "-TERM", Duration::from_millis(1500));
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("--resume"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let mut resume: Vec<&str> = args.to_vec();
    resume.push("--resume");
    let o = proxima(&resume);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("timeseries.csv").exists());
}

/// A partial folder whose process is gone (SIGKILL, a crash) is removed by
/// the next run into the same parent, which says so in one line; a partial
/// folder of a living process is left alone.
#[test]
fn stale_partial_folders_are_removed_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let dead = dead_pid();
    let stale = dir.path().join(format!(".old.partial-{dead}"));
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("timeseries.csv"), "step\n").unwrap();
    let alive = dir
        .path()
        .join(format!(".other.partial-{}", std::process::id()));
    std::fs::create_dir(&alive).unwrap();
    let out = dir.path().join("run");
    let o = proxima(&[
        "run",
        tiny().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.lines().next().unwrap(),
        format!(
            "note: removed {}, left by process {dead} that no longer runs",
            stale.display()
        ),
        "{err}"
    );
    assert!(!stale.exists());
    assert!(alive.exists(), "a living process's folder was removed");
    let other = format!(".other.partial-{}", std::process::id());
    assert_eq!(names(dir.path()), vec![other, "run".to_string()]);
}

/// `--force` swaps the new folder in: while it replaces an old run, the
/// target always holds a complete run (its manifest), old or new.
#[test]
fn force_replaces_without_a_moment_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = run_to(&tiny(), &out, &["--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(out.join("timeseries.csv")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args([
            "run",
            tiny().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--seed",
            "2",
            "--force",
            "--quiet",
        ])
        .spawn()
        .unwrap();
    let mut checks = 0u64;
    let mut missing = 0u64;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        checks += 1;
        if !out.join("manifest.json").exists() {
            missing += 1;
        }
    };
    assert!(status.success());
    assert!(checks > 100, "the run ended before it could be watched");
    assert_eq!(
        missing, 0,
        "the target was missing {missing} of {checks} times"
    );
    let after = std::fs::read(out.join("timeseries.csv")).unwrap();
    assert_ne!(before, after, "the new run (seed 2) replaced the old one");
    assert_eq!(names(dir.path()), vec!["run".to_string()]);
}

/// A run's manifest holds its whole resolved scenario: running it again
/// gives the same files byte for byte.
#[test]
fn a_manifest_repeats_its_run() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    let o = run_to(
        &small(),
        &first,
        &[
            "--seed",
            "5",
            "--set",
            "run.end_year=2012",
            "--set",
            "output.firm_snapshot_years=[1980, 2012]",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let again = dir.path().join("again");
    let manifest = first.join("manifest.json");
    let o = run_to(&manifest, &again, &["--threads", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = names(&first);
    assert!(files.contains(&"firms.csv".to_string()), "{files:?}");
    assert_eq!(names(&again), files);
    for f in files.iter().filter(|f| f.ends_with(".csv")) {
        assert!(
            std::fs::read(first.join(f)).unwrap() == std::fs::read(again.join(f)).unwrap(),
            "{f} differs"
        );
    }
    let scenario_of = |dir: &Path| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["scenario"].clone()
    };
    assert_eq!(scenario_of(&first), scenario_of(&again));
    let o = proxima(&["validate", manifest.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Other JSON files are refused in one line.
#[test]
fn a_json_file_that_is_not_a_run_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    std::fs::write(&path, "{\"a\": 1}\n").unwrap();
    let o = proxima(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: is JSON but not a Proxima manifest (no \"program\": \"proxima\"); give a scenario file or a run's manifest.json\n",
            path.display()
        )
    );
}

/// Without a terminal (SLURM, nohup, CI) a run prints plain progress lines
/// at the rate asked, each saying how far it is and how long is left.
#[test]
fn a_log_gets_plain_progress_lines() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = proxima(&[
        "run",
        tiny().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--progress-every",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    let steps = common::Table::read(&out.join("timeseries.csv")).rows.len();
    assert_eq!(lines.len(), steps + 1, "{err}");
    assert!(
        lines[0].starts_with(&format!("progress: step 1 of {steps} (1950), ")),
        "{err}"
    );
    assert!(lines[0].contains(" elapsed, about "), "{err}");
    assert!(lines[1].contains(" left"), "{err}");
    assert!(lines[steps].starts_with("wrote "), "{err}");
    // The default rate (every 30 s) prints none for a short run.
    let o = proxima(&[
        "run",
        tiny().to_str().unwrap(),
        "--out",
        dir.path().join("quiet").to_str().unwrap(),
    ]);
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

/// A sweep in a log says which run of how many it is at.
#[test]
fn a_sweep_log_gets_plain_progress_lines() {
    let dir = tempfile::tempdir().unwrap();
    let plan = sweep_plan(dir.path(), &tiny(), 3);
    let o = proxima(&[
        "sweep",
        plan.to_str().unwrap(),
        "--out",
        dir.path().join("sweep").to_str().unwrap(),
        "--progress-every",
        "0",
        "--jobs",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    for (k, line) in lines[..3].iter().enumerate() {
        assert!(
            line.starts_with(&format!("progress: run {} of 3 (0 failed), ", k + 1)),
            "{err}"
        );
    }
    assert!(lines[3].starts_with("wrote "), "{err}");
}

/// Thread and job counts are bounded: beyond the cap the command is
/// refused at once, in one line, with the reason.
#[test]
fn thread_counts_beyond_the_cap_are_refused() {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let cap = (2 * cores).max(64);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = proxima(&[
        "run",
        tiny().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        "100000",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: --threads: threads: 100000 is more than this machine can use; allowed: 1 to {cap} (twice its {cores} cores, at least 64): more only slow the work down, and results do not depend on it\n"
        )
    );
    assert!(!out.exists());
    // The cap itself runs, and gives the same series as one thread.
    let o = run_to(&tiny(), &out, &["--threads", &cap.to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let one = dir.path().join("one");
    let o = run_to(&tiny(), &one, &["--threads", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read(out.join("timeseries.csv")).unwrap()
            == std::fs::read(one.join("timeseries.csv")).unwrap()
    );
}
