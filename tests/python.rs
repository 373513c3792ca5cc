//! The Python package (python/): built into the tests' venv with maturin
//! (one release build of the extension, cached in target/) and tested with
//! pytest (python/tests/), which also runs the code of docs/PYTHON.md.
//! Without a venv (no python3, no network) the reason is printed and the
//! test passes, as the SLURM test does where no cluster is up.

mod common;

use std::process::Command;

use common::{python_env, root};

#[test]
fn python_package_passes_its_tests() {
    let python = match python_env() {
        Ok(p) => p,
        Err(reason) => {
            println!("Python tests skipped: {reason}");
            return;
        }
    };
    let venv = python
        .parent()
        .and_then(|bin| bin.parent())
        .expect("venv of the python")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        venv.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let started = std::time::Instant::now();
    let build = Command::new(venv.join("bin/maturin"))
        .args(["develop", "--release", "--quiet", "-m"])
        .arg(root().join("python/Cargo.toml"))
        .env("VIRTUAL_ENV", &venv)
        .env("PATH", &path)
        .output()
        .expect("run maturin");
    assert!(
        build.status.success(),
        "maturin develop failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    println!(
        "extension built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = std::time::Instant::now();
    let tests = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(root().join("python/tests"))
        .current_dir(root())
        .env("PROXIMA_BIN", env!("CARGO_BIN_EXE_proxima"))
        .env("PATH", &path)
        .output()
        .expect("run pytest");
    let out = String::from_utf8_lossy(&tests.stdout);
    println!("{out}");
    println!("pytest took {:.1} s", started.elapsed().as_secs_f64());
    assert!(
        tests.status.success(),
        "pytest failed:\n{out}\n{}",
        String::from_utf8_lossy(&tests.stderr)
    );
}
