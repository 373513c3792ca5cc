//! Sweeps: plans validated before anything runs, files byte-identical whatever
//! `--jobs`, threads, sharding or interruptions, failures recorded.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use common::{Table, proxima, root, stderr};
use proxima::sweep::{Plan, SweepOptions, run_sweep};

fn tiny() -> String {
    root().join("tests/data/tiny.toml").display().to_string()
}

/// A 3 × 2 grid with 2 replicates (12 runs of the tiny scenario).
fn grid_plan(dir: &Path) -> PathBuf {
    let path = dir.join("sweep_grid.toml");
    std::fs::write(
        &path,
        format!(
            r#"base = "{}"
seed = 11
replicates = 2
design = "grid"

[vary]
"proximity.similarity_weight" = [0.2, 0.5, 0.8]
regimes.clusters.weight_organised = [3, 9]

[output]
columns = ["regime", "firms", "ties_per_firm", "nonlocal_tie_share", "output"]
years = {{ from = 1950, to = 2012, every = 4 }}
"#,
            tiny()
        ),
    )
    .unwrap();
    path
}

/// Every file of a sweep folder, with the wall_seconds column of runs.csv blanked.
fn folder_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap();
            let bytes = if n == "runs.csv" {
                let text = String::from_utf8(bytes).unwrap();
                text.lines()
                    .map(|l| {
                        let mut f: Vec<&str> = l.splitn(4, ',').collect();
                        if f.len() == 4 && f[0] != "run_id" {
                            f[2] = "-";
                        }
                        f.join(",") + "\n"
                    })
                    .collect::<String>()
                    .into_bytes()
            } else {
                bytes
            };
            (n, bytes)
        })
        .collect()
}

