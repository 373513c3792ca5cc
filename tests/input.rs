//! Input that is not what it should be, as a user meets it: every refusal
//! is one whole line (asserted in full), exit code 2, at once; short pilot
//! runs, plans of any name and scripts reading the parameter list work.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{proxima_in, root, scenario, stderr};

/// Run the binary in `dir` and give it at most `limit` (it is killed
/// after); returns the exit code (None if killed), stdout and stderr.
fn run_within(dir: &Path, args: &[&str], limit: Duration) -> (Option<i32>, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = child.wait_with_output().unwrap();
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The command is refused at once (within 10 s) with exactly `line`.
fn refused(dir: &Path, args: &[&str], line: &str) {
    let (code, _, err) = run_within(dir, args, Duration::from_secs(10));
    assert_eq!(code, Some(2), "{args:?} not refused within 10 s: {err}");
    assert_eq!(err, format!("{line}\n"), "{args:?}");
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

const REGULAR: &str = "not a regular file; allowed: a regular file of at most 1 MiB";

#[test]
fn files_that_are_not_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    refused(
        d,
        &["validate", "/dev/zero"],
        &format!("error: /dev/zero: is a character device, {REGULAR}"),
    );
    write(d, "zero.toml", "extends = \"/dev/zero\"\n");
    refused(
        d,
        &["validate", "zero.toml"],
        &format!("error: zero.toml: extends: `/dev/zero` is a character device, {REGULAR}"),
    );
    mkfifo(&d.join("pipe.toml"));
    refused(
        d,
        &["run", "pipe.toml", "--quiet"],
        &format!("error: pipe.toml: is a FIFO (named pipe), {REGULAR}"),
    );
    write(d, "child.toml", "extends = \"pipe.toml\"\n");
    refused(
        d,
        &["validate", "child.toml"],
        &format!("error: child.toml: extends: `pipe.toml` is a FIFO (named pipe), {REGULAR}"),
    );
    refused(
        d,
        &["sweep", "pipe.toml", "--dry-run"],
        &format!("error: pipe.toml: is a FIFO (named pipe), {REGULAR}"),
    );
    std::fs::create_dir(d.join("folder.toml")).unwrap();
    refused(
        d,
        &["validate", "folder.toml"],
        &format!("error: folder.toml: is a directory, {REGULAR}"),
    );
    // Over the cap, even if it is all comments.
    write(d, "big.toml", &"# comment\n".repeat(110_000));
    refused(
        d,
        &["validate", "big.toml"],
        "error: big.toml: is too large (1.0 MiB); allowed: a regular file of at most 1 MiB",
    );
    std::fs::write(d.join("latin1.toml"), b"[run]\n# ann\xe9e\n").unwrap();
    refused(
        d,
        &["validate", "latin1.toml"],
        "error: latin1.toml: is not UTF-8 text (byte 0xe9 at line 2, column 6); save it as UTF-8",
    );
}

#[test]
fn a_sweep_folder_whose_manifest_is_not_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let shard = d.join("shard");
    std::fs::create_dir(&shard).unwrap();
    mkfifo(&shard.join("manifest.json"));
    refused(
        d,
        &["merge", "merged", "shard"],
        &format!("error: shard/manifest.json: is a FIFO (named pipe), {REGULAR}"),
    );
}

#[test]
fn a_set_value_is_one_toml_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let default = scenario("default.toml");
    let default = default.to_str().unwrap();
    refused(
        d,
        &[
            "validate",
            default,
            "--set",
            "run.end_year=2012\n[population]\nfirms=5",
        ],
        "error: --set run.end_year=2012\\n[population]\\nfirms=5: run.end_year: `2012\\n[population]\\nfirms=5` is more than one value; allowed: one TOML value, e.g. 1995, 0.5, true, \"text\" or [1, 2]",
    );
    refused(
        d,
        &["validate", default, "--set", "territory.regions=7\nfoo=1"],
        "error: --set territory.regions=7\\nfoo=1: territory.regions: `7\\nfoo=1` is more than one value; allowed: one TOML value, e.g. 1995, 0.5, true, \"text\" or [1, 2]",
    );
}

