//! The French data the model reads are what the committed build script
//! makes of the committed raw extracts (data/france/SOURCES.md).

use std::process::Command;

#[test]
fn departements_csv_matches_its_build_script() {
    let root = env!("CARGO_MANIFEST_DIR");
    let o = Command::new("python3")
        .current_dir(root)
        .args(["scripts/build_departements.py", "--check"])
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
