//! Kalundborg: the declared partners of the symbiosis, with the model
//! deciding the exchanges, reproduce the documented figures of 2000
//! (Chertow 2004): about 2.9 Mt exchanged per year, collective water use
//! about 25 % below, and the power station's about 60 % below, the same
//! scenario without symbiosis — averaged over replicate seeds, as the
//! brief asks of every pattern (which receiver a supplier finds first is
//! left to chance, as it was in history).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Table, run_to, scenario, stderr};

fn run(dir: &Path, name: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let o = run_to(&scenario("kalundborg.toml"), &out, extra);
    assert!(o.status.success(), "{}", stderr(&o));
    out
}

/// Water use of the declared partners in 2000, by label.
fn water_2000(folder: &Path) -> BTreeMap<String, f64> {
    let t = Table::read(&folder.join("firms.csv"));
    let (year, label, water) = (t.col("year"), t.col("label"), t.col("water_use"));
    t.rows
        .iter()
        .filter(|r| r[year] == "2000" && !r[label].is_empty())
        .map(|r| (r[label].clone(), r[water].parse::<f64>().unwrap()))
        .collect()
}

/// Figures of one seed: tonnes exchanged in 2000, collective and power
/// plant water ratios (with / without symbiosis), and whether the refinery's
/// water goes to the power plant and its gypsum to the plasterboard plant.
struct Figures {
    exchanged: f64,
    collective: f64,
    power: f64,
    refinery_water_to_power: bool,
    gypsum_to_plasterboard: bool,
}

fn figures(dir: &Path, seed: u64) -> Figures {
    let s = seed.to_string();
    let on = run(dir, &format!("on{seed}"), &["--seed", &s]);
    let off = run(
        dir,
        &format!("off{seed}"),
        &["--seed", &s, "--set", "symbiosis.enabled=false"],
    );
    let series = Table::read(&on.join("timeseries.csv")).by_year();
    let (w_on, w_off) = (water_2000(&on), water_2000(&off));
    for label in [
        "power_plant",
        "refinery",
        "plasterboard",
        "enzyme_insulin",
        "municipality",
        "fish_farm",
        "farms",
    ] {
        assert!(
            w_on.contains_key(label),
            "{label} missing from firms.csv in 2000"
        );
    }
    // The model, not the scenario, decided the exchanges: none before the
    // partners existed.
    let ex = Table::read(&on.join("exchanges.csv"));
    let (year, from, to, material) = (
        ex.col("year"),
        ex.col("from_label"),
        ex.col("to_label"),
        ex.col("material"),
    );
    assert!(
        ex.rows
            .iter()
            .all(|r| r[year].parse::<i64>().unwrap() >= 1959)
    );
    let has = |a: &str, b: &str, k: &str| {
        ex.rows
            .iter()
            .any(|r| r[year] == "2000" && r[from] == a && r[to] == b && r[material] == k)
    };
    Figures {
        exchanged: series[&2000]["exchanged_tonnes"],
        collective: w_on.values().sum::<f64>() / w_off.values().sum::<f64>(),
        power: w_on["power_plant"] / w_off["power_plant"],
        refinery_water_to_power: has("refinery", "power_plant", "water"),
        gypsum_to_plasterboard: has("power_plant", "plasterboard", "gypsum"),
    }
}

#[test]
fn kalundborg_in_2000_matches_the_documented_figures() {
    let dir = tempfile::tempdir().unwrap();
    let runs: Vec<Figures> = (1..=8u64).map(|s| figures(dir.path(), s)).collect();
    let n = runs.len() as f64;
    let mean = |f: fn(&Figures) -> f64| runs.iter().map(f).sum::<f64>() / n;
    let count = |f: fn(&Figures) -> bool| runs.iter().filter(|r| f(r)).count();

    let exchanged = mean(|r| r.exchanged);
    assert!(
        (2.32e6..=3.48e6).contains(&exchanged),
        "mean exchanged in 2000: {exchanged:.0} t (2.9 Mt ± 20 %)"
    );
    let collective = mean(|r| r.collective);
    assert!(
        (0.70..=0.80).contains(&collective),
        "mean collective water use ratio {collective:.3} (0.75 ± 0.05)"
    );
    let power = mean(|r| r.power);
    assert!(
        (0.32..=0.48).contains(&power),
        "mean power plant water use ratio {power:.3} (0.40 ± 0.08)"
    );
    // The documented links form in most histories.
    let water = count(|r| r.refinery_water_to_power);
    let gypsum = count(|r| r.gypsum_to_plasterboard);
    assert!(
        water >= 6,
        "refinery water to the power plant in {water} of 8 seeds"
    );
    assert!(gypsum >= 6, "gypsum to plasterboard in {gypsum} of 8 seeds");
}