#[test]
fn type_errors_name_the_key_and_the_list_index() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.toml", "[output]\nfirm_snapshot_years = [1990, 1.5]\n");
    refused(
        d,
        &["validate", "s.toml"],
        "error: s.toml: output.firm_snapshot_years[1]: expected an integer, found 1.5 (a number)",
    );
    // Through --set, the option is at fault, not the file.
    write(d, "empty.toml", "");
    refused(
        d,
        &[
            "validate",
            "empty.toml",
            "--set",
            "output.firm_snapshot_years=[1.5]",
        ],
        "error: --set output.firm_snapshot_years=[1.5]: output.firm_snapshot_years[0]: expected an integer, found 1.5 (a number)",
    );
    write(
        d,
        "k.toml",
        "[sectors.pharma]\nknowledge = [0.4, 0.45, 0.0, \"high\", 0.05, 0.0, 0.0, 0.1]\n",
    );
    refused(
        d,
        &["validate", "k.toml"],
        "error: k.toml: sectors.pharma.knowledge[3]: expected a number, found \"high\" (a string)",
    );
    write(
        d,
        "r.toml",
        "[sectors.pharma]\nknowledge = [0.4, 1.45, 0.0, 0.0, 0.05, 0.0, 0.0, 0.1]\n",
    );
    refused(
        d,
        &["validate", "r.toml"],
        "error: r.toml: sectors.pharma.knowledge[1]: 1.45 is out of range; allowed: 0 to 1 (weight per field)",
    );
}

#[test]
fn a_rule_blames_the_key_at_fault_not_the_run_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "s.toml",
        "[run]\nend_year = 2012\n[output]\nfirm_snapshot_years = [1800]\n",
    );
    refused(
        d,
        &["validate", "s.toml"],
        "error: s.toml: output.firm_snapshot_years[0]: 1800 is before the run's start; allowed: 1950 or later (run.start_year = 1950)",
    );
}

#[test]
fn values_with_line_breaks_and_tabs_stay_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "s.toml",
        "[shocks.big]\nkind = \"met\\neor\\tx\"\nyear = 2000\n",
    );
    refused(
        d,
        &["validate", "s.toml"],
        "error: s.toml: shocks.big.kind: `met\\neor\\tx` is not a shock kind; kinds are energy_price, demand, remove_hub, sector_closure",
    );
    refused(
        d,
        &[
            "validate",
            "s.toml",
            "--set",
            "shocks.big.kind=\"a\\tb\\u001b[31m\"",
        ],
        "error: --set shocks.big.kind=\"a\\tb\\u001b[31m\": shocks.big.kind: `a\\tb\\u{1b}[31m` is not a shock kind; kinds are energy_price, demand, remove_hub, sector_closure",
    );
    // Raw control characters in the option itself are escaped too.
    refused(
        d,
        &["validate", "s.toml", "--set", "shocks.big.kind=a\u{1b}[31m"],
        "error: --set shocks.big.kind=a\\u{1b}[31m: shocks.big.kind: `a\\u{1b}[31m` holds control characters; write a string in quotes with escapes, e.g. \"a\\tb\"",
    );
    write(d, "k.toml", "[regimes]\n\"clu\\nsters\" = 1\n");
    refused(
        d,
        &["validate", "k.toml"],
        "error: k.toml: regimes.\"clu\\nsters\": unknown key; did you mean `clusters`?",
    );
}