fn assert_same_folder(a: &Path, b: &Path) {
    let (fa, fb) = (folder_bytes(a), folder_bytes(b));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&fa), names(&fb), "{} vs {}", a.display(), b.display());
    for ((n, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(
            x == y,
            "{n} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn sweep(args: &[&str]) -> std::process::Output {
    let mut all = vec!["sweep"];
    all.extend_from_slice(args);
    proxima(&all)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn files_are_tidy_and_identical_for_any_jobs_and_threads() {
    let dir = tempfile::tempdir().unwrap();
    let plan = grid_plan(dir.path());
    let mut outs = Vec::new();
    for (jobs, threads) in [("1", "1"), ("2", "2"), ("3", "1")] {
        let out = dir.path().join(format!("j{jobs}t{threads}"));
        let o = sweep(&[
            s(&plan),
            "--out",
            s(&out),
            "--jobs",
            jobs,
            "--threads",
            threads,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push(out);
    }
    for o in &outs[1..] {
        assert_same_folder(&outs[0], o);
    }
    let out = &outs[0];
    let mut files: Vec<String> = folder_bytes(out).into_iter().map(|f| f.0).collect();
    files.sort();
    assert_eq!(
        files,
        [
            "design.csv",
            "manifest.json",
            "runs.csv",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    let design = Table::read(&out.join("design.csv"));
    assert_eq!(
        design.header,
        [
            "run_id",
            "replicate",
            "seed",
            "proximity.similarity_weight",
            "regimes.clusters.weight_organised"
        ]
    );
    assert_eq!(design.rows.len(), 12);
    // Grid order: the last factor varies fastest, replicates innermost;
    // integers given for a real parameter are written as reals.
    assert_eq!(design.rows[0][3..], ["0.2", "3.0"]);
    assert_eq!(design.rows[2][3..], ["0.2", "9.0"]);
    assert_eq!(design.rows[11][3..], ["0.8", "9.0"]);
    let seeds: std::collections::BTreeSet<&String> = design.rows.iter().map(|r| &r[2]).collect();
    assert_eq!(seeds.len(), 12, "every run has its own seed");

    let ts = Table::read(&out.join("timeseries.csv"));
    let mut expect = design.header.clone();
    expect.extend(
        [
            "step",
            "year",
            "regime",
            "firms",
            "ties_per_firm",
            "nonlocal_tie_share",
            "output",
        ]
        .map(String::from),
    );
    assert_eq!(ts.header, expect);
    // 1950, 1954, … 2010: 16 kept years per run.
    assert_eq!(ts.rows.len(), 12 * 16);
    for (i, row) in ts.rows.iter().enumerate() {
        let run = i / 16;
        assert_eq!(
            row[..5],
            design.rows[run][..],
            "row {i} carries its run's design"
        );
        assert_eq!(row[6], (1950 + 4 * (i % 16)).to_string());
    }
    let summary = Table::read(&out.join("summary.csv"));
    assert_eq!(summary.header, expect);
    assert_eq!(summary.rows.len(), 12);
    assert!(
        summary.rows.iter().all(|r| r[6] == "2012"),
        "summary holds the final year"
    );
    let runs = Table::read(&out.join("runs.csv"));
    assert_eq!(runs.header, ["run_id", "status", "wall_seconds", "error"]);
    assert!(runs.rows.iter().all(|r| r[1] == "ok" && r[3].is_empty()));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["program"], "proxima");
    assert_eq!(manifest["runs"], 12);
    assert_eq!(manifest["plan"]["seed"], 11);
    assert_eq!(manifest["base_scenario"]["population"]["firms"], 300);
    assert!(manifest["version"].is_string());
}

#[test]
fn a_sweep_row_is_the_single_run_with_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    let plan = grid_plan(dir.path());
    let out = dir.path().join("sweep");
    let o = sweep(&[s(&plan), "--out", s(&out), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let design = Table::read(&out.join("design.csv"));
    let run = &design.rows[5];
    let single = dir.path().join("single");
    let o = proxima(&[
        "run",
        &tiny(),
        "--out",
        s(&single),
        "--seed",
        &run[2],
        "--set",
        &format!("proximity.similarity_weight={}", run[3]),
        "--set",
        &format!("regimes.clusters.weight_organised={}", run[4]),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let one = Table::read(&single.join("timeseries.csv"));
    let col = |t: &Table, c: &str| t.header.iter().position(|h| h == c).unwrap();
    let ts = Table::read(&out.join("timeseries.csv"));
    let rows: Vec<&Vec<String>> = ts.rows.iter().filter(|r| r[0] == "5").collect();
    for r in rows {
        let year: i64 = r[6].parse().unwrap();
        let single_row = &one.rows[(year - 1950) as usize];
        for c in [
            "step",
            "year",
            "regime",
            "firms",
            "ties_per_firm",
            "nonlocal_tie_share",
            "output",
        ] {
            assert_eq!(r[col(&ts, c)], single_row[col(&one, c)], "{c} in {year}");
        }
    }
}

#[test]
fn shards_merge_into_the_whole_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let plan = grid_plan(dir.path());
    let whole = dir.path().join("whole");
    let o = sweep(&[s(&plan), "--out", s(&whole), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut shards = Vec::new();
    for i in 0..5 {
        let out = dir.path().join(format!("shard{i}"));
        let o = sweep(&[
            s(&plan),
            "--out",
            s(&out),
            "--shard",
            &format!("{i}/5"),
            "--jobs",
            "1",
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let runs = Table::read(&out.join("runs.csv"));
        assert!(
            runs.rows
                .iter()
                .all(|r| r[0].parse::<u64>().unwrap() % 5 == i)
        );
        shards.push(out);
    }
    // Shards in any order.
    shards.reverse();
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", s(&merged)];
    args.extend(shards.iter().map(|p| s(p)));
    let o = proxima(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_folder(&whole, &merged);

    // A missing shard, or one of another plan, is refused.
    let o = proxima(&[
        "merge",
        s(&dir.path().join("m2")),
        s(&shards[0]),
        s(&shards[1]),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: shard 0/5 is missing\n",
            dir.path().join("m2").display()
        )
    );
    assert!(!dir.path().join("m2").exists());
    let o = proxima(&["merge", s(&dir.path().join("m3")), s(&shards[0]), s(&whole)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

fn parts_done(out: &Path) -> usize {
    std::fs::read_dir(out.join("parts"))
        .map(|d| {
            d.filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".csv"))
            })
            .count()
        })
        .unwrap_or(0)
}

/// Wait (at most a minute) until `n` runs of the sweep in `out` are done.
fn wait_for_parts(out: &Path, n: usize) {
    let t = Instant::now();
    while parts_done(out) < n && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn spawn_sweep(plan: &Path, out: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args(["sweep", s(plan), "--out", s(out), "--quiet"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn killed_sweeps_resume_to_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let plan = grid_plan(dir.path());
    let whole = dir.path().join("whole");
    let o = sweep(&[s(&plan), "--out", s(&whole), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // SIGKILL after a few parts, then at growing delays, until done.
    let out = dir.path().join("killed");
    let mut child = spawn_sweep(&plan, &out, &["--resume", "--jobs", "2"]);
    wait_for_parts(&out, 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let first = parts_done(&out);
    assert!((2..12).contains(&first), "killed with {first} runs done");
    let mut kills = 1;
    let mut delay = 20;
    loop {
        let mut child = spawn_sweep(&plan, &out, &["--resume", "--jobs", "2"]);
        std::thread::sleep(Duration::from_millis(delay));
        if child.try_wait().unwrap().is_some() {
            let o = child.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", stderr(&o));
            break;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        delay += 60;
        assert!(kills < 60, "never finished");
    }
    assert!(kills >= 2);
    assert_same_folder(&whole, &out);
    // A finished sweep resumed is left as it is.
    let o = sweep(&[s(&plan), "--out", s(&out), "--resume", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_same_folder(&whole, &out);
}

#[test]
fn ctrl_c_stops_cleanly_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let plan = grid_plan(dir.path());
    let out = dir.path().join("int");
    let child = spawn_sweep(&plan, &out, &["--jobs", "1"]);
    wait_for_parts(&out, 1);
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(130), "{err}");
    assert!(
        err.contains("--resume") && err.contains("runs are saved"),
        "{err}"
    );
    assert!(!out.join("runs.csv").exists());
    let o = sweep(&[s(&plan), "--out", s(&out), "--resume"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("already done"), "{}", stderr(&o));
    let whole = dir.path().join("whole");
    let o = sweep(&[s(&plan), "--out", s(&whole), "--quiet", "--jobs", "1"]);
    assert!(o.status.success());
    assert_same_folder(&whole, &out);
}

#[test]
fn existing_folders_are_kept_unless_resumed_or_forced() {
    let dir = tempfile::tempdir().unwrap();
    let plan = grid_plan(dir.path());
    let out = dir.path().join("dry");
    // Dry run: the count, and design.csv only.
    let o = sweep(&[s(&plan), "--out", s(&out), "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("12 runs (6 design points × 2 replicates)")
    );
    let names: Vec<_> = folder_bytes(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["design.csv"]);
    // The sweep may start in its own dry-run folder.
    let o = sweep(&[s(&plan), "--out", s(&out), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = folder_bytes(&out);
    let o = sweep(&[s(&plan), "--out", s(&out), "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: already exists; pass --resume to continue the sweep, --force to start it over, or choose another --out\n",
            out.display()
        )
    );
    assert_eq!(before, folder_bytes(&out));
    // Resuming with another plan is refused.
    let text = std::fs::read_to_string(&plan)
        .unwrap()
        .replace("seed = 11", "seed = 12");
    let other = dir.path().join("sweep_other.toml");
    std::fs::write(&other, text).unwrap();
    let o = sweep(&[s(&other), "--out", s(&out), "--resume", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: is not a sweep of this plan (its manifest.json differs: another plan, base scenario or program version); use another --out, or --force to start over\n",
            out.display()
        )
    );
    let o = sweep(&[s(&other), "--out", s(&out), "--force", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(before != folder_bytes(&out));
    // --force never deletes a folder Proxima did not write.
    let foreign = dir.path().join("foreign");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.tex"), "x").unwrap();
    let o = sweep(&[s(&plan), "--out", s(&foreign), "--force", "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!(
            "error: {}: is not a Proxima run folder (no manifest.json); refusing to replace it, even with --force\n",
            foreign.display()
        )
    );
    assert!(foreign.join("thesis.tex").exists());
}

/// Write a plan from `body` (after a base line) and return the error of
/// `sweep --dry-run`, with `{plan}` standing for the plan's path.
fn plan_error(name: &str, body: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, format!("base = \"{}\"\n{body}", tiny())).unwrap();
    let out = dir.path().join("out");
    let o = sweep(&[s(&path), "--out", s(&out), "--dry-run"]);
    assert_eq!(o.status.code(), Some(2), "accepted: {body}");
    assert!(!out.exists(), "wrote output for a bad plan");
    stderr(&o).replace(path.to_str().unwrap(), "{plan}")
}

#[test]
fn bad_plans_are_refused_before_anything_runs() {
    let grid = "seed = 1\ndesign = \"grid\"\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "sweep_a.toml",
            "seed = 1\ndesing = \"grid\"\n",
            "error: {plan}: desing: unknown key; did you mean `design`?",
        ),
        (
            "sweep_a.toml",
            "seed = 1\n",
            "error: {plan}: design: missing; every plan needs base, seed and design",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"factorial\"\n",
            "error: {plan}: design: `factorial` is not allowed; allowed: grid, random, lhs, oat, morris, sobol, file",
        ),
        (
            "sweep_a.toml",
            "seed = -1\ndesign = \"grid\"\n",
            "error: {plan}: seed: -1 is out of range; allowed: 0 to 9223372036854775807",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"grid\"\nreplicates = 0\n",
            "error: {plan}: replicates: 0 is out of range; allowed: 1 to 10000000",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"lhs\"\n[vary]\n\"cooperation.tie_decay\" = { min = 0.1, max = 0.2 }\n",
            "error: {plan}: samples: missing; random, lhs and sobol designs need samples = N",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"grid\"\nsamples = 3\n",
            "error: {plan}: samples: only random, lhs and sobol designs take samples (morris takes trajectories)",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"lhs\"\nsamples = 4\n[vary]\n\"cooperation.tie_decay\" = [0.1, 0.2]\n",
            "error: {plan}: vary.cooperation.tie_decay: lhs, morris and sobol designs sample ranges; write { min = …, max = … }",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"morris\"\n[vary]\n\"cooperation.tie_decay\" = { min = 0.1, max = 0.5 }\n",
            "error: {plan}: trajectories: missing; a morris design needs trajectories = r (10 to 50 is usual)",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"morris\"\ntrajectories = 4\nlevels = 5\n[vary]\n\"cooperation.tie_decay\" = { min = 0.1, max = 0.5 }\n",
            "error: {plan}: levels: 5 is odd; allowed: an even number of levels (4 is usual)",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"morris\"\ntrajectories = 4\ncandidates = 3\n[vary]\n\"cooperation.tie_decay\" = { min = 0.1, max = 0.5 }\n",
            "error: {plan}: candidates: 3 must exceed trajectories (4): the r trajectories are chosen among them",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"morris\"\ntrajectories = 4\n[vary]\n\"population.firms\" = { min = 100, max = 102 }\n",
            "error: {plan}: vary.population.firms: an integer range needs at least 4 values for 4 levels",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"sobol\"\nsamples = 8\ntrajectories = 3\n[vary]\n\"cooperation.tie_decay\" = { min = 0.1, max = 0.5 }\n",
            "error: {plan}: trajectories: only morris designs take trajectories",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"sobol\"\nsamples = 8\n[vary]\n\"cooperation.tie_decay\" = { min = 0.0, max = 0.5, scale = \"log\" }\n",
            "error: {plan}: vary.cooperation.tie_decay.min: a log scale needs min > 0; found 0.0",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"lhs\"\nsamples = 8\n[vary]\n\"cooperation.tie_decay\" = { min = 0.1, max = 0.5, group = \"g\" }\n",
            "error: {plan}: vary.cooperation.tie_decay.group: only morris and sobol designs group parameters",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"file\"\n",
            "error: {plan}: file: missing; a file design needs file = \"points.csv\" (a CSV file, one column per parameter by dotted path)",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[vary]\n\"cooperation.tie_decay\" = {{ min = 0.1, max = 0.2 }}\n"),
            "error: {plan}: vary.cooperation.tie_decay: grid and oat designs take a list of values, e.g. [0.5, 1.0, 1.5]",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"random\"\nsamples = 4\n[vary]\n\"cooperation.tie_decay\" = { min = 0.3, max = 0.2 }\n",
            "error: {plan}: vary.cooperation.tie_decay: min (0.3) must be below max (0.2)",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"random\"\nsamples = 4\n[vary]\n\"population.firms\" = { min = 100, max = 200.5 }\n",
            "error: {plan}: vary.population.firms: is an integer parameter; min and max must be integers",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[vary]\n\"cooperation.tie_decy\" = [0.1]\n"),
            "error: {plan}: vary.cooperation.tie_decy: `cooperation.tie_decy` is not a scenario parameter; did you mean `tie_decay`?",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[vary]\n\"cooperation.tie_decay\" = [0.1, 1.5]\n"),
            "error: {plan}: vary: design point 1 (cooperation.tie_decay=1.5) is not a valid scenario: cooperation.tie_decay: 1.5 is out of range; allowed: 0 to 1 (1/year)",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[vary]\n\"cooperation.tie_decay\" = [0.1, 0.1]\n"),
            "error: {plan}: vary.cooperation.tie_decay: value 0.1 is listed twice",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[vary]\n\"run.seed\" = [1, 2]\n"),
            "error: {plan}: vary.run.seed: the sweep derives run.seed for every run; use replicates for more seeds",
        ),
        (
            "sweep_a.toml",
            &format!(
                "{grid}[fixed]\n\"cooperation.tie_decay\" = 0.1\n[vary]\n\"cooperation.tie_decay\" = [0.2]\n"
            ),
            "error: {plan}: vary.cooperation.tie_decay: is also in [fixed]; a parameter is either fixed or varied",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[fixed]\n\"cooperation.tie_decay\" = 7\n"),
            "error: {plan}: fixed.cooperation.tie_decay: 7 is out of range; allowed: 0 to 1 (1/year)",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[output]\ncolumns = [\"firm\"]\n"),
            "error: {plan}: output.columns: `firm` is not a time-series column; did you mean `firms`?",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[output]\nyears = [1949]\n"),
            "error: {plan}: output.years: 1949 is outside the run; allowed: 1950 to 2012",
        ),
        (
            "sweep_a.toml",
            &format!("{grid}[output]\nyears = {{ from = 1950, every = 0 }}\n"),
            "error: {plan}: output.years.every: 0 is out of range; allowed: 1 to 1000",
        ),
        (
            "sweep_a.toml",
            "seed = 1\ndesign = \"grid\"\n[vary\n",
            "error: {plan}: invalid TOML at line 4, column 6: unclosed table, expected `]`",
        ),
    ];
    for (name, body, expected) in cases {
        let e = plan_error(name, body);
        assert_eq!(e, format!("{expected}\n"), "for\n{body}");
    }
    // A missing base.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sweep_b.toml");
    std::fs::write(
        &path,
        "base = \"nowhere.toml\"\nseed = 1\ndesign = \"grid\"\n",
    )
    .unwrap();
    let o = sweep(&[s(&path), "--dry-run", "--out", s(&dir.path().join("o"))]);
    assert_eq!(o.status.code(), Some(2));
    let d = dir.path().display();
    assert_eq!(
        stderr(&o),
        format!(
            "error: {d}/sweep_b.toml: base: cannot use `nowhere.toml`: {d}/nowhere.toml: cannot read: No such file or directory (os error 2)\n"
        )
    );
    // Bad command-line values.
    let plan = grid_plan(dir.path());
    let shard = "is not a shard; allowed: I/N with 0 ≤ I < N (e.g. 0/4), or slurm";
    for (args, expected) in [
        (
            vec!["--shard", "4/4"],
            format!("error: --shard: shard: `4/4` {shard}"),
        ),
        (
            vec!["--shard", "x"],
            format!("error: --shard: shard: `x` {shard}"),
        ),
        (
            vec!["--jobs", "0"],
            "error: --jobs: jobs: 0 is out of range; allowed: 1 or more".into(),
        ),
    ] {
        let mut all = vec![s(&plan), "--out", "/nonexistent/never"];
        all.extend(args);
        let o = sweep(&all);
        assert_eq!(o.status.code(), Some(2));
        assert_eq!(stderr(&o), format!("{expected}\n"));
    }
    let o = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args(["sweep", s(&plan), "--shard", "slurm", "--dry-run"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --shard: shard: `slurm` needs SLURM_ARRAY_TASK_ID: run it inside a SLURM array job (sbatch --array)\n"
    );
}

#[test]
fn shard_slurm_reads_the_array_task() {
    let dir = tempfile::tempdir().unwrap();
    let plan = grid_plan(dir.path());
    let out = dir.path().join("t");
    let o = Command::new(env!("CARGO_BIN_EXE_proxima"))
        .args([
            "sweep",
            s(&plan),
            "--shard",
            "slurm",
            "--dry-run",
            "--out",
            s(&out),
        ])
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_MIN", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // Task 3 of 1..4 is shard 2/4: runs 2, 6, 10.
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("3 in shard 2/4"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn file_designs_run_the_rows_of_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |csv: &str| {
        std::fs::write(dir.path().join("points.csv"), csv).unwrap();
        let plan = dir.path().join("p.toml");
        std::fs::write(
            &plan,
            format!(
                "base = \"{}\"\nseed = 1\nreplicates = 2\ndesign = \"file\"\nfile = \"points.csv\"\n",
                tiny()
            ),
        )
        .unwrap();
        plan
    };
    let plan = write("cooperation.tie_decay,population.firms\n0.1,300\n0.25,310\n");
    let out = dir.path().join("out");
    let o = sweep(&[s(&plan), "--out", s(&out), "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = common::Table::read(&out.join("design.csv"));
    assert_eq!(d.header[3..], ["cooperation.tie_decay", "population.firms"]);
    let rows: Vec<Vec<&str>> = d
        .rows
        .iter()
        .map(|r| r[3..].iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["0.1", "300"],
            ["0.1", "300"],
            ["0.25", "310"],
            ["0.25", "310"]
        ]
    );
    for (csv, needle) in [
        (
            "cooperation.tie_decay,population.firms\n0.1,abc\n",
            "row 1, column `population.firms`: `abc` is not an integer",
        ),
        ("cooperation.tie_decay\n1.5\n", "design point 0"),
        (
            "cooperation.tie_dekay\n0.5\n",
            "column `cooperation.tie_dekay`",
        ),
        ("cooperation.tie_decay\n", "has no rows"),
    ] {
        let plan = write(csv);
        let o = sweep(&[s(&plan), "--out", s(&dir.path().join("bad")), "--dry-run"]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{csv}: {err}");
        assert!(
            err.contains(needle) && err.lines().count() == 1,
            "{csv}: {err}"
        );
    }
}

#[test]
fn morris_and_sobol_designs_follow_the_seed_only() {
    let dir = tempfile::tempdir().unwrap();
    for (body, points) in [
        (
            "design = \"morris\"\ntrajectories = 5\ncandidates = 9\n[vary]\n\
             \"cooperation.tie_decay\" = { min = 0.1, max = 0.5, group = \"g\" }\n\
             \"cooperation.renewal_rate\" = { min = 0.5, max = 0.9, group = \"g\" }\n\
             \"proximity.decay_length_km\" = { min = 5.0, max = 80.0, scale = \"log\" }\n",
            5 * 3,
        ),
        (
            "design = \"sobol\"\nsamples = 16\nsecond_order = true\n[vary]\n\
             \"cooperation.tie_decay\" = { min = 0.1, max = 0.5 }\n\
             \"proximity.decay_length_km\" = { min = 5.0, max = 80.0, scale = \"log\" }\n",
            16 * 6,
        ),
    ] {
        let path = dir.path().join("p.toml");
        std::fs::write(&path, format!("base = \"{}\"\nseed = 3\n{body}", tiny())).unwrap();
        let a = Plan::load(&path).unwrap();
        let b = Plan::load(&path).unwrap();
        assert_eq!(a.point_count(), points);
        let all = |p: &Plan| (0..p.point_count()).map(|i| p.point(i)).collect::<Vec<_>>();
        assert_eq!(all(&a), all(&b));
        for point in all(&a) {
            let x = point.last().unwrap().as_float().unwrap();
            assert!((5.0..=80.0).contains(&x), "{x}");
        }
        if body.contains("morris") {
            // The two members of a group move together.
            let pts = all(&a);
            for w in pts.windows(2) {
                assert_eq!(w[0][0] != w[1][0], w[0][1] != w[1][1]);
            }
        }
        std::fs::write(&path, format!("base = \"{}\"\nseed = 4\n{body}", tiny())).unwrap();
        assert_ne!(all(&Plan::load(&path).unwrap()), all(&a));
    }
    let m = Plan::load(&root().join("scenarios/sweep_morris.toml")).unwrap();
    assert!(m.factors.len() >= 20);
}

#[test]
fn shipped_plans_are_valid() {
    let p = Plan::load(&root().join("scenarios/sweep_proximity.toml")).unwrap();
    assert_eq!((p.point_count(), p.runs()), (4, 12));
    let l = Plan::load(&root().join("scenarios/sweep_lhs.toml")).unwrap();
    assert_eq!(l.runs(), l.point_count() * l.replicates);
    assert!(l.runs() >= 20);
}

/// Run ids 3 (an error, its message over two lines with quotes) and 5 (a
/// panic) fail; the others run.
fn failing_runner(
    spec: &proxima::sweep::RunSpec,
    sc: &proxima::Scenario,
    cancel: &AtomicBool,
) -> proxima::Result<Vec<proxima::statistics::StepRow>> {
    match spec.run_id {
        3 => Err(proxima::Error::Internal("boom,\n\"quoted\"".into())),
        5 => panic!("worker panic"),
        _ => proxima::sweep::simulate(spec, sc, cancel),
    }
}

#[test]
fn failed_runs_are_recorded_and_the_others_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = grid_plan(dir.path());
    let plan = Plan::load(&plan_file).unwrap();
    let opts = SweepOptions {
        out: dir.path().join("f"),
        jobs: 2,
        threads: 2,
        shard: None,
        resume: false,
        force: false,
    };
    let report = run_sweep(&plan, &opts, &failing_runner, &(), &AtomicBool::new(false)).unwrap();
    assert_eq!(
        (report.runs, report.ran, report.failed, report.complete),
        (12, 12, 2, true)
    );
    let runs = Table::read(&opts.out.join("runs.csv"));
    assert_eq!(runs.rows.len(), 12);
    assert_eq!(runs.rows[3][1..2], ["failed"]);
    assert_eq!(runs.rows[3][3], "internal error: boom, \"quoted\"");
    assert_eq!(runs.rows[5][1], "failed");
    assert!(
        runs.rows[5][3].contains("panicked: worker panic"),
        "{:?}",
        runs.rows[5]
    );
    let summary = Table::read(&opts.out.join("summary.csv"));
    let ids: Vec<&str> = summary.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, ["0", "1", "2", "4", "6", "7", "8", "9", "10", "11"]);

    // The command line, given the finished sweep with its failed runs,
    // says so after the summary, exits 1 and leaves the folder as it is.
    let before = folder_bytes(&opts.out);
    let o = sweep(&[s(&plan_file), "--out", s(&opts.out), "--resume"]);
    let f = opts.out.display();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "wrote {f} (12 runs: 0 simulated now, 12 already done, 2 failed)\n\
             error: {f}/runs.csv: 2 of 12 runs failed; their errors are in the error column\n"
        )
    );
    assert_eq!(before, folder_bytes(&opts.out));
}

/// Merging shards whose runs failed writes the whole sweep, then exits 1.
#[test]
fn merging_failed_runs_exits_with_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::load(&grid_plan(dir.path())).unwrap();
    let mut shards = Vec::new();
    for index in 0..2 {
        let opts = SweepOptions {
            out: dir.path().join(format!("s{index}")),
            jobs: 2,
            threads: 1,
            shard: Some(proxima::sweep::Shard { index, count: 2 }),
            resume: false,
            force: false,
        };
        let report =
            run_sweep(&plan, &opts, &failing_runner, &(), &AtomicBool::new(false)).unwrap();
        // Runs 3 and 5 are both in shard 1/2.
        assert_eq!((report.runs, report.failed), (6, index * 2));
        shards.push(opts.out);
    }
    let merged = dir.path().join("merged");
    let o = proxima(&["merge", s(&merged), s(&shards[0]), s(&shards[1])]);
    let m = merged.display();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        format!(
            "wrote {m} (12 runs from 2 shards, 2 failed)\n\
             error: {m}/runs.csv: 2 of 12 runs failed\n"
        )
    );
    let runs = Table::read(&merged.join("runs.csv"));
    let failed: Vec<&str> = runs
        .rows
        .iter()
        .filter(|r| r[1] == "failed")
        .map(|r| r[0].as_str())
        .collect();
    assert_eq!(failed, ["3", "5"]);
}
