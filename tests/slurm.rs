//! The SLURM example for real: `examples/slurm/sweep.sbatch` submitted as a
//! 4-task array job to a one-node cluster on localhost, its merge step, and
//! the merged folder compared with the same plan run locally.
//!
//! The test needs a cluster, so `cargo test` lists it as ignored, with the
//! reason. `.ci/run` starts the cluster with `.ci/slurm-setup.sh` (Debian's
//! slurm-wlm) and then runs it for real with
//! `cargo test --release --test slurm -- --ignored`; run so, it fails (with
//! the reason) where no cluster is up. Where SLURM cannot be installed (no
//! root, no apt, no network) the setup script leaves its reason in
//! /tmp/proxima-slurm-unavailable and `.ci/run` says why it is not run.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{proxima, root, stderr};

fn unavailable() -> Option<String> {
    if let Ok(reason) = std::fs::read_to_string("/tmp/proxima-slurm-unavailable") {
        return Some(reason.trim().to_string());
    }
    match Command::new("sinfo").args(["-h", "-o", "%t"]).output() {
        Ok(o) if o.status.success() => {
            let states = String::from_utf8_lossy(&o.stdout).to_string();
            if states.contains("idle") || states.contains("mix") || states.contains("alloc") {
                None
            } else {
                Some(format!(
                    "no usable node (sinfo says `{}`); run .ci/slurm-setup.sh",
                    states.trim()
                ))
            }
        }
        Ok(o) => Some(format!(
            "sinfo failed: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(_) => {
            Some("sbatch/sinfo are not installed; run .ci/slurm-setup.sh (as root, Debian)".into())
        }
    }
}

fn dump_logs(dir: &Path) -> String {
    let mut text = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with("slurm-") {
                text += &format!(
                    "--- {name}\n{}\n",
                    std::fs::read_to_string(e.path()).unwrap_or_default()
                );
            }
        }
    }
    text
}

#[test]
#[ignore = "needs a one-node SLURM cluster: .ci/run starts one and runs this with --ignored"]
fn slurm_array_job_and_merge_match_the_local_sweep() {
    if let Some(reason) = unavailable() {
        panic!("SLURM unavailable: {reason}");
    }
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let plan = work.join("sweep_slurm.toml");
    std::fs::write(
        &plan,
        format!(
            "base = \"{}\"\nseed = 31\nreplicates = 2\ndesign = \"grid\"\n\n[vary]\n\
             \"proximity.similarity_weight\" = [0.2, 0.5, 0.8]\n\
             \"regimes.clusters.weight_geographic\" = [2.0, 6.0]\n\n[output]\n\
             years = {{ from = 1950, to = 2012, every = 2 }}\n",
            root().join("tests/data/tiny.toml").display()
        ),
    )
    .unwrap();
    let sbatch = root().join("examples/slurm/sweep.sbatch");
    let o = Command::new("sbatch")
        .current_dir(work)
        .env("PROXIMA", env!("CARGO_BIN_EXE_proxima"))
        .args([
            "--wait",
            "--array=0-3",
            "--cpus-per-task=1",
            "--time=20",
            sbatch.to_str().unwrap(),
            "sweep_slurm.toml",
            "out/merged",
        ])
        .output()
        .expect("sbatch");
    assert!(
        o.status.success(),
        "array job failed: {}\n{}",
        String::from_utf8_lossy(&o.stderr),
        dump_logs(work)
    );
    // The merge job starts when every task has succeeded; its folder
    // appears whole when it is done.
    let merged = work.join("out/merged");
    let t = Instant::now();
    while !merged.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(300),
            "the merge step did not finish in 5 minutes\n{}",
            dump_logs(work)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    for i in 0..4 {
        let shard = work.join(format!("out/merged.shards/task-{i}"));
        assert!(shard.join("runs.csv").exists(), "task {i} wrote no shard");
    }
    let local = work.join("local");
    let o = proxima(&[
        "sweep",
        plan.to_str().unwrap(),
        "--out",
        local.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "design.csv",
        "manifest.json",
        "timeseries.csv",
        "summary.csv",
    ] {
        let a = std::fs::read(local.join(f)).unwrap();
        let b = std::fs::read(merged.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the local sweep and the SLURM array"
        );
    }
    let strip = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                format!("{},{},{}", f[0], f[1], f[3..].join(","))
            })
            .collect()
    };
    assert_eq!(
        strip(&local.join("runs.csv")),
        strip(&merged.join("runs.csv"))
    );
    assert_eq!(strip(&local.join("runs.csv")).len(), 13);
}