#[test]
fn argument_errors_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.toml", "");
    write(
        d,
        "p.toml",
        &format!(
            "base = {:?}\nseed = 1\ndesign = \"grid\"\n",
            root().join("tests/data/tiny.toml").to_str().unwrap()
        ),
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["sweep", "p.toml", "--shard", "-1/3", "--dry-run"],
            "error: --shard: shard: `-1/3` is not a shard; allowed: I/N with 0 ≤ I < N (e.g. 0/4), or slurm",
        ),
        (
            &["run", "s.toml", "--seed", "-1"],
            "error: --seed: `-1` is not allowed (invalid digit found in string); allowed: an integer from 0 to 2^63−1",
        ),
        (
            &["run", "s.toml", "--seed", "18446744073709551616"],
            "error: --seed: `18446744073709551616` is not allowed (number too large to fit in target type); allowed: an integer from 0 to 2^63−1",
        ),
        (
            &["run", "s.toml", "--thread", "2"],
            "error: proxima run: unknown option `--thread`; did you mean `--threads`?; `proxima run --help` lists the options",
        ),
        (
            &["run"],
            "error: proxima run: missing <SCENARIO>; usage: proxima run <SCENARIO>",
        ),
        (
            &["run", "s.toml", "extra.toml"],
            "error: proxima run: unexpected argument `extra.toml`; usage: proxima run [OPTIONS] <SCENARIO>",
        ),
        (
            &["sweep", "p.toml", "--jobs", "many"],
            "error: --jobs: `many` is not allowed (invalid digit found in string); allowed: a whole number, 1 or more",
        ),
        (&["run", "s.toml", "--out"], "error: --out: needs a value"),
        (
            &["run", "s.toml", "--quiet", "--quiet"],
            "error: --quiet: given more than once; allowed: once",
        ),
        (
            &["params", "--format", "xml"],
            "error: --format: `xml` is not allowed; allowed: markdown, json, csv",
        ),
        (
            &["rnu", "s.toml"],
            "error: `rnu` is not a command; commands: run, validate, params, sweep, merge, plot",
        ),
        (
            &[],
            "error: a command is needed: run, validate, params, sweep, merge or plot (`proxima --help` says more)",
        ),
    ];
    for (args, line) in cases {
        refused(d, args, line);
    }
    // Help and version still print in full, with success.
    for args in [&["--help"][..], &["run", "--help"], &["--version"]] {
        let (code, out, err) = run_within(d, args, Duration::from_secs(10));
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{err}");
        assert!(out.contains("proxima"), "{out}");
    }
}

