//! Kalundborg: the declared partners of the symbiosis, with the model
//! deciding the exchanges, reproduce the documented figures of 2000
//! (Chertow 2004): about 2.9 Mt exchanged per year, collective water use
//! about 25 % below, and the power station's about 60 % below, the same
//! scenario without symbiosis — over replicate seeds, as the brief asks of
//! every pattern. Which receiver a supplier finds first is left to chance,
//! as it was in history: the refinery's water reaches the power station in
//! about nine histories of ten, so the power station's ratio is checked
//! where that link formed, and the link itself in three quarters of the
//! seeds (docs/VALIDATION.md gives the distributions over seeds 1–100 and
//! why these thresholds).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use common::{Table, run_to, scenario, stderr};

/// Seeds 1–24: with the link forming in 91 of 100 measured histories, at
/// least 18 of 24 fails by chance about once in 250 changes of the random
/// histories, and passes only once in 100 if the link formed in half of them.
const SEEDS: std::ops::RangeInclusive<u64> = 1..=24;
const LINKS_AT_LEAST: usize = 18;
/// Gypsum reaches the plasterboard plant in 98 of 100 histories.
const GYPSUM_AT_LEAST: usize = 21;

fn run(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec!["--threads", "1"];
    args.extend_from_slice(extra);
    let o = run_to(&scenario("kalundborg.toml"), &out, &args);
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

/// What the scenario declares about when the partners can exchange: each
/// partner's founding year, and the year the power station's gypsum (fly
/// ash) is first released.
struct Declared {
    founded: BTreeMap<String, i64>,
    gypsum_from: i64,
}

fn declared() -> Declared {
    let r = proxima::scenario::load(&scenario("kalundborg.toml"), &[]).unwrap();
    let s = r.scenario;
    let founded: BTreeMap<String, i64> = s
        .declared_firms
        .iter()
        .map(|(label, d)| (label.clone(), d.founded))
        .collect();
    let gypsum_from = s.declared_firms["power_plant"].byproducts_from.gypsum as i64;
    // The checks below could fail: some partners and the gypsum come after
    // the first year of the run.
    let start = s.run.start_year;
    assert!(founded.values().filter(|&&y| y > start).count() >= 3);
    assert_eq!(gypsum_from, 1979);
    Declared {
        founded,
        gypsum_from,
    }
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

fn figures(dir: &Path, seed: u64, declared: &Declared) -> Figures {
    let s = seed.to_string();
    let on = run(dir, &format!("on{seed}"), &["--seed", &s]);
    let off = run(
        dir,
        &format!("off{seed}"),
        &["--seed", &s, "--set", "symbiosis.enabled=false"],
    );
    let series = Table::read(&on.join("timeseries.csv")).by_year();
    let (w_on, w_off) = (water_2000(&on), water_2000(&off));
    for label in declared.founded.keys() {
        assert!(
            w_on.contains_key(label) && w_off.contains_key(label),
            "seed {seed}: {label} missing from firms.csv in 2000"
        );
    }
    // The model, not the scenario, decided the exchanges, and only among
    // partners that existed: no flow touches a partner before its founding
    // year, and no gypsum flows before the power station releases it.
    let ex = Table::read(&on.join("exchanges.csv"));
    let (year, from, to, material) = (
        ex.col("year"),
        ex.col("from_label"),
        ex.col("to_label"),
        ex.col("material"),
    );
    for r in &ex.rows {
        let y: i64 = r[year].parse().unwrap();
        for label in [&r[from], &r[to]] {
            if let Some(&founded) = declared.founded.get(label.as_str()) {
                assert!(
                    y >= founded,
                    "seed {seed}: {} → {} ({}) in {y}, but {label} is founded in {founded}",
                    r[from],
                    r[to],
                    r[material]
                );
            }
        }
        assert!(
            r[material] != "gypsum" || y >= declared.gypsum_from,
            "seed {seed}: gypsum {} → {} in {y}, before {}",
            r[from],
            r[to],
            declared.gypsum_from
        );
    }
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
    let declared = declared();
    // Seeds are independent runs of one thread each: run them side by side.
    let pending = Mutex::new(SEEDS.rev().collect::<Vec<u64>>());
    let done = Mutex::new(BTreeMap::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let Some(seed) = pending.lock().unwrap().pop() else {
                        break;
                    };
                    let f = figures(dir.path(), seed, &declared);
                    done.lock().unwrap().insert(seed, f);
                }
            });
        }
    });
    let runs: Vec<Figures> = done.into_inner().unwrap().into_values().collect();
    assert_eq!(runs.len(), SEEDS.count());
    let n = runs.len();
    let mean = |f: &dyn Fn(&Figures) -> f64, of: &[&Figures]| {
        of.iter().map(|r| f(r)).sum::<f64>() / of.len() as f64
    };
    let all: Vec<&Figures> = runs.iter().collect();

    let exchanged = mean(&|r| r.exchanged, &all);
    assert!(
        (2.32e6..=3.48e6).contains(&exchanged),
        "mean exchanged in 2000: {exchanged:.0} t (2.9 Mt ± 20 %)"
    );
    let collective = mean(&|r| r.collective, &all);
    assert!(
        (0.70..=0.80).contains(&collective),
        "mean collective water use ratio {collective:.3} (0.75 ± 0.05)"
    );
    // The documented links form in most histories.
    let linked: Vec<&Figures> = runs.iter().filter(|r| r.refinery_water_to_power).collect();
    assert!(
        linked.len() >= LINKS_AT_LEAST,
        "refinery water to the power plant in {} of {n} seeds (at least {LINKS_AT_LEAST})",
        linked.len()
    );
    let gypsum = runs.iter().filter(|r| r.gypsum_to_plasterboard).count();
    assert!(
        gypsum >= GYPSUM_AT_LEAST,
        "gypsum to plasterboard in {gypsum} of {n} seeds (at least {GYPSUM_AT_LEAST})"
    );
    // The power station's 60 % cut is the refinery's water replacing fresh
    // water: measured where that link formed.
    let power = mean(&|r| r.power, &linked);
    assert!(
        (0.32..=0.48).contains(&power),
        "mean power plant water use ratio {power:.3} where the refinery's water reaches it (0.40 ± 0.08)"
    );
}