#[test]
fn a_short_pilot_run_skips_what_comes_after_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let default = scenario("default.toml");
    let (code, out, err) = run_within(
        d,
        &[
            "validate",
            default.to_str().unwrap(),
            "--set",
            "run.end_year=1980",
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(0), "{err}");
    let valid = format!(
        "{}: valid (1950–1980, 20000 firms, 200000 citizens, 40 regions; peak memory about ",
        default.display()
    );
    assert!(
        out.starts_with(&valid)
            && out.ends_with(" MiB); after the run's end (1980), never happen: regimes.clusters.start = 1990, regimes.transition.start = 2010, shocks.crisis_2008.year = 2009\n"),
        "{out}"
    );
    // Kalundborg's partners founded after a short run's end, and its
    // snapshot years, simply do not come.
    let k = scenario("kalundborg.toml");
    let (code, _, err) = run_within(
        d,
        &[
            "validate",
            k.to_str().unwrap(),
            "--set",
            "run.end_year=1965",
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(0), "{err}");
    // A run records what it left out in its manifest.
    let small = root().join("tests/data/small.toml");
    let (code, _, err) = run_within(
        d,
        &[
            "run",
            small.to_str().unwrap(),
            "--out",
            "pilot",
            "--set",
            "run.end_year=1975",
        ],
        Duration::from_secs(120),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.starts_with("note: after the run's end (1975), never happen: regimes.clusters.start = 1990, regimes.transition.start = 2010, shocks.crisis_2008.year = 2009, shocks.oil_1979.year = 1979\n"),
        "{err}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("pilot/manifest.json")).unwrap())
            .unwrap();
    let late: Vec<String> = manifest["after_the_run"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| format!("{}={}", a["key"].as_str().unwrap(), a["year"]))
        .collect();
    assert_eq!(
        late,
        [
            "regimes.clusters.start=1990",
            "regimes.transition.start=2010",
            "shocks.crisis_2008.year=2009",
            "shocks.oil_1979.year=1979"
        ]
    );
    // The order of the regimes is still checked.
    refused(
        d,
        &[
            "validate",
            default.to_str().unwrap(),
            "--set",
            "run.end_year=1980",
            "--set",
            "regimes.clusters.start=2030",
        ],
        "error: --set regimes.clusters.start=2030: regimes.clusters.start: regimes must start in the order large_firm, decentralisation, clusters, transition (regimes.clusters.start = 2030, regimes.transition.start = 2010)",
    );
}

#[test]
fn plans_are_known_by_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tiny = root().join("tests/data/tiny.toml");
    write(
        d,
        "my plan.toml",
        &format!(
            "base = {:?}\nseed = 1\nreplicates = 2\ndesign = \"grid\"\n[vary]\n\"cooperation.tie_decay\" = [0.1, 0.2]\n",
            tiny.to_str().unwrap()
        ),
    );
    let o = proxima_in(d, &["sweep", "my plan.toml", "--dry-run", "--out", "o"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("o/design.csv").exists());
    refused(
        d,
        &["run", "my plan.toml"],
        "error: my plan.toml: is a sweep plan (it has `base`), not a scenario; run it with `proxima sweep my plan.toml`",
    );
    refused(
        d,
        &["validate", "my plan.toml"],
        "error: my plan.toml: is a sweep plan (it has `base`), not a scenario; run it with `proxima sweep my plan.toml`",
    );
    write(
        d,
        "fit.toml",
        &format!(
            "base = {:?}\nseed = 1\ntargets = \"t.toml\"\nmethod = \"cmaes\"\ngenerations = 2\n",
            tiny.to_str().unwrap()
        ),
    );
    refused(
        d,
        &["validate", "fit.toml"],
        "error: fit.toml: is a calibration plan (it has `base`), not a scenario; run it with `proxima calibrate fit.toml`",
    );
    write(d, "s.toml", "[run]\nend_year = 2000\n");
    refused(
        d,
        &["sweep", "s.toml", "--dry-run"],
        "error: s.toml: is a scenario, not a sweep plan (a plan has `base`, `seed` and `design`); run it with `proxima run s.toml`",
    );
}

#[test]
fn params_prints_json_and_csv_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let json = proxima_in(dir.path(), &["params", "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    let find = |path: &str| {
        rows.iter()
            .find(|r| r["path"] == path)
            .unwrap_or_else(|| panic!("{path} missing"))
    };
    let tie = find("cooperation.tie_decay");
    assert_eq!(tie["default"], 0.25);
    assert_eq!(
        (tie["min"].as_f64(), tie["max"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    assert_eq!(tie["unit"], "1/year");
    assert!(tie["meaning"].as_str().unwrap().contains("strength"));
    // Every sector, regime and material spelled out; entries' templates.
    assert_eq!(find("regimes.clusters.start")["default"], 1990);
    assert_eq!(find("sectors.energy.inputs.water")["default"], 400.0);
    assert_eq!(
        find("output.firm_snapshot_years")["default"],
        serde_json::json!([])
    );
    assert_eq!(find("shocks.*.kind")["default"], "energy_price");
    assert_eq!(find("symbiosis.enabled")["min"], serde_json::Value::Null);
    assert_eq!(find("run.seed")["max"], i64::MAX);
    // One row per leaf of the defaults, plus the two entry templates.
    let defaults = proxima::scenario::defaults_value().unwrap();
    fn leaves(v: &toml::Value) -> usize {
        match v {
            toml::Value::Table(t) => t.values().map(leaves).sum(),
            _ => 1,
        }
    }
    let templates = rows
        .iter()
        .filter(|r| r["path"].as_str().unwrap().contains('*'))
        .count();
    assert_eq!(rows.len(), leaves(&defaults) + templates);
    assert!(templates >= 7 + 10, "{templates}");

    let csv = proxima_in(dir.path(), &["params", "--format", "csv"]);
    assert!(csv.status.success());
    let mut r = csv::Reader::from_reader(csv.stdout.as_slice());
    assert_eq!(
        r.headers().unwrap(),
        vec!["path", "default", "unit", "min", "max", "meaning"]
    );
    let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    let knowledge = records
        .iter()
        .find(|r| &r[0] == "sectors.pharma.knowledge")
        .unwrap();
    assert_eq!(&knowledge[1], "[0.4, 0.45, 0.0, 0.0, 0.05, 0.0, 0.0, 0.1]");
    assert_eq!((&knowledge[3], &knowledge[4]), ("0", "1"));
    // Markdown stays the default (docs/MODEL.md's tables).
    let md = proxima_in(dir.path(), &["params"]);
    assert!(
        String::from_utf8_lossy(&md.stdout)
            .contains("| parameter | default | unit | range | meaning |")
    );
}

/// Run the binary and return its exit code, peak memory in bytes (Linux)
/// and stderr. The child is reaped by `wait4`, which also gives its usage.
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)]
fn run_measured(dir: &Path, args: &[&str], limit: Duration) -> (Option<i32>, u64, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    loop {
        // Poll without reaping, so that wait4 below collects the usage.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid on our own child with a valid out-pointer.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
            )
        };
        // SAFETY: reading the pid field of a siginfo filled by waitid.
        if r == 0 && unsafe { info.si_pid() } == pid {
            break;
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: reaping our own child with valid out-pointers.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        std::io::Read::read_to_string(&mut e, &mut err).unwrap();
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, usage.ru_maxrss as u64 * 1024, err)
}

#[cfg(target_os = "linux")]
#[test]
fn a_plan_of_a_million_points_is_checked_fast_in_bounded_memory() {
    // Checking every point by resolving its scenario took about a
    // millisecond a point (over 8 minutes here on two cores) and kept the
    // points as TOML values; now each factor is checked by its range, and
    // an lhs factor keeps 4 bytes a point. (Named sweep_* so that the
    // previous binary, which required it, accepts it.)
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "sweep_big.toml",
        &format!(
            "base = {:?}\nseed = 7\ndesign = \"lhs\"\nsamples = 1000000\n[vary]\n\
             \"regimes.clusters.weight_geographic\" = {{ min = 1.0, max = 8.0 }}\n\
             \"cooperation.tie_decay\" = {{ min = 0.05, max = 0.5 }}\n\
             \"regimes.clusters.event_rate\" = {{ min = 0, max = 12 }}\n",
            root().join("tests/data/tiny.toml").to_str().unwrap()
        ),
    );
    let started = Instant::now();
    let (code, peak, err) = run_measured(
        d,
        &["sweep", "sweep_big.toml", "--dry-run", "--out", "o"],
        Duration::from_secs(120),
    );
    let took = started.elapsed();
    assert_eq!(code, Some(0), "{err}");
    assert!(took < Duration::from_secs(60), "{took:?}");
    // Three factors × 4 bytes × 1M points is 12 MB; the program and the
    // base scenario take the rest.
    assert!(peak < 100 << 20, "peak {} MB", peak >> 20);
    let rows = std::fs::read_to_string(d.join("o/design.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 1_000_001);
}

#[test]
fn factors_that_enter_rules_across_keys_are_checked_point_by_point() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let tiny = root().join("tests/data/tiny.toml");
    // tiny has 3,000 citizens: a point with more firms than employed
    // citizens is not a valid scenario, whatever the other factor.
    write(
        d,
        "p.toml",
        &format!(
            "base = {:?}\nseed = 3\ndesign = \"random\"\nsamples = 50\n[vary]\n\
             \"cooperation.tie_decay\" = {{ min = 0.1, max = 0.6 }}\n\
             \"population.firms\" = {{ min = 100, max = 4000 }}\n",
            tiny.to_str().unwrap()
        ),
    );
    let (code, _, err) = run_within(
        d,
        &["sweep", "p.toml", "--dry-run"],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: p.toml: vary: design point ")
            && err.contains(
                "is not a valid scenario: population.firms: every firm needs an employee"
            ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // A range whose end lies out of the parameter's range: the first point
    // beyond it is named.
    write(
        d,
        "q.toml",
        &format!(
            "base = {:?}\nseed = 3\ndesign = \"lhs\"\nsamples = 40\n[vary]\n\
             \"cooperation.tie_decay\" = {{ min = 0.5, max = 1.5 }}\n",
            tiny.to_str().unwrap()
        ),
    );
    let (code, _, err) = run_within(
        d,
        &["sweep", "q.toml", "--dry-run"],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.starts_with("error: q.toml: vary: design point ")
            && err.contains("is not a valid scenario: cooperation.tie_decay: 1.")
            && err.ends_with("is out of range; allowed: 0 to 1 (1/year)\n"),
        "{err}"
    );
}
